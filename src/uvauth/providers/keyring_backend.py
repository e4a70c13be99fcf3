"""uvauth as a backend of the ``keyring`` library (docs/credentials.md, "uvauth as a keyring backend"): pip's
``--keyring-provider import``, twine, and the ``keyring`` command uv's ``--keyring-provider subprocess`` runs get
the credentials a ``uv`` command run in the same directory would send (:func:`uvauth.providers.serve.credentials_for`),
for the URLs a ``[[credentials]]`` entry covers only: any program of the user may ask any URL, and netrc's or the
``uv auth`` store's credentials for a host no entry names are not uvauth's to hand out.

keyring finds it through the ``keyring.backends`` entry point (pyproject.toml) and imports this module on every
first use in a process, for whatever service that process asks: the module imports keyring's base class and nothing
of uvauth; serve, and through it the planner, is imported only for a URL (:func:`_lookup`).

Its priority is the lowest a viable backend can have, so every store (the OS keychain, a plugin such as Google's)
is asked first and ``keyring set`` reaches a store before it (keyring.backends.chainer.ChainerBackend asks its
backends by priority; ``set_password`` moves on only past ``NotImplementedError``). It answers only http(s) URLs:
the ``host[:port]`` form uv and pip ask second (crates/uv-auth/src/keyring.rs, ``KeyringProvider::fetch``; pip's
``MultiDomainBasicAuth._get_new_credentials``) has no scheme nor path, and answering it would hand an entry bound to
``https://host/simple/`` to any URL of the host, plain http included. The URL form, asked first, is already
answered for every URL on a configured index's realm (serve's realm rule).

It never raises into the tool that asked: a problem (an entry not approved, a command that failed) or a failure of
its own is one ``uvauth: warning:`` line on stderr, and the tool goes on as without it. It is read-only: uvauth's
tokens come from their sources, so ``set_password`` and ``delete_password`` raise keyring's errors for that.
"""

from __future__ import annotations

import sys

from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential
from keyring.errors import PasswordDeleteError, PasswordSetError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from uvauth.uv.credentials.search import Credentials

#: Above 0 (keyring's ``fail`` backend; the chainer takes only backends above 0) and below every store: the
#: keyrings.alt file backends are 0.5 and 0.6, the OS keychains 5, plugins about 9.
PRIORITY = 0.1


class UvauthKeyring(KeyringBackend):
    """The credentials of uvauth's ``[[credentials]]`` entries and uv's own sources, for http(s) URLs."""

    priority = PRIORITY  # keyring declares a classproperty; reading a constant is the same

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        found = _lookup(service, username)
        if found is None:
            return None
        return SimpleCredential(found.username or username or "", found.password)

    def get_password(self, service: str, username: str) -> str | None:
        found = _lookup(service, username)
        return None if found is None else found.password

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("uvauth's keyring backend is read-only: its credentials come from their sources "
                               "(uvauth's [[credentials]] entries); store yours in another keyring backend")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("uvauth's keyring backend is read-only: nothing of it can be deleted "
                                  "(uvauth uvauth credentials forget empties uvauth's token cache)")


def _lookup(service: str, username: str | None) -> Credentials | None:
    """serve's answer for ``service`` when it is an http(s) URL, with ``username`` if that is given; None for
    anything else, after one warning line when something failed."""
    if not service.lower().startswith(("http://", "https://")):
        return None  # another program's service name, or uv's `host[:port]` (module docstring): not a URL
    try:
        import os
        from contextlib import redirect_stdout
        from pathlib import Path

        from uvauth.providers import guard, serve

        if guard.serving(os.environ):
            return None  # asked by uvauth itself, while it serves: nothing (uvauth.providers.guard)
        # The `keyring` command answers on stdout, and uv reads its first two lines as the username and password
        # (crates/uv-auth/src/keyring.rs, `fetch_subprocess`): nothing of uvauth's may print there.
        with redirect_stdout(sys.stderr):
            answer = serve.credentials_for(service, os.environ, Path.cwd(), covered_only=True)
    except Exception as error:  # noqa: BLE001 — never a traceback into the tool that asked
        # The type only: an unexpected error's text may hold anything, a secret included.
        _warn(service, f"uvauth's keyring backend failed ({type(error).__name__}); the tool goes on without it")
        return None
    if answer.problem is not None:
        _warn(service, answer.problem)
        return None
    found = answer.credentials
    if found is None or not found.password:
        return None
    if found.scheme == "bearer":
        # A keyring answer is a username and password the tool sends as Basic: a Bearer token would be refused.
        _warn(service, "its token is a Bearer token, which a keyring answer (a username and password sent as "
                       "Basic) cannot carry; the tool goes on without it")
        return None
    if username and found.username and found.username != username:
        return None  # the tool asks for another user's password: not this one's
    return found


def _warn(service: str, problem: str) -> None:
    from uvauth.uv.redact import redact

    print(f"uvauth: warning: keyring asked for {redact(service)}: {redact(problem)}", file=sys.stderr)
