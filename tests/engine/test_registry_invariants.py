"""The registry's own invariants and the rule return contract (issue 20, items 2 and 6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr


class Renaming:
    """A class rule whose ``id`` is an ordinary attribute anyone may change later."""

    def __init__(self, rule_id: str) -> None:
        self.id = rule_id
        self.description = f"Test rule {rule_id}."

    def apply(self, options: otr.Options) -> Sequence[otr.Violation]:
        return ()


# ---- ids are kept as they were when a rule was added ------------------------------------------


def test_changing_a_rules_id_after_add_changes_nothing_in_the_registry() -> None:
    first, second = Renaming("a"), Renaming("b")
    registry = otr.RuleRegistry([first, second])
    first.id = "b"  # now two rule objects say "b"
    assert registry.ids() == ("a", "b")
    assert registry.get("a") is first
    assert registry.get("b") is second
    assert registry.remove("a") is first
    assert registry.ids() == ("b",)
    assert registry.remove("b") is second
    assert len(registry) == 0


def test_a_renamed_rule_cannot_make_room_for_a_duplicate() -> None:
    first = Renaming("a")
    registry = otr.RuleRegistry([first])
    first.id = "z"
    with pytest.raises(ValueError, match="'a' is already registered"):
        registry.add(Renaming("a"))
    registry.add(Renaming("z"))  # "z" is free: the registry knows the first rule as "a"
    assert registry.ids() == ("a", "z")
    assert registry.copy().ids() == ("a", "z")


def test_replace_and_insert_keep_the_ids_in_step() -> None:
    registry = otr.RuleRegistry([Renaming("a"), Renaming("c")])
    registry.insert_after("a", Renaming("b"))
    registry.insert_before("a", Renaming("0"))
    registry.replace("c", Renaming("d"))
    assert registry.ids() == ("0", "a", "b", "d")
    assert [rule.id for rule in registry] == ["0", "a", "b", "d"]


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6, unique=True), st.data())
def test_renaming_rules_never_breaks_uniqueness_or_remove(ids: list[str], data: Any) -> None:
    rules = [Renaming(each) for each in ids]
    registry = otr.RuleRegistry(rules)
    for rule in rules:
        rule.id = data.draw(st.sampled_from("abcdefxyz"))
    assert registry.ids() == tuple(ids)
    for rule_id, rule in zip(ids, rules, strict=True):
        assert registry.remove(rule_id) is rule
    assert registry.ids() == ()


# ---- Violation checks its fields --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (1, 2, 3),
        ("r", 2, "m"),
        ("r", None, 3),
        (None, None, "m"),
        ("r", b"f", "m"),
        ("r", "f", None),
    ],
    ids=stable_id,
)
def test_violation_refuses_fields_of_the_wrong_type(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError, match="Violation"):
        otr.Violation(*args)


def test_violation_severity_is_deny_or_warn() -> None:
    assert otr.Violation("r", None, "m").severity == "deny"
    assert otr.Violation("r", "f", "m", "warn").severity == "warn"
    assert otr.Violation("r", "f", "m", severity="deny").severity == "deny"
    for bad in ("Deny", "error", "", None, 1):
        with pytest.raises(ValueError, match="'deny' or 'warn'"):
            otr.Violation("r", "f", "m", bad)  # type: ignore[arg-type]


@settings(max_examples=examples(200), deadline=None)
@given(
    st.one_of(st.text(), st.integers(), st.none(), st.binary()),
    st.one_of(st.text(), st.integers(), st.none(), st.binary()),
    st.one_of(st.text(), st.integers(), st.none(), st.binary()),
)
def test_violation_holds_only_its_documented_types(rule: Any, field: Any, message: Any) -> None:
    valid = isinstance(rule, str) and (field is None or isinstance(field, str))
    valid = valid and isinstance(message, str)
    if not valid:
        with pytest.raises(TypeError):
            otr.Violation(rule, field, message)
        return
    made = otr.Violation(rule, field, message)
    assert type(made.rule) is str
    assert type(made.message) is str
    assert made.message.startswith(message[:500])


# ---- one-line descriptions --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["two\nlines", "a\r\nb", "a\u2028b", "ends\n\nnext"])
def test_a_multi_line_description_is_refused(text: str) -> None:
    odd = Renaming("odd")
    odd.description = text
    with pytest.raises(ValueError, match="'odd': the description must be one line"):
        otr.RuleRegistry([odd])
    with pytest.raises(ValueError, match="one line"):
        otr.rule("odd", text)(lambda options: None)


def test_a_docstring_gives_its_first_line() -> None:
    @otr.rule("doc")
    def documented(options: otr.Options) -> None:
        """First line.

        More details.
        """

    assert documented.description == "First line."
    otr.RuleRegistry([documented])


# ---- the return contract of decorated rules ---------------------------------------------------


def registry_of(result: object) -> otr.RuleRegistry:
    @otr.rule("mine", "Returns a fixed result.", field="media_mode")
    def mine(options: otr.Options) -> Any:
        return result

    registry = otr.default_rules()
    registry.add(mine)
    return registry


@pytest.mark.parametrize("fine", [None, False, "", (), []], ids=stable_id)
def test_falsy_returns_mean_all_is_well(fine: object) -> None:
    assert otr.prepare_session(rules=registry_of(fine)).params["e2ee"] == "false"


def test_the_common_way_of_writing_a_rule_works() -> None:
    @otr.rule("no-location", "No location is given.", field="location")
    def no_location(options: otr.Options) -> otr.RuleResult:
        return options.get("location") is not None and "leave location out"

    registry = otr.default_rules()
    registry.add(no_location)
    otr.prepare_session(rules=registry)
    with pytest.raises(otr.ValidationError) as info:
        otr.prepare_session(location="1.2.3.4", rules=registry)
    assert [(v.rule, v.field, v.message) for v in info.value.violations] == [
        ("no-location", "location", "leave location out")
    ]


@pytest.mark.parametrize(
    ("result", "named"),
    [
        (True, "bool"),
        (1, "int"),
        (0, "int"),
        (object(), "object"),
        (b"x", "bytes"),
        ({"k": 1}, "dict"),
    ],
    ids=stable_id,
)
def test_a_wrong_return_type_names_the_rule(result: object, named: str) -> None:
    with pytest.raises(TypeError, match=rf"rule 'mine' returned {named}"):
        otr.prepare_session(rules=registry_of(result))


@pytest.mark.parametrize("result", [["a message"], ("m", otr.Violation("x", None, "m"))])
def test_a_list_of_something_else_names_the_rule(result: object) -> None:
    with pytest.raises(TypeError, match="rule 'mine' returned a sequence holding str"):
        otr.prepare_session(rules=registry_of(result))


@settings(max_examples=examples(200), deadline=None)
@given(st.booleans(), st.text(max_size=30))
def test_bad_and_message_reports_exactly_when_bad_and_said(bad: bool, message: str) -> None:
    registry = registry_of(bad and message)
    if bad and message:
        with pytest.raises(otr.ValidationError) as info:
            otr.prepare_session(rules=registry)
        assert [(v.rule, v.message) for v in info.value.violations] == [("mine", message)]
    else:
        otr.prepare_session(rules=registry)
