"""``library_rules``: what each library rule states about itself is written once, and the
library's kinds tables, ids and purity follow from it."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import opentok_rules as otr
from opentok_rules.engine.kinds import CodedKind, library_rules
from opentok_rules.engine.registry import _PURE_RULE_TYPES, Options
from opentok_rules.errors import Violation
from opentok_rules.operations.session import rules as session_rules
from opentok_rules.operations.token import rules as token_rules

# Every library kind but the forbidden kind with its fields fixed (a Forbidden, not declared
# by the decorator: its kind is "forbidden").
FIXED_FORBIDDEN = "manual_archive_forbids_name_and_resolution"
LIBRARY_KINDS = [
    *[each for each in session_rules.LIBRARY_SESSION_KINDS.items() if each[0] != FIXED_FORBIDDEN],
    *token_rules.LIBRARY_TOKEN_KINDS.items(),
]


@pytest.mark.parametrize(("name", "cls"), LIBRARY_KINDS)
def test_a_library_kind_is_named_for_its_usual_id(name: str, cls: Any) -> None:
    usual_id = cls.usual_id
    assert name == cls.kind == usual_id.replace("-", "_")
    assert cls().id == usual_id
    assert cls.__name__.removesuffix("Rule").lower() == usual_id.replace("-", "")


def test_the_kinds_tables_follow_the_library_policies_order() -> None:
    # Each class enters itself where it is written: the order the library's rules run in.
    session_ids = [rule.id for rule in otr.default_rules()]
    token_ids = [rule.id for rule in otr.default_token_rules()]
    session_table = [cls().id for cls in session_rules.LIBRARY_SESSION_KINDS.values()]
    token_table = [cls().id for cls in token_rules.LIBRARY_TOKEN_KINDS.values()]
    # The forbidden kind with its fields fixed is entered last, by hand.
    assert session_table[-1] == "manual-archive-forbids-name-and-resolution"
    assert session_table[:-1] == [each for each in session_ids if each != session_table[-1]]
    assert token_table == token_ids


def test_session_rules_are_pure_and_token_rules_are_not() -> None:
    # A token rule reads the clock ("now"): its outcome is not the options' alone.
    assert all(cls in _PURE_RULE_TYPES for cls in session_rules.LIBRARY_SESSION_KINDS.values())
    assert not any(cls in _PURE_RULE_TYPES for cls in token_rules.LIBRARY_TOKEN_KINDS.values())


def test_the_decorator_states_keys_and_description_on_the_class() -> None:
    kinds: dict[str, type] = {}
    declared = library_rules(kinds, pure=False)

    @declared(reads=("b", "a"), description="a and b are read; b is filled.")
    @attrs.frozen(kw_only=True, repr=False)
    class SomeCheckRule(CodedKind):
        id: str = "some-check"

        def _judge(self, options: Options) -> list[Violation]:
            return []

    @declared(reads=None, fills=())
    @attrs.frozen(kw_only=True, repr=False)
    class EveryKeyRule(CodedKind):
        id: str = "every-key"

    assert list(kinds.items()) == [("some_check", SomeCheckRule), ("every_key", EveryKeyRule)]
    rule = SomeCheckRule()
    assert rule.kind == "some_check"
    assert rule.reads == frozenset({"a", "b"})
    assert rule.fills == frozenset({"a", "b"})
    assert rule.description == "a and b are read; b is filled."
    assert SomeCheckRule not in _PURE_RULE_TYPES
    assert EveryKeyRule().reads is None
    assert EveryKeyRule.fills == frozenset()
