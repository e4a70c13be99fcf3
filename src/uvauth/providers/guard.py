"""uvauth asked by itself: a stop for the loops serving credentials to other tools could make.

uvauth answers other tools as their credential helper or keyring (:mod:`uvauth.providers.serve`), and an entry
may itself ask a helper, git or the keyring: when that is uvauth again (``git credential fill`` reaching
``uvauth uvauth helper --protocol git``, the keyring library choosing uvauth's backend), the inner ask must have
nothing, not recurse. Programs uvauth runs while serving inherit ``UVAUTH_SERVING``; asks inside the same process
(the keyring library) see :func:`serving_here`.
"""

from __future__ import annotations

from contextlib import contextmanager

from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

_depth = 0  # the serve calls this process is inside


def serving(env: Mapping[str, str]) -> bool:
    """Is this ask made while uvauth serves one (here, or in the uvauth that ran this process)?"""
    return _depth > 0 or bool(env.get(envvars.UVAUTH_SERVING))


@contextmanager
def serving_here() -> Iterator[None]:
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
