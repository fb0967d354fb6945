"""``to_json_schema``: the session options a registry accepts, as a JSON Schema (draft 2020-12).

The schema is made by walking the registry in order, as ``prepare_session`` does. Each rule whose
type this module knows (the per-type table ``_TRANSLATORS``) becomes one entry of the
top-level ``allOf``, marked with ``x-rule-id``; a rule that looks at two options becomes an
``if``/``then``. Rules run on the options as the rules before them left them (``media_mode``
absent means relayed, an empty ``archive_name`` means no name, ...), while a validator sees what
the user typed. So the walk keeps, for each option, how the rules so far have rewritten it (a
:class:`_Norm`), and every check is said about the raw value: "the normalized media mode is
routed" becomes "``media_mode`` is given and is ``"routed"``".

Checks are built from a few predicates on one value (:class:`_In`, :class:`_Text`, ...), each
able both to judge a value (``holds``, used to follow a value through the rewriting) and to say
itself in JSON Schema (``schema``), so the two cannot drift apart.

Regular expressions are written in the part of the syntax that Python's :mod:`re` and
ECMA-262 (the dialect of JSON Schema's ``pattern``) read alike, anchored so that both match the
whole value (see :mod:`opentok_rules.engine._regex`); a policy pattern outside that part is
listed under ``x-unexpressed`` with the reason rather than exported to judge differently. A
policy pattern runs with RE2 (``opentok_rules.engine._re2``), which reads that part as
Python does (RE2 refuses its lookaheads and ``\\u`` escapes, so no policy holds them).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeAlias

import attrs

from opentok_rules.engine._regex import ipv4_network, unshared, whole_value
from opentok_rules.engine.introspect import describe
from opentok_rules.engine.kinds import (
    Allowed,
    Default,
    Exclusive,
    Forbidden,
    Kind,
    KnownKeys,
    Length,
    MaxTTL,
    Network,
    Pattern,
    Range,
    Required,
    Type,
)
from opentok_rules.engine.registry import Rule, RuleRegistry
from opentok_rules.engine.session_rules import (
    _MAX_ARCHIVE_NAME,
    _OCTET,
    SESSION_OPTION_KEYS,
    AlwaysArchiveForbidsE2eeRule,
    AlwaysArchiveRequiresRoutedRule,
    ArchiveModeDefaultRule,
    ArchiveModeValidRule,
    ArchiveNameLengthRule,
    ArchiveResolutionValidRule,
    E2eeBooleanRule,
    KnownKeysRule,
    LocationIpv4Rule,
    MediaModeRule,
    RelayedForbidsE2eeRule,
    default_rules,
    strict_rules,
)
from opentok_rules.values import ARCHIVE_RESOLUTIONS

__all__ = ["DIALECT", "UNEXPRESSED", "UNEXPRESSED_REASONS", "to_json_schema"]

#: The ``$schema`` of every schema made here.
DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: The top-level keyword listing, by id, the rules the schema does not say.
UNEXPRESSED: Final = "x-unexpressed"
#: The top-level keyword mapping each of those ids to why it is not said.
UNEXPRESSED_REASONS: Final = "x-unexpressed-reasons"

#: A JSON Schema: an object, or ``true`` (anything) / ``false`` (nothing).
Schema: TypeAlias = "dict[str, Any] | bool"


class _Absent:
    """The value of an option that is not in the options at all (distinct from ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


def _same(found: object, wanted: object) -> bool:
    """JSON equality, as the rules compare plain values: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if wanted is None or wanted is ABSENT or isinstance(wanted, bool):
        return found is wanted
    if isinstance(wanted, str):
        return found.__class__ is str and found == wanted
    if wanted.__class__ in (int, float):
        return found.__class__ in (int, float) and found == wanted
    return False


# --- Predicates on one (normalized) option value --------------------------------------------


class _Pred:
    """Something said about one option's value, which may be :data:`ABSENT`."""

    def holds(self, value: object) -> bool:
        raise NotImplementedError

    def schema(self) -> Schema:
        """The predicate on a present value, as a schema."""
        raise NotImplementedError


@attrs.frozen
class _In(_Pred):
    """The value is one of ``values`` (:data:`ABSENT` may be one of them)."""

    values: tuple[object, ...]

    def holds(self, value: object) -> bool:
        return any(_same(value, each) for each in self.values)

    def schema(self) -> Schema:
        present = [each for each in self.values if each is not ABSENT]
        if not present:
            return False
        return {"const": present[0]} if len(present) == 1 else {"enum": present}


@attrs.frozen
class _Regex:
    """A regular expression both dialects read alike, matched against a whole value."""

    #: The expression, without anchors, as Python's ``re.fullmatch`` would take it.
    body: str
    #: The engine's own matcher, when it is not Python's ``re`` (a policy pattern runs with
    #: RE2): the walk then judges a value exactly as the rule does.
    engine: Callable[[str], object] | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def anchored(self) -> str:
        return whole_value(self.body)

    def fullmatch(self, text: str) -> bool:
        if self.engine is not None:
            return self.engine(text) is not None
        return re.fullmatch(self.body, text) is not None


@attrs.frozen
class _Text(_Pred):
    """The value is a ``str``, of a length within bounds, matching a regular expression."""

    regex: _Regex | None = None
    min_length: int | None = None
    max_length: int | None = None

    def holds(self, value: object) -> bool:
        if value.__class__ is not str:
            return False
        text = str(value)
        return (
            (self.min_length is None or len(text) >= self.min_length)
            and (self.max_length is None or len(text) <= self.max_length)
            and (self.regex is None or self.regex.fullmatch(text))
        )

    def schema(self) -> Schema:
        found: dict[str, Any] = {"type": "string"}
        if self.min_length is not None:
            found["minLength"] = self.min_length
        if self.max_length is not None:
            found["maxLength"] = self.max_length
        if self.regex is not None:
            found["pattern"] = self.regex.anchored
        return found


@attrs.frozen
class _Sized(_Pred):
    """The value is a ``str`` or a list whose length is within ``minimum`` and ``maximum``."""

    minimum: int | None
    maximum: int | None

    def holds(self, value: object) -> bool:
        if value.__class__ is not str and value.__class__ is not list:
            return False
        size = len(value)
        return (self.minimum is None or size >= self.minimum) and (
            self.maximum is None or size <= self.maximum
        )

    def schema(self) -> Schema:
        found: dict[str, Any] = {"type": ["string", "array"]}
        for keyword, bound in (
            ("minLength", self.minimum),
            ("minItems", self.minimum),
            ("maxLength", self.maximum),
            ("maxItems", self.maximum),
        ):
            if bound is not None:
                found[keyword] = bound
        return found


@attrs.frozen
class _Either(_Pred):
    """One of two predicates holds."""

    first: _Pred
    second: _Pred

    def holds(self, value: object) -> bool:
        return self.first.holds(value) or self.second.holds(value)

    def schema(self) -> Schema:
        return _any_of([self.first.schema(), self.second.schema()])


@attrs.frozen
class _Not(_Pred):
    """The predicate does not hold."""

    inner: _Pred

    def holds(self, value: object) -> bool:
        return not self.inner.holds(value)

    def schema(self) -> Schema:
        return _negated(self.inner.schema())


#: Absent, or given as ``null``: what the rules read as "not given".
_NOT_GIVEN = _In((ABSENT, None))


def _optional(pred: _Pred) -> _Pred:
    """``pred``, or not given (absent or ``None``)."""
    return _Either(_NOT_GIVEN, pred)


# Keywords that say nothing about a value of another type, so "null, or a string with these"
# can be said as one schema with "type": ["string", "null"].
_TYPE_SPECIFIC = frozenset({"type", "pattern", "minLength", "maxLength", "minItems", "maxItems"})


def _constants(schema: Schema) -> list[object] | None:
    """The values a ``const`` or ``enum`` schema allows; None for any other schema."""
    if isinstance(schema, dict) and schema.keys() == {"const"}:
        return [schema["const"]]
    if isinstance(schema, dict) and schema.keys() == {"enum"}:
        return list(schema["enum"])
    return None


def _any_of(schemas: Sequence[Schema]) -> Schema:
    kept: list[Schema] = []
    constants: list[object] = []
    for each in schemas:
        if each is True:
            return True
        values = _constants(each)
        if values is not None:
            constants += [value for value in values if not _In(tuple(constants)).holds(value)]
        elif each is not False:
            kept.append(each)
    if constants:
        kept.insert(0, _enum(constants))
    if not kept:
        return False
    if len(kept) == 1:
        return kept[0]
    if len(kept) == 2 and kept[0] == {"const": None}:
        other = kept[1]
        if (
            isinstance(other, dict)
            and isinstance(other.get("type"), str)
            and other.keys() <= _TYPE_SPECIFIC
        ):
            return {**other, "type": [other["type"], "null"]}
    return {"anyOf": list(kept)}


def _all_of(schemas: Sequence[Schema]) -> Schema:
    kept: list[Schema] = []
    for each in schemas:
        if each is False:
            return False
        if each is not True:
            kept.append(each)
    if not kept:
        return True
    merged = _merged_properties(kept)
    if merged is not None:
        return merged
    return kept[0] if len(kept) == 1 else {"allOf": kept}


def _merged_properties(schemas: Sequence[Schema]) -> dict[str, Any] | None:
    """Schemas that say only ``required`` and ``properties`` of distinct keys, as one schema."""
    required: list[str] = []
    properties: dict[str, Schema] = {}
    for each in schemas:
        if not isinstance(each, dict) or not each.keys() <= {"required", "properties"}:
            return None
        own = each.get("properties", {})
        if not properties.keys().isdisjoint(own):
            return None
        properties.update(own)
        required += [key for key in each.get("required", ()) if key not in required]
    merged: dict[str, Any] = {}
    if required:
        merged["required"] = required
    if properties:
        merged["properties"] = properties
    return merged


def _negated(schema: Schema) -> Schema:
    if isinstance(schema, bool):
        return not schema
    return {"not": schema}


def _enum(values: Sequence[object]) -> Schema:
    return _In(tuple(values)).schema()


# --- How the rules so far have rewritten one option ------------------------------------------


class _Identity:
    __slots__ = ()

    def __repr__(self) -> str:
        return "IDENTITY"


_IDENTITY: Final = _Identity()


@attrs.frozen
class _Norm:
    """What the rules so far make of an option's raw value.

    ``cases`` maps particular raw values (:data:`ABSENT`, ``None``, strings) to what they
    become; every other raw value is left as it is (``rest`` is :data:`_IDENTITY`) or becomes
    the one value ``rest``.
    """

    cases: tuple[tuple[object, object], ...] = ()
    rest: object = _IDENTITY

    def apply(self, raw: object) -> object:
        for case, out in self.cases:
            if _same(raw, case):
                return out
        return raw if self.rest is _IDENTITY else self.rest

    def then(self, after: _Norm) -> _Norm:
        """This rewriting followed by ``after``."""
        cases = [(case, after.apply(out)) for case, out in self.cases]
        if self.rest is not _IDENTITY:
            return _Norm(tuple(cases), after.apply(self.rest))
        seen = [case for case, _ in self.cases]
        cases += [
            (case, out) for case, out in after.cases if not any(_same(case, each) for each in seen)
        ]
        return _Norm(tuple(cases), after.rest)


_UNCHANGED = _Norm()
#: What ``known-keys`` makes of an option it does not know: it drops it.
_DROPPED = _Norm((), ABSENT)


@attrs.define
class _Walk:
    """The state of the walk through a registry: how each option has been rewritten so far."""

    norms: dict[str, _Norm] = attrs.Factory(dict)
    #: Whether ``known-keys`` has run: every other key is gone from then on.
    unknown_dropped: bool = False

    def norm(self, key: str) -> _Norm:
        if key in self.norms:
            return self.norms[key]
        if self.unknown_dropped and key not in SESSION_OPTION_KEYS:
            return _DROPPED
        return _UNCHANGED

    def rewrite(self, key: str, after: _Norm) -> None:
        self.norms[key] = self.norm(key).then(after)

    def says(self, key: str, pred: _Pred) -> Schema:
        """The options (raw, as a validator sees them) for which ``pred`` holds of ``key``'s
        value as the rules so far have rewritten it."""
        return _preimage(key, pred, self.norm(key))


def _preimage(key: str, pred: _Pred, norm: _Norm) -> Schema:
    absent_ok = pred.holds(norm.apply(ABSENT))
    given = [(case, pred.holds(out)) for case, out in norm.cases if case is not ABSENT]
    accepted = [case for case, ok in given if ok]
    refused = [case for case, ok in given if not ok]
    if norm.rest is _IDENTITY:
        rest = pred.schema()
        # The rest schema judges a raw value as it is; the special cases are judged by what
        # they become, so correct it where the two differ.
        add = [case for case in accepted if not pred.holds(case)]
        cut = [case for case in refused if pred.holds(case)]
    else:
        rest = pred.holds(norm.rest)
        add, cut = ([], refused) if rest else (accepted, [])
    if cut:
        rest = _all_of([_negated(_enum(cut)), rest])
    value = _any_of([_enum(add), rest]) if add else rest
    if absent_ok:
        return True if value is True else {"properties": {key: value}}
    if value is False:
        return False
    if value is True:
        return {"required": [key]}
    return {"required": [key], "properties": {key: value}}


# --- The rules ---------------------------------------------------------------------------------


class _Unexpressed(Exception):
    """A rule the schema cannot say; the message says why."""


def _implies(condition: Schema, then: Schema) -> Schema:
    """``if condition then then``, simplified where one side is trivial."""
    if condition is False or then is True:
        return True
    if condition is True:
        return then
    return {"if": condition, "then": then}


def _known_keys(rule: KnownKeysRule, walk: _Walk) -> Schema:
    # Only keys the rules before it left can be refused, and kinds and the library's rules
    # never add a key: the raw keys are the keys it sees.
    walk.unknown_dropped = True
    if not rule.strict:
        return True
    return {
        "properties": dict.fromkeys(SESSION_OPTION_KEYS, True),
        "additionalProperties": False,
    }


_ROUTED_ONLY = _Norm((("routed", "routed"),), "relayed")


def _media_mode(rule: MediaModeRule, walk: _Walk) -> Schema:
    found = (
        True if not rule.strict else walk.says("media_mode", _optional(_In(("routed", "relayed"))))
    )
    walk.rewrite("media_mode", _ROUTED_ONLY)
    return found


def _archive_mode_default(rule: ArchiveModeDefaultRule, walk: _Walk) -> Schema:
    walk.rewrite("archive_mode", _Norm(((ABSENT, "manual"), (None, "manual"))))
    return True


def _e2ee_boolean(rule: E2eeBooleanRule, walk: _Walk) -> Schema:
    found = walk.says("e2ee", _In((ABSENT, None, True, False)))
    walk.rewrite("e2ee", _Norm(((ABSENT, False), (None, False))))
    return found


def _both(walk: _Walk, first: tuple[str, _Pred], second: tuple[str, _Pred]) -> Schema:
    """The options must not have both ``first`` and ``second``: if the one, not the other."""
    return _implies(walk.says(*first), walk.says(second[0], _Not(second[1])))


_ROUTED = ("media_mode", _In(("routed",)))
_ALWAYS = ("archive_mode", _In(("always",)))
_E2EE = ("e2ee", _In((True,)))


def _always_requires_routed(rule: AlwaysArchiveRequiresRoutedRule, walk: _Walk) -> Schema:
    return _implies(walk.says(*_ALWAYS), walk.says(*_ROUTED))


def _relayed_forbids_e2ee(rule: RelayedForbidsE2eeRule, walk: _Walk) -> Schema:
    return _implies(walk.says(*_E2EE), walk.says(*_ROUTED))


def _always_forbids_e2ee(rule: AlwaysArchiveForbidsE2eeRule, walk: _Walk) -> Schema:
    return _both(walk, _E2EE, _ALWAYS)


#: A dotted-quad IPv4 address, as the rules (and Python's ipaddress) accept one.
IPV4 = _Regex(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def _location(rule: LocationIpv4Rule, walk: _Walk) -> Schema:
    return walk.says("location", _optional(_Text(IPV4)))


def _archive_mode_valid(rule: ArchiveModeValidRule, walk: _Walk) -> Schema:
    return walk.says("archive_mode", _optional(_In(("manual", "always"))))


def _manual_forbids(rule: Rule, walk: _Walk) -> Schema:
    return _implies(
        walk.says("archive_mode", _In(("manual",))),
        _all_of([walk.says(key, _NOT_GIVEN) for key in ("archive_name", "archive_resolution")]),
    )


#: Text that can be written as UTF-8: no lone surrogate. Said on UTF-16 code units, so that
#: it holds alike where a string is code points (Python, ECMA-262 with the "u" flag) and where
#: it is code units (ECMA-262 without it): a pair is one character, a lone half is refused.
UTF8_TEXT = _Regex(r"(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*")


def _archive_name(rule: ArchiveNameLengthRule, walk: _Walk) -> Schema:
    found = walk.says("archive_name", _optional(_Text(UTF8_TEXT, max_length=_MAX_ARCHIVE_NAME)))
    walk.rewrite("archive_name", _Norm((("", None),)))
    return found


def _archive_resolution(rule: ArchiveResolutionValidRule, walk: _Walk) -> Schema:
    return walk.says("archive_resolution", _optional(_In(ARCHIVE_RESOLUTIONS)))


# --- The built-in kinds (a policy's rules) ---------------------------------------------------


def _when(rule: Kind, walk: _Walk, said: Schema) -> Schema:
    """``said``, only where the rule's ``when`` holds: every key listed is present and holds
    one of its values (as the rules before have rewritten them)."""
    if not rule.when:
        return said
    condition = _all_of([walk.says(key, _In(tuple(wanted))) for key, wanted in rule.when.items()])
    return _implies(condition, said)


_GIVEN = _Not(_NOT_GIVEN)


def _required(rule: Required, walk: _Walk) -> Schema:
    return _when(rule, walk, _all_of([walk.says(key, _GIVEN) for key in rule.keys]))


def _forbidden(rule: Forbidden, walk: _Walk) -> Schema:
    return _when(rule, walk, _all_of([walk.says(key, _NOT_GIVEN) for key in rule.keys]))


def _allowed(rule: Allowed, walk: _Walk) -> Schema:
    return _when(rule, walk, walk.says(rule.key, _optional(_In(tuple(rule.values)))))


def _pattern(rule: Pattern, walk: _Walk) -> Schema:
    problem = unshared(rule.pattern)
    if problem is not None:
        # The rule works, in Python; only its export would not say the same in JavaScript.
        raise _Unexpressed(
            f"its pattern {rule.pattern!r} is outside what Python and ECMA-262 "
            f"read alike: {problem}"
        )
    regex = _Regex(rule.pattern, rule._regex.fullmatch)
    return _when(rule, walk, walk.says(rule.key, _optional(_Text(regex))))


def _length(rule: Length, walk: _Walk) -> Schema:
    return _when(rule, walk, walk.says(rule.key, _optional(_Sized(rule.min, rule.max))))


def _network(rule: Network, walk: _Walk) -> Schema:
    networks = [ipaddress.ip_network(each) for each in rule.networks]
    if not all(isinstance(each, ipaddress.IPv4Network) for each in networks):
        raise _Unexpressed(
            "it names an IPv6 network, whose addresses (with their many spellings) have no "
            "pattern here"
        )
    body = "|".join(ipv4_network(each) for each in networks)  # type: ignore[arg-type]
    return _when(rule, walk, walk.says(rule.key, _optional(_Text(_Regex(body)))))


def _max_ttl(rule: MaxTTL, walk: _Walk) -> Schema:
    raise _Unexpressed("a token rule: it judges a token's lifetime, not session options")


@attrs.frozen
class _Number(_Pred):
    """A number (not a boolean) within bounds, or any value that is not a number."""

    minimum: int | float | None
    maximum: int | float | None

    def holds(self, value: object) -> bool:
        if value.__class__ not in (int, float):
            return True
        number: Any = value
        return (self.minimum is None or number >= self.minimum) and (
            self.maximum is None or number <= self.maximum
        )

    def schema(self) -> Schema:
        within: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            within["minimum"] = self.minimum
        if self.maximum is not None:
            within["maximum"] = self.maximum
        return {"anyOf": [{"not": {"type": "number"}}, within]}


def _default(rule: Default, walk: _Walk) -> Schema:
    if rule.when:
        raise _Unexpressed("a default with a when: what it fills depends on other options")
    walk.rewrite(rule.key, _Norm(((ABSENT, rule.value), (None, rule.value))))
    return True


def _type(rule: Type, walk: _Walk) -> Schema:
    if rule.type == "int":
        raise _Unexpressed(
            "JSON Schema's integer takes 1.0, which this rule (a whole number, an int) refuses"
        )
    pred: _Pred = _In((True, False)) if rule.type == "bool" else _Text()
    return _when(rule, walk, walk.says(rule.key, _optional(pred)))


def _range(rule: Range, walk: _Walk) -> Schema:
    return _when(rule, walk, walk.says(rule.key, _optional(_Number(rule.min, rule.max))))


def _known_keys_kind(rule: KnownKeys, walk: _Walk) -> Schema:
    if rule.when:
        raise _Unexpressed("known keys with a when: which keys are known depends on values")
    return {"propertyNames": {"enum": list(rule.keys)}}


def _exclusive(rule: Exclusive, walk: _Walk) -> Schema:
    keys = list(rule.keys)
    pairs = [
        _negated(_all_of([walk.says(first, _GIVEN), walk.says(second, _GIVEN)]))
        for index, first in enumerate(keys)
        for second in keys[index + 1 :]
    ]
    return _when(rule, walk, _all_of(pairs))


_Translator: TypeAlias = Callable[[Any, _Walk], Schema]

#: How each rule type says itself; exact types only (a subclass may do anything).
_TRANSLATORS: dict[type, _Translator] = {
    KnownKeysRule: _known_keys,
    MediaModeRule: _media_mode,
    ArchiveModeDefaultRule: _archive_mode_default,
    E2eeBooleanRule: _e2ee_boolean,
    AlwaysArchiveRequiresRoutedRule: _always_requires_routed,
    RelayedForbidsE2eeRule: _relayed_forbids_e2ee,
    AlwaysArchiveForbidsE2eeRule: _always_forbids_e2ee,
    LocationIpv4Rule: _location,
    ArchiveModeValidRule: _archive_mode_valid,
    # Read from the registry, not imported by name: the rule may become a ``forbidden`` kind
    # (it is exactly one), and then the kinds' entry below says it the same way.
    type(default_rules().get("manual-archive-forbids-name-and-resolution")): _manual_forbids,
    ArchiveNameLengthRule: _archive_name,
    ArchiveResolutionValidRule: _archive_resolution,
}

_TRANSLATORS.update(
    {
        Required: _required,
        Forbidden: _forbidden,
        Allowed: _allowed,
        Pattern: _pattern,
        Length: _length,
        Network: _network,
        MaxTTL: _max_ttl,
        Default: _default,
        Type: _type,
        Range: _range,
        KnownKeys: _known_keys_kind,
        Exclusive: _exclusive,
    }
)

#: What each operation's schema is of, and its default rules (made when asked for).
_OPERATIONS: dict[str, tuple[str, str]] = {
    "session": (
        "Session options",
        "The options of opentok-rules' prepare_session and create_session, as the given "
        "rules accept them.",
    ),
    "archive": (
        "Archive options",
        "The options of opentok-rules' prepare_archive and start_archive, as the given rules "
        "accept them: the session id as session_id, and the layout's fields as layout_type, "
        "layout_stylesheet and layout_screenshare_type (the names the archive rules read).",
    ),
}

#: Not sent: absent, ``None`` or empty (``SessionSpec.to_params`` leaves empty text out).
_NOT_SENT = _In((ABSENT, None, ""))

#: What ``SessionSpec`` itself takes of each option, after the rules: the types it holds, and
#: the values the service takes (it refuses the others: the last line of defence).
_SPEC_TAKES: dict[str, _Pred] = {
    "media_mode": _In((ABSENT, "routed", "relayed")),
    "archive_mode": _In((ABSENT, "manual", "always")),
    "location": _Either(_NOT_SENT, _Text(IPV4)),
    "archive_name": _Either(_NOT_SENT, _Text(UTF8_TEXT, max_length=_MAX_ARCHIVE_NAME)),
    "archive_resolution": _Either(_NOT_SENT, _In(ARCHIVE_RESOLUTIONS)),
    "e2ee": _In((ABSENT, True, False)),
}


def _spec_combinations(walk: _Walk) -> list[Schema]:
    """The combinations ``SessionSpec`` refuses, as the service does."""
    sent = _Not(_NOT_SENT)
    return [
        _implies(walk.says(*_ALWAYS), walk.says(*_ROUTED)),
        _implies(walk.says(*_E2EE), walk.says(*_ROUTED)),
        _both(walk, _E2EE, _ALWAYS),
        _implies(walk.says("archive_name", sent), walk.says(*_ALWAYS)),
        _implies(walk.says("archive_resolution", sent), walk.says(*_ALWAYS)),
    ]


# --- The schema ------------------------------------------------------------------------------


def to_json_schema(
    rules: RuleRegistry | None = None, *, operation: str = "session"
) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the options ``rules`` accept for ``operation``:
    ``"session"`` (the session options) or ``"archive"`` (the options of starting an archive).

    ``rules`` defaults to the operation's default rules (:func:`~opentok_rules.default_rules`
    or :func:`~opentok_rules.default_archive_rules`). Each rule the schema can say
    is one entry of ``allOf`` with its ``x-rule-id``; rules it cannot say (your own Python
    rules, ``"warn"`` rules, ...) are listed by id under ``x-unexpressed``, with the reason
    under ``x-unexpressed-reasons``. With nothing unexpressed, a validator accepts exactly
    the JSON options :func:`~opentok_rules.prepare_session` accepts.
    """
    if operation not in _OPERATIONS:
        raise ValueError(f"operation must be 'session' or 'archive', not {operation!r}")
    if rules is not None:
        registry = rules
    elif operation == "archive":
        from opentok_rules.engine.policies import library_archive_rules

        registry = library_archive_rules("default")
    else:
        registry = default_rules()
    if not isinstance(registry, RuleRegistry):
        raise TypeError(
            "to_json_schema() takes a RuleRegistry, such as default_rules() or "
            f"load_policy(path).rules; got {type(registry).__name__}"
        )
    walk = _Walk()
    parts: list[dict[str, Any]] = []
    reasons: dict[str, str] = {}
    for rule, info in zip(registry, describe(registry), strict=True):
        try:
            if info.severity != "deny":
                raise _Unexpressed("a warning: it reports, but never refuses, options")
            translate = _TRANSLATORS.get(type(rule))
            if translate is None:
                raise _Unexpressed(
                    f"a rule of kind {info.kind!r}: it decides in its own code, which the "
                    "schema cannot say"
                )
            said = translate(rule, walk)
        except _Unexpressed as exc:
            reasons[info.id] = str(exc)
            continue
        parts.append(_part(info.id, info.description, said))
    # The session spec's own refusals are said when the library's rules may not see to them;
    # the archive spec holds only what the archive rules check by type.
    spec = _spec_part(registry, walk) if operation == "session" else None
    if spec is not None:
        parts.append(spec)
    title, description = _OPERATIONS[operation]
    return {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        "type": "object",
        "allOf": parts,
        UNEXPRESSED: list(reasons),
        UNEXPRESSED_REASONS: reasons,
    }


def _part(rule_id: str, description: str, said: Schema) -> dict[str, Any]:
    head: dict[str, Any] = {"x-rule-id": rule_id, "description": description}
    if said is True:
        return head
    if said is False:
        return {**head, "not": {}}
    return {**head, **said}


def _library_complete(registry: RuleRegistry) -> bool:
    """Whether ``registry`` holds every library session rule (default or strict), unchanged
    and in the library's order: then whatever they let through makes a ``SessionSpec``."""
    bases = (default_rules(), strict_rules())
    ids = registry.ids()
    places = []
    for rule_id in bases[0].ids():
        if rule_id not in ids:
            return False
        # attrs' eq compares the exact class and the fields: a subclass or an edit is not it.
        if not any(registry.get(rule_id) == base.get(rule_id) for base in bases):
            return False
        places.append(ids.index(rule_id))
    return places == sorted(places)


def _spec_part(registry: RuleRegistry, walk: _Walk) -> dict[str, Any] | None:
    """What building the ``SessionSpec`` refuses, when the library's rules may not see to it."""
    if _library_complete(registry):
        return None
    said = _all_of(
        [walk.says(key, pred) for key, pred in _SPEC_TAKES.items()] + _spec_combinations(walk)
    )
    if not walk.unknown_dropped:
        # Without known-keys, any other key reaches SessionSpec, which has no field for it.
        said = _all_of(
            [
                said,
                {
                    "properties": dict.fromkeys(SESSION_OPTION_KEYS, True),
                    "additionalProperties": False,
                },
            ]
        )
    description = "The options the rules let through must make a SessionSpec."
    return _part("session-spec", description, said)
