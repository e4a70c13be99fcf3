"""Render uv's configuration files merged into one ``uv.toml``, as uv's ``Combine`` rules merge them.

:func:`render_merged` combines the files :func:`.discover.discover` found with uv's ``Combine`` rules
(``crates/uv-settings/src/combine.rs``), so that uv run with ``UV_CONFIG_FILE=<rendered file>`` resolves the same
settings as uv run with discovery. ``tomlkit`` is imported only when a file is rendered, because uvauth runs
before every uv call and has to start fast.

Known differences between discovery and the rendered file (uv's ``--show-settings`` shows them; see the tests):

* ``Index.origin``: uv tags indexes from discovered files as ``Project``/``User``/``System``, and indexes from
  ``UV_CONFIG_FILE`` as ``None``. uv uses the origin only to word one hint (an index named in ``tool.uv.sources``
  that is defined in a ``uv.toml``).
* Relative local index / find-links paths are rewritten relative to the directory of the rendered file
  (``dest_dir``). They resolve to the same directories, and ``uv.lock`` records the same relative paths, but the
  verbatim text uv keeps (``given``) changes, and that text is what
  ``uv pip compile --emit-index-url/--emit-find-links`` prints.
* ``environments``, ``required-environments`` and ``minimum-libc-version`` of a project-level ``pyproject.toml``
  are read through the settings by ``uv pip compile``, but a ``uv.toml`` cannot carry them: see
  :func:`render_losses`. (Project commands read them, and the other pyproject-only keys, from the workspace's
  ``pyproject.toml`` directly, so they are unaffected.)
* Newer uv (after 0.13.8) also loads the current workspace member's ``[[tool.uv.index]]`` for ``--index NAME``
  look-ups, but only when it discovers configuration itself (``package_indexes`` in ``crates/uv/src/lib.rs``).
  uv 0.13.8 does not do this either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from uvauth.uv import urls
from uvauth.uv.config.discover import PYPROJECT_ONLY_KEYS, SLOTS, ConfigFile, UvConfig

# Pyproject-only keys that uv nevertheless reads through the *settings* (`uv pip compile` shows them in
# `--show-settings` from a project-level `[tool.uv]`). A rendered `uv.toml` cannot carry them.
LOST_IN_RENDER_KEYS: frozenset[str] = frozenset(
    {"environments", "required-environments", "minimum-libc-version"}
)

# Combine rules that differ from the generic ones (lists concatenated, higher precedence first; everything else
# first-wins). crates/uv-settings/src/combine.rs and the types it names.
# `Option<PipOptions>` / `Option<AuditOptions>`: combined field by field.
_RECURSIVE_SECTIONS = frozenset({"pip", "audit"})
_ATOMIC_LISTS = frozenset(
    {
        # `PreviewOption` is `impl_combine_or!`: the first file's list wins (checked on 0.13.8).
        "preview-features",
        # `SupportedEnvironments` / `SchemaConflicts` / `IgnoredAny`: first wins (pyproject-only, never rendered).
        "environments",
        "required-environments",
        "conflicts",
        "dev-dependencies",
        "default-groups",
    }
)
_CONFIG_SETTINGS = frozenset({"config-settings"})  # `ConfigSettings::merge`
_PACKAGE_CONFIG_SETTINGS = frozenset({"config-settings-package"})  # `PackageConfigSettings::merge`
_MAP_OF_LISTS = frozenset({"extra-build-dependencies"})  # per key: lists concatenated
_MAP_OF_MAPS = frozenset({"extra-build-variables"})  # per key: inner map, first wins per inner key
_MAP_FIRST_WINS = frozenset({"exclude-newer-package", "prerelease-package"})  # per key: first wins

def render_merged(
    config: UvConfig,
    *,
    extra_indexes: Sequence[Mapping[str, Any]] = (),
    authenticate: Mapping[str, str] = {},
    dest_dir: Path | None = None,
) -> str:
    """A `uv.toml` that makes uv (via ``UV_CONFIG_FILE``) behave as with its own discovery of ``config``.

    The files are combined key by key with uv's `Combine` rules, highest precedence first; pyproject-only keys
    are dropped (uv would reject them in a `uv.toml`). ``extra_indexes`` are appended after the configured
    top-level indexes. ``authenticate`` maps index names to a policy that is set on every configured top-level
    index of that name (names not configured are ignored).

    Relative index / find-links paths are rebased (:func:`_rebase_section`), since uv resolves them against the
    directory of the file they are written in. Pass ``dest_dir``, the directory the rendered file will be
    written to: the paths then stay *relative* (now to ``dest_dir``), which matters because uv records a local
    registry written as a relative path relative to the workspace root in ``uv.lock``, but an absolute one
    verbatim, so absolute paths would make ``uv lock --locked`` fail on an existing lockfile. Without
    ``dest_dir`` they are made absolute.
    """
    import tomlkit  # lazy on purpose: see the module docstring

    merged: dict[str, Any] = {}
    dest = os.path.abspath(dest_dir) if dest_dir is not None else None
    for file in config.files:
        merged = _combine_tables(merged, _prepared_options(file, dest), top_level=True)
    if authenticate:
        for entry in merged.get("index", ()):
            if isinstance(entry, dict) and entry.get("name") in authenticate:
                entry["authenticate"] = authenticate[entry["name"]]
    for entry in merged.get("index", ()):
        # No secret is written to a file: a named index's credentials travel as UV_INDEX_<NAME>_USERNAME/PASSWORD,
        # which uv applies to that index as it applies the URL's own (see the planner).
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("url"), str):
            entry["url"] = urls.without_userinfo(entry["url"])
    # An unnamed URL's password is taken out too: the planner hands it to uv for an explicit named index of the
    # same URL (see unnamed_url_credentials), whose credentials uv caches for that URL before the first request.
    _strip_unnamed_passwords(merged)
    pip = merged.get("pip")
    if isinstance(pip, dict):
        _strip_unnamed_passwords(pip)
    if extra_indexes:
        merged["index"] = [*merged.get("index", []), *(dict(entry) for entry in extra_indexes)]

    doc = tomlkit.document()
    doc.add(
        tomlkit.comment("Generated by uvauth: uv's merged configuration, passed to uv as UV_CONFIG_FILE.")
    )
    if config.files:
        doc.add(tomlkit.comment("Merged from (highest precedence first):"))
        for file in config.files:
            doc.add(tomlkit.comment(f"  {file.level}: {file.path}"))
    else:
        doc.add(tomlkit.comment("No configuration file was found."))
    doc.add(tomlkit.nl())
    _fill_table(doc, merged, tomlkit)
    return tomlkit.dumps(doc)


class GeneratedConfig(NamedTuple):
    """A ``uv.toml`` to generate: the inputs of :func:`render_merged`, and a fingerprint of them.

    Rendering imports tomlkit, which is slow to import, and uvauth runs before every uv call: its cache names the
    generated file by a digest of :attr:`fingerprint` and renders only when no file of that name exists yet.
    """

    config: UvConfig
    extra_indexes: tuple[Mapping[str, Any], ...]
    authenticate: Mapping[str, str]
    dest_dir: str | None  # the directory the file is written to (see render_merged)

    @property
    def fingerprint(self) -> str:
        """Everything the rendered text depends on, as exact text (equal fingerprints, equal files)."""
        inputs = (  # with uvauth's code, which renders them (uvauth.cache.generated_config_key)
            [(file.level, str(file.path), os.path.abspath(file.path), file.options) for file in self.config.files],
            self.extra_indexes,
            self.authenticate,
            os.path.abspath(self.dest_dir) if self.dest_dir is not None else None,
        )
        # repr() of TOML data (dicts, lists, strings, numbers, booleans, dates and times) is exact, tells the types
        # apart and keeps the key order, which the rendered text follows; a JSON dump has no dates.
        return repr(inputs)

    def render(self) -> str:
        """The file's text (imports tomlkit)."""
        return render_merged(
            self.config,
            extra_indexes=self.extra_indexes,
            authenticate=self.authenticate,
            dest_dir=Path(self.dest_dir) if self.dest_dir is not None else None,
        )


