"""``uvauth uvauth doctor``: check, over the network, that each index the project uses accepts its credentials.

For every index uv would use (its configured ``[[index]]`` tables and ``index-url``/``extra-index-url``/
``find-links`` keys, discovered as uv discovers them, plus the indexes given on the doctor command line with
``--index``/``--default-index``/``--index-url``/``--extra-index-url``/``--find-links`` or their ``UV_*``
variables), the doctor

1. looks for credentials in uv's sources and order
   (:func:`uvauth.uv.credentials.search.find_credentials`): where they were
   found (source and detail, never the secret), or every place tried;
2. sends (:mod:`uvauth.doctor.probe`) one GET of the index's root page *with* those credentials (when there are
   any) and one *without* any, with uv's ``Accept`` header, a 10 s timeout, and redirects not followed
   automatically: a redirect within the index's realm (scheme, host, port: where uv keeps sending credentials) is
   followed by hand, up to :data:`~uvauth.doctor.probe.MAX_REDIRECTS` times; one to another realm is reported;
3. gives a verdict per index (:mod:`uvauth.doctor.verdict`: one of :data:`~uvauth.doctor.verdict.VERDICTS`, rules
   in :func:`~uvauth.doctor.verdict.verdict`) with a message naming the problem and a hint to fix it.

The doctor runs only when asked for and is the only part of uvauth that touches the network itself. Local
indexes (``file://`` or a path) and public PyPI are listed as skipped. Exit code: 0 when every checked index is
``ok``, 1 otherwise, 2 for a usage error (:class:`~uvauth.errors.UvauthError`, e.g. an unreadable ``uv.toml``).

This module finds the indexes (:func:`targets`), checks them all (:func:`diagnose`) and makes the JSON object:
``--json`` prints one object, schema ``uvauth.doctor/1`` (typed as :class:`DoctorObject`)::

    {
      "schema": "uvauth.doctor/1",
      "uvauth": "0.1.0",                 # uvauth's version
      "ok": true,                        # every checked index is ok (the exit code is 0)
      "indexes": [                       # in uv's order, one per distinct index
        {
          "name": "internal" | null,     # the index's name ([[index]] name, or name=URL)
          "url": "https://…/simple",     # as written (userinfo redacted)
          "checked_url": "https://…/simple/",  # what was requested (no userinfo)
          "source": "config" | "cli" | "env",
          "where": "/p/pyproject.toml:12" | "--index-url" | "UV_INDEX",
          "format": "simple" | "flat",
          "default": false, "explicit": false,
          "authenticate": "auto" | "always" | "never",   # as configured; "auto" when not set
          "policy": "auto" | "always" | "never",         # what holds through uvauth (--authenticate, prefixes,
          "policy_reason": "option" | "configured" | "prefix" | "setting" | "default",   # uvauth's settings)
          "credentials": {
            "found": true,
            "source": "netrc" | "url" | "uv-index-env" | "uv-auth-store" | "keyring" | null,
            "detail": "/home/me/.netrc (machine host)" | null,   # never a password or username
            "tried": ["URL userinfo (none)", …]                  # every source asked, in order
          },
          "authenticated": PROBE | null, # null when no credentials were found (or authenticate = "never")
          "anonymous": PROBE,
          "verdict": "ok" | "bad-credentials" | "no-credentials" | "forbidden" | "not-found" | "open"
                     | "redirect" | "unreachable" | "error",
          "message": "…",                # what is wrong (or right)
          "hint": "…" | null,            # how to fix it
          "suggested_url": "…" | null    # not-found only: the likely intended index URL
        }
      ],
      "skipped": [{"url": "…", "source": "…", "where": "…", "reason": "…"}],
      "warnings": ["…"],                 # uv's own configuration warnings (an unparsable pyproject.toml)
      "config_files": [{"level": "project", "path": "…", "found": true}],  # read, and looked for but missing
      "uv_found": {"path": "…", "version": "0.13.8", "found_by": "…", "bundled": null} | null,  # as explain's
      "tls": "…"                         # the certificates trusted for HTTPS, uv's (uvauth.uv.tls), in words
    }

    PROBE = {
      "url": "…",                        # the last URL requested (after redirects followed within the realm)
      "status": 200 | null,              # null: no HTTP answer (see "error")
      "location": "…" | null,            # a redirect's absolute target (redacted), when not followed
      "redirects": ["…"],                # the redirects followed within the realm, in order
      "error": "…" | null,               # connection error, timeout, too many redirects
      "page": "index" | "login" | "other" | null   # a 2xx's body: an index, or a login form (not an index)
    }

No password, and no URL userinfo, is ever part of the output.
"""

