"""An exception whose cause chain loops ends in RequestError at once, sync and async.

A library under a transport (or a custom one) may raise an exception whose ``__cause__``
chain comes back to itself. Describing the failure walks that chain; an unguarded walk
never ends, and the call hangs with the GIL held. Each test here runs the call in a thread
and fails, rather than hangs, when the call does not end within ``BOUND`` seconds: a bound
on a hang, not a speed goal (a real call ends in milliseconds).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
import urllib3
from urllib3 import exceptions as u3

from opentok_rules.errors import RequestError
from opentok_rules.http.transport import Request, Response
from opentok_rules.http.urllib3_transport import Urllib3Transport

BOUND = 20.0
# Port 9 (discard) on loopback: nothing is sent there, the library call is replaced.
REQUEST = Request("POST", "http://127.0.0.1:9/session/create", {"X-OPENTOK-AUTH": "t"}, b"a=b")


def looping(first: BaseException, *more: BaseException) -> BaseException:
    """``first`` caused by each of ``more`` in turn, the last one caused by ``first`` again."""
    chain = [first, *more]
    for index, exc in enumerate(chain):
        exc.__cause__ = chain[(index + 1) % len(chain)]
    return first


def outcome_within(seconds: float, call: Callable[[], Any]) -> Any:
    """What ``call`` returned or raised; the test fails if it has not ended by ``seconds``."""
    done: list[Any] = []

    def run() -> None:
        try:
            done.append(call())
        except BaseException as exc:  # the outcome under test
            done.append(exc)

    thread = threading.Thread(target=run, daemon=True)  # daemon: a hang cannot block the run
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"the call did not end within {seconds} s: a looping cause chain hangs it")
    return done[0]


def no_sleep(seconds: float) -> None:
    """The retry sleep, waiting for nothing."""


LOOPS: list[Callable[[], BaseException]] = [
    # Not retried (the request may have gone out): described at once.
    lambda: looping(u3.ProtocolError("the connection broke"), ValueError("inner")),
    # Retried (nothing was sent), then described: every attempt walks the chain.
    lambda: looping(u3.NewConnectionError(None, "could not connect"), KeyError("inner")),  # type: ignore[arg-type]
    # The loop is further down the chain, through an exception with no OS reason.
    lambda: u3.ProtocolError("outer", looping(RuntimeError("a"), RuntimeError("b"))),
    # An exception that is its own cause.
    lambda: looping(u3.ProtocolError("itself")),
]


def _with_cause(made: BaseException) -> BaseException:
    # ProtocolError(message, inner) keeps inner in args only; chain it as urllib3 does.
    if isinstance(made, u3.ProtocolError) and len(made.args) == 2:
        made.__cause__ = made.args[1]
    return made


@pytest.mark.parametrize("make", LOOPS, ids=["broken", "connect", "deeper", "itself"])
def test_the_urllib3_transport_ends_in_request_error(
    make: Callable[[], BaseException], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def urlopen(self: Any, method: str, url: str, **kwargs: Any) -> Response:
        calls.append(url)
        raise _with_cause(make())

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", urlopen)
    transport = Urllib3Transport(retries=2, sleep=no_sleep)
    try:
        outcome = outcome_within(BOUND, lambda: transport.handle_request(REQUEST))
    finally:
        transport.close()
    assert isinstance(outcome, RequestError), outcome
    assert outcome.status is None
    assert "POST http://127.0.0.1:9/session/create" in str(outcome)
    assert 1 <= len(calls) <= 3  # the first attempt and at most two retries


def test_the_aiohttp_transport_ends_in_request_error(monkeypatch: pytest.MonkeyPatch) -> None:
    aiohttp = pytest.importorskip("aiohttp", reason='needs the async extra: pip install ".[async]"')
    from opentok_rules.http.async_transport import AiohttpTransport

    made = [
        looping(aiohttp.ClientPayloadError("the answer broke"), ValueError("inner")),
        looping(aiohttp.ServerDisconnectedError("gone"), RuntimeError("a"), RuntimeError("b")),
        looping(aiohttp.ClientPayloadError("itself")),
    ]
    calls: list[str] = []

    async def request(self: Any, method: str, url: Any, **kwargs: Any) -> Any:
        calls.append(str(url))
        raise made[len(calls) - 1]

    async def sleep(seconds: float) -> None:
        """The retry sleep, waiting for nothing."""

    async def three_calls() -> list[BaseException | Response]:
        outcomes: list[BaseException | Response] = []
        async with AiohttpTransport(retries=2, sleep=sleep) as transport:
            for _ in made:
                try:
                    outcomes.append(await transport.handle_request(REQUEST))
                except BaseException as exc:  # the outcome under test
                    outcomes.append(exc)
        return outcomes

    monkeypatch.setattr(aiohttp.ClientSession, "request", request)
    outcomes = outcome_within(BOUND, lambda: asyncio.run(three_calls()))
    assert len(outcomes) == 3
    for outcome in outcomes:
        assert isinstance(outcome, RequestError), outcome
        assert outcome.status is None
        assert "POST http://127.0.0.1:9/session/create" in str(outcome)
    assert len(calls) == 3  # none of these is retried: the request may have gone out
