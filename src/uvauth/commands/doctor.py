"""``uvauth uvauth doctor``'s front end: run the checks (:mod:`uvauth.doctor.report`), print them as rich
tables or as the ``uvauth.doctor/1`` JSON object, and exit 0 only when every index is ``ok``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Final

from uvauth.doctor.report import Report, diagnose
from uvauth.doctor.verdict import credentials_phrase
from uvauth.errors import UvauthError, report_error
from uvauth.uv import urls

_STYLE: Final = {"ok": "green", "open": "yellow", "redirect": "yellow"}


def render(report: Report, file: IO[str] | None = None) -> None:
    """The report as a table plus one line per finding (rich, as typer brings it)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=file, soft_wrap=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(urls.redact(warning))}")
    if not report.checks:
        console.print("No index to check: uv would use public PyPI only (or local indexes)."
                      if not report.skipped else "No index to check.")
    else:
        table = Table(title="uvauth doctor", title_justify="left")
        for column in ("index", "url", "credentials", "GET with", "GET without", "verdict"):
            table.add_column(column, overflow="fold", no_wrap=column == "verdict")
        for check in report.checks:
            creds = check.lookup.credentials
            table.add_row(
                escape(check.target.name or "-"),
                escape(urls.redact(check.target.url)),
                escape(credentials_phrase(creds) if creds else "none found"),
                escape(check.authenticated.describe(short=True) if check.authenticated else "-"),
                escape(check.anonymous.describe(short=True)),
                f"[{_STYLE.get(check.verdict, 'red')}]{check.verdict}[/]",
            )
        console.print(table)
        for check in report.checks:
            label = check.target.name or urls.redact(check.target.url)
            style = _STYLE.get(check.verdict, "red")
            console.print(f"[{style}]{check.verdict}[/] {escape(label)} ({escape(check.target.where)}): "
                          f"{escape(check.message)}", soft_wrap=True)
            if check.hint:
                console.print(f"  [bold]hint:[/bold] {escape(check.hint)}", soft_wrap=True)
    for skip in report.skipped:
        console.print(f"skipped {escape(urls.redact(skip.url))} ({escape(skip.where)}): {escape(skip.reason)}",
                      soft_wrap=True)


def _split_json_flag(args: Sequence[str]) -> tuple[list[str], bool]:
    """``--json`` wherever it stands among the uv options (typer sees it only before the first uv option)."""
    rest = [arg for arg in args if arg != "--json"]
    return rest, len(rest) != len(args)


def run(args: Sequence[str], env: Mapping[str, str], *, as_json: bool = False,
        out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """The command: check, print, return the exit code (0 all ok, 1 a problem, 2 a usage error)."""
    out = out or sys.stdout
    uv_args, json_flag = _split_json_flag(args)
    try:
        report = diagnose(uv_args, env)
    except UvauthError as error:
        return report_error(error, file=err or sys.stderr)
    if as_json or json_flag:
        print(json.dumps(report.to_json(), indent=2), file=out)
    else:
        render(report, out)
    return report.exit_code
