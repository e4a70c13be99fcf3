"""Integration, issue 18: a Bazel-protocol helper that answers ``Authorization: Bearer <token>``, through the
real uv. uv sends an index a Bearer token only from its own credential store (``credentials.toml`` in
``UV_CREDENTIALS_DIR``); uvauth writes a private one, with the user's own ``uv auth login`` entries copied.

Two loopback indexes: ``corp`` accepts only ``Authorization: Bearer <token>`` (Basic, a wrong token or none
is logged as bad or none and answered 401); ``other`` accepts only the Basic credentials the user stored with
the real ``uv auth login``. Each must see every request authenticated, none answered 401.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.indexserver import IndexServer
from support.uvrun import TOOLS, UV_BIN, run

pytestmark = pytest.mark.integration

TOKEN = "bearer-t0ken-of-the-helper-7f3a"
OTHER_PASSWORD = "other-l0gin-secret"

# A spec-speaking Bazel / EngFlow credential helper: `get`, {"uri"} on stdin, {"headers", "expires"} on stdout.
HELPER = r'''#!{python}
import json, os, sys, time
with open(os.path.join(os.environ["FAKE_STATE"], "calls-helper"), "a") as log:
    log.write("call\n")
assert sys.argv[1:] == ["get"], sys.argv
request = json.load(sys.stdin)
with open(os.path.join(os.environ["FAKE_STATE"], "helper-asked"), "a") as log:
    log.write(request["uri"] + "\n")
token = open(os.path.join(os.environ["FAKE_SECRETS"], "token")).read().strip()
expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
print(json.dumps({{"headers": {{"Authorization": ["Bearer " + token]}}, "expires": expires}}))
'''

# Records what uv is handed (argv and the environment's names), then becomes the real uv.
RECORDER = r'''#!{python}
import json, os, sys
with open(os.path.join(os.environ["FAKE_STATE"], "uv-argv"), "a") as f:
    f.write(json.dumps([sys.argv[1:], sorted(os.environ)]) + "\n")
os.execv({uv!r}, [{uv!r}, *sys.argv[1:]])
'''


class Bearer:
    def __init__(self, root: Path, corp: IndexServer, other: IndexServer) -> None:
        self.root, self.corp, self.other = root, corp, other
        self.state = root / "state"
        self.bin = root / "bin"
        self.project = root / "project"
        self.secrets = root.parent / (root.name + "-secrets")  # outside every directory checked for leaks
        for folder in (self.state, self.bin, self.project, self.secrets):
            folder.mkdir()
        (self.secrets / "token").write_text(TOKEN)
        (self.project / "req.in").write_text("tinypkg\notherpkg\n")
        (self.project / "uv.toml").write_text(
            f'[[index]]\nname = "corp"\nurl = "{corp.index_url}"\n\n'
            f'[[index]]\nname = "other"\nurl = "{other.index_url}"\nauthenticate = "always"\n')
        for name, text in (("bazel-helper", HELPER), ("uv-recorder", RECORDER)):
            path = self.bin / name
            path.write_text(text.format(python=sys.executable, uv=str(UV_BIN)))
            path.chmod(0o755)
        self.env = {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "FAKE_STATE": str(self.state),
                    "FAKE_SECRETS": str(self.secrets), "UVAUTH_UV": str(self.bin / "uv-recorder")}
        user = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
        user.mkdir(parents=True, exist_ok=True)
        (user / "uvauth.toml").write_text(f'[[credentials]]\nindex = "corp"\nurl = "{corp.index_url}"\n'
                                          f'helper = ["{self.bin / "bazel-helper"}"]\n')

    def calls(self) -> int:
        path = self.state / "calls-helper"
        return path.read_text().count("call") if path.exists() else 0

    def compile(self, tool: str = "uvauth", env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return run(tool, ["pip", "compile", "req.in"], cwd=self.project, servers=[self.corp, self.other],  # type: ignore[arg-type]
                   env={**self.env, **(env or {})})


def counts(server: IndexServer) -> dict[str, int]:
    requests = server.requests
    return {"requests": len(requests), "unauthenticated": sum(r.auth == "none" for r in requests),
            "bad": sum(r.auth == "bad" for r in requests), "401": sum(r.status == 401 for r in requests)}


def clean(server: IndexServer) -> bool:
    seen = counts(server)
    return seen["requests"] > 0 and seen["unauthenticated"] == seen["bad"] == seen["401"] == 0


@pytest.fixture
def bearer(tmp_path: Path, wheelhouse: Path) -> Iterator[Bearer]:
    # corp has tinypkg and tinydep, other has otherpkg alone: uv must use both indexes.
    corp_wheels, other_wheels = tmp_path / "corp-wheels", tmp_path / "other-wheels"
    corp_wheels.mkdir()
    other_wheels.mkdir()
    for wheel in wheelhouse.iterdir():
        shutil.copy(wheel, other_wheels if wheel.name.startswith("otherpkg") else corp_wheels)
    corp = IndexServer(corp_wheels, "artifactory", bearer=TOKEN).start()
    other = IndexServer(other_wheels, "plain", username="me", password=OTHER_PASSWORD).start()
    root = tmp_path / "world"
    root.mkdir()
    world = Bearer(root, corp, other)
    # The user's own `uv auth login` for the other index, with the real uv (the password on stdin).
    login = subprocess.run([str(UV_BIN), "auth", "login", other.index_url, "--username", "me", "--password", "-"],
                           input=OTHER_PASSWORD + "\n", capture_output=True, text=True, env=os.environ, check=False)
    assert login.returncode == 0, login.stderr
    yield world
    corp.stop()
    other.stop()


def _token_files(world: Bearer) -> list[Path]:
    """Every file holding the token, but the test's own secrets (kept outside every directory looked at)."""
    roots = [world.root, *(Path(os.environ[v]) for v in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                                         "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"))]
    return [path for root in roots for path in root.rglob("*")
            if path.is_file() and TOKEN.encode() in path.read_bytes()]


