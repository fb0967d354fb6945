"""The command line with policies (API.md section 7), end to end in a temporary directory:
``check`` with an options file or stdin, ``--policy`` / ``--no-policy`` and discovery,
``rules`` with kind, severity and source, and ``policy check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.api import ROUTED_ONLY_TOML
from _support.cli import run

import opentok_rules

POLICY = (
    ROUTED_ONLY_TOML
    + """

[[session]]
id = "acme-network"
kind = "network"
key = "location"
networks = ["10.0.0.0/8"]
severity = "warn"

[[token]]
id = "acme-two-hours"
kind = "max_ttl"
seconds = 7200
"""
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose pyproject.toml holds the policy, and a subfolder to run in."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "acme"\n\n'
        + POLICY.replace("[[session]]", "[[tool.opentok-rules.session]]").replace(
            "[[token]]", "[[tool.opentok-rules.token]]"
        ),
        encoding="utf-8",
    )
    (tmp_path / "src" / "acme").mkdir(parents=True)
    return tmp_path


def test_check_finds_the_pyproject_policy_from_a_subfolder(project: Path) -> None:
    sub = project / "src" / "acme"
    (sub / "options.json").write_text('{"media_mode": "relayed"}', encoding="utf-8")
    refused = run("check", "options.json", cwd=sub)
    assert refused.returncode == 2
    assert refused.stderr == (
        "opentok-rules: acme-routed-only: media_mode: Acme sessions are routed; "
        "set media_mode='routed'.\n"
    )
    # Flags override the file; the warn rule reports on stderr and the exit code stays 0.
    warned = run(
        "check", "options.json", "--media-mode", "routed", "--location", "1.2.3.4", cwd=sub
    )
    assert warned.returncode == 0, warned.stderr
    assert warned.stderr == (
        "opentok-rules: warning: acme-network: --location: --location must be an address in "
        "10.0.0.0/8; got '1.2.3.4'\n"
    )
    assert json.loads(warned.stdout)["params"]["location"] == "1.2.3.4"
    # Without the policy: the library's rules alone.
    assert run("check", "options.json", "--no-policy", cwd=sub).returncode == 0


def test_check_reads_options_on_stdin(project: Path) -> None:
    result = run(
        "check", "-", cwd=project, stdin='{"media_mode": "routed", "location": "10.0.0.7"}'
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["spec"]["location"] == "10.0.0.7"
    # Options from the file are named as the file names them (no flag was given).
    warned = run("check", "-", cwd=project, stdin='{"media_mode": "routed", "location": "8.8.8.8"}')
    assert warned.stderr == (
        "opentok-rules: warning: acme-network: location: location must be an address in "
        "10.0.0.0/8; got '8.8.8.8'\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"media_mode": "routed",\n  "e2ee": tru}', "(at line 2, column 11)"),
        ("", "Expecting value (at line 1, column 1)"),
        ('["routed"]', 'must hold a JSON object of options such as {"media_mode": "routed"}'),
    ],
)
def test_a_bad_options_file_is_exit_1_with_line_and_column(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "options.json").write_text(text, encoding="utf-8")
    result = run("check", "options.json", "--no-policy", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("opentok-rules: error: options.json: ")
    assert expected in result.stderr


def test_a_missing_options_file(tmp_path: Path) -> None:
    result = run("check", "nope.json", "--no-policy", cwd=tmp_path)
    assert result.returncode == 1
    assert "nope.json: cannot be read: No such file or directory" in result.stderr


def test_an_explicit_policy_and_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "bad.toml").write_text("[[session]]\nid = 'x'\nkind = 'alowed'\n", encoding="utf-8")
    assert (
        run("check", "--policy", "acme.toml", "--media-mode", "relayed", cwd=tmp_path).returncode
        == 2
    )
    bad = run("check", "--policy", "bad.toml", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr == (
        "opentok-rules: error: bad.toml: session[0] (id 'x'): kind: unknown kind 'alowed'; "
        "did you mean 'allowed'?\n"
    )
    broken = tmp_path / "broken" / "opentok-rules.toml"
    broken.parent.mkdir()
    broken.write_text("base = \n", encoding="utf-8")
    found = run("check", cwd=broken.parent)  # a discovered policy that is broken: exit 1 too
    assert found.returncode == 1
    assert "is not valid TOML" in found.stderr
    assert "(at line 1, column 8)" in found.stderr
    both = run("check", "--policy", "acme.toml", "--no-policy", cwd=tmp_path)
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
    strict = run("check", "--policy", "acme.toml", "--strict", cwd=tmp_path)
    assert strict.returncode == 2
    assert "--strict picks the library's strict rules and --policy a policy's" in strict.stderr
    # --strict alone: the library's strict rules, whatever policy is found (as for schema).
    (tmp_path / "opentok-rules.toml").write_text(POLICY, encoding="utf-8")
    alone = run("check", "--strict", "--media-mode", "relayed", cwd=tmp_path)
    assert (alone.returncode, alone.stderr) == (0, "")


def test_rules_show_kind_severity_and_source(project: Path) -> None:
    sub = project / "src" / "acme"
    listed = run("rules", "--json", cwd=sub)
    assert listed.returncode == 0, listed.stderr
    listed_rules = json.loads(listed.stdout)
    pyproject = str((project / "pyproject.toml").resolve())
    # A policy's session rules, then its token rules, each marked (issue 29).
    session_count = len(opentok_rules.default_rules()) + 2
    rules = listed_rules[:session_count]
    assert {r["operation"] for r in rules} == {"session"}
    assert [r["id"] for r in listed_rules[session_count:]] == [
        *opentok_rules.default_token_rules().ids(),
        "acme-two-hours",
    ]
    assert {r["operation"] for r in listed_rules[session_count:]} == {"token"}
    assert [r["id"] for r in rules] == [
        *opentok_rules.default_rules().ids(),
        "acme-routed-only",
        "acme-network",
    ]
    assert rules[-2:] == [
        {
            "id": "acme-routed-only",
            "description": "media_mode is one of routed",
            "kind": "allowed",
            "severity": "deny",
            "source": pyproject,
            "operation": "session",
        },
        {
            "id": "acme-network",
            "description": "location lies in 10.0.0.0/8",
            "kind": "network",
            "severity": "warn",
            "source": pyproject,
            "operation": "session",
        },
    ]
    assert {r["source"] for r in rules[:-2]} == {None}
    text = run("rules", cwd=sub).stdout.splitlines()
    assert text[session_count - 1].split() == [
        "14.",
        "session",
        "acme-network",
        "network",
        "warn",
        *["location", "lies", "in", "10.0.0.0/8"],
        "(from",
        pyproject + ")",
    ]
    assert text[-1].split()[:3] == [f"{len(listed_rules)}.", "token", "acme-two-hours"]
    tokens = json.loads(run("rules", "--tokens", "--json", cwd=sub).stdout)
    assert tokens[-1]["id"] == "acme-two-hours"
    assert tokens[-1]["kind"] == "max_ttl"
    plain = json.loads(run("rules", "--json", "--no-policy", cwd=sub).stdout)
    assert [r["id"] for r in plain] == list(opentok_rules.default_rules().ids())


def test_policy_check(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(POLICY, encoding="utf-8")
    ok = run("policy", "check", "acme.toml", cwd=tmp_path)
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout == "acme.toml: ok: 14 session rules, 8 token rules\n"
    summary = json.loads(run("policy", "check", "acme.toml", "--json", cwd=tmp_path).stdout)
    assert summary["token_rules"][-1] == "acme-two-hours"
    (tmp_path / "cycle.toml").write_text("extend = 'cycle.toml'\n", encoding="utf-8")
    bad = run("policy", "check", "cycle.toml", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.startswith("opentok-rules: error: cycle.toml: extend: extends itself")
    missing = run("policy", "check", "nope.toml", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        1,
        "opentok-rules: error: nope.toml: no such policy file\n",
    )


def test_rules_source_of_the_token_rules_is_a_usage_error(tmp_path: Path) -> None:
    # Only the session pass is compiled; asking for the token rules' source says so.
    result = run("rules", "--tokens", "--source", "--no-policy", cwd=tmp_path)
    assert result.returncode == 2
    assert "token rules run as a loop" in result.stderr
