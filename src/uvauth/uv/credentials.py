"""Find an index's credentials the way uv does, so uvauth can hand them to uv up front.

uvauth passes what it finds to uv as ``UV_INDEX_<NAME>_USERNAME`` / ``UV_INDEX_<NAME>_PASSWORD``, which uv
seeds into its credential cache before the first request (uv-facts §1.5). The sources and their order are
uv's own (``crates/uv-auth/src/middleware.rs``, ``fetch_credentials``), checked against uv 0.13.8:

1. userinfo in the index URL (``https://user:pass@host/simple``);
2. ``UV_INDEX_<NAME>_USERNAME`` / ``UV_INDEX_<NAME>_PASSWORD`` for a named index;
3. netrc: ``$NETRC``, else ``~/.netrc`` (the first of the two that exists);
4. the plain-text store written by ``uv auth login`` (``credentials.toml``);
5. the ``keyring`` command, only with ``--keyring-provider subprocess``.

A source that yields only a username (``https://user@host/…``, or ``UV_INDEX_<NAME>_USERNAME`` alone) does not
end the search: the later sources are asked for that username's password, as uv does.

Nothing here ever puts a password, or a username (some services take a token as the username), into an
exception, a ``repr`` or the human-readable ``tried``/``detail`` texts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from uvauth.uv import envvars, urls
from uvauth.errors import UvauthError

# On the path of every reconciled uv call: what only the keyring and the `uv auth` store need (subprocess,
# shutil, tomllib, datetime) is imported where they use it, and names for annotations only for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Mapping
    from typing import Literal

    CredentialSource = Literal["url", "uv-index-env", "netrc", "uv-auth-store", "keyring"]

#: Seconds one ``keyring get`` may take. uv itself waits forever; a hung keyring backend (a locked desktop
#: keyring waiting for an unlock prompt) must not hang uvauth.
KEYRING_TIMEOUT = 30.0


class Credentials(NamedTuple):
    """A username and password for HTTP Basic authentication, and where they came from.

    ``username`` is ``""`` when the source gave a password alone (uv then sends ``:password``). ``password``
    is never part of ``repr``/``str``; ``detail`` names the exact place and never holds a secret.
    """

    username: str
    password: str
    source: CredentialSource
    detail: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, source={self.source!r}, detail={self.detail!r})"


class Lookup(NamedTuple):
    """The outcome of :func:`find_credentials`: what was found, and every source asked, in order."""

    credentials: Credentials | None
    tried: tuple[str, ...]


def env_var_prefix(index_name: str) -> str:
    """``UV_INDEX_<NAME>_`` as uv derives it (``IndexName::to_env_var``, index_name.rs).

    Every ASCII letter or digit is upper-cased and every other character becomes ``_``, one per character:
    ``art`` gives ``UV_INDEX_ART_``, ``my-idx.v2`` gives ``UV_INDEX_MY_IDX_V2_``. Distinct names can share
    variables (``a-b`` and ``a_b``, ``Art`` and ``art``), exactly as in uv.
    """
    if not index_name:
        raise UvauthError("an index name cannot be empty")
    converted = "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in index_name)
    return f"{envvars.UV_INDEX_CREDENTIALS_PREFIX}{converted}_"


# --------------------------------------------------------------------------------------------------------------
# The index URL, seen the way the `url` crate sees it.


class _Url(NamedTuple):
    scheme: str
    host: str  # `host_str()`: lower-cased, IPv6 in brackets
    port: int | None  # `port()`: None for the scheme's default port
    path: str  # never empty, dot segments resolved
    query: str | None
    fragment: str | None
    username: str | None  # percent-decoded, None when empty (uv's `Username`)
    password: str | None  # percent-decoded, None when absent or empty (the `url` crate drops `user:@`)

    @property
    def netloc(self) -> str:
        """``host[:port]``: the second service name uv asks the keyring for."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def service(self) -> str:
        """The URL without credentials, serialised as ``Url::as_str`` does (the keyring's first service)."""
        text = f"{self.scheme}://{self.netloc}{self.path}"
        if self.query is not None:
            text += f"?{self.query}"
        if self.fragment is not None:
            text += f"#{self.fragment}"
        return text


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _clean_path(path: str) -> str:
    """Resolve ``.``/``..`` segments like URL parsing does; an empty path is ``/``; a trailing slash stays."""
    if not path:
        return "/"
    segments: list[str] = []
    raw = path.split("/")[1:] if path.startswith("/") else path.split("/")
    last = len(raw) - 1
    for i, segment in enumerate(raw):
        if segment in (".", "%2e", "%2E"):
            if i == last:
                segments.append("")
            continue
        if segment in ("..", ".%2e", ".%2E", "%2e.", "%2E.", "%2e%2e", "%2E%2E", "%2e%2E", "%2E%2e"):
            if segments:
                segments.pop()
            if i == last:
                segments.append("")
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


