"""The default transport: urllib3 moves the bytes, :mod:`opentok_rules.http.exchange` decides.

Nothing imports this module until a client needs its default transport, so importing the
package does not import urllib3.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import urllib3
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse

from opentok_rules.errors import RequestError
from opentok_rules.http import exchange
from opentok_rules.http.exchange import FOLLOW_UP_STATUSES, Deadline, FailureKind, Next, Target
from opentok_rules.http.transport import Request, Response, make_response, redact_headers

__all__ = ["Urllib3Transport"]

_log = logging.getLogger("opentok_rules.transport")

_READ_CHUNK = 64 * 1024
_MAX_ROUTES = 64
#: How often the watchdog looks for calls past their deadline, in seconds.
_WATCHDOG_TICK = 0.1
#: How long the watchdog thread idles with nothing to watch before it ends, in seconds.
_WATCHDOG_IDLE = 2.0
#: What urllib3 and http.client raise for a failed exchange. ValueError: http.client raises
#: it for a negative chunk size; it must end as a RequestError like any malformed answer.
_EXCHANGE_ERRORS: tuple[type[BaseException], ...] = (
    u3.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,
)


# --- the whole-call deadline: a watchdog that shuts the socket of a call that overran ------------

# Per-recv timeouts cannot bound a server that drips a byte, a header line or a
# "100 Continue" just under read_timeout; shutting the socket down from another thread ends
# any blocked read at once, whatever the server does.


class _Call:
    """One ``handle_request`` in flight: when it must end, and the connection it uses."""

    __slots__ = ("at", "conn")

    def __init__(self, at: float) -> None:
        self.at = at
        self.conn: HTTPConnection | None = None


_current = threading.local()


class _WatchedConnection(HTTPConnection):
    # Records itself on the caller's _Call, so the watchdog knows which socket to shut.
    def request(self, *args: Any, **kwargs: Any) -> None:
        call = getattr(_current, "call", None)
        if call is not None:
            call.conn = self
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        call = getattr(_current, "call", None)
        if call is not None:
            call.conn = self
        super().request(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Watchdog:
    """One thread for all transports, alive only while some call is in flight.

    Arming and disarming cost a lock and a dict operation: no thread or timer per call.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: dict[int, _Call] = {}
        self._running = False

    def arm(self, at: float) -> _Call:
        call = _Call(at)
        with self._lock:
            self._calls[id(call)] = call
            if not self._running:
                self._running = True
                threading.Thread(
                    target=self._run, name="opentok-rules-deadline", daemon=True
                ).start()
        return call

    def disarm(self, call: _Call) -> None:
        # Under the lock: once this returns, the watchdog can no longer shut this call's
        # connection, which may be back in the pool serving another call.
        with self._lock:
            self._calls.pop(id(call), None)

    def _run(self) -> None:
        idle_since: float | None = None
        while True:
            time.sleep(_WATCHDOG_TICK)
            now = self._clock()
            with self._lock:
                if not self._calls:
                    idle_since = now if idle_since is None else idle_since
                    if now - idle_since >= _WATCHDOG_IDLE:
                        self._running = False
                        return
                    continue
                idle_since = None
                # Shut again on every tick: a connection made after the first shot is caught.
                for call in self._calls.values():
                    if now >= call.at and call.conn is not None:
                        _shut(call.conn)


def _shut(conn: HTTPConnection) -> None:
    sock: Any = conn.sock
    # TLS-in-TLS wraps the socket; the plain socket's shutdown ends any blocked read. Called
    # on socket.socket directly: SSLSocket.shutdown would also drop the TLS state under a
    # read in progress in another thread.
    sock = getattr(sock, "socket", sock)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()


# --- the transport ---------------------------------------------------------------------------


