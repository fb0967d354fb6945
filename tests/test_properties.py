"""Property tests: whatever the options, prepare_session gives a sound PreparedSession or a
ValidationError, and it gives exactly what an independent model of API.md section 3 predicts."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import attrs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from opentok_rules import (
    ARCHIVE_RESOLUTIONS,
    ArchiveMode,
    MediaMode,
    PreparedSession,
    Role,
    RuleRegistry,
    SessionSpec,
    ValidationError,
    default_rules,
    prepare_session,
    strict_rules,
)

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KEYS = ("media_mode", "location", "archive_mode", "archive_name", "archive_resolution", "e2ee")
NEAR_MISSES = (
    "medai_mode",
    "mediaMode",
    "media-mode",
    "Media_mode",
    "media_mode ",
    " location",
    "Location",
    "archiveMode",
    "archive_mod",
    "archive_names",
    "archiveName",
    "archive_resolutions",
    "archiveResolution",
    "e2e",
    "E2EE",
    "p2p.preference",
    "",
)
RESOLUTIONS = ("640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920")
assert RESOLUTIONS == ARCHIVE_RESOLUTIONS  # the model below uses API.md's list, not the library's

# ---- strategies -------------------------------------------------------------------------------

keys: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(NEAR_MISSES),
    st.text(max_size=60),
    st.integers(),
    st.none(),
    st.tuples(st.integers(), st.text(max_size=3)),
)

octet = st.integers(0, 999).map(str) | st.integers(0, 99).map(lambda n: f"0{n}")
ipv4_strings = st.ip_addresses(v=4).map(str)
ipv4_like = st.one_of(
    st.lists(octet, min_size=3, max_size=5).map(".".join),
    st.tuples(
        st.sampled_from(["", " ", "\t", "\n", "\u00a0"]),
        ipv4_strings,
        st.sampled_from(["", " ", "\n", "\r\n", "."]),
    ).map("".join),
)

values: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=20),
    st.lists(st.integers() | st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from([*MediaMode, *ArchiveMode, *Role]),
    st.sampled_from(["routed", "relayed", "manual", "always", "", "Routed", "ALWAYS", "true"]),
    ipv4_strings,
    ipv4_like,
    st.ip_addresses(v=4),
    st.ip_addresses(v=6),
    st.sampled_from(RESOLUTIONS),
    st.text(max_size=30),
    st.text(min_size=70, max_size=200),
    st.text(alphabet="x", min_size=78, max_size=82),
)

arbitrary_options = st.dictionaries(keys, values, max_size=8)

# Options that are often valid, so that the success branch is well exercised.
plausible_options = st.fixed_dictionaries(
    {},
    optional={
        "media_mode": st.sampled_from([None, "routed", "relayed", *MediaMode, "blah"]),
        "archive_mode": st.sampled_from([None, "manual", "always", *ArchiveMode, "bogus"]),
        "location": st.none() | ipv4_strings | st.ip_addresses(v=4) | ipv4_like,
        "archive_name": st.none() | st.text(max_size=85) | st.sampled_from([*Role]),
        "archive_resolution": st.none() | st.sampled_from(RESOLUTIONS) | st.text(max_size=10),
        "e2ee": st.none() | st.booleans() | st.sampled_from([0, 1, "true"]),
    },
)

options_strategy = arbitrary_options | plausible_options
registries = st.sampled_from(["default", "strict"])


def registry_for(name: str) -> RuleRegistry:
    return strict_rules() if name == "strict" else default_rules()


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


def attempt(options: Any, /, **kwargs: Any) -> PreparedSession | ValidationError:
    """prepare_session's result or its ValidationError; any other exception propagates."""
    try:
        return prepare_session(options, **kwargs)
    except ValidationError as err:
        return err


def outcome(options: Any, /, **kwargs: Any) -> tuple[str, Any]:
    result = attempt(options, **kwargs)
    if isinstance(result, ValidationError):
        return "refused", [(v.rule, v.field, v.message) for v in result.violations]
    return "prepared", result


# ---- properties -------------------------------------------------------------------------------


@SETTINGS
@given(options=options_strategy, which=registries)
def test_result_is_sound_and_matches_the_model(options: dict[Any, Any], which: str) -> None:
    registry = registry_for(which)
    expected_violations, expected_spec = model(options, strict=which == "strict")
    prepared = attempt(options, rules=registry)
    if isinstance(prepared, ValidationError):
        event("refused")
        assert prepared.violations
        ids = set(registry.ids()) | {"session-spec"}
        assert all(v.rule in ids for v in prepared.violations)
        check_violations_match(prepared, expected_violations)
        return
    event("prepared")
    assert isinstance(prepared, PreparedSession)
    check_spec_invariants(prepared)
    assert expected_violations == []
    assert prepared.spec == expected_spec
    check_warnings_match(prepared, model_warnings(options, strict=which == "strict"))


