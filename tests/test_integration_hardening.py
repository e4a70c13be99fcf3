"""Integration, issue 8 ("never the reason a uv command fails"): the edges where uvauth's own work — the strings it
hands uv, the configuration it generates, the credentials it picks — could make a uv command fail or differ
where plain uv succeeds. Every test runs the real uv against a loopback index that demands Basic auth."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import NetrcWriter
from support.indexserver import IndexServer, IndexServerFactory
from support.uvrun import TOOLS, compare, run, write_index_toml

pytestmark = pytest.mark.integration

CREDS = {"127.0.0.1": ("user", "pass")}
SECRET = "pw-Unnamed-7731"


@pytest.fixture(scope="module")
def server(wheelhouse: Path) -> Iterator[IndexServer]:
    with IndexServer(wheelhouse, "plain") as server:
        yield server


@pytest.fixture
def netrc(netrc_file: NetrcWriter) -> Path:
    return netrc_file(CREDS)


# --------------------------------------------------------------------------- E2BIG: one string over 128 KiB


def test_a_command_line_too_long_for_one_header_string_runs_as_with_plain_uv(
    server: IndexServer, netrc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of short arguments: plain uv takes them (each is far below Linux's 128 KiB per string), but the
    header uv would write for them is one string over that limit, so it cannot travel in
    UV_CUSTOM_COMPILE_COMMAND. uvauth then leaves argv as typed (uv writes the header itself) and makes the
    policy hold by environment-only levers."""
    template = tmp_path / "long"
    template.mkdir()
    write_index_toml(template / "uv.toml", server.index_url)  # `art`, always, default
    (template / "req.in").write_text("tinypkg\n")
    many = [arg for i in range(9000) for arg in ("--no-binary", f"nonexistent-package-{i:05}")]
    assert len(" ".join(many)) > 131072
    pair = compare(["pip", "compile", "req.in", "--index-url", server.index_url, *many, "-o", "out.txt"],
                   template=template, servers=[server], collect=["out.txt"])
    assert pair.uv.returncode == 0, str(pair.uv)
    pair.assert_clean()
    pair.assert_same_result()
    assert (pair.uvauth.files["out.txt"] or b"").count(b"nonexistent-package-08999") == 1
    # Not a pass-through: argv is as typed, and the index's credentials are handed over (seeded), so the
    # duplicate `--index-url` copy authenticates up front whichever copy uv's hash order picks.
    from uvauth.pipeline import prepare
    from uvauth.uv.cmdline import parse

    argv = ["pip", "compile", "req.in", "--index-url", server.index_url, *many]
    monkeypatch.chdir(template)
    prepared = prepare(parse(argv), dict(os.environ))
    assert prepared.argv == argv and "UV_CUSTOM_COMPILE_COMMAND" not in prepared.env
    assert prepared.env.get("UV_INDEX_ART_PASSWORD") == "pass"


# --------------------------------------------------------------------------- uv rejects the configuration


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param('index-strategy = "bogus"\n', id="unknown-variant"),
        pytest.param("index-strategy = 3\n", id="wrong-type"),
        pytest.param('[pip]\nemit-index-url = "yes"\n', id="wrong-type-in-pip"),
        pytest.param('[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\nignore-error-codes = ["x"]\n',
                     id="bad-value-in-an-index"),
    ],
)
def test_a_value_uv_rejects_in_the_users_uv_toml_is_reported_by_uv_naming_the_users_file(
    bad: str, tmp_path: Path
) -> None:
    """uvauth would generate a configuration here (a URL without an entry under --authenticate always): uv must
    still report the user's own file, exactly as without uvauth — never the generated one in uvauth's cache."""
    template = tmp_path / "bad"
    template.mkdir()
    (template / "uv.toml").write_text(bad)
    (template / "req.in").write_text("tinypkg\n")
    cache = tmp_path / "xdg-cache"
    args = ["pip", "compile", "--offline", "--index-url", "http://127.0.0.1:9/other/simple", "req.in"]
    pair = compare(args, template=template, uvauth_args=["--authenticate", "always", *args],
                   env={"XDG_CACHE_HOME": str(cache)})
    assert pair.uv.returncode == 2 and "uv.toml" in pair.uv.stderr, str(pair.uv)
    pair.assert_same_result()
    assert "uvauth" not in pair.uvauth.stderr
    assert [p.name for p in (cache / "uvauth").glob("*.toml*")] == []  # nothing uv rejects is kept either


