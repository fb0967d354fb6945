"""The console takes any token: out-of-range numbers are a 400, hostile claim names are claims.

A JWT whose header or claims hold ``1e999`` (which Python reads as infinity, and no JSON answer
can carry) is bad input: a ``400`` with a message, never a ``500`` or a logged traceback. The
same number in the body of ``/console/api/try`` is a ``400`` too (the docs: "NaN and Infinity
included"). Claims named after what every JavaScript object inherits (``constructor``,
``toString``, ``__proto__``) are shown in the Token panel as the claims they are; the page is
driven in headless Chromium, as in ``test_emulator_browser.py``.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from _support.chromium import Chromium, chromium_tab, wait_for
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opentok_rules.testing import Emulator

# Number literals JSON allows whose value is beyond a double: Python reads them as +-inf.
HUGE = st.builds(
    lambda sign, mantissa, exponent, marker: f"{sign}{mantissa}{marker}{exponent}",
    st.sampled_from(["", "-"]),
    st.sampled_from(["1", "9.5", "0.1", "123456"]),
    st.integers(min_value=400, max_value=10**6),
    st.sampled_from(["e", "E", "e+", "E+"]),
)
# A placeholder leaf, replaced in the JSON text by a huge number literal.
SLOT = "\x00slot\x00"
KEYS = st.text(max_size=8).filter(lambda key: key != SLOT)
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES | st.just(SLOT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner),
    max_leaves=6,
)
# What every JavaScript object inherits, by name: each must read as the token's own claim.
INHERITED_NAMES = [
    "constructor",
    "toString",
    "__proto__",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__defineGetter__",
    "__lookupGetter__",
]


def b64(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode("utf-8")).rstrip(b"=").decode("ascii")


def jwt_of(header: str, claims: str) -> str:
    """An unsigned-looking JWT with exactly this header and claims text."""
    return f"{b64(header)}.{b64(claims)}.c2lnbmF0dXJl"


def post(emulator: Emulator, path: str, body: bytes) -> tuple[int, Any]:
    parts = urlsplit(emulator.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def inspect(emulator: Emulator, token: str) -> tuple[int, Any]:
    return post(emulator, "/console/api/token", json.dumps({"token": token}).encode("utf-8"))


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


# --- Over HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["header", "claims"])
def test_a_jwt_holding_1e999_is_a_400_not_a_traceback(
    emulator: Emulator, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    header, claims = '{"alg": "HS256", "typ": "JWT"}', '{"exp": 1700000000}'
    if where == "header":
        header = '{"alg": "HS256", "typ": "JWT", "x": 1e999}'
    else:
        claims = '{"exp": 1e999}'
    with caplog.at_level(logging.DEBUG, logger="opentok_rules"):
        status, answer = inspect(emulator, jwt_of(header, claims))
    assert status == 400
    assert answer["code"] == 400
    assert f"the token's {where}" in answer["message"]
    assert "1e999" in answer["message"]
    assert not [record for record in caplog.records if record.exc_info]


def test_1e999_in_a_try_body_is_a_400(emulator: Emulator) -> None:
    status, answer = post(emulator, "/console/api/try", b'{"archive_name": -1E+999}')
    assert status == 400
    assert "-1E+999" in answer["message"]
    assert "finite number" in answer["message"]


@settings(
    max_examples=examples(80),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    header=st.dictionaries(KEYS, JSON_VALUES, max_size=4),
    claims=st.dictionaries(KEYS, JSON_VALUES, max_size=4),
    huge=HUGE,
)
def test_any_token_is_read_or_refused_with_a_400_never_a_500(
    emulator: Emulator, header: dict[str, Any], claims: dict[str, Any], huge: str
) -> None:
    header_text = json.dumps(header).replace(json.dumps(SLOT), huge)
    claims_text = json.dumps(claims).replace(json.dumps(SLOT), huge)
    status, answer = inspect(emulator, jwt_of(header_text, claims_text))
    holds_huge = header_text != json.dumps(header) or claims_text != json.dumps(claims)
    if holds_huge:
        assert status == 400, answer
        assert "beyond the range of a double" in answer["message"]
    else:
        assert status == 200, answer
        assert answer["readable"] is True
        assert answer["claims"] == json.loads(claims_text)
        assert answer["header"] == json.loads(header_text)


@given(huge=HUGE)
@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_out_of_range_number_in_a_try_body_is_a_400(emulator: Emulator, huge: str) -> None:
    body = f'{{"media_mode": "routed", "archive_name": [{huge}]}}'.encode("ascii")
    status, answer = post(emulator, "/console/api/try", body)
    assert status == 400
    assert answer["code"] == 400


def test_inherited_names_are_plain_claims_in_the_answer(emulator: Emulator) -> None:
    claims = {name: f"value of {name}" for name in INHERITED_NAMES}
    status, answer = inspect(emulator, jwt_of('{"alg": "HS256"}', json.dumps(claims)))
    assert status == 200
    assert answer["claims"] == claims
    assert answer["dates"] == {}


# --- Through the page, in Chromium -----------------------------------------------------------


@pytest.fixture(scope="module")
def browser(chromium: Chromium | None) -> Iterator[Chromium]:
    yield from chromium_tab(chromium, "the console's token panel test")


def paste(browser: Chromium, token: str) -> None:
    """Paste ``token`` into the Token panel and submit it, clearing the last result first."""
    browser.evaluate(
        f"""(() => {{
          document.getElementById('token-result').replaceChildren();
          document.getElementById('token-input').value = {json.dumps(token)};
          document.getElementById('token-submit').click();
          return true;
        }})()"""
    )


def shown_claims(browser: Chromium) -> dict[str, str]:
    """The Token panel's claims, name to the text shown, once it shows them."""
    shown: dict[str, str] = wait_for(
        browser,
        "(() => { const rows = [...document.querySelectorAll('#token-result dd[data-claim]')];"
        " const error = document.querySelector('#token-result .error');"
        " if (error) return {'<error>': error.textContent};"
        " return rows.length && Object.fromEntries(rows.map(r => [r.dataset.claim,"
        " r.textContent])); })()",
    )
    return shown


