"""Integration, issue "uvauth core" scenarios 2-8: installs, compile-then-install, requirements files, projects,
tools, keyring and a real pypiserver.

Each scenario runs the same command line through plain uv and through uvauth, against a loopback index that
demands Basic auth and logs every request. Through uvauth no request may go out without credentials, and
everything uv writes must be byte-identical to plain uv's; plain uv must fail (a request without credentials, or
an error), else the test could not tell a fix from no fix.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import NetrcWriter
from support.indexserver import IndexServer, Layout
from support.keyring import FakeKeyring
from support.pypiserver import PypiServer
from support.uvrun import Pair, ServerPool, Tool, across_ports, compare, run, write_index_toml
from support.wheels import TOOL_WHEELS, build_wheelhouse

pytestmark = pytest.mark.integration

CREDS = {"127.0.0.1": ("user", "pass")}
LAYOUTS: list[Layout] = ["plain", "artifactory"]
VENV_PYTHON = ".venv/bin/python"


@pytest.fixture
def netrc(netrc_file: NetrcWriter) -> Path:
    return netrc_file(CREDS)


def make_venv(work: Path) -> None:
    created = run("uv", ["venv", ".venv"], cwd=work)
    assert created.returncode == 0, str(created)


def imports(work: Path, *modules: str) -> str:
    code = f"import {', '.join(modules)}; print({modules[0]}.VERSION)"
    return subprocess.run(
        [str(work / VENV_PYTHON), "-c", code], capture_output=True, text=True, check=True
    ).stdout


def project_dir(
    tmp_path: Path, name: str, server: IndexServer, *, default: bool = True, req: str | None = None
) -> Path:
    """A directory with uv.toml (`art`, always, pointing at `server`) and, if given, req.in."""
    path = tmp_path / f"{name}-{server.port}"
    path.mkdir()
    write_index_toml(path / "uv.toml", server.index_url, default=default)
    if req is not None:
        (path / "req.in").write_text(req)
    return path


# --------------------------------------------------------------------------- 2. pip install


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pip_install_pinned_into_fresh_venv(
    pools: dict[str, ServerPool], netrc: Path, tmp_path: Path, layout: Layout
) -> None:
    server = pools[layout][0]
    template = project_dir(tmp_path, "install", server)

    pair = compare(
        ["pip", "install", "--python", VENV_PYTHON, "tinypkg==1.0", "--index-url", server.index_url],
        template=template, servers=[server], prepare=make_venv,
    )  # fmt: skip

    pair.assert_fixed()
    assert imports(template.with_name(template.name + ".run"), "tinypkg", "tinydep") == "1.0\n"
    if layout == "artifactory":  # no PEP 658 metadata: HEAD and range reads, all of them authenticated
        files = [r for r in server.requests if r.kind == "file"]
        assert any(r.method == "HEAD" for r in files) and any("Range" in r.headers for r in files)
        assert all(r.auth == "good" for r in files)


# --------------------------------------------------------------------------- 3. compile, then install


def compile_then_install(tmp_path: Path, server: IndexServer, *, default: bool) -> list[Pair]:
    template = project_dir(tmp_path, "ci", server, default=default, req="tinypkg\n")
    compiled = compare(
        ["pip", "compile", "req.in", "--emit-index-url", "-o", "requirements.txt", "--index-url", server.index_url],
        template=template, servers=[server], collect=["requirements.txt"],
    )  # fmt: skip
    if compiled.uv.returncode == 0:
        compiled.assert_same_result()  # requirements.txt byte-identical, header included
    written = compiled.uvauth.files["requirements.txt"]
    assert written is not None and f"--index-url {server.index_url}\n".encode() in written
    (template / "requirements.txt").write_bytes(written)
    installed = compare(
        ["pip", "install", "--python", VENV_PYTHON, "-r", "requirements.txt"],
        template=template, servers=[server], prepare=make_venv,
    )  # fmt: skip
    assert imports(template.with_name(template.name + ".run"), "tinypkg", "tinydep") == "1.0\n"
    return [compiled, installed]


def test_compile_then_install_default_index(
    pools: dict[str, ServerPool], netrc: Path, tmp_path: Path
) -> None:
    # Configured index default = true: plain uv's compile drops it for the CLI's `auto` copy (every port). The
    # install is clean even unwrapped: the requirements file's --index-url is a later default, so uv drops it.
    compiled, installed = compile_then_install(tmp_path, pools["artifactory"][0], default=True)
    compiled.assert_fixed()
    installed.assert_clean()
    installed.assert_same_result()


def test_compile_then_install_not_default(pools: dict[str, ServerPool], netrc: Path, tmp_path: Path) -> None:
    # Not default: both steps keep two same-URL entries, and hash order picks the policy.
    across_ports(pools["artifactory"], lambda server: compile_then_install(tmp_path, server, default=False))


# --------------------------------------------------------------------------- 4. requirements-file index options


def compile_req(tmp_path: Path, server: IndexServer, line: str, *, default: bool, emit: bool) -> Pair:
    template = project_dir(
        tmp_path, "req", server, default=default, req=f"{line} {server.index_url}\ntinypkg\n"
    )
    argv = ["pip", "compile", "req.in", *(["--emit-index-url"] if emit else [])]
    return compare(argv, template=template, servers=[server])


@pytest.mark.parametrize("emit", [False, True], ids=["", "emit-index-url"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_requirements_index_url_configured_default(
    pools: dict[str, ServerPool], netrc: Path, tmp_path: Path, layout: Layout, emit: bool
) -> None:
    # The file's --index-url is a later default than the configured one, so uv drops it and the configured
    # `always` holds: plain uv is clean here (`IndexLocations::allowed_indexes` keeps the first default only;
    # docs/uv-rules.md, "De-duplication and roles"). uvauth must keep it that way and change nothing.
    pair = compile_req(tmp_path, pools[layout][0], "--index-url", default=True, emit=emit)
    assert not pair.uv.failed, str(pair.uv)
    pair.assert_clean()
    pair.assert_same_result()


@pytest.mark.parametrize("emit", [False, True], ids=["", "emit-index-url"])
@pytest.mark.parametrize(
    ("line", "default"),
    [("--index-url", False), ("--extra-index-url", True), ("--extra-index-url", False)],
    ids=["index-url-not-default", "extra-index-url-default", "extra-index-url-not-default"],
)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_requirements_duplicate_of_configured_index(
    pools: dict[str, ServerPool],
    netrc: Path,
    tmp_path: Path,
    layout: Layout,
    line: str,
    default: bool,
    emit: bool,
) -> None:
    across_ports(
        pools[layout], lambda server: compile_req(tmp_path, server, line, default=default, emit=emit)
    )


# --------------------------------------------------------------------------- 5. uv lock / uv sync

PYPROJECT = """\
[project]
name = "proj"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["tinypkg"]
"""


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lock_and_sync_with_project_index(
    pools: dict[str, ServerPool], netrc: Path, tmp_path: Path, layout: Layout
) -> None:
    server = pools[layout][0]
    template = tmp_path / "proj"
    template.mkdir()
    (template / "pyproject.toml").write_text(PYPROJECT)
    write_index_toml(template / "pyproject.toml", server.index_url, table="tool.uv.index")

    locked = compare(
        ["lock", "--default-index", server.index_url],
        template=template,
        servers=[server],
        collect=["uv.lock"],
    )
    locked.assert_fixed()  # uv.lock byte-identical
    assert f'registry = "{server.index_url}"'.encode() in (locked.uv.files["uv.lock"] or b"")

    (template / "uv.lock").write_bytes(locked.uv.files["uv.lock"] or b"")
    synced = compare(
        ["sync", "--default-index", server.index_url],
        template=template,
        servers=[server],
        collect=["uv.lock"],
    )
    synced.assert_fixed()
    work = template.with_name(template.name + ".run")
    assert imports(work, "tinypkg", "tinydep") == "1.0\n"


def test_export_with_project_index(pools: dict[str, ServerPool], netrc: Path, tmp_path: Path) -> None:
    server = pools["plain"][0]
    template = tmp_path / "proj"
    template.mkdir()
    (template / "pyproject.toml").write_text(PYPROJECT)
    write_index_toml(template / "pyproject.toml", server.index_url, table="tool.uv.index")

    exported = compare(
        ["export", "--emit-index-url", "--default-index", server.index_url],
        template=template,
        servers=[server],
    )

    exported.assert_clean()
    exported.assert_fixed()  # stdout is the export, header included


# --------------------------------------------------------------------------- 6. uv tool install, uvx


@pytest.fixture(scope="module")
def tool_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, IndexServer]]:
    wheels = tmp_path_factory.mktemp("tool-wheels")
    build_wheelhouse(wheels, TOOL_WHEELS)
    servers: dict[str, IndexServer] = {layout: IndexServer(wheels, layout).start() for layout in LAYOUTS}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def tool_env(tmp_path: Path) -> dict[str, str]:
    """Tool and executable dirs inside the compared work dir, so each run installs afresh."""
    work = tmp_path / "tool.run"
    return {"UV_TOOL_DIR": str(work / "tools"), "UV_TOOL_BIN_DIR": str(work / "bin")}


def user_config(server: IndexServer) -> Path:
    # `uv tool …` reads only user and system configuration (`run` in crates/uv/src/lib.rs; docs/uv-rules.md,
    # "Config discovery and merge").
    return write_index_toml(Path(os.environ["XDG_CONFIG_HOME"]) / "uv" / "uv.toml", server.index_url)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_tool_install(
    tool_servers: dict[str, IndexServer],
    netrc: Path,
    tmp_path: Path,
    tool_env: dict[str, str],
    layout: Layout,
) -> None:
    server = tool_servers[layout]
    user_config(server)
    (tmp_path / "tool").mkdir()

    pair = compare(
        ["tool", "install", "tinytool", "--default-index", server.index_url],
        template=tmp_path / "tool",
        servers=[server],
        env=tool_env,
    )

    pair.assert_fixed()
    installed = subprocess.run(
        [str(tmp_path / "tool.run" / "bin" / "tinytool"), "x"], capture_output=True, text=True, check=True
    )
    assert installed.stdout == "tinytool 1.0 x\n"


def test_tool_install_receipt_is_uvs(
    tool_servers: dict[str, IndexServer], netrc: Path, tmp_path: Path, tool_env: dict[str, str]
) -> None:
    server = tool_servers["plain"]
    user_config(server)
    (tmp_path / "tool").mkdir()
    receipt = "tools/tinytool/uv-receipt.toml"

    pair = compare(
        ["tool", "install", "tinytool", "--default-index", server.index_url],
        template=tmp_path / "tool",
        servers=[server],
        env=tool_env,
        collect=[receipt],
    )

    assert pair.uv.files[receipt] is not None
    pair.assert_same_result()


@pytest.mark.parametrize(
    "command",
    [["tool", "install", "tinytool"], ["tool", "uvx", "--from", "tinytool"]],
    ids=["tool-install", "uvx"],
)
def test_tool_commands_under_the_global_policy(
    tool_servers: dict[str, IndexServer], netrc: Path, tmp_path: Path, tool_env: dict[str, str], command: list[str]
) -> None:
    """No uv.toml anywhere: `--authenticate always` alone makes the command-line index authenticate up front."""
    server = tool_servers["artifactory"]
    (tmp_path / "tool").mkdir()
    # uv's options before uvx's program: everything after `tinytool` belongs to it.
    args = [*command, "--default-index", server.index_url] + (["tinytool", "x"] if "uvx" in command else [])
    pair = compare(args, template=tmp_path / "tool", servers=[server], env=tool_env,
                   uvauth_args=["--authenticate", "always", *args])
    pair.assert_fixed()  # plain uv: a 401 first on every request; uvauth: none, same output


UVX_FORMS: dict[str, tuple[tuple[Tool, Tool], list[str]]] = {
    "uvauth tool uvx": (("uv", "uvauth"), ["tool", "uvx"]),
    "uvauth tool run": (("uv", "uvauth"), ["tool", "run"]),
    "uvauthx": (("uvx", "uvauthx"), []),
}


@pytest.mark.parametrize("form", list(UVX_FORMS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_uvx(
    tool_servers: dict[str, IndexServer],
    netrc: Path,
    tmp_path: Path,
    tool_env: dict[str, str],
    layout: Layout,
    form: str,
) -> None:
    server = tool_servers[layout]
    user_config(server)
    (tmp_path / "tool").mkdir()
    tools, prefix = UVX_FORMS[form]

    pair = compare(
        [*prefix, "--default-index", server.index_url, "tinytool", "a", "--b"],
        template=tmp_path / "tool",
        servers=[server],
        env=tool_env,
        tools=tools,
    )

    pair.assert_fixed()
    assert pair.uvauth.stdout == "tinytool 1.0 a --b\n"


# --------------------------------------------------------------------------- 7. keyring


@pytest.mark.parametrize("layout", LAYOUTS)
def test_keyring_only_credentials(
    pools: dict[str, ServerPool], fake_keyring: FakeKeyring, tmp_path: Path, layout: Layout
) -> None:
    # No netrc, no username anywhere: uv asks `keyring get <index url> --mode creds` only under `always`. Plain
    # uv gives the CLI copy `auto` (the configured default is dropped) and fails with 401.
    server = pools[layout][0]
    fake_keyring.add(server.index_url, "user", "pass")
    template = project_dir(tmp_path, "keyring", server, req="tinypkg\n")

    pair = compare(
        ["pip", "compile", "req.in", "--keyring-provider", "subprocess", "--index-url", server.index_url],
        template=template, servers=[server],
    )  # fmt: skip

    assert pair.uv.returncode != 0 and pair.uv.unauthenticated > 0, str(pair.uv)
    pair.assert_clean()
    assert "tinydep==1.0" in pair.uvauth.stdout
    assert ["get", server.index_url, "--mode", "creds"] in fake_keyring.calls()


# --------------------------------------------------------------------------- 8. pypiserver


def test_pypiserver(pypiserver: PypiServer, netrc: Path, tmp_path: Path) -> None:
    # An independent implementation of a private index: its own log counts the 401s.
    template = tmp_path / "pypi"
    template.mkdir()
    write_index_toml(template / "uv.toml", pypiserver.index_url)
    (template / "req.in").write_text("tinypkg\n")

    pair = compare(
        ["pip", "compile", "req.in", "--index-url", pypiserver.index_url],
        template=template,
        servers=[pypiserver],
    )

    pair.assert_fixed()
    assert "tinydep==1.0" in pair.uvauth.stdout


# --------------------------------------------------------------------------- find-links under a configured index


def test_find_links_under_an_always_index(pools: dict[str, ServerPool], netrc: Path, tmp_path: Path) -> None:
    """`--find-links <index URL>/tinypkg/`: uv matches its requests against both the flat entry (auto) and the
    index (always) and picks one by hash order, so on most ports plain uv's first request has no credentials."""

    def scenario(server: IndexServer) -> Pair:
        template = project_dir(tmp_path, "links", server, default=False, req="tinypkg\n")
        argv = ["pip", "compile", "req.in", "--find-links", f"{server.index_url.rstrip('/')}/tinypkg/"]
        return compare(argv, template=template, servers=[server])

    across_ports(pools["plain"], scenario)
