"""The asyncio clients inside a running event loop: the fixture, the docs' handler, cancelling.

Their behaviour against every answer is held by the one suite all four clients share
(tests/clients/test_backends.py); this file covers what only an event loop shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import runpy
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from _support.paths import ROOT

import opentok_rules as otr
from opentok_rules.session_ids import session_id_fields
from opentok_rules.testing import Emulator

pytest.importorskip("aiohttp", reason='the async clients need aiohttp: pip install ".[async]"')

EXAMPLE = ROOT / "docs" / "examples" / "async_handler.py"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_an_async_test_creates_sessions_on_the_emulator_fixture(
    opentok_emulator: Emulator,
) -> None:
    async with otr.AsyncOpenTok(
        opentok_emulator.api_key, opentok_emulator.api_secret, opentok_emulator.url
    ) as client:
        sessions = await asyncio.gather(
            *(client.create_session(media_mode="routed") for _ in range(20))
        )
        token = client.generate_token(sessions[0].session_id, role="moderator")
    assert len({session.session_id for session in sessions}) == 20
    assert len(opentok_emulator.sessions) == 20
    assert session_id_fields(sessions[0].session_id)[1] == opentok_emulator.api_key  # type: ignore[index]
    assert token.count(".") == 2


@pytest.mark.anyio
async def test_the_vonage_fixture_serves_the_async_vonage_client(
    vonage_emulator: Emulator,
) -> None:
    async with otr.AsyncVonageVideo(
        vonage_emulator.application_id,
        vonage_emulator.private_key,
        api_url=vonage_emulator.url,
    ) as client:
        session = await client.create_session(media_mode="routed")
    assert session_id_fields(session.session_id)[1] == vonage_emulator.application_id  # type: ignore[index]


@pytest.mark.anyio
async def test_the_docs_handler_example(opentok_emulator: Emulator) -> None:
    namespace = runpy.run_path(str(EXAMPLE))  # not as __main__: its functions only
    rooms = await namespace["serve"](
        opentok_emulator.api_key, opentok_emulator.api_secret, opentok_emulator.url
    )
    assert [sorted(room) for room in rooms] == [["session_id", "token"]] * 3
    tokens = [room["token"] for room in rooms]
    assert len(set(tokens)) == 3
    assert [s.params["archiveMode"] for s in opentok_emulator.sessions] == ["always"] * 3


def test_the_docs_handler_example_runs_as_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["1_ True"] * 3
    shown = [line.strip()[2:] for line in EXAMPLE.read_text().splitlines() if "    # 1_" in line]
    assert shown == printed


class SilentService:
    """A service on a free port that accepts connections and reads requests but never answers.

    ``arrived`` is set once the first connection is accepted: wait on it, never poll.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.arrived = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)
            self.arrived.set()

    def __enter__(self) -> SilentService:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_service() -> Iterator[SilentService]:
    """A :class:`SilentService`, stopped after the test."""
    with SilentService() as service:
        yield service


def _closed_by_peer(connection: socket.socket, within: float) -> bool:
    connection.settimeout(0.1)
    ends = time.monotonic() + within
    while time.monotonic() < ends:
        try:
            if connection.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


@pytest.mark.anyio
async def test_a_cancelled_create_session_raises_cancelled_and_drops_its_connection(
    silent_service: SilentService,
) -> None:
    async with otr.AsyncOpenTok("123456", "s" * 40, silent_service.url, deadline=20.0) as client:
        task = asyncio.ensure_future(client.create_session(media_mode="routed"))
        # Until the request is on the wire.
        assert await asyncio.to_thread(silent_service.arrived.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(silent_service.accepted) == 1
        # The half-used connection is closed, not put back in the pool for the next call.
        closed = await asyncio.to_thread(_closed_by_peer, silent_service.accepted[0], 3.0)
        assert closed


def _answer_one_request(service: SilentService) -> socket.socket:
    """Answer the first connection's request with a session, keeping the connection open."""
    assert service.arrived.wait(5), "no connection came"
    connection = service.accepted[0]
    connection.settimeout(5)
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    body = json.dumps([{"session_id": "1_MX4xMjM0NTZ-closing-test"}]).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    connection.sendall(head.encode() + b"\r\n\r\n" + body)
    return connection


@pytest.mark.anyio
@pytest.mark.parametrize("closing", ["async with", "aclose"])
async def test_async_with_and_aclose_close_the_pooled_connection(
    silent_service: SilentService, closing: str
) -> None:
    client = otr.AsyncOpenTok("123456", "s" * 40, silent_service.url)
    async with contextlib.AsyncExitStack() as stack:
        if closing == "async with":
            await stack.enter_async_context(client)
        answering = asyncio.ensure_future(asyncio.to_thread(_answer_one_request, silent_service))
        session = await client.create_session(media_mode="routed")
        connection = await answering
        assert session.session_id == "1_MX4xMjM0NTZ-closing-test"
        # Kept alive in the pool while the client is open...
        assert not await asyncio.to_thread(_closed_by_peer, connection, 0.3)
        if closing == "aclose":
            await client.aclose()
    # ...and closed by the client once it is closed.
    assert await asyncio.to_thread(_closed_by_peer, connection, 3.0)


def test_building_an_async_client_imports_nothing_until_then() -> None:
    import subprocess
    import sys

    code = "import sys, opentok_rules as o; o.AsyncOpenTok; print('aiohttp' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
