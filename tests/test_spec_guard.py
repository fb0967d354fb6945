"""The spec is the last line of defence (issue 20, item 1).

Whatever the rules did, a ``SessionSpec`` the service would refuse cannot exist, and
``prepare_session`` reports one as a ``session-spec`` violation naming what is wrong. The
service's verdict here is the emulator's form check (``testing._params``), written from the
service's documentation independently of the library.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.operations.session import spec as spec_module
from opentok_rules.operations.session.rules import SESSION_OPTION_KEYS, LocationIpv4Rule
from opentok_rules.testing._params import create_params_problem


@attrs.frozen
class Late:
    """A rule object that ends by setting the options to ``state``, whatever they were."""

    state: dict[str, Any]
    id: str = "late"
    description: str = "Sets the options after every check."

    def apply(self, options: otr.Options) -> Sequence[otr.Violation]:
        options.clear()
        options.update(self.state)
        return ()


def with_late(state: dict[str, Any], base: otr.RuleRegistry | None = None) -> otr.RuleRegistry:
    registry = otr.default_rules() if base is None else base
    registry.add(Late(state))
    return registry


def spec_violations(state: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(otr.ValidationError) as info:
        otr.prepare_session(rules=with_late(state))
    return [(v.rule, v.field) for v in info.value.violations]


# ---- the cases of the issue -------------------------------------------------------------------


def test_the_issues_late_rule_is_refused_naming_all_three_combinations() -> None:
    registry = otr.default_rules()

    @attrs.frozen
    class Mutating:
        id: str = "mutating"
        description: str = "Turns archiving on and e2ee on after the checks."

        def apply(self, options: otr.Options) -> Sequence[otr.Violation]:
            options.update(archive_mode="always", e2ee=True)
            return ()

    registry.add(Mutating())
    with pytest.raises(otr.ValidationError) as info:
        otr.prepare_session(rules=registry)
    found = info.value.violations
    assert [v.rule for v in found] == ["session-spec"] * 3
    text = str(info.value)
    assert "archive_mode 'always' needs media_mode 'routed'" in text
    assert "e2ee needs media_mode 'routed'" in text
    assert "archive_mode 'always' and e2ee exclude each other" in text


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"media_mode": "routed", "location": "999.1.1.1"}, "location"),
        ({"location": "1.2.3.04"}, "location"),
        ({"location": " 1.2.3.4"}, "location"),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_name": "n" * 500},
            "archive_name",
        ),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_name": "\ud800"},
            "archive_name",
        ),
        (
            {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "1x1"},
            "archive_resolution",
        ),
        ({"archive_name": "n"}, "archive_name"),
        ({"archive_resolution": "640x480"}, "archive_resolution"),
    ],
    ids=stable_id,
)
def test_a_late_rule_leaving_a_refused_value_is_a_session_spec_violation(
    state: dict[str, Any], field: str
) -> None:
    assert spec_violations(state) == [("session-spec", field)]


@pytest.mark.parametrize(
    "state",
    [
        {"e2ee": 1},
        {"location": 1234},
        {"archive_name": b"x"},
        {"junk": 1},
        {"e2ee": None},
        {"media_mode": "bogus"},
        {"archive_mode": "sometimes"},
    ],
    ids=stable_id,
)
def test_a_late_rule_leaving_a_wrong_type_is_a_session_spec_violation(
    state: dict[str, Any],
) -> None:
    assert spec_violations(state) == [("session-spec", None)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"archive_mode": "always"},
        {"e2ee": True},
        {"media_mode": "routed", "archive_mode": "always", "e2ee": True},
        {"location": "999.1.1.1"},
        {"location": "localhost"},
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "n" * 81},
        {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "800x600"},
        {"archive_name": "named but manual"},
        {"archive_resolution": "640x480"},
    ],
    ids=stable_id,
)
def test_a_refused_spec_cannot_be_made_by_hand_evolve_or_from_params(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(otr.ValidationError) as info:
        otr.SessionSpec(**kwargs)
    assert {v.rule for v in info.value.violations} == {"session-spec"}
    with pytest.raises(otr.ValidationError):
        attrs.evolve(otr.SessionSpec(), **kwargs)


def test_from_params_refuses_a_record_the_service_would_refuse() -> None:
    with pytest.raises(otr.ValidationError, match="needs media_mode 'routed'"):
        otr.SessionSpec.from_params({"archiveMode": "always"})


def test_a_str_subclass_is_held_as_the_characters_it_holds() -> None:
    class Liar(str):
        def __str__(self) -> str:
            return "999.999.999.999"

    spec = otr.SessionSpec(location=Liar("1.2.3.4"))
    assert type(spec.location) is str
    assert spec.to_params()["location"] == "1.2.3.4"


# ---- free when only the library's own rules ran -----------------------------------------------


def test_the_check_is_skipped_only_for_the_librarys_own_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []
    real = spec_module._problems

    def counting(spec: otr.SessionSpec) -> list[otr.Violation]:
        calls.append(spec)
        return real(spec)

    monkeypatch.setattr(spec_module, "_problems", counting)
    options = {"media_mode": "routed", "archive_mode": "always", "location": "1.2.3.4"}
    unchecked = [otr.default_rules(), otr.strict_rules()]
    for registry in unchecked:
        registry._memo = None  # every call runs the rules
        assert registry._spec_guaranteed
        otr.prepare_session(options, rules=registry)
    otr.prepare_session(options)
    assert calls == []

    edited = otr.default_rules()
    edited.remove("location-ipv4")
    reordered = otr.default_rules()
    reordered.insert_before("known-keys", reordered.remove("archive-mode-valid"))
    for registry in (edited, reordered, with_late(options), otr.RuleRegistry()):
        assert not registry._spec_guaranteed
        otr.prepare_session(options, rules=registry)
    assert len(calls) == 4


def test_a_subclass_of_a_library_rule_is_not_trusted() -> None:
    class Location(LocationIpv4Rule):
        pass

    registry = otr.default_rules()
    registry.replace("location-ipv4", Location())
    assert not registry._spec_guaranteed


# ---- properties -------------------------------------------------------------------------------


def _service_params(state: dict[str, Any]) -> dict[str, str] | None:
    """The form a well-typed state stands for, built by hand; None for a state of other types."""
    media, archive = state.get("media_mode", "relayed"), state.get("archive_mode", "manual")
    e2ee = state.get("e2ee", False)
    texts = [state.get(key) for key in ("location", "archive_name", "archive_resolution")]
    if (
        set(state) - set(SESSION_OPTION_KEYS)
        or type(media) is not str
        or type(archive) is not str
        or type(e2ee) is not bool
        or not all(text is None or type(text) is str for text in texts)
        or media not in ("routed", "relayed")
        or archive not in ("manual", "always")
    ):
        return None
    params = {
        "p2p.preference": "disabled" if media == "routed" else "enabled",
        "archiveMode": archive,
        "e2ee": "true" if e2ee else "false",
    }
    for name, text in zip(("location", "archiveName", "archiveResolution"), texts, strict=True):
        if text:
            params[name] = text
    return params


ipv4 = st.ip_addresses(v=4).map(str)
values = {
    "media_mode": st.sampled_from(["routed", "relayed", "Routed", ""]) | st.integers(),
    "archive_mode": st.sampled_from(["manual", "always", "ALWAYS"]) | st.none(),
    "location": st.none() | ipv4 | st.text(max_size=20) | st.integers(),
    "archive_name": st.none() | st.text(max_size=100) | st.binary(max_size=3),
    "archive_resolution": st.none()
    | st.sampled_from(otr.ARCHIVE_RESOLUTIONS)
    | st.text(max_size=9),
    "e2ee": st.booleans() | st.none() | st.integers(0, 1),
}
states = st.fixed_dictionaries({}, optional=values) | st.dictionaries(
    st.text(max_size=12), st.none() | st.text(max_size=5), max_size=3
)


@settings(max_examples=examples(400), deadline=None)
@given(states)
def test_any_late_mutation_is_refused_or_sent_as_the_service_takes_it(
    state: dict[str, Any],
) -> None:
    expected = _service_params(state)
    refused: list[otr.Violation] = []
    try:
        prepared = otr.prepare_session(rules=with_late(state))
    except otr.ValidationError as err:
        refused.extend(err.violations)
    if refused:
        assert {v.rule for v in refused} == {"session-spec"}
        # Refused only what the service refuses (or what a spec cannot hold at all).
        assert expected is None or create_params_problem(expected) is not None
    else:
        assert create_params_problem(prepared.params) is None
        assert prepared.params == expected


def _option_values() -> st.SearchStrategy[Any]:
    return (
        st.none()
        | st.booleans()
        | st.text(max_size=90)
        | st.sampled_from([*otr.MediaMode, *otr.ArchiveMode, *otr.ARCHIVE_RESOLUTIONS])
        | st.sampled_from(["routed", "relayed", "manual", "always"])
        | ipv4
        | st.ip_addresses(v=4)
        | st.integers()
    )


options = st.dictionaries(
    st.sampled_from(SESSION_OPTION_KEYS) | st.text(max_size=5), _option_values(), max_size=8
)


@settings(max_examples=examples(600), deadline=None)
@given(options, st.booleans())
def test_the_librarys_rules_leave_only_specs_the_check_accepts(
    given_options: dict[str, Any], strict: bool
) -> None:
    """The promise that lets the library's own rules skip the check (``unchecked_spec``)."""
    registry = otr.strict_rules() if strict else otr.default_rules()
    registry._memo = None
    try:
        prepared = otr.prepare_session(given_options, rules=registry)
    except otr.ValidationError:
        return
    spec = prepared.spec
    assert type(spec.media_mode) is otr.MediaMode
    assert type(spec.archive_mode) is otr.ArchiveMode
    assert type(spec.e2ee) is bool
    for name in ("location", "archive_name", "archive_resolution"):
        assert getattr(spec, name) is None or type(getattr(spec, name)) is str
    assert spec_module._problems(spec) == []
    assert otr.SessionSpec(**attrs.asdict(spec, recurse=False)) == spec
    assert create_params_problem(prepared.params) is None
    if spec.location is not None:
        assert str(ipaddress.IPv4Address(spec.location)) == spec.location
