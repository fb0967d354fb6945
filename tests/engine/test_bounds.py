"""Bounded messages and hostile mappings (issue 20, items 3 and 4).

Every message and ``str(err)`` is bounded however many violations there are and however big
the keys and messages; a mapping, however hostile, gives a ``PreparedSession`` or a
``ValidationError`` (never another exception) in bounded memory. Sizes are asserted, not
times: speed lives in benchmarks/.
"""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.errors import MAX_MESSAGE, MAX_NAME, SHOWN_VIOLATIONS
from opentok_rules.operations.session.prepare import MAX_KEYS
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import generate_token

#: The most characters one listed violation takes in ``str(err)``: its texts are bounded.
LINE = MAX_MESSAGE + 2 * MAX_NAME + 40
#: The most ``str(err)`` may be: the first violations and one "and N more" line.
BOUND = (SHOWN_VIOLATIONS + 2) * LINE


def refused(*args: Any, **kwargs: Any) -> otr.ValidationError:
    with pytest.raises(otr.ValidationError) as info:
        otr.prepare_session(*args, **kwargs)
    return info.value


def outcome(options: Any, rules: otr.RuleRegistry) -> str:
    """ "session" or "refused" (with a bounded message); any other exception fails the test."""
    errors: list[otr.ValidationError] = []
    try:
        prepared = otr.prepare_session(options, rules=rules)
    except otr.ValidationError as err:
        errors.append(err)
    if errors:
        assert 0 < len(str(errors[0])) < BOUND
        return "refused"
    assert prepared.params == prepared.spec.to_params()
    return "session"


# ---- item 3: every message bounded -----------------------------------------------------------


def test_a_ten_megabyte_unknown_key_gives_a_short_message() -> None:
    err = refused({"k" * 10_000_000: 1}, rules=otr.strict_rules())
    assert len(str(err)) < 1000
    (violation,) = err.violations
    assert violation.field is not None
    assert len(violation.field) <= MAX_NAME


def test_two_hundred_thousand_unknown_keys_give_a_bounded_message() -> None:
    options = {f"junk{i}": i for i in range(200_000)}
    err = refused(options, rules=otr.strict_rules())
    assert len(str(err)) < BOUND
    # Twenty named one by one, then one counting the rest: no 200,000 spelling hints.
    assert len(err.violations) == 21
    assert "and 199980 more unknown option names" in err.violations[-1].message
    assert "junk0" in str(err)


def test_two_hundred_thousand_unknown_token_options_give_a_bounded_message() -> None:
    options: dict[str, Any] = {f"junk{i}": i for i in range(200_000)}
    with pytest.raises(otr.ValidationError) as info:
        generate_token("123456", "s" * 40, make_session_id("123456"), **options)
    assert len(str(info.value)) < BOUND
    assert len(info.value.violations) == 21


def test_a_rules_own_huge_message_is_cut_short() -> None:
    @otr.rule("chatty", "Says a lot.")
    def chatty(options: otr.Options) -> str:
        return "x" * 10_000_000

    registry = otr.default_rules()
    registry.add(chatty)
    err = refused(rules=registry)
    (violation,) = err.violations
    assert len(violation.message) <= MAX_MESSAGE
    assert violation.message.endswith("(10000000 chars)")
    assert len(str(err)) < BOUND


def test_str_lists_the_first_violations_and_counts_the_rest() -> None:
    many = [otr.Violation(f"rule-{i}", None, f"problem {i}") for i in range(1000)]
    text = str(otr.ValidationError(many))
    assert text.startswith("1000 rules were broken:")
    assert f"[rule-{SHOWN_VIOLATIONS - 1}]" in text
    assert f"[rule-{SHOWN_VIOLATIONS}]" not in text
    assert f"and {1000 - SHOWN_VIOLATIONS} more" in text
    assert len(otr.ValidationError(many).violations) == 1000


texts = st.text(max_size=3000) | st.integers(0, 2_000_000).map(lambda n: "y" * n)


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.tuples(texts, st.none() | texts, texts), max_size=60))
def test_str_of_any_violations_is_bounded(found: list[tuple[str, str | None, str]]) -> None:
    err = otr.ValidationError(otr.Violation(*each) for each in found)
    assert len(str(err)) < BOUND
    assert len(err.violations) == len(found)
    for violation in err.violations:
        assert len(violation.rule) <= MAX_NAME
        assert violation.field is None or len(violation.field) <= MAX_NAME
        assert len(violation.message) <= MAX_MESSAGE


# ---- item 4: hostile mappings -----------------------------------------------------------------


class View(Mapping[Any, Any]):
    """A mapping whose methods do what a test says (raise, never end, ...)."""

    def __init__(
        self,
        pairs: Callable[[], Iterator[tuple[Any, Any]]],
        broken: str | None = None,
        error: type[BaseException] = RuntimeError,
    ) -> None:
        self._pairs = pairs
        self._broken = broken
        self._error = error

    def _check(self, name: str) -> None:
        if self._broken == name:
            raise self._error(f"{name} is broken")

    def __getitem__(self, key: Any) -> Any:
        self._check("__getitem__")
        for each, value in itertools.islice(self._pairs(), 100):
            if each is key:
                return value
        raise KeyError("not among the first 100 keys")

    def __iter__(self) -> Iterator[Any]:
        self._check("__iter__")
        return (key for key, _ in self._pairs())

    def __len__(self) -> int:
        self._check("__len__")
        return 1

    def keys(self) -> Any:
        self._check("keys")
        return super().keys()

    def items(self) -> Any:
        self._check("items")
        if self._broken == "__getitem__":
            return super().items()  # reads through __getitem__, which fails
        return self._pairs()  # a lazy view: it may never end


