"""A local HTTP server that answers ``POST /session/create`` and the archive resources
(``/v2/project/{project}/archive...``) the way the OpenTok service does."""

from __future__ import annotations

import array
import collections
import contextlib
import io
import json
import logging
import math
import os
import re
import secrets
import select
import selectors
import socket
import socketserver
import ssl
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

import attrs

from opentok_rules.session_ids import make_session_id
from opentok_rules.testing._archives import (
    ARCHIVE_PATH,
    DEFAULT_LIST_COUNT,
    ArchiveRefusal,
    ArchiveStore,
    EmulatedArchive,
)
from opentok_rules.testing._auth import (
    bearer_problem,
    client_token_problem,
    make_rsa_key_pair,
    token_problem,
    vonage_client_token_problem,
)
from opentok_rules.testing._console import MAX_CONSOLE_BODY_BYTES, Console, SessionLog
from opentok_rules.testing._params import (
    ARCHIVE_RESOLUTIONS,
    FormError,
    create_params_problem,
    parse_form,
)

if TYPE_CHECKING:
    from opentok_rules.engine.registry import RuleRegistry

__all__ = [
    "CREATE_SESSION_PATH",
    "DEFAULT_HISTORY",
    "DEFAULT_MAX_THREADS",
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_BODY_BYTES",
    "EmulatedArchive",
    "EmulatedRequest",
    "EmulatedSession",
    "Emulator",
]

logger = logging.getLogger("opentok_rules.testing")

#: The one resource the emulator serves.
CREATE_SESSION_PATH = "/session/create"
#: Larger request bodies are refused with 413 before being read.
MAX_BODY_BYTES = 1024 * 1024
#: How many answered requests ``Emulator.requests`` (and the console) keep by default.
DEFAULT_HISTORY = 1000
# The history also drops its oldest requests while their headers and bodies together pass
# this: a thousand requests of 1 MiB bodies would otherwise keep a gigabyte.
_HISTORY_BYTES = 64 * 1024 * 1024
# How many distinct forms are shared between the sessions created with them; sessions with
# forms beyond these keep their own copy.
_SHARED_FORMS = 4096
# The service's secrets are 40 hex digits; PyJWT warns about HMAC keys below 32 bytes.
_MIN_SECRET_BYTES = 32
#: How many requests are answered at once (worker threads); idle connections hold none.
DEFAULT_MAX_THREADS = 64
#: Seconds a connection has to deliver a whole request (or stay idle between requests).
DEFAULT_REQUEST_TIMEOUT = 5.0
# How often the server's waiting loop checks for overdue connections.
_POLL_SECONDS = 0.05
# At most this many connections are open at once, idle ones included (each costs a file
# descriptor, not a thread); further clients wait in the listen backlog until one ends.
_MAX_OPEN_CONNECTIONS = 512
# How long a worker that has just answered a keep-alive connection waits for its next request
# (when no other connection needs the worker) before giving it back to the waiting loop.
_LINGER_SECONDS = 0.01
# What the waiting loop's selector holds besides connections.
_LISTENER = "listener"
_WAKE = "wake"
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
    #: The reason given in an error answer, for the console's Sessions panel.
    message: str | None = None


#: What a request made for the other backend is told: which emulator it wants.
_WRONG_BACKEND = {
    "opentok": (
        "; a Vonage Video API client sends Authorization: Bearer: start the emulator with "
        "--vonage (Emulator(backend='vonage'))"
    ),
    "vonage": (
        "; an OpenTok client sends X-OPENTOK-AUTH: start the emulator without --vonage (Emulator())"
    ),
}


