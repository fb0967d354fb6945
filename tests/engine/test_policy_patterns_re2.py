"""Policy patterns run with RE2: linear in the text whatever the pattern, refused by name when
RE2 cannot run them, and judged as the JSON Schema export says (issue 28, item 1)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from _support.policies import refusal
from _support.properties import examples
from _support.regex import atoms, sequences
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine._regex import unshared


def pattern_policy(pattern: str, key: str = "archive_name") -> otr.Policy:
    return otr.load_policy(
        {"session": [{"id": "p", "kind": "pattern", "key": key, "pattern": pattern}]}
    )


def verdict(policy: otr.Policy, text: str) -> bool:
    """Whether the pattern rule lets ``text`` through (run alone, as a registry runs it)."""
    return policy.rules.get("p").apply({"archive_name": text}) == ()


# The figures: (a+)+b took 2.98 s at 24 characters with Python's re (doubling every
# two more), [a-z]+[a-z0-9]+-x 1.15 s at 20,000. Here they are given 100,000 and 1,000,000
# characters: a backtracking engine would not finish in the age of the universe, RE2 takes
# milliseconds. The child process is only there so that a regression fails (on the timeout)
# instead of hanging the suite; the bound is not a speed goal (benchmarks/ has those).
LINEAR = textwrap.dedent(
    """
    import opentok_rules as otr
    policy = otr.load_policy({"session": [
        {"id": "nested", "kind": "pattern", "key": "archive_name", "pattern": "(a+)+b"},
        {"id": "overlap", "kind": "pattern", "key": "location", "pattern": "[a-z]+[a-z0-9]+-x"},
    ]})
    options = {"archive_name": "a" * 100_000 + "c", "location": "a" * 1_000_000,
               "media_mode": "routed", "archive_mode": "always"}
    found = {v.rule for v in policy.rules.apply(dict(options))}
    assert {"nested", "overlap"} <= found, found
    try:
        otr.prepare_session(options, rules=policy.rules)   # the compiled pass, too
    except otr.ValidationError as exc:
        assert {"nested", "overlap"} <= {v.rule for v in exc.violations}
    else:
        raise AssertionError("accepted")
    print("refused")
    """
)


def test_catastrophic_patterns_finish_on_huge_texts() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LINEAR], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        ("(a)\\1", "a backreference \\1"),
        ("(?P<n>a)(?P=n)", "named backreference"),
        ("a(?=b)", "a lookahead (?=...)"),
        ("a(?!b)", "a negative lookahead (?!...)"),
        ("(?<=a)b", "a lookbehind (?<=...)"),
        ("(?<!a)b", "a negative lookbehind (?<!...)"),
        ("(?(1)a|b)", "a conditional group"),
        ("a*+", "a possessive or repeated quantifier"),
        ("a{1001}", "a repetition count above 1000"),
        ("abc\\Z", "\\Z (RE2 writes the end of the text as \\z)"),
        ("caf\\u00e9", "\\uHHHH"),
        # A verbose pattern over several lines, as TOML's ''' strings invite: RE2 has no
        # verbose mode, and the error says how to write it instead.
        ("(?x)\n  [a-z]+   # a word\n  -[0-9]+  # a number\n", "verbose mode (?x)"),
    ],
)
def test_a_pattern_re2_cannot_run_is_a_policy_error_naming_the_construct(
    tmp_path: Path, pattern: str, named: str, capfd: pytest.CaptureFixture[str]
) -> None:
    body = pattern.replace("'''", "")
    path, message = refusal(
        tmp_path,
        f"[[session]]\nid = 'p'\nkind = 'pattern'\nkey = 'archive_name'\npattern = '''{body}'''\n",
    )
    assert message.startswith(f"{path}: session[0] (id 'p'): pattern: ")
    assert named in message
    assert "RE2" in message
    # RE2's C++ logger is off: the refusal is the exception, nothing is written to stderr.
    assert capfd.readouterr().err == ""


def test_a_mistake_in_a_pattern_says_where_as_before() -> None:
    with pytest.raises(otr.PolicyError, match="missing \\), unterminated subpattern at position 5"):
        pattern_policy("acme-(.*")


def test_re2_is_imported_only_for_a_policy_with_a_pattern() -> None:
    code = textwrap.dedent(
        """
        import sys
        import opentok_rules as otr
        otr.prepare_session(media_mode="routed")
        otr.load_policy({"session": [{"id": "a", "kind": "allowed", "key": "location",
                                      "values": ["1.2.3.4"]}]})
        assert "re2" not in sys.modules
        otr.load_policy({"session": [{"id": "p", "kind": "pattern", "key": "archive_name",
                                      "pattern": "[a-z]+"}]})
        assert "re2" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_dollar_is_the_very_end_of_the_text() -> None:
    # Python's $ also matches before a final newline ("a$\n" fullmatches "a\n"); RE2's, as
    # ECMA-262's, does not.
    assert not verdict(pattern_policy("a$\n"), "a\n")
    assert verdict(pattern_policy("a$"), "a")
    assert not verdict(pattern_policy("a$"), "a\n")


