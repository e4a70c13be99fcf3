"""Discover and load uv's configuration files exactly as uv does, and render them merged into one file.

uvauth sometimes hands uv a generated ``uv.toml`` through ``UV_CONFIG_FILE``. That variable *replaces* uv's own
discovery, so the generated file has to carry everything uv would have read from the project, user and system
levels. This module does both halves:

* :func:`discover` finds the files uv would read (``crates/uv/src/lib.rs``, ``crates/uv-settings/src/lib.rs``,
  ``crates/uv-dirs/src/lib.rs``, ``crates/uv-workspace/src/workspace.rs``; checked against uv 0.13.8).
* :func:`render_merged` combines them with uv's ``Combine`` rules (``crates/uv-settings/src/combine.rs``), so that
  uv run with ``UV_CONFIG_FILE=<rendered file>`` resolves the same settings as uv run with discovery.

Reading uses the stdlib ``tomllib``. ``tomlkit`` is imported only when a file is rendered, because uvauth runs
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
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from uvauth.errors import UvauthError
from uvauth.uv import envvars

Level = Literal["config-file", "project", "user", "system"]

__all__ = [
    "LOST_IN_RENDER_KEYS",
    "PATH_KEYS",
    "PYPROJECT_ONLY_KEYS",
    "ConfigFile",
    "ConfiguredIndex",
    "GeneratedConfig",
    "Level",
    "UvConfig",
    "discover",
    "render_hash",
    "render_losses",
    "render_merged",
]

# Keys that uv accepts in `[tool.uv]` but rejects in a `uv.toml` ("The `sources` field is not allowed in a
# `uv.toml` file"): `validate_uv_toml` in crates/uv-settings/src/lib.rs. Checked one by one against uv 0.13.8,
# which also rejects `minimum-libc-version`. They are dropped when rendering.
PYPROJECT_ONLY_KEYS: frozenset[str] = frozenset(
    {
        "conflicts",
        "workspace",
        "sources",
        "dev-dependencies",
        "default-groups",
        "dependency-groups",
        "managed",
        "package",
        "build-backend",
        "environments",
        "required-environments",
        "minimum-libc-version",
    }
)

# Pyproject-only keys that uv nevertheless reads through the *settings* (`uv pip compile` shows them in
# `--show-settings` from a project-level `[tool.uv]`). A rendered `uv.toml` cannot carry them.
LOST_IN_RENDER_KEYS: frozenset[str] = frozenset(
    {"environments", "required-environments", "minimum-libc-version"}
)

# The values uv resolves against the directory of the file they come from (`Options::relative_to`,
# `ResolverInstallerSchema::relative_to`, `PipOptions::relative_to` in crates/uv-settings/src/settings.rs), at the
# top level and in `[pip]`. Only values that are *paths* (no URL scheme) are rebased. Every other path-like
# setting (`cache-dir`, `check-url`, `[pip] target`/`prefix`/`output-file`, ...) is left relative to the working
# directory by uv, so it is copied unchanged.
PATH_KEYS: tuple[str, ...] = ("index[].url", "index-url", "extra-index-url[]", "find-links[]")

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

# Keys that feed one setting: whichever file sets any of them first wins, and the others are dropped. uv parses
# `preview` and `preview-features` into one `PreviewOption` (`impl_combine_or!`) and rejects a file that sets
# both ("cannot specify both `preview` and `preview-features`").
_SLOTS: tuple[frozenset[str], ...] = (frozenset({"preview", "preview-features"}),)

# URL schemes uv recognises here (`uv_pep508::Scheme`, matched case-sensitively). Anything else is a path, even
# with `://`: checked on 0.13.8, `s3://b/k`, `ftp://h/x` and `HTTPS://h/x` in a config file all become paths
# relative to the file's directory.
_URL_SCHEMES = frozenset({"file", "http", "https"})
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_END_OF_DOCUMENT = "(at end of document)"


class ConfigFile(NamedTuple):
    path: Path
    level: Level
    options: Mapping[str, Any]  # uv's options table: the whole uv.toml, or [tool.uv] of a pyproject.toml
    is_pyproject: bool


class ConfiguredIndex(NamedTuple):
    name: str | None
    url: str  # verbatim as written
    default: bool
    explicit: bool
    flat: bool  # format = "flat"
    authenticate: str | None  # None = not set (uv's default "auto")
    origin: str  # "path:line" of the `[[index]]` header (or of the `index = [...]` key for inline arrays)
    level: Level
    section: Literal["index", "pip.index"]
    table: Mapping[str, Any]  # the raw table as read


class UvConfig(NamedTuple):
    # Highest precedence first (project, user, system), or just the --config-file.
    files: tuple[ConfigFile, ...]
    # Top-level [[index]] of all files, higher precedence first, not de-duplicated.
    indexes: tuple[ConfiguredIndex, ...]
    # [[pip.index]]. uv 0.13.8 rejects `index` in `[pip]` ("unknown field"), so this is empty for any file it
    # accepts; kept for the interface.
    pip_indexes: tuple[ConfiguredIndex, ...]
    # Warnings uv itself prints during discovery (a `pyproject.toml` that cannot be parsed is skipped).
    warnings: tuple[str, ...] = ()

    def named(self, name: str) -> ConfiguredIndex | None:
        """The first (winning) top-level index with that name, as uv's index-by-name look-up finds it."""
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    def value(self, key: str, section: str | None = None) -> Any:
        """A scalar setting: the first non-None value across the files (uv's `impl_combine_or!`)."""
        for file in self.files:
            found = _lookup(file.options, key, section)
            if found is not None:
                return found
        return None

    def values(self, key: str, section: str | None = None) -> list[Any]:
        """An array setting: the arrays of all files concatenated, higher precedence first."""
        out: list[Any] = []
        for file in self.files:
            found = _lookup(file.options, key, section)
            if isinstance(found, list):
                out.extend(found)
            elif found is not None:
                out.append(found)
        return out


