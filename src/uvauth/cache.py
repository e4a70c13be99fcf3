"""uvauth's private cache directory: digests to name files by, the stamp of uvauth's own code that keys what is
cached from it, and the one check of a private directory and the one private atomic write.

Everything uvauth keeps between runs lives here (generated uv configurations, validated settings, uv versions),
in one directory of mode 0700 whose files are 0600 and replaced atomically, so parallel runs (``make -j``) see a
whole file or none.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import Final, NoReturn

    from uvauth.uv.config.render import GeneratedConfig


def cache_dir(env: "Mapping[str, str]") -> "Path":
    """uvauth's private cache directory (mode 0700): generated configs, settings and uv-version caches.

    ``user_cache_dir()/uvauth`` by uv's own rule (:mod:`uvauth.uv.dirs`): a relative ``XDG_CACHE_HOME`` is
    ignored, so the directory does not move with the working directory (``--directory``).
    """
    from pathlib import Path

    return Path(cache_path(env))


def cache_location(env: "Mapping[str, str]") -> str | None:
    """Where uvauth's cache directory is (None without a home), not checked and not made: for looking, on the
    path of every uv call, whether a file is there."""
    from uvauth.uv import dirs

    base = dirs.user_cache_dir(env)
    return os.path.join(base, "uvauth") if base is not None else None


def plan_file(directory: str, args: "Sequence[str]", cwd: str) -> str:
    """Where the memoized plan (:mod:`uvauth.memo`) for a command line in a working directory is kept, in the
    cache directory ``directory``: named by :func:`short_key` of the two, and of the launcher and interpreter
    running — two installs of uvauth used in turn in one directory keep an entry each instead of overwriting
    each other's (their plans differ: the situation names both)."""
    launcher = sys.argv[0] if sys.argv else ""
    return os.path.join(directory, "plans", short_key("\0".join([sys.executable, launcher, cwd, *args])))


def cache_path(env: "Mapping[str, str]") -> str:
    """:func:`cache_dir` as a string, with ``os`` only (the path of a memoized plan imports no ``pathlib``, and
    no :mod:`uvauth.errors` unless the directory is refused)."""
    path = cache_location(env)
    if path is None:
        _refuse("no cache directory: neither HOME nor an absolute XDG_CACHE_HOME is set", None)
    try:
        # Someone else's directory is refused: its files (generated configurations uv reads) could be swapped.
        return private_dir(path, "uvauth's cache directory")
    except OSError as error:
        return fallback_dir(f"cannot use uvauth's cache directory {path}: {error.strerror or error}")


_HINT = "remove or repair it, or point XDG_CACHE_HOME at a directory of your own"


