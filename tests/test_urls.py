"""uv's rules for "the same index", authentication roots and redaction (uv-facts §1.3, §2.4)."""

import pytest

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
