"""Unit tests of uvauth's credential providers (issue 9): entries, coverage, expiry, the token cache, trust."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import time
from pathlib import Path

import pytest
from support import handed, store_plans_later, unmeasured

from uvauth.errors import UvauthError
from uvauth.providers import presets, tokencache, trust
from uvauth.providers.entries import Entry, covering, env_entries, normalize, parse_duration
from uvauth.providers.lookup import Providers
from uvauth.providers.run import parse_expires, parse_output
from uvauth.settings.sources import resolve

CA = "https://mydomain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/myrepo/simple/"


def entry(**raw: object) -> Entry:
    source = str(raw.pop("_source", "test"))
    file = raw.pop("_file", None)
    return Entry.from_data(normalize(raw, source=source, file=file if isinstance(file, str) else None))


# -- durations and expiry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "seconds"), [
    (3600, 3600), ("3600", 3600), ("45s", 45), ("30m", 1800), ("11h", 39600), ("1d", 86400), ("1h30m", 5400),
    (" 2H ", 7200),
])
def test_durations(given: object, seconds: int) -> None:
    assert parse_duration(given, what="ttl") == seconds


@pytest.mark.parametrize("given", ["", "h", "11x", "1h30", "-5", "5 m", True, -1])
def test_bad_durations(given: object) -> None:
    with pytest.raises(ValueError, match="ttl"):
        parse_duration(given, what="ttl")


def test_fresh_until_keeps_the_refresh_margin_at_most_half_the_lifetime() -> None:
    assert tokencache.fresh_until(1000.0, 1100.0) == 1050.0  # 100 s token: half of it
    assert tokencache.fresh_until(0.0, 43200.0) == 43200.0 - 600  # 12 h token: the default ten minutes
    assert tokencache.fresh_until(0.0, 43200.0, margin=1800) == 43200.0 - 1800  # an entry's refresh-margin
    assert tokencache.fresh_until(0.0, 180.0, margin=1800) == 90.0  # gcloud's 3 minutes: half of them
    assert tokencache.fresh_until(50.0, 40.0) == 40.0  # already ended: no margin, never fresh after minting


@pytest.mark.parametrize(("given", "epoch"), [
    ("2026-12-02T18:00:00Z", 1796234400.0), ("2026-12-02T19:00:00+01:00", 1796234400.0), (1796234400, 1796234400.0),
    ("1796234400", 1796234400.0), (1796234400.5, 1796234400.5),
])
def test_expires(given: object, epoch: float) -> None:
    assert parse_expires(given) == epoch


# -- what a command prints ----------------------------------------------------------------------------------------


def test_output_bare_token_and_json() -> None:
    assert parse_output("tok\n", "e").password == "tok"
    minted = parse_output('{"password": "p", "username": "u", "expires": "2026-12-02T18:00:00Z"}', "e")
    assert (minted.password, minted.username, minted.expires) == ("p", "u", 1796234400.0)
    assert "p" not in repr(minted).replace("password", "").replace("expires", "").replace("username", "")


@pytest.mark.parametrize(("stdout", "says"), [
    ("", "printed nothing"), ("  \n", "printed nothing"), ("a\nb\n", "more than one line"),
    ("{not json", "not JSON"), ('{"token": "x"}', "no non-empty \"password\""),
    ('{"password": "x", "expires": "soon"}', "expires"), ('{"password": "x", "username": 3}', "username"),
])
def test_output_errors_name_the_entry_and_never_the_output(stdout: str, says: str) -> None:
    with pytest.raises(UvauthError, match=says) as raised:
        parse_output(stdout, "myentry")
    assert "credentials entry myentry" in str(raised.value)
    assert "x\"" not in str(raised.value)


# -- entries ------------------------------------------------------------------------------------------------------


def test_an_entry_names_one_scope_and_one_way() -> None:
    with pytest.raises(ValueError, match="exactly one of `index`"):
        normalize({"password-env": "T"}, source="s", file=None)
    with pytest.raises(ValueError, match="exactly one of `index`"):
        normalize({"index": "a", "prefix": "https://h/", "password-env": "T"}, source="s", file=None)
    with pytest.raises(ValueError, match="exactly one of `password-command`"):
        normalize({"index": "a", "password-env": "T", "password-file": "f"}, source="s", file=None)
    with pytest.raises(ValueError, match="exactly one of `password-command`"):
        normalize({"index": "a"}, source="s", file=None)
    with pytest.raises(ValueError, match="unknown provider"):
        normalize({"index": "a", "provider": "vault"}, source="s", file=None)
    with pytest.raises(ValueError, match="argv list"):
        normalize({"index": "a", "password-command": []}, source="s", file=None)
    with pytest.raises(ValueError, match="holds credentials"):
        normalize({"prefix": "https://u:p@h/", "password-env": "T"}, source="s", file=None)
    data = normalize({"prefix": "https://h/a", "password-command": ["x"], "ttl": "1h"}, source="s", file=None)
    assert (data["name"], data["prefixes"], data["ttl"], data["timeout"]) == ("https://h/a", ["https://h/a"], 3600, 60)


def test_coverage_index_name_first_then_the_longest_prefix() -> None:
    broad = entry(name="broad", prefix="https://h.example/", **{"password-env": "A"})
    narrow = entry(name="narrow", prefix=["https://other/", "https://h.example/team"], **{"password-env": "B"})
    named = entry(index="My-Index", **{"password-env": "C"})
    entries = [broad, narrow, named]
    assert covering(entries, "https://h.example/team/simple", None) is narrow
    assert covering(entries, "https://h.example/teams/simple", None) is broad  # segment boundary
    assert covering(entries, "https://h.example/team/simple", "my_index") is named  # uv's UV_INDEX_MY_INDEX_
    assert covering(entries, "https://elsewhere/simple", "art") is None


def test_environment_form() -> None:
    env = {
        "UVAUTH_CREDENTIALS_CODEARTIFACT_PASSWORD_COMMAND": "aws codeartifact get-authorization-token --query "
                                                           "'authorizationToken' --output text",
        "UVAUTH_CREDENTIALS_CODEARTIFACT_USERNAME": "aws",
        "UVAUTH_CREDENTIALS_CODEARTIFACT_TTL": "11h",
        "UVAUTH_CREDENTIALS_AZ_PROVIDER": "azure-cli",
        "UVAUTH_CREDENTIALS_AZ_PREFIX": "https://pkgs.dev.azure.com/org/ https://pkgs.dev.azure.com/org2/",
        "UNRELATED": "x",
    }
    found = env_entries(env)
    assert found == [
        {"provider": "azure-cli", "prefix": ["https://pkgs.dev.azure.com/org/", "https://pkgs.dev.azure.com/org2/"],
         "name": "AZ"},
        {"password-command": ["aws", "codeartifact", "get-authorization-token", "--query", "authorizationToken",
                              "--output", "text"], "username": "aws", "ttl": "11h", "name": "CODEARTIFACT",
         "index": "CODEARTIFACT"},
    ]
    with pytest.raises(UvauthError, match="UVAUTH_CREDENTIALS_X_COLOUR"):
        env_entries({"UVAUTH_CREDENTIALS_X_COLOUR": "red"})
    with pytest.raises(UvauthError, match="cannot split"):
        env_entries({"UVAUTH_CREDENTIALS_X_PASSWORD_COMMAND": "echo 'unclosed"})


def test_settings_carry_validated_entries_from_every_source_strongest_first(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "uvauth.toml").write_text(
        '[[credentials]]\nindex = "art"\npassword-command = ["get-token", "--art"]\nttl = "30m"\n')
    env = {**os.environ, "UVAUTH_CREDENTIALS_ART_PASSWORD_ENV": "ART_TOKEN"}
    resolved = resolve(None, project, env, tmp_path / "cache")
    first, second = (Entry.from_data(data) for data in resolved.credentials)
    assert (first.source, first.file, first.password_env) == ("environment (UVAUTH_*)", None, "ART_TOKEN")
    assert (second.file, second.password_command, second.ttl) == (str(project / "uvauth.toml"),
                                                                   ("get-token", "--art"), 1800)
    # Cached without any secret, and read back the same.
    again = resolve(None, project, env, tmp_path / "cache")
    assert again.credentials == resolved.credentials


def test_a_bad_entry_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "uvauth.toml").write_text('[[credentials]]\nindex = "art"\npassword-commnd = ["x"]\n')
    with pytest.raises(UvauthError, match=r"uvauth\.toml.*credentials.*entry 1.*password-commnd"):
        resolve(None, tmp_path, dict(os.environ), tmp_path / "cache")


# -- presets ------------------------------------------------------------------------------------------------------


def test_codeartifact_preset_reads_domain_owner_and_region_from_the_host() -> None:
    recipe = presets.recipe(entry(index="ca", provider="aws-codeartifact"), CA, {})
    assert recipe is not None
    assert recipe.command == (
        "aws", "codeartifact", "get-authorization-token", "--domain", "mydomain", "--domain-owner",
        "111122223333", "--region", "eu-west-1", "--query", "{password: authorizationToken, expires: expiration}",
        "--output", "json")
    assert (recipe.username, recipe.ttl) == ("aws", None)
    with pytest.raises(UvauthError, match="DOMAIN-OWNER"):
        presets.recipe(entry(index="ca", provider="aws-codeartifact"), "https://pypi.example/simple", {})


def test_presets_are_overridable_and_gitlab_applies_only_in_its_own_ci() -> None:
    own = entry(index="g", provider="gcloud", username="me", ttl="50m")
    recipe = presets.recipe(own, "https://europe-west1-python.pkg.dev/p/r/simple/", {})
    assert recipe == presets.Recipe(command=("gcloud", "auth", "print-access-token"), env=None, file=None,
                                    username="me", ttl=3000)
    gitlab = entry(index="gl", provider="gitlab-ci")
    url = "https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple"
    assert presets.recipe(gitlab, url, {}) is None
    assert presets.recipe(gitlab, url, {"GITLAB_CI": "true", "CI_SERVER_HOST": "gitlab.other.com"}) is None
    recipe = presets.recipe(gitlab, url, {"GITLAB_CI": "true", "CI_SERVER_HOST": "gitlab.example.com"})
    assert recipe is not None and (recipe.env, recipe.username) == ("CI_JOB_TOKEN", "gitlab-ci-token")


# What GitLab sets in a job on a self-managed instance on a port of its own (GitLab's predefined variables:
# CI_SERVER_HOST has neither protocol nor port; CI_SERVER_URL, CI_SERVER_FQDN and CI_SERVER_PORT carry the port).
GITLAB_JOB = {"GITLAB_CI": "true", "CI_SERVER_HOST": "gitlab.example.com", "CI_SERVER_PORT": "8443",
              "CI_SERVER_PROTOCOL": "https", "CI_SERVER_FQDN": "gitlab.example.com:8443",
              "CI_SERVER_URL": "https://gitlab.example.com:8443", "CI_JOB_TOKEN": "job-tok"}


@pytest.mark.parametrize(("url", "applies"), [
    ("https://gitlab.example.com:8443/api/v4/projects/1/packages/pypi/simple", True),
    ("https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple", False),  # another port: not the job's server
    ("https://gitlab.example.com:5050/api/v4/projects/1/packages/pypi/simple", False),
    ("http://gitlab.example.com:8443/api/v4/projects/1/packages/pypi/simple", False),  # never over plain HTTP
    ("https://gitlab.example.com.evil/api/v4/projects/1/packages/pypi/simple", False),
])
def test_the_gitlab_job_token_goes_only_to_the_jobs_own_server_port_and_scheme_included(url: str,
                                                                                        applies: bool) -> None:
    gitlab = entry(index="gl", provider="gitlab-ci")
    assert (presets.recipe(gitlab, url, GITLAB_JOB) is not None) is applies
    # The same for a prefix entry: active in the job only where its prefix is on the job's server.
    prefix = url.split("/projects/")[0] + "/"
    data = normalize({"prefix": prefix, "provider": "gitlab-ci"}, source="s", file=None)
    assert (Providers([data], GITLAB_JOB).active() != []) is applies


def test_the_gitlab_job_token_respects_a_relative_root_and_falls_back_to_the_host_over_https() -> None:
    gitlab = entry(index="gl", provider="gitlab-ci")
    rooted = {**GITLAB_JOB, "CI_SERVER_URL": "https://example.com/gitlab", "CI_SERVER_HOST": "example.com"}
    assert presets.recipe(gitlab, "https://example.com/gitlab/api/v4/projects/1/packages/pypi/simple", rooted)
    assert presets.recipe(gitlab, "https://example.com/other/api/v4/projects/1/packages/pypi/simple", rooted) is None
    # A runner that sets CI_SERVER_HOST alone (GitLab before 12.7): that host's HTTPS default port only.
    old = {"GITLAB_CI": "true", "CI_SERVER_HOST": "gitlab.example.com"}
    assert presets.recipe(gitlab, "https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple", old)
    assert presets.recipe(gitlab, "http://gitlab.example.com/api/v4/projects/1/packages/pypi/simple", old) is None
    assert presets.recipe(gitlab, "https://gitlab.example.com:8080/api/v4/projects/1/packages/pypi/simple",
                          old) is None
    index_entry = normalize({"index": "gl", "provider": "gitlab-ci"}, source="s", file=None)
    assert Providers([index_entry], GITLAB_JOB).active() != []
    assert Providers([index_entry], {**GITLAB_JOB, "GITLAB_CI": "false"}).active() == []


# -- trust ----------------------------------------------------------------------------------------------------------


def test_trust_is_keyed_by_the_entry_and_its_file() -> None:
    env = dict(os.environ)
    one = entry(index="a", _file="/p/uvauth.toml", **{"password-command": ["get", "1"]})
    assert trust.needs_trust(one)
    assert not trust.needs_trust(entry(index="a", **{"password-command": ["get", "1"]}))  # the user's own file
    assert not trust.needs_trust(entry(index="a", provider="gcloud", _file="/p/uvauth.toml"))
    assert trust.needs_trust(entry(index="a", _file="/p/uvauth.toml", **{"password-env": "AWS_SECRET_ACCESS_KEY"}))
    assert trust.needs_trust(entry(index="a", _file="/p/uvauth.toml", **{"password-file": "~/.ssh/id_ed25519"}))
    with pytest.raises(UvauthError, match="uvauth uvauth credentials trust"):
        trust.check(one, env)
    trust.approve(one, env)
    trust.check(one, env)
    changed = entry(index="a", _file="/p/uvauth.toml", **{"password-command": ["get", "2"]})
    moved = entry(index="a", _file="/q/uvauth.toml", **{"password-command": ["get", "1"]})
    assert len({trust.digest(one), trust.digest(changed), trust.digest(moved)}) == 3
    assert not trust.is_trusted(changed, env) and not trust.is_trusted(moved, env)
    assert trust.is_trusted(changed, {**env, "UVAUTH_TRUST": "1"})


# -- the cache, through Providers ---------------------------------------------------------------------------------


def _command(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "mint.py"
    script.write_text(body)
    return [sys.executable, str(script), str(tmp_path / "calls")]


MINT = """import sys, time
with open(sys.argv[1], "a") as f: f.write("call\\n")
n = sum(1 for _ in open(sys.argv[1]))
print('{"password": "secret-%d", "expires": %f}' % (n, time.time() + 3600))
"""


def test_a_minted_token_is_cached_privately_and_reused(tmp_path: Path) -> None:
    env = dict(os.environ)
    data = normalize({"index": "art", "url": "https://h/", "password-command": _command(tmp_path, MINT)},
                     source="s", file=None)
    first = Providers([data], env).find("https://h/simple", "art")
    assert first is not None and first.credentials is not None
    assert first.credentials.password == "secret-1" and first.credentials.source == "provider"
    assert "secret" not in first.credentials.detail and "secret" not in repr(first.credentials)
    again = Providers([data], env).find("https://h/simple", "art")
    assert again is not None and again.credentials is not None and again.credentials.password == "secret-1"
    assert (tmp_path / "calls").read_text().count("call") == 1
    directory = tokencache.token_dir(env)
    assert directory == Path(env["XDG_RUNTIME_DIR"]) / "uvauth"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    (cached,) = [p for p in directory.iterdir() if p.suffix == ".marshal"]
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600 and "secret" not in cached.name
    # Past its freshness the command runs again.
    later = Providers([data], env, now=time.time() + 3600 - 100)
    refreshed = later.find("https://h/simple", "art")
    assert refreshed is not None and refreshed.credentials is not None
    assert refreshed.credentials.password == "secret-2"
    assert tokencache.forget(directory, "art") == 1 and not list(directory.glob("token-*.marshal"))


def test_forgetting_a_cached_token_mints_a_new_one_in_the_same_process(tmp_path: Path) -> None:
    """The doctor's retry after a server rejected a token: the process's own memory of it goes too."""
    env = dict(os.environ)
    data = normalize({"index": "art", "url": "https://h/", "password-command": _command(tmp_path, MINT)},
                     source="s", file=None)
    providers = Providers([data], env)
    first = providers.find("https://h/simple", "art")
    assert first is not None and first.credentials is not None and first.credentials.password == "secret-1"
    assert providers.forget_cached("https://h/simple", "art") == "art"
    again = providers.find("https://h/simple", "art")
    assert again is not None and again.credentials is not None and again.credentials.password == "secret-2"
    assert providers.forget_cached("https://elsewhere/simple", None) is None


def test_a_token_record_is_read_without_json(tmp_path: Path) -> None:
    """A warm token is read on every uv call its entry covers: with marshal, not json (which imports re)."""
    import subprocess

    tokencache.write(tmp_path, "d", {"entry": "e", "password": "p", "username": None,
                                     "fresh_until": time.time() + 60})
    probe = ("import sys, time; from uvauth.providers import tokencache; "
             f"record = tokencache.read_path({str(tokencache.path(tmp_path, 'd'))!r}, time.time()); "
             "print(record['password'], 'json' in sys.modules, 're' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env=unmeasured(os.environ))
    assert done.stdout.split() == ["p", "False", "False"]


@pytest.mark.parametrize("garbage", [b"", b"\xff\x00garbage", b'{"password": "p", "fresh_until": 1e30}', b"N"])
def test_a_damaged_or_foreign_token_record_is_stale(tmp_path: Path, garbage: bytes) -> None:
    file = tmp_path / "token-x.marshal"
    file.write_bytes(garbage)
    assert tokencache.read_path(str(file), time.time()) is None


def test_forgetting_every_token_removes_an_older_uvauths_records_too(tmp_path: Path) -> None:
    (tmp_path / "token-old.json").write_text('{"password": "old-secret", "fresh_until": 1e30}')
    tokencache.write(tmp_path, "new", {"password": "p", "entry": "art", "fresh_until": time.time() + 60})
    assert tokencache.forget(tmp_path, None) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("token-") and not p.name.endswith(".lock")]


def test_forgetting_one_entrys_tokens_keeps_every_other_entrys(tmp_path: Path) -> None:
    tokencache.write(tmp_path, "one", {"password": "p1", "entry": "art", "fresh_until": time.time() + 60})
    tokencache.write(tmp_path, "two", {"password": "p2", "entry": "nexus", "fresh_until": time.time() + 60})
    assert tokencache.forget(tmp_path, "art") == 1
    assert [data["entry"] for _, data in tokencache.records(tmp_path)] == ["nexus"]
    assert tokencache.forget(tmp_path, "nobody") == 0


def test_without_ttl_or_expiry_nothing_is_cached_but_one_run_asks_once(tmp_path: Path) -> None:
    env = dict(os.environ)
    script = tmp_path / "bare.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('c')\nprint('bare-token')\n")
    data = normalize({"index": "a", "url": "https://h/",
                      "password-command": [sys.executable, str(script), str(tmp_path / "n")]}, source="s", file=None)
    providers = Providers([data], env)
    for _ in range(2):
        found = providers.find("https://h/simple", "a")
        assert found is not None and found.credentials is not None and found.credentials.password == "bare-token"
    assert (tmp_path / "n").read_text() == "c"
    assert not list(tokencache.token_dir(env).glob("token-*.marshal"))


def test_explain_mode_runs_nothing(tmp_path: Path) -> None:
    data = normalize({"index": "a", "url": "https://h/", "password-command": _command(tmp_path, MINT), "ttl": "1h"},
                     source="s", file=None)
    found = Providers([data], dict(os.environ), mint=False).find("https://h/simple", "a")
    assert found is not None and found.credentials is not None
    assert found.credentials.password == "" and "runs `" in found.credentials.detail
    assert not (tmp_path / "calls").exists()


def test_a_failing_command_is_one_line_with_its_code_and_redacted_stderr(tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('token-on-stdout')\nprint('noise', file=sys.stderr)\n"
                      "print('denied for https://u:hunter2@h/x', file=sys.stderr)\nsys.exit(3)\n")
    data = normalize({"index": "a", "url": "https://h/", "password-command": [sys.executable, str(script)]},
                     source="s", file=None)
    with pytest.raises(UvauthError) as raised:
        Providers([data], dict(os.environ)).find("https://h/simple", "a")
    text = str(raised.value)
    assert "credentials entry a" in text and "exited with code 3" in text
    assert "denied for https://u:****@h/x" in text and "hunter2" not in text and "token-on-stdout" not in text


def test_a_hanging_command_times_out(tmp_path: Path) -> None:
    """No clock in the assertion: the error names the timeout (a command that ran its 30 s to the end would have
    printed no password, a different error), and the command is gone, not left running."""
    pid_file = tmp_path / "pid"
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    data = normalize({"index": "a", "url": "https://h/", "password-command": [sys.executable, "-c", hang],
                      "timeout": 1}, source="s", file=None)
    with pytest.raises(UvauthError, match="did not finish within 1 s"):
        Providers([data], dict(os.environ)).find("https://h/simple", "a")
    assert _gone(int(pid_file.read_text()))


def _gone(pid: int, within: float = 5.0) -> bool:
    """The process has ended (a zombie awaiting its reaper has ended too) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_command_that_times_out_leaves_no_process_behind(tmp_path: Path) -> None:
    """Issue 16: the command's own children (a shell's background job) end with it, not reparented to init."""
    pid_file = tmp_path / "pid"
    script = f'sleep 300 & echo $! > "{pid_file}"; wait'
    data = normalize({"index": "a", "url": "https://h/", "password-command": ["sh", "-c", script], "timeout": 1},
                     source="s", file=None)
    with pytest.raises(UvauthError, match="did not finish within 1 s"):
        Providers([data], dict(os.environ)).find("https://h/simple", "a")
    grandchild = int(pid_file.read_text())
    assert _gone(grandchild), f"the command's child {grandchild} still runs"


