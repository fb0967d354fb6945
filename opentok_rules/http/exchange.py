"""What a transport decides, with no I/O: shared by the urllib3 transport and the async ones.

Every function here works on strings, numbers, :class:`~opentok_rules.http.transport.Request` /
:class:`~opentok_rules.http.transport.Response` and the library's own errors; none opens a socket,
sleeps or imports an HTTP library. A transport moves bytes and asks this module:

* where a URL goes (:func:`parse_target`: the one parse that routing *and* origin checks use);
* whether a redirect is followed and where to (:func:`redirect_target`);
* whether a failure or an answer may be sent again, and after how long (:class:`FailureKind`,
  :func:`failure_is_retryable`, :func:`status_is_retryable`, :func:`retry_delay`);
* whether the framing of an answer is sound and how large it says it is (:func:`declared_length`);
* whether the body has grown too large (:class:`BodyLimit`, fed decoded bytes);
* how much time is left for the whole call (:class:`Deadline`);
* what to do after each attempt of a call: return the answer, retry, follow a redirect or
  raise (:class:`Attempts`, the one retry-and-redirect loop that every transport drives);
* what caused a failure (:func:`exception_chain`, the one guarded walk of a cause chain);
* the settings every transport takes alike, checked once (:class:`TransportSettings`);
* what to tell the user when something failed (:func:`describe_failure` and the others).

Kept by hand rather than through ``urllib3.util.Retry``, one line each why:

* no POST re-sent on 301/302/303: ``Retry`` turns them into a GET (303) or re-sends the POST
  (301/302 with ``allowed_methods``), and both are wrong for "create a session";
* the cap on ``Retry-After``: ``Retry`` sleeps whatever the service asks, unbounded;
* no header forwarding across origins: ``Retry.remove_headers_on_redirect`` strips only the
  names it lists, so an unlisted credential header would still travel; here nothing travels;
* and ``Retry`` lives in urllib3 and sleeps outside the call's :class:`Deadline`, while the
  async transports share these exchange rules.
"""

from __future__ import annotations

import datetime
import enum
import functools
import ipaddress
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import attrs

from opentok_rules.errors import RequestError

# The transports' logger: a retry is decided here, for all of them.
_log = logging.getLogger("opentok_rules.transport")

__all__ = [
    "CHAIN_LIMIT",
    "DEFAULT_PORTS",
    "FOLLOW_UP_STATUSES",
    "REDIRECT_STATUSES",
    "RETRY_STATUSES",
    "AttemptFailed",
    "Attempts",
    "BodyLimit",
    "Deadline",
    "FailureKind",
    "Next",
    "RetryRules",
    "Target",
    "TransportSettings",
    "backoff",
    "declared_length",
    "describe_failure",
    "drop_frames",
    "exception_chain",
    "failure_is_retryable",
    "parse_target",
    "redirect_target",
    "retry_after_seconds",
    "retry_delay",
    "safe_url",
    "status_is_retryable",
]

