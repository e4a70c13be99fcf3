"""uvauth's own commands, reached as ``uvauth uvauth COMMAND`` (``uv uvauth COMMAND`` under ``alias uv=uvauth``).

This package (``commands/``) is the only one that imports typer (and, through it, rich); it is imported only for
these commands, never on the path that runs uv. Each command is one module's ``run`` (``commands/explain.py``,
``doctor.py``, ``completion.py``), run behind :func:`uvauth.boundary.guarded`, the one boundary that prints
``uvauth: error: …``. Usage errors take the same shape — one line, exit 2 — never typer's boxed panels.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Final

import typer
import typer.core
import typer.main

from uvauth import __version__
from uvauth.boundary import guarded, report_error
from uvauth.errors import USAGE_EXIT, UvauthError
from uvauth.uv import envvars

#: What uvauth adds to every uv command, which no `--help` of uv's can show (`\b`: click keeps the lines as typed).
_GLOBAL_HELP: Final = """\b
uvauth's own option, anywhere in a uv command line (never passed to uv):
  --authenticate always|auto|never
                   the policy of every index the command contacts,
                   over even a configured `authenticate`
\b
uvauth's variables:
  UVAUTH_AUTHENTICATE           the policy of every index that sets none
  UVAUTH_AUTHENTICATE_PREFIXES  URL prefixes sent credentials up front
  UVAUTH_CREDENTIALS_<NAME>_*   where an index's token comes from
  UVAUTH_TRUST=1                approve the project's credentials commands
  UVAUTH_REFRESH_MARGIN         how long a cached token must still live
  UVAUTH_UV                     the real uv to run
  UVAUTH_COLOR                  auto, always or never, as --color
\b
Settings files: a project's uvauth.toml (or [tool.uvauth]), and
~/.config/uvauth/uvauth.toml. `uvauth uvauth explain UV-ARGS` shows
what uvauth does for a uv command."""

app = typer.Typer(
    name="uvauth uvauth",
    help="uvauth's own commands. Anything else given to uvauth runs uv.",
    epilog=_GLOBAL_HELP,
    add_completion=False,  # completions come from `uvauth uvauth completion`, built on uv's own
    rich_markup_mode=None,  # plain help: no panels, no rich highlighting, value names instead of Python types
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
# Everything after the command name is a uv command line: never parse it as our options.
_PASS_THROUGH: Final = {"allow_interspersed_args": False, "ignore_unknown_options": True, "allow_extra_args": True}
# The value of --color for uvauth's own output (`uv --color never uvauth …`, or `uvauth uvauth --color …`).
_COLOR_CHOICES: Final = ("auto", "always", "never")


def _colour() -> bool | None:
    chosen = os.environ.get(envvars.UVAUTH_COLOR)
    return None if chosen not in ("always", "never") else chosen == "always"


def _version(value: bool) -> None:
    if value:
        print(f"uvauth {__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def main(
    context: typer.Context,
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print uvauth's version and exit.")] = False,
    color: Annotated[str | None, typer.Option("--color", metavar="auto|always|never", show_default=False,
                                              help="Colour uvauth's own output: auto (on a terminal, unless "
                                                   "NO_COLOR is set), always or never.")] = None,
) -> None:
    """uvauth's own commands. Anything else given to uvauth runs uv."""
    if color is not None:
        if color not in _COLOR_CHOICES:
            raise typer.BadParameter(f"'{color}' is not one of {', '.join(_COLOR_CHOICES)}", param_hint="'--color'")
        os.environ[envvars.UVAUTH_COLOR] = color
    if context.invoked_subcommand is None:
        # A bare `uv uvauth` shows what it offers and succeeds, as `uv pip` alone shows its commands.
        print(context.get_help())
        raise typer.Exit(0)


def own_options(args: list[str], flags: Sequence[str]) -> tuple[list[str], set[str], bool]:
    """``args`` without the command's own ``flags`` wherever they stand before ``--`` (typer sees them only before
    the first uv word), which were there, and whether the uv command line was given verbatim: a ``--`` before any
    uv word (``explain --json -- …``) is explain's own and is dropped; a later one is uv's (``run -- python``)."""
    end = args.index("--") if "--" in args else len(args)
    kept = [arg for arg in args[:end] if arg not in flags]
    seen = {arg for arg in args[:end] if arg in flags}
    if end < len(args) and not kept:
        return args[end + 1:], seen, True
    return [*kept, *args[end:]], seen, False


