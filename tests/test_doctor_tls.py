"""doctor trusts exactly the certificates uv trusts (uvauth.uv.tls), checked against the real uv over loopback HTTPS.

Python's default TLS context trusts the system's store; uv by default trusts only its bundled Mozilla roots. A
root installed on the machine (a corporate proxy's) once made doctor answer HTTP 200 from an index where uv
failed with ``UnknownIssuer``. The CA here is made by ``trustme`` for each test and is in no store.

OpenSSL's idea of "the system's store" honours the *process's* ``SSL_CERT_FILE``: the tests that need a system
store that trusts the CA set it for this process only, and hand doctor and uv an environment without it.
"""

from __future__ import annotations

import os
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from support import NetrcWriter
from support.indexserver import IndexServer
from support.uvrun import BASE_ENV, UV_BIN

from uvauth.doctor.report import diagnose
from uvauth.uv.cmdline import parse
from uvauth.uv.tls import CertificateSource, certificate_source

pytestmark = pytest.mark.integration


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_index(ca: trustme.CA, wheelhouse: Path, netrc_file: NetrcWriter) -> Iterator[IndexServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = IndexServer(wheelhouse, "plain").start(tls=context)
    netrc_file({"127.0.0.1": ("user", "pass")})
    yield server
    server.stop()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _project(root: Path, url: str) -> Path:
    root.mkdir()
    (root / "uv.toml").write_text(f'[[index]]\nname = "internal"\nurl = "{url}"\ndefault = true\n')
    (root / "req.in").write_text("tinypkg\n")
    return root


def _uv_compiles(project: Path, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(UV_BIN), *flags, "pip", "compile", "req.in", "--no-header"], cwd=project,
                          env={**env, **BASE_ENV, "UV_CACHE_DIR": str(project / ".cache")}, capture_output=True,
                          text=True, timeout=120, check=False)


def _doctor(project: Path, env: dict[str, str], *flags: str) -> tuple[str, str]:
    report = diagnose(["--project", str(project), *flags], env)
    (check,) = report.checks
    return check.verdict, check.message


def _without_cert_variables() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}


def test_by_default_neither_uv_nor_doctor_trusts_a_root_the_system_trusts(
        https_index: IndexServer, ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path / "p", https_index.index_url)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # this process's "system store" trusts the CA...
    env = _without_cert_variables()  # ...while uv and doctor get no SSL_CERT_FILE: uv's bundled roots
    plain = _uv_compiles(project, env)
    assert plain.returncode != 0 and "UnknownIssuer" in plain.stderr, plain.stderr
    verdict, message = _doctor(project, env)
    assert verdict == "unreachable" and "TLS certificate not trusted" in message, message
    assert diagnose(["--project", str(project)], env).tls.startswith("uv's bundled Mozilla roots (uv's default;")


def test_with_system_certs_both_trust_the_systems_roots(
        https_index: IndexServer, ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path / "p", https_index.index_url)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # the simulated system store, for doctor's process
    verdict, message = _doctor(project, _without_cert_variables(), "--system-certs")
    assert verdict == "ok", message
    assert diagnose(["--project", str(project), "--system-certs"], _without_cert_variables()).tls == (
        "the system's certificates (--system-certs)")


def test_ssl_cert_file_is_trusted_by_both(https_index: IndexServer, ca_file: str, tmp_path: Path) -> None:
    project = _project(tmp_path / "p", https_index.index_url)
    env = {**_without_cert_variables(), "SSL_CERT_FILE": ca_file}
    plain = _uv_compiles(project, env)
    assert plain.returncode == 0, plain.stderr
    assert "tinypkg==1.0" in plain.stdout
    verdict, message = _doctor(project, env)
    assert verdict == "ok", message
    assert diagnose(["--project", str(project)], env).tls == (
        f"only the certificates of SSL_CERT_FILE={ca_file} (they replace every other root, as in uv)")


