"""``archive_prefix``: an opentok-rules rule kind, installed as a plugin.

A policy file uses it once this distribution is installed::

    [[session]]
    id = "acme-archive-names"
    kind = "archive_prefix"
    prefix = "acme-"

The class is a :class:`~opentok_rules.kinds.ValueKind`: it says its constraint once
(``holds``), in words (``describe``) and as a JSON Schema (``json_schema``); ``key``, ``id``,
``message``, ``severity``, ``when``, the compiled form and the schema's ``if``/``then`` come
from the base. opentok-rules builds it from the policy with the same checks, and the same
errors, as its own kinds: a missing ``prefix`` or a ``prefix = 5`` is a ``PolicyError``
naming the file, the rule and the field.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from opentok_rules.kinds import ValueKind

__all__ = ["ArchivePrefix"]

# The characters a JSON Schema pattern (ECMA-262) and Python's re both read as syntax.
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")


def _non_empty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A ValueError raised here reaches the user as a PolicyError naming this field.
    if not isinstance(value, str) or not value:
        raise ValueError(f"{attribute.name} must be a non-empty string; got {value!r}")


@attrs.frozen(kw_only=True)
class ArchivePrefix(ValueKind):
    """``archive_name``, when given, starts with ``prefix``."""

    kind: ClassVar[str] = "archive_prefix"

    key: str = "archive_name"
    prefix: str = attrs.field(validator=_non_empty)

    def holds(self, value: object) -> bool:
        return isinstance(value, str) and value.startswith(self.prefix)

    def describe(self) -> str:
        return f"starts with {self.prefix!r}"

    def json_schema(self) -> dict[str, Any] | None:
        escaped = "".join("\\" + c if c in _SYNTAX else c for c in self.prefix)
        return {"type": "string", "pattern": "^" + escaped}
