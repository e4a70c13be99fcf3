"""The way every uv call starts, with ``os`` only: a memoized plan for exactly this command line is reused
(:func:`recalled`, before anything is parsed), or a command uvauth has nothing to change for runs as typed
(:func:`passed_through`). The console scripts and :func:`uvauth.pipeline.prepare` both ask these two, so the
shortcut and the planner can never disagree on when uv runs unchanged.
"""

import os

from uvauth import launch
from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Final

    from uvauth.uv.cmdline import UvCommandLine

#: The reserved word of uvauth's own commands (`uvauth uvauth doctor`, `uv uvauth doctor` under the alias).
OWN_COMMANDS: "Final" = "uvauth"


def own_command_at(args: "Sequence[str]") -> "int | None":
    """Where uvauth's reserved word stands as the subcommand of a uv command line (``uvauth doctor``, or ``--color
    never uvauth doctor``: uv's global options before it, where uv would say "unrecognized subcommand
    'uvauth'"), else None (``pip install uvauth`` installs it)."""
    if list(args[:1]) == [OWN_COMMANDS]:
        return 0
    if OWN_COMMANDS not in args:
        return None
    from uvauth.uv import cmdline as uvcli

    cmdline = uvcli.parse(list(args))
    if not cmdline.command and cmdline.positionals and cmdline.positionals[0][1] == OWN_COMMANDS:
        return cmdline.positionals[0][0]
    return None


def recalled(args: "Sequence[str]", env: "Mapping[str, str]") -> "launch.Handoff | None":
    """The memoized plan for exactly this command line in this directory (:mod:`uvauth.memo`), looked up before
    the command line is parsed or uv is found: a reused plan needs neither. The entry's file is named by the
    command line; only when there is one is the memo itself imported. A memo that cannot be used (an unreadable
    or foreign cache, a gone working directory) is a miss, never the reason a command fails; Ctrl-C is Ctrl-C."""
    try:
        from uvauth import cache

        location = cache.cache_location(env)
        if location is None:
            return None
        cwd = os.getcwd()
        if not os.path.isfile(cache.plan_file(location, args, cwd)):
            return None  # the usual pass-through: one stat
        from uvauth import memo

        # cache_path refuses a cache directory that is not the user's own and private: a miss too.
        return memo.recall(cache.cache_path(env), args, cwd, env)
    except Exception:  # noqa: BLE001 - see the docstring
        return None


def checked_authenticate(cmdline: "UvCommandLine", env: "Mapping[str, str]") -> str | None:
    """The policy ``--authenticate`` forces (the last one given), after checking every spelling of it and
    ``UVAUTH_AUTHENTICATE`` — on every command, pass-through included, as clap checks uv's own options: a
    mistyped policy must never quietly leave uv's default in force."""
    variable = env.get(envvars.UVAUTH_AUTHENTICATE)
    if not cmdline.uvauth_options and not variable:
        return None  # nothing to check (most commands): the policy names are not even imported
    from uvauth.errors import UvauthError
    from uvauth.uv.auth_policy import POLICIES

    allowed = ", ".join(POLICIES)
    for option in cmdline.uvauth_options:
        if option.value is None:
            raise UvauthError("a value is required for '--authenticate <POLICY>' but none was supplied",
                              hint=f"use one of {allowed}")
        if option.value not in POLICIES:
            raise UvauthError(f"invalid value {option.value!r} for '--authenticate <POLICY>'",
                              hint=f"use one of {allowed}")
    if variable and variable not in POLICIES:
        raise UvauthError(f"invalid value {variable!r}", where=envvars.UVAUTH_AUTHENTICATE,
                          hint=f"use one of {allowed}")
    return cmdline.uvauth_options[-1].value if cmdline.uvauth_options else None


def unchanged(cmdline: "UvCommandLine", env: "Mapping[str, str]", doubts: "Sequence[str]" = ()) -> "launch.Handoff":
    """uv runs as typed (without uvauth's own options): nothing to change, or nothing uvauth can change (said in
    ``doubts``)."""
    return launch.Handoff(uv=launch.real_uv(env), argv=cmdline.without_uvauth_options(), env=env, doubts=doubts,
                          verbose=cmdline.count("--verbose"), quiet=cmdline.count("--quiet"))


def passed_through(cmdline: "UvCommandLine", env: "Mapping[str, str]") -> "launch.Handoff | None":
    """uv as typed for a command that takes no index option (``uv --version``, ``uv cache dir``): there is no
    request whose authentication uvauth could change. A policy given for it is still checked (and an invalid
    one refused). None when planning may be due."""
    checked_authenticate(cmdline, env)
    return None if cmdline.takes_index_options() else unchanged(cmdline, env)
