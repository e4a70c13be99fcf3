"""Running a helper program (a ``keyring``, a ``password-command``) so that it never outlives uvauth's wait for it.

A helper may start children of its own (``sh -c``, a CLI that forks a credential process). Killing the helper alone
on a timeout or a signal would leave those running, reparented to init. So each helper runs in a process group of
its own (a new session: it has no controlling terminal either, so a prompt fails rather than waits, as stdin is
``/dev/null``), and the whole group is killed when uvauth stops waiting: on a timeout, on Ctrl-C, on SIGTERM. After a
signal uvauth ends by that same signal, as uv would. A helper that finished normally keeps whatever it left
running on purpose (an agent it started).

A signal can arrive while the helper is being started too: after the fork, before ``Popen`` returns the handle
that could kill it. So while a helper runs, Ctrl-C and SIGTERM are noted, acted on once uvauth holds that handle,
and delivered again after the helper's group is gone.

A leaf module, deciding nothing: the ports under :mod:`uvauth.uv` may use it.
"""

from __future__ import annotations

import os
import signal
import subprocess

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


_STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Signalled(Exception):
    """Ctrl-C or SIGTERM arrived while uvauth waited for a helper."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Arrivals:
    """uvauth's handler for Ctrl-C and SIGTERM while a helper runs. It notes each signal; once uvauth holds the
    helper's handle it also raises, so the wait ends and the helper's group is killed."""

    def __init__(self) -> None:
        self.holding = False
        self.pending: int | None = None

    def __call__(self, signum: int, frame: object) -> None:
        self.pending = signum
        if self.holding:
            raise _Signalled(signum)

    def hold(self) -> None:
        """The helper's handle is held from here on: act on a signal that arrived while it was being started."""
        self.holding = True
        if self.pending is not None:
            raise _Signalled(self.pending)


def run(argv: Sequence[str], *, env: Mapping[str, str], timeout: float,
        input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` without a shell, stdin ``/dev/null`` (or a pipe that carries ``input``, then closes: a
    credential helper's request), stdout and stderr captured (bytes). Raises
    ``subprocess.TimeoutExpired`` after ``timeout`` seconds and ``OSError`` where it cannot start, as
    ``subprocess.run`` does; the helper's process group is gone by then.

    A signal that arrived meanwhile is delivered again once the helper is gone and the handlers uvauth found are
    back: Ctrl-C raises ``KeyboardInterrupt``, SIGTERM ends uvauth by SIGTERM, as uv would end."""
    arrivals = _Arrivals()
    previous = _install(arrivals)
    signum = 0
    try:
        try:
            return _run_held(argv, env, timeout, arrivals, input)
        finally:
            arrivals.holding = False  # from here on a signal is only noted, and delivered again below
    except _Signalled as arrived:
        signum = arrived.signum
    finally:
        _restore(previous)
        if arrivals.pending is not None:
            signal.raise_signal(arrivals.pending)
    raise SystemExit(128 + signum)  # only where the handler found for that signal neither raised nor ended uvauth


def _run_held(argv: Sequence[str], env: Mapping[str, str], timeout: float,
              arrivals: _Arrivals, input: bytes | None) -> subprocess.CompletedProcess[bytes]:
    try:
        stdin = subprocess.DEVNULL if input is None else subprocess.PIPE
        process = subprocess.Popen(list(argv), stdin=stdin, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=dict(env), start_new_session=True)
    except OSError:
        arrivals.hold()  # a signal that arrived while it failed to start wins over the failure
        raise
    try:
        arrivals.hold()
        stdout, stderr = process.communicate(input=input, timeout=timeout)
    except BaseException:  # a timeout, Ctrl-C, SIGTERM: nothing of the helper stays behind
        _kill_group(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _install(arrivals: _Arrivals) -> dict[int, object]:
    """Put ``arrivals`` in place for the stopping signals uvauth does not ignore; returns the handlers found."""
    previous: dict[int, object] = {}
    for signum in _STOPPING_SIGNALS:
        try:
            found = signal.getsignal(signum)
            if found is signal.SIG_IGN or found is None:  # ignored (nohup, a background job), or not Python's: kept
                continue
            signal.signal(signum, arrivals)
        except ValueError:  # not the main thread: signals cannot be handled here
            break
        previous[signum] = found
    return previous


def _restore(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]  # what getsignal returned


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    killpg = getattr(os, "killpg", None)  # POSIX; on Windows the helper alone is killed
    try:
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)  # the group's id is the helper's pid (a new session)
        else:
            process.kill()
    except OSError:  # already gone
        pass
    # Reap it without reading on: a grandchild that left the group could hold the pipes open for ever.
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
    process.wait()
