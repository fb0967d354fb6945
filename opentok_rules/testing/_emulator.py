"""A local HTTP server that answers ``POST /session/create`` the way the OpenTok service does."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import attrs

from opentok_rules.session_ids import make_session_id
from opentok_rules.testing._auth import token_problem
from opentok_rules.testing._params import FormError, create_params_problem, parse_form

__all__ = [
    "CREATE_SESSION_PATH",
    "MAX_BODY_BYTES",
    "EmulatedRequest",
    "EmulatedSession",
    "Emulator",
]

logger = logging.getLogger("opentok_rules.testing")

#: The one resource the emulator serves.
CREATE_SESSION_PATH = "/session/create"
#: Larger request bodies are refused with 413 before being read.
MAX_BODY_BYTES = 1024 * 1024
# The service's secrets are 40 hex digits; PyJWT warns about HMAC keys below 32 bytes.
_MIN_SECRET_BYTES = 32
_REDACTED_HEADERS = frozenset({"x-opentok-auth", "authorization", "proxy-authorization"})
# English names whatever the process locale, as the service writes them.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


@attrs.frozen
class EmulatedSession:
    """A session the emulator created: its id, the form fields it was created with, and when."""

    session_id: str
    params: dict[str, str]
    created_at: float


@attrs.frozen(repr=False)
class EmulatedRequest:
    """One request the emulator answered; credential headers are stored as ``"<redacted>"``.

    ``client_port`` is the client's source port: requests sharing it came over one connection.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    client_port: int

    def __repr__(self) -> str:
        return (
            f"EmulatedRequest(method={self.method!r}, path={self.path!r}, "
            f"status={self.status!r}, body=<{len(self.body)} bytes>)"
        )


@attrs.frozen
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)
    close: bool = False


