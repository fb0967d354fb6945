"""The twelve session rules, each alone and together (API.md section 3)."""

from __future__ import annotations

import enum
import ipaddress
import math
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from _support.api import RULE_IDS
from _support.ids import stable_id
from _support.model import KEYS, RESOLUTIONS

from opentok_rules import (
    ArchiveMode,
    MediaMode,
    Options,
    Role,
    RuleRegistry,
    ValidationError,
    Violation,
    default_rules,
    prepare_session,
    strict_rules,
)
from opentok_rules.kinds import Forbidden, Kind
from opentok_rules.operations.session import rules as rules_module
from opentok_rules.operations.session.rules import (
    AlwaysArchiveForbidsE2ee,
    AlwaysArchiveRequiresRouted,
    ArchiveModeDefault,
    ArchiveModeValid,
    ArchiveNameLength,
    ArchiveResolutionValid,
    E2eeBoolean,
    KnownKeys,
    LocationIpv4,
    ManualArchiveForbidsNameAndResolution,
    MediaModeRule,
    RelayedForbidsE2ee,
)
from opentok_rules.operations.token import rules as token_rules
from opentok_rules.tokens import default_token_rules

ABSENT = object()  # marks "leave the key out"


def run(the_rule: Any, options: dict[Any, Any]) -> list[Violation]:
    found: Sequence[Violation] = the_rule.apply(options)
    return list(found)


def single_options(key: str, value: object) -> Options:
    return {} if value is ABSENT else {key: value}


# ---- the registries ---------------------------------------------------------------------------


def test_default_rules_ids_in_documented_order() -> None:
    assert default_rules().ids() == RULE_IDS


def test_strict_rules_ids_in_documented_order() -> None:
    assert strict_rules().ids() == RULE_IDS


def test_registries_are_fresh_and_rules_described() -> None:
    a, b = default_rules(), default_rules()
    assert isinstance(a, RuleRegistry)
    assert a is not b
    a.remove("location-ipv4")
    assert "location-ipv4" in b
    assert "location-ipv4" in default_rules()
    for registry in (default_rules(), strict_rules()):
        for each in registry:
            assert isinstance(each.description, str)
            assert each.description.strip()


@pytest.mark.parametrize(
    ("cls", "rule_id"),
    [
        (KnownKeys, "known-keys"),
        (MediaModeRule, "media-mode"),
        (ArchiveModeDefault, "archive-mode-default"),
        (E2eeBoolean, "e2ee-boolean"),
        (AlwaysArchiveRequiresRouted, "always-archive-requires-routed"),
        (RelayedForbidsE2ee, "relayed-forbids-e2ee"),
        (AlwaysArchiveForbidsE2ee, "always-archive-forbids-e2ee"),
        (LocationIpv4, "location-ipv4"),
        (ArchiveModeValid, "archive-mode-valid"),
        (ManualArchiveForbidsNameAndResolution, "manual-archive-forbids-name-and-resolution"),
        (ArchiveNameLength, "archive-name-length"),
        (ArchiveResolutionValid, "archive-resolution-valid"),
    ],
)
def test_rule_class_ids(cls: type, rule_id: str) -> None:
    assert cls().id == rule_id
    assert default_rules().get(rule_id).id == rule_id


# ---- known-keys -------------------------------------------------------------------------------


def test_known_keys_keeps_the_six_and_drops_the_rest_with_a_warning_each() -> None:
    # Issue 29: the key is still dropped, and now said (a "warn" finding, never a refusal).
    options: dict[Any, Any] = {key: f"v-{key}" for key in KEYS}
    options.update({"junk": 1, "mediaMode": "routed", 3: 4, None: 5, ("a",): 6})
    found = run(KnownKeys(), options)
    assert options == {key: f"v-{key}" for key in KEYS}
    assert [(v.rule, v.field, v.severity) for v in found] == [
        ("known-keys", "junk", "warn"),
        ("known-keys", "mediaMode", "warn"),
        ("known-keys", "3", "warn"),
        ("known-keys", "None", "warn"),
        ("known-keys", "('a',)", "warn"),
    ]
    assert "did you mean 'media_mode'?" in found[1].message


def test_known_keys_keeps_none_values() -> None:
    options: Options = {"location": None}
    assert run(KnownKeys(), options) == []
    assert options == {"location": None}


