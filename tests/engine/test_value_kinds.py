"""ValueKind: a plugin kind defined once (``holds``) is compiled and exported like a built-in.

The example plugin (examples/opentok-rules-archive-prefix) is imported from its source here;
tests/test_plugin_example.py installs it for real. Every property holds the three forms of a
kind's constraint to each other: the registry's loop (``apply``), the compiled pass and the
JSON Schema, on random options.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, ClassVar

import attrs
import jsonschema
import pytest
from _support.paths import ROOT
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.forms import COMPILED_FORM, SCHEMA_FORM, has_form
from opentok_rules.kinds import (
    Allowed,
    Default,
    Exclusive,
    Kind,
    Normalize,
    Range,
    SessionId,
    Type,
    ValueKind,
)
from opentok_rules.operations.session import prepare as pipeline

EXAMPLE = ROOT / "examples" / "opentok-rules-archive-prefix"
sys.path.insert(0, str(EXAMPLE / "src"))
from opentok_rules_archive_prefix import ArchivePrefix  # noqa: E402


@attrs.frozen(kw_only=True)
class Digits(ValueKind):
    """A second plugin kind: a str of ASCII digits, at most ``most`` of them."""

    most: int = 4

    def holds(self, value: object) -> bool:
        return (
            isinstance(value, str)
            and 0 < len(value) <= self.most
            and value.isascii()
            and value.isdigit()
        )

    def describe(self) -> str:
        return f"is 1 to {self.most} ASCII digits"

    def json_schema(self) -> dict[str, Any] | None:
        return {"type": "string", "pattern": f"^[0-9]{{1,{self.most}}}$"}


@attrs.frozen(kw_only=True)
class Unsaid(ValueKind):
    """A plugin kind without a schema: compiled, but listed as unexpressed."""

    def holds(self, value: object) -> bool:
        return value != "forbidden"


def with_plugins() -> otr.RuleRegistry:
    rules = otr.default_rules()
    rules.add(ArchivePrefix(id="acme-names", prefix="acme-"))
    rules.add(Digits(id="digits", key="location", when={"archive_mode": "always"}))
    return rules


def test_the_example_plugin_is_a_value_kind_with_the_apis_fields() -> None:
    rule = ArchivePrefix(id="acme-names", prefix="acme-")
    assert isinstance(rule, Kind)
    assert rule.kind == "archive_prefix"
    assert rule.description == "archive_name starts with 'acme-'"
    assert Digits(id="d", key="location").kind == "digits"  # the class name, snake case
    with pytest.raises(ValueError, match="prefix must be a non-empty string"):
        ArchivePrefix(id="acme-names", prefix="")


def test_a_value_kind_is_compiled_and_its_holds_called_on_the_value() -> None:
    rules = with_plugins()
    source = otr.compiled_source(rules)
    assert "called in place" not in source
    assert "# 13. acme-names: ArchivePrefix" in source
    # holds is called directly on the local holding the value, not through a dict or apply.
    assert "archive_name is None or _r13_holds(" in source
    assert "found = " not in source
    assert has_form(rules.get("acme-names"), COMPILED_FORM)


def test_the_verdicts_and_messages_are_the_bases() -> None:
    rules = with_plugins()
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(
            media_mode="routed", archive_mode="always", archive_name="weekly", rules=rules
        )
    assert [(v.rule, v.field, v.message) for v in caught.value.violations] == [
        (
            "acme-names",
            "archive_name",
            "archive_name must be a value that starts with 'acme-'; got 'weekly'",
        )
    ]
    warn = otr.default_rules()
    warn.add(ArchivePrefix(id="acme-names", prefix="acme-", severity="warn", message="{key}!"))
    prepared = otr.prepare_session(
        media_mode="routed", archive_mode="always", archive_name="weekly", rules=warn
    )
    assert [(v.rule, v.message, v.severity) for v in prepared.warnings] == [
        ("acme-names", "archive_name!", "warn")
    ]


def test_a_value_kind_is_exported_with_its_when_and_rule_id() -> None:
    schema = otr.to_json_schema(with_plugins())
    assert schema["x-unexpressed"] == []
    parts = {part["x-rule-id"]: part for part in schema["allOf"]}
    # An empty name means no name (archive-name-length ran before): it is let through too.
    assert parts["acme-names"]["properties"]["archive_name"] == {
        "anyOf": [{"const": ""}, {"type": ["string", "null"], "pattern": "^acme-"}]
    }
    assert parts["digits"]["if"] == {
        "required": ["archive_mode"],
        "properties": {"archive_mode": {"const": "always"}},
    }
    assert parts["digits"]["then"] == {
        "properties": {"location": {"type": ["string", "null"], "pattern": "^[0-9]{1,4}$"}}
    }


def test_a_value_kind_without_json_schema_is_unexpressed_but_compiled() -> None:
    rules = otr.default_rules()
    rules.add(Unsaid(id="unsaid", key="archive_name"))
    schema = otr.to_json_schema(rules)
    assert schema["x-unexpressed"] == ["unsaid"]
    assert "json_schema() gives none" in schema["x-unexpressed-reasons"]["unsaid"]
    assert "called in place" not in otr.compiled_source(rules)


def test_a_subclass_that_decides_in_its_own_code_loses_the_forms() -> None:
    @attrs.frozen(kw_only=True)
    class OwnApply(ArchivePrefix):
        def apply(self, options: otr.Options) -> tuple[otr.Violation, ...]:
            return ()

    @attrs.frozen(kw_only=True)
    class SubAllowed(Allowed):
        kind: ClassVar[str] = "sub_allowed"

    for rule in (
        OwnApply(id="own", prefix="x"),
        SubAllowed(id="sub", key="archive_name", values=["a"]),
    ):
        assert not has_form(rule, COMPILED_FORM)
        assert not has_form(rule, SCHEMA_FORM)
        rules = otr.default_rules()
        rules.add(rule)
        assert "called in place" in otr.compiled_source(rules)
        assert otr.to_json_schema(rules)["x-unexpressed"] == [rule.id]


# ---- compiled = interpreted = schema, on random options --------------------------------------

TELLING = ["acme-", "acme-weekly", "weekly", "", "1", "1234", "12345", "12a", "1.2.3.4", None]
VALUES = st.one_of(
    st.sampled_from(TELLING),
    st.text(max_size=8),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from(["routed", "relayed", "manual", "always"]),
)
KEYS = ("media_mode", "archive_mode", "archive_name", "location", "e2ee")
OPTIONS = st.fixed_dictionaries({}, optional=dict.fromkeys(KEYS, VALUES)).map(
    lambda found: json.loads(json.dumps(found))
)


def add_somewhere(draw: st.DrawFn, rules: otr.RuleRegistry, rule: Kind) -> None:
    """``rule`` added to ``rules`` last or before a rule ``draw`` chooses."""
    place = draw(st.sampled_from([None, *rules.ids()]))
    if place is None:
        rules.add(rule)
    else:
        rules.insert_before(place, rule)


@st.composite
def plugin_registries(draw: st.DrawFn) -> otr.RuleRegistry:
    rules = draw(st.sampled_from([otr.default_rules, otr.strict_rules]))()
    for index in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(["archive_name", "location", "media_mode"]))
        when = draw(st.sampled_from([{}, {"archive_mode": "always"}, {"media_mode": "routed"}]))
        if draw(st.booleans()):
            rule: Kind = ArchivePrefix(id=f"p{index}", key=key, prefix="acme-", when=when)
        else:
            rule = Digits(id=f"p{index}", key=key, most=draw(st.integers(1, 4)), when=when)
        add_somewhere(draw, rules, rule)
    return rules


def outcome(run: Any, options: dict[str, Any]) -> Any:
    try:
        spec, warnings = run(dict(options))
    except otr.ValidationError as exc:
        return "refused", exc.violations
    return "spec", attrs.astuple(spec, recurse=False), warnings


def assert_every_form_agrees(rules: otr.RuleRegistry, examples: list[dict[str, Any]]) -> None:
    """The compiled pass, the rule-by-rule loop and the JSON Schema judge ``examples`` alike."""
    schema = otr.to_json_schema(rules)
    assert schema["x-unexpressed"] == []
    validator = jsonschema.Draft202012Validator(schema)
    for options in examples:
        looped = outcome(lambda o: pipeline._interpreted(o, rules), options)
        compiled = outcome(lambda o: pipeline.session_outcome(o, rules, {}), options)
        assert compiled == looped, options
        accepted = not list(validator.iter_errors(options))
        assert accepted is (looped[0] == "spec"), options


# costly: each example exports and checks a JSON Schema and compiles a registry.
@settings(
    max_examples=examples(300, costly=True),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(plugin_registries(), st.lists(OPTIONS, min_size=1, max_size=10))
def test_compiled_interpreted_and_schema_agree(
    rules: otr.RuleRegistry, examples: list[dict[str, Any]]
) -> None:
    assert_every_form_agrees(rules, examples)


# ---- the generic kinds (type, range, default, normalize) among the others --------------------


@st.composite
def generic_registries(draw: st.DrawFn) -> otr.RuleRegistry:
    rules = draw(st.sampled_from([otr.default_rules, otr.strict_rules]))()
    for index in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(["archive_name", "location", "media_mode", "archive_mode"]))
        when = draw(st.sampled_from([{}, {"archive_mode": "always"}, {"e2ee": True}]))
        which = draw(
            st.sampled_from(
                ["type", "range", "default", "normalize", "digits", "session_id", "exclusive"]
            )
        )
        rule: Kind
        if which == "type":
            kind = draw(st.sampled_from(["bool", "str", "int", "number", "list", "table"]))
            rule = Type(id=f"g{index}", key=key, type=kind, when=when)
        elif which == "range":
            low = draw(st.none() | st.integers(-2, 2))
            high = draw(st.integers(2, 5) if low is None else st.none() | st.integers(2, 5))
            rule = Range(id=f"g{index}", key=key, min=low, max=high, when=when)
        elif which == "default":
            value = draw(st.sampled_from([each for each in TELLING if each is not None]))
            rule = Default(id=f"g{index}", key=key, value=value)
        elif which == "normalize":
            otherwise = draw(st.sampled_from([None, "routed", "1234"]))
            rule = Normalize(
                id=f"g{index}", key=key, map={"ROUTED": "routed", "x": "1"}, otherwise=otherwise
            )
        elif which == "session_id":
            rule = SessionId(id=f"g{index}", key=key, when=when)
        elif which == "exclusive":
            keys = draw(st.permutations(["archive_name", "location", "media_mode"]))
            rule = Exclusive(id=f"g{index}", keys=keys[:2], when=when)
        else:
            rule = Digits(id=f"g{index}", key=key, when=when)
        add_somewhere(draw, rules, rule)
    return rules


GENERIC_VALUES = st.one_of(
    VALUES,
    st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=6),
    st.lists(st.integers(0, 1), max_size=2),
    st.dictionaries(st.sampled_from("ab"), st.integers(0, 1), max_size=1),
    st.sampled_from(["ROUTED", "x"]),
    # Session ids and near misses, for the session_id kind.
    st.sampled_from(["1_MX4xMjM0fg", "2_a-b_c", "3_MX4x", "1_", "1_a b", "1_" + "a" * 254]),
)
GENERIC_OPTIONS = st.fixed_dictionaries({}, optional=dict.fromkeys(KEYS, GENERIC_VALUES)).map(
    lambda found: json.loads(json.dumps(found))
)


# costly: each example exports and checks a JSON Schema and compiles a registry.
@settings(
    max_examples=examples(300, costly=True),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(generic_registries(), st.lists(GENERIC_OPTIONS, min_size=1, max_size=10))
def test_the_generic_kinds_agree_in_every_form(
    rules: otr.RuleRegistry, examples: list[dict[str, Any]]
) -> None:
    assert_every_form_agrees(rules, examples)


@pytest.mark.parametrize(
    ("rule", "value", "holds"),
    [
        (Type(id="t", key="k", type="bool"), True, True),
        (Type(id="t", key="k", type="bool"), 1, False),
        (Type(id="t", key="k", type="int"), 3, True),
        (Type(id="t", key="k", type="int"), 3.0, True),  # as JSON reads a number
        (Type(id="t", key="k", type="int"), 3.5, False),
        (Type(id="t", key="k", type="int"), True, False),
        (Type(id="t", key="k", type="number"), 2.5, True),
        (Range(id="r", key="k", min=100000, max=6000000), 100000, True),
        (Range(id="r", key="k", min=100000, max=6000000), 6000001, False),
        (Range(id="r", key="k", min=15, max=40), 40.0, True),
        (Range(id="r", key="k", min=15, max=40), True, False),
        (Range(id="r", key="k", min=15, max=40), "20", False),
    ],
)
def test_type_and_range_decide(rule: ValueKind, value: object, holds: bool) -> None:
    found = rule.apply({"k": value})
    assert (found == ()) is holds
    if not holds:
        assert found[0].message.startswith("k must be a value that is ")


def test_default_and_normalize_write_their_key() -> None:
    options: dict[str, Any] = {"k": None}
    Default(id="d", key="k", value=5).apply(options)
    assert options == {"k": 5}
    relayed = Normalize(id="n", key="media_mode", map={"routed": "routed"}, otherwise="relayed")
    for before, made in (("routed", "routed"), ("p2p", "relayed"), (3, "relayed"), (None, None)):
        options = {"media_mode": before}
        assert relayed.apply(options) == ()
        assert options == {"media_mode": made}
    assert Default(id="d", key="k", value=5).fills == frozenset({"k"})


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "type", "key": "k", "type": "float"}, "type: must be one of 'bool'"),
        ({"kind": "range", "key": "k"}, "max: give min, max or both"),
        ({"kind": "range", "key": "k", "min": 5, "max": 1}, "max: is 1, below min (5)"),
        ({"kind": "range", "key": "k", "min": "5"}, "min"),
        ({"kind": "default", "key": "k", "value": [1]}, "value"),
        ({"kind": "normalize", "key": "k", "map": {"a": [1]}}, "map: must be a table"),
    ],
)
def test_bad_fields_are_policy_errors(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(otr.PolicyError, match=re.escape(problem)):
        otr.load_policy({"session": [{"id": "x", **fields}]})