from __future__ import annotations

import os

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypedDict

from uvauth import __version__
from uvauth.doctor.probe import TIMEOUT, Probe
from uvauth.doctor.verdict import Check, Target, Verdict, check_index
from uvauth.errors import UvauthError
from uvauth.explain import ConfigFileObject, UvObject
from uvauth.uv import envvars
from uvauth.uv import indexes as mentions
from uvauth.uv import urls

SCHEMA: Final = "uvauth.doctor/1"
# The hosts of public PyPI: open by design, nothing to check.
_PUBLIC_PYPI: Final = frozenset({"pypi.org", "test.pypi.org", "pypi.python.org"})
# The doctor's options are read as `uv lock` reads them: every index option, no positionals.
UV_COMMAND: Final = "lock"
# The uv options the doctor reads (every spelling, as completion offers them): where uv looks, the indexes,
# how it finds credentials, which certificates it trusts (uvauth.uv.tls); uvauth's --authenticate. Any other
# `uv lock` option would be silently meaningless.
UV_OPTIONS: Final = (
    "--project", "--directory", "--config-file", "--no-config", "--index", "--default-index", "--index-url", "-i",
    "--extra-index-url", "--find-links", "-f", "--keyring-provider", "--allow-insecure-host", "--system-certs",
    "--no-system-certs", "--native-tls", "--no-native-tls", "--authenticate",
)


# --------------------------------------------------------------------------------------------------------------
# The uvauth.doctor/1 object (the module docstring documents each field; a field is only ever added within a
# schema version, and tests/test_doctor.py checks that what is produced has exactly these keys).


class ProbeObject(TypedDict, total=True):
    url: str
    status: int | None
    location: str | None
    redirects: list[str]
    error: str | None
    page: str | None


class CredentialsObject(TypedDict, total=True):
    found: bool
    source: str | None
    detail: str | None
    tried: list[str]


class IndexObject(TypedDict, total=True):
    name: str | None
    url: str
    checked_url: str
    source: str
    where: str
    format: Literal["simple", "flat"]
    default: bool
    explicit: bool
    authenticate: str
    policy: str
    policy_reason: str
    credentials: CredentialsObject
    authenticated: ProbeObject | None
    anonymous: ProbeObject
    verdict: Verdict
    message: str
    hint: str | None
    suggested_url: str | None


class SkippedObject(TypedDict, total=True):
    url: str
    source: str
    where: str
    reason: str


class DoctorObject(TypedDict, total=True):
    schema: str
    uvauth: str
    ok: bool
    indexes: list[IndexObject]
    skipped: list[SkippedObject]
    warnings: list[str]
    config_files: list[ConfigFileObject]
    uv_found: UvObject | None
    tls: str


# --------------------------------------------------------------------------------------------------------------
# The project's indexes


@dataclass(frozen=True)
class Skipped:
    """An index uv would be given that the doctor does not check, and why (local, public PyPI, unused)."""

    url: str
    source: str
    where: str
    reason: str


