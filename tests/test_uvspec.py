"""The generated uv grammar (src/uvauth/uv/_spec.py): spot checks of facts uvauth relies on, the tables'
internal consistency, and (integration) that re-running scripts/gen_uvspec.py against the installed uv
reproduces the committed module, so a stale spec is caught when uv is bumped."""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from uvauth.uv import _spec as spec

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "gen_uvspec.py"


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [f"uv {path} {option}".replace("uv  ", "uv ") for path, option in cases]


# (command path, option): takes a value there. Aliases and hidden options included.
VALUE_CASES = [
    ("pip compile", "-i"),
    ("pip compile", "--index-url"),
    ("pip compile", "--extra-index-url"),
    ("pip compile", "--index"),
    ("pip compile", "--default-index"),
    ("pip compile", "-f"),
    ("pip compile", "--find-links"),
    ("pip compile", "-c"),
    ("pip compile", "--constraints"),
    ("pip compile", "--constraint"),  # alias
    ("pip compile", "--overrides"),
    ("pip compile", "--override"),  # alias
    ("pip compile", "-o"),
    ("pip compile", "--output-file"),
    ("pip compile", "-P"),
    ("pip compile", "--upgrade-package"),
    ("pip compile", "-p"),
    ("pip compile", "--python"),
    ("pip compile", "--exclude-newer"),
    ("pip compile", "--unsafe-package"),  # alias of --no-emit-package
    ("pip compile", "--client-cert"),  # hidden pip-compile compatibility option
    ("pip install", "-r"),
    ("pip install", "--requirements"),
    ("pip install", "--requirement"),  # alias
    ("pip install", "-e"),
    ("pip install", "-t"),
    ("pip sync", "--keyring-provider"),
    ("run", "--with"),
    ("run", "-w"),
    ("run", "--with-requirements"),
    ("run", "--max-recursion-depth"),  # hidden
    ("tool run", "--with"),
    ("tool run", "--from"),
    ("tool uvx", "--with"),
    ("tool uvx", "--generate-shell-completion"),  # hidden; `uvx --generate-shell-completion SHELL`
    ("add", "-r"),
    ("add", "--marker"),
    ("lock", "--index"),
    ("version", "--bump"),  # `--bump <BUMP[=VALUE]>`: a required value that may contain "="
    ("format", "--version"),  # a value here; a flag (-V) at the top level
    ("python install", "-i"),  # --install-dir, not --index-url
    ("publish", "-p"),  # --password, not --python
    ("publish", "--publish-url"),
    ("auth login", "-t"),  # --token
]

# (command path, option): takes no value there.
FLAG_CASES = [
    ("pip compile", "--no-index"),
    ("pip compile", "--emit-index-url"),
    ("pip compile", "--no-emit-index-url"),  # hidden negation
    ("pip compile", "-U"),
    ("pip compile", "--pre"),  # hidden
    ("pip install", "--force-reinstall"),  # alias of --reinstall
    ("pip install", "--compile"),  # alias of --compile-bytecode
    ("pip show", "-f"),  # --files, not --find-links
    ("python install", "-r"),  # --reinstall, not --requirements
    ("python install", "-f"),  # --force
    ("venv", "-c"),  # --clear, not --constraints
    ("venv", "--no-workspace"),  # alias of --no-project
    ("run", "-m"),
    ("run", "--no_workspace"),  # alias of --no-project, underscore spelling
    ("lock", "--frozen"),
    ("init", "--lib"),
    ("init", "--library"),  # alias
    ("cache size", "--human-readable"),  # alias
    ("", "-V"),
    ("", "--version"),
    ("tool uvx", "-V"),
]

GLOBAL_VALUES = [
    "--directory",
    "--project",
    "--config-file",
    "--color",
    "--cache-dir",
    "--allow-insecure-host",
    "--trusted-host",  # alias
    "--preview-features",  # hidden
    "--preview-feature",  # hidden alias
    "--python-preference",  # hidden
]
GLOBAL_FLAGS = [
    "--no-config",
    "--offline",
    "--no-offline",  # hidden
    "-q",
    "--quiet",
    "-v",
    "--verbose",
    "-n",
    "--no-cache",
    "--no-cache-dir",  # alias
    "--isolated",  # hidden
    "--show-settings",  # hidden
    "--preview",  # hidden
    "--no-preview",  # hidden
    "--native-tls",  # hidden
    "--system-certs",
    "-h",
    "--help",
]


