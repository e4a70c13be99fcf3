"""Tests for uvauth.uv.requirements: reading index options from requirements inputs as uv 0.13.8 does.

Expected values use `{tmp}` for the test's temporary directory, which is also uv's working directory.
Expected options are `(text, url, file, line)` tuples, `file` relative to `{tmp}`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from uvauth.errors import UvauthError
from uvauth.uv.requirements import (
    RequirementsIndexes,
    RequirementsIndexOption,
    read_index_options,
)
from uvauth.uv.requirements.statements import _Lazy
from uvauth.uv.urls import verbatim_key

Option = tuple[str, str, str, int]


#: A requirement uv resolves offline: a local wheel that `write` always provides.
W = "./tinypkg-1.0-py3-none-any.whl"


def write(root: Path, files: Mapping[str, str | bytes]) -> None:
    with zipfile.ZipFile(root / W, "w") as wheel:
        wheel.writestr("tinypkg/__init__.py", "")
        wheel.writestr(
            "tinypkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n"
        )
        wheel.writestr(
            "tinypkg-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr("tinypkg-1.0.dist-info/RECORD", "")
    for name, content in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, newline="")


def fill(value: Any, tmp: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{tmp}", str(tmp))
    if isinstance(value, (list, tuple)):
        return type(value)(fill(item, tmp) for item in value)
    return value


def as_tuple(option: RequirementsIndexOption, tmp: Path) -> Option:
    return (option.text, option.url, str(option.path.relative_to(tmp)), option.line)


def read(tmp: Path, args: dict[str, list[str]], env: dict[str, str] | None = None) -> RequirementsIndexes:
    return read_index_options(args.get("r", []), args.get("c", []), args.get("o", []), cwd=tmp, env=env or {})


def check(result: RequirementsIndexes, tmp: Path, expected: dict[str, Any]) -> None:
    index_url = expected.get("index_url")
    assert (as_tuple(result.index_url, tmp) if result.index_url else None) == fill(index_url, tmp)
    assert [as_tuple(o, tmp) for o in result.extra_index_urls] == fill(expected.get("extra", []), tmp)
    assert [as_tuple(o, tmp) for o in result.find_links] == fill(expected.get("find_links", []), tmp)
    assert result.no_index == expected.get("no_index", False)
    assert list(result.unread) == fill(expected.get("unread", []), tmp)
    for option in (result.index_url, *result.extra_index_urls, *result.find_links):
        if option is not None:
            assert option.path.is_absolute()


A = "https://a.example/simple"
B = "https://b.example/simple"
F = "https://f.example/links/"


def one(content: str, expected: dict[str, Any], *, env: dict[str, str] | None = None, id: str) -> Any:
    """A case with a single `req.in` holding `content`."""
    return pytest.param({"req.in": content}, {"r": ["req.in"]}, env or {}, expected, id=id)


CASES = [
    # -- every spelling -------------------------------------------------------------------------
    one(f"-i {A}\n", {"index_url": (A, A, "req.in", 1)}, id="short-space"),
    one(f"--index-url {A}\n", {"index_url": (A, A, "req.in", 1)}, id="long-space"),
    one(f"-i={A}\n", {"index_url": (A, A, "req.in", 1)}, id="short-equals"),
    one(f"--index-url={A}\n", {"index_url": (A, A, "req.in", 1)}, id="long-equals"),
    one(f"--index-url\t{A}\n", {"index_url": (A, A, "req.in", 1)}, id="tab"),
    one(f"--index-url \t  {A}   \n", {"index_url": (A, A, "req.in", 1)}, id="blanks-around-value"),
    one(f"-i=  {A}\n", {"index_url": (f"  {A}", A, "req.in", 1)}, id="equals-then-blanks-kept-in-text"),
    one(
        f"--extra-index-url {B}\n--extra-index-url={A}\n",
        {"extra": [(B, B, "req.in", 1), (A, A, "req.in", 2)]},
        id="extra-both-forms",
    ),
    one(
        f"-f {F}\n--find-links={F}x\n--find-links\t{F}y\n",
        {
            "find_links": [
                (F, F, "req.in", 1),
                (F + "x", F + "x", "req.in", 2),
                (F + "y", F + "y", "req.in", 3),
            ]
        },
        id="find-links-forms",
    ),
    one("--no-index\n", {"no_index": True}, id="no-index"),
    one("--no-index # why\n", {"no_index": True}, id="no-index-comment"),
    one("--no-index", {"no_index": True}, id="no-index-at-eof"),
    one("--no-indexx\n", {}, id="no-index-needs-a-boundary"),
    one(
        f"--no-index -f {F}\n",
        {"no_index": True, "find_links": [(F, F, "req.in", 1)]},
        id="no-index-then-option",
    ),
    # -- quoting ----------------------------------------------------------------------------------
    one(f"-i '{A}'\n", {"index_url": (A, A, "req.in", 1)}, id="single-quotes"),
    one(f'-i "{A}"\n', {"index_url": (A, A, "req.in", 1)}, id="double-quotes"),
    one(
        '-i "https://h/a b"\n',
        {"index_url": ("https://h/a b", "https://h/a b", "req.in", 1)},
        id="quoted-space-kept",
    ),
    one(
        '-f "https://h/"x"/q"\n',
        {"find_links": [("https://h/x/q", "https://h/x/q", "req.in", 1)]},
        id="quotes-joined",
    ),
    one(
        "-f https://h/it'unterminated\n",
        {"find_links": [("https://h/it'unterminated", "https://h/it'unterminated", "req.in", 1)]},
        id="unterminated-quote-kept",
    ),
    one(
        '-i "https://h/\\$x"\n',
        {"index_url": ("https://h/$x", "https://h/$x", "req.in", 1)},
        id="escape-in-dquotes",
    ),
    # -- comments, blank lines, whitespace, line endings ----------------------------------------------
    one(
        f"# header\n\n   \n\t-i {A}   # the index\n# -i {B}\n",
        {"index_url": (A, A, "req.in", 4)},
        id="comments-blank-leading-whitespace",
    ),
    one(f"-i {A}#not-a-fragment\n", {"index_url": (A, A, "req.in", 1)}, id="hash-ends-value"),
    one(
        f"{W}\r\n\r\n-i {A}\r\n--extra-index-url {B}\r\n",
        {"index_url": (A, A, "req.in", 3), "extra": [(B, B, "req.in", 4)]},
        id="crlf",
    ),
    one(f"{W}\r\r-i {A}\r", {"index_url": (A, A, "req.in", 3)}, id="lone-cr"),
    one(f"-i\n\n   {A}  # comment\n", {"index_url": (A, A, "req.in", 1)}, id="value-on-a-later-line"),
    one(f"\\\n-i {A}\n", {"index_url": (A, A, "req.in", 2)}, id="continuation-before-option"),
    # -- lines uv rejects or ignores ---------------------------------------------------------------
    one(f"-i{A}\n--extra-index-url {B}\n", {"extra": [(B, B, "req.in", 2)]}, id="attached-value-ignored"),
    one(f"--index-urlx {A}\n", {}, id="longer-option-ignored"),
    one(f"--pre -f {F}\n--trusted-host h\n--prefer-binary\n", {}, id="unsupported-options-swallow-line"),
    one(
        f"--extra-index-url {B} --extra-index-url {A}\n",
        {"extra": [(f"{B} --extra-index-url {A}",) * 2 + ("req.in", 1)]},
        id="value-runs-to-end-of-line",
    ),
    one("-i ./does-not-exist\n-i noscheme\n", {}, id="relative-missing-index-ignored"),
    one("-f does-not-exist\n", {}, id="relative-missing-find-links-ignored"),
    one("--bogus\n-i\n", {}, id="garbage-skipped"),
    # -- options among requirements ----------------------------------------------------------------
    one(
        f"requests[socks]>=2 ; python_version >= '3.8'  # pin\n-e ./pkg\nfoo==1 \\\n    --hash=sha256:ab \\\n"
        f"    --hash=sha256:cd\n--extra-index-url {B}\n",
        {"extra": [(B, B, "req.in", 6)]},
        id="requirements-editables-hashes",
    ),
    one(
        f"{W} --hash=sha256:ab -f {F}\n{W} --hash sha256:cd --extra-index-url={B}\n",
        {"find_links": [(F, F, "req.in", 1)], "extra": [(B, B, "req.in", 2)]},
        id="options-after-hashes",
    ),
    one(f"foo==1 -f {F}\n", {}, id="option-inside-requirement-not-read"),
    one(
        f"--no-binary :all:\n--only-binary=foo\n--require-hashes -i {A}\n",
        {"index_url": (A, A, "req.in", 3)},
        id="other-options",
    ),
    # -- ${VAR} -----------------------------------------------------------------------------------------
    one(
        "--extra-index-url ${IDX}\n",
        {"extra": [("${IDX}", B, "req.in", 1)]},
        env={"IDX": B},
        id="var-expanded",
    ),
    one(
        "--extra-index-url https://h/${SEG}/${SEG2}/s\n",
        {"extra": [("https://h/${SEG}/${SEG2}/s", "https://h/x/${SEG2}/s", "req.in", 1)]},
        env={"SEG": "x"},
        id="var-undefined-left",
    ),
    one(
        "--extra-index-url https://h/$SEG/${lower}/s\n",
        {"extra": [("https://h/$SEG/${lower}/s",) * 2 + ("req.in", 1)]},
        env={"SEG": "x", "lower": "y"},
        id="var-dollar-and-lowercase-not-expanded",
    ),
    one(
        "--extra-index-url https://${USER_1}:${PW}@h/s\n",
        {"extra": [("https://${USER_1}:${PW}@h/s", "https://u:p@h/s", "req.in", 1)]},
        env={"USER_1": "u", "PW": "p"},
        id="var-credentials",
    ),
    one(
        "-f ${PROJECT_ROOT}/wheels\n",
        {"find_links": [("${PROJECT_ROOT}/wheels", "file://{tmp}/wheels", "req.in", 1)]},
        id="project-root-falls-back-to-cwd",
    ),
    one("-i ${EMPTY}\n", {}, env={"EMPTY": ""}, id="var-empty-index-ignored"),
]


@pytest.mark.parametrize(("files", "args", "env", "expected"), CASES)
def test_single_file(
    tmp_path: Path,
    files: dict[str, str],
    args: dict[str, list[str]],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    write(tmp_path, {"wheels/": "", **files})
    check(read(tmp_path, args, env), tmp_path, expected)


NESTED = [
    pytest.param(
        {
            "req.in": f"-r sub/a.txt\n--extra-index-url {B}\n",
            "sub/a.txt": "--requirement=deeper/b.txt\n-f wheels\n",
            "sub/deeper/b.txt": f"--extra-index-url {A}\n",
            "sub/wheels/": "",
        },
        {"r": ["req.in"]},
        {},
        {
            "extra": [(A, A, "sub/deeper/b.txt", 1), (B, B, "req.in", 2)],
            "find_links": [("wheels", "file://{tmp}/sub/wheels", "sub/a.txt", 2)],
        },
        id="nested-relative-to-containing-file",
    ),
    pytest.param(
        {"req.in": "-r ${SUB}/a.txt\n", "sub/a.txt": f"-i {A}\n"},
        {"r": ["req.in"]},
        {"SUB": "sub"},
        {"index_url": (A, A, "sub/a.txt", 1)},
        id="nested-var-in-path",
    ),
    pytest.param(
        {"req.in": "-r file://{tmp}/sub/a.txt\n", "sub/a.txt": f"-i {A}\n"},
        {"r": ["req.in"]},
        {},
        {"index_url": (A, A, "sub/a.txt", 1)},
        id="nested-file-url",
    ),
    pytest.param(
        {"req.in": "-r 'sub dir/a.txt'\n", "sub dir/a.txt": f"-i {A}\n"},
        {"r": ["req.in"]},
        {},
        {"index_url": (A, A, "sub dir/a.txt", 1)},
        id="nested-quoted-path",
    ),
    pytest.param(
        {
            "req.in": f"-c c.txt\n--extra-index-url {B}\n",
            "c.txt": f"-i {A}\n--extra-index-url {A}\n-r more.txt\n",
            "more.txt": f"-f {F}\n",
        },
        {"r": ["req.in"]},
        {},
        {"extra": [(B, B, "req.in", 2)]},
        id="nested-constraints-options-dropped",
    ),
    pytest.param(
        {"a.in": f"-f {F}a\n--extra-index-url {A}\n-r b.in\n", "b.in": f"-r a.in\n-f {F}b\n"},
        {"r": ["a.in"]},
        {},
        {
            "extra": [(A, A, "a.in", 2), (A, A, "a.in", 2)],
            "find_links": [
                (F + "a", F + "a", "a.in", 1),
                (F + "a", F + "a", "a.in", 1),
                (F + "b", F + "b", "b.in", 2),
            ],
        },
        id="cycle-read-once-from-the-other-side",
    ),
    pytest.param(
        {"a.in": f"-r a.in\n-r ./a.in\n-f {F}\n"},
        {"r": ["a.in"]},
        {},
        {"find_links": [(F, F, "a.in", 3), (F, F, "a.in", 3)]},
        id="self-include",
    ),
    pytest.param(
        {"req.in": "-r b.txt\n-r b.txt\n-r sub/../b.txt\n", "b.txt": f"-f {F}\n"},
        {"r": ["req.in"]},
        {},
        {"find_links": [(F, F, "b.txt", 1)]},
        id="included-twice-read-once",
    ),
    pytest.param(
        {"req.in": f"-i {A}\n-r sub.txt\n", "sub.txt": "-i HTTPS://A.EXAMPLE:443/./simple\n"},
        {"r": ["req.in"]},
        {},
        {"index_url": (A, A, "req.in", 1)},
        id="nested-same-index-parent-kept",
    ),
    pytest.param(
        {"req.in": f"-r sub.txt\n--extra-index-url {B}\n", "sub.txt": f"-i {A}\n"},
        {"r": ["req.in"]},
        {},
        {"index_url": (A, A, "sub.txt", 1), "extra": [(B, B, "req.in", 2)]},
        id="nested-index-inherited",
    ),
    pytest.param(
        {"req.in": "-r https://u:secret@h.example/r.txt\n-r -\n-r missing.txt\n"},
        {"r": ["req.in"]},
        {},
        {"unread": ["https://u:****@h.example/r.txt", "-", "{tmp}/missing.txt"]},
        id="nested-unread",
    ),
]


@pytest.mark.parametrize(("files", "args", "env", "expected"), NESTED)
def test_nested(
    tmp_path: Path,
    files: dict[str, str],
    args: dict[str, list[str]],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    write(tmp_path, {fill(k, tmp_path): fill(v, tmp_path) for k, v in files.items()})
    check(read(tmp_path, args, env), tmp_path, expected)


INPUTS = [
    pytest.param(
        {
            "a.in": f"--extra-index-url {A}\n-f {F}1\n",
            "b.in": f"--extra-index-url {B}\n",
            "c.txt": "--extra-index-url https://c/simple\n-f " + F + "2\n",
            "o.txt": "--extra-index-url https://o/simple\n",
        },
        {"r": ["a.in", "b.in"], "c": ["c.txt"], "o": ["o.txt"]},
        {},
        {
            "extra": [
                (A, A, "a.in", 1),
                (B, B, "b.in", 1),
                ("https://c/simple",) * 2 + ("c.txt", 1),
                ("https://o/simple",) * 2 + ("o.txt", 1),
            ],
            "find_links": [(F + "1", F + "1", "a.in", 2), (F + "2", F + "2", "c.txt", 2)],
        },
        id="order-requirements-constraints-overrides",
    ),
    pytest.param(
        {"a.in": f"-i {A}\n", "b.in": "-i https://A.example/simple/\n"},
        {"r": ["a.in", "b.in"]},
        {},
        {"index_url": ("https://A.example/simple/",) * 2 + ("b.in", 1)},
        id="equal-index-urls-later-wins",
    ),
    pytest.param(
        {"a.in": f"-i {A}\n", "c.txt": "-i https://user:pw@a.example/simple\n"},
        {"r": ["a.in"], "c": ["c.txt"]},
        {},
        {"index_url": ("https://user:pw@a.example/simple",) * 2 + ("c.txt", 1)},
        id="credentials-do-not-make-it-distinct",
    ),
    pytest.param(
        {"a.in": "--no-index\n", "b.in": f"-i {A}\n"},
        {"r": ["a.in", "b.in"]},
        {},
        {"index_url": (A, A, "b.in", 1), "no_index": True},
        id="no-index-ored",
    ),
    pytest.param(
        {"a.in": f"-i {A}\n"},
        {"r": ["-", "https://u:pw@h/req.txt", "missing.in", "a.in"], "c": ["", "http://h/c.txt"]},
        {},
        {
            "index_url": (A, A, "a.in", 1),
            "unread": ["-", "https://u:****@h/req.txt", "missing.in", "http://h/c.txt"],
        },
        id="stdin-remote-missing-unread",
    ),
    pytest.param(
        {
            "pyproject.toml": "[project]\nname='x'\nversion='1'\n",
            "setup.py": "",
            "setup.cfg": "",
            "pylock.toml": "",
            "a.in": f"-i {A}\n",
        },
        {"r": ["pyproject.toml", "setup.py", "setup.cfg", "a.in"]},
        {},
        {"index_url": (A, A, "a.in", 1)},
        id="metadata-files-ignored",
    ),
    pytest.param({"pylock.toml": ""}, {"r": ["pylock.toml"]}, {}, {}, id="pylock-ignored"),
    pytest.param(
        {
            "s.py": "#!/usr/bin/env python\n# /// script\n# dependencies = []\n# [tool.uv]\n"
            f'# index-url = "{A}"\n# extra-index-url = [\n#   "{B}",\n#   "./idx",\n# ]\n'
            '# find-links = ["wheels"]\n# no-index = true\n# ///\nprint(1)\n',
            "idx/": "",
        },
        {"r": ["s.py"]},
        {},
        {
            "index_url": (A, A, "s.py", 5),
            "extra": [(B, B, "s.py", 7), ("./idx", "file://{tmp}/idx", "s.py", 8)],
            "find_links": [("wheels", "file://{tmp}/wheels", "s.py", 10)],
            "no_index": True,
        },
        id="pep723-script",
    ),
    pytest.param(
        {"sub/s.py": '# /// script\n# [tool.uv]\n# find-links = ["wheels"]\n# ///\n'},
        {"r": ["sub/s.py"]},
        {},
        {"find_links": [("wheels", "file://{tmp}/wheels", "sub/s.py", 3)]},
        id="pep723-paths-against-cwd",
    ),
    pytest.param(
        {"s.py": f"-i {A}\nprint(1)\n"}, {"r": ["s.py"]}, {}, {}, id="py-without-block-read-as-nothing"
    ),
    pytest.param(
        {"reqs": f"# /// script\n# [tool.uv]\n# extra-index-url = ['{B}']\n# ///\n", "plain": f"-i {A}\n"},
        {"r": ["reqs", "plain"]},
        {},
        {"index_url": (A, A, "plain", 1), "extra": [(B, B, "reqs", 3)]},
        id="extensionless-script-or-requirements",
    ),
    pytest.param(
        {"a.in": W + "\n", "c.py": f"-i {A}\n"},
        {"r": ["a.in"], "c": ["c.py"]},
        {},
        {"index_url": (A, A, "c.py", 1)},
        id="py-constraints-read-as-requirements-txt",
    ),
    pytest.param(
        {
            "u16.in": f"\ufeff-i {A}\n".encode("utf-16-le"),
            "bom.in": f"\ufeff--extra-index-url {B}\n".encode(),
        },
        {"r": ["u16.in", "bom.in"]},
        {},
        {"index_url": (A, A, "u16.in", 1), "extra": [(B, B, "bom.in", 1)]},
        id="utf16-and-bom",
    ),
    pytest.param(
        {"bad.in": b"-i https://x/simple\n\x80\xff\n"},
        {"r": ["bad.in"]},
        {},
        {"unread": ["bad.in"]},
        id="undecodable-unread",
    ),
    pytest.param(
        {"local-idx/": "", "sub/req.in": "-i ./local-idx\n--extra-index-url file://{tmp}/local-idx/\n"},
        {"r": ["sub/req.in"]},
        {},
        {
            "index_url": ("./local-idx", "file://{tmp}/local-idx", "sub/req.in", 1),
            "extra": [("file://{tmp}/local-idx/",) * 2 + ("sub/req.in", 2)],
        },
        id="local-index-against-cwd",
    ),
    pytest.param(
        {
            "cwdonly/": "",
            "sub/wheels/": "",
            "sub/req.in": "-f wheels\n-f cwdonly\n-f {tmp}/cwdonly\n-f file:///nowhere\n",
        },
        {"r": ["sub/req.in"]},
        {},
        {
            "find_links": [
                ("wheels", "file://{tmp}/sub/wheels", "sub/req.in", 1),
                ("{tmp}/cwdonly", "file://{tmp}/cwdonly", "sub/req.in", 3),
                ("file:///nowhere", "file:///nowhere", "sub/req.in", 4),
            ]
        },
        id="find-links-against-file-dir",
    ),
    pytest.param(
        {"file url.in": f"-i {A}\n"},
        {"r": ["file://{tmp}/file%20url.in"]},
        {},
        {"index_url": (A, A, "file url.in", 1)},
        id="file-url-input",
    ),
]


@pytest.mark.parametrize(("files", "args", "env", "expected"), INPUTS)
def test_inputs(
    tmp_path: Path,
    files: dict[str, str | bytes],
    args: dict[str, list[str]],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    write(tmp_path, {fill(k, tmp_path): fill(v, tmp_path) for k, v in files.items()})
    check(read(tmp_path, {k: fill(v, tmp_path) for k, v in args.items()}, env), tmp_path, expected)


SECRET = "s3cr3t-password"
PA = f"https://user:{SECRET}@a.example/simple"
PB = f"https://user:{SECRET}@b.example/simple"

ERRORS = [
    pytest.param(
        {"req.in": f"-i {PA}\nfoo\n--index-url {A}\n"},
        {"r": ["req.in"]},
        "Multiple `--index-url` values provided",
        "req.in:3",
        id="twice-in-one-file",
    ),
    pytest.param(
        {"req.in": f"-r sub.txt\n\n-i {PA}\n", "sub.txt": f"-i {PA}\n"},
        {"r": ["req.in"]},
        "Multiple `--index-url` values provided",
        "req.in:3",
        id="after-an-inherited-one-even-equal",
    ),
    pytest.param(
        {"req.in": f"-i {PA}\n\n-r sub.txt\n", "sub.txt": f"# x\n-i {PA}/\n"},
        {"r": ["req.in"]},
        "Nested `requirements` file contains conflicting `--index-url`",
        "req.in:3",
        id="nested-conflict-trailing-slash",
    ),
    pytest.param(
        {"req.in": f"-i {A}\n-r sub.txt\n", "sub.txt": f"-i {PA}\n"},
        {"r": ["req.in"]},
        "Nested `requirements` file contains conflicting `--index-url`",
        "req.in:2",
        id="nested-conflict-credentials",
    ),
    pytest.param(
        {"a.in": f"-i {PA}\n", "b.in": f"\n-i {PB}\n"},
        {"r": ["a.in", "b.in"]},
        "Multiple index URLs specified",
        "b.in:2",
        id="across-requirements",
    ),
    pytest.param(
        {"a.in": f"-i {PA}\n", "o.txt": f"-i {PB}\n"},
        {"r": ["a.in"], "o": ["o.txt"]},
        "Multiple index URLs specified",
        "o.txt:1",
        id="across-overrides",
    ),
    pytest.param(
        {"a.in": "-i ${IDX}\n", "b.in": f"-i {A}\n"},
        {"r": ["a.in", "b.in"]},
        "Multiple index URLs specified",
        "b.in:1",
        id="across-with-variable",
    ),
    pytest.param(
        {"a.in": "-r c.txt\n-r d.txt\n", "c.txt": f"-i {PA}\n", "d.txt": f"-i {PB}\n"},
        {"r": ["a.in"]},
        "Nested `requirements` file contains conflicting `--index-url`",
        "a.in:2",
        id="two-nested-disagree",
    ),
    pytest.param(
        {"a.in": "-c c.txt\n", "c.txt": f"-i {PA}\n-i {PB}\n"},
        {"r": ["a.in"]},
        "Multiple `--index-url` values provided",
        "c.txt:2",
        id="inside-nested-constraints",
    ),
    pytest.param(
        {"a.in": "--constraint c.txt\n", "c.txt": f"-i {PA}\n-i {PB}\n"},
        {"r": ["a.in"]},
        "Multiple `--index-url` values provided",
        "c.txt:2",
        id="inside-nested-constraints-long-spelling",
    ),
]


@pytest.mark.parametrize(("files", "args", "message", "where"), ERRORS)
def test_errors(
    tmp_path: Path, files: dict[str, str], args: dict[str, list[str]], message: str, where: str
) -> None:
    write(tmp_path, files)
    with pytest.raises(UvauthError) as caught:
        read(tmp_path, args, {"IDX": f"https://user:{SECRET}@elsewhere.example/simple"})
    error = caught.value
    assert error.message.startswith(message)
    assert error.where == f"{tmp_path}/{where}"
    assert error.hint
    assert SECRET not in str(error)
    assert "****" in str(error) or "${IDX}" in str(error)


SUPPRESSED = [
    pytest.param(
        {"a.in": f"-i {A}\n", "b.in": f"-i {B}\n"},
        {"r": ["a.in", "missing.in", "b.in"]},
        id="missing-input-uv-fails-first",
    ),
    pytest.param(
        {"a.in": f"-i {A}\n", "b.in": f"-i {B}\n"},
        {"r": ["a.in", "b.in"], "c": ["pyproject.toml"]},
        id="bad-constraints-name-uv-fails-first",
    ),
    pytest.param({"a.in": f"-r missing.txt\n-i {A}\n-i {B}\n"}, {"r": ["a.in"]}, id="missing-nested-file"),
    pytest.param(
        {"a.in": f"-ihttps://x/simple\n-i {A}\n-i {B}\n"}, {"r": ["a.in"]}, id="syntax-error-earlier"
    ),
    pytest.param(
        {"a.in": f"-i {A}\n", "b.in": f"--bogus\n-i {B}\n"},
        {"r": ["a.in", "b.in"]},
        id="syntax-error-in-a-later-input",
    ),
    pytest.param(
        {"a.in": f"-i {A}\n", "s.py": "print(1)\n", "b.in": f"-i {B}\n"},
        {"r": ["a.in", "s.py", "b.in"]},
        id="script-without-metadata",
    ),
]


@pytest.mark.parametrize(("files", "args"), SUPPRESSED)
def test_no_error_where_uv_fails_first(
    tmp_path: Path, files: dict[str, str], args: dict[str, list[str]]
) -> None:
    write(tmp_path, files)
    read(tmp_path, args)  # must not raise: uv reports its own error before reaching the conflict


def test_error_after_a_later_syntax_error_still_raised(tmp_path: Path) -> None:
    write(tmp_path, {"a.in": f"-i {A}\n-i {B}\n--bogus\n"})
    with pytest.raises(UvauthError, match="Multiple `--index-url`"):
        read(tmp_path, {"r": ["a.in"]})


def test_never_reads_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Exploding:
        def read(self, *_: object) -> str:
            raise AssertionError("stdin was read")

        buffer = property(lambda self: self)

    monkeypatch.setattr(sys, "stdin", Exploding())
    write(tmp_path, {"a.in": "-r -\n"})
    result = read(tmp_path, {"r": ["-", "a.in"], "c": ["-"]})
    assert result.unread == ("-",)


@pytest.mark.parametrize("spelling", ["/dev/fd/{fd}", "/proc/self/fd/{fd}", "pipe.in"])
@pytest.mark.parametrize("where", ["top", "nested"])
def test_a_pipe_is_left_unread_for_uv(tmp_path: Path, spelling: str, where: str) -> None:
    """`/dev/stdin`, `<(…)` and a FIFO can be read once: what uvauth read, uv would no longer get (issue 16)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"-i https://pipe.example/simple\ntinypkg\n")
        os.close(write_end)
        path = spelling.format(fd=read_end)
        if spelling == "pipe.in":
            (tmp_path / "pipe.in").symlink_to(f"/proc/self/fd/{read_end}")
        write(tmp_path, {"a.in": f"-r {path}\n"})
        result = read(tmp_path, {"r": [path] if where == "top" else ["a.in"]})
        shown = path if where == "top" else str(tmp_path / path) if not path.startswith("/") else path
        assert result.unchecked == (shown,)
        assert result.index_url is None
        assert os.read(read_end, 1000) == b"-i https://pipe.example/simple\ntinypkg\n"  # all still there for uv
    finally:
        os.close(read_end)


