"""Running a ``password-command`` and reading what it prints.

The command is an argv list run without a shell, with stdin closed (``/dev/null``: a command that would prompt
fails instead of hanging uv), a timeout, and uvauth's own environment, in a process group of its own that is
killed on a timeout, Ctrl-C or SIGTERM (:mod:`uvauth.children`). It prints the secret on stdout, either as
the bare token (one line) or as a JSON object ``{"password": …, "username"?: …, "expires"?: …}`` where
``expires`` is RFC 3339 (``2026-12-02T18:00:00Z``; without an offset, local time) or seconds since the epoch.

A command that fails, times out or prints nothing is one :class:`UvauthError` naming the entry, the exit code
and the line of its stderr that carries the error (:func:`summarize_stderr`), with a hint where the CLI's error is
one uvauth knows (:func:`failure_hint`); nothing it printed on stdout is ever shown.
Imported only when a token must be minted: never on the path of a warm cached token.
"""

from __future__ import annotations

import re
import subprocess
from typing import NamedTuple

from uvauth.errors import UvauthError
from uvauth.uv.redact import redact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class Minted(NamedTuple):
    """What a command printed: the secret, a username if it named one, and its end (epoch seconds) if known.
    ``scheme``: ``"bearer"`` where the secret is a Bearer token (a Bazel helper's ``Authorization: Bearer``), which
    reaches uv only through its credential store (``docs/credentials.md``, "Bearer tokens"); else HTTP Basic."""

    password: str
    username: str | None
    expires: float | None
    scheme: str = "basic"

    def __repr__(self) -> str:
        return (f"Minted(password=****, username={self.username!r}, expires={self.expires!r}, "
                f"scheme={self.scheme!r})")


