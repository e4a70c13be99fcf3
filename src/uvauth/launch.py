"""Launch: find the real uv, ask its version, and become uv.

On POSIX uvauth replaces itself with uv (``os.execve``): the TTY, stdin/stdout/stderr, signals (Ctrl-C reaches uv
and ``uv run``'s child exactly as without uvauth) and the exit code are then uv's own. Elsewhere it runs uv as a
child and returns its exit code. Tests replace :data:`exec_uv`, the one seam around the exec.
"""

import os
import stat
import sys

from uvauth.uv import envvars

# On the path of every uv call: heavier modules are imported where they are needed, not here — uvauth.errors
# too, where an error is raised (a command that goes right never imports it).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Final

    from uvauth.plan import Plan


#: The loop guard uvauth hands the uv it execs (never read by uv): the pid that became uv, how many times uvauth has
#: run in this chain of processes, and the uv paths chosen so far in this one process. A `uv` that turns out to
#: start uvauth again (a shim script, a wrapper) is recognised by what happens — uvauth entered again in the same
#: process — never by a word in a file or a path (a checkout or venv named `uvauth` is no loop).
_CHAIN: "Final" = envvars.UVAUTH_EXEC_CHAIN
#: uvauth inside uvauth inside … this often is a loop through a `uv` that forks (rather than execs) uvauth; a
#: legitimate nesting (`uv run make` whose recipe calls uvauth) is a few levels deep.
MAX_HOPS: "Final" = 32


class Handoff:
    """What uvauth hands uv — the binary, its argv (without the program name), its whole environment — with the
    (redacted) lines to report and uv's ``-v``/``-q`` counts that choose them. The one record every way to uv
    ends in: passed through, planned (``plan`` is the :class:`uvauth.plan.Plan` that produced it), or a
    memoized plan reused (:mod:`uvauth.memo` stores and recalls exactly this, without ``plan``)."""

    __slots__ = ("uv", "argv", "env", "plan", "doubts", "warnings", "changes", "tokens", "verbose", "quiet")

    def __init__(self, *, uv: str, argv: "Sequence[str]", env: "Mapping[str, str]", plan: "Plan | None" = None,
                 doubts: "Sequence[str]" = (), warnings: "Sequence[str]" = (), changes: "Sequence[str]" = (),
                 tokens: "Sequence[tuple[str, str, str]] | None" = (), verbose: int = 0, quiet: int = 0) -> None:
        self.uv = uv
        self.argv = list(argv)
        self.env = dict(env)
        self.plan = plan
        self.doubts = tuple(doubts)
        self.warnings = tuple(warnings)
        self.changes = tuple(changes)
        # (USERNAME variable, PASSWORD variable, token cache file) of each provider token handed to uv, which a
        # memoized plan reads again on reuse; None when some secret handed is not such a token (never memoized).
        self.tokens = None if tokens is None else tuple(tokens)
        self.verbose = verbose
        self.quiet = quiet


def _identity(path: str) -> tuple[int, int] | None:
    """The file at ``path`` (symlinks followed) as (device, inode), or None: one ``stat``, where comparing
    resolved paths would ``lstat`` every component of both."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


def _executable(candidate: str) -> "os.stat_result | None":
    """The status of ``candidate`` when it is an executable regular file, else None."""
    try:
        status = os.stat(candidate)
    except (OSError, ValueError):
        return None
    return status if stat.S_ISREG(status.st_mode) and os.access(candidate, os.X_OK) else None


def _is_uvauth(status: "os.stat_result", ourselves: tuple[int, int] | None) -> bool:
    """True for uvauth's own launcher behind any symlink or hard link (the same file)."""
    return (status.st_dev, status.st_ino) == ourselves


def _chain(env: "Mapping[str, str]") -> tuple[int, int, list[str]]:
    """The loop guard uvauth was started with: (hops so far, pid that became uv, the uv paths that pid exec'd).
    Anything unreadable counts as no chain (a user cannot make uvauth fail by setting it)."""
    text = env.get(_CHAIN)
    if not text:
        return 0, 0, []
    head, _, rest = text.partition("\n")
    pid, _, hops = head.partition(" ")
    if not (pid.isdigit() and hops.isdigit()):
        return 0, 0, []
    return int(hops), int(pid), rest.split("\n") if rest else []


def ran_uvauth_again(env: "Mapping[str, str]") -> list[str]:
    """The uv paths uvauth exec'd in this very process that started uvauth again: it exec'd one, and here it is,
    in the same process (uv itself never execs, it spawns). Empty when uvauth was not entered that way."""
    _, pid, paths = _chain(env)
    return paths if pid == os.getpid() else []


