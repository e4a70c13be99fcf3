"""uvauth's own commands, reached as ``uvauth uvauth COMMAND`` (``uv uvauth COMMAND`` under ``alias uv=uvauth``).

This package (``commands/``) is the only one that imports typer and rich; it is imported only for these commands,
never on the path that runs uv. Each command is one module's ``run`` (``commands/explain.py``, ``doctor.py``,
``completion.py``), run behind :func:`uvauth.errors.guarded`, the one boundary that prints ``uvauth: error: …``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Final

import typer

from uvauth import __version__
from uvauth.errors import guarded

app = typer.Typer(
    name="uvauth uvauth",
    help="uvauth's own commands. Anything else given to uvauth runs uv.",
    add_completion=False,  # completions come from `uvauth uvauth completion`, built on uv's own
    rich_markup_mode="markdown",  # reflow the docstrings (their line breaks are for the source, not the help)
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Everything after the command name is a uv command line: never parse it as our options.
_PASS_THROUGH: Final = {"allow_interspersed_args": False, "ignore_unknown_options": True, "allow_extra_args": True}


@app.command(context_settings=_PASS_THROUGH)
def explain(
    context: typer.Context,
    uv_args: Annotated[
        list[str] | None, typer.Argument(help="The uv command line, as you would type it after `uv`.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the uvauth.explain/1 JSON object.")] = False,
) -> None:
    """Show what uvauth would do for a uv command line, without running uv: each index uv would contact (in
    uv's order), where it came from, the configured index it is merged onto, its policy and why, where its
    credentials come from (never the secret), and the exact argv and environment variable names handed to uv."""
    from uvauth.commands import explain as explain_command

    args, json_anywhere = _own_flag(list(uv_args or []), "--json")
    if not args:
        # Nothing to explain: `uv uvauth explain` alone shows how to use it, as `uv pip` alone does.
        print(context.get_help())
        raise typer.Exit(0)
    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: explain_command.run(args, environ, as_json=as_json or json_anywhere)))


def _own_flag(args: list[str], flag: str) -> tuple[list[str], bool]:
    """``args`` without ``flag`` wherever it stands before ``--`` (typer sees it only before the first uv word),
    and whether it was there. After ``--`` everything is the uv command line, verbatim."""
    end = args.index("--") if "--" in args else len(args)
    kept = [arg for arg in args[:end] if arg != flag]
    rest = args[end + 1:] if end < len(args) else []
    return [*kept, *rest], len(kept) != end



@app.command()
def version() -> None:
    """Print uvauth's version."""
    print(f"uvauth {__version__}")


@app.command(context_settings=_PASS_THROUGH)
def doctor(
    uv_args: Annotated[
        list[str] | None,
        typer.Argument(help="uv options: --project DIR, --directory DIR, --config-file F, --no-config, "
                            "--index/--default-index/--index-url/--extra-index-url URL, --keyring-provider …"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the uvauth.doctor/1 JSON object.")] = False,
) -> None:
    """Check each index the project uses, over the network: where its credentials come from (never the secret),
    one GET of its root with them and one without, and a verdict naming the problem (ok, bad-credentials,
    no-credentials, forbidden, not-found, open, redirect, unreachable, error). Exit code 0 only when every
    index is ok, 1 otherwise, 2 for a usage error."""
    from uvauth.commands import doctor as doctor_command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: doctor_command.run(list(uv_args or []), environ, as_json=as_json)))


def _credential_actions() -> list[str]:
    """The actions `credentials` takes: a plain string argument (an unknown one is uvauth's usage error), so its
    choices reach the completion scripts through this autocompletion, as `completion`'s shells do."""
    from uvauth.commands.credentials import ACTIONS

    return list(ACTIONS)


@app.command()
def credentials(
    action: Annotated[str, typer.Argument(help="show, forget or trust.", show_default=False,
                                          autocompletion=_credential_actions)],
    name: Annotated[str | None, typer.Argument(help="forget: the entry whose cached tokens to drop (default: "
                                                    "every entry's).", show_default=False)] = None,
) -> None:
    """The [[credentials]] entries in force here. `show`: what each covers, where it was read, how it gets a
    token, whether a project's entry is approved, and until when a cached token stays fresh — never the token.
    `forget [NAME]`: remove cached tokens, so the next uv command runs the entry's command again. `trust`: approve,
    on this machine, what the project's entries run or read (a changed entry needs approval again)."""
    from uvauth.commands import credentials as command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: command.run(action, name, environ, Path.cwd())))


@app.command()
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


@app.command()
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


@app.command()
def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.", show_default=False, autocompletion=_shells)],
) -> None:
    """Print the completion script for a shell: uv's, for uvauth and for `uv` under `alias uv=uvauth`.

    bash: `eval "$(uvauth uvauth completion bash)"` in ~/.bashrc. zsh: save it as `_uvauth` in $fpath.
    fish: save it as ~/.config/fish/completions/uvauth.fish."""
    from uvauth.commands import completion as completion_command

    environ = dict(os.environ)
    raise typer.Exit(guarded(lambda: completion_command.run(shell, environ)))


def run_own_command(args: list[str]) -> int:
    try:
        app(args, prog_name="uvauth uvauth", standalone_mode=True)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0