@dataclass
class Report:
    """Every check, in uv's order, and what was skipped; ``ok`` (exit code 0) only when every check is."""

    checks: list[Check] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    config_files: list[ConfigFileObject] = field(default_factory=list)
    uv_found: UvObject | None = None  # the uv uvauth would run (the doctor runs it only as `uv auth dir`)
    tls: str = ""  # the certificates trusted for HTTPS: uv's (uvauth.uv.tls), said in words

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_json(self) -> DoctorObject:
        """The ``uvauth.doctor/1`` object."""
        return {
            "schema": SCHEMA,
            "uvauth": __version__,
            "ok": self.ok,
            "indexes": [index_object(check) for check in self.checks],
            "skipped": [
                {"url": urls.redact(s.url), "source": s.source, "where": s.where, "reason": s.reason}
                for s in self.skipped
            ],
            "warnings": [urls.redact(w) for w in self.warnings],
            "config_files": list(self.config_files),
            "uv_found": self.uv_found,
            "tls": self.tls,
        }


def probe_object(probe: Probe) -> ProbeObject:
    return {
        "url": urls.redact(probe.url),
        "status": probe.status,
        "location": probe.location,
        "redirects": [urls.redact(u) for u in probe.redirects],
        "error": probe.error,
        "page": probe.page,
    }


def index_object(check: Check) -> IndexObject:
    """One element of ``indexes``: what was checked, where its credentials come from (never the secret), the two
    probes and the verdict."""
    target, creds = check.target, check.lookup.credentials
    return {
        "name": target.name,
        "url": urls.redact(target.url),
        "checked_url": check.checked_url,
        "source": target.source,
        "where": target.where,
        "format": "flat" if target.flat else "simple",
        "default": target.default,
        "explicit": target.explicit,
        "authenticate": target.authenticate or "auto",
        "policy": target.effective,
        "policy_reason": target.policy_reason if target.policy else ("configured" if target.authenticate
                                                                     else "default"),
        "credentials": {
            "found": creds is not None,
            "source": creds.source if creds else None,
            "detail": creds.detail if creds else None,
            "tried": [str(place) for place in check.lookup.tried],
        },
        "authenticated": probe_object(check.authenticated) if check.authenticated else None,
        "anonymous": probe_object(check.anonymous),
        "verdict": check.verdict,
        "message": check.message,
        "hint": check.hint,
        "suggested_url": check.suggested_url,
    }


def _insecure_hosts(cmdline: Any, env: Mapping[str, str], config: Any) -> list[str]:
    values: list[str] = list(cmdline.values("--allow-insecure-host"))
    values += env.get(envvars.UV_INSECURE_HOST, "").split()
    values += [str(v) for v in config.values("allow-insecure-host")]
    return values


def _host_of(url: str) -> str | None:
    try:
        return urls.parse(url).host
    except urls.InvalidUrl:
        return None


def _is_insecure(url: str, hosts: Sequence[str]) -> bool:
    """Does an ``--allow-insecure-host`` entry (``host``, ``host:port`` or a URL) name this URL's host?"""
    try:
        parsed = urls.parse(url)
    except urls.InvalidUrl:
        return False
    # uv's `TrustedHost::matches`: a port in the entry must equal `Url::port()`, which is None for the scheme's
    # default port (the URL model folds it, as the `url` crate does).
    host, port = parsed.host or "", parsed.port
    for entry in hosts:
        entry = entry.strip().lower()
        if "://" in entry:
            try:
                entry = urls.parse(entry).netloc
            except urls.InvalidUrl:
                continue
        entry_host, _, entry_port = entry.partition(":")
        if entry_host == host and (not entry_port or (port is not None and entry_port == str(port))):
            return True
    return False


