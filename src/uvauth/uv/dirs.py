"""Where uv's (and uvauth's) per-user and system directories are: one rule for HOME and the XDG variables.

uv finds its directories with the ``etcetera`` crate's base strategy (``crates/uv-dirs/src/lib.rs``:
``user_config_dir``, ``user_state_dir``, ``system_config_file``; ``docs/uv-rules.md``, "Directories"). On Linux and
macOS that is the XDG strategy:

* an ``XDG_*_HOME`` variable counts **only when it holds an absolute path**; empty or relative, it is ignored
  and the directory falls back to ``$HOME/…`` (``~/.config``, ``~/.local/share``, ``~/.cache``);
* the home directory is ``$HOME`` when it is non-empty, else the user's entry in the password database
  (``home::home_dir``).

On Windows ``etcetera`` uses the known folders: ``%APPDATA%`` (Roaming) for configuration and data,
``%LOCALAPPDATA%`` for the cache.

uvauth keeps its own files by the same rule: its cache is ``user_cache_dir()/uvauth`` and its user settings
``user_config_dir()/uvauth/uvauth.toml``. Imported before every uv call: ``os`` only, and strings, not paths.
"""

import os
import sys

from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: The platform the rules below follow: the machine's, unless a caller (a test) names another. Each function takes
#: ``windows`` so that every platform's rule can be checked on any machine, with paths spelled that platform's way.
_WINDOWS = os.name == "nt"
_MACOS = sys.platform == "darwin"


def home_dir(env: "Mapping[str, str]", *, windows: bool = _WINDOWS) -> str | None:
    """The home directory: ``$HOME`` (``%USERPROFILE%`` on Windows) when non-empty, else the password database's
    entry for the current user, else None."""
    value = env.get("USERPROFILE" if windows else "HOME")
    if value:
        return value
    if windows or os.name == "nt":
        return None
    import pwd  # not on Windows

    try:
        return pwd.getpwuid(os.getuid()).pw_dir or None
    except KeyError:
        return None


def _xdg_home(env: "Mapping[str, str]", variable: str, fallback: str, home: str | None) -> str | None:
    """``$variable`` when it is an absolute path, else ``home/fallback`` (etcetera's ``Xdg`` strategy)."""
    import posixpath

    value = env.get(variable, "")
    if value and posixpath.isabs(value):
        return value
    base = home if home is not None else home_dir(env, windows=False)
    return posixpath.join(base, fallback) if base is not None else None


def _windows_folder(env: "Mapping[str, str]", variable: str, fallback: str, home: str | None) -> str | None:
    """``%variable%`` when it is an absolute path, else ``home\\AppData\\fallback`` (etcetera's ``Windows``
    strategy: the known folders, which those variables name)."""
    import ntpath

    value = env.get(variable, "")
    if value and ntpath.isabs(value):
        return value
    base = home if home is not None else home_dir(env, windows=True)
    return ntpath.join(base, "AppData", fallback) if base is not None else None


def user_config_dir(env: "Mapping[str, str]", home: str | None = None, *, windows: bool = _WINDOWS) -> str | None:
    """``$XDG_CONFIG_HOME`` if absolute, else ``~/.config`` (Windows: ``%APPDATA%``, ``XDG_CONFIG_HOME``
    ignored; macOS as Linux, no ``~/Library``): uv's ``user_config_dir``, whose ``uv/uv.toml`` is the user-level
    configuration (``FilesystemOptions::user``, ``crates/uv-settings/src/lib.rs``). ``home`` overrides the home
    directory."""
    if windows:
        return _windows_folder(env, "APPDATA", "Roaming", home)
    return _xdg_home(env, "XDG_CONFIG_HOME", ".config", home)


def user_data_dir(env: "Mapping[str, str]", home: str | None = None, *, windows: bool = _WINDOWS) -> str | None:
    """``$XDG_DATA_HOME`` if absolute, else ``~/.local/share`` (Windows: ``%APPDATA%``): the base of uv's state
    directory (``user_state_dir``, ``crates/uv-dirs/src/lib.rs``) unless a legacy one exists
    (:func:`credentials_dir`)."""
    if windows:
        return _windows_folder(env, "APPDATA", "Roaming", home)
    return _xdg_home(env, "XDG_DATA_HOME", ".local/share", home)


