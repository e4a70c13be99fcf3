"""The environment variables uvauth reads, by name, and uv's reading of a boolean variable.

uv names its variables in one place (``crates/uv-static/src/env_vars.rs``, ``EnvVars``); this module is that
place for uvauth: every ``UV_*`` name uvauth reads or sets is a constant here, and so are uvauth's own
``UVAUTH_*`` names (in their own section below). Nothing else in uvauth spells a variable's name.

On the path of every uv call: it imports nothing, and ``typing`` is for type checkers only.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final, Literal

    #: The index flags that have an environment variable standing in for them.
    IndexFlag = Literal["--default-index", "--index", "--index-url", "--extra-index-url", "--find-links"]
    #: How uv splits an index variable's value (and the flag's): not at all (None), on any whitespace, or on one
    #: character.
    SplitRule = Literal["whitespace", " ", ","] | None

# -- uv's variables (`EnvVars`) --------------------------------------------------------------------------------

# Indexes.
UV_DEFAULT_INDEX: "Final" = "UV_DEFAULT_INDEX"
UV_INDEX: "Final" = "UV_INDEX"
UV_INDEX_URL: "Final" = "UV_INDEX_URL"
UV_EXTRA_INDEX_URL: "Final" = "UV_EXTRA_INDEX_URL"
UV_FIND_LINKS: "Final" = "UV_FIND_LINKS"
UV_INSECURE_HOST: "Final" = "UV_INSECURE_HOST"
UV_KEYRING_PROVIDER: "Final" = "UV_KEYRING_PROVIDER"
#: ``UV_INDEX_<NAME>_USERNAME`` / ``UV_INDEX_<NAME>_PASSWORD`` start with this (``EnvVars::index_username``).
UV_INDEX_CREDENTIALS_PREFIX: "Final" = "UV_INDEX_"
UV_CREDENTIALS_DIR: "Final" = "UV_CREDENTIALS_DIR"

# Where uv looks, and its configuration.
UV_WORKING_DIR: "Final" = "UV_WORKING_DIR"
UV_WORKING_DIRECTORY: "Final" = "UV_WORKING_DIRECTORY"  # the older spelling, still read
UV_PROJECT: "Final" = "UV_PROJECT"
UV_CONFIG_FILE: "Final" = "UV_CONFIG_FILE"
UV_NO_CONFIG: "Final" = "UV_NO_CONFIG"
UV_ISOLATED: "Final" = "UV_ISOLATED"
UV_NO_SYSTEM_CONFIG: "Final" = "UV_NO_SYSTEM_CONFIG"
UV_PREVIEW_FEATURES: "Final" = "UV_PREVIEW_FEATURES"

# `uv pip` inputs and output.
UV_CONSTRAINT: "Final" = "UV_CONSTRAINT"
UV_OVERRIDE: "Final" = "UV_OVERRIDE"
UV_CUSTOM_COMPILE_COMMAND: "Final" = "UV_CUSTOM_COMPILE_COMMAND"
UV_OFFLINE: "Final" = "UV_OFFLINE"

#: Not uv's own, but uv reads it: under Dependabot (exactly ``DEPENDABOT=true``) uv does not enforce
#: ``authenticate = "always"`` (``IS_DEPENDABOT`` and ``AuthMiddleware::handle`` in
#: ``crates/uv-auth/src/middleware.rs``).
DEPENDABOT: "Final" = "DEPENDABOT"

#: Each index flag, its environment variable, and how uv splits the variable's value (and the flag's). clap reads
#: the variable only when the flag is absent.
INDEX_ENV_VARS: "Final[Mapping[IndexFlag, tuple[str, SplitRule]]]" = {
    "--default-index": (UV_DEFAULT_INDEX, None),
    "--index": (UV_INDEX, "whitespace"),
    "--index-url": (UV_INDEX_URL, None),
    "--extra-index-url": (UV_EXTRA_INDEX_URL, " "),
    "--find-links": (UV_FIND_LINKS, ","),
}

#: Which certificates uv trusts (uvauth.uv.tls): a non-empty file or directory replaces every other root; the
#: booleans load the platform's store (UV_NATIVE_TLS is the deprecated spelling of UV_SYSTEM_CERTS).
SSL_CERT_FILE: "Final" = "SSL_CERT_FILE"
SSL_CERT_DIR: "Final" = "SSL_CERT_DIR"
UV_SYSTEM_CERTS: "Final" = "UV_SYSTEM_CERTS"
UV_NATIVE_TLS: "Final" = "UV_NATIVE_TLS"

# -- uvauth's own variables ------------------------------------------------------------------------------------

UVAUTH_AUTHENTICATE: "Final" = "UVAUTH_AUTHENTICATE"
UVAUTH_AUTHENTICATE_PREFIXES: "Final" = "UVAUTH_AUTHENTICATE_PREFIXES"  # whitespace-separated
UVAUTH_UV: "Final" = "UVAUTH_UV"
#: Set by uvauth for the uv it execs, never by users: the loop guard (uvauth.launch).
UVAUTH_EXEC_CHAIN: "Final" = "UVAUTH_EXEC_CHAIN"
# uvauth's --color (`uv --color never uvauth …`), carried to the error boundary and its own commands' output.
UVAUTH_COLOR: "Final" = "UVAUTH_COLOR"
#: ``UVAUTH_CREDENTIALS_<NAME>_<FIELD>``: a ``[[credentials]]`` entry given in the environment (``<NAME>`` is the
#: index's name converted as uv converts it for ``UV_INDEX_<NAME>_*``).
UVAUTH_CREDENTIALS_PREFIX: "Final" = "UVAUTH_CREDENTIALS_"
#: The label of the settings the environment gives (``UVAUTH_*``), as messages name a setting's source.
ENVIRONMENT_SOURCE: "Final" = "environment (UVAUTH_*)"
UVAUTH_TRUST: "Final" = "UVAUTH_TRUST"  # a true value approves every project-file credentials command (CI)
UVAUTH_REFRESH_MARGIN: "Final" = "UVAUTH_REFRESH_MARGIN"  # the default `refresh-margin` of every entry
#: Set for the programs uvauth runs while it serves another tool credentials (uvauth.providers.guard): an ask that
#: reaches uvauth again has nothing. Not a setting.
UVAUTH_SERVING: "Final" = "UVAUTH_SERVING"
#: ``spawn``: run uv as a child and wait (uvauth.launch._spawn), the path taken where there is no exec (Windows), on
#: POSIX too. For the tests, which run that path on Linux; not a setting.
UVAUTH_LAUNCH: "Final" = "UVAUTH_LAUNCH"

# -- other programs' variables uvauth's credential providers read ---------------------------------------------

XDG_RUNTIME_DIR: "Final" = "XDG_RUNTIME_DIR"  # the per-user memory directory for the token cache
GITLAB_CI: "Final" = "GITLAB_CI"
CI_JOB_TOKEN: "Final" = "CI_JOB_TOKEN"
CI_SERVER_HOST: "Final" = "CI_SERVER_HOST"  # host alone, without the port (GitLab 12.1)
CI_SERVER_URL: "Final" = "CI_SERVER_URL"  # the instance's base URL: protocol, host, port, relative root (GitLab 12.7)



def credential_variables(env: "Mapping[str, str]") -> dict[str, str]:
    """The ``UVAUTH_CREDENTIALS_*`` variables that are set (the environment form of ``[[credentials]]``).
    Finding them lists every name: the pipeline takes them from the raw environment and makes them part of a
    memoized plan's situation, so that planning itself never lists the (recorded) environment."""
    return {name: value for name, value in env.items() if name.startswith(UVAUTH_CREDENTIALS_PREFIX) and value}