def test_a_generated_configuration_uv_rejects_is_never_handed_over(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the user's files are fine but uvauth rendered something uv does not read (a bug of uvauth's), uv
    runs unchanged and uvauth says its policies do not hold, instead of uv failing on uvauth's file."""
    from uvauth.pipeline import prepare
    from uvauth.uv.cmdline import parse
    from uvauth.uv.config import render

    (tmp_path / "uv.toml").write_text('index-strategy = "first-index"\n')
    (tmp_path / "req.in").write_text("tinypkg\n")
    monkeypatch.setattr(render.GeneratedConfig, "render", lambda self: "not-a-uv-key = 1\n")
    monkeypatch.chdir(tmp_path)
    argv = ["pip", "compile", "--index-url", "http://127.0.0.1:9/other/simple", "req.in"]
    prepared = prepare(parse(["--authenticate", "never", *argv]), dict(os.environ))
    assert prepared.argv == argv and "UV_CONFIG_FILE" not in prepared.env
    assert any("uv does not read the configuration uvauth generated" in w for w in prepared.warnings)


# --------------------------------------------------------------------------- unnamed URLs' passwords


@pytest.fixture(scope="module")
def secret_server(wheelhouse: Path) -> Iterator[IndexServer]:
    with IndexServer(wheelhouse, "artifactory", username="alice", password=SECRET) as server:
        yield server


@pytest.mark.parametrize(
    ("toml", "args", "env"),
    [
        pytest.param('index-url = "{U}"\n', [], {"UVAUTH_AUTHENTICATE": "always"}, id="index-url-global-setting"),
        pytest.param('[pip]\nindex-url = "{U}"\n', ["--authenticate", "always"], {}, id="pip-index-url-option"),
        pytest.param('extra-index-url = ["{U}"]\n', [], {"UVAUTH_AUTHENTICATE": "always"}, id="extra-index-url"),
        pytest.param('[pip]\nextra-index-url = ["{U}"]\n[[index]]\nname = "other"\nurl = "{O}"\n'
                     'explicit = true\n', ["--authenticate", "always"], {}, id="pip-extra-beside-named"),
    ],
)
def test_a_password_in_an_unnamed_configured_url_is_never_written_by_uvauth(
    secret_server: IndexServer, tmp_path: Path, toml: str, args: list[str], env: dict[str, str]
) -> None:
    """uvauth generates a configuration here; the password written in an unnamed URL of the user's uv.toml stays
    in the user's file only, and still reaches uv (for an explicit named index of that URL): no request goes out
    without it, and the output is plain uv's."""
    url = secret_server.index_url
    userinfo_url = url.replace("http://", f"http://alice:{SECRET}@")
    template = tmp_path / "unnamed"
    template.mkdir()
    (template / "uv.toml").write_text(toml.format(U=userinfo_url, O="http://127.0.0.1:9/simple"))
    (template / "req.in").write_text("tinypkg\n")
    cache = tmp_path / "xdg-cache"
    uv_args = ["pip", "compile", "req.in", "-o", "out.txt"]
    pair = compare(uv_args, template=template, servers=[secret_server], collect=["out.txt"],
                   uvauth_args=[*args, *uv_args], env={**env, "XDG_CACHE_HOME": str(cache)})
    assert pair.uv.returncode == 0, str(pair.uv)
    pair.assert_clean()
    pair.assert_same_result(stderr=False)
    written = [p for p in (cache / "uvauth").rglob("*") if p.is_file()]
    assert [p for p in written if p.name.startswith("uv-")], "uvauth generated no configuration: this proves nothing"
    assert [p.name for p in written if SECRET in p.read_text(errors="replace")] == []


def test_a_command_that_writes_the_unnamed_url_out_runs_unchanged(secret_server: IndexServer,
                                                                  tmp_path: Path) -> None:
    """`pip compile --emit-index-url` writes the configured URL, password included, into its output: without the
    password in the generated file the output would differ, so uvauth runs uv unchanged (and says so)."""
    userinfo_url = secret_server.index_url.replace("http://", f"http://alice:{SECRET}@")
    template = tmp_path / "emit"
    template.mkdir()
    (template / "uv.toml").write_text(f'index-url = "{userinfo_url}"\n')
    (template / "req.in").write_text("tinypkg\n")
    cache = tmp_path / "xdg-cache"
    uv_args = ["pip", "compile", "req.in", "--emit-index-url", "-o", "out.txt"]
    pair = compare(uv_args, template=template, servers=[secret_server], collect=["out.txt"],
                   uvauth_args=["--authenticate", "always", *uv_args], env={"XDG_CACHE_HOME": str(cache)})
    pair.assert_clean()
    pair.assert_same_result(stderr=False)
    assert "uvauth runs uv unchanged" in pair.uvauth.stderr
    assert [p.name for p in (cache / "uvauth").rglob("uv-*")] == []


