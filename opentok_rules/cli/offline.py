"""``check`` and ``rules``: the rules, offline, with no credentials."""

from __future__ import annotations

import argparse
from typing import Any

from opentok_rules.cli._common import (
    OPTION_FLAGS,
    UsageError,
    add_json_flag,
    add_policy_flags,
    add_session_flags,
    chosen_policy,
    chosen_registry,
    print_json,
    read_options_file,
    report_warnings,
    session_options,
)
from opentok_rules.errors import ValidationError


def add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="validate session options offline, print JSON",
        description="Validate session options with the policy's rules (or the library's) and "
        "print the spec and the REST params as JSON. Options come from a JSON object in "
        "OPTIONS_FILE (- for standard input) and the flags, which override it. Exit codes: 0 "
        "ok (warnings go to stderr), 2 violations, 1 a policy or options file that cannot be "
        "used.",
    )
    check.add_argument(
        "options_file",
        nargs="?",
        metavar="OPTIONS_FILE",
        help='a JSON object of options such as {"media_mode": "routed"}; - reads stdin',
    )
    add_session_flags(check)
    add_policy_flags(check)
    add_json_flag(check, "print violations as a JSON list on stdout (exit code 2)")
    check.set_defaults(handler=_check)


def add_rules(commands: Any) -> None:
    rules = commands.add_parser(
        "rules", help="list the rules in order, with their kind, severity and source file"
    )
    rules.add_argument("--strict", action="store_true", help="the strict rules instead")
    rules.add_argument(
        "--source",
        action="store_true",
        help="print the Python function prepare_session compiles the rules into, instead",
    )
    rules.add_argument(
        "--tokens", action="store_true", help="the token rules instead of the session rules"
    )
    rules.add_argument(
        "--toml",
        action="store_true",
        help="print the rules as a policy file (base none) that load_policy reads back",
    )
    add_policy_flags(rules)
    add_json_flag(
        rules,
        'print a JSON list of {"id", "description", "kind", "severity", "source"} objects',
    )
    rules.set_defaults(handler=_rules)


def _check(args: argparse.Namespace) -> int:
    from opentok_rules.engine.convert import spec_to_dict
    from opentok_rules.engine.pipeline import prepare_session

    policy = chosen_policy(args)
    registry = policy.rules if policy is not None else chosen_registry(args)
    flags = session_options(args)
    options: dict[str, Any] = {}
    if args.options_file is not None:
        options = read_options_file(args.options_file)
        # A message about an option read from the file names it as the file does, not as
        # the flag that was not given.
        for name in (*OPTION_FLAGS, "e2ee"):
            if name in options and name not in flags:
                args.names.pop(name, None)
    options.update(flags)
    try:
        prepared = prepare_session(options, rules=registry)
    except ValidationError:
        # The refusal is reported by main; what "warn" rules found is shown first.
        report_warnings(_warnings(registry, options), args)
        raise
    report_warnings(prepared.warnings, args)
    print_json({"spec": spec_to_dict(prepared.spec), "params": prepared.params})
    return 0


def _warnings(registry: Any, options: dict[str, Any]) -> list[Any]:
    """What the registry's "warn" rules find in ``options`` (a refusal does not carry it)."""
    try:
        found = registry.apply(dict(options))
    except Exception:  # the refusal is what matters; a rule that fails is reported there
        return []
    return [each for each in found if each.severity == "warn"]


def _rules(args: argparse.Namespace) -> int:
    from opentok_rules.engine.introspect import describe

    policy = chosen_policy(args)
    if args.tokens:
        from opentok_rules.engine.token_rules import default_token_rules

        registry = policy.token_rules if policy is not None else default_token_rules()
    else:
        registry = policy.rules if policy is not None else chosen_registry(args)
    if args.source:
        if args.tokens:
            raise UsageError(
                "--source shows the compiled session pass; the token rules run as a loop"
            )
        from opentok_rules.engine.pipeline import compiled_source

        print(compiled_source(registry), end="")
        return 0
    if args.toml:
        from opentok_rules.engine.policies import policy_toml

        try:
            text = policy_toml(registry, "token" if args.tokens else "session")
        except ValueError as exc:
            raise UsageError(f"--toml: {exc}") from exc
        print(text, end="")
        return 0
    listed = describe(registry)
    if args.json:
        print_json(
            [
                {
                    "id": info.id,
                    "description": info.description,
                    "kind": info.kind,
                    "severity": info.severity,
                    "source": info.source,
                }
                for info in listed
            ]
        )
        return 0
    width = max((len(info.id) for info in listed), default=0)
    kinds = max((len(info.kind) for info in listed), default=0)
    for number, info in enumerate(listed, start=1):
        source = f"  (from {info.source})" if info.source is not None else ""
        print(
            f"{number:2d}. {info.id:<{width}}  {info.kind:<{kinds}}  {info.severity:<4}  "
            f"{info.description}{source}"
        )
    return 0
