"""``uvauth uvauth credentials show|forget|trust|token``: the ``[[credentials]]`` entries in force here, their
cached tokens (when they stay fresh until, never the token), approval of a project's commands, and one entry's
token for another tool (``token``: :mod:`uvauth.commands.token`)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from uvauth.providers import tokencache, trust
from uvauth.providers.entries import Entry
from uvauth.uv import envvars

ACTIONS = ("show", "forget", "trust", "token")
_COMMAND_PRESETS = ("aws-codeartifact", "gcloud", "azure-cli")  # the presets that run a command (gitlab-ci does not)


def _entries(env: Mapping[str, str], project: Path) -> list[Entry]:
    from uvauth.cache import cache_dir
    from uvauth.settings import sources

    resolved = sources.resolve(None, project, env, cache_dir(env))
    return [Entry.from_data(data) for data in resolved.credentials]


def _index_urls(env: Mapping[str, str], project: Path, entries: list[Entry]) -> dict[str, str]:
    """The URL of each index a project entry covers by name only, as the project configures it now: what its
    approval is given for (:func:`uvauth.providers.trust.bound_url`). Empty where no entry needs it (and then
    the configuration is not read)."""
    names = {entry.for_index for entry in entries
             if entry.file is not None and trust.bound_url(entry, None) is not None}
    if not names:
        return {}
    from uvauth.providers.entries import index_key
    from uvauth.uv.config import discover as uvconfig
    from uvauth.uv.indexes import entry_from_config
    from uvauth.uv.urls import InvalidUrl

    config = uvconfig.discover(cwd=project, project=project, config_file=None, no_config=False, tool_command=False,
                               env=env)
    found: dict[str, str] = {}
    for index in config.indexes:  # highest precedence first: the first of a name is the one uv uses
        if index.name and index_key(index.name) not in found:
            try:
                found[index_key(index.name)] = entry_from_config(index, str(project)).text
            except InvalidUrl:
                continue
    return found


def _bound(entry: Entry, urls: Mapping[str, str]) -> str | None:
    from uvauth.providers.entries import index_key

    return urls.get(index_key(entry.for_index)) if entry.for_index is not None else None


def _way(entry: Entry) -> str:
    if entry.sources is not None:
        return "the first of: " + "; ".join(_way(source) for source in entry.sources)
    if entry.keyring:
        return "keyring" + (f" (username {entry.username})" if entry.username else "")
    if entry.helper is not None:
        return f"credential helper `{' '.join(entry.helper)}`"
    if entry.git_credential is not None:
        return "git credential fill" + (f" (helper {entry.git_credential})" if entry.git_credential else "")
    if entry.password_command is not None:
        return f"command `{' '.join(entry.password_command)}`"
    if entry.password_env is not None:
        return f"variable {entry.password_env}"
    if entry.password_file is not None:
        return f"file {entry.password_file}"
    return f"provider {entry.provider}"


def _configured_urls(env: Mapping[str, str], project: Path) -> list[tuple[str | None, str]]:
    """(name, URL) of each index the project's uv configuration has, as a plain ``uv`` command here reads it;
    none where it cannot be read (``show`` says what it can, and the command itself would say why)."""
    from uvauth.errors import UvauthError
    from uvauth.uv.config import discover as uvconfig

    try:
        config = uvconfig.discover(cwd=project, project=project, config_file=None, no_config=False,
                                   tool_command=False, env=env)
    except UvauthError:
        return []
    return [(index.name, index.url) for index in config.indexes]


def token_digests(entry: Entry, env: Mapping[str, str], indexes: Sequence[tuple[str | None, str]]) -> set[str]:
    """The names (:func:`uvauth.providers.tokencache.key`) of the cache files this entry's tokens have here: one
    per command it runs for an index it covers (a preset's command may be read from the index's host), found as
    the planner finds them (:func:`uvauth.providers.presets.recipe`). A token another project's entry of the
    same name cached has another digest: it is not this entry's."""
    from uvauth.errors import UvauthError
    from uvauth.providers.entries import covering
    from uvauth.providers.presets import recipe

    urls = [entry.url] if entry.url is not None else []
    urls += [*entry.prefixes, *(url for name, url in indexes if covering([entry], url, name) is entry)]
    urls.append("https://localhost/")  # a command that does not depend on the host (the entry's own, gcloud's)
    from uvauth.providers.lookup import token_digest

    found = set()
    for source in entry.chain():
        for url in urls:
            try:
                made = recipe(source, url, env)
            except UvauthError:
                continue  # not a host this preset can mint for
            if made is not None and (made.command is not None or made.asks()):
                found.add(token_digest(source, made, url))
    return found


def _cached_line(record: Mapping[str, Any], now: float) -> str:
    until = float(record.get("fresh_until") or 0)
    state = "fresh until" if until > now else "stale since"
    return f"{state} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(until))}"


