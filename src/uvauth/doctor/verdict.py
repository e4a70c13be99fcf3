"""One index of ``uvauth uvauth doctor``: its credentials, a GET with them and one without, and a verdict.

:func:`check_index` looks for credentials in uv's sources and order
(:func:`uvauth.uv.credentials.search.find_credentials`),
sends the two GETs (:func:`uvauth.doctor.probe.fetch`) and judges them (:func:`verdict`, one of :data:`VERDICTS`)
with a message naming the problem and a hint to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

from uvauth.doctor.probe import ACCEPT, ACCEPT_FLAT, TIMEOUT, Probe, fetch, host_and_port
from uvauth.uv import urls
from uvauth.uv.credentials.search import env_var_prefix, find_credentials

if TYPE_CHECKING:
    from collections.abc import Mapping

    from uvauth.uv.credentials.search import Credentials, Lookup

DEPENDENCY_CONFUSION_ISSUE: Final = "https://github.com/astral-sh/uv/issues/7359"

Verdict = Literal[
    "ok", "bad-credentials", "no-credentials", "forbidden", "not-found", "open", "redirect", "unreachable", "error"
]
VERDICTS: Final[tuple[Verdict, ...]] = (
    "ok", "bad-credentials", "no-credentials", "forbidden", "not-found", "open", "redirect", "unreachable", "error"
)




@dataclass(frozen=True)
class Target:
    """An index to check."""

    url: str  # as written (may carry userinfo; shown redacted)
    name: str | None = None
    flat: bool = False
    authenticate: str | None = None  # None: not set (uv's "auto")
    source: str = "cli"
    where: str = "-"
    default: bool = False
    explicit: bool = False
    policy: str | None = None  # the policy uv gets through uvauth (None: as configured)
    policy_reason: str = "configured"  # option / configured / prefix / setting / default, as explain says

    @property
    def effective(self) -> str:
        """The policy that holds: uvauth's --authenticate, the configured one, a prefix, the setting, or auto."""
        return self.policy or self.authenticate or "auto"

    def __repr__(self) -> str:  # the URL may carry a password
        return (f"Target(url={urls.redact(self.url)!r}, name={self.name!r}, flat={self.flat!r}, "
                f"authenticate={self.authenticate!r}, source={self.source!r}, where={self.where!r})")


@dataclass(frozen=True)
class Check:
    """The doctor's findings for one index."""

    target: Target
    checked_url: str
    lookup: Lookup = field(repr=False)  # a username may be a token
    authenticated: Probe | None
    anonymous: Probe
    verdict: Verdict
    message: str
    hint: str | None = None
    suggested_url: str | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


def root_url(url: str, *, flat: bool) -> str:
    """The URL the doctor GETs: a simple index's root with one trailing slash (as uv joins project pages onto
    it, ``<root>/<project>/``), a flat index's page as written. Userinfo removed."""
    url = urls.without_userinfo(url.strip())
    if flat:
        return url
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit(parts._replace(path=path))


def suggest_url(url: str) -> str | None:
    """The closest likely fix of a simple index URL that answered 404, or None when it looks right.

    * an Artifactory repository URL without ``api/pypi`` (``/artifactory/REPO``): ``/artifactory/api/pypi/REPO/simple``;
    * a URL whose last segment is not ``simple``/``+simple``: the same URL with ``/simple`` appended.
    """
    parts = urlsplit(urls.without_userinfo(url))
    segments = [s for s in parts.path.split("/") if s]
    lowered = [s.lower() for s in segments]
    if "artifactory" in lowered:
        at = lowered.index("artifactory")
        rest = segments[at + 1 :]
        if rest and rest[0].lower() != "api":
            repo = rest[0]
            path = "/".join([*segments[: at + 1], "api", "pypi", repo, "simple"])
            return urlunsplit(parts._replace(path="/" + path))
    if not segments or lowered[-1] not in ("simple", "+simple"):
        path = "/".join([*segments, "simple"])
        return urlunsplit(parts._replace(path="/" + path + "/"))
    return None


