"""Issue 30, the fast paths of ``prepare_session``: the library's value-dependent refusals made
inline by the compiled pass (checked against each rule on an example when compiled), the spec,
the ``PreparedSession`` and those violations made through a maker subclass and ``__class__``,
and a refusal raised from ``prepare_session``'s own frame without a reference cycle. Each is
held to what the registry's own loop and the classes' own constructors make.
"""

from __future__ import annotations

import gc
import pickle
import weakref
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from _support.properties import heavy
from hypothesis import example, given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import RuleRegistry, SessionSpec, ValidationError, Violation
from opentok_rules.engine.compiler import _maker, compile_rules
from opentok_rules.errors import Deferred, get_message
from opentok_rules.operations.session import prepare as pipeline
from opentok_rules.operations.session.rules import (
    ArchiveNameLengthRule,
    ArchiveResolutionValidRule,
    E2eeBooleanRule,
    LocationIpv4Rule,
)
from opentok_rules.values import ARCHIVE_RESOLUTIONS, MAX_ARCHIVE_NAME

SETTINGS = heavy(400)


def unread(violation: Violation) -> bool:
    """Whether the violation's message is still waiting to be made."""
    return get_message(violation, Violation).__class__ is Deferred


# Values for the four options whose refusals the compiled pass makes itself, the fast path's
# cases (plain strs, numbers) first, then what must still go to the rule (subclasses, lists).
class Text(str):
    """A str subclass: the rule judges it itself (its characters, not its __eq__)."""


plain_values = st.one_of(
    st.text(max_size=MAX_ARCHIVE_NAME + 20),
    st.sampled_from(["1.2.3", "256.0.0.1", "01.2.3.4", "1.2.3.4", " 1.2.3.4", "1x1", ""]),
    st.sampled_from([*ARCHIVE_RESOLUTIONS, "n" * MAX_ARCHIVE_NAME, "n" * (MAX_ARCHIVE_NAME + 1)]),
    st.integers(),
    st.floats(allow_nan=False),
    st.binary(max_size=6),
    st.booleans(),
    st.none(),
)
odd_values = st.one_of(
    st.builds(Text, st.sampled_from(["1.2.3", "1.2.3.4", "1x1", "1280x720", "n" * 90])),
    st.lists(st.integers(), max_size=3),
    st.sampled_from([otr.MediaMode.ROUTED, otr.ArchiveMode.ALWAYS]),
)
values = st.one_of(plain_values, odd_values)
fast_options = st.fixed_dictionaries(
    {"media_mode": st.sampled_from(["routed", "relayed"])},
    optional={
        "location": values,
        "archive_resolution": values,
        "archive_name": values,
        "e2ee": values,
        "archive_mode": st.sampled_from(["always", "manual"]),
    },
)


def refusal(prepare: Callable[[dict[str, Any]], Any], options: dict[str, Any]) -> Any:
    """What ``prepare`` makes of ``options``: the spec and warnings, or the violations refused
    with which of them are unread, then (read) their texts and the error's."""
    try:
        result = prepare(dict(options))
    except ValidationError as err:
        waiting = [unread(v) for v in err.violations]  # before anything reads a message
        fields = [(type(v), v.rule, v.field, v.severity) for v in err.violations]
        return ("refused", fields, waiting, [v.message for v in err.violations], str(err))
    spec, warnings = result
    return ("spec", attrs.astuple(spec, recurse=False), warnings)


def registries() -> list[Callable[[], RuleRegistry]]:
    return [otr.default_rules, otr.strict_rules]


@SETTINGS
@given(fast_options, st.sampled_from(registries()))
@example({"media_mode": "routed", "location": "256.0.0.1"}, otr.default_rules)
@example({"media_mode": "routed", "e2ee": "yes"}, otr.default_rules)
@example({"media_mode": "routed", "e2ee": 1.5}, otr.strict_rules)
@example(
    {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "1x1"},
    otr.default_rules,
)
@example(
    {"media_mode": "routed", "archive_mode": "always", "archive_name": "n" * 81},
    otr.default_rules,
)
@example({"media_mode": "routed", "e2ee": [1]}, otr.default_rules)
def test_the_inline_refusals_are_the_rules_own(
    options: dict[str, Any], make: Callable[[], RuleRegistry]
) -> None:
    # The violations, which of them wait for their messages, the messages and the error's
    # text: the compiled pass (through prepare_session, and from its memo on a second call)
    # as the registry's loop.
    expected = refusal(lambda o: pipeline._interpreted(o, make()), options)
    registry = make()

    def prepared(o: dict[str, Any]) -> Any:
        made = otr.prepare_session(o, rules=registry)
        assert type(made) is otr.PreparedSession
        assert type(made.spec) is SessionSpec
        assert made.params == made.spec.to_params()
        return made.spec, made.warnings

    assert refusal(prepared, options) == expected
    # Again: a refusal from the memo holds the very violations of the first, read by now.
    again = refusal(prepared, options)
    assert again[:2] + again[3:] == expected[:2] + expected[3:]


