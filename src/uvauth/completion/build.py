"""Shell completion for uvauth: uv's own completion script, re-targeted, plus what uvauth adds to uv's.

``uv generate-shell-completion SHELL`` (clap_complete) completes every uv command, option and value.
uvauth's command line is uv's plus the global option ``--authenticate {always,auto,never}`` and the
reserved first word ``uvauth`` (``uvauth uvauth COMMAND``). So the script for a shell is built from uv's,
not written by hand:

1. **Re-target** uv's script (:func:`retarget`). Each function it defines is renamed at every whole-word
   occurrence (``_uv`` → ``_uvauth_uv``, ``__fish_uv_needs_command`` → ``__uvauth_fish_uv_needs_command``:
   ``uvauth_`` after the leading underscores), so it can live beside uv's own script. Then its
   registration is replaced: bash's ``complete -F _uv … uv`` becomes ``complete -F _uvauth … uvauth uv``;
   zsh's ``#compdef uv`` line and closing ``compdef`` block name ``_uvauth`` for ``uvauth`` and ``uv``;
   fish's ``complete -c uv`` statements become ``complete -c uvauth``, and ``authenticate=`` joins the
   global options uv's fish helpers skip to find the subcommand. The script's shape is checked at each
   step: anything unexpected raises :class:`RetargetError` rather than producing a broken script.
2. **Add** uvauth's part, generated from :data:`POLICY_HELP` and uvauth's typer app (:func:`own_grammar`).
   bash and zsh: ``_uvauth`` takes ``--authenticate`` and its value out of the words, calls uv's function
   on the rest, and adds ``--authenticate``, its values, the first word ``uvauth`` and ``uvauth uvauth …``;
   fish: ``complete`` statements. ``uvauth uvauth explain ARGS`` completes ARGS as a uvauth command line
   (``doctor ARGS`` as ``uv lock ARGS``).

``uv`` is completed by the same function: with uvauth's additions while ``uv`` is an alias of uvauth (bash
and zsh look at the alias when completing; zsh expands aliases before completing unless
``complete_aliases`` is set; fish's ``alias`` makes ``uv`` wrap ``uvauth``), as by uv's own script otherwise.

``scripts/gen_completions.py`` writes the scripts for the installed uv to ``completions/``;
``uvauth uvauth completion SHELL`` builds the one for the uv uvauth runs (:func:`script`).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from uvauth.errors import UvauthError
from uvauth.uv.auth_policy import POLICIES

SHELLS: Final = ("bash", "zsh", "fish")
# The file each script is installed as (and committed as, under completions/).
FILE_NAMES: Final = {"bash": "uvauth.bash", "zsh": "_uvauth", "fish": "uvauth.fish"}

OWN_WORD: Final = "uvauth"  # cli.OWN_COMMANDS, not imported: cli imports much more than this module needs
AUTHENTICATE: Final = "--authenticate"
AUTHENTICATE_HELP: Final = "uvauth: authentication policy for every index this command contacts"
POLICY_HELP: Final = {
    "always": "send credentials on the first request; fail before any request when none are found",
    "auto": "uv's default: try without credentials, retry with them after a 401",
    "never": "never send credentials",
}
OWN_WORD_HELP: Final = "uvauth's own commands"

# Own commands whose arguments are a uv command line (typer's pass-through context): the uv words they
# stand for. `doctor ARGS` reads ARGS as `uv lock ARGS` does (uvauth.doctor); any other pass-through
# command takes a whole uvauth command line, as `explain` does.
UV_TAIL_PREFIX: Final = {"doctor": ("lock",)}

_SAFE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+@%/=-]*|-[A-Za-z0-9?]|--[A-Za-z0-9][A-Za-z0-9_-]*")
# Characters of a function name in uv's scripts (clap_complete writes `_uv__build-backend_commands` in zsh).
_NAME_CHARS = r"[A-Za-z0-9_-]"
_NAME_TOKEN = re.compile(rf"{_NAME_CHARS}+")


class RetargetError(UvauthError):
    """uv's completion script does not have the shape this module knows how to re-target."""

    def __init__(self, shell: str, message: str) -> None:
        super().__init__(
            f"cannot re-target uv's {shell} completion script: {message}",
            hint="uv's completion generator changed; report it to uvauth, or use uv's own script "
            "(`uv generate-shell-completion`) meanwhile",
        )


# --- uvauth's own command grammar ---------------------------------------------------------------------------


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


