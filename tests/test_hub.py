"""Unit tests of issue 18's entry kinds: ``keyring``, ``helper`` (Bazel protocol), ``git-credential``, chained
``sources``, and the refresh margin. The real tools run in ``test_integration_hub.py``; here the rules, the
parsers (hypothesis: any output is an answer, "nothing", or one uvauth error), and the failure lines."""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE

from uvauth.errors import UvauthError
from uvauth.providers import ask, presets, trust
from uvauth.providers.entries import Entry, env_entries, normalize
from uvauth.providers.lookup import Providers

SECRET = "s3cr3t-hub-token"


def entry(**raw: object) -> Entry:
    return Entry.from_data(normalize(raw, source="test", file=None))


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return str(path)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# -- what an entry may say ---------------------------------------------------------------------------------------


def test_each_new_way_is_one_way_and_sources_chain_them() -> None:
    assert entry(index="a", keyring=True).way() == "keyring"
    assert entry(index="a", helper=["h", "--x"]).helper == ("h", "--x")
    assert entry(index="a", helper="h").helper == ("h",)
    assert entry(index="a", **{"git-credential": True}).git_credential == ""
    assert entry(index="a", **{"git-credential": "store --file f"}).git_credential == "store --file f"
    chained = entry(index="a", username="u", ttl="1h", sources=[{"keyring": True}, {"password-env": "T", "ttl": 60}])
    assert [(source.way(), source.username, source.ttl) for source in chained.chain()] == [
        ("keyring", "u", 3600), ("password-env", "u", 60)]
    assert entry(index="a", keyring=True).chain() == (entry(index="a", keyring=True),)


@pytest.mark.parametrize(("raw", "says"), [
    ({"keyring": True, "password-env": "T"}, "give exactly one of"),
    ({"keyring": False}, "give exactly one of"),
    ({"keyring": "yes"}, "`keyring` is true"),
    ({"helper": []}, "`helper` is a credential helper's argv"),
    ({"helper": ["h", ""]}, "`helper` is a credential helper's argv"),
    ({"git-credential": "  "}, "`git-credential` is true"),
    ({"provider": "gcloud", "keyring": True}, "`keyring` cannot replace it"),
    ({"sources": []}, "`sources` is a non-empty list"),
    ({"sources": "keyring"}, "`sources` is a non-empty list"),
    ({"sources": [{"keyring": True}], "password-env": "T"}, "move its own way into the list"),
    ({"sources": [{"keyring": True}, "x"]}, "sources[2]: not a table"),
    ({"sources": [{"keyring": True, "index": "b"}]}, "sources[1]: unknown key `index`"),
    ({"sources": [{"ttl": 5}]}, "sources[1]: give exactly one of"),
    ({"sources": [{"helper": ["h"], "ttl": "soon"}]}, "sources[1]: ttl 'soon' is not a duration"),
    ({"keyring": True, "refresh-margin": "forever"}, "refresh-margin 'forever' is not a duration"),
    ({"sources": [{"password-env": "A\0B"}]}, "holds a NUL byte"),
])
def test_an_entry_that_cannot_be_right_is_refused(raw: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=None) as raised:
        normalize({"index": "a", **raw}, source="test", file=None)
    assert says in str(raised.value)


def test_environment_form_of_the_new_ways() -> None:
    found = env_entries({"UVAUTH_CREDENTIALS_CORP_KEYRING": "1", "UVAUTH_CREDENTIALS_BZ_HELPER": "uv auth helper "
                         "--protocol bazel", "UVAUTH_CREDENTIALS_GIT_GIT_CREDENTIAL": "true",
                         "UVAUTH_CREDENTIALS_ONE_GIT_CREDENTIAL": "store",
                         "UVAUTH_CREDENTIALS_ONE_REFRESH_MARGIN": "30m"})
    by_name = {raw["name"]: raw for raw in found}
    assert by_name["CORP"]["keyring"] is True
    assert by_name["BZ"]["helper"] == ["uv", "auth", "helper", "--protocol", "bazel"]
    assert by_name["GIT"]["git-credential"] is True and by_name["ONE"]["git-credential"] == "store"
    assert entry(**by_name["ONE"]).refresh_margin == 1800


def test_identities_of_entries_written_before_the_new_keys_are_unchanged() -> None:
    # Approvals and cached tokens are keyed by a digest of the identity: the new keys must not appear unset.
    identity = entry(index="a", **{"password-command": ["c"]}).identity()
    assert not {"keyring", "helper", "git_credential", "sources", "refresh_margin", "url"} & set(identity)


