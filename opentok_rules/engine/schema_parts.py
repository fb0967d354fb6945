"""The vocabulary the kinds say their JSON Schema form in: predicates on one option's value,
how the rules before have rewritten an option (``Norm``), the walk through a registry
(``Walk``), and the combinators (``all_of``, ``any_of``, ``implies``, ...).

It imports nothing of the engine but the regular-expression dialect, so every kind (and the
library's coded kinds) may say itself in it while :mod:`~opentok_rules.engine.schema`, which
asks them, stays above them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

import attrs

from opentok_rules.engine._regex import whole_value
from opentok_rules.values import IPV4_OCTET

if TYPE_CHECKING:
    from opentok_rules.values import Combination

#: A JSON Schema: an object, or ``true`` (anything) / ``false`` (nothing).
Schema: TypeAlias = "dict[str, Any] | bool"


class _Marker:
    """A value that stands for something no option value can be; shown by its name."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: The value of an option that is not in the options at all (distinct from ``None``).
ABSENT: Final = _Marker("ABSENT")


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


class Pred:
    """Something said about one option's value, which may be :data:`ABSENT`."""

    def holds(self, value: object) -> bool:
        raise NotImplementedError

    def schema(self) -> Schema:
        """The predicate on a present value, as a schema."""
        raise NotImplementedError


@attrs.frozen
class In(Pred):
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
class Regex:
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
class Text(Pred):
    """The value is a ``str``, of a length within bounds, matching a regular expression."""

    regex: Regex | None = None
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
class Sized(Pred):
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
class Holds(Pred):
    """A plugin kind's constraint on a given value: its own ``holds`` and ``json_schema``."""

    test: Callable[[object], bool]
    said: Schema

    def holds(self, value: object) -> bool:
        if value is ABSENT or value is None:
            return False
        try:
            return bool(self.test(value))
        except Exception:
            return False

    def schema(self) -> Schema:
        return self.said


@attrs.frozen
class Either(Pred):
    """One of two predicates holds."""

    first: Pred
    second: Pred

    def holds(self, value: object) -> bool:
        return self.first.holds(value) or self.second.holds(value)

    def schema(self) -> Schema:
        return any_of([self.first.schema(), self.second.schema()])


@attrs.frozen
class Not(Pred):
    """The predicate does not hold."""

    inner: Pred

    def holds(self, value: object) -> bool:
        return not self.inner.holds(value)

    def schema(self) -> Schema:
        return negated(self.inner.schema())


#: Absent, or given as ``null``: what the rules read as "not given".
NOT_GIVEN = In((ABSENT, None))


def optional(pred: Pred) -> Pred:
    """``pred``, or not given (absent or ``None``)."""
    return Either(NOT_GIVEN, pred)


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


def any_of(schemas: Sequence[Schema]) -> Schema:
    kept: list[Schema] = []
    constants: list[object] = []
    for each in schemas:
        if each is True:
            return True
        values = _constants(each)
        if values is not None:
            constants += [value for value in values if not In(tuple(constants)).holds(value)]
        elif each is not False:
            kept.append(each)
    if constants:
        kept.insert(0, enum_of(constants))
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


def all_of(schemas: Sequence[Schema]) -> Schema:
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


def negated(schema: Schema) -> Schema:
    if isinstance(schema, bool):
        return not schema
    return {"not": schema}


def enum_of(values: Sequence[object]) -> Schema:
    return In(tuple(values)).schema()


# --- How the rules so far have rewritten one option ------------------------------------------


_IDENTITY: Final = _Marker("IDENTITY")


@attrs.frozen
class Norm:
    """What the rules so far make of an option's raw value.

    ``cases`` maps particular raw values (:data:`ABSENT`, ``None``, strings) to what they
    become; every other raw value is left as it is (``rest`` is :data:`_IDENTITY`) or becomes
    the one value ``rest``.
    """

    cases: tuple[tuple[object, object], ...] = ()
    rest: object = _IDENTITY

    #: ``rest`` for "every other raw value is left as it is".
    IDENTITY: ClassVar[object] = _IDENTITY

    def apply(self, raw: object) -> object:
        for case, out in self.cases:
            if _same(raw, case):
                return out
        return raw if self.rest is _IDENTITY else self.rest

    def then(self, after: Norm) -> Norm:
        """This rewriting followed by ``after``."""
        cases = [(case, after.apply(out)) for case, out in self.cases]
        if self.rest is not _IDENTITY:
            return Norm(tuple(cases), after.apply(self.rest))
        seen = [case for case, _ in self.cases]
        cases += [
            (case, out) for case, out in after.cases if not any(_same(case, each) for each in seen)
        ]
        return Norm(tuple(cases), after.rest)


_UNCHANGED = Norm()
#: What ``known-keys`` makes of an option it does not know: it drops it.
_DROPPED = Norm((), ABSENT)


@attrs.define
class Walk:
    """The state of the walk through a registry: how each option has been rewritten so far."""

    norms: dict[str, Norm] = attrs.Factory(dict)
    #: Whether ``known-keys`` has run: every other key is gone from then on.
    unknown_dropped: bool = False
    #: The keys ``known-keys`` kept (set with ``unknown_dropped``).
    kept: frozenset[str] = frozenset()

    def norm(self, key: str) -> Norm:
        if key in self.norms:
            return self.norms[key]
        if self.unknown_dropped and key not in self.kept:
            return _DROPPED
        return _UNCHANGED

    def rewrite(self, key: str, after: Norm) -> None:
        self.norms[key] = self.norm(key).then(after)

    def says(self, key: str, pred: Pred) -> Schema:
        """The options (raw, as a validator sees them) for which ``pred`` holds of ``key``'s
        value as the rules so far have rewritten it."""
        return _preimage(key, pred, self.norm(key))


def _preimage(key: str, pred: Pred, norm: Norm) -> Schema:
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
        rest = all_of([negated(enum_of(cut)), rest])
    value = any_of([enum_of(add), rest]) if add else rest
    if absent_ok:
        return True if value is True else {"properties": {key: value}}
    if value is False:
        return False
    if value is True:
        return {"required": [key]}
    return {"required": [key], "properties": {key: value}}


# --- The rules ---------------------------------------------------------------------------------


class Unexpressed(Exception):
    """A rule the schema cannot say; the message says why."""


def implies(condition: Schema, then: Schema) -> Schema:
    """``if condition then then``, simplified where one side is trivial."""
    if condition is False or then is True:
        return True
    if condition is True:
        return then
    return {"if": condition, "then": then}


#: A dotted-quad IPv4 address, as the rules (and Python's ipaddress) accept one.
IPV4 = Regex(rf"{IPV4_OCTET}(?:\.{IPV4_OCTET}){{3}}")

#: Text that can be written as UTF-8: no lone surrogate. Said on UTF-16 code units, so that
#: it holds alike where a string is code points (Python, ECMA-262 with the "u" flag) and where
#: it is code units (ECMA-262 without it): a pair is one character, a lone half is refused.
UTF8_TEXT = Regex(r"(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*")

GIVEN = Not(NOT_GIVEN)


def combination_schema(combination: Combination, walk: Walk) -> Schema:
    """A combination the service refuses, said as a JSON Schema ``if``/``then`` on the raw
    options (``walk`` is the walk through the rules before)."""
    then = In((combination.value,))
    return implies(
        walk.says(combination.if_key, In((combination.if_value,))),
        walk.says(combination.key, then if combination.must else Not(then)),
    )
