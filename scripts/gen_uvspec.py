#!/usr/bin/env python3
"""Generate ``src/uvauth/uv/_spec.py``: uv's command-line grammar as plain literals, read from the real uv.

uvauth must parse any uv command line (the subcommand path, the options wherever they stand, which tokens are
option values) without running uv. This script asks the real uv once, at development time, and writes what it
learned as a data-only module.

Usage (from the repository root)::

    python scripts/gen_uvspec.py [--uv PATH]            # print the module on stdout
    python scripts/gen_uvspec.py [--uv PATH] --write    # (re)write src/uvauth/uv/_spec.py
    python scripts/gen_uvspec.py [--uv PATH] --check    # exit 1 if src/uvauth/uv/_spec.py is stale

``--uv`` defaults to the ``uv`` next to the running Python (the project venv's), else the one on ``PATH``.
After bumping uv: re-run with ``--write``, review the diff, commit. Takes a couple of seconds. The output is
deterministic (everything sorted, one option per line), so ``--check`` and the integration test in
``tests/test_uvspec.py`` compare it byte for byte, and a uv upgrade shows up as a readable diff.

Where the facts come from:

1. ``uv <path> --help`` for every command path: visible subcommands, visible options with their short letters,
   and their arity from clap's syntax: ``--name <VALUE>`` takes a value; ``--name`` and ``--name...``
   (counted) do not; ``--name [<VALUE>]``, ``--name=<VALUE>`` take an optional one. Any other syntax stops
   the script.
2. ``uv generate-shell-completion nushell``: clap's completion generator walks the same command tree but also
   emits ``hide = true`` subcommands (``tool uvx``, ``pip debug``, ``build-backend``, ...) and ``hide = true``
   options (``--preview``, ``--show-settings``, ``--isolated``, the ``--no-*``/``--*`` negations, pip
   compatibility options, ...), each marked as taking a value (``--name: type``) or not. It omits clap
   *aliases* (alternative spellings, all hidden in uv).
3. A supplement for those aliases, ``SUBCOMMAND_ALIAS_CANDIDATES`` and ``OPTION_ALIAS_CANDIDATES`` below,
   transcribed from uv's clap definitions.
4. Probing the real uv's parser, so nothing from 2. or 3. is taken on trust. ``uv <path> --name=x
   --uvspec-probe`` always fails to parse, so it never runs anything, and clap's error tells the cases apart:
   ``unexpected value 'x' for '--canonical'`` (a flag); ``unexpected argument '--uvspec-probe'`` or ``invalid
   value 'x' for ...`` (takes a value); ``unexpected argument '--name'`` (no such option there). Subcommand
   aliases likewise: ``uv <path> <alias> --uvspec-probe``, whose ``Usage: uv ...`` line names the canonical
   command. Every option help does not show is probed where it is listed; each alias candidate is probed
   wherever its canonical option exists and kept exactly where uv accepts it. A candidate uv accepts nowhere
   stops the script: the supplement is stale.

Global options (clap ``global = true``) are taken to be the top-level options that every command path accepts
(``-V``/``--version`` is top-level only, so it is not global).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "src" / "uvauth" / "uv" / "_spec.py"
PACKED = REPO / "src" / "uvauth" / "uv" / "_spec_packed.py"
TABLES = ("UV_VERSION", "SUBCOMMANDS", "ALIASES", "GLOBAL_VALUE_OPTIONS", "GLOBAL_FLAG_OPTIONS", "VALUE_OPTIONS",
          "FLAG_OPTIONS", "OPTIONAL_VALUE_OPTIONS")
SENTINEL = "--uvspec-probe"  # an option no uv command has: it makes every probe a parse error
LINE_LENGTH = 110  # as [tool.ruff] in pyproject.toml

FLAG, VALUE, OPTIONAL = "flag", "value", "optional"  # option arities

T = TypeVar("T")
R = TypeVar("R")

# --- Supplement: clap aliases, which neither `--help` nor the completion script shows -----------------------
#
# Transcribed from astral-sh/uv `crates/uv-cli/src/lib.rs` (read at commit 000d531a, close to 0.13.8) and
# `crates/uv-cache/src/cli.rs` where noted, then confirmed against the real uv by probing (see the module
# docstring); a candidate uv no longer accepts makes the script fail, so this list cannot silently go stale.
# uv 0.13.8 made `uv lock --frozen` an option of its own (it was an alias of `--check-exists`): not listed.

# (command path, alias, canonical subcommand): `#[command(alias = ...)]` on subcommand enum variants.
SUBCOMMAND_ALIAS_CANDIDATES: tuple[tuple[str, str, str], ...] = (
    ("", "v", "venv"),  # Commands::Venv
    ("", "virtualenv", "venv"),  # Commands::Venv
    # Commands::GenerateShellCompletion: a subcommand alias spelled like a flag.
    ("", "--generate-shell-completion", "generate-shell-completion"),
    ("cache", "clear", "clean"),  # CacheCommand::Clean
    ("pip", "ls", "list"),  # PipCommand::List
    ("python", "ls", "list"),  # PythonCommand::List
    ("python", "ensurepath", "update-shell"),  # PythonCommand::UpdateShell
    ("tool", "ls", "list"),  # ToolCommand::List
    ("tool", "update", "upgrade"),  # ToolCommand::Upgrade
    ("tool", "ensurepath", "update-shell"),  # ToolCommand::UpdateShell
)

# (alias, canonical option, declared in): `#[arg(alias = ...)]`. Each pair is tried at every command path that
# has the canonical option and kept only where uv accepts it: `--exclude` is an alias of `--excludes` in
# `pip compile`/`pip install`/`tool install`, but a different, real option of `pip freeze`/`pip list`;
# `--no-workspace` is an alias of `--no-project` in `venv`, the reverse in `init`, its own flag in `add`.
OPTION_ALIAS_CANDIDATES: tuple[tuple[str, str, str], ...] = (
    # Global options.
    ("--trusted-host", "--allow-insecure-host", "GlobalArgs.allow_insecure_host (pip's name)"),
    ("--preview-feature", "--preview-features", "GlobalArgs.preview_features (hidden option, hidden alias)"),
    ("--no-cache-dir", "--no-cache", "uv-cache cli.rs CacheArgs.no_cache (pip's name)"),
    # Requirement sources.
    ("--requirement", "--requirements", "PipInstallArgs, PipUninstallArgs, AddArgs"),
    ("--constraint", "--constraints", "PipCompile/Sync/InstallArgs, AddArgs, ToolRun/InstallArgs"),
    ("--override", "--overrides", "PipCompile/InstallArgs, ToolRun/InstallArgs"),
    ("--exclude", "--excludes", "PipCompile/InstallArgs, ToolInstallArgs"),
    ("--build-constraint", "--build-constraints", "Pip*Args, BuildArgs, ToolRun/InstallArgs"),
    ("--unsafe-package", "--no-emit-package", "PipCompileArgs (pip-compile's name)"),
    # Resolver / installer / build option groups.
    ("--force-reinstall", "--reinstall", "InstallerArgs, ResolverInstallerArgs, ToolUpgradeArgs"),
    ("--config-settings", "--config-setting", "ResolverArgs, InstallerArgs, ResolverInstallerArgs"),
    ("--config-settings-package", "--config-setting-package", "ToolUpgradeArgs"),
    ("--compile", "--compile-bytecode", "InstallerArgs, ResolverInstallerArgs, PythonInstall*Args"),
    ("--no-compile", "--no-compile-bytecode", "the same (hidden negation)"),
    # Project commands.
    ("--no-exact", "--inexact", "PipInstallArgs, RunArgs, SyncArgs"),
    ("--no-workspace", "--no-project", "VenvArgs, PythonPinArgs"),
    ("--no_workspace", "--no-project", "RunArgs, PythonFindArgs (underscore spelling)"),
    ("--no-project", "--no-workspace", "InitArgs"),
    ("--application", "--app", "InitArgs"),
    ("--library", "--lib", "InitArgs"),
    ("--raw-sources", "--raw", "AddArgs"),
    ("--all", "--all-packages", "BuildArgs"),
    ("--reverse", "--invert", "DisplayTreeArgs (tree, pip tree)"),
    ("--no-install-project", "--no-emit-project", "ExportArgs"),
    ("--only-install-project", "--only-emit-project", "ExportArgs (hidden)"),
    ("--no-install-workspace", "--no-emit-workspace", "ExportArgs"),
    ("--only-install-workspace", "--only-emit-workspace", "ExportArgs (hidden)"),
    ("--no-install-local", "--no-emit-local", "ExportArgs"),
    ("--only-install-local", "--only-emit-local", "ExportArgs (hidden)"),
    ("--no-install-package", "--no-emit-package", "ExportArgs"),
    ("--only-install-package", "--only-emit-package", "ExportArgs (hidden)"),
    # Other commands.
    ("--human-readable", "--human", "SizeArgs (cache size)"),
    ("--all_architectures", "--all-arches", "PythonListArgs (underscore spelling)"),
)


class UvSpecError(RuntimeError):
    """uv said something this script does not understand: better to stop than to write a wrong spec."""


# --- running uv ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Uv:
    exe: str
    cwd: str
    env: dict[str, str]

    @classmethod
    def make(cls, exe: str, cwd: str) -> Uv:
        # A neutral environment: none of the caller's UV_* settings, no config discovery, no network, no
        # colour, a throwaway cache. Parsing never gets far enough to use any of it: belt and braces.
        env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
        env.update(
            NO_COLOR="1",
            CLICOLOR="0",
            TERM="dumb",
            PAGER="cat",
            UV_NO_CONFIG="1",
            UV_OFFLINE="1",
            UV_NO_PROGRESS="1",
            UV_PYTHON_DOWNLOADS="never",
            UV_CACHE_DIR=os.path.join(cwd, "cache"),
        )
        return cls(exe, cwd, env)

    def run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.exe, *args],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def output(self, args: Sequence[str]) -> str:
        done = self.run(args)
        if done.returncode != 0:
            raise UvSpecError(f"`uv {' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout


def words(path: str) -> list[str]:
    return path.split()


def parallel(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[fn(item) for item in items]`, run concurrently (each call mostly waits for a uv process)."""
    with ThreadPoolExecutor(max_workers=max(4, 2 * (os.cpu_count() or 2))) as pool:
        return list(pool.map(fn, items))


