"""Test ids that every pytest-xdist worker computes alike.

Each worker collects the tests itself and the runs are matched by id, so an id must not hold
what differs between processes: ``repr`` of an ``object()`` sentinel or of an instance holds
its memory address.
"""

from __future__ import annotations

import re

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def stable_id(value: object) -> str:
    """``repr(value)`` without memory addresses (``<object object>`` for a sentinel)."""
    return _ADDRESS.sub("", repr(value))
