#!/usr/bin/env python3
"""How much wall time does uvauth add in front of uv?

Runs each scenario as plain ``uv ARGS`` and as ``uvauth ARGS``, interleaved (uv, uvauth, uv, uvauth, …) in
this one process through ``subprocess.run`` with stdout/stderr captured, each scenario in its own isolated
environment (temporary HOME and XDG_* directories, a fixed PATH, nothing from the caller's UV_*, UVAUTH_*,
PYTHON* or NETRC).
Then it runs uvauth under ``python -X importtime`` to show which imports the time goes to.

It is a report, not a test: it always exits 0 (argparse usage errors aside). See bench/README.md.

    .venv/bin/python bench/bench.py              # table on stdout
    .venv/bin/python bench/bench.py --runs 40    # more samples
    .venv/bin/python bench/bench.py --json       # machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
INDEX_URL = "http://127.0.0.1:9/simple"  # port 9 (discard): nothing answers, and --offline never asks anyway
RESOLUTION_FAILURE = "No solution found when resolving dependencies"
N_REQUIREMENTS = 200

# Modules whose presence on a path is worth a yes/no of its own.
WATCHED = ("pydantic", "pydantic_settings", "typer", "rich", "uvauth.plan", "uvauth.settings.model")


# ----------------------------------------------------------------------------------------------------------
# Tools


@dataclass(frozen=True)
class Tools:
    python: Path  # the venv's interpreter: uvauth's console script runs on it
    uv: Path  # the real uv
    uvauth: Path  # uvauth's console script
    floor: Path | None = None  # the same console-script launcher, exec'ing uv instead of importing uvauth

    def with_floor(self, directory: Path) -> Tools:
        """A copy of the installed console script whose import of uvauth is replaced by ``os.execv(uv)``: the
        fairest floor (the same interpreter, site, launcher and its ``import re``), and what "within N ms of a
        bare Python exec" is measured against."""
        launcher = self.uvauth.read_text()
        line = "from uvauth.cli import main"
        if line not in launcher:
            raise SystemExit(f"bench: {self.uvauth} is not the console-script launcher bench expects")
        floor = directory / "uvauth-floor"
        floor.write_text(launcher.replace(line, "import os\n"
                                          f"def main():\n    os.execv({str(self.uv)!r}, "
                                          f"[{str(self.uv)!r}, *sys.argv[1:]])"))
        floor.chmod(0o755)
        return Tools(self.python, self.uv, self.uvauth, floor)

    @classmethod
    def from_venv(cls, venv: Path) -> Tools:
        tools = cls(venv / "bin" / "python", venv / "bin" / "uv", venv / "bin" / "uvauth")
        for path in (tools.python, tools.uv, tools.uvauth):
            if not os.access(path, os.X_OK):
                raise SystemExit(f"bench: not an executable: {path} (pass --venv)")
        return tools


# ----------------------------------------------------------------------------------------------------------
# Scenarios


@dataclass
class Prepared:
    cwd: Path
    args: list[str]  # uv's arguments (without the program name)
    env: dict[str, str]  # extra environment on top of the isolated one


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    setup: Callable[[Path, Tools], Prepared]  # (scenario root, tools) -> what to run
    target_ms: float | None  # warm: at most this many ms over the floor (median); None: informational row
    expect_rc: int
    expect_stderr: str | None = None  # must appear in both uv's and uvauth's stderr
    notes: str = ""


def _write_requirements(path: Path) -> None:
    # 200 pinned names that exist on no index: uv --offline cannot resolve them and fails fast.
    path.write_text("".join(f"uvauth-bench-pkg-{i:03d}==1.{i}.0\n" for i in range(N_REQUIREMENTS)))


def _compile_args(tools: Tools) -> list[str]:
    return ["pip", "compile", "--offline", "--index-url", INDEX_URL, "req.txt", "--python", str(tools.python)]


def _netrc_text() -> str:
    return "machine 127.0.0.1\nlogin bench-user\npassword bench-password\n"


def setup_version(root: Path, tools: Tools) -> Prepared:
    project = root / "project"
    project.mkdir()
    return Prepared(project, ["--version"], {})


