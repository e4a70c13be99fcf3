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
    expired: bool


class AmbiguousError(Exception):
    """Two store entries match equally well (uv: ``LookupError::AmbiguousUsername``)."""


class StoreError(Exception):
    """The store cannot be read; uv then ignores the whole file. The text never holds a value from the file."""


def _expired(value: object) -> bool:
    from datetime import UTC, datetime

    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as err:
            raise StoreError("`expires-at` is not a timestamp") from err
    else:
        raise StoreError("`expires-at` is not a timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment <= datetime.now(UTC)


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
            bearer, expired = False, False
        elif scheme == "bearer":
            if username is not None or password is not None:
                raise StoreError(f"credential #{number}: `username`/`password` with `scheme = bearer`")
            if token is None:
                raise StoreError(f"credential #{number}: `token` is required with `scheme = bearer`")
            bearer = True
            expired = "expires-at" in item and _expired(item["expires-at"])
        else:
            raise StoreError(f"credential #{number}: unknown `scheme`")
        # uv keys its map by (service, username): a later duplicate replaces an earlier one.
        entries[(str(service.without_credentials()), username)] = StoreEntry(
            service=service, service_text=service_text, username=username, password=password, bearer=bearer,
            expired=expired,
        )
    return list(entries.values())


def best_match(entries: list[StoreEntry], url: urls.Url, username: str | None) -> StoreEntry | None:
    """uv's ``TextCredentialStore::get_credentials``: the longest service path in the same realm that is a
    segment-boundary prefix of the request path (and has the known username, if any); two at that length
    is ambiguous (:class:`AmbiguousError`), and uv then skips the store.

    uv asks with the *request* URL (``<index>/<package>/``), never the index URL itself, so the index path
    is taken as a directory: a service ``…/simple/`` matches the index ``…/simple``. uv's preceding exact
    (service, username) lookup never hits for such a URL and is left out.
    """
    probe = url.path if url.path.endswith("/") else url.path + "/"
    candidates = [
        entry
        for entry in entries
        if not entry.expired
        and entry.service.realm == url.realm
        and urls.is_path_prefix(entry.service.path, probe)
        and (username is None or entry.username == username)
    ]
    if not candidates:
        return None
    longest = max(len(entry.service.path) for entry in candidates)
    best = [entry for entry in candidates if len(entry.service.path) == longest]
    if len(best) > 1:
        raise AmbiguousError
    return best[0]
