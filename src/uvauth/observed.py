"""What a plan depends on: every file planning read or looked for and did not find, and every environment
variable it read (:class:`RecordingEnv`).

A memoized plan (:mod:`uvauth.memo`) is reused only while each of these files is as it was. The ports of uv's
behaviour call :func:`note` wherever they test for or read a file — *before* they read it, so that a file
changed between the stat and the read makes the next run's check fail (a recomputation) rather than pass with
the old content. Outside a recording (explain, doctor, tests of single modules) :func:`note` does nothing.

A leaf module: ``os`` (and ``stat``, which ``os`` loads) only. It is the one module of uvauth that the ports under :mod:`uvauth.uv` may import
besides :mod:`uvauth.errors`, and it decides nothing.
"""

import os
import stat  # loaded by `os` already

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import TypeAlias

    #: (device, inode, size, mtime_ns, ctime_ns) of a file, or None where nothing is (or it cannot be stat'ed).
    Stamp: "TypeAlias" = "tuple[int, int, int, int, int] | None"
    _Base = Mapping[str, str]
else:
    from _collections_abc import Mapping as _Base  # loaded by `os` already; `collections.abc` is not

_recording: "dict[str, Stamp] | None" = None


def stamp(path: str) -> "Stamp":
    """What identifies a file's content without reading it. ``ctime`` catches a rewrite that restores the old
    size and mtime (``touch -r``); device and inode catch a file replaced by another."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


#: Where a path may name an open descriptor (`/dev/stdin`, `/dev/fd/3`, `/proc/self/fd/0`): on macOS and the BSDs
#: opening one duplicates the descriptor, so even a regular file behind it would lose what uvauth read.
_DESCRIPTOR_DIRS = ("/dev/", "/proc/")


def readable_once(path: str) -> bool:
    """Whether reading ``path`` could take from uv what uv must read itself: a pipe (`<(…)`, a FIFO, piped
    stdin), a character or block device, a socket, or anything under /dev or /proc. Not a missing or
    unreadable path (uv reports it), nor a directory."""
    if path.startswith(_DESCRIPTOR_DIRS):
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def note(path: str | os.PathLike[str]) -> None:
    """Record that planning consults ``path`` (a file it will read, or test for)."""
    if _recording is not None:
        name = os.fspath(path)
        if name not in _recording:
            _recording[name] = stamp(name)


#: Noted, as a path, where planning asked something no stamp can vouch for (the keyring's answer).
VOLATILE = "\0volatile"


def volatile() -> None:
    """Record that planning depends on something uvauth cannot stamp: such a plan is never memoized."""
    if _recording is not None:
        _recording[VOLATILE] = None


def start() -> None:
    """Begin recording (forgetting any earlier recording)."""
    global _recording
    _recording = {}


def stop() -> "dict[str, Stamp]":
    """End recording; the files noted since :func:`start`, each with its stamp as it was first noted."""
    global _recording
    seen, _recording = _recording or {}, None
    return seen


_record = note  # RecordingEnv.note's, under a name the method does not shadow


class RecordingEnv(_Base):
    """A read-only view of the environment that records each variable read (``get``, ``[]``, ``in``), and
    whether the whole environment was listed; and, through :meth:`note`, each file consulted. The ports on the
    path of every uv call (finding uv, finding uvauth's settings files) are handed the environment anyway: they
    record a file by ``getattr(env, "note", …)``, so that a pass-through, whose environment is a plain mapping,
    never imports this module."""

    __slots__ = ("_env", "read", "listed")

    def __init__(self, env: "Mapping[str, str]") -> None:
        self._env = env
        self.read: dict[str, str | None] = {}
        self.listed = False

    def __getitem__(self, name: str) -> str:
        value = self._env.get(name)
        self.read[name] = value
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        value = self._env.get(name)
        self.read[name] = value
        return default if value is None else value

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        value = self._env.get(name)
        self.read[name] = value
        return value is not None

    def note(self, path: str | os.PathLike[str]) -> None:
        """Record that planning consults ``path`` (:func:`note`)."""
        _record(path)

    def __iter__(self) -> "Iterator[str]":
        self.listed = True
        return iter(self._env)

    def __len__(self) -> int:
        self.listed = True
        return len(self._env)