def own_grammar(app: Any = None) -> OwnGrammar:
    """uvauth's own commands and their options, read from the typer app (click's public command API)."""
    import typer.main

    if app is None:
        from uvauth.commands.app import app
    group: Any = typer.main.get_command(app)  # a click group: list_commands, get_command
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
            choices = _choices(name, param, command_context)
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
            uv_tail=UV_TAIL_PREFIX.get(name, ()) if pass_through else None,
        ))
    grammar = OwnGrammar(options=_help_option(group, context), commands=tuple(commands))
    _check_words(grammar)
    return grammar


def _option_order(name: str) -> tuple[int, str]:
    return (name.startswith("--"), name)


def _help_option(command: Any, context: Any) -> tuple[OwnOption, ...]:
    names = tuple(sorted(command.get_help_option_names(context), key=_option_order))
    return (OwnOption(names, "Show the help and exit"),) if command.add_help_option and names else ()


def _choices(command: str, param: Any, context: Any) -> tuple[str, ...] | None:
    if command == "completion" and param.name == "shell":
        return SHELLS  # this module's own command: it takes a str and checks it against SHELLS
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
        words += [command.name, *command.option_names, *(command.uv_tail or ())]
        words += [c for option in command.options for c in option.choices or ()]
        words += [c for choices in command.positionals for c in choices or ()]
    for word in [*words, *POLICIES, OWN_WORD, AUTHENTICATE]:
        if not _SAFE_WORD.fullmatch(word):
            raise UvauthError(f"cannot write a completion for the word {word!r}", hint="use a plain word")


# --- re-targeting uv's scripts ------------------------------------------------------------------------------


def renamed(name: str) -> str:
    """The name a function of uv's script gets: ``uvauth_`` after its leading underscores."""
    stripped = name.lstrip("_")
    return f"{name[: len(name) - len(stripped)]}uvauth_{stripped}"


def rename_functions(text: str, names: Sequence[str]) -> str:
    """Rename each function in ``names`` wherever it occurs as a whole word (a maximal run of name
    characters), so ``_uv`` is renamed in ``_uv "$@"`` but ``_uv__add`` is a different word."""
    mapping = {name: renamed(name) for name in names}
    return _NAME_TOKEN.sub(lambda match: mapping.get(match.group(0), match.group(0)), text)


def _defined(text: str, pattern: str, shell: str, main: str) -> list[str]:
    names = re.findall(pattern, text, flags=re.MULTILINE)
    if main not in names:
        raise RetargetError(shell, f"it does not define {main}")
    if len(set(names)) != len(names):
        raise RetargetError(shell, "it defines a function twice")
    return names


def _retarget_bash(text: str) -> tuple[str, str]:
    """uv's bash script is one function ``_uv() { … }`` and the ``complete`` lines that register it."""
    names = _defined(text, rf"^({_NAME_CHARS}+)\(\) \{{$", "bash", "_uv")
    lines = rename_functions(text, names).split("\n")
    if lines[0] != f"{renamed('_uv')}() {{":
        raise RetargetError("bash", "it does not start with the function _uv")
    try:
        end = lines.index("}")
    except ValueError:
        raise RetargetError("bash", "the function _uv does not end") from None
    registration = []
    for line in lines[end + 1:]:
        words = line.split()
        if not words or words in (["else"], ["fi"]) or (line.startswith("if ") and line.endswith("; then")):
            registration.append(line)
        elif words[:3] == ["complete", "-F", renamed("_uv")] and words[-1] == "uv":
            indent = line[: len(line) - len(line.lstrip())]
            words = ["complete", "-F", "_uvauth", *words[3:-1], "uvauth", "uv"]
            registration.append(indent + " ".join(words))
        else:
            raise RetargetError("bash", f"unexpected line after the function: {line!r}")
    if not any(line.lstrip().startswith("complete ") for line in registration):
        raise RetargetError("bash", "it registers no completion for uv")
    return "\n".join(lines[: end + 1]), "\n".join(registration).strip("\n")


_ZSH_DISPATCH = """\
if [ "$funcstack[1]" = "{fn}" ]; then
    {fn} "$@"
else
    compdef {fn} uv
fi"""


def _retarget_zsh(text: str) -> tuple[str, str]:
    """uv's zsh script: ``#compdef uv``, its functions (``_uv`` and one ``_uv…_commands`` per subcommand),
    and a closing block that runs ``_uv`` when autoloaded and registers it with ``compdef`` when sourced."""
    if not text.startswith("#compdef uv\n"):
        raise RetargetError("zsh", "it does not start with `#compdef uv`")
    names = _defined(text, rf"^({_NAME_CHARS}+)\(\) \{{$", "zsh", "_uv")
    body = rename_functions(text.removeprefix("#compdef uv\n"), names).rstrip("\n")
    dispatch = _ZSH_DISPATCH.format(fn=renamed("_uv"))
    if not body.endswith("\n" + dispatch):
        raise RetargetError("zsh", "it does not end with the expected `compdef` block")
    return body.removesuffix(dispatch).strip("\n"), _ZSH_REGISTRATION


