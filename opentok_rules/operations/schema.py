"""``to_json_schema``: the options a registry accepts for an operation, as a JSON Schema
(draft 2020-12), built by :mod:`opentok_rules.engine.schema` with the operation's own parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.schema import LastPart, registry_schema
from opentok_rules.operations.archive import schema as archive
from opentok_rules.operations.library import default_rules, library_archive_rules
from opentok_rules.operations.session import schema as session

__all__ = ["to_json_schema"]

#: Each operation's default rules, title, description and own last part.
_OPERATIONS: dict[str, tuple[Callable[[], RuleRegistry], str, str, LastPart | None]] = {
    "session": (default_rules, session.TITLE, session.DESCRIPTION, session.spec_part),
    # The archive spec holds only what the archive rules check by type: no part of its own.
    "archive": (
        lambda: library_archive_rules("default"),
        archive.TITLE,
        archive.DESCRIPTION,
        None,
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
    defaults, title, description, last_part = _OPERATIONS[operation]
    registry = defaults() if rules is None else rules
    if not isinstance(registry, RuleRegistry):
        raise TypeError(
            "to_json_schema() takes a RuleRegistry, such as default_rules() or "
            f"load_policy(path).rules; got {type(registry).__name__}"
        )
    return registry_schema(registry, title, description, last_part)
