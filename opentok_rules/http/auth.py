"""The REST auth header of each backend: a JWT made briefly reusable, because signing costs.

OpenTok sends an HS256 *project* token as ``X-OPENTOK-AUTH``; the Vonage Video API sends an
RS256 *application* token as ``Authorization: Bearer``. Both are reused for a short window
(:data:`TOKEN_REUSE`, :data:`VONAGE_TOKEN_REUSE`) so that signing stays off the hot path.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from opentok_rules._secret import Secret

__all__ = [
    "TOKEN_LIFETIME",
    "TOKEN_REUSE",
    "VONAGE_TOKEN_LIFETIME",
    "VONAGE_TOKEN_REUSE",
    "ProjectAuth",
    "RestAuth",
    "VonageAuth",
]

#: How long a project token is valid; the service accepts at most five minutes.
TOKEN_LIFETIME = 300
#: How long one token is reused. Encoding a JWT costs about 60 µs, more than all the
#: validation of a request, and the service accepts a token more than once (the Ruby SDK sends
#: the very same token, without a ``jti``, for every request within one second). Reusing it
#: for at most 5 s keeps that cost off the hot path while every token sent still has at least
#: ``TOKEN_LIFETIME - TOKEN_REUSE`` seconds to live when it leaves.
TOKEN_REUSE = 5

#: The lifetime the Vonage SDKs give an application token: 15 minutes.
VONAGE_TOKEN_LIFETIME = 900
#: How long one application token is reused. An RS256 signature costs about a millisecond, as
#: much as a whole request over loopback; the API accepts a token for its whole lifetime (the
#: ``jti`` is not checked for reuse), so one signature per 10 s removes that cost from the hot
#: path, and every token sent still has at least 890 s to live.
VONAGE_TOKEN_REUSE = 10


class RestAuth(Protocol):
    """What a client needs from a backend's auth: the header to send with each REST call."""

    header_name: str

    def header_value(self) -> str:
        """The header's current value; safe to call from many threads."""
        ...


class _ReusedToken:
    """One signed token, replaced when its reuse window has passed; thread-safe."""

    __slots__ = ("_clock", "_current", "_encode", "_lock", "_reuse")

    def __init__(
        self, encode: Callable[[int], str], reuse: float, clock: Callable[[], float]
    ) -> None:
        self._encode = encode
        self._reuse = reuse
        self._clock = clock
        self._lock = threading.Lock()
        # (token, reuse-until); replaced as a whole, so a reader never sees half an update.
        self._current: tuple[str, float] = ("", float("-inf"))

    def get(self) -> str:
        token, reuse_until = self._current
        if self._clock() < reuse_until:
            return token
        with self._lock:
            token, reuse_until = self._current
            now = self._clock()
            if now >= reuse_until:
                token = self._encode(int(now))
                self._current = (token, now + self._reuse)
            return token


class ProjectAuth:
    """The HS256 project JWT of OpenTok, sent as ``X-OPENTOK-AUTH``."""

    __slots__ = ("_api_key", "_secret", "_token")
    header_name = "X-OPENTOK-AUTH"

    def __init__(
        self, api_key: str, api_secret: Secret[str], *, clock: Callable[[], float] = time.time
    ) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._token = _ReusedToken(self._encode, TOKEN_REUSE, clock)

    def __repr__(self) -> str:
        return f"ProjectAuth(api_key={self._api_key!r})"

    def token(self) -> str:
        """A valid project token: the current one while it may be reused, else a new one."""
        return self._token.get()

    header_value = token

    def _encode(self, now: int) -> str:
        import jwt  # deferred: `import opentok_rules` must not pay for PyJWT

        claims = {
            "iss": self._api_key,
            "ist": "project",
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret.reveal(), algorithm="HS256")


class VonageAuth:
    """The RS256 application JWT of the Vonage Video API, sent as ``Authorization: Bearer``."""

    __slots__ = ("_application_id", "_key", "_token")
    header_name = "Authorization"

    def __init__(
        self,
        application_id: str,
        private_key: Secret[Any],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._application_id = application_id
        self._key = private_key  # a loaded cryptography RSAPrivateKey, wrapped
        self._token = _ReusedToken(self._encode, VONAGE_TOKEN_REUSE, clock)

    def __repr__(self) -> str:
        return f"VonageAuth(application_id={self._application_id!r})"

    def token(self) -> str:
        """A valid application token: reused within its window, else a new one."""
        return self._token.get()

    def header_value(self) -> str:
        return "Bearer " + self._token.get()

    def _encode(self, now: int) -> str:
        import jwt

        claims = {
            "application_id": self._application_id,
            "iat": now,
            "exp": now + VONAGE_TOKEN_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key.reveal(), algorithm="RS256")
