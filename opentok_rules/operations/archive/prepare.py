"""Archives: the options of starting one, through the same engine as sessions.

What is archive-specific lives here and nowhere else: the option names, the enums
:class:`OutputMode` and :class:`StreamMode`, the :class:`ArchiveSpec` the rules' outcome is
held in, its REST body (:meth:`ArchiveSpec.to_body`) and :func:`prepare_archive`. The rules
themselves are data: ``rules.toml`` beside this module (and ``rules_strict.toml``,
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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

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
from opentok_rules.operations.archive.compiled import PASS_NAMESPACE, fast_end
from opentok_rules.operations.archive.spec import (
    OUTPUT_MODES,
    STREAM_MODES,
    ArchiveLayout,
    ArchiveSpec,
    PreparedArchive,
    build_spec,
)
from opentok_rules.values import (
    ARCHIVE_LAYOUT_TYPES,
    ARCHIVE_OPTION_KEYS,
    ARCHIVE_SCREENSHARE_TYPES,
    OutputMode,
    StreamMode,
    member_for,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from opentok_rules.engine.compiler import Operation

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


def default_archive_rules() -> RuleRegistry:
    """A fresh registry of the library's archive rules (``operations/archive/rules.toml``)."""
    from opentok_rules.operations.library import library_archive_rules

    return library_archive_rules("default")


def strict_archive_rules() -> RuleRegistry:
    """The default archive rules and the strict ones (``operations/archive/rules_strict.toml``):
    a name is required and may not be empty."""
    from opentok_rules.operations.library import library_archive_rules

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
        # is never a key there: working_options refuses it below.
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
    working = working_options(session_id, options, kwargs)  # type: ignore[arg-type]
    prepared: PreparedArchive = run_pass(registry, _operation, "archive", working, True, keyed=True)
    return prepared


def _spread_usual(options: dict[str, Any]) -> dict[str, Any] | None:
    """A new dict of ``options`` with a usual layout (a dict of a type, and a stylesheet after
    it) spread out, its keys in the order :func:`working_options` leaves them (the session id
    aside); None for any other layout (then working_options's general steps)."""
    layout = options["layout"]
    if (
        layout.__class__ is not dict
        or tuple(layout) not in _USUAL_LAYOUTS
        or not _LAYOUT_KEYS.isdisjoint(options)
    ):
        return None
    given = options.copy()
    del given["layout"]
    # _spread_layout's first steps, for the two usual shapes only and written out: calling it
    # here costs about 4 % of an average archive call (cachegrind, bench_prepare's inputs).
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
    spec = spec_from(dict(working, session_id="-"), build_spec, "archive", "ArchiveSpec")
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
    working = working_options(session_id, options, kwargs)
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
    built by :func:`build_spec` (through ``spec_from``), the answer a :class:`PreparedArchive`."""
    from opentok_rules.engine.compiler import Operation

    return Operation(
        name="archive",
        locals=ARCHIVE_OPTION_KEYS,
        finish=_finish,
        answer=PreparedArchive,
        answer_part="to_body",
        members=(*OutputMode, *StreamMode),
        namespace=PASS_NAMESPACE,
        fast_end=fast_end,
        apart="session_id",
    )


def _finish(working: dict[str, Any]) -> ArchiveSpec:
    """The spec of the options as the rules left them, or the ValidationError saying why
    none can be made."""
    return spec_from(working, build_spec, "archive", "ArchiveSpec")


def working_options(
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
        _read_member(working, "output_mode", value, OUTPUT_MODES)
    value = working.get("stream_mode")
    if value is not None and value.__class__ is not str:
        _read_member(working, "stream_mode", value, STREAM_MODES)


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
