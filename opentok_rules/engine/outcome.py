"""``Outcome``: what the rules made (a spec, or a signed token) and what ``"warn"`` rules found.

The functions that return one
(:func:`~opentok_rules.operations.session.prepare.session_outcome`,
:func:`~opentok_rules.operations.token.prepare.token_outcome`,
:func:`~opentok_rules.operations.archive.prepare.archive_outcome`,
:func:`~opentok_rules.tokens.issue_token_outcome`) hand the warnings to their caller instead
of logging them: the clients log them once, the command line prints them, a policy's tests
compare them.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Generic, ParamSpec, TypeVar

import attrs

from opentok_rules._frozen import slot_setters
from opentok_rules.errors import Violation

__all__ = ["Outcome", "logging_warnings"]

T = TypeVar("T")
P = ParamSpec("P")


def _shown(value: object) -> str:
    """The value's repr, except a ``str``: the one str outcome is a signed token, a credential
    that no repr may show (an error reporter records every frame's locals with ``repr``)."""
    if isinstance(value, str):
        return f"<str of {len(value)} characters, not shown>"
    return repr(value)


@attrs.frozen
class Outcome(Generic[T]):
    """A value the rules let through, and what rules of severity ``"warn"`` found on the way.

    ``value`` is a :class:`~opentok_rules.SessionSpec`, an
    :class:`~opentok_rules.ArchiveSpec`, a :class:`~opentok_rules.TokenSpec`, or a signed token
    (a ``str``, which the repr does not show); ``warnings`` is empty when no rule warned. The
    options were let through all the same: a ``"deny"`` rule's finding is a
    :class:`~opentok_rules.ValidationError`, never an outcome. ``value, warnings = outcome``
    unpacks it.
    """

    value: T = attrs.field(repr=_shown)
    warnings: tuple[Violation, ...] = ()

    def __iter__(self) -> Iterator[T | tuple[Violation, ...]]:
        """``value, warnings = outcome`` unpacks it (as the pairs these functions returned
        before they returned an outcome)."""
        return iter((self.value, self.warnings))


_SET_VALUE, _SET_WARNINGS = slot_setters(Outcome)


def outcome_of(value: T, warnings: tuple[Violation, ...]) -> Outcome[T]:
    """``Outcome(value, warnings)`` without attrs' ``__init__``: the pipelines' hot paths make
    one per call (see :mod:`opentok_rules._frozen`)."""
    outcome: Outcome[T] = object.__new__(Outcome)
    _SET_VALUE(outcome, value)
    _SET_WARNINGS(outcome, warnings)
    return outcome


def logging_warnings(
    outcome_function: Callable[P, Outcome[T]], logger: logging.Logger, name: str, doc: str
) -> Callable[P, T]:
    """The plain form of an outcome function (``token_outcome`` gives ``prepare_token``): a
    function ``name`` of the same arguments that returns the outcome's value, once each
    warning is logged at WARNING on ``logger``. Its signature is the outcome function's,
    returning the value's type; ``doc`` is its docstring."""

    def value(*args: P.args, **kwargs: P.kwargs) -> T:
        outcome = outcome_function(*args, **kwargs)
        for each in outcome.warnings:
            logger.warning("%s", each)
        return outcome.value

    signature = inspect.signature(outcome_function)
    # The annotation as written ("Outcome[TokenSpec]": annotations are not evaluated), and
    # the class it names in the outcome function's module (so the docs link the right one).
    written = str(signature.return_annotation).removeprefix("Outcome[").removesuffix("]")
    returns = getattr(outcome_function, "__globals__", {}).get(written, written)
    value.__signature__ = signature.replace(return_annotation=returns)  # type: ignore[attr-defined]
    value.__annotations__ = {**outcome_function.__annotations__, "return": returns}
    value.__name__ = value.__qualname__ = name
    value.__module__, value.__doc__ = outcome_function.__module__, doc
    return value
