"""The command line with the Vonage backend: ``--application-id`` / ``--private-key``, the
``VONAGE_*`` variables, and choosing between the two backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.cli import (
    SESSION_RULE,
    Outcome,
    clean_env,
    decode_jwt,
    decode_vonage_jwt,
    needs_cryptography,
    run,
    violation_rule_ids,
    vonage_env,
)

from opentok_rules.session_ids import make_session_id, session_id_fields
from opentok_rules.testing import Emulator


def test_create_vonage_with_flags(vonage_emulator: Emulator, key_file: Path) -> None:
    result = run(
        "create",
        "--media-mode",
        "routed",
        "--application-id",
        vonage_emulator.application_id,
        "--private-key",
        str(key_file),
        "--api-url",
        vonage_emulator.url,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [session] = vonage_emulator.sessions
    assert result.stdout == session.session_id + "\n"
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[1] == vonage_emulator.application_id
    assert session.params["p2p.preference"] == "disabled"


def test_create_vonage_from_the_environment(vonage_emulator: Emulator, key_file: Path) -> None:
    result = run("create", "--json", env=vonage_env(vonage_emulator, key_file))

    assert result.returncode == 0, result.stderr
    [session] = vonage_emulator.sessions
    output = json.loads(result.stdout)
    assert output["session_id"] == session.session_id
    assert output["record"]["project_id"] == vonage_emulator.application_id


def test_create_vonage_flags_win_over_the_environment(
    vonage_emulator: Emulator, key_file: Path
) -> None:
    env = vonage_env(
        vonage_emulator,
        key_file,
        VONAGE_APPLICATION_ID="00000000-0000-4000-8000-000000000000",
        VONAGE_PRIVATE_KEY_PATH="/nonexistent/private.key",
    )

    result = run(
        "create",
        "--application-id",
        vonage_emulator.application_id,
        "--private-key",
        str(key_file),
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert len(vonage_emulator.sessions) == 1


def test_create_vonage_never_prints_the_key(vonage_emulator: Emulator, key_file: Path) -> None:
    results = [
        run("create", env=vonage_env(vonage_emulator, key_file)),
        run(
            "create", "--media-mode", "relayed", "--e2ee", env=vonage_env(vonage_emulator, key_file)
        ),
        run("token", "not-a-session", env=vonage_env(vonage_emulator, key_file)),
    ]

    assert [result.returncode for result in results] == [0, 2, 2]
    body = "".join(vonage_emulator.private_key.splitlines()[1:-1])
    for result in results:
        assert "PRIVATE KEY" not in result.stdout + result.stderr
        assert body[:40] not in result.stdout + result.stderr


def test_token_vonage(vonage_emulator: Emulator, key_file: Path) -> None:
    session_id = make_session_id(vonage_emulator.application_id)

    result = run(
        "token",
        session_id,
        "--role",
        "moderator",
        "--data",
        "name=Ada",
        "--layout-class",
        "focus",
        "--expire-in",
        "600",
        env=vonage_env(vonage_emulator, key_file),
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    claims = decode_vonage_jwt(result.stdout.strip(), vonage_emulator.private_key)
    assert claims["application_id"] == vonage_emulator.application_id
    assert claims["session_id"] == session_id
    assert claims["role"] == "moderator"
    assert claims["sub"] == "video"
    assert claims["scope"] == "session.connect"
    assert claims["connection_data"] == "name=Ada"
    assert claims["initial_layout_class_list"] == "focus"
    assert claims["exp"] - claims["iat"] == 600
    # Tokens are signed locally: nothing reached the service.
    assert vonage_emulator.requests == []


def test_token_vonage_refuses_t1(vonage_emulator: Emulator, key_file: Path) -> None:
    session_id = make_session_id(vonage_emulator.application_id)

    result = run("token", session_id, "--type", "T1", env=vonage_env(vonage_emulator, key_file))

    assert result.returncode == 2
    assert result.stdout == ""
    assert violation_rule_ids(result.stderr) == ["token-type"]
    assert result.stderr.startswith("opentok-rules: token-type: --type: ")
    assert "Vonage" in result.stderr
    assert "token_type" not in result.stderr


def test_token_vonage_for_an_opentok_session(vonage_emulator: Emulator, key_file: Path) -> None:
    result = run("token", make_session_id("123456"), env=vonage_env(vonage_emulator, key_file))

    assert result.returncode == 2
    assert violation_rule_ids(result.stderr) == [SESSION_RULE]
    assert ": SESSION_ID: " in result.stderr


@needs_cryptography
def test_a_private_key_that_cannot_be_read(cli: Callable[..., Outcome], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.key"
    application_id = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"

    code, out, err = cli(
        "token", "x", "--application-id", application_id, "--private-key", str(missing)
    )

    assert (code, out) == (2, "")
    assert err.startswith("opentok-rules: error: --private-key ")
    assert str(missing) in err
    assert len(err.splitlines()) == 1


def test_a_malformed_application_id(cli: Callable[..., Outcome], key_file: Path) -> None:
    code, _, err = cli("token", "x", "--application-id", "app-1", "--private-key", str(key_file))

    assert code == 2
    assert err.startswith("opentok-rules: error: --application-id must be the application's UUID")


def test_the_application_id_named_by_its_variable(
    cli: Callable[..., Outcome], key_file: Path
) -> None:
    code, _, err = cli(
        "token", "x", VONAGE_APPLICATION_ID="app-1", VONAGE_PRIVATE_KEY_PATH=str(key_file)
    )

    assert code == 2
    assert err.startswith("opentok-rules: error: VONAGE_APPLICATION_ID must be")


@pytest.mark.parametrize("command", ["create", "token"])
def test_both_backends_on_the_command_line(cli: Callable[..., Outcome], command: str) -> None:
    args = ["--api-key", "123456", "--application-id", "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"]
    session = ["x"] if command == "token" else []

    code, out, err = cli(command, *session, *args)

    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("opentok-rules: error: both OpenTok")
    for flag in ("--api-key", "--api-secret", "--application-id", "--private-key"):
        assert flag in line


def test_both_backends_in_the_environment(cli: Callable[..., Outcome]) -> None:
    code, _, err = cli(
        "create",
        OPENTOK_API_KEY="123456",
        OPENTOK_API_SECRET="ab" * 20,
        VONAGE_APPLICATION_ID="3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        VONAGE_PRIVATE_KEY_PATH="/tmp/private.key",
    )

    assert code == 2
    [line] = err.splitlines()
    assert "OPENTOK_API_*" in line
    assert "VONAGE_*" in line


def test_flags_choose_the_backend_over_the_other_one_in_the_environment(
    emulator: Emulator, session_id: str
) -> None:
    env = clean_env(
        VONAGE_APPLICATION_ID="3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        VONAGE_PRIVATE_KEY_PATH="/nonexistent/private.key",
    )

    result = run(
        "token",
        session_id,
        "--api-key",
        emulator.api_key,
        "--api-secret",
        emulator.api_secret,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert decode_jwt(result.stdout.strip(), emulator)["session_id"] == session_id


@pytest.mark.parametrize(
    ("flags", "env", "missing", "given"),
    [
        (
            ["--application-id", "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"],
            {},
            "--private-key",
            "--application-id",
        ),
        (["--private-key", "/tmp/k"], {}, "--application-id", "--private-key"),
        ([], {"VONAGE_PRIVATE_KEY_PATH": "/tmp/k"}, "--application-id", "VONAGE_PRIVATE_KEY_PATH"),
        ([], {"VONAGE_APPLICATION_ID": "x"}, "--private-key", "VONAGE_APPLICATION_ID"),
        (["--api-key", "123456"], {}, "--api-secret", "--api-key"),
        (["--api-secret", "ab" * 20], {}, "--api-key", "--api-secret"),
        ([], {"OPENTOK_API_SECRET": "ab" * 20}, "--api-key", "OPENTOK_API_SECRET"),
    ],
)
def test_a_half_given_pair_names_what_is_missing(
    cli: Callable[..., Outcome],
    flags: list[str],
    env: dict[str, str],
    missing: str,
    given: str,
) -> None:
    code, out, err = cli("create", *flags, **env)

    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert f"{missing} missing" in line
    variable = missing.removeprefix("--").replace("-", "_").upper()
    prefix = (
        "VONAGE_"
        if "VONAGE" in line or missing in ("--private-key", "--application-id")
        else "OPENTOK_"
    )
    assert f"{prefix}{variable}" in line.replace("VONAGE_PRIVATE_KEY_PATH", "VONAGE_PRIVATE_KEY")
    assert f"({given} is given)" in line
    assert "ab" * 20 not in line


@needs_cryptography
@pytest.mark.parametrize("where", ["flag", "variable"])
def test_a_key_given_where_its_path_belongs_is_never_shown(
    cli: Callable[..., Outcome], vonage_emulator: Emulator, where: str
) -> None:
    pem = vonage_emulator.private_key
    application_id = vonage_emulator.application_id
    if where == "flag":
        outcome = cli("token", "x", "--application-id", application_id, "--private-key", pem)
        source = "--private-key"
    else:
        outcome = cli(
            "token", "x", VONAGE_APPLICATION_ID=application_id, VONAGE_PRIVATE_KEY_PATH=pem
        )
        source = "VONAGE_PRIVATE_KEY_PATH"

    code, out, err = outcome
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"opentok-rules: error: {source} takes the path of the private key")
    assert "PRIVATE KEY" not in line
    assert pem.splitlines()[1][:20] not in line
