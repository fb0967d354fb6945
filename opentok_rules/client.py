"""``OpenTok``: the client that sends prepared sessions to the service, and ``Session``.

One client core serves every backend and both I/O styles. A *backend* (:class:`Backend`) knows
what differs between OpenTok and the Vonage Video API: the REST auth header, the token signer,
the default URL and the credential shown in a ``repr``. Building the request and reading the
answer are plain functions of the core (no I/O), so the asyncio clients send the very same
bytes and raise the very same errors.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import time
import urllib.parse
from collections.abc import Callable, Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from opentok_rules._frozen import slot_setters
from opentok_rules._messages import shown
from opentok_rules._secret import Secret
from opentok_rules._version import __version__
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import ConfigurationError, ValidationError, Violation
from opentok_rules.http.answers import SessionRecord, read_session_answer
from opentok_rules.http.auth import ProjectAuth, RestAuth
from opentok_rules.http.transport import Request, Response, Transport
from opentok_rules.operations.session.prepare import PreparedSession, prepare_session_from
from opentok_rules.operations.session.spec import SessionSpec
from opentok_rules.values import ArchiveMode, MediaMode

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from opentok_rules.http.archive_answers import Archive, ArchiveList
    from opentok_rules.operations.archive.prepare import ArchiveOptions
    from opentok_rules.options import SessionOptions, TokenOptions
    from opentok_rules.tokens import TokenSigner

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "Backend",
    "OpenTok",
    "Session",
    "SessionRecord",
]

DEFAULT_API_URL = "https://api.opentok.com"
#: (connect, read) seconds: connect like the Ruby SDK, read long enough for a slow service.
DEFAULT_TIMEOUT = (2.0, 10.0)
#: Seconds for a whole ``create_session`` call: connects, retries, redirects, every read.
DEFAULT_DEADLINE = 30.0

#: Stands for "no request made yet": no spec is ever ``None``, so it is never reused.
_NO_REQUEST = Request("POST", "http://127.0.0.1/", {}, b"")

_USER_AGENT = f"opentok-rules/{__version__} python/{platform.python_version()}"

#: Where the clients (blocking and async) report what "warn" rules found, at WARNING.
logger = logging.getLogger(__name__)


def _log_warnings(warnings: tuple[Violation, ...]) -> None:
    for each in warnings:
        logger.warning("%s", each)


class Backend(Protocol):
    """What differs between services: credentials, auth header, token format."""

    #: The backend's name in messages, e.g. ``"OpenTok"``.
    name: str
    #: The id session ids embed and tokens name: the api key, or the application id.
    owner: str
    auth: RestAuth
    #: Seconds since the epoch; tokens and the REST JWT take their times from it.
    clock: Callable[[], float]

    def signer(self) -> TokenSigner:
        """The client-token signer, made once (it prepares the key once for every token)."""
        ...


class _OpenTokBackend:
    """OpenTok: an api key and an HS256 secret."""

    __slots__ = ("_secret", "_signer", "auth", "clock", "owner")
    name = "OpenTok"

    def __init__(self, api_key: str, secret: Secret[str], clock: Callable[[], float]) -> None:
        self.owner = api_key
        self._secret = secret
        self.clock = clock
        self._signer: TokenSigner | None = None
        self.auth: RestAuth = ProjectAuth(api_key, secret, clock=clock)

    def signer(self) -> TokenSigner:
        # Made on first use, not with the client: PyJWT is imported only when tokens are
        # made. Two threads racing here make two equal signers; either is fine.
        signer = self._signer
        if signer is None:
            from opentok_rules.tokens import OpenTokSigner

            signer = self._signer = OpenTokSigner(self.owner, self._secret)
        return signer


@attrs.frozen
class Session:
    """A created session. ``str(session)`` is its id; the options are those that were sent."""

    session_id: str
    spec: SessionSpec
    record: SessionRecord
    _client: ClientCore = attrs.field(repr=False, eq=False, alias="client")
    #: What the client's "warn" rules found in the options (they were sent all the same).
    warnings: tuple[Violation, ...] = ()

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

    def generate_token(self, **options: Unpack[TokenOptions]) -> str:
        """A client token for this session; see :meth:`OpenTok.generate_token`."""
        return self._client.generate_token(self.session_id, **options)

    def start_archive(self, **options: Unpack[ArchiveOptions]) -> Any:
        """Start recording this session: the client's ``start_archive(self.session_id,
        **options)``. An :class:`~opentok_rules.Archive`, awaited on the asyncio clients."""
        start: Any = getattr(self._client, "start_archive")  # noqa: B009 - every client has it
        return start(self.session_id, **options)


_SET_SESSION = slot_setters(Session)


def _session(
    session_id: str,
    prepared: PreparedSession,
    record: SessionRecord,
    client: ClientCore,
) -> Session:
    """``Session(...)`` for the clients' hot path (see :mod:`._frozen`)."""
    session: Session = object.__new__(Session)
    set_id, set_spec, set_record, set_client, set_warnings = _SET_SESSION
    set_id(session, session_id)
    set_spec(session, prepared.spec)
    set_record(session, record)
    set_client(session, client)
    set_warnings(session, prepared.warnings)
    return session


