"""How uv classifies a requirements input given on the command line (``-r``/positional, ``-c``, ``--overrides``).

A port of uv 0.13.8's ``crates/uv-requirements/src/sources.rs`` (``RequirementsSource::from_requirements_file``,
``from_requirements_txt_kind``), with ``split_scheme`` as in ``crates/uv-pep508/src/verbatim_url.rs``.
"""

from __future__ import annotations

import os
from typing import Literal
from urllib.parse import urlsplit

from uvauth.uv.requirements.reader import _C0_OR_SPACE, _is_windows_absolute
from uvauth.uv.urls import InvalidUrl, file_url_path, index_key, split_scheme

#: How a top-level input is read (uv's `RequirementsSource` after `from_requirements_file`).
_Kind = Literal[
    "stdin", "remote", "requirements", "script", "extensionless", "ignored", "skip", "error", "fatal"
]


def _classify(
    text: str, role: Literal["requirements", "constraints", "overrides"]
) -> tuple[_Kind, str]:
    """uv's `RequirementsSource::from_requirements_file` (or `from_*_txt` for the other roles)."""
    if text == "-":
        return "stdin", "-"
    scheme = None if _is_windows_absolute(text) else split_scheme(text)
    if scheme is not None and scheme.lower() != "file":
        url = text.strip(_C0_OR_SPACE)
        try:
            index_key(url)  # uv parses the argument as a URL first (clap: "invalid value … for [SRC_FILE]")
            name = urlsplit(url).path.rpartition("/")[2]
        except (InvalidUrl, ValueError):
            return "fatal", url
        if role != "requirements":
            return ("fatal", url) if _bad_for_role(name) else ("remote", url)
        if name in ("pyproject.toml", "setup.py", "setup.cfg"):
            return "fatal", url
        if name == "environment.yml":
            return "error", url
        if _is_pylock(name):
            return "skip", url
        stem, dot, extension = name.rpartition(".")
        if dot and stem and extension.lower() == "toml":
            return "fatal", url
        return "remote", url
    if scheme is not None:
        path = file_url_path(text)
        if path is None:
            return "fatal", text
        text = path
    name = os.path.basename(text)
    if role != "requirements":
        return ("fatal", text) if _bad_for_role(name) else ("requirements", text)
    if name in ("pyproject.toml", "setup.py", "setup.cfg") or _is_pylock(name):
        return "ignored", text
    if name == "environment.yml":
        return "error", text
    extension = os.path.splitext(name)[1].lower()
    if extension in (".py", ".pyw"):
        return "script", text
    if extension == ".toml":
        return "fatal", text
    if not extension:
        return "extensionless", text
    return "requirements", text


def _is_pylock(name: str) -> bool:
    """PEP 751 file names: `pylock.toml` and `pylock.<name>.toml` (a non-empty name without dots)."""
    if name == "pylock.toml":
        return True
    if not (name.startswith("pylock.") and name.endswith(".toml")):
        return False
    middle = name[len("pylock.") : -len(".toml")]
    return bool(middle) and "." not in middle


def _bad_for_role(name: str) -> bool:
    """`from_requirements_txt_kind`: constraints and overrides must not look like metadata or TOML."""
    if name in ("pyproject.toml", "setup.py", "setup.cfg") or _is_pylock(name):
        return True
    stem, dot, extension = name.rpartition(".")
    return bool(dot and stem) and extension.lower() == "toml"


def _name(where: str) -> str:
    return urlsplit(where).path.rpartition("/")[2] if "://" in where else os.path.basename(where)
