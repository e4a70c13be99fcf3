#!/usr/bin/env python3
"""Targeted mutants of the modules that decide uvauth's promise, each run against the tests meant to catch it.

    .venv/bin/python scripts/mutants.py                 # every mutant; a table per module, then the survivors
    .venv/bin/python scripts/mutants.py --module plan   # one module's
    .venv/bin/python scripts/mutants.py --list          # what each mutant breaks, without running anything

Each mutant replaces one exact snippet of one source file (it must occur there exactly once, so a mutant that no
longer applies fails loudly instead of passing) in a copy of ``src/``, and runs that module's tests against the
copy (``PYTHONPATH`` puts the copy first, for the uvauth processes the tests start as well), stopping at the
first failure. *Killed*: a test failed. *Survived*: every test passed — a behaviour no test pins, unless the
mutant is listed in ``EQUIVALENT`` (it changes no behaviour) with the reason. The working tree is never touched.

Each mutant is a behaviour of uvauth's promise written as the bug it would be; ``docs/mutants.md`` has the last
run's score per module. This is not part of the test suite (a run takes minutes): run it after changing one of
these modules, and add a test for every new survivor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Mutant(NamedTuple):
    module: str  # the group it is scored under
    path: str  # under src/uvauth/
    old: str
    new: str
    breaks: str  # the promise the mutant breaks, as a user would see it


TESTS = {
    "plan": ["tests/test_plan.py", "tests/test_plan_steps.py", "tests/test_contract.py", "tests/test_explain.py"],
    "policy": ["tests/test_plan.py", "tests/test_doctor.py", "tests/test_explain.py"],
    "urls": ["tests/test_urls.py", "tests/test_plan.py"],
    "requirements": ["tests/test_requirements.py"],
    "tokencache": ["tests/test_providers.py", "tests/test_credentials.py"],
    "memo": ["tests/test_memo.py"],
    "seeding": ["tests/test_seeding.py", "tests/test_plan.py", "tests/test_contract.py"],
    "credentials": ["tests/test_credentials.py"],
    "config": ["tests/test_uvconfig.py"],
}

MUTANTS = [
    # -- plan.py ------------------------------------------------------------------------------------------------
    Mutant("plan", "plan.py", 'if prefix_realm not in hosts or settings.forced == "never":',
           "if prefix_realm not in hosts:", "authenticate-prefixes send credentials under --authenticate never"),
    Mutant("plan", "plan.py",
           'self.argv_frozen = keep_argv or (key == "export" and not inputs.cmdline.has("--no-header"))',
           "self.argv_frozen = keep_argv", "uv export's header shows the rewritten command line"),
    Mutant("plan", "plan.py", '{"pip install", "pip sync", "pip list",',
           '{"lock", "sync", "pip install", "pip sync", "pip list",',
           "lock and sync are treated as writing no index URL (uv.lock may change)"),
    Mutant("plan", "plan.py",
           'if settings.forced in ("always", "never") or settings.authenticate in ("always", "never") or \\',
           'if settings.forced in ("always", "never") or \\',
           "an old uv with UVAUTH_AUTHENTICATE=always is warned about instead of refused"),
    Mutant("plan", "plan.py", 'argv = _drop_option(argv, "--config-file")  # argv may change here (_refusal)',
           "pass", "the user's --config-file makes uv ignore the generated configuration"),
    Mutant("plan", "plan.py", "    if ctx.inputs.cmdline.key in _RECORDS_INDEXES:\n        return False, draft",
           "    if False:\n        return False, draft",
           "uv tool install records a reference by name in the receipt"),
    Mutant("plan", "plan.py", "    url = without_userinfo(entry.text)\n    table =",
           "    url = entry.text\n    table =", "a URL's password is written into the generated configuration on disk"),
    Mutant("plan", "plan.py", 'if policy == "always" and (lever == "none" or configured != "always"):',
           'if policy == "always" and lever == "none":',
           "an imposed always is not checked for credentials before uv runs"),
    Mutant("plan", "plan.py", '        if policy == "never":\n            draft = draft.warning(',
           '        if policy == "nope":\n            draft = draft.warning(',
           "an always index under a never root is claimed to hold"),
    Mutant("plan", "plan.py", 'if decoded == path or not all(c.isalnum()', 'if True or not all(c.isalnum()',
           "files linked under a percent-encoded index root's decoded path go out without credentials"),
    Mutant("plan", "plan.py", "if any(any(userinfo(other.text)) for other in values if other is not mention):",
           "if False:", "a password in UV_INDEX is moved onto argv, where ps shows it"),
    Mutant("plan", "plan.py", 'if inputs.env.get(envvars.DEPENDABOT) == "true":',
           'if inputs.env.get(envvars.DEPENDABOT) in ("true", "1"):', "DEPENDABOT=1 turns always off (uv keeps it)"),
    Mutant("plan", "plan.py",
           "    if any(cmdline.count(flag) > 1 for flag in SINGLE_VALUED):\n        return False  # clap",
           "    if False:\n        return False  # clap", "a rewrite repeats --default-index, which uv refuses"),
    Mutant("plan", "plan.py", 'if ctx.runs_a_program or inputs.cmdline.has("--preview-features"):',
           'if inputs.cmdline.has("--preview-features"):',
           "uv run's program inherits UV_PREVIEW_FEATURES, which plain uv does not give it"),
    Mutant("plan", "plan.py", 'if not custom and not inputs.cmdline.has("--no-header"):', "if not custom:",
           "a header is asked for where the user said --no-header"),
    Mutant("plan", "plan.py", 'index.policy == "never" or name.startswith(SYNTH_PREFIX)',
           "name.startswith(SYNTH_PREFIX)", "a [[credentials]] token is handed over for a never index"),
    Mutant("plan", "plan.py", "if requirements is None or not requirements.unchecked or not _sets_a_policy(inputs):",
           "if requirements is None or not requirements.unchecked:",
           "a warning about an unread pipe where no policy is set (noise where plain uv says nothing)"),
    Mutant("plan", "plan.py", "return exec_limits.fits(ctx.base_argv, plan.argv, added, environment)",
           "return True", "a header too long for execve makes uvauth, not uv, fail"),
    Mutant("plan", "plan.py",
           '        if inputs.config is not None and not custom:\n            custom = inputs.config.value(',
           "        if False:\n            custom = inputs.config.value(",
           "a configured custom-compile-command is replaced by uvauth's header in the compiled file"),
    Mutant("plan", "plan.py", 'emit_urls = inputs.cmdline.has("--emit-index-url") or bool(',
           "emit_urls = False or bool(",
           "with --emit-index-url the header leaves out the index URLs plain uv writes"),
    Mutant("plan", "plan.py", 'if inputs.cmdline.key == "pip compile" and tuple(argv) != ctx.base_argv:',
           'if inputs.cmdline.key == "pip compile":', "an unchanged pip compile is handed a header command anyway"),
    # -- policy.py ------------------------------------------------------------------------------------------------
    Mutant("policy", "policy.py", "    if rules.forced:\n", '    if rules.forced == "always":\n',
           "--authenticate never is ignored"),
    Mutant("policy", "policy.py",
           '    if configured is not None and is_policy(configured):\n        return configured, "configured"\n'
           '    if under_any(rules.prefixes, url):\n        return "always", "prefix"\n',
           '    if under_any(rules.prefixes, url):\n        return "always", "prefix"\n'
           '    if configured is not None and is_policy(configured):\n        return configured, "configured"\n',
           "a prefix overrides a configured never or auto"),
    Mutant("policy", "policy.py", "    if rules.setting:\n        return rules.setting, \"setting\"\n", "",
           "the authenticate setting is ignored"),
    # -- uv/urls.py -------------------------------------------------------------------------------------------------
    Mutant("urls", "uv/urls.py", 'if last.lower() in ("simple", "+simple")', 'if last.lower() in ("simple",)',
           "a devpi index (…/+simple) has the wrong root, so its files are matched to no index"),
    Mutant("urls", "uv/urls.py", 'return is_path_prefix(prefix.path.rstrip("/") or "/", target.path)',
           "return is_path_prefix(prefix.path, target.path)", "a prefix with a trailing slash misses the bare path"),
    Mutant("urls", "uv/urls.py", "return f\"{scheme}://{rest[:end].rpartition('@')[2]}{rest[end:]}\"",
           "return f\"{scheme}://{rest[:end].partition('@')[2]}{rest[end:]}\"",
           "a raw @ in a password leaves part of it in a URL written to disk"),
    Mutant("urls", "uv/urls.py", 'return prefix.endswith("/") or path[len(prefix) :].startswith("/")',
           "return True", "https://h/team covers https://h/teamster"),
    Mutant("urls", "uv/urls.py", "    if prefix.realm != target.realm:\n        return False\n",
           "    if prefix.realm.host != target.realm.host:\n        return False\n",
           "a prefix covers another scheme or port of the same host"),
    Mutant("urls", "uv/urls.py", '    if path.endswith("/") and path != "/":\n        path = path[:-1]\n    github',
           "    github", "…/simple and …/simple/ are different indexes"),
    Mutant("urls", "uv/urls.py", "    if github:\n        path = path.lower()\n", "",
           "GitHub URLs differing in case are different indexes"),
    # -- uv/requirements ------------------------------------------------------------------------------------------
    Mutant("requirements", "uv/requirements/files.py", "        data.no_index = True", "        pass",
           "--no-index in a requirements file is not seen"),
    Mutant("requirements", "uv/requirements/files.py", '    for prefix in ("--find-links", "-f"):',
           '    for prefix in ("--find-links",):', "-f in a requirements file is not seen"),
    Mutant("requirements", "uv/requirements/reader.py",
           "        if not observed.readable_once(path):\n            return False",
           "        if True:\n            return False", "a pipe given as a requirements file is read (and emptied)"),
    # -- providers/tokencache.py -------------------------------------------------------------------------------
    Mutant("tokencache", "providers/tokencache.py", "json.dumps([identity, command], sort_keys=True)",
           "json.dumps([identity], sort_keys=True)", "one command's token is reused for another (another domain)"),
    Mutant("tokencache", "providers/tokencache.py", 'if data["entry"] == entry]', "if True]",
           "credentials forget NAME deletes every entry's tokens"),
    Mutant("tokencache", "providers/lookup.py", "        self._given.pop(digest, None)\n", "",
           "doctor's retry after a rejection reuses the rejected token"),
    Mutant("urls", "uv/urls.py",
           "    if port is not None and _SPECIAL_SCHEMES.get(scheme) == port:\n        port = None\n",
           "", "http://h:80/simple and http://h/simple are different indexes"),
    Mutant("urls", "uv/urls.py", 'parsed = parse(url)._replace(username="", password=None, fragment=None)',
           'parsed = parse(url)._replace(fragment=None)',
           "an index URL with credentials is another index than without"),
    # -- uv/requirements (more) -----------------------------------------------------------------------------------
    Mutant("requirements", "uv/requirements/reader.py", 'return cwd if name == "PROJECT_ROOT" else match[0]',
           "return match[0]", "${PROJECT_ROOT} in a requirements file is not the working directory"),
    Mutant("requirements", "uv/requirements/files.py", '    ("-i", "index-url"),\n', "",
           "-i in a requirements file is not seen"),
    Mutant("requirements", "uv/requirements/files.py",
           '_INCLUDES = (("-r", False), ("--requirement", False), ("-c", True), ("--constraint", True))',
           '_INCLUDES = (("-r", False), ("--requirement", False), ("-c", True))',
           "the index URLs of a file included with --constraint are not seen"),
    # -- memo.py ---------------------------------------------------------------------------------------------
    Mutant("memo", "observed.py",
           "return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)",
           "return (0, 0, status.st_size, status.st_mtime_ns, 0)",
           "a file replaced by another of the same size and mtime leaves a stale plan in use"),
    Mutant("memo", "memo.py", "if any(\"@\" in text for text in texts) or", "if False or",
           "a memoized plan stores a URL with credentials on disk"),
    Mutant("memo", "memo.py", "parts = [code_stamp(), launcher,", 'parts = ["", launcher,',
           "a plan made by an older uvauth is reused after an upgrade"),
    Mutant("memo", "memo.py", "if (None if current is None else _digest(name, current)) != digest:",
           "if current is not None and _digest(name, current) != digest:",
           "a variable the plan read as unset, set now, leaves the plan in use"),
    Mutant("memo", "memo.py",
           "        if names is not None and tuple(sorted(env)) != names:\n            return None\n", "",
           "a plan that listed the environment is reused after a variable appears"),
    Mutant("memo", "memo.py", "or observed.VOLATILE in files:", "or False:",
           "a plan that asked the keyring is reused"),
    Mutant("memo", "memo.py", "if any(stamp is not None and max(stamp[3], stamp[4]) > racy_after",
           "if any(False and stamp is not None and max(stamp[3], stamp[4]) > racy_after",
           "a file edited within the timestamp granularity leaves a stale plan in use"),
    # -- seeding.py -------------------------------------------------------------------------------------------------
    Mutant("seeding", "seeding.py", '        if env.get(prefix + "PASSWORD"):\n            sources[name]',
           "        if False:\n            sources[name]",
           "a password the user set in UV_INDEX_<NAME>_PASSWORD is replaced by one uvauth looked up"),
    Mutant("seeding", "seeding.py", "        if lookup.credentials is None and not required:\n            continue",
           "        if False:\n            continue",
           "an auto index without credentials (a username-only URL) is an error"),
    Mutant("seeding", "seeding.py", "        if lookup.credentials is None and offline:\n            continue",
           "        if False:\n            continue", "--offline fails for an always index without credentials"),
    Mutant("seeding", "seeding.py", "if name not in must_hand and credentials.source in _UV_READS_ITSELF:", "if False:",
           "a netrc password is put in uv's environment (and so the program uv run starts) where uv reads netrc"),
    Mutant("seeding", "seeding.py", '        return "Secret(****)"', '        return f"Secret({self.value})"',
           "a secret's repr (in a traceback or a log) shows its value"),
    Mutant("seeding", "seeding.py", 'if env.get(prefix + "USERNAME") or env.get(prefix + "PASSWORD") or prefix',
           "if prefix", "a URL's userinfo wins over the UV_INDEX_<NAME>_* variables the user set"),
    Mutant("seeding", "seeding.py", "            if lookup.credentials is not None:\n                break\n", "",
           "a prefix's credentials come from the last index under it that has some, not the first"),
    # -- uv/credentials ---------------------------------------------------------------------------------------------
    Mutant("credentials", "uv/credentials/search.py",
           '        if entry is None:\n            entry, machine = hosts.get("default"), "default"\n', "",
           "netrc's `default` entry is not used"),
    Mutant("credentials", "uv/credentials/search.py",
           "        if self.username is not None and entry.login != self.username:", "        if False:",
           "a netrc entry for another login is used for a URL that names its username"),
    Mutant("credentials", "uv/credentials/netrc.py", '            if tt in ("login", "user"):',
           '            if tt in ("login",):', "netrc's `user` keyword is not read"),
    Mutant("credentials", "uv/credentials/netrc.py", '    if env.get("NETRC"):  # an empty',
           "    if False:  # an empty",
           "NETRC is ignored"),
    Mutant("credentials", "uv/credentials/search.py",
           "(search.from_url, search.from_env, search.from_netrc, search.from_store, search.from_keyring)",
           "(search.from_url, search.from_netrc, search.from_env, search.from_store, search.from_keyring)",
           "netrc is asked before UV_INDEX_<NAME>_* (uv asks the variables first)"),
    Mutant("credentials", "uv/credentials/search.py", 'c.upper() if c.isascii() and c.isalnum() else "_"',
           'c.upper() if c.isalnum() else "_"', "a non-ASCII letter of an index name stays in UV_INDEX_<NAME>_*"),
    # -- uv/config/discover.py --------------------------------------------------------------------------------------
    Mutant("config", "uv/config/discover.py", "    if no_config:\n        return _build(env, [], [])",
           "    if False:\n        return _build(env, [], [])", "--no-config still reads the configuration files"),
    Mutant("config", "uv/config/discover.py", "    for directory in (start, *start.parents):",
           "    for directory in (start,):", "a uv.toml in a parent directory is not found"),
    Mutant("config", "uv/config/discover.py", "files = [f for f in (project_file, user, system) if f is not None]",
           "files = [f for f in (user, project_file, system) if f is not None]",
           "the user's uv.toml takes precedence over the project's"),
    Mutant("config", "uv/config/discover.py", "    if tool_command:\n", "    if False:\n",
           "uv tool commands read the project's configuration"),
    Mutant("config", "uv/config/discover.py", "start = _workspace_root(env, project_dir) or project_dir",
           "start = project_dir", "a workspace member's discovery starts at the member, not the workspace root"),
]

#: Mutants that change no behaviour, with the reason.
EQUIVALENT: dict[str, str] = {
    "a rewrite repeats --default-index, which uv refuses":
        "no lever makes such a candidate today: a mention is replaced in place, and --default-index is added only "
        "for a requirements file's --index-url, which uv uses only where argv and the environment give no default "
        "(checked over every argv of up to two of --index-url, --default-index, --index, --extra-index-url, each "
        "variable of theirs and four requirements lines: about 12,000 inputs, none made one); the check in "
        "plan._accept guards the next lever",
}


def _apply(src: Path, mutant: Mutant) -> None:
    target = src / "uvauth" / mutant.path
    text = target.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(f"mutants: {mutant.path}: the snippet for {mutant.breaks!r} occurs {count} times, not once")
    target.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def _pytest(python: str, mutant: Mutant | None, module: str, extra: list[str]) -> tuple[int, float, list[str]]:
    """Run ``module``'s tests against a copy of src/ with ``mutant`` applied: (exit code, seconds, FAILED lines)."""
    with tempfile.TemporaryDirectory(prefix="uvauth-mutant-") as scratch:
        src = Path(scratch) / "src"
        shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
        if mutant is not None:
            _apply(src, mutant)
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.monotonic()
        done = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not integration",
                               "-rf", *extra, *TESTS[module]], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=False)
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
        return done.returncode, time.monotonic() - started, failed