def _lookup(options: Mapping[str, Any], key: str, section: str | None) -> Any:
    if section is not None:
        table = options.get(section)
        if not isinstance(table, Mapping):
            return None
        return table.get(key)
    return options.get(key)


# --------------------------------------------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------------------------------------------


def discover(
    *,
    cwd: Path,
    project: Path | None,
    config_file: Path | None,
    no_config: bool,
    tool_command: bool,
    env: Mapping[str, str],
) -> UvConfig:
    """The configuration files uv would read, in uv's order (crates/uv/src/lib.rs, `filesystem = ...`).

    * ``config_file`` (``--config-file`` / ``UV_CONFIG_FILE``, relative to ``cwd``) replaces discovery, and wins
      over ``no_config`` as in uv. A file named ``pyproject.toml`` is still read as a whole ``uv.toml`` (uv warns
      and then rejects the ``[project]``/``[tool]`` tables as unknown fields).
    * ``no_config`` (``--no-config`` / ``UV_NO_CONFIG``): nothing.
    * ``tool_command`` (``uv tool``, ``uvx``, ``uv self``): user and system only.
    * otherwise: the project level (found from the workspace root), then user, then system.
    """
    cwd = Path(os.path.abspath(cwd))
    if config_file is not None:
        # Lexically normalised, as uv normalises the paths it resolves against the file's directory.
        path = Path(os.path.normpath(cwd / config_file))
        warnings = []
        if path.name == "pyproject.toml":
            warnings.append(
                "The `--config-file` argument expects to receive a `uv.toml` file, not a `pyproject.toml`. "
                "If you're trying to run a command from another project, use the `--project` argument instead."
            )
        options = _read_uv_toml(path, missing_ok=False)
        assert options is not None
        files = [ConfigFile(path=path, level="config-file", options=options, is_pyproject=False)]
        return _build(files, warnings)
    if no_config:
        return _build([], [])

    warnings = []
    project_file: ConfigFile | None = None
    if tool_command:
        user = _user_config(cwd, env)
        system = _system_config(cwd, env)
    else:
        project_dir = _project_dir(cwd, project)
        start = _workspace_root(project_dir) or project_dir
        project_file = _find_project_config(start, warnings)
        # uv reads the system level before the user level here (which matters only for which error comes first).
        system = _system_config(cwd, env)
        user = _user_config(cwd, env)
    files = [f for f in (project_file, user, system) if f is not None]
    return _build(files, warnings)


def _project_dir(cwd: Path, project: Path | None) -> Path:
    # uv: `normalize_path_buf(std::path::absolute(project))`; a path to an existing `pyproject.toml` means its
    # directory. `normalize_path_buf` resolves `.` and `..` lexically, as `os.path.normpath` does.
    if project is None:
        return cwd
    path = Path(os.path.normpath(cwd / project))
    if path.name == "pyproject.toml" and path.is_file():
        return path.parent
    return path


