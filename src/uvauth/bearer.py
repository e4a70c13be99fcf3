"""How a Bearer token reaches uv for an index: a credential store of uvauth's (``docs/credentials.md``, "Bearer
tokens").

uv sends an index a Bearer token from one place only: its plain-text credential store, ``credentials.toml`` in
``UV_CREDENTIALS_DIR`` (``TextCredentialStore``, ``crates/uv-auth/src/store.rs``: entries with
``scheme = "bearer"``). ``UV_INDEX_<NAME>_*``, netrc, the keyring and URL userinfo are Basic only. So for each
index whose ``[[credentials]]`` entry answered a Bearer token, uvauth writes a private store — a 0700 directory
``store-<digest of its content>/`` in the token cache (:func:`uvauth.providers.tokencache.token_dir`), holding
``credentials.toml`` (0600) — and hands uv its directory as ``UV_CREDENTIALS_DIR``. That store is the user's own
(``uv auth login``'s, which the variable would otherwise hide from uv) copied, plus one Bearer entry per such
index whose service is the index URL.

uv reads the store lazily, once per process, after uvauth has exec'd into it: the directory outlives uvauth,
and is removed once its tokens are stale (when a later one is written, and by ``credentials forget``).

Where uv would not send the token from the store, uvauth refuses with one error line instead of letting uv
fall back to something else: netrc has the host (uv asks netrc first: ``AuthMiddleware::fetch_credentials``,
``crates/uv-auth/src/middleware.rs``), or the composed store would be ambiguous for the index (uv fails its
lookup on a tie: ``TextCredentialStore::get_credentials``), or a more specific entry of the user's would take
the index's requests. (URL userinfo and ``UV_INDEX_<NAME>_*`` are refused at planning: :mod:`uvauth.seeding`.)

Imported only when a Bearer token is in play.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from uvauth import observed
from uvauth.errors import UvauthError
from uvauth.providers import tokencache
from uvauth.uv import dirs, urls
from uvauth.uv.credentials import store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Final

    from uvauth.seeding import Bearer

#: How long after its tokens stop being fresh a store is kept: a uv started with it just before reads it at its
#: first request that needs credentials (lazily), which a removal must not beat.
STALE_GRACE: Final = 300.0


def hand_over(tokens: Sequence[Bearer], env: Mapping[str, str], *, cwd: str, now: float | None = None) -> str:
    """Write (or find) the private store for ``tokens`` and return its directory, for ``UV_CREDENTIALS_DIR``.
    ``env`` is planning's (recording) environment: the user's store and netrc read here are what a memoized plan
    depends on. One :class:`UvauthError` line where the tokens cannot reach uv."""
    now = time.time() if now is None else now
    _refuse_netrc(tokens, env)
    own, own_label = user_entries(env, cwd)
    text = compose(own, tokens, own_label=own_label)
    directory = tokencache.token_dir(env)
    from uvauth.cache import cache_key, private_dir, write_private

    folder = directory / f"{tokencache.STORE_PREFIX}{cache_key(text, 24)}"
    sweep(directory, now, keep=str(folder))
    fresh_until, entries, digests = _freshness(tokens, now)
    try:
        private_dir(str(folder), "uvauth's credential store", "remove it")
    except OSError as error:
        raise UvauthError(f"cannot use uvauth's credential store {folder}: {error.strerror or error}") from None
    import marshal

    write_private(folder, tokencache.STORE_FILE, text)
    write_private(folder, tokencache.STORE_RECORD, marshal.dumps({"fresh_until": fresh_until, "entries": entries,
                                                                      "tokens": digests}))
    return str(folder)


def _freshness(tokens: Sequence[Bearer], now: float) -> tuple[float, list[str], list[str]]:
    """Until when the store's tokens are all fresh (their cache records'), the entries they come from, and their
    cache files' digests (``credentials forget NAME`` removes the stores of the tokens it removes). A token that
    is not cached (no end known) makes the store stale at once: it serves this command only."""
    until: float | None = None
    entries: list[str] = []
    digests: list[str] = []
    for token in tokens:
        record = tokencache.read_path(token.token.cache_file, now) if token.token.cache_file else None
        if record is None or token.token.cache_file is None:
            return now, entries, digests
        until = record["fresh_until"] if until is None else min(until, record["fresh_until"])
        if record["entry"] not in entries:
            entries.append(record["entry"])
        digests.append(tokencache.digest_of(Path(token.token.cache_file)))
    return (now if until is None else until), entries, digests


def sweep(directory: Path, now: float, *, keep: str = "") -> int:
    """Remove the private stores whose tokens are stale (past :data:`STALE_GRACE`), and damaged ones that old:
    tokens must not pile up on disk. How many were removed."""
    removed = 0
    for folder, record in tokencache.stores(directory):
        if folder == keep:
            continue
        if record is not None:
            stale = record["fresh_until"] + STALE_GRACE < now
        else:  # half written by a concurrent uvauth, or damaged: by its age
            try:
                stale = os.stat(folder).st_mtime + STALE_GRACE < now
            except OSError:
                continue
        if stale:
            tokencache.remove_store(folder)
            removed += 1
    return removed


def user_entries(env: Mapping[str, str], cwd: str) -> tuple[list[store.StoreEntry], str]:
    """The entries of the user's own store (``$UV_CREDENTIALS_DIR`` if they set it, else uv's state directory:
    :func:`uvauth.uv.dirs.credentials_dir`), which uv would have read, and how to name the file. A store uv
    would ignore (malformed, not UTF-8, unreadable) gives none: uv would not have used it either.

    A ``UV_CREDENTIALS_DIR`` of the user's is read like the default store, not refused: it is only where their
    entries live (CI sets it to keep them out of the home directory), and the private copy holds them all."""
    home = dirs.home_dir(env)
    path = store.credentials_store_path(env, Path(home) if home else None,
                                        lambda folder: observed.exists(env, folder))
    if not path.is_absolute():
        path = Path(cwd, path)  # uv resolves a relative UV_CREDENTIALS_DIR against its working directory
    label = store.display(path, Path(home) if home else None)
    if not observed.exists(env, path):
        return [], label
    try:
        return store.parse_store(observed.read_bytes(env, path).decode("utf-8")), label
    except (OSError, UnicodeDecodeError, store.StoreError):
        return [], label


def _refuse_netrc(tokens: Sequence[Bearer], env: Mapping[str, str]) -> None:
    """netrc outranks uv's store (``fetch_credentials`` asks it first, by host alone, ``default`` for any host):
    with an entry there uv would send netrc's Basic credentials, never the token."""
    from uvauth.uv.credentials.search import netrc_credentials

    for token in tokens:
        found = netrc_credentials(token.service, env)
        if found is not None:
            raise UvauthError(f"index {_shown(token)}: {token.entry} answered a Bearer token, but {found.detail} "
                              "matches its host, and uv sends those credentials instead (it asks netrc before its "
                              "credential store)", hint="remove that netrc entry, or give the entry's token as a "
                              "password (Basic)")


