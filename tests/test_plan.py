"""The planner as a pure function: small inputs in, the exact argv, environment and generated config out."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from uvauth.uv.credentials.search import Credentials, Lookup, Tried
from uvauth.errors import UvauthError
from uvauth.plan import Inputs, Plan, Settings, make_plan
from uvauth.seeding import Secret
from uvauth.uv.requirements import RequirementsIndexes, RequirementsIndexOption
from uvauth.uv.cmdline import parse
from uvauth.uv.config.discover import ConfigFile, ConfiguredIndex, UvConfig

U = "https://art.example.com/artifactory/api/pypi/pypi/simple"
OTHER = "https://other.example.com/simple"
PASSWORD = "s3cret-pa55"


def config(*tables: Mapping[str, Any], **options: Any) -> UvConfig:
    path = Path("/project/uv.toml")
    indexes = tuple(
        ConfiguredIndex(
            name=t.get("name"), url=t["url"], default=bool(t.get("default")), explicit=bool(t.get("explicit")),
            flat=t.get("format") == "flat", authenticate=t.get("authenticate"), path=path, line=3 * n + 1,
            level="project", table=dict(t),
        )
        for n, t in enumerate(tables)
    )
    file = ConfigFile(path=path, level="project", options={"index": [dict(t) for t in tables], **options},
                      is_pyproject=False)
    return UvConfig(files=(file,), indexes=indexes)


ART_ALWAYS = {"name": "art", "url": U, "authenticate": "always"}
ART_DEFAULT = {**ART_ALWAYS, "default": True}


class FakeCredentials:
    """Records lookups; answers from a table keyed by index name."""

    def __init__(self, known: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.known = dict(known or {})
        self.calls: list[tuple[str, str, str | None]] = []

    def __call__(self, url: str, name: str, keyring_provider: str | None) -> Lookup:
        self.calls.append((url, name, keyring_provider))
        if name in self.known:
            user, password = self.known[name]
            return Lookup(Credentials(user, password, "netrc", "NETRC=/x (machine h)"),
                          (Tried("netrc", "NETRC=/x: found"),))
        return Lookup(None, (Tried("URL userinfo", "none"), Tried("netrc", "~/.netrc: not found"),
                             Tried("keyring", "disabled")))


def requirements_file(*options: tuple[str, str], line: int = 1) -> RequirementsIndexes:
    path = Path("/project/req.in")
    made = [
        RequirementsIndexOption(kind=kind, text=text, url=text, path=path, line=line + n)  # type: ignore[arg-type]
        for n, (kind, text) in enumerate(options)
    ]
    return RequirementsIndexes(
        index_url=next((o for o in made if o.kind == "index-url"), None),
        extra_index_urls=tuple(o for o in made if o.kind == "extra-index-url"),
        find_links=(), no_index=False, unread=(),
    )


def plan(
    argv: Sequence[str],
    cfg: UvConfig | None = None,
    *,
    env: Mapping[str, str] | None = None,
    requirements: RequirementsIndexes | None = None,
    settings: Settings = Settings(),
    credentials: FakeCredentials | None = None,
    uv_version: tuple[int, ...] = (0, 13, 8),
) -> Plan:
    return make_plan(
        Inputs(cmdline=parse(list(argv)), env=dict(env or {}), cwd="/project", config=cfg, requirements=requirements,
               settings=settings, config_dir="/cache"),
        credentials or FakeCredentials({"art": ("user", PASSWORD)}),
        lambda: uv_version,
    )


def config_text(p: Plan) -> str | None:
    """The uv.toml the plan generates, rendered."""
    return p.generated.render() if p.generated is not None else None


def generated(p: Plan) -> dict[str, Any]:
    text = config_text(p)
    assert text is not None
    return tomllib.loads(text)


# -- by-name references ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "rewritten"),
    [
        pytest.param(["--index-url", U], ["--default-index", "art"], id="index-url"),
        pytest.param([f"--index-url={U}"], ["--default-index", "art"], id="index-url-equals"),
        pytest.param(["-i", U], ["--default-index", "art"], id="short"),
        pytest.param([f"-i{U}"], ["--default-index", "art"], id="short-attached"),
        pytest.param(["--default-index", U], ["--default-index", "art"], id="default-index"),
        pytest.param(["--default-index", U + "/"], ["--default-index", "art"], id="trailing-slash"),
        pytest.param(["--default-index", U.replace("art.example.com", "ART.Example.com:443")],
                     ["--default-index", "art"], id="host-case-and-default-port"),
    ],
)
def test_cli_url_of_a_configured_default_index_becomes_a_reference_by_name(given: list[str], rewritten: list[str]) -> None:
    p = plan(["pip", "compile", *given, "req.in"], config(ART_DEFAULT))
    assert p.argv == ("pip", "compile", *rewritten, "req.in")
    # uv writes its own argv into the header: uvauth hands it the header of the command as typed (uv's rule keeps
    # an attached `-iURL`, so that stays too).
    header = f"uv pip compile {given[0]} req.in" if given[0].startswith("-ih") else "uv pip compile req.in"
    assert p.env == {"UV_CUSTOM_COMPILE_COMMAND": header, "UV_PREVIEW_FEATURES": "index-by-name"}
    assert p.secrets == {}
    assert config_text(p) is None


def test_extra_index_url_becomes_index_by_name_when_order_is_kept() -> None:
    p = plan(["pip", "install", "--extra-index-url", U, "tinypkg"], config(ART_ALWAYS))
    assert p.argv == ("pip", "install", "--index", "art", "tinypkg")
    assert p.env == {"UV_PREVIEW_FEATURES": "index-by-name"}  # pip install writes no header


def test_environment_url_becomes_a_flag_and_its_variable_is_neutralised() -> None:
    p = plan(["pip", "install", "tinypkg"], config(ART_DEFAULT), env={"UV_INDEX_URL": U})
    # `--index-url=` is uv's "unset": the variable, still in the environment for uv's children, is ignored by uv.
    assert p.argv == ("pip", "install", "--default-index", "art",
                      "--index-url=", "tinypkg")
    assert p.env == {"UV_PREVIEW_FEATURES": "index-by-name"}


def test_other_values_of_an_index_variable_are_kept_in_order() -> None:
    p = plan(["pip", "install", "x"], config(ART_ALWAYS), env={"UV_INDEX": f"{OTHER} {U}"})
    assert p.argv == ("pip", "install", "--index", OTHER, "--index", "art", "x")


def test_emitted_url_text_must_not_change() -> None:
    """With --emit-index-url uv writes the URL as given: a by-name reference would write the configured
    spelling instead, so uvauth seeds the named index's credentials and leaves the command line alone."""
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    p = plan(["pip", "compile", "--emit-index-url", "--index-url", U + "/", "req.in"], config(ART_DEFAULT),
             credentials=credentials)
    assert p.argv == ("pip", "compile", "--emit-index-url", "--index-url", U + "/", "req.in")
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}
    assert p.secrets["UV_INDEX_ART_PASSWORD"].value == PASSWORD
    assert credentials.calls == [(U, "art", None)]
    assert p.env == {}