def render_losses(config: UvConfig) -> tuple[str, ...]:
    """Settings that :func:`render_merged` cannot pass on, as ``"path: key"``, most important first.

    These are the `LOST_IN_RENDER_KEYS` of a ``pyproject.toml`` in ``config``. uv rejects them in a `uv.toml`,
    yet ``uv pip compile`` takes them from the discovered project configuration; when this is not empty, a
    caller should not replace discovery with ``UV_CONFIG_FILE`` for pip commands.
    """
    return tuple(
        f"{file.path}: {key}"
        for file in config.files
        if file.is_pyproject
        for key in file.options
        if key in LOST_IN_RENDER_KEYS
    )


_UNNAMED_URL_KEYS = ("index-url", "extra-index-url", "find-links")


def _has_password(value: object) -> bool:
    return isinstance(value, str) and "@" in value and urls.is_url(value) and urls.userinfo(value)[1] is not None


def _unnamed_url_slots(section: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(container, key) of every unnamed index URL in a section: ``index-url``, ``extra-index-url[]``,
    ``find-links[]`` and the ``url`` of an ``[[index]]`` without a name."""
    slots: list[tuple[Any, Any]] = []
    for key in _UNNAMED_URL_KEYS:
        value = section.get(key)
        if isinstance(value, str):
            slots.append((section, key))
        elif isinstance(value, list):
            slots += [(value, i) for i in range(len(value))]
    indexes = section.get("index")
    if isinstance(indexes, list):
        slots += [(entry, "url") for entry in indexes
                  if isinstance(entry, dict) and not isinstance(entry.get("name"), str)]
    return slots


def _strip_unnamed_passwords(section: dict[str, Any]) -> None:
    for container, key in _unnamed_url_slots(section):
        if _has_password(container[key]):
            container[key] = urls.without_userinfo(container[key])


def unnamed_url_credentials(config: UvConfig) -> tuple[tuple[str, str, str | None], ...]:
    """Each unnamed index URL of ``config``, merged as uv merges it (top level and ``[pip]``), that holds a
    password: ``(URL without userinfo, username, password)``, in order, each URL once.

    The renderer leaves those passwords out of the file it writes; uv would have sent them with every request
    to that URL, so the planner hands them over for an explicit named index of the same URL instead."""
    merged: dict[str, Any] = {}
    for file in config.files:
        merged = _combine_tables(merged, _prepared_options(file, None), top_level=True)
    sections = [merged]
    if isinstance(merged.get("pip"), dict):
        sections.append(merged["pip"])
    found: dict[str, tuple[str, str, str | None]] = {}
    for section in sections:
        for container, key in _unnamed_url_slots(section):
            value = container[key]
            if _has_password(value):
                username, password = urls.userinfo(value)
                stripped = urls.without_userinfo(value)
                found.setdefault(stripped, (stripped, username or "", password))
    return tuple(found.values())


def _prepared_options(file: ConfigFile, dest: str | None) -> dict[str, Any]:
    import copy

    options = {k: copy.deepcopy(v) for k, v in file.options.items() if k not in PYPROJECT_ONLY_KEYS}
    # uv: `std::path::absolute(path).parent()` -- lexical, symlinks are not resolved.
    base = os.path.dirname(os.path.abspath(file.path))
    _rebase_section(options, base, dest)
    pip = options.get("pip")
    if isinstance(pip, dict):
        _rebase_section(pip, base, dest)
    return options


def _rebase_section(section: dict[str, Any], base: str, dest: str | None) -> None:
    """Rebase the values uv resolves against the directory of the file they come from (``Options::relative_to``,
    ``ResolverInstallerSchema::relative_to``, ``PipOptions::relative_to`` in crates/uv-settings/src/settings.rs),
    at the top level and in ``[pip]``: ``index[].url``, ``index-url``, ``extra-index-url[]``, ``find-links[]``.
    Only *paths* (no URL scheme) are rebased. uv leaves every other path-like setting (``cache-dir``,
    ``check-url``, ``[pip] target``/``prefix``/``output-file``, ...) relative to the working directory, so it is
    copied unchanged."""
    indexes = section.get("index")
    if isinstance(indexes, list):
        for entry in indexes:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                entry["url"] = _rebase(entry["url"], base, dest)
    if isinstance(section.get("index-url"), str):
        section["index-url"] = _rebase(section["index-url"], base, dest)
    for key in ("extra-index-url", "find-links"):
        values = section.get(key)
        if isinstance(values, list):
            section[key] = [_rebase(v, base, dest) if isinstance(v, str) else v for v in values]


def _rebase(value: str, base: str, dest: str | None) -> str:
    """Re-express a relative *path* written in a file in ``base`` for a file in ``dest`` (absolute if None).

    uv parses these with `IndexUrl::parse(given, Some(dir of the file))`: a value with a URL scheme it knows is a
    URL, anything else a path; relative paths are joined to the directory and normalised lexically.
    """
    if urls.is_url(value):
        return value  # a URL: uv does not rebase it (`s3://…`, `HTTPS://…` are paths, checked on 0.13.8)
    if not value or os.path.isabs(value):
        return value
    if dest is not None and os.path.normpath(dest) == os.path.normpath(base):
        return value  # same directory: keep the text exactly as written
    target = os.path.normpath(os.path.join(base, value))
    if dest is not None:
        target = os.path.relpath(target, dest)
    if value.endswith(("/", os.sep)) and not target.endswith(os.sep):
        target += os.sep
    return target


def _combine_tables(high: Mapping[str, Any], low: Mapping[str, Any], *, top_level: bool) -> dict[str, Any]:
    out = dict(high)
    taken = {key for slot in SLOTS if top_level and slot & out.keys() for key in slot}
    for key, value in low.items():
        if key in taken and key not in out:
            continue  # the slot is already set by a higher-precedence file
        if key not in out:
            out[key] = value
        else:
            out[key] = _combine_value(key, out[key], value, top_level=top_level)
    return out


def _combine_value(key: str, high: Any, low: Any, *, top_level: bool) -> Any:
    both_tables = isinstance(high, dict) and isinstance(low, dict)
    if top_level and key in _RECURSIVE_SECTIONS and both_tables:
        return _combine_tables(high, low, top_level=False)
    if key in _CONFIG_SETTINGS and both_tables:
        return _merge_config_settings(high, low)
    if key in _PACKAGE_CONFIG_SETTINGS and both_tables:
        return _merge_per_package(high, low, dict, _merge_config_settings)
    if key in _MAP_OF_LISTS and both_tables:
        return _merge_per_package(high, low, list, lambda higher, lower: [*higher, *lower])
    if key in _MAP_OF_MAPS and both_tables:
        return _merge_per_package(high, low, dict, lambda higher, lower: {**lower, **higher})
    if key in _MAP_FIRST_WINS and both_tables:
        return {**low, **high}
    if key not in _ATOMIC_LISTS and isinstance(high, list) and isinstance(low, list):
        return [*high, *low]
    return high


def _merge_per_package(
    high: Mapping[str, Any], low: Mapping[str, Any], kind: type, merge: Callable[[Any, Any], Any]
) -> dict[str, Any]:
    """Per-package tables: a package only the lower level names is taken as is; one both name keeps the higher
    level's value, merged with the lower's by ``merge`` where both are of ``kind``."""
    out = dict(high)
    for package, value in low.items():
        if package not in out:
            out[package] = value
        elif isinstance(out[package], kind) and isinstance(value, kind):
            out[package] = merge(out[package], value)
    return out


def _merge_config_settings(high: Mapping[str, Any], low: Mapping[str, Any]) -> dict[str, Any]:
    # `ConfigSettings::merge`: a key set on both sides becomes a list, higher precedence first.
    out = dict(high)
    for key, value in low.items():
        if key not in out:
            out[key] = value
            continue
        existing = out[key]
        first = existing if isinstance(existing, list) else [existing]
        second = value if isinstance(value, list) else [value]
        out[key] = [*first, *second]
    return out


def _fill_table(container: Any, data: Mapping[str, Any], tomlkit: Any) -> None:
    # Plain values first, then sub-tables and arrays of tables, so the output reads like a hand-written uv.toml.
    deferred = []
    for key, value in data.items():
        if isinstance(value, dict) or (
            value and isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            deferred.append((key, value))
        else:
            container.add(key, _to_item(value, tomlkit))
    for key, value in deferred:
        if isinstance(value, dict):
            table = tomlkit.table()
            _fill_table(table, value, tomlkit)
            container.add(key, table)
        else:
            aot = tomlkit.aot()
            for entry in value:
                table = tomlkit.table()
                for k, v in entry.items():
                    table.add(k, _to_item(v, tomlkit))
                aot.append(table)
            container.add(key, aot)


def _to_item(value: Any, tomlkit: Any) -> Any:
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        for k, v in value.items():
            table.append(k, _to_item(v, tomlkit))
        return table
    if isinstance(value, list):
        array = tomlkit.array()
        for v in value:
            array.append(_to_item(v, tomlkit))
        return array
    return tomlkit.item(value)
