"""Find an index's credentials the way uv does, so uvauth can hand them to uv up front.

uvauth passes what it finds to uv as ``UV_INDEX_<NAME>_USERNAME`` / ``UV_INDEX_<NAME>_PASSWORD``, which uv
seeds into its credential cache before the first request (``RegistryClientBuilder::cache_index_credentials``,
``crates/uv-client/src/registry_client.rs``). The sources and their order are uv's own
(``crates/uv-auth/src/middleware.rs``, ``fetch_credentials``), checked against uv 0.13.8:

1. userinfo in the index URL (``https://user:pass@host/simple``);
2. ``UV_INDEX_<NAME>_USERNAME`` / ``UV_INDEX_<NAME>_PASSWORD`` for a named index;
3. netrc: ``$NETRC``, else ``~/.netrc`` (the first of the two that exists);
4. the plain-text store written by ``uv auth login`` (``credentials.toml``);
5. the ``keyring`` command, only with ``--keyring-provider subprocess``.

The order is checked against the real uv in tests/test_integration_hardening.py (a server that accepts one
source's credentials and logs the username of every request). It is the order of the *index page* request: uv
also caches a named index's credentials up front (``Index::credentials``), and there ``UV_INDEX_<NAME>_*`` win
over the URL's userinfo, so with both set uv sends the URL's to the index page and the variables' to
everything else (metadata, files) — uvauth never seeds over variables the user set.

A source that yields only a username (``https://user@host/…``, or ``UV_INDEX_<NAME>_USERNAME`` alone) does not
end the search: the later sources are asked for that username's password, as uv does.

Nothing here ever puts a password, or a username (some services take a token as the username), into an
exception, a ``repr`` or the human-readable ``tried``/``detail`` texts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from uvauth.uv import envvars
from uvauth import observed
from uvauth.errors import UvauthError
from uvauth.uv import dirs, urls
from uvauth.uv.credentials import netrc

# uv's store and the keyring are asked only when netrc has nothing (the usual CI setup stops at netrc or the
# environment): imported where they are asked, on the path of every reconciled uv call.

# On the path of every reconciled uv call that seeds credentials: what only the keyring and the `uv auth` store
# need (subprocess, shutil, tomllib, datetime) is imported where they use it, and names for annotations only
# for type checkers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Mapping
    from typing import Literal

    # "provider": a [[credentials]] entry of uvauth's (uvauth.providers), asked before this search.
    CredentialSource = Literal["url", "uv-index-env", "netrc", "uv-auth-store", "keyring", "provider"]


class Credentials(NamedTuple):
    """A username and password for HTTP Basic authentication, and where they came from.

    ``username`` is ``""`` when the source gave a password alone (uv then sends ``:password``). ``password``
    is never part of ``repr``/``str``; ``detail`` names the exact place and never holds a secret.
    ``cache_file`` is the private file the password can be read from again while it is fresh (a token a
    ``[[credentials]]`` command minted): a memoized plan keeps that path, never the password. ``fresh_until``:
    until when such a token is reused (epoch seconds).
    ``scheme`` is ``"bearer"`` for a Bearer token (``password`` holds it, ``username`` is ``""``): uv is handed
    it through a credential store of uvauth's (:mod:`uvauth.bearer`), never as ``UV_INDEX_*`` variables.
    """

    username: str
    password: str
    source: CredentialSource
    detail: str
    cache_file: str | None = None
    fresh_until: float | None = None  # a cached token's end of reuse (the Bazel helper's ``expires``)
    scheme: str = "basic"

    def __repr__(self) -> str:
        return (f"Credentials(username={self.username!r}, source={self.source!r}, detail={self.detail!r}, "
                f"scheme={self.scheme!r})")


class Tried(NamedTuple):
    """One source asked, and what it gave: ``str()`` is the sentence shown to the user, ``source (detail)``.

    ``source`` names the source (``URL userinfo``, ``UV_INDEX_ART_USERNAME/PASSWORD``, ``netrc``,
    ``uv auth store``, ``keyring``); ``detail`` says what was found there, never a secret. ``asked_for`` is the
    (redacted) URL asked for, when that is not the index's own (a fallback URL the planner tried).
    """

    source: str
    detail: str
    asked_for: str | None = None

    def __str__(self) -> str:
        text = f"{self.source} ({self.detail})"
        return f"for {self.asked_for}: {text}" if self.asked_for is not None else text


class Lookup(NamedTuple):
    """The outcome of :func:`find_credentials`: what was found, and every source asked, in order."""

    credentials: Credentials | None
    tried: tuple[Tried, ...]

    def tried_text(self) -> str:
        """The sources asked, as one ``; ``-separated sentence."""
        return "; ".join(str(tried) for tried in self.tried)


def env_var_prefix(index_name: str) -> str:
    """``UV_INDEX_<NAME>_`` as uv derives it (``IndexName::to_env_var``, index_name.rs).

    Every ASCII letter or digit is upper-cased and every other character becomes ``_``, one per character:
    ``art`` gives ``UV_INDEX_ART_``, ``my-idx.v2`` gives ``UV_INDEX_MY_IDX_V2_``. Distinct names can share
    variables (``a-b`` and ``a_b``, ``Art`` and ``art``), exactly as in uv.
    """
    if not index_name:
        raise UvauthError("an index name cannot be empty")
    converted = "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in index_name)
    return f"{envvars.UV_INDEX_CREDENTIALS_PREFIX}{converted}_"


# --------------------------------------------------------------------------------------------------------------
# The search.



class _Search:
    def __init__(
        self,
        url: urls.Url,
        *,
        name: str | None,
        env: Mapping[str, str],
        keyring_provider: str | None,
        home: Path | None,
        run: Callable[..., subprocess.CompletedProcess[bytes]] | None,
    ) -> None:
        self.url = url
        self.url_username, self.url_password = url.credentials()
        self.name = name
        self.env = env
        self.keyring_provider = keyring_provider
        if home is None:
            found_home = dirs.home_dir(env)
            home = Path(found_home) if found_home is not None else None
        self.home = home
        self.run = run
        self.username: str | None = None  # a username known from an earlier source, which later ones must match
        self.tried: list[Tried] = []
        self.stop = False  # uv would stop here with what it found (which uvauth cannot pass on)

    def note(self, *, source: str, detail: str) -> None:
        self.tried.append(Tried(source=source, detail=detail))

    # 1. -------------------------------------------------------------------------------------------------------
    def from_url(self) -> Credentials | None:
        source = "URL userinfo"
        if self.url_password is not None:
            self.note(source=source, detail="found")
            return Credentials(
                username=self.url_username or "", password=self.url_password, source="url",
                detail="userinfo in the index URL",
            )
        if self.url_username is not None:
            self.username = self.url_username
            self.note(source=source, detail="username only: looking for its password")
        else:
            self.note(source=source, detail="none")
        return None

    # 2. -------------------------------------------------------------------------------------------------------
    def from_env(self) -> Credentials | None:
        if self.name is None:
            self.note(source="UV_INDEX_<NAME>_USERNAME/PASSWORD", detail="the index has no name")
            return None
        prefix = env_var_prefix(self.name)
        user_var, password_var = f"{prefix}USERNAME", f"{prefix}PASSWORD"
        label = f"{user_var}/PASSWORD"
        username = self.env.get(user_var) or None
        password = self.env.get(password_var)  # set-but-empty counts, as with `std::env::var`
        if username is None and password is None:
            self.note(source=label, detail="not set")
            return None
        detail = label if username is not None else password_var
        if self.username is not None:
            # uv uses the variables for a request that carries a username only when they name that
            # same user (checked with uv 0.13.8: a different user, or a password alone, is ignored).
            if username != self.username:
                self.note(source=label, detail="ignored: not for the username in the index URL")
                return None
            if password is None:
                self.note(source=label, detail="username only: looking for its password")
                return None
            self.note(source=label, detail="found")
            return Credentials(username=username, password=password, source="uv-index-env", detail=detail)
        if password is not None:
            self.note(source=label, detail="found")
            return Credentials(username=username or "", password=password, source="uv-index-env", detail=detail)
        self.username = username
        self.note(source=label, detail="username only: looking for its password")
        return None

    # 3. -------------------------------------------------------------------------------------------------------
    def from_netrc(self) -> Credentials | None:
        source = "netrc"
        candidates = netrc.netrc_candidates(self.env, self.home)
        chosen: tuple[Path, str] | None = None
        missing: list[str] = []
        for path, label in candidates:
            if observed.exists(self.env, path):
                chosen = (path, label)
                break
            missing.append(label)
        if chosen is None:
            where = "; ".join(f"{label}: not found" for label in missing) or "no NETRC and no home directory"
            self.note(source=source, detail=where)
            return None
        path, label = chosen
        if missing:
            label = f"{label}, as {'; '.join(missing)} does not exist"
        try:
            hosts = netrc.parse_netrc(observed.read_bytes(self.env, path).decode("utf-8", errors="replace"))
        except OSError as err:
            self.note(source=source, detail=f"{label}: unreadable: {err.strerror or type(err).__name__}")
            return None
        except netrc.NetrcError as err:
            self.note(source=source, detail=f"{label}: malformed, {err}; uv ignores the whole file")
            return None
        host = self.url.host or ""
        entry, machine = hosts.get(host), f"machine {host}"
        if entry is None:
            entry, machine = hosts.get("default"), "default"
        if entry is None:
            self.note(source=source, detail=f"{label}: no `machine {host}` and no `default`")
            return None
        if self.username is not None and entry.login != self.username:
            # uv does not fall back to `default` when the host's entry has another login.
            self.note(source=source, detail=f"{label}: {machine} is for a different login")
            return None
        self.note(source=source, detail=f"{label}: found, {machine}")
        return Credentials(username=entry.login, password=entry.password, source="netrc", detail=f"{label} ({machine})")

    # 4. -------------------------------------------------------------------------------------------------------
    def from_store(self) -> Credentials | None:
        from uvauth.uv.credentials import store

        source = "uv auth store"
        path = store.credentials_store_path(self.env, self.home, lambda folder: observed.exists(self.env, folder))
        label = store.display(path, self.home)
        if not observed.exists(self.env, path):
            self.note(source=source, detail=f"{label}: not found")
            return None
        try:
            entries = store.parse_store(observed.read_bytes(self.env, path).decode("utf-8"))
        except UnicodeDecodeError:
            self.note(source=source, detail=f"{label}: not UTF-8; uv ignores the whole file")
            return None
        except OSError as err:
            self.note(source=source, detail=f"{label}: unreadable: {err.strerror or type(err).__name__}")
            return None
        except store.StoreError as err:
            self.note(source=source, detail=f"{label}: {err}; uv ignores the whole file")
            return None

        try:
            match = store.best_match(entries, self.url, self.username)
        except store.AmbiguousError:
            self.note(
                source=source,
                detail=f"{label}: several entries match this index equally well and no username is given;"
                " uv may skip the store (it fails on a tie met first, in its hash map's order)",
            )
            return None
        if match is None:
            whose = " and username" if self.username is not None else ""
            self.note(source=source, detail=f"{label}: no entry for this index{whose}")
            return None
        where = f"{label} (service {urls.redact(match.service_text)})"
        if match.bearer:
            self.stop = True
            self.note(
                source=source,
                detail=f"{where}: a bearer token, which uv uses itself but which cannot be passed as UV_INDEX_*"
                " variables",
            )
            return None
        if match.password is None:
            self.stop = True
            self.note(
                source=source,
                detail=f"{where}: an entry without a password; uv stops here and fails with `Incomplete credentials`",
            )
            return None
        self.note(source=source, detail=f"{where}: found")
        return Credentials(username=match.username or "", password=match.password, source="uv-auth-store", detail=where)

    # 5. -------------------------------------------------------------------------------------------------------
    def from_keyring(self) -> Credentials | None:
        source = "keyring"
        if self.keyring_provider != "subprocess":
            self.note(source=source, detail="disabled: pass --keyring-provider subprocess")
            return None
        observed.volatile(self.env)  # what a keyring holds has no stamp: a plan that asked it is made afresh each time
        import shutil

        executable = shutil.which("keyring", path=self.env.get("PATH", os.defpath))
        if executable is None:
            self.note(source=source, detail="no `keyring` command on PATH")
            return None
        from uvauth.uv.credentials.keyring import ask_keyring

        outcome = ask_keyring(executable, self.url, username=self.username, env=self.env, run=self.run)
        self.note(source=source, detail=outcome.detail)
        if outcome.answer is None:
            return None
        return Credentials(
            username=outcome.answer.username, password=outcome.answer.password, source="keyring",
            detail=outcome.command,
        )


def netrc_credentials(index_url: str, env: Mapping[str, str]) -> Credentials | None:
    """What uv's netrc lookup gives for the index's host (its entry, else ``default``), as uv asks it without a
    username: a Bearer token in uv's store is never sent where this is not None (:mod:`uvauth.bearer`)."""
    return _Search(urls.parse(index_url), name=None, env=env, keyring_provider=None, home=None, run=None).from_netrc()


