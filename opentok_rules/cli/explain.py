"""``check --explain``: what each rule did with the options, in order, and the verdict."""

from __future__ import annotations

import argparse
import enum
from typing import Any

from opentok_rules._messages import short_repr
from opentok_rules.cli._common import print_json, shown_violation
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import ValidationError

#: The exit code of options a rule refused (as ``check``).
REFUSED = 2


def print_explanation(
    options: dict[str, Any], registry: RuleRegistry, args: argparse.Namespace
) -> int:
    """Print each rule's step (a table, or ``--json``) and the verdict; check's exit code."""
    from opentok_rules.operations.session.convert import spec_to_dict
    from opentok_rules.operations.session.explain import explain
    from opentok_rules.operations.session.prepare import prepare_session

    steps = explain(options, rules=registry)
    try:
        prepared = prepare_session(options, rules=registry)
    except ValidationError as exc:
        verdict: dict[str, Any] = {
            "accepted": False,
            "refused_by": list(dict.fromkeys(each.rule for each in exc.violations)),
            "violations": [shown_violation(each, args) for each in exc.violations],
        }
    else:
        verdict = {
            "accepted": True,
            "spec": spec_to_dict(prepared.spec),
            "params": prepared.params,
        }
    if args.json:
        print_json(
            {
                "steps": [
                    {
                        "rule": step.rule,
                        "outcome": step.outcome,
                        "changes": {
                            key: {"before": _json(before), "after": _json(after)}
                            for key, (before, after) in step.changes.items()
                        },
                        "violations": [shown_violation(each, args) for each in step.violations],
                    }
                    for step in steps
                ],
                **verdict,
            }
        )
    else:
        width = max((len(step.rule) for step in steps), default=0)
        for number, step in enumerate(steps, start=1):
            details = [
                f"{_name(key, args)}: {_shown(before)} -> {_shown(after)}"
                for key, (before, after) in step.changes.items()
            ]
            for each in step.violations:
                item = shown_violation(each, args)
                details.append(f"{item['flag'] or '-'}: {item['message']}")
            head = f"{number:2d}. {step.rule:<{width}}  {step.outcome:<8}"
            print(f"{head}  {details[0]}" if details else head.rstrip())
            for more in details[1:]:
                print(" " * (len(head) + 2) + more)
        if verdict["accepted"]:
            print("accepted")
        else:
            print(f"refused by {', '.join(verdict['refused_by'])}")
    return 0 if verdict["accepted"] else REFUSED


def _name(key: str, args: argparse.Namespace) -> str:
    name: str = args.names.get(key, key)
    return name


def _plain(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _shown(value: object) -> str:
    """A value as the table shows it: ``not given`` for an absent key (or None)."""
    if value is None:
        return "not given"
    value = _plain(value)
    return short_repr(value)


def _json(value: object) -> object:
    value = _plain(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json(each) for each in value]
    return repr(value)
