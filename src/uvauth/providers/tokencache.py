"""The private token cache: a minted token reused across uvauth processes until shortly before it ends.

Each uv call is a new uvauth process, so a token lives in a file: ``$XDG_RUNTIME_DIR/uvauth/`` when that
directory exists (memory, gone at logout), else ``tokens/`` in uvauth's cache directory. The directory is 0700,
each file 0600 and replaced atomically (:func:`uvauth.cache.write_private`), named by a digest of the entry's
identity and of the exact command it runs — never of the token. A token is *fresh* until its end minus a safety
margin (the entry's ``refresh-margin``, ten minutes by default, at most half its lifetime), so uv never starts
a command with a token about to end: uv reads credentials once per process and cannot refresh them mid-run.

Refreshing holds an exclusive ``flock`` on the entry's lock file: under ``make -j16`` one process runs the
command, the others wait, then find the fresh token and reuse it.

Reading a warm token uses ``os`` and ``marshal`` only: it is on the path of every uv call the entry covers
(a memoized plan reads its tokens again), where ``json`` would import ``re`` and ``enum``, some 4 ms. The records
are plain data (strings, numbers, None) in uvauth's own private files, written by uvauth alone.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping
    from pathlib import Path
    from typing import Any, Final, Self

#: How long a cached token must still live when uv starts with it (``refresh-margin``, ``UVAUTH_REFRESH_MARGIN``):
#: uv reads credentials once per process and cannot refresh them during a long ``uv sync``.
DEFAULT_MARGIN: Final = 600.0
_PREFIX: Final = "token-"
_SUFFIX: Final = ".marshal"
_OLD_SUFFIX: Final = ".json"  # the records of uvauth before marshal: never read, removed by forget()
#: uvauth's private credential stores for Bearer tokens (:mod:`uvauth.bearer`): ``store-<digest>/`` beside the
#: tokens, each a ``credentials.toml`` uv reads (``UV_CREDENTIALS_DIR``) and the record of its tokens.
STORE_PREFIX: Final = "store-"
STORE_FILE: Final = "credentials.toml"
STORE_RECORD: Final = "uvauth.marshal"


def fresh_until(minted: float, expires: float, margin: float = DEFAULT_MARGIN) -> float:
    """When a token minted at ``minted`` that ends at ``expires`` stops being reused: ``margin`` seconds before
    its end, but at most half its lifetime before it (else a token shorter than the margin would be minted anew
    for every command, which buys a command no more time than half its lifetime)."""
    lifetime = max(0.0, expires - minted)
    return expires - min(margin, lifetime / 2)


def token_dir(env: Mapping[str, str]) -> Path:
    """The directory tokens live in (created 0700; a runtime directory that is not this user's is not used)."""
    from pathlib import Path

    from uvauth.cache import cache_dir, private_dir
    from uvauth.errors import UvauthError
    from uvauth.uv import envvars

    runtime = env.get(envvars.XDG_RUNTIME_DIR)
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime) and _owned(runtime):
        path = Path(runtime) / "uvauth"
    else:
        path = cache_dir(env) / "tokens"
    try:
        private_dir(str(path), "the token cache", "remove it")
    except OSError as error:
        raise UvauthError(f"cannot use the token cache {path}: {error.strerror or error}") from None
    return path


def _owned(path: str) -> bool:
    """Is it this user's? (``sudo -E`` keeps another user's ``XDG_RUNTIME_DIR``: tokens do not go there.)"""
    return not hasattr(os, "geteuid") or os.stat(path).st_uid == os.geteuid()


def key(identity: Mapping[str, Any], command: object) -> str:
    """The file name's digest: the entry's identity and the exact command (or variable) it reads from."""
    import json

    from uvauth.cache import cache_key

    return cache_key(json.dumps([identity, command], sort_keys=True), 24)


def path(directory: Path, digest: str) -> Path:
    return directory / f"{_PREFIX}{digest}{_SUFFIX}"


def read(directory: Path, digest: str, now: float, margin: float = DEFAULT_MARGIN) -> dict[str, Any] | None:
    """The cached token record if it is still fresh, else None (a missing or damaged file is simply stale).
    A record cached under a smaller margin than today's is stale too: a changed margin holds from the next
    command, and a memoized plan (which reads only the record's ``fresh_until``) then finds the new record."""
    record = read_path(str(path(directory, digest)), now)
    if record is not None and record.get("minted") is not None and record.get("expires") is not None \
            and record["fresh_until"] > fresh_until(record["minted"], record["expires"], margin):
        return None
    return record


def read_path(file: str, now: float) -> dict[str, Any] | None:
    """:func:`read` by the file's path (a memoized plan keeps the paths of the tokens it hands uv)."""
    data = _load(file)
    return data if data is not None and data["fresh_until"] > now else None


