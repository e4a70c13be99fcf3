"""docs/uv-rules.md is where the repository records uv's rules: nothing points outside the repository instead, and
every test the page names as pinning a rule exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "uv-rules.md"

#: Where the code, its tests and its tools live: what must never send a reader outside the repository.
CHECKED = ("src", "tests", "bench", "scripts", "docs", "README.md", "CHANGELOG.md")
#: Text that names the notes file outside the repository that uv's rules were once cited from.
OUTSIDE = re.compile(r"uv-facts|\.\./shared")
TEST_REFERENCE = re.compile(r"tests/(test_\w+\.py)::(test_\w+)")
SECTION_REFERENCE = re.compile(r'docs/uv-rules\.md`*, ((?:"[^"]+"(?:,? and |, )?)+)')


def _checked_files() -> list[Path]:
    files: list[Path] = []
    for name in CHECKED:
        path = ROOT / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)
    return files


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def test_nothing_cites_notes_outside_the_repository() -> None:
    own = Path(__file__).resolve()
    hits = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for path in _checked_files() if path.resolve() != own  # this file spells the pattern
            for n, line in enumerate(_text(path).splitlines(), 1) if OUTSIDE.search(line)]
    assert hits == [], "cite uv's source file and function, or docs/uv-rules.md, instead:\n" + "\n".join(hits)


def defined_tests(path: Path) -> set[str]:
    """The test functions defined in a test file (nested and class-level ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def missing_tests(text: str) -> list[str]:
    """Every ``tests/test_x.py::test_name`` in ``text`` that names no test function of that file."""
    missing: list[str] = []
    found: dict[str, set[str]] = {}
    for file, name in TEST_REFERENCE.findall(text):
        path = ROOT / "tests" / file
        if file not in found:
            found[file] = defined_tests(path) if path.is_file() else set()
        if name not in found[file]:
            missing.append(f"tests/{file}::{name}")
    return missing


def test_every_test_the_rules_page_names_exists() -> None:
    text = RULES.read_text(encoding="utf-8")
    assert len(TEST_REFERENCE.findall(text)) > 50, "the page names the tests that pin its rules"
    assert missing_tests(text) == []


def test_a_test_that_does_not_exist_is_caught() -> None:
    """The check is not vacuous: a misspelt name, a parametrized id in brackets and a missing file all count."""
    bogus = ["tests/test_urls.py::test_no_such_rule", "tests/test_no_such_file.py::test_same_index"]
    assert missing_tests(f"`tests/test_urls.py::test_covers`, `{bogus[0]}`,\n`{bogus[1]}`") == bogus
    assert missing_tests("`tests/test_urls.py::test_same_index[host-case]`") == []  # the function, as written
    assert missing_tests("`tests/test_urls.py::test_same_index`") == []


def test_every_section_cited_from_the_code_exists() -> None:
    headings = set(re.findall(r"^## (.+)$", RULES.read_text(encoding="utf-8"), re.M))
    cited: list[tuple[str, str]] = []
    for path in _checked_files():
        if path.suffix != ".py":
            continue
        # A citation may run over a line break, also inside a `#` comment.
        flat = re.sub(r"\s*\n\s*(?:#\s*)?", " ", _text(path))
        for group in SECTION_REFERENCE.findall(flat):
            cited.extend((str(path.relative_to(ROOT)), section) for section in re.findall(r'"([^"]+)"', group))
    assert cited, "the code cites sections of docs/uv-rules.md"
    assert [(where, section) for where, section in cited if section not in headings] == []


PORT_REFERENCE = re.compile(r"`(uvauth(?:\.\w+)+)`")


def missing_ports(text: str) -> list[str]:
    """Every ```uvauth.module.name[.attribute]``` in ``text`` that does not resolve: the longest importable module,
    then attributes (a class's method, a module's function or constant)."""
    import importlib

    missing: list[str] = []
    for dotted in dict.fromkeys(PORT_REFERENCE.findall(text)):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                target: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            break
        else:
            missing.append(dotted)
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                missing.append(dotted)
                break
            target = getattr(target, attribute)
    return missing


def test_every_port_the_rules_page_names_exists() -> None:
    text = RULES.read_text(encoding="utf-8")
    assert len(PORT_REFERENCE.findall(text)) > 50
    assert missing_ports(text) == []
    assert missing_ports("`uvauth.uv.urls.covers`, `uvauth.uv.urls.no_such_rule`, `uvauth.nowhere.x`") == [
        "uvauth.uv.urls.no_such_rule", "uvauth.nowhere.x"]