def test_what_is_only_readable_once(tmp_path: Path) -> None:
    from uvauth.observed import readable_once as _only_readable_once

    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file.in").write_text("x\n")
    (tmp_path / "link.in").symlink_to(tmp_path / "fifo")
    assert _only_readable_once(str(tmp_path / "fifo"))
    assert _only_readable_once(str(tmp_path / "link.in"))
    assert _only_readable_once("/dev/null")
    assert _only_readable_once("/dev/stdin")
    assert not _only_readable_once(str(tmp_path / "file.in"))
    assert not _only_readable_once(str(tmp_path))  # uv reports a directory itself
    assert not _only_readable_once(str(tmp_path / "missing.in"))  # and a missing file


def test_stdin_and_remote_inputs_are_unchecked_and_missing_ones_are_not(tmp_path: Path) -> None:
    write(tmp_path, {"a.in": "-r https://u:secret@h.example/r.txt\n"})
    result = read(tmp_path, {"r": ["-", "a.in", "missing.in"]})
    assert result.unchecked == ("-", "https://u:****@h.example/r.txt")
    assert result.unread == ("-", "https://u:****@h.example/r.txt", "missing.in")


def test_url_and_text_types(tmp_path: Path) -> None:
    write(tmp_path, {"a.in": f"-i {A}\n--no-index\n"})
    result = read(tmp_path, {"r": ["a.in"]})
    assert result.index_url is not None
    assert result.index_url.kind == "index-url"
    assert result.index_url.path == tmp_path / "a.in"
    with pytest.raises(AttributeError):
        result.index_url.text = "x"  # type: ignore[misc]


