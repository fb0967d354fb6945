"""The memo of past outcomes is judged every MEMO_TRIAL misses: one that served fewer than one
call in five since it was last judged pauses for MEMO_PAUSE calls, keeping what it holds; one
that served more keeps serving; options it cannot remember count against it."""

from __future__ import annotations

from typing import Any

import opentok_rules as otr
from opentok_rules.operations.session.prepare import MEMO_PAUSE, MEMO_TRIAL


def _fresh(n: int) -> dict[str, Any]:
    return {"media_mode": "routed", "archive_mode": "always", "archive_name": f"fresh {n}"}


def test_a_trial_of_misses_pauses_the_memo_and_it_keeps_what_it_holds() -> None:
    registry = otr.default_rules()
    state = registry._state
    for n in range(MEMO_TRIAL - 1):
        otr.prepare_session(_fresh(n), rules=registry)
    assert state.memo_pause <= 0
    otr.prepare_session(_fresh(MEMO_TRIAL), rules=registry)
    assert state.memo_pause == MEMO_PAUSE
    assert state.memo is not None
    assert len(state.memo) == MEMO_TRIAL  # kept, for when it is consulted again
    # Paused: neither consulted (the same options make a new spec) nor filled ...
    first = otr.prepare_session(_fresh(0), rules=registry)
    assert otr.prepare_session(_fresh(0), rules=registry).spec is not first.spec
    assert len(state.memo) == MEMO_TRIAL
    # ... until the pause is over: then what it kept serves again.
    for n in range(MEMO_PAUSE):
        otr.prepare_session(_fresh(10_000 + n), rules=registry)
    kept = state.memo[tuple(_fresh(1).items())]
    assert otr.prepare_session(_fresh(1), rules=registry).spec is kept[0]


def test_a_memo_that_serves_one_call_in_four_keeps_serving() -> None:
    registry = otr.default_rules()
    state = registry._state
    repeated = _fresh(-1)
    for n in range(4 * MEMO_TRIAL):  # three new options, then one repeated
        otr.prepare_session(repeated if n % 4 == 3 else _fresh(n), rules=registry)
    assert state.memo_pause <= 0
    first = otr.prepare_session(repeated, rules=registry)
    assert otr.prepare_session(repeated, rules=registry).spec is first.spec


def test_one_call_in_six_served_is_too_few() -> None:
    registry = otr.default_rules()
    repeated = _fresh(-1)
    for n in range(2 * MEMO_TRIAL):
        otr.prepare_session(repeated if n % 6 == 5 else _fresh(n), rules=registry)
    assert registry._state.memo_pause > 0


def test_options_it_cannot_remember_count_against_it() -> None:
    registry = otr.default_rules()
    for n in range(MEMO_TRIAL):
        # An int is no value a memo key may hold (True == 1): never remembered.
        with_int = {**_fresh(n), "junk": n}
        otr.prepare_session(with_int, rules=registry)
    assert registry._state.memo_pause == MEMO_PAUSE
