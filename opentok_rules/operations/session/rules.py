"""The session rules: each constraint on ``create_session``'s options, one small class apiece.

Read top to bottom, this file is the order of :func:`~opentok_rules.default_rules`: first the
rules that normalize (which keys count, and the documented defaults), then the combination
checks, then the checks of single values. Every check sees the options as normalized by the
rules before it.
"""

from __future__ import annotations

import functools
import ipaddress
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from opentok_rules._messages import closest_hint, closest_value, short_repr, shown
from opentok_rules.engine.kinds import (
    Forbidden,
    LibraryRule,
    OptionRule,
    keys_field,
    library_rules,
    str_tuple,
)
from opentok_rules.engine.registry import (
    MAX_REPORTED,
    Options,
    pure_rule,
    reported,
)
from opentok_rules.engine.shared import NAME_CUT, unknown_option
from opentok_rules.engine.text_length import TextLengthRule
from opentok_rules.errors import SETTLED_TYPES, Violation, shown_later
from opentok_rules.values import (
    ALWAYS_NEEDS_ROUTED,
    ARCHIVE_RESOLUTIONS,
    E2EE_EXCLUDES_ALWAYS,
    E2EE_NEEDS_ROUTED,
    MAX_ARCHIVE_NAME,
    SESSION_OPTION_KEYS,
    ArchiveMode,
    Combination,
    MediaMode,
    member_for,
    plain_str,
    quad_holds,
)

if TYPE_CHECKING:
    from opentok_rules.engine.compiler import Writer
    from opentok_rules.engine.registry import Rule
    from opentok_rules.engine.schema_parts import Schema, Walk

__all__ = [
    "LIBRARY_SESSION_KINDS",
    "SESSION_OPTION_KEYS",
    "AlwaysArchiveForbidsE2eeRule",
    "AlwaysArchiveRequiresRoutedRule",
    "ArchiveModeDefaultRule",
    "ArchiveModeValidRule",
    "ArchiveNameLengthRule",
    "ArchiveResolutionValidRule",
    "E2eeBooleanRule",
    "KnownKeysRule",
    "LocationIpv4Rule",
    "ManualArchiveForbidsNameAndResolutionRule",
    "MediaModeRule",
    "RelayedForbidsE2eeRule",
]

#: The kinds of the library's session rules, by the name their policy data gives them (each
#: rule's class enters itself: see library_rules).
LIBRARY_SESSION_KINDS: dict[str, type] = {}
_library_rule = library_rules(LIBRARY_SESSION_KINDS)
_KEY_SET = frozenset(SESSION_OPTION_KEYS)
# Our members by value, which is also their name in lower case: member_for reads another
# library's enum member by its name (the opentok SDK's MediaModes.routed has the value "disabled").
_ARCHIVE_MODES = {m.value: m for m in ArchiveMode}
_MEDIA_MODES = {m.value: m for m in MediaMode}
# Enum members as module constants: a module global is read faster than a class attribute,
# and these are read by every rule on every call.
_ROUTED, _RELAYED = MediaMode.ROUTED, MediaMode.RELAYED
_MANUAL, _ALWAYS = ArchiveMode.MANUAL, ArchiveMode.ALWAYS
_MEMBERS = {**_MEDIA_MODES, **_ARCHIVE_MODES}
_str_eq = str.__eq__  # compares the characters, whatever a subclass's __eq__ says
_is_ipv4 = quad_holds  # dotted_quad_match's verdict, cheaper (tests hold the two equal)

# The refusals' message templates (Violation.deferred): ``{}`` is the caller's value, shown
# with its type, and only when someone reads the message.
_MEDIA_MODE_TEXT = "media_mode must be 'routed' or 'relayed'; got {}"
_LOCATION_TEXT = (
    "location must be a dotted-quad IPv4 address such as '12.34.56.78' "
    "(no leading zeros or spaces); got {}"
)
_ARCHIVE_MODE_TEXT = "archive_mode must be 'manual' or 'always'; got {}"
_RESOLUTION_TEXT = (
    "archive_resolution must be one of "
    + ", ".join(ARCHIVE_RESOLUTIONS).replace("{", "{{").replace("}", "}}")
    + "; got {}"
)


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