@pytest.mark.parametrize(("path", "option"), VALUE_CASES, ids=_ids(VALUE_CASES))
def test_value_option(path: str, option: str) -> None:
    assert option in spec.VALUE_OPTIONS[path]
    assert option not in spec.FLAG_OPTIONS[path]


@pytest.mark.parametrize(("path", "option"), FLAG_CASES, ids=_ids(FLAG_CASES))
def test_flag_option(path: str, option: str) -> None:
    assert option in spec.FLAG_OPTIONS[path]
    assert option not in spec.VALUE_OPTIONS[path]


@pytest.mark.parametrize("option", GLOBAL_VALUES)
def test_global_value_option(option: str) -> None:
    assert option in spec.GLOBAL_VALUE_OPTIONS


@pytest.mark.parametrize("option", GLOBAL_FLAGS)
def test_global_flag_option(option: str) -> None:
    assert option in spec.GLOBAL_FLAG_OPTIONS


@pytest.mark.parametrize("option", ["-V", "--version", "-p", "--python", "-i", "--index-url", "--index"])
def test_not_global(option: str) -> None:
    assert option not in spec.GLOBAL_VALUE_OPTIONS | spec.GLOBAL_FLAG_OPTIONS


SUBCOMMAND_CASES = [
    ("", "pip"),
    ("", "run"),
    ("", "tool"),
    ("", "lock"),
    ("", "sync"),
    ("", "add"),
    ("", "auth"),
    ("", "self"),
    ("", "help"),
    ("", "build-backend"),  # hidden
    ("", "venv"),
    ("", "v"),  # alias
    ("", "--generate-shell-completion"),  # alias spelled like an option
    ("tool", "run"),
    ("tool", "install"),
    ("tool", "uvx"),  # hidden: what the `uvx` binary runs
    ("tool", "update"),  # alias
    ("pip", "compile"),
    ("pip", "install"),
    ("pip", "debug"),  # hidden
    ("pip", "ls"),  # alias
    ("python", "install"),
    ("auth", "login"),
    ("auth", "helper"),  # hidden
    ("auth helper", "get"),
    ("cache", "clear"),  # alias
    ("self", "update"),
]


@pytest.mark.parametrize(("path", "name"), SUBCOMMAND_CASES, ids=_ids(SUBCOMMAND_CASES))
def test_subcommand(path: str, name: str) -> None:
    assert name in spec.SUBCOMMANDS[path]


@pytest.mark.parametrize(
    ("path", "alias", "canonical"),
    [
        ("", "v", "venv"),
        ("", "virtualenv", "venv"),
        ("", "--generate-shell-completion", "generate-shell-completion"),
        ("pip", "ls", "list"),
        ("tool", "ls", "list"),
        ("tool", "update", "upgrade"),
        ("python", "ensurepath", "update-shell"),
        ("cache", "clear", "clean"),
    ],
)
def test_subcommand_alias(path: str, alias: str, canonical: str) -> None:
    assert spec.ALIASES[path][alias] == canonical


def test_leaves_and_positional_commands_have_no_subcommands() -> None:
    for path in ("run", "tool run", "tool uvx", "help", "pip compile", "format"):
        assert spec.SUBCOMMANDS[path] == frozenset(), path


def test_tables_cover_the_same_command_paths() -> None:
    assert set(spec.SUBCOMMANDS) == set(spec.VALUE_OPTIONS) == set(spec.FLAG_OPTIONS)
    for path, names in spec.SUBCOMMANDS.items():
        aliases = spec.ALIASES.get(path, {})
        for name in names - set(aliases):
            assert f"{path} {name}".strip() in spec.SUBCOMMANDS, (path, name)
        for alias, canonical in aliases.items():
            assert alias in names and canonical in names, (path, alias)
            assert f"{path} {alias}".strip() not in spec.SUBCOMMANDS, (path, alias)


