"""Index mentions with their provenance, and the index list uv builds from them.

A *mention* is one place an index URL (or a by-name reference) reaches uv: a command-line flag, an environment
variable, a line of a requirements file or an ``[[index]]`` table. :func:`uv_indexes` assembles the mentions into
the list uv itself builds (``IndexLocations``), in uv's order and with uv's roles, so that the planner can compare
the list before and after a change and keep the invariant: same indexes, same order, same roles.

The order rules (``PipSettings::combine`` in ``crates/uv/src/settings.rs``, ``From<IndexOptions> for IndexLocations``
in ``crates/uv-settings/src/settings.rs``; ``docs/uv-rules.md``, "Index list and order"), highest priority first:

* ``uv pip …``: CLI ``--default-index``, CLI ``--index``, CLI ``--extra-index-url``, CLI ``--index-url``, config
  ``[[pip.index]]`` then ``[[index]]``, config ``extra-index-url``, config ``index-url``, then requirements-file
  ``--extra-index-url`` and ``--index-url``. Flat indexes: CLI ``--find-links``, config, requirements files.
* everything else: CLI ``--default-index`` and ``--index``, config ``[[index]]``, CLI then config
  ``extra-index-url``, and one ``index-url`` (CLI, else config).

Each environment variable stands in for its flag only when the flag is absent (clap's rule) and the subcommand
takes that flag.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from uvauth.uv.urls import index_key, is_url, path_to_url
from uvauth.uv import envvars

# On the path of every reconciled uv call: names needed only for annotations are imported for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Final, Literal

    from uvauth.uv.requirements import RequirementsIndexes, RequirementsIndexOption
    from uvauth.uv.cmdline import Option, UvCommandLine
    from uvauth.uv.config.discover import ConfiguredIndex, UvConfig

    from uvauth.uv.envvars import IndexFlag as Flag, SplitRule
    Source = Literal["cli", "env", "requirements", "config", "uvauth"]

PYPI: Final = "https://pypi.org/simple"

INDEX_FLAGS: Final = tuple(envvars.INDEX_ENV_VARS)

_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class IndexMention(NamedTuple):
    """One index as it reached uv through the command line or the environment."""

    flag: Flag
    source: Source
    where: str  # the flag as spelled ("-i", "--index-url=…" → "--index-url") or the variable name
    text: str  # the value as given: what uv writes verbatim with --emit-index-url
    url: str | None  # absolute URL for matching (file:// for a local path); None for a reference by name
    name: str | None  # `name=URL`'s name, or the name referenced
    option: Option | None = None  # the argv tokens, for command-line mentions


class Entry(NamedTuple):
    """One entry of uv's index list, with everything the planner and ``explain`` need about it."""

    text: str
    key: str
    name: str | None
    default: bool
    explicit: bool
    flat: bool
    authenticate: str | None  # as configured; None means uv's default (auto)
    source: Source
    where: str
    configured: ConfiguredIndex | None = None  # the [[index]] it is, or that a by-name reference cloned
    mention: IndexMention | None = None


def split_env(value: str, how: SplitRule) -> list[str]:
    """An index variable's values as clap sees them; an empty value means "unset" (uv's ``Maybe::None``)."""
    if how is None:
        return [value] if value else []
    if how == "whitespace":
        return value.split()
    return [part for part in value.split(how) if part]


def offline(cmdline: UvCommandLine, env: Mapping[str, str], config: UvConfig | None) -> bool:
    """Does uv run offline: ``--no-offline`` wins, then ``--offline``, ``UV_OFFLINE``, ``offline = true`` in the
    configuration."""
    if cmdline.has("--no-offline"):
        return False
    if cmdline.has("--offline") or envvars.truthy(env.get(envvars.UV_OFFLINE)):
        return True
    return bool(config is not None and config.value("offline", None) is True)


def keyring_provider(cmdline: UvCommandLine, env: Mapping[str, str], config: UvConfig | None) -> str | None:
    """uv's keyring provider for a command: ``--keyring-provider``, else ``UV_KEYRING_PROVIDER``, else the
    configuration's ``keyring-provider`` (for ``uv pip`` commands the ``[pip]`` section's first)."""
    value = cmdline.last("--keyring-provider") or env.get(envvars.UV_KEYRING_PROVIDER)
    if not value and config is not None:
        pip = cmdline.command[:1] == ("pip",)
        value = (config.value("keyring-provider", "pip") if pip else None) or config.value("keyring-provider")
    return str(value) if value else None


def looks_like_name(text: str) -> bool:
    """Could uv read this ``--index`` value as an index name (``[A-Za-z0-9-_.]`` only)?"""
    return bool(_INDEX_NAME.match(text)) and not is_url(text)