DEFAULT_PORTS = {"http": 80, "https": 443}
#: Answers that mean "not processed, come back later": safe to send again, even a POST.
RETRY_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Answers after which something else than returning them may be decided (a redirect to
#: follow, or a "come back later"). Any other answer is final, on any attempt: a transport
#: returns it without asking :class:`Attempts` (the usual case, so it costs one set lookup).
FOLLOW_UP_STATUSES = REDIRECT_STATUSES | RETRY_STATUSES
#: Redirects that promise the same method and body must be used at the new location.
_METHOD_PRESERVING_REDIRECTS = frozenset({307, 308})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 2.0

# --- URLs ------------------------------------------------------------------------------------

# Only visible ASCII, no backslash: anything else is where URL parsers disagree (WHATWG turns
# "\" into "/", RFC 3986 parsers keep it; control characters and spaces get stripped by some).
_FORBIDDEN_CHAR = re.compile(r"[^\x21-\x7e]|\\")
_ABSOLUTE = re.compile(r"(?i)(https?)://([^/?#]*)([^#]*)(?:#.*)?")
# RFC 3986 path and query characters; "[", "]", "{", "|", "^", "`", '"', "<", ">" would be
# percent-encoded by some clients and sent raw by others.
_TARGET = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_REG_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
_PORT = re.compile(r"[0-9]{1,5}")


@attrs.frozen
class Target:
    """Where a request goes: the normalized origin and the request-target sent on the wire.

    ``host`` is lower case, without a trailing dot, and an IPv6 literal without brackets;
    ``port`` is always spelled out; ``target`` starts with ``/`` and has no fragment.
    """

    scheme: str
    host: str
    port: int
    target: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    #: ``host:port``, the host in brackets when it is an IPv6 literal (computed once).
    authority: str = attrs.field(init=False, eq=False, repr=False)
    #: The canonical absolute URL, which every URL parser reads the same way; the default
    #: port is left out (as RFC 3986 normalizes), so proxies see the usual form. Computed
    #: once: transports read it on every request.
    url: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        host = f"[{self.host}]" if ":" in self.host else self.host
        authority = f"{host}:{self.port}"
        shown = host if self.port == DEFAULT_PORTS[self.scheme] else authority
        object.__setattr__(self, "authority", authority)
        object.__setattr__(self, "url", f"{self.scheme}://{shown}{self.target}")


@functools.lru_cache(maxsize=256)
def parse_target(url: str) -> Target | None:
    """The :class:`Target` of an absolute ``http(s)://`` URL, or ``None`` if it is unsafe.

    Refused: any character outside visible ASCII (controls, spaces, non-ASCII), a backslash,
    userinfo (``@`` in the authority), ``%`` in the authority, a scheme other than http or
    https, an empty or malformed host, a port outside 1-65535. Cached: a client sends to the
    same URL every time.
    """
    if _FORBIDDEN_CHAR.search(url):
        return None
    match = _ABSOLUTE.fullmatch(url)
    if match is None:
        return None
    scheme, authority, rest = match.group(1).lower(), match.group(2), match.group(3)
    parsed = _parse_authority(authority, DEFAULT_PORTS[scheme])
    if parsed is None:
        return None
    host, port = parsed
    target = rest if rest.startswith("/") else "/" + rest
    if not _TARGET.fullmatch(target):
        return None
    return Target(scheme, host, port, target)


def _parse_authority(authority: str, default_port: int) -> tuple[str, int] | None:
    # "@" would be userinfo, "%" an encoded byte in the host: both are read differently by
    # different parsers, and neither belongs in an API URL.
    if "@" in authority or "%" in authority:
        return None
    if authority.startswith("["):
        host_part, bracket, port_part = authority[1:].partition("]")
        if not bracket or (port_part and not port_part.startswith(":")):
            return None
        try:
            host = str(ipaddress.IPv6Address(host_part))
        except ValueError:
            return None
        port_text = port_part[1:] if port_part else ""
    else:
        host_part, _, port_text = authority.partition(":")
        host = host_part.lower()
        if host.endswith("."):
            host = host[:-1]
        if not _REG_NAME.fullmatch(host):
            return None
    port = _parse_port(port_text, default_port)
    if port is None:
        return None
    return host, port


def _parse_port(text: str, default_port: int) -> int | None:
    if not text:
        return default_port  # "host:" with an empty port means the default, as RFC 3986 says
    if not _PORT.fullmatch(text):
        return None
    port = int(text)
    return port if 0 < port < 65536 else None


def resolve_location(current: Target, location: str) -> Target | None:
    """Where ``location`` (a ``Location`` header) points from ``current``, or ``None``.

    Absolute, scheme-relative (``//host/x``, taking ``current``'s scheme), absolute-path and
    relative references are resolved; the result is parsed by :func:`parse_target`, so a
    ``Location`` is held to the same rules as ``api_url``.
    """
    if _FORBIDDEN_CHAR.search(location):
        return None
    if location.startswith("//"):
        return parse_target(f"{current.scheme}:{location}")
    if _HAS_SCHEME.match(location):
        return parse_target(location)  # only http(s)://...; "http:x" or "ftp://" are refused
    # A relative reference: the authority is current's, only the path and query change.
    joined = urlsplit(urljoin(current.url, location))
    target = urlunsplit(("", "", joined.path or "/", joined.query, ""))
    if not target.startswith("/") or not _TARGET.fullmatch(target):
        return None
    return attrs.evolve(current, target=target)


# --- redirects -------------------------------------------------------------------------------


def redirect_target(
    method: str,
    current: Target,
    status: int,
    location: str | None,
    *,
    redirects: int,
    max_redirects: int,
) -> Target | None:
    """Where to send ``method`` next after an answer ``status`` with ``location``.

    ``None`` when the answer is not a redirect to follow (not a 3xx redirect, or no
    ``Location``): it is then the final answer. Only same-origin redirects are followed,
    with the same method, headers and body; for anything but GET/HEAD/OPTIONS only 307 and
    308 (which promise the same method and body). Since the origin never changes, no header
    ever travels to another host.

    :raises RequestError: the redirect must not be followed: another origin, an unsafe
        ``Location``, a POST on 301/302/303, or more than ``max_redirects``.
    """
    if status not in REDIRECT_STATUSES or not location:
        return None
    where = f"{method} {current.scheme}://{current.authority}{_path_only(current.target)}"
    target = resolve_location(current, location)
    if target is None:
        raise RequestError(
            f"{where}: the service redirected (HTTP {status}) to a Location that is not a "
            f"plain http(s) URL (it has a backslash, a space or control character, "
            f"user:password@, a %-encoded host or another scheme); it was not followed. "
            f"Check api_url.",
            status=status,
        )
    if target.origin != current.origin:
        # The request carries the account's credentials: they must reach no other host.
        raise RequestError(
            f"{where}: the service redirected (HTTP {status}) to another origin, "
            f"{target.scheme}://{target.authority}; the redirect was not followed because "
            f"credentials are never sent to another host. Check api_url.",
            status=status,
        )
    if status not in _METHOD_PRESERVING_REDIRECTS and method.upper() not in _SAFE_METHODS:
        # 301/302 let clients turn a POST into a GET, and a 303 says the POST was already
        # handled: neither resending it (a second session) nor a GET (another endpoint)
        # is right, so only 307/308 (which promise same method, same body) are followed.
        raise RequestError(
            f"{where}: the service redirected (HTTP {status}) to "
            f"{target.scheme}://{target.authority}{_path_only(target.target)}; a {method} "
            f"is only re-sent on 307 or 308, so it was not followed. Check api_url.",
            status=status,
        )
    if redirects >= max_redirects:
        raise RequestError(
            f"{where}: more than max_redirects ({max_redirects}) redirects; check api_url.",
            status=status,
        )
    return target


# --- retries ---------------------------------------------------------------------------------


class FailureKind(enum.Enum):
    """Why no answer came, in terms every transport can map its own exceptions to."""

    #: The name did not resolve: nothing was sent.
    RESOLVE = "resolve"
    #: The TCP connection was refused or failed: nothing was sent.
    CONNECT = "connect"
    #: The TCP (or TLS) connection was not made in time: nothing was sent.
    CONNECT_TIMEOUT = "connect-timeout"
    #: The proxy could not be reached: nothing was sent.
    PROXY_CONNECT = "proxy-connect"
    #: The proxy refused or broke the tunnel: the request may have gone through.
    PROXY = "proxy"
    #: The TLS handshake failed (certificate, protocol): retrying would fail the same way.
    TLS = "tls"
    #: No answer within ``read_timeout``: the service may have acted.
    READ_TIMEOUT = "read-timeout"
    #: The connection broke, or the answer was malformed: the service may have acted.
    BROKEN = "broken"
    #: The whole call's deadline passed.
    DEADLINE = "deadline"


_NEVER_SENT = frozenset(
    {
        FailureKind.RESOLVE,
        FailureKind.CONNECT,
        FailureKind.CONNECT_TIMEOUT,
        FailureKind.PROXY_CONNECT,
    }
)


def failure_is_retryable(kind: FailureKind) -> bool:
    """True only when the request surely never left this process (connection not made)."""
    return kind in _NEVER_SENT


def status_is_retryable(status: int) -> bool:
    """True for 429 and 503: the service said it did not process the request."""
    return status in RETRY_STATUSES


def backoff(retries_used: int, max_retry_after: float) -> float:
    """Seconds before retry ``retries_used + 1`` when the service gave no ``Retry-After``."""
    return min(_BACKOFF_BASE * 2.0 ** min(retries_used, 30), _BACKOFF_CAP, max_retry_after)


def retry_after_seconds(
    value: str | None, *, now: Callable[[], datetime.datetime] | None = None
) -> float | None:
    """Seconds asked by a ``Retry-After`` (delta or HTTP date); ``None`` if absent or unusable.

    Negative values count as 0; NaN and infinities are ignored. ``now`` (UTC, aware) is
    injectable for tests.
    """
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only on this rare path: it pulls in much of the email package

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        current = now() if now is not None else datetime.datetime.now(datetime.timezone.utc)
        seconds = (when - current).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def retry_delay(retries_used: int, max_retry_after: float, retry_after: str | None = None) -> float:
    """Seconds to wait before the next attempt: the capped ``Retry-After``, else the backoff.

    ``retry_after`` is the answer's ``Retry-After`` value (``None`` after a failure).
    """
    asked = retry_after_seconds(retry_after)
    if asked is None:
        return backoff(retries_used, max_retry_after)
    return min(asked, max_retry_after)


# --- the retry and redirect loop, as decisions ---------------------------------------------------


class AttemptFailed(Exception):
    """One attempt's failure, as a transport reports it to :meth:`Attempts.after_failure`:
    what kind it was (for the retry decision), the error to raise, and what caused it."""

    def __init__(self, kind: FailureKind, error: RequestError, cause: BaseException | None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.error = error
        self.cause = cause


class Next(enum.Enum):
    """What a transport does after an attempt, as :class:`Attempts` decides it (the fourth
    outcome, "raise this error", :class:`Attempts` raises itself)."""

    #: Return the answer the attempt got: it is final.
    ANSWER = "answer"
    #: Wait :attr:`Attempts.delay` seconds, then send the request again to
    #: :attr:`Attempts.target`.
    RETRY = "retry"
    #: Send the request again at once, to the new :attr:`Attempts.target`.
    REDIRECT = "redirect"


@attrs.frozen
class RetryRules:
    """A transport's retry and redirect settings, checked by :func:`check_settings`."""

    retries: int
    max_retry_after: float
    max_redirects: int

    def start(self, method: str, target: Target, deadline: Deadline) -> Attempts:
        """The decisions of one call of ``method`` to ``target`` within ``deadline``."""
        return Attempts(self, method, target, deadline)


class Attempts:
    """One call's retry and redirect decisions, with no I/O (the way h11 does HTTP/1.1).

    A transport sends an attempt and tells this what happened: an answer's status and
    headers (:meth:`after_answer`) or a failure (:meth:`after_failure`). It answers with what
    to do next (a :class:`Next`), or raises the :class:`~opentok_rules.errors.RequestError`
    that ends the call, and keeps the count of retries and redirects, the target of the next
    attempt and the delay before it. It never sends or sleeps, so the urllib3 and the async
    transports drive the very same loop.

    Made only when a call's attempt is not final (a failure, or a status in
    :data:`FOLLOW_UP_STATUSES`): the usual call never needs one.
    """

    __slots__ = ("_rules", "deadline", "delay", "method", "redirects", "retries_used", "target")

    def __init__(self, rules: RetryRules, method: str, target: Target, deadline: Deadline) -> None:
        self._rules = rules
        self.method = method
        #: Where the next attempt goes (a followed redirect changes it).
        self.target = target
        self.deadline = deadline
        self.retries_used = 0
        self.redirects = 0
        #: Seconds to wait before the next attempt, after :attr:`Next.RETRY`.
        self.delay = 0.0

    def after_answer(self, status: int, headers: Mapping[str, str]) -> Next:
        """What to do after an answer with ``status`` and ``headers`` (lower-case names).

        A same-origin redirect is followed; a 429 or 503 is retried after the capped
        ``Retry-After`` (or the backoff) while retries and time are left; any other answer is
        final.

        :raises RequestError: a redirect that must not be followed (see
            :func:`redirect_target`).
        """
        if status not in FOLLOW_UP_STATUSES:
            return Next.ANSWER
        rules = self._rules
        following = redirect_target(
            self.method,
            self.target,
            status,
            headers.get("location"),
            redirects=self.redirects,
            max_redirects=rules.max_redirects,
        )
        if following is not None:
            self.target = following
            self.redirects += 1
            return Next.REDIRECT
        if not status_is_retryable(status) or self.retries_used >= rules.retries:
            return Next.ANSWER
        delay = retry_delay(self.retries_used, rules.max_retry_after, headers.get("retry-after"))
        if delay >= self.deadline.remaining():
            return Next.ANSWER  # waiting would pass the deadline: this is the answer
        return self._retry(delay)

    def after_failure(self, failed: AttemptFailed) -> Next:
        """What to do after an attempt got no answer: retry only what surely never reached
        the service (:func:`failure_is_retryable`), while retries and time are left.

        :raises RequestError: ``failed.error``, from ``failed.cause``, when no retry is due.
        """
        rules = self._rules
        if self.retries_used >= rules.retries or not failure_is_retryable(failed.kind):
            raise failed.error from failed.cause
        delay = retry_delay(self.retries_used, rules.max_retry_after)
        if delay >= self.deadline.remaining():
            raise failed.error from failed.cause  # no time left for another attempt
        return self._retry(delay)

    def _retry(self, delay: float) -> Next:
        self.retries_used += 1
        self.delay = delay
        _log.debug("retry %d of %d in %.3f s", self.retries_used, self._rules.retries, delay)
        return Next.RETRY


# --- the answer's framing and size --------------------------------------------------------------


def declared_length(
    headers: Mapping[str, str], *, where: str, status: int, max_body: int
) -> int | None:
    """The body length the answer promises, or ``None`` when it must be read in a bounded loop.

    Only one valid, non-negative ``Content-Length`` without ``Transfer-Encoding`` and without
    ``Content-Encoding`` (other than identity) gives a length. ``headers`` are the answer's as
    a case-insensitive mapping whose repeated fields are joined with ``", "`` (as urllib3's
    ``HTTPHeaderDict.get`` and httpx give them).

    :raises RequestError: the framing is ambiguous (a malformed, negative or repeated
        ``Content-Length``, or one together with ``Transfer-Encoding``), the declared
        length exceeds ``max_body``, or the body is in an encoding not asked for.
    """
    encoding = headers.get("content-encoding")
    if encoding is not None:
        _check_encoding(encoding, where, status)
    length = headers.get("content-length")
    if length is None:
        return None
    if not length.isdigit() or not length.isascii() or headers.get("transfer-encoding"):
        # Two parsers on the way may frame this body differently: request smuggling and
        # unbounded reads live here. Refuse, naming only the header values' shape.
        shown = length if len(length) <= 40 else length[:40] + "..."
        raise RequestError(
            f"{where}: the answer (HTTP {status}) has an invalid or ambiguous length "
            f"(Content-Length {shown!r}"
            f"{' with Transfer-Encoding' if headers.get('transfer-encoding') else ''}); "
            f"it was not read. A proxy or the service is misbehaving; check api_url.",
            status=status,
        )
    declared = int(length)
    if declared > max_body:
        raise body_too_large(where, status, max_body, f"Content-Length says {declared}")
    if encoding is not None and encoding.strip().lower() not in ("", "identity"):
        return None  # the decoded size is unknown: count it while reading
    return declared


#: Codings every HTTP library here inflates in bounded steps. The client asks for identity;
#: these are still read (through the decoded-byte cap) because proxies gzip answers anyway.
_BOUNDED_CODINGS = frozenset({"identity", "gzip", "x-gzip", "deflate"})


def _check_encoding(value: str, where: str, status: int) -> None:
    # br and zstd depend on optional decoders whose bounded reads differ by version (urllib3
    # 2.8 with zstandard cut a 2 MB answer to 82 bytes, silently): refused, not guessed at.
    codings = [coding.strip().lower() for coding in value.split(",") if coding.strip()]
    unknown = [coding for coding in codings if coding not in _BOUNDED_CODINGS]
    if unknown:
        shown = ", ".join(coding[:20] for coding in unknown[:3])
        raise RequestError(
            f"{where}: the answer (HTTP {status}) is encoded as {shown!r}, which was not asked "
            "for (the request says Accept-Encoding: identity), so it was not read. A proxy "
            "between you and the service may be compressing answers.",
            status=status,
        )


def body_too_large(where: str, status: int, max_body: int, why: str) -> RequestError:
    """The error for an answer larger than ``max_body``."""
    return RequestError(
        f"{where}: the answer (HTTP {status}) is larger than max_body "
        f"({max_body} bytes; {why}), so it was not read; check that api_url points "
        f"at the OpenTok API, or raise max_body.",
        status=status,
    )


class BodyLimit:
    """Counts the *decoded* bytes of one answer, chunk by chunk, against ``max_body``.

    Feed it each decoded chunk as it is read; it raises as soon as the total passes the cap,
    so no more than one chunk past ``max_body`` is ever held.
    """

    __slots__ = ("_chunks", "_max_body", "_status", "_total", "_where")

    def __init__(self, max_body: int, *, where: str, status: int) -> None:
        self._max_body = max_body
        self._where = where
        self._status = status
        self._total = 0
        self._chunks: list[bytes] = []

    def next_read_size(self, chunk: int) -> int:
        """How much to ask for next: never more than one byte past the cap."""
        return max(1, min(chunk, self._max_body + 1 - self._total))

    def feed(self, chunk: bytes) -> None:
        """Keep ``chunk``; :raises RequestError: when the total passes ``max_body``."""
        self._total += len(chunk)
        if self._total > self._max_body:
            self._chunks.clear()
            raise body_too_large(self._where, self._status, self._max_body, "it kept coming")
        self._chunks.append(chunk)

    @property
    def total(self) -> int:
        return self._total

    def body(self) -> bytes:
        """Everything fed so far, joined."""
        return b"".join(self._chunks)


# --- the whole call's deadline ---------------------------------------------------------------


class Deadline:
    """The time left for one call (connects, retries, redirects, every read).

    ``clock`` is a monotonic clock in seconds (injectable for tests).
    """

    __slots__ = ("_at", "_clock", "seconds")

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._at = clock() + seconds

    @property
    def at(self) -> float:
        """When the deadline passes, on ``clock``."""
        return self._at

    def remaining(self) -> float:
        """Seconds left (0.0 once passed)."""
        return max(self._at - self._clock(), 0.0)

    def expired(self) -> bool:
        return self._clock() >= self._at

    def timeout(self, cap: float, where: str) -> float:
        """``min(cap, remaining)`` for one connect or read.

        :raises RequestError: the deadline has passed.
        """
        left = self._at - self._clock()
        if left <= 0:
            raise self.error(where)
        return cap if cap < left else left

    def check(self, where: str) -> None:
        """:raises RequestError: the deadline has passed."""
        if self._clock() >= self._at:
            raise self.error(where)

    def error(self, where: str) -> RequestError:
        return RequestError(
            f"{where}: no complete answer within the deadline ({self.seconds:g} s for the "
            f"whole call); the service may be slow or unreachable "
            f"(raise deadline if this persists)."
        )


# --- what caused a failure ------------------------------------------------------------------

#: The most exceptions one walk of a cause chain visits; real chains are a few long.
CHAIN_LIMIT = 32
# BaseException's own descriptors: a subclass may override __cause__ or __context__ with a
# property that raises or lies, and an exception may define __bool__ (so no `cause or context`).
_CAUSE: Any = BaseException.__dict__["__cause__"]
_CONTEXT: Any = BaseException.__dict__["__context__"]


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc``, then what caused it (its ``__cause__``, else its ``__context__``), and so on.

    Guarded, because the chain is anyone's to build: each exception is visited once (a
    transport or a library may make one whose cause chain loops, and Python itself leaves a
    loop when an exception is raised from the one it is the context of), and at most
    :data:`CHAIN_LIMIT` are visited. The one walk of a chain every transport uses.
    """
    visited: set[int] = set()
    while exc is not None and id(exc) not in visited and len(visited) < CHAIN_LIMIT:
        visited.add(id(exc))
        yield exc
        cause = _CAUSE.__get__(exc)
        exc = cause if cause is not None else _CONTEXT.__get__(exc)


def drop_frames(exc: BaseException | None) -> None:
    """Forget the frames of ``exc`` and of what caused it, keeping types and messages.

    The frames inside an HTTP library hold the request headers (the credential) in their
    locals, and error reporters (Sentry and the like) record every frame's locals of an
    error's cause: they must not see them.
    """
    for each in exception_chain(exc):
        each.__traceback__ = None


# --- messages --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def safe_url(url: str) -> str:
    """``url`` without ``user:password@``, query or fragment, for messages and logs.

    Cached: transports name the URL on every request, and it is nearly always the same one.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _path_only(target: str) -> str:
    return target.partition("?")[0]


def host_port(url: str) -> str:
    """``host:port`` of ``url`` for messages (``?`` when it has no readable host)."""
    target = parse_target(url)
    if target is not None:
        return target.authority
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        port = None
        parts = urlsplit("")
    host = parts.hostname or "?"
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def invalid_url(method: str, url: str) -> RequestError:
    """The error for a request URL :func:`parse_target` refuses."""
    return RequestError(
        f"{method} {safe_url(url)}: only absolute http:// or https:// URLs with a valid "
        f"host and port, without user:password@, spaces or backslashes, can be sent; "
        f"check api_url."
    )


def describe_failure(
    kind: FailureKind,
    method: str,
    url: str,
    *,
    reason: str,
    connect_timeout: float,
    read_timeout: float,
    proxy_url: str | None = None,
) -> str:
    """What failed and what to check, naming host and port but no header and no body.

    ``reason`` is a short cause such as ``connection refused`` (never a header or body).
    """
    where = f"{method} {safe_url(url)}"
    host = host_port(url)
    if kind is FailureKind.RESOLVE:
        return f"{where}: could not resolve {host}; check api_url and your DNS or network."
    if kind is FailureKind.CONNECT:
        return f"{where}: could not connect to {host} ({reason}); check api_url and your network."
    if kind is FailureKind.CONNECT_TIMEOUT:
        return (
            f"{where}: timed out after {connect_timeout} s connecting to {host}; "
            f"the service may be unreachable (raise connect_timeout if this persists)."
        )
    if kind is FailureKind.READ_TIMEOUT:
        return (
            f"{where}: timed out after {read_timeout} s waiting for an answer from "
            f"{host}; the service may be slow or unreachable "
            f"(raise read_timeout if this persists)."
        )
    if kind in (FailureKind.PROXY, FailureKind.PROXY_CONNECT):
        proxy = safe_url(proxy_url or "")
        return f"{where}: could not go through the proxy {proxy} ({reason}); check proxy_url."
    if kind is FailureKind.TLS:
        return (
            f"{where}: the TLS handshake with {host} failed ({reason}); check "
            f"the service certificate, or ca_certs if you trust a private CA."
        )
    return (
        f"{where}: the connection to {host} broke before a complete answer arrived "
        f"({reason}); it may have been processed, so it was not sent again."
    )


@attrs.frozen(kw_only=True)
class TransportSettings:
    """What every transport is given alike: timeouts, the deadline, retries, caps, the pool.

    Checked when made (:func:`check_settings`: a :class:`ValueError` naming the setting and
    what it takes); seconds are stored as ``float``. The urllib3 and the async transport each
    hold one and read their settings from it, so the two cannot drift apart.
    """

    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    retries: int = 2
    max_retry_after: float = 5.0
    ca_certs: str | None = None
    max_body: int = 1 << 20
    max_redirects: int = 3
    pool_maxsize: int = 10
    #: The retry and redirect decisions these settings make (:class:`RetryRules`).
    rules: RetryRules = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        check_settings(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            deadline=self.deadline,
            max_retry_after=self.max_retry_after,
            retries=self.retries,
            max_body=self.max_body,
            max_redirects=self.max_redirects,
            pool_maxsize=self.pool_maxsize,
            ca_certs=self.ca_certs,
        )
        # Checked first: float() would take a bool or a numeric string.
        for name in ("connect_timeout", "read_timeout", "deadline", "max_retry_after"):
            object.__setattr__(self, name, float(getattr(self, name)))
        rules = RetryRules(self.retries, self.max_retry_after, self.max_redirects)
        object.__setattr__(self, "rules", rules)

    @property
    def untrimmed(self) -> float:
        """With more than this left before the deadline, an attempt's timeouts need no trimming."""
        return max(self.connect_timeout, self.read_timeout)

    def describe(self) -> str:
        """The settings a transport's ``repr`` shows (never a path or a secret)."""
        return (
            f"connect_timeout={self.connect_timeout}, read_timeout={self.read_timeout}, "
            f"deadline={self.deadline}, retries={self.retries}, "
            f"max_retry_after={self.max_retry_after}"
        )


def check_settings(
    *,
    connect_timeout: float,
    read_timeout: float,
    deadline: float,
    max_retry_after: float,
    retries: int,
    max_body: int,
    max_redirects: int,
    pool_maxsize: int,
    ca_certs: str | None,
) -> None:
    """The settings every transport shares, checked alike; :class:`ValueError` naming one."""
    for name, seconds in (
        ("connect_timeout", connect_timeout),
        ("read_timeout", read_timeout),
        ("deadline", deadline),
    ):
        _check_seconds(name, seconds, allow_zero=False)
    _check_seconds("max_retry_after", max_retry_after, allow_zero=True)
    for name, count, minimum in (
        ("retries", retries, 0),
        ("max_body", max_body, 0),
        ("max_redirects", max_redirects, 0),
        ("pool_maxsize", pool_maxsize, 1),
    ):
        _check_count(name, count, minimum=minimum)
    if ca_certs is not None and not os.path.isfile(ca_certs):
        raise ValueError(f"ca_certs must be the path of a PEM file; {ca_certs!r} is not a file")


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
