"""Every combination of a grid of seed values, judged by the engine and by the independent model
of API.md section 3 (``test_properties.model``): the same refusals in the same order, or the
same spec. Hypothesis draws at random; this grid leaves no combination of these values out, so
a change to the rules, the compiled pass or the memo that breaks one corner shows here."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

import pytest
from _support.model import (
    check_spec_invariants,
    check_violations_match,
    check_warnings_match,
    model,
    model_warnings,
)

from opentok_rules import (
    ArchiveMode,
    MediaMode,
    PreparedSession,
    RuleRegistry,
    ValidationError,
    default_rules,
    prepare_session,
    strict_rules,
)

ABSENT = object()

SEEDS: dict[str, list[Any]] = {
    "media_mode": [ABSENT, None, "routed", "relayed", MediaMode.ROUTED, "ROUTED", 1],
    "archive_mode": [ABSENT, None, "manual", "always", ArchiveMode.ALWAYS, "never"],
    "e2ee": [ABSENT, None, True, False, "true"],
    "location": [ABSENT, "12.34.56.78", ipaddress.IPv4Address("1.2.3.4"), "01.2.3.4", "x"],
    "archive_name": [ABSENT, "", "acme", "n" * 81],
    "archive_resolution": [ABSENT, "1280x720", "1x1"],
}


def grid() -> list[dict[str, Any]]:
    keys = list(SEEDS)
    return [
        {key: value for key, value in zip(keys, values, strict=True) if value is not ABSENT}
        for values in itertools.product(*(SEEDS[key] for key in keys))
    ]


GRID = grid()


def judge(registry: RuleRegistry, strict: bool, options: dict[str, Any]) -> None:
    expected_violations, expected_spec = model(options, strict=strict)
    try:
        prepared = prepare_session(dict(options), rules=registry)
    except ValidationError as err:
        check_violations_match(err, expected_violations)
        return
    assert isinstance(prepared, PreparedSession)
    assert expected_violations == [], (options, expected_violations)
    check_spec_invariants(prepared)
    assert prepared.spec == expected_spec
    check_warnings_match(prepared, model_warnings(options, strict=strict))


def test_the_grid_is_the_whole_cross_product() -> None:
    size = 1
    for values in SEEDS.values():
        size *= len(values)
    assert len(GRID) == size == 12_600


@pytest.mark.parametrize("which", ["default", "strict"])
def test_every_seed_combination_agrees_with_the_model(which: str) -> None:
    strict = which == "strict"
    registry = strict_rules() if strict else default_rules()
    for options in GRID:
        judge(registry, strict, options)
    # Twice: the second pass is served by remembered specs where the options allow it.
    for options in GRID:
        judge(registry, strict, options)


@pytest.mark.parametrize("which", ["default", "strict"])
def test_with_an_unknown_key_too(which: str) -> None:
    strict = which == "strict"
    registry = strict_rules() if strict else default_rules()
    for options in GRID[::7]:
        judge(registry, strict, {**options, "media_mod": "routed"})
