"""``opentok-rules schema``, run as a process of its own would run it (``_support.cli.run``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _support.cli import run as run_command

import opentok_rules as otr


@pytest.fixture(autouse=True)
def _in_an_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command reads the nearest policy file: each test says which one there is.
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_command(*args, cwd=Path.cwd())


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


POLICY = """
base = "strict"
disable = ["location-ipv4"]

[[session]]
id = "acme-office"
kind = "network"
key = "location"
networks = ["10.0.0.0/8"]

[[session]]
id = "acme-name"
kind = "pattern"
key = "archive_name"
pattern = "[a-z]+"
when = { archive_mode = "always" }

[[session]]
id = "acme-hint"
kind = "required"
keys = ["location"]
severity = "warn"
"""


def test_schema_of_a_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(POLICY, encoding="utf-8")
    result = run("schema", "--policy", str(path))
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema == otr.to_json_schema(otr.load_policy(path).rules)
    jsonschema.Draft202012Validator.check_schema(schema)
    ids = [part["x-rule-id"] for part in schema["allOf"]]
    assert "location-ipv4" not in ids
    # With location-ipv4 left out, SessionSpec's own check of location shows as well.
    assert ids[-3:] == ["acme-office", "acme-name", "session-spec"]
    assert schema["x-unexpressed"] == ["acme-hint"]
    assert "'acme-hint' is not in the schema: a warning" in result.stderr
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"location": "10.1.2.3"})
    assert not validator.is_valid({"location": "11.1.2.3"})
    assert not validator.is_valid({"location": "10.1.2.3", "locaton": "x"})  # strict base


def test_schema_reads_the_nearest_policy_like_check_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "opentok-rules.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "app").mkdir()
    monkeypatch.chdir(tmp_path / "app")  # found in a parent folder
    found = printed_schema()
    assert found == otr.to_json_schema(otr.load_policy(tmp_path / "opentok-rules.toml").rules)
    assert printed_schema("--no-policy") == otr.to_json_schema()
    assert printed_schema("--strict") == otr.to_json_schema(otr.strict_rules())


def test_a_bad_policy_is_exit_1_with_its_message(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "x"\nkind = "alowed"\n', encoding="utf-8")
    result = run("schema", "--policy", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert str(path) in result.stderr
    assert "did you mean 'allowed'?" in result.stderr


def test_policy_and_strict_exclude_each_other() -> None:
    result = run("schema", "--policy", "x.toml", "--strict")
    assert result.returncode == 2
    assert "--strict picks the library's strict rules and --policy a policy's" in result.stderr
    assert result.stdout == ""
