"""The enumerated values a session or token option can take."""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Mapping
from typing import TypeVar

import attrs

from opentok_rules._messages import shown

__all__ = [
    "ALWAYS_NEEDS_ROUTED",
    "ARCHIVE_RESOLUTIONS",
    "COMBINATIONS",
    "E2EE_EXCLUDES_ALWAYS",
    "E2EE_NEEDS_ROUTED",
    "IPV4_OCTET",
    "MAX_ARCHIVE_NAME",
    "ArchiveMode",
    "Combination",
    "MediaMode",
    "Role",
    "dotted_quad_match",
    "is_dotted_quad",
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


#: The service documents session ids of up to 255 characters.
MAX_SESSION_ID_LENGTH = 255
#: The option keys ``create_session`` understands, as the seed lists them.
SESSION_OPTION_KEYS: tuple[str, ...] = (
    "media_mode",
    "location",
    "archive_mode",
    "archive_name",
    "archive_resolution",
    "e2ee",
)
#: How long a token lives when its ``expire_time`` is not given: a day, as the service says.
DEFAULT_LIFETIME = 86400

#: The archive resolutions the service documents, landscape and portrait.
ARCHIVE_RESOLUTIONS: tuple[str, ...] = (
    "640x480",
    "480x640",
    "1280x720",
    "720x1280",
    "1920x1080",
    "1080x1920",
)


#: The most characters an archive name may hold: the service's limit, "up to 80 characters".
MAX_ARCHIVE_NAME = 80

#: One number of a dotted quad, 0 to 255 without leading zeros, as ``ipaddress`` reads it.
#: Explicit [0-9] rather than \d, which would also match digits of other scripts.
IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#: ``dotted_quad_match(text)``: the match of a whole dotted quad, or None (the quickest test).
dotted_quad_match = re.compile(rf"{IPV4_OCTET}(?:\.{IPV4_OCTET}){{3}}").fullmatch


#: Every number of a dotted quad as it is written (``"0"`` to ``"255"``, no leading zeros): the
#: exact strings ``IPV4_OCTET`` matches.
QUAD_NUMBERS = frozenset(str(number) for number in range(256))


def quad_holds(text: str) -> bool:
    """Whether the plain ``str`` ``text`` is a dotted quad: what ``dotted_quad_match`` says,
    by a split and four set lookups, which cost less than the pattern (the hot path)."""
    parts = text.split(".")
    return (
        len(parts) == 4
        and parts[0] in QUAD_NUMBERS
        and parts[1] in QUAD_NUMBERS
        and parts[2] in QUAD_NUMBERS
        and parts[3] in QUAD_NUMBERS
    )


def is_dotted_quad(text: str) -> bool:
    """Whether ``text`` is a dotted-quad IPv4 address such as ``"12.34.56.78"`` (no leading
    zeros, spaces or other scripts' digits), as the service takes a session's location."""
    return dotted_quad_match(text) is not None


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


@attrs.frozen
class Combination:
    """Two session options the service refuses together, stated once for the rules, the
    JSON Schema and ``SessionSpec``: where ``if_key`` is ``if_value``, ``key`` must be
    ``value`` (``must=True``) or must not be it (``must=False``)."""

    if_key: str
    if_value: object
    key: str
    value: object
    must: bool
    #: What the service refuses, in words.
    summary: str

    def refuses(self, values: Mapping[str, object]) -> bool:
        """Whether the normalized ``values`` (a spec's fields) are the refused combination."""
        return values.get(self.if_key) == self.if_value and (
            (values.get(self.key) == self.value) is not self.must
        )


#: The combinations of session options the service refuses.
ALWAYS_NEEDS_ROUTED = Combination(
    "archive_mode", "always", "media_mode", "routed", True,
    "archive_mode 'always' needs media_mode 'routed'",
)  # fmt: skip
E2EE_NEEDS_ROUTED = Combination(
    "e2ee", True, "media_mode", "routed", True, "e2ee needs media_mode 'routed'"
)
E2EE_EXCLUDES_ALWAYS = Combination(
    "e2ee", True, "archive_mode", "always", False,
    "archive_mode 'always' and e2ee exclude each other",
)  # fmt: skip
COMBINATIONS = (ALWAYS_NEEDS_ROUTED, E2EE_NEEDS_ROUTED, E2EE_EXCLUDES_ALWAYS)


#: The start of the epoch, in UTC.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def epoch_seconds(value: object) -> int | str:
    """Whole seconds since the epoch for ``value``, or a message saying why there are none."""
    wanted = "expire_time must be seconds since the epoch (an int) or a datetime"
    if isinstance(value, bool) or not isinstance(value, (int, float, dt.datetime)):
        return f"{wanted}; got {shown(value)}"
    if isinstance(value, int):
        return int.__index__(value)  # the plain int that gets signed, whatever __int__ says
    if isinstance(value, float):
        number = float.__float__(value)
        return int(number) if math.isfinite(number) else f"{wanted}, finite; got {shown(value)}"
    try:
        # Naive means UTC; an aware datetime is converted by the subtraction itself.
        aware = value if value.utcoffset() is not None else value.replace(tzinfo=dt.timezone.utc)
        seconds = (aware - EPOCH) // dt.timedelta(seconds=1)
    except (ArithmeticError, ValueError, TypeError):
        return f"{wanted}; {shown(value)} has an unusable time zone"
    if type(seconds) is not int:  # a datetime subclass may answer anything
        return f"{wanted}; {shown(value)} does not convert to seconds"
    return seconds


# ---- archives: the values the service's archive calls take -------------------------------


class OutputMode(str, enum.Enum):
    """Whether an archive is one composed file or a file per stream."""

    COMPOSED = "composed"
    INDIVIDUAL = "individual"

    def __str__(self) -> str:
        return self.value


class StreamMode(str, enum.Enum):
    """Whether every stream is recorded (``auto``) or only the streams you add (``manual``)."""

    AUTO = "auto"
    MANUAL = "manual"

    def __str__(self) -> str:
        return self.value


#: The options the archive rules see, in the order of the REST body.
ARCHIVE_OPTION_KEYS: tuple[str, ...] = (
    "session_id",
    "name",
    "has_audio",
    "has_video",
    "output_mode",
    "stream_mode",
    "resolution",
    "layout_type",
    "layout_stylesheet",
    "layout_screenshare_type",
    "multi_archive_tag",
    "max_bitrate",
    "quantization_parameter",
)


#: The layout types an archive takes (REST reference, layout.type; the layout-control guide's
#: predefined layouts and "custom").
ARCHIVE_LAYOUT_TYPES: tuple[str, ...] = (
    "bestFit",
    "custom",
    "horizontalPresentation",
    "pip",
    "verticalPresentation",
)
#: The layout types used while a screen is shared (layout.screenshareType): no "custom".
ARCHIVE_SCREENSHARE_TYPES: tuple[str, ...] = tuple(
    each for each in ARCHIVE_LAYOUT_TYPES if each != "custom"
)
