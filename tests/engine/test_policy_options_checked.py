"""Issue 29, item 2: a policy is checked against the options it talks about, at load.

``key``, ``keys`` and ``when`` keys must be options of the table's operation, and ``values`` and
``when`` values ones the option can hold after normalization; otherwise a PolicyError naming the
file, the rule, the field and the closest valid name or value. The library's own policy data
passes the same check. A pyproject's misspelt ``[tool.opentok_rules]`` is never ignored.
"""

from __future__ import annotations

import string
import sys
from pathlib import Path
from typing import Any

import pytest
from _support.cli import run_in as run
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.option_domains import option_domains
from opentok_rules.operations.archive.prepare import ARCHIVE_OPTION_KEYS, OutputMode, StreamMode
from opentok_rules.operations.session.rules import SESSION_OPTION_KEYS
from opentok_rules.operations.token.rules import CONTEXT_KEYS, TOKEN_OPTION_KEYS


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(otr.PolicyError) as caught:
        otr.load_policy(data)
    return str(caught.value)


# --- the examples, each caught at load ------------------------------------------------


@pytest.mark.parametrize(
    ("section", "table", "field", "hint"),
    [
        (
            "session",
            {"kind": "allowed", "key": "mediamode", "values": ["routed"]},
            "key",
            "did you mean 'media_mode'?",
        ),
        (
            "session",
            {"kind": "required", "keys": ["archive_name"], "when": {"archive_mod": "always"}},
            "when",
            "did you mean 'archive_mode'?",
        ),
        (
            "session",
            {"kind": "allowed", "key": "media_mode", "values": ["Routed"]},
            "values",
            'did you mean "routed"?',
        ),
        (
            "token",
            {"kind": "allowed", "key": "role", "values": ["publisher", "admin"]},
            "values",
            '"subscriber", "publisher", "publisheronly", "moderator"',
        ),
        (
            "session",
            {"kind": "forbidden", "keys": ["e2ee", "archive_nmae"]},
            "keys",
            "did you mean 'archive_name'?",
        ),
        (
            "session",
            {"kind": "allowed", "key": "e2ee", "values": ["true"]},
            "values",
            "true, false",
        ),
        (
            "session",
            {"kind": "forbidden", "keys": ["e2ee"], "when": {"archive_mode": "Always"}},
            "when",
            'did you mean "always"?',
        ),
        (
            "token",
            {"kind": "allowed", "key": "media_mode", "values": ["routed"]},
            "key",
            "the token options are role",
        ),
        (
            "archive",
            {"kind": "allowed", "key": "output_mode", "values": ["compose"]},
            "values",
            'did you mean "composed"?',
        ),
        (
            "archive",
            {"kind": "required", "keys": ["nmae"]},
            "keys",
            "did you mean 'name'?",
        ),
        (
            "archive",
            {"kind": "forbidden", "keys": ["resolution"], "when": {"layout_type": "bestfit"}},
            "when",
            'did you mean "bestFit"?',
        ),
    ],
)
def test_a_rule_on_an_option_or_value_that_cannot_be_is_refused(
    section: str, table: dict[str, Any], field: str, hint: str
) -> None:
    message = refusal({section: [{"id": "acme-x", **table}]})
    assert message.startswith(f"policy mapping: {section}[0] (id 'acme-x'): {field}: "), message
    assert hint in message


def test_the_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(
        '[[session]]\nid = "acme-routed"\nkind = "allowed"\nkey = "media_mode"\n'
        'values = ["Routed"]\n',
        encoding="utf-8",
    )
    message = refusal_at(path)
    assert message.startswith(f"{path}: session[0] (id 'acme-routed'): values: ")
    assert 'did you mean "routed"?' in message


def refusal_at(path: Path) -> str:
    with pytest.raises(otr.PolicyError) as caught:
        otr.load_policy(path)
    return str(caught.value)


