"""``policy check FILE``: whether a policy file can be used, before anything relies on it."""

from __future__ import annotations

import argparse
from typing import Any

from opentok_rules.cli._common import print_json
from opentok_rules.cli._terminal import escaped


def add_policy(commands: Any) -> None:
    policy = commands.add_parser("policy", help="check a policy file")
    actions = policy.add_subparsers(
        dest="policy_command", required=True, metavar="ACTION", help="check: check a policy file"
    )
    check = actions.add_parser(
        "check",
        help="exit 0 for a usable policy file, 1 with what is wrong",
        description="Load the policy file (and the files it extends) as the library would: "
        "exit 0 and a summary when it can be used, 1 and where and what is wrong otherwise.",
    )
    check.add_argument("file", metavar="FILE", help="opentok-rules.toml, or a pyproject.toml")
    check.add_argument("--json", action="store_true", help="print the summary as JSON")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from opentok_rules.engine.policies import load_policy

    policy = load_policy(args.file)  # a PolicyError is reported by main, exit code 1
    summary = {
        "source": str(policy.source),
        "session_rules": list(policy.rules.ids()),
        "token_rules": list(policy.token_rules.ids()),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"{escaped(policy.source)}: ok: {len(policy.rules)} session rules, "
            f"{len(policy.token_rules)} token rules"
        )
    return 0
