#!/usr/bin/env python3
"""Generate ``completions/``: uvauth's shell completion scripts, built from the real uv's own.

Usage (from the repository root)::

    python scripts/gen_completions.py [--uv PATH]                # (re)write the files in completions/
    python scripts/gen_completions.py [--uv PATH] --check        # exit 1 if a file in completions/ is stale
    python scripts/gen_completions.py [--uv PATH] --print SHELL  # print one script on stdout

``--uv`` defaults to the ``uv`` next to the running Python (the project venv's), else the one on ``PATH``.
The scripts (``uvauth.bash``, ``_uvauth`` for zsh, ``uvauth.fish``) are ``uv generate-shell-completion
SHELL`` re-targeted to ``uvauth``, plus uvauth's own options and commands (see ``uvauth.completion``);
``uvauth uvauth completion SHELL`` prints the same text for the uv it runs. The output is a function of
uv's output and uvauth's typer app only, so it is deterministic; ``tests/test_completion.py`` checks that
the committed files match the pinned uv. After bumping uv or changing uvauth's own commands: re-run,
review the diff, commit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "completions"
SHELLS = ("bash", "zsh", "fish")  # uvauth.completion.SHELLS, before uvauth is importable


def default_uv() -> str:
    """The uv next to the running Python (the project venv's), else the one on PATH."""
    sibling = Path(sys.executable).with_name("uv.exe" if os.name == "nt" else "uv")
    if sibling.is_file():
        return str(sibling)
    return shutil.which("uv") or "uv"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate completions/ from the real uv's completions.")
    parser.add_argument("--uv", help="the uv to build from (default: the venv's, else the one on PATH)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if a file in completions/ is stale")
    mode.add_argument("--print", choices=SHELLS, metavar="SHELL", help="print the script for SHELL instead")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))  # this checkout's uvauth, installed or not
    from uvauth.completion.build import FILE_NAMES, generate
    from uvauth.errors import UvauthError

    uv = shutil.which(args.uv or default_uv())
    if uv is None:
        print(f"gen_completions: error: no uv executable at {args.uv or default_uv()!r}", file=sys.stderr)
        return 2
    try:
        if args.print:
            sys.stdout.write(generate(args.print, uv))
            return 0
        scripts = {shell: generate(shell, uv) for shell in SHELLS}
    except UvauthError as error:
        print(f"gen_completions: error: {error}", file=sys.stderr)
        return 2
    stale = []
    for shell, text in scripts.items():
        path = TARGET / FILE_NAMES[shell]
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path.relative_to(REPO))
        if not args.check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check:
        for path in stale:
            print(f"gen_completions: {path} is stale: re-run scripts/gen_completions.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        print(f"gen_completions: wrote {path}", file=sys.stderr)
    if not stale:
        print("gen_completions: completions/ is up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