def test_known_keys_strict_refuses_unknown_keys_one_violation_each() -> None:
    options: dict[Any, Any] = {"medai_mode": "routed", "location": "1.2.3.4", "xyzzy": 1, 7: 2}
    found = run(KnownKeys(strict=True), options)
    assert options == {"location": "1.2.3.4"}
    assert [v.rule for v in found] == ["known-keys"] * 3
    assert found[0].field == "medai_mode"
    assert "did you mean 'media_mode'?" in found[0].message
    assert found[1].field == "xyzzy"
    assert "xyzzy" in found[1].message
    # No close match: the message lists the valid options instead.
    assert all(key in found[1].message for key in KEYS)
    assert "7" in found[2].message
    assert "str" in found[2].message


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("medai_mode", "media_mode"),
        ("media-mode", "media_mode"),
        ("mediamode", "media_mode"),
        ("locaton", "location"),
        ("archive_mod", "archive_mode"),
        ("archive_nmae", "archive_name"),
        ("archive_resolutoin", "archive_resolution"),
        ("e2e", "e2ee"),
    ],
)
def test_strict_unknown_key_suggests_closest(typo: str, meant: str) -> None:
    with pytest.raises(ValidationError) as info:
        prepare_session({typo: "x"}, rules=strict_rules())
    (found,) = info.value.violations
    assert found.rule == "known-keys"
    assert found.field == typo
    assert f"did you mean {meant!r}?" in found.message


@pytest.mark.parametrize("key", [1, None, ("media_mode",), b"media_mode", 1.5])
def test_strict_non_str_key_refused(key: Any) -> None:
    with pytest.raises(ValidationError) as info:
        prepare_session({key: "routed"}, rules=strict_rules())
    (found,) = info.value.violations
    assert found.rule == "known-keys"
    assert isinstance(found.field, str)
    assert repr(key)[:20] in found.message


@pytest.mark.parametrize("key", [1, None, ("media_mode",), b"media_mode", "mediaMode"])
def test_default_non_str_or_unknown_key_dropped(key: Any) -> None:
    # Dropped as before; since issue 29 said as one "warn" finding naming the key.
    prepared = prepare_session({key: "routed"})
    assert (prepared.spec, prepared.params) == (
        prepare_session({}).spec,
        prepare_session({}).params,
    )
    (warning,) = prepared.warnings
    assert (warning.rule, warning.severity) == ("known-keys", "warn")
    assert warning.field == (key if isinstance(key, str) else repr(key)[:40])


# ---- media-mode -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("routed", MediaMode.ROUTED),
        (MediaMode.ROUTED, MediaMode.ROUTED),
        ("relayed", MediaMode.RELAYED),
        (MediaMode.RELAYED, MediaMode.RELAYED),
        (None, MediaMode.RELAYED),
        (ABSENT, MediaMode.RELAYED),
        ("blah", MediaMode.RELAYED),
        ("ROUTED", MediaMode.RELAYED),
        ("Routed", MediaMode.RELAYED),
        (" routed", MediaMode.RELAYED),
        ("routed ", MediaMode.RELAYED),
        ("", MediaMode.RELAYED),
        (b"routed", MediaMode.RELAYED),
        (1, MediaMode.RELAYED),
        (True, MediaMode.RELAYED),
        (["routed"], MediaMode.RELAYED),
        (ArchiveMode.ALWAYS, MediaMode.RELAYED),
    ],
    ids=stable_id,
)
def test_media_mode_normalizes(value: object, expected: MediaMode) -> None:
    options = single_options("media_mode", value)
    found = run(MediaModeRule(), options)
    assert options["media_mode"] is expected
    # Issue 29: a value read as relayed that is not "relayed", absent or None is said.
    plain = value is ABSENT or value is None or value in ("routed", "relayed")
    said = [] if plain else [("media-mode", "media_mode", "warn")]
    assert [(v.rule, v.field, v.severity) for v in found] == said


@pytest.mark.parametrize(
    "value", ["routed", "relayed", MediaMode.ROUTED, MediaMode.RELAYED, None, ABSENT], ids=stable_id
)
def test_strict_media_mode_accepts(value: object) -> None:
    options = single_options("media_mode", value)
    assert run(MediaModeRule(strict=True), options) == []
    assert options["media_mode"] in (MediaMode.ROUTED, MediaMode.RELAYED)


