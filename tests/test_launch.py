"""Finding the real uv without finding uvauth itself, and becoming it: output, exit codes and the private files
uvauth writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import default_stopping_signals, system_tools_only

from uvauth import cache, launch
from uvauth.errors import UvauthError

UVAUTH = str(Path(sys.executable).with_name("uvauth"))
REAL_UV = str(Path(sys.executable).with_name("uv"))


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _run(args: list[str], path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path}
    return subprocess.run([UVAUTH, *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["help", "pip"], ["pip", "--help"]],
                         ids=["version", "help", "help-pip", "pip-help"])
def test_pass_through_prints_exactly_what_uv_prints(args: list[str]) -> None:
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, env={**os.environ, "PAGER": "cat"})
    through = subprocess.run([UVAUTH, *args], capture_output=True, text=True, env={**os.environ, "PAGER": "cat"})
    assert (through.returncode, through.stdout, through.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_uvauth_uv_wins(tmp_path: Path) -> None:
    fake = _script(tmp_path / "my-uv", 'echo "fake uv $*"')
    done = subprocess.run([UVAUTH, "--version"], capture_output=True, text=True,
                          env={**os.environ, "UVAUTH_UV": str(fake)})
    assert done.stdout == "fake uv --version\n"


def test_uvauth_uv_that_is_not_executable_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UvauthError, match="UVAUTH_UV"):
        launch.find_uv({"UVAUTH_UV": str(tmp_path / "missing"), "PATH": ""})


def test_a_uv_on_path_is_preferred_to_the_bundled_one(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _script(bin_dir / "uv", 'echo "path uv $*"')
    assert _run(["--version"], f"{bin_dir}:{system_tools_only(tmp_path / 'sys')}").stdout == "path uv --version\n"


@pytest.mark.parametrize("kind", ["symlink", "symlink-to-symlink", "shim"])
def test_a_uv_on_path_that_is_uvauth_is_skipped(tmp_path: Path, kind: str) -> None:
    """People alias or link `uv` to uvauth: uvauth must not exec itself (forever). uvauth is recognised by the
    file itself (device and inode), so a link of any kind counts."""
    shim_dir = tmp_path / "shims"
    shim_dir.mkdir()
    if kind == "symlink":
        (shim_dir / "uv").symlink_to(UVAUTH)
    elif kind == "symlink-to-symlink":
        (tmp_path / "hop").symlink_to(UVAUTH)
        (shim_dir / "uv").symlink_to(tmp_path / "hop")
    else:
        _script(shim_dir / "uv", f'exec {UVAUTH} "$@"')
    later = tmp_path / "later"
    later.mkdir()
    _script(later / "uv", 'echo "the real uv $*"')
    assert _run(["--version"], f"{shim_dir}:{later}:{system_tools_only(tmp_path / 'sys')}").stdout == "the real uv --version\n"


def test_uvauth_is_recognised_by_its_file_not_its_path_or_size(tmp_path: Path) -> None:
    """uvauth's launcher is found behind a hard link or symlink, whatever its size; a copy of it is another file."""
    ourselves = tmp_path / "uvauth"
    ourselves.write_bytes(b"\0" * (1024 * 1024))
    os.link(ourselves, tmp_path / "hard")
    (tmp_path / "soft").symlink_to(tmp_path / "hard")
    (tmp_path / "copy").write_bytes(ourselves.read_bytes())
    identity = launch._identity(str(ourselves))
    for name, expected in [("hard", True), ("soft", True), ("copy", False)]:
        path = str(tmp_path / name)
        assert launch._is_uvauth(os.stat(path), identity) is expected, name


