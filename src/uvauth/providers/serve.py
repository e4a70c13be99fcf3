"""One answer to another tool's question "what are the credentials for this URL?" (docs/credentials.md, "Other
tools through uvauth"): uvauth's ``[[credentials]]`` entries first, then uv's own sources in uv's order — what a
``uv`` command run in the same directory would send there, with the same cache, trust and URL binding.

The URL asked for is a request's (a project page, a file): it is answered as the index it lies under. The index
is the configured one whose root (its URL without a final ``simple``, as uv's ``IndexUrl::root``) is its longest
path prefix, else one on its realm (uv sends a realm's cached
credentials to every URL of that realm), else the longest prefix of an entry covering it. A URL nothing covers
gets no answer: the caller goes on without credentials, as it would without uvauth.

Nothing here prints: the protocols (:mod:`uvauth.commands.helper`, :mod:`uvauth.providers.keyring_backend`)
decide what the caller and the user see. ``Answer.problem`` never holds a secret.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from uvauth.errors import UvauthError
from uvauth.providers import guard

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from uvauth.providers.entries import Entry
    from uvauth.providers.lookup import Providers
    from uvauth.uv.cmdline import UvCommandLine
    from uvauth.uv.config.discover import UvConfig
    from uvauth.uv.credentials.search import Credentials


class Answer(NamedTuple):
    """The credentials for a URL, or None with why not: ``problem`` is None for "nothing covers it", else one
    line for the user (an entry not approved, a command that failed)."""

    credentials: Credentials | None
    problem: str | None = None


class _Target(NamedTuple):
    index_url: str  # the URL credentials are looked up for (an index's, else the request's)
    name: str | None  # its configured name, for UV_INDEX_<NAME>_* and `index` entries


def credentials_for(url: str, env: Mapping[str, str], cwd: Path, *, covered_only: bool = False) -> Answer:
    """The credentials a ``uv`` command run in ``cwd`` with ``env`` would send to ``url`` (module docstring).
    ``covered_only``: nothing for a URL no ``[[credentials]]`` entry in force covers (the keyring backend, which
    every program of the user may ask about any URL, answers only for the indexes the user gave uvauth).
    Never raises for a bad URL, a bad configuration or a failing source: those are an :class:`Answer` with
    ``problem`` set."""
    from uvauth.uv import urls

    try:
        parsed = urls.parse(url)
    except urls.InvalidUrl:
        return Answer(None)
    if parsed.scheme not in ("http", "https") or not parsed.host or guard.serving(env):
        return Answer(None)
    try:
        return _answer(url, env, cwd, covered_only)
    except UvauthError as error:
        # With its hint: the way out (`credentials trust`, the `url` to add) is what the user needs to read.
        return Answer(None, problem=f"{error.headline}; {error.hint}" if error.hint else error.headline)


class _Context(NamedTuple):
    env: dict[str, str]  # with UVAUTH_SERVING: what uvauth runs for the answer must not ask uvauth again
    cmdline: UvCommandLine
    cwd: str
    config: UvConfig
    credentials: list[Mapping[str, Any]]  # the [[credentials]] entries' data, as the settings resolve them


def _context(env: Mapping[str, str], cwd: Path) -> _Context:
    """What a plain ``uv`` command run in ``cwd`` reads: its uv configuration and uvauth's settings."""
    from uvauth.cache import cache_dir
    from uvauth.pipeline import locate
    from uvauth.settings import sources as settings
    from uvauth.uv import envvars
    from uvauth.uv.config import discover as uvconfig

    served = {**env, envvars.UVAUTH_SERVING: "1"}
    cmdline = _command_line(cwd)
    where = locate(cmdline, served)  # UV_PROJECT, UV_CONFIG_FILE, UV_NO_CONFIG as uv reads them
    config = uvconfig.discover(cwd=where.cwd, project=where.project, config_file=where.config_file,
                               no_config=where.no_config, tool_command=False, env=served)
    resolved = settings.resolve(None, where.project, served, cache_dir(served), None,
                                envvars.credential_variables(served))
    return _Context(served, cmdline, str(where.cwd), config, list(resolved.credentials))


def _providers(context: _Context, entries: Sequence[Mapping[str, Any]]) -> Providers:
    from uvauth.providers import entries as entry_rules
    from uvauth.providers.lookup import Providers

    return Providers(entries, context.env, own_urls=entry_rules.own_index_urls(
        context.config, context.cmdline, context.env, context.cwd))


def _answer(url: str, env: Mapping[str, str], cwd: Path, covered_only: bool) -> Answer:
    from uvauth.uv.credentials.search import find_credentials

    context = _context(env, cwd)
    target = _target(url, context.config, context.cwd, [])
    covered = False
    if context.credentials:
        from uvauth.providers import entries

        providers = _providers(context, context.credentials)
        active = providers.active()
        target = _target(url, context.config, context.cwd, entries.prefixes(active))
        covered = providers.covering(target.index_url, target.name) in active
        if covered and not _variables_set(target, context.env):
            with guard.serving_here():
                found = providers.find(target.index_url, target.name)
            if found is not None and found.credentials is not None:
                return Answer(found.credentials)
    if covered_only and not covered:
        return Answer(None)
    # uv's own sources, without the keyring: uvauth may be the keyring that asked (keyring_backend).
    found = find_credentials(target.index_url, name=target.name, env=context.env, keyring_provider=None)
    return Answer(found.credentials)


