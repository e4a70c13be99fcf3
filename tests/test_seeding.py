"""The planner's credentials step (uvauth.seeding) alone: plain values in, a value out, the one lookup function
recorded."""

from __future__ import annotations

import pytest

from uvauth.errors import UvauthError
from uvauth.seeding import Secret, Seeded, seed_credentials, url_credentials
from uvauth.uv.config.discover import ConfiguredIndex, UvConfig
from uvauth.uv.credentials.search import Credentials, Lookup, Tried

ART = "https://art.example.com/api/pypi/simple"
TEAM = "https://art.example.com/api/pypi/team/simple"


class Find:
    """Answers from a table by URL; records every question."""

    def __init__(self, known: dict[str, Credentials]) -> None:
        self.known = known
        self.asked: list[tuple[str, str | None]] = []

    def __call__(self, url: str, name: str | None, keyring_provider: str | None) -> Lookup:
        self.asked.append((url, name))
        return Lookup(self.known.get(url), (Tried("netrc", "asked"),))


def _token(source: str = "provider", cache_file: str | None = None) -> Credentials:
    return Credentials("u", "t0ken", source, "test", cache_file)  # type: ignore[arg-type]


def _seed(seed: dict[str, tuple[str, bool]], find: Find, *, env: dict[str, str] | None = None,
          fallbacks: dict[str, list[tuple[str, str | None]]] | None = None, must_hand: set[str] | None = None,
          offline: bool = False) -> Seeded:
    return seed_credentials(seed, fallbacks or {}, must_hand or set(), find, env=env or {}, keyring_provider=None,
                            offline=offline, prefixes=())


def test_a_variable_the_user_set_wins_and_nothing_is_asked() -> None:
    find = Find({ART: _token()})
    seeded = _seed({"art": (ART, True)}, find, env={"UV_INDEX_ART_PASSWORD": "mine"})
    assert find.asked == []
    assert seeded == Seeded({}, {"art": "UV_INDEX_ART_USERNAME/PASSWORD (already set)"}, ())


def test_a_token_is_handed_with_its_cache_file() -> None:
    seeded = _seed({"art": (ART, True)}, Find({ART: _token(cache_file="/c/token-1")}))
    assert seeded == Seeded(
        {"UV_INDEX_ART_USERNAME": Secret("u"), "UV_INDEX_ART_PASSWORD": Secret("t0ken", "/c/token-1")},
        {"art": "provider: test"}, ("index art: credentials from provider seeded",))


def test_a_prefix_takes_the_credentials_of_the_first_index_under_it_that_has_some() -> None:
    find = Find({TEAM: _token()})
    seeded = _seed({"uvauth-p": ("https://art.example.com/", True)}, find,
                   fallbacks={"uvauth-p": [(ART, "art"), (TEAM, "team"), ("https://x.example/", None)]})
    assert find.asked == [("https://art.example.com/", "uvauth-p"), (ART, "art"), (TEAM, "team")]
    assert seeded.secrets["UV_INDEX_UVAUTH_P_PASSWORD"] == Secret("t0ken")


@pytest.mark.parametrize(("must_hand", "handed"), [(set(), False), ({"art"}, True)])
def test_what_uv_reads_itself_is_handed_only_where_it_must_be(must_hand: set[str], handed: bool) -> None:
    seeded = _seed({"art": (ART, True)}, Find({ART: _token(source="netrc")}), must_hand=must_hand)
    assert bool(seeded.secrets) is handed


def test_a_required_index_without_credentials_is_one_error_naming_what_was_asked() -> None:
    with pytest.raises(UvauthError) as raised:
        _seed({"art": (ART, True)}, Find({}))
    assert raised.value.message == ("no credentials for index art (https://art.example.com/api/pypi/simple), which "
                                    "must authenticate always (tried: netrc)")
    assert raised.value.hint is not None and "UV_INDEX_ART_USERNAME" in raised.value.hint
    assert _seed({"art": (ART, True)}, Find({}), offline=True) == Seeded({}, {}, ())  # uv sends no request
    assert _seed({"art": (ART, False)}, Find({})) == Seeded({}, {}, ())  # not required: uv asks as it would have


def test_credentials_in_a_named_index_url_travel_as_its_variables_unless_the_user_set_them() -> None:
    url = "https://bob:pa55@art.example.com/simple"
    index = ConfiguredIndex(name="art", url=url, default=False, explicit=False, flat=False, authenticate=None,
                            path=None, line=1, level="project", table={"name": "art", "url": url})
    config = UvConfig(files=(), indexes=(index,))
    assert url_credentials(config, {}, {}) == {"UV_INDEX_ART_USERNAME": Secret("bob"),
                                               "UV_INDEX_ART_PASSWORD": Secret("pa55")}
    assert url_credentials(config, {}, {"UV_INDEX_ART_PASSWORD": "mine"}) == {}
    assert "pa55" not in repr(url_credentials(config, {}, {}))


def test_with_record_missing_a_required_index_without_credentials_is_returned_not_raised() -> None:
    seeded = seed_credentials({"art": (ART, True), "team": (TEAM, True)}, {}, set(), Find({TEAM: _token()}),
                              env={}, keyring_provider=None, offline=False, prefixes=(), record_missing=True)
    assert [error.message for error in seeded.missing] == [
        "no credentials for index art (https://art.example.com/api/pypi/simple), which must authenticate always "
        "(tried: netrc)"]
    assert set(seeded.secrets) == {"UV_INDEX_TEAM_USERNAME", "UV_INDEX_TEAM_PASSWORD"}