def test_every_new_way_in_a_project_file_needs_approval() -> None:
    for raw in ({"keyring": True}, {"helper": ["h"]}, {"git-credential": True}, {"sources": [{"keyring": True}]}):
        project = Entry.from_data(normalize({"index": "a", **raw}, source="p", file="/p/uvauth.toml"))
        assert trust.needs_trust(project), raw
    preset = Entry.from_data(normalize({"index": "a", "provider": "gcloud"}, source="p", file="/p/uvauth.toml"))
    assert not trust.needs_trust(preset)


# -- the Bazel protocol ------------------------------------------------------------------------------------------


def test_helper_answers() -> None:
    answer = ask.parse_helper_answer(json.dumps({"headers": {"Authorization": [basic("u", SECRET)]},
                                                 "expires": "2030-01-01T00:00:00Z"}), entry="e", shown="h")
    assert answer is not None and (answer.username, answer.password, answer.expires) == ("u", SECRET, 1893456000.0)
    lower = ask.parse_helper_answer(json.dumps({"headers": {"authorization": [basic("", SECRET)]}}), entry="e",
                                    shown="h")
    assert lower is not None and lower.username == "" and lower.password == SECRET
    assert ask.parse_helper_answer('{"headers": {}}', entry="e", shown="h") is None  # nothing for this URL
    assert ask.parse_helper_answer("{}", entry="e", shown="h") is None


def test_a_bearer_answer_is_a_bearer_token_never_shown() -> None:
    answer = ask.parse_helper_answer(json.dumps({"headers": {"authorization": [f"bearer  {SECRET} "]},
                                                 "expires": "2030-01-01T00:00:00Z"}), entry="e", shown="h")
    assert answer is not None
    assert (answer.scheme, answer.password, answer.username, answer.expires) == ("bearer", SECRET, None, 1893456000.0)
    assert SECRET not in repr(answer) and "bearer" in repr(answer)
    basic_answer = ask.parse_helper_answer(json.dumps({"headers": {"Authorization": [basic("u", SECRET)]}}),
                                           entry="e", shown="h")
    assert basic_answer is not None and basic_answer.scheme == "basic"


def test_a_cached_bearer_token_replays_as_bearer_and_old_records_as_basic(tmp_path: Path) -> None:
    from uvauth.providers import tokencache

    helper = script(tmp_path, "helper", "import json, sys\nsys.stdin.read()\n"
                    f"open({str(tmp_path / 'asked')!r}, 'a').write('x')\n"
                    f"print(json.dumps({{'headers': {{'Authorization': ['Bearer {SECRET}']}}, "
                    "'expires': '2999-01-01T00:00:00Z'}))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_RUNTIME_DIR": ""}
    raw = [normalize({"index": "corp", "helper": [helper], "name": "corp", "url": "https://corp.example/simple"},
                     source="test", file=None)]
    url = "https://corp.example/simple"
    first = Providers(raw, env).find(url, "corp")
    assert first is not None and first.credentials is not None
    assert (first.credentials.scheme, first.credentials.password, first.credentials.username) == ("bearer", SECRET, "")
    assert SECRET not in repr(first) and "Bearer token" in first.credentials.detail
    again = Providers(raw, env).find(url, "corp")  # a new process: from the cache, without asking the helper
    assert again is not None and again.credentials is not None
    assert again.credentials.scheme == "bearer" and "cached token" in again.credentials.detail
    assert (tmp_path / "asked").read_text() == "x"
    # A record written before Bearer tokens (no scheme) still reads, as Basic.
    directory = tokencache.token_dir(env)
    ((file, record),) = list(tokencache.records(directory))
    del record["scheme"]
    tokencache.write(directory, tokencache.digest_of(file), record)
    old = Providers(raw, env).find(url, "corp")
    assert old is not None and old.credentials is not None and old.credentials.scheme == "basic"
    assert (tmp_path / "asked").read_text() == "x"


@pytest.mark.parametrize(("stdout", "says"), [
    ("", "did not answer with a JSON object"),
    ("[]", "did not answer with a JSON object"),
    ('{"headers": []}', "did not answer with a JSON object"),
    (json.dumps({"headers": {"Authorization": ["Bearer "]}}), "whose token is empty"),
    (json.dumps({"headers": {"Authorization": [f"Bearer {SECRET} more"]}}), "holds spaces or control characters"),
    (json.dumps({"headers": {"Authorization": [f"Bearer {SECRET}\u007f"]}}), "holds spaces or control characters"),
    (json.dumps({"headers": {"X-JFrog-Art-Api": [SECRET]}}), "headers uv cannot send (x-jfrog-art-api)"),
    (json.dumps({"headers": {"Authorization": [f"Negotiate {SECRET}"]}}), "scheme 'Negotiate'"),
    (json.dumps({"headers": {"Authorization": ["Basic !!!"]}}), "not base64 of username:password"),
    (json.dumps({"headers": {"Authorization": [basic("u", "")]}}), "not base64 of username:password"),
    (json.dumps({"headers": {"Authorization": [basic("u", SECRET)]}, "expires": "soon"}), "\"expires\""),
])
def test_a_helper_answer_uv_cannot_use_is_one_line_without_the_secret(stdout: str, says: str) -> None:
    with pytest.raises(UvauthError) as raised:
        ask.parse_helper_answer(stdout, entry="e", shown="h")
    assert says in raised.value.message and SECRET not in str(raised.value.message) + str(raised.value.hint)


