"""How a request reaches the service: the interface every transport implements.

The client builds a :class:`Request` and hands it to ``transport.handle_request``; it gets a
:class:`Response` back or a :class:`~opentok_rules.errors.RequestError`. Nothing else about
HTTP leaks into the client, so tests and users can swap the transport freely.

This module imports no HTTP library (as httpx keeps ``_transports/base.py`` apart from
``default.py``): the default transport lives in :mod:`opentok_rules.http.urllib3_transport`, the
decisions every transport shares in :mod:`opentok_rules.http.exchange`. Nothing here
imports either, so the import graph has no cycle: :mod:`opentok_rules.http` names them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from opentok_rules._frozen import slot_setters

__all__ = [
    "REDACTED_HEADERS",
    "AsyncTransport",
    "Request",
    "Response",
    "Transport",
    "redact_headers",
]

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


_SET_RESPONSE = slot_setters(Response)


def make_response(status: int, headers: Mapping[str, str], body: bytes) -> Response:
    """``Response(status, headers, body)`` for the transports' hot path (see :mod:`._frozen`)."""
    response: Response = object.__new__(Response)
    set_status, set_headers, set_body = _SET_RESPONSE
    set_status(response, status)
    set_headers(response, headers)
    set_body(response, body)
    return response


@runtime_checkable
class Transport(Protocol):
    """Anything that turns a :class:`Request` into a :class:`Response`.

    ``handle_request`` raises :class:`~opentok_rules.errors.RequestError` (``status=None``)
    when no answer could be had; an HTTP error status is an answer, not an exception.
    """

    def handle_request(self, request: Request) -> Response: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncTransport(Protocol):
    """What the async clients send through: :class:`Transport` with coroutines.

    ``handle_request`` raises :class:`~opentok_rules.errors.RequestError` (``status=None``)
    when no answer could be had; an HTTP error status is an answer, not an exception.
    """

    async def handle_request(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...
