"""Hostile input at uvauth's entry points: uv's own outcome, or one ``uvauth: error:`` line and exit 2 — never a
traceback, never a quieter policy than the user asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE, default_stopping_signals

UVAUTH = str(Path(sys.executable).with_name("uvauth"))
REAL_UV = str(Path(sys.executable).with_name("uv"))


def uvauth(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([UVAUTH, *args], capture_output=True, text=True, cwd=cwd, timeout=60,
                          env={**os.environ, "UVAUTH_UV": REAL_UV, **env})


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    # One error line, then at most one `hint:` line (uv's layout).
    assert lines[0].startswith("uvauth: error: ") and len(lines) <= 2, done.stderr
    assert len(lines) == 1 or lines[1].startswith("hint: "), done.stderr
    return lines[0]


# --------------------------------------------------------------------------------------------------------------
# --authenticate is checked on every command, in every spelling


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--authenticate", "pip", "compile", "x.in"], "invalid value 'pip'", id="swallows-the-subcommand"),
        pytest.param(["pip", "compile", "x.in", "--authenticate"], "a value is required", id="trailing-no-value"),
        pytest.param(["--authenticate", "sometimes", "--version"], "invalid value 'sometimes'", id="pass-through"),
        pytest.param(["--authenticate=", "--version"], "invalid value ''", id="empty-attached"),
        pytest.param(["--authenticate=Always", "run", "true"], "invalid value 'Always'", id="case-matters"),
    ],
)
def test_a_bad_authenticate_option_is_one_error_line(args: list[str], message: str, tmp_path: Path) -> None:
    assert message in one_error_line(uvauth(args, tmp_path))


def test_a_bad_uvauth_authenticate_variable_is_an_error_on_every_command(tmp_path: Path) -> None:
    line = one_error_line(uvauth(["--version"], tmp_path, UVAUTH_AUTHENTICATE="Always"))
    assert "UVAUTH_AUTHENTICATE" in line and "'Always'" in line


def test_a_good_authenticate_option_passes_through_to_uv(tmp_path: Path) -> None:
    plain = subprocess.run([REAL_UV, "--version"], capture_output=True, text=True)
    done = uvauth(["--authenticate=always", "--version"], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, plain.stdout, plain.stderr)


# --------------------------------------------------------------------------------------------------------------
# Files uvauth reads that uv (or uvauth) cannot


def test_a_non_utf8_settings_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "uvauth.toml").write_bytes(b'authenticate = "\xff"\n')
    (tmp_path / "r.in").write_text("six\n")
    line = one_error_line(uvauth(["pip", "compile", "--offline", "r.in"], tmp_path))
    assert "uvauth.toml" in line and "UTF-8" in line


@pytest.mark.parametrize("name", ["uv.toml", "uvauth.toml"])
def test_toml_nested_too_deeply_is_one_error_line(name: str, tmp_path: Path) -> None:
    """uv refuses a 5,000-deep uv.toml with its parse error and exit 2; tomllib would raise RecursionError."""
    (tmp_path / name).write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "r.in").write_text("six\n")
    if name == "uv.toml":
        plain = subprocess.run([REAL_UV, "pip", "compile", "--offline", "r.in"], capture_output=True, text=True,
                               cwd=tmp_path)
        assert plain.returncode == 2
    line = one_error_line(uvauth(["--authenticate", "always", "pip", "compile", "--offline", "r.in"], tmp_path))
    assert name in line and "nested too deeply" in line


def _chain(root: Path, depth: int) -> None:
    for i in range(depth):
        (root / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (root / f"r{depth}.txt").write_text("six\n")


def test_a_deep_requirements_chain_that_uv_follows_is_followed(tmp_path: Path) -> None:
    """Issue 16 item 4: 300 files each including the next. uv follows them; uvauth stopped at about 200 levels
    (Python's recursion limit) with "uv cannot follow it either" before the fix."""
    _chain(tmp_path, 300)
    args = ["pip", "compile", "--offline", "r0.txt"]
    # os.environ, not the process's C environment: readline (imported by pytest) sets COLUMNS there, and uv
    # wraps its messages to it.
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ))
    assert plain.returncode == 1 and "six" in plain.stderr  # offline: resolved up to the empty cache
    through = uvauth(["--authenticate", "always", *args], tmp_path)
    assert (through.returncode, through.stdout, through.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_a_requirements_chain_too_deep_to_follow_is_one_error_line(tmp_path: Path) -> None:
    """3,000 files each including the next: uv itself overflows its stack (from about 1,500); uvauth says so in
    one line."""
    _chain(tmp_path, 3000)
    line = one_error_line(uvauth(["--authenticate", "always", "pip", "compile", "--offline", "r0.txt"], tmp_path))
    assert "too deeply" in line


# --------------------------------------------------------------------------------------------------------------
# Invalid uv configuration: uv's own refusal, never a quieter policy


@pytest.mark.parametrize("value", ['"Always"', '"sometimes"', "true"])
def test_an_invalid_authenticate_in_uv_toml_is_uvs_error_with_file_and_line(value: str, tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\n'
                                      f"authenticate = {value}\n")
    (tmp_path / "r.in").write_text("six\n")
    plain = subprocess.run([REAL_UV, "pip", "compile", "--offline", "r.in"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert plain.returncode == 2  # uv refuses the file
    args = ["pip", "compile", "--offline", "r.in", "--index-url", "http://127.0.0.1:9/simple"]
    through = uvauth(args, tmp_path)
    # uv says it itself, naming the file and line: uvauth leaves the command to uv, never reading it as `auto`.
    uv_says = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=tmp_path)
    assert (through.returncode, through.stderr) == (2, uv_says.stderr) and "uv.toml" in uv_says.stderr
    line = one_error_line(uvauth(["uvauth", "explain", *args], tmp_path))
    assert f"{tmp_path / 'uv.toml'}:4: " in line and "expected one of `auto`, `always`, `never`" in line
    assert "TOML parse error at line 4," in uv_says.stderr  # the value's own line, as uv names it


def test_an_invalid_authenticate_in_pyproject_skips_tool_uv_with_a_warning_as_uv_does(tmp_path: Path) -> None:
    from uvauth.uv.config.discover import discover

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n[[tool.uv.index]]\n'
                                             'name = "art"\nurl = "http://127.0.0.1:9/simple"\n'
                                             'authenticate = "Always"\n')
    config = discover(cwd=tmp_path, project=tmp_path, config_file=None, no_config=False, tool_command=False,
                      env={"HOME": str(tmp_path)})
    assert config.indexes == ()
    assert any("Failed to parse" in w and "unknown variant `Always`" in w for w in config.warnings)


# --------------------------------------------------------------------------------------------------------------
# Local indexes under any policy: nothing to authenticate, uv's own outcome


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(["pip", "compile", "--offline", "--find-links", "./wheels", "--no-index", "r.in"],
                     {"UVAUTH_AUTHENTICATE": "always"}, id="find-links-dir-always"),
        pytest.param(["--authenticate", "never", "pip", "compile", "--offline", "--find-links", "./wheels",
                      "--no-index", "r.in"], {}, id="find-links-dir-never"),
        pytest.param(["--authenticate", "always", "pip", "compile", "--offline", "-i", "./local", "r.in"], {},
                     id="index-dir-always"),
        pytest.param(["lock", "--offline"], {"UVAUTH_AUTHENTICATE": "always"}, id="configured-path-index-lock"),
    ],
)
def test_a_local_index_under_any_policy_behaves_as_with_plain_uv(args: list[str], env: dict[str, str],
                                                                  tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "local").mkdir()
    (tmp_path / "r.in").write_text("six\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\ndependencies = []\n'
                                             '[[tool.uv.index]]\nname = "loc"\nurl = "./local"\n')
    uv_args = [a for a in args if a not in ("--authenticate", "always", "never")]
    plain = subprocess.run([REAL_UV, *uv_args], capture_output=True, text=True, cwd=tmp_path,
                           env={**os.environ, "UV_CACHE_DIR": str(tmp_path / "c1")})
    (tmp_path / "uv.lock").unlink(missing_ok=True)
    through = uvauth(args, tmp_path, UV_CACHE_DIR=str(tmp_path / "c2"), **env)
    assert "Traceback" not in through.stderr and "uvauth: error" not in through.stderr, through.stderr
    assert (through.returncode, through.stdout) == (plain.returncode, plain.stdout)


