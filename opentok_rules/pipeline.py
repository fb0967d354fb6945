"""``prepare_session``: raw options in; a ``SessionSpec`` and REST params out, or all violations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .errors import ValidationError, Violation
from .registry import RuleRegistry
from .rules import default_rules
from .spec import SessionSpec

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import SessionOptions

__all__ = ["PreparedSession", "prepare_session"]

# The registry used when the caller gives none. Private, so nobody can edit it; building a
# fresh one per call would cost more than the rules themselves.
_DEFAULT_RULES = default_rules()
_SPEC_FIELDS = tuple(field.name for field in attrs.fields(SessionSpec))


@attrs.frozen
class PreparedSession:
    """The outcome of :func:`prepare_session`: ``params == spec.to_params()``."""

    spec: SessionSpec
    params: dict[str, str]


def prepare_session(
    options: Mapping[str, Any] | SessionSpec | None = None,
    /,
    *,
    rules: RuleRegistry | None = None,
    **kwargs: Unpack[SessionOptions],
) -> PreparedSession:
    """Run the rules over the options and return the normalized spec and its REST params.

    ``options`` is a mapping (or a :class:`SessionSpec`, checked again); keyword arguments are
    merged over it. ``rules`` defaults to :func:`~opentok_rules.default_rules`. Raises
    :class:`~opentok_rules.ValidationError` listing every violation, in registry order.
    """
    # The two usual calls (keywords alone, or a plain dict alone) skip the general merge:
    # this is the hot path, and the rules cost little more than these lines.
    working: dict[str, Any]
    if options is None:
        # Already a fresh dict, ours to normalize. (Typed as SessionOptions for callers; the
        # rules take any values, so it is a plain dict here. No cast: this is the hot path.)
        working = kwargs  # type: ignore[assignment]
    elif type(options) is dict and not kwargs:
        working = options.copy()
    else:
        working = _working_options(options, kwargs)  # type: ignore[arg-type]
    violations = (_DEFAULT_RULES if rules is None else rules).apply(working)
    if violations:
        raise ValidationError(violations)
    # After known-keys only SessionSpec's own field names are left, so the dict is passed as
    # keywords as it is (the fastest call). An edited registry may leave other keys or values
    # a SessionSpec refuses; that must still surface as a ValidationError, not a TypeError.
    try:
        spec = SessionSpec(**working)
    except (TypeError, ValueError) as exc:
        raise _spec_refused(exc) from None
    return PreparedSession(spec, spec.to_params())


def _working_options(
    options: Mapping[str, Any] | SessionSpec | None, kwargs: dict[str, Any]
) -> dict[str, Any]:
    if options is None:
        return kwargs
    if isinstance(options, SessionSpec):
        working = {name: getattr(options, name) for name in _SPEC_FIELDS}
    elif isinstance(options, Mapping):
        working = dict(options)
    else:
        raise TypeError(
            f"options must be a mapping or a SessionSpec, not {type(options).__name__}; "
            "pass keyword arguments or a dict such as {'media_mode': 'routed'}"
        )
    if kwargs:
        working.update(kwargs)
    return working


def _spec_refused(exc: Exception) -> ValidationError:
    message = f"the rules let through options a SessionSpec cannot hold: {exc}"
    return ValidationError([Violation("session-spec", None, message)])
