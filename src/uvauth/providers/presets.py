"""Built-in providers (``provider = "…"``): the exact command each runs, the username it sends, and how long its
token is reused. An entry's own ``password-command``, ``username`` and ``ttl`` override the preset's.

* ``aws-codeartifact``: ``aws codeartifact get-authorization-token --domain D --domain-owner O --region R
  --query "{password: authorizationToken, expires: expiration}" --output json``, with ``D``, ``O`` and ``R``
  read from the index's ``D-O.d.codeartifact.R.amazonaws.com`` host; username ``aws``; reused until the
  token's own ``expiration`` (12 h by default).
* ``gcloud``: ``gcloud auth print-access-token``; username ``oauth2accesstoken``; reused for 3 minutes (gcloud
  hands out its cached access token, which it refreshes only within about 4 minutes of its end, so uvauth
  cannot know more of its lifetime than that; set a longer ``ttl`` if you know better).
* ``azure-cli``: ``az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798 --query
  "{password: accessToken, expires: expires_on}" --output json`` (Azure DevOps' resource id; ``expires_on``
  needs az ≥ 2.54); username ``azure-cli`` (Azure DevOps takes an Entra token as the password with any
  username); reused until the token's ``expires_on``.
* ``gitlab-ci``: no command: ``$CI_JOB_TOKEN`` as user ``gitlab-ci-token``, only inside a GitLab CI job
  (``GITLAB_CI=true``) for an index under that job's own server (``CI_SERVER_URL``: same scheme, host and port;
  ``https://$CI_SERVER_HOST/`` where it is unset); elsewhere the entry gives nothing and uv's own sources are
  searched as usual.
"""

from __future__ import annotations

from typing import NamedTuple

from uvauth.errors import UvauthError
from uvauth.uv import envvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Final

    from uvauth.providers.entries import Entry

PRESETS: Final = ("aws-codeartifact", "gcloud", "azure-cli", "gitlab-ci")
AZURE_DEVOPS_RESOURCE: Final = "499b84ac-1321-427f-aa17-267ca6975798"
GCLOUD_TTL: Final = 180
#: How long the answer of a keyring, credential helper or git that says no end of its own is reused: a plugin
#: that mints a token (Azure's artifacts-keyring, Google's) is asked once per five minutes, not per uv command.
ASKED_TTL: Final = 300


class Recipe(NamedTuple):
    """How to get one entry's token for one URL: a command to run, a variable or file to read, or a keyring,
    credential helper or git to ask (:mod:`uvauth.providers.ask`)."""

    command: tuple[str, ...] | None
    env: str | None
    file: str | None
    username: str | None
    ttl: int | None
    keyring: bool = False
    helper: tuple[str, ...] | None = None
    git_credential: str | None = None

    def asks(self) -> bool:
        """Is the token asked of a keyring, credential helper or git (for the URL), rather than run or read?"""
        return self.keyring or self.helper is not None or self.git_credential is not None


def _host(url: str) -> str:
    from uvauth.uv.urls import parse

    return (parse(url).host or "").lower()


#: Each command-running preset's own hosts, as a message names them (:func:`own_host` is the rule).
OWN_HOSTS: Final = {
    "aws-codeartifact": "DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com",
    "gcloud": "REGION-python.pkg.dev",
    "azure-cli": "pkgs.dev.azure.com",
}
#: What works for an entry whose preset cannot apply to its index's host: a password-command (or variable, or
#: file) of the entry's own replaces the preset's command, and the preset then lends only its username and ttl.
_NOT_ITS_HOST: Final = ("point the index at its CodeArtifact URL (DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com), "
                        "or give the entry a password-command of its own, which replaces the preset's")


def codeartifact_args(url: str, name: str) -> list[str]:
    """``--domain D --domain-owner O --region R`` from a ``D-O.d.codeartifact.R.amazonaws.com`` URL."""
    from uvauth.uv.urls import redact

    labels = _host(url).split(".")
    if len(labels) != 6 or labels[1:3] != ["d", "codeartifact"] or labels[4:] != ["amazonaws", "com"]:
        raise UvauthError(f"credentials entry {name}: provider aws-codeartifact needs an index on a "
                          f"DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com host, and {redact(url)} is not on one",
                          hint=_NOT_ITS_HOST)
    domain, _, owner = labels[0].rpartition("-")
    if not domain or not owner.isdigit():
        raise UvauthError(f"credentials entry {name}: cannot read the domain and its owner from {labels[0]!r} "
                          "(DOMAIN-OWNER, OWNER the 12-digit account id)", hint=_NOT_ITS_HOST)
    return ["--domain", domain, "--domain-owner", owner, "--region", labels[3]]


