"""Integration, issue 9: credential providers through the real uv.

Fake ``aws``, ``gcloud`` and ``az`` executables (written into a directory put first on PATH) mint a new token on
each call, count their calls in a file and report an expiry; the loopback index accepts only tokens that were
minted and have not expired. Every request without them (none, a wrong or an expired token, any 401/403) counts
as unauthenticated, and must never happen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.indexserver import AuthStatus, IndexServer, IndexServerFactory
from support.uvrun import BASE_ENV, TOOLS, UV_BIN, Run, fresh_cache, run

pytestmark = pytest.mark.integration

FAKE_CLI = r'''#!{python}
"""A fake {tool}: mints a token, counts the call, reports its expiry."""
import json, os, sys, time, uuid
state = os.environ["FAKE_STATE"]
time.sleep(float(os.environ.get("FAKE_DELAY", "0")))
args = sys.argv[1:]
expected = json.loads(os.environ.get("FAKE_EXPECT_{upper}", "null"))
if expected is not None and args != expected:
    print("unexpected arguments: " + " ".join(args), file=sys.stderr)
    sys.exit(254)
lifetime = float(os.environ.get("FAKE_LIFETIME", "3600"))
token = "tok-{tool}-" + uuid.uuid4().hex
expires = time.time() + lifetime
with open(os.path.join(state, "tokens"), "a") as f:
    f.write(f"{{token}} {{expires}}\n")
with open(os.path.join(state, "calls-{tool}"), "a") as f:
    f.write("call\n")
if "{tool}" == "gcloud":
    print(token)
elif "{tool}" == "aws":
    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(expires))
    print(json.dumps({{"password": token, "expires": iso}}))
else:
    print(json.dumps({{"password": token, "expires": int(expires)}}))
'''

# Records the argv and the environment variable names uv is started with, then becomes the real uv.
RECORDER = r'''#!{python}
import json, os, sys
with open(os.environ["FAKE_STATE"] + "/uv-argv", "a") as f:
    f.write(json.dumps([sys.argv[1:], sorted(os.environ)]) + "\n")
os.execv({uv!r}, [{uv!r}, *sys.argv[1:]])
'''


class TokenServer(IndexServer):
    """Accepts a request only with a token the fakes minted that has not expired, and the expected username."""

    def __init__(self, *args: object, state: Path, username: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.state = state
        self.username = username

    def _check_auth(self, header: str | None) -> tuple[AuthStatus, str | None]:
        status, user = super()._check_auth(header)
        if status == "none" or header is None:
            return status, user
        import base64

        decoded = base64.b64decode(header.partition(" ")[2]).decode()
        user, _, password = decoded.partition(":")
        try:
            lines = (self.state / "tokens").read_text().splitlines()
        except FileNotFoundError:
            lines = []
        valid = {token: float(expires) for token, expires in (line.split() for line in lines)}
        good = user == self.username and valid.get(password, 0) > time.time()
        return ("good" if good else "bad"), user


class World:
    def __init__(self, root: Path, server: TokenServer) -> None:
        self.root = root
        self.server = server
        self.state = server.state
        self.bin = root / "bin"
        self.project = root / "project"
        self.project.mkdir()
        (self.project / "req.in").write_text("tinypkg\n")
        self.env = {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "FAKE_STATE": str(self.state),
                    "UVAUTH_UV": str(self.bin / "uv-recorder")}

    def calls(self, tool: str) -> int:
        path = self.state / f"calls-{tool}"
        return path.read_text().count("call") if path.exists() else 0

    def tokens(self) -> list[str]:
        path = self.state / "tokens"
        return [line.split()[0] for line in path.read_text().splitlines()] if path.exists() else []

    def index_toml(self, name: str = "gar") -> None:
        (self.project / "uv.toml").write_text(f'[[index]]\nname = "{name}"\nurl = "{self.server.index_url}"\n')

    def user_settings(self, text: str) -> None:
        user = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
        user.mkdir(parents=True, exist_ok=True)
        (user / "uvauth.toml").write_text(text)

    def compile(self, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return run("uvauth", ["pip", "compile", "req.in", "--index-url", self.server.index_url, *extra],
                   cwd=self.project, servers=[self.server], env={**self.env, **(env or {})})

    def assert_no_token_leaked(self, *outputs: str) -> None:
        """No minted token in any output, in uv's argv, or in any file but the 0600 token cache."""
        tokens = self.tokens()
        assert tokens
        for text in outputs:
            assert not any(token in text for token in tokens)
        cache = Path(os.environ["XDG_RUNTIME_DIR"]) / "uvauth"
        roots = [self.root, *(Path(os.environ[v]) for v in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                                           "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"))]
        for root in roots:
            for path in root.rglob("*"):
                if not path.is_file() or path == self.state / "tokens":
                    continue
                data = path.read_bytes()
                if any(token.encode() in data for token in tokens):
                    assert path.parent == cache, f"a token was written to {path}"
                    assert path.stat().st_mode & 0o777 == 0o600


