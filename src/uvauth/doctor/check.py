"""``uvauth uvauth doctor``: check, over the network, that each index the project uses accepts its credentials.

For every index uv would use (its configured ``[[index]]`` tables and ``index-url``/``extra-index-url``/
``find-links`` keys, discovered as uv discovers them, plus the indexes given on the doctor command line with
``--index``/``--default-index``/``--index-url``/``--extra-index-url``/``--find-links`` or their ``UV_*``
variables), the doctor

1. looks for credentials in uv's sources and order (:func:`uvauth.uv.credentials.find_credentials`): where they were
   found (source and detail, never the secret), or every place tried;
2. sends one GET of the index's root page *with* those credentials (when there are any) and one *without* any,
   with uv's ``Accept`` header, a 10 s timeout, and redirects not followed automatically: a redirect within the
   index's realm (scheme, host, port: where uv keeps sending credentials) is followed by hand, up to
   :data:`MAX_REDIRECTS` times; one to another realm is reported;
3. gives a verdict per index (:data:`VERDICTS`, rules in :func:`verdict`) with a message naming the problem and
   a hint to fix it.

The doctor runs only when asked for and is the only part of uvauth that touches the network itself. Local
indexes (``file://`` or a path) and public PyPI are listed as skipped. Exit code: 0 when every checked index is
``ok``, 1 otherwise, 2 for a usage error (:class:`~uvauth.errors.UvauthError`, e.g. an unreadable ``uv.toml``).

``--json`` prints one object, schema ``uvauth.doctor/1``::

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
      "warnings": ["…"]                  # uv's own configuration warnings (an unparsable pyproject.toml)
    }

    PROBE = {
      "url": "…",                        # the last URL requested (after redirects followed within the realm)
      "status": 200 | null,              # null: no HTTP answer (see "error")
      "location": "…" | null,            # a redirect's absolute target (redacted), when not followed
      "redirects": ["…"],                # the redirects followed within the realm, in order
      "error": "…" | null                # connection error, timeout, too many redirects
    }

No password, and no URL userinfo, is ever part of the output.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Final, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from uvauth import __version__
from uvauth.uv import indexes as mentions
from uvauth.uv import envvars, urls
from uvauth.uv.credentials import Credentials, Lookup, env_var_prefix, find_credentials
from uvauth.errors import UvauthError

SCHEMA: Final = "uvauth.doctor/1"
#: uv's Accept header for a simple index page (crates/uv-client/src/registry_client.rs, ``MediaType::accepts``).
ACCEPT: Final = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
#: The Accept header for a flat index (a find-links page is plain HTML).
ACCEPT_FLAT: Final = "text/html"
TIMEOUT: Final = 10.0
MAX_REDIRECTS: Final = 5
USER_AGENT: Final = f"uvauth/{__version__} (doctor)"
DEPENDENCY_CONFUSION_ISSUE: Final = "https://github.com/astral-sh/uv/issues/7359"

Verdict = Literal[
    "ok", "bad-credentials", "no-credentials", "forbidden", "not-found", "open", "redirect", "unreachable", "error"
]
VERDICTS: Final[tuple[Verdict, ...]] = (
    "ok", "bad-credentials", "no-credentials", "forbidden", "not-found", "open", "redirect", "unreachable", "error"
)
# The hosts of public PyPI: open by design, nothing to check.
_PUBLIC_PYPI: Final = frozenset({"pypi.org", "test.pypi.org", "pypi.python.org"})
_COMMAND: Final = "lock"  # the doctor's options are read as `uv lock` reads them: every index option, no positionals


# --------------------------------------------------------------------------------------------------------------
# One request


@dataclass(frozen=True)
class Probe:
    """The outcome of one GET of an index root (with any redirects inside the realm followed by hand)."""

    url: str  # the last URL requested; never with userinfo
    status: int | None  # None: no HTTP answer
    location: str | None = None  # a 3xx's absolute target (redacted) that was not followed
    redirects: tuple[str, ...] = ()  # redirects followed within the realm
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def redirected_away(self) -> bool:
        return self.status is not None and 300 <= self.status < 400 and self.location is not None

    def describe(self, *, short: bool = False) -> str:
        """``HTTP 302 -> https://host/path`` (``short``: ``-> host``), ``HTTP 401``, ``no answer (why)``."""
        if self.status is None:
            return f"no answer ({self.error})" if self.error else "no answer"
        text = f"HTTP {self.status}"
        if self.location:
            text += f" -> {_host(self.location) if short else self.location}"
        elif self.error:
            text += f" ({self.error})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "url": urls.redact(self.url),
            "status": self.status,
            "location": self.location,
            "redirects": [urls.redact(u) for u in self.redirects],
            "error": self.error,
        }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every 3xx into an ``HTTPError`` that the caller inspects."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _same_realm(a: str, b: str) -> bool:
    try:
        return urls.realm(a) == urls.realm(b)
    except ValueError:
        return False


