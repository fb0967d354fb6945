"""The archive's end of the compiled pass (see :class:`~opentok_rules.engine.compiler.Operation`):
where the values the rules left are of their fields' own types, the spec, the body and the
answer are made from the values at hand, as :func:`.spec.build_spec` and
:meth:`ArchiveSpec.to_body` make them."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import attrs

from opentok_rules.operations.archive.spec import (
    OUTPUT_MODES,
    STREAM_MODES,
    ArchiveLayout,
    ArchiveSpec,
    PreparedArchive,
)
from opentok_rules.values import ARCHIVE_OPTION_KEYS, OutputMode, StreamMode

if TYPE_CHECKING:
    from opentok_rules.engine.compiler import Writer


#: What the archive's own end (fast_end) uses in the generated code, by name.
PASS_NAMESPACE: dict[str, object] = {
    "_KNOWN": frozenset(ARCHIVE_OPTION_KEYS),
    "_ArchiveLayout": ArchiveLayout,
    "_OutputMode": OutputMode,
    "_StreamMode": StreamMode,
    "OUTPUT_MODES": OUTPUT_MODES,
    "STREAM_MODES": STREAM_MODES,
    "_COMPOSED": OutputMode.COMPOSED,
    "_AUTO": StreamMode.AUTO,
    **{f"_OutputMode_{member.name}": member for member in OutputMode},
    **{f"_StreamMode_{member.name}": member for member in StreamMode},
}

_FLAGS = ("has_audio", "has_video")
#: The text fields, each None or a plain str, and their names in the body.
_TEXT_FIELDS = (
    ("name", "name"),
    ("resolution", "resolution"),
    ("multi_archive_tag", "multiArchiveTag"),
)
_WHOLE_FIELDS = (("max_bitrate", "maxBitrate"), ("quantization_parameter", "quantizationParameter"))


def fast_end(w: Writer) -> bool:
    """The archive's own end: where every value the rules left is of its field's own type
    (what the library's rules let through), the spec and the body are made from the values
    at hand, as :func:`build_spec` and :meth:`ArchiveSpec.to_body` make them; any other values
    go to :func:`_finish` (all of the spec's conversions and refusals) as the rules left them.
    """
    fast = [
        "_KNOWN.issuperset(options)",
        "session_id.__class__ is str",
        *[f"({key} is None or {key}.__class__ is str)" for key, _ in _TEXT_FIELDS],
        # True first: what the default rules usually leave.
        *[f"({key} is True or {key} is False or {key} is None)" for key in _FLAGS],
        *[f"({key} is None or {key}.__class__ is int)" for key, _ in _WHOLE_FIELDS],
        # The mode's member, found once: from its text (the usual value; compared as the
        # table's lookup compares, so a text known where the pass is specialized is worked
        # out there), itself, or the default for None; None (the spec's checks) for
        # anything else.
        *[
            f"(_{key} := ({_by_text(key, enum_class)}) if {key}.__class__ is str else {key} "
            f"if {key}.__class__ is {enum_name} else {default} if {key} is None else None) "
            "is not None"
            for key, enum_class, enum_name, default in (
                ("output_mode", OutputMode, "_OutputMode", "_COMPOSED"),
                ("stream_mode", StreamMode, "_StreamMode", "_AUTO"),
            )
        ],
        "(layout_stylesheet is None or layout_stylesheet.__class__ is str)",
        "(layout_screenshare_type is None or layout_screenshare_type.__class__ is str)",
        "(layout_type.__class__ is str if layout_type is not None else "
        "layout_stylesheet is None and layout_screenshare_type is None)",
    ]
    w.line("# Values of their fields' own types make the spec and the body here; any other")
    w.line("# values go to the spec's own checks (_finish) as the rules left them.")
    with w.wrapped("if not (", *[f"{test} and" for test in fast[:-1]], fast[-1]):
        w.sync()
        w.line("spec = _finish(options)")
        with w.block("if not prepared:"):
            w.line("return spec, warnings")
        w.line("return _Answer(spec, spec.to_body(), warnings)")
    for key in _FLAGS:
        with w.block(f"if {key} is None:"):
            w.line(f"{key} = True")
    w.line("layout = None")
    with w.block("if layout_type is not None:"):
        w.made(
            "layout",
            ArchiveLayout,
            {
                "type": "layout_type",
                "stylesheet": "layout_stylesheet",
                "screenshare_type": "layout_screenshare_type",
            },
        )
    # Through ArchiveSpec's maker: plain slot stores, no converters (the values are of their
    # fields' own types, tested above).
    fields = {field.name: field.name for field in attrs.fields(ArchiveSpec)}
    fields.update(output_mode="_output_mode", stream_mode="_stream_mode")
    w.made("spec", ArchiveSpec, fields)
    with w.block("if not prepared:"):
        w.line("return spec, warnings")
    # ArchiveSpec.to_body() on the values at hand (tests hold the two equal).
    w.line("body = {")
    w.line('    "sessionId": session_id,')
    w.line('    "hasAudio": has_audio,')
    w.line('    "hasVideo": has_video,')
    # A mode given (or defaulted) as its text is its member's value.
    for key, camel in (("output_mode", "outputMode"), ("stream_mode", "streamMode")):
        w.line(f'    "{camel}": {key} if {key}.__class__ is str else _{key}._value_,')
    w.line("}")
    for key, camel in _TEXT_FIELDS[:2]:
        with w.block(f"if {key} is not None:"):
            w.line(f'body["{camel}"] = {key}')
    with w.block("if layout is not None:"):
        w.line('layout = {"type": layout_type}')
        with w.block("if layout_stylesheet is not None:"):
            w.line('layout["stylesheet"] = layout_stylesheet')
        with w.block("if layout_screenshare_type is not None:"):
            w.line('layout["screenshareType"] = layout_screenshare_type')
        w.line('body["layout"] = layout')
    for key, camel in (_TEXT_FIELDS[2], *_WHOLE_FIELDS):
        with w.block(f"if {key} is not None:"):
            w.line(f'body["{camel}"] = {key}')
    answer = {name: name for name in ("spec", "body", "warnings")}
    w.made("made", PreparedArchive, answer, "_Answer")
    w.line("return made")
    return True


def _by_text(key: str, enum_class: type[enum.Enum]) -> str:
    """The generated expression of the member of ``enum_class`` whose value is the plain str
    ``key`` holds, or None: one ``==`` per member (namespace names ``_<Class>_<NAME>``)."""
    chain = [
        f'_{enum_class.__name__}_{member.name} if {key} == "{member.value}" else'
        for member in enum_class
    ]
    return " ".join([*chain, "None"])
