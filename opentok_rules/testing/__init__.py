"""Test helpers: :class:`Emulator`, a local stand-in for the OpenTok session and archive service.

``Emulator(backend="vonage")`` stands in for the Vonage Video API's instead. The archives it
records are :class:`EmulatedArchive` records (``Emulator.archives``).

The names are loaded on first use, because pytest imports this package (through the
``opentok_rules`` plugin) in every test run of every project that installs the library,
and the HTTP server machinery should cost nothing there until a test asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentok_rules._lazy import lazy_attributes

if TYPE_CHECKING:
    from opentok_rules.testing._emulator import (
        EmulatedArchive,
        EmulatedRequest,
        EmulatedSession,
        Emulator,
    )

__all__ = ["EmulatedArchive", "EmulatedRequest", "EmulatedSession", "Emulator"]


__getattr__ = lazy_attributes(
    __name__, dict.fromkeys(__all__, "opentok_rules.testing._emulator"), cache=globals()
)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
