"""uv's index authentication policies (``AuthPolicy``, ``crates/uv-auth/src/index.rs``): the one definition.

An index's ``authenticate`` is one of these; unset means :data:`DEFAULT_POLICY`. uvauth's own settings and its
``--authenticate`` option take the same values. Imported on the hot path (settings are resolved for every
reconciled call): nothing is imported at run time.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Literal, TypeGuard

    AuthPolicy = Literal["always", "auto", "never"]

#: Every policy, in the order uvauth lists them (help, completions, error messages).
POLICIES: Final[tuple[AuthPolicy, ...]] = ("always", "auto", "never")
#: uv's policy for an index that sets none: try without credentials, retry with them after a 401.
DEFAULT_POLICY: Final[AuthPolicy] = "auto"


def is_policy(value: object) -> TypeGuard[AuthPolicy]:
    """Is ``value`` one of uv's policies (a configured ``authenticate`` may be anything TOML holds)?"""
    return value in POLICIES
