"""A policy's rules held to the options of their operation, when the policy is loaded.

Each operation declares its options' :class:`~opentok_rules.engine.domains.Domain` (its
section's ``domains``), made from the names the library already keeps for it (its option
keys, its enums, its lists of allowed values), so a new option or value is added in one place.
:func:`check_policy_rule` holds a policy's rule to it when the policy is loaded: every option
its ``key``, ``keys`` and ``when`` name must be one of the table's operation, and every value
its ``values`` and ``when`` compare with must be one the option can hold after normalization.
A rule that talks about an option that does not exist, or a value no
option can hold, would never fire (or fire on everything); it is refused at load instead, naming
the closest valid name or value.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from opentok_rules._messages import short_repr
from opentok_rules.engine.domains import ANYTHING, Domain, toml_value
from opentok_rules.engine.sections import section

__all__ = ["check_policy_rule", "later_effects", "option_domains"]


def option_domains(operation: str) -> Mapping[str, Domain]:
    """The options of ``operation`` (a section of the catalog: "session", "token", ...), in
    the library's order, each with the values it can hold after normalization."""
    return section(operation).domains()


def later_effects(rules: Sequence[object]) -> list[tuple[bool, frozenset[str] | None]]:
    """For each place in ``rules``, what the rules after it do: whether one drops unknown keys,
    and the options they may write (``None``: any). One pass from the end."""
    found: list[tuple[bool, frozenset[str] | None]] = []
    drops, writes = False, frozenset[str]()
    anything = False
    for each in reversed(rules):
        found.append((drops, None if anything else writes))
        drops = drops or getattr(type(each), "DROPS_UNKNOWN_KEYS", False) is True
        fills = getattr(each, "fills", None)
        if fills is None:
            anything = True
        else:
            writes = writes | fills
    found.reverse()
    return found


def check_policy_rule(
    rule: object,
    operation: str,
    raw_keys: bool = False,
    raw_values: frozenset[str] | None = frozenset(),
) -> tuple[str, str] | None:
    """The first problem of a policy's ``rule`` (of the table ``operation``) with the options
    it talks about, as ``(field, problem)``; ``None`` when there is none.

    Read are the rule's own fields (attrs fields, not class constants) named ``key``, ``keys``,
    ``when`` and ``values`` (``values`` of a rule with one ``key``); whatever kind it is, those
    fields name options and their values.

    ``raw_keys`` and ``raw_values`` say what the rules after it do (:func:`later_effects`). A
    rule placed before the rule that drops unknown keys (``before = "known-keys"``) sees every
    key the caller gave, so its option names are not checked; one placed before a rule that
    normalizes an option (``fills`` it, such as ``media-mode``; ``None``: any option) sees that
    option's raw values, so its values for that option are not.
    """
    domains = option_domains(operation)
    fields = _fields(rule)
    if raw_keys:
        domains = {**dict.fromkeys(_names(fields), ANYTHING), **domains}
    if raw_values is None:
        domains = dict.fromkeys(domains, ANYTHING)
    elif raw_values:
        domains = {k: ANYTHING if k in raw_values else v for k, v in domains.items()}
    key = fields.get("key")
    if isinstance(key, str):
        problem = _unknown_option(key, domains, operation)
        if problem is not None:
            return "key", problem
    keys = fields.get("keys")
    if isinstance(keys, (tuple, list)):
        for each in keys:
            problem = _unknown_option(each, domains, operation) if isinstance(each, str) else None
            if problem is not None:
                return "keys", problem
    when = fields.get("when")
    if isinstance(when, Mapping):
        for name, wanted in when.items():
            problem = _unknown_option(name, domains, operation) if isinstance(name, str) else None
            if problem is not None:
                return "when", problem
            for value in wanted if isinstance(wanted, (tuple, list)) else (wanted,):
                problem = _impossible(name, value, domains[name])
                if problem is not None:
                    return "when", problem
    values = fields.get("values")
    if isinstance(key, str) and isinstance(values, (tuple, list)):
        for value in values:
            problem = _impossible(key, value, domains[key])
            if problem is not None:
                return "values", problem
    return None


def _names(fields: Mapping[str, Any]) -> list[str]:
    """Every option name a rule's fields give."""
    names: list[str] = []
    if isinstance(fields.get("key"), str):
        names.append(fields["key"])
    keys = fields.get("keys")
    if isinstance(keys, (tuple, list)):
        names.extend(each for each in keys if isinstance(each, str))
    when = fields.get("when")
    if isinstance(when, Mapping):
        names.extend(each for each in when if isinstance(each, str))
    return names


def _fields(rule: object) -> dict[str, Any]:
    """The rule's attrs fields among key, keys, when and values, by name."""
    try:
        names = {field.name for field in attrs.fields(type(rule))}  # type: ignore[arg-type]
    except (TypeError, attrs.exceptions.NotAnAttrsClassError):
        return {}
    return {
        name: getattr(rule, name, None)
        for name in ("key", "keys", "when", "values")
        if name in names
    }


def _unknown_option(name: str, domains: Mapping[str, Domain], operation: str) -> str | None:
    if name in domains:
        return None
    options = [each for each in domains if domains[each] is not ANYTHING]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if not close:
        folded = {each.replace("_", "").casefold(): each for each in options}
        found = folded.get(name.replace("_", "").replace("-", "").casefold())
        close = [found] if found else []
    hint = f"did you mean {close[0]!r}?" if close else f"the {operation} options are "
    if not close:
        hint += ", ".join(options)
    return f"{short_repr(name)} is not a {operation} option, so the rule would never apply; {hint}"


def _impossible(name: str, value: object, domain: Domain) -> str | None:
    if domain.holds(value):
        return None
    hint = ""
    if domain.values is not None and isinstance(value, str):
        texts = [each for each in domain.values if isinstance(each, str)]
        folded = {each.casefold(): each for each in texts}
        close = [folded[value.casefold()]] if value.casefold() in folded else []
        close = close or difflib.get_close_matches(value, texts, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {toml_value(close[0])}?"
    return (
        f"{name} never holds {toml_value(value)} (once normalized it is {domain.describe()}), "
        f"so the rule would never match it{hint}"
    )
