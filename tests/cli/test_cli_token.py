"""``opentok-rules token``: JWT and T1 client tokens signed with the project's secret, and
every refusal of the token rules, as text and as JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable

import jwt
import pytest
from _support.cli import (
    PYTHON_NAME,
    SESSION_RULE,
    SHORT_SECRET_WARNING,
    TIMEOUT,
    Outcome,
    assert_no_foreign_warning,
    assert_one_line_error,
    clean_env,
    decode_jwt,
    emulator_env,
    run,
    violation_rule_ids,
)

from opentok_rules.session_ids import make_session_id
from opentok_rules.testing import Emulator


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


def test_token_ignores_the_url(emulator: Emulator, session_id: str) -> None:
    env = emulator_env(emulator, OPENTOK_API_URL="http://127.0.0.1:99999")

    from_env = run("token", session_id, env=env)
    from_flag = run("token", session_id, "--api-url", "not a url", env=env)

    for result in (from_env, from_flag):
        assert result.returncode == 0, result.stderr
        assert decode_jwt(result.stdout.strip(), emulator)["session_id"] == session_id


def test_token_json(emulator: Emulator, session_id: str) -> None:
    result = run("token", session_id, "--json", env=emulator_env(emulator))

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"token", "session_id"}
    assert output["session_id"] == session_id
    assert decode_jwt(output["token"], emulator)["session_id"] == session_id


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
