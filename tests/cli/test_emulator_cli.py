"""``opentok-rules emulator`` with ``--tls`` and ``--policy``, and the console address it prints.

The command runs as a real process; what it prints is used the way a user would: exported
settings, a CA file to trust, a console address to open.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
import urllib3
from _support.cli import SETTINGS_PREFIXES, TIMEOUT, TLS_PREFIXES, run, scrubbed_env, serving

import opentok_rules as otr
from opentok_rules.http import Urllib3Transport


def test_the_console_address_is_printed_and_serves_the_page() -> None:
    with serving() as (_, printed, _, console):
        assert console == printed["OPENTOK_API_URL"] + "/"
        with urllib3.PoolManager(retries=False) as pool:
            page = pool.request("GET", console)
    assert page.status == 200
    assert b"<title>opentok-rules emulator</title>" in page.data


def test_tls_prints_the_ca_file_and_serves_https() -> None:
    pytest.importorskip("cryptography", reason="--tls needs cryptography (the vonage extra)")
    with serving("--tls") as (process, printed, _, console):
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
    with serving("--policy", str(path)) as (_, printed, _, _):
        rules = console_rules(printed)
    assert rules["rules"][-1]["id"] == "acme-routed-only"
    assert rules["rules"][-1]["kind"] == "allowed"
    assert rules["policy"] == str(path)


def test_without_policy_the_nearest_one_is_used_as_check_does(tmp_path: Path) -> None:
    (tmp_path / "opentok-rules.toml").write_text(POLICY)
    project = tmp_path / "app" / "src"
    project.mkdir(parents=True)
    with serving(cwd=project) as (_, printed, _, _):
        found = console_rules(printed)
    with serving("--no-policy", cwd=project) as (_, printed, _, _):
        plain = console_rules(printed)
    assert found["policy"] == str(tmp_path / "opentok-rules.toml")
    assert found["rules"][-1]["id"] == "acme-routed-only"
    assert plain["policy"] is None
    assert [rule["id"] for rule in plain["rules"]] == list(otr.default_rules().ids())


def test_an_unusable_policy_stops_the_command_with_code_1(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "x"\nkind = "no-such-kind"\n')
    result = run(
        "emulator", "--policy", str(path), env=scrubbed_env(SETTINGS_PREFIXES + TLS_PREFIXES)
    )
    assert result.returncode == 1
    assert str(path) in result.stderr
    assert "no-such-kind" in result.stderr
    assert "Serving" not in result.stdout


def test_policy_and_no_policy_exclude_each_other(tmp_path: Path) -> None:
    result = run(
        "emulator",
        "--policy",
        str(tmp_path / "x.toml"),
        "--no-policy",
        env=scrubbed_env(SETTINGS_PREFIXES + TLS_PREFIXES),
    )
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