def _is_bearer(authorization: str | None) -> bool:
    """Whether an Authorization header says Bearer and holds something."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


class _OpenTokAuth:
    """An OpenTok project: an api key, and a secret that signs ``X-OPENTOK-AUTH`` tokens."""

    name = "opentok"

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.project_id = api_key
        self.api_secret = api_secret

    def problem(self, headers: Message) -> tuple[int, str] | None:
        token = headers.get("X-OPENTOK-AUTH")
        problem = token_problem(token, api_key=self.project_id, api_secret=self.api_secret)
        if problem is None:
            return None
        if not token and _is_bearer(headers.get("Authorization")):
            problem += _WRONG_BACKEND["opentok"]
        return 403, problem

    def client_token_problem(self, token: str, token_format: str) -> str | None:
        return client_token_problem(
            token, token_format, api_key=self.project_id, api_secret=self.api_secret
        )


class _VonageAuth:
    """A Vonage application: an id, and an RSA key pair whose private half signs bearer JWTs."""

    name = "vonage"

    def __init__(self) -> None:
        self.project_id = str(uuid.uuid4())
        self.private_key, self._public_key = make_rsa_key_pair()

    def problem(self, headers: Message) -> tuple[int, str] | None:
        authorization = headers.get("Authorization")
        found = bearer_problem(
            authorization, application_id=self.project_id, public_key=self._public_key
        )
        if found is not None and not _is_bearer(authorization) and headers.get("X-OPENTOK-AUTH"):
            status, problem = found
            return status, problem + _WRONG_BACKEND["vonage"]
        return found

    def client_token_problem(self, token: str, token_format: str) -> str | None:
        return vonage_client_token_problem(
            token, token_format, application_id=self.project_id, public_key=self._public_key
        )


class _State:
    """What the request threads share: the credentials and the thread-safe records.

    Sessions are all kept, compactly: a session costs its id, its creation time (8 bytes in
    an array) and its form as a tuple of strings (shared by every session created with the
    same form); :class:`EmulatedSession` objects are made when asked for. Requests are kept
    as a bounded history: the last ``history`` of them, fewer if their headers and bodies
    together pass :data:`_HISTORY_BYTES`; ``requests_seen`` counts them all.
    """

    def __init__(
        self,
        auth: _OpenTokAuth | _VonageAuth,
        log: SessionLog,
        console: Console,
        archives: ArchiveStore,
        *,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        self.auth = auth
        self.lock = threading.Lock()
        self.archives = archives
        self.log = log
        self.console = console
        self.history = history
        self.requests_seen = 0
        self._requests: collections.deque[tuple[EmulatedRequest, int]] = collections.deque()
        self._request_bytes = 0
        # Session columns: the id (and its row, to find it), the time, the form.
        self._session_rows: dict[str, int] = {}
        self._session_ids: list[str] = []
        self._session_times = array.array("d")
        self._session_forms: list[tuple[str, ...]] = []
        self._shared_forms: dict[tuple[str, ...], tuple[str, ...]] = {}

    def new_session(self, params: dict[str, str]) -> EmulatedSession:
        created_at = time.time()
        location = params.get("location", "")
        project_id = self.auth.project_id
        form = tuple(sys.intern(text) for pair in params.items() for text in pair)
        with self.lock:
            session_id = make_session_id(project_id, location=location, created=created_at)
            while session_id in self._session_rows:
                session_id = make_session_id(project_id, location=location, created=created_at)
            self._session_rows[session_id] = len(self._session_ids)
            self._session_ids.append(session_id)
            self._session_times.append(created_at)
            shared = self._shared_forms.get(form)
            if shared is None and len(self._shared_forms) < _SHARED_FORMS:
                self._shared_forms[form] = shared = form
            self._session_forms.append(form if shared is None else shared)
        return EmulatedSession(session_id, dict(params), created_at)

    @property
    def sessions(self) -> list[EmulatedSession]:
        """Every session created so far, oldest first (new objects on each call)."""
        with self.lock:
            rows = list(
                zip(self._session_ids, self._session_forms, self._session_times, strict=True)
            )
        return [_session(*row) for row in rows]

    @property
    def requests(self) -> list[EmulatedRequest]:
        """The requests in the history, oldest first."""
        with self.lock:
            return [request for request, _ in self._requests]

    @property
    def requests_dropped(self) -> int:
        """How many answered requests have left the history."""
        with self.lock:
            return self.requests_seen - len(self._requests)

    def record(self, request: EmulatedRequest) -> None:
        size = len(request.body) + sum(len(k) + len(v) for k, v in request.headers.items())
        with self.lock:
            self.requests_seen += 1
            self._requests.append((request, size))
            self._request_bytes += size
            while len(self._requests) > self.history or (
                self._request_bytes > _HISTORY_BYTES and len(self._requests) > 1
            ):
                _, dropped_size = self._requests.popleft()
                self._request_bytes -= dropped_size

    def find_session(self, session_id: str) -> EmulatedSession | None:
        """The session this emulator created with ``session_id``, or ``None``."""
        with self.lock:
            row = self._session_rows.get(session_id)
            if row is None:
                return None
            form, created_at = self._session_forms[row], self._session_times[row]
        return _session(session_id, form, created_at)

    def archive_answer(self, archive: EmulatedArchive) -> dict[str, Any]:
        """``archive`` in the service's JSON shape for this emulator's backend."""
        return archive.answer(backend=self.auth.name, project_id=self.auth.project_id)


def _session(session_id: str, form: tuple[str, ...], created_at: float) -> EmulatedSession:
    params = dict(zip(form[::2], form[1::2], strict=True))
    return EmulatedSession(session_id, params, created_at)


class _Workers:
    """At most ``limit`` threads answering connections that have a request ready.

    Threads start as they are needed and wait for more work once started, so a burst costs a
    thread start per thread, not per request. Connections beyond what the threads can take
    wait here, in order.
    """

    def __init__(self, limit: int, serve: Callable[[socket.socket, Any], None]) -> None:
        self._limit = limit
        self._serve = serve
        self._ready: collections.deque[tuple[socket.socket, Any]] = collections.deque()
        self._changed = threading.Condition(threading.Lock())
        self._threads = 0
        self._waiting = 0
        self._stopping = False

    def submit(self, connection: socket.socket, address: Any) -> None:
        """Have ``connection`` answered by the next free thread (a new one if none is free)."""
        with self._changed:
            self._ready.append((connection, address))
            if self._waiting >= len(self._ready):
                self._changed.notify()
                return
            if self._threads >= self._limit:
                return  # every thread is busy: the first to finish takes it
            self._threads += 1
            number = self._threads
        thread = threading.Thread(target=self._work, name=f"opentok-emulator-worker-{number}")
        thread.daemon = True
        try:
            thread.start()
        except RuntimeError:
            # The system has no thread to give: the threads there are take the work in turn.
            with self._changed:
                self._threads -= 1
            logger.warning("the emulator could not start a thread", exc_info=True)

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._ready and not self._stopping:
                    self._waiting += 1
                    self._changed.wait()
                    self._waiting -= 1
                if self._stopping:
                    self._threads -= 1
                    return
                connection, address = self._ready.popleft()
            self._serve(connection, address)

    def has_waiting(self) -> bool:
        """Whether a connection with a request is waiting for a thread."""
        return bool(self._ready)

    def stop(self) -> list[tuple[socket.socket, Any]]:
        """Let the threads end once their current request is answered; the connections that
        were still waiting for one are returned, for the caller to close."""
        with self._changed:
            self._stopping = True
            waiting = list(self._ready)
            self._ready.clear()
            self._changed.notify_all()
        return waiting


def _readable_within(connection: socket.socket, seconds: float) -> bool:
    """Whether ``connection`` has something to read (or has closed) within ``seconds``."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(connection, select.POLLIN)
        return bool(poller.poll(seconds * 1000))
    # Windows: no poll(), and select() takes any socket there.
    readable, _, _ = select.select([connection], [], [], seconds)
    return bool(readable)


