"""Archives: the options of starting one, through the same engine as sessions.

What is archive-specific lives here and nowhere else: the option names, the enums
:class:`OutputMode` and :class:`StreamMode`, the :class:`ArchiveSpec` the rules' outcome is
held in, its REST body (:meth:`ArchiveSpec.to_body`) and :func:`prepare_archive`. The rules
themselves are data: ``opentok_rules/data/archive_rules.toml`` (and ``archive_rules_strict.toml``,
which extends it), policy files read by :func:`~opentok_rules.load_policy`'s own loader, in the
kinds of :mod:`opentok_rules.kinds`. A policy file's ``[[archive]]`` tables add to them.

The rules see ``start_archive``'s keyword arguments and the session id as ``session_id``. A
``layout`` mapping (``{"type": "custom", "stylesheet": "..."}``; ``"screenshareType"`` is read as
``"screenshare_type"``) is seen as ``layout_type``, ``layout_stylesheet`` and
``layout_screenshare_type``; a layout given without a type is a ``"bestFit"`` one, the service's
default layout, and a bare string is the layout's type (``layout="pip"``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

import attrs

from opentok_rules._frozen import slot_setter
from opentok_rules._messages import shown
from opentok_rules.engine.outcome import Outcome, outcome_of
from opentok_rules.engine.passes import run_pass
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.shared import (
    MAX_KEYS,
    by_severity,
    read_options,
    spec_from,
)
from opentok_rules.errors import ValidationError, Violation
from opentok_rules.values import (
    ARCHIVE_LAYOUT_TYPES,
    ARCHIVE_OPTION_KEYS,
    ARCHIVE_SCREENSHARE_TYPES,
    OutputMode,
    StreamMode,
    member_for,
    plain_str,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from opentok_rules.engine.compiler import Operation, Writer

__all__ = [
    "ARCHIVE_LAYOUT_TYPES",
    "ARCHIVE_OPTION_KEYS",
    "ARCHIVE_SCREENSHARE_TYPES",
    "ArchiveLayout",
    "ArchiveOptions",
    "ArchiveSpec",
    "OutputMode",
    "PreparedArchive",
    "StreamMode",
    "archive_outcome",
    "default_archive_rules",
    "prepare_archive",
    "prepare_layout",
    "strict_archive_rules",
]


class ArchiveOptions(TypedDict, total=False):
    """The keyword options of starting an archive (type checkers see every name and type)."""

    name: str | None
    has_audio: bool | None
    has_video: bool | None
    output_mode: OutputMode | str | enum.Enum | None
    stream_mode: StreamMode | str | enum.Enum | None
    resolution: str | None
    layout: Mapping[str, str | None] | str | None
    multi_archive_tag: str | None
    max_bitrate: int | None
    quantization_parameter: int | None


_OUTPUT_MODES = {m.value: m for m in OutputMode}
_STREAM_MODES = {m.value: m for m in StreamMode}
#: A layout mapping's keys, as the caller may write them, and the option each is seen as.
_LAYOUT_FIELDS = {
    "type": "layout_type",
    "stylesheet": "layout_stylesheet",
    "screenshare_type": "layout_screenshare_type",
    "screenshareType": "layout_screenshare_type",
}
_BEST_FIT = "bestFit"
#: The rule id of a violation about the options as a whole (not about one rule's constraint).
OPTIONS_ID = "archive-options"
#: Most keys read from a mapping that is not a plain dict (a lazy view may be endless).


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
    return _mode(value, _OUTPUT_MODES, "output_mode")  # type: ignore[no-any-return]


def _stream_mode(value: object) -> StreamMode:
    return _mode(value, _STREAM_MODES, "stream_mode")  # type: ignore[no-any-return]


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


@attrs.frozen
class PreparedArchive:
    """The outcome of :func:`prepare_archive`: ``body == spec.to_body()``; ``warnings`` holds
    what rules of severity ``"warn"`` found."""

    spec: ArchiveSpec
    body: dict[str, Any]
    warnings: tuple[Violation, ...] = ()


def default_archive_rules() -> RuleRegistry:
    """A fresh registry of the library's archive rules (``data/archive_rules.toml``)."""
    from opentok_rules.engine.policies import library_archive_rules

    return library_archive_rules("default")


def strict_archive_rules() -> RuleRegistry:
    """The default archive rules and the strict ones (``data/archive_rules_strict.toml``):
    a name is required and may not be empty."""
    from opentok_rules.engine.policies import library_archive_rules

    return library_archive_rules("strict")


