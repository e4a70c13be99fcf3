"""The plan: how to run uv so that each index's authentication policy holds, without changing what uv resolves.

Inputs are plain data (the parsed command line, uv's configuration, requirements-file options, uvauth's settings,
the environment); the output is a :class:`Plan` — the argv and environment to hand uv, and an optional generated
configuration. Nothing here does I/O except through the ``find_credentials`` function it is given.

The levers, in the order they are tried (the uv rules each relies on: ``docs/uv-rules.md``, "Auth policy matching"
and "Credential seeding and sources"):

1. **By-name reference.** A command-line or environment URL that is a configured named index becomes a reference to
   that index by name (``--default-index NAME`` / ``--index NAME``, uv ≥ 0.12.5, preview ``index-by-name``), so the
   configured ``authenticate``, ``ignore-error-codes`` and ``cache-control`` apply. A requirements-file
   ``--index-url`` that is a configured index gets an earlier ``--default-index NAME``, which makes uv drop the
   file's unnamed copy.
2. **Synthesized index.** A URL with no configured entry whose policy must be ``always`` or ``never`` (global
   option, ``authenticate-prefixes``) gets an ``explicit`` named ``[[index]]`` in a generated configuration
   (explicit: uv never searches it), and is then referenced by name like (1).
3. **Pre-seeded credentials.** Where a duplicate unnamed entry must stay (a requirements-file
   ``--extra-index-url``, a rewrite that would change uv's choices), uvauth finds the credentials itself and hands
   them to uv as ``UV_INDEX_<NAME>_USERNAME/PASSWORD`` of the named index: uv caches them for that index's URL and
   root before the first request, so every request under them carries credentials whichever duplicate wins.

Every candidate change is checked by rebuilding uv's index list from the new argv and environment
(:func:`uvauth.uv.indexes.uv_indexes`) and comparing roles — and, for commands that write index URLs (``pip compile
--emit-index-url``, lock files, ``export --emit-index-url``), the verbatim URL text. A change that fails the check
is not made. Three more rules keep uv's output byte for byte:

* ``uv pip compile`` writes its argv into its header: when argv changes, ``UV_CUSTOM_COMPILE_COMMAND`` carries
  the header uv would have written for the command as typed (unless the user set one).
* ``uv export`` writes its argv into its header too, and has no such variable: its argv never changes.
* ``uv tool install``/``upgrade`` record the indexes they were given in the tool's receipt: no references by name.

The generated configuration and the ``index-by-name`` preview reach uv through the environment (``UV_CONFIG_FILE``,
``UV_PREVIEW_FEATURES``), which leaves argv alone — except for ``uv run`` and ``uv tool run``, whose program would
inherit those variables: there they go on argv, before the subcommand.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

from uvauth.uv import indexes as m
from uvauth.errors import UvauthError
from uvauth.uv.urls import (
    InvalidUrl, auth_root, by_realm, covers, index_key, realm, redact, userinfo, without_userinfo,
)
from uvauth.uv import envvars
from uvauth.uv.auth_policy import DEFAULT_POLICY
from uvauth.uv.cmdline import GRAMMAR_UV_VERSION, UvCommandLine, header_command, parse
from uvauth.policy import Rules, choose, under, under_any
from uvauth.reconcile import configured_home, covering_index
from uvauth.seeding import SYNTH_PREFIX, Secret, seed_credentials, url_credentials

# On the path of every reconciled uv call: names needed only for annotations are imported for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Final, Literal

    from uvauth.uv.auth_policy import AuthPolicy as Policy
    from uvauth.seeding import Bearer, FindCredentials, Seeded
    from uvauth.uv.requirements import RequirementsIndexes
    from uvauth.uv.config.discover import ConfiguredIndex, UvConfig
    from uvauth.uv.config.render import GeneratedConfig

    PolicyWhy = Literal["configured", "option", "prefix", "setting", "default"]
    Lever = Literal["none", "by-name", "seeded", "uv"]  # how uvauth makes an index's policy hold

BY_NAME_MIN_VERSION: Final = (0, 12, 5)
# Options clap takes once ("the argument '--index-url <INDEX_URL>' cannot be used multiple times").
SINGLE_VALUED: Final = ("--default-index", "--index-url", "--config-file")
_RUNS_A_PROGRAM: Final = frozenset({"run", "tool run", "tool uvx"})
# Commands that record the indexes they were given (tool receipts): a reference by name would be recorded as the
# configured index (its name and policy) instead of the URL plain uv records.
_RECORDS_INDEXES: Final = frozenset({"tool install", "tool upgrade"})

# Commands that write no index URL anywhere (no lock file, no receipt, no output file): for these a by-name
# reference may change the URL's spelling (a trailing slash, case) without changing any output.
_WRITES_NOTHING: Final = frozenset(
    {"pip install", "pip sync", "pip list", "pip tree", "pip download", "venv", "build"}
)


class Settings(NamedTuple):
    """uvauth's own settings, as far as the plan needs them."""

    authenticate: Policy | None = None  # from UVAUTH_AUTHENTICATE or a settings file
    authenticate_source: str = ""
    forced: Policy | None = None  # from --authenticate on this command line: overrides configured policies too
    prefixes: tuple[str, ...] = ()
    # [[credentials]] entries: the index names they cover (in uv's UV_INDEX_<NAME>_ spelling) and their URL
    # prefixes. A covered index gets its credentials handed over up front; a prefix also acts as an
    # authenticate-prefixes entry (the user said requests there carry these credentials).
    covered_names: frozenset[str] = frozenset()
    credential_prefixes: tuple[str, ...] = ()

    @property
    def rules(self) -> Rules:
        """What :func:`uvauth.policy.choose` decides an index's policy by."""
        return Rules(forced=self.forced, setting=self.authenticate,
                     prefixes=(*self.prefixes, *self.credential_prefixes))


class PlannedIndex(NamedTuple):
    """One index uv will contact, as ``explain`` shows it."""

    url: str  # redacted
    role: Literal["default", "extra", "flat", "explicit"]
    source: str
    where: str
    merged_onto: str | None  # name of the configured (or synthesized) index it is handled as
    policy: Policy
    policy_why: PolicyWhy
    lever: Lever
    credential_source: str | None = None  # set where uvauth seeds credentials
    lookup_url: str = ""  # the URL without userinfo, for showing where uv will find credentials
    url_has_credentials: bool = False
    # Another index of uv's whose root is a prefix of this one's URL, with another policy, as "URL (policy P)":
    # uv matches a request to the first such index in its hash set, not the longest (crates/uv-auth/src/index.rs,
    # `Indexes::find_prefix_index`).
    shadowed_by: str | None = None

    @property
    def unapplied(self) -> bool:
        """A policy asked for that no lever can apply (the planner warns): what holds is uv's default."""
        return self.lever == "none" and self.merged_onto is None and self.policy != DEFAULT_POLICY

    @property
    def holds(self) -> tuple[Policy, PolicyWhy]:
        """The policy that holds for the index through uvauth, and why: what explain and doctor both show."""
        return (DEFAULT_POLICY, "default") if self.unapplied else (self.policy, self.policy_why)


