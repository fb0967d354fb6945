"""``otr.explain`` (API.md section 8, issue 29 item 4): one Step per rule, in order, saying what
the rule did, for any rule: the library's, a policy's, a function of yours."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from _support.api import FIELD_NAMES
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import MediaMode


def outcomes(steps: tuple[otr.Step, ...]) -> dict[str, str]:
    return {step.rule: step.outcome for step in steps}


def test_why_is_my_session_relayed() -> None:
    steps = otr.explain({"media_mod": "routed"})
    assert [step.rule for step in steps] == list(otr.default_rules().ids())
    by_rule = {step.rule: step for step in steps}
    # The typo was dropped, and with no media_mode the default is relayed: both said.
    # Since issue 29 the drop is also a warning naming the closest option.
    assert by_rule["known-keys"].outcome == "warned"
    assert dict(by_rule["known-keys"].changes) == {"media_mod": ("routed", None)}
    (warning,) = by_rule["known-keys"].violations
    assert "did you mean 'media_mode'?" in warning.message
    assert by_rule["media-mode"].outcome == "changed"
    assert dict(by_rule["media-mode"].changes) == {"media_mode": (None, MediaMode.RELAYED)}


def test_every_outcome() -> None:
    policy = otr.load_policy(
        {
            "session": [
                {"id": "no-relayed", "kind": "allowed", "key": "media_mode", "values": ["routed"]},
                {
                    "id": "name-it",
                    "kind": "required",
                    "keys": ["archive_name"],
                    "when": {"archive_mode": "always"},
                    "severity": "warn",
                },
            ]
        }
    )
    steps = otr.explain(media_mode="routed", archive_mode="always", rules=policy.rules)
    got = outcomes(steps)
    assert got["media-mode"] == "held"  # given, and already what it means
    assert got["e2ee-boolean"] == "changed"  # the default filled in
    assert got["location-ipv4"] == "skipped"  # nothing to read
    assert got["name-it"] == "warned"
    (warning,) = next(s for s in steps if s.rule == "name-it").violations
    assert (warning.severity, warning.field) == ("warn", "archive_name")
    refused = otr.explain(media_mode="relayed", rules=policy.rules)
    step = next(s for s in refused if s.rule == "no-relayed")
    assert step.outcome == "refused"
    assert [v.message for v in step.violations] == [
        "media_mode must be one of 'routed'; got 'relayed'"
    ]
    assert set(got.values()) <= {"skipped", "held", "changed", "warned", "refused"}


def test_a_function_rule_is_explained_too() -> None:
    @otr.rule("upper-name", "archive names in upper case", reads=["archive_name"], fills=[])
    def upper(options: dict[str, Any]) -> None:
        if isinstance(options.get("archive_name"), str):
            options["archive_name"] = options["archive_name"].upper()

    rules = otr.default_rules()
    rules.insert_before("archive-name-length", upper)
    steps = otr.explain(
        media_mode="routed", archive_mode="always", archive_name="weekly", rules=rules
    )
    step = next(s for s in steps if s.rule == "upper-name")
    assert (step.outcome, dict(step.changes)) == ("changed", {"archive_name": ("weekly", "WEEKLY")})
    assert outcomes(otr.explain(rules=rules))["upper-name"] == "skipped"


def test_keywords_merge_over_the_mapping_and_nothing_is_changed() -> None:
    given_options = {"media_mode": "relayed", "location": "10.0.0.1"}
    steps = otr.explain(given_options, media_mode="routed")
    assert outcomes(steps)["media-mode"] == "held"
    assert given_options == {"media_mode": "relayed", "location": "10.0.0.1"}
    by_name = otr.explain(options={"media_mode": "routed"})  # type: ignore[call-arg]
    assert outcomes(by_name)["media-mode"] == "held"
    with pytest.raises(TypeError, match="options must be a mapping"):
        otr.explain(["media_mode"])  # type: ignore[arg-type]


def test_a_strict_refusal_names_its_rule() -> None:
    steps = otr.explain({"media_mode": "ROUTED"}, rules=otr.strict_rules())
    assert outcomes(steps)["media-mode"] == "refused"


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["routed", "relayed", "ROUTED", "always", "manual", "x", "", "1280x720"]),
    st.sampled_from(["10.0.0.1", "::1", "8.8.8.8"]),
    st.builds(lambda n: str(ipaddress.IPv4Address(n)), st.integers(0, 2**32 - 1)),
    st.text(max_size=90),
    st.integers(-3, 3),
)
OPTIONS = st.dictionaries(
    st.sampled_from(
        [
            *FIELD_NAMES,
            "media_mod",
            "junk",
        ]
    ),
    VALUES,
    max_size=6,
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPTIONS, st.booleans())
def test_explain_agrees_with_prepare_session(options: dict[str, Any], strict: bool) -> None:
    """The rules explain says refused are exactly those prepare_session refuses with, and
    the warnings are the same."""
    rules = otr.strict_rules() if strict else otr.default_rules()
    steps = otr.explain(options, rules=rules)
    denied = [v for s in steps for v in s.violations if v.severity != "warn"]
    warned = [v for s in steps for v in s.violations if v.severity == "warn"]
    assert [s.outcome == "refused" for s in steps] == [
        any(v.severity != "warn" for v in s.violations) for s in steps
    ]
    refused: list[otr.Violation] | None = None
    try:
        prepared = otr.prepare_session(options, rules=rules)
    except otr.ValidationError as exc:
        refused = list(exc.violations)
    if refused is not None:
        # A refusal of the spec itself (no rule's) is the only one explain cannot list.
        assert refused == denied or not denied
    else:
        assert denied == []
        assert list(prepared.warnings) == warned
