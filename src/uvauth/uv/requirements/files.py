"""A requirements.txt file: its statements, and the files it includes with ``-r`` and ``-c``.

A port of uv 0.13.8's ``crates/uv-requirements-txt/src/lib.rs`` (``parse_inner`` and the handling of each
``parse_entry`` statement, ``update_from``) and, for a nested input, ``crates/uv-configuration/src/
requirements_input.rs`` (``RequirementsInput::resolve``) and ``crates/uv-pep508/src/verbatim_url.rs``
(``from_url_or_path``).
"""

from __future__ import annotations

import posixpath

from uvauth.errors import UvauthError
from uvauth.uv.requirements.reader import (
    _C0_OR_SPACE,
    IndexOptionKind,
    _Data,
    _expand,
    _key_or_text,
    _Reader,
    _show,
)
from uvauth.uv.requirements.statements import (
    _LINE_END,
    _PACKAGE_NAME,
    _REQUIREMENT_START,
    _SKIP,
    _TERMINAL,
    _TRIVIA,
    _UNNAMED,
    _UNSUPPORTED_OPTIONS,
    _after_separator,
    _eat_option,
    _Lines,
    _parse_value,
    _skip_requirement,
    _SyntaxError,
    _unquote,
)
from uvauth.uv.urls import normalize_absolute_path, path_to_url, redact, split_scheme, verbatim_key


class _Visited:
    """uv's `VisitedFiles`: nested files already read (keyed as uv keys them), so that cycles end.

    A plain class, not a NamedTuple: nothing compares or unpacks it, and defining one costs 0.1 ms of import."""

    __slots__ = ("constraints", "constraints_input", "constraints_mode", "requirements")

    def __init__(
        self, requirements: set[str], constraints: set[str], constraints_mode: bool = False,
        constraints_input: bool = False,
    ) -> None:
        self.requirements = requirements
        self.constraints = constraints
        self.constraints_mode = constraints_mode
        #: The text is read as constraints: note unnamed requirements (uvauth's own addition).
        self.constraints_input = constraints_input


_INCLUDES = (("-r", False), ("--requirement", False), ("-c", True), ("--constraint", True))
_INDEXES: tuple[tuple[str, IndexOptionKind], ...] = (
    ("-i", "index-url"),
    ("--index-url", "index-url"),
    ("--extra-index-url", "extra-index-url"),
)


def parse_file(reader: _Reader, raw: str, visited: _Visited, label: str | None = None) -> _Data:
    content = reader.input_text(raw, label or normalize_absolute_path(reader.absolute(raw)))
    return _Data() if content is None else parse_text(reader, content, raw, visited)