def fish_statement_lines(text: str) -> list[int]:
    """Indexes of the lines of a fish script that begin a statement: not inside a quoted string (uv's fish
    script has multi-line ``-a "…"`` lists) and not continuing a line ended by a backslash."""
    starts, quote, line, i, at_token_start = [0], "", 0, 0, True
    while i < len(text):
        char, escapes = text[i], False
        if quote == "'":
            escapes = char == "\\" and text[i + 1: i + 2] in ("'", "\\")
            quote = "" if char == "'" else quote
        elif quote == '"':
            escapes = char == "\\" and text[i + 1: i + 2] in ('"', "\\", "$", "\n")
            quote = "" if char == '"' else quote
        elif char == "\\":
            escapes = True
        elif char in "'\"":
            quote = char
        elif char == "#" and at_token_start:  # a comment, to the end of its line (quotes in it mean nothing)
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif char == "\n":
            starts.append(line + 1)
        line += char == "\n"
        at_token_start = not quote and char in " \t\n;|&("
        i += 1
        if escapes and i < len(text):  # the escaped character: never a quote, a statement end or a comment
            line += text[i] == "\n"
            at_token_start = False
            i += 1
    return starts


def _retarget_fish(text: str) -> tuple[str, str]:
    """uv's fish script: three helper functions (which skip uv's global options to find the subcommand) and a
    ``complete -c uv …`` statement per option, subcommand and value."""
    names = _defined(text, rf"^function ({_NAME_CHARS}+)$", "fish", "__fish_uv_needs_command")
    optspecs = "__fish_uv_global_optspecs"
    if optspecs not in names:
        raise RetargetError("fish", f"it does not define {optspecs}")
    lines = rename_functions(text, names).split("\n")
    function, depth, optspec_lines, completes = "", 0, [], 0
    for index in fish_statement_lines("\n".join(lines)):
        words = lines[index].split() if index < len(lines) else []
        if not words or words[0].startswith("#"):
            continue
        if depth:  # inside a function: follow its blocks to its `end`
            depth += words[0] in _FISH_BLOCKS
            depth -= words[0] == "end"
            if function == renamed(optspecs) and words[:3] == ["string", "join", "\\n"]:
                optspec_lines.append(index)
        elif words[0] == "function" and len(words) == 2:
            function, depth = words[1], 1
        elif words[:3] == ["complete", "-c", "uv"]:
            lines[index] = lines[index].replace("complete -c uv ", "complete -c uvauth ", 1)
            completes += 1
        else:
            raise RetargetError("fish", f"unexpected statement: {lines[index]!r}")
    if depth:
        raise RetargetError("fish", f"the function {function} does not end")
    if len(optspec_lines) != 1:
        raise RetargetError("fish", f"{optspecs} does not print one `string join` list")
    lines[optspec_lines[0]] += f" {AUTHENTICATE.removeprefix('--')}="
    if completes == 0:
        raise RetargetError("fish", "it has no `complete -c uv` statements")
    return "\n".join(lines).rstrip("\n"), ""


_FISH_BLOCKS: Final = frozenset({"function", "if", "for", "while", "begin", "switch"})


def retarget(shell: str, uv_script: str) -> tuple[str, str]:
    """uv's script for ``shell``, re-targeted: (the renamed functions and completions, the registration to put
    after uvauth's additions)."""
    retargeters: dict[str, Callable[[str], tuple[str, str]]] = {
        "bash": _retarget_bash, "zsh": _retarget_zsh, "fish": _retarget_fish,
    }
    if shell not in retargeters:
        raise UvauthError(f"unknown shell {shell!r}", hint=f"use one of {', '.join(SHELLS)}")
    return retargeters[shell](uv_script.replace("\r\n", "\n"))


# --- uvauth's additions, per shell --------------------------------------------------------------------------