def test_a_large_mixed_file_is_read_whole(tmp_path: Path) -> None:
    lines = []
    for i in range(200):
        lines.append(
            [
                f"# comment {i}",
                f"pkg{i}=={i}.0 ; python_version >= '3.8'  # pinned",
                f"pkg{i}=={i} \\\n    --hash=sha256:{'a' * 64} \\\n    --hash=sha256:{'b' * 64}",
                f"--extra-index-url https://e{i}.example/simple",
                "",
                f"requests[socks]>=2.{i}",
            ][i % 6]
        )
    write(tmp_path, {"big.txt": "\n".join(lines) + "\n"})
    # How fast: bench/ (timing is never asserted in the suite).
    result = read(tmp_path, {"r": ["big.txt"]})
    assert [o.url for o in result.extra_index_urls] == [f"https://e{i}.example/simple" for i in range(3, 200, 6)]


def test_pathological_input_is_linear(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "p.txt": "a"
            + " " * 50_000
            + "b\n"
            + "\\\n" * 20_000
            + "x"
            + "\t" * 50_000
            + "#\n"
            + "-i"
            + " " * 50_000
        },
    )
    # Quadratic scanning would take minutes here (the suite's budget catches it); linear takes milliseconds.
    result = read(tmp_path, {"r": ["p.txt"]})
    assert result.index_url is None and result.unread == ()


