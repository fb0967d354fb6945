"""prepare_archive and the library's archive rules: each rule with its message, all at once."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Any

import pytest
from _support.archives import weekly_body
from _support.policies import ARCHIVE_NAMES
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.kinds import Kind
from opentok_rules.operations.archive.prepare import ARCHIVE_OPTION_KEYS, prepare_layout
from opentok_rules.session_ids import make_session_id

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SID = make_session_id("123456")
DATA = Path(otr.__file__).parent / "operations" / "archive"

#: options -> (rule id, a piece of its message): one case at least for every default rule.
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown key", {"nmae": "x"}, "archive-known-keys", "did you mean 'name'?"),
    ("unknown layout field", {"layout": {"typ": "pip"}}, "archive-known-keys", "layout_type"),
    ("has_audio not a bool", {"has_audio": 1}, "archive-has-audio-type", "has_audio must be True"),
    ("has_video not a bool", {"has_video": "no"}, "archive-has-video-type", "has_video must be"),
    (
        "neither audio nor video",
        {"has_audio": False, "has_video": False},
        "archive-audio-or-video",
        "set one of them to True",
    ),
    ("output mode", {"output_mode": "mixed"}, "archive-output-mode", "'composed' (one file)"),
    ("stream mode", {"stream_mode": "auto-ish"}, "archive-stream-mode", "'auto' (every stream"),
    ("resolution", {"resolution": "800x600"}, "archive-resolution", "'1920x1080'"),
    ("name type", {"name": 5}, "archive-name-type", "name must be a str"),
    ("tag type", {"multi_archive_tag": 7}, "archive-multi-archive-tag-type", "multi_archive_tag"),
    ("layout type", {"layout": {"type": "grid"}}, "archive-layout-type", "'bestFit'"),
    (
        "stylesheet type",
        {"layout": {"type": "custom", "stylesheet": 3}},
        "archive-layout-stylesheet-type",
        "a str of CSS",
    ),
    (
        "screenshare type",
        {"layout": {"screenshareType": "custom"}},
        "archive-layout-screenshare-type",
        "screenshare type must be one of",
    ),
    (
        "individual with a resolution",
        {"output_mode": "individual", "resolution": "1280x720"},
        "archive-individual-no-resolution",
        "has no resolution",
    ),
    (
        "individual with a layout",
        {"output_mode": "individual", "layout": {"type": "pip"}},
        "archive-individual-no-layout",
        "has no layout",
    ),
    (
        "individual with a bitrate",
        {"output_mode": otr.OutputMode.INDIVIDUAL, "max_bitrate": 1_000_000},
        "archive-individual-no-encoding",
        "max_bitrate sets the encoding",
    ),
    (
        "custom layout without stylesheet",
        {"layout": {"type": "custom"}},
        "archive-custom-layout-stylesheet",
        "needs its stylesheet",
    ),
    (
        "stylesheet on a pip layout",
        {"layout": {"type": "pip", "stylesheet": "a {}"}},
        "archive-stylesheet-only-custom",
        "only for a custom layout",
    ),
    (
        "stylesheet without a type is a bestFit one",
        {"layout": {"stylesheet": "a {}"}},
        "archive-stylesheet-only-custom",
        "only for a custom layout",
    ),
    (
        "screenshare type on a pip layout",
        {"layout": {"type": "pip", "screenshare_type": "bestFit"}},
        "archive-screenshare-needs-best-fit",
        "only for a bestFit layout",
    ),
    ("bitrate type", {"max_bitrate": "2M"}, "archive-max-bitrate-type", "whole number of bits"),
    ("bitrate low", {"max_bitrate": 99_999}, "archive-max-bitrate-range", "100,000 to 6,000,000"),
    ("bitrate high", {"max_bitrate": 6_000_001}, "archive-max-bitrate-range", "100,000"),
    ("qp type", {"quantization_parameter": 20.5}, "archive-quantization-type", "whole number"),
    ("qp low", {"quantization_parameter": 14}, "archive-quantization-range", "from 15"),
    ("qp high", {"quantization_parameter": 41}, "archive-quantization-range", "to 40"),
    (
        "bitrate and qp",
        {"max_bitrate": 1_000_000, "quantization_parameter": 20},
        "archive-bitrate-or-quantization",
        "cannot be given together",
    ),
]


@pytest.mark.parametrize(
    ("options", "rule", "words"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_each_rule_refuses_with_its_message(options: dict[str, Any], rule: str, words: str) -> None:
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(SID, options)
    found = {v.rule: v.message for v in caught.value.violations}
    assert rule in found, caught.value
    assert words in found[rule]


@pytest.mark.parametrize(
    ("session_id", "rule"),
    [
        (None, ["archive-session-id-required"]),
        # A pattern judges any value given: a number matches no pattern either.
        (12345, ["archive-session-id-type", "archive-session-id-form"]),
        ("SESSIONID", ["archive-session-id-form"]),
        ("1_" + "a" * 300, ["archive-session-id-form"]),
    ],
)
def test_the_session_id_is_checked(session_id: Any, rule: list[str]) -> None:
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(session_id)
    assert [v.rule for v in caught.value.violations] == rule


def test_every_default_rule_is_exercised_by_a_case_here() -> None:
    exercised = {c[2] for c in REFUSED} | {
        "archive-session-id-required",
        "archive-session-id-type",
        "archive-session-id-form",
    }
    defaults = {
        rule_id
        for rule_id in otr.default_archive_rules().ids()
        if otr.default_archive_rules().get(rule_id).kind != "default"  # type: ignore[attr-defined]
    }
    assert defaults - exercised == set()


def test_every_violation_is_reported_at_once() -> None:
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(
            "bad",
            has_audio=False,
            has_video=False,
            output_mode="individual",
            resolution="1280x720",
            max_bitrate=5,
            quantization_parameter=50,
        )
    assert [v.rule for v in caught.value.violations] == [
        "archive-session-id-form",
        "archive-audio-or-video",
        "archive-individual-no-resolution",
        "archive-individual-no-encoding",
        "archive-individual-no-encoding",
        "archive-max-bitrate-range",
        "archive-quantization-range",
        "archive-bitrate-or-quantization",
    ]


def test_the_body_is_the_services_json_with_camel_case_keys() -> None:
    prepared = otr.prepare_archive(
        SID,
        {"name": "weekly", "output_mode": "composed"},
        resolution="1280x720",
        layout={"type": "bestFit", "screenshare_type": "pip"},
        multi_archive_tag="backup",
        max_bitrate=2_000_000,
    )
    assert prepared.body == weekly_body(
        SID,
        layout={"type": "bestFit", "screenshareType": "pip"},
        multiArchiveTag="backup",
        maxBitrate=2_000_000,
    )
    assert prepared.body == prepared.spec.to_body()
    assert prepared.spec.output_mode is otr.OutputMode.COMPOSED
    assert prepared.spec.layout == otr.ArchiveLayout("bestFit", None, "pip")
    assert prepared.warnings == ()


def test_defaults_are_filled_in_as_the_service_documents() -> None:
    spec = otr.prepare_archive(SID).spec
    assert (spec.has_audio, spec.has_video) == (True, True)
    assert spec.output_mode is otr.OutputMode.COMPOSED
    assert spec.stream_mode is otr.StreamMode.AUTO
    assert otr.prepare_archive(SID, has_audio=None).spec.has_audio is True


def test_a_bare_layout_string_is_its_type_and_quantization_alone_is_fine() -> None:
    prepared = otr.prepare_archive(SID, layout="pip", quantization_parameter=15)
    assert prepared.body["layout"] == {"type": "pip"}
    assert prepared.body["quantizationParameter"] == 15


class OutputModes(enum.Enum):  # the opentok SDK's spelling: lower-case members
    composed = "composed"
    individual = "individual"


class StreamModes(enum.Enum):
    auto = "auto"
    manual = "manual"


class VonageOutputMode(str, enum.Enum):  # the Vonage SDK's spelling
    COMPOSED = "composed"
    INDIVIDUAL = "individual"


@pytest.mark.parametrize(
    "mode",
    ["individual", otr.OutputMode.INDIVIDUAL, OutputModes.individual, VonageOutputMode.INDIVIDUAL],
)
def test_output_mode_is_read_by_value_or_by_the_sdks_member_name(mode: object) -> None:
    spec = otr.prepare_archive(SID, output_mode=mode, stream_mode=StreamModes.manual).spec  # type: ignore[arg-type]
    assert spec.output_mode is otr.OutputMode.INDIVIDUAL
    assert spec.stream_mode is otr.StreamMode.MANUAL
    assert otr.OutputMode("composed") is otr.OutputMode.COMPOSED
    assert str(otr.StreamMode.AUTO) == "auto"


def test_options_given_twice_are_refused_with_archive_options() -> None:
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(SID, {"session_id": SID})
    assert [v.rule for v in caught.value.violations] == ["archive-options"]
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(SID, layout={"type": "pip"}, layout_type="pip")  # type: ignore[call-arg]
    assert [v.rule for v in caught.value.violations] == ["archive-options"]


def test_strict_rules_want_a_name() -> None:
    strict = otr.strict_archive_rules()
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(SID, rules=strict)
    assert [(v.rule, v.message) for v in caught.value.violations] == [
        (
            "archive-name-required",
            "strict rules: give the archive a name (name='weekly-standup', say) so it can be "
            "found again",
        )
    ]
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(SID, name="", rules=strict)
    assert [v.rule for v in caught.value.violations] == ["archive-name-not-empty"]
    assert otr.prepare_archive(SID, name="weekly", rules=strict).spec.name == "weekly"
    assert otr.prepare_archive(SID, name="").spec.name == ""  # the default rules let it through


def test_the_rules_are_the_packaged_policy_files_in_order() -> None:
    table = tomllib.loads((DATA / "rules.toml").read_text())
    ids = [each["id"] for each in table["archive"]]
    assert list(otr.default_archive_rules().ids()) == ids
    strict = tomllib.loads((DATA / "rules_strict.toml").read_text())
    assert list(otr.strict_archive_rules().ids()) == ids + [e["id"] for e in strict["archive"]]
    assert all(isinstance(rule, Kind) for rule in otr.default_archive_rules())


def test_each_call_gets_its_own_registry() -> None:
    first = otr.default_archive_rules()
    first.remove("archive-resolution")
    assert "archive-resolution" in otr.default_archive_rules().ids()
    with pytest.raises(otr.ValidationError):
        otr.prepare_archive(SID, resolution="800x600")  # the private default is untouched


def test_a_policy_adds_house_rules_in_archive_tables(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(
        """
