"""The command line keeps what its help says (issue 20, item 7).

Choices are enforced, an explicit empty credential is an error, usage errors show the
subcommand's usage (or a JSON object under ``--json``), every command's ``--help`` says what
it does, and ``create`` and ``token`` take ``--vonage`` with the Vonage environment variables.
Run in this process through ``main`` (the ``cli`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
from _support.cli import Outcome

from opentok_rules.session_ids import make_session_id
from opentok_rules.testing import Emulator

# ---- choices ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["xyz", "rout", "", "routed "])
@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_a_media_mode_outside_the_choices_is_a_usage_error(
    cli: Callable[..., Outcome], value: str, strict: list[str]
) -> None:
    code, out, err = cli("check", *strict, "--media-mode", value)
    assert (code, out) == (2, "")
    assert "usage: opentok-rules check" in err
    assert f"invalid choice: {value.lower()!r}" in err


@pytest.mark.parametrize("value", ["sometimes", "alway", "never"])
def test_an_archive_mode_outside_the_choices_is_a_usage_error(
    cli: Callable[..., Outcome], value: str
) -> None:
    code, out, err = cli("check", "--archive-mode", value)
    assert (code, out) == (2, "")
    assert "invalid choice" in err


@pytest.mark.parametrize(
    ("flags", "wrong", "right"),
    [
        (["--media-mode", "ROUTED"], "ROUTED", "routed"),
        (["--media-mode", "Relayed"], "Relayed", "relayed"),
        (["--media-mode", "routed", "--archive-mode", "ALWAYS"], "ALWAYS", "always"),
    ],
)
def test_the_choices_are_read_exactly_as_written(
    cli: Callable[..., Outcome], flags: list[str], wrong: str, right: str
) -> None:
    # The library reads {"media_mode": "ROUTED"} as relayed; the flag must not decide the same
    # words differently (issue 29): a usage error naming the value meant.
    code, out, err = cli("check", *flags)
    assert (code, out) == (2, "")
    assert f"invalid choice: {wrong!r}; did you mean {right!r}?" in err


# ---- credentials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "variable"),
    [
        ("--api-key", "OPENTOK_API_KEY"),
        ("--api-secret", "OPENTOK_API_SECRET"),
        ("--application-id", "VONAGE_APPLICATION_ID"),
        ("--private-key", "VONAGE_PRIVATE_KEY_PATH"),
    ],
)
def test_an_explicit_empty_credential_is_an_error_not_the_environment(
    cli: Callable[..., Outcome], flag: str, variable: str
) -> None:
    env = {"OPENTOK_API_KEY": "123456", "OPENTOK_API_SECRET": "ab" * 20}
    code, out, err = cli("create", flag, "", "--api-url", "http://127.0.0.1:9", **env)
    assert (code, out) == (2, "")
    assert f"{flag} is empty" in err
    assert f"${variable}" in err


def test_an_explicit_empty_api_url_is_an_error(cli: Callable[..., Outcome]) -> None:
    env = {"OPENTOK_API_KEY": "123456", "OPENTOK_API_SECRET": "ab" * 20}
    code, _, err = cli("create", "--api-url", "", **env)
    assert code == 2
    assert "--api-url is empty" in err


@pytest.mark.parametrize(("secret", "said"), [("a", "1 byte;"), ("ab", "2 bytes;")])
def test_the_short_secret_warning_counts_bytes_in_good_english(
    cli: Callable[..., Outcome], secret: str, said: str
) -> None:
    session_id = make_session_id("123456")
    code, out, err = cli("token", session_id, OPENTOK_API_KEY="123456", OPENTOK_API_SECRET=secret)
    assert code == 0, err
    assert f"the api secret is {said}" in err
    assert out.strip()


# ---- usage errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "rules", "create", "emulator"])
def test_an_unknown_flag_shows_the_subcommands_usage(
    cli: Callable[..., Outcome], command: str
) -> None:
    code, out, err = cli(command, "--colour", "blue")
    assert (code, out) == (2, "")
    assert err.startswith(f"usage: opentok-rules {command} ")
    # check takes an OPTIONS_FILE argument: "blue" is taken for it, the flag is what is refused.
    unknown = "--colour" if command == "check" else "--colour blue"
    assert f"opentok-rules {command}: error: unrecognized arguments: {unknown}\n" in err


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--colour", "blue", "--json"],
        ["check", "--json", "--media-mode", "xyz"],
        ["rules", "--json", "--strict=yes"],
    ],
)
def test_json_covers_usage_errors(cli: Callable[..., Outcome], args: list[str]) -> None:
    code, out, err = cli(*args)
    assert code == 2
    assert err == ""
    error = json.loads(out)
    assert error["exit_code"] == 2
    assert error["error"]
    assert error["usage"].startswith(f"usage: opentok-rules {args[0]}")


def test_json_covers_errors_after_parsing(cli: Callable[..., Outcome]) -> None:
    code, out, err = cli("create", "--json")  # no credentials anywhere
    assert (code, err) == (2, "")
    assert "credentials missing" in json.loads(out)["error"]


@pytest.mark.parametrize("command", ["check", "rules", "create", "token", "emulator", "demo"])
def test_every_commands_help_says_what_it_does(cli: Callable[..., Outcome], command: str) -> None:
    code, out, _ = cli(command, "--help")
    assert code == 0
    lines = out.split("\n\n")
    assert len(lines) > 2
    description = lines[1].strip()
    assert description[:1].isupper()
    assert not description.startswith(("options:", "positional arguments:"))


# ---- --vonage on create and token -------------------------------------------------------------


@pytest.fixture
def vonage_emulator() -> Iterator[Emulator]:
    pytest.importorskip("cryptography", reason="the Vonage backend needs the vonage extra")
    with Emulator(backend="vonage") as running:
        yield running


def vonage_variables(emulator: Emulator, key: Path) -> dict[str, str]:
    key.write_text(emulator.private_key, encoding="ascii")
    return {
        "VONAGE_APPLICATION_ID": emulator.application_id,
        "VONAGE_PRIVATE_KEY_PATH": str(key),
        "VONAGE_VIDEO_API_URL": emulator.url,
        # OpenTok variables set too: --vonage chooses, as the README suggests.
        "OPENTOK_API_KEY": "123456",
        "OPENTOK_API_SECRET": "ab" * 20,
    }


def test_create_and_token_take_vonage_with_its_variables(
    cli: Callable[..., Outcome], vonage_emulator: Emulator, tmp_path: Path
) -> None:
    env = vonage_variables(vonage_emulator, tmp_path / "private.key")
    code, out, err = cli("create", "--vonage", "--media-mode", "routed", **env)
    assert code == 0, err
    session_id = out.strip()
    assert len(vonage_emulator.requests) == 1

    code, out, err = cli("token", "--vonage", session_id, **env)
    assert code == 0, err
    claims = jwt.decode(out.strip(), options={"verify_signature": False})
    assert claims["application_id"] == vonage_emulator.application_id
    assert claims["session_id"] == session_id


def test_vonage_with_opentok_flags_is_an_error(cli: Callable[..., Outcome]) -> None:
    code, _, err = cli("create", "--vonage", "--api-key", "123456")
    assert code == 2
    assert "--vonage chooses the Vonage backend" in err
