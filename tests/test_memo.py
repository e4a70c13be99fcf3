"""Memoized plans (uvauth.memo): reused only while nothing the plan depended on has changed — never stale.

Each test plans a real command (real files, the real uv for its version) as the console script does
(``support.handed``: the fast path's memo, else ``pipeline.prepare``) twice or more. ``memoized()`` reuses a
stored plan where it may; ``fresh()`` plans without the memo. After every change of one input the two must
agree, and the answer must be the new one.

The memo refuses to store a plan that read a file changed within the last second (a change within the file
system's timestamp granularity could go unseen); ``test_a_file_changed_just_now_is_not_trusted`` pins that with
the real clock. The other tests store plans as if two seconds after their files were written
(``support.store_plans_later``: the window stays in force) and give each edit a distinct modification time, which
is what the window guarantees for edits made after a plan was stored.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE, handed, store_plans_later, unmeasured

from uvauth import memo, pipeline
from uvauth.errors import UvauthError
from uvauth.uv import cmdline as uvcli

URL = "http://127.0.0.1:9/simple"
OTHER = "http://127.0.0.2:9/simple"
PASSWORD = "memo-s3cret-77"
_clock = itertools.count(1_600_000_000_000_000_000, 1_000_000_000)


def write(path: Path, text: str) -> None:
    """Write a file and give it a modification time of its own (a second after the previous write's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = next(_clock)
    os.utime(path, ns=(stamp, stamp))


class Project:
    """A project directory, its environment and a way to plan a uv command in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "outer" / "project"
        self.dir.mkdir(parents=True)
        self.home = root / "home"
        self.home.mkdir()
        self.env = {
            "PATH": os.environ["PATH"], "HOME": str(self.home), "XDG_CACHE_HOME": str(root / "cache"),
            "XDG_CONFIG_HOME": str(root / "config"), "XDG_CONFIG_DIRS": str(root / "system"),
            "NETRC": str(root / "netrc"), "UVAUTH_AUTHENTICATE": "always",
        }
        write(root / "netrc", "machine 127.0.0.1\nlogin alice\npassword netrc-pass\n"
                              "machine 127.0.0.2\nlogin bob\npassword netrc-pass2\n")
        write(self.dir / "req.in", "idna\n")
        self.args = ["pip", "compile", "--index-url", URL, "req.in"]

    def _prepare(self, memoize: bool) -> tuple[object, ...]:
        cmdline = uvcli.parse(["--directory", str(self.dir), *self.args])
        try:
            prepared = handed(cmdline, self.env) if memoize else pipeline.prepare(cmdline, self.env, memoize=False)
        except UvauthError as error:
            return ("error", error.message)
        added = {k: v for k, v in prepared.env.items() if self.env.get(k) != v}
        return (prepared.uv, tuple(prepared.argv), tuple(sorted(added.items())), prepared.doubts,
                prepared.warnings, prepared.changes)

    def memoized(self) -> tuple[object, ...]:
        return self._prepare(True)

    def fresh(self) -> tuple[object, ...]:
        return self._prepare(False)

    def entries(self) -> list[Path]:
        plans = self.root / "cache" / "uvauth" / "plans"
        return sorted(p for p in plans.iterdir() if not p.name.startswith(".")) if plans.is_dir() else []


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    store_plans_later(monkeypatch)
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


def hit(project: Project) -> bool:
    """Plan once memoized and report whether a stored plan was reused (the fast path hands no Plan then)."""
    cmdline = uvcli.parse(["--directory", str(project.dir), *project.args])
    return handed(cmdline, project.env).plan is None


def assert_follows(project: Project, edit: Callable[[], None]) -> None:
    """The plan before, the edit, the plan after: memoized equals fresh each time, and the edit changed it."""
    before = project.memoized()
    assert project.memoized() == before == project.fresh()
    assert hit(project), "the second run should reuse the stored plan (else this test proves nothing)"
    edit()
    after = project.memoized()
    assert after == project.fresh()
    assert after != before, "the edit should change the plan (else this test proves nothing)"


# -- reuse ----------------------------------------------------------------------------------------------------


def test_a_plan_is_reused_and_equals_a_fresh_one(project: Project) -> None:
    first = project.memoized()
    assert len(project.entries()) == 1, "stored on the first run"
    assert hit(project)
    assert project.memoized() == first == project.fresh()
    assert "--default-index" in " ".join(map(str, first[1])), first  # a real reconciliation, not a pass-through


_HEAVY = {"pathlib", "typing", "tomllib", "json", "urllib.parse", "hashlib", "uvauth.plan", "uvauth.pipeline",
          "uvauth.uv.cmdline", "uvauth.uv._spec_packed", "uvauth.uv.config.discover", "uvauth.uv.requirements",
          "uvauth.settings.model", "uvauth.settings.sources"}


def test_a_hit_imports_no_planning_module(project: Project, tmp_path: Path) -> None:
    """Through the console script's entry (``uvauth.cli.main``): a reused plan is found by the command line
    alone, so it parses nothing, finds no uv and imports none of planning's modules."""
    import subprocess
    import sys

    probe = (
        "import sys, time; from uvauth import launch, memo; "
        "memo._now_ns = lambda: time.time_ns() + 2 * memo._RACY_NS; "  # as support.store_plans_later
        "launch.exec_uv = lambda uv, argv, env: print(uv, argv) or 0; "
        "from uvauth.cli import main; main(sys.argv[1:]); "
        f"print(sorted(m for m in sys.modules if m in {sorted(_HEAVY)!r})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('uvauth', '__future__', 're')))"
    )
    args = [sys.executable, "-c", probe, "--directory", str(project.dir), *project.args]
    env = unmeasured({**os.environ, **project.env})
    first = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    assert "uvauth.plan" in first.stdout, first.stdout + first.stderr  # planned, and stored
    again = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    assert again.stdout.splitlines()[-2] == "[]", again.stdout + again.stderr
    assert again.stdout.splitlines()[0] == first.stdout.splitlines()[0]  # the same uv and argv
    # Exactly these, each some 50 µs of every reused plan: not even uvauth.errors, redaction (and `re`) for
    # lines that are not printed, or __future__.
    assert again.stdout.splitlines()[-1] == repr(sorted([
        "uvauth", "uvauth.cache", "uvauth.cli", "uvauth.fastpath", "uvauth.launch", "uvauth.memo", "uvauth.observed",
        "uvauth.uv", "uvauth.uv.dirs", "uvauth.uv.envvars"])), again.stdout + again.stderr


# -- never stale: one test per input kind --------------------------------------------------------------------


def test_editing_uv_toml(project: Project) -> None:
    write(project.dir / "uv.toml", f'[[index]]\nname = "art"\nurl = "{URL}"\n')
    assert_follows(project, lambda: write(project.dir / "uv.toml", f'[[index]]\nname = "other"\nurl = "{URL}"\n'))


def test_a_uv_toml_added_in_a_parent_directory(project: Project) -> None:
    assert_follows(project, lambda: write(project.dir.parent / "uv.toml", f'[[index]]\nname = "art"\nurl = "{URL}"\n'))


def test_touching_a_nested_requirements_file(project: Project) -> None:
    write(project.dir / "req.in", "-r nested.txt\nidna\n")
    write(project.dir / "nested.txt", "six\n")
    assert_follows(project, lambda: write(project.dir / "nested.txt", f"--extra-index-url {OTHER}\nsix\n"))


def test_a_nested_requirements_file_that_appears(project: Project) -> None:
    write(project.dir / "req.in", "-r nested.txt\nidna\n")
    assert_follows(project, lambda: write(project.dir / "nested.txt", f"--extra-index-url {OTHER}\nsix\n"))


def _same_size_and_mtime(path: Path, text: str, *, replace: bool) -> None:
    """Give ``path`` other content of the same size and the same modification time (``touch -r``), rewritten in
    place (only its ctime tells) or replaced by a new file (its inode tells too)."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    while True:
        if replace:
            fresh = path.with_name(path.name + ".new")
            fresh.write_text(text)
            os.utime(fresh, ns=(before.st_atime_ns, before.st_mtime_ns))
            os.replace(fresh, path)
        else:
            path.write_text(text)
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        if path.stat().st_ctime_ns != before.st_ctime_ns:  # the kernel's coarse clock may not have ticked yet
            break
        time.sleep(0.005)
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert (after.st_ino != before.st_ino) is replace


@pytest.mark.parametrize("replace", [False, True], ids=["rewritten-in-place", "replaced"])
def test_a_file_given_the_old_size_and_mtime_back(project: Project, replace: bool) -> None:
    """Only the stamp's ctime (and, for a replaced file, inode) tells this edit: the names have one length."""
    write(project.dir / "uv.toml", f'[[index]]\nname = "art"\nurl = "{URL}"\n')
    assert_follows(project, lambda: _same_size_and_mtime(
        project.dir / "uv.toml", f'[[index]]\nname = "bob"\nurl = "{URL}"\n', replace=replace))


def test_changing_uv_index_url(project: Project) -> None:
    project.args = ["pip", "compile", "req.in"]
    project.env["UV_INDEX_URL"] = URL

    def edit() -> None:
        project.env["UV_INDEX_URL"] = OTHER

    assert_follows(project, edit)


def test_setting_a_variable_that_was_unset(project: Project) -> None:
    def edit() -> None:
        project.env["UV_EXTRA_INDEX_URL"] = OTHER

    assert_follows(project, edit)


def test_changing_netrc(project: Project) -> None:
    assert_follows(project, lambda: write(project.root / "netrc", "machine example.com\nlogin a\npassword b\n"))
    assert project.fresh()[0] == "error"  # no credentials any more for an `always` index: refused, as before


def test_swapping_the_uv_binary(project: Project) -> None:
    fake = project.root / "bin" / "uv"

    def fake_uv(version: str) -> None:
        write(fake, f"#!/bin/sh\necho 'uv {version}'\n")
        fake.chmod(0o755)

    fake_uv("0.13.8")
    project.env["UVAUTH_UV"] = str(fake)
    assert_follows(project, lambda: fake_uv("0.12.0"))  # too old for references by name: refused now


def test_a_uv_that_appears_earlier_on_path(project: Project) -> None:
    """Which uv runs is part of the plan: a uv installed in a directory earlier on PATH after the plan was stored
    is the one the next run finds (each candidate find_uv looked at is a file the plan depends on)."""
    fake = project.root / "earlier" / "uv"

    def install() -> None:
        write(fake, '#!/bin/sh\n[ "$1" = --version ] && echo "uv 0.13.8"\nexit 0\n')
        fake.chmod(0o755)

    project.env["PATH"] = f"{fake.parent}{os.pathsep}{project.env['PATH']}"
    before = project.memoized()
    assert before[0] != str(fake)
    assert_follows(project, install)
    assert project.memoized()[0] == str(fake)


def test_changing_the_command_line(project: Project) -> None:
    def edit() -> None:
        project.args = ["--authenticate", "never", *project.args]

    assert_follows(project, edit)


def test_uvauthx_and_uvauth_are_different_situations(project: Project) -> None:
    project.args = ["tool", "run", "--index-url", URL, "ruff"]

    def edit() -> None:
        project.args = ["tool", "uvx", "--index-url", URL, "ruff"]

    before = project.memoized()
    assert hit(project)
    edit()
    after = project.memoized()
    assert after == project.fresh() and after != before
    assert hit(project)
    assert len(project.entries()) == 2  # each situation its own entry


def test_two_installs_used_in_turn_keep_an_entry_each(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A venv's uvauth and a pipx one, say, run in turn in one directory: each situation its own entry, so
    neither overwrites the other's and both keep hitting."""
    launchers = ["/opt/one/bin/uvauth", "/opt/two/bin/uvauth"]
    for launcher in launchers:
        monkeypatch.setattr(sys, "argv", [launcher])
        project.memoized()
    assert len(project.entries()) == 2
    for launcher in [*launchers, *launchers]:
        monkeypatch.setattr(sys, "argv", [launcher])
        assert hit(project), launcher


def test_a_uvauth_settings_file_added(project: Project) -> None:
    del project.env["UVAUTH_AUTHENTICATE"]
    assert_follows(project, lambda: write(project.dir.parent / "uvauth.toml", 'authenticate = "always"\n'))


def test_the_generated_configuration_removed(project: Project) -> None:
    """A memoized plan points uv at a generated file in the cache: if that file goes, the plan is made again
    (and the file written again)."""
    write(project.dir / "uv.toml", f'[[index]]\nname = "art"\nurl = "{OTHER}"\n')
    first = project.memoized()
    generated = dict(first[2]).get("UV_CONFIG_FILE")
    assert generated, first
    assert hit(project)
    os.unlink(generated)
    assert not hit(project)
    assert os.path.isfile(generated)


# -- what is never memoized, never trusted ---------------------------------------------------------------------


def test_a_file_changed_just_now_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    (project.dir / "req.in").write_text("idna\n")  # now: within the window
    project.memoized()
    assert project.entries() == []
    assert not hit(project)
    time.sleep(memo._RACY_NS / 1e9 + 0.1)  # every file the plan reads is older than the window now
    project.memoized()
    assert len(project.entries()) == 1
    assert hit(project)


@pytest.mark.parametrize("policy", ["always", "never", "auto", None])
def test_a_plan_that_hands_uv_a_secret_is_not_stored(project: Project, policy: str | None) -> None:
    """Under always uvauth seeds the password itself; under auto it stays in the URL on uv's argv, where only
    the memo's guard against ``@`` in what it stores keeps it out of the cache."""
    if policy is None:
        del project.env["UVAUTH_AUTHENTICATE"]
    else:
        project.env["UVAUTH_AUTHENTICATE"] = policy
    project.args = ["pip", "compile", "--index-url", f"http://alice:{PASSWORD}@127.0.0.1:9/simple", "req.in"]
    assert project.memoized() == project.fresh()
    assert project.entries() == []
    assert not hit(project)
    cache = project.root / "cache"
    assert not [path for path in cache.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()]


def test_no_secret_in_any_entry(project: Project) -> None:
    write(project.dir / "uv.toml", f'[[index]]\nname = "art"\nurl = "{URL}"\n')
    project.env["UV_INDEX_ART_USERNAME"] = "alice-token-name-55"
    project.env["UV_INDEX_ART_PASSWORD"] = PASSWORD
    project.memoized()
    assert hit(project)
    for entry in project.entries():
        assert PASSWORD.encode() not in entry.read_bytes()
        assert b"alice-token-name-55" not in entry.read_bytes()
    # The variable's presence is part of what the plan depends on, its value is not stored: without it uvauth
    # looks for the password, finds none for this username, and refuses, as a fresh plan does.
    del project.env["UV_INDEX_ART_PASSWORD"]
    assert project.memoized() == project.fresh()
    assert project.memoized()[0] == "error"


def test_a_changed_credential_variable_plans_again(project: Project) -> None:
    """A plan may depend on a credential variable's value (a username picks the netrc entry, an empty password is
    not one): a changed value is a miss, and the entry holds digests, not values."""
    write(project.dir / "uv.toml", f'[[index]]\nname = "art"\nurl = "{URL}"\n')
    project.env["UV_INDEX_ART_USERNAME"] = "alice"
    project.memoized()
    assert hit(project)
    project.env["UV_INDEX_ART_USERNAME"] = "carol"  # netrc's entry for the host is alice's
    assert project.memoized() == project.fresh()
    assert project.memoized()[0] == "error"
    for entry in project.entries():
        assert b"alice" not in entry.read_bytes()


def test_an_unrelated_variable_is_neither_stored_nor_a_reason_to_plan_again(project: Project) -> None:
    """Only what planning read is recorded: a shell's own variables (OLDPWD, a terminal's session id) change
    without changing any plan, and their values stay out of the cache."""
    project.env["SOME_SHELL_STATE"] = "value-one-831"
    project.memoized()
    assert hit(project)
    project.env["SOME_SHELL_STATE"] = "value-two-832"
    project.env["ANOTHER_NEW_ONE"] = "x"
    assert hit(project)
    for entry in project.entries():
        assert b"value-one-831" not in entry.read_bytes() and b"SOME_SHELL_STATE" not in entry.read_bytes()


def test_a_plan_that_asked_the_keyring_is_made_afresh(project: Project, tmp_path: Path) -> None:
    """What a keyring holds has no stamp: emptied, a fresh plan refuses the `always` index, so a plan that
    asked the keyring is never reused."""
    from support.keyring import FakeKeyring

    keyring = FakeKeyring(tmp_path / "fake-keyring")
    keyring.add("http://127.0.0.3:9/simple", "alice", "from-the-keyring")
    project.env["PATH"] = keyring.path_with_bin(project.env["PATH"])
    project.args = ["pip", "compile", "--keyring-provider", "subprocess", "--index-url", "http://127.0.0.3:9/simple",
                    "req.in"]
    first = project.memoized()
    assert first[0] != "error", first
    assert project.entries() == [] and not hit(project)


def test_a_removed_approval_undoes_the_plan(project: Project) -> None:
    """A project's preset on a host not its provider's runs only once approved on this machine: removing the
    approval must undo the memoized plan that relied on it (the approval file is one of the plan's files)."""
    from uvauth.providers import trust
    from uvauth.providers.entries import Entry
    from uvauth.settings import sources

    bindir = project.root / "gbin"
    write(bindir / "gcloud", "#!/bin/sh\necho ya29.FAKE-TOKEN-123\n")
    (bindir / "gcloud").chmod(0o755)
    project.env["PATH"] = f"{bindir}{os.pathsep}{project.env['PATH']}"
    project.env["XDG_DATA_HOME"] = str(project.root / "data")
    write(project.dir / "uvauth.toml", '[[credentials]]\nprefix = "http://127.0.0.5:9/"\nprovider = "gcloud"\n')
    project.args = ["pip", "compile", "--index-url", "http://127.0.0.5:9/simple", "req.in"]
    assert project.fresh()[0] == "error"  # not approved
    entry = Entry.from_data(sources.resolve(None, str(project.dir), project.env, None).credentials[0])
    approval = trust.approve(entry, project.env)
    assert_follows(project, approval.unlink)
    assert project.memoized()[0] == "error"


def test_a_variable_expanded_in_a_requirements_file(project: Project) -> None:
    """Any variable planning reads may change the plan (here a `${VAR}` in a requirements file) and may hold a
    secret: compared by a digest, never stored."""
    write(project.dir / "req.in", "--index-url http://127.0.0.2:9/${FEED_KEY}/simple\nidna\n")
    project.env["FEED_KEY"] = "feed-key-value-one"
    project.args = ["--authenticate", "never", "pip", "compile", "req.in"]  # no credentials to hand over

    project.memoized()
    assert hit(project)
    project.env["FEED_KEY"] = "feed-key-value-two"
    assert not hit(project)  # the value was read: a different one is another situation
    assert project.memoized() == project.fresh()
    assert hit(project)
    for entry in project.entries():
        assert b"feed-key-value" not in entry.read_bytes()


def test_the_environment_form_of_credentials_is_not_stored(project: Project) -> None:
    project.env["UVAUTH_CREDENTIALS_NOPE_USERNAME"] = "svc-user-name-42"  # an index this project does not have
    project.env["UVAUTH_CREDENTIALS_NOPE_PASSWORD_ENV"] = "NOPE_TOKEN"
    assert project.memoized()[0] != "error", project.memoized()
    assert hit(project)
    for entry in project.entries():
        assert b"svc-user-name-42" not in entry.read_bytes()
    project.env["UVAUTH_CREDENTIALS_NOPE_USERNAME"] = "svc-user-name-43"
    assert not hit(project)


def test_every_module_counts_in_an_editable_install() -> None:
    """This checkout is installed editable: a change to any module (not only the planner's) is a new
    situation, and so is one to the shell code in completions/."""
    from uvauth import cache

    stamp = cache.code_stamp()
    for name in ("cmdline.py", "discover.py", "statements.py", "render.py", "lookup.py", "additions.bash"):
        assert f"{os.sep}{name}'" in stamp, name
    assert "__pycache__" not in stamp
    assert cache.code_stamp() is stamp  # once per process: it is on the path of every memoized uv call


def test_an_installed_uvauth_is_stamped_by_its_init_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under site-packages an install rewrites every file: one stat on every uv call, not one per module."""
    from uvauth import cache, observed

    package = tmp_path / "lib" / "site-packages" / "uvauth"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "memo.py").write_text("")
    monkeypatch.setattr(cache, "_PACKAGE", str(package))
    monkeypatch.setattr(cache, "_CODE", [])
    assert cache.code_stamp().endswith(repr([observed.stamp(str(package / "__init__.py"))]))


def test_a_plan_made_by_other_code_is_not_reused(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade (or an edit of an editable install) changes cache.code_stamp: the stored plan is another's."""
    from uvauth import cache

    project.memoized()
    assert hit(project)
    stamp = cache.code_stamp()
    monkeypatch.setattr(cache, "code_stamp", lambda: stamp + "-upgraded")
    assert not hit(project)
    assert hit(project)  # stored again, for the new code


def test_a_plan_that_listed_the_environment_needs_the_same_names(tmp_path: Path) -> None:
    """A plan that iterated the environment may depend on any name in it: a new or removed name is a miss."""
    from uvauth.launch import Handoff
    from uvauth.observed import RecordingEnv

    env = {"PATH": "/bin", "UV_INDEX_ART_USERNAME": "a"}
    recorded = RecordingEnv(env)
    assert sorted(recorded) == ["PATH", "UV_INDEX_ART_USERNAME"]  # listed, read nothing by name
    outcome = Handoff(uv="/no/uv", argv=["pip", "list"], env={**env, "UV_X": "1"})
    assert memo.store(str(tmp_path), ["pip", "list"], "/", env, recorded, outcome)
    again = memo.recall(str(tmp_path), ["pip", "list"], "/", env)
    assert again is not None and again.argv == ["pip", "list"] and again.env == {**env, "UV_X": "1"}
    assert memo.recall(str(tmp_path), ["pip", "list"], "/", {**env, "UV_INDEX_NEW_USERNAME": "b"}) is None
    assert memo.recall(str(tmp_path), ["pip", "list"], "/", {"PATH": "/bin"}) is None
    unlisted = RecordingEnv(env)
    assert unlisted.get("PATH") == "/bin"
    assert memo.store(str(tmp_path), ["pip", "list"], "/", env, unlisted, outcome)
    assert memo.recall(str(tmp_path), ["pip", "list"], "/", {**env, "UV_INDEX_NEW_USERNAME": "b"}) is not None


def test_nothing_is_memoized_near_the_systems_limit() -> None:
    limit = os.sysconf("SC_ARG_MAX")
    assert memo._roomy({"A": "b"}, ["pip", "compile"])
    assert not memo._roomy({}, ["x" * (limit // 8)])
    assert not memo._roomy({"BIG": "y" * (limit // 8)}, [])


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01", b"not marshal at all", None])
def test_a_damaged_entry_is_a_miss(project: Project, garbage: bytes | None) -> None:
    first = project.memoized()
    (entry,) = project.entries()
    if garbage is None:
        import marshal

        fields = list(marshal.loads(entry.read_bytes()))
        fields[0] = 999  # another format
        garbage = marshal.dumps(tuple(fields))
    entry.write_bytes(garbage)
    assert not hit(project)
    assert project.memoized() == first


@pytest.mark.parametrize(("field", "damage"), [
    (0, lambda argv: [*argv, 3]), (0, lambda argv: [*argv, "a\0b"]), (0, lambda argv: "pip compile"),
    (1, lambda additions: [*additions, ("UV_X", 3)]), (1, lambda additions: [*additions, ("UV_X",)]),
    (3, lambda warnings: [*warnings, None]), (5, lambda tokens: [("A", "B")]), (6, lambda verbose: "1"),
], ids=["int-in-argv", "nul-in-argv", "argv-a-string", "int-in-env", "short-pair", "none-warning", "short-token",
        "str-verbose"])
def test_a_damaged_outcome_is_a_miss_never_a_bad_exec(project: Project, field: int, damage: Any) -> None:
    """Issue 16 item 6: a plan file whose key still matches but whose outcome is not what store() writes."""
    import marshal

    first = project.memoized()
    (entry,) = project.entries()
    fields = list(marshal.loads(entry.read_bytes()))
    outcome = list(fields[-1])
    outcome[field] = damage(outcome[field])
    fields[-1] = tuple(outcome)
    entry.write_bytes(marshal.dumps(tuple(fields)))
    assert not hit(project)
    assert project.memoized() == first


def test_entries_are_private_and_bounded(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "MAX_ENTRIES", 3)
    for n in range(6):
        project.args = ["pip", "compile", "--index-url", URL, f"req{n}.in"]
        write(project.dir / f"req{n}.in", "idna\n")
        project.memoized()
    entries = project.entries()
    assert len(entries) == 3  # two kept before each write (MAX_ENTRIES - 1), then the new one
    assert all(entry.stat().st_mode & 0o777 == 0o600 for entry in entries)
    assert (entries[0].parent.stat().st_mode & 0o777) == 0o700


def test_an_unwritable_cache_is_no_error(project: Project) -> None:
    plans = project.root / "cache" / "uvauth" / "plans"
    plans.parent.mkdir(parents=True)
    plans.write_text("a file where the directory should be")
    assert project.memoized() == project.fresh()


# -- the property: for any sequence of edits, the memoized plan is the fresh plan ------------------------------


def _edits(project: Project) -> dict[str, Callable[[], None]]:
    d = project.dir

    def set_env(name: str, value: str | None) -> Callable[[], None]:
        def edit() -> None:
            if value is None:
                project.env.pop(name, None)
            else:
                project.env[name] = value
        return edit

    def remove(path: Path) -> Callable[[], None]:
        return lambda: path.unlink(missing_ok=True)

    return {
        "uv.toml art": lambda: write(d / "uv.toml", f'[[index]]\nname = "art"\nurl = "{URL}"\n'),
        "uv.toml art always": lambda: write(d / "uv.toml",
                                            f'[[index]]\nname = "art"\nurl = "{URL}"\nauthenticate = "always"\n'),
        "uv.toml other": lambda: write(d / "uv.toml", f'[[index]]\nname = "o"\nurl = "{OTHER}"\n'),
        "uv.toml removed": remove(d / "uv.toml"),
        "parent uv.toml": lambda: write(d.parent / "uv.toml", f'[[index]]\nname = "p"\nurl = "{URL}"\n'),
        "parent uv.toml removed": remove(d.parent / "uv.toml"),
        "pyproject tool.uv": lambda: write(d / "pyproject.toml",
                                           f'[tool.uv]\nextra-index-url = ["{OTHER}"]\n'),
        "pyproject removed": remove(d / "pyproject.toml"),
        "req nested": lambda: write(d / "req.in", "-r nested.txt\nidna\n"),
        "req plain": lambda: write(d / "req.in", "idna\n"),
        "nested extra": lambda: write(d / "nested.txt", f"--extra-index-url {OTHER}\n"),
        "nested removed": remove(d / "nested.txt"),
        "uvauth.toml never": lambda: write(d / "uvauth.toml", 'authenticate = "never"\n'),
        "uvauth.toml removed": remove(d / "uvauth.toml"),
        "netrc empty": lambda: write(project.root / "netrc", ""),
        "netrc full": lambda: write(project.root / "netrc", "machine 127.0.0.1\nlogin a\npassword b\n"
                                                            "machine 127.0.0.2\nlogin c\npassword d\n"),
        "UV_INDEX_URL other": set_env("UV_INDEX_URL", OTHER),
        "UV_INDEX_URL unset": set_env("UV_INDEX_URL", None),
        "UV_EXTRA_INDEX_URL": set_env("UV_EXTRA_INDEX_URL", OTHER),
        "UVAUTH_AUTHENTICATE unset": set_env("UVAUTH_AUTHENTICATE", None),
        "UVAUTH_AUTHENTICATE always": set_env("UVAUTH_AUTHENTICATE", "always"),
        "UV_NO_CONFIG": set_env("UV_NO_CONFIG", "1"),
        "argv without index": lambda: setattr(project, "args", ["pip", "compile", "req.in"]),
        "argv with index": lambda: setattr(project, "args", ["pip", "compile", "--index-url", URL, "req.in"]),
        "argv never": lambda: setattr(project, "args", ["--authenticate", "never", "pip", "compile", "req.in"]),
    }


@pytest.fixture
def scratch(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        Callable[[], Project]]:
    store_plans_later(monkeypatch)

    def make() -> Project:
        root = tmp_path_factory.mktemp("memo")
        monkeypatch.chdir(root)
        return Project(root)

    yield make


_EDIT_KEYS = (
    "uv.toml art", "uv.toml art always", "uv.toml other", "uv.toml removed", "parent uv.toml",
    "parent uv.toml removed", "pyproject tool.uv", "pyproject removed", "req nested", "req plain", "nested extra",
    "nested removed", "uvauth.toml never", "uvauth.toml removed", "netrc empty", "netrc full", "UV_INDEX_URL other",
    "UV_INDEX_URL unset", "UV_EXTRA_INDEX_URL", "UVAUTH_AUTHENTICATE unset", "UVAUTH_AUTHENTICATE always",
    "UV_NO_CONFIG", "argv without index", "argv with index", "argv never",
)


def test_the_edit_table_is_complete(tmp_path: Path) -> None:
    assert set(_EDIT_KEYS) == set(_edits(Project(tmp_path)))


@settings(max_examples=25, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_EDIT_KEYS), min_size=1, max_size=6))
def test_memoized_plan_always_equals_a_fresh_plan(scratch: Callable[[], Project], sequence: list[str]) -> None:
    project = scratch()
    edits = _edits(project)
    project.memoized()
    for name in sequence:
        edits[name]()
        assert project.memoized() == project.fresh(), f"stale after {sequence[: sequence.index(name) + 1]}"
        assert project.memoized() == project.fresh()


def test_parallel_runs_share_one_entry(tmp_path: Path) -> None:
    """``make -j``: many uvauth processes planning the same command at once each get the same plan, and the
    entry they leave is one whole file (written atomically: no torn or temporary files)."""
    import subprocess
    import sys

    project = Project(tmp_path)
    time.sleep(memo._RACY_NS / 1e9 + 0.1)  # the project's files are older than the window: the plan is stored
    probe = (
        "import sys, json; from uvauth import fastpath, pipeline; from uvauth.uv import cmdline as c; "
        f"p = fastpath.recalled(sys.argv[1:], {project.env!r}) or pipeline.prepare(c.parse(sys.argv[1:]), "
        f"{project.env!r}); "
        "print(json.dumps([p.uv, p.argv, sorted(p.env.items())]))"
    )
    args = [sys.executable, "-c", probe, "--directory", str(project.dir), *project.args]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
            for _ in range(12)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    plans = tmp_path / "cache" / "uvauth" / "plans"
    assert [p.name for p in plans.iterdir() if p.name.startswith(".")] == []
    assert len(project.entries()) == 1
    (again,) = {subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, check=True).stdout}
    assert again == outputs[0][0]


def test_a_memo_that_fails_is_never_the_reason_a_command_fails(project: Project, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """Whatever goes wrong while a memoized plan is looked up, uv runs with a plan made afresh."""
    from uvauth import cli, launch

    project.memoized()  # an entry exists for this command line
    handed: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(launch, "exec_uv", lambda uv, argv, env: handed.append((uv, list(argv))) or 0)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the memo")

    monkeypatch.setattr(memo, "recall", broken)
    assert cli.run(["--directory", str(project.dir), *project.args], project.env) == 0
    assert handed and handed[0][1] == list(project.fresh()[1])


# -- the reader: what a plan depended on is what its own reader saw (issue 17 item 4) -----------------------------


def test_each_reader_records_only_what_was_read_through_it(tmp_path: Path) -> None:
    """No global recording: two readers alive at once each see their own reads, and a plain mapping records
    nothing anywhere."""
    from uvauth import observed
    from uvauth.uv.config import discover as uvconfig

    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{URL}"\n')
    env = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    first, second = observed.RecordingEnv(env), observed.RecordingEnv(env)

    def discover(reader: Any) -> None:
        uvconfig.discover(cwd=tmp_path, project=None, config_file=None, no_config=False, tool_command=False,
                          env=reader)

    discover(first)
    discover(env)
    assert str(tmp_path / "uv.toml") in first.files
    assert str(tmp_path / "xdg" / "uv" / "uv.toml") in first.files  # looked for, not found: a file may appear
    assert second.files == {} and second.read == {}
    discover(second)
    assert second.files == first.files


def test_a_helpers_answer_read_through_the_reader_is_volatile() -> None:
    """The keyring's answer reaches a port only through the reader, which marks the plan as never memoized."""
    from uvauth import observed

    reader = observed.RecordingEnv(dict(os.environ))
    done = observed.ask_helper(reader, [sys.executable, "-c", "print('answer')"], timeout=30)
    assert done.stdout.strip() == b"answer" and observed.VOLATILE in reader.files