class Urllib3Transport:
    """The default :class:`~opentok_rules.http.transport.Transport`: one keep-alive
    ``urllib3.PoolManager``, explicit retries, bounded answers, a deadline for the whole call,
    and redirects that never carry credentials to another host.

    One instance is safe to share between threads; its settings never change after
    construction. Close it (or use it as a context manager) to drop the pooled connections.

    :param connect_timeout: seconds to wait for a TCP (and TLS) connection.
    :param read_timeout: seconds to wait for each read of the answer.
    :param deadline: seconds for the whole call: connects, retries, redirects and every read.
        Past it the call raises :class:`~opentok_rules.errors.RequestError` within about
        0.1 s, however slowly the service drips its answer.
    :param retries: most extra attempts for one request, over all causes. An attempt is
        repeated only when the request surely did not reach the service (the connection could
        not be made) or the service said so (HTTP 429 or 503).
    :param max_retry_after: cap, in seconds, on an honoured ``Retry-After``.
    :param ca_certs: path of a PEM CA bundle to trust instead of the system's. Certificates
        are always verified.
    :param proxy_url: ``http://`` or ``https://`` proxy to send everything through;
        ``user:password@`` in it becomes ``Proxy-Authorization``.
    :param max_body: most bytes accepted in one answer body, counted after decoding any
        ``Content-Encoding``; a larger answer raises
        :class:`~opentok_rules.errors.RequestError` as soon as it passes the cap.
    :param max_redirects: most same-origin redirects followed for one request.
    :param pool_maxsize: connections kept alive per host.
    :param sleep: called with the delay, in seconds, before each retry (tests pass a fake).
    :raises ValueError: when an argument is out of range.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        deadline: float = 30.0,
        retries: int = 2,
        max_retry_after: float = 5.0,
        ca_certs: str | None = None,
        proxy_url: str | None = None,
        max_body: int = 1 << 20,
        max_redirects: int = 3,
        pool_maxsize: int = 10,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = exchange.TransportSettings(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            deadline=deadline,
            retries=retries,
            max_retry_after=max_retry_after,
            ca_certs=ca_certs,
            max_body=max_body,
            max_redirects=max_redirects,
            pool_maxsize=pool_maxsize,
        )
        if proxy_url is not None:
            _check_proxy_url(proxy_url)
        if not callable(sleep):
            raise ValueError("sleep must be callable, like time.sleep")

        # The same as retries=False (errors are raised as they are, nothing is re-sent), built
        # once: urllib3 would otherwise build a Retry from False on every request.
        self._no_retries = urllib3.util.Retry.from_int(False, redirect=False)
        self._settings = settings
        self._deadline = settings.deadline  # read on every call
        self._rules = settings.rules
        self._proxy_url = proxy_url
        self._sleep = sleep
        self._timeout = urllib3.Timeout(
            connect=settings.connect_timeout, read=settings.read_timeout
        )
        self._pool = _make_pool(proxy_url, ca_certs, pool_maxsize, self._timeout)
        # url -> (its connection pool, the parsed target). PoolManager.urlopen parses the URL
        # and builds a pool key on every call: about 50 µs of CPU per request over loopback,
        # measured with benchmarks/bench_http.py. A client posts to one URL, so its pool is
        # looked up once. Not with a proxy, whose manager rewrites every request itself.
        self._routes: dict[str, tuple[HTTPConnectionPool, Target]] = {}

    @property
    def settings(self) -> exchange.TransportSettings:
        """The settings given at construction, checked (they never change)."""
        return self._settings

    def __repr__(self) -> str:
        proxy = (
            "" if self._proxy_url is None else f", proxy_url={exchange.safe_url(self._proxy_url)!r}"
        )
        return f"Urllib3Transport({self._settings.describe()}{proxy})"

    def __enter__(self) -> Urllib3Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection. The transport stays usable; it reconnects."""
        routes = list(self._routes.values())
        self._routes.clear()
        for pool, _ in routes:
            pool.close()  # the manager's clear() only forgets its pools; this closes sockets
        self._pool.clear()

    def handle_request(self, request: Request) -> Response:
        """Send ``request`` and return the answer, retrying and redirecting as documented.

        A final 429 or 503 is returned, not raised: deciding what it means is the caller's job.

        :raises ~opentok_rules.errors.RequestError: no answer could be had (``status`` is
            ``None``), the deadline passed, or the answer was refused: too large, badly
            framed, or a redirect that is not followed (``status`` is the HTTP status).
        """
        target = exchange.parse_target(request.url)
        if target is None:
            raise exchange.invalid_url(request.method, request.url)
        deadline = Deadline(self._deadline)
        call = _WATCHDOG.arm(deadline.at)
        _current.call = call
        try:
            return self._exchange(request, target, deadline)
        finally:
            _current.call = None
            _WATCHDOG.disarm(call)

    def _exchange(self, request: Request, target: Target, deadline: Deadline) -> Response:
        """Single attempts, driven by the exchange's retry and redirect decisions."""
        attempts: exchange.Attempts | None = None  # made only once an attempt is not final
        while True:
            try:
                response = self._send(request, target, deadline)
            except exchange.AttemptFailed as failed:
                attempts = attempts or self._rules.start(request.method, target, deadline)
                step = attempts.after_failure(failed)  # RETRY, or it raises failed.error
            else:
                if response.status not in FOLLOW_UP_STATUSES:
                    return response  # the usual case: final whatever came before
                attempts = attempts or self._rules.start(request.method, target, deadline)
                step = attempts.after_answer(response.status, response.headers)
                if step is Next.ANSWER:
                    return response
            if step is Next.RETRY:
                self._sleep(attempts.delay)
            target = attempts.target

    def _send(self, request: Request, target: Target, deadline: Deadline) -> Response:
        """One attempt, no retry, no redirect: every failure becomes ``AttemptFailed``."""
        # Log arguments are built only when DEBUG is on: this runs on every request.
        debug = _log.isEnabledFor(logging.DEBUG)
        url = target.url
        if debug:
            _log.debug(
                "%s %s headers=%r body=<%d bytes>",
                request.method,
                exchange.safe_url(url),
                redact_headers(request.headers),
                len(request.body),
            )
        started = time.monotonic() if debug else 0.0
        where = f"{request.method} {exchange.safe_url(url)}"
        try:
            raw = self._urlopen(request, target, self._attempt_timeout(deadline, where))
            try:
                body = self._read_body(raw, where, deadline)
            except BaseException:
                # Unread bytes may be huge or never come: drop the connection, don't drain it.
                raw.close()
                raise
            finally:
                raw.release_conn()
        except _EXCHANGE_ERRORS as exc:
            failed = self._failure(exc, request.method, url, deadline)
            if debug:
                elapsed_ms = (time.monotonic() - started) * 1000
                _log.debug("%s failed after %.1f ms: %r", where, elapsed_ms, exc)
            raise failed from exc
        if debug:
            elapsed_ms = (time.monotonic() - started) * 1000
            _log.debug("%s -> %d in %.1f ms", where, raw.status, elapsed_ms)
        answer_headers = {name.lower(): value for name, value in raw.headers.itermerged()}
        return make_response(raw.status, answer_headers, body)

    def _attempt_timeout(self, deadline: Deadline, where: str) -> urllib3.Timeout:
        """The connect and per-read timeouts, trimmed to what is left of the deadline."""
        left = deadline.remaining()
        if left > self._settings.untrimmed:
            return self._timeout  # the usual case: no new object per request
        return urllib3.Timeout(
            connect=deadline.timeout(self._settings.connect_timeout, where),
            read=deadline.timeout(self._settings.read_timeout, where),
        )

    def _urlopen(
        self, request: Request, target: Target, timeout: urllib3.Timeout
    ) -> BaseHTTPResponse:
        """Send through the pool that :func:`exchange.parse_target` chose; no other URL parse."""
        headers = request.headers
        options: dict[str, Any] = {
            "body": request.body or None,
            "headers": headers if type(headers) is dict else dict(headers),
            "redirect": False,
            "retries": self._no_retries,
            "preload_content": False,
            "timeout": timeout,
        }
        if self._proxy_url is not None:
            # The proxy manager parses the URL again, but this one is canonical (built from
            # the parse), which every parser reads alike.
            return self._pool.urlopen(request.method, target.url, **options)
        pool = self._pool_for(target)
        try:
            return pool.urlopen(request.method, target.target, assert_same_host=False, **options)
        except u3.ClosedPoolError:
            # close() ran in another thread and closed the pool; nothing was sent, so look
            # the pool up again and send once more.
            pool = self._route(target)
            return pool.urlopen(request.method, target.target, assert_same_host=False, **options)

    def _pool_for(self, target: Target) -> HTTPConnectionPool:
        route = self._routes.get(target.url)
        return route[0] if route is not None else self._route(target)

    def _route(self, target: Target) -> HTTPConnectionPool:
        pool = self._pool.connection_from_host(target.host, port=target.port, scheme=target.scheme)
        if len(self._routes) >= _MAX_ROUTES:
            self._routes.clear()  # a long-lived transport used for many URLs stays bounded
        self._routes[target.url] = (pool, target)
        return pool

    def _read_body(self, raw: BaseHTTPResponse, where: str, deadline: Deadline) -> bytes:
        """The whole decoded body, or RequestError once it is known to exceed ``max_body``."""
        declared = exchange.declared_length(
            raw.headers, where=where, status=raw.status, max_body=self._settings.max_body
        )
        if declared is not None:
            # The usual case: one valid Content-Length within the cap and no encoding.
            # urllib3 stops at the declared length and raises if the connection ends short;
            # the watchdog bounds the time.
            return raw.read()
        limit = exchange.BodyLimit(self._settings.max_body, where=where, status=raw.status)
        while True:
            deadline.check(where)
            # decode_content with an amount: urllib3 (>= 2.6) inflates at most about that
            # much per call, so a decompression bomb costs one chunk past the cap, not its size.
            chunk = raw.read(limit.next_read_size(_READ_CHUNK), decode_content=True)
            if not chunk:
                return limit.body()
            limit.feed(chunk)

    def _failure(
        self, exc: BaseException, method: str, url: str, deadline: Deadline
    ) -> exchange.AttemptFailed:
        """The exchange's view of ``exc``: its kind and the RequestError to raise."""
        exchange.drop_frames(exc)
        where = f"{method} {exchange.safe_url(url)}"
        if deadline.remaining() <= 0.01:
            # The watchdog shut the socket, or a read trimmed to the deadline timed out.
            return exchange.AttemptFailed(FailureKind.DEADLINE, deadline.error(where), exc)
        kind = _kind(exc)
        message = exchange.describe_failure(
            kind,
            method,
            url,
            reason=_os_reason(exc.original_error if isinstance(exc, u3.ProxyError) else exc),
            connect_timeout=self._settings.connect_timeout,
            read_timeout=self._settings.read_timeout,
            proxy_url=self._proxy_url,
        )
        return exchange.AttemptFailed(kind, RequestError(message), exc)