class Plan(NamedTuple):
    argv: tuple[str, ...]
    env: Mapping[str, str] = MappingProxyType({})  # additions; values are not secrets (defaults: read-only)
    secrets: Mapping[str, Secret] = MappingProxyType({})  # additions that are
    generated: GeneratedConfig | None = None  # a uv.toml replacing uv's discovery (it merges it)
    # How uv gets the generated file: the `UV_CONFIG_FILE` variable keeps argv (and so any header uv writes from
    # it) unchanged; `--config-file` for commands that run a program, which would inherit the variable.
    config_via: Literal["env", "argv"] = "env"
    indexes: tuple[PlannedIndex, ...] = ()
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    keyring_provider: str | None = None
    # Doubts about what uv will contact (an option uvauth's grammar does not know): shown even under -q, since
    # the policy the user relies on may not hold.
    doubts: tuple[str, ...] = ()
    # With Inputs.record_missing: the `always` indexes without credentials (each the error uv's run would get).
    missing: tuple[UvauthError, ...] = ()
    # Bearer tokens for uvauth's private credential store (written by the pipeline: uvauth.bearer).
    bearer: tuple[Bearer, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.env or self.secrets or self.generated is not None or self.bearer) or bool(self.changes)


class Inputs(NamedTuple):
    cmdline: UvCommandLine
    env: Mapping[str, str]
    cwd: str
    config: UvConfig | None
    requirements: RequirementsIndexes | None
    settings: Settings
    config_dir: str | None = None  # where a generated configuration will be written
    uv_path: str = "uv"  # the real uv, for messages that must say which uv is too old
    # What execve counts for the environment uv inherits (:func:`uvauth.exec_limits.environment_size`), taken
    # from the raw environment: listing it through ``env`` (a recording view) would make every variable's value
    # something a memoized plan depends on. None: measure ``env`` itself (callers that plan once, tests).
    environment_size: int | None = None
    # An `always` index without credentials is recorded in Plan.missing instead of raised (doctor: the plan's
    # policies are wanted exactly where credentials are missing).
    record_missing: bool = False


def _synth_name(url: str) -> str:
    import hashlib

    return SYNTH_PREFIX + hashlib.sha256(index_key(url).encode()).hexdigest()[:10]


class _View:
    """uv's index list for one candidate (argv, synthesized indexes)."""

    def __init__(self, inputs: Inputs, argv: Sequence[str], synthesized: Sequence[ConfiguredIndex]) -> None:
        cmdline = parse(list(argv))
        names = frozenset(i.name for i in (inputs.config.indexes if inputs.config else ()) if i.name)
        names |= frozenset(i.name for i in synthesized if i.name)
        self.mentions = m.command_line_mentions(cmdline, inputs.env, inputs.cwd, names)
        self.entries = m.uv_indexes(
            self.mentions, inputs.config, inputs.requirements,
            pip=cmdline.command[:1] == ("pip",), cwd=inputs.cwd, synthesized=synthesized,
        )
        self.roles = m.roles(self.entries)

    def signature(self, *, text: bool, with_explicit: bool) -> tuple[object, ...]:
        ours = tuple(e for e in self.roles.explicit if e.source == "uvauth")
        roles = self.roles._replace(explicit=tuple(e for e in self.roles.explicit if e.source != "uvauth"))
        signature: tuple[object, ...] = roles.resolution()
        if text:
            emitted = roles._replace(explicit=roles.explicit + ours) if with_explicit else roles
            signature += emitted.emitted(with_explicit=with_explicit)
        return signature


def _writes_index_text(inputs: Inputs) -> tuple[bool, bool]:
    """(does the command write index URL text anywhere, does that include explicit indexes)."""
    cmd = inputs.cmdline
    key = cmd.key
    if key == "pip compile":
        config_emit = inputs.config.value("emit-index-url", "pip") if inputs.config else None
        flags = ("--emit-index-url", "--emit-index-annotation", "--emit-find-links")
        emits = any(cmd.has(f) for f in flags) or bool(config_emit)
        return emits and not cmd.has("--no-emit-index-url"), False
    if key == "export":
        return True, cmd.has("--emit-index-url")
    return key not in _WRITES_NOTHING, False


class _Unchanged(NamedTuple):
    """uv runs unchanged, and the plan says why: the uv found cannot reference an index by name (``too_old``),
    or a generated configuration would not be faithful."""

    reason: str
    too_old: bool = False


class _Context:
    """What every planning step reads and none changes: the inputs, and what follows from them alone.

    A plain class assigned once here, not a NamedTuple: a NamedTuple's fields cost a ``compile`` each at import,
    on the path of every reconciled uv call (see ``bench/README.md``)."""

    __slots__ = ("inputs", "rules", "find_credentials", "uv_version", "base_argv", "writes_text", "with_explicit",
                 "original", "signature", "keyring_provider", "runs_a_program", "argv_frozen", "keep_argv")

    def __init__(self, inputs: Inputs, find_credentials: FindCredentials, uv_version: Callable[[], tuple[int, ...]],
                 *, keep_argv: bool = False) -> None:
        key = inputs.cmdline.key
        self.inputs = inputs
        self.rules = inputs.settings.rules  # built once: a policy is chosen for every index
        self.find_credentials = find_credentials
        self.uv_version = uv_version
        self.base_argv = tuple(inputs.cmdline.without_uvauth_options())  # as typed, without uvauth's own options
        # Does the command write index URL text somewhere (and explicit indexes with it)?
        self.writes_text, self.with_explicit = _writes_index_text(inputs)
        self.original = _View(inputs, self.base_argv, ())  # uv's index list for the command as typed
        self.signature = self.original.signature(text=self.writes_text, with_explicit=self.with_explicit)
        self.keyring_provider = m.keyring_provider(inputs.cmdline, inputs.env, inputs.config)
        # uv passes its environment to the program `uv run` / `uv tool run` runs: changes go on argv there.
        self.runs_a_program = key in _RUNS_A_PROGRAM
        # `uv export` writes its own argv into its header and has no UV_CUSTOM_COMPILE_COMMAND: argv stays as
        # is. And where a changed argv's header would be too long to hand over (_plan_steps): argv stays too.
        self.argv_frozen = keep_argv or (key == "export" and not inputs.cmdline.has("--no-header"))
        self.keep_argv = keep_argv


