"""Asking where users already keep credentials: the ``keyring`` library, a Bazel / EngFlow credential helper,
and git's credential helpers (``docs/credentials.md``, "Keyrings and credential helpers").

Each ``ask_*`` returns the token as a :class:`~uvauth.providers.run.Minted`, None for "nothing for this URL" (a
chain's next source is then asked, or uv's own sources are searched), or raises one :class:`UvauthError` line
for a failure (a helper that exits non-zero, a keyring backend that raises, an answer uv cannot send). They are
asked for the index's URL (without credentials): uvauth hands uv one username and password per index, so the
answer is the index's, not a single file request's. Imported only when a token must be asked for.
"""

from __future__ import annotations

import json
import subprocess

from uvauth.errors import UvauthError
from uvauth.providers.run import Minted, expires_of, parse_expires, summarize_stderr
from uvauth.uv import urls

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any


def ask_keyring(url: str, username: str | None, *, entry: str, timeout: float) -> Minted | None:
    """The ``keyring`` library's answer, in this process (the backends and plugins installed beside uvauth),
    for the services uv's ``--keyring-provider subprocess`` asks (the index URL, then ``host[:port]``): with
    ``username``, ``get_password``; without, ``get_credential``, which gives the username too.

    A backend can wait for an unlock prompt: it is asked in a daemon thread, and after ``timeout`` seconds
    uvauth gives up on it (the thread is left behind; uvauth ends soon after)."""
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError
    except ImportError:
        raise UvauthError(f"credentials entry {entry}: the keyring library is not installed beside uvauth",
                          hint="uv tool install uvauth --with keyring (and your backend, such as "
                               "--with keyrings.google-artifactregistry-auth)") from None
    from uvauth.uv.credentials.keyring import keyring_services

    def lookup() -> Minted | None:
        for service in keyring_services(urls.parse(url)):
            if username is not None:
                password = keyring.get_password(service, username)
                if password:
                    return Minted(password=password, username=username, expires=None)
                continue
            found = keyring.get_credential(service, None)
            if found is not None and found.password:
                return Minted(password=found.password, username=found.username or None, expires=None)
        return None

    from uvauth.providers import guard

    try:
        with guard.serving_here():  # uvauth's own backend (keyring_backend), if chosen, has nothing for itself
            answer: Minted | None = _within(lookup, timeout)
        return answer
    except TimeoutError:
        raise UvauthError(f"credentials entry {entry}: the keyring did not answer within {timeout:g} s",
                          hint="unlock it (a locked keychain waits for a prompt), or raise the entry's timeout") \
            from None
    except NoKeyringError:
        raise UvauthError(f"credentials entry {entry}: no keyring backend is installed beside uvauth",
                          hint="install yours with uvauth: uv tool install uvauth --with keyring --with "
                               "<backend>") from None
    except KeyringError as error:
        why = summarize_stderr(str(error)) or type(error).__name__
        raise UvauthError(f"credentials entry {entry}: the keyring failed: {why}") from None
    except Exception as error:  # noqa: BLE001 — a plugin's own failure is the entry's one error line
        raise UvauthError(f"credentials entry {entry}: the keyring backend {_backend(keyring)} failed: "
                          f"{type(error).__name__}: {summarize_stderr(str(error)) or 'no message'}") from None


def _backend(keyring: Any) -> str:
    try:
        return type(keyring.get_keyring()).__name__
    except Exception:  # noqa: BLE001 — only for the message
        return "?"


def _within(call: Any, timeout: float) -> Any:
    import threading

    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:  # noqa: BLE001 — handed back to the caller's thread
            outcome.append((False, error))

    thread = threading.Thread(target=target, name="uvauth-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def ask_helper(argv: Sequence[str], url: str, *, entry: str, timeout: float, env: Mapping[str, str]) -> Minted | None:
    """A Bazel / EngFlow credential helper (``argv get``, ``{"uri": URL}`` on stdin, ``{"headers": {…},
    "expires"?: RFC 3339}`` on stdout). ``{"headers": {}}`` (or no ``Authorization``) is "nothing for this
    URL"; a Basic ``Authorization`` header is the username and password uv is handed, a Bearer one a token uv
    gets through uvauth's private credential store (:mod:`uvauth.bearer`)."""
    shown = argv[0]
    request = json.dumps({"uri": urls.without_userinfo(url)}).encode()
    done = _run([*argv, "get"], entry=entry, shown=shown, timeout=timeout, env=env, input=request)
    if done.returncode != 0:
        raise UvauthError(f"credentials entry {entry}: helper {shown!r} exited with code {done.returncode}"
                          f"{_why(done.stderr)}")
    return parse_helper_answer(_text(done.stdout), entry=entry, shown=shown)


def parse_helper_answer(stdout: str, *, entry: str, shown: str) -> Minted | None:
    """What a Bazel-protocol helper printed: the Basic credentials (or Bearer token) and their end, None for no
    ``Authorization``; one :class:`UvauthError` line for anything else (never what it printed)."""
    try:
        answer = json.loads(stdout or "null")
    except (ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("headers", {}), dict):
        raise UvauthError(f"credentials entry {entry}: helper {shown!r} did not answer with a JSON object of "
                          "\"headers\"", hint="it must speak the Bazel credential-helper protocol")
    headers = {str(name).lower(): value for name, value in answer.get("headers", {}).items()}
    values = headers.get("authorization")
    if not values:
        if headers:
            raise UvauthError(f"credentials entry {entry}: helper {shown!r} answers with headers uv cannot send "
                              f"({', '.join(name[:40] for name in sorted(headers)[:3])})",
                              hint="uv sends an index only an Authorization header (Basic or Bearer)")
        return None
    value = values[0] if isinstance(values, list) and values else values
    expires = expires_of(answer.get("expires"), who=f"credentials entry {entry}: helper {shown!r}'s")
    return _authorization(value, entry=entry, shown=shown, expires=expires)


def _authorization(value: object, *, entry: str, shown: str, expires: float | None) -> Minted:
    """A Basic ``Authorization`` header as the username and password uv is handed; a Bearer one as the token."""
    import base64
    import binascii

    scheme, _, credentials = str(value).strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            username, colon, password = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            colon, password, username = "", "", ""
        if colon and password and "\0" not in password + username:
            return Minted(password=password, username=username, expires=expires)
        raise UvauthError(f"credentials entry {entry}: helper {shown!r} answers a Basic Authorization header that "
                          "is not base64 of username:password")
    if scheme.lower() == "bearer":
        token = credentials.strip()
        # uv writes it into a header (`Authorization: Bearer <token>`) from a TOML string: text without
        # spaces or control characters, as RFC 6750's b64token is.
        if not token or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in token):
            raise UvauthError(f"credentials entry {entry}: helper {shown!r} answers a Bearer Authorization header "
                              "whose token is empty or holds spaces or control characters")
        return Minted(password=token, username=None, expires=expires, scheme="bearer")
    raise UvauthError(f"credentials entry {entry}: helper {shown!r} answers an Authorization header of scheme "
                      f"{scheme[:20]!r}, which uv cannot send", hint="uv sends Basic or Bearer")