def _words(words: Sequence[str]) -> str:
    return " ".join(words)


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_item(name: str, help: str) -> str:
    """An element of a ``_describe`` array: ``name:description`` (colons in the name escaped)."""
    return _zsh_quote(name.replace(":", "\\:") + (":" + help if help else ""))


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_BASH_ADDITIONS = r'''
# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---

_uvauth() {
    # Registered for `uvauth` and `uv`: `uv` gets uvauth's additions only while it is an alias of uvauth.
    local cur
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    if [[ "${1##*/}" != uvauth && "$(alias -- "$1" 2>/dev/null)" != *uvauth* ]]; then
        _uvauth_uv "$@"
        return
    fi
    _uvauth__line "$1" "$cur" 1
}

_uvauth__line() {
    # Complete COMP_WORDS as a uvauth command line: uv's, plus --authenticate (and, when $3 is 1, the first
    # word `uvauth`). --authenticate and its value are taken out of the words handed to uv's function.
    local cmd="$1" cur="$2" own="$3" i word skip=0 dashdash=0
    if [[ "$own" == 1 ]] && (( COMP_CWORD >= 2 )) && [[ "${COMP_WORDS[1]}" == uvauth ]]; then
        _uvauth__own "$cmd" "$cur"
        return
    fi
    local -a words=("${COMP_WORDS[0]}")
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${COMP_WORDS[i]}"
        if (( skip > 0 )); then
            skip=$(( skip - 1 ))
            continue
        fi
        if (( ! dashdash )); then
            case "$word" in
                --) dashdash=1 ;;
                --authenticate)
                    # `--authenticate V`, or `--authenticate = V` (bash splits `--authenticate=V` at the `=`)
                    if [[ "${COMP_WORDS[i+1]}" == = ]]; then skip=2; else skip=1; fi
                    continue ;;
                --authenticate=*) continue ;;
            esac
        fi
        words+=("$word")
    done
    if (( skip > 0 )); then
        # The word after --authenticate, or after `--authenticate =` (`=` itself when nothing follows it yet)
        [[ "$cur" == = ]] && cur=""
        COMPREPLY=( $(compgen -W "@POLICIES@" -- "$cur") )
        return 0
    fi
    if (( ! dashdash )); then
        if [[ "$cur" == --authenticate=* ]]; then
            COMPREPLY=( $(compgen -P --authenticate= -W "@POLICIES@" -- "${cur#--authenticate=}") )
            return 0
        fi
    fi
    local first=0
    (( COMP_CWORD == 1 )) && first=1
    local cword=${#words[@]}
    words+=("${COMP_WORDS[@]:COMP_CWORD}")
    local COMP_CWORD=$cword
    local -a COMP_WORDS=("${words[@]}")
    _uvauth_uv "$cmd" "$cur" "${COMP_WORDS[COMP_CWORD-1]}"
    if (( ! dashdash )) && [[ "$cur" == -* || $cword -eq 1 ]]; then
        COMPREPLY+=( $(compgen -W "--authenticate" -- "$cur") )
    fi
    if [[ "$own" == 1 ]] && (( first )) && [[ "$cur" != -* ]]; then
        COMPREPLY+=( $(compgen -W "uvauth" -- "$cur") )
    fi
    return 0
}

_uvauth__own() {
    # `uvauth uvauth COMMAND ...`: uvauth's own commands.
    local cmd="$1" cur="$2" i word n=0 skip=0 leading=1 options="" valued="" tail="" prefix=""
    local prev="${COMP_WORDS[COMP_CWORD-1]}"
    if (( COMP_CWORD == 2 )); then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=( $(compgen -W "@GROUP_OPTIONS@" -- "$cur") )
        else
            COMPREPLY=( $(compgen -W "@COMMANDS@" -- "$cur") )
        fi
        return 0
    fi
    case "${COMP_WORDS[2]}" in
@COMMAND_ARMS@
        *) return 0 ;;
    esac
    if [[ -n "$tail" ]]; then
        # The command's own options lead; the rest is a uv command line, completed as `uvauth PREFIX ARGS...`.
        local -a words=("${COMP_WORDS[0]}" $prefix)
        for (( i = 3; i < COMP_CWORD; i++ )); do
            word="${COMP_WORDS[i]}"
            if (( leading )) && [[ " $options " == *" $word "* ]]; then
                continue
            fi
            [[ "$word" == -* ]] || leading=0
            words+=("$word")
        done
        local -a own=()
        if (( leading )) && [[ "$cur" == -* ]]; then
            own=( $(compgen -W "$options" -- "$cur") )
        fi
        local cword=${#words[@]}
        words+=("${COMP_WORDS[@]:COMP_CWORD}")
        local COMP_CWORD=$cword
        local -a COMP_WORDS=("${words[@]}")
        _uvauth__line "$cmd" "$cur" 0
        COMPREPLY=( "${own[@]}" "${COMPREPLY[@]}" )
        return 0
    fi
@VALUE_ARMS@
    for (( i = 3; i < COMP_CWORD; i++ )); do
        if (( skip )); then
            skip=0
        elif [[ " $valued " == *" ${COMP_WORDS[i]} "* ]]; then
            skip=1
        elif [[ "${COMP_WORDS[i]}" != -* ]]; then
            n=$(( n + 1 ))
        fi
    done
    if [[ "$cur" == -* ]]; then
        COMPREPLY=( $(compgen -W "$options" -- "$cur") )
        return 0
    fi
@POSITIONAL_ARMS@
    return 0
}
'''


