"""The regular expressions the schema exports read alike in Python and ECMA-262."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
import sys
import warnings

import pytest
from _support.properties import examples
from _support.regex import atoms, sequences
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


#: Atomic groups and possessive quantifiers came with Python 3.11; before it the pattern kind
#: refuses them as bad regular expressions, and the export must still name them.
SINCE_311 = {"(?>a)", "a*+"}


@pytest.mark.parametrize(("pattern", "named"), sorted(REFUSED.items()))
def test_other_syntax_is_reported_with_where_and_why(pattern: str, named: str) -> None:
    if pattern not in SINCE_311 or sys.version_info >= (3, 11):
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


@settings(max_examples=examples(500))
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
@settings(max_examples=examples(20), deadline=None)
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


# --- Any pattern the check lets through reads alike: patterns from the core's grammar, and
# random strings of regex syntax that Python compiles and the check accepts ---

LITERALS = st.sampled_from([*"abcxz019 -é,", "\\.", "\\*", "\\(", "\\]", "\\n", "\\u00e9"])
CLASS_ITEMS = st.sampled_from(["a-c", "x", "0-9", "\\]", "\\-", "é", "\\n", " ", "z"])


def core_patterns() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        sequence, alternation = sequences(inner)
        group = st.builds(
            lambda kind, body: f"({kind}{body})", st.sampled_from(["", "?:"]), alternation
        )
        look = st.builds(
            lambda kind, body: f"({kind}{body})", st.sampled_from(["?=", "?!"]), alternation
        )
        # A group is at most optional: a repeated group of repeated atoms backtracks for ages
        # in either engine ("(a*)*" on "aaaa...b"), which says nothing about the dialects.
        repeated = st.builds(
            lambda atom, quantifier: atom + quantifier, group, st.sampled_from(["", "?", "??"])
        )
        return st.one_of(repeated, look, sequence)

    return st.recursive(atoms(LITERALS, CLASS_ITEMS), extend, max_leaves=6).map(
        lambda body: ("^" if body.startswith("a") else "") + body
    )


# Pieces of regex syntax, shared or not, strung together at random.
SOUP = (
    st.lists(
        st.sampled_from(
            [
                *"ab|()[]{}^$*+?-,0123:=!",
                ".",
                "\\d",
                "\\s",
                "\\w",
                "\\b",
                "\\n",
                "\\-",
                "(?:",
                "(?=",
            ]
        ),
        max_size=8,
    )
    .map("".join)
    .filter(lambda pattern: not re.search(r"[*+}?]\)*[*+{]", pattern))  # no repeated repetition
)
TEXTS = st.text(alphabet=[*"abcxz019 -é,.*()]\n\r\u2028", "\U0001f600"], max_size=8)


def python_core(pattern: str) -> bool:
    """Whether Python compiles ``pattern`` (without warnings) and the check lets it through."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(pattern)
        except (re.error, FutureWarning, DeprecationWarning):
            return False
    return unshared(pattern) is None


NODE_BATCH = r"""
const [patterns, texts] = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(patterns.map(p => ["", "u"].map(flags => {
  let re;
  try { re = new RegExp(p, flags); } catch (e) { return "error: " + e.message; }
  return texts.map(t => re.test(t));
}))));
"""


# Characters on which the dialects' classes and anchors differ, put into matching texts.
TRICKY = ["\n", "\r", "\u2028", "\u0661", "é", "\U0001f600", " ", "\x1c", "\x85", "\ufeff"]


@pytest.mark.skipif(NODE is None, reason="needs node, to run the patterns in an ECMA-262 engine")
@settings(max_examples=examples(30), deadline=None)
@given(
    st.lists(core_patterns(), min_size=1, max_size=12),
    st.lists(SOUP, min_size=1, max_size=40),
    st.lists(TEXTS, min_size=1, max_size=20),
    st.data(),
)
def test_whatever_the_check_accepts_reads_alike(
    core: list[str], soup: list[str], texts: list[str], data: st.DataObject
) -> None:
    assert NODE is not None
    for pattern in core:
        assert python_core(pattern), (pattern, unshared(pattern))
    bodies = core + [pattern for pattern in soup if python_core(pattern)]
    # Texts each pattern matches (in Python), and the same with a tricky character put in
    # at each place, or in place of each character.
    for body in bodies:
        for text in data.draw(st.lists(st.from_regex(body, fullmatch=True), max_size=2)):
            texts += [text, text + "\n"]
            for where in range(min(len(text), 12) + 1):
                for tricky in TRICKY:
                    texts += [text[:where] + tricky + text[where:]]
                    texts += [text[:where] + tricky + text[where + 1 :]]
    result = subprocess.run(
        [NODE, "-e", NODE_BATCH],
        input=json.dumps([[whole_value(body) for body in bodies], texts]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    # JSON Schema asks for ECMA-262 with the "u" flag (draft 2020-12, core section 6.4): there
    # the verdicts are Python's on every text. An engine without it reads a character outside
    # the Basic Multilingual Plane as two (so "[^a]" matches half of one): there the verdicts
    # are Python's on every text without such a character.
    narrow = [all(ord(char) <= 0xFFFF for char in text) for text in texts]
    for body, (plain, unicode) in zip(bodies, json.loads(result.stdout), strict=True):
        python = [re.fullmatch(body, text) is not None for text in texts]
        assert unicode == python, body
        assert [v for v, ok in zip(plain, narrow, strict=True) if ok] == [
            v for v, ok in zip(python, narrow, strict=True) if ok
        ], body
