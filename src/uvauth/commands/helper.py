"""``uvauth uvauth helper --protocol bazel|git COMMAND``: uvauth as another tool's credential helper
(docs/credentials.md, "Other tools through uvauth").

The answer is :func:`uvauth.providers.serve.credentials_for`'s — what a ``uv`` command run in the helper's working
directory would send to the URL asked for. Here only the two protocols' shapes:

- Bazel / EngFlow (github.com/EngFlow/credential-helper-spec, ``spec.md``): ``get``, one JSON object ``{"uri": …}``
  on stdin, ``{"headers": {"Authorization": ["Basic …"]}, "expires"?: RFC 3339}`` on stdout; ``{"headers": {}}``
  (the spec's own example of "no credentials needed", and what ``uv auth helper`` prints) when there is nothing.
  The spec asks a helper to fail on input it does not support: for a URL uvauth has nothing for it answers
  ``{"headers": {}}`` instead, so that Bazel goes on as it would without a helper (a failing helper fails the
  fetch). A malformed request is an error (exit 2), as the spec and uv's helper make it.
- git (git-credential(1), "INPUT/OUTPUT FORMAT"; gitcredentials(7), "CUSTOM HELPERS"): ``key=value`` lines ending
  at a blank line or EOF; ``username=``/``password=`` (and ``password_expiry_utc=``) for ``get``, nothing when
  there is nothing. ``store`` and ``erase`` (and any other operation, as gitcredentials asks of helpers that do
  not support one) are read and ignored: uvauth's tokens come from their sources, and
  ``uvauth uvauth credentials forget`` drops a cached one.

A ``problem`` (an entry not approved, a command that failed) is one ``uvauth: warning:`` line on stderr and the
"nothing" answer: the caller then goes on, and fails, as it would without credentials. Nothing here prints a
secret anywhere but in the protocol's answer on stdout, nor the URL's userinfo.
"""

from __future__ import annotations

import json
from typing import Any

from uvauth.errors import UvauthError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import IO, Final

    from uvauth.providers.serve import Answer
    from uvauth.uv.credentials.search import Credentials

PROTOCOLS: Final = ("bazel", "git")
#: The helper operations git runs (gitcredentials(7), "CUSTOM HELPERS").
GIT_OPERATIONS: Final = ("get", "store", "erase")


# -- Bazel -----------------------------------------------------------------------------------------------------


def bazel_uri(text: str) -> str:
    """The ``uri`` of a GetCredentialsRequest (the spec's ``schemas/get-credentials-request.schema.json``: an
    object whose ``uri`` is a string; other properties are ignored, as the spec asks)."""
    try:
        request = json.loads(text)
    except (ValueError, RecursionError):
        request = None
    if not isinstance(request, dict) or not isinstance(request.get("uri"), str):
        # The request is never quoted: a URI may carry userinfo.
        raise UvauthError('the request on stdin is not the credential-helper spec\'s JSON object {"uri": "…"}',
                          hint="Bazel writes it; to try the helper by hand: "
                               "echo '{\"uri\": \"https://…\"}' | uvauth uvauth helper --protocol bazel get")
    return str(request["uri"])


def bazel_response(credentials: Credentials | None) -> dict[str, Any]:
    """A GetCredentialsResponse: the Basic header uv would send (``username:password``, an empty username as
    ``:password``, as uv's ``Credentials::to_header_value``), and ``expires`` when uvauth knows until when it
    reuses the token (its cache's ``fresh_until``, so Bazel asks again when uvauth would mint a new one)."""
    if credentials is None:
        return {"headers": {}}
    header = ("Bearer " + credentials.password if credentials.scheme == "bearer"  # as the entry's helper answered it
              else basic(credentials.username, credentials.password))
    response: dict[str, Any] = {"headers": {"Authorization": [header]}}
    if credentials.fresh_until is not None:
        response["expires"] = rfc3339(credentials.fresh_until)
    return response