def legacy_user_state_dir(env: "Mapping[str, str]", home: str | None = None, *, windows: bool = _WINDOWS,
                          macos: bool = _MACOS) -> str | None:
    """uv's *legacy* state directory, the platform's native data directory: ``~/Library/Application Support/uv``
    on macOS, ``%APPDATA%\\uv\\data`` on Windows; on Linux the same as ``user_data_dir()/uv``
    (``legacy_user_state_dir``, ``crates/uv-dirs/src/lib.rs``: etcetera's native strategy)."""
    import ntpath
    import posixpath

    if windows:
        base = _windows_folder(env, "APPDATA", "Roaming", home)
        return None if base is None else ntpath.join(base, "uv", "data")
    if macos:
        base = home if home is not None else home_dir(env, windows=False)
        return None if base is None else posixpath.join(base, "Library", "Application Support", "uv")
    data = user_data_dir(env, home, windows=False)
    return None if data is None else posixpath.join(data, "uv")


def credentials_dir(env: "Mapping[str, str]", home: str | None = None, *,
                    directory_exists: "Callable[[str], bool]", windows: bool = _WINDOWS, macos: bool = _MACOS) -> str:
    """The directory of ``uv auth login``'s ``credentials.toml`` (what ``uv auth dir`` prints).

    ``$UV_CREDENTIALS_DIR`` when non-empty, verbatim (no ``~``; a relative path is relative to the working
    directory); else uv's state store: the legacy directory if it exists (:func:`legacy_user_state_dir`; so a
    Mac that ran an older uv keeps ``~/Library/Application Support/uv``), else ``user_data_dir()/uv``; then its
    ``credentials`` bucket (``TextCredentialStore::directory_path``, ``crates/uv-auth/src/store.rs``, and
    ``StateStore::from_settings``, ``crates/uv-state/src/lib.rs``). ``UV_STATE_DIR`` does not count: uv passes
    no state directory there. ``directory_exists`` tells whether a directory exists (the caller notes what it
    asked), and is asked only where the legacy directory differs (not on Linux).
    """
    import ntpath
    import posixpath

    explicit = env.get(envvars.UV_CREDENTIALS_DIR)
    if explicit:
        return explicit
    join = ntpath.join if windows else posixpath.join
    if windows or macos:
        legacy = legacy_user_state_dir(env, home, windows=windows, macos=macos)
        if legacy is not None and directory_exists(legacy):
            return join(legacy, "credentials")
    data = user_data_dir(env, home, windows=windows)
    if data is None:
        return join(".uv", "credentials")  # uv's last resort: `.uv` in the working directory
    return join(data, "uv", "credentials")


def user_cache_dir(env: "Mapping[str, str]", home: str | None = None, *, windows: bool = _WINDOWS) -> str | None:
    """``$XDG_CACHE_HOME`` if absolute, else ``~/.cache`` (Windows: ``%LOCALAPPDATA%``)."""
    if windows:
        return _windows_folder(env, "LOCALAPPDATA", "Local", home)
    return _xdg_home(env, "XDG_CACHE_HOME", ".cache", home)


def system_config_dirs(env: "Mapping[str, str]", *, windows: bool = _WINDOWS) -> list[str]:
    """The directories searched for the system-level ``uv/uv.toml``, in order (uv's ``system_config_file``,
    ``crates/uv-dirs/src/lib.rs``).

    The ``$XDG_CONFIG_DIRS`` entries (``:``-separated; empty entries skipped; default ``/etc/xdg`` when the
    variable is unset or empty). Unlike the ``XDG_*_HOME`` variables, a relative entry is kept: uv joins it to
    its working directory. The caller then tries ``/etc/uv/uv.toml``. On Windows: ``%SYSTEMDRIVE%\\ProgramData``
    alone (``locate_system_config_windows``), nothing when ``SYSTEMDRIVE`` is unset, and no ``/etc`` fallback.
    """
    if windows:
        drive = env.get("SYSTEMDRIVE")
        return [f"{drive}\\ProgramData"] if drive else []
    return [entry for entry in (env.get("XDG_CONFIG_DIRS", "") or "/etc/xdg").split(":") if entry]
