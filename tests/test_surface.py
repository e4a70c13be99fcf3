"""What a user sees of uvauth's own commands: explain's and doctor's text at 80 columns, wide, and piped (a CI
log); uvauth uvauth's usage errors, help, version; uv's global options before the reserved word."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE

from uvauth.commands import doctor as doctor_command
from uvauth.commands import explain as explain_command
from uvauth.commands.output import Writer
from uvauth.doctor.probe import Probe, page_kind
from uvauth.doctor.report import Report, targets
from uvauth.doctor.verdict import Target, verdict
from uvauth.explain import explain_data
from uvauth.uv.cmdline import GRAMMAR_UV_VERSION
from uvauth.uv.credentials.search import Credentials, Lookup

HOST = "art.example.com"
U = f"https://{HOST}/artifactory/api/pypi/pypi-virtual/simple"
UVAUTH = str(Path(sys.executable).with_name("uvauth"))
REAL_UV = str(Path(sys.executable).with_name("uv"))
#: The test uv's version: the grammar is generated from it (tests/test_uvspec.py checks they agree).
UV_VERSION = GRAMMAR_UV_VERSION


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{U}"\nauthenticate = "always"\n')
    (directory / "r.in").write_text(f"--extra-index-url {U}/\nsix\n")
    (tmp_path / "netrc").write_text(f"machine {HOST} login jane password pw\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    monkeypatch.setenv("UVAUTH_UV", REAL_UV)
    monkeypatch.chdir(directory)
    return directory


def text(args: list[str], *, terminal: bool, width: int = 0) -> str:
    out = io.StringIO()
    data = explain_data(args, dict(os.environ))
    explain_command.render_text(data, Writer(out, dict(os.environ), terminal=terminal, width=width, colour=False))
    return out.getvalue()


def test_piped_explain_is_one_record_per_index_without_padding_or_colour(project: Path) -> None:
    out = io.StringIO()
    explain_command.run(["pip", "compile", "--index-url", U, "r.in"], dict(os.environ), out=out)
    shown = out.getvalue()
    assert shown.endswith("\n") and "\x1b" not in shown
    netrc = f"netrc: NETRC={project.parent}/netrc (machine {HOST})"
    assert shown.splitlines()[:20] == [
        "uv pip compile: 3 indexes, in uv's order",
        "",
        f"index 1: {U}",
        "  role: default",
        "  from: cli: --index-url",
        "  handled as: art",
        "  policy: always (configured)",
        "  how: by-name",
        f"  credentials: {netrc}",
        "  plain uv: an unnamed copy of index art: policy auto or always, by hash order, so the first request may go "
        "out without credentials",
        "",
        f"index 2: {U}",
        "  role: extra",
        f"  from: config: {project}/uv.toml:1",
        "  handled as: art",
        "  policy: always (configured)",
        "  how: uv",
        f"  credentials: {netrc}",
        "  plain uv: the same: policy always, credentials before the first request",
        "",
    ]
    lines = shown.splitlines()
    legend = lines.index("how:")
    assert lines[legend + 1:legend + 4] == [
        "  by-name: the URL is handed to uv as a reference to the configured index, so uv applies its policy",
        "  uv: uv applies the policy itself (a configured index)",
        "  seeded: uvauth found the credentials and hands them to uv up front (environment only)",
    ]
    assert lines[lines.index("changes:") + 1] == f"  --index-url {U} -> --default-index art"
    assert f"runs: {REAL_UV} pip compile --default-index art r.in" in lines
    assert f"uv: {REAL_UV} (uv {UV_VERSION}, UVAUTH_UV)" in lines
    assert "configuration:" in lines and f"  project: {project}/uv.toml (read)" in lines


def test_at_80_columns_nothing_is_folded_and_keys_align(project: Path) -> None:
    shown = text(["pip", "compile", "--index-url", U, "r.in"], terminal=True, width=80)
    assert f"index 1: {U}" in shown.splitlines()  # the URL whole, on its line
    assert "  role:        default" in shown.splitlines()
    assert "  credentials: netrc:" in shown
    assert "│" not in shown and "┃" not in shown


def test_at_80_columns_long_lines_wrap_at_spaces_under_their_text(project: Path, tmp_path: Path) -> None:
    """A long line (the sources tried, a warning) once ran past the terminal, which split it mid-word."""
    (tmp_path / "netrc").write_text("machine elsewhere.example login jane password x\n")
    args = ["--authenticate", "always", "pip", "compile", "--index-url", U, "r.in"]
    shown = text(args, terminal=True, width=80).splitlines()
    piped = text(args, terminal=False).splitlines()
    assert [line for line in shown if len(line) > 80 and " " in line.strip()] == []
    assert " ".join(" ".join(shown).split()) == " ".join(" ".join(piped).split())  # the same words, none split
    at = next(n for n, line in enumerate(shown) if line.startswith("  credentials: "))
    assert shown[at + 1].startswith(" " * len("  credentials: ")) and shown[at + 1][len("  credentials: ")] != " "
    assert len(shown) > len(piped)  # something was wrapped (else this test proves nothing)
    assert max(len(line) for line in piped) > 80  # piped output is never wrapped


def test_a_wide_terminal_gets_one_table_row_per_index(project: Path) -> None:
    shown = text(["pip", "compile", "--index-url", U, "r.in"], terminal=True, width=1000)
    lines = shown.splitlines()
    assert lines[1].split() == ["#", "role", "url", "from", "handled", "as", "policy", "(why)", "how", "credentials"]
    assert lines[2].split()[:3] == ["1", "default", U] and "  by-name  netrc: NETRC=" in lines[2]
    assert lines[5].startswith("1: plain uv: ")


def test_a_policy_that_cannot_apply_shows_as_auto_with_the_reason(project: Path) -> None:
    other = "https://other.example.com/simple"
    data = explain_data(["--authenticate", "always", "export", "--emit-index-url", "--index-url", other],
                        dict(os.environ))
    [row] = [i for i in data["indexes"] if i["url"] == other]
    assert (row["policy"], row["policy_reason"], row["lever"]) == ("auto", "default", "none")
    assert row["unapplied"] == "always (option)"
    assert any("keeps uv's default policy (auto)" in w for w in data["warnings"])
    shown = text(["--authenticate", "always", "export", "--emit-index-url", "--index-url", other], terminal=False)
    assert "  policy: auto (default)" in shown and "  not applied: always (option) (see the warning below)" in shown


def test_an_auto_default_row_has_a_fix_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UVAUTH_UV", REAL_UV)
    shown = text(["pip", "install", "--index-url", "https://plain.example.com/simple", "x"], terminal=False)
    assert "  policy: auto (default)" in shown
    assert ('  hint: to send credentials up front, run with --authenticate always, or set authenticate = "always" '
            "in uvauth.toml") in shown.splitlines()
    assert ("  plain uv: the same: unnamed, policy auto: the first request goes out without credentials"
            in shown.splitlines())


def test_the_uv_found_on_path_is_named_with_how_to_pick_another(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").write_text(f'#!/bin/sh\nexec "{REAL_UV}" "$@"\n')  # an older uv, say, first on PATH
    (bin_dir / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)
    shown = text(["lock"], terminal=False)
    assert (f"uv: {bin_dir}/uv (uv {UV_VERSION}, the first uv on PATH); the uv installed with uvauth is {REAL_UV}; "
            "pick another with UVAUTH_UV or the `uv` setting") in shown.splitlines()


# ---------------------------------------------------------------------------------------------------- doctor


def test_doctor_models_authenticate_and_prefixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = targets(["--authenticate", "never", "--index-url", "http://127.0.0.1:9/simple"], dict(os.environ))[0]
    assert (found[0].effective, found[0].policy_reason) == ("never", "option")
    env = {**os.environ, "UVAUTH_AUTHENTICATE_PREFIXES": "http://127.0.0.1:9/"}
    found = targets(["--index-url", "http://127.0.0.1:9/simple"], env)[0]
    assert (found[0].effective, found[0].policy_reason) == ("always", "prefix")


def test_a_200_login_page_is_not_an_open_index() -> None:
    login = b'<html><form action="/login"><input type="password" name="p"></form></html>'
    assert page_kind("text/html", login) == "login"
    assert page_kind("application/vnd.pypi.simple.v1+json", b"{}") == "index"
    assert page_kind("text/html", b'<html><a href="six/">six</a></html>') == "index"
    target = Target("https://idx.example.com/simple/", name="idx")
    nothing = Lookup(credentials=None, tried=())
    page = Probe("https://idx.example.com/simple/", 200, page="login")
    assert verdict(target, nothing, None, page)[0] == "no-credentials"
    creds = Lookup(credentials=Credentials("u", "p", "netrc", "~/.netrc"), tried=())
    assert verdict(target, creds, page, page)[0] == "bad-credentials"
    listing = Probe("https://idx.example.com/simple/", 200, page="index")
    assert verdict(target, nothing, None, listing)[0] == "open"


def test_doctor_text_piped_has_no_colour_and_ends_with_a_newline() -> None:
    from uvauth.doctor.verdict import check_index

    check = check_index(Target("http://127.0.0.1:9/simple", name="idx", where="--index-url"), env=dict(os.environ),
                        timeout=2)
    out = io.StringIO()
    doctor_command.render(Report(checks=[check]), out)
    lines = out.getvalue().splitlines()
    assert out.getvalue().endswith("\n") and "\x1b" not in out.getvalue()
    assert lines[:3] == ["index http://127.0.0.1:9/simple (idx)", "  from: cli: --index-url",
                         "  policy: auto (default)"]
    assert "  verdict: unreachable" in lines


# ---------------------------------------------------------------------------------------------------- the app


def own(*args: str, argv0: str = UVAUTH, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([argv0, *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False,
                          env={**os.environ, "UVAUTH_UV": REAL_UV})


def test_bare_uvauth_uvauth_shows_help_and_succeeds() -> None:
    done = own("uvauth")
    assert done.returncode == 0 and done.stdout.startswith("Usage: uvauth uvauth [OPTIONS] COMMAND [ARGS]...")


def test_usage_errors_are_one_line_exit_2_never_a_panel() -> None:
    done = own("uvauth", "bogus")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "uvauth: error: no such command 'bogus' (see `uvauth uvauth --help`)\n"


def test_version_and_help_command() -> None:
    assert own("uvauth", "--version").stdout == own("uvauth", "version").stdout
    assert own("uvauth", "--version").stdout.startswith("uvauth ")
    helped = own("uvauth", "help", "doctor")
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: uvauth uvauth doctor [OPTIONS] [OPTION]...")
    for shown in (helped.stdout, own("uvauth", "explain", "--help").stdout, own("uvauth", "help").stdout):
        assert "<bool>" not in shown and "<list[str]>" not in shown and "╭" not in shown


@pytest.mark.parametrize("command", [[], ["explain"], ["doctor"], ["credentials"], ["login"], ["logout"],
                                     ["completion"], ["version"], ["help"]], ids=lambda c: c[0] if c else "top")
def test_help_fits_80_columns_and_cuts_nothing(command: list[str]) -> None:
    done = subprocess.run([UVAUTH, "uvauth", *command, "--help"], capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "UVAUTH_UV": REAL_UV, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if len(line) > 80] == []
    # A description cut to fit ends in "..." (click's short help); only the usage line's variadic may.
    assert [line for line in done.stdout.splitlines()[1:] if line.rstrip().endswith(("...", "…"))] == []


def test_the_top_level_help_lists_what_uvauth_adds_to_every_uv_command() -> None:
    """--authenticate and uvauth's variables appear in no help of uv's: uvauth uvauth's help names them all."""
    from uvauth.uv import envvars

    shown = own("uvauth", "--help").stdout
    assert "--authenticate always|auto|never" in shown
    names = [value for name, value in vars(envvars).items() if name.startswith("UVAUTH_") and isinstance(value, str)
             and name not in ("UVAUTH_EXEC_CHAIN", "UVAUTH_LAUNCH", "UVAUTH_SERVING")]  # loop guards, test switch
    assert names and [name for name in names if name.rstrip("_") not in shown] == []


