"""The requirements.txt grammar: option values, requirements with their ``--hash`` options, line numbers, and
the one-match scan over the lines that hold nothing uvauth needs.

A port of uv 0.13.8's ``crates/uv-requirements-txt/src/lib.rs`` (``parse_entry``'s lexical parts:
``parse_value``, ``eat_option``, ``eat_wrappable_whitespace``, ``parse_requirement_and_hashes``,
``parse_hashes``, ``calculate_row_column``) and ``crates/uv-requirements-txt/src/shquote.rs``
(``unquote``), written as position arithmetic on the whole text where uv uses ``unscanny``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING


class _Lazy:
    """A regular expression compiled on first use.  uvauth reads the requirements files before every
    `uv pip` call, and a plain file needs only `_SKIP`: compiling them all up front costs a millisecond.

    The first use binds the compiled pattern's own methods to the instance, so every later call goes straight
    to `re` (a 5,000-requirement file makes some 70,000 of them)."""

    if TYPE_CHECKING:
        match: Callable[..., re.Match[str] | None]
        search: Callable[..., re.Match[str] | None]
        sub: Callable[..., str]

    def __init__(self, source: str) -> None:
        self._source = source

    def __getattr__(self, name: str) -> object:  # only for attributes not bound yet
        if name.startswith("_"):
            raise AttributeError(name)
        compiled = re.compile(self._source)
        self.match, self.search, self.sub = compiled.match, compiled.search, compiled.sub
        return getattr(compiled, name)


# No possessive quantifiers (`*+`, `++`) or atomic groups in these patterns: CPython before 3.11.5 matches
# them wrongly where the repeated part can backtrack or holds a lookahead (cpython gh-100061, gh-106052), and
# Debian 12's Python 3.11.2 read `foo --hash=… -f URL` as a plain requirement line, missing the option.
# Each pattern is written so that its greedy form matches exactly what a possessive one would
# (tests/test_requirements.py checks that every Python on the machine matches them alike on random input).

#: Rust's `char::is_whitespace` (the Unicode White_Space property).
_WS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
#: `_WS` and the rest of the code points as pattern classes: Python's `\s` is `_WS` and the four separators
#: U+001C..U+001F (tests/test_requirements.py checks every code point). A category class compiles in a fraction of
#: the time a class listing `_WS` takes (that one builds a table over the whole Basic Multilingual Plane).
_WS_CLASS = r"[^\S\x1c-\x1f]"
_NON_WS_CLASS = r"[\S\x1c-\x1f]"
_WS_RUN = _Lazy(f"{_WS_CLASS}*")
_WS_CHAR = _Lazy(_WS_CLASS)
_TERMINAL = _Lazy(r"[\n\r#]")
_LINE_END = _Lazy(r"[\n\r]")
#: `eat_wrappable_whitespace`: blanks, and backslash-newline continuations.
_WRAP = r"[ \t]*(?:\\(?:\n|\r\n|\r)[ \t]*)*"
_WRAP_RE = _Lazy(_WRAP)
#: A plain requirement's text: no backslash, and no blank run followed by a blank, a line end, a backslash, a
#: comment or an option. Written as an unrolled loop (`normal* (blank-run normal*)*`): a run of ordinary
#: characters is taken in one step, and since a blank run must start each repetition there is exactly one way
#: to split a line (no catastrophic backtracking when the line turns out not to be plain).
_REQUIREMENT_TEXT = r"[A-Za-z0-9./$][^\n\r\\ \t]*(?:[ \t]+(?![ \t\n\r\\#]|--)[^\n\r\\ \t]*)*"
#: What may follow a plain requirement's text for the line to be plain: blanks, a comment, the line's end.
_PLAIN_END = r"(?:[ \t]+(?:\#[^\r\n]*)?)?(?:\n|\r\n?)"
#: The `--hash` grammar, the one place it is written: uv's `parse_hashes` takes `--hash` (as a prefix), then
#: `parse_value` ending the value at whitespace (`=` or a whitespace run, line breaks included, then a value up
#: to the next whitespace), then wrappable whitespace, and again while `--hash` follows. The classes at each step
#: are disjoint, so the greedy match is uv's loop. Used by the fast scan (`_SKIP`) and by `_hashes`.
_HASH_RUN = rf"(?:--hash(?:=|{_WS_CLASS}+){_NON_WS_CLASS}+{_WRAP})+"
#: A line holding only a plain requirement (no backslash, no `--` option after it), or a plain requirement with
#: its hashes (not followed by another, malformed `--hash`): skipped in one go. Anything this does not match goes
#: through the statement-by-statement path.
_SIMPLE_REQUIREMENT = rf"{_REQUIREMENT_TEXT}(?:{_PLAIN_END}|(?=[ \t\\]){_WRAP}{_HASH_RUN}(?!--hash))"
#: Trivia (blank lines, comments, continuations) and plain requirement lines.
_SKIP = _Lazy(rf"(?:{_WRAP}(?:\n|\r\n?|\#[^\r\n]*|{_SIMPLE_REQUIREMENT}))*{_WRAP}")
#: Trivia only (for constraints files, whose requirements are looked at).
_TRIVIA = _Lazy(rf"(?:{_WRAP}(?:\n|\r\n?|\#[^\r\n]*))*{_WRAP}")
#: A requirement uv reads as *unnamed* (a path or URL), which a constraints file may not hold.  A
#: heuristic (uv decides with its PEP 508 parser); it only decides whether uv fails before uvauth would.
_UNNAMED = _Lazy(
    r"[./$]|[A-Za-z][A-Za-z0-9+.\-]*://|[A-Za-z]:[\\/]"
    r"|[^\s;#@]*?(?:/|\.whl|\.zip|\.tar(?:\.gz|\.bz2|\.xz|\.lz|\.lzma|\.zst)?|\.tgz|\.tbz|\.txz|\.tlz)(?=[\s;#]|\Z)"
)
_HASHES = _Lazy(_HASH_RUN)
_REQUIREMENT_START = _Lazy(r"[A-Za-z0-9./$]")
_REQUIREMENT_STOP = _Lazy(r"[\n\r \t\\]")
_PACKAGE_NAME = _Lazy(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_UNSUPPORTED_OPTIONS = ("--prefer-binary", "--pre", "--trusted-host", "--use-feature")


class _SyntaxError(Exception):
    """uv rejects the file here (uv reports it; uvauth skips the line)."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def _after_separator(content: str, pos: int) -> int:
    """Past what separates an option from its value: `=`, or whitespace (line breaks included); else uv's error."""
    if content.startswith("=", pos):
        return pos + 1
    if _WS_CHAR.match(content, pos):
        return _WS_RUN.match(content, pos + 1).end()  # type: ignore[union-attr]
    raise _SyntaxError(pos)