def _connection_error(error: BaseException) -> str:
    reason: Any = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"timed out after {TIMEOUT:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {reason.verify_message or reason}"
    if isinstance(reason, socket.gaierror):
        return f"host not found: {reason.strerror or reason}"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def fetch(
    url: str,
    credentials: Credentials | None,
    *,
    accept: str = ACCEPT,
    timeout: float = TIMEOUT,
    insecure: bool = False,
) -> Probe:
    """GET ``url`` once (plus redirects within its realm, each with the same credentials, as uv does).

    Never raises for network trouble: the :class:`Probe` carries the status, the redirect target not followed,
    or the error.
    """
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    if credentials is not None:
        token = f"{credentials.username}:{credentials.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    current = urls.without_userinfo(url)
    followed: list[str] = []
    while True:
        request = urllib.request.Request(current, headers=headers, method="GET")
        try:
            with opener.open(request, timeout=timeout) as response:
                return Probe(current, response.status, redirects=tuple(followed))
        except urllib.error.HTTPError as error:
            status = error.code
            target = error.headers.get("Location") if error.headers is not None else None
            error.close()
            if not 300 <= status < 400 or not target:
                return Probe(current, status, redirects=tuple(followed))
            absolute = urls.without_userinfo(urljoin(current, target))
            if not _same_realm(current, absolute):
                return Probe(current, status, location=urls.redact(urljoin(current, target)),
                             redirects=tuple(followed))
            if len(followed) >= MAX_REDIRECTS:
                return Probe(current, status, redirects=tuple(followed),
                             error=f"more than {MAX_REDIRECTS} redirects")
            followed.append(absolute)
            current = absolute
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            return Probe(current, None, redirects=tuple(followed), error=_connection_error(error))


# --------------------------------------------------------------------------------------------------------------
# One index


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

    def to_json(self) -> dict[str, Any]:
        target, creds = self.target, self.lookup.credentials
        return {
            "name": target.name,
            "url": urls.redact(target.url),
            "checked_url": self.checked_url,
            "source": target.source,
            "where": target.where,
            "format": "flat" if target.flat else "simple",
            "default": target.default,
            "explicit": target.explicit,
            "authenticate": target.authenticate or "auto",
            "credentials": {
                "found": creds is not None,
                "source": creds.source if creds else None,
                "detail": creds.detail if creds else None,
                "tried": list(self.lookup.tried),
            },
            "authenticated": self.authenticated.to_json() if self.authenticated else None,
            "anonymous": self.anonymous.to_json(),
            "verdict": self.verdict,
            "message": self.message,
            "hint": self.hint,
            "suggested_url": self.suggested_url,
        }


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


def _host(url: str) -> str:
    try:
        _, host, port = urls.realm(url)
    except ValueError:
        return urls.redact(url)
    return host if port is None else f"{host}:{port}"


