"""The emulator's checks of the REST credentials, as the service does them.

OpenTok: the ``X-OPENTOK-AUTH`` project token (HS256 with the project's secret). Vonage Video
API: ``Authorization: Bearer`` with an RS256 JWT signed by the application's private key;
``cryptography`` is imported only when a Vonage emulator makes its key pair.

Deliberately independent of the library's own token code: the emulator stands in for the
service, so a client bug must not be mirrored by an identical bug here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import time
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import parse_qsl

import jwt

from opentok_rules.session_ids import session_id_fields

__all__ = [
    "MAX_IAT_SKEW_SECONDS",
    "MAX_TOKEN_LIFETIME_SECONDS",
    "bearer_problem",
    "client_token_problem",
    "make_rsa_key_pair",
    "token_problem",
    "vonage_client_token_problem",
]

#: How far in the future ``iat`` may lie, to tolerate clocks that run a little fast.
MAX_IAT_SKEW_SECONDS = 60
#: How far in the future ``exp`` may lie. The SDKs give their REST tokens minutes (3 to 15);
#: 30 days is the longest the service lets any token live (the documented limit of a client
#: token's ``expire_time``), so a REST token meant to live longer is a bug or an attack, not
#: a clock difference. The bound also keeps every time claim a date any consumer can show.
MAX_TOKEN_LIFETIME_SECONDS = 30 * 86400
# The time claims PyJWT would otherwise coerce with int(), which takes "1700000000" and
# turns NaN into an error only by luck; they are checked here instead (see _times_problem).
_TIME_CLAIMS = ("iat", "exp", "nbf")
_JSON_KINDS = {str: "a string", dict: "an object", list: "an array", type(None): "null"}

# Most specific first: InvalidSignatureError is a DecodeError, and the first isinstance match
# decides the message. Expiry and the other times are checked by _times_problem.
_DECODE_PROBLEMS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.InvalidSignatureError, "token signature does not verify with the project's secret"),
    (jwt.InvalidAlgorithmError, "token must be signed with HS256"),
    (jwt.InvalidIssuerError, "token iss claim is not this project's api key"),
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
            options={
                "require": ["iss", "exp", "iat"],
                "verify_aud": False,
                # PyJWT's time checks take numeric strings; _times_problem checks the times.
                "verify_iat": False,
                "verify_exp": False,
                "verify_nbf": False,
            },
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
    times = _times_problem(claims, now)
    if times is not None:
        return times
    if claims.get("ist") != "project":
        return "token ist claim must be 'project'"
    return None


def _times_problem(claims: dict[str, object], now: float) -> str | None:
    """What is wrong with the token's ``iat``, ``exp`` and ``nbf``, or ``None``.

    Each present one must be a JSON number (not a string, not a boolean), finite (JSON
    parsers, Python's included, read ``NaN`` and ``Infinity``, and every comparison with NaN
    is false, so it would pass any check), not before 1970, and at most
    :data:`MAX_TOKEN_LIFETIME_SECONDS` ahead. Then: ``exp`` is in the future, ``nbf`` is not,
    and ``iat`` is at most :data:`MAX_IAT_SKEW_SECONDS` ahead.
    """
    times: dict[str, float] = {}
    for name in _TIME_CLAIMS:
        if name in claims:
            problem = _time_problem(name, claims[name], now)
            if problem is not None:
                return problem
            times[name] = cast(float, claims[name])
    if times["exp"] <= now:
        return "token has expired (exp is not in the future)"
    if times.get("nbf", now) > now:
        return "token is not yet valid (nbf is in the future)"
    if times["iat"] > now + MAX_IAT_SKEW_SECONDS:
        return "token iat claim is in the future"
    return None


def _time_problem(name: str, value: object, now: float) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = _JSON_KINDS.get(type(value), type(value).__name__)
        return f"token {name} claim must be a number of seconds since the epoch, not {kind}"
    # An int is always finite (and math.isfinite cannot take one too big for a float).
    if isinstance(value, float) and not math.isfinite(value):
        return f"token {name} claim must be a finite number, not {value}"
    if not 0 <= value <= now + MAX_TOKEN_LIFETIME_SECONDS:
        days = MAX_TOKEN_LIFETIME_SECONDS // 86400
        return f"token {name} claim must be a time between 1970 and {days} days from now"
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
                "verify_aud": False,
                "verify_iat": False,
                "verify_exp": False,
                "verify_nbf": False,
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
    times = _times_problem(claims, now)
    if times is not None:
        return 401, times
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti:
        return 401, "token jti claim must be a non-empty string"
    if claims["application_id"] != application_id:
        return 403, "token application_id claim is not this application's id"
    return None


# --- Client tokens, for the console's token inspector ---------------------------------------
# Client tokens never reach the session service; the console checks a pasted one against the
# emulator's credentials so a developer can see whether their app signs with the right ones.

# Times are the console's to show, not reasons for a signature not to verify.
_VERIFY_ONLY = {"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False}


def client_token_problem(token: str, kind: str, *, api_key: str, api_secret: str) -> str | None:
    """Why an OpenTok client token (JWT or T1) was not made with these credentials, or ``None``.

    The message never contains the token or the secret.
    """
    if kind == "T1":
        return _t1_problem(token, api_key=api_key, api_secret=api_secret)
    claims = _verified_claims(token, api_secret, "HS256", "an OpenTok", "api secret")
    if isinstance(claims, str):
        return claims
    if claims.get("iss") != api_key:
        return "iss is not this emulator's api key"
    return _session_problem(claims, api_key)


def vonage_client_token_problem(
    token: str, kind: str, *, application_id: str, public_key: Any
) -> str | None:
    """Why a Vonage client token was not signed with this application's key, or ``None``."""
    if kind != "JWT":
        return "the Vonage Video API takes JWT client tokens only, not T1"
    claims = _verified_claims(token, public_key, "RS256", "a Vonage", "application key")
    if isinstance(claims, str):
        return claims
    if claims.get("application_id") != application_id:
        return "application_id is not this emulator's application id"
    return _session_problem(claims, application_id)