#: git must never prompt for what no helper has: not on a terminal, not through an askpass program or Git
#: Credential Manager's window (``GCM_INTERACTIVE``); it then fails, which is "nothing for this URL".
_GIT_QUIET: dict[str, str] = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
                              "GCM_INTERACTIVE": "never"}


def ask_git(helper: str, url: str, username: str | None, *, entry: str, timeout: float,
            env: Mapping[str, str]) -> Minted | None:
    """``git credential fill`` for the index URL (``helper``: "" for git's own configuration, else only that
    helper, as ``credential.helper`` spells one). ``password_expiry_utc`` is the token's end. Nothing is stored
    back (``approve``/``reject`` are never run): uvauth only reads."""
    parsed = urls.parse(url)
    argv = ["git", "-c", "credential.interactive=false"]
    if helper:
        argv += ["-c", "credential.helper=", "-c", f"credential.helper={helper}"]
    argv += ["credential", "fill"]
    lines = [f"protocol={parsed.scheme}", f"host={parsed.netloc}"]
    from urllib.parse import unquote

    path = unquote(parsed.path.lstrip("/"))  # git's own `path=` is decoded, as `git credential` writes it
    if path:
        lines.append(f"path={path}")
    if username:
        lines.append(f"username={username}")
    request = ("\n".join(lines) + "\n\n").encode()
    done = _run(argv, entry=entry, shown="git credential fill", timeout=timeout, env={**env, **_GIT_QUIET},
                input=request)
    stderr = _text(done.stderr)
    if done.returncode != 0:
        if "terminal prompts disabled" in stderr or "could not read" in stderr:
            return None  # no helper had it, and git may not ask
        raise UvauthError(f"credentials entry {entry}: `git credential fill` exited with code {done.returncode}"
                          f"{_why(done.stderr)}")
    return parse_git_answer(_text(done.stdout), username)


def parse_git_answer(stdout: str, username: str | None) -> Minted | None:
    """``git credential fill``'s ``key=value`` lines: the password (None without one), the username and
    ``password_expiry_utc`` (git ≥ 2.41 passes a helper's on; a malformed one is ignored, as git does)."""
    fields: dict[str, str] = {}
    for line in stdout.split("\n"):
        key, sep, value = line.partition("=")
        if sep and key not in fields:
            fields[key] = value
    password = fields.get("password", "")
    if not password or "\0" in password:
        return None
    expires = None
    if fields.get("password_expiry_utc"):
        try:
            expires = parse_expires(fields["password_expiry_utc"])
        except ValueError:
            expires = None  # git itself ignores a malformed expiry
    return Minted(password=password, username=fields.get("username") or username, expires=expires)


def _run(argv: Sequence[str], *, entry: str, shown: str, timeout: float, env: Mapping[str, str],
         input: bytes) -> subprocess.CompletedProcess[bytes]:
    from uvauth import children

    try:
        return children.run(argv, env=env, timeout=timeout, input=input)
    except FileNotFoundError:
        raise UvauthError(f"credentials entry {entry}: {shown!r} not found", hint="install it, or put it on PATH") \
            from None
    except PermissionError:
        raise UvauthError(f"credentials entry {entry}: {shown!r} is not executable") from None
    except subprocess.TimeoutExpired:
        raise UvauthError(f"credentials entry {entry}: {shown!r} did not finish within {timeout:g} s",
                          hint="raise the entry's timeout, or check that it does not wait for input") from None


def _why(stderr: bytes) -> str:
    line = summarize_stderr(_text(stderr))
    return f": {line}" if line else " (nothing on stderr)"


def _text(output: bytes) -> str:
    return output.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n").strip()