def _where_to_put(target: Target) -> str:
    host = urlsplit(urls.without_userinfo(target.url)).hostname or "HOST"
    places = [f"add `machine {host} login USER password PASSWORD` to ~/.netrc (or the file $NETRC names)",
              f"run `uv auth login {urls.redact(urls.without_userinfo(target.url))}`"]
    if target.name:
        prefix = env_var_prefix(target.name)
        places.append(f"set {prefix}USERNAME and {prefix}PASSWORD")
    places.append("or use a keyring with --keyring-provider subprocess")
    return "; ".join(places)


def _credentials_phrase(creds: Credentials) -> str:
    return f"{creds.source}: {creds.detail}" if creds.detail else creds.source


def verdict(target: Target, lookup: Lookup, authenticated: Probe | None, anonymous: Probe,
            ) -> tuple[Verdict, str, str | None, str | None]:
    """(verdict, message, hint, suggested URL) for one index. The rules, first match wins:

    ``primary`` is the authenticated probe when there are credentials, else the anonymous one.

    * ``unreachable``: ``primary`` got no HTTP answer (connection refused, DNS, TLS, timeout).
    * ``redirect``: ``primary`` was redirected to another realm (host, or scheme/port): uv drops the credentials
      there.
    * ``open``: the anonymous GET got a 2xx, and the index is not configured ``authenticate = "never"``.
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
    never = target.authenticate == "never"
    if primary.status is None:
        return ("unreachable", f"no answer from {_host(primary.url)}: {primary.error}",
                "check the URL's host and port, your network, proxy variables (HTTPS_PROXY, NO_PROXY) and, for "
                "TLS errors, SSL_CERT_FILE or uv's --native-tls", None)
    if primary.redirected_away:
        assert primary.location is not None
        where = _host(primary.location)
        return ("redirect",
                f"HTTP {primary.status}: {shown} redirects to another host, {where} ({primary.location}); uv does "
                "not forward credentials across hosts, so the request there goes without them",
                f"configure the index with the URL it redirects to (on {where}), with credentials for that host, "
                "or make the server answer on its own host", None)
    if anonymous.success and not never:
        with_what = (f"the authenticated GET got {authenticated.describe()}" if authenticated is not None
                     else "no credentials were found for it")
        hint = ('set `authenticate = "always"` on this index (uv then never sends it a request without '
                "credentials; needs a named [[tool.uv.index]], or uvauth's authenticate settings) and check the "
                "server's anonymous access settings")
        if target.authenticate == "always":
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
        return ("ok", f"HTTP {primary.status} with the credentials from {_credentials_phrase(creds)}; "
                      f"without credentials: {anonymous.describe()}", None, None)
    status = primary.status
    if never and status in (401, 403):
        return ("error", f'HTTP {status}: the server demands credentials, but the index is `authenticate = '
                         '"never"`, so uv never sends them',
                "remove `authenticate = \"never\"` from the index", None)
    if status == 401:
        if creds is not None:
            return ("bad-credentials",
                    f"HTTP 401: the server rejected the credentials from {_credentials_phrase(creds)}",
                    f"fix or replace them there (a wrong password, an expired token, or a user the server does "
                    f"not know); uv takes the first credentials it finds, in this order: "
                    f"{'; '.join(lookup.tried)}", None)
        return ("no-credentials", f"HTTP 401 and no credentials found for {shown}",
                f"{_where_to_put(target)} (tried: {'; '.join(lookup.tried)})", None)
    if status == 403:
        if creds is None:
            return ("no-credentials", f"HTTP 403 to an anonymous request, and no credentials found for {shown}",
                    f"{_where_to_put(target)} (tried: {'; '.join(lookup.tried)})", None)
        return ("forbidden",
                f"HTTP 403 with the credentials from {_credentials_phrase(creds)}: they may be valid but without "
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
) -> Check:
    """Look up the credentials of one index, GET its root with and without them, and judge."""
    lookup = find_credentials(target.url, name=target.name, env=env, keyring_provider=keyring_provider)
    checked = root_url(target.url, flat=target.flat)
    accept = ACCEPT_FLAT if target.flat else ACCEPT
    authenticated = None
    if lookup.credentials is not None and target.authenticate != "never":
        authenticated = fetch(checked, lookup.credentials, accept=accept, timeout=timeout, insecure=insecure)
    if authenticated is not None and authenticated.status is None:
        # The host did not answer: asking again without credentials would only wait for a second timeout.
        anonymous = Probe(authenticated.url, None, error=f"not tried: {authenticated.error}")
    else:
        anonymous = fetch(checked, None, accept=accept, timeout=timeout, insecure=insecure)
    found, message, hint, suggestion = verdict(target, lookup, authenticated, anonymous)
    return Check(target, urls.redact(checked), lookup, authenticated, anonymous, found, message, hint, suggestion)


# --------------------------------------------------------------------------------------------------------------
# The project's indexes


@dataclass(frozen=True)
class Skipped:
    url: str
    source: str
    where: str
    reason: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "uvauth": __version__,
            "ok": self.ok,
            "indexes": [check.to_json() for check in self.checks],
            "skipped": [
                {"url": urls.redact(s.url), "source": s.source, "where": s.where, "reason": s.reason}
                for s in self.skipped
            ],
            "warnings": [urls.redact(w) for w in self.warnings],
        }


def _insecure_hosts(cmdline: Any, env: Mapping[str, str], config: Any) -> list[str]:
    values: list[str] = list(cmdline.values("--allow-insecure-host"))
    values += env.get(envvars.UV_INSECURE_HOST, "").split()
    values += [str(v) for v in config.values("allow-insecure-host")]
    return values


def _is_insecure(url: str, hosts: Sequence[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    for entry in hosts:
        entry = entry.strip().lower()
        if "://" in entry:
            entry = urlsplit(entry).netloc
        entry_host, _, entry_port = entry.partition(":")
        if entry_host == host and (not entry_port or (port is not None and entry_port == str(port))):
            return True
    return False


def targets(args: Sequence[str], env: Mapping[str, str]) -> tuple[list[Target], list[Skipped], list[str], Any, Any]:
    """The indexes uv would use with these options (read as ``uv lock`` reads them), in uv's order, one per
    distinct index: (targets, skipped, warnings, parsed command line, configuration)."""
    from uvauth import pipeline
    from uvauth.uv import cmdline as uvcli
    from uvauth.uv.config import discover as uvconfig

    cmdline = uvcli.parse([_COMMAND, *args])
    if cmdline.positionals:
        raise UvauthError(f"unexpected argument {urls.redact(cmdline.positionals[0][1])!r}",
                          hint="give uv options only, e.g. --project DIR or --index-url URL")
    unknown = [o.spelling for o in cmdline.options if not cmdline.takes(o.name)]
    if unknown:
        raise UvauthError(f"unknown option {unknown[0]}", hint="see `uv lock --help` for the options uv accepts")
    if cmdline.boundary < len(cmdline.argv):
        raise UvauthError("unexpected arguments after `--`")
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
        if (urlsplit(entry.key).hostname or "") in _PUBLIC_PYPI:
            seen[entry.key] = -1
            skipped.append(Skipped(urls.redact(entry.text), entry.source, entry.where, "public PyPI: open by design"))
            continue
        seen[entry.key] = len(chosen)
        chosen.append(Target(entry.text, entry.name, entry.flat, entry.authenticate, entry.source, entry.where,
                             entry.default, entry.explicit))
    return chosen, skipped, list(config.warnings), cmdline, config


def diagnose(args: Sequence[str], env: Mapping[str, str], *, timeout: float = TIMEOUT) -> Report:
    """Check every index uv would use with the uv options ``args`` (``--project``, ``--directory``,
    ``--config-file``, ``--no-config``, index flags, ``--keyring-provider``, …) and environment ``env``.

    Raises :class:`UvauthError` for bad options or configuration uv would reject.
    """
    chosen, skipped, warnings, cmdline, config = targets(args, env)
    provider = mentions.keyring_provider(cmdline, env, config)
    insecure = _insecure_hosts(cmdline, env, config)
    report = Report(skipped=skipped, warnings=warnings)
    for target in chosen:
        report.checks.append(check_index(target, env=env, keyring_provider=provider, timeout=timeout,
                                         insecure=_is_insecure(target.url, insecure)))
    return report


# --------------------------------------------------------------------------------------------------------------
# Output


_STYLE: Final = {"ok": "green", "open": "yellow", "redirect": "yellow"}


def render(report: Report, file: IO[str] | None = None) -> None:
    """The report as a table plus one line per finding (rich, as typer brings it)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=file, soft_wrap=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(urls.redact(warning))}")
    if not report.checks:
        console.print("No index to check: uv would use public PyPI only (or local indexes)."
                      if not report.skipped else "No index to check.")
    else:
        table = Table(title="uvauth doctor", title_justify="left")
        for column in ("index", "url", "credentials", "GET with", "GET without", "verdict"):
            table.add_column(column, overflow="fold", no_wrap=column == "verdict")
        for check in report.checks:
            creds = check.lookup.credentials
            table.add_row(
                escape(check.target.name or "-"),
                escape(urls.redact(check.target.url)),
                escape(_credentials_phrase(creds) if creds else "none found"),
                escape(check.authenticated.describe(short=True) if check.authenticated else "-"),
                escape(check.anonymous.describe(short=True)),
                f"[{_STYLE.get(check.verdict, 'red')}]{check.verdict}[/]",
            )
        console.print(table)
        for check in report.checks:
            label = check.target.name or urls.redact(check.target.url)
            style = _STYLE.get(check.verdict, "red")
            console.print(f"[{style}]{check.verdict}[/] {escape(label)} ({escape(check.target.where)}): "
                          f"{escape(check.message)}", soft_wrap=True)
            if check.hint:
                console.print(f"  [bold]hint:[/bold] {escape(check.hint)}", soft_wrap=True)
    for skip in report.skipped:
        console.print(f"skipped {escape(urls.redact(skip.url))} ({escape(skip.where)}): {escape(skip.reason)}",
                      soft_wrap=True)


