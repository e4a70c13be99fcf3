"""The one error type uvauth raises, and the one boundary that turns it into what the user sees."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, Final

# uv's exit code for a usage error or a failure before any work (clap's, and uv's own for bad configuration).
USAGE_EXIT: Final = 2
# What a shell reports for a command ended by Ctrl-C (128 + SIGINT), which is also what uv exits with.
INTERRUPTED_EXIT: Final = 130


class UvauthError(Exception):
    """A problem the user can fix: printed as one line on stderr, exit code 2 (uv's code for usage errors).

    ``where`` names the place of bad input (``path:line`` or ``path:line:column``, or a flag or variable name);
    ``hint`` says how to fix it.
    """

    exit_code = USAGE_EXIT

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


def report_error(error: UvauthError, *, verbose: int = 0, file: IO[str] | None = None) -> int:
    """Print ``uvauth: error: …`` (every URL in it redacted) and return the exit code; the traceback only at
    ``-vv``, where it helps a bug report."""
    import sys

    from uvauth.uv.redact import redact

    out = file if file is not None else sys.stderr
    if verbose >= 2:
        import traceback

        traceback.print_exception(error, file=out)
    line = f"uvauth: error: {redact(str(error))}"
    # A path or value from non-UTF-8 input holds surrogates, which a strict stream cannot write: shown escaped.
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=out)
    return error.exit_code


def guarded(action: Callable[[], int], *, verbose: int = 0) -> int:
    """The boundary every front end runs behind: a :class:`UvauthError` becomes one line and exit 2, Ctrl-C
    ends quietly with the shell's code for it (as uv does), and any other exception is a bug and propagates."""
    try:
        return action()
    except UvauthError as error:
        return report_error(error, verbose=verbose)
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT
