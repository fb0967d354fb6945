"""The async transport keeps every promise of the urllib3 one, tested the same way.

Most tests here are ONE suite over both transports: the ``make_transport`` fixture is
parametrized with ``urllib3`` and ``aiohttp``, and the aiohttp transport is driven from the
synchronous test body through :class:`BlockingAsync`, which runs its coroutines on a private
event loop in a thread. The scenarios (parser-differential Locations, framing tricks, drips,
bombs) are imported from ``test_hostile_transport``, not copied. What only an async transport
can do (cancellation, ``async with``, one event loop) is tested natively with anyio's plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gzip
import pickle
import subprocess
import sys
import textwrap
import threading
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Protocol

import pytest
from _support import hostile
from _support.http import LocalServer, Reply, ResetConnection, free_port, in_turn
from _support.raw_server import RawConnection, RawServer

from opentok_rules.errors import RequestError
from opentok_rules.http.transport import AsyncTransport, Request, Response

aiohttp = pytest.importorskip("aiohttp", reason='needs the async extra: pip install ".[async]"')

from opentok_rules.http.async_transport import (  # noqa: E402 - only once aiohttp is known to be there
    INSTALL_HINT,
    AiohttpTransport,
    DefaultAsyncTransport,
    _AnswerHeaders,
)
from opentok_rules.http.urllib3_transport import Urllib3Transport  # noqa: E402

SECRET = "eyJhbGciOiJIUzI1NiJ9.async-test-secret"


def post(url: str, body: bytes = b"p2p.preference=disabled") -> Request:
    return Request("POST", url, {"X-OPENTOK-AUTH": SECRET, "Authorization": SECRET}, body)


class Sleeps:
    """Stands in for the retry sleep (sync or async): records each delay, waits for none."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.calls.append(seconds)


# --- one suite, two transports --------------------------------------------------------------------


class SyncTransport(Protocol):
    def handle_request(self, request: Request) -> Response: ...

    def close(self) -> None: ...


