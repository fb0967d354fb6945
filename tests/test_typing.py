"""The keyword options are visible to type checkers: mypy reports wrong calls, and only those."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "data" / "typing"

# Run as `python -m mypy` with this interpreter: a mypy elsewhere on PATH would check
# another environment's opentok_rules, or none.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason='mypy is not installed (pip install -e ".[dev]")',
)


CHECKED = ("wrong_calls.py", "right_calls.py")


@pytest.fixture(scope="module")
def mypy_errors() -> dict[str, dict[int, str]]:
    """File name -> line number -> mypy's message, for every error mypy reports in the case
    files, all checked in one run (most of a run is reading the standard library's stubs)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir=/dev/null",
            "--config-file=/dev/null",
            "--python-version=3.10",
            *(str(CASES / name) for name in CHECKED),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors: dict[str, dict[int, str]] = {name: {} for name in CHECKED}
    for line in result.stdout.splitlines():
        # mypy prints the path relative to the working directory when it can.
        found = re.match(r"(?:.*/)?([\w.]+\.py):(\d+): error: (.*)", line)
        if found:
            assert found[1] in errors, line
            errors[found[1]].setdefault(int(found[2]), found[3])
    # 0: no error; 1: errors found (which the tests compare). Anything else, or "No module
    # named mypy", is a broken run, not an answer.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Success" in result.stdout or "error:" in result.stdout, result.stdout + result.stderr
    return errors


def test_every_wrong_call_is_reported(mypy_errors: dict[str, dict[int, str]]) -> None:
    source = (CASES / "wrong_calls.py").read_text().splitlines()
    wrong = {number for number, text in enumerate(source, 1) if text.endswith("# wrong")}
    assert len(wrong) == 12
    assert set(mypy_errors["wrong_calls.py"]) == wrong


def test_right_calls_are_not_reported(mypy_errors: dict[str, dict[int, str]]) -> None:
    assert mypy_errors["right_calls.py"] == {}
