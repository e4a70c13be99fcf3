"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit (``try-repo`` on this checkout)
against the loopback index that demands credentials: the compiled file is plain uv's, and no request goes out
without credentials. pre-commit installs the hook's environment from the package registries the machine is
configured with, as on a user's machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import MACHINE_CERTIFICATES, NetrcWriter
from support.indexserver import IndexServerFactory
from support.uvrun import BASE_ENV, UV_BIN

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("pre-commit") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "pre-commit"], check=True, capture_output=True,
                   env={**os.environ, **MACHINE_CERTIFICATES})
    return venv / "bin" / "pre-commit"


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="pre-commit try-repo needs this checkout to be a git repo")
def test_the_pip_compile_hook_compiles_through_uvauth(pre_commit: Path, index_server: IndexServerFactory,
                                                      netrc_file: NetrcWriter, tmp_path: Path) -> None:
    server = index_server()
    netrc = netrc_file({"127.0.0.1": (server.username, server.password)})
    project = tmp_path / "project"
    project.mkdir()
    (project / "uv.toml").write_text(f'[[index]]\nname = "internal"\nurl = "{server.index_url}"\n'
                                     'authenticate = "always"\ndefault = true\n')
    (project / "requirements.in").write_text("tinypkg\n")
    _git("init", "-q", ".", cwd=project)
    _git("add", ".", cwd=project)
    _git("commit", "-qm", "init", cwd=project)
    env = {**os.environ, **BASE_ENV, **MACHINE_CERTIFICATES, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "NETRC": str(netrc),
           # The hook's uvauth finds the uv installed with it; not this test environment's.
           "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                   if not (Path(p) / "uvauth").exists())}
    server.clear_log()
    done = subprocess.run([str(pre_commit), "try-repo", str(ROOT), "uvauth-pip-compile", "--all-files"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    compiled = project / "requirements.txt"
    assert compiled.exists(), done.stdout + done.stderr
    # A new (untracked) output is no modification to pre-commit; a tracked one that changed would fail the hook.
    assert done.returncode == 0 and "uvauth pip compile" in done.stdout and "Passed" in done.stdout, done.stdout
    assert len(server.unauthenticated()) == 0 and len(server.requests) > 0
    # Byte for byte what plain uv writes, header included.
    plain = tmp_path / "plain"
    shutil.copytree(project, plain, ignore=shutil.ignore_patterns(".git", "requirements.txt"))
    subprocess.run([str(UV_BIN), "pip", "compile", "requirements.in", "-o", "requirements.txt"], cwd=plain, env=env,
                   capture_output=True, check=True)
    assert compiled.read_bytes() == (plain / "requirements.txt").read_bytes()
    assert b"tinypkg==1.0" in compiled.read_bytes()