@pytest.mark.parametrize(
    "value",
    ["blah", "ROUTED", "relayd", "", " routed", 1, True, b"routed", ["routed"]],
    ids=stable_id,
)
def test_strict_media_mode_refuses_typos(value: object) -> None:
    found = run(MediaModeRule(strict=True), {"media_mode": value})
    assert [(v.rule, v.field) for v in found] == [("media-mode", "media_mode")]
    assert "routed" in found[0].message
    assert "relayed" in found[0].message
    with pytest.raises(ValidationError) as info:
        prepare_session({"media_mode": value}, rules=strict_rules())
    assert [v.rule for v in info.value.violations] == ["media-mode"]


def test_strict_none_media_mode_is_relayed() -> None:
    prepared = prepare_session({"media_mode": None}, rules=strict_rules())
    assert prepared.spec.media_mode is MediaMode.RELAYED


def test_default_media_mode_typo_is_relayed() -> None:
    assert prepare_session(media_mode="routd").spec.media_mode is MediaMode.RELAYED


# ---- archive-mode-default ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ABSENT, ArchiveMode.MANUAL),
        (None, ArchiveMode.MANUAL),
        ("manual", ArchiveMode.MANUAL),
        ("always", ArchiveMode.ALWAYS),
        (ArchiveMode.ALWAYS, ArchiveMode.ALWAYS),
        (ArchiveMode.MANUAL, ArchiveMode.MANUAL),
    ],
    ids=stable_id,
)
def test_archive_mode_default(value: object, expected: ArchiveMode) -> None:
    options = single_options("archive_mode", value)
    assert run(ArchiveModeDefault(), options) == []
    assert options["archive_mode"] == expected


@pytest.mark.parametrize("value", ["bogus", 1, "", ["always"]], ids=stable_id)
def test_archive_mode_default_leaves_other_values_for_the_validity_rule(value: object) -> None:
    options: Options = {"archive_mode": value}
    assert run(ArchiveModeDefault(), options) == []
    assert options == {"archive_mode": value}


# ---- e2ee-boolean -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(ABSENT, False), (None, False), (True, True), (False, False)],
    ids=stable_id,
)
def test_e2ee_boolean_accepts(value: object, expected: bool) -> None:
    options = single_options("e2ee", value)
    assert run(E2eeBoolean(), options) == []
    assert options["e2ee"] is expected


@pytest.mark.parametrize(
    "value", [1, 0, 1.0, "true", "false", "", b"1", [], [True], math.nan], ids=stable_id
)
def test_e2ee_boolean_refuses(value: object) -> None:
    found = run(E2eeBoolean(), {"e2ee": value})
    assert [(v.rule, v.field) for v in found] == [("e2ee-boolean", "e2ee")]


# ---- the combination rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        ({"archive_mode": ArchiveMode.ALWAYS, "media_mode": MediaMode.RELAYED}, True),
        ({"archive_mode": "always", "media_mode": "relayed"}, True),
        ({"archive_mode": "always"}, True),
        ({"archive_mode": "always", "media_mode": "blah"}, True),
        ({"archive_mode": ArchiveMode.ALWAYS, "media_mode": MediaMode.ROUTED}, False),
        ({"archive_mode": "always", "media_mode": "routed"}, False),
        ({"archive_mode": "manual", "media_mode": "relayed"}, False),
        ({"archive_mode": ArchiveMode.MANUAL}, False),
        ({}, False),
    ],
    ids=stable_id,
)
def test_always_archive_requires_routed(options: Options, refused: bool) -> None:
    found = run(AlwaysArchiveRequiresRouted(), dict(options))
    expected = [("always-archive-requires-routed", None)] if refused else []
    assert [(v.rule, v.field) for v in found] == expected


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        ({"e2ee": True, "media_mode": MediaMode.RELAYED}, True),
        ({"e2ee": True, "media_mode": "relayed"}, True),
        ({"e2ee": True}, True),
        ({"e2ee": True, "media_mode": MediaMode.ROUTED}, False),
        ({"e2ee": True, "media_mode": "routed"}, False),
        ({"e2ee": False, "media_mode": MediaMode.RELAYED}, False),
        ({"media_mode": MediaMode.RELAYED}, False),
    ],
    ids=stable_id,
)
def test_relayed_forbids_e2ee(options: Options, refused: bool) -> None:
    found = run(RelayedForbidsE2ee(), dict(options))
    assert [(v.rule, v.field) for v in found] == (
        [("relayed-forbids-e2ee", None)] if refused else []
    )


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        ({"e2ee": True, "archive_mode": ArchiveMode.ALWAYS}, True),
        ({"e2ee": True, "archive_mode": "always", "media_mode": "routed"}, True),
        ({"e2ee": True, "archive_mode": ArchiveMode.MANUAL}, False),
        ({"e2ee": False, "archive_mode": ArchiveMode.ALWAYS}, False),
        ({"e2ee": True}, False),
    ],
    ids=stable_id,
)
def test_always_archive_forbids_e2ee(options: Options, refused: bool) -> None:
    found = run(AlwaysArchiveForbidsE2ee(), dict(options))
    expected = [("always-archive-forbids-e2ee", None)] if refused else []
    assert [(v.rule, v.field) for v in found] == expected


