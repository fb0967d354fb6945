"""``otr.policy_file_schema()`` and ``opentok-rules schema --policy-file`` (API.md section 8,
issue 29 item 6): a JSON Schema (draft 2020-12) of the policy file format, derived from the
kinds, that every example policy in the docs meets and every structurally broken policy of the
project's tests fails."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _support.cli import run
from _support.paths import ROOT
from _support.plugins import install
from _support.policies import BROKEN_POLICIES
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS = ROOT / "docs"


def validator() -> jsonschema.Draft202012Validator:
    """A validator of the policy file schema as ``otr.policy_file_schema()`` derives it now (a
    kind installed since the last call is in it), checked against the draft's metaschema."""
    return checked_validator(json.dumps(otr.policy_file_schema()))


@functools.cache
def checked_validator(schema_text: str) -> jsonschema.Draft202012Validator:
    """The validator of one schema (as JSON text), checked against the metaschema once: the
    check costs 0.15 s of CPU, and its verdict on the same schema is always the same."""
    schema = json.loads(schema_text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(data: Any) -> list[str]:
    return [error.message for error in validator().iter_errors(data)]


def test_it_is_a_draft_2020_12_schema_of_every_top_level_key() -> None:
    schema = otr.policy_file_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "archive",
        "base",
        "disable",
        "extend",
        "session",
        "token",
        "test",
    }  # API.md section 8: [[archive]] in policies
    assert schema is not otr.policy_file_schema()  # a fresh dict each call


def test_every_kind_is_there_with_its_fields_derived_from_the_class() -> None:
    import attrs

    from opentok_rules.engine.kinds import BUILTIN_KINDS

    defs = otr.policy_file_schema()["$defs"]
    assert set(defs["token-rule"]["properties"]["kind"]["enum"]) == set(BUILTIN_KINDS)
    assert "max_ttl" not in defs["session-rule"]["properties"]["kind"]["enum"]
    for name, cls in BUILTIN_KINDS.items():
        fields = {a.alias for a in attrs.fields(cls) if a.init and a.name != "source"}
        table = defs[f"kind-{name}"]
        assert set(table["properties"]) == fields | {"kind", "before", "after"}
        required = {a.alias for a in attrs.fields(cls) if a.init and a.default is attrs.NOTHING}
        assert set(table["required"]) == required | {"kind"}
    assert defs["kind-length"]["properties"]["min"] == {"type": "integer"}
    assert defs["kind-allowed"]["properties"]["values"]["minItems"] == 1


def policy_files() -> list[Path]:
    return sorted(p for p in (DOCS / "examples").rglob("*.toml") if "broken" not in p.parts)


