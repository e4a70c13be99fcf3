"""uvauth's own settings: sources and their precedence, validation messages, and the cache that keeps pydantic
off the path of a command whose settings did not change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from uvauth.errors import UvauthError
from uvauth.settings.sources import resolve


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    config_home = tmp_path / "config"
    (config_home / "uvauth").mkdir(parents=True)
    (tmp_path / "cache").mkdir(mode=0o700)  # as uvauth.launch.cache_dir makes it
    return {"project": project, "root": tmp_path / "project", "user": config_home / "uvauth" / "uvauth.toml",
            "config_home": config_home, "cache": tmp_path / "cache"}


def _env(dirs: dict[str, Path], **values: str) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(dirs["config_home"]), "HOME": "/nonexistent", **values}


def test_nothing_set_needs_no_validation(dirs: dict[str, Path]) -> None:
    resolved = resolve(None, dirs["project"], _env(dirs), dirs["cache"])
    assert (resolved.authenticate, resolved.authenticate_prefixes, resolved.uv, resolved.forced) == (None, (), None, None)
    assert list(dirs["cache"].iterdir()) == []


def test_precedence_command_line_environment_project_user(dirs: dict[str, Path]) -> None:
    dirs["user"].write_text('authenticate = "never"\nuv = "/user/uv"\nauthenticate-prefixes = ["https://u/x"]\n')
    (dirs["root"] / "pyproject.toml").write_text('[project]\nname = "p"\n[tool.uvauth]\nauthenticate = "auto"\n')
    env = _env(dirs)
    resolved = resolve(None, dirs["project"], env, dirs["cache"])
    assert resolved.authenticate == "auto"  # the project beats the user…
    assert resolved.authenticate_source.endswith("pyproject.toml [tool.uvauth]")
    assert resolved.uv == "/user/uv" and resolved.authenticate_prefixes == ("https://u/x",)  # …field by field
    env["UVAUTH_AUTHENTICATE"] = "always"
    env["UVAUTH_AUTHENTICATE_PREFIXES"] = "https://a/b  https://c/d"
    resolved = resolve(None, dirs["project"], env, dirs["cache"])
    assert resolved.authenticate == "always" and resolved.authenticate_source == "environment (UVAUTH_*)"
    assert resolved.authenticate_prefixes == ("https://a/b", "https://c/d")
    assert resolve("never", dirs["project"], env, dirs["cache"]).forced == "never"


def test_uvauth_toml_beside_the_project_beats_pyproject(dirs: dict[str, Path]) -> None:
    (dirs["root"] / "pyproject.toml").write_text('[tool.uvauth]\nauthenticate = "auto"\n')
    (dirs["root"] / "uvauth.toml").write_text('authenticate = "always"\n')
    assert resolve(None, dirs["project"], _env(dirs), dirs["cache"]).authenticate == "always"


@pytest.mark.parametrize(
    ("where", "content", "expected"),
    [
        pytest.param("env", "sometimes", "UVAUTH", id="environment"),
        pytest.param("user", 'authenticate = "sometimes"\n', "uvauth.toml", id="user-file"),
        pytest.param("user", 'authenticate = "always"\nbogus = 1\n', "uvauth.toml", id="unknown-key"),
        pytest.param("user", 'authenticate-prefixes = ["artifactory.example.com"]\n', "uvauth.toml",
                     id="prefix-not-a-url"),
    ],
)
def test_invalid_values_name_their_source(dirs: dict[str, Path], where: str, content: str, expected: str) -> None:
    env = _env(dirs)
    if where == "env":
        env["UVAUTH_AUTHENTICATE"] = content
    else:
        dirs["user"].write_text(content)
    with pytest.raises(UvauthError) as raised:
        resolve(None, dirs["project"], env, dirs["cache"])
    assert expected in str(raised.value)


def test_invalid_command_line_policy() -> None:
    with pytest.raises(UvauthError, match="always, auto, never"):
        resolve("sometimes", Path("/"), {}, None)


def test_malformed_settings_file_names_the_file(dirs: dict[str, Path]) -> None:
    dirs["user"].write_text("authenticate = \n")
    with pytest.raises(UvauthError) as raised:
        resolve(None, dirs["project"], _env(dirs), dirs["cache"])
    assert raised.value.where == f"{dirs['user']}:1:16"


@pytest.mark.parametrize(("content", "line", "message"), [
    ('authenticate = "sometimes"\n', 1, "`authenticate` must be one of always, auto, never"),
    ('# mine\n\nauthenticate-prefixes = ["h/x"]\n', 3,
     "`authenticate-prefixes`: 'h/x' is not an absolute URL such as https://host/path"),
    ('authenticate-prefixes = "https://h/"\n', 1, "`authenticate-prefixes` must be a list"),
    ('authenticate = "always"\n\nbogus = 1\n', 3, "unknown setting `bogus`"),
    ('authenticate = "always"\n\n[[credentials]]\nindex = "a"\nttl = 5\n', 3,
     "[[credentials]] entry 1: give exactly one of `password-command`, `password-env`, `password-file`, `keyring`, "
     "`helper`, `git-credential` "
     "(or a `provider`)"),
    ('[[credentials]]\nindex = "a"\npassword-env = "X"\n[[credentials]]\nindex = "b"\npassword-env = "Y"\n'
     'colour = 1\n', 7, "[[credentials]] entry 2: colour: unknown key"),
    ('[[credentials]]\nindex = 5\npassword-env = "X"\n', 2, "[[credentials]] entry 1: index: expected a string"),
], ids=["policy", "prefix-not-a-url", "prefixes-not-a-list", "unknown-key", "entry-without-a-source",
        "entry-unknown-key", "entry-wrong-type"])
def test_a_bad_setting_is_named_at_its_line_in_uvauths_words(dirs: dict[str, Path], content: str, line: int,
                                                             message: str) -> None:
    """The README promises file:line; the errors once carried pydantic's wording ("Input should be …", "Value
    error, …", "Extra inputs are not permitted") and the file alone."""
    for where, table in ((dirs["user"], ""), (dirs["root"] / "pyproject.toml", "[tool.uvauth]\n")):
        where.write_text(table + (content.replace("[[credentials]]", "[[tool.uvauth.credentials]]") if table
                                  else content))
        with pytest.raises(UvauthError) as raised:
            resolve(None, dirs["project"], _env(dirs), dirs["cache"])
        assert (raised.value.where, raised.value.message) == (f"{where}:{line + (1 if table else 0)}", message)
        where.unlink()


