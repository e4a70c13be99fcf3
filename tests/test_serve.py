"""Unit tests of issue 19: :func:`uvauth.providers.serve.credentials_for` (which index a request's URL is asked
for, what nothing covers, the recursion guard, trust and failures as a ``problem``), ``entry_credentials`` (the
``credentials token`` command's), and the Bazel and git protocols' parsing and answers (hypothesis: garbage is an
answer, nothing, or one uvauth error — never a traceback). The real clients run in test_integration_serve.py."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE

from uvauth.commands import helper
from uvauth.errors import UvauthError
from uvauth.providers import guard, serve
from uvauth.uv.credentials.search import Credentials

SECRET = "s3rve-secret-token"
HOST = "https://pkgs.example.com"

# A password command: prints a token made of its argument and a counter, logs its call and UVAUTH_SERVING.
MINT = r'''import json, os, sys
state = sys.argv[1]
with open(os.path.join(state, "calls"), "a") as log:
    log.write(json.dumps(os.environ.get("UVAUTH_SERVING")) + "\n")
print(sys.argv[2])
'''


class Here:
    """A project directory with a uv.toml, the user's uvauth.toml, and the environment of a uv command there."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "project"
        self.project.mkdir()
        self.state = root / "state"
        self.state.mkdir()
        self.mint = root / "mint.py"
        self.mint.write_text(MINT)
        self.env = dict(os.environ)

    def indexes(self, *pairs: tuple[str, str]) -> None:
        (self.project / "uv.toml").write_text("".join(f'[[index]]\nname = "{name}"\nurl = "{url}"\n\n'
                                                      for name, url in pairs))

    def command(self, token: str) -> str:
        return json.dumps([sys.executable, str(self.mint), str(self.state), token])

    def user_settings(self, text: str) -> None:
        folder = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "uvauth.toml").write_text(text)

    def calls(self) -> list[str | None]:
        path = self.state / "calls"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def ask(self, url: str, **env: str) -> serve.Answer:
        return serve.credentials_for(url, {**self.env, **env}, self.project)

    def password(self, url: str, **env: str) -> str | None:
        answer = self.ask(url, **env)
        assert answer.problem is None, answer.problem
        return answer.credentials.password if answer.credentials is not None else None


@pytest.fixture
def here(tmp_path: Path) -> Here:
    return Here(tmp_path)


# -- which index a URL is asked for ----------------------------------------------------------------------------


def test_the_longest_index_root_under_which_the_url_lies_wins(here: Here) -> None:
    here.indexes(("outer", f"{HOST}/a/simple"), ("inner", f"{HOST}/a/b/simple/"))
    env = {"UV_INDEX_OUTER_PASSWORD": "p-outer", "UV_INDEX_INNER_PASSWORD": "p-inner"}
    assert here.password(f"{HOST}/a/b/simple/tinypkg/", **env) == "p-inner"
    assert here.password(f"{HOST}/a/simple/tinypkg/", **env) == "p-outer"
    # A file under the index's root (its URL without `simple`), outside the index URL itself: uv's index_for.
    assert here.password(f"{HOST}/a/b/packages/ab/tinypkg-1.0-py3-none-any.whl", **env) == "p-inner"
    assert here.password(f"{HOST}/a/packages/tinypkg-1.0-py3-none-any.whl", **env) == "p-outer"


def test_a_url_under_no_index_root_of_its_realm_is_the_realms_first_index(here: Here) -> None:
    here.indexes(("first", f"{HOST}/a/simple"), ("second", f"{HOST}/b/simple"))
    env = {"UV_INDEX_FIRST_PASSWORD": "p-first", "UV_INDEX_SECOND_PASSWORD": "p-second"}
    assert here.password(f"{HOST}/", **env) == "p-first"  # git without credential.useHttpPath asks for the host
    assert here.password(f"{HOST}/elsewhere/x", **env) == "p-first"
    assert here.password("https://pkgs.example.com:8443/a/simple/", **env) is None  # another port: another realm


