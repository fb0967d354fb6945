"""The emulator's archives: the service's recording state machine, held in memory.

An archive is started (``POST /v2/project/{project}/archive``) in the state ``"started"``;
stopping it answers ``"stopped"`` (as the service's stop answer does) and the record is then
``"available"`` at once, with a download ``url``, a ``size`` and a ``duration``: the emulator
has nothing to upload, so the service's few seconds between the two states take none here.
Only a started archive can be stopped or have its layout changed; only an available one can
be deleted (the service's ``"uploaded"`` and ``"deleted"`` states never occur here), and a
deleted archive is gone (404). A session records one archive at a time per
``multiArchiveTag`` (no tag being one tag of its own), and a relayed session none.

What the start options may be is decided by the library's own rules (the request handler calls
``opentok_rules.prepare_archive`` before :meth:`ArchiveStore.start`): this module keeps only
the state, and answers in the service's JSON shape.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "ARCHIVE_PATH",
    "DEFAULT_LIST_COUNT",
    "MAX_LIST_COUNT",
    "ArchiveRefusal",
    "ArchiveStore",
    "EmulatedArchive",
]

#: The archive resources: ``/v2/project/{project}/archive``, ``.../archive/{id}``,
#: ``.../archive/{id}/stop`` and ``.../archive/{id}/layout``.
ARCHIVE_PATH = re.compile(
    r"/v2/project/(?P<project>[^/]+)/archive"
    r"(?:/(?P<archive>[^/]+)(?P<action>/stop|/layout)?)?"
)
#: How many archives a list answer holds when the request names no ``count``.
DEFAULT_LIST_COUNT = 50
#: The most archives one list answer holds, as the service documents ("the maximum number of
#: archives returned is 1000"); a larger ``count`` gets this many.
MAX_LIST_COUNT = 1000
# A made-up download host: ".invalid" never resolves (RFC 2606), so nothing is ever fetched.
_DOWNLOAD_HOST = "https://archives.emulator.invalid"
# A made-up file size per second recorded (about 1 Mbit/s), so that size grows with duration.
_BYTES_PER_SECOND = 125_000
_STOPPED_BY_CALL = "user initiated"


class ArchiveRefusal(Exception):
    """The service's refusal of an archive request: an HTTP status and its message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@attrs.frozen
class EmulatedArchive:
    """An archive the emulator holds, as it stands (a snapshot: the store replaces it).

    ``created_at`` and ``updated_at`` are seconds since the epoch; answers carry them in
    milliseconds, as the service does. ``layout`` is the layout object as last set
    (``{"type": ..., "stylesheet": ...}``), ``None`` for individual archives.
    """

    id: str
    session_id: str
    status: str
    name: str | None
    created_at: float
    updated_at: float
    output_mode: str
    stream_mode: str
    resolution: str | None
    has_audio: bool
    has_video: bool
    layout: Mapping[str, str] | None
    multi_archive_tag: str | None
    max_bitrate: int | None
    quantization_parameter: int | None
    duration: int = 0
    size: int = 0
    url: str | None = None
    reason: str = ""

    def answer(self, *, backend: str, project_id: str) -> dict[str, Any]:
        """The archive in the service's JSON shape (camelCase keys, times in epoch ms)."""
        owner: dict[str, Any] = (
            {"applicationId": project_id}
            if backend == "vonage"
            else {"projectId": project_id, "partnerId": project_id}
        )
        answer: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "name": self.name,
            "reason": self.reason,
            "sessionId": self.session_id,
            **owner,
            "createdAt": int(self.created_at * 1000),
            "updatedAt": int(self.updated_at * 1000),
            "size": self.size,
            "duration": self.duration,
            "outputMode": self.output_mode,
            "streamMode": self.stream_mode,
            "hasAudio": self.has_audio,
            "hasVideo": self.has_video,
            "resolution": self.resolution,
            "sha256sum": "",
            "password": "",
            "url": self.url,
            "event": "archive",
            "streams": [],
        }
        if self.max_bitrate is not None:
            answer["maxBitrate"] = self.max_bitrate
        if self.quantization_parameter is not None:
            answer["quantizationParameter"] = self.quantization_parameter
        return answer


