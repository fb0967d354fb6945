"""prepare_session: options in, PreparedSession or ValidationError out (API.md section 2)."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from _support.ids import stable_id

from opentok_rules import (
    ArchiveMode,
    MediaMode,
    OpenTokError,
    Options,
    PreparedSession,
    RuleRegistry,
    SessionSpec,
    ValidationError,
    Violation,
    default_rules,
    prepare_session,
    rule,
    strict_rules,
)
from opentok_rules.engine.registry import MEMO_SIZE

DEFAULT_PARAMS = {"p2p.preference": "enabled", "archiveMode": "manual", "e2ee": "false"}


def violations_of(*args: Any, **kwargs: Any) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationError) as info:
        prepare_session(*args, **kwargs)
    return [(v.rule, v.field) for v in info.value.violations]


# ---- the documented example -------------------------------------------------------------------


def test_api_md_example_exactly() -> None:
    prepared = prepare_session({"media_mode": "routed"}, location="12.34.56.78")
    assert isinstance(prepared, PreparedSession)
    assert prepared.spec == SessionSpec(
        media_mode=MediaMode.ROUTED,
        archive_mode=ArchiveMode.MANUAL,
        location="12.34.56.78",
        archive_name=None,
        archive_resolution=None,
        e2ee=False,
    )
    assert prepared.spec.media_mode is MediaMode.ROUTED
    assert prepared.spec.archive_mode is ArchiveMode.MANUAL
    expected = {
        "p2p.preference": "disabled",
        "archiveMode": "manual",
        "location": "12.34.56.78",
        "e2ee": "false",
    }
    assert prepared.params == expected
    assert list(prepared.params.items()) == list(expected.items())
    assert prepared.params == prepared.spec.to_params()


# ---- the ways to give options -----------------------------------------------------------------


def test_no_options_gives_the_defaults() -> None:
    prepared = prepare_session()
    assert prepared.spec == SessionSpec()
    assert prepared.params == DEFAULT_PARAMS
    assert prepare_session(None) == prepared
    assert prepare_session({}) == prepared


def test_mapping_kwargs_and_both_agree() -> None:
    full: dict[str, Any] = {
        "media_mode": "routed",
        "archive_mode": "always",
        "location": "1.2.3.4",
        "archive_name": "n",
        "archive_resolution": "640x480",
    }
    by_mapping = prepare_session(full)
    by_kwargs = prepare_session(**full)
    by_both = prepare_session(
        {"media_mode": "routed", "location": "1.2.3.4"},
        **{k: v for k, v in full.items() if k not in ("media_mode", "location")},
    )
    assert by_mapping == by_kwargs == by_both
    assert by_mapping.params == {
        "p2p.preference": "disabled",
        "archiveMode": "always",
        "location": "1.2.3.4",
        "archiveName": "n",
        "archiveResolution": "640x480",
        "e2ee": "false",
    }


def test_any_mapping_type_is_accepted() -> None:
    proxy = types.MappingProxyType({"media_mode": "routed"})
    assert prepare_session(proxy).spec.media_mode is MediaMode.ROUTED


@pytest.mark.parametrize(
    ("mapping", "kwargs", "expected"),
    [
        ({"media_mode": "routed"}, {"media_mode": "relayed"}, MediaMode.RELAYED),
        ({"media_mode": "relayed"}, {"media_mode": "routed"}, MediaMode.ROUTED),
        ({"media_mode": "routed"}, {"media_mode": None}, MediaMode.RELAYED),
    ],
)
def test_kwarg_wins_over_mapping(
    mapping: dict[str, Any], kwargs: dict[str, Any], expected: MediaMode
) -> None:
    assert prepare_session(mapping, **kwargs).spec.media_mode is expected


def test_kwarg_wins_also_for_refusal() -> None:
    # The mapping's bad value is overridden, so nothing is refused ...
    prepared = prepare_session({"location": "bad"}, location="1.2.3.4")
    assert prepared.spec.location == "1.2.3.4"
    # ... and a bad keyword overrides a good mapping value.
    assert violations_of({"location": "1.2.3.4"}, location="bad") == [("location-ipv4", "location")]


def test_callers_mapping_is_not_modified() -> None:
    options: dict[str, Any] = {"media_mode": "routed", "junk": 1, "location": None}
    before = dict(options)
    prepare_session(options)
    assert options == before
    with pytest.raises(ValidationError):
        prepare_session(options, rules=strict_rules())
    assert options == before


def test_enum_members_and_strings_are_interchangeable() -> None:
    by_str = prepare_session(media_mode="routed", archive_mode="always")
    by_enum = prepare_session(media_mode=MediaMode.ROUTED, archive_mode=ArchiveMode.ALWAYS)
    assert by_str == by_enum
    assert by_str.spec.archive_mode is ArchiveMode.ALWAYS


# ---- a SessionSpec as options -----------------------------------------------------------------


def test_session_spec_as_options() -> None:
    spec = SessionSpec(media_mode="routed", archive_mode="always", archive_name="n")
    prepared = prepare_session(spec)
    assert prepared.spec == spec
    assert prepared.params == spec.to_params()


def test_session_spec_is_checked_again() -> None:
    # A spec the service would refuse cannot be made (test_spec_guard.py); one it takes is
    # still run through the rules, which may be stricter (an empty name with manual archives).
    assert violations_of(SessionSpec(archive_name="")) == [
        ("manual-archive-forbids-name-and-resolution", "archive_name"),
    ]
    assert violations_of(SessionSpec(media_mode="routed"), e2ee=True, archive_mode="always") == [
        ("always-archive-forbids-e2ee", None)
    ]


def test_session_spec_with_kwargs_kwarg_wins() -> None:
    prepared = prepare_session(SessionSpec(media_mode="routed"), archive_mode="always")
    assert prepared.spec == SessionSpec(media_mode="routed", archive_mode="always")


# ---- ValidationError --------------------------------------------------------------------------


def test_validation_error_is_open_tok_error_and_value_error() -> None:
    assert issubclass(ValidationError, OpenTokError)
    assert issubclass(ValidationError, ValueError)
    with pytest.raises(ValueError, match="location"):
        prepare_session(location="x")
    with pytest.raises(OpenTokError):
        prepare_session(location="x")


def test_validation_error_holds_every_violation_in_registry_order() -> None:
    options = {
        "location": "300.1.1.1",
        "archive_resolution": "1x1",
        "archive_name": "n" * 81,
        "e2ee": True,
        "archive_mode": "always",
    }
    with pytest.raises(ValidationError) as info:
        prepare_session(options)
    err = info.value
    assert [(v.rule, v.field) for v in err.violations] == [
        ("always-archive-requires-routed", None),
        ("relayed-forbids-e2ee", None),
        ("always-archive-forbids-e2ee", None),
        ("location-ipv4", "location"),
        ("archive-name-length", "archive_name"),
        ("archive-resolution-valid", "archive_resolution"),
    ]
    assert all(isinstance(v, Violation) for v in err.violations)
    text = str(err)
    for violation in err.violations:
        assert violation.rule in text
        assert violation.message in text


def test_strict_violations_in_registry_order() -> None:
    options = {"e2ee": "yes", "media_mode": "Routed", "junk": 1, "archive_mode": "sometimes"}
    assert violations_of(options, rules=strict_rules()) == [
        ("known-keys", "junk"),
        ("media-mode", "media_mode"),
        ("e2ee-boolean", "e2ee"),
        ("archive-mode-valid", "archive_mode"),
    ]


def test_violation_order_follows_an_edited_registry() -> None:
    registry = default_rules()
    moved = registry.remove("location-ipv4")
    registry.insert_before("e2ee-boolean", moved)
    assert violations_of({"location": "x", "e2ee": 1}, rules=registry) == [
        ("location-ipv4", "location"),
        ("e2ee-boolean", "e2ee"),
    ]


# ---- custom registries ------------------------------------------------------------------------


def test_custom_registry_is_used() -> None:
    @rule("routed-only", "Only routed sessions.", field="media_mode")
    def routed_only(options: Options) -> str | None:
        # Runs after media-mode, so it sees a MediaMode member.
        assert isinstance(options["media_mode"], MediaMode)
        return None if options["media_mode"] is MediaMode.ROUTED else "media_mode must be 'routed'"

    registry = default_rules()
    registry.insert_after("media-mode", routed_only)
    assert violations_of(rules=registry) == [("routed-only", "media_mode")]
    assert prepare_session(media_mode="routed", rules=registry).spec.media_mode is MediaMode.ROUTED
    # The default registry is untouched.
    assert prepare_session().spec.media_mode is MediaMode.RELAYED


def test_rule_inserted_first_sees_raw_options() -> None:
    seen: list[Options] = []

    class Spy:
        id = "spy"
        description = "Records the raw options."

        def apply(self, options: Options) -> Sequence[Violation]:
            seen.append(dict(options))
            return ()

    registry = default_rules()
    registry.insert_before("known-keys", Spy())
    prepare_session({"junk": 1}, media_mode="routed", rules=registry)
    assert seen == [{"junk": 1, "media_mode": "routed"}]


def test_editing_default_rules_does_not_change_the_default() -> None:
    registry = default_rules()
    registry.remove("manual-archive-forbids-name-and-resolution")
    assert prepare_session(archive_name="", rules=registry).spec.archive_name is None
    assert violations_of(archive_name="") == [
        ("manual-archive-forbids-name-and-resolution", "archive_name")
    ]


def test_empty_registry_with_valid_options() -> None:
    prepared = prepare_session(media_mode="routed", rules=RuleRegistry())
    assert prepared.spec == SessionSpec(media_mode="routed")


@pytest.mark.parametrize(
    ("removed", "options"),
    [
        ("archive-mode-valid", {"archive_mode": "bogus"}),
        ("archive-mode-valid", {"archive_mode": 3}),
        ("e2ee-boolean", {"e2ee": "yes"}),
        (
            "archive-name-length",
            {"archive_mode": "always", "media_mode": "routed", "archive_name": 5},
        ),
        ("location-ipv4", {"location": 1234}),
        ("location-ipv4", {"location": ["1.2.3.4"]}),
        (
            "archive-resolution-valid",
            {"archive_mode": "always", "media_mode": "routed", "archive_resolution": 1},
        ),
    ],
    ids=stable_id,
)
def test_invalid_values_let_through_by_an_edited_registry_are_still_a_validation_error(
    removed: str, options: dict[str, Any]
) -> None:
    registry = default_rules()
    registry.remove(removed)
    with pytest.raises(ValidationError) as info:
        prepare_session(options, rules=registry)
    (violation,) = info.value.violations
    assert violation.rule == "session-spec"
    assert violation.field is None
    assert violation.message


@pytest.mark.parametrize(
    "options",
    [{"media_mode": None}, {"archive_mode": None}, {"e2ee": None}, {"media_mode": "blah"}],
    ids=stable_id,
)
def test_empty_registry_lets_nothing_normalize_still_validation_error(
    options: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError) as info:
        prepare_session(options, rules=RuleRegistry())
    assert [v.rule for v in info.value.violations] == ["session-spec"]


# ---- non-mapping options ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    ["media_mode=routed", 1, [("media_mode", "routed")], (), b"", object(), 1.5],
    ids=stable_id,
)
def test_non_mapping_options_raise_type_error(options: Any) -> None:
    with pytest.raises(TypeError):
        prepare_session(options)


# ---- the seed's behaviour ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "params"),
    [
        ({}, {"p2p.preference": "enabled"}),
        ({"media_mode": "relayed"}, {"p2p.preference": "enabled"}),
        ({"media_mode": "routed"}, {"p2p.preference": "disabled"}),
        # "anything other than :relayed sets the REST param to ..." -- an unknown mode is relayed.
        ({"media_mode": "blah"}, {"p2p.preference": "enabled"}),
        ({"location": "12.34.56.78"}, {"p2p.preference": "enabled", "location": "12.34.56.78"}),
        (
            {"media_mode": "routed", "archive_mode": "always"},
            {"p2p.preference": "disabled", "archiveMode": "always"},
        ),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_name": "foo"},
            {"p2p.preference": "disabled", "archiveMode": "always", "archiveName": "foo"},
        ),
        (
            {"media_mode": "routed", "e2ee": True},
            {"p2p.preference": "disabled", "e2ee": "true"},
        ),
        # The seed keeps only its valid keys.
        ({"media_mode": "routed", "foo": "bar"}, {"p2p.preference": "disabled"}),
    ],
    ids=stable_id,
)
def test_seed_behaviour_kept(options: dict[str, Any], params: dict[str, str]) -> None:
    # The seed leaves archiveMode and e2ee out when not given; we always send the defaults.
    assert prepare_session(options).params == {**DEFAULT_PARAMS, **params}


@pytest.mark.parametrize(
    ("options", "rule_id"),
    [
        # "A session with always archive mode must also have the routed media mode."
        ({"archive_mode": "always", "media_mode": "relayed"}, "always-archive-requires-routed"),
        # "A session with relayed media mode should not have e2ee set to true."
        ({"media_mode": "relayed", "e2ee": True}, "relayed-forbids-e2ee"),
        # "location must be an IPv4 address" (Resolv::IPv4::Regex: no leading zeros)
        ({"location": "not an ip"}, "location-ipv4"),
        ({"location": "1.2.3.256"}, "location-ipv4"),
        ({"location": "01.2.3.4"}, "location-ipv4"),
        # "archive mode must be either always or manual"
        ({"archive_mode": "sometimes"}, "archive-mode-valid"),
        # "archive name and/or archive resolution must not be set if archive mode is manual"
        (
            {"archive_mode": "manual", "archive_name": "foo"},
            "manual-archive-forbids-name-and-resolution",
        ),
        (
            {"archive_mode": "manual", "archive_resolution": "640x480"},
            "manual-archive-forbids-name-and-resolution",
        ),
    ],
    ids=stable_id,
)
def test_seed_refusals_kept(options: dict[str, Any], rule_id: str) -> None:
    assert [r for r, _ in violations_of(options)] == [rule_id]


def test_seed_always_archive_with_e2ee_refused() -> None:
    # "A session with always archive mode must not have e2ee set to true."
    options = {"media_mode": "routed", "archive_mode": "always", "e2ee": True}
    assert violations_of(options) == [("always-archive-forbids-e2ee", None)]


# ---- the documented differences from the seed -------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # Defaults first: media mode absent means relayed, so always-archiving is refused.
        ({"archive_mode": "always"}, [("always-archive-requires-routed", None)]),
        (
            {"archive_mode": "always", "media_mode": "blah"},
            [("always-archive-requires-routed", None)],
        ),
        ({"e2ee": True}, [("relayed-forbids-e2ee", None)]),
        # Archive mode absent means manual, so a name or resolution is refused.
        ({"archive_name": "foo"}, [("manual-archive-forbids-name-and-resolution", "archive_name")]),
        (
            {"archive_resolution": "640x480"},
            [("manual-archive-forbids-name-and-resolution", "archive_resolution")],
        ),
        # Anything that is not None counts as given, even "" (as in the seed, where "" is
        # truthy); with archive mode always, "" then means no name.
        (
            {"archive_mode": "manual", "archive_name": ""},
            [("manual-archive-forbids-name-and-resolution", "archive_name")],
        ),
        (
            {"archive_mode": "manual", "archive_resolution": ""},
            [
                ("manual-archive-forbids-name-and-resolution", "archive_resolution"),
                ("archive-resolution-valid", "archive_resolution"),
            ],
        ),
        # Checks the seed did not make.
        ({"e2ee": "true", "media_mode": "routed"}, [("e2ee-boolean", "e2ee")]),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_name": "x" * 81},
            [("archive-name-length", "archive_name")],
        ),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "800x600"},
            [("archive-resolution-valid", "archive_resolution")],
        ),
        ({"location": " 1.2.3.4"}, [("location-ipv4", "location")]),
    ],
    ids=stable_id,
)
def test_documented_differences_from_the_seed(
    options: dict[str, Any], expected: list[tuple[str, str | None]]
) -> None:
    assert violations_of(options) == expected


def test_none_values_mean_absent() -> None:
    keys = ("media_mode", "location", "archive_mode", "archive_name", "archive_resolution", "e2ee")
    options = dict.fromkeys(keys)
    assert prepare_session(options).spec == SessionSpec()


def test_an_empty_archive_name_with_always_means_no_name() -> None:
    # The Ruby SDK sends archiveName="" and the service names the archive; so do we, by
    # sending no name at all (the params never carry an empty value).
    prepared = prepare_session(media_mode="routed", archive_mode="always", archive_name="")
    assert prepared.spec.archive_name is None
    assert "archiveName" not in prepared.params


def test_archive_name_of_80_characters_is_fine() -> None:
    name = "x" * 80
    prepared = prepare_session(media_mode="routed", archive_mode="always", archive_name=name)
    assert prepared.params["archiveName"] == name


def test_prepared_session_is_immutable() -> None:
    prepared = prepare_session()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        prepared.spec = SessionSpec()  # type: ignore[misc]


class _ReprRaises:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("location", 10**5000),  # repr() of an int this long raises ValueError
        ("e2ee", 10**5000),
        ("archive_resolution", list(range(100_000))),
        ("archive_mode", _ReprRaises()),
    ],
    ids=["huge-int-location", "huge-int-e2ee", "long-list", "repr-raises"],
)
def test_values_that_are_hard_to_show_still_give_a_validation_error(key: str, value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare_session({key: value, "media_mode": "routed"})
    message = str(caught.value)
    assert len(message) < 600
    assert key in message


def test_a_key_that_is_hard_to_show_is_still_a_violation_in_strict_mode() -> None:
    with pytest.raises(ValidationError) as caught:
        prepare_session({10**5000: 1}, rules=strict_rules())  # type: ignore[dict-item]
    (violation,) = caught.value.violations
    assert violation.rule == "known-keys"
    assert violation.field is not None
    assert len(violation.field) < 60


# ---- remembered specs: the same options again skip the rules, never changing an outcome -------


def counting_registry() -> tuple[RuleRegistry, list[int]]:
    """The default rules plus one of the caller's that counts its runs."""
    runs: list[int] = []

    @rule("counts", "counts its runs")
    def counts(options: Options) -> None:
        runs.append(1)

    registry = default_rules()
    registry.add(counts)
    return registry, runs


