"""The types uv deserializes for the settings uvauth reads, checked once where a file is read.

uv parses a whole ``uv.toml`` into typed structs (``Options``, ``PipOptions`` in crates/uv-settings/src/settings.rs,
``Index`` in crates/uv-distribution-types/src/index.rs) and refuses a file where any of them has the wrong type
(``invalid type: integer `3`, expected a sequence``); a ``[tool.uv]`` table that fails so is skipped with a
warning. uvauth reads only a few of those settings, but it must agree on which files uv refuses, and everything
past this check may then rely on the types (an ``index`` that is a list of tables, each ``url`` a string, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from uvauth.uv.auth_policy import is_policy
from uvauth.uv.config.toml_lines import entry_key_line, entry_lines, path_line

Check = Callable[[Any], str | None]  # the serde message for a wrong value, or None when the value fits


def _describe(value: Any) -> str:
    """serde's ``Unexpected`` wording for a TOML value."""
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    if isinstance(value, Mapping):
        return "map"
    return type(value).__name__  # dates and times


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else f"invalid type: {_describe(value)}, expected a string"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"invalid type: {_describe(value)}, expected a boolean"


def _strings(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"invalid type: {_describe(value)}, expected a sequence"
    return next((problem for item in value if (problem := _string(item)) is not None), None)


def _one_of(*variants: str) -> Check:
    expected = ", ".join(f"`{v}`" for v in variants)

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value in variants:
            return None
        shown = f"unknown variant `{value}`" if isinstance(value, str) else f"invalid type: {_describe(value)}"
        return f"{shown}, expected one of {expected}"

    return check


def _policy(value: Any) -> str | None:
    # uv deserializes `AuthPolicy` strictly (case-sensitive): "Always" makes the whole file fail to parse, and
    # uvauth must fail the same way, never read it as the default `auto`.
    return None if isinstance(value, str) and is_policy(value) else _one_of("auto", "always", "never")(value)


#: ``Index`` fields uvauth reads (crates/uv-distribution-types/src/index.rs); ``url`` is required.
INDEX_FIELDS: dict[str, Check] = {
    "url": _string, "name": _string, "explicit": _boolean, "default": _boolean,
    "format": _one_of("simple", "flat"), "authenticate": _policy,
}

#: Settings uvauth reads, at the top level and in ``[pip]`` (``Options``, ``PipOptions``). ``index`` is checked
#: entry by entry with :data:`INDEX_FIELDS`.
SECTION_FIELDS: dict[str, Check] = {
    "index-url": _string, "extra-index-url": _strings, "find-links": _strings, "no-index": _boolean,
    "offline": _boolean, "keyring-provider": _one_of("disabled", "subprocess"),
    "allow-insecure-host": _strings, "emit-index-url": _boolean, "emit-find-links": _boolean,
    "custom-compile-command": _string,
}


def wrong_type(options: Mapping[str, Any], text: str, prefix: tuple[str, ...] = ()) -> tuple[str, int] | None:
    """(uv's message, line) for the first setting uvauth reads whose value uv would refuse, or None.

    ``options`` is a parsed ``uv.toml`` (``prefix=()``) or a ``[tool.uv]`` table (``prefix=("tool", "uv")``);
    ``text`` is the file's text, scanned only to name the line."""
    for section_path, section in _sections(options, prefix):
        if not isinstance(section, Mapping):
            return f"invalid type: {_describe(section)}, expected a table ({'.'.join(section_path)})", \
                path_line(text, section_path)
        for key, check in SECTION_FIELDS.items():
            if key in section and (problem := check(section[key])) is not None:
                return f"{problem} ({key})", path_line(text, (*section_path, key))
        if "index" in section:
            found = _wrong_index(section["index"], text, (*section_path, "index"))
            if found is not None:
                return found
    return None


def _sections(options: Mapping[str, Any], prefix: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    sections: list[tuple[tuple[str, ...], Any]] = [(prefix, options)]
    if "pip" in options:
        sections.append(((*prefix, "pip"), options["pip"]))
    return sections


def _wrong_index(entries: Any, text: str, path: tuple[str, ...]) -> tuple[str, int] | None:
    if not isinstance(entries, list):
        return f"invalid type: {_describe(entries)}, expected a sequence (index)", path_line(text, path)
    lines: list[int] | None = None
    for position, entry in enumerate(entries):
        problem: str | None = None
        if not isinstance(entry, Mapping):
            problem = f"invalid type: {_describe(entry)}, expected struct Index"
        elif "url" not in entry:
            problem = "missing field `url`"
        else:
            bad = next(((key, p) for key, check in INDEX_FIELDS.items()
                        if key in entry and (p := check(entry[key])) is not None), None)
            if bad is not None:
                problem = f"{bad[1]} (index.{bad[0]})"
                own = entry_key_line(text, path, position, bad[0])
                if own is not None:
                    return problem, own
        if problem is not None:
            lines = lines or entry_lines(text, path, len(entries))
            return problem, lines[position] if position < len(lines) else 1
    return None
