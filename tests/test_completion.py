"""Shell completion (uvauth.completion, `uvauth uvauth completion`).

1. Re-targeting, on small scripts shaped like clap_complete's and on the real uv's: every function uv's
   script defines is renamed wherever it is used, the registration names uvauth (and uv), and a shape the
   re-targeting does not know stops it instead of producing a broken script.
2. The scripts, generated here from the pinned uv (they are never stored: users generate them for their own uv):
   `uvauth uvauth completion SHELL` prints them, uvauth's own commands in them are those of the typer app, and
   uvauth's part (after uv's re-targeted script) is snapshot in tests/snapshots/completion/ — run with
   UVAUTH_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after changing uvauth's commands or completions/, then
   review the diff.
3. Completion in real shells: bash (always: the function called as bash's programmable completion calls it,
   and TAB typed into an interactive bash on a pseudo-terminal), zsh (TAB on a pseudo-terminal, the matches
   captured from `compadd`) and fish (`complete -C`). The zsh and fish tests are skipped when the shell is
   not installed (`apt-get install -y zsh fish`).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from uvauth import cli
from uvauth.commands.completion import grammar as uvauth_grammar
from uvauth.completion import build as completion
from uvauth.completion import grammar as own
from uvauth.completion import retarget as retargeting
from uvauth.completion.build import ADDITIONS_MARKER, FILE_NAMES
from uvauth.completion.retarget import SHELLS, RetargetError
from uvauth.uv.auth_policy import POLICIES
from uvauth.uv import cmdline as uvcli

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "completion"
VENV_BIN = str(Path(sys.executable).parent)
GRAMMAR = uvauth_grammar()
# Read at import: the isolation fixture (tests/conftest.py) gives each test a cleaned environment.
UPDATE_SNAPSHOTS = os.environ.get("UVAUTH_UPDATE_SNAPSHOTS") == "1"

needs_zsh = pytest.mark.skipif(
    shutil.which("zsh") is None, reason="zsh is not installed (apt-get install -y zsh)"
)
needs_fish = pytest.mark.skipif(
    shutil.which("fish") is None, reason="fish is not installed (apt-get install -y fish)"
)


@pytest.fixture(scope="session")
def uv_scripts(uv_bin: Path) -> dict[str, str]:
    """uv's own completion scripts."""
    return {shell: completion.uv_completion(str(uv_bin), shell)[0] for shell in SHELLS}


@pytest.fixture(scope="session")
def scripts(uv_bin: Path) -> dict[str, str]:
    """uvauth's completion scripts, built from the venv's (pinned) uv."""
    return {shell: completion.generate(shell, str(uv_bin), GRAMMAR) for shell in SHELLS}


