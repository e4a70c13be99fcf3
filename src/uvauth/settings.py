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

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from uvauth.errors import UvauthError

Policy = Literal["auto", "always", "never"]
POLICIES: Final = ("always", "auto", "never")
ENV_VARS: Final = {"authenticate": "UVAUTH_AUTHENTICATE", "authenticate-prefixes": "UVAUTH_AUTHENTICATE_PREFIXES",
                   "uv": "UVAUTH_UV"}
_CACHE_VERSION: Final = "1"


@dataclass(frozen=True)
class Source:
    """One place settings came from: its label (for messages) and its raw values."""

    label: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Resolved:
    """Validated settings, and where each came from."""

    authenticate: Policy | None = None
    authenticate_source: str = ""
    authenticate_prefixes: tuple[str, ...] = ()
    uv: str | None = None
    forced: Policy | None = None  # the command line's --authenticate


def _read_toml(path: Path, table: tuple[str, ...] = ()) -> Mapping[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UvauthError(f"cannot read {path}: {error.strerror}") from None
    if table and "[tool.uvauth" not in text:
        return None  # cheap: most pyproject.toml files have no uvauth table, so skip the parse
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UvauthError(f"invalid TOML: {error}", where=str(path), hint="fix the file's syntax") from None
    for key in table:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def file_sources(project_dir: Path, env: Mapping[str, str]) -> list[Source]:
    """The settings files in force, strongest first: the project's, then the user's."""
    sources: list[Source] = []
    for directory in (project_dir, *project_dir.parents):
        own = directory / "uvauth.toml"
        values = _read_toml(own)
        if values is not None:
            sources.append(Source(str(own), values))
            break
        pyproject = directory / "pyproject.toml"
        values = _read_toml(pyproject, ("tool", "uvauth"))
        if values is not None:
            sources.append(Source(f"{pyproject} [tool.uvauth]", values))
            break
    config_home = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    user = Path(config_home) / "uvauth" / "uvauth.toml"
    values = _read_toml(user)
    if values is not None:
        sources.append(Source(str(user), values))
    return sources


def env_source(env: Mapping[str, str]) -> Source | None:
    values: dict[str, Any] = {}
    for key, var in ENV_VARS.items():
        if env.get(var):
            values[key] = env[var].split() if key == "authenticate-prefixes" else env[var]
    return Source("environment (UVAUTH_*)", values) if values else None


def resolve(forced: str | None, project_dir: Path, env: Mapping[str, str], cache: Path | None) -> Resolved:
    """Merge and validate the settings; see the module docstring for the sources and the cache."""
    sources = [s for s in (env_source(env), *file_sources(project_dir, env)) if s is not None]
    if forced is not None and forced not in POLICIES:
        raise UvauthError(f"invalid value {forced!r} for --authenticate", hint=f"use one of {', '.join(POLICIES)}")
    if not sources:
        return Resolved(forced=forced)  # type: ignore[arg-type]
    key = hashlib.sha256(
        json.dumps([_CACHE_VERSION, [(s.label, s.values) for s in sources]], sort_keys=True).encode()
    ).hexdigest()[:24]
    cached = cache / f"settings-{key}.json" if cache is not None else None
    if cached is not None:
        try:
            data = json.loads(cached.read_text())
            return _resolved(data, forced)
        except (OSError, ValueError, KeyError):
            pass
    data = _validate(sources)
    if cached is not None:
        from uvauth.launch import write_private

        write_private(cached.parent, cached.name, json.dumps(data))
    return _resolved(data, forced)


def _resolved(data: Mapping[str, Any], forced: str | None) -> Resolved:
    return Resolved(
        authenticate=data["authenticate"],
        authenticate_source=data["authenticate_source"],
        authenticate_prefixes=tuple(data["authenticate_prefixes"]),
        uv=data["uv"],
        forced=forced,  # type: ignore[arg-type]
    )


def _validate(sources: list[Source]) -> dict[str, Any]:
    """Validate each source with the pydantic-settings model, then take each field from the strongest source."""
    from uvauth._settings_model import validate_source

    merged: dict[str, Any] = {"authenticate": None, "authenticate_source": "", "authenticate_prefixes": [],
                              "uv": None}
    for source in reversed(sources):  # weakest first, so stronger sources overwrite
        values = validate_source(source.label, source.values)
        for field, value in values.items():
            merged[field] = value
            if field == "authenticate":
                merged["authenticate_source"] = source.label
    return merged
