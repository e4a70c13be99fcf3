"""Whether what a plan hands uv fits ``execve``'s limits wherever plain uv's command does: one string (argument
or ``NAME=value``) at most ``MAX_ARG_STRLEN``, and the whole command line and environment at most ``ARG_MAX``.

A string uvauth builds (the header in ``UV_CUSTOM_COMPILE_COMMAND`` repeats the whole command line) could pass
either, and execve would fail with ``E2BIG`` where plain uv runs. Pure, but for the system's ``ARG_MAX``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Final

# Linux's MAX_ARG_STRLEN: the longest single argv or environment string execve takes, its NUL included.
MAX_ARG_STRLEN: Final = 131072
# Room kept for what is added after planning (UV_CONFIG_FILE and its path) when the total is checked.
EXEC_MARGIN: Final = 4096


def _string_fits(text: str) -> bool:
    return len(text.encode("utf-8", "surrogateescape")) + 1 <= MAX_ARG_STRLEN


def _string_sizes(strings: Iterable[str]) -> int:
    """What execve counts against ``ARG_MAX`` for these strings: each with its NUL, and a pointer to it."""
    return sum(len(s.encode("utf-8", "surrogateescape")) + 1 + 8 for s in strings)


def environment_size(env: Mapping[str, str]) -> int:
    """What execve counts against ``ARG_MAX`` for an environment."""
    return _string_sizes(f"{k}={v}" for k, v in env.items())


def _exec_size(argv: Sequence[str], environment: int, added: Mapping[str, str] | None = None) -> int:
    """What execve counts for argv (and the program name) and an environment of size ``environment`` with the
    variables ``added`` (counted in full, as if new: an upper bound where they replace one)."""
    return _string_sizes(argv) + 8 + environment + _string_sizes(f"{k}={v}" for k, v in (added or {}).items())


def fits(typed: Sequence[str], argv: Sequence[str], added: Mapping[str, str], environment: int) -> bool:
    """Does uv's command ``argv`` with the variables ``added`` (to an environment of size ``environment``) fit
    execve's limits, where the command as ``typed`` does? Over the limit anyway is uv's own failure, not ours."""
    if not (all(_string_fits(f"{k}={v}") for k, v in added.items())
            and all(_string_fits(a) for a in argv if a not in typed)):
        return False
    from uvauth.launch import arg_max

    limit = arg_max()
    if not limit:
        return True
    before = _exec_size(typed, environment)
    return _exec_size(argv, environment, added) + EXEC_MARGIN <= limit or before > limit
