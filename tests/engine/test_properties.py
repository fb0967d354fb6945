"""Property tests: whatever the options, prepare_session gives a sound PreparedSession or a
ValidationError, and it gives exactly what an independent model of API.md section 3 predicts."""

from __future__ import annotations

from typing import Any

import attrs
from _support.model import (
    KEYS,
    RESOLUTIONS,
    check_spec_invariants,
    check_violations_match,
    check_warnings_match,
    model,
    model_warnings,
)
from _support.properties import examples, heavy
from hypothesis import event, given, settings
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

SETTINGS = heavy(300)

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


@settings(max_examples=examples(150), deadline=None, derandomize=True, database=None)
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
