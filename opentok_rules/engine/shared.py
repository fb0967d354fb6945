"""What the session rules and the token rules have in common, written once.

The two rule sets judge different options, but several of their pieces are the same logic: a
refused option name, a text option held to a length, and turning the options the rules left
into a spec (or one violation saying why none can be made). Each is here, so a rule set added
later (policy kinds, say) starts from the same conventions instead of a third copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from opentok_rules._messages import closest_hint, short_repr
from opentok_rules.engine.registry import Options, RuleRegistry
from opentok_rules.errors import ValidationError, Violation
from opentok_rules.values import plain_str

__all__ = [
    "NAME_CUT",
    "NO_WARNINGS",
    "by_severity",
    "spec_after_rules",
    "spec_from",
    "unknown_option",
]

S = TypeVar("S")

#: How many characters of a refused option name a violation keeps, in its field and message.
NAME_CUT = 40

_NO_REASONS: Mapping[str, str] = {}


def unknown_option(
    rule_id: str,
    key: object,
    valid: Sequence[str],
    what: str,
    reasons: Mapping[str, str] = _NO_REASONS,
) -> Violation:
    """The violation for an option name that is not one of ``valid``.

    One convention for every known-keys rule: the ``field`` always names the key (a name cut to
    :data:`NAME_CUT` characters, exactly as the message shows it; a key that is not a ``str``
    as its short repr, never ``None``, which means a combination of options), and the message
    suggests the closest valid name. ``reasons`` explains names that are refused on purpose.
    """
    # The messages are made when read (Violation.deferred): the spelling hint searches every
    # valid name, and a refusal is often only counted.
    if not isinstance(key, str):
        return Violation.deferred(rule_id, short_repr(key), "option names are strings; got {}", key)
    name = plain_str(key)[:NAME_CUT]
    reason = reasons.get(name)
    if reason is not None:
        return Violation.deferred(rule_id, name, _refused_name, name, what, reason)
    return Violation.deferred(rule_id, name, _unknown_name, name, what, valid)


def _refused_name(name: str, what: str, reason: str) -> str:
    return f"{name!r} cannot be passed as a {what} option: {reason}"


def _unknown_name(name: str, what: str, valid: Sequence[str]) -> str:
    return f"{name!r} is not a {what} option; {closest_hint(name, valid)}"


def spec_after_rules(
    registry: RuleRegistry,
    working: Options,
    build: Callable[[Options], S],
    kind: str,
    spec_name: str,
) -> tuple[S, tuple[Violation, ...]]:
    """Run ``registry`` over ``working``; build the spec from what the rules left.

    Returns the spec and what ``"warn"`` rules found. Every ``"deny"`` violation is raised at
    once in one :class:`~opentok_rules.ValidationError`. An edited registry (a normalizing rule
    removed, say) may leave values no spec can hold; the caller hears of that as of any other
    refused option, as the violation ``{kind}-spec``.
    """
    violations = registry.apply(working)
    warnings = NO_WARNINGS
    if violations:
        warnings, denied = by_severity(violations)
        if denied:
            raise ValidationError(denied)
    return spec_from(working, build, kind, spec_name), warnings


def spec_from(working: Options, build: Callable[[Options], S], kind: str, spec_name: str) -> S:
    """``build(working)``: the spec of the options as the rules left them.

    :raises ~opentok_rules.ValidationError: one violation ``{kind}-spec`` when ``build``
        refuses them (a :class:`TypeError` or :class:`ValueError`), saying which rule to keep;
        or the spec's own ``ValidationError`` as it is, which names what is wrong.
    """
    try:
        return build(working)
    except ValidationError:
        raise  # the spec's own check: its violations already say what is wrong
    except (TypeError, ValueError) as exc:
        message = (
            f"the {kind} rules left options a {spec_name} cannot hold: {exc}; keep the "
            f"default {kind} rule for it or normalize it the same way"
        )
        raise ValidationError([Violation(f"{kind}-spec", None, message)]) from None


#: The warnings of a pass that found none: one shared empty tuple.
NO_WARNINGS: tuple[Violation, ...] = ()


def by_severity(
    violations: Sequence[Violation],
) -> tuple[tuple[Violation, ...], Sequence[Violation]]:
    """The warnings and the refusals among ``violations``, each in registry order."""
    # A plain loop first: the usual case (refusals only) then builds nothing.
    for each in violations:
        if each.severity == "warn":
            break
    else:
        return NO_WARNINGS, violations
    warnings = tuple(each for each in violations if each.severity == "warn")
    return warnings, [each for each in violations if each.severity != "warn"]


#: The most keys an options mapping may hold: a caller's mapping may be endless or huge.
MAX_KEYS = 1_000


def read_options(options: Mapping[str, object], rule_id: str, note: str = "") -> dict[str, object]:
    """The items of a caller's options mapping, at most :data:`MAX_KEYS` of them, as a dict;
    a :class:`~opentok_rules.ValidationError` of ``rule_id`` if there are more or the mapping
    cannot be read (``note`` follows the count in the message)."""
    working: dict[str, object] = {}
    try:
        for count, (name, value) in enumerate(options.items()):
            if count == MAX_KEYS:
                message = (
                    f"the options mapping has more than {MAX_KEYS} keys{note}; pass a dict of "
                    "the options you mean"
                )
                raise ValidationError([Violation(rule_id, None, message)])
            working[name] = value
    except ValidationError:
        raise
    except Exception as exc:
        raise unreadable(rule_id, "the options mapping could not be read", exc) from exc
    return working


def unreadable(rule_id: str, what: str, exc: Exception) -> ValidationError:
    """The refusal of options that broke while being read: the exception's type only (its
    text is the caller's object's own, and may be anything), chained as the cause."""
    message = f"{what} ({type(exc).__name__}, chained as the cause); pass a plain dict"
    return ValidationError([Violation(rule_id, None, message)])
