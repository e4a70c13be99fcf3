"""``uvauth uvauth completion SHELL`` is run by shells at every start: after the first run it prints a saved
script without importing typer, and rebuilds it when the uv it was built from changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from uvauth.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\nIMPORTED-TYPER" if "typer" in sys.modules else "\\nNO-TYPER", file=sys.stderr)
raise SystemExit(code)
"""


def completion(shell: str, env: dict[str, str]) -> tuple[str, bool]:
    done = subprocess.run([sys.executable, "-c", PROBE, "uvauth", "completion", shell], capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout, "IMPORTED-TYPER" in done.stderr


@pytest.fixture
def env(tmp_path: Path, uv_bin: Path) -> dict[str, str]:
    uv = tmp_path / "bin" / "uv"
    uv.parent.mkdir()
    shutil.copy2(uv_bin, uv)
    return {**os.environ, "UVAUTH_UV": str(uv)}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_second_run_prints_the_saved_script_without_typer(env: dict[str, str], shell: str) -> None:
    first, built = completion(shell, env)
    assert built and first.strip()
    second, rebuilt = completion(shell, env)
    assert not rebuilt
    assert second == first


def test_a_changed_uv_rebuilds_the_script(env: dict[str, str]) -> None:
    completion("bash", env)
    assert not completion("bash", env)[1]
    uv = Path(env["UVAUTH_UV"])
    os.utime(uv, ns=(uv.stat().st_atime_ns, uv.stat().st_mtime_ns + 10**9))  # a new uv installed in its place
    text, rebuilt = completion("bash", env)
    assert rebuilt and text.strip()
    assert not completion("bash", env)[1]


def test_another_uv_is_another_script(env: dict[str, str], tmp_path: Path) -> None:
    completion("bash", env)
    other = tmp_path / "other" / "uv"
    other.parent.mkdir()
    shutil.copy2(env["UVAUTH_UV"], other)
    assert completion("bash", {**env, "UVAUTH_UV": str(other)})[1]


def test_a_damaged_cache_is_rebuilt_not_an_error(env: dict[str, str]) -> None:
    cache = Path(env["XDG_CACHE_HOME"]) / "uvauth"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("a file where uvauth's cache directory should be")
    text, built = completion("bash", env)
    assert built and text.strip()


def test_an_unknown_shell_is_still_uvauths_error(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, "uvauth", "completion", "tcsh"], capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 2
    assert "tcsh" in done.stderr


KEY = """
import os, sys
from uvauth.completion import cached
print(os.path.basename(cached._path("bash", os.environ)))
"""


def test_a_new_module_is_a_new_script(env: dict[str, str], tmp_path: Path) -> None:
    """The saved script is keyed on all of uvauth's code, found by looking, not on a list of the modules that
    build it: a module added in a source tree (an editable install) is a rebuild, never a stale script."""
    root = Path(__file__).resolve().parents[1]
    tree = tmp_path / "tree"
    shutil.copytree(root / "src" / "uvauth", tree / "src" / "uvauth", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "completions", tree / "completions")
    copy = {**env, "PYTHONPATH": str(tree / "src")}

    def key() -> str:
        done = subprocess.run([sys.executable, "-c", KEY], capture_output=True, text=True, env=copy, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().startswith("completion-bash-")
        return done.stdout.strip()

    before = key()
    assert key() == before
    (tree / "src" / "uvauth" / "completion" / "newly_added.py").write_text("WORDS = ()\n")
    assert key() != before
    changed = key()
    additions = tree / "completions" / "additions.bash"
    additions.write_text(additions.read_text() + "# edited\n")
    assert key() != changed