class _Draft(NamedTuple):
    """The plan as the levers build it. Each step returns a new draft; none is changed in place."""

    argv: tuple[str, ...]
    synthesized: tuple[ConfiguredIndex, ...] = ()  # explicit named indexes for the generated configuration
    overrides: Mapping[str, Policy] = MappingProxyType({})  # configured index name -> the policy it must get
    # index name -> (URL to look credentials up for, required: may uv not run without them)
    seed: Mapping[str, tuple[str, bool]] = MappingProxyType({})
    # prefix index name -> the (URL, name) of indexes under it, whose credentials it may share
    seed_fallbacks: Mapping[str, tuple[tuple[str, str | None], ...]] = MappingProxyType({})
    # Seeded names whose credentials uv could not find by itself before the first request (a duplicate that
    # hash order may give policy auto, a URL's own credentials dropped by a reference by name, a prefix
    # sharing another index's): only these are handed over when uv reads the source itself (netrc, its store,
    # the keyring). The others are looked up only to fail early with every source named.
    must_hand: frozenset[str] = frozenset()
    uses_by_name: bool = False  # whether uv must be told to enable its `index-by-name` preview
    too_old: str | None = None  # why the uv found cannot take a reference by name, once one was wanted
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def seeding(self, name: str, url: str, required: bool, *, hand: bool = False, first: bool = False) -> _Draft:
        """Credentials for index ``name`` to be looked up for ``url`` (``first``: unless some are already);
        ``hand``: handed over even where uv reads their source itself."""
        seed = self.seed if first and name in self.seed else {**self.seed, name: (url, required)}
        return self._replace(seed=seed, must_hand=self.must_hand | {name} if hand else self.must_hand)

    def handing(self, name: str) -> _Draft:
        return self._replace(must_hand=self.must_hand | {name})

    def noting(self, change: str) -> _Draft:
        return self._replace(changes=(*self.changes, change))

    def warning(self, text: str) -> _Draft:
        return self._replace(warnings=(*self.warnings, text))

    def with_index(self, index: ConfiguredIndex) -> tuple[ConfiguredIndex, ...]:
        """The synthesized indexes with ``index`` added (in place of one of the same name)."""
        return (*(s for s in self.synthesized if s.name != index.name), index)


class _Decided:
    """One index uv will contact, with the policy it must get and the configured index that policy comes from."""

    __slots__ = ("entry", "home", "covering", "policy", "why")

    def __init__(self, entry: m.Entry, home: ConfiguredIndex | None, covering: ConfiguredIndex | None,
                 policy: Policy, why: PolicyWhy) -> None:
        self.entry = entry
        self.home = home  # the configured index it is, or repeats
        # An `always` index whose root covers this find-links page (only where it has no home): _choose_levers.
        self.covering = covering
        self.policy = policy
        self.why = why


# -- step 1: decide each index's policy ------------------------------------------------------------------------------

def _policy(ctx: _Context, entry: m.Entry, home: ConfiguredIndex | None) -> tuple[Policy, PolicyWhy]:
    """The policy an index must get, by :func:`uvauth.policy.choose` (the rule doctor applies too)."""
    configured = home.authenticate if home is not None else entry.authenticate
    return choose(ctx.rules, entry.text, configured)


def _decide_policies(ctx: _Context) -> tuple[list[m.Entry], list[_Decided]]:
    """The indexes uv will send requests to (not explicit ones, not local ones: a path or file:// is read from
    disk), each with its policy."""
    inputs = ctx.inputs
    no_index = inputs.cmdline.has("--no-index") or bool(inputs.requirements and inputs.requirements.no_index)
    contacted = [e for e in ctx.original.roles.allowed
                 if not e.explicit and (e.flat or not no_index) and not e.key.startswith("file:")]
    decided = []
    for entry in contacted:
        home = configured_home(inputs.config, entry, inputs.cwd)
        covering = covering_index(inputs.config, entry) if home is None and entry.flat else None
        if covering is not None and _policy(ctx, entry, covering)[0] != "always":
            covering = None
        policy, why = _policy(ctx, entry, covering if covering is not None else home)
        decided.append(_Decided(entry, home, covering, policy, why))
    return contacted, decided


# -- step 2: choose the lever that makes each policy hold ------------------------------------------------------------

def _accept(ctx: _Context, argv: Sequence[str], synthesized: Sequence[ConfiguredIndex]) -> bool:
    """Does this candidate keep uv's index list (and, where written, its URL text) exactly as it was?"""
    if ctx.argv_frozen and tuple(argv) != ctx.base_argv:
        return False
    cmdline = parse(list(argv))
    if any(cmdline.count(flag) > 1 for flag in SINGLE_VALUED):
        return False  # clap: "the argument '--default-index' cannot be used multiple times"
    after = _View(ctx.inputs, argv, synthesized)
    return after.signature(text=ctx.writes_text, with_explicit=ctx.with_explicit) == ctx.signature


def _rewrite(argv: list[str], mention: m.IndexMention, name: str, view: _View) -> list[str] | None:
    """argv with one mention replaced by a by-name reference; None where that cannot be written."""
    flag = "--default-index" if mention.flag in ("--default-index", "--index-url") else "--index"
    if mention.flag == "--find-links":
        return None
    if mention.option is not None:
        option = mention.option
        token = argv[option.start]
        if option.spelling.startswith("-") and not option.spelling.startswith("--") and len(token) > 2 and \
                not token.startswith(option.spelling):
            return None  # part of a short cluster such as `-qiURL`: leave it alone
        # The option's value may hold several indexes: the others stay, each as its own flag.
        replacement: list[str] = []
        for value in m.split_env(option.value or "", envvars.INDEX_ENV_VARS[mention.flag][1]):
            replacement += [flag, name] if value == mention.text else [mention.flag, value]
        return argv[: option.start] + replacement + argv[option.stop :]
    # From the environment: the flag now on the command line makes uv ignore the variable, so every value the
    # variable held is written out as a flag, in order, with this one replaced.
    values = [x for x in view.mentions if x.source == "env" and x.where == mention.where]
    if any(any(userinfo(other.text)) for other in values if other is not mention):
        # Writing them out would move a password from the environment onto argv, where `ps` shows it to
        # every user of the machine: leave the variable alone (seeding covers the policy instead).
        return None
    added: list[str] = []
    for other in values:
        if other is mention:
            added += [flag, name]
        else:
            added += [other.flag, other.text]
    if flag != mention.flag and len(values) == 1:
        # The variable's own flag, given empty ("unset" to uv), stops uv from reading the variable too.
        added.append(f"{mention.flag}=")
    return _after_command(argv, added)


def _by_name_possible(ctx: _Context, draft: _Draft) -> tuple[bool, _Draft]:
    """Can uv be given references by name? Needs uv >= 0.12.5 (else uvauth runs uv unchanged: the draft returned
    records why), and no bare ``--index DIR`` of the user's own: with ``index-by-name`` enabled uv would read it
    as an unknown name."""
    if ctx.inputs.cmdline.key in _RECORDS_INDEXES:
        return False, draft  # the receipt would record the configured index instead of the URL given
    version = ctx.uv_version()
    if version < BY_NAME_MIN_VERSION:
        # Planning goes on without references by name, and ends before any credentials are looked up.
        return False, draft if draft.too_old else draft._replace(too_old=(
            f"the uv at {ctx.inputs.uv_path} is {'.'.join(map(str, version))}, which cannot reference an index "
            "by name (uv >= 0.12.5 can)"))
    return not any(
        x.flag in ("--index", "--default-index") and x.name is None and m.looks_like_name(x.text)
        for x in ctx.original.mentions
    ), draft