# -- booleans --------------------------------------------------------------------------------------------------

#: clap's ``BoolishValueParser`` literals, compared case-insensitively.
TRUE_LITERALS: "Final" = frozenset({"y", "yes", "t", "true", "on", "1"})
FALSE_LITERALS: "Final" = frozenset({"n", "no", "f", "false", "off", "0"})


def truthy(value: str | None) -> bool:
    """uv's lenient reading of a boolean variable (``UV_NO_CONFIG=1``, …): one of the true
    literals, blanks around it ignored; anything else, unset included, is false."""
    return (value or "").strip().lower() in TRUE_LITERALS


def flag(env: "Mapping[str, str]", name: str) -> bool | None:
    """uv's ``EnvFlag`` (``crates/uv-settings/src/lib.rs``): None when unset, else :func:`boolish`'s answer; any
    other value, the empty string too, is uv's error before it does anything, and so uvauth's (one line)."""
    raw = env.get(name)
    if raw is None:
        return None
    value = boolish(raw)
    if value is None:
        from uvauth.errors import UvauthError

        raise UvauthError(f"invalid value {raw!r}: expected a boolish value", where=name,
                          hint="use 1/true/yes/on or 0/false/no/off, as uv does")
    return value


def boolish(value: str) -> bool | None:
    """clap's strict reading of a boolean variable (``UV_NO_SYSTEM_CONFIG``): True or False for its literals
    (case-insensitive), None for anything else, which uv rejects."""
    lowered = value.lower()
    if lowered in TRUE_LITERALS:
        return True
    if lowered in FALSE_LITERALS:
        return False
    return None
