"""The ``keyring`` command as uv's ``--keyring-provider subprocess`` asks it (``crates/uv-auth/src/keyring.rs``)."""

from __future__ import annotations

import re
from typing import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Mapping

    from uvauth.uv import urls

#: Seconds one ``keyring get`` may take. uv itself waits forever; a hung keyring backend (a locked desktop
#: keyring waiting for an unlock prompt) must not hang uvauth.
KEYRING_TIMEOUT = 30.0


class KeyringAnswer(NamedTuple):
    """What the keyring gave for one service: a username (given or returned) and its password."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"KeyringAnswer(username={self.username!r})"


class KeyringOutcome(NamedTuple):
    """The result of :func:`ask_keyring`: the answer (None: nothing), what was run (never a secret: a given
    username shows as ``<username>``), and the sentence for ``tried``."""

    answer: KeyringAnswer | None
    command: str
    detail: str


def keyring_services(url: urls.Url) -> list[str]:
    """``KeyringProvider::fetch_subprocess_with_fallback``: the index URL (without credentials), then
    ``host[:port]``, then (not for https) ``scheme://host[:port]``. Checked with uv 0.13.8."""
    services = [str(url.without_credentials()), url.netloc]
    if url.scheme != "https":
        services.append(f"{url.scheme}://{url.netloc}")
    return services


def ask_keyring(
    executable: str,
    url: urls.Url,
    *,
    username: str | None,
    env: Mapping[str, str],
    run: Callable[..., subprocess.CompletedProcess[bytes]] | None,
) -> KeyringOutcome:
    """Ask ``keyring get`` for each of :func:`keyring_services` in turn, as uv does for an index with
    ``authenticate = "always"``: with ``username`` if one is known, else ``--mode creds``."""
    tail = ["--mode", "creds"] if username is None else [username]
    shown_tail = "--mode creds" if username is None else "<username>"
    asked: list[str] = []
    for service in keyring_services(url):
        asked.append(service)
        command = f"keyring get {service} {shown_tail}"
        outcome = _keyring_get(executable, [service, *tail], username=username, env=env, run=run)
        if isinstance(outcome, KeyringAnswer):
            return KeyringOutcome(answer=outcome, command=command, detail=f"{command}: found")
        if outcome is not None:  # a failure that makes further calls pointless
            return KeyringOutcome(answer=None, command=command, detail=f"{command}: {outcome}")
    command = f"keyring get {' | '.join(asked)} {shown_tail}"
    return KeyringOutcome(answer=None, command=command, detail=f"{command}: nothing found")


def _keyring_get(
    executable: str,
    args: list[str],
    *,
    username: str | None,
    env: Mapping[str, str],
    run: Callable[..., subprocess.CompletedProcess[bytes]] | None,
) -> KeyringAnswer | str | None:
    """One ``keyring get``: an answer, None to try the next service, or a reason to give up."""
    import subprocess

    from uvauth import observed

    try:
        # bytes: text mode would turn a lone "\r" into "\n"
        command = [executable, "get", *args]
        result = run(command, env=env, timeout=KEYRING_TIMEOUT) if run is not None else observed.ask_helper(
            env, command, timeout=KEYRING_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"timed out after {KEYRING_TIMEOUT:g} s"
    except OSError as err:
        return f"could not run it: {err.strerror or type(err).__name__}"
    stdout, stderr = _text(result.stdout), _text(result.stderr)
    if result.returncode != 0:
        if username is None and "unrecognized arguments: --mode" in stderr:
            return "this keyring has no `--mode creds`; upgrade to keyring>=25.2.1 or give the index a username"
        return None
    if re.search("[\udc80-\udcff]", stdout):
        return None  # not UTF-8: uv ignores the answer
    if username is not None:
        return KeyringAnswer(username=username, password=stdout.rstrip())
    # `--mode creds`: username on the first line, password on the second (Rust's `str::lines`).
    lines = stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if len(lines) < 2:
        return None
    return KeyringAnswer(username=lines[0], password=lines[1])


def _text(output: str | bytes | None) -> str:
    """Subprocess output as text; bytes that are not UTF-8 become lone surrogates (checked by the caller)."""
    if output is None:
        return ""
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="surrogateescape")
    return output
