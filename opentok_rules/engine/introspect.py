"""What a registry says about each of its rules: id, description, kind, severity, source.

The command line (``rules``), the emulator's console and the docs all show rules this way, so
a rule's kind and severity are read in one place: a rule may say its ``kind`` (the built-in
kinds and plugins do) and its ``severity``; one that does not is a Python rule that refuses.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from opentok_rules.engine.registry import Rule

__all__ = ["PYTHON_KIND", "RuleInfo", "describe"]

#: The kind shown for a rule written in Python (a class or a decorated function).
PYTHON_KIND = "python"


@attrs.frozen
class RuleInfo:
    """One rule as a person reads it in a listing."""

    id: str
    description: str
    kind: str
    severity: str
    #: The policy file the rule came from; None for the library's own rules and for code.
    source: str | None


def describe(rules: Iterable[Rule]) -> list[RuleInfo]:
    """``rules`` (a registry, in its order) as :class:`RuleInfo` records."""
    return [_info(rule) for rule in rules]


def _info(rule: Rule) -> RuleInfo:
    source = getattr(rule, "source", None)
    return RuleInfo(
        id=rule.id,
        description=rule.description,
        kind=str(getattr(rule, "kind", PYTHON_KIND)),
        severity=str(getattr(rule, "severity", "deny")),
        source=None if source is None else str(source),
    )
