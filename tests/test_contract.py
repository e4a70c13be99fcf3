"""The contract handed to uv: the exact argv and environment uvauth execs, through the real entry point with
the one exec seam (``uvauth.launch.exec_uv``) replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import Exec, store_plans_later

from uvauth import cli, launch
from uvauth.uv.config import render as uvrender

U = "http://127.0.0.1:9/artifactory/api/pypi/pypi/simple"
PASSWORD = "contract-pa55word"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "uv.toml").write_text(f'[[index]]\nname = "art"\nurl = "{U}"\nauthenticate = "always"\ndefault = true\n')
    (tmp_path / "req.in").write_text("tinypkg\n")
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login user password {PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--version"], id="version"),
        pytest.param(["help", "pip"], id="help"),
        pytest.param(["run", "--no-project", "python", "-c", "pass", "--index-url", U], id="run-tail"),
        pytest.param(["pip", "compile", "req.in"], id="no-index-mention"),
        pytest.param(["frobnicate", "--weird"], id="unknown-command"),
    ],
)
def test_pass_through_is_exact(exec_uv: Exec, project: Path, argv: list[str]) -> None:
    assert cli.main(argv) == 0
    assert exec_uv.argv == argv
    assert exec_uv.added == {}


def test_pass_through_exit_code_is_uvs(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    monkeypatch.setattr(launch, "exec_uv", lambda uv, argv, env: 7)
    assert cli.main(["run", "python", "-c", "raise SystemExit(7)"]) == 7


def test_reconciled_compile(exec_uv: Exec, project: Path) -> None:
    assert cli.main(["pip", "compile", "--index-url", U, "req.in"]) == 0
    assert exec_uv.argv == ["pip", "compile", "--default-index", "art", "req.in"]
    assert exec_uv.added == {"UV_CUSTOM_COMPILE_COMMAND": "uv pip compile req.in", "UV_PREVIEW_FEATURES": "index-by-name"}


def test_uvauth_option_is_never_passed_to_uv(exec_uv: Exec, project: Path) -> None:
    cli.main(["--authenticate", "always", "pip", "compile", "req.in"])
    assert "--authenticate" not in exec_uv.argv and "always" not in exec_uv.argv


def test_seeded_credentials_travel_only_in_the_environment(exec_uv: Exec, project: Path) -> None:
    cli.main(["pip", "compile", "--emit-index-url", "--extra-index-url", U + "/", "req.in"])
    assert exec_uv.added == {"UV_INDEX_ART_USERNAME": "user", "UV_INDEX_ART_PASSWORD": PASSWORD}
    assert all(PASSWORD not in arg for arg in exec_uv.argv)


def test_generated_config_is_private_and_passed_in_the_environment(exec_uv: Exec, project: Path) -> None:
    cli.main(["--authenticate", "always", "pip", "install", "--extra-index-url", "http://127.0.0.1:9/other/simple", "x"])
    assert "--config-file" not in exec_uv.argv  # UV_CONFIG_FILE keeps argv (and any header uv writes) unchanged
    generated = Path(exec_uv.added["UV_CONFIG_FILE"])
    assert generated.parent == Path(os.environ["XDG_CACHE_HOME"]) / "uvauth"
    assert generated.stat().st_mode & 0o777 == 0o600
    assert generated.parent.stat().st_mode & 0o777 == 0o700
    assert "uvauth-" in generated.read_text() and PASSWORD not in generated.read_text()


def test_generated_config_is_rendered_once(exec_uv: Exec, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is named by what it is rendered from, so a run with the same configuration reuses it as is,
    without importing tomlkit to render it again."""
    argv = ["--authenticate", "always", "pip", "install", "--extra-index-url", "http://127.0.0.1:9/other/simple", "x"]
    cli.main(argv)
    first = exec_uv.added["UV_CONFIG_FILE"]
    monkeypatch.setattr(uvrender.GeneratedConfig, "render", lambda self: pytest.fail("rendered again"))
    cli.main(argv)
    assert exec_uv.added["UV_CONFIG_FILE"] == first


