"""Tests of the test infrastructure itself, mostly against the real uv with no wrapper.

Besides proving the servers work, the uv tests pin down the behaviour uvauth exists to fix: an
index given as a plain `--index-url` gets uv's `auto` policy, which always sends an unauthenticated
request first, while a configured `[[index]]` with `authenticate = "always"` does not.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import subprocess
import sys
import urllib.parse
import zipfile
from email.parser import BytesParser
from pathlib import Path

import pytest
from support import NetrcWriter
from support.indexserver import IndexServer, IndexServerFactory, count_unauthenticated
from support.keyring import FakeKeyring
from support.pypiserver import PypiServer
from support.wheels import DEFAULT_WHEELS, WheelSpec, build_wheelhouse, scan_wheelhouse

PYTHON = sys.executable  # the venv's interpreter: uv must never look for or download another one
CREDS = {"127.0.0.1": ("user", "pass")}
LAYOUTS = ["plain", "artifactory", "outside-root"]


# --------------------------------------------------------------------------- helpers


def run_uv(uv_bin: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(uv_bin), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def compile_tinypkg(uv_bin: Path, project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`uv pip compile req.in` (req.in: tinypkg) in `project`, where a uv.toml may configure the index."""
    (project / "req.in").write_text("tinypkg\n")
    return run_uv(
        uv_bin, "pip", "compile", "req.in", "--python", PYTHON, "--no-python-downloads", *extra, cwd=project
    )


def write_uv_toml(project: Path, index_url: str) -> None:
    project.joinpath("uv.toml").write_text(
        f'[[index]]\nname = "art"\nurl = "{index_url}"\nauthenticate = "always"\ndefault = true\n'
    )