def _is(value: object, wanted: object) -> bool:
    """Whether an option's value, as the rules before left it, is ``wanted``: the same bool,
    or a str of the same characters (our member first, by identity), whatever a subclass's
    ``__eq__`` says."""
    if wanted.__class__ is not str:
        return value is wanted
    return value is _MEMBERS[wanted] or (isinstance(value, str) and _str_eq(value, wanted) is True)


# It looks at every key (reads=None), so it always runs.
@_library_rule(reads=None, fills=())
@attrs.frozen(kw_only=True, repr=False)
class KnownKeysRule(LibraryRule):
    """Keep only ``keys`` (the six session options); drop other keys, or refuse them with
    the closest option name when ``strict``."""

    strict: bool = False
    #: The option names kept.
    keys: tuple[str, ...] = attrs.field(
        default=SESSION_OPTION_KEYS, converter=str_tuple, validator=keys_field
    )
    #: What the options are options of, for the message: "'x' is not a session option".
    operation: str = "session"
    #: A rule placed before it sees every key the caller gave (policy checks read this).
    DROPS_UNKNOWN_KEYS: ClassVar[bool] = True

    def _constraint(self) -> str:
        if self.keys == SESSION_OPTION_KEYS:
            names = f"the six {self.operation} options"
        else:
            names = f"the {self.operation} options {', '.join(self.keys)}"
        if self.strict:
            return f"Only {names} are allowed; a typo names the closest one."
        return f"Keeps only {names}; any other key is dropped, with a warning naming the closest."

    def applies_to(self, keys: frozenset[str]) -> bool:  # type: ignore[override]
        """Whether there is anything to drop (or refuse): asked once per set of keys."""
        return not frozenset(self.keys).issuperset(keys)

    def _judge(self, options: Options) -> Sequence[Violation]:
        kept = _KEY_SET if self.keys is SESSION_OPTION_KEYS else frozenset(self.keys)
        if kept.issuperset(options):
            return ()
        unknown = [key for key in options if key not in kept]
        for key in unknown:
            del options[key]
        if not self.strict:
            # The key is dropped all the same: said as a warning, never refused.
            found = [self._dropped(key) for key in unknown[:MAX_REPORTED]]
            more = len(unknown) - len(found)
            if more > 0:
                found.append(
                    Violation.deferred(self.id, None, _more_dropped, more, severity="warn")
                )
            return tuple(found)
        return reported(self.id, [self._violation(key) for key in unknown[:MAX_REPORTED]], unknown)

    def _violation(self, key: Any) -> Violation:
        return unknown_option(self.id, key, self.keys, self.operation)

    def _dropped(self, key: Any) -> Violation:
        """The warning for a key dropped: the key, and the closest option name."""
        if isinstance(key, str):
            name = plain_str(key)[:NAME_CUT]
            field, shown_name = name, repr(name)
        else:
            field = shown_name = short_repr(key)
            name = ""
        return Violation.deferred(
            self.id,
            field,
            _dropped_name,
            shown_name,
            name,
            self.operation,
            self.keys,
            severity="warn",
        )

    def inline(self, w: Writer, index: int) -> None:
        # It works on the dict's other keys only, never on the six: called on the dict itself
        # (the locals need no update) when there is anything to drop.
        apply, kept = (
            w.name(index, "apply", self.apply),
            w.name(index, "kept", frozenset(self.keys)),
        )
        with w.block(f"if not {kept}.issuperset(options):"):
            # A copy to drop them from: the dict may be the caller's own (the pipeline does
            # not copy it for a pass that only reads it; see engine.input_use).
            w.line("options = options.copy()")
            w.line("get = options.get")
            w.found_all(f"{apply}(options)")
        w.facts.proved.add("keys")

    def schema_part(self, walk: Walk) -> Schema:
        # Only keys the rules before it left can be refused, and kinds and the library's rules
        # never add a key: the raw keys are the keys it sees.
        walk.unknown_dropped, walk.kept = True, frozenset(self.keys)
        if not self.strict:
            return True
        return {
            "properties": dict.fromkeys(self.keys, True),
            "additionalProperties": False,
        }