def test_the_renderer_drops_every_unnamed_password_and_keeps_a_bare_username(tmp_path: Path) -> None:
    from uvauth.uv.config.discover import discover
    from uvauth.uv.config.render import render_merged, unnamed_url_credentials

    (tmp_path / "uv.toml").write_text(
        f'find-links = ["https://a:{SECRET}@h.example/flat/"]\n'
        f'extra-index-url = ["https://only-user@h.example/u/simple"]\n'
        f'[[index]]\nurl = "https://b:{SECRET}@h.example/unnamed/simple"\n'
        f'[pip]\nindex-url = "https://c:{SECRET}@h.example/pip/simple"\n'
    )
    config = discover(cwd=tmp_path, project=tmp_path, config_file=None, no_config=False, tool_command=False,
                      env={"HOME": str(tmp_path)})
    text = render_merged(config)
    assert SECRET not in text
    assert "https://h.example/flat/" in text and "https://only-user@h.example/u/simple" in text
    assert sorted((u, user) for u, user, _ in unnamed_url_credentials(config)) == [
        ("https://h.example/flat/", "a"), ("https://h.example/pip/simple", "c"),
        ("https://h.example/unnamed/simple", "b"),
    ]


# --------------------------------------------------------------------------- credential precedence, asked of uv

# Each source gives its own username (and password): the server accepts exactly one of them, and logs the
# username of every request, so which source uv used is seen on the wire.
SOURCES = ("url", "env", "netrc", "store", "keyring")


def _give(source: str, server: IndexServer, env: dict[str, str], tmp_path: Path, username: str | None = None
          ) -> str:
    """Put `source`'s credentials in place; returns the index URL to configure."""
    import subprocess

    user, password = username or f"{source}-user", f"pw-{source}"
    if source == "url":
        return server.index_url.replace("http://", f"http://{user}:{password}@")
    if source == "env":
        env["UV_INDEX_ART_USERNAME"], env["UV_INDEX_ART_PASSWORD"] = user, password
    elif source == "netrc":
        (tmp_path / "netrc").write_text(f"machine 127.0.0.1 login {user} password {password}\n")
        (tmp_path / "netrc").chmod(0o600)
        env["NETRC"] = str(tmp_path / "netrc")
    elif source == "store":
        env["UV_CREDENTIALS_DIR"] = str(tmp_path / "store")
        subprocess.run([str(_uv()), "auth", "login", server.url, "--username", user, "--password", password],
                       env=env, check=True, capture_output=True, text=True)
    elif source == "keyring":
        from support.keyring import FakeKeyring

        keyring = FakeKeyring(tmp_path / "keyring")
        keyring.add(server.index_url, user, password)
        env["PATH"] = keyring.path_with_bin(env.get("PATH"))
        env["UV_KEYRING_PROVIDER"] = "subprocess"
    return server.index_url


def _uv() -> Path:
    import uv

    return Path(uv.find_uv_bin())


def _usernames(server: IndexServer) -> tuple[set[str | None], set[str | None]]:
    """The usernames uv sent: (to index pages, to everything else — metadata and files)."""
    pages = {r.username for r in server.requests if r.kind in ("root", "project")}
    return pages, {r.username for r in server.requests if r.kind not in ("root", "project")}


@pytest.mark.parametrize(("first", "second"),
                         [(a, b) for i, a in enumerate(SOURCES) for b in SOURCES[i + 1:]])
