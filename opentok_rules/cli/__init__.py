"""The ``opentok-rules`` command line: check options, create sessions, mint tokens, record
archives, emulate, export the rules as a JSON Schema.

Exit codes: 0 done; 1 the service or the network failed, or a policy or options file cannot
be used; 2 a usage or validation error
(an unknown flag, a malformed value or URL, options that break a rule, missing or mixed
credentials); 130 interrupted; 141 the reader of the output went away; 143 ``emulator``
stopped by SIGTERM. User mistakes end in a one-line message, never a traceback.

Two backends: OpenTok (``--api-key`` and ``--api-secret``) and the Vonage Video API
(``--application-id`` and ``--private-key``); which credentials are given decides which.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from opentok_rules._version import __version__
from opentok_rules.cli import archive, emulator, offline, policy, schema, service
from opentok_rules.cli._common import (
    TYPED_NAMES,
    CommandParser,
    InputFileError,
    ParseError,
    UsageError,
    print_error,
    report_violations,
    typed,
)
from opentok_rules.cli._terminal import policy_warnings_shown
from opentok_rules.errors import OpenTokError, PolicyError, ValidationError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    given = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(_parser(), given)
    except ParseError as exc:
        # --json covers usage errors too: a JSON object on stdout, as every other outcome.
        return print_error(str(exc), 2, as_json="--json" in given, usage=exc.usage, prog=exc.prog)
    handler: Callable[[argparse.Namespace], int] = args.handler
    args.names = dict(TYPED_NAMES)
    as_json = bool(getattr(args, "json", False))
    try:
        with policy_warnings_shown():
            code = handler(args)
        # Output to a pipe sits in a buffer: a reader that went away is seen here, where it is
        # handled, not when the interpreter flushes at exit (exit 120 and a message).
        sys.stdout.flush()
        return code
    except ValidationError as exc:
        return report_violations(exc.violations, args)
    except (PolicyError, InputFileError) as exc:
        # Said in the file's own words (option names as written there), not as flags.
        return print_error(str(exc), 1, as_json=as_json)
    except (UsageError, ValueError) as exc:
        return print_error(typed(str(exc), args.names), 2, as_json=as_json)
    except BrokenPipeError:
        # The reader went away (`opentok-rules demo | head -1`): as any Unix tool, stop
        # quietly. Further writes to stdout, at exit too, go nowhere instead of raising.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OpenTokError, OSError) as exc:
        # OSError: the emulator could not bind its port, for one.
        return print_error(typed(str(exc), args.names), 1, as_json=as_json)
    except KeyboardInterrupt:
        return 130


def _parse(parser: argparse.ArgumentParser, given: list[str]) -> argparse.Namespace:
    """The parsed arguments; an unknown flag is reported with its command's usage."""
    args, unknown = parser.parse_known_args(given)
    if unknown:
        command: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _described(commands: Any) -> None:
    """Each command's ``--help`` opens with what it does (its line in the command list), and
    knows its own parser, for the usage an unknown flag is reported with."""
    helps = {action.dest: action.help for action in commands._choices_actions}
    for name, command in commands.choices.items():
        if command.description is None and helps.get(name):
            command.description = f"{helps[name][:1].upper()}{helps[name][1:]}."
        command.set_defaults(command_parser=command)


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="opentok-rules",
        description="Validate and create OpenTok (Vonage Video) sessions and tokens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    offline.add_check(commands)
    service.add_create(commands)
    service.add_token(commands)
    archive.add_archive(commands)
    offline.add_rules(commands)
    schema.add_schema(commands)
    policy.add_policy(commands)
    emulator.add_emulator(commands)
    emulator.add_demo(commands)
    _described(commands)
    return parser