def _bash_additions(grammar: OwnGrammar) -> str:
    arms, value_arms, positional_arms = [], [], []
    for command in grammar.commands:
        settings = [f'options="{_words(command.option_names)}"']
        valued = [name for option in command.valued for name in option.names]
        if valued:
            settings.append(f'valued="{_words(valued)}"')
        if command.uv_tail is not None:
            settings += ["tail=1", f'prefix="{_words(command.uv_tail)}"']
        arms.append(f"        {command.name}) {'; '.join(settings)} ;;")
        for option in command.valued:
            reply = ""
            if option.choices:
                reply = f'COMPREPLY=( $(compgen -W "{_words(option.choices)}" -- "$cur") ); '
            for name in option.names:
                value_arms.append(f"        {command.name}:{name}) {reply}return 0 ;;")
        for index, choices in enumerate(command.positionals):
            pattern = _positional_pattern(command, index)
            if choices:
                positional_arms.append(
                    f'        {pattern}) COMPREPLY=( $(compgen -W "{_words(choices)}" -- "$cur") ) ;;')
    value_case = _case('"${COMP_WORDS[2]}:$prev"', value_arms)
    positional_case = _case('"${COMP_WORDS[2]}:$n"', positional_arms)
    return (_BASH_ADDITIONS
            .replace("@POLICIES@", _words(POLICIES))
            .replace("@GROUP_OPTIONS@", _words([n for option in grammar.options for n in option.names]))
            .replace("@COMMANDS@", _words([command.name for command in grammar.commands]))
            .replace("@COMMAND_ARMS@", "\n".join(arms))
            .replace("@VALUE_ARMS@\n", value_case + "\n" if value_case else "")
            .replace("@POSITIONAL_ARMS@\n", positional_case + "\n" if positional_case else "")
            .strip("\n"))


_ZSH_ADDITIONS = r'''
# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---

_uvauth() {
    # Registered for `uvauth` and `uv`: `uv` gets uvauth's additions only while it is an alias of uvauth (zsh
    # expands aliases before completing, so this matters only with `setopt complete_aliases`).
    if [[ ${words[1]:t} != uvauth && ${aliases[${words[1]}]-} != *uvauth* ]]; then
        _uvauth_uv "$@"
        return
    fi
    _uvauth__line 1
}

_uvauth__line() {
    # Complete $words as a uvauth command line: uv's, plus --authenticate (and, when $1 is 1, the first word
    # `uvauth`). --authenticate and its value are taken out of the words handed to uv's function.
    local own=$1 i word skip=0 dashdash=0 first=0 ret=1
    if (( own && CURRENT > 2 )) && [[ $words[2] == uvauth ]]; then
        _uvauth__own
        return
    fi
    local -a kept=("$words[1]")
    for (( i = 2; i < CURRENT; i++ )); do
        word=$words[i]
        if (( skip )); then
            skip=0
            continue
        fi
        if (( ! dashdash )); then
            case $word in
                (--) dashdash=1 ;;
                (--authenticate) skip=1; continue ;;
                (--authenticate=*) continue ;;
            esac
        fi
        kept+=("$word")
    done
    if (( ! dashdash )); then
        if (( skip )); then  # the word after --authenticate
            _uvauth__policies
            return
        fi
        if compset -P '--authenticate='; then
            _uvauth__policies
            return
        fi
    fi
    (( CURRENT == 2 )) && first=1
    words=("${kept[@]}" "${(@)words[CURRENT,-1]}")
    CURRENT=$(( ${#kept} + 1 ))
    if (( ! dashdash )) && [[ $PREFIX == -* ]]; then
        local -a uvauth_options=(@AUTHENTICATE_ITEM@)
        _describe -t uvauth-options 'uvauth option' uvauth_options && ret=0
    fi
    if (( own && first )) && [[ $PREFIX != -* ]]; then
        local -a uvauth_commands=(@OWN_WORD_ITEM@)
        _describe -t uvauth-commands 'uvauth command' uvauth_commands && ret=0
    fi
    _uvauth_uv && ret=0
    return ret
}

_uvauth__policies() {
    local -a policies=(@POLICY_ITEMS@)
    _describe -t policies 'authentication policy' policies
}

_uvauth__own() {
    # `uvauth uvauth COMMAND ...`: uvauth's own commands.
    local i word n=0 skip=0 leading=1 tail=0 ret=1
    local -a commands=(@COMMAND_ITEMS@)
    local -a group_options=(@GROUP_OPTION_ITEMS@)
    local -a options names valued prefix choices
    if (( CURRENT == 3 )); then
        if [[ $PREFIX == -* ]]; then
            _describe -t options 'uvauth uvauth option' group_options
        else
            _describe -t commands 'uvauth uvauth command' commands
        fi
        return
    fi
    case $words[3] in
@COMMAND_ARMS@
        (*) return 1 ;;
    esac
    if (( tail )); then
        # The command's own options lead; the rest is a uv command line, completed as `uvauth PREFIX ARGS...`.
        local -a kept=("$words[1]" "${prefix[@]}")
        for (( i = 4; i < CURRENT; i++ )); do
            word=$words[i]
            if (( leading && ${names[(Ie)$word]} )); then
                continue
            fi
            [[ $word == -* ]] || leading=0
            kept+=("$word")
        done
        if (( leading )) && [[ $PREFIX == -* ]]; then
            _describe -t options "uvauth uvauth $words[3] option" options && ret=0
        fi
        words=("${kept[@]}" "${(@)words[CURRENT,-1]}")
        CURRENT=$(( ${#kept} + 1 ))
        _uvauth__line 0 && ret=0
        return ret
    fi
@VALUE_ARMS@
    for (( i = 4; i < CURRENT; i++ )); do
        if (( skip )); then
            skip=0
        elif (( ${valued[(Ie)$words[i]]} )); then
            skip=1
        elif [[ $words[i] != -* ]]; then
            n=$(( n + 1 ))
        fi
    done
    if [[ $PREFIX == -* ]]; then
        _describe -t options "uvauth uvauth $words[3] option" options
        return
    fi
@POSITIONAL_ARMS@
    return 1
}
'''


