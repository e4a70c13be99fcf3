"""``[[credentials]]`` entries: what each one says, which index it covers, and how long its token lives.

An entry names *where* a token comes from (an argv to run, a variable, a file, or a preset), never the token:
entries are validated once (:mod:`uvauth.settings.model`) and cached as plain data with the other settings, so
they must never hold a secret. Everything here is pure: no file, no process, no clock.

Coverage rules:

* ``index = "NAME"`` covers the configured index of that name, compared as uv compares names for
  ``UV_INDEX_<NAME>_*`` (letters and digits upper-cased, everything else ``_``), so the environment form
  ``UVAUTH_CREDENTIALS_<NAME>_*`` and the file form agree on what they cover. A name is only a name: a cloned
  project can point ``NAME`` at a server of its own. So the token goes to the index only at a URL the entry is
  bound to (:func:`unbound`): under the entry's ``url``, else a URL the user's own uv configuration (user or
  system ``uv.toml``, ``--config-file``, the command line or the environment) gives that name, else, for an entry
  of the project's own files, the URL its approval was given for (:mod:`uvauth.providers.trust`);
* ``prefix = URL`` (or a list) covers every index URL under it (same realm, path prefix on segment boundaries);
* an ``index`` entry wins over any prefix, and among prefixes the longest wins; on a tie the stronger source
  (the environment, then the project file, then the user's) wins.
"""

from __future__ import annotations

from typing import NamedTuple

from uvauth.errors import UvauthError
from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any, Final

    from uvauth.uv.cmdline import UvCommandLine
    from uvauth.uv.config.discover import UvConfig

#: How long a command gets to print its token before uvauth gives up (``timeout``, seconds).
DEFAULT_TIMEOUT: Final = 60
#: The fields of the environment form, ``UVAUTH_CREDENTIALS_<NAME>_<FIELD>``, and the file key each stands for.
ENV_FIELDS: Final = {
    "PASSWORD_COMMAND": "password-command", "PASSWORD_ENV": "password-env", "PASSWORD_FILE": "password-file",
    "USERNAME": "username", "PROVIDER": "provider", "TTL": "ttl", "TIMEOUT": "timeout", "PREFIX": "prefix",
    "URL": "url", "KEYRING": "keyring", "HELPER": "helper", "GIT_CREDENTIAL": "git-credential",
    "REFRESH_MARGIN": "refresh-margin",
}
#: The keys that say where a token comes from; an entry (or each of its ``sources``) has exactly one, or a
#: ``provider`` (whose command, variable or file the first three may replace).
WAYS: Final = ("password-command", "password-env", "password-file", "keyring", "helper", "git-credential")
#: The keys a ``sources = [...]`` element may have: one way and how its token is used.
SOURCE_KEYS: Final = (*WAYS, "provider", "username", "ttl", "timeout", "refresh-margin")
#: Added after the first entries were cached and approved: absent from an entry's identity while unset, so
#: approvals and cached tokens of the entries written before them stay valid.
_LATER_FIELDS: Final = ("url", "keyring", "helper", "git_credential", "sources", "refresh_margin")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: The longest ``ttl`` or ``timeout`` (a year): beyond it the clock arithmetic and ``select`` overflow, and no
#: token lives that long.
MAX_DURATION: Final = 366 * 86400


