"""Run a uv command line through plain uv and through uvauth, and count what the index servers saw.

The integration tests ask one question of every scenario: through uvauth, did any request reach a private index
without credentials, and did uv produce exactly what it produces unwrapped? So each run records

* the exit code, stdout and stderr,
* every request each server logged during the run (the logs are cleared first),
* the bytes of the files the command was expected to write.

Counts are only meaningful against a cold cache (a warm one answers from disk and sends fewer requests), so every
run gets a fresh, empty ``UV_CACHE_DIR`` unless the caller passes one. ``UV_CACHE_DIR`` changes nothing uv writes.

:func:`compare` runs the same command line twice in the *same* directory, restored from a template before each
run: uv reads its previous outputs (``-o`` files are preferences, ``uv.lock`` is reused), and absolute paths in
messages must be the same for stdout to be compared byte for byte.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import uv

from .indexserver import IndexServer, Layout
from .pypiserver import PypiServer

Tool = Literal["uv", "uvx", "uvauth", "uvauthx"]

PYTHON = sys.executable  # the venv's interpreter: uv must never look for or download another one
UV_BIN = Path(uv.find_uv_bin())
_BIN_DIR = Path(sys.executable).parent
TOOLS: Mapping[Tool, Path] = {
    "uv": UV_BIN,
    "uvx": UV_BIN.with_name("uvx"),
    "uvauth": _BIN_DIR / "uvauth",
    "uvauthx": _BIN_DIR / "uvauthx",
}
# Set for every run: uv must never reach the network for an interpreter.
BASE_ENV: Mapping[str, str] = {"UV_PYTHON": PYTHON, "UV_NO_PYTHON_DOWNLOADS": "1"}


@functools.cache
def _cache_seed() -> Path:
    """A uv cache holding only what uv learns about the interpreter (``interpreter-v*``), made once per session.

    Each run's cache starts as a copy of it: the interpreter query costs ~60 ms a run, while everything an index
    server answers is still fetched afresh, so request counts are those of a cold cache.
    """
    seed = Path(tempfile.mkdtemp(prefix="uv-cache-seed-"))
    atexit.register(shutil.rmtree, seed, ignore_errors=True)
    subprocess.run(
        [str(UV_BIN), "pip", "compile", "-", "--no-index", "--quiet"], input="", cwd=seed,
        env={**os.environ, **BASE_ENV, "UV_CACHE_DIR": str(seed / "cache")}, capture_output=True, check=False,
    )  # fmt: skip
    cache = seed / "cache"
    for child in cache.iterdir():
        if child.is_dir() and not child.name.startswith("interpreter-"):
            shutil.rmtree(child)
    return cache


_TIMING = re.compile(r"\b\d+(?:\.\d+)?(?:ms|s)\b")


def comparable_stderr(text: str) -> str:
    """stderr with what differs between two identical runs taken out: durations (``in 66ms``)."""
    return _TIMING.sub("<t>", text)


def fresh_cache() -> Path:
    """A new uv cache directory, cold for everything but the interpreter (see :func:`_cache_seed`)."""
    path = Path(tempfile.mkdtemp(prefix="uv-cache-"))
    shutil.copytree(_cache_seed(), path, dirs_exist_ok=True)
    return path


def unauthenticated_count(server: IndexServer | PypiServer) -> int:
    """Requests the server saw without credentials (pypiserver: its own 401 count)."""
    if isinstance(server, PypiServer):
        return len(server.unauthorized())
    return len(server.unauthenticated())


def request_count(server: IndexServer | PypiServer) -> int:
    if isinstance(server, PypiServer):
        return server.count_requests()
    return len(server.requests)


@dataclass(frozen=True)
class Run:
    """One finished command and what the servers saw while it ran."""

    tool: Tool
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    unauthenticated: int  # requests without credentials, summed over the servers
    requests: int  # all requests, summed over the servers
    per_server: tuple[tuple[int, int], ...] = ()  # (unauthenticated, requests) per server, in the order given
    files: Mapping[str, bytes | None] = field(default_factory=dict)  # collected outputs (None: not written)

    @property
    def failed(self) -> bool:
        """Plain uv "failed" the scenario: it exited non-zero or sent a request without credentials."""
        return self.returncode != 0 or self.unauthenticated > 0

    def __str__(self) -> str:  # what assertion messages show
        return (
            f"{self.tool} {' '.join(self.args)}\n  exit {self.returncode}, {self.unauthenticated} unauthenticated of "
            f"{self.requests} requests {list(self.per_server)}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


def run(
    tool: Tool,
    args: Sequence[str],
    *,
    cwd: Path,
    servers: Iterable[IndexServer | PypiServer] = (),
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    collect: Iterable[str] = (),
    cache_dir: Path | None = None,
    timeout: float = 120,
    shell: bool = False,
) -> Run:
    """Run ``tool ARGS`` in ``cwd``. ``env`` adds to (value ``None``: removes from) the test's environment.
    With ``shell``, ``ARGS`` are bash's (``-c SCRIPT``): the script runs ``tool`` itself (process substitution)."""
    servers = list(servers)
    for server in servers:
        server.clear_log()
    child_env = {**os.environ, **BASE_ENV}
    for name, value in (env or {}).items():
        if value is None:
            child_env.pop(name, None)
        else:
            child_env[name] = value
    temporary = None
    if cache_dir is None and "UV_CACHE_DIR" not in (env or {}):
        temporary = fresh_cache()
        child_env["UV_CACHE_DIR"] = str(temporary)
    elif cache_dir is not None:
        child_env["UV_CACHE_DIR"] = str(cache_dir)
    try:
        result = subprocess.run(
            ["bash", *args] if shell else [str(TOOLS[tool]), *args], cwd=cwd, env=child_env, input=input, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    per_server = tuple((unauthenticated_count(s), request_count(s)) for s in servers)
    files = {name: _read(cwd / name) for name in collect}
    return Run(
        tool=tool, args=tuple(args), returncode=result.returncode, stdout=result.stdout, stderr=result.stderr,
        unauthenticated=sum(u for u, _ in per_server), requests=sum(n for _, n in per_server),
        per_server=per_server, files=files,
    )  # fmt: skip


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Pair:
    """The same command line through plain uv and through uvauth."""

    uv: Run
    uvauth: Run

    def assert_same_result(self, *, stdout: bool = True, stderr: bool = True) -> None:
        """Same exit code, same stdout and stderr (unless told otherwise; stderr modulo timings), same output
        files byte for byte."""
        assert self.uvauth.returncode == self.uv.returncode, f"exit codes differ\n{self.uv}\n{self.uvauth}"
        if stdout:
            assert self.uvauth.stdout == self.uv.stdout, f"stdout differs\n{self.uv}\n{self.uvauth}"
        if stderr:
            assert comparable_stderr(self.uvauth.stderr) == comparable_stderr(self.uv.stderr), (
                f"stderr differs\n{self.uv}\n{self.uvauth}")
        for name, expected in self.uv.files.items():
            assert self.uvauth.files[name] == expected, f"{name} differs\n{self.uv}\n{self.uvauth}"

    def assert_clean(self) -> None:
        """Through uvauth: success, requests reached the server, none of them without credentials."""
        assert self.uvauth.returncode == 0, str(self.uvauth)
        assert self.uvauth.requests > 0, (
            f"no request reached the server: the count proves nothing\n{self.uvauth}"
        )
        assert self.uvauth.unauthenticated == 0, str(self.uvauth)

    def assert_fixed(self) -> None:
        """The scenario's claim: uvauth sent nothing without credentials and succeeded; plain uv did not manage
        that (at least one unauthenticated request, or a failure); and where plain uv succeeded, the outputs are
        its own byte for byte."""
        self.assert_clean()
        assert self.uv.failed, f"plain uv did not fail, so this test cannot tell a fix from no fix\n{self.uv}"
        if self.uv.returncode == 0:
            self.assert_same_result()


def compare(
    args: Sequence[str],
    *,
    template: Path,
    servers: Iterable[IndexServer | PypiServer] = (),
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    collect: Iterable[str] = (),
    prepare: Callable[[Path], None] | None = None,
    tools: tuple[Tool, Tool] = ("uv", "uvauth"),
    uvauth_args: Sequence[str] | None = None,
) -> Pair:
    """Run ``args`` with plain uv, then with uvauth, each in ``<template>.run`` freshly copied from ``template``.

    ``prepare(workdir)`` runs after each copy (e.g. to create a venv). ``uvauth_args`` replaces ``args`` for the
    uvauth run (for uvauth's own options such as ``--authenticate``). Returns both runs.
    """
    servers = list(servers)
    collect = list(collect)
    work = template.with_name(template.name + ".run")
    runs: list[Run] = []
    for tool, argv in ((tools[0], args), (tools[1], uvauth_args if uvauth_args is not None else args)):
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(template, work, symlinks=True)
        if prepare is not None:
            prepare(work)
        runs.append(run(tool, argv, cwd=work, servers=servers, env=env, input=input, collect=collect))
    return Pair(*runs)


def write_index_toml(
    path: Path,
    url: str,
    *,
    name: str = "art",
    default: bool = True,
    authenticate: str = "always",
    table: str = "index",
) -> Path:
    """Write a uv.toml (or append a pyproject ``[[tool.uv.index]]`` with ``table="tool.uv.index"``)."""
    lines = [f"[[{table}]]", f'name = "{name}"', f'url = "{url}"', f'authenticate = "{authenticate}"']
    if default:
        lines.append("default = true")
    text = "\n".join(lines) + "\n"
    if path.exists():
        text = path.read_text() + "\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


class ServerPool:
    """Index servers of one layout, started on demand and kept for a whole test module.

    Which of two same-URL index entries uv applies is decided by hash-set order (``Indexes::find_prefix_index``,
    ``crates/uv-auth/src/index.rs``): fixed for a given URL, arbitrary across URLs. A pool gives each such case a
    supply of URLs that differ only in the port.
    """

    def __init__(self, wheels_dir: Path, layout: Layout) -> None:
        self.wheels_dir = wheels_dir
        self.layout: Layout = layout
        self._servers: list[IndexServer] = []

    def __getitem__(self, position: int) -> IndexServer:
        while len(self._servers) <= position:
            self._servers.append(IndexServer(self.wheels_dir, self.layout).start())
        return self._servers[position]

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()


# Measured with uv 0.13.8 over 160 ports: plain uv applies the `auto` copy of a configured `always` index on ~21%
# of ports when the copy comes from the command line or the environment, on ~57% when it comes from a
# requirements file. At 21%, 40 ports all missing it has probability 0.79**40 < 1e-4.
MAX_PORTS = 40


def across_ports(
    pool: ServerPool, scenario: Callable[[IndexServer], Pair | Sequence[Pair]], *, max_ports: int = MAX_PORTS
) -> list[list[Pair]]:
    """Run a hash-order-dependent scenario on ports of ``pool`` until plain uv has both failed on one port and
    passed on another, asserting on *every* port that uvauth is clean and, where plain uv succeeded, gives the
    same result.

    Stopping adaptively costs ~5 ports on average instead of the ~30 a fixed count would need for the same
    confidence; and uvauth is always tested on a port where plain uv shows the bug, so a no-op uvauth cannot pass.
    The only way to fail spuriously is plain uv never failing on ``max_ports`` ports (< 1e-4, see above).
    """
    runs: list[list[Pair]] = []  # per port, the scenario's steps
    for position in range(max_ports):
        result = scenario(pool[position])
        steps = [result] if isinstance(result, Pair) else list(result)
        for pair in steps:
            pair.assert_clean()
            if pair.uv.returncode == 0:
                pair.assert_same_result()
        runs.append(steps)
        failed = [any(p.uv.failed for p in port) for port in runs]
        if any(failed) and not all(failed):
            break
    assert any(any(p.uv.failed for p in port) for port in runs), (
        f"plain uv never failed on {len(runs)} ports:\n" + "\n".join(str(p.uv) for p in runs[-1])
    )
    return runs
