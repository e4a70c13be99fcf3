"""uv's command line, modelled: which subcommand, which options (wherever they stand), which tokens are untouchable.

The grammar is clap's, as uv configures it: options may come before or after the subcommand (global ones at any
level); ``--opt=value`` and ``--opt value``; short clusters (``-vvv``, ``-iURL``, ``-i URL``); ``--`` ends the
options; ``uv run`` / ``uv tool run`` / ``uvx`` stop at their command, whose arguments belong to that command. Which
options take a value comes from ``_uvspec`` (generated from uv's own help), so nothing here runs uv.

uvauth's own option ``--authenticate POLICY`` is recognised here too, wherever a uv global option could stand,
and removed from the arguments handed to uv.
"""

# This module is on the path of every uv call: `typing` and `dataclasses` cost more to import than all of
# uvauth's pass-through work, so they are for type checkers only and the classes below are written out.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

    from uvauth.uv import _spec as spec  # the readable tables, and their types
else:
    from uvauth.uv import _spec_packed as spec  # the same tables, a third of the import time (every uv call)

#: The uv release whose command line the grammar was generated from (scripts/gen_uvspec.py).
GRAMMAR_UV_VERSION: "Final" = spec.UV_VERSION

# uvauth's own options: consumed by uvauth, never passed to uv.
UVAUTH_VALUE_OPTIONS: "Final" = frozenset({"--authenticate"})

# Short spellings whose long name the rest of uvauth asks about. clap lets one letter mean different options in
# different subcommands; these are the meanings in the commands that carry indexes and requirements.
_LONG_NAMES: "Final" = {
    "-i": "--index-url",
    "-f": "--find-links",
    "-r": "--requirements",
    "-c": "--constraints",
    "-o": "--output-file",
    "-v": "--verbose",
    "-q": "--quiet",
    "-U": "--upgrade",
    "-P": "--upgrade-package",
    "-p": "--python",
    "-b": "--build-constraints",
    "--requirement": "--requirements",
    "--constraint": "--constraints",
    "--override": "--overrides",
    "--trusted-host": "--allow-insecure-host",
}

# Commands whose first positional argument is a program to run: that argument and everything after it belong to
# the program, not to uv.
_RUNS_A_COMMAND: "Final" = frozenset({("run",), ("tool", "run"), ("tool", "uvx")})


class Option:
    """One option as it stands in argv: ``argv[start:stop]`` are its tokens."""

    __slots__ = ("name", "value", "start", "stop", "spelling", "attached")

    def __init__(self, name: str, value: str | None, start: int, stop: int, spelling: str,
                 attached: bool = False) -> None:
        self.name = name  # long spelling when known ("--index-url" for "-i"), else as written
        self.value = value  # None for flags
        self.start = start
        self.stop = stop
        self.spelling = spelling  # the option as written, without its value ("-i", "--index-url")
        self.attached = attached  # value given in the same token ("--index-url=URL", "-iURL")

    def __repr__(self) -> str:
        return f"Option({self.spelling!r}, start={self.start}, stop={self.stop})"  # values may be secret