def targets(args: Sequence[str], env: Mapping[str, str]) -> tuple[list[Target], list[Skipped], list[str], Any, Any]:
    """The indexes uv would use with these options (read as ``uv lock`` reads them), in uv's order, one per
    distinct index: (targets, skipped, warnings, parsed command line, configuration)."""
    from uvauth import fastpath, pipeline
    from uvauth.uv import cmdline as uvcli
    from uvauth.uv.config import discover as uvconfig

    cmdline = uvcli.parse([UV_COMMAND, *args])
    if cmdline.positionals:
        raise UvauthError(f"unexpected argument {urls.redact(cmdline.positionals[0][1])!r}",
                          hint="give uv options only, e.g. --project DIR or --index-url URL")
    unknown = [o.spelling for o in cmdline.options if not cmdline.takes(o.name)]
    if unknown:
        raise UvauthError(f"unknown option {unknown[0]}", hint="see `uv lock --help` for the options uv accepts")
    unused = [o.spelling for o in cmdline.options if o.name not in UV_OPTIONS]
    if unused:
        raise UvauthError(f"doctor does not use {unused[0]}",
                          hint="it takes " + ", ".join(o for o in UV_OPTIONS if o.startswith("--")))
    if cmdline.boundary < len(cmdline.argv):
        raise UvauthError("unexpected arguments after `--`")
    from uvauth.plan import SINGLE_VALUED

    repeated = next((flag for flag in SINGLE_VALUED if cmdline.count(flag) > 1), None)
    if repeated:
        raise UvauthError(f"the argument '{repeated}' cannot be used multiple times", hint="give it once")
    forced = fastpath.checked_authenticate(cmdline, env)
    where = pipeline.locate(cmdline, env)
    config = uvconfig.discover(cwd=where.cwd, project=where.project, config_file=where.config_file,
                               no_config=where.no_config, tool_command=False, env=env)
    names = frozenset(i.name for i in config.indexes if i.name)
    found = mentions.command_line_mentions(cmdline, env, str(where.cwd), names)
    entries = mentions.uv_indexes(found, config, None, pip=False, cwd=str(where.cwd))
    chosen: list[Target] = []
    skipped: list[Skipped] = []
    seen: dict[str, int] = {}
    allowed = {id(entry) for entry in mentions.roles(entries).allowed}
    for entry in entries:
        if id(entry) not in allowed:
            skipped.append(Skipped(urls.redact(entry.text), entry.source, entry.where,
                                   "uv does not use it: another default index, or an index of the same name, "
                                   "comes first"))
            continue
        if entry.key.startswith("file:"):
            skipped.append(Skipped(urls.redact(entry.text), entry.source, entry.where,
                                   "a local index: nothing to authenticate"))
            continue
        if entry.key in seen:
            index = seen[entry.key]
            if chosen[index].name is None and entry.name is not None:
                previous = chosen[index]
                chosen[index] = Target(previous.url, entry.name, previous.flat, entry.authenticate,
                                       previous.source, previous.where, previous.default, previous.explicit)
            continue
        if (_host_of(entry.key) or "") in _PUBLIC_PYPI:
            seen[entry.key] = -1
            skipped.append(Skipped(urls.redact(entry.text), entry.source, entry.where, "public PyPI: open by design"))
            continue
        seen[entry.key] = len(chosen)
        chosen.append(Target(entry.text, entry.name, entry.flat, entry.authenticate, entry.source, entry.where,
                             entry.default, entry.explicit))
    rules = _policy_rules(forced, where, env)
    held = _held_policies(cmdline, env)
    chosen = [_with_policy(target, rules, held) for target in chosen]
    return chosen, skipped, list(config.warnings), cmdline, config


def _held_policies(cmdline: Any, env: Mapping[str, str]) -> dict[tuple[str, bool], tuple[str, str]]:
    """The policy that holds for each index of the plan uvauth would make for ``uv lock`` with these options
    (:attr:`uvauth.plan.PlannedIndex.holds`, what explain shows): where no lever can apply a policy, uv's
    default holds, and doctor must say so too. An `always` index without credentials (what doctor is there to
    diagnose) is planned all the same (``record_missing``). Empty where no plan can be made at all: each target
    then gets the policy asked for."""
    from uvauth import pipeline

    try:
        handoff = pipeline.prepare(cmdline, env, always_plan=True, mint_tokens=False, record_missing=True)
    except UvauthError:
        return {}
    held: dict[tuple[str, bool], tuple[str, str]] = {}
    for index in handoff.plan.indexes if handoff.plan is not None else ():
        held.setdefault((index.url, index.role == "flat"), index.holds)  # doctor checks a URL as its first entry
    return held