# --------------------------------------------------------------------------------------------------------------
# Signals while uvauth waits for a keyring child


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signal_during_a_keyring_lookup_ends_the_child_too(signal_name: str, tmp_path: Path) -> None:
    import signal
    import time

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "keyring.pid"
    keyring = bin_dir / "keyring"
    keyring.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 30\n')
    keyring.chmod(0o755)
    (tmp_path / "r.in").write_text("six\n")
    process = subprocess.Popen(
        [UVAUTH, "--authenticate", "always", "pip", "compile", "--offline", "--keyring-provider", "subprocess",
         "--index-url", "http://127.0.0.1:9/simple", "r.in"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_stopping_signals,
        env={**os.environ, "UVAUTH_UV": REAL_UV, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.05)
    child = int(pid_file.read_text())
    process.send_signal(getattr(signal, signal_name))
    _, stderr = process.communicate(timeout=20)
    assert "Traceback" not in stderr, stderr
    expected = -signal.SIGTERM if signal_name == "SIGTERM" else 130
    assert process.returncode == expected, (process.returncode, stderr)
    deadline = time.monotonic() + 5
    while _running(child):  # the keyring child is ended, not orphaned (a zombie awaiting its reaper is ended)
        assert time.monotonic() < deadline, f"keyring child {child} still runs"
        time.sleep(0.05)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_signal_during_a_password_command_ends_its_whole_process_group(signal_name: str, tmp_path: Path) -> None:
    """Issue 16: `sh -c '…'` and what it started end with uvauth, whichever signal ends uvauth."""
    import signal
    import time

    pid_file = tmp_path / "grandchild.pid"
    settings = tmp_path / "config" / "uvauth"
    settings.mkdir(parents=True)
    script = f'sleep 300 & echo $! > {pid_file}; wait'
    (settings / "uvauth.toml").write_text(
        f'[[credentials]]\nindex = "art"\nurl = "http://127.0.0.1:9/"\npassword-command = ["sh", "-c", "{script}"]\n')
    (tmp_path / "uv.toml").write_text('[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\n')
    (tmp_path / "r.in").write_text("six\n")
    process = subprocess.Popen(
        [UVAUTH, "pip", "compile", "--index-url", "http://127.0.0.1:9/simple", "r.in"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_stopping_signals,
        env={**os.environ, "UVAUTH_UV": REAL_UV, "XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    process.send_signal(getattr(signal, signal_name))
    _, stderr = process.communicate(timeout=20)
    assert "Traceback" not in stderr, stderr
    expected = -signal.SIGTERM if signal_name == "SIGTERM" else 130
    assert process.returncode == expected, (process.returncode, stderr)
    deadline = time.monotonic() + 5
    while _running(grandchild):
        assert time.monotonic() < deadline, f"the password command's child {grandchild} still runs"
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


# --------------------------------------------------------------------------------------------------------------
# Property: whatever the command line, environment, uv.toml and requirements file, uvauth raises nothing but its
# own error (one line, exit 2), prints no traceback and never shows a password.


SECRET = "pw-S3CR3T"
_URLS = st.sampled_from([
    "http://127.0.0.1:9/simple", f"https://bob:{SECRET}@h.example/simple", f"http://a:{SECRET}@b@h/simple",
    "http://h:abc/simple", "http://[::1/simple", "http:///simple", "./local", "file:///tmp/x", "HTTPS://h/x",
    "http://h/a/%2e%2e/simple", "", "art", "name=http://h/simple", "http://:80/x", "\udcff", "s3://b/k",
])
_TOKENS = st.one_of(_URLS, st.sampled_from([
    "pip", "compile", "install", "sync", "lock", "run", "tool", "export", "--index-url", "-i", "--extra-index-url",
    "--index", "--default-index", "--find-links", "-f", "--no-index", "--authenticate", "always", "never", "auto",
    "r.in", "--", "-q", "-v", "--offline", "--emit-index-url", "--config-file", "uv.toml", "--no-config",
    "--directory", ".", "--project", "-c", "--keyring-provider", "disabled", "--new-unknown-option",
]))
_TOML = st.one_of(
    st.builds(lambda url, auth: f'[[index]]\nname = "art"\nurl = "{url}"\nauthenticate = "{auth}"\n',
              _URLS, st.sampled_from(["always", "auto", "never", "Always", ""])),
    st.builds(lambda url: f'index-url = "{url}"\n[pip]\nextra-index-url = ["{url}"]\n', _URLS),
    st.sampled_from(["", "[[index]\n", "index = 3\n", "a = " + "[" * 3000 + "]" * 3000 + "\n", "\ufeffx = 1\n"]),
)
_REQUIREMENTS = st.lists(st.one_of(
    st.builds(lambda flag, url: f"{flag} {url}", st.sampled_from(["-i", "--index-url", "--extra-index-url", "-f",
                                                                   "--find-links", "-r", "-c"]), _URLS),
    st.sampled_from(["six", "--no-index", "-r r.in", "six --hash=sha256:ab -f ./w", "\\", "${HOME}"]),
), max_size=5).map(lambda lines: "\n".join(lines) + "\n")
_ENV = st.dictionaries(
    st.sampled_from(["UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS",
                     "UVAUTH_AUTHENTICATE", "UVAUTH_AUTHENTICATE_PREFIXES", "UV_NO_CONFIG", "UV_KEYRING_PROVIDER"]),
    st.one_of(_URLS, st.sampled_from(["always", "1", "subprocess"])), max_size=3,
)



@settings(max_examples=250, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(_TOKENS, max_size=8), env=_ENV, toml=_TOML, requirements=_REQUIREMENTS)
# Found randomized: at -vv the traceback's last line repeated the bad value, password and all.
@example(argv=["-v", "--authenticate", f"https://bob:{SECRET}@h.example/simple", "-v"], env={}, toml="",
         requirements="\n")
def test_no_input_makes_uvauth_raise_anything_but_its_own_error(
    argv: list[str], env: dict[str, str], toml: str, requirements: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from uvauth import cli, launch

    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "uv.toml").write_text(toml, errors="surrogateescape")
    (work / "r.in").write_text(requirements, errors="surrogateescape")
    monkeypatch.chdir(work)
    handed: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(launch, "exec_uv", lambda uv, args, child_env: handed.append((list(args), dict(child_env)))
                        or 0)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "UVAUTH_"))}
    code = cli.run(argv, {**base, "UVAUTH_UV": REAL_UV, **env})
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err)
    from uvauth.uv.cmdline import parse

    if parse(argv).count("--verbose") >= 2:
        # -vv asks for the traceback of an error (for bug reports); the error line still ends it.
        tail = [line for line in err.splitlines() if not line.startswith("hint: ")]
        assert code == 0 or tail[-1].startswith("uvauth: error: "), err
    else:
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("uvauth: error: ") and err.count("uvauth: error: ") == 1, err
    assert SECRET not in out and SECRET not in err
    for args, _child_env in handed:
        # A password typed on the command line stays where the user put it; none may be added to argv.
        assert sum(SECRET in a for a in args) <= sum(SECRET in a for a in argv), args


# --------------------------------------------------------------------------------------------------------------
# Where uvauth used to be stricter or looser than uv


def _same_as_uv(args: list[str], tmp_path: Path, **env: str) -> None:
    uv_args = [a for a in args if a not in ("--authenticate", "always", "never")]
    plain = subprocess.run([REAL_UV, *uv_args], capture_output=True, text=True, cwd=tmp_path,
                           env={**os.environ, **env})
    through = uvauth(args, tmp_path, **env)
    assert (through.returncode, through.stdout) == (plain.returncode, plain.stdout), through.stderr
    assert "uvauth:" not in through.stderr, through.stderr


def test_a_byte_order_mark_in_uv_toml_is_read_as_uv_reads_it(tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_bytes(b'\xef\xbb\xbf[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\n'
                                       b'authenticate = "never"\n')
    (tmp_path / "r.in").write_text("six\n")
    _same_as_uv(["pip", "compile", "--offline", "--index-url", "http://127.0.0.1:9/simple", "r.in"], tmp_path)


def test_a_repeated_single_valued_option_is_left_for_uv_to_refuse(tmp_path: Path) -> None:
    (tmp_path / "r.in").write_text("six\n")
    _same_as_uv(["--authenticate", "never", "pip", "compile", "--offline", "-i", "http://127.0.0.1:9/a",
                 "-i", "http://127.0.0.1:9/b", "r.in"], tmp_path)


@pytest.mark.parametrize("how", [["--offline"], []], ids=["flag", "variable"])
def test_offline_needs_no_credentials_as_uv_sends_nothing(how: list[str], tmp_path: Path) -> None:
    (tmp_path / "r.in").write_text("six\n")
    env = {} if how else {"UV_OFFLINE": "1"}
    _same_as_uv(["--authenticate", "always", "pip", "compile", *how, "--index-url", "http://127.0.0.1:9/simple",
                 "r.in"], tmp_path, **env)


def test_online_an_always_index_without_credentials_still_stops_before_any_request(tmp_path: Path) -> None:
    (tmp_path / "r.in").write_text("six\n")
    line = one_error_line(uvauth(["--authenticate", "always", "pip", "compile", "--index-url",
                                  "http://127.0.0.1:9/simple", "r.in"], tmp_path))
    assert "no credentials" in line


# --------------------------------------------------------------------------------------------------------------
# Property, with uv as the oracle: for garbage in uv's own inputs (argv, uv.toml, requirements), with a valid
# uvauth policy, uvauth exits with the code plain uv exits with — above all where uv rejects the input.

_ORACLE_TOKENS = st.one_of(_URLS, st.sampled_from([
    "--index-url", "-i", "--extra-index-url", "--index", "--default-index", "--find-links", "-f", "--no-index",
    "r.in", "--", "-q", "--emit-index-url", "--config-file", "uv.toml", "--no-config", "-c", "--keyring-provider",
    "disabled", "--new-unknown-option", "--index-strategy", "bogus", "--no-binary", "--no-header", "-o", "out.txt",
]))
_ORACLE_TOML = st.one_of(
    _TOML,
    st.builds(lambda url, key: f'{key} = "{url}"\n', _URLS, st.sampled_from(["index-url", "index-strategy"])),
    st.sampled_from(['index-strategy = "bogus"\n', "index-strategy = 3\n", '[pip]\nemit-index-url = "yes"\n',
                     '[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\nexplicit = 3\n',
                     '[[index]]\nurl = "http://127.0.0.1:9/simple"\nexplicit = true\n', "managed = true\n"]),
)


# Few examples (each runs uv twice, ~10 ms each): ORACLE_EXAMPLES=400 explores more by hand.
@settings(max_examples=int(os.environ.get("ORACLE_EXAMPLES", "25")), deadline=None,
          derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(_ORACLE_TOKENS, max_size=6), toml=_ORACLE_TOML, requirements=_REQUIREMENTS,
       policy=st.sampled_from(["always", "never", "auto"]))
def test_uvauth_exits_with_uvs_own_code_for_garbage_in_uvs_inputs(
    argv: list[str], toml: str, requirements: str, policy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from uvauth import cli, launch

    work = tmp_path / "oracle"
    work.mkdir(exist_ok=True)
    (work / "uv.toml").write_text(toml, errors="surrogateescape")
    (work / "r.in").write_text(requirements, errors="surrogateescape")
    (work / "out.txt").unlink(missing_ok=True)
    monkeypatch.chdir(work)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "UVAUTH_"))}
    # Offline and without a cache: uv sends nothing and reads nothing from an earlier run.
    uv_env = {**base, "UV_OFFLINE": "1", "UV_NO_CACHE": "1", "UV_PYTHON": sys.executable,
              "UV_NO_PYTHON_DOWNLOADS": "1"}
    args = ["pip", "compile", *argv, "r.in"]
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=work, env=uv_env, timeout=60,
                           errors="surrogateescape")
    (work / "out.txt").unlink(missing_ok=True)

    def run_uv(uv: str, uv_args: list[str], child_env: dict[str, str]) -> int:
        return subprocess.run([uv, *uv_args], capture_output=True, cwd=work, env=child_env, timeout=60).returncode

    monkeypatch.setattr(launch, "exec_uv", run_uv)
    code = cli.run(args, {**uv_env, "UVAUTH_UV": REAL_UV, "UVAUTH_AUTHENTICATE": policy})
    _, err = capsys.readouterr()
    assert code == plain.returncode, (code, plain.returncode, err, plain.stderr)