def test_the_library_rules_remember_a_spec_they_let_through() -> None:
    registry = default_rules()
    first = prepare_session(rules=registry, media_mode="routed", archive_mode="always")
    again = prepare_session(rules=registry, media_mode="routed", archive_mode="always")
    assert again.spec is first.spec  # remembered, not made again
    assert again.params == first.params
    assert again.params is not first.params


def test_a_rule_of_the_callers_runs_on_every_call() -> None:
    registry, runs = counting_registry()
    for _ in range(3):
        prepare_session(rules=registry, media_mode="routed")
    assert len(runs) == 3


def test_an_edit_forgets_what_was_remembered() -> None:
    registry = default_rules()
    prepare_session(rules=registry, media_mode="routed")

    @rule("no-routed", "refuses routed sessions", field="media_mode", reads={"media_mode"})
    def no_routed(options: Options) -> str | None:
        return "routed is not allowed here" if options["media_mode"] is MediaMode.ROUTED else None

    registry.add(no_routed)
    assert violations_of(rules=registry, media_mode="routed") == [("no-routed", "media_mode")]
    registry.remove("no-routed")
    assert prepare_session(rules=registry, media_mode="routed").spec.media_mode is MediaMode.ROUTED


def test_refusals_are_never_remembered_and_values_equal_across_types_stay_apart() -> None:
    registry = default_rules()
    assert prepare_session(rules=registry, media_mode="routed", e2ee=True).spec.e2ee is True
    # 1 == True, but the rules refuse a number for e2ee: it must not find True's spec.
    assert violations_of(rules=registry, media_mode="routed", e2ee=1) == [("e2ee-boolean", "e2ee")]
    assert violations_of(rules=registry, media_mode="routed", e2ee=1) == [("e2ee-boolean", "e2ee")]


def test_a_value_that_lies_about_equality_never_finds_another_spec() -> None:
    class Liar(str):
        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return hash("always")

    registry = default_rules()
    prepare_session(rules=registry, media_mode="routed", archive_mode="always")
    # Judged as the plain text it is ("manual"), not as the spec remembered for "always".
    spec = prepare_session(rules=registry, media_mode="routed", archive_mode=Liar("manual")).spec
    assert spec.archive_mode is ArchiveMode.MANUAL


def test_what_is_remembered_is_bounded() -> None:
    registry = default_rules()
    for n in range(3 * MEMO_SIZE):
        prepare_session(
            rules=registry, archive_name=f"name {n}", archive_mode="always", media_mode="routed"
        )
    assert len(registry._memo or {}) <= MEMO_SIZE