def own_host(provider: str, url: str) -> bool:
    """Is ``url`` on a host of the preset's own service? A project's entry may use a preset without approval
    only there: the token of your cloud account goes nowhere else."""
    host = _host(url)
    if provider == "gcloud":
        return host.endswith(".pkg.dev")  # Artifact Registry: REGION-python.pkg.dev
    if provider == "azure-cli":
        return host == "pkgs.dev.azure.com" or host.endswith(".pkgs.visualstudio.com")
    if provider == "aws-codeartifact":
        labels = host.split(".")
        return len(labels) == 6 and labels[1:3] == ["d", "codeartifact"] and labels[4:] == ["amazonaws", "com"]
    return True  # gitlab-ci applies only to the CI job's own server anyway


def gitlab_server(env: Mapping[str, str]) -> str | None:
    """The GitLab CI job's own server, as a URL the index must lie under; None outside a GitLab CI job.

    ``CI_SERVER_URL`` (protocol, host, port and any relative root: ``https://gitlab.example.com:8443/gitlab``) where
    GitLab sets it; ``CI_SERVER_HOST`` alone has no port or protocol (GitLab's predefined variables), so comparing
    hosts only would hand the job token to any port of that host, and over plain HTTP."""
    if env.get(envvars.GITLAB_CI) != "true":
        return None
    url = (env.get(envvars.CI_SERVER_URL) or "").strip()
    if url:
        return url
    host = (env.get(envvars.CI_SERVER_HOST) or "").strip()
    return f"https://{host}/" if host else None


def _under(server: str, url: str) -> bool:
    from uvauth.uv.urls import InvalidUrl, covers

    try:
        return covers(server, url)
    except InvalidUrl:
        return False


def recipe(entry: Entry, url: str, env: Mapping[str, str]) -> Recipe | None:
    """The entry's recipe for ``url``, its preset's values under its own; None where the preset does not apply
    (``gitlab-ci`` outside GitLab CI or for another host)."""
    own_ttl = entry.ttl
    if entry.provider is None or entry.password_command is not None:
        # The entry's own command replaces the preset's, whose host rules then do not apply (an own command is
        # what codeartifact_args's hint recommends): only the preset's username and ttl are lent.
        preset = _lent(entry, url, env) if entry.provider is not None else None
        username = entry.username if entry.username is not None else (preset.username if preset else None)
        asks = entry.keyring or entry.helper is not None or entry.git_credential is not None
        ttl = own_ttl if own_ttl is not None else (preset.ttl if preset else (ASKED_TTL if asks else None))
        return Recipe(command=entry.password_command, env=entry.password_env, file=entry.password_file,
                      username=username, ttl=ttl, keyring=bool(entry.keyring), helper=entry.helper,
                      git_credential=entry.git_credential)
    # A variable or file of the entry's own replaces the preset's command too: its host rules do not apply.
    preset = _lent(entry, url, env) if entry.password_env or entry.password_file else _preset(entry, url, env)
    if preset is None:
        return None
    return preset._replace(
        username=entry.username if entry.username is not None else preset.username,
        ttl=own_ttl if own_ttl is not None else preset.ttl,
        env=entry.password_env or preset.env, file=entry.password_file or preset.file,
        command=None if (entry.password_env or entry.password_file) else preset.command,
    )


def _lent(entry: Entry, url: str, env: Mapping[str, str]) -> Recipe | None:
    """The preset's values for an entry with a password-command, variable or file of its own: its username and
    ttl, on any host (only aws-codeartifact's command is read from the host)."""
    if entry.provider == "aws-codeartifact":
        return Recipe(command=None, env=None, file=None, username="aws", ttl=None)
    return _preset(entry, url, env)


def _preset(entry: Entry, url: str, env: Mapping[str, str]) -> Recipe | None:
    provider = entry.provider
    if provider == "aws-codeartifact":
        command = ("aws", "codeartifact", "get-authorization-token", *codeartifact_args(url, entry.name),
                   "--query", "{password: authorizationToken, expires: expiration}", "--output", "json")
        return Recipe(command=command, env=None, file=None, username="aws", ttl=None)
    if provider == "gcloud":
        return Recipe(command=("gcloud", "auth", "print-access-token"), env=None, file=None,
                      username="oauth2accesstoken", ttl=GCLOUD_TTL)
    if provider == "azure-cli":
        command = ("az", "account", "get-access-token", "--resource", AZURE_DEVOPS_RESOURCE,
                   "--query", "{password: accessToken, expires: expires_on}", "--output", "json")
        return Recipe(command=command, env=None, file=None, username="azure-cli", ttl=None)
    if provider == "gitlab-ci":
        server = gitlab_server(env)
        if server is None or not _under(server, url):
            return None
        return Recipe(command=None, env=envvars.CI_JOB_TOKEN, file=None, username="gitlab-ci-token", ttl=None)
    raise UvauthError(f"credentials entry {entry.name}: unknown provider {provider!r}",
                      hint=f"use one of {', '.join(PRESETS)}")
