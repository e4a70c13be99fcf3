"""``uvauth uvauth explain``'s front end: the ``uvauth.explain/1`` object (:mod:`uvauth.explain`) as JSON, or as
text (:mod:`uvauth.commands.output`): the indexes in uv's order — a table on a terminal wide enough, else one
record each —, what plain uv would do, a legend, the changes, then what uv is run with and which files were
read."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Final

from uvauth.commands.output import Writer
from uvauth.uv import envvars

if TYPE_CHECKING:
    from uvauth.explain import ExplainIndex, ExplainObject, UvObject

HEADER: Final = ("#", "role", "url", "from", "handled as", "policy (why)", "how", "credentials")


def _policy(index: ExplainIndex) -> str:
    return f"{index['policy']} ({index['policy_reason']})"


def _row(n: int, index: ExplainIndex) -> list[str]:
    return [str(n), index["role"], index["url"], f"{index['source']}: {index['where']}", index["merged_onto"] or "-",
            _policy(index), index["lever"], index["credential_source"] or "-"]


def render_text(data: ExplainObject, out: Writer) -> None:
    """The whole text view (see the module docstring); every line ends with a newline."""
    from uvauth.explain import LEVERS

    indexes = data["indexes"]
    command = " ".join(data["command"]) or "(no command)"
    if not indexes:
        out.line(f"uv {command}: uvauth changes nothing for this command: it runs uv as given.")
    else:
        count = f"{len(indexes)} index{'es' if len(indexes) != 1 else ''}"
        out.line(f"uv {command}: {count}, in uv's order")
        rows = [_row(n, index) for n, index in enumerate(indexes, 1)]
        if out.table_fits(HEADER, rows):
            out.table(HEADER, rows)
            for n, index in enumerate(indexes, 1):
                out.line(f"{n}: plain uv: {index['plain_uv']}")
                for note in _notes(index):
                    out.line(f"{n}: {note}")
        else:
            for n, index in enumerate(indexes, 1):
                out.line()
                fields = [("role", index["role"]), ("from", f"{index['source']}: {index['where']}"),
                          ("handled as", index["merged_onto"] or "-"), ("policy", _policy(index)),
                          ("how", index["lever"]), ("credentials", index["credential_source"] or "-"),
                          ("plain uv", index["plain_uv"])]
                fields += [tuple(note.split(": ", 1)) for note in _notes(index)]  # type: ignore[misc]
                out.record(f"index {n}: {index['url']}", fields)
        out.line()
        used = list(dict.fromkeys(index["lever"] for index in indexes))
        out.line("how:")
        for lever in used:
            out.line(f"  {lever}: {LEVERS[lever]}")
    if data["changes"]:
        out.line("changes:")
        for change in data["changes"]:
            out.line(f"  {change}")
    out.line(f"{out.style('runs:', 'bold')} {data['uv']} {' '.join(data['argv'])}".rstrip())
    if data["environment"]:
        out.line(f"{out.style('sets:', 'bold')} {', '.join(data['environment'])}")
    out.line(uv_line(data["uv_found"], out))
    if data["config_files"]:
        out.line(out.style("configuration:", "bold"))
        for file in data["config_files"]:
            state = "read" if file["found"] else "not found"
            out.line(f"  {file['level']}: {file['path']} ({state})")
    for warning in data["warnings"]:
        out.line(f"{out.style('warning:', 'yellow', 'bold')} {warning}")
    for stop in data["stops"]:
        # Not raised: the plan above shows the index and every source asked; this says what the run would do.
        out.line(f"{out.style('stops:', 'red', 'bold')} uvauth would not run uv: {stop}")


def uv_line(uv: UvObject, out: Writer) -> str:
    """``uv: PATH (uv VERSION, how it was found)``, the uv installed with uvauth when another one runs, and how to
    pick another."""
    version = f"uv {uv['version']}" if uv["version"] else "version unknown"
    line = f"{out.style('uv:', 'bold')} {uv['path']} ({version}, {uv['found_by']})"
    if uv["bundled"]:
        line += f"; the uv installed with uvauth is {uv['bundled']}"
    if uv["found_by"] not in (envvars.UVAUTH_UV, "the `uv` setting"):
        line += "; pick another with UVAUTH_UV or the `uv` setting"
    return line


def _notes(index: ExplainIndex) -> list[str]:
    notes = []
    if index["unapplied"]:
        notes.append(f"not applied: {index['unapplied']} (see the warning below)")
    if index["hint"]:
        notes.append(f"hint: {index['hint']}")
    return notes


def run(uv_args: Sequence[str], env: Mapping[str, str], *, as_json: bool = False, out: IO[str] | None = None,
        colour: bool | None = None) -> int:
    """The command: explain, print. Raises :class:`~uvauth.errors.UvauthError` for a command line or
    configuration uv would reject (the caller's error boundary prints it)."""
    from uvauth.explain import explain_data

    data = explain_data(list(uv_args), dict(env))
    stream = out or sys.stdout
    if as_json:
        print(json.dumps(data, indent=2), file=stream)
    else:
        render_text(data, Writer(stream, env, colour=colour))
    return 0
