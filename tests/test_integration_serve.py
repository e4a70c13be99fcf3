"""Integration, issue 19: uvauth as other tools' credential helper, driven as the real clients drive it.

- Bazel: a script that speaks the credential-helper spec as Bazel does (the helper's path and `get` as its only
  argument, ``{"uri"}`` on stdin, the response's headers added to the request, ``expires`` read as RFC 3339),
  through the wrapper docs/recipes.md gives, then GETs the loopback index with those headers. Not Bazel itself.
- git: the real ``git credential fill`` with ``credential.helper = "!uvauth uvauth helper --protocol git"`` in an
  isolated global configuration, with and without ``credential.useHttpPath``; the answer is then sent to the index.
- ``uvauth uvauth credentials token``: a pipe, a 0600 file, never a terminal.

The loopback index accepts only tokens the entry's command minted (and its username); any other request counts as
unauthenticated. The command counts its calls: one per token lifetime, whoever asks (helper, token, uv).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.uvrun import TOOLS, run
from test_integration_providers import World, world  # noqa: F401 — the fixture, shared

pytestmark = pytest.mark.integration

# A password command: mints a new token each call (registered with the index), counts the call. The token is on
# no command line: the negative assertions below are about uvauth's outputs only.
MINT = r'''#!{python}
import json, os, sys, time, uuid
state = os.environ["FAKE_STATE"]
token = "tok-serve-" + uuid.uuid4().hex
expires = time.time() + 3600
with open(os.path.join(state, "tokens"), "a") as f:
    f.write(f"{{token}} {{expires}}\n")
with open(os.path.join(state, "calls-mint"), "a") as f:
    f.write("call\n")
print(json.dumps({{"password": token, "expires": int(expires)}}))
'''

# docs/recipes.md, "Bazel": Bazel's --credential_helper takes a path, and runs it with `get` alone.
WRAPPER = '''#!/bin/sh
cd "$(dirname "$0")/.." || exit 1
exec uvauth uvauth helper --protocol bazel "$@"
'''

# A tool that speaks the spec as Bazel does (its CredentialHelper / GetCredentialsResponse): runs `HELPER get`,
# writes the request, checks the response's shape, adds every header value to the request, and sends it.
BAZEL_CLIENT = r'''
import datetime, json, subprocess, sys, urllib.error, urllib.request
helper, cwd, *urls = sys.argv[1:]
results = []
for url in urls:
    done = subprocess.run([helper, "get"], input=json.dumps({"uri": url}), capture_output=True, text=True,
                          cwd=cwd, timeout=60)
    result = {"url": url, "helper_exit": done.returncode, "helper_stderr": done.stderr}
    results.append(result)
    if done.returncode != 0:
        continue
    response = json.loads(done.stdout)
    assert isinstance(response, dict), response
    headers = response.get("headers", {})
    assert isinstance(headers, dict) and all(isinstance(values, list) and all(isinstance(v, str) for v in values)
                                             for values in headers.values())
    expires = response.get("expires")
    if expires is not None:  # RFC 3339, UTC: what Bazel's Instant.parse reads
        parsed = datetime.datetime.fromisoformat(expires.replace("Z", "+00:00"))
        assert parsed.utcoffset() == datetime.timedelta(0), expires
    request = urllib.request.Request(url)
    for name, values in headers.items():
        for value in values:
            request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            result["status"] = answer.status
    except urllib.error.HTTPError as error:
        result["status"] = error.code
    result.update(expires=expires, header_names=sorted(headers), response_keys=sorted(response))
print(json.dumps(results))
'''


class Serving:
    def __init__(self, world: World) -> None:  # noqa: F811 — the fixture's type
        self.world = world
        self.server = world.server
        self.project = world.project
        self.mint = world.bin / "mint"
        self.mint.write_text(MINT.format(python=sys.executable))
        self.mint.chmod(0o755)
        tools = self.project / "tools"
        tools.mkdir()
        self.wrapper = tools / "uvauth-credential-helper"
        self.wrapper.write_text(WRAPPER)
        self.wrapper.chmod(0o755)
        self.git_config = world.root / "gitconfig"
        self.git_config.write_text("")
        # uvauth on PATH, as a user's shell has it; git's configuration isolated (HOME is the test's already).
        self.env = {**os.environ, **world.env, "PATH": f"{TOOLS['uvauth'].parent}{os.pathsep}{world.env['PATH']}",
                    "GIT_CONFIG_GLOBAL": str(self.git_config), "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_TERMINAL_PROMPT": "0"}
        self.outputs: list[str] = []  # every stdout and stderr of uvauth and its clients, for the leak checks
        self.errors: list[str] = []  # every stderr

    def entry(self, where: str = "user", index: str = "corp") -> None:
        text = (f'[[credentials]]\nindex = "{index}"\nurl = "{self.server.url}/"\nusername = "ci"\n'
                f'password-command = ["{self.mint}"]\n')
        if where == "user":
            self.world.user_settings(text)
        else:
            (self.project / "uvauth.toml").write_text(text)

    def mints(self) -> int:
        return self.world.calls("mint")

    def bazel(self, *urls: str) -> list[dict[str, object]]:
        done = subprocess.run([sys.executable, "-c", BAZEL_CLIENT, str(self.wrapper), str(self.project), *urls],
                              capture_output=True, text=True, env=self.env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        results: list[dict[str, object]] = json.loads(done.stdout)
        self.outputs += [done.stdout, done.stderr, *(str(result["helper_stderr"]) for result in results)]
        self.errors += [done.stderr, *(str(result["helper_stderr"]) for result in results)]
        return results

    def helper(self, protocol: str, command: str, stdin: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["uvauth", "uvauth", "helper", "--protocol", protocol, command], input=stdin,
                              capture_output=True, text=True, env=self.env, cwd=self.project, timeout=60,
                              check=False)
        self.outputs.append(done.stderr)
        self.errors.append(done.stderr)
        return done

    def git(self, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["git", *args], input=stdin, capture_output=True, text=True, env=self.env,
                              cwd=self.project, timeout=60, check=False)
        self.errors.append(done.stderr)
        return done

    def git_configure(self, text: str) -> None:
        self.git_config.write_text(text)

    def get(self, url: str, username: str, password: str) -> int:
        request = urllib.request.Request(url)
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def assert_no_token_in_errors(self) -> None:
        tokens = self.world.tokens()
        assert tokens
        for text in self.errors:
            assert not any(token in text for token in tokens), text


@pytest.fixture
def serving(world: World) -> Iterator[Serving]:  # noqa: F811
    world.server.username = "ci"
    world.index_toml("corp")
    yield Serving(world)


# -- (a) Bazel ---------------------------------------------------------------------------------------------------


def test_a_bazel_client_gets_headers_that_open_the_index_with_one_mint(serving: Serving) -> None:
    serving.entry()
    server = serving.server
    urls = [server.index_url, server.index_url + "/tinypkg/", server.index_url + "/tinydep/"]
    server.clear_log()
    results = serving.bazel(*urls)
    assert [(result["helper_exit"], result["status"]) for result in results] == [(0, 200)] * 3, results
    assert all(result["header_names"] == ["Authorization"] and result["response_keys"] == ["expires", "headers"]
               for result in results)
    assert len({result["expires"] for result in results}) == 1  # one token, one end of reuse
    assert len(server.requests) == 3 and server.unauthenticated() == []
    assert [request.status for request in server.requests if request.status == 401] == []
    assert serving.mints() == 1  # three asks, one token: the cache
    # A uv command here uses the very token the helper handed out: still one mint.
    done = serving.world.compile()
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert serving.mints() == 1
    # The helper's own stdout, as Bazel reads it: the token only inside the Authorization header, base64'd.
    direct = serving.helper("bazel", "get", json.dumps({"uri": server.index_url + "/otherpkg/"}))
    assert direct.returncode == 0 and direct.stderr == ""
    header = json.loads(direct.stdout)["headers"]["Authorization"]
    token = serving.world.tokens()[0]
    assert len(header) == 1 and base64.b64decode(header[0].removeprefix("Basic ")).decode() == f"ci:{token}"
    assert token not in direct.stdout and serving.mints() == 1
    serving.assert_no_token_in_errors()
    assert not any(token in text for text in serving.outputs)


def test_bazel_gets_nothing_for_a_url_no_entry_or_source_covers(serving: Serving) -> None:
    serving.entry()
    done = serving.helper("bazel", "get", json.dumps({"uri": "https://elsewhere.example/simple/x/"}))
    assert (done.returncode, json.loads(done.stdout), done.stderr) == (0, {"headers": {}}, "")
    assert serving.mints() == 0


def test_bazel_malformed_request_and_unknown_command(serving: Serving) -> None:
    done = serving.helper("bazel", "get", "{not json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[0].startswith("uvauth: error: the request on stdin is not")
    done = serving.helper("bazel", "put", "{}")
    assert done.returncode == 2 and done.stdout == "" and "unknown command 'put'" in done.stderr


# -- (b) git -----------------------------------------------------------------------------------------------------


def _git_answer(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def test_git_credential_fill_with_uvauth_as_the_helper(serving: Serving) -> None:
    serving.entry()
    server = serving.server
    host = server.url.split("//")[1]
    # The commands docs/recipes.md gives: a `!` value is run by the shell, with the operation appended.
    configured = serving.git("config", "--global", f"credential.{server.url}.helper",
                             "!uvauth uvauth helper --protocol git", stdin="")
    assert configured.returncode == 0, configured.stderr
    tokens = set()
    for use_path in (False, True):
        if use_path:
            configured = serving.git("config", "--global", f"credential.{server.url}.useHttpPath", "true", stdin="")
            assert configured.returncode == 0, configured.stderr
        done = serving.git("credential", "fill", stdin=f"url={server.index_url}\n\n")
        assert done.returncode == 0, done.stderr
        answer = _git_answer(done.stdout)
        assert answer["username"] == "ci" and answer["host"] == host
        assert ("path" in answer) == use_path  # git sent the path only with useHttpPath
        token_lines = [line for line in done.stdout.splitlines() if answer["password"] in line]
        assert token_lines == [f"password={answer['password']}"]  # in stdout only as the protocol's answer
        tokens.add(answer["password"])
        server.clear_log()
        assert serving.get(server.index_url + "/tinypkg/", answer["username"], answer["password"]) == 200
        assert server.unauthenticated() == [] and len(server.requests) == 1
    assert len(tokens) == 1 and serving.mints() == 1
    serving.assert_no_token_in_errors()


def test_git_without_use_http_path_asks_for_the_host_which_a_prefix_entry_does_not_cover(serving: Serving) -> None:
    server = serving.server
    (serving.project / "uv.toml").unlink()  # no configured index: only the entry's prefix covers the index
    serving.world.user_settings(f'[[credentials]]\nname = "corp"\nprefix = "{server.index_url}"\n'
                                f'username = "ci"\npassword-command = ["{serving.mint}"]\n')
    helper = f'[credential "{server.url}"]\n\thelper = "!uvauth uvauth helper --protocol git"\n'
    serving.git_configure(helper)
    done = serving.git("credential", "fill", stdin=f"url={server.index_url}\n\n")
    assert done.returncode != 0 and "password=" not in done.stdout  # the host's root: nothing covers it
    assert serving.mints() == 0
    serving.git_configure(helper + "\tuseHttpPath = true\n")
    done = serving.git("credential", "fill", stdin=f"url={server.index_url}\n\n")
    assert done.returncode == 0, done.stderr
    answer = _git_answer(done.stdout)
    server.clear_log()
    assert serving.get(server.index_url, answer["username"], answer["password"]) == 200
    assert server.unauthenticated() == [] and serving.mints() == 1


def test_git_store_and_erase_store_nothing_and_another_username_gets_nothing(serving: Serving) -> None:
    serving.entry()
    host = serving.server.url.split("//")[1]
    for operation in ("store", "erase"):
        done = serving.helper("git", operation, f"protocol=http\nhost={host}\nusername=ci\npassword=x\n\n")
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = serving.helper("git", "get", f"protocol=http\nhost={host}\nusername=someone-else\n\n")
    assert (done.returncode, done.stdout) == (0, "")
    done = serving.helper("git", "get", "protocol=https\nhost=elsewhere.example\n\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


# -- (c) what must not happen ------------------------------------------------------------------------------------


def test_an_unapproved_project_entry_runs_nothing_and_answers_nothing_with_one_warning(serving: Serving) -> None:
    serving.entry(where="project")
    server = serving.server
    host = server.url.split("//")[1]
    bazel = serving.helper("bazel", "get", json.dumps({"uri": server.index_url}))
    git = serving.helper("git", "get", f"protocol=http\nhost={host}\n\n")
    assert (bazel.returncode, json.loads(bazel.stdout)) == (0, {"headers": {}})
    assert (git.returncode, git.stdout) == (0, "")
    for done in (bazel, git):
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("uvauth: warning: no credentials for "), done.stderr
        assert "not approved" in lines[0] and "uvauth uvauth credentials trust" in lines[0]
    assert not (serving.world.state / "calls-mint").exists()  # the project's command never ran
    trusted = run("uvauth", ["uvauth", "credentials", "trust"], cwd=serving.project, env=serving.env)
    assert trusted.returncode == 0, str(trusted)
    results = serving.bazel(server.index_url)
    assert results[0]["status"] == 200 and serving.mints() == 1 and server.unauthenticated() == []


def test_credentials_token_to_a_pipe_and_to_a_private_file(serving: Serving, tmp_path: Path) -> None:
    serving.entry()
    piped = subprocess.run(["uvauth", "uvauth", "credentials", "token", "corp"], capture_output=True, text=True,
                           env=serving.env, cwd=serving.project, timeout=60, check=False)
    assert piped.returncode == 0 and piped.stderr == "", piped.stderr
    token = piped.stdout.removesuffix("\n")
    assert token in serving.world.tokens() and "\n" not in token
    target = tmp_path / "secrets" / "corp-token"
    written = subprocess.run(["uvauth", "uvauth", "credentials", "token", "corp", "--output", str(target)],
                             capture_output=True, text=True, env=serving.env, cwd=serving.project, timeout=60,
                             check=False)
    assert written.returncode == 0 and written.stdout == "", written.stderr
    assert token not in written.stderr and str(target) in written.stderr
    assert target.read_text() == token and target.stat().st_mode & 0o777 == 0o600
    assert target.parent.stat().st_mode & 0o777 == 0o700
    assert [path.name for path in target.parent.iterdir()] == ["corp-token"]  # no temporary file left
    assert serving.mints() == 1  # the cached token, as a uv command would use it
    server = serving.server
    server.clear_log()
    assert serving.get(server.index_url, "ci", target.read_text()) == 200 and server.unauthenticated() == []


def test_credentials_token_refuses_a_terminal_and_names_the_entries(serving: Serving) -> None:
    import pty

    serving.entry()
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(["uvauth", "uvauth", "credentials", "token", "corp"], stdout=secondary,
                              stderr=subprocess.PIPE, text=True, env=serving.env, cwd=serving.project, timeout=60,
                              check=False)
    finally:
        os.close(secondary)
        os.close(primary)
    assert done.returncode == 2 and "not printing a token on a terminal" in done.stderr
    assert serving.mints() == 0  # refused before anything ran
    unknown = run("uvauth", ["uvauth", "credentials", "token", "crop"], cwd=serving.project, env=serving.env)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.splitlines() == ["uvauth: error: no [[credentials]] entry named 'crop' here",
                                           "hint: entries in force here: corp"]
