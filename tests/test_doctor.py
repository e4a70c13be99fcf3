"""uvauth.doctor: ``uvauth uvauth doctor`` against the loopback IndexServer in each of its modes.

Every test runs inside the autouse isolation fixture (tests/conftest.py): the doctor gets ``dict(os.environ)`` as
it stands after the fixtures ran (a private HOME, NETRC from the ``netrc_file`` fixture), both when called as a
function and in a subprocess. Every password contains SECRET, and every output is searched for it.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE, NetrcWriter
from support.schema import keys_match
from support.indexserver import IndexServer, IndexServerFactory

from uvauth.commands import doctor as doctor_command
from uvauth.doctor import report as doctor_report
from uvauth.doctor.probe import ACCEPT, MAX_REDIRECTS
from uvauth.doctor.report import SCHEMA, DoctorObject, IndexObject, Report, diagnose, index_object
from uvauth.doctor.verdict import VERDICTS, Target, check_index, suggest_url

SECRET = "s3cr3t-D0ct0r"
PASSWORD = f"pw-{SECRET}"
WRONG = f"wrong-{SECRET}"
UVAUTH = Path(sys.executable).parent / "uvauth"
OTHER = "http://other-host.invalid:8080/simple/"


def env() -> dict[str, str]:
    """The environment as the isolation fixture (and netrc_file, …) left it."""
    return dict(os.environ)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert "pw-" not in text and "wrong-" not in text


def write_project(root: Path, index_url: str, *, name: str = "internal", extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n\n'
        f'[[tool.uv.index]]\nname = "{name}"\nurl = "{index_url}"\n{extra}'
    )
    return root


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(UVAUTH), "uvauth", "doctor", *args], capture_output=True, text=True,
                            env=env(), cwd=cwd, timeout=60, check=False)
    no_secret(result.stdout, result.stderr)
    return result


def validate_schema(data: dict[str, Any]) -> None:
    """The documented uvauth.doctor/1 object (see the uvauth.doctor.report docstring)."""
    assert data["schema"] == SCHEMA == "uvauth.doctor/1"
    keys_match(data, DoctorObject)
    assert set(data) == {"schema", "uvauth", "ok", "indexes", "skipped", "warnings", "config_files",
                         "uv_found", "tls"}
    assert data["tls"].startswith("uv's bundled Mozilla roots (uv's default;")  # the tests set none of uv's TLS
    assert isinstance(data["ok"], bool)
    probe_keys = {"url", "status", "location", "redirects", "error", "page"}
    for index in data["indexes"]:
        assert set(index) == {
            "name", "url", "checked_url", "source", "where", "format", "default", "explicit", "authenticate",
            "policy", "policy_reason", "credentials", "authenticated", "anonymous", "verdict", "message", "hint",
            "suggested_url",
        }
        assert index["verdict"] in VERDICTS
        assert index["format"] in ("simple", "flat")
        assert index["authenticate"] in ("auto", "always", "never")
        assert set(index["credentials"]) == {"found", "source", "detail", "tried"}
        assert isinstance(index["credentials"]["tried"], list) and index["credentials"]["tried"]
        assert set(index["anonymous"]) == probe_keys
        assert index["authenticated"] is None or set(index["authenticated"]) == probe_keys
        assert isinstance(index["message"], str) and index["message"]
    for skipped in data["skipped"]:
        assert set(skipped) == {"url", "source", "where", "reason"}
    assert data["ok"] == all(index["verdict"] == "ok" for index in data["indexes"])


# ------------------------------------------------------------------------------------------------------------
# The verdicts, through the function. Each case: server mode, netrc credentials (None: no netrc), expected verdict,
# text the message or hint must contain.

Setup = Callable[[IndexServer], str]  # returns the server mode, given the started server

CASES = [
    pytest.param("auth", PASSWORD, "ok", "netrc", id="auth-good-creds"),
    pytest.param("auth", WRONG, "bad-credentials", "rejected the credentials from netrc", id="auth-wrong-creds"),
    pytest.param("auth", None, "no-credentials", "UV_INDEX_INTERNAL_USERNAME", id="auth-no-creds"),
    pytest.param("status:403", PASSWORD, "forbidden", "without permission", id="403-with-creds"),
    pytest.param("status:403", None, "no-credentials", "HTTP 403", id="403-without-creds"),
    pytest.param("status:404", PASSWORD, "not-found", "mistyped", id="404"),
    pytest.param("open", PASSWORD, "open", "#7359", id="open-with-creds"),
    pytest.param("open", None, "open", 'authenticate = "always"', id="open-without-creds"),
    pytest.param(f"redirect:{OTHER}", PASSWORD, "redirect", "other-host.invalid:8080", id="redirect-other-host"),
    pytest.param("status:500", PASSWORD, "error", "HTTP 500", id="500"),
    pytest.param("status:418", None, "error", "HTTP 418", id="418"),
]


@pytest.mark.parametrize(("mode", "password", "expected", "text"), CASES)
def test_verdicts(index_server: IndexServerFactory, netrc_file: NetrcWriter, mode: str, password: str | None,
                  expected: str, text: str) -> None:
    server = index_server(password=PASSWORD, mode=mode)
    if password is not None:
        netrc_file({"127.0.0.1": ("user", password)})
    check = check_index(Target(server.index_url, name="internal"), env=env())
    assert check.verdict == expected, check.message
    assert text in check.message + (check.hint or "")
    assert (check.authenticated is not None) == (password is not None)
    # One GET with credentials (when there are any) and one without, of the root, with uv's Accept header.
    log = server.requests
    assert [r.method for r in log] == ["GET"] * len(log)
    assert all(r.kind == "root" and r.headers.get("Accept") == ACCEPT for r in log)
    assert sorted(r.auth for r in log) == sorted(
        ["none"] + ([] if password is None else ["good" if password == PASSWORD else "bad"])
    )
    dumped = json.dumps(index_object(check))
    no_secret(dumped, repr(check))


def test_json_objects_have_exactly_the_typed_keys(index_server: IndexServerFactory, netrc_file: NetrcWriter,
                                                  tmp_path: Path) -> None:
    """The TypedDicts of doctor/report.py are the schema: what is produced has exactly their keys, at every level
    (a probe with and without credentials, a skipped index), and the documented field names are theirs."""
    server = index_server(password=PASSWORD)
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    project = write_project(tmp_path / "proj", server.index_url)
    report = diagnose(["--project", str(project), "--extra-index-url", "https://pypi.org/simple"], env())
    data = report.to_json()
    assert data["indexes"] and data["indexes"][0]["authenticated"] is not None and data["skipped"]
    keys_match(data, DoctorObject)
    keys_match(json.loads(json.dumps(data)), DoctorObject)
    assert list(typing.get_type_hints(DoctorObject)) == ["schema", "uvauth", "ok", "indexes", "skipped", "warnings",
                                                         "config_files", "uv_found", "tls"]
    assert DoctorObject.__total__ and IndexObject.__total__
    for field in typing.get_type_hints(IndexObject):
        assert f'"{field}"' in doctor_report.__doc__  # documented in the module docstring


def test_ok_details(index_server: IndexServerFactory, netrc_file: NetrcWriter) -> None:
    server = index_server(password=PASSWORD)
    path = netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(server.index_url, name="internal"), env=env())
    assert check.ok
    data = index_object(check)
    assert data["credentials"]["source"] == "netrc"
    assert str(path) in data["credentials"]["detail"]
    assert data["authenticated"]["status"] == 200
    assert data["anonymous"]["status"] == 401
    assert data["checked_url"] == server.index_url


def test_no_credentials_says_where_to_put_them(index_server: IndexServerFactory) -> None:
    server = index_server(password=PASSWORD)
    check = check_index(Target(server.index_url, name="internal"), env=env())
    assert check.verdict == "no-credentials"
    assert check.hint is not None
    for place in ("machine 127.0.0.1", "uv auth login", "UV_INDEX_INTERNAL_USERNAME", "netrc (", "tried"):
        assert place in check.hint
    assert index_object(check)["credentials"]["tried"] == [str(place) for place in check.lookup.tried]


def test_uv_index_env_credentials(index_server: IndexServerFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    server = index_server(password=PASSWORD)
    monkeypatch.setenv("UV_INDEX_INTERNAL_USERNAME", "user")
    monkeypatch.setenv("UV_INDEX_INTERNAL_PASSWORD", PASSWORD)
    check = check_index(Target(server.index_url, name="internal"), env=env())
    assert check.verdict == "ok"
    assert index_object(check)["credentials"]["source"] == "uv-index-env"


def test_url_userinfo_credentials_are_never_shown(index_server: IndexServerFactory) -> None:
    server = index_server(password=PASSWORD)
    url = server.index_url.replace("http://", f"http://user:{PASSWORD}@")
    check = check_index(Target(url), env=env())
    assert check.verdict == "ok"
    assert check.lookup.credentials is not None and check.lookup.credentials.source == "url"
    assert all("@" not in r.path for r in server.requests)
    buffer = io.StringIO()
    doctor_command.render(Report(checks=[check]), buffer)
    no_secret(json.dumps(index_object(check)), buffer.getvalue(), check.message, check.hint or "")
    assert "user:****@" in json.dumps(index_object(check))


def test_not_found_suggests_simple(index_server: IndexServerFactory, netrc_file: NetrcWriter) -> None:
    server = index_server(password=PASSWORD, mode="status:404")
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(server.url + "/pypi-local"), env=env())
    assert check.verdict == "not-found"
    assert check.suggested_url == server.url + "/pypi-local/simple/"
    assert check.hint is not None and server.url + "/pypi-local/simple/" in check.hint


@pytest.mark.parametrize(
    ("url", "suggestion"),
    [
        ("https://h/artifactory/pypi-local", "https://h/artifactory/api/pypi/pypi-local/simple"),
        ("https://h/artifactory/pypi-local/simple", "https://h/artifactory/api/pypi/pypi-local/simple"),
        ("https://h/artifactory/api/pypi/pypi-local/simple", None),
        ("https://h/repository/pypi-all/", "https://h/repository/pypi-all/simple/"),
        ("https://h", "https://h/simple/"),
        ("https://h/root/pypi/+simple/", None),
        ("https://u:pw@h/x", "https://h/x/simple/"),
    ],
)
def test_suggest_url(url: str, suggestion: str | None) -> None:
    assert suggest_url(url) == suggestion


def test_redirect_location_is_redacted_and_not_followed(index_server: IndexServerFactory,
                                                        netrc_file: NetrcWriter) -> None:
    server = index_server(password=PASSWORD, mode=f"redirect:http://someone:{PASSWORD}@other-host.invalid/simple/")
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(server.index_url), env=env())
    assert check.verdict == "redirect"
    assert check.authenticated is not None and check.authenticated.status == 302
    assert check.authenticated.location == "http://someone:****@other-host.invalid/simple/"
    assert "other-host.invalid" in check.message and "credentials" in check.message
    no_secret(json.dumps(index_object(check)), check.message, check.hint or "")


def test_redirect_to_another_port_is_another_realm(index_server: IndexServerFactory,
                                                  netrc_file: NetrcWriter) -> None:
    target = index_server(password=PASSWORD)
    server = index_server(password=PASSWORD, mode=f"redirect:{target.index_url}")
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(server.index_url), env=env())
    assert check.verdict == "redirect"
    assert f"127.0.0.1:{target.port}" in check.message
    assert target.requests == []  # detected, never followed


def test_redirect_within_the_realm_is_followed_with_credentials(index_server: IndexServerFactory,
                                                               netrc_file: NetrcWriter) -> None:
    server = index_server(password=PASSWORD)
    server.mode = f"redirect:{server.url}/simple/"  # a loop on the same host: followed, then given up
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(server.url + "/old/simple/"), env=env())
    assert check.verdict == "error"
    assert check.authenticated is not None and "redirects" in (check.authenticated.error or "")
    assert len(check.authenticated.redirects) == MAX_REDIRECTS
    authed = [r for r in server.requests if r.auth != "none"]
    assert len(authed) == MAX_REDIRECTS + 1 and all(r.auth == "good" for r in authed)


def test_unreachable(netrc_file: NetrcWriter) -> None:
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(f"http://127.0.0.1:{closed_port()}/simple/"), env=env())
    assert check.verdict == "unreachable"
    assert "connection refused" in check.message


def test_timeout_is_unreachable() -> None:
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        check = check_index(Target(f"http://127.0.0.1:{port}/simple/"), env=env(), timeout=0.5)
    assert check.verdict == "unreachable"
    assert "timed out" in check.message


def test_authenticate_never(index_server: IndexServerFactory, netrc_file: NetrcWriter) -> None:
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    server = index_server(password=PASSWORD, mode="open")
    check = check_index(Target(server.index_url, authenticate="never"), env=env())
    assert check.verdict == "ok" and check.authenticated is None
    assert all(r.auth == "none" for r in server.requests)
    server.mode = "auth"
    check = check_index(Target(server.index_url, authenticate="never"), env=env())
    assert check.verdict == "error" and "never" in check.message


def test_open_with_authenticate_always_points_at_the_server(index_server: IndexServerFactory) -> None:
    server = index_server(password=PASSWORD, mode="open")
    check = check_index(Target(server.index_url, authenticate="always"), env=env())
    assert check.verdict == "open"
    assert check.hint is not None and "already" in check.hint and "anonymous access" in check.hint


def test_flat_index_is_fetched_as_written(index_server: IndexServerFactory, netrc_file: NetrcWriter) -> None:
    server = index_server(password=PASSWORD, mode="status:404")
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    check = check_index(Target(server.url + "/wheels", flat=True), env=env())
    assert check.verdict == "not-found" and check.suggested_url is None
    assert {r.path for r in server.requests} == {"/wheels"}


# ------------------------------------------------------------------------------------------------------------
# Which indexes: discovered as uv does, plus the doctor's command line.


def test_diagnose_project_cli_and_env_indexes(index_server: IndexServerFactory, netrc_file: NetrcWriter,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configured = index_server(password=PASSWORD)
    given = index_server(password=PASSWORD, mode="open")
    from_env = index_server(password=PASSWORD, mode="status:404")
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    project = write_project(
        tmp_path / "proj", configured.index_url,
        extra='\n[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple"\n'
              '\n[[tool.uv.index]]\nname = "local"\nurl = "./wheels"\nformat = "flat"\n',
    )
    monkeypatch.setenv("UV_EXTRA_INDEX_URL", from_env.index_url)
    report = diagnose(["--project", str(project), "--index", f"given={given.index_url}",
                       "--extra-index-url", configured.index_url.rstrip("/")], env())  # a duplicate of "internal"
    assert [(c.target.name, c.target.source, c.verdict) for c in report.checks] == [
        ("given", "cli", "open"),
        ("internal", "config", "ok"),
    ]
    # A CLI --extra-index-url replaces UV_EXTRA_INDEX_URL, as in clap; the duplicate of "internal" is checked once.
    assert [c.target.url for c in report.checks] == [given.index_url, configured.index_url]
    assert from_env.requests == []
    assert {s.reason.split(":")[0] for s in report.skipped} == {"public PyPI", "a local index"}
    assert report.exit_code == 1
    # Without the flag, the variable counts.
    report = diagnose(["--project", str(project)], env())
    assert [(c.target.source, c.target.where, c.verdict) for c in report.checks] == [
        ("config", f"{project / 'pyproject.toml'}:5", "ok"),
        ("env", "UV_EXTRA_INDEX_URL", "not-found"),
    ]


def test_diagnose_index_by_name(index_server: IndexServerFactory, netrc_file: NetrcWriter, tmp_path: Path) -> None:
    server = index_server(password=PASSWORD)
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    config = tmp_path / "uv.toml"
    config.write_text(f'[[index]]\nname = "internal"\nurl = "{server.index_url}"\nexplicit = true\n')
    report = diagnose(["--config-file", str(config), "--index", "internal"], env())
    assert [(c.target.name, c.verdict) for c in report.checks] == [("internal", "ok")]


def test_diagnose_no_config_and_directory(index_server: IndexServerFactory, tmp_path: Path) -> None:
    server = index_server(password=PASSWORD)
    project = write_project(tmp_path / "proj", server.index_url)
    assert diagnose(["--project", str(project), "--no-config"], env()).checks == []
    report = diagnose(["--directory", str(project)], env())
    assert [(c.target.name, c.verdict) for c in report.checks] == [("internal", "no-credentials")]


def test_diagnose_usage_errors(tmp_path: Path) -> None:
    from uvauth.errors import UvauthError

    with pytest.raises(UvauthError, match="unknown option"):
        diagnose(["--frobnicate"], env())
    with pytest.raises(UvauthError, match="unexpected argument"):
        diagnose(["somewhere"], env())
    with pytest.raises(UvauthError, match="not found"):
        diagnose(["--config-file", str(tmp_path / "missing.toml")], env())


# ------------------------------------------------------------------------------------------------------------
# The command: `uvauth uvauth doctor …` in a subprocess, with the fixture's environment.

CLI_CASES = [
    pytest.param("auth", PASSWORD, "ok", 0, id="ok"),
    pytest.param("auth", WRONG, "bad-credentials", 1, id="bad-credentials"),
    pytest.param("auth", None, "no-credentials", 1, id="no-credentials"),
    pytest.param("status:403", PASSWORD, "forbidden", 1, id="forbidden"),
    pytest.param("status:404", PASSWORD, "not-found", 1, id="not-found"),
    pytest.param("open", PASSWORD, "open", 1, id="open"),
    pytest.param(f"redirect:{OTHER}", PASSWORD, "redirect", 1, id="redirect"),
    pytest.param("status:502", PASSWORD, "error", 1, id="error"),
]


@pytest.mark.parametrize(("mode", "password", "expected", "code"), CLI_CASES)
def test_cli(index_server: IndexServerFactory, netrc_file: NetrcWriter, tmp_path: Path, mode: str,
             password: str | None, expected: str, code: int) -> None:
    server = index_server(password=PASSWORD, mode=mode)
    if password is not None:
        netrc_file({"127.0.0.1": ("user", password)})
    project = write_project(tmp_path / "proj", server.index_url)

    result = run_cli("--json", "--project", str(project))
    assert result.returncode == code, result.stderr
    data = json.loads(result.stdout)
    validate_schema(data)
    assert [index["verdict"] for index in data["indexes"]] == [expected]
    assert data["indexes"][0]["name"] == "internal"
    assert data["ok"] is (code == 0)

    table = run_cli("--project", str(project))  # the readable table
    assert table.returncode == code, table.stderr
    assert expected in table.stdout and "internal" in table.stdout


def test_cli_unreachable_from_the_command_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/simple/"
    result = run_cli("--no-config", "--index-url", url, "--json", cwd=tmp_path)  # --json after the uv options
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    validate_schema(data)
    assert [(i["verdict"], i["where"], i["default"]) for i in data["indexes"]] == [
        ("unreachable", "--index-url", True)
    ]


def test_cli_discovers_from_the_working_directory(index_server: IndexServerFactory, netrc_file: NetrcWriter,
                                                  tmp_path: Path) -> None:
    server = index_server(password=PASSWORD)
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    project = write_project(tmp_path / "proj", server.index_url)
    result = run_cli("--json", cwd=project)
    assert result.returncode == 0, result.stderr
    assert [i["verdict"] for i in json.loads(result.stdout)["indexes"]] == ["ok"]


def test_cli_nothing_to_check(tmp_path: Path) -> None:
    result = run_cli("--no-config", cwd=tmp_path)
    assert result.returncode == 0
    assert "No index to check" in result.stdout
    data = json.loads(run_cli("--json", "--no-config", cwd=tmp_path).stdout)
    validate_schema(data)
    assert data["indexes"] == [] and data["ok"] is True


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    broken = write_project(tmp_path / "broken", "http://127.0.0.1:1/simple/")
    (broken / "uv.toml").write_text("index = [\n")
    for args in (["--frobnicate"], ["stray"], ["--config-file", str(tmp_path / "nope.toml")],
                 ["--project", str(broken)]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("uvauth: error: ")
        assert result.stdout == ""


def test_password_never_printed(index_server: IndexServerFactory, netrc_file: NetrcWriter,
                                tmp_path: Path) -> None:
    """Every verdict at once, userinfo in URLs and redirect targets included: the secret appears nowhere."""
    good = index_server(password=PASSWORD)
    wrong = index_server(password="another")
    redirecting = index_server(password=PASSWORD, mode=f"redirect:http://x:{PASSWORD}@other-host.invalid/s/")
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    userinfo = good.index_url.replace("http://", f"http://user:{PASSWORD}@")
    project = write_project(
        tmp_path / "proj", userinfo,
        extra=f'\n[[tool.uv.index]]\nname = "wrong"\nurl = "{wrong.index_url}"\n'
              f'\n[[tool.uv.index]]\nname = "redirecting"\nurl = "{redirecting.index_url}"\n',
    )
    outputs = []
    for args in (["--project", str(project)], ["--json", "--project", str(project)],
                 ["--project", str(project), "--extra-index-url", userinfo.replace("/simple/", "/x/")]):
        result = run_cli(*args)  # run_cli asserts no secret in stdout and stderr
        assert result.returncode == 1
        outputs.append(result.stdout)
    data = json.loads(outputs[1])
    validate_schema(data)
    assert [i["verdict"] for i in data["indexes"]] == ["ok", "bad-credentials", "redirect"]
    assert "user:****@" in outputs[1]
    buffer = io.StringIO()
    report = diagnose(["--project", str(project)], env())
    doctor_command.render(report, buffer)
    no_secret(buffer.getvalue(), json.dumps(report.to_json()), repr(report))


def test_run_function_exit_codes_and_streams(index_server: IndexServerFactory, netrc_file: NetrcWriter,
                                             tmp_path: Path) -> None:
    server = index_server(password=PASSWORD)
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    project = write_project(tmp_path / "proj", server.index_url)
    out, err = io.StringIO(), io.StringIO()
    assert doctor_command.run(["--project", str(project), "--json"], env(), out=out, err=err) == 0
    validate_schema(json.loads(out.getvalue()))
    server.mode = "open"
    out = io.StringIO()
    assert doctor_command.run(["--project", str(project)], env(), out=out, err=err) == 1
    assert "open" in out.getvalue() and "#7359" in out.getvalue()
    assert doctor_command.run(["--bogus"], env(), out=out, err=err) == 2
    assert "unknown option --bogus" in err.getvalue()


def test_diagnose_reports_indexes_uv_does_not_use(index_server: IndexServerFactory, netrc_file: NetrcWriter,
                                                 tmp_path: Path) -> None:
    """A second index of the same name (lower precedence) is not used by uv: listed as skipped, not checked."""
    first = index_server(password=PASSWORD)
    shadowed = index_server(password=PASSWORD)
    netrc_file({"127.0.0.1": ("user", PASSWORD)})
    project = write_project(tmp_path / "proj", first.index_url)
    user_config = Path(os.environ["XDG_CONFIG_HOME"]) / "uv" / "uv.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(f'[[index]]\nname = "internal"\nurl = "{shadowed.index_url}"\n')
    report = diagnose(["--project", str(project)], env())
    assert [(c.target.url, c.verdict) for c in report.checks] == [(first.index_url, "ok")]
    assert [(s.url, s.where) for s in report.skipped] == [(shadowed.index_url, f"{user_config}:1")]
    assert "does not use it" in report.skipped[0].reason
    assert shadowed.requests == []


@pytest.mark.parametrize("covered_by", ["credentials-prefix", "authenticate-prefixes", "setting", "configured"])
def test_doctor_and_explain_give_an_index_the_same_policy(covered_by: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: doctor applied its own copy of the policy rule, which missed [[credentials]] prefixes (explain
    said `always (prefix)`, doctor `auto (default)`). Both now ask uvauth.policy.choose."""
    from uvauth.doctor.report import targets
    from uvauth.explain import explain_data

    configured = 'authenticate = "never"\n' if covered_by == "configured" else ""
    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "https://ex.example/team/simple"\n{configured}')
    env = {**os.environ, "T": "tok3n", "UV_INDEX_ART_USERNAME": "u", "UV_INDEX_ART_PASSWORD": "tok3n"}
    if covered_by == "credentials-prefix":
        env |= {"UVAUTH_CREDENTIALS_ART_PREFIX": "https://ex.example/team/", "UVAUTH_CREDENTIALS_ART_PASSWORD_ENV": "T"}
    elif covered_by == "authenticate-prefixes":
        env["UVAUTH_AUTHENTICATE_PREFIXES"] = "https://ex.example/"
    else:
        env["UVAUTH_AUTHENTICATE"] = "always"
    monkeypatch.chdir(tmp_path)
    rows = explain_data(["lock"], env)["indexes"]
    (row,) = [r for r in rows if r["url"] == "https://ex.example/team/simple"] or [rows]
    (target,) = targets([], env)[0]
    reason = target.policy_reason if target.policy else ("configured" if target.authenticate else "default")
    assert (target.effective, reason) == (row["policy"], row["policy_reason"]), (target, row)
    assert row["policy"] == ("never" if covered_by == "configured" else "always")