def find_credentials(
    index_url: str,
    *,
    name: str | None,
    env: Mapping[str, str],
    keyring_provider: str | None,
    home: Path | None = None,
    run: Callable[..., subprocess.CompletedProcess[bytes]] | None = None,
) -> Lookup:
    """Look for the credentials of the index at ``index_url`` in uv's sources and order (module docstring).

    ``name`` is the index's configured name (for ``UV_INDEX_<NAME>_*``), ``env`` the environment uv will run
    with, ``keyring_provider`` uv's ``--keyring-provider`` value, ``home`` the home directory (default: HOME
    from ``env``). The keyring is asked as uv asks it for an index with ``authenticate = "always"``, through
    ``run`` (default ``subprocess.run``).

    Returns the first complete credentials found, or ``Lookup(None, tried)``. Problems with a source (a
    malformed netrc or store, a missing or failing ``keyring``) are reported in ``tried``, never raised.
    Raises :class:`uvauth.uv.urls.InvalidUrl` when ``index_url`` is not a URL, and :class:`UvauthError` when it
    has no host; neither message shows a password.
    """
    url = urls.parse(index_url)
    if not url.host:
        raise UvauthError(f"not an absolute URL with a host: {urls.redact_loosely(index_url)}")
    search = _Search(url, name=name, env=env, keyring_provider=keyring_provider, home=home, run=run)
    for step in (search.from_url, search.from_env, search.from_netrc, search.from_store, search.from_keyring):
        found = step()
        if found is not None:
            return Lookup(found, tuple(search.tried))
        if search.stop:
            break
    return Lookup(None, tuple(search.tried))
