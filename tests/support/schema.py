"""Checks that a produced JSON object has exactly the keys of the TypedDict documenting its schema, so a field
added to (or dropped from) one and not the other fails a test: schema drift."""

from __future__ import annotations

import types
import typing
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict


def keys_match(value: Any, schema: Any, where: str = "$") -> None:
    """Assert that ``value`` has exactly the keys of the TypedDict ``schema``, recursively: into nested
    TypedDicts, lists of them, and optional ones (``X | None``)."""
    hints = get_type_hints(schema)
    assert isinstance(value, dict), f"{where}: {value!r} is not an object"
    assert set(value) == set(hints), (
        f"{where}: keys differ from {schema.__name__}: extra {sorted(set(value) - set(hints))}, "
        f"missing {sorted(set(hints) - set(value))}"
    )
    for key, hint in hints.items():
        _check(value[key], hint, f"{where}.{key}")


def _check(value: Any, hint: Any, where: str) -> None:
    if is_typeddict(hint):
        keys_match(value, hint, where)
    elif get_origin(hint) in (typing.Union, types.UnionType):
        if value is None:
            assert type(None) in get_args(hint), f"{where}: null where {hint} is expected"
            return
        for arg in get_args(hint):
            if is_typeddict(arg) or get_origin(arg) is list:
                _check(value, arg, where)
    elif get_origin(hint) is list:
        assert isinstance(value, list), f"{where}: not a list"
        [item] = get_args(hint)
        for position, element in enumerate(value):
            _check(element, item, f"{where}[{position}]")
