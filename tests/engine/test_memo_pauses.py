"""A memo that serves too few calls pauses, each pause after another useless one twice as long
(up to a bound), and a memo that serves again is paused for the shortest time next."""

from __future__ import annotations

from typing import Any

import opentok_rules as otr
from opentok_rules.engine.pipeline import MEMO_PAUSE, MEMO_PAUSE_DOUBLINGS
from opentok_rules.engine.registry import MEMO_SIZE


def _fresh(n: int) -> dict[str, Any]:
    return {"media_mode": "routed", "archive_mode": "always", "archive_name": f"fresh {n}"}


def _fill_uselessly(registry: otr.RuleRegistry, start: int) -> int:
    """Calls with new options until the memo is full and forgotten; the pause it was given."""
    state = registry._state
    n = start
    while state.memo_pause <= 0:
        otr.prepare_session(_fresh(n), rules=registry)
        n += 1
    pause = state.memo_pause
    state.memo_pause = 0  # skip the pause: what is tested is how long it was
    return pause


def test_each_useless_pause_is_twice_the_last_up_to_the_bound() -> None:
    registry = otr.default_rules()
    pauses = [_fill_uselessly(registry, 10_000 * round_) for round_ in range(9)]
    expected = [MEMO_PAUSE << min(n, MEMO_PAUSE_DOUBLINGS) for n in range(9)]
    assert pauses == expected


def test_a_memo_that_served_is_paused_for_the_shortest_time_after() -> None:
    registry = otr.default_rules()
    assert _fill_uselessly(registry, 0) == MEMO_PAUSE
    assert _fill_uselessly(registry, 10_000) == 2 * MEMO_PAUSE
    # A memo's worth in which every other call repeats: it serves, so it is not paused ...
    repeated = _fresh(-1)
    state = registry._state
    for n in range(2 * MEMO_SIZE):
        otr.prepare_session(_fresh(20_000 + n), rules=registry)
        otr.prepare_session(repeated, rules=registry)
    assert state.memo_pause <= 0
    assert state.memo_idle == 0
    # ... and the next useless one is paused for the shortest time again.
    assert _fill_uselessly(registry, 30_000) == MEMO_PAUSE