@pytest.fixture
def world(tmp_path: Path, wheelhouse: Path) -> Iterator[World]:
    state = tmp_path / "state"
    state.mkdir()
    server = TokenServer(wheelhouse, "artifactory", state=state, username="oauth2accesstoken")
    server.start()
    world = World(tmp_path, server)
    world.bin.mkdir()
    for tool in ("aws", "gcloud", "az"):
        path = world.bin / tool
        path.write_text(FAKE_CLI.format(python=sys.executable, tool=tool, upper=tool.upper()))
        path.chmod(0o755)
    recorder = world.bin / "uv-recorder"
    recorder.write_text(RECORDER.format(python=sys.executable, uv=str(UV_BIN)))
    recorder.chmod(0o755)
    yield world
    server.stop()


def test_gcloud_preset_runs_once_across_twenty_commands(world: World) -> None:
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\n'
                        f'url = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n')
    outputs = []
    exact = {"FAKE_EXPECT_GCLOUD": json.dumps(["auth", "print-access-token"])}  # the documented command
    for _ in range(20):
        done = world.compile("-v", env=exact)
        assert done.returncode == 0, str(done)
        assert done.unauthenticated == 0 and done.requests > 0, str(done)
        outputs += [done.stdout, done.stderr]
    assert world.calls("gcloud") == 1
    argvs = (world.state / "uv-argv").read_text()
    assert "UV_INDEX_GAR_PASSWORD" in argvs  # handed over in the environment ...
    world.assert_no_token_leaked(*outputs, argvs)  # ... never on argv, in output or in a file


def test_prefix_entry_covers_an_unconfigured_index(world: World) -> None:
    world.server.username = "azure-cli"
    prefix = world.server.url + "/artifactory"
    world.user_settings(f'[[credentials]]\nprefix = "{prefix}"\nprovider = "azure-cli"\n')
    exact = {"FAKE_EXPECT_AZ": json.dumps(["account", "get-access-token", "--resource",
                                           "499b84ac-1321-427f-aa17-267ca6975798", "--query",
                                           "{password: accessToken, expires: expires_on}", "--output", "json"])}
    for _ in range(3):
        done = world.compile(env=exact)  # no uv.toml: the --index-url has no configured name
        assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert world.calls("az") == 1
    world.assert_no_token_leaked((world.state / "uv-argv").read_text())


def test_environment_form_with_a_command(world: World) -> None:
    world.server.username = "aws"
    world.index_toml("codeartifact")
    env = {"UVAUTH_CREDENTIALS_CODEARTIFACT_PASSWORD_COMMAND": "aws codeartifact get-authorization-token "
           "--domain d --domain-owner 111122223333 --query '{password: authorizationToken, expires: expiration}' "
           "--output json", "UVAUTH_CREDENTIALS_CODEARTIFACT_USERNAME": "aws",
           "UVAUTH_CREDENTIALS_CODEARTIFACT_URL": world.server.index_url}
    for _ in range(2):
        done = world.compile(env=env)
        assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert world.calls("aws") == 1


