"""ValueKind: a plugin kind defined once (``holds``) is compiled and exported like a built-in.

The example plugin (examples/opentok-rules-archive-prefix) is imported from its source here;
tests/test_plugin_example.py installs it for real. Every property holds the three forms of a
kind's constraint to each other: the registry's loop (``apply``), the compiled pass and the
JSON Schema, on random options.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, ClassVar

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine import pipeline
from opentok_rules.engine.kinds import COMPILED_FORM, SCHEMA_FORM, has_form
from opentok_rules.kinds import Allowed, Kind, ValueKind

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "opentok-rules-archive-prefix"
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
        place = draw(st.sampled_from([None, *rules.ids()]))
        if place is None:
            rules.add(rule)
        else:
            rules.insert_before(place, rule)
    return rules


def outcome(run: Any, options: dict[str, Any]) -> Any:
    try:
        spec, warnings = run(dict(options))
    except otr.ValidationError as exc:
        return "refused", exc.violations
    return "spec", attrs.astuple(spec, recurse=False), warnings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plugin_registries(), st.lists(OPTIONS, min_size=1, max_size=10))
def test_compiled_interpreted_and_schema_agree(
    rules: otr.RuleRegistry, examples: list[dict[str, Any]]
) -> None:
    schema = otr.to_json_schema(rules)
    assert schema["x-unexpressed"] == []
    validator = jsonschema.Draft202012Validator(schema)
    for options in examples:
        looped = outcome(lambda o: pipeline._interpreted(o, rules), options)
        compiled = outcome(lambda o: pipeline._outcome_for(o, rules, {}), options)
        assert compiled == looped, options
        accepted = not list(validator.iter_errors(options))
        assert accepted is (looped[0] == "spec"), options