@_library_rule(reads=("media_mode",))
@attrs.frozen(kw_only=True, repr=False)
class MediaModeRule(LibraryRule):
    """``"routed"`` means routed; anything else means relayed (refused when ``strict``)."""

    strict: bool = False

    def _constraint(self) -> str:
        if self.strict:
            return "Media mode is 'routed' or 'relayed'; absent or None means relayed."
        return (
            "'routed' means routed; anything else, absent or None included, means relayed "
            "(with a warning unless it is 'relayed', absent or None)."
        )

    def _judge(self, options: Options) -> Sequence[Violation]:
        value = options.get("media_mode")
        if value is _ROUTED:
            return ()
        # A plain str is compared as it is; anything else is first reduced to one.
        text = value if value.__class__ is str else _media_text(value)
        if text == "routed":
            options["media_mode"] = _ROUTED
            return ()
        options["media_mode"] = _RELAYED
        if text == "relayed":
            return ()
        if not self.strict:
            # Relayed all the same (the seed's decision): said as a warning, never refused.
            return (
                Violation.deferred(self.id, "media_mode", _read_as_relayed, value, severity="warn"),
            )
        return (shown_later(self.id, "media_mode", _MEDIA_MODE_TEXT, value),)

    def inline(self, w: Writer, index: int) -> None:
        with w.block("if media_mode is not _ROUTED:"):
            with w.block("if media_mode is None or media_mode is _RELAYED:"):
                w.line("media_mode = _RELAYED")
            with w.block('elif media_mode.__class__ is str and media_mode == "routed":'):
                w.line("media_mode = _ROUTED")
            # Only "relayed" means relayed without a word; anything else is the rule's own
            # (a warning, or a refusal when strict), and the rule writes relayed.
            with w.block('elif media_mode.__class__ is str and media_mode == "relayed":'):
                w.line("media_mode = _RELAYED")
            with w.block("else:"):
                w.on_own(index, self, ["media_mode"], ["media_mode"])
        w.facts.wrote("media_mode", adds=index)
        w.facts.proved.add("media_mode")

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import In, Norm, optional

        known = optional(In(("routed", "relayed")))
        found = walk.says("media_mode", known) if self.strict else True
        walk.rewrite("media_mode", Norm((("routed", "routed"),), "relayed"))
        return found


def _dropped_name(shown_name: str, name: str, operation: str, keys: Sequence[str]) -> str:
    return (
        f"{shown_name} is not a {operation} option and was dropped (it has no effect); "
        f"{closest_hint(name, keys)}"
    )


def _more_dropped(more: int) -> str:
    return f"and {more} more unknown option names were dropped; pass only the options you mean"


def _read_as_relayed(value: object) -> str:
    text = value if isinstance(value, str) else None
    close = None if text is None else closest_value(plain_str(text), ("routed", "relayed"))
    hint = f"did you mean {close!r}?" if close else "pass 'routed' or 'relayed'."
    return (
        f"media_mode {shown(value)} is neither 'routed' nor 'relayed', so the session is "
        f"relayed; {hint}"
    )


def _media_text(value: object) -> str:
    """What a media mode value says, as a plain str: ``""`` for one that says nothing."""
    if value is None:
        return "relayed"  # absent or None means relayed
    # The characters themselves: a subclass's __eq__ must not decide (MediaMode's included).
    found = member_for(value, _MEDIA_MODES)
    return "" if found is None else found.value


def _archive_mode(value: object) -> ArchiveMode | None:
    """The archive mode ``value`` names (a member, its value, or an enum member's name)."""
    return member_for(value, _ARCHIVE_MODES)