@pytest.mark.parametrize("how", ["UVAUTH_UV", "PATH"])
def test_a_uv_whose_text_or_path_says_uvauth_is_still_run(tmp_path: Path, how: str) -> None:
    """Loops are recognised by what happens, never by a word: a wrapper script that mentions uvauth (a comment,
    a path under `~/.local/share/uvauth-venv`, a checkout named `uvauth`) and runs the real uv is that uv."""
    home = tmp_path / "uvauth-venv" / "bin"
    home.mkdir(parents=True)
    wrapper = _script(home / "uv", f'# a wrapper beside uvauth\nexec "{REAL_UV}" "$@"')
    env = {**os.environ, "PATH": f"{home}:{system_tools_only(tmp_path / 'sys')}"}
    if how == "UVAUTH_UV":
        env["UVAUTH_UV"] = str(wrapper)
    done = subprocess.run([UVAUTH, "--version"], capture_output=True, text=True, timeout=30, env=env)
    plain = subprocess.run([REAL_UV, "--version"], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (0, plain.stdout, plain.stderr)


def test_a_shim_on_path_that_forks_uvauth_ends_in_one_error_line(tmp_path: Path) -> None:
    """A `uv` that starts uvauth as a child (no exec) cannot be told from a legitimate nesting at once: the
    chain of uvauths is bounded (no fork bomb) and ends in one error line, whose exit code every level passes on."""
    shims = tmp_path / "shims"
    shims.mkdir()
    _script(shims / "uv", f'"{UVAUTH}" "$@"; exit $?')
    done = _run(["--version"], f"{shims}:{system_tools_only(tmp_path / 'sys')}")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("uvauth: error: ")]
    assert errors == [f"uvauth: error: uvauth has started {launch.MAX_HOPS} times in one chain of processes: "
                      f"the uv it runs ({shims / 'uv'}) seems to start uvauth again"], done.stderr


def test_uvauth_nested_inside_uv_run_is_no_loop(tmp_path: Path) -> None:
    """`uv run make` whose recipe calls uvauth again (through uvauth both times) is a legitimate nesting."""
    inner = f"import subprocess, sys; sys.exit(subprocess.run([{UVAUTH!r}, 'run', '--no-project', 'python', '-c', " \
            "'print(42)']).returncode)"
    done = subprocess.run([UVAUTH, "run", "--no-project", "python", "-c", inner], capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stdout) == (0, "42\n"), done.stderr


