"""The spawn-and-wait launch (uvauth.launch._spawn), the path taken where there is no exec (Windows), run for real
on Linux through ``UVAUTH_LAUNCH=spawn``: every outcome must be the one exec gives — output, files, exit code,
stdin, zero unauthenticated requests, and how Ctrl-C and SIGTERM end a command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import NetrcWriter, default_stopping_signals
from support.indexserver import IndexServerFactory
from support.uvrun import BASE_ENV, TOOLS, compare, write_index_toml

pytestmark = pytest.mark.integration

LAUNCHES = ["exec", "spawn"]


@pytest.fixture
def project(tmp_path: Path, index_server: IndexServerFactory, netrc_file: NetrcWriter) -> tuple[Path, object]:
    server = index_server()
    netrc_file({"127.0.0.1": (server.username, server.password)})
    template = tmp_path / "project"
    template.mkdir()
    write_index_toml(template / "uv.toml", server.index_url)
    (template / "req.in").write_text("tinypkg\n")
    return template, server


@pytest.mark.parametrize("launch", LAUNCHES)
def test_a_compile_is_plain_uvs_and_sends_nothing_without_credentials(project: tuple[Path, object],
                                                                      launch: str) -> None:
    template, server = project
    pair = compare(["pip", "compile", "req.in", "--index-url", server.index_url, "-o", "out.txt"],  # type: ignore[attr-defined]
                   template=template, servers=[server], env={"UVAUTH_LAUNCH": launch}, collect=["out.txt"])
    pair.assert_fixed()
    assert pair.uvauth.files["out.txt"] and b"tinypkg==1.0" in pair.uvauth.files["out.txt"]


@pytest.mark.parametrize("launch", LAUNCHES)
def test_stdin_reaches_uv_untouched(project: tuple[Path, object], launch: str) -> None:
    template, server = project
    pair = compare(["pip", "compile", "-", "--no-header", "--index-url", server.index_url],  # type: ignore[attr-defined]
                   template=template, servers=[server], env={"UVAUTH_LAUNCH": launch}, input="tinypkg\n")
    assert pair.uvauth.returncode == 0 and "tinypkg==1.0" in pair.uvauth.stdout, pair.uvauth
    assert pair.uvauth.unauthenticated == 0


@pytest.mark.parametrize("launch", LAUNCHES)
@pytest.mark.parametrize("args", [["pip", "compile", "missing.in"], ["no-such-command"], ["--version"]],
                         ids=["uv-error", "usage-error", "success"])
def test_the_exit_code_and_output_are_uvs(project: tuple[Path, object], launch: str, args: list[str]) -> None:
    template, _ = project
    pair = compare(args, template=template, env={"UVAUTH_LAUNCH": launch})
    pair.assert_same_result()


def _started(launch: str, cwd: Path) -> subprocess.Popen[str]:
    """``uvauth run python …`` that says when its program runs, in a process group of its own (a terminal's job)."""
    program = "import time; print('ready', flush=True); time.sleep(60)"
    env = {**os.environ, **BASE_ENV, "UVAUTH_LAUNCH": launch}
    process = subprocess.Popen([str(TOOLS["uvauth"]), "run", "--no-project", "python", "-c", program], cwd=cwd,
                               env=env, stdout=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=default_stopping_signals)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def _uv_pid(process: subprocess.Popen[str], launch: str) -> int:
    """uv's own process: uvauth itself under exec, its one child under spawn."""
    if launch == "exec":
        return process.pid
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=True)
    (pid,) = children.stdout.split()
    return int(pid)


def _wait_until_it_handles(pid: int, *numbers: int) -> None:
    """Until the process has handlers for these signals (its SigCgt mask in /proc). uv installs its own only after
    it has spawned the program (``crates/uv/src/child.rs``, ``run_to_completion``): a signal in between kills uv
    outright and orphans the program, with plain uv as with uvauth. Under load that window was hit (the test
    then saw the program outlive the job), so the signal is sent only once uv can handle it."""
    import time

    wanted = sum(1 << (number - 1) for number in numbers)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as status:
            caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
        if caught & wanted == wanted:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never handled signals {numbers}")


