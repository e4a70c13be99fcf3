"""Integration: uvauth as a keyring backend (docs/credentials.md, "uvauth as a keyring backend"), found by the real
``keyring`` through its entry point in this venv, for the real tools that ask a keyring: the ``keyring`` library
itself, the ``keyring`` command plain ``uv --keyring-provider subprocess`` runs, pip's ``--keyring-provider
import`` and twine.

The loopback index (tests/test_integration_providers.py's TokenServer) accepts only tokens the fake ``gcloud``
minted; the ``[[credentials]]`` entry's ``password-command`` is that ``gcloud``, which counts its calls. No OS
keychain is viable here and the autouse isolation points keyring's config and data roots (``XDG_CONFIG_HOME``,
``XDG_DATA_HOME``) at the test's own directories: no real keychain is asked or written.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.uvrun import run
from test_integration_providers import World, world  # noqa: F401 — the fixture, shared

pytestmark = pytest.mark.integration

VENV_BIN = Path(sys.executable).parent  # the real `keyring` command, beside this venv's uvauth and keyring
USER = "oauth2accesstoken"  # the username the loopback index expects

# A keyring plugin installed as plugins are: a module and its dist-info with a `keyring.backends` entry point
# (on PYTHONPATH), found by keyring's own plugin loading. FileKeyring has priority 1, as a store has: above uvauth's;
# LastKeyring 0.05, below it. Each answers from a JSON file, stores into it, and counts its asks.
PLUGIN = r'''
import json, os
from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential

STORE = os.environ["FILE_KEYRING"]

class FileKeyring(KeyringBackend):
    priority = 1
    store = STORE
    counted = "calls-filekeyring"

    def _load(self):
        with open(os.path.join(os.environ["FAKE_STATE"], self.counted), "a") as log:
            log.write("call\n")
        with open(self.store) as handle:
            return json.load(handle)

    def get_password(self, service, username):
        return self._load().get(service, {}).get(username)

    def get_credential(self, service, username):
        for user, password in self._load().get(service, {}).items():
            if username is None or user == username:
                return SimpleCredential(user, password)
        return None

    def set_password(self, service, username, password):
        store = self._load()
        store.setdefault(service, {})[username] = password
        with open(self.store, "w") as handle:
            json.dump(store, handle)


class LastKeyring(FileKeyring):
    """Ranked below uvauth's backend: asked after it."""
    priority = 0.05
    store = STORE + ".last"
    counted = "calls-lastkeyring"
