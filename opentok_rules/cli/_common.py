"""What the commands share: usage errors, option flags, messages in the user's own words."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from opentok_rules.cli._choices import exact_choice
from opentok_rules.cli._terminal import escaped
from opentok_rules.cli._voice import message_names
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import Violation
from opentok_rules.operations.library import default_rules, strict_rules
from opentok_rules.values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode

if TYPE_CHECKING:
    from opentok_rules.operations.library import Policy


OPTION_FLAGS = ("media_mode", "archive_mode", "location", "archive_name", "archive_resolution")


#: The service's limit on a token's lifetime (the token rules enforce it; this is for help).
MAX_EXPIRE_IN = 30 * 86400


# The option (or setting) a message names, as the user typed it on this command line.
TYPED_NAMES = {
    "media_mode": "--media-mode",
    "archive_mode": "--archive-mode",
    "location": "--location",
    "archive_name": "--archive-name",
    "archive_resolution": "--archive-resolution",
    "e2ee": "--e2ee",
    "session_id": "SESSION_ID",
    "role": "--role",
    "expire_time": "--expire-in",
    "data": "--data",
    "initial_layout_class_list": "--layout-class",
    "token_type": "--type",
    "api_key": "--api-key",
    "api_secret": "--api-secret",
    "application_id": "--application-id",
    "private_key": "--private-key",
    "api_url": "--api-url",
    "timeout": "--timeout",
    "connect_timeout": "--timeout",
    "read_timeout": "--timeout",
    "deadline": "--deadline",
}


# name='value' in a message's advice, as the flag and value one would type.
ASSIGNMENT = re.compile(r"\b([a-z][a-z0-9_]*)='([^']*)'")


# initial_layout_class_list[0]: the first --layout-class given.
LAYOUT_ITEM = re.compile(r"\binitial_layout_class_list\[(\d+)\]")


class UsageError(Exception):
    """A mistake in how the command was called (exit code 2)."""


class InputFileError(Exception):
    """A file the command reads (options, a policy) cannot be used (exit code 1)."""


def print_error(
    message: str, code: int, *, as_json: bool = False, usage: str = "", prog: str = ""
) -> int:
    """The one-line error (or, for ``--json``, ``{"error": ..., "usage": ...}`` on stdout);
    a usage error shows the usage of its (sub)command ``prog`` first, as argparse does."""
    usage = usage.strip()
    if as_json:
        print_json({"error": message, "exit_code": code, **({"usage": usage} if usage else {})})
        return code
    if usage:
        print(usage, file=sys.stderr)
    print(f"{escaped(prog or 'opentok-rules')}: error: {escaped(message)}", file=sys.stderr)
    return code


class CommandParser(argparse.ArgumentParser):
    """A parser whose usage errors are raised (as :class:`ParseError`), not printed and exited
    on: the command line prints them in one place, as a line or as ``--json``."""

    def error(self, message: str) -> NoReturn:
        raise ParseError(message, self.format_usage(), self.prog)


class ParseError(Exception):
    """A flag or argument argparse refused; ``usage`` is the usage of the (sub)command."""

    def __init__(self, message: str, usage: str, prog: str) -> None:
        super().__init__(message)
        self.usage = usage
        self.prog = prog


def add_session_flags(parser: argparse.ArgumentParser) -> None:
    # The choices a flag's help lists are enforced, exactly as written (a typo such as "rout"
    # or "ROUTED" must not quietly mean something: the library reads both as relayed).
    parser.add_argument(
        "--media-mode",
        type=exact_choice([mode.value for mode in MediaMode]),
        metavar=choices(mode.value for mode in MediaMode),
        help="routed: through the media servers; relayed (default): peer to peer",
    )
    parser.add_argument(
        "--archive-mode",
        type=exact_choice([mode.value for mode in ArchiveMode]),
        metavar=choices(mode.value for mode in ArchiveMode),
        help="always: archive automatically (needs routed); manual (default): on request",
    )
    parser.add_argument(
        "--location", metavar="IP", help="an IPv4 address, a hint for where to host the session"
    )
    parser.add_argument(
        "--archive-name", metavar="NAME", help="1 to 80 characters; with --archive-mode always"
    )
    parser.add_argument(
        "--archive-resolution",
        metavar=choices(ARCHIVE_RESOLUTIONS),
        help="the archive's size; with --archive-mode always",
    )
    parser.add_argument(
        "--e2ee",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end-to-end encryption (needs routed, manual archiving); default off",
    )
    parser.add_argument(
        "--strict", action="store_true", help="refuse unknown values instead of reading them"
    )


def add_json_flag(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--json", action="store_true", help=help_text)


def choices(values: Any) -> str:
    return "{" + ",".join(values) + "}"


def whole_seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected seconds such as 5 or 2.5, got {text!r}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("expected a port from 0 (any free port) to 65535")
    return value


def session_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {name: getattr(args, name) for name in (*OPTION_FLAGS, "e2ee")}
    return {name: value for name, value in options.items() if value is not None}


def chosen_registry(args: argparse.Namespace) -> RuleRegistry:
    return strict_rules() if args.strict else default_rules()


def add_policy_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--policy",
        metavar="FILE",
        help="the policy file; default: the nearest opentok-rules.toml (or pyproject.toml) up",
    )
    group.add_argument(
        "--no-policy", action="store_true", help="the library's rules alone, no policy file"
    )


def chosen_policy(args: argparse.Namespace) -> Policy | None:
    """The policy of ``--policy``, or the one found from the working directory, or None
    (``--no-policy``, ``--strict``: the library's rules).

    :raises PolicyError: the policy cannot be used (exit code 1).
    """
    if getattr(args, "strict", False):
        # As for `schema`: --strict means the library's strict rules, not a policy's.
        if args.policy is not None:
            raise UsageError(
                "--strict picks the library's strict rules and --policy a policy's; give one "
                '(a policy says base = "strict" itself)'
            )
        return None
    if args.no_policy:
        return None
    from opentok_rules.engine.policies import find_policy
    from opentok_rules.operations.library import load_policy

    path = args.policy if args.policy is not None else find_policy()
    return None if path is None else load_policy(path)


def policy_registry(args: argparse.Namespace) -> RuleRegistry:
    """The session rules of the policy in effect, or the library's (``--strict``'s)."""
    policy = chosen_policy(args)
    return policy.rules if policy is not None else chosen_registry(args)


def read_options_file(name: str) -> dict[str, Any]:
    """The JSON object in the file ``name`` (``-``: standard input) as session options.

    :raises InputFileError: it cannot be read, is not JSON (with line and column) or not an
        object.
    """
    where = "standard input" if name == "-" else name
    try:
        if name == "-":
            text = sys.stdin.read()
        else:
            with open(name, encoding="utf-8") as file:
                text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(f"{where}: cannot be read: {reason}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{where}: not valid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise InputFileError(
            f"{where}: must hold a JSON object of options such as "
            f'{{"media_mode": "routed"}}; got {type(data).__name__}'
        )
    return data


def report_warnings(warnings: Sequence[Violation], args: argparse.Namespace) -> None:
    """Print what "warn" rules found on stderr, one line each; the exit code is unchanged."""
    for violation in warnings:
        item = shown_violation(violation, args)
        print(f"opentok-rules: warning: {_violation_line(item)}", file=sys.stderr)


def typed(message: str, names: Mapping[str, str]) -> str:
    """``message`` with the library's option names replaced by what the user typed or set."""
    message = LAYOUT_ITEM.sub(lambda m: f"{names[LAYOUT_NAME]} #{int(m[1]) + 1}", message)
    message = ASSIGNMENT.sub(lambda m: assignment(m, names), message)
    return re.sub(r"(?<![\w.$-])([a-z][a-z0-9_]*)(?![\w-])", lambda m: word(m, names), message)


