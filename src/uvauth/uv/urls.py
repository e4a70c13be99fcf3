"""uv's URL model, in one place: how a URL is parsed, when two index URLs are "the same index", where an index's
authentication root is, which text is a URL at all, how a local path becomes a ``file://`` URL, and redaction.

uv parses every URL with the ``url`` crate, which implements the WHATWG URL standard. :func:`parse` follows that
standard for what matters to index URLs: it strips surrounding blanks and removes tabs and newlines; lower-cases
the scheme; for the special schemes (``http``, ``https``, ``ws``, ``wss``, ``ftp``, ``file``) skips any number of
slashes (and backslashes) after the scheme; takes the authority up to the first ``/``, ``?``, ``#`` (or ``\\``)
and the userinfo up to its *last* ``@``; lower-cases and IDNA-encodes the host, normalises IPv4 and IPv6
addresses; folds the scheme's default port; resolves ``.`` and ``..`` path segments, including percent-encoded
ones (``%2e``, ``.%2E``, …); and percent-encodes what the standard encodes. Text the ``url`` crate rejects (empty
host, bad port, unclosed ``[``, a forbidden host character) raises :class:`InvalidUrl`, and nothing else.

Every other function here is a rule of uv's (``docs/uv-rules.md``, "URL normalisation and realms" and "Auth policy
matching") built on that one parse. They are used only for *matching*: uvauth never rewrites the text of a URL it
hands to uv, because uv writes that text verbatim into ``--emit-index-url`` output and lock files, and treats a
trailing slash as meaningful for flat indexes.
"""

from __future__ import annotations

import functools
import os
import re
from typing import NamedTuple, TypeVar
from urllib.parse import quote, unquote

from uvauth.errors import UvauthError
from uvauth.uv.redact import redact as redact  # re-exported: callers see one URL module
from uvauth.uv.redact import redact_loosely as redact_loosely

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

T = TypeVar("T")

#: The WHATWG special schemes and their default ports (``file`` has none).
_SPECIAL_SCHEMES: dict[str, int | None] = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "file": None}

#: uv's ``Scheme::parse`` (``crates/uv-pep508/src/scheme.rs``), compared case-sensitively: the schemes for which
#: uv reads an index value, a config value or a requirements-file value as a URL. Any other ``scheme:`` text,
#: including ``HTTPS://…`` and ``s3://…``, is a (relative) path to uv (checked on 0.13.8). ``git+`` takes any
#: transport; the other VCS prefixes only these.
URL_SCHEMES = frozenset(
    {
        "file",
        "http",
        "https",
        "bzr+http",
        "bzr+https",
        "bzr+ssh",
        "bzr+sftp",
        "bzr+ftp",
        "bzr+lp",
        "bzr+file",
        "hg+file",
        "hg+http",
        "hg+https",
        "hg+ssh",
        "hg+static-http",
        "svn+ssh",
        "svn+http",
        "svn+https",
        "svn+svn",
        "svn+file",
    }
)

_C0_OR_SPACE = "".join(chr(i) for i in range(0x21))
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# What the WHATWG percent-encode sets leave alone: printable ASCII minus each set's characters.
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
_PATH_SAFE = "".join(c for c in _PRINTABLE if c not in '"#<>?`{}')
_QUERY_SAFE = "".join(c for c in _PRINTABLE if c not in '"#<>')
_SPECIAL_QUERY_SAFE = _QUERY_SAFE.replace("'", "")
_FRAGMENT_SAFE = "".join(c for c in _PRINTABLE if c not in '"<>`')
_USERINFO_SAFE = "".join(c for c in _PATH_SAFE if c not in "/:;=@[\\]^|")
_OPAQUE_SAFE = _PRINTABLE + " "
# `url::Url::from_file_path` encodes each path component with the path set plus `%` (the `/` separates them).
_FILE_PATH_SAFE = _PATH_SAFE.replace("%", "").replace("\\", "")
_FORBIDDEN_HOST = frozenset("\x00\t\n\r #/:<>?@[\\]^|")
_FORBIDDEN_DOMAIN = _FORBIDDEN_HOST | frozenset(chr(c) for c in range(0x20)) | {"%", "\x7f"}
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})