@_library_rule(description="Archive mode absent or None means manual.")
class ArchiveModeDefaultRule(OptionRule):
    """Archive mode absent or ``None`` means manual."""

    key = "archive_mode"
    absent = _MANUAL

    def _canonical(self, value: object) -> object:
        if value.__class__ is ArchiveMode:
            return value
        found = _ARCHIVE_MODES.get(value) if value.__class__ is str else _archive_mode(value)
        # Anything else is left as it is: archive-mode-valid refuses it.
        return value if found is None else found

    def inline(self, w: Writer, index: int) -> None:
        with w.block("if archive_mode is None:"):
            w.line("archive_mode = _MANUAL")
        with w.block("elif archive_mode.__class__ is str and archive_mode in _ARCHIVE_MODES:"):
            w.line("archive_mode = _ARCHIVE_MODES[archive_mode]")
        # Other text is left as it is (archive-mode-valid refuses it); anything but text or a
        # member is the rule's own business.
        with w.block(
            "elif archive_mode.__class__ is not str and archive_mode.__class__ is not _ArchiveMode:"
        ):
            w.on_own(index, self, ["archive_mode"], ["archive_mode"])
        w.facts.wrote("archive_mode", adds=index)
        w.facts.proved.add("archive_mode:set")

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import ABSENT, Norm

        walk.rewrite("archive_mode", Norm(((ABSENT, "manual"), (None, "manual"))))
        return True


@_library_rule(description="e2ee must be True or False; absent or None means False.")
class E2eeBooleanRule(OptionRule):
    """``e2ee`` is a bool; absent or ``None`` means ``False``."""

    key = "e2ee"
    absent = False
    refusal = "e2ee must be True or False; got {}"

    def _canonical(self, value: object) -> object:
        # bool cannot be subclassed: these are all.
        return value if value is True or value is False else None

    def inline(self, w: Writer, index: int) -> None:
        with w.block("if e2ee is None:"):
            w.line("e2ee = False")
        with w.block("elif e2ee is not True and e2ee is not False:"):
            # A value that cannot change (a str, a number): its refusal, made when read.
            condition = f"e2ee.__class__ in {w.name(index, 'settled', SETTLED_TYPES)}"
            w.refused_later_when(index, self, condition, {"e2ee": "yes"}, ["e2ee"])
        w.facts.wrote("e2ee", adds=index)
        w.facts.proved.add("e2ee")

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import ABSENT, In, Norm

        found = walk.says("e2ee", In((ABSENT, None, True, False)))
        walk.rewrite("e2ee", Norm(((ABSENT, False), (None, False))))
        return found


#: What each combination rule refuses: the options as the rules before it leave them, in the
#: order its compiled form tests them (the test least often true first), and its one message.
_REFUSALS: Mapping[Combination, tuple[Mapping[str, object], str]] = {
    ALWAYS_NEEDS_ROUTED: (
        MappingProxyType({"media_mode": _RELAYED, "archive_mode": _ALWAYS}),
        "archive_mode 'always' needs media_mode 'routed' (relayed sessions cannot be "
        "archived); set media_mode='routed' or archive_mode='manual'",
    ),
    E2EE_NEEDS_ROUTED: (
        MappingProxyType({"e2ee": True, "media_mode": _RELAYED}),
        "e2ee needs media_mode 'routed'; set media_mode='routed' or drop e2ee",
    ),
    E2EE_EXCLUDES_ALWAYS: (
        MappingProxyType({"e2ee": True, "archive_mode": _ALWAYS}),
        "archive_mode 'always' and e2ee exclude each other (encrypted media cannot be "
        "archived); use archive_mode='manual' or drop e2ee",
    ),
}
# The modes as the compiled session pass names them (operations.session.compiled), and the other
# mode of the two each refused one has.
_PASS_NAMES: Mapping[object, str] = {
    _ROUTED: "_ROUTED",
    _RELAYED: "_RELAYED",
    _MANUAL: "_MANUAL",
    _ALWAYS: "_ALWAYS",
}
_OTHER_MODE: Mapping[object, object] = {_RELAYED: _ROUTED, _ALWAYS: _MANUAL}


