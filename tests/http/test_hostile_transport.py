"""The default transport against a hostile service: raw sockets on 127.0.0.1 play each attack.

Each test asserts the outcome (a RequestError, nothing reaching another listener) *and* what
it cost: wall time, and for the attacks on memory the peak RSS of a child process that runs
the client (``os.wait4`` gives that child's own ``ru_maxrss``).
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import pytest
import urllib3
from _support import hostile
from _support.http import LocalServer, Reply
from _support.properties import examples
from _support.raw_server import RawConnection, RawServer
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules.errors import RequestError
from opentok_rules.http import exchange as policy
from opentok_rules.http.transport import Request
from opentok_rules.http.urllib3_transport import Urllib3Transport

SECRET = "eyJhbGciOiJIUzI1NiJ9.hostile-test-secret"


def post(url: str, body: bytes = b"p2p.preference=disabled") -> Request:
    return Request("POST", url, {"X-OPENTOK-AUTH": SECRET}, body)


# --- 1. redirects that two URL parsers read differently ----------------------------------------


def _redirect_server(location: str) -> LocalServer:
    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if path == "/start":
            return 307, {"Location": location}, b""
        return 200, {}, b"followed:" + path.encode()

    return LocalServer(handler)


@pytest.mark.parametrize("shape", hostile.REFUSED_LOCATIONS)
def test_parser_differential_redirects_are_refused_and_reach_no_one(shape: str) -> None:
    with RawServer(None) as other, Urllib3Transport(retries=0, deadline=5) as transport:
        # The redirecting server needs its own port in the Location: fill it in after start.
        box: dict[str, str] = {}

        def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
            return 307, {"Location": box["location"]}, b""

        with LocalServer(handler) as origin:
            box["location"] = shape.format(P=origin.port, Q=other.port)
            started = time.monotonic()
            with pytest.raises(RequestError) as caught:
                transport.handle_request(post(origin.url("/start")))
            assert time.monotonic() - started < 2
    # (A Location with CR or LF is split by the server's own header writer: the client then
    # sees a relative Location and may follow it on the same origin; it still ends refused.)
    assert caught.value.status == 307
    assert SECRET not in str(caught.value)
    assert other.accepted == 0, "a redirect reached another listener"


@pytest.mark.parametrize(("shape", "path"), hostile.FOLLOWED_LOCATIONS)
def test_same_origin_spelled_differently_is_followed(shape: str, path: str) -> None:
    box: dict[str, str] = {}

    def handler(method: str, got: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if got == "/start":
            return 307, {"Location": box["location"]}, b""
        return 200, {}, b"at " + got.encode()

    with LocalServer(handler) as origin, Urllib3Transport(retries=0) as transport:
        box["location"] = shape.format(P=origin.port)
        response = transport.handle_request(post(origin.url("/start")))
        second = origin.requests[1]
    assert response.body == b"at " + path.encode()
    assert (second.method, second.path, second.body) == ("POST", path, b"p2p.preference=disabled")
    assert second.headers["x-opentok-auth"] == SECRET


def test_default_port_spelled_out_is_the_same_origin() -> None:
    current = policy.parse_target("http://api.example.com/session/create")
    assert current is not None
    moved = policy.redirect_target(
        "POST", current, 308, "http://API.example.com.:80/new", redirects=0, max_redirects=3
    )
    assert moved is not None
    assert moved.origin == ("http", "api.example.com", 80)
    assert moved.url == "http://api.example.com/new"


# A Location built from the pieces parsers disagree on, and arbitrary text.
_PIECES = [
    "http://", "https://", "HTTP://", "//", "/", "\\", "@", "%40", "%2f", ":", ":80", ":443",
    ":8080", "127.0.0.1", "127.0.0.1.", "[::1]", "[::ffff:127.0.0.1]", "evil.example",
    "api.example.com", "API.EXAMPLE.COM", "?", "#", " ", "\t", "\r\n", ".", "..", "x", "%",
    "[", "]", "\x00", "é",
]  # fmt: skip
_LOCATIONS = st.one_of(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), st.text())


def _origin_as_parsed(url: str) -> tuple[tuple[str, str, int], tuple[str, str, int]]:
    ours = urllib3.util.parse_url(url)
    theirs = urlsplit(url)
    default = policy.DEFAULT_PORTS
    scheme = (ours.scheme or "").lower()
    by_urllib3 = (scheme, (ours.host or "").strip("[]").lower(), ours.port or default[scheme])
    by_urlsplit = (
        theirs.scheme.lower(),
        (theirs.hostname or "").lower(),
        theirs.port or default[theirs.scheme.lower()],
    )
    return by_urllib3, by_urlsplit


@settings(max_examples=examples(600), deadline=None)
@given(location=_LOCATIONS, status=st.sampled_from([301, 302, 303, 307, 308]))
def test_any_location_is_refused_or_stays_on_the_origin_for_both_parsers(
    location: str, status: int
) -> None:
    current = policy.parse_target("https://api.example.com:443/session/create")
    assert current is not None
    try:
        moved = policy.redirect_target(
            "POST", current, status, location, redirects=0, max_redirects=3
        )
    except RequestError as err:
        refused: RequestError | None = err
    else:
        refused = None
    if refused is not None:
        assert refused.status == status
        return
    if moved is None:
        return
    assert moved.origin == current.origin
    by_urllib3, by_urlsplit = _origin_as_parsed(moved.url)
    assert by_urllib3 == current.origin
    assert by_urlsplit == current.origin
    # The target sent is the one both parsers see (up to their own normalizations).
    assert moved.target.startswith("/")
    assert urlsplit(moved.url).path == moved.target.partition("?")[0]


# --- 2 and 3. decompression bombs and framing tricks, measured in a child process ----------------

_CHILD = textwrap.dedent(
    """
    import json, sys
    from opentok_rules.errors import RequestError
    from opentok_rules.http.transport import Request
    from opentok_rules.http.urllib3_transport import Urllib3Transport

    url, max_body, deadline = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    transport = Urllib3Transport(retries=0, max_body=max_body, deadline=deadline, read_timeout=5)
    try:
        response = transport.handle_request(Request("GET", url))
    except RequestError as err:
        print(json.dumps({"error": "RequestError", "message": str(err), "status": err.status}))
    except BaseException as err:
        print(json.dumps({"error": type(err).__name__, "message": str(err)}))
    else:
        print(json.dumps({"status": response.status, "length": len(response.body)}))
    """
)


def run_client(
    url: str, *, max_body: int = hostile.MIB, deadline: float = 10.0
) -> hostile.ChildRun:
    """One GET through Urllib3Transport in a child process, measured (``hostile.run_child``)."""
    return hostile.run_child(_CHILD, url, max_body, deadline)


@pytest.fixture(scope="module")
def baseline_rss() -> int:
    return hostile.baseline_rss_of(run_client)


@pytest.mark.parametrize("encoding", hostile.BOMBS)
def test_decompression_bomb_is_refused_within_max_body_memory(
    encoding: str, baseline_rss: int
) -> None:
    payload = hostile.bomb_for(encoding)
    assert len(payload) < hostile.MIB  # on the wire it is small; only decoding makes it large
    with hostile.answer_encoded(encoding, payload) as server:
        outcome, rss, elapsed = run_client(server.url("/bomb"))
        assert b"accept-encoding: identity" in server.received[0].lower()
    assert outcome["error"] == "RequestError", outcome
    assert "max_body" in outcome["message"]
    assert rss - baseline_rss < hostile.MEMORY_SLACK, (
        f"peak RSS grew by {(rss - baseline_rss) / hostile.MIB:.1f} MiB"
    )
    assert elapsed < 15


@pytest.mark.parametrize("encoding", hostile.REFUSED_CODINGS)
def test_an_encoding_not_asked_for_is_refused_unread(encoding: str) -> None:
    body = b"\x28\xb5\x2f\xfd" + bytes(200)  # whatever it claims to be, it is not decoded
    with hostile.answer_encoded(encoding, body) as server:
        outcome, elapsed = hostile.run_here(_CHILD, server.url("/encoded"), hostile.MIB, 10.0)
    assert outcome["error"] == "RequestError", outcome
    assert "not asked for" in outcome["message"]
    assert elapsed < 15


def test_endless_body_with_negative_content_length_costs_no_memory(baseline_rss: int) -> None:
    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(10_000):  # 640 MiB at most; the client must stop long before
            if not conn.send(chunk):
                return

    with RawServer(script) as server:
        outcome, rss, elapsed = run_client(server.url("/endless"))
    assert outcome["error"] == "RequestError", outcome
    assert rss - baseline_rss < hostile.MEMORY_SLACK
    assert elapsed < 10


def test_endless_chunked_body_is_cut_at_max_body(baseline_rss: int) -> None:
    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        for _ in range(10_000):
            if not conn.send(chunk):
                return

    with RawServer(script) as server:
        outcome, rss, elapsed = run_client(server.url("/endless"))
    assert outcome["error"] == "RequestError", outcome
    assert "max_body" in outcome["message"]
    assert rss - baseline_rss < hostile.MEMORY_SLACK
    assert elapsed < 10


# urllib3 itself refuses "Content-Length: 3, 7" while building its response and leaves that
# response's socket file to the garbage collector: a ResourceWarning, not a leak that grows.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("tail", hostile.FRAMING_TRICKS.values(), ids=hostile.FRAMING_TRICKS.keys())
def test_framing_tricks_end_in_request_error(tail: bytes) -> None:
    with hostile.answer_once(b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + tail, b"") as server:
        started = time.monotonic()
        with Urllib3Transport(retries=0, deadline=5) as transport, pytest.raises(RequestError):
            transport.handle_request(post(server.url("/framing")))
        assert time.monotonic() - started < 3


# --- 4. a service that drips: the whole call's deadline -------------------------------------------


@pytest.mark.parametrize(("head", "drop"), hostile.DRIPS.values(), ids=hostile.DRIPS.keys())
def test_dripping_service_ends_in_request_error_soon_after_the_deadline(
    head: bytes, drop: bytes
) -> None:
    with hostile.drip_script(head, drop) as server:
        transport = Urllib3Transport(retries=0, read_timeout=1, deadline=2)
        started = time.monotonic()
        with pytest.raises(RequestError, match=r"deadline \(2 s") as caught:
            transport.handle_request(post(server.url("/drip")))
        elapsed = time.monotonic() - started
        transport.close()
    assert 1.9 <= elapsed < 3.0, elapsed
    assert caught.value.status is None
    assert SECRET not in str(caught.value)


def test_deadline_bounds_retries_too() -> None:
    # 503 with Retry-After 1, retried up to 10 times: the deadline stops it first.
    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")

    with RawServer(script) as server:
        transport = Urllib3Transport(retries=10, max_retry_after=1, deadline=2.5)
        started = time.monotonic()
        response = transport.handle_request(post(server.url("/busy")))
        elapsed = time.monotonic() - started
        transport.close()
    assert response.status == 503
    assert elapsed < 3.0
    assert 2 <= server.accepted <= 3


def test_a_call_after_a_deadline_error_works() -> None:
    with hostile.drip_script(*hostile.DRIPS["headers"]) as server:
        transport = Urllib3Transport(retries=0, read_timeout=1, deadline=1)
        with pytest.raises(RequestError, match="deadline"):
            transport.handle_request(post(server.url("/drip")))
    with LocalServer(lambda *_: (200, {}, b"fine")) as good:
        assert transport.handle_request(post(good.url("/"))).body == b"fine"
    transport.close()


# --- 5. huge response headers -----------------------------------------------------------------

HUGE_HEADERS = {
    "one-5mb-line": b"X-Big: " + b"a" * (5 * hostile.MIB) + b"\r\n",
    "5mb-of-short-lines": b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 64) for i in range(70_000)),
    "5mb-of-folded-lines": b"X-Fold: a\r\n" + b" " + b"c" * 70 + b"\r\n" * 1
    + b"".join(b" " + b"c" * 70 + b"\r\n" for _ in range(75_000)),
}  # fmt: skip


@pytest.mark.parametrize("block", HUGE_HEADERS.values(), ids=HUGE_HEADERS.keys())
def test_huge_header_block_ends_in_request_error_quickly(block: bytes) -> None:
    assert len(block) >= 5 * hostile.MIB
    head = b"HTTP/1.1 200 OK\r\n" + block + b"Content-Length: 2\r\n\r\nok"
    with hostile.answer_once(head, b"") as server:
        started = time.monotonic()
        with Urllib3Transport(retries=0, deadline=5) as transport, pytest.raises(RequestError):
            transport.handle_request(post(server.url("/headers")))
        assert time.monotonic() - started < 2


# --- the policy's small pieces, without sockets -----------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_deadline_trims_each_timeout_and_raises_once_passed() -> None:
    clock = FakeClock()
    deadline = policy.Deadline(5.0, clock=clock)
    assert deadline.timeout(10.0, "POST /x") == 5.0
    clock.now += 4.0
    assert deadline.timeout(10.0, "POST /x") == pytest.approx(1.0)
    assert deadline.timeout(0.5, "POST /x") == 0.5
    clock.now += 1.0
    assert deadline.expired()
    with pytest.raises(
        RequestError, match=r"POST /x: no complete answer within the deadline \(5 s"
    ):
        deadline.timeout(10.0, "POST /x")
    with pytest.raises(RequestError, match="raise deadline"):
        deadline.check("POST /x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("2.5", 2.5),
        ("-4", 0.0),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("soon", None),
        (None, None),
        ("Sat, 28 Nov 2026 10:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 09:59:00 GMT", 0.0),
        ("Sat, 99 Nov 2026 10:00:30 GMT", None),
    ],
)
def test_retry_after_is_parsed_as_seconds_or_an_http_date(
    value: str | None, expected: float | None
) -> None:
    import datetime

    def now() -> datetime.datetime:
        return datetime.datetime(2026, 11, 28, 10, 0, 0, tzinfo=datetime.timezone.utc)

    assert policy.retry_after_seconds(value, now=now) == expected


def test_retry_delay_caps_retry_after_and_backs_off_without_it() -> None:
    assert policy.retry_delay(0, 5.0, "3600") == 5.0
    assert policy.retry_delay(0, 5.0, "1") == 1.0
    assert [policy.retry_delay(n, 5.0) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
    assert policy.retry_delay(10**6, 0.5) == 0.5  # no OverflowError for a huge count


def test_only_failures_before_sending_are_retryable() -> None:
    kinds = {kind for kind in policy.FailureKind if policy.failure_is_retryable(kind)}
    assert kinds == {
        policy.FailureKind.RESOLVE,
        policy.FailureKind.CONNECT,
        policy.FailureKind.CONNECT_TIMEOUT,
        policy.FailureKind.PROXY_CONNECT,
    }
    assert [s for s in range(100, 600) if policy.status_is_retryable(s)] == [429, 503]


def test_body_limit_counts_every_byte_fed_and_stops_past_the_cap() -> None:
    limit = policy.BodyLimit(10, where="GET /x", status=200)
    assert limit.next_read_size(65536) == 11
    limit.feed(b"0123456789")
    assert limit.body() == b"0123456789"
    assert limit.next_read_size(65536) == 1
    with pytest.raises(RequestError, match=r"larger than max_body \(10 bytes") as caught:
        limit.feed(b"!")
    assert caught.value.status == 200


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"content-length": "5"}, 5),
        ({"content-length": "0"}, 0),
        ({"content-length": "5", "content-encoding": "gzip"}, None),
        ({"content-length": "5", "content-encoding": "identity"}, 5),
    ],
)
def test_declared_length_only_for_one_plain_length(
    headers: dict[str, str], expected: int | None
) -> None:
    assert policy.declared_length(headers, where="GET /x", status=200, max_body=10) == expected


@pytest.mark.parametrize(
    "headers",
    [
        {"content-length": "-1"},
        {"content-length": "5, 5"},
        {"content-length": "٣"},  # a non-ASCII digit int() would accept
        {"content-length": "5", "transfer-encoding": "chunked"},
        {"content-length": "11"},  # over max_body
    ],
)
def test_declared_length_refuses_ambiguous_or_too_large(headers: dict[str, str]) -> None:
    with pytest.raises(RequestError):
        policy.declared_length(headers, where="GET /x", status=200, max_body=10)


def test_failure_messages_name_host_and_port_but_no_secret() -> None:
    url = "https://user:pw-secret@api.example.com/session/create?token=q-secret"
    for kind in policy.FailureKind:
        message = policy.describe_failure(
            kind, "POST", url, reason="connection refused", connect_timeout=2, read_timeout=10
        )
        assert "pw-secret" not in message
        assert "q-secret" not in message
        assert message.startswith("POST https://api.example.com/session/create: ")
