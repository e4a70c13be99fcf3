"""uv's directory rules for every platform, checked on this machine from fake environments (uvauth.uv.dirs and the
netrc candidates), so that a change to one platform's rule cannot silently break another's. macOS follows the
Linux (XDG) rules in uv: no ~/Library. Only Linux runs here: these pin the ported rules, not a Windows run."""

from __future__ import annotations

from pathlib import Path

import pytest

from uvauth.uv import dirs
from uvauth.uv.credentials.netrc import netrc_candidates

POSIX_HOME = {"HOME": "/home/jane"}
WINDOWS_HOME = {"USERPROFILE": "C:\\Users\\jane"}

# (platform, environment, user config dir, user data dir, user cache dir, system config dirs)
CASES = [
    pytest.param(False, POSIX_HOME, "/home/jane/.config", "/home/jane/.local/share", "/home/jane/.cache",
                 ["/etc/xdg"], id="linux-defaults"),
    pytest.param(False, {**POSIX_HOME, "XDG_CONFIG_HOME": "/x/cfg", "XDG_DATA_HOME": "/x/data",
                         "XDG_CACHE_HOME": "/x/cache", "XDG_CONFIG_DIRS": "/a::rel"},
                 "/x/cfg", "/x/data", "/x/cache", ["/a", "rel"], id="linux-xdg"),
    pytest.param(False, {**POSIX_HOME, "XDG_CONFIG_HOME": "relative", "XDG_CACHE_HOME": ""},
                 "/home/jane/.config", "/home/jane/.local/share", "/home/jane/.cache", ["/etc/xdg"],
                 id="macos-or-linux-relative-xdg-ignored"),
    pytest.param(True, {**WINDOWS_HOME, "APPDATA": "C:\\Users\\jane\\AppData\\Roaming",
                        "LOCALAPPDATA": "C:\\Users\\jane\\AppData\\Local", "SYSTEMDRIVE": "C:",
                        "XDG_CONFIG_HOME": "/ignored"},
                 "C:\\Users\\jane\\AppData\\Roaming", "C:\\Users\\jane\\AppData\\Roaming",
                 "C:\\Users\\jane\\AppData\\Local", ["C:\\ProgramData"], id="windows-known-folders"),
    pytest.param(True, WINDOWS_HOME, "C:\\Users\\jane\\AppData\\Roaming", "C:\\Users\\jane\\AppData\\Roaming",
                 "C:\\Users\\jane\\AppData\\Local", [], id="windows-without-the-variables"),
]


@pytest.mark.parametrize(("windows", "env", "config", "data", "cache", "system"), CASES)
def test_each_platforms_directories(windows: bool, env: dict[str, str], config: str, data: str, cache: str,
                                    system: list[str]) -> None:
    assert dirs.user_config_dir(env, windows=windows) == config
    assert dirs.user_data_dir(env, windows=windows) == data
    assert dirs.user_cache_dir(env, windows=windows) == cache
    assert dirs.system_config_dirs(env, windows=windows) == system


def test_the_home_directory_per_platform() -> None:
    assert dirs.home_dir({"HOME": "/h", "USERPROFILE": "C:\\u"}, windows=False) == "/h"
    assert dirs.home_dir({"HOME": "/h", "USERPROFILE": "C:\\u"}, windows=True) == "C:\\u"
    assert dirs.home_dir({"HOME": "/h"}, windows=True) is None  # no password database to ask on Windows


@pytest.mark.parametrize(("windows", "names"), [(False, [".netrc"]), (True, [".netrc", "_netrc"])],
                         ids=["posix", "windows"])
def test_netrc_candidates_per_platform(windows: bool, names: list[str]) -> None:
    home = Path("/home/jane")
    assert [label for _, label in netrc_candidates({}, home, windows=windows)] == [f"~/{n}" for n in names]
    assert [label for _, label in netrc_candidates({"NETRC": "/n"}, home, windows=windows)][0] == "NETRC=/n"


# uv's credential store (`uv auth dir`): UV_CREDENTIALS_DIR, else the legacy native directory where it exists, else
# the data directory. (platform, environment, legacy directory exists?, expected)
STORE_CASES = [
    pytest.param("linux", POSIX_HOME, True, "/home/jane/.local/share/uv/credentials", id="linux"),
    pytest.param("linux", {**POSIX_HOME, "XDG_DATA_HOME": "/x/data"}, False, "/x/data/uv/credentials",
                 id="linux-xdg"),
    pytest.param("linux", {**POSIX_HOME, "UV_CREDENTIALS_DIR": "rel/creds"}, True, "rel/creds",
                 id="explicit-verbatim"),
    pytest.param("linux", {**POSIX_HOME, "UV_CREDENTIALS_DIR": "", "UV_STATE_DIR": "/s"}, False,
                 "/home/jane/.local/share/uv/credentials", id="empty-explicit-and-state-dir-ignored"),
    pytest.param("macos", POSIX_HOME, False, "/home/jane/.local/share/uv/credentials", id="macos"),
    pytest.param("macos", {**POSIX_HOME, "XDG_DATA_HOME": "/x/data"}, True,
                 "/home/jane/Library/Application Support/uv/credentials", id="macos-legacy-wins"),
    pytest.param("windows", {**WINDOWS_HOME, "APPDATA": "C:\\Roaming"}, False, "C:\\Roaming\\uv\\credentials",
                 id="windows"),
    pytest.param("windows", {**WINDOWS_HOME, "APPDATA": "C:\\Roaming"}, True,
                 "C:\\Roaming\\uv\\data\\credentials", id="windows-legacy-wins"),
    pytest.param("windows", {**WINDOWS_HOME, "UV_CREDENTIALS_DIR": "D:\\creds"}, True, "D:\\creds",
                 id="windows-explicit"),
]


@pytest.mark.parametrize(("platform", "env", "legacy_exists", "expected"), STORE_CASES)
def test_each_platforms_credential_store(platform: str, env: dict[str, str], legacy_exists: bool,
                                         expected: str) -> None:
    asked: list[str] = []

    def exists(path: str) -> bool:
        asked.append(path)
        return legacy_exists

    found = dirs.credentials_dir(env, directory_exists=exists, windows=platform == "windows", macos=platform == "macos")
    assert found == expected
    # Linux has no separate legacy directory: nothing is stat'ed there (the hot path stays one stat lighter).
    assert (asked == []) == (platform == "linux" or "UV_CREDENTIALS_DIR" in env and bool(env["UV_CREDENTIALS_DIR"]))


def test_legacy_state_directories() -> None:
    assert dirs.legacy_user_state_dir(POSIX_HOME, macos=True, windows=False) == \
        "/home/jane/Library/Application Support/uv"
    assert dirs.legacy_user_state_dir({**WINDOWS_HOME, "APPDATA": "C:\\R"}, windows=True) == "C:\\R\\uv\\data"
    assert dirs.legacy_user_state_dir(POSIX_HOME, macos=False, windows=False) == "/home/jane/.local/share/uv"