def test_stdin_is_closed(tmp_path: Path) -> None:
    data = normalize({"index": "a", "url": "https://h/", "password-command": [
        sys.executable, "-c", "import sys; data = sys.stdin.read(); print('empty' if data == '' else 'open')"]},
        source="s", file=None)
    found = Providers([data], dict(os.environ)).find("https://h/simple", "a")
    assert found is not None and found.credentials is not None and found.credentials.password == "empty"


def test_password_env_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "token"
    secret.write_text("file-token\n")
    secret.chmod(0o644)
    env = {**os.environ, "MY_TOKEN": "env-token"}
    entries = [normalize({"index": "e", "url": "https://h/", "password-env": "MY_TOKEN", "username": "u"},
                         source="s", file=None),
               normalize({"index": "f", "url": "https://h/", "password-file": str(secret)}, source="s", file=None)]
    providers = Providers(entries, env)
    by_env = providers.find("https://h/simple", "e")
    assert by_env is not None and by_env.credentials is not None
    assert (by_env.credentials.username, by_env.credentials.password) == ("u", "env-token")
    by_file = providers.find("https://h/simple", "f")
    assert by_file is not None and by_file.credentials is not None and by_file.credentials.password == "file-token"
    assert "can be read by other users" in capsys.readouterr().err
    with pytest.raises(UvauthError, match="MY_TOKEN is not set"):
        Providers(entries, dict(os.environ)).find("https://h/simple", "e")


