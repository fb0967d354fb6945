"""Our side of "Switching from the opentok SDK" (docs/switching.rst), asserted.

The SDK is not a dependency, so its side of the page (found by running ``opentok`` 3.15.0, as
the page says) is not re-run here; its enums are copied below as the SDK defines them
(``opentok/opentok.py``). Every case of the page's "What we check that the SDK does not" table
is hard-coded in ``REFUSED``, and the page is checked to show the same cases with the same rule
ids, in both directions, so the page and this test cannot drift apart.
"""

from __future__ import annotations

import base64
import re
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest

import opentok_rules as otr
from opentok_rules.http.transport import Request, Response
from opentok_rules.testing import Emulator

PAGE = (Path(__file__).parents[1] / "docs" / "switching.rst").read_text(encoding="utf-8")


# The SDK's enums, as opentok 3.15.0 defines them (values included: routed is "disabled").
class MediaModes(Enum):
    routed = "disabled"
    relayed = "enabled"


class ArchiveModes(Enum):
    manual = "manual"
    always = "always"


class Roles(Enum):
    subscriber = "subscriber"
    publisher = "publisher"
    publisher_only = "publisheronly"
    moderator = "moderator"


RULES = {"default": otr.default_rules, "strict": otr.strict_rules}

# (what the page's first column shows, the options, the rule that refuses them)
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ('``location="1"``', {"media_mode": "routed", "location": "1"}, "location-ipv4"),
    ('``location="127.1"``', {"media_mode": "routed", "location": "127.1"}, "location-ipv4"),
    (
        '``location="1.2.3.4 junk"``',
        {"media_mode": "routed", "location": "1.2.3.4 junk"},
        "location-ipv4",
    ),
    ('``location="1.2.3"``', {"media_mode": "routed", "location": "1.2.3"}, "location-ipv4"),
    (
        "``media_mode=MediaModes.relayed, e2ee=True``",
        {"media_mode": MediaModes.relayed, "e2ee": True},
        "relayed-forbids-e2ee",
    ),
    ("``e2ee=True`` alone", {"e2ee": True}, "relayed-forbids-e2ee"),
    (
        "``media_mode=MediaModes.routed, archive_mode=ArchiveModes.always, e2ee=True``",
        {"media_mode": MediaModes.routed, "archive_mode": ArchiveModes.always, "e2ee": True},
        "always-archive-forbids-e2ee",
    ),
    (
        '``media_mode=MediaModes.routed, e2ee="yes"``',
        {"media_mode": MediaModes.routed, "e2ee": "yes"},
        "e2ee-boolean",
    ),
]


def refused(options: dict[str, Any], rules: otr.RuleRegistry | None = None) -> list[str]:
    """The ids of the rules the options break (none: they were accepted)."""
    try:
        otr.prepare_session(options, rules=rules)
    except otr.ValidationError as err:
        return [v.rule for v in err.violations]
    return []


def findings_rows() -> list[str]:
    """The body rows of the "What we check that the SDK does not" table, as source text."""
    section = PAGE.split("What we check that the SDK does not\n", 1)[1]
    table = section.split(".. list-table::", 1)[1].split("\n\n\n", 1)[0]
    table = table.split("\n\nEvery ", 1)[0]  # the paragraph after the table
    rows = re.split(r"\n   \* - ", table)[1:]
    return [" ".join(row.split()) for row in rows[1:]]  # without the header row


# What the page says about the rows


def test_every_refused_case_is_a_row_of_the_page_naming_its_rule() -> None:
    rows = findings_rows()
    for shown, _, rule in REFUSED:
        matching = [row for row in rows if shown in row.split(" - ", 1)[0]]
        assert len(matching) == 1, f"no single row of the page shows {shown}"
        assert f"Refused: ``{rule}``" in matching[0], (shown, matching[0])
        assert "Accepted; sends" in matching[0]


def test_every_row_of_the_page_is_a_refused_case() -> None:
    shown_cases = [shown for shown, _, _ in REFUSED]
    for row in findings_rows():
        first_cell = row.split(" - ", 1)[0]
        assert any(shown in first_cell for shown in shown_cases), f"not tested: {row}"
        assert re.search(r"Refused: ``[a-z0-9-]+``", row), row


# Our side of every row


@pytest.mark.parametrize("rules", list(RULES), ids=list(RULES))
@pytest.mark.parametrize(
    ("options", "rule"),
    [(options, rule) for _, options, rule in REFUSED],
    ids=[shown.strip("`") for shown, _, _ in REFUSED],
)
def test_we_refuse_it_with_the_rule_the_page_names(
    options: dict[str, Any], rule: str, rules: str
) -> None:
    assert refused(options, RULES[rules]()) == [rule]


def test_what_both_refuse() -> None:
    assert '``location="1.2.3.4.5"``' in PAGE
    assert refused({"media_mode": "routed", "location": "1.2.3.4.5"}) == ["location-ipv4"]
    assert refused({"media_mode": MediaModes.relayed, "archive_mode": ArchiveModes.always}) == [
        "always-archive-requires-routed"
    ]
    assert refused({"media_mode": MediaModes.routed, "archive_name": "standup"}) == [
        "manual-archive-forbids-name-and-resolution"
    ]


# The SDK's enum members, read by name


