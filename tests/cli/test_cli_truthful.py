"""The command line tells the truth about policies (issue 29, items 3 to 6), run as a process of
its own would run it (``_support.cli.run``): ``policy test``, ``policy check`` without FILE,
``check --explain``, ``create`` and ``token`` under the policy found, ``rules`` listing session
and token rules, messages in the user's own words, ``--media-mode``/``--archive-mode`` read
exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.api import ROUTED_ONLY_TOML
from _support.cli import emulator_env
from _support.cli import run_in as run
from _support.docs import shown_after
from _support.paths import ROOT
from _support.policies import MODERATORS_REFUSED, NAME_ARCHIVES, NO_MODERATORS
from hypothesis import given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.testing import Emulator

POLICY = (
    ROUTED_ONLY_TOML
    + NAME_ARCHIVES
    + 'message = "Name your archives; set archive_name."\n'
    + NO_MODERATORS
    + """
[[test]]
name = "routed passes"
session = { media_mode = "routed" }
expect = "accept"
"""
    + MODERATORS_REFUSED
)

FAILING = """
[[test]]
name = "relayed passes"
session = { media_mode = "relayed" }
expect = "accept"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder whose opentok-rules.toml holds the policy, with a subfolder to run in."""
    (tmp_path / "opentok-rules.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "src").mkdir()
    return tmp_path


# --- policy test, policy check ---


def test_policy_test_passes_and_finds_the_policy(project: Path) -> None:
    result = run("policy", "test", cwd=project / "src")
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == "PASS  routed passes: accepted, as expected"
    assert lines[1] == (
        "PASS  moderators are refused: refused by ['acme-no-moderators'], as expected"
    )
    assert lines[2].endswith("opentok-rules.toml: 2 passed, 0 failed")


def test_policy_test_exits_2_when_a_test_fails(project: Path) -> None:
    path = project / "opentok-rules.toml"
    path.write_text(POLICY + FAILING, encoding="utf-8")
    result = run("policy", "test", str(path), cwd=project)
    assert result.returncode == 2
    assert "FAIL  relayed passes: expected accepted; refused by ['acme-routed-only']" in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1].endswith("2 passed, 1 failed")
    as_json = json.loads(run("policy", "test", "--json", cwd=project).stdout)
    assert (as_json["passed"], as_json["failed"]) == (2, 1)
    assert as_json["tests"][2] == {
        "name": "relayed passes",
        "passed": False,
        "detail": as_json["tests"][2]["detail"],
        "operation": "session",
    }
    assert as_json["tests"][2]["detail"].startswith("expected accepted")


def test_policy_test_exits_1_for_an_unusable_policy(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('[[test]]\nname = "t"\nsession = {}\n', encoding="utf-8")
    result = run("policy", "test", "p.toml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert "p.toml: test[0] (name 't'): expect: is missing" in result.stderr
    nothing = run("policy", "test", cwd=tmp_path)
    assert nothing.returncode == 1
    assert "no policy file in" in nothing.stderr
    assert run("policy", "check", cwd=tmp_path).returncode == 1


def test_policy_check_finds_the_nearest_policy(project: Path) -> None:
    result = run("policy", "check", cwd=project / "src")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith(
        "opentok-rules.toml: ok: 14 session rules, 8 token rules, 2 tests\n"
    )
    summary = json.loads(run("policy", "check", "--json", cwd=project / "src").stdout)
    assert summary["tests"] == 2
    assert Path(summary["source"]) == (project / "opentok-rules.toml").resolve()


# --- check --explain ---


def test_check_explain_says_why_the_session_is_relayed(tmp_path: Path) -> None:
    (tmp_path / "options.json").write_text('{"media_mod": "routed"}', encoding="utf-8")
    result = run("check", "--no-policy", "--explain", "options.json", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    # Since issue 29 the drop is said: warned, and the warning on the line below.
    assert lines[0].split() == [
        "1.",
        "known-keys",
        "warned",
        "media_mod:",
        "'routed'",
        "->",
        "not",
        "given",
    ]
    assert "did you mean 'media_mode'?" in lines[1]
    del lines[1]
    assert lines[1].split() == [
        "2.",
        "media-mode",
        "changed",
        "media_mode:",
        "not",
        "given",
        "->",
        "'relayed'",
    ]
    assert lines[-1] == "accepted"
    assert len(lines) == len(otr.default_rules()) + 1


def test_check_explain_json_and_exit_code_of_a_refusal(project: Path) -> None:
    result = run("check", "--explain", "--json", "--media-mode", "relayed", cwd=project)
    assert result.returncode == 2
    shown = json.loads(result.stdout)
    assert [step["rule"] for step in shown["steps"]] == [
        *otr.default_rules().ids(),
        "acme-routed-only",
        "acme-name-archives",
    ]
    routed_only = shown["steps"][-2]
    assert routed_only["outcome"] == "refused"
    # The policy's own words, never reworded with flags.
    assert routed_only["violations"][0]["message"] == (
        "Acme sessions are routed; set media_mode='routed'."
    )
    assert routed_only["violations"][0]["flag"] == "--media-mode"
    assert shown["accepted"] is False
    assert shown["refused_by"] == ["acme-routed-only"]
    defaults = shown["steps"][2]
    assert defaults == {
        "rule": "archive-mode-default",
        "outcome": "changed",
        "changes": {"archive_mode": {"before": None, "after": "manual"}},
        "violations": [],
    }


# --- create and token under the policy ---


def test_create_and_token_obey_the_policy_found(project: Path, emulator: Emulator) -> None:
    env = emulator_env(emulator)
    checked = run("check", "--media-mode", "relayed", cwd=project / "src")
    created = run("create", "--media-mode", "relayed", cwd=project / "src", env=env)
    assert checked.returncode == created.returncode == 2
    assert created.stdout == ""
    assert created.stderr == (
        "opentok-rules: acme-routed-only: --media-mode: Acme sessions are routed; "
        "set media_mode='routed'.\n"
    )
    assert emulator.sessions == []  # refused before anything was sent
    # --no-policy: the library's rules alone; --policy FILE: that file.
    assert run("create", "--no-policy", cwd=project, env=env).returncode == 0
    other = project / "other.toml"
    other.write_text("", encoding="utf-8")
    assert run("create", "--policy", str(other), cwd=project, env=env).returncode == 0
    session_id = run("create", "--media-mode", "routed", cwd=project, env=env).stdout.strip()
    assert session_id.startswith(("1_", "2_"))
    refused = run("token", session_id, "--role", "moderator", cwd=project, env=env)
    assert refused.returncode == 2
    assert refused.stderr.startswith("opentok-rules: acme-no-moderators: --role: ")
    assert run("token", session_id, "--role", "subscriber", cwd=project, env=env).returncode == 0
    assert (
        run(
            "token", session_id, "--role", "moderator", "--no-policy", cwd=project, env=env
        ).returncode
        == 0
    )


def test_a_policy_that_cannot_be_used_stops_create(tmp_path: Path, emulator: Emulator) -> None:
    (tmp_path / "opentok-rules.toml").write_text("bsae = 'strict'\n", encoding="utf-8")
    result = run("create", cwd=tmp_path, env=emulator_env(emulator))
    assert (result.returncode, result.stdout) == (1, "")
    assert "unknown key 'bsae'; did you mean 'base'?" in result.stderr


# --- rules lists both, marked ---


def test_rules_lists_a_policys_session_and_token_rules(project: Path) -> None:
    listed = json.loads(
        run("rules", "--json", "--policy", "opentok-rules.toml", cwd=project).stdout
    )
    assert [(r["operation"], r["id"]) for r in listed] == [
        *(("session", i) for i in otr.default_rules().ids()),
        ("session", "acme-routed-only"),
        ("session", "acme-name-archives"),
        *(("token", i) for i in otr.default_token_rules().ids()),
        ("token", "acme-no-moderators"),
    ]
    text = run("rules", "--policy", "opentok-rules.toml", cwd=project).stdout.splitlines()
    assert text[0].split()[:3] == ["1.", "session", "known-keys"]
    assert text[-1].split()[:5] == [
        f"{len(listed)}.",
        "token",
        "acme-no-moderators",
        "allowed",
        "deny",
    ]
    tokens = json.loads(run("rules", "--tokens", "--json", cwd=project).stdout)
    assert {r["operation"] for r in tokens} == {"token"}


# --- messages in the user's own words ---


def test_options_from_a_file_are_named_as_the_file_names_them(tmp_path: Path) -> None:
    (tmp_path / "o.json").write_text(
        '{"media_mode": "relayed", "archive_mode": "always", "e2ee": true}', encoding="utf-8"
    )
    result = run("check", "--no-policy", "o.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "--" not in result.stderr.replace("opentok-rules:", ""), result.stderr
    assert "archive_mode 'always' needs media_mode 'routed'" in result.stderr
    # The same options as flags are named as flags.
    flags = run(
        "check", "--no-policy", "--media-mode", "relayed", "--archive-mode", "always", cwd=tmp_path
    )
    assert "--archive-mode 'always' needs --media-mode 'routed'" in flags.stderr
    # A file and a flag together: messages about the file's options keep the file's keys.
    mixed = run(
        "check", "--strict", "-", "--archive-mode", "always", cwd=tmp_path, stdin='{"junk": 1}'
    )
    assert mixed.returncode == 2
    assert (
        "the options are media_mode, location, archive_mode, archive_name, archive_resolution, "
        "e2ee.\n"
    ) in mixed.stderr


def test_a_policys_message_is_never_reworded(project: Path) -> None:
    (project / "o.json").write_text('{"media_mode": "routed", "archive_mode": "always"}')
    from_file = run("check", "o.json", cwd=project)
    assert from_file.returncode == 0
    assert from_file.stderr == (
        "opentok-rules: warning: acme-name-archives: archive_name: Name your archives; "
        "set archive_name.\n"
    )
    from_flags = run("check", "--media-mode", "routed", "--archive-mode", "always", cwd=project)
    assert from_flags.stderr == (
        "opentok-rules: warning: acme-name-archives: --archive-name: Name your archives; "
        "set archive_name.\n"
    )


# --- the flags read exactly; a file gets the library's decision ---


def test_a_flag_in_another_case_is_a_usage_error_a_file_gets_the_librarys_decision(
    tmp_path: Path,
) -> None:
    flag = run("check", "--no-policy", "--media-mode", "ROUTED", cwd=tmp_path)
    assert (flag.returncode, flag.stdout) == (2, "")
    assert "invalid choice: 'ROUTED'; did you mean 'routed'?" in flag.stderr
    archive = run("check", "--no-policy", "--archive-mode", "alwys", cwd=tmp_path)
    assert "did you mean 'always'?" in archive.stderr
    from_stdin = run("check", "--no-policy", "-", cwd=tmp_path, stdin='{"media_mode": "ROUTED"}')
    assert from_stdin.returncode == 0
    decided = otr.prepare_session({"media_mode": "ROUTED"})
    assert json.loads(from_stdin.stdout)["spec"]["media_mode"] == decided.spec.media_mode.value


# --- the command line reference shows what the commands print ---

DOCS = ROOT / "docs"


@pytest.mark.parametrize(
    "command",
    [
        "opentok-rules check --no-policy --explain typo.json",
        "opentok-rules policy check acme.toml",
        "opentok-rules check --media-mode rooted",
    ],
)
def test_the_cli_page_shows_what_the_commands_print(command: str) -> None:
    words = command.split()[1:]
    result = run(*words, cwd=DOCS / "examples" / "policies")
    printed = (result.stderr + result.stdout).splitlines()
    shown = shown_after("cli.rst", command)
    if shown[0].startswith("usage: "):
        # The page abbreviates argparse's usage lines to their start.
        assert printed[0].startswith(shown[0].removesuffix(" ..."))
        assert printed[-1] == shown[-1]
    else:
        assert printed == shown


def test_the_cli_page_shows_the_end_of_policy_test() -> None:
    result = run("policy", "test", "acme.toml", cwd=DOCS / "examples" / "policies")
    shown = shown_after("cli.rst", "opentok-rules policy test acme.toml | tail -2")
    assert result.stdout.splitlines()[-2:] == shown


# --- the exact choices, for any text ---


@given(st.text(max_size=20))
def test_an_exact_choice_takes_only_its_values(text: str) -> None:
    import argparse

    from opentok_rules.cli._choices import exact_choice

    read = exact_choice(["routed", "relayed"])
    if text in ("routed", "relayed"):
        assert read(text) == text
        return
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        read(text)
    message = str(caught.value)
    assert message.startswith(f"invalid choice: {text!r}")
    assert message.endswith("(choose from routed, relayed, as written)")
    if text.strip().casefold() in ("routed", "relayed"):
        assert f"did you mean {text.strip().casefold()!r}?" in message