def _policy_rules(forced: str | None, where: Any, env: Mapping[str, str]) -> Any:
    """uvauth's settings as :class:`uvauth.policy.Rules`, resolved once for every target, the prefixes of the
    ``[[credentials]]`` entries in force included, as the planner counts them."""
    from uvauth import cache
    from uvauth.policy import Rules
    from uvauth.settings import sources as settings

    resolved = settings.resolve(forced, where.project, env, cache.cache_dir(env))
    credential_prefixes: tuple[str, ...] = ()
    if resolved.credentials:
        from uvauth.providers.entries import prefixes
        from uvauth.providers.lookup import Providers

        credential_prefixes = prefixes(Providers(resolved.credentials, env, mint=False).active())
    return Rules(forced=resolved.forced, setting=resolved.authenticate,
                 prefixes=(*resolved.authenticate_prefixes, *credential_prefixes))


def _with_policy(target: Target, rules: Any, held: Mapping[tuple[str, bool], tuple[str, str]]) -> Target:
    """The target with the policy uvauth makes hold for it: the plan's (``held``), else
    :func:`uvauth.policy.choose`, the planner's rule."""
    import dataclasses

    from uvauth.policy import choose

    policy, why = held.get((urls.redact(target.url), target.flat)) or choose(rules, target.url, target.authenticate)
    if (policy, why) == (target.authenticate or "auto", "configured" if target.authenticate else "default"):
        return target  # shown from the target's own `authenticate`
    # Otherwise uvauth's (an option, a prefix, a setting), or the configured index the URL merges onto.
    return dataclasses.replace(target, policy=policy, policy_reason=why)


def diagnose(args: Sequence[str], env: Mapping[str, str], *, timeout: float = TIMEOUT) -> Report:
    """Check every index uv would use with the uv options ``args`` (``--project``, ``--directory``,
    ``--config-file``, ``--no-config``, index flags, ``--keyring-provider``, …) and environment ``env``.

    Raises :class:`UvauthError` for bad options or configuration uv would reject.
    """
    chosen, skipped, warnings, cmdline, config = targets(args, env)
    provider = mentions.keyring_provider(cmdline, env, config)
    insecure = _insecure_hosts(cmdline, env, config)
    from uvauth.explain import config_files

    from uvauth.doctor.probe import trust
    from uvauth.uv.tls import certificate_source

    context, trusted = trust(certificate_source(cmdline, env, config))
    found = _uv_found(env)
    report = Report(skipped=skipped, warnings=warnings, config_files=config_files(cmdline, env, config),
                    uv_found=found, tls=trusted)
    disagreement = _store_disagreement(found, env)
    if disagreement is not None:
        report.warnings.append(disagreement)
    providers = _providers(cmdline, env, config)
    if providers is not None:  # the planner's finding, in the same words (uvauth.providers.entries)
        from uvauth import pipeline
        from uvauth.providers.entries import entry_findings

        where = pipeline.locate(cmdline, env)
        report.warnings += entry_findings(providers.entries, config, cmdline, env, str(where.cwd),
                                          no_config=where.no_config and where.config_file is None)
    for target in chosen:
        provided = providers.find(target.url, target.name) if providers is not None else None
        check = check_index(target, env=env, keyring_provider=provider, timeout=timeout,
                            insecure=_is_insecure(target.url, insecure), provided=provided, context=context)
        if providers is not None and provided is not None and check.verdict == "bad-credentials":
            check = _retry_with_a_new_token(providers, check, env=env, keyring_provider=provider, timeout=timeout,
                                            insecure=_is_insecure(target.url, insecure), context=context)
        report.checks.append(check)
    return report