def _url_of(text: str, cwd: str) -> str:
    return text if is_url(text) else path_to_url(text, cwd)  # no `~` expansion: uv does none


def parse_index_value(
    flag: Flag, text: str, cwd: str, configured_names: frozenset[str]
) -> tuple[str | None, str | None]:
    """(url, name) of an index flag's value, as ``Index::from_str`` and index-by-name read it.

    ``--index`` and ``--default-index`` take a URL, a path, ``name=URL`` or (uv ≥ 0.12.5) the name of a configured
    index; the other flags take a URL or a path only.
    """
    if flag in ("--index", "--default-index"):
        head, eq, rest = text.partition("=")
        if eq and rest and _INDEX_NAME.match(head):
            return _url_of(rest, cwd), head
        if not is_url(text) and text in configured_names:
            return None, text
    return _url_of(text, cwd), None


def command_line_mentions(
    cmdline: UvCommandLine, env: Mapping[str, str], cwd: str, configured_names: frozenset[str]
) -> tuple[IndexMention, ...]:
    """Every index mention on the command line, or in an environment variable standing in for an absent flag."""
    mentions: list[IndexMention] = []
    for flag in INDEX_FLAGS:
        if not cmdline.takes(flag):
            continue
        var, how = envvars.INDEX_ENV_VARS[flag]
        given = [o for o in cmdline.options if o.name == flag]
        if given:
            for option in given:
                # One value may hold several indexes, split as uv splits the variable ("" means "unset").
                for value in split_env(option.value or "", how):
                    url, name = parse_index_value(flag, value, cwd, configured_names)
                    mentions.append(IndexMention(flag=flag, source="cli", where=option.spelling, text=value,
                                                 url=url, name=name, option=option))
            continue
        for value in split_env(env.get(var, ""), how):
            url, name = parse_index_value(flag, value, cwd, configured_names)
            mentions.append(IndexMention(flag=flag, source="env", where=var, text=value, url=url, name=name))
    return tuple(mentions)


def entry_from_config(index: ConfiguredIndex, cwd: str) -> Entry:
    # uv resolves a relative path against the directory of the file it is written in.
    base = os.path.dirname(index.path) if index.path is not None else cwd
    return Entry(
        text=index.url,
        key=index_key(_url_of(index.url, base)),
        name=index.name,
        default=index.default,
        explicit=index.explicit,
        flat=index.flat,
        authenticate=index.authenticate,
        source="config",
        where=index.where,
        configured=index,
    )


def _entry_from_mention(mention: IndexMention, named: Mapping[str, ConfiguredIndex], cwd: str) -> Entry:
    default = mention.flag in ("--default-index", "--index-url")
    if mention.url is None and mention.name is not None:
        configured = named.get(mention.name)
        if configured is not None:
            # index-by-name clones the configured index; `explicit` is cleared, `default` follows the flag.
            return entry_from_config(configured, cwd)._replace(
                default=default,
                explicit=False,
                flat=False,
                source=mention.source,
                where=mention.where,
                mention=mention,
            )
    url = mention.url or _url_of(mention.text, cwd)
    # uv keeps (and emits) the URL part of `name=URL` as given.
    text = mention.text.split("=", 1)[1] if mention.name is not None and mention.url is not None else mention.text
    return Entry(
        text=text,
        key=index_key(url),
        name=mention.name,
        default=default,
        explicit=False,
        flat=mention.flag == "--find-links",
        authenticate=None,
        source=mention.source,
        where=mention.where,
        mention=mention,
    )


def _config_strings(config: UvConfig | None, key: str, pip: bool, cwd: str) -> list[Entry]:
    """Config ``index-url``/``extra-index-url``/``find-links`` keys: unnamed, policy auto."""
    if config is None:
        return []
    if key == "index-url":
        raw = (config.value(key, "pip") if pip else None) or config.value(key)
        values = [raw] if raw else []
    else:
        values = (config.values(key, "pip") if pip else []) + config.values(key)
    return [
        Entry(text=str(v), key=index_key(_url_of(str(v), cwd)), name=None, default=key == "index-url",
              explicit=False, flat=key == "find-links", authenticate=None, source="config", where=key)
        for v in values
    ]


