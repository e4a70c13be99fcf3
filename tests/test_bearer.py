"""A Bearer token for an index (uvauth.bearer): the private credential store uvauth composes and hands uv as
``UV_CREDENTIALS_DIR``, what it refuses, and the argv and environment uvauth execs (the one exec seam,
``uvauth.launch.exec_uv``, replaced, as in tests/test_contract.py). The real uv reads the store in
tests/test_integration_bearer.py."""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest
import tomlkit
from support import Exec, store_plans_later

from uvauth import bearer, cli
from uvauth.errors import UvauthError
from uvauth.providers import tokencache
from uvauth.seeding import Bearer, Secret
from uvauth.uv.credentials import store

U = "http://127.0.0.1:9/artifactory/api/pypi/corp/simple"
TOKEN = "bearer-unit-t0ken-51"
OWN = "own-l0gin-pw"


def own_store() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "uv" / "credentials" / "credentials.toml"


def write_own_store(text: str) -> None:
    own_store().parent.mkdir(parents=True, exist_ok=True)
    own_store().write_text(text)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store_plans_later(monkeypatch)
    work = tmp_path / "project"
    work.mkdir()
    (work / "uv.toml").write_text(f'[[index]]\nname = "corp"\nurl = "{U}"\n')
    (work / "req.in").write_text("tinypkg\n")
    helper = tmp_path / "helper"
    helper.write_text(f"#!{sys.executable}\nimport json, os, sys, time\nsys.stdin.read()\n"
                      f"open({str(tmp_path / 'asked')!r}, 'a').write('x')\n"
                      f"print(json.dumps({{'headers': {{'Authorization': ['Bearer {TOKEN}']}}, "
                      "'expires': time.time() + 3600}))\n")
    helper.chmod(0o755)
    settings = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
    settings.mkdir(parents=True)
    (settings / "uvauth.toml").write_text(f'[[credentials]]\nindex = "corp"\nurl = "{U}"\nhelper = ["{helper}"]\n')
    write_own_store('[[credential]]\nservice = "https://other.example/simple"\nusername = "me"\n'
                    f'password = "{OWN}"\n')
    monkeypatch.chdir(work)
    return work


def asked(project: Path) -> int:
    path = project.parent / "asked"
    return len(path.read_text()) if path.exists() else 0


def stores() -> list[Path]:
    directory = Path(os.environ["XDG_RUNTIME_DIR"]) / "uvauth"
    return sorted(p for p in directory.iterdir() if p.name.startswith("store-")) if directory.is_dir() else []


# -- what uv is handed -------------------------------------------------------------------------------------------


def test_uv_gets_the_store_directory_and_always_never_the_token(exec_uv: Exec, project: Path) -> None:
    assert cli.main(["pip", "compile", "req.in"]) == 0
    assert exec_uv.argv == ["pip", "compile", "req.in"]
    added = exec_uv.added
    assert set(added) == {"UV_CREDENTIALS_DIR", "UV_CONFIG_FILE"}  # no UV_INDEX_CORP_*: they are Basic only
    assert not any(TOKEN in value for value in added.values())
    folder = Path(added["UV_CREDENTIALS_DIR"])
    assert folder.parent == Path(os.environ["XDG_RUNTIME_DIR"]) / "uvauth" and folder.name.startswith("store-")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    file = folder / "credentials.toml"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    entries = tomllib.loads(file.read_text())["credential"]
    assert entries == [
        {"service": "https://other.example/simple", "username": "me", "password": OWN},  # the user's own, copied
        {"service": U, "scheme": "bearer", "token": TOKEN},
    ]
    # The index's policy reaches uv as `always`: the generated configuration says so.
    generated = tomllib.loads(Path(added["UV_CONFIG_FILE"]).read_text())
    assert [index.get("authenticate") for index in generated["index"] if index["name"] == "corp"] == ["always"]
    assert TOKEN not in Path(added["UV_CONFIG_FILE"]).read_text()


