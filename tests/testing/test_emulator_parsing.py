"""The emulator's own parsing of hostile input: raw bytes over a socket, tokens with odd claims.

Every test talks to a real emulator on 127.0.0.1. The HTTP tests send bytes no client
library would (two ``Content-Length`` headers, a request pipelined behind a malformed one)
and read back exactly what came over the wire, so a smuggled second answer cannot hide.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest
from _support.emulator import (  # PyJWT writes NaN and Infinity as JSON's literals
    make_token,
    vonage_token,
)
from _support.properties import examples
from _support.raw_http import RawAnswer, send_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules.testing import Emulator
from opentok_rules.testing._auth import MAX_TOKEN_LIFETIME_SECONDS, token_problem
from opentok_rules.testing._params import MAX_FIELDS, FormError, parse_form

FORM = "application/x-www-form-urlencoded"
HEX = b"0123456789abcdefABCDEF"
ROUTED = b"p2p.preference=disabled"


def request(
    emulator: Emulator,
    body: bytes = ROUTED,
    *,
    length: str | None = None,
    extra_headers: str = "",
    token: str | None = None,
    close: bool = False,
) -> bytes:
    """One create request as raw bytes, with a correct ``Content-Length`` unless given.

    ``close`` asks the server to close after answering, so that reading its one answer does
    not wait out the reader's idle time.
    """
    token = make_token(emulator) if token is None else token
    if close:
        extra_headers += "Connection: close\r\n"
    declared = str(len(body)) if length is None else length
    head = (
        f"POST /session/create HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        f"Content-Type: {FORM}\r\nX-OPENTOK-AUTH: {token}\r\n"
        f"Content-Length: {declared}\r\n{extra_headers}\r\n"
    )
    return head.encode("ascii") + body


def message(answer: RawAnswer) -> str:
    assert answer.headers["content-type"] == "application/json"
    parsed = json.loads(answer.body)
    assert parsed["code"] == answer.status
    text: str = parsed["message"]
    return text


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


# --- HTTP framing --------------------------------------------------------------------------


def test_pipelined_good_requests_are_each_answered(emulator: Emulator) -> None:
    # The control for the tests below: this reader does see a second answer when there is one.
    data = request(emulator) + request(emulator, close=True)
    transcript = send_raw(emulator.url, data)
    assert [answer.status for answer in transcript.answers] == [200, 200]
    assert len(emulator.sessions) == 2


def test_conflicting_content_lengths_are_refused_and_nothing_is_smuggled(
    emulator: Emulator,
) -> None:
    smuggled = request(emulator, b"p2p.preference=enabled")
    body = ROUTED + smuggled
    data = request(
        emulator, body, length=str(len(ROUTED)), extra_headers=f"Content-Length: {len(body)}\r\n"
    )

    transcript = send_raw(emulator.url, data)

    [answer] = transcript.answers
    assert answer.status == 400
    assert "2 Content-Length headers" in message(answer)
    assert answer.headers["connection"] == "close"
    assert transcript.closed
    assert emulator.sessions == []
    assert [recorded.status for recorded in emulator.requests] == [400]


def test_equal_duplicate_content_lengths_are_refused_too(emulator: Emulator) -> None:
    data = request(emulator, extra_headers=f"Content-Length: {len(ROUTED)}\r\n")
    transcript = send_raw(emulator.url, data + request(emulator))
    assert [answer.status for answer in transcript.answers] == [400]
    assert transcript.closed
    assert emulator.sessions == []


def _bad_request(kind: str, emulator: Emulator) -> bytes:
    makers: dict[str, Callable[[], bytes]] = {
        "params the service refuses": lambda: request(emulator, b"p2p.preference=maybe"),
        "malformed form": lambda: request(emulator, b"a=%%%"),
        "repeated field": lambda: request(emulator, b"e2ee=true&e2ee=false"),
        "non-numeric Content-Length": lambda: request(emulator, length="12abc"),
        "Content-Length list": lambda: request(emulator, length=f"{len(ROUTED)}, {len(ROUTED)}"),
        "bad request line": lambda: b"POST /session/create HTTP/1.1 extra\r\n\r\n",
    }
    return makers[kind]()


@pytest.mark.parametrize(
    "kind",
    [
        "params the service refuses",
        "malformed form",
        "repeated field",
        "non-numeric Content-Length",
        "Content-Length list",
        "bad request line",
    ],
)
def test_after_a_400_the_connection_is_closed_unread(emulator: Emulator, kind: str) -> None:
    transcript = send_raw(emulator.url, _bad_request(kind, emulator) + request(emulator))

    [answer] = transcript.answers
    assert answer.status == 400
    assert answer.headers["connection"] == "close"
    assert transcript.closed
    assert emulator.sessions == []  # the good request behind it was never read


def test_an_unknown_path_with_an_unreadable_body_is_closed_too(emulator: Emulator) -> None:
    bad = request(emulator, length="x").replace(b"/session/create", b"/nowhere")
    transcript = send_raw(emulator.url, bad + request(emulator))
    assert [answer.status for answer in transcript.answers] == [404]
    assert transcript.closed
    assert emulator.sessions == []


def test_other_refusals_keep_the_connection(emulator: Emulator) -> None:
    # A 403 comes after the whole request was read: the next one starts in a known place.
    data = request(emulator, token="not-a.jwt.at-all") + request(emulator, close=True)
    transcript = send_raw(emulator.url, data)
    assert [answer.status for answer in transcript.answers] == [403, 200]
    assert len(emulator.sessions) == 1


# --- Forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "offset"),
    [(b"a=%%%", 2), (b"location=%4", 9), (b"p2p.preference=disabled&archiveName=50%", 38)],
)
def test_malformed_percent_encoding_is_refused_with_a_reason(
    emulator: Emulator, body: bytes, offset: int
) -> None:
    [answer] = send_raw(emulator.url, request(emulator, body, close=True)).answers
    assert answer.status == 400
    text = message(answer)
    assert f"'%' at byte {offset} is not followed by two hex digits" in text
    assert "%25" in text
    assert emulator.sessions == []


def test_a_form_with_too_many_fields_says_so(emulator: Emulator) -> None:
    fields = [f"f{number}=x" for number in range(MAX_FIELDS + 1)]
    [answer] = send_raw(
        emulator.url, request(emulator, "&".join(fields).encode(), close=True)
    ).answers
    assert answer.status == 400
    assert message(answer) == (
        f"request body has {MAX_FIELDS + 1} fields; a create-session form takes at most "
        f"{MAX_FIELDS}"
    )


def test_a_form_with_the_most_fields_is_taken(emulator: Emulator) -> None:
    fields = [f"f{number}=x" for number in range(MAX_FIELDS - 1)] + ["p2p.preference=disabled"]
    [answer] = send_raw(
        emulator.url, request(emulator, "&".join(fields).encode(), close=True)
    ).answers
    assert answer.status == 200


@given(st.binary(max_size=300))
def test_any_body_is_a_form_or_a_form_error(body: bytes) -> None:
    escapes = [body[i + 1 : i + 3] for i in range(len(body)) if body[i : i + 1] == b"%"]
    well_escaped = all(len(e) == 2 and all(c in HEX for c in e) for e in escapes)
    try:
        fields = parse_form(body)
    except FormError as error:
        message = str(error)
    else:
        # Whatever is taken is well escaped and re-encodes to the same fields.
        assert well_escaped
        assert parse_form(urlencode(fields).encode()) == fields
        return
    assert message.startswith(("request body", "request body has")) or "more than once" in message


@given(
    st.text(alphabet="abcdefxyz019=&", max_size=30),
    st.text(alphabet="ghijklmnopqrstuvwxyz=&%", max_size=2),
    st.text(alphabet="abcdef", max_size=30),
)
def test_a_percent_without_two_hex_digits_is_always_refused(
    before: str, after_percent: str, rest: str
) -> None:
    # The first character after the "%" is never a hex digit, or the "%" ends the body.
    body = f"{before}%{after_percent}{rest if after_percent else ''}".encode()
    with pytest.raises(FormError, match=f"'%' at byte {len(before)} "):
        parse_form(body)


def test_well_escaped_values_round_trip() -> None:
    value = "50% off & more = ✓"
    assert parse_form(f"archiveName={quote(value)}".encode()) == {"archiveName": value}


# --- Token times ---------------------------------------------------------------------------

NOW = int(time.time())
BAD_OPENTOK_CLAIMS: dict[str, dict[str, Any]] = {
    "iat NaN": {"iat": math.nan},
    "iat -Infinity": {"iat": -math.inf},
    "iat Infinity": {"iat": math.inf},
    "exp NaN": {"exp": math.nan},
    "exp Infinity": {"exp": math.inf},
    "exp 10**20": {"exp": 10**20},
    "exp 10**400 (no float can hold it)": {"exp": 10**400},
    "iat -10**400": {"iat": -(10**400)},
    "exp 1e308": {"exp": 1e308},
    "exp a numeric string": {"exp": str(NOW + 300)},
    "iat a numeric string": {"iat": str(NOW)},
    "exp an array": {"exp": [NOW + 300]},
    "exp true": {"exp": True},
    "iat before 1970": {"iat": -1},
    "nbf NaN": {"nbf": math.nan},
    "exp just past the bound": {"exp": NOW + MAX_TOKEN_LIFETIME_SECONDS + 3600},
}


@pytest.mark.parametrize("kind", list(BAD_OPENTOK_CLAIMS))
def test_absurd_token_times_are_forbidden_on_opentok(emulator: Emulator, kind: str) -> None:
    token = make_token(emulator, **BAD_OPENTOK_CLAIMS[kind])
    [answer] = send_raw(emulator.url, request(emulator, token=token, close=True)).answers
    assert answer.status == 403
    claim = next(iter(BAD_OPENTOK_CLAIMS[kind]))
    assert f"token {claim} claim must be" in message(answer)
    assert emulator.sessions == []


def test_a_token_within_the_bound_is_taken(emulator: Emulator) -> None:
    token = make_token(emulator, exp=int(time.time()) + MAX_TOKEN_LIFETIME_SECONDS - 3600)
    assert (
        send_raw(emulator.url, request(emulator, token=token, close=True)).answers[0].status == 200
    )


@pytest.fixture(scope="module")
def vonage() -> Iterator[Emulator]:
    pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")
    with Emulator(backend="vonage") as running:
        yield running


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": str(NOW + 900)},
        {"iat": math.nan},
        {"iat": -math.inf},
        {"exp": 10**20},
        {"exp": math.inf},
        {"nbf": math.nan},
    ],
    # Not the values: the first holds the time of collection, which differs between workers.
    ids=[
        "exp-a-numeric-string",
        "iat-nan",
        "iat-minus-infinity",
        "exp-1e20",
        "exp-infinity",
        "nbf-nan",
    ],
)
def test_absurd_token_times_are_unauthorized_on_vonage(
    vonage: Emulator, claims: dict[str, Any]
) -> None:
    before = len(vonage.sessions)
    authorization = f"Authorization: Bearer {vonage_token(vonage, **claims)}\r\n"
    data = request(vonage, token="unused", extra_headers=authorization, close=True)
    [answer] = send_raw(vonage.url, data).answers
    assert answer.status == 401
    assert f"token {next(iter(claims))} claim must be" in message(answer)
    assert len(vonage.sessions) == before


TIME_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.integers(min_value=NOW - 86400 * 365, max_value=NOW + 86400 * 60),
)


@settings(max_examples=examples(200))
@given(iat=TIME_VALUES, exp=TIME_VALUES, nbf=st.one_of(st.just(...), TIME_VALUES))
def test_any_time_claims_get_a_verdict_and_only_sane_ones_pass(
    iat: object, exp: object, nbf: object
) -> None:
    secret = "s" * 40
    claims: dict[str, Any] = {"iss": "12345678", "ist": "project", "iat": iat, "exp": exp}
    if nbf is not ...:
        claims["nbf"] = nbf
    token = jwt.encode(claims, secret, algorithm="HS256")
    now = time.time()

    problem = token_problem(token, api_key="12345678", api_secret=secret)

    if problem is None:
        for name in ("iat", "exp", "nbf"):
            value = claims.get(name, 0)
            assert type(value) in (int, float)
            assert math.isfinite(value)
            assert 0 <= value <= now + MAX_TOKEN_LIFETIME_SECONDS + 5
        assert claims["exp"] > now - 5