def _verified_claims(
    token: str, key: Any, algorithm: str, backend: str, key_name: str
) -> dict[str, Any] | str:
    """The claims of a client token signed with ``key``, or why it is not one (a ``str``)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options=_VERIFY_ONLY,  # type: ignore[arg-type]
        )
    except jwt.InvalidAlgorithmError:
        return f"{backend} client token is signed with {algorithm}"
    except jwt.InvalidSignatureError:
        return f"the signature does not verify with this emulator's {key_name}"
    except jwt.InvalidTokenError:
        return "not a JWT this emulator can verify"
    return claims


def _t1_problem(token: str, *, api_key: str, api_secret: str) -> str | None:
    try:
        text = base64.b64decode(token[4:], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "not a T1 token"
    signed, _, data = text.partition(":")
    fields = dict(parse_qsl(signed, keep_blank_values=True))
    expected = hmac.new(api_secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    if not hmac.compare_digest(expected.hexdigest().encode(), fields.get("sig", "").encode()):
        return "the signature does not verify with this emulator's api secret"
    if fields.get("partner_id") != api_key:
        return "partner_id is not this emulator's api key"
    return _session_problem(dict(parse_qsl(data, keep_blank_values=True)), api_key)


def _session_problem(claims: Mapping[str, Any], project_id: str) -> str | None:
    session_id = claims.get("session_id")
    if session_id is None:
        return "the token names no session_id"
    fields = session_id_fields(session_id) if isinstance(session_id, str) else None
    if fields is None or len(fields) < 2:
        return "session_id is not a session id"
    if fields[1] != project_id:
        return "session_id belongs to another project"
    return None
