"""An independent model of API.md section 3 (the default and strict rules), and the checks
that hold a ``PreparedSession`` or a ``ValidationError`` to what it predicts: shared by the
property tests and the seed grid."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from opentok_rules import (
    ArchiveMode,
    MediaMode,
    PreparedSession,
    SessionSpec,
    ValidationError,
)

#: The six session options of API.md section 2.
KEYS = ("media_mode", "location", "archive_mode", "archive_name", "archive_resolution", "e2ee")
#: API.md section 1's resolutions, written out: the model does not read the library's list.
RESOLUTIONS = ("640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920")


# ---- an independent model of API.md section 3 -------------------------------------------------

KEY_FIELD = "<an unknown key>"  # stands for "the field names the unknown key"


def is_dotted_quad(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(ipaddress.IPv4Address(value)) == value
    except ValueError:
        return False


def model(options: Mapping[Any, Any], strict: bool) -> tuple[list[tuple[str, Any]], Any]:
    """(expected violations as (rule, field), expected spec or None)."""
    found: list[tuple[str, Any]] = []
    known: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(key, str) and key in KEYS:
            known[key] = value
        elif strict:
            found.append(("known-keys", key))

    media = known.get("media_mode")
    routed = isinstance(media, str) and media == "routed"
    if (
        strict
        and media is not None
        and not (isinstance(media, str) and media in ("routed", "relayed"))
    ):
        found.append(("media-mode", "media_mode"))

    archive = known.get("archive_mode")
    archive = "manual" if archive is None else archive
    always = isinstance(archive, str) and archive == "always"
    manual = isinstance(archive, str) and archive == "manual"

    e2ee = known.get("e2ee")
    e2ee = False if e2ee is None else e2ee
    if not isinstance(e2ee, bool):
        found.append(("e2ee-boolean", "e2ee"))

    if always and not routed:
        found.append(("always-archive-requires-routed", None))
    if e2ee is True and not routed:
        found.append(("relayed-forbids-e2ee", None))
    if e2ee is True and always:
        found.append(("always-archive-forbids-e2ee", None))

    location = known.get("location")
    if isinstance(location, ipaddress.IPv4Address):
        location = str(location)
    elif location is not None and not is_dotted_quad(location):
        found.append(("location-ipv4", "location"))

    if not (always or manual):
        found.append(("archive-mode-valid", "archive_mode"))

    name = known.get("archive_name")
    resolution = known.get("archive_resolution")
    if manual:
        if name is not None:
            found.append(("manual-archive-forbids-name-and-resolution", "archive_name"))
        if resolution is not None:
            found.append(("manual-archive-forbids-name-and-resolution", "archive_resolution"))
    if name is not None and not (isinstance(name, str) and len(name) <= 80):
        found.append(("archive-name-length", "archive_name"))
    if name == "":
        name = None  # an empty name means no name, as in the Ruby SDK
    if resolution is not None and not (isinstance(resolution, str) and resolution in RESOLUTIONS):
        found.append(("archive-resolution-valid", "archive_resolution"))

    if found:
        return found, None
    spec = SessionSpec(
        media_mode=MediaMode.ROUTED if routed else MediaMode.RELAYED,
        archive_mode=ArchiveMode.ALWAYS if always else ArchiveMode.MANUAL,
        location=location,
        archive_name=name,
        archive_resolution=resolution,
        e2ee=e2ee,
    )
    return [], spec


# ---- checks -----------------------------------------------------------------------------------


def check_spec_invariants(prepared: PreparedSession) -> None:
    spec = prepared.spec
    assert isinstance(spec, SessionSpec)
    assert spec.media_mode in (MediaMode.ROUTED, MediaMode.RELAYED)
    assert spec.archive_mode in (ArchiveMode.MANUAL, ArchiveMode.ALWAYS)
    assert isinstance(spec.e2ee, bool)
    routed = spec.media_mode is MediaMode.ROUTED
    always = spec.archive_mode is ArchiveMode.ALWAYS
    if always:
        assert routed
    if spec.e2ee:
        assert routed
        assert not always
    if spec.archive_name is not None or spec.archive_resolution is not None:
        assert always
    if spec.location is not None:
        assert type(spec.location) is str
        assert is_dotted_quad(spec.location)
    if spec.archive_name is not None:
        assert isinstance(spec.archive_name, str)
        assert 1 <= len(spec.archive_name) <= 80
    if spec.archive_resolution is not None:
        assert spec.archive_resolution in RESOLUTIONS

    params = prepared.params
    assert params == spec.to_params()
    assert SessionSpec.from_params(params) == spec
    assert params["p2p.preference"] == ("disabled" if routed else "enabled")
    assert params["archiveMode"] == spec.archive_mode.value
    assert params["e2ee"] == ("true" if spec.e2ee else "false")
    for key, value in params.items():
        assert isinstance(key, str)
        assert isinstance(value, str)
        assert value, f"empty value for {key}"


def check_violations_match(err: ValidationError, expected: list[tuple[str, Any]]) -> None:
    got = [(v.rule, v.field) for v in err.violations]
    assert [rule for rule, _ in got] == [rule for rule, _ in expected], (got, expected)
    for (rule, field), (_, expected_field) in zip(got, expected, strict=True):
        if rule == "known-keys":
            assert isinstance(field, str)
            if isinstance(expected_field, str) and len(expected_field) <= 40:
                assert field == expected_field
        else:
            assert field == expected_field
    for violation in err.violations:
        assert isinstance(violation.message, str)
        assert violation.message.strip()
        assert "\n" not in violation.message
    text = str(err)
    for violation in err.violations:
        assert violation.rule in text


def model_warnings(options: Mapping[Any, Any], strict: bool) -> list[tuple[str, Any]]:
    """The warnings (rule, field) the default rules give for ``options`` they let through
    (API.md section 8, "Saying silent decisions"): a dropped key, and a media mode read as
    relayed that was not 'relayed', absent or None. The strict rules refuse both instead."""
    if strict:
        return []
    found: list[tuple[str, Any]] = [
        ("known-keys", key) for key in options if not (isinstance(key, str) and key in KEYS)
    ]
    media = options.get("media_mode")
    if media is not None and not (isinstance(media, str) and media in ("routed", "relayed")):
        found.append(("media-mode", "media_mode"))
    return found


def check_warnings_match(prepared: PreparedSession, expected: list[tuple[str, Any]]) -> None:
    got = [(w.rule, w.field) for w in prepared.warnings]
    assert [rule for rule, _ in got] == [rule for rule, _ in expected], (got, expected)
    for (rule, field), (_, expected_field) in zip(got, expected, strict=True):
        assert isinstance(field, str)
        if rule == "media-mode" or (isinstance(expected_field, str) and len(expected_field) <= 40):
            assert field == expected_field
    for warning in prepared.warnings:
        assert warning.severity == "warn"
        assert warning.message.strip()
        assert "\n" not in warning.message