@pytest.mark.parametrize("rules", list(RULES), ids=list(RULES))
def test_the_sdk_enum_members_mean_their_names(rules: str) -> None:
    registry = RULES[rules]()
    routed = otr.prepare_session(media_mode=MediaModes.routed, rules=registry)
    assert routed.spec.media_mode is otr.MediaMode.ROUTED
    assert routed.params["p2p.preference"] == "disabled"
    relayed = otr.prepare_session(media_mode=MediaModes.relayed, rules=registry)
    assert relayed.spec.media_mode is otr.MediaMode.RELAYED
    always = otr.prepare_session(
        media_mode=MediaModes.routed, archive_mode=ArchiveModes.always, rules=registry
    )
    assert always.spec.archive_mode is otr.ArchiveMode.ALWAYS
    assert always.params == otr.prepare_session(media_mode="routed", archive_mode="always").params
    manual = otr.prepare_session(
        media_mode=MediaModes.routed, archive_mode=ArchiveModes.manual, rules=registry
    )
    assert manual.spec.archive_mode is otr.ArchiveMode.MANUAL


def test_the_default_media_mode_is_relayed_as_in_the_sdk() -> None:
    assert otr.prepare_session().spec.media_mode is otr.MediaMode.RELAYED


def test_the_sdk_values_are_not_ours() -> None:
    assert 'media_mode="disabled"' in PAGE
    assert "``media-mode``" in PAGE
    disabled = otr.prepare_session(media_mode=MediaModes.routed.value)
    assert disabled.spec.media_mode is otr.MediaMode.RELAYED  # "disabled" is not "routed"
    assert refused({"media_mode": "disabled"}, otr.strict_rules()) == ["media-mode"]


# Tokens, against the emulator


def decoded_role(token: str, emulator: Emulator) -> Any:
    claims = jwt.decode(token, emulator.api_secret, algorithms=["HS256"])
    return claims["role"]


def test_tokens_with_the_sdk_roles(opentok_emulator: Emulator) -> None:
    client = otr.OpenTok(
        opentok_emulator.api_key, opentok_emulator.api_secret, api_url=opentok_emulator.url
    )
    session = client.create_session(media_mode=MediaModes.routed)
    assert session.media_mode is otr.MediaMode.ROUTED
    assert opentok_emulator.sessions[0].params["p2p.preference"] == "disabled"

    token = client.generate_token(session.session_id, role=Roles.moderator)
    assert decoded_role(token, opentok_emulator) == "moderator"
    for role in Roles:
        token = session.generate_token(role=role)
        assert decoded_role(token, opentok_emulator) == role.value  # publisheronly too


def test_use_jwt_false_is_token_type_t1(opentok_emulator: Emulator) -> None:
    assert 'token_type="T1"' in PAGE
    assert "``token-known-keys``" in PAGE
    client = otr.OpenTok(
        opentok_emulator.api_key, opentok_emulator.api_secret, api_url=opentok_emulator.url
    )
    session = client.create_session(media_mode="routed")
    token = session.generate_token(role=Roles.moderator, token_type="T1")
    assert token.startswith("T1==")
    data = base64.b64decode(token[4:]).decode().partition(":")[2]
    assert parse_qs(data)["role"] == ["moderator"]

    with pytest.raises(otr.ValidationError) as caught:
        client.generate_token(session.session_id, use_jwt=False)  # type: ignore[call-arg]
    assert [v.rule for v in caught.value.violations] == ["token-known-keys"]


# The calls of the side-by-side table


def test_the_calls_shown_work(opentok_emulator: Emulator) -> None:
    client = otr.OpenTok(
        opentok_emulator.api_key, opentok_emulator.api_secret, api_url=opentok_emulator.url
    )
    calls: list[tuple[str, dict[str, Any]]] = [
        ('client.create_session(media_mode="routed")', {"media_mode": "routed"}),
        (
            'client.create_session(media_mode="routed", archive_mode="always")',
            {"media_mode": "routed", "archive_mode": "always"},
        ),
        (
            'client.create_session(media_mode="routed", location="12.34.56.78", e2ee=True)',
            {"media_mode": "routed", "location": "12.34.56.78", "e2ee": True},
        ),
    ]
    for shown, options in calls:
        assert f"``{shown}``" in PAGE
        session = client.create_session(options)
        assert opentok_emulator.sessions[-1].session_id == session.session_id
        assert opentok_emulator.sessions[-1].params == otr.prepare_session(options).params
    session = client.create_session(
        media_mode="routed",
        archive_mode="always",
        archive_name="standup",
        archive_resolution="1280x720",
    )
    assert str(session) == session.session_id
    token = session.generate_token(
        role="subscriber", data="user=42", initial_layout_class_list=["focus", "full"]
    )
    claims = jwt.decode(token, opentok_emulator.api_secret, algorithms=["HS256"])
    assert claims["connection_data"] == "user=42"
    assert claims["initial_layout_class_list"] == "focus full"


# The exceptions


class Answering:
    """A transport that answers every request with one status."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        self.response = Response(status, {"content-type": "application/json"}, body)

    def handle_request(self, request: Request) -> Response:
        return self.response

    def close(self) -> None:
        pass


def test_the_exceptions() -> None:
    assert issubclass(otr.ValidationError, otr.OpenTokError)
    assert issubclass(otr.ValidationError, ValueError)
    kinds: list[tuple[int, type[otr.AuthenticationError | otr.RequestError]]] = [
        (401, otr.AuthenticationError),
        (403, otr.AuthenticationError),
        (400, otr.RequestError),
        (500, otr.RequestError),
    ]
    for status, kind in kinds:
        client = otr.OpenTok(
            "123456", "0123456789abcdef0123456789abcdef01234567", transport=Answering(status)
        )
        with pytest.raises(otr.OpenTokError) as caught:
            client.create_session(media_mode="routed")
        error = caught.value
        assert type(error) is kind
        assert isinstance(error, otr.AuthenticationError | otr.RequestError)
        assert error.status == status
