"""The ``opentok-rules`` command line: check options, create sessions, mint tokens, emulate.

Exit codes: 0 done; 1 the service or the network failed; 2 a usage or validation error.
User mistakes end in a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ._version import __version__
from .errors import OpenTokError, ValidationError
from .registry import RuleRegistry
from .rules import default_rules, strict_rules

if TYPE_CHECKING:
    from .client import OpenTok

__all__ = ["main"]

_OPTION_FLAGS = ("media_mode", "archive_mode", "location", "archive_name", "archive_resolution")


class _UsageError(Exception):
    """A mistake in how the command was called (exit code 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ValidationError as exc:
        _print_violations(exc, sys.stderr)
        return 2
    except (_UsageError, ValueError) as exc:
        print(f"opentok-rules: error: {exc}", file=sys.stderr)
        return 2
    except (OpenTokError, OSError) as exc:
        # OSError: the emulator could not bind its port, for one.
        print(f"opentok-rules: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opentok-rules",
        description="Validate and create OpenTok (Vonage Video) sessions and tokens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate session options offline, print JSON")
    _add_session_flags(check)
    check.set_defaults(handler=_check)

    create = commands.add_parser("create", help="create a session on the service")
    _add_session_flags(create)
    _add_credential_flags(create)
    create.add_argument("--json", action="store_true", help="print the whole session as JSON")
    create.set_defaults(handler=_create)

    token = commands.add_parser("token", help="generate a client token for a session")
    token.add_argument("session_id", metavar="SESSION_ID")
    token.add_argument("--role", help="subscriber, publisher (default), publisheronly, moderator")
    token.add_argument("--expire-in", type=_seconds, metavar="SECONDS", help="default 86400")
    token.add_argument("--data", help="connection data, under 1000 characters")
    token.add_argument("--layout-class", action="append", dest="layout_classes", metavar="CLASS")
    token.add_argument("--type", dest="token_type", default="JWT", help="JWT (default) or T1")
    _add_credential_flags(token)
    token.set_defaults(handler=_token)

    rules = commands.add_parser("rules", help="list the session rules in order")
    rules.add_argument("--strict", action="store_true", help="the strict rules instead")
    rules.set_defaults(handler=_rules)

    emulator = commands.add_parser("emulator", help="serve a local emulator of the service")
    emulator.add_argument("--port", type=_port, default=0, help="default: a free port")
    emulator.set_defaults(handler=_emulator)

    demo = commands.add_parser("demo", help="create a session on a local emulator, no account")
    demo.set_defaults(handler=_demo)
    return parser


def _add_session_flags(parser: argparse.ArgumentParser) -> None:
    for name in _OPTION_FLAGS:
        parser.add_argument("--" + name.replace("_", "-"), dest=name)
    parser.add_argument("--e2ee", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--strict", action="store_true", help="refuse unknown media modes")


def _add_credential_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-key", help="default: $OPENTOK_API_KEY")
    parser.add_argument("--api-secret", help="default: $OPENTOK_API_SECRET (prefer it)")
    parser.add_argument("--api-url", help="default: $OPENTOK_API_URL or the public service")


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("expected a port from 0 (any free port) to 65535")
    return value


def _session_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {name: getattr(args, name) for name in (*_OPTION_FLAGS, "e2ee")}
    return {name: value for name, value in options.items() if value is not None}


def _registry(args: argparse.Namespace) -> RuleRegistry:
    return strict_rules() if args.strict else default_rules()


def _check(args: argparse.Namespace) -> int:
    from .convert import spec_to_dict
    from .pipeline import prepare_session

    prepared = prepare_session(_session_options(args), rules=_registry(args))
    _print_json({"spec": spec_to_dict(prepared.spec), "params": prepared.params})
    return 0


def _create(args: argparse.Namespace) -> int:
    from .convert import spec_to_dict

    with _client(args, rules=_registry(args)) as client:
        session = client.create_session(_session_options(args))
    if args.json:
        _print_json(
            {
                "session_id": session.session_id,
                "spec": spec_to_dict(session.spec),
                "params": session.spec.to_params(),
                "record": {
                    name: getattr(session.record, name)
                    for name in ("project_id", "partner_id", "create_dt", "media_server_url")
                },
            }
        )
    else:
        print(session.session_id)
    return 0


def _token(args: argparse.Namespace) -> int:
    # One reading of the clock for both the issue time and --expire-in, so the token lives
    # exactly as long as asked, however long the imports in between take.
    now = time.time()
    options: dict[str, Any] = {"token_type": args.token_type}
    if args.role is not None:
        options["role"] = args.role
    if args.expire_in is not None:
        options["expire_time"] = int(now) + args.expire_in
    if args.data is not None:
        options["data"] = args.data
    if args.layout_classes:
        options["initial_layout_class_list"] = args.layout_classes
    with _client(args, clock=lambda: now) as client:
        print(client.generate_token(args.session_id, **options))
    return 0


def _rules(args: argparse.Namespace) -> int:
    registry = _registry(args)
    width = max(len(rule_id) for rule_id in registry.ids())
    for number, rule in enumerate(registry, start=1):
        print(f"{number:2d}. {rule.id:<{width}}  {rule.description}")
    return 0


def _emulator(args: argparse.Namespace) -> int:
    from .testing import Emulator

    emulator = Emulator(port=args.port)
    try:
        emulator.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OSError(f"could not serve on 127.0.0.1:{args.port}: {reason}") from exc
    with emulator:
        print(f"OPENTOK_API_URL={emulator.url}")
        print(f"OPENTOK_API_KEY={emulator.api_key}")
        # The emulator's own throwaway secret, printed so other programs can talk to it.
        print(f"OPENTOK_API_SECRET={emulator.api_secret}")
        print("Serving until interrupted (Ctrl-C).", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .client import OpenTok
    from .testing import Emulator

    with Emulator() as emulator:
        print(f"Started a local emulator of the OpenTok service at {emulator.url}")
        with OpenTok(emulator.api_key, emulator.api_secret, emulator.url) as client:
            session = client.create_session(media_mode="routed")
            token = session.generate_token(role="moderator")
    print(f"session id: {session.session_id}")
    print(f"media mode: {session.media_mode}, archive mode: {session.archive_mode}")
    print(f"moderator token: {token}")
    return 0


def _client(
    args: argparse.Namespace,
    rules: RuleRegistry | None = None,
    clock: Callable[[], float] = time.time,
) -> OpenTok:
    from .client import DEFAULT_API_URL, OpenTok

    api_key = args.api_key or os.environ.get("OPENTOK_API_KEY")
    api_secret = args.api_secret or os.environ.get("OPENTOK_API_SECRET")
    api_url = args.api_url or os.environ.get("OPENTOK_API_URL") or DEFAULT_API_URL
    if not api_key or not api_secret:
        raise _UsageError(
            "credentials missing: set OPENTOK_API_KEY and OPENTOK_API_SECRET "
            "(or pass --api-key and --api-secret)"
        )
    return OpenTok(api_key, api_secret, api_url, rules=rules, clock=clock)


def _print_violations(error: ValidationError, stream: TextIO) -> None:
    for violation in error.violations:
        field = violation.field if violation.field is not None else "-"
        print(f"opentok-rules: {violation.rule}: {field}: {violation.message}", file=stream)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))