def _baseline(python: str, module: str) -> list[str]:
    """The tests of ``module`` that fail on an unmutated copy (those that check the installed layout itself):
    left out of its mutant runs, so that they cannot count as kills."""
    _, _, failed = _pytest(python, None, module, [])
    return [line.split()[1] for line in failed]


def _run(mutant: Mutant, python: str, deselected: list[str]) -> tuple[bool, float, str]:
    """(killed, seconds, the first failing test's line)."""
    extra = ["-x", *(f"--deselect={test}" for test in deselected)]
    code, seconds, failed = _pytest(python, mutant, mutant.module, extra)
    return code != 0, seconds, failed[0] if failed else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", choices=sorted(TESTS), help="only this module's mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants; run nothing")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if args.module in (None, m.module)]
    if args.list:
        for mutant in chosen:
            print(f"{mutant.module:13} {mutant.path:28} {mutant.breaks}")
        return 0
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
    results: dict[str, list[tuple[Mutant, bool]]] = {}
    baselines: dict[str, list[str]] = {}
    for mutant in chosen:
        if mutant.module not in baselines:
            baselines[mutant.module] = _baseline(python, mutant.module)
            for test in baselines[mutant.module]:
                print(f"left out of {mutant.module}'s runs (fails unmutated, in a copy of src/): {test}")
        killed, seconds, failed = _run(mutant, python, baselines[mutant.module])
        verdict = "killed" if killed else "EQUIVALENT" if mutant.breaks in EQUIVALENT else "SURVIVED"
        shown = f"  [{failed}]" if failed else ""
        print(f"{verdict:10} {seconds:5.1f}s {mutant.module}: {mutant.breaks}{shown}", flush=True)
        results.setdefault(mutant.module, []).append((mutant, killed))
    print("\nmodule        killed / scored (equivalent mutants are not scored)")
    for module, outcomes in results.items():
        scored = [(m, k) for m, k in outcomes if m.breaks not in EQUIVALENT]
        killed = sum(k for _, k in scored)
        print(f"{module:13} {killed:3} / {len(scored):3}  {100 * killed / max(len(scored), 1):5.1f} %")
    survivors = [m for outcomes in results.values() for m, k in outcomes if not k and m.breaks not in EQUIVALENT]
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