class Entry(NamedTuple):
    """One validated ``[[credentials]]`` entry (no secret: commands, variable names and paths only)."""

    name: str  # what `credentials show/forget` call it: `name`, else the index, else the first prefix
    for_index: str | None  # the `index` key
    prefixes: tuple[str, ...]
    url: str | None  # an `index` entry's binding: its index's URL, or a prefix of it (the host's root)
    username: str | None
    password_command: tuple[str, ...] | None
    password_env: str | None
    password_file: str | None
    provider: str | None
    ttl: int | None  # seconds; None: the token is not reused unless the command says when it expires
    timeout: int
    source: str  # the settings source's label (a file, or the environment)
    file: str | None  # the project settings file it came from (needs trust to run a command), else None
    keyring: bool | None = None  # ask the `keyring` library in-process (uvauth.providers.ask)
    helper: tuple[str, ...] | None = None  # a Bazel / EngFlow credential helper's argv (`get` is appended)
    git_credential: str | None = None  # "": `git credential fill` as configured; else that one helper
    sources: tuple[Entry, ...] | None = None  # a chain: each source an entry of its own way; the first answer wins
    refresh_margin: int | None = None  # seconds a cached token must still live when uv starts with it

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Entry:
        """From the cached settings' plain data (the keys :func:`normalize` writes)."""
        command, helper, sources = data.get("password_command"), data.get("helper"), data.get("sources")
        return cls(
            name=data["name"], for_index=data.get("index"), prefixes=tuple(data.get("prefixes") or ()),
            url=data.get("url"),
            username=data.get("username"), password_command=tuple(command) if command is not None else None,
            password_env=data.get("password_env"), password_file=data.get("password_file"),
            provider=data.get("provider"), ttl=data.get("ttl"), timeout=data.get("timeout") or DEFAULT_TIMEOUT,
            source=data.get("source", ""), file=data.get("file"), keyring=data.get("keyring"),
            helper=tuple(helper) if helper is not None else None, git_credential=data.get("git_credential"),
            sources=tuple(cls.from_data(source) for source in sources) if sources is not None else None,
            refresh_margin=data.get("refresh_margin"),
        )

    def to_data(self) -> dict[str, Any]:
        data = self._asdict()
        data["index"] = data.pop("for_index")
        data["prefixes"] = list(self.prefixes)
        data["password_command"] = list(self.password_command) if self.password_command is not None else None
        data["helper"] = list(self.helper) if self.helper is not None else None
        data["sources"] = [source.to_data() for source in self.sources] if self.sources is not None else None
        return data

    def identity(self) -> dict[str, Any]:
        """What makes this entry this entry: everything but where it was read from. Digests (cache file names,
        trust) are taken of it, so a changed command is a new entry."""
        data = self.to_data()
        del data["source"], data["file"]
        for later in _LATER_FIELDS:  # entries written before these existed keep their digests
            if data[later] is None:
                del data[later]
        if "sources" in data:
            for source in data["sources"]:
                del source["source"], source["file"]
        return data

    def chain(self) -> tuple[Entry, ...]:
        """Where the entry's token comes from, in order: its ``sources``, else the entry itself."""
        return self.sources if self.sources is not None else (self,)

    def way(self) -> str:
        """Which key says where this entry's (or this source's) token comes from: one of :data:`WAYS`,
        ``provider``, or ``sources``."""
        if self.sources is not None:
            return "sources"
        for key, value in (("password-command", self.password_command), ("password-env", self.password_env),
                           ("password-file", self.password_file), ("keyring", self.keyring),
                           ("helper", self.helper), ("git-credential", self.git_credential)):
            if value is not None:
                return key
        return "provider"


def index_key(name: str) -> str:
    """An index name as uv turns it into ``UV_INDEX_<NAME>_``: ``my-idx.v2`` and ``MY_IDX_V2`` are one."""
    return "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in name)


def parse_duration(value: object, *, what: str) -> int:
    """Seconds from ``3600``, ``"3600"``, ``"45s"``, ``"30m"``, ``"11h"``, ``"1d"`` or ``"1h30m"``."""
    if isinstance(value, bool):  # ValueError, not TypeError: pydantic turns only the former into its error
        raise ValueError(f"{what} must be a duration such as \"11h\", \"30m\" or 3600 (seconds)")  # noqa: TRY004
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{what} cannot be negative")
        return _at_most_a_year(value, what)
    text = str(value).strip().lower()
    if text.isdigit():
        return _at_most_a_year(int(text), what)
    total, number, seen = 0, "", False
    for char in text:
        if char.isdigit():
            number += char
        elif char in _UNITS and number:
            total += int(number) * _UNITS[char]
            number, seen = "", True
        else:
            break
    else:
        if seen and not number:
            return _at_most_a_year(total, what)
    raise ValueError(f"{what} {value!r} is not a duration such as \"11h\", \"30m\", \"1h30m\" or 3600 (seconds)")


