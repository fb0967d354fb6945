"""``archive_prefix``: an opentok-rules rule kind, installed as a plugin.

A policy file uses it once this distribution is installed::

    [[session]]
    id = "acme-archive-names"
    kind = "archive_prefix"
    prefix = "acme-"

The class is a rule (``id``, ``description``, ``apply``); its fields are the table's fields, so
opentok-rules builds it from the policy with the same checks, and the same errors, as its own
kinds: a missing ``prefix`` or a ``prefix = 5`` is a ``PolicyError`` naming the file, the rule
and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from opentok_rules import Options, Violation

__all__ = ["ArchivePrefix"]


def _non_empty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A ValueError raised here reaches the user as a PolicyError naming this field.
    if not isinstance(value, str) or not value:
        raise ValueError(f"{attribute.name} must be a non-empty string; got {value!r}")


@attrs.frozen(kw_only=True)
class ArchivePrefix:
    """``archive_name``, when given, starts with ``prefix``."""

    #: The name shown for the rule's kind (``opentok-rules rules``).
    kind: ClassVar[str] = "archive_prefix"
    #: The one option it looks at, and that it never writes one: the registry then skips it
    #: for options without an archive name.
    reads: ClassVar[frozenset[str]] = frozenset({"archive_name"})
    fills: ClassVar[frozenset[str]] = frozenset()

    id: str = attrs.field(validator=_non_empty)
    prefix: str = attrs.field(validator=_non_empty)
    message: str | None = None
    severity: str = attrs.field(default="deny", validator=attrs.validators.in_(("deny", "warn")))
    #: The policy file the rule came from; opentok-rules fills it in.
    source: str | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def description(self) -> str:
        return f"archive_name, when given, starts with {self.prefix!r}"

    def apply(self, options: Options) -> Sequence[Violation]:
        name = options.get("archive_name")
        # The rules before this one have checked that a name is a str (or left it out).
        if name is None or (isinstance(name, str) and name.startswith(self.prefix)):
            return ()
        message = self.message or f"archive_name must start with {self.prefix!r}; got {name!r:.60}"
        return (Violation(self.id, "archive_name", message, self.severity),)
