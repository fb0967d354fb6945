"""``opentok-rules schema``, run as a subprocess exactly as a user (or a CI job) runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import jsonschema
import pytest

import opentok_rules as otr

CLI = [sys.executable, "-m", "opentok_rules"]
TIMEOUT = 30


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def printed_schema(*args: str) -> dict[str, Any]:
    result = run("schema", *args)
    assert result.returncode == 0, result.stderr
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


@pytest.mark.parametrize(
    ("flags", "registry"), [((), otr.default_rules), (("--strict",), otr.strict_rules)]
)
def test_schema_prints_the_registrys_schema_as_json(flags: tuple[str, ...], registry: Any) -> None:
    result = run("schema", *flags)
    assert result.returncode == 0
    assert result.stderr == ""
    schema = json.loads(result.stdout)
    assert schema == otr.to_json_schema(registry())
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_printed_strict_schema_refuses_what_strict_refuses() -> None:
    validator = jsonschema.Draft202012Validator(printed_schema("--strict"))
    lenient = jsonschema.Draft202012Validator(printed_schema())
    typo = {"media_mode": "routed", "locaton": "1.2.3.4"}
    assert not validator.is_valid(typo)
    assert lenient.is_valid(typo)  # the default rules drop an unknown key
    # ...and the failing part names the rule the engine names.
    (error,) = validator.iter_errors(typo)
    assert printed_schema("--strict")["allOf"][error.schema_path[1]]["x-rule-id"] == "known-keys"
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(typo, rules=otr.strict_rules())
    assert [v.rule for v in caught.value.violations] == ["known-keys"]


def test_schema_refuses_an_unknown_flag_as_a_usage_error() -> None:
    result = run("schema", "--strikt")
    assert result.returncode == 2
    assert "--strikt" in result.stderr
    assert result.stdout == ""