def test_a_malformed_url_as_a_requirements_input_is_left_for_uv_to_reject(tmp_path: Path) -> None:
    """Found by the oracle property: urllib's ValueError escaped as a traceback; uv rejects the argument."""
    plain = subprocess.run([REAL_UV, "pip", "compile", "--offline", "http://[::1/simple"], capture_output=True,
                           text=True, cwd=tmp_path)
    through = uvauth(["--authenticate", "always", "pip", "compile", "--offline", "http://[::1/simple"], tmp_path)
    assert (through.returncode, through.stderr) == (plain.returncode, plain.stderr) and plain.returncode == 2


def test_an_error_about_non_utf8_input_is_printed_even_to_a_strict_stream() -> None:
    """Found by the oracle property: a path with a surrogate in the message made print() raise."""
    import io

    from uvauth.boundary import report_error
    from uvauth.errors import UvauthError

    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    assert report_error(UvauthError("cannot read /tmp/\udcff"), file=stream) == 2
    stream.flush()
    assert stream.buffer.getvalue() == b"uvauth: error: cannot read /tmp/\\udcff\n"  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------------------
# Malformed URLs in uv's own inputs: uv's own error, in uv's words, with uv's exit code


MALFORMED = {
    "bad-port": "http://h:99999/simple",
    "non-numeric-port": "http://h:abc/simple",
    "empty-host": "http://:80/simple",
    "unclosed-bracket": "http://[::1/simple",
    "extra-slashes": "http:///simple",  # uv reads it as host `simple` (WHATWG): no error, uv's outcome either way
}


