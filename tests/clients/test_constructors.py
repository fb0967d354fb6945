"""Every unusable client setting is a ConfigurationError (issue 20, item 5).

``except otr.OpenTokError`` catches each, and each is still a ``ValueError``; the message
says what was given (its type, never a secret) and how to fix it.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.testing import Emulator

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
APP_ID = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"


def refused(make: Callable[[], object]) -> otr.ConfigurationError:
    with pytest.raises(otr.OpenTokError) as caught:
        make()
    assert type(caught.value) is otr.ConfigurationError
    assert isinstance(caught.value, ValueError)
    assert SECRET not in str(caught.value)
    return caught.value


# ---- OpenTok ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"api_key": True}, "(got a bool)"),
        ({"api_key": None}, "(got a NoneType)"),
        ({"api_key": ""}, "(got an empty str)"),
        ({"api_key": "  "}, "(got a blank str)"),
        ({"api_secret": None}, "(got a NoneType)"),
        ({"api_secret": SECRET + "\r\nX-Injected: 1"}, "control characters"),
        ({"api_secret": SECRET + "\n"}, "control characters"),
        ({"api_url": "not a url"}, "api_url"),
        ({"api_url": "ftp://api.opentok.com"}, "http(s) URL"),
        ({"api_url": "https://user:pass@api.opentok.com"}, "credentials"),
        ({"api_url": None}, "(got a NoneType)"),
        ({"deadline": math.nan}, "finite number of seconds > 0, not nan"),
        ({"deadline": -1}, "not -1.0"),
        ({"deadline": math.inf}, "not inf"),
        ({"deadline": 10**400}, "not inf"),
        ({"timeout": "10"}, "number of seconds, not '10' (str)"),
        ({"timeout": (1, 2, 3)}, "(connect, read) pair"),
        ({"clock": 5}, "clock must be callable"),
    ],
    ids=stable_id,
)
def test_opentok_settings_are_configuration_errors(kwargs: dict[str, Any], fragment: str) -> None:
    given = {"api_key": "123456", "api_secret": SECRET, **kwargs}
    err = refused(lambda: otr.OpenTok(**given))
    assert fragment in str(err)


def test_from_env_with_a_malformed_value_names_the_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENTOK_API_KEY", "123456")
    monkeypatch.setenv("OPENTOK_API_SECRET", SECRET)
    monkeypatch.setenv("OPENTOK_API_URL", "ftp://example.invalid")
    err = refused(otr.OpenTok.from_env)
    assert "http(s) URL" in str(err)
    assert "OPENTOK_API_URL" in str(err)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.floats()),
    st.one_of(st.none(), st.floats(allow_nan=True), st.integers(), st.text(max_size=3)),
)
def test_any_api_key_and_deadline_give_a_client_or_a_configuration_error(
    api_key: object, deadline: object
) -> None:
    try:
        client = otr.OpenTok(api_key, SECRET, deadline=deadline)  # type: ignore[arg-type]
    except otr.ConfigurationError:
        return
    client.close()


# ---- VonageVideo ------------------------------------------------------------------------------


def _crypto() -> Any:
    pytest.importorskip("cryptography", reason='pip install ".[vonage]"')
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    return serialization, ec, ed25519, rsa


def _pem(key: Any, encryption: Any = None) -> bytes:
    serialization, *_ = _crypto()
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        encryption or serialization.NoEncryption(),
    )
    return pem


def _keys() -> dict[str, tuple[bytes, str]]:
    serialization, ec, ed25519, rsa = _crypto()
    good = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = good.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "ec": (_pem(ec.generate_private_key(ec.SECP256R1())), "must be an RSA private key"),
        "ed25519": (_pem(ed25519.Ed25519PrivateKey.generate()), "must be an RSA private key"),
        "encrypted": (
            _pem(good, serialization.BestAvailableEncryption(b"pw")),
            "is encrypted",
        ),
        "public": (public, "not a readable PEM private key"),
        "invalid": (b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", "readable"),
        "1024": (
            _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            "1024 bits; at least 2048",
        ),
    }


def test_every_unusable_vonage_key_is_a_configuration_error() -> None:
    for name, (pem, fragment) in _keys().items():
        err = refused(lambda pem=pem: otr.VonageVideo(APP_ID, pem))  # type: ignore[misc]
        assert fragment in str(err), name


def _huge_key_pem(bits: int) -> bytes:
    """An RSA key PEM of ``bits`` bits whose numbers are not checked (generating a real one of
    16384 bits takes minutes): what is judged first is its size, before any check is paid."""
    _, _, _, rsa = _crypto()
    top = (1 << (bits // 2 - 1)) | (1 << (bits // 2 - 2)) | 1  # p * q has exactly bits bits
    p, q = top + 2, top + 4  # odd numbers of half the size: not primes, never checked
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=3,
        dmp1=1,
        dmq1=1,
        iqmp=1,
        public_numbers=rsa.RSAPublicNumbers(65537, p * q),
    )
    return _pem(numbers.private_key(unsafe_skip_rsa_key_validation=True))


def test_a_key_over_8192_bits_is_refused_with_the_reason_before_it_is_checked() -> None:
    pem = _huge_key_pem(16384)
    started = time.perf_counter()
    err = refused(lambda: otr.VonageVideo(APP_ID, pem))
    elapsed = time.perf_counter() - started
    assert "16384 bits; at most 8192" in str(err)
    assert "slow to sign" in str(err)
    # Not a speed goal: a key whose numbers were checked would not fail this fast on any
    # machine (29 s measured); the refusal comes before that check.
    assert elapsed < 10


def test_an_inconsistent_key_of_an_accepted_size_is_refused() -> None:
    err = refused(lambda: otr.VonageVideo(APP_ID, _huge_key_pem(2048)))
    assert "not a consistent RSA private key" in str(err)


def test_a_missing_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    err = refused(lambda: otr.VonageVideo(APP_ID, tmp_path / "private.key"))
    assert "cannot be read" in str(err)


@pytest.mark.parametrize(
    ("application_id", "fragment"),
    [(None, "(got a NoneType)"), (123, "(got a int)"), ("app-1", "(got 5 characters)")],
    ids=stable_id,
)
def test_a_bad_application_id_says_what_was_given(application_id: object, fragment: str) -> None:
    _crypto()
    err = refused(lambda: otr.VonageVideo(application_id, b"unused"))  # type: ignore[arg-type]
    assert fragment in str(err)


def test_vonage_from_env_with_a_missing_key_file_names_the_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _crypto()
    monkeypatch.setenv("VONAGE_APPLICATION_ID", APP_ID)
    monkeypatch.setenv("VONAGE_PRIVATE_KEY_PATH", str(tmp_path / "nothing.key"))
    err = refused(otr.VonageVideo.from_env)
    assert "VONAGE_PRIVATE_KEY_PATH" in str(err)


# ---- an async client used from one asyncio.run after another ----------------------------------


def test_an_async_client_starts_afresh_after_the_loop_it_served_has_ended() -> None:
    pytest.importorskip("aiohttp", reason='the async clients need aiohttp: pip install ".[async]"')
    with Emulator() as emulator:
        client = otr.AsyncOpenTok(emulator.api_key, emulator.api_secret, emulator.url)

        async def create() -> str:
            return (await client.create_session(media_mode="routed")).session_id

        async def create_and_close() -> str:
            async with client:
                return await create()

        with warnings.catch_warnings():
            # The first loop ended without aclose(): its sockets ended with it, and Python
            # reports them when they are collected. That is the warning the docs give.
            warnings.simplefilter("ignore", ResourceWarning)
            first = asyncio.run(create())
            second = asyncio.run(create_and_close())
            gc.collect()
    assert first != second
    assert first.startswith("1_")
    assert second.startswith("1_")
