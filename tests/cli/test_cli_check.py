"""The ``opentok-rules`` command line, run as a subprocess exactly as a user runs it.

Every command goes through ``python -m opentok_rules`` (and once through the installed
``opentok-rules`` script), so argument parsing, exit codes, stdout and stderr are tested
together; each subprocess has a timeout, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import importlib.util
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
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import jwt
import pytest

import opentok_rules
from opentok_rules.cli import main
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
# The token rule that checks a session id against the signing api key or application id.
SESSION_RULE = "token-session-belongs-to-key"
SEVERAL_RULE_IDS = [
    "always-archive-requires-routed",
    "relayed-forbids-e2ee",
    "always-archive-forbids-e2ee",
    "location-ipv4",
    "archive-resolution-valid",
]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any OpenTok or Vonage settings, plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPENTOK_", "VONAGE_"))
    }
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
    """The rule ids of ``opentok-rules: RULE: FLAG: MESSAGE`` lines, in order."""
    ids = []
    for line in stderr.splitlines():
        match = re.fullmatch(r"opentok-rules: ([a-z0-9-]+): (--[a-z-]+|SESSION_ID|-): .+", line)
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


#: What in-process runs return: the exit code, stdout and stderr.
Outcome = tuple[int, str, str]


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Outcome]:
    """``main(args)`` in this process, faster than a subprocess, with no OpenTok or Vonage
    settings but the keywords (set as environment variables)."""
    for name in list(os.environ):
        if name.startswith(("OPENTOK_", "VONAGE_")):
            monkeypatch.delenv(name)

    def call(*args: str, **env: str) -> Outcome:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return call


needs_cryptography = pytest.mark.skipif(
    importlib.util.find_spec("cryptography") is None,
    reason="the Vonage backend needs the vonage extra (cryptography)",
)


@pytest.fixture
def vonage_emulator() -> Iterator[Emulator]:
    pytest.importorskip("cryptography", reason="the Vonage backend needs the vonage extra")
    with Emulator(backend="vonage") as running:
        yield running


@pytest.fixture
def key_file(vonage_emulator: Emulator, tmp_path: Path) -> Path:
    """The Vonage emulator's private key in a file, as the dashboard hands it out."""
    path = tmp_path / "private.key"
    path.write_text(vonage_emulator.private_key, encoding="ascii")
    return path


def vonage_env(emulator: Emulator, key_path: Path, **overrides: str) -> dict[str, str]:
    settings = {
        "VONAGE_APPLICATION_ID": emulator.application_id,
        "VONAGE_PRIVATE_KEY_PATH": str(key_path),
        "VONAGE_VIDEO_API_URL": emulator.url,
    }
    settings.update(overrides)
    return clean_env(**settings)


