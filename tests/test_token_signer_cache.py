"""The module function ``generate_token(api_key, secret, ...)`` reuses one signer per api key
and secret: made once, kept (bounded, thread-safe), keyed by a digest, never by the secret."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import jwt
import pytest
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules import tokens
from opentok_rules._secret import Secret
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import SIGNERS_KEPT, OpenTokSigner, generate_token

API_KEY = "123456"
SECRET = "a-project-secret-of-forty-characters-xyz"
SESSION_ID = make_session_id(API_KEY)


@pytest.fixture(autouse=True)
def no_kept_signers() -> Iterator[None]:
    tokens._SIGNERS.clear()
    yield
    tokens._SIGNERS.clear()


class Counting(OpenTokSigner):
    """An OpenTokSigner that counts how many are made."""

    __slots__ = ()
    made: ClassVar[list[str]] = []

    def __init__(self, api_key: str, api_secret: Any) -> None:
        Counting.made.append(api_key)
        super().__init__(api_key, api_secret)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    Counting.made = []
    monkeypatch.setattr(tokens, "OpenTokSigner", Counting)
    return Counting.made


def claims(token: str, secret: str, api_key: str = API_KEY) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"])
    assert decoded["iss"] == api_key
    return decoded


def test_one_signer_is_made_per_key_and_secret(counting: list[str]) -> None:
    for _ in range(5):
        claims(generate_token(API_KEY, SECRET, SESSION_ID), SECRET)
    other = SECRET.upper()
    claims(generate_token(API_KEY, other, SESSION_ID), other)
    wrapped: Any = Secret(SECRET)  # the same secret, in a Secret
    claims(generate_token(API_KEY, wrapped, SESSION_ID), SECRET)
    claims(generate_token("654321", SECRET, make_session_id("654321")), SECRET, "654321")
    assert counting == [API_KEY, API_KEY, "654321"]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=2 * SIGNERS_KEPT))
def test_each_token_is_signed_with_its_own_secret(secrets: list[str]) -> None:
    tokens._SIGNERS.clear()
    usable = []
    for secret in secrets:
        try:
            token = generate_token(API_KEY, secret, SESSION_ID)
        except ValueError:  # a lone surrogate: refused as OpenTokSigner refuses it
            with pytest.raises(ValueError, match="api_secret"):
                OpenTokSigner(API_KEY, secret)
            continue
        usable.append(secret)
        claims(token, secret)
        for other in {each for each in usable if each != secret}:
            with pytest.raises(jwt.InvalidSignatureError):
                jwt.decode(token, other, algorithms=["HS256"])
    assert len(tokens._SIGNERS) <= SIGNERS_KEPT


def test_the_kept_signers_are_bounded_oldest_first(counting: list[str]) -> None:
    keys = [str(100000 + n) for n in range(SIGNERS_KEPT + 3)]
    for key in keys:
        generate_token(key, SECRET, make_session_id(key))
    assert len(tokens._SIGNERS) == SIGNERS_KEPT
    assert [owner for owner, _ in tokens._SIGNERS] == keys[3:]
    generate_token(keys[0], SECRET, make_session_id(keys[0]))  # let go: made again
    generate_token(keys[-1], SECRET, make_session_id(keys[-1]))  # kept: not made again
    assert counting == [*keys, keys[0]]


@pytest.mark.parametrize("secret", ["", b"bytes", None, "a\ud800b"], ids=stable_id)
def test_an_unusable_secret_is_refused_every_time_and_never_kept(secret: Any) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="api_secret"):
            generate_token(API_KEY, secret, SESSION_ID)
    assert tokens._SIGNERS == {}


def test_a_key_pyjwt_refuses_is_refused_every_time_and_never_kept() -> None:
    pem = (
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
    )
    for _ in range(2):
        with pytest.raises(ValueError, match="api_secret cannot sign tokens") as caught:
            generate_token(API_KEY, pem, SESSION_ID)
        assert "MFkw" not in str(caught.value)
    assert tokens._SIGNERS == {}


def test_the_secret_is_nowhere_in_what_is_kept() -> None:
    generate_token(API_KEY, SECRET, SESSION_ID)
    ((owner, digest), signer) = next(iter(tokens._SIGNERS.items()))
    assert owner == API_KEY
    shown = repr(tokens._SIGNERS) + repr(signer) + digest.hex()
    assert SECRET not in shown
    assert SECRET.encode() not in digest
    assert repr(signer) == f"OpenTokSigner(api_key={API_KEY!r})"


def test_threads_share_the_kept_signers_safely() -> None:
    pairs = [(str(200000 + n % 5), f"secret number {n} of the threads test!") for n in range(40)]
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for step in range(120):
                key, secret = pairs[(offset * 7 + step) % len(pairs)]
                claims(generate_token(key, secret, make_session_id(key)), secret, key)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(tokens._SIGNERS) <= SIGNERS_KEPT


def test_a_short_secret_warns_when_its_signer_is_made_not_on_every_token() -> None:
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        generate_token(API_KEY, "short", SESSION_ID)
    token = generate_token(API_KEY, "short", SESSION_ID)  # no warning: filterwarnings=error
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):  # PyJWT's decode warns too
        claims(token, "short")
