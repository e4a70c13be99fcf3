"""The documentation's example outputs, generated: each block after a ``<!-- example: NAME -->`` marker (in the
README or a page of docs/) is what ``uvauth uvauth explain`` really prints (piped, as in a CI log) for the TOML
shown in the same section.

    python scripts/readme_examples.py           # check: exit 1 and a diff when a page has drifted
    python scripts/readme_examples.py --update  # rewrite the blocks

tests/test_readme.py runs the check, so the suite (and CI) fails when the documentation and uvauth disagree.

For each marker: the ``toml`` blocks of its section (from the previous ``##``/``###`` heading) are written to a
fresh project — a block whose first line is ``# uvauth.toml`` as ``uvauth.toml``, any other as ``uv.toml`` —
with the example's ``requirements.in`` and credentials (:data:`EXAMPLES`), and the example's command is run in
it, with a private HOME and only the uv installed with uvauth on PATH. Three substitutions keep the text
machine-independent, and nothing else is changed: the private home directory is shown as ``~``, the directory
of the uv installed with uvauth as ``~/.local/share/uv/tools/uvauth/bin`` (where ``uv tool install`` puts it),
and the uv version as it is.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Final, NamedTuple

ROOT: Final = Path(__file__).resolve().parent.parent
README: Final = ROOT / "README.md"
#: Every page that may hold examples.
PAGES: Final = (README, *sorted((ROOT / "docs").glob("*.md")))
SHOWN_BIN: Final = "~/.local/share/uv/tools/uvauth/bin"
_MARKER: Final = re.compile(r"^<!-- example: (?P<name>[\w-]+) -->\n```text\n(?P<body>.*?)^```\n", re.M | re.S)
_TOML: Final = re.compile(r"^```toml\n(?P<body>.*?)^```\n", re.M | re.S)
_HEADING: Final = re.compile(r"^#{2,3} ", re.M)


class Example(NamedTuple):
    args: str  # the explain command line; {url}: the first [[index]]'s URL
    requirements: str
    credentials: str  # "netrc", "env" (UV_INDEX_<NAME>_USERNAME/PASSWORD), or "provider" (the section's entry)
    env: tuple[tuple[str, str], ...] = ()  # more of the environment (a CI job's variables)


EXAMPLES: Final = {
    "main": Example("pip compile --index-url {url} requirements.in -o requirements.txt",
                    "--extra-index-url {url}/\nidna\n", "netrc"),
    **{name: Example("pip compile --index-url {url} requirements.in", "idna\n", "env")
       for name in ("artifactory", "nexus")},
    **{name: Example("pip compile --index-url {url} requirements.in", "idna\n", "provider")
       for name in ("codeartifact", "gar", "azure")},
    # In a GitLab CI job on that server (the job token itself is not shown, and not needed by explain).
    "gitlab": Example("pip compile --index-url {url} requirements.in", "idna\n", "provider",
                      (("GITLAB_CI", "true"), ("CI_SERVER_HOST", "gitlab.example.com"),
                       ("CI_JOB_TOKEN", "example-job-token"))),
}


def _section_toml(text: str, at: int) -> list[str]:
    starts = [m.start() for m in _HEADING.finditer(text, 0, at)]
    section = text[starts[-1] if starts else 0:at]
    return [m.group("body") for m in _TOML.finditer(section)]


def render(name: str, tomls: list[str]) -> str:
    """The block for example ``name``: the command line, then explain's output for the section's TOML."""
    example = EXAMPLES[name]
    uv_toml = "".join(t for t in tomls if not t.startswith("# uvauth.toml"))
    own_toml = "".join(t for t in tomls if t.startswith("# uvauth.toml"))
    index = tomllib.loads(uv_toml)["index"][0]
    url, index_name = index["url"], index["name"]
    bin_dir = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        project = home / "project"
        project.mkdir(parents=True)
        (project / "uv.toml").write_text(uv_toml)
        if own_toml:
            (project / "uvauth.toml").write_text(own_toml)
        (project / "requirements.in").write_text(example.requirements.format(url=url))
        host = url.split("/")[2]
        env = {"PATH": bin_dir, "HOME": str(home), "XDG_CONFIG_DIRS": "/etc/xdg", "LANG": "C.UTF-8"}
        env.update(example.env)
        if example.credentials == "netrc":
            (home / ".netrc").write_text(f"machine {host} login jane password example-token\n")
        elif example.credentials == "env":
            prefix = "UV_INDEX_" + re.sub(r"[^A-Za-z0-9]", "_", index_name).upper() + "_"
            env.update({prefix + "USERNAME": "jane", prefix + "PASSWORD": "example-token"})
        args = example.args.format(url=url).split()
        done = subprocess.run([sys.executable, "-m", "uvauth", "uvauth", "explain", *args], cwd=project, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or done.stderr:
            raise SystemExit(f"example {name}: explain failed ({done.returncode}): {done.stderr}")
        output = done.stdout.replace(str(home), "~").replace(bin_dir, SHOWN_BIN)
    return f"$ uvauth uvauth explain {' '.join(args)}\n{output}"


def generated(text: str) -> str:
    """``text`` with every example block regenerated."""
    def replace(match: re.Match[str]) -> str:
        body = render(match.group("name"), _section_toml(text, match.start()))
        return f"<!-- example: {match.group('name')} -->\n```text\n{body}```\n"

    return _MARKER.sub(replace, text)


def main(argv: list[str]) -> int:
    texts = {page: page.read_text(encoding="utf-8") for page in PAGES}
    if not any(_MARKER.search(text) for text in texts.values()):
        print("no example markers in README.md or docs/", file=sys.stderr)
        return 1
    drifted = 0
    for page, text in texts.items():
        fresh = generated(text)
        if fresh == text:
            continue
        name = str(page.relative_to(ROOT))
        if "--update" in argv:
            page.write_text(fresh, encoding="utf-8")
            continue
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), fresh.splitlines(True), name,
                                                   f"{name} (generated)"))
        drifted += 1
    if drifted:
        print("examples drifted: run python scripts/readme_examples.py --update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