def test_a_bearer_token_reaches_uv_through_its_store_with_the_users_own_entries(bearer: Bearer) -> None:
    outputs = []
    for _ in range(3):
        done = bearer.compile()
        assert done.returncode == 0, str(done)
        assert clean(bearer.corp), counts(bearer.corp)  # every request with the Bearer token, no 401
        assert clean(bearer.other), counts(bearer.other)  # the user's own `uv auth login` entry still works
        assert {r.kind for r in bearer.other.requests} >= {"project", "metadata"}
        outputs += [done.stdout, done.stderr]
    assert "otherpkg==2.0" in done.stdout and "tinypkg==1.0" in done.stdout
    assert bearer.calls() == 1  # asked once: the token cache, and the memoized plan, hold it
    assert (bearer.state / "helper-asked").read_text() == bearer.corp.index_url + "\n"

    handed = [json.loads(line) for line in (bearer.state / "uv-argv").read_text().splitlines()]
    handed = [(argv, names) for argv, names in handed if argv[:1] == ["pip"]]  # not uvauth's own `uv --version`…
    assert len(handed) == 3
    for argv, names in handed:
        assert argv == ["pip", "compile", "req.in"]
        assert "UV_CREDENTIALS_DIR" in names and not any(name.startswith("UV_INDEX_CORP_") for name in names)
    # The token is in no output, argv or world-readable file: only in the 0600 token cache and the 0600 store of
    # a 0700 directory.
    assert not any(TOKEN in text for text in [*outputs, (bearer.state / "uv-argv").read_text()])
    files = _token_files(bearer)
    runtime = Path(os.environ["XDG_RUNTIME_DIR"]) / "uvauth"
    stores = [path for path in files if path.name == "credentials.toml"]
    assert len(stores) == 1 and len(files) == 2, files
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600, path
        assert path.parent.stat().st_mode & 0o077 == 0, path.parent
        assert runtime in path.parents
    assert stat.S_IMODE(stores[0].parent.stat().st_mode) == 0o700
    # uv's own store is untouched: the user's entry, no token.
    own = Path(os.environ["XDG_DATA_HOME"]) / "uv" / "credentials" / "credentials.toml"
    assert OTHER_PASSWORD in own.read_text() and TOKEN not in own.read_text()

    # Plain uv given the same store by hand: the same output (and, with the index's policy auto, a 401 first:
    # why uvauth hands uv `always` for it).
    by_hand = bearer.root / "by-hand"
    by_hand.mkdir(mode=0o700)
    (by_hand / "credentials.toml").write_text(own.read_text() + f'\n[[credential]]\nservice = "{bearer.corp.index_url}"'
                                              f'\nscheme = "bearer"\ntoken = "{TOKEN}"\n')
    plain = bearer.compile("uv", env={"UV_CREDENTIALS_DIR": str(by_hand)})
    assert plain.returncode == 0, str(plain)
    assert plain.stdout == done.stdout
    assert counts(bearer.corp)["401"] > 0 and clean(bearer.other)
    shutil.rmtree(by_hand)

    # `credentials forget` removes the cached token and the private store with it.
    forgotten = run("uvauth", ["uvauth", "credentials", "forget"], cwd=bearer.project, env=bearer.env)
    assert forgotten.returncode == 0, str(forgotten)
    assert _token_files(bearer) == []
    assert not [p for p in runtime.iterdir() if p.name.startswith("store-")]
    again = bearer.compile()
    assert again.returncode == 0 and clean(bearer.corp), str(again)
    assert bearer.calls() == 2  # forgotten: asked again, once


