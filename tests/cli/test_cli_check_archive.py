"""``opentok-rules check --archive``: archive options validated offline, as prepare_archive does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.archives import weekly_body
from _support.cli import Outcome
from _support.paths import ROOT

from opentok_rules.session_ids import session_id_fields


@pytest.fixture
def cli(
    cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Outcome]:
    """conftest's ``cli``, in an empty folder: no policy file is found."""
    monkeypatch.chdir(tmp_path)
    return cli


def test_valid_options_print_the_spec_and_the_rest_body(cli: Callable[..., Outcome]) -> None:
    options = {"name": "weekly", "layout": {"type": "pip"}, "resolution": "1280x720"}
    code, out, err = cli(
        "check", "--archive", "-", "--session-id", "1_abc", stdin=json.dumps(options)
    )
    assert (code, err) == (0, "")
    printed = json.loads(out)
    assert printed["body"] == weekly_body("1_abc", layout={"type": "pip"})
    assert printed["spec"]["output_mode"] == "composed"
    assert printed["spec"]["layout"] == {
        "type": "pip",
        "stylesheet": None,
        "screenshare_type": None,
    }


def test_without_a_session_id_one_of_the_project_is_made_up(
    cli: Callable[..., Outcome], tmp_path: Path
) -> None:
    path = tmp_path / "options.json"
    path.write_text('{"name": "weekly"}')
    code, out, _ = cli("check", "--archive", str(path), OPENTOK_API_KEY="4567")
    assert code == 0
    made_up = json.loads(out)["body"]["sessionId"]
    assert session_id_fields(made_up)[1] == "4567"  # type: ignore[index]
    code, out, _ = cli("check", "--archive")
    assert code == 0
    assert json.loads(out)["body"]["outputMode"] == "composed"


def test_every_violation_is_reported_with_exit_code_2(cli: Callable[..., Outcome]) -> None:
    options = {"layout": {"type": "custom"}, "max_bitrate": 5, "quantization_parameter": 20}
    code, out, err = cli("check", "--archive", "-", "--json", stdin=json.dumps(options))
    assert code == 2
    assert [v["rule"] for v in json.loads(out)] == [
        "archive-custom-layout-stylesheet",
        "archive-max-bitrate-range",
        "archive-bitrate-or-quantization",
    ]
    code, out, err = cli("check", "--archive", "-", stdin=json.dumps({"nmae": "x"}))
    assert code == 2
    assert "archive-known-keys" in err
    assert "did you mean 'name'?" in err


def test_strict_and_a_policy_choose_the_archive_rules(
    cli: Callable[..., Outcome], tmp_path: Path
) -> None:
    code, _, err = cli("check", "--archive", "--strict")
    assert code == 2
    assert "archive-name-required" in err
    policy = tmp_path / "opentok-rules.toml"
    policy.write_text(
        '[[archive]]\nid = "acme-names"\nkind = "pattern"\nkey = "name"\npattern = "acme-[a-z]+"\n'
    )
    code, _, err = cli("check", "--archive", "-", stdin='{"name": "weekly"}')
    assert code == 2
    assert "acme-names" in err
    code, _, _ = cli("check", "--archive", "-", "--no-policy", stdin='{"name": "weekly"}')
    assert code == 0


def test_session_flags_and_archive_options_do_not_mix(cli: Callable[..., Outcome]) -> None:
    code, _, err = cli("check", "--archive", "--media-mode", "routed")
    assert code == 2
    assert "--media-mode set session options" in err
    code, _, err = cli("check", "--session-id", "1_abc")
    assert code == 2
    assert "--session-id is for --archive" in err


def test_an_options_file_that_is_not_an_object_is_refused(cli: Callable[..., Outcome]) -> None:
    code, _, err = cli("check", "--archive", "-", stdin="[1, 2]")
    assert code == 1
    assert err


def test_the_example_in_the_cli_page_is_what_check_prints(cli: Callable[..., Outcome]) -> None:
    page = (ROOT / "docs" / "cli.rst").read_text(encoding="utf-8")
    block = page.split("   $ echo '", 1)[1].split("\n\n", 1)[0]
    command, printed = block.splitlines()
    stdin = command.split("' | ", 1)[0]
    assert command.endswith("| opentok-rules check --archive -")
    code, out, err = cli("check", "--archive", "-", stdin=stdin)
    assert (code, out) == (2, "")
    assert err.strip() == printed.strip()