def setup_compile_configured(root: Path, tools: Tools) -> Prepared:
    """uv.toml declares the index with authenticate = "always"; credentials in ~/.netrc (uv reads it too)."""
    project = root / "project"
    project.mkdir()
    (project / "uv.toml").write_text(
        f'[[index]]\nname = "art"\nurl = "{INDEX_URL}"\nauthenticate = "always"\n')
    _write_requirements(project / "req.txt")
    (root / "home" / ".netrc").write_text(_netrc_text())
    (root / "home" / ".netrc").chmod(0o600)
    return Prepared(project, _compile_args(tools), {})


def _setup_env_policy(root: Path, tools: Tools, index_authenticate: str | None) -> Prepared:
    project = root / "project"
    project.mkdir()
    extra = f'authenticate = "{index_authenticate}"\n' if index_authenticate else ""
    (project / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{INDEX_URL}"\n{extra}')
    _write_requirements(project / "req.txt")
    netrc = root / "netrc"
    netrc.write_text(_netrc_text())
    netrc.chmod(0o600)
    return Prepared(project, _compile_args(tools), {"UVAUTH_AUTHENTICATE": "always", "NETRC": str(netrc)})


def setup_compile_env_always(root: Path, tools: Tools) -> Prepared:
    """b's project (index authenticate = "always") plus UVAUTH_AUTHENTICATE=always and NETRC=<file>."""
    return _setup_env_policy(root, tools, "always")


def setup_compile_env_decides(root: Path, tools: Tools) -> Prepared:
    """The index has no authenticate of its own, so UVAUTH_AUTHENTICATE=always decides: uvauth rewrites the
    command (--index-url -> --default-index art), writes a generated uv config and asks for uv's version."""
    return _setup_env_policy(root, tools, None)


def setup_compile_provider(root: Path, tools: Tools) -> Prepared:
    """b's project with no netrc: a [[credentials]] entry in the user's uvauth.toml gives the index its token,
    from a warm cache (minted once here, by a run that is not timed)."""
    project = root / "project"
    project.mkdir()
    (project / "uv.toml").write_text(
        f'[[index]]\nname = "art"\nurl = "{INDEX_URL}"\nauthenticate = "always"\n')
    _write_requirements(project / "req.txt")
    mint = root / "mint.py"
    mint.write_text("import json, time\nprint(json.dumps({'password': 'bench-token', 'expires': time.time() + 86400}))\n")
    settings = root / "home" / ".config" / "uvauth"
    settings.mkdir(parents=True, exist_ok=True)
    # `url`: a user entry that covers a project's index by name sends its token only where it says
    # (docs/credentials.md, "Binding"); without it this scenario measured uvauth's refusal.
    (settings / "uvauth.toml").write_text(
        f'[[credentials]]\nindex = "art"\nurl = "{INDEX_URL}"\n'
        f'password-command = [{json.dumps(str(tools.python))}, {json.dumps(str(mint))}]\n')
    env = _isolated_env(tools, root / "home", None, root / "tmp")
    online = [a for a in _compile_args(tools) if a != "--offline"]  # offline commands mint nothing
    subprocess.run([str(tools.uvauth), *online], cwd=project, env=env, capture_output=True, check=False, timeout=120)
    return Prepared(project, _compile_args(tools), {})


def setup_pip_list(root: Path, tools: Tools) -> Prepared:
    project = root / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "bench-demo"\nversion = "0.1.0"\n')
    env = _isolated_env(tools, root / "home", None, root / "tmp")
    # A small project venv (no seed packages) that `uv pip list` discovers as ./.venv; not timed.
    subprocess.run([str(tools.uv), "venv", "--offline", "--python", str(tools.python), ".venv"], cwd=project,
                   env=env, capture_output=True, check=True)
    return Prepared(project, ["pip", "list", "--offline"], {})


def _setup_uv_run(root: Path, tools: Tools, env: dict[str, str]) -> Prepared:
    """A project (no dependencies) whose uv.toml has one `always` index, its venv made and synced (not timed)."""
    project = root / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "bench-run"\nversion = "0.1.0"\n'
                                            'requires-python = ">=3.8"\ndependencies = []\n')
    (project / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{INDEX_URL}"\nauthenticate = "always"\n')
    netrc = root / "netrc"
    netrc.write_text(_netrc_text())
    netrc.chmod(0o600)
    setup_env = {**_isolated_env(tools, root / "home", None, root / "tmp"), "NETRC": str(netrc)}
    subprocess.run([str(tools.uv), "sync", "--offline", "--python", str(tools.python)], cwd=project,
                   env=setup_env, capture_output=True, check=True)
    return Prepared(project, ["run", "--offline", "true"], {"NETRC": str(netrc), **env})


def setup_uv_run(root: Path, tools: Tools) -> Prepared:
    return _setup_uv_run(root, tools, {})


def setup_uv_run_global(root: Path, tools: Tools) -> Prepared:
    return _setup_uv_run(root, tools, {"UVAUTH_AUTHENTICATE": "always"})


def setup_scale(root: Path, tools: Tools) -> Prepared:
    """500 configured indexes on 50 hosts and 100 [[credentials]] prefixes (issue 16 item 8): every index is
    compared with every prefix. The cold run is the planning cost; warm runs recall the memoized plan."""
    project = root / "project"
    project.mkdir()
    (project / "uv.toml").write_text("".join(
        f'[[index]]\nname = "i{i}"\nurl = "https://h{i % 50}.example/team{i}/simple"\n' for i in range(500)))
    settings = root / "home" / ".config" / "uvauth"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "uvauth.toml").write_text("".join(
        f'[[credentials]]\nprefix = "https://h{j % 50}.example/team{j}/"\npassword-env = "BENCH_TOKEN"\n'
        for j in range(100)))
    _write_requirements(project / "req.txt")
    args = [a if a != INDEX_URL else "https://h3.example/team3/simple" for a in _compile_args(tools)]
    return Prepared(project, args, {"BENCH_TOKEN": "bench-token", "UVAUTH_AUTHENTICATE": "always"})


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("a", "a. pass-through: --version", setup_version, 1.5, 0),
    Scenario("b", "b. reconcile: uv.toml always, ~/.netrc", setup_compile_configured, 3, 1,
             RESOLUTION_FAILURE),
    Scenario("c", "c. reconcile: +UVAUTH_AUTHENTICATE, NETRC", setup_compile_env_always, 3, 1,
             RESOLUTION_FAILURE,
             notes="b's project (the index sets authenticate = always) + UVAUTH_AUTHENTICATE=always, NETRC"),
    Scenario("c2", "c2. setting decides: rewrite+config", setup_compile_env_decides, 3, 1,
             RESOLUTION_FAILURE,
             notes="the index sets no authenticate: UVAUTH_AUTHENTICATE=always decides; uvauth rewrites "
                   "argv, writes a generated config, reads the uv-version cache"),
    Scenario("p", "p. reconcile: token from a warm provider cache", setup_compile_provider, 5, 1,
             RESOLUTION_FAILURE,
             notes="b's project without netrc; a [[credentials]] password-command entry whose token is cached "
                   "(the memoized plan reads it again): issue 9's target is b's + 2 ms"),
    Scenario("d", "d. fast path: pip list --offline", setup_pip_list, None, 0,
             notes="pyproject.toml without [tool.uvauth], no index anywhere: uvauth should plan nothing"),
    Scenario("e", "e. uv run: project with an always index", setup_uv_run, 2, 0,
             notes="uv.toml has one authenticate = always index, no uvauth setting"),
    Scenario("f", "f. uv run: + UVAUTH_AUTHENTICATE=always", setup_uv_run_global, 2, 0,
             notes="e's project with the global setting users set once and forget"),
    Scenario("s", "s. scale: 500 indexes, 100 credential prefixes", setup_scale, None, 1, RESOLUTION_FAILURE,
             notes="every index compared with every prefix: see the cold run (planning); warm runs are memoized"),
)


