"""Which authentication policy uvauth makes hold for an index, and why: the one rule the planner (and so
``explain``) and ``doctor`` all ask, so that they never disagree.

Strongest first: ``--authenticate`` (or ``UVAUTH_AUTHENTICATE`` forcing it); the ``authenticate`` of the index's
configured ``[[index]]``; an ``authenticate-prefixes`` prefix or a ``[[credentials]]`` prefix covering its URL
(a user who says where a token comes from wants it sent before the first request); the ``authenticate``
setting; uv's default. Pure: no file, no environment.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from uvauth.uv.auth_policy import DEFAULT_POLICY, is_policy
from uvauth.uv.urls import InvalidUrl, by_realm, covers, realm

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    from uvauth.uv.auth_policy import AuthPolicy as Policy
    from uvauth.uv.urls import Realm

    PolicyWhy = Literal["configured", "option", "prefix", "setting", "default"]


class Rules(NamedTuple):
    """What decides a policy, from uvauth's settings (resolved once per command)."""

    forced: Policy | None = None  # --authenticate, or UVAUTH_AUTHENTICATE where it forces
    setting: Policy | None = None  # the `authenticate` setting
    prefixes: tuple[str, ...] = ()  # `authenticate-prefixes`, then the prefixes of [[credentials]] entries


def choose(rules: Rules, url: str, configured: str | None) -> tuple[Policy, PolicyWhy]:
    """The policy for the index at ``url`` whose configured ``[[index]]`` (if any) sets ``configured``."""
    if rules.forced:
        return rules.forced, "option"
    if configured is not None and is_policy(configured):
        return configured, "configured"
    if under_any(rules.prefixes, url):
        return "always", "prefix"
    if rules.setting:
        return rules.setting, "setting"
    return DEFAULT_POLICY, "default"


def under_any(prefixes: tuple[str, ...], url: str) -> bool:
    """Is ``url`` under one of ``prefixes``? Only the prefixes on its host are compared: every index uv contacts
    is asked, and 500 indexes against 100 prefixes made the plain comparison quadratic."""
    if not prefixes:
        return False
    try:
        host = realm(url)
    except InvalidUrl:
        return False
    return any(under(prefix, url) for prefix in _by_host(prefixes).get(host, ()))


@functools.lru_cache(maxsize=8)
def _by_host(prefixes: tuple[str, ...]) -> dict[Realm, list[str]]:
    return by_realm(prefixes, str)


def under(prefix: str, url: str) -> bool:
    """Is ``url`` under ``prefix``? False where either does not parse."""
    try:
        return covers(prefix, url)
    except InvalidUrl:  # a URL uv rejects is not under any prefix; uv's own error will say so
        return False
