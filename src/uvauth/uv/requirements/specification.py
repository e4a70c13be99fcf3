"""The index options of all requirements inputs of a command: each input classified, read and combined as uv does.

A port of uv 0.13.8's ``crates/uv-requirements/src/sources.rs`` (``RequirementsSource::from_requirements_file``,
``from_requirements_txt_kind``: how a command-line input, ``-r``/positional, ``-c`` or ``--overrides``, is
classified), with ``split_scheme`` as in ``crates/uv-pep508/src/verbatim_url.rs``, and of
``crates/uv-requirements/src/specification.rs`` (``from_source``: one input; ``from_sources``: how inputs combine).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from uvauth.errors import UvauthError
from uvauth.uv.requirements.files import _Visited, parse_file, parse_text
from uvauth.uv.requirements.reader import (
    _C0_OR_SPACE,
    RequirementsIndexes,
    _Data,
    _is_windows_absolute,
    _key_or_text,
    _Reader,
    _show,
)
from uvauth.uv.urls import InvalidUrl, file_url_path, index_key, redact, split_scheme


def read_index_options(
    requirements: Sequence[str],
    constraints: Sequence[str] = (),
    overrides: Sequence[str] = (),
    *,
    cwd: Path,
    env: Mapping[str, str],
) -> RequirementsIndexes:
    """Read the index options of uv's requirements (``-r``/positional), ``-c`` and ``--overrides`` inputs.

    ``cwd`` is the directory uv will run in (after ``--directory``); ``env`` is the environment uv will
    see (for ``${VAR}`` expansion).  Raises :class:`~uvauth.errors.UvauthError` only for the index-URL
    conflicts uv itself rejects, and only when uv would reach them.
    """
    import sys

    # Files are followed as uv follows them, one recursive call per `-r` level, some five Python frames each:
    # Python's default limit (1,000 frames) stops at about 200 levels, where uv goes on (uv 0.13.8 aborts at about
    # 1,500). Python-to-Python calls do not grow the C stack (3.11+), so the limit is raised while reading.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _INCLUDE_FRAMES))
    try:
        return _run(_Reader(Path(cwd), env), requirements, constraints, overrides)
    except RecursionError:
        raise UvauthError("requirements files include each other (-r/-c) too deeply to follow",
                          hint="flatten the chain of -r/-c includes; uv cannot follow it either") from None
    finally:
        sys.setrecursionlimit(limit)


#: Frames for a chain of 2,000 ``-r`` levels, beyond the ~1,500 at which uv itself overflows its stack.
_INCLUDE_FRAMES: Final = 12_000


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


def _read_source(reader: _Reader, kind: _Kind, where: str, constraints: bool = False) -> _Data:
    """uv's `from_source`: the index options of one top-level input."""
    if kind == "stdin":
        reader.leave_to_uv("-")
    elif kind == "remote":
        reader.leave_to_uv(redact(where))
    elif kind == "error":
        reader.doomed = True
    elif kind == "ignored":
        if not reader.exists(reader.absolute(where)):
            reader.unreadable(where)
    elif kind == "requirements":
        if not reader.exists(reader.absolute(where)):
            reader.unreadable(where)
            return _Data()
        data = parse_file(reader, where, _Visited(set(), set(), constraints_input=constraints), label=where)
        if data.unnamed:
            reader.doomed = True  # uv: "Unnamed requirements are not allowed as constraints"
        return data
    elif kind in ("script", "extensionless"):
        content = reader.input_text(where, where)
        if content is None:
            return _Data()
        from uvauth.uv.requirements.scripts import parse_script  # only a script input needs it

        script = parse_script(reader, content, where)
        if script is not None:
            return script
        if kind == "script":
            reader.doomed = True  # uv: "does not contain inline script metadata"
            return _Data()
        return parse_text(reader, content, where, _Visited(set(), set()))
    return _Data()


def _combine(reader: _Reader, spec: _Data, source: _Data) -> None:
    """One step of uv's `from_sources`: at most one distinct `--index-url`; the later equal one wins."""
    new = source.index_url
    if new is not None:
        existing = spec.index_url
        if existing is not None and _key_or_text(index_key, existing.url) != _key_or_text(index_key, new.url):
            reader.fail(
                UvauthError(
                    f"Multiple index URLs specified: `{_show(existing)}` vs. `{_show(new)}`",
                    where=f"{new.path}:{new.line}",
                    hint=f"the first is set at {existing.path}:{existing.line}; the requirements, "
                    "constraints and overrides files together may name only one `--index-url`",
                )
            )
        spec.index_url = new
    spec.no_index = spec.no_index or source.no_index
    spec.extra_index_urls.extend(source.extra_index_urls)
    spec.find_links.extend(source.find_links)


def _run(
    reader: _Reader, requirements: Sequence[str], constraints: Sequence[str], overrides: Sequence[str]
) -> RequirementsIndexes:
    # An empty value is "unset" for uv's `-c`/`--overrides` (`Maybe`); uv rejects an empty path.
    sources = [_classify(text, "requirements") for text in requirements if text]
    constraint_sources = [_classify(text, "constraints") for text in constraints if text]
    override_sources = [_classify(text, "overrides") for text in overrides if text]
    if any(kind == "fatal" for kind, _ in sources + constraint_sources + override_sources):
        reader.doomed = True  # uv rejects the command line before it reads anything
    pylock = [kind for kind, where in sources if kind in ("ignored", "skip") and _is_pylock(_name(where))]
    if pylock and (len(pylock) != len(sources) or constraint_sources or override_sources):
        reader.doomed = True  # a `pylock.toml` admits no other input
    if "" in requirements:
        reader.doomed = True

    # uv reads every requirements input first, then combines them, then reads and combines each
    # constraints input, then each overrides input; that order decides which error uv shows first.
    spec = _Data()
    for source in [_read_source(reader, kind, where) for kind, where in sources]:
        _combine(reader, spec, source)
    for kind, where in constraint_sources:
        _combine(reader, spec, _read_source(reader, kind, where, constraints=True))
    for kind, where in override_sources:
        _combine(reader, spec, _read_source(reader, kind, where))
    return RequirementsIndexes(
        index_url=spec.index_url,
        extra_index_urls=tuple(spec.extra_index_urls),
        find_links=tuple(spec.find_links),
        no_index=spec.no_index,
        unread=tuple(reader.unread),
        unchecked=tuple(reader.unchecked),
    )