def _at_most_a_year(seconds: int, what: str) -> int:
    if seconds > MAX_DURATION:
        raise ValueError(f"{what} is longer than a year ({MAX_DURATION} seconds)")
    return seconds


def _nul_in(value: object) -> bool:
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):  # a `sources` element
        return any(_nul_in(item) for item in value.values())
    return isinstance(value, list | tuple) and any(_nul_in(item) for item in value)


def normalize(raw: Mapping[str, Any], *, source: str, file: str | None) -> dict[str, Any]:
    """A validated entry's plain data, as cached with the settings (see :class:`Entry`). ``raw`` has the file's
    keys (``password-command``…); the settings model has checked their types."""
    # No process argument, path or environment variable can hold a NUL byte (exec and open refuse it).
    nul = next((key for key, value in raw.items() if _nul_in(value)), None)
    if nul is not None:
        raise ValueError(f"`{nul}` holds a NUL byte")
    index = raw.get("index")
    if index is not None and not index.strip():
        raise ValueError("`index` is empty; give the name of a configured [[index]]")
    prefix = raw.get("prefix")
    prefixes = [prefix] if isinstance(prefix, str) else list(prefix or [])
    if (index is None) == (not prefixes):
        raise ValueError("give exactly one of `index` (a configured index name) or `prefix` (URL prefixes)")
    for url in prefixes:
        if "://" not in url:
            raise ValueError(f"prefix {url!r} is not an absolute URL such as https://host/path")
        if "@" in url.partition("://")[2].partition("/")[0]:
            raise ValueError(f"prefix {url!r} holds credentials; a settings file never does")
    url = raw.get("url")
    if url is not None:
        if index is None:
            raise ValueError("`url` binds an `index` entry to that index's URL; a `prefix` entry is bound by its "
                             "prefixes")
        if "://" not in url:
            raise ValueError(f"url {url!r} is not an absolute URL such as https://host/path")
        if "@" in url.partition("://")[2].partition("/")[0]:
            raise ValueError(f"url {url!r} holds credentials; a settings file never does")
        from uvauth.uv.urls import InvalidUrl, parse

        try:
            parse(url)
        except InvalidUrl as error:  # else every index would be "not under" it, which misleads
            raise ValueError(f"url {url!r}: {error.message}") from None
    entry = Entry(
        name=raw.get("name") or index or prefixes[0], for_index=index, prefixes=tuple(prefixes), url=url,
        username=None, password_command=None, password_env=None, password_file=None, provider=None, ttl=None,
        timeout=DEFAULT_TIMEOUT, source=source, file=file,
    )
    chained = raw.get("sources")
    if chained is None:
        return entry._replace(**_with_default_timeout(_way(raw, what=""))).to_data()
    if any(raw.get(key) is not None for key in (*WAYS, "provider")):
        raise ValueError("an entry with `sources` has its ways there: move its own way into the list")
    if not isinstance(chained, list) or not chained:
        raise ValueError("`sources` is a non-empty list of tables such as { keyring = true }")
    # The entry's username, ttl, timeout and refresh-margin hold for each source that does not set its own.
    shared = _way(raw, what="", way_needed=False)
    chain = []
    for number, element in enumerate(chained, 1):
        what = f"sources[{number}]: "
        if not isinstance(element, dict):
            raise ValueError(f"{what}not a table such as {{ keyring = true }}")
        unknown = sorted(set(element) - set(SOURCE_KEYS))
        if unknown:
            raise ValueError(f"{what}unknown key `{unknown[0]}`; a source has one of {', '.join(WAYS)} or a "
                             "provider, and username, ttl, timeout, refresh-margin")
        own = _way(element, what=what)
        merged = {key: value if value is not None else shared[key] for key, value in own.items()}
        chain.append(entry._replace(**_with_default_timeout(merged)))
    return entry._replace(**_with_default_timeout(shared), sources=tuple(chain)).to_data()