class _Server(HTTPServer):
    """An HTTP server that takes bursts and cannot be starved by slow or idle clients.

    One thread (:meth:`serve_forever`) accepts connections and waits, with ``selectors``, for
    any of them to have a request; only then does a worker thread (at most ``max_threads``)
    take the connection, answer what it has sent, and hand it back. So an idle keep-alive
    connection holds no thread, however many there are. Each connection must deliver a whole
    request within ``request_timeout`` seconds of being ready for it (after it was accepted,
    after its last answer, or once a worker has taken it), or it is cut: clients that send
    nothing, idle too long between requests or drip bytes cost a few seconds at most.
    """

    # socketserver's default backlog of 5 makes the kernel reset clients of a burst (4 to 15 of
    # 200 seen); the kernel caps this at net.core.somaxconn.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        state: _State,
        *,
        max_threads: int = DEFAULT_MAX_THREADS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.state = state
        self.request_timeout = request_timeout
        self.tls = tls
        self._stopping = threading.Event()
        self._loop_ended = threading.Event()
        # Every open connection, with the monotonic time by which its current request must
        # have arrived (infinity while it waits for a worker or is being answered).
        self._deadlines: dict[socket.socket, float] = {}
        self._connections_lock = threading.Lock()
        # Connections a worker has answered and given back, for the loop to wait on again.
        self._given_back: collections.deque[tuple[socket.socket, Any]] = collections.deque()
        self._wake_pending = False
        self._workers = _Workers(max_threads, self._serve_connection)
        super().__init__(address, _Handler)
        try:
            # Workers wake the waiting loop through this pair when they give a connection back.
            self._wake_reader, self._wake_writer = socket.socketpair()
        except OSError:
            self.server_close()
            raise
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall for seconds
        # on machines with slow or no DNS; the emulator never needs that name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self.tls is None:
            return connection, address
        # The handshake is left to a worker (see _Handler.setup): done here, one silent
        # client would stall every accept.
        wrapped = self.tls.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return wrapped, address

    # --- The waiting loop: accepts, and hands ready connections to the workers --------------

    def serve_forever(self, poll_interval: float = _POLL_SECONDS) -> None:
        """Accept connections and hand each to a worker when it has data, until shutdown()."""
        selector = selectors.DefaultSelector()
        # Connections waiting for their next request, with their client's address.
        idle: dict[socket.socket, Any] = {}
        self.socket.setblocking(False)
        selector.register(self._wake_reader, selectors.EVENT_READ, _WAKE)
        accepting = False
        next_check = 0.0
        try:
            while not self._stopping.is_set():
                # Past the cap, new clients wait in the listen backlog until some connection
                # ends (an idle one does within request_timeout).
                room = len(self._deadlines) < _MAX_OPEN_CONNECTIONS
                if room != accepting:
                    if room:
                        selector.register(self.socket, selectors.EVENT_READ, _LISTENER)
                    else:
                        selector.unregister(self.socket)
                    accepting = room
                for key, _ in selector.select(poll_interval):
                    if key.data is _LISTENER:
                        self._accept(selector, idle)
                    elif key.data is _WAKE:
                        with self._connections_lock:
                            self._wake_pending = False  # before _take_back below empties it
                        with contextlib.suppress(OSError):
                            self._wake_reader.recv(4096)
                    else:
                        connection = cast(socket.socket, key.fileobj)
                        selector.unregister(connection)
                        self._hand_over(connection, idle.pop(connection))
                self._take_back(selector, idle)
                now = time.monotonic()
                if now >= next_check:
                    self._cut_overdue(selector, idle, now)
                    next_check = now + _POLL_SECONDS
        finally:
            with self._connections_lock:
                given_back = list(self._given_back)
                self._given_back.clear()
            for connection in [*idle, *(pair[0] for pair in given_back)]:
                self.shutdown_request(connection)
            selector.close()
            self._loop_ended.set()

    def _accept(self, selector: selectors.BaseSelector, idle: dict[socket.socket, Any]) -> None:
        while len(self._deadlines) < _MAX_OPEN_CONNECTIONS:
            try:
                connection, address = self.get_request()
            except (BlockingIOError, InterruptedError):
                return  # no more clients waiting
            except OSError:
                # Out of file descriptors, a client that reset before being accepted, ...
                logger.debug("the emulator could not accept a connection", exc_info=True)
                return
            with self._connections_lock:
                self._deadlines[connection] = time.monotonic() + self.request_timeout
            selector.register(connection, selectors.EVENT_READ)
            idle[connection] = address

    def _hand_over(self, connection: socket.socket, address: Any) -> None:
        with self._connections_lock:
            if connection in self._deadlines:
                # Waiting for a worker is the emulator's delay, not the client's.
                self._deadlines[connection] = math.inf
        self._workers.submit(connection, address)

    def _take_back(self, selector: selectors.BaseSelector, idle: dict[socket.socket, Any]) -> None:
        while self._given_back:
            connection, address = self._given_back.popleft()
            try:
                selector.register(connection, selectors.EVENT_READ)
            except (OSError, ValueError):
                self.shutdown_request(connection)  # closed meanwhile (cut, or stop())
                continue
            idle[connection] = address

    def _cut_overdue(
        self, selector: selectors.BaseSelector, idle: dict[socket.socket, Any], now: float
    ) -> None:
        with self._connections_lock:
            overdue = [conn for conn, deadline in self._deadlines.items() if deadline < now]
            for connection in overdue:
                self._deadlines[connection] = math.inf  # cut once
        for connection in overdue:
            if connection in idle:
                # Nobody is reading it: closed here.
                selector.unregister(connection)
                del idle[connection]
                self.shutdown_request(connection)
            else:
                # A worker is reading it: its blocked read then sees end of file and it ends.
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    # --- The workers ------------------------------------------------------------------------

    def _serve_connection(self, connection: socket.socket, address: Any) -> None:
        """Answer what ``connection`` has sent; then close it or give it back to the loop.

        A keep-alive client usually sends its next request as soon as it has read the answer:
        while no other connection waits for a worker, the worker waits for that a moment
        (:data:`_LINGER_SECONDS`) before giving the connection back, which spares two thread
        switches per request. It never waits when another connection needs the thread.
        """
        while True:
            self.expect_request(connection)
            try:
                handler = _Handler(connection, address, self)
            except Exception:
                self.handle_error(connection, address)
                self.shutdown_request(connection)
                return
            if handler.close_connection:
                self.shutdown_request(connection)
                return
            if (
                self._stopping.is_set()
                or self._workers.has_waiting()
                or not _readable_within(connection, _LINGER_SECONDS)
            ):
                break
        self.give_back(connection, address)

    def give_back(self, connection: socket.socket, address: Any) -> None:
        """Wait for ``connection``'s next request without holding a thread."""
        with self._connections_lock:
            keep = not self._stopping.is_set() and connection in self._deadlines
            wake = keep and not self._wake_pending
            if keep:
                self._deadlines[connection] = time.monotonic() + self.request_timeout
                self._given_back.append((connection, address))
                self._wake_pending = True  # one wake-up takes back all given back until then
        if not keep:
            self.shutdown_request(connection)
        elif wake:
            with contextlib.suppress(OSError):  # BlockingIOError: the pair is full of wake-ups
                self._wake_writer.send(b"\0")

    def expect_request(self, connection: socket.socket) -> None:
        """Start the clock: the next request on ``connection`` must arrive in time."""
        with self._connections_lock:
            if connection in self._deadlines:
                self._deadlines[connection] = time.monotonic() + self.request_timeout

    def answering(self, connection: socket.socket) -> None:
        """The request has arrived; answering it is the emulator's own (quick) work."""
        with self._connections_lock:
            if connection in self._deadlines:
                self._deadlines[connection] = math.inf

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._deadlines.pop(request, None)
        super().shutdown_request(request)

    def shutdown(self) -> None:
        """Stop the loop (idle connections are closed with it) and let the workers end."""
        with self._connections_lock:
            self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        self._loop_ended.wait()
        for connection, _ in self._workers.stop():
            self.shutdown_request(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr, mostly for clients that hung up early.
        logger.debug("emulator connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Cut the connections still being answered, so a stopped emulator answers nobody."""
        with self._connections_lock:
            connections = list(self._deadlines)
        for connection in connections:
            # OSError: the client has closed it already.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def server_close(self) -> None:
        super().server_close()
        for end in (getattr(self, "_wake_reader", None), getattr(self, "_wake_writer", None)):
            if end is not None:
                end.close()


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with an exact Content-Length on every answer keeps connections reusable,
    # as a pooled client expects from the real service.
    protocol_version = "HTTP/1.1"
    server_version = "OpenTokEmulator/1.0"
    sys_version = ""
    # Headers and body go out in two writes; with Nagle's algorithm on, the body then waits
    # for the client's delayed ACK, some 40 ms per request.
    disable_nagle_algorithm = True

    @property
    def _server(self) -> _Server:
        return cast(_Server, self.server)

    @property
    def _state(self) -> _State:
        return self._server.state

    def setup(self) -> None:
        # A bound on every single read and write, beside the server's per-request deadline,
        # so a thread never waits on a silent client for longer than a request may take.
        super().setup()
        self.connection.settimeout(self._server.request_timeout)
        self._just_shook_hands = False
        if isinstance(self.connection, ssl.SSLSocket) and self.connection.version() is None:
            # Within the request deadline, like the request itself; a client that speaks
            # plain HTTP to the TLS port fails here and is logged at debug level.
            self.connection.do_handshake()
            self._just_shook_hands = True

    def handle(self) -> None:
        """Answer the requests the connection has sent, then give it back to the server.

        The server calls this when the connection has data; once nothing more is buffered
        the thread returns, and the server waits for the next request without one (an idle
        keep-alive connection holds no thread). ``close_connection`` tells the server whether
        to close the connection or keep it.
        """
        self.close_connection = True
        if self._just_shook_hands and not self._has_buffered_input():
            self.close_connection = False  # the request comes later: wait for it threadless
            return
        self.handle_one_request()
        while not self.close_connection and self._has_buffered_input():
            self.handle_one_request()

    def _has_buffered_input(self) -> bool:
        """Whether the next request has (partly) arrived already: bytes read ahead into
        ``rfile`` or decrypted by TLS, which waiting for the socket to be readable would miss.
        """
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket) and connection.pending():
            return True
        connection.setblocking(False)
        try:
            # The buffered bytes, or what one read that does not wait finds.
            return bool(cast(io.BufferedReader, self.rfile).peek(1))
        except (OSError, ValueError):  # nothing to read (SSLWantReadError), or a broken link
            return False
        finally:
            connection.settimeout(self._server.request_timeout)

    def handle_one_request(self) -> None:
        self._server.expect_request(self.connection)
        super().handle_one_request()

    def _dispatch(self) -> None:
        self._body = b""
        self._for_console = False
        self._created: EmulatedSession | None = None
        try:
            reply = self._reply()
        except Exception:
            logger.exception("emulator failed answering %s %s", self.command, self.path)
            reply = _error(500, "internal emulator error", close=True)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _reply(self) -> _Reply:
        parts = urlsplit(self.path)
        path = parts.path
        if Console.serves(path):
            self._for_console = True
            return self._console_reply(path, parts.query)
        archive_route = ARCHIVE_PATH.fullmatch(path)
        if archive_route is not None:
            return self._archive_reply(archive_route, parts.query)
        routing = None
        if path != CREATE_SESSION_PATH:
            routing = _error(404, f"no resource at {path}")
        elif self.command != "POST":
            message = f"{self.command} is not allowed on {path}; use POST"
            routing = _error(405, message, headers={"Allow": "POST"})
        body = self._read_body(MAX_BODY_BYTES, too_big=413)
        self._server.answering(self.connection)
        if isinstance(body, _Reply):
            # The rest of an unread body would be taken for the next request.
            return body if routing is None else attrs.evolve(routing, close=True)
        self._body = body
        return routing if routing is not None else self._create_session(body)

    def _console_reply(self, path: str, query: str) -> _Reply:
        body = self._read_body(MAX_CONSOLE_BODY_BYTES, too_big=400)
        self._server.answering(self.connection)
        if isinstance(body, _Reply):
            return body
        if not _is_local_host(self.headers.get("Host", "")):
            # A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) sends
            # its own name: it gets nothing to read.
            return _error(403, "the console answers only to Host 127.0.0.1 or localhost")
        answer = self._state.console.answer(self.command, path, query, body)
        return _Reply(answer.status, answer.body, answer.content_type, answer.headers)

    def _read_body(self, limit: int, *, too_big: int) -> bytes | _Reply:
        if "Transfer-Encoding" in self.headers:
            return _error(411, "send the body with a Content-Length, not chunked", close=True)
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            # Which one counts is a guess another server may make differently: the bytes
            # beyond the shorter one would be read as a second, smuggled request.
            return _error(400, f"request has {len(lengths)} Content-Length headers; send one")
        declared = lengths[0].strip() if lengths else "0"
        if not (declared.isascii() and declared.isdigit()):
            return _error(400, "Content-Length is not a number", close=True)
        length = int(declared)
        if length > limit:
            return _error(too_big, f"request body is over {limit} bytes", close=True)
        body = self.rfile.read(length)
        if len(body) < length:
            return _error(400, "request body is shorter than its Content-Length", close=True)
        return body

    def _create_session(self, body: bytes) -> _Reply:
        state = self._state
        refused = state.auth.problem(self.headers)
        if refused is not None:
            return _error(*refused)
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
        self._created = session
        if "application/json" in self.headers.get("Accept", "").lower():
            return _json_created(session, state.auth.project_id)
        return _xml_created(session, state.auth.project_id)

    # --- Archives -------------------------------------------------------------------------------

    def _archive_reply(self, route: re.Match[str], query: str) -> _Reply:
        """Route an archive request: read it, check the credentials, then the method's handler."""
        archive_id, action = route.group("archive"), route.group("action")
        allowed = _ARCHIVE_METHODS[(archive_id is not None, action)]
        body = self._read_body(MAX_BODY_BYTES, too_big=413)
        self._server.answering(self.connection)
        if isinstance(body, _Reply):
            return body
        self._body = body
        if self.command not in allowed:
            methods = ", ".join(sorted(allowed))
            message = f"{self.command} is not allowed on {route.group(0)}; use {methods}"
            return _error(405, message, headers={"Allow": methods})
        state = self._state
        refused = state.auth.problem(self.headers)
        if refused is not None:
            return _error(*refused)
        project = route.group("project")
        if project != state.auth.project_id:
            return _error(
                403,
                f"the path names project {_shown(project)}, but the credentials are for "
                f"project {state.auth.project_id}",
            )
        try:
            return allowed[self.command](self, archive_id or "", query, body)
        except ArchiveRefusal as refusal:
            return _error(refusal.status, refusal.message)

    def _start_archive(self, _archive_id: str, _query: str, body: bytes) -> _Reply:
        data = self._json_body(body)
        session_id = data.get("sessionId")
        if not isinstance(session_id, str) or not session_id:
            return _error(400, "sessionId is required: the id of the session to record")
        prepared = _prepared_start(session_id, data)
        if isinstance(prepared, _Reply):
            return prepared
        session = self._state.find_session(session_id)
        if session is None:
            return _error(404, f"session {_shown(session_id)} not found in this project")
        relayed = session.params.get("p2p.preference", "enabled") != "disabled"
        archive = self._state.archives.start(prepared, relayed=relayed)
        return _json_reply(200, self._state.archive_answer(archive))

    def _stop_archive(self, archive_id: str, _query: str, _body: bytes) -> _Reply:
        archive = self._state.archives.stop(archive_id)
        return _json_reply(200, self._state.archive_answer(archive))

    def _get_archive(self, archive_id: str, _query: str, _body: bytes) -> _Reply:
        archive = self._state.archives.get(archive_id)
        return _json_reply(200, self._state.archive_answer(archive))

    def _delete_archive(self, archive_id: str, _query: str, _body: bytes) -> _Reply:
        self._state.archives.delete(archive_id)
        return _Reply(204, b"")

    def _list_archives(self, _archive_id: str, query: str, _body: bytes) -> _Reply:
        fields = _query_fields(query)
        offset = _whole_number(fields, "offset", 0)
        count = _whole_number(fields, "count", DEFAULT_LIST_COUNT)
        session_id = fields.get("sessionId") or None
        total, page = self._state.archives.page(offset=offset, count=count, session_id=session_id)
        items = [self._state.archive_answer(archive) for archive in page]
        return _json_reply(200, {"count": total, "items": items})

    def _set_archive_layout(self, archive_id: str, _query: str, body: bytes) -> _Reply:
        layout = self._json_body(body)
        archive = self._state.archives.get(archive_id)
        if archive.output_mode != "composed":
            raise ArchiveRefusal(
                400,
                f"archive {archive_id} is an individual archive: only a composed one has a layout",
            )
        checked = _prepared_layout(layout)
        if isinstance(checked, _Reply):
            return checked
        changed = self._state.archives.set_layout(archive_id, checked)
        return _json_reply(200, self._state.archive_answer(changed))

    def _json_body(self, body: bytes) -> dict[str, Any]:
        """The request's JSON object; :class:`ArchiveRefusal` (400, 415) if it is not one."""
        content_type = self.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise ArchiveRefusal(415, "Content-Type must be application/json")
        return read_json_object(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (a bad request line, too many headers, ...).

        Answered as JSON like every other error, and always with an HTTP/1.1 status line:
        for an unreadable request line the default would write an HTML body with no status
        line or headers at all (as if to HTTP/0.9), which no client can frame.
        """
        self.request_version = self.protocol_version
        self._body = b""
        phrase = message or HTTPStatus(code).phrase
        self._write(_error(code, phrase, close=True))

    def _send(self, reply: _Reply) -> None:
        # Recorded first, so a client that has its answer always finds its request recorded.
        # The console's own requests are not requests to the service: not recorded.
        if not self._for_console:
            self._record(reply.status)
            if urlsplit(self.path).path == CREATE_SESSION_PATH:
                self._state.log.add(
                    backend=self._state.auth.name,
                    method=self.command,
                    body=self._body,
                    status=reply.status,
                    session_id=None if self._created is None else self._created.session_id,
                    reason=reply.message,
                )
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        # After a malformed request nothing on the connection can be trusted to be where a
        # request starts, so nothing more is read from it.
        close = reply.close or reply.status == 400
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if close:
            # send_header also sets close_connection, which ends the handler's read loop.
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


#: The methods of each archive resource, by (names an archive, action) and their handlers.
_ArchiveHandler = Callable[[_Handler, str, str, bytes], _Reply]
_ARCHIVE_METHODS: dict[tuple[bool, str | None], dict[str, _ArchiveHandler]] = {
    (False, None): {"GET": _Handler._list_archives, "POST": _Handler._start_archive},
    (True, None): {"DELETE": _Handler._delete_archive, "GET": _Handler._get_archive},
    (True, "/stop"): {"POST": _Handler._stop_archive},
    (True, "/layout"): {"PUT": _Handler._set_archive_layout},
}
# Largest offset or count a list request may name: more digits than any archive count needs.
_MAX_NUMBER_DIGITS = 9
# The start request's JSON keys and the library's option names for them.
_START_OPTIONS = {
    "name": "name",
    "hasAudio": "has_audio",
    "hasVideo": "has_video",
    "outputMode": "output_mode",
    "streamMode": "stream_mode",
    "resolution": "resolution",
    "layout": "layout",
    "multiArchiveTag": "multi_archive_tag",
    "maxBitrate": "max_bitrate",
    "quantizationParameter": "quantization_parameter",
}


def read_json_object(body: bytes) -> dict[str, Any]:
    """``body`` as a JSON object; :class:`ArchiveRefusal` (400) saying why if it is not one.

    Strict as a careful service is: UTF-8 only, no ``NaN`` or ``Infinity``, no key twice.
    """
    try:
        value = json.loads(
            body.decode("utf-8"),
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except UnicodeDecodeError:
        raise ArchiveRefusal(400, "the request body must be JSON in UTF-8") from None
    except RecursionError:
        raise ArchiveRefusal(400, "the request body is JSON nested too deeply") from None
    except ValueError as error:
        raise ArchiveRefusal(400, f"the request body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ArchiveRefusal(400, "the request body must be a JSON object")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key, item in pairs:
        if key in value:
            raise ValueError(f"key {_shown(key)} is given more than once")
        value[key] = item
    return value


def _prepared_start(session_id: str, data: Mapping[str, Any]) -> dict[str, Any] | _Reply:
    """The start body as the library's default archive rules normalize it, or their 400."""
    # Keys the service has no option for are ignored, as by the service (which has options
    # the library does not send, such as hasTranscription); null is "not given".
    options = {
        _START_OPTIONS[key]: value
        for key, value in data.items()
        if key in _START_OPTIONS and value is not None
    }
    if isinstance(options.get("layout"), Mapping):
        options["layout"] = _layout_options(options["layout"])
    problem = _library_refusal(session_id, options)
    if isinstance(problem, str):
        return _error(400, problem)
    return problem


def _prepared_layout(layout: Mapping[str, Any]) -> dict[str, str] | _Reply:
    """The layout as the library's ``set_archive_layout`` checks it (``prepare_layout``, the
    default archive rules that judge a layout alone), in the service's JSON; or their 400."""
    from opentok_rules.errors import ValidationError
    from opentok_rules.operations.archive.prepare import prepare_layout

    fields = _layout_options(layout)
    unknown = sorted(set(fields) - {"type", "stylesheet", "screenshare_type"})
    if unknown:
        return _error(
            400, f"a layout takes type, stylesheet and screenshareType; {unknown[0]!r} is none"
        )
    try:
        checked = prepare_layout(
            fields.get("type"), fields.get("stylesheet"), fields.get("screenshare_type")
        )
    except ValidationError as error:
        messages = [v.message for v in error.violations if str(v.severity) != "warn"]
        return _error(400, "; ".join(messages) or str(error))
    except (TypeError, ValueError) as error:
        return _error(400, str(error))
    return checked.to_body()


def _layout_options(layout: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON layout object (camelCase) as the library's ``layout`` option takes it."""
    names = {"screenshareType": "screenshare_type"}
    return {names.get(key, key): value for key, value in layout.items() if value is not None}


def _library_refusal(session_id: str, options: Mapping[str, Any]) -> dict[str, Any] | str:
    """``prepare_archive(session_id, options).body``, or the refusal's messages in one line."""
    # Imported on use: the engine costs nothing to an emulator that records nothing.
    from opentok_rules import prepare_archive
    from opentok_rules.errors import ValidationError

    try:
        prepared = prepare_archive(session_id, dict(options))
    except ValidationError as error:
        messages = [v.message for v in error.violations if str(v.severity) != "warn"]
        return "; ".join(messages) or str(error)
    except (TypeError, ValueError) as error:
        # The spec's own last check, for a value no rule caught.
        return str(error)
    return dict(prepared.body)


def _query_fields(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ArchiveRefusal(400, "the query string is not a valid urlencoded form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise ArchiveRefusal(400, f"query parameter {_shown(name)} is given more than once")
        fields[name] = value
    return fields


def _whole_number(fields: Mapping[str, str], name: str, default: int) -> int:
    text = fields.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_NUMBER_DIGITS):
        shown = _shown(text)
        raise ArchiveRefusal(400, f"{name} must be a whole number of at least 0, got {shown}")
    return int(text)


def _shown(value: str) -> str:
    """``value`` quoted for a message, cut short so a huge value cannot bloat it."""
    return repr(value if len(value) <= 60 else value[:60] + "...")


def _json_reply(status: int, data: object) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"))


def _error(
    status: int, message: str, *, close: bool = False, headers: Mapping[str, str] | None = None
) -> _Reply:
    body = json.dumps({"code": status, "message": message}).encode("utf-8")
    return _Reply(status, body, headers=dict(headers or {}), close=close, message=message)


def _is_local_host(host: str) -> bool:
    name = host.strip().lower()
    if name.startswith("["):
        return False  # the emulator listens on IPv4 only
    name = name.rpartition(":")[0] if ":" in name else name
    return name in ("127.0.0.1", "localhost")


def _service_date(stamp: float) -> str:
    """``stamp`` the way the service writes ``create_dt``: ``Fri Nov 27 22:20:38 GMT 2026``."""
    t = time.gmtime(stamp)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} {clock} GMT {t.tm_year}"


def _json_created(session: EmulatedSession, project_id: str) -> _Reply:
    # project_id is the api key for OpenTok, the application id for Vonage.
    answer = [
        {
            "session_id": session.session_id,
            "project_id": project_id,
            "partner_id": project_id,
            "create_dt": _service_date(session.created_at),
            "media_server_url": "",
        }
    ]
    return _Reply(200, json.dumps(answer).encode("utf-8"))


def _xml_created(session: EmulatedSession, project_id: str) -> _Reply:
    body = (
        f"{_XML_DECLARATION}<sessions><Session>"
        f"<session_id>{escape(session.session_id)}</session_id>"
        f"<partner_id>{escape(project_id)}</partner_id>"
        f"<create_dt>{escape(_service_date(session.created_at))}</create_dt>"
        "</Session></sessions>"
    )
    return _Reply(200, body.encode("utf-8"), content_type="text/xml")


def _make_auth(
    backend: str, api_key: str | None, api_secret: str | None
) -> _OpenTokAuth | _VonageAuth:
    if backend == "vonage":
        if api_key is not None or api_secret is not None:
            raise ValueError(
                "api_key and api_secret are OpenTok credentials; the vonage backend makes its "
                "own application id and key pair (read application_id and private_key)"
            )
        return _VonageAuth()
    if backend != "opentok":
        raise ValueError(f"backend must be 'opentok' or 'vonage', got {backend!r}")
    api_key = str(10_000_000 + secrets.randbelow(90_000_000)) if api_key is None else api_key
    api_secret = secrets.token_hex(20) if api_secret is None else api_secret
    if not api_key or "~" in api_key:
        raise ValueError("api_key must be non-empty and must not contain '~'")
    if len(api_secret.encode("utf-8")) < _MIN_SECRET_BYTES:
        raise ValueError(f"api_secret must be at least {_MIN_SECRET_BYTES} bytes long")
    return _OpenTokAuth(api_key, api_secret)


def _policy_rules(policy: object) -> tuple[RuleRegistry, str | None]:
    """The registry ``policy`` stands for, and the file it came from (``None`` if none)."""
    from opentok_rules.engine.registry import RuleRegistry
    from opentok_rules.operations.library import default_rules

    if policy is None:
        return default_rules(), None
    if isinstance(policy, RuleRegistry):
        return policy.copy(), None
    if isinstance(policy, str | os.PathLike | Mapping):
        # Imported on use: policies (TOML, plugins) cost nothing to an emulator without one.
        from opentok_rules.operations.library import load_policy

        policy = load_policy(policy)
    rules = getattr(policy, "rules", None)
    if not isinstance(rules, RuleRegistry):
        raise TypeError(
            "policy must be a policy file's path, a policy mapping, a Policy (whose .rules is "
            f"a RuleRegistry) or a RuleRegistry; got {type(policy).__name__}"
        )
    source = getattr(policy, "source", None)
    return rules.copy(), None if source is None else os.fspath(source)


def _check_limits(max_threads: int, request_timeout: float, history: int) -> None:
    if isinstance(max_threads, bool) or not isinstance(max_threads, int) or max_threads < 1:
        raise ValueError(f"max_threads must be a whole number of at least 1, got {max_threads!r}")
    if isinstance(history, bool) or not isinstance(history, int) or history < 0:
        raise ValueError(
            f"history must be a whole number of requests to keep, 0 or more, got {history!r}"
        )
    if (
        isinstance(request_timeout, bool)
        or not isinstance(request_timeout, int | float)
        or not 0 < request_timeout < math.inf
    ):
        raise ValueError(
            f"request_timeout must be a positive number of seconds, got {request_timeout!r}"
        )


class Emulator:
    """A stand-in for the OpenTok session service on a local port, for offline tests and demos.

    It checks the credentials and the create-session form the way the service does, and
    answers with real-format session ids. ::

        with Emulator() as emulator:
            # point a client at emulator.url with emulator.api_key / emulator.api_secret
            ...
        assert emulator.sessions[0].params["p2p.preference"] == "disabled"

    ``Emulator(backend="vonage")`` stands in for the Vonage Video API instead: it makes an
    application (``application_id``, a UUID, and an RSA key pair whose private half is
    ``private_key``, PKCS#8 PEM text), checks ``Authorization: Bearer`` RS256 JWTs against the
    public half, and issues ids that embed the application id. The form checks and answers are
    the same. It needs ``cryptography`` (``pip install "opentok-rules[vonage]"``).

    :param api_key: the project's api key; a fresh 8-digit one if not given (OpenTok only).
    :param api_secret: the project's secret, at least 32 bytes as the service's 40 hex
        digits are; a fresh one if not given (OpenTok only).
    :param backend: ``"opentok"`` (the default) or ``"vonage"``.
    :param host: the IPv4 address to listen on.
    :param port: the port to listen on; ``0`` picks a free one.
    :param max_threads: how many requests are answered at once (worker threads). A connection
        between requests holds no thread: idle keep-alive connections cost nothing but a file
        descriptor, up to 512 open connections (further clients wait in the listen backlog).
    :param request_timeout: seconds a connection has to deliver each whole request; a client
        that sends nothing, drips bytes or idles between keep-alive requests longer is cut,
        so slow clients never keep good ones waiting for long.
    :param policy: the rules the console's Rules and Try panels use: a policy file's path
        (read with ``opentok_rules.load_policy``), a policy mapping, a ``Policy`` (anything
        whose ``.rules`` is a ``RuleRegistry``) or a ``RuleRegistry``; the default rules if not
        given. The service checks themselves do not change: they are the real service's.
    :param tls: serve HTTPS with a fresh certificate for ``127.0.0.1`` and ``localhost``,
        signed by a fresh CA whose certificate is :attr:`ca_file`; needs ``cryptography``.
    :param history: how many answered requests :attr:`requests` and the console's Sessions
        panel keep (the last ones; 1,000 by default, ``0`` for none), so a long run does not
        grow without bound; :attr:`dropped_requests` says how many left. Sessions are all
        kept, compactly (:attr:`sessions`).
    :raises ValueError: if ``api_key`` is empty or contains ``~`` (it goes into session ids),
        ``api_secret`` is shorter than 32 bytes, ``max_threads`` is under 1,
        ``request_timeout`` is not a positive number, ``history`` is not a whole number of
        0 or more, ``backend`` is unknown, or OpenTok
        credentials are given for the Vonage backend.
    :raises TypeError: if ``policy`` is none of the things above.
    :raises ValueError: (``PolicyError``) if ``policy`` is a file or mapping that cannot be used
        (from ``load_policy``, before anything is served).
    :raises ImportError: for the Vonage backend or ``tls=True``, when ``cryptography`` is not
        installed.

    It records archives too, through the service's archive resources and state machine
    (start, stop, get, list, delete, layout; see :attr:`archives`); what a start may ask for
    is judged by the library's default archive rules, as ``prepare_archive`` judges it.

    The emulator also serves a console at ``/`` (:attr:`console_url`) for a person with a
    browser: the create requests it received, the archives it holds, the rules, a form to
    try options, a token inspector.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        backend: str = "opentok",
        host: str = "127.0.0.1",
        port: int = 0,
        max_threads: int = DEFAULT_MAX_THREADS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        policy: object = None,
        tls: bool = False,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        _check_limits(max_threads, request_timeout, history)
        if not isinstance(tls, bool):
            raise ValueError(f"tls must be True or False, got {tls!r}")
        auth = _make_auth(backend, api_key, api_secret)
        rules, policy_source = _policy_rules(policy)
        self._max_threads = max_threads
        self._request_timeout = float(request_timeout)
        self._certificate = None
        if tls:
            from opentok_rules.testing._tls import make_server_certificate, remove

            self._certificate = make_server_certificate()
            # The CA file must outlive stop() (a client may still hold its path) but not
            # the emulator: removed when it is collected or at the latest at exit.
            weakref.finalize(self, remove, self._certificate.directory)
        log = SessionLog(history)
        archives = ArchiveStore()
        info = {
            "backend": auth.name,
            "project_id": auth.project_id,
            "tls": tls,
            "archive_resolutions": list(ARCHIVE_RESOLUTIONS),
        }
        console = Console(
            rules=rules,
            policy_source=policy_source,
            info=info,
            log=log,
            verify=auth.client_token_problem,
            archives=archives.snapshot,
        )
        self._state = _State(auth, log, console, archives, history=history)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def backend(self) -> str:
        """Which service this emulator stands in for: ``"opentok"`` or ``"vonage"``."""
        return self._state.auth.name

    @property
    def api_key(self) -> str:
        """The project's api key: tokens must carry it as ``iss``; ids and answers carry it.

        :raises AttributeError: on a Vonage emulator, which has an ``application_id`` instead.
        """
        return self._opentok("api_key").project_id

    @property
    def api_secret(self) -> str:
        """The project's secret, which tokens must be signed with (HS256).

        :raises AttributeError: on a Vonage emulator, which has a ``private_key`` instead.
        """
        return self._opentok("api_secret").api_secret

    @property
    def application_id(self) -> str:
        """The Vonage application's id (a UUID): JWTs carry it; ids and answers carry it.

        :raises AttributeError: on an OpenTok emulator, which has an ``api_key`` instead.
        """
        return self._vonage("application_id").project_id

    @property
    def private_key(self) -> str:
        """The Vonage application's RSA private key, PKCS#8 PEM text, to sign RS256 JWTs.

        :raises AttributeError: on an OpenTok emulator, which has an ``api_secret`` instead.
        """
        return self._vonage("private_key").private_key

    def _opentok(self, name: str) -> _OpenTokAuth:
        auth = self._state.auth
        if not isinstance(auth, _OpenTokAuth):
            raise AttributeError(
                f"{name} belongs to OpenTok projects; this emulator serves a Vonage "
                "application: use application_id and private_key"
            )
        return auth

    def _vonage(self, name: str) -> _VonageAuth:
        auth = self._state.auth
        if not isinstance(auth, _VonageAuth):
            raise AttributeError(
                f"{name} belongs to Vonage applications; this emulator serves an OpenTok "
                'project (use api_key and api_secret, or Emulator(backend="vonage"))'
            )
        return auth

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:54321``.

        :raises RuntimeError: if the emulator is not running.
        """
        server = self._server
        if server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host, port = server.server_address[:2]
        scheme = "http" if self._certificate is None else "https"
        return f"{scheme}://{host!s}:{port}"

    @property
    def console_url(self) -> str:
        """The console page: :attr:`url` with ``/`` (open it in a browser).

        :raises RuntimeError: if the emulator is not running.
        """
        return self.url + "/"

    @property
    def ca_file(self) -> str | None:
        """With ``tls=True``: the path of the PEM file of the CA that signed the emulator's
        certificate (trust it with ``SSL_CERT_FILE`` or ``REQUESTS_CA_BUNDLE``); else ``None``.
        """
        return None if self._certificate is None else self._certificate.ca_file

    @property
    def rules(self) -> RuleRegistry:
        """The registry the console's Rules and Try panels use (``policy``'s, or the default)."""
        return self._state.console.rules

    @property
    def running(self) -> bool:
        """Whether the emulator is accepting requests."""
        return self._server is not None

    @property
    def sessions(self) -> list[EmulatedSession]:
        """A snapshot of the sessions created so far, oldest first: all of them, however many
        (each is kept compactly; the objects are made on each call)."""
        return self._state.sessions

    @property
    def archives(self) -> list[EmulatedArchive]:
        """A snapshot of the archives held, newest first (a deleted archive is no longer held).

        Each is an :class:`EmulatedArchive` as it stood when the snapshot was taken: its
        ``status`` is ``"started"`` until it is stopped, then ``"available"``.
        """
        return self._state.archives.snapshot()

    @property
    def requests(self) -> list[EmulatedRequest]:
        """A snapshot of the last ``history`` requests answered, oldest first, whatever their
        status (fewer if their headers and bodies together pass 64 MiB).

        Requests to the console (``/`` and ``/console/...``) are not requests to the service
        and are not listed. :attr:`dropped_requests` counts those that left the history.
        """
        return self._state.requests

    @property
    def history(self) -> int:
        """How many answered requests :attr:`requests` (and the console) keep at most."""
        return self._state.history

    @property
    def dropped_requests(self) -> int:
        """How many answered requests have left the history (0 until it is full)."""
        return self._state.requests_dropped

    def start(self) -> Emulator:
        """Listen and serve in a daemon thread; does nothing if already running."""
        with self._lock:
            if self._server is None:
                server = _Server(
                    self._address,
                    self._state,
                    max_threads=self._max_threads,
                    request_timeout=self._request_timeout,
                    tls=None if self._certificate is None else self._certificate.context,
                )
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
        # The identity only: never the secret or the private key.
        where = self.url if self._server is not None else "stopped"
        auth = self._state.auth
        if isinstance(auth, _VonageAuth):
            return f"Emulator(backend='vonage', application_id={auth.project_id!r}, url={where!r})"
        return f"Emulator(api_key={auth.project_id!r}, url={where!r})"
