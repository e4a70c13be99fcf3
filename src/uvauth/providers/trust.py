"""Trust for credentials entries read from a project's files: such an entry is code from whoever wrote the
repository, so it runs (or reads a variable or file) only after this machine's user approved it.

As direnv's ``allow`` and mise's ``trust``: an approval is keyed by a digest of the entry (its command, variable
or file, username, coverage…) *and* the settings file's path, so a changed entry, or the same entry in another
checkout, needs approval again. An entry that covers an index by name and has no ``url`` of its own is approved
for the URL the index has then: a project that later points the name elsewhere needs approval again. Approvals are
empty files named by that digest in ``user_data_dir/uvauth/trusted/`` (``~/.local/share/uvauth/trusted``). Entries
from the user's own settings file, from the environment, and presets that run no command of the project's choosing
need no approval.
``UVAUTH_TRUST=1`` approves everything (CI, where the repository is the job's own).
"""

from __future__ import annotations

import os

from uvauth.errors import UvauthError
from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from uvauth.providers.entries import Entry


def needs_trust(entry: Entry) -> bool:
    """From a project file, and reading something of the project's choosing: a command, a variable or a file
    (``password-file = "~/.ssh/id_ed25519"`` would send that key to the project's index), or asking a keyring,
    a credential helper or git (each runs code, and answers with the user's own secrets)."""
    return entry.file is not None and any(source.way() != "provider" for source in entry.chain())


def bound_url(entry: Entry, url: str | None) -> str | None:
    """What an approval of the entry holds besides the entry: the index's URL (as uv compares index URLs) for an
    entry that covers an index by name only; None for one bound by its ``url`` or its prefixes."""
    if entry.for_index is None or entry.url is not None:
        return None
    from uvauth.uv.urls import InvalidUrl, index_key

    try:
        return index_key(url) if url is not None else ""
    except InvalidUrl:
        return ""  # approves nothing uv could be sent to


def digest(entry: Entry, url: str | None = None) -> str:
    import json

    from uvauth.cache import cache_key

    bound = bound_url(entry, url)
    parts = [entry.identity(), entry.file] + ([bound] if bound is not None else [])
    return cache_key(json.dumps(parts, sort_keys=True), 32)


def _store(env: Mapping[str, str]) -> Path:
    from pathlib import Path

    from uvauth.uv import dirs

    base = dirs.user_data_dir(env)
    if base is None:
        raise UvauthError("no data directory for credentials approvals: neither HOME nor XDG_DATA_HOME is set")
    return Path(base) / "uvauth" / "trusted"


def is_trusted(entry: Entry, env: Mapping[str, str], *, foreign: bool = False, url: str | None = None) -> bool:
    """``foreign``: a preset asked for a host that is not its provider's (a project could otherwise send your
    Google or Azure token to a server of its own): approval is needed then too. ``url``: the index URL the token
    would go to (see :func:`bound_url`)."""
    if entry.file is None or not (foreign or needs_trust(entry)) or envvars.truthy(env.get(envvars.UVAUTH_TRUST)):
        return True
    from uvauth import observed

    approval = _store(env) / digest(entry, url)
    observed.note(env, approval)  # removing an approval must undo a memoized plan that relied on it
    return os.path.isfile(approval)


def check(entry: Entry, env: Mapping[str, str], *, foreign: bool = False, url: str | None = None) -> None:
    """One line, exit 2, where an unapproved project entry would run or its token be used."""
    if not is_trusted(entry, env, foreign=foreign, url=url):
        from uvauth.uv.urls import redact

        approve = f"run `uvauth uvauth credentials trust` (or set {envvars.UVAUTH_TRUST}=1 in CI)"
        hint = f"review it, then {approve}"
        why = ""
        if foreign and not needs_trust(entry):
            from uvauth.providers.presets import OWN_HOSTS

            # The preset's own command would send the user's cloud token to a host the project chose: approving
            # is right only if that host is the provider's after all (a proxy, a custom domain).
            shown = url is not None and bound_url(entry, url) is None  # else said below, with the index
            why = f" for a host that is not {entry.provider}'s" + (f" ({redact(url)})" if shown and url else "")
            own = OWN_HOSTS.get(entry.provider or "")
            hint = (f"if your {entry.provider} token belongs there, {approve}; if not, point the project's index "
                    f"at {entry.provider}'s own host" + (f" ({own})" if own else ""))
        if bound_url(entry, url) is not None and url is not None:
            why += f" for index {entry.for_index} at {redact(url)}"
        raise UvauthError(f"credentials entry {entry.name} in {entry.file} is not approved on this machine{why}",
                          hint=hint)


def approve(entry: Entry, env: Mapping[str, str], url: str | None = None) -> Path:
    import json

    from uvauth.cache import private_dir, write_private

    store = _store(env)
    try:
        private_dir(str(store), "the approvals directory", "remove it, then approve again")
    except OSError as error:
        raise UvauthError(f"cannot create {store}: {error.strerror or error}") from None
    # The file records what was approved, for whoever looks; its name alone is the approval.
    from uvauth.uv.urls import without_userinfo

    record = {"file": entry.file, "entry": entry.identity(), "url": without_userinfo(url) if url else None}
    return write_private(store, digest(entry, url), json.dumps(record))