# --- `uv <path> --help` -------------------------------------------------------------------------------------

# clap's option lines: "  -x, --long <V>  Description", "      --long...", "  -x <V>".
_HELP_OPTION = re.compile(
    r"^  (?:(?P<short>-[A-Za-z0-9])(?:, (?P<long1>--[A-Za-z0-9][\w-]*))?(?![\w-])"
    r"|    (?P<long2>--[A-Za-z0-9][\w-]*))"
)
_HELP_COMMAND = re.compile(r"^  (?P<name>[a-z][\w-]*)(?:\s{2,}|$)")


@dataclass
class Help:
    subcommands: list[str]
    options: dict[str, str]  # spelling -> FLAG | VALUE | OPTIONAL
    oddities: list[str]


def arity(syntax: str) -> str | None:
    """The arity clap's help syntax after an option's name denotes, None if unrecognised."""
    if syntax in ("", "..."):  # a flag, or a counted flag (-v, --verbose...)
        return FLAG
    if re.fullmatch(r" <[^<>]+>", syntax):  # --name <VALUE>  (VALUE may itself read "BUMP[=VALUE]")
        return VALUE
    if re.fullmatch(r" \[<[^<>]+>\]|=<[^<>]+>|\[=<[^<>]+>\]", syntax):  # num_args(0..=1), require_equals
        return OPTIONAL
    return None  # "<A> <B>", "<V>..." (several values per occurrence), ...: needs a human decision