def parse_expires(value: object) -> float:
    """Epoch seconds from an RFC 3339 / ISO 8601 string (naive: local time) or a number (or numeric string)."""
    if isinstance(value, bool):  # the caller turns a ValueError into the entry's one error line
        raise ValueError("expires is a boolean")  # noqa: TRY004
    if isinstance(value, (int, float)):
        return _finite(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expires is neither a time nor a number")
    text = value.strip()
    try:
        return _finite(float(text))
    except OverflowError:
        raise ValueError("expires is too large") from None
    except ValueError:
        pass
    from datetime import datetime

    try:
        return _finite(datetime.fromisoformat(text).timestamp())  # naive: local, as `az`'s older expiresOn is
    except (OverflowError, OSError):  # a naive time at the edge of the calendar: mktime cannot place it
        raise ValueError("expires is out of range") from None


def expires_of(value: object, *, who: str) -> float | None:
    """An answer's ``expires`` (None when absent) as epoch seconds; one error line naming ``who`` answered it
    when it is neither an RFC 3339 time nor seconds since the epoch."""
    if value is None:
        return None
    try:
        return parse_expires(value)
    except ValueError:
        raise UvauthError(f"{who} \"expires\" is neither an RFC 3339 time nor seconds since the epoch") from None


def _finite(number: float) -> float:
    """``number`` as epoch seconds; ValueError for NaN, infinity (JSON's ``1e400``) or an integer that no float
    holds (a 400-digit one), which would otherwise overflow every clock computation after it."""
    try:
        seconds = float(number)
    except OverflowError:
        raise ValueError("expires is too large") from None
    from uvauth.providers.tokencache import LAST_EPOCH  # a later "end" is garbage, not a token's life

    if not -LAST_EPOCH <= seconds <= LAST_EPOCH:  # also False for NaN
        raise ValueError("expires is not a time before the year 10000")
    return seconds


def parse_output(stdout: str, entry: str) -> Minted:
    """The token (and username, expiry) from what a command printed; one error line for anything else."""
    text = stdout.strip()
    if not text:
        raise UvauthError(f"credentials entry {entry}: the command printed nothing on stdout",
                          hint="it must print the token, or a JSON object with a \"password\"")
    if text.startswith("{"):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            raise UvauthError(f"credentials entry {entry}: the command's output starts with {{ but is not JSON",
                              hint="print the bare token, or one JSON object") from None
        password = data.get("password") if isinstance(data, dict) else None
        if not isinstance(password, str) or not password:
            raise UvauthError(f"credentials entry {entry}: the command's JSON has no non-empty \"password\" string")
        username = data.get("username")
        if username is not None and not isinstance(username, str):
            raise UvauthError(f"credentials entry {entry}: the command's JSON \"username\" is not a string")
        expires = expires_of(data.get("expires"), who=f"credentials entry {entry}: the command's JSON")
        return _carried(Minted(password=password, username=username, expires=expires), entry)
    if "\n" in text:
        raise UvauthError(f"credentials entry {entry}: the command printed more than one line",
                          hint="print the bare token alone, or one JSON object")
    return _carried(Minted(password=text, username=None, expires=None), entry)


def _carried(minted: Minted, entry: str) -> Minted:
    # uv gets the token in an environment variable, and no variable can hold a NUL byte (exec refuses it).
    if "\0" in minted.password or "\0" in (minted.username or ""):
        raise UvauthError(f"credentials entry {entry}: the command's token holds a NUL byte",
                          hint="a token is text; check what the command prints")
    return minted


def run_command(argv: Sequence[str], *, entry: str, timeout: float, env: Mapping[str, str],
                nothing_is_none: bool = False) -> Minted | None:
    """Run ``argv`` (no shell, stdin closed) and read its token; see the module docstring. With
    ``nothing_is_none`` (a source of a chain), a command that succeeds and prints nothing has nothing: None."""
    from uvauth import children

    shown = argv[0]
    try:
        done = children.run(argv, env=env, timeout=timeout)  # in a process group of its own, ended with uvauth
    except FileNotFoundError:
        raise UvauthError(f"credentials entry {entry}: command {shown!r} not found",
                          hint="install it, or put it on PATH") from None
    except PermissionError:
        raise UvauthError(f"credentials entry {entry}: command {shown!r} is not executable") from None
    except subprocess.TimeoutExpired:
        raise UvauthError(f"credentials entry {entry}: command {shown!r} did not finish within {timeout:g} s",
                          hint="raise the entry's timeout, or check that it does not wait for input") from None
    if done.returncode != 0:
        stderr = _text(done.stderr)
        summary = summarize_stderr(stderr)
        raise UvauthError(f"credentials entry {entry}: command {shown!r} exited with code {done.returncode}"
                          + (f": {summary}" if summary else " (nothing on stderr)"),
                          hint=failure_hint(argv[0], stderr) or _more_hint(stderr))
    if nothing_is_none and not _text(done.stdout).strip():
        return None
    return parse_output(_text(done.stdout), entry)


def _text(output: bytes) -> str:
    """What text-mode ``subprocess`` would have read: undecodable bytes replaced, universal newlines."""
    return output.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


# What the CLIs the presets run print when they fail, as recorded from the real ones (docs/credentials.md, "Checked
# against the real CLIs"): botocore's "\nAn error occurred (Code) when calling the Op operation: message", argparse's
# usage block ending in "aws: error: …", gcloud's "ERROR: (gcloud.…) …" followed by advice, az's "ERROR: …" (after
# an unexpected failure: a lead-in "ERROR: … Here is the traceback:", the real one, then a whole traceback).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_ERROR_WORD = re.compile(r"(?<![A-Za-z])(?:error|Error|ERROR)(?![a-z])|[A-Za-z](?:Error|Exception):")
_USAGE = re.compile(r"(?i)^(?:usage:|to see help text|examples?:)|--help\b|^\S+ (?:\S+ )*help$")
_SUMMARY_LENGTH = 300


def summarize_stderr(text: str) -> str:
    """One line for an error message from what a failed command printed on stderr: the line that carries the
    error (the first naming an error that is not a mere lead-in ending in ``:``; else the last line that is not
    usage or help text), colour codes stripped, redacted, cut to a sane length, and ``(N more lines on stderr)``
    when other lines were dropped. Empty when stderr held nothing but blanks."""
    lines = _lines(text)
    if not lines:
        return ""
    errors = [line for line in lines if _ERROR_WORD.search(line)]
    chosen = next((line for line in errors if not line.endswith(":")), None)
    if chosen is None:
        plain = [line for line in lines if not _USAGE.search(line)]
        chosen = errors[0] if errors else (plain or lines)[-1]
    summary = redact(chosen)  # before cutting: a cut URL would no longer look like one, and keep its password
    if len(summary) > _SUMMARY_LENGTH:
        summary = summary[:_SUMMARY_LENGTH - 1].rstrip() + "…"
    dropped = len(lines) - 1
    if dropped:
        summary += f" ({dropped} more line{'s' if dropped > 1 else ''} on stderr)"
    return summary


# (program, what its stderr says, what to do): the failures of the presets' CLIs that one action fixes.
_HINTS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("aws", re.compile(r"ExpiredToken|Token has expired|token .*expired|SSO session .*(?:expired|invalid)", re.I),
     "your AWS credentials have expired: refresh them (`aws sso login`, or new keys or session token in the "
     "environment) and run again"),
    ("aws", re.compile(r"Unable to locate credentials|NoCredentialsError|UnrecognizedClient|InvalidClientTokenId"
                       r"|SignatureDoesNotMatch"),
     "aws found no valid credentials: run `aws configure` or `aws sso login`, or set AWS_PROFILE or "
     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
    ("aws", re.compile(r"AccessDenied|not authorized to perform"),
     "check that the IAM policy allows codeartifact:GetAuthorizationToken on the domain and "
     "sts:GetServiceBearerToken, and that the domain and its owner are right"),
    ("aws", re.compile(r"Throttling|Rate exceeded|TooManyRequests"),
     "CodeArtifact throttled the request: retry later (or raise AWS_MAX_ATTEMPTS)"),
    ("aws", re.compile(r"Could not connect to the endpoint URL|Connect timeout on endpoint URL"),
     "aws could not reach the service: check the network, the region and any AWS_ENDPOINT_URL* setting"),
    ("gcloud", re.compile(r"gcloud auth login|does not have any valid credentials|active account|[Rr]eauthenticat"),
     "run `gcloud auth login` (or `gcloud auth activate-service-account` for a service account); "
     "application default credentials are `gcloud auth application-default login`"),
    ("az", re.compile(r"HTTPSConnectionPool|Failed to resolve|Max retries exceeded|ConnectionError"),
     "az could not reach Microsoft Entra ID (login.microsoftonline.com): check the network and any proxy "
     "(HTTPS_PROXY, REQUESTS_CA_BUNDLE)"),
    ("az", re.compile(r"az login|AADSTS"),
     "run `az login` (in CI, `az login --service-principal` or `az login --identity`)"),
)


def _lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, colour codes gone, other control characters made spaces, stripped."""
    lines = ("".join(ch if ch.isprintable() else " " for ch in line).strip()
             for line in _ANSI.sub("", text).splitlines())
    return [line for line in lines if line]


def _more_hint(stderr: str) -> str | None:
    """Where lines were dropped and no better hint is known: how to see them."""
    return "run the command yourself to see all it printed on stderr" if len(_lines(stderr)) > 1 else None


def failure_hint(program: str, stderr: str) -> str | None:
    """What to do about a failure of ``program`` (a preset's CLI, by its file name) that its stderr names."""
    import os

    name = os.path.basename(program).lower()
    name = name.removesuffix(".exe").removesuffix(".cmd")
    text = _ANSI.sub("", stderr)
    return next((hint for cli, pattern, hint in _HINTS if cli == name and pattern.search(text)), None)
