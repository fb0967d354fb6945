"""``RuleRegistry``: an ordered, editable list of named rules, and the ``rule`` decorator.

A rule is any object with a string ``id``, a one-line ``description`` and a method
``apply(options)``. ``options`` is the working dict of options, already normalized by the rules
before it; a rule may normalize it further in place, and returns the violations it finds (an
empty sequence when all is well). Rules run in registry order and every rule runs, so one pass
reports every problem at once.

A rule may also declare ``reads``, the option keys it looks at (a ``frozenset`` of ``str``),
and ``fills``, the keys it may write (a default it fills in, or a value it normalizes). A rule
that declares ``reads`` promises that its work depends on those keys alone: with none of them
present it does nothing, and with only defaults filled in by the rules before it, it does the
same on every call. The registry works out once per set of option keys which rules have
anything to do (running such a rule once on the defaults to find out) and skips the others.
Both are optional: a rule without ``reads`` always runs, and after a rule without ``fills``
(which may write any key) every rule runs. A rule whose relevance ``reads`` cannot express may
define ``applies_to(keys) -> bool`` instead, asked once per set of keys (``known-keys`` has
nothing to do when every key is known).

A registry that holds only the library's own session rules and the built-in kinds of
:mod:`opentok_rules.kinds` (whose outcome depends on the options alone) also remembers the
specs it let through, so ``prepare_session`` with options it has seen before, all plain
values, skips the rules; any rule of yours turns that off.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from opentok_rules._messages import short_repr, shown
from opentok_rules.errors import MAX_NAME, ConfigurationError, Violation
from opentok_rules.values import plain_str

__all__ = [
    "RENAMED_IDS",
    "FunctionRule",
    "Options",
    "Rule",
    "RuleRegistry",
    "RuleResult",
    "rule",
]

_R = TypeVar("_R")

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


#: Rule ids that were renamed, old -> new: the old id still finds the rule for one release,
#: with a DeprecationWarning where it is looked up. The operation whose rule it is says so
#: where the rule is defined.
RENAMED_IDS: dict[str, str] = {}

#: The rule classes whose verdict and normalization depend on the options alone (the
#: library's session rules register themselves). Exact types: a subclass may do anything.
_PURE_RULE_TYPES: set[type] = set()

#: The library's session rules, place by place, after which the options are always ones a
#: ``SessionSpec`` takes as they are: what they let through needs no second check. Each place
#: holds the rules allowed there (the default and the strict one). The session operation fills
#: it when its rules are first read (``opentok_rules.operations.library``).
SPEC_RULES: list[tuple[object, ...]] = []

#: Most specs a registry remembers; it forgets them all when full.
MEMO_SIZE = 256

#: A rule's bound ``apply``.
Applier: TypeAlias = Callable[[Options], Sequence[Violation]]

#: What a function decorated with :func:`rule` may return.
#: ``bool`` because ``return bad and "message"`` is the common way to write one (False: fine).
RuleResult: TypeAlias = "str | bool | Violation | Iterable[Violation] | None"


@attrs.frozen
class FunctionRule:
    """A rule made from a plain function by :func:`rule`."""

    id: str
    description: str
    func: Callable[[Options], RuleResult] = attrs.field(repr=False)
    field: str | None = None
    reads: frozenset[str] | None = None
    fills: frozenset[str] | None = None

    def apply(self, options: Options) -> Sequence[Violation]:
        found = self.func(options)
        # The contract (docs/custom-rules.rst): None, False, "" and an empty list or tuple
        # mean all is well, so ``return bad and "message"`` works whatever ``bad`` is.
        if found is None or found is False:
            return ()
        if isinstance(found, str):
            return (Violation(self.id, self.field, found),) if found else ()
        if isinstance(found, Violation):
            return (found,)
        if isinstance(found, (list, tuple)) or (
            isinstance(found, Iterable) and not isinstance(found, (bytes, bytearray, Mapping))
        ):
            return tuple(found)  # the registry checks that each item is a Violation
        raise TypeError(
            f"rule {self.id!r} returned {type(found).__name__}; a @rule function returns None, "
            "False or '' when all is well, else a message (str), a Violation or a list of them"
        )


def rule(
    id: str,
    description: str | None = None,
    *,
    field: str | None = None,
    reads: Iterable[str] | None = None,
    fills: Iterable[str] | None = None,
) -> Callable[[Callable[[Options], RuleResult]], FunctionRule]:
    """Turn a function of the options into a rule.

    The function returns a falsy ``None``, ``False``, ``""``, ``()`` or ``[]`` when the
    options are fine; else a message (a violation of this rule on ``field``), or
    :class:`~opentok_rules.Violation` objects. Anything else is a :class:`TypeError` naming
    the rule. It may also normalize ``options`` in place. ``description`` (one line) defaults
    to the docstring's first line. ``reads`` and ``fills`` declare the keys it looks at and
    writes (see the module's doc).
    """

    def decorate(func: Callable[[Options], RuleResult]) -> FunctionRule:
        text = description if description is not None else _first_line(func.__doc__)
        if not text:
            raise ValueError(f"rule {id!r} needs a description (an argument or a docstring)")
        _one_line(id, text)
        return FunctionRule(
            id=id,
            description=text,
            func=func,
            field=field,
            reads=None if reads is None else frozenset(reads),
            fills=None if fills is None else frozenset(fills),
        )

    return decorate


def pure_rule(cls: type[_R]) -> type[_R]:
    """Class decorator: this rule class's outcome depends on the options alone."""
    _PURE_RULE_TYPES.add(cls)
    return cls


#: How many unknown option names a known-keys rule reports one by one; the rest are counted.
#: Each report costs a spelling hint, and 200,000 junk keys must not cost seconds.
MAX_REPORTED = 20


def reported(
    rule_id: str, found: list[Violation], unknown: Sequence[object]
) -> tuple[Violation, ...]:
    """``found`` (for the first MAX_REPORTED unknown names), and one violation counting the rest."""
    more = len(unknown) - len(found)
    if more > 0:
        message = f"and {more} more unknown option names; pass only the options you mean"
        found.append(Violation(rule_id, None, message))
    return tuple(found)


def guarantees_spec(rules: Sequence[Rule]) -> bool:
    """Whether every options these rules let through make a spec the service takes.

    True when the library's own session rules are all there, unchanged (the exact class and
    equal fields: a subclass or an edit is not one of them) and in their order, and every
    other rule is one of the library's own pure rule types that writes nothing (``fills``
    empty): it may refuse more, but cannot change what the others normalized.
    """
    expected = SPEC_RULES
    if len(rules) < len(expected) or not expected:
        return False
    place = 0
    for each in rules:
        if place < len(expected) and any(
            type(each) is type(own) and each == own for own in expected[place]
        ):
            place += 1
            continue
        fills = getattr(each, "fills", None)
        if type(each) not in _PURE_RULE_TYPES or fills.__class__ is not frozenset or fills:
            return False
    return place == len(expected)


def _settled(each: Rule, defaults: Options) -> tuple[bool, Options]:
    """Whether ``each`` has work to do on ``defaults``, and the defaults after it."""
    scratch = copy.deepcopy(defaults)  # deep: a rule may change a list it finds there
    try:
        found = each.apply(scratch)
    except Exception:
        return True, defaults  # let the real call raise, where the caller can see it
    # Equal values of another type are a change too: a rule that turns "subscriber" into
    # Role.SUBSCRIBER (equal, as a str enum) normalizes, and must run.
    if (
        found
        or scratch != defaults
        or any(type(scratch[k]) is not type(v) for k, v in defaults.items())
    ):
        # It reports, or fills a default: it runs on every call (what it fills is now known).
        return True, scratch
    return False, defaults


def _renamed(rule_id: object, ids: Sequence[str], stacklevel: int = 4) -> str | None:
    """The new id of a renamed rule registered here, with a DeprecationWarning; else None."""
    new_id = RENAMED_IDS.get(rule_id) if isinstance(rule_id, str) else None
    if new_id is None or new_id not in ids:
        return None
    warnings.warn(
        f"the rule id {rule_id!r} is now {new_id!r}; the old id will stop working in the "
        "next release",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return new_id


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


def _one_line(rule_id: str, description: str) -> None:
    # Listings (the `rules` command, the docs, the emulator's console) show one line a rule.
    if len(description.splitlines()) > 1:
        raise ValueError(
            f"rule {rule_id!r}: the description must be one line; got "
            f"{len(description.splitlines())} lines (put the details in a docstring)"
        )


def checked_rule(candidate: object) -> tuple[str, Rule]:
    """The id of ``candidate`` and the rule, once checked to be one.

    Checked when a rule is registered, so a malformed rule fails where it was added, not later
    in the middle of someone's request. The id is read here once: the registry keeps it, so a
    rule object that changes its ``id`` later cannot make two rules of one id.
    """
    rule_id = getattr(candidate, "id", None)
    if not isinstance(rule_id, str) or not rule_id:
        raise TypeError(
            f"a rule needs a non-empty str 'id'; {short_repr(candidate)} has {shown(rule_id)}"
        )
    rule_id = plain_str(rule_id)
    if len(rule_id) > MAX_NAME:
        # A Violation keeps the first MAX_NAME characters of its rule's id: two longer ids
        # that share them would be one name in every finding.
        raise ConfigurationError(
            f"rule id {rule_id[:40]!r}... is {len(rule_id)} characters long; a rule id is at "
            f"most {MAX_NAME} (findings name their rule by the first {MAX_NAME})"
        )
    description = getattr(candidate, "description", None)
    if not isinstance(description, str):
        raise TypeError(f"rule {rule_id!r} needs a str 'description'")
    _one_line(rule_id, description)
    if not callable(getattr(candidate, "apply", None)):
        raise TypeError(f"rule {rule_id!r} needs an 'apply(options)' method")
    for name in ("reads", "fills"):
        keys = getattr(candidate, name, None)
        if keys is not None and not (
            isinstance(keys, frozenset) and all(type(key) is str for key in keys)
        ):
            raise TypeError(
                f"rule {rule_id!r}: {name!r} must be a frozenset of option names (str) or "
                f"absent; got {type(keys).__name__}"
            )
    return rule_id, candidate  # type: ignore[return-value]


# CPython keeps one empty tuple, and every built-in rule returns it when all is well: one
# identity test settles the usual case, so checking what rules return costs the hot path
# nothing. Anything else goes through checked_result.
_NO_VIOLATIONS: tuple[Violation, ...] = ()


def checked_result(
    ids: Sequence[str], rules: Sequence[Rule], apply: object, found: object
) -> Sequence[Violation]:
    """``found`` if it is what the Rule protocol promises; else a TypeError naming the rule."""
    if isinstance(found, (list, tuple)) and all(type(each) is Violation for each in found):
        return found
    if isinstance(found, Sequence) and not isinstance(found, (str, bytes, bytearray)):
        if all(isinstance(each, Violation) for each in found):
            return tuple(found)
        bad = next(each for each in found if not isinstance(each, Violation))
        problem = f"a sequence holding {type(bad).__name__}"
    else:
        problem = type(found).__name__
    rule_id = next((i for i, each in zip(ids, rules, strict=True) if each.apply == apply), "?")
    raise TypeError(
        f"rule {rule_id!r} returned {problem}; apply() must return a sequence of Violation "
        "(an empty tuple when all is well). Use the @rule decorator to return a message instead"
    )


#: A snapshot's memo before it is worked out (see Snapshot.derive).
_UNKNOWN: Any = {}


class Snapshot:
    """One edit's rules and everything remembered about them: the registry's whole state.

    An edit makes a new snapshot and puts it in place in one assignment, so a call that read
    the snapshot before sees the old rules with the old plans, memory and compiled pass, and
    a call that starts after the edit has returned sees only the new ones: nothing worked out
    for one list of rules is ever used with another. What is worked out (plans, remembered
    specs, the compiled pass) is made on first use, so building a registry rule by rule does
    a constant amount of work per rule.
    """

    __slots__ = (
        "_guaranteed",
        "compiled",
        "ids",
        "memo",
        "memo_hits",
        "memo_misses",
        "memo_pause",
        "passes",
        "plans",
        "rules",
    )

    def __init__(self, ids: tuple[str, ...], rules: tuple[Rule, ...]) -> None:
        #: The ids as they were when each rule was added: a rule object that changes its
        #: ``id`` afterwards cannot break uniqueness or lookups.
        self.ids = ids
        self.rules = rules
        #: Which rules' apply to run for a given set of option keys (see RuleRegistry._plan).
        self.plans: dict[frozenset[Any], tuple[Applier, ...]] = {}
        #: The pass compiled from these rules (see engine.compiler), made on first use.
        self.compiled: Any = None
        #: The passes of other operations compiled from these rules (archives, tokens; see
        #: engine.compiler.compiled_pass), by the operation's name, made on first use.
        self.passes: dict[str, Any] = {}
        #: How many calls the memo served and missed since it was last judged, and for how
        #: many more calls it is not consulted (the pipeline pauses a memo that serves too few).
        self.memo_hits = 0
        self.memo_misses = 0
        self.memo_pause = 0
        #: Outcomes the pipeline may reuse (see pipeline._remembered), only while every rule
        #: is one whose outcome depends on the options alone; None otherwise. Worked out by
        #: derive(), which the pipeline calls when it compiles the pass.
        self.memo: dict[Any, Any] | None = _UNKNOWN
        self._guaranteed: bool | None = None

    def derive(self) -> Snapshot:
        """Work out what is remembered per snapshot, once; returns the snapshot."""
        if self.memo is _UNKNOWN:
            pure = all(type(each) in _PURE_RULE_TYPES for each in self.rules)
            self.memo = {} if pure else None
        return self

    @property
    def spec_guaranteed(self) -> bool:
        """Whether what these rules let through is always a spec the service takes, so the
        pipeline may build it without checking again (see guarantees_spec)."""
        found = self._guaranteed
        if found is None:
            found = self._guaranteed = guarantees_spec(self.rules)
        return found


class RuleRegistry:
    """An ordered collection of rules with unique ids, editable by id.

    A container: its rules and all that is remembered about them are one ``Snapshot``
    that every edit replaces in one step, so a registry being used (by a request in another
    thread, say) always sees one consistent list, and an edit that has returned applies to
    every call that starts after it.
    """

    __slots__ = ("__dict__", "_state")

    _state: Snapshot

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        ids: list[str] = []
        kept: list[Rule] = []
        seen: set[str] = set()
        for each in rules:
            rule_id, checked = checked_rule(each)
            if rule_id in seen:
                raise ValueError(
                    f"a rule with id {rule_id!r} is already registered; use replace() to swap it"
                )
            seen.add(rule_id)
            ids.append(rule_id)
            kept.append(checked)
        self._set(tuple(ids), tuple(kept))

    def _set(self, ids: tuple[str, ...], rules: tuple[Rule, ...]) -> None:
        self._state = Snapshot(ids, rules)

    # The snapshot's parts, by the names they had as the registry's own attributes.

    @property
    def _ids(self) -> tuple[str, ...]:
        return self._state.ids

    @property
    def _rules(self) -> tuple[Rule, ...]:
        return self._state.rules

    @property
    def _plans(self) -> dict[frozenset[Any], tuple[Applier, ...]]:
        return self._state.plans

    @property
    def _memo(self) -> dict[Any, Any] | None:
        return self._state.derive().memo

    @_memo.setter
    def _memo(self, value: dict[Any, Any] | None) -> None:
        self._state.memo = value

    @property
    def _spec_guaranteed(self) -> bool:
        return self._state.spec_guaranteed

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            ids = self.ids()
            return item in ids or _renamed(item, ids, stacklevel=3) is not None
        return any(item is each for each in self._rules)

    def __repr__(self) -> str:
        return f"RuleRegistry({list(self.ids())!r})"

    def ids(self) -> tuple[str, ...]:
        """The rule ids, in order (each as it was when the rule was added)."""
        return self._ids

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
        new_id, new = checked_rule(new)
        ids, rules = self._ids, self._rules
        if new_id != ids[index] and new_id in ids:
            raise ValueError(f"a rule with id {new_id!r} is already registered")
        self._set(
            (*ids[:index], new_id, *ids[index + 1 :]), (*rules[:index], new, *rules[index + 1 :])
        )
        return rules[index]

    def remove(self, rule_id: str) -> Rule:
        """Take the rule ``rule_id`` out; returns it."""
        index = self._index(rule_id)
        ids, rules = self._ids, self._rules
        self._set(ids[:index] + ids[index + 1 :], rules[:index] + rules[index + 1 :])
        return rules[index]

    def copy(self) -> RuleRegistry:
        """An independent registry with the same rules (rules themselves are shared)."""
        clone = RuleRegistry()
        state = self._state
        clone._set(state.ids, state.rules)
        return clone

    def apply(self, options: Options) -> list[Violation]:
        """Run every rule in order on ``options`` (normalized in place); the violations found.

        Raises :class:`TypeError` naming the rule if a rule returns anything but a sequence
        of :class:`~opentok_rules.Violation`.
        """
        violations: list[Violation] = []
        state = self._state  # read once: an edit swaps in a new snapshot, never changes this
        plans = state.plans
        try:
            appliers = plans[frozenset(options)]
        except KeyError:
            appliers = self._plan(plans, frozenset(options), state.rules)
        empty = _NO_VIOLATIONS
        for apply in appliers:
            found = apply(options)
            if found is empty:
                continue
            if found.__class__ is tuple and len(found) == 1 and found[0].__class__ is Violation:
                violations.append(found[0])  # the usual refusal: one violation, checked inline
            else:
                violations.extend(checked_result(state.ids, state.rules, apply, found))
        return violations

    def _plan(
        self,
        plans: dict[frozenset[Any], tuple[Applier, ...]],
        keys: frozenset[Any],
        rules: tuple[Rule, ...] | None = None,
    ) -> tuple[Applier, ...]:
        """The appliers of the rules with something to do when the caller gives ``keys``.

        ``present`` are the keys that may hold a caller's value; ``defaults`` the values the
        rules fill in for keys the caller left out, known exactly (a rule that declares
        ``reads`` depends on nothing else, so with none of them given its work is the same
        on every call with these keys). A rule whose reads are all absent or defaults is
        run once here, on a copy of the defaults: if it has nothing to say there and changes
        nothing, it is skipped for these keys.
        """
        present = set(keys)
        defaults: Options = {}
        plan = []
        opaque = False  # set once a rule that may write any key runs: nothing after is settled
        for each in self._rules if rules is None else rules:
            reads = getattr(each, "reads", None)
            fills = getattr(each, "fills", None)
            applies_to = getattr(each, "applies_to", None)
            settled = False
            if opaque:
                needed = True
            elif applies_to is not None:
                needed = bool(applies_to(frozenset(present | defaults.keys())))
                if (
                    needed
                    and getattr(each, "settles_on_defaults", False)
                    and isinstance(reads, frozenset)
                    and present.isdisjoint(reads)
                ):
                    # A kind whose every key is absent or a default filled in before it: its
                    # work is the same on every call with these keys, so it is run once here.
                    (needed, defaults), settled = _settled(each, defaults), True
            elif reads is None or not present.isdisjoint(reads):
                needed = True
            elif fills or not defaults.keys().isdisjoint(reads):
                (needed, defaults), settled = _settled(each, defaults), True
            else:
                needed = False  # nothing it reads is there: it promised to do nothing
            if needed:
                plan.append(each.apply)
                if fills is None:
                    opaque = True
                elif not settled:
                    present |= fills  # written from what the caller gave: not known here
        appliers = tuple(plan)
        # Bounded: callers with ever new keys (junk, typos) must not grow it without end.
        if len(plans) < 64:
            plans[keys] = appliers
        return appliers

    def _index(self, rule_id: str) -> int:
        ids = self._ids
        if rule_id in ids:
            return ids.index(rule_id)
        new_id = _renamed(rule_id, ids)
        if new_id is not None:
            return self._index(new_id)
        raise KeyError(f"no rule {rule_id!r}; the registered ids are {list(self.ids())!r}")

    def _insert(self, index: int, new: Rule) -> None:
        new_id, new = checked_rule(new)
        ids, rules = self._ids, self._rules
        if new_id in ids:
            raise ValueError(
                f"a rule with id {new_id!r} is already registered; use replace() to swap it"
            )
        self._set((*ids[:index], new_id, *ids[index:]), (*rules[:index], new, *rules[index:]))