def _try_by_name(ctx: _Context, draft: _Draft, mention: m.IndexMention, name: str,
                 synthesized: tuple[ConfiguredIndex, ...]) -> tuple[_Draft, bool]:
    """The draft with ``mention`` referencing index ``name`` (and ``synthesized`` as its generated indexes), and
    True; or the draft as it was, and False, where the reference would change what uv does."""
    view = _View(ctx.inputs, draft.argv, synthesized)
    current = next((x for x in view.mentions if x.where == mention.where and x.text == mention.text
                    and x.flag == mention.flag), None)
    if current is None:
        return draft, False
    candidate = _rewrite(list(draft.argv), current, name, view)
    if candidate is None or not _accept(ctx, candidate, synthesized):
        return draft, False
    possible, draft = _by_name_possible(ctx, draft)
    if not possible:
        return draft, False
    shown = mention.where if mention.source == "env" else mention.flag
    flag = "--default-index" if mention.flag in ("--default-index", "--index-url") else "--index"
    draft = draft._replace(argv=tuple(candidate), synthesized=synthesized, uses_by_name=True)
    return draft.noting(f"{shown} {redact(mention.text)} -> {flag} {name}"), True


def _try_default_reference(ctx: _Context, draft: _Draft, name: str) -> tuple[_Draft, bool]:
    """An earlier default with the same index makes uv drop a requirements file's --index-url: uv's auth policies
    keep only the first default (``IndexLocations::allowed_indexes`` in
    ``crates/uv-distribution-types/src/index_url.rs``; ``docs/uv-rules.md``, "De-duplication and roles")."""
    candidate = _after_command(draft.argv, ["--default-index", name])
    if not _accept(ctx, candidate, draft.synthesized):
        return draft, False
    possible, draft = _by_name_possible(ctx, draft)
    if not possible:
        return draft, False
    draft = draft._replace(argv=tuple(candidate), uses_by_name=True)
    return draft.noting(f"requirements --index-url -> --default-index {name}"), True


def _merge_onto(ctx: _Context, draft: _Draft, entry: m.Entry, home: ConfiguredIndex, policy: Policy,
                why: PolicyWhy) -> tuple[_Draft, Lever]:
    """Make an index that is (or repeats) a configured named index behave as that index, with ``policy``."""
    name = home.name or ""
    configured = home.authenticate or DEFAULT_POLICY
    if policy != configured and name not in draft.overrides:
        draft = draft._replace(overrides={**draft.overrides, name: policy})
        draft = draft.noting(f"index {name}: authenticate {configured} -> {policy} ({why})")
    lever: Lever
    if entry.source == "config" or (entry.mention is not None and entry.mention.url is None):
        lever = "uv"  # uv itself applies the (generated) configuration to it
    else:
        by_name = False
        if entry.mention is not None:
            draft, by_name = _try_by_name(ctx, draft, entry.mention, name, draft.synthesized)
            if by_name and any(userinfo(entry.text)):
                # The reference by name drops the URL's own credentials: hand them to uv for that index.
                draft = draft.seeding(name, entry.text, policy == "always", hand=True)
        if not by_name and entry.source == "requirements" and entry.default:
            draft, by_name = _try_default_reference(ctx, draft, name)
        lever = "by-name" if by_name else "none"
        if not by_name:
            draft = draft.handing(name)  # an unnamed duplicate stays: which copy's policy uv applies is hash order
    if policy == "always" and (lever == "none" or configured != "always"):
        # Seeded credentials hold whichever copy uv picks; and where uvauth imposed `always`, uvauth checks
        # for credentials itself, so a missing one is reported with the sources it tried.
        draft = draft.seeding(name, home.url, True, first=True)
        lever = "seeded"
    return draft, lever


def _synthesize(ctx: _Context, draft: _Draft, entry: m.Entry, policy: Policy,
                why: PolicyWhy) -> tuple[_Draft, str | None, Lever]:
    """Give an unconfigured URL a named, explicit index (uv never searches explicit indexes), carrying
    ``policy``; reference it by name where uv's choices stay the same, else seed its credentials."""
    from uvauth.uv.config.discover import ConfiguredIndex

    name = _synth_name(entry.text)
    # The generated file is on disk: it never holds a URL's credentials (they are seeded from the URL instead).
    url = without_userinfo(entry.text)
    table = {"name": name, "url": url, "explicit": True, "authenticate": policy}
    index = ConfiguredIndex(name=name, url=url, default=False, explicit=True, flat=False,
                            authenticate=policy, path=None, line=0, level="config-file", table=table)
    candidate = draft.with_index(index)
    if entry.mention is not None:
        draft, by_name = _try_by_name(ctx, draft, entry.mention, name, candidate)
        if by_name:
            has_credentials = any(userinfo(entry.text))
            if policy == "always" or has_credentials:
                # uvauth imposed it: check credentials first, name the tries; or keep the URL's own credentials.
                draft = draft.seeding(name, entry.text, policy == "always", hand=has_credentials)
            return draft, name, "by-name"
    if policy == "always" and _accept(ctx, draft.argv, candidate):
        draft = draft._replace(synthesized=candidate).seeding(name, entry.text, True, hand=True)
        return draft, name, "seeded"
    what = "this command's output (it prints explicit indexes)" if ctx.with_explicit else "what uv resolves"
    return draft.warning(
        f"cannot apply authenticate = {policy} to {redact(entry.text)} ({entry.where}) without changing "
        f"{what}; it keeps uv's default policy (auto)"
    ), None, "none"


def _choose_levers(ctx: _Context, draft: _Draft, contacted: list[m.Entry],
                   decided: list[_Decided]) -> tuple[_Draft, list[PlannedIndex]]:
    """For each index, how uvauth makes its policy hold (see the module's docstring), as the draft and the
    indexes explain shows."""
    planned: list[PlannedIndex] = []
    for one in decided:
        entry, home, covering, policy, why = one.entry, one.home, one.covering, one.policy, one.why
        target: str | None
        lever: Lever
        if home is not None and home.name:
            draft, lever = _merge_onto(ctx, draft, entry, home, policy, why)
            target = home.name
        elif covering is not None:
            # A find-links page under an `always` index's root: uv matches the request against both entries
            # and picks one by hash order, so the index's credentials are seeded (cached up front for the
            # whole root) and hold whichever it picks.
            target, lever = covering.name or "", "seeded"
            draft = draft.seeding(target, covering.url, True, hand=True, first=True)
        elif policy != DEFAULT_POLICY:
            draft, target, lever = _synthesize(ctx, draft, entry, policy, why)
        else:
            target, lever = None, "none"
        planned.append(PlannedIndex(
            url=redact(entry.text),
            role="flat" if entry.flat else "default" if entry.default else "extra",
            source=entry.source, where=entry.where, merged_onto=target, policy=policy, policy_why=why,
            lever=lever, lookup_url=without_userinfo(entry.text), url_has_credentials=any(userinfo(entry.text)),
        ))
    draft, planned = _add_prefixes(ctx, draft, contacted, planned)
    draft, planned = _seed_covered(ctx, draft, planned)
    return _seed_shadowed(ctx, draft, planned, ctx.original.roles.allowed)


