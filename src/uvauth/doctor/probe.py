"""One request of ``uvauth uvauth doctor``: a GET of an index root as uv sends it.

With uv's ``Accept`` header (:data:`ACCEPT`, :data:`ACCEPT_FLAT` for a flat index), a :data:`TIMEOUT`, and
redirects not followed automatically: a redirect within the index's realm (scheme, host, port: where uv keeps
sending credentials) is followed by hand, with the same credentials, up to :data:`MAX_REDIRECTS` times; one to
another realm is reported, not followed. Network trouble never raises: it is part of the :class:`Probe`.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin

from uvauth import __version__
from uvauth.uv import urls

if TYPE_CHECKING:
    from uvauth.uv.credentials.search import Credentials
    from uvauth.uv.tls import CertificateSource

#: uv's Accept header for a simple index page (crates/uv-client/src/registry_client.rs, ``MediaType::accepts``).
ACCEPT: Final = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
#: The Accept header for a flat index (a find-links page is plain HTML).
ACCEPT_FLAT: Final = "text/html"
TIMEOUT: Final = 10.0
MAX_REDIRECTS: Final = 5
USER_AGENT: Final = f"uvauth/{__version__} (doctor)"




@dataclass(frozen=True)
class Probe:
    """The outcome of one GET of an index root (with any redirects inside the realm followed by hand)."""

    url: str  # the last URL requested; never with userinfo
    status: int | None  # None: no HTTP answer
    location: str | None = None  # a 3xx's absolute target (redacted) that was not followed
    redirects: tuple[str, ...] = ()  # redirects followed within the realm
    error: str | None = None
    page: str | None = None  # a 2xx's body: "index", "login" (a sign-in form, not an index) or "other"

    @property
    def login_page(self) -> bool:
        return self.success and self.page == "login"

    @property
    def success(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def redirected_away(self) -> bool:
        return self.status is not None and 300 <= self.status < 400 and self.location is not None

    def describe(self, *, short: bool = False) -> str:
        """``HTTP 302 -> https://host/path`` (``short``: ``-> host``), ``HTTP 401``, ``no answer (why)``."""
        if self.status is None:
            return f"no answer ({self.error})" if self.error else "no answer"
        text = f"HTTP {self.status}"
        if self.location:
            text += f" -> {host_and_port(self.location) if short else self.location}"
        elif self.error:
            text += f" ({self.error})"
        return text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every 3xx into an ``HTTPError`` that the caller inspects."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _same_realm(a: str, b: str) -> bool:
    try:
        return urls.realm(a) == urls.realm(b)
    except ValueError:
        return False


def _connection_error(error: BaseException) -> str:
    reason: Any = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"timed out after {TIMEOUT:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {reason.verify_message or reason}"
    if isinstance(reason, socket.gaierror):
        return f"host not found: {reason.strerror or reason}"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def trust(source: CertificateSource) -> tuple[ssl.SSLContext, str]:
    """A TLS context that trusts what uv trusts (:mod:`uvauth.uv.tls`), and how to name it: Python's default
    context trusts the system's store, where uv by default trusts only its bundled Mozilla roots, so a corporate
    root installed on the machine made the doctor say "ok" to an index uv failed on with ``UnknownIssuer``."""
    if source.kind == "custom":
        import os

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies host and chain, and trusts nothing yet
        for path in source.files:
            # Like rustls_native_certs::load_certs_from_paths: every file of a directory, not only hashed names.
            files = [os.path.join(path, n) for n in sorted(os.listdir(path))] if os.path.isdir(path) else [path]
            for file in files:
                # uv skips what holds no certificate too (and trusts nothing if nothing is left).
                with contextlib.suppress(OSError, ssl.SSLError, ValueError):
                    context.load_verify_locations(cafile=file)
        return context, f"only the certificates of {source.why} (they replace every other root, as in uv)"
    if source.kind == "system":
        return ssl.create_default_context(), f"the system's certificates ({source.why})"
    import certifi

    return (ssl.create_default_context(cafile=certifi.where()),
            f"uv's bundled Mozilla roots ({source.why}; certifi's copy of the same list; --system-certs for "
            "the system's)")


def fetch(
    url: str,
    credentials: Credentials | None,
    *,
    accept: str = ACCEPT,
    timeout: float = TIMEOUT,
    insecure: bool = False,
    context: ssl.SSLContext | None = None,
) -> Probe:
    """GET ``url`` once (plus redirects within its realm, each with the same credentials, as uv does), trusting
    the certificates ``context`` trusts (:func:`trust`; None: Python's default).

    Never raises for network trouble: the :class:`Probe` carries the status, the redirect target not followed,
    or the error.
    """
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    if credentials is not None and credentials.scheme == "bearer":
        headers["Authorization"] = "Bearer " + credentials.password  # as uv sends it from its store (uvauth.bearer)
    elif credentials is not None:
        token = f"{credentials.username}:{credentials.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    current = urls.without_userinfo(url)
    followed: list[str] = []
    while True:
        request = urllib.request.Request(current, headers=headers, method="GET")
        try:
            with opener.open(request, timeout=timeout) as response:
                body = response.read(_BODY_LIMIT)
                kind = page_kind(response.headers.get("Content-Type", ""), body)
                return Probe(current, response.status, redirects=tuple(followed), page=kind)
        except urllib.error.HTTPError as error:
            status = error.code
            target = error.headers.get("Location") if error.headers is not None else None
            error.close()
            if not 300 <= status < 400 or not target:
                return Probe(current, status, redirects=tuple(followed))
            absolute = urls.without_userinfo(urljoin(current, target))
            if not _same_realm(current, absolute):
                return Probe(current, status, location=urls.redact(urljoin(current, target)),
                             redirects=tuple(followed))
            if len(followed) >= MAX_REDIRECTS:
                return Probe(current, status, redirects=tuple(followed),
                             error=f"more than {MAX_REDIRECTS} redirects")
            followed.append(absolute)
            current = absolute
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            return Probe(current, None, redirects=tuple(followed), error=_connection_error(error))


_BODY_LIMIT: Final = 256 * 1024


def page_kind(content_type: str, body: bytes) -> str:
    """What a 2xx answer to an index root is: ``index`` (PEP 691 JSON, or HTML with links or PEP 629's
    repository-version meta tag), ``login`` (an HTML form with a password field: a single-sign-on or login page
    served with 200, which is not an index answering anonymously) or ``other``."""
    if "vnd.pypi.simple" in content_type.lower():
        return "index"
    text = body.decode("utf-8", "replace").lower()
    if "type=\"password\"" in text or "type='password'" in text or "type=password" in text:
        return "login"
    if "pypi:repository-version" in text or "<a " in text or text.lstrip().startswith(("{", "[")):
        return "index"
    return "other"


def host_and_port(url: str) -> str:
    """``host`` or ``host:port`` of a URL, as messages name a server (the URL redacted when it has no host)."""
    try:
        _, host, port = urls.realm(url)
    except ValueError:
        return urls.redact(url)
    return host if port is None else f"{host}:{port}"
