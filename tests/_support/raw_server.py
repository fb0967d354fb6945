"""A raw TCP server on 127.0.0.1 for tests that must send bytes no HTTP library would.

A test gives :class:`RawServer` a *script*, a function that receives each accepted connection
(after the request head has been read) and writes whatever it likes::

    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 200 OK\\r\\nContent-Length: -1\\r\\n\\r\\n")

    with RawServer(script) as server:
        ...  # send a request to server.url("/x")

Scripts that wait (dripping bytes) use :meth:`RawConnection.pause`, which returns ``False``
as soon as the server is stopping or the client has gone, so leaving the ``with`` block
never waits for a script to finish its drip. Every connection is closed and every thread
joined on exit.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable

__all__ = ["RawConnection", "RawServer", "Script"]


class RawConnection:
    """One accepted connection, as a script sees it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self._stopping = stopping
        #: The request head and whatever body bytes came with it.
        self.received = b""

    def read_head(self) -> bytes:
        """Read until the end of the request head (bounded to 64 KiB); return it."""
        self.sock.settimeout(5)
        while b"\r\n\r\n" not in self.received and len(self.received) < 65536:
            data = self.sock.recv(65536)
            if not data:
                break
            self.received += data
        return self.received

    def send(self, data: bytes) -> bool:
        """Send ``data``; ``False`` when the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; ``False`` if the server is stopping meanwhile."""
        return not self._stopping.wait(seconds)


Script = Callable[[RawConnection], None]


class RawServer:
    """Accepts connections on 127.0.0.1 and a free port; runs ``script`` on each, in a thread.

    With ``script=None`` it only counts connections (a listener that must receive nothing).
    """

    def __init__(self, script: Script | None) -> None:
        self._script = script
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self._stopping = threading.Event()
        # Leaving the ``with`` block writes here, so the accept loop ends at once, not at a poll.
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        #: How many connections were accepted.
        self.accepted = 0
        #: Every request head (and early body bytes) received, per connection.
        self.received: list[bytes] = []

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawServer:
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepter.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._wake_writer.send(b"\0")
        self._accepter.join(5)
        with self._lock:
            socks = list(self._socks)
            threads = list(self._threads)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)
        for sock in socks:
            sock.close()
        self._listener.close()
        self._wake_reader.close()
        self._wake_writer.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping.is_set():
                selector.select()
                if self._stopping.is_set():
                    return
                try:
                    sock, _ = self._listener.accept()
                except OSError:  # BlockingIOError: the client gave up before the accept
                    continue
                self._start_serving(sock)

    def _start_serving(self, sock: socket.socket) -> None:
        sock.setblocking(True)
        with self._lock:
            self.accepted += 1
            self._socks.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
        thread.start()

    def _serve(self, sock: socket.socket) -> None:
        conn = RawConnection(sock, self._stopping)
        # OSError: the client hung up, or the test ended and shut the socket.
        with contextlib.suppress(OSError):
            conn.read_head()
            with self._lock:
                self.received.append(conn.received)
            if self._script is not None:
                self._script(conn)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