class InvalidUrl(UvauthError, ValueError):
    """Text that is not a URL uv would accept (the ``url`` crate's parse error): the one error this module raises.

    The message names the reason (``empty host``, ``invalid port number``, ``invalid IPv6 address``, …, the
    wording of uv's own errors) and shows the text with everything up to its last ``@`` hidden, so a password
    never reaches the terminal even when the text is too broken to find its userinfo.
    """

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"invalid URL {redact_loosely(text)!r}: {reason}")
        self.reason = reason


class Realm(NamedTuple):
    """uv's ``Realm``: credentials and authentication policies never cross a realm."""

    scheme: str
    host: str
    port: int | None


class Url(NamedTuple):
    """A URL as the ``url`` crate holds it after parsing. Its ``repr`` never shows the password."""

    scheme: str  # lower-cased
    username: str  # percent-encoded as serialised; "" when there is none
    password: str | None  # percent-encoded; None when absent or empty (the `url` crate drops `user:@`)
    host: str | None  # `host_str()`: lower-cased, punycode, IPv6 in brackets; None without an authority
    port: int | None  # `port()`: None when absent or the scheme's default
    path: str  # dot segments resolved, percent-encoded; "/" at least for a special scheme
    query: str | None
    fragment: str | None

    def __repr__(self) -> str:
        return f"Url({redact(str(self))!r})"

    def __str__(self) -> str:
        """The serialisation (``Url::as_str``)."""
        text = f"{self.scheme}:"
        if self.host is not None:
            text += "//"
            if self.username or self.password is not None:
                text += self.username + (f":{self.password}" if self.password is not None else "") + "@"
            text += self.host if self.port is None else f"{self.host}:{self.port}"
        text += self.path
        if self.query is not None:
            text += f"?{self.query}"
        if self.fragment is not None:
            text += f"#{self.fragment}"
        return text

    @property
    def realm(self) -> Realm:
        return Realm(self.scheme, self.host or "", self.port)

    @property
    def netloc(self) -> str:
        """``host[:port]`` (what uv asks the keyring for after the URL itself)."""
        host = self.host or ""
        return host if self.port is None else f"{host}:{self.port}"

    def without_credentials(self) -> Url:
        return self._replace(username="", password=None)

    def credentials(self) -> tuple[str | None, str | None]:
        """The percent-decoded (username, password), each None when absent or empty (uv's ``Credentials``)."""
        username = unquote(self.username) if self.username else None
        password = unquote(self.password) if self.password else None
        return username, password


# --------------------------------------------------------------------------------------------------------------
# Parsing


def split_scheme(text: str) -> str | None:
    """uv's ``split_scheme``: the scheme ``text`` starts with (blanks and C0 controls around it ignored), if any.

    Any ``letter (letter | digit | + | - | .)* :`` counts, whatever follows the colon: whether uv then reads the
    text as a URL is :func:`is_url`'s question.
    """
    match = _SCHEME.match(text.strip(_C0_OR_SPACE))
    return match[0][:-1] if match else None


def is_url(text: str) -> bool:
    """Does uv read this value (an index, config or requirements-file value) as a URL rather than a path?

    Only when it starts with a scheme in :data:`URL_SCHEMES` (or ``git+…``), compared case-sensitively:
    ``https://…`` is a URL, ``HTTPS://…`` and ``s3://…`` are (relative) paths to uv.
    """
    scheme = split_scheme(text)
    return scheme is not None and (scheme in URL_SCHEMES or scheme.startswith("git+"))


#: How many texts :func:`parse` and :func:`index_key` remember. Both are pure (a Url is immutable), and the
#: planner compares every index with every prefix and configured index: 500 indexes and 100 prefixes were 380 000
#: parses of some 600 texts. Bounded, so a process that meets endless distinct texts does not grow without end.
#: (``functools`` is loaded already: ``re`` imports it.)
_REMEMBERED = 4096