def _add_prefixes(ctx: _Context, draft: _Draft, contacted: list[m.Entry],
                  planned: list[PlannedIndex]) -> tuple[_Draft, list[PlannedIndex]]:
    """Each ``authenticate-prefixes`` entry on a host uv contacts becomes a seeded explicit index: requests
    under it outside every index root (files served elsewhere) then carry credentials too."""
    from uvauth.uv.config.discover import ConfiguredIndex

    settings = ctx.inputs.settings
    hosts = set()
    for entry in contacted:
        try:
            hosts.add(realm(entry.text))
        except InvalidUrl:
            continue
    roots: list[tuple[str, str, list[tuple[str, str | None]] | None]] = [
        (prefix, "authenticate-prefixes", None) for prefix in settings.prefixes
    ]
    roots += [(prefix, "credentials prefix", None) for prefix in settings.credential_prefixes
              if prefix not in settings.prefixes]
    roots += _decoded_roots(planned)
    wanted: list[tuple[str, str, list[tuple[str, str | None]] | None, ConfiguredIndex]] = []
    for prefix, where, fallbacks in roots:
        try:
            prefix_realm = realm(prefix)
        except InvalidUrl as error:
            # uvauth's own setting (uv never sees it): uvauth's error, not one to leave for uv.
            raise UvauthError(error.message, where=where, hint="fix or remove it") from None
        if prefix_realm not in hosts or settings.forced == "never":
            continue
        name = _synth_name(prefix)
        wanted.append((prefix, where, fallbacks, ConfiguredIndex(
            name=name, url=prefix, default=False, explicit=True, flat=False, authenticate="always",
            path=None, line=0, level="config-file",
            table={"name": name, "url": prefix, "explicit": True, "authenticate": "always"},
        )))
    # Checking each prefix's index alone rebuilds uv's whole index list once per prefix (quadratic: 100
    # prefixes over 500 indexes took seconds). They are checked together first, and one by one only where
    # together they would change what uv does (then some of them alone may not).
    together = draft
    for *_, index in wanted:  # as the loop below adds them: a later one of the same name replaces the first
        together = together._replace(synthesized=together.with_index(index))
    at_once = len(wanted) > 1 and _accept(ctx, draft.argv, together.synthesized)
    by_host = by_realm(contacted, lambda entry: entry.text)
    added = []
    for prefix, where, fallbacks, index in wanted:
        name = index.name or ""
        candidate = draft.with_index(index)
        if not at_once and not _accept(ctx, draft.argv, candidate):
            # `uv export --emit-index-url` prints explicit indexes
            draft = draft.warning(f"authenticate-prefixes {redact(prefix)} not applied: it would add an index "
                                  "to this command's output")
            continue
        # A prefix is usually one account's space (an Artifactory instance, a GitLab API, an Azure org): with
        # no credentials of its own it takes those of the first index under it that has some.
        shared = fallbacks if fallbacks is not None else [
            (entry.text, (configured_home(ctx.inputs.config, entry, ctx.inputs.cwd) or entry).name)
            for entry in by_host.get(realm(prefix), ()) if under(prefix, entry.text)
        ]
        draft = draft._replace(synthesized=candidate, seed_fallbacks={**draft.seed_fallbacks, name: tuple(shared)})
        draft = draft.seeding(name, prefix, True, hand=True).noting(f"prefix {redact(prefix)}: credentials up front")
        added.append(PlannedIndex(
            url=redact(prefix), role="explicit", source="uvauth", where=where,
            merged_onto=name, policy="always", policy_why="prefix", lever="seeded",
            lookup_url=without_userinfo(prefix),
        ))
    return draft, [*planned, *added]


def _decoded_roots(planned: list[PlannedIndex]) -> list[tuple[str, str, list[tuple[str, str | None]] | None]]:
    """For each ``always`` index whose root path is percent-encoded (``…/pypi%2Dlocal/simple``), the decoded
    root, with the index as the place its credentials come from.

    Servers route the decoded path and link their files under it (``/pypi-local/packages/…``), but uv
    matches a request to an index's root by the raw path: those file requests would get policy ``auto`` and
    go out without credentials. Covering the decoded root too (like an ``authenticate-prefixes`` entry)
    sends them with credentials up front.
    """
    from urllib.parse import unquote

    found: list[tuple[str, str, list[tuple[str, str | None]] | None]] = []
    for index in planned:
        if index.policy != "always" or not index.lookup_url or "%" not in index.lookup_url:
            continue
        try:
            root = auth_root(index.lookup_url)
        except InvalidUrl:
            continue
        scheme, _, rest = root.partition("://")
        netloc, slash, path = rest.partition("/")
        decoded = unquote(path)
        if decoded == path or not all(c.isalnum() or c in "-._~/!$&'()*+,;=:@" for c in decoded):
            continue
        url = f"{scheme}://{netloc}{slash}{decoded}"
        if all(url != other[0] for other in found):
            found.append((url, f"decoded root of {index.url}", [(index.lookup_url, index.merged_onto)]))
    return found


def _seed_covered(ctx: _Context, draft: _Draft, planned: list[PlannedIndex]) -> tuple[_Draft, list[PlannedIndex]]:
    """A configured index a ``[[credentials]]`` entry covers (by name or prefix) gets that entry's token
    handed over up front: uv has no way to find it by itself."""
    settings = ctx.inputs.settings
    if not settings.covered_names and not settings.credential_prefixes:
        return draft, planned
    from uvauth.uv.credentials.search import env_var_prefix

    names = {f"{envvars.UV_INDEX_CREDENTIALS_PREFIX}{key}_" for key in settings.covered_names}
    result = []
    for index in planned:
        name = index.merged_onto
        covered = name is not None and (env_var_prefix(name) in names or under_any(
            tuple(settings.credential_prefixes), index.lookup_url))
        if name is None or not covered or index.policy == "never" or name.startswith(SYNTH_PREFIX):
            result.append(index)
            continue
        home = ctx.inputs.config.named(name) if ctx.inputs.config is not None else None
        draft = draft.seeding(name, home.url if home is not None else index.lookup_url, True, hand=True, first=True)
        result.append(index._replace(lever="seeded") if index.lever == "none" else index)
    return draft, result


