"""The default async transport: aiohttp moves the bytes, :mod:`opentok_rules.http.exchange` decides.

Every decision (where a URL goes, which redirect is followed, what is retried and after how
long, how large an answer may be, how long the whole call may take, what the error says) is
the exchange's, shared with :class:`~opentok_rules.http.urllib3_transport.Urllib3Transport`; this
module only maps aiohttp's objects and exceptions onto it.

aiohttp is an extra (``pip install "opentok-rules[async]"``). This module imports it at the
top, but inside ``try`` so that :func:`require_async_library` can say what to install; and
nothing imports this module until an async client builds its default transport, so
``import opentok_rules`` never imports aiohttp.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from opentok_rules.errors import RequestError
from opentok_rules.http import exchange
from opentok_rules.http.async_watchdog import Watchdog, uncancel
from opentok_rules.http.exchange import FOLLOW_UP_STATUSES, Deadline, FailureKind, Next, Target
from opentok_rules.http.transport import Request, Response, make_response, redact_headers

# The same argument checks (and messages) as the urllib3 transport's. urllib3 is a
# dependency of the package, so this import never fails.

try:
    import aiohttp
    import aiohttp.payload
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL
except ImportError:  # pragma: no cover - tested in a subprocess that hides aiohttp
    aiohttp = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = ["INSTALL_HINT", "AiohttpTransport", "DefaultAsyncTransport", "require_async_library"]

#: What to run when aiohttp is missing.
INSTALL_HINT: Final = 'pip install "opentok-rules[async]"'

_log = logging.getLogger("opentok_rules.transport")

_READ_CHUNK = 64 * 1024
_MAX_ROUTES = 64
#: Within this much of the deadline, a timeout is the deadline's, not a connect or read one.
_DEADLINE_SLACK = 0.01
#: Timeouts are never rounded up to whole seconds (aiohttp does above its ceil_threshold,
#: which would let a call overrun its deadline by up to a second).
_NO_CEIL = float("inf")
#: What aiohttp must not add (a guessed Content-Type) to a request that names none.
_SKIP_CONTENT_TYPE: Final = ("Content-Type",)


def require_async_library() -> None:
    """Check that aiohttp is importable.

    :raises ImportError: in one line, naming the extra to install.
    """
    if aiohttp is None:
        raise ImportError(f"the async clients need aiohttp; install it with: {INSTALL_HINT}")


class AiohttpTransport:
    """The default ``opentok_rules.http.transport.AsyncTransport``: one pooled
    ``aiohttp.ClientSession``, with the same promises as
    :class:`~opentok_rules.http.urllib3_transport.Urllib3Transport`: explicit retries, answers
    bounded in decoded bytes, a deadline for the whole call, and redirects that never carry
    credentials to another host.

    Share one instance between the tasks of one event loop; it opens its session on first
    use. Close it with ``await transport.aclose()`` or ``async with``.

    :param connect_timeout: seconds to wait for a TCP (and TLS) connection.
    :param read_timeout: seconds to wait for the answer's head once the request can go out
        (a new connection included), then for each part of its body: a silence of
        ``read_timeout`` ends the call within twice ``read_timeout``.
    :param deadline: seconds for the whole call: connects, retries, redirects and every read.
    :param retries: most extra attempts for one request, over all causes. An attempt is
        repeated only when the request surely did not reach the service (the connection could
        not be made) or the service said so (HTTP 429 or 503).
    :param max_retry_after: cap, in seconds, on an honoured ``Retry-After``.
    :param ca_certs: path of a PEM CA bundle to trust instead of the system's. Certificates
        are always verified.
    :param max_body: most bytes accepted in one answer body, counted after decoding any
        ``Content-Encoding``; a larger answer raises
        :class:`~opentok_rules.errors.RequestError` as soon as it passes the cap.
    :param max_redirects: most same-origin redirects followed for one request.
    :param pool_maxsize: most connections open at once (all kept alive); a call beyond that
        waits in turn for a free one, within its deadline.
    :param sleep: awaited with the delay, in seconds, before each retry (tests pass a fake).
    :raises ValueError: when an argument is out of range.
    :raises ImportError: when aiohttp is not installed.
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
        max_body: int = 1 << 20,
        max_redirects: int = 3,
        pool_maxsize: int = 10,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        require_async_library()
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
        if not callable(sleep):
            raise ValueError("sleep must be an async callable, like asyncio.sleep")
        self._settings = settings
        self._deadline = settings.deadline  # read on every call
        self._rules = settings.rules
        self._sleep = sleep
        # Built now: a bad ca_certs fails at construction, not at the first request.
        self._ssl = ssl.create_default_context(cafile=ca_certs)
        # The session, watchdog and connection slots of the loop in use (see _for_this_loop).
        self._bound: _LoopBound | None = None
        # (method, url) -> where it goes: the exchange's parse, and aiohttp's URL built from it
        # (never from a string aiohttp would parse its own way). A client posts to one URL.
        self._routes: dict[tuple[str, str], _Route] = {}
        # aiohttp keeps only the connect timeout, which arms a timer for new connections
        # alone; the deadline and read_timeout are the watchdog's. Never rounded up to whole
        # seconds (aiohttp does so above its ceil_threshold).
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._settings.connect_timeout, ceil_threshold=_NO_CEIL
        )
        self._last_headers: _SentHeaders | None = None
        self._last_payload: tuple[bytes, aiohttp.Payload | None] | None = None

    @property
    def settings(self) -> exchange.TransportSettings:
        """The settings given at construction, checked (they never change)."""
        return self._settings

    def __repr__(self) -> str:
        return f"AiohttpTransport({self._settings.describe()})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection. The transport stays usable; it reconnects."""
        bound, self._bound = self._bound, None
        if bound is not None:
            bound.watchdog.close()
            await bound.session.close()

    async def handle_request(self, request: Request) -> Response:
        """Send ``request`` and return the answer, retrying and redirecting as documented.

        A final 429 or 503 is returned, not raised: deciding what it means is the caller's job.
        A cancelled call raises ``asyncio.CancelledError`` and closes the connection it
        was using, so no half-read connection goes back to the pool.

        :raises ~opentok_rules.errors.RequestError: no answer could be had (``status`` is
            ``None``), the deadline passed, or the answer was refused: too large, badly
            framed, or a redirect that is not followed (``status`` is the HTTP status).
        """
        route = self._routes.get((request.method, request.url))
        if route is None:
            route = self._new_route(request.method, request.url)
        deadline = Deadline(self._deadline)
        # Single attempts, driven by the exchange's retry and redirect decisions. One
        # coroutine per attempt (``_attempt``) below this, no more: each await level costs
        # every call.
        attempts: exchange.Attempts | None = None  # made only once an attempt is not final
        remaining = self._deadline  # the first attempt has the whole deadline (no clock read)
        while True:
            try:
                response = await self._attempt(request, route, deadline, remaining)
            except exchange.AttemptFailed as failed:
                attempts = attempts or self._rules.start(request.method, route.target, deadline)
                step = attempts.after_failure(failed)  # RETRY, or it raises failed.error
            else:
                if response.status not in FOLLOW_UP_STATUSES:
                    return response  # the usual case: final whatever came before
                attempts = attempts or self._rules.start(request.method, route.target, deadline)
                step = attempts.after_answer(response.status, response.headers)
                if step is Next.ANSWER:
                    return response
            if step is Next.RETRY:
                await self._sleep(attempts.delay)
            else:
                route = _Route.to(request.method, attempts.target)
            remaining = deadline.timeout(self._deadline, route.where)

    # --- one attempt: aiohttp in, Response or AttemptFailed out ---------------------------------

    async def _attempt(
        self, request: Request, route: _Route, deadline: Deadline, remaining: float
    ) -> Response:
        """One exchange, within ``remaining`` seconds (what is left of ``deadline``)."""
        where = route.where
        debug = _log.isEnabledFor(logging.DEBUG)
        started = 0.0
        if debug:
            _log.debug(
                "%s headers=%r body=<%d bytes>",
                where,
                redact_headers(request.headers),
                len(request.body),
            )
            started = time.monotonic()
        _, session, watchdog, slots = self._for_this_loop()
        # A client sends the same headers and body over and over: what aiohttp is given for
        # them is made once (aiohttp takes its own multidict and payload ~5 us faster).
        sent = self._last_headers
        if sent is None or sent.given != request.headers:
            sent = self._last_headers = _SentHeaders.of(request.headers)
        payload = self._last_payload
        if payload is None or payload[0] is not request.body:
            payload = self._last_payload = _payload(request.body)
        # The deadline and read_timeout are the watchdog's (one timer for every call in
        # flight), not aiohttp's: its timers cost each request two or three heap entries.
        # A slot per pooled connection: the wait for one is bounded by the deadline alone,
        # and read_timeout starts once the request can go out.
        free = slots.free > 0
        watch = watchdog.watch(remaining, sending=free)
        try:
            if free:
                slots.free -= 1
            else:
                await slots.wait()
                watchdog.sending(watch)
            try:
                raw = await session.request(
                    request.method,
                    route.url,
                    data=payload[1],
                    headers=sent.headers,
                    skip_auto_headers=sent.skip_auto_headers,
                    allow_redirects=False,
                    timeout=self._timeout,
                )
                try:
                    headers = _AnswerHeaders(raw.headers)
                    declared = exchange.declared_length(
                        headers, where=where, status=raw.status, max_body=self._settings.max_body
                    )
                    watchdog.reading_body(watch, raw.content)
                    if declared is not None:
                        # The usual case: one valid Content-Length within the cap and no
                        # encoding; aiohttp reads exactly that much, and fails if the
                        # connection ends short.
                        body = await raw.read()
                    else:
                        body = await self._read_bounded(raw, where)
                except BaseException:
                    # Unread bytes may be huge or never come, and a cancelled read leaves the
                    # connection mid-answer: close it, never return it to the pool.
                    raw.close()
                    raise
                raw.release()
            finally:
                slots.release()
        except asyncio.CancelledError as exc:
            if not watch.fired or uncancel(watch.task):
                raise  # the caller's cancellation, not the watchdog's
            if debug:
                _log.debug("%s timed out after %.1f ms", where, _ms_since(started))
            raise self._failure(asyncio.TimeoutError(), request.method, route, deadline) from exc
        except _ATTEMPT_ERRORS as exc:
            if debug:
                _log.debug(
                    "%s failed after %.1f ms: %s", where, _ms_since(started), type(exc).__name__
                )
            raise self._failure(exc, request.method, route, deadline) from exc
        finally:
            watchdog.unwatch(watch)
        if debug:
            _log.debug("%s -> %d in %.1f ms", where, raw.status, _ms_since(started))
        return make_response(raw.status, headers, body)

    async def _read_bounded(self, raw: aiohttp.ClientResponse, where: str) -> bytes:
        """The whole decoded body, or RequestError once it is known to exceed ``max_body``."""
        # aiohttp (>= 3.13.3, the fix of CVE-2025-69223) inflates gzip/deflate at most a read
        # buffer at a time, so reading decoded bytes in bounded chunks bounds a bomb too.
        limit = exchange.BodyLimit(self._settings.max_body, where=where, status=raw.status)
        while chunk := await raw.content.read(limit.next_read_size(_READ_CHUNK)):
            limit.feed(chunk)
        return limit.body()

    def _for_this_loop(self) -> _LoopBound:
        """The session, watchdog and connection slots of the running loop, made on first use
        (inside the loop, as aiohttp requires)."""
        loop = asyncio.get_running_loop()
        bound = self._bound
        if bound is not None and not bound.session.closed:
            if bound.loop is loop:
                return bound
            if bound.loop.is_closed():
                # The loop it served has ended (asyncio.run returned) without aclose(): its
                # connections went with it. Start afresh in this loop.
                _abandon(bound)
                bound = self._bound = None
        if bound is not None and not bound.session.closed:
            raise RuntimeError(
                "an AiohttpTransport serves one event loop at a time, and this one is still "
                "open in another loop: build one transport (one client) per event loop, or "
                "await transport.aclose() before the first loop ends."
            )
        if bound is not None:
            bound.watchdog.close()  # its session was closed under it
        connector = aiohttp.TCPConnector(
            limit=self._settings.pool_maxsize, limit_per_host=0, ssl=self._ssl
        )
        session = aiohttp.ClientSession(
            connector=connector,
            # Never from the environment, as the urllib3 transport: no proxy, no netrc.
            trust_env=False,
            # The service sets no cookie the client needs, and none may leak between calls.
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
        )
        self._bound = bound = _LoopBound(
            loop,
            session,
            Watchdog(loop, self._settings.read_timeout),
            _Slots(self._settings.pool_maxsize),
        )
        return bound

    def _new_route(self, method: str, url: str) -> _Route:
        """Where ``url`` goes, by the exchange's one parse; kept, as a client posts to one URL."""
        target = exchange.parse_target(url)
        if target is None:
            raise exchange.invalid_url(method, url)
        route = _Route.to(method, target)
        if len(self._routes) >= _MAX_ROUTES:
            self._routes.clear()  # a long-lived transport used for many URLs stays bounded
        self._routes[(method, url)] = route
        return route

    def _failure(
        self, exc: BaseException, method: str, route: _Route, deadline: Deadline
    ) -> exchange.AttemptFailed:
        """The exchange's view of ``exc``: its kind and the RequestError to raise."""
        if isinstance(exc, RequestError):
            # The exchange itself refused the answer (size, framing) or the deadline had passed.
            return exchange.AttemptFailed(FailureKind.BROKEN, exc, exc.__cause__)
        exchange.drop_frames(exc)
        if deadline.remaining() <= _DEADLINE_SLACK:
            return exchange.AttemptFailed(FailureKind.DEADLINE, deadline.error(route.where), exc)
        kind = _kind(exc)
        message = exchange.describe_failure(
            kind,
            method,
            route.target.url,
            reason=_reason(exc),
            connect_timeout=self._settings.connect_timeout,
            read_timeout=self._settings.read_timeout,
        )
        return exchange.AttemptFailed(kind, RequestError(message), exc)


