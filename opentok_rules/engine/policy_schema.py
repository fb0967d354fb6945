"""``policy_file_schema``: a JSON Schema (draft 2020-12) of the policy file format itself.

An editor that reads JSON Schema for TOML (Taplo, and VS Code's Even Better TOML with it)
completes and checks ``opentok-rules.toml`` as it is typed, given a ``#:schema`` line at the top
of the file. The schema is derived, not written out: each rule kind's fields come from its
attrs fields and their type hints (the built-in kinds and the kinds installed plugins declare),
so a new kind appears in it without a line of this module changing.

The schema says the file's structure: the top-level keys, which fields each kind takes and of
what type, the ``[[test]]`` tables. What only loading can tell (a rule id that is taken, a
regular expression that does not compile, a ``disable`` of an id no rule has) stays with
:func:`~opentok_rules.load_policy` and ``opentok-rules policy check``.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from opentok_rules.engine import policies
from opentok_rules.engine.kinds import BUILTIN_KINDS
from opentok_rules.engine.policy_tests import EXPECTATIONS
from opentok_rules.engine.sections import catalog
from opentok_rules.errors import SEVERITIES

__all__ = ["DIALECT", "policy_file_schema"]

#: The JSON Schema dialect of the schema.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_SCALAR_TYPES: Mapping[type, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
}
#: What the base of every kind says of its fields beyond their type.
_BASE_FIELDS: Mapping[str, Mapping[str, Any]] = {
    "id": {"minLength": 1, "description": "the rule's id, unique in the policy"},
    "message": {
        "minLength": 1,
        "description": "what a person reads when the rule finds something; {key} names the key",
    },
    "severity": {
        "enum": list(SEVERITIES),
        "description": "deny (the default) refuses the options; warn only reports them",
    },
}
_PLACEMENT: Mapping[str, Any] = {
    "before": {"type": "string", "minLength": 1, "description": "put the rule before this id"},
    "after": {"type": "string", "minLength": 1, "description": "put the rule after this id"},
}
_SCALAR = {"type": ["string", "number", "boolean"]}
_WHEN = {
    "type": "object",
    "description": "the rule applies only where every key holds this value (or one of these)",
    "additionalProperties": {
        "anyOf": [_SCALAR, {"type": "array", "items": _SCALAR, "minItems": 1}],
    },
}


def policy_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a policy file (``opentok-rules.toml``).

    Every top-level key, the rule tables (``[[session]]``, ``[[token]]``, and any other the
    loader reads) with each kind's fields (the built-in kinds and the installed plugin kinds),
    and the ``[[test]]`` tables. A fresh dict on each call.
    """
    kinds = dict(_kinds())
    defs: dict[str, Any] = {}
    for name, cls in kinds.items():
        defs[f"kind-{name}"] = _kind_schema(name, cls)
    properties: dict[str, Any] = {}
    sections = catalog().sections
    for key in policies.top_keys():
        if key in catalog().names():
            others = {name for each in sections if each.name != key for name in each.own_kinds}
            allowed = [name for name in kinds if name not in others]
            defs[f"{key}-rule"] = _rule_table(key, allowed)
            properties[key] = {
                "type": "array",
                "description": f"rules for the {key} options ([[{key}]] tables)",
                "items": {"$ref": f"#/$defs/{key}-rule"},
            }
        elif key == "test":
            defs["test"] = _test_table()
            properties[key] = {
                "type": "array",
                "description": "tests of the policy ([[test]] tables), run by "
                "`opentok-rules policy test`",
                "items": {"$ref": "#/$defs/test"},
            }
        else:
            properties[key] = _top_key(key)
    return {
        "$schema": DIALECT,
        "title": "opentok-rules policy file",
        "description": "An opentok-rules.toml policy: a base, rules as data, and tests. "
        "`opentok-rules policy check` checks what a schema cannot (ids, patterns, networks).",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }


def _top_key(key: str) -> dict[str, Any]:
    if key == "base":
        return {
            "enum": list(policies.BASES),
            "description": "the library's rules this policy starts from; default: default",
        }
    if key == "disable":
        return {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "ids of rules of the base (or of an extended policy) to leave out",
        }
    if key == "extend":
        return {
            "type": "string",
            "minLength": 1,
            "description": "another policy file this one builds on, relative to this file",
        }
    return {"description": f"read by the loader ({key})"}


