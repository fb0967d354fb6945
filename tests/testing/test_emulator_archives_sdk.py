"""The official SDKs, unmodified, record archives on the emulator.

The ``opentok`` Python SDK (3.15) over plain HTTP, and the Vonage Python SDK (4.x, which says
``https://`` for the video host) against ``Emulator(tls=True, backend="vonage")``: each starts,
stops, reads, lists, lays out and deletes archives, and meets the emulator's refusals as its
own exceptions. Both come with ``pip install -e ".[official-sdk]"``; where one is missing its
tests are skipped, saying so, except under ``OTR_REQUIRE_OFFICIAL_SDK`` (``tox -e
official-sdk``), where a missing SDK fails them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from _support.emulator import vonage_sdk_client

from opentok_rules.testing import Emulator


def official(module: str, extra: str) -> ModuleType:
    """``module``, imported; skipped when missing, unless the official SDKs are required."""
    if os.environ.get("OTR_REQUIRE_OFFICIAL_SDK"):
        return importlib.import_module(module)
    found: ModuleType = pytest.importorskip(
        module, reason=f'the official {extra} is not installed: pip install -e ".[official-sdk]"'
    )
    return found


# --- The opentok Python SDK, over HTTP ------------------------------------------------------


@pytest.fixture
def opentok_sdk() -> ModuleType:
    return official("opentok", "OpenTok Python SDK (opentok 3.15)")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def test_the_opentok_sdk_records_an_archive(opentok_sdk: ModuleType, emulator: Emulator) -> None:
    exceptions = importlib.import_module("opentok.exceptions")
    client = opentok_sdk.Client(emulator.api_key, emulator.api_secret, api_url=emulator.url)
    session = client.create_session(media_mode=opentok_sdk.MediaModes.routed)

    archive = client.start_archive(session.session_id, name="weekly", resolution="1280x720")
    assert archive.status == "started"
    assert (archive.session_id, archive.name) == (session.session_id, "weekly")
    assert archive.resolution == "1280x720"
    assert archive.output_mode == opentok_sdk.OutputModes.composed
    assert archive.partner_id == emulator.api_key
    [held] = emulator.archives
    assert (held.id, held.status, held.resolution) == (archive.id, "started", "1280x720")

    # One archive at a time without a multi_archive_tag: the SDK's ArchiveError for a 409.
    with pytest.raises(exceptions.ArchiveError, match="already being recorded"):
        client.start_archive(session.session_id)
    tagged = client.start_archive(session.session_id, multi_archive_tag="second")
    client.set_archive_layout(archive.id, "custom", stylesheet="stream { width: 50%; }")
    assert emulator.archives[1].layout == {"type": "custom", "stylesheet": "stream { width: 50%; }"}

    with pytest.raises(exceptions.RequestError) as refused:  # only available archives go
        client.delete_archive(archive.id)
    assert refused.value.args[1] == 409
    stopped = client.stop_archive(archive.id)
    assert stopped.status == "stopped"
    with pytest.raises(exceptions.ArchiveError, match="not in started state"):
        client.stop_archive(archive.id)
    fetched = client.get_archive(archive.id)
    assert fetched.status == "available"
    assert fetched.url.endswith(f"/{archive.id}/archive.mp4")
    assert fetched.created_at == archive.created_at

    listed = client.list_archives(session_id=session.session_id)
    assert listed.count == 2
    assert [a.id for a in listed.items] == [tagged.id, archive.id]
    assert [a.id for a in client.list_archives(offset=1, count=1).items] == [archive.id]

    client.delete_archive(archive.id)
    with pytest.raises(exceptions.NotFoundError):
        client.get_archive(archive.id)
    client.stop_archive(tagged.id)
    assert [a.status for a in emulator.archives] == ["available"]


def test_the_opentok_sdk_meets_the_service_refusals(
    opentok_sdk: ModuleType, emulator: Emulator
) -> None:
    exceptions = importlib.import_module("opentok.exceptions")
    client = opentok_sdk.Client(emulator.api_key, emulator.api_secret, api_url=emulator.url)
    relayed = client.create_session()  # the SDK's default media mode is relayed
    with pytest.raises(exceptions.ArchiveError, match="relayed"):
        client.start_archive(relayed.session_id)
    routed = client.create_session(media_mode=opentok_sdk.MediaModes.routed)
    # The SDK lets these through; the service (and so the emulator) refuses them.
    with pytest.raises(exceptions.RequestError, match="has_audio and has_video"):
        client.start_archive(routed.session_id, has_audio=False, has_video=False)
    with pytest.raises(exceptions.RequestError, match="max_bitrate"):
        client.start_archive(routed.session_id, max_bitrate=50_000)
    with pytest.raises(exceptions.RequestError, match="stylesheet"):
        client.start_archive(routed.session_id, layout={"type": "custom"})
    with pytest.raises(exceptions.NotFoundError):
        client.stop_archive("00000000-0000-4000-8000-000000000000")
    assert not [a for a in emulator.archives if a.session_id == routed.session_id]
    wrong = opentok_sdk.Client(emulator.api_key, "0" * 40, api_url=emulator.url)
    with pytest.raises(exceptions.AuthError):
        wrong.list_archives()


# --- The Vonage Python SDK, over HTTPS ------------------------------------------------------


@pytest.fixture
def vonage_sdk() -> ModuleType:
    return official("vonage", "Vonage Python SDK (vonage 4.x)")


def test_the_vonage_sdk_records_an_archive(
    vonage_sdk: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    video: Any = official("vonage_video", "Vonage Video package (comes with vonage 4.x)")
    errors: Any = official("vonage_http_client.errors", "Vonage HTTP client (vonage 4.x)")
    with Emulator(tls=True, backend="vonage") as emulator:
        assert emulator.ca_file is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_file)
        client = vonage_sdk_client(vonage_sdk, emulator).video
        session = client.create_session(video.SessionOptions(media_mode="routed"))
        # Made before any JSON call: after one, the SDK's client keeps sending Content-Type
        # application/json, also with its create-session form (which is then refused with 415).
        relayed = client.create_session(video.SessionOptions(media_mode="relayed"))

        archive = client.start_archive(
            video.CreateArchiveRequest(
                session_id=session.session_id, name="weekly", output_mode="individual"
            )
        )
        assert archive.status == "started"
        assert archive.application_id == emulator.application_id
        assert archive.output_mode == "individual"
        assert archive.resolution is None
        with pytest.raises(video.errors.InvalidArchiveStateError):
            client.delete_archive(archive.id)
        composed = client.start_archive(
            video.CreateArchiveRequest(session_id=session.session_id, multi_archive_tag="b")
        )
        changed = client.change_archive_layout(
            composed.id, video.ComposedLayout(type="bestFit", screenshare_type="pip")
        )
        assert changed.id == composed.id
        layout = emulator.archives[0].layout

        stopped = client.stop_archive(archive.id)
        assert stopped.status == "stopped"
        with pytest.raises(video.errors.InvalidArchiveStateError):
            client.stop_archive(archive.id)
        fetched = client.get_archive(archive.id)
        assert fetched.status == "available"
        assert fetched.url is not None
        archives, count, next_offset = client.list_archives(
            video.ListArchivesFilter(session_id=session.session_id)
        )
        assert (count, next_offset) == (2, None)
        assert [a.id for a in archives] == [composed.id, archive.id]
        client.delete_archive(archive.id)
        with pytest.raises(errors.NotFoundError):
            client.get_archive(archive.id)

        with pytest.raises(errors.HttpRequestError) as refused:
            client.start_archive(video.CreateArchiveRequest(session_id=relayed.session_id))
    assert layout == {"type": "bestFit", "screenshareType": "pip"}
    assert refused.value.response.status_code == 409
    assert "relayed" in refused.value.response.text
    assert [(a.id, a.status) for a in emulator.archives] == [(composed.id, "started")]
