"""A loopback PEP 503 index that demands HTTP Basic auth and records every request.

The point of uvauth is that uv must never send an unauthenticated request to a private index, so
the server's job is to make that observable: each request is logged with whether it carried no
credentials, the right ones or wrong ones, and what status it got.

Layouts mimic the servers whose URL shapes matter to uv's auth policy (uv applies an index's
`authenticate` policy to URLs under the index URL minus a trailing `/simple`):

* ``plain``: `/simple/` with files at `/packages/<file>` plus PEP 658 `.metadata` files.
* ``artifactory``: `/artifactory/api/pypi/<repo>/simple`, files under `/artifactory/api/pypi/<repo>/packages/`
  (inside the index root) and *no* metadata files, so uv reads metadata with HEAD + range requests.
* ``outside-root``: same index URL, but files live at `/artifactory/<repo>/<name>/<version>/<file>`,
  outside the index root (the JFrog remote-repository case).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import ssl
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Literal, Self, get_args

from .wheels import WheelFile, normalize, scan_wheelhouse

Layout = Literal["plain", "artifactory", "outside-root"]
AuthStatus = Literal["none", "good", "bad"]
RequestKind = Literal["root", "project", "file", "metadata", "other"]

# Request headers worth keeping in the log: Range shows metadata-by-range reads, Accept shows which
# index format uv asked for, User-Agent tells uv apart from other clients.
LOGGED_HEADERS = ("Range", "Accept", "User-Agent")

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class Request:
    """One logged request. `path` is the raw request target (including any query string)."""

    method: str
    path: str
    auth: AuthStatus
    status: int
    headers: Mapping[str, str]  # only LOGGED_HEADERS that were present
    kind: RequestKind  # what the path addressed, so tests can tell index pages from file downloads
    username: str | None = None  # the Basic-auth username sent, if any (uv may send username-only)


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _Unsatisfiable(Exception):
    pass


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Inclusive (start, end) for a single `bytes=` range; None means "ignore it, send the whole file".

    Malformed and multi-range headers are ignored (RFC 9110 allows that); ranges past the end raise
    `_Unsatisfiable` so the caller answers 416.
    """
    match = _RANGE_RE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:  # suffix range: the last N bytes
        if not last or int(last) == 0:
            raise _Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid, so ignored
    if start >= size:
        raise _Unsatisfiable
    return start, min(end, size - 1)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # keep-alive connection threads must never block interpreter exit
    index: IndexServer


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    # HTTP/1.1 so uv reuses connections as it would against a real index (every response has a
    # Content-Length, which keep-alive requires).
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body then waits for the
    # client's delayed ACK (~40 ms a request on Linux loopback), which makes a tiny resolution take 0.2 s.
    disable_nagle_algorithm = True
    # Idle keep-alive connections are dropped after this, so handler threads don't linger.
    timeout = 10

    def _serve(self) -> None:
        self.server.index._serve(self)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # the structured log in IndexServer replaces stderr noise