@settings(max_examples=200, deadline=None, derandomize=DERANDOMIZE)
@given(st.one_of(st.text(max_size=200), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["headers", "expires", "Authorization", "x"]) | st.text(max_size=5), children, max_size=3),
    max_leaves=12).map(json.dumps)))
def test_any_helper_output_is_an_answer_nothing_or_one_error(stdout: str) -> None:
    try:
        answer = ask.parse_helper_answer(stdout, entry="e", shown="h")
    except UvauthError as error:
        assert "\n" not in error.message
        return
    assert answer is None or (answer.password and "\0" not in answer.password)


# -- git credential fill -----------------------------------------------------------------------------------------


def test_git_answers() -> None:
    answer = ask.parse_git_answer(f"protocol=https\nhost=h\nusername=u\npassword={SECRET}\n"
                                  "password_expiry_utc=1893456000\n", None)
    assert answer is not None and (answer.username, answer.password, answer.expires) == ("u", SECRET, 1893456000.0)
    assert ask.parse_git_answer("protocol=https\nhost=h\n", "u") is None
    kept = ask.parse_git_answer(f"password={SECRET}\npassword_expiry_utc=garbage\n", "me")
    assert kept is not None and kept.username == "me" and kept.expires is None


@settings(max_examples=200, deadline=None, derandomize=DERANDOMIZE)
@given(st.lists(st.sampled_from(["username=", "password=", "password_expiry_utc=", "=", "x"]).flatmap(
    lambda key: st.text(max_size=20).map(lambda value: key + value)), max_size=6).map("\n".join))
def test_any_git_output_is_an_answer_or_nothing(stdout: str) -> None:
    answer = ask.parse_git_answer(stdout, None)
    assert answer is None or (answer.password and "\0" not in answer.password)


def test_git_is_asked_for_the_index_url_and_never_prompts(tmp_path: Path) -> None:
    # A fake git records what it is asked and with which environment, as `git credential fill` would be.
    fake = script(tmp_path, "git", f'''import json, os, sys
record = {{"argv": sys.argv[1:], "stdin": sys.stdin.read(),
          "env": {{k: os.environ.get(k) for k in ("GIT_TERMINAL_PROMPT", "GIT_ASKPASS", "GCM_INTERACTIVE")}}}}
open({str(tmp_path / "asked")!r}, "w").write(json.dumps(record))
print("username=u\\npassword={SECRET}\\npassword_expiry_utc=1893456000")
''')
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    answer = ask.ask_git("store --file x", "https://user:pw@h.example:8443/a%20b/simple/", "u", entry="e",
                         timeout=10, env=env)
    assert answer is not None and answer.password == SECRET and answer.expires == 1893456000.0
    record = json.loads((tmp_path / "asked").read_text())
    assert record["argv"] == ["-c", "credential.interactive=false", "-c", "credential.helper=", "-c",
                              "credential.helper=store --file x", "credential", "fill"]
    assert record["stdin"] == "protocol=https\nhost=h.example:8443\npath=a b/simple/\nusername=u\n\n"
    assert record["env"] == {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "GCM_INTERACTIVE": "never"}
    assert fake


def test_real_git_without_a_credential_has_nothing_and_does_not_prompt(tmp_path: Path) -> None:
    empty = tmp_path / "none"
    empty.write_text("")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    assert ask.ask_git(f"store --file {empty}", "https://h.example/simple/", None, entry="e", timeout=20,
                       env=env) is None


# -- the keyring library -----------------------------------------------------------------------------------------