@SETTINGS
@given(
    options=st.dictionaries(st.sampled_from(KEYS), values, max_size=6) | plausible_options,
    junk=st.dictionaries(keys.filter(lambda k: k not in KEYS), values, max_size=5),
    junk_first=st.booleans(),
)
def test_default_result_depends_only_on_known_keys(
    options: dict[Any, Any], junk: dict[Any, Any], junk_first: bool
) -> None:
    merged = {**junk, **options} if junk_first else {**options, **junk}
    # The same verdict and the same spec; the dropped keys are said as warnings (section 8).
    with_junk, without = outcome(merged), outcome(options)
    if without[0] == "refused":
        assert with_junk == without
        return
    assert with_junk[0] == "prepared"
    assert (with_junk[1].spec, with_junk[1].params) == (without[1].spec, without[1].params)
    dropped = [w for w in with_junk[1].warnings if w.rule == "known-keys"]
    assert len(dropped) == len(junk)
    assert [w for w in with_junk[1].warnings if w.rule != "known-keys"] == list(without[1].warnings)


@SETTINGS
@given(
    options=st.dictionaries(
        st.sampled_from(KEYS) | st.sampled_from(NEAR_MISSES), values, max_size=6
    ),
    kwargs=st.dictionaries(
        st.sampled_from(KEYS) | st.sampled_from(["junk", "mediaMode", "options"]),
        values,
        max_size=6,
    ),
    which=registries,
)
def test_kwargs_override_mapping_values(
    options: dict[str, Any], kwargs: dict[str, Any], which: str
) -> None:
    merged = {**options, **kwargs}
    given_both = outcome(options, rules=registry_for(which), **kwargs)
    assert given_both == outcome(merged, rules=registry_for(which))
    expected_violations, expected_spec = model(merged, strict=which == "strict")
    if given_both[0] == "prepared":
        assert given_both[1].spec == expected_spec
    else:
        assert [rule for rule, _, _ in given_both[1]] == [rule for rule, _ in expected_violations]


@SETTINGS
@given(
    options=options_strategy,
    removed=st.sets(st.sampled_from(default_rules().ids())),
    which=registries,
)
def test_edited_registries_still_give_prepared_session_or_validation_error(
    options: dict[Any, Any], removed: set[str], which: str
) -> None:
    registry = registry_for(which)
    for rule_id in removed:
        registry.remove(rule_id)
    prepared = attempt(options, rules=registry)
    if isinstance(prepared, ValidationError):
        assert prepared.violations
        ids = set(registry.ids()) | {"session-spec"}
        assert all(v.rule in ids for v in prepared.violations)
        return
    assert isinstance(prepared.spec, SessionSpec)
    assert prepared.params == prepared.spec.to_params()
    assert all(isinstance(v, str) and v for v in prepared.params.values())


@SETTINGS
@given(spec_options=plausible_options)
def test_prepared_spec_is_a_fixed_point(spec_options: dict[str, Any]) -> None:
    """Feeding a prepared spec (or its params) back in gives the same result."""
    try:
        prepared = prepare_session(spec_options)
    except ValidationError:
        return
    # A spec holds only what the rules decided: nothing in it is warned about again.
    settled = attrs.evolve(prepared, warnings=())
    assert prepare_session(prepared.spec) == settled
    assert prepare_session(SessionSpec.from_params(prepared.params)) == settled
    assert prepare_session(prepared.spec, rules=strict_rules()) == settled


# ---- values that lie are judged as the plain values they hold --------------------------------


class Liar(str):
    """A str that answers every question about itself wrongly."""

    def __len__(self) -> int:
        return 1

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __str__(self) -> str:
        return "1.2.3.4"

    def lower(self) -> str:
        return "routed"


def _outcome(options: dict[str, Any]) -> object:
    try:
        return prepare_session(options).params
    except ValidationError as err:
        return [(v.rule, v.field) for v in err.violations]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    key=st.sampled_from(
        ["media_mode", "location", "archive_mode", "archive_name", "archive_resolution"]
    ),
    text=st.one_of(
        st.text(max_size=100),
        st.sampled_from(["routed", "always", "1280x720", "1.2.3.4", "x" * 81]),
    ),
)
def test_a_lying_str_gets_the_outcome_of_its_plain_characters(key: str, text: str) -> None:
    base = {"media_mode": "routed", "archive_mode": "always"}
    assert _outcome({**base, key: Liar(text)}) == _outcome({**base, key: text})