def fetch(
    url: str,
    *,
    auth: tuple[str, str] | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One raw request: no redirect following, no exception on error statuses."""
    parts = urllib.parse.urlsplit(url)
    request_headers = dict(headers or {})
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request_headers["Authorization"] = f"Basic {token}"
    conn = http.client.HTTPConnection(parts.netloc, timeout=5)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=request_headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


# --------------------------------------------------------------------------- wheels


def test_wheels_are_deterministic_and_valid(tmp_path: Path) -> None:
    first = build_wheelhouse(tmp_path / "a")
    second = build_wheelhouse(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]

    for path in first:
        with zipfile.ZipFile(path) as zf:
            record = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))).decode()
            for line in record.splitlines():
                name, digest, size = line.rsplit(",", 2)
                if not digest:  # RECORD lists itself without a hash
                    continue
                data = zf.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == f"sha256={expected}" and int(size) == len(data)

    metadata = {w.project: BytesParser().parsebytes(w.metadata) for w in scan_wheelhouse(tmp_path / "a")}
    assert metadata["tinypkg"].get_all("Requires-Dist") == ["tinydep>=1"]
    assert metadata["otherpkg"]["Version"] == "2.0"
    assert {s.name for s in DEFAULT_WHEELS} == set(metadata)


def test_wheel_is_importable(wheelhouse: Path) -> None:
    wheel = wheelhouse / "tinypkg-1.0-py3-none-any.whl"
    code = f"import sys; sys.path.insert(0, {str(wheel)!r}); import tinypkg; print(tinypkg.VERSION)"
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1.0"


# --------------------------------------------------------------------------- index server (no uv)


def test_index_server_demands_basic_auth(index_server: IndexServerFactory) -> None:
    server = index_server("plain")
    status, headers, _ = fetch(server.index_url)
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="test"'
    assert fetch(server.index_url, auth=("user", "wrong"))[0] == 401
    status, _, body = fetch(server.index_url, auth=("user", "pass"))
    assert status == 200 and b"/simple/tinypkg/" in body

    assert [(r.auth, r.status, r.username) for r in server.requests] == [
        ("none", 401, None),
        ("bad", 401, "user"),
        ("good", 200, "user"),
    ]
    # A wrong password fails as surely as no header: both count.
    assert len(server.unauthenticated()) == 2 == count_unauthenticated([server])
    server.clear_log()
    assert server.requests == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_index_server_layouts(index_server: IndexServerFactory, layout: str) -> None:
    server = index_server(layout)
    auth = ("user", "pass")
    # PEP 503: project names are matched after normalization; unknown projects are 404.
    status, _, page = fetch(server.index_url.rstrip("/") + "/TinyPkg/", auth=auth)
    assert status == 200
    assert fetch(server.index_url.rstrip("/") + "/nosuchpkg/", auth=auth)[0] == 404

    wheel = next(w for w in server.wheels if w.project == "tinypkg")
    href = f"{server.file_path(wheel)}#sha256={wheel.sha256}"
    assert f'href="{href}"'.encode() in page
    expected_prefix = {
        "plain": "/packages/",
        "artifactory": "/artifactory/api/pypi/pypi-local/packages/",
        "outside-root": "/artifactory/pypi-local/tinypkg/1.0/",
    }[layout]
    assert server.file_path(wheel).startswith(expected_prefix)

    status, _, data = fetch(server.url + server.file_path(wheel), auth=auth)
    assert status == 200 and hashlib.sha256(data).hexdigest() == wheel.sha256

    metadata_url = server.url + server.file_path(wheel) + ".metadata"
    if layout == "plain":
        assert b'data-dist-info-metadata="sha256=' in page and b'data-core-metadata="sha256=' in page
        assert fetch(metadata_url, auth=auth)[2] == wheel.metadata
    else:
        assert b"data-core-metadata" not in page
        assert fetch(metadata_url, auth=auth)[0] == 404


def test_index_server_head_and_ranges(index_server: IndexServerFactory) -> None:
    server = index_server("artifactory")
    wheel = server.wheels[0]
    url = server.url + server.file_path(wheel)
    data = wheel.path.read_bytes()
    size = len(data)
    auth = ("user", "pass")

    status, headers, body = fetch(url, auth=auth, method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(size) and headers["Accept-Ranges"] == "bytes"

    cases = {
        "bytes=0-9": (0, 9),
        "bytes=10-": (10, size - 1),
        "bytes=-22": (size - 22, size - 1),  # suffix range, as used to find a zip's central directory
        f"bytes=5-{size + 100}": (5, size - 1),
    }
    for header, (start, end) in cases.items():
        status, headers, body = fetch(url, auth=auth, headers={"Range": header})
        assert status == 206, header
        assert headers["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert body == data[start : end + 1]

    status, headers, _ = fetch(url, auth=auth, headers={"Range": f"bytes={size}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"
    assert server.requests[1].headers["Range"] == "bytes=0-9"


def test_index_server_modes(index_server: IndexServerFactory) -> None:
    server = index_server("plain", mode="open")
    assert fetch(server.index_url)[0] == 200
    assert server.requests[-1].auth == "none"  # still logged as unauthenticated

    server.mode = "status:403"
    assert fetch(server.index_url, auth=("user", "pass"))[0] == 403
    server.mode = "status:401"
    status, headers, _ = fetch(server.index_url, auth=("user", "pass"))
    assert status == 401 and "WWW-Authenticate" in headers

    server.mode = "redirect:http://127.0.0.1:9/elsewhere/"
    status, headers, _ = fetch(server.index_url)
    assert status == 302 and headers["Location"] == "http://127.0.0.1:9/elsewhere/"

    with pytest.raises(ValueError):
        server.mode = "bogus"


def test_index_server_stops(wheelhouse: Path) -> None:
    with IndexServer(wheelhouse) as server:
        url = server.index_url
        assert fetch(url)[0] == 401
    with pytest.raises(ConnectionRefusedError):  # the listening socket is really closed
        fetch(url)


# --------------------------------------------------------------------------- fake keyring (no uv)


def test_fake_keyring_cli(fake_keyring: FakeKeyring) -> None:
    fake_keyring.add("http://host/simple", "alice", "s3cret")

    def keyring(*args: str) -> subprocess.CompletedProcess[str]:
        # Found via PATH, as uv finds it: the fixture prepended bin_dir.
        return subprocess.run(["keyring", *args], capture_output=True, text=True, check=False)

    assert keyring("get", "http://host/simple", "alice").stdout == "s3cret\n"
    assert keyring("get", "http://host/simple", "--mode", "creds").stdout == "alice\ns3cret\n"
    for args in (("get", "http://host/simple", "bob"), ("get", "other", "--mode", "creds")):
        result = keyring(*args)
        assert (result.returncode, result.stdout) == (1, "")
    assert fake_keyring.calls()[0] == ["get", "http://host/simple", "alice"]
    assert len(fake_keyring.calls()) == 4


# --------------------------------------------------------------------------- real uv


@pytest.mark.integration
@pytest.mark.parametrize("layout", ["plain", "artifactory"])
def test_uv_config_always_sends_no_unauthenticated_request(
    uv_bin: Path, index_server: IndexServerFactory, netrc_file: NetrcWriter, project: Path, layout: str
) -> None:
    server = index_server(layout)
    netrc_file(CREDS)
    write_uv_toml(project, server.index_url)

    result = compile_tinypkg(uv_bin, project)

    assert result.returncode == 0, result.stderr
    assert "tinydep==1.0" in result.stdout
    assert server.requests and server.unauthenticated() == []
    if layout == "artifactory":  # no PEP 658 files: metadata comes from HEAD + range reads
        assert {r.method for r in server.requests if r.kind == "file"} == {"HEAD", "GET"}
        assert all("Range" in r.headers for r in server.requests if r.kind == "file" and r.method == "GET")
    else:
        assert {r.kind for r in server.requests} == {"project", "metadata"}


@pytest.mark.integration
def test_uv_reads_big_wheel_metadata_with_tail_range(
    uv_bin: Path, index_server: IndexServerFactory, netrc_file: NetrcWriter, project: Path, tmp_path: Path
) -> None:
    # Past 16 KiB uv first fetches only the wheel's tail, where the central directory (and here
    # METADATA) lives, with an explicit `bytes=a-b` range computed from HEAD's Content-Length.
    wheels = tmp_path / "big-wheels"
    build_wheelhouse(wheels, (WheelSpec("tinypkg", "1.0", padding=64 * 1024), WheelSpec("tinydep", "1.0")))
    server = index_server("artifactory", wheels_dir=wheels)
    netrc_file(CREDS)
    write_uv_toml(project, server.index_url)

    result = compile_tinypkg(uv_bin, project)

    assert result.returncode == 0, result.stderr
    size = (wheels / "tinypkg-1.0-py3-none-any.whl").stat().st_size
    tinypkg = [r for r in server.requests if r.kind == "file" and "tinypkg" in r.path]
    assert [r.method for r in tinypkg] == ["HEAD", "GET"]
    assert tinypkg[1].headers["Range"] == f"bytes={size - 16 * 1024}-{size - 1}"
    assert server.unauthenticated() == []


@pytest.mark.integration
def test_uv_config_always_outside_root_files_still_go_unauthenticated(
    uv_bin: Path, index_server: IndexServerFactory, netrc_file: NetrcWriter, project: Path
) -> None:
    # Files outside the index root (index URL minus `/simple`) get uv's `auto` policy even with
    # `authenticate = "always"`: each file URL is tried without credentials, then retried.
    server = index_server("outside-root")
    netrc_file(CREDS)
    write_uv_toml(project, server.index_url)

    result = compile_tinypkg(uv_bin, project)

    assert result.returncode == 0, result.stderr
    pages = [r for r in server.requests if r.kind == "project"]
    assert pages and all(r.auth == "good" for r in pages)
    unauthenticated = server.unauthenticated()
    assert unauthenticated and {r.kind for r in unauthenticated} == {"file"}
    assert all(r.status == 401 for r in unauthenticated)


@pytest.mark.integration
@pytest.mark.parametrize("layout", LAYOUTS)
def test_uv_index_url_sends_unauthenticated_requests(
    uv_bin: Path, index_server: IndexServerFactory, netrc_file: NetrcWriter, project: Path, layout: str
) -> None:
    # The bug uvauth fixes: a URL on the command line gets policy `auto`, so netrc credentials are
    # only used after a 401.
    server = index_server(layout)
    netrc_file(CREDS)

    result = compile_tinypkg(uv_bin, project, "--index-url", server.index_url)

    assert result.returncode == 0, result.stderr
    unauthenticated = server.unauthenticated()
    assert unauthenticated and all(r.status == 401 for r in unauthenticated)
    assert any(r.kind == "project" for r in unauthenticated)


@pytest.mark.integration
def test_uv_pip_install_artifactory_uses_head_and_ranges(
    uv_bin: Path, index_server: IndexServerFactory, netrc_file: NetrcWriter, project: Path
) -> None:
    server = index_server("artifactory")
    netrc_file(CREDS)
    write_uv_toml(project, server.index_url)
    venv = project / ".venv"
    created = run_uv(uv_bin, "venv", str(venv), "--python", PYTHON, "--no-python-downloads", cwd=project)
    assert created.returncode == 0, created.stderr

    python = str(venv / "bin" / "python")
    result = run_uv(uv_bin, "pip", "install", "--python", python, "tinypkg", cwd=project)

    assert result.returncode == 0, result.stderr
    assert server.unauthenticated() == []
    files = [r for r in server.requests if r.kind == "file"]
    assert any(r.method == "HEAD" for r in files)
    assert any(r.method == "GET" and r.status == 206 and "Range" in r.headers for r in files)
    assert any(r.method == "GET" and r.status == 200 for r in files)  # the install downloads whole wheels
    imported = subprocess.run(
        [python, "-c", "import tinypkg, tinydep; print(tinypkg.VERSION)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert imported.stdout.strip() == "1.0"


@pytest.mark.integration
def test_uv_keyring_subprocess_creds_mode(
    uv_bin: Path, index_server: IndexServerFactory, fake_keyring: FakeKeyring, project: Path
) -> None:
    # Checks the fake against real uv: with `always` and no username, uv asks
    # `keyring get <index url> --mode creds` and uses the two-line answer.
    server = index_server("plain")
    fake_keyring.add(server.index_url, "user", "pass")
    write_uv_toml(project, server.index_url)

    result = compile_tinypkg(uv_bin, project, "--keyring-provider", "subprocess")

    assert result.returncode == 0, result.stderr
    assert ["get", server.index_url, "--mode", "creds"] in fake_keyring.calls()
    assert server.unauthenticated() == []


@pytest.mark.integration
def test_uv_keyring_lookup_order(
    uv_bin: Path, index_server: IndexServerFactory, fake_keyring: FakeKeyring, project: Path
) -> None:
    # Pins the services uv 0.13.8 asks for, in order, when the index URL itself is unknown.
    server = index_server("artifactory")
    write_uv_toml(project, server.index_url)
    host = f"127.0.0.1:{server.port}"

    failed = compile_tinypkg(uv_bin, project, "--keyring-provider", "subprocess")

    assert failed.returncode != 0 and "Missing credentials" in failed.stderr
    assert server.requests == []  # under `always`, uv sends nothing it cannot authenticate
    creds = ["--mode", "creds"]
    assert fake_keyring.calls() == [["get", s, *creds] for s in (server.index_url, host, server.url)]

    fake_keyring.add(host, "user", "pass")
    assert compile_tinypkg(uv_bin, project, "--keyring-provider", "subprocess").returncode == 0
    assert fake_keyring.calls()[3:5] == [["get", server.index_url, *creds], ["get", host, *creds]]


@pytest.mark.integration
def test_pypiserver_authenticated_compile(
    uv_bin: Path, pypiserver: PypiServer, netrc_file: NetrcWriter, project: Path
) -> None:
    netrc_file(CREDS)
    write_uv_toml(project, pypiserver.index_url)

    result = compile_tinypkg(uv_bin, project)

    assert result.returncode == 0, result.stderr
    assert "tinydep==1.0" in result.stdout
    assert pypiserver.count_requests() > 0
    assert pypiserver.count_status(401) == 0


@pytest.mark.integration
def test_pypiserver_counts_401_without_credentials(
    uv_bin: Path, pypiserver: PypiServer, project: Path
) -> None:
    result = compile_tinypkg(uv_bin, project, "--index-url", pypiserver.index_url)

    assert result.returncode != 0
    unauthorized = pypiserver.unauthorized()
    assert unauthorized and unauthorized[0].path == "/simple/tinypkg/"
    pypiserver.clear_log()
    assert pypiserver.requests() == []
