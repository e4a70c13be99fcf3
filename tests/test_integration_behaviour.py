"""Integration, scenarios 10-12: uvauth is invisible except for authentication.

* 10: exit codes are uv's; stdin reaches uv (and `uv run`'s child) untouched; `-v` / `-vv` report.
* 11: bad input gives one clear line and exit 2, never a traceback; odd but valid input behaves as uv.
* 12: no password ever shows up in anything uvauth or uv prints or writes.

In every case uvauth has something to do (a configured `always` index repeated on the command line), so the
planning code runs, not just the pass-through.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import NetrcWriter
from support.indexserver import IndexServer
from support.uvrun import Run, comparable_stderr, compare, run, write_index_toml

pytestmark = pytest.mark.integration

CREDS = {"127.0.0.1": ("user", "pass")}


@pytest.fixture(scope="module")
def server(wheelhouse: Path) -> Iterator[IndexServer]:
    with IndexServer(wheelhouse, "artifactory") as server:
        yield server


@pytest.fixture
def netrc(netrc_file: NetrcWriter) -> Path:
    return netrc_file(CREDS)


@pytest.fixture
def configured(tmp_path: Path, server: IndexServer) -> Path:
    """A template dir whose uv.toml has `art` (always, default) at the server, and req.in: tinypkg."""
    template = tmp_path / "configured"
    template.mkdir()
    write_index_toml(template / "uv.toml", server.index_url)
    (template / "req.in").write_text("tinypkg\n")
    return template


# --------------------------------------------------------------------------- 10. exit codes, stdin

EXIT_CASES = {
    "success": (["pip", "compile", "req.in", "--index-url", "U"], 0),
    "resolution-failure": (["pip", "compile", "unknown.in", "--index-url", "U"], 1),
    "missing-requirements-file": (["pip", "compile", "missing.in", "--index-url", "U"], 2),
    "unknown-subcommand": (["frobnicate", "--index-url", "U"], 2),
    "run-exit-7": (["run", "--no-project", "--index-url", "U", "python", "-c", "import sys; sys.exit(7)"], 7),
}


@pytest.mark.parametrize("case", list(EXIT_CASES))
def test_exit_codes_are_uvs(server: IndexServer, netrc: Path, configured: Path, case: str) -> None:
    (configured / "unknown.in").write_text("nosuchpkg\n")
    args, expected = EXIT_CASES[case]
    pair = compare(
        [a.replace("U", server.index_url) if a == "U" else a for a in args],
        template=configured,
        servers=[server],
    )
    assert pair.uv.returncode == expected, str(pair.uv)
    pair.assert_same_result()
    assert pair.uvauth.unauthenticated == 0, str(pair.uvauth)
    assert "Traceback" not in pair.uvauth.stderr


def test_stdin_reaches_pip_compile(server: IndexServer, netrc: Path, configured: Path) -> None:
    pair = compare(
        ["pip", "compile", "-", "--index-url", server.index_url],
        template=configured,
        servers=[server],
        input="tinypkg\n",
    )
    pair.assert_clean()
    assert pair.uv.failed
    pair.assert_same_result(stderr=False)
    assert "tinypkg==1.0" in pair.uvauth.stdout
    # uvauth leaves stdin to uv, and says that it could not check it for index URLs of its own.
    warning, *rest = pair.uvauth.stderr.splitlines(keepends=True)
    assert warning.startswith("uvauth: warning: uvauth did not read - ")
    assert comparable_stderr("".join(rest)) == comparable_stderr(pair.uv.stderr)


def test_stdin_reaches_uv_run_child(server: IndexServer, netrc: Path, configured: Path) -> None:
    text = "line one\nline two: --index-url x\n"
    argv = [
        "run",
        "--no-project",
        "--index-url",
        server.index_url,
        "python",
        "-c",
        "import sys; print(sys.stdin.read(), end='')",
    ]
    pair = compare(argv, template=configured, servers=[server], input=text)
    pair.assert_same_result()
    assert pair.uvauth.stdout == text


def uvauth_lines(result: Run) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("uvauth:")]


def test_verbosity(server: IndexServer, netrc: Path, configured: Path) -> None:
    argv = ["pip", "compile", "req.in", "--index-url", server.index_url]
    quiet = run("uvauth", argv, cwd=configured, servers=[server])
    verbose = run("uvauth", [*argv, "-v"], cwd=configured, servers=[server])
    very = run("uvauth", [*argv, "-vv"], cwd=configured, servers=[server])

    assert uvauth_lines(quiet) == []
    [line] = uvauth_lines(verbose)
    assert server.index_url in line and "art" in line
    plan = uvauth_lines(very)
    assert len(plan) > 1 and any("argv:" in line for line in plan)
    # The header uv writes is that of the command typed (-v is stripped by uv itself, -vv is not).
    assert verbose.stdout == quiet.stdout and "#    uv pip compile req.in -vv\n" in very.stdout


# --------------------------------------------------------------------------- 11. bad input


def one_error_line(result: Run) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) <= 2 and all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    assert lines[0].startswith("uvauth: error: ") and "Traceback" not in result.stderr
    return lines[0]


def test_malformed_uv_toml(server: IndexServer, tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "http://x/simple"\nauthenticate = \n')
    (tmp_path / "req.in").write_text("tinypkg\n")
    argv = ["pip", "compile", "req.in", "--index-url", server.index_url]

    plain = run("uv", argv, cwd=tmp_path, servers=[server])
    wrapped = run("uvauth", argv, cwd=tmp_path, servers=[server])

    assert plain.returncode == 2 and wrapped.returncode == 2
    line = one_error_line(wrapped)
    assert re.search(rf"{re.escape(str(tmp_path / 'uv.toml'))}:4:\d+: ", line), line
    assert wrapped.requests == 0


@pytest.mark.parametrize("how", ["uv.toml-is-a-directory", "--config-file-is-a-directory"])
def test_unreadable_config(server: IndexServer, tmp_path: Path, how: str) -> None:
    # chmod 000 means nothing to root; a directory where a file should be is unreadable to everyone.
    (tmp_path / "req.in").write_text("tinypkg\n")
    argv = ["pip", "compile", "req.in", "--index-url", server.index_url]
    if how == "uv.toml-is-a-directory":
        (tmp_path / "uv.toml").mkdir()
        target = tmp_path / "uv.toml"
    else:
        (tmp_path / "cfg").mkdir()
        target = tmp_path / "cfg"
        argv += ["--config-file", "cfg"]

    plain = run("uv", argv, cwd=tmp_path, servers=[server])
    wrapped = run("uvauth", argv, cwd=tmp_path, servers=[server])

    assert plain.returncode == 2, str(plain)  # uv: "failed to read from file …: Is a directory"
    assert wrapped.returncode == 2 and wrapped.requests == 0
    assert str(target) in one_error_line(wrapped)


def test_requirements_file_with_two_index_urls(server: IndexServer, tmp_path: Path) -> None:
    (tmp_path / "req.in").write_text(
        f"--index-url {server.index_url}\n--index-url {server.url}/other/simple/\ntinypkg\n"
    )
    plain = run("uv", ["pip", "compile", "req.in"], cwd=tmp_path, servers=[server])
    wrapped = run(
        "uvauth",
        ["pip", "compile", "req.in"],
        cwd=tmp_path,
        servers=[server],
        env={"UVAUTH_AUTHENTICATE": "always"},
    )

    assert plain.returncode == 2 and wrapped.returncode == 2
    line = one_error_line(wrapped)
    assert "req.in:2" in line and "--index-url" in line


def test_include_cycle(server: IndexServer, netrc: Path, configured: Path) -> None:
    # a.in and b.in include each other; uv reads each once. The cycle carries an --extra-index-url duplicate.
    (configured / "a.in").write_text("-r b.in\ntinypkg\n")
    (configured / "b.in").write_text(f"-r a.in\n--extra-index-url {server.index_url}\n")
    pair = compare(["pip", "compile", "a.in"], template=configured, servers=[server])
    assert pair.uv.returncode == 0, str(pair.uv)
    pair.assert_clean()
    pair.assert_same_result()


def test_unknown_options_inside_uv_run_command(server: IndexServer, netrc: Path, configured: Path) -> None:
    # Everything after the command belongs to it, even what looks like uv's own (or uvauth's) options.
    code = "import sys; print(sys.argv[1:])"
    tail = ["--weird-flag", "--index-url", server.index_url, "--authenticate", "always", "-v"]
    argv = ["run", "--no-project", "--index-url", server.index_url, "python", "-c", code, *tail]
    pair = compare(argv, template=configured, servers=[server])
    pair.assert_same_result()
    assert pair.uvauth.stdout == f"{tail!r}\n"

    bare = compare(["run", "--no-project", "python", "-c", "pass", "--weird-flag"], template=configured)
    bare.assert_same_result()
    assert bare.uvauth.returncode == 0


ODD_URLS = {
    "percent-encoded-path": lambda s: f"{s.url}/artifactory/api/pypi/pypi%2Dlocal/simple",
    "query-string": lambda s: f"{s.index_url}?token=abc&x=1",
    "dot-segment": lambda s: f"{s.url}/artifactory/api/./pypi/pypi-local/simple",
}


@pytest.mark.parametrize("odd", list(ODD_URLS))
@pytest.mark.parametrize("configured_too", [True, False], ids=["configured", "unconfigured"])
def test_odd_but_valid_urls(
    server: IndexServer, netrc: Path, tmp_path: Path, odd: str, configured_too: bool
) -> None:
    url = ODD_URLS[odd](server)
    template = tmp_path / "odd"
    template.mkdir()
    if configured_too:
        write_index_toml(template / "uv.toml", url)
    (template / "req.in").write_text("tinypkg\n")
    for emit in ([], ["--emit-index-url"]):
        pair = compare(
            ["pip", "compile", "req.in", "--index-url", url, *emit],
            template=template,
            servers=[server],
            env={} if configured_too else {"UVAUTH_AUTHENTICATE": "always"},
        )
        assert "Traceback" not in pair.uvauth.stderr, pair.uvauth.stderr
        pair.assert_same_result()
        assert pair.uv.returncode == 0 and pair.uv.unauthenticated > 0, str(pair.uv)
        pages = [r for r in server.requests if r.kind in ("root", "project")]  # uvauth's run
        assert pages and all(r.auth == "good" for r in pages), str(pair.uvauth)
        # percent-encoded-path: the page links files at /…/pypi-local/packages/…, which uv does not see under the
        # root /…/pypi%2Dlocal (it compares raw paths); uvauth covers the decoded root too.
        assert pair.uvauth.unauthenticated == 0, str(pair.uvauth)


# --------------------------------------------------------------------------- 12. secrets

SECRET = "Zq8-s3cr3t-XK4"  # distinctive: a hit can only be a leak


@pytest.fixture(scope="module")
def secret_server(wheelhouse: Path) -> Iterator[IndexServer]:
    with IndexServer(wheelhouse, "artifactory", username="alice", password=SECRET) as server:
        yield server


def test_no_secret_anywhere(secret_server: IndexServer, netrc_file: NetrcWriter, tmp_path: Path) -> None:
    server = secret_server
    url = server.index_url
    userinfo_url = url.replace("http://", f"http://alice:{SECRET}@")
    configured = tmp_path / "template" / "configured"  # uv.toml: `art` (always) at the server
    configured.mkdir(parents=True)
    write_index_toml(configured / "uv.toml", url)
    (configured / "req.in").write_text("tinypkg\n")
    (configured / "extra.in").write_text(f"--extra-index-url {url}\ntinypkg\n")
    unconfigured = tmp_path / "template" / "unconfigured"  # no uv configuration at all
    unconfigured.mkdir()
    (unconfigured / "req.in").write_text("tinypkg\n")
    in_toml = tmp_path / "template" / "userinfo-in-toml"  # uv.toml: `art` (auto) whose URL holds the password
    in_toml.mkdir()
    (in_toml / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{userinfo_url}"\n')
    (in_toml / "req.in").write_text("tinypkg\n")

    env_creds = {"UV_INDEX_ART_USERNAME": "alice", "UV_INDEX_ART_PASSWORD": SECRET}
    out = ["-o", "out.txt"]
    always = ["--authenticate", "always"]
    # (name, directory, argv, environment, credentials in netrc?)
    runs: list[tuple[str, str, list[str], dict[str, str], bool]] = [
        (
            "userinfo-global",
            "unconfigured",
            [*always, "pip", "compile", "req.in", "--index-url", userinfo_url, "-vv", *out],
            {},
            False,
        ),
        (
            "userinfo-in-uv-toml-global",
            "userinfo-in-toml",
            [*always, "pip", "compile", "req.in", "--index-url", url, "-vv", *out],
            {},
            False,
        ),
        (
            "env",
            "configured",
            ["pip", "compile", "req.in", "--index-url", url, "-vv", "--emit-index-url", *out],
            env_creds,
            False,
        ),
        (
            "env-seeded",
            "configured",
            ["pip", "compile", "extra.in", "-vv", "--emit-index-url", *out],
            env_creds,
            False,
        ),
        (
            "netrc",
            "configured",
            ["pip", "compile", "req.in", "--index-url", url, "-vv", "--emit-index-url", *out],
            {},
            True,
        ),
        (
            "netrc-seeded",
            "configured",
            ["pip", "compile", "extra.in", "-vv", "--emit-index-url", *out],
            {},
            True,
        ),
        (
            "netrc-global",
            "unconfigured",
            [*always, "pip", "compile", "req.in", "--index-url", url, "-vv", "--emit-index-url", *out],
            {},
            True,
        ),
        (
            "netrc-global-env",
            "unconfigured",
            ["pip", "compile", "req.in", "-vv", *out],
            {"UV_INDEX_URL": url, "UVAUTH_AUTHENTICATE": "always"},
            True,
        ),
        (
            "netrc-global-requirements",
            "configured",
            ["pip", "compile", "extra.in", "-vv", *out],
            {"UVAUTH_AUTHENTICATE": "always"},
            True,
        ),
        (
            "explain",
            "unconfigured",
            ["uvauth", "explain", "--json", *always, "pip", "compile", "req.in", "--index-url", url],
            {},
            True,
        ),
        ("explain-table", "configured", ["uvauth", "explain", "pip", "compile", "extra.in"], {}, True),
        (
            "explain-userinfo",
            "configured",
            ["uvauth", "explain", "--json", "pip", "compile", "req.in", "--index-url", userinfo_url],
            {},
            False,
        ),
        (
            "wrong-password",
            "configured",
            ["pip", "compile", "req.in", "--index-url", url, "-vv"],
            {"UV_INDEX_ART_USERNAME": "alice", "UV_INDEX_ART_PASSWORD": SECRET + "-wrong"},
            False,
        ),
    ]
    leaks: list[str] = []
    failed: list[str] = []  # runs that should have succeeded (reported after the leaks, which matter more)
    generated_configs = 0
    for position, (name, directory, argv, env, in_netrc) in enumerate(runs):
        netrc_file({"127.0.0.1": ("alice", SECRET)} if in_netrc else {"example.invalid": ("x", "y")})
        work = tmp_path / f"run-{position}"
        shutil.copytree(tmp_path / "template", work)
        cache = work / "xdg-cache"  # uvauth writes its generated configs under $XDG_CACHE_HOME/uvauth
        result = run(
            "uvauth",
            argv,
            cwd=work / directory,
            servers=[server],
            collect=["out.txt"],
            env={**env, "XDG_CACHE_HOME": str(cache)},
        )
        generated = sorted(p for p in (cache / "uvauth").rglob("*") if p.is_file())
        generated_configs += sum(p.name.startswith("uv-") for p in generated)
        for path in generated:
            text = path.read_text(errors="replace")
            leaks += [f"{name} wrote {path.name}: {line}" for line in text.splitlines() if SECRET in line]
        if not name.startswith(("explain", "wrong")) and (
            result.returncode != 0 or result.unauthenticated != 0
        ):
            failed.append(
                f"{name}: exit {result.returncode}, {result.unauthenticated} unauthenticated: "
                + " | ".join(uvauth_lines(result) + result.stderr.splitlines()[-2:])
            )
        for label, text in (
            ("stdout", result.stdout),
            ("stderr", result.stderr),
            ("out.txt", (result.files["out.txt"] or b"").decode()),
        ):
            leaks += [f"{name} {label}: {line}" for line in text.splitlines() if SECRET in line]

    assert generated_configs > 0, "no generated config was written: that check proved nothing"
    assert leaks == []
    assert failed == []


def test_generated_config_holds_no_userinfo_password(secret_server: IndexServer, tmp_path: Path) -> None:
    userinfo_url = secret_server.index_url.replace("http://", f"http://alice:{SECRET}@")
    (tmp_path / "req.in").write_text("tinypkg\n")
    result = run(
        "uvauth",
        ["--authenticate", "always", "pip", "compile", "req.in", "--index-url", userinfo_url],
        cwd=tmp_path,
        servers=[secret_server],
    )
    assert result.returncode == 0 and result.unauthenticated == 0, str(result)
    written = [p for p in (Path(os.environ["XDG_CACHE_HOME"]) / "uvauth").rglob("*") if p.is_file()]
    assert [p for p in written if p.name.startswith("uv-")], "uvauth generated no config"
    assert [p.name for p in written if SECRET in p.read_text(errors="replace")] == []


def test_userinfo_on_the_command_line_keeps_working(server: IndexServer, configured: Path) -> None:
    # Credentials only in the command-line URL (no netrc): uv sends them up front, so plain uv is clean.
    # Merging that URL onto the configured index must not lose them.
    url = server.index_url.replace("http://", "http://user:pass@")
    pair = compare(["pip", "compile", "req.in", "--index-url", url], template=configured, servers=[server])
    assert not pair.uv.failed, str(pair.uv)
    pair.assert_clean()
    pair.assert_same_result()