def parse_help(text: str, where: str) -> Help:
    """Subcommands and options (with arity) from clap's `--help` output."""
    subcommands: list[str] = []
    options: dict[str, str] = {}
    oddities: list[str] = []
    section = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):  # a heading ("Commands:", "Index options:") or prose
            section = line[:-1] if line.endswith(":") else ""
            continue
        if section == "Commands":
            if m := _HELP_COMMAND.match(line):
                subcommands.append(m["name"])
            continue
        if not section or section == "Arguments" or not line.startswith(("  -", "      --")):
            continue  # positionals, descriptions and their wrapped continuations
        m = _HELP_OPTION.match(line)
        if m is None:
            if where == "uv help":
                # `uv help` prints a hand-written "Options:" section ("  --no-pager Disable pager ..."), not
                # clap's. Its options still come from the completion script, confirmed by probing.
                continue
            oddities.append(f"{where}: unparsed option line {line!r}")
            continue
        kind = arity(line[m.end() :].split("  ", 1)[0].rstrip())  # the syntax, up to the description
        if kind is None:
            oddities.append(f"{where}: unknown arity syntax {line.strip()!r}")
            continue
        for spelling in (m["short"], m["long1"], m["long2"]):
            if spelling:
                options[spelling] = kind
    return Help(subcommands, options, oddities)


