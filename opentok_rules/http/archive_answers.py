"""Reading the service's answers about archives: one archive, a page of them, or nothing.

The same promises as the session answer (:mod:`opentok_rules.http.answers`): whatever the answer
holds (any bytes, status and headers), the readers end in an :class:`Archive`, an
:class:`ArchiveList`, ``None`` or one of the library's own errors, never another exception;
every text kept is bounded and printable, every number bounded, and nothing of the request's
credentials is ever shown. A 404 is a :class:`~opentok_rules.NotFoundError`, a 409 a
:class:`~opentok_rules.ConflictError`, each with the service's own message.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, overload

import attrs

from opentok_rules.errors import ConflictError, NotFoundError, RequestError
from opentok_rules.http.answers import (
    JSON_SPACES,
    HugeNumber,
    UnreadableJson,
    load_json,
    printable_text,
    raise_for_answer_status,
    service_message,
    unreadable_answer,
)
from opentok_rules.operations.archive.prepare import OutputMode, StreamMode
from opentok_rules.values import utf8_encodable

if TYPE_CHECKING:
    from opentok_rules.http.transport import Response

__all__ = [
    "MAX_LISTED",
    "Archive",
    "ArchiveList",
    "read_archive",
    "read_archive_list",
    "read_no_content",
]

#: The most archives one list answer may hold: the service returns at most 1000 a page.
MAX_LISTED = 1000
#: The longest text field kept (an archive's name, reason, resolution...).
_MAX_TEXT = 1000
#: The longest download URL kept (a signed storage URL is long, but not this long).
_MAX_URL = 8192
#: Ids and the session id: printable ASCII, bounded.
_MAX_ID = 255
OUTPUT_MODES = {m.value: m for m in OutputMode}
STREAM_MODES = {m.value: m for m in StreamMode}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@attrs.frozen
class Archive:
    """An archive as the service describes it.

    ``created_at`` is an aware UTC :class:`~datetime.datetime` (the service sends epoch
    milliseconds); ``duration`` is in seconds and ``size`` in bytes (0 while recording);
    ``output_mode`` and ``stream_mode`` are :class:`~opentok_rules.OutputMode` and
    :class:`~opentok_rules.StreamMode` members, or the service's own text for a value this
    library does not know yet. ``url`` (a download link, while the archive is available) is a
    credential of sorts: anyone holding it can download the recording, so no ``repr`` shows it.
    """

    id: str
    session_id: str
    name: str | None
    status: str
    created_at: datetime.datetime
    duration: int | None = None
    size: int | None = None
    url: str | None = attrs.field(default=None, repr=False)
    output_mode: OutputMode | str | None = None
    stream_mode: StreamMode | str | None = None
    resolution: str | None = None
    has_audio: bool | None = None
    has_video: bool | None = None
    reason: str | None = None


class ArchiveList(Sequence[Archive]):
    """A page of archives, newest first: a sequence of :class:`Archive` with ``total``, the
    number of archives the service holds for the query (across every page)."""

    __slots__ = ("_items", "total")

    def __init__(self, items: Sequence[Archive], total: int) -> None:
        self._items = tuple(items)
        self.total = total

    @overload
    def __getitem__(self, index: int) -> Archive: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Archive]: ...
    def __getitem__(self, index: int | slice) -> Archive | Sequence[Archive]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Archive]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArchiveList):
            return NotImplemented
        return self._items == other._items and self.total == other.total

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ArchiveList({list(self._items)!r}, total={self.total!r})"


def read_archive(response: Response, what: str) -> Archive:
    """The archive in a successful answer to ``what`` (``"start_archive"``, say)."""
    return _archive(_json_object(response, what), response.status, what)


def read_archive_list(response: Response) -> ArchiveList:
    """The page of archives in a successful answer to ``list_archives``."""
    what = "list_archives"
    data = _json_object(response, what)
    status = response.status
    items = data.get("items")
    if not isinstance(items, list):
        raise RequestError(f"the service's answer to {what} holds no list of items", status)
    if len(items) > MAX_LISTED:
        raise RequestError(
            f"the service's answer to {what} holds {len(items)} archives; a page holds at "
            f"most {MAX_LISTED}",
            status,
        )
    archives = [_archive(each, status, what) for each in items]
    total = _count(data.get("count"), status, what)
    return ArchiveList(archives, max(total, len(archives)) if total is not None else len(archives))


def read_no_content(response: Response, what: str) -> None:
    """Nothing, for a successful answer to a call that returns none (``delete_archive``)."""
    if not 200 <= response.status < 300:
        _raise_archive_error(response, what)


def _json_object(response: Response, what: str) -> dict[str, Any]:
    status = response.status
    if not 200 <= status < 300:
        _raise_archive_error(response, what)
    body = response.body
    if body[:1] in JSON_SPACES:
        body = body.lstrip()
    if body[:1] != b"{":
        raise RequestError(unreadable_answer(response, f"it is not a JSON object ({what})"), status)
    try:
        data = load_json(body)
    except UnreadableJson as exc:
        raise RequestError(
            f"the service's JSON answer to {what} is malformed ({exc})", status
        ) from exc
    if not isinstance(data, dict):  # pragma: no cover - a body starting with { is an object
        raise RequestError(f"the service's answer to {what} is not a JSON object", status)
    return data


def _raise_archive_error(response: Response, what: str) -> NoReturn:
    status = response.status
    if status == 404:
        said = service_message(response.body)
        raise NotFoundError(
            f"HTTP 404 from the service: {what} found no such archive or session{said}; "
            "check the id (and that it belongs to this project)",
            status,
        )
    if status == 409:
        said = service_message(response.body)
        raise ConflictError(
            f"HTTP 409 from the service: {what} is refused in the state things are in{said}",
            status,
        )
    raise_for_answer_status(response)


def _archive(data: object, status: int, what: str) -> Archive:
    if not isinstance(data, dict):
        raise RequestError(
            f"the service's answer to {what} holds an archive that is not an object", status
        )
    get = data.get
    archive_id = _id(get("id"), "id", status, what)
    session_id = _id(get("sessionId"), "sessionId", status, what)
    archive_status = _text(get("status"), _MAX_TEXT)
    if archive_status is None:
        raise RequestError(
            f"the service's answer to {what} holds an archive without a status", status
        )
    output_mode = _text(get("outputMode"), _MAX_TEXT)
    stream_mode = _text(get("streamMode"), _MAX_TEXT)
    return Archive(
        id=archive_id,
        session_id=session_id,
        status=archive_status,
        created_at=_created_at(get("createdAt"), status, what),
        name=_text(get("name"), _MAX_TEXT),
        duration=_count(get("duration"), status, what),
        size=_count(get("size"), status, what),
        url=_text(get("url"), _MAX_URL),
        output_mode=OUTPUT_MODES.get(output_mode, output_mode) if output_mode else None,
        stream_mode=STREAM_MODES.get(stream_mode, stream_mode) if stream_mode else None,
        resolution=_text(get("resolution"), _MAX_TEXT),
        has_audio=_flag(get("hasAudio")),
        has_video=_flag(get("hasVideo")),
        reason=_text(get("reason"), _MAX_TEXT),
    )


def _id(value: object, field: str, status: int, what: str) -> str:
    # Ids travel in URLs and messages: printable ASCII without spaces, bounded. The value
    # itself is not shown: it may hold the very characters that make it bad.
    if (
        isinstance(value, str)
        and 0 < len(value) <= _MAX_ID
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        return str.__str__(value)
    raise RequestError(
        f"the service's answer to {what} holds no valid {field} (1 to {_MAX_ID} printable "
        "ASCII characters without spaces); check api_url: it may not point at the service",
        status,
    )


def _text(value: object, limit: int) -> str | None:
    """Text the service sent, kept when it is text that can be written out; else dropped."""
    if not isinstance(value, str) or len(value) > limit:
        return None
    value = str.__str__(value)
    if not (value.isascii() or utf8_encodable(value)):
        return None
    return printable_text(value, limit) if not value.isprintable() else value


def _flag(value: object) -> bool | None:
    return value if value is True or value is False else None


def _count(value: object, status: int, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, HugeNumber) or (
        isinstance(value, int) and not isinstance(value, bool) and not 0 <= value < 2**63
    ):
        raise RequestError(
            f"the service's answer to {what} holds a number out of range for a count", status
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None  # a count sent as something else is dropped, as other optional fields are


def _created_at(value: object, status: int, what: str) -> datetime.datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RequestError(
            f"the service's answer to {what} holds no createdAt (epoch milliseconds)", status
        )
    try:
        return _EPOCH + datetime.timedelta(milliseconds=value)
    except OverflowError:
        raise RequestError(
            f"the service's answer to {what} holds a createdAt out of the calendar's range",
            status,
        ) from None