def test_an_expired_token_is_minted_again(world: World) -> None:
    world.server.username = "azure-cli"
    world.index_toml("azure")
    world.user_settings(f'[[credentials]]\nindex = "azure"\nurl = "{world.server.index_url}"\nprovider = "azure-cli"\n')
    env = {"FAKE_LIFETIME": "4"}  # fresh for 3.6 s
    done = world.compile(env=env)
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    done = world.compile(env=env)
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert world.calls("az") in (1, 2)  # a slow machine may have needed a second one already
    before = world.calls("az")
    time.sleep(4.5)
    done = world.compile(env=env)
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)  # the expired token was not sent
    assert world.calls("az") == before + 1


def test_sixteen_parallel_commands_run_the_command_once(world: World) -> None:
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\n'
                        f'url = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n')
    cache = fresh_cache()
    env = {**os.environ, **BASE_ENV, **world.env, "UV_CACHE_DIR": str(cache), "FAKE_DELAY": "1"}
    world.server.clear_log()
    processes = [
        subprocess.Popen([str(TOOLS["uvauth"]), "pip", "compile", "req.in", "--index-url", world.server.index_url],
                         cwd=world.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(16)
    ]
    results = [process.communicate(timeout=180) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    assert world.calls("gcloud") == 1
    assert world.server.unauthenticated() == [] and world.server.requests
    world.assert_no_token_leaked(*(text for pair in results for text in pair))


def test_a_failing_command_stops_before_any_request(world: World) -> None:
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\nurl = "{world.server.index_url}"\nprovider = "gcloud"\n')
    done = world.compile(env={"FAKE_EXPECT_GCLOUD": json.dumps(["something", "else"])})
    assert done.returncode == 2 and done.requests == 0, str(done)
    (line,) = done.stderr.splitlines()
    assert line.startswith("uvauth: error: credentials entry gar: command 'gcloud' exited with code 254: "
                           "unexpected arguments: auth print-access-token"), line


def test_a_project_command_needs_approval(world: World) -> None:
    world.server.username = "aws"
    world.index_toml("codeartifact")
    (world.project / "uvauth.toml").write_text(
        '[[credentials]]\nindex = "codeartifact"\nusername = "aws"\nttl = "1h"\npassword-command = ["aws", '
        '"codeartifact", "get-authorization-token", "--query", "{password: authorizationToken, expires: '
        'expiration}"]\n')
    done = world.compile()
    assert done.returncode == 2 and done.requests == 0 and world.calls("aws") == 0, str(done)
    # One error line, and its hint on a line of its own (uv's layout).
    line = " ".join(done.stderr.splitlines())
    assert done.stderr.startswith("uvauth: error: ") and len(done.stderr.splitlines()) <= 2, done.stderr
    assert "is not approved on this machine" in line and "uvauth uvauth credentials trust" in line
    done = world.compile(env={"UVAUTH_TRUST": "1"})
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    trusted = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "credentials", "trust"], cwd=world.project,
                             env={**os.environ, **world.env}, capture_output=True, text=True, check=False)
    assert trusted.returncode == 0, trusted.stderr
    assert "aws codeartifact get-authorization-token" in trusted.stdout
    done = world.compile()
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert world.calls("aws") == 1
    # A changed command needs approval again.
    (world.project / "uvauth.toml").write_text(
        (world.project / "uvauth.toml").read_text().replace('"aws",', '"aws", "--debug",'))
    done = world.compile()
    assert done.returncode == 2 and "not approved" in done.stderr


def test_credentials_show_and_forget(world: World) -> None:
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\n'
                        f'url = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n')
    assert world.compile().returncode == 0

    def uvauth(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(TOOLS["uvauth"]), "uvauth", "credentials", *args], cwd=world.project,
                              env={**os.environ, **world.env}, capture_output=True, text=True, check=False)

    shown = uvauth("show")
    assert shown.returncode == 0, shown.stderr
    assert "gar" in shown.stdout and "gcloud" in shown.stdout and "fresh until" in shown.stdout
    world.assert_no_token_leaked(shown.stdout, shown.stderr)
    explained = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "explain", "--json", "pip", "compile", "req.in",
                                "--index-url", world.server.index_url], cwd=world.project,
                               env={**os.environ, **world.env}, capture_output=True, text=True, check=False)
    assert explained.returncode == 0, explained.stderr
    rows = json.loads(explained.stdout)["indexes"]
    assert any("credentials entry gar (gcloud): cached token, fresh until" in (row["credential_source"] or "")
               for row in rows), rows
    forgotten = uvauth("forget", "gar")
    assert forgotten.returncode == 0 and "1" in forgotten.stdout, forgotten.stderr
    assert world.compile().returncode == 0
    assert world.calls("gcloud") == 2


