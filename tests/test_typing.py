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


def mypy_errors(path: Path) -> dict[int, str]:
    """Line number -> mypy's message, for every error mypy reports in ``path``."""
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
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors: dict[int, str] = {}
    for line in result.stdout.splitlines():
        # mypy prints the path relative to the working directory when it can.
        found = re.match(rf"(?:.*/)?{re.escape(path.name)}:(\d+): error: (.*)", line)
        if found:
            errors.setdefault(int(found[1]), found[2])
    # 0: no error; 1: errors found (which the caller compares). Anything else, or "No module
    # named mypy", is a broken run, not an answer.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Success" in result.stdout or "error:" in result.stdout, result.stdout + result.stderr
    return errors


def test_every_wrong_call_is_reported() -> None:
    source = (CASES / "wrong_calls.py").read_text().splitlines()
    wrong = {number for number, text in enumerate(source, 1) if text.endswith("# wrong")}
    assert len(wrong) == 12
    assert set(mypy_errors(CASES / "wrong_calls.py")) == wrong


def test_right_calls_are_not_reported() -> None:
    assert mypy_errors(CASES / "right_calls.py") == {}
