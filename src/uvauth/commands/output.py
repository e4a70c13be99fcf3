"""How uvauth's own commands write text: readable in a terminal of any width and in every CI log.

* A value (a URL, a path, a word) is never broken. A table is drawn only on a terminal wide enough for every
  row on one line; otherwise — and always when the output is not a terminal — each item is one record of
  ``key: value`` lines (as ``kubectl describe`` or ``git show`` print them).
* Piped output has no padding, no colour and no wrapping (a line stays whole for grep); on a terminal the keys of
  a record are aligned and a long line is wrapped at spaces to the terminal's width, its continuation indented
  under its text (a word longer than the width stays whole on a line of its own).
* Colour only on a terminal, never under ``NO_COLOR``, and as ``--color`` says (:func:`uvauth.boundary.colour_enabled`).
* Every text output ends with a newline.

No rich here: its automatic highlighting colours numbers and URLs in lines that are not meant to be coloured, and
its tables fold cells mid-word.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from typing import IO, Final

from uvauth.boundary import colour_enabled

_CODES: Final = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "dim": "2"}


class Writer:
    """One output stream: whether it is a terminal, its width, whether to colour."""

    def __init__(self, file: IO[str], env: Mapping[str, str] | None = None, *, width: int | None = None,
                 terminal: bool | None = None, colour: bool | None = None) -> None:
        env = os.environ if env is None else env
        self.file = file
        isatty = getattr(file, "isatty", None)
        self.terminal = bool(isatty and isatty()) if terminal is None else terminal
        self.colour = colour_enabled(file, env) if colour is None else colour
        if width is None:
            width = shutil.get_terminal_size((80, 24)).columns if self.terminal else 0
        self.width = width  # 0: not a terminal, so no table

    def style(self, text: str, *styles: str) -> str:
        if not self.colour or not styles:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"

    def line(self, text: str = "", *, indent: int | None = None) -> None:
        """One line, wrapped on a terminal; continuation lines are indented by ``indent`` (default: the line's
        own indentation and two more)."""
        if indent is None:
            indent = len(text) - len(text.lstrip(" ")) + 2
        for part in _wrapped(text, self.width if self.terminal else 0, indent):
            self.file.write(part + "\n")

    def record(self, title: str, fields: Sequence[tuple[str, str]]) -> None:
        """``title`` then one ``  key: value`` line per field (keys aligned on a terminal only)."""
        self.line(title)
        pad = max((len(key) for key, _ in fields), default=0) if self.terminal else 0
        for key, value in fields:
            label = f"{key}:".ljust(pad + 1)
            self.line(f"  {self.style(label, 'bold')} {value}", indent=2 + len(label) + 1)

    def table_fits(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
        return self.terminal and self.width > 0 and _table_width(header, rows) <= self.width

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              styles: Sequence[Sequence[str]] | None = None) -> None:
        """Columns two spaces apart, no cell ever wrapped (call only when :meth:`table_fits`)."""
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

        def cells(row: Sequence[str], row_styles: Sequence[str]) -> str:
            out = []
            for i, cell in enumerate(row):
                padded = cell if i == len(row) - 1 else cell.ljust(widths[i])
                out.append(self.style(padded, row_styles[i]) if row_styles[i] else padded)
            return "  ".join(out).rstrip()

        self.line(cells(header, ["bold"] * len(header)))
        for n, row in enumerate(rows):
            self.line(cells(row, styles[n] if styles else [""] * len(row)))


def _visible_length(text: str) -> int:
    """The columns ``text`` takes: colour codes (``ESC [ … m``) take none."""
    length, i = 0, 0
    while i < len(text):
        if text[i] == "\x1b":
            end = text.find("m", i)
            if end != -1:
                i = end + 1
                continue
        length += 1
        i += 1
    return length


def _wrapped(text: str, width: int, indent: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns, broken at spaces only (0: one line)."""
    if width <= 0 or _visible_length(text) <= width:
        return [text]
    lead = len(text) - len(text.lstrip(" "))
    indent = min(indent, width // 2)  # a narrow terminal still leaves room for the words
    lines: list[str] = []
    current, used, empty = text[:lead], lead, True  # empty: no word on the current line yet
    for word in text[lead:].split(" "):
        size = _visible_length(word)
        if not empty and used + 1 + size > width:
            lines.append(current)
            current, used, empty = " " * indent, indent, True
        current, used = (current + word, used + size) if empty else (f"{current} {word}", used + 1 + size)
        empty = empty and not word
    lines.append(current)
    return lines


def _table_width(header: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return sum(widths) + 2 * (len(widths) - 1)