def _user_config(cwd: Path, env: Mapping[str, str]) -> ConfigFile | None:
    # `user_config_dir()`: etcetera's XDG strategy, `$XDG_CONFIG_HOME` only when absolute, else `$HOME/.config`.
    # `FilesystemOptions::user` ignores NotFound, NotADirectory and PermissionDenied; any other error is fatal.
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    else:
        home = _home_dir(env)
        if home is None:
            return None
        base = home / ".config"
    path = base / "uv" / "uv.toml"
    try:
        options = _read_uv_toml(
            path, missing_ok=False, quiet_errors=(FileNotFoundError, NotADirectoryError, PermissionError)
        )
    except _Skip:
        return None
    assert options is not None
    return ConfigFile(path=path, level="user", options=options, is_pyproject=False)


def _home_dir(env: Mapping[str, str]) -> Path | None:
    home = env.get("HOME", "")
    if home:
        return Path(home)
    try:
        import pwd

        return Path(pwd.getpwuid(os.getuid()).pw_dir)
    except (ImportError, KeyError, OSError):  # pragma: no cover - no passwd entry
        return None


def _system_config(cwd: Path, env: Mapping[str, str]) -> ConfigFile | None:
    # `UV_NO_SYSTEM_CONFIG` is read (boolish, clap's literals, case-insensitive; anything else is an error) only
    # when the system level is consulted: uv accepts a bad value together with `--no-config`.
    raw = env.get(envvars.UV_NO_SYSTEM_CONFIG)
    if raw is not None:
        no_system_config = envvars.boolish(raw)
        if no_system_config:
            return None
        if no_system_config is None:
            raise UvauthError(
                f"invalid value {raw!r}: expected a boolish value",
                where=envvars.UV_NO_SYSTEM_CONFIG,
                hint="use 1/true/yes/on or 0/false/no/off, as uv does",
            )
    # `system_config_file()`: the first `$XDG_CONFIG_DIRS` entry (default `/etc/xdg`; empty entries skipped,
    # relative entries relative to the working directory) whose `uv/uv.toml` is a file, else `/etc/uv/uv.toml`
    # if it exists. Unlike the user level, every read error is fatal.
    dirs = env.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
    path: Path | None = None
    for entry in dirs.split(":"):
        if not entry:
            continue
        candidate = Path(entry) / "uv" / "uv.toml"
        if not candidate.is_absolute():
            candidate = cwd / candidate
        if candidate.is_file():
            path = candidate
            break
    if path is None:
        fallback = Path("/etc/uv/uv.toml")
        if not fallback.exists():
            return None
        path = fallback
    options = _read_uv_toml(path, missing_ok=False)
    assert options is not None
    return ConfigFile(path=path, level="system", options=options, is_pyproject=False)


