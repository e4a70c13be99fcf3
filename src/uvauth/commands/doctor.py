"""``uvauth uvauth doctor``'s front end: run the checks (:mod:`uvauth.doctor.report`), print them as text
(:mod:`uvauth.commands.output`: a table on a terminal wide enough, else one record per index) or as the
``uvauth.doctor/1`` JSON object, and exit 0 only when every index is ``ok``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Final

from uvauth.boundary import report_error
from uvauth.commands.output import Writer
from uvauth.doctor.report import Report, diagnose
from uvauth.doctor.verdict import Check, credentials_phrase
from uvauth.errors import UvauthError
from uvauth.uv import urls

_STYLE: Final = {"ok": "green", "open": "yellow", "redirect": "yellow"}
HEADER: Final = ("index", "url", "policy", "credentials", "GET with", "GET without", "verdict")


def _policy(check: Check) -> str:
    target = check.target
    reason = target.policy_reason if target.policy else ("configured" if target.authenticate else "default")
    return f"{target.effective} ({reason})"


def _cells(check: Check) -> list[str]:
    creds = check.lookup.credentials
    return [
        check.target.name or "-",
        urls.redact(check.target.url),
        _policy(check),
        credentials_phrase(creds) if creds else "none found",
        check.authenticated.describe(short=True) if check.authenticated else "-",
        check.anonymous.describe(short=True),
        check.verdict,
    ]


def render(report: Report, file: IO[str] | None = None, *, env: Mapping[str, str] | None = None,
           colour: bool | None = None, width: int | None = None, terminal: bool | None = None) -> None:
    """The report as text; never a secret, every URL redacted, ends with a newline."""
    out = Writer(file or sys.stdout, env, colour=colour, width=width, terminal=terminal)
    for warning in report.warnings:
        out.line(f"{out.style('warning:', 'yellow', 'bold')} {urls.redact(warning)}")
    if not report.checks:
        out.line("No index to check: uv would use public PyPI only (or local indexes)."
                 if not report.skipped else "No index to check.")
    else:
        rows = [_cells(check) for check in report.checks]
        if out.table_fits(HEADER, rows):
            styles = [[""] * (len(HEADER) - 1) + [_STYLE.get(c.verdict, "red")] for c in report.checks]
            out.table(HEADER, rows, styles)
            for check in report.checks:
                label = check.target.name or urls.redact(check.target.url)
                out.line(f"{out.style(check.verdict, _STYLE.get(check.verdict, 'red'))} {label} "
                         f"({check.target.where}): {check.message}")
                if check.hint:
                    out.line(f"  {out.style('hint:', 'bold')} {check.hint}")
        else:
            for check, row in zip(report.checks, rows, strict=True):
                fields = [("from", f"{check.target.source}: {check.target.where}"), ("policy", row[2]),
                          ("credentials", row[3]), ("GET with", row[4]), ("GET without", row[5]),
                          ("verdict", out.style(check.verdict, _STYLE.get(check.verdict, "red"))),
                          ("why", check.message)]
                if check.hint:
                    fields.append(("hint", check.hint))
                name = f" ({check.target.name})" if check.target.name else ""
                out.record(f"index {row[1]}{name}", fields)
                out.line()
    for skip in report.skipped:
        out.line(f"skipped {urls.redact(skip.url)} ({skip.where}): {skip.reason}")
    if report.uv_found is not None:
        from uvauth.commands.explain import uv_line

        out.line(uv_line(report.uv_found, out))
    if report.tls:
        out.line(f"{out.style('TLS:', 'bold')} trusts {report.tls}")
    if report.config_files:
        out.line(out.style("configuration:", "bold"))
        for entry in report.config_files:
            out.line(f"  {entry['level']}: {entry['path']} ({'read' if entry['found'] else 'not found'})")


def _split_json_flag(args: Sequence[str]) -> tuple[list[str], bool]:
    """``--json`` wherever it stands before ``--`` among the uv options (typer sees it only before the first)."""
    end = list(args).index("--") if "--" in args else len(args)
    rest = [arg for arg in args[:end] if arg != "--json"] + list(args[end:])
    return rest, len(rest) != len(args)


def run(args: Sequence[str], env: Mapping[str, str], *, as_json: bool = False,
        out: IO[str] | None = None, err: IO[str] | None = None, colour: bool | None = None) -> int:
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
        render(report, out, env=env, colour=colour)
    return report.exit_code
