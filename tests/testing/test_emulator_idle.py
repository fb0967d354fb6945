"""An idle connection holds no worker thread (issue 28, item 9).

The emulator answers with at most ``max_threads`` workers. Connections between requests
(idle keep-alive ones, new ones that have sent nothing yet, TLS ones that have finished the
handshake and wait) are watched for readiness without a thread, so with many more of them open
than there are workers a new client is answered at once, long before ``request_timeout``
would cut them. The bounds here are generous (seconds against a 30-second timeout): they
tell "served now" from "served once the idle ones are cut", not how fast.

Throughput with idle connections open is measured by ``benchmarks/bench_emulator_idle.py``.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlencode, urlsplit

import pytest
from _support.emulator import FORM, create, make_token
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opentok_rules.testing import Emulator

# Far longer than any bound below: an idle connection is never cut during a test.
LONG_TIMEOUT = 30.0
# "Promptly": a request answered within this is not one that waited for the idle to be cut.
PROMPT = 5.0


def address(emulator: Emulator) -> tuple[str, int]:
    parts = urlsplit(emulator.url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def headers(emulator: Emulator) -> dict[str, str]:
    return {"Content-Type": FORM, "X-OPENTOK-AUTH": make_token(emulator)}


@contextmanager
def keep_alive_connections(
    emulator: Emulator, count: int
) -> Iterator[list[http.client.HTTPConnection]]:
    """``count`` connections that have each made one request and now idle, kept alive."""
    host, port = address(emulator)
    with ExitStack() as stack:
        connections = []
        for _ in range(count):
            connection = http.client.HTTPConnection(host, port, timeout=PROMPT * 2)
            stack.callback(connection.close)
            connection.request("POST", "/session/create", body=b"", headers=headers(emulator))
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert not response.will_close
            connections.append(connection)
        yield connections


@contextmanager
def silent_connections(emulator: Emulator, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that have sent nothing at all."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = socket.create_connection(address(emulator), timeout=PROMPT * 2)
            stack.callback(sock.close)
            sockets.append(sock)
        yield sockets


def test_idle_connections_beyond_the_workers_do_not_delay_a_new_client() -> None:
    with (
        Emulator(max_threads=2, request_timeout=LONG_TIMEOUT) as emulator,
        keep_alive_connections(emulator, 8) as idle,
        silent_connections(emulator, 4),
    ):
        time.sleep(0.2)  # under a thread per connection, every worker would be taken by now
        began = time.monotonic()
        status, _, _ = create(emulator)
        waited = time.monotonic() - began
        assert status == 200
        assert waited < PROMPT
        # The idle ones were kept, not cut to make room: each answers its next request.
        for connection in idle:
            connection.request("POST", "/session/create", body=b"", headers=headers(emulator))
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    assert len(emulator.sessions) == 8 + 1 + 8


def test_one_worker_serves_interleaved_keep_alive_clients_in_turn() -> None:
    # With one worker and a thread per connection, the second client's first request would
    # wait for the first client's connection to be cut (30 s): here they simply alternate.
    with (
        Emulator(max_threads=1, request_timeout=LONG_TIMEOUT) as emulator,
        keep_alive_connections(emulator, 1) as (first,),
        keep_alive_connections(emulator, 1) as (second,),
    ):
        began = time.monotonic()
        for connection in (first, second, first, second):
            connection.request("POST", "/session/create", body=b"", headers=headers(emulator))
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        assert time.monotonic() - began < PROMPT
    ports = [request.client_port for request in emulator.requests]
    assert len(ports) == 6
    assert ports[2:] == [ports[0], ports[1], ports[0], ports[1]]


def test_idle_tls_connections_after_the_handshake_hold_no_worker() -> None:
    pytest.importorskip("cryptography", reason="tls=True needs cryptography")
    with Emulator(max_threads=1, request_timeout=LONG_TIMEOUT, tls=True) as emulator:
        assert emulator.ca_file is not None
        context = ssl.create_default_context(cafile=emulator.ca_file)
        with ExitStack() as stack:
            for _ in range(3):
                raw = socket.create_connection(address(emulator), timeout=PROMPT * 2)
                tls = context.wrap_socket(raw, server_hostname="127.0.0.1")  # handshake done
                stack.callback(tls.close)
            host, port = address(emulator)
            connection = http.client.HTTPSConnection(
                host, port, timeout=PROMPT * 2, context=context
            )
            stack.callback(connection.close)
            began = time.monotonic()
            connection.request("POST", "/session/create", body=b"", headers=headers(emulator))
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert time.monotonic() - began < PROMPT


def _read_answers(sock: socket.socket, count: int) -> list[int]:
    """The statuses of ``count`` answers read off ``sock``, in order."""
    reader = sock.makefile("rb")
    statuses = []
    for _ in range(count):
        status_line = reader.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        statuses.append(int(status_line.split()[1]))
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        reader.read(length)
    return statuses


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    locations=st.lists(st.sampled_from(["", "12.34.56.78", "10.0.0.1"]), min_size=1, max_size=5),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=4),
    tls=st.booleans(),
)
def test_pipelined_requests_in_any_pieces_are_all_answered_in_order(
    shared_emulators: dict[bool, Emulator], locations: list[str], cuts: list[int], tls: bool
) -> None:
    """Requests sent back to back, in pieces cut anywhere: each is answered, in order, though
    the emulator gives the connection back between requests (bytes it has read ahead, or TLS
    has decrypted, must not wait for the socket to be readable again)."""
    emulator = shared_emulators[tls]
    token = make_token(emulator)
    data = b""
    for location in locations:
        body = urlencode({"location": location} if location else {}).encode()
        data += (
            f"POST /session/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            f"X-OPENTOK-AUTH: {token}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("ascii") + body
    pieces, at = [], 0
    for cut in sorted({min(cut, len(data)) for cut in cuts}):
        pieces.append(data[at:cut])
        at = cut
    pieces.append(data[at:])
    before = len(emulator.sessions)
    sock = socket.create_connection(address(emulator), timeout=PROMPT * 2)
    if tls:
        assert emulator.ca_file is not None
        context = ssl.create_default_context(cafile=emulator.ca_file)
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    with sock:
        for piece in pieces:
            if piece:
                sock.sendall(piece)
        assert _read_answers(sock, len(locations)) == [200] * len(locations)
    created = emulator.sessions[before:]
    assert [session.params.get("location", "") for session in created] == locations


@pytest.fixture(scope="module")
def shared_emulators() -> Iterator[dict[bool, Emulator]]:
    pytest.importorskip("cryptography", reason="tls=True needs cryptography")
    with Emulator(max_threads=2) as plain, Emulator(max_threads=2, tls=True) as secure:
        yield {False: plain, True: secure}
