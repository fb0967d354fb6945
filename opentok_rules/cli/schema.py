"""``schema``: the session options the rules accept, as a JSON Schema for web forms and gateways."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opentok_rules.cli._common import print_error, print_json
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import PolicyError


def add_schema(commands: Any) -> None:
    schema = commands.add_parser(
        "schema",
        help="print the session options the rules accept as a JSON Schema (draft 2020-12)",
        description=(
            "Print the session options the rules accept as a JSON Schema (draft 2020-12), "
            "for a standard validator in a web form, a gateway or another language. The rules "
            "are those of --policy FILE, else of the nearest opentok-rules.toml (or "
            "pyproject.toml with [tool.opentok-rules]), else the library's own. Rules the "
            "schema cannot say are listed by id under x-unexpressed and named on stderr."
        ),
    )
    which = schema.add_mutually_exclusive_group()
    which.add_argument("--policy", metavar="FILE", help="the rules of this policy file")
    which.add_argument(
        "--no-policy", action="store_true", help="the library's default rules, not a policy's"
    )
    which.add_argument(
        "--strict", action="store_true", help="the library's strict rules, not a policy's"
    )
    schema.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    from opentok_rules.engine.schema import UNEXPRESSED_REASONS, to_json_schema

    try:
        rules = _rules(args)
    except PolicyError as exc:
        return print_error(str(exc), 1)
    schema = to_json_schema(rules)
    print_json(schema)
    # The schema itself says which rules it leaves out; stderr says it where a person looks.
    for rule_id, reason in schema[UNEXPRESSED_REASONS].items():
        print(
            f"opentok-rules: note: rule {rule_id!r} is not in the schema: {reason}",
            file=sys.stderr,
        )
    return 0


def _rules(args: argparse.Namespace) -> RuleRegistry:
    from opentok_rules.engine.session_rules import default_rules, strict_rules

    if args.strict:
        return strict_rules()
    if args.no_policy:
        return default_rules()
    from opentok_rules.engine.policies import find_policy, load_policy

    path = args.policy if args.policy is not None else find_policy()
    return default_rules() if path is None else load_policy(path).rules