def _seed_shadowed(ctx: _Context, draft: _Draft, planned: list[PlannedIndex],
                   known: Sequence[m.Entry]) -> tuple[_Draft, list[PlannedIndex]]:
    """An ``always`` index whose URL is also under another index's root (the same server's root index, a
    find-links page, an index at the host's root) with another policy: uv's middleware applies the policy of
    whichever matching index its hash set yields first (``Indexes::find_prefix_index`` in
    ``crates/uv-auth/src/index.rs``: an ``FxHashSet``, unseeded, so stable per URL but arbitrary), so
    some of its requests go out without credentials. Its credentials are handed over up front instead: uv
    caches handed ``UV_INDEX_<NAME>_*`` credentials for the index's root and checks that cache before any
    request it matches to an ``auto`` index. Under a ``never`` index uv sends none: said, not guessed."""
    policies = {p.lookup_url: p.policy for p in planned}
    overrides = draft.overrides

    # (root, key, policy) of every index uv's middleware knows that is not `always`, by host: a request is
    # matched only within its realm, and this keeps 500 indexes on many hosts near-linear.
    def policy_of(entry: m.Entry) -> str:
        name = entry.configured.name if entry.configured is not None else entry.name
        return policies.get(without_userinfo(entry.text)) or overrides.get(name or "") \
            or entry.authenticate or DEFAULT_POLICY

    others = {host: [(auth_root(entry.text), entry.key, policy_of(entry)) for entry in group]
              for host, group in by_realm([e for e in known if policy_of(e) != "always"],
                                          lambda entry: entry.text).items()}
    if not others:
        return draft, planned
    result = []
    for index in planned:
        name = index.merged_onto
        if index.policy != "always" or name is None or not index.lookup_url:
            result.append(index)
            continue
        try:
            key = index_key(index.lookup_url)
            shadow = next(((root, policy) for root, other, policy in others.get(realm(index.lookup_url), ())
                           if other != key and covers(root, index.lookup_url)), None)
        except InvalidUrl:
            shadow = None
        if shadow is None:
            result.append(index)
            continue
        root, policy = shadow
        if policy == "never":
            draft = draft.warning(f"index {index.url} is under the root {redact(root)} of an index with "
                                  "authenticate = never: uv may match its requests to that one and send them "
                                  "without credentials; uvauth cannot keep always there")
            result.append(index._replace(shadowed_by=f"{redact(root)} (policy never)"))
            continue
        home = ctx.inputs.config.named(name) if ctx.inputs.config is not None else None
        draft = draft.seeding(name, home.url if home is not None else index.lookup_url, True, hand=True, first=True)
        result.append(index._replace(lever="seeded", shadowed_by=f"{redact(root)} (policy {policy})"))
    return draft, result


# -- step 3: refuse, before any credentials are looked up, what cannot be faithful -----------------------------------

def _refusal(ctx: _Context, draft: _Draft) -> _Unchanged | None:
    """Why uv must run unchanged after all: the uv found cannot take the references by name the plan wants,
    or the configuration uvauth would generate could not be faithful to the user's."""
    if draft.too_old is not None:
        return _Unchanged(draft.too_old, too_old=True)
    if not (draft.synthesized or draft.overrides):
        return None  # nothing to generate
    from uvauth.uv.config.render import render_losses, unnamed_url_credentials

    inputs = ctx.inputs
    config = inputs.config if inputs.config is not None else _empty_config()
    lost = render_losses(config) if inputs.cmdline.command[:1] == ("pip",) else ()
    if lost:
        return _Unchanged(f"its project configuration sets {', '.join(lost)}, which a generated uv.toml cannot "
                          "carry")
    # A password in an unnamed configured URL is handed over, never written (_hand_over_unnamed_credentials):
    # a command that writes those URLs out would write them without it.
    writes_urls = (inputs.cmdline.key == "pip compile" and ctx.writes_text) or (
        inputs.cmdline.key == "export" and inputs.cmdline.has("--emit-index-url"))
    if writes_urls and unnamed_url_credentials(config):
        return _Unchanged("its configuration has a password in an index URL without a name, which this command "
                          "writes out and uvauth never copies into a file")
    # A --config-file of the user's would win over UV_CONFIG_FILE: _assemble takes it out, if argv may change.
    if ctx.argv_frozen and _drop_option(draft.argv, "--config-file") != list(draft.argv):
        why = ("its command line is too long to repeat in a custom header" if ctx.keep_argv
               else "`uv export` writes its arguments into its header")
        return _Unchanged(f"{why}, and --config-file would have to change")
    return None


# -- step 4: resolve credentials -------------------------------------------------------------------------------------

def _resolve_credentials(ctx: _Context, draft: _Draft) -> Seeded:
    inputs = ctx.inputs
    return seed_credentials(
        draft.seed, draft.seed_fallbacks, draft.must_hand, ctx.find_credentials, env=inputs.env,
        keyring_provider=ctx.keyring_provider, prefixes=inputs.settings.prefixes,
        offline=bool(draft.seed) and m.offline(inputs.cmdline, inputs.env, inputs.config),
        record_missing=inputs.record_missing, tool_command=inputs.cmdline.command[:1] == ("tool",))


def _bearer_always(ctx: _Context, draft: _Draft, planned: list[PlannedIndex],
                   bearer: Sequence[Bearer]) -> tuple[_Draft, list[PlannedIndex]]:
    """An index whose token is a Bearer one gets it from uv's credential store, which uv reads before the first
    request only under ``always`` (``AuthMiddleware::handle``, ``crates/uv-auth/src/middleware.rs``: under
    ``auto`` a request goes out unauthenticated, and the store is asked after its 401). Handed
    ``UV_INDEX_<NAME>_*`` are cached up front whatever the policy; a Bearer token is not. So the index's policy
    becomes ``always`` where uvauth chose ``auto`` (an index a ``[[credentials]]`` entry covers by name); one
    the user configured or forced otherwise, or an unnamed copy uv may match instead (its policy is ``auto``), is
    refused: its first requests would go out without the token."""
    names = {token.name for token in bearer}
    result = []
    for index in planned:
        name = index.merged_onto
        if name not in names:
            result.append(index)
            continue
        if index.role == "flat" or (index.source not in ("config", "uvauth") and index.lever not in ("uv", "by-name")):
            # A find-links page under the index's root is such a copy too (_choose_levers: `covering`).
            raise UvauthError(f"index {name}: its Bearer token reaches uv only from uv's credential store, and "
                              f"{index.url} ({index.where}) stays an unnamed copy that uv may match with policy "
                              "auto, sending its first requests without the token",
                              hint=f"use the index by name (--index {name}) instead of its URL")
        if index.shadowed_by is not None:
            raise UvauthError(f"index {name}: its Bearer token reaches uv only from uv's credential store, and "
                              f"{index.url} is also under {index.shadowed_by}: uv may match its requests to that "
                              "index and send them without the token first",
                              hint="give that index authenticate = \"always\" too")
        under_it = next((other for other in planned if other.merged_onto not in names and other.policy != "always"
                         and other.lookup_url and _overlap(index.lookup_url, other.lookup_url)), None)
        if under_it is not None:
            # Handed UV_INDEX_* would be cached for the whole root up front (_seed_shadowed); a Bearer token is not.
            raise UvauthError(f"index {name}: its Bearer token reaches uv only from uv's credential store, and "
                              f"{under_it.url} ({under_it.where}) overlaps its root with policy {under_it.policy}: "
                              "uv may match requests there to either and send them without the token first",
                              hint=f"use the index by name (--index {name}), or drop that URL")
        if index.policy != "always":
            if index.policy_why in ("configured", "option"):
                how = "configured" if index.policy_why == "configured" else "by --authenticate"
                raise UvauthError(f"index {name}: its Bearer token reaches uv only from uv's credential store, "
                                  f"which uv reads before the first request only under authenticate = always "
                                  f"(it is {index.policy}, {how})",
                                  hint=f"set authenticate = \"always\" on the index {name}")
            draft = draft._replace(overrides={**draft.overrides, name: "always"}).noting(
                f"index {name}: authenticate {index.policy} -> always (a Bearer token: uv reads its credential "
                "store before the first request only under always)")
            index = index._replace(policy="always", policy_why="prefix")
        result.append(index)
    refused = _refusal(ctx, draft)
    if refused is not None:
        raise UvauthError(f"a Bearer token needs authenticate = always for its index, and uvauth cannot apply it: "
                          f"{refused.reason}", hint="set authenticate = \"always\" on the index")
    return draft, result


