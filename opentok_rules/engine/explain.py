"""``explain``: what each rule did with a set of session options, one step per rule.

It runs the rules one by one, in registry order, on a copy of the options, and compares the
options before and after each rule: so it works for any rule (the library's, a policy's, your
own), not only those it knows. It is for reading, not for speed: every rule runs, and the
options are copied before each one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from opentok_rules.engine.kinds import plain
from opentok_rules.engine.registry import Rule, RuleRegistry
from opentok_rules.errors import Violation

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from opentok_rules.options import SessionOptions

__all__ = ["OUTCOMES", "Step", "explain"]

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


def explain(
    options: Mapping[str, Any] | None = None,
    /,
    *,
    rules: RuleRegistry | None = None,
    **kwargs: Unpack[SessionOptions],
) -> tuple[Step, ...]:
    """One :class:`Step` per rule of ``rules`` (default: :func:`~opentok_rules.default_rules`),
    in order, saying what it did with ``options`` (keyword arguments merged over them).

    Each rule sees the options as the rules before it left them, as in
    :func:`~opentok_rules.prepare_session`; every rule runs, as there. The result explains a
    decision; :func:`~opentok_rules.prepare_session` makes it.
    """
    given: dict[str, Any] = dict(kwargs)
    if options is None and isinstance(given.get("options"), Mapping):
        # explain(options={...}): the mapping, named as in the signature's documentation
        # (no session option is called "options").
        options = given.pop("options")
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(
            f"options must be a mapping, not {type(options).__name__}; pass keyword arguments "
            "or a dict such as {'media_mode': 'routed'}"
        )
    if rules is None:
        from opentok_rules.operations.library import default_rules

        rules = default_rules()
    working: dict[str, Any] = {**(options or {}), **given}
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
    """The same value, as the service will see it: ``"routed"`` and ``MediaMode.ROUTED`` are."""
    old, new = plain(old), plain(new)
    if old.__class__ is not new.__class__:
        return False
    try:
        return bool(old == new)
    except Exception:  # a value whose __eq__ raises is a value that changed, as far as we know
        return False
