"""The keyword options, as ``TypedDict``\\ s: type checkers and IDEs see every name and type.

``prepare_session``, ``create_session`` and ``generate_token`` annotate ``**kwargs`` with these
(PEP 692's ``Unpack``), so ``create_session(media_mod="routed")`` or
``generate_token(sid, rol="moderator")`` is reported by mypy or pyright before it runs. At run
time nothing changes: the rules still decide, and a mapping argument stays open (the
known-keys rule drops or refuses what it does not know).
"""

from __future__ import annotations

import datetime
import enum
import ipaddress
from collections.abc import Sequence
from typing import TypedDict

from opentok_rules.values import ArchiveMode, MediaMode, Role

__all__ = ["SessionOptions", "TokenOptions"]


class SessionOptions(TypedDict, total=False):
    """The options of a session. Any :class:`enum.Enum` member whose name is one of ours is
    accepted too (``opentok.MediaModes.routed``, say)."""

    media_mode: MediaMode | str | enum.Enum | None
    archive_mode: ArchiveMode | str | enum.Enum | None
    location: str | ipaddress.IPv4Address | None
    archive_name: str | None
    archive_resolution: str | None
    e2ee: bool | None


class TokenOptions(TypedDict, total=False):
    """The options of a client token."""

    role: Role | str | enum.Enum | None
    expire_time: int | float | datetime.datetime | None
    data: str | None
    initial_layout_class_list: Sequence[str] | None
    token_type: str | None
