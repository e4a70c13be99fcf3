"""Line numbers in TOML text: a light scanner for table headers and keys at statement level.

``tomllib`` gives values but no positions, and uvauth names the line of each ``[[index]]`` it reports on (and of a
key uv rejects). Strings, comments and multi-line arrays are skipped. The scanner only runs on text that
``tomllib`` has already accepted.
"""

from __future__ import annotations

import re

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


def entry_lines(text: str, path: tuple[str, ...], count: int) -> list[int]:
    """The line of each of the ``count`` entries of the array of tables at ``path`` (``("tool", "uv", "index")``):
    its ``[[header]]``, or for an inline array the line of the key that holds it."""
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


def entry_key_line(text: str, path: tuple[str, ...], position: int, key: str) -> int | None:
    """The line of ``key`` in the ``position``-th ``[[header]]`` entry of the array of tables at ``path``, as uv
    (toml_edit) points at a bad value: the value's own line, not its table's. None where the entry is not a
    ``[[header]]`` table or does not set ``key`` on a line of its own (an inline table: its entry line is the
    best there is)."""
    events = _toml_events(text)
    headers = [n for n, (kind, p, _line) in enumerate(events) if kind == "aot" and p == path]
    if position >= len(headers):
        return None
    start = headers[position]
    end = headers[position + 1] if position + 1 < len(headers) else len(events)
    for kind, p, line in events[start + 1:end]:
        if kind == "key" and p == (*path, key):
            return line
        if kind in ("table", "aot") and p[: len(path)] != path:
            break  # another table: the entry's own keys are over
    return None


def key_line(text: str, key: str) -> int:
    """The line where the top-level ``key`` (or a table under it) is first set; 1 when not found."""
    return path_line(text, (key,))


def path_line(text: str, path: tuple[str, ...]) -> int:
    """The line where the key at the dotted ``path`` (or a table under it) is first set; else the line of the
    deepest key or table above it that is set (an inline table holding it); 1 when none is."""
    best, best_len = 1, 0
    for _kind, p, line in _toml_events(text):
        shared = min(len(p), len(path))
        if p[:shared] == path[:shared] and shared > best_len:
            best, best_len = line, shared
            if shared == len(path):
                break
    return best
