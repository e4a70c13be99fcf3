"""Integration-test infrastructure for uvauth.

Everything here talks to the *real* uv binary over loopback: tiny deterministic wheels (`wheels`),
an HTTP Basic-auth index server that logs every request (`indexserver`), the real pypiserver as a
subprocess (`pypiserver`), and a fake `keyring` executable (`keyring`). `uvrun` runs one command line through
plain uv and through uvauth and counts what the servers saw (the integration tests' harness).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from pathlib import Path

#: Hypothesis tries a fixed set of examples in CI, so a green submission stays green; ``.ci/run`` then runs the
#: property tests once more with UVAUTH_TEST_RANDOMIZE=1, on new random examples with the same budget, so that
#: every submission also tries inputs no earlier run tried. Elsewhere every run explores.
DERANDOMIZE = bool(os.environ.get("CI")) and not os.environ.get("UVAUTH_TEST_RANDOMIZE")

#: The machine's own certificate settings, read before the isolation fixture clears them: the tests that reach
#: the package registries (tests/test_install.py) need them where the machine reaches them through a proxy with a
#: root of its own, as a user's machine would (uv trusts a non-empty SSL_CERT_FILE, not the system's store).
MACHINE_CERTIFICATES = {name: os.environ[name] for name in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(name)}

# What the `netrc_file` fixture returns: entries {host: (login, password)} -> path written.
NetrcWriter = Callable[[Mapping[str, tuple[str, str]]], Path]


class Exec:
    """Stands in for ``uvauth.launch.exec_uv`` (the ``exec_uv`` fixture): records the uv path, argv and full
    environment of each exec, and returns 0 as a uv that worked would."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], dict[str, str]]] = []

    def __call__(self, uv: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
        self.calls.append((uv, list(argv), dict(env)))
        return 0

    @property
    def argv(self) -> list[str]:
        return self.calls[-1][1]

    @property
    def added(self) -> dict[str, str]:
        """The variables the last exec's environment sets or changes over the test's own."""
        env = self.calls[-1][2]
        return {k: v for k, v in env.items() if os.environ.get(k) != v}


def write_netrc(path: Path, entries: Mapping[str, tuple[str, str]]) -> Path:
    """Write a netrc file. uv matches entries by host only (no port)."""
    lines = [f"machine {host} login {user} password {password}" for host, (user, password) in entries.items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)  # some netrc readers refuse group/world-readable files holding passwords
    return path


#: The system tools fake executables in tests run (their shebang is /bin/sh; the fake keyring is Python).
_SYSTEM_TOOLS = ("sh", "cat", "sleep", "env", "echo", "printf", "python3")


def system_tools_only(directory: Path) -> str:
    """A PATH entry holding only links to a few system tools, never a `uv`, `uvauth` or `keyring` the machine
    may have in /usr/bin: tests that control which executables are found must not depend on the machine."""
    import shutil
    import sys

    directory.mkdir(parents=True, exist_ok=True)
    for tool in _SYSTEM_TOOLS:
        found = sys.executable if tool == "python3" else shutil.which(tool, path="/usr/bin:/bin")
        link = directory / tool
        if found and not link.exists():
            link.symlink_to(found)
    return str(directory)


def unmeasured(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without coverage.py's variables: a probe that counts the modules a uvauth process imports must not
    count coverage's own (``.ci/run`` measures coverage, and ``patch = subprocess`` starts it in every Python
    process whose environment carries ``COVERAGE_PROCESS_CONFIG``)."""
    return {name: value for name, value in env.items() if not name.startswith("COVERAGE_")}


def store_plans_later(monkeypatch: Any) -> None:
    """The memo refuses to store a plan that read a file changed within its racy window (the last second:
    tests/test_memo.py pins that with the real clock). Tests that write their files just before planning store
    plans as if two windows later, so the window is still in force (a file changed "then" would not count) and
    their files are older than it, as a user's files are."""
    import time

    from uvauth import memo

    monkeypatch.setattr(memo, "_now_ns", lambda: time.time_ns() + 2 * memo._RACY_NS)


def handed(cmdline: Any, env: Mapping[str, str]) -> Any:
    """What the console script hands uv for a parsed command line (``uvauth.cli.run`` without the exec): the fast
    path's memoized plan when there is one (its ``plan`` is None then), else the pipeline's, stored for next time."""
    from uvauth import fastpath, pipeline

    return fastpath.recalled(cmdline.argv, env) or pipeline.prepare(cmdline, env)


def default_stopping_signals() -> None:
    """A ``preexec_fn`` for a process a test will signal: Ctrl-C and SIGTERM at their defaults, whatever pytest
    inherited. Started under ``nohup`` or as a shell's background job, pytest ignores SIGINT, and an ignored
    signal stays ignored across exec: the program under test would never see the Ctrl-C the test sends."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
