"""Where uvauth's settings files are, found with ``os`` only: nothing here parses TOML.

These run before uvauth knows whether it has anything to do: :func:`locate` is the walk that tells the pipeline
whether any settings are in force, and :func:`uv_setting_file` tells every uv call, the pass-through included,
whether the user's file could choose the real uv (the path of uv is a machine's setting). Parsing and validating
is :mod:`uvauth.settings.sources`, imported only when one of these has found something to read.
"""

import os

from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final

#: A pyproject.toml holds uvauth settings only if its text has this table header (``[tool.uvauth]``, or one of
#: its sub-tables).
_PYPROJECT_TABLE: "Final" = "[tool.uvauth"


def user_file(env: "Mapping[str, str]") -> str | None:
    """``user_config_dir()/uvauth/uvauth.toml`` (uv's rule, :mod:`uvauth.uv.dirs`), or None without a home."""
    from uvauth.uv import dirs

    config_home = dirs.user_config_dir(env)
    return os.path.join(config_home, "uvauth", "uvauth.toml") if config_home is not None else None


def uv_setting_file(env: "Mapping[str, str]") -> str | None:
    """The user's settings file when it may set ``uv``; None when ``UVAUTH_UV`` is set (it wins, in
    :func:`uvauth.launch.find_uv`), when there is no such file, or when its text certainly sets no ``uv``.
    One ``stat`` when the file does not exist."""
    path = user_file(env)
    if env.get(envvars.UVAUTH_UV) or path is None:
        return None
    # It chooses uv: something a memoized plan depends on (recorded where planning hands a recording env).
    getattr(env, "note", _ignore)(path)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return path  # let the parser report it
    return path if may_set_uv(text) else None


def may_set_uv(text: str) -> bool:
    """Could this TOML text set the top-level ``uv`` key? (A line starting with ``uv``, bare or quoted, then
    anything but a key character.) False only where it certainly does not."""
    for line in text.splitlines():
        key = line.lstrip().lstrip("\"'")
        if key.startswith("uv") and not (key[2:3].isalnum() or key[2:3] in ("-", "_")):
            return True
    return False


def _ignore(path: str) -> None:
    pass


def locate(project_dir: str | os.PathLike[str], env: "Mapping[str, str]") -> list[tuple[str, str, bool]]:
    """The settings files in force, strongest first, as (label, path, is a pyproject table) — found without
    parsing anything: a pyproject.toml counts only if its text has a ``[tool.uvauth`` table header.

    ``os.path`` only: this walk runs before uvauth knows whether it has anything to do."""
    # Recorded where planning hands the recording environment: the pass-through test never imports the observer.
    note = getattr(env, "note", _ignore)
    found: list[tuple[str, str, bool]] = []
    directory = os.path.abspath(project_dir)
    while True:
        own = os.path.join(directory, "uvauth.toml")
        note(own)
        if os.path.isfile(own):
            found.append((own, own, False))
            break
        pyproject = os.path.join(directory, "pyproject.toml")
        note(pyproject)
        try:
            with open(pyproject, encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            text = ""
        except OSError as error:
            from uvauth.errors import UvauthError

            raise UvauthError(f"cannot read {pyproject}: {error.strerror}") from None
        if _PYPROJECT_TABLE in text:
            found.append((f"{pyproject} [tool.uvauth]", pyproject, True))
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    user = user_file(env)
    if user is not None:
        note(user)
        if os.path.isfile(user):
            found.append((user, user, False))
    return found
