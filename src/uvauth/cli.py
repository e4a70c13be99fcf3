"""The ``uvauth`` command: uv's command line in, the real uv out.

``uvauth ARGS…`` runs ``uv ARGS…`` — reconciled so that configured authentication policies hold — and
``uvauth uvauth COMMAND`` runs uvauth's own commands. That reserved first word can never be a uv command or
option (uv has no reason to name a subcommand after this project), so uvauth's commands never shadow uv's, and
under ``alias uv=uvauth`` they are ``uv uvauth explain …``.
"""

import os
import sys

from uvauth import fastpath, launch

# Every uv call passes through here: only what the pass-through decision needs is imported at the top. The
# modules on that path quote the annotations that name what only type checkers import, rather than use
# `from __future__ import annotations`, whose import of __future__ would cost every uv call some 70 µs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Final

    from uvauth.uv.cmdline import UvCommandLine

OWN_COMMANDS: "Final" = fastpath.OWN_COMMANDS


def _guarded(action: "Callable[[], int]", verbose: int) -> int:
    """:func:`uvauth.boundary.guarded`, the one boundary, with :mod:`uvauth.boundary` imported only when something
    went wrong: a command that goes right (nearly every uv call) does not pay for importing it."""
    try:
        return action()
    except BaseException as problem:  # noqa: BLE001 - handled() re-raises what is not the boundary's to handle
        from uvauth.boundary import handled

        return handled(problem, verbose=verbose)


def report(handoff: "launch.Handoff") -> None:
    """Warnings unless uv's -q (which hides uv's own); with uv's -v one line of what changed; with -vv the whole
    plan (never memoized, so always at hand). Never a secret."""
    verbose, quiet = handoff.verbose, handoff.quiet
    if not (handoff.doubts or (handoff.warnings and not quiet) or (handoff.changes and verbose >= 1)
            or verbose >= 2):
        return  # nothing to print: the redaction rules (and `re`) are not even imported
    from uvauth.uv import envvars
    from uvauth.uv.redact import redact

    for warning in (*handoff.doubts, *(handoff.warnings if not quiet else ())):
        print(f"uvauth: warning: {redact(warning)}", file=sys.stderr)
    if verbose >= 1 and handoff.changes:
        print(f"uvauth: {redact('; '.join(handoff.changes))}", file=sys.stderr)
    planned = handoff.plan
    if verbose >= 2 and planned is not None:
        for index in planned.indexes:
            print(f"uvauth:   {index.role:8} {index.url} ({index.where}) policy={index.policy} [{index.policy_why}]"
                  f" via={index.lever} onto={index.merged_onto or '-'} credentials={index.credential_source or '-'}",
                  file=sys.stderr)
        print(f"uvauth:   argv: {redact(' '.join(planned.argv))}", file=sys.stderr)
        names = sorted([*planned.env, *planned.secrets, *((envvars.UV_CREDENTIALS_DIR,) if planned.bearer else ())])
        print(f"uvauth:   environment set: {', '.join(names) or '-'}", file=sys.stderr)


def _hand_over(handoff: "launch.Handoff") -> int:
    report(handoff)
    return launch.exec_uv(handoff.uv, handoff.argv, handoff.env)


def _prepared(cmdline: "UvCommandLine", env: "Mapping[str, str]") -> "launch.Handoff":
    """uv as typed where uvauth has nothing to change (the fast path's rule, without importing the pipeline);
    otherwise the pipeline's plan, stored for the fast path to reuse."""
    handoff = fastpath.passed_through(cmdline, env)
    if handoff is None:
        from uvauth.pipeline import prepare

        handoff = prepare(cmdline, env)
    return handoff


def run(args: "Sequence[str]", env: "Mapping[str, str] | None" = None) -> int:
    """Run uv for a uv command line (without the program name): reuse a memoized plan, or plan; report; exec."""
    env = dict(os.environ) if env is None else dict(env)
    args = list(args)
    try:
        recalled = fastpath.recalled(args, env)
    except KeyboardInterrupt:
        return 130  # as the boundary maps it (uvauth.boundary.handled)
    if recalled is not None:
        return _guarded(lambda: _hand_over(recalled), recalled.verbose)
    from uvauth.uv import cmdline as uvcli  # only now: a reused plan needs no parsing

    cmdline = uvcli.parse(args)
    return _guarded(lambda: _hand_over(_prepared(cmdline, env)), cmdline.count("--verbose"))


def _no_garbage_collection() -> None:
    """For the console scripts only (a process of their own that becomes uv within milliseconds): the cyclic
    garbage collector finds next to nothing in that time, yet its passes over every object the imports create
    cost several milliseconds of uvauth's start-up."""
    import gc

    gc.disable()


def main(argv: "Sequence[str] | None" = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    at = fastpath.own_command_at(args)
    if at == 0:
        if len(args) == 3 and args[1] == "completion":
            # Run by shells at every start: a saved script is printed without typer (uvauth.completion.cached).
            from uvauth.completion import cached

            text = cached.load(args[2], os.environ)
            if text is not None:
                sys.stdout.write(text)
                return 0
        from uvauth.commands.app import run_own_command  # the only import of typer, for uvauth's own words

        return run_own_command(args[1:])
    if at is not None:
        from uvauth.commands.app import run_with_uv_globals

        return run_with_uv_globals(args[:at], args[at + 1:])
    if argv is None:
        _no_garbage_collection()
    return run(args)


def main_uvx() -> int:
    """``uvauthx``: uvauth's ``uvx`` (the real ``uvx`` runs ``uv tool uvx``)."""
    _no_garbage_collection()
    return run(["tool", "uvx", *sys.argv[1:]])