def _case(subject: str, arms: Sequence[str]) -> str:
    return f"    case {subject} in\n" + "\n".join(arms) + "\n    esac" if arms else ""


def _zsh_option_items(options: Sequence[OwnOption]) -> str:
    return " ".join(_zsh_item(name, option.help) for option in options for name in option.names)


def _zsh_additions(grammar: OwnGrammar) -> str:
    arms, value_arms, positional_arms = [], [], []
    for command in grammar.commands:
        settings = [f"options=({_zsh_option_items(command.options)})",
                    f"names=({_words(command.option_names)})"]
        valued = [name for option in command.valued for name in option.names]
        if valued:
            settings.append(f"valued=({_words(valued)})")
        if command.uv_tail is not None:
            settings += ["tail=1", f"prefix=({_words(command.uv_tail)})"]
        arms.append(f"        ({command.name}) {'; '.join(settings)} ;;")
        for option in command.valued:
            action = (f"choices=({_words(option.choices)}); _describe -t values 'value' choices"
                      if option.choices else "_files")
            pattern = "|".join(f"{command.name}:{name}" for name in option.names)
            value_arms.append(f"        ({pattern}) {action}; return ;;")
        for index, choices in enumerate(command.positionals):
            pattern = _positional_pattern(command, index)
            action = (f"choices=({_words(choices)}); _describe -t values 'value' choices"
                      if choices else "_files")
            positional_arms.append(f"        ({pattern}) {action}; return ;;")
    value_case = _case('"$words[3]:$words[CURRENT-1]"', value_arms)
    positional_case = _case('"$words[3]:$n"', positional_arms)
    return (_ZSH_ADDITIONS
            .replace("@AUTHENTICATE_ITEM@", _zsh_item(AUTHENTICATE, AUTHENTICATE_HELP))
            .replace("@OWN_WORD_ITEM@", _zsh_item(OWN_WORD, OWN_WORD_HELP + ": "
                                                  + ", ".join(command.name for command in grammar.commands)))
            .replace("@POLICY_ITEMS@", " ".join(_zsh_item(p, POLICY_HELP[p]) for p in POLICIES))
            .replace("@COMMAND_ITEMS@", " ".join(_zsh_item(c.name, c.help) for c in grammar.commands))
            .replace("@GROUP_OPTION_ITEMS@", _zsh_option_items(grammar.options))
            .replace("@COMMAND_ARMS@", "\n".join(arms))
            .replace("@VALUE_ARMS@\n", value_case + "\n" if value_case else "")
            .replace("@POSITIONAL_ARMS@\n", positional_case + "\n" if positional_case else "")
            .strip("\n"))


