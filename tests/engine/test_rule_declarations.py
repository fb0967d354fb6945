"""What each rule class states about itself once: a library rule's id and key, a built-in
kind's name, and the plain functions made from the outcome functions."""

from __future__ import annotations

import inspect
import logging
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.kinds import BUILTIN_KINDS, LibraryRule, OptionRule, library_rules
from opentok_rules.engine.outcome import Outcome, logging_warnings
from opentok_rules.engine.registry import _PURE_RULE_TYPES
from opentok_rules.errors import Violation
from opentok_rules.operations.session import rules as session_rules
from opentok_rules.operations.token import rules as token_rules
from opentok_rules.operations.token.prepare import prepare_token, token_outcome
from opentok_rules.tokens import issue_token, issue_token_outcome

LIBRARY_CLASSES = [
    cls
    for cls in [
        *session_rules.LIBRARY_SESSION_KINDS.values(),
        *token_rules.LIBRARY_TOKEN_KINDS.values(),
    ]
    if issubclass(cls, LibraryRule)
]


@pytest.mark.parametrize("cls", LIBRARY_CLASSES, ids=lambda cls: cls.__name__)
def test_a_library_rule_is_named_by_its_class_and_made_an_attrs_class(cls: Any) -> None:
    rule = cls()
    assert rule.id == cls.usual_id == cls.kind.replace("_", "-")
    assert cls.__name__ == "".join(part.capitalize() for part in cls.kind.split("_")) + "Rule"
    # Frozen and slotted, whether the class declared fields (and @attrs.frozen) or not.
    assert "__slots__" in vars(cls)
    assert not hasattr(rule, "__dict__")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rule.id = "other"
    assert cls(id="mine").id == "mine"


@pytest.mark.parametrize(
    "cls", [cls for cls in LIBRARY_CLASSES if issubclass(cls, OptionRule)], ids=lambda c: c.__name__
)
def test_a_rule_on_one_option_reads_and_fills_its_key(cls: Any) -> None:
    assert cls().reads == cls.fills == frozenset({cls.key})


DECLARED: dict[str, type] = {}


@library_rules(DECLARED, pure=False)(description="tone is 'low' or 'high' (any case).")
class ToneLevelRule(OptionRule):
    """A rule of the test's own, declared as the library declares its rules."""

    key: ClassVar[str] = "tone"
    absent: ClassVar[object] = "low"
    refusal: ClassVar[str] = "tone must be 'low' or 'high'; got {}"

    def _canonical(self, value: object) -> object:
        if not isinstance(value, str):
            return None
        lowered = str.lower(value)
        return lowered if lowered in ("low", "high") else None


def test_the_decorator_declares_a_rule_of_ones_own() -> None:
    assert list(DECLARED.items()) == [("tone_level", ToneLevelRule)]
    rule = ToneLevelRule()
    assert (rule.id, rule.kind, rule.description) == (
        "tone-level",
        "tone_level",
        "tone is 'low' or 'high' (any case).",
    )
    assert rule.reads == ToneLevelRule.fills == frozenset({"tone"})
    assert ToneLevelRule not in _PURE_RULE_TYPES
    assert repr(rule) == "ToneLevelRule()"
    assert repr(ToneLevelRule(id="mine")) == "ToneLevelRule(id='mine')"


@given(st.one_of(st.none(), st.text(max_size=6), st.integers(), st.booleans()))
def test_an_option_rule_fills_keeps_canonical_or_refuses(value: object) -> None:
    options: dict[str, object] = {"tone": value}
    found = ToneLevelRule().apply(options)
    if value is None:
        assert (found, options) == ((), {"tone": "low"})
    elif isinstance(value, str) and value.lower() in ("low", "high"):
        assert (found, options) == ((), {"tone": value.lower()})
    else:
        (violation,) = found
        assert violation.rule == "tone-level"
        assert violation.field == "tone"
        assert violation.message == f"tone must be 'low' or 'high'; got {otr_shown(value)}"
        assert options == {"tone": value}  # a refused value is left as it was


def otr_shown(value: object) -> str:
    from opentok_rules._messages import shown

    return shown(value)


def test_every_builtin_kind_states_its_name_and_is_pure() -> None:
    assert list(BUILTIN_KINDS) == [
        "required",
        "forbidden",
        "allowed",
        "pattern",
        "length",
        "network",
        "max_ttl",
        "type",
        "range",
        "default",
        "normalize",
        "session_id",
        "exclusive",
    ]
    for name, cls in BUILTIN_KINDS.items():
        assert cls.kind == name
        assert cls in _PURE_RULE_TYPES
        assert "__slots__" in vars(cls)


@pytest.mark.parametrize(
    ("plain", "outcome", "returns"),
    [(prepare_token, token_outcome, "TokenSpec"), (issue_token, issue_token_outcome, "str")],
)
def test_a_plain_function_takes_its_outcome_functions_arguments(
    plain: Any, outcome: Any, returns: str
) -> None:
    made, source = inspect.signature(plain), inspect.signature(outcome)
    assert made.parameters == source.parameters
    assert getattr(made.return_annotation, "__name__", made.return_annotation) == returns
    assert plain.__module__ == outcome.__module__
    assert plain.__doc__
    assert "Outcome" not in plain.__doc__.splitlines()[0]


def test_the_plain_function_logs_each_warning_and_returns_the_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    warnings = (Violation("a", None, "first", "warn"), Violation("b", "x", "second", "warn"))

    def made(number: int, /, *, twice: bool = False) -> Outcome[int]:
        return Outcome(number * (2 if twice else 1), warnings)

    plain = logging_warnings(made, logging.getLogger("test.plain"), "plain", "The number.")
    with caplog.at_level(logging.WARNING, logger="test.plain"):
        assert plain(21, twice=True) == 42
    assert [record.getMessage() for record in caplog.records] == [str(each) for each in warnings]
    assert (plain.__name__, plain.__doc__) == ("plain", "The number.")


def test_the_library_policy_data_is_in_its_operations_folder() -> None:
    from importlib.resources import files

    for operation, names in (
        ("session", ("rules", "rules_strict")),
        ("token", ("rules",)),
        ("archive", ("rules", "rules_strict")),
    ):
        for name in names:
            assert files(f"opentok_rules.operations.{operation}").joinpath(f"{name}.toml").is_file()
    assert not [
        each.name for each in files("opentok_rules.engine").iterdir() if each.name.endswith(".toml")
    ]
    assert next(iter(otr.default_rules())).id == "known-keys"