def test_a_lone_surrogate_is_one_character_as_in_python() -> None:
    assert verdict(pattern_policy("[^a]"), "\ud800")
    assert not verdict(pattern_policy("[a-z]+"), "ab\ud800")
    assert verdict(pattern_policy("ab[^x]"), "ab\udfff")


# --- The export agrees with the engine: core patterns (what the JSON Schema export writes,
# read alike by Python and ECMA-262, see test_regex_dialects) get RE2's verdict from the
# exported pattern, on texts made to tell them apart ---

LITERALS = st.sampled_from([*"abcxz019 -é,", "\\.", "\\*", "\\(", "\\]", "\\n", "\\x41", "\\v"])
CLASS_ITEMS = st.sampled_from(["a-c", "x", "0-9", "\\]", "\\-", "é", "\\n", " ", "z", "\\x7f"])


def core_patterns() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        sequence, alternation = sequences(inner)
        group = st.builds(
            lambda kind, body, quantifier: f"({kind}{body}){quantifier}",
            st.sampled_from(["", "?:"]),
            alternation,
            st.sampled_from(["", "?", "??"]),  # no repeated groups: Python would backtrack
        )
        return group | sequence

    return st.recursive(atoms(LITERALS, CLASS_ITEMS), extend, max_leaves=6).map(
        lambda body: ("^" if body.startswith("a") else "") + body + ("$" if "b" in body else "")
    )


TRICKY = ["\n", "\r", "\u2028", "\u0661", "é", "\U0001f600", " ", "\x1c", "\x85", "\ud800"]
TEXTS = st.text(alphabet=[*"abcxz019 -é,.*()]A\x0b\x7f", *TRICKY], max_size=8)


def exported_pattern(policy: otr.Policy) -> str | None:
    schema = otr.to_json_schema(policy.rules)
    if "p" in schema.get("x-unexpressed", []):
        return None
    (part,) = [each for each in schema["allOf"] if each.get("x-rule-id") == "p"]
    found = patterns_in(part)
    assert len(found) == 1, found
    return found[0]


def patterns_in(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["pattern"]] if isinstance(schema.get("pattern"), str) else []
        return own + [each for value in schema.values() for each in patterns_in(value)]
    if isinstance(schema, list):
        return [each for value in schema for each in patterns_in(value)]
    return []


# costly: each example loads a policy of its own (checked, its pattern compiled by RE2).
@settings(max_examples=examples(200, costly=True), deadline=None)
@given(core_patterns(), st.lists(TEXTS, max_size=12), st.data())
def test_the_exported_pattern_gives_the_engines_verdict(
    body: str, texts: list[str], data: st.DataObject
) -> None:
    assert unshared(body) is None, (body, unshared(body))
    policy = pattern_policy(body)
    exported = exported_pattern(policy)
    assert exported is not None
    texts += data.draw(st.lists(st.from_regex(body, fullmatch=True), max_size=3))
    texts += [text + tricky for text in texts[-3:] for tricky in TRICKY]
    for text in texts:
        # jsonschema (and a JSON Schema validator in Python) tests the pattern with re.search;
        # test_regex_dialects shows ECMA-262 gives the same verdicts on core patterns.
        assert verdict(policy, text) is (re.search(exported, text) is not None), (body, text)
        assert verdict(policy, text) is (re.fullmatch(body, text) is not None), (body, text)


SOUP = st.lists(
    st.sampled_from(
        [*"ab|()[]{}^$*+?-,0123:=!<>P", ".", "\\d", "\\s", "\\w", "\\b", "\\n", "\\1", "(?:", "(?="]
    ),
    max_size=10,
).map("".join)


# costly: each example loads a policy of its own (checked, its pattern compiled by RE2).
@settings(max_examples=examples(300, costly=True), deadline=None)
@given(SOUP, st.lists(TEXTS, max_size=6))
def test_any_pattern_loads_or_is_refused_and_core_ones_judge_as_python(
    pattern: str, texts: list[str]
) -> None:
    policy: otr.Policy | None = None
    problem = ""
    try:
        policy = pattern_policy(pattern)
    except otr.PolicyError as exc:
        problem = str(exc)
    if policy is None:
        assert problem.startswith("policy mapping: session[0] (id 'p'): pattern: ")
        return
    for text in texts:
        verdict(policy, text)  # never raises
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except re.error:
            return  # RE2's own syntax (such as a{,3}): not in the export
    if unshared(pattern) is None and not re.search(r"[*+}?]\)*[*+{]|\)[*+{]", pattern):
        for text in texts:
            assert verdict(policy, text) is (re.fullmatch(pattern, text) is not None)
