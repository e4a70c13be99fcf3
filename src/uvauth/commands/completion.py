"""``uvauth uvauth completion SHELL``'s front end: hands uvauth's own grammar, read from the typer app, to the
completion builder (:mod:`uvauth.completion`, which never imports the commands) and prints the script."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uvauth.completion.grammar import OwnGrammar


def grammar() -> OwnGrammar:
    """uvauth's own commands as the completion scripts complete them."""
    import typer.main

    from uvauth.commands.app import app
    from uvauth.completion.grammar import own_grammar
    from uvauth.doctor.report import UV_COMMAND

    # `doctor ARGS` reads ARGS as `uv lock ARGS` does; `explain ARGS` takes a whole uvauth command line.
    return own_grammar(typer.main.get_command(app), uv_tails={"doctor": (UV_COMMAND,)})


def run(shell: str, env: Mapping[str, str]) -> int:
    """Print the script for ``shell``; raises :class:`~uvauth.errors.UvauthError` for an unknown shell or a uv
    that cannot be run (the caller's error boundary prints it)."""
    from uvauth.completion import cached
    from uvauth.completion.build import script

    text = script(shell, grammar(), env)
    cached.save(shell, env, text)  # the next shell start prints it without typer (uvauth.cli.main)
    sys.stdout.write(text)
    return 0
