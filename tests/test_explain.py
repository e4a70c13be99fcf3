"""`uvauth uvauth explain --json`: the uvauth.explain/1 object for each kind of index mention, policy and
credential source. Nothing here contacts an index: explain never runs uv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.keyring import FakeKeyring
from support.schema import keys_match
from uvauth.explain import ExplainIndex, ExplainObject, explain_data

HOST = "art.example.com"
U = f"https://{HOST}/artifactory/api/pypi/pypi/simple"
PASSWORD = "expl41n-secret"
OTHER = "https://other.example.com/simple"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "uv.toml").write_text(f'# art\n[[index]]\nname = "art"\nurl = "{U}"\nauthenticate = "always"\n')
    (directory / "req.in").write_text(f"--extra-index-url {U}/\ntinypkg\n")
    (tmp_path / "netrc").write_text(f"machine {HOST} login jane password {PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    monkeypatch.chdir(directory)
    return directory


def explain(*argv: str, **env: str) -> dict[str, Any]:
    data: Any = explain_data(list(argv), {**os.environ, **env})
    keys_match(data, ExplainObject)
    assert PASSWORD not in json.dumps(data)
    return data


def only(data: dict[str, Any], **match: Any) -> dict[str, Any]:
    [row] = [i for i in data["indexes"] if all(i[k] == v for k, v in match.items())]
    return row


def test_schema_and_a_configured_index(project: Path) -> None:
    data = explain("lock")
    assert data["schema"] == "uvauth.explain/1" and data["command"] == ["lock"]
    row = only(data, source="config")
    assert row == {
        "url": U, "role": "extra", "source": "config", "where": f"{project}/uv.toml:2", "merged_onto": "art",
        "policy": "always", "policy_reason": "configured", "lever": "uv",
        "credential_source": f"netrc: NETRC={project.parent}/netrc (machine {HOST})",
        "unapplied": None, "plain_uv": "the same: policy always, credentials before the first request", "hint": None,
    }
    assert data["changed"] is False and data["argv"] == ["lock"] and data["environment"] == []


def test_command_line_url_merged_by_name(project: Path) -> None:
    data = explain("pip", "install", "--index-url", U, "tinypkg")
    row = only(data, source="cli")
    assert (row["where"], row["role"], row["merged_onto"], row["lever"]) == ("--index-url", "default", "art", "by-name")
    assert data["argv"] == ["pip", "install", "--default-index", "art", "tinypkg"]
    assert data["environment"] == ["UV_PREVIEW_FEATURES"]


def test_environment_url(project: Path) -> None:
    row = only(explain("pip", "install", "tinypkg", UV_INDEX_URL=U), source="env")
    assert (row["where"], row["merged_onto"]) == ("UV_INDEX_URL", "art")


def test_requirements_file_duplicate_is_seeded(project: Path) -> None:
    data = explain("pip", "compile", "req.in")
    row = only(data, source="requirements")
    assert (row["where"], row["url"], row["lever"]) == (f"{project}/req.in:1", U + "/", "seeded")
    assert data["environment"] == ["UV_INDEX_ART_PASSWORD", "UV_INDEX_ART_USERNAME"]


def test_global_policy_synthesizes_an_index(project: Path) -> None:
    other = "https://other.example.com/simple"
    (project.parent / "netrc").write_text(f"default login jane password {PASSWORD}\n")
    row = only(explain("pip", "install", "--extra-index-url", other, "x", UVAUTH_AUTHENTICATE="always"), url=other)
    assert row["policy"] == "always" and row["policy_reason"] == "setting"
    assert row["merged_onto"].startswith("uvauth-") and row["lever"] == "by-name"


def test_prefix_row(project: Path) -> None:
    data = explain("lock", UVAUTH_AUTHENTICATE_PREFIXES=f"https://{HOST}/artifactory")
    row = only(data, role="explicit")
    assert (row["source"], row["policy"], row["policy_reason"], row["lever"]) == ("uvauth", "always", "prefix", "seeded")
    assert row["credential_source"].startswith("netrc:")


@pytest.mark.parametrize("source", ["url", "uv-index-env", "uv-auth-store", "keyring", "none"])
def test_each_credential_source(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                fake_keyring: FakeKeyring, source: str) -> None:
    monkeypatch.delenv("NETRC")
    url, argv = U, ["lock"]
    if source == "url":
        url = U.replace("https://", f"https://jane:{PASSWORD}@")
        argv = ["pip", "install", "--index-url", url, "x"]
    elif source == "uv-index-env":
        monkeypatch.setenv("UV_INDEX_ART_USERNAME", "jane")
        monkeypatch.setenv("UV_INDEX_ART_PASSWORD", PASSWORD)
    elif source == "uv-auth-store":
        store = tmp_path / "store"
        store.mkdir()
        (store / "credentials.toml").write_text(
            f'[[credential]]\nservice = "https://{HOST}/artifactory"\nusername = "jane"\nscheme = "basic"\n'
            f'password = "{PASSWORD}"\n'
        )
        monkeypatch.setenv("UV_CREDENTIALS_DIR", str(store))
    elif source == "keyring":
        fake_keyring.add(U, "jane", PASSWORD)
        argv = ["lock", "--keyring-provider", "subprocess"]
    shown = [row["credential_source"] for row in explain(*argv)["indexes"]]
    if source == "none":
        assert len(shown) == 1 and shown[0].startswith("none found (tried: ")
        assert "netrc" in shown[0] and "keyring" in shown[0]
    else:
        assert any(s.startswith(f"{source}:") for s in shown), shown


def test_cli_prints_json_and_never_the_password(project: Path) -> None:
    url = U.replace("https://", f"https://jane:{PASSWORD}@")
    done = subprocess.run(
        [sys.executable, "-m", "uvauth", "uvauth", "explain", "--json", "pip", "install", "--index-url", url, "x"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(done.stdout)["schema"] == "uvauth.explain/1"
    assert PASSWORD not in done.stdout + done.stderr
    table = subprocess.run([sys.executable, "-m", "uvauth", "uvauth", "explain", "pip", "install", "--index-url",
                            url, "x"], capture_output=True, text=True, check=True, env={**os.environ, "COLUMNS": "200"})
    assert "by-name" in table.stdout and PASSWORD not in table.stdout + table.stderr


def test_the_object_has_exactly_the_typed_keys(project: Path) -> None:
    """ExplainObject and ExplainIndex are the uvauth.explain/1 schema: what explain_data produces has exactly their
    keys (with indexes, and without any), and explain_data's docstring documents every field."""
    import typing

    from uvauth import explain as explain_module

    with_indexes = explain_data(["pip", "install", "--index-url", U, "x"], dict(os.environ))
    assert with_indexes["indexes"]
    keys_match(with_indexes, ExplainObject)
    keys_match(json.loads(json.dumps(with_indexes)), ExplainObject)
    keys_match(explain_data(["--version"], dict(os.environ)), ExplainObject)
    assert ExplainObject.__total__ and ExplainIndex.__total__
    documented = explain_module.explain_data.__doc__ or ""
    for field in [*typing.get_type_hints(ExplainObject), *typing.get_type_hints(ExplainIndex)]:
        assert f"``{field}``" in documented, field