def _unknown_option(args: list[str]) -> str | None:
    """The first option of ``args`` (a uv command line, before any ``--``) that ``uv <command>`` does not take."""
    from uvauth.uv import cmdline as uvcli

    end = args.index("--") if "--" in args else len(args)
    unknown = uvcli.parse(args[:end]).unknown_options()
    return unknown[0].spelling if unknown else None


# The words after `explain` as typed, set by run_own_command (typer alone, as in its test runner, leaves it empty).
_RAW_EXPLAIN_ARGS: list[list[str]] = []


@app.command(context_settings=_PASS_THROUGH,
             short_help="Show what uvauth does for a uv command, without running it.")
def explain(
    context: typer.Context,
    uv_args: Annotated[
        list[str] | None,
        typer.Argument(metavar="COMMAND_LINE", help="The uv command line, as you would type it after `uv`; "
                       "after `--` it is taken verbatim.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the uvauth.explain/1 JSON object.")] = False,
) -> None:
    """Show what uvauth would do for a uv command line, without running uv: each index uv would contact (in
    uv's order), where it came from, the configured index it is merged onto, its policy and why, what plain uv
    would do, where its credentials come from (never the secret), and the exact argv and environment variable
    names handed to uv. Its own options (--json, -h) are recognized anywhere before `--`."""
    from uvauth.commands import explain as explain_command

    # click drops a `--` that comes before any uv word: the words as typed tell explain's own `--` from uv's.
    given = _RAW_EXPLAIN_ARGS[0] if _RAW_EXPLAIN_ARGS else list(uv_args or [])
    args, seen, verbatim = own_options(given, ("--json", "-h", "--help"))
    if "-h" in seen or "--help" in seen or not args:
        # Nothing to explain: `uv uvauth explain` alone shows how to use it, as `uv pip` alone does.
        print(context.get_help())
        raise typer.Exit(0)
    unknown = None if verbatim else _unknown_option(args)
    if unknown is not None:
        raise typer.Exit(report_error(UvauthError(
            f"unexpected option '{unknown}' for explain: neither explain's (--json) nor one of the uv command's",
            hint="to explain it anyway, give the uv command line after `--`: uvauth uvauth explain -- …")))
    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: explain_command.run(args, environ, as_json=as_json or "--json" in seen,
                                                         colour=_colour())))


@app.command()
def version() -> None:
    """Print uvauth's version."""
    print(f"uvauth {__version__}")


@app.command(context_settings=_PASS_THROUGH, short_help="Check each index the project uses, over the network.")
def doctor(
    uv_args: Annotated[
        list[str] | None,
        typer.Argument(metavar="OPTION",
                       help="uv options, as `uv lock` takes them: --project DIR, --directory DIR, --config-file "
                            "FILE, --no-config, --index/--default-index/--index-url/--extra-index-url URL, "
                            "--keyring-provider subprocess, and uvauth's --authenticate POLICY.",
                       show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the uvauth.doctor/1 JSON object.")] = False,
) -> None:
    """Check each index the project uses, over the network: where its credentials come from (never the secret),
    one GET of its root with them and one without, and a verdict naming the problem (ok, bad-credentials,
    no-credentials, forbidden, not-found, open, redirect, unreachable, error). Exit code 0 only when every
    index is ok, 1 otherwise, 2 for a usage error."""
    from uvauth.commands import doctor as doctor_command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: doctor_command.run(list(uv_args or []), environ, as_json=as_json,
                                                        colour=_colour())))


def _credential_actions() -> list[str]:
    """The actions `credentials` takes: a plain string argument (an unknown one is uvauth's usage error), so its
    choices reach the completion scripts through this autocompletion, as `completion`'s shells do."""
    from uvauth.commands.credentials import ACTIONS

    return list(ACTIONS)