@pytest.mark.parametrize("how", ["ctrl-c-to-the-job", "sigterm-to-uvauth", "uv-killed"])
def test_a_signal_ends_the_command_as_it_ends_plain_uv(tmp_path: Path, how: str) -> None:
    """Ctrl-C reaches every process of the job: uv passes it to its program and waits, and so does uvauth's
    spawn path; SIGTERM to uvauth reaches uv (exec: uvauth is uv; spawn: passed on); a uv killed outright kills
    uvauth with the same signal, so the shell sees the same death. Both launches end each the same way."""
    outcomes = {}
    for launch in LAUNCHES:
        process = _started(launch, tmp_path)
        _wait_until_it_handles(_uv_pid(process, launch), signal.SIGINT, signal.SIGTERM)
        if how == "ctrl-c-to-the-job":
            os.killpg(process.pid, signal.SIGINT)
        elif how == "sigterm-to-uvauth":
            os.kill(process.pid, signal.SIGTERM)
        else:
            os.kill(_uv_pid(process, launch), signal.SIGKILL)
        outcomes[launch] = process.wait(timeout=60)
        if how != "uv-killed":  # SIGKILL leaves uv no chance to end its program: as with plain uv
            assert subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, check=False).stdout == b"", \
                "a process of the job outlived it"
        else:
            os.killpg(process.pid, signal.SIGKILL)
    assert outcomes["spawn"] == outcomes["exec"], outcomes
    assert outcomes["exec"] != 0


def test_the_spawn_path_is_the_one_taken_where_there_is_no_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform chooses: os.name other than posix always spawns (Windows), whatever UVAUTH_LAUNCH says."""
    from uvauth import launch

    taken: list[str] = []
    monkeypatch.setattr(launch, "_spawn", lambda uv, argv, env: taken.append("spawn") or 7)
    monkeypatch.setattr(launch.os, "execve", lambda *a: taken.append("exec"))
    monkeypatch.setattr(launch.os, "name", "nt")
    assert launch._exec(sys.executable, ["--version"], {"PATH": os.environ["PATH"]}) == 7
    assert taken == ["spawn"]


def test_a_uv_that_cannot_start_is_uvauths_one_line_error(tmp_path: Path) -> None:
    from uvauth import launch
    from uvauth.errors import UvauthError

    not_executable = tmp_path / "uv"
    not_executable.write_text("#!/bin/sh\n")
    with pytest.raises(UvauthError, match=f"cannot run uv at {not_executable}: Permission denied"):
        launch._spawn(str(not_executable), ["--version"], dict(os.environ))


@pytest.mark.parametrize(("status", "expected"), [
    (0, 0), (2, 2), (0x7FFFFFFF, 0x7FFFFFFF),
    (0xC000013A, -1073741510),  # STATUS_CONTROL_C_EXIT: uv ended by Ctrl-C on Windows
    (0xFFFFFFFF, -1),
])
def test_a_windows_exit_status_keeps_its_32_bits(status: int, expected: int) -> None:
    from uvauth.launch import windows_exit_status

    assert windows_exit_status(status) == expected
    assert windows_exit_status(status) & 0xFFFFFFFF == status  # the bits ExitProcess is handed


def test_ctrl_break_is_noted_as_ctrl_c_is(tmp_path: Path) -> None:
    """Windows' Ctrl-Break (SIGBREAK) reaches uvauth as Ctrl-C does; it must keep waiting for uv. SIGBREAK does not
    exist here, so SIGUSR1 (which would kill a Python process that does not handle it) stands in for it."""
    script = (
        "import os, signal, sys\n"
        "signal.SIGBREAK = signal.SIGUSR1\n"
        "from uvauth import launch\n"
        "child = ('import os, signal, time; os.kill(os.getppid(), signal.SIGUSR1); time.sleep(0.3); '\n"
        "         'print(\"uv done\")')\n"
        "code = launch._spawn(sys.executable, ['-c', child], dict(os.environ))\n"
        "print('uvauth waited', code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "uv done\nuvauth waited 0\n"), done.stderr


def test_a_sigterm_that_comes_while_uv_starts_still_reaches_it() -> None:
    """A SIGTERM to uvauth after its handler is set but before uv's process is known (inside Popen) must not be
    lost: uv gets it once it runs, and uvauth ends as uv ends (killed by SIGTERM), not 30 s later."""
    script = (
        "import os, signal, subprocess, sys\n"
        "from uvauth import launch\n"
        "real = subprocess.Popen\n"
        "def popen(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)  # handled at once, before the child exists\n"
        "    return real(*args, **kwargs)\n"
        "subprocess.Popen = popen\n"
        "launch._spawn(sys.executable, ['-c', 'import time; time.sleep(30)'], dict(os.environ))\n"
        "print('uvauth outlived the SIGTERM')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False)
    assert (done.returncode, done.stdout) == (-signal.SIGTERM, ""), done.stderr
