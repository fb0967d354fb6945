"""Our side of every row of "Differences from the Ruby SDK" (docs/differences.rst), asserted.

Each test is one row (or a few rows about the same thing) of the page's table, in its order.
"""

from __future__ import annotations

import ipaddress

import pytest

import opentok_rules as otr

ALWAYS = {"media_mode": "routed", "archive_mode": "always"}


def refused(**options: object) -> list[str]:
    """The ids of the rules the options break (none: they were accepted)."""
    return refused_by(None, options)


def refused_by(rules: otr.RuleRegistry | None, options: dict[str, object]) -> list[str]:
    try:
        otr.prepare_session(options, rules=rules)
    except otr.ValidationError as err:
        return [v.rule for v in err.violations]
    return []


def params(**options: object) -> dict[str, str]:
    return otr.prepare_session(options).params


def test_defaults_are_applied_before_the_combination_checks() -> None:
    assert refused(archive_mode="always") == ["always-archive-requires-routed"]
    assert refused(media_mode="blah", archive_mode="always") == ["always-archive-requires-routed"]
    assert refused(e2ee=True) == ["relayed-forbids-e2ee"]
    assert refused(archive_name="standup") == ["manual-archive-forbids-name-and-resolution"]


def test_strings_and_enum_members_mean_the_same() -> None:
    assert params(media_mode="routed")["p2p.preference"] == "disabled"
    assert refused(media_mode="relayed", archive_mode="always") == [
        "always-archive-requires-routed"
    ]
    assert refused(archive_mode="manual", archive_name="standup") == [
        "manual-archive-forbids-name-and-resolution"
    ]
    assert params(media_mode=otr.MediaMode.ROUTED) == params(media_mode="routed")


@pytest.mark.parametrize("good", ["0.10.100.200", "12.34.56.78", "255.255.255.255"])
def test_location_strings_as_ruby_accepts_them(good: str) -> None:
    assert params(location=good)["location"] == good


@pytest.mark.parametrize("bad", ["01.2.3.4", "256.1.1.1", "1.2.3", " 1.2.3.4", "1.2.3.4\n", ""])
def test_location_strings_as_ruby_refuses_them(bad: str) -> None:
    assert refused(location=bad) == ["location-ipv4"]


def test_location_may_be_an_address_object() -> None:
    location = ipaddress.IPv4Address("12.34.56.78")
    assert params(location=location)["location"] == "12.34.56.78"


def test_one_error_type_and_every_problem_at_once() -> None:
    assert refused(location="1.2.3") == ["location-ipv4"]
    assert refused(archive_mode="sometimes") == ["archive-mode-valid"]
    assert refused(archive_mode=5) == ["archive-mode-valid"]
    assert params(media_mode="routed", trace_id="x") == params(media_mode="routed")  # dropped
    assert otr.prepare_session({1: "x"}).params == params()  # type: ignore[dict-item]
    assert refused(media_mode="relayed", archive_mode="always", e2ee=True, location="x") == [
        "always-archive-requires-routed",
        "relayed-forbids-e2ee",
        "always-archive-forbids-e2ee",
        "location-ipv4",
    ]


def test_archive_name_and_resolution_are_checked_here() -> None:
    assert refused(**ALWAYS, archive_name="x" * 81) == ["archive-name-length"]
    assert params(**ALWAYS, archive_name="x" * 80)["archiveName"] == "x" * 80
    assert refused(**ALWAYS, archive_resolution="800x600") == ["archive-resolution-valid"]


def test_empty_archive_name() -> None:
    # As the Ruby SDK: "" with always means no name; with manual it is still refused.
    assert refused(**ALWAYS, archive_name="") == []
    assert "archiveName" not in params(**ALWAYS, archive_name="")
    assert otr.prepare_session(ALWAYS, archive_name="").spec.archive_name is None
    assert refused(archive_name="") == ["manual-archive-forbids-name-and-resolution"]


def test_e2ee_must_be_a_boolean() -> None:
    assert refused(media_mode="relayed", e2ee="true") == ["e2ee-boolean"]
    assert refused(media_mode="routed", e2ee=1) == ["e2ee-boolean"]


def test_archive_mode_and_e2ee_are_always_sent() -> None:
    assert params() == {"p2p.preference": "enabled", "archiveMode": "manual", "e2ee": "false"}


def test_strict_rules() -> None:
    strict = otr.strict_rules()
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session({"media_mod": "routed"}, rules=strict)
    assert [(v.rule, v.field) for v in caught.value.violations] == [("known-keys", "media_mod")]
    assert "did you mean 'media_mode'?" in caught.value.violations[0].message
    assert params(media_mode="blah")["p2p.preference"] == "enabled"  # as the Ruby SDK does
    assert refused_by(strict, {"media_mode": "blah"}) == ["media-mode"]
