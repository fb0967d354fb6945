"""The ``opentok-rules`` command line, run as a subprocess exactly as a user runs it.

Every command goes through ``python -m opentok_rules`` (and once through the installed
``opentok-rules`` script), so argument parsing, exit codes, stdout and stderr are tested
together; each subprocess has a timeout, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import jwt
import pytest

import opentok_rules
from opentok_rules.client import OpenTok
from opentok_rules.session_ids import make_session_id, session_id_fields
from opentok_rules.testing import Emulator

CLI = [sys.executable, "-m", "opentok_rules"]
#: Seconds any one command may take; they take well under one.
TIMEOUT = 30
ROUTED_AT_LOCATION = {
    "p2p.preference": "disabled",
    "archiveMode": "manual",
    "location": "12.34.56.78",
    "e2ee": "false",
}
# One of each problem the rules can find in a combination of flags, in registry order.
SEVERAL_VIOLATIONS = [
    "--media-mode",
    "relayed",
    "--archive-mode",
    "always",
    "--e2ee",
    "--location",
    "localhost",
    "--archive-resolution",
    "1x1",
]
SEVERAL_RULE_IDS = [
    "always-archive-requires-routed",
    "relayed-forbids-e2ee",
    "always-archive-forbids-e2ee",
    "location-ipv4",
    "archive-resolution-valid",
]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any OpenTok settings, plus ``extra``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OPENTOK_")}
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m opentok_rules *args``, with no OpenTok settings unless ``env`` has them."""
    return subprocess.run(
        [*CLI, *args],
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def emulator_env(emulator: Emulator, **overrides: str) -> dict[str, str]:
    settings = {
        "OPENTOK_API_KEY": emulator.api_key,
        "OPENTOK_API_SECRET": emulator.api_secret,
        "OPENTOK_API_URL": emulator.url,
    }
    settings.update(overrides)
    return clean_env(**settings)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The command failed with ``code`` and one line on stderr, nothing on stdout; the line."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("opentok-rules: ")
    return lines[0]


def violation_rule_ids(stderr: str) -> list[str]:
    """The rule ids of ``opentok-rules: RULE: FIELD: MESSAGE`` lines, in order."""
    ids = []
    for line in stderr.splitlines():
        match = re.fullmatch(r"opentok-rules: ([a-z0-9-]+): ([a-z_]+|-): .+", line)
        assert match is not None, f"not a violation line: {line!r}"
        ids.append(match.group(1))
    return ids


def free_port() -> int:
    """A port nothing listens on (just now): bound to find it, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def session_id(emulator: Emulator) -> str:
    """A session the emulator created (through the library, not the command under test)."""
    with OpenTok(emulator.api_key, emulator.api_secret, emulator.url) as client:
        return client.create_session(media_mode="routed").session_id


# --- check ---------------------------------------------------------------------------------


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
        "--media-mode",
        "routed",
        "--archive-mode",
        "always",
        "--archive-name",
        "Demo",
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


def test_check_default_rules_read_an_unknown_media_mode_as_relayed() -> None:
    result = run("check", "--media-mode", "rooted")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["spec"]["media_mode"] == "relayed"


def test_check_strict_refuses_an_unknown_media_mode() -> None:
    result = run("check", "--strict", "--media-mode", "rooted")

    assert result.returncode == 2
    assert result.stdout == ""
    assert violation_rule_ids(result.stderr) == ["media-mode"]
    assert "'rooted'" in result.stderr


def test_check_lists_every_violation_with_its_rule_id() -> None:
    result = run("check", *SEVERAL_VIOLATIONS)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert violation_rule_ids(result.stderr) == SEVERAL_RULE_IDS


def test_check_names_the_field_of_a_violation() -> None:
    result = run("check", "--location", "localhost")

    assert result.returncode == 2
    assert result.stderr.startswith("opentok-rules: location-ipv4: location: ")
    assert "'localhost'" in result.stderr


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_rules_lists_the_registry_in_order(strict: bool) -> None:
    registry = opentok_rules.strict_rules() if strict else opentok_rules.default_rules()

    result = run("rules", *(["--strict"] if strict else []))

    assert result.returncode == 0, result.stderr
    listed = []
    for line in result.stdout.splitlines():
        match = re.fullmatch(r" ?(\d+)\. (\S+) +(.+)", line)
        assert match is not None, f"not a rule line: {line!r}"
        listed.append((int(match.group(1)), match.group(2), match.group(3)))
    assert [rule_id for _, rule_id, _ in listed] == list(registry.ids())
    assert [number for number, _, _ in listed] == list(range(1, 13))
    assert [description for _, _, description in listed] == [rule.description for rule in registry]


def test_rules_default_and_strict_differ_only_in_descriptions() -> None:
    default, strict = run("rules"), run("rules", "--strict")

    assert default.stdout != strict.stdout
    assert opentok_rules.default_rules().ids() == opentok_rules.strict_rules().ids()


# --- create --------------------------------------------------------------------------------


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
        "--media-mode",
        "routed",
        "--archive-mode",
        "always",
        "--archive-name",
        "Demo",
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
    assert violation_rule_ids(result.stderr) == ["media-mode"]
    assert emulator.requests == []


def test_create_with_an_invalid_url() -> None:
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20)

    line = assert_one_line_error(run("create", "--api-url", "ftp://example.com", env=env), 2)

    assert "api_url" in line


# --- token ---------------------------------------------------------------------------------


def decode_jwt(token: str, emulator: Emulator) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, emulator.api_secret, algorithms=["HS256"], issuer=emulator.api_key
    )
    return claims


def test_token_is_a_jwt_signed_with_the_secret(emulator: Emulator, session_id: str) -> None:
    result = run(
        "token",
        session_id,
        "--role",
        "moderator",
        "--data",
        "name=Ada",
        "--layout-class",
        "focus",
        "--layout-class",
        "full",
        "--expire-in",
        "3600",
        env=emulator_env(emulator),
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    token = result.stdout.removesuffix("\n")
    assert "\n" not in token
    claims = decode_jwt(token, emulator)
    assert claims["ist"] == "project"
    assert claims["scope"] == "session.connect"
    assert claims["session_id"] == session_id
    assert claims["role"] == "moderator"
    assert claims["connection_data"] == "name=Ada"
    assert claims["initial_layout_class_list"] == "focus full"
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60


def test_token_defaults(emulator: Emulator, session_id: str) -> None:
    result = run("token", session_id, env=emulator_env(emulator))

    assert result.returncode == 0, result.stderr
    claims = decode_jwt(result.stdout.strip(), emulator)
    assert claims["role"] == "publisher"
    assert claims["exp"] - claims["iat"] == 86400
    assert "connection_data" not in claims
    assert "initial_layout_class_list" not in claims


def test_token_needs_no_service(emulator: Emulator, session_id: str) -> None:
    # Tokens are signed locally: the URL is not needed and nothing is sent.
    env = clean_env(OPENTOK_API_KEY=emulator.api_key, OPENTOK_API_SECRET=emulator.api_secret)
    requests_before = len(emulator.requests)

    result = run("token", session_id, env=env)

    assert result.returncode == 0, result.stderr
    assert len(emulator.requests) == requests_before


@pytest.mark.parametrize("token_type", ["T1", "t1"])
def test_token_t1(emulator: Emulator, session_id: str, token_type: str) -> None:
    result = run("token", session_id, "--type", token_type, env=emulator_env(emulator))

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("T1==")
    body = base64.b64decode(token.removeprefix("T1==")).decode("utf-8")
    head, _, data_string = body.partition(":")
    assert head.startswith(f"partner_id={emulator.api_key}&sig=")
    signature = head.rpartition("sig=")[2]
    expected = hmac.new(emulator.api_secret.encode(), data_string.encode(), hashlib.sha1)
    assert hmac.compare_digest(signature, expected.hexdigest())
    assert "role=publisher" in data_string.split("&")


def test_token_for_a_session_of_another_key(emulator: Emulator) -> None:
    foreign = make_session_id("123456")

    result = run("token", foreign, env=emulator_env(emulator))

    assert result.returncode == 2
    assert result.stdout == ""
    assert violation_rule_ids(result.stderr) == ["session-belongs-to-key"]
    assert emulator.api_secret not in result.stderr


def test_token_for_something_that_is_no_session_id(emulator: Emulator) -> None:
    result = run("token", "not-a-session", env=emulator_env(emulator))

    assert result.returncode == 2
    assert violation_rule_ids(result.stderr) == ["session-belongs-to-key"]


def test_token_with_an_unknown_role(emulator: Emulator, session_id: str) -> None:
    result = run("token", session_id, "--role", "boss", env=emulator_env(emulator))

    assert result.returncode == 2
    assert result.stdout == ""
    assert violation_rule_ids(result.stderr) == ["token-role"]
    assert "'boss'" in result.stderr


def test_token_with_every_problem_at_once(emulator: Emulator) -> None:
    args = ["--role", "boss", "--data", "x" * 1000, "--layout-class", "a b", "--type", "T2"]

    result = run("token", make_session_id("123456"), *args, env=emulator_env(emulator))

    assert result.returncode == 2
    assert violation_rule_ids(result.stderr) == [
        "session-belongs-to-key",
        "token-role",
        "token-data-length",
        "token-layout-classes",
        "token-type",
    ]


def test_token_expiring_after_thirty_days(emulator: Emulator, session_id: str) -> None:
    thirty_one_days = str(31 * 86400)

    result = run("token", session_id, "--expire-in", thirty_one_days, env=emulator_env(emulator))

    assert result.returncode == 2
    assert violation_rule_ids(result.stderr) == ["token-expire-time"]


# The command, with a clock that moves on a whole second at every read.
STEPPING_CLOCK_CLI = """
import sys
import time

_now = [int(time.time()) + 0.5]


def _stepping_clock():
    _now[0] += 1.0
    return _now[0]


time.time = _stepping_clock
from opentok_rules.cli import main

raise SystemExit(main(sys.argv[1:]))
"""


def test_token_expire_in_is_counted_from_the_issue_time(
    emulator: Emulator, session_id: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", STEPPING_CLOCK_CLI, "token", session_id, "--expire-in", "1"],
        env=emulator_env(emulator),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    claims = jwt.decode(
        result.stdout.strip(),
        emulator.api_secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["exp"] - claims["iat"] == 1


@pytest.mark.parametrize("seconds", ["0", "-5", "abc", "1.5"])
def test_token_expire_in_must_be_positive_whole_seconds(
    emulator: Emulator, session_id: str, seconds: str
) -> None:
    result = run("token", session_id, f"--expire-in={seconds}", env=emulator_env(emulator))

    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage: opentok-rules token" in result.stderr
    assert "argument --expire-in" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_without_credentials(session_id: str) -> None:
    line = assert_one_line_error(run("token", session_id), 2)

    assert "credentials missing" in line


# --- emulator ------------------------------------------------------------------------------


@contextmanager
def children_get_default_sigint() -> Iterator[None]:
    """Processes started inside get SIGINT's default action even if this one ignores it.

    A shell starts background jobs with SIGINT ignored, and children inherit that, so the
    emulator would never see the test's SIGINT. A signal with a handler is reset to the
    default on exec, so a handler set for the moment of the start is enough.
    """
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@pytest.mark.skipif(sys.platform == "win32", reason="stops the emulator with SIGINT")
def test_emulator_serves_until_interrupted() -> None:
    port = free_port()
    with children_get_default_sigint():
        process = subprocess.Popen(
            [*CLI, "emulator", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
        reader.start()
        printed: dict[str, str] = {}
        while True:
            line = lines.get(timeout=TIMEOUT)
            assert line is not None, "the emulator command ended before it was serving"
            if line.startswith("Serving until interrupted"):
                break
            name, _, value = line.rstrip("\n").partition("=")
            printed[name] = value
        assert set(printed) == {"OPENTOK_API_URL", "OPENTOK_API_KEY", "OPENTOK_API_SECRET"}
        assert printed["OPENTOK_API_URL"] == f"http://127.0.0.1:{port}"

        with OpenTok(
            printed["OPENTOK_API_KEY"],
            printed["OPENTOK_API_SECRET"],
            printed["OPENTOK_API_URL"],
        ) as client:
            session = client.create_session(media_mode="routed")
        fields = session_id_fields(session.session_id)
        assert fields is not None
        assert fields[1] == printed["OPENTOK_API_KEY"]

        process.send_signal(signal.SIGINT)
        # Ctrl-C is how the command is meant to end, so it exits with 0, not 130.
        assert process.wait(timeout=10) == 0
        reader.join(timeout=10)
        rest = []
        while (line := lines.get(timeout=1)) is not None:
            rest.append(line)
        assert rest == ["Stopped.\n"]
        assert process.stderr is not None
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("port", ["65536", "-1"])
def test_emulator_port_out_of_range(port: str) -> None:
    result = run("emulator", "--port", port)

    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert "--port" in result.stderr


def test_emulator_port_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = run("emulator", "--port", str(port))

    line = assert_one_line_error(result, 1)
    assert str(port) in line


# --- demo ----------------------------------------------------------------------------------


def test_demo() -> None:
    result = run("demo")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    found = {}
    for label in ("session id", "media mode", "moderator token"):
        match = re.search(f"^{label}: (.+)$", result.stdout, re.MULTILINE)
        assert match is not None, f"no {label!r} line in {result.stdout!r}"
        found[label] = match.group(1)
    assert found["media mode"] == "routed, archive mode: manual"
    fields = session_id_fields(found["session id"])
    assert fields is not None
    assert fields[0] == "1"
    claims = jwt.decode(found["moderator token"], options={"verify_signature": False})
    assert claims["role"] == "moderator"
    assert claims["session_id"] == found["session id"]
    assert claims["iss"] == fields[1]
    assert re.match(r"Started a local emulator .* at http://127\.0\.0\.1:\d+\n", result.stdout)


# --- the program as a whole ----------------------------------------------------------------


def test_version() -> None:
    result = run("--version")

    assert result.returncode == 0
    assert result.stdout == f"opentok-rules {opentok_rules.__version__}\n"


def test_no_command_is_a_usage_error() -> None:
    result = run()

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: opentok-rules")
    assert "COMMAND" in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run("destroy")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "invalid choice: 'destroy'" in result.stderr


def test_unknown_flag_is_a_usage_error() -> None:
    result = run("check", "--media-mode", "routed", "--colour", "blue")

    assert result.returncode == 2
    assert "unrecognized arguments: --colour blue" in result.stderr


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