def test_uvauth_picks_the_credentials_the_real_uv_uses(
    first: str, second: str, index_server: object, tmp_path: Path
) -> None:
    """Two sources compete for one named `always` index; the server accepts only the source uvauth's search
    puts first, and logs the username of every request. find_credentials must name what uv sends.

    One pair is split in uv itself (uv 0.13.8): the index page request carries the URL's own userinfo, but uv
    caches the index's credentials up front from `Index::credentials`, where UV_INDEX_<NAME>_* win over the
    URL's — and every other request (metadata, files) takes those. find_credentials answers for the index URL.
    """
    from uvauth.uv.credentials.search import find_credentials

    server: IndexServer = index_server("plain", username=f"{first}-user",  # type: ignore[operator]
                                       password=f"pw-{first}")
    env = {k: v for k, v in os.environ.items() if k != "NETRC"}
    url = server.index_url
    for source in (first, second):
        given = _give(source, server, env, tmp_path)
        url = given if source == "url" else url
    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{url}"\nauthenticate = "always"\n'
                                      "default = true\n")
    (tmp_path / "req.in").write_text("tinypkg\n")
    done = run("uv", ["pip", "compile", "req.in"], cwd=tmp_path, servers=[server], env=env)
    split = (first, second) == ("url", "env")
    assert _usernames(server) == ({f"{first}-user"}, {f"{second if split else first}-user"}), str(done)
    assert (done.returncode == 0) != split, str(done)
    found = find_credentials(url, name="art", env=env, keyring_provider=env.get("UV_KEYRING_PROVIDER"),
                             home=Path(env["HOME"]))
    assert found.credentials is not None
    assert (found.credentials.username, found.credentials.password) == (f"{first}-user", f"pw-{first}")


def test_a_username_in_the_url_takes_its_password_from_netrc_not_from_another_users_variables(
    index_server: object, tmp_path: Path
) -> None:
    """`http://netrc-user@…`: uv asks for that user's password (netrc has it) and ignores the variables of
    another user for the index page — though, as above, its up-front cache (metadata, files) takes them."""
    from uvauth.uv.credentials.search import find_credentials

    server: IndexServer = index_server("plain", username="netrc-user",  # type: ignore[operator]
                                       password="pw-netrc")
    env = {k: v for k, v in os.environ.items() if k != "NETRC"}
    _give("netrc", server, env, tmp_path)
    _give("env", server, env, tmp_path)
    url = server.index_url.replace("http://", "http://netrc-user@")
    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{url}"\nauthenticate = "always"\n'
                                      "default = true\n")
    (tmp_path / "req.in").write_text("tinypkg\n")
    done = run("uv", ["pip", "compile", "req.in"], cwd=tmp_path, servers=[server], env=env)
    assert _usernames(server) == ({"netrc-user"}, {"env-user"}), str(done)
    found = find_credentials(url, name="art", env=env, keyring_provider=None, home=Path(env["HOME"]))
    assert found.credentials is not None and found.credentials.source == "netrc"
    assert (found.credentials.username, found.credentials.password) == ("netrc-user", "pw-netrc")


# --------------------------------------------------------------------------- inputs that can be read only once


def test_requirements_piped_to_dev_stdin_reach_uv_untouched(server: IndexServer, netrc: Path, tmp_path: Path) -> None:
    """`echo tinypkg | uv pip compile /dev/stdin`: uvauth must not read the pipe (issue 16), or uv finds it empty
    and writes a lock with no packages. With an `always` index configured uvauth also says what it did not read."""
    template = tmp_path / "stdin"
    template.mkdir()
    write_index_toml(template / "uv.toml", server.index_url)
    pair = compare(["pip", "compile", "/dev/stdin", "-o", "out.txt"], template=template, servers=[server],
                   input="tinypkg\n", collect=["out.txt"])
    assert pair.uv.returncode == 0, str(pair.uv)
    assert b"tinypkg==" in (pair.uv.files["out.txt"] or b"")
    pair.assert_clean()
    pair.assert_same_result(stderr=False)
    assert pair.uvauth.stderr.count("uvauth: warning: uvauth did not read /dev/stdin") == 1, pair.uvauth.stderr
    assert "uvauth" not in pair.uv.stderr


def test_a_piped_requirements_file_without_any_policy_set_is_passed_on_silently(
    server: IndexServer, netrc: Path, tmp_path: Path
) -> None:
    """Nothing but uv's default policy applies: uvauth has nothing to warn about, and the run is plain uv's."""
    template = tmp_path / "quiet"
    template.mkdir()
    pair = compare(["pip", "install", "--dry-run", "-r", "/dev/stdin", "--index-url", server.index_url],
                   template=template, servers=[server], input="tinypkg\n")
    assert pair.uv.returncode == 0, str(pair.uv)
    assert "tinypkg" in pair.uv.stderr
    pair.assert_same_result()