def test_same_text_with_emit_index_url_is_a_reference_by_name() -> None:
    p = plan(["pip", "compile", "--emit-index-url", "--index-url", U, "req.in"], config(ART_DEFAULT))
    assert p.argv == ("pip", "compile", "--emit-index-url", "--default-index", "art", "req.in")
    assert p.env["UV_CUSTOM_COMPILE_COMMAND"] == f"uv pip compile --emit-index-url --index-url {U} req.in"


def test_a_reference_that_would_reorder_indexes_is_not_made() -> None:
    """art is the first extra index in the config; as a default it would be searched after `other`."""
    cfg = config(ART_ALWAYS, {"name": "other", "url": OTHER})
    p = plan(["lock", "--default-index", U], cfg)
    assert p.argv == ("lock", "--default-index", U)
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}


def test_name_equals_url_with_the_configured_name_becomes_the_name() -> None:
    p = plan(["lock", "--index", f"art={U}"], config(ART_ALWAYS))
    assert p.argv == ("lock", "--index", "art")


def test_nothing_after_the_run_command_is_touched() -> None:
    p = plan(["run", "--default-index", U, "python", "-m", "pip", "--index-url", U], config(ART_DEFAULT))
    assert p.argv == ("--preview-features", "index-by-name", "run", "--default-index", "art", "python", "-m", "pip",
                      "--index-url", U)
    assert p.env == {}  # nothing leaks into the child's environment


# -- requirements files ------------------------------------------------------------------------------------------


def test_requirements_index_url_gets_an_earlier_default_by_name() -> None:
    p = plan(["pip", "compile", "req.in"], config(ART_ALWAYS), requirements=requirements_file(("index-url", U)))
    assert p.argv == ("pip", "compile", "--default-index", "art", "req.in")
    assert p.env == {"UV_CUSTOM_COMPILE_COMMAND": "uv pip compile req.in", "UV_PREVIEW_FEATURES": "index-by-name"}