def test_keyring_not_installed_or_failing_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(UvauthError, match="the keyring library is not installed beside uvauth") as raised:
        ask.ask_keyring("https://h/simple/", None, entry="e", timeout=5)
    assert "--with keyring" in str(raised.value.hint)
    monkeypatch.undo()

    class Broken(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            raise OSError(f"dbus said no for {SECRET}:https://u:{SECRET}@h/")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    class Slow(Broken):
        def get_password(self, service: str, username: str) -> str | None:
            time.sleep(5)
            return None

    previous = keyring.get_keyring()
    try:
        keyring.set_keyring(Broken())
        with pytest.raises(UvauthError, match="the keyring backend Broken failed: OSError") as raised:
            ask.ask_keyring("https://h/simple/", "u", entry="e", timeout=5)
        assert f"u:{SECRET}@" not in raised.value.message  # URLs in a backend's message are redacted
        keyring.set_keyring(Slow())
        with pytest.raises(UvauthError, match="the keyring did not answer within 0.2 s"):
            ask.ask_keyring("https://h/simple/", "u", entry="e", timeout=0.2)
    finally:
        keyring.set_keyring(previous)


# -- chains, caching and the refresh margin ----------------------------------------------------------------------


def test_a_chain_moves_on_from_nothing_and_reuses_the_source_that_answered(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    nothing = script(tmp_path, "nothing", f"open({str(calls)!r}, 'a').write('n')\n")  # succeeds, prints nothing
    mint = script(tmp_path, "mint", f"open({str(calls)!r}, 'a').write('m')\nprint('{SECRET}')\n")
    data = normalize({"index": "a", "url": "https://h/", "ttl": "1h", "sources": [
        {"password-command": [nothing]}, {"password-env": "UNSET_HUB_VAR"}, {"password-file": str(tmp_path / "no")},
        {"password-command": [mint]}]}, source="test", file=None)
    env = {k: v for k, v in os.environ.items() if k != "UNSET_HUB_VAR"}
    found = Providers([data], env).find("https://h/simple", "a")
    assert found is not None and found.credentials is not None and found.credentials.password == SECRET
    assert [tried.detail for tried in found.tried[:3]] == [
        "password-command: nothing for this URL", "password-env: nothing for this URL",
        "password-file: nothing for this URL"]
    assert calls.read_text() == "nm"
    again = Providers([data], env).find("https://h/simple", "a")  # the next uvauth process
    assert again is not None and again.credentials is not None
    assert "source 4: cached token" in again.credentials.detail
    assert calls.read_text() == "nm"  # the command ahead of it is not asked again while the token is fresh
    # A variable ahead of the cached source is still read first: it costs nothing.
    first = Providers([data], {**env, "UNSET_HUB_VAR": "from-env"}).find("https://h/simple", "a")
    assert first is not None and first.credentials is not None and first.credentials.password == "from-env"


def test_a_chain_where_every_source_has_nothing_leaves_uv_its_own_sources(tmp_path: Path) -> None:
    data = normalize({"index": "a", "url": "https://h/", "sources": [{"password-env": "UNSET_HUB_VAR"}]},
                     source="test", file=None)
    assert Providers([data], {}).find("https://h/simple", "a") is None
    single = normalize({"index": "a", "url": "https://h/", "password-env": "UNSET_HUB_VAR"}, source="test", file=None)
    with pytest.raises(UvauthError, match="variable UNSET_HUB_VAR is not set"):  # alone, it is the user's error
        Providers([single], {}).find("https://h/simple", "a")


def test_the_refresh_margin_decides_reuse_and_explain_says_when_uv_may_outlive_the_token(tmp_path: Path) -> None:
    mint = script(tmp_path, "mint", "import time, json\n"
                  f"print(json.dumps({{'password': '{SECRET}', 'expires': time.time() + 3600}}))\n")
    data = normalize({"index": "a", "url": "https://h/", "password-command": [mint]}, source="test", file=None)
    env = dict(os.environ)
    minted = Providers([data], env).find("https://h/simple", "a")
    assert minted is not None and minted.credentials is not None and "minted by" in minted.credentials.detail
    assert "refresh margin" not in minted.credentials.detail  # an hour left, over the default ten minutes
    # An hour, under a two-hour margin: reused for half its life only, and explain says uv may outlive it.
    env_margin = {**env, "UVAUTH_REFRESH_MARGIN": "2h"}
    shown = Providers([data], env_margin, mint=False).find("https://h/simple", "a")
    assert shown is not None and shown.credentials is not None
    assert "no fresh cached token" in shown.credentials.detail  # cached under the old margin: stale under this one
    assert "runs `" in shown.credentials.detail
    remint = Providers([data], env_margin).find("https://h/simple", "a")
    assert remint is not None and remint.credentials is not None
    assert "less than the 2h00m refresh margin: uv cannot refresh it during a longer command" in \
        remint.credentials.detail
    with pytest.raises(UvauthError, match="UVAUTH_REFRESH_MARGIN"):
        Providers([data], {**env, "UVAUTH_REFRESH_MARGIN": "a while"}).find("https://h/simple", "a")


def test_an_asked_answer_without_an_end_is_reused_five_minutes_and_is_not_called_short_lived() -> None:
    recipe = presets.recipe(entry(index="a", keyring=True), "https://h/simple", {})
    assert recipe is not None and recipe.ttl == presets.ASKED_TTL and recipe.asks()
    own = presets.recipe(entry(index="a", keyring=True, ttl="1h"), "https://h/simple", {})
    assert own is not None and own.ttl == 3600
