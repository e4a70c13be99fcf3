"""The aws-codeartifact preset against the real AWS CLI (issue 18, item 3).

The real ``aws`` (awscli from the test extras) runs the preset's exact command against a loopback stand-in for
CodeArtifact's ``GetAuthorizationToken`` (tests/support/codeartifact.py, which follows botocore's own service
model), with fake keys, no configuration of the machine's, and ``AWS_ENDPOINT_URL_CODEARTIFACT`` pointing it
there. What is checked: the command's request (domain, owner, region, SigV4 with the test's key), that its
output is read (token and expiry), that a token is fetched once per lifetime, and that each way it fails (expired
credentials, access denied, throttling, no credentials, an unreachable endpoint) is one error line with the
CLI's own error and a hint.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.codeartifact import ACCESS_KEY_ID, SECRET_ACCESS_KEY, CodeArtifactMock
from support.indexserver import IndexServerFactory
from support.uvrun import run

from uvauth.errors import UvauthError
from uvauth.providers import presets
from uvauth.providers.entries import Entry, normalize
from uvauth.providers.lookup import Providers

pytestmark = pytest.mark.integration

# The host a real CodeArtifact index has: the preset reads domain, owner and region from it. It cannot be served
# on loopback, so the preset's command is run for it and the index itself is a loopback one (below).
CA_URL = "https://mydomain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/myrepo/simple/"


def preset_command() -> tuple[str, ...]:
    entry = Entry.from_data(normalize({"index": "codeartifact", "provider": "aws-codeartifact"}, source="test",
                                      file=None))
    recipe = presets.recipe(entry, CA_URL, {})
    assert recipe is not None and recipe.command is not None
    return recipe.command


@pytest.fixture
def codeartifact() -> Iterator[CodeArtifactMock]:
    mock = CodeArtifactMock().start()
    yield mock
    mock.stop()


@pytest.fixture
def aws_env(codeartifact: CodeArtifactMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The real aws, first on PATH, with the test's fake keys and nothing of the machine's AWS setup."""
    scripts = sysconfig.get_path("scripts")
    assert shutil.which("aws", path=scripts), "awscli (the test extras) is not installed in this environment"
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    aws_dir = tmp_path / "aws"
    aws_dir.mkdir()
    (aws_dir / "config").write_text("")
    (aws_dir / "credentials").write_text("")
    values = {
        "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(aws_dir / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws_dir / "credentials"),
        "AWS_ENDPOINT_URL_CODEARTIFACT": codeartifact.url,
        "AWS_MAX_ATTEMPTS": "1",  # botocore retries throttling; one attempt makes the mock's count exact
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata lookup for credentials on a machine without
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


# How the service sends the expiration, and how aws prints it: aws 1.x prints it as sent (its cli_timestamp_format
# "none"), aws 2.x converts it to ISO 8601 by default, as 1.x does with cli_timestamp_format = iso8601.
@pytest.mark.parametrize(("expiration_format", "cli_timestamp_format"),
                         [("epoch", None), ("iso", None), ("epoch", "iso8601")])
def test_the_preset_runs_the_real_aws_once_per_token_lifetime(
        codeartifact: CodeArtifactMock, aws_env: dict[str, str], expiration_format: str,
        cli_timestamp_format: str | None) -> None:
    codeartifact.expiration_format = expiration_format  # type: ignore[assignment]
    if cli_timestamp_format is not None:
        Path(aws_env["AWS_CONFIG_FILE"]).write_text(f"[default]\ncli_timestamp_format = {cli_timestamp_format}\n")
    data = normalize({"index": "codeartifact", "provider": "aws-codeartifact"}, source="test", file=None)
    found = Providers([data], aws_env).find(CA_URL, "codeartifact")
    assert found is not None and found.credentials is not None
    (call,) = codeartifact.calls
    # The preset's argv reached the service as GetAuthorizationToken for the index host's domain, owner, region.
    assert (call.method, call.path) == ("POST", "/v1/authorization-token")
    assert call.query == {"domain": "mydomain", "domain-owner": "111122223333"}
    assert call.credential is not None
    assert call.credential.split("/")[0] == ACCESS_KEY_ID and call.credential.split("/")[2] == "eu-west-1"
    assert found.credentials.username == "aws" and found.credentials.password == codeartifact.tokens[-1]
    assert "fresh until" in found.credentials.detail  # the expiration aws printed was read
    again = Providers([data], aws_env).find(CA_URL, "codeartifact")  # a new process's lookup: the token cache
    assert again is not None and again.credentials is not None
    assert again.credentials.password == codeartifact.tokens[-1] and len(codeartifact.calls) == 1


ERRORS = {
    # mode: (the error code botocore names, a phrase of the hint)
    "expired": ("ExpiredTokenException", "aws sso login"),
    "denied": ("AccessDeniedException", "sts:GetServiceBearerToken"),
    "throttled": ("ThrottlingException", "retry later"),
}


def _failure(aws_env: dict[str, str]) -> UvauthError:
    data = normalize({"index": "codeartifact", "provider": "aws-codeartifact"}, source="test", file=None)
    with pytest.raises(UvauthError) as raised:
        Providers([data], aws_env).find(CA_URL, "codeartifact")
    error = raised.value
    assert "\n" not in error.message and error.hint is not None and "\n" not in error.hint
    assert error.message.startswith("credentials entry codeartifact: command 'aws' exited with code ")
    return error


@pytest.mark.parametrize("mode", sorted(ERRORS))
def test_a_service_error_is_one_line_with_botocores_summary_and_a_hint(
        codeartifact: CodeArtifactMock, aws_env: dict[str, str], mode: str) -> None:
    from support.codeartifact import _ERRORS

    codeartifact.mode = mode  # type: ignore[assignment]
    code, advice = ERRORS[mode]
    error = _failure(aws_env)
    assert f"An error occurred ({code}) when calling the GetAuthorizationToken operation" in error.message
    assert _ERRORS[mode][2] in error.message  # the service's own message, whole
    assert advice in (error.hint or "")
    assert len(codeartifact.calls) == 1  # AWS_MAX_ATTEMPTS=1: no retry hides behind the error


def test_no_credentials_at_all(codeartifact: CodeArtifactMock, aws_env: dict[str, str]) -> None:
    env = {name: value for name, value in aws_env.items() if name not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    error = _failure(env)
    assert "Unable to locate credentials" in error.message and "aws configure" in (error.hint or "")
    assert codeartifact.calls == []  # botocore stopped before any request


def test_an_unreachable_endpoint(aws_env: dict[str, str]) -> None:
    gone = CodeArtifactMock().start()
    url = gone.url
    gone.stop()  # nothing listens on its port any more
    error = _failure({**aws_env, "AWS_ENDPOINT_URL_CODEARTIFACT": url})
    assert f'Could not connect to the endpoint URL: "{url}/v1/authorization-token' in error.message
    assert "AWS_ENDPOINT_URL" in (error.hint or "")


def _world(tmp_path: Path, index_url: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "req.in").write_text("tinypkg\n")
    (project / "uv.toml").write_text(f'[[index]]\nname = "codeartifact"\nurl = "{index_url}"\n')
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
    user.mkdir(parents=True, exist_ok=True)
    command = ", ".join(f'"{word}"' for word in preset_command())
    (user / "uvauth.toml").write_text(f'[[credentials]]\nindex = "codeartifact"\nurl = "{index_url}"\n'
                                      f'username = "aws"\npassword-command = [{command}]\n')
    return project


def test_through_the_real_uv_the_first_request_carries_the_token_and_aws_runs_once(
        codeartifact: CodeArtifactMock, aws_env: dict[str, str], index_server: IndexServerFactory,
        tmp_path: Path) -> None:
    token = "eyJ2ZXIiOjEsImlzdSI6MTczMzYwMDAwMH0.uvauth-test-token"
    codeartifact.token = token
    server = index_server("plain", username="aws", password=token)
    project = _world(tmp_path, server.index_url)
    outputs: list[str] = []
    for _ in range(3):
        done = run("uvauth", ["pip", "compile", "req.in", "--index-url", server.index_url], cwd=project,
                   servers=[server])
        assert done.returncode == 0, str(done)
        assert done.unauthenticated == 0 and done.requests > 0, str(done)
        assert not [r for r in server.requests if r.status == 401], str(done)
        outputs += [done.stdout, done.stderr]
    assert len(codeartifact.calls) == 1
    assert not any(token in text for text in outputs)
    cache = Path(os.environ["XDG_RUNTIME_DIR"]) / "uvauth"
    for root in (tmp_path, *(Path(os.environ[v]) for v in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                                         "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"))):
        for path in root.rglob("*"):
            if path.is_file() and token.encode() in path.read_bytes():
                assert path.parent == cache and path.stat().st_mode & 0o777 == 0o600, path


def test_through_uvauth_a_denied_token_is_one_error_line_and_one_hint_line(
        codeartifact: CodeArtifactMock, aws_env: dict[str, str], index_server: IndexServerFactory,
        tmp_path: Path) -> None:
    server = index_server("plain", username="aws", password="never-minted")
    project = _world(tmp_path, server.index_url)
    codeartifact.mode = "denied"
    done = run("uvauth", ["pip", "compile", "req.in", "--index-url", server.index_url], cwd=project,
               servers=[server])
    assert done.returncode == 2 and done.requests == 0, str(done)
    error, hint = done.stderr.splitlines()
    assert error.startswith("uvauth: error: credentials entry codeartifact: command 'aws' exited with code 255: "
                            "An error occurred (AccessDeniedException)"), error
    assert hint.startswith("hint: ") and "codeartifact:GetAuthorizationToken" in hint
    assert SECRET_ACCESS_KEY not in done.stderr + done.stdout
