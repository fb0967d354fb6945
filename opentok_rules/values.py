"""The enumerated values a session or token option can take."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

__all__ = [
    "ARCHIVE_RESOLUTIONS",
    "ArchiveMode",
    "MediaMode",
    "Role",
    "member_by_name",
    "member_for",
    "plain_str",
    "utf8_encodable",
]

T = TypeVar("T")


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


def plain_str(value: str) -> str:
    """The exact ``str`` a ``str`` subclass (an enum member, say) holds.

    Rules judge, and the library sends, these characters: a subclass's own ``__str__``,
    ``__len__``, ``__eq__`` or ``lower`` could say one thing while another is sent.
    """
    return value if type(value) is str else str.__str__(value)


def utf8_encodable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8: not if it holds a lone surrogate (``"\\ud800"``
    in JSON), which every form, claim and answer field here is sent or stored as."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def member_by_name(value: enum.Enum, names: Mapping[str, T]) -> T | None:
    """Our member for another library's enum member whose name is one of ours, any case.

    The opentok SDK's ``MediaModes.routed`` has the value ``"disabled"``: its name, not its
    value, says what it means. ``None`` when the name is not one of ours (or will not tell).
    """
    try:
        name = value.name
    except Exception:  # a hostile enum's name property may raise anything
        return None
    return names.get(str.lower(name)) if isinstance(name, str) else None


def member_for(
    value: object,
    values: Mapping[str, T],
    names: Mapping[str, T] | None = None,
    *,
    any_case: bool = False,
) -> T | None:
    """Our member that ``value`` stands for, or ``None`` when it stands for none of ours.

    An enum member (ours, or another library's) is read by its name (see
    :func:`member_by_name`), looked up in ``names`` (``values`` when not given); failing that, a
    ``str`` is read by its exact characters (:func:`plain_str`; lower-cased with ``any_case``)
    and looked up in ``values``. The one way every rule reads an enumerated option.
    """
    if isinstance(value, enum.Enum):
        found = member_by_name(value, values if names is None else names)
        if found is not None:
            return found
    if isinstance(value, str):
        # str.lower of the exact characters too: a subclass's own lower() must not decide.
        return values.get(str.lower(value) if any_case else plain_str(value))
    return None
