"""The README's test command runs every test, and CI runs it as written (issue 20, item 8).

A newcomer's first test run used to skip 118 tests (the asyncio clients' and the Vonage
backend's) for want of aiohttp and cryptography, without saying how to run them.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_test_command() -> str:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert block is not None, "the README opens with a sh block of commands"
    (command,) = [line for line in block[1].splitlines() if "pytest" in line]
    return command


def extras_of(command: str) -> set[str]:
    match = re.search(r'-e "\.\[([^\]]*)\]"', command)
    assert match is not None, command
    return set(match[1].split(","))


def test_the_readme_test_command_installs_the_extras_the_tests_need() -> None:
    command = readme_test_command()
    assert command.endswith("&& python -m pytest")
    declared = configparser.ConfigParser()
    declared.read(ROOT / "setup.cfg", encoding="utf-8")
    extras = set(declared["options.extras_require"])
    # Every extra a test imports (skipping without it), and no tool-only ones (lint, docs).
    assert extras_of(command) == {"test", "async", "vonage"}
    assert extras_of(command) <= extras


def test_ci_runs_the_readme_test_command_exactly() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    runs = [line.replace(" --quiet", "") for line in lines if line.endswith("python -m pytest")]
    assert readme_test_command() in runs
