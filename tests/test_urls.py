"""uv's rules for "the same index", authentication roots and redaction (``docs/uv-rules.md``, "URL normalisation and
realms" and "Auth policy matching")."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DERANDOMIZE

from uvauth.errors import UvauthError
from uvauth.uv import urls
from uvauth.uv.urls import covers, index_key, is_url, redact


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("https://h/simple", "https://h/simple/", id="one-trailing-slash"),
        pytest.param("https://H.Example.COM/simple", "https://h.example.com/simple", id="host-case"),
        pytest.param("http://h:80/simple", "http://h/simple", id="http-default-port"),
        pytest.param("https://h:443/simple", "https://h/simple", id="https-default-port"),
        pytest.param("https://u:p@h/simple", "https://h/simple", id="userinfo-ignored"),
        pytest.param("https://h/a/%7Euser/simple", "https://h/a/~user/simple", id="percent-decoding"),
        pytest.param("https://h/a/./b/../simple", "https://h/a/simple", id="dot-segments"),
        pytest.param("https://github.com/Org/Repo.git", "https://github.com/org/repo", id="github-path-case-and-git"),
        pytest.param("https://h/simple#frag", "https://h/simple", id="fragment-dropped"),
    ],
)
def test_same_index(a: str, b: str) -> None:
    assert index_key(a) == index_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("https://h/simple", "http://h/simple", id="scheme-differs"),
        pytest.param("http://h:8080/simple", "http://h/simple", id="non-default-port"),
        pytest.param("https://h/Simple", "https://h/simple", id="path-case-matters"),
        pytest.param("https://h/simple//", "https://h/simple", id="only-one-slash-dropped"),
        pytest.param("https://h/simple?x=1", "https://h/simple", id="query-kept"),
        pytest.param("https://gitlab.com/Org/repo", "https://gitlab.com/org/repo", id="path-case-elsewhere"),
    ],
)
def test_different_index(a: str, b: str) -> None:
    assert index_key(a) != index_key(b)


@pytest.mark.parametrize(
    ("prefix", "url", "expected"),
    [
        pytest.param("https://h/artifactory", "https://h/artifactory/pypi/x.whl", True, id="under"),
        pytest.param("https://h/artifactory", "https://h/artifactory", True, id="itself"),
        pytest.param("https://h/artifactory", "https://h/artifactoryx/a", False, id="segment-boundary"),
        pytest.param("https://h/artifactory", "http://h/artifactory/a", False, id="other-scheme"),
        pytest.param("https://h:443/a", "https://H/a/b", True, id="realm-normalised"),
        pytest.param("https://h/", "https://h/anything", True, id="host-wide"),
    ],
)
def test_covers(prefix: str, url: str, expected: bool) -> None:
    assert covers(prefix, url) is expected


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("https://user:s3cret@h/simple", "https://user:****@h/simple", id="user-and-password"),
        pytest.param("https://:tok3n@h/simple", "https://:****@h/simple", id="token-only"),
        pytest.param("https://tok3n@h/simple", "https://****@h/simple", id="username-only"),
        pytest.param("a https://u:p1@h b http://v:p2@i", "a https://u:****@h b http://v:****@i", id="several"),
        pytest.param("https://h/simple", "https://h/simple", id="nothing-to-hide"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("https://h/simple", True, id="https"),
        pytest.param("file:///srv/wheels", True, id="file"),
        pytest.param("HTTPS://h/simple", False, id="upper-case-scheme-is-a-path-to-uv"),
        pytest.param("s3://bucket/simple", False, id="unknown-scheme-is-a-path"),
        pytest.param("./wheels", False, id="relative-path"),
        pytest.param("art", False, id="name"),
    ],
)
def test_is_url_as_uv_reads_index_values(text: str, expected: bool) -> None:
    assert is_url(text) is expected


# -- the URL model's edge cases: what uv's `url` crate accepts, and what it rejects ---------------------------




@pytest.mark.parametrize(
    ("url", "key"),
    [
        pytest.param("https://h/a/%2e%2E/b/simple/", "https://h/b/simple", id="percent-encoded-dot-segments"),
        pytest.param("http://[::1]:8080/simple", "http://[::1]:8080/simple", id="ipv6-host-with-port"),
        pytest.param("https://H.example:443/Simple/", "https://h.example/Simple", id="default-port-folded"),
        pytest.param("https://alice:SE@CRET@host/simple", "https://host/simple", id="raw-at-in-password"),
        # WHATWG parsing, as uv does: extra slashes before a special scheme's host are skipped (uv accepts it).
        pytest.param("http:///simple", "http://simple/", id="extra-slashes"),
    ],
)
def test_index_key_edge_cases(url: str, key: str) -> None:
    assert urls.index_key(url) == key


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("http://h:99999/x", "invalid port number", id="port-out-of-range"),
        pytest.param("http://h:abc/x", "invalid port number", id="port-not-numeric"),  # uv's own words
        pytest.param("http://[::1/x", "invalid IPv6 address", id="unclosed-bracket"),
        pytest.param("http://:80/x", "empty host", id="empty-host"),
    ],
)
def test_malformed_urls_raise_one_error_type(url: str, reason: str) -> None:
    with pytest.raises(urls.InvalidUrl, match=reason) as raised:
        urls.realm(url)
    assert isinstance(raised.value, UvauthError)  # every front end prints it as one line, exit 2


def test_malformed_url_messages_hide_the_password() -> None:
    with pytest.raises(urls.InvalidUrl) as raised:
        urls.realm("http://alice:S3CRET@h:abc/x")
    assert "S3CRET" not in str(raised.value)


def test_redact_hides_a_password_holding_a_raw_at_whole() -> None:
    text = urls.redact("see https://alice:SE@CRET-77@host/simple and https://tok@h/")
    assert text == "see https://alice:****@host/simple and https://****@h/"


_URL_CHARS = st.sampled_from(list("ab:/@[]%.-_19?#") + ["%2e", "%40", "::1", "http://", "https://", ":443"])



@settings(max_examples=400, deadline=None, derandomize=DERANDOMIZE)
@given(st.lists(_URL_CHARS, max_size=14).map("".join))
def test_parsing_arbitrary_text_raises_only_invalid_url(text: str) -> None:
    for candidate in (text, "https://" + text, "http://u:pw@" + text):
        try:
            key = urls.index_key(candidate)
        except urls.InvalidUrl:
            continue
        assert urls.index_key(key) == key  # the key is a fixed point


@settings(max_examples=300, deadline=None, derandomize=DERANDOMIZE)
@given(st.text(alphabet="abcXYZ019-_.~!$&'()*+,;=:@", min_size=1, max_size=12),
       st.text(alphabet="abc019.-", min_size=1, max_size=8))
def test_redact_never_shows_a_password(password: str, host: str) -> None:
    secret = "SECRET" + password  # distinctive, so a hit can only be the password
    text = urls.redact(f"x https://user:{secret}@{host}/simple y")
    assert secret not in text


def test_a_tilde_in_an_index_path_is_not_the_home_directory(tmp_path: Path) -> None:
    """uv does not expand `~` in an index or find-links path (a quoted `'~/idx'` is the directory `~` under the
    working directory: `Failed to read --find-links directory: /work/~/links`), so neither may uvauth, or a
    command-line path would merge onto the wrong configured index."""
    from uvauth.uv import indexes
    from uvauth.uv.cmdline import parse

    [mention] = indexes.command_line_mentions(parse(["pip", "compile", "--find-links", "~/links", "r.in"]), {},
                                              str(tmp_path), frozenset())
    entries = indexes.uv_indexes([mention], None, None, pip=True, cwd=str(tmp_path))
    assert [entry.key for entry in entries if entry.flat] == [index_key(f"file://{tmp_path}/~/links")]


# -- behaviours the mutation run (scripts/mutants.py) found unpinned (issue 22) ----------------------------------


@pytest.mark.parametrize(("url", "root"), [
    pytest.param("https://h/root/pypi/+simple/", "https://h/root/pypi", id="devpi"),
    pytest.param("https://h/root/pypi/+SIMPLE", "https://h/root/pypi", id="devpi-any-case"),
    pytest.param("https://h/pypi/simple/", "https://h/pypi", id="simple"),
    pytest.param("https://h/pypi/files/", "https://h/pypi/files", id="not-an-index-segment"),
])
def test_an_index_root_drops_a_final_simple_or_devpis_plus_simple(url: str, root: str) -> None:
    """uv's IndexUrl::root: devpi serves its index at …/+simple and its files under the part before it."""
    assert urls.auth_root(url) == root


def test_a_prefix_with_a_trailing_slash_covers_the_bare_path() -> None:
    assert covers("https://h/team/", "https://h/team") and covers("https://h/team/", "https://h/team/simple")
    assert not covers("https://h/team/", "https://h/teamster")
