"""Guards on the package's shape: the one-way data flow, where typer and rich may appear, and what the hot path
(every uv call of every user) is allowed to import.

The import graph is read from the source (every ``import`` statement, the lazy ones inside functions included,
those under ``if TYPE_CHECKING:`` excluded), so a cycle fails here even where it would not fail at run time.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import unmeasured

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "uvauth"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path) -> set[str]:
    """Every module (absolute, dotted) that the file imports at run time, lazily or not."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from uvauth.uv import urls` imports the submodule uvauth.uv.urls.
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _same_command_package(a: str, b: str) -> bool:
    # The typer app and the commands it registers may refer to each other (a command reads the app's own
    # grammar): that stays inside the front end, which nothing else imports.
    return a.startswith("uvauth.commands.") and b.startswith("uvauth.commands.")


GRAPH = {name: {target for target in _imports(path)
                if target in MODULES and target != name and not _same_command_package(name, target)}
         for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import cycle among uvauth's modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := walk(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(GRAPH):
        if start not in state and (found := walk(start)):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    """The check itself, on a graph with a cycle (it must not pass by never looking)."""
    saved = {name: set(targets) for name, targets in GRAPH.items()}
    try:
        GRAPH["uvauth.errors"].add("uvauth.cli")
        assert _cycle() is not None
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def test_nothing_imports_the_entry_point_and_only_it_reaches_the_commands() -> None:
    for name, targets in GRAPH.items():
        if name == "uvauth.__main__":
            continue  # `python -m uvauth` is the entry point too
        assert "uvauth.cli" not in targets, f"{name} imports the entry point"
        if not name.startswith("uvauth.commands") and name != "uvauth.cli":
            assert not {t for t in targets if t.startswith("uvauth.commands")}, f"{name} imports uvauth.commands"


def test_typer_and_rich_are_imported_only_under_commands() -> None:
    for name, path in MODULES.items():
        if name.startswith("uvauth.commands"):
            continue
        third_party = {target.split(".")[0] for target in _imports(path)}
        assert not third_party & {"typer", "rich", "click"}, f"{name} imports {third_party & {'typer', 'rich'}}"


def test_uv_ports_make_no_uvauth_decisions() -> None:
    """uvauth.uv holds ports of uv's own behaviour: it may use uvauth's error type and its reader interface
    (uvauth.observed: the environment, files and helpers' answers a plan depends on), nothing else of uvauth's."""
    allowed = ("uvauth", "uvauth.errors", "uvauth.observed")
    for name, targets in GRAPH.items():
        if name.startswith("uvauth.uv"):
            outside = {t for t in targets if not t.startswith("uvauth.uv") and t not in allowed}
            assert not outside, f"{name} imports {sorted(outside)}"


def test_no_module_is_looked_up_in_sys_modules() -> None:
    """A dependency is an import (which the graph above sees) or a value handed in, never a look into
    ``sys.modules`` for whether some other module happens to be loaded."""
    found = [f"{name}:{node.lineno}" for name, path in MODULES.items()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute) and node.attr == "modules"
             and isinstance(node.value, ast.Name) and node.value.id == "sys"]
    assert found == []


def test_the_error_type_is_a_leaf() -> None:
    """Every module may raise UvauthError, the uv ports included: the module that defines it imports nothing of
    uvauth (the boundary that prints it, with redaction and colour, is uvauth.boundary)."""
    assert {t for t in GRAPH["uvauth.errors"] if t.startswith("uvauth")} <= {"uvauth"}


#: Packages that stand in for what was one module, so that no caller changed: their ``__init__`` re-exports
#: names from their own modules (and does nothing else). Each is off the hot path (NEVER_ON_THE_HOT_PATH),
#: and whoever imports one of their modules needs the whole package anyway.
FACADES = {"uvauth.uv.requirements"}


def test_package_init_files_import_nothing() -> None:
    """The hot path pays for every ``__init__`` on the way to a module: they hold no code."""
    for path in PACKAGE.rglob("__init__.py"):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        code = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                                             ast.ClassDef))]
        if name in FACADES:
            assert name in NEVER_ON_THE_HOT_PATH, name
            code = [n for n in code if not (isinstance(n, ast.ImportFrom) and not n.level
                                            and (n.module or "").startswith(f"{name}."))]
        assert not code, path


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"uvauth.__main__"}))  # __main__ runs uv
def test_each_module_imports_on_its_own(module: str) -> None:
    """In a fresh interpreter, so that a module relying on another having been imported first fails here."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------------------------------------------
# The import budget of the pass-through path

_PROBE = """
import sys
before = set(sys.modules)
from uvauth import launch
def fake_exec(uv, argv, env):
    print(repr(sorted(set(sys.modules) - before)))
    return 0
launch.exec_uv = fake_exec
from uvauth.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

