"""The built-in rule kinds: rules said as data (a policy file's ``[[session]]`` tables).

Each kind is a small frozen attrs class that is a rule (``id``, ``description``, ``apply``).
Its fields are the table's fields, so a policy file, a mapping and Python code all build the
same object. Every kind has, besides its own fields:

``id``
    The rule's id; unique in a registry.
``message``
    What a person reads when the rule finds something; by default a sentence naming the key,
    the constraint and the value found. ``{key}`` in it stands for the key at fault.
``severity``
    ``"deny"`` (the default) refuses the options; ``"warn"`` only reports them.
``when``
    A mapping of option keys to a value or a list of values: the rule applies only where every
    listed key holds that value (or one of those values).

Values are compared in their plain form: an enum member as the ``str`` it holds
(``MediaMode.ROUTED`` is ``"routed"``), a ``str`` subclass as its characters. A kind knows the
keys it reads (its own and its ``when``'s) and writes none, and its verdict depends on the
options alone, so a registry skips it where it has nothing to look at and keeps remembering the
specs it let through, as it does for the library's own rules.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar

import attrs

from opentok_rules._messages import short_repr
from opentok_rules.engine._re2 import LinearPattern, UnrunnablePattern, compile_pattern
from opentok_rules.engine.registry import Options, pure_rule
from opentok_rules.errors import SETTLED_TYPES, SEVERITIES, Violation, shown_later
from opentok_rules.values import (
    DEFAULT_LIFETIME,
    MAX_SESSION_ID_LENGTH,
    epoch_seconds,
    is_dotted_quad,
)

if TYPE_CHECKING:
    from opentok_rules.engine.compiler import Writer
    from opentok_rules.engine.schema_parts import Schema, Walk

# The public kinds are exported by opentok_rules.kinds; the rest is the engine's.

#: A value a policy can name: what TOML and JSON hold besides tables and arrays.
Scalar: TypeAlias = "str | bool | int | float"
_SCALARS = (str, bool, int, float)
#: A session id's first character ("1_" or "2_": then the "_" every id has second).
_SESSION_ID_FIRSTS = "12"
#: An IP network as :mod:`ipaddress` parses one.
_AnyNetwork: TypeAlias = "ipaddress.IPv4Network | ipaddress.IPv6Network"


class FieldProblem(ValueError):
    """A kind's field holds a value the kind cannot use; ``field`` names it.

    A policy loader turns it into a :class:`~opentok_rules.PolicyError` naming the file and
    the rule; in Python it is the ``ValueError`` the constructor raises.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def plain(value: object) -> object:
    """``value`` in the plain form kinds compare: a ``str`` enum member or subclass as a ``str``."""
    if isinstance(value, str):
        return value if value.__class__ is str else str.__str__(value)
    if isinstance(value, enum.Enum):
        inner = value.value
        return plain(inner) if isinstance(inner, _SCALARS) else value
    return value


def _same(found: object, wanted: Scalar) -> bool:
    """Whether an option's plain value is the policy's ``wanted`` (no ``True == 1``)."""
    if isinstance(wanted, str):
        return found.__class__ is str and found == wanted
    if isinstance(wanted, bool):
        return found is wanted
    return found.__class__ in (int, float) and found == wanted


def _is_in(found: object, wanted: Sequence[Scalar]) -> bool:
    value = plain(found)
    return any(_same(value, each) for each in wanted)