# --------------------------------------------------------------------------------------------------
# Agreement with the real uv


def _uv() -> str | None:
    candidate = Path(sys.executable).with_name("uv")
    return str(candidate) if candidate.exists() else shutil.which("uv")


def run_uv(tmp: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed")
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp),
        "UV_CACHE_DIR": str(tmp / ".uv-cache"),
        "NO_COLOR": "1",
        **env,
    }
    return subprocess.run(
        [
            uv,
            "pip",
            "compile",
            "--offline",
            "--no-config",
            "--no-header",
            "--emit-index-url",
            "--emit-find-links",
            *args,
        ],
        cwd=tmp,
        env=full_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )


def emitted(stdout: str) -> list[str]:
    return [
        line
        for line in stdout.splitlines()
        if line.startswith(("--index-url ", "--extra-index-url ", "--find-links "))
    ]


def expected_emission(result: RequirementsIndexes) -> list[str]:
    """What `--emit-index-url --emit-find-links` writes for our result (uv adds nothing else here)."""
    lines = []
    if not result.no_index:  # `--no-index` drops the index lines, not the find-links ones
        lines.append(
            f"--index-url {result.index_url.text if result.index_url else 'https://pypi.org/simple'}"
        )
        seen = set()
        for option in result.extra_index_urls:
            key = verbatim_key(option.url)
            if key not in seen:  # uv writes each extra index once (compared as parsed URLs)
                seen.add(key)
                lines.append(f"--extra-index-url {option.text}")
    lines += [f"--find-links {option.text}" for option in result.find_links]
    return lines


