"""Memoized plans: a uv command uvauth has planned before, in the same situation, reuses that plan.

For one project a plan is the same on every run, yet computing it imports ``pathlib``, ``tomllib``, ``typing``
and uvauth's planning modules on every uv call. So the first run in a situation plans as usual and records what
the plan depended on; later runs check that record with a few ``stat`` calls and one small read, and reuse it.

**The situation** (the entry's key, compared exactly): uvauth's version and code (:func:`uvauth.cache.code_stamp`:
so no format number), its launcher and interpreter, the whole argv, the working directory, and the uv binary
chosen (path and :func:`uvauth.observed.stamp`). The entry is found by the working directory and argv alone,
before uvauth parses anything (:func:`entry_path`).

**What it depended on** (checked on every reuse):

* every environment variable planning read, by a digest of its value, never the value
  (:class:`uvauth.observed.RecordingEnv` records them; a variable that was absent must still be absent) — and
  if planning listed the environment, the set of all names;
* every file planning read or looked for and did not find, with its stamp (:mod:`uvauth.observed`): the
  configuration discovery walk, nested requirements files, settings files, netrc, uv's credential store, the
  candidates for uv, approvals of project credentials commands, and the generated configuration the plan points
  uv at.

**Tokens from ``[[credentials]]`` entries** are the one secret a memoized plan may hand uv: the entry keeps the
path of each token's private cache file (:mod:`uvauth.providers.tokencache`) and the variables it goes into, never
the token; reuse reads the token again and is a miss once it is no longer fresh (the plan then mints a new one).
A Bearer token's private credential store (:mod:`uvauth.bearer`) is kept as its directory, handed as
``UV_CREDENTIALS_DIR``: reuse is a miss once the store is gone or its tokens are no longer fresh.

**What is never memoized:** a plan that hands uv any other secret (seeded credentials are looked up on every
run); a plan that asked the keyring (its answer has no stamp); a command line and environment near ``ARG_MAX``;
a plan or situation with ``@`` in any text it would store (a URL's userinfo); a plan that read a file
modified in the last second (a second change within the file system's timestamp granularity could go unseen, as
git's "racy" index entries) — uvauth's own generated configuration excepted, which is written whole and never
edited. Such runs plan afresh every time, as before.

**Where:** ``plans/`` in uvauth's private cache directory; one file per situation (a digest of the key), 0600,
written atomically (concurrent ``make -j`` runs each write a whole file or none), at most :data:`MAX_ENTRIES`
(the oldest removed first). A file that cannot be read, parsed or trusted is a miss, never an error.
"""

import marshal
import os

from uvauth import observed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Final

    from uvauth.launch import Handoff
    from uvauth.observed import RecordingEnv

MAX_ENTRIES: "Final" = 256
_RACY_NS: "Final" = 1_000_000_000


def _digest(name: str, value: str) -> str:
    """What an entry keeps of a variable's value: a digest, never the value. A plan may depend on any variable it
    read (a username, ``UV_CREDENTIALS_DIR``, a ``${VAR}`` in a requirements file), and any of them may hold a
    secret, so each is compared exactly and none is stored. (FNV, :func:`uvauth.cache.short_key`: a handful of
    short values per run, where importing a hash module would cost more than the whole lookup; like any fast
    digest it would not stop a brute force of a weak password by whoever can read uvauth's private cache, who
    can read the netrc beside it anyway.)"""
    from uvauth.cache import short_key

    return short_key(f"{name}\0{value}")


def situation(args: "Sequence[str]", cwd: str, uv: str) -> str:
    """The key of an entry: everything that selects it, as one string (compared exactly on recall)."""
    from uvauth.cache import code_stamp

    # Which uv find_uv chose depends on uvauth's own path (it never picks itself) and on the interpreter (the uv
    # installed beside it); its other inputs (PATH, UVAUTH_UV, the user's settings file, each candidate looked at)
    # are recorded as variables and files like planning's.
    import sys

    launcher = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    parts = [code_stamp(), launcher, sys.executable, cwd, uv, repr(observed.stamp(uv)), *args]
    return "\0".join(parts)


def entry_path(directory: str, args: "Sequence[str]", cwd: str) -> str:
    """:func:`uvauth.cache.plan_file`: found before uvauth has parsed its command line or found uv (the entry
    holds its whole key, compared on recall)."""
    from uvauth.cache import plan_file

    return plan_file(directory, args, cwd)


def _situation_args(args: "Sequence[str]", env: "Mapping[str, str]") -> list[str]:
    """argv, and the environment form of ``[[credentials]]`` (found by listing names: from the raw environment,
    so that planning itself never lists the recorded one), its values as digests."""
    from uvauth.uv import envvars

    return [*args, *(f"\0{k}={_digest(k, v)}" for k, v in sorted(envvars.credential_variables(env).items()))]


def _roomy(env: "Mapping[str, str]", args: "Sequence[str]") -> bool:
    """Are the command line and environment far below the system's limit on them (``ARG_MAX``)? A plan made
    near it may differ with the environment's size (uvauth keeps argv as typed where its changes would not
    fit), and the size is the one thing about every variable that a plan may depend on: so near the limit no
    plan is stored or reused. (Characters, at an eighth of the limit: bytes of any encoding fit.)"""
    from uvauth.launch import arg_max

    limit = arg_max()
    size = sum(len(name) + len(value) + 10 for name, value in env.items()) + sum(len(arg) + 9 for arg in args)
    return size * 8 <= limit