def _shown(token: Bearer) -> str:
    from uvauth.seeding import SYNTH_PREFIX

    return urls.redact(token.service) if token.name.startswith(SYNTH_PREFIX) else token.name


def compose(own: Sequence[store.StoreEntry], tokens: Sequence[Bearer], *, own_label: str = "your store") -> str:
    """The private store's text: the user's entries, then one Bearer entry per token (an entry of the user's for
    the very same service and no username is replaced, as uv's map would replace it). Refuses where uv would not
    pick the token for its index: another entry of the same path length matches (uv fails on a tie, in hash
    order: :func:`uvauth.uv.credentials.store.best_match`), or an entry of the user's is more specific (uv would
    use it for the requests under it, and fetches credentials once per index)."""
    ours: dict[str, Bearer] = {}
    for token in tokens:
        key = str(urls.parse(token.service).without_credentials())
        if key in ours and ours[key].token.value != token.token.value:
            raise UvauthError(f"indexes {_shown(ours[key])} and {_shown(token)} get different Bearer tokens for "
                              f"one URL {urls.redact(token.service)}: uv's store holds one per URL")
        ours.setdefault(key, token)
    kept = [entry for entry in own
            if not (entry.username is None and str(entry.service.without_credentials()) in ours)]
    mine = [store.StoreEntry(service=urls.parse(token.service), service_text=token.service, username=None,
                             password=None, bearer=True, token=token.token.value) for token in ours.values()]
    for token, entry in zip(ours.values(), mine, strict=True):
        url = entry.service
        try:
            store.best_match([*kept, *mine], url, None)  # uv's rule for a tie, as uvauth reads uv's store
        except store.AmbiguousError:
            raise UvauthError(f"index {_shown(token)}: its Bearer token would tie with an entry of {own_label} "
                              "(two services of one length match its URL), and uv then skips the store",
                              hint="remove the duplicate with `uv auth logout`") from None
        candidates = store.matching([*kept, *mine], url, None)
        longer = [other for other in candidates if other not in mine and len(other.service.path) > len(url.path)]
        deeper = longer or [other for other in kept if other.service.realm == url.realm and other not in candidates
                            and urls.is_path_prefix(url.path, other.service.path)]
        if deeper:
            raise UvauthError(f"index {_shown(token)}: {own_label} has an entry for "
                              f"{urls.redact(deeper[0].service_text)}, more specific than the index URL, which uv "
                              "would use instead of its Bearer token", hint="remove it with `uv auth logout`")
    text = _render([*kept, *mine])
    _check_round_trip(text, len(kept) + len(mine))
    return text


def _render(entries: Sequence[store.StoreEntry]) -> str:
    """``credentials.toml`` as uv's ``TomlCredentialWire`` reads it: one ``[[credential]]`` table per entry."""
    import tomlkit  # lazy: slow to import, and needed only here (as uvauth.uv.config.render does)

    tables = tomlkit.aot()
    for entry in entries:
        table = tomlkit.table()
        table["service"] = entry.service_text
        if entry.bearer:
            table["scheme"] = "bearer"
            table["token"] = entry.token or ""
        else:
            table["username"] = entry.username or ""
            if entry.password is not None:
                table["password"] = entry.password
        tables.append(table)
    document = tomlkit.document()
    document["credential"] = tables
    return tomlkit.dumps(document)


def _check_round_trip(text: str, count: int) -> None:
    """What uv will read is what was meant: every entry, valid as uv validates them."""
    try:
        parsed = store.parse_store(text)
    except store.StoreError as error:  # pragma: no cover (the tables are built from validated values)
        raise UvauthError(f"uvauth's credential store would not be valid: {error}") from None
    if len(parsed) != count:  # pragma: no cover
        raise UvauthError("uvauth's credential store would lose an entry")