# ---- location-ipv4 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["12.34.56.78", "0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1", "192.168.100.200"]
)
def test_location_accepts_dotted_quads(value: str) -> None:
    options: Options = {"location": value}
    assert run(LocationIpv4(), options) == []
    assert options == {"location": value}


@pytest.mark.parametrize("value", [ABSENT, None], ids=stable_id)
def test_location_absent_or_none_is_fine(value: object) -> None:
    options = single_options("location", value)
    before = dict(options)
    assert run(LocationIpv4(), options) == []
    assert options == before


def test_location_ipv4address_normalized_to_str() -> None:
    options: Options = {"location": ipaddress.IPv4Address("12.34.56.78")}
    assert run(LocationIpv4(), options) == []
    assert options["location"] == "12.34.56.78"
    assert type(options["location"]) is str
    spec = prepare_session(location=ipaddress.IPv4Address("8.8.4.4")).spec
    assert spec.location == "8.8.4.4"
    assert type(spec.location) is str


BAD_LOCATIONS: list[object] = [
    "256.1.1.1",
    "1.2.3.256",
    "01.2.3.4",
    "1.2.3.04",
    "1.2.3.00",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4\n",
    "\t1.2.3.4",
    "1.2.3",
    "1.2.3.4.5",
    "1..2.3",
    "",
    "localhost",
    "::1",
    "1.2.3.-4",
    "+1.2.3.4",
    "\u0661.\u0662.\u0663.\u0664",  # Arabic-Indic digits
    "\uff11.\uff12.\uff13.\uff14",  # full-width digits
    "1.2.3.4/24",
    ipaddress.IPv6Address("::1"),
    ipaddress.IPv4Network("1.2.3.0/24"),
    1234,
    16909060,
    b"1.2.3.4",
    ["1.2.3.4"],
    ("1", "2", "3", "4"),
    math.inf,
]


@pytest.mark.parametrize("value", BAD_LOCATIONS, ids=stable_id)
def test_location_refuses(value: object) -> None:
    found = run(LocationIpv4(), {"location": value})
    assert [(v.rule, v.field) for v in found] == [("location-ipv4", "location")]
    assert "IPv4" in found[0].message


# ---- archive-mode-valid -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("manual", ArchiveMode.MANUAL),
        ("always", ArchiveMode.ALWAYS),
        (ArchiveMode.MANUAL, ArchiveMode.MANUAL),
        (ArchiveMode.ALWAYS, ArchiveMode.ALWAYS),
    ],
    ids=stable_id,
)
def test_archive_mode_valid_accepts(value: object, expected: ArchiveMode) -> None:
    options: Options = {"archive_mode": value}
    assert run(ArchiveModeValid(), options) == []
    assert options["archive_mode"] is expected


@pytest.mark.parametrize(
    "value",
    ["bogus", "ALWAYS", "Manual", " always", "", 1, True, b"always", ["always"], MediaMode.ROUTED],
    ids=stable_id,
)
def test_archive_mode_valid_refuses(value: object) -> None:
    found = run(ArchiveModeValid(), {"archive_mode": value})
    assert [(v.rule, v.field) for v in found] == [("archive-mode-valid", "archive_mode")]
    assert "manual" in found[0].message
    assert "always" in found[0].message


# ---- manual-archive-forbids-name-and-resolution -----------------------------------------------

MANUAL_RULE = ManualArchiveForbidsNameAndResolution()


@pytest.mark.parametrize("mode", ["manual", ArchiveMode.MANUAL], ids=stable_id)
@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"archive_name": "foo"}, ["archive_name"]),
        ({"archive_name": ""}, ["archive_name"]),
        ({"archive_name": 0}, ["archive_name"]),
        ({"archive_name": False}, ["archive_name"]),
        ({"archive_resolution": "640x480"}, ["archive_resolution"]),
        ({"archive_resolution": ""}, ["archive_resolution"]),
        (
            {"archive_name": "a", "archive_resolution": "640x480"},
            ["archive_name", "archive_resolution"],
        ),
        ({"archive_name": None, "archive_resolution": None}, []),
        ({}, []),
    ],
    ids=stable_id,
)
def test_manual_archive_forbids_name_and_resolution(
    mode: object, extra: Options, fields: list[str]
) -> None:
    found = run(MANUAL_RULE, {"archive_mode": mode, **extra})
    assert [(v.rule, v.field) for v in found] == [
        ("manual-archive-forbids-name-and-resolution", f) for f in fields
    ]