def test_requirements_index_url_already_shadowed_by_a_configured_default_needs_nothing() -> None:
    p = plan(["pip", "compile", "req.in"], config(ART_DEFAULT), requirements=requirements_file(("index-url", U)))
    assert p.argv == ("pip", "compile", "req.in")
    assert not p.secrets


def test_requirements_extra_index_url_duplicate_is_seeded() -> None:
    p = plan(["pip", "compile", "req.in"], config(ART_DEFAULT),
             requirements=requirements_file(("extra-index-url", U + "/")))
    assert p.argv == ("pip", "compile", "req.in")
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}


# -- policies ----------------------------------------------------------------------------------------------------


def test_global_always_gives_an_unconfigured_url_a_synthesized_explicit_index() -> None:
    p = plan(["pip", "install", "--index-url", OTHER, "x"], None, settings=Settings(forced="always"),
             credentials=_answer_everything())
    name = p.argv[p.argv.index("--default-index") + 1]
    assert name.startswith("uvauth-")
    [index] = generated(p)["index"]
    assert index == {"name": name, "url": OTHER, "explicit": True, "authenticate": "always"}
    # uvauth imposed `always`, so it looked for the credentials first (and would have named what it tried); they
    # are in netrc, which uv reads itself for an `always` index: nothing is handed over in the environment.
    assert p.secrets == {}
    assert p.indexes[0].credential_source == "netrc: test (uv reads it itself)"


def test_global_always_on_a_configured_index_without_a_policy() -> None:
    cfg = config({"name": "art", "url": U, "default": True})
    p = plan(["lock"], cfg, settings=Settings(authenticate="always", authenticate_source="UVAUTH_AUTHENTICATE"))
    assert generated(p)["index"][0]["authenticate"] == "always"
    assert p.secrets == {}  # the generated config says `always`: uv finds the netrc entry itself
    assert p.indexes[0].policy_why == "setting"


def test_configured_policy_beats_the_global_setting_but_not_the_command_line() -> None:
    cfg = config({**ART_DEFAULT, "authenticate": "never"})
    assert plan(["lock"], cfg, settings=Settings(authenticate="always")).generated is None
    forced = plan(["lock"], cfg, settings=Settings(forced="always"))
    assert generated(forced)["index"][0]["authenticate"] == "always"


def test_forced_never_seeds_nothing() -> None:
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    p = plan(["lock"], config(ART_DEFAULT), settings=Settings(forced="never"), credentials=credentials)
    assert generated(p)["index"][0]["authenticate"] == "never"
    assert not p.secrets and credentials.calls == []


def test_always_without_credentials_fails_before_uv_runs_naming_the_index_redacted() -> None:
    url = f"https://user:{PASSWORD}@other.example.com/simple"
    with pytest.raises(UvauthError) as raised:
        plan(["pip", "compile", "--emit-index-url", "--extra-index-url", url, "req.in"], None,
             settings=Settings(forced="always"), credentials=FakeCredentials({}))
    message = str(raised.value)
    assert "https://user:****@other.example.com/simple" in message
    assert "netrc" in message and PASSWORD not in message


def test_prefix_adds_a_seeded_explicit_index_on_a_contacted_host() -> None:
    prefix = "https://art.example.com/artifactory"
    p = plan(["lock"], config(ART_DEFAULT), settings=Settings(prefixes=(prefix, "https://unused.example.com/x")),
             credentials=_answer_everything())
    indexes = generated(p)["index"]
    assert [i["url"] for i in indexes] == [U, prefix]  # the unused host's prefix is not added
    assert indexes[1]["explicit"] is True
    prefix_name = indexes[1]["name"]
    assert {f"UV_INDEX_{prefix_name.upper().replace('-', '_')}_PASSWORD"} <= set(p.secrets)


def _answer_everything() -> FakeCredentials:
    class Everything(FakeCredentials):
        def __call__(self, url: str, name: str, keyring_provider: str | None) -> Lookup:
            self.calls.append((url, name, keyring_provider))
            return Lookup(Credentials("user", PASSWORD, "netrc", "test"), ("netrc",))

    return Everything()


def test_dependabot_disables_everything_as_uv_does() -> None:
    p = plan(["--authenticate", "always", "pip", "compile", "--index-url", U, "r.in"], config(ART_DEFAULT),
             env={"DEPENDABOT": "true"})
    assert p.argv == ("pip", "compile", "--index-url", U, "r.in")
    assert not p.changed


