"""Reading the service's answer to ``POST /session/create``: JSON or XML, parsed safely.

Whatever the answer holds (any bytes, status and headers), :func:`read_session_answer` ends in a
:class:`SessionRecord` or in one of the library's own errors, never another exception: a reader
of a hostile or broken service must not crash the app with a ``RecursionError`` or a
``LookupError``. The record is built here by hand, not through cattrs, so reading an answer
costs nothing beyond ``json``/``expat`` and touches no public converter.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, NoReturn
from xml.parsers import expat

import attrs

from opentok_rules._frozen import slot_setters
from opentok_rules.errors import AuthenticationError, RequestError
from opentok_rules.session_ids import MAX_SESSION_ID_LENGTH
from opentok_rules.values import utf8_encodable

if TYPE_CHECKING:
    from opentok_rules.http.transport import Response

__all__ = ["SessionRecord", "read_session_answer"]


@attrs.frozen
class SessionRecord:
    """What the service said about a new session; fields it did not send are ``None``."""

    session_id: str
    project_id: str | None = None
    partner_id: str | None = None
    create_dt: str | None = None
    media_server_url: str | None = None


_SET_RECORD = slot_setters(SessionRecord)


def _record(
    session_id: str,
    project_id: str | None,
    partner_id: str | None,
    create_dt: str | None,
    media_server_url: str | None,
) -> SessionRecord:
    """``SessionRecord(...)``, built without attrs' ``__init__`` (see :mod:`._frozen`)."""
    record: SessionRecord = object.__new__(SessionRecord)
    set_id, set_project, set_partner, set_created, set_media = _SET_RECORD
    set_id(record, session_id)
    set_project(record, project_id)
    set_partner(record, partner_id)
    set_created(record, create_dt)
    set_media(record, media_server_url)
    return record


#: What ``bytes.lstrip()`` strips, one byte each.
JSON_SPACES = frozenset(bytes([byte]) for byte in b" \t\n\r\x0b\x0c")
_OPTIONAL_FIELDS = ("project_id", "partner_id", "create_dt", "media_server_url")
_XML_FIELDS = ("session_id", *_OPTIONAL_FIELDS)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_JWT_LIKE = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")
# No answer field is a number this long; bounding digits keeps int() cheap and safe whatever
# the interpreter's own limit (sys.set_int_max_str_digits, a ValueError past it) is.
_MAX_INT_DIGITS = 40
# An error answer is a short JSON object; a larger body is not worth parsing for its message.
_MAX_MESSAGE_BODY = 64 * 1024
_MAX_MESSAGE_CHARS = 200


def read_session_answer(response: Response) -> SessionRecord:
    """The record in a successful answer; the right :class:`~opentok_rules.OpenTokError` else.

    :raises AuthenticationError: for HTTP 401 and 403.
    :raises RequestError: for any other failure status, and for a success whose body holds no
        readable session (malformed, too deep, an unknown encoding, an invalid id...).
    """
    status = response.status
    if not 200 <= status < 300:
        raise_for_answer_status(response)
    body = response.body
    if body[:1] in JSON_SPACES:
        body = body.lstrip()  # copied only when there is something to strip
    if body[:1] in (b"[", b"{"):
        record = _from_json(body, status)
    elif body[:1] == b"<" and not _looks_like_html(body):
        record = _from_xml(body, status)
    else:
        raise RequestError(unreadable_answer(response, "it is neither JSON nor XML"), status)
    _check_session_id(record.session_id, status)
    return record


def _check_session_id(session_id: str, status: int) -> None:
    # A session id is printable ASCII without spaces (0x21 to 0x7E): it travels in tokens,
    # URLs and headers, where a CR LF or a NUL would split or cut it.
    # The id itself is not shown: it may hold the very control characters that make it bad.
    if (
        len(session_id) <= MAX_SESSION_ID_LENGTH
        and session_id.isascii()
        and session_id.isprintable()  # for ASCII: no control character, no DEL
        and " " not in session_id
        and session_id
    ):
        return
    raise RequestError(
        f"the service answered with an invalid session id ({len(session_id)} characters); "
        f"an id is 1 to {MAX_SESSION_ID_LENGTH} printable ASCII characters without spaces. "
        "Check api_url: it may not point at the session service",
        status,
    )


def raise_for_answer_status(response: Response) -> NoReturn:
    """Raise the error for a failure status (the caller has seen it is not 2xx)."""
    status = response.status
    said = service_message(response.body)
    if status in (401, 403):
        raise AuthenticationError(
            f"the service refused the credentials (HTTP {status}){said}; check the api key "
            "and secret, and that the machine's clock is right (tokens carry the time)",
            status,
        )
    hint = {
        400: "the service found the options invalid",
        404: "no such endpoint; check api_url",
        429: "too many requests; slow down and try again later",
        503: "the service is unavailable for now; try again later",
    }.get(status, "the service failed" if status >= 500 else "the request was refused")
    raise RequestError(f"HTTP {status} from the service: {hint}{said}", status)


def service_message(body: bytes) -> str:
    """The service's own error message, if it sent one, made short, printable and secret-free."""
    body = body.strip()
    if not body.startswith(b"{") or len(body) > _MAX_MESSAGE_BODY:
        return ""
    try:
        data = load_json(body)
    except UnreadableJson:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return f" ({printable_text(message.strip(), _MAX_MESSAGE_CHARS)})"