def chain_env(uv: str, env: "Mapping[str, str]") -> dict[str, str]:
    """``env`` with the loop guard for exec'ing ``uv`` (see :data:`_CHAIN`). Too many uvauths in one chain of
    processes is uvauth's one-line error rather than a process more."""
    hops, _, _ = _chain(env)
    if hops >= MAX_HOPS:
        from uvauth.errors import UvauthError

        raise UvauthError(f"uvauth has started {hops} times in one chain of processes: the uv it runs ({uv}) "
                          "seems to start uvauth again",
                          hint="point UVAUTH_UV (or the uv setting) at the real uv binary")
    paths = [*ran_uvauth_again(env), uv]
    return {**env, _CHAIN: f"{os.getpid()} {hops + 1}\n" + "\n".join(paths)}


def _note(env: "Mapping[str, str]", path: str) -> None:
    """Each candidate uv looked at is something a memoized plan depends on: recorded where planning hands the
    recording environment (:class:`uvauth.observed.RecordingEnv`), so a pass-through never imports it."""
    note = getattr(env, "note", None)
    if note is not None:
        note(path)


def _search_path(env: "Mapping[str, str]") -> list[str]:
    """The directories a command name is looked up in, as exec takes them (``os.get_exec_path``): ``PATH``, or
    ``os.defpath`` where it is unset — never the process's own ``PATH``, and never the working directory for an
    unset one (an empty entry of a set ``PATH`` is the working directory, as for exec)."""
    path = env.get("PATH")
    return (os.defpath if path is None else path).split(os.pathsep)


def find_uv(env: "Mapping[str, str]", configured: str | None = None) -> str:
    """The real uv: ``UVAUTH_UV`` (or the ``uv`` setting), then a ``uv`` on PATH that is not uvauth, then the uv
    installed with uvauth (the ``uv`` package)."""
    explicit = env.get(envvars.UVAUTH_UV) or configured
    ourselves = _identity(sys.argv[0]) if sys.argv and sys.argv[0] else None
    looped = ran_uvauth_again(env)  # uv paths that turned out to start uvauth again
    if explicit:
        import shutil

        given_by = envvars.UVAUTH_UV if env.get(envvars.UVAUTH_UV) else "the `uv` setting"
        if os.sep not in explicit:  # a name, looked up on PATH: each place it could be
            for directory in _search_path(env):
                _note(env, os.path.join(directory or ".", explicit))
        found = shutil.which(explicit, path=os.pathsep.join(_search_path(env)))
        if not found:
            from uvauth.errors import UvauthError

            raise UvauthError(f"the uv given by {given_by} is not an executable: {explicit}",
                              hint="point UVAUTH_UV at the real uv binary")
        status = _executable(found)
        if found in looped or (status is not None and _is_uvauth(status, ourselves)):
            # Exec'ing it (again) would start uvauth again, which would exec it again: a loop that never ends.
            from uvauth.errors import UvauthError

            raise UvauthError(f"the uv given by {given_by} is uvauth itself, or starts it: {found}",
                              hint="point UVAUTH_UV at the real uv binary, or unset it to use the uv installed "
                                   "with uvauth")
        return found
    for directory in _search_path(env):
        candidate = os.path.join(directory or ".", "uv")
        _note(env, candidate)
        status = _executable(candidate)
        if status is not None and not _is_uvauth(status, ourselves) and candidate not in looped:
            return candidate
    # The uv installed with uvauth: usually in the scripts directory beside this interpreter (a venv, pipx, uv
    # tool); the `uv` package's own finder covers the other layouts, but importing it costs sysconfig.
    beside = os.path.join(os.path.dirname(sys.executable), "uv")
    _note(env, beside)
    status = _executable(beside)
    if status is not None and not _is_uvauth(status, ourselves) and beside not in looped:
        return beside
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]  # the uv package ships no types

        found = str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        from uvauth.errors import UvauthError

        raise UvauthError("cannot find the real uv", hint="install uv, or set UVAUTH_UV=/path/to/uv") from None
    # The uv package's finder looks where uvauth cannot see (sysconfig's schemes): a uv that appears earlier there
    # would go unnoticed by a memoized plan, so a plan that needed the finder is never memoized.
    unseen = getattr(env, "volatile", None)
    if unseen is not None:
        unseen()
    return found


