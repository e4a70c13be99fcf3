"""URL rules: when two index URLs are "the same index", where an index's authentication root is, and redaction.

These mirror uv (see ``shared/uv-facts.md`` §2.4 and §1.3) and are used only for *matching*: uvauth never rewrites
the text of a URL it hands to uv, because uv writes that text verbatim into ``--emit-index-url`` output and lock
files, and treats a trailing slash as meaningful for flat indexes.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class Realm(NamedTuple):
    """uv's ``Realm``: credentials and authentication policies never cross a realm."""

    scheme: str
    host: str
    port: int | None


def is_url(text: str) -> bool:
    """Does uv read this index value as a URL? Only for a scheme its ``Scheme::parse`` knows, compared
    case-sensitively: ``https://…`` is a URL, ``HTTPS://…`` and ``s3://…`` are (relative) paths to uv."""
    match = _SCHEME.match(text.strip())
    if not match:
        return False
    scheme = match[0][:-3]
    return scheme in ("http", "https", "file") or scheme.startswith(("git+", "bzr+", "hg+", "svn+"))


def _split(url: str) -> SplitResult:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc and parts.scheme != "file":
        raise ValueError(f"not an absolute URL: {redact(url)}")
    return parts


def realm(url: str) -> Realm:
    """Scheme, lower-cased host and port (the scheme's default port folded to ``None``, as the ``url`` crate does)."""
    parts = _split(url)
    scheme = parts.scheme.lower()
    port = parts.port
    if port is not None and _DEFAULT_PORTS.get(scheme) == port:
        port = None
    return Realm(scheme, (parts.hostname or "").lower(), port)


def _clean_path(path: str) -> str:
    """Resolve ``.`` and ``..`` segments the way URL parsing does, keeping a trailing slash if there was one."""
    segments: list[str] = []
    raw = path.split("/")[1:] if path.startswith("/") else path.split("/")
    for segment in raw:
        if segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


def index_key(url: str) -> str:
    """The key under which two index URLs are the same index, as uv's ``is_same_index`` decides it.

    The rule (uv's ``RealmRef`` equality plus ``CanonicalUrl``):

    * scheme and host compare case-insensitively; a default port (``:80`` for http, ``:443`` for https) is the
      same as no port;
    * userinfo (``user:password@``) is ignored;
    * ``.`` and ``..`` path segments are resolved, the path is percent-decoded, and **one** trailing slash is
      dropped (``/simple`` and ``/simple/`` are the same index, ``/simple//`` is not);
    * on github.com only, the path compares case-insensitively and a ``.git`` suffix is dropped;
    * the query is kept, the fragment is dropped.

    Local paths are not handled here: turn them into ``file://`` URLs with :func:`path_to_url` first.
    """
    parts = _split(url)
    scheme, host, port = realm(url)
    path = unquote(_clean_path(parts.path or "/"))
    if host == "github.com":
        path = path.lower()
        if path.endswith(".git"):
            path = path[: -len(".git")]
    if path.endswith("/"):
        path = path[:-1]
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def path_to_url(text: str, base: str) -> str:
    """A local index path as a ``file://`` URL, relative paths taken against ``base`` (uv: the working directory)."""
    return "file://" + os.path.abspath(os.path.join(base, os.path.expanduser(text)))


def covers(prefix_url: str, url: str) -> bool:
    """True when ``url`` lies under ``prefix_url``: same realm and a path prefix on segment boundaries."""
    if realm(prefix_url) != realm(url):
        return False
    prefix = _clean_path(_split(prefix_url).path or "/").rstrip("/")
    path = _clean_path(_split(url).path or "/")
    return path == prefix or path.startswith(prefix + "/") or not prefix


def userinfo(url: str) -> tuple[str | None, str | None]:
    """The (percent-decoded) username and password written into a URL, if any."""
    parts = urlsplit(url)
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return (username or None), password


def without_userinfo(url: str) -> str:
    """The URL text with any ``user:password@`` taken out, everything else exactly as written."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{tail}"


_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]*)@")


def redact(text: str) -> str:
    """Hide the password of every URL in ``text``: ``https://user:secret@host`` becomes ``https://user:****@host``.

    A URL with a username alone hides it too (``https://****@host``), as pip does: some services take a token as
    the username. One with an empty username and a password (a JFrog token) becomes ``https://:****@host``.
    """

    def _hide(match: re.Match[str]) -> str:
        user, sep, _password = match["userinfo"].partition(":")
        return f"{match['scheme']}{user}:****@" if sep else f"{match['scheme']}****@"

    return _USERINFO.sub(_hide, text)