disable = ["archive-bitrate-or-quantization"]
"""
        + ARCHIVE_NAMES
        + """
[[archive]]
id = "acme-hd"
kind = "allowed"
key = "resolution"
values = ["1280x720"]
after = "archive-resolution"
"""
    )
    policy = otr.load_policy(path)
    rules = policy.archive_rules
    assert "acme-archive-names" in rules.ids()
    assert rules.ids().index("acme-hd") == rules.ids().index("archive-resolution") + 1
    assert "archive-bitrate-or-quantization" not in rules.ids()
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_archive(SID, name="weekly", resolution="1920x1080", rules=rules)
    assert [v.rule for v in caught.value.violations] == ["acme-hd", "acme-archive-names"]
    ok = otr.prepare_archive(
        SID, name="acme-1", max_bitrate=1_000_000, quantization_parameter=20, rules=rules
    )
    assert ok.body["maxBitrate"] == 1_000_000
    # The session and token rules are the library's, as before.
    assert policy.rules.ids() == otr.default_rules().ids()


def test_a_strict_base_gives_the_strict_archive_rules() -> None:
    policy = otr.load_policy({"base": "strict"})
    assert policy.archive_rules.ids() == otr.strict_archive_rules().ids()
    assert otr.load_policy({}).archive_rules.ids() == otr.default_archive_rules().ids()


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"archive": [{"id": "known-keys", "kind": "required", "keys": ["name"]}]}, "is taken"),
        ({"archive": [{"id": "x", "kind": "max_ttl", "seconds": 5}]}, "max_ttl is for tokens"),
        ({"archive": [{"id": "x", "kind": "range", "key": "max_bitrate"}]}, "give min, max"),
        ({"archive": [{"id": "x", "kind": "type", "key": "a", "type": "float"}]}, "'bool'"),
        ({"archive": [{"id": "x", "kind": "default", "key": "a", "value": [1]}]}, "value"),
        ({"archive": {"id": "x"}}, "array of tables"),
    ],
)
def test_archive_tables_are_checked_like_the_others(table: dict[str, Any], words: str) -> None:
    with pytest.raises(otr.PolicyError, match=words):
        otr.load_policy(table)


def test_set_archive_layout_is_checked_by_the_layout_rules_alone() -> None:
    assert prepare_layout("custom", "a {}").to_body() == {"type": "custom", "stylesheet": "a {}"}
    with pytest.raises(otr.ValidationError) as caught:
        prepare_layout("custom", screenshare_type="pip")
    assert [v.rule for v in caught.value.violations] == [
        "archive-custom-layout-stylesheet",
        "archive-screenshare-needs-best-fit",
    ]


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["composed", "individual", "auto", "manual", "1280x720", "pip", "custom"]),
)
LAYOUTS = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.dictionaries(
        st.sampled_from(["type", "stylesheet", "screenshare_type", "screenshareType", "x"]),
        VALUES,
        max_size=3,
    ),
)


@settings(max_examples=examples(300), deadline=None)
@given(
    options=st.dictionaries(
        st.sampled_from([k for k in ARCHIVE_OPTION_KEYS if not k.startswith("layout_")])
        | st.text(max_size=8),
        VALUES,
        max_size=8,
    ),
    layout=LAYOUTS,
)
def test_any_options_end_in_a_body_or_a_validation_error(
    options: dict[str, Any], layout: object
) -> None:
    options.pop("session_id", None)
    try:
        prepared = otr.prepare_archive(SID, options, layout=layout)  # type: ignore[arg-type]
    except otr.ValidationError as exc:
        refused = exc.violations
        assert refused
        assert all(v.severity == "deny" for v in refused)
        return
    body = prepared.body
    assert body["sessionId"] == SID
    assert body["hasAudio"] or body["hasVideo"]
    assert body["outputMode"] in ("composed", "individual")
    assert body["streamMode"] in ("auto", "manual")
    if body["outputMode"] == "individual":
        assert not {"resolution", "layout", "maxBitrate", "quantizationParameter"} & set(body)
    if "maxBitrate" in body:
        assert 100_000 <= body["maxBitrate"] <= 6_000_000
        assert "quantizationParameter" not in body
    if "quantizationParameter" in body:
        assert 15 <= body["quantizationParameter"] <= 40
    if "layout" in body:
        assert (body["layout"]["type"] == "custom") == ("stylesheet" in body["layout"])
        if "screenshareType" in body["layout"]:
            assert body["layout"]["type"] == "bestFit"


def test_kinds_on_defaults_alone_are_settled_once_per_set_of_keys() -> None:
    rules = otr.default_archive_rules()
    plan = rules._plan(rules._plans, frozenset({"session_id", "name"}))
    ran = [apply.__self__.id for apply in plan]  # type: ignore[attr-defined]
    # The type and value checks of has_audio, output_mode, ... judge the defaults, which
    # always pass: they are not run on every call. The defaults themselves are filled in.
    assert "archive-has-audio-type" not in ran
    assert "archive-output-mode" not in ran
    assert "archive-has-audio-default" in ran
    assert "archive-name-type" in ran
    # A default that a later rule refuses is refused on every call, settled or not.
    bad = otr.load_policy(
        {
            "archive": [
                {"id": "odd-default", "kind": "default", "key": "name", "value": 5},
                {"id": "odd-type", "kind": "type", "key": "name", "type": "str"},
            ]
        }
    ).archive_rules
    for _ in range(2):
        with pytest.raises(otr.ValidationError) as caught:
            otr.prepare_archive(SID, rules=bad)
        # (The library's archive-name-type ran before the default was filled in.)
        assert [v.rule for v in caught.value.violations] == ["odd-type"]