@pytest.mark.parametrize("value", ["1", "yes", "TRUE", " true"])
def test_only_dependabot_true_is_dependabot_to_uv(value: str) -> None:
    """uv's IS_DEPENDABOT is `value == "true"`, not its lenient boolean: under DEPENDABOT=1 uv enforces `always`
    for the configured index, and so must the URL that reaches it from the command line."""
    p = plan(["pip", "compile", "--index-url", U, "r.in"], config(ART_DEFAULT), env={"DEPENDABOT": value})
    assert p.argv == ("pip", "compile", "--default-index", "art", "r.in")


def test_old_uv_runs_unchanged_and_says_why() -> None:
    p = plan(["pip", "compile", "--index-url", U, "r.in"], config(ART_DEFAULT), uv_version=(0, 12, 4))
    assert p.argv == ("pip", "compile", "--index-url", U, "r.in")
    assert len(p.warnings) == 1 and "0.12.5" in p.warnings[0]


def test_keyring_provider_reaches_the_credential_lookup() -> None:
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    plan(["pip", "compile", "--emit-index-url", "--keyring-provider", "subprocess", "--index-url", U + "/", "r.in"],
         config(ART_DEFAULT), credentials=credentials)
    assert credentials.calls == [(U, "art", "subprocess")]


def test_plan_repr_never_shows_a_secret() -> None:
    p = plan(["pip", "compile", "--emit-index-url", "--index-url", U + "/", "req.in"], config(ART_DEFAULT))
    assert PASSWORD not in repr(p) and PASSWORD not in str(p)


def test_secret_shows_only_through_its_value() -> None:
    secret = Secret(PASSWORD)
    assert PASSWORD not in repr(secret) and PASSWORD not in str(secret) and PASSWORD not in f"{secret}"
    assert secret.value == PASSWORD


def test_no_reference_by_name_when_the_user_passes_a_bare_index_directory() -> None:
    """With `index-by-name` enabled uv would read `--index wheels` as an unknown index name, not a directory."""
    p = plan(["pip", "install", "--index", "wheels", "--index-url", U, "x"], config(ART_DEFAULT))
    assert p.argv == ("pip", "install", "--index", "wheels", "--index-url", U, "x")
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}


def test_preview_feature_joins_the_users_own() -> None:
    p = plan(["pip", "install", "--index-url", U, "x"], config(ART_DEFAULT), env={"UV_PREVIEW_FEATURES": "json-output"})
    assert p.env == {"UV_PREVIEW_FEATURES": "json-output,index-by-name"}


def test_export_argv_is_never_changed_because_its_header_echoes_it() -> None:
    cfg = config({**ART_DEFAULT, "authenticate": None}, **{})
    p = plan(["export", "--default-index", U], cfg, settings=Settings(forced="always"))
    assert p.argv == ("export", "--default-index", U)
    assert p.config_via == "env" and p.generated is not None
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}


def test_tool_install_keeps_the_url_its_receipt_records() -> None:
    p = plan(["tool", "install", "--default-index", U, "tinytool"], config(ART_DEFAULT))
    assert p.argv == ("tool", "install", "--default-index", U, "tinytool")
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}


def test_credentials_in_a_command_line_url_survive_the_reference_by_name() -> None:
    url = U.replace("https://", f"https://jane:{PASSWORD}@")
    credentials = _answer_everything()
    p = plan(["pip", "install", "--index-url", url, "x"], config(ART_DEFAULT), credentials=credentials)
    assert p.argv == ("pip", "install", "--default-index", "art", "x")
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}
    assert credentials.calls == [(url, "art", None)]  # looked up from the URL itself: its userinfo comes first


def test_synthesized_index_never_writes_url_credentials_to_disk() -> None:
    url = OTHER.replace("https://", f"https://jane:{PASSWORD}@")
    p = plan(["pip", "install", "--index-url", url, "x"], None, settings=Settings(forced="always"),
             credentials=_answer_everything())
    text = config_text(p)
    assert text is not None and PASSWORD not in text and "jane" not in text
    assert generated(p)["index"][0]["url"] == OTHER


def test_run_gets_its_changes_on_argv_so_the_program_inherits_nothing() -> None:
    p = plan(["run", "--index-url", OTHER, "python", "x.py"], None, settings=Settings(forced="always"),
             credentials=_answer_everything())
    assert p.config_via == "argv" and "UV_PREVIEW_FEATURES" not in p.env
    assert p.argv[:2] == ("--preview-features", "index-by-name")