def real_uv(env: "Mapping[str, str]") -> str:
    """The real uv for this command: :func:`find_uv` with the user's ``uv`` setting, whose file is parsed (by
    :func:`uvauth.settings.sources.user_uv`) only when its text could set ``uv`` — on every uv call the check is
    one ``stat`` (:func:`uvauth.settings.files.uv_setting_file`)."""
    from uvauth.settings.files import uv_setting_file

    configured = None
    if uv_setting_file(env) is not None:
        from uvauth.settings.sources import user_uv

        configured = user_uv(env)
    return find_uv(env, configured)


#: How long `uv --version` may take. It answers in milliseconds; a uv that takes longer is stuck (a shim waiting
#: for input, a network mount) and uvauth says so instead of hanging with it.
VERSION_TIMEOUT_SECONDS: "Final" = 10


def parse_uv_version(text: str) -> tuple[int, ...]:
    """The release numbers of a uv version as ``uv --version`` prints it (``0.13.8``, ``0.14.0-alpha.1``,
    ``0.13.8+5``): ``(0, 13, 8)``; pre-release and local parts are dropped, as uvauth compares releases only."""
    return tuple(int(part) for part in text.split("+")[0].split("-")[0].split(".") if part.isdigit())


def read_uv_version(uv: str) -> str:
    """The version the uv at path ``uv`` reports (``uv 0.13.8 (…)`` gives ``"0.13.8"``), by running
    ``uv --version`` once. A uv that hangs, cannot be run or prints no version is a :class:`UvauthError`."""
    import subprocess

    from uvauth.errors import UvauthError

    hint = f"set {envvars.UVAUTH_UV} to a working uv"
    try:
        done = subprocess.run([uv, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired:
        raise UvauthError(f"`{uv} --version` did not finish within {VERSION_TIMEOUT_SECONDS} s",
                          hint=hint) from None
    except OSError as error:  # not executable (EACCES), not a program (ENOEXEC), gone since it was found
        raise UvauthError(f"cannot run {uv}: {error.strerror or error}", hint=hint) from None
    words = done.stdout.split()
    if len(words) < 2:
        raise UvauthError(f"`{uv} --version` did not print a version", hint=hint)
    if words[0] not in ("uv", "uv.exe") or not parse_uv_version(words[1]):
        # Another program (`true`, a wrapper script): its "version" would read as a uv older than any.
        first_line = (done.stdout.strip().splitlines() or [""])[0][:80]
        raise UvauthError(f"{uv} is not uv: `--version` printed {first_line!r}", hint=hint)
    return words[1]


def uv_version(uv: str, env: "Mapping[str, str]") -> tuple[int, ...]:
    """uv's version, cached by the binary's path and its file's whole stamp — device, inode, size, modification
    and change times, as a memoized plan checks its files (:func:`uvauth.observed.stamp`): a uv replaced by
    another of the same size and mtime (``cp -p``, a package manager) has another inode or ctime."""
    import json

    from uvauth.cache import cache_dir, remember  # for planning only: a pass-through never asks uv's version
    from uvauth.observed import stamp

    key = f"{os.path.realpath(uv)}:" + ":".join(map(str, stamp(uv) or ()))  # None: gone; uv -V will say
    cache = cache_dir(env) / "uv-versions.json"
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known = {key: read_uv_version(uv)}
        remember(cache.parent, cache.name, json.dumps(known))
    return parse_uv_version(known[key])


def uv_reads_config(uv: str, env: "Mapping[str, str]", *, config_file: str | None = None, cwd: str | None = None,
                    options: "Sequence[str]" = ()) -> bool:
    """Does this uv read its configuration without error: the file ``config_file`` (as ``UV_CONFIG_FILE``), or
    else what it discovers from ``cwd`` with ``options`` (``--project``, ``--config-file``, ``--no-config``)?

    ``uv cache dir`` loads the configuration as every uv command does, then only prints a path: a few
    milliseconds, no network, no interpreter. A uv that cannot be run at all counts as a no."""
    import subprocess

    child_env = dict(env)
    if config_file is not None:
        child_env[envvars.UV_CONFIG_FILE] = config_file
    try:
        done = subprocess.run([uv, *options, "cache", "dir"], env=child_env, cwd=cwd, capture_output=True,
                              timeout=VERSION_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def arg_max() -> int:
    """The system's limit on a command line and its environment together (``ARG_MAX``), or 0 where unknown."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (AttributeError, ValueError, OSError):
        return 0
    return limit if limit > 0 else 0


def _restore_signal_dispositions() -> None:
    """Undo what Python's start-up did to signals, which exec keeps: it ignores SIGPIPE and SIGXFSZ (caught
    handlers, such as SIGINT's, are reset by exec itself). Without this, uv — and every program `uv run` starts —
    would ignore them, unlike under plain uv. ``_signal`` is the built-in module: ``signal`` would import enum."""
    import _signal  # type: ignore[import-not-found]  # the C module signal wraps; no stubs

    for name in ("SIGPIPE", "SIGXFSZ"):
        number = getattr(_signal, name, None)
        if number is not None:
            _signal.signal(number, _signal.SIG_DFL)


def _exec(uv: str, argv: "Sequence[str]", env: "Mapping[str, str]") -> int:
    env = chain_env(uv, env)
    if os.name != "posix" or env.get(envvars.UVAUTH_LAUNCH) == "spawn":
        return _spawn(uv, argv, env)
    sys.stdout.flush()
    sys.stderr.flush()
    _restore_signal_dispositions()
    try:
        os.execve(uv, [uv, *argv], env)  # does not return
    except OSError as error:
        raise _cannot_run(uv, error) from None
    return 0  # pragma: no cover - execve returns only by raising


def _cannot_run(uv: str, error: OSError) -> Exception:
    from uvauth.errors import UvauthError

    return UvauthError(f"cannot run uv at {uv}: {error.strerror or error}", hint=_exec_hint(error))


def _spawn(uv: str, argv: "Sequence[str]", env: "Mapping[str, str]") -> int:
    """Run uv as a child, wait, and end as it ended: where there is no exec (Windows, where Python's ``os.exec*``
    starts a new process and exits at once, so the shell would see 0 while uv still runs: cpython #101191).

    stdin, stdout and stderr are inherited untouched. Ctrl-C reaches every process of the terminal (the console,
    on Windows): uv handles it (``uv run`` passes it to its child and waits), so uvauth only notes it and keeps
    waiting, as uv does for its own child. SIGTERM sent to uvauth alone is passed on to uv. A uv killed by a signal
    kills uvauth with the same signal, so the shell sees what it would see without uvauth; any other exit code is
    returned as it is (on Windows a 32-bit status, :func:`windows_exit_status`). Ctrl-Break (``SIGBREAK``, Windows
    only) is noted as Ctrl-C is: uv's handler takes both console events."""
    import signal
    import subprocess

    sys.stdout.flush()
    sys.stderr.flush()
    started: list[subprocess.Popen[bytes]] = []
    early: list[int] = []  # a SIGTERM that came while uv was being started: passed on once it runs

    def pass_on(number: int, _frame: object) -> None:
        if not started:
            early.append(number)
        for child in started:
            child.send_signal(number)

    # Python handlers (not SIG_IGN, which a child would inherit; exec resets handlers), set before uv starts so that
    # no Ctrl-C can end uvauth while uv runs on.
    ctrl_break = getattr(signal, "SIGBREAK", None)  # Windows only
    noted = [signal.SIGINT, *([ctrl_break] if ctrl_break is not None else [])]
    previous = {number: signal.signal(number, handler) for number, handler in (
        *((number, lambda *_: None) for number in noted),
        *(((signal.SIGTERM, pass_on),) if os.name == "posix" else ()))}
    try:
        try:
            child = subprocess.Popen([uv, *argv], env=dict(env))  # restore_signals: SIGPIPE, SIGXFSZ as uv expects
        except OSError as error:
            raise _cannot_run(uv, error) from None
        started.append(child)
        for number in early:
            child.send_signal(number)
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # pragma: no cover - the handler above makes this rare (a racing default)
                continue
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if code < 0 and os.name == "posix":
        import contextlib

        with contextlib.suppress(OSError, ValueError):  # SIGKILL and SIGSTOP have no handler to reset
            signal.signal(-code, signal.SIG_DFL)
        sys.stdout.flush()
        os.kill(os.getpid(), -code)  # end as uv ended: killed by that signal
    return windows_exit_status(code) if os.name == "nt" else code


def windows_exit_status(code: int) -> int:
    """The value ``sys.exit`` needs so that Windows reports uv's exit code. ``Popen.returncode`` there is the
    process's unsigned 32-bit status (``0xC000013A`` after Ctrl-C), which overflows the C ``long`` that CPython
    passes to ``ExitProcess``; the signed 32-bit value with the same bits does not."""
    code &= 0xFFFFFFFF
    return code - (1 << 32) if code >= 1 << 31 else code


def _exec_hint(error: OSError) -> str:
    import errno

    if error.errno == errno.E2BIG:
        return "the command line and environment together exceed the system's limit; pass fewer arguments"
    return "point UVAUTH_UV at the real uv binary (an executable file for this machine)"


# The seam tests replace: (uv path, argv without program name, full environment) -> exit code.
exec_uv: "Callable[[str, Sequence[str], Mapping[str, str]], int]" = _exec
