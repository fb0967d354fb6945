"""Every script in docs/examples/ runs without raising: the documented examples are tested.

Each script asserts its own outcome (what it shows being accepted or refused), so a change in
the library that makes the docs wrong fails here.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "docs" / "examples").glob("*.py"))


def test_examples_are_found() -> None:
    names = {path.name for path in EXAMPLES}
    assert {"quickstart.py", "custom_rule_class.py", "custom_rule_function.py"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs(path: Path) -> None:
    runpy.run_path(str(path), run_name="__main__")
