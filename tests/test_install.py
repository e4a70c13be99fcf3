"""Every install route of docs/install.md, run as written on a fresh home: `uvauth` and `uvauthx` end up on the
documented PATH directory and run (the venv route once failed where ~/.local/bin did not exist yet).

The routes' commands are read from the document itself, so the page and the test cannot drift. They install
from the package registries the machine is configured with (pip's configuration, PyPI for uv), as a user's
machine would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import MACHINE_CERTIFICATES, system_tools_only
from support.uvrun import UV_BIN

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "docs" / "install.md"


def _routes() -> dict[str, list[str]]:
    """The first ``sh`` block of docs/install.md, split at its ``# …`` comment lines, each route named by the
    program its first command runs: ``uv``, ``pipx`` or ``python3``."""
    block = re.search(r"```sh\n(.*?)```", INSTALL.read_text(encoding="utf-8"), re.S)
    assert block, "docs/install.md has no sh block"
    groups: list[list[str]] = []
    for line in block[1].splitlines():
        if line.startswith("#"):
            groups.append([])
        elif line.strip():
            groups[-1].append(line.split("  #")[0].strip())
    return {commands[0].split()[0]: commands for commands in groups}


def test_the_document_has_the_three_routes() -> None:
    assert sorted(_routes()) == ["pipx", "python3", "uv"]


@pytest.mark.parametrize("route", ["uv", "pipx", "python3"], ids=["uv-tool-install", "pipx", "venv-and-links"])
def test_an_install_route_works_on_a_fresh_home(route: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "uvauth").symlink_to(ROOT)  # the clone, as the page calls it
    tools = Path(system_tools_only(tmp_path / "tools"))
    (tools / "uv").symlink_to(UV_BIN)  # the user's own uv: uv tool install runs it
    for tool in ("ln", "mkdir", "rm", "bash"):
        found = shutil.which(tool, path="/usr/bin:/bin")
        assert found, tool
        if not (tools / tool).exists():
            (tools / tool).symlink_to(found)
    env = {"HOME": str(home), "PATH": str(tools), "LANG": "C.UTF-8", "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", **MACHINE_CERTIFICATES}
    if route == "pipx":
        # pipx itself, as a user would have it: in a virtual environment of its own, on PATH.
        subprocess.run([str(tools / "python3"), "-m", "venv", str(tmp_path / "pipx-venv")], check=True, env=env)
        subprocess.run([str(tmp_path / "pipx-venv" / "bin" / "pip"), "install", "-q", "pipx"], check=True, env=env,
                       capture_output=True)
        (tools / "pipx").symlink_to(tmp_path / "pipx-venv" / "bin" / "pipx")
    script = " && ".join(_routes()[route])
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    bin_dir = home / ".local" / "bin"
    assert sorted(p.name for p in bin_dir.iterdir() if p.name.startswith("uvauth")) == ["uvauth", "uvauthx"]
    version = subprocess.run([str(bin_dir / "uvauth"), "uvauth", "--version"], env=env, capture_output=True,
                             text=True, check=False)
    assert version.returncode == 0 and version.stdout.startswith("uvauth "), version.stderr
    # The uv installed with uvauth runs, found beside uvauth (this PATH has the user's uv: take it away).
    (tools / "uv").unlink()
    uvx = subprocess.run([str(bin_dir / "uvauthx"), "--version"], env=env, capture_output=True, text=True,
                         check=False)
    assert uvx.returncode == 0 and uvx.stdout.startswith("uv"), uvx.stdout + uvx.stderr
    assert not (bin_dir / "uv").exists()  # uvauth's own uv is never put on PATH
