"""Every package-index URL named inside the requirements inputs of `uv pip compile/install/sync`.

uvauth must know which indexes a command will contact, including those written in requirements
files, *without* rewriting the user's files (a rewritten file changes uv's ``# via -r`` annotations
and its header).  This module reads the inputs the way uv 0.13.8 does and never sends a request, never
reads stdin, a pipe or a device (uv must read them itself) and never writes anything.

It is a port of, and was checked line by line against, uv 0.13.8's
``crates/uv-requirements-txt/src/lib.rs`` (``parse_entry``, ``parse_value``, ``eat_option``,
``parse_requirement_and_hashes``, ``parse_inner``/``update_from``), ``crates/uv-requirements-txt/src/
shquote.rs`` (``unquote``), ``crates/uv-pep508/src/verbatim_url.rs`` (``expand_env_vars``,
``split_scheme``, ``from_url_or_path``), ``crates/uv-configuration/src/requirements_input.rs``
(``RequirementsInput::resolve``/``resolve_local_path``), ``crates/uv-requirements/src/sources.rs``
(how an input is classified) and ``crates/uv-requirements/src/specification.rs`` (``from_sources``:
how inputs combine), plus ``crates/uv-scripts/src/lib.rs`` (``ScriptTag::parse``).  Behaviour that
surprises (all confirmed by running uv 0.13.8):

* Index options in a file included with ``-c`` *inside* a requirements file are dropped by uv (only
  its requirements are kept), while the same options in a constraints file given on the command
  line (``-c FILE``) count.  Both are reproduced.
* An ``--index-url`` inherited from a nested ``-r`` file counts as the including file's own: a later
  ``--index-url`` in the including file is "Multiple `--index-url` values provided", even when equal.
* Within one file, ``-r`` nesting compares index URLs as parsed URLs (a trailing slash or different
  credentials conflict; host case and a default port do not); across inputs uv compares with
  ``CanonicalUrl`` (:func:`uvauth.uv.urls.index_key`) and the *later* of two equal URLs wins.
* Files reached through a cycle are read again once from the other side (uv does not record the
  top-level file as visited), so options may repeat; uv keeps the repeats, and so do we.
* ``--no-index`` and the ignored options (``--pre`` …) must be followed by whitespace, ``=``, ``#`` or
  the end; value options are matched as prefixes (``-ihttps://…`` is an error, not an option).
* A value runs to the end of the line or to ``#`` (even inside a URL), may start on a *later* line
  when the option is followed by whitespace and a line break, and is unquoted with POSIX shell rules
  but never split: whitespace inside it stays.
* After a requirement's ``--hash`` values, the rest of the line is parsed as new statements, so
  ``pkg --hash=sha256:… -i URL`` sets the index URL.

Where uv would stop with an error of its own (bad syntax, a missing file, an invalid URL, an unnamed
requirement in a constraints file), uvauth does not fail: it skips the line, and from that point on it
raises none of its own errors either (uv would have stopped before reaching them).

Known gaps: requirement lines are not validated as PEP 508, so when uv would first stop on an invalid
requirement, uvauth may report a later index-URL conflict instead of leaving the error to uv (the
command fails either way).  Remote files and stdin are never read (see ``unread``).  A script's
``[tool.uv]`` is not checked for unknown keys, which uv rejects.  ``url`` is not normalized beyond
expansion and path resolution: compare URLs with :func:`uvauth.uv.urls.index_key`.  Windows paths are
handled only as far as uv treats them on POSIX.
"""

from __future__ import annotations

import os
import posixpath
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, NamedTuple
from urllib.parse import urlsplit

from uvauth import observed
from uvauth.errors import UvauthError
from uvauth.uv.urls import (
    InvalidUrl,
    file_url_path,
    index_key,
    is_url,
    normalize_absolute_path,
    path_to_url,
    redact,
    split_scheme,
    verbatim_key,
)

__all__ = ["IndexOptionKind", "RequirementsIndexOption", "RequirementsIndexes", "read_index_options"]

IndexOptionKind = Literal["index-url", "extra-index-url", "find-links", "no-index"]


