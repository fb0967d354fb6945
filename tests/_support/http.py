"""A real HTTP/1.1 server on 127.0.0.1 for tests: real sockets, no mock of the HTTP stack.

A test gives :class:`LocalServer` a *handler*, a plain function that receives what the
client sent and returns the answer::

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {"Content-Type": "application/json"}, b"[]"

    with LocalServer(handler) as server:
        urllib3.request("POST", server.url("/session/create"), body=b"x")
        assert server.requests[0].body == b"x"

What the handler can return or do:

* ``body`` as :class:`bytes`: sent with a ``Content-Length`` unless the handler set one.
* ``body`` as any other iterable of bytes: streamed as it is produced, with chunked
  transfer encoding unless the handler set ``Content-Length`` (then written raw, which lets
  a test lie about the length). A generator may block, e.g. on a :class:`threading.Event`.
* block before returning (a stalled service); wait on an event the test sets at the end so
  the server can stop.
* raise :class:`ResetConnection` to drop the connection with a TCP reset instead of answering.

Every request is recorded, in arrival order, in :attr:`LocalServer.requests` before the
handler runs. Leaving the ``with`` block closes every open connection and joins every
handler thread, so nothing outlives the test.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

__all__ = ["Handler", "LocalServer", "ReceivedRequest", "Reply", "ResetConnection", "free_port"]

#: What a handler returns: status, headers to add, and the body (bytes or an iterable of them).
Reply = tuple[int, Mapping[str, str], bytes | Iterable[bytes]]

#: ``handler(method, path, headers, body) -> Reply``; ``headers`` have lower-case names.
Handler = Callable[[str, str, Mapping[str, str], bytes], Reply]


class ResetConnection(Exception):
    """Raise from a handler to abort the connection with a TCP reset (RST), answering nothing."""


@attrs.frozen
class ReceivedRequest:
    """One request as the server read it; header names are lower case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


def free_port() -> int:
    """A local TCP port with nothing listening on it (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 and a free port, answering through ``handler``.

    Use it as a context manager; the server runs between ``__enter__`` and ``__exit__``.
    """

    def __init__(self, handler: Handler) -> None:
        self._server = _Server(handler)

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return self._server.server_port

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``, no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.origin + path

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._server.lock:
            return list(self._server.received)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """:attr:`requests` once at least ``count`` have arrived (or ``timeout`` passed): a
        client may give up on a request before a loaded machine's server thread reads it."""
        with self._server.arrived:
            self._server.arrived.wait_for(lambda: len(self._server.received) >= count, timeout)
            return list(self._server.received)

    def __enter__(self) -> LocalServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name=f"LocalServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()  # joins the handler threads (they are not daemons)
        self._thread.join()


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, joined by server_close(): no thread outlives the test.
    daemon_threads = False
    block_on_close = True
    # handle_request() waits no longer for a connection: it is called when one is ready.
    timeout = 0

    def __init__(self, handler: Handler) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.handler = handler
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.received: list[ReceivedRequest] = []
        self.connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._wake_reader, self._wake_writer = socket.socketpair()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer connections until :meth:`shutdown`, which wakes this loop at once through a
        socket pair: the base class's loop sees a shutdown only at its next poll, and a test's
        end would wait for it (``poll_interval`` is not used)."""
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    for key, _ in selector.select():
                        if key.fileobj is self and not self._stopping.is_set():
                            self.handle_request()  # ready: answered without waiting
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` (running in another thread) and wait until it has."""
        self._stopping.set()
        self._wake_writer.send(b"\0")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def drop_connections(self) -> None:
        """Shut every open connection so handlers idling on keep-alive return at once."""
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            # OSError: already closed by the client or the handler.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (on purpose, in the body-cap tests) is normal.
        # Anything else still prints its traceback.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client under test expects
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.lock:
            self.server.connections.discard(self.connection)
        # OSError: the connection was reset or shut down under us.
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.server.lock:
            self.server.received.append(ReceivedRequest(self.command, self.path, headers, body))
            self.server.arrived.notify_all()
        try:
            status, reply_headers, reply_body = self.server.handler(
                self.command, self.path, headers, body
            )
        except ResetConnection:
            self._reset()
            return
        self._reply(status, reply_headers, reply_body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _reply(
        self, status: int, headers: Mapping[str, str], body: bytes | Iterable[bytes]
    ) -> None:
        self.send_response(status)
        has_length = any(name.lower() == "content-length" for name in headers)
        for name, value in headers.items():
            self.send_header(name, value)
        chunked = not isinstance(body, bytes) and not has_length
        if isinstance(body, bytes) and not has_length:
            self.send_header("Content-Length", str(len(body)))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        self._write_body(body, chunked=chunked)

    def _write_body(self, body: bytes | Iterable[bytes], *, chunked: bool) -> None:
        for part in [body] if isinstance(body, bytes) else body:
            if chunked and part:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            elif not chunked:
                self.wfile.write(part)
            self.wfile.flush()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


def in_turn(*replies: Reply) -> Handler:
    """A handler giving ``replies`` in turn, then repeating the last one."""
    lock = threading.Lock()
    queue = list(replies)

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler
