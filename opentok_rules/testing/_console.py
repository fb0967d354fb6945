"""The emulator's console: one page at ``/`` and its JSON endpoints under ``/console/api/``.

The page (plain HTML, CSS and a little JavaScript, shipped as package data beside this module)
shows the create-session requests the emulator received, the archives it holds, the rules of
the registry it was given, a form that runs options through those rules, and a token
inspector. Everything the page shows comes from the endpoints here, which never put a
credential in an answer: the sessions log holds the form and the verdict, never headers; a
pasted token is answered with its claims, never with itself.

The session service's checks (``_params`` and ``_auth``) stay independent of the library's
rule engine; the console's Rules and Try panels use the engine, as the library's user would,
and so do the archive start checks (the service's archive rules are the library's defaults).
"""

from __future__ import annotations

import base64
import binascii
import collections
import json
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import attrs

from opentok_rules.testing._params import has_bad_escape

if TYPE_CHECKING:
    from opentok_rules.engine.registry import RuleRegistry
    from opentok_rules.testing._archives import EmulatedArchive

__all__ = [
    "API_PREFIX",
    "MAX_CONSOLE_BODY_BYTES",
    "MAX_LOG_ENTRIES",
    "MAX_SHOWN_ARCHIVES",
    "Answer",
    "Console",
    "LogEntry",
    "OutOfRangeNumber",
    "SessionLog",
    "TokenVerifier",
]

#: Where the console's JSON endpoints live.
API_PREFIX = "/console/api/"
#: Larger console request bodies are refused: six options or one token fit in far less.
MAX_CONSOLE_BODY_BYTES = 64 * 1024
#: How many create requests the Sessions panel keeps by default; older ones drop off.
MAX_LOG_ENTRIES = 1000
#: How many archives the Archives panel shows, newest first (``total`` says how many exist).
MAX_SHOWN_ARCHIVES = 200
# How much of a request body the log keeps: a form of six options is some 150 bytes.
_MAX_LOGGED_BODY = 4096
_MAX_TOKEN_CHARS = 16 * 1024
# The latest time a date can show in ISO 8601 with a four-digit year (9999-12-31T23:59:59Z).
_LAST_DATE = 253402300799
_TIME_CLAIMS = ("iat", "nbf", "exp", "create_time", "expire_time")
_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/console/style.css": ("style.css", "text/css; charset=utf-8"),
    "/console/app.js": ("app.js", "text/javascript; charset=utf-8"),
}
# The page loads only its own files and talks only to its own endpoints.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@attrs.frozen
class Answer:
    """What a console route answers: status, content type, body and extra headers."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class LogEntry:
    """One create-session request, as the Sessions panel shows it."""

    seq: int
    time: float
    backend: str
    method: str
    #: The form's fields in the order sent, repeats kept; ``None`` if the body is no form.
    params: list[tuple[str, str]] | None
    #: The body as text when it is not a form (cut at 4 KiB), else ``None``.
    body: str | None
    status: int
    session_id: str | None
    #: Why the service refused it (the message of the error answer), else ``None``.
    reason: str | None


class SessionLog:
    """The last ``keep`` create requests (:data:`MAX_LOG_ENTRIES` by default), thread-safe,
    numbered from 1."""

    def __init__(self, keep: int = MAX_LOG_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: collections.deque[LogEntry] = collections.deque(maxlen=keep)
        self._seq = 0
        self.keep = keep

    def add(
        self,
        *,
        backend: str,
        method: str,
        body: bytes,
        status: int,
        session_id: str | None,
        reason: str | None,
    ) -> None:
        params, text = _shown_form(body)
        with self._lock:
            self._seq += 1
            entry = LogEntry(
                self._seq, time.time(), backend, method, params, text, status, session_id, reason
            )
            self._entries.append(entry)

    def after(self, seq: int) -> tuple[list[LogEntry], int]:
        """Entries numbered above ``seq``, newest first, and the highest number so far."""
        with self._lock:
            newer = [entry for entry in self._entries if entry.seq > seq]
            return newer[::-1], self._seq

    @property
    def dropped(self) -> int:
        """How many create requests are no longer kept."""
        with self._lock:
            return self._seq - len(self._entries)


def _shown_form(body: bytes) -> tuple[list[tuple[str, str]] | None, str | None]:
    """The form as sent, read leniently (the service's strict reading decided the answer)."""
    text = body[:_MAX_LOGGED_BODY].decode("utf-8", "replace")
    if not text:
        return [], None
    if has_bad_escape(body[:_MAX_LOGGED_BODY]):
        return None, text
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="replace")
    except ValueError:
        return None, text
    return pairs, None


