"""The library's archive calls end to end against opentok_rules.testing.Emulator: every client
(OpenTok, VonageVideo, blocking and asyncio) records, stops, lists and deletes archives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _support.clients import Sync, client_params

import opentok_rules as otr
from opentok_rules.session_ids import make_session_id
from opentok_rules.testing import Emulator

PARAMS = client_params(lambda _name, backend, asynchronous: (backend, asynchronous))


@pytest.fixture(params=PARAMS)
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, Sync]]:
    backend, asynchronous = request.param
    with Emulator(backend=backend) as emulator:
        if backend == "vonage":
            cls: Any = otr.AsyncVonageVideo if asynchronous else otr.VonageVideo
            key = emulator.private_key

            def make() -> Any:
                return cls(emulator.application_id, key, api_url=emulator.url)

        else:
            cls = otr.AsyncOpenTok if asynchronous else otr.OpenTok

            def make() -> Any:
                return cls(emulator.api_key, emulator.api_secret, emulator.url)

        client = Sync(make, asynchronous)
        try:
            yield emulator, client
        finally:
            client.close()


def test_an_archive_is_recorded_stopped_listed_and_deleted(
    setup: tuple[Emulator, Sync],
) -> None:
    emulator, client = setup
    session = client.create_session(media_mode="routed")
    started = client.wait(session.start_archive(name="weekly", resolution="1280x720"))
    assert started.status == "started"
    assert started.session_id == session.session_id
    assert started.name == "weekly"
    assert started.created_at.tzinfo is not None
    assert [each.id for each in emulator.archives] == [started.id]

    client.set_archive_layout(started.id, "custom", stylesheet="stream { width: 100%; }")
    with pytest.raises(otr.ConflictError):
        client.start_archive(session.session_id)  # one archive at a time per session
    other = client.start_archive(session.session_id, multi_archive_tag="backup")
    page = client.list_archives(session.session_id)
    assert page.total == 2
    assert [each.id for each in page] == [other.id, started.id]  # newest first

    stopped = client.stop_archive(started.id)
    assert stopped.status == "stopped"
    with pytest.raises(otr.ConflictError):
        client.stop_archive(started.id)
    assert client.get_archive(started.id).status in ("stopped", "available")
    client.stop_archive(other.id)
    client.delete_archive(started.id)
    with pytest.raises(otr.NotFoundError):
        client.get_archive(started.id)
    assert [each.id for each in client.list_archives()] == [other.id]


def test_the_emulator_refuses_what_the_service_refuses(setup: tuple[Emulator, Sync]) -> None:
    emulator, client = setup
    relayed = client.create_session()  # relayed: the media router cannot record it
    with pytest.raises(otr.ConflictError):
        client.start_archive(relayed.session_id)
    project = emulator.application_id if emulator.backend == "vonage" else emulator.api_key
    with pytest.raises(otr.NotFoundError):
        client.start_archive(make_session_id(project))  # a session the service never made
    with pytest.raises(otr.NotFoundError):
        client.delete_archive("b40ef09b-3811-4726-b508-e41a0f96c68f")
