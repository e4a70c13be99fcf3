"""Discover and read uv's configuration files exactly as uv does.

uvauth sometimes hands uv a generated ``uv.toml`` through ``UV_CONFIG_FILE`` (see :mod:`.render`). That variable
*replaces* uv's own discovery, so uvauth has to know every file uv would have read from the project, user and
system levels: :func:`discover` finds them (``crates/uv/src/lib.rs``, ``crates/uv-settings/src/lib.rs``,
``crates/uv-dirs/src/lib.rs``, ``crates/uv-workspace/src/workspace.rs``; checked against uv 0.13.8), reads them
with the stdlib ``tomllib`` and collects their ``[[index]]`` tables with the line each starts on.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

from uvauth.errors import UvauthError
from uvauth import observed
from uvauth.uv import dirs, envvars
from uvauth.uv.config import schema
from uvauth.uv.config.toml_lines import entry_lines, key_line

Level = Literal["config-file", "project", "user", "system"]

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

# Keys that feed one setting: whichever file sets any of them first wins, and the others are dropped. uv parses
# `preview` and `preview-features` into one `PreviewOption` (`impl_combine_or!`) and rejects a file that sets
# both ("cannot specify both `preview` and `preview-features`").
SLOTS: tuple[frozenset[str], ...] = (frozenset({"preview", "preview-features"}),)

_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_END_OF_DOCUMENT = "(at end of document)"


class ConfigReadOnce(UvauthError):
    """``--config-file`` names a pipe or device (`<(…)`, `/dev/stdin`): reading it would leave uv an empty file."""

    def __init__(self, path: Path) -> None:
        super().__init__("uvauth cannot read a configuration file that can be read only once (a pipe or device) "
                         "without taking it from uv", where=str(path),
                         hint="write the configuration to a regular file and pass that to --config-file")


class ConfigRefused(UvauthError):
    """A ``uv.toml`` with a setting uvauth reads of a type uv refuses (:mod:`.schema`). The caller lets uv say so
    in its own words when uv refuses the file too, and shows this one line otherwise."""


class ConfigFile(NamedTuple):
    """One configuration file uv reads."""

    path: Path
    level: Level
    options: Mapping[str, Any]  # uv's options table: the whole uv.toml, or [tool.uv] of a pyproject.toml
    is_pyproject: bool


class ConfiguredIndex(NamedTuple):
    """One ``[[index]]`` table of a configuration file (or one uvauth synthesizes for a generated file)."""

    name: str | None
    url: str  # verbatim as written
    default: bool
    explicit: bool
    flat: bool  # format = "flat"
    authenticate: str | None  # None = not set (uv's default "auto")
    path: Path | None  # the file it is written in; None for an index uvauth synthesizes
    line: int  # of its `[[index]]` header (or of the `index = [...]` key for inline arrays); 0 without a file
    level: Level
    table: Mapping[str, Any]  # the raw table as read

    @property
    def where(self) -> str:
        """Where it is written, for messages: ``path:line``, or ``uvauth`` for a synthesized index."""
        return f"{self.path}:{self.line}" if self.path is not None else "uvauth"


class UvConfig(NamedTuple):
    """The configuration uv reads for one command: its files and their ``[[index]]`` tables."""

    # Highest precedence first (project, user, system), or just the --config-file.
    files: tuple[ConfigFile, ...]
    # Top-level [[index]] of all files, higher precedence first, not de-duplicated. (uv 0.13.8 rejects `index` in
    # `[pip]` as an unknown field, so there is no `[[pip.index]]` to collect.)
    indexes: tuple[ConfiguredIndex, ...]
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
        if observed.readable_once(str(path)):
            raise ConfigReadOnce(path)
        options = _read_uv_toml(env, path, missing_ok=False)
        assert options is not None
        files = [ConfigFile(path=path, level="config-file", options=options, is_pyproject=False)]
        return _build(env, files, warnings)
    if no_config:
        return _build(env, [], [])

    warnings = []
    project_file: ConfigFile | None = None
    if tool_command:
        user = _user_config(cwd, env)
        system = _system_config(cwd, env)
    else:
        project_dir = _project_dir(env, cwd, project)
        start = _workspace_root(env, project_dir) or project_dir
        project_file = _find_project_config(env, start, warnings)
        # uv reads the system level before the user level here (which matters only for which error comes first).
        system = _system_config(cwd, env)
        user = _user_config(cwd, env)
    files = [f for f in (project_file, user, system) if f is not None]
    return _build(env, files, warnings)


def _project_dir(env: Mapping[str, str], cwd: Path, project: Path | None) -> Path:
    # uv: `normalize_path_buf(std::path::absolute(project))`; a path to an existing `pyproject.toml` means its
    # directory. `normalize_path_buf` resolves `.` and `..` lexically, as `os.path.normpath` does.
    if project is None:
        return cwd
    path = Path(os.path.normpath(cwd / project))
    if path.name == "pyproject.toml" and _is_file(env, path):
        return path.parent
    return path


def _user_config(cwd: Path, env: Mapping[str, str]) -> ConfigFile | None:
    # `user_config_dir()/uv/uv.toml` (`uvauth.uv.dirs`: an XDG variable counts only when absolute).
    # `FilesystemOptions::user` ignores NotFound, NotADirectory and PermissionDenied; any other error is fatal.
    user_dir = dirs.user_config_dir(env)
    if user_dir is None:
        return None
    base = Path(user_dir)
    path = base / "uv" / "uv.toml"
    try:
        options = _read_uv_toml(
            env, path, missing_ok=False, quiet_errors=(FileNotFoundError, NotADirectoryError, PermissionError)
        )
    except _Skip:
        return None
    assert options is not None
    return ConfigFile(path=path, level="user", options=options, is_pyproject=False)


def _system_config(cwd: Path, env: Mapping[str, str]) -> ConfigFile | None:
    # `UV_NO_SYSTEM_CONFIG` is read (boolish, clap's literals, case-insensitive; anything else is an error) only
    # when the system level is consulted: uv accepts a bad value together with `--no-config`.
    if envvars.flag(env, envvars.UV_NO_SYSTEM_CONFIG):
        return None
    # `system_config_file()`: the first `uvauth.uv.dirs.system_config_dirs` entry (relative entries relative to
    # the working directory) whose `uv/uv.toml` is a file, else `/etc/uv/uv.toml` if it exists. Unlike the user
    # level, every read error is fatal.
    path: Path | None = None
    for entry in dirs.system_config_dirs(env):
        candidate = Path(entry) / "uv" / "uv.toml"
        if not candidate.is_absolute():
            candidate = cwd / candidate
        if _is_file(env, candidate):
            path = candidate
            break
    if path is None:
        if os.name == "nt":
            return None  # no /etc fallback on Windows (uv's system_config_file)
        fallback = Path("/etc/uv/uv.toml")
        if not observed.exists(env, fallback):
            return None
        path = fallback
    options = _read_uv_toml(env, path, missing_ok=False)
    assert options is not None
    return ConfigFile(path=path, level="system", options=options, is_pyproject=False)


def _find_project_config(env: Mapping[str, str], start: Path, warnings: list[str]) -> ConfigFile | None:
    # `FilesystemOptions::find`: the first ancestor with a `uv.toml`, or a `pyproject.toml` with a `[tool.uv]`
    # table. `uv.toml` wins in one directory. A `pyproject.toml` that cannot be parsed is skipped with a warning
    # and the walk goes on; any other error stops uv.
    for directory in (start, *start.parents):
        uv_toml = directory / "uv.toml"
        options = _read_uv_toml(env, uv_toml, missing_ok=True)
        if options is not None:
            return ConfigFile(path=uv_toml, level="project", options=options, is_pyproject=False)
        pyproject = directory / "pyproject.toml"
        try:
            text = _read_text(env, pyproject)
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
            message, where = toml_error(pyproject, err, text)
            warnings.append(f"Failed to parse `{where}` during settings discovery: {message}")
            continue
        except RecursionError:  # tomllib recurses per nesting level; uv's parser refuses such a file too
            warnings.append(f"Failed to parse `{pyproject}` during settings discovery: nested too deeply")
            continue
        tool = data.get("tool")
        if not isinstance(tool, dict) or "uv" not in tool:
            continue
        uv = tool["uv"]
        problem = "`tool.uv` is not a table" if not isinstance(uv, dict) else _slot_conflict(uv)
        if problem is None:
            wrong = schema.wrong_type(uv, text, ("tool", "uv"))
            problem = f"line {wrong[1]}: {wrong[0]}" if wrong is not None else None
        if problem is not None:
            warnings.append(f"Failed to parse `{pyproject}` during settings discovery: {problem}")
            continue
        return ConfigFile(path=pyproject, level="project", options=uv, is_pyproject=True)
    return None


def _workspace_root(env: Mapping[str, str], project_dir: Path) -> Path | None:
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
        if _is_file(env, directory / "pyproject.toml"):
            project_path = directory
            break
    if project_path is None:
        return None
    data = _load_pyproject_quietly(env, project_path / "pyproject.toml")
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
        if not _is_file(env, pyproject):
            continue
        outer = _load_pyproject_quietly(env, pyproject)
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


def _load_pyproject_quietly(env: Mapping[str, str], path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(_read_text(env, path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
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


def _read_text(env: Mapping[str, str], path: Path) -> str:
    """A configuration file's text. A UTF-8 byte order mark is dropped: uv reads such a file (checked on
    0.13.8), where tomllib would call the mark an invalid statement."""
    return observed.read_bytes(env, path).decode("utf-8").removeprefix("\ufeff")


def _is_file(env: Mapping[str, str], path: Path) -> bool:
    return observed.is_file(env, path)


def _read_uv_toml(
    env: Mapping[str, str],
    path: Path,
    *,
    missing_ok: bool,
    quiet_errors: tuple[type[OSError], ...] = (),
) -> dict[str, Any] | None:
    try:
        text = _read_text(env, path)
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
        message, where = toml_error(path, err, text)
        raise UvauthError(
            f"invalid TOML: {message}",
            where=where,
            hint="fix the syntax error; uv cannot read this file either",
        ) from None
    except RecursionError:  # tomllib recurses per nesting level; uv's parser refuses such a file too
        raise UvauthError("invalid TOML: nested too deeply to parse", where=str(path),
                          hint="fix the file; uv cannot read it either") from None
    conflict = _slot_conflict(options)
    if conflict is not None:
        raise UvauthError(
            conflict, where=str(path), hint="keep one of the two keys; uv refuses this file as well"
        )
    wrong = schema.wrong_type(options, text)
    if wrong is not None:
        raise ConfigRefused(wrong[0], where=f"{path}:{wrong[1]}", hint="fix the value; uv refuses this file as well")
    for key in options:
        if key in PYPROJECT_ONLY_KEYS:
            raise UvauthError(
                f"the `{key}` field is not allowed in a `uv.toml` file",
                where=f"{path}:{key_line(text, key)}",
                hint=f"`{key}` only applies to a project; move it to `[tool.uv]` in pyproject.toml, as uv requires",
            )
    return options


def _slot_conflict(options: Mapping[str, Any]) -> str | None:
    for slot in SLOTS:
        present = sorted(slot & options.keys())
        if len(present) > 1:
            return "cannot specify both " + " and ".join(f"`{key}`" for key in present)
    return None


def toml_error(path: Path, err: tomllib.TOMLDecodeError, text: str) -> tuple[str, str]:
    """(message, "path:line:col") from tomllib's "... (at line X, column Y)" / "... (at end of document)"."""
    message = str(err)
    match = _TOML_POS_RE.search(message)
    if match:
        return message[: match.start()], f"{path}:{match.group(1)}:{match.group(2)}"
    if message.endswith(_END_OF_DOCUMENT):
        last = text.rsplit("\n", 1)[-1]
        return message[: -len(_END_OF_DOCUMENT)].rstrip(), f"{path}:{text.count(chr(10)) + 1}:{len(last) + 1}"
    return message, str(path)


def _build(env: Mapping[str, str], files: list[ConfigFile], warnings: list[str]) -> UvConfig:
    indexes: list[ConfiguredIndex] = []
    for file in files:
        entries = file.options.get("index")
        if not isinstance(entries, list) or not entries:
            continue
        try:
            text = _read_text(env, file.path)
        except (OSError, UnicodeDecodeError):  # pragma: no cover - read a moment ago
            text = ""
        prefix = ("tool", "uv") if file.is_pyproject else ()
        lines = entry_lines(text, (*prefix, "index"), len(entries))
        for entry, line in zip(entries, lines, strict=False):  # fewer lines found than entries: stop there
            if isinstance(entry, Mapping):
                indexes.append(_configured_index(entry, path=file.path, line=line, level=file.level))
    return UvConfig(files=tuple(files), indexes=tuple(indexes), warnings=tuple(warnings))


def _configured_index(table: Mapping[str, Any], *, path: Path, line: int, level: Level) -> ConfiguredIndex:
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
        path=path,
        line=line,
        level=level,
        table=table,
    )
