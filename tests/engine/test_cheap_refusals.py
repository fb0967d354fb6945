"""Issue 30: refusals that cost little. The library's session rules and the generic kinds make
their messages only when they are read (``Violation.deferred``), the memo remembers refusals
too (and so pauses for refusals that never repeat), and the dotted-quad test without the
pattern says exactly what the pattern says. Every reader sees the same violations as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from _support.properties import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules._messages import shown
from opentok_rules.engine.kinds import (
    Allowed,
    Forbidden,
    Length,
    Network,
    Pattern,
    Range,
    Type,
    _got,
)
from opentok_rules.engine.registry import MEMO_SIZE, RuleRegistry
from opentok_rules.errors import Deferred, get_message
from opentok_rules.operations.session import prepare as pipeline
from opentok_rules.operations.session.rules import (
    ArchiveModeValidRule,
    ArchiveResolutionValidRule,
    E2eeBooleanRule,
    LocationIpv4Rule,
    MediaModeRule,
)
from opentok_rules.values import ARCHIVE_RESOLUTIONS, dotted_quad_match, quad_holds

odd_values = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=4),
)


def unread(violation: otr.Violation) -> bool:
    """Whether the violation's message is still waiting to be made."""
    return get_message(violation, otr.Violation).__class__ is Deferred


# ---- the library's session rules ---------------------------------------------------------------

LOCATION = (
    "location must be a dotted-quad IPv4 address such as '12.34.56.78' "
    "(no leading zeros or spaces); got {}"
)
SESSION_CASES: list[tuple[Callable[[], Any], str, str]] = [
    (LocationIpv4Rule, "location", LOCATION),
    (E2eeBooleanRule, "e2ee", "e2ee must be True or False; got {}"),
    (ArchiveModeValidRule, "archive_mode", "archive_mode must be 'manual' or 'always'; got {}"),
    (
        ArchiveResolutionValidRule,
        "archive_resolution",
        "archive_resolution must be one of " + ", ".join(ARCHIVE_RESOLUTIONS) + "; got {}",
    ),
    (
        lambda: MediaModeRule(strict=True),
        "media_mode",
        "media_mode must be 'routed' or 'relayed'; got {}",
    ),
]


@given(st.sampled_from(SESSION_CASES), odd_values)
@example(SESSION_CASES[0], "256.0.0.1")
@example(SESSION_CASES[4], "sideways")
def test_a_library_rule_makes_its_message_only_when_read(
    case: tuple[Callable[[], Any], str, str], value: object
) -> None:
    make, key, template = case
    rule = make()
    found = rule.apply({key: value})
    if not found:  # a value the rule takes (a valid resolution, say)
        return
    (violation,) = found
    # Shown when read if it cannot change; a list (say) is shown at once, as it was judged.
    settled = type(value) in (str, int, float, bool, bytes)
    assert unread(violation) is settled
    assert (violation.rule, violation.field, violation.severity) == (rule.id, key, "deny")
    assert unread(violation) is settled  # reading the other fields makes no message
    assert violation.message == template.format(shown(value))
    assert violation == otr.Violation(rule.id, key, template.format(shown(value)))


def test_a_library_rule_with_its_own_message_or_severity_keeps_them() -> None:
    rule = LocationIpv4Rule(severity="warn")
    (found,) = rule.apply({"location": "1.2.3"})
    assert unread(found)  # the library's text, still not made
    assert found == otr.Violation(
        "location-ipv4", "location", LOCATION.format(shown("1.2.3")), "warn"
    )
    own = LocationIpv4Rule(message="no such place")
    assert own.apply({"location": 7}) == (
        otr.Violation("location-ipv4", "location", "no such place"),
    )


# ---- the generic kinds --------------------------------------------------------------------------

