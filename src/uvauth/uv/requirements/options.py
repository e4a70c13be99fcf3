"""What is read from the requirements inputs: the index part of uv's ``RequirementsTxt`` and
``RequirementsSpecification``.

Follows uv 0.13.8's ``crates/uv-requirements-txt/src/lib.rs`` (``RequirementsTxt``, ``update_from``) and
``crates/uv-requirements/src/specification.rs`` (``RequirementsSpecification``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

from uvauth.uv.urls import redact

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