# --- `uv generate-shell-completion nushell` -----------------------------------------------------------------

_NU_EXTERN = re.compile(r'^\s*export extern (?:uv|"uv(?P<path>(?: [^"]+)?)") \[')
_NU_OPTION = re.compile(
    r"^\s+(?:(?P<long>--[A-Za-z0-9][\w-]*)(?:\((?P<short>-[A-Za-z0-9])\))?|(?P<only>-[A-Za-z0-9]))"
    r"(?P<type>:\s*\S+)?"
)


def parse_completion(text: str) -> dict[str, dict[str, str]]:
    """Command path -> {spelling: FLAG | VALUE}, hidden commands and options included."""
    commands: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if m := _NU_EXTERN.match(line):
            current = commands.setdefault((m["path"] or "").strip(), {})
        elif current is not None and line.strip() == "]":
            current = None
        elif current is not None and (m := _NU_OPTION.match(line)):
            for spelling in (m["long"], m["short"], m["only"]):
                if spelling:
                    current[spelling] = VALUE if m["type"] else FLAG
    if "" not in commands:
        raise UvSpecError("the completion script has no top-level `uv` command")
    return commands


# --- probing uv's parser ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    kind: str | None  # FLAG | VALUE | None: uv does not accept this spelling here
    canonical: str | None = None  # for long flags: the name clap's error reports


def probe_option(uv: Uv, path: str, spelling: str) -> Probe:
    """Whether `spelling` exists at `path` and takes a value, by asking uv's parser. Never runs a command: the
    trailing SENTINEL is an unknown option, so parsing always fails."""
    args = [*words(path), f"{spelling}=x", SENTINEL]
    done = uv.run(args)
    if done.returncode == 0:
        raise UvSpecError(f"probe `uv {' '.join(args)}` unexpectedly succeeded")
    error = next((ln for ln in done.stderr.splitlines() if ln.startswith("error:")), done.stderr.strip())
    if f"unexpected argument '{SENTINEL}' found" in error:
        return Probe(VALUE)
    if re.search(r"invalid value 'x' for '-[^']* <[^>]*>'", error):  # a value, refused by its value parser
        return Probe(VALUE)
    if m := re.search(r"unexpected value 'x' for '(?P<name>-[^' .]+)(?:\.\.\.)?' found", error):
        return Probe(FLAG, m["name"])
    if f"unexpected argument '{spelling}' found" in error:
        return Probe(None)
    if not spelling.startswith("--") and "unexpected argument '-=' found" in error:
        return Probe(FLAG)  # a short flag: clap took the letter, then tried '=' as the next short option
    raise UvSpecError(f"cannot interpret probe `uv {' '.join(args)}`: {error!r}")