# ----------------------------------------------------------------------------------------------------------
# Environment


def _isolated_env(tools: Tools, home: Path, pyc_prefix: Path | None, tmp: Path) -> dict[str, str]:
    """Built from scratch: nothing of the caller's (UV_*, UVAUTH_*, PYTHON*, NETRC, VIRTUAL_ENV…) leaks
    in."""
    env = {
        # The venv's bin first: uvauth finds the real uv there, as it would find it on a user's PATH.
        "PATH": os.pathsep.join([str(tools.uv.parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_BIN_HOME": str(home / ".local" / "bin"),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
    }
    if pyc_prefix is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pyc_prefix)
    return env


def _with_home(env: dict[str, str], home: Path) -> dict[str, str]:
    old = env["HOME"]
    moved = {k for k in env if k == "HOME" or k.startswith("XDG_")}
    return {k: (str(home) + v[len(old):] if k in moved else v) for k, v in env.items()}


# ----------------------------------------------------------------------------------------------------------
# Measuring


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter_ns()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)
    return (time.perf_counter_ns() - start) / 1e6, done


def _stats(samples: list[float]) -> dict[str, float]:
    if len(samples) >= 2:
        deciles = statistics.quantiles(samples, n=10, method="inclusive")
        p10, p90 = deciles[0], deciles[8]
    else:
        p10 = p90 = samples[0]
    return {"median": statistics.median(samples), "p10": p10, "p90": p90,
            "min": min(samples), "max": max(samples)}


def _tail(data: bytes, lines: int = 6) -> str:
    return "\n".join(data.decode("utf-8", "replace").strip().splitlines()[-lines:])


@dataclass
class Check:
    """Every run's exit code and the stderr that proves who failed."""

    ok: bool = True
    problems: list[str] = field(default_factory=list)

    def verify(self, who: str, done: subprocess.CompletedProcess[bytes], scenario: Scenario) -> None:
        problem = None
        if done.returncode != scenario.expect_rc:
            problem = f"{who} exited {done.returncode}, expected {scenario.expect_rc}"
        elif scenario.expect_stderr and scenario.expect_stderr.encode() not in done.stderr:
            problem = f"{who}: stderr lacks {scenario.expect_stderr!r}"
        elif who == "uvauth" and b"uvauth: error" in done.stderr:
            problem = "uvauth itself failed"
        if problem:
            self.ok = False
            if len(self.problems) < 3:
                self.problems.append(f"{problem}; stderr tail:\n{_tail(done.stderr)}")


def _list_cache(home: Path) -> list[str]:
    cache = home / ".cache" / "uvauth"
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


def _count_files(path: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(path)) if path.is_dir() else 0


# ----------------------------------------------------------------------------------------------------------
# Import times


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)\s*$")