KIND_CASES: list[tuple[Any, Callable[[object], str] | None]] = [
    (
        Forbidden(id="k-forbidden", keys=("location",)),
        lambda v: f"location must not be given; got {_got(v)}",
    ),
    (
        Allowed(id="k-allowed", key="location", values=("a", 1, True)),
        lambda v: f"location must be one of 'a', 1, True; got {_got(v)}",
    ),
    (
        Pattern(id="k-pattern", key="location", pattern="[a-z]+"),
        lambda v: f"location must match '[a-z]+'; got {_got(v)}",
    ),
    (
        Length(id="k-length", key="location", max=3),
        lambda v: f"location must be a str or a list; got {_got(v)}",
    ),
    (
        Network(id="k-network", key="location", networks=("10.0.0.0/8",)),
        lambda v: f"location must be an address in 10.0.0.0/8; got {_got(v)}",
    ),
    (
        Type(id="k-type", key="location", type="str"),
        lambda v: f"location must be a value that is a str; got {_got(v)}",
    ),
    (
        Range(id="k-range", key="location", min=0, max=5),
        None,  # its words are its own describe(): checked against the kind itself below
    ),
]


@given(st.sampled_from(KIND_CASES), odd_values)
@example(KIND_CASES[1], "b")
def test_a_generic_kind_makes_its_default_message_only_when_read(
    case: tuple[Any, Callable[[object], str] | None], value: object
) -> None:
    kind, words = case
    found = kind.apply({"location": value})
    if not found:
        return
    for violation in found:
        assert violation.rule == kind.id
        assert violation.severity == "deny"
    values_shown = [v for v in found if unread(v)]
    if words is None:
        expected = f"location must be a value that {kind.describe()}; got {_got(value)}"
    else:
        expected = words(value)
    for violation in values_shown:
        assert violation.message == expected
        assert violation == otr.Violation(kind.id, "location", expected)


@given(odd_values)
def test_a_kind_with_its_own_message_says_it_at_once(value: object) -> None:
    kind = Pattern(id="k", key="location", pattern="[a-z]+", message="{key} is not a word")
    found = kind.apply({"location": value})
    for violation in found:
        assert not unread(violation)
        assert violation.message == "location is not a word"


# ---- the compiled pass against the registry's loop, refusal paths first -------------------------

refusing_options = st.fixed_dictionaries(
    {},
    optional={
        "media_mode": st.one_of(st.sampled_from(["routed", "relayed", "sideways"]), odd_values),
        "location": st.one_of(
            st.sampled_from(["1.2.3.4", "256.1.1.1", "01.2.3.4", "1.2.3", " 1.2.3.4"]),
            st.from_regex(r"[0-9.]{1,16}", fullmatch=True),
            odd_values,
        ),
        "archive_mode": st.one_of(st.sampled_from(["always", "manual", "never"]), odd_values),
        "archive_name": st.one_of(st.text(max_size=90), odd_values),
        "archive_resolution": st.one_of(st.sampled_from([*ARCHIVE_RESOLUTIONS, "1x1"]), odd_values),
        "e2ee": st.one_of(st.booleans(), odd_values),
        "colour": st.integers(),
    },
)


def _registries() -> list[Callable[[], RuleRegistry]]:
    def with_kinds() -> RuleRegistry:
        registry = otr.default_rules()
        for kind in (
            Pattern(id="p-name", key="archive_name", pattern="[a-z ]*", severity="warn"),
            Allowed(id="p-res", key="archive_resolution", values=("1280x720",)),
            Forbidden(id="p-loc", keys=("location",), message="{key}: not here"),
        ):
            registry.add(kind)
        return registry

    return [otr.default_rules, otr.strict_rules, with_kinds]


def outcome(prepare: Callable[[dict[str, Any]], Any], options: dict[str, Any]) -> tuple[Any, ...]:
    try:
        result = prepare(dict(options))
    except otr.ValidationError as err:
        # The violations first (compared unread), then every text.
        return ("refused", err.violations, [str(v) for v in err.violations], str(err))
    spec, warnings = result
    return ("spec", spec, warnings, [str(v) for v in warnings])


@settings(max_examples=examples(300), deadline=None)
@given(refusing_options, st.sampled_from(_registries()))
def test_the_compiled_pass_and_its_memo_refuse_as_the_loop_does(
    options: dict[str, Any], make: Callable[[], RuleRegistry]
) -> None:
    registry = make()
    expected = outcome(lambda o: pipeline._interpreted(o, make()), options)

    def prepared(o: dict[str, Any]) -> Any:
        made = otr.prepare_session(o, rules=registry)
        return made.spec, made.warnings

    assert outcome(prepared, options) == expected
    assert outcome(prepared, options) == expected  # again: from the memo where it remembers


