"""The one error type uvauth raises at its boundary."""

from __future__ import annotations


class UvauthError(Exception):
    """A problem the user can fix: printed as one line on stderr, exit code 2 (uv's code for usage errors).

    ``where`` names the place of bad input (``path:line`` or ``path:line:column``, or a flag or variable name);
    ``hint`` says how to fix it.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text
