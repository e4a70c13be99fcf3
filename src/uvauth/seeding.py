"""The planner's credentials step: for each index whose credentials must reach uv before its first request (the
planner's ``seed``), find them and say how they are handed over — as ``UV_INDEX_<NAME>_USERNAME/PASSWORD``, or
left to uv where it reads the source itself.

Inputs are plain values and the one ``find`` function (the only I/O: it may run a credentials command or ask the
keyring); the result is a value. An ``always`` index without credentials is the one error, naming every source
asked and the usual fixes.
"""

from __future__ import annotations

from typing import NamedTuple

from uvauth.errors import UvauthError
from uvauth.uv import envvars
from uvauth.uv.urls import InvalidUrl, auth_root, realm, redact, userinfo, without_userinfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence
    from typing import Final

    from uvauth.uv.config.discover import UvConfig
    from uvauth.uv.credentials.search import Lookup

    FindCredentials = Callable[[str, "str | None", "str | None"], Lookup]  # (index URL, index name, keyring provider)

#: The prefix of the names uvauth gives the indexes it synthesizes (never shown: no one can set their variables).
SYNTH_PREFIX: Final = "uvauth-"
#: uv's own credential sources: for an index uv applies `always` to, it finds these itself before the first request.
_UV_READS_ITSELF: Final = frozenset({"netrc", "uv-auth-store", "keyring"})


class Secret(NamedTuple):
    """A value that must never be shown: ``str()`` and ``repr()`` hide it. ``cache_file``: where a memoized
    plan reads it again (:attr:`uvauth.uv.credentials.search.Credentials.cache_file`), else None."""

    value: str
    cache_file: str | None = None

    def __repr__(self) -> str:
        return "Secret(****)"

    def __str__(self) -> str:
        return "****"


class Bearer(NamedTuple):
    """A Bearer token for index ``name``, which uv gets from a credential store of uvauth's (:mod:`uvauth.bearer`)
    as the entry for ``service`` (the index URL, without userinfo): uv takes Bearer tokens for an index from its
    store alone (``docs/credentials.md``, "Bearer tokens"). ``token`` is never shown."""

    name: str
    service: str
    token: Secret
    entry: str  # where it came from (a credentials entry), for messages


class Seeded(NamedTuple):
    """What the credentials step found: the variables to hand uv (by name), where each index's credentials come
    from (by index name, as explain shows it), and the changes to report."""

    secrets: dict[str, Secret]
    sources: dict[str, str]
    changes: tuple[str, ...]
    missing: tuple[UvauthError, ...] = ()  # with ``record_missing``: the required indexes found without any
    bearer: tuple[Bearer, ...] = ()  # Bearer tokens, handed through uvauth's private credential store


