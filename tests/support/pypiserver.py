"""The real pypiserver as a subprocess: a second, independent implementation of a private index.

Our own `IndexServer` could share a misconception with uvauth; pypiserver cannot. What it sees is
read back from its own per-request access log.

Log format (pypiserver 2.x on its default wsgiref server, with `-v`): its `WsgiHandler` sends the
standard `http.server` access line through the `pypiserver.main` logger at INFO, e.g.

    pypiserver.main|127.0.0.1 - - [25/Nov/2026 02:32:00] "GET /simple/ HTTP/1.1" 401 714

That line carries the *final* status. The `--log-res-frmt` line does not: bottle runs its
`after_request` hook before an `HTTPError` (such as pypiserver's 401) is applied, so it says
"200 OK" for rejected requests. Hence we parse the access line.

pypiserver answers a request without credentials with 401 and one with wrong credentials with 403,
so for protected actions "401 count" == "requests sent without credentials".
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import uuid
import warnings
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

with warnings.catch_warnings():
    # passlib 1.7.4 imports the stdlib `crypt` module, deprecated since Python 3.11; not our concern.
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.apache import HtpasswdFile

PYPI_SERVER_BIN = Path(sys.executable).with_name("pypi-server")

# Our own polling must never go through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) ')
_HEALTH_PATH = "/health"


@dataclass(frozen=True)
class PypiRequest:
    method: str
    path: str
    status: int


def _free_port() -> int:
    # pypiserver needs the number up front; the tiny race until it binds is handled by start()
    # retrying on a fresh port if the process dies early.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PypiServer:
    """pypiserver serving `packages_dir` on 127.0.0.1, with Basic auth for download, list and update."""

    def __init__(
        self,
        packages_dir: Path,
        workdir: Path,
        username: str = "user",
        password: str = "pass",
        authenticate: Iterable[str] = ("download", "list", "update"),
    ) -> None:
        self.packages_dir = packages_dir
        self.username = username
        self.password = password
        self.authenticate = ",".join(authenticate)
        workdir.mkdir(parents=True, exist_ok=True)
        self.htpasswd = workdir / "htpasswd"
        self.log_path = workdir / "pypiserver.log"  # the request log (--log-file)
        self.output_path = workdir / "pypiserver.out"  # stdout/stderr: startup banner, crashes
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0  # requests before this byte offset are not reported (health polls)

        # apr_md5_crypt ($apr1$) is implemented in pure Python by passlib, which pypiserver also uses
        # to check passwords, so no bcrypt dependency is needed.
        htpasswd = HtpasswdFile(str(self.htpasswd), new=True, default_scheme="apr_md5_crypt")
        htpasswd.set_password(username, password)
        htpasswd.save()

    # ----------------------------------------------------------------- addresses

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("pypiserver not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def index_url(self) -> str:
        return f"{self.url}/simple/"

    # ----------------------------------------------------------------- lifecycle

    def start(self, timeout: float = 20.0) -> Self:
        if self._proc is not None:
            raise RuntimeError("pypiserver already started")
        for _attempt in range(3):
            self.port = _free_port()
            with self.output_path.open("ab") as output:  # the child keeps its own descriptor
                self._proc = subprocess.Popen(
                    self._argv(), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
                )
            if self._wait_until_ready(timeout):
                self._log_offset = self.log_path.stat().st_size
                return self
            self.stop()
        output = self.output_path.read_text(errors="replace")
        raise RuntimeError(f"pypiserver did not start; output:\n{output}")

    def _argv(self) -> list[str]:
        return [
            str(PYPI_SERVER_BIN),
            "run",
            "-v",  # INFO level: needed for the per-request access lines
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--authenticate", self.authenticate,
            "--passwords", str(self.htpasswd),
            "--disable-fallback",  # never redirect unknown projects to pypi.org
            "--health-endpoint", _HEALTH_PATH,
            "--log-file", str(self.log_path),
            "--log-stream", "none",
            "--log-frmt", "%(name)s|%(message)s",
            str(self.packages_dir),
        ]  # fmt: skip

    def _wait_until_ready(self, timeout: float) -> bool:
        """Poll the health endpoint (unauthenticated by design) until it answers or the process dies."""
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False  # e.g. the port was taken in the meantime
            try:
                with _OPENER.open(self.url + _HEALTH_PATH, timeout=1) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)  # polling interval, not a fixed wait
        return False

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- request log

    def _read_log(self) -> list[PypiRequest]:
        with self.log_path.open("rb") as f:
            f.seek(self._log_offset)
            text = f.read().decode("utf-8", errors="replace")
        return [
            PypiRequest(m["method"], m["path"], int(m["status"]))
            for line in text.splitlines()
            if line.startswith("pypiserver.main|") and (m := _ACCESS_RE.search(line))
        ]

    def _sync_log(self, timeout: float = 10.0) -> None:
        """Make sure every request answered so far has its access line in the log.

        wsgiref writes the line only *after* the response has gone out, so a client can finish
        before its last request is logged. The server handles one request at a time, so once a
        uniquely tagged health request shows up in the log, everything before it is there too.
        """
        marker = f"{_HEALTH_PATH}?sync={uuid.uuid4().hex}"
        with _OPENER.open(self.url + marker, timeout=timeout) as resp:
            resp.read()
        deadline = time.monotonic() + timeout
        while not any(r.path == marker for r in self._read_log()):
            if time.monotonic() > deadline:
                raise TimeoutError("pypiserver did not log the sync request")
            time.sleep(0.01)

    def requests(self) -> list[PypiRequest]:
        """Requests logged since start (or the last `clear_log()`), in order, minus health checks."""
        self._sync_log()
        return [r for r in self._read_log() if not r.path.startswith(_HEALTH_PATH)]

    def count_requests(self) -> int:
        return len(self.requests())

    def count_status(self, status: int) -> int:
        return sum(1 for r in self.requests() if r.status == status)

    def unauthorized(self) -> list[PypiRequest]:
        """Requests answered 401 (sent without credentials) or 403 (sent with wrong ones): both are failures."""
        return [r for r in self.requests() if r.status in (401, 403)]

    def clear_log(self) -> None:
        self._sync_log()  # so requests already answered are cleared too, not reported later
        self._log_offset = self.log_path.stat().st_size
