"""The one error type uvauth raises. A leaf: the ports of uv's rules (:mod:`uvauth.uv`) raise it, and the one
boundary that turns it into what the user sees is :mod:`uvauth.boundary`."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

# uv's exit code for a usage error or a failure before any work (clap's, and uv's own for bad configuration).
USAGE_EXIT: Final = 2


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

    @property
    def headline(self) -> str:
        """The error line's text: where and what, without the hint."""
        return f"{self.where}: {self.message}" if self.where else self.message
