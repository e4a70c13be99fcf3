"""uvauth's own settings: one model, four sources, validated by pydantic-settings — but only when they change.

Sources, strongest first:

1. the command line: ``--authenticate POLICY`` (consumed by uvauth, never passed to uv);
2. the environment: ``UVAUTH_AUTHENTICATE``, ``UVAUTH_AUTHENTICATE_PREFIXES`` (whitespace-separated), ``UVAUTH_UV``;
3. the project: ``uvauth.toml``, or ``[tool.uvauth]`` in ``pyproject.toml``, in the nearest directory (walking up
   from the project directory) that has either — beside uv's own project configuration;
4. the user: ``$XDG_CONFIG_HOME/uvauth/uvauth.toml`` (``~/.config/uvauth/uvauth.toml``).

uvauth keys never go into ``uv.toml``: uv rejects unknown keys.

Importing pydantic costs about 130 ms, and uvauth runs before every uv call. So the raw sources (values and file
contents) are hashed, and the validated result is cached under that hash in uvauth's cache directory: a command
whose settings have not changed reads one small JSON file and never imports pydantic.
"""

from __future__ import annotations

import os

from uvauth.errors import UvauthError
from uvauth.settings.files import locate, user_file, uv_setting_file
from uvauth.uv import envvars
from uvauth.uv.auth_policy import POLICIES, is_policy

# Imported before uvauth knows whether it has anything to do: keep it light.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any, Final

    from uvauth.uv.auth_policy import AuthPolicy as Policy

#: Each setting's environment variable.
ENV_VARS: Final = {"authenticate": envvars.UVAUTH_AUTHENTICATE,
                   "authenticate-prefixes": envvars.UVAUTH_AUTHENTICATE_PREFIXES, "uv": envvars.UVAUTH_UV}


class Source:
    """One place settings came from: its label (for messages), its raw values, and whether it is a project's."""

    __slots__ = ("label", "values", "project", "file", "table")

    def __init__(self, label: str, values: Mapping[str, Any], project: bool = False, file: str | None = None,
                 table: tuple[str, ...] = ()) -> None:
        self.label = label
        self.values = values
        self.project = project
        self.file = file  # the file it was read from (any level), and where in it: for an error's line
        self.table = table

    @property
    def path(self) -> str | None:
        """The file, for a project's: credentials commands are approved per file."""
        return self.file if self.project else None


class Resolved:
    """Validated settings, and where the policy came from."""

    __slots__ = ("authenticate", "authenticate_source", "authenticate_prefixes", "uv", "forced", "credentials")

    def __init__(self, authenticate: Policy | None = None, authenticate_source: str = "",
                 authenticate_prefixes: tuple[str, ...] = (), uv: str | None = None,
                 forced: Policy | None = None, credentials: tuple[Mapping[str, Any], ...] = ()) -> None:
        self.authenticate = authenticate
        self.authenticate_source = authenticate_source
        self.authenticate_prefixes = authenticate_prefixes
        self.uv = uv
        self.forced = forced  # the command line's --authenticate
        # [[credentials]] entries, strongest source first, as plain data (uvauth.providers.entries.Entry)
        self.credentials = credentials


def _read_toml(path: str, table: tuple[str, ...] = ()) -> Mapping[str, Any] | None:
    import tomllib

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().removeprefix("\ufeff")  # a BOM, as uv.toml may have
    except OSError as error:
        raise UvauthError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UvauthError("settings file is not valid UTF-8", where=str(path), hint="save it as UTF-8") from None
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        from pathlib import Path

        from uvauth.uv.config.discover import toml_error  # uv's own files are reported the same way

        message, where = toml_error(Path(path), error, text)
        raise UvauthError(f"invalid TOML: {message}", where=where, hint="fix the file's syntax") from None
    except RecursionError:  # tomllib recurses per nesting level
        raise UvauthError("invalid TOML: nested too deeply to parse", where=str(path),
                          hint="fix the file's syntax") from None
    for key in table:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def file_sources(located: list[tuple[str, str, bool]], env: Mapping[str, str]) -> list[Source]:
    """The settings files :func:`locate` found, strongest first (the project's, then the user's), parsed."""
    sources: list[Source] = []
    for label, path, in_pyproject in located:
        table = ("tool", "uvauth") if in_pyproject else ()
        values = _read_toml(path, table)
        if values is not None:
            project = path != user_file(env)
            sources.append(Source(label, values, project=project, file=path, table=table))
    return sources


