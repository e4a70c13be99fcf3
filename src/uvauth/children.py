"""Running a helper program (a ``keyring``, a ``password-command``) so that it never outlives uvauth's wait for it.

A helper may start children of its own (``sh -c``, a CLI that forks a credential process). Killing the helper alone
on a timeout or a signal would leave those running, reparented to init. So each helper runs in a process group of
its own (a new session: it has no controlling terminal either, so a prompt fails rather than waits, as stdin is
``/dev/null``), and the whole group is killed when uvauth stops waiting: on a timeout, on Ctrl-C, on SIGTERM. After a
signal uvauth ends by that same signal, as uv would. A helper that finished normally keeps whatever it left
running on purpose (an agent it started).

A leaf module, deciding nothing: the ports under :mod:`uvauth.uv` may use it.
"""

from __future__ import annotations

import os
import signal
import subprocess

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class _Terminated(Exception):
    """SIGTERM arrived while a helper ran."""


def run(argv: Sequence[str], *, env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` without a shell, stdin ``/dev/null``, stdout and stderr captured (bytes). Raises
    ``subprocess.TimeoutExpired`` after ``timeout`` seconds and ``OSError`` where it cannot start, as
    ``subprocess.run`` does; the helper's process group is gone by then."""

    def terminate(signum: int, frame: object) -> None:
        raise _Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: signals cannot be handled here
        previous = None
    try:
        process = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=dict(env), start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except BaseException:  # a timeout, Ctrl-C, SIGTERM: nothing of the helper stays behind
            _kill_group(process)
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM) from None  # only if the signal did not end the process
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


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