class RequirementsIndexOption(NamedTuple):
    """One index option read from a requirements input."""

    kind: IndexOptionKind
    #: The value exactly as uv keeps it as ``given`` (unquoted, not ``${VAR}``-expanded): what
    #: ``uv pip compile --emit-index-url`` writes.  May hold credentials: redact before showing it.
    text: str
    #: The value as uv uses it: ``${VAR}``-expanded, surrounding blanks dropped, a local path made a
    #: ``file://`` URL (relative index paths against the working directory, relative find-links
    #: against the containing file's directory).  ``""`` for ``no-index``.
    url: str
    #: The file the option was read from (absolute).
    path: Path
    #: The 1-based line of the option (of the key, for a PEP 723 script).
    line: int

    @property
    def where(self) -> str:
        """``path:line``, for messages."""
        return f"{self.path}:{self.line}"


class RequirementsIndexes(NamedTuple):
    """The index options of all requirements inputs, combined as uv combines them."""

    index_url: RequirementsIndexOption | None
    extra_index_urls: tuple[RequirementsIndexOption, ...]
    find_links: tuple[RequirementsIndexOption, ...]
    no_index: bool
    #: Inputs uvauth did not or could not read: ``-`` (stdin belongs to uv), remote files (reading them
    #: would send a request; shown with any password redacted) and missing or unreadable files.
    unread: tuple[str, ...]
    #: The inputs among ``unread`` that uv will read and uvauth left alone: stdin, a pipe or device (reading
    #: it would consume what uv must read: `/dev/stdin`, `<(…)`, a FIFO) and remote files.  Their index
    #: options are uv's alone, so uvauth says which they are.
    unchecked: tuple[str, ...] = ()


def read_index_options(
    requirements: Sequence[str],
    constraints: Sequence[str] = (),
    overrides: Sequence[str] = (),
    *,
    cwd: Path,
    env: Mapping[str, str],
) -> RequirementsIndexes:
    """Read the index options of uv's requirements (``-r``/positional), ``-c`` and ``--overrides`` inputs.

    ``cwd`` is the directory uv will run in (after ``--directory``); ``env`` is the environment uv will
    see (for ``${VAR}`` expansion).  Raises :class:`~uvauth.errors.UvauthError` only for the index-URL
    conflicts uv itself rejects, and only when uv would reach them.
    """
    import sys

    # Files are followed as uv follows them, one recursive call per `-r` level, some five Python frames each:
    # Python's default limit (1,000 frames) stops at about 200 levels, where uv goes on (uv 0.13.8 aborts at about
    # 1,500). Python-to-Python calls do not grow the C stack (3.11+), so the limit is raised while reading.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _INCLUDE_FRAMES))
    try:
        return _Reader(Path(cwd), env).run(requirements, constraints, overrides)
    except RecursionError:
        raise UvauthError("requirements files include each other (-r/-c) too deeply to follow",
                          hint="flatten the chain of -r/-c includes; uv cannot follow it either") from None
    finally:
        sys.setrecursionlimit(limit)


#: Frames for a chain of 2,000 ``-r`` levels, beyond the ~1,500 at which uv itself overflows its stack.
_INCLUDE_FRAMES: Final = 12_000


def _exists(path: str) -> bool:
    # uv first asks whether an index or find-links value names a local directory. A URL taken as a path
    # (`<cwd>/https://host/TOKEN/simple`) is never one in practice, and noting it would put the URL, which may
    # hold a token, into a memoized plan's list of files: such a path is tested, not noted.
    if "://" not in path:
        observed.note(path)
    return os.path.exists(path)


