"""The files a plan depends on: every file planning read, and every file it looked for and did not find.

A memoized plan (:mod:`uvauth.memo`) is reused only while each of these files is as it was. The ports of uv's
behaviour call :func:`note` wherever they test for or read a file — *before* they read it, so that a file
changed between the stat and the read makes the next run's check fail (a recomputation) rather than pass with
the old content. Outside a recording (explain, doctor, tests of single modules) :func:`note` does nothing.

A leaf module: ``os`` only. It is the one module of uvauth that the ports under :mod:`uvauth.uv` may import
besides :mod:`uvauth.errors`, and it decides nothing.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeAlias

    #: (device, inode, size, mtime_ns, ctime_ns) of a file, or None where nothing is (or it cannot be stat'ed).
    Stamp: TypeAlias = "tuple[int, int, int, int, int] | None"

_recording: dict[str, Stamp] | None = None


def stamp(path: str) -> Stamp:
    """What identifies a file's content without reading it. ``ctime`` catches a rewrite that restores the old
    size and mtime (``touch -r``); device and inode catch a file replaced by another."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def note(path: str | os.PathLike[str]) -> None:
    """Record that planning consults ``path`` (a file it will read, or test for)."""
    if _recording is not None:
        name = os.fspath(path)
        if name not in _recording:
            _recording[name] = stamp(name)


def start() -> None:
    """Begin recording (forgetting any earlier recording)."""
    global _recording
    _recording = {}


def stop() -> dict[str, Stamp]:
    """End recording; the files noted since :func:`start`, each with its stamp as it was first noted."""
    global _recording
    seen, _recording = _recording or {}, None
    return seen
