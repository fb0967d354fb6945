"""``opentok-rules create`` against the emulator: credentials from flags or the environment,
timeouts, malformed URLs, and nothing sent for invalid options; the secret never printed.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from _support.cli import (
    ARCHIVED,
    ROUTED_AT_LOCATION,
    SEVERAL_RULE_IDS,
    SEVERAL_VIOLATIONS,
    SHORT_SECRET_WARNING,
    Outcome,
    assert_no_foreign_warning,
    assert_one_line_error,
    clean_env,
    emulator_env,
    run,
    violation_rule_ids,
)
from _support.http import free_port

from opentok_rules.session_ids import session_id_fields
from opentok_rules.testing import Emulator


def test_create_prints_the_session_id(emulator: Emulator) -> None:
    result = run(
        "create", "--media-mode", "routed", "--location", "12.34.56.78", env=emulator_env(emulator)
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [session] = emulator.sessions
    assert result.stdout == session.session_id + "\n"
    assert session.params == ROUTED_AT_LOCATION
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[1:3] == (emulator.api_key, "12.34.56.78")


def test_create_json(emulator: Emulator) -> None:
    result = run(
        "create",
        "--json",
        *ARCHIVED,
        env=emulator_env(emulator),
    )

    assert result.returncode == 0, result.stderr
    [session] = emulator.sessions
    output = json.loads(result.stdout)
    assert set(output) == {"session_id", "spec", "params", "record"}
    assert output["session_id"] == session.session_id
    assert output["spec"] == {
        "media_mode": "routed",
        "archive_mode": "always",
        "location": None,
        "archive_name": "Demo",
        "archive_resolution": None,
        "e2ee": False,
    }
    assert session.params == {
        "p2p.preference": "disabled",
        "archiveMode": "always",
        "archiveName": "Demo",
        "e2ee": "false",
    }
    assert output["params"] == session.params
    record = output["record"]
    assert set(record) == {"project_id", "partner_id", "create_dt", "media_server_url"}
    assert record["project_id"] == record["partner_id"] == emulator.api_key
    assert re.fullmatch(r"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} GMT \d{4}", record["create_dt"])


def test_create_never_prints_the_secret(emulator: Emulator) -> None:
    results = [
        run("create", env=emulator_env(emulator)),
        run("create", "--json", env=emulator_env(emulator)),
        run("create", "--media-mode", "relayed", "--e2ee", env=emulator_env(emulator)),
    ]

    assert [result.returncode for result in results] == [0, 0, 2]
    for result in results:
        assert emulator.api_secret not in result.stdout + result.stderr


def test_create_takes_the_credentials_as_flags(emulator: Emulator) -> None:
    result = run(
        "create",
        "--api-key",
        emulator.api_key,
        "--api-secret",
        emulator.api_secret,
        "--api-url",
        emulator.url,
    )

    assert result.returncode == 0, result.stderr
    assert [session.session_id for session in emulator.sessions] == [result.stdout.strip()]


def test_create_flags_win_over_the_environment(emulator: Emulator) -> None:
    env = emulator_env(emulator, OPENTOK_API_SECRET="0" * 40)

    result = run("create", "--api-secret", emulator.api_secret, env=env)

    assert result.returncode == 0, result.stderr
    assert len(emulator.sessions) == 1


@pytest.mark.parametrize(
    "missing",
    [
        {"OPENTOK_API_KEY": None},
        {"OPENTOK_API_SECRET": None},
        {"OPENTOK_API_KEY": None, "OPENTOK_API_SECRET": None},
        {"OPENTOK_API_SECRET": ""},
    ],
    ids=["no-key", "no-secret", "neither", "empty-secret"],
)
def test_create_without_credentials(emulator: Emulator, missing: dict[str, str | None]) -> None:
    env = emulator_env(emulator)
    for name, value in missing.items():
        if value is None:
            del env[name]
        else:
            env[name] = value

    line = assert_one_line_error(run("create", env=env), 2)

    assert "OPENTOK_API_KEY" in line
    assert "OPENTOK_API_SECRET" in line
    assert emulator.requests == []


def test_create_with_a_wrong_secret(emulator: Emulator) -> None:
    wrong = "ab" * 20
    assert wrong != emulator.api_secret

    result = run("create", env=emulator_env(emulator, OPENTOK_API_SECRET=wrong))

    line = assert_one_line_error(result, 1)
    assert "credentials" in line
    assert wrong not in line
    assert emulator.api_secret not in line
    assert emulator.sessions == []
    assert [request.status for request in emulator.requests] == [403]


def test_create_with_nothing_listening() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20, OPENTOK_API_URL=url)

    line = assert_one_line_error(run("create", env=env), 1)

    assert url.removeprefix("http://") in line


def test_create_with_invalid_options_sends_nothing(emulator: Emulator) -> None:
    result = run("create", *SEVERAL_VIOLATIONS, env=emulator_env(emulator))

    assert result.returncode == 2
    assert result.stdout == ""
    assert violation_rule_ids(result.stderr) == SEVERAL_RULE_IDS
    assert emulator.requests == []


def test_create_strict(emulator: Emulator) -> None:
    result = run("create", "--strict", "--media-mode", "rooted", env=emulator_env(emulator))

    assert result.returncode == 2
    assert "invalid choice: 'rooted'" in result.stderr
    assert emulator.requests == []


def test_create_with_an_invalid_url() -> None:
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20)

    line = assert_one_line_error(run("create", "--api-url", "ftp://example.com", env=env), 2)

    assert "--api-url" in line


@contextmanager
def silent_server() -> Iterator[str]:
    """A URL whose port takes connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize(
    ("flag", "advice"), [("--timeout", "raise --timeout"), ("--deadline", "raise --deadline")]
)
def test_create_timeout_flags(flag: str, advice: str) -> None:
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20)
    with silent_server() as url:
        started = time.monotonic()
        result = run("create", "--api-url", url, flag, "0.5", env=env)
        elapsed = time.monotonic() - started

    line = assert_one_line_error(result, 1)
    assert "0.5 s" in line
    assert advice in line
    assert "read_timeout" not in line
    # The default read timeout is 10 s; the command ended long before it.
    assert elapsed < 8


