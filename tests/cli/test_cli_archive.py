"""``opentok-rules archive ...`` against an emulator started in the test: start, stop, get,
list, delete and layout, on both backends, with the policy's ``[[archive]]`` rules checked
before anything is sent.

The commands run through ``_support.cli.run``: ``main`` in this process as a process of its own
would run it (its environment, working directory and pipes), faster than a subprocess and
counted by coverage."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.cli import emulator_env, run, vonage_env
from _support.policies import ARCHIVE_NAMES

import opentok_rules as otr
from opentok_rules.testing import Emulator

HOUSE_POLICY = ARCHIVE_NAMES


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> Cli:
    return Cli(tmp_path, emulator_env(emulator))


class Cli:
    """``opentok-rules archive ...`` in a folder of the test's own (so no policy is found
    unless the test writes one), with the emulator's credentials in the environment."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run("archive", *args, env=self.env, cwd=self.folder)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return result.stdout

    def error(self, code: int, *args: str) -> str:
        """The one line on stderr of a command that failed with ``code``."""
        result = self(*args)
        assert result.returncode == code, (result.stdout, result.stderr)
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        return result.stderr


def routed_session(emulator: Emulator) -> str:
    with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
        return client.create_session(media_mode="routed").session_id


def test_an_archive_from_start_to_delete(cli: Cli, emulator: Emulator) -> None:
    session_id = routed_session(emulator)
    started = json.loads(
        cli.ok("start", session_id, "--name", "weekly", "--resolution", "1280x720", "--json")
    )
    archive_id = started["id"]
    assert started["status"] == "started"
    assert (started["session_id"], started["name"]) == (session_id, "weekly")
    assert (started["resolution"], started["output_mode"]) == ("1280x720", "composed")
    assert started["created_at"].endswith("+00:00")
    assert [a.id for a in emulator.archives if a.session_id == session_id] == [archive_id]

    assert cli.ok("layout", archive_id, "--type", "custom", "--stylesheet", "s { }") == ""
    [held] = [a for a in emulator.archives if a.id == archive_id]
    assert held.layout == {"type": "custom", "stylesheet": "s { }"}
    assert json.loads(cli.ok("layout", archive_id, "--type", "pip", "--json")) == {
        "archive_id": archive_id,
        "layout": {"type": "pip"},
    }

    assert cli.ok("stop", archive_id) == f"{archive_id} stopped\n"
    assert cli.ok("get", archive_id) == f"{archive_id} available\n"
    got = json.loads(cli.ok("get", archive_id, "--json"))
    assert got["status"] == "available"
    assert got["url"].endswith(f"/{archive_id}/archive.mp4")
    assert got["reason"] == "user initiated"

    [line] = cli.ok("list", "--session-id", session_id).splitlines()
    assert line.split() == [archive_id, "available", started["created_at"][:19] + "Z", "weekly"]
    listed = json.loads(cli.ok("list", "--session-id", session_id, "--json"))
    assert listed == {"total": 1, "archives": [got]}

    assert cli.ok("delete", archive_id) == ""
    message = cli.error(1, "get", archive_id)
    assert "404" in message
    assert archive_id in message
    assert json.loads(cli.ok("list", "--session-id", session_id, "--json"))["total"] == 0


def test_start_prints_the_id_and_list_pages(cli: Cli, emulator: Emulator) -> None:
    session_id = routed_session(emulator)
    first = cli.ok("start", session_id).strip()
    second = cli.ok("start", session_id, "--multi-archive-tag", "b", "--output-mode", "individual")
    assert [a.id for a in emulator.archives[:2]] == [second.strip(), first]
    page = json.loads(cli.ok("list", "--session-id", session_id, "--offset", "1", "--json"))
    assert page["total"] == 2
    assert [a["id"] for a in page["archives"]] == [first]
    assert page["archives"][0]["output_mode"] == "composed"
    assert cli.ok("list", "--session-id", session_id, "--count", "1").split()[0] == second.strip()


def test_the_rules_refuse_before_anything_is_sent(cli: Cli, emulator: Emulator) -> None:
    session_id = routed_session(emulator)
    sent = len(emulator.requests)
    result = cli("start", session_id, "--no-audio", "--no-video", "--max-bitrate", "5", "--json")
    assert result.returncode == 2
    found = json.loads(result.stdout)
    assert [v["rule"] for v in found] == ["archive-audio-or-video", "archive-max-bitrate-range"]
    assert found[1]["flag"] == "--max-bitrate"
    assert found[1]["message"].startswith("--max-bitrate must be from 100,000")
    message = cli.error(2, "start", session_id, "--layout", "custom")
    assert message.startswith("opentok-rules: archive-custom-layout-stylesheet: --stylesheet: ")
    archive_id = cli.ok("start", session_id).strip()
    message = cli.error(2, "layout", archive_id, "--type", "pip", "--stylesheet", "s { }")
    assert "--stylesheet" in message
    # One create and one start were all that reached the emulator.
    assert [r.path.rsplit("/", 1)[-1] for r in emulator.requests[sent:]] == ["archive"]