@attrs.frozen(kw_only=True, repr=False)
class _CombinationRule(LibraryRule):
    """The base of the combination rules: two options the service refuses together, as
    :mod:`~opentok_rules.values` states them once (``_COMBINATION``), refused with one fixed
    message (``_REFUSALS``). A subclass names its combination; the verdict and its two other
    forms are made here."""

    _COMBINATION: ClassVar[Combination]
    #: Its row of _REFUSALS, read when the class is made.
    _REFUSED: ClassVar[Mapping[str, object]]
    _MESSAGE: ClassVar[str]
    fills: ClassVar[frozenset[str]] = frozenset()
    #: Its forms are made from the data, so they hold for each subclass that gives it.
    FORMS_FOR_SUBCLASSES: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_COMBINATION" in vars(cls):
            cls._REFUSED, cls._MESSAGE = _REFUSALS[cls._COMBINATION]

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self._COMBINATION.if_key, self._COMBINATION.key))

    def _judge(self, options: Options) -> Sequence[Violation]:
        combination = self._COMBINATION
        if _is(options.get(combination.if_key), combination.if_value) and (
            _is(options.get(combination.key), combination.value) is not combination.must
        ):
            return (Violation(self.id, None, self._MESSAGE),)
        return ()

    def inline(self, w: Writer, index: int) -> None:
        # Where each bool is the refused one and each mode is not the other of its two, the
        # rule may refuse (the usual options fail the first test); where each mode is the
        # refused one as well, it surely does.
        refused = self._REFUSED.items()
        may = [
            f"{key} is {value}"
            if value.__class__ is bool
            else f"{key} is not {_PASS_NAMES[_OTHER_MODE[value]]}"
            for key, value in refused
        ]
        surely = [f"{key} is {_PASS_NAMES[mode]}" for key, mode in refused if mode in _OTHER_MODE]
        with w.block(f"if {' and '.join(may)}:"):
            w.refused_when(index, self, " and ".join(surely), dict(self._REFUSED))

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import combination_schema

        return combination_schema(self._COMBINATION, walk)


@_library_rule(description="Archive mode 'always' needs media mode 'routed'.")
class AlwaysArchiveRequiresRoutedRule(_CombinationRule):
    """Archiving always needs media mode routed: relayed sessions cannot be archived."""

    _COMBINATION = ALWAYS_NEEDS_ROUTED


@_library_rule(description="e2ee needs media mode 'routed'.")
class RelayedForbidsE2eeRule(_CombinationRule):
    """End-to-end encryption needs media mode routed."""

    _COMBINATION = E2EE_NEEDS_ROUTED


@_library_rule(description="Archive mode 'always' and e2ee exclude each other.")
class AlwaysArchiveForbidsE2eeRule(_CombinationRule):
    """Archiving always and end-to-end encryption exclude each other."""

    _COMBINATION = E2EE_EXCLUDES_ALWAYS


def _sent_text(value: str, holds: Callable[[str], bool]) -> str | None:
    """The characters of ``value`` that will be sent, where they hold (a subclass's ``__str__``
    or ``__eq__`` must not decide); None where they do not."""
    text = plain_str(value)
    return text if holds(text) else None


def _text_inline(
    w: Writer,
    index: int,
    rule: Rule,
    passes: Sequence[str],
    refused: str,
    example: Options,
    args: Sequence[str | None],
) -> None:
    """The compiled form of a rule on one text option, ``example``'s key: nothing runs where
    the value is absent or ``passes`` (the lines of a test that it is a plain str the rule
    leaves as it is); where ``refused`` holds, the rule's refusal of ``example``, its message
    made when read from ``args`` (see ``Writer.refused_later_when``); anywhere else the rule
    judges the value itself."""
    key = next(iter(example))
    with w.wrapped(f"if {key} is not None and not (", *passes):
        w.refused_later_when(index, rule, refused, example, args, [key])
    w.facts.proved.add(key)