@functools.lru_cache(maxsize=_REMEMBERED)
def parse(text: str) -> Url:
    """Parse an absolute URL as the ``url`` crate does (module docstring); raise :class:`InvalidUrl` otherwise."""
    cleaned = _TAB_OR_NEWLINE.sub("", text.strip(_C0_OR_SPACE))
    if not cleaned.isascii() and _SURROGATES.search(cleaned):
        # A lone surrogate is a byte that was not UTF-8 (Python's surrogateescape of argv, the environment or a
        # file). uv refuses such an argument or variable ("invalid UTF-8 was detected in one or more arguments")
        # and such a file before it sends anything; it never reaches the url crate.
        raise InvalidUrl(text, "invalid UTF-8")
    match = _SCHEME.match(cleaned)
    if not match:
        raise InvalidUrl(text, "relative URL without a base")
    scheme = match[0][:-1].lower()
    rest = cleaned[match.end() :]
    special = scheme in _SPECIAL_SCHEMES
    rest, fragment = _split_off(rest, "#")
    rest, query = _split_off(rest, "?")
    if special:
        rest = rest.replace("\\", "/")  # a special URL's path and authority take `\\` for `/`
    if fragment is not None:
        fragment = _encode(fragment, _FRAGMENT_SAFE)
    if query is not None:
        query = _encode(query, _SPECIAL_QUERY_SAFE if special else _QUERY_SAFE)
    if special:
        if scheme == "file":
            if rest.startswith("//"):
                authority, path = _split_authority(rest[2:])
                host = _parse_file_host(text, authority)
            else:
                host, path = "", rest
            return Url(scheme, "", None, host, None, _parse_path(path, special=True), query, fragment)
        authority, path = _split_authority(rest.lstrip("/"))
        username, password, hostport = _split_userinfo(authority)
        host, port = _parse_host_port(text, hostport, scheme)
        return Url(scheme, username, password, host, port, _parse_path(path, special=True), query, fragment)
    if rest.startswith("//"):
        authority, path = _split_authority(rest[2:])
        username, password, hostport = _split_userinfo(authority)
        host, port = _parse_host_port(text, hostport, scheme)
        return Url(scheme, username, password, host, port, _parse_path(path, special=False), query, fragment)
    if rest.startswith("/"):
        return Url(scheme, "", None, None, None, _parse_path(rest, special=False), query, fragment)
    return Url(scheme, "", None, None, None, _encode(rest, _OPAQUE_SAFE), query, fragment)


def _split_off(text: str, separator: str) -> tuple[str, str | None]:
    head, sep, tail = text.partition(separator)
    return head, (tail if sep else None)


def _split_authority(text: str) -> tuple[str, str]:
    """(authority, path): the authority runs to the first ``/`` (``?`` and ``#`` are already split off)."""
    authority, slash, path = text.partition("/")
    return authority, slash + path


def _split_userinfo(authority: str) -> tuple[str, str | None, str]:
    """(username, password, host[:port]): the userinfo ends at the authority's *last* ``@``."""
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        return "", None, authority
    user, colon, password = userinfo.partition(":")
    return _encode(user, _USERINFO_SAFE), (_encode(password, _USERINFO_SAFE) if colon and password else None), hostport


