"""The sending side: the transport interface, its shared sans-I/O decisions, the transports.

- :mod:`~opentok_rules.http.transport`: ``Request``, ``Response`` and the ``Transport`` /
  ``AsyncTransport`` interfaces (imports no HTTP library);
- :mod:`~opentok_rules.http.exchange`: what both transports decide (where a URL goes, retries,
  redirects, the deadline, body limits) as plain functions;
- :mod:`~opentok_rules.http.urllib3_transport` and :mod:`~opentok_rules.http.async_transport`:
  the default transports, which only move bytes;
- :mod:`~opentok_rules.http.auth` and :mod:`~opentok_rules.http.answers`: the REST auth header
  and reading the service's answers.

Names are imported on first use, so ``import opentok_rules.http`` imports neither urllib3 nor
aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentok_rules._lazy import lazy_attributes

if TYPE_CHECKING:
    from opentok_rules.http.async_transport import AiohttpTransport
    from opentok_rules.http.transport import AsyncTransport, Request, Response, Transport
    from opentok_rules.http.urllib3_transport import Urllib3Transport

_LAZY = {
    "AiohttpTransport": "opentok_rules.http.async_transport",
    "AsyncTransport": "opentok_rules.http.transport",
    "Request": "opentok_rules.http.transport",
    "Response": "opentok_rules.http.transport",
    "Transport": "opentok_rules.http.transport",
    "Urllib3Transport": "opentok_rules.http.urllib3_transport",
}

__all__ = [
    "AiohttpTransport",
    "AsyncTransport",
    "Request",
    "Response",
    "Transport",
    "Urllib3Transport",
]


__getattr__ = lazy_attributes(__name__, _LAZY, cache=globals())
