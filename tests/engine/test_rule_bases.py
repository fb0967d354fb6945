"""The shared bases the library's rules and the kinds are built on decide as their copies did.

The three combination rules are one base (``session_rules._CombinationRule``) over the
combinations ``opentok_rules.values`` states once; the kinds on one key share ``_OnKey``, the
kinds on several keys ``_OnKeys``. These tests hold the bases to what they replace: a
combination rule refuses exactly its stated combination; a subclass that decides on its own
borrows no compiled or schema form; the kinds keep their fields, in their order.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.forms import COMPILED_FORM, SCHEMA_FORM, has_form
from opentok_rules.engine.registry import Options
from opentok_rules.errors import ValidationError, Violation
from opentok_rules.kinds import Default, Forbidden, Kind, Normalize, Pattern
from opentok_rules.operations.session.rules import (
    AlwaysArchiveForbidsE2eeRule,
    AlwaysArchiveRequiresRoutedRule,
    RelayedForbidsE2eeRule,
)
from opentok_rules.values import (
    ALWAYS_NEEDS_ROUTED,
    E2EE_EXCLUDES_ALWAYS,
    E2EE_NEEDS_ROUTED,
    ArchiveMode,
    Combination,
    MediaMode,
)

# The classes as Any: each gives its id a default, which their common type (Kind) does not.
COMBINATION_RULES: list[tuple[Any, Combination]] = [
    (AlwaysArchiveRequiresRoutedRule, ALWAYS_NEEDS_ROUTED),
    (RelayedForbidsE2eeRule, E2EE_NEEDS_ROUTED),
    (AlwaysArchiveForbidsE2eeRule, E2EE_EXCLUDES_ALWAYS),
]


class _Text(str):
    """A str subclass whose ``__eq__`` says yes to everything: the rules compare characters."""

    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        return True


def _media() -> st.SearchStrategy[object]:
    texts = st.sampled_from(["routed", "relayed", "Routed", ""])
    return st.one_of(st.none(), st.sampled_from(list(MediaMode)), texts, texts.map(_Text))


def _archive() -> st.SearchStrategy[object]:
    texts = st.sampled_from(["manual", "always", "ALWAYS", ""])
    return st.one_of(st.none(), st.sampled_from(list(ArchiveMode)), texts, texts.map(_Text))


def _plain(value: object) -> object:
    """The value as the combination's ``refuses`` compares it: the characters of a str."""
    return str.__str__(value) if isinstance(value, str) else value


@pytest.mark.parametrize(("cls", "combination"), COMBINATION_RULES)
@given(media=_media(), archive=_archive(), e2ee=st.sampled_from([None, True, False]))
def test_a_combination_rule_refuses_exactly_its_stated_combination(
    cls: Any, combination: Combination, media: object, archive: object, e2ee: object
) -> None:
    rule = cls()
    options: Options = {"media_mode": media, "archive_mode": archive, "e2ee": e2ee}
    found = rule.apply(dict(options))
    plain = {key: _plain(value) for key, value in options.items()}
    assert bool(found) is combination.refuses(plain)
    for each in found:
        assert (each.rule, each.field, each.severity) == (rule.id, None, "deny")
        assert each.message.startswith(combination.summary)


@pytest.mark.parametrize(("cls", "combination"), COMBINATION_RULES)
def test_a_combination_rule_reads_its_two_keys_and_writes_none(
    cls: Any, combination: Combination
) -> None:
    rule = cls()
    assert rule.reads == {combination.if_key, combination.key}
    assert getattr(rule, "fills", None) == frozenset()
    assert has_form(rule, COMPILED_FORM)
    assert has_form(rule, SCHEMA_FORM)


@pytest.mark.parametrize(("cls", "combination"), COMBINATION_RULES)
def test_a_subclass_that_decides_itself_borrows_no_form(cls: Any, combination: Combination) -> None:
    @attrs.frozen(kw_only=True, repr=False)
    class Stricter(cls):  # type: ignore[misc]
        """Refuses every session, whatever its options."""

        def _judge(self, options: Options) -> tuple[Violation, ...]:
            return (Violation(self.id, None, "no sessions today"),)

    rule = Stricter()
    assert not has_form(rule, COMPILED_FORM)
    assert not has_form(rule, SCHEMA_FORM)
    rules = otr.default_rules()
    rules.replace(rule.id, rule)
    # Options the library's condition passes over: the subclass's own verdict still runs.
    with pytest.raises(ValidationError) as caught:
        otr.prepare_session({"media_mode": "routed"}, rules=rules)
    assert [each.message for each in caught.value.violations] == ["no sessions today"]
    schema = otr.to_json_schema(rules)
    assert rule.id in schema["x-unexpressed"]


def _names(cls: type[Any]) -> list[str]:
    return [field.name for field in attrs.fields(cls)]


@pytest.mark.parametrize(
    ("cls", "own"),
    [
        (Pattern, ["key", "pattern", "_regex"]),
        (Default, ["key", "value"]),
        (Normalize, ["key", "map", "otherwise"]),
        (Forbidden, ["keys"]),
    ],
)
def test_a_kind_keeps_its_fields_after_the_common_ones_in_its_own_order(
    cls: type[Kind], own: list[str]
) -> None:
    # The order a policy export and attrs' repr and asdict follow.
    assert _names(cls) == ["id", "message", "severity", "when", "source", *own]


def test_a_kind_that_rewrites_its_key_says_so_and_keeps_the_coded_repr() -> None:
    default = Default(id="guest-data", key="data", value="guest")
    normalize = Normalize(id="routed", key="media_mode", map={"ROUTED": "routed"})
    assert default.fills == default.reads == frozenset({"data"})
    assert normalize.fills == normalize.reads == frozenset({"media_mode"})
    # The coded kinds' repr: only the fields with a default that differ from it.
    assert repr(normalize) == "Normalize(map={'ROUTED': 'routed'})"
