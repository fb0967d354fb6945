"""``opentok-rules emulator`` and ``opentok-rules demo``: the commands that serve, stopped with
a signal as a user stops them.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sys
from pathlib import Path

import jwt
import pytest
from _support.cli import (
    assert_one_line_error,
    clean_env,
    needs_cryptography,
    run,
    serving,
)
from _support.http import free_port

from opentok_rules.client import OpenTok
from opentok_rules.session_ids import session_id_fields


@pytest.mark.skipif(sys.platform == "win32", reason="stops the emulator with SIGINT")
def test_emulator_serves_until_interrupted() -> None:
    port = free_port()
    with serving("--port", str(port)) as (process, printed, lines, _):
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
        rest = []
        while (line := lines.get(timeout=10)) is not None:
            rest.append(line)
        assert rest == ["Stopped.\n"]
        assert process.stderr is not None
        assert process.stderr.read() == ""


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


@needs_cryptography
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and signals")
@pytest.mark.parametrize(
    ("stop", "code"), [(signal.SIGINT, 0), (signal.SIGTERM, 128 + signal.SIGTERM)]
)
def test_emulator_vonage(stop: signal.Signals, code: int) -> None:
    from opentok_rules import VonageVideo

    with serving("--vonage") as (process, printed, _, _):
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
    with serving("--vonage") as (process, printed, _, _):
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
