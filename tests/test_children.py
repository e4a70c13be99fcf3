"""Unit tests of :mod:`uvauth.children`: a helper never outlives uvauth's wait for it, whenever a signal arrives.

The race these pin: Ctrl-C or SIGTERM arriving after the helper was forked but before ``Popen`` returned its handle.
uvauth then had nothing to kill it by, and the helper ran on (CI saw a ``keyring`` child outlive a Ctrl-C). The
signal is raised from inside ``Popen`` here, so the race is hit every run rather than by chance.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from uvauth import children

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class _TestTerminated(Exception):
    pass


@pytest.fixture(autouse=True)
def python_default_stopping_handlers() -> Iterator[None]:
    """The handlers Python installs when nothing ignored the signals before it started: under ``nohup`` pytest
    itself ignores SIGINT, and these tests must not depend on how pytest was started."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler), signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGINT, previous[0])
    signal.signal(signal.SIGTERM, previous[1])


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every helper ``children.run`` starts; each is killed at the end, so a failing test leaves nothing behind."""
    processes: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def recording(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = real(*args, **kwargs)  # type: ignore[call-overload]
        processes.append(process)
        return process  # type: ignore[no-any-return]

    monkeypatch.setattr(children.subprocess, "Popen", recording)
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def _signal_while_starting(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    """Deliver ``signum`` after the helper is forked, before ``Popen`` hands back its handle."""
    current = children.subprocess.Popen

    def starting_then_signalled(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = current(*args, **kwargs)
        signal.raise_signal(signum)
        return process  # type: ignore[no-any-return]

    monkeypatch.setattr(children.subprocess, "Popen", starting_then_signalled)


def test_ctrl_c_while_the_helper_starts_kills_it_and_raises_keyboard_interrupt(
        monkeypatch: pytest.MonkeyPatch, started: list[subprocess.Popen[bytes]]) -> None:
    _signal_while_starting(monkeypatch, signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        children.run(SLEEPER, env={}, timeout=30)
    assert len(started) == 1 and started[0].poll() is not None, "the helper outlived Ctrl-C"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_while_the_helper_starts_kills_it_and_reaches_the_handler_uvauth_found(
        monkeypatch: pytest.MonkeyPatch, started: list[subprocess.Popen[bytes]]) -> None:
    def found_handler(signum: int, frame: object) -> None:
        raise _TestTerminated

    previous = signal.signal(signal.SIGTERM, found_handler)
    try:
        _signal_while_starting(monkeypatch, signal.SIGTERM)
        with pytest.raises(_TestTerminated):
            children.run(SLEEPER, env={}, timeout=30)
        assert len(started) == 1 and started[0].poll() is not None, "the helper outlived SIGTERM"
        assert signal.getsignal(signal.SIGTERM) is found_handler
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_ignored_ctrl_c_stays_ignored_and_the_helper_finishes(
        monkeypatch: pytest.MonkeyPatch, started: list[subprocess.Popen[bytes]]) -> None:
    """Under ``nohup`` or as a background job SIGINT is ignored; uvauth must not start honouring it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _signal_while_starting(monkeypatch, signal.SIGINT)
        done = children.run([sys.executable, "-c", "print('ok')"], env={}, timeout=30)
        assert (done.returncode, done.stdout.strip()) == (0, b"ok")
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_helper_that_finishes_restores_the_handlers_it_found(started: list[subprocess.Popen[bytes]]) -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    done = children.run([sys.executable, "-c", "import sys; sys.stdout.write('out'); sys.exit(3)"], env={},
                        timeout=30)
    assert (done.returncode, done.stdout) == (3, b"out")
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_timeout_kills_the_helper_and_raises_timeout_expired(started: list[subprocess.Popen[bytes]]) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        children.run(SLEEPER, env={}, timeout=0.2)
    assert len(started) == 1 and started[0].poll() is not None