LAYOUT_NAME = "initial_layout_class_list"


def assignment(match: re.Match[str], names: Mapping[str, str]) -> str:
    name, value = match[1], match[2]
    typed = names.get(name)
    if typed is None or not typed.startswith("--"):
        return match[0]
    return f"{typed} {value}"


def word(match: re.Match[str], names: Mapping[str, str]) -> str:
    word = match[0]
    typed = names.get(word)
    if typed is None:
        return word
    # Identifiers (media_mode, e2ee) are names wherever they are; plain words (role, data,
    # deadline) only where a message names an option: at its start or after raise/check.
    if not re.search(r"[_0-9]", word):
        before = match.string[: match.start()]
        if before and not re.search(r"(?:\braise|\bcheck|\bdrop) $", before):
            return word
    return typed


def report_violations(violations: Sequence[Violation], args: argparse.Namespace) -> int:
    """Print each violation (one line on stderr, or a JSON list on stdout); exit code 2."""
    shown = [shown_violation(violation, args) for violation in violations]
    if getattr(args, "json", False):
        print_json(shown)
        return 2
    for item in shown:
        print(f"opentok-rules: {_violation_line(item)}", file=sys.stderr)
    return 2


def _violation_line(item: Mapping[str, Any]) -> str:
    """``rule: flag: message``, escaped: each part may hold what an options or policy file,
    or a rule of someone else's, put there."""
    return f"{escaped(item['rule'])}: {escaped(item['flag'] or '-')}: {escaped(item['message'])}"


def shown_violation(violation: Violation, args: argparse.Namespace) -> dict[str, Any]:
    field = violation.field
    flag = args.names.get(field, field) if field is not None else None
    names = message_names(violation, args)
    message = violation.message if names is None else typed(violation.message, names)
    expire_in = getattr(args, "expire_in", None)
    if field == "expire_time" and expire_in is not None:
        # The rule speaks of an absolute time; the user gave a number of seconds.
        message = f"--expire-in must be 1 to {MAX_EXPIRE_IN} seconds (30 days); got {expire_in}"
    return {"rule": violation.rule, "field": field, "flag": flag, "message": message}


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))
