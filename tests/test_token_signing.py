"""The signers write tokens themselves (no PyJWT per token): PyJWT must still read them as its own.

Every property here builds the claims the library *intends* from the checked ``TokenSpec``
(independently of the signer's JSON writing), then has PyJWT decode and verify the token and
compares; the HS256 tokens must also be byte for byte what ``jwt.encode`` makes of those claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import Role
from opentok_rules._secret import Secret
from opentok_rules.operations.token.prepare import prepare_token
from opentok_rules.operations.token.spec import TokenSpec
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import OpenTokSigner, _KeyedHash, issue_token

NOW = 1_800_000_000.0
ISSUED = int(NOW)
DAY = 86400
NO_TIME_CHECKS: jwt.types.Options = {"verify_exp": False, "verify_iat": False}
SETTINGS = settings(max_examples=examples(150), deadline=None, derandomize=True, database=None)


def clock() -> float:
    return NOW


# --- the claims intended, built from the spec without the signers' code -------------------


def optional_claims(spec: TokenSpec) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if spec.data is not None:
        extra["connection_data"] = spec.data
    if spec.initial_layout_class_list is not None:
        extra["initial_layout_class_list"] = spec.initial_layout_class_list
    return extra


def intended_opentok_claims(owner: str, spec: TokenSpec, nonce: int) -> dict[str, Any]:
    return {
        "iss": owner,
        "ist": "project",
        "iat": spec.issued_at,
        "exp": spec.expire_time,
        "scope": "session.connect",
        "session_id": spec.session_id,
        "role": spec.role.value,
        "nonce": nonce,
        **optional_claims(spec),
    }


def intended_vonage_claims(owner: str, spec: TokenSpec, jti: str) -> dict[str, Any]:
    return {
        "application_id": owner,
        "iat": spec.issued_at,
        "exp": spec.expire_time,
        "jti": jti,
        "scope": "session.connect",
        "session_id": spec.session_id,
        "role": spec.role.value,
        "sub": "video",
        "acl": {"paths": {"/session/**": {}}},
        **optional_claims(spec),
    }


# --- random token options (valid ones: refusals are test_tokens.py's business) ---------------

# Any text but the session id's separator "~" (and T1's ":" and "&", which would make the test's
# own reading of the token ambiguous): non-ASCII keys exercise the JSON escaping of "iss".
api_keys = st.from_regex(r"[0-9]{1,12}", fullmatch=True) | st.text(
    st.characters(codec="utf-8", exclude_characters="~:&"), min_size=1, max_size=12
)
# Secrets of every length around SHA-1's and SHA-256's 64-byte block, ASCII and not, and never
# one PyJWT refuses as an HMAC key (PEM, SSH, JSON).
secrets_text = st.text(
    st.characters(codec="utf-8", exclude_characters='{["-'), min_size=32, max_size=140
).filter(lambda text: not text.lstrip().startswith(("ssh-", "ecdsa-")))
data_text = st.text(st.characters(codec="utf-8"), max_size=40)
class_names = st.from_regex(r"[A-Za-z0-9_\-é]{1,10}", fullmatch=True)
token_options = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from([*Role, "moderator", "SUBSCRIBER"]),
        "expire_time": st.integers(ISSUED + 1, ISSUED + 30 * DAY),
        "data": data_text,
        "initial_layout_class_list": st.lists(class_names, max_size=4),
    },
)


def opentok_spec(signer: OpenTokSigner, session_id: str, options: dict[str, Any]) -> TokenSpec:
    return prepare_token(
        signer.owner,
        session_id,
        clock=clock,
        backend=signer.backend,
        token_types=signer.token_types,
        **options,
    )


def signed_opentok(api_key: str, secret: str, options: dict[str, Any]) -> tuple[TokenSpec, str]:
    """The spec of a token for a session of ``api_key`` with ``options``, and the token."""
    signer = OpenTokSigner(api_key, secret)
    spec = opentok_spec(signer, make_session_id(api_key), options)
    return spec, signer.sign(spec)


@SETTINGS
@given(api_key=api_keys, secret=secrets_text, options=token_options)
def test_hs256_tokens_are_what_jwt_encode_makes_of_the_intended_claims(
    api_key: str, secret: str, options: dict[str, Any]
) -> None:
    spec, token = signed_opentok(api_key, secret, options)

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, secret, algorithms=["HS256"], options=NO_TIME_CHECKS)
    nonce = claims["nonce"]
    assert type(nonce) is int
    assert 0 <= nonce < 1_000_000
    intended = intended_opentok_claims(api_key, spec, nonce)
    assert claims == intended
    assert list(claims) == list(intended)  # the same order as well
    assert token == jwt.encode(intended, secret, algorithm="HS256")


@SETTINGS
@given(api_key=api_keys, secret=secrets_text, options=token_options)
def test_t1_tokens_carry_the_intended_fields_signed_with_hmac_sha1(
    api_key: str, secret: str, options: dict[str, Any]
) -> None:
    spec, token = signed_opentok(api_key, secret, {**options, "token_type": "T1"})

    assert token.startswith("T1==")
    meta, _, data_string = base64.b64decode(token[4:], validate=True).decode().partition(":")
    partner, _, sig = meta.partition("&")
    assert partner == f"partner_id={api_key}"
    expected_sig = hmac.new(secret.encode(), data_string.encode(), hashlib.sha1).hexdigest()
    assert sig == f"sig={expected_sig}"
    fields = {
        "session_id": spec.session_id,
        "create_time": spec.issued_at,
        "expire_time": spec.expire_time,
        "role": spec.role.value,
        "nonce": dict(parse_qsl(data_string))["nonce"],
    }
    fields.update(optional_claims(spec))
    assert data_string == urlencode(fields)


@pytest.fixture(scope="module")
def rsa_key() -> Any:
    pytest.importorskip("cryptography", reason='the Vonage signer needs pip install ".[vonage]"')
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@settings(max_examples=examples(40), deadline=None, derandomize=True, database=None)
@given(options=token_options, app_number=st.integers(0, 2**128 - 1))
def test_rs256_tokens_verify_and_carry_the_intended_claims(
    rsa_key: Any, options: dict[str, Any], app_number: int
) -> None:
    from opentok_rules.tokens import VonageSigner

    application_id = str(uuid.UUID(int=app_number))
    signer = VonageSigner(application_id, Secret(rsa_key))
    spec = prepare_token(
        application_id,
        make_session_id(application_id),
        clock=clock,
        backend=signer.backend,
        token_types=signer.token_types,
        **options,
    )
    token = signer.sign(spec)

    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT"}
    claims = jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"], options=NO_TIME_CHECKS)
    jti = claims["jti"]
    assert str(uuid.UUID(jti)) == jti
    intended = intended_vonage_claims(application_id, spec, jti)
    assert claims == intended
    assert list(claims) == list(intended)
    # RS256 (PKCS #1 v1.5) is deterministic: PyJWT signing the same claims gives the same token.
    assert token == jwt.encode(intended, rsa_key, algorithm="RS256")


# --- the prepared HMAC is HMAC ---------------------------------------------------------------


@settings(max_examples=examples(200), deadline=None, derandomize=True, database=None)
@given(
    key=st.binary(min_size=1, max_size=200),
    message=st.binary(max_size=300),
    name=st.sampled_from(["sha256", "sha1"]),
)
def test_the_keyed_hash_is_hmac(key: bytes, message: bytes, name: str) -> None:
    prepared = _KeyedHash(key, getattr(hashlib, name))
    expected = hmac.new(key, message, name)
    assert prepared.digest(message) == expected.digest()
    assert prepared.hexdigest(message) == expected.hexdigest()
    # Reused: the kept states are copied, never updated.
    assert prepared.digest(message) == expected.digest()


def test_the_keyed_hash_shows_and_pickles_nothing_of_the_key() -> None:
    prepared = _KeyedHash(b"0123456789abcdef0123456789abcdef", hashlib.sha256)
    assert repr(prepared) == "<HMAC-sha256 key redacted>"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(prepared)
    signer = OpenTokSigner("123456", "0123456789abcdef0123456789abcdef")
    with pytest.raises(TypeError):
        pickle.dumps(signer)


# --- nothing per token but the signature -----------------------------------------------------


def refuse_pyjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any PyJWT signing or key preparation from here on fails the test."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("PyJWT was called to make a token")

    monkeypatch.setattr(jwt.PyJWS, "encode", fail)
    monkeypatch.setattr(jwt.PyJWT, "encode", fail)
    for name in ("HMACAlgorithm", "RSAAlgorithm"):
        algorithm = getattr(jwt.algorithms, name)
        monkeypatch.setattr(algorithm, "prepare_key", fail)
        monkeypatch.setattr(algorithm, "sign", fail)


def test_an_opentok_client_makes_tokens_without_pyjwt_once_its_signer_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "0123456789abcdef0123456789abcdef"
    client = otr.OpenTok("123456", secret, clock=clock)
    session_id = make_session_id("123456")
    made = [client.generate_token(session_id)]  # the signer is made (the key checked) here
    refuse_pyjwt(monkeypatch)
    made += [client.generate_token(session_id, role=role) for role in ("subscriber", "moderator")]
    t1 = client.generate_token(session_id, token_type="T1")
    monkeypatch.undo()
    roles = [
        jwt.decode(token, secret, algorithms=["HS256"], options=NO_TIME_CHECKS)["role"]
        for token in made
    ]
    assert roles == ["publisher", "subscriber", "moderator"]
    assert t1.startswith("T1==")


def test_a_vonage_signer_signs_without_pyjwt(rsa_key: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from opentok_rules.tokens import VonageSigner

    application_id = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
    signer = VonageSigner(application_id, Secret(rsa_key))
    refuse_pyjwt(monkeypatch)
    token = issue_token(signer, make_session_id(application_id), clock=clock)
    monkeypatch.undo()
    claims = jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"], options=NO_TIME_CHECKS)
    assert claims["application_id"] == application_id


def test_a_vonage_signer_takes_only_a_loaded_rsa_key(rsa_key: Any) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from opentok_rules.tokens import VonageSigner

    application_id = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
    with pytest.raises(TypeError, match="loaded RSA private key"):
        VonageSigner(application_id, Secret(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(TypeError, match="loaded RSA private key"):
        VonageSigner(application_id, Secret(b"-----BEGIN PRIVATE KEY-----"))


def test_a_vonage_client_loads_its_key_once_for_every_token_and_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("cryptography", reason='the Vonage backend needs pip install ".[vonage]"')
    from cryptography.hazmat.primitives import serialization

    from opentok_rules.testing import Emulator

    loads: list[str] = []
    real_load = serialization.load_pem_private_key

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        loads.append("load")
        return real_load(*args, **kwargs)

    with Emulator(backend="vonage") as emulator:
        # Both places a PEM private key can be loaded: the library's own loader's module,
        # and PyJWT's (jwt.encode given a PEM loads it on every call).
        monkeypatch.setattr(serialization, "load_pem_private_key", counting_load)
        monkeypatch.setattr(jwt.algorithms, "load_pem_private_key", counting_load)
        with otr.VonageVideo(
            emulator.application_id, emulator.private_key, api_url=emulator.url
        ) as client:
            # Loaded when the client is made (the loader may read the PEM more than once
            # then, to judge the key's size before paying for its check)...
            loaded_by_the_client = len(loads)
            session = client.create_session(media_mode="routed")
            for role in ("publisher", "subscriber", "moderator"):
                session.generate_token(role=role)
            client.create_session()
        monkeypatch.undo()
    # ... and never again: not for a token, not for a request's auth header.
    assert loaded_by_the_client >= 1
    assert len(loads) == loaded_by_the_client