#: The registry used when the caller gives none (made on first use): private, so nobody
#: can edit it.
_DEFAULT_RULES: RuleRegistry | None = None


def _default_rules() -> RuleRegistry:
    """The registry used when the caller gives none, made now if it was not yet."""
    global _DEFAULT_RULES
    if _DEFAULT_RULES is None:
        _DEFAULT_RULES = default_archive_rules()  # threads racing here each make an equal one
    return _DEFAULT_RULES


def prepare_archive(
    session_id: str,
    options: Mapping[str, Any] | None = None,
    rules: RuleRegistry | None = None,
    **kwargs: Unpack[ArchiveOptions],
) -> PreparedArchive:
    """Run the archive rules over the options of starting an archive of ``session_id``.

    ``options`` is a mapping of ``start_archive``'s keyword arguments; keyword arguments are
    merged over it. ``rules`` defaults to :func:`default_archive_rules`. Returns the
    :class:`ArchiveSpec`, the REST body and what ``"warn"`` rules found; raises
    :class:`~opentok_rules.ValidationError` listing every violation of a ``"deny"`` rule.
    """
    if rules is None:
        registry = _DEFAULT_RULES if _DEFAULT_RULES is not None else _default_rules()
    else:
        registry = _registry(rules)
    if options.__class__ is dict and not kwargs:
        # The usual call: the pass specialized to these keys (compiled on the second call
        # with them) reads the caller's dict as it is, the session id apart (engine.apart);
        # a usual layout is spread into a new dict first. A dict with the session id in it
        # is never a key there: _working refuses it below.
        given = options if "layout" not in options else _spread_usual(options)
        if (
            given is not None
            and ((value := given.get("output_mode")) is None or value.__class__ is str)
            and ((value := given.get("stream_mode")) is None or value.__class__ is str)
            and (compiled := registry._state.passes.get("archive")) is not None
        ):
            try:
                function = compiled.apart.get(tuple(given))
            except Exception:  # a key whose hash fails: run_pass says what is wrong
                function = None
            if function is not None:
                result = function(given, True, True, session_id)
                if result.__class__ is not ValidationError:
                    return result  # type: ignore[no-any-return]
                try:
                    raise result
                finally:
                    del result
    working = _working(session_id, options, kwargs)  # type: ignore[arg-type]
    prepared: PreparedArchive = run_pass(registry, _operation, "archive", working, True, keyed=True)
    return prepared


def _spread_usual(options: dict[str, Any]) -> dict[str, Any] | None:
    """A new dict of ``options`` with a usual layout (a dict of a type, and a stylesheet after
    it) spread out, its keys in the order :func:`_working` leaves them (the session id aside);
    None for any other layout (then _working's general steps)."""
    layout = options["layout"]
    if (
        layout.__class__ is not dict
        or tuple(layout) not in _USUAL_LAYOUTS
        or not _LAYOUT_KEYS.isdisjoint(options)
    ):
        return None
    given = options.copy()
    del given["layout"]
    kind = layout["type"]
    given["layout_type"] = _BEST_FIT if kind is None else kind
    if len(layout) == 2:
        given["layout_stylesheet"] = layout["stylesheet"]
    return given


_LAYOUT_KEYS = frozenset(("layout_type", "layout_stylesheet", "layout_screenshare_type"))


def prepare_layout(
    layout_type: object,
    stylesheet: object = None,
    screenshare_type: object = None,
    rules: RuleRegistry | None = None,
) -> ArchiveLayout:
    """The layout ``set_archive_layout`` sends, checked by the archive rules that judge the
    layout alone (those that read nothing but ``layout_type``, ``layout_stylesheet`` and
    ``layout_screenshare_type``); raises :class:`~opentok_rules.ValidationError`."""
    registry = _default_rules() if rules is None else rules
    judges = RuleRegistry(
        each
        for each in registry
        if isinstance(getattr(each, "reads", None), frozenset)
        and each.reads  # type: ignore[attr-defined]
        and _LAYOUT_KEYS.issuperset(each.reads)  # type: ignore[attr-defined]
    )
    working: dict[str, Any] = {"layout_type": layout_type}
    if stylesheet is not None:
        working["layout_stylesheet"] = stylesheet
    if screenshare_type is not None:
        working["layout_screenshare_type"] = screenshare_type
    violations = judges.apply(working)
    if violations:
        _, denied = by_severity(violations)
        if denied:
            raise ValidationError(denied)
    spec = spec_from(dict(working, session_id="-"), _build, "archive", "ArchiveSpec")
    if spec.layout is None:  # pragma: no cover - layout_type is always there
        raise ValidationError([Violation(OPTIONS_ID, "type", "a layout needs a type")])
    return spec.layout