def _cli(args: dict[str, list[str]]) -> list[str]:
    cli = list(args.get("r", []))
    for name in args.get("c", []):
        cli += ["-c", name]
    for name in args.get("o", []):
        cli += ["--overrides", name]
    return cli


AGREEMENT = [
    pytest.param(
        {
            "req.in": f"# c\n  -i={A}   # x\n--extra-index-url\t'{B}'\n\n-f\n   {F}\n--extra-index-url {B}\n"
            f"--pre -f https://swallowed/\n"
        },
        {"r": ["req.in"]},
        {},
        id="spellings",
    ),
    pytest.param(
        {"req.in": f'-i=  {A}\n-f "https://h/"x"/q"\n--find-links https://h/it\'unterminated\n'},
        {"r": ["req.in"]},
        {},
        id="quoting-and-blanks",
    ),
    pytest.param(
        {
            "req.in": "--extra-index-url ${IDX}\n--extra-index-url https://h/$IDX/${lower}/${NOPE}\n-f ${PROJECT_ROOT}/w\n"
            "-r ${SUB}/n.txt\n",
            "sub/n.txt": "-f wheels\n-c c.txt\n",
            "sub/c.txt": f"--extra-index-url {A}\n",
            "sub/wheels/": "",
            "w/": "",
        },
        {"r": ["req.in"]},
        {"IDX": "https://idx.example/simple", "SUB": "sub", "lower": "x"},
        id="variables-and-nesting",
    ),
    pytest.param(
        {"a.in": f"-f {F}a\n--extra-index-url {A}\n-r b.in\n", "b.in": f"-r a.in\n-f {F}b\n"},
        {"r": ["a.in"]},
        {},
        id="cycle",
    ),
    pytest.param(
        {
            "a.in": f"-i {A}\n-f {F}1\n",
            "b.in": "-i https://A.example/simple/\n",
            "c.txt": f"--extra-index-url {B}\n",
            "o.txt": "-f " + F + "2\n",
        },
        {"r": ["a.in", "b.in"], "c": ["c.txt"], "o": ["o.txt"]},
        {},
        id="across-inputs-later-equal-wins",
    ),
    pytest.param(
        {
            "req.in": "\r\n-i " + A + "\r\n-r sub.txt\r\n",
            "sub.txt": "-i HTTPS://A.EXAMPLE:443/simple\n--no-index\n",
        },
        {"r": ["req.in"]},
        {},
        id="nested-same-index-and-no-index",
    ),
    pytest.param(
        {
            "s.py": f'# /// script\n# dependencies = []\n# [tool.uv]\n# index-url = "{A}"\n'
            f'# extra-index-url = ["{B}", "./idx"]\n# find-links = ["wheels"]\n# ///\n',
            "idx/": "",
            "wheels/": "",
            "plain": "--extra-index-url https://plain/simple\n",
        },
        {"r": ["s.py", "plain"]},
        {},
        id="script-and-extensionless",
    ),
    pytest.param(
        {"local/": "", "sub/wheels/": "", "sub/req.in": "-i ./local\n-f wheels\n"},
        {"r": ["sub/req.in"]},
        {},
        id="local-paths",
    ),
]


