"""uvauth.uv.config (discover, render): uv's configuration discovery, merge semantics and the rendered `UV_CONFIG_FILE`.

Every test builds its files under ``tmp_path`` and passes ``env=`` explicitly. The ``integration`` tests run the
real uv (the version the test extra pins) with its hidden ``--show-settings`` flag, once with its own discovery and once with
``UV_CONFIG_FILE=<render_merged(...)>``, and require the resolved settings to be identical up to
:func:`normalise` (which documents the three differences that are expected).
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from uvauth.cache import cache_key, generated_config_key
from uvauth.errors import UvauthError
from uvauth.uv.config import discover as uvconfig
from uvauth.uv.config.discover import PYPROJECT_ONLY_KEYS, UvConfig, discover
from uvauth.uv.config.render import GeneratedConfig, render_losses, render_merged

# --------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def base_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """HOME and XDG dirs under tmp_path; the system level off unless a test turns it on."""
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_DIRS": str(tmp_path / "xdg"),
        "UV_NO_SYSTEM_CONFIG": "1",
    }
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value.format(tmp=tmp_path)
    return env


def run_discover(
    tmp_path: Path,
    *,
    cwd: str = ".",
    project: str | None = None,
    config_file: str | None = None,
    no_config: bool = False,
    tool_command: bool = False,
    env: Mapping[str, str | None] | None = None,
) -> UvConfig:
    return discover(
        cwd=tmp_path / cwd,
        project=Path(project) if project is not None else None,
        config_file=Path(config_file) if config_file is not None else None,
        no_config=no_config,
        tool_command=tool_command,
        env=base_env(tmp_path, **(env or {})),
    )


def found(config: UvConfig, root: Path) -> list[tuple[str, str]]:
    return [(f.level, f.path.relative_to(root).as_posix()) for f in config.files]


PROJECT = '[project]\nname = "{name}"\nversion = "0.1.0"\n'


# --------------------------------------------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    files: dict[str, str]
    expect: list[tuple[str, str]]
    cwd: str = "."
    project: str | None = None
    config_file: str | None = None
    no_config: bool = False
    tool_command: bool = False
    env: dict[str, str | None] = field(default_factory=dict)


USER = {"home/.config/uv/uv.toml": 'index-url = "https://user.example/simple"\n'}
SYSTEM = {"xdg/uv/uv.toml": 'index-url = "https://system.example/simple"\n'}
SYSTEM_ON: dict[str, str | None] = {"UV_NO_SYSTEM_CONFIG": None}

DISCOVERY_CASES = [
    Case(
        "uv-toml-beats-pyproject-in-same-dir",
        {"p/uv.toml": "", "p/pyproject.toml": "[tool.uv]\n"},
        [("project", "p/uv.toml")],
        cwd="p",
    ),
    Case(
        "pyproject-tool-uv-is-read",
        {"p/pyproject.toml": '[tool.uv]\nindex-url = "https://x.example/simple"\n'},
        [("project", "p/pyproject.toml")],
        cwd="p",
    ),
    Case(
        "pyproject-without-tool-uv-is-skipped",
        {"uv.toml": "", "p/pyproject.toml": "[tool.black]\nline-length = 1\n"},
        [("project", "uv.toml")],
        cwd="p",
    ),
    Case(
        "walks-up-to-the-first-ancestor-with-config",
        {"a/uv.toml": "", "uv.toml": "", "a/b/c/.keep": ""},
        [("project", "a/uv.toml")],
        cwd="a/b/c",
    ),
    Case("nothing-found", {"a/.keep": ""}, [], cwd="a"),
    Case(
        "project-root-wins-over-config-below-it",
        # uv starts the settings walk at the workspace root (here the project), not at the cwd.
        {"p/pyproject.toml": PROJECT.format(name="p") + "[tool.uv]\n", "p/sub/uv.toml": ""},
        [("project", "p/pyproject.toml")],
        cwd="p/sub",
    ),
    Case(
        "pyproject-without-project-table-is-no-workspace",
        {"p/pyproject.toml": "[tool.uv]\n", "p/sub/uv.toml": ""},
        [("project", "p/sub/uv.toml")],
        cwd="p/sub",
    ),
    Case(
        "workspace-member-uses-the-root-config",
        {
            "ws/pyproject.toml": PROJECT.format(name="root")
            + '[tool.uv.workspace]\nmembers = ["packages/*"]\n[tool.uv]\n',
            "ws/packages/m1/pyproject.toml": PROJECT.format(name="m1") + "[tool.uv]\n",
        },
        [("project", "ws/pyproject.toml")],
        cwd="ws/packages/m1",
    ),
    Case(
        "excluded-member-is-its-own-root",
        {
            "ws/pyproject.toml": PROJECT.format(name="root")
            + '[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/m1"]\n[tool.uv]\n',
            "ws/packages/m1/pyproject.toml": PROJECT.format(name="m1") + "[tool.uv]\n",
        },
        [("project", "ws/packages/m1/pyproject.toml")],
        cwd="ws/packages/m1",
    ),
    Case(
        "project-not-matched-by-member-globs-is-its-own-root",
        {
            "ws/pyproject.toml": PROJECT.format(name="root") + '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
            "ws/packages/m1/pyproject.toml": PROJECT.format(name="m1"),
            "ws/packages/m1/sub/uv.toml": "",
        },
        # m1 is its own root: the walk starts at m1 (skipping sub/uv.toml); m1 has no [tool.uv]; the outer
        # pyproject has one (`[tool.uv.workspace]` is inside it), so that is the project level.
        [("project", "ws/pyproject.toml")],
        cwd="ws/packages/m1/sub",
    ),
    Case(
        "non-project-workspace-root",
        {
            "ws/pyproject.toml": '[tool.uv.workspace]\nmembers = ["m1"]\n[tool.uv]\n',
            "ws/m1/pyproject.toml": PROJECT.format(name="m1"),
            "ws/m1/uv.toml": "",
        },
        [("project", "ws/pyproject.toml")],
        cwd="ws/m1",
    ),
    Case(
        "unmanaged-project-walks-from-the-cwd",
        {"p/pyproject.toml": PROJECT.format(name="p") + "[tool.uv]\nmanaged = false\n", "p/sub/uv.toml": ""},
        [("project", "p/sub/uv.toml")],
        cwd="p/sub",
    ),
    Case(
        "project-flag-with-a-directory",
        {"p/uv.toml": "", "elsewhere/uv.toml": ""},
        [("project", "p/uv.toml")],
        cwd="elsewhere",
        project="../p",
    ),
    Case(
        "project-flag-with-a-pyproject-path",
        {"p/pyproject.toml": PROJECT.format(name="p") + "[tool.uv]\n", "elsewhere/uv.toml": ""},
        [("project", "p/pyproject.toml")],
        cwd="elsewhere",
        project="../p/pyproject.toml",
    ),
    Case(
        "project-flag-with-dotdot-is-normalised",
        {"p/uv.toml": "", "x/y/.keep": ""},
        [("project", "p/uv.toml")],
        cwd="x/y",
        project="../../p",
    ),
    Case(
        "user-config-from-home",
        {**USER},
        [("user", "home/.config/uv/uv.toml")],
    ),
    Case(
        "user-config-from-xdg-config-home",
        {"cfg/uv/uv.toml": "", **USER},
        [("user", "cfg/uv/uv.toml")],
        env={"XDG_CONFIG_HOME": "{tmp}/cfg"},
    ),
    Case(
        "relative-xdg-config-home-is-ignored",
        {"cfg/uv/uv.toml": "", **USER},
        [("user", "home/.config/uv/uv.toml")],
        env={"XDG_CONFIG_HOME": "cfg"},
    ),
    Case(
        "system-config-from-xdg-config-dirs-first-match",
        {"s1/.keep": "", "s2/uv/uv.toml": "", "s3/uv/uv.toml": ""},
        [("system", "s2/uv/uv.toml")],
        env={**SYSTEM_ON, "XDG_CONFIG_DIRS": "{tmp}/s1:{tmp}/s2:{tmp}/s3"},
    ),
    Case(
        "system-config-skips-empty-entries-and-directories",
        {"s1/uv/uv.toml/.keep": "", "s2/uv/uv.toml": ""},
        [("system", "s2/uv/uv.toml")],
        env={**SYSTEM_ON, "XDG_CONFIG_DIRS": ":{tmp}/s1::{tmp}/s2"},
    ),
    Case(
        "system-config-relative-entry-is-relative-to-the-cwd",
        {"s2/uv/uv.toml": ""},
        [("system", "s2/uv/uv.toml")],
        env={**SYSTEM_ON, "XDG_CONFIG_DIRS": "s2"},
    ),
    Case(
        "uv-no-system-config-true-skips-system",
        {**SYSTEM},
        [],
        env={"UV_NO_SYSTEM_CONFIG": "YES"},
    ),
    Case(
        "uv-no-system-config-false-keeps-system",
        {**SYSTEM},
        [("system", "xdg/uv/uv.toml")],
        env={"UV_NO_SYSTEM_CONFIG": "off"},
    ),
    Case(
        "order-is-project-user-system",
        {"p/uv.toml": "", **USER, **SYSTEM},
        [("project", "p/uv.toml"), ("user", "home/.config/uv/uv.toml"), ("system", "xdg/uv/uv.toml")],
        cwd="p",
        env=SYSTEM_ON,
    ),
    Case(
        "config-file-replaces-discovery",
        {"p/uv.toml": "", "c/my.toml": "", **USER, **SYSTEM},
        [("config-file", "c/my.toml")],
        cwd="p",
        config_file="../c/my.toml",
        env=SYSTEM_ON,
    ),
    Case(
        "config-file-wins-over-no-config",
        {"c.toml": ""},
        [("config-file", "c.toml")],
        config_file="c.toml",
        no_config=True,
    ),
    Case(
        "no-config-reads-nothing",
        {"p/uv.toml": "", **USER, **SYSTEM},
        [],
        cwd="p",
        no_config=True,
        env=SYSTEM_ON,
    ),
    Case(
        "tool-command-reads-user-and-system-only",
        {"p/uv.toml": "", **USER, **SYSTEM},
        [("user", "home/.config/uv/uv.toml"), ("system", "xdg/uv/uv.toml")],
        cwd="p",
        tool_command=True,
        env=SYSTEM_ON,
    ),
    Case(
        "unparsable-pyproject-is-skipped",
        {"uv.toml": "", "p/pyproject.toml": "[tool.uv]\nindex-url = \n"},
        [("project", "uv.toml")],
        cwd="p",
    ),
    Case(
        "pyproject-with-both-preview-keys-is-skipped",
        {"uv.toml": "", "p/pyproject.toml": '[tool.uv]\npreview = true\npreview-features = ["x"]\n'},
        [("project", "uv.toml")],
        cwd="p",
    ),
    Case(
        "missing-user-level-is-skipped",
        {"home/.config/.keep": ""},
        [],
    ),
    Case(
        "user-config-dir-being-a-file-is-skipped",  # NotADirectory, ignored by uv
        {"home/.config/uv": "not a directory"},
        [],
    ),
]


@pytest.mark.parametrize("case", DISCOVERY_CASES, ids=[c.id for c in DISCOVERY_CASES])
def test_discovery(tmp_path: Path, case: Case) -> None:
    write_tree(tmp_path, case.files)
    (tmp_path / case.cwd).mkdir(parents=True, exist_ok=True)
    config = run_discover(
        tmp_path,
        cwd=case.cwd,
        project=case.project,
        config_file=case.config_file,
        no_config=case.no_config,
        tool_command=case.tool_command,
        env=case.env,
    )
    assert found(config, tmp_path) == case.expect


_UV_LOG_LINE = re.compile(
    r"^DEBUG (?:Found workspace configuration at `(?P<project>[^`]+)`"
    r"|Found user configuration in: (?P<user>.+)"
    r"|Found system configuration in: (?P<system>.+)"
    r"|Using configuration file: (?P<config_file>.+))$"
)


@pytest.mark.integration
@pytest.mark.parametrize("case", DISCOVERY_CASES, ids=[c.id for c in DISCOVERY_CASES])
def test_discovery_matches_uv(tmp_path: Path, case: Case) -> None:
    """The same files as uv's own `-v` log names ("Found workspace configuration at ...", ...)."""
    write_tree(tmp_path, case.files)
    cwd = tmp_path / case.cwd
    cwd.mkdir(parents=True, exist_ok=True)
    args = [uv_bin(), "-v"]
    if case.config_file is not None:
        args += ["--config-file", case.config_file]
    if case.no_config:
        args.append("--no-config")
    if case.project is not None:
        args += ["--project", case.project]
    args += ["tool", "list"] if case.tool_command else ["pip", "compile", "req.in"]
    env = {**uv_env(tmp_path), **base_env(tmp_path, **case.env)}
    proc = subprocess.run(
        [*args, "--show-settings"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    logged = []
    for line in proc.stderr.splitlines():
        match = _UV_LOG_LINE.match(line)
        if match:
            level = next(k for k, v in match.groupdict().items() if v)
            path = Path(os.path.normpath(cwd / match.group(level)))
            logged.append((level.replace("_", "-"), path.relative_to(tmp_path).as_posix()))
    order = {"config-file": 0, "project": 1, "user": 2, "system": 3}
    assert sorted(logged, key=lambda e: order[e[0]]) == case.expect


def test_pyproject_options_are_the_tool_uv_table(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"pyproject.toml": '[project]\nname = "p"\n[tool.uv]\nkeyring-provider = "subprocess"\n'}
    )
    (file,) = run_discover(tmp_path).files
    assert file.is_pyproject
    assert dict(file.options) == {"keyring-provider": "subprocess"}


def test_config_file_named_pyproject_is_read_as_a_whole(tmp_path: Path) -> None:
    # uv warns and parses the whole file as a uv.toml (so a real pyproject fails on `[project]`).
    write_tree(tmp_path, {"c/pyproject.toml": 'index-url = "https://x.example/simple"\n'})
    config = run_discover(tmp_path, config_file="c/pyproject.toml")
    (file,) = config.files
    assert not file.is_pyproject
    assert file.options == {"index-url": "https://x.example/simple"}
    assert "expects to receive a `uv.toml` file" in config.warnings[0]


def test_unparsable_pyproject_is_skipped_with_a_warning(tmp_path: Path) -> None:
    # uv: "Failed to parse `…/pyproject.toml` during settings discovery", then it keeps walking up.
    write_tree(tmp_path, {"uv.toml": "", "p/pyproject.toml": "[tool.uv]\nindex-url = \n"})
    config = run_discover(tmp_path, cwd="p")
    assert found(config, tmp_path) == [("project", "uv.toml")]
    (warning,) = config.warnings
    assert f"{tmp_path}/p/pyproject.toml:2:" in warning


def test_pyproject_setting_both_preview_keys_is_skipped(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"uv.toml": "", "p/pyproject.toml": '[tool.uv]\npreview = true\npreview-features = ["x"]\n'}
    )
    config = run_discover(tmp_path, cwd="p")
    assert found(config, tmp_path) == [("project", "uv.toml")]
    assert "cannot specify both" in config.warnings[0]


