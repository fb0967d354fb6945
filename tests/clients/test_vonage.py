"""VonageVideo's credentials: what is accepted, what is refused, and that the key never shows.

Sessions and tokens through the Vonage backend are held by the suite every client shares
(tests/clients/test_backends.py) and against the emulator (tests/clients/test_offline.py,
tests/cli/).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import jwt
import pytest
from _support.ids import stable_id

import opentok_rules as otr
from opentok_rules.session_ids import make_session_id

pytest.importorskip("cryptography", reason='the Vonage backend needs pip install ".[vonage]"')

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

APPLICATION_ID = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"


def pem(key: Any, password: bytes | None = None) -> bytes:
    encryption: Any = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return data


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "private.key"
    path.write_bytes(pem(rsa_key))
    return path


def key_material(key_pem: bytes) -> list[str]:
    """The base64 lines of a PEM: what must never be shown."""
    return key_pem.decode().splitlines()[1:-1]


def claims_at_any_time(token: str, rsa_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The claims of an RS256 token verified with ``rsa_key``'s public half, whatever its times."""
    claims: dict[str, Any] = jwt.decode(
        token,
        rsa_key.public_key(),
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


def library_report(error: BaseException) -> str:
    """What an error reporter records of ``error`` below the test's own frame (which holds
    the key on purpose): every library frame, with its locals."""
    assert error.__traceback__ is not None
    below_the_test = error.__traceback__.tb_next
    report = traceback.TracebackException(
        type(error), error, below_the_test, capture_locals=True
    ).format()
    return "".join(report)


def test_pem_text_pem_bytes_and_a_path_give_the_same_client(
    rsa_key: rsa.RSAPrivateKey, key_file: Path
) -> None:
    data = pem(rsa_key)
    sid = make_session_id(APPLICATION_ID)
    tokens = []
    for key in (data.decode(), data, key_file):
        client = otr.VonageVideo(APPLICATION_ID, key, clock=lambda: 1_800_000_000.0)
        tokens.append(client.generate_token(sid, role="subscriber"))
        assert client.application_id == APPLICATION_ID
    for token in tokens:
        claims = claims_at_any_time(token, rsa_key)
        assert claims["role"] == "subscriber"


def test_a_str_is_never_taken_for_a_path(key_file: Path) -> None:
    with pytest.raises(ValueError, match=r"pathlib\.Path") as caught:
        otr.VonageVideo(APPLICATION_ID, str(key_file))
    assert "PEM text" in str(caught.value)


def test_a_path_is_never_taken_for_a_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be read"):
        otr.VonageVideo(APPLICATION_ID, tmp_path / "missing.key")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: pem(ec.generate_private_key(ec.SECP256R1())), "must be an RSA private key"),
        (lambda: pem(ed25519.Ed25519PrivateKey.generate()), "must be an RSA private key"),
        (
            lambda: pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            "at least 2048",
        ),
        (
            lambda: pem(rsa.generate_private_key(public_exponent=65537, key_size=2048), b"pass"),
            "is encrypted",
        ),
        (lambda: b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", "PEM"),
        (lambda: b"", "PEM"),
    ],
    ids=["ec", "ed25519", "rsa-1024", "encrypted", "garbage", "empty"],
)
def test_a_key_that_is_not_a_usable_rsa_private_key_is_refused(make: Any, message: str) -> None:
    data = make()
    with pytest.raises(ValueError, match=message) as caught:
        otr.VonageVideo(APPLICATION_ID, data)
    report = library_report(caught.value)
    assert "File" in report  # library frames were recorded
    for line in key_material(data):
        assert line not in report


def test_a_public_key_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    public = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="private_key"):
        otr.VonageVideo(APPLICATION_ID, public)


@pytest.mark.parametrize("value", [1234, None, 1.5, ["a"]], ids=stable_id)
def test_a_key_of_another_type_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="private_key must be PEM text, PEM bytes or a"):
        otr.VonageVideo(APPLICATION_ID, value)