def _with_default_timeout(fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "timeout": fields["timeout"] if fields["timeout"] is not None else DEFAULT_TIMEOUT}


def _way(raw: Mapping[str, Any], *, what: str, way_needed: bool = True) -> dict[str, Any]:
    """The fields of :class:`Entry` that say where a token comes from and how it is used, checked; ``what``
    names the chain element in messages."""
    from uvauth.providers.presets import PRESETS

    ways = [key for key in WAYS if raw.get(key) is not None and raw.get(key) is not False]
    provider = raw.get("provider")
    if provider is not None and provider not in PRESETS:
        raise ValueError(f"{what}unknown provider {provider!r}; use one of {', '.join(PRESETS)}")
    if way_needed and (len(ways) > 1 or (not ways and provider is None)):
        raise ValueError(f"{what}give exactly one of {', '.join(f'`{key}`' for key in WAYS)} (or a `provider`)")
    if provider is not None and ways and ways[0] not in ("password-command", "password-env", "password-file"):
        raise ValueError(f"{what}a `provider` takes its token from its own command; `{ways[0]}` cannot replace it")
    command = raw.get("password-command")
    if command is not None and (not command or not all(isinstance(part, str) and part for part in command)):
        raise ValueError(f"{what}`password-command` is an argv list of non-empty strings, such as [\"aws\", …]")
    helper = raw.get("helper")
    if isinstance(helper, str):
        helper = [helper]
    if helper is not None and (not helper or not all(isinstance(part, str) and part for part in helper)):
        raise ValueError(f"{what}`helper` is a credential helper's argv, such as [\"uv\", \"auth\", \"helper\", "
                         "\"--protocol\", \"bazel\"] (uvauth adds `get`)")
    keyring = raw.get("keyring")
    if keyring is not None and not isinstance(keyring, bool):
        raise ValueError(f"{what}`keyring` is true (ask the keyring library for the index's URL) or false")
    git = raw.get("git-credential")
    if git is True:
        git = ""
    elif git is False:
        git = None
    elif git is not None and (not isinstance(git, str) or not git.strip()):
        raise ValueError(f"{what}`git-credential` is true (git's own helpers) or the name of one helper, such as "
                         "\"store\" or \"osxkeychain\"")
    ttl, timeout, margin = raw.get("ttl"), raw.get("timeout"), raw.get("refresh-margin")
    fields: dict[str, Any] = {
        "username": raw.get("username"), "password_command": tuple(command) if command is not None else None,
        "password_env": raw.get("password-env"), "password_file": raw.get("password-file"), "provider": provider,
        "keyring": True if keyring else None, "helper": tuple(helper) if helper is not None else None,
        "git_credential": git,
        "ttl": parse_duration(ttl, what=f"{what}ttl") if ttl is not None else None,
        "timeout": parse_duration(timeout, what=f"{what}timeout") if timeout is not None else None,
        "refresh_margin": parse_duration(margin, what=f"{what}refresh-margin") if margin is not None else None,
    }
    return fields


