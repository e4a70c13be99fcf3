"""The one error boundary as the user sees it: ``uvauth: error: …`` then ``hint: …`` on a line of its own, as uv
lays them out; ``error:`` bold red (uv's own escape sequence) only on a terminal and never under ``NO_COLOR``;
and the no-credentials error naming the index the user knows, never a name uvauth made up."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uvauth.boundary import report_error
from uvauth.errors import UvauthError

UVAUTH = str(Path(sys.executable).with_name("uvauth"))
REAL_UV = str(Path(sys.executable).with_name("uv"))
UV_RED_ERROR = "\x1b[1m\x1b[31merror\x1b[39m\x1b[0m\x1b[1m:\x1b[0m"  # what uv 0.13 prints on a terminal


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_error_is_plain_with_the_hint_on_its_own_line() -> None:
    out = io.StringIO()
    code = report_error(UvauthError("bad thing at https://u:pw@h.example/x", where="f.toml:3", hint="fix it"),
                        file=out)
    assert code == 2
    assert out.getvalue() == "uvauth: error: f.toml:3: bad thing at https://u:****@h.example/x\nhint: fix it\n"


def test_the_traceback_at_vv_is_redacted_as_the_error_line_is() -> None:
    # -vv prints the traceback for a bug report; its last line repeats the message, URL and hint included.
    out = io.StringIO()
    try:
        raise UvauthError("bad value 'https://bob:pw-S3CR3T@h.example/simple'", hint="not https://pw-S3CR3T@h.example/")
    except UvauthError as error:
        assert report_error(error, verbose=2, file=out) == 2
    text = out.getvalue()
    assert "Traceback" in text and "bob:****@h.example" in text
    assert "pw-S3CR3T" not in text
    assert text.splitlines()[-1] == "hint: not https://****@h.example/"


def test_terminal_error_is_coloured_as_uvs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Terminal()
    report_error(UvauthError("bad"), file=out)
    assert out.getvalue() == f"uvauth: {UV_RED_ERROR} bad\n"


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"UVAUTH_COLOR": "never"}])
def test_no_colour_when_asked(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = Terminal()
    report_error(UvauthError("bad"), file=out)
    assert out.getvalue() == "uvauth: error: bad\n"


def _compile(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "r.in").write_text("six\n")
    return subprocess.run([UVAUTH, *args, "r.in"], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={**os.environ, "UVAUTH_UV": REAL_UV})


def test_no_credentials_for_an_unconfigured_url_names_the_url_not_a_made_up_index(tmp_path: Path) -> None:
    done = _compile(tmp_path, "--authenticate", "always", "pip", "compile", "--index-url",
                    "http://127.0.0.1:9/simple")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "uvauth: error: no credentials for index http://127.0.0.1:9/simple, which must authenticate always "
        "(tried: URL userinfo, netrc, uv auth store, keyring)",
        "hint: add `machine 127.0.0.1 login USER password TOKEN` to ~/.netrc, or run "
        "`uv auth login http://127.0.0.1:9/simple`",
    ]
    assert "UVAUTH_" not in done.stderr.upper().replace("UVAUTH: ", "")


def test_no_credentials_for_a_configured_index_names_it_and_its_variables(tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\n')
    done = _compile(tmp_path, "--authenticate", "always", "pip", "compile", "--index-url",
                    "http://127.0.0.1:9/simple/")
    assert done.returncode == 2
    error, hint = done.stderr.splitlines()
    assert error.startswith("uvauth: error: no credentials for index art (http://127.0.0.1:9/simple), which must "
                            "authenticate always (tried: ")
    assert hint == ("hint: add `machine 127.0.0.1 login USER password TOKEN` to ~/.netrc, or run "
                    "`uvauth uvauth login art` (uv auth login for its URLs); in CI, set UV_INDEX_ART_USERNAME and "
                    "UV_INDEX_ART_PASSWORD")


def test_the_boundary_handles_its_own_error_and_ctrl_c_and_hands_on_anything_else(
        capsys: pytest.CaptureFixture[str]) -> None:
    from uvauth import cli
    from uvauth.boundary import guarded, handled

    assert handled(UvauthError("broken", hint="mend it")) == 2
    assert capsys.readouterr().err == "uvauth: error: broken\nhint: mend it\n"
    assert handled(KeyboardInterrupt()) == 130
    bug = ValueError("a bug")
    with pytest.raises(ValueError) as raised:
        handled(bug)
    assert raised.value is bug

    def fails(problem: BaseException) -> int:
        raise problem

    # The console script's boundary (which imports uvauth.errors only after a failure) is the same boundary.
    for boundary in (lambda action: guarded(action), lambda action: cli._guarded(action, 0)):
        assert boundary(lambda: fails(UvauthError("broken"))) == 2
        assert capsys.readouterr().err == "uvauth: error: broken\n"
        assert boundary(lambda: fails(KeyboardInterrupt())) == 130
        assert boundary(lambda: 7) == 7
        with pytest.raises(ValueError):
            boundary(lambda: fails(ValueError("a bug")))
        with pytest.raises(SystemExit):
            boundary(lambda: fails(SystemExit(3)))