def endless() -> Iterator[tuple[Any, Any]]:
    return ((f"key{i}", i) for i in itertools.count())


def test_a_mapping_that_never_ends_is_refused_in_bounded_memory() -> None:
    tracemalloc.start()
    try:
        err = refused(View(endless))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000
    assert err.violations[0].rule == "session-options"
    assert f"more than {MAX_KEYS} keys" in str(err)


def test_a_mapping_whose_items_never_end_is_refused() -> None:
    class EndlessItems(dict[str, Any]):
        def items(self) -> Any:
            return endless()

    err = refused(EndlessItems(media_mode="routed"))
    assert f"more than {MAX_KEYS} keys" in str(err)


@pytest.mark.parametrize("broken", ["keys", "items", "__iter__", "__getitem__", "__len__"])
@pytest.mark.parametrize("error", [RuntimeError, ZeroDivisionError, KeyError, StopIteration])
def test_a_mapping_that_raises_gives_a_validation_error_or_a_session(
    broken: str, error: type[Exception]
) -> None:
    mapping = View(lambda: iter([("media_mode", "routed")]), broken, error)
    if broken in ("keys", "__len__", "__iter__"):
        # Not read: the options come from items() alone.
        assert otr.prepare_session(mapping).params["p2p.preference"] == "disabled"
        return
    with pytest.raises(otr.ValidationError) as info:
        otr.prepare_session(mapping)
    cause = info.value.__cause__
    # A StopIteration raised inside a generator reaches the reader as a RuntimeError (PEP 479).
    assert isinstance(cause, error) or isinstance(getattr(cause, "__cause__", None), error)
    assert info.value.violations[0].rule == "session-options"
    assert type(cause).__name__ in str(info.value)


def test_the_issues_items_and_keys_raising_are_validation_errors() -> None:
    class Broken(dict[str, Any]):
        def keys(self) -> Any:
            raise RuntimeError("keys")

        def items(self) -> Any:
            raise RuntimeError("items")

    err = refused(Broken(media_mode="routed"))
    assert isinstance(err.__cause__, RuntimeError)


class BadRepr:
    def __repr__(self) -> str:
        raise ZeroDivisionError


class BadReprStr(str):
    __slots__ = ()

    def __repr__(self) -> str:
        raise ZeroDivisionError


class Collider:
    """Hashes like "media_mode", so a dict compares it with that name, and its __eq__ fails."""

    def __hash__(self) -> int:
        return hash("media_mode")

    def __eq__(self, other: object) -> bool:
        raise ZeroDivisionError


class FlakyHash:
    """Hashes once (into the caller's dict), then fails."""

    def __init__(self) -> None:
        self.calls = 0

    def __hash__(self) -> int:
        self.calls += 1
        if self.calls > 1:
            raise ZeroDivisionError
        return 7


@pytest.mark.parametrize("make", [BadRepr, lambda: BadReprStr("medai_mode"), Collider, FlakyHash])
@pytest.mark.parametrize("strict", [False, True])
def test_a_hostile_key_gives_a_validation_error_or_a_session(
    make: Callable[[], object], strict: bool
) -> None:
    rules = otr.strict_rules() if strict else otr.default_rules()
    key = make()
    for options in ({make(): 1}, View(lambda: iter([(key, 1)]))):
        assert outcome(options, rules) in (("session" if not strict else "refused"), "refused")


def test_a_colliding_key_breaking_a_rule_is_refused_with_its_cause() -> None:
    err = refused({Collider(): 1})
    assert isinstance(err.__cause__, ZeroDivisionError)
    assert err.violations[0].rule == "session-options"


def test_a_rule_of_yours_that_raises_on_plain_options_is_not_hidden() -> None:
    @otr.rule("broken", "Always fails.")
    def broken(options: otr.Options) -> None:
        raise ZeroDivisionError

    registry = otr.default_rules()
    registry.add(broken)
    with pytest.raises(ZeroDivisionError):
        otr.prepare_session(media_mode="routed", rules=registry)


def _e2ee_with_bad_repr() -> object:
    return BadReprStr("e2ee")


hostile_makers: list[Callable[[], object]] = [BadRepr, Collider, FlakyHash, _e2ee_with_bad_repr]
hostile_keys = st.sampled_from(hostile_makers).map(lambda make: make())
keys = st.sampled_from(["media_mode", "location", "archive_mode", "e2ee"]) | st.text(max_size=8)
values = st.none() | st.booleans() | st.text(max_size=8) | st.integers() | st.builds(BadRepr)


@st.composite
def hostile_mappings(draw: st.DrawFn) -> Mapping[Any, Any]:
    pairs = draw(st.lists(st.tuples(keys | hostile_keys, values), max_size=6))
    if draw(st.booleans()):
        base: Sequence[tuple[Any, Any]] = pairs

        def make() -> Iterator[tuple[Any, Any]]:
            return itertools.chain(base, endless())

        return View(make)
    broken = draw(st.none() | st.sampled_from(["keys", "items", "__iter__", "__getitem__"]))
    error = draw(st.sampled_from([RuntimeError, ZeroDivisionError, KeyError, TypeError]))
    if broken is None and draw(st.booleans()):
        try:
            return dict(pairs)  # the fast path, when the keys can be put in a dict at all
        except ZeroDivisionError:
            pass
    return View(lambda: iter(pairs), broken, error)


@settings(max_examples=examples(300), deadline=None)
@given(hostile_mappings(), st.booleans())
def test_any_mapping_gives_a_session_or_a_validation_error(
    mapping: Mapping[Any, Any], strict: bool
) -> None:
    rules = otr.strict_rules() if strict else otr.default_rules()
    tracemalloc.start()
    try:
        assert outcome(mapping, rules) in ("session", "refused")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000
