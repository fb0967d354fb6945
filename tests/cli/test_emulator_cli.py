"""``opentok-rules emulator`` with ``--tls`` and ``--policy``, and the console address it prints.

The command runs as a real process; what it prints is used the way a user would: exported
settings, a CA file to trust, a console address to open.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
import urllib3

import opentok_rules as otr
from opentok_rules.http import Urllib3Transport

CLI = [sys.executable, "-m", "opentok_rules"]
TIMEOUT = 30
SERVING = "Serving until interrupted (Ctrl-C); the console is at "


def _env() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPENTOK_", "VONAGE_", "SSL_CERT", "REQUESTS_CA"))
    }


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@contextmanager
def serving(
    *args: str, cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], str]]:
    """The command running with ``args``; the ``NAME=value`` settings and console it printed."""
    process = subprocess.Popen(
        [*CLI, "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=cwd,
    )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        printed: dict[str, str] = {}
        while True:
            line = lines.get(timeout=TIMEOUT)
            assert line is not None, "the emulator command ended before it was serving"
            if line.startswith(SERVING):
                console = line[len(SERVING) :].strip()
                break
            name, _, value = line.rstrip("\n").partition("=")
            printed[name] = value
        yield process, printed, console
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_the_console_address_is_printed_and_serves_the_page() -> None:
    with serving() as (_, printed, console):
        assert console == printed["OPENTOK_API_URL"] + "/"
        with urllib3.PoolManager(retries=False) as pool:
            page = pool.request("GET", console)
    assert page.status == 200
    assert b"<title>opentok-rules emulator</title>" in page.data


def test_tls_prints_the_ca_file_and_serves_https() -> None:
    pytest.importorskip("cryptography", reason="--tls needs cryptography (the vonage extra)")
    with serving("--tls") as (process, printed, console):
        ca_file = printed["SSL_CERT_FILE"]
        assert printed["REQUESTS_CA_BUNDLE"] == ca_file
        url = printed["OPENTOK_API_URL"]
        assert url.startswith("https://127.0.0.1:")
        assert console == url + "/"
        with otr.OpenTok(
            printed["OPENTOK_API_KEY"],
            printed["OPENTOK_API_SECRET"],
            api_url=url,
            transport=Urllib3Transport(ca_certs=ca_file),
        ) as client:
            session = client.create_session(media_mode="routed")
        with urllib3.PoolManager(ca_certs=ca_file, retries=False) as pool:
            sessions = json.loads(pool.request("GET", url + "/console/api/sessions").data)
        assert sessions["sessions"][0]["session_id"] == session.session_id
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
    assert not Path(ca_file).exists()


POLICY = """\
base = "default"

[[session]]
id = "acme-routed-only"
kind = "allowed"
key = "media_mode"
values = ["routed"]
"""


def console_rules(printed: dict[str, str]) -> Any:
    with urllib3.PoolManager(retries=False) as pool:
        answer = pool.request("GET", printed["OPENTOK_API_URL"] + "/console/api/rules")
    return json.loads(answer.data)


def test_policy_chooses_the_console_rules(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(POLICY)
    with serving("--policy", str(path)) as (_, printed, _console):
        rules = console_rules(printed)
    assert rules["rules"][-1]["id"] == "acme-routed-only"
    assert rules["rules"][-1]["kind"] == "allowed"
    assert rules["policy"] == str(path)


def test_without_policy_the_nearest_one_is_used_as_check_does(tmp_path: Path) -> None:
    (tmp_path / "opentok-rules.toml").write_text(POLICY)
    project = tmp_path / "app" / "src"
    project.mkdir(parents=True)
    with serving(cwd=project) as (_, printed, _console):
        found = console_rules(printed)
    with serving("--no-policy", cwd=project) as (_, printed, _console):
        plain = console_rules(printed)
    assert found["policy"] == str(tmp_path / "opentok-rules.toml")
    assert found["rules"][-1]["id"] == "acme-routed-only"
    assert plain["policy"] is None
    assert [rule["id"] for rule in plain["rules"]] == list(otr.default_rules().ids())


def test_an_unusable_policy_stops_the_command_with_code_1(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "x"\nkind = "no-such-kind"\n')
    result = subprocess.run(
        [*CLI, "emulator", "--policy", str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(),
        check=False,
    )
    assert result.returncode == 1
    assert str(path) in result.stderr
    assert "no-such-kind" in result.stderr
    assert "Serving" not in result.stdout


def test_policy_and_no_policy_exclude_each_other(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "emulator", "--policy", str(tmp_path / "x.toml"), "--no-policy"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_env(),
        check=False,
    )
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
