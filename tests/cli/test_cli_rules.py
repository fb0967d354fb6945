"""``opentok-rules rules``: the registry listed in order, as text and as JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from _support.cli import (
    Outcome,
    run,
)

import opentok_rules


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_rules_lists_the_registry_in_order(strict: bool) -> None:
    registry = opentok_rules.strict_rules() if strict else opentok_rules.default_rules()

    result = run("rules", *(["--strict"] if strict else []))

    assert result.returncode == 0, result.stderr
    listed = []
    for line in result.stdout.splitlines():
        match = re.fullmatch(r" ?(\d+)\. (\S+) +(\S+) +(deny|warn)  (.+)", line)
        assert match is not None, f"not a rule line: {line!r}"
        listed.append((int(match.group(1)), match.group(2), match.group(3), match.group(5)))
    assert [rule_id for _, rule_id, _, _ in listed] == list(registry.ids())
    assert [number for number, _, _, _ in listed] == list(range(1, 13))
    assert [kind for _, _, kind, _ in listed] == [getattr(r, "kind", "python") for r in registry]
    assert [text for _, _, _, text in listed] == [rule.description for rule in registry]


def test_rules_default_and_strict_differ_only_in_descriptions() -> None:
    default, strict = run("rules"), run("rules", "--strict")

    assert default.stdout != strict.stdout
    assert opentok_rules.default_rules().ids() == opentok_rules.strict_rules().ids()


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_rules_json(cli: Callable[..., Outcome], strict: bool) -> None:
    registry = opentok_rules.strict_rules() if strict else opentok_rules.default_rules()

    code, out, err = cli("rules", "--json", *(["--strict"] if strict else []))

    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {
            "id": r.id,
            "description": r.description,
            "kind": getattr(r, "kind", "python"),
            "severity": "deny",
            "source": None,
            "operation": "session",
        }
        for r in registry
    ]
