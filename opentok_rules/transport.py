"""How a request reaches the service: one small interface, and the default urllib3 transport.

The client builds a :class:`Request` and hands it to ``transport.handle_request``; it gets a
:class:`Response` back or a :class:`~opentok_rules.errors.RequestError`. Nothing else about
HTTP leaks into the client, so tests and users can swap the transport freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["REDACTED_HEADERS", "Request", "Response", "Transport"]

#: Header names (lower case) whose values never appear in a repr or a log line.
REDACTED_HEADERS = frozenset({"x-opentok-auth", "authorization", "proxy-authorization"})


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every secret-bearing value replaced by ``"<redacted>"``."""
    return {
        name: ("<redacted>" if name.lower() in REDACTED_HEADERS else value)
        for name, value in headers.items()
    }


@attrs.frozen(repr=False)
class Request:
    """One HTTP request: method, absolute URL, headers and an already-encoded body."""

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={self.url!r}, "
            f"headers={redact_headers(self.headers)!r}, body=<{len(self.body)} bytes>)"
        )


@attrs.frozen(repr=False)
class Response:
    """One HTTP answer: status, headers (names in lower case) and the whole body."""

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, body=<{len(self.body)} bytes>)"


@runtime_checkable
class Transport(Protocol):
    """Anything that turns a :class:`Request` into a :class:`Response`.

    ``handle_request`` raises :class:`~opentok_rules.errors.RequestError` (``status=None``)
    when no answer could be had; an HTTP error status is an answer, not an exception.
    """

    def handle_request(self, request: Request) -> Response: ...

    def close(self) -> None: ...
