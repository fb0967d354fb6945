"""Violations whose messages are made when read (``Violation.deferred``), and a
``ValidationError`` whose text is made when read: the same objects to every reader as the ones
made with their texts, and no message made for a refusal nobody reads."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules._messages import shown
from opentok_rules.engine import shared
from opentok_rules.errors import MAX_MESSAGE, ValidationError, Violation
from opentok_rules.operations.session.rules import ArchiveNameLengthRule

names = st.one_of(st.none(), st.text(max_size=120))
rules = st.text(max_size=120)
severities = st.sampled_from(["deny", "warn"])
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=60),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=8),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=5),
)
templates = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=50).map(
    lambda text: text + "{}"
)


def same_everywhere(lazy: Violation, eager: Violation) -> None:
    """Every way a violation is read gives the same for both."""
    assert type(lazy) is Violation
    assert lazy == eager
    assert not lazy != eager  # noqa: SIM202 - attrs' __ne__ too
    assert hash(lazy) == hash(eager)
    assert repr(lazy) == repr(eager)
    assert str(lazy) == str(eager)
    assert attrs.asdict(lazy) == attrs.asdict(eager)
    assert pickle.loads(pickle.dumps(lazy)) == eager
    assert copy.copy(lazy) == eager
    assert copy.deepcopy(lazy) == eager
    assert attrs.evolve(lazy, rule="other") == attrs.evolve(eager, rule="other")


@given(rules, names, templates, values, severities)
def test_a_template_gives_the_violation_made_with_its_text(
    rule: str, field: str | None, template: str, value: object, severity: str
) -> None:
    eager = Violation(rule, field, template.format(shown(value)), severity)
    # Compared in a fresh instance for each reader: the first read must not be the only good one.
    for read in range(2):
        lazy = Violation.deferred(rule, field, template, value, severity=severity)
        if read:
            assert lazy.message == eager.message
        same_everywhere(lazy, eager)


@given(rules, names, st.text(max_size=2 * MAX_MESSAGE), severities)
def test_a_function_gives_the_violation_made_with_its_text(
    rule: str, field: str | None, text: str, severity: str
) -> None:
    lazy = Violation.deferred(rule, field, lambda got: got, text, severity=severity)
    same_everywhere(lazy, Violation(rule, field, text, severity))  # cut to MAX_MESSAGE alike


@given(rules, names, severities, st.integers(0, 3))
def test_the_message_is_made_once_and_only_when_read(
    rule: str, field: str | None, severity: str, reads: int
) -> None:
    calls: list[object] = []

    def make(value: object) -> str:
        calls.append(value)
        return f"got {value!r}"

    lazy = Violation.deferred(rule, field, make, 7, severity=severity)
    assert (lazy.rule, lazy.field, lazy.severity) == (rule, field, severity)
    err = ValidationError([lazy])
    assert err.violations == (lazy,)
    assert not calls  # inspected, counted: nothing made
    for _ in range(reads):
        assert lazy.message == "got 7"
        assert str(err).endswith("got 7")
    assert calls == ([7] if reads else [])


def test_the_fields_are_checked_as_the_constructor_checks_them() -> None:
    for bad in ([5, None, "m"], ["r", 5, "m"]):
        with pytest.raises(TypeError) as eager:
            Violation(*bad)
        with pytest.raises(TypeError) as lazy:
            Violation.deferred(*bad)
        assert str(lazy.value) == str(eager.value)
    with pytest.raises(ValueError, match="'deny' or 'warn'"):
        Violation.deferred("r", None, "m", severity="fatal")
    with pytest.raises(TypeError, match=r"template \(str\) or a callable"):
        Violation.deferred("r", None, 42)  # type: ignore[arg-type]
    long = Violation.deferred("r" * 300, "f" * 300, "m")
    assert long == Violation("r" * 300, "f" * 300, "m")  # cut alike


def test_a_message_that_cannot_be_made_says_so_where_it_is_read() -> None:
    def broken() -> str:
        raise KeyError("secret detail")

    assert Violation.deferred("r", None, broken).message == (
        "(the message could not be made: its function raised KeyError)"
    )
    assert "returned 3 (int)" in Violation.deferred("r", None, lambda: 3).message  # type: ignore[arg-type, return-value]
    assert "template raised IndexError" in Violation.deferred("r", None, "{} {}", 1).message
    err = ValidationError([Violation.deferred("r", "f", broken)])
    assert "could not be made" in str(err)
    assert "secret" not in str(err)


@given(st.lists(st.tuples(rules, names, templates, values), max_size=25))
def test_a_validation_error_reads_the_same_made_now_or_later(
    found: list[tuple[str, str | None, str, object]],
) -> None:
    lazy = ValidationError(Violation.deferred(r, f, t, v) for r, f, t, v in found)
    eager = ValidationError([Violation(r, f, t.format(shown(v))) for r, f, t, v in found])
    assert lazy.violations == eager.violations
    assert repr(lazy) == repr(eager) == f"ValidationError({str(eager)!r})"
    assert lazy.args == eager.args == (str(eager),)
    assert str(lazy) == str(eager)
    again = pickle.loads(pickle.dumps(lazy))
    assert type(again) is ValidationError
    assert again.violations == eager.violations
    assert str(again) == str(eager)


def test_a_validation_errors_text_is_made_when_read() -> None:
    eager = Violation("r", "f", "m")
    err = ValidationError([eager])
    assert "_text" not in err.__dict__
    assert str(err) == "1 rule was broken:\n  [r] (f) m"
    assert err.__dict__["_text"] == str(err)
    err.args = ("annotated",)  # code that rewrites args (as some frameworks do) still may
    assert err.args == ("annotated",)
    assert str(err) == "1 rule was broken:\n  [r] (f) m"


def test_an_unknown_option_name_is_spelt_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real: Callable[..., str] = shared.closest_hint  # type: ignore[attr-defined]

    def counting(name: str, valid: Any) -> str:
        calls.append(name)
        return real(name, valid)

    monkeypatch.setattr(shared, "closest_hint", counting)
    with pytest.raises(ValidationError) as caught:
        otr.prepare_session({"media_mod": "routed"}, rules=otr.strict_rules())
    (violation,) = caught.value.violations
    assert (violation.rule, violation.field) == ("known-keys", "media_mod")
    assert calls == []  # refused, inspected by rule and field: no hint searched
    assert violation.message == "'media_mod' is not a session option; did you mean 'media_mode'?"
    assert calls == ["media_mod"]
    assert str(caught.value).endswith(violation.message)
    assert calls == ["media_mod"]


@given(st.one_of(st.integers(), st.binary(), st.lists(st.integers(), max_size=3), st.none()))
def test_a_name_option_of_the_wrong_type_reads_as_before(value: object) -> None:
    refused = ArchiveNameLengthRule().apply({"archive_name": value}) if value is not None else ()
    if value is None:
        assert refused == ()
        return
    assert refused == (
        Violation(
            "archive-name-length", "archive_name", f"archive_name must be a str; got {shown(value)}"
        ),
    )


@given(st.text(min_size=81, max_size=200))
def test_a_name_too_long_reads_as_before(name: str) -> None:
    (refused,) = ArchiveNameLengthRule().apply({"archive_name": name})
    expected = f"archive_name is {len(name)} characters long; the service allows at most 80"
    assert refused == Violation("archive-name-length", "archive_name", expected)


def test_a_lone_surrogate_in_a_name_reads_as_before() -> None:
    (refused,) = ArchiveNameLengthRule().apply({"archive_name": "a\ud800"})
    assert refused == Violation(
        "archive-name-length",
        "archive_name",
        "archive_name holds a lone surrogate (such as '\\ud800'), which cannot be sent as "
        "UTF-8; pass real text",
    )


@given(
    st.one_of(
        st.text(max_size=60),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        st.booleans(),
        st.none(),
    )
)
def test_a_refused_plain_value_is_shown_as_reprlib_shows_it(value: object) -> None:
    # short_repr's shortcut for plain values (the usual refused ones) changes no message.
    from opentok_rules._messages import _REPR, short_repr

    assert short_repr(value) == _REPR.repr(value)


@given(
    st.dictionaries(
        st.sampled_from(["media_mod", "archive_name", "e2ee", "location", "colour", "media_mode"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=90)),
        max_size=4,
    ),
    st.sampled_from([otr.default_rules, otr.strict_rules]),
)
def test_the_compiled_pass_refuses_with_the_loops_violations_and_text(
    options: dict[str, Any], make: Callable[[], otr.RuleRegistry]
) -> None:
    from opentok_rules.operations.session import prepare as pipeline

    def refusal(prepare: Callable[[dict[str, Any]], object]) -> tuple[Any, ...] | None:
        try:
            prepare(dict(options))
        except ValidationError as err:
            # The violations first (messages made by comparing), then the text.
            return err.violations, str(err), repr(err), err.args
        return None

    registry = make()
    looped = refusal(lambda o: pipeline._interpreted(o, registry))
    assert refusal(lambda o: otr.prepare_session(o, rules=registry)) == looped
