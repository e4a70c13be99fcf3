"""``uvauth uvauth explain``: what uvauth would do for a uv command line, as data (the ``uvauth.explain/1``
object); :mod:`uvauth.commands.explain` renders it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal, TypedDict

from uvauth import __version__
from uvauth.pipeline import prepare
from uvauth.uv import cmdline as uvcli
from uvauth.uv.urls import redact

if TYPE_CHECKING:
    from uvauth.plan import Plan, PlannedIndex

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


class ExplainObject(TypedDict, total=True):
    schema: str
    uvauth: str
    uv: str
    command: list[str]
    changed: bool
    indexes: list[ExplainIndex]
    argv: list[str]
    environment: list[str]
    changes: list[str]
    warnings: list[str]


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


def explain_data(uv_args: list[str], env: dict[str, str]) -> ExplainObject:
    """What uvauth would do for a uv command line, as the ``uvauth.explain/1`` JSON object:

    ``schema`` ("uvauth.explain/1"), ``uvauth`` (version), ``uv`` (path of the real uv), ``command`` (uv's
    subcommand path), ``changed`` (whether uvauth changes anything), ``indexes`` (in uv's order, each with
    ``url`` (redacted), ``role`` (default / extra / flat / explicit), ``source`` (config / cli / env /
    requirements / uvauth), ``where`` (file:line, flag or variable), ``merged_onto`` (configured or synthesized
    index name, or null), ``policy`` (always / auto / never), ``policy_reason`` (configured / option / prefix /
    setting / default), ``lever`` (uv: uv applies it itself; by-name; seeded; none) and ``credential_source``
    (e.g. "netrc: NETRC=… (machine host)", "none found (tried: …)", or null under policy never)), ``argv`` (what
    uv is given, redacted), ``environment`` (names of the variables uvauth sets, never their values),
    ``changes`` and ``warnings``. Fields are only ever added within a schema version.
    """
    cmdline = uvcli.parse(uv_args)
    prepared = prepare(cmdline, env, always_plan=True, mint_tokens=False)  # explain runs no credentials command
    uv, argv, child_env, planned = prepared.uv, prepared.argv, prepared.env, prepared.plan
    added = sorted(name for name in child_env if env.get(name) != child_env[name])
    indexes: list[ExplainIndex] = []
    changes: list[str] = []
    warnings: list[str] = []
    if planned is not None:
        indexes = [
            {
                "url": index.url,
                "role": index.role,
                "source": index.source,
                "where": index.where,
                "merged_onto": index.merged_onto,
                "policy": index.policy,
                "policy_reason": index.policy_why,
                "lever": index.lever,
                "credential_source": _credential_source(index, planned, env),
            }
            for index in planned.indexes
        ]
        changes = [redact(c) for c in planned.changes]
        warnings = [redact(w) for w in planned.warnings]
    return {
        "schema": SCHEMA,
        "uvauth": __version__,
        "uv": uv,
        "command": list(cmdline.command),
        "changed": planned is not None and planned.changed,
        "indexes": indexes,
        "argv": [redact(a) for a in argv],
        "environment": added,
        "changes": changes,
        "warnings": warnings,
    }