@pytest.mark.parametrize("mode", ["always", ArchiveMode.ALWAYS], ids=stable_id)
def test_always_archive_allows_name_and_resolution(mode: object) -> None:
    options: Options = {"archive_mode": mode, "archive_name": "x", "archive_resolution": "640x480"}
    assert run(MANUAL_RULE, options) == []


# ---- archive-name-length ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [ABSENT, None, "a", "x" * 80, "é" * 80, "名前", " ", "Team call 2024-01-01"],
    ids=stable_id,
)
def test_archive_name_accepts(value: object) -> None:
    options = single_options("archive_name", value)
    before = dict(options)
    assert run(ArchiveNameLength(), options) == []
    assert options == before


@pytest.mark.parametrize(
    "value",
    ["x" * 81, "é" * 81, "x" * 10_000, 5, b"name", ["name"], True, "room \ud800"],
    ids=lambda v: repr(v)[:30],
)
def test_archive_name_refuses(value: object) -> None:
    found = run(ArchiveNameLength(), {"archive_name": value})
    assert [(v.rule, v.field) for v in found] == [("archive-name-length", "archive_name")]


def test_an_empty_archive_name_means_no_name() -> None:
    # As the Ruby SDK: the service names the archive itself. Nothing empty is ever sent.
    options: dict[str, Any] = {"archive_name": ""}
    assert run(ArchiveNameLength(), options) == []
    assert options == {"archive_name": None}
    prepared = prepare_session(media_mode="routed", archive_mode="always", archive_name="")
    assert prepared.spec.archive_name is None
    assert "archiveName" not in prepared.params


def test_archive_name_too_long_message_states_the_limit() -> None:
    (found,) = run(ArchiveNameLength(), {"archive_name": "x" * 81})
    assert "80" in found.message
    assert "81" in found.message


# ---- archive-resolution-valid -----------------------------------------------------------------


@pytest.mark.parametrize("value", [ABSENT, None, *RESOLUTIONS], ids=stable_id)
def test_archive_resolution_accepts(value: object) -> None:
    options = single_options("archive_resolution", value)
    before = dict(options)
    assert run(ArchiveResolutionValid(), options) == []
    assert options == before


@pytest.mark.parametrize(
    "value",
    [
        "640X480",
        "640x480 ",
        " 640x480",
        "",
        "800x600",
        "640*480",
        "1280x720p",
        640,
        (640, 480),
        b"640x480",
    ],
    ids=stable_id,
)
def test_archive_resolution_refuses(value: object) -> None:
    found = run(ArchiveResolutionValid(), {"archive_resolution": value})
    assert [(v.rule, v.field) for v in found] == [
        ("archive-resolution-valid", "archive_resolution")
    ]
    assert all(each in found[0].message for each in RESOLUTIONS)


# ---- every message is a readable sentence ----------------------------------------------------

# Refused by strict_rules() only: unknown keys and media-mode typos.
STRICT_ONLY_BAD: list[dict[Any, Any]] = [
    {"medai_mode": "routed"},
    {"xyzzy": 1},
    {3: "routed"},
    {None: None},
    {("a", 1): 2},
    {"k" * 500: 1},
    {"media_mode": "blah"},
    {"media_mode": 0},
    {"media_mode": b"\x00\xff"},
    {"media_mode": "x" * 1000},
]