def test_control_without_an_entry_the_server_sees_unauthenticated_requests(world: World) -> None:
    """The server really refuses what the fakes did not mint: without an entry uv gets 401s (and fails)."""
    world.index_toml("gar")
    done = world.compile()
    assert done.unauthenticated > 0, str(done)
    # A token that was minted but has expired is refused too.
    world.user_settings(f'[[credentials]]\nindex = "gar"\n'
                        f'url = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n')
    assert world.compile(env={"FAKE_LIFETIME": "-10"}).unauthenticated > 0


def test_the_codeartifact_preset_runs_the_documented_command(world: World) -> None:
    """The host a real CodeArtifact index has cannot be served on loopback: the preset's command (domain, owner
    and region read from that host) is run against the fake aws, and its JSON read, without uv."""
    from uvauth.providers.entries import normalize
    from uvauth.providers.lookup import Providers

    url = "https://mydomain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/myrepo/simple/"
    env = {**os.environ, **world.env, "FAKE_EXPECT_AWS": json.dumps([
        "codeartifact", "get-authorization-token", "--domain", "mydomain", "--domain-owner", "111122223333",
        "--region", "eu-west-1", "--query", "{password: authorizationToken, expires: expiration}", "--output",
        "json"])}
    data = normalize({"index": "codeartifact", "provider": "aws-codeartifact"}, source="test", file=None)
    found = Providers([data], env).find(url, "codeartifact")
    assert found is not None and found.credentials is not None
    assert found.credentials.username == "aws" and found.credentials.password == world.tokens()[-1]
    assert "fresh until" in found.credentials.detail  # the reported expiration was read
    again = Providers([data], env).find(url, "codeartifact")
    assert again is not None and again.credentials is not None and world.calls("aws") == 1


def test_doctor_uses_the_provider_and_mints_again_after_a_revocation(world: World) -> None:
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\n'
                        f'url = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n')

    def doctor() -> dict[str, object]:
        done = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "doctor", "--json"], cwd=world.project,
                              env={**os.environ, **world.env}, capture_output=True, text=True, check=False)
        world.assert_no_token_leaked(done.stdout, done.stderr)
        (index,) = json.loads(done.stdout)["indexes"]
        return index

    index = doctor()
    assert index["verdict"] == "ok" and index["credentials"]["source"] == "provider", index  # type: ignore[index]
    assert world.calls("gcloud") == 1
    (world.state / "tokens").write_text("")  # the server revokes every token; uvauth's cache still holds one
    index = doctor()
    assert index["verdict"] == "ok", index
    assert world.calls("gcloud") == 2
    # Said, never silent: the cached token was refused before its ttl ran out.
    assert index["hint"] == ("credentials entry gar: the cached token was rejected before its end (HTTP 401), so "
                             "it was forgotten and a new one minted; if the service revokes tokens early, give the "
                             "entry a shorter ttl"), index
    assert doctor()["hint"] is None  # the new token is accepted: nothing to say
    world.server.username = "someone-else"  # now every token is refused
    index = doctor()
    assert index["verdict"] == "bad-credentials" and "token rejected" in str(index["hint"]), index
    assert "uvauth uvauth credentials forget gar" in str(index["hint"])