def probe_subcommand(uv: Uv, path: str, name: str) -> str | None:
    """The canonical name subcommand `name` resolves to under `path`, None if uv does not accept it."""
    args = [*words(path), name, SENTINEL]
    done = uv.run(args)
    if done.returncode == 0:
        raise UvSpecError(f"probe `uv {' '.join(args)}` unexpectedly succeeded")
    if f"unrecognized subcommand '{name}'" in done.stderr:
        return None
    usage = re.search(r"^Usage: uv (?P<path>[\w -]+?)(?= \[| <|$)", done.stderr, re.MULTILINE)
    if f"'{SENTINEL}'" in done.stderr and usage and usage["path"].split()[:-1] == words(path):
        return usage["path"].split()[-1]
    raise UvSpecError(f"cannot interpret probe `uv {' '.join(args)}`: {done.stderr.strip()[:300]!r}")


# --- assembling the spec ------------------------------------------------------------------------------------


@dataclass
class Spec:
    version: str
    subcommands: dict[str, set[str]]  # every canonical path -> its subcommands (aliases included)
    aliases: dict[str, dict[str, str]]
    global_options: dict[str, str]  # spelling -> arity
    options: dict[str, dict[str, str]]  # path -> non-global spelling -> arity
    notes: list[str]


def build_spec(uv: Uv) -> Spec:
    notes: list[str] = []
    version_line = uv.output(["--version"]).strip()
    if not (m := re.fullmatch(r"uv (?P<v>\d+\.\d+\.\d+\S*)(?: .*)?", version_line)):
        raise UvSpecError(f"unexpected `uv --version` output: {version_line!r}")
    version = m["v"]

    # The command tree: every command the completion script knows (hidden ones too), checked against help.
    completion = parse_completion(uv.output(["generate-shell-completion", "nushell"]))
    paths = sorted(completion)
    subcommands: dict[str, set[str]] = {p: set() for p in paths}
    for p in paths:
        if p:
            parent, _, name = p.rpartition(" ")
            subcommands[parent].add(name)
    help_texts = parallel(lambda p: uv.output([*words(p), "--help"]), paths)
    helps = {p: parse_help(text, f"uv {p}".strip()) for p, text in zip(paths, help_texts)}
    if oddities := [odd for h in helps.values() for odd in h.oddities]:
        raise UvSpecError("help output this script does not understand:\n  " + "\n  ".join(oddities))

    # Options: completion arity for all, help arity (which also knows "optional") wherever help shows one.
    options: dict[str, dict[str, str]] = {}
    for p in paths:
        if missing := set(helps[p].subcommands) - subcommands[p]:
            raise UvSpecError(f"`uv {p}` has subcommands {sorted(missing)} the completion script lacks")
        options[p] = dict(completion[p])
        for spelling, kind in helps[p].options.items():
            seen = options[p].get(spelling)
            if seen is not None and (seen == VALUE) != (kind in (VALUE, OPTIONAL)):
                raise UvSpecError(f"`uv {p}`: help says {spelling} is a {kind}, completion says a {seen}")
            options[p][spelling] = kind
    global_names = set(options[""]).intersection(*map(set, options.values()))

    # Hidden options (those help does not show) are confirmed by probing; hidden globals once, at the top.
    hidden = [
        (p, s)
        for p in paths
        for s in sorted(options[p])
        if s not in helps[p].options and (p == "" or s not in global_names or options[p][s] != options[""][s])
    ]
    for (p, s), probe in zip(hidden, parallel(lambda job: probe_option(uv, *job), hidden)):
        expected = options[p][s]
        if probe.kind is None:
            raise UvSpecError(f"the completion script lists {s} for `uv {p}`, but uv rejects it")
        if probe.kind != expected and not (probe.kind == VALUE and expected == OPTIONAL):
            raise UvSpecError(f"`uv {p}`: completion says {s} is a {expected}, uv's parser a {probe.kind}")
        if probe.canonical not in (None, s):
            raise UvSpecError(f"`uv {p}`: {s} is an alias of {probe.canonical}")

    # Option aliases: each candidate wherever its canonical option exists (a global's alias: at the top only).
    alias_jobs = [
        (p, alias, canonical)
        for alias, canonical, _ in OPTION_ALIAS_CANDIDATES
        for p in paths
        if canonical in options[p] and alias not in options[p] and (p == "" or canonical not in global_names)
    ]
    accepted: set[str] = set()
    alias_probes = parallel(lambda job: probe_option(uv, job[0], job[1]), alias_jobs)
    for (p, alias, canonical), probe in zip(alias_jobs, alias_probes):
        if probe.kind is None:
            continue
        kind = options[p][canonical]
        if probe.kind != kind and not (probe.kind == VALUE and kind == OPTIONAL):
            raise UvSpecError(f"`uv {p}`: alias {alias} is a {probe.kind}, but {canonical} is a {kind}")
        if probe.canonical not in (None, canonical):
            raise UvSpecError(f"`uv {p}`: {alias} is an alias of {probe.canonical}, not of {canonical}")
        options[p][alias] = kind
        accepted.add(alias)
    if stale := [f"{a} (of {c})" for a, c, _ in OPTION_ALIAS_CANDIDATES if a not in accepted]:
        raise UvSpecError(f"uv accepts these alias candidates nowhere, update the supplement: {stale}")

    # Subcommand aliases.
    aliases: dict[str, dict[str, str]] = {}
    jobs = SUBCOMMAND_ALIAS_CANDIDATES
    for (p, alias, canonical), resolved in zip(jobs, parallel(lambda j: probe_subcommand(uv, *j[:2]), jobs)):
        if resolved != canonical:
            raise UvSpecError(f"`uv {p} {alias}` resolves to {resolved!r}, not {canonical!r}")
        aliases.setdefault(p, {})[alias] = canonical
        subcommands[p].add(alias)

    # Globals, their aliases included (clap propagates an alias with its option); then each path's own.
    global_options = {s: options[""][s] for s in global_names}
    global_options |= {a: options[""][a] for a, c, _ in OPTION_ALIAS_CANDIDATES if c in global_names}
    local_options: dict[str, dict[str, str]] = {}
    for p in paths:
        local_options[p] = {}
        for s, kind in options[p].items():
            if global_options.get(s) == kind:
                continue
            if s in global_options:  # kept in the path's table, which a parser consults first
                notes.append(f"`uv {p}` redefines global {s} as a {kind} (globally a {global_options[s]})")
            local_options[p][s] = kind

    notes.append(
        f"{len(paths)} command paths; probed {len(hidden)} hidden option spellings, {len(alias_jobs)} option"
        f" alias candidates ({len(accepted)} aliases accepted), {len(jobs)} subcommand aliases"
    )
    return Spec(version, subcommands, aliases, global_options, local_options, notes)