def _variables_set(target: _Target, env: Mapping[str, str]) -> bool:
    """Has the user set the index's ``UV_INDEX_<NAME>_PASSWORD`` (Renovate does, for its host rules)? A uv command
    through uvauth then sends those, never an entry's token (uvauth.seeding.seed_credentials: variables the user
    set win), and so does the answer here: uv's own search reads them."""
    from uvauth.uv.credentials.search import env_var_prefix

    return target.name is not None and bool(env.get(env_var_prefix(target.name) + "PASSWORD"))


def entry_credentials(name: str, env: Mapping[str, str], cwd: Path) -> Credentials | None:
    """The token the ``[[credentials]]`` entry ``name`` gives here (``uvauth uvauth credentials token``), minted
    through the cache as a ``uv`` command would: for its index as the project configures it (under the entry's
    ``url``, if it has one), else its ``url``, else its first prefix. None where it gives nothing here (a
    ``gitlab-ci`` entry outside its job, a keyring with nothing). An unknown name, an entry not approved, or a
    failing command raises the :class:`UvauthError` a ``uv`` command would stop with."""
    from uvauth.providers.entries import Entry

    context = _context(env, cwd)
    entries = [Entry.from_data(data) for data in context.credentials]
    chosen = [data for data, entry in zip(context.credentials, entries, strict=True) if entry.name == name]
    if not chosen:
        names = ", ".join(entry.name for entry in entries) or "none"
        raise UvauthError(f"no [[credentials]] entry named {name!r} here", hint=f"entries in force here: {names}")
    entry = Entry.from_data(chosen[0])
    url = _entry_url(entry, context)
    if url is None:
        raise UvauthError(f"credentials entry {entry.name}: it covers the index {entry.for_index} by name, which "
                          "is not configured here and the entry has no `url`, so there is no URL to get its "
                          "token for", where=entry.source, hint=f'give the entry url = "…", or run this in the '
                          f"project that configures {entry.for_index}")
    with guard.serving_here():
        found = _providers(context, chosen[:1]).find(url, entry.for_index)
    return found.credentials if found is not None else None


def _entry_url(entry: Entry, context: _Context) -> str | None:
    """The URL the entry's token is for here: its index's as the project configures it (the URL a ``uv`` command
    asks for, so the token is the very one it caches), unless that lies outside the entry's ``url``; else the
    ``url``; else its first prefix."""
    from uvauth.providers.entries import index_key
    from uvauth.uv.indexes import entry_from_config
    from uvauth.uv.urls import InvalidUrl

    if entry.for_index is None:
        return entry.prefixes[0] if entry.prefixes else None
    for index in context.config.indexes:  # highest precedence first: the first of a name is the one uv uses
        if index.name and index_key(index.name) == index_key(entry.for_index):
            try:
                configured = entry_from_config(index, context.cwd).text
            except InvalidUrl:
                break
            if entry.url is None or _covers(entry.url, configured):
                return configured
            break
    return entry.url


def _command_line(cwd: Path) -> UvCommandLine:
    """A plain ``uv`` command run in ``cwd`` (a ``uv lock``: one that reads the project's configuration)."""
    from uvauth.uv import cmdline as uvcli

    return uvcli.parse(["lock", "--directory", str(cwd)])


def _target(url: str, config: UvConfig, cwd: str, prefixes: Sequence[str]) -> _Target:
    """The index ``url`` is asked for as (module docstring)."""
    from uvauth.uv.indexes import entry_from_config
    from uvauth.uv.urls import InvalidUrl, auth_root, covers, realm, without_userinfo

    under: list[tuple[int, str, str | None]] = []
    same_realm: list[tuple[str, str | None]] = []
    for index in config.indexes:  # highest precedence first: on a tie the first is uv's
        try:
            index_url = entry_from_config(index, cwd).text
            # Under the index's root, as uv finds a request's index (`Indexes::index_for`, uv-auth's index.rs,
            # by `IndexUrl::root`): a file under `/api/pypi/repo/packages/` is the index at `/api/pypi/repo/simple`.
            root = auth_root(index_url)
            if covers(root, url):
                under.append((len(root.rstrip("/")), index_url, index.name))
            elif realm(index_url) == realm(url):
                same_realm.append((index_url, index.name))
        except InvalidUrl:
            continue
    if under:
        longest = max(length for length, _, _ in under)
        _, index_url, name = next(item for item in under if item[0] == longest)
        return _Target(index_url, name)
    if same_realm:
        return _Target(*same_realm[0])
    covering = [prefix for prefix in prefixes if _covers(prefix, url)]
    if covering:
        return _Target(max(covering, key=lambda prefix: len(prefix.rstrip("/"))), None)
    return _Target(without_userinfo(url), None)


def _covers(prefix: str, url: str) -> bool:
    from uvauth.uv.urls import InvalidUrl, covers

    try:
        return covers(prefix, url)
    except InvalidUrl:
        return False
