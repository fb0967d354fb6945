"""The project token sent as ``X-OPENTOK-AUTH`` on every REST call."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

__all__ = ["TOKEN_LIFETIME", "TOKEN_REUSE", "ProjectAuth"]

#: How long a project token is valid; the service accepts at most five minutes.
TOKEN_LIFETIME = 300
#: How long one token is reused. Encoding a JWT costs about 60 µs, more than all the
#: validation of a request, and the service accepts a token more than once (the Ruby SDK sends
#: the very same token, without a ``jti``, for every request within one second). Reusing it
#: for at most 5 s keeps that cost off the hot path while every token sent still has at least
#: ``TOKEN_LIFETIME - TOKEN_REUSE`` seconds to live when it leaves.
TOKEN_REUSE = 5


class ProjectAuth:
    """Makes (and briefly reuses) the HS256 project JWT; safe to share between threads."""

    __slots__ = ("_api_key", "_api_secret", "_clock", "_current", "_lock")

    def __init__(
        self, api_key: str, api_secret: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._clock = clock
        self._lock = threading.Lock()
        # (token, reuse-until); replaced as a whole, so a reader never sees half an update.
        self._current: tuple[str, float] = ("", float("-inf"))

    def __repr__(self) -> str:
        return f"ProjectAuth(api_key={self._api_key!r})"

    def token(self) -> str:
        """A valid project token: the current one while it may be reused, else a new one."""
        token, reuse_until = self._current
        if self._clock() < reuse_until:
            return token
        with self._lock:
            token, reuse_until = self._current
            now = self._clock()
            if now >= reuse_until:
                token = self._encode(int(now))
                self._current = (token, now + TOKEN_REUSE)
            return token

    def _encode(self, now: int) -> str:
        import jwt  # deferred: `import opentok_rules` must not pay for PyJWT

        claims = {
            "iss": self._api_key,
            "ist": "project",
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._api_secret, algorithm="HS256")