def uv_indexes(
    mentions: Sequence[IndexMention],
    config: UvConfig | None,
    requirements: RequirementsIndexes | None,
    *,
    pip: bool,
    cwd: str,
    synthesized: Sequence[ConfiguredIndex] = (),
) -> list[Entry]:
    """uv's ``IndexLocations`` for a command, in uv's order (see the module docstring). Flat entries included.

    ``synthesized`` are ``[[index]]`` tables uvauth adds after the configured ones (in a generated config).
    """
    # Names resolve to the first (winning) index of that name, as uv's index-by-name look-up does.
    named: dict[str, ConfiguredIndex] = {}
    for index in (*(config.indexes if config else ()), *synthesized):
        if index.name and index.name not in named:
            named[index.name] = index
    by_flag = {flag: [_entry_from_mention(m, named, cwd) for m in mentions if m.flag == flag] for flag in INDEX_FLAGS}
    configured = [entry_from_config(i, cwd) for i in (config.indexes if config else ())]
    configured += [entry_from_config(i, cwd)._replace(source="uvauth") for i in synthesized]
    config_extra = _config_strings(config, "extra-index-url", pip, cwd)
    config_index_url = _config_strings(config, "index-url", pip, cwd)
    cli_index_url = by_flag["--index-url"][-1:]

    entries: list[Entry] = by_flag["--default-index"][-1:] + by_flag["--index"]
    if pip:
        entries += by_flag["--extra-index-url"] + cli_index_url + configured + config_extra + config_index_url
    else:
        entries += configured + by_flag["--extra-index-url"] + config_extra + (cli_index_url or config_index_url)

    flat = by_flag["--find-links"] + _config_strings(config, "find-links", pip, cwd)
    if pip and requirements is not None:
        for option in requirements.extra_index_urls:
            entries.append(_entry_from_requirements(option, key=index_key(option.url), default=False, flat=False))
        if requirements.index_url is not None:
            option = requirements.index_url
            entries.append(_entry_from_requirements(option, key=index_key(option.url), default=True, flat=False))
        for option in requirements.find_links:
            flat.append(_entry_from_requirements(option, key=index_key(_url_of(option.url, cwd)), default=False,
                                                 flat=True))
    return entries + flat


def _entry_from_requirements(option: RequirementsIndexOption, *, key: str, default: bool, flat: bool) -> Entry:
    """A requirements file's ``--index-url``/``--extra-index-url``/``--find-links``: unnamed, policy auto."""
    return Entry(text=option.text, key=key, name=None, default=default, explicit=False, flat=flat,
                 authenticate=None, source="requirements", where=option.where)


class Roles(NamedTuple):
    """What uv does with an index list: the facts uvauth must never change (``IndexLocations``' selection helpers in
    ``crates/uv-distribution-types/src/index_url.rs``; ``docs/uv-rules.md``, "De-duplication and roles")."""

    default: Entry | None  # None: PyPI
    implicit: tuple[Entry, ...]  # searched before the default, in this order
    explicit: tuple[Entry, ...]  # used only for packages pinned to them
    flat: tuple[Entry, ...]
    allowed: tuple[Entry, ...]  # what uv's auth middleware knows (first default only, name de-duplicated)

    def resolution(self) -> tuple[object, ...]:
        """What uv will search, in which order: ``fetch_indexes()`` (implicit indexes, then the default, each
        index once), the explicit indexes packages can be pinned to, and the flat indexes — by index identity."""
        fetch: list[str] = []
        for key in [e.key for e in self.implicit] + [self.default.key if self.default else index_key(PYPI)]:
            if key not in fetch:
                fetch.append(key)
        return (
            tuple(fetch),
            tuple(sorted({(e.name or "", e.key) for e in self.explicit})),
            tuple(e.key for e in self.flat),
        )

    def emitted(self, *, with_explicit: bool) -> tuple[object, ...]:
        """The URL text uv writes (``--emit-index-url``, ``# from``, lock sources): verbatim strings."""
        return (
            self.default.text if self.default else PYPI,
            tuple(e.text for e in self.implicit),
            tuple(e.text for e in self.explicit) if with_explicit else (),
            tuple(e.text for e in self.flat),
        )


def roles(entries: Sequence[Entry]) -> Roles:
    """uv's selection helpers over an index list: ``configured_indexes`` (name de-duplication, first wins),
    ``default_index`` (first default), ``implicit_indexes``, ``explicit_indexes`` and ``allowed_indexes``
    (which keeps only the first default)."""
    seen: set[str] = set()
    configured: list[Entry] = []
    for entry in entries:
        if entry.flat:
            continue
        if entry.name is not None:
            if entry.name in seen:
                continue
            seen.add(entry.name)
        configured.append(entry)
    default = next((e for e in configured if e.default), None)
    implicit = tuple(e for e in configured if not e.default and not e.explicit)
    explicit = tuple(e for e in configured if e.explicit and not e.default)
    flat = tuple(e for e in entries if e.flat)
    allowed_names: set[str] = set()
    allowed: list[Entry] = []
    have_default = False
    for entry in list(entries):
        if entry.name is not None:
            if entry.name in allowed_names:
                continue
            allowed_names.add(entry.name)
        if entry.default and not entry.flat:
            if have_default:
                continue
            have_default = True
        allowed.append(entry)
    return Roles(default=default, implicit=implicit, explicit=explicit, flat=flat, allowed=tuple(allowed))