class UvCommandLine:
    """A parsed uv command line. ``argv`` excludes the program name."""

    __slots__ = ("argv", "command", "options", "positionals", "boundary", "command_end", "uvauth_options")

    def __init__(
        self,
        argv: tuple[str, ...],
        command: tuple[str, ...],
        options: tuple[Option, ...] = (),
        positionals: tuple[tuple[int, str], ...] = (),
        boundary: int = 0,
        command_end: int = 0,
        uvauth_options: tuple[Option, ...] = (),
    ) -> None:
        self.argv = argv
        self.command = command  # canonical subcommand path, e.g. ("pip", "compile"); () for bare `uv`
        self.options = options
        self.positionals = positionals  # (argv index, text) of the command's own positionals
        self.boundary = boundary  # argv[boundary:] is not uv's to parse (after `--`, or a run command's args)
        self.command_end = command_end  # argv index just after the last subcommand word
        self.uvauth_options = uvauth_options

    @property
    def key(self) -> str:
        return " ".join(self.command)

    def values(self, name: str) -> list[str]:
        """Every value given for an option, in order (its short and alias spellings included)."""
        return [o.value for o in self.options if o.name == name and o.value is not None]

    def last(self, name: str) -> str | None:
        values = self.values(name)
        return values[-1] if values else None

    def has(self, name: str) -> bool:
        return any(o.name == name for o in self.options)

    def count(self, name: str) -> int:
        return sum(1 for o in self.options if o.name == name)

    def takes(self, name: str) -> bool:
        """True when the parsed (sub)command accepts this option (so uv also reads its environment fallback)."""
        known = spec.VALUE_OPTIONS.get(self.key, frozenset()) | spec.FLAG_OPTIONS.get(self.key, frozenset())
        return name in known or name in spec.GLOBAL_VALUE_OPTIONS or name in spec.GLOBAL_FLAG_OPTIONS

    def takes_index_options(self) -> bool:
        """Does this uv command take index options at all (and so may contact a package index)?"""
        return self.takes("--index-url") or self.takes("--index")

    def unknown_options(self) -> list[Option]:
        """Options this (sub)command does not take in uvauth's grammar: a newer uv's, or a typo uv will reject."""
        return [o for o in self.options if o.spelling.startswith("--") and not self.takes(o.name)]

    def without_uvauth_options(self) -> list[str]:
        """argv as plain uv must see it: uvauth's own options removed."""
        drop = {i for o in self.uvauth_options for i in range(o.start, o.stop)}
        return [arg for i, arg in enumerate(self.argv) if i not in drop]


def _canonical(spelling: str, key: str) -> str:
    """The long name of a spelling, where this command has that long option: `-i` is `--index-url` in `uv pip
    compile` but `--install-dir` in `uv python install`, and `-c` is not `--constraints` in `uv venv`."""
    long = _LONG_NAMES.get(spelling)
    if long is None:
        return spelling
    known = spec.VALUE_OPTIONS.get(key, frozenset()) | spec.FLAG_OPTIONS.get(key, frozenset())
    if long in known or long in spec.GLOBAL_VALUE_OPTIONS or long in spec.GLOBAL_FLAG_OPTIONS:
        return long
    return spelling


def _takes_value(spelling: str, key: str) -> bool:
    return (
        spelling in spec.GLOBAL_VALUE_OPTIONS
        or spelling in spec.VALUE_OPTIONS.get(key, ())
        or spelling in UVAUTH_VALUE_OPTIONS
    ) and spelling not in spec.OPTIONAL_VALUE_OPTIONS


def _known(spelling: str, key: str) -> bool:
    return (spelling in spec.GLOBAL_VALUE_OPTIONS or spelling in spec.GLOBAL_FLAG_OPTIONS
            or spelling in spec.VALUE_OPTIONS.get(key, ()) or spelling in spec.FLAG_OPTIONS.get(key, ())
            or spelling in UVAUTH_VALUE_OPTIONS)


def _value_of_unknown(spelling: str, key: str, args: tuple[str, ...], i: int,
                      positionals: list[tuple[int, str]]) -> bool:
    subcommands = spec.SUBCOMMANDS.get(key, frozenset())
    return (
        not _known(spelling, key) and bool(subcommands) and not positionals and i + 1 < len(args)
        and not args[i + 1].startswith("-") and args[i + 1] not in subcommands
    )