'''


@pytest.fixture
def served(world: World) -> Iterator[World]:  # noqa: F811 — extends it
    """The index configured by name (``authenticate = "always"``: uv's keyring command is then asked without a
    username), and a user entry whose command mints the index's token (reused 50 minutes)."""
    (world.project / "uv.toml").write_text(
        f'[[index]]\nname = "corp"\nurl = "{world.server.index_url}"\ndefault = true\nauthenticate = "always"\n')
    world.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{world.server.index_url}"\nusername = "{USER}"\n'
                        'password-command = ["gcloud", "auth", "print-access-token"]\nttl = "50m"\n')
    world.env["PATH"] = os.pathsep.join([str(world.bin), str(VENV_BIN), os.environ["PATH"]])
    yield world


def python(hub: World, code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter of this venv, in the project, as a tool that imports keyring runs."""
    return subprocess.run([sys.executable, "-c", code], cwd=hub.project, env={**os.environ, **hub.env, **(env or {})},
                          capture_output=True, text=True, check=False, timeout=120)


def with_plugin(hub: World, store: dict[str, dict[str, str]],
                last: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Install the file-backed plugin (PLUGIN) for the processes given the returned environment."""
    plugins = hub.root / "plugins"
    (plugins / "filekeyring-1.0.dist-info").mkdir(parents=True, exist_ok=True)
    (plugins / "filekeyring.py").write_text(PLUGIN)
    (plugins / "filekeyring-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: filekeyring\n"
                                                                     "Version: 1.0\n")
    (plugins / "filekeyring-1.0.dist-info" / "entry_points.txt").write_text("[keyring.backends]\n"
                                                                             "file = filekeyring\n")
    (hub.root / "filekeyring.json").write_text(json.dumps(store))
    (hub.root / "filekeyring.json.last").write_text(json.dumps(last or {}))
    return {"PYTHONPATH": str(plugins), "FILE_KEYRING": str(hub.root / "filekeyring.json")}


def failures(hub: World) -> list[int]:
    return [request.status for request in hub.server.requests if request.status >= 400]


# -- (a) the keyring library ------------------------------------------------------------------------------------


def test_the_keyring_library_gives_the_entrys_token_minted_once_over_many_asks(served: World) -> None:
    url = served.server.index_url
    code = ("import keyring; print(type(keyring.get_keyring()).__name__); "
            f"print(keyring.get_password({url!r}, {USER!r})); "
            f"c = keyring.get_credential({url + '/tinypkg/'!r}, None); print(c.username); print(c.password)")
    answers, errors = [], []
    for _ in range(3):
        done = python(served, code)
        assert done.returncode == 0, done.stderr
        answers.append(done.stdout.splitlines())
        errors.append(done.stderr)
    token = served.tokens()
    assert len(token) == 1 and served.calls("gcloud") == 1  # three processes, four asks each way: one mint
    assert answers == [["UvauthKeyring", token[0], USER, token[0]]] * 3
    # The `keyring` command as uv runs it: a username given, and `--mode creds` without one.
    given = subprocess.run(["keyring", "get", url, USER], cwd=served.project, env={**os.environ, **served.env},
                           capture_output=True, text=True, check=False)
    creds = subprocess.run(["keyring", "get", url, "--mode", "creds"], cwd=served.project,
                           env={**os.environ, **served.env}, capture_output=True, text=True, check=False)
    assert (given.returncode, given.stdout) == (0, token[0] + "\n"), given.stderr
    assert (creds.returncode, creds.stdout) == (0, f"{USER}\n{token[0]}\n"), creds.stderr
    assert served.calls("gcloud") == 1
    served.assert_no_token_leaked(*errors, given.stderr, creds.stderr)


# -- (b) plain uv, --keyring-provider subprocess ------------------------------------------------------------------


def test_plain_uv_with_its_keyring_command_sends_the_entrys_token_from_the_first_request(served: World) -> None:
    args = ["pip", "compile", "req.in", "--no-header", "--keyring-provider", "subprocess"]
    outputs = []
    for _ in range(2):
        done = run("uv", args, cwd=served.project, servers=[served.server], env=served.env)  # not through uvauth
        assert done.returncode == 0, str(done)
        assert done.unauthenticated == 0 and done.requests > 0 and failures(served) == [], str(done)
        outputs += [done.stdout, done.stderr]
    assert served.calls("gcloud") == 1
    # The same resolution as with the credentials given to uv directly (a token registered by hand).
    with (served.state / "tokens").open("a") as handle:
        handle.write("tok-direct 9999999999\n")
    direct = run("uv", args[:-2], cwd=served.project, servers=[served.server],
                 env={**served.env, "UV_INDEX_CORP_USERNAME": USER, "UV_INDEX_CORP_PASSWORD": "tok-direct"})
    assert direct.returncode == 0 and direct.unauthenticated == 0, str(direct)
    assert outputs[0] == outputs[2] == direct.stdout and "tinydep==1.0" in direct.stdout
    served.assert_no_token_leaked(*outputs)


def test_control_plain_uv_without_the_backend_gets_nothing(served: World) -> None:
    # The same command, with uvauth's backend out of the way (uvauth asked by itself has nothing): uv asks the
    # keyring, gets nothing, and under `always` stops before its first request. The credentials of the test
    # above came from the backend.
    done = run("uv", ["pip", "compile", "req.in", "--no-header", "--keyring-provider", "subprocess"],
               cwd=served.project, servers=[served.server], env={**served.env, "UVAUTH_SERVING": "1"})
    assert done.returncode != 0 and "Missing credentials for" in done.stderr and done.requests == 0, str(done)
    assert served.calls("gcloud") == 0


# -- (c) pip, --keyring-provider import ----------------------------------------------------------------------------


def test_pip_asks_after_one_401_per_host_then_authenticates_everything(served: World, tmp_path: Path) -> None:
    pip_env = {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    for command in (["download", "tinypkg", "-d", str(tmp_path / "dl")],
                    ["install", "tinypkg", "--target", str(tmp_path / "target")]):
        served.server.clear_log()
        done = subprocess.run([sys.executable, "-m", "pip", *command, "--index-url", served.server.index_url,
                               "--keyring-provider", "import", "--no-cache-dir"], cwd=served.project,
                              env={**os.environ, **served.env, **pip_env}, capture_output=True, text=True,
                              check=False, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        unauthenticated = served.server.unauthenticated()
        # pip sends its first request without credentials and asks the keyring on the 401 only (pip's
        # MultiDomainBasicAuth.handle_401); then it keeps them for the host: every other request is authenticated.
        assert [(r.auth, r.status, r.kind) for r in unauthenticated] == [("none", 401, "project")], unauthenticated
        assert failures(served) == [401] and len(served.server.requests) > 3
        served.assert_no_token_leaked(done.stdout, done.stderr)
    assert sorted(path.name for path in (tmp_path / "dl").iterdir()) == ["tinydep-1.0-py3-none-any.whl",
                                                                         "tinypkg-1.0-py3-none-any.whl"]
    assert (tmp_path / "target" / "tinypkg").is_dir()
    assert served.calls("gcloud") == 1  # two pip processes: one mint


# -- (d) twine ------------------------------------------------------------------------------------------------------


class UploadServer:
    """A loopback upload endpoint (twine's legacy API: a multipart POST) that checks Basic auth against the
    tokens the fake gcloud minted, and records each request's username and status."""

    def __init__(self, tokens: Path) -> None:
        self.seen: list[tuple[str | None, int]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's name
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                user, good = None, False
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    minted = [line.split()[0] for line in tokens.read_text().splitlines()] if tokens.exists() else []
                    good = user == "__token__" and password in minted
                status = 200 if good else 401
                owner.seen.append((user, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — the stdlib's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/legacy/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_twine_upload_takes_its_username_and_token_from_uvauths_entry(served: World, wheelhouse: Path) -> None:
    server = UploadServer(served.state / "tokens")
    try:
        prefix = server.url.rsplit("/legacy/", 1)[0] + "/"
        served.user_settings(f'[[credentials]]\nprefix = "{prefix}"\nusername = "__token__"\n'
                             'password-command = ["gcloud", "auth", "print-access-token"]\nttl = "50m"\n')
        wheel = next(wheelhouse.glob("tinypkg-1.0-*.whl"))
        done = subprocess.run([str(VENV_BIN / "twine"), "upload", "--repository-url", server.url, "--non-interactive",
                               "--disable-progress-bar", str(wheel)], cwd=served.project,
                              env={**os.environ, **served.env}, capture_output=True, text=True, check=False,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert server.seen == [("__token__", 200)]  # the one upload, authenticated
        assert served.calls("gcloud") == 1
        served.assert_no_token_leaked(done.stdout, done.stderr)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


# -- (e) what it does not answer ------------------------------------------------------------------------------------


def test_in_a_chain_the_stores_come_first_and_a_url_no_entry_covers_goes_on_to_the_next(served: World) -> None:
    url = served.server.index_url
    stored, last = "stored-password", "last-password"  # noqa: S105 — test values
    env = with_plugin(served, {"https://elsewhere.example/simple/": {"me": stored}},
                      {"https://nothing.example/simple/": {"me": last}, url: {USER: "never-reached"}})
    code = ("import keyring; print(type(keyring.get_keyring()).__name__); "
            "print(keyring.get_password('https://elsewhere.example/simple/', 'me')); "
            "print(keyring.get_password('https://nothing.example/simple/', 'me')); "
            "print(keyring.get_password('https://none.example/simple/', 'me')); "
            f"print(keyring.get_password({url!r}, {USER!r}))")
    done = python(served, code, env)
    assert done.returncode == 0, done.stderr
    chosen, from_store, from_last, nothing, from_uvauth = done.stdout.splitlines()
    # The store above uvauth answers what it holds; for a URL no entry covers uvauth has nothing and the chain
    # goes on to the backend below it; a URL nobody has is None; the entry's URL is uvauth's, before the last.
    assert chosen == "ChainerBackend" and (from_store, from_last, nothing) == (stored, last, "None")
    assert from_uvauth == served.tokens()[0] and served.calls("gcloud") == 1
    assert served.calls("filekeyring") == 4  # first, every time
    assert served.calls("lastkeyring") == 2  # reached past uvauth's None only (nothing.example, none.example)
    # `keyring set` stores into the store: uvauth's read-only backend is never reached.
    stored_now = subprocess.run(["keyring", "set", "https://new.example/simple/", "me"], input="new-secret\n",
                                cwd=served.project, env={**os.environ, **served.env, **env}, capture_output=True,
                                text=True, check=False)
    assert stored_now.returncode == 0, stored_now.stderr
    assert json.loads((served.root / "filekeyring.json").read_text())["https://new.example/simple/"] == {
        "me": "new-secret"}
    served.assert_no_token_leaked(done.stderr, stored_now.stdout, stored_now.stderr)


def test_with_no_store_keyring_set_fails_and_stores_nothing(served: World) -> None:
    done = subprocess.run(["keyring", "set", served.server.index_url, USER], input="typed\n", cwd=served.project,
                          env={**os.environ, **served.env}, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "PasswordSetError" in done.stderr and "read-only" in done.stderr, done.stderr
    assert served.calls("gcloud") == 0
    config, data = (Path(os.environ[name]) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"))
    assert not any("typed" in path.read_text(errors="replace") for root in (config, data)
                   for path in root.rglob("*") if path.is_file())


def test_an_untrusted_project_entry_is_not_run_and_says_so_once(served: World) -> None:
    served.user_settings("")
    marker = served.root / "ran"
    (served.project / "uvauth.toml").write_text(
        f'[[credentials]]\nindex = "corp"\nusername = "{USER}"\n'
        f'password-command = ["sh", "-c", "touch {marker}; echo tok-untrusted"]\n')
    done = python(served, f"import keyring; print(keyring.get_password({served.server.index_url!r}, {USER!r}))")
    assert done.returncode == 0 and done.stdout == "None\n", done.stderr
    assert not marker.exists()
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("uvauth: warning: keyring asked for "), done.stderr
    assert "is not approved on this machine" in lines[0] and "tok-untrusted" not in done.stderr
    # Through plain uv: uv shows its keyring command's stderr, and stops before any request (`always`).
    uv = run("uv", ["pip", "compile", "req.in", "--no-header", "--keyring-provider", "subprocess"],
             cwd=served.project, servers=[served.server], env=served.env)
    assert uv.returncode != 0 and uv.requests == 0 and not marker.exists(), str(uv)
    warned = [line for line in uv.stderr.splitlines() if line.startswith("uvauth: warning: keyring asked for ")]
    # uv asks for the index URL, then `host:port` (not answered: silent), then `http://host:port` (plain http).
    assert [line.split()[5] for line in warned] == [served.server.index_url + ":", served.server.url + ":"], uv.stderr


def test_a_failing_command_is_one_warning_and_the_tool_goes_on(served: World) -> None:
    served.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{served.server.index_url}"\n'
                         'password-command = ["sh", "-c", "echo leaked-secret >&2; exit 3"]\n')
    done = python(served, f"import keyring; print(keyring.get_credential({served.server.index_url!r}, None))")
    assert done.returncode == 0 and done.stdout == "None\n", done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("uvauth: warning: keyring asked for "), done.stderr
    assert "Traceback" not in done.stderr


# -- the install routes of docs/credentials.md -----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
#: The documented routes to a `keyring` command on PATH with uvauth's backend beside it, as the page spells them
#: (``uvauth`` is installed from this clone here, as built for a release: its wheel's entry point).
ROUTES = {
    "uvauth-tool": "uv tool install uvauth --with keyring --with-executables-from keyring",
    "keyring-tool": "uv tool install keyring --with uvauth",
}


def test_the_routes_are_the_documented_ones() -> None:
    page = (ROOT / "docs" / "credentials.md").read_text(encoding="utf-8")
    assert all(command in page for command in ROUTES.values())


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_an_install_route_serves_plain_uv_and_pips_keyring_command(route: str, served: World, tmp_path: Path) -> None:
    from support import MACHINE_CERTIFICATES
    from support.uvrun import UV_BIN

    words = [str(ROOT) if word == "uvauth" else word for word in ROUTES[route].split()[1:]]
    tools, tool_bin = tmp_path / "tools", tmp_path / "tool-bin"
    env = {**os.environ, "UV_TOOL_DIR": str(tools), "UV_TOOL_BIN_DIR": str(tool_bin), "UV_PYTHON": sys.executable,
           "UV_CACHE_DIR": str(tmp_path / "uv-cache"), **MACHINE_CERTIFICATES}
    installed = subprocess.run([str(UV_BIN), *words], env=env, capture_output=True, text=True, check=False,
                               timeout=600)
    assert installed.returncode == 0, installed.stderr
    assert (tool_bin / "keyring").exists()
    # Only the installed tool's `keyring` on PATH: not this venv's, where uvauth is installed too.
    path = os.pathsep.join([str(served.bin), str(tool_bin), "/usr/bin", "/bin"])
    done = run("uv", ["pip", "compile", "req.in", "--no-header", "--keyring-provider", "subprocess"],
               cwd=served.project, servers=[served.server], env={**served.env, "PATH": path})
    assert done.returncode == 0 and done.unauthenticated == 0 and done.requests > 0, str(done)
    assert "tinydep==1.0" in done.stdout
    served.server.clear_log()
    # pip's own `keyring` command route (`--keyring-provider subprocess`: `keyring --mode=creds --output=json get`).
    pip_env = {"PATH": path, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    pip = subprocess.run([sys.executable, "-m", "pip", "download", "tinypkg", "-d", str(tmp_path / "dl"),
                          "--index-url", served.server.index_url, "--keyring-provider", "subprocess", "--no-cache-dir"],
                         cwd=served.project, env={**os.environ, **served.env, **pip_env}, capture_output=True,
                         text=True, check=False, timeout=180)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert [(r.auth, r.status) for r in served.server.unauthenticated()] == [("none", 401)]
    assert served.calls("gcloud") == 1  # the token minted for uv is the one pip got: the same cache
    served.assert_no_token_leaked(done.stdout, done.stderr, pip.stdout, pip.stderr)
