"""The pydantic-settings model of uvauth's settings. Imported only when the settings' sources changed (it is slow
to import); :mod:`uvauth.settings` caches what it validates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from uvauth.errors import UvauthError
from uvauth.uv.auth_policy import POLICIES


class CredentialEntry(BaseModel):
    """One ``[[credentials]]`` entry as written (the types; :func:`uvauth.providers.entries.normalize` checks
    how the keys go together)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              alias_generator=lambda field: field.replace("_", "-"))

    name: str | None = None
    index: str | None = None
    prefix: str | list[str] | None = None
    url: str | None = None
    username: str | None = None
    password_command: list[str] | None = None
    password_env: str | None = None
    password_file: str | None = None
    provider: str | None = None
    ttl: str | int | None = None
    timeout: str | int | None = None
    keyring: bool | None = None
    helper: str | list[str] | None = None
    git_credential: bool | str | None = None
    # Each element's keys are checked by uvauth.providers.entries.normalize (they are an entry's way keys).
    sources: list[dict[str, Any]] | None = None
    refresh_margin: str | int | None = None


class UvauthSettings(BaseSettings):
    """uvauth's settings. Every field is optional; an unset field leaves uv's own behaviour."""

    model_config = SettingsConfigDict(
        extra="forbid", populate_by_name=True, alias_generator=lambda field: field.replace("_", "-")
    )

    # pydantic needs the values spelled out at run time: tests assert they are `POLICIES`.
    authenticate: Literal["always", "auto", "never"] | None = None
    """Policy for every index uv will contact that sets no ``authenticate`` of its own in uv's configuration:
    ``always`` sends credentials on the first request and fails before any request when none are found; ``never``
    sends none; ``auto`` is uv's default (try without, retry with credentials after a 401)."""

    authenticate_prefixes: list[str] = []
    """URL prefixes (``https://host/artifactory``) under which every request carries credentials up front, also
    for files served outside an index's root."""

    uv: str | None = None
    """Path of the real uv binary (``UVAUTH_UV``)."""

    credentials: list[dict[str, Any]] = []
    """``[[credentials]]`` entries: where each index's (or URL prefix's) token comes from — a command, a
    variable, a file or a preset — never the token itself (see :mod:`uvauth.providers.entries`)."""

    @field_validator("credentials")
    @classmethod
    def _credential_entries(cls, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not entries:  # BaseSettings validates defaults too: settings without entries import nothing of providers
            return entries
        from uvauth.providers.entries import normalize

        checked = []
        for number, raw in enumerate(entries, 1):
            try:
                values = CredentialEntry.model_validate(raw).model_dump(by_alias=True, exclude_unset=True)
                checked.append(normalize(values, source="", file=None))
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "?"
                raise ValueError(f"entry {number}: {field}: {first['msg']}") from None
            except ValueError as error:
                raise ValueError(f"entry {number}: {error}") from None
        return checked

    @field_validator("authenticate_prefixes")
    @classmethod
    def _absolute_urls(cls, prefixes: list[str]) -> list[str]:
        for prefix in prefixes:
            if "://" not in prefix:
                raise ValueError(f"{prefix!r} is not an absolute URL such as https://host/path")
        return prefixes

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, *args, **kwargs):  # type: ignore[no-untyped-def]
        # uvauth gathers and orders the sources itself (so that it can cache them); validate only what it passes.
        return (init_settings,)


def validate_source(label: str, values: Mapping[str, Any], *, file: str | None = None,
                    table: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate one source's raw values; a bad value is a one-line error in uvauth's words (never pydantic's),
    naming the source (``file:line`` when it is a file: ``table`` is where its settings live, ``("tool",
    "uvauth")`` in a pyproject.toml) and what is allowed."""
    try:
        settings = UvauthSettings(**dict(values))
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(part) for part in first["loc"]]
        field = loc[0] if loc else "?"
        message, hint, entry, key = _plain(first, field, loc)
        raise UvauthError(message, where=_where(label, file, table, field, entry, key), hint=hint) from None
    return settings.model_dump(exclude_unset=True)


def _plain(error: Any, field: str, loc: list[str]) -> tuple[str, str | None, int | None, str | None]:
    """(message, hint, credentials entry number, that entry's bad key) for pydantic's first error. Values are not
    shown: a setting may name a secret's place, never hold one, but a mistyped entry could."""
    kind, text = error["type"], str(error["msg"])
    text = text.removeprefix("Value error, ")
    known = ", ".join(sorted(name.replace("_", "-") for name in UvauthSettings.model_fields))
    if kind == "extra_forbidden":
        return f"unknown setting `{field}`", f"uvauth's settings are {known}", None, None
    if field == "authenticate":
        return "`authenticate` must be one of always, auto, never", f"use one of {', '.join(POLICIES)}", None, None
    if field == "credentials" and text.startswith("entry "):
        number, _, rest = text[len("entry "):].partition(": ")
        entry = int(number) if number.isdigit() else None
        rest = rest.replace("Extra inputs are not permitted", "unknown key").replace("Input should be a valid",
                                                                                    "expected a")
        # The entry's own check names its bad key first (`colour: unknown key`, model._credential_entries).
        key, sep, _ = rest.partition(": ")
        return f"[[credentials]] entry {number}: {rest}", None, entry, key if sep else None
    if kind.endswith("_type"):  # string_type, list_type, …
        expected = {"string_type": "a string", "list_type": "a list", "int_type": "an integer"}.get(kind, kind)
        where = ".".join(loc)
        return f"`{where}` must be {expected}", None, None, None
    return f"`{field}`: {text}", None, None, None


def _where(label: str, file: str | None, table: tuple[str, ...], field: str, entry: int | None,
           key: str | None = None) -> str:
    """``file:line`` of the bad setting (of its ``[[credentials]]`` entry, or that entry's ``key``), else the
    source's label."""
    if file is None:
        return label
    from uvauth.uv.config.toml_lines import entry_key_line, entry_lines, path_line

    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return label
    if entry is not None:
        own = entry_key_line(text, (*table, "credentials"), entry - 1, key) if key else None
        return f"{file}:{own or entry_lines(text, (*table, 'credentials'), entry)[entry - 1]}"
    return f"{file}:{path_line(text, (*table, field))}"