#: The name the async clients use for their default transport.
DefaultAsyncTransport = AiohttpTransport


def _abandon(bound: _LoopBound) -> None:
    """Let go of what a transport kept for an event loop that is closed: nothing of it can be
    awaited any more. Its sockets are closed here, so none is left to the garbage collector."""
    bound.watchdog.close()
    connector = bound.session.connector
    bound.session.detach()  # the session counts as closed: no "unclosed session" report
    if connector is None:
        return
    # Private, as no public call fits: close() returns an awaitable for the connector's own
    # loop, which is gone. With that loop closed this only marks the connector closed (no
    # "unclosed connector" report); its sockets ended with their loop.
    connector._close()


class _LoopBound(NamedTuple):
    """What a transport keeps for the one event loop it serves."""

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    watchdog: Watchdog
    slots: _Slots


class _Route(NamedTuple):
    """Where one URL goes: the exchange's parse, aiohttp's URL built from it, and
    ``"METHOD url"`` as messages and logs show it."""

    target: Target
    url: URL
    where: str

    @classmethod
    def to(cls, method: str, target: Target) -> _Route:
        return cls(target, _build_url(target), f"{method} {exchange.safe_url(target.url)}")


class _Slots:
    """One slot per pooled connection: at most ``size`` attempts at once, the others waiting
    in turn. A plain counter, so taking a free slot costs no coroutine (asyncio.Semaphore's
    acquire costs one, and locked() scans its waiters)."""

    __slots__ = ("_waiters", "free")

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def wait(self) -> None:
        """Wait for :meth:`release` to hand this caller a slot; only when none is free."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter is skipped
                waiter.set_result(None)  # straight to the longest waiter: none can jump in
                return
        self.free += 1


class _SentHeaders(NamedTuple):
    """What aiohttp is given for a request's headers."""

    #: A copy of the headers given, to know the next request's for the same.
    given: dict[str, str]
    headers: CIMultiDictProxy[str]
    skip_auto_headers: tuple[str, ...] | None

    def __repr__(self) -> str:
        # A local of every attempt: an error reporter that records locals must not see the
        # credential headers it holds.
        return f"_SentHeaders(headers={redact_headers(self.given)!r})"

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> _SentHeaders:
        prepared = CIMultiDict(headers)
        # aiohttp would offer gzip, deflate (and br): ask for what needs no inflating. A
        # caller's own Accept-Encoding stands.
        prepared.setdefault("Accept-Encoding", "identity")
        return cls(
            dict(headers),
            CIMultiDictProxy(prepared),
            # Only the caller's Content-Type is sent, as urllib3 does; not a guessed one
            # (aiohttp would add one, even to a POST without a body).
            None if "Content-Type" in prepared else _SKIP_CONTENT_TYPE,
        )