@pytest.mark.integration
@pytest.mark.parametrize(("files", "args", "env"), AGREEMENT)
def test_agrees_with_uv(
    tmp_path: Path, files: dict[str, str], args: dict[str, list[str]], env: dict[str, str]
) -> None:
    write(tmp_path, files)
    ours = read(tmp_path, args, env)
    completed = run_uv(tmp_path, _cli(args), env)
    assert completed.returncode == 0, completed.stderr
    assert emitted(completed.stdout) == expected_emission(ours)


UV_ERRORS = [
    pytest.param(
        {"req.in": f"-i {PA}\n-i {A}\n"},
        {"r": ["req.in"]},
        "Multiple `--index-url` values provided",
        id="twice",
    ),
    pytest.param(
        {"req.in": f"-i {A}\n-r s.txt\n", "s.txt": f"-i {A}/\n"},
        {"r": ["req.in"]},
        "Nested `requirements` file contains conflicting `--index-url`",
        id="nested",
    ),
    pytest.param(
        {"a.in": f"-i {PA}\n", "c.txt": f"-i {PB}\n"},
        {"r": ["a.in"], "c": ["c.txt"]},
        "Multiple index URLs specified",
        id="across",
    ),
]


@pytest.mark.integration
@pytest.mark.parametrize(("files", "args", "message"), UV_ERRORS)
def test_same_errors_as_uv(
    tmp_path: Path, files: dict[str, str], args: dict[str, list[str]], message: str
) -> None:
    write(tmp_path, files)
    with pytest.raises(UvauthError) as caught:
        read(tmp_path, args)
    completed = run_uv(tmp_path, _cli(args), {})
    assert completed.returncode == 2
    assert message in completed.stderr
    assert caught.value.message.startswith(message)
    assert SECRET not in completed.stderr and SECRET not in str(caught.value)