class BlockingAsync:
    """An :class:`AiohttpTransport` behind the blocking interface, on a private event loop."""

    def __init__(self, sleeps: Sleeps, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.transport = AiohttpTransport(sleep=sleeps.asleep, **kwargs)

    def _run(self, coroutine: Awaitable[Any]) -> Any:
        async def wrapped() -> Any:
            return await coroutine

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(timeout=60)

    def handle_request(self, request: Request) -> Response:
        response: Response = self._run(self.transport.handle_request(request))
        return response

    def close(self) -> None:
        try:
            self._run(self.transport.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()


MakeTransport = Callable[..., SyncTransport]


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(params=["urllib3", "aiohttp"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which transport the shared tests run against."""
    name: str = request.param
    return name


@pytest.fixture
def make_transport(kind: str, sleeps: Sleeps) -> Iterator[MakeTransport]:
    """Builds the transport under test with the given settings; closes it at teardown."""
    made: list[SyncTransport] = []

    def make(**kwargs: Any) -> SyncTransport:
        transport: SyncTransport
        if kind == "urllib3":
            transport = Urllib3Transport(sleep=sleeps, **kwargs)
        else:
            transport = BlockingAsync(sleeps, **kwargs)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


def fixed(status: int, body: bytes = b"", **headers: str) -> Callable[..., Reply]:
    def handler(method: str, path: str, hdrs: Mapping[str, str], req_body: bytes) -> Reply:
        return status, {name.replace("_", "-"): value for name, value in headers.items()}, body

    return handler


def assert_no_secret(error: BaseException) -> None:
    """Not in the error's repr or str, nor in any frame's locals as an error reporter sees them."""
    text = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    text += repr(error) + str(error)
    assert SECRET not in text


# --- round trip -----------------------------------------------------------------------------------


def test_post_round_trip_sends_what_was_asked_and_identity(make_transport: MakeTransport) -> None:
    with LocalServer(fixed(201, b'{"ok": 1}', X_Answer="yes")) as server:
        response = make_transport().handle_request(post(server.url("/session/create?a=%2F")))
        (seen,) = server.requests
    assert (response.status, response.body) == (201, b'{"ok": 1}')
    assert response.headers["x-answer"] == "yes"
    assert (seen.method, seen.path, seen.body) == (
        "POST",
        "/session/create?a=%2F",
        b"p2p.preference=disabled",
    )
    assert seen.headers["x-opentok-auth"] == SECRET
    assert seen.headers["accept-encoding"] == "identity"
    assert "content-type" not in seen.headers  # none guessed for the caller


def test_a_small_gzip_answer_is_decoded(make_transport: MakeTransport) -> None:
    payload = gzip.compress(b'[{"session_id": "x"}]')
    with LocalServer(fixed(200, payload, Content_Encoding="gzip")) as server:
        response = make_transport().handle_request(post(server.url("/")))
    assert response.body == b'[{"session_id": "x"}]'


def test_connections_are_kept_alive(make_transport: MakeTransport) -> None:
    with LocalServer(fixed(200, b"ok")) as server:
        transport = make_transport()
        for _ in range(5):
            assert transport.handle_request(post(server.url("/"))).body == b"ok"
        ports = {r.headers.get("host") for r in server.requests}
    assert len(server.requests) == 5
    assert len(ports) == 1


def test_invalid_url_is_a_request_error(make_transport: MakeTransport) -> None:
    with pytest.raises(RequestError, match="only absolute http") as caught:
        make_transport().handle_request(post("ftp://user:pw@example.com/x"))
    assert caught.value.status is None
    assert "pw" not in str(caught.value)


# --- redirects: same origin, 307/308 only ---------------------------------------------------------


@pytest.mark.parametrize("status", [307, 308])
def test_same_origin_307_308_is_followed_with_method_body_and_auth(
    make_transport: MakeTransport, status: int
) -> None:
    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return (status, {"Location": "/new?x=1"}, b"") if path == "/old" else (200, {}, b"moved")

    with LocalServer(handler) as server:
        response = make_transport().handle_request(post(server.url("/old"), b"payload"))
        _old, new = server.requests
    assert response.body == b"moved"
    assert (new.method, new.path, new.body) == ("POST", "/new?x=1", b"payload")
    assert new.headers["x-opentok-auth"] == SECRET


@pytest.mark.parametrize("shape", hostile.REFUSED_LOCATIONS)
def test_parser_differential_redirects_are_refused_and_reach_no_one(
    make_transport: MakeTransport, shape: str
) -> None:
    box: dict[str, str] = {}

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 307, {"Location": box["location"]}, b""

    transport = make_transport(retries=0, deadline=5)
    with RawServer(None) as other, LocalServer(handler) as origin:
        box["location"] = shape.format(P=origin.port, Q=other.port)
        with pytest.raises(RequestError) as caught:
            transport.handle_request(post(origin.url("/start")))
    assert caught.value.status == 307
    assert other.accepted == 0, "a redirect reached another listener"
    assert_no_secret(caught.value)


@pytest.mark.parametrize(("shape", "path"), hostile.FOLLOWED_LOCATIONS)
def test_same_origin_spelled_differently_is_followed(
    make_transport: MakeTransport, shape: str, path: str
) -> None:
    box: dict[str, str] = {}

    def handler(method: str, got: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if got == "/start":
            return 307, {"Location": box["location"]}, b""
        return 200, {}, b"at " + got.encode()

    with LocalServer(handler) as origin:
        box["location"] = shape.format(P=origin.port)
        response = make_transport(retries=0).handle_request(post(origin.url("/start")))
        second = origin.requests[1]
    assert response.body == b"at " + path.encode()
    assert (second.method, second.path) == ("POST", path)


@pytest.mark.parametrize("status", [301, 302, 303])
def test_post_is_not_resent_on_301_302_303(make_transport: MakeTransport, status: int) -> None:
    with LocalServer(fixed(status, Location="/elsewhere")) as server:
        with pytest.raises(RequestError, match="only re-sent on 307 or 308") as caught:
            make_transport().handle_request(post(server.url("/session/create")))
        assert len(server.requests) == 1
    assert caught.value.status == status


def test_redirect_loop_stops_after_max_redirects(make_transport: MakeTransport) -> None:
    with LocalServer(fixed(307, Location="/loop")) as server:
        with pytest.raises(RequestError, match=r"max_redirects \(2\)"):
            make_transport(max_redirects=2).handle_request(post(server.url("/loop")))
        assert len(server.requests) == 3


# --- retries: only when nothing was sent, or on 429/503 -------------------------------------------


def test_nothing_listening_is_retried_then_reported(
    make_transport: MakeTransport, sleeps: Sleeps
) -> None:
    url = f"http://127.0.0.1:{free_port()}/session/create"
    with pytest.raises(RequestError, match="could not connect") as caught:
        make_transport(retries=2).handle_request(post(url))
    assert caught.value.status is None
    assert len(sleeps.calls) == 2
    assert_no_secret(caught.value)


def test_429_is_retried_after_a_capped_retry_after(
    make_transport: MakeTransport, sleeps: Sleeps
) -> None:
    replies = in_turn((429, {"Retry-After": "3600"}, b""), (200, {}, b"ok"))
    with LocalServer(replies) as server:
        response = make_transport(max_retry_after=1.5).handle_request(post(server.url("/")))
        assert len(server.requests) == 2
    assert response.body == b"ok"
    assert sleeps.calls == [1.5]


def test_repeated_503_returns_the_last_answer(
    make_transport: MakeTransport, sleeps: Sleeps
) -> None:
    with LocalServer(fixed(503, b"busy", Retry_After="0")) as server:
        response = make_transport(retries=2).handle_request(post(server.url("/")))
        assert len(server.requests) == 3
    assert (response.status, response.body) == (503, b"busy")
    assert sleeps.calls == [0.0, 0.0]


@pytest.mark.parametrize("status", [500, 502, 504, 400])
def test_other_errors_are_answers_and_not_retried(
    make_transport: MakeTransport, status: int
) -> None:
    with LocalServer(fixed(status, b"no")) as server:
        assert make_transport().handle_request(post(server.url("/"))).status == status
        assert len(server.requests) == 1


def test_a_post_whose_connection_breaks_after_sending_is_not_resent(
    make_transport: MakeTransport, sleeps: Sleeps
) -> None:
    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        raise ResetConnection

    with LocalServer(handler) as server:
        with pytest.raises(RequestError, match="may have been processed") as caught:
            make_transport(retries=3).handle_request(post(server.url("/")))
        assert len(server.requests) == 1
    assert sleeps.calls == []
    assert caught.value.status is None
    assert_no_secret(caught.value)


# --- max_body counts decoded bytes; framing tricks ------------------------------------------------


def test_content_length_over_the_cap_is_refused(make_transport: MakeTransport) -> None:
    with LocalServer(fixed(200, b"x" * 2000)) as server:
        with pytest.raises(RequestError, match="max_body") as caught:
            make_transport(max_body=1000).handle_request(post(server.url("/")))
    assert caught.value.status == 200


@pytest.mark.parametrize("chunked", [False, True])
def test_body_exactly_at_the_cap_is_accepted(make_transport: MakeTransport, chunked: bool) -> None:
    body: bytes | list[bytes] = [b"x" * 500, b"y" * 500] if chunked else b"z" * 1000
    with LocalServer(lambda *_: (200, {}, body)) as server:
        response = make_transport(max_body=1000).handle_request(post(server.url("/")))
    assert len(response.body) == 1000


def test_endless_chunked_body_is_cut_at_the_cap(make_transport: MakeTransport) -> None:
    def endless() -> Iterator[bytes]:
        for _ in range(100_000):
            yield b"x" * 4096

    with LocalServer(lambda *_: (200, {}, endless())) as server:
        started = time.monotonic()
        with pytest.raises(RequestError, match="max_body"):
            make_transport(max_body=64 * 1024).handle_request(post(server.url("/")))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_gzip_bomb_is_refused_by_decoded_size(
    make_transport: MakeTransport, encoding: str
) -> None:
    payload = hostile.bomb_for(encoding)
    with hostile.answer_encoded(encoding, payload) as server:
        with pytest.raises(RequestError, match="max_body"):
            make_transport(retries=0).handle_request(post(server.url("/bomb")))


@pytest.mark.parametrize("tail", hostile.FRAMING_TRICKS.values(), ids=hostile.FRAMING_TRICKS.keys())
def test_framing_tricks_end_in_request_error(make_transport: MakeTransport, tail: bytes) -> None:
    with hostile.answer_once(b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + tail, b"") as server:
        transport = make_transport(retries=0, deadline=5)
        started = time.monotonic()
        with pytest.raises(RequestError) as caught:
            transport.handle_request(post(server.url("/framing")))
        assert time.monotonic() - started < 3
    assert_no_secret(caught.value)


def test_a_huge_header_block_ends_in_request_error(make_transport: MakeTransport) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nX-Big: "
        + b"a" * (5 * hostile.MIB)
        + b"\r\nContent-Length: 2\r\n\r\nok"
    )
    with hostile.answer_once(head, b"") as server:
        started = time.monotonic()
        with pytest.raises(RequestError):
            make_transport(retries=0, deadline=5).handle_request(post(server.url("/")))
        assert time.monotonic() - started < 3


# --- the whole call's deadline --------------------------------------------------------------------


#: Drips of the answer's head: the async transport wants a whole head within read_timeout.
HEAD_DRIPS = frozenset({"headers", "header-bytes", "status-line", "100-continue"})


@pytest.mark.parametrize(("head", "drop"), hostile.DRIPS.values(), ids=hostile.DRIPS.keys())
def test_a_dripping_service_ends_by_read_timeout_or_the_deadline(
    request: pytest.FixtureRequest, head: bytes, drop: bytes
) -> None:
    # Only the async transport here: test_hostile_transport runs the same drips on urllib3.
    drip = request.node.callspec.id
    sleeps = Sleeps()
    transport = BlockingAsync(sleeps, retries=0, read_timeout=1, deadline=2)
    with hostile.drip_script(head, drop) as server:
        started = time.monotonic()
        with pytest.raises(RequestError) as caught:
            transport.handle_request(post(server.url("/drip")))
        elapsed = time.monotonic() - started
        transport.close()
    message = str(caught.value)
    if "broke before a complete answer" in message:
        # aiohttp's parser may refuse the drip first (a status code growing past 3 digits).
        assert drip in HEAD_DRIPS
        assert elapsed < 1.5, elapsed
    elif drip in HEAD_DRIPS:
        # The head as a whole is due read_timeout after the request went out.
        assert "timed out after 1.0 s waiting for an answer" in message
        assert 0.9 <= elapsed < 1.5, elapsed
    else:
        # The body keeps coming, so read_timeout never ends it: the deadline does.
        assert "deadline (2 s" in message
        assert 1.9 <= elapsed < 2.5, elapsed
    assert caught.value.status is None
    assert_no_secret(caught.value)


def test_the_deadline_bounds_retries_too() -> None:
    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")

    async def real_sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def run(url: str) -> tuple[Response, float]:
        async with AiohttpTransport(retries=10, max_retry_after=1, deadline=2.5) as transport:
            started = time.monotonic()
            response = await transport.handle_request(post(url))
            return response, time.monotonic() - started

    with RawServer(script) as server:
        response, elapsed = asyncio.run(run(server.url("/busy")))
    assert response.status == 503
    assert elapsed < 3.0
    assert 2 <= server.accepted <= 3


# --- natively async: cancellation, async with, one loop -------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpTransport]:
    async with AiohttpTransport(retries=0, deadline=10) as made:
        yield made


class HalfAnswer:
    """Answers the first connection's request with headers and half a body, then waits for
    the client to hang up (recording that it did); answers later connections in full."""

    def __init__(self) -> None:
        self.head_sent = threading.Event()
        self.first_closed = threading.Event()
        self.server = RawServer(self._script)
        self._first = True
        self._lock = threading.Lock()

    def _script(self, conn: RawConnection) -> None:
        with self._lock:
            first, self._first = self._first, False
        if not first:
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine")
            return
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
        self.head_sent.set()
        conn.sock.settimeout(0.1)
        for _ in range(100):  # 10 s at most
            try:
                if conn.sock.recv(1) == b"":
                    break
            except TimeoutError:
                if not conn.pause(0):
                    return
                continue
            except OSError:
                break
        else:
            return
        self.first_closed.set()


@pytest.mark.anyio
async def test_a_cancelled_call_raises_cancelled_and_closes_its_connection(
    transport: AiohttpTransport,
) -> None:
    half = HalfAnswer()
    with half.server as server:
        task = asyncio.ensure_future(transport.handle_request(post(server.url("/slow"))))
        assert await asyncio.to_thread(half.head_sent.wait, 5), "no answer was begun"
        await asyncio.sleep(0.05)  # the client is now mid-body
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The half-read connection was closed, not put back in the pool.
        closed = await asyncio.get_running_loop().run_in_executor(None, half.first_closed.wait, 5)
        assert closed, "the cancelled call left its connection open"
        response = await transport.handle_request(post(server.url("/again")))
        assert response.body == b"fine"
        assert server.accepted == 2  # a new connection, not the half-read one


class StallingServer(LocalServer):
    """A server that holds each ``/stall`` request until it stops (5 s at most) and answers
    any other path with ``ok`` at once. ``stalled`` is set once it holds a request."""

    def __init__(self) -> None:
        self.stalled = threading.Event()
        self._release = threading.Event()
        super().__init__(self._handle)

    def _handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if path == "/stall":
            self.stalled.set()
            self._release.wait(5)
        return 200, {}, b"ok"

    def __enter__(self) -> StallingServer:
        super().__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._release.set()
        super().__exit__(*exc_info)


def stalling_server() -> StallingServer:
    """A :class:`StallingServer`, to use in a ``with`` block."""
    return StallingServer()


async def cancelled_while_waiting_for_headers(
    transport: AiohttpTransport, server: StallingServer
) -> pytest.ExceptionInfo[asyncio.CancelledError]:
    """Cancel a call once the server has its request (and is holding its answer)."""
    task = asyncio.ensure_future(transport.handle_request(post(server.url("/stall"))))
    assert await asyncio.to_thread(server.stalled.wait, 5), "the request never arrived"
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await task
    return caught


@pytest.mark.anyio
async def test_cancelling_while_connecting_or_waiting_for_headers(
    transport: AiohttpTransport,
) -> None:
    with stalling_server() as server:
        await cancelled_while_waiting_for_headers(transport, server)
        with LocalServer(fixed(200, b"ok")) as good:
            assert (await transport.handle_request(post(good.url("/")))).body == b"ok"


def slow_echo(seconds: float) -> Callable[[str, str, Mapping[str, str], bytes], Reply]:
    """A handler that answers each request with its path, ``seconds`` later."""

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        time.sleep(seconds)
        return 200, {}, path.encode()

    return handler


async def post_at_once(transport: AiohttpTransport, urls: list[str]) -> list[Response]:
    """One POST to each of ``urls``, all in flight at once; the answers in the same order."""
    return await asyncio.gather(*(transport.handle_request(post(url)) for url in urls))


@pytest.mark.anyio
async def test_many_concurrent_calls_share_a_bounded_pool() -> None:
    with LocalServer(slow_echo(0.02)) as server:
        async with AiohttpTransport(pool_maxsize=4) as transport:
            answers = await post_at_once(transport, [server.url(f"/{i}") for i in range(40)])
    assert [a.body for a in answers] == [f"/{i}".encode() for i in range(40)]
    assert len(server.requests) == 40


@pytest.mark.anyio
async def test_the_pool_never_opens_more_than_pool_maxsize_connections() -> None:
    peers: set[int] = set()

    def script(conn: RawConnection) -> None:
        peers.add(conn.sock.getpeername()[1])
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        while conn.pause(0.01):
            data = b""
            with contextlib.suppress(TimeoutError):
                conn.sock.settimeout(0.05)
                data = conn.sock.recv(65536)
            if data == b"":
                return
            if b"\r\n\r\n" in data:
                conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with RawServer(script) as server:
        async with AiohttpTransport(pool_maxsize=3) as transport:
            answers = await post_at_once(transport, [server.url("/")] * 30)
    assert all(a.body == b"ok" for a in answers)
    assert server.accepted <= 3


# --- the watchdog: read_timeout and the deadline without a timer per request --------------------


@pytest.mark.anyio
async def test_a_wait_for_a_free_connection_is_bounded_by_the_deadline_not_read_timeout() -> None:
    # One connection, three calls of 0.6 s each: the last waits 1.2 s for the connection,
    # longer than read_timeout, and then gets its answer within read_timeout.
    with LocalServer(slow_echo(0.6)) as server:
        async with AiohttpTransport(pool_maxsize=1, read_timeout=1.0, deadline=6) as transport:
            answers = await post_at_once(transport, [server.url(f"/{i}") for i in range(3)])
    assert [answer.body for answer in answers] == [b"/0", b"/1", b"/2"]


@pytest.mark.anyio
async def test_a_body_that_stops_coming_ends_within_twice_read_timeout() -> None:
    def script(conn: RawConnection) -> None:
        conn.read_head()
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(6):  # 1.2 s of body, each part well within read_timeout
            if not (conn.pause(0.2) and conn.send(b"x")):
                return
        conn.pause(10)  # then nothing

    with RawServer(script) as server:
        async with AiohttpTransport(retries=0, read_timeout=0.5, deadline=10) as transport:
            started = time.monotonic()
            with pytest.raises(RequestError, match=r"timed out after 0\.5 s") as caught:
                await transport.handle_request(post(server.url("/stops")))
            elapsed = time.monotonic() - started
    # Not cut while the body came (1.2 s > read_timeout); ended 0.5 to 1 s after it stopped.
    assert 1.6 <= elapsed < 2.6, elapsed
    assert caught.value.status is None
    assert_no_secret(caught.value)


@pytest.mark.anyio
async def test_a_timeout_leaves_the_task_uncancelled_and_the_transport_usable() -> None:
    with stalling_server() as server:
        async with AiohttpTransport(retries=0, read_timeout=0.3) as transport:
            with pytest.raises(RequestError, match="read_timeout"):
                await transport.handle_request(post(server.url("/stall")))
            task = asyncio.current_task()
            assert task is not None
            if sys.version_info >= (3, 11):
                # The watchdog's cancel was taken back: an enclosing asyncio.timeout or
                # TaskGroup does not see this task as being cancelled.
                assert task.cancelling() == 0
            await asyncio.sleep(0)  # no cancellation is left pending either
            answer = await transport.handle_request(post(server.url("/after")))
    assert answer.body == b"ok"


@pytest.mark.anyio
@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 cannot count cancel requests")
async def test_a_callers_cancel_at_the_moment_of_a_timeout_still_cancels() -> None:
    with stalling_server() as server:
        async with AiohttpTransport(retries=0, read_timeout=0.3) as transport:
            task = asyncio.ensure_future(transport.handle_request(post(server.url("/stall"))))
            loop = asyncio.get_running_loop()
            # Cancelled by its caller in the very loop turn the watchdog fires in.
            loop.call_at(loop.time() + 0.3, task.cancel)
            with pytest.raises(asyncio.CancelledError):
                await task


@pytest.mark.anyio
async def test_aclose_keeps_the_transport_usable() -> None:
    with LocalServer(fixed(200, b"ok")) as server:
        transport = AiohttpTransport()
        assert (await transport.handle_request(post(server.url("/")))).body == b"ok"
        await transport.aclose()
        await transport.aclose()  # twice is fine
        assert (await transport.handle_request(post(server.url("/")))).body == b"ok"
        await transport.aclose()


def test_one_loop_at_a_time_and_aclose_frees_it_for_the_next() -> None:
    transport = AiohttpTransport()

    async def call(url: str) -> bytes:
        return (await transport.handle_request(post(url))).body

    async def call_and_close(url: str) -> bytes:
        try:
            return await call(url)
        finally:
            await transport.aclose()

    with LocalServer(fixed(200, b"ok")) as server:
        loop = asyncio.new_event_loop()
        try:
            assert loop.run_until_complete(call(server.url("/"))) == b"ok"
            with pytest.raises(RuntimeError, match="one event loop at a time"):
                asyncio.run(call(server.url("/")))
            loop.run_until_complete(transport.aclose())
        finally:
            loop.close()
        assert asyncio.run(call_and_close(server.url("/"))) == b"ok"
        assert asyncio.run(call_and_close(server.url("/"))) == b"ok"


@pytest.mark.anyio
async def test_secrets_stay_out_of_errors_logs_and_reprs(
    transport: AiohttpTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="opentok_rules.transport")
    errors: list[BaseException] = []
    for url in (
        f"http://127.0.0.1:{free_port()}/refused",
        "http://user:pw@127.0.0.1/x",
    ):
        try:
            await transport.handle_request(post(url))
        except RequestError as err:
            errors.append(err)
    with LocalServer(fixed(307, Location="http://127.0.0.1:1/x")) as server:
        try:
            await transport.handle_request(post(server.url("/")))
        except RequestError as err:
            errors.append(err)
    assert len(errors) == 3
    for error in errors:
        assert_no_secret(error)
    assert SECRET not in caplog.text
    assert "<redacted>" in caplog.text
    assert SECRET not in repr(transport)


@pytest.mark.anyio
async def test_a_cancelled_calls_frames_of_this_library_hold_no_secret_in_their_locals(
    transport: AiohttpTransport,
) -> None:
    # CancelledError passes through untouched (asyncio's own frames and aiohttp's stay as
    # they are); this library's frames must not add a credential to what a reporter records.
    with stalling_server() as server:
        caught = await cancelled_while_waiting_for_headers(transport, server)
    # Python 3.10 raises a new CancelledError in the awaiting frame, the task's own (through
    # the transport) as its __context__; 3.11 and later re-raise the task's own.
    raised: list[BaseException] = [caught.value]
    while (context := raised[-1].__context__) is not None and context not in raised:
        raised.append(context)
    ours = [
        frame
        for error in raised
        for frame, _ in traceback.walk_tb(error.__traceback__)
        if "opentok_rules" in frame.f_code.co_filename
    ]
    assert ours, "the traceback passes through the transport"
    for frame in ours:
        for name, value in frame.f_locals.items():
            assert SECRET not in repr(value), (frame.f_code.co_name, name)


def test_the_protocol_and_the_exported_names() -> None:
    transport = AiohttpTransport()
    assert isinstance(transport, AsyncTransport)
    assert DefaultAsyncTransport is AiohttpTransport
    assert repr(transport).startswith("AiohttpTransport(connect_timeout=2.0")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"connect_timeout": 0}, "connect_timeout must be a finite number > 0"),
        ({"read_timeout": float("nan")}, "read_timeout"),
        ({"deadline": -1}, "deadline"),
        ({"max_retry_after": float("inf")}, "max_retry_after"),
        ({"retries": -1}, "retries must be an integer >= 0"),
        ({"max_body": 1.5}, "max_body"),
        ({"pool_maxsize": 0}, "pool_maxsize"),
        ({"ca_certs": "/nonexistent.pem"}, "ca_certs must be the path of a PEM file"),
        ({"sleep": 3}, "sleep must be an async callable"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        AiohttpTransport(**kwargs)


# --- the extra, and memory, in child processes ----------------------------------------------------


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_aiohttp_one_clear_line_names_the_extra() -> None:
    done = _python(
        """
        import sys
        sys.modules["aiohttp"] = None  # as if it were not installed
        import opentok_rules.http.async_transport as at
        for call in (at.require_async_library, at.AiohttpTransport):
            try:
                call()
            except ImportError as err:
                print(err)
        """
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [f"the async clients need aiohttp; install it with: {INSTALL_HINT}"] * 2


def test_importing_the_package_does_not_import_aiohttp() -> None:
    done = _python("import sys, opentok_rules; print('aiohttp' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


_CHILD = """
import asyncio, json, sys
from opentok_rules.http.async_transport import AiohttpTransport
from opentok_rules.errors import RequestError
from opentok_rules.http.transport import Request

async def main(url, max_body, deadline):
    async with AiohttpTransport(retries=0, max_body=max_body, deadline=deadline) as transport:
        try:
            response = await transport.handle_request(Request("GET", url))
        except RequestError as err:
            return {"error": "RequestError", "message": str(err)}
        except BaseException as err:
            return {"error": type(err).__name__, "message": str(err)}
        return {"status": response.status, "length": len(response.body)}

print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))))
"""


def run_async_client(url: str, max_body: int = hostile.MIB) -> hostile.ChildRun:
    """One GET through AiohttpTransport in a child process, measured (``hostile.run_child``)."""
    return hostile.run_child(_CHILD, url, max_body, 10.0)


@pytest.fixture(scope="module")
def async_baseline_rss() -> int:
    return hostile.baseline_rss_of(run_async_client)


@pytest.mark.parametrize("encoding", hostile.BOMBS)
def test_a_decompression_bomb_costs_no_more_than_max_body(
    encoding: str, async_baseline_rss: int
) -> None:
    payload = hostile.bomb_for(encoding)
    with hostile.answer_encoded(encoding, payload) as server:
        outcome, rss, elapsed = run_async_client(server.url("/bomb"))
        assert b"accept-encoding: identity" in server.received[0].lower()
    if encoding.lower() in ("gzip", "deflate"):
        assert outcome["error"] == "RequestError", outcome
        assert "max_body" in outcome["message"]
    else:
        # An encoding aiohttp does not decode (stacked, or br/zstd without their modules)
        # arrives as its few wire bytes, undecoded; or it is refused. Either way bounded.
        assert outcome.get("error") == "RequestError" or outcome["length"] < hostile.MIB, outcome
    assert rss - async_baseline_rss < hostile.MEMORY_SLACK, (
        f"grew {(rss - async_baseline_rss) / hostile.MIB} MiB"
    )
    assert elapsed < 15


@pytest.mark.parametrize("encoding", hostile.REFUSED_CODINGS)
def test_an_encoding_not_asked_for_is_refused_unread(encoding: str) -> None:
    body = bytes(200)
    with hostile.answer_encoded(encoding, body) as server:
        outcome, _ = hostile.run_here(_CHILD, server.url("/encoded"), hostile.MIB, 10.0)
    # Refused by the policy's check, or (where aiohttp's parser met the body first and has a
    # decoder for it) by aiohttp itself: a library error either way, never a decoded body.
    assert outcome["error"] == "RequestError", outcome


def test_an_endless_body_costs_no_more_than_max_body(async_baseline_rss: int) -> None:
    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(10_000):
            if not conn.send(chunk):
                return

    with RawServer(script) as server:
        outcome, rss, elapsed = run_async_client(server.url("/endless"))
    assert outcome["error"] == "RequestError", outcome
    assert "max_body" in outcome["message"]
    assert rss - async_baseline_rss < hostile.MEMORY_SLACK
    assert elapsed < 10


def test_answer_headers_read_as_the_policy_expects() -> None:
    from multidict import CIMultiDict, CIMultiDictProxy

    raw = CIMultiDict(
        [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "a=1"),
            ("set-cookie", "b=2"),
            ("X-OPENTOK-AUTH", "echoed-secret"),
        ]
    )
    headers = _AnswerHeaders(CIMultiDictProxy(raw))
    # Lower-case names, each once; a repeated field joined as urllib3 and httpx join it.
    assert list(headers) == ["content-type", "set-cookie", "x-opentok-auth"]
    assert len(headers) == 3
    assert headers["set-cookie"] == "a=1, b=2"
    assert headers.get("content-type") == "application/json"
    assert headers.get("content-length") is None
    assert headers.get("content-length", "0") == "0"
    assert "content-type" in headers
    assert "content-length" not in headers
    with pytest.raises(KeyError):
        headers["content-length"]
    assert headers == {
        "content-type": "application/json",
        "set-cookie": "a=1, b=2",
        "x-opentok-auth": "echoed-secret",
    }
    assert "echoed-secret" not in repr(headers)
    # A Response may be cached or sent to another process: its headers pickle as a dict.
    for copied in (pickle.loads(pickle.dumps(headers)), copy.deepcopy(headers)):
        assert type(copied) is dict
        assert copied == headers