def _find_project_config(start: Path, warnings: list[str]) -> ConfigFile | None:
    # `FilesystemOptions::find`: the first ancestor with a `uv.toml`, or a `pyproject.toml` with a `[tool.uv]`
    # table. `uv.toml` wins in one directory. A `pyproject.toml` that cannot be parsed is skipped with a warning
    # and the walk goes on; any other error stops uv.
    for directory in (start, *start.parents):
        uv_toml = directory / "uv.toml"
        options = _read_uv_toml(uv_toml, missing_ok=True)
        if options is not None:
            return ConfigFile(path=uv_toml, level="project", options=options, is_pyproject=False)
        pyproject = directory / "pyproject.toml"
        try:
            text = _read_text(pyproject)
        except FileNotFoundError:
            continue
        except PermissionError:
            raise UvauthError(
                "cannot read pyproject.toml: permission denied",
                where=str(pyproject),
                hint="make the file readable; uv cannot read it either",
            ) from None
        except UnicodeDecodeError:
            raise UvauthError("pyproject.toml is not valid UTF-8", where=str(pyproject)) from None
        except OSError as err:
            raise UvauthError(
                f"cannot read pyproject.toml: {err.strerror or err}", where=str(pyproject)
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            message, where = _toml_error(pyproject, err, text)
            warnings.append(f"Failed to parse `{where}` during settings discovery: {message}")
            continue
        tool = data.get("tool")
        if not isinstance(tool, dict) or "uv" not in tool:
            continue
        uv = tool["uv"]
        problem = "`tool.uv` is not a table" if not isinstance(uv, dict) else _slot_conflict(uv)
        if problem is not None:
            warnings.append(f"Failed to parse `{pyproject}` during settings discovery: {problem}")
            continue
        return ConfigFile(path=pyproject, level="project", options=uv, is_pyproject=True)
    return None


def _workspace_root(project_dir: Path) -> Path | None:
    """The root uv's `Workspace::discover(project_dir)` finds, or None where that discovery fails.

    Follows crates/uv-workspace/src/workspace.rs: the nearest `pyproject.toml` at or above `project_dir`; if it
    declares `[tool.uv.workspace]` it is the root; without a `[project]` table discovery fails; a project marked
    `managed = false` fails; otherwise the first `pyproject.toml` further up decides: a workspace whose `members`
    globs (minus `exclude`) include the project makes that directory the root, anything else makes the project
    its own root. Approximation: uv also fails when collecting the members fails (e.g. a member glob matching a
    directory without a `pyproject.toml`); that case is not reproduced here, so uvauth then starts the settings
    walk at the root where uv would start it at `project_dir`.
    """
    project_path: Path | None = None
    for directory in (project_dir, *project_dir.parents):
        if (directory / "pyproject.toml").is_file():
            project_path = directory
            break
    if project_path is None:
        return None
    data = _load_pyproject_quietly(project_path / "pyproject.toml")
    if data is None:
        return None
    uv = _tool_uv(data)
    if uv.get("managed") is False:
        return None
    if isinstance(uv.get("workspace"), dict):
        return project_path
    if "project" not in data:
        return None
    for directory in project_path.parents:
        pyproject = directory / "pyproject.toml"
        if not pyproject.is_file():
            continue
        outer = _load_pyproject_quietly(pyproject)
        if outer is None:
            return None  # uv: a parse error here makes `Workspace::discover` fail
        workspace = _tool_uv(outer).get("workspace")
        if (
            isinstance(workspace, dict)
            and _glob_matches(directory, workspace.get("members"), project_path)
            and not _glob_matches(directory, workspace.get("exclude"), project_path)
        ):
            return directory
        return project_path
    return project_path


def _load_pyproject_quietly(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(_read_text(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _tool_uv(data: Mapping[str, Any]) -> Mapping[str, Any]:
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    return uv if isinstance(uv, dict) else {}


def _glob_matches(root: Path, patterns: Any, project_path: Path) -> bool:
    # uv joins each glob to the workspace root and compares the matches with the project path. Rust's `glob`
    # crate matches hidden entries and supports `**`.
    if not isinstance(patterns, list):
        return False
    import glob  # only needed inside workspaces; kept off uvauth's start-up path

    target = os.path.normpath(project_path)
    for pattern in patterns:
        if not isinstance(pattern, str):
            continue
        for match in glob.glob(os.path.join(root, pattern), recursive=True, include_hidden=True):
            if os.path.normpath(match) == target:
                return True
    return False


class _Skip(Exception):
    pass


def _read_text(path: Path) -> str:
    with open(path, "rb") as handle:
        data = handle.read()
    return data.decode("utf-8")


def _read_uv_toml(
    path: Path,
    *,
    missing_ok: bool,
    quiet_errors: tuple[type[OSError], ...] = (),
) -> dict[str, Any] | None:
    try:
        text = _read_text(path)
    except quiet_errors:
        raise _Skip from None
    except FileNotFoundError:
        if missing_ok:
            return None
        raise UvauthError(
            "configuration file not found", where=str(path), hint="check --config-file / UV_CONFIG_FILE"
        ) from None
    except PermissionError:
        raise UvauthError(
            "cannot read configuration file: permission denied",
            where=str(path),
            hint="make the file readable, or move it away; uv cannot read it either",
        ) from None
    except IsADirectoryError:
        raise UvauthError("configuration path is a directory, not a file", where=str(path)) from None
    except UnicodeDecodeError:
        raise UvauthError("configuration file is not valid UTF-8", where=str(path)) from None
    except OSError as err:
        raise UvauthError(f"cannot read configuration file: {err.strerror or err}", where=str(path)) from None
    try:
        options = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message, where = _toml_error(path, err, text)
        raise UvauthError(
            f"invalid TOML: {message}",
            where=where,
            hint="fix the syntax error; uv cannot read this file either",
        ) from None
    conflict = _slot_conflict(options)
    if conflict is not None:
        raise UvauthError(
            conflict, where=str(path), hint="keep one of the two keys; uv refuses this file as well"
        )
    for key in options:
        if key in PYPROJECT_ONLY_KEYS:
            raise UvauthError(
                f"the `{key}` field is not allowed in a `uv.toml` file",
                where=f"{path}:{_key_line(text, key)}",
                hint=f"`{key}` only applies to a project; move it to `[tool.uv]` in pyproject.toml, as uv requires",
            )
    return options


def _slot_conflict(options: Mapping[str, Any]) -> str | None:
    for slot in _SLOTS:
        present = sorted(slot & options.keys())
        if len(present) > 1:
            return "cannot specify both " + " and ".join(f"`{key}`" for key in present)
    return None


def _toml_error(path: Path, err: tomllib.TOMLDecodeError, text: str) -> tuple[str, str]:
    """(message, "path:line:col") from tomllib's "... (at line X, column Y)" / "... (at end of document)"."""
    message = str(err)
    match = _TOML_POS_RE.search(message)
    if match:
        return message[: match.start()], f"{path}:{match.group(1)}:{match.group(2)}"
    if message.endswith(_END_OF_DOCUMENT):
        last = text.rsplit("\n", 1)[-1]
        return message[: -len(_END_OF_DOCUMENT)].rstrip(), f"{path}:{text.count(chr(10)) + 1}:{len(last) + 1}"
    return message, str(path)


def _build(files: list[ConfigFile], warnings: list[str]) -> UvConfig:
    indexes: list[ConfiguredIndex] = []
    pip_indexes: list[ConfiguredIndex] = []
    for file in files:
        text: str | None = None
        sections: tuple[tuple[Literal["index", "pip.index"], tuple[str, ...], list[ConfiguredIndex]], ...] = (
            ("index", ("index",), indexes),
            ("pip.index", ("pip", "index"), pip_indexes),
        )
        for section, keypath, sink in sections:
            table: Any = file.options
            for part in keypath[:-1]:
                table = table.get(part) if isinstance(table, Mapping) else None
            entries = table.get(keypath[-1]) if isinstance(table, Mapping) else None
            if not isinstance(entries, list) or not entries:
                continue
            if text is None:
                try:
                    text = _read_text(file.path)
                except (OSError, UnicodeDecodeError):  # pragma: no cover - read a moment ago
                    text = ""
            prefix = ("tool", "uv") if file.is_pyproject else ()
            lines = _entry_lines(text, prefix + keypath, len(entries))
            for entry, line in zip(entries, lines, strict=False):  # fewer lines found than entries: stop there
                if not isinstance(entry, Mapping):
                    continue
                sink.append(_configured_index(entry, f"{file.path}:{line}", file.level, section))
    return UvConfig(
        files=tuple(files), indexes=tuple(indexes), pip_indexes=tuple(pip_indexes), warnings=tuple(warnings)
    )


def _configured_index(
    table: Mapping[str, Any], origin: str, level: Level, section: Literal["index", "pip.index"]
) -> ConfiguredIndex:
    name = table.get("name")
    url = table.get("url")
    authenticate = table.get("authenticate")
    return ConfiguredIndex(
        name=name if isinstance(name, str) else None,
        url=url if isinstance(url, str) else "",
        default=table.get("default") is True,
        explicit=table.get("explicit") is True,
        flat=table.get("format") == "flat",
        authenticate=authenticate if isinstance(authenticate, str) else None,
        origin=origin,
        level=level,
        section=section,
        table=table,
    )


# --------------------------------------------------------------------------------------------------------------
# line numbers: a light TOML scanner (headers and keys at statement level; strings, comments and multi-line
# arrays are skipped). It only runs on text that tomllib has already accepted.
# --------------------------------------------------------------------------------------------------------------

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_\-]+")


def _toml_events(text: str) -> list[tuple[str, tuple[str, ...], int]]:
    """(kind, dotted path, line) for every table header ("table"/"aot") and every key ("key")."""
    events: list[tuple[str, tuple[str, ...], int]] = []
    current: tuple[str, ...] = ()
    i, n, line, depth = 0, len(text), 1, 0
    at_statement = True
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            if depth == 0:
                at_statement = True
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if at_statement and depth == 0:
            at_statement = False
            if c == "[":
                aot = text.startswith("[[", i)
                keys, j = _parse_key(text, i + (2 if aot else 1))
                if keys is not None:
                    current = tuple(keys)
                    events.append(("aot" if aot else "table", current, line))
                    close = text.find("]]" if aot else "]", j)
                    i = j if close < 0 else close + (2 if aot else 1)
                    continue
            else:
                keys, j = _parse_key(text, i)
                if keys is not None and j < n and text[j] == "=":
                    events.append(("key", current + tuple(keys), line))
                    i = j + 1
                    continue
        if c in "\"'":
            i, line = _skip_string(text, i, line)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return events


def _parse_key(text: str, i: int) -> tuple[list[str] | None, int]:
    """Parse a dotted key starting at i (leading/trailing blanks allowed); return (parts, index after)."""
    parts: list[str] = []
    n = len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            return None, i
        c = text[i]
        if c == '"':
            j = i + 1
            buf = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                if text[j] == "\n":
                    return None, j
                buf.append(text[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        elif c == "'":
            j = text.find("'", i + 1)
            if j < 0 or "\n" in text[i:j]:
                return None, i
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            match = _BARE_KEY_RE.match(text, i)
            if not match:
                return None, i
            parts.append(match.group())
            i = match.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        return parts, i


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    quote = text[i]
    n = len(text)
    if text.startswith(quote * 3, i):
        j = i + 3
        while j < n:
            if quote == '"' and text[j] == "\\":
                if j + 1 < n and text[j + 1] == "\n":
                    line += 1
                j += 2
                continue
            if text.startswith(quote * 3, j):
                j += 3
                while j < n and text[j] == quote:  # up to two quotes may close the string
                    j += 1
                return j, line
            if text[j] == "\n":
                line += 1
            j += 1
        return n, line
    j = i + 1
    while j < n and text[j] != quote and text[j] != "\n":
        if quote == '"' and text[j] == "\\":
            j += 2
            continue
        j += 1
    return j + 1, line


def _entry_lines(text: str, path: tuple[str, ...], count: int) -> list[int]:
    events = _toml_events(text)
    headers = [line for kind, p, line in events if kind == "aot" and p == path]
    if len(headers) >= count:
        return headers[:count]
    # An inline array (`index = [...]`), possibly inside an inline table (`pip = { index = [...] }`) or under a
    # dotted key: the deepest key that is the path or a prefix of it.
    best, best_len = 1, -1
    for kind, p, line in events:
        if kind == "key" and len(p) <= len(path) and path[: len(p)] == p and len(p) > best_len:
            best, best_len = line, len(p)
    if best_len < 0:
        for kind, p, line in events:  # fall back to the table the entries live in
            if kind == "table" and path[: len(p)] == p and len(p) > best_len:
                best, best_len = line, len(p)
    return headers + [best] * (count - len(headers))


def _key_line(text: str, key: str) -> int:
    for _kind, p, line in _toml_events(text):
        if p and p[0] == key:
            return line
    return 1


# --------------------------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------------------------


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

    Relative index / find-links paths (:data:`PATH_KEYS`) are rebased, since uv resolves them against the
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


#: Part of :attr:`GeneratedConfig.key`: bump it when :func:`render_merged` writes a different file for the same
#: inputs, or uvauth keeps using the files it cached before.
RENDER_VERSION = 1


class GeneratedConfig(NamedTuple):
    """A ``uv.toml`` to generate: the inputs of :func:`render_merged`, and a cache key computed from them.

    Rendering imports tomlkit, which is slow to import, and uvauth runs before every uv call: it names the
    generated file by :attr:`key` and renders only when no file of that name exists yet.
    """

    config: UvConfig
    extra_indexes: tuple[Mapping[str, Any], ...]
    authenticate: Mapping[str, str]
    dest_dir: str | None  # the directory the file is written to (see render_merged)

    @property
    def key(self) -> str:
        """16 hex digits of a digest of everything the rendered text depends on."""
        from uvauth import __version__
        from uvauth.cache import cache_key

        inputs = (
            RENDER_VERSION,
            __version__,
            [(file.level, str(file.path), os.path.abspath(file.path), file.options) for file in self.config.files],
            self.extra_indexes,
            self.authenticate,
            os.path.abspath(self.dest_dir) if self.dest_dir is not None else None,
        )
        # repr() of TOML data (dicts, lists, strings, numbers, booleans, dates and times) is exact, tells the types
        # apart and keeps the key order, which the rendered text follows; a JSON dump has no dates.
        return cache_key(repr(inputs), 16)

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


def render_hash(text: str) -> str:
    """A short content hash for content-addressed file names (sha256, first 16 hex digits)."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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
    match = _SCHEME_RE.match(value)
    if match:
        scheme = match.group(1)
        if scheme in _URL_SCHEMES or scheme.startswith(_VCS_PREFIXES):
            return value  # a URL: uv does not rebase it
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
    taken = {key for slot in _SLOTS if top_level and slot & out.keys() for key in slot}
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
