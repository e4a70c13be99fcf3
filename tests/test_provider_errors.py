"""A failed password command is one error line and a hint (issue 18, item 3): the real stderr of the presets' CLIs,
recorded from them, goes through :func:`uvauth.providers.run.run_command` via a fake executable of the CLI's name
that prints exactly it.

The recordings in ``tests/snapshots/cli-errors/`` (stderr byte for byte; the exit code is in ``RECORDED``):

* ``gcloud-528.0.0-*``: Google Cloud SDK 528.0.0 (``/usr/bin/gcloud``), ``gcloud auth print-access-token`` with
  ``CLOUDSDK_CONFIG`` a new empty directory (``no-active-account``), and the same after ``gcloud config set account
  someone@example.com`` (``no-valid-credentials``).
* ``az-2.91.0-*``: azure-cli 2.91.0 (``pip install azure-cli`` into a throwaway venv), the azure-cli preset's exact
  command with ``AZURE_CONFIG_DIR`` a new empty directory (``not-logged-in``), and with an ``azureProfile.json`` that
  names a user account on a machine that cannot reach login.microsoftonline.com (``login-endpoint-unreachable``:
  az's "unexpected error" report, a lead-in line, the error, then a traceback).

The AWS CLI's errors come from the real ``aws`` in tests/test_integration_codeartifact.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uvauth.errors import UvauthError
from uvauth.providers import presets
from uvauth.providers.entries import Entry, normalize
from uvauth.providers.lookup import Providers
from uvauth.providers.run import run_command, summarize_stderr

SNAPSHOTS = Path(__file__).parent / "snapshots" / "cli-errors"
#: file -> (the CLI, its exit code, the command a user must run that the hint names)
RECORDED = {
    "gcloud-528.0.0-no-active-account.txt": ("gcloud", 1, "gcloud auth login"),
    "gcloud-528.0.0-no-valid-credentials.txt": ("gcloud", 1, "gcloud auth login"),
    "az-2.91.0-not-logged-in.txt": ("az", 1, "az login"),
    "az-2.91.0-login-endpoint-unreachable.txt": ("az", 1, "login.microsoftonline.com"),
}

FAKE = """#!{python}
import sys
sys.stderr.write(open({path!r}, encoding="utf-8").read())
sys.exit({code})
"""


def fake_cli(bin_dir: Path, name: str, stderr_file: Path, code: int) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(FAKE.format(python=sys.executable, path=str(stderr_file), code=code))
    path.chmod(0o755)


def nonblank(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def preset_argv(provider: str) -> tuple[str, ...]:
    url = {"gcloud": "https://europe-python.pkg.dev/p/r/simple/",
           "azure-cli": "https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/"}[provider]
    entry = Entry.from_data(normalize({"index": "x", "provider": provider}, source="test", file=None))
    recipe = presets.recipe(entry, url, {})
    assert recipe is not None and recipe.command is not None
    return recipe.command


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_recorded_cli_error_is_one_line_naming_the_error_and_a_hint(name: str, tmp_path: Path) -> None:
    program, code, advice = RECORDED[name]
    recorded = SNAPSHOTS / name
    fake_cli(tmp_path / "bin", program, recorded, code)
    argv = preset_argv("gcloud" if program == "gcloud" else "azure-cli")
    assert argv[0] == program
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    with pytest.raises(UvauthError) as raised:
        run_command(argv, entry="corp", timeout=30, env=env)
    error = raised.value
    lines = nonblank(recorded.read_text(encoding="utf-8"))
    # The line that carries the error: the first ERROR line that says what went wrong (not a lead-in ending in ":").
    carrier = next(line for line in lines if line.startswith("ERROR:") and not line.endswith(":"))
    assert "\n" not in error.message
    assert error.message.startswith(f"credentials entry corp: command {program!r} exited with code {code}: ")
    shown = error.message.split(f"exited with code {code}: ", 1)[1]
    if len(lines) > 1:
        assert shown.endswith(f" ({len(lines) - 1} more lines on stderr)")
        shown = shown.removesuffix(f" ({len(lines) - 1} more lines on stderr)")
    else:
        assert "more line" not in shown
    assert carrier.startswith(shown.removesuffix("…"))  # that line, cut to a sane length at most
    assert len(shown) <= 300
    assert error.hint is not None and advice in error.hint and "\n" not in error.hint


def test_the_real_gcloud_without_login_is_one_line_and_a_hint(tmp_path: Path) -> None:
    """Where gcloud is installed (CI is), its real error today; elsewhere the recording stands in for it (the test
    above checks the recordings on every machine). Another gcloud version may word its error otherwise: what is
    checked is its shape, as the recording has it (an ``ERROR:`` line, then advice)."""
    env = {**os.environ, "CLOUDSDK_CONFIG": str(tmp_path / "gcloud-config")}
    if shutil.which("gcloud") is None:
        fake_cli(tmp_path / "bin", "gcloud", SNAPSHOTS / "gcloud-528.0.0-no-active-account.txt", 1)
        env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"
    argv = preset_argv("gcloud")
    real = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
                          timeout=120)
    assert real.returncode != 0 and real.stdout == ""
    lines = nonblank(real.stderr)
    carrier = next(line for line in lines if line.startswith("ERROR:"))
    with pytest.raises(UvauthError) as raised:
        run_command(argv, entry="gar", timeout=120, env=env)
    message = raised.value.message
    assert "\n" not in message and f"exited with code {real.returncode}: {carrier}" in message
    if len(lines) > 1:
        assert message.endswith(f" ({len(lines) - 1} more lines on stderr)")
    assert "gcloud auth login" in (raised.value.hint or "")


def test_through_uvauth_the_recorded_error_is_one_error_line_and_one_hint_line(tmp_path: Path) -> None:
    """At the boundary: exactly one ``uvauth: error:`` line and its ``hint:``, whatever the CLI printed."""
    recorded = SNAPSHOTS / "az-2.91.0-login-endpoint-unreachable.txt"
    fake_cli(tmp_path / "bin", "az", recorded, 1)
    data = normalize({"index": "azure", "provider": "azure-cli"}, source="test", file=None)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    from uvauth.boundary import report_error

    with pytest.raises(UvauthError) as raised:
        Providers([data], env).find("https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/", "azure")
    import io

    out = io.StringIO()
    assert report_error(raised.value, file=out) == 2
    error, hint = out.getvalue().splitlines()
    assert error.startswith("uvauth: error: credentials entry azure: command 'az' exited with code 1: ERROR: ")
    assert hint.startswith("hint: ") and "Traceback" not in error


def test_the_summary_strips_colour_redacts_before_cutting_and_counts_what_it_dropped() -> None:
    secret = "hunter2-" + "x" * 20
    url = f"https://alice:{secret}@pkgs.example.com/simple/"
    long_tail = " and then " + "y" * 400
    text = (f"\n\x1b[1m\x1b[31mERROR:\x1b[0m could not reach {url}{long_tail}\n\n"
            "please run:\n\n  thing login\n")
    summary = summarize_stderr(text)
    assert secret not in summary and "\x1b" not in summary
    assert summary.startswith("ERROR: could not reach https://alice:****@pkgs.example.com/simple/ and then y")
    dropped = len(nonblank(text)) - 1
    assert summary.endswith(f"… ({dropped} more lines on stderr)")
    # A password right at the cut is hidden too: redaction comes first.
    cut = summarize_stderr("x" * 290 + f" {url}")
    assert "hunter2" not in cut


def test_without_an_error_word_the_last_line_that_is_not_usage_text_is_shown() -> None:
    text = "something went wrong\nusage: tool [options]\nTo see help text, you can run:\n  tool help\n"
    first = nonblank(text)[0]
    assert summarize_stderr(text) == f"{first} ({len(nonblank(text)) - 1} more lines on stderr)"
    assert summarize_stderr("\n \n") == ""
    assert re.fullmatch(r"only line", summarize_stderr("\n  only line \n"))
