"""A loopback stand-in for AWS CodeArtifact's ``GetAuthorizationToken``, for the real ``aws`` CLI to call.

What it answers follows botocore's own service model for codeartifact (``awscli/botocore/data/codeartifact/
2018-09-22/service-2.json`` in the awscli wheel, which vendors botocore): protocol ``rest-json``, operation
``POST /v1/authorization-token`` with the query parameters ``domain`` (required), ``domain-owner`` and
``duration``, a JSON result ``{"authorizationToken": …, "expiration": <Timestamp>}`` (a rest-json body timestamp
is epoch seconds unless the model says otherwise; ``expiration_format="iso"`` answers an ISO 8601 string, which
botocore accepts too), signed with SigV4 under the signing name ``codeartifact``. Errors are rest-json errors: the
status code from the model (``AccessDeniedException`` 403, ``ThrottlingException`` 429 with ``Retry-After``), the
code in ``x-amzn-ErrorType`` and the body's ``message``; ``ExpiredTokenException`` (403) is what AWS answers for
expired temporary credentials before the service itself is reached.

``mode`` is ``"ok"``, ``"expired"``, ``"denied"`` or ``"throttled"``; every request is counted in ``calls``
(retries too: botocore retries a throttled call unless ``AWS_MAX_ATTEMPTS=1``).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal, Self

Mode = Literal["ok", "expired", "denied", "throttled"]

#: The fake credentials the tests give the real aws (never AWS's: the mock only checks the key id is this one).
ACCESS_KEY_ID = "AKIAUVAUTHTESTKEY000"
SECRET_ACCESS_KEY = "uvauth-test-secret-not-an-aws-key"

_ERRORS: dict[str, tuple[int, str, str]] = {
    "expired": (403, "ExpiredTokenException", "The security token included in the request is expired"),
    "denied": (403, "AccessDeniedException",
               "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: "
               "codeartifact:GetAuthorizationToken on resource: "
               "arn:aws:codeartifact:eu-west-1:111122223333:domain/mydomain"),
    "throttled": (429, "ThrottlingException", "Rate exceeded"),
}


@dataclass(frozen=True)
class Call:
    """One request: its query parameters, the SigV4 credential scope it was signed with, and what it got."""

    method: str
    path: str
    query: dict[str, str]
    credential: str | None  # AKID/DATE/REGION/SERVICE/aws4_request, or None when not SigV4-signed
    status: int


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    mock: CodeArtifactMock


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self.server.mock._serve(self)

    do_GET = do_PUT = do_POST

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


class CodeArtifactMock:
    """CodeArtifact's token endpoint on 127.0.0.1 (a free port) in a daemon thread; ``url`` is its endpoint."""

    def __init__(self, *, lifetime: float = 43200, token: str | None = None,
                 expiration_format: Literal["epoch", "iso"] = "epoch") -> None:
        self.mode: Mode = "ok"
        self.lifetime = lifetime
        self.token = token  # a fixed token (to match an index server's password), else a new one per call
        self.expiration_format = expiration_format
        self.tokens: list[str] = []
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def start(self) -> Self:
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.mock = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="CodeArtifactMock", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        target = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(target.query, keep_blank_values=True))
        credential = _sigv4_credential(handler.headers.get("Authorization"))
        status, headers, body = self._answer(handler.command, target.path, query, credential)
        with self._lock:
            self._calls.append(Call(handler.command, target.path, query, credential, status))
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, method: str, path: str, query: dict[str, str],
                credential: str | None) -> tuple[int, dict[str, str], dict[str, object]]:
        if method != "POST" or path != "/v1/authorization-token":
            return _error(404, "ResourceNotFoundException", f"no operation at {method} {path}")
        scope = (credential or "").split("/")
        if len(scope) != 5 or scope[0] != ACCESS_KEY_ID or scope[3:] != ["codeartifact", "aws4_request"]:
            # What AWS answers for a request that is not signed with a key it knows.
            return _error(403, "UnrecognizedClientException", "The security token included in the request is invalid")
        if "domain" not in query:
            return _error(400, "ValidationException", "domain is required")
        if self.mode != "ok":
            status, code, message = _ERRORS[self.mode]
            status, headers, body = _error(status, code, message)
            if self.mode == "throttled":
                headers["Retry-After"] = "30"
            return status, headers, body
        token = self.token or "eyJ2ZXIiOjEsImlzdSI6" + uuid.uuid4().hex  # the shape of a real one: JWE-ish
        with self._lock:
            self.tokens.append(token)
        lifetime = float(query["duration"]) if query.get("duration") not in (None, "0") else self.lifetime
        expires = time.time() + lifetime
        expiration: object = round(expires, 3) if self.expiration_format == "epoch" else \
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
        return 200, {}, {"authorizationToken": token, "expiration": expiration}


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], dict[str, object]]:
    return status, {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/"}, {"message": message}


def _sigv4_credential(header: str | None) -> str | None:
    """The ``Credential=`` scope of a SigV4 ``Authorization`` header (with SignedHeaders and Signature), else
    None."""
    if not header or not header.startswith("AWS4-HMAC-SHA256 "):
        return None
    fields = dict(part.strip().partition("=")[::2] for part in header[len("AWS4-HMAC-SHA256 "):].split(","))
    if not fields.get("SignedHeaders") or len(fields.get("Signature", "")) != 64:
        return None
    return fields.get("Credential")
