"""The ``opentok_rules`` pytest plugin: :class:`~opentok_rules.testing.Emulator` fixtures.

Installing the library registers this plugin (``pytest11`` entry point), so any test can ask
for ``opentok_emulator`` (an OpenTok project) or ``vonage_emulator`` (a Vonage Video API
application); nothing is started or imported beyond this module until one does::

    def test_creates_a_routed_session(opentok_emulator):
        client = MyClient(
            opentok_emulator.api_key,
            opentok_emulator.api_secret,
            api_url=opentok_emulator.url,
        )
        client.create_session(media_mode="routed")
        assert opentok_emulator.sessions[0].params["p2p.preference"] == "disabled"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from opentok_rules.testing import Emulator

__all__ = ["opentok_emulator", "vonage_emulator"]


@pytest.fixture
def opentok_emulator() -> Iterator[Emulator]:
    """A running :class:`~opentok_rules.testing.Emulator` with fresh credentials, for one test.

    It listens on a free port of 127.0.0.1 and is stopped when the test ends.
    """
    # Imported here, not at the top, so that merely loading the plugin stays cheap.
    from opentok_rules.testing import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def vonage_emulator() -> Iterator[Emulator]:
    """A running ``Emulator(backend="vonage")`` with a fresh application, for one test.

    It has ``url``, ``application_id`` and ``private_key`` (PEM text); it listens on a free
    port of 127.0.0.1 and is stopped when the test ends. The test is skipped, saying why, when
    ``cryptography`` (the ``vonage`` extra) is not installed.
    """
    try:
        import cryptography  # noqa: F401  (only to know whether RS256 keys can be made)
    except ImportError:
        pytest.skip(
            'vonage_emulator needs cryptography for RS256 keys: pip install "opentok-rules[vonage]"'
        )
    from opentok_rules.testing import Emulator

    with Emulator(backend="vonage") as emulator:
        yield emulator
