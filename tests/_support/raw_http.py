"""Raw bytes to a server on 127.0.0.1, and the answers read back as the bytes came.

For tests of a server's own parsing: no HTTP library would send two ``Content-Length``
headers or pipeline a request behind a malformed one, and none would show whether the server
closed the connection or answered a second, smuggled request.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import attrs

__all__ = ["RawAnswer", "Transcript", "send_raw"]


@attrs.frozen
class RawAnswer:
    """One HTTP answer as it came over the wire; header names are lower case."""

    status: int
    headers: dict[str, str]
    body: bytes


@attrs.frozen
class Transcript:
    """Every answer on one connection, and whether the server closed it afterwards."""

    answers: list[RawAnswer]
    closed: bool


def send_raw(url: str, data: bytes, *, wait: float = 2.0) -> Transcript:
    """Send ``data`` on a new connection to ``url``'s host and port; read until closed or idle.

    ``closed`` is ``False`` when the server kept the connection open for ``wait`` seconds
    after its last byte (less than the emulator's 5-second idle cut, so that cut never passes
    for a deliberate close).
    """
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port is not None
    received = b""
    closed = False
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(data)
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    return Transcript(_answers(received), closed)


def _answers(data: bytes) -> list[RawAnswer]:
    answers = []
    while data:
        head, separator, rest = data.partition(b"\r\n\r\n")
        assert separator, f"an incomplete answer head: {data[:200]!r}"
        status_line, *lines = head.decode("latin-1").split("\r\n")
        version, status, _ = status_line.split(" ", 2)
        assert version == "HTTP/1.1", status_line
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        answers.append(RawAnswer(int(status), headers, rest[:length]))
        data = rest[length:]
    return answers