def seed_credentials(seed: Mapping[str, tuple[str, bool]], fallbacks: Mapping[str, Sequence[tuple[str, str | None]]],
                     must_hand: Collection[str], find: FindCredentials, *, env: Mapping[str, str],
                     keyring_provider: str | None, offline: bool, prefixes: Sequence[str],
                     record_missing: bool = False, tool_command: bool = False) -> Seeded:
    """Credentials for each ``seed`` entry (index name -> (URL to look them up for, required)), trying the
    ``fallbacks`` of a prefix (the indexes under it) in order. Variables the user set win. Where uv reads the
    source itself (netrc, its store, the keyring) and the index is not in ``must_hand``, nothing is handed over:
    the program ``uv run`` runs must not inherit a password it did not have. Raises :class:`UvauthError` for a
    required index without credentials, unless uv sends no request at all (``offline``); with ``record_missing``
    (doctor, which diagnoses exactly that) each such error is returned in :attr:`Seeded.missing` instead.
    ``tool_command``: ``uv tool`` / ``uvx``, whose hint is the entry form that applies there."""
    secrets: dict[str, Secret] = {}
    sources: dict[str, str] = {}
    changes: list[str] = []
    missing: list[UvauthError] = []
    bearer: list[Bearer] = []
    if not seed:
        return Seeded(secrets, sources, ())  # and uvauth.uv.credentials.search is not even imported
    from uvauth.uv.credentials.search import env_var_prefix

    for name, (url, required) in seed.items():
        prefix = env_var_prefix(name)
        if env.get(prefix + "PASSWORD"):
            sources[name] = f"{prefix}USERNAME/PASSWORD (already set)"
            continue
        lookup = find(url, name, keyring_provider)
        tried = list(lookup.tried)
        for other_url, other_name in fallbacks.get(name, ()):
            if lookup.credentials is not None:
                break
            lookup = find(other_url, other_name, keyring_provider)
            tried += [t._replace(asked_for=redact(other_url)) for t in lookup.tried]
        lookup = lookup._replace(tried=tuple(tried))
        if lookup.credentials is None and not required:
            continue  # e.g. a URL with a username only, under policy auto: uv asks as it would have
        if lookup.credentials is None and offline:
            continue  # uv sends no request at all (it reads only its cache): nothing to authenticate
        if lookup.credentials is None:
            error = no_credentials(name, url, lookup, prefixes, tool_command=tool_command)
            if not record_missing:
                raise error
            missing.append(error)
            continue
        credentials = lookup.credentials
        if credentials.scheme == "bearer" and credentials.source == "provider":
            # The entry's own label, as its lookup tried it last ("credentials entry NAME[ source N]"): a name may
            # hold colons (a prefix entry is named by its URL), so it is never cut out of the detail text.
            entry = lookup.tried[-1].source if lookup.tried else "a credentials entry"
            _check_bearer_reaches_uv(name, url, prefix, env, entry)
            bearer.append(Bearer(name=name, service=without_userinfo(url),
                                 token=Secret(credentials.password, credentials.cache_file), entry=entry))
            sources[name] = (f"{credentials.source}: {credentials.detail}: handed to uv as a Bearer token in "
                             "uvauth's private credential store (UV_CREDENTIALS_DIR)")
            changes.append(f"index {name}: a Bearer token from {entry} handed through uvauth's private "
                           "credential store")
            continue
        if name not in must_hand and credentials.source in _UV_READS_ITSELF:
            sources[name] = f"{credentials.source}: {credentials.detail} (uv reads it itself)"
            continue
        secrets[prefix + "USERNAME"] = Secret(credentials.username)
        secrets[prefix + "PASSWORD"] = Secret(credentials.password, credentials.cache_file)
        sources[name] = f"{credentials.source}: {credentials.detail}"
        changes.append(f"index {name}: credentials from {credentials.source} seeded")
    return Seeded(secrets, sources, tuple(changes), tuple(missing), tuple(bearer))


def _check_bearer_reaches_uv(name: str, url: str, prefix: str, env: Mapping[str, str], entry: str) -> None:
    """Refuse (one error line, never a silent fall back to Basic) where uv would not send the Bearer token from
    its store: uv takes an index URL's userinfo and ``UV_INDEX_<NAME>_*`` before any store
    (``Index::credentials``, cached up front: ``RegistryClientBuilder::cache_index_credentials``), and a known
    username makes its store skip every Bearer entry (``TextCredentialStore::get_credentials``,
    ``crates/uv-auth/src/store.rs``: a Bearer entry has no username). netrc and the store file itself are
    checked where the store is written (:mod:`uvauth.bearer`)."""
    shown = name if not name.startswith(SYNTH_PREFIX) else redact(url)
    why = f"index {shown}: {entry} answered a Bearer token, but "
    if any(part is not None for part in userinfo(url)):
        raise UvauthError(why + "the index URL has a username or password, which uv sends instead",
                          hint="remove the userinfo from the index URL")
    for variable in (prefix + "USERNAME", prefix + "PASSWORD"):
        if env.get(variable) is not None:
            raise UvauthError(why + f"{variable} is set, which uv sends (or asks a password for) instead",
                              hint=f"unset {prefix}USERNAME and {prefix}PASSWORD")