def test_a_stale_store_is_removed_when_a_new_token_is_written(bearer: Bearer) -> None:
    done = bearer.compile()
    assert done.returncode == 0 and clean(bearer.corp), str(done)
    runtime = Path(os.environ["XDG_RUNTIME_DIR"]) / "uvauth"
    (first,) = [p for p in runtime.iterdir() if p.name.startswith("store-")]
    # The token ends: the server takes a new one, and the cached record and the store are past their freshness.
    (bearer.secrets / "token").write_text(TOKEN + "-2")
    bearer.corp.bearer = TOKEN + "-2"
    import marshal

    for path in runtime.iterdir():
        if path.name.startswith("token-") and path.name.endswith(".marshal"):
            record = marshal.loads(path.read_bytes())
            record["fresh_until"] = record["expires"] = time.time() - 1000
            path.write_bytes(marshal.dumps(record))
    meta = first / "uvauth.marshal"
    record = marshal.loads(meta.read_bytes())
    record["fresh_until"] = time.time() - 1000
    meta.write_bytes(marshal.dumps(record))
    done = bearer.compile()
    assert done.returncode == 0 and clean(bearer.corp), str(done)
    assert bearer.calls() == 2
    stores = [p for p in runtime.iterdir() if p.name.startswith("store-")]
    assert len(stores) == 1 and stores[0] != first and not first.exists()


def test_netrc_for_the_host_is_refused_before_any_request(bearer: Bearer) -> None:
    netrc = Path(os.environ["HOME"]) / ".netrc"
    netrc.write_text("machine 127.0.0.1 login n password p\n")
    netrc.chmod(0o600)
    done = bearer.compile()
    assert done.returncode == 2, str(done)
    assert done.stderr.count("uvauth: error:") == 1 and "netrc" in done.stderr and TOKEN not in done.stderr
    assert done.requests == 0


def test_explain_says_bearer_through_the_private_store_and_never_the_token(bearer: Bearer) -> None:
    assert bearer.compile().returncode == 0
    explained = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "explain", "--json", "pip", "compile",
                                "req.in"], cwd=bearer.project, capture_output=True, text=True,
                               env={**os.environ, **bearer.env}, check=False)
    assert explained.returncode == 0, explained.stderr
    assert TOKEN not in explained.stdout + explained.stderr
    data = json.loads(explained.stdout)
    (corp,) = [index for index in data["indexes"] if index["url"] == bearer.corp.index_url]
    assert "Bearer token" in corp["credential_source"] and "private credential store" in corp["credential_source"]
    assert corp["policy"] == "always"