def _text(value: Scalar) -> str:
    """A policy value as a person reads it in a description: strings bare, booleans lower."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: The characters ``str.splitlines`` breaks a line at, as the escapes that write them.
_LINE_BREAKS = {
    ord(char): char.encode("unicode_escape").decode("ascii")
    for char in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
}


def _got(value: object) -> str:
    return short_repr(plain(value))


#: A default message not made yet: ``(make, *args)``, made as ``make(*args)`` only when the
#: violation's message is read (see :meth:`Violation.deferred`). A kind's ``_problems`` gives
#: one where the text shows the caller's value (the costly part), a plain str elsewhere.
Later: TypeAlias = tuple[Any, ...]
#: What ``_problems`` finds: (field, default message) for each thing wrong.
Problems: TypeAlias = "list[tuple[str | None, str | Later]]"


def _later(rule_id: str, field: str | None, later: Later, severity: str) -> Violation:
    """The violation of a default message made when read, or now where the caller's value
    (``later``'s last item) could change after the call."""
    made = Violation.deferred(rule_id, field, *later, severity=severity)
    if later[-1].__class__ not in SETTLED_TYPES and not isinstance(later[-1], enum.Enum):
        made.message  # noqa: B018 - read now: the text is made and kept
    return made


def _message_of(violation: Violation) -> str:
    return violation.message


def _not_given_text(key: str, value: object) -> str:
    return f"{key} must not be given; got {_got(value)}"


def _not_one_of_text(key: str, values: tuple[Any, ...], value: object) -> str:
    return f"{key} must be one of {', '.join(map(repr, values))}; got {_got(value)}"


def _no_match_text(key: str, pattern: str, value: object) -> str:
    return f"{key} must match {pattern!r}; got {_got(value)}"


def _not_sized_text(key: str, value: object) -> str:
    return f"{key} must be a str or a list; got {_got(value)}"


def _outside_text(key: str, networks: tuple[str, ...], value: object) -> str:
    return f"{key} must be an address in {', '.join(networks)}; got {_got(value)}"


def _not_holding_text(kind: Any, value: object) -> str:
    return f"{kind.key} must be a value that {kind.describe()}; got {_got(value)}"


# Field checks: each raises FieldProblem naming the field, so a policy's error can name it.


def _id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not str or not value:
        raise FieldProblem("id", f"must be a non-empty string; got {short_repr(value)}")


def _optional_message(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (value.__class__ is not str or not value):
        raise FieldProblem("message", f"must be a non-empty string; got {short_repr(value)}")


def _severity(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not str or value not in SEVERITIES:
        raise FieldProblem("severity", f"must be 'deny' or 'warn'; got {short_repr(value)}")


def _key(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not str or not value:
        raise FieldProblem(
            attribute.name, f"must be an option name such as 'media_mode'; got {short_repr(value)}"
        )


def str_tuple(value: object) -> object:
    """A list as a tuple (checked by the validator); anything else, a bare str included, is
    left for the validator to refuse."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def keys_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(each.__class__ is str and each for each in value)
    ):
        raise FieldProblem(
            attribute.name,
            f"must be a non-empty list of option names such as ['archive_name']; "
            f"got {short_repr(value)}",
        )


def _check_scalars(field: str, value: object) -> None:
    if not isinstance(value, tuple) or not value:
        raise FieldProblem(field, f"must be a non-empty list of values; got {short_repr(value)}")
    for each in value:
        if each.__class__ not in _SCALARS:
            raise FieldProblem(
                field,
                f"holds {short_repr(each)} ({type(each).__name__}); values are strings, "
                "numbers or booleans (an enum member is written as its string)",
            )


def _values(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _check_scalars(attribute.name, value)


class When(Mapping[str, tuple[Scalar, ...]]):
    """A rule's ``when``: read-only, option key -> tuple of values, quick to test.

    Per key it keeps the ``str`` values as a set and the others apart (``tests``), so a rule
    tests its condition without building anything per call.
    """

    __slots__ = ("_items", "tests")

    def __init__(self, items: Mapping[str, tuple[object, ...]]) -> None:
        # The values are checked by the kind's validator, which runs next.
        self._items: dict[str, tuple[Scalar, ...]] = dict(items)  # type: ignore[arg-type]
        self.tests = tuple(
            (
                key,
                frozenset(each for each in wanted if isinstance(each, str)),
                tuple(each for each in wanted if not isinstance(each, str)),
            )
            for key, wanted in self._items.items()
            if isinstance(wanted, tuple)
        )

    def __getitem__(self, key: str) -> tuple[Scalar, ...]:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(self._items)


def _frozen_when(value: object) -> object:
    """``when`` as a :class:`When` of key -> tuple of values (checked by the validator)."""
    if not isinstance(value, Mapping):
        return value
    return When(
        {
            key: tuple(plain(each) for each in wanted)
            if isinstance(wanted, (list, tuple))
            else (plain(wanted),)
            for key, wanted in value.items()
        }
    )


def _when(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Mapping):
        raise FieldProblem(
            "when",
            'must be a table of option names and values such as { archive_mode = "always" }; '
            f"got {short_repr(value)}",
        )
    for key, wanted in value.items():
        if key.__class__ is not str or not key:
            raise FieldProblem("when", f"option names are strings; got {short_repr(key)}")
        try:
            _check_scalars(f"when.{key}", wanted)
        except FieldProblem as exc:
            raise FieldProblem("when", f"{key}: {exc.problem}") from None


def _no_when() -> Mapping[str, tuple[Scalar, ...]]:
    return When({})


def _optional_size(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (value.__class__ is not int or value < 0):
        raise FieldProblem(
            attribute.name, f"must be a whole number, 0 or more; got {short_repr(value)}"
        )


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not int or value <= 0:
        raise FieldProblem(
            attribute.name, f"must be a whole number of seconds above 0; got {short_repr(value)}"
        )


@attrs.frozen(kw_only=True)
class Kind:
    """What every kind has: ``id``, ``message``, ``severity``, ``when`` and where it came from.

    A subclass says its ``kind`` name, the keys it reads (``_own_reads``), its constraint in
    words (``_constraint``) and what it finds in the options (``_problems``).
    """

    kind: ClassVar[str] = ""
    #: Kinds never write an option.
    fills: ClassVar[frozenset[str]] = frozenset()
    #: Its verdict depends on the keys in ``reads`` alone: where none of them is given by the
    #: caller (absent, or a default filled in before it), a registry runs it once per set of
    #: keys instead of on every call.
    settles_on_defaults: ClassVar[bool] = True

    id: str = attrs.field(validator=_id)
    message: str | None = attrs.field(default=None, validator=_optional_message)
    severity: str = attrs.field(default="deny", validator=_severity)
    when: Mapping[str, tuple[Scalar, ...]] = attrs.field(
        factory=_no_when, converter=_frozen_when, validator=_when, hash=False
    )
    #: The policy file the rule was read from (``None`` for one made in code or a mapping).
    source: str | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def reads(self) -> frozenset[str]:
        """The option keys this rule looks at: its own and its ``when``'s."""
        return self._own_reads() | frozenset(self.when)

    def applies_to(self, keys: frozenset[str]) -> bool:
        """Whether the rule may have anything to say where ``keys`` may be set (asked by the
        registry once per set of keys, in place of ``reads``).

        With none of its own keys there, a kind finds nothing, whatever its ``when`` says; with
        one there, it runs on every call (its ``when`` may hold or not). So ``when`` keys given
        alone cost nothing, as for a library rule that reads a key only to decide.
        """
        return not self._own_reads().isdisjoint(keys)

    @property
    def description(self) -> str:
        """The rule in words, made from its fields: ``media_mode is one of routed``."""
        text = self._constraint()
        if self.when:
            text += " (when " + self._when_text() + ")"
        # One line whatever the fields hold (a value or pattern may hold a newline): the
        # characters that break a line are written as escapes.
        return text.translate(_LINE_BREAKS)

    def apply(self, options: Options) -> Sequence[Violation]:
        # What it finds first, ``when`` only then: both depend on the options alone, and
        # "nothing to find" (the key absent) is the usual case and the cheaper test.
        found = self._problems(options)
        if not found or (self.when and not self._applies(options)):
            return ()
        return self._violations(found)

    def _violations(self, found: Problems) -> tuple[Violation, ...]:
        message, rule_id, severity = self.message, self.id, self.severity
        if message is not None:
            return tuple(
                Violation(rule_id, field, _own(message, field), severity) for field, _ in found
            )
        # The default texts that show the caller's value are made only if someone reads them.
        return tuple(
            Violation(rule_id, field, default, severity)
            if isinstance(default, str)
            else _later(rule_id, field, default, severity)
            for field, default in found
        )

    def _applies(self, options: Options) -> bool:
        for key, texts, others in self.when.tests:  # type: ignore[attr-defined]
            if key not in options:
                return False
            value = options[key]
            if isinstance(value, str):
                # A str, or an enum member of one: compared as its characters.
                if (value if value.__class__ is str else str.__str__(value)) not in texts:
                    return False
            elif not _is_in(value, others):
                return False
        return True

    def _when_text(self) -> str:
        parts = []
        for key, wanted in self.when.items():
            if len(wanted) == 1:
                parts.append(f"{key} is {_text(wanted[0])}")
            else:
                parts.append(f"{key} is one of {', '.join(map(_text, wanted))}")
        return " and ".join(parts)

    def _own_reads(self) -> frozenset[str]:
        raise NotImplementedError

    def _constraint(self) -> str:
        raise NotImplementedError

    def _problems(self, options: Options) -> Problems:
        """(field, default message) for each thing wrong; empty when the rule holds."""
        raise NotImplementedError

    # ---- the other forms of the constraint: what the compiler and the JSON Schema ask for

    def inline(self, w: Writer, index: int) -> None:
        """Write this rule's lines into a compiled pass (see ``opentok_rules.engine.compiler``).

        Where ``_inline_holds`` proves the rule holds, nothing runs; everywhere else (and
        for a rule with ``when``) the rule's own ``apply`` judges a dict of the keys it reads,
        so its violations and messages are its own.
        """
        tests = [f"not ({holds})"] if (holds := self._inline_holds(w, index)) else []
        # Where a ``when`` surely fails (a plain value or a member not listed), nothing runs.
        for number, (key, wanted) in enumerate(self.when.items()):
            value = w.value_of(index, key)
            texts = frozenset(each for each in wanted if each.__class__ is str)
            listed = w.name(index, f"when{number}", texts)
            # Absent first (the usual case), then a plain str it does not list (the usual
            # value), a bool it does not list (by identity: no ``True == 1``) and the enum
            # members it does not list.
            fails = [f"{value} is None", w.plain_str(index, key, f"_v not in {listed}")]
            fails += [f"{value} is {b}" for b in (True, False) if all(v is not b for v in wanted)]
            fails += [
                f"{value} is {w.name(index, f'when{number}_{other}', member)}"
                for other, member in enumerate(w.members_of(None))
                if str.__str__(member) not in texts
            ]
            tests.append(f"not ({' or '.join(fails)})")
        reads = sorted(self.reads)
        if not tests:
            w.on_own(index, self, reads, [])
            return
        with w.block(f"if {' and '.join(tests)}:"):
            w.on_own(index, self, reads, [])

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        """An expression of the generated code that is true only where the rule surely finds
        nothing (sound, not complete); None when there is none."""
        return None

    def schema_part(self, walk: Walk) -> Schema:
        """The options this rule lets through, as a JSON Schema said about the raw options
        (see ``opentok_rules.engine.schema``); ``when`` becomes an ``if``/``then``. Raises the
        schema's ``Unexpressed`` for a constraint it cannot say."""
        said = self._said(walk)
        if not self.when:
            return said
        from opentok_rules.engine.schema_parts import In, all_of, implies

        condition = all_of([walk.says(key, In(tuple(wanted))) for key, wanted in self.when.items()])
        return implies(condition, said)

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import Unexpressed

        raise Unexpressed(
            f"a rule of kind {self.kind!r}: it decides in its own code, which the schema cannot say"
        )


_K = TypeVar("_K", bound=Kind)
_BUILTIN: dict[str, type[Kind]] = {}
#: The built-in kinds by the name a policy gives them, in the order they are written here.
BUILTIN_KINDS: Mapping[str, type[Kind]] = MappingProxyType(_BUILTIN)


def _builtin_kind(name: str) -> Callable[[type[_K]], type[_K]]:
    """The class decorator of a built-in kind: what each states about itself, written once.

    Its ``kind`` is ``name``; it is entered in :data:`BUILTIN_KINDS` by that name, and it is
    pure (its verdict depends on the options alone). A class that declares no fields of its
    own is made a frozen attrs class here (one that does is decorated with
    ``@attrs.frozen(kw_only=True)`` below this)."""

    def declare(cls: type[_K]) -> type[_K]:
        if "__attrs_attrs__" not in vars(cls):
            cls = attrs.frozen(kw_only=True)(cls)
        cls.kind = name
        _BUILTIN[name] = cls
        return pure_rule(cls)

    return declare


@attrs.frozen(kw_only=True, repr=False)
class CodedKind(Kind):
    """A kind whose constraint is its own code: each of the library's session and token rules.

    Such a kind may normalize (write) the options it reads, and judges them in ``_judge``;
    ``message``, ``severity`` and ``when`` work as for every kind (a ``when`` also gates what
    it writes). It states its keys in ``_READS`` (None: every key) and ``fills``, its
    constraint in words in ``_DESCRIPTION`` (or ``_constraint``), and gives its compiled and
    JSON Schema forms (``inline``, ``schema_part``), which hold for it as the library makes it:
    with a ``when`` it is called as any rule and listed under ``x-unexpressed``.
    """

    #: Relevance is the registry's to work out from ``reads`` and ``fills``: a kind that fills
    #: in a default has work to do where its key is absent.
    applies_to: ClassVar[None] = None  # type: ignore[assignment]
    _READS: ClassVar[frozenset[str] | None] = frozenset()
    _DESCRIPTION: ClassVar[str] = ""

    @property
    def forms_hold(self) -> bool:
        """Whether the class's forms say this rule (they are written for it without ``when``)."""
        return not self.when

    @property
    def direct_apply(self) -> Callable[[Options], Sequence[Violation]]:
        """``apply``, or ``_judge`` itself where ``apply`` would change nothing of it (no
        ``when``, the library's messages, deny): what the compiled pass calls."""
        if self.when or self.message is not None or self.severity != "deny":
            return self.apply
        return self._judge

    def apply(self, options: Options) -> Sequence[Violation]:
        if self.when and not self._applies(options):
            return ()
        found = self._judge(options)
        if not found or (self.message is None and self.severity == "deny"):
            return found
        message, severity = self.message, self.severity
        if message is not None:
            return tuple(
                Violation(each.rule, each.field, _own(message, each.field), severity)
                for each in found
            )
        # The rule's own text, read from its violation only when someone reads this one's.
        return tuple(
            Violation.deferred(each.rule, each.field, _message_of, each, severity=severity)
            for each in found
        )

    def _judge(self, options: Options) -> Sequence[Violation]:
        """What the rule finds (normalizing ``options`` in place), as the library words it."""
        raise NotImplementedError

    def _own_reads(self) -> frozenset[str]:
        return self._READS  # type: ignore[return-value]  # None: reads every key

    @property
    def reads(self) -> frozenset[str] | None:  # type: ignore[override]
        own: frozenset[str] | None = self._own_reads()
        return None if own is None else own | frozenset(self.when)

    def _constraint(self) -> str:
        return self._DESCRIPTION

    def __repr__(self) -> str:
        # Only what differs from the library's rule: ``KnownKeysRule(strict=True)``.
        shown = [
            f"{field.name}={getattr(self, field.name)!r}"
            for field in attrs.fields(type(self))
            if field.repr
            and field.init
            and field.default is not attrs.NOTHING
            and getattr(self, field.name) != _default_of(field, self)
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


def _usual_id(rule: LibraryRule) -> str:
    return type(rule).usual_id


@attrs.frozen(kw_only=True, repr=False)
class LibraryRule(CodedKind):
    """The base of the library's own session and token rules: ``id`` defaults to the rule's
    id in the library, ``usual_id`` (its class name, see :func:`library_rules`)."""

    usual_id: ClassVar[str] = ""

    id: str = attrs.field(default=attrs.Factory(_usual_id, takes_self=True), validator=_id)


@attrs.frozen(kw_only=True, repr=False)
class OptionRule(LibraryRule):
    """The base of a library rule on one option's value, ``key``.

    Absent or ``None`` means ``absent`` (written in; left so when ``absent`` is None); any
    other value becomes its canonical form (``_canonical``), or is refused with ``refusal``,
    a template whose ``{}`` is the caller's value, shown only when someone reads the message.
    A subclass gives the data and ``_canonical``; the verdict is made here.
    """

    key: ClassVar[str]
    #: What an absent or ``None`` value means (None: it stays absent).
    absent: ClassVar[object] = None
    refusal: ClassVar[str] = ""

    def _judge(self, options: Options) -> Sequence[Violation]:
        key = self.key
        value = options.get(key)
        if value is None:
            if self.absent is not None:
                options[key] = self.absent
            return ()
        found = self._canonical(value)
        if found is None:
            return (shown_later(self.id, key, self.refusal, value),)
        if found is not value:
            options[key] = found
        return ()

    def _canonical(self, value: object) -> object:
        """``value`` (given, not ``None``) as the rule leaves it: itself where it is already
        canonical, None where the rule refuses it."""
        raise NotImplementedError


_C = TypeVar("_C", bound=CodedKind)


def _its_key(cls: type) -> tuple[str, ...]:
    """The keys a library rule reads where it names none: its one option, ``key``; none of
    its own for a rule without one (a combination's reads are its own code's)."""
    key: str | None = getattr(cls, "key", None)
    return () if key is None else (key,)


def library_rules(
    kinds: dict[str, type], *, pure: bool = True
) -> Callable[..., Callable[[type[_C]], type[_C]]]:
    """The class decorator of one module's library rules: what every library rule states
    about itself, written once.

    Its usual id (``id``'s default, see :class:`LibraryRule`) is its class name less ``Rule``,
    in kebab case (``MediaModeRule`` is ``media-mode``), unless the class gives ``id`` a
    default of its own; its kind's name is that id with underscores (``media_mode``), and it
    is entered in ``kinds`` by that name, in the order the classes are written; it is pure
    (its outcome depends on the options alone) when ``pure`` says so. A class that declares
    no fields is made a frozen attrs class here (one that does is decorated with
    ``@attrs.frozen(kw_only=True, repr=False)`` below this). The decorator takes the keys it
    ``reads`` (None: every key; none named: its one option, ``key``, if it has one) and
    ``fills`` (default: the keys it reads), and its constraint in words, ``description``
    (where it gives no ``_constraint``)."""

    def library_rule(
        *,
        reads: Iterable[str] | None = (),
        fills: Iterable[str] | None = None,
        description: str | None = None,
    ) -> Callable[[type[_C]], type[_C]]:
        def declare(cls: type[_C]) -> type[_C]:
            if "__attrs_attrs__" not in vars(cls):
                cls = attrs.frozen(kw_only=True, repr=False)(cls)
            usual = attrs.fields(cls).id.default
            if not isinstance(usual, str):
                usual = _kind_name(cls.__name__.removesuffix("Rule")).replace("_", "-")
            if issubclass(cls, LibraryRule):
                cls.usual_id = usual
            cls.kind = usual.replace("-", "_")
            keys = None if reads is None else (tuple(reads) or _its_key(cls))
            cls._READS = None if keys is None else frozenset(keys)
            cls.fills = frozenset((keys or ()) if fills is None else fills)
            if description is not None:
                cls._DESCRIPTION = description
            kinds[cls.kind] = cls
            return pure_rule(cls) if pure else cls

        return declare

    return library_rule


def _default_of(field: attrs.Attribute[Any], instance: object) -> object:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:  # type: ignore[union-attr]
            return default.factory(instance)  # type: ignore[union-attr]
        return default.factory()  # type: ignore[union-attr]
    return default


def _own(message: str, field: str | None) -> str:
    """A rule's own ``message``, ``{key}`` in it naming the key at fault (``required`` and
    ``forbidden`` name several keys, and a message per key says which one)."""
    return message if field is None else message.replace("{key}", field)


@attrs.frozen(kw_only=True, repr=False)
class _OnKeys(Kind):
    """The base of a kind on several options, ``keys``."""

    keys: tuple[str, ...] = attrs.field(converter=str_tuple, validator=keys_field)

    def _own_reads(self) -> frozenset[str]:
        return frozenset(self.keys)

    def _are(self, what: str) -> str:
        """``location and e2ee are {what}`` (``is`` for one key)."""
        return f"{_names(self.keys)} {'is' if len(self.keys) == 1 else 'are'} {what}"


@attrs.frozen(kw_only=True, repr=False)
class _OnKey(Kind):
    """The base of a kind on one option's value, ``key``: absent or ``None`` is not judged."""

    key: str = attrs.field(validator=_key)

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _problems(self, options: Options) -> Problems:
        value = options.get(self.key)
        problem = None if value is None else self._problem(value)
        return [] if problem is None else [(self.key, problem)]

    def _problem(self, value: object) -> str | Later | None:
        """The default message for ``value`` (given, not ``None``); None where it holds."""
        raise NotImplementedError

    def _absent_or(self, w: Writer, index: int, test: str) -> str:
        """The compiled test: the value is absent, or a plain str that passes ``test`` (an
        expression of ``_v``)."""
        return f"{w.value_of(index, self.key)} is None or ({w.plain_str(index, self.key, test)})"


def _given(options: Options, key: str) -> bool:
    return options.get(key) is not None


def _names(keys: Iterable[str]) -> str:
    keys = list(keys)
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]


def _every_key(w: Writer, index: int, keys: Iterable[str], test: str) -> str:
    """The generated code's test that every one of ``keys`` passes ``test``."""
    return " and ".join(f"{w.value_of(index, key)} {test}" for key in keys)


def _keys_said(walk: Walk, keys: Iterable[str], given: bool) -> Schema:
    """Every one of ``keys`` given (or none of them), as a schema."""
    from opentok_rules.engine.schema_parts import GIVEN, NOT_GIVEN, all_of

    return all_of([walk.says(key, GIVEN if given else NOT_GIVEN) for key in keys])


@_builtin_kind("required")
class Required(_OnKeys):
    """Every one of ``keys`` is given (present and not ``None``)."""

    def applies_to(self, keys: frozenset[str]) -> bool:
        # A missing key is what this kind reports, so its own keys being absent does not mean
        # "nothing to do". It has nothing to do only where its ``when`` cannot hold: a key
        # ``when`` names is not there at all.
        return frozenset(self.when) <= keys

    def apply(self, options: Options) -> Sequence[Violation]:
        get = options.get
        for key in self.keys:
            if get(key) is None:
                return Kind.apply(self, options)
        return ()  # every key given: the usual case, settled without a list

    def _constraint(self) -> str:
        return self._are("given")

    def _problems(self, options: Options) -> Problems:
        return [(key, f"{key} must be given") for key in self.keys if not _given(options, key)]

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        return _every_key(w, index, self.keys, "is not None")

    def _said(self, walk: Walk) -> Schema:
        return _keys_said(walk, self.keys, given=True)


@_builtin_kind("forbidden")
class Forbidden(_OnKeys):
    """None of ``keys`` is given."""

    def apply(self, options: Options) -> Sequence[Violation]:
        # Written out (not Kind.apply's steps): a library rule is this kind, and this runs on
        # many prepare_session calls. None of the keys given is the usual case.
        get = options.get
        for key in self.keys:
            if get(key) is not None:
                break
        else:
            return ()
        if self.when and not self._applies(options):
            return ()
        message = self.message
        if message is None:
            return self._violations(self._problems(options))
        rule_id, severity = self.id, self.severity
        return tuple(
            Violation(rule_id, key, message.replace("{key}", key), severity)
            for key in self.keys
            if get(key) is not None
        )

    def _constraint(self) -> str:
        return self._are("not given")

    def _problems(self, options: Options) -> Problems:
        # The value is rendered only for the default message (it is the costly part).
        own = self.message is not None
        return [
            (key, "" if own else (_not_given_text, key, options[key]))
            for key in self.keys
            if _given(options, key)
        ]

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        return _every_key(w, index, self.keys, "is None")

    def inline(self, w: Writer, index: int) -> None:
        # With its own message and a ``when`` of texts, each key's refusal is one fixed
        # violation where the ``when`` surely holds (a plain str or member listed there).
        texts = [
            (key, [v for v in wanted if v.__class__ is str]) for key, wanted in self.when.items()
        ]
        if self.message is None or not texts or not all(listed for _, listed in texts):
            Kind.inline(self, w, index)
            return
        holds = []
        for number, (key, listed) in enumerate(texts):
            value, names = (
                w.value_of(index, key),
                w.name(index, f"holds{number}", frozenset(listed)),
            )
            members = [
                w.name(index, f"holds{number}_{n}", m) for n, m in enumerate(w.members_of(listed))
            ]
            # A plain str first (the usual value), then the members by identity.
            tests = [w.plain_str(index, key, f"_v in {names}")]
            tests += [f"{value} is {member}" for member in members]
            holds.append("(" + " or ".join(tests) + ")")
        with w.block(f"if not ({self._inline_holds(w, index)}):"):
            with w.block(f"if {' and '.join(holds)}:"):
                for number, key in enumerate(self.keys):
                    refusal = Violation(self.id, key, _own(self.message, key), self.severity)
                    with w.block(f"if {w.value_of(index, key)} is not None:"):
                        w.found(w.name(index, f"refusal{number}", refusal))
            with w.block("else:"):
                Kind.inline(self, w, index)

    def _said(self, walk: Walk) -> Schema:
        return _keys_said(walk, self.keys, given=False)


@_builtin_kind("allowed")
@attrs.frozen(kw_only=True)
class Allowed(_OnKey):
    """``key`` is absent or its value is one of ``values``."""

    values: tuple[Scalar, ...] = attrs.field(converter=str_tuple, validator=_values)
    # The str values as a set: an allowed str (the usual case) is settled by one lookup.
    _texts: frozenset[str] = attrs.field(
        init=False,
        repr=False,
        eq=False,
        default=attrs.Factory(
            lambda self: (
                frozenset(each for each in self.values if isinstance(each, str))
                if isinstance(self.values, tuple)
                else frozenset()
            ),
            takes_self=True,
        ),
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get(self.key)
        if value is None or (value.__class__ is str and value in self._texts):
            return ()
        if value is True or value is False:
            for each in self.values:
                if each is value:
                    return ()
        return Kind.apply(self, options)

    def _constraint(self) -> str:
        return f"{self.key} is one of {', '.join(map(_text, self.values))}"

    def _problem(self, value: object) -> str | Later | None:
        return (
            None if _is_in(value, self.values) else (_not_one_of_text, self.key, self.values, value)
        )

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        texts = frozenset(value for value in self.values if value.__class__ is str)
        value = w.value_of(index, self.key)
        parts = [f"{value} is None"]
        if texts:
            parts.append(w.plain_str(index, self.key, f"_v in {w.name(index, 'texts', texts)}"))
        # Enum members the options may hold compare as the str they hold: by identity.
        for number, member in enumerate(w.members_of(texts)):
            parts.append(f"{value} is {w.name(index, f'member{number}', member)}")
        # A bool allowed, by identity as apply compares it.
        parts += [f"{value} is {b}" for b in (True, False) if any(v is b for v in self.values)]
        return " or ".join(parts)

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import In, optional

        return walk.says(self.key, optional(In(tuple(self.values))))


def _compiled(self: Pattern) -> LinearPattern:
    # Made while __init__ runs, before validators do: the check is here, not in a validator.
    # RE2 (engine._re2, which imports it with the first pattern): linear in the text, whatever
    # the pattern.
    value: object = self.pattern
    if value.__class__ is not str:
        raise FieldProblem(
            "pattern", f"must be a regular expression string; got {short_repr(value)}"
        )
    try:
        return compile_pattern(self.pattern)
    except UnrunnablePattern as exc:
        raise FieldProblem("pattern", str(exc)) from None
    except ImportError as exc:
        raise FieldProblem(
            "pattern",
            f"patterns run with Google's RE2, which cannot be imported ({exc}); "
            "pip install google-re2",
        ) from None


@_builtin_kind("pattern")
@attrs.frozen(kw_only=True)
class Pattern(_OnKey):
    """``key`` is absent or its ``str`` value matches the whole ``pattern``, run with RE2 in
    time linear in the value (its syntax: :doc:`/policies`)."""

    pattern: str = attrs.field()
    _regex: LinearPattern = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_compiled, takes_self=True)
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get(self.key)
        if value is None or (value.__class__ is str and self._regex.fullmatch(value)):
            return ()  # absent, or a plain str that matches: settled without a list
        return Kind.apply(self, options)

    def _constraint(self) -> str:
        return f"{self.key} matches {self.pattern}"

    def _problem(self, value: object) -> str | Later | None:
        text = plain(value)
        if isinstance(text, str) and self._regex.fullmatch(text) is not None:
            return None
        return (_no_match_text, self.key, self.pattern, value)

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        match = w.name(index, "fullmatch", self._regex.fullmatch)
        return self._absent_or(w, index, f"{match}(_v) is not None")

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine._regex import unshared
        from opentok_rules.engine.schema_parts import Regex, Text, Unexpressed, optional

        problem = unshared(self.pattern)
        if problem is not None:
            # The rule works, in Python; only its export would not say the same in JavaScript.
            raise Unexpressed(
                f"its pattern {self.pattern!r} is outside what Python and ECMA-262 "
                f"read alike: {problem}"
            )
        return walk.says(self.key, optional(Text(Regex(self.pattern, self._regex.fullmatch))))


def _min_max(rule: str) -> Callable[[Any, attrs.Attribute[Any], object], None]:
    """The validator of a ``min``/``max`` pair: one of them given, in order (``rule`` names
    what kind of rule it is, for the message)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if instance.min is None and instance.max is None:
            raise FieldProblem("max", f"give min, max or both ({rule} with neither says nothing)")
        if instance.min is not None and instance.max is not None and instance.min > instance.max:
            raise FieldProblem("max", f"is {instance.max}, below min ({instance.min})")

    return check


_bounds = _min_max("a length rule")


def _within(low: float | None, high: float | None) -> str:
    """``3 to 40``, ``at least 3`` or ``at most 40``: a min/max pair (one given) in words."""
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if high is None else f"at most {high}"


@_builtin_kind("length")
@attrs.frozen(kw_only=True)
class Length(_OnKey):
    """``key`` is absent or its length (of a ``str``, or a list) is within ``min`` and ``max``."""

    min: int | None = attrs.field(default=None, validator=_optional_size)
    max: int | None = attrs.field(default=None, validator=[_optional_size, _bounds])

    def _constraint(self) -> str:
        return f"{self.key} is {_within(self.min, self.max)} long"

    def _problem(self, value: object) -> str | Later | None:
        value = plain(value)
        if isinstance(value, str):
            size, unit = len(value), "characters"
        elif isinstance(value, (list, tuple)):
            size, unit = len(value), "items"
        else:
            return (_not_sized_text, self.key, value)
        if (self.min is None or size >= self.min) and (self.max is None or size <= self.max):
            return None
        return f"{self.key} must be {_within(self.min, self.max)} {unit} long; it is {size}"

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        low = "" if self.min is None else f"{w.name(index, 'min', self.min)} <= "
        high = "" if self.max is None else f" <= {w.name(index, 'max', self.max)}"
        return self._absent_or(w, index, f"{low}len(_v){high}")

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import Sized, optional

        return walk.says(self.key, optional(Sized(self.min, self.max)))


def _parse_network(text: object) -> _AnyNetwork:
    if text.__class__ is not str:
        raise FieldProblem(
            "networks", f"networks are strings such as '10.0.0.0/8'; got {short_repr(text)}"
        )
    try:
        return ipaddress.ip_network(text)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise FieldProblem(
                "networks", f"{text!r:.60} is not a network in CIDR form such as '10.0.0.0/8'"
            ) from exc
        raise FieldProblem(
            "networks", f"{text!r} has host bits set; did you mean {str(loose)!r}?"
        ) from exc


def _parsed(self: Network) -> tuple[_AnyNetwork, ...]:
    # Made while __init__ runs, before validators do: the check is here, not in a validator.
    value: object = self.networks
    if not isinstance(value, tuple) or not value:
        raise FieldProblem(
            "networks", f"must be a non-empty list such as ['10.0.0.0/8']; got {short_repr(value)}"
        )
    return tuple(_parse_network(each) for each in value)


@_builtin_kind("network")
@attrs.frozen(kw_only=True)
class Network(_OnKey):
    """``key`` is absent or the IP address it holds lies in one of ``networks`` (CIDR)."""

    networks: tuple[str, ...] = attrs.field(converter=str_tuple)
    _parsed: tuple[_AnyNetwork, ...] = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_parsed, takes_self=True)
    )

    def _constraint(self) -> str:
        return f"{self.key} lies in {', '.join(self.networks)}"

    def _problem(self, value: object) -> str | Later | None:
        address = _address(value)
        if address is not None and any(address in network for network in self._parsed):
            return None
        return (_outside_text, self.key, tuple(self.networks), value)

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        inside = w.name(index, "inside", _ipv4_inside(self._parsed))
        return self._absent_or(w, index, f"{inside}(_v)")

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine._regex import ipv4_network
        from opentok_rules.engine.schema_parts import Regex, Text, Unexpressed, optional

        if not all(isinstance(each, ipaddress.IPv4Network) for each in self._parsed):
            raise Unexpressed(
                "it names an IPv6 network, whose addresses (with their many spellings) have "
                "no pattern here"
            )
        body = "|".join(ipv4_network(each) for each in self._parsed)  # type: ignore[arg-type]
        return walk.says(self.key, optional(Text(Regex(body))))


def _ipv4_inside(networks: Iterable[_AnyNetwork]) -> Callable[[str], bool]:
    """A test that a dotted quad lies in one of the IPv4 ``networks``; False for any other text.

    For the strict dotted quads it accepts (no leading zeros, as ``ipaddress`` reads them)
    it decides as ``ip_address(text) in network`` does, without making an address object. An
    IPv4 address never lies in an IPv6 network.
    """
    masks = tuple(
        (int(each.netmask), int(each.network_address))
        for each in networks
        if isinstance(each, ipaddress.IPv4Network)
    )

    def inside(text: str) -> bool:
        if not is_dotted_quad(text):
            return False
        first, second, third, fourth = text.split(".")  # four ASCII numbers of 0 to 255
        number = (int(first) << 24) | (int(second) << 16) | (int(third) << 8) | int(fourth)
        return any(number & mask == network for mask, network in masks)

    return inside


def _address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if not isinstance(value, str):
        return None  # ipaddress would read an int as an address; an option never means that
    try:
        return ipaddress.ip_address(plain(value))  # type: ignore[arg-type]
    except ValueError:
        return None


@_builtin_kind("max_ttl")
@attrs.frozen(kw_only=True)
class MaxTTL(Kind):
    """Tokens only: the token expires at most ``seconds`` after it is made."""

    seconds: int = attrs.field(validator=_positive)

    def _own_reads(self) -> frozenset[str]:
        return frozenset(("expire_time", "now"))

    def _constraint(self) -> str:
        return f"the token expires at most {self.seconds} seconds after it is made"

    def _problems(self, options: Options) -> Problems:
        now = options.get("now")
        if now.__class__ not in (int, float):
            return []  # not a token's options (prepare_token always puts the time there)
        issued = int(now)
        value = options.get("expire_time")
        expires = issued + DEFAULT_LIFETIME if value is None else epoch_seconds(value)
        if isinstance(expires, str):
            return []  # not a time at all: token-expire-time says so
        lifetime = expires - issued
        if lifetime <= self.seconds:
            return []
        message = (
            f"the token would live {lifetime} seconds; at most {self.seconds} are allowed "
            f"(pass expire_time at most {self.seconds} seconds from now)"
        )
        return [("expire_time", message)]

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import Unexpressed

        raise Unexpressed("a token rule: it judges a token's lifetime, not session options")


def _kind_name(class_name: str) -> str:
    """``ArchivePrefix`` -> ``archive_prefix``: a ValueKind's name when it says none."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


@attrs.frozen(kw_only=True)
class ValueKind(_OnKey):
    """A kind on one option's value, defined once by :meth:`holds`.

    A subclass (an attrs class) adds its own fields and defines ``holds(value)``, and
    optionally ``describe()`` (the constraint in words) and ``json_schema()`` (the value's
    JSON Schema). ``key``, ``id``, ``message``, ``severity``, ``when``, absence (an absent or
    ``None`` value is not judged), the default message, the compiled form and the JSON
    Schema's ``if``/``then`` and ``x-rule-id`` come from this base. Its ``kind`` name (what
    ``opentok-rules rules`` shows) is the class name in snake case unless it sets one.
    """

    #: Its forms are made from ``holds`` and ``json_schema``: they hold for a subclass too.
    FORMS_FOR_SUBCLASSES: ClassVar[bool] = True

    #: The ``holds`` that ``_holds_inline`` writes out (None: none is).
    _HOLDS_WRITTEN: ClassVar[Callable[..., bool] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" not in vars(cls):
            cls.kind = _kind_name(cls.__name__)
        if "_holds_inline" in vars(cls):
            cls._HOLDS_WRITTEN = cls.holds

    def holds(self, value: object) -> bool:
        """Whether the constraint holds of ``value``: called only when the key is given (not
        ``None``), with the value in its plain form (an enum member as its ``str``)."""
        raise NotImplementedError(f"{type(self).__name__} must define holds(value)")

    def describe(self) -> str:
        """The constraint in words, after the key's name: ``starts with 'acme-'``."""
        return f"holds for {type(self).__name__}"

    def json_schema(self) -> dict[str, Any] | None:
        """The JSON Schema of a value that holds (given, not ``None``); None when there is
        none, and the rule is listed under ``x-unexpressed``."""
        return None

    def _constraint(self) -> str:
        return f"{self.key} {self.describe()}"

    def _problem(self, value: object) -> str | Later | None:
        return None if self.holds(plain(value)) else (_not_holding_text, self, value)

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        if type(self).holds is type(self)._HOLDS_WRITTEN:
            return self._holds_inline(w, index)
        # Called directly on the value: no dict, no apply, where the value holds.
        holds, to_plain = w.name(index, "holds", self.holds), w.name(index, "plain", plain)
        value = w.value_of(index, self.key)
        plain_value = f"({value} if {value}.__class__ is str else {to_plain}({value}))"
        return f"{value} is None or {holds}{plain_value}"

    def _holds_inline(self, w: Writer, index: int) -> str:
        """A built-in kind's ``holds`` written out in the compiled pass (a call costs as much
        as the test): the test that the value is absent or holds. Used only where ``holds`` is
        the class's own (a subclass that redefines it is called on the value)."""
        raise NotImplementedError

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import Holds, Unexpressed, optional

        schema = self.json_schema()
        if schema is None:
            raise Unexpressed(
                f"a rule of kind {self.kind!r}: its json_schema() gives none, so the schema "
                "cannot say it"
            )
        return walk.says(self.key, optional(Holds(self.holds, schema)))


#: What ``type = "..."`` names: the plain types an option's value may be, and how JSON says each.
_TYPES: Mapping[str, tuple[tuple[type, ...], str, str]] = MappingProxyType(
    {
        "bool": ((bool,), "true or false", "boolean"),
        "str": ((str,), "a str", "string"),
        "int": ((int,), "a whole number", "integer"),
        "number": ((int, float), "a number", "number"),
        "list": ((list, tuple), "a list", "array"),
        "table": ((dict,), "a table (a dict)", "object"),
    }
)


def _type_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not str or value not in _TYPES:
        raise FieldProblem(
            "type", f"must be one of {', '.join(map(repr, _TYPES))}; got {short_repr(value)}"
        )


def _is_number(value: object) -> bool:
    return value.__class__ in (int, float)


@_builtin_kind("type")
@attrs.frozen(kw_only=True)
class Type(ValueKind):
    """``key`` is absent or its value is of ``type``: ``"bool"``, ``"str"``, ``"int"`` (a whole
    number, as JSON reads one: ``3`` and ``3.0`` alike), ``"number"``, ``"list"`` or
    ``"table"``. A bool is never a number."""

    type: str = attrs.field(validator=_type_name)

    def holds(self, value: object) -> bool:
        if self.type == "int":
            return value.__class__ is int or (isinstance(value, float) and value.is_integer())
        if self.type == "number":
            return _is_number(value)
        return value.__class__ in _TYPES[self.type][0]

    def describe(self) -> str:
        return f"is {_TYPES[self.type][1]}"

    def _holds_inline(self, w: Writer, index: int) -> str:
        # The value's exact class, one test (an int for "int": a whole float is the rule's).
        value = w.value_of(index, self.key)
        if self.type == "bool":
            # A bool is True or False (the class has no other instance): identity tests,
            # True first (the value a default usually leaves), and no attribute read.
            return f"{value} is True or {value} is False or {value} is None"
        classes = (int,) if self.type == "int" else _TYPES[self.type][0]
        if len(classes) == 1:
            return f"{value} is None or {value}.__class__ is {w.name(index, 'type', classes[0])}"
        return f"{value} is None or {value}.__class__ in {w.name(index, 'types', classes)}"

    def json_schema(self) -> dict[str, Any] | None:
        return {"type": _TYPES[self.type][2]}


def _bound(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (_is_number(value) and value == value):
        raise FieldProblem(attribute.name, f"must be a number; got {short_repr(value)}")


_bounds_given = _min_max("a range")


@_builtin_kind("range")
@attrs.frozen(kw_only=True)
class Range(ValueKind):
    """``key`` is absent or a number (not a bool) within ``min`` and ``max``, both included."""

    min: int | float | None = attrs.field(default=None, validator=_bound)
    max: int | float | None = attrs.field(default=None, validator=[_bound, _bounds_given])

    def holds(self, value: object) -> bool:
        return (
            _is_number(value)
            and (self.min is None or self.min <= value)  # type: ignore[operator]
            and (self.max is None or value <= self.max)  # type: ignore[operator]
        )

    def describe(self) -> str:
        both = self.min is not None and self.max is not None
        return f"is a number {'from' if both else 'of'} {_within(self.min, self.max)}"

    def _holds_inline(self, w: Writer, index: int) -> str:
        # A plain int within the bounds, compared inline; anything else is the rule's.
        value = w.value_of(index, self.key)
        low = "" if self.min is None else f"{w.name(index, 'min', self.min)} <= "
        high = "" if self.max is None else f" <= {w.name(index, 'max', self.max)}"
        return f"{value} is None or ({value}.__class__ is int and {low}{value}{high})"

    def json_schema(self) -> dict[str, Any] | None:
        found: dict[str, Any] = {"type": "number"}
        if self.min is not None:
            found["minimum"] = self.min
        if self.max is not None:
            found["maximum"] = self.max
        return found


def _default_value(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ not in _SCALARS:
        raise FieldProblem(
            attribute.name, f"must be a string, a number or a boolean; got {short_repr(value)}"
        )


@attrs.frozen(kw_only=True, repr=False)
class _Rewrites(_OnKey, CodedKind):
    """The base of a kind that rewrites its one option, ``key``, in place."""

    @property
    def fills(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset((self.key,))


@_builtin_kind("default")
@attrs.frozen(kw_only=True, repr=False)
class Default(_Rewrites):
    """``key`` absent or ``None`` becomes ``value``; a value given is left as it is."""

    value: str | bool | int | float = attrs.field(validator=_default_value)

    def _constraint(self) -> str:
        return f"{self.key} absent or None means {_text(self.value)}"

    def _judge(self, options: Options) -> Sequence[Violation]:
        if options.get(self.key) is None:
            options[self.key] = self.value
        return ()

    def inline(self, w: Writer, index: int) -> None:
        # The compiler gives it only an option the pass holds in a local (see Writer._fits).
        value = w.name(index, "value", self.value)
        with w.block(f"if {self.key} is None:"):
            w.line(f"{self.key} = {value}")
        w.facts.wrote(self.key, adds=index)

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import ABSENT, Norm

        walk.rewrite(self.key, Norm(((ABSENT, self.value), (None, self.value))))
        return True


def _canonical(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else value


def _mapping(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dict) or not all(
        key.__class__ is str and each.__class__ in _SCALARS for key, each in value.items()
    ):
        raise FieldProblem(
            "map",
            'must be a table of values and what each means, such as { ROUTED = "routed" }; '
            f"got {short_repr(value)}",
        )


def _otherwise(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _default_value(instance, attribute, value)


@_builtin_kind("normalize")
@attrs.frozen(kw_only=True, repr=False)
class Normalize(_Rewrites):
    """``key``'s value, given as text, mapped to a canonical one: a text in ``map`` becomes what
    it maps to; a canonical value (one of ``map``'s values) stays; any other given value
    becomes ``otherwise`` when there is one (``otherwise = "relayed"``: anything but "routed"
    means relayed), and stays as it is when there is none. Absent or ``None`` is left alone.
    """

    map: dict[str, str | bool | int | float] = attrs.field(
        factory=dict, converter=_canonical, validator=_mapping
    )
    otherwise: str | bool | int | float | None = attrs.field(default=None, validator=_otherwise)

    def _constraint(self) -> str:
        pairs = [f"{key} means {_text(value)}" for key, value in self.map.items()]
        if self.otherwise is not None:
            pairs.append(f"any other value means {_text(self.otherwise)}")
        return f"{self.key}: " + ("; ".join(pairs) if pairs else "left as it is")

    def _judge(self, options: Options) -> Sequence[Violation]:
        value = options.get(self.key)
        if value is None:
            return ()
        found = plain(value)
        if found.__class__ is str and found in self.map:
            options[self.key] = self.map[found]
        elif self.otherwise is not None and not any(
            _same(found, each) for each in self.map.values()
        ):
            options[self.key] = self.otherwise
        return ()

    def schema_part(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import ABSENT, Norm

        cases: list[tuple[object, object]] = [(ABSENT, ABSENT), (None, None)]
        cases += list(self.map.items())
        cases += [(each, each) for each in self.map.values()]
        rest = Norm.IDENTITY if self.otherwise is None else self.otherwise
        walk.rewrite(self.key, Norm(tuple(cases), rest))
        return True


#: The bytes of a base64url text with "-" and "_" read as "a" (SessionId: then isalnum).
_B64URL_AS_ALNUM = bytes.maketrans(b"-_", b"aa")


@_builtin_kind("session_id")
class SessionId(ValueKind):
    """``key`` is absent or a session id in the service's form: ``"1_"`` or ``"2_"`` and
    base64url text, at most 255 characters in all (the form ``opentok_rules.session_ids``
    reads)."""

    def holds(self, value: object) -> bool:
        if (
            value.__class__ is not str
            or not 3 <= len(value) <= MAX_SESSION_ID_LENGTH
            or value[1] != "_"
            or value[0] not in _SESSION_ID_FIRSTS
        ):
            return False
        # Base64url: ASCII letters and digits, "-" and "_". isascii first (a flag of the str:
        # no loop), then the bytes with "-" and "_" read as letters, isalnum on bytes being a
        # table lookup per byte (str.isalnum asks the Unicode database for every character).
        # The prefix ("1_" or "2_", tested above) passes too, so the whole id is tested.
        return value.isascii() and value.encode().translate(_B64URL_AS_ALNUM).isalnum()

    def describe(self) -> str:
        return "is a session id: '1_' or '2_' and base64url text, at most 255 characters"

    def _holds_inline(self, w: Writer, index: int) -> str:
        # ``holds`` itself, on a plain str, written inline (a call costs as much as the test).
        value = w.value_of(index, self.key)
        most = w.name(index, "most", MAX_SESSION_ID_LENGTH)
        firsts = w.name(index, "firsts", _SESSION_ID_FIRSTS)
        table = w.name(index, "alnum", _B64URL_AS_ALNUM)
        # Two indexings, not a slice: value[i] of an ASCII str is a cached one-character str,
        # value[:2] a new one, hashed to be looked up.
        return (
            f"{value} is None or ({value}.__class__ is str and 3 <= len({value}) <= {most} "
            f"and {value}[1] == '_' and {value}[0] in {firsts} and {value}.isascii() "
            f"and {value}.encode().translate({table}).isalnum())"
        )

    def json_schema(self) -> dict[str, Any] | None:
        body = MAX_SESSION_ID_LENGTH - 2
        return {"type": "string", "pattern": f"^[12]_[A-Za-z0-9_-]{{1,{body}}}$"}


@_builtin_kind("exclusive")
class Exclusive(_OnKeys):
    """At most one of ``keys`` is given (present and not ``None``)."""

    def _constraint(self) -> str:
        return f"at most one of {_names(self.keys)} is given"

    def _problems(self, options: Options) -> Problems:
        given = [key for key in self.keys if _given(options, key)]
        if len(given) < 2:
            return []
        return [(None, f"{_names(given)} cannot be given together; give only one of them")]

    def _inline_holds(self, w: Writer, index: int) -> str | None:
        values = [w.value_of(index, key) for key in self.keys]
        if len(values) == 2:
            return f"{values[0]} is None or {values[1]} is None"
        return f"({', '.join(values)}).count(None) >= {len(values) - 1}"

    def _said(self, walk: Walk) -> Schema:
        from opentok_rules.engine.schema_parts import GIVEN, all_of, negated

        keys = list(self.keys)
        return all_of(
            [
                negated(all_of([walk.says(first, GIVEN), walk.says(second, GIVEN)]))
                for index, first in enumerate(keys)
                for second in keys[index + 1 :]
            ]
        )
