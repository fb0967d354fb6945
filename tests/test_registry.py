"""RuleRegistry and the ``rule`` decorator (API.md section 3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest

from opentok_rules import FunctionRule, Options, Rule, RuleRegistry, Violation, rule


class Note:
    """A tiny class rule: records that it ran and (optionally) reports a violation."""

    def __init__(self, rule_id: str, complaint: str | None = None) -> None:
        self.id = rule_id
        self.description = f"Test rule {rule_id}."
        self.complaint = complaint

    def apply(self, options: Options) -> Sequence[Violation]:
        options.setdefault("seen", []).append(self.id)
        if self.complaint is None:
            return ()
        return (Violation(self.id, "x", self.complaint),)


def make(*ids: str) -> RuleRegistry:
    return RuleRegistry([Note(each) for each in ids])


# ---- reading ----------------------------------------------------------------------------------


def test_iteration_order_ids_len() -> None:
    rules = [Note("a"), Note("b"), Note("c")]
    registry = RuleRegistry(rules)
    assert list(registry) == rules
    assert registry.ids() == ("a", "b", "c")
    assert len(registry) == 3
    assert len(RuleRegistry()) == 0
    assert RuleRegistry().ids() == ()
    assert list(RuleRegistry()) == []


def test_get_returns_the_rule() -> None:
    b = Note("b")
    registry = RuleRegistry([Note("a"), b])
    assert registry.get("b") is b


def test_in_by_id() -> None:
    a = Note("a")
    registry = RuleRegistry([a])
    assert "a" in registry
    assert "b" not in registry
    assert "" not in registry
    assert a in registry
    assert Note("a") not in registry  # a different object with the same id is not registered
    assert 3 not in registry


def test_every_rule_has_id_and_description() -> None:
    for each in make("a", "b"):
        assert isinstance(each.id, str)
        assert isinstance(each.description, str)
        assert isinstance(each, Rule)


# ---- editing ----------------------------------------------------------------------------------


def test_add_appends() -> None:
    registry = make("a")
    c = Note("c")
    registry.add(c)
    assert registry.ids() == ("a", "c")
    assert registry.get("c") is c


def test_insert_before() -> None:
    registry = make("a", "c")
    registry.insert_before("c", Note("b"))
    registry.insert_before("a", Note("first"))
    assert registry.ids() == ("first", "a", "b", "c")


def test_insert_after() -> None:
    registry = make("a", "c")
    registry.insert_after("a", Note("b"))
    registry.insert_after("c", Note("last"))
    assert registry.ids() == ("a", "b", "c", "last")


def test_replace_keeps_the_place_and_returns_the_old_rule() -> None:
    old = Note("b")
    registry = RuleRegistry([Note("a"), old, Note("c")])
    new = Note("b")
    assert registry.replace("b", new) is old
    assert registry.ids() == ("a", "b", "c")
    assert registry.get("b") is new
    other = Note("z")
    assert registry.replace("b", other) is new
    assert registry.ids() == ("a", "z", "c")
    assert "b" not in registry


def test_replace_with_an_id_used_elsewhere_is_refused() -> None:
    registry = make("a", "b")
    with pytest.raises(ValueError, match="'a'"):
        registry.replace("b", Note("a"))
    assert registry.ids() == ("a", "b")


def test_remove_returns_the_rule() -> None:
    b = Note("b")
    registry = RuleRegistry([Note("a"), b, Note("c")])
    assert registry.remove("b") is b
    assert registry.ids() == ("a", "c")
    assert "b" not in registry
    assert len(registry) == 2


def test_copy_is_independent_both_ways() -> None:
    original = make("a", "b")
    clone = original.copy()
    assert isinstance(clone, RuleRegistry)
    assert clone is not original
    assert clone.ids() == original.ids()
    assert list(clone) == list(original)

    clone.remove("a")
    clone.add(Note("c"))
    assert original.ids() == ("a", "b")
    assert clone.ids() == ("b", "c")

    original.insert_before("a", Note("z"))
    original.replace("b", Note("y"))
    assert original.ids() == ("z", "a", "y")
    assert clone.ids() == ("b", "c")


def test_edit_during_iteration_does_not_disturb_the_iteration() -> None:
    registry = make("a", "b")
    seen = []
    for each in registry:
        seen.append(each.id)
        if each.id == "a":
            registry.add(Note("c"))
    assert seen in (["a", "b"], ["a", "b", "c"])
    assert registry.ids() == ("a", "b", "c")


# ---- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda r: r.add(Note("a")),
        lambda r: r.insert_before("b", Note("a")),
        lambda r: r.insert_after("b", Note("b")),
        lambda r: RuleRegistry([Note("x"), Note("x")]),
    ],
    ids=["add", "insert_before", "insert_after", "constructor"],
)
def test_duplicate_id_is_refused(edit: Any) -> None:
    registry = make("a", "b")
    with pytest.raises(ValueError, match="already registered"):
        edit(registry)
    assert registry.ids() == ("a", "b")


@pytest.mark.parametrize(
    "edit",
    [
        lambda r: r.get("nope"),
        lambda r: r.remove("nope"),
        lambda r: r.replace("nope", Note("c")),
        lambda r: r.insert_before("nope", Note("c")),
        lambda r: r.insert_after("nope", Note("c")),
    ],
    ids=["get", "remove", "replace", "insert_before", "insert_after"],
)
def test_unknown_id_raises_key_error_naming_known_ids(edit: Any) -> None:
    registry = make("alpha", "beta")
    with pytest.raises(KeyError) as info:
        edit(registry)
    text = str(info.value.args[0])
    assert "nope" in text
    assert "alpha" in text
    assert "beta" in text
    assert registry.ids() == ("alpha", "beta")


class NoId:
    description = "no id"

    def apply(self, options: Options) -> Sequence[Violation]:
        return ()


class EmptyId(NoId):
    id = ""


class IntId(NoId):
    id = 7


class NoDescription:
    id = "no-description"

    def apply(self, options: Options) -> Sequence[Violation]:
        return ()


class NoApply:
    id = "no-apply"
    description = "cannot apply"


class ApplyNotCallable(NoApply):
    apply = "not callable"


MALFORMED = [
    NoId(),
    EmptyId(),
    IntId(),
    NoDescription(),
    NoApply(),
    ApplyNotCallable(),
    "rule",
    None,
]


EDITS: dict[str, Any] = {
    "add": lambda r, c: r.add(c),
    "insert_before": lambda r, c: r.insert_before("a", c),
    "insert_after": lambda r, c: r.insert_after("a", c),
    "replace": lambda r, c: r.replace("a", c),
    "constructor": lambda r, c: RuleRegistry([c]),
}


@pytest.mark.parametrize("bad", MALFORMED, ids=repr)
@pytest.mark.parametrize("how", list(EDITS))
def test_malformed_rule_is_refused(bad: object, how: str) -> None:
    registry = make("a")
    with pytest.raises(TypeError):
        EDITS[how](registry, cast(Any, bad))
    assert registry.ids() == ("a",)


# ---- apply ------------------------------------------------------------------------------------


def test_apply_runs_every_rule_in_order_and_collects_violations_in_order() -> None:
    registry = RuleRegistry([Note("a", "first"), Note("b"), Note("c", "third")])
    registry.insert_after("a", Note("a2", "second"))
    options: Options = {}
    found = registry.apply(options)
    assert options["seen"] == ["a", "a2", "b", "c"]
    assert [v.rule for v in found] == ["a", "a2", "c"]
    assert [v.message for v in found] == ["first", "second", "third"]


def test_apply_on_empty_registry() -> None:
    options: Options = {"k": 1}
    assert list(RuleRegistry().apply(options)) == []
    assert options == {"k": 1}


def test_rules_see_the_options_as_normalized_by_earlier_rules() -> None:
    @rule("upper", "Upper-cases the name.")
    def upper(options: Options) -> None:
        options["name"] = options["name"].upper()

    @rule("check", "Name is upper case.", field="name")
    def check(options: Options) -> str | None:
        return None if options["name"].isupper() else "name must be upper case"

    options: Options = {"name": "abc"}
    assert list(RuleRegistry([upper, check]).apply(options)) == []
    assert options == {"name": "ABC"}
    assert [v.rule for v in RuleRegistry([check, upper]).apply({"name": "abc"})] == ["check"]


# ---- the rule decorator -----------------------------------------------------------------------


def test_rule_decorator_message_becomes_violation_with_field() -> None:
    @rule("no-foo", "No foo allowed.", field="foo")
    def no_foo(options: Options) -> str | None:
        return "remove foo" if "foo" in options else None

    assert isinstance(no_foo, FunctionRule)
    assert isinstance(no_foo, Rule)
    assert no_foo.id == "no-foo"
    assert no_foo.description == "No foo allowed."
    assert list(no_foo.apply({"foo": 1})) == [Violation("no-foo", "foo", "remove foo")]
    assert list(no_foo.apply({})) == []


def test_rule_decorator_without_field_gives_field_none() -> None:
    @rule("combo", "A combination rule.")
    def combo(options: Options) -> str:
        return "bad combination"

    (found,) = combo.apply({})
    assert found == Violation("combo", None, "bad combination")


def test_rule_decorator_returning_violations() -> None:
    one = Violation("many", "a", "a is wrong")
    two = Violation("many", "b", "b is wrong")

    @rule("single", "Returns one violation.")
    def single(options: Options) -> Violation:
        return one

    @rule("many", "Returns several.")
    def many(options: Options) -> list[Violation]:
        return [one, two]

    @rule("gen", "Returns a generator.")
    def gen(options: Options) -> Any:
        return (v for v in (two, one))

    @rule("none-found", "Returns an empty list.")
    def none_found(options: Options) -> list[Violation]:
        return []

    assert list(single.apply({})) == [one]
    assert list(many.apply({})) == [one, two]
    assert list(gen.apply({})) == [two, one]
    assert list(none_found.apply({})) == []


def test_rule_decorator_description_from_docstring_first_line() -> None:
    @rule("documented")
    def documented(options: Options) -> None:
        """
        Location must be in Europe.

        More text that is not part of the description.
        """

    assert documented.description == "Location must be in Europe."


def test_rule_decorator_explicit_description_wins_over_docstring() -> None:
    @rule("both", "Explicit.")
    def both(options: Options) -> None:
        """Docstring."""

    assert both.description == "Explicit."


def test_rule_decorator_without_description_is_an_error() -> None:
    def undocumented(options: Options) -> None:
        return None

    with pytest.raises(ValueError, match="undocumented-rule"):
        rule("undocumented-rule")(undocumented)

    def blank(options: Options) -> None:
        """ """

    with pytest.raises(ValueError, match="blank-rule"):
        rule("blank-rule")(blank)


def test_decorated_rule_in_a_registry() -> None:
    @rule("even", "Count is even.", field="count")
    def even(options: Options) -> str | None:
        return None if options.get("count", 0) % 2 == 0 else "count must be even"

    registry = make("a")
    registry.add(even)
    assert registry.ids() == ("a", "even")
    assert [v.field for v in registry.apply({"count": 3})] == ["count"]
    assert list(registry.apply({"count": 4})) == []


def test_small_class_rule_works_in_a_registry() -> None:
    class MaxParticipants:
        id = "max-participants"
        description = "At most 10 participants."

        def apply(self, options: Options) -> Sequence[Violation]:
            if options.get("participants", 0) > 10:
                return (Violation(self.id, "participants", "at most 10 participants"),)
            return ()

    registry = RuleRegistry()
    registry.add(MaxParticipants())
    assert "max-participants" in registry
    assert registry.get("max-participants").description == "At most 10 participants."
    assert list(registry.apply({"participants": 11})) == [
        Violation("max-participants", "participants", "at most 10 participants")
    ]
    assert list(registry.apply({"participants": 3})) == []