class ArchiveStore:
    """The archives of one emulator, thread-safe; every method is one atomic step.

    :param clock: seconds since the epoch (``time.time`` unless a test gives another).
    """

    def __init__(self, clock: Any = time.time) -> None:
        self._lock = threading.Lock()
        # In start order, oldest first; a delete removes the entry.
        self._archives: dict[str, EmulatedArchive] = {}
        self._clock = clock

    def start(self, body: Mapping[str, Any], *, relayed: bool) -> EmulatedArchive:
        """Start recording the session ``body["sessionId"]`` with the (checked) ``body``.

        ``body`` is the start request's JSON as the library's rules normalized it (camelCase
        keys); ``relayed`` says whether the session uses relayed media.

        :raises ArchiveRefusal: 409 for a relayed session, or one already recorded with the
            same ``multiArchiveTag`` (or, like it, with none).
        """
        session_id = str(body["sessionId"])
        tag = _optional_str(body.get("multiArchiveTag"))
        if relayed:
            raise ArchiveRefusal(
                409,
                "the session uses relayed media (p2p.preference 'enabled'): only a routed "
                "session, whose media go through the Media Router, can be archived",
            )
        output_mode = str(body.get("outputMode") or "composed")
        composed = output_mode == "composed"
        now = self._clock()
        archive = EmulatedArchive(
            id=str(uuid.uuid4()),
            session_id=session_id,
            status="started",
            name=_optional_str(body.get("name")),
            created_at=now,
            updated_at=now,
            output_mode=output_mode,
            stream_mode=str(body.get("streamMode") or "auto"),
            resolution=str(body.get("resolution") or "640x480") if composed else None,
            has_audio=body.get("hasAudio") is not False,
            has_video=body.get("hasVideo") is not False,
            layout=_layout(body.get("layout")) if composed else None,
            multi_archive_tag=tag,
            max_bitrate=_optional_int(body.get("maxBitrate")),
            quantization_parameter=_optional_int(body.get("quantizationParameter")),
        )
        with self._lock:
            for other in self._archives.values():
                if (
                    other.session_id == session_id
                    and other.status == "started"
                    and other.multi_archive_tag == tag
                ):
                    raise ArchiveRefusal(409, _already_recording(other, tag))
            self._archives[archive.id] = archive
        return archive

    def stop(self, archive_id: str) -> EmulatedArchive:
        """Stop a started archive: the answer says ``"stopped"``, the record is available.

        :raises ArchiveRefusal: 404 for an unknown archive, 409 for one not being recorded.
        """
        with self._lock:
            archive = self._find(archive_id)
            if archive.status != "started":
                raise ArchiveRefusal(
                    409,
                    f"archive {archive_id} is {archive.status!r}: you can only stop an archive "
                    "that is being recorded ('started')",
                )
            now = max(self._clock(), archive.created_at)
            duration = round(now - archive.created_at)
            stopped = attrs.evolve(
                archive,
                status="stopped",
                updated_at=now,
                duration=duration,
                reason=_STOPPED_BY_CALL,
            )
            self._archives[archive_id] = attrs.evolve(
                stopped,
                status="available",
                size=max(1, duration) * _BYTES_PER_SECOND,
                url=f"{_DOWNLOAD_HOST}/{archive.session_id[-12:]}/{archive_id}/archive.mp4",
            )
        return stopped

    def get(self, archive_id: str) -> EmulatedArchive:
        """The archive ``archive_id``.

        :raises ArchiveRefusal: 404 if there is none (never started, or deleted).
        """
        with self._lock:
            return self._find(archive_id)

    def delete(self, archive_id: str) -> None:
        """Delete an available archive; it is gone afterwards.

        :raises ArchiveRefusal: 404 for an unknown archive, 409 for one still recording.
        """
        with self._lock:
            archive = self._find(archive_id)
            if archive.status != "available":
                raise ArchiveRefusal(
                    409,
                    f"archive {archive_id} is {archive.status!r}: you can only delete an "
                    "archive whose status is 'available', 'uploaded' or 'deleted'; stop it first",
                )
            del self._archives[archive_id]

    def set_layout(self, archive_id: str, layout: Mapping[str, str]) -> EmulatedArchive:
        """Change the layout of a composed archive that is being recorded.

        :raises ArchiveRefusal: 404 for an unknown archive, 400 for an individual one, 409
            for one not being recorded.
        """
        with self._lock:
            archive = self._find(archive_id)
            if archive.output_mode != "composed":
                raise ArchiveRefusal(
                    400,
                    f"archive {archive_id} is an individual archive: only a composed "
                    "archive has a layout",
                )
            if archive.status != "started":
                raise ArchiveRefusal(
                    409,
                    f"archive {archive_id} is {archive.status!r}: you can only change the "
                    "layout of an archive that is being recorded ('started')",
                )
            changed = attrs.evolve(
                archive, layout=_layout(layout), updated_at=max(self._clock(), archive.created_at)
            )
            self._archives[archive_id] = changed
        return changed

    def page(
        self, *, offset: int, count: int, session_id: str | None
    ) -> tuple[int, list[EmulatedArchive]]:
        """How many archives match, and ``count`` of them from ``offset``, newest first."""
        matching = [
            archive
            for archive in self.snapshot()
            if session_id is None or archive.session_id == session_id
        ]
        return len(matching), matching[offset : offset + min(count, MAX_LIST_COUNT)]

    def snapshot(self) -> list[EmulatedArchive]:
        """Every archive held, newest first."""
        with self._lock:
            return list(self._archives.values())[::-1]

    def _find(self, archive_id: str) -> EmulatedArchive:
        archive = self._archives.get(archive_id)
        if archive is None:
            raise ArchiveRefusal(404, f"no archive with id {_show(archive_id)} in this project")
        return archive


def _already_recording(other: EmulatedArchive, tag: str | None) -> str:
    if tag is None:
        return (
            f"the session is already being recorded (archive {other.id}); stop that archive "
            "first, or give each simultaneous archive its own multiArchiveTag"
        )
    return (
        f"the session is already being recorded with multiArchiveTag {tag!r} (archive "
        f"{other.id}); give each simultaneous archive its own tag"
    )


def _layout(value: object) -> Mapping[str, str] | None:
    if not isinstance(value, Mapping):
        return {"type": "bestFit"}
    return {str(key): str(item) for key, item in value.items() if item is not None}


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_int(value: object) -> int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:60] + "...")