def test_a_memoized_plan_hands_the_same_store_while_fresh_and_plans_again_when_not(exec_uv: Exec,
                                                                                   project: Path) -> None:
    assert cli.main(["pip", "compile", "req.in"]) == 0
    first = exec_uv.added
    assert cli.main(["pip", "compile", "req.in"]) == 0
    assert exec_uv.added == first and asked(project) == 1
    (folder,) = stores()
    assert str(folder) == first["UV_CREDENTIALS_DIR"]
    plans = Path(os.environ["XDG_CACHE_HOME"]) / "uvauth" / "plans"
    assert [p for p in plans.iterdir() if not p.name.startswith(".")]  # it was memoized (else this proves nothing)
    for entry in plans.iterdir():
        assert TOKEN.encode() not in entry.read_bytes()  # the plan keeps the store's path, never the token
    from uvauth import fastpath

    recalled = fastpath.recalled(["pip", "compile", "req.in"], dict(os.environ))
    assert recalled is not None and recalled.env["UV_CREDENTIALS_DIR"] == str(folder)  # the memo, not a new plan
    # The store removed: the memoized plan is not reused; planning writes it again (the token is still cached).
    tokencache.remove_store(str(folder))
    assert fastpath.recalled(["pip", "compile", "req.in"], dict(os.environ)) is None
    assert cli.main(["pip", "compile", "req.in"]) == 0
    assert (folder / "credentials.toml").is_file() and asked(project) == 1
    # Its record past freshness: planned again, and written fresh.
    record = tokencache.store_record(str(folder))
    assert record is not None
    record["fresh_until"] = time.time() - 1
    (folder / "uvauth.marshal").write_bytes(marshal.dumps(record))
    assert fastpath.recalled(["pip", "compile", "req.in"], dict(os.environ)) is None
    assert cli.main(["pip", "compile", "req.in"]) == 0
    assert tokencache.store_fresh(str(folder), time.time()) and asked(project) == 1


