"""The pydantic-settings model of uvauth's settings. Imported only when the settings' sources changed (it is slow
to import); :mod:`uvauth.settings` caches what it validates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from uvauth.errors import UvauthError
from uvauth.uv.auth_policy import POLICIES


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


def validate_source(label: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one source's raw values; a bad value is a one-line error naming the source and what is allowed."""
    try:
        settings = UvauthSettings(**dict(values))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "?"
        allowed = ", ".join(POLICIES) if field == "authenticate" else None
        message = f"invalid uvauth setting {field}: {first['msg']}"
        raise UvauthError(message, where=label, hint=f"use one of {allowed}" if allowed else None) from None
    return settings.model_dump(exclude_unset=True)
