"""The plain-text credential store that ``uv auth login`` writes (``crates/uv-auth/src/store.rs``): where it
is, how uv validates it, and which entry uv picks for an index."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from uvauth.uv import dirs, urls

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def display(path: Path, home: Path | None) -> str:
    """``path``, with the home directory written as ``~``."""
    if home is not None:
        try:
            return "~/" + path.relative_to(home).as_posix()
        except ValueError:
            pass
    return str(path)


def credentials_store_path(env: Mapping[str, str], home: Path | None,
                           directory_exists: Callable[[str], bool]) -> Path:
    """The ``credentials.toml`` that ``uv auth login`` writes and uv reads: in :func:`uvauth.uv.dirs.credentials_dir`
    (``$UV_CREDENTIALS_DIR``, else uv's state store; verified against ``uv auth dir`` in the tests, and by
    ``uvauth uvauth doctor`` on the user's machine). ``directory_exists`` tells whether a directory exists (the
    plan notes what it stat'ed); ``UV_STATE_DIR``, ``XDG_STATE_HOME`` do not matter.
    """
    directory = dirs.credentials_dir(env, home=str(home) if home is not None else None,
                                     directory_exists=directory_exists)
    return Path(directory) / "credentials.toml"


class StoreEntry(NamedTuple):
    service: urls.Url
    service_text: str
    username: str | None
    password: str | None
    bearer: bool
    token: str | None = None

    def __repr__(self) -> str:
        return f"StoreEntry(service={self.service_text!r}, username={self.username!r}, bearer={self.bearer!r})"


class AmbiguousError(Exception):
    """Two store entries match equally well (uv: ``LookupError::AmbiguousUsername``)."""


class StoreError(Exception):
    """The store cannot be read; uv then ignores the whole file. The text never holds a value from the file."""


def _optional_str(item: Mapping[str, object], key: str, number: int) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise StoreError(f"credential #{number}: `{key}` is not a string")
    return value


def parse_store(text: str) -> list[StoreEntry]:
    """Validate ``[[credential]]`` tables exactly as uv's ``TomlCredentialWire`` does."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StoreError(f"not valid TOML ({str(err).rpartition('(')[2].rstrip(')')})") from None
    raw = data.get("credential", [])
    if not isinstance(raw, list):
        raise StoreError("`credential` is not an array of tables")
    entries: dict[tuple[str, str | None], StoreEntry] = {}
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise StoreError(f"credential #{number} is not a table")
        service_text = item.get("service")
        if not isinstance(service_text, str):
            raise StoreError(f"credential #{number}: `service` is missing or not a string")
        if urls.split_scheme(service_text) is None:
            raise StoreError(f"credential #{number}: `service` is not an absolute URL")
        try:
            service = urls.parse(service_text)
        except urls.InvalidUrl:
            continue  # never matches an index (uvauth's reading; kept from before the URL model was shared)
        if not service.host:
            continue  # a URL without a host (`foo:bar`) parses in uv but can never match
        username = _optional_str(item, "username", number) or None
        password = _optional_str(item, "password", number)
        token = _optional_str(item, "token", number)
        scheme = item.get("scheme", "basic")
        if scheme == "basic":
            if username is None:
                raise StoreError(f"credential #{number}: `username` is required with `scheme = basic`")
            if token is not None:
                raise StoreError(f"credential #{number}: `token` cannot be provided with `scheme = basic`")
            bearer = False
        elif scheme == "bearer":
            if username is not None or password is not None:
                raise StoreError(f"credential #{number}: `username`/`password` with `scheme = bearer`")
            if token is None:
                raise StoreError(f"credential #{number}: `token` is required with `scheme = bearer`")
            # No `expires-at`: uv's TomlCredentialWire has no such field and serde ignores unknown keys
            # (crates/uv-auth/src/store.rs), so an "expired" bearer entry is still sent.
            bearer = True
        else:
            raise StoreError(f"credential #{number}: unknown `scheme`")
        # uv keys its map by (service, username): a later duplicate replaces an earlier one.
        entries[(str(service.without_credentials()), username)] = StoreEntry(
            service=service, service_text=service_text, username=username, password=password, bearer=bearer,
            token=token,
        )
    return list(entries.values())


def best_match(entries: list[StoreEntry], url: urls.Url, username: str | None) -> StoreEntry | None:
    """uv's ``TextCredentialStore::get_credentials``: the longest service path in the same realm that is a
    segment-boundary prefix of the request path (and has the known username, if any).

    uv walks its entries in ``FxHashMap`` order and fails (``LookupError::AmbiguousUsername``; the middleware
    then skips the store) as soon as an entry ties with the best *so far*: two entries of one length fail
    whenever both are met before a longer one, which the map's order decides. uvauth cannot know that order,
    so any two candidates of one length are :class:`AmbiguousError` ("uv may skip the store"), not only two at
    the longest length.

    uv asks with the *request* URL (``<index>/<package>/``), never the index URL itself, so the index path
    is taken as a directory: a service ``…/simple/`` matches the index ``…/simple``. uv's preceding exact
    (service, username) lookup never hits for such a URL and is left out.
    """
    candidates = matching(entries, url, username)
    if not candidates:
        return None
    lengths = [len(entry.service.path) for entry in candidates]
    if len(set(lengths)) != len(lengths):
        raise AmbiguousError
    return max(candidates, key=lambda entry: len(entry.service.path))


def matching(entries: list[StoreEntry], url: urls.Url, username: str | None) -> list[StoreEntry]:
    """The entries uv's ``get_credentials`` weighs for requests under ``url``: same realm, service path a
    segment-boundary prefix of the path, the known username if one is."""
    probe = url.path if url.path.endswith("/") else url.path + "/"
    return [
        entry
        for entry in entries
        if entry.service.realm == url.realm
        and urls.is_path_prefix(entry.service.path, probe)
        and (username is None or entry.username == username)
    ]