#: ``verify(token, format) -> why not, or None``: checks a client token against the credentials.
TokenVerifier = Callable[[str, str], "str | None"]


class Console:
    """Answers the console's routes for one emulator.

    :param rules: the registry the Rules and Try panels use.
    :param policy_source: the policy file the rules came from, shown on the page, or ``None``.
    :param info: what the page may show about the emulator (backend, project id); never
        a credential.
    :param log: the emulator's record of create requests.
    :param verify: checks a pasted client token against the emulator's credentials.
    :param archives: the archives the emulator holds, newest first (none if not given).
    """

    def __init__(
        self,
        *,
        rules: RuleRegistry,
        policy_source: str | None,
        info: Mapping[str, object],
        log: SessionLog,
        verify: TokenVerifier,
        archives: Callable[[], Sequence[EmulatedArchive]] = list,
    ) -> None:
        self.rules = rules
        self._policy_source = policy_source
        self._info = dict(info)
        self._log = log
        self._verify = verify
        self._archives = archives

    @staticmethod
    def serves(path: str) -> bool:
        """Whether ``path`` is the console's (everything but the service's own resource)."""
        return path == "/" or path.startswith("/console/")

    def answer(self, method: str, path: str, query: str, body: bytes) -> Answer:
        """The answer to ``method path?query`` with ``body`` (already read, within limits)."""
        if path in _STATIC:
            if method not in ("GET", "HEAD"):
                return _not_allowed(method, path, "GET")
            return _static(*_STATIC[path])
        routes: dict[str, tuple[str, Callable[[str, bytes], Answer]]] = {
            "info": ("GET", lambda _q, _b: _json(200, self._info)),
            "sessions": ("GET", lambda q, _b: self._sessions(q)),
            "archives": ("GET", lambda _q, _b: self._archives_answer()),
            "rules": ("GET", lambda _q, _b: self._rules_answer()),
            "try": ("POST", lambda _q, b: self._try(b)),
            "token": ("POST", lambda _q, b: self._token(b)),
        }
        name = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else None
        if name not in routes:
            return _problem(404, f"no console resource at {path}")
        allowed, handler = routes[name]
        if method != allowed and not (allowed == "GET" and method == "HEAD"):
            return _not_allowed(method, path, allowed)
        return handler(query, body)

    # --- Sessions ---------------------------------------------------------------------------

    def _sessions(self, query: str) -> Answer:
        fields = dict(parse_qsl(query, keep_blank_values=True))
        after_text = fields.get("after", "0")
        if not (after_text.isascii() and after_text.isdigit() and len(after_text) <= 18):
            return _problem(400, "after must be a whole number (the last seq the page has seen)")
        entries, last = self._log.after(int(after_text))
        answer = {
            "last": last,
            "sessions": [_entry_json(e) for e in entries],
            "history": self._log.keep,
            "dropped": self._log.dropped,
        }
        return _json(200, answer)

    # --- Archives ---------------------------------------------------------------------------

    def _archives_answer(self) -> Answer:
        archives = self._archives()
        shown = [_archive_json(archive) for archive in archives[:MAX_SHOWN_ARCHIVES]]
        return _json(200, {"total": len(archives), "archives": shown})

    # --- Rules ------------------------------------------------------------------------------

    def _rules_answer(self) -> Answer:
        from opentok_rules.engine.introspect import describe

        rules = [attrs.asdict(info) for info in describe(self.rules)]
        return _json(200, {"policy": self._policy_source, "rules": rules})

    # --- Try --------------------------------------------------------------------------------

    def _try(self, body: bytes) -> Answer:
        options = _json_object(body)
        if isinstance(options, Answer):
            return options
        return _json(200, verdict(options, self.rules))

    # --- Token ------------------------------------------------------------------------------

    def _token(self, body: bytes) -> Answer:
        request = _json_object(body)
        if isinstance(request, Answer):
            return request
        token = request.get("token")
        if not isinstance(token, str):
            return _problem(400, 'send {"token": "<the token>"}: token must be a string')
        token = token.strip()
        if not token or len(token) > _MAX_TOKEN_CHARS:
            return _problem(400, f"token must be 1 to {_MAX_TOKEN_CHARS} characters")
        try:
            read = read_token(token)
        except OutOfRangeNumber as error:
            return _problem(400, f"{error}: no token the service issues holds one")
        if isinstance(read, str):
            return _json(200, {"readable": False, "problem": read})
        token_format, header, claims = read
        problem = self._verify(token, token_format)
        expiry = claims.get("exp", claims.get("expire_time"))
        expired = _number(expiry)
        return _json(
            200,
            {
                "readable": True,
                "format": token_format,
                "header": header,
                "claims": claims,
                "dates": _dates(claims),
                "verifies": problem is None,
                "problem": problem,
                "expired": None if expired is None else expired <= time.time(),
            },
        )