_ZSH_REGISTRATION = """\
if [ "$funcstack[1]" = "_uvauth" ]; then
    _uvauth "$@"
else
    compdef _uvauth uvauth uv
fi"""


_FISH_ADDITIONS = r"""
# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---
# `alias uv=uvauth` makes `uv` wrap `uvauth`, so `uv` is completed by these too.

function __uvauth_own_words
    # With `uvauth uvauth ...` on the command line, print the words after those two (before the cursor).
    set -l words (commandline -opc)
    test (count $words) -ge 2; and test "$words[2]" = uvauth; or return 1
    set -e words[1..2]
    for word in $words
        echo $word
    end
    return 0
end

function __uvauth_own_command
    # True at `uvauth uvauth COMMAND ...` (argv[1]: COMMAND; with argv[2] `--leading`: only while every word
    # after COMMAND is an option).
    set -l words (__uvauth_own_words); or return 1
    test (count $words) -ge 1; and test "$words[1]" = "$argv[1]"; or return 1
    set -e words[1]
    if test "$argv[2]" = --leading
        for word in $words
            string match -q -- '-*' $word; or return 1
        end
    end
    return 0
end

function __uvauth_own_positional
    # True when the cursor is on argument argv[2] (0-based; `N+`: N or later) of `uvauth uvauth argv[1] ...`;
    # argv[3...]: the command's options that take a value.
    __uvauth_own_command $argv[1]; or return 1
    set -l words (__uvauth_own_words)
    set -e words[1]
    set -l valued $argv
    set -e valued[1..2]
    set -l n 0
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
        else if contains -- $word $valued
            set skip 1
        else if not string match -q -- '-*' $word
            set n (math $n + 1)
        end
    end
    if string match -q -- '*+' $argv[2]
        test $n -ge (string trim -r -c + -- $argv[2])
    else
        test $n -eq $argv[2]
    end
end

function __uvauth_own_tail
    # Complete the arguments of `uvauth uvauth COMMAND` as the uvauth command line `uvauth PREFIX... ARGS...`.
    # argv: COMMAND's option names, `--`, PREFIX...
    set -l options
    while set -q argv[1]; and test "$argv[1]" != --
        set -a options $argv[1]
        set -e argv[1]
    end
    set -q argv[1]; and set -e argv[1]
    set -l words (__uvauth_own_words)
    set -e words[1]
    set -l kept
    set -l leading 1
    for word in $words
        if test $leading = 1; and contains -- $word $options
            continue
        end
        string match -q -- '-*' $word; or set leading 0
        set -a kept $word
    end
    set -l token (commandline -ct)
    set -l line (string join ' ' -- (string escape -- uvauth $argv $kept))
    complete -C "$line $token"
end
"""


def _fish_additions(grammar: OwnGrammar) -> str:
    lines = [_FISH_ADDITIONS.strip("\n"), ""]
    not_own = "not __uvauth_own_words >/dev/null"
    # As clap_complete writes value lists: `value\t'description'` lines, evaluated when completing.
    policies = "\n".join(f"{policy}\\t{_fish_quote(POLICY_HELP[policy])}" for policy in POLICIES)
    lines.append(f'complete -c uvauth -n "{not_own}" -l {AUTHENTICATE.removeprefix("--")} '
                 f'-d {_fish_quote(AUTHENTICATE_HELP)} -r -f -a "{policies}"')
    commands = ", ".join(command.name for command in grammar.commands)
    lines.append('complete -c uvauth -n "test (count (commandline -opc)) -eq 1" -f '
                 f"-a {OWN_WORD} -d {_fish_quote(OWN_WORD_HELP + ': ' + commands)}")
    lines.append('complete -c uvauth -n "__uvauth_own_words >/dev/null" -f')
    at_command = '"__uvauth_own_words >/dev/null; and test (count (__uvauth_own_words)) -eq 0"'
    for command in grammar.commands:
        lines.append(f"complete -c uvauth -n {at_command} -f -a {command.name} "
                     f"-d {_fish_quote(command.help)}")
    for option in grammar.options:
        lines.append(f"complete -c uvauth -n {at_command} {_fish_option(option)}")
    for command in grammar.commands:
        leading = " --leading" if command.uv_tail is not None else ""
        for option in command.options:
            lines.append(f'complete -c uvauth -n "__uvauth_own_command {command.name}{leading}" '
                         f"{_fish_option(option)}")
        if command.uv_tail is not None:
            words = _words([*command.option_names, "--", *command.uv_tail])
            lines.append(f'complete -c uvauth -n "__uvauth_own_command {command.name}" -f '
                         f'-a "(__uvauth_own_tail {words})"')
        valued = [name for option in command.valued for name in option.names]
        for index, choices in enumerate(command.positionals):
            where = f"{index}+" if command.variadic and index == len(command.positionals) - 1 else str(index)
            condition = _words(["__uvauth_own_positional", command.name, where, *valued])
            if choices:
                lines.append(f'complete -c uvauth -n "{condition}" -f -a "{_words(choices)}"')
            else:
                lines.append(f'complete -c uvauth -n "{condition}" -F')
    return "\n".join(lines)