# ---- the memo remembers refusals ----------------------------------------------------------------


def test_a_repeated_refusal_is_answered_from_the_memo() -> None:
    registry = otr.default_rules()
    options = {"media_mode": "routed", "location": "256.0.0.1"}
    with pytest.raises(otr.ValidationError) as first:
        otr.prepare_session(options, rules=registry)
    hits = registry._state.memo_hits
    with pytest.raises(otr.ValidationError) as second:
        otr.prepare_session(options, rules=registry)
    assert registry._state.memo_hits == hits + 1
    assert second.value is not first.value  # one exception object per call
    assert second.value.violations == first.value.violations
    assert str(second.value) == str(first.value)
    assert "'256.0.0.1' (str)" in str(second.value)


def test_refusals_that_never_repeat_pause_the_memo() -> None:
    registry = otr.default_rules()
    for n in range(MEMO_SIZE + 1):
        with pytest.raises(otr.ValidationError):
            otr.prepare_session({"archive_name": f"manual {n}"}, rules=registry)
    assert registry._state.memo_pause > 0  # it served nothing: paused
    # Paused, it still refuses and accepts as before.
    with pytest.raises(otr.ValidationError):
        otr.prepare_session({"archive_name": "manual again"}, rules=registry)
    assert otr.prepare_session(media_mode="routed", rules=registry).params["p2p.preference"] == (
        "disabled"
    )


# ---- the dotted quad without the pattern --------------------------------------------------------


@given(
    st.one_of(
        st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,4}){0,5}", fullmatch=True),
        st.text(alphabet="0123456789. \n\u0661x", max_size=20),
        st.text(max_size=20),
    )
)
@example("255.255.255.255")
@example("256.0.0.1")
@example("1.2.3.4\n")
@example("01.2.3.4")
@example("")
def test_the_split_test_says_what_the_pattern_says(text: str) -> None:
    assert quad_holds(text) is (dotted_quad_match(text) is not None)
    assert quad_holds(text) is (
        re.fullmatch(r"(?:\d{1,3}\.){3}\d{1,3}", text, re.ASCII) is not None
        and all(str(int(part)) == part and int(part) <= 255 for part in text.split("."))
    )


def test_a_remembered_refusal_is_not_served_for_an_equal_value_of_another_type() -> None:
    # "routed" == MediaMode.ROUTED (a str enum), and the message shows the value as given.
    registry = otr.default_rules()
    for value, shown_as in [
        ("routed", "'routed' (str)"),
        (otr.MediaMode.ROUTED, "(MediaMode)"),
        ("routed", "'routed' (str)"),
    ]:
        with pytest.raises(otr.ValidationError) as refused:
            otr.prepare_session({"e2ee": value}, rules=registry)
        assert shown_as in refused.value.violations[0].message


@given(odd_values)
@example("janitor")
def test_the_token_rules_make_their_messages_only_when_read(value: object) -> None:
    from opentok_rules.operations.token.rules import _ROLE_NAMES, TokenRoleRule, TokenTypeRule

    for rule, key, template in [
        (TokenRoleRule(), "role", f"role must be one of {_ROLE_NAMES} (any case); got {{}}"),
        (
            TokenTypeRule(),
            "token_type",
            "token_type must be 'JWT' (the default) or 'T1' (the legacy format), any case; got {}",
        ),
    ]:
        found = rule.apply({key: value})
        if not found:
            continue
        (violation,) = found
        assert unread(violation) is (type(value) in (str, int, float, bool, bytes))
        assert violation == otr.Violation(rule.id, key, template.format(shown(value)))


def test_a_value_that_could_change_is_shown_as_it_was_judged() -> None:
    # A list (or any object of the caller's) may change after the call: its message is made
    # at once; a str, a number or None is shown only when read.
    value = [1, 2]
    (refused,) = E2eeBooleanRule().apply({"e2ee": value})
    (kind_refused,) = Pattern(id="k", key="location", pattern="x").apply({"location": value})
    value.append(3)
    assert refused.message == "e2ee must be True or False; got [1, 2] (list)"
    assert kind_refused.message == "location must match 'x'; got [1, 2]"
    (plain,) = E2eeBooleanRule().apply({"e2ee": "yes"})
    assert unread(plain)
