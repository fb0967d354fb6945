"""RuleRegistry and the ``rule`` decorator (API.md section 3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest
from _support.ids import stable_id

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


@pytest.mark.parametrize("bad", MALFORMED, ids=stable_id)
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


# ---- one contract for what apply returns -----------------------------------------------------


class Returns:
    """A class rule that returns whatever it was given."""

    def __init__(self, result: object, rule_id: str = "odd") -> None:
        self.id = rule_id
        self.description = "Returns a fixed value."
        self.result = result

    def apply(self, options: Options) -> Sequence[Violation]:
        return self.result  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("result", "named"),
    [
        ("oops", "str"),
        (None, "NoneType"),
        (b"oops", "bytes"),
        (Violation("odd", None, "one"), "Violation"),
        ((Violation("odd", None, "one"), "two"), "a sequence holding str"),
        ([Violation("odd", None, "one"), None], "a sequence holding NoneType"),
        (iter([Violation("odd", None, "one")]), "list_iterator"),
        ({"a": 1}, "dict"),
    ],
    ids=stable_id,
)
def test_a_rule_returning_anything_but_a_sequence_of_violations_is_a_type_error(
    result: object, named: str
) -> None:
    registry = RuleRegistry([Note("first"), Returns(result, "odd-one")])
    with pytest.raises(TypeError) as caught:
        registry.apply({})
    message = str(caught.value)
    assert "'odd-one'" in message
    assert f"returned {named};" in message
    assert "sequence of Violation" in message


@pytest.mark.parametrize(
    "result",
    [
        (),
        [],
        [Violation("odd", "f", "m")],
        (Violation("odd", "f", "m"), Violation("odd", None, "n")),
    ],
    ids=stable_id,
)
def test_a_rule_returning_a_sequence_of_violations_is_taken_as_it_is(result: object) -> None:
    registry = RuleRegistry([Returns(result)])
    assert registry.apply({}) == list(result)  # type: ignore[call-overload]


def test_an_oops_rule_is_not_four_violations() -> None:
    with pytest.raises(TypeError, match="'odd'"):
        RuleRegistry([Returns("oops")]).apply({})


def test_a_decorated_rule_returning_junk_items_is_a_type_error_naming_it() -> None:
    @rule("junk-items", "Returns junk.")
    def junk(options: Options) -> Any:
        return [1, 2]

    with pytest.raises(TypeError, match="'junk-items' returned a sequence holding int"):
        RuleRegistry([junk]).apply({})


# ---- renamed ids ----------------------------------------------------------------------------


def token_registry() -> RuleRegistry:
    from opentok_rules.tokens import default_token_rules

    return default_token_rules()


OLD, NEW = "session-belongs-to-key", "token-session-belongs-to-key"


def test_the_old_id_finds_the_renamed_rule_with_a_deprecation_warning() -> None:
    registry = token_registry()
    with pytest.warns(DeprecationWarning, match=f"'{OLD}' is now '{NEW}'") as caught:
        found = registry.get(OLD)
    assert found.id == NEW
    assert caught[0].filename == __file__  # the warning points at the caller
    with pytest.warns(DeprecationWarning, match=NEW) as contains:
        assert OLD in registry
    assert contains[0].filename == __file__


@pytest.mark.parametrize("edit", ["replace", "remove", "insert_before", "insert_after"])
def test_every_edit_by_the_old_id_works_and_warns(edit: str) -> None:
    registry = token_registry()
    calls: dict[str, Callable[[], object]] = {
        "remove": lambda: registry.remove(OLD),
        "replace": lambda: registry.replace(OLD, registry.get(NEW)),
        "insert_before": lambda: registry.insert_before(OLD, Note("mine")),
        "insert_after": lambda: registry.insert_after(OLD, Note("mine")),
    }
    with pytest.warns(DeprecationWarning, match=f"'{OLD}' is now '{NEW}'") as caught:
        calls[edit]()
    assert caught[0].filename == __file__
    ids = registry.ids()
    if edit == "remove":
        assert NEW not in ids
    elif edit == "replace":
        assert ids.index(NEW) == 1
    else:
        offset = -1 if edit == "insert_before" else 1
        assert ids.index("mine") == ids.index(NEW) + offset


def test_the_old_id_is_not_found_where_the_rule_is_not_registered() -> None:
    registry = make("a")
    assert OLD not in registry
    with pytest.raises(KeyError):
        registry.get(OLD)


def test_the_new_id_does_not_warn() -> None:
    registry = token_registry()
    assert registry.get(NEW).id == NEW
    assert NEW in registry


# ---- reads and fills: rules with nothing to look at are skipped -----------------------------


class Reader(Note):
    def __init__(
        self, rule_id: str, reads: frozenset[str] | None, fills: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(rule_id)
        self.reads = reads
        self.fills = fills

    def apply(self, options: Options) -> Sequence[Violation]:
        options.setdefault("seen", []).append(self.id)
        for key in self.fills:
            options.setdefault(key, "default")
        return ()


def ran(registry: RuleRegistry, options: Options) -> list[str]:
    registry.apply(options)
    seen: list[str] = options["seen"]
    return seen


def test_a_rule_whose_options_are_all_absent_is_skipped() -> None:
    registry = RuleRegistry(
        [
            Reader("always", None),
            Reader("location-only", frozenset({"location"})),
            Reader("filler", frozenset({"mode"}), fills=frozenset({"mode"})),
            Reader("mode-reader", frozenset({"mode"})),
            Reader("name-reader", frozenset({"name", "other"})),
        ]
    )
    assert ran(registry, {}) == ["always", "filler", "mode-reader"]
    assert ran(registry, {"location": 1}) == ["always", "location-only", "filler", "mode-reader"]
    assert ran(registry, {"other": 1}) == ["always", "filler", "mode-reader", "name-reader"]
    # The plan for a key set is kept; an edit starts afresh.
    registry.remove("filler")
    assert ran(registry, {}) == ["always"]


def test_the_default_rules_that_fill_defaults_run_when_their_key_is_absent() -> None:
    from opentok_rules import default_rules

    options: Options = {}
    assert default_rules().apply(options) == []
    assert set(options) == {"media_mode", "archive_mode", "e2ee"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("reads", ["location"]), ("reads", frozenset({1})), ("fills", {"x"}), ("reads", "location")],
    ids=stable_id,
)
def test_reads_and_fills_must_be_frozensets_of_names(name: str, value: object) -> None:
    bad = Note("bad")
    setattr(bad, name, value)
    with pytest.raises(TypeError, match=f"'bad': '{name}' must be a frozenset"):
        RuleRegistry([bad])


def test_applies_to_is_asked_once_per_key_set() -> None:
    asked: list[frozenset[str]] = []

    class Picky(Note):
        def applies_to(self, keys: frozenset[str]) -> bool:
            asked.append(keys)
            return "wanted" in keys

    registry = RuleRegistry([Picky("picky"), Reader("filler", None, fills=frozenset({"x"}))])
    assert ran(registry, {"wanted": 1}) == ["picky", "filler"]
    assert ran(registry, {"wanted": 2}) == ["picky", "filler"]
    assert ran(registry, {"other": 1}) == ["filler"]
    assert asked == [frozenset({"wanted"}), frozenset({"other"})]


def test_known_keys_still_drops_and_refuses_unknown_keys_after_a_known_only_call() -> None:
    from opentok_rules import ValidationError, prepare_session, strict_rules

    rules = strict_rules()
    assert prepare_session({"media_mode": "routed"}, rules=rules).spec.media_mode == "routed"
    with pytest.raises(ValidationError, match="medai_mode"):
        prepare_session({"medai_mode": "routed"}, rules=rules)
    assert prepare_session({"junk": 1}).params["p2p.preference"] == "enabled"


class Counting:
    """A check of ``x`` that counts its calls; it objects to ``x == "bad"``."""

    id = "x-not-bad"
    description = "x is not 'bad'."
    reads = frozenset({"x"})

    def __init__(self) -> None:
        self.calls = 0

    def apply(self, options: Options) -> Sequence[Violation]:
        self.calls += 1
        if options.get("x") == "bad":
            return (Violation(self.id, "x", "x is bad"),)
        return ()


def filling(value: str) -> FunctionRule:
    @rule("fill-x", "x defaults to a value.", reads={"x"}, fills={"x"})
    def fill(options: Options) -> None:
        options.setdefault("x", value)

    return fill


def test_a_check_of_defaults_only_runs_when_the_defaults_give_it_something_to_say() -> None:
    counting = Counting()
    fine = RuleRegistry([filling("good"), counting])
    for _ in range(3):
        assert fine.apply({}) == []
    assert counting.calls == 1  # once, while working out the plan for no keys; then skipped
    assert [v.rule for v in fine.apply({"x": "bad"})] == ["x-not-bad"]

    objecting = Counting()
    bad = RuleRegistry([filling("bad"), objecting])
    for _ in range(3):
        assert [v.rule for v in bad.apply({})] == ["x-not-bad"]
    assert objecting.calls == 4  # it has something to say on the defaults: it runs every time


def test_a_replaced_default_is_checked_by_the_built_in_combination_rules() -> None:
    from opentok_rules import ArchiveMode, ValidationError, default_rules, prepare_session

    @rule("archive-mode-default", "Archive mode absent means always (this app's default).")
    def always(options: Options) -> None:
        if options.get("archive_mode") is None:
            options["archive_mode"] = ArchiveMode.ALWAYS

    rules = default_rules()
    rules.replace("archive-mode-default", always)
    for _ in range(2):
        with pytest.raises(ValidationError) as caught:
            prepare_session(rules=rules)
        assert [v.rule for v in caught.value.violations] == ["always-archive-requires-routed"]
    assert prepare_session(media_mode="routed", rules=rules).spec.archive_mode is ArchiveMode.ALWAYS


def test_the_rule_decorator_takes_reads_and_fills() -> None:
    @rule("r", "R.", reads=["a", "b"], fills=("a",))
    def r(options: Options) -> None:
        return None

    assert (r.reads, r.fills) == (frozenset({"a", "b"}), frozenset({"a"}))
    assert (rule("plain", "P.")(r.func).reads, rule("plain", "P.")(r.func).fills) == (None, None)
