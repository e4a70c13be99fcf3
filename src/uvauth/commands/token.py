"""``uvauth uvauth credentials token NAME [--output FILE]``: the current token of one ``[[credentials]]`` entry,
for a tool that takes a token and nothing else (Docker BuildKit's ``--secret``; docs/recipes.md).

The token is the one a ``uv`` command here would use (:func:`uvauth.providers.serve.entry_credentials`: from
the cache while fresh, else minted through it). It goes to a pipe or a file, never to a terminal, where it would
stay in the scrollback and on a shared screen: ``… | cat`` shows it to whoever really wants to see it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import IO


def run(name: str, env: Mapping[str, str], cwd: Path, output: Path | None, out: IO[str], err: IO[str]) -> int:
    """Print the token on ``out`` (one line), or write it to ``output`` (the token alone, mode 0600, atomically)
    and say so on ``err`` without it."""
    from uvauth.errors import UvauthError
    from uvauth.providers import serve

    if output is None and out.isatty():
        raise UvauthError("not printing a token on a terminal: it would stay in the scrollback",
                          hint=f"write it to a file with --output FILE, or pipe it: uvauth uvauth credentials token "
                               f"{name} | …")
    credentials = serve.entry_credentials(name, env, cwd)
    if credentials is None or not credentials.password:
        raise UvauthError(f"credentials entry {name}: it gives no token here",
                          hint="`uvauth uvauth credentials show` says what it covers and how it gets a token")
    if output is None:
        out.write(credentials.password + "\n")
        return 0
    target = write_token(output, credentials.password)
    until = ""
    if credentials.fresh_until is not None:
        import time

        until = f", fresh until {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(credentials.fresh_until))}"
    print(f"uvauth: wrote the token of {name} to {target} (mode 0600{until})", file=err)
    return 0


def write_token(path: Path, token: str) -> Path:
    """``token`` alone (no newline: a secret file holds the value, as Docker and Kubernetes mount them) in
    ``path``, created 0600 under a temporary name and renamed over it (:func:`uvauth.cache.write_private`): no
    moment where it is readable by others or half written. A missing directory is created 0700."""
    from uvauth.cache import write_private
    from uvauth.errors import UvauthError

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise UvauthError(f"cannot create {path.parent}: {error.strerror or error}") from None
    try:
        return write_private(path.parent, path.name, token)
    except UvauthError as error:
        raise UvauthError(error.message, hint="check that FILE is a file in a directory you can write") from None
