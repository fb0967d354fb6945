"""What each rule of a registry did with a set of options, one step per rule.

It runs the rules one by one, in registry order, on a copy of the options, and compares the
options before and after each rule: so it works for any rule (the library's, a policy's, your
own), not only those it knows. It is for reading, not for speed: every rule runs, and the
options are copied before each one. The public ``explain`` (the session's, with its default
rules) is :mod:`opentok_rules.operations.session.explain`'s; the old path
``opentok_rules.engine.explain.explain`` forwards there until 0.3.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from opentok_rules._moved import forwarder
from opentok_rules.engine.kinds import plain
from opentok_rules.engine.registry import Rule
from opentok_rules.errors import Violation

__all__ = ["OUTCOMES", "Step", "explain_rules"]

# The public function moved to the operation it explains, with its default rules (until 0.3).
__getattr__ = forwarder(__name__, "opentok_rules.operations.session.explain", only={"explain"})

#: What a rule can have done, from the least to the most telling.
OUTCOMES = ("skipped", "held", "changed", "warned", "refused")


def _no_changes() -> Mapping[str, tuple[Any, Any]]:
    return MappingProxyType({})


@attrs.frozen
class Step:
    """What one rule did with the options.

    ``outcome`` is ``"skipped"`` (there was nothing it reads: it found and changed nothing),
    ``"held"`` (it looked and all was well), ``"changed"`` (it normalized a value, filled a
    default in or dropped a key: see ``changes``), ``"warned"`` (it found something and let the
    options through: see ``violations``) or ``"refused"`` (one of ``violations`` is a
    ``"deny"``). ``changes`` maps each key it changed to ``(before, after)``; ``None`` stands
    for a key that was not there (absent and ``None`` mean the same to the rules).
    """

    rule: str
    outcome: str
    changes: Mapping[str, tuple[Any, Any]] = attrs.field(factory=_no_changes)
    violations: tuple[Violation, ...] = ()
    description: str = attrs.field(default="", eq=False)


def explain_rules(rules: Iterable[Rule], options: Mapping[str, Any]) -> tuple[Step, ...]:
    """One :class:`Step` per rule of ``rules``, in order, saying what it did with ``options``
    (copied first: each rule sees them as the rules before it left them, and every rule runs)."""
    working = dict(options)
    return tuple(_step(each, working) for each in rules)


def _step(rule: Rule, working: dict[str, Any]) -> Step:
    """Run ``rule`` on ``working`` (changed in place, as the next rule must see it)."""
    before = copy.deepcopy(working)
    keys = frozenset(key for key, value in working.items() if value is not None)
    found = tuple(rule.apply(working))
    changes = _diff(before, working)
    description = getattr(rule, "description", "")
    if any(each.severity != "warn" for each in found):
        outcome = "refused"
    elif found:
        outcome = "warned"
    elif changes:
        outcome = "changed"
    elif _nothing_to_read(rule, keys):
        outcome = "skipped"
    else:
        outcome = "held"
    return Step(
        rule.id,
        outcome,
        MappingProxyType(changes),
        found,
        description if isinstance(description, str) else "",
    )


def _nothing_to_read(rule: Rule, keys: frozenset[str]) -> bool:
    """Whether the rule had none of what it reads to look at (as its registry would judge)."""
    applies_to = getattr(rule, "applies_to", None)
    if callable(applies_to):
        return not applies_to(keys)
    reads = getattr(rule, "reads", None)
    return isinstance(reads, frozenset) and reads.isdisjoint(keys)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for key in (*before, *(key for key in after if key not in before)):
        old, new = before.get(key), after.get(key)
        if not _same(old, new):
            changes[key] = (old, new)
    return changes


def _same(old: object, new: object) -> bool:
    """The same value, as the service will see it: an enum member and its value are."""
    old, new = plain(old), plain(new)
    if old.__class__ is not new.__class__:
        return False
    try:
        return bool(old == new)
    except Exception:  # a value whose __eq__ raises is a value that changed, as far as we know
        return False