def user_uv(env: Mapping[str, str]) -> str | None:
    """The ``uv`` setting of the user's settings file, for every command (pass-through included): the path of
    uv is a machine's setting, so it is read from ``UVAUTH_UV`` or the user file only. The file is parsed (and
    its settings validated) only when :func:`uvauth.settings.files.uv_setting_file` says it may set ``uv``."""
    path = uv_setting_file(env)
    if path is None:
        return None
    from uvauth.cache import cache_dir

    values = _read_toml(path) or {}
    return _resolve_sources([Source(path, values, file=path)], None, cache_dir(env)).uv


def env_source(env: Mapping[str, str], credential_vars: Mapping[str, str] | None = None) -> Source | None:
    """The environment's settings; ``credential_vars``: the ``UVAUTH_CREDENTIALS_*`` variables, when the caller
    has them already (:func:`uvauth.uv.envvars.credential_variables`)."""
    values: dict[str, Any] = {}
    for key, var in ENV_VARS.items():
        if env.get(var):
            values[key] = env[var].split() if key == "authenticate-prefixes" else env[var]
    credentials = envvars.credential_variables(env) if credential_vars is None else credential_vars
    if credentials:
        from uvauth.providers.entries import env_entries  # only where such a variable is set

        values["credentials"] = env_entries(credentials)
    return Source(envvars.ENVIRONMENT_SOURCE, values) if values else None


def resolve(forced: str | None, project_dir: str | os.PathLike[str], env: Mapping[str, str], cache: Path | None,
            located: list[tuple[str, str, bool]] | None = None,
            credential_vars: Mapping[str, str] | None = None) -> Resolved:
    """Merge and validate the settings; see the module docstring for the sources and the cache. ``located`` is
    what :func:`locate` already found for ``project_dir``, if the caller looked (the walk is not repeated)."""
    if located is None:
        located = locate(project_dir, env)
    sources = [s for s in (env_source(env, credential_vars), *file_sources(located, env)) if s is not None]
    return _resolve_sources(sources, forced, cache)


def _resolve_sources(sources: list[Source], given: str | None, cache: Path | None) -> Resolved:
    forced = _forced_policy(given)
    if not sources:
        return Resolved(forced=forced)
    import json

    from uvauth.cache import cache_key, code_stamp

    # Validated by this code: another uvauth (a new field, a new check) validates them again.
    key = cache_key(json.dumps([code_stamp(), [(s.label, s.values) for s in sources]], sort_keys=True), 24)
    cached = cache / f"settings-{key}.json" if cache is not None else None
    if cached is not None:
        try:
            data = json.loads(cached.read_text())
            return _resolved(data, forced)
        except (OSError, ValueError, KeyError):
            pass
    data = _validate(sources)
    if cached is not None and not any("@" in prefix for prefix in data["authenticate_prefixes"]):
        # A prefix with userinfo (`https://user:token@host/`) holds a secret: no secret is written to a file,
        # so such settings are validated on every run instead of cached.
        from uvauth.cache import remember

        remember(cached.parent, cached.name, json.dumps(data))
    return _resolved(data, forced)


def _forced_policy(given: str | None) -> Policy | None:
    """The command line's ``--authenticate`` value, checked."""
    if given is None:
        return None
    if not is_policy(given):
        raise UvauthError(f"invalid value {given!r} for --authenticate", hint=f"use one of {', '.join(POLICIES)}")
    return given


def _resolved(data: Mapping[str, Any], forced: Policy | None) -> Resolved:
    return Resolved(
        authenticate=data["authenticate"],
        authenticate_source=data["authenticate_source"],
        authenticate_prefixes=tuple(data["authenticate_prefixes"]),
        uv=data["uv"],
        forced=forced,
        credentials=tuple(data.get("credentials") or ()),
    )


def _validate(sources: list[Source]) -> dict[str, Any]:
    """Validate each source with the pydantic-settings model, then take each field from the strongest source."""
    from uvauth.settings.model import validate_source

    merged: dict[str, Any] = {"authenticate": None, "authenticate_source": "", "authenticate_prefixes": [],
                              "uv": None, "credentials": []}
    for source in reversed(sources):  # weakest first, so stronger sources overwrite
        if source.project and "uv" in source.values:
            raise UvauthError("`uv` (the path of the real uv) is a setting of this machine, not of a project",
                              where=source.label, hint="set UVAUTH_UV, or `uv` in ~/.config/uvauth/uvauth.toml")
        values = validate_source(source.label, source.values, file=source.file, table=source.table)
        for field, value in values.items():
            if field == "credentials":
                # Every source's entries count, the stronger's first (the first covering entry wins).
                own = [{**entry, "source": source.label, "file": source.path} for entry in value]
                merged["credentials"] = own + merged["credentials"]
                continue
            merged[field] = value
            if field == "authenticate":
                merged["authenticate_source"] = source.label
    return merged
