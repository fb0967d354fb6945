"""A registry's rules as a JSON Schema (draft 2020-12), the same for every operation.

The schema is made by walking the registry in order, as the operation's pipeline runs it. Each
rule whose class gives its schema form (``schema_part``, see :func:`~.forms.has_form`) becomes
one entry of the top-level ``allOf``, marked with ``x-rule-id``; a rule that looks at two
options becomes an ``if``/``then``. Rules run on the options as the rules before them left them
(a default filled in, an empty text taken as none, ...), while a validator sees what the user
typed. So the walk keeps, for each option, how the rules so far have rewritten it (a
:class:`~.schema_parts.Norm`), and every check is said about the raw value: "the normalized
mode is ``"x"``" becomes "the option is given and is ``"x"``".

Checks are built from a few predicates on one value (:class:`~.schema_parts.In`,
:class:`~.schema_parts.Text`, ...), each able both to judge a value (``holds``, used to follow
a value through the rewriting) and to say itself in JSON Schema (``schema``), so the two cannot
drift apart.

Regular expressions are written in the part of the syntax that Python's :mod:`re` and
ECMA-262 (the dialect of JSON Schema's ``pattern``) read alike, anchored so that both match the
whole value (see :mod:`opentok_rules.engine._regex`); a policy pattern outside that part is
listed under ``x-unexpressed`` with the reason rather than exported to judge differently.

Each operation adds its own last part (what its spec refuses that its rules may not) and its
title; the public ``to_json_schema`` is :mod:`opentok_rules.operations.schema`'s (the old path
``opentok_rules.engine.schema.to_json_schema`` forwards there until 0.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeAlias

from opentok_rules._moved import forwarder
from opentok_rules.engine.forms import SCHEMA_FORM, has_form
from opentok_rules.engine.introspect import describe
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.schema_parts import Schema, Unexpressed, Walk

__all__ = ["DIALECT", "UNEXPRESSED", "UNEXPRESSED_REASONS", "LastPart", "part", "registry_schema"]

#: The ``$schema`` of every schema made here.
DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: The top-level keyword listing, by id, the rules the schema does not say.
UNEXPRESSED: Final = "x-unexpressed"
#: The top-level keyword mapping each of those ids to why it is not said.
UNEXPRESSED_REASONS: Final = "x-unexpressed-reasons"

#: An operation's own last part of the schema, given the registry and the walk after its rules
#: (``None``: nothing to add).
LastPart: TypeAlias = Callable[[RuleRegistry, Walk], "dict[str, Any] | None"]

# The public function moved to the operations, which pick the default rules (until 0.3).
__getattr__ = forwarder(__name__, "opentok_rules.operations.schema", only={"to_json_schema"})


def registry_schema(
    registry: RuleRegistry, title: str, description: str, last_part: LastPart | None = None
) -> dict[str, Any]:
    """The JSON Schema of the options ``registry`` accepts: one ``allOf`` entry per rule it can
    say, the others listed under ``x-unexpressed`` with the reason, then ``last_part``'s."""
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
        parts.append(part(info.id, info.description, said))
    last = last_part(registry, walk) if last_part is not None else None
    if last is not None:
        parts.append(last)
    return {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        "type": "object",
        "allOf": parts,
        UNEXPRESSED: list(reasons),
        UNEXPRESSED_REASONS: reasons,
    }


def part(rule_id: str, description: str, said: Schema) -> dict[str, Any]:
    """One entry of the schema's ``allOf``: ``said``, marked with ``x-rule-id``."""
    head: dict[str, Any] = {"x-rule-id": rule_id, "description": description}
    if said is True:
        return head
    if said is False:
        return {**head, "not": {}}
    return {**head, **said}
