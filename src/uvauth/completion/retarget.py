"""Re-targeting uv's completion script: uv's own (``uv generate-shell-completion SHELL``, clap_complete's) made to
complete ``uvauth``, so that it can live beside uv's.

Each function the script defines is renamed at every whole-word occurrence (``_uv`` → ``_uvauth_uv``,
``__fish_uv_needs_command`` → ``__uvauth_fish_uv_needs_command``: ``uvauth_`` after the leading underscores). Then
its registration is replaced: bash's ``complete -F _uv … uv`` becomes ``complete -F _uvauth … uvauth uv``; zsh's
``#compdef uv`` line and closing ``compdef`` block name ``_uvauth`` for ``uvauth`` and ``uv``; fish's ``complete -c
uv`` statements become ``complete -c uvauth``, and ``authenticate=`` joins the global options uv's fish helpers skip
to find the subcommand. The script's shape is checked at each step: anything unexpected raises
:class:`RetargetError` rather than producing a broken script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

from uvauth.completion.grammar import AUTHENTICATE
from uvauth.errors import UvauthError

SHELLS: Final = ("bash", "zsh", "fish")
# Characters of a function name in uv's scripts (clap_complete writes `_uv__build-backend_commands` in zsh).
NAME_CHARS: Final = r"[A-Za-z0-9_-]"
_NAME_TOKEN = re.compile(rf"{NAME_CHARS}+")


class RetargetError(UvauthError):
    """uv's completion script does not have the shape this module knows how to re-target."""

    def __init__(self, shell: str, message: str) -> None:
        super().__init__(
            f"cannot re-target uv's {shell} completion script: {message}",
            hint="uv's completion generator changed; report it to uvauth, or use uv's own script "
            "(`uv generate-shell-completion`) meanwhile",
        )


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
    names = _defined(text, rf"^({NAME_CHARS}+)\(\) \{{$", "bash", "_uv")
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
            options = words[3:-1]
            registration.append(indent + " ".join(["complete", "-F", "_uvauth", *options, "uvauth", "uv"]))
            registration.append(indent + " ".join(["complete", "-F", "_uvauthx", *options, "uvauthx"]))
        else:
            raise RetargetError("bash", f"unexpected line after the function: {line!r}")
    if not any(line.lstrip().startswith("complete ") for line in registration):
        raise RetargetError("bash", "it registers no completion for uv")
    return "\n".join(lines[: end + 1]), "\n".join(registration).strip("\n")


_ZSH_REGISTRATION = """\
if [ "$funcstack[1]" = "_uvauth" ]; then
    _uvauth "$@"
else
    compdef _uvauth uvauth uv uvauthx
fi"""


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
    names = _defined(text, rf"^({NAME_CHARS}+)\(\) \{{$", "zsh", "_uv")
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
    names = _defined(text, rf"^function ({NAME_CHARS}+)$", "fish", "__fish_uv_needs_command")
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
