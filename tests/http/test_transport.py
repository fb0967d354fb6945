"""The default transport against real local servers: caps, timeouts, retries, redirects."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import urllib3
from _support.http import Handler, LocalServer, Reply, ResetConnection, free_port, in_turn

from opentok_rules.errors import RequestError
from opentok_rules.http import transport as transport_module
from opentok_rules.http.transport import (
    AsyncTransport,
    Request,
    Response,
    Transport,
)
from opentok_rules.http.urllib3_transport import Urllib3Transport

SECRET = "jwt-secret-value-that-must-never-leak"
AUTH = {"X-OPENTOK-AUTH": SECRET, "Accept": "application/json"}
MIB = 1 << 20

Serve = Callable[[Handler], LocalServer]
MakeTransport = Callable[..., Urllib3Transport]


class SleepRecorder:
    """Stands in for time.sleep: remembers each delay, waits for none."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def serve() -> Iterator[Serve]:
    with contextlib.ExitStack() as stack:
        yield lambda handler: stack.enter_context(LocalServer(handler))


@pytest.fixture
def release(serve: Serve) -> Iterator[threading.Event]:
    """Set at teardown, before the servers stop, so stalled handlers can finish."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def sleep() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_transport(sleep: SleepRecorder) -> Iterator[MakeTransport]:
    made: list[Urllib3Transport] = []

    def make(**kwargs: Any) -> Urllib3Transport:
        kwargs.setdefault("sleep", sleep)
        transport = Urllib3Transport(**kwargs)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        transport.close()


def answer(status: int = 200, body: bytes = b"{}", **headers: str) -> Handler:
    """A handler that always gives the same answer."""

    def handler(method: str, path: str, hdrs: Mapping[str, str], req_body: bytes) -> Reply:
        return status, {name.replace("_", "-"): value for name, value in headers.items()}, body

    return handler


def post(url: str, body: bytes = b'{"p2p": false}') -> Request:
    return Request("POST", url, dict(AUTH), body)


# --- round trip --------------------------------------------------------------------------


def test_post_round_trip_sends_method_path_headers_and_body(
    serve: Serve, make_transport: MakeTransport
) -> None:
    server = serve(answer(200, b'[{"session_id": "1_x"}]', X_Trace="abc"))
    response = make_transport().handle_request(post(server.url("/session/create"), b"a=1&b=2"))

    assert response == Response(200, response.headers, b'[{"session_id": "1_x"}]')
    assert response.headers["x-trace"] == "abc"
    assert all(name == name.lower() for name in response.headers)
    (seen,) = server.requests
    assert (seen.method, seen.path, seen.body) == ("POST", "/session/create", b"a=1&b=2")
    assert seen.headers["x-opentok-auth"] == SECRET
    assert seen.headers["accept"] == "application/json"


def test_transport_satisfies_the_protocol_and_is_a_context_manager() -> None:
    with Urllib3Transport() as transport:
        assert isinstance(transport, Transport)


def test_keep_alive_and_concurrent_use_from_many_threads(
    serve: Serve, make_transport: MakeTransport
) -> None:
    def echo(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {}, body

    server = serve(echo)
    transport = make_transport(pool_maxsize=4)
    results: list[bytes] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(5):
            body = f"{n}-{i}".encode()
            got = transport.handle_request(post(server.url("/echo"), body)).body
            with lock:
                results.append(got)
            assert got == body

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 40


def test_importing_the_module_does_not_import_urllib3() -> None:
    code = "import sys, opentok_rules.http.transport; print('urllib3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_http_package_names_the_default_transport_and_imports_urllib3_only_then() -> None:
    code = (
        "import sys, opentok_rules.http as h; before = 'urllib3' in sys.modules; "
        "from opentok_rules.http import Urllib3Transport; "
        "from opentok_rules.http.urllib3_transport import Urllib3Transport as U; "
        "print(before, 'urllib3' in sys.modules, Urllib3Transport is U)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = transport_module.Nope  # type: ignore[attr-defined]


def test_the_old_module_path_still_serves_the_default_transport_with_a_warning() -> None:
    import opentok_rules.transport as old

    with pytest.warns(DeprecationWarning, match=r"Urllib3Transport from opentok_rules\.http"):
        assert old.Urllib3Transport is Urllib3Transport


def test_async_transport_protocol_matches_an_async_implementation() -> None:
    class Canned:
        async def handle_request(self, request: Request) -> Response:
            return Response(200, {}, b"ok")

        async def aclose(self) -> None:
            pass

    assert isinstance(Canned(), AsyncTransport)
    assert not isinstance(Canned(), Transport)


def test_identity_is_the_only_encoding_asked_for(
    serve: Serve, make_transport: MakeTransport
) -> None:
    server = serve(answer(200, b"ok"))
    make_transport().handle_request(post(server.url("/")))
    assert server.requests[0].headers["accept-encoding"] == "identity"


def test_debug_log_reports_the_real_elapsed_time(
    serve: Serve, make_transport: MakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(answer(200, b"ok"))
    caplog.set_level(logging.DEBUG, logger="opentok_rules.transport")
    started = time.monotonic()
    make_transport().handle_request(post(server.url("/")))
    wall_ms = (time.monotonic() - started) * 1000
    (line,) = [r.getMessage() for r in caplog.records if " -> 200 in " in r.getMessage()]
    logged_ms = float(line.rsplit(" in ", 1)[1].removesuffix(" ms"))
    assert 0 <= logged_ms <= wall_ms


# --- body cap ------------------------------------------------------------------------------


def refused_at_once(make_transport: MakeTransport, server: LocalServer) -> RequestError:
    """The error of a POST whose answer is over max_body: a 200, raised within a second."""
    started = time.monotonic()
    with pytest.raises(RequestError, match="max_body") as caught:
        make_transport(read_timeout=3).handle_request(post(server.url("/big")))
    assert time.monotonic() - started < 1
    assert caught.value.status == 200
    return caught.value


def test_content_length_over_the_cap_is_refused_without_reading_the_body(
    serve: Serve, make_transport: MakeTransport, release: threading.Event
) -> None:
    def stalled_body() -> Iterator[bytes]:
        yield b"x" * 10
        release.wait(5)  # reading the whole body would hit the read timeout instead

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {"Content-Length": str(MIB + 1)}, stalled_body()

    caught = refused_at_once(make_transport, serve(handler))
    assert "Content-Length says 1048577" in str(caught)


def test_chunked_body_over_the_cap_is_refused_as_soon_as_it_passes_the_cap(
    serve: Serve, make_transport: MakeTransport, release: threading.Event
) -> None:
    def endless_body() -> Iterator[bytes]:
        for _ in range(MIB // 4096 + 1):
            yield b"y" * 4096
        release.wait(5)  # the client must not wait for the end of the body
        yield b"end"

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {}, endless_body()

    refused_at_once(make_transport, serve(handler))


@pytest.mark.parametrize("chunked", [False, True])
def test_body_exactly_at_the_cap_is_accepted(
    serve: Serve, make_transport: MakeTransport, chunked: bool
) -> None:
    payload = b"z" * MIB

    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {}, iter([payload[: MIB // 2], payload[MIB // 2 :]]) if chunked else payload

    server = serve(handler)
    response = make_transport().handle_request(post(server.url("/exact")))
    assert response.body == payload


def test_smaller_cap_is_honoured(serve: Serve, make_transport: MakeTransport) -> None:
    server = serve(answer(200, b"0123456789"))
    with pytest.raises(RequestError, match=r"max_body \(9 bytes"):
        make_transport(max_body=9).handle_request(post(server.url("/")))
    assert make_transport(max_body=10).handle_request(post(server.url("/"))).body == b"0123456789"


# --- failures without an answer ------------------------------------------------------------


def test_stalled_server_times_out_quickly_and_is_not_retried(
    serve: Serve, make_transport: MakeTransport, release: threading.Event, sleep: SleepRecorder
) -> None:
    def stall(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        release.wait(5)
        return 200, {}, b"too late"

    server = serve(stall)
    started = time.monotonic()
    with pytest.raises(RequestError, match=r"timed out after 0\.3 s") as caught:
        make_transport(read_timeout=0.3).handle_request(post(server.url("/slow")))
    assert time.monotonic() - started < 2
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, urllib3.exceptions.ReadTimeoutError)
    assert "read_timeout" in str(caught.value)
    assert f"127.0.0.1:{server.port}" in str(caught.value)
    release.set()  # the stalled handler ends; the one request may still be on its way in
    assert len(server.wait_for_requests(1)) == 1
    assert sleep.calls == []  # no retry: it would have waited first


def test_nothing_listening_is_retried_then_reported(
    make_transport: MakeTransport, sleep: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    caplog.set_level(logging.DEBUG, logger="opentok_rules.transport")
    with pytest.raises(RequestError) as caught:
        make_transport(retries=2).handle_request(post(f"http://127.0.0.1:{port}/session"))

    message = str(caught.value)
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, urllib3.exceptions.NewConnectionError)
    assert f"could not connect to 127.0.0.1:{port} (connection refused)" in message
    assert "check api_url" in message
    assert sleep.calls == [0.1, 0.2]
    attempts = [r for r in caplog.records if "headers=" in r.getMessage()]
    assert len(attempts) == 3


def test_connect_timeout_is_retried(
    make_transport: MakeTransport, sleep: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def urlopen(request: Request, target: Any, timeout: Any) -> Any:
        calls.append(target.url)
        raise urllib3.exceptions.ConnectTimeoutError(None, "Connection timed out")

    transport = make_transport(retries=3, connect_timeout=0.5)
    monkeypatch.setattr(transport, "_urlopen", urlopen)
    with pytest.raises(RequestError, match=r"timed out after 0\.5 s connecting") as caught:
        transport.handle_request(post("https://127.0.0.1:9/session/create"))
    assert "connect_timeout" in str(caught.value)
    assert len(calls) == 4
    assert len(sleep.calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out"),  # type: ignore[arg-type]
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "x")),
    ],
)
def test_errors_after_sending_are_not_retried(
    make_transport: MakeTransport, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    calls: list[str] = []

    def urlopen(request: Request, target: Any, timeout: Any) -> Any:
        calls.append(target.url)
        raise error

    transport = make_transport(retries=3)
    monkeypatch.setattr(transport, "_urlopen", urlopen)
    with pytest.raises(RequestError) as caught:
        transport.handle_request(post("https://127.0.0.1:9/session/create"))
    assert caught.value.__cause__ is error
    assert len(calls) == 1


def test_post_whose_connection_is_reset_after_sending_is_not_resent(
    serve: Serve, make_transport: MakeTransport, sleep: SleepRecorder
) -> None:
    def reset(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        raise ResetConnection

    server = serve(reset)
    with pytest.raises(RequestError, match="not sent again") as caught:
        make_transport(retries=2).handle_request(post(server.url("/session/create")))
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, urllib3.exceptions.ProtocolError)
    assert len(server.requests) == 1
    assert server.requests[0].body == b'{"p2p": false}'
    assert sleep.calls == []


def test_tls_failure_is_reported_and_not_retried(
    serve: Serve, make_transport: MakeTransport, sleep: SleepRecorder
) -> None:
    server = serve(answer(200))  # plain HTTP: the TLS handshake cannot succeed
    url = f"https://127.0.0.1:{server.port}/session/create"
    with pytest.raises(RequestError, match="TLS handshake") as caught:
        make_transport().handle_request(post(url))
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, urllib3.exceptions.SSLError)
    assert sleep.calls == []


def test_invalid_url_is_a_request_error(make_transport: MakeTransport) -> None:
    with pytest.raises(RequestError, match="only absolute http"):
        make_transport().handle_request(post("ftp://example.com/x"))


def test_proxy_gets_the_absolute_url_and_proxy_credentials(
    serve: Serve, make_transport: MakeTransport
) -> None:
    proxy = serve(answer(200, b"via proxy"))
    transport = make_transport(proxy_url=f"http://alice:s3cret@127.0.0.1:{proxy.port}")
    response = transport.handle_request(post("http://api.example.invalid/session/create"))
    assert response.body == b"via proxy"
    (seen,) = proxy.requests
    assert seen.path == "http://api.example.invalid/session/create"
    assert seen.headers["proxy-authorization"] == "Basic YWxpY2U6czNjcmV0"


def test_unreachable_proxy_is_retried_then_reported(
    make_transport: MakeTransport, sleep: SleepRecorder
) -> None:
    port = free_port()
    transport = make_transport(proxy_url=f"http://127.0.0.1:{port}", retries=1)
    with pytest.raises(RequestError, match=r"proxy http://127\.0\.0\.1:\d+ \(connection refused\)"):
        transport.handle_request(post("https://api.example.invalid/session/create"))
    assert sleep.calls == [0.1]


# --- 429 / 503 -----------------------------------------------------------------------------


def test_429_is_retried_after_retry_after(
    serve: Serve, make_transport: MakeTransport, sleep: SleepRecorder
) -> None:
    server = serve(in_turn((429, {"Retry-After": "1"}, b"slow down"), (200, {}, b"ok")))
    response = make_transport().handle_request(post(server.url("/")))
    assert response.status == 200
    assert response.body == b"ok"
    assert sleep.calls == [1.0]
    assert len(server.requests) == 2
    assert server.requests[1].body == server.requests[0].body


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("999", 5.0),
        ("0.25", 0.25),
        ("Wed, 21 Oct 2099 07:28:00 GMT", 5.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", 0.1),
    ],
)
def test_retry_after_is_capped_and_parsed(
    serve: Serve,
    make_transport: MakeTransport,
    sleep: SleepRecorder,
    retry_after: str,
    expected: float,
) -> None:
    server = serve(in_turn((503, {"Retry-After": retry_after}, b""), (200, {}, b"ok")))
    transport = make_transport(max_retry_after=5.0)
    assert transport.handle_request(post(server.url("/"))).status == 200
    assert sleep.calls == [expected]


def test_repeated_503_returns_the_last_answer_after_all_retries(
    serve: Serve, make_transport: MakeTransport, sleep: SleepRecorder
) -> None:
    server = serve(answer(503, b"down"))
    response = make_transport(retries=2).handle_request(post(server.url("/")))
    assert (response.status, response.body) == (503, b"down")
    assert len(server.requests) == 3
    assert sleep.calls == [0.1, 0.2]


def test_zero_retries_means_one_attempt(
    serve: Serve, make_transport: MakeTransport, sleep: SleepRecorder
) -> None:
    server = serve(answer(429))
    assert make_transport(retries=0).handle_request(post(server.url("/"))).status == 429
    assert len(server.requests) == 1
    assert sleep.calls == []


def test_other_errors_are_answers_not_retried(serve: Serve, make_transport: MakeTransport) -> None:
    server = serve(answer(500, b"oops"))
    assert make_transport().handle_request(post(server.url("/"))).status == 500
    assert len(server.requests) == 1


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [307, 308])
def test_same_origin_307_308_is_followed_with_method_and_body(
    serve: Serve, make_transport: MakeTransport, status: int
) -> None:
    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if path == "/old":
            return status, {"Location": "/new?x=1"}, b""
        return 200, {}, b"moved"

    server = serve(handler)
    response = make_transport().handle_request(post(server.url("/old"), b"payload"))
    assert response.body == b"moved"
    _old, new = server.requests
    assert (new.method, new.path, new.body) == ("POST", "/new?x=1", b"payload")
    assert new.headers["x-opentok-auth"] == SECRET


def test_redirect_to_another_origin_is_refused_and_never_reaches_it(
    serve: Serve, make_transport: MakeTransport
) -> None:
    other = serve(answer(200, b"stolen"))
    server = serve(answer(307, b"", Location=other.url("/session/create")))

    with pytest.raises(RequestError) as caught:
        make_transport().handle_request(post(server.url("/session/create")))

    assert caught.value.status == 307
    message = str(caught.value)
    assert f"http://127.0.0.1:{other.port}" in message
    assert "credentials" in message
    assert SECRET not in message
    assert other.requests == []


@pytest.mark.parametrize("status", [301, 302, 303])
def test_post_is_not_redirected_by_301_302_303(
    serve: Serve, make_transport: MakeTransport, status: int
) -> None:
    server = serve(answer(status, b"", Location="/elsewhere"))
    with pytest.raises(RequestError, match="only re-sent on 307 or 308") as caught:
        make_transport().handle_request(post(server.url("/session/create")))
    assert caught.value.status == status
    assert len(server.requests) == 1


def test_get_follows_a_same_origin_301(serve: Serve, make_transport: MakeTransport) -> None:
    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return (301, {"Location": "/b"}, b"") if path == "/a" else (200, {}, b"b")

    server = serve(handler)
    response = make_transport().handle_request(Request("GET", server.url("/a"), AUTH))
    assert response.body == b"b"
    assert [r.path for r in server.requests] == ["/a", "/b"]


def test_redirect_loop_stops_after_max_redirects(
    serve: Serve, make_transport: MakeTransport
) -> None:
    server = serve(answer(307, b"", Location="/loop"))
    with pytest.raises(RequestError, match=r"max_redirects \(2\)") as caught:
        make_transport(max_redirects=2).handle_request(post(server.url("/loop")))
    assert caught.value.status == 307
    assert len(server.requests) == 3


def test_redirect_without_location_is_returned(serve: Serve, make_transport: MakeTransport) -> None:
    server = serve(answer(302, b"no location"))
    assert make_transport().handle_request(post(server.url("/"))).status == 302


# --- secrets -------------------------------------------------------------------------------


def test_auth_value_never_logged_nor_in_reprs(
    serve: Serve, make_transport: MakeTransport, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(in_turn((503, {}, b""), (200, {}, b"ok")))
    transport = make_transport()
    request = post(server.url("/session/create"))
    caplog.set_level(logging.DEBUG)

    transport.handle_request(request)

    ours = [r for r in caplog.records if r.name == "opentok_rules.transport"]
    assert len(ours) >= 5  # two attempts, two results, one retry
    assert any("<redacted>" in r.getMessage() for r in ours)
    assert any(" -> 200 in " in r.getMessage() for r in ours)
    assert SECRET not in caplog.text
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert SECRET not in repr(request)
    assert SECRET not in repr(transport)


def test_repr_shows_settings_and_hides_proxy_credentials() -> None:
    transport = Urllib3Transport(
        connect_timeout=1.5, retries=4, proxy_url="http://user:hunter2@proxy.local:3128"
    )
    with transport:
        text = repr(transport)
    assert "connect_timeout=1.5" in text
    assert "retries=4" in text
    assert "proxy.local:3128" in text
    assert "hunter2" not in text


def test_error_messages_strip_userinfo_and_query(make_transport: MakeTransport) -> None:
    url = f"http://user:pw-secret@127.0.0.1:{free_port()}/x?token=q-secret"
    with pytest.raises(RequestError) as caught:
        make_transport(retries=0).handle_request(post(url))
    assert "pw-secret" not in str(caught.value)
    assert "q-secret" not in str(caught.value)
    assert "/x" in str(caught.value)


# --- constructor ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"connect_timeout": 0}, "connect_timeout must be a finite number > 0"),
        ({"read_timeout": -1.0}, "read_timeout"),
        ({"read_timeout": float("inf")}, "read_timeout"),
        ({"deadline": 0}, "deadline must be a finite number > 0"),
        ({"deadline": float("nan")}, "deadline"),
        ({"deadline": True}, "deadline"),
        ({"deadline": "30"}, "deadline"),
        ({"max_retry_after": -0.5}, "max_retry_after must be a finite number >= 0"),
        ({"retries": -1}, "retries must be an integer >= 0"),
        ({"retries": 1.5}, "retries"),
        ({"retries": True}, "retries"),
        ({"max_body": -1}, "max_body"),
        ({"max_redirects": -1}, "max_redirects"),
        ({"pool_maxsize": 0}, "pool_maxsize must be an integer >= 1"),
        ({"ca_certs": "/nonexistent/ca.pem"}, "ca_certs"),
        ({"proxy_url": "socks5://proxy:1080"}, "proxy_url"),
        ({"proxy_url": "http://proxy:notaport"}, "proxy_url"),
        ({"sleep": 3}, "sleep must be callable"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Urllib3Transport(**kwargs)


def test_close_keeps_the_transport_usable(serve: Serve, make_transport: MakeTransport) -> None:
    server = serve(answer(200, b"ok"))
    transport = make_transport()
    assert transport.handle_request(post(server.url("/"))).body == b"ok"
    transport.close()
    assert transport.handle_request(post(server.url("/"))).body == b"ok"


def test_a_closed_pool_is_looked_up_again() -> None:
    def ok(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {}, b"ok"

    with LocalServer(ok) as server, Urllib3Transport() as transport:
        request = post(server.url("/session/create"))
        assert transport.handle_request(request).body == b"ok"
        # What close() in another thread does while this thread holds the cached route.
        cached_pool, _ = transport._routes[request.url]
        cached_pool.close()
        transport._pool.clear()
        assert transport.handle_request(request).body == b"ok"
        assert transport._routes[request.url][0] is not cached_pool
        transport.close()
        assert transport._routes == {}
        assert transport.handle_request(request).body == b"ok"
    assert len(server.requests) == 3
