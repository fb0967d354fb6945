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
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

import attrs

from opentok_rules._messages import closest_hint, short_repr, shown
from opentok_rules.engine._re2 import LinearPattern, UnrunnablePattern, compile_pattern
from opentok_rules.engine.registry import MAX_REPORTED, Options, _pure
from opentok_rules.errors import SEVERITIES, Violation

__all__ = [
    "BUILTIN_KINDS",
    "Allowed",
    "Default",
    "Exclusive",
    "FieldProblem",
    "Forbidden",
    "Kind",
    "KnownKeys",
    "Length",
    "MaxTTL",
    "Network",
    "Pattern",
    "Range",
    "Required",
    "Scalar",
    "Type",
    "plain",
]

#: A value a policy can name: what TOML and JSON hold besides tables and arrays.
Scalar: TypeAlias = "str | bool | int | float"
_SCALARS = (str, bool, int, float)
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


def _str_tuple(value: object) -> object:
    """A list of names as a tuple (checked by the validator); a bare str is left to refuse."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _keys(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
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


def _scalar_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, (list, tuple)) else value


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


def _frozen_when(value: object) -> object:
    """``when`` as a read-only mapping of key -> tuple of values (checked by the validator)."""
    if not isinstance(value, Mapping):
        return value
    return MappingProxyType(
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
    return MappingProxyType({})


def _when_tests(self: Kind) -> tuple[tuple[str, frozenset[str], tuple[Scalar, ...]], ...]:
    when: object = self.when
    if not isinstance(when, Mapping):
        return ()  # refused by the validator, which runs next
    return tuple(
        (
            key,
            frozenset(each for each in wanted if isinstance(each, str)),
            tuple(each for each in wanted if not isinstance(each, str)),
        )
        for key, wanted in when.items()
        if isinstance(wanted, tuple)
    )


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
    # ``when`` made quick to test: per key, the str values as a set, and the others.
    _when_tests: tuple[tuple[str, frozenset[str], tuple[Scalar, ...]], ...] = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_when_tests, takes_self=True)
    )

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

    def _violations(self, found: list[tuple[str | None, str]]) -> tuple[Violation, ...]:
        message, rule_id, severity = self.message, self.id, self.severity
        return tuple(
            Violation(
                rule_id, field, default if message is None else _own(message, field), severity
            )
            for field, default in found
        )

    def _applies(self, options: Options) -> bool:
        for key, texts, others in self._when_tests:
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

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        """(field, default message) for each thing wrong; empty when the rule holds."""
        raise NotImplementedError


def _own(message: str, field: str | None) -> str:
    """A rule's own ``message``, ``{key}`` in it naming the key at fault (``required`` and
    ``forbidden`` name several keys, and a message per key says which one)."""
    return message if field is None else message.replace("{key}", field)


def _given(options: Options, key: str) -> bool:
    return options.get(key) is not None


def _names(keys: Iterable[str]) -> str:
    keys = list(keys)
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]


@_pure
@attrs.frozen(kw_only=True)
class Required(Kind):
    """Every one of ``keys`` is given (present and not ``None``)."""

    kind: ClassVar[str] = "required"

    keys: tuple[str, ...] = attrs.field(converter=_str_tuple, validator=_keys)

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

    def _own_reads(self) -> frozenset[str]:
        return frozenset(self.keys)

    def _constraint(self) -> str:
        return f"{_names(self.keys)} {'is' if len(self.keys) == 1 else 'are'} given"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        return [(key, f"{key} must be given") for key in self.keys if not _given(options, key)]


@_pure
@attrs.frozen(kw_only=True)
class Forbidden(Kind):
    """None of ``keys`` is given."""

    kind: ClassVar[str] = "forbidden"

    keys: tuple[str, ...] = attrs.field(converter=_str_tuple, validator=_keys)

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

    def _own_reads(self) -> frozenset[str]:
        return frozenset(self.keys)

    def _constraint(self) -> str:
        return f"{_names(self.keys)} {'is' if len(self.keys) == 1 else 'are'} not given"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        # The value is rendered only for the default message (it is the costly part).
        own = self.message is not None
        return [
            (key, "" if own else f"{key} must not be given; got {_got(options[key])}")
            for key in self.keys
            if _given(options, key)
        ]


@_pure
@attrs.frozen(kw_only=True)
class Allowed(Kind):
    """``key`` is absent or its value is one of ``values``."""

    kind: ClassVar[str] = "allowed"

    key: str = attrs.field(validator=_key)
    values: tuple[Scalar, ...] = attrs.field(converter=_scalar_tuple, validator=_values)
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

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _constraint(self) -> str:
        return f"{self.key} is one of {', '.join(map(_text, self.values))}"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        value = options.get(self.key)
        if value is None or _is_in(value, self.values):
            return []
        choices = ", ".join(map(repr, self.values))
        return [(self.key, f"{self.key} must be one of {choices}; got {_got(value)}")]


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


@_pure
@attrs.frozen(kw_only=True)
class Pattern(Kind):
    """``key`` is absent or its ``str`` value matches the whole ``pattern``, run with RE2 in
    time linear in the value (its syntax: :doc:`/policies`)."""

    kind: ClassVar[str] = "pattern"

    key: str = attrs.field(validator=_key)
    pattern: str = attrs.field()
    _regex: LinearPattern = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_compiled, takes_self=True)
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get(self.key)
        if value is None or (value.__class__ is str and self._regex.fullmatch(value)):
            return ()  # absent, or a plain str that matches: settled without a list
        return Kind.apply(self, options)

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _constraint(self) -> str:
        return f"{self.key} matches {self.pattern}"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        value = options.get(self.key)
        if value is None:
            return []
        text = plain(value)
        if isinstance(text, str) and self._regex.fullmatch(text) is not None:
            return []
        return [(self.key, f"{self.key} must match {self.pattern!r}; got {_got(value)}")]


def _bounds(instance: Length, attribute: attrs.Attribute[Any], value: object) -> None:
    if instance.min is None and instance.max is None:
        raise FieldProblem("max", "give min, max or both (a length rule with neither says nothing)")
    if instance.min is not None and instance.max is not None and instance.min > instance.max:
        raise FieldProblem("max", f"is {instance.max}, below min ({instance.min})")


@_pure
@attrs.frozen(kw_only=True)
class Length(Kind):
    """``key`` is absent or its length (of a ``str``, or a list) is within ``min`` and ``max``."""

    kind: ClassVar[str] = "length"

    key: str = attrs.field(validator=_key)
    min: int | None = attrs.field(default=None, validator=_optional_size)
    max: int | None = attrs.field(default=None, validator=[_optional_size, _bounds])

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _within(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min} to {self.max}"
        return f"at least {self.min}" if self.max is None else f"at most {self.max}"

    def _constraint(self) -> str:
        return f"{self.key} is {self._within()} long"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        value = options.get(self.key)
        if value is None:
            return []
        value = plain(value)
        if isinstance(value, str):
            size, unit = len(value), "characters"
        elif isinstance(value, (list, tuple)):
            size, unit = len(value), "items"
        else:
            message = f"{self.key} must be a str or a list; got {_got(value)}"
            return [(self.key, message)]
        if (self.min is None or size >= self.min) and (self.max is None or size <= self.max):
            return []
        message = f"{self.key} must be {self._within()} {unit} long; it is {size}"
        return [(self.key, message)]


def _networks(value: object) -> object:
    return tuple(value) if isinstance(value, (list, tuple)) else value


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


@_pure
@attrs.frozen(kw_only=True)
class Network(Kind):
    """``key`` is absent or the IP address it holds lies in one of ``networks`` (CIDR)."""

    kind: ClassVar[str] = "network"

    key: str = attrs.field(validator=_key)
    networks: tuple[str, ...] = attrs.field(converter=_networks)
    _parsed: tuple[_AnyNetwork, ...] = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_parsed, takes_self=True)
    )

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _constraint(self) -> str:
        return f"{self.key} lies in {', '.join(self.networks)}"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        value = options.get(self.key)
        if value is None:
            return []
        address = _address(value)
        if address is not None and any(address in network for network in self._parsed):
            return []
        message = f"{self.key} must be an address in {', '.join(self.networks)}; got {_got(value)}"
        return [(self.key, message)]


def _address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if not isinstance(value, str):
        return None  # ipaddress would read an int as an address; an option never means that
    try:
        return ipaddress.ip_address(plain(value))  # type: ignore[arg-type]
    except ValueError:
        return None


@_pure
@attrs.frozen(kw_only=True)
class MaxTTL(Kind):
    """Tokens only: the token expires at most ``seconds`` after it is made."""

    kind: ClassVar[str] = "max_ttl"

    seconds: int = attrs.field(validator=_positive)

    def _own_reads(self) -> frozenset[str]:
        return frozenset(("expire_time", "now"))

    def _constraint(self) -> str:
        return f"the token expires at most {self.seconds} seconds after it is made"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        # Imported here: the session rules need the kinds at import, the token rules wait
        # until a token is made (``import opentok_rules`` stays light).
        from opentok_rules.engine.token_rules import DEFAULT_LIFETIME, _epoch_seconds

        now = options.get("now")
        if now.__class__ not in (int, float):
            return []  # not a token's options (prepare_token always puts the time there)
        issued = int(now)
        value = options.get("expire_time")
        expires = issued + DEFAULT_LIFETIME if value is None else _epoch_seconds(value)
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


#: The built-in kinds by the name a policy gives them.
BUILTIN_KINDS: Mapping[str, type[Kind]] = MappingProxyType(
    {cls.kind: cls for cls in (Required, Forbidden, Allowed, Pattern, Length, Network, MaxTTL)}
)


# ---- Generic kinds the archive rules are written in ---------------------------------------------
# Minimal versions, added with the archive operation (issue 31): ``default``, ``type``, ``range``
# and ``known_keys`` are the names and fields the kinds-for-every-rule work (issue 27) gives
# them; ``exclusive`` says what no other kind can ("at most one of these keys").

_TYPE_NAMES: Mapping[str, str] = MappingProxyType(
    {"bool": "true or false", "str": "a string", "int": "a whole number"}
)


def _type_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not str or value not in _TYPE_NAMES:
        raise FieldProblem("type", f"must be 'bool', 'str' or 'int'; got {short_repr(value)}")


def _default_value(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ not in _SCALARS:
        raise FieldProblem("value", f"must be a string, number or boolean; got {short_repr(value)}")


def _is_number(value: object) -> bool:
    return value.__class__ in (int, float) or (
        isinstance(value, (int, float)) and not isinstance(value, bool)
    )


def _optional_number(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not _is_number(value):
        raise FieldProblem(attribute.name, f"must be a number; got {short_repr(value)}")


def _range_bounds(instance: Range, attribute: attrs.Attribute[Any], value: object) -> None:
    if instance.min is None and instance.max is None:
        raise FieldProblem("max", "give min, max or both (a range rule with neither says nothing)")
    if instance.min is not None and instance.max is not None and instance.min > instance.max:
        raise FieldProblem("max", f"is {instance.max}, below min ({instance.min})")


@_pure
@attrs.frozen(kw_only=True)
class Default(Kind):
    """``key`` is given the value ``value`` when it is absent or ``None``.

    The one kind that writes an option: what the service does when a key is left out, said
    before the rules that judge the key, so they (and the spec) see the value that counts.
    """

    kind: ClassVar[str] = "default"

    key: str = attrs.field(validator=_key)
    value: Scalar = attrs.field(validator=_default_value)

    @property
    def fills(self) -> frozenset[str]:  # type: ignore[override]
        """The key it fills in."""
        return frozenset((self.key,))

    def applies_to(self, keys: frozenset[str]) -> bool:
        # An absent key is the case it is for: it has something to do on every call.
        return True

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.get(self.key) is None and (not self.when or self._applies(options)):
            options[self.key] = self.value
        return ()

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _constraint(self) -> str:
        return f"{self.key} is {_text(self.value)} when not given"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        return []


@_pure
@attrs.frozen(kw_only=True)
class Type(Kind):
    """``key`` is absent (or ``None``) or holds a value of ``type``: ``"bool"``, ``"str"`` or
    ``"int"`` (a whole number; ``True`` is not one)."""

    kind: ClassVar[str] = "type"

    key: str = attrs.field(validator=_key)
    type: str = attrs.field(validator=_type_name)

    def holds(self, value: object) -> bool:
        """Whether ``value`` is of the rule's type."""
        if self.type == "bool":
            return value is True or value is False
        if self.type == "str":
            return isinstance(value, str)
        return isinstance(value, int) and not isinstance(value, bool)

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get(self.key)
        if value is None or self.holds(value):
            return ()
        return Kind.apply(self, options)

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _constraint(self) -> str:
        return f"{self.key} is {_TYPE_NAMES[self.type]}"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        value = options.get(self.key)
        if value is None or self.holds(value):
            return []
        return [(self.key, f"{self.key} must be {_TYPE_NAMES[self.type]}; got {_got(value)}")]


