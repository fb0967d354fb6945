"""The emulator's checks of the REST credentials, as the service does them.

OpenTok: the ``X-OPENTOK-AUTH`` project token (HS256 with the project's secret). Vonage Video
API: ``Authorization: Bearer`` with an RS256 JWT signed by the application's private key;
``cryptography`` is imported only when a Vonage emulator makes its key pair.

Deliberately independent of the library's own token code: the emulator stands in for the
service, so a client bug must not be mirrored by an identical bug here.
"""

from __future__ import annotations

import time
from typing import Any

import jwt

__all__ = ["MAX_IAT_SKEW_SECONDS", "bearer_problem", "make_rsa_key_pair", "token_problem"]

#: How far in the future ``iat`` may lie, to tolerate clocks that run a little fast.
MAX_IAT_SKEW_SECONDS = 60

# Most specific first: InvalidSignatureError is a DecodeError, ExpiredSignatureError an
# InvalidTokenError, and the first isinstance match decides the message.
_DECODE_PROBLEMS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.InvalidSignatureError, "token signature does not verify with the project's secret"),
    (jwt.InvalidAlgorithmError, "token must be signed with HS256"),
    (jwt.ExpiredSignatureError, "token has expired (exp is not in the future)"),
    (jwt.InvalidIssuerError, "token iss claim is not this project's api key"),
    (jwt.ImmatureSignatureError, "token is not yet valid (nbf is in the future)"),
    (jwt.DecodeError, "token is not a well-formed JWT"),
)


def token_problem(token: str | None, *, api_key: str, api_secret: str) -> str | None:
    """Why ``token`` does not authenticate a project request, or ``None`` if it does.

    The message never contains the token itself, as it is a live credential.
    """
    if not token:
        return "missing X-OPENTOK-AUTH header"
    try:
        claims = jwt.decode(
            token,
            api_secret,
            algorithms=["HS256"],
            issuer=api_key,
            # iat is checked below with the service's tolerance; PyJWT allows no skew.
            options={"require": ["iss", "exp", "iat"], "verify_iat": False, "verify_aud": False},
        )
    except jwt.MissingRequiredClaimError as error:
        return f"token is missing the {error.claim} claim"
    except jwt.InvalidTokenError as error:
        return _decode_problem(error)
    return _claims_problem(claims, time.time())


def _decode_problem(error: jwt.InvalidTokenError) -> str:
    for kind, message in _DECODE_PROBLEMS:
        if isinstance(error, kind):
            return message
    return "token is not valid"


def _claims_problem(claims: dict[str, object], now: float) -> str | None:
    if claims.get("ist") != "project":
        return "token ist claim must be 'project'"
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return "token iat claim must be a number"
    if iat > now + MAX_IAT_SKEW_SECONDS:
        return "token iat claim is in the future"
    return None


# --- The Vonage Video API backend: Authorization: Bearer <RS256 JWT> ------------------------

#: Claims every Vonage application JWT carries, as the Vonage SDKs (vonage-jwt) write them.
_VONAGE_REQUIRED_CLAIMS = ("application_id", "iat", "exp", "jti")
_MISSING_CRYPTOGRAPHY = (
    'Emulator(backend="vonage") needs the cryptography package for RS256 keys; '
    'install it with: pip install "opentok-rules[vonage]"'
)
_BEARER_PROBLEMS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.InvalidSignatureError, "token signature does not verify with the application's key"),
    (jwt.InvalidAlgorithmError, "token must be signed with RS256"),
    (jwt.ExpiredSignatureError, "token has expired (exp is not in the future)"),
    (jwt.ImmatureSignatureError, "token is not yet valid (nbf is in the future)"),
    (jwt.DecodeError, "token is not a well-formed JWT"),
)


def make_rsa_key_pair() -> tuple[str, Any]:
    """A new 2048-bit RSA key: the private key as PKCS#8 PEM text, and the public key object.

    :raises ImportError: with the install command, when ``cryptography`` is missing.
    """
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        raise ImportError(_MISSING_CRYPTOGRAPHY) from None
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii"), key.public_key()


def bearer_problem(
    authorization: str | None, *, application_id: str, public_key: Any
) -> tuple[int, str] | None:
    """Why ``authorization`` does not authenticate the application: ``(status, message)``.

    401 for a header or token that does not prove who is calling (missing, malformed, not
    RS256, not signed with the application's key, expired, missing a claim); 403 for a token
    that is correctly signed but names another application. ``None`` if it authenticates.
    The message never contains the token.
    """
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return 401, "missing Authorization: Bearer <JWT> header"
    try:
        claims = jwt.decode(
            token.strip(),
            public_key,
            algorithms=["RS256"],
            # iat is checked below with the service's tolerance; PyJWT allows no skew.
            options={
                "require": list(_VONAGE_REQUIRED_CLAIMS),
                "verify_iat": False,
                "verify_aud": False,
            },
        )
    except jwt.MissingRequiredClaimError as error:
        return 401, f"token is missing the {error.claim} claim"
    except jwt.InvalidTokenError as error:
        return 401, _bearer_problem(error)
    return _vonage_claims_problem(claims, application_id, time.time())


def _bearer_problem(error: jwt.InvalidTokenError) -> str:
    for kind, message in _BEARER_PROBLEMS:
        if isinstance(error, kind):
            return message
    return "token is not valid"


def _vonage_claims_problem(
    claims: dict[str, Any], application_id: str, now: float
) -> tuple[int, str] | None:
    iat = claims["iat"]
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        return 401, "token iat claim must be a number"
    if iat > now + MAX_IAT_SKEW_SECONDS:
        return 401, "token iat claim is in the future"
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti:
        return 401, "token jti claim must be a non-empty string"
    if claims["application_id"] != application_id:
        return 403, "token application_id claim is not this application's id"
    return None