def _parse_value(content: str, pos: int, *, stop_at_whitespace: bool = False) -> tuple[str, int]:
    """uv's `parse_value`: `=VALUE` or whitespace (line breaks included) then VALUE; right-trimmed."""
    pos = _after_separator(content, pos)
    stop = (_WS_CHAR if stop_at_whitespace else _TERMINAL).search(content, pos)
    end = stop.start() if stop else len(content)
    value = content[pos:end].rstrip(_WS)
    if not value:
        raise _SyntaxError(end)
    return value, end


def _eat_option(content: str, pos: int, option: str) -> int | None:
    """uv's `eat_option`: the option only when followed by whitespace, `=`, `#` or the end."""
    if not content.startswith(option, pos):
        return None
    end = pos + len(option)
    if end == len(content) or content[end] in "=#" or _WS_CHAR.match(content, end):
        return end
    return None


def _unquote(value: str) -> str:
    """uv's vendored `r-shquote` `unquote`: POSIX shell quotes and escapes, no word splitting.

    An unterminated quote makes uv keep the value as written.
    """
    if "'" not in value and '"' not in value and "\\" not in value:
        return value
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        c = value[i]
        i += 1
        if c == "'":
            close = value.find("'", i)
            if close < 0:
                return value
            out.append(value[i:close])
            i = close + 1
        elif c == '"':
            while True:
                if i >= n:
                    return value
                c = value[i]
                i += 1
                if c == '"':
                    break
                if c == "\\":
                    if i >= n:
                        return value
                    escaped = value[i]
                    i += 1
                    out.append(escaped if escaped in '"\\`$\n' else "\\" + escaped)
                else:
                    out.append(c)
        elif c == "\\":
            if i < n:
                if value[i] != "\n":
                    out.append(value[i])
                i += 1
        else:
            out.append(c)
    return "".join(out)


def _skip_requirement(content: str, pos: int) -> int:
    """uv's `parse_requirement_and_hashes`, keeping only where the statement ends."""
    n = len(content)
    while True:
        stop = _REQUIREMENT_STOP.search(content, pos)
        if stop is None:
            return n
        pos = stop.start()
        c = content[pos]
        if c == "\n":
            return pos + 1
        if c == "\r":
            return pos + 2 if content.startswith("\n", pos + 1) else pos + 1
        after = _WRAP_RE.match(content, pos).end()  # type: ignore[union-attr]
        if after == pos:  # a backslash that does not continue the line
            pos += 1
            continue
        pos = after
        if content.startswith("--", pos):
            break
        if content.startswith("#", pos):
            stop = _LINE_END.search(content, pos)
            return stop.start() if stop else n
    return _hashes(content, pos)


def _hashes(content: str, pos: int) -> int:
    """uv's `parse_hashes` at `pos` (after a requirement and `--`): where its `--hash` options end (`_HASH_RUN`)."""
    hashes = _HASHES.match(content, pos)
    end = pos if hashes is None else hashes.end()
    if not content.startswith("--hash", end):
        if hashes is None:
            raise _SyntaxError(end)  # another option after a requirement
        return end
    # A `--hash` the run stopped at is malformed (no separator, or no value): uv's error is the one `parse_value`
    # reports there.
    _parse_value(content, end + len("--hash"), stop_at_whitespace=True)
    raise AssertionError(f"a malformed --hash at {end} parsed")


def _line_of(content: str, pos: int) -> int:
    """uv's `calculate_row_column` row: `\\n`, `\\r\\n` and a lone `\\r` each end a line."""
    line = content.count("\n", 0, pos) + 1
    if "\r" in content:
        line += content.count("\r", 0, pos) - content.count("\r\n", 0, pos)
    return line


class _Lines:
    """Line numbers of increasing positions in one text, counted incrementally (never quadratic)."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.cr = "\r" in content
        self.pos = 0
        self.line = 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            return _line_of(self.content, pos)
        content = self.content
        self.line += content.count("\n", self.pos, pos)
        if self.cr:
            self.line += content.count("\r", self.pos, pos) - content.count("\r\n", self.pos, pos)
        self.pos = pos
        return self.line