def test_an_entry_prefix_covers_what_no_index_does(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings('[[credentials]]\nprefix = ["https://files.example.com/team/", '
                       '"https://files.example.com/team/deep/"]\npassword-env = "TEAM_TOKEN"\n\n'
                       '[[credentials]]\nname = "deeper"\nprefix = "https://files.example.com/team/deep/er/"\n'
                       'password-env = "DEEP_TOKEN"\n')
    env = {"TEAM_TOKEN": "p-team", "DEEP_TOKEN": "p-deep"}
    assert here.password("https://files.example.com/team/pkg/f.whl", **env) == "p-team"
    assert here.password("https://files.example.com/team/deep/er/f.whl", **env) == "p-deep"
    assert here.password("https://files.example.com/other/f.whl", **env) is None


def test_a_url_nothing_covers_has_no_answer_and_no_problem(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\npassword-env = "CORP_TOKEN"\n')
    assert here.ask("https://elsewhere.example.com/simple/x/", CORP_TOKEN=SECRET) == serve.Answer(None, None)
    assert here.password(f"{HOST}/simple/x/", CORP_TOKEN=SECRET) == SECRET


def test_covered_only_answers_only_the_urls_an_entry_covers(here: Here) -> None:
    """The keyring backend's question: netrc's credentials for a host no entry covers are not handed out (a
    helper asks for them as a uv command would; every program of the user may ask the keyring); an entry's URL
    is answered, by its token, and by uv's own sources where its chain has nothing."""
    here.indexes(("corp", f"{HOST}/simple"), ("other", "https://other.example.com/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\n'
                       'sources = [{ password-env = "CORP_TOKEN" }]\n')
    netrc = here.root / "netrc"
    netrc.write_text("machine other.example.com login me password p-netrc\n"
                     "machine pkgs.example.com login me password p-netrc-corp\n")
    netrc.chmod(0o600)
    env = {**here.env, "NETRC": str(netrc), "CORP_TOKEN": SECRET}
    other = "https://other.example.com/simple/x/"
    assert serve.credentials_for(other, env, here.project).credentials is not None
    assert serve.credentials_for(other, env, here.project, covered_only=True) == serve.Answer(None, None)
    found = serve.credentials_for(f"{HOST}/simple/x/", env, here.project, covered_only=True).credentials
    assert found is not None and found.password == SECRET
    del env["CORP_TOKEN"]  # the chain has nothing: uv's own sources, as in a uv command
    found = serve.credentials_for(f"{HOST}/simple/x/", env, here.project, covered_only=True).credentials
    assert found is not None and found.password == "p-netrc-corp"


@pytest.mark.parametrize("url", ["ftp://pkgs.example.com/simple/", "file:///tmp/simple/", "not a url", "",
                                 "https://", "git+https://pkgs.example.com/simple/", "grpcs://pkgs.example.com/x"])
def test_a_url_that_is_not_http_has_no_answer(here: Here, url: str) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings('[[credentials]]\nprefix = "https://pkgs.example.com/"\npassword-env = "CORP_TOKEN"\n')
    assert here.ask(url, CORP_TOKEN=SECRET, UV_INDEX_CORP_PASSWORD=SECRET) == serve.Answer(None, None)


def test_the_request_urls_userinfo_is_not_an_answer(here: Here) -> None:
    # uv's own helper ignores a password in the URI: so does uvauth, which has no source for this host.
    assert here.ask(f"https://me:{SECRET}@elsewhere.example.com/simple/") == serve.Answer(None, None)


def test_variables_the_user_set_win_over_an_entry_as_in_a_uv_command(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\npassword-command = '
                       f'{here.command(SECRET)}\nttl = "1h"\n')
    # Renovate hands its host rules to uv as UV_INDEX_<NAME>_*: uvauth seeds nothing over them, nor answers so.
    answer = here.ask(f"{HOST}/simple/pkg/", UV_INDEX_CORP_USERNAME="renovate", UV_INDEX_CORP_PASSWORD="p-renovate")
    assert answer.credentials is not None
    assert (answer.credentials.username, answer.credentials.password) == ("renovate", "p-renovate")
    assert here.calls() == []  # the entry was not even asked
    assert here.password(f"{HOST}/simple/pkg/", UV_INDEX_CORP_PASSWORD="") == SECRET  # set but empty: not set


# -- the recursion guard ---------------------------------------------------------------------------------------


def test_an_ask_made_while_serving_has_nothing(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    env = {"UV_INDEX_CORP_PASSWORD": SECRET}
    assert here.password(f"{HOST}/simple/", **env) == SECRET
    assert here.ask(f"{HOST}/simple/", UVAUTH_SERVING="1", **env) == serve.Answer(None, None)
    with guard.serving_here():
        assert here.ask(f"{HOST}/simple/", **env) == serve.Answer(None, None)
    assert not guard.serving({})  # left again


def test_what_serving_runs_inherits_the_guard(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\npassword-command = '
                       f'{here.command(SECRET)}\nttl = "1h"\n')
    assert here.password(f"{HOST}/simple/") == SECRET
    assert here.calls() == ["1"]  # the command saw UVAUTH_SERVING=1: a uvauth it runs answers nothing


# -- cache, trust, failures ------------------------------------------------------------------------------------


def test_a_minted_token_is_reused_from_the_cache_with_its_end(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\nusername = "ci"\npassword-command = '
                       f'{here.command(SECRET)}\nttl = "1h"\n')
    answers = [here.ask(f"{HOST}/simple/pkg{n}/") for n in range(3)]
    assert len(here.calls()) == 1
    for answer in answers:
        assert answer.problem is None and answer.credentials is not None
        assert (answer.credentials.username, answer.credentials.password) == ("ci", SECRET)
        until = answer.credentials.fresh_until
        # An hour's token, reused until its end less the refresh margin (10 minutes).
        assert until is not None and time.time() + 40 * 60 < until <= time.time() + 50 * 60


def test_an_unapproved_project_entry_is_a_problem_and_runs_nothing(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    (here.project / "uvauth.toml").write_text(f'[[credentials]]\nindex = "corp"\npassword-command = '
                                              f'{here.command(SECRET)}\nttl = "1h"\n')
    netrc = here.root / "netrc"
    netrc.write_text("machine pkgs.example.com login me password p-netrc\n"
                     "machine other.example.com login me password p-netrc\n")
    netrc.chmod(0o600)
    assert here.ask("https://other.example.com/simple/", NETRC=str(netrc)).credentials is not None  # uv's own
    answer = here.ask(f"{HOST}/simple/pkg/", NETRC=str(netrc))
    assert answer.credentials is None  # nor uv's own sources: the user must decide about the entry first
    assert answer.problem is not None and "uvauth uvauth credentials trust" in answer.problem
    assert "\n" not in answer.problem and SECRET not in answer.problem
    assert here.calls() == []  # never ran
    # Approved, it answers (for the URL its approval was given for).
    from uvauth.commands import credentials

    credentials.trust_entries(here.env, here.project)
    assert here.password(f"{HOST}/simple/pkg/") == SECRET
    assert len(here.calls()) == 1


def test_a_failing_command_is_a_problem_without_the_secret(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    failing = here.root / "fail.py"
    failing.write_text(f"import sys\nprint('error: denied for {SECRET[:4]}… token', file=sys.stderr)\nsys.exit(3)\n")
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\npassword-command = '
                       f'{json.dumps([sys.executable, str(failing)])}\n')
    answer = here.ask(f"{HOST}/simple/pkg/")
    assert answer.credentials is None
    assert answer.problem is not None and "exited with code 3" in answer.problem and "\n" not in answer.problem


def test_an_index_entry_sends_its_token_only_where_it_is_bound(here: Here) -> None:
    here.indexes(("corp", "https://evil.example/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\npassword-env = "CORP_TOKEN"\n')
    answer = here.ask("https://evil.example/simple/pkg/", CORP_TOKEN=SECRET)
    assert answer.credentials is None and answer.problem is not None and "not under the entry's url" in answer.problem


# -- one entry's token (credentials token) ---------------------------------------------------------------------


def test_entry_credentials_by_name(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    here.user_settings(f'[[credentials]]\nindex = "corp"\nurl = "{HOST}/"\npassword-command = '
                       f'{here.command(SECRET)}\nttl = "1h"\n\n'
                       '[[credentials]]\nname = "team"\nprefix = "https://files.example.com/team/"\n'
                       'password-env = "TEAM_TOKEN"\n\n'
                       '[[credentials]]\nname = "ci"\nprefix = "https://gitlab.example.com/"\nprovider = "gitlab-ci"\n')
    env = {**here.env, "TEAM_TOKEN": "p-team"}
    first = serve.entry_credentials("corp", env, here.project)
    assert first is not None and first.password == SECRET and first.fresh_until is not None
    # The token a uv command would use: the same cache entry (the command ran once for both).
    assert here.password(f"{HOST}/simple/pkg/") == SECRET
    assert len(here.calls()) == 1
    team = serve.entry_credentials("team", env, here.project)
    assert team is not None and team.password == "p-team"
    assert serve.entry_credentials("ci", env, here.project) is None  # gitlab-ci outside a job gives nothing
    with pytest.raises(UvauthError) as raised:
        serve.entry_credentials("crop", env, here.project)
    assert "crop" in raised.value.message and raised.value.hint == "entries in force here: corp, team, ci"


def test_entry_credentials_of_an_index_configured_nowhere_and_without_url(here: Here) -> None:
    here.user_settings('[[credentials]]\nindex = "corp"\npassword-env = "CORP_TOKEN"\n')
    with pytest.raises(UvauthError, match="no URL to get its token for"):
        serve.entry_credentials("corp", {**here.env, "CORP_TOKEN": SECRET}, here.project)


# -- Bazel -----------------------------------------------------------------------------------------------------


def credentials(username: str = "u", password: str = SECRET, fresh_until: float | None = None,
                scheme: str = "basic") -> Credentials:
    return Credentials(username=username, password=password, source="provider", detail="test",
                       fresh_until=fresh_until, scheme=scheme)


def test_bazel_request_and_response() -> None:
    assert helper.bazel_uri('{"uri": "https://h/x", "extra": 1}') == "https://h/x"
    for bad in ("", "[]", '{"uri": 3}', '{"url": "https://h/"}', "not json", '{"uri": null}'):
        with pytest.raises(UvauthError) as raised:
            helper.bazel_uri(bad)
        assert "\n" not in raised.value.message
    assert helper.bazel_response(None) == {"headers": {}}
    answer = helper.bazel_response(credentials("ci", SECRET))
    assert answer == {"headers": {"Authorization": ["Basic " + base64.b64encode(f"ci:{SECRET}".encode()).decode()]}}
    empty_user = helper.bazel_response(credentials("", SECRET, fresh_until=1893456000.7))
    assert base64.b64decode(empty_user["headers"]["Authorization"][0].split()[1]) == f":{SECRET}".encode()
    assert empty_user["expires"] == "2030-01-01T00:00:00Z"
    # A Bearer token the entry's own helper answered is passed on as Bearer, never as Basic.
    assert helper.bazel_response(credentials("", SECRET, scheme="bearer")) == {
        "headers": {"Authorization": [f"Bearer {SECRET}"]}}


@settings(max_examples=300, deadline=None, derandomize=DERANDOMIZE)
@given(st.text(max_size=60) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["uri", "headers", "x"]) | st.text(max_size=5), children, max_size=3),
    max_leaves=10).map(json.dumps))
def test_any_bazel_request_is_a_uri_or_one_error(text: str) -> None:
    try:
        uri = helper.bazel_uri(text)
    except UvauthError as error:
        assert "\n" not in error.message
        return
    assert isinstance(uri, str)


def test_bazel_run_answers_nothing_for_a_url_nothing_covers(here: Here) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = helper.run("bazel", "get", here.env, here.project, io.BytesIO(b'{"uri": "https://h.example/x"}'), out, err)
    assert (code, json.loads(out.getvalue()), err.getvalue()) == (0, {"headers": {}}, "")
    for command in ("put", "store"):
        with pytest.raises(UvauthError, match="unknown command"):
            helper.run("bazel", command, here.env, here.project, io.BytesIO(b"{}"), out, err)
    with pytest.raises(UvauthError, match="unknown protocol"):
        helper.run("docker", "get", here.env, here.project, io.BytesIO(b"{}"), out, err)


def test_a_problem_is_one_warning_line_with_the_url_but_not_its_userinfo(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    (here.project / "uvauth.toml").write_text('[[credentials]]\nindex = "corp"\npassword-env = "CORP_TOKEN"\n')
    out, err = io.StringIO(), io.StringIO()
    request = json.dumps({"uri": f"https://me:{SECRET}@pkgs.example.com/simple/pkg/"}).encode()
    env = {**here.env, "CORP_TOKEN": SECRET}
    assert helper.run("bazel", "get", env, here.project, io.BytesIO(request), out, err) == 0
    assert json.loads(out.getvalue()) == {"headers": {}}
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("uvauth: warning: no credentials for https://pkgs.example.com/")
    assert SECRET not in err.getvalue() and "me" not in lines[0].split("for ", 1)[1].split("/simple")[0]


# -- git -------------------------------------------------------------------------------------------------------


def test_git_fields_and_request() -> None:
    fields = helper.git_fields("protocol=https\r\nhost=h:8443\nwwwauth[]=Basic realm=\"a=b\"\nwwwauth[]=Bearer\n"
                               "capability[]=authtype\n\nusername=after-the-blank-line\n")
    assert fields == {"protocol": ["https"], "host": ["h:8443"], "wwwauth": ['Basic realm="a=b"', "Bearer"],
                      "capability": ["authtype"]}
    assert helper.git_request(fields) == ("https://h:8443/", None)
    assert helper.git_request({"protocol": ["https"], "host": ["h"], "path": ["simple/pkg/"], "username": ["u"]}) \
        == ("https://h/simple/pkg/", "u")
    assert helper.git_request({"url": [f"https://u:{SECRET}@h/simple/"]}) == ("https://h/simple/", "u")
    for unsupported in ({"protocol": ["ssh"], "host": ["h"]}, {"protocol": ["https"]}, {"host": ["h"]},
                        {"protocol": ["https"], "host": ["evil@h"]}, {"protocol": ["https"], "host": ["h/x"]},
                        {"url": ["ssh://h/x"]}, {"url": ["not a url"]}):
        assert helper.git_request(unsupported) is None
    with pytest.raises(UvauthError) as raised:
        helper.git_fields(f"protocol=https\n{SECRET}\n")
    assert SECRET not in str(raised.value)


def test_git_answer() -> None:
    assert helper.git_answer(None, None) == ""
    assert helper.git_answer(credentials("ci"), None) == f"username=ci\npassword={SECRET}\n"
    assert helper.git_answer(credentials("ci"), "ci") == f"username=ci\npassword={SECRET}\n"
    assert helper.git_answer(credentials("ci"), "someone-else") == ""  # another user's: not an answer for them
    assert helper.git_answer(credentials(""), None) == f"username=\npassword={SECRET}\n"
    assert helper.git_answer(credentials("ci", fresh_until=1893456000.9), None) == (
        f"username=ci\npassword={SECRET}\npassword_expiry_utc=1893456000\n")
    assert helper.git_answer(credentials("ci", "two\nlines"), None) == ""
    bearer = credentials("", scheme="bearer", fresh_until=1893456000.9)
    assert helper.git_answer(bearer, None) == ""  # a git without authtype would send it as a Basic password
    assert helper.git_answer(bearer, None, ["authtype"]) == (
        f"capability[]=authtype\nauthtype=Bearer\ncredential={SECRET}\n")


@settings(max_examples=300, deadline=None, derandomize=DERANDOMIZE)
@given(st.lists(st.sampled_from(["protocol=", "host=", "path=", "username=", "url=", "wwwauth[]=", "=", "", "x"])
                .flatmap(lambda key: st.text(max_size=20).map(lambda value: key + value)), max_size=6).map("\n".join))
def test_any_git_request_is_a_request_nothing_or_one_error(text: str) -> None:
    try:
        fields = helper.git_fields(text)
    except UvauthError as error:
        assert "\n" not in error.message
        return
    request = helper.git_request(fields)
    assert request is None or request[0].startswith(("http://", "https://"))


def test_git_store_and_erase_are_read_and_ignored(here: Here) -> None:
    here.indexes(("corp", f"{HOST}/simple"))
    env = {**here.env, "UV_INDEX_CORP_PASSWORD": SECRET}
    request = f"protocol=https\nhost=pkgs.example.com\nusername=x\npassword={SECRET}\n\n".encode()
    for operation in ("store", "erase", "some-later-operation"):
        out = io.StringIO()
        assert helper.run("git", operation, env, here.project, io.BytesIO(request), out, io.StringIO()) == 0
        assert out.getvalue() == ""
    out = io.StringIO()
    assert helper.run("git", "get", env, here.project, io.BytesIO(b"protocol=https\nhost=pkgs.example.com\n"), out,
                      io.StringIO()) == 0
    assert out.getvalue() == f"username=\npassword={SECRET}\n"


@settings(max_examples=60, deadline=None, derandomize=DERANDOMIZE)
@given(protocol=st.sampled_from(helper.PROTOCOLS), command=st.sampled_from(["get", "store", "erase", "x"]),
       stdin=st.binary(max_size=80) | st.sampled_from([b'{"uri": "https://pkgs.example.com/simple/x/"}',
                                                         b"protocol=https\nhost=pkgs.example.com\n\n",
                                                         b'{"uri": "https://[::1/"}', b"url=https://\xff@h/\n"]))
def test_any_request_is_an_answer_nothing_or_one_error_line(protocol: str, command: str, stdin: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as project:
        Path(project, "uv.toml").write_text(f'[[index]]\nname = "corp"\nurl = "{HOST}/simple/"\n')
        out, err = io.StringIO(), io.StringIO()
        env = {**os.environ, "UV_INDEX_CORP_PASSWORD": SECRET}
        try:
            code = helper.run(protocol, command, env, Path(project), io.BytesIO(stdin), out, err)
        except UvauthError as error:
            assert "\n" not in error.message and out.getvalue() == ""
            return
    assert code == 0 and SECRET not in err.getvalue()
    if protocol == "bazel":
        assert set(json.loads(out.getvalue())) <= {"headers", "expires"}
    else:
        assert out.getvalue() in ("", f"username=\npassword={SECRET}\n")