# Refused by both registries.
BAD_OPTIONS: list[dict[Any, Any]] = [
    {"archive_mode": "always"},
    {"archive_mode": "always", "media_mode": "relayed"},
    {"e2ee": True},
    {"e2ee": True, "archive_mode": "always", "media_mode": "routed"},
    {"e2ee": "yes"},
    {"e2ee": 1},
    {"e2ee": math.nan},
    {"e2ee": [True] * 100},
    {"location": "01.2.3.4"},
    {"location": " 1.2.3.4"},
    {"location": "1.2.3.4\n"},
    {"location": ""},
    {"location": 1234},
    {"location": ipaddress.IPv6Address("::1")},
    {"location": "9" * 500},
    {"location": {"ip": "1.2.3.4"}},
    {"archive_mode": "bogus"},
    {"archive_mode": 7},
    {"archive_mode": ""},
    {"archive_mode": Role.MODERATOR},
    {"archive_name": "foo"},
    {"archive_resolution": "640x480"},
    {"archive_mode": "manual", "archive_name": "", "archive_resolution": ""},
    {"archive_mode": "always", "media_mode": "routed", "archive_name": "n" * 81},
    {"archive_mode": "always", "media_mode": "routed", "archive_name": 12},
    {"archive_mode": "always", "media_mode": "routed", "archive_resolution": "800x600"},
    {"archive_mode": "always", "media_mode": "routed", "archive_resolution": math.inf},
    {
        "junk": 1,
        "media_mode": "Routed",
        "archive_mode": "always",
        "e2ee": True,
        "location": "300.1.1.1",
        "archive_name": "",
        "archive_resolution": "1x1",
    },
]

REMEDY_WORDS = (
    "must",
    "needs",
    "need ",
    "remove",
    "set ",
    "use ",
    "drop",
    "did you mean",
    "the options are",
    "at most",
    "leave it out",
    "option names are",
)


def refusal(options: dict[Any, Any], strict: bool) -> ValidationError:
    registry = strict_rules() if strict else default_rules()
    with pytest.raises(ValidationError) as info:
        prepare_session(options, rules=registry)
    return info.value


CASES = [(o, False) for o in BAD_OPTIONS] + [(o, True) for o in BAD_OPTIONS + STRICT_ONLY_BAD]


@pytest.mark.parametrize("options", STRICT_ONLY_BAD, ids=lambda o: repr(o)[:60])
def test_strict_only_cases_pass_the_default_rules(options: dict[Any, Any]) -> None:
    assert prepare_session(options).spec.media_mode is MediaMode.RELAYED


@pytest.mark.parametrize(
    ("options", "strict"),
    CASES,
    ids=[f"{'strict' if s else 'default'}-{repr(o)[:60]}" for o, s in CASES],
)
def test_every_violation_message_is_a_readable_sentence(
    options: dict[Any, Any], strict: bool
) -> None:
    err = refusal(options, strict)
    assert err.violations
    for violation in err.violations:
        message = violation.message
        assert isinstance(message, str)
        assert message.strip() == message
        assert message
        assert message[0].isalnum() or message[0] in "'\""
        assert "\n" not in message
        assert "\r" not in message
        assert len(message) < 400, "a value should be shortened in a message"
        assert any(word in message for word in REMEDY_WORDS), message
        field = violation.field
        if field in KEYS:
            assert field in message
            value = options.get(field)
            if value is not None and "None" not in repr(value):
                assert "None" not in message
        elif field is None:
            # A combination: it names at least two of the options involved.
            assert sum(key in message for key in KEYS) >= 2, message
            assert "None" not in message
        else:
            assert violation.rule == "known-keys"
        assert violation.rule in RULE_IDS
        text = str(err)
        assert violation.rule in text
        assert message in text


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ({"e2ee": "yes"}, "'yes'"),
        ({"location": "01.2.3.4"}, "'01.2.3.4'"),
        ({"location": 1234}, "1234"),
        ({"archive_mode": "bogus"}, "'bogus'"),
        (
            {"archive_mode": "always", "media_mode": "routed", "archive_resolution": "800x600"},
            "'800x600'",
        ),
        ({"archive_mode": "always", "media_mode": "routed", "archive_name": 12}, "12"),
    ],
    ids=stable_id,
)
def test_messages_show_the_offending_value(options: dict[str, Any], shown: str) -> None:
    (violation,) = refusal(options, strict=False).violations
    assert shown in violation.message


def test_long_values_are_shortened_in_messages() -> None:
    (violation,) = refusal({"location": "9" * 5000}, strict=False).violations
    assert len(violation.message) < 400
    assert "999" in violation.message


# ---- every built-in rule is an attrs class, named after its id ------------------------------