def show(env: Mapping[str, str], project: Path, *, every: bool = False) -> int:
    """One block per entry: what it covers, where it was read, how it gets a token, approval, its cached tokens
    (only those of this very entry, by digest); then how many cached tokens belong to entries not in force here
    (with ``every``, each of them: its entry's name and freshness)."""
    entries = _entries(env, project)
    directory = tokencache.token_dir(env)
    by_digest = {tokencache.digest_of(file): record for file, record in tokencache.records(directory)}
    if not entries:
        print("no [[credentials]] entries (uvauth.toml, [tool.uvauth], the user's uvauth.toml, or "
              "UVAUTH_CREDENTIALS_<NAME>_* variables)")
        _others(by_digest, every, time.time())
        return 0
    now = time.time()
    urls = _index_urls(env, project, entries)
    indexes = _configured_urls(env, project)
    shown: set[str] = set()
    for entry in entries:
        covers = f"index {entry.for_index}" if entry.for_index is not None else "prefix " + " ".join(entry.prefixes)
        way = _way(entry) + (f" (provider {entry.provider})" if entry.provider and entry.password_command else "")
        print(f"{entry.name}: {covers}")
        print(f"  from: {entry.source}")
        print(f"  token: {way}" + (f", username {entry.username}" if entry.username is not None else ""))
        if trust.needs_trust(entry):
            trusted = trust.is_trusted(entry, env, url=_bound(entry, urls))
            approved = "yes" if trusted else "no (run `uvauth uvauth credentials trust`)"
            print(f"  approved: {approved}" + _approved_for(entry, urls))
        own = sorted(digest for digest in token_digests(entry, env, indexes) if digest in by_digest)
        for digest in own:
            print(f"  cached: {_cached_line(by_digest[digest], now)}")
        shown.update(own)
        runs_a_command = any(source.password_command is not None or source.provider in _COMMAND_PRESETS
                             or source.way() in ("keyring", "helper", "git-credential") for source in entry.chain())
        if runs_a_command and not own:
            print("  cached: none")
    _others({digest: record for digest, record in by_digest.items() if digest not in shown}, every, now)
    return 0


def _others(records: Mapping[str, Mapping[str, Any]], every: bool, now: float) -> None:
    """The cached tokens of entries not in force here (another project's, a changed entry's): how many, or with
    ``every`` each one, by its entry's name — never the token."""
    if not records:
        return
    if not every:
        count = len(records)
        print(f"{count} cached token{'s' if count != 1 else ''} of entries not in force here; "
              "`uvauth uvauth credentials show --all` lists them")
        return
    print("cached tokens of entries not in force here:")
    for record in sorted(records.values(), key=lambda record: (str(record.get("entry")), record["fresh_until"])):
        print(f"  {record.get('entry')}: {_cached_line(record, now)}")


def _approved_for(entry: Entry, urls: Mapping[str, str]) -> str:
    """Where an approval sends the token, for an entry bound by its approval."""
    from uvauth.uv.urls import redact

    url = _bound(entry, urls)
    return f" (for index {entry.for_index} at {redact(url)})" if url and trust.bound_url(entry, url) else ""


def forget(env: Mapping[str, str], project: Path, name: str | None, *, every: bool = False) -> int:
    """Remove cached tokens: every one; with ``name``, those of the entry of that name in force here (found by
    digest, as ``show`` finds them: another project's entry of the same name keeps its own); with ``every`` too,
    every token cached under that name."""
    from uvauth.errors import UvauthError

    directory = tokencache.token_dir(env)
    if name is None or every:
        removed = tokencache.forget(directory, name)
        where = f" of {name}, in every project" if name and every else ""
    else:
        entries = [entry for entry in _entries(env, project) if entry.name == name]
        if not entries:
            here = ", ".join(entry.name for entry in _entries(env, project)) or "none"
            raise UvauthError(f"no [[credentials]] entry named {name!r} here",
                              hint=f"entries in force here: {here}; `uvauth uvauth credentials forget {name} --all` "
                                   "removes the tokens cached under that name by any project")
        removed = tokencache.forget(directory, name, token_digests(entries[0], env, _configured_urls(env, project)))
        where = f" of {name}"
    print(f"forgot {removed} cached token{'s' if removed != 1 else ''}{where}")
    return 0


