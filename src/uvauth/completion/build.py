"""Shell completion for uvauth: uv's own completion script, re-targeted, plus what uvauth adds to uv's.

``uv generate-shell-completion SHELL`` (clap_complete) completes every uv command, option and value.
uvauth's command line is uv's plus the global option ``--authenticate {always,auto,never}`` and the
reserved first word ``uvauth`` (``uvauth uvauth COMMAND``). So the script for a shell is built from uv's,
not written by hand:

1. **Re-target** uv's script (:mod:`uvauth.completion.retarget`): its functions renamed, its registration
   naming ``uvauth`` and ``uv``.
2. **Add** uvauth's part: the shell code in the repository's top-level ``completions/`` (``additions.bash``,
   ``additions.zsh``, ``additions.fish``; shipped inside the package, :func:`uvauth.cache.data_dir`), whose
   ``@PLACEHOLDERS@`` this module fills with tables generated from :data:`~uvauth.completion.grammar.POLICY_HELP`
   and uvauth's own grammar (:mod:`uvauth.completion.grammar`, read from the typer app by the caller). bash and
   zsh: ``_uvauth`` takes ``--authenticate`` and its value out of the words, calls uv's function on the rest, and
   adds ``--authenticate``, its values, the first word ``uvauth`` and ``uvauth uvauth …``; fish: ``complete``
   statements. ``uvauth uvauth explain ARGS`` completes ARGS as a uvauth command line (``doctor ARGS`` as ``uv
   lock ARGS``).

``uv`` is completed by the same function: with uvauth's additions while ``uv`` is an alias of uvauth (bash
and zsh look at the alias when completing; zsh expands aliases before completing unless
``complete_aliases`` is set; fish's ``alias`` makes ``uv`` wrap ``uvauth``), as by uv's own script otherwise.

The scripts are generated, never stored: ``uvauth uvauth completion SHELL`` builds the one for the uv uvauth
runs (:func:`script`), so it completes the user's own uv.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from typing import Final

from uvauth.completion.grammar import (
    AUTHENTICATE,
    AUTHENTICATE_HELP,
    OWN_WORD,
    OWN_WORD_HELP,
    POLICY_HELP,
    OwnCommand,
    OwnGrammar,
    OwnOption,
)
from uvauth.completion.retarget import NAME_CHARS, SHELLS, RetargetError, retarget
from uvauth.errors import UvauthError
from uvauth.uv.auth_policy import POLICIES

# The file each script is installed as.
FILE_NAMES: Final = {"bash": "uvauth", "zsh": "_uvauth", "fish": "uvauth.fish"}
# The first line of uvauth's part of every script: everything before it is uv's script, re-targeted.
ADDITIONS_MARKER: Final = "# --- uvauth: uv's completion above (re-targeted), uvauth's command line below ---"


@functools.cache
def template(shell: str) -> str:
    """uvauth's shell code for ``shell``, from ``completions/additions.SHELL`` (:func:`uvauth.cache.data_dir`):
    ``@NAME@`` placeholders stand for the tables generated from the grammar."""
    from uvauth.cache import data_dir

    with open(os.path.join(data_dir("completions"), f"additions.{shell}"), encoding="utf-8") as handle:
        return handle.read()


def _words(words: Sequence[str]) -> str:
    return " ".join(words)


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_item(name: str, help: str) -> str:
    """An element of a ``_describe`` array: ``name:description`` (colons in the name escaped)."""
    return _zsh_quote(name.replace(":", "\\:") + (":" + help if help else ""))


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _bash_additions(grammar: OwnGrammar) -> str:
    arms, value_arms, positional_arms = [], [], []
    for command in grammar.commands:
        settings = [f'options="{_words(command.option_names)}"']
        valued = [name for option in command.valued for name in option.names]
        if valued:
            settings.append(f'valued="{_words(valued)}"')
        if command.uv_tail is not None:
            settings += ["tail=1", f'prefix="{_words(command.uv_tail)}"']
        if command.uv_options is not None:
            settings.append(f'only="{_words(command.uv_options)}"')
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
    return (template("bash")
            .replace("@POLICIES@", _words(POLICIES))
            .replace("@GROUP_OPTIONS@", _words([n for option in grammar.options for n in option.names]))
            .replace("@COMMANDS@", _words([command.name for command in grammar.commands]))
            .replace("@COMMAND_ARMS@", "\n".join(arms))
            .replace("@VALUE_ARMS@\n", value_case + "\n" if value_case else "")
            .replace("@POSITIONAL_ARMS@\n", positional_case + "\n" if positional_case else "")
            .strip("\n"))


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
        if command.uv_options is not None:
            settings.append(f"only=({_words(command.uv_options)})")
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
    return (template("zsh")
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


def _fish_additions(grammar: OwnGrammar) -> str:
    lines = [template("fish").strip("\n"), ""]
    not_own = "not __uvauth_own_words >/dev/null"
    # As clap_complete writes value lists: `value\t'description'` lines, evaluated when completing.
    policies = "\n".join(f"{policy}\\t{_fish_quote(POLICY_HELP[policy])}" for policy in POLICIES)
    lines.append(f'complete -c uvauth -n "{not_own}" -l {AUTHENTICATE.removeprefix("--")} '
                 f'-d {_fish_quote(AUTHENTICATE_HELP)} -r -f -a "{policies}"')
    commands = ", ".join(command.name for command in grammar.commands)
    lines.append('complete -c uvauth -n "test (count (commandline -opc)) -eq 1" -f '
                 f"-a {OWN_WORD} -d {_fish_quote(OWN_WORD_HELP + ': ' + commands)}")
    lines.append('complete -c uvauth -n "__uvauth_own_words >/dev/null" -f')
    lines.append('complete -c uvauthx -f -a "(__uvauthx_complete)"')
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
            only = ["--only", *command.uv_options] if command.uv_options is not None else []
            words = _words([*command.option_names, "--", *command.uv_tail, *only])
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


_HEADER = """\
# uvauth {shell} completion: uv's own (`uv generate-shell-completion {shell}`, uv {version}),
# completing `uvauth` and `uv` when `alias uv=uvauth`, plus uvauth's --authenticate and
# `uvauth uvauth` commands. Generated by `uvauth uvauth completion {shell}` for the uv it runs: do not edit.
# Install: {install}
"""
_INSTALL: Final = {
    "bash": "save it (again after upgrading uv), so that bash-completion loads it on demand:\n"
            "#   uvauth uvauth completion bash > ~/.local/share/bash-completion/completions/uvauth\n"
            "#   (and ln -s uvauth …/completions/uv, …/completions/uvauthx; or source the file in ~/.bashrc)",
    "zsh": "save as `_uvauth` in a directory of $fpath before compinit runs, or, after compinit\n"
           '#   in ~/.zshrc: eval "$(uvauth uvauth completion zsh)"',
    "fish": "uvauth uvauth completion fish > ~/.config/fish/completions/uvauth.fish (and, for uvauthx,\n"
            "#   ln -s uvauth.fish ~/.config/fish/completions/uvauthx.fish)",
}


def build(shell: str, uv_script: str, uv_version: str, grammar: OwnGrammar) -> str:
    """The completion script for ``shell`` from uv's script for it and uvauth's own grammar (deterministic: a
    function of its inputs). uvauth's part starts at the line :data:`ADDITIONS_MARKER`."""
    body, registration = retarget(shell, uv_script)
    header = _HEADER.format(shell=shell, version=uv_version, install=_INSTALL[shell])
    if shell == "bash":
        parts = [header + body, _bash_additions(grammar), registration]
    elif shell == "zsh":
        parts = ["#compdef uvauth uv uvauthx\n" + header + "\n" + body, _zsh_additions(grammar), registration]
    else:
        parts = [header + "\n" + body, _fish_additions(grammar)]
    text = "\n\n".join(parts) + "\n"
    _check_functions(shell, text)
    return text


def _check_functions(shell: str, text: str) -> None:
    pattern = rf"^function ({NAME_CHARS}+)$" if shell == "fish" else rf"^({NAME_CHARS}+)\(\) \{{$"
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


def generate(shell: str, uv: str, grammar: OwnGrammar) -> str:
    """The completion script for ``shell``, built from the uv at path ``uv``."""
    if shell not in SHELLS:
        raise UvauthError(f"unknown shell {shell!r}", hint=f"use one of {', '.join(SHELLS)}")
    uv_script, version = uv_completion(uv, shell)
    return build(shell, uv_script, version, grammar)


def script(shell: str, grammar: OwnGrammar, env: Mapping[str, str] | None = None) -> str:
    """``uvauth uvauth completion SHELL``: the script built from the real uv, found as uvauth finds it."""
    from uvauth.launch import real_uv

    env = dict(os.environ) if env is None else env
    return generate(shell, real_uv(env), grammar)