def test_an_ssl_cert_file_without_the_root_replaces_every_other_root(
        https_index: IndexServer, ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-empty SSL_CERT_FILE is all uv trusts, --system-certs or not."""
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    project = _project(tmp_path / "p", https_index.index_url)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # even a system store that trusts the CA does not count
    env = {**_without_cert_variables(), "SSL_CERT_FILE": str(other)}
    plain = _uv_compiles(project, env, "--system-certs")
    assert plain.returncode != 0 and "UnknownIssuer" in plain.stderr, plain.stderr
    verdict, message = _doctor(project, env, "--system-certs")
    assert verdict == "unreachable" and "TLS certificate not trusted" in message, message


# -- the rule itself, on small inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "env", "expected"), [
    ([], {}, CertificateSource("mozilla", "uv's default")),
    (["--system-certs"], {}, CertificateSource("system", "--system-certs")),
    (["--native-tls"], {}, CertificateSource("system", "--native-tls")),
    (["--system-certs", "--no-native-tls"], {}, CertificateSource("mozilla", "--no-native-tls")),
    (["--no-system-certs"], {"UV_SYSTEM_CERTS": "1"}, CertificateSource("mozilla", "--no-system-certs")),
    ([], {"UV_SYSTEM_CERTS": "true"}, CertificateSource("system", "UV_SYSTEM_CERTS=true")),
    ([], {"UV_NATIVE_TLS": "yes"}, CertificateSource("system", "UV_NATIVE_TLS=yes")),
    ([], {"UV_SYSTEM_CERTS": "0", "UV_NATIVE_TLS": "1"}, CertificateSource("system", "UV_NATIVE_TLS=1")),
    ([], {"SSL_CERT_FILE": ""}, CertificateSource("mozilla", "uv's default")),
    (["--system-certs"], {"SSL_CERT_FILE": "/ca.pem"},
     CertificateSource("custom", "SSL_CERT_FILE=/ca.pem", ("/ca.pem",))),
    ([], {"SSL_CERT_FILE": "/ca.pem", "SSL_CERT_DIR": "/certs"},
     CertificateSource("custom", "SSL_CERT_FILE=/ca.pem, SSL_CERT_DIR=/certs", ("/ca.pem", "/certs"))),
])
def test_which_certificates_uv_trusts(argv: list[str], env: dict[str, str], expected: CertificateSource) -> None:
    assert certificate_source(parse([*argv, "pip", "compile", "r.in"]), env, None) == expected


def test_the_configuration_sets_system_certs_below_the_command_line_and_environment(tmp_path: Path) -> None:
    from uvauth.uv.config.discover import discover

    (tmp_path / "uv.toml").write_text("native-tls = true\n")
    config = discover(cwd=tmp_path, project=None, config_file=None, no_config=False, tool_command=False, env={})
    command = parse(["pip", "compile", "r.in"])
    assert certificate_source(command, {}, config) == CertificateSource(
        "system", "native-tls = true in the configuration")
    assert certificate_source(parse(["--no-system-certs", "pip", "compile"]), {}, config).kind == "mozilla"


@pytest.mark.parametrize("env", [{"UV_SYSTEM_CERTS": "bogus"}, {"UV_NATIVE_TLS": ""}], ids=["bogus", "empty"])
def test_a_bad_certificate_variable_is_uvs_error_even_beside_a_flag(env: dict[str, str]) -> None:
    """uv: "Failed to parse environment variable `UV_SYSTEM_CERTS` with invalid value `bogus`: expected a boolish
    value", before anything else (checked with uv 0.13.10); doctor once read it as off."""
    from uvauth.errors import UvauthError

    (name, value), = env.items()
    for argv, more in (([], {}), (["--system-certs"], {}), ([], {"SSL_CERT_FILE": "/ca.pem"})):
        with pytest.raises(UvauthError) as raised:
            certificate_source(parse([*argv, "pip", "compile", "r.in"]), {**env, **more}, None)
        expected = (name, f"invalid value {value!r}: expected a boolish value")
        assert (raised.value.where, raised.value.message) == expected
