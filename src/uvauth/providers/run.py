"""Running a ``password-command`` and reading what it prints.

The command is an argv list run without a shell, with stdin closed (``/dev/null``: a command that would prompt
fails instead of hanging uv), a timeout, and uvauth's own environment, in a process group of its own that is
killed on a timeout, Ctrl-C or SIGTERM (:mod:`uvauth.children`). It prints the secret on stdout, either as
the bare token (one line) or as a JSON object ``{"password": …, "username"?: …, "expires"?: …}`` where
``expires`` is RFC 3339 (``2026-12-02T18:00:00Z``; without an offset, local time) or seconds since the epoch.

A command that fails, times out or prints nothing is one :class:`UvauthError` naming the entry, the exit code
and the last line of its stderr (redacted); nothing it printed on stdout is ever shown.
Imported only when a token must be minted: never on the path of a warm cached token.
"""

from __future__ import annotations

import subprocess
from typing import NamedTuple

from uvauth.errors import UvauthError
from uvauth.uv.redact import redact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class Minted(NamedTuple):
    """What a command printed: the secret, a username if it named one, and its end (epoch seconds) if known."""

    password: str
    username: str | None
    expires: float | None

    def __repr__(self) -> str:
        return f"Minted(password=****, username={self.username!r}, expires={self.expires!r})"


def parse_expires(value: object) -> float:
    """Epoch seconds from an RFC 3339 / ISO 8601 string (naive: local time) or a number (or numeric string)."""
    if isinstance(value, bool):  # the caller turns a ValueError into the entry's one error line
        raise ValueError("expires is a boolean")  # noqa: TRY004
    if isinstance(value, (int, float)):
        return _finite(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expires is neither a time nor a number")
    text = value.strip()
    try:
        return _finite(float(text))
    except OverflowError:
        raise ValueError("expires is too large") from None
    except ValueError:
        pass
    from datetime import datetime

    try:
        return _finite(datetime.fromisoformat(text).timestamp())  # naive: local, as `az`'s older expiresOn is
    except (OverflowError, OSError):  # a naive time at the edge of the calendar: mktime cannot place it
        raise ValueError("expires is out of range") from None


def _finite(number: float) -> float:
    """``number`` as epoch seconds; ValueError for NaN, infinity (JSON's ``1e400``) or an integer that no float
    holds (a 400-digit one), which would otherwise overflow every clock computation after it."""
    try:
        seconds = float(number)
    except OverflowError:
        raise ValueError("expires is too large") from None
    from uvauth.providers.tokencache import LAST_EPOCH  # a later "end" is garbage, not a token's life

    if not -LAST_EPOCH <= seconds <= LAST_EPOCH:  # also False for NaN
        raise ValueError("expires is not a time before the year 10000")
    return seconds


def parse_output(stdout: str, entry: str) -> Minted:
    """The token (and username, expiry) from what a command printed; one error line for anything else."""
    text = stdout.strip()
    if not text:
        raise UvauthError(f"credentials entry {entry}: the command printed nothing on stdout",
                          hint="it must print the token, or a JSON object with a \"password\"")
    if text.startswith("{"):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            raise UvauthError(f"credentials entry {entry}: the command's output starts with {{ but is not JSON",
                              hint="print the bare token, or one JSON object") from None
        password = data.get("password") if isinstance(data, dict) else None
        if not isinstance(password, str) or not password:
            raise UvauthError(f"credentials entry {entry}: the command's JSON has no non-empty \"password\" string")
        username = data.get("username")
        if username is not None and not isinstance(username, str):
            raise UvauthError(f"credentials entry {entry}: the command's JSON \"username\" is not a string")
        expires = None
        if data.get("expires") is not None:
            try:
                expires = parse_expires(data["expires"])
            except ValueError:
                raise UvauthError(f"credentials entry {entry}: the command's JSON \"expires\" is neither an "
                                  "RFC 3339 time nor seconds since the epoch") from None
        return _carried(Minted(password=password, username=username, expires=expires), entry)
    if "\n" in text:
        raise UvauthError(f"credentials entry {entry}: the command printed more than one line",
                          hint="print the bare token alone, or one JSON object")
    return _carried(Minted(password=text, username=None, expires=None), entry)


def _carried(minted: Minted, entry: str) -> Minted:
    # uv gets the token in an environment variable, and no variable can hold a NUL byte (exec refuses it).
    if "\0" in minted.password or "\0" in (minted.username or ""):
        raise UvauthError(f"credentials entry {entry}: the command's token holds a NUL byte",
                          hint="a token is text; check what the command prints")
    return minted


def run_command(argv: Sequence[str], *, entry: str, timeout: float, env: Mapping[str, str],
                nothing_is_none: bool = False) -> Minted | None:
    """Run ``argv`` (no shell, stdin closed) and read its token; see the module docstring. With
    ``nothing_is_none`` (a source of a chain), a command that succeeds and prints nothing has nothing: None."""
    from uvauth import children

    shown = argv[0]
    try:
        done = children.run(argv, env=env, timeout=timeout)  # in a process group of its own, ended with uvauth
    except FileNotFoundError:
        raise UvauthError(f"credentials entry {entry}: command {shown!r} not found",
                          hint="install it, or put it on PATH") from None
    except PermissionError:
        raise UvauthError(f"credentials entry {entry}: command {shown!r} is not executable") from None
    except subprocess.TimeoutExpired:
        raise UvauthError(f"credentials entry {entry}: command {shown!r} did not finish within {timeout:g} s",
                          hint="raise the entry's timeout, or check that it does not wait for input") from None
    if done.returncode != 0:
        line = stderr_line(_text(done.stderr))
        last = f": {line}" if line else " (nothing on stderr)"
        raise UvauthError(f"credentials entry {entry}: command {shown!r} exited with code {done.returncode}{last}")
    if nothing_is_none and not _text(done.stdout).strip():
        return None
    return parse_output(_text(done.stdout), entry)


def stderr_line(text: str) -> str:
    """The line of a failed helper's stderr that says why, redacted ("" when it printed nothing): the one every
    message about a failed command, helper or keyring shows."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return redact(lines[-1]) if lines else ""


def _text(output: bytes) -> str:
    """What text-mode ``subprocess`` would have read: undecodable bytes replaced, universal newlines."""
    return output.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