def test_a_username_only_url_under_auto_is_not_an_error_without_a_password() -> None:
    url = U.replace("https://", "https://jane@")
    p = plan(["pip", "install", "--index-url", url, "x"], config({**ART_DEFAULT, "authenticate": None}),
             credentials=FakeCredentials({}))
    assert p.argv == ("pip", "install", "--default-index", "art", "x") and not p.secrets


def test_a_prefix_without_credentials_of_its_own_shares_those_of_an_index_under_it() -> None:
    """CI sets UV_INDEX_ART_USERNAME/PASSWORD for the index; the Artifactory-wide prefix uses the same account."""
    prefix = "https://art.example.com/artifactory"
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    p = plan(["lock"], config(ART_DEFAULT), settings=Settings(prefixes=(prefix,)), credentials=credentials)
    prefix_name = generated(p)["index"][1]["name"]
    variable = f"UV_INDEX_{prefix_name.upper().replace('-', '_')}_PASSWORD"
    assert p.secrets[variable].value == PASSWORD
    assert credentials.calls == [(prefix, prefix_name, None), (U, "art", None)]


def test_a_prefix_with_no_credentials_anywhere_names_every_source_tried() -> None:
    with pytest.raises(UvauthError) as raised:
        plan(["lock"], config(ART_DEFAULT), settings=Settings(prefixes=("https://art.example.com/artifactory",)),
             credentials=FakeCredentials({}))
    message = raised.value.message
    assert message.startswith("no credentials for authenticate-prefixes entry https://art.example.com/artifactory, ")
    assert f"; for {U}: URL userinfo, netrc" in message  # the index under the prefix was asked too


@pytest.mark.parametrize("variable", ["UV_INDEX", "UV_EXTRA_INDEX_URL"])
def test_a_password_in_an_index_variable_never_moves_to_argv(variable: str) -> None:
    """Another value of the variable carries userinfo: writing the variable out as flags would show the password
    in `ps`. The variable stays, and the configured index's policy holds by seeding instead."""
    with_password = OTHER.replace("https://", f"https://bob:{PASSWORD}@")
    p = plan(["pip", "install", "x"], config(ART_ALWAYS), env={variable: f"{with_password} {U}"})
    assert not any(PASSWORD in arg for arg in p.argv), p.argv
    assert p.argv == ("pip", "install", "x")
    assert [i.lever for i in p.indexes if i.merged_onto == "art" and i.source == "env"] == ["seeded"]
    assert p.secrets["UV_INDEX_ART_PASSWORD"].value == PASSWORD  # the credentials travel in the environment


@pytest.mark.parametrize("link", [U + "/six/", U.replace("/simple", "/packages/")])
def test_find_links_under_an_always_index_carries_its_credentials_up_front(link: str) -> None:
    """uv matches a find-links request against both the flat entry and the index, and picks by hash order: the
    index's credentials are seeded so that the first request carries them whichever it picks."""
    p = plan(["pip", "install", "--find-links", link, "x"], config(ART_ALWAYS))
    [flat] = [i for i in p.indexes if i.role == "flat"]
    assert (flat.merged_onto, flat.policy, flat.lever) == ("art", "always", "seeded")
    assert p.secrets["UV_INDEX_ART_PASSWORD"].value == PASSWORD
    assert p.argv == ("pip", "install", "--find-links", link, "x")  # what uv resolves is unchanged


def test_find_links_elsewhere_is_left_alone() -> None:
    p = plan(["pip", "install", "--find-links", "https://elsewhere.example.com/links/", "x"], config(ART_ALWAYS))
    [flat] = [i for i in p.indexes if i.role == "flat"]
    assert (flat.merged_onto, flat.lever) == (None, "none")


@pytest.mark.parametrize("user_set", [False, True])
def test_a_configured_urls_credentials_are_handed_over_not_written(user_set: bool) -> None:
    with_password = U.replace("https://", f"https://jane:{PASSWORD}@")
    env = {"UV_INDEX_ART_USERNAME": "own", "UV_INDEX_ART_PASSWORD": "own-pw"} if user_set else {}
    p = plan(["pip", "install", "--index-url", OTHER, "x"], config({"name": "art", "url": with_password}),
             env=env, settings=Settings(forced="always"), credentials=_answer_everything())
    assert PASSWORD not in (config_text(p) or "")
    handed = {name: secret.value for name, secret in p.secrets.items() if name.startswith("UV_INDEX_ART_")}
    if user_set:
        assert handed == {}  # uv takes the user's variables over the URL's userinfo: nothing is handed over
    else:
        assert handed["UV_INDEX_ART_PASSWORD"] == PASSWORD