def test_the_service_refusals_end_in_one_line(cli: Cli, emulator: Emulator) -> None:
    session_id = routed_session(emulator)
    archive_id = cli.ok("start", session_id).strip()
    message = cli.error(1, "start", session_id)
    assert message.count("\n") == 1
    assert "409" in message
    assert "already being recorded" in message
    result = cli("delete", archive_id, "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["exit_code"] == 1
    assert "409" in answer["error"]
    assert "stop it first" in answer["error"]
    message = cli.error(1, "stop", "00000000-0000-4000-8000-000000000000")
    assert "404" in message
    with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
        relayed = client.create_session(media_mode="relayed").session_id
    assert "relayed" in cli.error(1, "start", relayed)


def test_the_policy_house_rules_and_strict(cli: Cli, emulator: Emulator, tmp_path: Path) -> None:
    session_id = routed_session(emulator)
    policy = tmp_path / "house.toml"
    policy.write_text(HOUSE_POLICY)
    message = cli.error(2, "start", session_id, "--policy", str(policy), "--name", "weekly")
    assert message == (
        "opentok-rules: acme-archive-names: --name: archive names start with acme-\n"
    )
    # Found in the working directory like `create`'s, unless --no-policy.
    (tmp_path / "opentok-rules.toml").write_text(HOUSE_POLICY)
    assert "acme-archive-names" in cli.error(2, "start", session_id, "--name", "weekly")
    archive_id = cli.ok("start", session_id, "--no-policy", "--name", "weekly").strip()
    cli.ok("stop", archive_id)
    archive_id = cli.ok("start", session_id, "--name", "acme-weekly").strip()
    cli.ok("stop", archive_id)
    (tmp_path / "opentok-rules.toml").unlink()
    assert "name" in cli.error(2, "start", session_id, "--strict")
    message = cli.error(2, "start", session_id, "--strict", "--policy", str(policy))
    assert "--strict" in message
    # A policy file that cannot be used stops start (exit 1), never get or list.
    (tmp_path / "opentok-rules.toml").write_text("[[archive]]\nkind = 'nonsense'\n")
    assert cli("start", session_id).returncode == 1
    assert cli.ok("get", archive_id).split() == [archive_id, "available"]


def test_the_vonage_backend(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")
    with Emulator(backend="vonage") as emulator:
        key = tmp_path / "private.key"
        key.write_text(emulator.private_key)
        key.chmod(0o600)
        cli = Cli(
            tmp_path,
            vonage_env(emulator, key),
        )
        with otr.VonageVideo(emulator.application_id, key.read_text(), api_url=emulator.url) as c:
            session_id = c.create_session(media_mode="routed").session_id
        archive_id = cli.ok("start", session_id, "--vonage").strip()
        assert cli.ok("stop", archive_id, "--vonage") == f"{archive_id} stopped\n"
        listed = json.loads(cli.ok("list", "--vonage", "--json"))
        assert [a["id"] for a in listed["archives"]] == [archive_id]
        assert cli.ok("delete", archive_id, "--vonage") == ""
        assert emulator.archives == []
        assert emulator.private_key not in cli.error(1, "get", archive_id, "--vonage")


def test_usage_errors(cli: Cli) -> None:
    result = cli("stop", "--bogus", "x")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: opentok-rules archive stop ")
    assert "unrecognized arguments: --bogus" in result.stderr
    assert cli("").returncode == 2
    assert "--type" in cli.error(2, "layout", "x")
    assert "at most 1000" in cli.error(2, "list", "--count", "1001")
    assert "whole number" in cli.error(2, "start", "1_x", "--max-bitrate", "lots")
    assert "--json" in cli.ok("get", "--help")


def test_layout_and_delete_print_json(cli: Cli, emulator: Emulator) -> None:
    archive_id = cli.ok("start", routed_session(emulator)).strip()
    changed = cli.ok(
        "layout", archive_id, "--type", "bestFit", "--screenshare-type", "pip", "--json"
    )
    assert json.loads(changed) == {
        "archive_id": archive_id,
        "layout": {"type": "bestFit", "screenshareType": "pip"},
    }
    [held] = [a for a in emulator.archives if a.id == archive_id]
    assert held.layout == {"type": "bestFit", "screenshareType": "pip"}
    assert json.loads(cli.ok("stop", archive_id, "--json"))["status"] == "stopped"
    assert json.loads(cli.ok("delete", archive_id, "--json")) == {"deleted": archive_id}
    message = cli.error(2, "get", archive_id, "--strict", "--policy", "house.toml")
    assert "--strict picks the library's strict rules" in message