def parse(argv: list[str] | tuple[str, ...]) -> UvCommandLine:
    """Parse a uv command line (without the program name). Never fails: unknown options are taken as flags,
    exactly the tokens uv would reject are left for uv to reject."""
    args = tuple(argv)
    command: list[str] = []
    key = ""
    options: list[Option] = []
    ours: list[Option] = []
    positionals: list[tuple[int, str]] = []
    i, n = 0, len(args)
    boundary = n
    command_end = 0

    while i < n:
        token = args[i]
        if token == "--":
            boundary = i + 1
            break
        if token.startswith("--") and len(token) > 2:
            spelling, eq, attached = token.partition("=")
            if eq:
                value: str | None = attached
                stop = i + 1
            elif _takes_value(spelling, key):
                value = args[i + 1] if i + 1 < n else None
                stop = min(i + 2, n)
            elif _value_of_unknown(spelling, key, args, i, positionals):
                # An option uvauth's grammar (generated from an older uv) does not know, before the subcommand,
                # followed by a word that is no subcommand: uv would reject that word as a subcommand, so for the
                # newer uv that accepts this command line it must be the option's value.
                value, stop = args[i + 1], i + 2
            else:
                value, stop = None, i + 1
            found = Option(_canonical(spelling, key), value, i, stop, spelling, attached=bool(eq))
            (ours if spelling in UVAUTH_VALUE_OPTIONS else options).append(found)
            i = stop
            continue
        if token.startswith("-") and len(token) > 1:
            # A cluster of short options: flags until one that takes a value, which takes the rest of the token
            # (after an optional '=') or the next token.
            stop = i + 1
            for j in range(1, len(token)):
                spelling = "-" + token[j]
                if _takes_value(spelling, key):
                    rest = token[j + 1 :]
                    if rest:
                        value = rest[1:] if rest.startswith("=") else rest
                        options.append(Option(_canonical(spelling, key), value, i, stop, spelling, attached=True))
                    else:
                        value = args[i + 1] if i + 1 < n else None
                        stop = min(i + 2, n)
                        options.append(Option(_canonical(spelling, key), value, i, stop, spelling))
                    break
                options.append(Option(_canonical(spelling, key), None, i, stop, spelling))
            i = stop
            continue
        # A positional: a subcommand while we are still descending, else the command's own argument.
        subcommands = spec.SUBCOMMANDS.get(key, frozenset())
        if not positionals and token in subcommands:
            command.append(spec.ALIASES.get(key, {}).get(token, token))
            key = " ".join(command)
            i += 1
            command_end = i
            continue
        if tuple(command) in _RUNS_A_COMMAND:
            boundary = i
            break
        positionals.append((i, token))
        i += 1

    return UvCommandLine(args, tuple(command), tuple(options), tuple(positionals), boundary, command_end, tuple(ours))


def header_command(args: list[str] | tuple[str, ...], *, include_index_url: bool, include_find_links: bool) -> str:
    """The command line ``uv pip compile`` writes into its output header, for the given uv arguments.

    A port of uv's ``cmd()`` (crates/uv/src/commands/pip/compile.rs): ``uv`` then the arguments joined with single
    spaces, unquoted, leaving out

    * index options and their values (``--index-url``, ``--extra-index-url``, ``-i``, ``--index``,
      ``--default-index``; the ``=`` forms too; not ``-iURL``) unless ``--emit-index-url``;
    * ``--find-links``/``-f`` and their values, and any argument starting with ``--find-links=`` or ``-f``, unless
      ``--emit-find-links``;
    * always ``--upgrade``/``-U``, ``--upgrade-package``/``-P`` (with value; any argument starting with
      ``--upgrade-package=`` or ``-P``), ``--quiet``/``-q``, ``--verbose``/``-v``, ``--no-progress``,
      ``--native-tls``.
    """
    kept: list[str] = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if not include_index_url:
            if arg.startswith(("--extra-index-url=", "--index-url=", "-i=", "--index=", "--default-index=")):
                continue
            if arg in ("--index-url", "--extra-index-url", "-i", "--index", "--default-index"):
                skip_next = True
                continue
        if not include_find_links:
            if arg in ("--find-links", "-f"):
                skip_next = True
                continue
            if arg.startswith(("--find-links=", "-f")):
                continue
        if arg in ("--upgrade", "-U", "--quiet", "-q", "--verbose", "-v", "--no-progress", "--native-tls"):
            continue
        if arg in ("--upgrade-package", "-P"):
            skip_next = True
            continue
        if arg.startswith(("--upgrade-package=", "-P")):
            continue
        kept.append(arg)
    return "uv " + " ".join(kept)
