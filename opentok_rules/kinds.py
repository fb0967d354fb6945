"""The built-in rule kinds: rules said as data, as a policy file writes them.

``Required``, ``Forbidden``, ``Allowed``, ``Pattern``, ``Length``, ``Network`` and ``MaxTTL``
are rules: put them in a :class:`~opentok_rules.RuleRegistry`, or write them in a policy file.
"""

from __future__ import annotations

from opentok_rules.engine.kinds import (
    Allowed,
    Forbidden,
    Kind,
    Length,
    MaxTTL,
    Network,
    Pattern,
    Required,
    ValueKind,
)

__all__ = [
    "Allowed",
    "Forbidden",
    "Kind",
    "Length",
    "MaxTTL",
    "Network",
    "Pattern",
    "Required",
    "ValueKind",
]