def test_bad_setting_is_one_error_line_and_its_hint_exit_2(project: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("UVAUTH_AUTHENTICATE", "sometimes")
    monkeypatch.setattr(launch, "exec_uv", lambda *a: pytest.fail("uv must not run"))
    assert cli.main(["pip", "compile", "--index-url", U, "req.in"]) == 2
    err = capsys.readouterr().err
    assert err == ("uvauth: error: UVAUTH_AUTHENTICATE: invalid value 'sometimes'\n"
                   "hint: use one of always, auto, never\n")


def test_verbose_says_what_changed_in_one_redacted_line(exec_uv: Exec, project: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["pip", "compile", "-v", "--index-url", U.replace("http://", f"http://user:{PASSWORD}@"), "req.in"])
    err = capsys.readouterr().err
    assert err.startswith("uvauth: ") and err.count("\n") == 1
    assert PASSWORD not in err and "user:****@" in err


def test_nothing_printed_by_default(exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["pip", "compile", "--index-url", U, "req.in"])
    assert capsys.readouterr() == ("", "")


def test_no_index_mention_and_no_setting_parses_no_toml(exec_uv: Exec, project: Path) -> None:
    """The fast path decides from argv, the environment and file existence alone: a malformed uv.toml (which
    uvauth would report if it parsed it) is left for uv to report."""
    (project / "uv.toml").write_text("[[index]\nthis is not TOML\n")
    assert cli.main(["lock"]) == 0
    assert exec_uv.argv == ["lock"] and exec_uv.added == {}
    assert cli.main(["lock", "--index-url", U]) == 2  # with an index mention uvauth reads it, and says it is broken


def test_quiet_hides_uvauths_warnings_as_it_hides_uvs(exec_uv: Exec, project: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(launch, "uv_version", lambda uv, env: (0, 12, 0))  # too old: warn, run uv unchanged
    argv = ["pip", "compile", "--index-url", U, "req.in"]
    cli.main(argv)
    assert "uvauth: warning:" in capsys.readouterr().err
    cli.main(["-q", *argv])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("how", ["option", "variable"])
def test_an_old_uv_under_a_policy_asked_of_uvauth_is_an_error_even_under_quiet(
        how: str, exec_uv: Exec, project: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """uv < 0.12.5 cannot take the reference by name that makes the policy hold: running it unchanged would send
    the unauthenticated requests the user asked uvauth to prevent."""
    monkeypatch.setattr(launch, "uv_version", lambda uv, env: (0, 12, 0))
    argv = ["-q", "pip", "compile", "--index-url", U, "req.in"]
    if how == "option":
        argv = ["--authenticate", "always", *argv]
    else:
        monkeypatch.setenv("UVAUTH_AUTHENTICATE", "always")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "is 0.12.0, which cannot reference an index by name" in err and "UVAUTH_UV" in err
    assert exec_uv.calls == []  # uv never ran


def test_an_unknown_option_before_the_subcommand_takes_its_value_and_is_said_even_under_quiet(
        exec_uv: Exec, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A newer uv's `--new-opt x pip compile …`: reading `x` as a subcommand would skip reconciling silently."""
    assert cli.main(["-q", "--new-opt", "x", "pip", "compile", "--index-url", U, "req.in"]) == 0
    assert exec_uv.argv[:5] == ["-q", "--new-opt", "x", "pip", "compile"]
    assert "--default-index" in exec_uv.argv  # reconciled: the configured index by name
    err = capsys.readouterr().err
    assert "--new-opt is not an option" in err and "read 'x' as its value" in err


def test_an_unknown_option_after_the_subcommand_is_said(exec_uv: Exec, project: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["pip", "compile", "--index-url", U, "--new-flag", "req.in"])
    assert "--new-flag is not an option of `uv pip compile`" in capsys.readouterr().err


def test_a_reused_plan_hands_and_reports_exactly_what_the_fresh_plan_did(
        exec_uv: Exec, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """One record (launch.Handoff) from the planner and from the memo: the second run finds the stored plan on the
    fast path, plans nothing, and execs and prints the same, byte for byte."""
    from uvauth import pipeline

    store_plans_later(monkeypatch)
    planned: list[object] = []
    real_prepare = pipeline.prepare
    monkeypatch.setattr(pipeline, "prepare", lambda *a, **k: planned.append(a) or real_prepare(*a, **k))
    argv = ["pip", "compile", "-v", "--index-url", U, "req.in"]
    assert cli.main(argv) == 0
    fresh = (exec_uv.calls[-1], capsys.readouterr())
    assert cli.main(argv) == 0
    reused = (exec_uv.calls[-1], capsys.readouterr())
    assert len(planned) == 1, "the second run planned again instead of reusing the stored plan"
    assert reused == fresh
    assert fresh[1].err.startswith("uvauth: ") and "--default-index" in " ".join(fresh[0][1])


def test_quiet_hides_the_credentials_entries_warnings_too(exec_uv: Exec, project: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """An entry's warning (here: its password file is readable by others) is uvauth's: `-q` hides it as uv hides
    its own, and the token still reaches uv."""
    token = project / "token"
    token.write_text("file-t0ken\n")
    token.chmod(0o644)
    (project / "uvauth.toml").write_text(f'[[credentials]]\nindex = "art"\npassword-file = "{token}"\n')
    monkeypatch.setenv("UVAUTH_TRUST", "1")  # the project's own entry, approved (as in CI)
    argv = ["pip", "compile", "--index-url", U, "req.in"]
    cli.main(argv)
    assert "can be read by other users" in capsys.readouterr().err
    cli.main(["-q", *argv])
    assert capsys.readouterr().err == ""
    assert "file-t0ken" in exec_uv.calls[-1][2].values()