@app.command()
def credentials(
    action: Annotated[str, typer.Argument(help="show, forget, trust or token.", show_default=False,
                                          autocompletion=_credential_actions)],
    name: Annotated[str | None, typer.Argument(help="forget: the entry whose cached tokens to drop (default: "
                                                    "every entry's); token: the entry.", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="show: list the cached tokens of entries not in force here "
                                                      "too; forget NAME: the tokens any project cached under "
                                                      "NAME.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                                help="token: write it to FILE (mode 0600) instead of "
                                                     "stdout.")] = None,
) -> None:
    """The [[credentials]] entries in force here. `show`: what each covers, where it was read, how it gets a
    token, whether a project's entry is approved, and until when a cached token stays fresh — never the token.
    `forget [NAME]`: remove cached tokens (NAME: those of the entry in force here), so the next uv command runs
    the entry's command again. `trust`: approve, on this machine, what the project's entries run or read (a
    changed entry needs approval again). `token NAME`: the entry's current token, as a uv command here would use
    it, for another tool (a pipe or --output FILE, never a terminal)."""
    from uvauth.commands import credentials as command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: command.run(action, name, environ, Path.cwd(), every=every, output=output)))


def _helper_protocols() -> list[str]:
    from uvauth.commands.helper import PROTOCOLS

    return list(PROTOCOLS)


def _helper_commands() -> list[str]:
    from uvauth.commands.helper import GIT_OPERATIONS

    return list(GIT_OPERATIONS)


@app.command(short_help="Be another tool's credential helper (Bazel's or git's protocol).")
def helper(
    command: Annotated[str, typer.Argument(metavar="COMMAND", help="get (git also sends store and erase, which are "
                                           "ignored).", show_default=False, autocompletion=_helper_commands)],
    protocol: Annotated[str, typer.Option("--protocol", metavar="bazel|git", show_default=False,
                                          autocompletion=_helper_protocols,
                                          help="The protocol the tool speaks.")],
) -> None:
    """Answer another tool's request for a URL's credentials with what a uv command run here would send there:
    uvauth's [[credentials]] entries (cache, trust and binding included), then uv's own sources. Bazel:
    --credential_helper=HOST=... (a JSON request on stdin). git: credential.helper = "!uvauth uvauth helper
    --protocol git". A URL nothing covers gets the protocol's "nothing"; an entry not approved or a failing
    command is one warning line and "nothing"."""
    from uvauth.commands import helper as helper_command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: helper_command.run(protocol, command, environ, Path.cwd(), sys.stdin.buffer,
                                                        sys.stdout, sys.stderr)))


@app.command(short_help="Store long-lived credentials for a configured index.")
def login(
    index: Annotated[str, typer.Argument(help="The name of a configured [[index]].", show_default=False)],
    username: Annotated[str | None, typer.Option("--username", "-u", help="The username to store.")] = None,
) -> None:
    """Store long-lived credentials for a configured index — for its root URL and its authenticate-prefixes on the
    same host — with uv's own `uv auth login`. The password is read from a no-echo prompt, or from stdin when it
    is not a terminal, and reaches uv on its stdin: never on a command line."""
    from uvauth.commands import credentials as command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: command.login(environ, Path.cwd(), index, username)))


@app.command(short_help="Remove what `login INDEX` stored.")
def logout(
    index: Annotated[str, typer.Argument(help="The name of a configured [[index]].", show_default=False)],
    username: Annotated[str | None, typer.Option("--username", "-u", help="The username to remove.")] = None,
) -> None:
    """Remove what `uvauth uvauth login INDEX` stored (uv's `uv auth logout` for each of its URLs)."""
    from uvauth.commands import credentials as command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: command.logout(environ, Path.cwd(), index, username)))


def _shells() -> list[str]:
    """The shells `completion` takes: its argument is a plain string (an unknown shell is uvauth's usage error, not
    click's), so its choices reach the completion scripts through this autocompletion."""
    from uvauth.completion.retarget import SHELLS

    return list(SHELLS)


@app.command(short_help="Print the completion script for bash, zsh or fish.")
def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.", show_default=False,
                                         autocompletion=_shells)],
) -> None:
    """Print the completion script for a shell: uv's, for uvauth and for `uv` under `alias uv=uvauth`.
    Save it to a file once (and again after upgrading uv) rather than generating it at every shell start:

    bash: ~/.local/share/bash-completion/completions/uvauth. zsh: `_uvauth` in a directory of $fpath.
    fish: ~/.config/fish/completions/uvauth.fish."""
    from uvauth.commands import completion as completion_command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: completion_command.run(shell, environ)))