@pytest.mark.integration
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(f"-i{A}\n", id="attached"),
        pytest.param("-f does-not-exist\n", id="missing-find-links"),
        pytest.param("--no-indexx\n", id="no-index-boundary"),
        pytest.param(f"foo -f {F}\n", id="option-inside-requirement"),
    ],
)
def test_lines_uv_rejects_are_rejected_by_uv(tmp_path: Path, content: str) -> None:
    """The lines we skip are ones uv refuses, so skipping them never hides an index uv would use."""
    write(tmp_path, {"req.in": content})
    completed = run_uv(tmp_path, ["req.in"], {})
    assert completed.returncode == 2, completed.stdout


#: Table cases uv itself rejects (exit code 2): uvauth skips what uv would report.
UV_REJECTS = {
    "no-index-needs-a-boundary",
    "attached-value-ignored",
    "longer-option-ignored",
    "relative-missing-index-ignored",
    "relative-missing-find-links-ignored",
    "garbage-skipped",
    "option-inside-requirement-not-read",
    "var-empty-index-ignored",
    "nested-unread",
    "stdin-remote-missing-unread",
    "pylock-ignored",
    "py-without-block-read-as-nothing",
    "undecodable-unread",
    "find-links-against-file-dir",
}
#: Table cases uv cannot resolve offline (an editable project), so their output cannot be compared.
UV_UNRESOLVABLE = {"requirements-editables-hashes"}