def test_the_loop_guard_names_this_process_and_the_uv_it_execs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard handed to uv: this pid, one hop more, the uv paths exec'd in this process (a previous one that
    started uvauth again, then this one). A guard from another process (a parent uvauth) only adds its hops."""
    pid = os.getpid()
    assert launch.chain_env("/u/uv", {"A": "1"}) == {"A": "1", "UVAUTH_EXEC_CHAIN": f"{pid} 1\n/u/uv"}
    again = {"UVAUTH_EXEC_CHAIN": f"{pid} 1\n/shim/uv"}
    assert launch.ran_uvauth_again(again) == ["/shim/uv"]
    assert launch.chain_env("/u/uv", again)["UVAUTH_EXEC_CHAIN"] == f"{pid} 2\n/shim/uv\n/u/uv"
    parent = {"UVAUTH_EXEC_CHAIN": f"{pid + 1} 3\n/u/uv"}
    assert launch.ran_uvauth_again(parent) == []
    assert launch.chain_env("/u/uv", parent)["UVAUTH_EXEC_CHAIN"] == f"{pid} 4\n/u/uv"
    for garbage in ["", "x", "12", "12 x\n/u", "-1 2\n/u", "1 2 3"]:
        assert launch.ran_uvauth_again({"UVAUTH_EXEC_CHAIN": garbage}) == [], garbage
        assert launch.chain_env("/u/uv", {"UVAUTH_EXEC_CHAIN": garbage})["UVAUTH_EXEC_CHAIN"] == f"{pid} 1\n/u/uv"


def test_a_uv_found_to_start_uvauth_again_is_skipped_on_path(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    _script(first / "uv", "true")
    env = {"PATH": f"{first}:{tmp_path / 'second'}", "UVAUTH_EXEC_CHAIN": f"{os.getpid()} 1\n{first / 'uv'}"}
    (tmp_path / "second").mkdir()
    second = _script(tmp_path / "second" / "uv", "true")
    assert launch.find_uv(env) == str(second)
    assert launch.find_uv({**env, "UVAUTH_EXEC_CHAIN": ""}) == str(first / "uv")


@pytest.mark.integration
def test_programs_run_by_uv_run_see_the_signal_dispositions_plain_uv_gives() -> None:
    """Python ignores SIGPIPE and SIGXFSZ at start-up and exec keeps that: uvauth restores them before it becomes
    uv, so the program `uv run` starts ignores, blocks and catches what it would under plain uv."""
    program = ("print(''.join(l for l in open('/proc/self/status') if l.startswith(('SigIgn', 'SigBlk'))), "
               "end='')")
    seen = []
    for launcher in (REAL_UV, UVAUTH):
        done = subprocess.run([launcher, "run", "--no-project", "python", "-S", "-c", program],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        seen.append(done.stdout)
    # The python that prints is itself a Python: it ignores what its own start-up ignores, so compare with a
    # process that is no Python at all too.
    shell = "grep -E '^Sig(Ign|Blk)' /proc/self/status"
    shells = [subprocess.run([launcher, "run", "--no-project", "sh", "-c", shell], capture_output=True, text=True,
                             timeout=120).stdout for launcher in (REAL_UV, UVAUTH)]
    assert seen[0] == seen[1] and shells[0] == shells[1] and shells[0], (seen, shells)


def test_a_uv_on_path_that_is_not_a_regular_file_is_skipped(tmp_path: Path) -> None:
    """A directory or a FIFO named `uv` (with its x bit) is no uv; reading a FIFO to look for a shim would hang."""
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "uv").mkdir()
    fifo_dir = tmp_path / "fifo"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / "uv", 0o755)
    later = tmp_path / "later"
    later.mkdir()
    _script(later / "uv", 'echo "the real uv $*"')
    done = _run(["--version"], f"{odd}:{fifo_dir}:{later}:{system_tools_only(tmp_path / 'sys')}")
    assert done.stdout == "the real uv --version\n"


def test_without_any_uv_on_path_the_bundled_one_runs(tmp_path: Path) -> None:
    done = _run(["--version"], system_tools_only(tmp_path / "sys"))
    assert done.stdout == subprocess.run([REAL_UV, "--version"], capture_output=True, text=True).stdout


def test_exit_code_is_uvs(tmp_path: Path) -> None:
    fake = _script(tmp_path / "uv", "exit 42")
    done = subprocess.run([UVAUTH, "anything"], env={**os.environ, "UVAUTH_UV": str(fake)})
    assert done.returncode == 42


def test_private_files_are_written_atomically_with_mode_0600(tmp_path: Path) -> None:
    directory = cache.cache_dir({"XDG_CACHE_HOME": str(tmp_path)})
    assert directory.stat().st_mode & 0o777 == 0o700
    written = cache.write_private(directory, "x.toml", "a = 1\n")
    assert written.read_text() == "a = 1\n" and written.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in directory.iterdir()] == ["x.toml"]  # no temporary left behind


def test_a_uv_replaced_with_the_same_size_and_mtime_is_asked_again(tmp_path: Path) -> None:
    """The version is keyed by the file's whole stamp: an older uv put in place with the same size and
    modification time (`cp -p`, a package manager) has another inode or change time."""
    fake = _script(tmp_path / "uv", 'echo "uv 0.13.8 (test)"')
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert launch.uv_version(str(fake), env) == (0, 13, 8)
    before = os.stat(fake)
    replacement = _script(tmp_path / "uv.new", 'echo "uv 0.12.1 (olds)"')
    assert replacement.stat().st_size == before.st_size
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, fake)
    assert launch.uv_version(str(fake), env) == (0, 12, 1)


def test_uv_version_is_probed_once_and_cached(tmp_path: Path) -> None:
    counter = tmp_path / "count"
    fake = _script(tmp_path / "uv", f'echo x >> {counter}; echo "uv 0.13.8 (test)"')
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert launch.uv_version(str(fake), env) == (0, 13, 8)
    assert launch.uv_version(str(fake), env) == (0, 13, 8)
    assert counter.read_text().count("x") == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("0.13.8", (0, 13, 8)),
    ("0.14.0-alpha.1", (0, 14, 0)),
    ("0.13.8+5", (0, 13, 8)),
    ("1.0", (1, 0)),
])
def test_parse_uv_version_keeps_the_release_numbers(text: str, expected: tuple[int, ...]) -> None:
    assert launch.parse_uv_version(text) == expected


def test_read_uv_version_takes_the_second_word() -> None:
    assert launch.read_uv_version(REAL_UV).count(".") >= 2


def test_a_uv_that_hangs_on_version_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch, "VERSION_TIMEOUT_SECONDS", 0.5)
    fake = _script(tmp_path / "uv", "exec sleep 30")
    with pytest.raises(UvauthError, match="did not finish within 0.5 s") as raised:
        launch.uv_version(str(fake), {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert str(fake) in str(raised.value)


@pytest.mark.parametrize(("content", "mode", "why"), [
    ("#!/bin/sh\necho uv 0.13.8\n", 0o644, "Permission denied"),  # EACCES: not executable
    ("not a program\n", 0o755, "Exec format error"),  # ENOEXEC: no #! line, no binary format
])
def test_a_uv_that_cannot_be_run_is_a_clear_error(tmp_path: Path, content: str, mode: int, why: str) -> None:
    fake = tmp_path / "uv"
    fake.write_text(content)
    fake.chmod(mode)
    with pytest.raises(UvauthError, match=f"cannot run {fake}: {why}"):
        launch.uv_version(str(fake), {"XDG_CACHE_HOME": str(tmp_path / "cache")})


def test_a_uv_that_prints_no_version_is_a_clear_error(tmp_path: Path) -> None:
    fake = _script(tmp_path / "uv", "echo oops")
    with pytest.raises(UvauthError, match="did not print a version"):
        launch.read_uv_version(str(fake))


def test_the_uv_setting_of_the_user_file_is_used_on_pass_through(tmp_path: Path) -> None:
    fake = _script(tmp_path / "my-uv", 'echo "configured uv $*"')
    settings = Path(os.environ["XDG_CONFIG_HOME"]) / "uvauth" / "uvauth.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f'uv = "{fake}"\n')
    done = subprocess.run([UVAUTH, "--version"], capture_output=True, text=True)
    assert done.stdout == "configured uv --version\n"


@pytest.mark.integration
def test_uvauth_becomes_uv_so_ctrl_c_behaves_as_with_uv() -> None:
    """uvauth execs uv: the same process *is* uv (no supervisor in between), so SIGINT reaches uv, which hands it to
    `uv run`'s program, and the exit status is the one plain uv gives."""
    import signal

    program = "import time; print('ready', flush=True); time.sleep(60)"
    outcomes = []
    for launcher in (REAL_UV, UVAUTH):
        process = subprocess.Popen([launcher, "run", "--no-project", "python", "-c", program],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=default_stopping_signals)
        try:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
            assert os.path.realpath(f"/proc/{process.pid}/exe") == os.path.realpath(REAL_UV)
            process.send_signal(signal.SIGINT)
            outcomes.append(process.wait(timeout=30))
        finally:
            process.kill()
            process.communicate()
    assert outcomes[0] == outcomes[1] != 0


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    # One error line, then its hint on a line of its own when there is one (uv's layout).
    assert lines[0].startswith("uvauth: error: ") and len(lines) <= 2, done.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), done.stderr
    return lines[0]


