"""The ``opentok-rules`` command line: check options, create sessions, mint tokens, emulate,
export the rules as a JSON Schema.

Exit codes: 0 done; 1 the service or the network failed; 2 a usage or validation error
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

from opentok_rules._version import __version__
from opentok_rules.cli import emulator, offline, schema, service
from opentok_rules.cli._common import TYPED_NAMES, UsageError, print_error, report_violations, typed
from opentok_rules.errors import OpenTokError, ValidationError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    args.names = dict(TYPED_NAMES)
    try:
        code = handler(args)
        # Output to a pipe sits in a buffer: a reader that went away is seen here, where it is
        # handled, not when the interpreter flushes at exit (exit 120 and a message).
        sys.stdout.flush()
        return code
    except ValidationError as exc:
        return report_violations(exc.violations, args)
    except (UsageError, ValueError) as exc:
        return print_error(typed(str(exc), args.names), 2)
    except BrokenPipeError:
        # The reader went away (`opentok-rules demo | head -1`): as any Unix tool, stop
        # quietly. Further writes to stdout, at exit too, go nowhere instead of raising.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OpenTokError, OSError) as exc:
        # OSError: the emulator could not bind its port, for one.
        return print_error(typed(str(exc), args.names), 1)
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opentok-rules",
        description="Validate and create OpenTok (Vonage Video) sessions and tokens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    offline.add_check(commands)
    service.add_create(commands)
    service.add_token(commands)
    offline.add_rules(commands)
    schema.add_schema(commands)
    emulator.add_emulator(commands)
    emulator.add_demo(commands)
    return parser
