"""``schema``: the session options the rules accept, as a JSON Schema for web forms and gateways."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from opentok_rules.cli._common import UsageError, add_policy_flags, policy_registry, print_json
from opentok_rules.cli._terminal import escaped


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
    # The same choice of rules as check and rules make, so the form's schema is check's rules.
    add_policy_flags(schema)
    schema.add_argument(
        "--strict", action="store_true", help="the library's strict rules, not a policy's"
    )
    schema.add_argument(
        "--policy-file",
        action="store_true",
        help="the schema of the policy file format itself instead, for an editor (Taplo)",
    )
    schema.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    from opentok_rules.engine.schema import UNEXPRESSED_REASONS
    from opentok_rules.operations.schema import to_json_schema

    if args.policy_file:
        if args.strict or args.policy is not None or args.no_policy:
            raise UsageError(
                "--policy-file prints the format of every policy file; it takes no rules "
                "(--policy, --no-policy, --strict)"
            )
        from opentok_rules.engine.policy_schema import policy_file_schema

        print_json(policy_file_schema())
        return 0

    schema = to_json_schema(policy_registry(args))  # a PolicyError: main says it, exit code 1
    print_json(schema)
    # The schema itself says which rules it leaves out; stderr says it where a person looks.
    for rule_id, reason in schema[UNEXPRESSED_REASONS].items():
        print(
            f"opentok-rules: note: rule {escaped(repr(rule_id))} is not in the schema: "
            f"{escaped(reason)}",
            file=sys.stderr,
        )
    return 0
