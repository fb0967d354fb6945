"""The regular expressions the schema exports read alike in Python and ECMA-262."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine._regex import ipv4_network, number_range, unshared, whole_value

SHARED = [
    "",
    "abc",
    "abc$",
    "^abc",
    "[a-z][a-z0-9-]*",
    "[-a-c]+",
    "[^\\n]*",
    "(?:ab|c)+x?",
    "a{2}b{1,}c{0,3}?",
    "(a|)(?=b)b",
    "(?!x)[a-z]{2,4}",
    "[\\]\\[]+",
    "\\.\\*\\+\\?\\(\\)\\{\\}\\|\\/\\\\",
    "\\x41\\u00e9[\\u0100-\\u017f]",
    "\\n\\t\\r\\f\\v",
    "\\s".replace("\\s", "[ \\t]"),
    "caf\u00e9",
]

REFUSED = {
    ".": "'.'",
    "a$b": "'$'",
    "(a$)": "'$'",
    "\\d+": "\\d",
    "\\w": "\\w",
    "\\s": "\\s",
    "\\bword": "\\b",
    "\\Aabc\\Z": "\\A",
    "(a)\\1": "backreference",
    "(?P<name>a)": "(?P",
    "(?i)abc": "(?i",
    "(?<=a)b": "(?<",
    "(?>a)": "(?>",
    "a{,3}": "quantifier",
    "a*+": "possessive",
    "a{": "quantifier",
    "a}": "'}'",
    "a]": "']'",
    "[]a]": "']' first",
    "[a-c-e]": "'-'",
    "[a[b]": "'['",
    "[a&&b]": "'&&'",
    "\\-": "\\-",
    "\U0001f600": "Basic Multilingual Plane",
    "\\ud800": "surrogate",
    "^(?=a)*": "assertion",
}


@pytest.mark.parametrize("pattern", SHARED)
def test_shared_patterns_are_accepted(pattern: str) -> None:
    re.compile(pattern)
    assert unshared(pattern) is None


@pytest.mark.parametrize(("pattern", "named"), sorted(REFUSED.items()))
def test_other_syntax_is_reported_with_where_and_why(pattern: str, named: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "[a&&b]": possible set operation
        re.compile(pattern)  # a valid Python pattern, as the pattern kind has checked
    problem = unshared(pattern)
    assert problem is not None
    assert named in problem


@given(st.integers(0, 999), st.integers(0, 999), st.integers(0, 1200))
def test_number_range_is_the_range_without_leading_zeros(low: int, high: int, n: int) -> None:
    low, high = min(low, high), max(low, high)
    regex = re.compile(number_range(low, high))
    assert (regex.fullmatch(str(n)) is not None) is (low <= n <= high)
    assert regex.fullmatch(f"0{n}") is None


def test_number_range_0_255_is_every_octet() -> None:
    regex = re.compile(number_range(0, 255))
    assert [n for n in range(1000) if regex.fullmatch(str(n))] == list(range(256))


addresses = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
networks = st.builds(
    lambda address, prefix: ipaddress.IPv4Network(f"{address}/{prefix}", strict=False),
    addresses,
    st.integers(0, 32),
)


@settings(max_examples=500)
@given(networks, addresses, st.sampled_from(["\n", " ", "\n\n", ".0"]))
def test_ipv4_network_matches_what_ipaddress_puts_in_the_network(
    network: ipaddress.IPv4Network, address: ipaddress.IPv4Address, noise: str
) -> None:
    regex = re.compile(whole_value(ipv4_network(network)))
    text = str(address)
    assert (regex.search(text) is not None) is (address in network)
    inside = str(network.network_address)
    assert regex.search(inside)
    assert regex.search(inside + noise) is None


def test_a_policy_pattern_outside_the_core_is_listed_with_its_reason() -> None:
    policy = otr.load_policy(
        {
            "session": [
                {"id": "digits", "kind": "pattern", "key": "archive_name", "pattern": "\\d+"},
                {"id": "v6", "kind": "network", "key": "location", "networks": ["2001:db8::/32"]},
                {"id": "fine", "kind": "pattern", "key": "archive_name", "pattern": "[0-9]+"},
            ]
        }
    )
    schema = otr.to_json_schema(policy.rules)
    assert schema["x-unexpressed"] == ["digits", "v6"]
    assert "\\d" in schema["x-unexpressed-reasons"]["digits"]
    assert "IPv6" in schema["x-unexpressed-reasons"]["v6"]
    assert "fine" in [part["x-rule-id"] for part in schema["allOf"]]


NODE = shutil.which("node")
NODE_CHECK = r"""
const [patterns, texts] = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(patterns.map(p => [new RegExp(p), new RegExp(p, "u")].map(
  re => texts.map(t => re.test(t))))));
"""


@pytest.mark.skipif(NODE is None, reason="needs node, to run the patterns in an ECMA-262 engine")
@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcx-z019.\n\r\t\u2028é[]{}()*+?|/\\ A\u0100\U0001f600", max_size=8),
        min_size=1,
        max_size=80,
    )
)
def test_shared_patterns_give_pythons_fullmatch_verdict_in_ecma_262(texts: list[str]) -> None:
    assert NODE is not None
    patterns = [whole_value(p) for p in SHARED]
    result = subprocess.run(
        [NODE, "-e", NODE_CHECK],
        input=json.dumps([patterns, texts]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for body, (plain, unicode) in zip(SHARED, json.loads(result.stdout), strict=True):
        python = [re.fullmatch(body, text) is not None for text in texts]
        assert plain == python, body
        assert unicode == python, body