# --------------------------------------------------------------------------------------------------
# Low-level scanning (uv's `unscanny`-based parser, as position arithmetic on the whole text)


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
_WS_RUN = _Lazy(f"[{_WS}]*")
_WS_CHAR = _Lazy(f"[{_WS}]")
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
#: A run of well-formed `--hash` options, each as `parse_hashes` takes it: `=` or whitespace, a value up to the
#: next whitespace, wrappable whitespace. The classes at each step are disjoint, so the greedy match is the loop's.
_HASH_RUN = rf"(?:--hash(?:=|[{_WS}]+)[^{_WS}]+{_WRAP})+"
#: The hashes `uv pip compile --generate-hashes` writes (`--hash=sha256:…`, a blank or a line end after each):
#: a subset of `_HASH_RUN` that is cheap to compile. Anything else (another spelling, a value that runs into a
#: backslash) fails it and goes through the faithful loop.
_COMMON_HASH_RUN = rf"(?:--hash(?:=|[ \t]+)[A-Za-z0-9:_=+/-]+(?=[ \t\n\r]|\Z){_WRAP})+(?!--hash)"
#: A line holding only a plain requirement (no backslash, no `--` option after it), or a plain requirement with
#: its common hashes: skipped in one go. Anything this does not match goes through the faithful slow path.
_SIMPLE_REQUIREMENT = rf"{_REQUIREMENT_TEXT}(?:{_PLAIN_END}|(?=[ \t\\]){_WRAP}{_COMMON_HASH_RUN})"
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
_ENV_VAR = _Lazy(r"\$\{([A-Z0-9_]+)\}")
_C0_OR_SPACE = "".join(chr(i) for i in range(0x21))
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
    # `parse_hashes`: at least one `--hash` (matched as a prefix), more after wrappable whitespace. The common
    # well-formed run in one match; the loop below takes over where it stops (and reports what uv rejects).
    hashes = _HASHES.match(content, pos)
    if hashes is not None:
        pos = hashes.end()
        if not content.startswith("--hash", pos):
            return pos
    while True:
        if not content.startswith("--hash", pos):
            raise _SyntaxError(pos)
        _, pos = _parse_value(content, pos + len("--hash"), stop_at_whitespace=True)
        pos = _WRAP_RE.match(content, pos).end()  # type: ignore[union-attr]
        if not content.startswith("--hash", pos):
            return pos


def _expand(text: str, env: Mapping[str, str], cwd: str) -> str:
    """uv's `expand_env_vars`: only `${NAME}` with NAME in `[A-Z0-9_]+`; unknown names stay literal.

    `${PROJECT_ROOT}`, when not set, is uv's working directory.
    """
    if "${" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match[1]
        value = env.get(name)
        if value is not None:
            return value
        return cwd if name == "PROJECT_ROOT" else match[0]

    return _ENV_VAR.sub(replace, text)


def _is_windows_absolute(text: str) -> bool:
    """uv's `is_windows_absolute_path` (`C:\\...`, `C:/...`), which is never read as a URL."""
    return len(text) >= 3 and text[0].isascii() and text[0].isalpha() and text[1] == ":" and text[2] in "/\\"


def _key_or_text(key: Callable[[str], str], url: str) -> str:
    """``key(url)``, or the text itself for one that does not parse (uv reports those elsewhere)."""
    try:
        return key(url)
    except InvalidUrl:
        return url


def _show(option: RequirementsIndexOption) -> str:
    """An option's value for a message, any password redacted (with its expansion, if it has one)."""
    text = redact(option.text)
    if "${" in option.text and option.url and option.url != option.text:
        return f"{text} (= {redact(option.url)})"
    return text


def _decode(raw: bytes) -> str | None:
    """uv's `read_to_string_transcode`: UTF-8 (a BOM dropped) or UTF-16 with a BOM; else unreadable."""
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


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


def _is_pylock(name: str) -> bool:
    """PEP 751 file names: `pylock.toml` and `pylock.<name>.toml` (a non-empty name without dots)."""
    if name == "pylock.toml":
        return True
    if not (name.startswith("pylock.") and name.endswith(".toml")):
        return False
    middle = name[len("pylock.") : -len(".toml")]
    return bool(middle) and "." not in middle


def _bad_for_role(name: str) -> bool:
    """`from_requirements_txt_kind`: constraints and overrides must not look like metadata or TOML."""
    if name in ("pyproject.toml", "setup.py", "setup.cfg") or _is_pylock(name):
        return True
    stem, dot, extension = name.rpartition(".")
    return bool(dot and stem) and extension.lower() == "toml"


# --------------------------------------------------------------------------------------------------
# Files, inputs and how they combine


class _Data:
    """The index part of uv's `RequirementsTxt` / `RequirementsSpecification`."""

    __slots__ = ("extra_index_urls", "find_links", "index_url", "no_index", "unnamed")

    def __init__(self) -> None:
        self.index_url: RequirementsIndexOption | None = None
        self.extra_index_urls: list[RequirementsIndexOption] = []
        self.find_links: list[RequirementsIndexOption] = []
        self.no_index = False
        #: Holds an editable or unnamed (path or URL) requirement: uv rejects that in a constraints file.
        self.unnamed = False

    def update_from(self, other: _Data) -> None:
        """uv's `update_from` (a nested `-r` file): the including file's `--index-url` wins."""
        if self.index_url is None:
            self.index_url = other.index_url
        self.extra_index_urls.extend(other.extra_index_urls)
        self.find_links.extend(other.find_links)
        self.no_index = self.no_index or other.no_index
        self.unnamed = self.unnamed or other.unnamed