@pytest.mark.integration
@pytest.mark.parametrize(("files", "args", "env", "expected"), CASES + NESTED + INPUTS)
def test_every_case_agrees_with_uv(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    files: dict[str, str | bytes],
    args: dict[str, list[str]],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    """Every table case above, run through the real uv: same emitted index lines, or uv rejects the input."""
    case = request.node.callspec.id
    write(tmp_path, {"wheels/": "", **{fill(k, tmp_path): fill(v, tmp_path) for k, v in files.items()}})
    args = {k: fill(v, tmp_path) for k, v in args.items()}
    ours = read(tmp_path, args, env)
    completed = run_uv(tmp_path, _cli(args), env)
    if case in UV_REJECTS:
        assert completed.returncode == 2, completed.stdout
    elif case in UV_UNRESOLVABLE:
        assert completed.returncode == 1, completed.stderr
    else:
        assert completed.returncode == 0, completed.stderr
        assert emitted(completed.stdout) == expected_emission(ours)


# -- the same patterns on every Python -------------------------------------------------------------

_PATTERN_DUMP = r"""
import hashlib, importlib, pkgutil, random, sys
import uvauth.uv.requirements as package
from uvauth.uv.requirements.statements import _Lazy
parts = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
patterns = sorted((m.__name__, n, v) for m in parts for n, v in vars(m).items() if isinstance(v, _Lazy))
alphabet = ["a", "b", "1", ".", "/", " ", "\t", "\n", "\r", "\\", "#", "-", "--", "=", "$", "{", "}", "x://", ";",
            "\u00a0", "-f ", " --hash=sha256:ab ", "${A}"]
rng = random.Random(7)
digest = hashlib.sha256()
for _ in range(20000):
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
    for module, name, pattern in patterns:
        found = pattern.match(text)
        digest.update(repr((module, name, found and found.span())).encode())
print(digest.hexdigest())
"""


def _requirements_modules() -> list[ModuleType]:
    """Every module of the uvauth.uv.requirements package."""
    import uvauth.uv.requirements as package

    return [importlib.import_module(f"{package.__name__}.{info.name}") for info in pkgutil.iter_modules(package.__path__)]


def _pythons() -> list[str]:
    """Every other CPython >= 3.11 this machine has, found as scripts/test_other_pythons.py finds them (PATH,
    /usr, /opt, pyenv's versions under PYENV_ROOT or the real user's home: the isolation fixture moves HOME)."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "test_other_pythons.py"
    spec = importlib.util.spec_from_file_location("_other_pythons", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [python for _, python in module.others()]


def _pattern_digest(python: str) -> str | None:
    src = str(Path(__file__).resolve().parents[1] / "src")
    done = subprocess.run([python, "-c", _PATTERN_DUMP], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": src})
    if "SyntaxError" in done.stderr or "requires" in done.stderr:
        return None  # too old for uvauth's own syntax: not a Python uvauth accepts
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_whitespace_classes_are_rusts_whitespace() -> None:
    """``_WS_CLASS`` (a category class, cheap to compile) matches exactly the code points of ``_WS`` (Rust's
    ``char::is_whitespace``), and ``_NON_WS_CLASS`` exactly the others, over every code point."""
    import re

    from uvauth.uv.requirements import statements

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert re.findall(statements._WS_CLASS, everything) == sorted(statements._WS)
    assert len(re.findall(statements._NON_WS_CLASS, everything)) == sys.maxunicode + 1 - len(statements._WS)
    assert not re.search(statements._NON_WS_CLASS, statements._WS)


def test_no_possessive_quantifier_in_the_patterns() -> None:
    """CPython before 3.11.5 matches possessive quantifiers wrongly (gh-100061, gh-106052)."""
    patterns = [(module.__name__, name, value) for module in _requirements_modules()
                for name, value in vars(module).items() if isinstance(value, _Lazy)]
    assert patterns
    for module_name, name, value in patterns:
        for token in ("*+", "++", "?+", "}+", "(?>"):
            assert token not in value._source.replace(r"\+", ""), (module_name, name, token)


def test_patterns_match_alike_on_every_python() -> None:
    """The requirements scanner's patterns give the same matches on every Python uvauth accepts (Debian 12's
    3.11.2 once read `foo --hash=… -f URL` as a plain requirement and missed the -f)."""
    pythons = _pythons()
    if not pythons:
        pytest.skip("no other Python >= 3.11 on this machine to compare with")
    ours = _pattern_digest(sys.executable)
    others = {python: _pattern_digest(python) for python in pythons}
    assert {python: digest for python, digest in others.items() if digest is not None and digest != ours} == {}


# -- the one-match fast paths read a file exactly as the statement-by-statement path ---------------------------

_FRAGMENTS = ["pkg==1.0", "b[x]>=2 ; python_version >= '3.8'", " ", "\t", "\n", "\r\n", " \\\n    ", "\\", "#c",
              "--hash=sha256:ab", "--hash sha256:cd", "--hash=", "--hashes=x", " --hash=sha256:ef", "-i", " ",
              "--index-url https://x.example/simple", "--extra-index-url=https://y.example/s", "-f ./w", "--",
              "--no-index", "-e ./p", "./local", "a", "=", "\u00a0", "--pre", "x://h/p"]


def _hashes_one_at_a_time(content: str, pos: int) -> int:
    """uv's ``parse_hashes`` as uv writes it, a loop over ``parse_value``: the reference ``_HASH_RUN`` must match."""
    from uvauth.uv.requirements import statements

    while True:
        if not content.startswith("--hash", pos):
            raise statements._SyntaxError(pos)
        _, pos = statements._parse_value(content, pos + len("--hash"), stop_at_whitespace=True)
        pos = statements._WRAP_RE.match(content, pos).end()  # type: ignore[union-attr]
        if not content.startswith("--hash", pos):
            return pos


@pytest.mark.parametrize("seed", range(3))
def test_fast_skip_reads_files_as_the_slow_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """``_SKIP`` takes trivia, plain and hashed requirements in one match; making every statement go through
    ``_statement`` instead (``_TRIVIA``), and its hashes through uv's loop one at a time instead of ``_HASH_RUN``,
    must give the same index options, the same unread inputs and the same verdict on whether uv rejects the
    file."""
    import random

    from uvauth.uv.requirements import files, reader, specification, statements

    rng = random.Random(seed)
    slow_skip = statements._TRIVIA
    for n in range(400):
        text = "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 14)))
        path = tmp_path / f"r{n}.txt"
        path.write_text(text, encoding="utf-8", newline="")

        def read() -> tuple[object, ...]:
            state = reader._Reader(tmp_path, {})
            try:
                result: object = specification._run(state, [path.name], (), ())
            except UvauthError as error:
                result = ("error", error.message)
            return result, state.doomed

        fast = read()
        monkeypatch.setattr(files, "_SKIP", slow_skip)
        monkeypatch.setattr(statements, "_hashes", _hashes_one_at_a_time)
        slow = read()
        monkeypatch.undo()
        assert fast == slow, repr(text)