def test_uvauth_uv_pointing_at_uvauth_itself_stops_instead_of_looping(tmp_path: Path) -> None:
    done = subprocess.run([UVAUTH, "--version"], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "UVAUTH_UV": UVAUTH})
    assert "is uvauth itself" in _one_error_line(done)


def test_uvauth_uv_pointing_at_a_shim_that_runs_uvauth_stops(tmp_path: Path) -> None:
    shim = _script(tmp_path / "uv", f'exec "{UVAUTH}" "$@"')
    done = subprocess.run([UVAUTH, "--version"], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "UVAUTH_UV": str(shim)})
    assert str(shim) in _one_error_line(done)


def test_uvauth_uv_that_the_system_cannot_run_is_one_line(tmp_path: Path) -> None:
    """An executable file that is not a program for this machine (ENOEXEC) — uv exits 2, so does uvauth."""
    garbage = tmp_path / "uv"
    garbage.write_bytes(b"\x00\x01not a program\x02" * 8)
    garbage.chmod(0o755)
    done = subprocess.run([UVAUTH, "--version"], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "UVAUTH_UV": str(garbage)})
    assert f"cannot run uv at {garbage}: Exec format error" in _one_error_line(done)


def test_an_argument_list_too_long_for_the_system_is_one_line() -> None:
    """A single argument over Linux's MAX_ARG_STRLEN (128 KiB) makes execve fail with E2BIG: made inside the
    uvauth process, since a test cannot start a process with it."""
    if sys.platform != "linux":
        pytest.skip("MAX_ARG_STRLEN is Linux's")
    code = "import sys; from uvauth.cli import main; sys.exit(main(['pip', 'x' * 200_000]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "UVAUTH_UV": REAL_UV})
    assert "Argument list too long" in _one_error_line(done)


