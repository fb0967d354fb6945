"""The one retry-and-redirect loop, as decisions with no I/O (``exchange.Attempts``), and the
one guarded walk of a cause chain (``exchange.exception_chain``).

Both transports drive ``Attempts``; their own suites (test_transport, test_async_transport,
test_hostile_transport) show the loop over sockets. Here each decision is asked directly,
with a fixed clock, so every branch is reached without a server or a sleep.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opentok_rules.errors import RequestError
from opentok_rules.http import exchange
from opentok_rules.http.exchange import (
    CHAIN_LIMIT,
    FOLLOW_UP_STATUSES,
    AttemptFailed,
    Attempts,
    Deadline,
    FailureKind,
    Next,
    RetryRules,
    Target,
)

ORIGIN = Target("http", "127.0.0.1", 8080, "/session/create")
NOW = 1000.0


def start(
    *,
    retries: int = 2,
    max_retry_after: float = 5.0,
    max_redirects: int = 3,
    deadline: float = 30.0,
    method: str = "POST",
) -> Attempts:
    rules = RetryRules(retries, max_retry_after, max_redirects)
    return rules.start(method, ORIGIN, Deadline(deadline, clock=lambda: NOW))


def failure(kind: FailureKind) -> AttemptFailed:
    cause = ConnectionRefusedError(111, "Connection refused")
    return AttemptFailed(kind, RequestError(f"attempt failed: {kind.value}"), cause)


# --- answers --------------------------------------------------------------------------------------


def test_the_origin_is_what_the_exchange_parses() -> None:
    assert exchange.parse_target("http://127.0.0.1:8080/session/create") == ORIGIN


@given(status=st.integers(100, 599).filter(lambda status: status not in FOLLOW_UP_STATUSES))
def test_an_answer_outside_the_follow_up_statuses_is_final(status: int) -> None:
    attempts = start()
    assert attempts.after_answer(status, {"location": "/x", "retry-after": "1"}) is Next.ANSWER
    assert (attempts.retries_used, attempts.redirects, attempts.target) == (0, 0, ORIGIN)


@pytest.mark.parametrize("status", [307, 308])
def test_a_same_origin_redirect_is_followed_until_max_redirects(status: int) -> None:
    attempts = start(max_redirects=2)
    for count in (1, 2):
        assert attempts.after_answer(status, {"location": f"/moved/{count}"}) is Next.REDIRECT
        assert attempts.redirects == count
        assert attempts.target == Target("http", "127.0.0.1", 8080, f"/moved/{count}")
    with pytest.raises(RequestError, match=r"max_redirects \(2\)") as refused:
        attempts.after_answer(status, {"location": "/moved/3"})
    assert refused.value.status == status


def test_a_redirect_without_location_is_the_answer() -> None:
    assert start().after_answer(302, {}) is Next.ANSWER


@pytest.mark.parametrize(
    ("status", "location", "words"),
    [
        (303, "/elsewhere", "only re-sent on 307 or 308"),
        (307, "http://127.0.0.2:8080/x", "another origin"),
        (307, "http://user:pw@127.0.0.1:8080/x", "not a plain http(s) URL"),
    ],
)
def test_a_refused_redirect_is_raised(status: int, location: str, words: str) -> None:
    with pytest.raises(RequestError) as refused:
        start().after_answer(status, {"location": location})
    assert refused.value.status == status
    assert words in str(refused.value)


@pytest.mark.parametrize("status", [429, 503])
def test_come_back_later_is_retried_after_the_capped_retry_after(status: int) -> None:
    attempts = start(retries=2, max_retry_after=4.0)
    assert attempts.after_answer(status, {"retry-after": "3"}) is Next.RETRY
    assert (attempts.delay, attempts.retries_used) == (3.0, 1)
    assert attempts.after_answer(status, {"retry-after": "60"}) is Next.RETRY
    assert (attempts.delay, attempts.retries_used) == (4.0, 2)
    # Retries used up: the last answer is the answer.
    assert attempts.after_answer(status, {"retry-after": "1"}) is Next.ANSWER
    assert attempts.target == ORIGIN


def test_come_back_later_without_retry_after_backs_off() -> None:
    attempts = start()
    assert attempts.after_answer(503, {}) is Next.RETRY
    assert attempts.delay == exchange.backoff(0, 5.0)
    assert attempts.after_answer(503, {}) is Next.RETRY
    assert attempts.delay == exchange.backoff(1, 5.0)


def test_a_wait_past_the_deadline_makes_the_answer_final() -> None:
    attempts = start(deadline=2.0, max_retry_after=5.0)
    assert attempts.after_answer(503, {"retry-after": "3"}) is Next.ANSWER
    assert attempts.retries_used == 0


# --- failures -------------------------------------------------------------------------------------

NEVER_SENT = [
    FailureKind.RESOLVE,
    FailureKind.CONNECT,
    FailureKind.CONNECT_TIMEOUT,
    FailureKind.PROXY_CONNECT,
]
MAYBE_SENT = [kind for kind in FailureKind if kind not in NEVER_SENT]


@pytest.mark.parametrize("kind", NEVER_SENT)
def test_a_failure_before_sending_is_retried_then_raised_from_its_cause(
    kind: FailureKind,
) -> None:
    attempts = start(retries=1)
    assert attempts.after_failure(failure(kind)) is Next.RETRY
    assert attempts.delay == exchange.backoff(0, 5.0)
    last = failure(kind)
    with pytest.raises(RequestError) as raised:
        attempts.after_failure(last)
    assert raised.value is last.error
    assert raised.value.__cause__ is last.cause


@pytest.mark.parametrize("kind", MAYBE_SENT)
def test_a_failure_that_may_have_reached_the_service_is_never_retried(kind: FailureKind) -> None:
    failed = failure(kind)
    with pytest.raises(RequestError) as raised:
        start(retries=5).after_failure(failed)
    assert raised.value is failed.error


def test_no_retry_when_the_backoff_would_pass_the_deadline() -> None:
    failed = failure(FailureKind.CONNECT)
    with pytest.raises(RequestError) as raised:
        start(deadline=exchange.backoff(0, 5.0) / 2).after_failure(failed)
    assert raised.value is failed.error


Outcome = Any  # ("answer", status, headers) or ("failure", kind)

OUTCOMES = st.one_of(
    st.tuples(
        st.just("answer"),
        st.sampled_from([200, 201, 301, 302, 307, 308, 400, 429, 500, 503]),
        st.fixed_dictionaries(
            {},
            optional={
                "location": st.sampled_from(["/a", "/b?x=1", "http://127.0.0.1:8080/c"]),
                "retry-after": st.sampled_from(["0", "1", "2.5", "-3", "soon"]),
            },
        ),
    ),
    st.tuples(st.just("failure"), st.sampled_from(list(FailureKind))),
)


@given(
    outcomes=st.lists(OUTCOMES, min_size=20, max_size=20),
    retries=st.integers(0, 4),
    max_redirects=st.integers(0, 4),
    method=st.sampled_from(["POST", "GET"]),
)
def test_any_run_of_outcomes_ends_within_the_retries_and_redirects_allowed(
    outcomes: list[Outcome], retries: int, max_redirects: int, method: str
) -> None:
    attempts = start(retries=retries, max_redirects=max_redirects, method=method)
    for sent, outcome in enumerate(outcomes, start=1):
        try:
            if outcome[0] == "answer":
                step = attempts.after_answer(outcome[1], outcome[2])
            else:
                step = attempts.after_failure(failure(outcome[1]))
        except RequestError:
            step = None  # the call ends in this error
        assert attempts.retries_used <= retries
        assert attempts.redirects <= max_redirects
        assert attempts.target.origin == ORIGIN.origin  # credentials never leave the origin
        if step is Next.RETRY:
            assert 0.0 <= attempts.delay <= 5.0
        if step is None or step is Next.ANSWER:
            assert sent <= retries + max_redirects + 1
            return
    raise AssertionError("20 attempts and no end: more than retries + max_redirects + 1")


# --- the walk of a cause chain --------------------------------------------------------------------


def chain(*exceptions: BaseException) -> BaseException:
    """``exceptions[0]`` caused by ``exceptions[1]``, caused by ..., in that order."""
    for effect, cause in itertools.pairwise(exceptions):
        effect.__cause__ = cause
    return exceptions[0]


def test_the_walk_follows_cause_then_context() -> None:
    first, second, third = ValueError("a"), KeyError("b"), OSError("c")
    chain(first, second)
    second.__context__ = third
    assert list(exchange.exception_chain(first)) == [first, second, third]
    assert list(exchange.exception_chain(None)) == []


@pytest.mark.parametrize("length", [1, 2, 3, 7])
def test_a_looping_chain_is_walked_once(length: int) -> None:
    exceptions = [RuntimeError(str(index)) for index in range(length)]
    chain(*exceptions, exceptions[0])  # the last one is caused by the first again
    walked = list(exchange.exception_chain(exceptions[0]))
    assert walked == exceptions


def test_an_endless_chain_is_cut_at_the_limit() -> None:
    exceptions = [RuntimeError(str(index)) for index in range(CHAIN_LIMIT * 3)]
    chain(*exceptions)
    assert list(exchange.exception_chain(exceptions[0])) == exceptions[:CHAIN_LIMIT]


class Falsy(Exception):
    def __bool__(self) -> bool:
        return False


class LyingCause(Exception):
    @property
    def __cause__(self) -> BaseException:  # type: ignore[override]
        raise RuntimeError("no cause for you")


def test_the_walk_trusts_no_subclass() -> None:
    falsy = Falsy("false")
    lying = LyingCause("lies")
    last = OSError("end")
    first = chain(ValueError("start"), falsy)
    falsy.__context__ = lying
    BaseException.__dict__["__cause__"].__set__(lying, last)
    assert list(exchange.exception_chain(first)) == [first, falsy, lying, last]


def test_drop_frames_forgets_every_traceback_of_a_looping_chain() -> None:
    caught: list[BaseException] = []
    for name in ("a", "b", "c"):
        try:
            raise RuntimeError(name)
        except RuntimeError as exc:
            caught.append(exc)
    chain(*caught, caught[0])
    assert all(exc.__traceback__ is not None for exc in caught)
    exchange.drop_frames(caught[1])
    assert [exc.__traceback__ for exc in caught] == [None, None, None]


@given(
    links=st.lists(
        st.tuples(st.integers(0, 39), st.one_of(st.none(), st.integers(0, 39)), st.booleans()),
        max_size=60,
    ),
    start_at=st.integers(0, 39),
)
def test_any_graph_of_causes_is_walked_like_the_naive_walk_cut_at_a_repeat(
    links: list[tuple[int, int | None, bool]], start_at: int
) -> None:
    exceptions = [ValueError(index) for index in range(40)]
    for source, target, as_cause in links:
        linked = None if target is None else exceptions[target]
        if as_cause:
            exceptions[source].__cause__ = linked
        else:
            exceptions[source].__context__ = linked
    expected: list[BaseException] = []
    seen: BaseException | None = exceptions[start_at]
    while seen is not None and seen not in expected and len(expected) < CHAIN_LIMIT:
        expected.append(seen)
        seen = seen.__cause__ if seen.__cause__ is not None else seen.__context__
    assert list(exchange.exception_chain(exceptions[start_at])) == expected
