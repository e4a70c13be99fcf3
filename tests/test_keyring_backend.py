"""Unit tests of uvauth's keyring backend (uvauth.providers.keyring_backend): what it answers for serve's answer
(a fake ``serve.credentials_for``), what it refuses, what it says on stderr, and where keyring ranks it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as FailKeyring
from support import unmeasured

from uvauth.errors import UvauthError
from uvauth.providers import guard, serve
from uvauth.providers.keyring_backend import PRIORITY, UvauthKeyring
from uvauth.uv.credentials.search import Credentials

URL = "https://pkgs.example.com/simple/"
SECRET = "s3cr3t-token-value"


class FakeServe:
    """Stands in for serve.credentials_for: answers ``answer`` (or raises ``raises``) and records each ask."""

    def __init__(self, answer: serve.Answer | None = None, raises: BaseException | None = None) -> None:
        self.answer = answer if answer is not None else serve.Answer(None)
        self.raises = raises
        self.asked: list[tuple[str, str]] = []

    def __call__(self, url: str, env: Any, cwd: Path, *, covered_only: bool = False) -> serve.Answer:
        assert covered_only, "the backend answers only the URLs an entry covers"
        self.asked.append((url, str(cwd)))
        if self.raises is not None:
            raise self.raises
        return self.answer


def found(username: str = "me", password: str = SECRET) -> serve.Answer:
    return serve.Answer(Credentials(username=username, password=password, source="provider",
                                    detail="credentials entry corp"))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeServe:
    answer = FakeServe(found())
    monkeypatch.setattr(serve, "credentials_for", answer)
    return answer


def test_get_password_answers_serves_credentials_for_the_url_in_the_working_directory(
        fake: FakeServe, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert UvauthKeyring().get_password(URL, "me") == SECRET
    assert fake.asked == [(URL, str(tmp_path))]


def test_get_credential_without_a_username_gives_the_found_one(fake: FakeServe) -> None:
    credential = UvauthKeyring().get_credential(URL, None)
    assert credential is not None and (credential.username, credential.password) == ("me", SECRET)


def test_another_users_password_is_not_given(fake: FakeServe) -> None:
    assert UvauthKeyring().get_password(URL, "someone-else") is None
    assert UvauthKeyring().get_credential(URL, "someone-else") is None
    assert len(fake.asked) == 2  # asked, and refused: the found username decides


def test_a_password_alone_goes_with_the_username_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    # "" is a source that gave no username (uv then sends ":password"): any username the tool has goes with it.
    monkeypatch.setattr(serve, "credentials_for", FakeServe(found(username="")))
    assert UvauthKeyring().get_password(URL, "ci") == SECRET
    credential = UvauthKeyring().get_credential(URL, "ci")
    assert credential is not None and credential.username == "ci"
    credential = UvauthKeyring().get_credential(URL, None)
    assert credential is not None and (credential.username, credential.password) == ("", SECRET)


@pytest.mark.parametrize("answer", [serve.Answer(None), found(password="")])
def test_nothing_found_is_none_and_silent(answer: serve.Answer, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(serve, "credentials_for", FakeServe(answer))
    assert UvauthKeyring().get_password(URL, "me") is None
    assert UvauthKeyring().get_credential(URL, None) is None
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("service", [
    "pkgs.example.com",  # the host form uv and pip ask second: no scheme, no path (module docstring)
    "pkgs.example.com:8443",
    "my-app",  # another program's own service name
    "ftp://pkgs.example.com/simple/",
    "",
])
def test_only_http_urls_are_looked_up(service: str, fake: FakeServe, capsys: pytest.CaptureFixture[str]) -> None:
    assert UvauthKeyring().get_password(service, "me") is None
    assert UvauthKeyring().get_credential(service, None) is None
    assert fake.asked == [] and capsys.readouterr().err == ""


def test_nothing_of_uvauths_reaches_stdout_where_the_keyring_command_answers(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def chatty(url: str, env: Any, cwd: Path, *, covered_only: bool = False) -> serve.Answer:
        print("a stray line")
        return found()

    monkeypatch.setattr(serve, "credentials_for", chatty)
    assert UvauthKeyring().get_password(URL, "me") == SECRET
    out, err = capsys.readouterr()
    assert (out, err) == ("", "a stray line\n")


def test_an_upper_case_scheme_is_a_url(fake: FakeServe) -> None:
    assert UvauthKeyring().get_password("HTTPS://pkgs.example.com/simple/", "me") == SECRET


def test_a_problem_is_one_redacted_warning_line_and_none(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    problem = "credentials entry corp is not approved on this machine (https://me:hunter2@pkgs.example.com/simple/)"
    monkeypatch.setattr(serve, "credentials_for", FakeServe(serve.Answer(None, problem=problem)))
    assert UvauthKeyring().get_credential("https://me:hunter2@pkgs.example.com/simple/", None) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("uvauth: warning: keyring asked for https://me:****@"), err
    assert "is not approved on this machine" in err and "hunter2" not in err


@pytest.mark.parametrize("error", [
    RuntimeError(f"token {SECRET} rejected"),
    KeyError(SECRET),
    UvauthError(f"credentials entry corp: {SECRET}"),  # serve answers these as a problem; if one escapes, the same
])
def test_a_failure_is_a_warning_with_its_type_only_and_none(error: Exception, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(serve, "credentials_for", FakeServe(raises=error))
    assert UvauthKeyring().get_password(URL, "me") is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("uvauth: warning: keyring asked for "), err
    assert type(error).__name__ in err and SECRET not in err


def test_an_interrupt_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "credentials_for", FakeServe(raises=KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        UvauthKeyring().get_password(URL, "me")


def test_asked_while_uvauth_serves_it_has_nothing(fake: FakeServe, monkeypatch: pytest.MonkeyPatch) -> None:
    # In a program uvauth runs while serving (the variable), and inside uvauth's own keyring ask (the process).
    with guard.serving_here():
        assert UvauthKeyring().get_password(URL, "me") is None
    monkeypatch.setenv("UVAUTH_SERVING", "1")
    assert UvauthKeyring().get_credential(URL, None) is None
    assert fake.asked == []


def test_it_is_read_only() -> None:
    with pytest.raises(keyring.errors.PasswordSetError, match="read-only"):
        UvauthKeyring().set_password(URL, "me", SECRET)
    with pytest.raises(keyring.errors.PasswordDeleteError, match="read-only"):
        UvauthKeyring().delete_password(URL, "me")


def test_it_is_viable_and_ranks_below_every_store_and_above_fail() -> None:
    assert UvauthKeyring.viable
    assert UvauthKeyring.priority == PRIORITY
    # keyring's chainer takes backends above 0 only; fail is 0; keyrings.alt's file backends 0.5 and up.
    assert FailKeyring.priority < PRIORITY < 0.5

    class Store(KeyringBackend):
        priority = 0.5  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            return None

    try:
        from keyring.backend import by_priority

        ranked = [type(ring) for ring in sorted([UvauthKeyring(), Store()], key=by_priority, reverse=True)]
        assert ranked == [Store, UvauthKeyring]
    finally:
        KeyringBackend._classes.discard(Store)  # type: ignore[attr-defined]  # the registry keyring keeps


def test_the_entry_point_names_the_module() -> None:
    points = {point.name: point.value for point in metadata.entry_points(group="keyring.backends")}
    assert points.get("uvauth") == "uvauth.providers.keyring_backend"


def test_keyring_loading_it_imports_nothing_of_uvauths_planner(tmp_path: Path) -> None:
    # keyring imports every backend's module on first use, for whatever service: the module stays alone.
    probe = ("import keyring, sys; print(type(keyring.get_keyring()).__name__); "
             "print(keyring.get_password('some-app', 'me')); "
             "print(sorted(m for m in sys.modules if m.startswith('uvauth')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path,
                          env=unmeasured(os.environ))
    assert done.returncode == 0, done.stderr
    chosen, password, modules = done.stdout.splitlines()
    # Alone beside keyring's own (no OS keychain here), it is the backend keyring chooses, not `fail`.
    assert chosen == "UvauthKeyring" and password == "None"
    assert modules == str(["uvauth", "uvauth.providers", "uvauth.providers.keyring_backend"])


def test_a_bearer_token_is_not_handed_out_as_a_password(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A helper's Bearer token would go out as Basic (`username:token`) and be refused: nothing, and one line."""
    bearer = serve.Answer(Credentials(username="", password=SECRET, source="provider", detail="credentials entry corp",
                                      scheme="bearer"))
    monkeypatch.setattr(serve, "credentials_for", FakeServe(bearer))
    assert UvauthKeyring().get_password(URL, "me") is None
    assert UvauthKeyring().get_credential(URL, None) is None
    err = capsys.readouterr().err
    assert err.count("uvauth: warning:") == 2 and "Bearer token" in err and SECRET not in err
