"""Integration, issue "uvauth core" scenario 1: every way an index URL reaches uv.

A uv.toml configures ``[[index]] name = "art"`` with ``authenticate = "always"``; the same URL then reaches
``uv pip compile`` through a flag or a variable. Plain uv gives that copy policy ``auto`` (``Index::from_str``,
``crates/uv-distribution-types/src/index.rs``) and so sends requests without credentials (netrc has them, uv only
uses them after a 401). Through uvauth: none.

When the configured index is ``default = true`` and the copy is a default too (``--index-url``,
``--default-index``, their variables), plain uv drops the configured entry and fails on every port. Otherwise
both entries stay and hash order picks one (``Indexes::find_prefix_index``, ``crates/uv-auth/src/index.rs``): those
cases run on several ports (:func:`support.uvrun.across_ports`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import NetrcWriter
from support.indexserver import IndexServer, Layout
from support.uvrun import Pair, ServerPool, across_ports, compare, run, write_index_toml

pytestmark = pytest.mark.integration

CREDS = {"127.0.0.1": ("user", "pass"), "localhost": ("user", "pass")}
LAYOUTS: list[Layout] = ["plain", "artifactory"]

# id -> (argv after `pip compile req.in`, environment); "U" stands for the index URL.
SPELLINGS: dict[str, tuple[list[str], dict[str, str]]] = {
    "--index-url U": (["--index-url", "U"], {}),
    "--index-url=U": (["--index-url=U"], {}),
    "-i U": (["-i", "U"], {}),
    "-iU": (["-iU"], {}),
    "--default-index U": (["--default-index", "U"], {}),
    "--index U": (["--index", "U"], {}),
    "--extra-index-url U": (["--extra-index-url", "U"], {}),
    "UV_INDEX_URL": ([], {"UV_INDEX_URL": "U"}),
    "UV_DEFAULT_INDEX": ([], {"UV_DEFAULT_INDEX": "U"}),
    "UV_INDEX": ([], {"UV_INDEX": "U"}),
    "UV_EXTRA_INDEX_URL": ([], {"UV_EXTRA_INDEX_URL": "U"}),
}
# A second default given before the configured default=true one: uv keeps only the first, the unnamed `auto` copy.
DETERMINISTIC = {
    "--index-url U",
    "--index-url=U",
    "-i U",
    "-iU",
    "--default-index U",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
}


@pytest.fixture(autouse=True)
def _netrc(netrc_file: NetrcWriter) -> None:
    netrc_file(CREDS)


def compile_with(
    tmp_path: Path, server: IndexServer, config_url: str, spelling: str, url: str, *, default: bool
) -> Pair:
    """`uv pip compile req.in` with uv.toml's `art` at `config_url` and `url` given as `spelling`."""
    template = tmp_path / f"p{server.port}"
    template.mkdir(exist_ok=True)
    write_index_toml(template / "uv.toml", config_url, default=default)
    (template / "req.in").write_text("tinypkg\n")
    args, env = SPELLINGS[spelling]
    argv = ["pip", "compile", "req.in", *(a.replace("U", url) if "U" in a else a for a in args)]
    return compare(argv, template=template, servers=[server], env={k: url for k in env})


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize("default", [True, False], ids=["default", "not-default"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_spelling(
    pools: dict[str, ServerPool], tmp_path: Path, layout: Layout, default: bool, spelling: str
) -> None:
    def scenario(server: IndexServer) -> Pair:
        return compile_with(tmp_path, server, server.index_url, spelling, server.index_url, default=default)

    if default and spelling in DETERMINISTIC:
        scenario(pools[layout][0]).assert_fixed()
    else:
        across_ports(pools[layout], scenario)


def _variant(server: IndexServer, host: str, *, slash: bool, port: bool = True) -> str:
    where = f"{host}:{server.port}" if port else host
    return f"http://{where}{server.simple_path}" + ("/" if slash else "")


# id -> (configured URL, command-line URL), as functions of the server; configured index is default = true.
VARIANTS = {
    "trailing-slash-removed": lambda s: (
        _variant(s, "127.0.0.1", slash=True),
        _variant(s, "127.0.0.1", slash=False),
    ),
    "trailing-slash-added": lambda s: (
        _variant(s, "127.0.0.1", slash=False),
        _variant(s, "127.0.0.1", slash=True),
    ),
    "upper-case-host": lambda s: (_variant(s, "localhost", slash=True), _variant(s, "LOCALHOST", slash=True)),
    "upper-case-host-in-config": lambda s: (
        _variant(s, "LOCALHOST", slash=True),
        _variant(s, "localhost", slash=True),
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_url_variants(pools: dict[str, ServerPool], tmp_path: Path, layout: Layout, variant: str) -> None:
    server = pools[layout][0]
    config_url, cli_url = VARIANTS[variant](server)
    compile_with(tmp_path, server, config_url, "--index-url U", cli_url, default=True).assert_fixed()


@pytest.fixture
def port80_server(wheelhouse: Path, request: pytest.FixtureRequest, netrc_file: NetrcWriter) -> Iterator[IndexServer]:
    """A server on port 80 of a loopback address of its own: 127.0.0.1:80 may be taken (another service, or
    another test worker running this test), so each of 127.0.0.2 … 127.0.0.254 is tried in turn (all of
    127.0.0.0/8 is loopback on Linux). Port 80 needs root (the suite's CI runs as root): the one skip left."""
    if os.geteuid() != 0:
        pytest.skip("binding port 80 needs root: the wire test of the default port runs as root only")
    for last in range(2, 255):
        server = IndexServer(wheelhouse, request.param, host=f"127.0.0.{last}")
        try:
            server.start(80)
        except OSError:
            continue
        netrc_file({**CREDS, server.host: ("user", "pass")})
        yield server
        server.stop()
        return
    pytest.fail("port 80 is taken on every address of 127.0.0.2 … 127.0.0.254")


@pytest.mark.parametrize("port80_server", LAYOUTS, indirect=True)
@pytest.mark.parametrize("explicit_port_in", ["command-line", "config"])
def test_url_variant_default_port(
    port80_server: IndexServer, wheelhouse: Path, tmp_path: Path, explicit_port_in: str
) -> None:
    """`http://H:80/…` and `http://H/…` are one index to uv (the url crate drops a default port)."""
    simple = port80_server.simple_path + "/"
    host = port80_server.host
    with_port, without = f"http://{host}:80{simple}", f"http://{host}{simple}"
    config_url, cli_url = (without, with_port) if explicit_port_in == "command-line" else (with_port, without)
    pair = compile_with(tmp_path, port80_server, config_url, "--index-url U", cli_url, default=True)
    assert pair.uvauth.requests > 0  # the server on port 80 was the one asked
    pair.assert_fixed()


@pytest.mark.parametrize("explicit_port_in", ["command-line", "config"])
def test_url_variant_default_port_plan(tmp_path: Path, explicit_port_in: str) -> None:
    """The same merge as uvauth plans it (needs no port 80): the two spellings are one configured index."""
    with_port, without = "http://127.0.0.1:80/simple/", "http://127.0.0.1/simple/"
    config_url, cli_url = (without, with_port) if explicit_port_in == "command-line" else (with_port, without)
    write_index_toml(tmp_path / "uv.toml", config_url)
    (tmp_path / "req.in").write_text("tinypkg\n")
    result = run(
        "uvauth",
        ["uvauth", "explain", "--json", "pip", "compile", "req.in", "--index-url", cli_url],
        cwd=tmp_path,
    )
    assert result.returncode == 0, str(result)
    plan = json.loads(result.stdout)
    assert [(i["merged_onto"], i["policy"], i["lever"]) for i in plan["indexes"]] == [
        ("art", "always", "by-name")
    ]


@pytest.mark.parametrize("upper_in", ["command-line", "config"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_upper_case_scheme_is_a_path_to_uv(
    pools: dict[str, ServerPool], tmp_path: Path, layout: Layout, upper_in: str
) -> None:
    # uv 0.13.8 recognises URLs by a case-sensitive scheme: `HTTP://127.0.0.1:P/simple/` is a (missing) local
    # directory to it, a different index from `http://127.0.0.1:P/simple/`. uvauth must not merge the two.
    server = pools[layout][0]
    upper = server.index_url.replace("http://", "HTTP://")
    config_url, cli_url = (
        (server.index_url, upper) if upper_in == "command-line" else (upper, server.index_url)
    )
    pair = compile_with(tmp_path, server, config_url, "--index-url U", cli_url, default=True)
    if upper_in == "command-line":
        # The only index is the missing directory: nothing is contacted, nothing resolves.
        assert pair.uv.returncode == 1 and pair.uv.requests == 0, str(pair.uv)
        assert pair.uvauth.requests == 0
    else:
        # The command line's (lower-case) URL is the first default; the "directory" index is dropped.
        assert pair.uv.returncode == 0, str(pair.uv)
    pair.assert_same_result()
