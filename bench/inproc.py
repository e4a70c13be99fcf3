#!/usr/bin/env python3
"""uvauth's own in-process cost of one uv command: from the console script's ``from uvauth.cli import main`` to
the exec, in a fresh interpreter per run (the exec replaced by a no-op), median over many runs.

A complement to bench.py for a busy machine: it times only uvauth's own work (imports included), not the
interpreter start-up that the floor shares, so other load spreads it less.

    .venv/bin/python bench/inproc.py [--runs N] [--cwd DIR] [--cold] -- UV ARGS...

Point PYTHONPATH at another checkout's src/ to measure that one with the same interpreter.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys

def _launcher_imports() -> str:
    """What the installed console script imports before uvauth: older pips' launchers import ``re`` too (pip
    26's do not), and whatever the launcher has loaded already costs uvauth nothing."""
    launcher = os.path.join(os.path.dirname(sys.executable), "uvauth")
    try:
        with open(launcher, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return "import sys"
    return "import re, sys" if "import re" in text else "import sys"


LAUNCHER = _launcher_imports()
PROBE = LAUNCHER + r"""
import time
t0 = time.perf_counter_ns()
from uvauth import launch
launch.exec_uv = lambda uv, argv, env: 0
from uvauth.cli import main
main(sys.argv[1:])
print((time.perf_counter_ns() - t0) / 1e6)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--cwd", default=os.getcwd())
    parser.add_argument("--cold", action="store_true",
                        help="remove uvauth's memoized plans before each run (the path of a changed project)")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions with valgrind instead of timing: steady on a busy machine")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if options.callgrind:
        return _callgrind(args, options, env)
    samples = []
    plans = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "uvauth", "plans")
    for _ in range(options.runs + 2):
        if options.cold:
            shutil.rmtree(plans, ignore_errors=True)
        done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=options.cwd, env=env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        samples.append(float(done.stdout.strip().splitlines()[-1]))
    samples = samples[2:]
    deciles = statistics.quantiles(samples, n=10)
    print(f"median {statistics.median(samples):.2f} ms (p10 {deciles[0]:.2f}, p90 {deciles[8]:.2f}) over "
          f"{options.runs} runs: uvauth {' '.join(args)}")
    return 0


def _instructions(command: list[str], cwd: str, env: dict[str, str]) -> int:
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command], cwd=cwd,
                          env=env, capture_output=True, text=True, check=False)
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    raise SystemExit(f"inproc: valgrind printed no count:\n{done.stderr[-2000:]}")


def _callgrind(args: list[str], options: argparse.Namespace, env: dict[str, str]) -> int:
    """Instructions of the probe minus those of the launcher's own start (``python -c 'import sys'``, with
    ``re`` where the installed launcher imports it)."""
    plans = os.path.join(env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "uvauth", "plans")
    subprocess.run([sys.executable, "-c", PROBE, *args], cwd=options.cwd, env=env, capture_output=True)  # bytecode
    if options.cold:
        shutil.rmtree(plans, ignore_errors=True)
    base = _instructions([sys.executable, "-c", LAUNCHER], options.cwd, env)
    ours = _instructions([sys.executable, "-c", PROBE, *args], options.cwd, env)
    print(f"{(ours - base) / 1e6:.2f} M instructions over the launcher's start: uvauth {' '.join(args)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