@pytest.fixture(scope="session")
def script_files(scripts: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("completions")
    paths = {}
    for shell, text in scripts.items():
        paths[shell] = directory / FILE_NAMES[shell]
        paths[shell].write_text(text, encoding="utf-8")
    return paths


# --- 1. re-targeting ----------------------------------------------------------------------------------------

BASH_LIKE = """\
_uv() {
    local i cur prev opts cmd
    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="uv"
                ;;
        esac
    done
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _uv -o nosort -o bashdefault -o default uv
else
    complete -F _uv -o bashdefault -o default uv
fi
"""

ZSH_LIKE = """\
#compdef uv

autoload -U is-at-least

_uv() {
    _arguments "${_arguments_options[@]}" : \\
'--uv-option[mentions _uv__pip_commands and _uvx]' \\
":: :_uv_commands" \\
&& ret=0
}
(( $+functions[_uv_commands] )) ||
_uv_commands() {
    _describe -t commands 'uv commands' commands "$@"
}
(( $+functions[_uv__build-backend_commands] )) ||
_uv__build-backend_commands() {
    _describe -t commands 'uv build-backend commands' commands "$@"
}

if [ "$funcstack[1]" = "_uv" ]; then
    _uv "$@"
else
    compdef _uv uv
fi
"""

FISH_LIKE = """\
# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_uv_global_optspecs
\tstring join \\n n/no-cache cache-dir= h/help
end

function __fish_uv_needs_command
\t# Figure out if the current invocation already has a command.
\tset -l cmd (commandline -opc)
\tif set -q argv[1]
\t\techo $argv[1]
\t\treturn 1
\tend
\treturn 0
end

complete -c uv -n "__fish_uv_needs_command" -l color -r -f -a "auto\\t'Enables colored output'
complete -c uv is text in a quoted list, not a statement\\t'it isn\\'t'"
complete -c uv -n "__fish_uv_needs_command" -f -a "pip" -d 'Manage Python packages'
"""


def test_renamed_puts_uvauth_after_the_leading_underscores() -> None:
    assert retargeting.renamed("_uv") == "_uvauth_uv"
    assert retargeting.renamed("_uv__build-backend_commands") == "_uvauth_uv__build-backend_commands"
    assert retargeting.renamed("__fish_uv_needs_command") == "__uvauth_fish_uv_needs_command"


def test_rename_functions_renames_whole_words_only() -> None:
    text = 'compdef _uv uv; _uv "$@"; _uv__add; _uvx; $+functions[_uv__add] x_uv'
    assert retargeting.rename_functions(text, ["_uv", "_uv__add"]) == (
        'compdef _uvauth_uv uv; _uvauth_uv "$@"; _uvauth_uv__add; _uvx; $+functions[_uvauth_uv__add] x_uv'
    )


def test_bash_retarget_renames_the_function_and_registers_uvauth_and_uv() -> None:
    body, registration = retargeting.retarget("bash", BASH_LIKE)
    assert body.startswith("_uvauth_uv() {\n") and body.endswith("\n}")
    assert '",$1")' in body  # uv's function is otherwise untouched: it matches whatever the command word is
    assert registration.splitlines() == [
        BASH_LIKE.splitlines()[-5],  # `if [[ bash >= 4.4 ]]; then`, unchanged
        "    complete -F _uvauth -o nosort -o bashdefault -o default uvauth uv",
        "    complete -F _uvauthx -o nosort -o bashdefault -o default uvauthx",  # uvauth's uvx
        "else",
        "    complete -F _uvauth -o bashdefault -o default uvauth uv",
        "    complete -F _uvauthx -o bashdefault -o default uvauthx",
        "fi",
    ]


def test_zsh_retarget_renames_every_function_and_its_uses() -> None:
    body, registration = retargeting.retarget("zsh", ZSH_LIKE)
    assert "#compdef" not in body and "compdef _uv" not in body
    assert "_uvauth_uv() {" in body and '":: :_uvauth_uv_commands"' in body
    assert (
        "(( $+functions[_uvauth_uv__build-backend_commands] )) ||\n_uvauth_uv__build-backend_commands() {"
        in body
    )
    assert "mentions _uv__pip_commands and _uvx" in body  # not functions of the script: left alone
    assert "compdef _uvauth uvauth uv uvauthx" in registration


def test_fish_retarget_follows_statements_not_lines() -> None:
    body, _ = retargeting.retarget("fish", FISH_LIKE)
    assert (
        "function __uvauth_fish_uv_global_optspecs\n"
        "\tstring join \\n n/no-cache cache-dir= h/help authenticate=\n"
        in body
    )
    assert 'complete -c uvauth -n "__uvauth_fish_uv_needs_command" -l color' in body
    assert 'complete -c uvauth -n "__uvauth_fish_uv_needs_command" -f -a "pip"' in body
    # the line inside the quoted value list is not a statement, so it is not re-targeted
    assert "\ncomplete -c uv is text in a quoted list" in body


def test_fish_statement_lines() -> None:
    lines = FISH_LIKE.split("\n")
    starts = [
        lines[i].split()[0] for i in retargeting.fish_statement_lines(FISH_LIKE) if i < len(lines) and lines[i]
    ]
    assert starts.count("complete") == 2
    assert retargeting.fish_statement_lines("a 'x\ny' \\\nz\nb # it's\nc\n") == [0, 3, 4, 5]


@pytest.mark.parametrize(
    ("shell", "text", "message"),
    [
        pytest.param(
            "bash", BASH_LIKE.replace("_uv()", "_uvx()"), "does not define _uv", id="bash-no-function"
        ),
        pytest.param("bash", BASH_LIKE + "echo surprise\n", "unexpected line", id="bash-extra-line"),
        pytest.param(
            "bash",
            BASH_LIKE.replace("default uv\n", "default uvx\n"),
            "unexpected line",
            id="bash-other-command",
        ),
        pytest.param("zsh", ZSH_LIKE.removeprefix("#compdef uv\n"), "#compdef uv", id="zsh-no-compdef"),
        pytest.param(
            "zsh", ZSH_LIKE.replace("compdef _uv uv", "compdef _uv uv uvx"), "compdef", id="zsh-other-block"
        ),
        pytest.param(
            "fish", FISH_LIKE + "set -g surprise 1\n", "unexpected statement", id="fish-extra-statement"
        ),
        pytest.param(
            "fish", FISH_LIKE.replace("\treturn 0\nend\n", "\treturn 0\n"), "does not end", id="fish-open"
        ),
        pytest.param(
            "fish", FISH_LIKE.replace("string join", "printf"), "string join", id="fish-no-optspecs"
        ),
    ],
)
def test_unknown_shapes_stop_the_retargeting(shell: str, text: str, message: str) -> None:
    with pytest.raises(RetargetError, match=re.escape(message)):
        retargeting.retarget(shell, text)


def _functions(shell: str, text: str) -> list[str]:
    pattern = r"^function ([\w-]+)$" if shell == "fish" else r"^([\w-]+)\(\) \{$"
    return re.findall(pattern, text, flags=re.MULTILINE)


@pytest.mark.parametrize("shell", SHELLS)
def test_real_uv_scripts_are_fully_retargeted(
    shell: str, uv_scripts: dict[str, str], scripts: dict[str, str]
) -> None:
    uv_functions = _functions(shell, uv_scripts[shell])
    ours = _functions(shell, scripts[shell])
    assert uv_functions and len(ours) == len(set(ours))
    assert set(ours) >= {retargeting.renamed(name) for name in uv_functions}
    # no function name of uv's script is left anywhere in ours
    assert not set(re.findall(r"[\w-]+", scripts[shell])) & set(uv_functions)


def test_real_bash_script_keeps_uvs_function_and_registers_uvauth(
    uv_scripts: dict[str, str], scripts: dict[str, str]
) -> None:
    uv_body = uv_scripts["bash"].split("\n}\n")[0]
    assert retargeting.rename_functions(uv_body, ["_uv"]) in scripts["bash"]
    registrations = [
        line.split() for line in scripts["bash"].splitlines() if line.lstrip().startswith("complete ")
    ]
    assert registrations and all(
        (words[1:3] == ["-F", "_uvauth"] and words[-2:] == ["uvauth", "uv"])
        or (words[1:3] == ["-F", "_uvauthx"] and words[-1] == "uvauthx") for words in registrations
    )
    assert len([words for words in registrations if words[-1] == "uvauthx"]) == len(registrations) // 2


def test_real_fish_script_targets_uvauth_only(uv_scripts: dict[str, str], scripts: dict[str, str]) -> None:
    def statements(text: str) -> list[str]:
        lines = text.split("\n")
        return [lines[i] for i in retargeting.fish_statement_lines(text) if i < len(lines)]

    uv_completes = [s for s in statements(uv_scripts["fish"]) if s.startswith("complete -c uv ")]
    ours = statements(scripts["fish"])
    assert not [s for s in ours if s.startswith("complete -c uv ")]
    assert len([s for s in ours if s.startswith("complete -c uvauth ")]) > len(uv_completes) > 1000


def test_real_zsh_script_is_an_autoloadable_compdef_file(scripts: dict[str, str]) -> None:
    assert scripts["zsh"].startswith("#compdef uvauth uv uvauthx\n")
    assert scripts["zsh"].endswith("\nelse\n    compdef _uvauth uvauth uv uvauthx\nfi\n")


# --- 2. the scripts -----------------------------------------------------------------------------------------


def test_build_is_deterministic(uv_scripts: dict[str, str]) -> None:
    for shell in SHELLS:
        assert completion.build(shell, uv_scripts[shell], "0.0.0", GRAMMAR) == completion.build(
            shell, uv_scripts[shell], "0.0.0", GRAMMAR
        )


def uvauths_part(script: str) -> str:
    """What uvauth adds after uv's re-targeted script (from the marker line on; for bash and zsh this includes the
    registration, which follows uvauth's functions)."""
    before, marker, after = script.partition(ADDITIONS_MARKER + "\n")
    assert marker and before, "the script has no uvauth part"
    return marker + after


@pytest.mark.parametrize("shell", SHELLS)
def test_uvauths_part_matches_the_snapshot(shell: str, scripts: dict[str, str]) -> None:
    """Only uvauth's part is snapshot: uv's script is uv's (and the user's own uv's at run time)."""
    snapshot = SNAPSHOTS / f"additions.{shell}"
    ours = uvauths_part(scripts[shell])
    assert scripts[shell].count(ADDITIONS_MARKER) == 1
    if UPDATE_SNAPSHOTS:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(ours, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot}: run with UVAUTH_UPDATE_SNAPSHOTS=1"
    assert ours == snapshot.read_text(encoding="utf-8"), (
        f"uvauth's {shell} completion changed: if that is intended, rerun with UVAUTH_UPDATE_SNAPSHOTS=1 and "
        "review the diff"
    )


def test_the_additions_are_read_from_the_top_level_completions_folder() -> None:
    """The shell code is kept in the repository's top-level completions/ (read from there in this editable
    install) and mapped into the wheel as uvauth/completions/, where a built wheel reads it."""
    import tomllib

    from uvauth.cache import data_dir

    root = Path(__file__).resolve().parents[1]
    assert Path(data_dir("completions")) == root / "completions"
    for shell in SHELLS:
        assert completion.template(shell).startswith(ADDITIONS_MARKER + "\n")
        assert completion.template(shell) == (root / "completions" / f"additions.{shell}").read_text(encoding="utf-8")
    with open(root / "pyproject.toml", "rb") as handle:
        wheel = tomllib.load(handle)["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "completions" in wheel["only-include"] and wheel["sources"]["completions"] == "uvauth/completions"


@pytest.mark.parametrize("shell", SHELLS)
def test_uvauth_uvauth_completion_prints_the_script(shell: str, uv_bin: Path, scripts: dict[str, str]) -> None:
    env = {**os.environ, "UVAUTH_UV": str(uv_bin)}
    done = subprocess.run(
        [sys.executable, "-m", "uvauth", "uvauth", "completion", shell],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == scripts[shell]


def test_uvauth_uvauth_completion_rejects_an_unknown_shell(uv_bin: Path) -> None:
    env = {**os.environ, "UVAUTH_UV": str(uv_bin)}
    done = subprocess.run(
        [sys.executable, "-m", "uvauth", "uvauth", "completion", "pwsh"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("uvauth: error: unknown shell 'pwsh'") and done.stdout == ""
    lines = done.stderr.splitlines()  # one error line (and its hint), from the one error boundary
    assert len(lines) <= 2 and all(line.startswith("hint: ") for line in lines[1:]), done.stderr


def test_own_grammar_is_the_typer_apps() -> None:
    import typer.main

    from uvauth.commands import app as commands
    from uvauth.doctor import report as doctor

    grammar = uvauth_grammar()
    group: Any = typer.main.get_command(commands.app)
    assert [c.name for c in grammar.commands] == sorted(group.commands)
    assert {"explain", "doctor", "completion", "version"} <= {c.name for c in grammar.commands}
    by_name = {c.name: c for c in grammar.commands}
    assert by_name["explain"].uv_tail == () and "--json" in by_name["explain"].option_names
    assert by_name["doctor"].uv_tail == (doctor.UV_COMMAND,)
    assert by_name["completion"].positionals == (SHELLS,) and by_name["completion"].uv_tail is None
    assert grammar.options[0].names == ("-h", "--help")


def test_uvauth_words_are_uvauths() -> None:
    assert own.OWN_WORD == cli.OWN_COMMANDS
    assert {own.AUTHENTICATE} == set(uvcli.UVAUTH_VALUE_OPTIONS)
    assert tuple(own.POLICY_HELP) == POLICIES


def test_a_grammar_with_a_valued_option_and_positionals(tmp_path: Path) -> None:
    """The generated tables for shapes uvauth's commands do not have yet: they still make valid scripts."""
    grammar = own.OwnGrammar(
        options=(own.OwnOption(("-h", "--help"), "help"),),
        commands=(
            own.OwnCommand(
                name="demo",
                help="a demo",
                options=(own.OwnOption(("-f", "--format"), "format", True, ("json", "text")),),
                positionals=(("one", "two"), None),
                variadic=True,
            ),
        ),
    )
    bash = completion.build("bash", BASH_LIKE, "0", grammar)
    assert 'demo:-f) COMPREPLY=( $(compgen -W "json text" -- "$cur") ); return 0 ;;' in bash
    assert 'demo:0) COMPREPLY=( $(compgen -W "one two" -- "$cur") ) ;;' in bash
    (tmp_path / "demo.bash").write_text(bash)
    replies = {
        tuple(words): _bash_complete_file(tmp_path / "demo.bash", words)
        for words in (
            ["uvauth", "uvauth", "demo", "--format", ""],
            ["uvauth", "uvauth", "demo", "-f", "json", "t"],
            ["uvauth", "uvauth", "demo", "--"],
        )
    }
    assert replies == {
        ("uvauth", "uvauth", "demo", "--format", ""): ["json", "text"],
        ("uvauth", "uvauth", "demo", "-f", "json", "t"): ["two"],
        ("uvauth", "uvauth", "demo", "--"): ["--format"],
    }
    for shell, check in (("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])):
        if shutil.which(check[0]):
            text = completion.build(shell, {"zsh": ZSH_LIKE, "fish": FISH_LIKE}[shell], "0", grammar)
            done = subprocess.run(
                [*check], input=text, capture_output=True, text=True, timeout=60, check=False
            )
            assert done.returncode == 0, done.stderr


# --- 3. real shells: bash -----------------------------------------------------------------------------------

# Calls the completion function registered for the command word as bash's programmable completion does:
# COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT set; arguments: command word, word being completed, word
# before it.
BASH_HARNESS = r"""
source "$1"
[[ "$2" == alias ]] && alias uv=uvauth
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
read -ra spec <<< "$(complete -p -- "${COMP_WORDS[0]}")" || exit 3
for (( i = 0; i < ${#spec[@]}; i++ )); do
    [[ "${spec[i]}" == -F ]] && function="${spec[i+1]}"
done
COMPREPLY=()
"$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


def _bash_complete_file(path: Path, words: list[str], alias: bool = False) -> list[str]:
    done = subprocess.run(
        [
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            BASH_HARNESS,
            "harness",
            str(path),
            "alias" if alias else "-",
            *words,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [line for line in done.stdout.split("\n") if line]


OWN_COMMANDS = sorted(c.name for c in GRAMMAR.commands)

# (words, the last being completed; `uv` an alias of uvauth; expected: a list = exactly these, a set = at
# least these; words that must not be offered)
BASH_CASES = [
    pytest.param(["uvauth", "pip", "com"], False, {"compile"}, set(), id="uvauth pip com"),
    pytest.param(["uvauth", "--authe"], False, ["--authenticate"], set(), id="uvauth --authe"),
    pytest.param(["uvauth", "--authenticate", "al"], False, ["always"], set(), id="uvauth --authenticate al"),
    pytest.param(["uvauth", "--authenticate", ""], False, ["always", "auto", "never"], set(), id="policies"),
    pytest.param(["uvauth", "uvauth", "ex"], False, ["explain"], set(), id="uvauth uvauth ex"),
    pytest.param(["uv", "pip", "com"], True, {"compile"}, set(), id="alias: uv pip com"),
    pytest.param(["uv", "--authe"], True, ["--authenticate"], set(), id="alias: uv --authe"),
    pytest.param(["uv", "uvauth", "ex"], True, ["explain"], set(), id="alias: uv uvauth ex"),
    pytest.param(["uv", "pip", "com"], False, {"compile"}, set(), id="no alias: uv pip com"),
    pytest.param(["uv", "--authe"], False, [], set(), id="no alias: uv --authe"),
    pytest.param(["uv", ""], False, {"pip", "--offline"}, {"uvauth", "--authenticate"}, id="no alias: uv"),
    pytest.param(["uvauth", ""], False, {"uvauth", "pip", "--offline", "--authenticate"}, set(), id="uvauth"),
    pytest.param(["uvauth", "pip", ""], False, {"compile"}, {"uvauth"}, id="uvauth only first"),
    pytest.param(
        ["uvauth", "--authenticate", "always", "pip", "com"], False, {"compile"}, set(), id="stripped"
    ),
    pytest.param(["uvauth", "--authenticate=never", "pip", "com"], False, {"compile"}, set(), id="stripped="),
    pytest.param(["uvauth", "--authenticate", "always", ""], False, {"pip"}, {"uvauth"}, id="not first"),
    pytest.param(
        ["uvauth", "--offline", "--authenticate", "never", "pip", "install", "--pr"],
        False,
        {"--prerelease", "--prefix"},
        set(),
        id="stripped mid-line",
    ),
    pytest.param(["uvauth", "--authenticate=al"], False, ["--authenticate=always"], set(), id="one word ="),
    pytest.param(["uvauth", "--authenticate", "=", "al"], False, ["always"], set(), id="split at ="),
    pytest.param(["uvauth", "--authenticate", "="], False, ["always", "auto", "never"], set(), id="after ="),
    pytest.param(["uvauth", "run", "--", "--authe"], False, [], set(), id="not after --"),
    pytest.param(["uvauth", "uvauth", ""], False, OWN_COMMANDS, set(), id="own commands"),
    pytest.param(["uvauth", "uvauth", "-"], False, ["-h", "--help"], set(), id="own options"),
    pytest.param(["uvauth", "uvauth", "completion", ""], False, list(SHELLS), set(), id="completion SHELL"),
    pytest.param(["uvauth", "uvauth", "explain", "--j"], False, ["--json"], set(), id="explain --json"),
    pytest.param(
        ["uvauth", "uvauth", "explain", "pip", "com"], False, {"compile"}, set(), id="explain uv line"
    ),
    pytest.param(
        ["uvauth", "uvauth", "explain", "--json", "--authenticate", "n"],
        False,
        ["never"],
        set(),
        id="explain --authenticate",
    ),
    pytest.param(["uvauth", "uvauth", "explain", "pip", "--js"], False, [], set(), id="explain --json leads"),
    pytest.param(
        ["uvauth", "uvauth", "doctor", "--inde"],
        False,
        {"--index", "--index-url"},
        set(),
        id="doctor: uv lock's options",
    ),
    pytest.param(
        ["uvauth", "uvauth", "doctor", ""],
        False,
        {"--index", "--project"},
        {"pip", "lock"},
        id="doctor: no subcommands",
    ),
    # doctor reads only the index and configuration options of `uv lock`: nothing else is offered.
    pytest.param(["uvauth", "uvauth", "doctor", "--dr"], False, [], set(), id="doctor: no --dry-run"),
    pytest.param(["uvauth", "uvauth", "doctor", "--lock"], False, [], set(), id="doctor: no --locked"),
    pytest.param(["uvauth", "uvauth", "explain", "uv"], False, [], set(), id="explain: no uvauth word"),
    pytest.param(["uvauthx", "--fr"], False, ["--from"], set(), id="uvauthx --fr"),
    pytest.param(["uvauthx", "--authe"], False, ["--authenticate"], set(), id="uvauthx --authe"),
]


@pytest.mark.parametrize(("words", "alias", "expected", "absent"), BASH_CASES)
def test_bash_completion_function(
    script_files: dict[str, Path],
    words: list[str],
    alias: bool,
    expected: list[str] | set[str],
    absent: set[str],
) -> None:
    replies = _bash_complete_file(script_files["bash"], words, alias)
    if isinstance(expected, list):
        assert replies == expected
    else:
        assert expected <= set(replies)
    assert not absent & set(replies)


@pytest.mark.parametrize("words", [
    ["uvauth", "uvauth", "explain", "--"], ["uv", "uvauth", "explain", "--"], ["uvauth", "uvauth", "doctor", "--"],
], ids=" ".join)
def test_bash_offers_each_word_once(script_files: dict[str, Path], words: list[str]) -> None:
    replies = _bash_complete_file(script_files["bash"], words, alias=True)
    assert "--help" in replies and "--json" in replies
    assert len(replies) == len(set(replies)), sorted(r for r in replies if replies.count(r) > 1)


class Terminal:
    """An interactive shell on a pseudo-terminal, typed into."""

    # The shell is started by subprocess (fork and exec in C) through this one-line helper, which takes the
    # terminal as its controlling one and becomes the shell: pty.fork() would fork pytest itself, which under
    # pytest-xdist has threads (a child forked from a threaded process may deadlock before it execs).
    _BECOME = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
               "os.execvp(sys.argv[1], sys.argv[1:])")

    def __init__(self, argv: list[str], env: Mapping[str, str]) -> None:
        self.fd, terminal = os.openpty()
        try:
            self.process = subprocess.Popen([sys.executable, "-c", self._BECOME, *argv], stdin=terminal,
                                            stdout=terminal, stderr=terminal, env=dict(env), start_new_session=True)
        finally:
            os.close(terminal)
        self.output = b""

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait_for(self, done: Callable[[], bool], timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the shell is gone
                    break
        return done()

    def expect(self, pattern: bytes, timeout: float = 30) -> re.Match[bytes]:
        assert self.wait_for(lambda: re.search(pattern, self.output) is not None, timeout), self.output[
            -3000:
        ]
        match = re.search(pattern, self.output)
        assert match is not None
        return match

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.fd)


@pytest.fixture
def terminal() -> Iterator[Callable[[list[str], Mapping[str, str]], Terminal]]:
    started: list[Terminal] = []

    def start(argv: list[str], env: Mapping[str, str]) -> Terminal:
        started.append(Terminal(argv, env))
        return started[-1]

    yield start
    for term in started:
        term.close()


def _shell_env(**extra: str) -> dict[str, str]:
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(("BASH_FUNC_", "ZDOTDIR"))
    }
    env.update(PATH=VENV_BIN + os.pathsep + env.get("PATH", ""), TERM="dumb", PS1="$ ", INPUTRC="/dev/null")
    env.update(extra)
    return env


# (what is typed, TAB included; `uv` an alias of uvauth; the command line after the TAB)
TAB_CASES = [
    pytest.param("uvauth pip com\t", False, "uvauth pip compile", id="uvauth pip com"),
    pytest.param("uvauth --authe\t", False, "uvauth --authenticate", id="uvauth --authe"),
    pytest.param(
        "uvauth --authenticate al\t", False, "uvauth --authenticate always", id="uvauth --authenticate al"
    ),
    pytest.param(
        "uvauth --authenticate=al\t", False, "uvauth --authenticate=always", id="uvauth --authenticate=al"
    ),
    pytest.param("uvauth uvauth ex\t", False, "uvauth uvauth explain", id="uvauth uvauth ex"),
    pytest.param("uv pip com\t", True, "uv pip compile", id="alias: uv pip com"),
    pytest.param("uv --authe\t", True, "uv --authenticate", id="alias: uv --authe"),
    pytest.param("uv --authe\t", False, "uv --authe", id="no alias: uv --authe"),
]


@pytest.mark.parametrize(("typed", "alias", "line"), TAB_CASES)
def test_bash_tab(
    script_files: dict[str, Path], terminal: Callable[..., Terminal], typed: str, alias: bool, line: str
) -> None:
    """TAB in an interactive bash (readline, programmable completion, the alias as typed), then the command
    line is echoed: Ctrl-A, `echo R42=`, Enter."""
    bash = terminal(["bash", "--norc", "--noprofile", "-i"], _shell_env())
    setup = f"source {script_files['bash']}" + ("; alias uv=uvauth" if alias else "")
    bash.type(setup + "; echo READY-$((6*7))\n")
    bash.expect(rb"READY-42")
    bash.type(typed + "\x01echo R$((6*7))=\n")
    assert bash.expect(rb"\nR42=([^\r\n]*)\r?\n").group(1).decode().rstrip() == line


# --- 3. real shells: zsh ------------------------------------------------------------------------------------

# Every match zsh's completion system adds goes through `compadd`: record them (with the ignored prefix
# compset moved out, as for `--authenticate=`), and mark the end of each completion.
ZSH_SETUP = r"""
bindkey -e
compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "$@"
        return
    fi
    local -a hits
    builtin compadd -A hits "$@"
    (( $#hits )) && print -rl -- "${(@)hits/#/$IPREFIX}" >> $CAPTURE
    builtin compadd "$@"
}
_capture_complete() {
    _main_complete "$@"
    local ret=$?
    print -r -- '<END>' >> $CAPTURE
    return ret
}
zle -C capture-complete complete-word _capture_complete
bindkey '^I' capture-complete
"""


def _zsh_matches(
    terminal: Callable[..., Terminal], tmp_path: Path, install: str, setup: str, line: str
) -> list[str]:
    capture = tmp_path / "matches"
    zsh = terminal(["zsh", "-f", "-i"], _shell_env(CAPTURE=str(capture)))
    zsh.type(ZSH_SETUP + install + "\n" + setup + "\nprint READY-$((6*7))\n")
    zsh.expect(rb"READY-42")
    zsh.type(line + "\t")

    def captured() -> str:
        return capture.read_text() if capture.exists() else ""

    assert zsh.wait_for(lambda: "<END>" in captured()), zsh.output[-3000:]
    return [match for match in captured().split("\n") if match and match != "<END>"]


def _zsh_install(script_files: dict[str, Path], how: str) -> str:
    if how == "fpath":  # the file `_uvauth` in a directory of $fpath, autoloaded by compinit
        return f"fpath=({script_files['zsh'].parent} $fpath)\nautoload -U compinit && compinit -u -D"
    return (
        f'autoload -U compinit && compinit -u -D\neval "$(<{script_files["zsh"]})"'  # sourced after compinit
    )


ZSH_CASES = [
    pytest.param("", "uvauth pip com", {"compile"}, id="uvauth pip com"),
    pytest.param("", "uvauth --authe", ["--authenticate"], id="uvauth --authe"),
    pytest.param("", "uvauth --authenticate al", ["always"], id="uvauth --authenticate al"),
    pytest.param("", "uvauth --authenticate=al", ["--authenticate=always"], id="uvauth --authenticate=al"),
    pytest.param("", "uvauth uvauth ex", ["explain"], id="uvauth uvauth ex"),
    pytest.param("alias uv=uvauth", "uv pip com", {"compile"}, id="alias: uv pip com"),
    pytest.param("alias uv=uvauth", "uv --authe", ["--authenticate"], id="alias: uv --authe"),
    pytest.param(
        "alias uv=uvauth; setopt complete_aliases", "uv pip com", {"compile"}, id="complete_aliases: uv pip"
    ),
    pytest.param(
        "alias uv=uvauth; setopt complete_aliases",
        "uv --authe",
        ["--authenticate"],
        id="complete_aliases: uv --authe",
    ),
    pytest.param("setopt complete_aliases", "uv --authe", [], id="no alias: uv --authe"),
    pytest.param("", "uvauth --authenticate always pip com", {"compile"}, id="stripped"),
    pytest.param("", "uvauth uvauth ", OWN_COMMANDS, id="own commands"),
    pytest.param("", "uvauth uvauth completion ", list(SHELLS), id="completion SHELL"),
    pytest.param("", "uvauth uvauth explain pip com", {"compile"}, id="explain uv line"),
    pytest.param("", "uvauth uvauth explain --j", ["--json"], id="explain --json"),
    pytest.param(
        "", "uvauth uvauth doctor --inde", {"--index", "--index-url"}, id="doctor: uv lock's options"
    ),
    pytest.param("", "uvauth uvauth doctor --dr", [], id="doctor: no --dry-run"),
    pytest.param("", "uvauth uvauth doctor --lock", [], id="doctor: no --locked"),
    pytest.param("", "uvauth uvauth doctor --no-con", ["--no-config"], id="doctor: --no-config"),
    pytest.param("", "uvauth uvauth doctor --j", ["--json"], id="doctor: its own --json"),
    pytest.param("", "uvauthx --fr", ["--from"], id="uvauthx --fr"),
]


@needs_zsh
@pytest.mark.parametrize(("setup", "line", "expected"), ZSH_CASES)
def test_zsh_tab(
    script_files: dict[str, Path],
    terminal: Callable[..., Terminal],
    tmp_path: Path,
    setup: str,
    line: str,
    expected: list[str] | set[str],
) -> None:
    matches = _zsh_matches(terminal, tmp_path, _zsh_install(script_files, "fpath"), setup, line)
    if isinstance(expected, list):
        assert sorted(set(matches)) == sorted(expected)
    else:
        assert expected <= set(matches)


@needs_zsh
def test_zsh_sourced_after_compinit(
    script_files: dict[str, Path], terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    install = _zsh_install(script_files, "eval")
    assert set(_zsh_matches(terminal, tmp_path, install, "alias uv=uvauth", "uv --authenticate a")) == {
        "always",
        "auto",
    }


# --- 3. real shells: fish -----------------------------------------------------------------------------------


def _fish_complete(script_files: dict[str, Path], tmp_path: Path, line: str, setup: str = "") -> list[str]:
    """`complete -C LINE` in fish, with the script installed as ~/.config/fish/completions/uvauth.fish
    (autoloaded for `uvauth`, which must be on PATH)."""
    config = tmp_path / "config"
    (config / "fish" / "completions").mkdir(parents=True, exist_ok=True)
    shutil.copy(script_files["fish"], config / "fish" / "completions" / "uvauth.fish")
    # As the README installs it: the same file autoloaded for uvauthx.
    (config / "fish" / "completions" / "uvauthx.fish").symlink_to("uvauth.fish")
    env = _shell_env(XDG_CONFIG_HOME=str(config), XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    command = f"{setup}; complete -C {_fish_quote(line)}" if setup else f"complete -C {_fish_quote(line)}"
    done = subprocess.run(
        ["fish", "-c", command], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [row.split("\t")[0] for row in done.stdout.split("\n") if row]


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


FISH_CASES = [
    pytest.param("", "uvauth pip com", {"compile"}, id="uvauth pip com"),
    pytest.param("", "uvauth --authe", ["--authenticate"], id="uvauth --authe"),
    pytest.param("", "uvauth --authenticate al", ["always"], id="uvauth --authenticate al"),
    pytest.param("", "uvauth --authenticate=al", ["--authenticate=always"], id="uvauth --authenticate=al"),
    pytest.param("", "uvauth uvauth ex", ["explain"], id="uvauth uvauth ex"),
    pytest.param("alias uv=uvauth", "uv pip com", {"compile"}, id="alias: uv pip com"),
    pytest.param("alias uv=uvauth", "uv --authe", ["--authenticate"], id="alias: uv --authe"),
    pytest.param("alias uv=uvauth", "uv uvauth ex", ["explain"], id="alias: uv uvauth ex"),
    pytest.param("", "uv --authe", [], id="no alias: uv --authe"),
    pytest.param("", "uvauth --authenticate always pip com", {"compile"}, id="stripped"),
    pytest.param("", "uvauth uvau", ["uvauth"], id="uvauth word"),
    pytest.param("", "uvauth pip uvau", [], id="uvauth word only first"),
    pytest.param("", "uvauth uvauth ", OWN_COMMANDS, id="own commands"),
    pytest.param("", "uvauth uvauth completion ", list(SHELLS), id="completion SHELL"),
    pytest.param("", "uvauth uvauth explain pip com", {"compile"}, id="explain uv line"),
    pytest.param("", "uvauth uvauth explain --j", ["--json"], id="explain --json"),
    pytest.param("", "uvauth uvauth explain pip --j", [], id="explain --json leads"),
    pytest.param(
        "", "uvauth uvauth doctor --inde", {"--index", "--index-url"}, id="doctor: uv lock's options"
    ),
    pytest.param("", "uvauth uvauth doctor --dr", [], id="doctor: no --dry-run"),
    pytest.param("", "uvauth uvauth doctor --lock", [], id="doctor: no --locked"),
    pytest.param("", "uvauth uvauth explain uv", [], id="explain: no uvauth word"),
    pytest.param("", "uvauthx --fr", ["--from"], id="uvauthx --fr"),
]


@needs_fish
@pytest.mark.parametrize(("setup", "line", "expected"), FISH_CASES)
def test_fish_complete(
    script_files: dict[str, Path], tmp_path: Path, setup: str, line: str, expected: list[str] | set[str]
) -> None:
    matches = _fish_complete(script_files, tmp_path, line, setup)
    if isinstance(expected, list):
        assert sorted(set(matches)) == sorted(expected)
    else:
        assert expected <= set(matches)


# --- the package's layering ---------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def test_only_commands_imports_typer_rich_and_the_commands() -> None:
    """typer and rich are imported only under commands/; nothing outside it imports the commands except cli.py's
    dispatch of the reserved word; so completion/ gets uvauth's grammar handed to it, never reads the app."""
    package = Path(completion.__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative.startswith("commands/"):
            continue
        imported = _imports(path)
        assert not {n for n in imported if n.split(".")[0] in ("typer", "rich", "click")}, relative
        commands = {n for n in imported if n.startswith("uvauth.commands")}
        assert not commands or (relative == "cli.py" and commands <= {"uvauth.commands.app",
                                                                      "uvauth.commands.app.run_own_command",
                                                                      "uvauth.commands.app.run_with_uv_globals"}), \
            relative
