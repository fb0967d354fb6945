"""The exceptions this library raises, and the record of one rule violation."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "OpenTokError",
    "PolicyError",
    "RequestError",
    "ValidationError",
    "Violation",
]


#: What a violation does: ``"deny"`` refuses the options, ``"warn"`` only reports.
SEVERITIES: tuple[str, ...] = ("deny", "warn")


def _severity(instance: object, attribute: object, value: object) -> None:
    if value.__class__ is not str or value not in SEVERITIES:
        raise ValueError(f"a violation's severity is 'deny' or 'warn'; got {value!r:.60}")


@attrs.frozen
class Violation:
    """One broken rule: which rule, which option (``None`` for a combination), and why.

    ``severity`` is ``"deny"`` (the options are refused) or ``"warn"`` (they are let through
    and the violation is reported as a warning).
    """

    rule: str
    field: str | None
    message: str
    severity: str = attrs.field(default="deny", validator=_severity)

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
        lines = "".join(f"\n  {v}" for v in self.violations)
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
