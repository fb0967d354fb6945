"""The memo of past outcomes answers repeated options with a copy of the params it kept: the
same params as ``spec.to_params()``, a dict of the caller's own each time, whatever an earlier
caller did to the dict it was given, and whatever a client's call left in the memo."""

from __future__ import annotations

from typing import Any

from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.operations.session.prepare import session_outcome


def _fit(options: dict[str, Any]) -> dict[str, Any]:
    """Options the default rules accept: a name needs archive mode always (and routed), and
    e2ee routed without always."""
    fitted = dict(options)
    if "archive_name" in fitted:
        fitted.update(media_mode="routed", archive_mode="always", e2ee=False)
    elif fitted.get("e2ee"):
        fitted["media_mode"] = "routed"
    return fitted


# Valid option sets of the default rules, each with its own location so that a test's options
# are new to the registry's memo until the test repeats them.
OPTIONS = st.fixed_dictionaries(
    {"location": st.tuples(*[st.integers(0, 255)] * 4).map(lambda q: ".".join(map(str, q)))},
    optional={
        "media_mode": st.sampled_from(["routed", "relayed"]),
        "archive_name": st.text(alphabet="abc xyz", min_size=1, max_size=20),
        "e2ee": st.booleans(),
    },
).map(_fit)


def _served_from_memo(options: dict[str, Any]) -> otr.PreparedSession:
    """Repeat ``options`` until the default registry answers from its memo (a miss first)."""
    rules = otr.default_rules()
    first = otr.prepare_session(dict(options), rules=rules)
    before = rules._state.memo_hits
    again = otr.prepare_session(dict(options), rules=rules)
    assert rules._state.memo_hits == before + 1, "the repeated options were not remembered"
    assert again.spec == first.spec
    return again


@given(OPTIONS)
@settings(max_examples=examples(50))
def test_a_remembered_answer_has_the_params_of_its_spec(options: dict[str, Any]) -> None:
    rules = otr.default_rules()
    answers = [otr.prepare_session(dict(options), rules=rules) for _ in range(3)]
    assert rules._state.memo_hits == 2
    for answer in answers:
        assert answer.params == answer.spec.to_params()
    assert len({id(answer.params) for answer in answers}) == 3


@given(OPTIONS)
@settings(max_examples=examples(50))
def test_changing_the_params_one_call_returned_changes_no_later_answer(
    options: dict[str, Any],
) -> None:
    rules = otr.default_rules()
    first = otr.prepare_session(dict(options), rules=rules)
    expected = dict(first.params)
    first.params["location"] = "changed by the caller"
    first.params.clear()
    second = otr.prepare_session(dict(options), rules=rules)
    second.params["e2ee"] = "changed again"
    third = otr.prepare_session(dict(options), rules=rules)
    assert rules._state.memo_hits == 2
    assert third.params == expected == third.spec.to_params()


@given(OPTIONS)
@settings(max_examples=examples(30))
def test_a_clients_call_in_between_leaves_the_same_answers(options: dict[str, Any]) -> None:
    rules = otr.default_rules()
    first = otr.prepare_session(dict(options), rules=rules)
    outcome = session_outcome(dict(options), rules, {})
    again = otr.prepare_session(dict(options), rules=rules)
    assert outcome.value == first.spec == again.spec
    assert again.params == first.params == again.spec.to_params()
    # The memo serves a client's repeated options with the very spec it made first.
    repeated = session_outcome(dict(options), rules, {})
    assert repeated.value is session_outcome(dict(options), rules, {}).value
    assert repeated.warnings == outcome.warnings


def test_the_memo_serves_a_plain_repeat() -> None:
    again = _served_from_memo({"media_mode": "routed", "location": "10.1.2.3"})
    assert again.params == {
        "p2p.preference": "disabled",
        "archiveMode": "manual",
        "location": "10.1.2.3",
        "e2ee": "false",
    }