def _malformed_setup(where: str, url: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    (tmp_path / "x.in").write_text("six\n")
    if where == "argv":
        return ["--index-url", url, "x.in"], {}
    if where == "env":
        return ["x.in"], {"UV_INDEX_URL": url}
    if where == "uv.toml":
        (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{url}"\ndefault = true\n')
        return ["x.in"], {}
    (tmp_path / "r.txt").write_text(f"-i {url}\nsix\n")
    return ["r.txt"], {}


@pytest.mark.parametrize("where", ["argv", "env", "uv.toml", "requirements"])
@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_url_among_uvs_inputs_gets_uvs_own_error(kind: str, where: str, tmp_path: Path) -> None:
    """uv rejects these itself (clap, its uv.toml parser, its requirements parser): uvauth leaves them to uv, so
    the user sees uv's own message and exit code, not uvauth's paraphrase."""
    args, env = _malformed_setup(where, MALFORMED[kind], tmp_path)
    plain = subprocess.run([REAL_UV, "pip", "compile", "--offline", *args], capture_output=True, text=True,
                           cwd=tmp_path, env={**os.environ, **env})
    through = uvauth(["--authenticate", "always", "pip", "compile", "--offline", *args], tmp_path, **env)
    assert (through.returncode, through.stdout, through.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert plain.returncode == (1 if kind == "extra-slashes" else 2), plain.stderr


def test_a_malformed_authenticate_prefix_is_uvauths_own_error(tmp_path: Path) -> None:
    """uvauth's own setting: uv never sees it, so uvauth reports it, naming the setting."""
    (tmp_path / "x.in").write_text("six\n")
    line = one_error_line(uvauth(["pip", "compile", "--offline", "--index-url", "http://127.0.0.1:9/simple",
                                  "x.in"], tmp_path, UVAUTH_AUTHENTICATE_PREFIXES="http://h:abc/x"))
    assert "authenticate-prefixes" in line and "invalid port number" in line


def test_a_working_directory_that_is_gone(tmp_path: Path, uv_bin: Path) -> None:
    """A shell left in a removed directory: uv says so itself ("Current directory does not exist"); uvauth
    never fails first. A command without index options behaves as uv's; one with them runs uv unchanged, with
    one line saying that uvauth could not read the configuration."""
    gone = tmp_path / "gone"
    gone.mkdir()
    uvauth = Path(sys.executable).parent / "uvauth"
    env = {**os.environ, "UVAUTH_UV": str(uv_bin)}
    probe = ("import os, subprocess, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
             "done = subprocess.run(sys.argv[2:], capture_output=True, text=True); "
             "print(done.returncode); print(done.stdout, end=''); print(done.stderr, end='', file=sys.stderr)")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        gone.mkdir(exist_ok=True)
        return subprocess.run([sys.executable, "-c", probe, str(gone), *args], capture_output=True, text=True,
                              env=env, check=False)

    version, plain_version = run(str(uvauth), "--version"), run(str(uv_bin), "--version")
    assert (version.stdout, version.stderr) == (plain_version.stdout, plain_version.stderr)
    compiled, plain = run(str(uvauth), "pip", "compile", "x.in"), run(str(uv_bin), "pip", "compile", "x.in")
    assert compiled.stdout == plain.stdout  # the exit code, printed first
    assert "Traceback" not in compiled.stderr
    lines = compiled.stderr.splitlines()
    assert lines[0].startswith("uvauth: warning: the current directory does not exist") and lines[1:] == (
        plain.stderr.splitlines())


# --------------------------------------------------------------------------------------------------------------
# Settings of uv's that uvauth reads, with the wrong type: uv refuses a uv.toml (exit 2) and skips a [tool.uv]
# with a warning; uvauth does the same, with one error line, and never a traceback (issue 16 item 6).

_WRONG_TYPES = [
    "index = 3\n", 'index = ""\n', "index = [3]\n", "index = [{name = 3}]\n", '[[index]]\nname = "art"\n',
    '[[index]]\nname = "art"\nurl = 3\n', '[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\nformat = 1\n',
    '[[index]]\nname = "art"\nurl = "http://127.0.0.1:9/simple"\nexplicit = "yes"\n',
    "index-url = 3\n", 'extra-index-url = "http://127.0.0.1:9/simple"\n', "find-links = [1]\n",
    "pip = 3\n", "[pip]\nextra-index-url = [3]\n", '[pip]\nno-index = "x"\n', "keyring-provider = 3\n",
    '[pip]\nemit-index-url = "yes"\n',
]


@pytest.mark.parametrize("toml", _WRONG_TYPES)
def test_a_wrongly_typed_uv_toml_is_refused_by_uv_in_its_own_words(toml: str, tmp_path: Path) -> None:
    (tmp_path / "uv.toml").write_text(toml)
    (tmp_path / "r.in").write_text("six\n")
    args = ["pip", "compile", "--offline", "--index-url", "http://127.0.0.1:9/simple", "r.in"]
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=tmp_path)
    assert plain.returncode == 2 and "Failed to parse" in plain.stderr, plain.stderr
    for env in ({"UVAUTH_AUTHENTICATE": "always"}, {"UVAUTH_CREDENTIALS_ART_PASSWORD_ENV": "PW", "PW": SECRET}):
        through = uvauth(args, tmp_path, **env)
        assert (through.returncode, through.stdout, through.stderr) == (2, plain.stdout, plain.stderr)
    assert "uv.toml:" in one_error_line(uvauth(["uvauth", "explain", *args], tmp_path))


@pytest.mark.parametrize("toml", _WRONG_TYPES)
def test_a_wrongly_typed_tool_uv_table_is_skipped_as_uv_skips_it(toml: str, tmp_path: Path) -> None:
    tool = "\n".join(f"[tool.uv.{line[1:]}" if line.startswith("[") and not line.startswith("[[")
                     else f"[[tool.uv.{line[2:]}" if line.startswith("[[") else line for line in toml.splitlines())
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\nversion = "0"\n[tool.uv]\n{tool}\n')
    (tmp_path / "r.in").write_text("six\n")
    args = ["pip", "compile", "--offline", "--no-header", "--index-url", "http://127.0.0.1:9/simple", "r.in"]
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=tmp_path)
    assert "Failed to parse `pyproject.toml` during settings discovery" in plain.stderr, plain.stderr
    through = uvauth(["--authenticate", "never", *args], tmp_path)
    assert (through.returncode, through.stdout) == (plain.returncode, plain.stdout), through.stderr
    assert "Traceback" not in through.stderr and "Failed to parse" in through.stderr, through.stderr


@pytest.mark.parametrize("via", ["argv", "environment"])
def test_a_url_that_is_not_utf8_is_refused_by_uv_itself(via: str, tmp_path: Path) -> None:
    """Issue 16 item 6: the generated uv.toml could not be written (UnicodeEncodeError); uv refuses the input."""
    (tmp_path / "r.in").write_text("six\n")
    url = os.fsdecode(b"http://127.0.0.1:9/\xff/simple")
    args = ["pip", "compile", "--offline", *(["-i", url] if via == "argv" else []), "r.in"]
    env = {"UV_INDEX_URL": url} if via == "environment" else {}
    plain = subprocess.run([REAL_UV, *args], capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **env})
    assert plain.returncode == 2 and "invalid UTF-8" in plain.stderr
    for policy in ("always", "never"):
        through = uvauth(["--authenticate", policy, *args], tmp_path, **env)
        assert (through.returncode, through.stdout, through.stderr) == (2, plain.stdout, plain.stderr)
    line = one_error_line(uvauth(["uvauth", "explain", *args], tmp_path, UVAUTH_AUTHENTICATE="always", **env))
    assert "invalid UTF-8" in line