def test_credentials_uv_cannot_find_up_front_are_still_handed_over() -> None:
    """A requirements-file duplicate of an always index stays unnamed: hash order may give it policy auto, whose
    first request carries only credentials cached up front. Those must be seeded, even from netrc."""
    p = plan(["pip", "compile", "req.in"], config(ART_ALWAYS),
             requirements=requirements_file(("extra-index-url", U)))
    assert p.secrets["UV_INDEX_ART_PASSWORD"].value == PASSWORD


# -- execve's limits: no string uvauth adds may be one the system refuses ----------------------------------------


def test_a_header_over_the_per_string_limit_keeps_argv_and_seeds_instead() -> None:
    many = [arg for i in range(9000) for arg in ("--no-binary", f"nonexistent-package-{i:05}")]
    argv = ["pip", "compile", "--index-url", U, *many, "req.in"]
    p = plan(argv, config(ART_DEFAULT))
    assert p.argv == tuple(argv) and "UV_CUSTOM_COMPILE_COMMAND" not in p.env
    assert p.secrets["UV_INDEX_ART_PASSWORD"].value == PASSWORD  # the duplicate holds `always` by seeding


def test_a_preview_variable_that_would_grow_past_the_limit_is_left_alone() -> None:
    preview = "x" * (131072 - len("UV_PREVIEW_FEATURES=") - 5)
    p = plan(["pip", "install", "--index-url", U, "six"], config(ART_DEFAULT), env={"UV_PREVIEW_FEATURES": preview})
    assert "UV_PREVIEW_FEATURES" not in p.env and p.argv == ("pip", "install", "--index-url", U, "six")
    assert p.secrets["UV_INDEX_ART_PASSWORD"].value == PASSWORD


# -- an `always` index under another index's root (issue 16 item 3) --------------------------------------------


@pytest.mark.parametrize("root_policy", [None, "auto"])
def test_an_always_index_under_another_index_root_gets_its_credentials_up_front(root_policy: str | None) -> None:
    """uv applies the policy of the first index in its hash set whose root is a prefix of the request: the
    explicit index at the host's root can win, with policy auto. Handing the credentials holds either way."""
    art = {"name": "art", "url": "https://h.example/team/simple", "authenticate": "always"}
    root = {"name": "root", "url": "https://h.example/simple", "explicit": True,
            **({"authenticate": root_policy} if root_policy else {})}
    p = plan(["pip", "compile", "req.in"], config(art, root))
    assert p.argv == ("pip", "compile", "req.in") and p.generated is None
    assert {k: v.value for k, v in p.secrets.items()} == {"UV_INDEX_ART_USERNAME": "user",
                                                          "UV_INDEX_ART_PASSWORD": PASSWORD}
    (index,) = [i for i in p.indexes if i.merged_onto == "art"]
    assert (index.lever, index.shadowed_by) == ("seeded", "https://h.example/ (policy auto)")
    assert p.warnings == ()


def test_an_always_index_alone_on_its_host_is_left_to_uv() -> None:
    art = {"name": "art", "url": "https://h.example/team/simple", "authenticate": "always"}
    elsewhere = {"name": "other", "url": "https://other.example/simple", "explicit": True}
    sibling = {"name": "sib", "url": "https://h.example/other/simple", "explicit": True}
    p = plan(["pip", "compile", "req.in"], config(art, elsewhere, sibling))
    assert p.secrets == {}
    (index,) = [i for i in p.indexes if i.merged_onto == "art"]
    assert (index.lever, index.shadowed_by) == ("uv", None)


def test_an_always_index_under_a_never_root_is_said_to_be_unkept() -> None:
    art = {"name": "art", "url": "https://h.example/team/simple", "authenticate": "always"}
    root = {"name": "root", "url": "https://h.example/simple", "explicit": True, "authenticate": "never"}
    p = plan(["pip", "compile", "req.in"], config(art, root))
    assert p.secrets == {}
    assert p.warnings == ("index https://h.example/team/simple is under the root https://h.example/ of an index "
                          "with authenticate = never: uv may match its requests to that one and send them without "
                          "credentials; uvauth cannot keep always there",)


# -- many prefixes (issue 16 item 8): checked together, one by one only where together they change output ------


