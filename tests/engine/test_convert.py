"""spec_to_dict / spec_from_dict and the cattrs converter (SessionSpec to and from plain dicts)."""

from __future__ import annotations

import json
from typing import Any

import attrs
import cattrs
import pytest
from _support.api import FIELD_NAMES
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules import (
    ARCHIVE_RESOLUTIONS,
    ArchiveMode,
    MediaMode,
    Options,
    SessionSpec,
    ValidationError,
    default_rules,
    prepare_session,
    rule,
    strict_rules,
)
from opentok_rules.operations.session.convert import converter, spec_from_dict, spec_to_dict

FULL = SessionSpec(
    media_mode=MediaMode.ROUTED,
    archive_mode=ArchiveMode.ALWAYS,
    location="12.34.56.78",
    archive_name="Weekly",
    archive_resolution="1280x720",
)


@attrs.frozen
class Room:
    """A user's own attrs class holding a SessionSpec."""

    name: str
    session: SessionSpec


@attrs.frozen
class Building:
    rooms: list[Room]


def test_spec_to_dict_of_defaults() -> None:
    assert spec_to_dict(SessionSpec()) == {
        "media_mode": "relayed",
        "archive_mode": "manual",
        "location": None,
        "archive_name": None,
        "archive_resolution": None,
        "e2ee": False,
    }


def test_spec_to_dict_gives_plain_json_types() -> None:
    data = spec_to_dict(FULL)
    assert type(data) is dict
    assert tuple(data) == FIELD_NAMES
    # Enums come out as their plain string values, not as str-subclass enum members.
    assert type(data["media_mode"]) is str
    assert type(data["archive_mode"]) is str
    assert data == {
        "media_mode": "routed",
        "archive_mode": "always",
        "location": "12.34.56.78",
        "archive_name": "Weekly",
        "archive_resolution": "1280x720",
        "e2ee": False,
    }
    for value in data.values():
        assert type(value) in (str, bool, type(None))


def test_spec_to_dict_is_json_serializable() -> None:
    text = json.dumps(spec_to_dict(FULL), sort_keys=True)
    assert json.loads(text)["media_mode"] == "routed"
    assert '"archive_mode": "always"' in text


def test_round_trip_through_json() -> None:
    for spec in (SessionSpec(), FULL, SessionSpec(media_mode="routed", e2ee=True)):
        assert spec_from_dict(spec_to_dict(spec)) == spec
        assert spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec


valid_specs = st.builds(
    lambda options: prepare_session(options).spec,
    st.fixed_dictionaries(
        {"media_mode": st.just("routed")},
        optional={
            "location": st.ip_addresses(v=4).map(str),
            "e2ee": st.booleans(),
        },
    )
    | st.fixed_dictionaries(
        {"media_mode": st.just("routed"), "archive_mode": st.just("always")},
        optional={
            "location": st.ip_addresses(v=4).map(str),
            "archive_name": st.text(min_size=1, max_size=80),
            "archive_resolution": st.sampled_from(ARCHIVE_RESOLUTIONS),
        },
    )
    | st.fixed_dictionaries(
        {}, optional={"media_mode": st.just("relayed"), "location": st.ip_addresses(v=4)}
    ),
)


@settings(max_examples=examples(150), deadline=None)
@given(valid_specs)
def test_round_trip_property(spec: SessionSpec) -> None:
    data = spec_to_dict(spec)
    assert spec_from_dict(data) == spec
    assert spec_from_dict(json.loads(json.dumps(data))) == spec
    assert converter.structure(data, SessionSpec) == spec


def test_spec_from_dict_applies_the_rules() -> None:
    assert spec_from_dict({}) == SessionSpec()
    assert spec_from_dict({"media_mode": "routed", "junk": 1}) == SessionSpec(media_mode="routed")
    assert spec_from_dict({"media_mode": "blah"}) == SessionSpec()


@pytest.mark.parametrize(
    ("data", "rule_ids"),
    [
        ({"location": "nowhere"}, ["location-ipv4"]),
        ({"location": 1234}, ["location-ipv4"]),
        ({"archive_mode": "sometimes"}, ["archive-mode-valid"]),
        ({"archive_mode": "always"}, ["always-archive-requires-routed"]),
        ({"e2ee": "yes"}, ["e2ee-boolean"]),
        ({"e2ee": True}, ["relayed-forbids-e2ee"]),
        ({"archive_name": "n"}, ["manual-archive-forbids-name-and-resolution"]),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_resolution": [1]},
            ["archive-resolution-valid"],
        ),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_name": 5, "location": "x"},
            ["location-ipv4", "archive-name-length"],
        ),
    ],
    ids=stable_id,
)
def test_spec_from_dict_bad_data_raises_validation_error(
    data: dict[str, Any], rule_ids: list[str]
) -> None:
    with pytest.raises(ValidationError) as info:
        spec_from_dict(data)
    assert not isinstance(info.value, cattrs.BaseValidationError)
    assert [v.rule for v in info.value.violations] == rule_ids