def parse_importtime(stderr: str) -> list[dict[str, Any]]:
    """``-X importtime`` lines in import-completion order, each with its nesting level and first importer."""
    rows: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cum_us, indent, name = match.groups()
            rows.append({"module": name, "self_us": int(self_us), "cum_us": int(cum_us),
                         "level": (len(indent) - 1) // 2, "parent": None})
    # Lines come after their children: a module's parent is the next line one level up.
    waiting: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        for child in waiting.pop(row["level"] + 1, []):
            child["parent"] = row["module"]
        waiting.setdefault(row["level"], []).append(row)
    # Top-level lines after the entry module's own line are imports made inside functions, while running.
    entry = next((i for i, r in enumerate(rows) if r["level"] == 0 and r["module"] == "uvauth.cli"),
                 len(rows))
    for row in rows[entry + 1:]:
        if row["level"] == 0:
            row["parent"] = "(run time)"
    return rows


def importtime_profile(tools: Tools, prepared: Prepared, env: dict[str, str], repeats: int) -> dict[str, Any]:
    """Median self/cumulative import time per module over ``repeats`` runs of the real console script."""
    cmd = [str(tools.python), "-X", "importtime", str(tools.uvauth), *prepared.args]
    per_module: dict[str, dict[str, Any]] = {}
    totals: list[float] = []
    rcs: list[int] = []
    for _ in range(repeats):
        _, done = _run(cmd, env, prepared.cwd)
        rcs.append(done.returncode)
        rows = parse_importtime(done.stderr.decode("utf-8", "replace"))
        totals.append(sum(r["self_us"] for r in rows) / 1000)
        for row in rows:
            entry = per_module.setdefault(row["module"], {"self": [], "cum": [], "parent": row["parent"],
                                                          "level": row["level"]})
            entry["self"].append(row["self_us"] / 1000)
            entry["cum"].append(row["cum_us"] / 1000)
    modules = {
        name: {"self_ms": statistics.median(e["self"]), "cum_ms": statistics.median(e["cum"]),
               "parent": e["parent"], "level": e["level"], "seen": len(e["self"])}
        for name, e in per_module.items()
    }

    def cum(prefix: str) -> float:
        return sum(m["self_ms"] for n, m in modules.items() if n == prefix or n.startswith(prefix + "."))

    by_cum = sorted(modules.items(), key=lambda kv: kv[1]["cum_ms"], reverse=True)
    by_self = sorted(modules.items(), key=lambda kv: kv[1]["self_ms"], reverse=True)
    # The actionable view: what each import statement in uvauth's own code costs (first importer pays).
    from_uvauth = sorted(
        ((n, m) for n, m in modules.items()
         if (m["parent"] or "").startswith(("uvauth", "(run time)")) and not n.startswith("uvauth")),
        key=lambda kv: kv[1]["cum_ms"], reverse=True,
    )
    return {
        "command": cmd,
        "exit_codes": rcs,
        "total_import_ms": statistics.median(totals),
        "module_count": len(modules),
        "watched": {name: (name in modules) for name in WATCHED},
        "pydantic_ms": cum("pydantic") + cum("pydantic_core") + cum("pydantic_settings"),
        "top_cumulative": [{"module": n, **m} for n, m in by_cum[:10]],
        "top_self": [{"module": n, **m} for n, m in by_self[:10]],
        "stdlib_imports_by_uvauth": [{"module": n, **m} for n, m in from_uvauth[:10]],
        "uvauth_modules": [{"module": n, **m} for n, m in by_cum if n.startswith("uvauth")],
    }


def import_costs(tools: Tools, env: dict[str, str], cwd: Path, modules: list[str],
                 runs: int) -> dict[str, Any]:
    """Wall cost of importing each module alone in a fresh interpreter, over ``python -c pass``: what making
    that import lazy would save at most (the costs overlap: ``re`` is inside ``dataclasses`` and others)."""
    base_cmd = [str(tools.python), "-c", "pass"]
    samples: dict[str, list[float]] = {name: [] for name in modules}
    base: list[float] = []
    for round_no in range(runs + 1):  # round-robin, the first round is a warm-up
        round_base, _ = _run(base_cmd, env, cwd)
        round_costs = {name: _run([str(tools.python), "-c", f"import {name}"], env, cwd)[0]
                       for name in modules}
        if round_no > 0:
            base.append(round_base)
            for name, ms in round_costs.items():
                samples[name].append(ms - round_base)
    return {
        "baseline_python_c_pass_ms": statistics.median(base),
        "modules": {name: _stats(values) for name, values in samples.items()},
    }


# ----------------------------------------------------------------------------------------------------------
# One scenario


def run_scenario(scenario: Scenario, tools: Tools, root: Path, pyc_prefix: Path | None, runs: int,
                 warmup: int, importtime_runs: int) -> dict[str, Any]:
    home = root / "home"
    tmp = root / "tmp"
    home.mkdir(parents=True)
    tmp.mkdir()
    env = _isolated_env(tools, home, pyc_prefix, tmp)
    prepared = scenario.setup(root, tools)
    env.update(prepared.env)
    # uvauth memoizes no plan that read a file changed within the last second (uvauth.memo): let the files just
    # written age past that, as a user's configuration has by the time they run uv.
    time.sleep(1.1)

    uv_cmd = [str(tools.uv), *prepared.args]
    wrapped = [str(tools.uvauth), *prepared.args]
    assert tools.floor is not None
    floor_cmd = [str(tools.floor), *prepared.args]

    check = Check()
    # uv first (fills uv's own caches in this HOME).
    _, done = _run(uv_cmd, env, prepared.cwd)
    check.verify("uv", done, scenario)
    if pyc_prefix is not None:
        # One uvauth run against a throwaway copy of HOME compiles every module this scenario imports (cold
        # path included) into the bytecode cache, so the cold run below measures uvauth's own caches only.
        prime_home = root / "prime-home"
        shutil.copytree(home, prime_home, symlinks=True)
        _run(wrapped, _with_home(env, prime_home), prepared.cwd)
        shutil.rmtree(prime_home, ignore_errors=True)
    # uvauth's cold run: its settings and uv-version caches are empty.
    pyc_before = _count_files(pyc_prefix) if pyc_prefix else 0
    cold_ms, done = _run(wrapped, env, prepared.cwd)
    check.verify("uvauth", done, scenario)
    cold = {"ms": cold_ms, "exit_code": done.returncode, "uvauth_cache_after": _list_cache(home),
            "pyc_files_compiled": (_count_files(pyc_prefix) - pyc_before) if pyc_prefix else None}

    uv_ms: list[float] = []
    floor_ms: list[float] = []
    wrapped_ms: list[float] = []
    for i in range(warmup + runs):
        t_uv, done_uv = _run(uv_cmd, env, prepared.cwd)
        t_floor, done_floor = _run(floor_cmd, env, prepared.cwd)
        t_wrapped, done_wrapped = _run(wrapped, env, prepared.cwd)
        check.verify("uv", done_uv, scenario)
        check.verify("floor", done_floor, scenario)
        check.verify("uvauth", done_wrapped, scenario)
        if i >= warmup:
            uv_ms.append(t_uv)
            floor_ms.append(t_floor)
            wrapped_ms.append(t_wrapped)

    paired = [w - u for u, w in zip(uv_ms, wrapped_ms)]
    over_floor = [w - f for f, w in zip(floor_ms, wrapped_ms)]
    result: dict[str, Any] = {
        "key": scenario.key,
        "title": scenario.title,
        "notes": scenario.notes,
        "cwd": str(prepared.cwd),
        "uv_command": uv_cmd,
        "uvauth_command": wrapped,
        "extra_env": sorted(prepared.env),
        "runs": runs,
        "warmup": warmup,
        "target_ms": scenario.target_ms,
        "uv": _stats(uv_ms),
        "floor": _stats(floor_ms),
        "uvauth": _stats(wrapped_ms),
        "added": _stats(paired),  # per-pair differences: noise that hits both runs of a pair cancels
        "over_floor": _stats(over_floor),  # what uvauth's own work costs: the target applies to this
        "added_of_medians": statistics.median(wrapped_ms) - statistics.median(uv_ms),
        "cold": {**cold, "added_ms": cold_ms - statistics.median(uv_ms),
                 "over_floor_ms": cold_ms - statistics.median(floor_ms)},
        "valid": check.ok,
        "problems": check.problems,
        "samples": {"uv": uv_ms, "uvauth": wrapped_ms},
    }
    if scenario.target_ms is None:
        result["verdict"] = "info"
    elif not check.ok:
        result["verdict"] = "INVALID"
    else:
        result["verdict"] = "PASS" if result["over_floor"]["median"] <= scenario.target_ms else "FAIL"

    if importtime_runs > 0:
        result["importtime"] = importtime_profile(tools, prepared, env, importtime_runs)
        if any(name.startswith("settings-") for name in _list_cache(home)):
            # The cache-miss path: what a changed setting costs (pydantic is expected here, once).
            for name in _list_cache(home):
                if name.startswith("settings-"):
                    (home / ".cache" / "uvauth" / name).unlink()
            miss = importtime_profile(tools, prepared, env, 1)
            result["importtime_settings_cache_miss"] = {
                "total_import_ms": miss["total_import_ms"], "watched": miss["watched"],
                "pydantic_ms": miss["pydantic_ms"],
            }
    return result


# ----------------------------------------------------------------------------------------------------------
# Report


def _ms(value: float | None, width: int = 7) -> str:
    return f"{value:{width}.1f}" if value is not None else f"{'-':>{width}}"


def render(report: dict[str, Any]) -> str:
    out: list[str] = []
    meta = report["meta"]
    out.append(f"uvauth start-up overhead — {meta['uv_version']}, Python {meta['python']}, "
               f"{meta['cpus']} CPUs, "
               f"{meta['runs']} runs + {meta['warmup']} warm-up per side, bytecode: {meta['bytecode']}")
    out.append(f"uvauth source: {meta['source']}; 1-min load average {meta['loadavg_start']:.2f} at start, "
               f"{meta['loadavg_end']:.2f} at end")
    # The benchmark itself keeps about one CPU busy, so only the load before it started says anything.
    if meta["loadavg_start"] > 0.5 * (meta["cpus"] or 1):
        out.append("WARNING: the machine was busy; other work inflates and spreads the numbers "
                   "(re-run when idle)")
    out.append("")
    header = (f"{'scenario':<42} {'uv':>6} {'floor':>6} {'uvauth':>7} {'+floor':>7} {'(p10..p90)':>13} "
              f"{'target':>6} {'verdict':>7} {'cold +floor':>11}")
    out.append(header)
    out.append("-" * len(header))
    for r in report["scenarios"]:
        if "error" in r:
            out.append(f"{r['title']:<42} ERROR: {r['error']}")
            continue
        spread = f"({r['over_floor']['p10']:.1f}..{r['over_floor']['p90']:.1f})"
        target = f"≤{r['target_ms']:g}" if r["target_ms"] is not None else "-"
        out.append(f"{r['title']:<42} {_ms(r['uv']['median'], 6)} {_ms(r['floor']['median'], 6)} "
                   f"{_ms(r['uvauth']['median'], 7)} {_ms(r['over_floor']['median'], 7)} {spread:>13} "
                   f"{target:>6} {r['verdict']:>7} {_ms(r['cold']['over_floor_ms'], 11)}")
    out.append("")
    out.append("All times in ms, wall clock per subprocess.run, medians of warm runs (uvauth's caches filled by the "
               "cold run). 'floor' is the installed console-script launcher with its import of uvauth replaced by "
               "os.execv(uv): the least any Python wrapper costs. '+floor' = median of per-triple (uvauth - floor) "
               "differences, p10..p90 of the same; the target applies to it. 'cold +floor' = the first run in a "
               "fresh HOME (empty uvauth cache) over the floor's median.")
    out.append("")
    out.append("Validity (same exit code every run; for b/c/c2 uv's resolution error in both stderrs):")
    for r in report["scenarios"]:
        if "error" in r:
            continue
        status = "ok" if r["valid"] else "PROBLEM"
        out.append(f"  {r['key']:>5}: {status}, exit code {r['cold']['exit_code']} for both")
        for problem in r["problems"]:
            out.append("         " + problem.replace("\n", "\n         "))

    out.append("")
    out.append("Cold run (first uvauth run in a fresh HOME: empty uvauth cache; bytecode already primed):")
    for r in report["scenarios"]:
        if "error" in r:
            continue
        cold = r["cold"]
        pyc = cold["pyc_files_compiled"]
        compiled = "" if pyc in (None, 0) else f", compiled {pyc} .pyc"
        out.append(f"  {r['key']:>5}: {cold['ms']:7.1f} ms (added {cold['added_ms']:6.1f} ms vs uv median)"
                   f"{compiled}; uvauth cache after: {', '.join(cold['uvauth_cache_after']) or '(empty)'}")

    out.append("")
    out.append("Import time (python -X importtime on the console script, warm caches, median of "
               f"{meta['importtime_runs']} runs; importtime itself inflates the numbers a little):")
    for r in report["scenarios"]:
        it = r.get("importtime")
        if not it:
            continue
        watched = ", ".join(f"{name}={'YES' if seen else 'no'}" for name, seen in it["watched"].items())
        out.append(f"  {r['key']:>5}: total {it['total_import_ms']:.1f} ms in {it['module_count']} modules; "
                   f"{watched}")
        miss = r.get("importtime_settings_cache_miss")
        if miss:
            seen = "YES" if miss["watched"]["pydantic"] else "no"
            out.append(f"         settings-cache miss (one run): total {miss['total_import_ms']:.1f} ms, "
                       f"pydantic={seen} ({miss['pydantic_ms']:.1f} ms)")
    for key, label in (("a", "pass-through (a)"), ("c", "reconciling (c)"), ("c2", "reconciling (c2)")):
        r = next((s for s in report["scenarios"] if s.get("key") == key and s.get("importtime")), None)
        if not r:
            continue
        it = r["importtime"]
        out.append("")
        out.append(f"  Top 10 by cumulative import time, {label}:")
        out.append(f"    {'module':<34} {'self':>6} {'cum':>6}  first imported by")
        for m in it["top_cumulative"]:
            out.append(f"    {m['module']:<34} {m['self_ms']:6.1f} {m['cum_ms']:6.1f}  "
                       f"{m['parent'] or '(top level)'}")
        out.append(f"  Non-uvauth imports made by uvauth's code, {label} (cumulative = what the statement "
                   f"costs; '(run time)' = made inside a function):")
        for m in it["stdlib_imports_by_uvauth"]:
            out.append(f"    {m['module']:<34} {m['cum_ms']:6.1f}  by {m['parent']}")
        out.append(f"  uvauth's own modules, {label}:")
        out.append("    " + ", ".join(f"{m['module']} {m['self_ms']:.1f}/{m['cum_ms']:.1f}"
                                      for m in it["uvauth_modules"]) + "  (self/cum ms)")
    costs = report.get("import_costs")
    if costs:
        out.append("")
        out.append(f"Wall cost of each import alone in a fresh interpreter (ms over `python -c pass` = "
                   f"{costs['baseline_python_c_pass_ms']:.1f} ms; median, p10..p90; costs overlap, "
                   f"not additive):")
        ordered = sorted(costs["modules"].items(), key=lambda kv: kv[1]["median"], reverse=True)
        for name, st in ordered:
            out.append(f"    {name:<34} {st['median']:6.1f}  ({st['p10']:.1f}..{st['p90']:.1f})")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------------------
# Main


def _hot_modules(scenarios: list[dict[str, Any]]) -> list[str]:
    """uvauth's entry module and the imports its modules make on the measured paths (a, c, c2)."""
    names: list[str] = []
    for r in scenarios:
        it = r.get("importtime")
        if r.get("key") not in ("a", "c", "c2") or not it:
            continue
        for m in [*it["uvauth_modules"], *it["stdlib_imports_by_uvauth"]]:
            skip = m["module"] in names or m["module"] in ("uvauth", "__future__")
            if not skip and m["cum_ms"] >= 1.0:
                names.append(m["module"])
    if names and "uvauth.uv._spec" not in names:
        names.append("uvauth.uv._spec")  # the least a fast path needs to know a command takes index options
    return names


def _source_state() -> str:
    """The commit the numbers belong to, and whether src/ had uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25,
                        help="measured runs per side and scenario (default 25)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="unmeasured warm-up pairs per scenario (default 3)")
    parser.add_argument("--importtime-runs", type=int, default=5,
                        help="-X importtime runs per scenario, 0 to skip (default 5)")
    parser.add_argument("--import-cost-runs", type=int, default=20,
                        help="runs of `python -c 'import X'` per hot-path module, 0 to skip (default 20)")
    parser.add_argument("--scenarios", default=",".join(s.key for s in SCENARIOS),
                        help="comma-separated subset of: " + ", ".join(s.key for s in SCENARIOS))
    parser.add_argument("--venv", type=Path, default=REPO / ".venv", help="venv with uv and uvauth installed")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="run with PYTHONDONTWRITEBYTECODE=1 and no private bytecode cache (an editable "
                             "uvauth is then compiled from source on every run)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    wanted = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    unknown = set(wanted) - {s.key for s in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.runs < 20:
        print(f"bench: note: --runs {args.runs} < 20; the percentiles mean little", file=sys.stderr)

    root = Path(tempfile.mkdtemp(prefix="uvauth-bench-"))
    tools = Tools.from_venv(args.venv.absolute()).with_floor(root)
    pyc_prefix = None if args.no_bytecode_cache else root / "pycache"
    report: dict[str, Any] = {"meta": {
        "uv_version": subprocess.run([str(tools.uv), "--version"], capture_output=True,
                                     text=True).stdout.strip(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "runs": args.runs,
        "warmup": args.warmup,
        "importtime_runs": args.importtime_runs,
        "bytecode": ("none (PYTHONDONTWRITEBYTECODE=1)" if pyc_prefix is None
                     else "private PYTHONPYCACHEPREFIX"),
        "tools": {k: str(v) for k, v in vars(tools).items()},
        "source": _source_state(),
        "loadavg_start": os.getloadavg()[0],
        "temp_root": str(root) if args.keep else None,
    }, "scenarios": []}
    try:
        for scenario in SCENARIOS:
            if scenario.key not in wanted:
                continue
            if not args.json:
                print(f"bench: {scenario.title} …", file=sys.stderr)
            try:
                report["scenarios"].append(run_scenario(
                    scenario, tools, root / scenario.key, pyc_prefix, args.runs, args.warmup,
                    args.importtime_runs))
            except Exception as error:  # a report, not a test: show the row as an error and carry on
                report["scenarios"].append({"key": scenario.key, "title": scenario.title,
                                            "error": f"{type(error).__name__}: {error}",
                                            "traceback": traceback.format_exc()})
        modules = _hot_modules(report["scenarios"])
        if modules and args.import_cost_runs > 0:
            if not args.json:
                print(f"bench: wall cost of {len(modules)} imports …", file=sys.stderr)
            home = root / "import-costs"
            home.mkdir()
            try:
                cost_env = _isolated_env(tools, home, pyc_prefix, home)
                report["import_costs"] = import_costs(tools, cost_env, home, modules, args.import_cost_runs)
            except Exception as error:
                report["import_costs_error"] = f"{type(error).__name__}: {error}"
    finally:
        if args.keep:
            print(f"bench: kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    report["meta"]["loadavg_end"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
