"""The pipeline from a uv command line to what is handed to uv.

``prepare()`` decides, in order: where uv will look (``--directory``, ``--project``, ``--config-file``,
``--no-config``), which requirements files the command reads, and — with ``os``-level work only — whether uvauth
could have anything to change. Only then, lazily, configuration → index mentions → plan. Every front end (the
console scripts, ``explain``, ``doctor``) goes through here.

Record styles: ``__slots__`` classes on the hot path (here, ``uv.cmdline``, ``settings.sources``), where ``typing``
must not be imported; ``NamedTuple`` for the immutable records of planning (``uv.config``, ``uv.indexes``,
``uv.requirements``, ``plan``), which import ``typing`` anyway; dataclasses only off the hot path (``doctor``,
``completion``). A record of more than two fields is built by keyword at every call site, in tests too.
"""

import os

from uvauth import fastpath, launch
from uvauth.uv import cmdline as uvcli
from uvauth.uv import envvars

# Every uv call passes through here: only what the pass-through decision needs is imported at the top.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any, Final

    from uvauth.seeding import Secret
    from uvauth.uv.credentials.search import Lookup

_PIP_REQUIREMENTS: "Final" = {
    "pip compile": ("positional", "--constraints", "--overrides"),
    "pip sync": ("positional", "--constraints"),
    "pip install": ("--requirements", "--constraints", "--overrides"),
}
_ENV_FOR: "Final" = {"--constraints": envvars.UV_CONSTRAINT, "--overrides": envvars.UV_OVERRIDE}


class Where:
    """Where uv will look: its working directory, project directory and configuration switches."""

    __slots__ = ("cwd", "project", "config_file", "no_config")

    def __init__(self, cwd: "Path", project: "Path", config_file: "Path | None", no_config: bool) -> None:
        self.cwd = cwd
        self.project = project
        self.config_file = config_file
        self.no_config = no_config


def _directories(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]") -> tuple[str, str]:
    """(uv's working directory, its project directory) as absolute paths, with ``os.path`` only: uv's
    ``--directory`` (chdir first) and ``--project`` (the discovery root; a ``pyproject.toml`` means its
    directory), each with its environment fallback."""
    directory = cmdline.last("--directory") or env.get(envvars.UV_WORKING_DIR) or env.get(envvars.UV_WORKING_DIRECTORY)
    cwd = os.path.abspath(directory or os.getcwd())
    project_arg = cmdline.last("--project") or env.get(envvars.UV_PROJECT)
    project = os.path.join(cwd, project_arg) if project_arg else cwd
    if os.path.basename(project) == "pyproject.toml":
        project = os.path.dirname(project)
    return cwd, project


def locate(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]") -> Where:
    """Where uv will look: :func:`_directories`, and ``--config-file``, ``--no-config``, each with its
    environment fallback."""
    from pathlib import Path

    cwd, project = _directories(cmdline, env)
    config_arg = cmdline.last("--config-file") or env.get(envvars.UV_CONFIG_FILE)
    no_config = cmdline.has("--no-config") or envvars.truthy(env.get(envvars.UV_NO_CONFIG))
    if cmdline.command[:1] == ("pip",):  # the deprecated --isolated still disables config for pip commands
        no_config = no_config or cmdline.has("--isolated") or envvars.truthy(env.get(envvars.UV_ISOLATED))
    return Where(Path(cwd), Path(project), Path(cwd, config_arg) if config_arg else None, no_config)


def requirement_inputs(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]") -> dict[str, list[str]] | None:
    """The requirements, constraints and overrides files of ``uv pip compile/install/sync``; None elsewhere."""
    kinds = _PIP_REQUIREMENTS.get(cmdline.key)
    if kinds is None:
        return None
    found: dict[str, list[str]] = {"requirements": [], "constraints": [], "overrides": []}
    for kind in kinds:
        if kind == "positional":
            found["requirements"] += [text for _, text in cmdline.positionals]
        elif kind == "--requirements":
            found["requirements"] += cmdline.values(kind)
        else:
            # uv splits each constraints/overrides value (and its variable) on spaces.
            given = cmdline.values(kind) or [env.get(_ENV_FOR[kind], "")]
            found[kind.removeprefix("--")] += [part for value in given for part in value.split(" ") if part]
    return found


def _needs_planning(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]", inputs: dict[str, list[str]] | None,
                    settings_present: bool) -> bool:
    """Cheap test, before any TOML is parsed: could uvauth have anything to change for this command?"""
    if any(cmdline.has(flag) for flag in envvars.INDEX_ENV_VARS) or any(
        env.get(var) for var, _ in envvars.INDEX_ENV_VARS.values()
    ):
        return True
    if inputs and any(inputs.values()):
        return True
    return settings_present or cmdline.uvauth_options != ()