@pytest.mark.parametrize("data", [[("media_mode", "routed")], "media_mode", 5, None], ids=stable_id)
def test_spec_from_dict_non_mapping_is_a_type_error_not_a_cattrs_error(data: Any) -> None:
    with pytest.raises(TypeError):
        spec_from_dict(data)


def test_converter_validates_a_nested_spec() -> None:
    room = converter.structure(
        {"name": "lobby", "session": {"media_mode": "routed", "archive_mode": "always"}}, Room
    )
    assert room == Room("lobby", SessionSpec(media_mode="routed", archive_mode="always"))
    assert room.session.archive_mode is ArchiveMode.ALWAYS

    with pytest.raises(ValidationError) as info:
        converter.structure({"name": "lobby", "session": {"archive_mode": "always"}}, Room)
    assert [v.rule for v in info.value.violations] == ["always-archive-requires-routed"]


def test_converter_validates_specs_deeper_down() -> None:
    data = {
        "rooms": [
            {"name": "a", "session": {"media_mode": "routed"}},
            {"name": "b", "session": {"location": "01.2.3.4"}},
        ]
    }
    with pytest.raises(ValidationError) as info:
        converter.structure(data, Building)
    assert [(v.rule, v.field) for v in info.value.violations] == [("location-ipv4", "location")]


def test_converter_unstructures_a_nested_spec() -> None:
    room = Room("lobby", FULL)
    data = converter.unstructure(room)
    assert data == {"name": "lobby", "session": spec_to_dict(FULL)}
    assert converter.structure(json.loads(json.dumps(data)), Room) == room


def test_custom_rules_are_used_by_spec_from_dict() -> None:
    @rule("no-1-2-3-4", "location 1.2.3.4 is reserved.", field="location")
    def reserved(options: Options) -> str | None:
        return (
            "location 1.2.3.4 is reserved; use another"
            if options.get("location") == "1.2.3.4"
            else None
        )

    registry = default_rules()
    registry.add(reserved)
    data = {"location": "1.2.3.4"}
    assert spec_from_dict(data) == SessionSpec(location="1.2.3.4")
    with pytest.raises(ValidationError) as info:
        spec_from_dict(data, rules=registry)
    assert [(v.rule, v.field) for v in info.value.violations] == [("no-1-2-3-4", "location")]
    assert spec_from_dict({"location": "5.6.7.8"}, rules=registry) == SessionSpec(
        location="5.6.7.8"
    )


def test_strict_rules_passed_to_spec_from_dict() -> None:
    data = {"medai_mode": "routed"}
    assert spec_from_dict(data) == SessionSpec()
    with pytest.raises(ValidationError) as info:
        spec_from_dict(data, rules=strict_rules())
    assert [v.rule for v in info.value.violations] == ["known-keys"]
    assert "media_mode" in info.value.violations[0].message


@attrs.frozen
class Ticket:
    """A user's own class: a SessionSpec beside fields that are none of the library's business."""

    session: SessionSpec
    name: str | None = None
    seats: int | None = None


@attrs.frozen
class PlainTicket:
    """Ticket without the SessionSpec: what plain cattrs makes of the other fields."""

    name: str | None = None
    seats: int | None = None


@pytest.mark.parametrize(
    "fields",
    [{"name": [1, 2, 3]}, {"name": 7, "seats": "5"}, {"name": None, "seats": None}, {}],
    ids=stable_id,
)
def test_the_converter_leaves_other_fields_to_plain_cattrs(fields: dict[str, Any]) -> None:
    plain = cattrs.Converter(detailed_validation=False).structure(fields, PlainTicket)
    ticket = converter.structure({"session": {"media_mode": "routed"}, **fields}, Ticket)
    assert (ticket.name, ticket.seats) == (plain.name, plain.seats)
    assert ticket.session == SessionSpec(media_mode="routed")


def test_the_converter_never_drops_a_bad_optional_str_silently() -> None:
    # A lenient hook for the service's answers once sat on this public converter and turned
    # [1, 2, 3] into None here.
    ticket = converter.structure({"session": {}, "name": [1, 2, 3]}, Ticket)
    assert ticket.name is not None
    with pytest.raises(TypeError):
        converter.structure({"session": {}, "seats": [1]}, Ticket)


def test_the_converter_has_no_hook_for_optional_str() -> None:
    plain = cattrs.Converter(detailed_validation=False)
    optional_str: Any = str | None  # a union is a type to cattrs, not to mypy
    for value in ("text", [1, 2, 3], 12, None):
        assert converter.structure(value, optional_str) == plain.structure(value, optional_str)
