"""Memoized plans: a uv command uvauth has planned before, in the same situation, reuses that plan.

For one project a plan is the same on every run, yet computing it imports ``pathlib``, ``tomllib``, ``typing``
and uvauth's planning modules on every uv call. So the first run in a situation plans as usual and records what
the plan depended on; later runs check that record with a few ``stat`` calls and one small read, and reuse it.

**The situation** (the entry's key, compared exactly): uvauth's version and install, the whole argv, the working
directory, and the uv binary chosen (path and :func:`uvauth.observed.stamp`).

**What it depended on** (checked on every reuse):

* every environment variable planning read, with its value (:class:`uvauth.observed.RecordingEnv` records
  them; a variable that was absent must still be absent) — and if planning listed the environment, the set of
  all names;
* every file planning read or looked for and did not find, with its stamp (:mod:`uvauth.observed`): the
  configuration discovery walk, nested requirements files, settings files, netrc, uv's credential store, and the
  generated configuration the plan points uv at.

**Tokens from ``[[credentials]]`` entries** are the one secret a memoized plan may hand uv: the entry keeps the
path of each token's private cache file (:mod:`uvauth.providers.tokencache`) and the variables it goes into, never
the token; reuse reads the token again and is a miss once it is no longer fresh (the plan then mints a new one).

**What is never memoized:** a plan that hands uv any other secret (seeded credentials are looked up on every
run); a plan or situation with ``@`` in any text it would store (a URL's userinfo); a plan that read a file
modified in the last second (a second change within the file system's timestamp granularity could go unseen, as
git's "racy" index entries) — uvauth's own generated configuration excepted, which is written whole and never
edited. Such runs plan afresh every time, as before.

**Where:** ``plans/`` in uvauth's private cache directory; one file per situation (a digest of the key), 0600,
written atomically (concurrent ``make -j`` runs each write a whole file or none), at most :data:`MAX_ENTRIES`
(the oldest removed first). A file that cannot be read, parsed or trusted is a miss, never an error.
"""

from __future__ import annotations

import marshal
import os

from uvauth import observed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Final

    from uvauth.observed import RecordingEnv, Stamp

FORMAT: Final = 3  # 2: tokens; 3: found by command line, the uv inside
MAX_ENTRIES: Final = 256
_RACY_NS: Final = 1_000_000_000
# Variables whose values are (or may be) secrets: an entry records only whether they were set. A username
# counts (some services take a token as the username); no plan that is stored depends on these values, only on
# whether they are set (a plan that hands uv credentials is not stored at all, but for provider tokens, which
# it reads again from their cache files).
_SECRET_MARKERS: Final = ("PASSWORD", "TOKEN", "SECRET", "USERNAME", "CREDENTIAL")


def _is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(marker in upper for marker in _SECRET_MARKERS)


class Recalled:
    """A memoized plan's outcome: the argv and the environment additions to hand uv, and the (redacted) lines
    to report."""

    __slots__ = ("uv", "argv", "env", "doubts", "warnings", "changes", "tokens", "verbose", "quiet")

    def __init__(self, *, uv: str, argv: Sequence[str], env: Mapping[str, str], doubts: Sequence[str],
                 warnings: Sequence[str], changes: Sequence[str],
                 tokens: Sequence[tuple[str, str, str]] = (), verbose: int = 0, quiet: int = 0) -> None:
        self.uv = uv  # the real uv the plan was made for (its path and stamp are part of the situation)
        self.argv = list(argv)
        self.env = dict(env)  # on recall: with the tokens read again
        self.doubts = tuple(doubts)
        self.warnings = tuple(warnings)
        self.changes = tuple(changes)
        # (USERNAME variable, PASSWORD variable, token cache file) of each provider token handed to uv
        self.tokens = tuple(tokens)
        self.verbose = verbose  # uv's -v and -q on the command line: what the report shows
        self.quiet = quiet


def situation(args: Sequence[str], cwd: str, uv: str) -> str:
    """The key of an entry: everything that selects it, as one string (compared exactly on recall)."""
    from uvauth import __version__

    here = os.path.dirname(__file__)
    # An editable install changes code without changing the version: the stamps of the modules that decide.
    code = [observed.stamp(os.path.join(here, name)) for name in ("plan.py", "pipeline.py", "memo.py")]
    # Which uv find_uv chose depends on uvauth's own path (it never picks itself) and on the interpreter (the uv
    # installed beside it); its other inputs (PATH, UVAUTH_UV, the user's settings file, each candidate looked at)
    # are recorded as variables and files like planning's.
    import sys

    launcher = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    parts = [str(FORMAT), __version__, repr(code), launcher, sys.executable, cwd, uv, repr(observed.stamp(uv)), *args]
    return "\0".join(parts)


def entry_name(args: Sequence[str], cwd: str) -> str:
    """The name of the entry for a command line in a directory: found before uvauth has parsed its command line or
    found uv (:func:`uvauth.cache.short_key`; the entry holds its whole key, compared on recall)."""
    from uvauth.cache import short_key

    return short_key("\0".join([cwd, *args]))