class IndexServer:
    """A PEP 503 simple index on 127.0.0.1 (free port) in a daemon thread.

    `mode` may be changed while running:
      * ``"auth"``: require Basic auth (`username`/`password`), or with `bearer` only that Bearer token; otherwise
        401 + `WWW-Authenticate`.
      * ``"open"``: serve everything regardless of credentials (auth status is still logged).
      * ``"status:<code>"``: answer every request with that code (401 includes `WWW-Authenticate`).
      * ``"redirect:<url>"``: answer every request with a 302 to `<url>`.
    """

    def __init__(
        self,
        wheels_dir: Path,
        layout: Layout = "plain",
        username: str = "user",
        password: str = "pass",
        mode: str = "auth",
        repo: str = "pypi-local",
        host: str = "127.0.0.1",
        bearer: str | None = None,
    ) -> None:
        if layout not in get_args(Layout):
            raise ValueError(f"unknown layout {layout!r}")
        self.layout: Layout = layout
        self.username = username
        self.password = password
        self.repo = repo
        # With a token: only `Authorization: Bearer <token>` is good; Basic (any username and password) is bad.
        self.bearer = bearer
        self.scheme = "http"
        self.host = host  # any address of 127.0.0.0/8 (all loopback on Linux): a fixed port on an address of its own
        self.mode = mode  # validated by the setter
        self._lock = threading.Lock()
        self._log: list[Request] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

        self.wheels = scan_wheelhouse(wheels_dir)
        self._projects: dict[str, list[WheelFile]] = {}
        self._files: dict[str, tuple[WheelFile, bytes]] = {}  # URL path -> (wheel, bytes)
        self._metadata: dict[str, bytes] = {}  # URL path -> METADATA bytes (plain layout only)
        for wheel in self.wheels:
            self._projects.setdefault(wheel.project, []).append(wheel)
            path = self.file_path(wheel)
            self._files[path] = (wheel, wheel.path.read_bytes())
            if layout == "plain":
                self._metadata[path + ".metadata"] = wheel.metadata

    # ----------------------------------------------------------------- configuration

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        kind, _, arg = value.partition(":")
        valid = (
            (kind in ("auth", "open") and not arg)
            or (kind == "status" and arg.isdigit() and 100 <= int(arg) <= 599)
            or (kind == "redirect" and bool(arg))
        )
        if not valid:
            raise ValueError(f"invalid mode {value!r}")
        self._mode = value  # a single attribute store: atomic, handler threads see old or new

    @property
    def simple_path(self) -> str:
        """Path of the simple index root, without a trailing slash."""
        if self.layout == "plain":
            return "/simple"
        return f"/artifactory/api/pypi/{self.repo}/simple"

    def file_path(self, wheel: WheelFile) -> str:
        """URL path at which `wheel` is served (and linked) in this layout."""
        if self.layout == "plain":
            return f"/packages/{wheel.filename}"
        if self.layout == "artifactory":
            # Artifactory-like content-addressed dirs, still *inside* the index root.
            h = wheel.sha256
            return f"/artifactory/api/pypi/{self.repo}/packages/{h[:2]}/{h[2:4]}/{h[4:]}/{wheel.filename}"
        return f"/artifactory/{self.repo}/{wheel.project}/{wheel.version}/{wheel.filename}"

    # ----------------------------------------------------------------- addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:PORT` (no trailing slash)."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def index_url(self) -> str:
        """The simple index URL as a user would configure it for this layout."""
        if self.layout == "plain":
            return f"{self.url}/simple/"
        return f"{self.url}{self.simple_path}"  # Artifactory docs spell it without a trailing slash

    # ----------------------------------------------------------------- lifecycle

    def start(self, port: int = 0, *, tls: ssl.SSLContext | None = None) -> Self:
        """Listen on `host`:`port` (0: a free port; a fixed one such as 80 may raise OSError); with `tls` (a
        server context holding the certificate), over HTTPS."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        httpd = _HTTPServer((self.host, port), _Handler)
        if tls is not None:
            httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
            self.scheme = "https"
        httpd.index = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="IndexServer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()  # stops serve_forever; returns once the loop has exited
        httpd.server_close()
        thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- request log

    @property
    def requests(self) -> list[Request]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._log)

    def unauthenticated(self) -> list[Request]:
        """Requests that did not authenticate: no `Authorization` header, a username alone, wrong credentials
        or another scheme (all logged "none"/"bad"), and anything answered 401 or 403. uvauth's promise is
        that this list stays empty, so a wrong-password retry counts as much as a header-less first try."""
        return [r for r in self.requests if r.auth != "good" or r.status in (401, 403)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ----------------------------------------------------------------- serving

    def _check_auth(self, header: str | None) -> tuple[AuthStatus, str | None]:
        if header is None:
            return "none", None
        scheme, _, token = header.partition(" ")
        if self.bearer is not None:
            return ("good" if scheme.lower() == "bearer" and token.strip() == self.bearer else "bad"), None
        if scheme.lower() != "basic":
            return "bad", None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "bad", None
        user, _, password = decoded.partition(":")
        good = user == self.username and password == self.password
        return ("good" if good else "bad"), user

    def _classify(self, path: str) -> RequestKind:
        if path in self._files:
            return "file"
        if path in self._metadata:
            return "metadata"
        if path.rstrip("/") == self.simple_path:
            return "root"
        if path.startswith(self.simple_path + "/"):
            return "project"
        return "other"

    def _serve(self, handler: _Handler) -> None:
        # Drain any request body (e.g. an upload) so the next request on a keep-alive connection
        # starts at a request line.
        if length := int(handler.headers.get("Content-Length") or 0):
            handler.rfile.read(length)
        # Percent-decoded, as real servers route (`/pypi%2Dlocal/` is `/pypi-local/`).
        path = urllib.parse.unquote(handler.path.split("?", 1)[0])
        kind = self._classify(path)
        auth, username = self._check_auth(handler.headers.get("Authorization"))
        response = self._respond(handler, path, kind, auth)
        record = Request(
            method=handler.command,
            path=handler.path,
            auth=auth,
            status=response.status,
            headers={k: v for k in LOGGED_HEADERS if (v := handler.headers.get(k)) is not None},
            kind=kind,
            username=username,
        )
        with self._lock:
            self._log.append(record)

        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(response.body)

    def _respond(self, handler: _Handler, path: str, kind: RequestKind, auth: AuthStatus) -> _Response:
        mode_kind, _, arg = self.mode.partition(":")
        if mode_kind == "redirect":
            return _Response(302, b"", {"Location": arg})
        if mode_kind == "status":
            return _status(int(arg))
        if mode_kind == "auth" and auth != "good":
            return _status(401)
        if handler.command not in ("GET", "HEAD"):
            return _status(405)

        if kind == "root":
            links = [(f"{self.simple_path}/{p}/", p, {}) for p in sorted(self._projects)]
            return _html(_page("Simple index", links))
        if kind == "project":
            project = path[len(self.simple_path) + 1 :].strip("/")
            wheels = self._projects.get(normalize(project)) if "/" not in project else None
            if not wheels:
                return _status(404)
            return _html(_page(f"Links for {project}", [self._link(w) for w in wheels]))
        if kind == "metadata":
            return _Response(200, self._metadata[path], {"Content-Type": "text/plain; charset=utf-8"})
        if kind == "file":
            return _file_response(self._files[path][1], handler.headers.get("Range"))
        return _status(404)

    def _link(self, wheel: WheelFile) -> tuple[str, str, dict[str, str]]:
        attrs: dict[str, str] = {}
        if self.layout == "plain":
            # PEP 658 (and its PEP 714 rename): tells uv a `<file>.metadata` exists, so it skips
            # downloading the wheel during resolution.
            attrs["data-dist-info-metadata"] = f"sha256={wheel.metadata_sha256}"
            attrs["data-core-metadata"] = f"sha256={wheel.metadata_sha256}"
        return f"{self.file_path(wheel)}#sha256={wheel.sha256}", wheel.filename, attrs


def _status(code: int) -> _Response:
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    if code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="test"'
    return _Response(code, f"{code}\n".encode(), headers)


def _html(text: str) -> _Response:
    return _Response(200, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _page(title: str, links: Iterable[tuple[str, str, Mapping[str, str]]]) -> str:
    anchors = []
    for href, text, attrs in links:
        extra = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
        anchors.append(f'<a href="{html.escape(href)}"{extra}>{html.escape(text)}</a><br/>')
    return (
        "<!DOCTYPE html>\n<html><head>"
        '<meta name="pypi:repository-version" content="1.0">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n"
        + "\n".join(anchors)
        + "\n</body></html>\n"
    )


def _file_response(data: bytes, range_header: str | None) -> _Response:
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    size = len(data)
    try:
        byte_range = _parse_range(range_header, size) if range_header else None
    except _Unsatisfiable:
        return _Response(416, b"", {**headers, "Content-Range": f"bytes */{size}"})
    if byte_range is None:
        return _Response(200, data, headers)
    start, end = byte_range
    return _Response(206, data[start : end + 1], {**headers, "Content-Range": f"bytes {start}-{end}/{size}"})


# What the `index_server` fixture returns: called like `IndexServer` minus `wheels_dir`, returns it started.
IndexServerFactory = Callable[..., IndexServer]


def count_unauthenticated(servers: Iterable[IndexServer]) -> int:
    """Total requests without any `Authorization` header across `servers`."""
    return sum(len(server.unauthenticated()) for server in servers)
