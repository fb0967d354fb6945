"""The built-in rule kinds: rules said as data, as a policy file writes them.

``Required``, ``Forbidden``, ``Allowed``, ``Pattern``, ``Length``, ``Network``, ``MaxTTL``,
``Default``, ``Type``, ``Range``, ``KnownKeys`` and ``Exclusive`` are rules: put them in a
:class:`~opentok_rules.RuleRegistry`, or write them in a policy file.
"""

from __future__ import annotations

from opentok_rules.engine.kinds import (
    Allowed,
    Default,
    Exclusive,
    Forbidden,
    Kind,
    KnownKeys,
    Length,
    MaxTTL,
    Network,
    Pattern,
    Range,
    Required,
    Type,
)

__all__ = [
    "Allowed",
    "Default",
    "Exclusive",
    "Forbidden",
    "Kind",
    "KnownKeys",
    "Length",
    "MaxTTL",
    "Network",
    "Pattern",
    "Range",
    "Required",
    "Type",
]
