"""Whose words a message is in, and which names it should use.

A policy's own ``message`` is the policy author's sentence: printed as written, never reworded
with flag names. The library's messages name options as the user gave them: flags for flags,
keys for an options file (``check OPTIONS_FILE``), never a mix of both in one message.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path

from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import Violation

__all__ = ["FILE_OPTION_NAMES", "message_names", "policy_worded", "remember_rules"]

#: The installed package: a rule read from a file in it is the library's own.
_PACKAGE = Path(__file__).resolve().parents[1]

#: Option names a session flag stands for; from a file, they are keys.
FILE_OPTION_NAMES = (
    "media_mode",
    "archive_mode",
    "location",
    "archive_name",
    "archive_resolution",
    "e2ee",
)


def remember_rules(args: argparse.Namespace, registries: Iterable[RuleRegistry]) -> None:
    """Note the registries a command runs, so its messages can tell whose words they are."""
    args.rules_in_effect = tuple(registries)


def policy_worded(violation: Violation, args: argparse.Namespace) -> bool:
    """Whether ``violation``'s message is a policy file's own ``message``, written by a person
    (a rule read from a file, with a message of its own)."""
    for registry in getattr(args, "rules_in_effect", ()):
        if violation.rule in registry.ids():
            rule = registry.get(violation.rule)
            source = getattr(rule, "source", None)
            return (
                isinstance(source, str)
                and getattr(rule, "message", None) is not None
                and not _the_librarys(source)
            )
    return False


def _the_librarys(source: str) -> bool:
    """Whether ``source`` is a file of this library (its own rules, if ever read from data,
    speak the library's words, which name flags on the command line)."""
    try:
        Path(source).resolve().relative_to(_PACKAGE)
    except (ValueError, OSError):
        return False
    return True


def message_names(violation: Violation, args: argparse.Namespace) -> Mapping[str, str] | None:
    """The names to word ``violation``'s message with; ``None`` for a policy's own message.

    When the options came from a file, a message names them as the file does: an option given
    as a flag as well keeps its flag only in messages about that option.
    """
    if policy_worded(violation, args):
        return None
    names: Mapping[str, str] = args.names
    flagged = getattr(args, "flagged", None)
    if flagged is not None and violation.field not in flagged:
        names = {key: value for key, value in names.items() if key not in FILE_OPTION_NAMES}
    return names