# --- rendering ----------------------------------------------------------------------------------------------


def set_literal(items: Iterable[str], indent: int, prefix: str, suffix: str = "") -> str:
    """`prefix` + a frozenset literal + `suffix` at `indent`, laid out as `ruff format` would: on one line if
    it fits, else one element per line."""
    parts = [f'"{item}"' for item in sorted(items)]
    pad = " " * indent
    if not parts:
        return f"{pad}{prefix}frozenset(){suffix}"
    one_line = f"{pad}{prefix}frozenset({{{', '.join(parts)}}}){suffix}"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    body = "\n".join(f"{pad}        {part}," for part in parts)
    return f"{pad}{prefix}frozenset(\n{pad}    {{\n{body}\n{pad}    }}\n{pad}){suffix}"


def render(spec: Spec) -> str:
    def table(name: str, rows: dict[str, set[str]]) -> str:
        lines = [set_literal(rows[p], 4, f'"{p}": ', ",") for p in sorted(rows)]
        return f"{name}: Final[dict[str, frozenset[str]]] = {{\n" + "\n".join(lines) + "\n}"

    def having(arities: dict[str, str], *wanted: str) -> set[str]:
        return {s for s, kind in arities.items() if kind in wanted}

    alias_lines = []
    for p in sorted(spec.aliases):
        pairs = [f'"{a}": "{c}"' for a, c in sorted(spec.aliases[p].items())]
        line = f'    "{p}": {{' + ", ".join(pairs) + "},"
        if len(line) > LINE_LENGTH:  # exploded, as ruff would
            line = f'    "{p}": {{\n' + "".join(f"        {pair},\n" for pair in pairs) + "    },"
        alias_lines.append(line)
    optional = having(spec.global_options, OPTIONAL).union(
        *(having(o, OPTIONAL) for o in spec.options.values())
    )
    return TEMPLATE.format(
        version=spec.version,
        subcommands=table("SUBCOMMANDS", spec.subcommands),
        aliases="ALIASES: Final[dict[str, dict[str, str]]] = {\n" + "\n".join(alias_lines) + "\n}",
        global_values=set_literal(
            having(spec.global_options, VALUE, OPTIONAL), 0, "GLOBAL_VALUE_OPTIONS: Final[frozenset[str]] = "
        ),
        global_flags=set_literal(
            having(spec.global_options, FLAG), 0, "GLOBAL_FLAG_OPTIONS: Final[frozenset[str]] = "
        ),
        values=table("VALUE_OPTIONS", {p: having(o, VALUE, OPTIONAL) for p, o in spec.options.items()}),
        flags=table("FLAG_OPTIONS", {p: having(o, FLAG) for p, o in spec.options.items()}),
        optional=set_literal(optional, 0, "OPTIONAL_VALUE_OPTIONS: Final[frozenset[str]] = "),
    )


