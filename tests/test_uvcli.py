"""uv's command line, modelled: subcommands, options in every spelling, untouchable tails, the header rule."""

import pytest

from uvauth.uv.cmdline import header_command, parse


def _values(argv: list[str], name: str) -> list[str]:
    return parse(argv).values(name)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["pip", "compile", "--index-url", "U", "r.in"], ["U"], id="long-space"),
        pytest.param(["pip", "compile", "--index-url=U", "r.in"], ["U"], id="long-equals"),
        pytest.param(["pip", "compile", "-i", "U", "r.in"], ["U"], id="short-space"),
        pytest.param(["pip", "compile", "-iU", "r.in"], ["U"], id="short-attached"),
        pytest.param(["pip", "compile", "-i=U", "r.in"], ["U"], id="short-equals"),
        pytest.param(["pip", "install", "-qiU", "x"], ["U"], id="short-cluster"),
        pytest.param(["-i", "U", "pip", "compile", "r.in"], [], id="not-before-its-subcommand"),
        pytest.param(["pip", "compile", "r.in", "--", "-i", "U"], [], id="after-double-dash"),
    ],
)
def test_index_url_spellings(argv: list[str], expected: list[str]) -> None:
    assert _values(argv, "--index-url") == expected


def test_global_options_anywhere() -> None:
    cmd = parse(["--directory", "d", "pip", "compile", "-v", "r.in", "--config-file", "c.toml", "--no-config"])
    assert cmd.command == ("pip", "compile")
    assert cmd.values("--directory") == ["d"]
    assert cmd.values("--config-file") == ["c.toml"]
    assert cmd.has("--no-config")
    assert cmd.count("--verbose") == 1
    assert [text for _, text in cmd.positionals] == ["r.in"]


@pytest.mark.parametrize(
    ("argv", "command", "boundary_token"),
    [
        pytest.param(["run", "--with", "x", "python", "-i", "U"], ("run",), "python", id="run-command"),
        pytest.param(["run", "--", "python", "-i"], ("run",), "python", id="run-double-dash"),
        pytest.param(["tool", "run", "--index", "U", "ruff", "--index", "V"], ("tool", "run"), "ruff", id="tool-run"),
        pytest.param(["tool", "uvx", "ruff@latest", "check"], ("tool", "uvx"), "ruff@latest", id="uvx"),
    ],
)
def test_run_commands_stop_at_their_command(argv: list[str], command: tuple[str, ...], boundary_token: str) -> None:
    cmd = parse(argv)
    assert cmd.command == command
    assert argv[cmd.boundary] == boundary_token
    assert all(o.stop <= cmd.boundary for o in cmd.options)


def test_uvauth_option_is_removed_only_before_the_boundary() -> None:
    argv = ["--authenticate", "always", "run", "--authenticate=never", "python", "x.py", "--authenticate", "auto"]
    cmd = parse(argv)
    assert [o.value for o in cmd.uvauth_options] == ["always", "never"]
    assert cmd.without_uvauth_options() == ["run", "python", "x.py", "--authenticate", "auto"]


def test_requirements_options_in_pip_install() -> None:
    cmd = parse(["pip", "install", "-r", "a.txt", "--requirements=b.txt", "-c", "c.txt", "--overrides", "o.txt"])
    assert cmd.values("--requirements") == ["a.txt", "b.txt"]
    assert cmd.values("--constraints") == ["c.txt"]
    assert cmd.values("--overrides") == ["o.txt"]


def test_unknown_options_and_commands_never_fail() -> None:
    cmd = parse(["frobnicate", "--weird", "-Z", "x"])
    assert cmd.command == ()
    assert parse([]).command == ()


@pytest.mark.parametrize(
    ("args", "emit_urls", "emit_links", "header"),
    [
        pytest.param(["pip", "compile", "r.in", "-i", "U", "--index=V", "-o", "o.txt"], False, False,
                     "uv pip compile r.in -o o.txt", id="index-options-dropped"),
        pytest.param(["pip", "compile", "r.in", "-i", "U", "--emit-index-url"], True, False,
                     "uv pip compile r.in -i U --emit-index-url", id="kept-when-emitted"),
        pytest.param(["pip", "compile", "r.in", "-iU"], False, False, "uv pip compile r.in -iU",
                     id="attached-short-index-url-kept-as-uv-does"),
        pytest.param(["pip", "compile", "r.in", "-f", "L", "-fM", "--find-links=N"], False, False,
                     "uv pip compile r.in", id="find-links-dropped"),
        pytest.param(["pip", "compile", "-U", "-P", "x", "-Py", "-q", "-v", "-vv", "--no-progress", "r.in"], False,
                     False, "uv pip compile -vv r.in", id="always-dropped"),
        pytest.param(["pip", "compile", "--config-file", "uv.toml", "r.in"], False, False,
                     "uv pip compile --config-file uv.toml r.in", id="config-file-kept"),
    ],
)
def test_header_command_matches_uv(args: list[str], emit_urls: bool, emit_links: bool, header: str) -> None:
    assert header_command(args, include_index_url=emit_urls, include_find_links=emit_links) == header