def _where_to_put(target: Target) -> str:
    try:
        host = urls.parse(target.url).host or "HOST"  # netrc is keyed by the host alone (`host_str()`)
    except urls.InvalidUrl:
        host = "HOST"
    places = [f"add `machine {host} login USER password PASSWORD` to ~/.netrc (or the file $NETRC names)",
              f"run `uv auth login {urls.redact(urls.without_userinfo(target.url))}`"]
    if target.name:
        prefix = env_var_prefix(target.name)
        places.append(f"set {prefix}USERNAME and {prefix}PASSWORD")
    places.append("or use a keyring with --keyring-provider subprocess")
    return "; ".join(places)


def credentials_phrase(creds: Credentials) -> str:
    """Where credentials were found, as a report names them: ``netrc: /home/me/.netrc (machine host)``."""
    return f"{creds.source}: {creds.detail}" if creds.detail else creds.source


def tried_sentence(lookup: Lookup) -> str:
    """Every place asked for credentials, in uv's order, as one phrase (``;``-separated)."""
    return "; ".join(str(place) for place in lookup.tried)


def verdict(target: Target, lookup: Lookup, authenticated: Probe | None, anonymous: Probe,
            ) -> tuple[Verdict, str, str | None, str | None]:
    """(verdict, message, hint, suggested URL) for one index. The rules, first match wins:

    ``primary`` is the authenticated probe when there are credentials, else the anonymous one.

    * ``unreachable``: ``primary`` got no HTTP answer (connection refused, DNS, TLS, timeout).
    * ``redirect``: ``primary`` was redirected to another realm (host, or scheme/port): uv drops the credentials
      there.
    * ``no-credentials`` / ``bad-credentials``: ``primary`` got a 2xx that is a login page (a password form),
      not an index: without credentials, or with credentials the server did not take.
    * ``open``: the anonymous GET got a 2xx that is not a login page, and the index's policy is not ``never``.
    * ``ok``: ``primary`` got a 2xx (with credentials, the anonymous GET was refused; or the index is
      ``authenticate = "never"`` and public by configuration).
    * ``bad-credentials``: 401 with credentials.
    * ``no-credentials``: 401 or 403 and no credentials found.
    * ``forbidden``: 403 with credentials.
    * ``not-found``: 404 (with a suggested URL when the path looks incomplete).
    * ``error``: anything else (5xx, a 3xx loop, 401 to an index configured ``authenticate = "never"``, …).
    """
    creds = lookup.credentials
    primary = authenticated if authenticated is not None else anonymous
    shown = urls.redact(primary.url)
    never = target.effective == "never"
    if primary.status is None:
        return ("unreachable", f"no answer from {host_and_port(primary.url)}: {primary.error}",
                "check the URL's host and port, your network, proxy variables (HTTPS_PROXY, NO_PROXY) and, for "
                "TLS errors, which certificates uv trusts (the doctor's TLS line): SSL_CERT_FILE, or uv's "
                "--system-certs for the system's", None)
    if primary.redirected_away:
        assert primary.location is not None
        where = host_and_port(primary.location)
        return ("redirect",
                f"HTTP {primary.status}: {shown} redirects to another host, {where} ({primary.location}); uv does "
                "not forward credentials across hosts, so the request there goes without them",
                f"configure the index with the URL it redirects to (on {where}), with credentials for that host, "
                "or make the server answer on its own host", None)
    if primary.login_page:
        if creds is None:
            return ("no-credentials",
                    f"HTTP {primary.status} to an anonymous GET of {shown}, but a login page, not an index; and no "
                    "credentials found", f"{_where_to_put(target)} (tried: {tried_sentence(lookup)})", None)
        return ("bad-credentials",
                f"HTTP {primary.status} with the credentials from {credentials_phrase(creds)}, but a login page, "
                "not an index: the server did not accept them",
                "fix or replace them there; check that the URL is the index's API URL, not its web page", None)
    if anonymous.success and not anonymous.login_page and not never:
        with_what = (f"the authenticated GET got {authenticated.describe()}" if authenticated is not None
                     else "no credentials were found for it")
        hint = ('set `authenticate = "always"` on this index (uv then never sends it a request without '
                "credentials; needs a named [[tool.uv.index]], or uvauth's authenticate settings) and check the "
                "server's anonymous access settings")
        if target.effective == "always":
            hint = ('it is already `authenticate = "always"`, so uv sends credentials; check the server\'s '
                    "anonymous access settings")
        return ("open",
                f"{shown} answers without credentials (HTTP {anonymous.status} to an anonymous GET; {with_what}): "
                "a server that serves anonymous requests may forward them to public PyPI or give a partial "
                f"listing, a dependency-confusion risk (uv issue #7359, {DEPENDENCY_CONFUSION_ISSUE})", hint, None)
    if primary.success:
        if never:
            return ("ok", f'HTTP {primary.status} without credentials; the index is `authenticate = "never"`',
                    None, None)
        assert creds is not None  # the anonymous GET was not a success, so primary is the authenticated one
        return ("ok", f"HTTP {primary.status} with the credentials from {credentials_phrase(creds)}; "
                      f"without credentials: {anonymous.describe()}", None, None)
    status = primary.status
    if never and status in (401, 403):
        return ("error", f'HTTP {status}: the server demands credentials, but the index is `authenticate = '
                         '"never"`, so uv never sends them',
                "remove `authenticate = \"never\"` from the index", None)
    if status == 401:
        if creds is not None:
            return ("bad-credentials",
                    f"HTTP 401: the server rejected the credentials from {credentials_phrase(creds)}",
                    f"fix or replace them there (a wrong password, an expired token, or a user the server does "
                    f"not know); uv takes the first credentials it finds, in this order: "
                    f"{tried_sentence(lookup)}", None)
        return ("no-credentials", f"HTTP 401 and no credentials found for {shown}",
                f"{_where_to_put(target)} (tried: {tried_sentence(lookup)})", None)
    if status == 403:
        if creds is None:
            return ("no-credentials", f"HTTP 403 to an anonymous request, and no credentials found for {shown}",
                    f"{_where_to_put(target)} (tried: {tried_sentence(lookup)})", None)
        return ("forbidden",
                f"HTTP 403 with the credentials from {credentials_phrase(creds)}: they may be valid but without "
                "permission to read this repository, or (some servers answer 403 rather than 401) wrong",
                "check both: that the user or token has read access to this repository, and that the "
                "credentials themselves are right", None)
    if status == 404:
        suggestion = None if target.flat else suggest_url(primary.url)
        hint = "check the URL: the repository name, and the path the server documents for its simple index"
        if suggestion is not None:
            hint = f"did you mean {urls.redact(suggestion)}? Otherwise {hint}"
        if creds is None:
            hint += "; some servers also answer 404 to anonymous requests, and no credentials were found"
        return ("not-found", f"HTTP 404: nothing at {shown}; the index URL may be mistyped", hint, suggestion)
    described = primary.describe()
    return ("error", f"{shown}: {described}",
            "a server error (5xx) is usually temporary; otherwise check the URL and the server" if status >= 500
            else "check the URL and the server", None)