def _payload(body: bytes) -> tuple[bytes, aiohttp.Payload | None]:
    """``body`` and aiohttp's payload for it, made as aiohttp makes one from bytes. A bytes
    payload is stateless, so requests in flight at once can share it."""
    return body, (aiohttp.payload.get_payload(body, disposition=None) if body else None)


# What one attempt may raise besides CancelledError (which must pass through untouched):
# aiohttp's errors, the timeouts, the socket's, a ValueError from a malformed answer, and the
# policy's own RequestError (too large, bad framing, deadline passed).
_ATTEMPT_ERRORS: tuple[type[BaseException], ...] = (
    (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError, RequestError)
    if aiohttp is not None
    else ()
)


def _kind(exc: BaseException) -> FailureKind:
    """Map an aiohttp / socket exception to the exchange's failure kinds, most precise first."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return FailureKind.RESOLVE
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return FailureKind.TLS
    if isinstance(exc, aiohttp.ClientConnectorError):
        return FailureKind.CONNECT  # the connection was not made: nothing was sent
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return FailureKind.CONNECT_TIMEOUT
    if isinstance(exc, (aiohttp.SocketTimeoutError, asyncio.TimeoutError)):
        return FailureKind.READ_TIMEOUT
    return FailureKind.BROKEN


def _reason(exc: BaseException) -> str:
    """A short cause for a message (e.g. ``connection refused``), never a header or body."""
    for seen in exchange.exception_chain(exc):
        if isinstance(seen, OSError) and (seen.errno or seen.strerror):
            # asyncio words a refused connect "Connect call failed (addr)": name the errno.
            text = os.strerror(seen.errno) if seen.errno else str(seen.strerror)
            return text[:1].lower() + text[1:]
    if aiohttp is not None and isinstance(exc, aiohttp.ClientResponseError):
        # A parse error quotes what the server sent; keep only aiohttp's words, bounded.
        return exc.message.partition(":")[0][:100] or type(exc).__name__
    return (str(exc) or type(exc).__name__)[:200]


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000


class _AnswerHeaders(Mapping[str, str]):
    """aiohttp's answer headers as the exchange rules reads them: lower-case names, a repeated field
    joined with ``", "``.

    A view, not a copy: the exchange reads three fields of an answer, and a dict of every field
    costs more than those three lookups (1.3 µs of a request, measured with ``timeit``).
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: CIMultiDictProxy[str]) -> None:
        self._raw = raw

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping.get would go through __getitem__ and a KeyError for every absent field.
        values = self._raw.getall(name, None)
        if values is None:
            return default
        return values[0] if len(values) == 1 else ", ".join(values)

    def __getitem__(self, name: str) -> str:
        value: str | None = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> dict[str, None]:
        """Each field's lower-case name once, in the order the answer gave them."""
        return dict.fromkeys(name.lower() for name in self._raw)

    def __repr__(self) -> str:
        # A local of every attempt: a service that echoes a credential in a header must not
        # get it into a traceback that records locals.
        return f"{type(self).__name__}({redact_headers(dict(self))!r})"

    def __reduce__(self) -> tuple[type[dict[str, str]], tuple[dict[str, str]]]:
        # Pickled and deep-copied as the plain dict it reads as (aiohttp's proxy cannot be).
        return dict, (dict(self),)


def _build_url(target: Target) -> URL:
    """aiohttp's URL from the exchange's parse, checked to route to the very same place."""
    path, _, query = target.target.partition("?")
    url = URL.build(
        scheme=target.scheme,
        authority=target.authority,
        path=path,
        query_string=query,
        encoded=True,
    )
    if (url.scheme, url.raw_host, url.port) != target.origin:
        # Cannot happen with the exchange's canonical authority; if yarl ever read it another
        # way, refusing is the only safe answer.
        raise RequestError(
            f"{exchange.safe_url(target.url)}: aiohttp would route this URL elsewhere than it "
            f"was checked for; it was not sent. Report this as a bug of opentok-rules."
        )
    return url