def test_login_stores_with_uv_auth_and_never_puts_the_password_on_argv(tmp_path: Path, wheelhouse: Path) -> None:
    server = IndexServer(wheelhouse, "outside-root", password="l0gin-secret").start()
    try:
        project = tmp_path / "project"
        project.mkdir()
        (project / "req.in").write_text("tinypkg\n")
        (project / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{server.index_url}"\n'
                                         'authenticate = "always"\n')
        prefix = server.url + "/artifactory"
        (project / "uvauth.toml").write_text(f'authenticate-prefixes = ["{prefix}"]\n')
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        recorder = bin_dir / "uv-recorder"
        recorder.write_text(RECORDER.format(python=sys.executable, uv=str(UV_BIN)))
        recorder.chmod(0o755)
        env = {**os.environ, "FAKE_STATE": str(tmp_path), "UVAUTH_UV": str(recorder)}

        def uvauth(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(TOOLS["uvauth"]), "uvauth", *args], cwd=project, env=env, input=stdin,
                                  capture_output=True, text=True, check=False)

        done = uvauth("login", "art", "--username", "user", stdin="l0gin-secret\n")
        assert done.returncode == 0, done.stderr
        recorded = (tmp_path / "uv-argv").read_text()
        assert "l0gin-secret" not in recorded and "auth" in recorded
        logged = [json.loads(line)[0] for line in recorded.splitlines()]
        assert [argv[2] for argv in logged] == [server.url + "/artifactory/api/pypi/pypi-local", prefix]
        compiled = run("uvauth", ["pip", "compile", "req.in", "--index-url", server.index_url], cwd=project,
                       servers=[server], env={"UVAUTH_UV": str(recorder), "FAKE_STATE": str(tmp_path)})
        assert compiled.returncode == 0 and compiled.unauthenticated == 0, str(compiled)
        done = uvauth("logout", "art", "--username", "user")
        assert done.returncode == 0, done.stderr
        compiled = run("uvauth", ["pip", "compile", "req.in", "--index-url", server.index_url], cwd=project,
                       servers=[server], env={"UVAUTH_UV": str(recorder), "FAKE_STATE": str(tmp_path)})
        assert compiled.returncode == 2 and "uvauth: error: no credentials for " in compiled.stderr, str(compiled)
    finally:
        server.stop()


def test_a_cloned_project_that_moves_the_users_index_name_gets_no_token(world: World, wheelhouse: Path) -> None:
    """Issue 16 item 2, through the real uv: the user's entry for `gar` and their own uv.toml put `gar` at the
    real index; a cloned project's uv.toml puts `gar` at a server of its own. Before the fix that server was sent
    the user's token on its first request."""
    world.user_settings('[[credentials]]\nindex = "gar"\nprovider = "gcloud"\nttl = "50m"\n')
    user_uv = Path(os.environ["XDG_CONFIG_HOME"]) / "uv"
    user_uv.mkdir(parents=True, exist_ok=True)
    (user_uv / "uv.toml").write_text(f'[[index]]\nname = "gar"\nurl = "{world.server.index_url}"\ndefault = true\n')
    honest = run("uvauth", ["pip", "compile", "req.in"], cwd=world.project, servers=[world.server], env=world.env)
    assert honest.returncode == 0 and honest.unauthenticated == 0 and honest.requests > 0, str(honest)
    with TokenServer(wheelhouse, "artifactory", state=world.state, username="oauth2accesstoken") as evil:
        (world.project / "uv.toml").write_text(f'[[index]]\nname = "gar"\nurl = "{evil.index_url}"\n'
                                               'default = true\n')
        done = run("uvauth", ["pip", "compile", "req.in"], cwd=world.project, servers=[evil], env=world.env)
        assert done.returncode == 2 and evil.requests == [], str(done)
        (line, hint) = done.stderr.splitlines()
        assert line.startswith("uvauth: error: ") and f"the project has that index at {evil.index_url}" in line
        assert "add url = " in hint
        world.assert_no_token_leaked(done.stdout, done.stderr)


