"""What each operation's options are, and the values each can hold once the rules normalized it.

One table per operation (session, token, archive), each made from the names the library already
keeps for that operation (its option keys, its enums, its lists of allowed values), so a new
option or value is added in one place. :func:`check_policy_rule` holds a policy's rule to it when
the policy is loaded: every option its ``key``, ``keys`` and ``when`` name must be one of the
table's operation, and every value its ``values`` and ``when`` compare with must be one the option
can hold after normalization. A rule that talks about an option that does not exist, or a value no
option can hold, would never fire (or fire on everything); it is refused at load instead, naming
the closest valid name or value.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from opentok_rules._messages import short_repr

__all__ = ["OPERATIONS", "Domain", "check_policy_rule", "option_domains"]

#: The operations a policy has tables for, by the table's name.
OPERATIONS = ("session", "token", "archive")


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
            return "one of " + ", ".join(_toml(each) for each in self.values)
        if not self.types:
            return "any value"
        names = {str: "text", bool: "true or false", int: "a whole number", float: "a number"}
        return " or ".join(names.get(each, each.__name__) for each in self.types)


_TEXT = Domain(types=(str,))
_BOOL = Domain(values=(True, False))
_WHOLE = Domain(types=(int,))
_ANYTHING = Domain()


def _enum_values(members: Iterable[Any]) -> Domain:
    return Domain(values=tuple(member.value for member in members))


@functools.cache
def option_domains(operation: str) -> Mapping[str, Domain]:
    """The options of ``operation`` ("session", "token" or "archive"), in the library's order,
    each with the values it can hold after normalization."""
    if operation == "session":
        from opentok_rules.operations.session.rules import SESSION_OPTION_KEYS
        from opentok_rules.values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode

        session = {
            "media_mode": _enum_values(MediaMode),
            "location": _TEXT,
            "archive_mode": _enum_values(ArchiveMode),
            "archive_name": _TEXT,
            "archive_resolution": Domain(values=ARCHIVE_RESOLUTIONS),
            "e2ee": _BOOL,
        }
        return _in_order(SESSION_OPTION_KEYS, session)
    if operation == "token":
        from opentok_rules.operations.token.rules import (
            CONTEXT_KEYS,
            TOKEN_OPTION_KEYS,
            TOKEN_TYPES,
        )
        from opentok_rules.values import Role

        token = {
            "role": _enum_values(Role),
            "expire_time": Domain(types=(int, float)),
            "data": _TEXT,
            "initial_layout_class_list": _TEXT,
            "token_type": Domain(values=TOKEN_TYPES),
        }
        # What prepare_token adds itself (the session id, the backend, ...): a token rule may
        # read it, and its values are the library's to make.
        context = dict.fromkeys(CONTEXT_KEYS, _ANYTHING)
        return {**_in_order(TOKEN_OPTION_KEYS, token), **context}
    if operation == "archive":
        from opentok_rules.values import (
            ARCHIVE_LAYOUT_TYPES,
            ARCHIVE_OPTION_KEYS,
            ARCHIVE_RESOLUTIONS,
            ARCHIVE_SCREENSHARE_TYPES,
            OutputMode,
            StreamMode,
        )

        archive = {
            "session_id": _TEXT,
            "name": _TEXT,
            "has_audio": _BOOL,
            "has_video": _BOOL,
            "output_mode": _enum_values(OutputMode),
            "stream_mode": _enum_values(StreamMode),
            "resolution": Domain(values=ARCHIVE_RESOLUTIONS),
            "layout_type": Domain(values=ARCHIVE_LAYOUT_TYPES),
            "layout_stylesheet": _TEXT,
            "layout_screenshare_type": Domain(values=ARCHIVE_SCREENSHARE_TYPES),
            "multi_archive_tag": _TEXT,
            "max_bitrate": _WHOLE,
            "quantization_parameter": _WHOLE,
        }
        return _in_order(ARCHIVE_OPTION_KEYS, archive)
    raise ValueError(f"unknown operation {operation!r}; the operations are {', '.join(OPERATIONS)}")


def _in_order(keys: tuple[str, ...], domains: dict[str, Domain]) -> dict[str, Domain]:
    """``domains`` in the order of the operation's own option keys, which must be the same
    names: a key added to the operation without a domain here fails the first load."""
    if set(keys) != set(domains):
        raise AssertionError(  # pragma: no cover - the library's own tables disagree
            f"the option domains name {sorted(domains)}, the operation's keys {sorted(keys)}"
        )
    return {key: domains[key] for key in keys}


def later_effects(rules: Sequence[object]) -> list[tuple[bool, frozenset[str] | None]]:
    """For each place in ``rules``, what the rules after it do: whether one drops unknown keys,
    and the options they may write (``None``: any). One pass from the end."""
    found: list[tuple[bool, frozenset[str] | None]] = []
    drops, writes = False, frozenset[str]()
    anything = False
    for each in reversed(rules):
        found.append((drops, None if anything else writes))
        drops = drops or type(each).__name__ in _DROPPERS
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
        domains = {**dict.fromkeys(_names(fields), _ANYTHING), **domains}
    if raw_values is None:
        domains = dict.fromkeys(domains, _ANYTHING)
    elif raw_values:
        domains = {k: _ANYTHING if k in raw_values else v for k, v in domains.items()}
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


#: The library's rules that drop (or refuse) keys that are not options: a rule before one sees
#: every key.
_DROPPERS = frozenset({"KnownKeysRule", "TokenKnownKeysRule"})


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
    options = [each for each in domains if domains[each] is not _ANYTHING]
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
            hint = f"; did you mean {_toml(close[0])}?"
    return (
        f"{name} never holds {_toml(value)} (once normalized it is {domain.describe()}), so the "
        f"rule would never match it{hint}"
    )


def _toml(value: object) -> str:
    """A value as a policy file writes it: "text", true, 12."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        value = value if len(value) <= 60 else value[:60] + "..."
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return short_repr(value)