def _find_credentials(url: str, name: str | None, keyring_provider: str | None, env: "Mapping[str, str]") -> "Lookup":
    # Imported only for a plan that hands uv credentials up front: most plans do not.
    from uvauth.uv.credentials.search import find_credentials

    return find_credentials(url, name=name, env=env, keyring_provider=keyring_provider)


def _handoff(cmdline: uvcli.UvCommandLine, **fields: "Any") -> launch.Handoff:
    """A :class:`~uvauth.launch.Handoff` for this command line: its ``-v``/``-q`` counts choose what is reported."""
    return launch.Handoff(verbose=cmdline.count("--verbose"), quiet=cmdline.count("--quiet"), **fields)


def _settings_present(located: list[tuple[str, str, bool]], credential_vars: "Mapping[str, str]",
                      env: "Mapping[str, str]") -> bool:
    """Are uvauth's own settings in force (a settings file, the environment form of [[credentials]], a
    ``UVAUTH_*`` setting)?"""
    return bool(located) or bool(credential_vars) or any(
        env.get(var) for var in (envvars.UVAUTH_AUTHENTICATE, envvars.UVAUTH_AUTHENTICATE_PREFIXES))


def _uv_reads_the_users_config(uv: str, env: "Mapping[str, str]", where: Where) -> bool:
    """Does uv read the configuration it discovers itself (the user's own files, not a generated one)?"""
    options = ["--project", str(where.project)]
    if where.no_config:
        options.append("--no-config")
    elif where.config_file is not None:
        options += ["--config-file", str(where.config_file)]
    own_discovery = {k: v for k, v in env.items() if k != envvars.UV_CONFIG_FILE}
    return launch.uv_reads_config(uv, own_discovery, cwd=str(where.cwd), options=options)


def _rejected_configuration(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]", uv: str,
                            where: Where) -> launch.Handoff:
    """uv rejects the configuration uvauth generated: never hand it over (uv's error would name a file in uvauth's
    cache, which the user never wrote). Where uv rejects the user's own files too, uv runs unchanged and names
    them itself, in its own words and with its own exit code; otherwise (uvauth rendered what uv does not
    read) uv runs unchanged and uvauth says that its policies do not hold."""
    warnings: tuple[str, ...] = ()
    if _uv_reads_the_users_config(uv, env, where):
        warnings = ("uv does not read the configuration uvauth generated from yours, so uvauth runs uv unchanged "
                    "for this command; policies set by uvauth do not apply",)
    return _handoff(cmdline, uv=uv, argv=cmdline.without_uvauth_options(), env=env, warnings=warnings)


def prepare(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]", *, always_plan: bool = False,
            memoize: bool = True, mint_tokens: bool = True, record_missing: bool = False) -> launch.Handoff:
    """Everything before the exec, after the fast path found no memoized plan (:func:`uvauth.fastpath.recalled`).
    A command that takes no index option runs as typed (:func:`uvauth.fastpath.passed_through`, the console
    script's own shortcut); without ``always_plan`` so does any command uvauth cannot have anything to change
    for, decided before any configuration is parsed. With ``memoize`` (and without ``always_plan``) the plan
    made is stored for the fast path to reuse while nothing it depended on changes (:mod:`uvauth.memo`).
    Without ``mint_tokens`` (``explain``) no credentials command runs: only cached tokens are looked at. With
    ``record_missing`` (doctor) an ``always`` index without credentials is in the plan's ``missing``, not raised."""
    passed = fastpath.passed_through(cmdline, env)
    if passed is not None:
        return passed
    forced = fastpath.checked_authenticate(cmdline, env)  # reads UVAUTH_AUTHENTICATE, as settings do below
    from uvauth.settings import files as settings_files  # os only: it finds the files, parsing none

    # The environment form of [[credentials]] is found by listing names: from the raw environment, and made part
    # of the memo's situation (a recorded listing would tie every memoized plan to every variable's name).
    credential_vars = envvars.credential_variables(env)
    try:
        cwd, project = _directories(cmdline, env)
    except FileNotFoundError:
        # The working directory is gone: uv says "Current directory does not exist" (or, with an absolute
        # --directory, runs there). uvauth cannot find its configuration: uv runs unchanged, and says so.
        return fastpath.unchanged(cmdline, env, ("the current directory does not exist, so uvauth cannot read the "
                                                 "configuration: uv runs unchanged",))
    inputs = requirement_inputs(cmdline, env)
    located = settings_files.locate(project, env)
    if forced is None and not always_plan and not _needs_planning(cmdline, env, inputs, _settings_present(
            located, credential_vars, env)):
        return fastpath.unchanged(cmdline, env)

    # Planning is due: the same first steps again, recorded this time (a few stats), since every variable read
    # and every file consulted from here on is something the plan depends on.
    from uvauth import observed

    recorded = observed.RecordingEnv(env)
    cwd, project = _directories(cmdline, recorded)
    inputs = requirement_inputs(cmdline, recorded)
    try:
        here = os.getcwd()  # a memoized plan is found by it
    except OSError:  # gone, with an absolute --directory: planning works there, memoizing does not
        here = ""
    memoize = memoize and not always_plan and cmdline.count("--verbose") < 2 and bool(here)  # -vv: the whole plan
    located = settings_files.locate(project, recorded)
    settings_present = _settings_present(located, credential_vars, recorded)
    if forced is None and not always_plan and not _needs_planning(cmdline, recorded, inputs, settings_present):
        return fastpath.unchanged(cmdline, env)
    # Recorded too: a memoized plan is reused, uv included, only while find_uv would find the same uv.
    uv = launch.real_uv(recorded)
    handoff = _plan(cmdline, recorded, env, forced=forced, inputs=inputs, located=located, uv=uv,
                    always_plan=always_plan, credential_vars=credential_vars, mint_tokens=mint_tokens,
                    record_missing=record_missing)
    if memoize and handoff.plan is not None and handoff.tokens is not None:
        from uvauth import cache, memo

        try:  # noqa: SIM105 - best effort: a memo that cannot be written is no reason for the command to fail
            memo.store(cache.cache_path(env), cmdline.argv, here, env, recorded, handoff)
        except Exception:  # noqa: BLE001
            pass
    return handoff


