"""uvauth's own command grammar, as the completion scripts need it: the words uvauth adds to uv's command line
(``--authenticate POLICY`` and the reserved first word ``uvauth``), and ``uvauth uvauth``'s commands, options and
argument choices, read from the click command the typer app makes (:func:`own_grammar`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from uvauth.errors import UvauthError
from uvauth.uv.auth_policy import POLICIES

OWN_WORD: Final = "uvauth"  # cli.OWN_COMMANDS, not imported: cli imports much more than this module needs
AUTHENTICATE: Final = "--authenticate"
AUTHENTICATE_HELP: Final = "uvauth: authentication policy for every index this command contacts"
POLICY_HELP: Final = {
    "always": "send credentials on the first request; fail before any request when none are found",
    "auto": "uv's default: try without credentials, retry with them after a 401",
    "never": "never send credentials",
}
OWN_WORD_HELP: Final = "uvauth's own commands"

_SAFE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+@%/=-]*|-[A-Za-z0-9?]|--[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class OwnOption:
    names: tuple[str, ...]  # e.g. ("-h", "--help")
    help: str
    takes_value: bool = False
    choices: tuple[str, ...] | None = None  # None: any value (files)


@dataclass(frozen=True)
class OwnCommand:
    name: str
    help: str
    options: tuple[OwnOption, ...]
    # The choices of each positional argument in order (None: any value); the last repeats when `variadic`.
    positionals: tuple[tuple[str, ...] | None, ...] = ()
    variadic: bool = False
    # For commands that hand their arguments to uv: the uv words they stand for (() = a whole command line).
    uv_tail: tuple[str, ...] | None = None
    # For such a command: the only uv options its arguments may hold (None: every option of the uv words).
    uv_options: tuple[str, ...] | None = None

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(name for option in self.options for name in option.names)

    @property
    def valued(self) -> tuple[OwnOption, ...]:
        return tuple(option for option in self.options if option.takes_value)


@dataclass(frozen=True)
class OwnGrammar:
    """``uvauth uvauth [OPTIONS] COMMAND …``."""

    options: tuple[OwnOption, ...]
    commands: tuple[OwnCommand, ...]


def _short(text: str | None, limit: int = 90) -> str:
    """One line: the first sentence (or line), whitespace collapsed, cut at ``limit``."""
    text = " ".join((text or "").split())
    sentence = re.split(r"(?<=[.:])\s", text, maxsplit=1)[0].rstrip(".:")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def own_grammar(group: Any,  # a click group: list_commands, get_command
                uv_tails: Mapping[str, tuple[str, ...]] | None = None,
                uv_options: Mapping[str, tuple[str, ...]] | None = None) -> OwnGrammar:
    """uvauth's own commands and their options, read from the click group of its typer app (click's public
    command API: this module never imports typer or the commands, which hand it their group).

    ``uv_tails``: for a pass-through command (typer's ``ignore_unknown_options``), the uv words its arguments stand
    for (``doctor``: ``lock``); a pass-through command not named there takes a whole uvauth command line, as
    ``explain`` does. ``uv_options``: for such a command, the only uv options it takes (``doctor`` reads the
    index and configuration options of ``uv lock``, not ``--dry-run``), so only those are offered. A positional
    argument's choices are its own ``shell_complete`` values.
    """
    uv_tails = {} if uv_tails is None else uv_tails
    uv_options = {} if uv_options is None else uv_options
    context = group.context_class(group, info_name=OWN_WORD, **group.context_settings)
    commands = []
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        command_context = command.context_class(command, parent=context, info_name=name,
                                                 **command.context_settings)
        help_option = _help_option(command, command_context)
        options: list[OwnOption] = []
        positionals: list[tuple[str, ...] | None] = []
        variadic = False
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            choices = _choices(param, command_context)
            if param.param_type_name == "option":
                takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
                names = tuple(sorted([*param.opts, *param.secondary_opts], key=_option_order))
                option_help = _short(getattr(param, "help", None))
                options.append(OwnOption(names, option_help, takes_value, choices if takes_value else None))
            elif param.param_type_name == "argument" and not variadic:
                positionals.append(choices)
                variadic = param.nargs == -1
        pass_through = bool(command.context_settings.get("ignore_unknown_options"))
        commands.append(OwnCommand(
            name=name,
            help=_short(command.get_short_help_str(limit=200)),
            options=(*options, *help_option),
            positionals=() if pass_through else tuple(positionals),
            variadic=variadic and not pass_through,
            uv_tail=uv_tails.get(name, ()) if pass_through else None,
            uv_options=uv_options.get(name) if pass_through else None,
        ))
    grammar = OwnGrammar(options=_help_option(group, context), commands=tuple(commands))
    _check_words(grammar)
    return grammar


def _option_order(name: str) -> tuple[int, str]:
    return (name.startswith("--"), name)


def _help_option(command: Any, context: Any) -> tuple[OwnOption, ...]:
    names = tuple(sorted(command.get_help_option_names(context), key=_option_order))
    return (OwnOption(names, "Show the help and exit"),) if command.add_help_option and names else ()


def _choices(param: Any, context: Any) -> tuple[str, ...] | None:
    """The values a parameter completes to (a click ``Choice``, or a typer ``autocompletion``), or None: any."""
    items = param.shell_complete(context, "")
    values = tuple(item.value for item in items if getattr(item, "type", "plain") == "plain")
    return values or None


def _check_words(grammar: OwnGrammar) -> None:
    """Every name and choice is embedded unquoted in the scripts: allow only plain words. (Descriptions are
    quoted, except the policies' inside fish's double-quoted value list.)"""
    for text in POLICY_HELP.values():
        if any(char in text for char in '"$\\\n'):
            raise UvauthError(f"cannot write a completion for the description {text!r}")
    words = [name for option in grammar.options for name in option.names]
    for command in grammar.commands:
        words += [command.name, *command.option_names, *(command.uv_tail or ()), *(command.uv_options or ())]
        words += [c for option in command.options for c in option.choices or ()]
        words += [c for choices in command.positionals for c in choices or ()]
    for word in [*words, *POLICIES, OWN_WORD, AUTHENTICATE]:
        if not _SAFE_WORD.fullmatch(word):
            raise UvauthError(f"cannot write a completion for the word {word!r}", hint="use a plain word")