def _ipv4_text(value: ipaddress.IPv4Address) -> str | None:
    """The dotted quad an address object holds, from its integer, not from its ``__str__``."""
    try:
        text = ipaddress.IPv4Address.__str__(value)
    except Exception:  # a hostile subclass may break the base class's own formatting
        return None
    # Checked like a str location: whatever a subclass did, only a dotted quad is sent.
    return text if type(text) is str and _is_ipv4(text) else None


@_library_rule(
    description="location, when given, is a dotted-quad IPv4 address such as '12.34.56.78'."
)
class LocationIpv4Rule(OptionRule):
    """``location``, when given, is a dotted-quad IPv4 address (sent as its text)."""

    key = "location"
    refusal = _LOCATION_TEXT

    def _canonical(self, value: object) -> object:
        if isinstance(value, str):
            return _sent_text(value, _is_ipv4)
        return _ipv4_text(value) if isinstance(value, ipaddress.IPv4Address) else None

    def inline(self, w: Writer, index: int) -> None:
        # quad_holds written out: a plain str split at its dots, four numbers "0" to "255";
        # any other plain str is refused.
        passes = (
            "location.__class__ is str",
            'and len(_quad := location.split(".")) == 4',
            "and _quad[0] in _QUAD and _quad[1] in _QUAD",
            "and _quad[2] in _QUAD and _quad[3] in _QUAD",
        )
        refused = "location.__class__ is str"
        _text_inline(w, index, self, passes, refused, {"location": "1.2.3"}, ["location"])

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import IPV4, Text, optional

        return walk.says("location", optional(Text(IPV4)))


@_library_rule(description="Archive mode is 'manual' or 'always'.")
class ArchiveModeValidRule(OptionRule):
    """Archive mode is manual or always."""

    key = "archive_mode"
    refusal = _ARCHIVE_MODE_TEXT

    def _canonical(self, value: object) -> object:
        return value if value.__class__ is ArchiveMode else _archive_mode(value)

    def inline(self, w: Writer, index: int) -> None:
        with w.block("if archive_mode is not None and archive_mode.__class__ is not _ArchiveMode:"):
            w.on_own(index, self, ["archive_mode"], ["archive_mode"])
        w.facts.proved.add("archive_mode:known")

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import In, optional

        return walk.says("archive_mode", optional(In(("manual", "always"))))