@pytest.mark.parametrize("args", [["uvauth", "doctor"], ["--color", "never", "uvauth", "credentials", "show"]],
                         ids=["own-command", "after-uv-globals"])
def test_explain_of_an_own_command_says_it_is_no_uv_command(args: list[str]) -> None:
    """explain once claimed `explain uvauth doctor` would run `uv uvauth doctor`."""
    done = own("uvauth", "explain", *args)
    word = args[args.index("uvauth") + 1]
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"uvauth: error: `uvauth {word}` is one of uvauth's own commands, not a uv command: "
                           f"uvauth runs it itself and hands nothing to uv\nhint: see `uvauth uvauth {word} --help`; "
                           "explain shows what uvauth does for uv's commands\n")


def test_explain_of_a_uv_command_naming_uvauth_as_a_package_is_a_uv_command() -> None:
    done = own("uvauth", "explain", "pip", "install", "--dry-run", "uvauth")
    assert done.returncode == 0 and done.stdout.startswith("uv pip install: "), done.stderr


def test_usage_line_says_uv_uvauth_when_run_as_uv(tmp_path: Path) -> None:
    (tmp_path / "uv").symlink_to(UVAUTH)
    done = own("uvauth", "help", argv0=str(tmp_path / "uv"))
    assert done.stdout.startswith("Usage: uv uvauth [OPTIONS] COMMAND [ARGS]...")