# -- the hot path -------------------------------------------------------------------------------------------------

_PROBE = """
import sys
from uvauth import launch
def fake_exec(uv, argv, env):
    print(repr(sorted(sys.modules)))
    return 0
launch.exec_uv = fake_exec
from uvauth.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _modules(tmp_path: Path, env: dict[str, str]) -> set[str]:
    import ast
    import subprocess

    done = subprocess.run([sys.executable, "-c", _PROBE, "pip", "compile", "req.in", "--index-url",
                           "https://h.example/simple"], cwd=tmp_path, env=unmeasured(env), capture_output=True,
                          text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return set(ast.literal_eval(done.stdout.strip().splitlines()[-1]))


def test_no_entry_imports_no_provider_module_and_a_warm_token_adds_no_heavy_import(tmp_path: Path) -> None:
    (tmp_path / "req.in").write_text("x\n")
    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://h.example/simple"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "UVAUTH_"))}
    from support.uvrun import UV_BIN

    env["UVAUTH_UV"] = str(UV_BIN)  # never executed (the exec is faked); its version is asked once, then cached
    without = _modules(tmp_path, env)
    assert not {m for m in without if m.startswith("uvauth.providers")}
    script = tmp_path / "mint.py"
    script.write_text("import time\nprint('{\"password\": \"t\", \"expires\": %f}' % (time.time() + 3600))\n")
    env["UVAUTH_CREDENTIALS_ART_PASSWORD_COMMAND"] = f"{sys.executable} {script}"
    env["UVAUTH_CREDENTIALS_ART_URL"] = "https://h.example/"
    _modules(tmp_path, env)  # cold: validates the settings (pydantic) and mints the token
    # Planned again, not recalled: a file edited this very second is never trusted to a memoized plan (whether
    # the cold run's plan was memoized depends on the clock, so the recall path is the memo tests').
    (tmp_path / "req.in").write_text("x\n\n")
    warm = _modules(tmp_path, env)
    assert "uvauth.providers.lookup" in warm
    added = warm - without
    assert not added & {"subprocess", "pydantic", "pydantic_settings", "uvauth.providers.run", "datetime",
                        "fcntl", "shlex"} - without, sorted(added)


# -- explain and the plan -----------------------------------------------------------------------------------------


def _counting_command(tmp_path: Path) -> str:
    script = tmp_path / "count.py"
    script.write_text(f"open({str(tmp_path / 'ran')!r}, 'a').write('x')\nprint('explain-tok3n')\n")
    return f"{sys.executable} {script}"


@pytest.mark.parametrize("command", [["lock"], ["pip", "compile", "req.in", "--index-url", "https://ex.example/simple"],
                                     ["pip", "install", "-r", "req.in"]], ids=" ".join)
def test_explain_shows_the_covering_entry_and_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           command: list[str]) -> None:
    from uvauth.explain import explain_data

    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://ex.example/simple"\n')
    (tmp_path / "req.in").write_text("--extra-index-url https://ex.example/simple\nx\n")
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "UVAUTH_CREDENTIALS_ART_PASSWORD_COMMAND": _counting_command(tmp_path),
           "UVAUTH_CREDENTIALS_ART_USERNAME": "u", "UVAUTH_CREDENTIALS_ART_URL": "https://ex.example/simple"}
    data = explain_data(command, env)
    rows = [row for row in data["indexes"] if row["merged_onto"] == "art"]
    assert rows and all(row["lever"] in ("seeded", "by-name", "uv") for row in rows)
    assert all(str(row["credential_source"]).startswith("provider: credentials entry ART: no fresh cached "
                                                        "token; runs `") for row in rows), rows
    assert "UV_INDEX_ART_PASSWORD" in data["environment"]
    assert not (tmp_path / "ran").exists()


def test_a_covered_index_gets_the_token_even_where_uv_applies_the_policy_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from uvauth import launch
    from uvauth.cli import run

    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://ex.example/simple"\n'
                                      'authenticate = "always"\n')
    monkeypatch.chdir(tmp_path)
    handed: dict[str, str] = {}
    monkeypatch.setattr(launch, "exec_uv", lambda uv, argv, env: handed.update(env) or 0)
    env = {**os.environ, "UVAUTH_CREDENTIALS_ART_PASSWORD_COMMAND": _counting_command(tmp_path),
           "UVAUTH_CREDENTIALS_ART_URL": "https://ex.example/simple"}
    assert run(["lock"], env) == 0
    assert handed["UV_INDEX_ART_PASSWORD"] == "explain-tok3n" and handed["UV_INDEX_ART_USERNAME"] == ""
    # Offline uv sends nothing: the command is not run for it.
    (tmp_path / "ran").unlink()
    handed.clear()
    assert run(["lock", "--offline"], env) == 0
    assert not (tmp_path / "ran").exists() and "UV_INDEX_ART_PASSWORD" not in handed


def test_a_project_preset_for_a_host_not_its_providers_needs_approval(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no gcloud here: getting as far as running it is the point
    bare = {**normalize({"index": "gar", "provider": "gcloud"}, source="p", file=None), "file": "/p/uvauth.toml"}
    # A project's preset on Artifact Registry's own host needs no approval: it gets as far as running gcloud ...
    with pytest.raises(UvauthError, match="command 'gcloud' not found"):
        Providers([bare], env).find("https://europe-west1-python.pkg.dev/p/r/simple/", "gar")
    # ... but would send your Google token to another host only once approved.
    with pytest.raises(UvauthError, match="not approved on this machine for a host that is not gcloud's"):
        Providers([bare], env).find("https://evil.example/simple/", "gar")
    trust.approve(Entry.from_data(bare), env, "https://evil.example/simple/")
    with pytest.raises(UvauthError, match="command 'gcloud' not found"):
        Providers([bare], env).find("https://evil.example/simple/", "gar")
    # The approval is for that URL: the project pointing `gar` at yet another host needs approval again.
    with pytest.raises(UvauthError, match="not approved on this machine for a host that is not gcloud's for index "
                                          "gar at https://other.example/simple/"):
        Providers([bare], env).find("https://other.example/simple/", "gar")
    # The user's own file may point a preset anywhere it says (its `url`, or the user's own uv configuration) ...
    mine = normalize({"index": "gar", "provider": "gcloud"}, source="user", file=None)
    with pytest.raises(UvauthError, match="command 'gcloud' not found"):
        Providers([normalize({"index": "gar", "provider": "gcloud", "url": "https://evil.example/"}, source="user",
                             file=None)], env).find("https://evil.example/simple/", "gar")
    with pytest.raises(UvauthError, match="command 'gcloud' not found"):
        Providers([mine], env, own_urls={"GAR": frozenset({"https://evil.example/simple"})}).find(
            "https://evil.example/simple/", "gar")
    # ... but a project's `gar` elsewhere than the provider's hosts never gets the user's Google token.
    with pytest.raises(UvauthError, match="the project has that index at https://evil.example/simple/"):
        Providers([mine], env).find("https://evil.example/simple/", "gar")
    assert presets.own_host("azure-cli", "https://pkgs.dev.azure.com/org/_packaging/f/pypi/simple/")
    assert not presets.own_host("azure-cli", "https://pkgs.dev.azure.com.evil/x/simple/")
    assert not presets.own_host("gcloud", "https://pkg.dev.evil/simple/")


def test_a_gitlab_ci_entry_outside_its_job_imposes_nothing() -> None:
    data = normalize({"prefix": "https://gitlab.example.com/api/v4/", "provider": "gitlab-ci"}, source="s",
                     file=None)
    assert Providers([data], {}).active() == []
    ci = {"GITLAB_CI": "true", "CI_SERVER_HOST": "gitlab.example.com", "CI_JOB_TOKEN": "job-tok"}
    providers = Providers([data], ci)
    assert providers.active() == providers.entries
    found = providers.find("https://gitlab.example.com/api/v4/projects/1/packages/pypi/simple", None)
    assert found is not None and found.credentials is not None
    assert (found.credentials.username, found.credentials.password) == ("gitlab-ci-token", "job-tok")


def test_without_a_runtime_directory_tokens_live_in_the_private_cache_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    directory = tokencache.token_dir(env)
    assert directory == Path(env["XDG_CACHE_HOME"]) / "uvauth" / "tokens"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    missing = tokencache.token_dir({**env, "XDG_RUNTIME_DIR": str(tmp_path / "gone")})
    assert missing == directory  # a runtime directory that does not exist is not created
    assert not (tmp_path / "gone").exists()


def test_a_token_that_has_already_expired_is_refused(tmp_path: Path) -> None:
    data = normalize({"index": "a", "url": "https://h/", "password-command": [
        sys.executable, "-c", "import time; print('{\"password\": \"old\", \"expires\": %d}' % (time.time() - 5))"]},
        source="s", file=None)
    with pytest.raises(UvauthError, match="credentials entry a: the command's token expired at"):
        Providers([data], dict(os.environ)).find("https://h/simple", "a")


# -- memoized plans -------------------------------------------------------------------------------------------------


@pytest.fixture
def stored_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo refuses files changed within the last second (tests/test_memo.py pins that); these tests write
    their files just before planning, so their plans are stored as if later (support.store_plans_later)."""
    store_plans_later(monkeypatch)