class ClientCore:
    """What every client shares: settings, the request it builds and how it reads answers."""

    #: How the backend's owner is called in the repr: ``api_key`` or ``application_id``.
    _owner_name = "owner"

    def __init__(
        self,
        backend: Backend,
        api_url: str,
        *,
        rules: RuleRegistry | None,
        token_rules: RuleRegistry | None,
        user_agent_suffix: str | None,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        self._backend = backend
        self.api_url = _checked_url(api_url)
        self._rules = rules
        self._token_rules = token_rules
        self._archive_rules = archive_rules
        self._create_url = self.api_url + "/session/create"
        # The archive endpoints of the project (OpenTok) or application (Vonage Video API):
        # the same paths on both services. The owner was checked to hold no control character.
        self._archive_url = (
            f"{self.api_url}/v2/project/{urllib.parse.quote(backend.owner, safe='')}/archive"
        )
        agent = _USER_AGENT
        if user_agent_suffix:
            agent += " " + _checked_header_text("user_agent_suffix", user_agent_suffix)
        self._headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": agent,
        }
        # The last spec sent and its request (see _create_request).
        self._last: tuple[SessionSpec | None, Request] = (None, _NO_REQUEST)
        # The archive calls: JSON bodies, and no Content-Type on a call without a body.
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        self._bodyless_headers = {
            name: value for name, value in self._headers.items() if name != "Content-Type"
        }

    def __repr__(self) -> str:
        # Safe on a half-made client too: an error reporter may show `self` from a
        # constructor that raised before every attribute was set.
        owner = getattr(getattr(self, "_backend", None), "owner", None)
        url = getattr(self, "api_url", None)
        return f"{type(self).__name__}({self._owner_name}={owner!r}, api_url={url!r})"

    def generate_token(self, session_id: str, **options: Unpack[TokenOptions]) -> str:
        """A token for a client to connect to ``session_id``.

        Options: ``role``, ``expire_time``, ``data``, ``initial_layout_class_list`` and
        ``token_type``, checked by the client's token rules (see :doc:`tokens`).
        """
        from opentok_rules.tokens import issue_token_outcome  # the token modules only once used

        backend = self._backend
        issued = issue_token_outcome(
            backend.signer(), session_id, rules=self._token_rules, clock=backend.clock, **options
        )
        if issued.warnings:
            _log_warnings(issued.warnings)
        return issued.value

    def _create_request(
        self, options: Mapping[str, Any] | SessionSpec | None, kwargs: SessionOptions
    ) -> tuple[Request, PreparedSession]:
        prepared = prepare_session_from(options, self._rules, kwargs)  # type: ignore[arg-type]
        spec = prepared.spec
        if prepared.warnings:
            _log_warnings(prepared.warnings)
        auth = self._backend.auth
        # Apps create sessions of one shape over and over, and the auth header is reused for
        # seconds: the request made last time is very likely the very same request. Its
        # headers are read-only, so every call may share it. Compared with no local holding
        # the token: an error reporter that records this frame's locals has nothing secret.
        last_spec, last = self._last
        if last_spec is spec and last.headers[auth.header_name] is auth.header_value():
            return last, prepared
        request = Request(
            "POST",
            self._create_url,
            MappingProxyType({**self._headers, auth.header_name: auth.header_value()}),
            _form_body(prepared),
        )
        self._last = (spec, request)
        return request, prepared

    def _session_from(self, response: Response, prepared: PreparedSession) -> Session:
        record = read_session_answer(response)
        return _session(record.session_id, prepared, record, self)

    # ---- archives: each call is a request and the reader of its answer (no I/O here) ----

    def _archive_request(self, method: str, path: str = "", body: Any = None) -> Request:
        auth = self._backend.auth
        headers = self._json_headers if body is not None else self._bodyless_headers
        return Request(
            method,
            self._archive_url + path,
            MappingProxyType({**headers, auth.header_name: auth.header_value()}),
            b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8"),
        )

    def _start_archive_call(
        self, session_id: str, kwargs: dict[str, Any]
    ) -> tuple[Request, Callable[[Response], Archive]]:
        from opentok_rules.http.archive_answers import read_archive
        from opentok_rules.operations.archive.prepare import archive_outcome

        outcome = archive_outcome(session_id, None, self._archive_rules, kwargs)
        if outcome.warnings:
            _log_warnings(outcome.warnings)
        request = self._archive_request("POST", "", outcome.value.to_body())
        return request, lambda response: read_archive(response, "start_archive")

    def _stop_archive_call(self, archive_id: str) -> tuple[Request, Callable[[Response], Archive]]:
        from opentok_rules.http.archive_answers import read_archive

        path = f"/{_archive_id(archive_id)}/stop"
        return self._archive_request("POST", path), lambda r: read_archive(r, "stop_archive")

    def _get_archive_call(self, archive_id: str) -> tuple[Request, Callable[[Response], Archive]]:
        from opentok_rules.http.archive_answers import read_archive

        path = f"/{_archive_id(archive_id)}"
        return self._archive_request("GET", path), lambda r: read_archive(r, "get_archive")

    def _list_archives_call(
        self, session_id: str | None, offset: int, count: int | None
    ) -> tuple[Request, Callable[[Response], ArchiveList]]:
        from opentok_rules.http.archive_answers import MAX_LISTED, read_archive_list

        query: dict[str, str] = {"offset": str(_whole("offset", offset, 0, 10**9))}
        if count is not None:
            query["count"] = str(_whole("count", count, 1, MAX_LISTED))
        if session_id is not None:
            query["sessionId"] = _session_id(session_id)
        path = "?" + urllib.parse.urlencode(query)
        return self._archive_request("GET", path), read_archive_list

    def _delete_archive_call(self, archive_id: str) -> tuple[Request, Callable[[Response], None]]:
        from opentok_rules.http.archive_answers import read_no_content

        path = f"/{_archive_id(archive_id)}"
        return self._archive_request("DELETE", path), lambda r: read_no_content(r, "delete_archive")

    def _layout_call(
        self,
        archive_id: str,
        layout_type: str,
        stylesheet: str | None,
        screenshare_type: str | None,
    ) -> tuple[Request, Callable[[Response], None]]:
        from opentok_rules.http.archive_answers import read_no_content
        from opentok_rules.operations.archive.prepare import prepare_layout

        path = f"/{_archive_id(archive_id)}/layout"
        layout = prepare_layout(layout_type, stylesheet, screenshare_type, self._archive_rules)
        request = self._archive_request("PUT", path, layout.to_body())
        return request, lambda r: read_no_content(r, "set_archive_layout")


