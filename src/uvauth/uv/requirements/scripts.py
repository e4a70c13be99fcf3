"""The ``[tool.uv]`` index settings of a PEP 723 script.

A port of uv 0.13.8's ``crates/uv-scripts/src/lib.rs`` (``ScriptTag::parse``) and of how
``crates/uv-requirements/src/specification.rs`` reads a script (``from_pep723_metadata``), with uv's
``IndexUrl::from_str`` for a value.
"""

from __future__ import annotations

import re
import tomllib

from uvauth.uv.requirements.reader import _C0_OR_SPACE, IndexOptionKind, RequirementsIndexOption, _Data, _Reader
from uvauth.uv.requirements.statements import _line_of
from uvauth.uv.urls import is_url, path_to_url


def _rust_lines(text: str) -> list[str]:
    """Rust's `str::lines`: split on `\\n`, drop one `\\r` before it, no final empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


class _ScriptError(Exception):
    """uv rejects the PEP 723 block."""


def _script_block(content: str) -> tuple[list[str], int] | None:
    """uv's `ScriptTag::parse`: the TOML lines of the `# /// script` block and the block's first line.

    Returns None when there is no block (uv looks only at the first `# /// script`); raises
    `_ScriptError` where uv reports an error.
    """
    index = content.find("# /// script")
    if index < 0 or (index > 0 and content[index - 1] not in "\r\n"):
        return None
    lines = _rust_lines(content[index:])
    if not lines or lines[0] != "# /// script":
        return None
    toml: list[str] = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        line = line[1:]
        if not line:
            toml.append("")
            continue
        if not line.startswith(" "):
            break
        toml.append(line[1:])
    closing = next((i for i in range(len(toml) - 1, -1, -1) if toml[i] == "///"), None)
    if closing is None:
        raise _ScriptError
    rest = iter(lines[closing + 2 :])
    for line in rest:  # a second complete `script` block is an error
        if line != "# /// script":
            continue
        for inner in rest:
            if not (inner.startswith("#") and (len(inner) == 1 or inner[1] == " ")):
                break
            if inner == "# ///":
                raise _ScriptError
    return toml[:closing], _line_of(content, index)


def parse_script(reader: _Reader, content: str, raw: str) -> _Data | None:
    """The `[tool.uv]` index settings of a PEP 723 script; None when it has no `script` block.

    As in uv's `from_pep723_metadata`: `index-url`, `extra-index-url`, `find-links`, `no-index`,
    with relative paths taken against uv's working directory and no `${VAR}` expansion.  A script's
    `[[tool.uv.index]]` tables are not used by `uv pip` commands (checked with uv 0.13.8).
    """
    try:
        block = _script_block(content)
    except _ScriptError:
        reader.doomed = True
        return _Data()
    if block is None:
        return None
    toml_lines, first_line = block
    try:
        document = tomllib.loads("\n".join(toml_lines) + "\n")
    except (tomllib.TOMLDecodeError, RecursionError):
        reader.doomed = True
        return _Data()
    tool = document.get("tool")
    tool_uv = tool.get("uv") if isinstance(tool, dict) else None
    data = _Data()
    if tool_uv is None:
        return data
    if not isinstance(tool_uv, dict):
        reader.doomed = True
        return data

    def line_of(key: str, item: str | None) -> int:
        """The line of `key = …` in the block (of `item` within it, for an array); else the block's."""
        pattern = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(key)}[\"']?\s*=")
        for index, text in enumerate(toml_lines):
            if pattern.search(text):
                if item is not None:
                    for offset, later in enumerate(toml_lines[index:]):
                        if item in later:
                            return first_line + 1 + index + offset
                return first_line + 1 + index
        return first_line

    def option(kind: IndexOptionKind, value: object, listed: bool) -> RequirementsIndexOption | None:
        if not isinstance(value, str):
            reader.doomed = True  # uv: invalid type
            return None
        line = line_of(kind, value if listed else None)
        return reader.option(kind, value, _script_url(reader, value), raw, line)

    if "index-url" in tool_uv:
        data.index_url = option("index-url", tool_uv["index-url"], False)
    for kind, target in (("extra-index-url", data.extra_index_urls), ("find-links", data.find_links)):
        values = tool_uv.get(kind)
        if values is None:
            continue
        if not isinstance(values, list):
            reader.doomed = True
            continue
        for value in values:
            found = option(kind, value, True)  # type: ignore[arg-type]
            if found is not None:
                target.append(found)
    no_index = tool_uv.get("no-index", False)
    if isinstance(no_index, bool):
        data.no_index = no_index
    else:
        reader.doomed = True
    return data


def _script_url(reader: _Reader, value: str) -> str:
    """`IndexUrl::from_str` (`from_url_or_path` without a root): paths against uv's CWD."""
    if is_url(value):
        return value.strip(_C0_OR_SPACE)
    path, hash_sign, fragment = value.partition("#")
    return path_to_url(reader.absolute(path)) + hash_sign + fragment
