"""The exceptions this library raises, and the record of one rule violation."""

from __future__ import annotations

from collections.abc import Iterable

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
        _set = object.__setattr__  # a frozen class: as attrs' own __init__ sets its slots
        _set(self, "rule", rule)
        _set(self, "field", field)
        _set(self, "message", message)
        _set(self, "severity", severity)

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field is not None else ""
        return f"[{self.rule}]{where} {self.message}"


class OpenTokError(Exception):
    """Base class of every error this library raises on purpose."""


class ValidationError(OpenTokError, ValueError):
    """Options broke one or more rules; ``violations`` lists every one, in registry order."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        count = len(self.violations)
        head = "1 rule was broken" if count == 1 else f"{count} rules were broken"
        # Bounded whatever the count: each violation's texts are bounded, and only the first
        # SHOWN_VIOLATIONS are listed (all of them stay in .violations).
        lines = "".join(f"\n  {v}" for v in self.violations[:SHOWN_VIOLATIONS])
        if count > SHOWN_VIOLATIONS:
            lines += f"\n  ... and {count - SHOWN_VIOLATIONS} more (see .violations)"
        super().__init__(f"{head}:{lines}")

    def __reduce__(self) -> tuple[type[ValidationError], tuple[tuple[Violation, ...]]]:
        return (type(self), (self.violations,))


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