def archive_outcome(
    session_id: object,
    options: Mapping[str, Any] | None,
    rules: RuleRegistry | None,
    kwargs: dict[str, Any],
) -> Outcome[ArchiveSpec]:
    """The spec :func:`~opentok_rules.prepare_archive` makes and what ``"warn"`` rules
    found, in an :class:`~opentok_rules.Outcome`, without the REST body: the clients' entry
    point, which logs the warnings itself.

    ``options`` is a mapping of ``start_archive``'s options and ``kwargs`` a dict merged over
    it (this call may change that dict: pass a fresh one); ``rules`` defaults to
    :func:`~opentok_rules.default_archive_rules`. Raises
    :class:`~opentok_rules.ValidationError` as :func:`~opentok_rules.prepare_archive` does.
    """
    spec, warnings = _run(session_id, options, rules, kwargs, False)
    return outcome_of(spec, warnings)


def _run(
    session_id: object,
    options: Mapping[str, Any] | None,
    rules: RuleRegistry | None,
    kwargs: dict[str, Any],
    answer: bool,
) -> Any:
    """The archive rules' compiled pass over the options: a :class:`PreparedArchive` when
    ``answer``, else the spec and the warnings."""
    if rules is None:
        registry = _DEFAULT_RULES if _DEFAULT_RULES is not None else _default_rules()
    else:
        registry = _registry(rules)
    working = _working(session_id, options, kwargs)
    return run_pass(registry, _operation, "archive", working, answer, keyed=True)


def _registry(rules: object) -> RuleRegistry:
    """``rules`` as given, when it is a registry; else the TypeError saying what to pass."""
    if rules.__class__ is RuleRegistry or isinstance(rules, RuleRegistry):
        return rules
    raise TypeError(
        f"rules must be a RuleRegistry such as default_archive_rules(), not {type(rules).__name__}"
    )


def _operation() -> Operation:
    """The archive pass as the compiler sees it: every option a local variable, the spec
    built by :func:`_build` (through ``spec_from``), the answer a :class:`PreparedArchive`."""
    from opentok_rules.engine.compiler import Operation

    return Operation(
        name="archive",
        locals=ARCHIVE_OPTION_KEYS,
        finish=_finish,
        answer=PreparedArchive,
        answer_part="to_body",
        members=(*OutputMode, *StreamMode),
        namespace=_PASS_NAMESPACE,
        fast_end=_fast_end,
        apart="session_id",
    )