def _plain_with_store(bearer: Bearer, text: str):  # type: ignore[no-untyped-def]
    by_hand = bearer.root / "by-hand"
    by_hand.mkdir(mode=0o700, exist_ok=True)
    (by_hand / "credentials.toml").write_text(text)
    (bearer.project / "uv.toml").write_text(f'[[index]]\nname = "corp"\nurl = "{bearer.corp.index_url}"\n'
                                            'authenticate = "always"\n')
    (bearer.project / "req.in").write_text("tinypkg\n")
    done = run("uv", ["pip", "compile", "req.in"], cwd=bearer.project, servers=[bearer.corp],
               env={"UV_CREDENTIALS_DIR": str(by_hand)})
    return done, counts(bearer.corp)


def test_real_uv_ignores_expires_at_on_a_bearer_entry(bearer: Bearer) -> None:
    """What uvauth's port of the store assumes (uv's TomlCredentialWire has no `expires-at`)."""
    done, seen = _plain_with_store(bearer, f'[[credential]]\nservice = "{bearer.corp.index_url}"\n'
                                           f'scheme = "bearer"\ntoken = "{TOKEN}"\n'
                                           'expires-at = "2001-01-01T00:00:00Z"\n')
    assert done.returncode == 0, str(done)
    assert seen["requests"] > 0 and seen["unauthenticated"] == seen["bad"] == seen["401"] == 0


def test_real_uv_skips_a_store_with_a_tie_for_the_index(bearer: Bearer) -> None:
    """Why uvauth refuses to compose an ambiguous store: with two entries of one length for the index URL uv's
    lookup fails, the store is skipped, and under `always` no request is sent at all."""
    done, seen = _plain_with_store(bearer, f'[[credential]]\nservice = "{bearer.corp.index_url}"\n'
                                           f'scheme = "bearer"\ntoken = "{TOKEN}"\n\n[[credential]]\n'
                                           f'service = "{bearer.corp.index_url}"\n'
                                           'username = "someone"\npassword = "x"\n')
    assert done.returncode != 0 and "Missing credentials" in done.stderr, str(done)
    assert seen["requests"] == 0


def test_a_prefix_entry_gives_files_outside_the_index_root_the_token_up_front(tmp_path: Path,
                                                                               wheelhouse: Path) -> None:
    """Files served outside the index's root (the JFrog remote-repository layout) are matched to no index: uv
    sends them without the token, then retries from its cache after the 401. A ``prefix`` entry covering them
    (a synthesized ``always`` index, its own store entry) sends the token up front."""
    corp = IndexServer(wheelhouse, "outside-root", bearer=TOKEN).start()
    other = IndexServer(wheelhouse, "plain", username="me", password=OTHER_PASSWORD).start()
    try:
        root = tmp_path / "world"
        root.mkdir()
        world = Bearer(root, corp, other)
        (world.project / "req.in").write_text("tinypkg\n")
        (world.project / "uv.toml").write_text(f'[[index]]\nname = "corp"\nurl = "{corp.index_url}"\n')
        settings = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth" / "uvauth.toml"
        settings.write_text(f'[[credentials]]\nprefix = "{corp.url}/artifactory/"\n'
                            f'helper = ["{world.bin / "bazel-helper"}"]\n')
        done = world.compile()
        assert done.returncode == 0, str(done)
        assert clean(corp), counts(corp)
        assert {r.kind for r in corp.requests} >= {"project", "file"}
        assert TOKEN not in done.stdout + done.stderr
    finally:
        corp.stop()
        other.stop()


def test_uvauth_as_a_bazel_helper_passes_the_bearer_token_on(bearer: Bearer) -> None:
    asked = subprocess.run([str(TOOLS["uvauth"]), "uvauth", "helper", "--protocol", "bazel", "get"],
                           input=json.dumps({"uri": bearer.corp.index_url + "/tinypkg/"}), cwd=bearer.project,
                           capture_output=True, text=True, env={**os.environ, **bearer.env}, check=False)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["headers"] == {"Authorization": [f"Bearer {TOKEN}"]}
    assert TOKEN not in asked.stderr and bearer.calls() == 1