@_pure
@attrs.frozen(kw_only=True)
class Range(Kind):
    """``key`` is absent or, when it holds a number, the number lies within ``min`` and
    ``max`` (both included). A value that is not a number is left to a ``type`` rule."""

    kind: ClassVar[str] = "range"

    key: str = attrs.field(validator=_key)
    min: int | float | None = attrs.field(default=None, validator=_optional_number)
    max: int | float | None = attrs.field(default=None, validator=[_optional_number, _range_bounds])

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get(self.key)
        if value is None or not _is_number(value) or self._within(value):
            return ()
        return Kind.apply(self, options)

    def _within(self, value: Any) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def _bounds(self) -> str:
        if self.min is not None and self.max is not None:
            return f"from {self.min:,} to {self.max:,}"
        return f"at least {self.min:,}" if self.max is None else f"at most {self.max:,}"

    def _own_reads(self) -> frozenset[str]:
        return frozenset((self.key,))

    def _constraint(self) -> str:
        return f"{self.key} is {self._bounds()}"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        value = options.get(self.key)
        if value is None or not _is_number(value) or self._within(value):
            return []
        return [(self.key, f"{self.key} must be {self._bounds()}; got {_got(value)}")]


@_pure
@attrs.frozen(kw_only=True)
class KnownKeys(Kind):
    """Every option name given is one of ``keys``; the closest one is suggested for another."""

    kind: ClassVar[str] = "known_keys"

    keys: tuple[str, ...] = attrs.field(converter=_str_tuple, validator=_keys)
    _known: frozenset[str] = attrs.field(
        init=False,
        repr=False,
        eq=False,
        default=attrs.Factory(
            lambda self: frozenset(self.keys) if isinstance(self.keys, tuple) else frozenset(),
            takes_self=True,
        ),
    )

    #: It judges every key given, not only those it names: never settled on the defaults.
    settles_on_defaults: ClassVar[bool] = False

    def applies_to(self, keys: frozenset[str]) -> bool:
        return not self._known.issuperset(keys)

    def apply(self, options: Options) -> Sequence[Violation]:
        if self._known.issuperset(options):
            return ()
        return Kind.apply(self, options)

    def _own_reads(self) -> frozenset[str]:
        return self._known

    def _constraint(self) -> str:
        return f"the options are among {', '.join(self.keys)}"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        unknown = [key for key in options if key not in self._known]
        found: list[tuple[str | None, str]] = []
        for key in unknown[:MAX_REPORTED]:
            given: object = key  # a caller's dict may hold any key, whatever Options says
            if not isinstance(given, str):
                found.append((short_repr(given), f"option names are strings; got {shown(given)}"))
                continue
            name = str.__str__(given)[:40]
            found.append((name, f"{name!r} is not an option here; {closest_hint(name, self.keys)}"))
        if len(unknown) > MAX_REPORTED:
            more = len(unknown) - MAX_REPORTED
            found.append((None, f"and {more} more unknown option names; pass only those you mean"))
        return found


@_pure
@attrs.frozen(kw_only=True)
class Exclusive(Kind):
    """At most one of ``keys`` is given (present and not ``None``)."""

    kind: ClassVar[str] = "exclusive"

    keys: tuple[str, ...] = attrs.field(converter=_str_tuple, validator=_keys)

    def _own_reads(self) -> frozenset[str]:
        return frozenset(self.keys)

    def _constraint(self) -> str:
        return f"at most one of {_names(self.keys)} is given"

    def _problems(self, options: Options) -> list[tuple[str | None, str]]:
        given = [key for key in self.keys if _given(options, key)]
        if len(given) < 2:
            return []
        return [(None, f"{_names(given)} cannot be given together; give only one of them")]


BUILTIN_KINDS = MappingProxyType(
    {**BUILTIN_KINDS, **{cls.kind: cls for cls in (Default, Type, Range, KnownKeys, Exclusive)}}
)
