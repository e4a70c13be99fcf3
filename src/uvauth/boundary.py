"""The one boundary every front end runs behind: a :class:`~uvauth.errors.UvauthError` becomes one redacted
``uvauth: error:`` line (and its ``hint:``) and exit 2, Ctrl-C ends as a shell reports it, anything else is a bug
and propagates."""

from __future__ import annotations

from uvauth.errors import UvauthError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import IO, Final

# What a shell reports for a command ended by Ctrl-C (128 + SIGINT), which is also what uv exits with.
INTERRUPTED_EXIT: Final = 130


def colour_enabled(file: IO[str], env: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never under ``NO_COLOR`` (any non-empty value, https://no-color.org);
    ``FORCE_COLOR``/``CLICOLOR_FORCE`` force it, as uv's anstream does. ``UVAUTH_COLOR`` (always/never/auto)
    carries uvauth's own ``--color`` into the boundary."""
    import os

    from uvauth.uv.envvars import UVAUTH_COLOR

    env = os.environ if env is None else env
    chosen = env.get(UVAUTH_COLOR, "auto")
    if chosen in ("always", "never"):
        return chosen == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") or env.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    isatty = getattr(file, "isatty", None)
    return bool(isatty and isatty())


def report_error(error: UvauthError, *, verbose: int = 0, file: IO[str] | None = None) -> int:
    """Print ``uvauth: error: …`` (every URL in it redacted; ``error:`` bold red on a terminal, as uv's) and,
    when there is one, the hint on a line of its own, ``hint: …`` as uv prints it; return the exit code. The
    traceback only at ``-vv``, where it helps a bug report."""
    import sys

    from uvauth.uv.redact import redact

    out = file if file is not None else sys.stderr
    if verbose >= 2:
        import traceback

        # The traceback's last line repeats the message unredacted (str(error)): redacted as the error line is.
        trace = redact("".join(traceback.format_exception(error)))
        print(trace.encode("utf-8", "backslashreplace").decode("utf-8"), end="", file=out)
    colour = colour_enabled(out)
    label = "\x1b[1m\x1b[31merror\x1b[39m\x1b[0m\x1b[1m:\x1b[0m" if colour else "error:"
    text = f"uvauth: {label} {redact(error.headline)}"
    if error.hint:
        hint = "\x1b[1m\x1b[36mhint\x1b[39m\x1b[0m\x1b[1m:\x1b[0m" if colour else "hint:"
        text += f"\n{hint} {redact(error.hint)}"
    # A path or value from non-UTF-8 input holds surrogates, which a strict stream cannot write: shown escaped.
    print(text.encode("utf-8", "backslashreplace").decode("utf-8"), file=out)
    return error.exit_code


def guarded(action: Callable[[], int], *, verbose: int = 0) -> int:
    """The boundary every front end runs behind: ``action()``, with what it raises :func:`handled`."""
    try:
        return action()
    except BaseException as problem:  # noqa: BLE001 - handled() re-raises what is not the boundary's to handle
        return handled(problem, verbose=verbose)


def handled(problem: BaseException, *, verbose: int = 0) -> int:
    """What the boundary makes of an exception: a :class:`UvauthError` becomes one line and exit 2, Ctrl-C ends
    quietly with the shell's code for it (as uv does), and any other exception is a bug and propagates."""
    if isinstance(problem, UvauthError):
        return report_error(problem, verbose=verbose)
    if isinstance(problem, KeyboardInterrupt):
        return INTERRUPTED_EXIT
    raise problem