def test_the_gitlab_job_token_goes_to_the_jobs_own_server_and_not_to_another_port_of_its_host(
        tmp_path: Path, index_server: IndexServerFactory) -> None:
    """GitLab's CI_SERVER_HOST has no port: the job's own server is CI_SERVER_URL (scheme, host and port), so a
    project whose index is another port of the same host gets no job token."""
    job_token = "glcbt-64_uvauth-test-job-token"
    own = index_server("plain", username="gitlab-ci-token", password=job_token)
    other = index_server("plain", username="gitlab-ci-token", password=job_token)
    project = tmp_path / "project"
    project.mkdir()
    (project / "req.in").write_text("tinypkg\n")
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
    user.mkdir(parents=True)
    (user / "uvauth.toml").write_text('[[credentials]]\nindex = "gitlab"\nprovider = "gitlab-ci"\n')
    job = {"GITLAB_CI": "true", "CI_SERVER_HOST": "127.0.0.1", "CI_SERVER_PORT": str(own.port),
           "CI_SERVER_PROTOCOL": "http", "CI_SERVER_URL": own.url, "CI_JOB_TOKEN": job_token}
    (project / "uv.toml").write_text(f'[[index]]\nname = "gitlab"\nurl = "{own.index_url}"\n')
    done = run("uvauth", ["pip", "compile", "req.in", "--index-url", own.index_url], cwd=project, servers=[own],
               env=job)
    assert done.returncode == 0 and done.unauthenticated == 0 and done.requests > 0, str(done)
    (project / "uv.toml").write_text(f'[[index]]\nname = "gitlab"\nurl = "{other.index_url}"\n')
    done = run("uvauth", ["pip", "compile", "req.in", "--index-url", other.index_url], cwd=project,
               servers=[other], env=job)
    assert [r for r in other.requests if r.auth == "good"] == [], str(done)
    assert job_token not in done.stdout + done.stderr


# -- issue 18: entries that cannot be right are said at once ---------------------------------------------------------


def _own_lines(stderr: str) -> list[str]:
    """uvauth's lines of a run's stderr (uv's own, such as "Resolved 2 packages", are uv's business)."""
    return [line for line in stderr.splitlines() if line.startswith(("uvauth:", "hint:"))]


def test_a_mistyped_index_entry_is_warned_of_on_every_run(world: World) -> None:
    """Through the real uvauth and uv (a memoized plan's replay is pinned in tests/test_entry_findings.py: the
    memo stores no plan whose files changed in its racy window, which a subprocess test cannot wait out)."""
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\nurl = "{world.server.index_url}"\nprovider = "gcloud"\n'
                        'ttl = "50m"\n')
    (world.project / "uvauth.toml").write_text('[[credentials]]\nindex = "gra"\npassword-env = "GRA_SECRET"\n')
    expected = (f"uvauth: warning: credentials entry gra ({world.project / 'uvauth.toml'}): names no configured "
                "index; configured: gar")
    env = {"GRA_SECRET": "s3cr3t-gra"}
    for run_number in range(2):
        done = world.compile(env=env)
        assert done.returncode == 0 and done.unauthenticated == 0, str(done)
        assert _own_lines(done.stderr) == [expected], (run_number, done.stderr)
        assert "s3cr3t-gra" not in done.stdout + done.stderr
    quiet = world.compile("-q", env=env)
    assert quiet.returncode == 0 and _own_lines(quiet.stderr) == [], str(quiet)


def test_a_correct_index_entry_gives_no_warning(world: World) -> None:
    world.index_toml("gar")
    (world.project / "uvauth.toml").write_text(
        f'[[credentials]]\nindex = "GAR"\nurl = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n')
    done = world.compile(env={"UVAUTH_TRUST": "1"})  # a project's preset for a host that is not gcloud's
    assert done.returncode == 0 and done.unauthenticated == 0 and _own_lines(done.stderr) == [], str(done)


def test_explain_and_doctor_show_the_same_finding(world: World) -> None:
    world.index_toml("gar")
    world.user_settings(f'[[credentials]]\nindex = "gar"\nurl = "{world.server.index_url}"\nprovider = "gcloud"\n'
                        'ttl = "50m"\n')
    env = {**os.environ, **world.env, "UVAUTH_CREDENTIALS_GRA_PASSWORD_ENV": "GRA_SECRET"}
    finding = "credentials entry GRA (UVAUTH_CREDENTIALS_GRA_*): names no configured index; configured: gar"
    explained = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "explain", "--json", "pip", "compile", "req.in"],
                               cwd=world.project, env=env, capture_output=True, text=True, check=False)
    assert explained.returncode == 0, explained.stderr
    assert json.loads(explained.stdout)["warnings"] == [finding]
    doctor = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "doctor", "--json"], cwd=world.project, env=env,
                            capture_output=True, text=True, check=False)
    assert finding in json.loads(doctor.stdout)["warnings"], doctor.stdout


