"""The emulator's check of the ``X-OPENTOK-AUTH`` project token, as the service does it.

Deliberately independent of the library's own token code: the emulator stands in for the
service, so a client bug must not be mirrored by an identical bug here.
"""

from __future__ import annotations

import time

import jwt

__all__ = ["MAX_IAT_SKEW_SECONDS", "token_problem"]

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