def entry_path(directory: str, args: Sequence[str], cwd: str) -> str:
    return os.path.join(directory, "plans", entry_name(args, cwd))


def _situation_args(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """argv, and the environment form of ``[[credentials]]`` (found by listing names: from the raw environment,
    so that planning itself never lists the recorded one)."""
    from uvauth.uv import envvars

    return [*args, *(f"\0{k}={v}" for k, v in sorted(envvars.credential_variables(env).items()))]


def _roomy(env: Mapping[str, str]) -> bool:
    """Is the environment far below the system's limit on a command line and environment (``ARG_MAX``)? A plan
    made near it may differ with the environment's size (uvauth keeps argv as typed where its changes would not
    fit), and the size is the one thing about every variable that a plan may depend on: so near the limit no
    plan is stored or reused. (Characters, at an eighth of the limit: bytes of any encoding fit.)"""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (AttributeError, ValueError, OSError):
        return False
    return sum(len(name) + len(value) + 10 for name, value in env.items()) * 8 <= limit


def recall(directory: str, args: Sequence[str], cwd: str, env: Mapping[str, str]) -> Recalled | None:
    """The memoized plan for this command line (``args``, without the program name) in ``cwd``, if there is one
    and everything it depended on is as it was — the uv it runs included."""
    try:
        with open(entry_path(directory, args, cwd), "rb") as handle:
            entry = marshal.loads(handle.read())
        version, stored_key, uv, variables, names, files, outcome = entry
        if version != FORMAT or stored_key != situation(_situation_args(args, env), cwd, uv) or not _roomy(env):
            return None
        for name, secret, value in variables:
            current = env.get(name)
            if (current is not None if secret else current) != value:
                return None
        if names is not None and tuple(sorted(env)) != names:
            return None
        for path, stamp in files:
            if observed.stamp(path) != stamp:
                return None
        argv, additions, doubts, warnings, changes, tokens, verbose, quiet = outcome
        handed = dict(additions)
        if tokens:
            import time

            from uvauth.providers import tokencache  # only for a plan that hands uv a provider's token

            now = time.time()
            for username_var, password_var, file in tokens:
                record = tokencache.read_path(file, now)
                if record is None:
                    return None  # no longer fresh (or forgotten): plan again, which mints a new one
                handed[username_var] = record.get("username") or ""
                handed[password_var] = record["password"]
        return Recalled(uv=uv, argv=argv, env=handed, doubts=doubts, warnings=warnings, changes=changes,
                        tokens=tokens, verbose=verbose, quiet=quiet)
    except (OSError, EOFError, ValueError, TypeError):  # absent, unreadable, truncated, another format
        return None


def store(directory: str, args: Sequence[str], cwd: str, env: Mapping[str, str], recorded: RecordingEnv,
          files: Mapping[str, Stamp], outcome: Recalled) -> bool:
    """Memoize a plan's outcome for this command line in ``cwd`` (unless it may not be: see the module
    docstring). Best effort: a cache that cannot be written is no reason for the uv command to fail. Returns
    whether it was stored."""
    key = situation(_situation_args(args, env), cwd, outcome.uv)
    texts = [key, *outcome.argv, *outcome.env.values(), *outcome.doubts, *outcome.warnings, *outcome.changes]
    variables = []
    for name, value in sorted(recorded.read.items()):
        secret = _is_secret_name(name)
        if not secret and value is not None:
            texts.append(value)
        variables.append((name, secret, (value is not None) if secret else value))
    if any("@" in text for text in texts) or not _roomy(env):
        return False
    import time

    racy_after = time.time_ns() - _RACY_NS
    own = os.path.join(directory, "")  # uvauth's own files (the generated config) are written whole, never edited
    if any(stamp is not None and max(stamp[3], stamp[4]) > racy_after and not path.startswith(own)
           for path, stamp in files.items()):
        return False
    names = tuple(sorted(recorded._env)) if recorded.listed else None
    entry = (FORMAT, key, outcome.uv, tuple(variables), names, tuple(sorted(files.items())),
             (tuple(outcome.argv), tuple(sorted(outcome.env.items())), outcome.doubts, outcome.warnings,
              outcome.changes, outcome.tokens, outcome.verbose, outcome.quiet))
    from uvauth.cache import remember

    path = entry_path(directory, args, cwd)
    plans = os.path.dirname(path)
    try:
        os.makedirs(plans, mode=0o700, exist_ok=True)
        _bound(plans)
    except OSError:
        return False
    remember(plans, os.path.basename(path), marshal.dumps(entry))
    return True


def _bound(plans: str) -> None:
    """Keep at most MAX_ENTRIES - 1 entries before a new one is written: the least recently written go."""
    names = [name for name in os.listdir(plans) if not name.startswith(".")]
    if len(names) < MAX_ENTRIES:
        return
    aged = []
    for name in names:
        try:
            aged.append((os.stat(os.path.join(plans, name)).st_mtime_ns, name))
        except OSError:
            continue
    for _, name in sorted(aged)[: len(aged) - MAX_ENTRIES + 1]:
        try:  # noqa: SIM105 - another run may have removed it first
            os.unlink(os.path.join(plans, name))
        except OSError:
            pass