@pytest.mark.usefixtures("stored_later")
def test_a_memoized_plan_reads_the_provider_token_again_and_never_stores_it(tmp_path: Path) -> None:
    from uvauth.uv import cmdline as uvcli

    project = tmp_path / "project"
    project.mkdir()
    (project / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://ex.example/simple"\n')
    (project / "req.in").write_text("x\n")
    counter = tmp_path / "ran"
    script = tmp_path / "mint.py"
    script.write_text(f"import time\nopen({str(counter)!r}, 'a').write('x')\nn = len(open({str(counter)!r}).read())\n"
                      "print('{\"password\": \"memo-tok3n-%d\", \"expires\": %f}' % (n, time.time() + 3600))\n")
    (project / "uvauth.toml").write_text(f'[[credentials]]\nindex = "art"\npassword-command = ["{sys.executable}", '
                                         f'"{script}"]\n')
    env = {**os.environ, "UVAUTH_TRUST": "1"}
    cmdline = uvcli.parse(["--directory", str(project), "pip", "compile", "--index-url", "https://ex.example/simple",
                           "req.in"])

    first = handed(cmdline, env)
    assert first.plan is not None and first.env["UV_INDEX_ART_PASSWORD"] == "memo-tok3n-1"
    again = handed(cmdline, env)
    assert again.plan is None, "the plan was not memoized"
    assert again.env["UV_INDEX_ART_PASSWORD"] == "memo-tok3n-1" and counter.read_text() == "x"
    plans = Path(env["XDG_CACHE_HOME"]) / "uvauth" / "plans"
    assert not any(b"memo-tok3n" in p.read_bytes() for p in plans.iterdir() if p.is_file())
    # A forgotten (or expired) token is a miss: the plan runs again and mints a new one.
    tokencache.forget(tokencache.token_dir(env), None)
    third = handed(cmdline, env)
    assert third.plan is not None and third.env["UV_INDEX_ART_PASSWORD"] == "memo-tok3n-2"


@pytest.mark.usefixtures("stored_later")
def test_an_environment_entry_set_later_is_never_hidden_by_a_memoized_plan(tmp_path: Path) -> None:
    from uvauth.uv import cmdline as uvcli

    project = tmp_path / "project"
    project.mkdir()
    (project / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://ex.example/simple"\n')
    (project / "req.in").write_text("--extra-index-url https://ex.example/simple\nx\n")
    cmdline = uvcli.parse(["--directory", str(project), "pip", "compile", "req.in"])
    env = dict(os.environ)
    assert handed(cmdline, env).plan is not None
    assert handed(cmdline, env).plan is None  # memoized: no credentials handed
    env["UVAUTH_CREDENTIALS_ART_PASSWORD_ENV"] = "ART_TOKEN"
    env["UVAUTH_CREDENTIALS_ART_URL"] = "https://ex.example/"
    env["ART_TOKEN"] = "from-env"
    later = handed(cmdline, env)
    assert later.plan is not None and later.env["UV_INDEX_ART_PASSWORD"] == "from-env"


# -- what only uvauth reads, made hostile (issue 16 items 4 and 6) -----------------------------------------------


@pytest.mark.parametrize("record", [
    {"entry": "e", "password": "p", "username": 3, "fresh_until": 1e12},
    {"entry": "e", "password": "p", "username": None, "fresh_until": "inf"},
    {"entry": "e", "password": "p", "username": None, "fresh_until": float("inf")},
    {"entry": "e", "password": "p", "username": None, "fresh_until": float("nan")},
    {"entry": "e", "password": "p", "username": None, "fresh_until": True},
    {"entry": "e", "password": "p", "username": None, "fresh_until": 10**400},
    {"entry": "e", "password": "p\0q", "username": None, "fresh_until": 1e12},
    {"entry": "e", "password": "", "username": None, "fresh_until": 1e12},
    {"entry": 3, "password": "p", "username": None, "fresh_until": 1e12},
    {"entry": "e", "password": "p", "username": None, "fresh_until": 1e12, "expires": "soon"},
], ids=["int-username", "str-inf", "float-inf", "nan", "bool", "huge-int", "nul", "empty", "int-entry", "expires"])
def test_a_token_record_of_the_wrong_shape_is_a_miss_and_not_listed(record: dict[str, object], tmp_path: Path) -> None:
    import marshal

    (tmp_path / "token-x.marshal").write_bytes(marshal.dumps(record))
    assert tokencache.read_path(str(tmp_path / "token-x.marshal"), time.time()) is None
    assert list(tokencache.records(tmp_path)) == []
    assert tokencache.forget(tmp_path, None) == 1  # forgetting every token still removes it


@pytest.mark.parametrize(("stdout", "says"), [
    ("s3cr\0et", "NUL byte"), ('{"password": "s3cr\\u0000et"}', "NUL byte"),
    ('{"password": "s3cret", "username": "u\\u0000"}', "NUL byte"),
    ('{"password": "t", "expires": 1e400}', "expires"), ('{"password": "t", "expires": ' + "9" * 400 + "}", "expires"),
    ('{"password": "t", "expires": "' + "9" * 400 + '"}', "expires"),
    ('{"password": "t", "expires": "nan"}', "expires"),
    ('{"password": "t", "expires": "0001-01-01T00:00:00"}', "expires"),
])
def test_a_token_uvauth_cannot_hand_over_is_one_error_line(stdout: str, says: str) -> None:
    with pytest.raises(UvauthError, match=says) as raised:
        parse_output(stdout, "myentry")
    assert "credentials entry myentry" in str(raised.value) and "s3cr" not in str(raised.value)


@pytest.mark.parametrize(("raw", "says"), [
    ({"index": "", "password-env": "T"}, "`index` is empty"),
    ({"index": "  ", "password-env": "T"}, "`index` is empty"),
    ({"index": "a", "password-command": ["echo", "a\0b"]}, "`password-command` holds a NUL byte"),
    ({"index": "a", "password-env": "T", "username": "u\0"}, "`username` holds a NUL byte"),
    ({"index": "a", "password-file": "/tmp/x\0y"}, "`password-file` holds a NUL byte"),
    ({"index": "a", "password-env": "T\0"}, "`password-env` holds a NUL byte"),
    ({"index": "a", "password-command": ["x"], "ttl": f"{10**30}d"}, "ttl is longer than a year"),
    ({"index": "a", "password-command": ["x"], "timeout": 10**30}, "timeout is longer than a year"),
    ({"index": "a", "password-command": ["x"], "ttl": str(10**400)}, "ttl is longer than a year"),
])
def test_an_entry_uvauth_cannot_use_is_refused_when_read(raw: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        normalize(raw, source="s", file=None)


def test_such_an_entry_in_a_settings_file_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "uvauth.toml").write_text('[[credentials]]\nindex = ""\npassword-env = "T"\n'
                                          '[[credentials]]\nindex = "b"\npassword-command = ["x"]\n'
                                          f'ttl = {10**18}\n')
    with pytest.raises(UvauthError, match=r"uvauth\.toml.*entry 1.*`index` is empty"):
        resolve(None, tmp_path, dict(os.environ), tmp_path / "cache")


def test_a_password_files_tilde_is_the_home_of_the_environment_given(tmp_path: Path) -> None:
    """`~` in `password-file` is the HOME of the environment uvauth plans for (what a memoized plan records),
    not whatever HOME the process happens to have."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "token").write_text("home-token\n")
    (home / "token").chmod(0o600)
    data = normalize({"index": "a", "url": "https://h/", "password-file": "~/token"}, source="s", file=None)
    found = Providers([data], {**os.environ, "HOME": str(home)}).find("https://h/simple", "a")
    assert found is not None and found.credentials is not None and found.credentials.password == "home-token"


def test_a_password_file_holding_a_nul_byte_is_one_error_line(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_bytes(b"s3cr\0et\n")
    secret.chmod(0o600)
    data = normalize({"index": "a", "url": "https://h/", "password-file": str(secret)}, source="s", file=None)
    with pytest.raises(UvauthError, match="holds a NUL byte") as raised:
        Providers([data], dict(os.environ)).find("https://h/simple", "a")
    assert "s3cr" not in str(raised.value)


def _cached_entry(tmp_path: Path) -> tuple[dict[str, object], dict[str, str], Path, str]:
    env = dict(os.environ)
    data = normalize({"index": "art", "url": "https://h/", "password-command": _command(tmp_path, MINT)},
                     source="s", file=None)
    entry_ = Entry.from_data(data)
    digest = tokencache.key(entry_.identity(), list(entry_.password_command or ()))
    return data, env, tokencache.token_dir(env), digest


def _assert_minted_once_and_warned(data: dict[str, object], env: dict[str, str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str], warning: str) -> None:
    found = Providers([data], env).find("https://h/simple", "art")
    assert found is not None and found.credentials is not None and found.credentials.password == "secret-1"
    err = capsys.readouterr().err
    assert err.startswith("uvauth: warning: credentials entry art: ") and warning in err, err
    assert "secret-1" not in err and (tmp_path / "calls").read_text().count("call") == 1


@pytest.mark.parametrize("how", ["directory", "dangling-symlink"])
def test_a_lock_that_cannot_be_taken_refreshes_without_it(how: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data, env, directory, digest = _cached_entry(tmp_path)
    lock = directory / f"token-{digest}.lock"
    if how == "directory":
        lock.mkdir()
    else:
        lock.symlink_to(tmp_path / "nowhere")
    _assert_minted_once_and_warned(data, env, tmp_path, capsys, "refreshing its token without the lock")
    assert tokencache.read(directory, digest, time.time()) is not None  # and it is cached all the same
    assert not (tmp_path / "nowhere").exists()


def test_a_token_that_cannot_be_cached_is_used_for_this_command(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    data, env, directory, digest = _cached_entry(tmp_path)
    (directory / f"token-{digest}.marshal").mkdir()  # the record cannot replace a directory: as a full disk
    (directory / f"token-{digest}.marshal" / "x").write_text("")
    _assert_minted_once_and_warned(data, env, tmp_path, capsys, "its token is used for this command only")
    found = Providers([data], env).find("https://h/simple", "art")
    assert found is not None and found.credentials is not None
    assert found.credentials.cache_file is None  # nothing a memoized plan could read again
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_an_unusable_token_cache_mints_for_this_command_only(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    env = dict(os.environ)
    runtime = Path(env["XDG_RUNTIME_DIR"])
    (runtime / "uvauth").write_text("not a directory")
    data = normalize({"index": "art", "url": "https://h/", "password-command": _command(tmp_path, MINT)},
                     source="s", file=None)
    found = Providers([data], env).find("https://h/simple", "art")
    assert found is not None and found.credentials is not None and found.credentials.password == "secret-1"
    err = capsys.readouterr().err
    assert "cannot use the token cache" in err and "for this command only" in err and "secret" not in err


def _approved_project(root: Path, url: str, script: Path) -> Path:
    """A checkout whose own uvauth.toml runs a command for its index `art` at ``url``."""
    root.mkdir()
    (root / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{url}"\n')
    (root / "req.in").write_text("x\n")
    (root / "uvauth.toml").write_text(f'[[credentials]]\nindex = "art"\nttl = "1h"\n'
                                      f'password-command = ["{sys.executable}", "{script}"]\n')
    return root


@pytest.mark.usefixtures("stored_later")
def test_a_cached_token_is_used_only_where_its_entry_is_approved_now(tmp_path: Path) -> None:
    """Issue 16 item 2: trust is checked before a cached token is used, memoized plans included. Before the fix a
    removed approval, or an unapproved second checkout repeating the entry, got the cached token."""
    from uvauth.commands import credentials as command
    from uvauth.uv import cmdline as uvcli

    script = tmp_path / "mint.py"
    script.write_text("print('cached-s3cret')\n")
    first = _approved_project(tmp_path / "first", "https://ex.example/simple", script)
    env = dict(os.environ)
    assert command.trust_entries(env, first) == 0
    compile_first = uvcli.parse(["--directory", str(first), "pip", "compile", "req.in"])
    assert handed(compile_first, env).env["UV_INDEX_ART_PASSWORD"] == "cached-s3cret"
    recalled = handed(compile_first, env)
    assert recalled.plan is None and recalled.env["UV_INDEX_ART_PASSWORD"] == "cached-s3cret"  # memoized

    # The same entry's text in another, unapproved checkout, whose `art` is somewhere else.
    second = _approved_project(tmp_path / "second", "https://evil.example/simple", script)
    with pytest.raises(UvauthError, match="credentials entry art in .*second/uvauth.toml is not approved"):
        handed(uvcli.parse(["--directory", str(second), "pip", "compile", "req.in"]), env)

    # Removing the approval takes effect at once, though the token is cached and the plan memoized.
    for approval in (Path(env["XDG_DATA_HOME"]) / "uvauth" / "trusted").iterdir():
        approval.unlink()
    with pytest.raises(UvauthError, match="is not approved on this machine"):
        handed(compile_first, env)


@pytest.mark.usefixtures("stored_later")
def test_an_approval_is_for_the_url_the_index_had_when_approved(tmp_path: Path) -> None:
    from uvauth.commands import credentials as command
    from uvauth.uv import cmdline as uvcli

    script = tmp_path / "mint.py"
    script.write_text("print('bound-s3cret')\n")
    project = _approved_project(tmp_path / "p", "https://ex.example/simple", script)
    env = dict(os.environ)
    command.trust_entries(env, project)
    cmdline = uvcli.parse(["--directory", str(project), "pip", "compile", "req.in"])
    assert handed(cmdline, env).env["UV_INDEX_ART_PASSWORD"] == "bound-s3cret"
    (project / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://evil.example/simple"\n')
    with pytest.raises(UvauthError, match="not approved on this machine for index art at "
                                          "https://evil.example/simple"):
        handed(cmdline, env)
    # Approving again approves the new URL, and says which.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        command.trust_entries(env, project)
    assert "approved: art in" in out.getvalue() and "(for index art at https://evil.example/simple)" in out.getvalue()
    assert handed(cmdline, env).env["UV_INDEX_ART_PASSWORD"] == "bound-s3cret"


@pytest.mark.usefixtures("stored_later")
@pytest.mark.parametrize("form", ["file", "environment"])
def test_a_users_entry_by_name_never_follows_a_project_that_moves_the_name(tmp_path: Path, form: str) -> None:
    """Issue 16 item 2 (Maven's MNG-5265): the user's `index = "art"` entry, and a project whose uv.toml points
    `art` at a server of its own. Before the fix the token went there."""
    from uvauth.uv import cmdline as uvcli

    project = tmp_path / "clone"
    project.mkdir()
    (project / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://evil.example/simple"\n')
    (project / "req.in").write_text("x\n")
    env = {**os.environ, "ART_TOKEN": "users-s3cret"}
    user = Path(env["XDG_CONFIG_HOME"])
    if form == "file":
        (user / "uvauth").mkdir(parents=True)
        (user / "uvauth" / "uvauth.toml").write_text('[[credentials]]\nindex = "art"\npassword-env = "ART_TOKEN"\n')
    else:
        env["UVAUTH_CREDENTIALS_ART_PASSWORD_ENV"] = "ART_TOKEN"
    cmdline = uvcli.parse(["--directory", str(project), "pip", "compile", "req.in"])
    with pytest.raises(UvauthError) as raised:
        handed(cmdline, env)
    line = str(raised.value)
    assert "the project has that index at https://evil.example/simple" in line, line
    assert 'add url = "https://evil.example/simple" to the entry' in line and "users-s3cret" not in line

    # Where the user's own uv.toml gives `art` that URL, or the entry's `url` covers it, the token goes there.
    (user / "uv").mkdir()
    (user / "uv" / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://evil.example/simple/"\n')
    assert handed(cmdline, env).env["UV_INDEX_ART_PASSWORD"] == "users-s3cret"
    (user / "uv" / "uv.toml").unlink()
    if form == "file":
        (user / "uvauth" / "uvauth.toml").write_text('[[credentials]]\nindex = "art"\npassword-env = "ART_TOKEN"\n'
                                                     'url = "https://evil.example/"\n')
    else:
        env["UVAUTH_CREDENTIALS_ART_URL"] = "https://evil.example/"
    assert handed(cmdline, env).env["UV_INDEX_ART_PASSWORD"] == "users-s3cret"
    # A `url` elsewhere refuses the project's index, naming both.
    if form == "file":
        (user / "uvauth" / "uvauth.toml").write_text('[[credentials]]\nindex = "art"\npassword-env = "ART_TOKEN"\n'
                                                     'url = "https://ex.example/"\n')
    else:
        env["UVAUTH_CREDENTIALS_ART_URL"] = "https://ex.example/"
    with pytest.raises(UvauthError, match="not under the entry's url https://ex.example/"):
        handed(cmdline, env)


def test_url_binds_an_index_entry_only() -> None:
    with pytest.raises(ValueError, match="`url` binds an `index` entry"):
        normalize({"prefix": "https://h/", "url": "https://h/", "password-env": "T"}, source="s", file=None)
    with pytest.raises(ValueError, match="holds credentials"):
        normalize({"index": "a", "url": "https://u:p@h/", "password-env": "T"}, source="s", file=None)
    with pytest.raises(ValueError, match="not an absolute URL"):
        normalize({"index": "a", "url": "h/simple", "password-env": "T"}, source="s", file=None)
    with pytest.raises(ValueError, match=r"url 'https://\[bad/': "):
        normalize({"index": "a", "url": "https://[bad/", "password-env": "T"}, source="s", file=None)
    assert env_entries({"UVAUTH_CREDENTIALS_ART_URL": "https://h/", "UVAUTH_CREDENTIALS_ART_PASSWORD_ENV": "T"}) == [
        {"name": "ART", "index": "ART", "url": "https://h/", "password-env": "T"}]


def test_the_token_cache_key_is_the_command_too() -> None:
    """Issue 22: one entry whose command differs (another CodeArtifact domain, another account) must not reuse
    the other command's token."""
    identity = {"index": "ca", "file": "/u/uvauth.toml"}
    first = tokencache.key(identity, ["aws", "codeartifact", "get-authorization-token", "--domain", "one"])
    second = tokencache.key(identity, ["aws", "codeartifact", "get-authorization-token", "--domain", "two"])
    assert first != second
    again = tokencache.key(dict(identity), ["aws", "codeartifact", "get-authorization-token", "--domain", "one"])
    assert first == again