def _positional_pattern(command: OwnCommand, index: int) -> str:
    """The bash/zsh ``case`` pattern for positional argument ``index`` of ``command``: ``cmd:N``, or
    ``cmd:N|cmd:*`` for the last, variadic one."""
    pattern = f"{command.name}:{index}"
    if command.variadic and index == len(command.positionals) - 1:
        pattern += f"|{command.name}:*"
    return pattern


def _fish_option(option: OwnOption) -> str:
    parts = []
    for name in option.names:
        parts.append(f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}")
    if option.takes_value:
        parts.append("-r")
        if option.choices:
            parts.append(f'-f -a "{_words(option.choices)}"')
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


# --- the whole script ---------------------------------------------------------------------------------------

_HEADER = """\
# uvauth {shell} completion: uv's own (`uv generate-shell-completion {shell}`, uv {version}),
# completing `uvauth` and `uv` when `alias uv=uvauth`, plus uvauth's --authenticate and
# `uvauth uvauth` commands. Generated by `uvauth uvauth completion {shell}` (in uvauth's repository:
# scripts/gen_completions.py): do not edit.
# Install: {install}
"""
_INSTALL: Final = {
    "bash": 'in ~/.bashrc: eval "$(uvauth uvauth completion bash)"; or save the output and source it there.',
    "zsh": "save as `_uvauth` in a directory of $fpath before compinit runs, or, after compinit\n"
           '#   in ~/.zshrc: eval "$(uvauth uvauth completion zsh)"',
    "fish": "uvauth uvauth completion fish > ~/.config/fish/completions/uvauth.fish",
}


def build(shell: str, uv_script: str, uv_version: str, grammar: OwnGrammar | None = None) -> str:
    """The completion script for ``shell`` from uv's script for it (deterministic: a function of its
    inputs)."""
    body, registration = retarget(shell, uv_script)
    grammar = own_grammar() if grammar is None else grammar
    header = _HEADER.format(shell=shell, version=uv_version, install=_INSTALL[shell])
    if shell == "bash":
        parts = [header + body, _bash_additions(grammar), registration]
    elif shell == "zsh":
        parts = ["#compdef uvauth uv\n" + header + "\n" + body, _zsh_additions(grammar), registration]
    else:
        parts = [header + "\n" + body, _fish_additions(grammar)]
    text = "\n\n".join(parts) + "\n"
    _check_functions(shell, text)
    return text


def _check_functions(shell: str, text: str) -> None:
    pattern = rf"^function ({_NAME_CHARS}+)$" if shell == "fish" else rf"^({_NAME_CHARS}+)\(\) \{{$"
    names = re.findall(pattern, text, flags=re.MULTILINE)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RetargetError(shell, f"uvauth's functions clash with uv's: {', '.join(duplicates)}")


def uv_completion(uv: str, shell: str) -> tuple[str, str]:
    """(``uv generate-shell-completion SHELL``, uv's version number) from the uv at path ``uv``."""
    def run(*args: str) -> str:
        try:
            done = subprocess.run([uv, *args], capture_output=True, text=True, timeout=60, check=False)
        except OSError as error:
            raise UvauthError(f"cannot run {uv}: {error}", hint="set UVAUTH_UV to the real uv") from None
        if done.returncode != 0:
            raise UvauthError(f"`uv {' '.join(args)}` failed: {done.stderr.strip()}")
        return done.stdout

    from uvauth.launch import read_uv_version

    version = read_uv_version(uv)
    return run("generate-shell-completion", shell), version


def generate(shell: str, uv: str) -> str:
    """The completion script for ``shell``, built from the uv at path ``uv``."""
    if shell not in SHELLS:
        raise UvauthError(f"unknown shell {shell!r}", hint=f"use one of {', '.join(SHELLS)}")
    uv_script, version = uv_completion(uv, shell)
    return build(shell, uv_script, version)


def script(shell: str, env: Mapping[str, str] | None = None) -> str:
    """``uvauth uvauth completion SHELL``: the script built from the real uv, found as uvauth finds it."""
    from uvauth.launch import find_uv

    return generate(shell, find_uv(dict(os.environ) if env is None else env))