# What the `url` crate leaves alone in a path: printable ASCII except its "path percent-encode set".
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>?`{}')


def _encode_path(path: str) -> str:
    """Percent-encode a path as the `url` crate serialises it (spaces, quotes, non-ASCII, …)."""
    return quote(path, safe=_PATH_SAFE)


def _host_str(host: str) -> str:
    if ":" in host:
        return f"[{host}]"
    if not host.isascii():
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            return host
    return host


def _parse_url(url: str) -> _Url | None:
    """Parse an absolute ``scheme://host/…`` URL, or return None."""
    text = url.strip()
    if not _SCHEME.match(text):
        return None
    try:
        parts = urlsplit(text)
        realm = urls.realm(text)
    except ValueError:
        return None
    if not realm.host:
        return None
    username, password = urls.userinfo(text)
    return _Url(
        scheme=realm.scheme,
        host=_host_str(realm.host),
        port=realm.port,
        path=_encode_path(_clean_path(parts.path)),
        query=parts.query if parts.query or text.split("#", 1)[0].endswith("?") else None,
        fragment=parts.fragment if "#" in text else None,
        username=username or None,
        password=password or None,
    )


def _is_path_prefix(prefix: str, path: str) -> bool:
    """uv's ``is_path_prefix`` (uv-auth/src/index.rs): a prefix on path-segment boundaries."""
    if prefix == path:
        return True
    if not path.startswith(prefix):
        return False
    return prefix.endswith("/") or path[len(prefix) :].startswith("/")


# --------------------------------------------------------------------------------------------------------------
# Where things live.


def _home(env: Mapping[str, str], home: Path | None) -> Path | None:
    if home is not None:
        return home
    value = env.get("USERPROFILE" if os.name == "nt" else "HOME")
    if value:
        return Path(value)
    if os.name != "nt":
        import pwd  # not on Windows

        try:
            return Path(pwd.getpwuid(os.getuid()).pw_dir)
        except KeyError:
            return None
    return None


def _display(path: Path, home: Path | None) -> str:
    """``path``, with the home directory written as ``~``."""
    if home is not None:
        try:
            return "~/" + path.relative_to(home).as_posix()
        except ValueError:
            pass
    return str(path)


def _expand_tilde(value: str, home: Path | None) -> Path:
    """``shellexpand::path::tilde``: only a leading ``~`` or ``~/`` is expanded, from HOME."""
    if home is not None and (value == "~" or value.startswith("~/")):
        return home / value[2:] if value != "~" else home
    return Path(value)


def credentials_store_path(env: Mapping[str, str], home: Path | None = None) -> Path | None:
    """The ``credentials.toml`` that ``uv auth login`` writes and uv reads (uv-auth/src/store.rs).

    ``$UV_CREDENTIALS_DIR/credentials.toml`` when that variable is non-empty (taken verbatim: no ``~``
    expansion, a relative path is relative to the working directory); otherwise uv's state directory
    ``$XDG_DATA_HOME/uv/credentials/credentials.toml`` (only an absolute ``XDG_DATA_HOME`` counts), else
    ``~/.local/share/uv/credentials/credentials.toml``; on Windows ``%APPDATA%\\uv\\credentials``.
    Verified with ``uv auth dir`` (uv 0.13.8). ``UV_STATE_DIR``, ``XDG_STATE_HOME`` do not matter.
    """
    explicit = env.get(envvars.UV_CREDENTIALS_DIR)
    if explicit:
        return Path(explicit) / "credentials.toml"
    if os.name == "nt":
        appdata = env.get("APPDATA")
        base = Path(appdata) if appdata else None
        if base is None:
            user_home = _home(env, home)
            base = user_home / "AppData" / "Roaming" if user_home is not None else None
    else:
        xdg = env.get("XDG_DATA_HOME")
        if xdg and os.path.isabs(xdg):
            base = Path(xdg)
        else:
            user_home = _home(env, home)
            base = user_home / ".local" / "share" if user_home is not None else None
    if base is None:
        return None
    return base / "uv" / "credentials" / "credentials.toml"


# --------------------------------------------------------------------------------------------------------------
# netrc: a port of uv's own parser (crates/uv-netrc, itself a translation of CPython's `netrc`).
#
# CPython's `netrc` module is not used because it disagrees with uv where it matters: it rejects a `macdef`
# that runs to the end of the file or ends at a whitespace-only line (uv accepts both), so a file uv reads
# fine would be "malformed" to uvauth.


class _NetrcError(Exception):
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


class _NetrcEntry(NamedTuple):
    login: str
    password: str


def _parse_netrc(text: str) -> dict[str, _NetrcEntry]:
    """Hosts to entries (``default`` under its own name); a host listed twice keeps its last entry."""
    hosts: dict[str, _NetrcEntry] = {}
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
            raise _NetrcError(f"unexpected word at line {lexer.lineno}")
        if not entryname:
            raise _NetrcError(f"`{tt}` without a name at line {lexer.lineno}")
        login = password = ""
        while True:
            prev_lineno = lexer.lineno
            tt = lexer.get_token()
            if tt.startswith("#"):
                if lexer.lineno == prev_lineno:
                    lexer.read_line()
                continue
            if tt in ("", "machine", "default", "macdef"):
                hosts[entryname] = _NetrcEntry(login, password)
                lexer.push_token(tt)
                break
            if tt in ("login", "user"):
                login = lexer.get_token()
            elif tt == "account":
                lexer.get_token()
            elif tt == "password":
                password = lexer.get_token()
            else:
                raise _NetrcError(f"unexpected word after `machine`/`default` at line {lexer.lineno}")
    return hosts


def _netrc_candidates(env: Mapping[str, str], home: Path | None) -> list[tuple[Path, str]]:
    """``Netrc::get_file``: ``$NETRC`` (``~`` expanded), then the home file(s); the first that exists wins."""
    candidates: list[tuple[Path, str]] = []
    if env.get("NETRC"):  # an empty NETRC names no file (Rust: `Path::new("").exists()` is false)
        candidates.append((_expand_tilde(env["NETRC"], home), f"NETRC={env['NETRC']}"))
    if home is not None:
        names = (".netrc", "_netrc") if os.name == "nt" else (".netrc",)
        candidates.extend((home / name, f"~/{name}") for name in names)
    return candidates


# --------------------------------------------------------------------------------------------------------------
# The `uv auth` text store.


class _StoreEntry(NamedTuple):
    service: _Url
    service_text: str
    username: str | None
    password: str | None
    bearer: bool
    expired: bool


def _text(output: str | bytes | None) -> str:
    """Subprocess output as text; bytes that are not UTF-8 become lone surrogates (checked by the caller)."""
    if output is None:
        return ""
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="surrogateescape")
    return output


class _AmbiguousError(Exception):
    """Two store entries match equally well (uv: ``LookupError::AmbiguousUsername``)."""


class _StoreError(Exception):
    """The store cannot be read; uv then ignores the whole file. The text never holds a value from the file."""


def _expired(value: object) -> bool:
    from datetime import UTC, datetime

    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as err:
            raise _StoreError("`expires-at` is not a timestamp") from err
    else:
        raise _StoreError("`expires-at` is not a timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment <= datetime.now(UTC)


def _optional_str(item: Mapping[str, object], key: str, number: int) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise _StoreError(f"credential #{number}: `{key}` is not a string")
    return value


def _parse_store(text: str) -> list[_StoreEntry]:
    """Validate ``[[credential]]`` tables exactly as uv's ``TomlCredentialWire`` does."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _StoreError(f"not valid TOML ({str(err).rpartition('(')[2].rstrip(')')})") from None
    raw = data.get("credential", [])
    if not isinstance(raw, list):
        raise _StoreError("`credential` is not an array of tables")
    entries: dict[tuple[str, str | None], _StoreEntry] = {}
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise _StoreError(f"credential #{number} is not a table")
        service_text = item.get("service")
        if not isinstance(service_text, str):
            raise _StoreError(f"credential #{number}: `service` is missing or not a string")
        service = _parse_url(service_text)
        if service is None:
            if not _SCHEME.match(service_text.strip()):
                raise _StoreError(f"credential #{number}: `service` is not an absolute URL")
            continue  # a URL without a host (`foo:bar`) parses in uv but can never match
        username = _optional_str(item, "username", number) or None
        password = _optional_str(item, "password", number)
        token = _optional_str(item, "token", number)
        scheme = item.get("scheme", "basic")
        if scheme == "basic":
            if username is None:
                raise _StoreError(f"credential #{number}: `username` is required with `scheme = basic`")
            if token is not None:
                raise _StoreError(f"credential #{number}: `token` cannot be provided with `scheme = basic`")
            bearer, expired = False, False
        elif scheme == "bearer":
            if username is not None or password is not None:
                raise _StoreError(f"credential #{number}: `username`/`password` with `scheme = bearer`")
            if token is None:
                raise _StoreError(f"credential #{number}: `token` is required with `scheme = bearer`")
            bearer = True
            expired = "expires-at" in item and _expired(item["expires-at"])
        else:
            raise _StoreError(f"credential #{number}: unknown `scheme`")
        # uv keys its map by (service, username): a later duplicate replaces an earlier one.
        entries[(service.service, username)] = _StoreEntry(
            service, service_text, username, password, bearer, expired
        )
    return list(entries.values())


# --------------------------------------------------------------------------------------------------------------
# The search.


class _Search:
    def __init__(
        self,
        url: _Url,
        *,
        name: str | None,
        env: Mapping[str, str],
        keyring_provider: str | None,
        home: Path | None,
        run: Callable[..., subprocess.CompletedProcess[str]] | None,
    ) -> None:
        self.url = url
        self.name = name
        self.env = env
        self.keyring_provider = keyring_provider
        self.home = _home(env, home)
        self.run = run
        self.username: str | None = None  # a username known from an earlier source, which later ones must match
        self.tried: list[str] = []
        self.stop = False  # uv would stop here with what it found (which uvauth cannot pass on)

    # 1. -------------------------------------------------------------------------------------------------------
    def from_url(self) -> Credentials | None:
        if self.url.password is not None:
            self.tried.append("URL userinfo (found)")
            return Credentials(self.url.username or "", self.url.password, "url", "userinfo in the index URL")
        if self.url.username is not None:
            self.username = self.url.username
            self.tried.append("URL userinfo (username only: looking for its password)")
        else:
            self.tried.append("URL userinfo (none)")
        return None

    # 2. -------------------------------------------------------------------------------------------------------
    def from_env(self) -> Credentials | None:
        if self.name is None:
            self.tried.append("UV_INDEX_<NAME>_USERNAME/PASSWORD (the index has no name)")
            return None
        prefix = env_var_prefix(self.name)
        user_var, password_var = f"{prefix}USERNAME", f"{prefix}PASSWORD"
        label = f"{user_var}/PASSWORD"
        username = self.env.get(user_var) or None
        password = self.env.get(password_var)  # set-but-empty counts, as with `std::env::var`
        if username is None and password is None:
            self.tried.append(f"{label} (not set)")
            return None
        detail = label if username is not None else password_var
        if self.username is not None:
            # uv uses the variables for a request that carries a username only when they name that
            # same user (checked with uv 0.13.8: a different user, or a password alone, is ignored).
            if username != self.username:
                self.tried.append(f"{label} (ignored: not for the username in the index URL)")
                return None
            if password is None:
                self.tried.append(f"{label} (username only: looking for its password)")
                return None
            self.tried.append(f"{label} (found)")
            return Credentials(username, password, "uv-index-env", detail)
        if password is not None:
            self.tried.append(f"{label} (found)")
            return Credentials(username or "", password, "uv-index-env", detail)
        self.username = username
        self.tried.append(f"{label} (username only: looking for its password)")
        return None

    # 3. -------------------------------------------------------------------------------------------------------
    def from_netrc(self) -> Credentials | None:
        candidates = _netrc_candidates(self.env, self.home)
        chosen: tuple[Path, str] | None = None
        missing: list[str] = []
        for path, label in candidates:
            if path.exists():
                chosen = (path, label)
                break
            missing.append(label)
        if chosen is None:
            where = "; ".join(f"{label}: not found" for label in missing) or "no NETRC and no home directory"
            self.tried.append(f"netrc ({where})")
            return None
        path, label = chosen
        if missing:
            label = f"{label}, as {'; '.join(missing)} does not exist"
        try:
            hosts = _parse_netrc(path.read_bytes().decode("utf-8", errors="replace"))
        except OSError as err:
            self.tried.append(f"netrc ({label}: unreadable: {err.strerror or type(err).__name__})")
            return None
        except _NetrcError as err:
            self.tried.append(f"netrc ({label}: malformed, {err}; uv ignores the whole file)")
            return None
        host = self.url.host
        entry, machine = hosts.get(host), f"machine {host}"
        if entry is None:
            entry, machine = hosts.get("default"), "default"
        if entry is None:
            self.tried.append(f"netrc ({label}: no `machine {host}` and no `default`)")
            return None
        if self.username is not None and entry.login != self.username:
            # uv does not fall back to `default` when the host's entry has another login.
            self.tried.append(f"netrc ({label}: {machine} is for a different login)")
            return None
        self.tried.append(f"netrc ({label}: found, {machine})")
        return Credentials(entry.login, entry.password, "netrc", f"{label} ({machine})")

    # 4. -------------------------------------------------------------------------------------------------------
    def from_store(self) -> Credentials | None:
        path = credentials_store_path(self.env, self.home)
        if path is None:
            self.tried.append("uv auth store (no home directory)")
            return None
        label = _display(path, self.home)
        if not path.exists():
            self.tried.append(f"uv auth store ({label}: not found)")
            return None
        try:
            entries = _parse_store(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.tried.append(f"uv auth store ({label}: not UTF-8; uv ignores the whole file)")
            return None
        except OSError as err:
            self.tried.append(f"uv auth store ({label}: unreadable: {err.strerror or type(err).__name__})")
            return None
        except _StoreError as err:
            self.tried.append(f"uv auth store ({label}: {err}; uv ignores the whole file)")
            return None

        try:
            match = self._store_match(entries)
        except _AmbiguousError:
            self.tried.append(
                f"uv auth store ({label}: several entries match this index equally well and no username is"
                " given; uv skips the store)"
            )
            return None
        if match is None:
            whose = " and username" if self.username is not None else ""
            self.tried.append(f"uv auth store ({label}: no entry for this index{whose})")
            return None
        where = f"{label} (service {urls.redact(match.service_text)})"
        if match.bearer:
            self.stop = True
            self.tried.append(
                f"uv auth store ({where}: a bearer token, which uv uses itself but which cannot be passed"
                " as UV_INDEX_* variables)"
            )
            return None
        if match.password is None:
            self.stop = True
            self.tried.append(
                f"uv auth store ({where}: an entry without a password; uv stops here and fails with"
                " `Incomplete credentials`)"
            )
            return None
        self.tried.append(f"uv auth store ({where}: found)")
        return Credentials(match.username or "", match.password, "uv-auth-store", where)

    def _store_match(self, entries: list[_StoreEntry]) -> _StoreEntry | None:
        """uv's ``TextCredentialStore::get_credentials``: the longest service path in the same realm that is a
        segment-boundary prefix of the request path (and has the known username, if any); two at that length
        is ambiguous, and uv then skips the store.

        uv asks with the *request* URL (``<index>/<package>/``), never the index URL itself, so the index path
        is taken as a directory: a service ``…/simple/`` matches the index ``…/simple``. uv's preceding exact
        (service, username) lookup never hits for such a URL and is left out.
        """
        probe = self.url.path if self.url.path.endswith("/") else self.url.path + "/"
        candidates = [
            entry
            for entry in entries
            if not entry.expired
            and (entry.service.scheme, entry.service.host, entry.service.port)
            == (self.url.scheme, self.url.host, self.url.port)
            and _is_path_prefix(entry.service.path, probe)
            and (self.username is None or entry.username == self.username)
        ]
        if not candidates:
            return None
        longest = max(len(entry.service.path) for entry in candidates)
        best = [entry for entry in candidates if len(entry.service.path) == longest]
        if len(best) > 1:
            raise _AmbiguousError
        return best[0]

    # 5. -------------------------------------------------------------------------------------------------------
    def from_keyring(self) -> Credentials | None:
        if self.keyring_provider != "subprocess":
            self.tried.append("keyring (disabled: pass --keyring-provider subprocess)")
            return None
        import shutil

        executable = shutil.which("keyring", path=self.env.get("PATH", os.defpath))
        if executable is None:
            self.tried.append("keyring (no `keyring` command on PATH)")
            return None
        # `KeyringProvider::fetch_subprocess_with_fallback`: the index URL, then host[:port], then (not for
        # https) scheme://host[:port]. Checked with uv 0.13.8.
        services = [self.url.service, self.url.netloc]
        if self.url.scheme != "https":
            services.append(f"{self.url.scheme}://{self.url.netloc}")
        tail = ["--mode", "creds"] if self.username is None else [self.username]
        shown_tail = "--mode creds" if self.username is None else "<username>"
        asked: list[str] = []
        for service in services:
            asked.append(service)
            outcome = self._keyring_get(executable, [service, *tail])
            if isinstance(outcome, Credentials):
                self.tried.append(f"keyring (keyring get {service} {shown_tail}: found)")
                return Credentials(
                    outcome.username, outcome.password, "keyring", f"keyring get {service} {shown_tail}"
                )
            if outcome is not None:  # a failure that makes further calls pointless
                self.tried.append(f"keyring (keyring get {service} {shown_tail}: {outcome})")
                return None
        self.tried.append(f"keyring (keyring get {' | '.join(asked)} {shown_tail}: nothing found)")
        return None

    def _keyring_get(self, executable: str, args: list[str]) -> Credentials | str | None:
        """One ``keyring get``: credentials, None to try the next service, or a reason to give up."""
        import subprocess

        run = self.run or subprocess.run
        try:
            result = run(
                [executable, "get", *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,  # bytes: text mode would turn a lone "\r" into "\n"
                env=dict(self.env),
                timeout=KEYRING_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"timed out after {KEYRING_TIMEOUT:g} s"
        except OSError as err:
            return f"could not run it: {err.strerror or type(err).__name__}"
        stdout, stderr = _text(result.stdout), _text(result.stderr)
        if result.returncode != 0:
            if self.username is None and "unrecognized arguments: --mode" in stderr:
                return (
                    "this keyring has no `--mode creds`; upgrade to keyring>=25.2.1 or give the index a"
                    " username"
                )
            return None
        if re.search("[\udc80-\udcff]", stdout):
            return None  # not UTF-8: uv ignores the answer
        if self.username is not None:
            return Credentials(self.username, stdout.rstrip(), "keyring", "")
        # `--mode creds`: username on the first line, password on the second (Rust's `str::lines`).
        lines = stdout.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        if len(lines) < 2:
            return None
        return Credentials(lines[0], lines[1], "keyring", "")


def find_credentials(
    index_url: str,
    *,
    name: str | None,
    env: Mapping[str, str],
    keyring_provider: str | None,
    home: Path | None = None,
    run: Callable[..., subprocess.CompletedProcess[str]] | None = None,
) -> Lookup:
    """Look for the credentials of the index at ``index_url`` in uv's sources and order (module docstring).

    ``name`` is the index's configured name (for ``UV_INDEX_<NAME>_*``), ``env`` the environment uv will run
    with, ``keyring_provider`` uv's ``--keyring-provider`` value, ``home`` the home directory (default: HOME
    from ``env``). The keyring is asked as uv asks it for an index with ``authenticate = "always"``, through
    ``run`` (default ``subprocess.run``).

    Returns the first complete credentials found, or ``Lookup(None, tried)``. Problems with a source (a
    malformed netrc or store, a missing or failing ``keyring``) are reported in ``tried``, never raised.
    Raises :class:`UvauthError` only when ``index_url`` is not an absolute ``scheme://host`` URL.
    """
    url = _parse_url(index_url)
    if url is None:
        shown = urls.redact(index_url)
        if "@" in shown:  # userinfo `redact` could not recognise (no `scheme://`): hide all of it
            shown = "****@" + shown.rpartition("@")[2]
        raise UvauthError(f"not an absolute URL with a host: {shown}")
    search = _Search(url, name=name, env=env, keyring_provider=keyring_provider, home=home, run=run)
    for step in (search.from_url, search.from_env, search.from_netrc, search.from_store, search.from_keyring):
        found = step()
        if found is not None:
            return Lookup(found, tuple(search.tried))
        if search.stop:
            break
    return Lookup(None, tuple(search.tried))