# --------------------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ErrorCase:
    id: str
    files: dict[str, str]
    where: str
    message: str
    cwd: str = "."
    config_file: str | None = None
    no_config: bool = False
    env: dict[str, str | None] = field(default_factory=dict)


ERROR_CASES = [
    ErrorCase(
        "malformed-project-uv-toml",
        {"uv.toml": '# comment\nindex-url = "https://x.example/simple"\nfind-links = [\n'},
        "{tmp}/uv.toml:4:1",
        "invalid TOML",
    ),
    ErrorCase(
        "malformed-user-uv-toml",
        {"home/.config/uv/uv.toml": "a = = 1\n"},
        "{tmp}/home/.config/uv/uv.toml:1:5",
        "invalid TOML",
    ),
    ErrorCase(
        "malformed-system-uv-toml",
        {"xdg/uv/uv.toml": "[pip\n"},
        "{tmp}/xdg/uv/uv.toml:1:5",
        "invalid TOML",
        env=SYSTEM_ON,
    ),
    ErrorCase(
        "malformed-config-file",
        {"c.toml": "x = 1\n\ny = [1,,]\n"},
        "{tmp}/c.toml:3:8",
        "invalid TOML",
        config_file="c.toml",
    ),
    ErrorCase("missing-config-file", {}, "{tmp}/nope.toml", "not found", config_file="nope.toml"),
    ErrorCase(
        "pyproject-only-key-in-uv-toml",
        {"uv.toml": 'index-url = "https://x.example/simple"\n\n[sources]\nx = { path = "x" }\n'},
        "{tmp}/uv.toml:3",
        "`sources` field is not allowed",
    ),
    ErrorCase(
        "pyproject-only-key-in-user-uv-toml",
        {"home/.config/uv/uv.toml": "minimum-libc-version = { glibc = '2.17' }\n"},
        "{tmp}/home/.config/uv/uv.toml:1",
        "`minimum-libc-version` field is not allowed",
    ),
    ErrorCase(
        "both-preview-keys-in-uv-toml",
        {"uv.toml": 'preview = true\npreview-features = ["index-by-name"]\n'},
        "{tmp}/uv.toml",
        "cannot specify both `preview` and `preview-features`",
    ),
    ErrorCase(
        "user-uv-toml-is-a-directory",
        {"home/.config/uv/uv.toml/.keep": ""},
        "{tmp}/home/.config/uv/uv.toml",
        "is a directory",
    ),
    ErrorCase(
        "bad-uv-no-system-config",
        {},
        "UV_NO_SYSTEM_CONFIG",
        "expected a boolish value",
        env={"UV_NO_SYSTEM_CONFIG": ""},
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_errors(tmp_path: Path, case: ErrorCase) -> None:
    write_tree(tmp_path, case.files)
    with pytest.raises(UvauthError) as info:
        run_discover(
            tmp_path, cwd=case.cwd, config_file=case.config_file, no_config=case.no_config, env=case.env
        )
    err = info.value
    assert err.where is not None and err.where.startswith(case.where.format(tmp=tmp_path))
    assert case.message in err.message
    assert "\n" not in str(err)


@pytest.mark.integration
@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_errors_are_errors_for_uv_too(tmp_path: Path, case: ErrorCase) -> None:
    write_tree(tmp_path, case.files)
    cwd = tmp_path / case.cwd
    args = [uv_bin()]
    if case.config_file is not None:
        args += ["--config-file", case.config_file]
    if case.no_config:
        args.append("--no-config")
    env = {**uv_env(tmp_path), **base_env(tmp_path, **case.env)}
    proc = subprocess.run(
        [*args, "--show-settings", "pip", "compile", "req.in"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "error" in proc.stderr


def test_malformed_toml_error_has_line_and_column_and_a_hint(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"uv.toml": 'index-url = "https://x.example/simple"\nkeyring-provider = subprocess\n'}
    )
    with pytest.raises(UvauthError) as info:
        run_discover(tmp_path)
    assert info.value.where == f"{tmp_path}/uv.toml:2:20"
    assert info.value.hint


def test_bad_uv_no_system_config_is_ignored_when_the_system_level_is_not_read(tmp_path: Path) -> None:
    # uv parses UV_NO_SYSTEM_CONFIG only when it would read the system level.
    config = run_discover(tmp_path, no_config=True, env={"UV_NO_SYSTEM_CONFIG": "bogus"})
    assert config.files == ()


def _deny_reading(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make one file unreadable. chmod cannot do that for root (as in CI), so the error is raised where
    uvconfig reads files, exactly as the OS would raise it."""
    real_read_text = uvconfig._read_text

    def read_text(env: Mapping[str, str], path: Path) -> str:
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_text(env, path)

    monkeypatch.setattr(uvconfig, "_read_text", read_text)


def test_unreadable_project_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"uv.toml": ""})
    _deny_reading(monkeypatch, tmp_path / "uv.toml")
    with pytest.raises(UvauthError) as info:
        run_discover(tmp_path)
    assert info.value.where == f"{tmp_path}/uv.toml"


def test_unreadable_user_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {**USER})
    _deny_reading(monkeypatch, tmp_path / "home/.config/uv/uv.toml")
    assert run_discover(tmp_path).files == ()


# --------------------------------------------------------------------------------------------------------------
# merged views and origins
# --------------------------------------------------------------------------------------------------------------

LAYERED = {
    "p/uv.toml": """\
keyring-provider = "subprocess"
extra-index-url = ["https://p1.example/simple"]

[[index]]
name = "shared"
url = "https://project.example/simple"
authenticate = "always"

[pip]
custom-compile-command = "make lock"
""",
    "home/.config/uv/uv.toml": """\
keyring-provider = "disabled"
index-url = "https://user-default.example/simple"
extra-index-url = ["https://u1.example/simple", "https://u2.example/simple"]

[[index]]
name = "shared"
url = "https://user.example/simple"

[[index]]
name = "flat"
url = "https://flat.example/links"
format = "flat"
explicit = true
default = false
""",
    "xdg/uv/uv.toml": """\
[[index]]
url = "https://system.example/simple"
default = true

[pip]
custom-compile-command = "never seen"
no-emit-package = ["x"]
""",
}


def test_merged_views(tmp_path: Path) -> None:
    write_tree(tmp_path, LAYERED)
    config = run_discover(tmp_path, cwd="p", env=SYSTEM_ON)
    assert [(i.level, i.name, i.url) for i in config.indexes] == [
        ("project", "shared", "https://project.example/simple"),
        ("user", "shared", "https://user.example/simple"),  # not de-duplicated
        ("user", "flat", "https://flat.example/links"),
        ("system", None, "https://system.example/simple"),
    ]
    shared = config.named("shared")
    assert shared is not None and shared.level == "project" and shared.authenticate == "always"
    flat = config.named("flat")
    assert flat is not None and flat.flat and flat.explicit and not flat.default and flat.authenticate is None
    assert config.indexes[3].default
    assert config.named("missing") is None
    assert config.value("keyring-provider") == "subprocess"
    assert config.value("index-url") == "https://user-default.example/simple"
    assert config.value("nothing") is None
    assert config.value("custom-compile-command", section="pip") == "make lock"
    assert config.values("extra-index-url") == [
        "https://p1.example/simple",
        "https://u1.example/simple",
        "https://u2.example/simple",
    ]
    assert config.values("no-emit-package", section="pip") == ["x"]


ORIGIN_UV_TOML = '''\
# [[index]] in a comment does not count
description = """
[[index]]
a multi-line string that looks like a header
"""
find-links = [
  "[[index]]",
]

[[index]]  # first
name = "one"
url = "https://one.example/simple"

[[ index ]]
name = "two"
url = "https://two.example/simple"

[[ "index" ]]
name = "three"
url = "https://three.example/simple"
'''

ORIGIN_CASES = [
    ("uv-toml-headers-skip-comments-and-strings", "uv.toml", ORIGIN_UV_TOML, [10, 14, 18]),
    (
        "pyproject-tool-uv-index-headers",
        "pyproject.toml",
        (
            '[project]\nname = "p"\n\n[tool.uv]\n\n[[tool.uv.index]]\nname = "a"\nurl = "https://a.example/simple"\n'
            '\n[[tool.uv.index]]\nname = "b"\nurl = "https://b.example/simple"\n'
        ),
        [6, 10],
    ),
    (
        "inline-array-uses-the-key-line",
        "uv.toml",
        (
            'keyring-provider = "subprocess"\nindex = [\n  { name = "a", url = "https://a.example/simple" },\n'
            '  { name = "b", url = "https://b.example/simple" },\n]\n'
        ),
        [2, 2],
    ),
    (
        "inline-array-in-tool-uv-table",
        "pyproject.toml",
        '[tool.uv]\n# x\nindex = [{ name = "a", url = "https://a.example/simple" }]\n',
        [3],
    ),
    (
        "dotted-key-inline-array",
        "pyproject.toml",
        '[tool]\nuv.index = [{ name = "a", url = "https://a.example/simple" }]\n',
        [2],
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "lines"), [c[1:] for c in ORIGIN_CASES], ids=[c[0] for c in ORIGIN_CASES]
)
def test_origins(tmp_path: Path, name: str, text: str, lines: list[int]) -> None:
    write_tree(tmp_path, {name: text})
    config = run_discover(tmp_path)
    assert [(i.path, i.line) for i in config.indexes] == [(tmp_path / name, line) for line in lines]
    assert [i.where for i in config.indexes] == [f"{tmp_path}/{name}:{line}" for line in lines]


# --------------------------------------------------------------------------------------------------------------
# rendering (unit level)
# --------------------------------------------------------------------------------------------------------------


def render_files(tmp_path: Path, files: Mapping[str, str], **kwargs: Any) -> dict[str, Any]:
    write_tree(tmp_path, files)
    config = run_discover(tmp_path, cwd="p", env=SYSTEM_ON)
    return tomllib.loads(render_merged(config, **kwargs))


COMBINE_CASES = [
    (
        "scalar-first-wins",
        'index-url = "https://p.example/simple"',
        'index-url = "https://u.example/simple"',
        {"index-url": "https://p.example/simple"},
    ),
    ("list-concatenated", 'no-proxy = ["a"]', 'no-proxy = ["b", "c"]', {"no-proxy": ["a", "b", "c"]}),
    (
        "preview-features-first-wins",
        'preview-features = ["a"]',
        'preview-features = ["b"]',
        {"preview-features": ["a"]},
    ),
    (
        "preview-slot-blocks-lower-preview",
        'preview-features = ["a"]',
        "preview = true",
        {"preview-features": ["a"]},
    ),
    (
        "config-settings-merge-into-lists",
        'config-settings = { a = "p", b = ["p1"] }',
        'config-settings = { a = "u", b = "u", c = ["u"] }',
        {"config-settings": {"a": ["p", "u"], "b": ["p1", "u"], "c": ["u"]}},
    ),
    (
        "config-settings-package-merge",
        'config-settings-package = { x = { a = "p" } }',
        'config-settings-package = { x = { a = "u" }, y = { b = "u" } }',
        {"config-settings-package": {"x": {"a": ["p", "u"]}, "y": {"b": "u"}}},
    ),
    (
        "extra-build-dependencies-lists-concatenated",
        'extra-build-dependencies = { x = ["p"] }',
        'extra-build-dependencies = { x = ["u"], y = ["u"] }',
        {"extra-build-dependencies": {"x": ["p", "u"], "y": ["u"]}},
    ),
    (
        "extra-build-variables-first-wins-per-variable",
        'extra-build-variables = { x = { A = "p" } }',
        'extra-build-variables = { x = { A = "u", B = "u" } }',
        {"extra-build-variables": {"x": {"A": "p", "B": "u"}}},
    ),
    (
        "exclude-newer-package-first-wins-per-package",
        'exclude-newer-package = { x = "2024-01-01T00:00:00Z" }',
        'exclude-newer-package = { x = "2023-01-01T00:00:00Z", y = false }',
        {"exclude-newer-package": {"x": "2024-01-01T00:00:00Z", "y": False}},
    ),
    (
        "exclude-newer-table-is-atomic",
        'exclude-newer = { timestamp = "2024-01-01T00:00:00Z" }',
        'exclude-newer = { timestamp = "2023-01-01T00:00:00Z", allow-bypass = ["direct-pinned"] }',
        {"exclude-newer": {"timestamp": "2024-01-01T00:00:00Z"}},
    ),
    (
        "pip-section-combined-field-by-field",
        '[pip]\nextra = ["a"]\nnote = "p"',
        '[pip]\nextra = ["b"]\nnote = "u"\nuniversal = true',
        {"pip": {"extra": ["a", "b"], "note": "p", "universal": True}},
    ),
    (
        "audit-section-combined-field-by-field",
        '[audit]\nignore = ["A"]',
        '[audit]\nignore = ["B"]',
        {"audit": {"ignore": ["A", "B"]}},
    ),
]


@pytest.mark.parametrize(
    ("project", "user", "expected"), [c[1:] for c in COMBINE_CASES], ids=[c[0] for c in COMBINE_CASES]
)
def test_render_combines_like_uv(tmp_path: Path, project: str, user: str, expected: dict[str, Any]) -> None:
    # (`note` is not a uv key; rendering does not validate the schema, uv does.)
    rendered = render_files(tmp_path, {"p/uv.toml": project + "\n", "home/.config/uv/uv.toml": user + "\n"})
    assert rendered == expected


def test_render_drops_pyproject_only_keys(tmp_path: Path) -> None:
    tool_uv = "".join(f"{key} = []\n" for key in sorted(PYPROJECT_ONLY_KEYS))
    rendered = render_files(
        tmp_path, {"p/pyproject.toml": f'[tool.uv]\nkeyring-provider = "subprocess"\n{tool_uv}'}
    )
    assert rendered == {"keyring-provider": "subprocess"}


def test_render_rebases_relative_paths(tmp_path: Path) -> None:
    files = {
        "p/uv.toml": """\
index-url = "./idx"
extra-index-url = ["../extra", "https://x.example/simple", "/abs/extra"]
find-links = ["wheels/", "file:///abs/links", "git+https://x.example/r", "s3://b/k", "HTTPS://h/x"]
[[index]]
name = "local"
url = "sub/../local"
[pip]
find-links = ["./pipwheels"]
""",
    }
    dest = tmp_path / "cache" / "uvauth"
    rendered = render_files(tmp_path, files, dest_dir=dest)
    assert rendered["index-url"] == "../../p/idx"
    assert rendered["extra-index-url"] == ["../../extra", "https://x.example/simple", "/abs/extra"]
    assert rendered["find-links"] == [
        "../../p/wheels/",
        "file:///abs/links",
        "git+https://x.example/r",
        "../../p/s3:/b/k",  # uv reads these two as relative paths, not URLs
        "../../p/HTTPS:/h/x",
    ]
    assert rendered["index"] == [{"name": "local", "url": "../../p/local"}]
    assert rendered["pip"] == {"find-links": ["../../p/pipwheels"]}

    absolute = tomllib.loads(render_merged(run_discover(tmp_path, cwd="p")))
    assert absolute["index-url"] == f"{tmp_path}/p/idx"
    assert absolute["find-links"][0] == f"{tmp_path}/p/wheels/"

    same_dir = tomllib.loads(render_merged(run_discover(tmp_path, cwd="p"), dest_dir=tmp_path / "p"))
    assert same_dir["index-url"] == "./idx"  # written next to the source file: kept verbatim


def test_render_extra_indexes_and_authenticate(tmp_path: Path) -> None:
    write_tree(tmp_path, LAYERED)
    config = run_discover(tmp_path, cwd="p", env=SYSTEM_ON)
    extra = {
        "name": "uvauth-1",
        "url": "https://extra.example/simple",
        "explicit": True,
        "authenticate": "always",
    }
    rendered = tomllib.loads(
        render_merged(config, extra_indexes=[extra], authenticate={"shared": "never", "unknown": "always"})
    )
    assert [(i.get("name"), i.get("authenticate")) for i in rendered["index"]] == [
        ("shared", "never"),
        ("shared", "never"),
        ("flat", None),
        (None, None),
        ("uvauth-1", "always"),
    ]
    assert rendered["index"][-1] == extra
    # The configuration itself is not modified.
    assert config.named("shared") is not None and config.named("shared").authenticate == "always"  # type: ignore[union-attr]


def test_render_keeps_toml_types_and_odd_keys(tmp_path: Path) -> None:
    files = {
        "p/uv.toml": """\
exclude-newer = 2024-01-02T03:04:05Z
concurrent-downloads = 4
config-settings = { "--build-option" = "x", "key with space" = "y" }
dependency-metadata = [{ name = "a", version = "1", requires-dist = ["b"] }]
cache-keys = [{ git = { commit = true } }, { file = "x" }]
[pip]
dependency-metadata = [{ name = "c" }]
""",
    }
    write_tree(tmp_path, files)
    text = render_merged(run_discover(tmp_path, cwd="p"))
    assert tomllib.loads(text) == tomllib.loads(files["p/uv.toml"])


def test_render_of_nothing_is_an_empty_config(tmp_path: Path) -> None:
    assert tomllib.loads(render_merged(run_discover(tmp_path))) == {}


def test_generated_config_key_follows_every_render_input(tmp_path: Path) -> None:
    """uvauth caches the generated file under this key and renders it only when missing: whatever the text
    depends on must change the key, and reading the same files again must not."""
    write_tree(tmp_path, LAYERED)
    config = run_discover(tmp_path, cwd="p", env=SYSTEM_ON)
    extra = {"name": "uvauth-1", "url": "https://extra.example/simple", "explicit": True, "authenticate": "always"}
    dest = tmp_path / "cache"
    generated = GeneratedConfig(config=config, extra_indexes=(extra,), authenticate={"shared": "never"},
                                dest_dir=str(dest))
    assert generated.render() == render_merged(
        config, extra_indexes=[extra], authenticate={"shared": "never"}, dest_dir=dest
    )
    assert re.fullmatch(r"[0-9a-f]{16}", generated_config_key(generated))
    again = run_discover(tmp_path, cwd="p", env=SYSTEM_ON)
    assert generated_config_key(generated._replace(config=again, extra_indexes=(dict(extra),))) == \
        generated_config_key(generated)

    first, *rest = config.files

    def with_first_file(**changes: Any) -> GeneratedConfig:
        return generated._replace(config=config._replace(files=(first._replace(**changes), *rest)))

    variants = [
        generated._replace(extra_indexes=()),
        generated._replace(extra_indexes=({**extra, "authenticate": "never"},)),
        generated._replace(authenticate={}),
        generated._replace(authenticate={"shared": "always"}),
        generated._replace(dest_dir=str(tmp_path / "elsewhere")),
        generated._replace(dest_dir=None),
        generated._replace(config=config._replace(files=tuple(rest))),
        with_first_file(level="user"),
        with_first_file(path=tmp_path / "q" / "uv.toml"),
        with_first_file(options={**first.options, "concurrent-downloads": 4}),
        with_first_file(options={**first.options, "concurrent-downloads": "4"}),
        with_first_file(options=dict(reversed(first.options.items()))),  # the text follows the key order
    ]
    keys = {generated_config_key(variant) for variant in variants}
    assert len(keys) == len(variants) and generated_config_key(generated) not in keys


def test_render_losses(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"p/pyproject.toml": "[tool.uv]\nenvironments = [\"sys_platform == 'linux'\"]\nsources = {}\n"},
    )
    config = run_discover(tmp_path, cwd="p")
    assert render_losses(config) == (f"{tmp_path}/p/pyproject.toml: environments",)


# --------------------------------------------------------------------------------------------------------------
# integration: the rendered file makes the real uv resolve the same settings
# --------------------------------------------------------------------------------------------------------------


def uv_bin() -> str:
    import uv

    return uv.find_uv_bin()


def uv_env(root: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: nothing from the developer's shell reaches uv."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(root / "home"),
        "XDG_CONFIG_DIRS": str(root / "xdg"),
        "UV_CACHE_DIR": str(root / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
        **extra,
    }


def show_settings(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    proc = subprocess.run(
        [uv_bin(), "--show-settings", *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"uv {' '.join(args)} failed:\n{proc.stderr}"
    return proc.stdout


_ABSOLUTE_OR_FILE_URL = re.compile(r"^(/|file:)")
_VERBATIM_FILE_URL = re.compile(
    r'(scheme: "file",(?:(?!given:).)*?path: "([^"]*)",(?:(?!given:).)*?given: Some\(\s*)"([^"]*)"', re.DOTALL
)


def normalise(text: str) -> str:
    """The --show-settings differences that are expected between discovery and UV_CONFIG_FILE.

    1. ``tv_sec``/``tv_nsec``: the refresh timestamp is the time uv started.
    2. ``Index.origin``: ``Some(Project|User|System)`` for discovered files, ``None`` for ``UV_CONFIG_FILE``.
    3. ``given`` of a local path written relatively: the rendered file is elsewhere, so the relative text
       differs (``./wheels`` vs ``../../p/wheels``). It is replaced by the resolved path that precedes it in the
       same ``VerbatimUrl``, so the *resolved* locations are still compared.
    """
    text = re.sub(r"tv_(sec|nsec): \d+", r"tv_\1: N", text)
    text = re.sub(r"origin: Some\(\s*(Project|User|System),\s*\)", "origin: None", text)

    def resolved(match: re.Match[str]) -> str:
        if _ABSOLUTE_OR_FILE_URL.match(match.group(3)):
            return match.group(0)
        return f'{match.group(1)}"{match.group(2)}"'

    return _VERBATIM_FILE_URL.sub(resolved, text)


def assert_same(discovered: str, rendered: str, what: str) -> None:
    a, b = normalise(discovered), normalise(rendered)
    if a != b:
        diff = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "discovery", "rendered"))
        pytest.fail(f"{what}: settings differ\n{diff[:6000]}")


def render_to(root: Path, config: UvConfig, **kwargs: Any) -> Path:
    dest = root / "uvauth-cache"
    dest.mkdir(exist_ok=True)
    text = render_merged(config, dest_dir=dest, **kwargs)
    path = dest / f"uv-{cache_key(text, 16)}.toml"
    path.write_text(text)
    return path


def compare_commands(
    root: Path, cwd: Path, commands: Sequence[Sequence[str]], *, tool_command: bool = False, **env_extra: str
) -> Path:
    env = uv_env(root, **env_extra)
    config = discover(
        cwd=cwd, project=None, config_file=None, no_config=False, tool_command=tool_command, env=env
    )
    assert config.files, "the setup should discover some configuration"
    assert render_losses(config) == ()
    rendered = render_to(root, config)
    for args in commands:
        assert_same(
            show_settings(args, cwd, env),
            show_settings(args, cwd, {**env, "UV_CONFIG_FILE": str(rendered)}),
            str(args),
        )
    return rendered


# Every uv.toml key of uv 0.13.8, set on several levels with different values, so that each combine rule is
# exercised (scalars, concatenated lists, the `preview` slot, merged maps, the [pip] and [audit] sections).
KITCHEN_SINK = {
    "p/pyproject.toml": '[project]\nname = "k"\nversion = "0.1.0"\nrequires-python = ">=3.8"\n',
    "p/req.in": "tinypkg\n",
    "p/uv.toml": """\
required-version = ">=0.5"
system-certs = true
offline = false
no-cache = false
cache-dir = "relcache"
preview-features = ["index-by-name"]
python-preference = "system"
python-downloads = "manual"
concurrent-downloads = 5
concurrent-builds = 2
index-url = "https://p.example/simple"
extra-index-url = ["https://pe1.example/simple", "./localextra"]
no-index = false
find-links = ["./wheels", "https://fl.example/links", "s3://looks-like/a-url", "HTTPS://also/a-path", "file:///abs"]
index-strategy = "unsafe-best-match"
keyring-provider = "subprocess"
http-proxy = "http://proxy.example:3128"
no-proxy = ["localhost"]
allow-insecure-host = ["p.example"]
resolution = "lowest-direct"
prerelease-package = {x = "allow"}
dependency-metadata = [{ name = "flask", version = "1.0.0", requires-dist = ["werkzeug"] }]
config-settings = {a = "p", b = ["p1", "p2"]}
config-settings-package = {pkg = {a = "p"}}
no-build-isolation = false
require-build-hashes = false
no-build-isolation-package = ["a"]
extra-build-dependencies = {x = ["p"]}
extra-build-variables = {x = {A = "p"}}
exclude-newer = "2024-01-01T00:00:00Z"
exclude-newer-package = {x = "2024-01-01T00:00:00Z"}
link-mode = "copy"
no-sources = false
no-sources-package = ["a"]
upgrade = false
upgrade-package = ["a"]
reinstall = false
reinstall-package = ["a"]
no-build = false
no-build-package = ["a"]
no-binary = false
no-binary-package = ["a"]
torch-backend = "cpu"
python-install-mirror = "https://pim.example/p"
publish-url = "https://pub.example/legacy/"
trusted-publishing = "never"
check-url = "https://check.example/simple"
add-bounds = "major"
cache-keys = [{file = "a.txt"}]
override-dependencies = ["a==1"]
exclude-dependencies = ["c"]
constraint-dependencies = ["e<2"]
build-constraint-dependencies = ["setuptools<70"]

[audit]
ignore = ["A"]

[[index]]
name = "proj"
url = "https://proj.example/simple"
authenticate = "always"

[[index]]
name = "shadow"
url = "./localidx"

[pip]
python-version = "3.11"
index-url = "https://pip-p.example/simple"
extra-index-url = ["https://pip-pe.example/simple"]
find-links = ["./pipwheels"]
extra = ["e1"]
no-emit-package = ["x"]
custom-compile-command = "make p"
config-settings = {a = "pp"}
upgrade-package = ["a"]
annotation-style = "line"
emit-index-url = true
""",
    "home/.config/uv/uv.toml": """\
preview = true
system-certs = false
python-preference = "only-system"
concurrent-downloads = 6
concurrent-installs = 3
index-url = "https://u.example/simple"
extra-index-url = ["https://ue1.example/simple"]
find-links = ["userwheels"]
keyring-provider = "disabled"
https-proxy = "http://proxy2.example:3128"
no-proxy = ["u.example"]
allow-insecure-host = ["u.example"]
prerelease = "allow"
prerelease-package = {x = "disallow", y = "disallow"}
fork-strategy = "fewest"
dependency-metadata = [{ name = "jinja2", version = "1.0.0" }]
config-settings = {a = "u", c = "u"}
config-settings-package = {pkg = {a = "u"}, q = {z = "u"}}
no-build-isolation-package = ["b"]
extra-build-dependencies = {x = ["u"], y = ["u"]}
extra-build-variables = {x = {A = "u", B = "u"}, y = {C = "u"}}
exclude-newer = "2023-01-01T00:00:00Z"
exclude-newer-package = {x = "2023-01-01T00:00:00Z", y = "2023-01-01T00:00:00Z"}
link-mode = "hardlink"
compile-bytecode = true
no-sources-package = ["b"]
upgrade-package = ["b"]
reinstall-package = ["b"]
no-build-package = ["b"]
no-binary-package = ["b"]
pypy-install-mirror = "https://ppm.example/p"
python-downloads-json-url = "https://json.example/downloads.json"
cache-keys = [{file = "b.txt"}]
override-dependencies = ["b==1"]
exclude-dependencies = ["d"]
constraint-dependencies = ["f<2"]
build-constraint-dependencies = ["wheel<1"]

[audit]
ignore = ["B"]
ignore-until-fixed = ["C"]

[[index]]
name = "shadow"
url = "https://user-shadow.example/simple"
authenticate = "never"

[[index]]
name = "user"
url = "https://user.example/simple"
default = true

[pip]
python-version = "3.12"
python-platform = "linux"
extra-index-url = ["https://pip-ue.example/simple"]
find-links = ["pipuserwheels"]
extra = ["e2"]
no-emit-package = ["y"]
custom-compile-command = "make u"
config-settings = {a = "pu"}
upgrade-package = ["b"]
generate-hashes = true
""",
    "xdg/uv/uv.toml": """\
index-url = "https://s.example/simple"
extra-index-url = ["https://se1.example/simple"]
find-links = ["./syswheels"]
allow-insecure-host = ["s.example"]
graalpy-install-mirror = "https://gm.example/p"
pyodide-install-mirror = "https://pm.example/p"

[[index]]
name = "sys"
url = "https://sys.example/simple"
explicit = true

[pip]
extra-index-url = ["https://pip-se.example/simple"]
no-annotate = true
""",
}

PIP_AND_PROJECT_COMMANDS = [
    ["pip", "compile", "req.in"],
    ["pip", "install", "x"],
    ["pip", "sync", "req.in"],
    ["lock"],
    ["sync"],
    ["run", "true"],
    ["publish"],
]
TOOL_COMMANDS = [["tool", "install", "x"], ["tool", "run", "x"], ["tool", "upgrade", "x"]]


@pytest.mark.integration
def test_rendered_layered_uv_toml_files_match_discovery(tmp_path: Path) -> None:
    write_tree(tmp_path, KITCHEN_SINK)
    rendered = compare_commands(tmp_path, tmp_path / "p", PIP_AND_PROJECT_COMMANDS)
    text = rendered.read_text()
    assert "preview = true" not in text  # the project's preview-features took the slot
    compare_commands(tmp_path, tmp_path / "p", TOOL_COMMANDS, tool_command=True)


WORKSPACE = {
    "ws/pyproject.toml": """\
[project]
name = "root"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = ["m1", "tinypkg"]

[dependency-groups]
dev = ["pytest"]

[tool.uv]
managed = true
package = false
default-groups = ["dev"]
conflicts = [[{ extra = "a" }, { extra = "b" }]]
constraint-dependencies = ["tinypkg<2"]
override-dependencies = ["tinypkg>=1"]
build-constraint-dependencies = ["setuptools<80"]
find-links = ["./wheels", "../outside"]
index-url = "./localindex"
keyring-provider = "subprocess"

[tool.uv.sources]
m1 = { workspace = true }
tinypkg = { index = "private" }

[tool.uv.workspace]
members = ["packages/*"]

[[tool.uv.index]]
name = "private"
url = "https://private.example/simple"
explicit = true
authenticate = "always"

[tool.uv.pip]
find-links = ["./pipwheels"]
universal = true
""",
    "ws/req.in": "tinypkg\n",
    "ws/packages/m1/pyproject.toml": """\
[project]
name = "m1"
version = "0.1.0"
requires-python = ">=3.8"

[tool.uv]
index-url = "https://m1.example/simple"

[[tool.uv.index]]
name = "m1idx"
url = "https://m1idx.example/simple"
""",
    "home/.config/uv/uv.toml": """\
find-links = ["./userwheels"]

[[index]]
name = "private"
url = "https://user-private.example/simple"

[[index]]
name = "useridx"
url = "https://useridx.example/simple"
""",
}

WORKSPACE_COMMANDS = [
    ["pip", "compile", "req.in"],
    ["lock"],
    ["lock", "--index", "private"],
    ["sync"],
    ["export"],
    ["run", "true"],
]


@pytest.mark.integration
@pytest.mark.parametrize("where", ["ws", "ws/packages/m1"], ids=["from-root", "from-member"])
def test_rendered_pyproject_workspace_matches_discovery(tmp_path: Path, where: str) -> None:
    write_tree(tmp_path, WORKSPACE)
    cwd = tmp_path / where
    commands = [
        [*args[:2], str(tmp_path / "ws/req.in")] if args[0] == "pip" else args for args in WORKSPACE_COMMANDS
    ]
    rendered = compare_commands(tmp_path, cwd, commands, UV_PREVIEW_FEATURES="index-by-name")
    text = tomllib.loads(rendered.read_text())
    assert not PYPROJECT_ONLY_KEYS & text.keys()
    assert text["index-url"].endswith("/ws/localindex") and not text["index-url"].startswith("/")


@pytest.mark.integration
def test_pip_compile_settings_that_a_uv_toml_cannot_carry(tmp_path: Path) -> None:
    # `environments`, `required-environments` and `minimum-libc-version` of a project pyproject reach
    # `uv pip compile` through the settings, yet uv.toml rejects them: render_losses reports them.
    write_tree(
        tmp_path,
        {
            "p/pyproject.toml": "[tool.uv]\nenvironments = [\"sys_platform == 'linux'\"]\n"
            'minimum-libc-version = { glibc = "2.17" }\n',
            "p/req.in": "x\n",
        },
    )
    env = uv_env(tmp_path)
    config = discover(
        cwd=tmp_path / "p", project=None, config_file=None, no_config=False, tool_command=False, env=env
    )
    assert render_losses(config) == (
        f"{tmp_path}/p/pyproject.toml: environments",
        f"{tmp_path}/p/pyproject.toml: minimum-libc-version",
    )
    rendered = render_to(tmp_path, config)
    args = ["pip", "compile", "req.in"]
    discovered = show_settings(args, tmp_path / "p", env)
    via_file = show_settings(args, tmp_path / "p", {**env, "UV_CONFIG_FILE": str(rendered)})
    assert "sys_platform == 'linux'" in discovered and "sys_platform == 'linux'" not in via_file


@pytest.mark.integration
def test_rendered_config_file_matches_the_original(tmp_path: Path) -> None:
    # --config-file / UV_CONFIG_FILE: the rendered copy (written elsewhere) behaves like the original.
    write_tree(tmp_path, {"c/my.toml": KITCHEN_SINK["p/uv.toml"], "p/req.in": "x\n", **USER})
    env = uv_env(tmp_path)
    config = discover(
        cwd=tmp_path / "p",
        project=None,
        config_file=Path("../c/my.toml"),
        no_config=False,
        tool_command=False,
        env=env,
    )
    rendered = render_to(tmp_path, config)
    for args in (["pip", "compile", "req.in"], ["lock"]):
        original = show_settings(args, tmp_path / "p", {**env, "UV_CONFIG_FILE": str(tmp_path / "c/my.toml")})
        assert_same(
            original, show_settings(args, tmp_path / "p", {**env, "UV_CONFIG_FILE": str(rendered)}), str(args)
        )


def drop_index_blocks(text: str, name: str) -> tuple[str, int]:
    """Remove every pretty-printed `Index { ... }` block whose name is `name`; return (text, blocks removed)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    removed = 0
    i = 0
    while i < len(lines):
        start = re.match(r"^(\s*)Index \{$", lines[i].rstrip("\n"))
        if start:
            indent = start.group(1)
            j = i + 1
            while not re.match(rf"^{indent}}},?$", lines[j].rstrip("\n")):
                j += 1
            block = "".join(lines[i : j + 1])
            if f'IndexName(\n{indent}            "{name}",' in block or f'"{name}"' in block.split("url:")[0]:
                removed += 1
                i = j + 1
                continue
        out.append(lines[i])
        i += 1
    return "".join(out), removed


@pytest.mark.integration
def test_a_synthesized_index_is_the_only_difference(tmp_path: Path) -> None:
    write_tree(tmp_path, KITCHEN_SINK)
    cwd = tmp_path / "p"
    env = uv_env(tmp_path)
    config = discover(cwd=cwd, project=None, config_file=None, no_config=False, tool_command=False, env=env)
    extra = {
        "name": "uvauth-1",
        "url": "https://extra.example/simple",
        "explicit": True,
        "authenticate": "always",
    }
    rendered = render_to(tmp_path, config, extra_indexes=[extra])
    for args in (["pip", "compile", "req.in"], ["lock"], ["sync"]):
        with_extra = show_settings(args, cwd, {**env, "UV_CONFIG_FILE": str(rendered)})
        stripped, removed = drop_index_blocks(with_extra, "uvauth-1")
        assert removed >= 1, f"{args}: the synthesized index is missing"
        block = with_extra[with_extra.index('"uvauth-1"') :]
        assert re.search(r"explicit: true,.*?authenticate: Always,", block, re.DOTALL)
        assert_same(show_settings(args, cwd, env), stripped, str(args))


@pytest.mark.integration
def test_authenticate_override_changes_only_that_index(tmp_path: Path) -> None:
    write_tree(tmp_path, KITCHEN_SINK)
    cwd = tmp_path / "p"
    env = uv_env(tmp_path)
    config = discover(cwd=cwd, project=None, config_file=None, no_config=False, tool_command=False, env=env)
    plain = render_to(tmp_path, config)
    forced = render_to(tmp_path, config, authenticate={"user": "always"})
    a = normalise(show_settings(["lock"], cwd, {**env, "UV_CONFIG_FILE": str(plain)}))
    b = normalise(show_settings(["lock"], cwd, {**env, "UV_CONFIG_FILE": str(forced)}))
    changed = [(x, y) for x, y in zip(a.splitlines(), b.splitlines()) if x != y]
    assert len(a.splitlines()) == len(b.splitlines())
    assert changed and all(
        x.strip() == "authenticate: Auto," and y.strip() == "authenticate: Always," for x, y in changed
    )


def write_wheel(directory: Path, name: str, version: str) -> None:
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(
            f"{dist_info}/RECORD", "".join(f"{path},,\n" for path in [*files, f"{dist_info}/RECORD"])
        )


@pytest.mark.integration
def test_relative_find_links_give_the_same_lockfile(tmp_path: Path) -> None:
    # uv.lock records a local registry written relatively *relative to the workspace root*, and an absolute one
    # verbatim; the rendered file keeps relative paths relative, so `uv lock --locked` still passes.
    write_tree(
        tmp_path,
        {
            "p/pyproject.toml": """\
[project]
name = "lp"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = ["tinypkg"]

[tool.uv]
package = false
constraint-dependencies = ["tinypkg<2"]
find-links = ["./wheels"]
no-index = true
""",
        },
    )
    (tmp_path / "p/wheels").mkdir()
    for version in ("1.0", "2.0"):
        write_wheel(tmp_path / "p/wheels", "tinypkg", version)
    cwd = tmp_path / "p"
    env = uv_env(tmp_path, UV_PYTHON=sys.executable, UV_OFFLINE="1")

    def lock(*extra: str, **more_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [uv_bin(), "lock", *extra],
            cwd=cwd,
            env={**env, **more_env},
            capture_output=True,
            text=True,
            check=False,
        )

    first = lock()
    assert first.returncode == 0, first.stderr
    discovered_lock = (cwd / "uv.lock").read_text()
    assert 'registry = "wheels"' in discovered_lock

    config = discover(cwd=cwd, project=None, config_file=None, no_config=False, tool_command=False, env=env)
    rendered = render_to(tmp_path, config)
    locked = lock("--locked", UV_CONFIG_FILE=str(rendered))
    assert locked.returncode == 0, locked.stderr
    (cwd / "uv.lock").unlink()
    again = lock(UV_CONFIG_FILE=str(rendered))
    assert again.returncode == 0, again.stderr
    assert (cwd / "uv.lock").read_text() == discovered_lock


_BAD_VALUES = {
    "value-after-a-blank-line": '[[index]]\nname = "a"\nurl = "https://h/simple"\n\ndefault = "yes"\n',
    "second-entry": ('[[index]]\nname = "a"\nurl = "https://h/simple"\n[[index]]\nname = "b"\n'
                     'url = "https://h2/simple"\n\n# policy\nauthenticate = "Always"\n[pip]\n'),
    "pyproject-style-order": '[[index]]\nauthenticate = 5\nname = "a"\nurl = "https://h/simple"\n',
}


@pytest.mark.integration
@pytest.mark.parametrize("text", list(_BAD_VALUES.values()), ids=list(_BAD_VALUES))
def test_a_bad_index_value_is_reported_at_the_line_uv_names(tmp_path: Path, text: str) -> None:
    """uv points at the bad value's own line; uvauth once named its [[index]] header instead."""
    write_tree(tmp_path, {"uv.toml": text, "req.in": ""})
    with pytest.raises(UvauthError) as info:
        run_discover(tmp_path)
    proc = subprocess.run([uv_bin(), "pip", "compile", "req.in"], cwd=tmp_path, capture_output=True, text=True,
                          env={**uv_env(tmp_path), **base_env(tmp_path)}, check=False)
    found = re.search(r"TOML parse error at line (\d+)", proc.stderr)
    assert found, proc.stderr
    assert info.value.where == f"{tmp_path}/uv.toml:{found[1]}"