def test_policy_check_says_it_in_one_line_with_exit_1(tmp_path: Path) -> None:
    (tmp_path / "opentok-rules.toml").write_text(
        '[[token]]\nid = "acme-roles"\nkind = "allowed"\nkey = "role"\n'
        'values = ["publisher", "admin"]\n',
        encoding="utf-8",
    )
    result = run("policy", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "token[0] (id 'acme-roles'): values: role never holds \"admin\"" in line
    # And check, create's offline twin, refuses to use it the same way.
    checked = run("check", "--media-mode", "routed", cwd=tmp_path)
    assert checked.returncode == 1
    assert "never holds" in checked.stderr


# --- what is accepted -------------------------------------------------------------------------


def test_the_library_policy_data_passes_the_same_check() -> None:
    # Every library registry is its package TOML loaded by this loader, check included.
    for registry in (
        otr.default_rules(),
        otr.strict_rules(),
        otr.default_token_rules(),
        otr.default_archive_rules(),
        otr.strict_archive_rules(),
    ):
        assert len(registry) > 0
    for tokens, strict in ((False, False), (False, True), (True, False)):
        text = _rules_toml(tokens=tokens, strict=strict)
        otr.load_policy(_toml(text))


def _rules_toml(*, tokens: bool, strict: bool) -> str:
    from opentok_rules.engine.policies import policy_toml

    if tokens:
        return policy_toml(otr.default_token_rules(), "token")
    return policy_toml(otr.strict_rules() if strict else otr.default_rules())


def _toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
        import tomli as tomllib
    data: dict[str, Any] = tomllib.loads(text)
    return data


def test_a_rule_before_known_keys_sees_every_key_and_raw_values() -> None:
    # Placed before the rule that drops unknown keys, a rule may name any key; placed before
    # the rule that normalizes an option, it sees the raw value, so any value is one.
    policy = otr.load_policy(
        {
            "session": [
                {"id": "raw-foo", "kind": "allowed", "key": "foo", "values": ["bar"]}
                | {"before": "known-keys"},
                {"id": "raw-mode", "kind": "allowed", "key": "media_mode"}
                | {"values": ["Routed", "routed"], "before": "media-mode"},
            ]
        }
    )
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session({"foo": "baz"}, rules=policy.rules)
    assert [v.rule for v in caught.value.violations] == ["raw-foo"]
    prepared = otr.prepare_session(media_mode="Routed", rules=policy.rules)
    assert [w.rule for w in prepared.warnings] == ["media-mode"]


# --- one table per operation, from the library's own names ------------------------------------


def test_the_domains_name_exactly_each_operations_options() -> None:
    assert tuple(option_domains("session")) == SESSION_OPTION_KEYS
    assert tuple(option_domains("token")) == (*TOKEN_OPTION_KEYS, *CONTEXT_KEYS)
    assert tuple(option_domains("archive")) == ARCHIVE_OPTION_KEYS
    assert option_domains("session")["media_mode"].values == ("routed", "relayed")
    assert option_domains("token")["role"].values == tuple(role.value for role in otr.Role)
    assert option_domains("archive")["output_mode"].values == tuple(m.value for m in OutputMode)
    assert option_domains("archive")["stream_mode"].values == tuple(m.value for m in StreamMode)
    assert option_domains("session")["archive_resolution"].values == otr.ARCHIVE_RESOLUTIONS


def test_every_value_a_domain_holds_is_one_the_session_rules_let_through() -> None:
    # A value the check accepts is one prepare_session can end with, so a rule on it can fire.
    for key, domain in option_domains("session").items():
        for value in domain.values or ():
            options: dict[str, Any] = {"media_mode": "routed", "archive_mode": "always"}
            options[key] = value
            if value in ("relayed", "manual") or value is True:
                options["archive_mode"] = "manual"  # what relayed media and e2ee need
            prepared = otr.prepare_session(options)
            assert prepared.spec.to_params()  # let through
            held = getattr(prepared.spec, key)
            assert (held.value if hasattr(held, "value") else held) == value


NAMES = st.text(alphabet=string.ascii_letters + "_-", min_size=1, max_size=20)


@settings(max_examples=examples(150), deadline=None)
@given(name=NAMES, section=st.sampled_from(["session", "token", "archive"]))
def test_any_name_loads_exactly_when_it_is_an_option(name: str, section: str) -> None:
    data = {section: [{"id": "acme-r", "kind": "forbidden", "keys": [name]}]}
    if name in option_domains(section):
        otr.load_policy(data)
    else:
        message = refusal(data)
        assert f"{section}[0] (id 'acme-r'): keys: {name!r} is not a {section} option" in message


@settings(max_examples=examples(150), deadline=None)
@given(
    value=st.one_of(st.text(max_size=12), st.booleans(), st.integers(-3, 3)),
    key=st.sampled_from(["media_mode", "archive_mode", "archive_resolution", "e2ee"]),
)
def test_any_value_loads_exactly_when_the_option_can_hold_it(value: Any, key: str) -> None:
    data = {"session": [{"id": "acme-v", "kind": "allowed", "key": key, "values": [value]}]}
    finite = option_domains("session")[key].values or ()
    if any(type(value) is type(each) and value == each for each in finite):
        otr.load_policy(data)
    else:
        assert "values: " + key + " never holds" in refusal(data)


@settings(max_examples=examples(60), deadline=None)
@given(text=st.text(max_size=30))
def test_free_text_options_take_any_text(text: str) -> None:
    otr.load_policy(
        {
            "session": [{"id": "a", "kind": "allowed", "key": "archive_name", "values": [text]}],
            "archive": [
                {"id": "b", "kind": "forbidden", "keys": ["max_bitrate"], "when": {"name": text}}
            ],
        }
    )


# --- the pyproject table's name ---------------------------------------------------------------


@pytest.mark.parametrize(
    "table", ["opentok_rules", "OpenTok-Rules", "opentok-rule", "opentokrules", "opentok.rules"]
)
def test_a_misspelt_pyproject_table_is_an_error_naming_the_right_one(
    tmp_path: Path, table: str
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[tool."{table}"]\nbase = "strict"\n', encoding="utf-8")
    for message in (refusal_at(pyproject), _found(tmp_path)):
        assert "[tool.opentok-rules]" in message
        assert table in message
    result = run("check", "--media-mode", "routed", cwd=tmp_path)
    assert result.returncode == 1
    assert "[tool.opentok-rules]" in result.stderr


def _found(folder: Path) -> str:
    with pytest.raises(otr.PolicyError) as caught:
        otr.find_policy(folder)
    return str(caught.value)


def test_other_tool_tables_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ruff]\nline-length = 100\n[tool.opentok]\nx = 1\n", encoding="utf-8"
    )
    assert otr.find_policy(tmp_path) is None