def _parse_host_port(text: str, hostport: str, scheme: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            raise InvalidUrl(text, "invalid IPv6 address")
        host_text, after = hostport[: end + 1], hostport[end + 1 :]
        if after and not after.startswith(":"):
            raise InvalidUrl(text, "invalid IPv6 address")
        port_text = after[1:] if after else None
    else:
        host_text, colon, port_text_raw = hostport.partition(":")
        port_text = port_text_raw if colon else None
    port: int | None = None
    if port_text:
        digits = port_text.lstrip("0")
        if not port_text.isascii() or not port_text.isdigit() or len(digits) > 5 or int(port_text) > 65535:
            raise InvalidUrl(text, "invalid port number")
        port = int(port_text)
    if port is not None and _SPECIAL_SCHEMES.get(scheme) == port:
        port = None
    if scheme in _SPECIAL_SCHEMES:
        if not host_text:
            raise InvalidUrl(text, "empty host")
        return _parse_special_host(text, host_text), port
    if host_text.startswith("["):
        return _parse_special_host(text, host_text), port
    if any(c in _FORBIDDEN_HOST for c in host_text):
        raise InvalidUrl(text, "invalid domain character")
    return _encode(host_text, _OPAQUE_SAFE.replace(" ", "")), port


def _parse_file_host(text: str, host_text: str) -> str:
    if not host_text:
        return ""
    host = _parse_special_host(text, host_text)
    return "" if host == "localhost" else host


def _parse_special_host(text: str, host_text: str) -> str:
    """WHATWG host parsing for a special scheme: IPv6, else a domain (decoded, lower-cased, IDNA) or IPv4."""
    if host_text.startswith("["):
        inner = host_text[1:-1] if host_text.endswith("]") else None
        if not inner or "%" in inner or not inner.isascii():
            raise InvalidUrl(text, "invalid IPv6 address")
        import ipaddress

        try:
            return f"[{ipaddress.IPv6Address(inner).compressed}]"
        except ValueError:
            raise InvalidUrl(text, "invalid IPv6 address") from None
    domain = unquote(host_text, errors="replace")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidUrl(text, "invalid international domain name") from None
    domain = domain.lower()
    if not domain:
        raise InvalidUrl(text, "empty host")
    if any(c in _FORBIDDEN_DOMAIN for c in domain):
        raise InvalidUrl(text, "invalid domain character")
    labels = domain.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if _is_number(labels[-1]):
        return _parse_ipv4(text, labels)
    return domain


def _is_number(label: str) -> bool:
    if label[:2] in ("0x", "0X"):
        return all(c in "0123456789abcdefABCDEF" for c in label[2:])
    return label != "" and label.isascii() and label.isdigit()


def _parse_ipv4(text: str, labels: list[str]) -> str:
    """WHATWG IPv4 parsing: up to four decimal, octal (``0…``) or hex (``0x…``) parts, the last filling the rest."""
    if len(labels) > 4:
        raise InvalidUrl(text, "invalid IPv4 address")
    numbers: list[int] = []
    for label in labels:
        if label[:2] in ("0x", "0X"):
            digits, base = label[2:], 16
        elif len(label) > 1 and label.startswith("0"):
            digits, base = label[1:], 8
        else:
            digits, base = label, 10
        try:
            numbers.append(int(digits, base) if digits else 0)
        except ValueError:
            raise InvalidUrl(text, "invalid IPv4 address") from None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise InvalidUrl(text, "invalid IPv4 address")
    address = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        address += n * 256 ** (3 - i)
    return ".".join(str((address >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _parse_path(path: str, *, special: bool) -> str:
    """Resolve ``.``/``..`` segments (also ``%2e`` spellings, any case) and percent-encode with the path set.

    A dot segment at the end leaves a trailing slash (``/a/b/..`` is ``/a/``); ``..`` never climbs above the
    root. A special scheme's path is never empty.
    """
    if not path:
        return "/" if special else ""
    segments: list[str] = []
    raw = path[1:].split("/") if path.startswith("/") else path.split("/")
    last = len(raw) - 1
    for i, segment in enumerate(raw):
        lowered = segment.lower()
        if lowered in _DOUBLE_DOT:
            if segments:
                segments.pop()
            if i == last:
                segments.append("")
        elif lowered in _SINGLE_DOT:
            if i == last:
                segments.append("")
        else:
            segments.append(_encode(segment, _PATH_SAFE))
    return "/" + "/".join(segments)


def _encode(text: str, safe: str) -> str:
    return quote(text, safe=safe) if text else text


# --------------------------------------------------------------------------------------------------------------
# uv's rules, on the parsed URL


def realm(url: str) -> Realm:
    """Scheme, lower-cased host and port (the scheme's default port folded to ``None``, as the ``url`` crate does)."""
    return parse(url).realm


def by_realm(items: Iterable[T], url_of: Callable[[T], str]) -> dict[Realm, list[T]]:
    """``items`` grouped by the realm of their URL, in order; an item whose URL does not parse is left out (it is
    under no prefix and covers nothing). uv matches a URL against prefixes and index roots only within its realm,
    so comparing within a group keeps hundreds of indexes and prefixes near-linear."""
    groups: dict[Realm, list[T]] = {}
    for item in items:
        try:
            groups.setdefault(realm(url_of(item)), []).append(item)
        except InvalidUrl:
            continue
    return groups


@functools.lru_cache(maxsize=_REMEMBERED)
def index_key(url: str) -> str:
    """The key under which two index URLs are the same index, as uv's ``is_same_index`` decides it.

    The rule (``crates/uv-distribution-types/src/index_url.rs`` ``is_same_index``: ``RealmRef`` equality plus
    ``CanonicalUrl`` equality, ``crates/uv-cache-key/src/canonical_url.rs``), step by step:

    1. parse the URL (:func:`parse`): scheme and host lower-cased, the default port (``:80`` for http, ``:443``
       for https) the same as none, ``.`` and ``..`` segments resolved (also ``%2e`` spellings);
    2. drop the userinfo (``user:password@``);
    3. drop **one** trailing slash (``/simple`` and ``/simple/`` are the same index, ``/simple//`` is not; the
       root ``/`` stays);
    4. on github.com only, lower-case the path;
    5. drop a ``.git`` extension (any case), on any host: of the text before the path's last ``@`` if it has
       one (``repo.git@v1``), else of the last segment;
    6. percent-decode each path segment (one that is not UTF-8 once decoded stays as it is) and encode it again
       with the segment set, so ``%7E`` and ``~`` are the same, ``%2F`` and ``/`` are not;
    7. keep the query; drop the fragment (uvauth's choice: uv compares it, but an index URL has none).

    A URL without an authority path (``mailto:x``) is its own key. The key is itself a URL, and its key is
    itself (:func:`index_key` is idempotent): a remaining final ``/`` is written twice, and an ``@``, the ``.``
    of a final ``.git`` and (on github.com) an upper-case letter are percent-encoded, so that steps 3–5 do not
    apply a second time.
    """
    parsed = parse(url)._replace(username="", password=None, fragment=None)
    if not parsed.path.startswith("/"):
        return str(parsed)
    path = parsed.path
    if path.endswith("/") and path != "/":
        path = path[:-1]
    github = parsed.host == "github.com"
    if github:
        path = path.lower()
    prefix, at, suffix = path.rpartition("@")
    if at:
        if _has_git_extension(prefix):
            path = f"{prefix[:-4]}@{suffix}"
    elif _has_git_extension(path):
        path = path[:-4]
    segments = [_canonical_segment(segment, github=github) for segment in path[1:].split("/")]
    canonical = "/" + "/".join(segments)
    if canonical.endswith("/") and canonical != "/":
        canonical += "/"
    elif canonical.lower().endswith(".git"):
        canonical = canonical[:-4] + "%2E" + canonical[-3:]
    return str(parsed._replace(path=canonical))


def _has_git_extension(path: str) -> bool:
    """Rust's ``Path::extension`` is ``git`` (any case): ``a.git`` yes, ``.git`` and ``a.git/`` no."""
    name = path.rpartition("/")[2]
    return name.lower().endswith(".git") and len(name) > 4


#: `PathSegmentsMut::extend` encodes a segment with the path set plus `%` and `/` (and `\\` for special schemes);
#: the key adds `@` (see :func:`index_key`).
_KEY_SEGMENT_SAFE = "".join(c for c in _PATH_SAFE if c not in "%/\\@")


def _canonical_segment(segment: str, *, github: bool) -> str:
    try:
        decoded = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        decoded = segment  # uv: `decode_utf8().unwrap_or(segment)`
    encoded = quote(decoded, safe=_KEY_SEGMENT_SAFE)
    if github:  # keep step 4 from lower-casing a decoded `%41` on the next pass
        encoded = _UPPER_OUTSIDE_ESCAPES.sub(lambda m: m[1] or f"%{ord(m[2]):02X}", encoded)
    return encoded


_UPPER_OUTSIDE_ESCAPES = re.compile(r"(%[0-9A-Fa-f]{2})|([A-Z])")


def verbatim_key(url: str) -> str:
    """Equality of two parsed ``VerbatimUrl``s (uv compares the parsed URL and ignores the text as given).

    Scheme and host compare case-insensitively, a default port is dropped and dot segments resolve; userinfo, a
    trailing slash, the query, the fragment and the path's case stay significant.
    """
    return str(parse(url))


def normalize_absolute_path(path: str) -> str:
    """uv's ``normalize_absolute_path``: ``.`` and ``..`` resolved lexically (no file-system access) in an
    absolute POSIX path; a leading ``//`` is one ``/``."""
    normalized = os.path.normpath(path)
    return "/" + normalized.lstrip("/") if normalized.startswith("//") else normalized


def path_to_url(path: str, base: str | None = None) -> str:
    """A local path as a ``file://`` URL: ``url::Url::from_file_path`` of the normalised absolute path.

    A relative ``path`` is taken against ``base`` (default: the working directory; uv: its working directory, or
    a requirements file's directory for ``--find-links``), then normalised (:func:`normalize_absolute_path`),
    and every component is percent-encoded as the ``url`` crate does for a special URL's path segment (space,
    ``%``, ``#``, ``?``, ``\\``, quotes, non-ASCII, …). ``~`` is *not* expanded.
    """
    absolute = normalize_absolute_path(os.path.join(base if base is not None else os.getcwd(), path))
    return "file://" + quote(absolute, safe=_FILE_PATH_SAFE + "/", errors="surrogateescape")


def file_url_path(url: str) -> str | None:
    """``Url::to_file_path``: the local path of a ``file:`` URL, or None when it names another host or does not
    parse."""
    try:
        parsed = parse(url)
    except InvalidUrl:
        return None
    if parsed.host not in ("", None):
        return None
    path = unquote(parsed.path)
    return path if path.startswith("/") else "/" + path


def is_path_prefix(prefix: str, path: str) -> bool:
    """uv's ``is_path_prefix`` (``crates/uv-auth/src/index.rs``): a prefix on path-segment boundaries."""
    if prefix == path:
        return True
    if not path.startswith(prefix):
        return False
    return prefix.endswith("/") or path[len(prefix) :].startswith("/")


def auth_root(url: str) -> str:
    """The URL under which uv applies an index's ``authenticate`` policy (``IndexUrl::root``,
    ``crates/uv-distribution-types/src/index_url.rs``): the index URL minus a final ``simple``/``+simple`` segment
    (one trailing slash ignored); any other URL is its own root."""
    parsed = parse(url)
    path = parsed.path[:-1] if parsed.path.endswith("/") and parsed.path != "/" else parsed.path
    head, _, last = path.rpartition("/")
    root_path = (head or "/") if last.lower() in ("simple", "+simple") else path
    netloc = parsed.host or ""
    if parsed.port is not None:
        netloc = f"{netloc}:{parsed.port}"
    return f"{parsed.scheme}://{netloc}{root_path}"


def covers(prefix_url: str, url: str) -> bool:
    """True when ``url`` lies under ``prefix_url``: same realm and a path prefix on segment boundaries.

    A trailing slash on the prefix does not matter (``https://h/a/`` covers ``https://h/a``).
    """
    prefix, target = parse(prefix_url), parse(url)
    if prefix.realm != target.realm:
        return False
    return is_path_prefix(prefix.path.rstrip("/") or "/", target.path)


def userinfo(url: str) -> tuple[str | None, str | None]:
    """The (percent-decoded) username and password written into a URL, if any (None for an empty one).

    Text that does not parse as a URL has none.
    """
    try:
        return parse(url).credentials()
    except InvalidUrl:
        return None, None


def without_userinfo(url: str) -> str:
    """The URL text with any ``user:password@`` taken out, everything else exactly as written.

    The userinfo is what precedes the *last* ``@`` of the authority (which ends at the first ``/``, ``?`` or
    ``#``), as the ``url`` crate reads it: ``https://a:b@c@host/`` becomes ``https://host/``.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for delimiter in "/?#":
        found = rest.find(delimiter)
        if found != -1:
            end = min(end, found)
    return f"{scheme}://{rest[:end].rpartition('@')[2]}{rest[end:]}"


# A URL's userinfo for redaction: after `scheme://` (or a special scheme's `scheme:` and any slashes), everything
# up to the last `@` before the authority ends (`/`, `?`, `#`, or a blank, since the text may be prose).
