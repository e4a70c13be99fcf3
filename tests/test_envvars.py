"""uvauth's one home for environment-variable names and uv's boolean readings, and the hot path's imports."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from uvauth.uv import envvars

SRC = Path(__file__).resolve().parents[1] / "src" / "uvauth"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on", "y", "t"])
def test_truthy_accepts_uvs_true_literals(value: str) -> None:
    assert envvars.truthy(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "no", "off", "2", "enabled"])
def test_truthy_is_false_for_everything_else(value: str | None) -> None:
    assert not envvars.truthy(value)


def test_boolish_is_strict() -> None:
    assert envvars.boolish("Yes") is True
    assert envvars.boolish("OFF") is False
    assert envvars.boolish("maybe") is None
    assert envvars.boolish(" 1") is None  # clap does not strip blanks


def test_index_variables_cover_every_index_flag() -> None:
    assert set(envvars.INDEX_ENV_VARS) == {"--default-index", "--index", "--index-url", "--extra-index-url",
                                           "--find-links"}
    assert all(var.startswith("UV_") for var, _ in envvars.INDEX_ENV_VARS.values())


def test_no_variable_name_is_spelled_outside_envvars() -> None:
    """No string constant in the sources is a variable's name (``"UV_INDEX"``): :mod:`uvauth.uv.envvars` has it."""
    name = re.compile(r"(UV|UVAUTH)_[A-Z_]+|DEPENDABOT")
    offenders = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in SRC.rglob("*.py")
        if path.name not in ("envvars.py", "_spec.py", "_spec_packed.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and name.fullmatch(node.value)
    ]
    assert offenders == []


def test_hot_path_imports_stay_light() -> None:
    """The modules every uv call imports load none of the costly standard modules."""
    code = (
        "import sys\n"
        "import uvauth.cli, uvauth.pipeline, uvauth.launch, uvauth.cache, uvauth.errors\n"
        "import uvauth.uv.cmdline, uvauth.uv.envvars, uvauth.settings.sources\n"
        "print(sorted(m for m in ('typing', 'pathlib', 're', 'json', 'urllib', 'dataclasses') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(SRC.parent)})
    assert done.stdout.strip() == "[]"