def test_several_prefixes_are_added_together_in_order() -> None:
    prefixes = ("https://art.example.com/artifactory", "https://art.example.com/other", "https://art.example.com/x")
    p = plan(["lock"], config(ART_DEFAULT), settings=Settings(prefixes=prefixes), credentials=_answer_everything())
    assert [i["url"] for i in generated(p)["index"]] == [U, *prefixes]
    assert p.warnings == ()


def test_prefixes_that_would_add_to_the_output_are_each_refused() -> None:
    """`uv export --emit-index-url` prints explicit indexes: checked together they change the output, so each is
    tried alone, and each is refused with its own warning."""
    prefixes = ("https://art.example.com/artifactory", "https://art.example.com/other")
    p = plan(["export", "--emit-index-url"], config(ART_DEFAULT), settings=Settings(prefixes=prefixes),
             credentials=_answer_everything())
    assert p.warnings == tuple(f"authenticate-prefixes {prefix} not applied: it would add an index to this "
                               "command's output" for prefix in prefixes)


def test_a_configuration_uvauth_cannot_generate_faithfully_runs_uv_unchanged_before_any_lookup() -> None:
    """A password in an unnamed configured URL is handed over, never written to the generated file; `pip compile
    --emit-index-url` writes the URLs out, so uv runs unchanged, says why, and no credentials were looked up for
    a plan that was never going to be used (a credentials command may prompt)."""
    cfg = config({"name": "art", "url": U, "authenticate": "always"},
                 **{"extra-index-url": [f"https://bob:{PASSWORD}@other.example.com/simple"]})
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    argv = ["pip", "compile", "--emit-index-url", "--index-url", OTHER, "req.in"]
    p = plan(argv, cfg, settings=Settings(forced="always"), credentials=credentials)
    assert p.argv == tuple(argv) and p.generated is None and p.secrets == {} and p.env == {}
    assert p.warnings == ("uvauth runs uv unchanged for this command: its configuration has a password in an "
                          "index URL without a name, which this command writes out and uvauth never copies into a "
                          "file; policies set by uvauth do not apply",)
    assert credentials.calls == []


def test_an_old_uv_is_found_out_before_any_lookup() -> None:
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    p = plan(["pip", "install", "--index-url", U, "x"], config(ART_ALWAYS), credentials=credentials,
             uv_version=(0, 12, 0))
    assert p.argv == ("pip", "install", "--index-url", U, "x")
    assert len(p.warnings) == 1 and "which cannot reference an index by name" in p.warnings[0]
    assert credentials.calls == []


# -- behaviours the mutation run (scripts/mutants.py) found unpinned (issue 22) ----------------------------------


def test_authenticate_never_sends_no_credentials_under_a_prefix() -> None:
    """--authenticate never wins over authenticate-prefixes: no prefix index is seeded, nothing is looked up."""
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    p = plan(["lock", "--index", OTHER], config(ART_DEFAULT), credentials=credentials,
             settings=Settings(forced="never", prefixes=("https://other.example.com/", "https://art.example.com/")))
    assert credentials.calls == [] and p.secrets == {}
    assert {index.policy for index in p.indexes} == {"never"}
    assert not any(index.source == "uvauth" for index in p.indexes)


def test_lock_keeps_the_url_spelling_it_writes_into_uv_lock() -> None:
    """uv lock writes the index URL into uv.lock: a reference by name would write the configured spelling
    instead of the one typed, so the typed URL stays and the index's credentials are seeded."""
    p = plan(["lock", "--default-index", U + "/"], config(ART_DEFAULT))
    assert p.argv == ("lock", "--default-index", U + "/")
    assert set(p.secrets) == {"UV_INDEX_ART_USERNAME", "UV_INDEX_ART_PASSWORD"}


def test_the_users_config_file_is_merged_and_taken_off_argv() -> None:
    """uv reads --config-file over UV_CONFIG_FILE: left on argv, it would hide the generated configuration."""
    p = plan(["lock", "--config-file", "/project/uv.toml", "--index", OTHER], config(ART_DEFAULT),
             settings=Settings(forced="always"), credentials=_answer_everything())
    assert p.generated is not None and p.config_via == "env"
    (synthesized,) = [index["name"] for index in generated(p)["index"] if index["name"] != "art"]
    assert p.argv == ("lock", "--index", synthesized)


def test_no_header_asks_for_no_custom_header() -> None:
    p = plan(["pip", "compile", "--no-header", "--index-url", U, "r.in"], config(ART_DEFAULT))
    assert p.argv == ("pip", "compile", "--no-header", "--default-index", "art", "r.in")
    assert p.env == {"UV_PREVIEW_FEATURES": "index-by-name"}