@functools.cache
def _library_table(kind: str) -> dict[str, Any]:
    """The fields ``rules.toml`` beside this module gives the library's rule of ``kind``
    (read as data: the policy loader, which reads the library's rules, sits above it)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
        import tomli as tomllib

    text = (Path(__file__).resolve().parent / "rules.toml").read_text("utf-8")
    (table,) = (each for each in tomllib.loads(text)["session"] if each["kind"] == kind)
    return {name: value for name, value in table.items() if name != "kind"}


@pure_rule
@attrs.frozen(kw_only=True, init=False)
class ManualArchiveForbidsNameAndResolutionRule(Forbidden):
    """With manual archiving, ``archive_name`` and ``archive_resolution`` must not be given.

    Exactly a :class:`~opentok_rules.kinds.Forbidden` rule (the same verdicts and messages; it
    normalizes nothing), shown as data by ``opentok-rules rules``: this class only fixes its
    fields, and keeps the rule's class name for code that finds rules by type.
    """

    def __init__(self, **fields: Any) -> None:
        # What attrs.asdict() gives includes the fields made from the others; they are made
        # again here.
        made = {field.name for field in attrs.fields(Forbidden) if not field.init}
        given = {name: value for name, value in fields.items() if name not in made}
        if "keys" not in given:
            # Made in code: its fields are the library's policy data (rules.toml, beside).
            given = {**_library_table("manual_archive_forbids_name_and_resolution"), **given}
        Forbidden.__init__(self, **given)

    # Its forms are the forbidden kind's: it decides exactly as that kind does.
    inline = Forbidden.inline
    schema_part = Forbidden.schema_part


@_library_rule(
    description=(
        f"archive_name is a str of at most {MAX_ARCHIVE_NAME} characters; an empty one means "
        "no name (nothing is sent), as in the Ruby SDK."
    ),
)
class ArchiveNameLengthRule(TextLengthRule):
    """``archive_name`` is a string of at most 80 characters; empty means no name."""

    key: ClassVar[str] = "archive_name"
    most: ClassVar[int] = MAX_ARCHIVE_NAME
    label: ClassVar[str] = "archive_name"
    too_long: ClassVar[str] = f"the service allows at most {MAX_ARCHIVE_NAME}"
    # The Ruby SDK sends an empty archiveName and the service names the archive itself;
    # sending nothing says the same without an empty form field.
    empty_means_none: ClassVar[bool] = True

    def inline(self, w: Writer, index: int) -> None:
        # A short ASCII str is fine as it is; a plain str too long is refused with its length;
        # anything else is the rule's to judge.
        passes = (
            "archive_name.__class__ is str",
            "and 0 < len(archive_name) <= _MAX_ARCHIVE_NAME",
            "and archive_name.isascii()",
        )
        refused = "archive_name.__class__ is str and len(archive_name) > _MAX_ARCHIVE_NAME"
        example = {"archive_name": "n" * (MAX_ARCHIVE_NAME + 1)}
        _text_inline(w, index, self, passes, refused, example, [None, "len(archive_name)", None])

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import UTF8_TEXT, Norm, Text, optional

        found = walk.says("archive_name", optional(Text(UTF8_TEXT, max_length=MAX_ARCHIVE_NAME)))
        walk.rewrite("archive_name", Norm((("", None),)))
        return found


@_library_rule(description="archive_resolution is one of " + ", ".join(ARCHIVE_RESOLUTIONS) + ".")
class ArchiveResolutionValidRule(OptionRule):
    """``archive_resolution`` is one of ``ARCHIVE_RESOLUTIONS``."""

    key = "archive_resolution"
    refusal = _RESOLUTION_TEXT

    def _canonical(self, value: object) -> object:
        if value.__class__ is str:  # the usual case, settled in one lookup
            return value if value in ARCHIVE_RESOLUTIONS else None
        return (
            _sent_text(value, ARCHIVE_RESOLUTIONS.__contains__) if isinstance(value, str) else None
        )

    def inline(self, w: Writer, index: int) -> None:
        # A plain str that is none of them is refused.
        passes = ("archive_resolution.__class__ is str and archive_resolution in _RESOLUTIONS",)
        refused = "archive_resolution.__class__ is str"
        example = {"archive_resolution": "1x1"}
        _text_inline(w, index, self, passes, refused, example, ["archive_resolution"])

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import In, optional

        return walk.says("archive_resolution", optional(In(ARCHIVE_RESOLUTIONS)))


# The names the rules had before every class name became its id plus "Rule"; kept importable.
KnownKeys = KnownKeysRule
ArchiveModeDefault = ArchiveModeDefaultRule
E2eeBoolean = E2eeBooleanRule
AlwaysArchiveRequiresRouted = AlwaysArchiveRequiresRoutedRule
RelayedForbidsE2ee = RelayedForbidsE2eeRule
AlwaysArchiveForbidsE2ee = AlwaysArchiveForbidsE2eeRule
LocationIpv4 = LocationIpv4Rule
ArchiveModeValid = ArchiveModeValidRule
ManualArchiveForbidsNameAndResolution = ManualArchiveForbidsNameAndResolutionRule
ArchiveNameLength = ArchiveNameLengthRule
ArchiveResolutionValid = ArchiveResolutionValidRule


# A forbidden kind with its fields fixed: by its id, as the class is named.
LIBRARY_SESSION_KINDS["manual_archive_forbids_name_and_resolution"] = (
    ManualArchiveForbidsNameAndResolutionRule
)