def trust_entries(env: Mapping[str, str], project: Path) -> int:
    """Approve every entry of the project's files, printing exactly what is approved (a preset's too: it needs
    approval for a host that is not its provider's)."""
    approved = 0
    entries = _entries(env, project)
    urls = _index_urls(env, project, entries)
    for entry in entries:
        if entry.file is None:
            continue
        url = _bound(entry, urls)
        if trust.bound_url(entry, url) == "":
            print(f"not approved: {entry.name} in {entry.file}: index {entry.for_index} is not configured in this "
                  "project, so there is no URL to approve its token for (give the entry a `url`)")
            continue
        own = {k: v for k, v in env.items() if k != envvars.UVAUTH_TRUST}
        already = trust.is_trusted(entry, own, foreign=True, url=url)
        if not already:
            trust.approve(entry, env, url)
            approved += 1
        print(f"{'already approved' if already else 'approved'}: {entry.name} in {entry.file}: {_way(entry)}"
              + _approved_for(entry, urls))
    if not approved:
        print("nothing (more) to approve")
    return 0


def _services(env: Mapping[str, str], project: Path, index: str) -> tuple[str, list[str]]:
    """uv, and the URLs to log in to for a configured index: its authentication root (uv's store matches by
    prefix, so the root covers the index and the files under it), and each ``authenticate-prefixes`` entry on
    the same host, whose requests carry the credentials found for it."""
    from uvauth import launch
    from uvauth.cache import cache_dir
    from uvauth.errors import UvauthError
    from uvauth.settings import sources
    from uvauth.uv.config import discover as uvconfig
    from uvauth.uv.urls import auth_root, realm, without_userinfo

    config = uvconfig.discover(cwd=project, project=project, config_file=None, no_config=False, tool_command=False,
                               env=env)
    configured = config.named(index)
    if configured is None:
        names = ", ".join(sorted({i.name for i in config.indexes if i.name})) or "none"
        raise UvauthError(f"no configured index named {index!r}", hint=f"configured here: {names}")
    url = without_userinfo(configured.url)
    resolved = sources.resolve(None, project, env, cache_dir(env))
    services = [auth_root(url)]
    services += [p for p in resolved.authenticate_prefixes if realm(p) == realm(url) and p not in services]
    return launch.find_uv(env, resolved.uv), services


def login(env: Mapping[str, str], project: Path, index: str, username: str | None) -> int:
    """Store long-lived credentials for a configured index with uv's own ``uv auth login``: the password from a
    no-echo prompt (or stdin when it is not a terminal), handed to uv on its stdin (``--password -``), never on
    argv, where every user of the machine could read it."""
    import getpass
    import subprocess
    import sys

    from uvauth.errors import UvauthError

    uv, services = _services(env, project, index)
    if username is None:
        if not sys.stdin.isatty():
            raise UvauthError("a username is required", hint="give --username NAME")
        username = input(f"username for {services[0]}: ")
    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {username} at {services[0]}: ")
    else:
        password = sys.stdin.read().rstrip("\r\n")
    if not password:
        raise UvauthError("no password given", hint="type it at the prompt, or pipe it on stdin")
    for service in services:
        done = subprocess.run([uv, "auth", "login", service, "--username", username, "--password", "-"],
                              input=password, text=True, env=dict(env), check=False)
        if done.returncode != 0:
            raise UvauthError(f"`uv auth login {service}` failed (exit code {done.returncode})")
    return 0


def logout(env: Mapping[str, str], project: Path, index: str, username: str | None) -> int:
    """Remove what :func:`login` stored, with ``uv auth logout``."""
    import subprocess

    from uvauth.errors import UvauthError

    uv, services = _services(env, project, index)
    for service in services:
        done = subprocess.run([uv, "auth", "logout", service, *(["--username", username] if username else [])],
                              env=dict(env), check=False)
        if done.returncode != 0:
            raise UvauthError(f"`uv auth logout {service}` failed (exit code {done.returncode})")
    return 0


def run(action: str, name: str | None, env: Mapping[str, str], project: Path, *, every: bool = False,
        output: Path | None = None) -> int:
    """``uvauth uvauth credentials ACTION [NAME]`` (``every``: ``show --all``; ``output``: ``token --output``)."""
    from uvauth.errors import UvauthError

    if action not in ACTIONS:
        raise UvauthError(f"unknown action {action!r} for `uvauth uvauth credentials`",
                          hint=f"use one of {', '.join(ACTIONS)}")
    if name is not None and action not in ("forget", "token"):
        raise UvauthError(f"`credentials {action}` takes no entry name", hint="only `forget` and `token` do")
    if every and action not in ("show", "forget"):
        raise UvauthError(f"`credentials {action}` takes no --all", hint="only `show` and `forget` do")
    if output is not None and action != "token":
        raise UvauthError(f"`credentials {action}` takes no --output", hint="only `token` does")
    if action == "show":
        return show(env, project, every=every)
    if action == "forget":
        return forget(env, project, name, every=every)
    if action == "token":
        import sys

        from uvauth.commands import token

        if name is None:
            raise UvauthError("`credentials token` needs the entry's name",
                              hint="uvauth uvauth credentials token NAME; `credentials show` lists them")
        return token.run(name, env, project, output, sys.stdout, sys.stderr)
    return trust_entries(env, project)
