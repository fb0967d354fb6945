"""``opentok-rules check``, run as a process of its own would run it (``_support.cli.run``; and
once through the installed ``opentok-rules`` script, in a real process): the spec and params
printed, violations with their rule ids.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.cli import (
    ARCHIVED,
    PYTHON_NAME,
    ROUTED_AT_LOCATION,
    SEVERAL_RULE_IDS,
    SEVERAL_VIOLATIONS,
    TIMEOUT,
    Outcome,
    clean_env,
    run,
    violation_rule_ids,
)


def test_check_prints_the_spec_and_the_params() -> None:
    result = run("check", "--media-mode", "routed", "--location", "12.34.56.78")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "spec": {
            "media_mode": "routed",
            "archive_mode": "manual",
            "location": "12.34.56.78",
            "archive_name": None,
            "archive_resolution": None,
            "e2ee": False,
        },
        "params": ROUTED_AT_LOCATION,
    }


def test_check_prints_params_in_the_order_they_are_sent() -> None:
    result = run("check", "--media-mode", "routed", "--location", "12.34.56.78")

    assert list(json.loads(result.stdout)["params"]) == list(ROUTED_AT_LOCATION)


def test_check_with_every_archive_flag() -> None:
    result = run(
        "check",
        *ARCHIVED,
        "--archive-resolution",
        "1280x720",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "spec": {
            "media_mode": "routed",
            "archive_mode": "always",
            "location": None,
            "archive_name": "Demo",
            "archive_resolution": "1280x720",
            "e2ee": False,
        },
        "params": {
            "p2p.preference": "disabled",
            "archiveMode": "always",
            "archiveName": "Demo",
            "archiveResolution": "1280x720",
            "e2ee": "false",
        },
    }


@pytest.mark.parametrize(
    ("flags", "spec_e2ee", "param_e2ee"),
    [
        (["--e2ee"], True, "true"),
        (["--no-e2ee"], False, "false"),
        ([], False, "false"),
    ],
)
def test_check_e2ee_flags(flags: list[str], spec_e2ee: bool, param_e2ee: str) -> None:
    result = run("check", "--media-mode", "routed", *flags)

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["spec"]["e2ee"] is spec_e2ee
    assert output["params"]["e2ee"] == param_e2ee


def test_check_with_no_flags_gives_the_defaults() -> None:
    result = run("check")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["params"] == {
        "p2p.preference": "enabled",
        "archiveMode": "manual",
        "e2ee": "false",
    }


@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_check_refuses_an_unknown_media_mode_as_a_usage_error(strict: list[str]) -> None:
    # The flag's choices are enforced (issue 20): a typo never quietly means relayed.
    result = run("check", *strict, "--media-mode", "rooted")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage: opentok-rules check" in result.stderr
    assert "invalid choice: 'rooted'" in result.stderr


def test_check_lists_every_violation_with_its_rule_id() -> None:
    result = run("check", *SEVERAL_VIOLATIONS)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert violation_rule_ids(result.stderr) == SEVERAL_RULE_IDS


def test_check_names_the_field_of_a_violation() -> None:
    result = run("check", "--location", "localhost")

    assert result.returncode == 2
    assert result.stderr.startswith("opentok-rules: location-ipv4: --location: --location must")
    assert "'localhost'" in result.stderr


def test_the_console_script() -> None:
    # The script installed next to this interpreter comes first, so another one on PATH
    # (a different virtualenv, say) is not what gets tested.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    script = shutil.which("opentok-rules", path=search)
    if script is None:
        pytest.skip("the opentok-rules console script is not installed (pip install the package)")

    ok = subprocess.run(
        [script, "check", "--media-mode", "routed", "--location", "12.34.56.78"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    refused = subprocess.run(
        [script, "check", *SEVERAL_VIOLATIONS],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["params"] == ROUTED_AT_LOCATION
    assert refused.returncode == 2
    assert violation_rule_ids(refused.stderr) == SEVERAL_RULE_IDS


@pytest.mark.parametrize(
    ("args", "rule", "flag"),
    [
        (["--media-mode", "relayed", "--e2ee"], "relayed-forbids-e2ee", "-"),
        (
            ["--archive-mode", "always", "--media-mode", "relayed"],
            "always-archive-requires-routed",
            "-",
        ),
        (
            ["--archive-name", "Demo"],
            "manual-archive-forbids-name-and-resolution",
            "--archive-name",
        ),
        (
            ["--archive-mode", "always", "--media-mode", "routed", "--archive-resolution", "1x1"],
            "archive-resolution-valid",
            "--archive-resolution",
        ),
        (["--location", "localhost"], "location-ipv4", "--location"),
    ],
)
def test_check_errors_name_flags(
    cli: Callable[..., Outcome], args: list[str], rule: str, flag: str
) -> None:
    code, out, err = cli("check", *args)

    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"opentok-rules: {rule}: {flag}: ")
    message = line.split(": ", 3)[3]
    assert PYTHON_NAME.search(message) is None, message
    assert "--" in message


def test_check_advice_reads_as_flags(cli: Callable[..., Outcome]) -> None:
    _, _, err = cli("check", "--media-mode", "relayed", "--e2ee")

    assert err.rstrip().endswith("set --media-mode routed or drop --e2ee")


def test_check_json_violations(cli: Callable[..., Outcome]) -> None:
    code, out, err = cli("check", "--json", *SEVERAL_VIOLATIONS)

    assert (code, err) == (2, "")
    violations = json.loads(out)
    assert [v["rule"] for v in violations] == SEVERAL_RULE_IDS
    for violation in violations:
        assert set(violation) == {"rule", "field", "flag", "message"}
    by_rule = {v["rule"]: v for v in violations}
    assert by_rule["location-ipv4"]["field"] == "location"
    assert by_rule["location-ipv4"]["flag"] == "--location"
    assert by_rule["relayed-forbids-e2ee"]["field"] is None
    assert by_rule["relayed-forbids-e2ee"]["flag"] is None
    assert "--e2ee" in by_rule["relayed-forbids-e2ee"]["message"]


def test_check_json_when_all_is_well_is_the_usual_output(cli: Callable[..., Outcome]) -> None:
    assert cli("check", "--json", "--media-mode", "routed") == cli(
        "check", "--media-mode", "routed"
    )
