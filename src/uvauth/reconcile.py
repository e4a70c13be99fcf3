"""Which configured ``[[index]]`` an index URL that reaches uv is: the merge target of a command-line,
environment or requirements-file URL, and the configured index whose root a find-links page lies under.

Pure functions of uv's configuration and one entry of uv's index list (:mod:`uvauth.uv.indexes`); the planner
asks them for every index it plans.
"""

from __future__ import annotations

from uvauth.uv import indexes as m
from uvauth.uv.urls import InvalidUrl, auth_root, covers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from uvauth.uv.config.discover import ConfiguredIndex, UvConfig


def _winning(config: UvConfig, index: ConfiguredIndex) -> bool:
    """Is this the index its name refers to (uv keeps the first of two indexes of the same name)?"""
    return bool(index.name) and config.named(index.name or "") is index


def configured_home(config: UvConfig | None, entry: m.Entry, cwd: str) -> ConfiguredIndex | None:
    """The configured named index an entry is, or has the same URL as (uv's normalized key, the same format):
    the index whose ``authenticate``, name and settings an unnamed copy of its URL is handled as."""
    if entry.configured is not None and entry.configured.name:
        return entry.configured
    if config is None:
        return None
    for index in config.indexes:
        if _winning(config, index) and index.flat == entry.flat and m.entry_from_config(index, cwd).key == entry.key:
            return index
    return None


def covering_index(config: UvConfig | None, entry: m.Entry) -> ConfiguredIndex | None:
    """The configured named (simple) index whose authentication root a flat entry lies under, if any: uv
    matches a request for the page against both, so the index's policy may be the one that applies."""
    if config is None:
        return None
    for index in config.indexes:
        if index.flat or not _winning(config, index):
            continue
        try:
            if covers(auth_root(index.url), entry.text):
                return index
        except InvalidUrl:
            continue
    return None
