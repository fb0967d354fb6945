"""The session's end of the JSON Schema: its title, and what building the ``SessionSpec``
refuses when the rules may not see to it (see :mod:`opentok_rules.engine.schema`)."""

from __future__ import annotations

from typing import Any

from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.schema import part
from opentok_rules.engine.schema_parts import (
    ABSENT,
    IPV4,
    UTF8_TEXT,
    Either,
    In,
    Not,
    Pred,
    Schema,
    Text,
    Walk,
    all_of,
    combination_schema,
    implies,
)
from opentok_rules.operations.library import default_rules, strict_rules
from opentok_rules.operations.session.rules import SESSION_OPTION_KEYS
from opentok_rules.values import (
    ARCHIVE_RESOLUTIONS,
    COMBINATIONS,
    MAX_ARCHIVE_NAME,
)

__all__ = ["DESCRIPTION", "TITLE", "spec_part"]

#: What the session schema is of.
TITLE = "Session options"
DESCRIPTION = (
    "The options of opentok-rules' prepare_session and create_session, as the given "
    "rules accept them."
)

#: Not sent: absent, ``None`` or empty (``SessionSpec.to_params`` leaves empty text out).
_NOT_SENT = In((ABSENT, None, ""))

#: What ``SessionSpec`` itself takes of each option, after the rules: the types it holds, and
#: the values the service takes (it refuses the others: the last line of defence).
_SPEC_TAKES: dict[str, Pred] = {
    "media_mode": In((ABSENT, "routed", "relayed")),
    "archive_mode": In((ABSENT, "manual", "always")),
    "location": Either(_NOT_SENT, Text(IPV4)),
    "archive_name": Either(_NOT_SENT, Text(UTF8_TEXT, max_length=MAX_ARCHIVE_NAME)),
    "archive_resolution": Either(_NOT_SENT, In(ARCHIVE_RESOLUTIONS)),
    "e2ee": In((ABSENT, True, False)),
}


def _spec_combinations(walk: Walk) -> list[Schema]:
    """The combinations ``SessionSpec`` refuses, as the service does."""
    sent, always = Not(_NOT_SENT), In(("always",))
    return [
        *(combination_schema(each, walk) for each in COMBINATIONS),
        implies(walk.says("archive_name", sent), walk.says("archive_mode", always)),
        implies(walk.says("archive_resolution", sent), walk.says("archive_mode", always)),
    ]


def _library_complete(registry: RuleRegistry) -> bool:
    """Whether ``registry`` holds every library session rule (default or strict), unchanged
    and in the library's order, and every other rule writes nothing (``fills`` empty): then
    whatever they let through makes a ``SessionSpec``."""
    bases = (default_rules(), strict_rules())
    ids = registry.ids()
    places = []
    for rule_id in bases[0].ids():
        if rule_id not in ids:
            return False
        # attrs' eq compares the exact class and the fields: a subclass or an edit is not it.
        if not any(registry.get(rule_id) == base.get(rule_id) for base in bases):
            return False
        places.append(ids.index(rule_id))
    own = set(bases[0].ids())
    quiet = all(
        getattr(rule, "fills", None) == frozenset() for rule in registry if rule.id not in own
    )
    return quiet and places == sorted(places)


def spec_part(registry: RuleRegistry, walk: Walk) -> dict[str, Any] | None:
    """What building the ``SessionSpec`` refuses, when the library's rules may not see to it
    (the session spec's own refusals; ``None`` when the rules see to them all)."""
    if _library_complete(registry):
        return None
    said = all_of(
        [walk.says(key, pred) for key, pred in _SPEC_TAKES.items()] + _spec_combinations(walk)
    )
    if not walk.unknown_dropped:
        # Without known-keys, any other key reaches SessionSpec, which has no field for it.
        said = all_of(
            [
                said,
                {
                    "properties": dict.fromkeys(SESSION_OPTION_KEYS, True),
                    "additionalProperties": False,
                },
            ]
        )
    description = "The options the rules let through must make a SessionSpec."
    return part("session-spec", description, said)
