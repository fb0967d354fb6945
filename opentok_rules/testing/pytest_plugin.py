"""The ``opentok_rules`` pytest plugin: an :class:`~opentok_rules.testing.Emulator` fixture.

Installing the library registers this plugin (``pytest11`` entry point), so any test can ask
for ``opentok_emulator``; nothing is started or imported beyond this module until one does::

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

__all__ = ["opentok_emulator"]


@pytest.fixture
def opentok_emulator() -> Iterator[Emulator]:
    """A running :class:`~opentok_rules.testing.Emulator` with fresh credentials, for one test.

    It listens on a free port of 127.0.0.1 and is stopped when the test ends.
    """
    # Imported here, not at the top, so that merely loading the plugin stays cheap.
    from opentok_rules.testing import Emulator

    with Emulator() as emulator:
        yield emulator
