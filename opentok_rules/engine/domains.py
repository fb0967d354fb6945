"""The values an option can hold once the rules normalized it: a :class:`Domain` each.

Each operation declares its options' domains (``domains.py`` beside it in
``opentok_rules.operations``) from the names the library already keeps for it;
:mod:`~opentok_rules.engine.option_domains` holds a policy's rules to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from opentok_rules._messages import short_repr

__all__ = ["ANYTHING", "BOOL", "TEXT", "WHOLE", "Domain", "enum_values", "in_order", "toml_value"]


@attrs.frozen
class Domain:
    """The values one option can hold after normalization.

    ``values`` is the whole set when it is finite (``media_mode``: routed, relayed); otherwise
    ``None`` and ``types`` say what a value is (free text such as ``archive_name``: any ``str``).
    ``types`` empty means anything (the token rules' context keys).
    """

    values: tuple[Any, ...] | None = None
    types: tuple[type, ...] = ()

    def holds(self, value: object) -> bool:
        """Whether an option of this domain can hold ``value`` after normalization."""
        if self.values is not None:
            # By type and value: True is not 1, and "routed" is not a MediaMode member here
            # (policy data is plain TOML values).
            return any(type(value) is type(each) and value == each for each in self.values)
        if not self.types:
            return True
        if isinstance(value, bool):
            return bool in self.types
        return isinstance(value, self.types)

    def describe(self) -> str:
        if self.values is not None:
            return "one of " + ", ".join(toml_value(each) for each in self.values)
        if not self.types:
            return "any value"
        names = {str: "text", bool: "true or false", int: "a whole number", float: "a number"}
        return " or ".join(names.get(each, each.__name__) for each in self.types)


TEXT = Domain(types=(str,))
BOOL = Domain(values=(True, False))
WHOLE = Domain(types=(int,))
ANYTHING = Domain()


def enum_values(members: Iterable[Any]) -> Domain:
    """The domain of an option that holds one of an enum's values."""
    return Domain(values=tuple(member.value for member in members))


def in_order(keys: tuple[str, ...], domains: dict[str, Domain]) -> dict[str, Domain]:
    """``domains`` in the order of the operation's own option keys, which must be the same
    names: a key added to the operation without a domain here fails the first load."""
    if set(keys) != set(domains):
        raise AssertionError(  # pragma: no cover - the library's own tables disagree
            f"the option domains name {sorted(domains)}, the operation's keys {sorted(keys)}"
        )
    return {key: domains[key] for key in keys}


def toml_value(value: object) -> str:
    """A value as a policy file writes it: "text", true, 12."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        value = value if len(value) <= 60 else value[:60] + "..."
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return short_repr(value)