def test_a_users_own_credentials_dir_is_copied_and_replaced(exec_uv: Exec, project: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    mine = project.parent / "mine"
    mine.mkdir()
    (mine / "credentials.toml").write_text('[[credential]]\nservice = "https://ci.example/"\nusername = "ci"\n'
                                           'password = "ci-pw"\n')
    monkeypatch.setenv("UV_CREDENTIALS_DIR", str(mine))
    assert cli.main(["pip", "compile", "req.in"]) == 0
    folder = Path(exec_uv.added["UV_CREDENTIALS_DIR"])
    assert folder != mine
    services = [e["service"] for e in tomllib.loads((folder / "credentials.toml").read_text())["credential"]]
    assert services == ["https://ci.example/", U]  # theirs, not the default store's
    assert (mine / "credentials.toml").read_text().count("[[credential]]") == 1  # theirs untouched


def test_a_prefix_entry_gives_the_prefix_and_the_index_under_it_the_token(exec_uv: Exec, project: Path) -> None:
    settings = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth" / "uvauth.toml"
    prefix = "http://127.0.0.1:9/artifactory/"
    settings.write_text(settings.read_text().replace(f'index = "corp"\nurl = "{U}"', f'prefix = "{prefix}"'))
    assert cli.main(["pip", "compile", "req.in"]) == 0
    entries = tomllib.loads((Path(exec_uv.added["UV_CREDENTIALS_DIR"]) / "credentials.toml").read_text())
    assert [(e["service"], e.get("token")) for e in entries["credential"]] == [
        ("https://other.example/simple", None), (U, TOKEN), (prefix, TOKEN)]
    generated = tomllib.loads(Path(exec_uv.added["UV_CONFIG_FILE"]).read_text())
    assert {index["url"]: index.get("authenticate") for index in generated["index"]} == {U: "always",
                                                                                         prefix: "always"}


# -- refused, before any request: one line, exit 2, never a fall back to Basic -----------------------------------


def _refused(exec_uv: Exec, capsys: pytest.CaptureFixture[str], says: str, argv: Sequence[str] = ()) -> None:
    assert cli.main(list(argv) or ["pip", "compile", "req.in"]) == 2
    assert exec_uv.calls == []
    err = capsys.readouterr().err
    assert err.count("uvauth: error:") == 1 and says in err, err
    assert TOKEN not in err


def test_netrc_for_the_host_is_refused(exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = project.parent / "netrc"
    netrc.write_text("default login n password p\n")
    monkeypatch.setenv("NETRC", str(netrc))
    _refused(exec_uv, capsys, "credentials entry corp answered a Bearer token, but NETRC=")
    _refused(exec_uv, capsys, "uv sends those credentials instead (it asks netrc before its credential store)")


def test_a_refusal_names_a_prefix_entry_whole(exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A prefix entry is named by its prefix, a URL with a colon: the message names it whole."""
    settings = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth" / "uvauth.toml"
    settings.write_text(settings.read_text().replace(f'index = "corp"\nurl = "{U}"',
                                                     'prefix = "http://127.0.0.1:9/artifactory/"'))
    netrc = project.parent / "netrc"
    netrc.write_text("default login n password p\n")
    monkeypatch.setenv("NETRC", str(netrc))
    _refused(exec_uv, capsys, "credentials entry http://127.0.0.1:9/artifactory/ answered a Bearer token, but")


def test_uv_index_variables_are_refused(exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_INDEX_CORP_USERNAME", "me")
    _refused(exec_uv, capsys, "UV_INDEX_CORP_USERNAME is set")


def test_userinfo_in_the_index_url_is_refused(exec_uv: Exec, project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (project / "uv.toml").write_text(f'[[index]]\nname = "corp"\nurl = "{U.replace("://", "://me@")}"\n')
    _refused(exec_uv, capsys, "the index URL has a username or password")


@pytest.mark.parametrize(("own", "says"), [
    pytest.param(f'[[credential]]\nservice = "{U}"\nusername = "a"\npassword = "x"\n', "would tie",
                 id="an-entry-of-the-same-service"),
    pytest.param('[[credential]]\nservice = "http://127.0.0.1:9/"\nusername = "a"\npassword = "x"\n'
                 '[[credential]]\nservice = "http://127.0.0.1:9/"\nusername = "b"\npassword = "y"\n', "would tie",
                 id="a-tie-below-the-index-which-uv-may-meet-first"),
    pytest.param(f'[[credential]]\nservice = "{U}/tinypkg"\nusername = "a"\npassword = "x"\n', "more specific",
                 id="a-more-specific-entry"),
    pytest.param(f'[[credential]]\nservice = "{U}/"\nusername = "a"\npassword = "x"\n', "more specific",
                 id="the-index-with-a-trailing-slash"),
])
def test_an_ambiguous_store_is_refused(exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str], own: str,
                                       says: str) -> None:
    write_own_store(own)
    _refused(exec_uv, capsys, says)


def test_a_policy_the_user_set_otherwise_is_refused(exec_uv: Exec, project: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (project / "uv.toml").write_text(f'[[index]]\nname = "corp"\nurl = "{U}"\nauthenticate = "auto"\n')
    _refused(exec_uv, capsys, "only under authenticate = always (it is auto, configured)")


@pytest.mark.parametrize(("line", "says"), [
    (f"--extra-index-url {U}", "stays an unnamed copy"),
    (f"--find-links {U}/links/", "overlaps its root with policy auto"),
    ("--extra-index-url http://127.0.0.1:9/simple", "overlaps its root with policy auto"),  # a root over it
])
def test_an_unnamed_copy_uv_may_match_is_refused(exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str],
                                                 line: str, says: str) -> None:
    (project / "req.in").write_text(f"{line}\ntinypkg\n")
    _refused(exec_uv, capsys, says)


def test_a_shorter_entry_of_the_users_and_a_bearer_entry_elsewhere_are_kept(exec_uv: Exec, project: Path) -> None:
    write_own_store('[[credential]]\nservice = "http://127.0.0.1:9/artifactory"\nusername = "a"\npassword = "x"\n'
                    f'[[credential]]\nservice = "{U}"\nscheme = "bearer"\ntoken = "old-token"\n')
    assert cli.main(["pip", "compile", "req.in"]) == 0
    entries = tomllib.loads((Path(exec_uv.added["UV_CREDENTIALS_DIR"]) / "credentials.toml").read_text())
    # The user's Bearer entry for this very service is replaced, as uv's map would replace it; the shorter kept.
    assert entries["credential"] == [
        {"service": "http://127.0.0.1:9/artifactory", "username": "a", "password": "x"},
        {"service": U, "scheme": "bearer", "token": TOKEN},
    ]


# -- the store itself --------------------------------------------------------------------------------------------


def token(service: str = U, value: str = TOKEN, cache_file: str | None = None, name: str = "corp") -> Bearer:
    return Bearer(name=name, service=service, token=Secret(value, cache_file), entry="credentials entry corp")


def test_compose_escapes_what_toml_needs_and_round_trips() -> None:
    odd = 'p"a\\s\x01s\x7f\u00e9\U0001f600'
    own = store.parse_store(tomlkit.dumps({"credential": [{"service": "https://o.example/", "username": "u",
                                                           "password": odd}]}))
    text = bearer.compose(own, [token()])
    parsed = tomllib.loads(text)["credential"]
    assert parsed[0]["password"] == odd and parsed[1]["token"] == TOKEN
    assert [entry.bearer for entry in store.parse_store(text)] == [False, True]


def test_two_tokens_for_one_url_are_refused_and_the_same_one_is_written_once() -> None:
    assert bearer.compose([], [token(name="a"), token(name="b")]).count("[[credential]]") == 1
    with pytest.raises(UvauthError, match="different Bearer tokens for one URL"):
        bearer.compose([], [token(name="a"), token(name="b", value="other")])


def test_a_prefix_and_an_index_under_it_may_both_be_bearer() -> None:
    text = bearer.compose([], [token(service="http://127.0.0.1:9/artifactory"), token(name="i")])
    assert text.count('scheme = "bearer"') == 2


def test_stale_stores_are_swept_and_forget_removes_an_entrys(tmp_path: Path) -> None:
    now = time.time()

    def make(name: str, fresh_until: float, entries: list[str]) -> Path:
        folder = tmp_path / f"store-{name}"
        folder.mkdir(mode=0o700)
        (folder / "credentials.toml").write_text("")
        (folder / "credentials.toml.lock").write_text("")  # what uv adds
        (folder / "uvauth.marshal").write_bytes(marshal.dumps({"fresh_until": fresh_until, "entries": entries}))
        return folder

    stale = make("stale", now - bearer.STALE_GRACE - 1, ["corp"])
    recent = make("recent", now - 1, ["corp"])  # just stale: a uv started with it may not have read it yet
    fresh = make("fresh", now + 3600, ["other"])
    assert bearer.sweep(tmp_path, now) == 1
    assert not stale.exists() and recent.exists() and fresh.exists()
    tokencache.forget(tmp_path, "corp")
    assert not recent.exists() and fresh.exists()
    tokencache.forget(tmp_path, None)
    assert not fresh.exists()


def test_forgetting_one_entrys_tokens_here_removes_the_stores_holding_them_only(tmp_path: Path) -> None:
    """`credentials forget NAME` removes this project's tokens by digest: a store holding one of them goes, a
    store of another project's entry of the same name stays; an older store record (no digests) goes by name."""
    def make(name: str, record: dict[str, object]) -> Path:
        folder = tmp_path / f"store-{name}"
        folder.mkdir(mode=0o700)
        (folder / "credentials.toml").write_text("")
        (folder / "uvauth.marshal").write_bytes(marshal.dumps({"fresh_until": time.time() + 3600, **record}))
        return folder

    mine = make("mine", {"entries": ["corp"], "tokens": ["aaa", "bbb"]})
    theirs = make("theirs", {"entries": ["corp"], "tokens": ["ccc"]})
    older = make("older", {"entries": ["corp"]})
    unrelated = make("unrelated", {"entries": ["other"]})
    tokencache.forget(tmp_path, "corp", {"bbb"})
    assert not mine.exists() and theirs.exists() and not older.exists() and unrelated.exists()


def test_hand_over_names_the_store_by_its_content_and_records_freshness(tmp_path: Path) -> None:
    env = dict(os.environ)
    directory = tokencache.token_dir(env)
    digest = tokencache.key({"name": "corp"}, ["helper", U])
    tokencache.write(directory, digest, {"entry": "corp", "username": "", "password": TOKEN, "minted": time.time(),
                                         "expires": time.time() + 3600, "fresh_until": time.time() + 3000,
                                         "scheme": "bearer"})
    cached = str(tokencache.path(directory, digest))
    first = bearer.hand_over([token(cache_file=cached)], env, cwd=str(tmp_path))
    assert bearer.hand_over([token(cache_file=cached)], env, cwd=str(tmp_path)) == first
    record = tokencache.store_record(first)
    assert record is not None and record["entries"] == ["corp"] and record["fresh_until"] > time.time() + 2000
    other = bearer.hand_over([token(value="another")], env, cwd=str(tmp_path))
    assert other != first
    # A token that is not cached serves one command: its store is stale at once (and swept after the grace).
    assert not tokencache.store_fresh(other, time.time() + 1)


def test_doctor_probes_with_the_bearer_token(wheelhouse: Path) -> None:
    from support.indexserver import IndexServer

    from uvauth.doctor.probe import fetch
    from uvauth.uv.credentials.search import Credentials

    with IndexServer(wheelhouse, "plain", bearer=TOKEN) as server:
        as_bearer = Credentials(username="", password=TOKEN, source="provider", detail="d", scheme="bearer")
        assert fetch(server.index_url, as_bearer).status == 200
        as_basic = as_bearer._replace(scheme="basic")
        assert fetch(server.index_url, as_basic).status == 401
        assert [r.auth for r in server.requests] == ["good", "bad"]