# What the pass-through decision needs, and nothing more.
HOT_MODULES = {
    "uvauth", "uvauth.cache", "uvauth.cli", "uvauth.errors", "uvauth.fastpath", "uvauth.launch", "uvauth.pipeline",
    "uvauth.settings", "uvauth.settings.sources", "uvauth.settings.files", "uvauth.uv", "uvauth.uv._spec_packed",
    "uvauth.uv.cmdline",
    "uvauth.uv.envvars", "uvauth.uv.auth_policy", "uvauth.uv.dirs", "uvauth.memo", "uvauth.observed",
}
NEVER_ON_THE_HOT_PATH = {
    "typer", "rich", "click", "tomlkit", "pydantic", "pydantic_settings", "tomllib", "json", "subprocess",
    "dataclasses", "typing", "shutil", "hashlib", "uvauth.plan", "uvauth.uv.config", "uvauth.uv.requirements",
    "uvauth.uv._spec",  # the readable grammar: the parser reads the packed copy
}


def _loaded(args: list[str], cwd: Path) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "UVAUTH_"))}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=cwd,
                          env=unmeasured(env), check=False)
    assert done.returncode == 0, done.stderr
    return set(ast.literal_eval(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--version"], ["run", "true"], ["pip", "list"], ["tool", "list"]],
                         ids=" ".join)
def test_pass_through_loads_only_the_hot_modules(args: list[str], tmp_path: Path) -> None:
    loaded = _loaded(args, tmp_path)
    ours = {name for name in loaded if name.split(".")[0] == "uvauth"}
    assert ours <= HOT_MODULES, f"the pass-through path loads {sorted(ours - HOT_MODULES)}"
    assert not loaded & NEVER_ON_THE_HOT_PATH, f"the pass-through path loads {sorted(loaded & NEVER_ON_THE_HOT_PATH)}"


# A pure pass-through (no index options, no policy to check): every module it imports costs some 50 µs on
# every uv call, so the list is pinned exactly. Not even uvauth.errors (imported only when there is an error to
# report) or __future__ (the hot modules quote their annotations instead).
PASS_THROUGH_MODULES = {
    "uvauth", "uvauth.cli", "uvauth.fastpath", "uvauth.launch", "uvauth.cache", "uvauth.settings",
    "uvauth.settings.files",
    "uvauth.uv", "uvauth.uv.envvars", "uvauth.uv.dirs", "uvauth.uv.cmdline", "uvauth.uv._spec_packed",
}


@pytest.mark.parametrize("args", [["--version"], ["cache", "dir"], ["self", "version"]], ids=" ".join)
def test_a_pure_pass_through_loads_exactly_its_modules(args: list[str], tmp_path: Path) -> None:
    loaded = _loaded(args, tmp_path)
    ours = {name for name in loaded if name.split(".")[0] == "uvauth"}
    assert ours == PASS_THROUGH_MODULES
    assert "__future__" not in loaded


def test_uv_run_in_a_configured_project_without_uvauth_settings_loads_only_the_pipeline_more(tmp_path: Path) -> None:
    """The command people run most, where the configured policy holds by itself (no index reaches uv another
    way): the pipeline's os-level test passes it through, parsing no TOML and importing no planning module."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "https://art.example/simple"\n'
                                      'authenticate = "always"\n')
    loaded = _loaded(["run", "--offline", "true"], tmp_path)
    assert {name for name in loaded if name.split(".")[0] == "uvauth"} == PASS_THROUGH_MODULES | {"uvauth.pipeline"}
    assert "__future__" not in loaded


# What the uv ports read from the file system, they read through the reader (uvauth.observed: exists, is_file,
# read_bytes; the requirements reader's own `reader.exists` asks it), which records it for a memoized plan: a
# port cannot forget to. The exceptions, each deliberate:
_FILE_ACCESS = {"open", "exists", "is_file", "is_dir", "isfile", "isdir", "read_text", "read_bytes", "stat", "lstat",
                "listdir", "scandir", "iterdir", "glob", "rglob", "walk", "access", "getsize", "getmtime"}
_UNRECORDED_ON_PURPOSE = {
    # A URL taken as a path (`<cwd>/https://host/TOKEN/simple`) is tested, not noted: noting it would put the
    # token into a memoized plan's file list, and such a directory does not exist in practice.
    ("uvauth.uv.requirements.reader", "exists", "exists"),
    # Whether the project is a workspace member follows from the member globs (read through the reader) and the
    # project's own pyproject.toml (noted): the listing itself decides nothing more.
    ("uvauth.uv.config.discover", "_glob_matches", "glob"),
}


def _file_accesses(name: str, path: Path) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call):
                func = child.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                via_reader = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    func.value.id in ("observed", "reader")
                if called in _FILE_ACCESS and not via_reader:
                    found.add((name, function, called))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def test_the_uv_ports_read_files_only_through_the_reader() -> None:
    accesses = set().union(*(_file_accesses(name, path) for name, path in MODULES.items()
                             if name.startswith("uvauth.uv")))
    assert accesses == _UNRECORDED_ON_PURPOSE
