"""``policy check [FILE]`` and ``policy test [FILE]``: whether a policy file can be used, and
whether it does what its own ``[[test]]`` tables say, before anything relies on it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentok_rules.cli._common import InputFileError, print_json
from opentok_rules.cli._terminal import escaped

if TYPE_CHECKING:
    from opentok_rules.operations.library import Policy

#: Exit code of ``policy test`` when a test fails (as ``check`` for refused options).
TESTS_FAILED = 2


def add_policy(commands: Any) -> None:
    policy = commands.add_parser("policy", help="check or test a policy file")
    actions = policy.add_subparsers(
        dest="policy_command",
        required=True,
        metavar="ACTION",
        help="check: check a policy file; test: run its [[test]] tables",
    )
    check = actions.add_parser(
        "check",
        help="exit 0 for a usable policy file, 1 with what is wrong",
        description="Load the policy file (and the files it extends) as the library would: "
        "exit 0 and a summary when it can be used, 1 and where and what is wrong otherwise. "
        "Without FILE, the nearest opentok-rules.toml (or pyproject.toml with "
        "[tool.opentok-rules]) in this folder or a parent.",
    )
    _file_argument(check)
    check.add_argument("--json", action="store_true", help="print the summary as JSON")
    check.set_defaults(handler=_check)
    test = actions.add_parser(
        "test",
        help="run the policy's [[test]] tables (exit 0 all pass, 2 one fails)",
        description="Run the [[test]] tables of the policy file against the policy it defines "
        "(its base and the files it extends included) and print each test's name and result. "
        "Exit codes: 0 every test passed, 2 a test failed, 1 the policy cannot be used. "
        "Without FILE, the nearest policy file, as for check.",
    )
    _file_argument(test)
    test.add_argument(
        "--json",
        action="store_true",
        help='print {"source", "passed", "failed", "tests": [...]} as JSON',
    )
    test.set_defaults(handler=_test)


def _file_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="opentok-rules.toml, or a pyproject.toml; default: the nearest one up from here",
    )


def _loaded(args: argparse.Namespace) -> Policy:
    """The policy of FILE, or the nearest one; a PolicyError (exit code 1) if unusable."""
    from opentok_rules.engine.policies import find_policy
    from opentok_rules.operations.library import load_policy

    path = args.file if args.file is not None else find_policy()
    if path is None:
        raise InputFileError(
            f"no policy file in {Path.cwd()} or its parents (an opentok-rules.toml, or a "
            "pyproject.toml with [tool.opentok-rules]); give FILE"
        )
    return load_policy(path)  # a PolicyError is reported by main, exit code 1


def _check(args: argparse.Namespace) -> int:
    policy = _loaded(args)
    summary = {
        "source": str(policy.source),
        "session_rules": list(policy.rules.ids()),
        "token_rules": list(policy.token_rules.ids()),
        "tests": len(policy.tests),
    }
    if args.json:
        print_json(summary)
    else:
        tests = f", {len(policy.tests)} tests" if policy.tests else ""
        print(
            f"{_shown_path(policy.source)}: ok: {len(policy.rules)} session rules, "
            f"{len(policy.token_rules)} token rules{tests}"
        )
    return 0


def _test(args: argparse.Namespace) -> int:
    from opentok_rules.operations.policy_run import run_policy_tests

    policy = _loaded(args)
    results = run_policy_tests(policy)
    failed = [each for each in results if not each.passed]
    if args.json:
        print_json(
            {
                "source": str(policy.source),
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "tests": [
                    {
                        "name": each.name,
                        "passed": each.passed,
                        "detail": each.detail,
                        "operation": each.operation,
                    }
                    for each in results
                ],
            }
        )
    else:
        source = _shown_path(policy.source)
        if not results:
            print(f"{source}: no tests; add [[test]] tables (see docs/policies.rst)")
        for each in results:
            mark = "PASS" if each.passed else "FAIL"
            print(f"{mark}  {_printable(each.name)}: {_printable(each.detail)}")
        if results:
            print(f"{source}: {len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        return TESTS_FAILED
    return 0


def _shown_path(path: Path | None) -> str:
    """The policy's path as the user would type it: relative to here when it is below."""
    if path is None:
        return "policy"
    try:
        shown = os.path.relpath(path) if not path.is_absolute() or _below_here(path) else str(path)
    except ValueError:  # another drive (Windows)
        shown = str(path)
    return escaped(shown)


def _below_here(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


def _printable(text: str) -> str:
    """``text`` with terminal controls shown as escapes (a test's name is the file's text)."""
    return escaped(text)
