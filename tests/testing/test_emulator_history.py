"""The emulator keeps a bounded history of requests, and says how many it dropped (issue 28, 8).

``Emulator(history=N)`` (``opentok-rules emulator --history N``; 1,000 by default) keeps the
last ``N`` answered requests in ``emulator.requests`` and in the console's Sessions panel;
``emulator.dropped_requests`` and the console's ``dropped`` count the rest exactly. Sessions
are all kept (compactly: the memory figures are in ``benchmarks/bench_emulator_memory.py``).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import urllib3
from _support.chromium import Chromium, chromium_tab, wait_for
from _support.cli import SETTINGS_PREFIXES, TLS_PREFIXES, run, scrubbed_env, serving
from _support.emulator import FORM, make_token
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules.testing import Emulator
from opentok_rules.testing._emulator import DEFAULT_HISTORY, MAX_BODY_BYTES


@contextmanager
def keep_alive(emulator: Emulator) -> Iterator[http.client.HTTPConnection]:
    parts = urlsplit(emulator.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        yield connection
    finally:
        connection.close()


def send(connection: http.client.HTTPConnection, emulator: Emulator, location: str) -> int:
    """Create a session with ``location`` (``"bad"`` is refused with 400)."""
    body = urlencode({"location": location}).encode("ascii")
    headers = {"Content-Type": FORM, "X-OPENTOK-AUTH": make_token(emulator)}
    connection.request("POST", "/session/create", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.will_close:
        connection.close()  # a 400 closes it; the next request opens another
    return response.status


def sessions_answer(emulator: Emulator) -> Any:
    with urllib3.PoolManager(retries=False) as pool:
        return json.loads(pool.request("GET", emulator.url + "/console/api/sessions").data)


def location(number: int) -> str:
    return f"10.0.{number // 256}.{number % 256}"


def test_the_last_requests_are_kept_and_the_rest_counted() -> None:
    with Emulator(history=5) as emulator, keep_alive(emulator) as connection:
        statuses = [send(connection, emulator, location(n) if n % 4 else "bad") for n in range(12)]
        kept = emulator.requests
        assert len(kept) == 5
        assert emulator.dropped_requests == 7
        assert emulator.history == 5
        assert [request.status for request in kept] == statuses[-5:]
        assert [request.body for request in kept] == [
            urlencode({"location": location(n) if n % 4 else "bad"}).encode() for n in range(7, 12)
        ]
        # Sessions are all kept, whatever the history.
        created = [location(n) for n in range(12) if n % 4]
        assert [session.params["location"] for session in emulator.sessions] == created
        answer = sessions_answer(emulator)
    assert answer["history"] == 5
    assert answer["dropped"] == 7
    assert answer["last"] == 12
    assert [entry["seq"] for entry in answer["sessions"]] == [12, 11, 10, 9, 8]


def test_the_default_history_is_a_thousand_requests() -> None:
    assert DEFAULT_HISTORY == 1000
    with Emulator() as emulator, keep_alive(emulator) as connection:
        for number in range(1003):
            assert send(connection, emulator, location(number)) == 200
        assert emulator.history == 1000
        assert len(emulator.requests) == 1000
        assert emulator.dropped_requests == 3
        assert len(emulator.sessions) == 1003
        assert sessions_answer(emulator)["dropped"] == 3


def test_a_history_of_none_keeps_no_request_but_every_session() -> None:
    with Emulator(history=0) as emulator, keep_alive(emulator) as connection:
        for number in range(3):
            assert send(connection, emulator, location(number)) == 200
        assert emulator.requests == []
        assert emulator.dropped_requests == 3
        assert len(emulator.sessions) == 3
        assert sessions_answer(emulator)["sessions"] == []


def test_big_bodies_leave_the_history_before_it_passes_64_mib() -> None:
    with Emulator() as emulator:
        pool = urllib3.PoolManager(retries=False)
        big = b"x" * MAX_BODY_BYTES  # no token: refused with 403, recorded all the same
        sent = 70
        for _ in range(sent):
            assert pool.request("POST", emulator.url + "/session/create", body=big).status == 403
        kept = emulator.requests

    def size(request: Any) -> int:
        return len(request.body) + sum(len(k) + len(v) for k, v in request.headers.items())

    assert sum(size(request) for request in kept) <= 64 * 1024 * 1024
    assert sum(size(request) for request in kept) + MAX_BODY_BYTES > 64 * 1024 * 1024
    assert emulator.dropped_requests == sent - len(kept)
    assert all(request.body == big for request in kept)


@pytest.mark.parametrize("history", [-1, 1.5, True, "3", None])
def test_an_unusable_history_is_refused(history: object) -> None:
    with pytest.raises(ValueError, match="history"):
        Emulator(history=history)  # type: ignore[arg-type]


@settings(max_examples=examples(25), deadline=None)
@given(
    history=st.integers(min_value=0, max_value=6),
    refused=st.lists(st.booleans(), max_size=14),
)
def test_any_history_keeps_exactly_the_last_requests(history: int, refused: list[bool]) -> None:
    with Emulator(history=history) as emulator, keep_alive(emulator) as connection:
        sent = ["bad" if bad else location(number) for number, bad in enumerate(refused)]
        for text in sent:
            send(connection, emulator, text)
        kept = min(history, len(sent))
        assert len(emulator.requests) == kept
        assert emulator.dropped_requests == len(sent) - kept
        expected = [urlencode({"location": text}).encode() for text in sent[len(sent) - kept :]]
        assert [request.body for request in emulator.requests] == expected
        assert len(emulator.sessions) == refused.count(False)
        answer = sessions_answer(emulator)
        assert answer["dropped"] == len(sent) - kept
        assert len(answer["sessions"]) == kept


def test_the_command_takes_history() -> None:
    with serving("--no-policy", "--history", "2") as served:
        printed = served.printed
        url = printed["OPENTOK_API_URL"]
        with urllib3.PoolManager(retries=False) as pool:
            for _ in range(3):
                pool.request("POST", url + "/session/create", body=b"")  # 403: no token
            answer = json.loads(pool.request("GET", url + "/console/api/sessions").data)
    assert answer["history"] == 2
    assert answer["dropped"] == 1
    assert len(answer["sessions"]) == 2


@pytest.mark.parametrize("value", ["-1", "x", "1.5", "9" * 12])
def test_the_command_refuses_an_unusable_history(value: str) -> None:
    finished = run(
        "emulator", "--history", value, env=scrubbed_env(SETTINGS_PREFIXES + TLS_PREFIXES)
    )
    assert finished.returncode == 2
    assert "--history" in finished.stderr
    assert "whole number" in finished.stderr


@pytest.fixture(scope="module")
def browser(chromium: Chromium | None) -> Iterator[Chromium]:
    yield from chromium_tab(chromium, "the console's history test")


def test_the_console_page_says_how_many_were_dropped(browser: Chromium) -> None:
    with Emulator(history=2) as emulator, keep_alive(emulator) as connection:
        for number in range(3):
            assert send(connection, emulator, location(number)) == 200
        browser.load(emulator.console_url)
        said = wait_for(browser, "document.getElementById('sessions-dropped').textContent")
        rows = browser.evaluate("document.querySelectorAll('#sessions-body tr').length")
        # One more while the page is open: the oldest row leaves the page too.
        assert send(connection, emulator, location(3)) == 200
        later = wait_for(
            browser,
            "(() => { const t = document.getElementById('sessions-dropped').textContent;"
            " return t.includes('2 older') && t; })()",
        )
        rows_later = browser.evaluate("document.querySelectorAll('#sessions-body tr').length")
    assert said == (
        "Showing the last 2 requests: 1 older one was dropped "
        "(history: 2, set with history= or --history)."
    )
    assert rows == 2
    assert "2 older ones were dropped" in later
    assert rows_later == 2
