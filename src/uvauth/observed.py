"""What a plan depends on: every file planning read or looked for and did not find, and every environment
variable it read — recorded by the one reader planning hands every port, :class:`RecordingEnv`.

A memoized plan (:mod:`uvauth.memo`) is reused only while each of these files is as it was. Planning hands each
port of uv's behaviour (and each provider) a :class:`RecordingEnv` as its environment: a read-only view of the
variables that records each one read, and the files consulted through it. The ports call :func:`note` with the
environment they were given wherever they test for or read a file — *before* they read it, so that a file changed
between the stat and the read makes the next run's check fail (a recomputation) rather than pass with the old
content. Given any other mapping (explain's and doctor's own reads, tests of single modules) nothing is recorded.
There is no global recording: what a plan depended on is what its reader saw.

A leaf module: ``os`` (and ``stat``, which ``os`` loads) only, and :mod:`uvauth.children` where a helper program
is asked. It is the one module of uvauth that the ports under :mod:`uvauth.uv` may import besides
:mod:`uvauth.errors` (their reader interface: the environment, files, a helper's answer), and it decides nothing.
"""

import os
import stat  # loaded by `os` already

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from subprocess import CompletedProcess
    from typing import TypeAlias

    #: (device, inode, size, mtime_ns, ctime_ns) of a file, or None where nothing is (or it cannot be stat'ed).
    Stamp: "TypeAlias" = "tuple[int, int, int, int, int] | None"
    _Base = Mapping[str, str]
else:
    from _collections_abc import Mapping as _Base  # loaded by `os` already; `collections.abc` is not


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


def note(env: "Mapping[str, str]", path: "str | os.PathLike[str]") -> None:
    """Record that planning consults ``path`` (a file it will read, or test for), where ``env`` is planning's
    recording reader."""
    if isinstance(env, RecordingEnv):
        env.note(path)


def exists(env: "Mapping[str, str]", path: "str | os.PathLike[str]") -> bool:
    """Whether ``path`` exists (false where it cannot be stat'ed, as Rust's ``Path::exists``), noted first."""
    note(env, path)
    return os.path.exists(path)


def is_file(env: "Mapping[str, str]", path: "str | os.PathLike[str]") -> bool:
    """Whether ``path`` is a file (false where it cannot be stat'ed, as Rust's ``Path::is_file``), noted first."""
    note(env, path)
    return os.path.isfile(path)


def read_bytes(env: "Mapping[str, str]", path: "str | os.PathLike[str]") -> bytes:
    """The content of ``path``, noted before it is read (``OSError`` as ``open`` raises it)."""
    note(env, path)
    with open(path, "rb") as handle:
        return handle.read()


#: Noted, as a path, where planning asked something no stamp can vouch for (the keyring's answer).
VOLATILE = "\0volatile"


def volatile(env: "Mapping[str, str]") -> None:
    """Record that planning depends on something uvauth cannot stamp: such a plan is never memoized."""
    if isinstance(env, RecordingEnv):
        env.volatile()


def ask_helper(env: "Mapping[str, str]", argv: "Sequence[str]", *, timeout: float) -> "CompletedProcess[bytes]":
    """Run a helper program whose answer planning depends on (``keyring get``), as :func:`uvauth.children.run`
    runs it. What a helper answers has no stamp: where ``env`` is planning's reader, the plan is never memoized."""
    volatile(env)
    from uvauth import children  # subprocess: only where a helper is asked

    return children.run(argv, env=env, timeout=timeout)


class RecordingEnv(_Base):
    """Planning's reader: a read-only view of the environment that records each variable read (``get``, ``[]``,
    ``in``) and whether the whole environment was listed; and, through :meth:`note`, each file consulted, with
    its stamp as it was first noted (``files``). The ports on the path of every uv call (finding uv, finding
    uvauth's settings files) record a file by ``getattr(env, "note", …)`` rather than :func:`note`, so that a
    pass-through, whose environment is a plain mapping, never imports this module."""

    __slots__ = ("_env", "read", "listed", "files")

    def __init__(self, env: "Mapping[str, str]") -> None:
        self._env = env
        self.read: dict[str, str | None] = {}
        self.listed = False
        self.files: dict[str, Stamp] = {}

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

    def note(self, path: "str | os.PathLike[str]") -> None:
        """Record that planning consults ``path``: its stamp as it is now, before it is read."""
        name = os.fspath(path)
        if name not in self.files:
            self.files[name] = stamp(name)

    def volatile(self) -> None:
        """Record that planning depends on something no stamp can vouch for (:func:`volatile`)."""
        self.files[VOLATILE] = None

    def __iter__(self) -> "Iterator[str]":
        self.listed = True
        return iter(self._env)

    def __len__(self) -> int:
        self.listed = True
        return len(self._env)
