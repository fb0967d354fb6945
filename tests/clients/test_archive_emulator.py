"""The library's archive calls end to end against opentok_rules.testing.Emulator: every client
(OpenTok, VonageVideo, blocking and asyncio) records, stops, lists and deletes archives."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import opentok_rules as otr
from opentok_rules.session_ids import make_session_id
from opentok_rules.testing import Emulator


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


class Sync:
    """A client's calls as blocking calls: an asyncio client runs on a private loop."""

    def __init__(self, make: Callable[[], Any], asynchronous: bool) -> None:
        self.asynchronous = asynchronous
        if not asynchronous:
            self.client = make()
            return
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def build() -> Any:
            return make()

        self.client = self._run(build())

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return self._run(result) if self.asynchronous else result

        return call

    def wait(self, result: Any) -> Any:
        return self._run(result) if self.asynchronous else result

    def close(self) -> None:
        if not self.asynchronous:
            self.client.close()
            return
        try:
            self._run(self.client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()


PARAMS = [
    pytest.param(("opentok", False), id="OpenTok"),
    pytest.param(
        ("vonage", False),
        id="VonageVideo",
        marks=pytest.mark.skipif(not _has("cryptography"), reason="needs .[vonage]"),
    ),
    pytest.param(
        ("opentok", True),
        id="AsyncOpenTok",
        marks=pytest.mark.skipif(not _has("aiohttp"), reason="needs .[async]"),
    ),
    pytest.param(
        ("vonage", True),
        id="AsyncVonageVideo",
        marks=pytest.mark.skipif(
            not (_has("aiohttp") and _has("cryptography")), reason="needs .[async,vonage]"
        ),
    ),
]


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