@pytest.mark.parametrize(
    "application_id",
    [
        "",
        "not-a-uuid",
        "3f1a2b4c5d6e4f708a9b0c1d2e3f4a5b",  # no hyphens: not the form the service uses
        "{3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b}",
        "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b\n",
        123,
        None,
    ],
    ids=stable_id,
)
def test_a_malformed_application_id_is_refused(
    application_id: Any, rsa_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(ValueError, match="application_id must be the application's UUID"):
        otr.VonageVideo(application_id, pem(rsa_key))


def test_an_upper_case_application_id_is_read_as_the_same_uuid(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    client = otr.VonageVideo(APPLICATION_ID.upper(), pem(rsa_key))
    assert client.application_id == APPLICATION_ID


def test_the_key_never_shows_in_reprs_logs_or_messages(
    rsa_key: rsa.RSAPrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data = pem(rsa_key)
    client = otr.VonageVideo(APPLICATION_ID, data, api_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(otr.RequestError) as caught:
        client.create_session()
    texts = [repr(client), str(client), repr(vars(client)), str(caught.value)]
    texts += [record.getMessage() for record in caplog.records]
    texts.append(library_report(caught.value))
    assert caplog.records  # the transport did log the attempt
    for text in texts:
        for line in key_material(data):
            assert line not in text
        assert "Bearer ey" not in text


def test_t1_is_refused_naming_the_backend(rsa_key: rsa.RSAPrivateKey) -> None:
    client = otr.VonageVideo(APPLICATION_ID, pem(rsa_key))
    with pytest.raises(otr.ValidationError) as caught:
        client.generate_token(make_session_id(APPLICATION_ID), token_type="T1")
    (violation,) = caught.value.violations
    assert violation.rule == "token-type"
    assert "Vonage Video API" in violation.message


def test_every_claim_of_a_client_token(rsa_key: rsa.RSAPrivateKey) -> None:
    now = 1_800_000_000.0
    client = otr.VonageVideo(APPLICATION_ID, pem(rsa_key), clock=lambda: now)
    sid = make_session_id(APPLICATION_ID)
    token = client.generate_token(
        sid,
        role="publisheronly",
        expire_time=int(now) + 3600,
        data="name=Ann",
        initial_layout_class_list=["focus", "main"],
    )
    header = jwt.get_unverified_header(token)
    claims = claims_at_any_time(token, rsa_key)
    assert header["alg"] == "RS256"
    jti = claims.pop("jti")
    assert len(jti) >= 32
    assert claims == {
        "application_id": APPLICATION_ID,
        "iat": int(now),
        "exp": int(now) + 3600,
        "scope": "session.connect",
        "session_id": sid,
        "role": "publisheronly",
        "sub": "video",
        "acl": {"paths": {"/session/**": {}}},
        "connection_data": "name=Ann",
        "initial_layout_class_list": "focus main",
    }
    default = client.generate_token(sid)
    claims = claims_at_any_time(default, rsa_key)
    assert claims["exp"] == int(now) + 86400
    assert claims["role"] == "publisher"
    assert "connection_data" not in claims
    assert jwt.decode(default, options={"verify_signature": False})["jti"] != jti


def test_a_token_for_an_opentok_session_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    client = otr.VonageVideo(APPLICATION_ID, pem(rsa_key))
    with pytest.raises(otr.ValidationError) as caught:
        client.generate_token(make_session_id("123456"))
    assert [v.rule for v in caught.value.violations] == ["token-session-belongs-to-key"]


def test_without_cryptography_the_message_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['cryptography'] = None\n"
        "import opentok_rules as otr\n"
        "try:\n"
        "    otr.VonageVideo('3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b', b'-----BEGIN')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == (
        "the Vonage Video API backend signs with RS256, which needs cryptography: "
        'pip install "opentok-rules[vonage]"'
    )


def test_importing_the_package_does_not_import_cryptography() -> None:
    code = "import sys, opentok_rules as o; o.VonageVideo; print('cryptography' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"


# --- credentials from the environment -------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "OPENTOK_API_KEY",
        "OPENTOK_API_SECRET",
        "OPENTOK_API_URL",
        "VONAGE_APPLICATION_ID",
        "VONAGE_PRIVATE_KEY_PATH",
        "VONAGE_VIDEO_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _async_classes() -> list[Any]:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return []
    return [otr.AsyncOpenTok]


@pytest.mark.parametrize("cls", [otr.OpenTok, *_async_classes()], ids=lambda c: c.__name__)
def test_opentok_from_env(cls: Any, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENTOK_API_KEY", "123456")
    with pytest.raises(otr.ConfigurationError, match=r"^OPENTOK_API_SECRET is not set"):
        cls.from_env()
    clean_env.setenv("OPENTOK_API_SECRET", "s" * 40)
    client = cls.from_env()
    assert (client.api_key, client.api_url) == ("123456", "https://api.opentok.com")
    clean_env.setenv("OPENTOK_API_URL", "http://127.0.0.1:8080/")
    assert cls.from_env().api_url == "http://127.0.0.1:8080"
    assert cls.from_env(api_url="http://127.0.0.1:9").api_url == "http://127.0.0.1:9"
    clean_env.delenv("OPENTOK_API_KEY")
    with pytest.raises(otr.ConfigurationError, match=r"^OPENTOK_API_KEY is not set") as caught:
        cls.from_env()
    assert isinstance(caught.value, ValueError)
    report = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert "s" * 40 not in report


@pytest.mark.parametrize(
    "cls",
    [otr.VonageVideo, *[otr.AsyncVonageVideo for _ in _async_classes()]],
    ids=lambda c: c.__name__,
)
def test_vonage_from_env(cls: Any, clean_env: pytest.MonkeyPatch, key_file: Path) -> None:
    with pytest.raises(otr.ConfigurationError, match=r"^VONAGE_APPLICATION_ID is not set"):
        cls.from_env()
    clean_env.setenv("VONAGE_APPLICATION_ID", APPLICATION_ID)
    with pytest.raises(otr.ConfigurationError, match=r"^VONAGE_PRIVATE_KEY_PATH is not set"):
        cls.from_env()
    clean_env.setenv("VONAGE_PRIVATE_KEY_PATH", str(key_file))
    client = cls.from_env()
    assert (client.application_id, client.api_url) == (
        APPLICATION_ID,
        "https://video.api.vonage.com",
    )
    clean_env.setenv("VONAGE_VIDEO_API_URL", "http://127.0.0.1:8080")
    assert cls.from_env().api_url == "http://127.0.0.1:8080"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