def _token_slots(secrets: "Mapping[str, Secret]") -> tuple[tuple[str, str, str], ...] | None:
    """``(USERNAME variable, PASSWORD variable, token cache file)`` of each pair of handed variables whose
    password a memoized plan can read again from its cache file; None when any secret handed is not such a token
    (that plan is never memoized: the secret is looked up again on every run). A private credential store for
    Bearer tokens is the slot ``("UV_CREDENTIALS_DIR", "", its directory)`` (:func:`_plan`)."""
    slots = []
    for name, secret in secrets.items():
        if name.endswith("_USERNAME"):
            if name.removesuffix("USERNAME") + "PASSWORD" not in secrets:
                return None
            continue
        if not name.endswith("_PASSWORD") or secret.cache_file is None:
            return None
        slots.append((name.removesuffix("PASSWORD") + "USERNAME", name, secret.cache_file))
    return tuple(sorted(slots))


def _plan(cmdline: uvcli.UvCommandLine, env: "Mapping[str, str]", child_base: "Mapping[str, str]", *,
          forced: str | None, inputs: dict[str, list[str]] | None, located: list[tuple[str, str, bool]],
          uv: str, always_plan: bool, credential_vars: "Mapping[str, str] | None" = None,
          mint_tokens: bool = True, record_missing: bool = False) -> launch.Handoff:
    """Configuration → index mentions → plan, and what the plan hands uv. ``env`` is what planning reads (a
    :class:`~uvauth.observed.RecordingEnv`); ``child_base`` the environment uv's own is built from. A plan that
    could not be made faithfully comes back with ``plan=None`` (uv runs unchanged), and is never memoized."""
    from uvauth import cache, exec_limits, observed, plan
    from uvauth.errors import UvauthError
    from uvauth.settings import sources as settings
    from uvauth.uv import indexes
    from uvauth.uv.config import discover as uvconfig
    from uvauth.uv.requirements import read_index_options
    from uvauth.uv.urls import InvalidUrl, redact

    where = locate(cmdline, env)
    cache_dir = cache.cache_dir(env)
    # uv was found already (``resolved.uv`` is the machine's setting that chose it, never a project's).
    resolved = settings.resolve(forced, where.project, env, cache_dir, located, credential_vars)
    providers = None
    try:
        config = uvconfig.discover(
            cwd=where.cwd, project=where.project, config_file=where.config_file, no_config=where.no_config,
            tool_command=cmdline.command[:1] in (("tool",), ("self",)), env=env,
        )
        requirements = None
        if inputs is not None:
            requirements = read_index_options(
                inputs["requirements"], inputs["constraints"], inputs["overrides"], cwd=where.cwd, env=env
            )
        covered: frozenset[str] = frozenset()
        credential_prefixes: tuple[str, ...] = ()
        findings: list[str] = []
        if resolved.credentials:
            # Only where [[credentials]] entries exist: every other command imports nothing of uvauth.providers.
            from uvauth.providers import entries as provider_entries
            from uvauth.providers.lookup import Providers

            # Offline, uv sends no request: a command (which may need the network itself) is not run for it.
            own_urls = provider_entries.own_index_urls(config, cmdline, env, str(where.cwd))
            providers = Providers(resolved.credentials, env, mint=mint_tokens,
                                  offline=indexes.offline(cmdline, env, config), own_urls=own_urls,
                                  quiet=cmdline.count("--quiet") > 0)
            active = providers.active()
            covered = provider_entries.covered_names(active)
            credential_prefixes = provider_entries.prefixes(active)
            # Stored with the plan's warnings: a memoized plan replays them (and -q hides them) as it does all.
            findings = provider_entries.entry_findings(
                providers.entries, config, cmdline, env, str(where.cwd),
                no_config=where.no_config and where.config_file is None)

        def find(url: str, name: str | None, keyring_provider: str | None) -> "Lookup":
            # An entry the user wrote for this index wins over uv's own sources.
            provided = providers.find(url, name) if providers is not None else None
            return provided or _find_credentials(url, name, keyring_provider, env)

        try:
            planned = plan.make_plan(
                plan.Inputs(
                    cmdline=cmdline, env=env, cwd=str(where.cwd), config=config, requirements=requirements,
                    settings=plan.Settings(
                        authenticate=resolved.authenticate, authenticate_source=resolved.authenticate_source,
                        forced=resolved.forced, prefixes=resolved.authenticate_prefixes,
                        covered_names=covered, credential_prefixes=credential_prefixes,
                    ),
                    config_dir=str(cache_dir), uv_path=uv,
                    environment_size=exec_limits.environment_size(child_base), record_missing=record_missing,
                ),
                find_credentials=find,
                uv_version=lambda: launch.uv_version(uv, child_base),  # cached by the binary (the memo key's)
            )
        except UvauthError:
            # The mistyped entry is often why an `always` index has no credentials: said before the error line.
            if not cmdline.count("--quiet"):
                import sys

                for finding in findings:
                    print(f"uvauth: warning: {redact(finding)}", file=sys.stderr)
            raise
        if findings:
            planned = planned._replace(warnings=(*planned.warnings, *findings))
    except uvconfig.ConfigReadOnce:
        if always_plan or resolved.forced is not None or resolved.authenticate in ("always", "never"):
            raise  # the user asked uvauth for a policy: running uv unchanged would not keep it
        # uv reads the pipe itself: uvauth leaves it alone, and uv runs unchanged, which uvauth says.
        return _handoff(cmdline, uv=uv, argv=cmdline.without_uvauth_options(), env=child_base, doubts=(
            f"uvauth did not read --config-file {where.config_file} (a pipe or device can be read only once, and uv "
            "reads it), so uv runs unchanged: index URLs keep uv's own policies",))
    except uvconfig.ConfigRefused:
        # uv refuses such a file before it sends anything: where it does, it says so itself, naming the user's
        # file, with its own exit code. Where uv reads it after all, uvauth's stricter reading is the error.
        if always_plan or _uv_reads_the_users_config(uv, child_base, where):
            raise
        return _handoff(cmdline, uv=uv, argv=cmdline.without_uvauth_options(), env=child_base)
    except InvalidUrl:
        if always_plan:
            raise  # explain: say which URL, in uvauth's words
        # A malformed URL among uv's own inputs (argv, environment, uv.toml, a requirements file): uv rejects it
        # itself, so uv runs unchanged and says so in its own words, with its own exit code.
        return _handoff(cmdline, uv=uv, argv=cmdline.without_uvauth_options(), env=child_base)
    argv = list(planned.argv)
    child_env = dict(child_base)
    if planned.generated is not None:
        path = cache.write_generated_config(
            planned.generated, env,
            accepted=lambda file: launch.uv_reads_config(uv, child_base, config_file=str(file)))
        if path is None:
            return _rejected_configuration(cmdline, child_base, uv, where)
        observed.note(env, path)  # a memoized plan points uv at this file: it must still be there, unchanged
        if planned.config_via == "argv":
            argv = ["--config-file", str(path), *argv]
        else:
            child_env[envvars.UV_CONFIG_FILE] = str(path)
    child_env.update(planned.env)
    child_env.update({name: secret.value for name, secret in planned.secrets.items()})
    tokens = _token_slots(planned.secrets)
    if planned.bearer and mint_tokens:  # explain and doctor hand uv nothing: no store is written for them
        from uvauth import bearer  # only where a Bearer token is in play

        store = bearer.hand_over(planned.bearer, env, cwd=str(where.cwd))
        child_env[envvars.UV_CREDENTIALS_DIR] = store
        # A memoized plan hands uv the same store while its tokens are fresh (memo.recall checks it).
        cached = all(token.token.cache_file is not None for token in planned.bearer)
        tokens = (*tokens, (envvars.UV_CREDENTIALS_DIR, "", store)) if tokens is not None and cached else None
    return _handoff(cmdline, uv=uv, argv=argv, env=child_env, plan=planned, tokens=tokens,
                    doubts=[redact(d) for d in planned.doubts], warnings=[redact(w) for w in planned.warnings],
                    changes=[redact(c) for c in planned.changes])
