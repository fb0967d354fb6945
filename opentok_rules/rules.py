"""The session rules: each constraint on ``create_session``'s options, one small class apiece.

Read top to bottom, this file is the order of :func:`~opentok_rules.default_rules`: first the
rules that normalize (which keys count, and the documented defaults), then the combination
checks, then the checks of single values. Every check sees the options as normalized by the
rules before it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from ._messages import closest_hint, short_repr, shown
from .errors import Violation
from .registry import Options, RuleRegistry
from .values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode

__all__ = [
    "SESSION_OPTION_KEYS",
    "AlwaysArchiveForbidsE2ee",
    "AlwaysArchiveRequiresRouted",
    "ArchiveModeDefault",
    "ArchiveModeValid",
    "ArchiveNameLength",
    "ArchiveResolutionValid",
    "E2eeBoolean",
    "KnownKeys",
    "LocationIpv4",
    "ManualArchiveForbidsNameAndResolution",
    "MediaModeRule",
    "RelayedForbidsE2ee",
    "default_rules",
    "strict_rules",
]

#: The option keys ``create_session`` understands, as the seed lists them.
SESSION_OPTION_KEYS: tuple[str, ...] = (
    "media_mode",
    "location",
    "archive_mode",
    "archive_name",
    "archive_resolution",
    "e2ee",
)
_KEY_SET = frozenset(SESSION_OPTION_KEYS)
_ARCHIVE_MODES = {m.value: m for m in ArchiveMode}
# Enum members as module constants: a module global is read faster than a class attribute,
# and these are read by every rule on every call.
_ROUTED, _RELAYED = MediaMode.ROUTED, MediaMode.RELAYED
_MANUAL, _ALWAYS = ArchiveMode.MANUAL, ArchiveMode.ALWAYS
_MAX_ARCHIVE_NAME = 80

# Explicit [0-9] rather than \d, which would also match digits of other scripts.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_is_ipv4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}").fullmatch


def _plain(value: str) -> str:
    """``value`` as an exact ``str``: an enum member or other subclass must not leak into params."""
    return value if type(value) is str else str.__str__(value)


def _is_routed(value: object) -> bool:
    return value is _ROUTED or (isinstance(value, str) and value == "routed")


def _is_always(value: object) -> bool:
    return value is _ALWAYS or (isinstance(value, str) and value == "always")


def _is_manual(value: object) -> bool:
    return value is _MANUAL or (isinstance(value, str) and value == "manual")


@attrs.frozen
class KnownKeys:
    """Keep the six session options; drop other keys, or refuse them when ``strict``."""

    strict: bool = False
    id: ClassVar[str] = "known-keys"

    @property
    def description(self) -> str:
        if self.strict:
            return "Only the six session options are allowed; a typo names the closest one."
        return "Keeps only the six session options; any other key is dropped silently."

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.keys() <= _KEY_SET:
            return ()
        unknown = [key for key in options if key not in _KEY_SET]
        for key in unknown:
            del options[key]
        if not self.strict:
            return ()
        return tuple(self._violation(key) for key in unknown)

    def _violation(self, key: Any) -> Violation:
        if not isinstance(key, str):
            message = f"option names are strings; got {shown(key)}"
            return Violation(self.id, short_repr(key), message)
        hint = closest_hint(key, SESSION_OPTION_KEYS)
        return Violation(self.id, key, f"{key[:40]!r} is not a session option; {hint}")


@attrs.frozen
class MediaModeRule:
    """``"routed"`` means routed; anything else means relayed (refused when ``strict``)."""

    strict: bool = False
    id: ClassVar[str] = "media-mode"

    @property
    def description(self) -> str:
        if self.strict:
            return "Media mode is 'routed' or 'relayed'; absent or None means relayed."
        return "'routed' means routed; anything else, absent or None included, means relayed."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("media_mode")
        if value is _ROUTED or (isinstance(value, str) and value == "routed"):
            options["media_mode"] = _ROUTED
            return ()
        options["media_mode"] = _RELAYED
        if not self.strict or value is None or (isinstance(value, str) and value == "relayed"):
            return ()
        message = f"media_mode must be 'routed' or 'relayed'; got {shown(value)}"
        return (Violation(self.id, "media_mode", message),)


class ArchiveModeDefault:
    """Archive mode absent or ``None`` means manual."""

    id = "archive-mode-default"
    description = "Archive mode absent or None means manual."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_mode")
        if value is None:
            options["archive_mode"] = _MANUAL
        elif isinstance(value, ArchiveMode):
            pass  # already a member: nothing to look up
        elif isinstance(value, str) and value in _ARCHIVE_MODES:
            options["archive_mode"] = _ARCHIVE_MODES[value]
        return ()


class E2eeBoolean:
    """``e2ee`` is a bool; absent or ``None`` means ``False``."""

    id = "e2ee-boolean"
    description = "e2ee must be True or False; absent or None means False."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("e2ee")
        if value is None:
            options["e2ee"] = False
            return ()
        if isinstance(value, bool):
            return ()
        message = f"e2ee must be True or False; got {shown(value)}"
        return (Violation(self.id, "e2ee", message),)


class AlwaysArchiveRequiresRouted:
    """Archiving always needs media mode routed: relayed sessions cannot be archived."""

    id = "always-archive-requires-routed"
    description = "Archive mode 'always' needs media mode 'routed'."

    def apply(self, options: Options) -> Sequence[Violation]:
        media = options.get("media_mode")
        # Routed is the usual case once media-mode has run: settled without a call, for speed.
        if (
            media is not _ROUTED
            and not _is_routed(media)
            and _is_always(options.get("archive_mode"))
        ):
            message = (
                "archive_mode 'always' needs media_mode 'routed' (relayed sessions cannot be "
                "archived); set media_mode='routed' or archive_mode='manual'"
            )
            return (Violation(self.id, None, message),)
        return ()


class RelayedForbidsE2ee:
    """End-to-end encryption needs media mode routed."""

    id = "relayed-forbids-e2ee"
    description = "e2ee needs media mode 'routed'."

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.get("e2ee") is True and not _is_routed(options.get("media_mode")):
            message = "e2ee needs media_mode 'routed'; set media_mode='routed' or drop e2ee"
            return (Violation(self.id, None, message),)
        return ()


class AlwaysArchiveForbidsE2ee:
    """Archiving always and end-to-end encryption exclude each other."""

    id = "always-archive-forbids-e2ee"
    description = "Archive mode 'always' and e2ee exclude each other."

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.get("e2ee") is True and _is_always(options.get("archive_mode")):
            message = (
                "archive_mode 'always' and e2ee exclude each other (encrypted media cannot be "
                "archived); use archive_mode='manual' or drop e2ee"
            )
            return (Violation(self.id, None, message),)
        return ()


class LocationIpv4:
    """``location``, when given, is a dotted-quad IPv4 address."""

    id = "location-ipv4"
    description = "location, when given, is a dotted-quad IPv4 address such as '12.34.56.78'."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("location")
        if value is None:
            return ()
        if isinstance(value, str):
            if _is_ipv4(value):
                if type(value) is not str:
                    options["location"] = _plain(value)
                return ()
        elif isinstance(value, ipaddress.IPv4Address):
            options["location"] = str(value)
            return ()
        message = (
            "location must be a dotted-quad IPv4 address such as '12.34.56.78' "
            f"(no leading zeros or spaces); got {shown(value)}"
        )
        return (Violation(self.id, "location", message),)


class ArchiveModeValid:
    """Archive mode is manual or always."""

    id = "archive-mode-valid"
    description = "Archive mode is 'manual' or 'always'."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_mode")
        if value is None or isinstance(value, ArchiveMode):
            return ()
        if isinstance(value, str) and value in _ARCHIVE_MODES:
            options["archive_mode"] = _ARCHIVE_MODES[value]
            return ()
        message = f"archive_mode must be 'manual' or 'always'; got {shown(value)}"
        return (Violation(self.id, "archive_mode", message),)


class ManualArchiveForbidsNameAndResolution:
    """With manual archiving, ``archive_name`` and ``archive_resolution`` must not be given."""

    id = "manual-archive-forbids-name-and-resolution"
    description = (
        "With archive mode 'manual', archive_name and archive_resolution must not be given."
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.get("archive_name") is None and options.get("archive_resolution") is None:
            return ()
        if not _is_manual(options.get("archive_mode")):
            return ()
        return tuple(
            Violation(
                self.id,
                key,
                f"{key} applies only to archive_mode 'always' (manual archives are named and "
                "sized when started); remove it or set archive_mode='always'",
            )
            for key in ("archive_name", "archive_resolution")
            if options.get(key) is not None
        )


class ArchiveNameLength:
    """``archive_name`` is a string of 1 to 80 characters."""

    id = "archive-name-length"
    description = f"archive_name is a str of 1 to {_MAX_ARCHIVE_NAME} characters."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_name")
        if value is None:
            return ()
        if isinstance(value, str) and 0 < len(value) <= _MAX_ARCHIVE_NAME:
            if type(value) is not str:
                options["archive_name"] = _plain(value)
            return ()
        if not isinstance(value, str):
            message = f"archive_name must be a str; got {shown(value)}"
        elif not value:
            message = "archive_name must not be empty; leave it out to let the service name it"
        else:
            message = (
                f"archive_name is {len(value)} characters long; "
                f"the service allows at most {_MAX_ARCHIVE_NAME}"
            )
        return (Violation(self.id, "archive_name", message),)


class ArchiveResolutionValid:
    """``archive_resolution`` is one of ``ARCHIVE_RESOLUTIONS``."""

    id = "archive-resolution-valid"
    description = "archive_resolution is one of " + ", ".join(ARCHIVE_RESOLUTIONS) + "."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_resolution")
        if value is None:
            return ()
        if isinstance(value, str) and value in ARCHIVE_RESOLUTIONS:
            if type(value) is not str:
                options["archive_resolution"] = _plain(value)
            return ()
        choices = ", ".join(ARCHIVE_RESOLUTIONS)
        message = f"archive_resolution must be one of {choices}; got {shown(value)}"
        return (Violation(self.id, "archive_resolution", message),)


def _session_rules(strict: bool) -> RuleRegistry:
    return RuleRegistry(
        [
            KnownKeys(strict=strict),
            MediaModeRule(strict=strict),
            ArchiveModeDefault(),
            E2eeBoolean(),
            AlwaysArchiveRequiresRouted(),
            RelayedForbidsE2ee(),
            AlwaysArchiveForbidsE2ee(),
            LocationIpv4(),
            ArchiveModeValid(),
            ManualArchiveForbidsNameAndResolution(),
            ArchiveNameLength(),
            ArchiveResolutionValid(),
        ]
    )


def default_rules() -> RuleRegistry:
    """A fresh registry of the twelve session rules, in order; yours to edit."""
    return _session_rules(strict=False)


def strict_rules() -> RuleRegistry:
    """The default rules, but unknown keys and unknown media modes are violations."""
    return _session_rules(strict=True)