def verdict(options: Mapping[str, Any], rules: RuleRegistry) -> dict[str, Any]:
    """What ``prepare_session(options, rules=rules)`` says, as JSON-ready data."""
    from opentok_rules.errors import ValidationError
    from opentok_rules.operations.session.convert import spec_to_dict
    from opentok_rules.operations.session.prepare import prepare_session

    try:
        prepared = prepare_session(options, rules=rules)
    except ValidationError as error:
        found = [_violation_json(v) for v in error.violations]
        # A refusal carries only what was refused; what "warn" rules found (a dropped key, a
        # media mode read as relayed) is shown beside it all the same, as `check` does.
        warned = [_violation_json(v) for v in _warnings_of(options, rules)]
        return {
            "ok": False,
            "spec": None,
            "params": None,
            "violations": [v for v in found if v["severity"] != "warn"],
            "warnings": [v for v in found if v["severity"] == "warn"] + warned,
        }
    warnings = getattr(prepared, "warnings", ())
    return {
        "ok": True,
        "spec": spec_to_dict(prepared.spec),
        "params": prepared.params,
        "violations": [],
        "warnings": [_violation_json(v) for v in warnings],
    }


def _warnings_of(options: Mapping[str, Any], rules: RuleRegistry) -> list[Any]:
    """What the "warn" rules find in ``options`` (a ValidationError carries only refusals)."""
    try:
        found = rules.apply(dict(options))
    except Exception:  # the refusal is what matters; a rule that fails is reported there
        return []
    return [each for each in found if getattr(each, "severity", "deny") == "warn"]


def _violation_json(violation: Any) -> dict[str, Any]:
    return {
        "rule": violation.rule,
        "field": violation.field,
        "message": violation.message,
        "severity": str(getattr(violation, "severity", "deny")),
    }


# --- Reading tokens ---------------------------------------------------------------------------


class OutOfRangeNumber(ValueError):
    """A JSON number beyond a double's range (``1e999``): Python reads it as infinity, which
    no JSON answer can carry, so it is bad input (a ``400``), not a value to pass on."""


def read_token(token: str) -> tuple[str, dict[str, Any] | None, dict[str, Any]] | str:
    """``(format, header, claims)`` of a JWT or T1 token, unverified; or why it is unreadable.

    :raises OutOfRangeNumber: if the JWT's header or claims hold a number such as ``1e999``.
    """
    if token.startswith("T1=="):
        return _read_t1(token)
    parts = token.split(".")
    if len(parts) != 3:
        return "not a token: a JWT has three dot-separated parts, a T1 token starts with T1=="
    header = _b64_json(parts[0], "header holds")
    claims = _b64_json(parts[1], "claims hold")
    if header is None or claims is None:
        return "not a JWT: its header or claims are not base64url-encoded JSON objects"
    return "JWT", header, claims


