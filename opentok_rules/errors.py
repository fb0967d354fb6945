"""The exceptions this library raises, and the record of one rule violation."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from opentok_rules._messages import shown

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "NotFoundError",
    "OpenTokError",
    "PolicyError",
    "RequestError",
    "ValidationError",
    "Violation",
]


#: The longest ``Violation.message`` kept; a longer one is cut there and marked. A rule may
#: put a caller's value in its message, and a message is printed, logged and sent on.
MAX_MESSAGE = 1000
#: The longest ``Violation.field`` and ``Violation.rule`` kept (an unknown key may be huge).
MAX_NAME = 100
#: How many violations ``str(err)`` lists before it says how many more there are.
SHOWN_VIOLATIONS = 20
#: A violation's severities: ``deny`` refuses the options, ``warn`` only reports.
SEVERITIES: tuple[str, ...] = ("deny", "warn")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text)} chars)"


# What Violation.__init__ calls for a text that is not a short plain str: the type checked, the
# length bounded.
def _rule_id(value: str) -> str:
    if value.__class__ is str and len(value) <= MAX_NAME:
        return value
    if not isinstance(value, str):
        raise TypeError(f"Violation.rule must be a str (the rule's id); got {_type(value)}")
    return _cut(str.__str__(value), MAX_NAME)


def _field(value: str | None) -> str | None:
    if value is None or (value.__class__ is str and len(value) <= MAX_NAME):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"Violation.field must be a str (the option's name) or None; got {_type(value)}"
        )
    return _cut(str.__str__(value), MAX_NAME)


def _message(value: str) -> str:
    if value.__class__ is str and len(value) <= MAX_MESSAGE:
        return value
    if not isinstance(value, str):
        raise TypeError(f"Violation.message must be a str; got {_type(value)}")
    return _cut(str.__str__(value), MAX_MESSAGE)


def _severity(instance: object, attribute: object, value: object) -> None:
    if type(value) is not str or value not in SEVERITIES:
        raise ValueError(f"Violation.severity must be 'deny' or 'warn'; got {_type(value)}")


def _type(value: object) -> str:
    return shown(value)  # bounded, and safe from a __repr__ that raises


@attrs.frozen(init=False)
class Violation:
    """One broken rule: which rule, which option (``None`` for a combination), and why.

    Each field is type-checked: ``rule`` and ``message`` are ``str``, ``field`` a ``str`` or
    ``None``, ``severity`` ``"deny"`` (the default: the options are refused) or ``"warn"``
    (reported only). A ``message`` longer than 1000 characters, and a ``rule`` or ``field``
    longer than 100, is cut short and marked with its length: a rule may put a caller's value
    in its message, and messages are printed, logged and sent on.
    """

    rule: str
    field: str | None
    message: str
    severity: str = "deny"

    def __init__(self, rule: str, field: str | None, message: str, severity: str = "deny") -> None:
        # The checks inline, each a type test and a length: every refused option builds
        # violations (a hot path), and a converter call per field cost more than the checks.
        if type(rule) is not str or len(rule) > MAX_NAME:
            rule = _rule_id(rule)
        if field is not None and (type(field) is not str or len(field) > MAX_NAME):
            field = _field(field)
        if type(message) is not str or len(message) > MAX_MESSAGE:
            message = _message(message)
        if type(severity) is not str or severity not in SEVERITIES:
            _severity(self, None, severity)
        # The slots' own setters (a frozen class: as attrs' own __init__ sets its slots).
        _set_rule(self, rule)
        _set_field(self, field)
        _set_message(self, message)
        _set_severity(self, severity)

    @classmethod
    def deferred(
        cls,
        rule: str,
        field: str | None,
        message: str | Callable[..., str],
        /,
        *args: object,
        severity: str = "deny",
    ) -> Violation:
        """A violation whose message is made when it is first read, not now.

        The same violation as ``Violation(rule, field, text, severity)`` in every way (fields,
        equality, hash, repr, pickling, ``attrs.evolve``), where ``text`` is:

        * ``message.format(*shown_args)`` when ``message`` is a ``str`` template, each of
          ``args`` shown as the library shows a caller's value, a bounded repr and its type
          (``'yes' (str)``): ``Violation.deferred("acme", "e2ee", "got {}", value)``;
        * ``message(*args)`` when it is a callable returning the text.

        For a rule that refuses often: most refusals are counted, retried or logged by rule id
        and field, and nobody reads their messages; the text (a repr of the value, a spelling
        hint) then costs nothing. It is made once, on first read of ``message`` (or of
        ``str``, ``repr``, ``==``, ``hash``), bounded like any message, and kept; ``args`` are
        held until then, so pass values that will not change. A template that cannot be filled
        or a callable that raises gives a message saying so instead of raising where the
        message is read (a log line, a traceback).
        """
        if type(rule) is not str or len(rule) > MAX_NAME:
            rule = _rule_id(rule)
        if field is not None and (type(field) is not str or len(field) > MAX_NAME):
            field = _field(field)
        if type(severity) is not str or severity not in SEVERITIES:
            _severity(None, None, severity)
        if message.__class__ is not str and not callable(message):
            raise TypeError(
                "Violation.deferred takes a message template (str) or a callable making the "
                f"message; got {_type(message)}"
            )
        made = _new(cls)
        _set_rule(made, rule)
        _set_field(made, field)
        _set_message(made, new_deferred(Deferred, (message, args)))
        _set_severity(made, severity)
        return made

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field is not None else ""
        return f"[{self.rule}]{where} {self.message}"


#: Values that cannot change once made: a refusal may show one when its message is read.
SETTLED_TYPES = frozenset({str, int, float, bool, complex, bytes, type(None)})


def shown_later(
    rule: str, field: str | None, make: str | Callable[..., str], /, *args: object
) -> Violation:
    """``Violation.deferred(rule, field, make, *args)`` for the library's own refusals, whose
    last argument is the caller's value: made at once when that value could change after the
    call (a list, a dict, an object of the caller's), so the message shows it as it was judged.
    """
    made = Violation.deferred(rule, field, make, *args)
    value = args[-1]
    if value.__class__ not in SETTLED_TYPES and not isinstance(value, (enum.Enum, Violation)):
        made.message  # noqa: B018 - read now: the text is made and kept
    return made


class Deferred(tuple):  # type: ignore[type-arg]
    """A message not made yet, ``(make, args)``: what :meth:`Violation.deferred` keeps in the
    message slot (a tuple: made by the tuple's own constructor, the refusal path's cost)."""

    __slots__ = ()

    @property
    def make(self) -> str | Callable[..., str]:
        made: str | Callable[..., str] = self[0]
        return made

    @property
    def args(self) -> tuple[object, ...]:
        given: tuple[object, ...] = self[1]
        return given

    def text(self) -> str:
        make, args = self
        try:
            if isinstance(make, str):
                text: object = make.format(*[shown(arg) for arg in args])
            else:
                text = make(*args)
        except Exception as exc:  # a log line or a traceback must not fail on a message
            what = "template" if isinstance(make, str) else "function"
            return f"(the message could not be made: its {what} raised {type(exc).__name__})"
        if not isinstance(text, str):
            return f"(the message could not be made: its function returned {_type(text)})"
        return _message(text)


# The slots of Violation, set as its own __init__ sets them (a frozen class).
_new = object.__new__
new_deferred = tuple.__new__
VIOLATION_SLOTS: dict[str, Any] = dict(Violation.__dict__)
_set_rule = VIOLATION_SLOTS["rule"].__set__
_set_field = VIOLATION_SLOTS["field"].__set__
_set_severity = VIOLATION_SLOTS["severity"].__set__
get_message = VIOLATION_SLOTS["message"].__get__
_set_message = VIOLATION_SLOTS["message"].__set__


class _Message:
    """``Violation.message``: the slot's text, made on first read for a deferred violation.

    Every reader (attrs' ``__eq__``, ``__hash__``, ``__repr__`` and pickling, ``str``,
    ``attrs.evolve``, cattrs) reads the field through here, so none of them sees the
    difference between a deferred violation and one made with its text.
    """

    __slots__ = ()

    def __get__(self, instance: Violation | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = get_message(instance, owner)
        if value.__class__ is Deferred:
            value = value.text()
            _set_message(instance, value)  # made once; the arguments let go
        return value

    def __set__(self, instance: Violation, value: str) -> None:
        _set_message(instance, value)

    def __delete__(self, instance: Violation) -> None:
        raise attrs.exceptions.FrozenInstanceError()


# After the class is made: attrs' slotted class holds a plain slot for every field.
setattr(Violation, "message", _Message())  # noqa: B010 - mypy keeps the field's type, str


class OpenTokError(Exception):
    """Base class of every error this library raises on purpose."""


class ValidationError(OpenTokError, ValueError):
    """Options broke one or more rules; ``violations`` lists every one, in registry order.

    Its text (``str(err)``, ``err.args``, ``repr(err)``) lists the violations; it is made when
    first read, not when the error is raised: a refusal that is caught and counted, or
    inspected through ``violations``, never pays for it.
    """

    # A slot, not an entry of the instance's __dict__: a refusal then makes no dict (its text
    # and its args, when set, still go there).
    __slots__ = ("violations",)

    #: The text, once made (see __str__).
    _text: str
    violations: tuple[Violation, ...]

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)

    @property
    def args(self) -> tuple[Any, ...]:
        """``(str(self),)``, as an exception made with its message has (unless set)."""
        given: tuple[Any, ...] | None = self.__dict__.get("_args")
        return (self.__str__(),) if given is None else given

    @args.setter
    def args(self, value: Iterable[Any]) -> None:
        self.__dict__["_args"] = tuple(value)

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            text: str = _listing(self.violations)
            self._text = text
            return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__str__()!r})"

    def __reduce__(self) -> tuple[type[ValidationError], tuple[tuple[Violation, ...]]]:
        return (type(self), (self.violations,))


def _listing(violations: tuple[Violation, ...]) -> str:
    """A ValidationError's text: how many rules were broken, and each of them on a line."""
    count = len(violations)
    head = "1 rule was broken" if count == 1 else f"{count} rules were broken"
    # Bounded whatever the count: each violation's texts are bounded, and only the first
    # SHOWN_VIOLATIONS are listed (all of them stay in .violations).
    lines = "".join(f"\n  {v}" for v in violations[:SHOWN_VIOLATIONS])
    if count > SHOWN_VIOLATIONS:
        lines += f"\n  ... and {count - SHOWN_VIOLATIONS} more (see .violations)"
    return f"{head}:{lines}"


class PolicyError(OpenTokError, ValueError):
    """A policy (a file or a mapping) cannot be used; the message says where and why.

    It names the file, the rule (``session[2] (id 'acme-x')``) and the field, and for a
    misspelt name the closest valid one. Nothing of a policy that raises it is loaded.
    """


class ConfigurationError(OpenTokError, ValueError):
    """The settings needed to make a client are missing or unusable (an unset variable, say)."""


class AuthenticationError(OpenTokError):
    """The service refused the credentials (HTTP 401 or 403)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RequestError(OpenTokError):
    """The network or the service failed; ``status`` is the HTTP status, or ``None``."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[type[RequestError], tuple[str, int | None]]:
        return (type(self), (str(self), self.status))


class NotFoundError(RequestError):
    """The service has no such archive or session (HTTP 404); the message says which call."""


class ConflictError(RequestError):
    """The service refused the call in the state things are in (HTTP 409): the session is
    being recorded already, it is relayed, or the archive cannot be stopped or deleted now.
    The message holds the service's own words."""