def test_each_option_has_one_arity_and_looks_like_an_option() -> None:
    assert not spec.GLOBAL_VALUE_OPTIONS & spec.GLOBAL_FLAG_OPTIONS
    globals_ = spec.GLOBAL_VALUE_OPTIONS | spec.GLOBAL_FLAG_OPTIONS
    for path in spec.SUBCOMMANDS:
        values, flags = spec.VALUE_OPTIONS[path], spec.FLAG_OPTIONS[path]
        assert not values & flags, path
        # uv 0.13.8 redefines no global option with another arity, so no path repeats a global one.
        assert not (values | flags) & globals_, path
        for option in values | flags | globals_:
            long_ok = option.startswith("--") and len(option) > 3
            assert long_ok or (len(option) == 2 and option[0] == "-"), option
    assert spec.OPTIONAL_VALUE_OPTIONS <= globals_ | set().union(*spec.VALUE_OPTIONS.values())


def test_uvx_takes_the_options_of_tool_run() -> None:
    assert spec.VALUE_OPTIONS["tool run"] == spec.VALUE_OPTIONS["tool uvx"]
    assert spec.FLAG_OPTIONS["tool run"] == spec.FLAG_OPTIONS["tool uvx"] - {"-V", "--version"}


# --- against the real uv ------------------------------------------------------------------------------------


@functools.cache
def _load_generator() -> ModuleType:
    module_spec = importlib.util.spec_from_file_location("gen_uvspec", GENERATOR)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["gen_uvspec"] = module  # dataclasses look their module up while the class is created
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.integration
def test_generated_module_is_current(uv_bin: Path) -> None:
    version = subprocess.run([uv_bin, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.split()[1] == spec.UV_VERSION, "uv changed: run `python scripts/gen_uvspec.py --write`"
    done = subprocess.run(
        [sys.executable, GENERATOR, "--uv", uv_bin], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    committed = (ROOT / "src" / "uvauth" / "uv" / "_spec.py").read_text(encoding="utf-8")
    assert done.stdout == committed, "stale src/uvauth/uv/_spec.py: run `python scripts/gen_uvspec.py --write`"


def test_packed_tables_equal_the_readable_ones() -> None:
    """The parser reads ``_spec_packed`` (fast to import); people read ``_spec``: they must hold the same."""
    from uvauth.uv import _spec_packed, cmdline

    names = ("UV_VERSION", "SUBCOMMANDS", "ALIASES", "GLOBAL_VALUE_OPTIONS", "GLOBAL_FLAG_OPTIONS", "VALUE_OPTIONS",
             "FLAG_OPTIONS", "OPTIONAL_VALUE_OPTIONS")
    for name in names:
        assert getattr(_spec_packed, name) == getattr(spec, name), f"{name}: run `python scripts/gen_uvspec.py --write`"
    assert cmdline.spec is _spec_packed


# (command path, option, arity per uv's own parser): options whose arity matters most, asked of uv directly.
TRICKY = [
    ("pip compile", "--upgrade-package", "value"),
    ("pip compile", "-P", "value"),
    ("pip compile", "--python", "value"),
    ("pip compile", "-p", "value"),
    ("pip compile", "--exclude-newer", "value"),
    ("pip compile", "-i", "value"),
    ("pip compile", "--no-index", "flag"),
    ("pip compile", "-U", "flag"),
    ("run", "--with", "value"),
    ("run", "-w", "value"),
    ("run", "-m", "flag"),
    ("", "--color", "value"),
    ("", "--trusted-host", "value"),
    ("", "--no-config", "flag"),
    ("venv", "-c", "flag"),
    ("format", "--version", "value"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("path", "option", "arity"), TRICKY, ids=_ids([(p, o) for p, o, _ in TRICKY]))
def test_arity_agrees_with_uvs_parser(
    uv_bin: Path, tmp_path: Path, path: str, option: str, arity: str
) -> None:
    gen = _load_generator()
    probe = gen.probe_option(gen.Uv.make(str(uv_bin), str(tmp_path)), path, option)
    assert probe.kind == arity
    if arity == "value":
        assert option in spec.VALUE_OPTIONS[path] | spec.GLOBAL_VALUE_OPTIONS
    else:
        assert option in spec.FLAG_OPTIONS[path] | spec.GLOBAL_FLAG_OPTIONS
