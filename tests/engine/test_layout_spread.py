"""An archive's ``layout`` is spread into the working options the same way whatever path does
it: the usual plain layouts ({"type": ...}, with a stylesheet or not) are written straight into
the working dict, any other mapping goes through the general steps; the result (keys, their
order, values) and the refusal of a field given twice are the same."""

from __future__ import annotations

from typing import Any

from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.operations.archive import prepare as archives


class Layout(dict):  # type: ignore[type-arg]
    """A dict subclass: always read by the general steps."""


NAMES = st.sampled_from(["type", "stylesheet", "screenshare_type", "screenshareType", "bogus"])
VALUES = st.one_of(st.none(), st.sampled_from(["pip", "custom", "bestFit", "css {}", ""]))
WORKING = st.dictionaries(
    st.sampled_from(["name", "layout_type", "layout_stylesheet", "output_mode"]),
    st.sampled_from(["x", "composed"]),
    max_size=3,
)


def _spread(layout: dict[str, Any], working: dict[str, Any]) -> object:
    try:
        archives._spread_layout(layout, working)
    except otr.ValidationError as err:
        return [(v.rule, v.field, v.message) for v in err.violations]
    return list(working.items())


@given(st.dictionaries(NAMES, VALUES, max_size=4), WORKING)
@settings(max_examples=examples(300))
def test_the_usual_path_spreads_a_layout_as_the_general_one(
    layout: dict[str, Any], working: dict[str, Any]
) -> None:
    assert _spread(layout, dict(working)) == _spread(Layout(layout), dict(working))


def test_a_field_given_twice_is_refused_by_name() -> None:
    refused = _spread({"stylesheet": "css {}"}, {"layout_type": "pip"})
    assert refused == [
        (
            "archive-options",
            "layout_type",
            "layout_type is given both in layout and on its own; give it once",
        )
    ]
    assert _spread({"type": None}, {}) == [("layout_type", "bestFit")]
    assert _spread({"stylesheet": "s", "type": "custom"}, {"name": "n"}) == [
        ("name", "n"),
        ("layout_stylesheet", "s"),
        ("layout_type", "custom"),
    ]
