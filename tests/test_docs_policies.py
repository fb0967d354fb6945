"""docs/policies.rst: every policy file it shows loads and does what the page says, the
example script prints what the page shows, and the errors and command lines shown are what
the library and the command line really say."""

from __future__ import annotations

import re
import runpy
import shlex
import time
from pathlib import Path
from typing import Any

import pytest
from _support.cli import run

import opentok_rules as otr
from opentok_rules import ValidationError
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import generate_token

DOCS = Path(__file__).parents[1] / "docs"
PAGE = (DOCS / "policies.rst").read_text(encoding="utf-8")
POLICIES = DOCS / "examples" / "policies"
BROKEN = POLICIES / "broken"
API_KEY, API_SECRET = "123456", "0123456789abcdef0123456789abcdef01234567"


def refused_by(options: dict[str, Any], rules: otr.RuleRegistry) -> list[str]:
    try:
        otr.prepare_session(options, rules=rules)
    except ValidationError as exc:
        return [v.rule for v in exc.violations]
    return []


def token_refused_by(rules: otr.RuleRegistry, **options: Any) -> list[str]:
    try:
        generate_token(API_KEY, API_SECRET, make_session_id(API_KEY), rules=rules, **options)
    except ValidationError as exc:
        return [v.rule for v in exc.violations]
    return []


def code_blocks(kind: str) -> list[list[str]]:
    """The lines of each ``.. code-block:: kind`` of the page, in order."""
    blocks = []
    for match in re.finditer(rf"^\.\. code-block:: {kind}\n\n((?:   .*\n|\n)+)", PAGE, re.M):
        lines = [line[3:] for line in match.group(1).rstrip("\n").splitlines()]
        blocks.append(lines)
    return blocks


def test_every_policy_file_shown_is_included_and_loads() -> None:
    shown = set(re.findall(r"literalinclude:: examples/policies/(\S+\.toml)", PAGE))
    files = {p.relative_to(POLICIES).as_posix() for p in POLICIES.rglob("*.toml")}
    assert shown == {f for f in files if not f.startswith("broken/")}
    for name in shown:
        otr.load_policy(POLICIES / name)


def test_the_five_house_rules(caplog: pytest.LogCaptureFixture) -> None:
    policy = otr.load_policy(POLICIES / "acme.toml")
    rules, token_rules = policy.rules, policy.token_rules
    good = {"media_mode": "routed", "location": "10.2.3.4"}
    assert refused_by(good, rules) == []
    # 1. routed only
    assert refused_by({**good, "media_mode": "relayed"}, rules) == ["acme-routed-only"]
    # 2. archives named acme-*
    always = {**good, "archive_mode": "always"}
    assert refused_by({**always, "archive_name": "acme-ops-standup"}, rules) == []
    assert refused_by({**always, "archive_name": "Standup"}, rules) == ["acme-archive-names"]
    # 3. locations inside the network
    assert refused_by({**good, "location": "192.168.1.1"}, rules) == []
    assert refused_by({**good, "location": "8.8.8.8"}, rules) == ["acme-locations"]
    # 4. tokens live two hours at most
    now = int(time.time())
    assert token_refused_by(token_rules, expire_time=now + 3600) == []
    assert token_refused_by(token_rules, expire_time=now + 3 * 3600) == ["acme-two-hours"]
    assert token_refused_by(token_rules) == ["acme-two-hours"]  # a day by default
    # 5. a warning, not a refusal
    warned = otr.prepare_session(always, rules=rules)
    assert [(w.rule, w.severity) for w in warned.warnings] == [("acme-name-your-archives", "warn")]


def test_one_rule_of_every_kind() -> None:
    policy = otr.load_policy(POLICIES / "kinds.toml")
    kinds = {getattr(rule, "kind", None) for rule in [*policy.rules, *policy.token_rules]}
    assert {"required", "forbidden", "allowed", "pattern", "length", "network", "max_ttl"} <= kinds
    rules = policy.rules
    good = {"media_mode": "routed", "location": "10.0.0.9"}
    assert refused_by(good, rules) == []
    assert refused_by({"media_mode": "routed"}, rules) == ["location-given"]
    always = {**good, "archive_mode": "always", "archive_name": "weekly"}
    assert refused_by({**always, "archive_resolution": "1280x720"}, rules) == [
        "no-resolution-pinning"
    ]
    assert refused_by({**good, "media_mode": "relayed"}, rules) == ["routed-only"]
    named = {**good, "archive_mode": "always"}
    assert refused_by({**named, "archive_name": "weekly"}, rules) == []
    assert refused_by({**named, "archive_name": "Weekly"}, rules) == ["archive-names"]
    assert refused_by({**named, "archive_name": "ab"}, rules) == ["short-archive-names"]
    assert refused_by({**good, "location": "11.0.0.9"}, rules) == ["office-locations"]
    token_rules = policy.token_rules
    now = int(time.time())
    assert token_refused_by(token_rules, expire_time=now + 3600, role="subscriber") == []
    assert token_refused_by(token_rules, expire_time=now + 3601) == ["one-hour-tokens"]
    assert token_refused_by(token_rules, expire_time=now + 60, role="moderator") == [
        "no-moderators"
    ]


def test_the_example_script_prints_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(DOCS / "examples" / "policies.py"), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    shown = [line for block in code_blocks("text") for line in block]
    assert printed == shown


def run_cli(command: str, cwd: Path) -> tuple[int, list[str]]:
    words = shlex.split(command)
    assert words[0] == "opentok-rules"
    result = run(*words[1:], cwd=cwd)
    return result.returncode, (result.stderr + result.stdout).splitlines()


@pytest.mark.parametrize("session", code_blocks("console"), ids=lambda block: block[0])
def test_the_command_lines_shown_say_what_they_say(session: list[str]) -> None:
    code = 0
    expected: list[str] = []
    commands: list[tuple[str, list[str]]] = []
    for line in session:
        if line.startswith("$ "):
            expected = []
            commands.append((line[2:], expected))
        else:
            expected.append(line)
    for command, lines in commands:
        if command.startswith("cat "):
            assert (POLICIES / command[4:]).read_text().splitlines() == lines
        elif command == "echo $?":
            assert lines == [str(code)]
        else:
            code, printed = run_cli(command, POLICIES)
            assert printed == lines, command


def test_the_errors_shown_are_the_errors_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    messages = []
    for path in sorted(BROKEN.glob("*.toml")):
        with pytest.raises(otr.PolicyError) as caught:
            otr.load_policy(path.name)
        messages.append(str(caught.value))
    assert (BROKEN / "errors.txt").read_text(encoding="utf-8").splitlines() == messages