# -- the cache directory under faults -----------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["never", "always"])
def test_an_unusable_cache_directory_is_never_why_a_command_fails(tmp_path: Path, policy: str) -> None:
    """Issue 16 item 4: uvauth's cache path is a file (or a read-only file system). Plain uv runs; uvauth gave one
    error line before the fix. It now warns, keeps its files in a private temporary directory, and the policy
    holds (it needs the generated configuration there)."""
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "uvauth").write_text("not a directory")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "r.in").write_text("six\n")
    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\n')
    (tmp_path / "netrc").write_text("machine 127.0.0.1 login u password p\n")
    (tmp_path / "netrc").chmod(0o600)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp_path / "tmp"),
           "NETRC": str(tmp_path / "netrc")}
    args = ["pip", "compile", "--offline", "--index-url", "http://127.0.0.1:9/simple", "r.in"]
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=tmp_path, timeout=60, env=env)
    done = subprocess.run([UVAUTH, "--authenticate", policy, *args], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60, env=env)
    fallback = tmp_path / "tmp" / f"uvauth-{os.geteuid()}"
    warning = (f"uvauth: warning: cannot use uvauth's cache directory {tmp_path}/cache/uvauth: File exists; "
               f"using {fallback} for this command\n")
    assert (done.returncode, done.stdout, done.stderr) == (plain.returncode, plain.stdout, warning + plain.stderr)
    assert fallback.stat().st_mode & 0o777 == 0o700
    (generated,) = fallback.glob("uv-*.toml")  # the -i URL's index, with the policy asked for
    assert f'authenticate = "{policy}"' in generated.read_text()


def test_a_fallback_directory_planted_by_another_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_FALLBACK", [])
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / f"uvauth-{os.geteuid()}").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UvauthError, match="^cannot use it "):
        cache.fallback_dir("cannot use it")


def test_a_shared_cache_directory_is_made_private(tmp_path: Path) -> None:
    directory = tmp_path / "uvauth"
    directory.mkdir()
    directory.chmod(0o777)
    assert cache.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == directory
    assert directory.stat().st_mode & 0o777 == 0o700


def test_a_failed_write_leaves_no_temporary_file_and_is_one_error(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd: int, *args: object, **kwargs: object) -> None:
            self.handle = real_fdopen(fd, "w")

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", FullDisk)
    with pytest.raises(UvauthError, match="No space left on device"):
        cache.write_private(tmp_path, "x.toml", "a = 1\n")
    assert list(tmp_path.iterdir()) == []