def _kinds() -> Iterator[tuple[str, type | str]]:
    """The built-in kinds, then each installed plugin kind: its class, or why it cannot be
    read (then its tables are named, their fields left to the loader to check)."""
    yield from BUILTIN_KINDS.items()
    from importlib.metadata import entry_points

    for point in entry_points(group=policies.ENTRY_POINT_GROUP):
        if point.name in BUILTIN_KINDS:
            continue  # the loader refuses such a plugin; the built-in kind stands
        try:
            cls = point.load()
        except Exception as exc:  # the loader says the same where a policy names the kind
            yield point.name, f"cannot be imported: {type(exc).__name__}"
            continue
        if isinstance(cls, type) and attrs.has(cls):
            yield point.name, cls
        else:
            yield point.name, "is not an attrs class"


def _rule_table(section: str, kinds: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"a {section} rule: an id, a kind, and the kind's fields",
        "required": ["id", "kind"],
        "properties": {
            "kind": {"enum": kinds, "description": "what the rule checks"},
            "id": {"type": "string", "minLength": 1},
        },
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/kind-{name}"},
            }
            for name in kinds
        ],
    }


def _kind_schema(name: str, cls: type | str) -> dict[str, Any]:
    """A table of kind ``name``: its fields (derived from ``cls``'s attrs fields) and nothing
    else."""
    if isinstance(cls, str):
        return {
            "type": "object",
            "description": f"the plugin kind {name!r} {cls}: its fields are not known here "
            "(`opentok-rules policy check` says what is wrong)",
        }
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # hints that cannot be resolved: the fields are named, their types not
        hints = {}
    properties: dict[str, Any] = {"kind": {"const": name}}
    required = ["kind"]
    for attribute in attrs.fields(cls):
        if not attribute.init or attribute.name == "source":
            continue
        field = attribute.alias or attribute.name
        if field == "when":
            schema: dict[str, Any] = dict(_WHEN)
        else:
            schema = _type_schema(hints.get(attribute.name, attribute.type))
            schema.update(_BASE_FIELDS.get(field, {}))
        properties[field] = schema
        if attribute.default is attrs.NOTHING:
            required.append(field)
    properties.update(_PLACEMENT)
    doc = (cls.__doc__ or "").strip().splitlines()
    return {
        "type": "object",
        "description": doc[0] if doc else f"a rule of kind {name}",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
        "not": {"required": ["before", "after"]},
    }


def _type_schema(hint: object) -> dict[str, Any]:
    """The JSON Schema of a TOML value of type ``hint``; ``{}`` (anything) where it cannot
    be said."""
    if isinstance(hint, type) and hint in _SCALAR_TYPES:
        if hint is float:
            return {"type": "number"}
        return {"type": _SCALAR_TYPES[hint]}
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [each for each in arguments if each is not type(None)]
        if len(present) == 1:
            return _type_schema(present[0])  # a TOML table leaves an optional field out
        if all(isinstance(each, type) and each in _SCALAR_TYPES for each in present):
            names = sorted({_SCALAR_TYPES[each] for each in present})
            if "number" in names and "integer" in names:
                names.remove("integer")
            return {"type": names}
        parts = [_type_schema(each) for each in present]
        return {} if {} in parts else {"anyOf": parts}
    if origin in (tuple, list, collections.abc.Sequence, frozenset, set):
        item = arguments[0] if arguments else object
        if origin is tuple and not (len(arguments) == 2 and arguments[1] is Ellipsis):
            return {"type": "array"}
        return {"type": "array", "items": _type_schema(item), "minItems": 1}
    if origin in (dict, collections.abc.Mapping):
        value = arguments[1] if len(arguments) == 2 else object
        return {"type": "object", "additionalProperties": _type_schema(value)}
    if typing.get_origin(hint) is typing.Literal:
        return {"enum": list(arguments)}
    return {}


def _test_table() -> dict[str, Any]:
    ids = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}
    properties: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "description": "unique in the file"},
        "expect": {"enum": list(EXPECTATIONS)},
        "refused_by": {**ids, "description": "exactly these deny rule ids refuse"},
        "warned_by": {**ids, "description": "exactly these warn rule ids warn"},
    }
    operations = catalog().names()
    for operation in operations:
        properties[operation] = {
            "type": "object",
            "description": f"the {operation} options the test runs through the policy",
        }
    return {
        "type": "object",
        "description": "a test of the policy: options, and what the policy must do with them",
        "required": ["name", "expect"],
        "properties": properties,
        "additionalProperties": False,
        "oneOf": [{"required": [operation]} for operation in operations],
    }
