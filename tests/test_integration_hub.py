"""Integration, issue 18: credentials from where users keep them — the keyring library (a real backend class,
loaded by the real ``keyring``), a Bazel-protocol helper (a small script, and the pinned uv's own ``uv auth
helper --protocol bazel``), and real ``git credential fill`` with git's ``store`` helper — through the real uv.

The loopback index accepts only the token the test registered; every request without it (none, wrong, any
401/403) counts as unauthenticated and must never happen. Each source counts how often it was asked.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.uvrun import UV_BIN, run
from test_integration_providers import World, world  # noqa: F401 — the fixture, shared

pytestmark = pytest.mark.integration

# A keyring backend as a plugin ships one: a KeyringBackend subclass, found by the real keyring library in
# uvauth's own process (PYTHON_KEYRING_BACKEND names it). It answers from a JSON file and counts its calls.
BACKEND = r'''
import json, os
from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential

class FileKeyring(KeyringBackend):
    priority = 1

    def _store(self):
        with open(os.path.join(os.environ["FAKE_STATE"], "calls-keyring"), "a") as log:
            log.write("call\n")
        with open(os.environ["FAKE_KEYRING_FILE"]) as handle:
            return json.load(handle)

    def get_password(self, service, username):
        return self._store().get(service, {}).get(username)

    def get_credential(self, service, username):
        found = self._store().get(service, {})
        for user, password in found.items():
            if username is None or user == username:
                return SimpleCredential(user, password)
        return None

    def set_password(self, service, username, password):
        raise NotImplementedError

    def delete_password(self, service, username):
        raise NotImplementedError
'''

# A Bazel / EngFlow credential helper: `get`, {"uri"} on stdin, {"headers", "expires"} on stdout.
HELPER = r'''#!{python}
import base64, json, os, sys
state = os.environ["FAKE_STATE"]
with open(os.path.join(state, "calls-helper"), "a") as log:
    log.write("call\n")
assert sys.argv[1:] == ["get"], sys.argv
request = json.load(sys.stdin)
with open(os.path.join(state, "helper-asked"), "a") as log:
    log.write(request["uri"] + "\n")
answers = json.load(open(os.path.join(os.environ["FAKE_SECRETS"], "helper-answers")))
# As real helpers answer (EngFlow's, uv's own): the longest prefix of the URL asked for that they know.
known = [prefix for prefix in answers if request["uri"].startswith(prefix)]
answer = answers[max(known, key=len)] if known else None
if answer is None:
    print(json.dumps({{"headers": {{}}}}))
else:
    basic = base64.b64encode(f"{{answer['username']}}:{{answer['password']}}".encode()).decode()
    out = {{"headers": {{"Authorization": ["Basic " + basic]}}}}
    if "expires" in answer:
        out["expires"] = answer["expires"]
    print(json.dumps(out))
'''

# Counts its calls, then becomes the pinned uv's own helper.
UV_HELPER = r'''#!{python}
import os, sys
with open(os.path.join(os.environ["FAKE_STATE"], "calls-uvhelper"), "a") as log:
    log.write("call\n")
os.execv({uv!r}, [{uv!r}, "auth", "helper", "--protocol", "bazel", *sys.argv[1:]])
'''


def register(hub: World, token: str, lifetime: float = 3600) -> None:
    """The index accepts ``token`` (with the server's username) until ``lifetime`` from now."""
    with (hub.state / "tokens").open("a") as handle:
        handle.write(f"{token} {time.time() + lifetime}\n")


@pytest.fixture
def hub(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:  # noqa: F811 — extends it
    # Where the test keeps the secrets the sources answer from: outside every directory checked for leaks.
    world.secrets = tmp_path_factory.mktemp("secrets")  # type: ignore[attr-defined]
    world.env["FAKE_SECRETS"] = str(world.secrets)  # type: ignore[attr-defined]
    (world.root / "plugins").mkdir()
    (world.root / "plugins" / "filekeyring.py").write_text(BACKEND)
    world.env.update({"PYTHONPATH": str(world.root / "plugins"), "PYTHON_KEYRING_BACKEND": "filekeyring.FileKeyring",
                      "FAKE_KEYRING_FILE": str(world.secrets / "keyring.json")})
    (world.secrets / "keyring.json").write_text("{}")
    (world.secrets / "helper-answers").write_text("{}")
    for name, text in (("bazel-helper", HELPER), ("uv-helper", UV_HELPER)):
        path = world.bin / name
        path.write_text(text.format(python=sys.executable, uv=str(UV_BIN)))
        path.chmod(0o755)
    world.index_toml("corp")
    yield world


def test_keyring_entry_asks_the_library_once_for_many_commands(hub: World) -> None:
    hub.server.username = "oauth2accesstoken"
    register(hub, "tok-keyring-1")
    # A plugin such as Google's answers for the index URL with its own username.
    keyring = {hub.server.index_url: {"oauth2accesstoken": "tok-keyring-1"}}
    (hub.secrets / "keyring.json").write_text(json.dumps(keyring))
    hub.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{hub.server.index_url}"\nkeyring = true\n')
    outputs = []
    for _ in range(4):
        done = hub.compile()
        assert done.returncode == 0, str(done)
        assert done.unauthenticated == 0 and done.requests > 0, str(done)
        outputs += [done.stdout, done.stderr]
    assert hub.calls("keyring") == 1  # in uvauth's process, once: the answer is in the token cache
    hub.assert_no_token_leaked(*outputs, (hub.state / "uv-argv").read_text())


def test_keyring_entry_with_a_username_and_nothing_found_leaves_uv_its_own_sources(hub: World) -> None:
    hub.server.username = "me"
    register(hub, "tok-keyring-2")
    host = hub.server.index_url.split("/")[2]
    (hub.secrets / "keyring.json").write_text(json.dumps({host: {"me": "tok-keyring-2"}}))  # under host:port
    hub.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{hub.server.index_url}"\nkeyring = true\n'
                      'username = "me"\n')
    done = hub.compile()
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    # Nothing for this URL: uvauth adds nothing, and plain uv's own search (here: none) decides.
    (hub.secrets / "keyring.json").write_text("{}")
    forgotten = run("uvauth", ["uvauth", "credentials", "forget"], cwd=hub.project, env=hub.env)
    assert forgotten.returncode == 0, str(forgotten)
    done = hub.compile()
    assert done.returncode != 0 and "tok-keyring-2" not in done.stdout + done.stderr


def test_bazel_helper_answers_basic_with_its_expiry(hub: World) -> None:
    hub.server.username = "helper-user"
    register(hub, "tok-helper-1")
    end = int(time.time()) + 3600
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end))
    (hub.secrets / "helper-answers").write_text(json.dumps({hub.server.url + "/": {
        "username": "helper-user", "password": "tok-helper-1", "expires": expires}}))
    hub.user_settings(f'[[credentials]]\nprefix = "{hub.server.url}/"\nhelper = ["{hub.bin / "bazel-helper"}"]\n')
    for _ in range(3):
        done = hub.compile()
        assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    # Asked once per URL uv sends requests under (the index, and the prefix for files outside it), for all
    # three commands: its answers are cached until shortly before their `expires`.
    asked = (hub.state / "helper-asked").read_text().split()
    assert sorted(asked) == sorted([hub.server.index_url, hub.server.url + "/"]), asked
    explained = run("uvauth", ["uvauth", "explain", "pip", "compile", "req.in", "--index-url", hub.server.index_url],
                    cwd=hub.project, env=hub.env)
    # Reused until the default ten-minute refresh margin before the helper's `expires`.
    fresh = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end - 600))
    assert explained.returncode == 0 and f"cached token, fresh until {fresh}" in explained.stdout, str(explained)
    hub.assert_no_token_leaked(done.stdout, done.stderr, explained.stdout, (hub.state / "uv-argv").read_text())