class _State:
    """What the request threads share: the credentials and the thread-safe records."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.lock = threading.Lock()
        self.sessions: list[EmulatedSession] = []
        self.requests: list[EmulatedRequest] = []
        self._issued: set[str] = set()

    def new_session(self, params: dict[str, str]) -> EmulatedSession:
        created_at = time.time()
        location = params.get("location", "")
        with self.lock:
            session_id = make_session_id(self.api_key, location=location, created=created_at)
            while session_id in self._issued:
                session_id = make_session_id(self.api_key, location=location, created=created_at)
            self._issued.add(session_id)
            session = EmulatedSession(session_id, dict(params), created_at)
            self.sessions.append(session)
        return session

    def record(self, request: EmulatedRequest) -> None:
        with self.lock:
            self.requests.append(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall for seconds
        # on machines with slow or no DNS; the emulator never needs that name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr, mostly for clients that hung up early.
        logger.debug("emulator connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections, so a stopped emulator answers nobody."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # OSError: the client has closed it already.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with an exact Content-Length on every answer keeps connections reusable,
    # as a pooled client expects from the real service.
    protocol_version = "HTTP/1.1"
    server_version = "OpenTokEmulator/1.0"
    sys_version = ""
    # Headers and body go out in two writes; with Nagle's algorithm on, the body then waits
    # for the client's delayed ACK, some 40 ms per request.
    disable_nagle_algorithm = True
    # Lets a thread whose client vanished without closing its connection end eventually.
    timeout = 30

    @property
    def _state(self) -> _State:
        return cast(_Server, self.server).state

    def _dispatch(self) -> None:
        self._body = b""
        try:
            reply = self._reply()
        except Exception:
            logger.exception("emulator failed answering %s %s", self.command, self.path)
            reply = _error(500, "internal emulator error", close=True)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _reply(self) -> _Reply:
        path = urlsplit(self.path).path
        routing = None
        if path != CREATE_SESSION_PATH:
            routing = _error(404, f"no resource at {path}")
        elif self.command != "POST":
            message = f"{self.command} is not allowed on {path}; use POST"
            routing = _error(405, message, headers={"Allow": "POST"})
        body = self._read_body()
        if isinstance(body, _Reply):
            # The rest of an unread body would be taken for the next request.
            return body if routing is None else attrs.evolve(routing, close=True)
        self._body = body
        return routing if routing is not None else self._create_session(body)

    def _read_body(self) -> bytes | _Reply:
        if "Transfer-Encoding" in self.headers:
            return _error(411, "send the body with a Content-Length, not chunked", close=True)
        declared = self.headers.get("Content-Length", "0").strip()
        if not (declared.isascii() and declared.isdigit()):
            return _error(400, "Content-Length is not a number", close=True)
        length = int(declared)
        if length > MAX_BODY_BYTES:
            return _error(413, f"request body is over {MAX_BODY_BYTES} bytes", close=True)
        body = self.rfile.read(length)
        if len(body) < length:
            return _error(400, "request body is shorter than its Content-Length", close=True)
        return body

    def _create_session(self, body: bytes) -> _Reply:
        state = self._state
        problem = token_problem(
            self.headers.get("X-OPENTOK-AUTH"), api_key=state.api_key, api_secret=state.api_secret
        )
        if problem is not None:
            return _error(403, problem)
        content_type = self.headers.get("Content-Type", "application/x-www-form-urlencoded")
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return _error(415, "Content-Type must be application/x-www-form-urlencoded")
        try:
            params = parse_form(body)
        except FormError as error:
            return _error(400, str(error))
        problem = create_params_problem(params)
        if problem is not None:
            return _error(400, problem)
        session = state.new_session(params)
        if "application/json" in self.headers.get("Accept", "").lower():
            return _json_created(session, state.api_key)
        return _xml_created(session, state.api_key)

    def _send(self, reply: _Reply) -> None:
        # Recorded first, so a client that has its answer always finds its request recorded.
        self._record(reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _record(self, status: int) -> None:
        headers = {
            name: "<redacted>" if name.lower() in _REDACTED_HEADERS else value
            for name, value in self.headers.items()
        }
        path = urlsplit(self.path).path
        request = EmulatedRequest(
            self.command, path, headers, self._body, status, self.client_address[1]
        )
        self._state.record(request)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only: never headers, which carry the token.
        logger.debug("%s %s", self.address_string(), format % args)


def _error(
    status: int, message: str, *, close: bool = False, headers: Mapping[str, str] | None = None
) -> _Reply:
    body = json.dumps({"code": status, "message": message}).encode("utf-8")
    return _Reply(status, body, headers=dict(headers or {}), close=close)


def _service_date(stamp: float) -> str:
    """``stamp`` the way the service writes ``create_dt``: ``Fri Nov 27 22:20:38 GMT 2026``."""
    t = time.gmtime(stamp)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {clock} GMT {t.tm_year}"


def _json_created(session: EmulatedSession, api_key: str) -> _Reply:
    answer = [
        {
            "session_id": session.session_id,
            "project_id": api_key,
            "partner_id": api_key,
            "create_dt": _service_date(session.created_at),
            "media_server_url": "",
        }
    ]
    return _Reply(200, json.dumps(answer).encode("utf-8"))


def _xml_created(session: EmulatedSession, api_key: str) -> _Reply:
    body = (
        f"{_XML_DECLARATION}<sessions><Session>"
        f"<session_id>{escape(session.session_id)}</session_id>"
        f"<partner_id>{escape(api_key)}</partner_id>"
        f"<create_dt>{escape(_service_date(session.created_at))}</create_dt>"
        "</Session></sessions>"
    )
    return _Reply(200, body.encode("utf-8"), content_type="text/xml")


class Emulator:
    """A stand-in for the OpenTok session service on a local port, for offline tests and demos.

    It checks the ``X-OPENTOK-AUTH`` token and the create-session form the way the service
    does, and answers with real-format session ids. ::

        with Emulator() as emulator:
            # point a client at emulator.url with emulator.api_key / emulator.api_secret
            ...
        assert emulator.sessions[0].params["p2p.preference"] == "disabled"

    :param api_key: the project's api key; a fresh 8-digit one if not given.
    :param api_secret: the project's secret, at least 32 bytes as the service's 40 hex
        digits are; a fresh one if not given.
    :param host: the IPv4 address to listen on.
    :param port: the port to listen on; ``0`` picks a free one.
    :raises ValueError: if ``api_key`` is empty or contains ``~`` (it goes into session ids),
        or ``api_secret`` is shorter than 32 bytes.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        api_key = str(10_000_000 + secrets.randbelow(90_000_000)) if api_key is None else api_key
        api_secret = secrets.token_hex(20) if api_secret is None else api_secret
        if not api_key or "~" in api_key:
            raise ValueError("api_key must be non-empty and must not contain '~'")
        if len(api_secret.encode("utf-8")) < _MIN_SECRET_BYTES:
            raise ValueError(f"api_secret must be at least {_MIN_SECRET_BYTES} bytes long")
        self._state = _State(api_key, api_secret)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def api_key(self) -> str:
        """The project's api key: tokens must carry it as ``iss``; ids and answers carry it."""
        return self._state.api_key

    @property
    def api_secret(self) -> str:
        """The project's secret, which tokens must be signed with (HS256)."""
        return self._state.api_secret

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:54321``.

        :raises RuntimeError: if the emulator is not running.
        """
        server = self._server
        if server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def running(self) -> bool:
        """Whether the emulator is accepting requests."""
        return self._server is not None

    @property
    def sessions(self) -> list[EmulatedSession]:
        """A snapshot of the sessions created so far, oldest first."""
        with self._state.lock:
            return list(self._state.sessions)

    @property
    def requests(self) -> list[EmulatedRequest]:
        """A snapshot of the requests answered so far, oldest first, whatever their status."""
        with self._state.lock:
            return list(self._state.requests)

    def start(self) -> Emulator:
        """Listen and serve in a daemon thread; does nothing if already running."""
        with self._lock:
            if self._server is None:
                server = _Server(self._address, self._state)
                # A short poll interval keeps stop() quick: shutdown waits for the next poll.
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.02},
                    name=f"opentok-emulator-{server.server_port}",
                    daemon=True,
                )
                thread.start()
                self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and open connections; idempotent.

        A later :meth:`start` listens again, on a new port if ``port`` was ``0``.
        """
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"Emulator(api_key={self.api_key!r}, url={where!r})"