@pytest.mark.parametrize("flag", ["--timeout", "--deadline"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf"])
def test_create_timeout_flags_must_be_positive_seconds(
    cli: Callable[..., Outcome], flag: str, value: str
) -> None:
    code, out, err = cli("create", f"{flag}={value}")

    assert (code, out) == (2, "")
    assert f"argument {flag}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "http://127.0.0.1:80x",
        "ftp://example.com",
        "http://[::1",
        "not a url",
        "http://",
    ],
)
def test_create_with_a_malformed_url_is_a_usage_error(url: str) -> None:
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20)

    line = assert_one_line_error(run("create", "--api-url", url, env=env), 2)

    assert line.startswith("opentok-rules: error: --api-url ")


@pytest.mark.parametrize(
    ("variable", "credentials"),
    [
        ("OPENTOK_API_URL", {"OPENTOK_API_KEY": "123456", "OPENTOK_API_SECRET": "ab" * 20}),
        (
            "VONAGE_VIDEO_API_URL",
            {
                "VONAGE_APPLICATION_ID": "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
                "VONAGE_PRIVATE_KEY_PATH": "/tmp/k",
            },
        ),
    ],
)
def test_a_malformed_url_in_the_environment_is_named(
    cli: Callable[..., Outcome], variable: str, credentials: dict[str, str]
) -> None:
    code, _, err = cli("create", **credentials, **{variable: "http://127.0.0.1:99999"})

    assert code == 2
    assert err.startswith(f"opentok-rules: error: {variable} 'http://127.0.0.1:99999' ")


def test_create_json_violations_send_nothing(emulator: Emulator) -> None:
    result = run("create", "--json", "--location", "localhost", env=emulator_env(emulator))

    assert (result.returncode, result.stderr) == (2, "")
    [violation] = json.loads(result.stdout)
    assert violation["rule"] == "location-ipv4"
    assert emulator.requests == []


def test_create_with_a_short_secret_warns_in_one_line_of_ours() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = clean_env(OPENTOK_API_KEY="123456", PYTHONWARNINGS="always")

    result = run("create", "--api-secret", "short", "--api-url", url, env=env)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == SHORT_SECRET_WARNING
    assert len(lines) == 2
    assert lines[1].startswith("opentok-rules: error: ")
    assert_no_foreign_warning(result.stderr)
