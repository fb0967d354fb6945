"""The exceptions this library raises, and the record of one rule violation."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "OpenTokError",
    "RequestError",
    "ValidationError",
    "Violation",
]


@attrs.frozen
class Violation:
    """One broken rule: which rule, which option (``None`` for a combination), and why."""

    rule: str
    field: str | None
    message: str

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