def test_the_default_pass_makes_the_four_refusals_itself() -> None:
    source = otr.compiled_source()
    for condition in (
        "if e2ee.__class__ in _r4_settled:",
        "if location.__class__ is str:",
        "if archive_name.__class__ is str and len(archive_name) > _MAX_ARCHIVE_NAME:",
        "if archive_resolution.__class__ is str:",
    ):
        assert condition in source
    assert source.count("_refusal = _Violation_maker()") == 4


@pytest.mark.parametrize(
    ("rule", "options"),
    [
        (LocationIpv4Rule(severity="warn"), {"location": "1.2.3"}),
        (LocationIpv4Rule(message="no such place"), {"location": "1.2.3"}),
        (E2eeBooleanRule(message="yes or no"), {"e2ee": "yes"}),
        (ArchiveResolutionValidRule(severity="warn"), {"archive_resolution": "1x1"}),
        (ArchiveNameLengthRule(message="too long"), {"archive_name": "n" * 90}),
    ],
)
def test_a_rule_with_its_own_message_or_severity_is_called_for_its_refusal(
    rule: Any, options: dict[str, Any]
) -> None:
    # Its violation is not the library's deferred one: the compiled pass calls the rule.
    registry = RuleRegistry([rule])
    source = otr.compiled_source(registry)
    assert "_Violation_maker" not in source
    compiled = compile_rules(tuple(registry), pipeline._ends()).function
    looped = refusal(lambda o: pipeline._interpreted(o, RuleRegistry([rule])), options)
    assert refusal(lambda o: compiled(o, False), options) == looped


# ---- the makers ---------------------------------------------------------------------------------


def test_what_the_makers_make_is_the_class_itself() -> None:
    made = otr.prepare_session(media_mode="routed", location="1.2.3.4")
    by_hand = otr.PreparedSession(
        SessionSpec(otr.MediaMode.ROUTED, location="1.2.3.4"), made.spec.to_params()
    )
    assert type(made) is otr.PreparedSession
    assert type(made.spec) is SessionSpec
    assert made == by_hand
    assert hash(made.spec) == hash(by_hand.spec)
    assert pickle.loads(pickle.dumps(made)) == made
    assert weakref.ref(made.spec)() is made.spec
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.spec.location = "5.6.7.8"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.params = {}  # type: ignore[misc]
    with pytest.raises(ValidationError) as refused:
        otr.prepare_session(media_mode="routed", location="1.2.3")
    (violation,) = refused.value.violations
    assert type(violation) is Violation
    assert unread(violation)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        violation.rule = "other"  # type: ignore[misc]
    assert violation == Violation("location-ipv4", "location", violation.message)
    assert pickle.loads(pickle.dumps(violation)) == violation


def test_the_memo_answers_with_the_class_itself() -> None:
    registry = otr.default_rules()
    first = otr.prepare_session(media_mode="routed", rules=registry)
    again = otr.prepare_session(media_mode="routed", rules=registry)
    assert again.spec is first.spec  # from the memo
    assert type(again) is otr.PreparedSession
    assert again == first
    assert again.params is not first.params


def test_a_class_whose_instances_cannot_change_class_has_no_maker() -> None:
    assert _maker(int, ("real",)) is None  # object.__new__ cannot make an int
    assert _maker(SessionSpec, ("location",)) is not None


# ---- raising -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"media_mode": "routed", "location": "256.0.0.1"},
        {"e2ee": True, "archive_mode": "always"},
        {"media_mode": "routed", "e2ee": "yes"},
    ],
)
def test_a_refusal_leaves_no_reference_cycle(options: dict[str, Any]) -> None:
    # The error raised from prepare_session's frame is not also held by that frame: caught
    # and dropped, it is freed at once (a cycle would wait for the garbage collector).
    registry = otr.default_rules()
    otr.prepare_session(rules=registry)  # compiled before the count
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        caught = 0
        for _ in range(3):  # the first refusal runs the pass, the next come from the memo
            with pytest.raises(ValidationError):
                otr.prepare_session(options, rules=registry)
            try:  # caught by a plain handler too (pytest.raises keeps the error)
                otr.prepare_session(options, rules=registry)
            except ValidationError:
                caught += 1
        assert caught == 3
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


def test_a_refusal_is_raised_from_prepare_session() -> None:
    with pytest.raises(ValidationError) as refused:
        otr.prepare_session(location="1.2.3")
    frames = []
    tb = refused.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-1] == "prepare_session"