def test_a_mistyped_entry_is_said_before_the_error_it_causes(world: World) -> None:
    (world.project / "uv.toml").write_text('[[index]]\nname = "gar"\nurl = "https://gar.example/simple"\n')
    (world.project / "uvauth.toml").write_text('[[credentials]]\nindex = "gra"\nprovider = "gcloud"\n')
    done = world.compile("--authenticate", "always")
    assert done.returncode == 2 and done.requests == 0, str(done)
    lines = done.stderr.splitlines()
    assert lines[0] == (f"uvauth: warning: credentials entry gra ({world.project / 'uvauth.toml'}): names no "
                        "configured index; configured: gar"), lines
    assert lines[1].startswith(f"uvauth: error: no credentials for index {world.server.index_url}, which must "
                               "authenticate always"), lines


def test_a_codeartifact_preset_with_its_own_command_works_on_another_host(world: World) -> None:
    """Before: `provider needs an index on a …codeartifact… host`, hint `give the entry its own password-command`,
    for an entry that had one. Now its own command runs, with the preset's username."""
    world.server.username = "aws"
    world.index_toml("corp")
    world.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{world.server.index_url}"\n'
                        'provider = "aws-codeartifact"\nttl = "1h"\npassword-command = ["aws", "codeartifact", '
                        '"get-authorization-token", "--query", "{password: authorizationToken, expires: '
                        'expiration}"]\n')
    done = world.compile()
    assert done.returncode == 0 and done.unauthenticated == 0 and _own_lines(done.stderr) == [], str(done)
    assert world.calls("aws") == 1
    world.assert_no_token_leaked(done.stdout, done.stderr, (world.state / "uv-argv").read_text())


def test_a_codeartifact_preset_on_another_host_says_what_works(world: World) -> None:
    world.index_toml("corp")
    world.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{world.server.index_url}"\n'
                        'provider = "aws-codeartifact"\n')
    done = world.compile()
    assert done.returncode == 2 and done.requests == 0 and world.calls("aws") == 0, str(done)
    assert done.stderr.splitlines() == [
        "uvauth: error: credentials entry corp: provider aws-codeartifact needs an index on a DOMAIN-OWNER.d."
        f"codeartifact.REGION.amazonaws.com host, and {world.server.index_url} is not on one",
        "hint: point the index at its CodeArtifact URL (DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com), or give "
        "the entry a password-command of its own, which replaces the preset's"]


def test_a_projects_preset_for_another_host_says_both_ways_out(world: World) -> None:
    prefix = world.server.url + "/artifactory/"
    (world.project / "uvauth.toml").write_text(f'[[credentials]]\nprefix = "{prefix}"\nprovider = "gcloud"\n')
    done = world.compile()
    assert done.returncode == 2 and done.requests == 0 and world.calls("gcloud") == 0, str(done)
    assert done.stderr.splitlines() == [
        f"uvauth: error: credentials entry {prefix} in {world.project / 'uvauth.toml'} is not approved on this "
        f"machine for a host that is not gcloud's ({world.server.index_url})",
        "hint: if your gcloud token belongs there, run `uvauth uvauth credentials trust` (or set UVAUTH_TRUST=1 in "
        "CI); if not, point the project's index at gcloud's own host (REGION-python.pkg.dev)"]
    trusted = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "credentials", "trust"], cwd=world.project,
                             env={**os.environ, **world.env}, capture_output=True, text=True, check=False)
    assert trusted.returncode == 0, trusted.stderr
    done = world.compile()  # what the hint said works
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)