class SyncClientBase(ClientCore):
    """A core that sends through a blocking :class:`~opentok_rules.http.transport.Transport`."""

    def __init__(
        self,
        backend: Backend,
        api_url: str,
        *,
        timeout: float | tuple[float, float] | None,
        deadline: float | None,
        rules: RuleRegistry | None,
        token_rules: RuleRegistry | None,
        transport: Transport | None,
        user_agent_suffix: str | None,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        super().__init__(
            backend,
            api_url,
            rules=rules,
            token_rules=token_rules,
            user_agent_suffix=user_agent_suffix,
            archive_rules=archive_rules,
        )
        check_transport_settings(transport, timeout, deadline)
        self._transport = (
            transport if transport is not None else _default_transport(timeout, deadline)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the transport's connections."""
        self._transport.close()

    def create_session(
        self,
        options: Mapping[str, Any] | SessionSpec | None = None,
        /,
        **kwargs: Unpack[SessionOptions],
    ) -> Session:
        """Create a session. Options are checked by the client's rules before any request.

        Takes a mapping, keywords, or a :class:`~opentok_rules.SessionSpec` (checked again).
        Raises :class:`~opentok_rules.ValidationError`, :class:`~opentok_rules.AuthenticationError`
        or :class:`~opentok_rules.RequestError`.
        """
        request, outcome = self._create_request(options, kwargs)
        return self._session_from(self._transport.handle_request(request), outcome)

    def start_archive(self, session_id: str, **options: Unpack[ArchiveOptions]) -> Archive:
        """Start recording ``session_id``; the options are checked by the client's archive
        rules (see :doc:`archives`) before any request.

        Raises :class:`~opentok_rules.ValidationError` (no request sent),
        :class:`~opentok_rules.NotFoundError` (no such session),
        :class:`~opentok_rules.ConflictError` (being recorded already, or a relayed session),
        :class:`~opentok_rules.AuthenticationError` or :class:`~opentok_rules.RequestError`.
        """
        request, read = self._start_archive_call(session_id, dict(options))
        return read(self._transport.handle_request(request))

    def stop_archive(self, archive_id: str) -> Archive:
        """Stop recording; the archive as the service says it is now.
        :class:`~opentok_rules.ConflictError` when it is not being recorded."""
        request, read = self._stop_archive_call(archive_id)
        return read(self._transport.handle_request(request))

    def get_archive(self, archive_id: str) -> Archive:
        """The archive ``archive_id``; :class:`~opentok_rules.NotFoundError` when there is none."""
        request, read = self._get_archive_call(archive_id)
        return read(self._transport.handle_request(request))

    def list_archives(
        self, session_id: str | None = None, offset: int = 0, count: int | None = None
    ) -> ArchiveList:
        """A page of the project's archives, newest first (of ``session_id`` only, if given):
        ``count`` of them (1 to 1000; the service's default is 50) from ``offset``."""
        request, read = self._list_archives_call(session_id, offset, count)
        return read(self._transport.handle_request(request))

    def delete_archive(self, archive_id: str) -> None:
        """Delete the archive and its recording. :class:`~opentok_rules.ConflictError` when
        its state does not allow it (still recording, say)."""
        request, read = self._delete_archive_call(archive_id)
        read(self._transport.handle_request(request))

    def set_archive_layout(
        self,
        archive_id: str,
        type: str,  # the REST API's and the official SDKs' name
        stylesheet: str | None = None,
        screenshare_type: str | None = None,
    ) -> None:
        """Change a composed archive's layout while it records; checked by the archive
        rules on the layout (a custom type needs a stylesheet, ...) before any request."""
        request, read = self._layout_call(archive_id, type, stylesheet, screenshare_type)
        read(self._transport.handle_request(request))


class OpenTokCredentials:
    """What the OpenTok clients (blocking and async) add to the core: the api key."""

    _owner_name = "api_key"
    _backend: Backend

    @property
    def api_key(self) -> str:
        """The project's api key."""
        return self._backend.owner

    @classmethod
    def from_env(cls, **settings: Any) -> Self:
        """A client for the credentials in ``OPENTOK_API_KEY``, ``OPENTOK_API_SECRET`` and
        (optionally) ``OPENTOK_API_URL``; ``settings`` are the constructor's keywords.

        :raises ~opentok_rules.ConfigurationError: naming a variable that is not set.
        """
        from opentok_rules._env import opentok_credentials

        api_key, secret, api_url = opentok_credentials()
        settings.setdefault("api_url", api_url or DEFAULT_API_URL)
        make: Any = cls  # a client class: its constructor takes the credentials first
        try:
            client: Self = make(api_key, secret.reveal(), **settings)
        except ConfigurationError as exc:
            names = "OPENTOK_API_KEY, OPENTOK_API_SECRET, OPENTOK_API_URL"
            raise from_environment(exc, names) from None
        return client


class OpenTok(OpenTokCredentials, SyncClientBase):
    """A client for one OpenTok project. Safe to share between threads.

    :param api_key: the project's api key (a number as a string, or an int).
    :param api_secret: the project's secret; it never appears in a message, repr or log.
    :param api_url: the service's base URL.
    :param timeout: seconds for the default transport, one number for both the connect and
        the read timeout, or a ``(connect, read)`` pair. Give it to your own transport instead.
    :param deadline: seconds for a whole ``create_session`` call on the default transport
        (connects, retries, redirects, every read); default 30.
    :param rules: the session rules (default :func:`~opentok_rules.default_rules`).
    :param token_rules: the token rules (default :func:`~opentok_rules.default_token_rules`).
    :param archive_rules: the archive rules (default
        :func:`~opentok_rules.default_archive_rules`).
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
        deadline: float | None = None,
        rules: RuleRegistry | None = None,
        token_rules: RuleRegistry | None = None,
        transport: Transport | None = None,
        user_agent_suffix: str | None = None,
        clock: Callable[[], float] = time.time,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        # Wrapped before anything can raise: an error reporter records this frame's locals.
        secret = Secret(api_secret)
        del api_secret
        super().__init__(
            opentok_backend(api_key, secret, clock),
            api_url,
            timeout=timeout,
            deadline=deadline,
            rules=rules,
            token_rules=token_rules,
            transport=transport,
            user_agent_suffix=user_agent_suffix,
            archive_rules=archive_rules,
        )


def opentok_backend(
    api_key: object, secret: Secret[Any], clock: Callable[[], float]
) -> _OpenTokBackend:
    """The OpenTok backend for these credentials, checked."""
    problem = _secret_problem(secret.reveal())
    if problem is not None:
        raise ConfigurationError(f"api_secret {problem}; find it in your project's settings")
    if not callable(clock):
        raise ConfigurationError("clock must be callable, like time.time")
    return _OpenTokBackend(_checked_api_key(api_key), secret, clock)


#: Encoded form bodies by spec: apps create sessions of a handful of shapes over and over, and
#: a spec is frozen and hashable, so its body is encoded once per shape. Emptied when full.
_BODIES: dict[SessionSpec, bytes] = {}
_BODIES_SIZE = 256


def _form_body(prepared: PreparedSession) -> bytes:
    spec = prepared.spec
    body = _BODIES.get(spec)
    if body is None:
        body = urllib.parse.urlencode(prepared.params).encode("ascii")
        if len(_BODIES) >= _BODIES_SIZE:
            _BODIES.clear()  # threads racing here at worst encode a body again
        _BODIES[spec] = body
    return body


#: Archive ids are UUIDs; any id is held to URL-safe characters, so it cannot change the path.
_ARCHIVE_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _archive_id(value: object) -> str:
    """``value`` as an archive id that is safe in a URL path, or a ValidationError."""
    if (
        isinstance(value, str)
        and 0 < len(value) <= 255
        and _ARCHIVE_ID_CHARS.issuperset(value)
        and value not in (".", "..")
    ):
        return str.__str__(value)
    message = (
        f"archive_id must be the id the service gave the archive (letters, digits, '-', '_' "
        f"or '.', at most 255), such as archive.id; got {shown(value)}"
    )
    raise ValidationError([Violation("archive-id", "archive_id", message)])


def _session_id(value: object) -> str:
    if isinstance(value, str) and 0 < len(value) <= 255 and value.isascii() and value.isprintable():
        return str.__str__(value)
    message = f"session_id must be a session's id such as session.session_id; got {shown(value)}"
    raise ValidationError([Violation("archive-session-id", "session_id", message)])


def _whole(name: str, value: object, least: int, most: int | None) -> int:
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= least
        and (most is None or value <= most)
    ):
        return int(value)
    within = f"from {least} to {most}" if most is not None else f"{least} or more"
    message = f"{name} must be a whole number {within}; got {shown(value)}"
    raise ValidationError([Violation(f"archive-list-{name}", name, message)])


def _secret_problem(value: object) -> str | None:
    # Returns rather than raises, so the frame holding the plain value is gone before the
    # exception is made.
    if not isinstance(value, str):
        return f"must be a str (got {_kind(value)})"
    if not value.strip():
        return "must be a non-empty string"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "must not contain control characters such as CR or LF"
    return None


def _checked_api_key(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = int.__repr__(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(
            f"api_key must be a non-empty string (got {_kind(value)}); find it in your "
            "project's settings"
        )
    return _checked_header_text("api_key", str.__str__(value))


def _checked_header_text(name: str, value: str) -> str:
    if not isinstance(value, str) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        # It goes into a header (as a claim, or as is); a CR or LF there is an injection.
        raise ConfigurationError(
            f"{name} must be a str without control characters such as CR or LF"
        )
    return str.__str__(value)


def _checked_url(url: object) -> str:
    if not isinstance(url, str):
        raise ConfigurationError(
            f"api_url must be a string such as {DEFAULT_API_URL!r} (got {_kind(url)})"
        )
    url = str.__str__(url).strip()
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url) or "\\" in url:
        raise ConfigurationError(
            "api_url must not contain spaces, backslashes or control characters"
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"api_url must be an http(s) URL such as {DEFAULT_API_URL!r}")
    if parts.username or parts.password or "@" in parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError("api_url must not carry credentials, a query or a fragment")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigurationError(
            f"api_url has an invalid port; use a number from 1 to 65535, as in "
            f"{DEFAULT_API_URL + ':443'!r}"
        ) from None
    return url.rstrip("/")


def check_transport_settings(transport: object, timeout: object, deadline: object) -> None:
    if transport is not None and (timeout is not None or deadline is not None):
        raise ConfigurationError(
            "timeout and deadline configure the default transport; set them on yours instead"
        )


def _default_transport(
    timeout: float | tuple[float, float] | None, deadline: float | None
) -> Transport:
    from opentok_rules.http.urllib3_transport import Urllib3Transport

    connect, read = timeouts_pair(timeout)
    transport: Transport = Urllib3Transport(
        connect_timeout=connect,
        read_timeout=read,
        deadline=DEFAULT_DEADLINE if deadline is None else seconds_of("deadline", deadline),
    )
    return transport


def timeouts_pair(timeout: object) -> tuple[float, float]:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if not isinstance(timeout, tuple):
        seconds = seconds_of("timeout", timeout)
        return seconds, seconds
    if len(timeout) != 2:
        raise ConfigurationError(
            f"timeout must be one number or a (connect, read) pair, not {shown(timeout)}"
        )
    return seconds_of("timeout[0]", timeout[0]), seconds_of("timeout[1]", timeout[1])


def seconds_of(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(
            f"{name} must be a number of seconds, not {shown(value)}; such as 10 or 2.5"
        )
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float is no finite number of seconds
        seconds = math.inf
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError(f"{name} must be a finite number of seconds > 0, not {seconds}")
    return seconds


def from_environment(exc: ConfigurationError, names: str) -> ConfigurationError:
    """``exc`` saying that its value came from the environment (``from_env``)."""
    return ConfigurationError(f"{exc} (read from the environment: {names})")


def _kind(value: object) -> str:
    """What was given, for a message: its type ("a NoneType"), or "an empty str"."""
    if isinstance(value, str) and not value.strip():
        return "an empty str" if not value else "a blank str"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