class _Visited(NamedTuple):
    """uv's `VisitedFiles`: nested files already read (keyed as uv keys them), so that cycles end."""

    requirements: set[str]
    constraints: set[str]
    constraints_mode: bool = False
    #: The text is read as constraints: note unnamed requirements (uvauth's own addition).
    constraints_input: bool = False


_INCLUDES = (("-r", False), ("--requirement", False), ("-c", True), ("--constraint", True))
_INDEXES: tuple[tuple[str, IndexOptionKind], ...] = (
    ("-i", "index-url"),
    ("--index-url", "index-url"),
    ("--extra-index-url", "extra-index-url"),
)

#: How a top-level input is read (uv's `RequirementsSource` after `from_requirements_file`).
_Kind = Literal[
    "stdin", "remote", "requirements", "script", "extensionless", "ignored", "skip", "error", "fatal"
]


class _Reader:
    def __init__(self, cwd: Path, env: Mapping[str, str]) -> None:
        self.cwd = os.path.abspath(cwd)
        self.env = env
        self.unread: list[str] = []
        self.unchecked: list[str] = []
        #: uv will have stopped with an error of its own by now: raise nothing more.
        self.doomed = False
        self._paths: dict[str, Path] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def _abs(self, raw: str) -> str:
        return os.path.join(self.cwd, raw)

    def _fail(self, error: UvauthError) -> None:
        if not self.doomed:
            raise error

    def _note_unread(self, what: str) -> None:
        if what not in self.unread:
            self.unread.append(what)

    def _leave_to_uv(self, what: str) -> None:
        """An input uv reads and uvauth must not (stdin, a pipe, a device, a remote file)."""
        self._note_unread(what)
        if what not in self.unchecked:
            self.unchecked.append(what)

    def _left_to_uv(self, raw: str, label: str) -> bool:
        path = self._abs(raw)
        if not observed.readable_once(path):
            return False
        observed.note(path)
        self._leave_to_uv(label)
        return True

    def _read(self, raw: str) -> str | None:
        observed.note(self._abs(raw))
        try:
            with open(self._abs(raw), "rb") as file:
                data = file.read()
        except (OSError, ValueError):
            return None
        return _decode(data)

    def _path(self, raw: str) -> Path:
        path = self._paths.get(raw)
        if path is None:
            path = self._paths[raw] = Path(normalize_absolute_path(self._abs(raw)))
        return path

    def _option(
        self, kind: IndexOptionKind, text: str, url: str, raw: str, line: int
    ) -> RequirementsIndexOption:
        return RequirementsIndexOption(kind=kind, text=text, url=url, path=self._path(raw), line=line)

    def _local_path(self, target: str, raw: str) -> str:
        """`resolve_local_path`: against the containing file's directory (uv's CWD when it has none)."""
        return os.path.join(os.path.dirname(raw) or self.cwd, target)

    def _resolve(self, target: str, raw: str) -> tuple[Literal["stdin", "remote", "local"], str] | None:
        """`RequirementsInput::resolve` of a nested input `target` written in the local file `raw`.

        None where uv reports an error.
        """
        scheme = None if _is_windows_absolute(target) else split_scheme(target)
        if scheme is None:
            return ("stdin", "-") if target == "-" else ("local", self._local_path(target, raw))
        if scheme.lower() == "file":
            path = file_url_path(target)
            return None if path is None else ("local", path)
        return "remote", target.strip(_C0_OR_SPACE)

    # -- requirements.txt ------------------------------------------------------------------------

    def parse_file(self, raw: str, visited: _Visited, label: str | None = None) -> _Data:
        label = label or normalize_absolute_path(self._abs(raw))
        if self._left_to_uv(raw, label):
            return _Data()
        content = self._read(raw)
        if content is None:
            self._note_unread(label)
            self.doomed = True
            return _Data()
        return self.parse_text(content, raw, visited)

    def parse_text(self, content: str, raw: str, visited: _Visited) -> _Data:
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
                pos = self._statement(content, pos, raw, visited, data, lines)
            except _SyntaxError as error:
                # uv stops here with its own error; uvauth skips the line and raises nothing more.
                self.doomed = True
                stop = _LINE_END.search(content, max(error.pos, pos))
                pos = stop.start() if stop else n

    def _statement(
        self, content: str, pos: int, raw: str, visited: _Visited, data: _Data, lines: _Lines
    ) -> int:
        """uv's `parse_entry` plus the handling of its statement; returns where the statement ends."""
        start = pos
        for prefix, constraint in _INCLUDES:
            if content.startswith(prefix, pos):
                value, end = _parse_value(content, pos + len(prefix))
                if not self._include(_unquote(value), raw, visited, data, constraint, lines.at(start)):
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
                if not self._index(kind, _unquote(value), raw, lines.at(start), data):
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
                if not self._find_links(_unquote(value), raw, lines.at(start), data):
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

    def _index(self, kind: IndexOptionKind, given: str, raw: str, line: int, data: _Data) -> bool:
        """`-i`/`--index-url`/`--extra-index-url`; False where uv reports an invalid URL."""
        expanded = _expand(given, self.env, self.cwd)
        if expanded and _exists(self._abs(expanded)):
            url = path_to_url(self._abs(expanded))  # a local index: relative to uv's working directory
        elif split_scheme(expanded) is not None:
            url = expanded.strip(_C0_OR_SPACE)
        else:
            return False  # uv: "relative URL without a base"
        option = self._option(kind, given, url, raw, line)
        if kind == "extra-index-url":
            data.extra_index_urls.append(option)
        elif data.index_url is None:
            data.index_url = option
        else:
            first = data.index_url
            self._fail(
                UvauthError(
                    f"Multiple `--index-url` values provided: `{_show(first)}` (from {first.path}:{first.line}) "
                    f"and `{_show(option)}`",
                    where=f"{option.path}:{line}",
                    hint="a requirements file, with the files it includes with `-r`, may set `--index-url` "
                    "only once; remove one of them or make it an `--extra-index-url`",
                )
            )
        return True

    def _find_links(self, given: str, raw: str, line: int, data: _Data) -> bool:
        """`-f`/`--find-links`; False where uv reports an invalid URL."""
        expanded = _expand(given, self.env, self.cwd)
        candidate = self._abs(self._local_path(expanded, raw))
        if _exists(candidate):
            url = path_to_url(candidate)  # relative to the containing file's directory
        else:
            resolved = self._resolve(expanded, raw)
            if resolved is None or resolved[0] == "stdin":
                return False
            where, target = resolved
            if where == "remote":
                url = target
            elif _exists(self._abs(target)):
                url = path_to_url(self._abs(target))
            elif split_scheme(expanded) is not None:
                url = expanded.strip(_C0_OR_SPACE)  # e.g. a `file://` URL of a directory not made yet
            else:
                return False  # uv: "relative URL without a base"
        data.find_links.append(self._option("find-links", given, url, raw, line))
        return True

    def _include(
        self, filename: str, raw: str, visited: _Visited, data: _Data, constraint: bool, line: int
    ) -> bool:
        """A nested `-r FILE` or `-c FILE`, read and merged as uv does; False where uv reports an error."""
        resolved = self._resolve(_expand(filename, self.env, self.cwd), raw)
        if resolved is None:
            return False
        where, target = resolved
        seen = visited.constraints if constraint or visited.constraints_mode else visited.requirements
        key = posixpath.normpath(target) if where == "local" else f"{where}:{target}"
        if key in seen:
            return True
        seen.add(key)
        if where == "stdin":
            self._leave_to_uv("-")
            return True
        if where == "remote":
            self._leave_to_uv(redact(target))
            return True
        if constraint:
            # uv keeps only the requirements of a nested constraints file and drops its index
            # options; its errors still stop uv, and so does an editable or unnamed requirement in it.
            nested = _Visited(visited.requirements, visited.constraints, True, constraints_input=True)
            if self.parse_file(target, nested).unnamed:
                self.doomed = True
            return True
        sub = self.parse_file(target, visited)
        if (
            sub.index_url is not None
            and data.index_url is not None
            and _key_or_text(verbatim_key, sub.index_url.url) != _key_or_text(verbatim_key, data.index_url.url)
        ):
            self._fail(
                UvauthError(
                    "Nested `requirements` file contains conflicting `--index-url`: "
                    f"`{_show(sub.index_url)}` (from {sub.index_url.path}:{sub.index_url.line}) vs. "
                    f"`{_show(data.index_url)}` (from {data.index_url.path}:{data.index_url.line})",
                    where=f"{self._path(raw)}:{line}",
                    hint="make the two `--index-url` values the same, or keep only one of them",
                )
            )
        data.update_from(sub)
        return True

    # -- PEP 723 scripts -------------------------------------------------------------------------

    def parse_script(self, content: str, raw: str) -> _Data | None:
        """The `[tool.uv]` index settings of a PEP 723 script; None when it has no `script` block.

        As in uv's `from_pep723_metadata`: `index-url`, `extra-index-url`, `find-links`, `no-index`,
        with relative paths taken against uv's working directory and no `${VAR}` expansion.  A script's
        `[[tool.uv.index]]` tables are not used by `uv pip` commands (checked with uv 0.13.8).
        """
        try:
            block = _script_block(content)
        except _ScriptError:
            self.doomed = True
            return _Data()
        if block is None:
            return None
        toml_lines, first_line = block
        try:
            document = tomllib.loads("\n".join(toml_lines) + "\n")
        except (tomllib.TOMLDecodeError, RecursionError):
            self.doomed = True
            return _Data()
        tool = document.get("tool")
        tool_uv = tool.get("uv") if isinstance(tool, dict) else None
        data = _Data()
        if tool_uv is None:
            return data
        if not isinstance(tool_uv, dict):
            self.doomed = True
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
                self.doomed = True  # uv: invalid type
                return None
            line = line_of(kind, value if listed else None)
            return self._option(kind, value, self._script_url(value), raw, line)

        if "index-url" in tool_uv:
            data.index_url = option("index-url", tool_uv["index-url"], False)
        for kind, target in (("extra-index-url", data.extra_index_urls), ("find-links", data.find_links)):
            values = tool_uv.get(kind)
            if values is None:
                continue
            if not isinstance(values, list):
                self.doomed = True
                continue
            for value in values:
                found = option(kind, value, True)  # type: ignore[arg-type]
                if found is not None:
                    target.append(found)
        no_index = tool_uv.get("no-index", False)
        if isinstance(no_index, bool):
            data.no_index = no_index
        else:
            self.doomed = True
        return data

    def _script_url(self, value: str) -> str:
        """`IndexUrl::from_str` (`from_url_or_path` without a root): paths against uv's CWD."""
        if is_url(value):
            return value.strip(_C0_OR_SPACE)
        path, hash_sign, fragment = value.partition("#")
        return path_to_url(self._abs(path)) + hash_sign + fragment

    # -- inputs ------------------------------------------------------------------------------------

    def _classify(
        self, text: str, role: Literal["requirements", "constraints", "overrides"]
    ) -> tuple[_Kind, str]:
        """uv's `RequirementsSource::from_requirements_file` (or `from_*_txt` for the other roles)."""
        if text == "-":
            return "stdin", "-"
        scheme = None if _is_windows_absolute(text) else split_scheme(text)
        if scheme is not None and scheme.lower() != "file":
            url = text.strip(_C0_OR_SPACE)
            try:
                index_key(url)  # uv parses the argument as a URL first (clap: "invalid value … for [SRC_FILE]")
                name = urlsplit(url).path.rpartition("/")[2]
            except (InvalidUrl, ValueError):
                return "fatal", url
            if role != "requirements":
                return ("fatal", url) if _bad_for_role(name) else ("remote", url)
            if name in ("pyproject.toml", "setup.py", "setup.cfg"):
                return "fatal", url
            if name == "environment.yml":
                return "error", url
            if _is_pylock(name):
                return "skip", url
            stem, dot, extension = name.rpartition(".")
            if dot and stem and extension.lower() == "toml":
                return "fatal", url
            return "remote", url
        if scheme is not None:
            path = file_url_path(text)
            if path is None:
                return "fatal", text
            text = path
        name = os.path.basename(text)
        if role != "requirements":
            return ("fatal", text) if _bad_for_role(name) else ("requirements", text)
        if name in ("pyproject.toml", "setup.py", "setup.cfg") or _is_pylock(name):
            return "ignored", text
        if name == "environment.yml":
            return "error", text
        extension = os.path.splitext(name)[1].lower()
        if extension in (".py", ".pyw"):
            return "script", text
        if extension == ".toml":
            return "fatal", text
        if not extension:
            return "extensionless", text
        return "requirements", text

    def _read_source(self, kind: _Kind, where: str, constraints: bool = False) -> _Data:
        """uv's `from_source`: the index options of one top-level input."""
        if kind == "stdin":
            self._leave_to_uv("-")
        elif kind == "remote":
            self._leave_to_uv(redact(where))
        elif kind == "error":
            self.doomed = True
        elif kind == "ignored":
            if not _exists(self._abs(where)):
                self._note_unread(where)
                self.doomed = True
        elif kind == "requirements":
            if not _exists(self._abs(where)):
                self._note_unread(where)
                self.doomed = True
                return _Data()
            data = self.parse_file(where, _Visited(set(), set(), constraints_input=constraints), label=where)
            if data.unnamed:
                self.doomed = True  # uv: "Unnamed requirements are not allowed as constraints"
            return data
        elif kind in ("script", "extensionless"):
            if self._left_to_uv(where, where):
                return _Data()
            content = self._read(where)
            if content is None:
                self._note_unread(where)
                self.doomed = True
                return _Data()
            script = self.parse_script(content, where)
            if script is not None:
                return script
            if kind == "script":
                self.doomed = True  # uv: "does not contain inline script metadata"
                return _Data()
            return self.parse_text(content, where, _Visited(set(), set()))
        return _Data()

    def _combine(self, spec: _Data, source: _Data) -> None:
        """One step of uv's `from_sources`: at most one distinct `--index-url`; the later equal one wins."""
        new = source.index_url
        if new is not None:
            existing = spec.index_url
            if existing is not None and _key_or_text(index_key, existing.url) != _key_or_text(index_key, new.url):
                self._fail(
                    UvauthError(
                        f"Multiple index URLs specified: `{_show(existing)}` vs. `{_show(new)}`",
                        where=f"{new.path}:{new.line}",
                        hint=f"the first is set at {existing.path}:{existing.line}; the requirements, "
                        "constraints and overrides files together may name only one `--index-url`",
                    )
                )
            spec.index_url = new
        spec.no_index = spec.no_index or source.no_index
        spec.extra_index_urls.extend(source.extra_index_urls)
        spec.find_links.extend(source.find_links)

    def run(
        self, requirements: Sequence[str], constraints: Sequence[str], overrides: Sequence[str]
    ) -> RequirementsIndexes:
        # An empty value is "unset" for uv's `-c`/`--overrides` (`Maybe`); uv rejects an empty path.
        sources = [self._classify(text, "requirements") for text in requirements if text]
        constraint_sources = [self._classify(text, "constraints") for text in constraints if text]
        override_sources = [self._classify(text, "overrides") for text in overrides if text]
        if any(kind == "fatal" for kind, _ in sources + constraint_sources + override_sources):
            self.doomed = True  # uv rejects the command line before it reads anything
        pylock = [kind for kind, where in sources if kind in ("ignored", "skip") and _is_pylock(_name(where))]
        if pylock and (len(pylock) != len(sources) or constraint_sources or override_sources):
            self.doomed = True  # a `pylock.toml` admits no other input
        if "" in requirements:
            self.doomed = True

        # uv reads every requirements input first, then combines them, then reads and combines each
        # constraints input, then each overrides input; that order decides which error uv shows first.
        spec = _Data()
        for source in [self._read_source(kind, where) for kind, where in sources]:
            self._combine(spec, source)
        for kind, where in constraint_sources:
            self._combine(spec, self._read_source(kind, where, constraints=True))
        for kind, where in override_sources:
            self._combine(spec, self._read_source(kind, where))
        return RequirementsIndexes(
            index_url=spec.index_url,
            extra_index_urls=tuple(spec.extra_index_urls),
            find_links=tuple(spec.find_links),
            no_index=spec.no_index,
            unread=tuple(self.unread),
            unchecked=tuple(self.unchecked),
        )


def _name(where: str) -> str:
    return urlsplit(where).path.rpartition("/")[2] if "://" in where else os.path.basename(where)
