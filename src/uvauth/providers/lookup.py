"""Credentials from ``[[credentials]]`` entries, for the planner's credential search.

An index an entry covers gets that entry's token, ahead of uv's own sources (the user configured it for that
index explicitly); an index no entry covers, or whose entry does not apply (``gitlab-ci`` outside GitLab CI), is
searched as uv searches it. A token from a command is reused from the private cache while fresh
(:mod:`uvauth.providers.tokencache`), else minted under the entry's lock — once per entry per process too.

With ``mint=False`` (``explain``: nothing runs) a command's token is only looked up in the cache: the
credentials returned then have an empty password and a detail saying the command would run.
"""

from __future__ import annotations

import os
import time

from uvauth.errors import UvauthError
from uvauth.providers import presets, tokencache, trust
from uvauth.providers.entries import Entry, by_name, covering, unbound
from uvauth.uv import envvars
from uvauth.uv.credentials.search import Credentials, Lookup, Tried

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any, Final

    from uvauth.uv.urls import Realm


_NOT_APPROVED: Final = " (not approved on this machine: `uvauth uvauth credentials trust`)"


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class Providers:
    """The entries in force for one uvauth run, and the tokens they gave in it."""

    def __init__(self, entries: Iterable[Mapping[str, Any]], env: Mapping[str, str], *, mint: bool = True,
                 offline: bool = False, now: float | None = None,
                 own_urls: Mapping[str, frozenset[str]] | None = None, quiet: bool = False) -> None:
        self.entries = [Entry.from_data(data) for data in entries]
        self.env = env
        # The URLs the user's own uv configuration gives each index name (entries.own_index_urls): an entry that
        # covers an index by name sends its token only there, unless its `url` or its approval says otherwise.
        self.own_urls = own_urls or {}
        self._by_host: dict[Realm, list[Entry]] | None = None  # entries by the hosts of their prefixes
        self._named: list[Entry] = []  # entries covering an index by name
        self.mint = mint and not offline
        # Offline uv sends no request: a command's token is used if cached, and nothing stands in for it if not.
        self.offline = offline
        # The clock (a test may fix it): read again after waiting for another process's refresh.
        self.clock = time.time if now is None else (lambda: now)
        # By token-cache key: an entry asked for twice runs once (None: it had nothing for that URL).
        self._given: dict[str, Credentials | None] = {}
        # `-q` hides warnings, as uv's own (`uv_warnings::disable`, crates/uv/src/lib.rs).
        self.quiet = quiet

    def _warn(self, message: str) -> None:
        if not self.quiet:
            import sys

            print(f"uvauth: warning: {message}", file=sys.stderr)

    def active(self) -> list[Entry]:
        """The entries that apply here: a ``gitlab-ci`` entry (or a chain of nothing else) outside its GitLab CI
        job covers nothing (so it imposes nothing on a laptop, where uv's own sources are searched as usual)."""
        server = presets.gitlab_server(self.env)
        return [entry for entry in self.entries if any(source.provider != "gitlab-ci" or any(
            presets.recipe(source, url, self.env) is not None
            for url in (entry.prefixes or ((server,) if server else ())))
            for source in entry.chain())]

    def covering(self, url: str, name: str | None) -> Entry | None:
        # Only the entries that can cover this URL's host (in their order: on a tie the first wins): every index
        # uv contacts is looked up, and 500 indexes with 100 prefixes made this quadratic.
        from uvauth.uv.urls import InvalidUrl, by_realm, realm

        if self._by_host is None:
            pairs = by_realm([(prefix, entry) for entry in self.entries for prefix in entry.prefixes],
                             lambda pair: pair[0])
            self._by_host = {host: list(dict.fromkeys(entry for _, entry in group)) for host, group in pairs.items()}
            self._named = [entry for entry in self.entries if entry.for_index is not None]
        try:
            host = realm(url)
        except InvalidUrl:
            return covering(self._named, url, name)  # under no prefix
        return covering(self._named + self._by_host.get(host, []), url, name)

    def find(self, url: str, name: str | None) -> Lookup | None:
        """The covering entry's credentials as a :class:`Lookup`, or None where no entry applies."""
        entry = self.covering(url, name)
        if entry is None:
            return None
        if name and by_name(entry, name) and not self._bound_elsewhere(entry, url):
            problem = unbound(entry, name, url, self.own_urls)
            if problem is not None:
                from uvauth.uv.urls import without_userinfo

                raise UvauthError(f"credentials entry {entry.name}: {problem}", where=entry.source,
                                  hint=f"if its token belongs there, add url = \"{without_userinfo(url)}\" to the "
                                       f"entry; if not, fix the project's [[index]] named {name}")
        chain = [(source, presets.recipe(source, url, self.env)) for source in entry.chain()]
        if all(recipe is None for _, recipe in chain):
            return None
        foreign = entry.file is not None and any(
            source.provider is not None and not presets.own_host(source.provider, url) for source in entry.chain())
        # Before anything of the entry's runs or is read, and before its cached token is used: a token minted for
        # one approved checkout is not another's, and a removed approval takes effect at once.
        if not trust.is_trusted(entry, self.env, foreign=foreign, url=url):
            if not self.mint:  # explain, or offline: nothing of the entry's is used
                return None if self.offline else Lookup(credentials=Credentials(
                    username="", password="", source="provider",
                    detail=f"credentials entry {entry.name}" + _NOT_APPROVED),
                    tried=(Tried(source=f"credentials entry {entry.name}", detail="not approved"),))
            trust.check(entry, self.env, foreign=foreign, url=url)
        chained = entry.sources is not None
        if chained:
            # A source that answered before is reused while its token is fresh: the sources ahead of it (which
            # had nothing then) are asked again only when it must be refreshed, not before every uv command.
            for number, (source, recipe) in enumerate(chain, 1):
                cached = self._credentials(source, recipe, url, number=number, cached_only=True) \
                    if recipe is not None else None
                if cached is not None:
                    return Lookup(credentials=cached, tried=(Tried(
                        source=f"credentials entry {entry.name} source {number}", detail=cached.detail),))
        tried: list[Tried] = []
        for number, (source, recipe) in enumerate(chain, 1):
            label = f"credentials entry {entry.name}" + (f" source {number}" if chained else "")
            credentials = self._credentials(source, recipe, url, number=number if chained else None) \
                if recipe is not None else None
            if credentials is None:  # "not mine": the next source, else uv's own sources
                tried.append(Tried(source=label, detail=f"{source.way()}: nothing for this URL"
                                   if recipe is not None else f"{source.way()}: does not apply here"))
                continue
            if self.offline and not credentials.password:
                return None
            return Lookup(credentials=credentials, tried=(*tried, Tried(source=label, detail=credentials.detail)))
        return None

    def _bound_elsewhere(self, entry: Entry, url: str) -> bool:
        """An entry bound to the index's URL by more than :func:`unbound` knows: a preset's token goes to its
        provider's own hosts only (a project pointing the name at another repository there reaches the same
        account), and ``UVAUTH_TRUST=1`` says the project's files are the user's own (CI)."""
        return (entry.provider is not None and entry.url is None and presets.own_host(entry.provider, url)) or \
            envvars.truthy(self.env.get(envvars.UVAUTH_TRUST))

    def forget_cached(self, url: str, name: str | None) -> str | None:
        """Drop the cached tokens of the entry covering this index (the doctor's retry after a rejection): the
        entry's name, or None where no entry's command, keyring or helper gave the token."""
        entry = self.covering(url, name)
        if entry is None:
            return None
        dropped = False
        for source in entry.chain():
            recipe = presets.recipe(source, url, self.env)
            if recipe is None or (recipe.command is None and not recipe.asks()):
                continue
            digest = token_digest(source, recipe, url)
            self._given.pop(digest, None)
            tokencache.drop(tokencache.token_dir(self.env), digest)
            dropped = True
        return entry.name if dropped else None

    def margin(self, entry: Entry) -> float:
        """The entry's ``refresh-margin``, else ``UVAUTH_REFRESH_MARGIN``, else ten minutes."""
        if entry.refresh_margin is not None:
            return float(entry.refresh_margin)
        value = self.env.get(envvars.UVAUTH_REFRESH_MARGIN)
        if not value:
            return tokencache.DEFAULT_MARGIN
        from uvauth.providers.entries import parse_duration

        try:
            return float(parse_duration(value, what=envvars.UVAUTH_REFRESH_MARGIN))
        except ValueError as error:
            raise UvauthError(str(error), where=envvars.UVAUTH_REFRESH_MARGIN) from None

    def _credentials(self, entry: Entry, recipe: presets.Recipe, url: str, *, number: int | None = None,
                     cached_only: bool = False) -> Credentials | None:
        """The token of one entry (or one source of a chain) for ``url``; None for "nothing here", which only a
        keyring, a helper, git, or a chain's variable that is unset or file that is absent answers.
        ``number``: its place in a chain. ``cached_only``: a command's or helper's token only if it is in hand
        or cached (nothing runs)."""
        chained = number is not None
        # No brackets: explain's table reads them as markup.
        label = f"credentials entry {entry.name}" + (f" source {number}" if chained else "") + (
            f" ({entry.provider})" if entry.provider else "")
        username = recipe.username or ""
        if recipe.env is not None:
            value = self.env.get(recipe.env)
            if not value and chained:
                return None
            if not value:
                raise UvauthError(f"credentials entry {entry.name}: variable {recipe.env} is not set or empty",
                                  where=entry.source)
            return Credentials(username=username, password=value, source="provider",
                               detail=f"{label}: variable {recipe.env}")
        if recipe.file is not None:
            if chained and not os.path.lexists(_expand_home(recipe.file, self.env)):
                return None
            return Credentials(username=username, password=self._read_file(entry, recipe.file), source="provider",
                               detail=f"{label}: file {recipe.file}")
        digest = token_digest(entry, recipe, url)
        if digest in self._given:
            return self._given[digest]
        margin = self.margin(entry)
        directory = self._token_dir()
        record = tokencache.read(directory, digest, self.clock(), margin) if directory is not None else None
        what = _what(recipe)
        if record is None and cached_only:
            return None
        if record is None and not self.mint:
            detail = f"{label}: no fresh cached token; {what} when needed"
            if recipe.ttl is not None and recipe.ttl < margin and _end_known(entry, recipe, None):
                detail += f"; {_short_lived(recipe.ttl, margin)}"
            return Credentials(username=username, password="", source="provider", detail=detail)
        if record is None:
            record = self._refresh(entry, recipe, url, directory, digest, margin, chained)
            if record is None:
                self._given[digest] = None
                return None
            detail = f"{label}: {_minted(recipe)}"
        else:
            detail = f"{label}: cached token"
        if record.get("fresh_until"):
            detail += f", fresh until {_when(float(record['fresh_until']))}"
        left = record["expires"] - self.clock() if record.get("expires") is not None else None
        if left is not None and left < margin and record.get("end_known", True):
            detail += f"; {_short_lived(left, margin)}"
        # A memoized plan reads the token again from its file: only where this very record was cached.
        cached = bool(record.get("fresh_until")) and record.get("cached", True) and directory is not None
        scheme = record.get("scheme") or "basic"  # a record without one is an older uvauth's: Basic
        if scheme == "bearer":
            detail += ", a Bearer token"
        credentials = Credentials(username=record.get("username") or "", password=record["password"],
                                  source="provider", detail=detail,
                                  cache_file=str(tokencache.path(directory, digest)) if cached else None,
                                  fresh_until=float(record["fresh_until"]) if record.get("fresh_until") else None,
                                  scheme=scheme)
        self._given[digest] = credentials
        return credentials

    def _token_dir(self) -> Any:
        """The token cache, or None when it cannot be used (tokens are then minted for this command only)."""
        try:
            return tokencache.token_dir(self.env)
        except UvauthError as error:
            self._warn(f"{error.message}; tokens are minted for this command only")
            return None

    def _refresh(self, entry: Entry, recipe: presets.Recipe, url: str, directory: Any, digest: str,
                 margin: float, chained: bool) -> dict[str, Any] | None:
        if directory is None:
            return self._mint(entry, recipe, url, None, digest, margin, chained)
        with tokencache.locked(directory, digest) as lock:
            if lock.problem is not None:
                self._warn(f"credentials entry {entry.name}: {lock.problem}; refreshing its token without the lock")
            # Another uvauth may have refreshed it while this one waited for the lock.
            record = tokencache.read(directory, digest, self.clock(), margin)
            if record is None:
                record = self._mint(entry, recipe, url, directory, digest, margin, chained)
        return record

    def _mint(self, entry: Entry, recipe: presets.Recipe, url: str, directory: Any, digest: str,
              margin: float, chained: bool) -> dict[str, Any] | None:
        started = self.clock()
        minted = self._ask(entry, recipe, url, chained)
        if minted is None:
            return None
        if minted.expires is not None and minted.expires <= started:
            # uv would send it and get a 401 (the "no versions of X" of uv #11899): say so instead.
            raise UvauthError(f"credentials entry {entry.name}: the {_giver(recipe)}'s token expired at "
                              f"{_when(minted.expires)}", hint="check the machine's clock, or the command's own login")
        expires = minted.expires if minted.expires is not None else (
            started + recipe.ttl if recipe.ttl is not None else None)
        username = entry.username if entry.username is not None else (minted.username or recipe.username or "")
        if minted.scheme == "bearer":
            username = ""  # a Bearer token goes alone: uv's store refuses a username beside it (store.rs)
        record: dict[str, Any] = {"entry": entry.name, "username": username, "password": minted.password,
                                  "minted": started, "expires": expires, "fresh_until": None,
                                  "end_known": _end_known(entry, recipe, minted.expires), "scheme": minted.scheme}
        if expires is not None and tokencache.fresh_until(started, expires, margin) > started:
            record["fresh_until"] = tokencache.fresh_until(started, expires, margin)
            if directory is not None:
                try:
                    tokencache.write(directory, digest, record)
                except UvauthError as error:
                    # The token is in hand: a full disk or a read-only cache costs a mint next time, not this
                    # command (plain uv would have run).
                    self._warn(f"credentials entry {entry.name}: {error.message}; its token is used for this "
                               "command only")
                else:
                    return record
        return {**record, "cached": False}

    def _ask(self, entry: Entry, recipe: presets.Recipe, url: str, chained: bool) -> Any:
        """The token from where the recipe says (:mod:`uvauth.providers.run`, :mod:`uvauth.providers.ask`); in
        a chain, a command that succeeds and prints nothing has nothing for this URL."""
        if recipe.command is not None:
            from uvauth.providers.run import run_command

            return run_command(recipe.command, entry=entry.name, timeout=entry.timeout, env=self.env,
                               nothing_is_none=chained)
        from uvauth.providers import ask

        if recipe.keyring:
            return ask.ask_keyring(url, entry.username, entry=entry.name, timeout=entry.timeout)
        if recipe.helper is not None:
            return ask.ask_helper(recipe.helper, url, entry=entry.name, timeout=entry.timeout, env=self.env)
        assert recipe.git_credential is not None  # entries are validated to have exactly one way
        return ask.ask_git(recipe.git_credential, url, entry.username, entry=entry.name, timeout=entry.timeout,
                           env=self.env)

    def _read_file(self, entry: Entry, path: str) -> str:
        full = _expand_home(path, self.env)
        try:
            mode = os.stat(full).st_mode
            with open(full, encoding="utf-8") as handle:
                value = handle.read().strip()
        except OSError as error:
            raise UvauthError(f"credentials entry {entry.name}: cannot read {path}: {error.strerror or error}",
                              where=entry.source) from None
        except UnicodeDecodeError:
            raise UvauthError(f"credentials entry {entry.name}: {path} is not UTF-8 text", where=entry.source) \
                from None
        if mode & 0o077:
            self._warn(f"credentials entry {entry.name}: {path} can be read by other users "
                       f"(mode {mode & 0o777:o}); chmod 600 it")
        if not value:
            raise UvauthError(f"credentials entry {entry.name}: {path} is empty", where=entry.source)
        if "\0" in value:  # uv gets it in an environment variable, which cannot hold a NUL byte
            raise UvauthError(f"credentials entry {entry.name}: {path} holds a NUL byte", where=entry.source,
                              hint="a password file holds the token as text, alone")
        return value


