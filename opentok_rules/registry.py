"""``RuleRegistry``: an ordered, editable list of named rules, and the ``rule`` decorator.

A rule is any object with a string ``id``, a one-line ``description`` and a method
``apply(options)``. ``options`` is the working dict of options, already normalized by the rules
before it; a rule may normalize it further in place, and returns the violations it finds (an
empty sequence when all is well). Rules run in registry order and every rule runs, so one pass
reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeAlias, runtime_checkable

import attrs

from .errors import Violation

__all__ = ["FunctionRule", "Options", "Rule", "RuleRegistry", "RuleResult", "rule"]

#: The working options a rule sees: a plain dict it may read and normalize in place.
Options: TypeAlias = dict[str, Any]


@runtime_checkable
class Rule(Protocol):
    """The shape of a rule; any object that has these three members is one."""

    @property
    def id(self) -> str: ...

    @property
    def description(self) -> str: ...

    def apply(self, options: Options) -> Sequence[Violation]: ...


#: What a function decorated with :func:`rule` may return.
RuleResult: TypeAlias = "str | Violation | Iterable[Violation] | None"


@attrs.frozen
class FunctionRule:
    """A rule made from a plain function by :func:`rule`."""

    id: str
    description: str
    func: Callable[[Options], RuleResult] = attrs.field(repr=False)
    field: str | None = None

    def apply(self, options: Options) -> Sequence[Violation]:
        found = self.func(options)
        if found is None:
            return ()
        if isinstance(found, str):
            return (Violation(self.id, self.field, found),)
        if isinstance(found, Violation):
            return (found,)
        return tuple(found)


def rule(
    id: str, description: str | None = None, *, field: str | None = None
) -> Callable[[Callable[[Options], RuleResult]], FunctionRule]:
    """Turn a function of the options into a rule.

    The function returns ``None`` when the options are fine, or a message (a violation of
    this rule on ``field``), or :class:`~opentok_rules.Violation` objects. It may also
    normalize ``options`` in place. ``description`` defaults to the docstring's first line.
    """

    def decorate(func: Callable[[Options], RuleResult]) -> FunctionRule:
        text = description if description is not None else _first_line(func.__doc__)
        if not text:
            raise ValueError(f"rule {id!r} needs a description (an argument or a docstring)")
        return FunctionRule(id=id, description=text, func=func, field=field)

    return decorate


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


def _checked(candidate: object) -> Rule:
    # Checked when a rule is registered, so a malformed rule fails where it was added,
    # not later in the middle of someone's request.
    rule_id = getattr(candidate, "id", None)
    if not isinstance(rule_id, str) or not rule_id:
        raise TypeError(f"a rule needs a non-empty str 'id'; {candidate!r} has {rule_id!r}")
    if not isinstance(getattr(candidate, "description", None), str):
        raise TypeError(f"rule {rule_id!r} needs a str 'description'")
    if not callable(getattr(candidate, "apply", None)):
        raise TypeError(f"rule {rule_id!r} needs an 'apply(options)' method")
    return candidate  # type: ignore[return-value]


class RuleRegistry:
    """An ordered collection of rules with unique ids, editable by id.

    Edits replace the inner tuple rather than mutate it, so a registry being iterated (by a
    request in another thread, say) always sees one consistent list.
    """

    __slots__ = ("_appliers", "_rules")

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._set(())
        for each in rules:
            self.add(each)

    def _set(self, rules: tuple[Rule, ...]) -> None:
        # The bound apply methods are looked up once per edit, not once per rule per call:
        # apply() is the hot path of every prepare_session. Both tuples are swapped at once.
        self._rules, self._appliers = rules, tuple(each.apply for each in rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self.ids()
        return any(item is each for each in self._rules)

    def __repr__(self) -> str:
        return f"RuleRegistry({list(self.ids())!r})"

    def ids(self) -> tuple[str, ...]:
        """The rule ids, in order."""
        return tuple(each.id for each in self._rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id; :class:`KeyError` naming the known ids if there is none."""
        return self._rules[self._index(rule_id)]

    def add(self, new: Rule) -> None:
        """Append a rule at the end."""
        self._insert(len(self._rules), new)

    def insert_before(self, rule_id: str, new: Rule) -> None:
        """Insert a rule just before the rule ``rule_id``."""
        self._insert(self._index(rule_id), new)

    def insert_after(self, rule_id: str, new: Rule) -> None:
        """Insert a rule just after the rule ``rule_id``."""
        self._insert(self._index(rule_id) + 1, new)

    def replace(self, rule_id: str, new: Rule) -> Rule:
        """Put a rule in the place of ``rule_id``; returns the rule it replaced."""
        index = self._index(rule_id)
        new = _checked(new)
        if new.id != rule_id and new.id in self.ids():
            raise ValueError(f"a rule with id {new.id!r} is already registered")
        old = self._rules[index]
        self._set((*self._rules[:index], new, *self._rules[index + 1 :]))
        return old

    def remove(self, rule_id: str) -> Rule:
        """Take the rule ``rule_id`` out; returns it."""
        index = self._index(rule_id)
        old = self._rules[index]
        self._set(self._rules[:index] + self._rules[index + 1 :])
        return old

    def copy(self) -> RuleRegistry:
        """An independent registry with the same rules (rules themselves are shared)."""
        clone = RuleRegistry()
        clone._set(self._rules)
        return clone

    def apply(self, options: Options) -> list[Violation]:
        """Run every rule in order on ``options`` (normalized in place); the violations found."""
        violations: list[Violation] = []
        for apply in self._appliers:
            found = apply(options)
            if found:
                violations.extend(found)
        return violations

    def _index(self, rule_id: str) -> int:
        for index, each in enumerate(self._rules):
            if each.id == rule_id:
                return index
        raise KeyError(f"no rule {rule_id!r}; the registered ids are {list(self.ids())!r}")

    def _insert(self, index: int, new: Rule) -> None:
        new = _checked(new)
        if new.id in self.ids():
            raise ValueError(
                f"a rule with id {new.id!r} is already registered; use replace() to swap it"
            )
        self._set((*self._rules[:index], new, *self._rules[index:]))
