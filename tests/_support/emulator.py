"""Project tokens for the emulator, made by hand (PyJWT) so a test can bend any claim."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from opentok_rules.testing import Emulator

DELETE = object()


def make_token(emulator: Emulator, *, secret: str | None = None, **claims: Any) -> str:
    """A project token for ``emulator``; a claim given as ``DELETE`` is left out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": emulator.api_key,
        "ist": "project",
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not DELETE}
    return jwt.encode(payload, secret or emulator.api_secret, algorithm="HS256")


def vonage_token(
    emulator: Emulator, *, key: str | None = None, algorithm: str = "RS256", **claims: Any
) -> str:
    """An application JWT as the Vonage SDKs sign it; a claim given as ``DELETE`` is left out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "application_id": emulator.application_id,
        "iat": now,
        "exp": now + 900,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not DELETE}
    return jwt.encode(payload, key or emulator.private_key, algorithm=algorithm)