def token_digest(entry: Entry, recipe: presets.Recipe, url: str) -> str:
    """The token cache's key: the entry's identity and the exact command it runs, or, for a keyring, helper or
    git (which answer per URL), what it asks and the index URL it asks for."""
    if recipe.command is not None:
        return tokencache.key(entry.identity(), list(recipe.command))
    from uvauth.uv.urls import without_userinfo

    return tokencache.key(entry.identity(), [_what(recipe), without_userinfo(url)])


def _end_known(entry: Entry, recipe: presets.Recipe, expires: float | None) -> bool:
    """Is the token's end known (its own ``expires``, or a ``ttl`` the entry or its preset gives), rather than
    only how long uvauth reuses a keyring's or helper's answer (:data:`uvauth.providers.presets.ASKED_TTL`)?"""
    return expires is not None or not (recipe.asks() and entry.ttl is None)


def _what(recipe: presets.Recipe) -> str:
    """What getting the token does, for explain: ``runs `aws```, ``asks the keyring``…"""
    if recipe.command is not None:
        return f"runs `{recipe.command[0]}`"
    if recipe.keyring:
        return "asks the keyring"
    if recipe.helper is not None:
        return f"asks helper `{recipe.helper[0]}`"
    return "asks `git credential fill`"


def _minted(recipe: presets.Recipe) -> str:
    if recipe.command is not None:
        return f"minted by `{recipe.command[0]}`"
    return f"from the {_giver(recipe)}"


def _giver(recipe: presets.Recipe) -> str:
    if recipe.command is not None:
        return "command"
    if recipe.keyring:
        return "keyring"
    return "helper" if recipe.helper is not None else "git credential helper"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _short_lived(left: float, margin: float) -> str:
    """The warning explain shows when uv may outlive its token: uv reads credentials once per process."""
    return (f"it lives {_duration(left)} more, less than the {_duration(margin)} refresh margin: uv cannot "
            "refresh it during a longer command")


def _expand_home(path: str, env: Mapping[str, str]) -> str:
    """``~`` and ``~/…`` as the home directory of ``env`` (:func:`uvauth.uv.dirs.home_dir`: ``HOME``, read
    through the environment planning records), not the process's; ``~user`` as ``os.path.expanduser`` does."""
    if path != "~" and not path.startswith(("~/", "~" + os.sep)):
        return os.path.expanduser(path)
    from uvauth.uv import dirs

    home = dirs.home_dir(env)
    return path if home is None else home + path[1:]
