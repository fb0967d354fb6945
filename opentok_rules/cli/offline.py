"""``check`` and ``rules``: the rules, offline, with no credentials."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass
from opentok_rules.cli._common import (
    add_json_flag,
    add_session_flags,
    chosen_registry,
    print_json,
    session_options,
)


def add_check(commands: Any) -> None:
    check = commands.add_parser("check", help="validate session options offline, print JSON")
    add_session_flags(check)
    add_json_flag(check, "print violations as a JSON list on stdout (exit code 2)")
    check.set_defaults(handler=_check)


def add_rules(commands: Any) -> None:
    rules = commands.add_parser("rules", help="list the session rules in order")
    rules.add_argument("--strict", action="store_true", help="the strict rules instead")
    add_json_flag(rules, 'print a JSON list of {"id": ..., "description": ...}')
    rules.add_argument(
        "--source",
        action="store_true",
        help="print the Python function prepare_session compiles the rules into, instead",
    )
    rules.set_defaults(handler=_rules)


def _check(args: argparse.Namespace) -> int:
    from opentok_rules.engine.convert import spec_to_dict
    from opentok_rules.engine.pipeline import prepare_session

    prepared = prepare_session(session_options(args), rules=chosen_registry(args))
    print_json({"spec": spec_to_dict(prepared.spec), "params": prepared.params})
    return 0


def _rules(args: argparse.Namespace) -> int:
    registry = chosen_registry(args)
    if args.source:
        from opentok_rules.engine.pipeline import compiled_source

        print(compiled_source(registry), end="")
        return 0
    if args.json:
        print_json([{"id": rule.id, "description": rule.description} for rule in registry])
        return 0
    width = max(len(rule_id) for rule_id in registry.ids())
    for number, rule in enumerate(registry, start=1):
        print(f"{number:2d}. {rule.id:<{width}}  {rule.description}")
    return 0
