"""The archive's spec: :class:`ArchiveSpec` (and its :class:`ArchiveLayout`), what the rules'
outcome is held in, and its REST body (:meth:`ArchiveSpec.to_body`); how a spec is built from
the options the rules left (:func:`build_spec`, every field through the converter the constructor
runs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from opentok_rules._frozen import slot_setter
from opentok_rules._messages import shown
from opentok_rules.errors import Violation
from opentok_rules.values import (
    OutputMode,
    StreamMode,
    member_for,
    plain_str,
)

__all__ = ["ArchiveLayout", "ArchiveSpec", "PreparedArchive"]

OUTPUT_MODES = {m.value: m for m in OutputMode}
STREAM_MODES = {m.value: m for m in StreamMode}


@attrs.frozen
class ArchiveLayout:
    """A composed archive's layout: its ``type``, a custom layout's ``stylesheet``, and the
    layout used while a screen is shared (``screenshare_type``, with a ``bestFit`` type)."""

    type: str
    stylesheet: str | None = None
    screenshare_type: str | None = None

    def to_body(self) -> dict[str, str]:
        """The layout as the REST API takes it (``screenshareType`` in camelCase)."""
        body = {"type": self.type}
        if self.stylesheet is not None:
            body["stylesheet"] = self.stylesheet
        if self.screenshare_type is not None:
            body["screenshareType"] = self.screenshare_type
        return body


def _text(value: object) -> str | None:
    if value is None or value.__class__ is str:
        return value
    if not isinstance(value, str):
        raise TypeError(f"must be a str, not {shown(value)}")
    return plain_str(value)


def _flag(value: object) -> bool:
    if value is not True and value is not False:
        raise TypeError(f"must be True or False, not {shown(value)}")
    return value


def _whole(value: object) -> int | None:
    if value is None or value.__class__ is int:
        return value
    # A whole number as JSON reads one: 200000.0 is 200000 (the ``type = "int"`` rule agrees).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"must be a whole number, not {shown(value)}")
    return int(value)


def _mode(value: object, table: Mapping[str, Any], what: str) -> Any:
    # Our member, or its value as a str: one lookup (a member hashes like its value).
    if value.__class__ is str or value.__class__ in (OutputMode, StreamMode):
        found = table.get(value)
        if found is not None:
            return found
    found = member_for(value, table)
    if found is None:
        raise ValueError(f"{what} must be one of {', '.join(map(str, table))}, not {shown(value)}")
    return found


def _output_mode(value: object) -> OutputMode:
    return _mode(value, OUTPUT_MODES, "output_mode")  # type: ignore[no-any-return]


def _stream_mode(value: object) -> StreamMode:
    return _mode(value, STREAM_MODES, "stream_mode")  # type: ignore[no-any-return]


@attrs.frozen
class ArchiveSpec:
    """The normalized, immutable description of an archive to start.

    Made by :func:`prepare_archive` from what the rules let through; it checks the types it
    holds (its last line of defence when rules of yours let anything through).
    """

    session_id: str = attrs.field(converter=_text)
    name: str | None = attrs.field(default=None, converter=_text)
    has_audio: bool = attrs.field(default=True, converter=_flag)
    has_video: bool = attrs.field(default=True, converter=_flag)
    output_mode: OutputMode = attrs.field(default=OutputMode.COMPOSED, converter=_output_mode)
    stream_mode: StreamMode = attrs.field(default=StreamMode.AUTO, converter=_stream_mode)
    resolution: str | None = attrs.field(default=None, converter=_text)
    layout: ArchiveLayout | None = None
    multi_archive_tag: str | None = attrs.field(default=None, converter=_text)
    max_bitrate: int | None = attrs.field(default=None, converter=_whole)
    quantization_parameter: int | None = attrs.field(default=None, converter=_whole)

    def to_body(self) -> dict[str, Any]:
        """The JSON body of ``POST /v2/project/{key}/archive``: camelCase keys, ``sessionId``
        included, and only the options given besides the four every start sends."""
        body: dict[str, Any] = {
            "sessionId": self.session_id,
            "hasAudio": self.has_audio,
            "hasVideo": self.has_video,
            "outputMode": self.output_mode.value,
            "streamMode": self.stream_mode.value,
        }
        if self.name is not None:
            body["name"] = self.name
        if self.resolution is not None:
            body["resolution"] = self.resolution
        if self.layout is not None:
            body["layout"] = self.layout.to_body()
        if self.multi_archive_tag is not None:
            body["multiArchiveTag"] = self.multi_archive_tag
        if self.max_bitrate is not None:
            body["maxBitrate"] = self.max_bitrate
        if self.quantization_parameter is not None:
            body["quantizationParameter"] = self.quantization_parameter
        return body


#: Each field's converter: the spec is built as its constructor builds it (a converter runs on
#: any value not of the field's type), through its slots, without attrs' __init__ around them.
_CONVERTERS: dict[str, Callable[[object], Any]] = {
    field.name: field.converter  # type: ignore[misc]
    for field in attrs.fields(ArchiveSpec)
    if field.converter is not None
}
_SET_SESSION_ID = slot_setter(ArchiveSpec, "session_id")
_SET_NAME = slot_setter(ArchiveSpec, "name")
_SET_HAS_AUDIO = slot_setter(ArchiveSpec, "has_audio")
_SET_HAS_VIDEO = slot_setter(ArchiveSpec, "has_video")
_SET_OUTPUT_MODE = slot_setter(ArchiveSpec, "output_mode")
_SET_STREAM_MODE = slot_setter(ArchiveSpec, "stream_mode")
_SET_RESOLUTION = slot_setter(ArchiveSpec, "resolution")
_SET_LAYOUT = slot_setter(ArchiveSpec, "layout")
_SET_TAG = slot_setter(ArchiveSpec, "multi_archive_tag")
_SET_BITRATE = slot_setter(ArchiveSpec, "max_bitrate")
_SET_QP = slot_setter(ArchiveSpec, "quantization_parameter")
_FIELDS = frozenset(field.name for field in attrs.fields(ArchiveSpec))


def build_spec(working: dict[str, Any]) -> ArchiveSpec:
    """The spec of the options as the rules left them; a TypeError or ValueError when they
    cannot make one (turned into an ``archive-spec`` violation by ``spec_from``).

    Every field goes through the converter ``ArchiveSpec()`` runs, so the spec holds exactly
    what the constructor would have made of the same values.
    """
    layout = None
    layout_type = working.pop("layout_type", None)
    stylesheet = working.pop("layout_stylesheet", None)
    screenshare = working.pop("layout_screenshare_type", None)
    if layout_type is not None or stylesheet is not None or screenshare is not None:
        if not isinstance(layout_type, str):
            raise TypeError(f"the layout's type must be a str, not {shown(layout_type)}")
        layout = ArchiveLayout(plain_str(layout_type), _text(stylesheet), _text(screenshare))
    if not _FIELDS.issuperset(working):
        unknown = ", ".join(sorted(repr(key) for key in working if key not in _FIELDS)[:5])
        raise TypeError(f"an ArchiveSpec has no option {unknown}")
    get = working.get
    spec = object.__new__(ArchiveSpec)
    # Field by field, in the usual case one type test and one slot store each: a value of the
    # field's type (what the library's rules let through) is set as it is; any other goes
    # through the converter ArchiveSpec() runs, which may refuse it.
    value = get("session_id")
    _SET_SESSION_ID(spec, value if value.__class__ is str else _held("session_id", value))
    value = get("name")
    _SET_NAME(spec, value if value is None or value.__class__ is str else _held("name", value))
    value = get("has_audio")
    _SET_HAS_AUDIO(
        spec,
        True if value is None else value if value.__class__ is bool else _held("has_audio", value),
    )
    value = get("has_video")
    _SET_HAS_VIDEO(
        spec,
        True if value is None else value if value.__class__ is bool else _held("has_video", value),
    )
    value = get("output_mode")
    if value is None:
        value = OutputMode.COMPOSED
    elif value.__class__ is not OutputMode:
        value = OUTPUT_MODES.get(value) if value.__class__ is str else None
        value = value or _held("output_mode", get("output_mode"))
    _SET_OUTPUT_MODE(spec, value)
    value = get("stream_mode")
    if value is None:
        value = StreamMode.AUTO
    elif value.__class__ is not StreamMode:
        value = STREAM_MODES.get(value) if value.__class__ is str else None
        value = value or _held("stream_mode", get("stream_mode"))
    _SET_STREAM_MODE(spec, value)
    value = get("resolution")
    _SET_RESOLUTION(
        spec, value if value is None or value.__class__ is str else _held("resolution", value)
    )
    _SET_LAYOUT(spec, layout)
    value = get("multi_archive_tag")
    _SET_TAG(
        spec,
        value if value is None or value.__class__ is str else _held("multi_archive_tag", value),
    )
    value = get("max_bitrate")
    _SET_BITRATE(
        spec, value if value is None or value.__class__ is int else _held("max_bitrate", value)
    )
    value = get("quantization_parameter")
    _SET_QP(
        spec,
        value
        if value is None or value.__class__ is int
        else _held("quantization_parameter", value),
    )
    return spec


def _held(name: str, value: object) -> Any:
    """What the field ``name``'s converter makes of ``value``, its message naming the field."""
    try:
        return _CONVERTERS[name](value)
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None


@attrs.frozen
class PreparedArchive:
    """The outcome of :func:`prepare_archive`: ``body == spec.to_body()``; ``warnings`` holds
    what rules of severity ``"warn"`` found."""

    spec: ArchiveSpec
    body: dict[str, Any]
    warnings: tuple[Violation, ...] = ()
