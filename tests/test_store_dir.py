"""uvauth's port of uv's credential-store rule against the real ``uv auth dir`` on this machine, and the doctor's
warning where uv names another store (as a laptop with a legacy directory could)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from uvauth.doctor.report import _store_disagreement
from uvauth.uv import dirs

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the Linux rule is what runs here")


@pytest.mark.parametrize("extra", [
    {}, {"XDG_DATA_HOME": "/x/data"}, {"XDG_DATA_HOME": "relative"}, {"XDG_DATA_HOME": ""},
    {"UV_CREDENTIALS_DIR": "rel/creds"}, {"UV_CREDENTIALS_DIR": "~/creds"}, {"UV_CREDENTIALS_DIR": ""},
    {"UV_STATE_DIR": "/state", "XDG_STATE_HOME": "/xs"},
], ids=lambda extra: ",".join(f"{k}={v}" for k, v in extra.items()) or "defaults")
def test_the_rule_is_what_uv_auth_dir_prints(uv_bin: Path, tmp_path: Path, extra: dict[str, str]) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path / "home"), **extra}
    (tmp_path / "home").mkdir()
    printed = subprocess.run([str(uv_bin), "auth", "dir"], env=env, capture_output=True, text=True, check=True,
                             cwd=tmp_path).stdout.strip()
    assert dirs.credentials_dir(env, directory_exists=os.path.isdir) == printed


def test_doctor_is_silent_where_uv_agrees(uv_bin: Path, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    found = {"path": str(uv_bin), "version": None, "found_by": "test", "bundled": None}
    assert _store_disagreement(found, env) is None  # type: ignore[arg-type]


def test_doctor_says_where_uv_reads_another_store(tmp_path: Path) -> None:
    fake = tmp_path / "uv"
    fake.write_text("#!/bin/sh\n[ \"$1 $2\" = 'auth dir' ] && echo /Users/jane/Library/Application\\ Support/uv"
                    "/credentials\n")
    fake.chmod(0o755)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    found = {"path": str(fake), "version": None, "found_by": "test", "bundled": None}
    warning = _store_disagreement(found, env)  # type: ignore[arg-type]
    assert warning is not None
    assert "/Users/jane/Library/Application Support/uv/credentials (uv auth dir)" in warning
    assert f"uvauth from {tmp_path}/.local/share/uv/credentials" in warning
    assert "UV_CREDENTIALS_DIR" in warning


def test_doctor_ignores_a_uv_without_auth_dir(tmp_path: Path) -> None:
    fake = tmp_path / "uv"
    fake.write_text("#!/bin/sh\necho 'error: unrecognized subcommand' >&2\nexit 2\n")
    fake.chmod(0o755)
    found = {"path": str(fake), "version": None, "found_by": "test", "bundled": None}
    assert _store_disagreement(found, {"HOME": str(tmp_path)}) is None  # type: ignore[arg-type]
