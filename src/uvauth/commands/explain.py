"""``uvauth uvauth explain``'s front end: the ``uvauth.explain/1`` object (:mod:`uvauth.explain`) as JSON, or as a
rich table of the indexes followed by what uv is run with."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uvauth.explain import ExplainObject


def render_table(data: ExplainObject) -> None:
    """The indexes in uv's order, one row each, then the argv and the names of the variables set for uv."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"uv {' '.join(data['command'])}: indexes", title_justify="left")
    for column in ("role", "url", "from", "handled as", "policy (why)", "how", "credentials"):
        table.add_column(column, overflow="fold")
    for index in data["indexes"]:
        table.add_row(
            index["role"], index["url"], f"{index['source']}: {index['where']}", index["merged_onto"] or "-",
            f"{index['policy']} ({index['policy_reason']})", index["lever"], index["credential_source"] or "-",
        )
    if data["indexes"]:
        console.print(table)
    else:
        console.print("uvauth changes nothing for this command: it runs uv as given.")
    console.print(f"[bold]runs:[/bold] {data['uv']} {' '.join(data['argv'])}", soft_wrap=True, markup=True)
    if data["environment"]:
        console.print(f"[bold]sets:[/bold] {', '.join(data['environment'])}")
    for warning in data["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def run(uv_args: Sequence[str], env: Mapping[str, str], *, as_json: bool = False) -> int:
    """The command: explain, print. Raises :class:`~uvauth.errors.UvauthError` for a command line or
    configuration uv would reject (the caller's error boundary prints it)."""
    from uvauth.explain import explain_data

    data = explain_data(list(uv_args), dict(env))
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        render_table(data)
    return 0