@pytest.mark.parametrize("path", policy_files(), ids=lambda p: p.name)
def test_every_example_policy_in_the_docs_validates(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    otr.load_policy(path)  # a usable policy ...
    assert errors(data) == []  # ... meets the schema


def test_the_docs_example_policies_are_all_there() -> None:
    names = {p.name for p in policy_files()}
    assert {"acme.toml", "kinds.toml", "org.toml", "opentok-rules.toml"} <= names


#: What only loading can tell: the schema cannot see these, by design.
SEMANTIC = (
    "is taken already",
    "is not a regular expression",
    "is not a network",
    "has host bits set",
    "no rule has the id",
    "seconds above 0",
)


@pytest.mark.parametrize(("text", "expected"), BROKEN_POLICIES)
def test_every_structurally_broken_policy_fails_the_schema(text: str, expected: str) -> None:
    data = tomllib.loads(text)
    if any(reason in expected for reason in SEMANTIC):
        # Only loading can tell this one (policy check does): the schema lets it through.
        assert errors(data) == []
    else:
        assert errors(data), f"the schema let through: {expected}"


@pytest.mark.parametrize(
    "broken",
    sorted((DOCS / "examples" / "policies" / "broken").glob("misspelt-*.toml")),
    ids=lambda p: p.name,
)
def test_the_docs_broken_examples_of_structure_fail(broken: Path) -> None:
    assert errors(tomllib.loads(broken.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "test_table",
    [
        {"session": {}, "expect": "accept"},
        {"name": "t", "expect": "accept"},
        {"name": "t", "session": {}, "token": {}, "expect": "accept"},
        {"name": "t", "session": {}, "expect": "maybe"},
        {"name": "t", "session": {}, "expect": "accept", "refused_by": "x"},
        {"name": "t", "session": {}, "expect": "accept", "extra": 1},
    ],
)
def test_malformed_test_tables_fail(test_table: dict[str, Any]) -> None:
    assert errors({"test": [test_table]})
    with pytest.raises(otr.PolicyError):
        otr.load_policy({"test": [test_table]})


PLUGIN = """
from typing import ClassVar

import attrs


@attrs.frozen(kw_only=True)
class Prefix:
    kind: ClassVar[str] = "prefix"
    id: str
    key: str
    prefix: str
    max_len: int | None = None
    source: str | None = None
    description: ClassVar[str] = "starts with a prefix"

    def apply(self, options):
        return ()
"""


def test_an_installed_plugin_kind_appears(site_dir: Path) -> None:
    entry_points = "prefix = prefix_kinds:Prefix\ngone = nowhere_at_all:Gone"
    install(site_dir, "prefix_kinds", PLUGIN, entry_points, distribution="prefix")
    schema = otr.policy_file_schema()
    table = schema["$defs"]["kind-prefix"]
    assert table["properties"]["prefix"] == {"type": "string"}
    assert table["properties"]["max_len"] == {"type": "integer"}
    assert set(table["required"]) == {"kind", "id", "key", "prefix"}
    assert "prefix" in schema["$defs"]["session-rule"]["properties"]["kind"]["enum"]
    # A plugin that cannot be imported is named; its fields are left to the loader.
    assert "gone" in schema["$defs"]["session-rule"]["properties"]["kind"]["enum"]
    good = {"session": [{"id": "p", "kind": "prefix", "key": "archive_name", "prefix": "a"}]}
    check = jsonschema.Draft202012Validator(schema)
    assert list(check.iter_errors(good)) == []
    good["session"][0]["prefx"] = "a"
    assert list(check.iter_errors(good))


def test_the_command_prints_the_same_schema(tmp_path: Path) -> None:
    result = run("schema", "--policy-file", cwd=tmp_path, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == otr.policy_file_schema()
    mixed = run("schema", "--policy-file", "--strict", cwd=tmp_path, timeout=60)
    assert mixed.returncode == 2
    assert "--policy-file prints the format of every policy file" in mixed.stderr


FIELD_VALUES = st.one_of(
    st.sampled_from(["media_mode", "archive_name", "location", "routed", "10.0.0.0/8", "a.*"]),
    st.integers(-2, 100),
    st.booleans(),
    st.lists(st.sampled_from(["routed", "archive_name", "10.0.0.0/8", "x"]), max_size=3),
    st.dictionaries(
        st.sampled_from(["archive_mode", "media_mode"]),
        st.one_of(st.sampled_from(["always", "routed"]), st.lists(st.just("routed"), max_size=2)),
        max_size=2,
    ),
)
KEYS = st.sampled_from(["media_mode", "archive_name", "location", "role"])
COMMON = st.fixed_dictionaries(
    {},
    optional={
        "severity": st.sampled_from(["deny", "warn", "error"]),
        "message": st.sampled_from(["Set {key}.", ""]),
        "when": st.dictionaries(
            KEYS, st.one_of(st.just("routed"), st.lists(st.just("always"), max_size=2))
        ),
        "before": st.sampled_from(["media-mode", "nowhere"]),
    },
)
OWN_FIELDS = {
    "required": st.fixed_dictionaries({"keys": st.lists(KEYS, max_size=2)}),
    "forbidden": st.fixed_dictionaries({"keys": st.one_of(st.lists(KEYS, max_size=2), KEYS)}),
    "allowed": st.fixed_dictionaries(
        {"key": KEYS, "values": st.lists(st.sampled_from(["routed", 1, True, 2.5]), max_size=3)}
    ),
    "pattern": st.fixed_dictionaries(
        {"key": KEYS, "pattern": st.sampled_from(["acme-.*", "(", "x"])}
    ),
    "length": st.fixed_dictionaries(
        {"key": KEYS}, optional={"min": st.integers(-1, 90), "max": st.integers(-1, 90)}
    ),
    "network": st.fixed_dictionaries(
        {"key": KEYS, "networks": st.lists(st.sampled_from(["10.0.0.0/8", "::1/128", "x"]))}
    ),
}
RULE_TABLES = st.sampled_from(sorted(OWN_FIELDS)).flatmap(
    lambda kind: st.builds(
        lambda rule_id, own, common: {"id": rule_id, "kind": kind, **own, **common},
        st.sampled_from(["acme-a", "acme-b", ""]),
        OWN_FIELDS[kind],
        COMMON,
    )
)


@settings(
    max_examples=examples(200, costly=True),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(RULE_TABLES, max_size=2), st.sampled_from([None, "default", "strict", "x"]))
def test_the_schema_never_refuses_a_usable_policy(
    tables: list[dict[str, Any]], base: str | None
) -> None:
    """Whatever load_policy accepts, the schema accepts: an editor never underlines a policy
    the library would use."""
    data: dict[str, Any] = {"session": tables}
    if base is not None:
        data["base"] = base
    try:
        otr.load_policy(data)
    except otr.PolicyError:
        return
    assert errors(data) == []