def camel(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-")) + "Rule"


ALL_RULES = [*default_rules(), *default_token_rules()]


def test_the_rules_that_are_kinds() -> None:
    # Issue 27: every rule the library ships is a kind; each has its own kind name (its id in
    # snake case), but manual-archive-forbids-name-and-resolution, which is a forbidden kind.
    kinds = {each.id: getattr(each, "kind", None) for each in ALL_RULES}
    assert all(isinstance(each, Kind) for each in ALL_RULES)
    assert kinds == {
        rule_id: "forbidden"
        if rule_id == "manual-archive-forbids-name-and-resolution"
        else rule_id.replace("-", "_")
        for rule_id in kinds
    }
    manual = ManualArchiveForbidsNameAndResolution()
    assert isinstance(manual, Forbidden)
    assert (manual.keys, dict(manual.when)) == (
        ("archive_name", "archive_resolution"),
        {"archive_mode": ("manual",)},
    )
    assert default_rules()._memo is not None  # still one of the library's pure rules


def test_nineteen_rules_each_an_attrs_class_named_after_its_id() -> None:
    assert len(ALL_RULES) == 19
    for each in ALL_RULES:
        cls = type(each)
        assert attrs.has(cls), cls
        assert cls.__name__ == camel(each.id)
        assert "object at 0x" not in repr(each)
        assert repr(each).startswith(cls.__name__ + "(")
        assert each == cls(**attrs.asdict(each))  # equal by value, not identity
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            each.strict = True


def test_strict_rules_show_and_compare_their_setting() -> None:
    assert repr(rules_module.KnownKeysRule(strict=True)) == "KnownKeysRule(strict=True)"
    assert MediaModeRule(strict=True) != MediaModeRule()
    assert default_rules().get("media-mode") == MediaModeRule()
    assert strict_rules().get("media-mode") == MediaModeRule(strict=True)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (KnownKeys, "KnownKeysRule"),
        (LocationIpv4, "LocationIpv4Rule"),
        (ArchiveResolutionValid, "ArchiveResolutionValidRule"),
        (token_rules.SessionBelongsToKey, "TokenSessionBelongsToKeyRule"),
        (token_rules.ExpireTime, "TokenExpireTimeRule"),
    ],
)
def test_old_class_names_are_the_new_classes(old: type, new: str) -> None:
    assert old.__name__ == new


def test_every_token_rule_id_starts_with_token() -> None:
    assert all(each.id.startswith("token-") for each in default_token_rules())


def test_every_built_in_rule_declares_what_it_reads() -> None:
    for each in ALL_RULES:
        reads = each.reads
        assert reads is None or (reads and isinstance(reads, frozenset)), each
        # Whatever a rule fills, it also reads.
        assert getattr(each, "fills", frozenset()) <= (reads or frozenset()), each


# ---- another library's enums, by name (the opentok SDK's, copied from opentok 3.15) ---------


def u(text: str) -> str:  # the SDK's six.u
    return text


class MediaModes(enum.Enum):
    routed = u("disabled")
    relayed = u("enabled")


class ArchiveModes(enum.Enum):
    manual = u("manual")
    always = u("always")


class Roles(enum.Enum):
    subscriber = u("subscriber")
    publisher = u("publisher")
    moderator = u("moderator")
    publisher_only = u("publisheronly")


class Shouting(str, enum.Enum):
    ROUTED = "disabled"
    ALWAYS = "never"


class Unrelated(str, enum.Enum):
    SOMETHING = "routed"  # not one of our names: judged by its value


@pytest.mark.parametrize("registry", [default_rules, strict_rules])
def test_sdk_enum_members_mean_what_their_names_say(registry: Any) -> None:
    prepared = prepare_session(
        media_mode=MediaModes.routed, archive_mode=ArchiveModes.always, rules=registry()
    )
    assert prepared.spec.media_mode is MediaMode.ROUTED
    assert prepared.spec.archive_mode is ArchiveMode.ALWAYS
    assert prepared.params["p2p.preference"] == "disabled"
    relayed = prepare_session(
        media_mode=MediaModes.relayed, archive_mode=ArchiveModes.manual, rules=registry()
    )
    assert relayed.spec.media_mode is MediaMode.RELAYED
    assert relayed.spec.archive_mode is ArchiveMode.MANUAL


def test_enum_names_are_read_in_any_case_and_values_otherwise() -> None:
    spec = prepare_session(media_mode=Shouting.ROUTED).spec
    assert spec.media_mode is MediaMode.ROUTED
    assert prepare_session(media_mode=Unrelated.SOMETHING).spec.media_mode is MediaMode.ROUTED
    # ALWAYS is one of our names: it means always, whatever its value says.
    assert (
        prepare_session(media_mode="routed", archive_mode=Shouting.ALWAYS).spec.archive_mode
        is ArchiveMode.ALWAYS
    )