TEMPLATE = '''\
"""Generated by scripts/gen_uvspec.py from uv {version} — do not edit by hand; re-run the script for a new uv."""

from __future__ import annotations

# Imported on uvauth's hot path: `typing` would add milliseconds to every uv call, so it is for type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

UV_VERSION: Final = "{version}"

# Command path ("" is the top level, then e.g. "pip", "pip compile", "tool run") -> names of its
# subcommands, hidden ones (`tool uvx`, `pip debug`, `build-backend`, ...) and aliases included. Each
# canonical command path is a key; alias paths are not (map an alias through ALIASES first). `help`
# takes command names as positionals, not subcommands.
{subcommands}

# Alias -> canonical subcommand name, per command path (only where aliases exist). Note the top-level
# "--generate-shell-completion": a subcommand alias spelled like an option.
{aliases}

# Options valid anywhere on the command line (clap `global = true`), split by whether they take a
# value. Hidden ones (--preview-features, --show-settings, --isolated, ...) and aliases (--trusted-host)
# included. They may stand before or after any subcommand (not after `--`, nor after `uv run`'s command).
{global_values}
{global_flags}

# Per command path: the NON-global options that take a value / take none, hidden ones and aliases
# included. Long and short spellings both listed ("-i", "--index-url"); a short letter can mean different
# options in different commands. Options belong to the command that defines them: uv accepts
# `uv pip compile -i URL` but rejects `uv pip -i URL compile`.
{values}
{flags}

# Options whose value is optional (clap num_args = 0..=1 / require_equals): they consume a value only
# with `=`. Also listed in the VALUE_OPTIONS tables.
{optional}
'''


# --- command line -------------------------------------------------------------------------------------------


def default_uv() -> str:
    """The uv next to the running Python (the project venv's), else the one on PATH."""
    sibling = Path(sys.executable).with_name("uv.exe" if os.name == "nt" else "uv")
    if sibling.is_file():
        return str(sibling)
    return shutil.which("uv") or "uv"


def generate(uv_exe: str | None = None) -> tuple[str, list[str]]:
    """The module text for a uv executable (a path, or a name looked up on PATH), and notes for a human."""
    found = shutil.which(uv_exe or default_uv())
    if found is None:
        raise UvSpecError(f"no uv executable at {uv_exe!r}")
    with tempfile.TemporaryDirectory(prefix="uvspec-") as scratch:
        # uv runs in the scratch directory, so a relative path to it would break
        spec = build_spec(Uv.make(os.path.abspath(found), scratch))
    return render(spec), spec.notes


