"""Shared fixtures: environment isolation and the loopback index infrastructure (see tests/support)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import uv
from support import Exec, NetrcWriter, write_netrc
from support.indexserver import IndexServer, IndexServerFactory, Layout
from support.keyring import FakeKeyring
from support.pypiserver import PypiServer
from support.uvrun import ServerPool
from support.wheels import build_wheelhouse

# Anything uv, uvauth, keyring or pip would pick up from the developer's shell.
_DROP_PREFIXES = ("UV_", "UVAUTH_", "KEYRING", "PIP_")
# The certificates uv trusts (uvauth.uv.tls): a machine that sets SSL_CERT_FILE would change what doctor reports.
_DROP_NAMES = ("NETRC", "DEPENDABOT", "VIRTUAL_ENV", "CONDA_PREFIX", "SSL_CERT_FILE", "SSL_CERT_DIR")
# Our servers are on loopback; a proxy from the environment must not intercept uv's requests to them.
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every test a clean environment and private home/config/cache dirs.

    uv reads user config from XDG_CONFIG_HOME/~/.config, system config from XDG_CONFIG_DIRS
    (default /etc/xdg), credentials from ~/.netrc and XDG_DATA_HOME, and caches under
    XDG_CACHE_HOME. Pointing all of them at per-test dirs means no test sees the machine's setup
    or another test's state. XDG_CONFIG_DIRS points at an *empty* dir so no system uv.toml is
    found, without setting any UV_* variable that the code under test might treat specially.
    The per-test cache costs little because every index is local.
    """
    for name in list(os.environ):
        if name.startswith(_DROP_PREFIXES) or name in _DROP_NAMES or name.lower() in _PROXY_VARS:
            monkeypatch.delenv(name)

    root = tmp_path_factory.mktemp("env")
    dirs = {
        "HOME": "home",
        "XDG_CONFIG_HOME": "config",
        "XDG_CACHE_HOME": "cache",
        "XDG_DATA_HOME": "data",
        "XDG_STATE_HOME": "state",
        "XDG_CONFIG_DIRS": "system-config",
        "APPDATA": "appdata",
        # The token cache of uvauth's credential providers lives here when it exists: never the machine's.
        "XDG_RUNTIME_DIR": "runtime",
    }
    for var, sub in dirs.items():
        path = root / sub
        path.mkdir()
        monkeypatch.setenv(var, str(path))


@pytest.fixture(scope="session")
def uv_bin() -> Path:
    """The real uv binary shipped by the `uv` package in this venv."""
    return Path(uv.find_uv_bin())


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with tinypkg 1.0 (needs tinydep>=1), tinydep 1.0 and otherpkg 2.0. Do not modify."""
    path = tmp_path_factory.mktemp("wheelhouse")
    build_wheelhouse(path)
    return path


@pytest.fixture
def index_server(wheelhouse: Path) -> Iterator[IndexServerFactory]:
    """Factory: `index_server(layout="plain", *, username="user", password="pass", mode="auth",
    repo="pypi-local", wheels_dir=wheelhouse)` returns a started `IndexServer`; all are stopped at teardown.
    """
    started: list[IndexServer] = []

    def make(
        layout: Layout = "plain",
        *,
        username: str = "user",
        password: str = "pass",
        mode: str = "auth",
        repo: str = "pypi-local",
        wheels_dir: Path | None = None,
    ) -> IndexServer:
        server = IndexServer(wheels_dir or wheelhouse, layout, username, password, mode, repo)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def pypiserver(wheelhouse: Path, tmp_path: Path) -> Iterator[PypiServer]:
    """A started real pypiserver (user "user", password "pass", auth for download/list/update)."""
    with PypiServer(wheelhouse, tmp_path / "pypiserver") as server:
        yield server


@pytest.fixture
def fake_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKeyring:
    """A fake `keyring` command, already first on PATH for this test. Starts empty; use `.add()`."""
    keyring = FakeKeyring(tmp_path / "fake-keyring")
    monkeypatch.setenv("PATH", keyring.path_with_bin(os.environ.get("PATH")))
    return keyring


@pytest.fixture
def netrc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NetrcWriter:
    """Writer: `netrc_file({"127.0.0.1": ("user", "pass")})` writes a netrc file, points NETRC at it
    and returns its path. Calling it again replaces the file. uv matches netrc entries by host only
    (no port), so one entry covers every loopback server.
    """
    path = tmp_path / "netrc"

    def write(entries: Mapping[str, tuple[str, str]]) -> Path:
        write_netrc(path, entries)
        monkeypatch.setenv("NETRC", str(path))
        return path

    return write


@pytest.fixture(scope="module")
def pools(wheelhouse: Path) -> Iterator[dict[str, ServerPool]]:
    """Per module: a growing pool of servers on distinct ports for each layout, for the cases where plain uv's
    outcome depends on a hash of the URL (see support.uvrun.across_ports). Stopped by their handles."""
    pools = {layout: ServerPool(wheelhouse, layout) for layout in ("plain", "artifactory")}
    yield pools
    for pool in pools.values():
        pool.stop()


@pytest.fixture
def exec_uv(monkeypatch: pytest.MonkeyPatch) -> Exec:
    """The one exec seam replaced (``uvauth.launch.exec_uv``): what uvauth would hand uv, recorded."""
    from uvauth import launch

    fake = Exec()
    monkeypatch.setattr(launch, "exec_uv", fake)
    return fake