def test_cli_usage_error_is_one_redacted_line(project: Path) -> None:
    """A configuration uv would reject: the one error boundary prints one `uvauth: error:` line, exit 2."""
    (project / "uv.toml").write_text("[[index]\n")
    done = subprocess.run([sys.executable, "-m", "uvauth", "uvauth", "explain", "lock"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    error, hint = done.stderr.splitlines()  # uv's layout: the error, then its hint on a line of its own
    assert error.startswith("uvauth: error: ") and hint.startswith("hint: "), done.stderr


def test_explain_alone_shows_its_help(tmp_path: Path) -> None:
    import subprocess
    import sys

    uvauth = str(Path(sys.executable).with_name("uvauth"))
    done = subprocess.run([uvauth, "uvauth", "explain"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "Usage: uvauth uvauth explain" in done.stdout, done
    assert "runs:" not in done.stdout


def test_a_trailing_json_is_explains_own_option_not_uvs(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    uvauth = str(Path(sys.executable).with_name("uvauth"))
    done = subprocess.run([uvauth, "uvauth", "explain", "pip", "compile", "r.in", "--json"], capture_output=True,
                          text=True, cwd=tmp_path)
    data = json.loads(done.stdout)
    assert data["argv"] == ["pip", "compile", "r.in"]


@pytest.mark.parametrize("command", [["cache", "dir"], ["python", "list", "--only-installed"]])
def test_a_command_that_contacts_no_index_still_lists_the_files_uv_reads(project: Path, command: list[str]) -> None:
    """uv reads its configuration for every command: explain once called an existing uv.toml "(not found)"
    for commands that take no index option."""
    data = explain(*command)
    assert data["indexes"] == []
    assert {"level": "project", "path": f"{project}/uv.toml", "found": True} in data["config_files"]


def test_missing_credentials_show_the_plan_and_where_uvauth_would_stop(project: Path, tmp_path: Path) -> None:
    """explain once exited 2 with the error alone: the plan and every source asked are what the user needs."""
    (tmp_path / "netrc").write_text("machine elsewhere.example login jane password x\n")
    data = explain("--authenticate", "always", "pip", "compile", "--index-url", OTHER, "req.in")
    row = only(data, url=OTHER)
    assert row["policy"] == "always" and row["credential_source"].startswith("none found (tried: URL userinfo")
    host = OTHER.split("/")[2]
    tried = "(tried: URL userinfo, netrc, uv auth store, keyring)"
    assert sorted(data["stops"]) == [
        f"no credentials for index art ({U}), which must authenticate always (tried: URL userinfo, "
        f"UV_INDEX_ART_USERNAME/PASSWORD, netrc, uv auth store, keyring) (hint: add `machine {HOST} login USER "
        "password TOKEN` to ~/.netrc, or run `uvauth uvauth login art` (uv auth login for its URLs); in CI, set "
        "UV_INDEX_ART_USERNAME and UV_INDEX_ART_PASSWORD)",
        f"no credentials for index {OTHER}, which must authenticate always {tried} (hint: add `machine {host} "
        f"login USER password TOKEN` to ~/.netrc, or run `uv auth login {OTHER}`)"]
    assert explain("lock")["stops"] == []
