"""The README cannot drift from uvauth: every example output in it is what `uvauth uvauth explain` prints for the
TOML shown beside it (scripts/readme_examples.py), and its two fresh-machine commands are the ones CI runs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _examples_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_output_is_generated_and_current() -> None:
    examples = _examples_module()
    names: list[str] = []
    for page in examples.PAGES:
        text = page.read_text(encoding="utf-8")
        names += re.findall(r"^<!-- example: ([\w-]+) -->$", text, re.M)
        fresh = examples.generated(text)
        assert fresh == text, f"{page.name} examples drifted: run python scripts/readme_examples.py --update"
    assert sorted(names) == sorted(examples.EXAMPLES), "every example in the script has its block, once"


def test_the_check_notices_drift() -> None:
    """A page whose block differs from the real output is caught (the check is not vacuous)."""
    examples = _examples_module()
    text = (examples.ROOT / "docs" / "explain-and-doctor.md").read_text(encoding="utf-8")
    tampered = text.replace("  how: by-name\n", "  how: seeded\n", 1)
    assert tampered != text and examples.generated(tampered) != tampered


def test_every_link_between_the_pages_leads_somewhere() -> None:
    """The README is a table of contents now: a renamed page or heading must not leave a dead link."""
    examples = _examples_module()
    dead = []
    for page in examples.PAGES:
        for target in re.findall(r"\]\(([^)#\s]+\.md)?(#[\w-]+)?\)", page.read_text(encoding="utf-8")):
            path, anchor = target
            if not path and not anchor:
                continue
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                dead.append(f"{page.name}: {path}")
                continue
            headings = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                        for h in re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.M)}
            if anchor and anchor[1:] not in headings:
                dead.append(f"{page.name}: {path}{anchor}")
    assert dead == []


def test_the_fresh_machine_commands_are_the_ones_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m coverage erase "
                    "&& .venv/bin/python -m coverage run -m pytest -n auto && .venv/bin/python -m coverage combine -q "
                    "&& .venv/bin/python -m coverage report && UVAUTH_TEST_RANDOMIZE=1 .venv/bin/python -m pytest -q -m hypothesis "
                    "&& .venv/bin/python scripts/test_other_pythons.py")
    assert test_command in readme and test_command in ci
    assert ('python3 -m venv .venv && .venv/bin/pip install . && echo "idna" > requirements.in && '
            ".venv/bin/uvauth pip compile requirements.in -o requirements.txt") in readme
