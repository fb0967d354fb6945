"""How a request reaches the service: one small interface, and the default urllib3 transport.

The client builds a :class:`Request` and hands it to ``transport.handle_request``; it gets a
:class:`Response` back or a :class:`~opentok_rules.errors.RequestError`. Nothing else about
HTTP leaks into the client, so tests and users can swap the transport freely.
"""

from __future__ import annotations

import datetime
import functools
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import attrs

from opentok_rules.errors import RequestError

if TYPE_CHECKING:
    import urllib3
    from urllib3.connectionpool import HTTPConnectionPool
    from urllib3.response import BaseHTTPResponse

__all__ = ["REDACTED_HEADERS", "Request", "Response", "Transport", "Urllib3Transport"]

#: Header names (lower case) whose values never appear in a repr or a log line.
REDACTED_HEADERS = frozenset({"x-opentok-auth", "authorization", "proxy-authorization"})


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every secret-bearing value replaced by ``"<redacted>"``."""
    return {
        name: ("<redacted>" if name.lower() in REDACTED_HEADERS else value)
        for name, value in headers.items()
    }


@attrs.frozen(repr=False)
class Request:
    """One HTTP request: method, absolute URL, headers and an already-encoded body."""

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={self.url!r}, "
            f"headers={redact_headers(self.headers)!r}, body=<{len(self.body)} bytes>)"
        )


@attrs.frozen(repr=False)
class Response:
    """One HTTP answer: status, headers (names in lower case) and the whole body."""

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, body=<{len(self.body)} bytes>)"


@runtime_checkable
class Transport(Protocol):
    """Anything that turns a :class:`Request` into a :class:`Response`.

    ``handle_request`` raises :class:`~opentok_rules.errors.RequestError` (``status=None``)
    when no answer could be had; an HTTP error status is an answer, not an exception.
    """

    def handle_request(self, request: Request) -> Response: ...

    def close(self) -> None: ...


# --- The default transport -------------------------------------------------------------------

_log = logging.getLogger("opentok_rules.transport")

#: Answers that mean "not processed, come back later": safe to send again, even a POST.
_RETRY_STATUSES = frozenset({429, 503})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Redirects that guarantee the same method and body must be used for the new location.
_METHOD_PRESERVING_REDIRECTS = frozenset({307, 308})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_READ_CHUNK = 64 * 1024
_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 2.0
_MAX_ROUTES = 64


class Urllib3Transport:
    """The default :class:`Transport`: one keep-alive ``urllib3.PoolManager``, explicit
    retries, bounded answers, and redirects that never carry credentials to another host.

    One instance is safe to share between threads; its settings never change after
    construction. Close it (or use it as a context manager) to drop the pooled connections.

    :param connect_timeout: seconds to wait for a TCP (and TLS) connection.
    :param read_timeout: seconds to wait for each read of the answer.
    :param retries: most extra attempts for one request, over all causes. An attempt is
        repeated only when the request surely did not reach the service (the connection could
        not be made) or the service said so (HTTP 429 or 503).
    :param max_retry_after: cap, in seconds, on an honoured ``Retry-After``.
    :param ca_certs: path of a PEM CA bundle to trust instead of the system's. Certificates
        are always verified.
    :param proxy_url: ``http://`` or ``https://`` proxy to send everything through;
        ``user:password@`` in it becomes ``Proxy-Authorization``.
    :param max_body: most bytes accepted in one answer body; a larger answer raises
        :class:`~opentok_rules.errors.RequestError` without being read.
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
        retries: int = 2,
        max_retry_after: float = 5.0,
        ca_certs: str | None = None,
        proxy_url: str | None = None,
        max_body: int = 1 << 20,
        max_redirects: int = 3,
        pool_maxsize: int = 10,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_seconds("connect_timeout", connect_timeout, allow_zero=False)
        _check_seconds("read_timeout", read_timeout, allow_zero=False)
        _check_seconds("max_retry_after", max_retry_after, allow_zero=True)
        _check_count("retries", retries, minimum=0)
        _check_count("max_body", max_body, minimum=0)
        _check_count("max_redirects", max_redirects, minimum=0)
        _check_count("pool_maxsize", pool_maxsize, minimum=1)
        if ca_certs is not None and not os.path.isfile(ca_certs):
            raise ValueError(f"ca_certs must be the path of a PEM file; {ca_certs!r} is not a file")
        if proxy_url is not None:
            _check_proxy_url(proxy_url)
        if not callable(sleep):
            raise ValueError("sleep must be callable, like time.sleep")

        # Imported here, not at module level: importing the package must stay cheap for
        # users who bring their own transport.
        import urllib3

        # Kept on the instance so the per-request path does no import statement.
        self._errors: tuple[type[BaseException], ...] = (urllib3.exceptions.HTTPError, OSError)
        # The same as retries=False (errors are raised as they are, nothing is re-sent), built
        # once: urllib3 would otherwise build a Retry from False on every request.
        self._no_retries = urllib3.util.Retry.from_int(False, redirect=False)
        self._connect_timeout = float(connect_timeout)
        self._read_timeout = float(read_timeout)
        self._retries = retries
        self._max_retry_after = float(max_retry_after)
        self._max_body = max_body
        self._max_redirects = max_redirects
        self._proxy_url = proxy_url
        self._sleep = sleep
        self._timeout = urllib3.Timeout(connect=self._connect_timeout, read=self._read_timeout)
        self._pool = _make_pool(proxy_url, ca_certs, pool_maxsize, self._timeout)
        # url -> (its connection pool, the request target). PoolManager.urlopen parses the URL
        # and builds a pool key on every call: about 50 µs of CPU per request over loopback,
        # measured with benchmarks/bench_http.py. A client posts to one URL, so its pool is
        # looked up once. Not with a proxy, whose manager rewrites every request itself.
        self._routes: dict[str, tuple[HTTPConnectionPool, str]] = {}
        self._closed_pool = urllib3.exceptions.ClosedPoolError

    def __repr__(self) -> str:
        proxy = "" if self._proxy_url is None else f", proxy_url={_safe_url(self._proxy_url)!r}"
        return (
            f"Urllib3Transport(connect_timeout={self._connect_timeout}, "
            f"read_timeout={self._read_timeout}, retries={self._retries}, "
            f"max_retry_after={self._max_retry_after}{proxy})"
        )

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
            ``None``), or the answer was refused: too large, or a redirect that is not
            followed (``status`` is the HTTP status).
        """
        origin = _origin(request.method, request.url)
        url = request.url
        retries_used = 0
        redirects = 0
        while True:
            try:
                response = self._send(request, url)
            except RequestError as err:
                if retries_used >= self._retries or not _never_sent(err.__cause__):
                    raise
                delay = self._backoff(retries_used)
            else:
                target = self._redirect_target(request, url, response, origin, redirects)
                if target is not None:
                    url, redirects = target, redirects + 1
                    continue
                if response.status not in _RETRY_STATUSES or retries_used >= self._retries:
                    return response
                delay = self._retry_delay(response, retries_used)
            retries_used += 1
            _log.debug("retry %d of %d in %.3f s", retries_used, self._retries, delay)
            self._sleep(delay)

    def _send(self, request: Request, url: str) -> Response:
        """One attempt, no retry, no redirect: urllib3 failures become RequestError."""
        # Log arguments are built only when DEBUG is on: this runs on every request.
        debug = _log.isEnabledFor(logging.DEBUG)
        if debug:
            _log.debug(
                "%s %s headers=%r body=<%d bytes>",
                request.method,
                _safe_url(url),
                redact_headers(request.headers),
                len(request.body),
            )
            started = time.monotonic()
        headers = request.headers
        started = 0.0
        try:
            raw = self._urlopen(
                request.method,
                url,
                body=request.body or None,
                headers=headers if type(headers) is dict else dict(headers),
                redirect=False,
                retries=self._no_retries,
                preload_content=False,
                timeout=self._timeout,
            )
            try:
                body = self._read_body(raw, request.method, url)
            except BaseException:
                # Unread bytes may be huge or never come: drop the connection, don't drain it.
                raw.close()
                raise
            finally:
                raw.release_conn()
        except self._errors as exc:
            if debug:
                elapsed_ms = (time.monotonic() - started) * 1000
                _log.debug(
                    "%s %s failed after %.1f ms: %r",
                    request.method,
                    _safe_url(url),
                    elapsed_ms,
                    exc,
                )
            raise RequestError(self._describe(exc, request.method, url)) from exc
        if debug:
            elapsed_ms = (time.monotonic() - started) * 1000
            _log.debug(
                "%s %s -> %d in %.1f ms", request.method, _safe_url(url), raw.status, elapsed_ms
            )
        answer_headers = {name.lower(): value for name, value in raw.headers.itermerged()}
        return Response(status=raw.status, headers=answer_headers, body=body)

    def _urlopen(self, method: str, url: str, **options: Any) -> BaseHTTPResponse:
        """``PoolManager.urlopen``, through the cached pool of ``url`` when there is no proxy."""
        if self._proxy_url is not None:
            return self._pool.urlopen(method, url, **options)
        pool, target = self._routes.get(url) or self._route(url)
        try:
            return pool.urlopen(method, target, assert_same_host=False, **options)
        except self._closed_pool:
            # close() ran in another thread and closed the pool; nothing was sent, so look
            # the pool up again and send once more.
            pool, target = self._route(url)
            return pool.urlopen(method, target, assert_same_host=False, **options)

    def _route(self, url: str) -> tuple[HTTPConnectionPool, str]:
        from urllib3.util import parse_url

        parts = parse_url(url)
        pool = self._pool.connection_from_host(parts.host, port=parts.port, scheme=parts.scheme)
        if len(self._routes) >= _MAX_ROUTES:
            self._routes.clear()  # a long-lived transport used for many URLs stays bounded
        self._routes[url] = route = (pool, parts.request_uri)
        return route

    def _read_body(self, raw: BaseHTTPResponse, method: str, url: str) -> bytes:
        """The whole body, or RequestError as soon as it is known to exceed ``max_body``."""
        declared = _content_length(raw.headers.get("Content-Length"))
        if declared is not None and declared > self._max_body:
            raise self._too_large(raw.status, method, url, f"Content-Length says {declared}")
        if declared is not None:
            # The usual case, and within the cap: one read, no loop. urllib3 still stops at
            # the declared length, and raises if the connection ends short of it.
            return raw.read()
        chunks: list[bytes] = []
        total = 0
        while True:
            # Never ask for more than one byte past the cap: that byte is enough to refuse.
            chunk = raw.read(min(_READ_CHUNK, self._max_body + 1 - total))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > self._max_body:
                raise self._too_large(raw.status, method, url, "it kept coming")
            chunks.append(chunk)

    def _too_large(self, status: int, method: str, url: str, why: str) -> RequestError:
        return RequestError(
            f"{method} {_safe_url(url)}: the answer (HTTP {status}) is larger than max_body "
            f"({self._max_body} bytes; {why}), so it was not read; check that api_url points "
            f"at the OpenTok API, or raise max_body.",
            status=status,
        )

    def _redirect_target(
        self,
        request: Request,
        url: str,
        response: Response,
        origin: tuple[str, str, int],
        redirects: int,
    ) -> str | None:
        """The same-origin URL to follow, ``None`` when ``response`` is no redirect, or raise."""
        location = response.headers.get("location")
        if response.status not in _REDIRECT_STATUSES or not location:
            return None
        where = f"{request.method} {_safe_url(url)}"
        target = urljoin(url, location)
        target_origin = _origin_or_none(target)
        if target_origin != origin:
            shown = _safe_url(target) if target_origin is None else _format_origin(target_origin)
            # The request carries the account's credentials: they must reach no other host.
            raise RequestError(
                f"{where}: the service redirected (HTTP {response.status}) to another origin, "
                f"{shown}; the redirect was not followed because "
                f"credentials are never sent to another host. Check api_url.",
                status=response.status,
            )
        if (
            response.status not in _METHOD_PRESERVING_REDIRECTS
            and request.method.upper() not in _SAFE_METHODS
        ):
            # 301/302 let clients turn a POST into a GET, and a 303 says the POST was already
            # handled: neither resending it (a second session) nor a GET (another endpoint)
            # is right, so only 307/308 (which promise same method, same body) are followed.
            raise RequestError(
                f"{where}: the service redirected (HTTP {response.status}) to "
                f"{_safe_url(target)}; a {request.method} is only re-sent on 307 or 308, "
                f"so it was not followed. Check api_url.",
                status=response.status,
            )
        if redirects >= self._max_redirects:
            raise RequestError(
                f"{where}: more than max_redirects ({self._max_redirects}) redirects; "
                f"check api_url.",
                status=response.status,
            )
        return target

    def _backoff(self, retries_used: int) -> float:
        return min(_BACKOFF_BASE * 2.0**retries_used, _BACKOFF_CAP, self._max_retry_after)

    def _retry_delay(self, response: Response, retries_used: int) -> float:
        asked = _retry_after_seconds(response.headers.get("retry-after"))
        if asked is None:
            return self._backoff(retries_used)
        return min(asked, self._max_retry_after)

    def _describe(self, exc: BaseException, method: str, url: str) -> str:
        """What failed and what to check, naming no header and no body."""
        from urllib3 import exceptions as u3

        where = f"{method} {_safe_url(url)}"
        host = _host_port(url)
        if isinstance(exc, u3.NameResolutionError):
            return f"{where}: could not resolve {host}; check api_url and your DNS or network."
        if isinstance(exc, u3.NewConnectionError):
            return (
                f"{where}: could not connect to {host} ({_os_reason(exc)}); "
                f"check api_url and your network."
            )
        if isinstance(exc, u3.ConnectTimeoutError):
            return (
                f"{where}: timed out after {self._connect_timeout} s connecting to {host}; "
                f"the service may be unreachable (raise connect_timeout if this persists)."
            )
        if isinstance(exc, u3.ReadTimeoutError):
            return (
                f"{where}: timed out after {self._read_timeout} s waiting for an answer from "
                f"{host}; the service may be slow or unreachable "
                f"(raise read_timeout if this persists)."
            )
        if isinstance(exc, u3.ProxyError):
            proxy = _safe_url(self._proxy_url or "")
            reason = _os_reason(exc.original_error)
            return f"{where}: could not go through the proxy {proxy} ({reason}); check proxy_url."
        if isinstance(exc, u3.SSLError):
            return (
                f"{where}: the TLS handshake with {host} failed ({_os_reason(exc)}); check "
                f"the service certificate, or ca_certs if you trust a private CA."
            )
        if isinstance(exc, (u3.ProtocolError, OSError)):
            return (
                f"{where}: the connection to {host} broke before a complete answer arrived "
                f"({_os_reason(exc)}); it may have been processed, so it was not sent again."
            )
        return f"{where}: the request failed ({type(exc).__name__}: {exc}); check api_url."


def _make_pool(
    proxy_url: str | None,
    ca_certs: str | None,
    pool_maxsize: int,
    timeout: urllib3.Timeout,
) -> urllib3.PoolManager:
    import urllib3

    # retries=False at the pool: the policy lives in handle_request, where it is visible.
    options: dict[str, Any] = {
        "maxsize": pool_maxsize,
        "block": False,
        "retries": False,
        "timeout": timeout,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": ca_certs,
    }
    if proxy_url is None:
        return urllib3.PoolManager(**options)
    userinfo = urlsplit(proxy_url)
    if userinfo.username is not None:
        credentials = f"{unquote(userinfo.username)}:{unquote(userinfo.password or '')}"
        options["proxy_headers"] = urllib3.make_headers(proxy_basic_auth=credentials)
    return urllib3.ProxyManager(_safe_url(proxy_url), **options)


def _never_sent(cause: BaseException | None) -> bool:
    """True when the failure happened before any byte of the request left this process."""
    from urllib3 import exceptions as u3

    if isinstance(cause, u3.ProxyError):
        cause = cause.original_error
    # NewConnectionError (and NameResolutionError) subclass ConnectTimeoutError; listed for
    # the reader. A ReadTimeoutError or ProtocolError may come after the service acted.
    return isinstance(cause, (u3.NewConnectionError, u3.ConnectTimeoutError))


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta or HTTP date), ``None`` if unusable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only on this rare path: it pulls in much of the email package

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None  # urllib3 reads until the connection closes; the byte count still applies


def _origin(method: str, url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of the URL a request is sent to, or RequestError."""
    origin = _origin_or_none(url)
    if origin is None:
        raise RequestError(
            f"{method} {_safe_url(url)}: only absolute http:// or https:// URLs with a valid "
            f"host and port can be sent; check api_url."
        )
    return origin


@functools.lru_cache(maxsize=64)
def _origin_or_none(url: str) -> tuple[str, str, int] | None:
    # Cached: a client posts to the same URL every time, and urlsplit costs microseconds.
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _format_origin(origin: tuple[str, str, int]) -> str:
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        port = None
    host = parts.hostname or "?"
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def _safe_url(url: str) -> str:
    """``url`` without ``user:password@`` and without query or fragment, for messages."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _os_reason(exc: BaseException) -> str:
    """The most precise reason in the cause chain, e.g. ``connection refused``."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror[:1].lower() + seen.strerror[1:]
        seen = seen.__cause__ or seen.__context__
    inner = exc.args[-1] if exc.args else exc
    return str(inner) or type(exc).__name__


def _check_seconds(name: str, value: float, *, allow_zero: bool) -> None:
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 or (allow_zero and value == 0))
    )
    if not ok:
        need = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name} must be {need} (seconds), not {value!r}")


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")


def _check_proxy_url(proxy_url: str) -> None:
    parts = urlsplit(proxy_url)
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        parts = urlsplit("")
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(
            f"proxy_url must look like http://host:port or https://host:port, "
            f"not {_safe_url(proxy_url)!r}"
        )