def test_a_warm_run_does_not_import_pydantic(dirs: dict[str, Path]) -> None:
    """The validated settings are cached by the hash of their sources: pydantic (≈130 ms) is imported only when
    they change."""
    dirs["user"].write_text('authenticate = "always"\n')
    script = (
        "import sys; from pathlib import Path; from uvauth.settings.sources import resolve;"
        f"r = resolve(None, Path({str(dirs['project'])!r}), {_env(dirs)!r}, Path({str(dirs['cache'])!r}));"
        "print(r.authenticate, 'pydantic' in sys.modules)"
    )
    run = lambda: subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert run() == "always True\n"  # cold: validated
    assert run() == "always False\n"  # warm: from the cache
    dirs["user"].write_text('authenticate = "never"\n')
    assert run() == "never True\n"  # sources changed: validated again


def test_the_path_of_uv_is_not_a_project_setting(dirs: dict[str, Path]) -> None:
    (dirs["root"] / "uvauth.toml").write_text('uv = "/opt/uv"\n')
    with pytest.raises(UvauthError, match="setting of this machine") as raised:
        resolve(None, dirs["project"], _env(dirs), dirs["cache"])
    assert raised.value.where == str(dirs["root"] / "uvauth.toml")


def test_the_user_files_uv_is_found_for_every_command(dirs: dict[str, Path]) -> None:
    from uvauth.settings.sources import user_uv

    env = _env(dirs, XDG_CACHE_HOME=str(dirs["cache"]))
    assert user_uv(env) is None
    dirs["user"].write_text('uv = "/opt/uv"\n')
    assert user_uv(env) == "/opt/uv"
    assert user_uv({**env, "UVAUTH_UV": "/elsewhere/uv"}) is None  # the variable wins, in launch.find_uv


def test_the_settings_model_takes_uvs_policies() -> None:
    """pydantic needs the policies spelled out in a ``Literal``: they must be the one definition's."""
    import typing

    from uvauth.settings.model import UvauthSettings
    from uvauth.uv.auth_policy import POLICIES

    annotation = UvauthSettings.model_fields["authenticate"].annotation
    (literal,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    assert typing.get_args(literal) == POLICIES


def test_a_prefix_holding_credentials_is_never_written_to_the_settings_cache(tmp_path: Path) -> None:
    from uvauth.settings.sources import resolve as resolve_settings

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    secret = "t0ken-S3CRET"
    env = {"UVAUTH_AUTHENTICATE_PREFIXES": f"https://user:{secret}@art.example.com/artifactory",
           "HOME": str(tmp_path)}
    resolved = resolve_settings(None, tmp_path, env, cache)
    assert resolved.authenticate_prefixes == (f"https://user:{secret}@art.example.com/artifactory",)
    assert [p.name for p in cache.iterdir() if secret in p.read_text()] == []


def test_validated_settings_are_cached_for_the_code_that_validated_them(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Another uvauth (a new field, a stricter check) validates the same settings again: the cache file is keyed
    by uvauth.cache.code_stamp, not by a number someone must remember to bump."""
    from uvauth import cache as uvauth_cache
    from uvauth.settings.sources import resolve as resolve_settings

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    env = {"UVAUTH_AUTHENTICATE_PREFIXES": "https://art.example.com/artifactory", "HOME": str(tmp_path)}
    files = []
    for code in ("uvauth 1", "uvauth 2", "uvauth 1"):
        monkeypatch.setattr(uvauth_cache, "_CODE", [code])
        resolve_settings(None, tmp_path, env, cache)
        files.append(sorted(p.name for p in cache.iterdir()))
    assert len(files[0]) == 1 and len(files[1]) == 2 and files[2] == files[1]


def test_a_generated_configuration_is_named_for_the_code_that_renders_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from uvauth import cache as uvauth_cache
    from uvauth.uv.config.discover import UvConfig
    from uvauth.uv.config.render import GeneratedConfig

    generated = GeneratedConfig(config=UvConfig(files=(), indexes=()), extra_indexes=(), authenticate={"a": "always"},
                                dest_dir=None)
    names = []
    for code in ("uvauth 1", "uvauth 2"):
        monkeypatch.setattr(uvauth_cache, "_CODE", [code])
        names.append(uvauth_cache.generated_config_key(generated))
    assert names[0] != names[1]
