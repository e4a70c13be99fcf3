"""Issue 18: `[[credentials]]` entries that cannot be right are said at once, in words that say what works.

The pure rules (an `index` entry naming no index, a preset on a host not its provider's, the cached tokens of the
entries in force, the `uv tool`/`uvx` hint); their runs through the real uvauth and uv are in
tests/test_integration_providers.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from pathlib import Path

import pytest

from uvauth.commands import credentials as command
from uvauth.errors import UvauthError
from uvauth.providers import presets, tokencache, trust
from uvauth.providers.entries import Entry, entry_findings, env_entries, index_names, normalize, unknown_indexes
from uvauth.providers.lookup import Providers
from uvauth.seeding import no_credentials
from uvauth.uv import envvars
from uvauth.uv.cmdline import parse
from uvauth.uv.config.discover import discover
from uvauth.uv.credentials.search import Lookup, Tried

FRESH_UNTIL = 4e9  # any time after the test runs
CA = "https://mydomain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/myrepo/simple/"


def entry(*, source: str = "/p/uvauth.toml", file: str | None = "/p/uvauth.toml", **raw: object) -> Entry:
    return Entry.from_data(normalize(raw, source=source, file=file))


def _config(tmp_path: Path, *names: str):  # type: ignore[no-untyped-def]
    project = tmp_path / "p"
    project.mkdir(exist_ok=True)
    (project / "uv.toml").write_text("".join(f'[[index]]\nname = "{name}"\nurl = "https://{name}.example/simple"\n'
                                             for name in names))
    return project, discover(cwd=project, project=project, config_file=None, no_config=False, tool_command=False,
                             env=dict(os.environ))


# -- item 1: an `index` entry that names no index -------------------------------------------------------------------


def test_a_mistyped_index_name_is_found_with_the_names_there_are() -> None:
    typo = entry(index="codeartfact", **{"password-env": "T"})
    assert unknown_indexes([typo], ["internal", "codeartifact"]) == [
        "credentials entry codeartfact (/p/uvauth.toml): names no configured index; configured: codeartifact, "
        "internal"]


def test_names_compare_as_uv_spells_them_so_a_correct_entry_gives_nothing() -> None:
    entries = [entry(index="code-artifact", **{"password-env": "T"}),
               entry(index="CODE_ARTIFACT", **{"password-env": "T"}),
               entry(prefix="https://h.example/", **{"password-env": "T"})]
    assert unknown_indexes(entries, ["code.artifact"]) == []


def test_without_named_indexes_it_says_so() -> None:
    assert unknown_indexes([entry(index="corp", **{"password-env": "T"})], []) == [
        "credentials entry corp (/p/uvauth.toml): names no configured index; no index has a name"]


def test_an_entry_named_otherwise_names_its_index() -> None:
    named = entry(index="codeartfact", name="aws", **{"password-env": "T"})
    assert unknown_indexes([named], ["codeartifact"]) == [
        "credentials entry aws (/p/uvauth.toml): its index codeartfact names no configured index; configured: "
        "codeartifact"]


def test_the_environment_form_is_named_by_its_variables() -> None:
    (raw,) = env_entries({"UVAUTH_CREDENTIALS_CODEARTFACT_PASSWORD_ENV": "T"})
    from_env = Entry.from_data(normalize(raw, source=envvars.ENVIRONMENT_SOURCE, file=None))
    assert unknown_indexes([from_env], ["codeartifact"]) == [
        "credentials entry CODEARTFACT (UVAUTH_CREDENTIALS_CODEARTFACT_*): names no configured index; configured: "
        "codeartifact"]


def test_the_users_own_entries_serve_every_project_and_are_not_judged_by_one() -> None:
    users = entry(index="codeartifact", source="/home/me/.config/uvauth/uvauth.toml", file=None,
                  **{"password-env": "T"})
    assert unknown_indexes([users], ["internal"]) == []


def test_the_command_lines_index_names_count(tmp_path: Path) -> None:
    project, config = _config(tmp_path, "internal")
    typo = entry(index="extra", **{"password-env": "T"})
    plain = parse(["pip", "compile", "req.in"])
    assert entry_findings([typo], config, plain, {}, str(project), no_config=False) == [
        "credentials entry extra (/p/uvauth.toml): names no configured index; configured: internal"]
    named = parse(["pip", "compile", "req.in", "--index", "extra=https://extra.example/simple"])
    assert index_names(config, named, {}, str(project)) == ("internal", "extra")
    assert entry_findings([typo], config, named, {}, str(project), no_config=False) == []
    assert entry_findings([typo], config, plain, {"UV_INDEX": "extra=https://extra.example/simple"}, str(project),
                          no_config=False) == []


@pytest.mark.parametrize("argv", [["tool", "install", "x"], ["tool", "uvx", "x"], ["tool", "run", "x"]])
def test_uv_tool_and_uvx_read_no_project_index_names_and_are_not_judged(tmp_path: Path, argv: list[str]) -> None:
    project, config = _config(tmp_path, "internal")
    typo = entry(index="codeartfact", **{"password-env": "T"})
    assert entry_findings([typo], config, parse(argv), {}, str(project), no_config=False) == []
    assert entry_findings([typo], config, parse(["pip", "install", "x"]), {}, str(project), no_config=False) != []


def test_no_config_reads_no_index_names_and_is_not_judged(tmp_path: Path) -> None:
    project, config = _config(tmp_path, "internal")
    typo = entry(index="codeartfact", **{"password-env": "T"})
    assert entry_findings([typo], config, parse(["lock"]), {}, str(project), no_config=True) == []


# -- item 2: a preset on a host that is not its provider's ----------------------------------------------------------


def test_an_own_password_command_replaces_the_codeartifact_preset_on_any_host() -> None:
    own = entry(index="corp", provider="aws-codeartifact", **{"password-command": ["vault", "read", "x"]})
    made = presets.recipe(own, "https://pkgs.example.com/simple/", {})
    assert made is not None
    assert (made.command, made.username) == (("vault", "read", "x"), "aws")


@pytest.mark.parametrize("way", [{"password-env": "CA_TOKEN"}, {"password-file": "/run/secrets/ca"}])
def test_an_own_variable_or_file_replaces_the_codeartifact_preset_on_any_host(way: dict[str, str]) -> None:
    own = entry(index="corp", provider="aws-codeartifact", **way)
    made = presets.recipe(own, "https://pkgs.example.com/simple/", {})
    assert made is not None and made.command is None and made.username == "aws"
    assert (made.env, made.file) == (way.get("password-env"), way.get("password-file"))


def test_the_codeartifact_preset_on_another_host_says_what_works() -> None:
    bare = entry(index="corp", provider="aws-codeartifact")
    with pytest.raises(UvauthError) as caught:
        presets.recipe(bare, "https://user:secret@pkgs.example.com/simple/", {})
    assert caught.value.message == (
        "credentials entry corp: provider aws-codeartifact needs an index on a "
        "DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com host, and https://user:****@pkgs.example.com/simple/ is "
        "not on one")
    assert caught.value.hint == (
        "point the index at its CodeArtifact URL (DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com), or give the "
        "entry a password-command of its own, which replaces the preset's")
    assert "secret" not in str(caught.value)
    # What the hint says works does work there.
    fixed = entry(index="corp", provider="aws-codeartifact", **{"password-command": ["vault", "read", "x"]})
    assert presets.recipe(fixed, "https://pkgs.example.com/simple/", {}) is not None


def test_a_codeartifact_host_without_an_owner_says_what_the_host_must_be() -> None:
    bare = entry(index="corp", provider="aws-codeartifact")
    with pytest.raises(UvauthError) as caught:
        presets.recipe(bare, "https://mydomain.d.codeartifact.eu-west-1.amazonaws.com/simple/", {})
    assert caught.value.message == ("credentials entry corp: cannot read the domain and its owner from 'mydomain' "
                                    "(DOMAIN-OWNER, OWNER the 12-digit account id)")
    assert caught.value.hint is not None and "password-command of its own" in caught.value.hint


def test_the_codeartifact_preset_on_its_own_host_still_reads_it() -> None:
    made = presets.recipe(entry(index="ca", provider="aws-codeartifact"), CA, {})
    assert made is not None and made.command is not None
    assert made.command[3:9] == ("--domain", "mydomain", "--domain-owner", "111122223333", "--region", "eu-west-1")


def test_a_projects_preset_for_another_host_says_both_ways_out(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    bare = entry(prefix="https://pkgs.example.com/", provider="gcloud")
    with pytest.raises(UvauthError) as caught:
        Providers([bare.to_data()], env).find("https://pkgs.example.com/simple/", None)
    assert caught.value.message == ("credentials entry https://pkgs.example.com/ in /p/uvauth.toml is not approved "
                                    "on this machine for a host that is not gcloud's "
                                    "(https://pkgs.example.com/simple/)")
    assert caught.value.hint == (
        "if your gcloud token belongs there, run `uvauth uvauth credentials trust` (or set UVAUTH_TRUST=1 in CI); "
        "if not, point the project's index at gcloud's own host (REGION-python.pkg.dev)")
    # Approving, as the hint says, is what makes it run.
    trust.approve(bare, env)
    assert trust.is_trusted(bare, env, foreign=True)


def test_a_projects_command_keeps_the_plain_approval_hint(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    own = entry(prefix="https://pkgs.example.com/", **{"password-command": ["vault"]})
    with pytest.raises(UvauthError) as caught:
        trust.check(own, env, foreign=False, url="https://pkgs.example.com/simple/")
    assert caught.value.hint == "review it, then run `uvauth uvauth credentials trust` (or set UVAUTH_TRUST=1 in CI)"


# -- item 4: under uv tool / uvx, the entry form that applies ------------------------------------------------------


def _nothing() -> Lookup:
    return Lookup(credentials=None, tried=(Tried(source="netrc", detail="no entry"),))


def test_under_uv_tool_the_hint_is_a_prefix_entry_with_the_indexs_root() -> None:
    url = "https://user:secret@pkgs.example.com/team/simple/"
    error = no_credentials("uvauth-0123456789", url, _nothing(), (), tool_command=True)
    assert error.hint is not None and error.hint.endswith(
        '; or add a [[credentials]] entry with prefix = "https://pkgs.example.com/team/" (under uv tool and uvx an '
        "`index` entry covers only an index your user uv.toml or the command line names)")
    assert "secret" not in str(error)
    entry(prefix="https://pkgs.example.com/team/", **{"password-env": "T"})  # the suggested entry is valid


def test_elsewhere_the_hint_has_no_prefix_entry() -> None:
    error = no_credentials("corp", "https://pkgs.example.com/simple/", _nothing(), ())
    assert error.hint is not None and "prefix =" not in error.hint


# -- item 3: credentials show, scoped to the entries in force here -------------------------------------------------


def _cache(env: dict[str, str], owner: Entry, command_: tuple[str, ...]) -> None:
    directory = tokencache.token_dir(env)
    record = {"entry": owner.name, "username": "u", "password": "tok-SECRET", "minted": 1.0, "expires": FRESH_UNTIL,
              "fresh_until": FRESH_UNTIL}
    tokencache.write(directory, tokencache.key(owner.identity(), list(command_)), record)


def _show(env: dict[str, str], project: Path, every: bool = False) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert command.show(env, project, every=every) == 0
    return out.getvalue()


def _two_projects_with_a_corp_entry(root: Path) -> tuple[Path, Path]:
    """Two checkouts, each with its own entry named corp (running here-cli and other-cli): one name, two entries."""
    here, elsewhere = root / "here", root / "elsewhere"
    for project, tool in ((here, "here-cli"), (elsewhere, "other-cli")):
        project.mkdir()
        (project / "uvauth.toml").write_text(f'[[credentials]]\nprefix = "https://h.example/"\nname = "corp"\n'
                                             f'password-command = ["{tool}"]\nttl = "1h"\n')
    return here, elsewhere


def test_show_lists_only_this_projects_tokens_and_counts_the_others(tmp_path: Path) -> None:
    env = dict(os.environ)
    here, elsewhere = _two_projects_with_a_corp_entry(tmp_path)
    mine = Entry.from_data(command._entries(env, here)[0].to_data())
    theirs = command._entries(env, elsewhere)[0]
    _cache(env, theirs, ("other-cli",))
    shown = _show(env, here)
    assert "  cached: none" in shown and "fresh until" not in shown
    assert shown.endswith("1 cached token of entries not in force here; `uvauth uvauth credentials show --all` "
                          "lists them\n")
    _cache(env, mine, ("here-cli",))
    shown = _show(env, here)
    assert shown.count("  cached: fresh until") == 1 and "cached: none" not in shown
    listed = _show(env, here, every=True)
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(FRESH_UNTIL))
    assert listed.endswith(f"cached tokens of entries not in force here:\n  corp: fresh until {until}\n")
    assert "SECRET" not in shown + listed


def test_a_codeartifact_presets_token_is_found_by_its_indexs_host(tmp_path: Path) -> None:
    env = dict(os.environ)
    project = tmp_path / "p"
    project.mkdir()
    (project / "uv.toml").write_text(f'[[index]]\nname = "ca"\nurl = "{CA}"\n')
    (Path(env["XDG_CONFIG_HOME"]) / "uvauth").mkdir(parents=True)
    (Path(env["XDG_CONFIG_HOME"]) / "uvauth" / "uvauth.toml").write_text(
        '[[credentials]]\nindex = "ca"\nprovider = "aws-codeartifact"\n')
    (ca,) = command._entries(env, project)
    recipe = presets.recipe(ca, CA, env)
    assert recipe is not None and recipe.command is not None
    assert command.token_digests(ca, env, [("ca", CA)]) == {tokencache.key(ca.identity(), list(recipe.command))}
    _cache(env, ca, recipe.command)
    shown = _show(env, project)
    assert "  cached: fresh until" in shown and "not in force here" not in shown


def test_all_is_only_shows_and_forgets() -> None:
    with pytest.raises(UvauthError, match="takes no --all"):
        command.run("trust", None, {}, Path("/"), every=True)


def _forget(env: dict[str, str], project: Path, name: str | None, every: bool = False) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert command.forget(env, project, name, every=every) == 0
    return out.getvalue()


def test_forget_name_forgets_this_projects_entry_only_and_all_every_projects(tmp_path: Path) -> None:
    """Two projects each have an entry named corp: `forget corp` in one keeps the other's token (it once removed
    both); `forget corp --all` removes every token cached under the name; an unknown name is one error."""
    env = dict(os.environ)
    here, elsewhere = _two_projects_with_a_corp_entry(tmp_path)
    mine, theirs = command._entries(env, here)[0], command._entries(env, elsewhere)[0]
    _cache(env, mine, ("here-cli",))
    _cache(env, theirs, ("other-cli",))
    assert _forget(env, here, "corp") == "forgot 1 cached token of corp\n"
    assert _show(env, here).count("  cached: none") == 1
    assert _show(env, elsewhere).count("  cached: fresh until") == 1  # the other project's is kept
    assert _forget(env, here, "corp") == "forgot 0 cached tokens of corp\n"
    _cache(env, mine, ("here-cli",))
    assert _forget(env, here, "corp", every=True) == "forgot 2 cached tokens of corp, in every project\n"
    assert list(tokencache.records(tokencache.token_dir(env))) == []
    with pytest.raises(UvauthError, match="no \\[\\[credentials\\]\\] entry named 'korp' here") as raised:
        command.forget(env, here, "korp")
    assert raised.value.hint is not None and "entries in force here: corp" in raised.value.hint


# -- item 1 on the hot path: a memoized plan says it too -----------------------------------------------------------


def test_a_memoized_plan_replays_the_finding_and_quiet_hides_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from support import handed, store_plans_later

    from uvauth import cli

    store_plans_later(monkeypatch)
    project, _ = _config(tmp_path, "codeartifact", "internal")
    (project / "uvauth.toml").write_text('[[credentials]]\nindex = "codeartfact"\npassword-env = "CA_TOKEN"\n')
    monkeypatch.chdir(project)
    finding = (f"credentials entry codeartfact ({project / 'uvauth.toml'}): names no configured index; "
               "configured: codeartifact, internal")
    env = dict(os.environ)
    for args in (["pip", "compile", "req.in", "--index-url", "https://internal.example/simple"],
                 ["pip", "compile", "-q", "req.in", "--index-url", "https://internal.example/simple"]):
        planned = handed(parse(args), env)
        assert planned.plan is not None and finding in planned.warnings  # planned, and stored
        recalled = handed(parse(args), env)
        assert recalled.plan is None and finding in recalled.warnings  # the memoized plan's
        capsys.readouterr()
        cli.report(recalled)
        said = capsys.readouterr().err
        assert said == ("" if "-q" in args else f"uvauth: warning: {finding}\n")
