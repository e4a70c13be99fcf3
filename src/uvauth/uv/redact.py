"""Hiding secrets in text that may hold URLs: the one redaction rule, used by every message uvauth prints.

A module of its own (only ``re``) so that the error boundary can redact without importing the URL model.
"""

from __future__ import annotations

import re

__all__ = ["redact", "redact_loosely"]


_USERINFO = re.compile(
    r"(?P<scheme>(?i:https?|wss?|ftp|file):[/\\]*|[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@"
)


def redact(text: str) -> str:
    """Hide the password of every URL in ``text``: ``https://user:secret@host`` becomes ``https://user:****@host``.

    The userinfo runs to the authority's *last* ``@`` (as the ``url`` crate reads it), so a password holding a raw
    ``@`` is hidden whole: ``https://alice:SECRET@77@host`` becomes ``https://alice:****@host``. A URL with a
    username alone hides it too (``https://****@host``), as pip does: some services take a token as the username.
    One with an empty username and a password (a JFrog token) becomes ``https://:****@host``.
    """

    def _hide(match: re.Match[str]) -> str:
        user, sep, _password = match["userinfo"].partition(":")
        return f"{match['scheme']}{user}:****@" if sep else f"{match['scheme']}****@"

    return _USERINFO.sub(_hide, text)


def redact_loosely(text: str) -> str:
    """``text`` with everything before its last ``@`` hidden (after a ``scheme://``, if there is one): for text
    that may hold credentials but is too malformed for :func:`redact` to find its userinfo."""
    if "@" not in text:
        return text
    scheme, sep, rest = text.partition("://")
    if not sep or "@" in scheme:
        return "****@" + text.rpartition("@")[2]
    return f"{scheme}://****@{rest.rpartition('@')[2]}"