def test_uvs_global_options_before_the_reserved_word(tmp_path: Path) -> None:
    done = own("--color", "never", "uvauth", "doctor", "--no-config", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("No index to check"), done
    assert f"uv: {REAL_UV} (uv {UV_VERSION}, UVAUTH_UV)" in done.stdout.splitlines()  # which uv uvauth would run
    refused = own("-q", "uvauth", "completion", "bash", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.splitlines()[0] == (
        "uvauth: error: uv's option -q before `uvauth` applies only to `explain` and `doctor`: `uvauth` must come "
        "first")


def test_explains_own_options_anywhere_and_unknown_ones_refused(tmp_path: Path) -> None:
    done = own("uvauth", "explain", "lock", "--jsn", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[0] == ("uvauth: error: unexpected option '--jsn' for explain: neither explain's "
                                           "(--json) nor one of the uv command's")
    assert own("uvauth", "explain", "lock", "--json", cwd=tmp_path).stdout.startswith("{")


def test_doctor_refuses_uv_lock_options_it_does_not_use(tmp_path: Path) -> None:
    done = own("uvauth", "doctor", "--dry-run", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[0] == "uvauth: error: doctor does not use --dry-run"


@pytest.mark.parametrize(("before", "env", "coloured"), [
    (["uvauth", "--color", "always"], {}, True),
    (["--color", "always", "uvauth"], {}, True),
    (["uvauth"], {"FORCE_COLOR": "1"}, True),
    (["uvauth", "--color", "never"], {"FORCE_COLOR": "1"}, False),
    (["uvauth"], {}, False),  # piped
], ids=["own --color always", "uv's --color always", "FORCE_COLOR", "--color never wins", "piped"])
def test_colour_follows_color_and_the_terminal(tmp_path: Path, before: list[str], env: dict[str, str],
                                               coloured: bool) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    done = subprocess.run([UVAUTH, *before, "explain", "lock"], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, check=False, env={**base, "UVAUTH_UV": REAL_UV, **env})
    assert done.returncode == 0, done.stderr
    assert ("\x1b[1mruns:\x1b[0m" in done.stdout) is coloured and ("\x1b" in done.stdout) is coloured


@pytest.mark.parametrize(("args", "url", "plain"), [
    (["lock"], U, "the same: policy always, credentials before the first request"),
    (["--authenticate", "never", "lock"], U, "policy always, credentials before the first request"),
    (["pip", "install", "--index-url", "https://plain.example.com/simple", "x"], "https://plain.example.com/simple",
     "the same: unnamed, policy auto: the first request goes out without credentials"),
    (["--authenticate", "always", "pip", "install", "--index-url", "https://plain.example.com/simple", "x"],
     "https://plain.example.com/simple", "unnamed, policy auto: the first request goes out without credentials"),
], ids=["configured", "configured, overridden", "unnamed auto", "unnamed, made always"])
def test_plain_uv_says_what_uv_alone_would_do(project: Path, args: list[str], url: str, plain: str) -> None:
    (project.parent / "netrc").write_text("default login jane password pw\n")
    [row] = [i for i in explain_data(args, dict(os.environ))["indexes"] if i["url"] == url]
    assert row["plain_uv"] == plain


def test_explain_keeps_uvs_own_double_dash(tmp_path: Path) -> None:
    """`explain run -- python -V`: that `--` is uv's (the program's arguments follow); only a `--` before any uv
    word is explain's own."""
    import json

    done = own("uvauth", "explain", "--json", "run", "--", "python", "-V", cwd=tmp_path)
    assert json.loads(done.stdout)["argv"] == ["run", "--", "python", "-V"]
    verbatim = own("uvauth", "explain", "--json", "--", "lock", "--frobnicate", cwd=tmp_path)
    assert verbatim.returncode == 0 and json.loads(verbatim.stdout)["argv"] == ["lock", "--frobnicate"]
    after_color = own("uvauth", "--color", "never", "explain", "--json", "--", "lock", "--frobnicate", cwd=tmp_path)
    assert json.loads(after_color.stdout)["argv"] == ["lock", "--frobnicate"]


def test_doctor_against_a_server_answering_200_with_a_login_page() -> None:
    """A single-sign-on front that answers every anonymous GET with a 200 login form is not an open index."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from uvauth.doctor.verdict import check_index

    class LoginPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = b'<html><form method="post"><input name="user"><input type="password" name="pw"></form></html>'
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), LoginPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/simple"
        check = check_index(Target(url, name="sso"), env=dict(os.environ), timeout=5)
    finally:
        server.shutdown()
    assert check.anonymous.page == "login"
    assert check.verdict == "no-credentials" and "login page, not an index" in check.message


def test_uvs_global_options_before_uvauth_are_part_of_the_line_explain_explains(project: Path,
                                                                                   tmp_path: Path) -> None:
    import json

    done = own("--directory", str(project), "uvauth", "explain", "--json", "lock", cwd=tmp_path)
    data = json.loads(done.stdout)
    assert data["argv"] == ["--directory", str(project), "lock"]
    assert [i["url"] for i in data["indexes"]] == [U]  # the project's uv.toml, found from --directory


@pytest.mark.hypothesis
@settings(max_examples=200, deadline=None, derandomize=DERANDOMIZE)
@given(words=st.lists(st.text(alphabet="ab:/-é", min_size=0, max_size=30), min_size=1, max_size=30),
       lead=st.integers(0, 6), width=st.integers(8, 120), indent=st.integers(0, 30))
def test_wrapping_keeps_every_word_whole_and_in_order(words: list[str], lead: int, width: int, indent: int) -> None:
    from uvauth.commands.output import _wrapped

    text = " " * lead + " ".join(words)
    lines = _wrapped(text, width, indent)
    assert " ".join(" ".join(lines).split()) == " ".join(text.split())  # the same words, none split or lost
    assert lines[0].startswith(" " * lead)
    for line in lines:
        assert len(line) <= width or " " not in line.strip()  # only a word longer than the width overflows
