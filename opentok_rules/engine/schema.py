"""``to_json_schema``: the session options a registry accepts, as a JSON Schema (draft 2020-12).

The schema is made by walking the registry in order, as ``prepare_session`` does. Each rule whose
class gives its schema form (``schema_part``, see :func:`~.forms.has_form`) becomes one entry of the
top-level ``allOf``, marked with ``x-rule-id``; a rule that looks at two options becomes an
``if``/``then``. Rules run on the options as the rules before them left them (``media_mode``
absent means relayed, an empty ``archive_name`` means no name, ...), while a validator sees what
the user typed. So the walk keeps, for each option, how the rules so far have rewritten it (a
:class:`Norm`), and every check is said about the raw value: "the normalized media mode is
routed" becomes "``media_mode`` is given and is ``"routed"``".

Checks are built from a few predicates on one value (:class:`In`, :class:`Text`, ...), each
able both to judge a value (``holds``, used to follow a value through the rewriting) and to say
itself in JSON Schema (``schema``), so the two cannot drift apart.

Regular expressions are written in the part of the syntax that Python's :mod:`re` and
ECMA-262 (the dialect of JSON Schema's ``pattern``) read alike, anchored so that both match the
whole value (see :mod:`opentok_rules.engine._regex`); a policy pattern outside that part is
listed under ``x-unexpressed`` with the reason rather than exported to judge differently.
"""

from __future__ import annotations

from typing import Any, Final

from opentok_rules.engine.forms import SCHEMA_FORM, has_form
from opentok_rules.engine.introspect import describe
from opentok_rules.engine.registry import RuleRegistry
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
    Unexpressed,
    Walk,
    all_of,
    combination_schema,
    implies,
)
from opentok_rules.operations.library import default_rules, library_archive_rules, strict_rules
from opentok_rules.operations.session.rules import SESSION_OPTION_KEYS
from opentok_rules.values import (
    ARCHIVE_RESOLUTIONS,
    COMBINATIONS,
    MAX_ARCHIVE_NAME,
)

__all__ = ["DIALECT", "UNEXPRESSED", "UNEXPRESSED_REASONS", "to_json_schema"]

#: The ``$schema`` of every schema made here.
DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: The top-level keyword listing, by id, the rules the schema does not say.
UNEXPRESSED: Final = "x-unexpressed"
#: The top-level keyword mapping each of those ids to why it is not said.
UNEXPRESSED_REASONS: Final = "x-unexpressed-reasons"

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


# --- The schema ------------------------------------------------------------------------------


#: What each operation's schema is of.
_OPERATIONS: dict[str, tuple[str, str]] = {
    "session": (
        "Session options",
        "The options of opentok-rules' prepare_session and create_session, as the given "
        "rules accept them.",
    ),
    "archive": (
        "Archive options",
        "The options of opentok-rules' prepare_archive and start_archive, as the given rules "
        "accept them: the session id as session_id, and the layout's fields as layout_type, "
        "layout_stylesheet and layout_screenshare_type (the names the archive rules read).",
    ),
}


def to_json_schema(
    rules: RuleRegistry | None = None, *, operation: str = "session"
) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the options ``rules`` accept for ``operation``:
    ``"session"`` (the session options) or ``"archive"`` (the options of starting an archive).

    ``rules`` defaults to the operation's default rules (:func:`~opentok_rules.default_rules`
    or :func:`~opentok_rules.default_archive_rules`). Each rule the schema can say
    is one entry of ``allOf`` with its ``x-rule-id``; rules it cannot say (your own Python
    rules, ``"warn"`` rules, ...) are listed by id under ``x-unexpressed``, with the reason
    under ``x-unexpressed-reasons``. With nothing unexpressed, a validator accepts exactly
    the JSON options :func:`~opentok_rules.prepare_session` accepts.
    """
    if operation not in _OPERATIONS:
        raise ValueError(f"operation must be 'session' or 'archive', not {operation!r}")
    if rules is not None:
        registry = rules
    elif operation == "archive":
        registry = library_archive_rules("default")
    else:
        registry = default_rules()
    if not isinstance(registry, RuleRegistry):
        raise TypeError(
            "to_json_schema() takes a RuleRegistry, such as default_rules() or "
            f"load_policy(path).rules; got {type(registry).__name__}"
        )
    walk = Walk()
    parts: list[dict[str, Any]] = []
    reasons: dict[str, str] = {}
    for rule, info in zip(registry, describe(registry), strict=True):
        try:
            if info.severity != "deny":
                raise Unexpressed("a warning: it reports, but never refuses, options")
            if not has_form(rule, SCHEMA_FORM):
                raise Unexpressed(
                    f"a rule of kind {info.kind!r}: it decides in its own code, which the "
                    "schema cannot say"
                )
            said = rule.schema_part(walk)  # type: ignore[attr-defined]
        except Unexpressed as exc:
            reasons[info.id] = str(exc)
            continue
        parts.append(_part(info.id, info.description, said))
    # The session spec's own refusals are said when the library's rules may not see to them;
    # the archive spec holds only what the archive rules check by type.
    spec = _spec_part(registry, walk) if operation == "session" else None
    if spec is not None:
        parts.append(spec)
    title, description = _OPERATIONS[operation]
    return {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        "type": "object",
        "allOf": parts,
        UNEXPRESSED: list(reasons),
        UNEXPRESSED_REASONS: reasons,
    }


def _part(rule_id: str, description: str, said: Schema) -> dict[str, Any]:
    head: dict[str, Any] = {"x-rule-id": rule_id, "description": description}
    if said is True:
        return head
    if said is False:
        return {**head, "not": {}}
    return {**head, **said}


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


def _spec_part(registry: RuleRegistry, walk: Walk) -> dict[str, Any] | None:
    """What building the ``SessionSpec`` refuses, when the library's rules may not see to it."""
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
    return _part("session-spec", description, said)
