"""The enumerated values of API.md section 1."""

from __future__ import annotations

import enum

import pytest

from opentok_rules import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, Role

EXPECTED_MEMBERS: list[tuple[type[enum.Enum], dict[str, str]]] = [
    (MediaMode, {"ROUTED": "routed", "RELAYED": "relayed"}),
    (ArchiveMode, {"MANUAL": "manual", "ALWAYS": "always"}),
    (
        Role,
        {
            "SUBSCRIBER": "subscriber",
            "PUBLISHER": "publisher",
            "PUBLISHER_ONLY": "publisheronly",
            "MODERATOR": "moderator",
        },
    ),
]

ALL_MEMBERS = [member for cls, _ in EXPECTED_MEMBERS for member in cls]


@pytest.mark.parametrize(
    ("cls", "expected"), EXPECTED_MEMBERS, ids=[cls.__name__ for cls, _ in EXPECTED_MEMBERS]
)
def test_enum_has_exactly_the_documented_members(
    cls: type[enum.Enum], expected: dict[str, str]
) -> None:
    assert issubclass(cls, str)
    assert issubclass(cls, enum.Enum)
    assert {member.name: member.value for member in cls} == expected


@pytest.mark.parametrize("member", ALL_MEMBERS, ids=[repr(m) for m in ALL_MEMBERS])
def test_member_is_a_str_equal_to_its_value(member: enum.Enum) -> None:
    value = member.value
    assert isinstance(member, str)
    assert type(value) is str
    assert member == value
    assert value == member
    assert member != value.upper()
    # Interchangeable as dict keys / set members too.
    assert hash(member) == hash(value)
    assert {value: 1}[member] == 1
    assert member in {value}
    # Looking a member up by its string gives the very member.
    assert type(member)(value) is member


def equal(a: object, b: object) -> bool:
    """``a == b`` without mypy's strict-equality objection to comparing an enum with a str."""
    return a == b


def test_documented_equalities() -> None:
    assert equal(MediaMode.ROUTED, "routed")
    assert equal(MediaMode.RELAYED, "relayed")
    assert equal(ArchiveMode.MANUAL, "manual")
    assert equal(ArchiveMode.ALWAYS, "always")
    assert equal(Role.PUBLISHER_ONLY, "publisheronly")
    assert not equal(MediaMode.ROUTED, MediaMode.RELAYED)
    assert not equal(ArchiveMode.MANUAL, ArchiveMode.ALWAYS)


def test_unknown_string_is_not_a_member() -> None:
    with pytest.raises(ValueError, match="bogus"):
        MediaMode("bogus")
    with pytest.raises(ValueError, match="bogus"):
        ArchiveMode("bogus")
    with pytest.raises(ValueError, match="bogus"):
        Role("bogus")


def test_archive_resolutions_exact_tuple() -> None:
    assert type(ARCHIVE_RESOLUTIONS) is tuple
    assert ARCHIVE_RESOLUTIONS == (
        "640x480",
        "480x640",
        "1280x720",
        "720x1280",
        "1920x1080",
        "1080x1920",
    )
    assert all(type(each) is str for each in ARCHIVE_RESOLUTIONS)
    assert len(set(ARCHIVE_RESOLUTIONS)) == 6