def basic(username: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def rfc3339(epoch: float) -> str:
    """UTC, whole seconds, ``Z``: what Bazel's ``Instant.parse`` (ISO-8601) reads."""
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


# -- git -------------------------------------------------------------------------------------------------------


def git_fields(text: str) -> dict[str, list[str]]:
    """git's ``key=value`` lines up to the first blank one (or the end), each key's values in order (``wwwauth[]``
    and ``capability[]`` repeat). A line without ``=`` is an error, as git itself refuses it (credential.c,
    ``credential_read``: "invalid credential line"); the line is never quoted: it may hold a password."""
    fields: dict[str, list[str]] = {}
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if not line:
            break
        key, sep, value = line.partition("=")
        if not sep or not key:
            raise UvauthError("a line on stdin is not git's key=value (git-credential(1), \"INPUT/OUTPUT FORMAT\")",
                              hint="git writes it; to try the helper by hand: "
                                   "printf 'protocol=https\\nhost=…\\n\\n' | uvauth uvauth helper --protocol git get")
        fields.setdefault(key.removesuffix("[]"), []).append(value)
    return fields


def _last(fields: Mapping[str, list[str]], key: str) -> str | None:
    values = fields.get(key)
    return values[-1] if values else None  # git keeps the last value of a single-valued key


def git_request(fields: Mapping[str, list[str]]) -> tuple[str, str | None] | None:
    """The URL git asks for, and the username it already has; None for anything but HTTP(S).

    git sends ``protocol`` and ``host`` (``host[:port]``), and ``path`` only with ``credential.useHttpPath``:
    without it the URL is the host's root, which :func:`uvauth.providers.serve.credentials_for` answers as the
    index configured on that host. A ``url`` (which git's own callers may give) stands for all three."""
    from uvauth.uv import urls

    username = _last(fields, "username")
    given = _last(fields, "url")
    if given is not None:
        try:
            parsed = urls.parse(given)
        except urls.InvalidUrl:
            return None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return None
        url_user, _ = parsed.credentials()
        return urls.without_userinfo(given), username if username is not None else url_user
    protocol, host = _last(fields, "protocol"), _last(fields, "host")
    if protocol not in ("http", "https") or not host or any(c in host for c in "/?#@\\"):
        return None
    path = _last(fields, "path") or ""
    return f"{protocol}://{host}/{path.lstrip('/')}", username


def git_answer(credentials: Credentials | None, username: str | None, capabilities: Sequence[str] = ()) -> str:
    """``username=``/``password=`` (and ``password_expiry_utc=``, git ≥ 2.41, epoch seconds) lines, or nothing.

    Nothing too where git already has another username: the credentials are that other user's, and a helper
    answers for the username it is asked about (git-credential-store matches it, credential.c
    ``credential_match``). A value git's format cannot carry (a newline, a NUL) is nothing as well.

    A Bearer token is ``authtype=Bearer`` and ``credential=`` (git ≥ 2.46, git-credential(1)), only to a git that
    announced ``capability[]=authtype`` (in ``capabilities``); to another it is nothing: as a password git would
    send it as Basic."""
    if credentials is None or any(c in value for value in (credentials.username, credentials.password)
                                  for c in "\n\0"):
        return ""
    if credentials.scheme == "bearer":
        if "authtype" not in capabilities:
            return ""
        # No expiry: git-credential(1) has one for a password only.
        return f"capability[]=authtype\nauthtype=Bearer\ncredential={credentials.password}\n"
    if username is not None and username != credentials.username:
        return ""
    # An empty username is sent as one (`username=`): git then prompts for none, and sends `:password` as uv does.
    lines = [f"username={credentials.username}", f"password={credentials.password}"]
    if credentials.fresh_until is not None:
        lines.append(f"password_expiry_utc={int(credentials.fresh_until)}")
    return "\n".join(lines) + "\n"


# -- the command -----------------------------------------------------------------------------------------------


def _warn(problem: str, url: str, err: IO[str]) -> None:
    from uvauth.uv.redact import redact
    from uvauth.uv.urls import without_userinfo

    print(f"uvauth: warning: no credentials for {without_userinfo(url)}: {redact(problem)}", file=err)


def _answer(url: str, env: Mapping[str, str], cwd: Path, err: IO[str]) -> Answer:
    from uvauth.providers import serve

    answer = serve.credentials_for(url, env, cwd)
    if answer.problem is not None:
        _warn(answer.problem, url, err)
    return answer


def run(protocol: str, command: str, env: Mapping[str, str], cwd: Path, stdin: IO[bytes], out: IO[str],
        err: IO[str]) -> int:
    """Read the request from ``stdin``, write the protocol's answer to ``out``; 0 unless the request is malformed
    (or, for Bazel, the command unknown): exit 2 and one error line."""
    if protocol not in PROTOCOLS:
        raise UvauthError(f"unknown protocol {protocol!r}", hint=f"use one of {', '.join(PROTOCOLS)}")
    if protocol == "bazel" and command != "get":
        # The spec: an unknown command is a failed invocation (a message on stderr, a failing exit status).
        raise UvauthError(f"unknown command {command!r} for the bazel protocol", hint="the spec's one command is get")
    text = stdin.read().decode("utf-8", errors="replace")
    if protocol == "bazel":
        uri = bazel_uri(text)
        credentials = _answer(uri, env, cwd, err).credentials
        out.write(json.dumps(bazel_response(credentials)) + "\n")
        return 0
    fields = git_fields(text)
    if command != "get":
        return 0  # store, erase, and what a later git may add: read and ignored (module docstring)
    request = git_request(fields)
    if request is None:
        return 0
    url, username = request
    credentials = _answer(url, env, cwd, err).credentials
    capabilities = fields.get("capability", [])
    if credentials is not None and credentials.scheme == "bearer" and "authtype" not in capabilities:
        _warn("its entry answers a Bearer token, which this git cannot take (git >= 2.46 asks with "
              "capability[]=authtype)", url, err)
    out.write(git_answer(credentials, username, capabilities))
    return 0