def _kind(exc: BaseException) -> FailureKind:
    """Map a urllib3 / http.client / socket exception to the exchange's failure kinds."""
    if isinstance(exc, u3.ProxyError):
        original = exc.original_error
        if isinstance(original, (u3.NewConnectionError, u3.ConnectTimeoutError)):
            return FailureKind.PROXY_CONNECT
        return FailureKind.PROXY
    # NameResolutionError < NewConnectionError < ConnectTimeoutError: most precise first.
    if isinstance(exc, u3.NameResolutionError):
        return FailureKind.RESOLVE
    if isinstance(exc, u3.NewConnectionError):
        return FailureKind.CONNECT
    if isinstance(exc, u3.ConnectTimeoutError):
        return FailureKind.CONNECT_TIMEOUT
    if isinstance(exc, u3.ReadTimeoutError):
        return FailureKind.READ_TIMEOUT
    if isinstance(exc, u3.SSLError):
        return FailureKind.TLS
    return FailureKind.BROKEN


def _make_pool(
    proxy_url: str | None,
    ca_certs: str | None,
    pool_maxsize: int,
    timeout: urllib3.Timeout,
) -> urllib3.PoolManager:
    # retries=False at the pool: the exchange rules lives in handle_request, where it is visible.
    options: dict[str, Any] = {
        "maxsize": pool_maxsize,
        "block": False,
        "retries": False,
        "timeout": timeout,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": ca_certs,
    }
    manager: urllib3.PoolManager
    if proxy_url is None:
        manager = urllib3.PoolManager(**options)
    else:
        userinfo = urlsplit(proxy_url)
        if userinfo.username is not None:
            credentials = f"{unquote(userinfo.username)}:{unquote(userinfo.password or '')}"
            options["proxy_headers"] = urllib3.make_headers(proxy_basic_auth=credentials)
        manager = urllib3.ProxyManager(exchange.safe_url(proxy_url), **options)
    # Connections that tell the deadline watchdog which socket a call is using.
    manager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}
    return manager


def _os_reason(exc: BaseException | None) -> str:
    """The most precise reason in the cause chain, e.g. ``connection refused``."""
    for seen in exchange.exception_chain(exc):
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror[:1].lower() + seen.strerror[1:]
    if exc is None:
        return "unknown reason"
    inner = exc.args[-1] if exc.args else exc
    # Bounded: an exception may quote what the server sent (a status line, a header).
    return (str(inner) or type(exc).__name__)[:200]


def _check_proxy_url(proxy_url: str) -> None:
    parts = urlsplit(proxy_url)
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        parts = urlsplit("")
    if parts.scheme.lower() not in exchange.DEFAULT_PORTS or not parts.hostname:
        raise ValueError(
            f"proxy_url must look like http://host:port or https://host:port, "
            f"not {exchange.safe_url(proxy_url)!r}"
        )