def test_the_panel_shows_claims_named_constructor_tostring_and_proto(
    browser: Chromium,
) -> None:
    claims: dict[str, Any] = {"constructor": 1, "toString": "two", "__proto__": [3]}
    claims["exp"] = 1700000000
    with Emulator() as emulator:
        browser.load(emulator.console_url)
        wait_for(browser, "document.getElementById('token-submit')")
        paste(browser, jwt_of('{"alg": "HS256"}', json.dumps(claims)))
        shown = shown_claims(browser)
    assert shown == {
        "constructor": "1",
        "toString": "two",
        "__proto__": "[3]",
        "exp": "1700000000  (2023-11-14 22:13:20 UTC)",
    }


def test_the_panel_shows_the_400_for_a_token_holding_1e999(browser: Chromium) -> None:
    with Emulator() as emulator:
        browser.load(emulator.console_url)
        wait_for(browser, "document.getElementById('token-submit')")
        paste(browser, jwt_of('{"alg": "HS256"}', '{"exp": 1e999}'))
        shown = shown_claims(browser)
    assert list(shown) == ["<error>"]
    assert "claims hold the number 1e999" in shown["<error>"]


def not_a_time(name: str) -> bool:
    """Whether ``name`` is no time claim (those are shown with a date beside the number)."""
    return name not in ("iat", "nbf", "exp", "create_time", "expire_time")


@pytest.fixture(scope="module")
def page_emulator(browser: Chromium) -> Iterator[Emulator]:
    with Emulator() as emulator:
        browser.load(emulator.console_url)
        wait_for(browser, "document.getElementById('token-submit')")
        yield emulator


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.dictionaries(
        st.sampled_from(INHERITED_NAMES) | st.text(min_size=1, max_size=10).filter(not_a_time),
        st.text(max_size=10) | st.integers(-1000, 1000),
        min_size=1,
        max_size=5,
    )
)
def test_the_panel_shows_every_claim_whatever_its_name(
    browser: Chromium, page_emulator: Emulator, claims: dict[str, Any]
) -> None:
    paste(browser, jwt_of('{"alg": "HS256"}', json.dumps(claims)))
    shown = shown_claims(browser)
    expected = {name: str(value) for name, value in claims.items()}
    assert shown == expected