def private_dir(path: str, what: str, hint: str | None = _HINT, *, through_symlink: bool = True) -> str:
    """``path``, made (with its parents) if need be, checked to be a directory of this user's and made private
    (mode 0700, whatever made it first: a umask of 0, a careless mkdir): the one check of every directory uvauth
    keeps files in. ``OSError`` when it cannot be made or looked at; :class:`~uvauth.errors.UvauthError`, naming
    it as ``what``, when it belongs to another user or cannot be made private. ``through_symlink=False`` (under
    a shared directory such as ``/tmp``): a symlink, even to a directory of this user's, is refused too."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    status = os.stat(path) if through_symlink else os.lstat(path)
    if not through_symlink:
        import stat

        if not stat.S_ISDIR(status.st_mode):
            _refuse(f"{what} {path} is not a directory", hint)
    if hasattr(os, "geteuid"):
        if status.st_uid != os.geteuid():
            _refuse(f"{what} {path} belongs to another user", hint)
        if status.st_mode & 0o077:
            try:
                os.chmod(path, 0o700)
            except OSError as error:
                _refuse(f"cannot make {what} {path} private: {error.strerror}", hint)
    return path


_FALLBACK: list[str] = []  # the fallback directory, once chosen in this process (one warning)


def fallback_dir(problem: str) -> str:
    """A private directory of this user's under the system's temporary directory, for a run whose cache cannot
    be used or written (a read-only or full file system, a path that is a file): uvauth is never the reason a
    command fails that plain uv would run. It says so once; with no such directory either, ``problem`` is the
    error."""
    if _FALLBACK:
        return _FALLBACK[0]
    import sys
    import tempfile

    from uvauth.errors import UvauthError

    uid = os.geteuid() if hasattr(os, "geteuid") else 0
    path = os.path.join(tempfile.gettempdir(), f"uvauth-{uid}")
    try:
        private_dir(path, "the fallback directory", through_symlink=False)  # never a planted symlink
    except (OSError, UvauthError):
        _refuse(problem)
    print(f"uvauth: warning: {problem}; using {path} for this command", file=sys.stderr)
    _FALLBACK.append(path)
    return path


def _refuse(message: str, hint: str | None = _HINT) -> "NoReturn":
    from uvauth.errors import UvauthError

    raise UvauthError(message, hint=hint) from None


def cache_key(text: str | bytes, hex_digits: int) -> str:
    """A digest of ``text`` to name a cache file by. BLAKE2b from CPython's own module, which is what
    ``hashlib.blake2b`` is: ``import hashlib`` would load OpenSSL first, some 3 ms on every reconciled uv call."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover (a Python built without its own BLAKE2)
        from hashlib import blake2b

    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return blake2b(data, digest_size=hex_digits // 2).hexdigest()


def short_key(text: str) -> str:
    """16 hex digits of 64-bit FNV-1a over ``text``: a name for a file looked up on the path of every uv call,
    where importing a hash module would cost more than the lookup. A name, not a proof: what is stored under it
    must carry what it was stored for."""
    digest = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogatepass"):
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{digest:016x}"


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
#: The folders of data beside the package's modules (at the top level of the source tree, inside it in a wheel).
DATA_DIRS: "Final" = ("completions",)


def data_dir(name: str) -> str:
    """Where uvauth's data folder ``name`` (``completions``: the shell code its completion scripts are built from)
    is: inside the package in a built wheel (pyproject.toml maps it there), else at the top level of the source
    tree the package is in (an editable install, a checkout on ``PYTHONPATH``)."""
    inside = os.path.join(_PACKAGE, name)
    if os.path.isdir(inside):
        return inside
    return os.path.join(os.path.dirname(os.path.dirname(_PACKAGE)), name)


_CODE: list[str] = []  # code_stamp(), once computed in this process


def code_stamp() -> str:
    """What identifies the uvauth that is running, for the key of anything cached from what its code computed (a
    memoized plan, the completion script): its version and the stamps (:func:`uvauth.observed.stamp`) of its
    files, so that no cache needs a format number bumped by hand. Installed (under ``site-packages``), an
    install rewrites every file even for the same version: the package's ``__init__.py`` tells, one ``stat``
    on every uv call. A source tree (an editable install) changes in place: there every file of the package
    and of its data folders (:data:`DATA_DIRS`) counts, a new or removed one included; ``__pycache__`` and
    dot files (an editor's) do not. Computed once per process."""
    if _CODE:
        return _CODE[0]
    from uvauth import __version__, observed

    package = _PACKAGE + os.sep
    if os.sep + "site-packages" + os.sep in package or os.sep + "dist-packages" + os.sep in package:
        stamps: list[object] = [observed.stamp(os.path.join(_PACKAGE, "__init__.py"))]
    else:
        stamps = []
        _stamp_tree(_PACKAGE, stamps)
        for name in DATA_DIRS:
            _stamp_tree(data_dir(name), stamps)
        stamps.sort()
    _CODE.append(f"{__version__}\0{stamps!r}")
    return _CODE[0]


def _stamp_tree(directory: str, stamps: list[object]) -> None:
    """Add (path, stamp) of every file under ``directory`` to ``stamps``; ``os.scandir`` rather than ``os.walk``
    (one directory listing each, no sorting: the caller sorts once), as it runs on every uv call from a source
    tree."""
    try:
        entries = os.scandir(directory)
    except OSError:
        stamps.append((directory, None))
        return
    with entries:
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name == "__pycache__":
                continue
            if entry.is_dir(follow_symlinks=False):
                _stamp_tree(entry.path, stamps)
            else:
                try:
                    status = entry.stat()
                except OSError:
                    stamps.append((entry.path, None))
                    continue
                stamps.append((entry.path, (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns,
                                            status.st_ctime_ns)))


def write_private(directory: str | os.PathLike[str], name: str, text: str | bytes) -> "Path":
    """Write ``text`` to ``directory/name`` atomically with mode 0600 (parallel runs see a whole file or none).

    The temporary file has an unpredictable name and is created with ``O_EXCL | O_NOFOLLOW``, so a file or
    symlink planted in its place is never written through; on any failure (a full disk, a read-only directory)
    it is removed and the failure is one :class:`UvauthError`.
    """
    from pathlib import Path

    from uvauth.errors import UvauthError

    target = Path(directory, name)
    temporary = Path(directory, f".{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temporary, flags, 0o600)
    except OSError as error:
        raise UvauthError(f"cannot write {target}: {error.strerror or error}",
                          hint="check the cache directory's permissions and free space") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(temporary, target)
    except OSError as error:
        try:  # noqa: SIM105 - contextlib is not otherwise loaded on this path (every reconciled uv call)
            os.unlink(temporary)
        except OSError:
            pass
        raise UvauthError(f"cannot write {target}: {error.strerror or error}",
                          hint="check the cache directory's permissions and free space") from None
    return target


def remember(directory: str | os.PathLike[str], name: str, text: str | bytes) -> None:
    """:func:`write_private` for what is only a speed-up (validated settings, uv versions): a cache that cannot
    be written is recomputed next time, never a reason for the uv command to fail."""
    from uvauth.errors import UvauthError

    try:  # noqa: SIM105 - as above: no contextlib on the hot path
        write_private(directory, name, text)
    except UvauthError:
        pass


def generated_config_key(generated: "GeneratedConfig") -> str:
    """16 hex digits naming a generated configuration's file: a digest of what it is rendered from, and of
    uvauth's code (:func:`code_stamp`: another uvauth may render the same inputs differently)."""
    return cache_key(f"{code_stamp()}\n{generated.fingerprint}", 16)


def write_generated_config(generated: "GeneratedConfig", env: "Mapping[str, str]",
                           accepted: "Callable[[Path], bool] | None" = None) -> "Path | None":
    """Named by a digest of what it is rendered from: rendered (tomlkit is slow to import) only when that file does
    not exist yet, and shared by concurrent uvauth runs (``make -j``) with the same configuration.

    With ``accepted`` (does uv read this file?), a newly rendered file is kept only when it says yes: else it is
    removed and the result is None, so a file uv rejects never reaches the command (uv's error would name it,
    a file the user never wrote)."""
    from pathlib import Path

    from uvauth.errors import UvauthError

    directory = cache_dir(env)
    target = directory / f"uv-{generated_config_key(generated)}.toml"
    if target.is_file():
        return target
    text = generated.render()
    try:
        return _write_checked(directory, target.name, text, accepted)
    except UvauthError as error:
        if str(directory) in _FALLBACK:
            raise
        return _write_checked(Path(fallback_dir(error.message)), target.name, text, accepted)


def _write_checked(directory: "Path", name: str, text: str,
                   accepted: "Callable[[Path], bool] | None") -> "Path | None":
    target = directory / name
    if accepted is None:
        return write_private(directory, target.name, text)
    unchecked = write_private(directory, f".{target.name}.{os.getpid()}.unchecked", text)
    try:
        if not accepted(unchecked):
            return None
        os.replace(unchecked, target)
    except OSError as error:
        from uvauth.errors import UvauthError

        raise UvauthError(f"cannot write {target}: {error.strerror or error}",
                          hint="check the cache directory's permissions and free space") from None
    finally:
        try:  # noqa: SIM105 - no contextlib on the hot path
            os.unlink(unchecked)
        except OSError:
            pass
    return target