def check_index(
    target: Target,
    *,
    env: Mapping[str, str],
    keyring_provider: str | None = None,
    timeout: float = TIMEOUT,
    insecure: bool = False,
    provided: Lookup | None = None,
    context: Any = None,
) -> Check:
    """Look up the credentials of one index, GET its root with and without them, and judge. ``provided``: the
    credentials a ``[[credentials]]`` entry gives it, which win over uv's own sources (as when uvauth runs uv)."""
    lookup = provided if provided is not None else find_credentials(target.url, name=target.name, env=env,
                                                                   keyring_provider=keyring_provider)
    checked = root_url(target.url, flat=target.flat)
    accept = ACCEPT_FLAT if target.flat else ACCEPT
    authenticated = None
    if lookup.credentials is not None and target.effective != "never":
        authenticated = fetch(checked, lookup.credentials, accept=accept, timeout=timeout, insecure=insecure,
                              context=context)
    if authenticated is not None and authenticated.status is None:
        # The host did not answer: asking again without credentials would only wait for a second timeout.
        anonymous = Probe(authenticated.url, None, error=f"not tried: {authenticated.error}")
    else:
        anonymous = fetch(checked, None, accept=accept, timeout=timeout, insecure=insecure, context=context)
    found, message, hint, suggestion = verdict(target, lookup, authenticated, anonymous)
    return Check(target, urls.redact(checked), lookup, authenticated, anonymous, found, message, hint, suggestion)