def env_entries(env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The environment form: ``UVAUTH_CREDENTIALS_<NAME>_<FIELD>`` (fields: :data:`ENV_FIELDS`), one entry per
    ``<NAME>``, with the file's keys. ``<NAME>`` is the index's name as uv spells it in ``UV_INDEX_<NAME>_*``
    unless a ``PREFIX`` is given (then it only names the entry). ``PASSWORD_COMMAND`` is a shell-words string
    (split with :func:`shlex.split`, never run by a shell); ``PREFIX`` is whitespace-separated."""
    found: dict[str, dict[str, Any]] = {}
    for variable, value in env.items():
        if not variable.startswith(envvars.UVAUTH_CREDENTIALS_PREFIX) or not value:
            continue
        rest = variable[len(envvars.UVAUTH_CREDENTIALS_PREFIX):]
        # The longest field that ends the name: `PASSWORD_COMMAND` rather than `COMMAND`.
        field = next((f for f in sorted(ENV_FIELDS, key=len, reverse=True) if rest.endswith("_" + f)), None)
        name = rest[: -len(field) - 1] if field else ""
        if field is None or not name:
            raise UvauthError("not a credentials variable", where=variable,
                              hint=f"use {envvars.UVAUTH_CREDENTIALS_PREFIX}<INDEX>_<FIELD> with FIELD one of "
                                   f"{', '.join(ENV_FIELDS)}")
        key = ENV_FIELDS[field]
        if key in ("password-command", "helper"):
            import shlex

            try:
                found.setdefault(name, {})[key] = shlex.split(value)
            except ValueError as error:
                raise UvauthError(f"cannot split the command into words: {error}", where=variable,
                                  hint="quote it as a POSIX shell would") from None
        elif key == "keyring":
            found.setdefault(name, {})[key] = envvars.truthy(value)
        elif key == "git-credential":  # 1/true: git's own helpers; else the name of one helper
            found.setdefault(name, {})[key] = True if envvars.truthy(value) else value
        elif key == "prefix":
            found.setdefault(name, {})[key] = value.split()
        else:
            found.setdefault(name, {})[key] = value
    entries = []
    for name, raw in sorted(found.items()):
        raw["name"] = name
        if "prefix" not in raw:
            raw["index"] = name
        entries.append(raw)
    return entries


def covering(entries: Iterable[Entry], url: str, name: str | None) -> Entry | None:
    """The entry that gives credentials for the index ``name`` at ``url`` (see the module's rules)."""
    from uvauth.uv.urls import InvalidUrl, covers

    entries = list(entries)
    if name:
        key = index_key(name)
        for entry in entries:
            if entry.for_index is not None and index_key(entry.for_index) == key:
                return entry
    best: tuple[int, Entry] | None = None
    for entry in entries:
        for prefix in entry.prefixes:
            try:
                if covers(prefix, url) and (best is None or len(prefix.rstrip("/")) > best[0]):
                    best = (len(prefix.rstrip("/")), entry)
            except InvalidUrl:
                continue
    return best[1] if best is not None else None


def covered_names(entries: Sequence[Entry]) -> frozenset[str]:
    """The index names ``index`` entries cover, in uv's variable spelling (compare with :func:`index_key`)."""
    return frozenset(index_key(entry.for_index) for entry in entries if entry.for_index is not None)


def prefixes(entries: Sequence[Entry]) -> tuple[str, ...]:
    return tuple(prefix for entry in entries for prefix in entry.prefixes)


def by_name(entry: Entry, name: str | None) -> bool:
    """Does the entry cover the index ``name`` by its name (rather than by a prefix of its URL)?"""
    return entry.for_index is not None and bool(name) and index_key(entry.for_index) == index_key(name or "")


def own_index_urls(config: UvConfig, cmdline: UvCommandLine, env: Mapping[str, str],
                   cwd: str) -> dict[str, frozenset[str]]:
    """The URLs (as :func:`uvauth.uv.urls.index_key` keys) the user's own configuration gives each index name,
    by uv's variable spelling: every ``[[index]]`` outside the project's files (user and system ``uv.toml``,
    ``--config-file``) and every ``--index NAME=URL`` / ``UV_INDEX`` of the command."""
    from uvauth.uv.indexes import command_line_mentions, entry_from_config
    from uvauth.uv.urls import InvalidUrl
    from uvauth.uv.urls import index_key as url_key

    names = frozenset(index.name for index in config.indexes if index.name)
    found: dict[str, set[str]] = {}
    for index in config.indexes:
        if index.name and index.level != "project":
            try:
                found.setdefault(index_key(index.name), set()).add(entry_from_config(index, cwd).key)
            except InvalidUrl:
                continue  # uv refuses such a URL itself
    for mention in command_line_mentions(cmdline, env, cwd, names):
        if mention.name and mention.url is not None:
            try:
                found.setdefault(index_key(mention.name), set()).add(url_key(mention.url))
            except InvalidUrl:
                continue
    return {name: frozenset(keys) for name, keys in found.items()}


def unbound(entry: Entry, name: str, url: str, own_urls: Mapping[str, frozenset[str]]) -> str | None:
    """Why the entry's token may not go to the index ``name`` it covers by name, at ``url``; None where it may.

    A name is only a name (Maven's MNG-5265): a cloned project can point ``corp`` at its own server, and the
    user's ``corp`` token would follow. The entry is bound to a URL by its ``url`` (a prefix of the index's URL),
    else by the user's own configuration giving that name this URL. A project file's own entry is bound by its
    approval instead (:func:`uvauth.providers.trust.digest` holds the URL), and a prefix entry by its prefixes.
    """
    from uvauth.uv.urls import InvalidUrl, covers, redact
    from uvauth.uv.urls import index_key as url_key

    if entry.for_index is None:
        return None
    try:
        if entry.url is not None:
            if covers(entry.url, url):
                return None
            return f"the index {name} is at {redact(url)}, which is not under the entry's url {entry.url}"
        if entry.file is not None or url_key(url) in own_urls.get(index_key(entry.for_index), frozenset()):
            return None
    except InvalidUrl:
        pass  # not a URL uvauth can compare: the token does not go there
    return (f"it covers the index {name} by name, and the project has that index at {redact(url)}, a URL "
            "neither the entry's `url` nor your own uv configuration gives it")


def index_names(config: UvConfig, cmdline: UvCommandLine, env: Mapping[str, str], cwd: str) -> tuple[str, ...]:
    """The index names uv knows for this command, as written: every named ``[[index]]`` of the configuration it
    reads, then every ``--index NAME=URL`` / ``UV_INDEX`` name of the command (each once)."""
    from uvauth.uv.indexes import command_line_mentions

    names = [index.name for index in config.indexes if index.name]
    names += [mention.name for mention in command_line_mentions(cmdline, env, cwd, frozenset(names))
              if mention.name]
    return tuple(dict.fromkeys(names))


def unknown_indexes(entries: Iterable[Entry], names: Iterable[str]) -> list[str]:
    """The one rule for an ``index`` entry that can cover nothing here: its name, compared as uv compares names
    (:func:`index_key`), is none of ``names`` (:func:`index_names`). One finding per such entry, naming it, where
    it was read and the names there are (a typo such as ``codeartfact`` is seen at once, rather than as an
    ``always`` index without credentials or a 401 later).

    Only entries of the project's files and of the environment: those are written for this project or this job.
    An entry of the user's own ``uvauth.toml`` serves every project that names that index, so a project without
    it is no mistake (``docs/credentials.md``, *Warnings*)."""
    shown = sorted(set(names), key=str.lower)
    keys = {index_key(name) for name in shown}
    there = f"configured: {', '.join(shown)}" if shown else "no index has a name"
    found = []
    for entry in entries:
        if entry.for_index is None or index_key(entry.for_index) in keys:
            continue
        if entry.file is None and entry.source != envvars.ENVIRONMENT_SOURCE:
            continue  # the user's own file
        where = entry.source if entry.file is not None else f"{envvars.UVAUTH_CREDENTIALS_PREFIX}{entry.name}_*"
        which = "" if entry.name == entry.for_index else f"its index {entry.for_index} "
        found.append(f"credentials entry {entry.name} ({where}): {which}names no configured index; {there}")
    return found


def entry_findings(entries: Iterable[Entry], config: UvConfig, cmdline: UvCommandLine, env: Mapping[str, str],
                   cwd: str, *, no_config: bool) -> list[str]:
    """What the planner, ``explain`` and ``doctor`` all warn of in the entries in force for one command
    (:func:`unknown_indexes`), where that can be judged: not for ``uv tool`` / ``uvx`` / ``uv self``, which read
    no project configuration, so a project's index name means nothing to uv there (uv's ``crates/uv/src/lib.rs``:
    "for commands that operate at the user-level, ignore local configuration"; their hint is the ``prefix`` entry,
    :func:`uvauth.seeding.no_credentials`), nor with ``--no-config`` (no configuration read at all)."""
    if cmdline.command[:1] in (("tool",), ("self",)) or no_config:
        return []
    return unknown_indexes(entries, index_names(config, cmdline, env, cwd))