def recall(directory: str, args: "Sequence[str]", cwd: str, env: "Mapping[str, str]") -> "Handoff | None":
    """What the memoized plan for this command line (``args``, without the program name) in ``cwd`` hands uv
    (``env`` with the plan's additions), if there is one and everything it depended on is as it was — the uv it
    runs included."""
    try:
        with open(entry_path(directory, args, cwd), "rb") as handle:
            entry = marshal.loads(handle.read())
        stored_key, uv, variables, names, files, outcome = entry
        if stored_key != situation(_situation_args(args, env), cwd, uv) or not _roomy(env, args):
            return None
        for name, digest in variables:
            current = env.get(name)
            if (None if current is None else _digest(name, current)) != digest:
                return None
        if names is not None and tuple(sorted(env)) != names:
            return None
        for path, stamp in files:
            if observed.stamp(path) != stamp:
                return None
        argv, additions, doubts, warnings, changes, tokens, verbose, quiet = outcome
        if not (type(uv) is str and _texts(argv) and _texts(doubts) and _texts(warnings) and _texts(changes)
                and all(len(pair) == 2 and _texts(pair) for pair in additions)
                and all(len(slot) == 3 and _texts(slot) for slot in tokens)
                and type(verbose) is int and type(quiet) is int):
            return None  # not what store() writes (a damaged or foreign file): a miss, never a bad exec
        handed = dict(additions)
        if tokens:
            import time

            from uvauth.providers import tokencache  # only for a plan that hands uv a provider's token

            now = time.time()
            for username_var, password_var, file in tokens:
                if not password_var:  # uvauth's private credential store of Bearer tokens (uvauth.bearer)
                    if not tokencache.store_fresh(file, now):
                        return None  # stale or removed: plan again, which writes a new one
                    handed[username_var] = file
                    continue
                record = tokencache.read_path(file, now)
                if record is None:
                    return None  # no longer fresh (or forgotten): plan again, which mints a new one
                handed[username_var] = record.get("username") or ""
                handed[password_var] = record["password"]
        from uvauth.launch import Handoff

        return Handoff(uv=uv, argv=argv, env={**env, **handed}, doubts=doubts, warnings=warnings, changes=changes,
                       tokens=tokens, verbose=verbose, quiet=quiet)
    except (OSError, EOFError, ValueError, TypeError):  # absent, unreadable, truncated, another format
        return None


def _texts(values: object) -> bool:
    """Is it a list or tuple of strings without NUL bytes (each of them may become an exec argument)?"""
    return isinstance(values, list | tuple) and all(type(value) is str and "\0" not in value for value in values)


def store(directory: str, args: "Sequence[str]", cwd: str, env: "Mapping[str, str]", recorded: "RecordingEnv",
          outcome: "Handoff") -> bool:
    """Memoize what a plan hands uv for this command line in ``cwd`` (unless it may not be: see the module
    docstring): the environment's additions to ``env``, except the provider tokens, which recall reads again
    from their cache files; the files it depended on are those ``recorded`` (planning's reader) noted. Best effort:
    a cache that cannot be written is no reason for the uv command to fail. Returns whether it was stored."""
    files = recorded.files
    if outcome.tokens is None:
        return False  # a secret other than a cached provider token: looked up again on every run
    reread = {name for slot in outcome.tokens for name in slot[:2]}
    additions = {name: value for name, value in outcome.env.items() if env.get(name) != value and name not in reread}
    key = situation(_situation_args(args, env), cwd, outcome.uv)
    texts = [key, *outcome.argv, *additions.values(), *outcome.doubts, *outcome.warnings, *outcome.changes]
    variables = [(name, None if value is None else _digest(name, value))
                 for name, value in sorted(recorded.read.items())]
    texts += files  # a path may be spelled from a variable, too
    if any("@" in text for text in texts) or not _roomy(env, args) or observed.VOLATILE in files:
        return False
    racy_after = _now_ns() - _RACY_NS
    own = os.path.join(directory, "")  # uvauth's own files (the generated config) are written whole, never edited
    if any(stamp is not None and max(stamp[3], stamp[4]) > racy_after and not path.startswith(own)
           for path, stamp in files.items()):
        return False
    names = tuple(sorted(recorded._env)) if recorded.listed else None
    entry = (key, outcome.uv, tuple(variables), names, tuple(sorted(files.items())),
             (tuple(outcome.argv), tuple(sorted(additions.items())), outcome.doubts, outcome.warnings,
              outcome.changes, outcome.tokens, outcome.verbose, outcome.quiet))
    from uvauth.cache import private_dir, remember
    from uvauth.errors import UvauthError

    path = entry_path(directory, args, cwd)
    plans = os.path.dirname(path)
    try:
        private_dir(plans, "the memoized plans' directory")
        _bound(plans)
    except (OSError, UvauthError):
        return False
    remember(plans, os.path.basename(path), marshal.dumps(entry))
    return True


def _now_ns() -> int:
    """The clock the racy window is measured on (a test may store a plan as if later than its files were
    written: the window itself stays in force)."""
    import time

    return time.time_ns()


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
