"""Tests of uvauth.uv.credentials: uv's credential sources, their order, and that no secret leaks.

Every test passes `env=` and `home=` explicitly, so none depends on the process environment. The expected
behaviours marked "uv 0.13.8" were observed running the real uv against a loopback index (see the module
docstring of uvauth.uv.credentials and the report that came with it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support import system_tools_only

from uvauth.uv.credentials import keyring as keyring_module
from uvauth.uv.credentials.search import Credentials, Lookup, Tried, env_var_prefix, find_credentials
from uvauth.uv.credentials.store import credentials_store_path
from uvauth.errors import UvauthError

SECRET = "s3cr3t-Pa55"  # every password in these tests contains it, so a leak is easy to spot
INDEX = "http://127.0.0.1:18080/team/simple"
STORE_REL = Path(".local/share/uv/credentials/credentials.toml")


# ------------------------------------------------------------------------------------------------------------
# env_var_prefix


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        pytest.param("art", "UV_INDEX_ART_", id="lower"),
        pytest.param("Art", "UV_INDEX_ART_", id="mixed-case-shares-vars"),
        pytest.param("my-idx.v2", "UV_INDEX_MY_IDX_V2_", id="dash-and-dot"),
        pytest.param("a_b", "UV_INDEX_A_B_", id="underscore"),
        pytest.param("a-b", "UV_INDEX_A_B_", id="dash-collides-with-underscore"),
        pytest.param("pypi2", "UV_INDEX_PYPI2_", id="digits"),
        pytest.param("ü", "UV_INDEX___", id="non-ascii-one-underscore-per-char"),
    ],
)
def test_env_var_prefix(name: str, prefix: str) -> None:
    assert env_var_prefix(name) == prefix


def test_env_var_prefix_rejects_empty_name() -> None:
    with pytest.raises(UvauthError):
        env_var_prefix("")


# ------------------------------------------------------------------------------------------------------------
# A small world: a home directory, files in it, a fake `keyring` on a private PATH.

_KEYRING = '''#!{python} -I
import json, os, sys
args = sys.argv[1:]
with open({log!r}, "a", encoding="utf-8") as f:
    f.write(json.dumps(args) + "\\n")
sys.stderr.write("keyring-noise-on-stderr\\n")
with open({store!r}, encoding="utf-8") as f:
    store = json.load(f)
if os.environ.get("FAKE_KEYRING_OLD") and "--mode" in args:
    sys.stderr.write("usage: keyring\\nkeyring: error: unrecognized arguments: --mode\\n")
    sys.exit(2)
if len(args) == 4 and args[2:] == ["--mode", "creds"] and args[1] in store:
    entry = store[args[1]]
    sys.stdout.write(entry["raw"] if "raw" in entry else entry["username"] + "\\n" + entry["password"] + "\\n")
    sys.exit(0)
if len(args) == 3 and args[1] in store and store[args[1]]["username"] == args[2]:
    sys.stdout.write(store[args[1]]["password"] + "\\n")
    sys.exit(0)
sys.exit(1)
'''


@dataclass
class World:
    root: Path
    home: Path
    bin: Path
    env: dict[str, str] = field(default_factory=dict)

    def netrc(self, text: str, name: str = ".netrc") -> Path:
        path = self.home / name
        path.write_text(text)
        path.chmod(0o600)
        return path

    def store(self, text: str, path: Path | None = None) -> Path:
        path = path or self.home / STORE_REL
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def keyring(self, entries: Mapping[str, tuple[str, str] | str]) -> None:
        """Install a fake `keyring` answering for these services: (username, password), or raw stdout."""
        store = {
            service: {"raw": value} if isinstance(value, str) else {"username": value[0], "password": value[1]}
            for service, value in entries.items()
        }
        (self.root / "keyring.json").write_text(json.dumps(store))
        script = self.bin / "keyring"
        script.write_text(
            _KEYRING.format(
                python=sys.executable, log=str(self.root / "keyring.log"), store=str(self.root / "keyring.json")
            )
        )
        script.chmod(0o755)

    def keyring_calls(self) -> list[list[str]]:
        log = self.root / "keyring.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def find(self, url: str = INDEX, *, name: str | None = "art", provider: str | None = None, **kw: Any) -> Lookup:
        return find_credentials(url, name=name, env=self.env, keyring_provider=provider, home=self.home, **kw)


@pytest.fixture
def world(tmp_path: Path) -> World:
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A PATH with only our bin dir and a few system tools: no real `keyring` from the developer's machine.
    system = system_tools_only(tmp_path / "sys")
    return World(tmp_path, home, bin_dir, {"HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{system}"})


def store_entry(service: str, username: str | None = None, password: str | None = None, **extra: str) -> str:
    lines = ["[[credential]]", f'service = "{service}"']
    if username is not None:
        lines.append(f'username = "{username}"')
    if password is not None:
        lines.append(f'password = "{password}"')
    lines += [f'{key} = "{value}"' for key, value in extra.items()]
    return "\n".join(lines) + "\n\n"


def assert_no_leak(lookup: Lookup, *secrets: str) -> None:
    for secret in (SECRET, *secrets):
        assert secret not in repr(lookup)
        assert secret not in str(lookup)
        if lookup.credentials is not None:
            assert secret not in repr(lookup.credentials)
            assert secret not in str(lookup.credentials)
            assert secret not in lookup.credentials.detail
        assert all(secret not in str(tried) for tried in lookup.tried)


# ------------------------------------------------------------------------------------------------------------
# The main table: one scenario per row, every source and the precedence between them.

Setup = Callable[[World], None]
Expected = tuple[str, str, str] | None  # (source, username, password) or nothing found


def _env(**values: str) -> Setup:
    return lambda w: w.env.update(values)


def _netrc(text: str) -> Setup:
    return lambda w: w.netrc(text)


def _store(text: str) -> Setup:
    def run(w: World) -> None:
        w.store(text)

    return run


def _keyring(entries: Mapping[str, tuple[str, str] | str]) -> Setup:
    return lambda w: w.keyring(entries)


def _all(*setups: Setup) -> Setup:
    def run(w: World) -> None:
        for setup in setups:
            setup(w)

    return run


P = f"p-{SECRET}"  # the password most rows use
H = "http://127.0.0.1:18080"

CASES = [
    # --- 1. URL userinfo
    pytest.param(f"http://u:{P}@127.0.0.1:18080/team/simple", _all(), "subprocess",
                 ("url", "u", P), "URL userinfo (found)", id="url-userinfo"),
    pytest.param(f"http://u:p%40{SECRET}@127.0.0.1:18080/team/simple", _all(), None,
                 ("url", "u", f"p@{SECRET}"), "URL userinfo", id="url-userinfo-percent-decoded"),
    pytest.param(f"http://:{P}@127.0.0.1:18080/team/simple", _all(), None,
                 ("url", "", P), "URL userinfo", id="url-password-only"),
    pytest.param(f"http://u:{P}@127.0.0.1:18080/team/simple",
                 _all(_env(UV_INDEX_ART_USERNAME="e", UV_INDEX_ART_PASSWORD=f"e-{SECRET}"),
                      _netrc(f"machine 127.0.0.1 login n password n-{SECRET}")), None,
                 ("url", "u", P), "URL userinfo (found)", id="url-beats-env-and-netrc"),
    # --- 2. UV_INDEX_<NAME>_*
    pytest.param(INDEX, _env(UV_INDEX_ART_USERNAME="e", UV_INDEX_ART_PASSWORD=P), None,
                 ("uv-index-env", "e", P), "UV_INDEX_ART_USERNAME/PASSWORD (found)", id="env"),
    pytest.param(INDEX, _env(UV_INDEX_ART_PASSWORD=P), None,
                 ("uv-index-env", "", P), "UV_INDEX_ART_USERNAME/PASSWORD (found)", id="env-password-only"),
    pytest.param(INDEX, _env(UV_INDEX_ART_USERNAME="e", UV_INDEX_ART_PASSWORD=""), None,
                 ("uv-index-env", "e", ""), "(found)", id="env-empty-password-counts"),
    pytest.param(INDEX, _all(_env(UV_INDEX_ART_USERNAME="e", UV_INDEX_ART_PASSWORD=P),
                             _netrc(f"machine 127.0.0.1 login n password n-{SECRET}")), None,
                 ("uv-index-env", "e", P), "UV_INDEX_ART", id="env-beats-netrc"),
    pytest.param(INDEX, _all(_env(UV_INDEX_ART_USERNAME="e"),
                             _netrc(f"machine 127.0.0.1 login e password {P}")), None,
                 ("netrc", "e", P), "username only", id="env-username-only-then-netrc"),
    pytest.param(INDEX, _all(_env(UV_INDEX_ART_USERNAME="e"),
                             _netrc(f"machine 127.0.0.1 login other password o-{SECRET}")), None,
                 None, "is for a different login", id="env-username-only-netrc-mismatch"),
    pytest.param("http://u@127.0.0.1:18080/team/simple",
                 _all(_env(UV_INDEX_ART_USERNAME="u", UV_INDEX_ART_PASSWORD=P)), None,
                 ("uv-index-env", "u", P), "(found)", id="env-used-for-same-username-in-url"),
    pytest.param("http://u@127.0.0.1:18080/team/simple",
                 _all(_env(UV_INDEX_ART_USERNAME="v", UV_INDEX_ART_PASSWORD=f"v-{SECRET}"),
                      _netrc(f"machine 127.0.0.1 login u password {P}")), None,
                 ("netrc", "u", P), "ignored: not for the username", id="env-ignored-for-other-url-username"),
    pytest.param("http://u@127.0.0.1:18080/team/simple",
                 _all(_env(UV_INDEX_ART_PASSWORD=f"v-{SECRET}"),
                      _netrc(f"machine 127.0.0.1 login u password {P}")), None,
                 ("netrc", "u", P), "ignored", id="env-password-only-ignored-with-url-username"),
    pytest.param(INDEX, _env(UV_INDEX_OTHER_USERNAME="e", UV_INDEX_OTHER_PASSWORD=P), None,
                 None, "UV_INDEX_ART_USERNAME/PASSWORD (not set)", id="env-of-another-index"),
    # --- 3. netrc
    pytest.param(INDEX, _netrc(f"machine 127.0.0.1 login n password {P}\n"), None,
                 ("netrc", "n", P), "netrc (~/.netrc: found, machine 127.0.0.1)", id="netrc"),
    pytest.param(INDEX, _netrc(f"machine example.com login x password x-{SECRET}\ndefault login d password {P}\n"),
                 None, ("netrc", "d", P), "found, default", id="netrc-default-entry"),
    pytest.param(INDEX, _netrc(f"machine 127.0.0.1 login a password a-{SECRET}\nmachine 127.0.0.1 login b password {P}\n"),
                 None, ("netrc", "b", P), "found", id="netrc-last-entry-for-a-host-wins"),
    pytest.param("http://zz@127.0.0.1:18080/team/simple",
                 _netrc(f"machine 127.0.0.1 login n password n-{SECRET}\ndefault login zz password z-{SECRET}\n"),
                 None, None, "is for a different login", id="netrc-url-username-mismatch-no-default-fallback"),
    pytest.param("http://n@127.0.0.1:18080/team/simple", _netrc(f"machine 127.0.0.1 login n password {P}\n"),
                 None, ("netrc", "n", P), "found", id="netrc-url-username-match"),
    pytest.param(INDEX, _netrc("machine 127.0.0.1 login n\n"), None,
                 ("netrc", "n", ""), "found", id="netrc-missing-password-is-empty-as-in-uv"),
    pytest.param(INDEX, _netrc(f"machine 127.0.0.1 password {P}\n"), None,
                 ("netrc", "", P), "found", id="netrc-missing-login"),
    pytest.param(INDEX, _netrc(f"# comment\nmachine 127.0.0.1 login n password \"{P} x#y\" # trailing\n"), None,
                 ("netrc", "n", f"{P} x#y"), "found", id="netrc-comments-and-quotes"),
    pytest.param(INDEX, _netrc(f"#c machine 127.0.0.1 login c password c-{SECRET}\n"), None,
                 None, "no `machine 127.0.0.1`", id="netrc-hash-word-comments-out-its-line"),
    pytest.param(INDEX, _netrc(f"machine 127.0.0.1 login n password {P}\nmacdef init\ncd /pub\nls"), None,
                 ("netrc", "n", P), "found", id="netrc-macdef-to-end-of-file"),
    pytest.param(INDEX, _netrc(f"macdef init\ncd /pub\n   \nmachine 127.0.0.1 login n password {P}\n"), None,
                 ("netrc", "n", P), "found", id="netrc-macdef-ends-at-blank-line"),
    pytest.param(INDEX, _all(_netrc(f"machine 127.0.0.1 login n password {SECRET} oops\n"),
                             _store(store_entry(f"{H}/team", "s", P))), None,
                 ("uv-auth-store", "s", P), "malformed", id="netrc-malformed-is-skipped"),
    pytest.param(INDEX, _all(_env(NETRC="~/other-netrc"),
                             lambda w: w.netrc(f"machine 127.0.0.1 login o password {P}", "other-netrc"),
                             _netrc(f"machine 127.0.0.1 login n password n-{SECRET}")), None,
                 ("netrc", "o", P), "NETRC=~/other-netrc", id="netrc-NETRC-with-tilde"),
    pytest.param(INDEX, _all(_env(NETRC="/nonexistent/netrc"), _netrc(f"machine 127.0.0.1 login n password {P}")),
                 None, ("netrc", "n", P), "as NETRC=/nonexistent/netrc does not exist",
                 id="netrc-NETRC-missing-falls-back-to-home"),
    pytest.param(INDEX, _all(_netrc(f"machine 127.0.0.1 login n password {P}"),
                             _store(store_entry(f"{H}/team", "s", f"s-{SECRET}"))), None,
                 ("netrc", "n", P), "netrc", id="netrc-beats-store"),
    # --- 4. uv auth store
    pytest.param(INDEX, _store(store_entry(f"{H}/team", "s", P)), None,
                 ("uv-auth-store", "s", P),
                 "uv auth store (~/.local/share/uv/credentials/credentials.toml (service http://127.0.0.1:18080/team): found)",
                 id="store"),
    pytest.param(INDEX, _store(store_entry(f"{H}/", "root", f"r-{SECRET}") + store_entry(f"{H}/team", "team", P)),
                 None, ("uv-auth-store", "team", P), "service http://127.0.0.1:18080/team", id="store-most-specific-wins"),
    pytest.param(INDEX, _store(store_entry(f"{H}/team/simple/", "deep", P) + store_entry(f"{H}/team", "t", f"t-{SECRET}")),
                 None, ("uv-auth-store", "deep", P), "found", id="store-trailing-slash-service"),
    pytest.param(INDEX, _store(store_entry(f"{H}/te", "te", P)), None,
                 None, "no entry for this index", id="store-prefix-on-segment-boundaries"),
    pytest.param(INDEX, _store(store_entry(f"{H}/TEAM", "t", P)), None,
                 None, "no entry", id="store-path-is-case-sensitive"),
    pytest.param(INDEX, _store(store_entry("http://127.0.0.1:18081/team", "t", P)), None,
                 None, "no entry", id="store-other-port-is-another-realm"),
    pytest.param(INDEX, _store(store_entry("https://127.0.0.1:18080/team", "t", P)), None,
                 None, "no entry", id="store-other-scheme-is-another-realm"),
    pytest.param("http://b@127.0.0.1:18080/team/simple",
                 _store(store_entry(f"{H}/team", "a", f"a-{SECRET}") + store_entry(f"{H}/", "b", P)), None,
                 ("uv-auth-store", "b", P), "found", id="store-url-username-must-match"),
    pytest.param("http://c@127.0.0.1:18080/team/simple", _store(store_entry(f"{H}/team", "a", P)), None,
                 None, "no entry for this index and username", id="store-url-username-no-match"),
    pytest.param(INDEX, _all(_store(store_entry(f"{H}/team", "u1", f"1-{SECRET}") + store_entry(f"{H}/team", "u2", f"2-{SECRET}")),
                             _keyring({"127.0.0.1:18080": ("k", P)})), "subprocess",
                 ("keyring", "k", P), "several entries match", id="store-ambiguous-skipped-like-uv"),
    pytest.param(INDEX, _all(_store(store_entry(f"{H}/team", scheme="bearer", token=f"t-{SECRET}")),
                             _keyring({"127.0.0.1:18080": ("k", P)})), "subprocess",
                 None, "a bearer token", id="store-bearer-stops-the-search"),
    # uv's TomlCredentialWire has no `expires-at` (serde ignores the key): the bearer entry still counts.
    pytest.param(INDEX, _all(_store(store_entry(f"{H}/team", scheme="bearer", token=f"t-{SECRET}", **{"expires-at": "2001-01-01T00:00:00Z"})),
                             _keyring({"127.0.0.1:18080": ("k", P)})), "subprocess",
                 None, "a bearer token", id="store-bearer-expires-at-ignored-like-uv"),
    # A tie below the longest match: uv fails when it meets the tie first (hash-map order), so it may skip the store.
    pytest.param(INDEX, _all(_store(store_entry(f"{H}/", "u1", f"1-{SECRET}") + store_entry(f"{H}/", "u2", "2")
                                    + store_entry(f"{H}/team", "t", f"t-{SECRET}")),
                             _keyring({"127.0.0.1:18080": ("k", P)})), "subprocess",
                 ("keyring", "k", P), "uv may skip the store", id="store-shorter-tie-is-ambiguous-like-uv"),
    pytest.param(INDEX, _all(_store(store_entry(f"{H}/team", "nopw")), _keyring({"127.0.0.1:18080": ("k", P)})),
                 "subprocess", None, "without a password; uv stops here", id="store-entry-without-password-stops"),
    pytest.param(INDEX, _all(_store(f'[[credential]\nservice = "{SECRET}"'), _keyring({"127.0.0.1:18080": ("k", P)})),
                 "subprocess", ("keyring", "k", P), "not valid TOML", id="store-malformed-toml-skipped"),
    pytest.param(INDEX, _store(store_entry("127.0.0.1:18080/team", "s", P)), None,
                 None, "`service` is not an absolute URL; uv ignores the whole file", id="store-service-without-scheme"),
    pytest.param(INDEX, _store(store_entry(f"{H}/team", password=P)), None,
                 None, "`username` is required", id="store-basic-without-username-invalidates-file"),
    pytest.param(INDEX, _store(store_entry(f"{H}/team", "s", P, extra="ignored")), None,
                 ("uv-auth-store", "s", P), "found", id="store-unknown-keys-ignored"),
    pytest.param(INDEX, _all(_env(UV_CREDENTIALS_DIR="{root}/creds"),
                             lambda w: w.store(store_entry(f"{H}/team", "c", P), w.root / "creds" / "credentials.toml"),
                             _store(store_entry(f"{H}/team", "h", f"h-{SECRET}"))), None,
                 ("uv-auth-store", "c", P), "creds/credentials.toml", id="store-UV_CREDENTIALS_DIR"),
    pytest.param(INDEX, _all(_env(XDG_DATA_HOME="{root}/xdg"),
                             lambda w: w.store(store_entry(f"{H}/team", "x", P), w.root / "xdg/uv/credentials/credentials.toml")),
                 None, ("uv-auth-store", "x", P), "xdg/uv/credentials/credentials.toml", id="store-XDG_DATA_HOME"),
    pytest.param(INDEX, _all(_env(XDG_DATA_HOME="relative/xdg"), _store(store_entry(f"{H}/team", "h", P))), None,
                 ("uv-auth-store", "h", P), "~/.local/share", id="store-relative-XDG_DATA_HOME-ignored"),
    pytest.param(INDEX, _all(_store(store_entry(f"{H}/team", "s", P)), _keyring({"127.0.0.1:18080": ("k", f"k-{SECRET}")})),
                 "subprocess", ("uv-auth-store", "s", P), "found", id="store-beats-keyring"),
    # --- 5. keyring
    pytest.param(INDEX, _keyring({INDEX: ("k", P)}), "subprocess",
                 ("keyring", "k", P), f"keyring (keyring get {INDEX} --mode creds: found)", id="keyring-mode-creds"),
    pytest.param(INDEX, _keyring({"127.0.0.1:18080": ("k", P)}), "subprocess",
                 ("keyring", "k", P), "keyring get 127.0.0.1:18080 --mode creds: found", id="keyring-host-port-fallback"),
    pytest.param(INDEX, _keyring({"http://127.0.0.1:18080": ("k", P)}), "subprocess",
                 ("keyring", "k", P), "keyring get http://127.0.0.1:18080 --mode creds: found",
                 id="keyring-scheme-host-fallback"),
    pytest.param("http://k@127.0.0.1:18080/team/simple", _keyring({INDEX: ("k", P)}), "subprocess",
                 ("keyring", "k", P), f"keyring get {INDEX} <username>: found", id="keyring-with-url-username"),
    pytest.param(INDEX, _all(_env(UV_INDEX_ART_USERNAME="k"), _keyring({"127.0.0.1:18080": ("k", P)})), "subprocess",
                 ("keyring", "k", P), "<username>: found", id="keyring-with-env-username"),
    pytest.param("http://other@127.0.0.1:18080/team/simple", _keyring({INDEX: ("k", P)}), "subprocess",
                 None, "nothing found", id="keyring-username-mismatch"),
    pytest.param(INDEX, _keyring({INDEX: "only-a-username\n"}), "subprocess",
                 None, "nothing found", id="keyring-one-line-answer-is-not-found"),
    pytest.param(INDEX, _keyring({INDEX: f"k\r\n{P}\r\nextra\n"}), "subprocess",
                 ("keyring", "k", P), "found", id="keyring-crlf-answer"),
    pytest.param(INDEX, _keyring({INDEX: f"k\n{P}\rX\n"}), "subprocess",
                 ("keyring", "k", f"{P}\rX"), "found", id="keyring-lone-cr-kept-like-rust-lines"),
    pytest.param(INDEX, _keyring({INDEX: ("k", P)}), None,
                 None, "keyring (disabled: pass --keyring-provider subprocess)", id="keyring-disabled"),
    pytest.param(INDEX, _all(), "subprocess", None, "keyring (no `keyring` command on PATH)", id="keyring-not-on-path"),
    pytest.param(INDEX, _all(_env(FAKE_KEYRING_OLD="1"), _keyring({INDEX: ("k", P)})), "subprocess",
                 None, "no `--mode creds`; upgrade to keyring>=25.2.1", id="keyring-too-old-for-mode-creds"),
    # --- nothing anywhere
    pytest.param(INDEX, _all(), None, None, "netrc (~/.netrc: not found)", id="nothing"),
]


@pytest.mark.parametrize(("url", "setup", "provider", "expected", "tried_fragment"), CASES)
def test_find_credentials(
    world: World, url: str, setup: Setup, provider: str | None, expected: Expected, tried_fragment: str
) -> None:
    setup(world)
    world.env = {k: v.replace("{root}", str(world.root)) for k, v in world.env.items()}
    lookup = world.find(url, provider=provider)

    if expected is None:
        assert lookup.credentials is None, lookup
    else:
        assert lookup.credentials is not None, lookup
        source, username, password = expected
        assert (lookup.credentials.source, lookup.credentials.username, lookup.credentials.password) == expected
        assert lookup.credentials.detail
    assert any(tried_fragment in str(tried) for tried in lookup.tried), lookup.tried
    assert_no_leak(lookup)


def test_nothing_found_lists_every_source_in_order(world: World) -> None:
    lookup = world.find(provider=None)
    assert lookup.credentials is None
    assert [str(tried) for tried in lookup.tried] == [
        "URL userinfo (none)",
        "UV_INDEX_ART_USERNAME/PASSWORD (not set)",
        "netrc (~/.netrc: not found)",
        "uv auth store (~/.local/share/uv/credentials/credentials.toml: not found)",
        "keyring (disabled: pass --keyring-provider subprocess)",
    ]


def test_unnamed_index_skips_env(world: World) -> None:
    world.env["UV_INDEX_ART_PASSWORD"] = P
    lookup = world.find(name=None)
    assert lookup.credentials is None
    assert lookup.tried[1] == Tried(source="UV_INDEX_<NAME>_USERNAME/PASSWORD", detail="the index has no name")
    assert str(lookup.tried[1]) == "UV_INDEX_<NAME>_USERNAME/PASSWORD (the index has no name)"


def test_netrc_detail_names_NETRC(world: World) -> None:
    path = world.root / "netrc"
    path.write_text(f"machine 127.0.0.1 login n password {P}\n")
    world.env["NETRC"] = str(path)
    lookup = world.find()
    assert lookup.credentials == Credentials("n", P, "netrc", f"NETRC={path} (machine 127.0.0.1)")


def test_netrc_is_keyed_by_host_only(world: World) -> None:
    world.netrc(f"machine 127.0.0.1 login n password {P}\n")
    lookup = world.find("https://127.0.0.1:9999/other/path/")
    assert lookup.credentials is not None and lookup.credentials.username == "n"


def test_netrc_directory_is_reported_not_raised(world: World) -> None:
    (world.home / ".netrc").mkdir()
    lookup = world.find()
    assert lookup.credentials is None
    assert any(str(tried).startswith("netrc (~/.netrc: unreadable") for tried in lookup.tried), lookup.tried


# ------------------------------------------------------------------------------------------------------------
# keyring: the exact commands, the output handling, time limits


@pytest.mark.parametrize(
    ("url", "env", "calls"),
    [
        pytest.param(
            INDEX, {},
            [["get", INDEX, "--mode", "creds"], ["get", "127.0.0.1:18080", "--mode", "creds"],
             ["get", "http://127.0.0.1:18080", "--mode", "creds"]],
            id="no-username-http",
        ),
        pytest.param(
            "http://k@127.0.0.1:18080/team/simple", {},
            [["get", INDEX, "k"], ["get", "127.0.0.1:18080", "k"], ["get", "http://127.0.0.1:18080", "k"]],
            id="url-username",
        ),
        pytest.param(
            "https://Example.COM:443/simple/", {"UV_INDEX_ART_USERNAME": "k"},
            [["get", "https://example.com/simple/", "k"], ["get", "example.com", "k"]],
            id="https-default-port-no-scheme-fallback",
        ),
        pytest.param(
            "https://example.com:8443", {},
            [["get", "https://example.com:8443/", "--mode", "creds"], ["get", "example.com:8443", "--mode", "creds"]],
            id="https-empty-path-and-port",
        ),
    ],
)
def test_keyring_commands_match_uv(world: World, url: str, env: dict[str, str], calls: list[list[str]]) -> None:
    world.keyring({})
    world.env.update(env)
    lookup = world.find(url, provider="subprocess")
    assert lookup.credentials is None
    assert world.keyring_calls() == calls


def test_keyring_stderr_never_reaches_ours(world: World, capfd: pytest.CaptureFixture[str]) -> None:
    world.keyring({INDEX: ("k", P)})
    lookup = world.find(provider="subprocess")
    assert lookup.credentials is not None
    out, err = capfd.readouterr()
    assert "keyring-noise-on-stderr" not in out + err
    assert SECRET not in out + err


def test_keyring_gets_the_given_environment(world: World) -> None:
    seen: list[dict[str, Any]] = []

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(kwargs)
        return subprocess.CompletedProcess(args, 0, f"k\n{P}\n", "")

    world.keyring({})
    world.env["MARKER"] = "1"
    lookup = world.find(provider="subprocess", run=run)
    assert lookup.credentials == Credentials("k", P, "keyring", f"keyring get {INDEX} --mode creds")
    (kwargs,) = seen
    assert kwargs["env"]["MARKER"] == "1"
    assert kwargs["timeout"] == keyring_module.KEYRING_TIMEOUT  # stdin /dev/null, own group: uvauth.children


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        pytest.param(subprocess.TimeoutExpired(["keyring"], 30), "timed out after 30 s", id="timeout"),
        pytest.param(PermissionError(13, "Permission denied"), "could not run it: Permission denied", id="oserror"),
    ],
)
def test_keyring_failures_are_reported_not_raised(world: World, error: Exception, fragment: str) -> None:
    calls: list[list[str]] = []

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        raise error

    world.keyring({})
    lookup = world.find(provider="subprocess", run=run)
    assert lookup.credentials is None
    assert len(calls) == 1, "a hung or broken keyring is not asked again for the fallback services"
    assert fragment in str(lookup.tried[-1])


def test_keyring_non_utf8_answer_is_ignored(world: World) -> None:
    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 0, b"k\n\xff\n", b"")

    world.keyring({})
    assert world.find(provider="subprocess", run=run).credentials is None


def test_keyring_with_fp(world: World, fp: Any) -> None:
    """The same with pytest-subprocess: the exact argv, with the executable found on env PATH."""
    world.keyring({})
    exe = str(world.bin / "keyring")
    fp.register([exe, "get", INDEX, "--mode", "creds"], returncode=1, stderr="nope")
    fp.register([exe, "get", "127.0.0.1:18080", "--mode", "creds"], stdout=["k", P])
    lookup = world.find(provider="subprocess")
    assert lookup.credentials == Credentials("k", P, "keyring", "keyring get 127.0.0.1:18080 --mode creds")
    assert fp.call_count([exe, "get", "http://127.0.0.1:18080", "--mode", "creds"]) == 0


# ------------------------------------------------------------------------------------------------------------
# Secrets


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(_netrc(f"machine 127.0.0.1 login n password {SECRET} {SECRET}\n"), id="netrc-bad-token"),
        pytest.param(_netrc(f"bogus-{SECRET}\n"), id="netrc-bad-toplevel-token"),
        pytest.param(_store(f'[[credential]]\nservice = "{H}/team"\nusername = "u"\npassword = {SECRET}\n'),
                     id="store-bad-toml-value"),
        pytest.param(_store(f'[[credential]]\nservice = "{SECRET}"\nusername = "u"\npassword = "x"\n'),
                     id="store-bad-service"),
        pytest.param(_store(f'[[credential]]\nservice = "{H}/team"\nscheme = "{SECRET}"\n'), id="store-bad-scheme"),
    ],
)
def test_error_reports_never_quote_the_file(world: World, setup: Setup) -> None:
    setup(world)
    lookup = world.find()
    assert lookup.credentials is None
    assert_no_leak(lookup)


def test_bad_index_url_error_hides_the_password() -> None:
    with pytest.raises(UvauthError) as info:
        find_credentials(f"not-a-url:{SECRET}@x", name=None, env={}, keyring_provider=None, home=Path("/nonexistent"))
    assert SECRET not in str(info.value)
    with pytest.raises(UvauthError) as info:
        find_credentials(f"http://u:{SECRET}@/simple", name=None, env={}, keyring_provider=None, home=Path("/x"))
    assert SECRET not in str(info.value)


def test_credentials_repr_hides_password() -> None:
    creds = Credentials("u", P, "netrc", "~/.netrc (machine h)")
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    assert "username='u'" in repr(creds)


# ------------------------------------------------------------------------------------------------------------
# Store location


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"UV_CREDENTIALS_DIR": "/c", "XDG_DATA_HOME": "/x"}, "/c/credentials.toml", id="explicit"),
        pytest.param({"UV_CREDENTIALS_DIR": "rel/c"}, "rel/c/credentials.toml", id="explicit-relative-verbatim"),
        pytest.param({"UV_CREDENTIALS_DIR": "", "XDG_DATA_HOME": "/x"}, "/x/uv/credentials/credentials.toml",
                     id="empty-explicit-ignored"),
        pytest.param({"XDG_DATA_HOME": "rel"}, "/h/.local/share/uv/credentials/credentials.toml", id="relative-xdg"),
        pytest.param({"XDG_STATE_HOME": "/s"}, "/h/.local/share/uv/credentials/credentials.toml",
                     id="state-home-not-used"),
    ],
)
@pytest.mark.skipif(os.name == "nt", reason="Unix layout")
def test_credentials_store_path(env: dict[str, str], expected: str) -> None:
    assert credentials_store_path(env, Path("/h"), os.path.isdir) == Path(expected)


# ------------------------------------------------------------------------------------------------------------
# Against the real uv


@pytest.mark.integration
def test_reads_what_uv_auth_login_wrote(tmp_path: Path, world: World) -> None:
    import uv

    creds_dir = tmp_path / "uv-creds"
    env = {
        "HOME": str(world.home),
        "PATH": os.environ.get("PATH", os.defpath),
        "UV_CREDENTIALS_DIR": str(creds_dir),
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(tmp_path / "cache"),
    }
    uv_bin = uv.find_uv_bin()

    def login(service: str, username: str, password: str) -> None:
        subprocess.run(
            [uv_bin, "auth", "login", service, "--username", username, "--password", password],
            env=env, check=True, capture_output=True, text=True,
        )

    login("http://127.0.0.1:18080/team", "team", f"t-{SECRET}")
    login("http://127.0.0.1:18080/", "root", f"r-{SECRET}")
    login("http://127.0.0.1:18080/other/simple", "other", f'o "{SECRET}"')  # uv strips /simple from the service
    dir_out = subprocess.run([uv_bin, "auth", "dir"], env=env, check=True, capture_output=True, text=True)
    assert Path(dir_out.stdout.strip()) == creds_dir
    assert (creds_dir / "credentials.toml").is_file()

    def find(url: str) -> Lookup:
        return find_credentials(url, name="art", env=env, keyring_provider=None, home=world.home)

    team = find("http://127.0.0.1:18080/team/simple")
    assert team.credentials is not None
    assert (team.credentials.source, team.credentials.username, team.credentials.password) == (
        "uv-auth-store", "team", f"t-{SECRET}",
    )
    other = find("http://127.0.0.1:18080/other/simple/")
    assert other.credentials is not None and other.credentials.password == f'o "{SECRET}"'
    elsewhere = find("http://127.0.0.1:18080/elsewhere/simple")
    assert elsewhere.credentials is not None and elsewhere.credentials.username == "root"
    for lookup in (team, other, elsewhere):
        assert_no_leak(lookup)

    # And the default location, with no UV_CREDENTIALS_DIR: uv's state dir under XDG_DATA_HOME.
    env.pop("UV_CREDENTIALS_DIR")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    login("http://127.0.0.1:18080/team", "x", f"x-{SECRET}")
    assert (tmp_path / "xdg-data/uv/credentials/credentials.toml").is_file()
    xdg = find("http://127.0.0.1:18080/team/simple")
    assert xdg.credentials is not None and xdg.credentials.username == "x"


def test_netrc_user_is_another_spelling_of_login() -> None:
    """uv (like CPython's netrc) takes `user` for `login`: checked with uv 0.13.9 against a loopback server,
    which got `alice:pw1` from `machine 127.0.0.1 user alice password pw1`."""
    from uvauth.uv.credentials.netrc import NetrcEntry, parse_netrc

    assert parse_netrc("machine h user alice password pw1\ndefault login bob password pw2\n") == {
        "h": NetrcEntry("alice", "pw1"), "default": NetrcEntry("bob", "pw2")}