def _overlap(url: str, other: str) -> bool:
    """Is either URL under the other's root? uv then matches a request there to whichever index its hash set
    yields first (``Indexes::find_prefix_index``, ``crates/uv-auth/src/index.rs``)."""
    try:
        return under(auth_root(url), other) or under(auth_root(other), url)
    except InvalidUrl:
        return False


# -- step 5: assemble the plan ---------------------------------------------------------------------------------------

def _hand_over_unnamed_credentials(ctx: _Context, draft: _Draft, unnamed: Sequence[tuple[str, str, str | None]],
                                   secrets: Mapping[str, Secret]) -> tuple[_Draft, dict[str, Secret]]:
    """A password in an unnamed index URL of the configuration (``index-url``, ``extra-index-url``,
    ``find-links``, an ``[[index]]`` without a name) is not written to the generated file, and has no name
    to travel by: it is handed to uv for an explicit named index of the same URL (uv never searches explicit
    indexes), whose ``UV_INDEX_<NAME>_*`` uv caches for that URL and its root before the first request, so
    the unnamed index's requests carry the same credentials as with the password in the URL. Returns the draft
    with those indexes, and the variables to add to ``secrets``.

    Commands that write those URLs out (``pip compile --emit-index-url``, ``export --emit-index-url``) would
    write them without the password: for those uv runs unchanged (:func:`_refusal`)."""
    added: dict[str, Secret] = {}
    if not unnamed:
        return draft, added
    from uvauth.uv.config.discover import ConfiguredIndex
    from uvauth.uv.credentials.search import env_var_prefix

    for url, username, password in unnamed:
        name = _synth_name(url)
        if all(s.name != name for s in draft.synthesized):
            table = {"name": name, "url": url, "explicit": True}
            draft = draft._replace(synthesized=(*draft.synthesized, ConfiguredIndex(
                name=name, url=url, default=False, explicit=True, flat=False, authenticate=None, path=None,
                line=0, level="config-file", table=table,
            )))
        prefix = env_var_prefix(name)
        if prefix + "PASSWORD" in secrets or prefix + "PASSWORD" in added or ctx.inputs.env.get(prefix + "PASSWORD"):
            continue
        added[prefix + "USERNAME"] = Secret(username)
        added[prefix + "PASSWORD"] = Secret(password or "")
        draft = draft.noting(f"{redact(url)}: the password written in the configuration handed over as {prefix}*")
    return draft, added


def _assemble(ctx: _Context, draft: _Draft, planned: list[PlannedIndex], seeded: Seeded) -> Plan:
    """The plan's argv, environment and generated configuration."""
    inputs = ctx.inputs
    draft = draft._replace(changes=(*draft.changes, *seeded.changes))
    planned = [p._replace(credential_source=seeded.sources.get(p.merged_onto or "")) for p in planned]
    secrets = dict(seeded.secrets)
    argv = list(draft.argv)
    env: dict[str, str] = {}
    generated = None
    if draft.synthesized or draft.overrides:
        from uvauth.uv.config.render import GeneratedConfig, unnamed_url_credentials

        config = inputs.config if inputs.config is not None else _empty_config()
        secrets.update(url_credentials(config, secrets, inputs.env))
        draft, handed = _hand_over_unnamed_credentials(ctx, draft, unnamed_url_credentials(config), secrets)
        secrets.update(handed)
        generated = GeneratedConfig(
            config=config,
            extra_indexes=tuple(dict(s.table) for s in draft.synthesized),
            authenticate=dict(draft.overrides),
            dest_dir=inputs.config_dir or None,
        )
        # uv reads UV_CONFIG_FILE instead of discovering, so it no longer warns of a [tool.uv] it skips: say it.
        draft = draft._replace(warnings=(*draft.warnings, *config.warnings))
        # A --config-file of the user's would win over UV_CONFIG_FILE (and uv takes the flag once): the
        # generated file merged it already, so it is taken out.
        argv = _drop_option(argv, "--config-file")  # argv may change here (_refusal)
    if draft.uses_by_name:
        preview_env = inputs.env.get(envvars.UV_PREVIEW_FEATURES)
        if ctx.runs_a_program or inputs.cmdline.has("--preview-features"):
            # A global option: before the subcommand it is clear of `--` and of `uv run`'s command.
            argv = ["--preview-features", "index-by-name", *argv]
        else:
            env[envvars.UV_PREVIEW_FEATURES] = f"{preview_env},index-by-name" if preview_env else "index-by-name"
    if inputs.cmdline.key == "pip compile" and tuple(argv) != ctx.base_argv:
        custom = inputs.cmdline.last("--custom-compile-command") or inputs.env.get(envvars.UV_CUSTOM_COMPILE_COMMAND)
        if inputs.config is not None and not custom:
            custom = inputs.config.value("custom-compile-command", "pip")
        if not custom and not inputs.cmdline.has("--no-header"):
            emit_urls = inputs.cmdline.has("--emit-index-url") or bool(
                inputs.config and inputs.config.value("emit-index-url", "pip"))
            emit_links = inputs.cmdline.has("--emit-find-links") or bool(
                inputs.config and inputs.config.value("emit-find-links", "pip"))
            # uv writes its own argv into the header; keep the header of the command the user typed.
            env[envvars.UV_CUSTOM_COMPILE_COMMAND] = header_command(
                list(ctx.base_argv), include_index_url=emit_urls, include_find_links=emit_links
            )
    return Plan(
        argv=tuple(argv), env=env, secrets=secrets, generated=generated,
        config_via="argv" if ctx.runs_a_program else "env", indexes=tuple(planned),
        changes=draft.changes, warnings=draft.warnings, keyring_provider=ctx.keyring_provider,
        missing=seeded.missing, bearer=seeded.bearer,
    )


