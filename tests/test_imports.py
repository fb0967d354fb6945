"""``import opentok_rules`` stays light: heavy dependencies wait until they are used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LOADED = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"


def modules_after(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}; {LOADED}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize(
    "code", ["import opentok_rules", "import opentok_rules as o; o.OpenTok; o.prepare_session()"]
)
def test_the_package_import_leaves_the_heavy_dependencies_out(code: str) -> None:
    loaded = modules_after(code)
    assert not loaded & {"urllib3", "jwt", "cattrs"}
    # The library's rules are policy data (issue 27): read once the first rules are made.
    assert not loaded & {"tomllib", "tomli"} or "prepare_session" in code


def test_policies_are_imported_only_when_one_is_loaded() -> None:
    code = (
        "import sys, opentok_rules as o; o.PolicyError; "
        "print(sorted(m for m in sys.modules if 'polic' in m or 'toml' in m or 'token_rules' in m))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import opentok_rules as o; o.OpenTok('1', 's' * 40)", {"urllib3"}),
        ("import opentok_rules as o; o.spec_to_dict", {"cattrs"}),
        ("import opentok_rules as o; o.load_policy({})", {"cattrs"}),
        ("import opentok_rules.tokens", set()),
    ],
)
def test_dependencies_arrive_with_their_first_use(code: str, expected: set[str]) -> None:
    loaded = modules_after(code)
    assert expected <= loaded
    assert "jwt" not in loaded
