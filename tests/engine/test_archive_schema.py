"""to_json_schema(operation="archive"): the archive rules as a JSON Schema, agreeing with
prepare_archive on the options as the rules read them."""

from __future__ import annotations

from typing import Any

import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.operations.archive.prepare import ARCHIVE_OPTION_KEYS
from opentok_rules.session_ids import make_session_id

jsonschema = pytest.importorskip("jsonschema")

SID = make_session_id("123456")
SCHEMA = otr.to_json_schema(operation="archive")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def accepted(options: dict[str, Any]) -> bool:
    working = dict(options)
    session_id = working.pop("session_id", None)
    try:
        otr.prepare_archive(session_id, working)
    except otr.ValidationError:
        return False
    return True


def test_the_schema_names_its_operation_and_what_it_cannot_say() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["title"] == "Archive options"
    # Every archive rule is said: a whole number is one as JSON reads it (200000.0 too).
    assert SCHEMA["x-unexpressed"] == []
    ids = [part["x-rule-id"] for part in SCHEMA["allOf"]]
    assert ids[0] == "archive-known-keys"
    assert "archive-bitrate-or-quantization" in ids
    assert otr.to_json_schema()["title"] == "Session options"
    with pytest.raises(ValueError, match="'session' or 'archive'"):
        otr.to_json_schema(operation="token")


def test_a_policys_archive_rules_are_exported() -> None:
    policy = otr.load_policy(
        {"archive": [{"id": "acme", "kind": "pattern", "key": "name", "pattern": "acme-[a-z0-9]+"}]}
    )
    schema = otr.to_json_schema(policy.archive_rules, operation="archive")
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"session_id": SID, "name": "acme-1"})
    assert not validator.is_valid({"session_id": SID, "name": "weekly"})


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=7_000_000),
    st.sampled_from([14, 15, 40, 41, 99_999, 100_000, 6_000_000, 6_000_001]),
    st.text(max_size=5),
    st.sampled_from(
        [
            SID,
            "composed",
            "individual",
            "auto",
            "manual",
            "1280x720",
            "bestFit",
            "custom",
            "pip",
            "horizontalPresentation",
        ]
    ),
)


@settings(max_examples=examples(400), deadline=None)
@given(
    options=st.dictionaries(
        st.sampled_from(ARCHIVE_OPTION_KEYS) | st.sampled_from(["nmae", "layout"]),
        VALUES,
        max_size=7,
    )
)
def test_the_schema_accepts_exactly_what_prepare_archive_accepts(options: dict[str, Any]) -> None:
    if "layout" in options:
        options["layout"] = None  # a layout mapping is read as its flattened fields
        options.pop("layout")
    assert VALIDATOR.is_valid(options) == accepted(options), options