def test_credentials_show_lists_only_the_tokens_of_the_entries_in_force_here(world: World, tmp_path: Path) -> None:
    world.index_toml("gar")
    entry = f'[[credentials]]\nindex = "gar"\nurl = "{world.server.index_url}"\nprovider = "gcloud"\nttl = "50m"\n'
    other = tmp_path / "other"
    other.mkdir()
    (other / "req.in").write_text("tinypkg\n")
    (other / "uv.toml").write_text((world.project / "uv.toml").read_text())
    # Another project's entry of the same name (another ttl: another entry, another cache file).
    (other / "uvauth.toml").write_text(entry.replace('"50m"', '"40m"'))
    done = run("uvauth", ["pip", "compile", "req.in", "--index-url", world.server.index_url], cwd=other,
               servers=[world.server], env={**world.env, "UVAUTH_TRUST": "1"})
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    (world.project / "uvauth.toml").write_text(entry)

    def show(*extra: str) -> str:
        shown = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "credentials", "show", *extra], cwd=world.project,
                               env={**os.environ, **world.env}, capture_output=True, text=True, check=False)
        assert shown.returncode == 0, shown.stderr
        world.assert_no_token_leaked(shown.stdout, shown.stderr)
        return shown.stdout

    shown = show()
    assert "  cached: none" in shown and "fresh until" not in shown, shown
    assert shown.splitlines()[-1] == ("1 cached token of entries not in force here; `uvauth uvauth credentials "
                                      "show --all` lists them")
    assert show("--all").splitlines()[-2:-1] == ["cached tokens of entries not in force here:"]
    assert show("--all").splitlines()[-1].startswith("  gar: fresh until ")
    assert world.compile(env={"UVAUTH_TRUST": "1"}).returncode == 0  # this project's entry's own token
    shown = show()
    assert shown.count("  cached: fresh until ") == 1 and "cached: none" not in shown, shown
    assert shown.splitlines()[-1].startswith("1 cached token of entries not in force here")


def _uvx(world: World, server: IndexServer, tool_dir: Path) -> Run:
    return run("uvauthx", ["--authenticate", "always", "--default-index", server.index_url, "tinytool", "a"],
               cwd=world.project, servers=[server],
               env={**world.env, "UV_TOOL_DIR": str(tool_dir / "tools"), "UV_TOOL_BIN_DIR": str(tool_dir / "bin")})


def test_under_uvx_the_hint_is_the_prefix_entry_that_applies_there(world: World, tmp_path: Path) -> None:
    """A project's `index` entry for its `gar`: uvx reads no project configuration (uv's crates/uv/src/lib.rs; the
    discovery tests in tests/test_uvconfig.py compare it with the real uv), so the entry covers nothing there and
    is not warned of either; the hint names the entry form that does apply, with this index's root."""
    from support.wheels import TOOL_WHEELS, build_wheelhouse

    build_wheelhouse(tmp_path / "wheels", TOOL_WHEELS)
    with TokenServer(tmp_path / "wheels", "artifactory", state=world.state, username="oauth2accesstoken") as server:
        _uvx_hint_and_prefix_entry(world, server, tmp_path)


def _uvx_hint_and_prefix_entry(world: World, server: TokenServer, tmp_path: Path) -> None:
    (world.project / "uv.toml").write_text(f'[[index]]\nname = "gar"\nurl = "{server.index_url}"\n')
    (world.project / "uvauth.toml").write_text(f'[[credentials]]\nindex = "gar"\nurl = "{server.index_url}"\n'
                                               'provider = "gcloud"\nttl = "50m"\n')
    done = _uvx(world, server, tmp_path)
    assert done.returncode == 2 and done.requests == 0 and world.calls("gcloud") == 0, str(done)
    root = server.url + "/artifactory/api/pypi/pypi-local/"
    (error, hint) = done.stderr.splitlines()
    assert error.startswith("uvauth: error: no credentials for index "), error
    assert hint.endswith(f'; or add a [[credentials]] entry with prefix = "{root}" (under uv tool and uvx an '
                         "`index` entry covers only an index your user uv.toml or the command line names)"), hint
    # The entry the hint names, in the user's own file, and the real uv sends no request without the token.
    world.user_settings(f'[[credentials]]\nprefix = "{root}"\nprovider = "gcloud"\nttl = "50m"\n')
    done = _uvx(world, server, tmp_path)
    assert done.returncode == 0 and done.unauthenticated == 0 and done.requests > 0, str(done)
    assert done.stdout == "tinytool 1.0 a\n" and _own_lines(done.stderr) == [], str(done)
    world.assert_no_token_leaked(done.stdout, done.stderr)
