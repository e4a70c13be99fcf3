"""``uvauth uvauth explain``: what uvauth would do for a uv command line, as data (the ``uvauth.explain/1``
object); :mod:`uvauth.commands.explain` renders it."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Final, Literal, TypedDict

from uvauth import __version__
from uvauth.pipeline import prepare
from uvauth.uv import cmdline as uvcli
from uvauth.uv.urls import redact

if TYPE_CHECKING:
    from collections.abc import Mapping

    from uvauth.plan import Plan, PlannedIndex
    from uvauth.uv.config.discover import UvConfig

SCHEMA: Final = "uvauth.explain/1"


# The uvauth.explain/1 object (explain_data documents each field; a field is only ever added within a schema
# version, and tests/test_explain.py checks that what is produced has exactly these keys). The value sets are the
# schema's own, not imported from the planner: a change there that the schema does not allow fails type checking.


class ExplainIndex(TypedDict, total=True):
    url: str
    role: Literal["default", "extra", "flat", "explicit"]
    source: str
    where: str
    merged_onto: str | None
    policy: Literal["always", "auto", "never"]
    policy_reason: Literal["configured", "option", "prefix", "setting", "default"]
    lever: Literal["uv", "by-name", "seeded", "none"]
    credential_source: str | None
    unapplied: str | None
    plain_uv: str
    hint: str | None


class ConfigFileObject(TypedDict, total=True):
    level: str
    path: str
    found: bool


class UvObject(TypedDict, total=True):
    path: str
    version: str | None
    found_by: str
    bundled: str | None


class ExplainObject(TypedDict, total=True):
    schema: str
    uvauth: str
    uv: str
    uv_found: UvObject
    config_files: list[ConfigFileObject]
    command: list[str]
    changed: bool
    indexes: list[ExplainIndex]
    argv: list[str]
    environment: list[str]
    changes: list[str]
    warnings: list[str]
    stops: list[str]


def _credential_source(index: PlannedIndex, planned: Plan, env: dict[str, str]) -> str | None:
    """Where credentials for this index will come from — the source, never the secret."""
    if index.credential_source is not None:  # uvauth seeds them: it already looked
        return index.credential_source
    if index.policy == "never":
        return None
    if index.url_has_credentials:
        return "url: userinfo in the URL"
    from uvauth.uv.credentials.search import find_credentials

    lookup = find_credentials(index.lookup_url, name=index.merged_onto, env=env,
                              keyring_provider=planned.keyring_provider)
    if lookup.credentials is None:
        return f"none found (tried: {lookup.tried_text()})"
    return f"{lookup.credentials.source}: {lookup.credentials.detail}"


# What each lever means, for the legend under explain's text view.
LEVERS: Final = {
    "by-name": "the URL is handed to uv as a reference to the configured index, so uv applies its policy",
    "seeded": "uvauth found the credentials and hands them to uv up front (environment only)",
    "uv": "uv applies the policy itself (a configured index)",
    "none": "nothing to do: uv's default treatment",
}


def _configured_policy(config: UvConfig | None, name: str | None) -> str | None:
    index = config.named(name) if config is not None and name else None
    return None if index is None else (index.authenticate or "auto")


def plain_uv(index: PlannedIndex, config: UvConfig | None) -> str:
    """What plain uv would do with this index: the reason uvauth's treatment matters (or ``the same: …`` when it
    does not)."""
    if index.source == "uvauth":
        return ("no index covers it: requests under it outside every index root get policy auto, so each goes "
                "out without credentials first")
    configured = _configured_policy(config, index.merged_onto)
    if index.shadowed_by is not None:
        # uv's middleware takes the first index in its hash set whose root is a prefix of the request, not the
        # longest: "the same" would be a promise uv does not keep.
        return (f"policy {configured or 'auto'}, but uv may match its requests to the index root {index.shadowed_by} "
                "by hash order, so the first request may go out without credentials")
    if index.source == "config":
        policy = configured or "auto"
        text = {"always": "policy always, credentials before the first request",
                "never": "policy never, no credentials sent"}.get(
            policy, "policy auto, the first request goes out without credentials")
        return f"the same: {text}" if policy == index.policy else text
    if configured == "always":
        return (f"an unnamed copy of index {index.merged_onto}: policy auto or always, by hash order, so the first "
                "request may go out without credentials")
    text = "unnamed, policy auto: the first request goes out without credentials"
    return f"the same: {text}" if index.policy == "auto" else text


def _fix_hint(index: PlannedIndex, config: UvConfig | None) -> str | None:
    if index.policy != "auto" or index.policy_why != "default":
        return None
    if _configured_policy(config, index.merged_onto) is not None:
        return f'to send credentials up front, set authenticate = "always" on [[index]] {index.merged_onto}'
    return ('to send credentials up front, run with --authenticate always, or set authenticate = "always" in '
            "uvauth.toml")


def uv_origin(uv: str, env: Mapping[str, str]) -> UvObject:
    """Which uv runs, why that one, and the uv installed with uvauth when another wins (an older uv first on
    PATH is the usual surprise)."""
    from uvauth import launch
    from uvauth.errors import UvauthError
    from uvauth.settings import sources as settings
    from uvauth.uv import envvars

    beside = os.path.join(os.path.dirname(sys.executable), "uv")
    bundled = beside if os.path.isfile(beside) else None
    if env.get(envvars.UVAUTH_UV):
        found_by = envvars.UVAUTH_UV
    elif settings.user_uv(env):
        found_by = "the `uv` setting"
    elif bundled is not None and os.path.realpath(uv) == os.path.realpath(bundled):
        found_by = "the uv installed with uvauth"
    else:
        found_by = "the first uv on PATH"
    try:
        version: str | None = launch.read_uv_version(uv)
    except UvauthError:
        version = None
    if bundled is not None and os.path.realpath(uv) == os.path.realpath(bundled):
        bundled = None
    return {"path": uv, "version": version, "found_by": found_by, "bundled": bundled}


def config_files(cmdline: uvcli.UvCommandLine, env: Mapping[str, str],
                 config: UvConfig | None) -> list[ConfigFileObject]:
    """The configuration files uv (and uvauth) read for this command, and those looked for and missing."""
    from pathlib import Path

    from uvauth import pipeline
    from uvauth.settings import files as settings_files
    from uvauth.uv import dirs

    where = pipeline.locate(cmdline, env)
    read = {str(f.path): f.level for f in config.files} if config is not None else {}
    found: list[ConfigFileObject] = [
        {"level": level, "path": path + (" [tool.uv]" if path.endswith("pyproject.toml") else ""), "found": True}
        for path, level in read.items()
    ]
    levels = set(read.values())
    if where.config_file is None and not where.no_config:
        if "project" not in levels and cmdline.command[:1] not in (("tool",), ("self",)):
            found.append({"level": "project", "path": f"{where.project}/uv.toml or pyproject.toml [tool.uv], here "
                                                      "or in a parent directory", "found": False})
        user = dirs.user_config_dir(env)
        if "user" not in levels and user is not None:
            found.append({"level": "user", "path": str(Path(user) / "uv" / "uv.toml"), "found": False})
        if "system" not in levels:
            candidates = [str(Path(d) / "uv" / "uv.toml") for d in dirs.system_config_dirs(env)]
            found.append({"level": "system", "path": " or ".join([*candidates, "/etc/uv/uv.toml"]), "found": False})
    located = settings_files.locate(where.project, env)
    user_file = settings_files.user_file(env)
    found += [{"level": "uvauth user" if str(path) == user_file else "uvauth project", "path": label, "found": True}
              for label, path, _table in located]
    if not any(str(path) != user_file for _label, path, _table in located):
        found.append({"level": "uvauth project", "path": f"{where.project}/uvauth.toml or pyproject.toml "
                                                         "[tool.uvauth], here or in a parent directory",
                      "found": False})
    if user_file is not None and not any(str(path) == user_file for _label, path, _table in located):
        found.append({"level": "uvauth user", "path": user_file, "found": False})
    return found


def explain_data(uv_args: list[str], env: dict[str, str]) -> ExplainObject:
    """What uvauth would do for a uv command line, as the ``uvauth.explain/1`` JSON object:

    ``schema`` ("uvauth.explain/1"), ``uvauth`` (version), ``uv`` (path of the real uv), ``command`` (uv's
    subcommand path), ``changed`` (whether uvauth changes anything), ``indexes`` (in uv's order, each with
    ``url`` (redacted), ``role`` (default / extra / flat / explicit), ``source`` (config / cli / env /
    requirements / uvauth), ``where`` (file:line, flag or variable), ``merged_onto`` (configured or synthesized
    index name, or null), ``policy`` (always / auto / never), ``policy_reason`` (configured / option / prefix /
    setting / default), ``lever`` (uv: uv applies it itself; by-name; seeded; none) and ``credential_source``
    (e.g. "netrc: NETRC=… (machine host)", "none found (tried: …)", or null under policy never), ``unapplied``
    (a policy asked for that cannot be applied, e.g. "always (option)", with ``policy`` then what holds: auto;
    else null), ``plain_uv`` (what plain uv would do with it) and ``hint`` (how to make an ``auto (default)``
    index send credentials up front, else null)), ``uv_found`` (``path``, ``version`` (null when it cannot be
    read), ``found_by`` (UVAUTH_UV, the `uv` setting, the first uv on PATH, the uv installed with uvauth) and
    ``bundled`` (the uv installed with uvauth when another one runs, else null)), ``config_files`` (each
    ``level``, ``path`` and whether it was ``found``: uv's configuration files read, and those looked for and
    missing; then uvauth's settings files), ``argv`` (what uv is given, redacted), ``environment`` (names of the
    variables uvauth sets, never their values), ``changes``, ``warnings`` and ``stops`` (why uvauth would refuse
    to run uv: an ``always`` index without credentials, each as its error line). Fields are only ever added within
    a schema version.
    """
    from uvauth.fastpath import own_command_at
    from uvauth.errors import UvauthError

    at = own_command_at(uv_args)
    if at is not None:
        own = " ".join(uv_args[at:at + 2])
        raise UvauthError(f"`{own}` is one of uvauth's own commands, not a uv command: uvauth runs it itself and "
                          "hands nothing to uv", hint=f"see `uvauth {own} --help`; explain shows what uvauth does "
                          "for uv's commands")
    cmdline = uvcli.parse(uv_args)
    # explain runs no credentials command; an `always` index without credentials is shown, with why uvauth would
    # stop there (``stops``), rather than raised before anything is shown.
    prepared = prepare(cmdline, env, always_plan=True, mint_tokens=False, record_missing=True)
    config = _config(cmdline, env)
    uv, argv, child_env, planned = prepared.uv, prepared.argv, prepared.env, prepared.plan
    added = sorted(name for name in child_env if env.get(name) != child_env[name])
    indexes: list[ExplainIndex] = []
    changes: list[str] = []
    warnings: list[str] = []
    stops: list[str] = []
    if planned is not None:
        for index in planned.indexes:
            unapplied = index.unapplied
            policy, policy_why = index.holds
            indexes.append({
                "url": index.url,
                "role": index.role,
                "source": index.source,
                "where": index.where,
                "merged_onto": index.merged_onto,
                "policy": policy,
                "policy_reason": policy_why,
                "lever": index.lever,
                "credential_source": None if unapplied else _credential_source(index, planned, env),
                "unapplied": f"{index.policy} ({index.policy_why})" if unapplied else None,
                "plain_uv": plain_uv(index, config),
                "hint": None if unapplied else _fix_hint(index, config),
            })
        changes = [redact(c) for c in planned.changes]
        warnings = [redact(w) for w in planned.warnings]
        stops = [redact(str(error)) for error in planned.missing]
    return {
        "schema": SCHEMA,
        "uvauth": __version__,
        "uv": uv,
        "uv_found": uv_origin(uv, env),
        "config_files": config_files(cmdline, env, config),
        "command": list(cmdline.command),
        "changed": planned is not None and planned.changed,
        "indexes": indexes,
        "argv": [redact(a) for a in argv],
        "environment": added,
        "changes": changes,
        "warnings": warnings,
        "stops": stops,
    }


def _config(cmdline: uvcli.UvCommandLine, env: Mapping[str, str]) -> UvConfig | None:
    """uv's configuration for this command, read again (explain is off the hot path): the files it read and the
    policies plain uv would apply."""
    from uvauth import pipeline
    from uvauth.errors import UvauthError
    from uvauth.uv.config import discover as uvconfig

    where = pipeline.locate(cmdline, env)
    try:
        return uvconfig.discover(cwd=where.cwd, project=where.project, config_file=where.config_file,
                                 no_config=where.no_config,
                                 tool_command=cmdline.command[:1] in (("tool",), ("self",)), env=env)
    except UvauthError:
        if cmdline.takes("--index-url") or cmdline.takes("--index"):
            raise
        return None  # a command that contacts no index (`uv cache dir`): its files are listed, not judged