def parse_text(reader: _Reader, content: str, raw: str, visited: _Visited) -> _Data:
    """uv's `parse_inner` for the local file `raw` (spelled as uv spells it: maybe relative)."""
    data = _Data()
    lines = _Lines(content)
    skip = _TRIVIA if visited.constraints_input else _SKIP
    n = len(content)
    pos = 0
    while True:
        pos = skip.match(content, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            return data
        try:
            pos = _statement(reader, content, pos, raw, visited, data, lines)
        except _SyntaxError as error:
            # uv stops here with its own error; uvauth skips the line and raises nothing more.
            reader.doomed = True
            stop = _LINE_END.search(content, max(error.pos, pos))
            pos = stop.start() if stop else n


def _statement(
    reader: _Reader, content: str, pos: int, raw: str, visited: _Visited, data: _Data, lines: _Lines
) -> int:
    """uv's `parse_entry` plus the handling of its statement; returns where the statement ends."""
    start = pos
    for prefix, constraint in _INCLUDES:
        if content.startswith(prefix, pos):
            value, end = _parse_value(content, pos + len(prefix))
            if not _include(reader, _unquote(value), raw, visited, data, constraint, lines.at(start)):
                raise _SyntaxError(end)
            return end
    for prefix in ("-e", "--editable"):
        if content.startswith(prefix, pos):
            pos = _after_separator(content, pos + len(prefix))
            data.unnamed = data.unnamed or visited.constraints_input
            return _skip_requirement(content, pos)
    for prefix, kind in _INDEXES:
        if content.startswith(prefix, pos):
            value, end = _parse_value(content, pos + len(prefix))
            if not _index(reader, kind, _unquote(value), raw, lines.at(start), data):
                raise _SyntaxError(end)
            return end
    end_of_flag = _eat_option(content, pos, "--no-index")
    if end_of_flag is not None:
        data.no_index = True
        return end_of_flag
    if content.startswith("--require-hashes", pos):
        return pos + len("--require-hashes")
    for prefix in ("--find-links", "-f"):
        if content.startswith(prefix, pos):
            value, end = _parse_value(content, pos + len(prefix))
            if not _find_links(reader, _unquote(value), raw, lines.at(start), data):
                raise _SyntaxError(end)
            return end
    for prefix in ("--no-binary", "--only-binary"):
        if content.startswith(prefix, pos):
            value, end = _parse_value(content, pos + len(prefix))
            specifier = _unquote(value)
            if specifier not in (":all:", ":none:") and not _PACKAGE_NAME.match(specifier):
                raise _SyntaxError(end)
            return end
    if _REQUIREMENT_START.match(content, pos):
        if visited.constraints_input and not data.unnamed and _UNNAMED.match(content, pos):
            data.unnamed = True
        return _skip_requirement(content, pos)
    for option in _UNSUPPORTED_OPTIONS:
        end_of_flag = _eat_option(content, pos, option)
        if end_of_flag is not None:
            stop = _TERMINAL.search(content, end_of_flag)
            return stop.start() if stop else len(content)
    raise _SyntaxError(pos)


def _index(reader: _Reader, kind: IndexOptionKind, given: str, raw: str, line: int, data: _Data) -> bool:
    """`-i`/`--index-url`/`--extra-index-url`; False where uv reports an invalid URL."""
    expanded = _expand(given, reader.env, reader.cwd)
    if expanded and reader.exists(reader.absolute(expanded)):
        url = path_to_url(reader.absolute(expanded))  # a local index: relative to uv's working directory
    elif split_scheme(expanded) is not None:
        url = expanded.strip(_C0_OR_SPACE)
    else:
        return False  # uv: "relative URL without a base"
    option = reader.option(kind, given, url, raw, line)
    if kind == "extra-index-url":
        data.extra_index_urls.append(option)
    elif data.index_url is None:
        data.index_url = option
    else:
        first = data.index_url
        reader.fail(
            UvauthError(
                f"Multiple `--index-url` values provided: `{_show(first)}` (from {first.path}:{first.line}) "
                f"and `{_show(option)}`",
                where=f"{option.path}:{line}",
                hint="a requirements file, with the files it includes with `-r`, may set `--index-url` "
                "only once; remove one of them or make it an `--extra-index-url`",
            )
        )
    return True


def _find_links(reader: _Reader, given: str, raw: str, line: int, data: _Data) -> bool:
    """`-f`/`--find-links`; False where uv reports an invalid URL."""
    expanded = _expand(given, reader.env, reader.cwd)
    candidate = reader.absolute(reader.local_path(expanded, raw))
    if reader.exists(candidate):
        url = path_to_url(candidate)  # relative to the containing file's directory
    else:
        resolved = reader.resolve(expanded, raw)
        if resolved is None or resolved[0] == "stdin":
            return False
        where, target = resolved
        if where == "remote":
            url = target
        elif reader.exists(reader.absolute(target)):
            url = path_to_url(reader.absolute(target))
        elif split_scheme(expanded) is not None:
            url = expanded.strip(_C0_OR_SPACE)  # e.g. a `file://` URL of a directory not made yet
        else:
            return False  # uv: "relative URL without a base"
    data.find_links.append(reader.option("find-links", given, url, raw, line))
    return True


def _include(
    reader: _Reader, filename: str, raw: str, visited: _Visited, data: _Data, constraint: bool, line: int
) -> bool:
    """A nested `-r FILE` or `-c FILE`, read and merged as uv does; False where uv reports an error."""
    resolved = reader.resolve(_expand(filename, reader.env, reader.cwd), raw)
    if resolved is None:
        return False
    where, target = resolved
    seen = visited.constraints if constraint or visited.constraints_mode else visited.requirements
    key = posixpath.normpath(target) if where == "local" else f"{where}:{target}"
    if key in seen:
        return True
    seen.add(key)
    if where == "stdin":
        reader.leave_to_uv("-")
        return True
    if where == "remote":
        reader.leave_to_uv(redact(target))
        return True
    if constraint:
        # uv keeps only the requirements of a nested constraints file and drops its index
        # options; its errors still stop uv, and so does an editable or unnamed requirement in it.
        nested = _Visited(visited.requirements, visited.constraints, True, constraints_input=True)
        if parse_file(reader, target, nested).unnamed:
            reader.doomed = True
        return True
    sub = parse_file(reader, target, visited)
    if (
        sub.index_url is not None
        and data.index_url is not None
        and _key_or_text(verbatim_key, sub.index_url.url) != _key_or_text(verbatim_key, data.index_url.url)
    ):
        reader.fail(
            UvauthError(
                "Nested `requirements` file contains conflicting `--index-url`: "
                f"`{_show(sub.index_url)}` (from {sub.index_url.path}:{sub.index_url.line}) vs. "
                f"`{_show(data.index_url)}` (from {data.index_url.path}:{data.index_url.line})",
                where=f"{reader.path(raw)}:{line}",
                hint="make the two `--index-url` values the same, or keep only one of them",
            )
        )
    data.update_from(sub)
    return True
