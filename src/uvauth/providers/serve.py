"""One answer to another tool's question "what are the credentials for this URL?" (docs/credentials.md, "Other
tools through uvauth"): uvauth's ``[[credentials]]`` entries first, then uv's own sources in uv's order — what a
``uv`` command run in the same directory would send there, with the same cache, trust and URL binding.

The URL asked for is a request's (a project page, a file): it is answered as the index it lies under. The index
is the configured one whose URL is its longest path prefix, else one on its realm (uv sends a realm's cached
credentials to every URL of that realm), else the longest prefix of an entry covering it. A URL nothing covers
gets no answer: the caller goes on without credentials, as it would without uvauth.

Nothing here prints: the protocols (:mod:`uvauth.commands.helper`, :mod:`uvauth.providers.keyring_backend`)
decide what the caller and the user see. ``Answer.problem`` never holds a secret.
"""

from __future__ import annotations

from typing import NamedTuple

from uvauth.errors import UvauthError
from uvauth.providers import guard

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

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


def credentials_for(url: str, env: Mapping[str, str], cwd: Path) -> Answer:
    """The credentials a ``uv`` command run in ``cwd`` with ``env`` would send to ``url`` (module docstring).
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
        return _answer(url, env, cwd)
    except UvauthError as error:
        return Answer(None, problem=error.headline)


def _answer(url: str, env: Mapping[str, str], cwd: Path) -> Answer:
    from uvauth.cache import cache_dir
    from uvauth.pipeline import locate
    from uvauth.settings import sources as settings
    from uvauth.uv import envvars
    from uvauth.uv.config import discover as uvconfig
    from uvauth.uv.credentials.search import find_credentials

    # What uvauth runs for the answer (a command, git, a helper) must not ask uvauth again.
    env = {**env, envvars.UVAUTH_SERVING: "1"}
    cmdline = _command_line(cwd)
    where = locate(cmdline, env)  # UV_PROJECT, UV_CONFIG_FILE, UV_NO_CONFIG as uv reads them
    config = uvconfig.discover(cwd=where.cwd, project=where.project, config_file=where.config_file,
                               no_config=where.no_config, tool_command=False, env=env)
    resolved = settings.resolve(None, where.project, env, cache_dir(env), None, envvars.credential_variables(env))
    target = _target(url, config, str(where.cwd), [])
    if resolved.credentials:
        from uvauth.providers import entries
        from uvauth.providers.lookup import Providers

        providers = Providers(resolved.credentials, env, own_urls=entries.own_index_urls(
            config, cmdline, env, str(where.cwd)))
        active = providers.active()
        target = _target(url, config, str(where.cwd), entries.prefixes(active))
        with guard.serving_here():
            found = providers.find(target.index_url, target.name)
        if found is not None and found.credentials is not None:
            return Answer(found.credentials)
    # uv's own sources, without the keyring: uvauth may be the keyring that asked (keyring_backend).
    found = find_credentials(target.index_url, name=target.name, env=env, keyring_provider=None)
    return Answer(found.credentials)


def _command_line(cwd: Path) -> UvCommandLine:
    """A plain ``uv`` command run in ``cwd`` (a ``uv lock``: one that reads the project's configuration)."""
    from uvauth.uv import cmdline as uvcli

    return uvcli.parse(["lock", "--directory", str(cwd)])


def _target(url: str, config: UvConfig, cwd: str, prefixes: Sequence[str]) -> _Target:
    """The index ``url`` is asked for as (module docstring)."""
    from uvauth.uv.indexes import entry_from_config
    from uvauth.uv.urls import InvalidUrl, covers, realm, without_userinfo

    under: list[tuple[int, str, str | None]] = []
    same_realm: list[tuple[str, str | None]] = []
    for index in config.indexes:  # highest precedence first: on a tie the first is uv's
        try:
            index_url = entry_from_config(index, cwd).text
            if covers(index_url, url):
                under.append((len(index_url.rstrip("/")), index_url, index.name))
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
