"""The state of one reading of the requirements inputs, what it reads, and how a value names a file or URL.

What is read is the index part of uv 0.13.8's ``RequirementsTxt`` and ``RequirementsSpecification``: it
follows ``crates/uv-requirements-txt/src/lib.rs`` (``RequirementsTxt``, ``update_from``) and
``crates/uv-requirements/src/specification.rs`` (``RequirementsSpecification``).  How a value names a file or
URL follows ``crates/uv-pep508/src/verbatim_url.rs`` (``expand_env_vars``, ``split_scheme``) and
``crates/uv-configuration/src/requirements_input.rs`` (``RequirementsInput::resolve``/``resolve_local_path``),
with uv's ``is_windows_absolute_path`` and ``read_to_string_transcode`` for what they name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, NamedTuple

from uvauth import observed
from uvauth.errors import UvauthError
from uvauth.uv.requirements.statements import _Lazy
from uvauth.uv.urls import InvalidUrl, file_url_path, normalize_absolute_path, redact, split_scheme

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


def _show(option: RequirementsIndexOption) -> str:
    """An option's value for a message, any password redacted (with its expansion, if it has one)."""
    text = redact(option.text)
    if "${" in option.text and option.url and option.url != option.text:
        return f"{text} (= {redact(option.url)})"
    return text


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


_ENV_VAR = _Lazy(r"\$\{([A-Z0-9_]+)\}")
_C0_OR_SPACE = "".join(chr(i) for i in range(0x21))


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


def _decode(raw: bytes) -> str | None:
    """uv's `read_to_string_transcode`: UTF-8 (a BOM dropped) or UTF-16 with a BOM; else unreadable."""
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


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

    def absolute(self, raw: str) -> str:
        return os.path.join(self.cwd, raw)

    def exists(self, path: str) -> bool:
        # uv first asks whether an index or find-links value names a local directory. A URL taken as a path
        # (`<cwd>/https://host/TOKEN/simple`) is never one in practice, and noting it would put the URL, which
        # may hold a token, into a memoized plan's list of files: such a path is tested, not noted.
        return observed.exists(self.env, path) if "://" not in path else os.path.exists(path)

    def fail(self, error: UvauthError) -> None:
        if not self.doomed:
            raise error

    def note_unread(self, what: str) -> None:
        if what not in self.unread:
            self.unread.append(what)

    def leave_to_uv(self, what: str) -> None:
        """An input uv reads and uvauth must not (stdin, a pipe, a device, a remote file)."""
        self.note_unread(what)
        if what not in self.unchecked:
            self.unchecked.append(what)

    def left_to_uv(self, raw: str, label: str) -> bool:
        path = self.absolute(raw)
        if not observed.readable_once(path):
            return False
        observed.note(self.env, path)
        self.leave_to_uv(label)
        return True

    def unreadable(self, what: str) -> None:
        """An input uv would fail to read (missing, unreadable): noted, and uvauth's reading is doomed (uv stops
        with its own error)."""
        self.note_unread(what)
        self.doomed = True

    def input_text(self, raw: str, label: str) -> str | None:
        """The text of a local input, or None: left to uv (a pipe, a device, read once: :meth:`left_to_uv`) or
        :meth:`unreadable`."""
        if self.left_to_uv(raw, label):
            return None
        content = self.read(raw)
        if content is None:
            self.unreadable(label)
        return content

    def read(self, raw: str) -> str | None:
        try:
            data = observed.read_bytes(self.env, self.absolute(raw))
        except (OSError, ValueError):
            return None
        return _decode(data)

    def path(self, raw: str) -> Path:
        path = self._paths.get(raw)
        if path is None:
            path = self._paths[raw] = Path(normalize_absolute_path(self.absolute(raw)))
        return path

    def option(
        self, kind: IndexOptionKind, text: str, url: str, raw: str, line: int
    ) -> RequirementsIndexOption:
        return RequirementsIndexOption(kind=kind, text=text, url=url, path=self.path(raw), line=line)

    def local_path(self, target: str, raw: str) -> str:
        """`resolve_local_path`: against the containing file's directory (uv's CWD when it has none)."""
        return os.path.join(os.path.dirname(raw) or self.cwd, target)

    def resolve(self, target: str, raw: str) -> tuple[Literal["stdin", "remote", "local"], str] | None:
        """`RequirementsInput::resolve` of a nested input `target` written in the local file `raw`.

        None where uv reports an error.
        """
        scheme = None if _is_windows_absolute(target) else split_scheme(target)
        if scheme is None:
            return ("stdin", "-") if target == "-" else ("local", self.local_path(target, raw))
        if scheme.lower() == "file":
            path = file_url_path(target)
            return None if path is None else ("local", path)
        return "remote", target.strip(_C0_OR_SPACE)
