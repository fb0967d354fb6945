"""``OpenTok``: the client that sends prepared sessions to the service, and ``Session``."""

from __future__ import annotations

import functools
import logging
import platform
import time
import urllib.parse
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import attrs

from ._version import __version__
from .answers import SessionRecord, read_session_answer
from .auth import ProjectAuth
from .pipeline import prepare_session
from .registry import RuleRegistry
from .spec import SessionSpec
from .transport import Request, Response, Transport
from .values import ArchiveMode, MediaMode

__all__ = ["DEFAULT_API_URL", "DEFAULT_TIMEOUT", "OpenTok", "Session", "SessionRecord"]

DEFAULT_API_URL = "https://api.opentok.com"
#: (connect, read) seconds: connect like the Ruby SDK, read long enough for a slow service.
DEFAULT_TIMEOUT = (2.0, 10.0)

_log = logging.getLogger("opentok_rules.client")
_USER_AGENT = f"opentok-rules/{__version__} python/{platform.python_version()}"


@attrs.frozen
class Session:
    """A created session. ``str(session)`` is its id; the options are those that were sent."""

    session_id: str
    spec: SessionSpec
    record: SessionRecord
    _client: OpenTok = attrs.field(repr=False, eq=False, alias="client")

    def __str__(self) -> str:
        return self.session_id

    @property
    def media_mode(self) -> MediaMode:
        return self.spec.media_mode

    @property
    def archive_mode(self) -> ArchiveMode:
        return self.spec.archive_mode

    @property
    def location(self) -> str | None:
        return self.spec.location

    @property
    def archive_name(self) -> str | None:
        return self.spec.archive_name

    @property
    def archive_resolution(self) -> str | None:
        return self.spec.archive_resolution

    @property
    def e2ee(self) -> bool:
        return self.spec.e2ee

    def generate_token(self, **options: Any) -> str:
        """A client token for this session; see :meth:`OpenTok.generate_token`."""
        return self._client.generate_token(self.session_id, **options)


class OpenTok:
    """A client for one OpenTok project. Safe to share between threads.

    :param api_key: the project's api key (a number as a string, or an int).
    :param api_secret: the project's secret; it never appears in a message, repr or log.
    :param api_url: the service's base URL.
    :param timeout: seconds for the default transport, one number for both the connect and
        the read timeout, or a ``(connect, read)`` pair. Give it to your own transport instead.
    :param rules: the session rules (default :func:`~opentok_rules.default_rules`).
    :param token_rules: the token rules (default :func:`~opentok_rules.tokens.default_token_rules`).
    :param transport: what sends requests (default: a new ``Urllib3Transport``).
    :param user_agent_suffix: appended to the ``User-Agent``, to name your application.
    :param clock: seconds since the epoch; tokens take their times from it.
    """

    def __init__(
        self,
        api_key: str | int,
        api_secret: str,
        api_url: str = DEFAULT_API_URL,
        *,
        timeout: float | tuple[float, float] | None = None,
        rules: RuleRegistry | None = None,
        token_rules: RuleRegistry | None = None,
        transport: Transport | None = None,
        user_agent_suffix: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = _checked_credential("api_key", api_key)
        self._api_secret = _checked_credential("api_secret", api_secret)
        self.api_url = _checked_url(api_url)
        if transport is not None and timeout is not None:
            raise ValueError("timeout configures the default transport; set it on yours instead")
        self._transport = transport if transport is not None else _default_transport(timeout)
        self._rules = rules
        self._token_rules = token_rules
        self._clock = clock
        self._auth = ProjectAuth(self.api_key, self._api_secret, clock=clock)
        self._create_url = self.api_url + "/session/create"
        agent = _USER_AGENT
        if user_agent_suffix:
            agent += " " + _checked_header_text("user_agent_suffix", user_agent_suffix)
        self._headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": agent,
        }

    def __repr__(self) -> str:
        return f"OpenTok(api_key={self.api_key!r}, api_url={self.api_url!r})"

    def __enter__(self) -> OpenTok:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the transport's connections."""
        self._transport.close()

    def create_session(
        self, options: Mapping[str, Any] | SessionSpec | None = None, /, **kwargs: Any
    ) -> Session:
        """Create a session. Options are checked by the client's rules before any request.

        Takes a mapping, keywords, or a :class:`~opentok_rules.SessionSpec` (checked again).
        Raises :class:`~opentok_rules.ValidationError`, :class:`~opentok_rules.AuthenticationError`
        or :class:`~opentok_rules.RequestError`.
        """
        prepared = prepare_session(options, rules=self._rules, **kwargs)
        body = _form_body(prepared.spec)
        headers = {**self._headers, "X-OPENTOK-AUTH": self._auth.token()}
        response = self._send(Request("POST", self._create_url, headers, body))
        record = read_session_answer(response)
        return Session(record.session_id, prepared.spec, record, client=self)

    def generate_token(self, session_id: str, **options: Any) -> str:
        """A token for a client to connect to ``session_id``.

        Options: ``role``, ``expire_time``, ``data``, ``initial_layout_class_list`` and
        ``token_type``, checked by the client's token rules (see :doc:`tokens`).
        """
        from .tokens import generate_token  # PyJWT only when tokens are made

        return generate_token(
            self.api_key,
            self._api_secret,
            session_id,
            rules=self._token_rules,
            clock=self._clock,
            **options,
        )

    def _send(self, request: Request) -> Response:
        if not _log.isEnabledFor(logging.DEBUG):
            return self._transport.handle_request(request)
        _log.debug("%s %s body=%s", request.method, request.url, request.body.decode())
        started = time.perf_counter()
        response = self._transport.handle_request(request)
        elapsed = (time.perf_counter() - started) * 1000
        _log.debug("HTTP %d from %s in %.1f ms", response.status, request.url, elapsed)
        return response


@functools.lru_cache(maxsize=256)
def _form_body(spec: SessionSpec) -> bytes:
    # Apps create sessions of a handful of shapes over and over; a spec is frozen and
    # hashable, so its encoded form is computed once per shape.
    return urllib.parse.urlencode(spec.to_params()).encode("ascii")


def _checked_credential(name: str, value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and name == "api_key":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string; find it in your project's settings")
    return _checked_header_text(name, value)


def _checked_header_text(name: str, value: str) -> str:
    if not isinstance(value, str) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        # It goes into a header (as a claim, or as is); a CR or LF there is an injection.
        raise ValueError(f"{name} must be a str without control characters such as CR or LF")
    return value


def _checked_url(url: object) -> str:
    if not isinstance(url, str):
        raise ValueError(f"api_url must be a string such as {DEFAULT_API_URL!r}")
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"api_url must be an http(s) URL such as {DEFAULT_API_URL!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("api_url must not carry credentials, a query or a fragment")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url.strip()):
        raise ValueError("api_url must not contain spaces or control characters")
    return url.strip().rstrip("/")


def _default_transport(timeout: float | tuple[float, float] | None) -> Transport:
    from .transport import Urllib3Transport

    connect, read = _timeouts(timeout)
    transport: Transport = Urllib3Transport(connect_timeout=connect, read_timeout=read)
    return transport


def _timeouts(timeout: float | tuple[float, float] | None) -> tuple[float, float]:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, tuple):
        connect, read = timeout
        return float(connect), float(read)
    return float(timeout), float(timeout)