def test_process_substitution_reaches_uv_untouched(server: IndexServer, netrc: Path, tmp_path: Path) -> None:
    """`uv pip compile <(…)`: a pipe under /dev/fd (bash's process substitution)."""
    write_index_toml(tmp_path / "uv.toml", server.index_url)
    outputs = {}
    for tool in ("uv", "uvauth"):
        result = run(tool, ["-c", f'exec "{TOOLS[tool]}" pip compile <(printf "tinypkg\\n") --no-header',
                            "bash"], cwd=tmp_path, servers=[server], shell=True)
        assert result.returncode == 0, str(result)
        outputs[tool] = result.stdout
    assert "tinypkg==" in outputs["uv"]
    assert outputs["uvauth"] == outputs["uv"]


def test_a_configuration_file_given_as_a_pipe_reaches_uv_untouched(
    server: IndexServer, netrc: Path, tmp_path: Path
) -> None:
    """`uv --config-file <(…)`: uvauth cannot read the pipe without emptying it for uv, so uv runs unchanged and
    uvauth says so; where the user asked uvauth for a policy, it refuses rather than run without it."""
    (tmp_path / "req.in").write_text("tinypkg\n")
    config = f'[[index]]\\nname = "art"\\nurl = "{server.index_url}"\\ndefault = true\\n'
    outputs = {}
    for tool in ("uv", "uvauth"):
        script = f'exec "{TOOLS[tool]}" --config-file <(printf \'{config}\') pip compile req.in --no-header'
        result = run(tool, ["-c", script, "bash"], cwd=tmp_path, servers=[server], shell=True)
        assert result.returncode == 0, str(result)
        outputs[tool] = result
    assert "tinypkg==" in outputs["uv"].stdout
    assert outputs["uvauth"].stdout == outputs["uv"].stdout
    assert "uvauth: warning: uvauth did not read --config-file /dev/fd/" in outputs["uvauth"].stderr
    script = f'exec "{TOOLS["uvauth"]}" --config-file <(printf \'{config}\') pip compile req.in'
    refused = run("uvauth", ["-c", script, "bash"], cwd=tmp_path, servers=[server], shell=True,
                  env={"UVAUTH_AUTHENTICATE": "always"})
    assert refused.returncode == 2 and refused.requests == 0, str(refused)
    error, hint = refused.stderr.splitlines()
    assert error.startswith("uvauth: error: /dev/fd/") and hint.startswith("hint: "), refused.stderr


def test_always_holds_for_indexes_under_another_index_root_on_the_same_server(
    index_server: IndexServerFactory, netrc_file: NetrcWriter, tmp_path: Path
) -> None:
    """Issue 16 item 3: an `always` index and an explicit index at the same server's root (policy auto). uv's
    middleware takes the policy of whichever matching index its hash set yields first (port-dependent), so plain
    uvauth let some servers' requests go out without credentials first; the credentials are now handed up front."""
    servers = [index_server("artifactory") for _ in range(6)]
    netrc_file({"127.0.0.1": ("user", "pass")})
    config = "".join(f'[[index]]\nname = "art{n}"\nurl = "{server.index_url}"\nauthenticate = "always"\n'
                     f'[[index]]\nname = "root{n}"\nurl = "{server.url}/simple"\nexplicit = true\n\n'
                     for n, server in enumerate(servers))
    (tmp_path / "uv.toml").write_text(config)
    (tmp_path / "req.in").write_text("tinypkg\n")
    plain = run("uv", ["pip", "compile", "req.in", "--no-header"], cwd=tmp_path, servers=servers)
    done = run("uvauth", ["pip", "compile", "req.in", "--no-header"], cwd=tmp_path, servers=servers)
    assert plain.returncode == 0 and done.returncode == 0, str(done)
    assert done.unauthenticated == 0 and done.requests > 0, str(done)
    assert done.stdout == plain.stdout
    assert "pass" not in done.stderr
    explained = run("uvauth", ["uvauth", "explain", "--json", "pip", "compile", "req.in"], cwd=tmp_path)
    import json

    rows = [row for row in json.loads(explained.stdout)["indexes"] if row["merged_onto"].startswith("art")]
    assert [row["lever"] for row in rows] == ["seeded"] * 6
    assert sorted(row["plain_uv"] for row in rows) == sorted(
        f"policy always, but uv may match its requests to the index root {server.url}/ (policy auto) by hash order, "
        "so the first request may go out without credentials" for server in servers)
