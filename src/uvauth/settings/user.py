"""The user's settings file — where it is, and whether it could choose uv — with ``os`` only.

Every uv call, the pass-through included, must honour the user's ``uv`` setting (the path of the real uv is a
machine's setting), so this check runs before uvauth knows whether it has anything to do. It stats the file and,
only when the file exists, reads its text; a TOML parser (:func:`uvauth.settings.sources.user_uv`) is needed only
when that text could set ``uv``.
"""

import os
import sys

from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


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
    observed = sys.modules.get("uvauth.observed")  # recording happens only where planning imported it
    if observed is not None:
        observed.note(path)  # it chooses uv: something a memoized plan depends on
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