def test_a_planted_symlink_is_never_written_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary name is unpredictable, and even a symlink at it is refused (O_EXCL | O_NOFOLLOW)."""
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    monkeypatch.setattr(os, "urandom", lambda n: b"\x00" * n)
    (tmp_path / f".x.toml.{os.getpid()}.{'00' * 6}.tmp").symlink_to(victim)
    with pytest.raises(UvauthError):
        cache.write_private(tmp_path, "x.toml", "a = 1\n")
    assert victim.read_text() == "keep me"


def test_an_unwritable_speed_up_cache_does_not_fail_the_command(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "open", refuse)
    cache.remember(tmp_path, "uv-versions.json", "{}")  # no exception


def test_a_program_that_is_not_uv_is_named_not_taken_for_an_old_uv(tmp_path: Path) -> None:
    fake = _script(tmp_path / "not-uv", 'echo "true (GNU coreutils) 9.1"')
    with pytest.raises(UvauthError, match="is not uv"):
        launch.read_uv_version(str(fake))


def test_a_uv_gone_before_its_version_is_asked_is_a_clear_error(tmp_path: Path) -> None:
    """The version cache is keyed by the binary's stamp, which is None for a file that is gone: that was a
    TypeError (found by mypy --strict)."""
    with pytest.raises(UvauthError, match="cannot run"):
        launch.uv_version(str(tmp_path / "gone" / "uv"), {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "c")})


def test_a_cache_directory_that_cannot_be_written_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A read-only (or full) file system under an existing cache directory: the generated configuration goes to
    the private fallback directory instead of failing the command (as root, a read-only mode cannot be made
    here, so the write fails the way a read-only mount makes it fail)."""
    import errno

    from uvauth.uv.config.discover import UvConfig
    from uvauth.uv.config.render import GeneratedConfig

    monkeypatch.setattr(cache, "_FALLBACK", [])
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    primary = cache.cache_dir(env)
    real_open = os.open

    def read_only(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(path).startswith(str(primary)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", read_only)
    generated = GeneratedConfig(config=UvConfig(files=(), indexes=()), extra_indexes=(
        {"name": "x", "url": "https://h.example/simple", "explicit": True, "authenticate": "always"},),
        authenticate={}, dest_dir=None)
    path = cache.write_generated_config(generated, env)
    assert path is not None and path.parent == tmp_path / "tmp" / f"uvauth-{os.geteuid()}"
    assert 'authenticate = "always"' in path.read_text() and not list(primary.iterdir())
    assert capsys.readouterr().err == (f"uvauth: warning: cannot write {primary}/{path.name}: Read-only file system; "
                                       f"using {path.parent} for this command\n")


def test_an_unset_path_is_the_default_path_not_the_working_directory(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """exec looks a name up in os.defpath when PATH is unset (os.get_exec_path): a `uv` in the working directory
    is never run for it, and neither is one on the PATH of uvauth's own process."""
    _script(tmp_path / "uv", "echo from the working directory")
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _script(elsewhere / "uv", "echo from the process PATH")
    monkeypatch.setenv("PATH", str(elsewhere))
    on_default_path = [os.path.join(d, "uv") for d in os.defpath.split(os.pathsep) if os.access(os.path.join(d, "uv"),
                                                                                                  os.X_OK)]
    beside = os.path.join(os.path.dirname(sys.executable), "uv")  # the uv installed with uvauth
    assert launch.find_uv({"HOME": str(tmp_path)}) == (on_default_path or [beside])[0]


def test_a_uv_found_by_the_uv_packages_own_finder_is_never_memoized(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No uv on PATH and none beside the interpreter: the `uv` package's finder looks in sysconfig's schemes,
    places a memoized plan cannot check, so the plan that used it is marked as one never to reuse."""
    from uvauth import observed

    empty = tmp_path / "empty"
    empty.mkdir()
    found = str(tmp_path / "somewhere" / "uv")
    interpreter = sys.executable
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setitem(sys.modules, "uv", type(sys)("uv"))
    sys.modules["uv"].find_uv_bin = lambda: found  # type: ignore[attr-defined]
    reader = observed.RecordingEnv({"PATH": str(empty)})
    assert launch.find_uv(reader) == found
    assert observed.VOLATILE in reader.files
    beside = observed.RecordingEnv({"PATH": str(empty)})
    monkeypatch.setattr(sys, "executable", interpreter)  # the uv installed with uvauth: stamped, and reused
    assert launch.find_uv(beside) == os.path.join(os.path.dirname(interpreter), "uv")
    assert observed.VOLATILE not in beside.files
