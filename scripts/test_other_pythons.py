#!/usr/bin/env python3
"""Run the test suite under every other CPython >= 3.11 on this machine (uvauth accepts them all).

Regex and standard-library behaviour differ between patch releases (Debian 12's 3.11.2 mis-matches possessive
quantifiers that 3.11.7 gets right), so passing under one Python says little about another. Each interpreter
gets its own virtualenv (``.venv-<version>``, reused when present); the unit tests run under each, the
integration tests (real uv against loopback servers) under the oldest as well.

    python scripts/test_other_pythons.py [PYTEST ARGS...]

Exits non-zero when any run fails; prints a skip line when no other Python is found.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def candidates() -> list[str]:
    """Every python3 / python3.N this machine has, wherever it is installed: on PATH, /usr/bin, /usr/local/bin,
    /opt, and pyenv's versions (PYENV_ROOT, else ~/.pyenv of $HOME and of the real user: CI may change HOME)."""
    import pwd

    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d] + ["/usr/bin", "/usr/local/bin"]
    found = [p for d in dirs for p in sorted(glob.glob(os.path.join(d, "python3*")))]
    found += sorted(glob.glob("/opt/*/bin/python3*")) + sorted(glob.glob("/opt/python*/*/bin/python3"))
    roots = {os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")}
    try:
        roots.add(os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".pyenv"))
    except KeyError:
        pass
    for root in sorted(r for r in roots if r):
        found += sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")))
    # pyenv's shims and python3.N-config are not interpreters of their own
    return [p for p in dict.fromkeys(found) if "/shims/" not in p and not p.endswith("-config")]


def _version(python: str) -> tuple[int, ...] | None:
    try:
        done = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:3])"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return tuple(int(part) for part in done.stdout.split()) if done.returncode == 0 else None


def others() -> list[tuple[tuple[int, ...], str]]:
    """(version, path) of each other usable Python >= 3.11, one per version, oldest first."""
    mine = tuple(sys.version_info[:3])
    found: dict[tuple[int, ...], str] = {}
    for python in candidates():
        version = _version(python) if os.access(python, os.X_OK) else None
        if version and version >= (3, 11) and version != mine:
            found.setdefault(version, python)
    return sorted(found.items())


def _prepare(version: tuple[int, ...], python: str) -> str | None:
    """The interpreter of this Python's virtualenv, with uvauth and its test extra installed; None (said on
    stdout) where this Python cannot make one (a Debian Python without its venv package)."""
    name = ".".join(map(str, version))
    venv = os.path.join(ROOT, f".venv-{name}")
    bin_python = os.path.join(venv, "bin", "python")
    if not os.path.exists(bin_python):
        made = subprocess.run([python, "-m", "venv", venv], capture_output=True, text=True, check=False)
        if made.returncode != 0:
            print(f"test_other_pythons: Python {name} ({python}) cannot make a virtualenv, not tested: "
                  f"{(made.stderr.strip().splitlines() or ['?'])[-1]}")
            return None
    subprocess.run([bin_python, "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
    return bin_python


def main(pytest_args: list[str]) -> int:
    pythons = others()
    if not pythons:
        print("test_other_pythons: no other Python >= 3.11 on this machine: skipped")
        return 0
    runs: list[tuple[str, list[str]]] = []
    for version, python in pythons:
        bin_python = _prepare(version, python)
        if bin_python is None:
            continue
        # The oldest also runs the integration tests; the others the unit tests.
        marker = [] if not runs else ["-m", "not integration"]
        runs.append((".".join(map(str, version)), [bin_python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                    "-n", "auto", *marker, *pytest_args]))
    # Two at a time, each with a worker per core (the tests mostly wait on the programs they start), each into a
    # log of its own, printed whole when it ends.
    import concurrent.futures
    import tempfile

    def one(run: tuple[str, list[str]]) -> tuple[str, int, str]:
        name, command = run
        with tempfile.TemporaryFile("w+") as log:
            done = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False)
            log.seek(0)
            return name, done.returncode, log.read()

    failed: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, code, output in pool.map(one, runs):
            print(f"test_other_pythons: Python {name}: {' '.join(runs[[r[0] for r in runs].index(name)][1][1:])}")
            print(output, end="" if output.endswith("\n") else "\n", flush=True)
            if code != 0:
                failed.append(name)
    if failed:
        print(f"test_other_pythons: failed under Python {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