_POOL = ["https://ex.example/team/simple", "https://ex.example/team/simple/", "https://EX.example/team/simple",
         "https://ex.example/links/", "https://other.example/simple"]
_INDEX = st.fixed_dictionaries({
    "name": st.sampled_from(["art", "team", "mirror"]), "url": st.sampled_from(_POOL),
    "authenticate": st.sampled_from([None, "always", "never", "auto"]),
    "kind": st.sampled_from(["", "default", "explicit", "flat"]),
})
_CLI = st.lists(st.tuples(st.sampled_from(["--index-url", "--extra-index-url", "--find-links", "--default-index"]),
                          st.sampled_from(_POOL)), max_size=3)
_SETTING = st.sampled_from([{}, {"UVAUTH_AUTHENTICATE": "always"}, {"UVAUTH_AUTHENTICATE": "never"},
                            {"UVAUTH_AUTHENTICATE_PREFIXES": "https://ex.example/team/"}])


def _uv_toml(indexes: list[dict[str, Any]]) -> str:
    text = ""
    for index in indexes:
        text += f'[[index]]\nname = "{index["name"]}"\nurl = "{index["url"]}"\n'
        if index["authenticate"]:
            text += f'authenticate = "{index["authenticate"]}"\n'
        if index["kind"] == "flat":
            text += 'format = "flat"\n'
        elif index["kind"]:
            text += f"{index['kind']} = true\n"
    return text