def tables_of(text: str) -> dict[str, object]:
    """The tables a spec (or packed spec) module's text defines."""
    namespace: dict[str, object] = {}
    exec(compile(text, "<spec>", "exec"), namespace)
    return {name: namespace[name] for name in TABLES}


_PER_COMMAND = ("SUBCOMMANDS", "ALIASES", "VALUE_OPTIONS", "FLAG_OPTIONS")  # a command line needs a row or two of each

_PACKED_CLASS = '''
class _PerCommand:
    """A command path -> option names table whose rows are unpacked when first asked for: a command line needs
    one or two of its 78 rows."""

    __slots__ = ("_packed", "_rows")

    def __init__(self, packed):
        self._packed = packed
        self._rows = {}

    def get(self, key, default=None):
        row = self._rows.get(key)
        if row is None:
            blob = self._packed.get(key)
            if blob is None:
                return default
            row = self._rows[key] = marshal.loads(blob)
        return row

    def __getitem__(self, key):
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        return row

    def __contains__(self, key):
        return key in self._packed

    def __iter__(self):
        return iter(self._packed)

    def __len__(self):
        return len(self._packed)

    def items(self):
        return [(key, self[key]) for key in self._packed]

    def __eq__(self, other):
        return dict(self.items()) == (dict(other.items()) if isinstance(other, _PerCommand) else other)

    __hash__ = None
'''


def packed(text: str) -> str:
    """``_spec_packed.py``: the same tables as the readable module, packed with marshal, the per-command option
    tables row by row, unpacked on first use. Importing it takes a fraction of the time of executing
    ``_spec.py``'s literals, and the command line is parsed on every uv call. (The blob's set order follows
    string hashes, so compare tables, not texts: see ``--check``.)"""
    import marshal

    tables = tables_of(text)
    eager = {name: value for name, value in tables.items() if name not in _PER_COMMAND}
    rows = {name: {key: marshal.dumps(row) for key, row in tables[name].items()}  # type: ignore[attr-defined]
            for name in _PER_COMMAND}
    blob = marshal.dumps((eager, rows))
    lines = [
        '"""Generated by scripts/gen_uvspec.py: the tables of ``_spec.py`` (read that one), packed with marshal for',
        "a fast import on every uv call; tests/test_uvspec.py checks that both hold the same tables.\"\"\"",
        "",
        "import marshal",
        _PACKED_CLASS,
        f"_EAGER, _ROWS = marshal.loads({blob!r})",
        *(f'{name} = _PerCommand(_ROWS["{name}"])' if name in _PER_COMMAND else f'{name} = _EAGER["{name}"]'
          for name in TABLES),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate src/uvauth/uv/_spec.py from the real uv's CLI.")
    parser.add_argument("--uv", help="the uv to describe (default: the venv's, else the one on PATH)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write src/uvauth/uv/_spec.py instead of stdout")
    mode.add_argument("--check", action="store_true", help="exit 1 if src/uvauth/uv/_spec.py is stale")
    args = parser.parse_args(argv)
    try:
        text, notes = generate(args.uv)
    except UvSpecError as err:
        print(f"gen_uvspec: error: {err}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"gen_uvspec: {note}", file=sys.stderr)
    packed_fresh = not PACKED.is_file() or tables_of(PACKED.read_text(encoding="utf-8")) != tables_of(text)
    if args.write:
        TARGET.write_text(text, encoding="utf-8")
        print(f"gen_uvspec: wrote {TARGET.relative_to(REPO)}", file=sys.stderr)
        if packed_fresh:
            PACKED.write_text(packed(text), encoding="utf-8")
            print(f"gen_uvspec: wrote {PACKED.relative_to(REPO)}", file=sys.stderr)
    elif args.check:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text or packed_fresh:
            print(f"gen_uvspec: {TARGET.relative_to(REPO)} or {PACKED.name} is stale: re-run with --write",
                  file=sys.stderr)
            return 1
        print(f"gen_uvspec: {TARGET.relative_to(REPO)} is up to date", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