def test_a_credentials_entry_hands_nothing_to_a_never_index() -> None:
    credentials = FakeCredentials({"art": ("user", PASSWORD)})
    p = plan(["lock", "--default-index", U], config({**ART_DEFAULT, "authenticate": "never"}),
             credentials=credentials, settings=Settings(covered_names=frozenset({"ART"})))
    assert credentials.calls == [] and p.secrets == {}


def test_an_imposed_always_is_checked_for_credentials_before_uv_runs() -> None:
    """--authenticate always over an index configured auto: uvauth itself looks for credentials, and a missing
    one is its error (naming the sources tried), not a 401 from uv."""
    with pytest.raises(UvauthError, match="art"):
        plan(["lock", "--default-index", U], config({**ART_DEFAULT, "authenticate": "auto"}),
             credentials=FakeCredentials(), settings=Settings(forced="always"))


@pytest.mark.parametrize("configured", ["never", "auto"])
def test_a_configured_policy_wins_over_a_prefix(configured: str) -> None:
    from uvauth.policy import Rules, choose

    rules = Rules(prefixes=("https://art.example.com/",))
    assert choose(rules, U, configured) == (configured, "configured")
    assert choose(rules, U, None) == ("always", "prefix")


_ENCODED = "https://art.example.com/artifactory/api/pypi/pypi%2Dlocal/simple"


def test_a_percent_encoded_root_is_covered_decoded_too() -> None:
    """Artifactory links an index at …/pypi%2Dlocal/simple to files under …/pypi-local/: uv matches a file's URL
    to an index by the raw path, so uvauth adds the decoded root as an always index with the same credentials."""
    p = plan(["pip", "compile", "--index-url", _ENCODED, "req.in"],
             config({"name": "art", "url": _ENCODED, "authenticate": "always", "default": True}))
    (decoded,) = [index for index in generated(p)["index"] if index["name"] != "art"]
    assert decoded == {"name": decoded["name"], "url": "https://art.example.com/artifactory/api/pypi/pypi-local",
                       "explicit": True, "authenticate": "always"}
    variable = decoded["name"].upper().replace("-", "_")
    assert {name: secret.value for name, secret in p.secrets.items()} == {
        f"UV_INDEX_{variable}_USERNAME": "user", f"UV_INDEX_{variable}_PASSWORD": PASSWORD}


@pytest.mark.parametrize("root", [U, _ENCODED.replace("%2D", "%20")], ids=["not-encoded", "decodes-to-a-space"])
def test_no_decoded_root_where_none_is_needed_or_valid(root: str) -> None:
    p = plan(["pip", "compile", "--index-url", root, "req.in"],
             config({"name": "art", "url": root, "authenticate": "always", "default": True}))
    assert [index.url for index in p.indexes] == [root]


@pytest.mark.parametrize(("cfg", "settings", "warned"), [
    (None, Settings(), False),
    (config({"name": "a", "url": OTHER}), Settings(), False),
    (config(ART_ALWAYS), Settings(), True),
    (None, Settings(forced="always"), True),
], ids=["nothing-configured", "no-policy-configured", "an-always-index", "forced-always"])
def test_an_unread_pipe_is_mentioned_only_where_a_policy_is_set(cfg: UvConfig | None, settings: Settings,
                                                                 warned: bool) -> None:
    """Plain uv says nothing about stdin; uvauth says it did not read it only where that could matter."""
    requirements = requirements_file()._replace(unread=("-",), unchecked=("-",))
    p = plan(["pip", "compile", "-"], cfg, requirements=requirements, settings=settings)
    assert p.argv == ("pip", "compile", "-")
    expected = ("uvauth did not read - (uv reads it itself: stdin, a pipe or device is read once, a remote file "
                "would be a request of uvauth's); an index URL in it keeps uv's default policy (auto)",)
    assert p.warnings == (expected if warned else ())


def test_a_configured_custom_compile_command_is_left_to_uv() -> None:
    """`[pip] custom-compile-command` is the user's header: uv reads it from the user's configuration, and
    uvauth's own UV_CUSTOM_COMPILE_COMMAND (which uv would take over it) is not set."""
    p = plan(["pip", "compile", "--index-url", U, "req.in"], config(ART_DEFAULT, pip={"custom-compile-command": "make"}))
    assert p.argv == ("pip", "compile", "--default-index", "art", "req.in")
    assert p.env == {"UV_PREVIEW_FEATURES": "index-by-name"} and p.generated is None