def decode_vonage_jwt(token: str, private_key_pem: str) -> dict[str, Any]:
    """The claims of an RS256 token, verified with the public half of ``private_key_pem``."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    claims: dict[str, Any] = jwt.decode(token, key.public_key(), algorithms=["RS256"])  # type: ignore[arg-type]
    return claims


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


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_rules_lists_the_registry_in_order(strict: bool) -> None:
    registry = opentok_rules.strict_rules() if strict else opentok_rules.default_rules()

    result = run("rules", *(["--strict"] if strict else []))

    assert result.returncode == 0, result.stderr
    listed = []
    for line in result.stdout.splitlines():
        match = re.fullmatch(r" ?(\d+)\. (\S+) +(\S+) +(deny|warn)  (.+)", line)
        assert match is not None, f"not a rule line: {line!r}"
        listed.append((int(match.group(1)), match.group(2), match.group(3), match.group(5)))
    assert [rule_id for _, rule_id, _, _ in listed] == list(registry.ids())
    assert [number for number, _, _, _ in listed] == list(range(1, 13))
    assert [kind for _, _, kind, _ in listed] == [getattr(r, "kind", "python") for r in registry]
    assert [text for _, _, _, text in listed] == [rule.description for rule in registry]


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
    assert "invalid choice: 'rooted'" in result.stderr
    assert emulator.requests == []


def test_create_with_an_invalid_url() -> None:
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20)

    line = assert_one_line_error(run("create", "--api-url", "ftp://example.com", env=env), 2)

    assert "--api-url" in line


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
    assert violation_rule_ids(result.stderr) == [SESSION_RULE]
    assert emulator.api_secret not in result.stderr


def test_token_for_something_that_is_no_session_id(emulator: Emulator) -> None:
    result = run("token", "not-a-session", env=emulator_env(emulator))

    assert result.returncode == 2
    assert violation_rule_ids(result.stderr) == [SESSION_RULE]


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
        SESSION_RULE,
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
    # "blue" is taken for check's OPTIONS_FILE; the unknown flag is what is refused.
    assert "unrecognized arguments: --colour" in result.stderr


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


# --- the Vonage Video API backend ----------------------------------------------------------


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


# --- --help --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("check", ["--media-mode {routed,relayed}", "--archive-mode {manual,always}"]),
        ("check", ["--archive-resolution {640x480,480x640,1280x720,720x1280,1920x1080,1080x1920}"]),
        ("create", ["--media-mode {routed,relayed}", "--timeout SECONDS", "--deadline SECONDS"]),
        ("token", ["--role {subscriber,publisher,publisheronly,moderator}", "--type {JWT,T1}"]),
        ("token", ["--application-id UUID", "--private-key PATH"]),
        ("emulator", ["--vonage"]),
        ("demo", ["--vonage", "--json"]),
    ],
)
def test_help_lists_the_choices(
    cli: Callable[..., Outcome], command: str, expected: list[str]
) -> None:
    code, out, _ = cli(command, "--help")

    assert code == 0
    flat = " ".join(out.split())
    for text in expected:
        assert text in flat


def _subcommand_actions() -> Iterator[tuple[str, argparse.Action]]:
    from opentok_rules.cli import _parser

    [commands] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name, parser in commands.choices.items():
        for action in parser._actions:
            yield name, action


def test_every_flag_has_one_line_of_help() -> None:
    actions = list(_subcommand_actions())

    assert len(actions) > 40
    for command, action in actions:
        assert action.help, f"{command} {action.option_strings} has no help"
        assert "\n" not in action.help
        rendered = action.help % {"default": action.default, "prog": "x"}
        assert len(rendered) <= 100, f"{command} {action.option_strings}: help too long"


# --- errors name the flags the user typed ---------------------------------------------------

# A Python option name in a message, where the user typed a flag.
PYTHON_NAME = re.compile(
    r"(?<![\w-])(media_mode|archive_mode|archive_name|archive_resolution|expire_time|"
    r"initial_layout_class_list|token_type|session_id|api_url|api_key|api_secret|e2ee)\b"
)


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


@pytest.mark.parametrize(
    ("args", "rule", "flag"),
    [
        (["--role", "boss"], "token-role", "--role"),
        (["--expire-in", str(31 * 86400)], "token-expire-time", "--expire-in"),
        (["--data", "x" * 1000], "token-data-length", "--data"),
        (["--layout-class", "a b"], "token-layout-classes", "--layout-class"),
        (["--type", "T2"], "token-type", "--type"),
    ],
)
def test_token_errors_name_flags(
    cli: Callable[..., Outcome], args: list[str], rule: str, flag: str
) -> None:
    api_key = "123456"
    session_id = make_session_id(api_key)

    code, out, err = cli(
        "token", session_id, *args, OPENTOK_API_KEY=api_key, OPENTOK_API_SECRET="ab" * 20
    )

    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"opentok-rules: {rule}: {flag}: {flag}")
    assert PYTHON_NAME.search(line) is None, line


def test_token_expire_in_error_speaks_in_seconds(cli: Callable[..., Outcome]) -> None:
    seconds = str(31 * 86400)

    _, _, err = cli(
        "token",
        make_session_id("123456"),
        "--expire-in",
        seconds,
        OPENTOK_API_KEY="123456",
        OPENTOK_API_SECRET="ab" * 20,
    )

    assert err.rstrip().endswith(
        f"--expire-in must be 1 to 2592000 seconds (30 days); got {seconds}"
    )


def test_a_layout_class_is_named_by_its_position(cli: Callable[..., Outcome]) -> None:
    _, _, err = cli(
        "token",
        make_session_id("123456"),
        "--layout-class",
        "focus",
        "--layout-class",
        "a b",
        OPENTOK_API_KEY="123456",
        OPENTOK_API_SECRET="ab" * 20,
    )

    assert "--layout-class #2 is 'a b'" in err


# --- --timeout and --deadline --------------------------------------------------------------


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


# --- --api-url -----------------------------------------------------------------------------


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


def test_token_ignores_the_url(emulator: Emulator, session_id: str) -> None:
    env = emulator_env(emulator, OPENTOK_API_URL="http://127.0.0.1:99999")

    from_env = run("token", session_id, env=env)
    from_flag = run("token", session_id, "--api-url", "not a url", env=env)

    for result in (from_env, from_flag):
        assert result.returncode == 0, result.stderr
        assert decode_jwt(result.stdout.strip(), emulator)["session_id"] == session_id


# --- --json --------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_rules_json(cli: Callable[..., Outcome], strict: bool) -> None:
    registry = opentok_rules.strict_rules() if strict else opentok_rules.default_rules()

    code, out, err = cli("rules", "--json", *(["--strict"] if strict else []))

    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {
            "id": r.id,
            "description": r.description,
            "kind": getattr(r, "kind", "python"),
            "severity": "deny",
            "source": None,
        }
        for r in registry
    ]


def test_token_json(emulator: Emulator, session_id: str) -> None:
    result = run("token", session_id, "--json", env=emulator_env(emulator))

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"token", "session_id"}
    assert output["session_id"] == session_id
    assert decode_jwt(output["token"], emulator)["session_id"] == session_id


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


def test_create_json_violations_send_nothing(emulator: Emulator) -> None:
    result = run("create", "--json", "--location", "localhost", env=emulator_env(emulator))

    assert (result.returncode, result.stderr) == (2, "")
    [violation] = json.loads(result.stdout)
    assert violation["rule"] == "location-ipv4"
    assert emulator.requests == []


def test_token_json_violations(cli: Callable[..., Outcome]) -> None:
    code, out, err = cli(
        "token",
        make_session_id("999"),
        "--json",
        "--role",
        "boss",
        OPENTOK_API_KEY="123456",
        OPENTOK_API_SECRET="ab" * 20,
    )

    assert (code, err) == (2, "")
    assert [(v["rule"], v["flag"]) for v in json.loads(out)] == [
        (SESSION_RULE, "SESSION_ID"),
        ("token-role", "--role"),
    ]


def test_demo_json() -> None:
    result = run("demo", "--json")

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"backend", "session_id", "media_mode", "archive_mode", "token"}
    assert output["backend"] == "OpenTok"
    assert (output["media_mode"], output["archive_mode"]) == ("routed", "manual")
    claims = jwt.decode(output["token"], options={"verify_signature": False})
    assert claims["session_id"] == output["session_id"]
    assert claims["role"] == "moderator"


# --- a short api secret --------------------------------------------------------------------

SHORT_SECRET_WARNING = (
    "opentok-rules: warning: the api secret is 5 bytes; OpenTok secrets are 40 characters, "
    "and HS256 keys under 32 bytes are weak"
)


def assert_no_foreign_warning(stderr: str) -> None:
    assert "InsecureKeyLengthWarning" not in stderr
    assert "Warning:" not in stderr
    assert ".py" not in stderr
    assert "jwt" not in stderr.lower()


def test_token_with_a_short_secret_warns_in_one_line_of_ours() -> None:
    # PYTHONWARNINGS=always: PyJWT's warning would show even where a filter hid it before.
    env = clean_env(OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="short", PYTHONWARNINGS="always")

    result = run("token", make_session_id("123456"), env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [SHORT_SECRET_WARNING]
    assert_no_foreign_warning(result.stderr)
    assert "short" not in result.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT's own warning, on this test's decode
        claims = jwt.decode(result.stdout.strip(), "short", algorithms=["HS256"])
    assert claims["iss"] == "123456"


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


def test_a_long_secret_gives_no_warning(cli: Callable[..., Outcome]) -> None:
    code, _, err = cli(
        "token", make_session_id("123456"), OPENTOK_API_KEY="123456", OPENTOK_API_SECRET="ab" * 20
    )

    assert (code, err) == (0, "")


# --- emulator --vonage and demo --vonage ----------------------------------------------------


@contextmanager
def serving(
    *args: str,
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], queue.Queue[str | None]]]:
    """The ``emulator`` command running with ``args``; the settings it printed; its output."""
    with children_get_default_sigint():
        process = subprocess.Popen(
            [*CLI, "emulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        printed: dict[str, str] = {}
        while True:
            line = lines.get(timeout=TIMEOUT)
            assert line is not None, "the emulator command ended before it was serving"
            if line.startswith("Serving until interrupted"):
                break
            name, _, value = line.rstrip("\n").partition("=")
            printed[name] = value
        yield process, printed, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@needs_cryptography
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and signals")
@pytest.mark.parametrize(
    ("stop", "code"), [(signal.SIGINT, 0), (signal.SIGTERM, 128 + signal.SIGTERM)]
)
def test_emulator_vonage(stop: signal.Signals, code: int) -> None:
    from opentok_rules import VonageVideo

    with serving("--vonage") as (process, printed, _):
        assert set(printed) == {
            "VONAGE_VIDEO_API_URL",
            "VONAGE_APPLICATION_ID",
            "VONAGE_PRIVATE_KEY_PATH",
        }
        key_path = Path(printed["VONAGE_PRIVATE_KEY_PATH"])
        assert key_path.stat().st_mode & 0o777 == 0o600
        assert key_path.parent.stat().st_mode & 0o777 == 0o700
        assert key_path.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----")

        with VonageVideo(
            printed["VONAGE_APPLICATION_ID"], key_path, api_url=printed["VONAGE_VIDEO_API_URL"]
        ) as client:
            session = client.create_session(media_mode="routed")
        fields = session_id_fields(session.session_id)
        assert fields is not None
        assert fields[1] == printed["VONAGE_APPLICATION_ID"]

        process.send_signal(stop)
        assert process.wait(timeout=10) == code
        assert not key_path.exists()
        assert not key_path.parent.exists()
        assert process.stderr is not None
        assert process.stderr.read() == ""


@needs_cryptography
def test_emulator_vonage_is_usable_by_the_cli_itself() -> None:
    with serving("--vonage") as (process, printed, _):
        env = clean_env(**printed)
        created = run("create", "--media-mode", "routed", env=env)
        assert created.returncode == 0, created.stderr
        token = run("token", created.stdout.strip(), "--json", env=env)
        assert token.returncode == 0, token.stderr
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)

    key = Path(printed["VONAGE_PRIVATE_KEY_PATH"])
    assert json.loads(token.stdout)["session_id"] == created.stdout.strip()
    assert not key.exists()


@needs_cryptography
def test_demo_vonage() -> None:
    result = run("demo", "--vonage")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.match(
        r"Started a local emulator of the Vonage Video API at http://127\.0\.0\.1:\d+\n",
        result.stdout,
    )
    found = dict(re.findall(r"^(session id|moderator token): (.+)$", result.stdout, re.MULTILINE))
    fields = session_id_fields(found["session id"])
    assert fields is not None
    claims = jwt.decode(found["moderator token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(found["moderator token"])["alg"] == "RS256"
    assert claims["application_id"] == fields[1]
    assert claims["session_id"] == found["session id"]
    assert claims["role"] == "moderator"
    assert claims["sub"] == "video"


@needs_cryptography
def test_demo_vonage_json() -> None:
    result = run("demo", "--vonage", "--json")

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["backend"] == "Vonage"
    claims = jwt.decode(output["token"], options={"verify_signature": False})
    assert claims["session_id"] == output["session_id"]


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


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # As `opentok-rules rules | head -0`: nobody reads the pipe, so every write fails (EPIPE).
    # Buffered as in a user's shell (PYTHONUNBUFFERED, set on some CI machines, would make the
    # first write fail at once and hide a failure that only shows at the exit flush).
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    try:
        process = subprocess.run(
            [sys.executable, "-m", "opentok_rules", "rules"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert process.returncode == 141
    assert process.stderr == b""
