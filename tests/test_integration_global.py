"""Integration, issue 3 (scenario 9): the global policy and ``authenticate-prefixes``.

No ``[[index]]`` says ``authenticate = "always"`` here: the policy comes from uvauth's own settings
(``--authenticate``, ``UVAUTH_AUTHENTICATE``, ``uvauth.toml``, ``[tool.uvauth]``), which uv has no equivalent of
(uv's ``IndexArgs`` in ``crates/uv-cli/src/lib.rs`` has no policy flag or variable; only an ``[[index]]`` sets
``authenticate``). Plain uv gives every such URL ``auto``: a request without credentials first, then a retry after
the 401. That is deterministic, so each case needs one server.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import NetrcWriter
from support.indexserver import IndexServer, Layout
from support.keyring import FakeKeyring
from support.uvrun import UV_BIN, Pair, compare, run, write_index_toml

pytestmark = pytest.mark.integration

CREDS = {"127.0.0.1": ("user", "pass")}
PASSWORD = "pass"


@pytest.fixture(scope="module")
def servers(wheelhouse: Path) -> Iterator[dict[str, IndexServer]]:
    servers = {
        layout: IndexServer(wheelhouse, layout).start() for layout in ("plain", "artifactory", "outside-root")
    }
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def netrc(netrc_file: NetrcWriter) -> Path:
    return netrc_file(CREDS)


def write_settings(directory: Path, source: str, text: str) -> dict[str, str]:
    """Put uvauth settings `text` (TOML body, e.g. `authenticate = "always"`) where `source` says; for the
    environment, return the variables instead."""
    if source == "uvauth.toml":
        (directory / "uvauth.toml").write_text(text + "\n")
    elif source == "pyproject [tool.uvauth]":
        (directory / "pyproject.toml").write_text("[tool.uvauth]\n" + text + "\n")
    elif source == "user uvauth.toml":
        import os

        user = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
        user.mkdir(parents=True, exist_ok=True)
        (user / "uvauth.toml").write_text(text + "\n")
    return {}


def global_always(
    tmp_path: Path,
    server: IndexServer,
    where: str,
    how: str,
    *,
    extra: tuple[str, ...] = (),
    collect: tuple[str, ...] = (),
) -> Pair:
    """`uv pip compile req.in` with the index URL given as `where` and `always` set by `how`; no uv.toml."""
    template = tmp_path / "global"
    template.mkdir()
    url = server.index_url
    requirements = {
        "requirements --index-url": f"--index-url {url}\n",
        "requirements --extra-index-url": f"--extra-index-url {url}\n",
    }.get(where, "")
    (template / "req.in").write_text(requirements + "tinypkg\n")
    args = {"--index-url": ["--index-url", url], "--extra-index-url": ["--extra-index-url", url]}.get(
        where, []
    )
    env = {"UV_INDEX_URL": url} if where == "UV_INDEX_URL" else {}
    argv = ["pip", "compile", "req.in", *args, *extra]
    uvauth_argv = None
    if how == "--authenticate always":
        uvauth_argv = ["--authenticate", "always", *argv]
    elif how == "UVAUTH_AUTHENTICATE":
        env["UVAUTH_AUTHENTICATE"] = "always"
    else:
        write_settings(template, how, 'authenticate = "always"')
    return compare(
        argv, template=template, servers=[server], env=env, uvauth_args=uvauth_argv, collect=collect
    )


WHERE = [
    "--index-url",
    "--extra-index-url",
    "UV_INDEX_URL",
    "requirements --index-url",
    "requirements --extra-index-url",
]
HOW = [
    "--authenticate always",
    "UVAUTH_AUTHENTICATE",
    "uvauth.toml",
    "pyproject [tool.uvauth]",
    "user uvauth.toml",
]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("where", WHERE)
def test_global_always(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path, where: str, how: str
) -> None:
    pair = global_always(tmp_path, servers["artifactory"], where, how)
    pair.assert_clean()
    assert pair.uv.unauthenticated > 0, str(pair.uv)
    assert pair.uvauth.returncode == pair.uv.returncode


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("emit", [False, True], ids=["", "emit-index-url"])
def test_global_always_output_is_uvs(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path, where: str, emit: bool
) -> None:
    extra = ("--emit-index-url", "-o", "requirements.txt") if emit else ("-o", "requirements.txt")
    pair = global_always(
        tmp_path, servers["plain"], where, "UVAUTH_AUTHENTICATE", extra=extra, collect=("requirements.txt",)
    )
    pair.assert_fixed()  # includes requirements.txt byte for byte


def configured_without_policy(tmp_path: Path, server: IndexServer) -> Path:
    template = tmp_path / "configured"
    template.mkdir()
    (template / "uv.toml").write_text(
        f'[[index]]\nname = "art"\nurl = "{server.index_url}"\ndefault = true\n'
    )
    (template / "req.in").write_text("tinypkg\n")
    return template


def test_global_always_configured_index_without_policy(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path
) -> None:
    # A configured index with no `authenticate` of its own takes the global policy; nothing on the command line.
    server = servers["artifactory"]
    pair = compare(
        ["pip", "compile", "req.in"],
        template=configured_without_policy(tmp_path, server),
        servers=[server],
        env={"UVAUTH_AUTHENTICATE": "always"},
    )
    pair.assert_clean()
    assert pair.uv.unauthenticated > 0 and pair.uvauth.returncode == pair.uv.returncode


def test_global_always_configured_index_without_policy_output_is_uvs(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path
) -> None:
    server = servers["plain"]
    pair = compare(
        ["pip", "compile", "req.in"],
        template=configured_without_policy(tmp_path, server),
        servers=[server],
        env={"UVAUTH_AUTHENTICATE": "always"},
    )
    pair.assert_fixed()


# --------------------------------------------------------------------------- no credentials anywhere


@pytest.mark.parametrize("userinfo", ["", "t0ken-as-username@"], ids=["bare-url", "username-only-url"])
def test_always_without_credentials_fails_before_any_request(
    servers: dict[str, IndexServer], tmp_path: Path, userinfo: str
) -> None:
    server = servers["plain"]
    url = server.index_url.replace("http://", "http://" + userinfo)
    (tmp_path / "req.in").write_text("tinypkg\n")
    argv = ["pip", "compile", "req.in", "--index-url", url]

    plain = run("uv", argv, cwd=tmp_path, servers=[server])
    wrapped = run("uvauth", ["--authenticate", "always", *argv], cwd=tmp_path, servers=[server])

    # Plain uv sends the request (without credentials, or with the username alone) and fails on the 401.
    assert plain.returncode != 0 and plain.requests > 0, str(plain)
    assert wrapped.returncode != 0, str(wrapped)
    assert wrapped.requests == 0, str(wrapped)
    lines = [line for line in wrapped.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("uvauth: error: "), wrapped.stderr
    assert lines[1].startswith("hint: ") and "~/.netrc" in lines[1], wrapped.stderr
    redacted = url.replace("t0ken-as-username@", "****@")
    assert redacted in lines[0] and "t0ken" not in wrapped.stderr
    assert "Traceback" not in wrapped.stderr


# --------------------------------------------------------------------------- authenticate-prefixes

PREFIX_SOURCES = ["UVAUTH_AUTHENTICATE_PREFIXES", "uvauth.toml", "pyproject [tool.uvauth]"]


def outside_root(tmp_path: Path, server: IndexServer, source: str) -> Pair:
    """The JFrog remote-repository shape: index at /artifactory/api/pypi/<repo>/simple, files at
    /artifactory/<repo>/…, outside the index root, so uv gives them `auto` even with `always` configured."""
    template = tmp_path / "outside"
    template.mkdir()
    write_index_toml(template / "uv.toml", server.index_url)
    (template / "req.in").write_text("tinypkg\n")
    prefix = f"{server.url}/artifactory"
    env = {}
    if source == "UVAUTH_AUTHENTICATE_PREFIXES":
        env[source] = f"https://unrelated.example/x  {prefix}"
    else:
        write_settings(template, source, f'authenticate-prefixes = ["{prefix}"]')
    return compare(["pip", "compile", "req.in"], template=template, servers=[server], env=env)


@pytest.mark.parametrize("source", PREFIX_SOURCES)
def test_prefixes_cover_files_outside_the_index_root(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path, source: str
) -> None:
    server = servers["outside-root"]
    pair = outside_root(tmp_path, server, source)

    pair.assert_clean()
    assert {r.kind for r in server.requests} >= {"project", "file"}  # uvauth's run fetched files, with creds
    # Plain uv's requests without credentials were the files: the configured `always` covered the index pages.
    assert pair.uv.unauthenticated > 0 and pair.uvauth.returncode == pair.uv.returncode


def test_prefixes_output_is_uvs(servers: dict[str, IndexServer], netrc: Path, tmp_path: Path) -> None:
    outside_root(tmp_path, servers["outside-root"], "UVAUTH_AUTHENTICATE_PREFIXES").assert_fixed()


# --------------------------------------------------------------------------- credentials from each source


def test_credentials_from_url_userinfo(servers: dict[str, IndexServer], tmp_path: Path) -> None:
    server = servers["artifactory"]
    url = server.index_url.replace("http://", f"http://user:{PASSWORD}@")
    (tmp_path / "req.in").write_text("tinypkg\n")
    argv = ["pip", "compile", "req.in", "--index-url", url]
    pair = compare(argv, template=tmp_path, servers=[server], uvauth_args=["--authenticate", "always", *argv])
    # Full credentials in the URL are sent up front even under `auto`: plain uv is clean too.
    pair.assert_clean()
    pair.assert_same_result()


def test_credentials_from_index_env_vars(servers: dict[str, IndexServer], tmp_path: Path) -> None:
    # A configured index without `authenticate` of its own takes the global policy; its UV_INDEX_ART_* are
    # seeded by uv before the first request even under `auto`, so plain uv is clean too.
    server = servers["artifactory"]
    template = tmp_path / "envcreds"
    template.mkdir()
    (template / "uv.toml").write_text(
        f'[[index]]\nname = "art"\nurl = "{server.index_url}"\ndefault = true\n'
    )
    (template / "req.in").write_text("tinypkg\n")
    argv = ["pip", "compile", "req.in", "--index-url", server.index_url]
    env = {
        "UV_INDEX_ART_USERNAME": "user",
        "UV_INDEX_ART_PASSWORD": PASSWORD,
        "UVAUTH_AUTHENTICATE": "always",
    }
    pair = compare(argv, template=template, servers=[server], env=env)
    pair.assert_clean()
    pair.assert_same_result()


def test_credentials_from_netrc(servers: dict[str, IndexServer], netrc: Path, tmp_path: Path) -> None:
    global_always(tmp_path, servers["artifactory"], "--index-url", "--authenticate always").assert_fixed()


def test_credentials_from_uv_auth_store(servers: dict[str, IndexServer], tmp_path: Path) -> None:
    server = servers["artifactory"]
    login = subprocess.run(
        [str(UV_BIN), "auth", "login", server.index_url, "--username", "user", "--password", PASSWORD],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    global_always(tmp_path, server, "--index-url", "--authenticate always").assert_fixed()


def test_credentials_from_keyring(
    servers: dict[str, IndexServer], fake_keyring: FakeKeyring, tmp_path: Path
) -> None:
    server = servers["artifactory"]
    fake_keyring.add(server.index_url, "user", PASSWORD)
    pair = global_always(
        tmp_path, server, "--index-url", "--authenticate always", extra=("--keyring-provider", "subprocess")
    )
    # Plain uv has no username, so under `auto` it never asks the keyring: 401, resolution fails.
    assert pair.uv.returncode != 0 and pair.uv.unauthenticated > 0, str(pair.uv)
    pair.assert_clean()


# --------------------------------------------------------------------------- project commands

PYPROJECT = """\
[project]
name = "proj"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["tinypkg"]
"""


def project(tmp_path: Path, index_url: str | None) -> Path:
    template = tmp_path / "proj"
    template.mkdir()
    (template / "pyproject.toml").write_text(PYPROJECT)
    if index_url is not None:
        (template / "pyproject.toml").write_text(
            PYPROJECT + f'\n[[tool.uv.index]]\nname = "art"\nurl = "{index_url}"\ndefault = true\n'
        )
    return template


@pytest.mark.parametrize("layout", ["plain", "artifactory"])
def test_project_index_lock_sync_add(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path, layout: Layout
) -> None:
    server = servers[layout]
    template = project(tmp_path, server.index_url)
    env = {"UVAUTH_AUTHENTICATE": "always"}

    locked = compare(["lock"], template=template, servers=[server], env=env, collect=["uv.lock"])
    locked.assert_fixed()
    (template / "uv.lock").write_bytes(locked.uv.files["uv.lock"] or b"")

    synced = compare(["sync"], template=template, servers=[server], env=env, collect=["uv.lock"])
    synced.assert_fixed()

    added = compare(
        ["add", "otherpkg"],
        template=template,
        servers=[server],
        env=env,
        collect=["uv.lock", "pyproject.toml"],
    )
    added.assert_fixed()
    assert b"otherpkg" in (added.uvauth.files["pyproject.toml"] or b"")


# --------------------------------------------------------------------------- output identity, synthesized index


def test_synthesized_index_lock(servers: dict[str, IndexServer], netrc: Path, tmp_path: Path) -> None:
    # Global always + a URL no configuration names: uvauth synthesizes an index for it; uv.lock is still uv's.
    server = servers["artifactory"]
    template = project(tmp_path, None)
    url = server.index_url

    locked = compare(
        ["lock", "--default-index", url],
        template=template,
        servers=[server],
        uvauth_args=["--authenticate", "always", "lock", "--default-index", url],
        collect=["uv.lock"],
    )

    locked.assert_fixed()
    assert f'registry = "{url}"'.encode() in (locked.uv.files["uv.lock"] or b"")


def test_synthesized_index_export(servers: dict[str, IndexServer], netrc: Path, tmp_path: Path) -> None:
    server = servers["artifactory"]
    template = project(tmp_path, None)
    url = server.index_url

    exported = compare(
        ["export", "--emit-index-url", "--default-index", url],
        template=template,
        servers=[server],
        env={"UVAUTH_AUTHENTICATE": "always"},
        collect=["uv.lock"],
    )

    # `uv export` echoes its argv in its header (no reference by name possible) and --emit-index-url prints
    # explicit indexes (no synthesized index possible): uvauth keeps the output and says it cannot keep the policy.
    assert exported.uvauth.returncode == exported.uv.returncode == 0
    assert exported.uvauth.stdout == exported.uv.stdout  # header and index lines included
    assert f"--index-url {url}" in exported.uvauth.stdout
    assert exported.uvauth.stderr.count("uvauth: warning: cannot apply authenticate = always") == 1
    assert "it prints explicit indexes" in exported.uvauth.stderr


def test_synthesized_index_export_without_emitted_urls(
    servers: dict[str, IndexServer], netrc: Path, tmp_path: Path
) -> None:
    """Without --emit-index-url the synthesized index shows nowhere: the policy holds and the output is uv's."""
    server = servers["artifactory"]
    exported = compare(
        ["export", "--default-index", server.index_url],
        template=project(tmp_path, None),
        servers=[server],
        env={"UVAUTH_AUTHENTICATE": "always"},
        collect=["uv.lock"],
    )
    exported.assert_fixed()
