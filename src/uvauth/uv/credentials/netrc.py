"""netrc: a port of uv's own parser (``crates/uv-netrc``, itself a translation of CPython's ``netrc``).

CPython's ``netrc`` module is not used because it disagrees with uv where it matters: it rejects a ``macdef``
that runs to the end of the file or ends at a whitespace-only line (uv accepts both), so a file uv reads fine
would be "malformed" to uvauth.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def expand_tilde(value: str, home: Path | None) -> Path:
    """``shellexpand::path::tilde``: only a leading ``~`` or ``~/`` is expanded, from HOME."""
    if home is not None and (value == "~" or value.startswith("~/")):
        return home / value[2:] if value != "~" else home
    return Path(value)


class NetrcError(Exception):
    """A netrc parse error. Its text holds a line number only, never a token (a token may be a password)."""


class _Lexer:
    def __init__(self, text: str) -> None:
        self.lineno = 1
        self._text = text
        self._pos = 0
        self._pushback: list[str] = []

    def _read_char(self) -> str | None:
        if self._pos >= len(self._text):
            return None
        ch = self._text[self._pos]
        self._pos += 1
        if ch == "\n":
            self.lineno += 1
        return ch

    def read_line(self) -> str:
        # Like uv's `read_line`: consumes the newline without counting it.
        end = self._text.find("\n", self._pos)
        if end == -1:
            line, self._pos = self._text[self._pos :], len(self._text)
        else:
            line, self._pos = self._text[self._pos : end], end + 1
        return line

    def get_token(self) -> str:
        if self._pushback:
            return self._pushback.pop(0)
        token = ""
        while (ch := self._read_char()) is not None:
            if ch in "\n\t\r ":
                continue
            if ch == '"':
                while (ch := self._read_char()) is not None:
                    if ch == '"':
                        return token
                    if ch == "\\":
                        token += self._read_char() or " "
                    else:
                        token += ch
                continue
            token += (self._read_char() or " ") if ch == "\\" else ch
            while (ch := self._read_char()) is not None:
                if ch in "\n\t\r ":
                    return token
                token += (self._read_char() or " ") if ch == "\\" else ch
        return token

    def push_token(self, token: str) -> None:
        self._pushback.append(token)


class NetrcEntry(NamedTuple):
    login: str
    password: str


def parse_netrc(text: str) -> dict[str, NetrcEntry]:
    """Hosts to entries (``default`` under its own name); a host listed twice keeps its last entry."""
    hosts: dict[str, NetrcEntry] = {}
    lexer = _Lexer(text)
    while True:
        saved_lineno = lexer.lineno
        tt = lexer.get_token()
        if not tt:
            break
        if tt.startswith("#"):
            # uv 0.13.8 skips the rest of the line after any `#…` word (checked: `#c machine h …` defines
            # nothing). CPython, and the uv-netrc source we could read, skip it only after a bare `#`.
            if lexer.lineno == saved_lineno:
                lexer.read_line()
            continue
        if tt == "machine":
            entryname = lexer.get_token()
        elif tt == "default":
            entryname = "default"
        elif tt == "macdef":
            lexer.get_token()
            while lexer.read_line().strip():
                pass
            continue
        else:
            raise NetrcError(f"unexpected word at line {lexer.lineno}")
        if not entryname:
            raise NetrcError(f"`{tt}` without a name at line {lexer.lineno}")
        login = password = ""
        while True:
            prev_lineno = lexer.lineno
            tt = lexer.get_token()
            if tt.startswith("#"):
                if lexer.lineno == prev_lineno:
                    lexer.read_line()
                continue
            if tt in ("", "machine", "default", "macdef"):
                hosts[entryname] = NetrcEntry(login, password)
                lexer.push_token(tt)
                break
            if tt in ("login", "user"):
                login = lexer.get_token()
            elif tt == "account":
                lexer.get_token()
            elif tt == "password":
                password = lexer.get_token()
            else:
                raise NetrcError(f"unexpected word after `machine`/`default` at line {lexer.lineno}")
    return hosts


def netrc_candidates(env: Mapping[str, str], home: Path | None, *,
                     windows: bool = os.name == "nt") -> list[tuple[Path, str]]:
    """``Netrc::get_file``: ``$NETRC`` (``~`` expanded), then the home file(s) — on Windows ``.netrc`` then
    ``_netrc`` — the first that exists wins."""
    candidates: list[tuple[Path, str]] = []
    if env.get("NETRC"):  # an empty NETRC names no file (Rust: `Path::new("").exists()` is false)
        candidates.append((expand_tilde(env["NETRC"], home), f"NETRC={env['NETRC']}"))
    if home is not None:
        names = (".netrc", "_netrc") if windows else (".netrc",)
        candidates.extend((home / name, f"~/{name}") for name in names)
    return candidates