@pytest.mark.hypothesis
@settings(max_examples=40, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(indexes=st.lists(_INDEX, max_size=3), cli=_CLI, setting=_SETTING)
def test_doctor_explain_and_the_plan_agree_on_every_indexs_policy(
        indexes: list[dict[str, Any]], cli: list[tuple[str, str]], setting: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 item 1, over many configurations: for every URL doctor checks, explain (the plan's view) shows
    the same policy — whichever way the URL arrived and whatever configured index it merges onto."""
    from uvauth.doctor.report import targets
    from uvauth.errors import UvauthError
    from uvauth.explain import explain_data

    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "uv.toml").write_text(_uv_toml(indexes))
    monkeypatch.chdir(work)
    args = [part for flag, url in cli for part in (flag, url)]
    netrc = work / "netrc"  # credentials for every host, so that an `always` index can be planned
    netrc.write_text("machine ex.example login u password p\nmachine other.example login u password p\n")
    run_env = {**os.environ, "NETRC": str(netrc), **setting}
    try:
        chosen = targets(args, run_env)[0]
    except UvauthError:
        return  # a configuration uv refuses (two defaults, ...): neither runs
    try:
        rows = explain_data(["lock", *args], run_env)["indexes"]
    except UvauthError:
        return  # an `always` index without credentials: uvauth refuses to run uv (doctor says what is missing)
    explained: dict[tuple[str, bool], tuple[str, str]] = {}
    for row in rows:  # uv's order: doctor checks a URL once, as its first entry
        explained.setdefault((row["url"], row["role"] == "flat"), (row["policy"], row["policy_reason"]))
    for target in chosen:
        reason = target.policy_reason if target.policy else ("configured" if target.authenticate else "default")
        key = (target.url, target.flat)
        if target.explicit:
            continue  # uv contacts an explicit index only for a package pinned to it: explain lists none
        assert key in explained, (target, rows)
        assert (target.effective, reason) == explained[key], (target, rows)


def test_doctor_shows_the_policy_that_holds_where_credentials_are_missing(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Where credentials are missing is where doctor is used most: the plan's policy holds there too. The
    command-line URL is uv's default index and merges onto the configured `always` index (which uv itself does
    not list, a default coming first), so `always` is what holds and what doctor must probe as."""
    from uvauth.doctor.report import targets

    url = "https://ex.example/team/simple"
    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{url}"\nauthenticate = "always"\n'
                                      "default = true\n")
    monkeypatch.chdir(tmp_path)
    # And an index under an authenticate-prefixes entry, for which uvauth must find the credentials itself.
    run_env = {**os.environ, "NETRC": str(tmp_path / "no-netrc"),
               "UVAUTH_AUTHENTICATE_PREFIXES": "https://other.example/"}
    found = targets(["--default-index", url, "--index", "https://other.example/simple"], run_env)[0]
    assert [(t.url, t.effective, t.policy_reason) for t in found] == [
        (url, "always", "configured"), ("https://other.example/simple", "always", "prefix")]
