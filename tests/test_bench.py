"""The benchmark's scenarios stay valid: in each, plain uv and uvauth exit as the scenario expects. A scenario that
measures an error path by mistake reports numbers that mean nothing (scenario p measured uvauth's refusal of an
unbound entry for a while, and no test said so). No time is asserted here: timing is bench/'s, and a report.
The scale scenario (s) is left out: a second of resolution per run, and nothing it sets up can go stale alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("a", "b", "c", "c2", "p", "d", "e", "f")


def test_every_scenario_runs_as_it_expects() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench.py"), "--runs", "1", "--warmup", "0",
                           "--importtime-runs", "0", "--import-cost-runs", "0", "--scenarios", ",".join(SCENARIOS),
                           "--venv", sys.prefix, "--json"], cwd=REPO, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    scenarios = json.loads(done.stdout)["scenarios"]
    assert [scenario["key"] for scenario in scenarios] == list(SCENARIOS)
    assert [(scenario["key"], scenario["problems"]) for scenario in scenarios if not scenario["valid"]] == []