def no_credentials(name: str, url: str, lookup: Lookup, prefixes: Sequence[str], *,
                   tool_command: bool = False) -> UvauthError:
    """The index as the user knows it (its configured name and URL; a name uvauth made up is never shown:
    no one can set its variables knowingly), the sources asked, and the usual fixes first. Under ``uv tool`` /
    ``uvx`` (``tool_command``) the fixes end with the ``[[credentials]]`` entry that applies there: a ``prefix``
    entry with this index's root, since uv reads no project configuration there and so knows none of a project's
    index names (``docs/credentials.md``, *uv tool and uvx*)."""
    shown = redact(url)
    if name.startswith(SYNTH_PREFIX):
        what = ("authenticate-prefixes entry" if url in prefixes else "index") + f" {shown}"
    else:
        what = f"index {name} ({shown})"
    try:
        host = realm(url).host or "HOST"  # netrc is keyed by the host alone
    except InvalidUrl:
        host = "HOST"
    internal = envvars.UV_INDEX_CREDENTIALS_PREFIX + SYNTH_PREFIX.upper().replace("-", "_")
    # The sources asked, by name only (the details are explain's), grouped by the URL asked for: a prefix also
    # asks for the indexes under it.
    groups: dict[str | None, list[str]] = {}
    for t in lookup.tried:
        if not t.source.startswith(internal) and t.source not in groups.setdefault(t.asked_for, []):
            groups[t.asked_for].append(t.source)
    tried = "; ".join((f"for {asked}: " if asked else "") + ", ".join(sources)
                      for asked, sources in groups.items())
    hint = f"add `machine {host} login USER password TOKEN` to ~/.netrc, or run `uv auth login {shown}`"
    if not name.startswith(SYNTH_PREFIX):
        from uvauth.uv.credentials.search import env_var_prefix

        prefix = env_var_prefix(name)
        # A configured index: uvauth's login helper knows its root and its prefixes on the same host.
        hint = (f"add `machine {host} login USER password TOKEN` to ~/.netrc, or run `uvauth uvauth login "
                f"{name}` (uv auth login for its URLs); in CI, set {prefix}USERNAME and {prefix}PASSWORD")
    if tool_command:
        try:
            root = auth_root(url).rstrip("/") + "/"
        except InvalidUrl:
            root = "https://HOST/PATH/"
        hint += (f"; or add a [[credentials]] entry with prefix = \"{redact(root)}\" (under uv tool and uvx an "
                 "`index` entry covers only an index your user uv.toml or the command line names)")
    return UvauthError(f"no credentials for {what}, which must authenticate always (tried: {tried})", hint=hint)


def url_credentials(config: UvConfig, secrets: Mapping[str, Secret], env: Mapping[str, str]) -> dict[str, Secret]:
    """The credentials written in a named index's URL, as ``UV_INDEX_<NAME>_USERNAME/PASSWORD``: the generated
    file holds no secret (the renderer drops a named index's userinfo), and uv applies the variables to that
    index alike. Variables the user set, or already handed, win, as they win over the URL's userinfo in uv
    (``Index::credentials``, ``crates/uv-distribution-types/src/index.rs``)."""
    found: dict[str, Secret] = {}
    for index in config.indexes:
        if not index.name or "@" not in index.url or config.named(index.name) is not index:
            continue
        username, password = userinfo(index.url)
        if username is None and password is None:
            continue
        from uvauth.uv.credentials.search import env_var_prefix  # only for such a URL: most plans have none

        prefix = env_var_prefix(index.name)
        if env.get(prefix + "USERNAME") or env.get(prefix + "PASSWORD") or prefix + "PASSWORD" in {**secrets, **found}:
            continue  # uv takes the variables over the URL's userinfo: nothing of the URL's is used
        if username is not None:
            found[prefix + "USERNAME"] = Secret(username)
        if password is not None:
            found[prefix + "PASSWORD"] = Secret(password)
    return found