@app.command(name="help")
def help_(
    context: typer.Context,
    command: Annotated[str | None, typer.Argument(metavar="COMMAND", help="The command to describe.",
                                                  show_default=False)] = None,
) -> None:
    """Show the help of uvauth's own commands, or of one of them."""
    group = context.parent
    assert group is not None
    if command is None:
        print(group.get_help())
        return
    found = build_command().get_command(group, command)
    if found is None:
        raise typer.Exit(report_error(UvauthError(f"no such command '{command}'",
                                                  hint=f"see `{group.command_path} help`")))
    with found.make_context(command, [], parent=group, resilient_parsing=True) as sub:
        print(sub.get_help())


_BUILT: list[typer.core.TyperGroup] = []


def build_command() -> typer.core.TyperGroup:
    """The click group of :data:`app`, built once, with help that shows value names only: typer would add the
    Python type of every argument (``<list[str]>``), which means nothing to the user."""
    if not _BUILT:
        group = typer.main.get_command(app)
        assert isinstance(group, typer.core.TyperGroup)
        for command in group.commands.values():
            for param in command.params:
                if isinstance(param, typer.core.TyperArgument):
                    param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
        _BUILT.append(group)
    return _BUILT[0]


def program_name(argv0: str | None = None) -> str:
    """``uv uvauth`` when uvauth runs as ``uv`` (a symlink or a copy named uv), else ``uvauth uvauth``."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    name = os.path.basename(argv0 or "")
    return "uv uvauth" if name in ("uv", "uv.exe") else "uvauth uvauth"


def run_own_command(args: list[str], *, colour: str | None = None, prog_name: str | None = None) -> int:
    """Run ``uvauth uvauth ARGS``: usage errors are one ``uvauth: error:`` line and exit 2 (uv's code)."""
    from typer._click.exceptions import ClickException, UsageError
    from typer.exceptions import Abort

    if colour is not None:
        os.environ[envvars.UVAUTH_COLOR] = colour  # for the error boundary and the commands' output alike
    prog = prog_name or program_name()
    command = build_command()
    # The first `explain` is the command word (what precedes it can only be group options: --color VALUE, -V).
    _RAW_EXPLAIN_ARGS[:] = [args[args.index("explain") + 1:]] if "explain" in args else []
    try:
        code = command.main(args, prog_name=prog, standalone_mode=False)
    except UsageError as error:
        message = error.format_message().rstrip(".")
        message = message[:1].lower() + message[1:]
        where = error.ctx.command_path if error.ctx is not None else prog
        return report_error(UvauthError(f"{message} (see `{where} --help`)"))
    except ClickException as error:
        return report_error(UvauthError(error.format_message()))
    except Abort:
        return 130
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return int(code or 0) if isinstance(code, int) else 0


_ = USAGE_EXIT  # re-exported meaning: usage errors exit with it (report_error returns it)


def run_with_uv_globals(globals_: list[str], args: list[str]) -> int:
    """``uv GLOBALS uvauth ARGS``: ``--color``/``--no-color`` colour uvauth's own output; the other global
    options are uv options of the command line ``explain`` explains or of the project ``doctor`` checks."""
    colour: str | None = None
    rest: list[str] = []
    i = 0
    while i < len(globals_):
        arg = globals_[i]
        if arg == "--color" and i + 1 < len(globals_):
            colour = globals_[i + 1]
            i += 2
            continue
        if arg.startswith("--color="):
            colour = arg.partition("=")[2]
        elif arg == "--no-color":
            colour = "never"
        else:
            rest.append(arg)
        i += 1
    if colour is not None and colour not in _COLOR_CHOICES:
        return report_error(UvauthError(f"invalid value '{colour}' for '--color <COLOR_CHOICE>'",
                                        hint=f"use one of {', '.join(_COLOR_CHOICES)}"))
    if rest and args[:1] not in (["explain"], ["doctor"]):
        return report_error(UvauthError(
            f"uv's option {rest[0]} before `uvauth` applies only to `explain` and `doctor`: `uvauth` must come first",
            hint=f"{program_name()} {' '.join(args)}"))
    return run_own_command([*args[:1], *rest, *args[1:]], colour=colour)