def _split_json_flag(args: Sequence[str]) -> tuple[list[str], bool]:
    """``--json`` wherever it stands among the uv options (typer sees it only before the first uv option)."""
    rest = [arg for arg in args if arg != "--json"]
    return rest, len(rest) != len(args)


def run(args: Sequence[str], env: Mapping[str, str], *, as_json: bool = False,
        out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """The command: check, print, return the exit code (0 all ok, 1 a problem, 2 a usage error)."""
    import json

    out = out or sys.stdout
    err = err or sys.stderr
    uv_args, json_flag = _split_json_flag(args)
    try:
        report = diagnose(uv_args, env)
    except UvauthError as error:
        print(f"uvauth: error: {urls.redact(str(error))}", file=err)
        return error.exit_code
    if as_json or json_flag:
        print(json.dumps(report.to_json(), indent=2), file=out)
    else:
        render(report, out)
    return report.exit_code


def main(args: Sequence[str], env: Mapping[str, str] | None = None, *, as_json: bool = False) -> int:
    import os

    return run(args, dict(os.environ) if env is None else env, as_json=as_json)


__all__ = [
    "ACCEPT", "SCHEMA", "TIMEOUT", "VERDICTS", "Check", "Probe", "Report", "Skipped", "Target", "check_index",
    "diagnose", "fetch", "main", "render", "root_url", "run", "suggest_url", "targets", "verdict",
]