#: What the archive's own end (_fast_end) uses in the generated code, by name.
_PASS_NAMESPACE: dict[str, object] = {
    "_KNOWN": frozenset(ARCHIVE_OPTION_KEYS),
    "_ArchiveLayout": ArchiveLayout,
    "_OutputMode": OutputMode,
    "_StreamMode": StreamMode,
    "_OUTPUT_MODES": _OUTPUT_MODES,
    "_STREAM_MODES": _STREAM_MODES,
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


def _fast_end(w: Writer) -> bool:
    """The archive's own end: where every value the rules left is of its field's own type
    (what the library's rules let through), the spec and the body are made from the values
    at hand, as :func:`_build` and :meth:`ArchiveSpec.to_body` make them; any other values
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


def _finish(working: dict[str, Any]) -> ArchiveSpec:
    """The spec of the options as the rules left them, or the ValidationError saying why
    none can be made."""
    return spec_from(working, _build, "archive", "ArchiveSpec")


def _working(
    session_id: object, options: Mapping[str, Any] | None, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The options as the rules see them: merged, the layout spread out, enums read."""
    if options is None:
        working = kwargs
    elif options.__class__ is dict and not kwargs:
        working = options.copy()
    elif isinstance(options, Mapping):
        working = options.copy() if type(options) is dict else read_options(options, OPTIONS_ID)
        if kwargs:
            working.update(kwargs)
    else:
        raise TypeError(
            f"options must be a mapping, not {type(options).__name__}; pass keyword "
            "arguments or a dict such as {'name': 'weekly'}"
        )
    if "session_id" in working:
        message = (
            "the session id is given twice (as the first argument and as the option "
            "session_id); pass it once, as the first argument"
        )
        raise ValidationError([Violation(OPTIONS_ID, "session_id", message)])
    working["session_id"] = session_id
    layout = working.pop("layout", None)
    if layout is not None:
        _spread_layout(layout, working)
    # None and a plain str (the usual values) are no enum: one test each, no call.
    value = working.get("output_mode")
    if value is None or value.__class__ is str:
        value = working.get("stream_mode")
        if value is None or value.__class__ is str:
            return working
    _read_members(working)
    return working


def _read_members(working: dict[str, Any]) -> None:
    """Another library's enum members of the modes read as ours."""
    # None and a plain str (the usual values) are no enum: one test each.
    value = working.get("output_mode")
    if value is not None and value.__class__ is not str:
        _read_member(working, "output_mode", value, _OUTPUT_MODES)
    value = working.get("stream_mode")
    if value is not None and value.__class__ is not str:
        _read_member(working, "stream_mode", value, _STREAM_MODES)


def _read_member(
    working: dict[str, Any], key: str, value: object, table: Mapping[str, Any]
) -> None:
    if isinstance(value, enum.Enum):
        # Another library's member (the opentok SDK's OutputModes.composed, Vonage's
        # OutputMode.COMPOSED) is read by its name; one we cannot read is left to the rules.
        working[key] = member_for(value, table) or value


def _spread_layout(layout: object, working: dict[str, Any]) -> None:
    if layout.__class__ is dict and _PLAIN_LAYOUT_NAMES.issuperset(layout):
        # The usual layouts ({"type": ...}, with a stylesheet or not): written straight into
        # the working dict, exactly as the general steps below would leave it.
        for name, value in layout.items():
            key = _LAYOUT_FIELDS[name]
            if key in working:
                raise _given_twice(key)
            working[key] = _BEST_FIT if value is None and name == "type" else value
        if "type" not in layout:
            if "layout_type" in working:
                raise _given_twice("layout_type")
            working["layout_type"] = _BEST_FIT
        return
    fields: dict[Any, Any] | None = None
    if layout.__class__ is dict and len(layout) <= MAX_KEYS:
        # The usual layout, a small dict of plain str keys, read here as _read_layout reads
        # any mapping (without its guards against one that fails or never ends).
        fields = {}
        for name, value in layout.items():
            if name.__class__ is not str:
                fields = None
                break
            fields[_LAYOUT_FIELDS.get(name) or f"layout_{name}"] = value
        if fields is not None and fields.get("layout_type") is None:
            fields["layout_type"] = _BEST_FIT
    if fields is None:
        fields = _read_layout(layout)
    for key, value in fields.items():
        if key in working:
            raise _given_twice(key)
        working[key] = value


#: Layout fields that map one to one onto options (screenshare_type has two spellings).
_PLAIN_LAYOUT_NAMES = frozenset(("type", "stylesheet"))
#: The usual layouts' fields, in order: a type, and a custom one's stylesheet after it.
_USUAL_LAYOUTS = frozenset((("type",), ("type", "stylesheet")))


def _given_twice(key: str) -> ValidationError:
    message = f"{key} is given both in layout and on its own; give it once"
    return ValidationError([Violation(OPTIONS_ID, key, message)])


def _read_layout(layout: object) -> dict[Any, Any]:
    """The fields of a layout: a mapping's (a type of ``"bestFit"`` when it has none), or
    the type itself."""
    if layout.__class__ is dict or isinstance(layout, Mapping):
        fields: dict[Any, Any] = {}
        try:
            for count, (name, value) in enumerate(layout.items()):
                if count == MAX_KEYS:
                    break
                if isinstance(name, str):
                    # An unknown field keeps a name the known-keys rule refuses, with a hint.
                    fields[_LAYOUT_FIELDS.get(name, f"layout_{name}")] = value
                else:
                    fields[name] = value
        except Exception as exc:
            message = f"the layout mapping could not be read ({type(exc).__name__}); pass a dict"
            raise ValidationError([Violation(OPTIONS_ID, "layout", message)]) from exc
        if fields.get("layout_type") is None:
            fields["layout_type"] = _BEST_FIT
        return fields
    return {"layout_type": layout}


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


def _build(working: dict[str, Any]) -> ArchiveSpec:
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
        value = _OUTPUT_MODES.get(value) if value.__class__ is str else None
        value = value or _held("output_mode", get("output_mode"))
    _SET_OUTPUT_MODE(spec, value)
    value = get("stream_mode")
    if value is None:
        value = StreamMode.AUTO
    elif value.__class__ is not StreamMode:
        value = _STREAM_MODES.get(value) if value.__class__ is str else None
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
