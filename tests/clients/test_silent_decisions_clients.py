"""Issue 29, item 1 through the clients: a dropped key and a media mode read as relayed reach
``Session.warnings`` and the clients' log (``opentok_rules.client``), on the blocking and the
async client; the session is made as before (relayed, the key not sent); the strict rules still
refuse both, before any request."""

from __future__ import annotations

import logging

import pytest

import opentok_rules as otr
from opentok_rules.testing import Emulator


def test_the_blocking_client_says_what_it_decided(caplog: pytest.LogCaptureFixture) -> None:
    with Emulator() as emulator:
        client = otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url)
        with client, caplog.at_level(logging.WARNING, logger="opentok_rules.client"):
            session = client.create_session({"media_mod": "routed", "media_mode": "Routed"})
            plain = client.create_session(media_mode="relayed")
        sent = emulator.sessions[0].params
    assert session.spec.media_mode is otr.MediaMode.RELAYED
    assert [(w.rule, w.field, w.severity) for w in session.warnings] == [
        ("known-keys", "media_mod", "warn"),
        ("media-mode", "media_mode", "warn"),
    ]
    assert plain.warnings == ()
    assert dict(sent)["p2p.preference"] == "enabled"
    assert "media_mod" not in dict(sent)
    logged = [r.getMessage() for r in caplog.records if r.name == "opentok_rules.client"]
    assert len(logged) == 2
    assert "did you mean 'media_mode'?" in logged[0]
    assert "did you mean 'routed'?" in logged[1]


def test_the_strict_rules_still_refuse_both_before_sending() -> None:
    with Emulator() as emulator:
        client = otr.OpenTok(
            emulator.api_key, emulator.api_secret, api_url=emulator.url, rules=otr.strict_rules()
        )
        with client, pytest.raises(otr.ValidationError) as caught:
            client.create_session({"media_mod": "routed", "media_mode": "Routed"})
        assert emulator.sessions == []
    assert [(v.rule, v.severity) for v in caught.value.violations] == [
        ("known-keys", "deny"),
        ("media-mode", "deny"),
    ]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_async_client_says_it_too(caplog: pytest.LogCaptureFixture) -> None:
    with Emulator() as emulator:
        async with otr.AsyncOpenTok(emulator.api_key, emulator.api_secret, emulator.url) as client:
            with caplog.at_level(logging.WARNING, logger="opentok_rules.client"):
                session = await client.create_session(media_mode="ROUTED")
    assert [w.rule for w in session.warnings] == ["media-mode"]
    assert any("media_mode 'ROUTED'" in r.getMessage() for r in caplog.records)
