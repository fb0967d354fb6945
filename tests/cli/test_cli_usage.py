"""What every command shares: ``--version``, usage errors, one line of help per flag, the
short-secret warning, and quiet ends.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from _support.cli import (
    Outcome,
    run,
    run_process,
)

import opentok_rules
from opentok_rules.session_ids import make_session_id


def test_version() -> None:
    # The entry point itself, in a process of its own: python -m opentok_rules.
    result = run_process("--version")

    assert result.returncode == 0
    assert result.stdout == f"opentok-rules {opentok_rules.__version__}\n"


def test_no_command_is_a_usage_error() -> None:
    result = run()

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: opentok-rules")
    assert "COMMAND" in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run("destroy")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "invalid choice: 'destroy'" in result.stderr


def test_unknown_flag_is_a_usage_error() -> None:
    result = run("check", "--media-mode", "routed", "--colour", "blue")

    assert result.returncode == 2
    # "blue" is taken for check's OPTIONS_FILE; the unknown flag is what is refused.
    assert "unrecognized arguments: --colour" in result.stderr


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("check", ["--media-mode {routed,relayed}", "--archive-mode {manual,always}"]),
        ("check", ["--archive-resolution {640x480,480x640,1280x720,720x1280,1920x1080,1080x1920}"]),
        ("create", ["--media-mode {routed,relayed}", "--timeout SECONDS", "--deadline SECONDS"]),
        ("token", ["--role {subscriber,publisher,publisheronly,moderator}", "--type {JWT,T1}"]),
        ("token", ["--application-id UUID", "--private-key PATH"]),
        ("emulator", ["--vonage"]),
        ("demo", ["--vonage", "--json"]),
    ],
)
def test_help_lists_the_choices(
    cli: Callable[..., Outcome], command: str, expected: list[str]
) -> None:
    code, out, _ = cli(command, "--help")

    assert code == 0
    flat = " ".join(out.split())
    for text in expected:
        assert text in flat


def _subcommand_actions() -> Iterator[tuple[str, argparse.Action]]:
    from opentok_rules.cli import _parser

    [commands] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name, parser in commands.choices.items():
        for action in parser._actions:
            yield name, action


def test_every_flag_has_one_line_of_help() -> None:
    actions = list(_subcommand_actions())

    assert len(actions) > 40
    for command, action in actions:
        assert action.help, f"{command} {action.option_strings} has no help"
        assert "\n" not in action.help
        rendered = action.help % {"default": action.default, "prog": "x"}
        assert len(rendered) <= 100, f"{command} {action.option_strings}: help too long"


def test_a_long_secret_gives_no_warning(cli: Callable[..., Outcome]) -> None:
    code, _, err = cli(
        "token", make_session_id("123456"), OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20
    )

    assert (code, err) == (0, "")


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # As `opentok-rules rules | head -0`: nobody reads the pipe, so every write fails (EPIPE).
    # Buffered as in a user's shell (PYTHONUNBUFFERED, set on some CI machines, would make the
    # first write fail at once and hide a failure that only shows at the exit flush).
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    try:
        process = subprocess.run(
            [sys.executable, "-m", "opentok_rules", "rules"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert process.returncode == 141
    assert process.stderr == b""
