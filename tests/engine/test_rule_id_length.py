"""Rule ids stay distinct: a Violation keeps the first 100 characters of its rule's id, so an id
longer than that is refused where the rule is made or added: a PolicyError for a policy, a
ConfigurationError for a rule added in Python (issue 28, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _support.policies import refusal
from hypothesis import given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.errors import MAX_NAME
from opentok_rules.kinds import Allowed


def allowed(rule_id: str) -> dict[str, object]:
    return {"id": rule_id, "kind": "allowed", "key": "media_mode", "values": ["routed"]}


def test_the_issue_s_two_ids_are_refused_at_load(tmp_path: Path) -> None:
    # Two 204-character ids differing after the 200th character: one name once cut to 100.
    first, second = "a" * 200 + "1234", "a" * 200 + "5678"
    path, message = refusal(
        tmp_path,
        f"[[session]]\nid = '{first}'\nkind = 'allowed'\nkey = 'media_mode'\nvalues = ['routed']\n"
        f"[[session]]\nid = '{second}'\nkind = 'forbidden'\nkeys = ['location']\n",
    )
    assert message.startswith(f"{path}: session[0] (id '{first}'): id: is 204 characters long")
    assert "at most 100" in message


def test_an_id_of_100_characters_is_kept_whole() -> None:
    rule_id = "r" * MAX_NAME
    policy = otr.load_policy({"session": [allowed(rule_id)]})
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(media_mode="relayed", rules=policy.rules)
    assert [v.rule for v in caught.value.violations] == [rule_id]


def test_a_rule_made_in_python_is_refused_when_added() -> None:
    registry = otr.default_rules()
    with pytest.raises(otr.ConfigurationError, match="is 101 characters long"):
        registry.add(Allowed(id="x" * 101, key="media_mode", values=["routed"]))

    @otr.rule("y" * 150, "says nothing")
    def quiet(options: dict[str, object]) -> None:
        return None

    with pytest.raises(otr.ConfigurationError, match="is 150 characters long"):
        registry.insert_before("media-mode", quiet)
    with pytest.raises(otr.ConfigurationError):
        registry.replace("media-mode", quiet)
    assert len(max(registry.ids(), key=len)) <= MAX_NAME


@given(st.integers(1, 2 * MAX_NAME + 10).flatmap(lambda n: st.text(min_size=n, max_size=n)))
def test_an_id_is_added_exactly_when_a_finding_can_name_it_whole(rule_id: str) -> None:
    registry = otr.RuleRegistry()
    rule = Allowed(id=rule_id, key="media_mode", values=["routed"])
    if len(rule_id) > MAX_NAME:
        with pytest.raises(otr.ConfigurationError):
            registry.add(rule)
        with pytest.raises(otr.PolicyError):
            otr.load_policy({"session": [allowed(rule_id)]})
        return
    registry.add(rule)
    (found,) = registry.apply({"media_mode": "relayed"})
    assert found.rule == rule_id
