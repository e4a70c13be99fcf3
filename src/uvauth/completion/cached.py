"""The completion script, saved once per uv and uvauth: ``eval "$(uvauth uvauth completion bash)"`` in a shell's
rc file runs on every new shell, and building the script (typer's grammar, uv's own generator) takes a few
hundred milliseconds. A saved script is printed without importing either.

The key is everything the script is built from: the shell, the uv binary it is built from (path and
:func:`uvauth.observed.stamp`), uvauth's version and the stamps of the modules that build it (an editable install
changes code without changing the version). The file lives in uvauth's private cache directory, written
atomically; one that cannot be read or written is rebuilt, never an error. ``os`` only, on purpose.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

#: The modules whose code decides the script's text, relative to the package.
_BUILDERS = ("completion/build.py", "completion/grammar.py", "completion/retarget.py", "commands/app.py",
             "commands/completion.py", "doctor/report.py")  # doctor's UV_OPTIONS are in the scripts
#: The shell code in the data folder completions/ (:func:`uvauth.cache.data_dir`).
_DATA = ("additions.bash", "additions.zsh", "additions.fish")
_FORMAT = "1"


def _path(shell: str, env: Mapping[str, str]) -> str:
    from uvauth import __version__, cache, launch, observed

    package = os.path.dirname(os.path.dirname(__file__))
    uv = launch.real_uv(env)
    parts = [_FORMAT, __version__, shell, uv, repr(observed.stamp(uv)),
             *(repr(observed.stamp(os.path.join(package, name))) for name in _BUILDERS),
             *(repr(observed.stamp(os.path.join(cache.data_dir("completions"), name))) for name in _DATA)]
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