def _uv_found(env: Mapping[str, str]) -> UvObject | None:
    """The uv that uvauth runs with this environment, as explain reports it; None when there is none."""
    from uvauth import launch
    from uvauth.explain import uv_origin

    try:
        return uv_origin(launch.real_uv(env), env)
    except UvauthError:
        return None


def _store_disagreement(found: UvObject | None, env: Mapping[str, str]) -> str | None:
    """Where uv's ``uv auth dir`` names another credential store than uvauth's port of uv's rule
    (:func:`uvauth.uv.dirs.credentials_dir`), the warning that says so; else None.

    The rule differs per platform and by history (a macOS or Windows machine that ran an older uv keeps a legacy
    directory), and only Linux runs here: this is where a laptop would show a difference. The plan itself never
    asks uv (one process more before every uv call); the doctor does, once.
    """
    import subprocess

    from uvauth import children
    from uvauth.uv import dirs

    if found is None:
        return None
    try:
        done = children.run([found["path"], "auth", "dir"], env=env, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = done.stdout.decode("utf-8", errors="replace").strip()
    if done.returncode != 0 or not answer:
        return None  # a uv without `uv auth dir`: nothing to compare with
    ours = dirs.credentials_dir(env, directory_exists=os.path.isdir)
    if os.path.normcase(os.path.abspath(answer)) == os.path.normcase(os.path.abspath(ours)):
        return None
    return (f"uv reads `uv auth login` credentials from {answer} (uv auth dir), uvauth from {ours}; uvauth "
            "does not see that store's entries: set UV_CREDENTIALS_DIR to the one you use")


def _providers(cmdline: Any, env: Mapping[str, str], config: Any) -> Any:
    """The ``[[credentials]]`` entries in force for the project, as :class:`uvauth.providers.lookup.Providers`
    (which mints tokens: the doctor checks what uv would be given); None without entries."""
    from uvauth import pipeline
    from uvauth.cache import cache_dir
    from uvauth.settings import sources

    where = pipeline.locate(cmdline, env)
    resolved = sources.resolve(None, where.project, env, cache_dir(env))
    if not resolved.credentials:
        return None
    from uvauth.providers.entries import own_index_urls
    from uvauth.providers.lookup import Providers

    return Providers(resolved.credentials, env, own_urls=own_index_urls(config, cmdline, env, str(where.cwd)))


def _retry_with_a_new_token(providers: Any, check: Check, **kwargs: Any) -> Check:
    """A provider's cached token the server rejects may have been revoked before its end: forget it, mint a
    new one and probe once more; if that is rejected too, say which entry's tokens the server refuses."""
    import dataclasses

    target = check.target
    first = check.lookup.credentials.detail if check.lookup.credentials is not None else ""
    entry = providers.forget_cached(target.url, target.name)
    if entry is None:
        return check
    again = check_index(target, provided=providers.find(target.url, target.name), **kwargs)
    if again.verdict != "bad-credentials":
        # Never silently: a token rejected before its end means the entry's freshness is longer than the service
        # keeps tokens valid, and uv (which reads the cache too) would have got that 401.
        rejected = ("the cached token was rejected before its end" if "cached token" in first
                    else "the token it first minted was rejected")
        answer = check.authenticated.describe() if check.authenticated is not None else "refused"
        note = (f"credentials entry {entry}: {rejected} ({answer}), so it was forgotten and a new one minted; if "
                "the service revokes tokens early, give the entry a shorter ttl")
        return dataclasses.replace(again, hint=f"{again.hint}; {note}" if again.hint else note)
    return dataclasses.replace(again, hint=f"token rejected (a new one was minted and rejected too): check what "
                               f"credentials entry {entry} runs and its account's access; `uvauth uvauth "
                               f"credentials forget {entry}` drops its cached token")