def _read_t1(token: str) -> tuple[str, None, dict[str, Any]] | str:
    try:
        text = base64.b64decode(token[4:], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "not a T1 token: the part after T1== is not base64 of UTF-8 text"
    signed, colon, data = text.partition(":")
    if not colon:
        return "not a T1 token: no ':' between the signature and the data"
    claims: dict[str, Any] = dict(parse_qsl(signed, keep_blank_values=True))
    claims.update(parse_qsl(data, keep_blank_values=True))
    for name in ("create_time", "expire_time", "nonce"):
        value = claims.get(name)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
            claims[name] = int(value)
    return "T1", None, claims


def _b64_json(part: str, what: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except OutOfRangeNumber as error:
        raise OutOfRangeNumber(f"the token's {what} {error}") from None
    except (binascii.Error, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


# --- JSON in and out --------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    # json reads 1e999 as inf, and an answer holding it could not be written as JSON.
    value = float(text)
    if not math.isfinite(value):
        raise OutOfRangeNumber(
            f"the number {_short(text)}, beyond the range of a double (about 1.8e308)"
        )
    return value


def _json_object(body: bytes) -> dict[str, Any] | Answer:
    try:
        value = json.loads(
            body.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float
        )
    except UnicodeDecodeError:
        return _problem(400, "the request body must be JSON in UTF-8")
    except RecursionError:
        return _problem(400, "the request body is JSON nested too deeply")
    except OutOfRangeNumber as error:
        return _problem(400, f"the request body holds {error}; send a finite number")
    except ValueError as error:
        return _problem(400, f"the request body is not JSON: {_short(str(error))}")
    if not isinstance(value, dict):
        return _problem(400, f"the request body must be a JSON object, not {_kind(value)}")
    return value


def _kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _short(text: str) -> str:
    return text if len(text) <= 120 else text[:120] + "..."


def _json(status: int, data: object) -> Answer:
    body = json.dumps(data, allow_nan=False, default=str).encode("utf-8")
    return Answer(status, body, headers={"Cache-Control": "no-store"})


def _problem(status: int, message: str, headers: Mapping[str, str] | None = None) -> Answer:
    body = json.dumps({"code": status, "message": message}).encode("utf-8")
    return Answer(status, body, headers=dict(headers or {}))


def _not_allowed(method: str, path: str, allowed: str) -> Answer:
    message = f"{method} is not allowed on {path}; use {allowed}"
    return _problem(405, message, {"Allow": allowed})


def _static(name: str, content_type: str) -> Answer:
    data = resources.files("opentok_rules.testing").joinpath("console").joinpath(name).read_bytes()
    return Answer(200, data, content_type, _PAGE_HEADERS)


def _entry_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "time": _iso(entry.time, milliseconds=True),
        "backend": entry.backend,
        "method": entry.method,
        "params": None if entry.params is None else [list(pair) for pair in entry.params],
        "body": entry.body,
        "status": entry.status,
        "session_id": entry.session_id,
        "reason": entry.reason,
    }


def _archive_json(archive: EmulatedArchive) -> dict[str, Any]:
    """What the Archives panel shows of ``archive``: never a credential (it holds none)."""
    return {
        "id": archive.id,
        "session_id": archive.session_id,
        "name": archive.name,
        "status": archive.status,
        "created": _iso(archive.created_at, milliseconds=True),
        "output_mode": archive.output_mode,
        "stream_mode": archive.stream_mode,
        "resolution": archive.resolution,
        "has_audio": archive.has_audio,
        "has_video": archive.has_video,
        "layout": None if archive.layout is None else dict(archive.layout),
        "multi_archive_tag": archive.multi_archive_tag,
        "duration": archive.duration,
        "size": archive.size,
        "url": archive.url,
        "reason": archive.reason,
    }


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # A time no date can show is no time (and an int too big for a float would make
    # math.isfinite raise): NaN, infinities and anything beyond the year 9999 are None.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return float(value) if abs(value) <= _LAST_DATE else None


def _dates(claims: Mapping[str, Any]) -> dict[str, str | None]:
    dates: dict[str, str | None] = {}
    for name in _TIME_CLAIMS:
        if name in claims:
            stamp = _number(claims[name])
            ok = stamp is not None and 0 <= stamp <= _LAST_DATE
            dates[name] = _iso(stamp) if ok and stamp is not None else None
    return dates


def _iso(stamp: float, *, milliseconds: bool = False) -> str:
    t = time.gmtime(stamp)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", t)
    if milliseconds:
        text += f".{int(stamp % 1 * 1000):03d}"
    return text + "Z"