def _load(file: str) -> dict[str, Any] | None:
    """The record in ``file`` if it has the shape :func:`write` gives it, else None: a damaged, truncated or
    foreign file is a miss, never a token (``fresh_until = "inf"`` would otherwise be fresh for ever)."""
    try:
        with open(file, "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if _well_formed(data) else None


LAST_EPOCH: Final = 253402300799.0  # the end of year 9999: what `time.gmtime` and RFC 3339 can still write


def _epoch(value: object) -> bool:
    return type(value) in (int, float) and -LAST_EPOCH <= value <= LAST_EPOCH  # type: ignore[operator]


def _well_formed(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    password, username = data.get("password"), data.get("username")
    return (isinstance(password, str) and bool(password) and "\0" not in password
            and (username is None or (isinstance(username, str) and "\0" not in username))
            and isinstance(data.get("entry"), str) and _epoch(data.get("fresh_until"))
            and data.get("scheme") in (None, "basic", "bearer")  # None: a record of uvauth before Bearer tokens
            and all(data.get(key) is None or _epoch(data[key]) for key in ("minted", "expires")))


def write(directory: Path, digest: str, record: Mapping[str, Any]) -> None:
    """Cache ``record``; :class:`~uvauth.errors.UvauthError` when the file cannot be written (a full disk, a
    read-only directory): the caller still has the token for this command."""
    from uvauth.cache import write_private

    write_private(directory, f"{_PREFIX}{digest}{_SUFFIX}", marshal.dumps(dict(record)))


class locked:  # lower case: used as a context manager, like open()
    """An exclusive ``flock`` on the entry's lock file, held while a token is refreshed.

    A lock that cannot be taken (a read-only directory; the lock's path a directory or a dangling symlink) is
    not a reason to fail the command: the refresh goes on unlocked, as on Windows, where parallel refreshes may
    each run the command. :attr:`problem` says why, for the caller to warn."""

    def __init__(self, directory: Path, digest: str) -> None:
        self.path = directory / f"{_PREFIX}{digest}.lock"
        self.fd = -1
        self.problem: str | None = None

    def __enter__(self) -> Self:
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as error:
            self.problem = f"cannot lock {self.path}: {error.strerror or error}"
            return self
        try:
            import fcntl
        except ImportError:  # pragma: no cover (Windows: no flock; parallel refreshes may each run the command)
            return self
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError as error:  # pragma: no cover (a file system without locks: NFS without lockd)
            self.problem = f"cannot lock {self.path}: {error.strerror or error}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the lock


def drop(directory: Path, digest: str) -> None:
    """Remove one cached token, if there is one (nothing is cached for a command without ttl or expiry)."""
    try:  # noqa: SIM105 - no contextlib for one unlink
        os.unlink(directory / f"{_PREFIX}{digest}{_SUFFIX}")
    except OSError:
        pass


def digest_of(file: Path) -> str:
    """The digest a cached token's file is named by (:func:`key`, :func:`path`)."""
    return file.name.removeprefix(_PREFIX).removesuffix(_SUFFIX)


def records(directory: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every cached token file and its record (for ``credentials show`` and ``forget``)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
            continue
        data = _load(str(directory / name))
        if data is not None:
            yield directory / name, data


def forget(directory: Path, entry: str | None, digests: Collection[str] | None = None) -> int:
    """Remove cached tokens, and the private stores holding copies of them; how many tokens were removed.
    ``digests``: exactly those tokens (one entry's, as ``credentials forget NAME`` finds them here); else
    ``entry``: every token cached under that entry name, by any project; else every token (damaged files and an
    older uvauth's records too)."""
    if digests is not None:
        doomed = [path(directory, digest) for digest in digests]
    elif entry is None:
        try:
            names = os.listdir(directory)
        except OSError:
            names = []
        doomed = [directory / name for name in names
                  if name.startswith(_PREFIX) and name.endswith((_SUFFIX, _OLD_SUFFIX))]
    else:
        doomed = [path for path, data in records(directory) if data["entry"] == entry]
    removed = 0
    for file in doomed:
        try:
            os.unlink(file)
            removed += 1
        except OSError:
            pass
        try:  # noqa: SIM105 - a best-effort unlink; no contextlib
            os.unlink(file.with_suffix(".lock"))
        except OSError:
            pass
    # A private store holds copies of the tokens: it goes with them (a store of an older record, by entry name).
    for store, record in stores(directory):
        if digests is not None:
            goes = record is None or (not set(record["tokens"]).isdisjoint(digests) if "tokens" in record
                                      else entry in record["entries"])
        else:
            goes = entry is None or record is None or entry in record["entries"]
        if goes:
            remove_store(store)
    return removed


def store_record(store: str) -> dict[str, Any] | None:
    """The record of a private credential store (``fresh_until``, ``entries``), None when it is missing or not
    what :mod:`uvauth.bearer` writes."""
    try:
        with open(os.path.join(store, STORE_RECORD), "rb") as handle:
            data = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(data, dict) and _epoch(data.get("fresh_until")) and isinstance(data.get("entries"), list)
            and all(isinstance(name, str) for name in data["entries"])
            and isinstance(data.get("tokens", []), list)
            and all(isinstance(digest, str) for digest in data.get("tokens", []))):
        return None
    return data


def store_fresh(store: str, now: float) -> bool:
    """Is this private store still there and its tokens fresh (a memoized plan hands uv its directory)?"""
    record = store_record(store)
    return record is not None and record["fresh_until"] > now and os.path.isfile(os.path.join(store, STORE_FILE))


def stores(directory: Path) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Every private credential store in the token directory, with its record (None: damaged or half written)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith(STORE_PREFIX) and os.path.isdir(path) and not os.path.islink(path):
            yield path, store_record(path)


def remove_store(store: str) -> None:
    """Remove a private store: the files uvauth and uv put there (uv adds ``credentials.toml.lock``), then the
    directory (left in place if anything else is in it)."""
    for name in (STORE_FILE, STORE_FILE + ".lock", STORE_RECORD):
        try:  # noqa: SIM105 - a best-effort unlink; no contextlib
            os.unlink(os.path.join(store, name))
        except OSError:
            pass
    try:  # noqa: SIM105
        os.rmdir(store)
    except OSError:
        pass