def printable_text(text: str, limit: int) -> str:
    """Text from the service made safe for a message: no token, no control characters, short."""
    # A broken service may echo our request's JWT, a live credential for minutes.
    text = _JWT_LIKE.sub("<redacted token>", text)
    text = _UNPRINTABLE.sub(" ", text)[:limit]
    # A lone surrogate cannot be printed or logged as UTF-8; replaced, not raised later.
    return text.encode("utf-8", "replace").decode("utf-8")


class UnreadableJson(Exception):
    """Any way a JSON body can fail to parse, as one exception with a short reason."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class HugeNumber:
    """A number too long for any answer field: kept as a marker, so the field is dropped."""


def _bounded_int(text: str) -> int | HugeNumber:
    return HugeNumber() if len(text) > _MAX_INT_DIGITS else int(text)


# Made once: json.loads with hooks builds a new decoder on every call (about 7 µs of the
# 12 it costs to read an answer, measured in the async benchmark).
_DECODER = json.JSONDecoder(parse_int=_bounded_int, parse_constant=_reject_constant)
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def load_json(body: bytes) -> Any:
    """The JSON value ``body`` holds, which must start at its first byte (callers strip it)."""
    try:
        # Decoded first: the service sends UTF-8, and json would otherwise sniff the encoding.
        text = body.decode("utf-8")
        # raw_decode, not decode: decode() runs two whitespace regexes around the same scan,
        # a third of the cost of reading an answer. What follows the value is checked here.
        data, end = _DECODER.raw_decode(text)
    except RecursionError:
        # json recurses once per nesting level: 100,000 "[" exhausts the stack.
        raise UnreadableJson("it is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN and Infinity
        raise UnreadableJson(str(exc)[:_MAX_MESSAGE_CHARS]) from exc
    if end != len(text) and _JSON_SPACE.match(text, end).end() != len(text):  # type: ignore[union-attr]
        raise UnreadableJson(f"extra data after the JSON value, at character {end}")
    return data


def _from_json(body: bytes, status: int) -> SessionRecord:
    try:
        data = load_json(body)
    except UnreadableJson as exc:
        raise RequestError(f"the service's JSON answer is malformed ({exc})", status) from exc
    first = data[0] if isinstance(data, list) and data else data
    if not isinstance(first, dict) or not isinstance(first.get("session_id"), str):
        raise RequestError("the service's JSON answer holds no session_id", status)
    get = first.get
    fields: tuple[Any, ...] = (
        get("project_id"),
        get("partner_id"),
        get("create_dt"),
        get("media_server_url"),
    )
    try:
        # The usual answer: four ASCII strings, checked in one go (join refuses a non-str).
        usual = "".join(fields).isascii()
    except TypeError:
        usual = False
    if not usual:
        fields = tuple(map(_optional_text, fields))
    return _record(first["session_id"], *fields)


def _optional_text(value: object) -> str | None:
    # The service's optional fields: text, a number sent as a number (project ids), or
    # something else, which is dropped rather than failing an answer that has a good id.
    if isinstance(value, str):
        # A lone surrogate ("\ud800" in JSON) would fail whoever writes the field out later;
        # ASCII text (nearly every answer) cannot hold one.
        return value if value.isascii() or utf8_encodable(value) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _from_xml(body: bytes, status: int) -> SessionRecord:
    fields = _parse_xml_fields(body, status)
    session_id = fields.pop("session_id", "")
    if not session_id:
        raise RequestError("the service's XML answer holds no session_id", status)
    return SessionRecord(session_id, **fields)


class _RefusedXml(Exception):
    pass


def _refuse(*_: object) -> Any:
    # A session answer never needs a DTD; refusing any rules out entity expansion
    # (billion laughs) and external entities before they are even declared.
    raise _RefusedXml("the answer declares a DTD or entities, which a session answer never has")


def _parse_xml_fields(body: bytes, status: int) -> dict[str, str]:
    # The encoding is fixed to UTF-8, what the service sends: a declared encoding would
    # otherwise be looked up among Python's codecs, where "hex", "idna" or "utf-7" fail with
    # LookupError, ValueError or UnicodeError instead of a parse error.
    parser = expat.ParserCreate(encoding="utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    fields: dict[str, str] = {}
    path: list[str] = []
    text: list[str] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        path.append(name)
        text.clear()

    def end(name: str) -> None:
        if len(path) == 3 and path[1] == "Session" and name in _XML_FIELDS:
            fields.setdefault(name, "".join(text).strip())
        path.pop()

    def characters(data: str) -> None:
        # Only the fields' own text is kept: nesting deep or wide cannot grow this list.
        if len(path) == 3:
            text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(body, True)
    except (_RefusedXml, expat.ExpatError) as exc:
        raise RequestError(f"the service's XML answer was refused: {exc}", status) from exc
    except (ValueError, LookupError, RecursionError) as exc:
        # Not expected with the encoding fixed; kept so no foreign exception can escape.
        raise RequestError(
            f"the service's XML answer could not be read ({type(exc).__name__})", status
        ) from exc
    return {name: value for name, value in fields.items() if utf8_encodable(value)}


def _looks_like_html(body: bytes) -> bool:
    head = body[:200].lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def unreadable_answer(response: Response, why: str) -> str:
    kind = printable_text(str(response.headers.get("content-type") or "no content type"), 100)
    if not response.body.strip():
        return "the service sent an empty answer; expected a JSON list of sessions"
    if _looks_like_html(response.body.lstrip()):
        return (
            f"the service answered with an HTML page ({kind}); check api_url, and any proxy "
            "between you and the service"
        )
    return f"the service's answer could not be read ({kind}): {why}"
