"""The completion script, saved once per uv and uvauth: ``eval "$(uvauth uvauth completion bash)"`` in a shell's
rc file runs on every new shell, and building the script (typer's grammar, uv's own generator) takes a few
hundred milliseconds. A saved script is printed without importing either.

The key is everything the script is built from: the shell, the uv binary it is built from (path and
:func:`uvauth.observed.stamp`), and uvauth's code (:func:`uvauth.cache.code_stamp`: its version and, in an editable
install, which changes code without changing the version, every module and the shell code in ``completions/``,
a new module included). The file lives in uvauth's private cache directory, written atomically; one that cannot
be read or written is rebuilt, never an error. ``os`` only, on purpose.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def _path(shell: str, env: Mapping[str, str]) -> str:
    from uvauth import cache, launch, observed

    uv = launch.real_uv(env)
    parts = [cache.code_stamp(), shell, uv, repr(observed.stamp(uv))]
    digest = cache.cache_key("\0".join(parts), 16)
    return os.path.join(cache.cache_path(env), f"completion-{shell}-{digest}")


def load(shell: str, env: Mapping[str, str]) -> str | None:
    """The saved script for ``shell``, or None (never saved, or anything it was built from has changed)."""
    from uvauth.errors import UvauthError

    try:
        with open(_path(shell, env), encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError, UvauthError):
        return None


def save(shell: str, env: Mapping[str, str], text: str) -> None:
    """Save the script built for ``shell`` (best effort)."""
    from uvauth.cache import remember
    from uvauth.errors import UvauthError

    try:
        path = _path(shell, env)
    except UvauthError:
        return
    remember(os.path.dirname(path), os.path.basename(path), text)