def test_an_enum_member_of_another_name_is_refused_by_the_strict_rules() -> None:
    class Colour(enum.Enum):
        RED = "red"

    with pytest.raises(ValidationError) as caught:
        prepare_session(media_mode=Colour.RED, rules=strict_rules())
    assert [v.rule for v in caught.value.violations] == ["media-mode"]
    assert "Colour.RED" in caught.value.violations[0].message or "RED" in str(caught.value)
    with pytest.raises(ValidationError) as refused:
        prepare_session(media_mode="routed", archive_mode=Colour.RED)
    assert [v.rule for v in refused.value.violations] == ["archive-mode-valid"]


# ---- values that lie: the rules judge what will be sent -------------------------------------


class LyingAddress(ipaddress.IPv4Address):
    def __str__(self) -> str:
        return "evil\r\nX-Injected: 1"


class LongLies(str):
    def __len__(self) -> int:
        return 5


class AlwaysEqual(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash("1280x720")


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def test_an_address_whose_str_lies_sends_its_real_dotted_quad() -> None:
    prepared = prepare_session(location=LyingAddress("10.1.2.3"))
    assert prepared.params["location"] == "10.1.2.3"
    assert type(prepared.spec.location) is str
    assert "\r" not in "".join(prepared.params.values())


def test_an_address_whose_formatting_breaks_is_refused() -> None:
    class Broken(ipaddress.IPv4Address):
        @classmethod
        def _string_from_ip_int(cls, ip_int: int | None = None) -> str:
            return "evil\r\nX-Injected: 1"

    with pytest.raises(ValidationError) as caught:
        prepare_session(location=Broken("10.1.2.3"))
    assert [v.rule for v in caught.value.violations] == ["location-ipv4"]


@pytest.mark.parametrize("text", ["evil\r\nX: 1", "1.2.3.4\n", " 1.2.3.4", "01.2.3.4"])
def test_a_str_subclass_location_is_judged_by_its_characters(text: str) -> None:
    class Pretends(str):
        def __str__(self) -> str:
            return "1.2.3.4"

    with pytest.raises(ValidationError) as caught:
        prepare_session(location=Pretends(text))
    assert [v.rule for v in caught.value.violations] == ["location-ipv4"]


def test_a_str_subclass_location_is_sent_as_a_plain_str() -> None:
    class Tagged(str):
        pass

    prepared = prepare_session(location=Tagged("1.2.3.4"))
    assert type(prepared.params["location"]) is str
    assert prepared.params["location"] == "1.2.3.4"


def test_an_archive_name_whose_len_lies_is_measured_by_its_characters() -> None:
    options = {
        "media_mode": "routed",
        "archive_mode": "always",
        "archive_name": LongLies("x" * 500),
    }
    with pytest.raises(ValidationError) as caught:
        prepare_session(options)
    (violation,) = caught.value.violations
    assert violation.rule == "archive-name-length"
    assert "500 characters" in violation.message


def test_an_archive_name_subclass_is_sent_as_a_plain_str() -> None:
    options = {"media_mode": "routed", "archive_mode": "always", "archive_name": LongLies("ok")}
    prepared = prepare_session(options)
    assert type(prepared.spec.archive_name) is str
    assert prepared.params["archiveName"] == "ok"


@pytest.mark.parametrize("value", ["800x600", "1280x720\r\nX: 1", ""])
def test_an_archive_resolution_whose_eq_lies_is_refused(value: str) -> None:
    options = {"media_mode": "routed", "archive_mode": "always"}
    with pytest.raises(ValidationError) as caught:
        prepare_session(options, archive_resolution=AlwaysEqual(value))
    assert [v.rule for v in caught.value.violations] == ["archive-resolution-valid"]


def test_a_media_mode_whose_eq_lies_is_judged_by_its_characters() -> None:
    assert prepare_session(media_mode=AlwaysEqual("relayed")).spec.media_mode is MediaMode.RELAYED
    with pytest.raises(ValidationError):
        prepare_session(media_mode=AlwaysEqual("bogus"), rules=strict_rules())
    with pytest.raises(ValidationError) as caught:
        prepare_session(archive_mode=AlwaysEqual("bogus"))
    assert [v.rule for v in caught.value.violations] == ["archive-mode-valid"]


@pytest.mark.parametrize("key", KEYS)
def test_a_value_whose_repr_raises_gives_a_validation_error(key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare_session({key: BadRepr()}, rules=strict_rules())
    assert "(BadRepr)" in str(caught.value)  # named by its type; its repr was not needed
