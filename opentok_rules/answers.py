"""Reading the service's answer to ``POST /session/create``: JSON or XML, parsed safely."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.parsers import expat

import attrs

from .errors import AuthenticationError, RequestError
from .session_ids import MAX_SESSION_ID_LENGTH
from .transport import Response

__all__ = ["SessionRecord", "read_session_answer"]


@attrs.frozen
class SessionRecord:
    """What the service said about a new session; fields it did not send are ``None``."""

    session_id: str
    project_id: str | None = None
    partner_id: str | None = None
    create_dt: str | None = None
    media_server_url: str | None = None


_XML_FIELDS = ("session_id", "project_id", "partner_id", "create_dt", "media_server_url")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def read_session_answer(response: Response) -> SessionRecord:
    """The record in a successful answer; the right error for any other."""
    _raise_for_status(response)
    body = response.body.lstrip()
    if body[:1] in (b"[", b"{"):
        record = _from_json(body, response.status)
    elif body[:1] == b"<" and not _looks_like_html(body):
        record = _from_xml(body, response.status)
    else:
        raise RequestError(_unreadable(response, "it is neither JSON nor XML"), response.status)
    if not record.session_id or len(record.session_id) > MAX_SESSION_ID_LENGTH:
        raise RequestError(
            f"the service answered with an invalid session id ({len(record.session_id)} "
            f"characters; an id has 1 to {MAX_SESSION_ID_LENGTH})",
            response.status,
        )
    return record


def _raise_for_status(response: Response) -> None:
    status = response.status
    if 200 <= status < 300:
        return
    said = _service_message(response.body)
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


def _service_message(body: bytes) -> str:
    """The service's own error message, if it sent one, made short and printable."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return f" ({_UNPRINTABLE.sub(' ', message.strip())[:200]})"


def _from_json(body: bytes, status: int) -> SessionRecord:
    try:
        # Decoded first: the service sends UTF-8, and json would otherwise sniff the encoding.
        data = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise RequestError(f"the service's JSON answer is malformed ({exc})", status) from exc
    first = data[0] if isinstance(data, list) and data else data
    if not isinstance(first, dict) or not isinstance(first.get("session_id"), str):
        raise RequestError("the service's JSON answer holds no session_id", status)
    from .convert import converter  # cattrs only once a client is used

    record: SessionRecord = converter.structure(first, SessionRecord)
    return record


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
    parser = expat.ParserCreate()
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

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(body, True)
    except (_RefusedXml, expat.ExpatError) as exc:
        raise RequestError(f"the service's XML answer was refused: {exc}", status) from exc
    return fields


def _looks_like_html(body: bytes) -> bool:
    head = body[:200].lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _unreadable(response: Response, why: str) -> str:
    kind = response.headers.get("content-type", "no content type")
    if not response.body.strip():
        return "the service sent an empty answer; expected a JSON list of sessions"
    if _looks_like_html(response.body.lstrip()):
        return (
            f"the service answered with an HTML page ({kind}); check api_url, and any proxy "
            "between you and the service"
        )
    return f"the service's answer could not be read ({kind}): {why}"
