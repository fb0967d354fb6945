"""The enumerated values a session or token option can take."""

from __future__ import annotations

import enum

__all__ = ["ARCHIVE_RESOLUTIONS", "ArchiveMode", "MediaMode", "Role"]


class MediaMode(str, enum.Enum):
    """How media flows: through OpenTok's media servers, or peer to peer."""

    ROUTED = "routed"
    RELAYED = "relayed"

    def __str__(self) -> str:
        return self.value


class ArchiveMode(str, enum.Enum):
    """Whether a session is archived automatically (``always``) or on request."""

    MANUAL = "manual"
    ALWAYS = "always"

    def __str__(self) -> str:
        return self.value


class Role(str, enum.Enum):
    """What a client connecting with a token may do in the session."""

    SUBSCRIBER = "subscriber"
    PUBLISHER = "publisher"
    PUBLISHER_ONLY = "publisheronly"
    MODERATOR = "moderator"

    def __str__(self) -> str:
        return self.value


#: The archive resolutions the service documents, landscape and portrait.
ARCHIVE_RESOLUTIONS: tuple[str, ...] = (
    "640x480",
    "480x640",
    "1280x720",
    "720x1280",
    "1920x1080",
    "1080x1920",
)
