"""Which certificates uv trusts for HTTPS, so that ``doctor`` checks an index as uv will reach it.

A port of two rules. ``crates/uv-client/src/base_client.rs`` (``BaseClientBuilder::create_client``, with
``Certificates::from_env`` of ``crates/uv-client/src/tls.rs``): a non-empty ``SSL_CERT_FILE`` or ``SSL_CERT_DIR``
replaces every other root, even when it holds no valid certificate; else, with system certificates on, the
platform's store; else uv's bundled Mozilla roots (``webpki-roots``), whatever the system trusts.
``crates/uv/src/settings.rs`` (``GlobalSettings::resolve``, ``system_certs``): the last of ``--system-certs``,
``--no-system-certs``, ``--native-tls``, ``--no-native-tls`` on the command line (they override each other);
else ``UV_SYSTEM_CERTS``, then ``UV_NATIVE_TLS``, when true; else ``system-certs`` or ``native-tls`` in the
configuration; else off. (``--native-tls`` is the deprecated spelling of ``--system-certs``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from uvauth.uv import envvars

if TYPE_CHECKING:
    from collections.abc import Mapping

    from uvauth.uv.cmdline import UvCommandLine
    from uvauth.uv.config.discover import UvConfig

_SWITCHES = {"--system-certs": True, "--native-tls": True, "--no-system-certs": False, "--no-native-tls": False}


class CertificateSource(NamedTuple):
    """``custom``: only ``files`` (``SSL_CERT_FILE``, then ``SSL_CERT_DIR``); ``system``: the platform's store;
    ``mozilla``: uv's bundled Mozilla roots. ``why`` says what chose it, as a user would set it."""

    kind: Literal["custom", "system", "mozilla"]
    why: str
    files: tuple[str, ...] = ()


def system_certs(cmdline: UvCommandLine, env: Mapping[str, str], config: UvConfig | None) -> tuple[bool, str]:
    """Whether uv loads the platform's certificates, and what said so (``GlobalSettings::resolve``)."""
    # uv parses both variables at start-up, whatever the command line says: a bad value is its error.
    variables = {name: envvars.flag(env, name) for name in (envvars.UV_SYSTEM_CERTS, envvars.UV_NATIVE_TLS)}
    given = [option.name for option in cmdline.options if option.name in _SWITCHES]
    if given:
        return _SWITCHES[given[-1]], given[-1]
    for name, value in variables.items():
        if value:
            return True, f"{name}={env[name]}"
    if config is not None:
        for key in ("system-certs", "native-tls"):
            value = config.value(key)
            if isinstance(value, bool):
                return value, f"{key} = {'true' if value else 'false'} in the configuration"
    return False, "uv's default"


def certificate_source(cmdline: UvCommandLine, env: Mapping[str, str], config: UvConfig | None) -> CertificateSource:
    """The certificates uv trusts for this command line, environment and configuration."""
    system, why = system_certs(cmdline, env, config)  # first: it rejects a bad variable, as uv does at start-up
    custom = [(name, env[name]) for name in (envvars.SSL_CERT_FILE, envvars.SSL_CERT_DIR) if env.get(name)]
    if custom:
        return CertificateSource("custom", ", ".join(f"{name}={value}" for name, value in custom),
                                 tuple(value for _, value in custom))
    if system:
        return CertificateSource("system", why)
    return CertificateSource("mozilla", why)