def test_uvs_own_bazel_helper_serves_its_store(hub: World, tmp_path: Path) -> None:
    hub.server.username = "stored"
    register(hub, "tok-uvstore-1")
    store = tmp_path / "uv-store"
    login = run("uv", ["auth", "login", hub.server.url + "/", "--username", "stored", "--password", "tok-uvstore-1"],
                cwd=hub.project, env={**hub.env, "UV_CREDENTIALS_DIR": str(store)})
    assert login.returncode == 0, str(login)
    hub.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{hub.server.index_url}"\n'
                      f'helper = ["{hub.bin / "uv-helper"}"]\n')
    for _ in range(2):
        done = hub.compile(env={"UV_CREDENTIALS_DIR": str(store)})
        assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert hub.calls("uvhelper") == 1
    assert "tok-uvstore-1" not in done.stdout + done.stderr


def test_git_credential_fill_with_gits_store_helper_and_a_chain_that_moves_on(hub: World) -> None:
    hub.server.username = "gituser"
    register(hub, "tok-git-1")
    store = hub.secrets / "git-credentials"
    store.write_text(f"http://gituser:tok-git-1@{hub.server.url.split('//')[1]}\n")
    store.chmod(0o600)
    empty = hub.secrets / "no-credentials"
    empty.write_text("")
    # The first source has nothing (git's store helper with an empty file: git may not prompt, so it fails),
    # the second is unset, the third answers.
    hub.user_settings(
        f'[[credentials]]\nindex = "corp"\nurl = "{hub.server.index_url}"\nsources = [\n'
        f'  {{ git-credential = "store --file {empty}" }},\n  {{ password-env = "UNSET_TOKEN" }},\n'
        f'  {{ git-credential = "store --file {store}" }},\n]\n')
    done = hub.compile(env={"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    assert done.returncode == 0 and done.unauthenticated == 0, str(done)
    assert "tok-git-1" not in done.stdout + done.stderr
    assert store.read_text().count("tok-git-1") == 1 and empty.read_text() == ""  # nothing stored back
    explained = run("uvauth", ["uvauth", "explain", "pip", "compile", "req.in", "--index-url", hub.server.index_url],
                    cwd=hub.project, env={**hub.env, "GIT_CONFIG_GLOBAL": os.devnull})
    assert "source 3" in explained.stdout and "cached token" in explained.stdout, str(explained)


def test_a_project_entry_that_asks_the_keyring_needs_approval(hub: World) -> None:
    hub.server.username = "oauth2accesstoken"
    register(hub, "tok-keyring-3")
    keyring = {hub.server.index_url: {"oauth2accesstoken": "tok-keyring-3"}}
    (hub.secrets / "keyring.json").write_text(json.dumps(keyring))
    (hub.project / "uvauth.toml").write_text('[[credentials]]\nindex = "corp"\nkeyring = true\n')
    done = hub.compile()
    assert done.returncode == 2 and done.requests == 0 and hub.calls("keyring") == 0, str(done)
    assert "uvauth uvauth credentials trust" in done.stderr
    trusted = run("uvauth", ["uvauth", "credentials", "trust"], cwd=hub.project, env=hub.env, input="y\n")
    assert trusted.returncode == 0, str(trusted)
    done = hub.compile()
    assert done.returncode == 0 and done.unauthenticated == 0 and hub.calls("keyring") == 1, str(done)