# -- step 6: check the system's limits -------------------------------------------------------------------------------

def _fits_limits(ctx: _Context, plan: Plan) -> bool:
    """Does every string the plan adds fit execve's per-string limit, and the whole its total, wherever plain
    uv's command does (:func:`uvauth.exec_limits.fits`)?"""
    from uvauth import exec_limits

    added = {**plan.env, **{name: secret.value for name, secret in plan.secrets.items()}}
    environment = ctx.inputs.environment_size
    if environment is None:
        environment = exec_limits.environment_size(ctx.inputs.env)
    return exec_limits.fits(ctx.base_argv, plan.argv, added, environment)


# -- the steps in order ----------------------------------------------------------------------------------------------

def _plan_steps(ctx: _Context) -> Plan | _Unchanged:
    contacted, decided = _decide_policies(ctx)
    draft, planned = _choose_levers(ctx, _Draft(argv=ctx.base_argv), contacted, decided)
    refused = _refusal(ctx, draft)
    if refused is not None:
        return refused  # decided before any credentials are looked up (a credentials command may prompt)
    seeded = _resolve_credentials(ctx, draft)
    if seeded.bearer:
        draft, planned = _bearer_always(ctx, draft, planned, seeded.bearer)
    plan = _assemble(ctx, draft, planned, seeded)
    if _fits_limits(ctx, plan):
        return plan
    if not ctx.keep_argv:
        # The changed argv's custom header is what does not fit: plan again with argv as typed, which needs none.
        return _plan_steps(_Context(ctx.inputs, ctx.find_credentials, ctx.uv_version, keep_argv=True))
    return _Unchanged("what it would hand uv exceeds the system's limit on a command line and its environment")


def _plan_checked(ctx: _Context) -> Plan:
    """The plan, or uv's command line unchanged where uv must refuse it or uvauth must leave it alone (saying
    why); raises :class:`UvauthError` where running uv unchanged would break a policy the user set for uvauth."""
    inputs = ctx.inputs
    unchanged = Plan(argv=ctx.base_argv)
    if any(inputs.cmdline.count(flag) > 1 for flag in SINGLE_VALUED):
        # clap refuses the command line ("cannot be used multiple times"): leave it for uv to refuse.
        return unchanged
    if inputs.env.get(envvars.DEPENDABOT) == "true":
        # uv disables eager authentication under Dependabot, whose proxy adds credentials itself; so do we.
        # Exactly "true", as uv reads it (IS_DEPENDABOT): under DEPENDABOT=1 uv still enforces `always`.
        return unchanged
    plan = _plan_steps(ctx)
    if isinstance(plan, Plan):
        return plan
    if plan.too_old:
        hint = ("use the uv installed with uvauth (put it first on PATH), or set UVAUTH_UV to a uv >= 0.12.5")
        settings = inputs.settings
        if settings.forced in ("always", "never") or settings.authenticate in ("always", "never") or \
                settings.prefixes:
            # The user asked uvauth for this policy: running uv unchanged would send what they forbade.
            raise UvauthError(f"{plan.reason}: the authentication policy set for uvauth cannot hold", hint=hint)
        return unchanged._replace(warnings=(
            f"{plan.reason}, so uvauth runs it unchanged: command-line index URLs keep policy auto ({hint})",))
    return unchanged._replace(warnings=(
        f"uvauth runs uv unchanged for this command: {plan.reason}; policies set by uvauth do not apply",))


def _unchecked_inputs(inputs: Inputs) -> tuple[str, ...]:
    """Requirements inputs uv reads and uvauth did not (stdin, a pipe, a device, a remote file): an index
    URL in one reaches uv with uv's default policy. Said only where a policy other than that is set."""
    requirements = inputs.requirements
    if requirements is None or not requirements.unchecked or not _sets_a_policy(inputs):
        return ()
    shown = ", ".join(redact(what) for what in requirements.unchecked)
    return (f"uvauth did not read {shown} (uv reads it itself: stdin, a pipe or device is read once, a remote "
            "file would be a request of uvauth's); an index URL in it keeps uv's default policy (auto)",)


def _doubts(inputs: Inputs) -> tuple[str, ...]:
    cmdline = inputs.cmdline
    found = []
    for option in cmdline.unknown_options():
        how = (f"read {redact(option.value)!r} as its value" if option.value is not None and not option.attached
               else "read it as a flag" if option.value is None else "its value is attached")
        found.append(f"{option.spelling} is not an option of `uv {cmdline.key or '…'}` in uvauth's grammar "
                     f"(uv {GRAMMAR_UV_VERSION}'s), so uvauth {how}; if a newer uv reads it differently, the "
                     "indexes uvauth reconciled may not be all of uv's")
    return tuple(found)


def _after_command(argv: Sequence[str], tokens: list[str]) -> list[str]:
    """Insert options of the subcommand right after its last word (clap accepts them only after it)."""
    end = parse(list(argv)).command_end
    return [*argv[:end], *tokens, *argv[end:]]


def _drop_option(argv: Sequence[str], name: str) -> list[str]:
    cmdline = parse(list(argv))
    drop = {i for o in cmdline.options if o.name == name for i in range(o.start, o.stop)}
    return [a for i, a in enumerate(argv) if i not in drop]


def _empty_config() -> UvConfig:
    from uvauth.uv.config.discover import UvConfig

    return UvConfig(files=(), indexes=())


def _sets_a_policy(inputs: Inputs) -> bool:
    """Whether any policy other than uv's default applies to this command: uvauth's settings, a
    ``[[credentials]]`` entry, or a configured index's ``authenticate``."""
    settings = inputs.settings
    if settings.forced in ("always", "never") or settings.authenticate in ("always", "never"):
        return True
    if settings.prefixes or settings.covered_names or settings.credential_prefixes:
        return True
    indexes = inputs.config.indexes if inputs.config is not None else ()
    return any(index.authenticate in ("always", "never") for index in indexes)


def make_plan(
    inputs: Inputs, find_credentials: FindCredentials, uv_version: Callable[[], tuple[int, ...]]
) -> Plan:
    """Plan one uv invocation, in pure steps (decide policies, choose levers, refuse what cannot be faithful,
    resolve credentials, assemble, check limits) that each take values and return one. Raises
    :class:`UvauthError` when an ``always`` index has no credentials."""
    plan = _plan_checked(_Context(inputs, find_credentials, uv_version))
    unchecked = _unchecked_inputs(inputs)
    if unchecked:
        plan = plan._replace(warnings=plan.warnings + unchecked)
    doubts = _doubts(inputs)
    return plan._replace(doubts=doubts) if doubts else plan
