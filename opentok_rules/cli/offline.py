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
from opentok_rules.cli._terminal import escaped
from opentok_rules.cli._voice import remember_rules
from opentok_rules.errors import ValidationError


def add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="validate session (or, with --archive, archive) options offline, print JSON",
        description="Validate session options with the policy's rules (or the library's) and "
        "print the spec and the REST params as JSON. Options come from a JSON object in "
        "OPTIONS_FILE (- for standard input) and the flags, which override it. With --archive, "
        "OPTIONS_FILE holds the options of starting an archive instead (name, output_mode, "
        "layout, ...), checked by the archive rules; the spec and the REST body are printed. "
        "Exit codes: 0 ok (warnings go to stderr), 2 violations, 1 a policy or options file "
        "that cannot be used.",
    )
    check.add_argument(
        "options_file",
        nargs="?",
        metavar="OPTIONS_FILE",
        help='a JSON object of options such as {"media_mode": "routed"}; - reads stdin',
    )
    add_session_flags(check)
    check.add_argument(
        "--archive",
        action="store_true",
        help="OPTIONS_FILE holds archive options (start_archive's), checked by the archive rules",
    )
    check.add_argument(
        "--session-id",
        metavar="ID",
        help="with --archive: the session to record (default: a made-up one of the project)",
    )
    add_policy_flags(check)
    check.add_argument(
        "--explain",
        action="store_true",
        help="print what each rule did, in order, instead of the spec (the exit code is check's)",
    )
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
        'print a JSON list of {"id", "description", "kind", "severity", "source", '
        '"operation"} objects',
    )
    rules.set_defaults(handler=_rules)


def _check(args: argparse.Namespace) -> int:
    from opentok_rules.operations.session.convert import spec_to_dict
    from opentok_rules.operations.session.prepare import prepare_session

    if args.archive:
        return _check_archive(args)
    if args.session_id is not None:
        raise UsageError("--session-id is for --archive: the session an archive records")
    policy = chosen_policy(args)
    registry = policy.rules if policy is not None else chosen_registry(args)
    flags = session_options(args)
    options: dict[str, Any] = {}
    remember_rules(args, [registry])
    if args.options_file is not None:
        options = read_options_file(args.options_file)
        # With a file, messages name options as the file does: keys, not flags; a flag given
        # as well keeps its name in messages about it alone (args.flagged).
        for name in (*OPTION_FLAGS, "e2ee"):
            if name not in flags:
                args.names.pop(name, None)
        args.flagged = frozenset(flags)
    options.update(flags)
    if args.explain:
        from opentok_rules.cli.explain import print_explanation

        return print_explanation(options, registry, args)
    try:
        prepared = prepare_session(options, rules=registry)
    except ValidationError:
        # The refusal is reported by main; what "warn" rules found is shown first.
        report_warnings(_warnings(registry, options), args)
        raise
    report_warnings(prepared.warnings, args)
    print_json({"spec": spec_to_dict(prepared.spec), "params": prepared.params})
    return 0


def _check_archive(args: argparse.Namespace) -> int:
    import os

    import attrs

    from opentok_rules.operations.archive.prepare import (
        archive_outcome,
        default_archive_rules,
        strict_archive_rules,
    )
    from opentok_rules.session_ids import make_session_id

    given = sorted(f"--{name.replace('_', '-')}" for name in session_options(args))
    if given:
        raise UsageError(
            f"{', '.join(given)} set session options; archive options come from OPTIONS_FILE"
        )
    policy = chosen_policy(args)
    if policy is not None:
        registry = policy.archive_rules
    else:
        registry = strict_archive_rules() if args.strict else default_archive_rules()
    options: dict[str, Any] = {}
    if args.options_file is not None:
        options = read_options_file(args.options_file)
    session_id = args.session_id
    if session_id is None:
        # The project the environment names, else a placeholder one: offline, no credentials.
        project = os.environ.get("OPENTOK_API_KEY") or os.environ.get("VONAGE_APPLICATION_ID")
        session_id = make_session_id(project or "0")
    try:
        checked = archive_outcome(session_id, options, registry, {})
    except ValidationError:
        report_warnings(_archive_warnings(registry, session_id, options), args)
        raise
    report_warnings(checked.warnings, args)
    spec = checked.value

    def plain(_: Any, __: Any, value: Any) -> Any:
        return value.value if isinstance(value, (OutputMode, StreamMode)) else value

    from opentok_rules.operations.archive.prepare import OutputMode, StreamMode

    print_json({"spec": attrs.asdict(spec, value_serializer=plain), "body": spec.to_body()})
    return 0


def _archive_warnings(registry: Any, session_id: str, options: dict[str, Any]) -> list[Any]:
    """What the archive rules' "warn" rules find (a refusal does not carry it)."""
    from opentok_rules.operations.archive.prepare import working_options

    try:
        return [
            each
            for each in registry.apply(working_options(session_id, options, {}))
            if each.severity == "warn"
        ]
    except Exception:  # the refusal is what matters
        return []


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
    listed: list[tuple[str, Any]]
    if args.tokens:
        from opentok_rules.operations.library import default_token_rules

        registry = policy.token_rules if policy is not None else default_token_rules()
        listed = [("token", info) for info in describe(registry)]
    else:
        registry = policy.rules if policy is not None else chosen_registry(args)
        listed = [("session", info) for info in describe(registry)]
        if policy is not None:
            # A policy is session and token rules: both are listed, each marked.
            listed += [("token", info) for info in describe(policy.token_rules)]
    if args.source:
        if args.tokens:
            raise UsageError(
                "--source shows the compiled session pass; the token rules run as a loop"
            )
        from opentok_rules.operations.session.prepare import compiled_source

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
    if args.json:
        print_json(
            [
                {
                    "id": info.id,
                    "description": info.description,
                    "kind": info.kind,
                    "severity": info.severity,
                    "source": info.source,
                    "operation": operation,
                }
                for operation, info in listed
            ]
        )
        return 0
    # Every part escaped: ids, kinds, descriptions and paths come from policy files and plugins.
    marked = len({operation for operation, _ in listed}) > 1
    rows = [
        (
            f"{operation:<7}  " if marked else "",
            escaped(info.id),
            escaped(info.kind),
            escaped(info.severity),
            escaped(info.description),
            f"  (from {escaped(info.source)})" if info.source is not None else "",
        )
        for operation, info in listed
    ]
    width = max((len(row[1]) for row in rows), default=0)
    kinds = max((len(row[2]) for row in rows), default=0)
    for number, (mark, rule_id, kind, severity, description, source) in enumerate(rows, start=1):
        print(
            f"{number:2d}. {mark}{rule_id:<{width}}  {kind:<{kinds}}  {severity:<4}  "
            f"{description}{source}"
        )
    return 0
