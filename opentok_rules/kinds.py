"""The built-in rule kinds: rules said as data, as a policy file writes them.

``Required``, ``Forbidden``, ``Allowed``, ``Pattern``, ``Length``, ``Network``, ``Type``,
``Range``, ``Default``, ``Normalize``, ``Exclusive``, ``SessionId`` and ``MaxTTL`` are rules:
put them in a :class:`~opentok_rules.RuleRegistry`, or write them in a policy file.
:class:`Kind` is the base of every rule the library ships; :class:`ValueKind` is the base of a
kind on one option's value (a plugin's, say), defined once by ``holds(value)``.
"""

from __future__ import annotations

from opentok_rules.engine.kinds import (
    Allowed,
    Default,
    Exclusive,
    Forbidden,
    Kind,
    Length,
    MaxTTL,
    Network,
    Normalize,
    Pattern,
    Range,
    Required,
    SessionId,
    Type,
    ValueKind,
)

__all__ = [
    "Allowed",
    "Default",
    "Exclusive",
    "Forbidden",
    "Kind",
    "Length",
    "MaxTTL",
    "Network",
    "Normalize",
    "Pattern",
    "Range",
    "Required",
    "SessionId",
    "Type",
    "ValueKind",
]
