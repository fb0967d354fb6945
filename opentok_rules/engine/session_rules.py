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

from opentok_rules._messages import shown
from opentok_rules.engine.kinds import Forbidden
from opentok_rules.engine.registry import (
    _SPEC_RULES,
    MAX_REPORTED,
    Options,
    RuleRegistry,
    _pure,
    reported,
)
from opentok_rules.engine.shared import TextLengthRule, unknown_option
from opentok_rules.errors import Violation
from opentok_rules.values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, member_for, plain_str

__all__ = [
    "SESSION_OPTION_KEYS",
    "AlwaysArchiveForbidsE2eeRule",
    "AlwaysArchiveRequiresRoutedRule",
    "ArchiveModeDefaultRule",
    "ArchiveModeValidRule",
    "ArchiveNameLengthRule",
    "ArchiveResolutionValidRule",
    "E2eeBooleanRule",
    "KnownKeysRule",
    "LocationIpv4Rule",
    "ManualArchiveForbidsNameAndResolutionRule",
    "MediaModeRule",
    "RelayedForbidsE2eeRule",
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
# Our members by value, which is also their name in lower case: member_for reads another
# library's enum member by its name (the opentok SDK's MediaModes.routed has the value "disabled").
_ARCHIVE_MODES = {m.value: m for m in ArchiveMode}
_MEDIA_MODES = {m.value: m for m in MediaMode}
# Enum members as module constants: a module global is read faster than a class attribute,
# and these are read by every rule on every call.
_ROUTED, _RELAYED = MediaMode.ROUTED, MediaMode.RELAYED
_MANUAL, _ALWAYS = ArchiveMode.MANUAL, ArchiveMode.ALWAYS
_MAX_ARCHIVE_NAME = 80
_str_eq = str.__eq__  # compares the characters, whatever a subclass's __eq__ says

# Explicit [0-9] rather than \d, which would also match digits of other scripts.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_is_ipv4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}").fullmatch


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


def _is_routed(value: object) -> bool:
    return value is _ROUTED or (isinstance(value, str) and _str_eq(value, "routed") is True)


def _is_always(value: object) -> bool:
    return value is _ALWAYS or (isinstance(value, str) and _str_eq(value, "always") is True)


def _is_manual(value: object) -> bool:
    return value is _MANUAL or (isinstance(value, str) and _str_eq(value, "manual") is True)


@_pure
@attrs.frozen
class KnownKeysRule:
    """Keep the six session options; drop other keys, or refuse them when ``strict``."""

    strict: bool = False
    id: ClassVar[str] = "known-keys"
    # It looks at every key, so it always runs.
    reads: ClassVar[None] = None
    fills: ClassVar[frozenset[str]] = frozenset()

    @property
    def description(self) -> str:
        if self.strict:
            return "Only the six session options are allowed; a typo names the closest one."
        return "Keeps only the six session options; any other key is dropped silently."

    def applies_to(self, keys: frozenset[str]) -> bool:
        """Whether there is anything to drop (or refuse): asked once per set of keys."""
        return not _KEY_SET.issuperset(keys)

    def apply(self, options: Options) -> Sequence[Violation]:
        if _KEY_SET.issuperset(options):
            return ()
        unknown = [key for key in options if key not in _KEY_SET]
        for key in unknown:
            del options[key]
        if not self.strict:
            return ()
        return reported(self.id, [self._violation(key) for key in unknown[:MAX_REPORTED]], unknown)

    def _violation(self, key: Any) -> Violation:
        return unknown_option(self.id, key, SESSION_OPTION_KEYS, "session")


@_pure
@attrs.frozen
class MediaModeRule:
    """``"routed"`` means routed; anything else means relayed (refused when ``strict``)."""

    strict: bool = False
    id: ClassVar[str] = "media-mode"
    reads: ClassVar[frozenset[str]] = _keys("media_mode")
    fills: ClassVar[frozenset[str]] = _keys("media_mode")

    @property
    def description(self) -> str:
        if self.strict:
            return "Media mode is 'routed' or 'relayed'; absent or None means relayed."
        return "'routed' means routed; anything else, absent or None included, means relayed."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("media_mode")
        if value is _ROUTED:
            return ()
        # A plain str is compared as it is; anything else is first reduced to one.
        text = value if value.__class__ is str else _media_text(value)
        if text == "routed":
            options["media_mode"] = _ROUTED
            return ()
        options["media_mode"] = _RELAYED
        if not self.strict or text == "relayed":
            return ()
        message = f"media_mode must be 'routed' or 'relayed'; got {shown(value)}"
        return (Violation(self.id, "media_mode", message),)


def _media_text(value: object) -> str:
    """What a media mode value says, as a plain str: ``""`` for one that says nothing."""
    if value is None:
        return "relayed"  # absent or None means relayed
    # The characters themselves: a subclass's __eq__ must not decide (MediaMode's included).
    found = member_for(value, _MEDIA_MODES)
    return "" if found is None else found.value


def _archive_mode(value: object) -> ArchiveMode | None:
    """The archive mode ``value`` names (a member, its value, or an enum member's name)."""
    return member_for(value, _ARCHIVE_MODES)


@_pure
@attrs.frozen
class ArchiveModeDefaultRule:
    """Archive mode absent or ``None`` means manual."""

    id: ClassVar[str] = "archive-mode-default"
    description: ClassVar[str] = "Archive mode absent or None means manual."
    reads: ClassVar[frozenset[str]] = _keys("archive_mode")
    fills: ClassVar[frozenset[str]] = _keys("archive_mode")

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_mode")
        if value is None:
            options["archive_mode"] = _MANUAL
        elif value.__class__ is not ArchiveMode:
            found = _ARCHIVE_MODES.get(value) if value.__class__ is str else _archive_mode(value)
            if found is not None:
                options["archive_mode"] = found
        return ()


@_pure
@attrs.frozen
class E2eeBooleanRule:
    """``e2ee`` is a bool; absent or ``None`` means ``False``."""

    id: ClassVar[str] = "e2ee-boolean"
    description: ClassVar[str] = "e2ee must be True or False; absent or None means False."
    reads: ClassVar[frozenset[str]] = _keys("e2ee")
    fills: ClassVar[frozenset[str]] = _keys("e2ee")

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("e2ee")
        if value is None:
            options["e2ee"] = False
            return ()
        if value is True or value is False:  # bool cannot be subclassed: these are all
            return ()
        message = f"e2ee must be True or False; got {shown(value)}"
        return (Violation(self.id, "e2ee", message),)


@_pure
@attrs.frozen
class AlwaysArchiveRequiresRoutedRule:
    """Archiving always needs media mode routed: relayed sessions cannot be archived."""

    id: ClassVar[str] = "always-archive-requires-routed"
    description: ClassVar[str] = "Archive mode 'always' needs media mode 'routed'."
    reads: ClassVar[frozenset[str]] = _keys("archive_mode", "media_mode")
    fills: ClassVar[frozenset[str]] = frozenset()

    def apply(self, options: Options) -> Sequence[Violation]:
        # The usual cases once the normalizing rules have run (routed, or manual) are settled
        # by identity, without a call: this runs on every prepare_session.
        media = options.get("media_mode")
        if media is _ROUTED:
            return ()
        archive = options.get("archive_mode")
        if archive is not _MANUAL and not _is_routed(media) and _is_always(archive):
            message = (
                "archive_mode 'always' needs media_mode 'routed' (relayed sessions cannot be "
                "archived); set media_mode='routed' or archive_mode='manual'"
            )
            return (Violation(self.id, None, message),)
        return ()


@_pure
@attrs.frozen
class RelayedForbidsE2eeRule:
    """End-to-end encryption needs media mode routed."""

    id: ClassVar[str] = "relayed-forbids-e2ee"
    description: ClassVar[str] = "e2ee needs media mode 'routed'."
    reads: ClassVar[frozenset[str]] = _keys("e2ee", "media_mode")
    fills: ClassVar[frozenset[str]] = frozenset()

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.get("e2ee") is True and not _is_routed(options.get("media_mode")):
            message = "e2ee needs media_mode 'routed'; set media_mode='routed' or drop e2ee"
            return (Violation(self.id, None, message),)
        return ()


@_pure
@attrs.frozen
class AlwaysArchiveForbidsE2eeRule:
    """Archiving always and end-to-end encryption exclude each other."""

    id: ClassVar[str] = "always-archive-forbids-e2ee"
    description: ClassVar[str] = "Archive mode 'always' and e2ee exclude each other."
    reads: ClassVar[frozenset[str]] = _keys("e2ee", "archive_mode")
    fills: ClassVar[frozenset[str]] = frozenset()

    def apply(self, options: Options) -> Sequence[Violation]:
        if options.get("e2ee") is True and _is_always(options.get("archive_mode")):
            message = (
                "archive_mode 'always' and e2ee exclude each other (encrypted media cannot be "
                "archived); use archive_mode='manual' or drop e2ee"
            )
            return (Violation(self.id, None, message),)
        return ()


def _ipv4_text(value: ipaddress.IPv4Address) -> str | None:
    """The dotted quad an address object holds, from its integer, not from its ``__str__``."""
    try:
        text = ipaddress.IPv4Address.__str__(value)
    except Exception:  # a hostile subclass may break the base class's own formatting
        return None
    # Checked like a str location: whatever a subclass did, only a dotted quad is sent.
    return text if type(text) is str and _is_ipv4(text) else None


@_pure
@attrs.frozen
class LocationIpv4Rule:
    """``location``, when given, is a dotted-quad IPv4 address."""

    id: ClassVar[str] = "location-ipv4"
    description: ClassVar[str] = (
        "location, when given, is a dotted-quad IPv4 address such as '12.34.56.78'."
    )
    reads: ClassVar[frozenset[str]] = _keys("location")
    fills: ClassVar[frozenset[str]] = _keys("location")

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("location")
        if value is None:
            return ()
        if isinstance(value, str):
            # The characters that will be sent, whatever a subclass's __str__ says.
            text: str | None = value if value.__class__ is str else plain_str(value)
            if _is_ipv4(text):  # type: ignore[arg-type]
                if text is not value:
                    options["location"] = text
                return ()
        elif isinstance(value, ipaddress.IPv4Address):
            text = _ipv4_text(value)
            if text is not None:
                options["location"] = text
                return ()
        message = (
            "location must be a dotted-quad IPv4 address such as '12.34.56.78' "
            f"(no leading zeros or spaces); got {shown(value)}"
        )
        return (Violation(self.id, "location", message),)


@_pure
@attrs.frozen
class ArchiveModeValidRule:
    """Archive mode is manual or always."""

    id: ClassVar[str] = "archive-mode-valid"
    description: ClassVar[str] = "Archive mode is 'manual' or 'always'."
    reads: ClassVar[frozenset[str]] = _keys("archive_mode")
    fills: ClassVar[frozenset[str]] = _keys("archive_mode")

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_mode")
        if value is None or value.__class__ is ArchiveMode:
            return ()
        found = _archive_mode(value)
        if found is not None:
            options["archive_mode"] = found
            return ()
        message = f"archive_mode must be 'manual' or 'always'; got {shown(value)}"
        return (Violation(self.id, "archive_mode", message),)


#: What ``manual-archive-forbids-name-and-resolution`` is, as a ``forbidden`` kind's fields.
_MANUAL_ARCHIVE_FIELDS: dict[str, Any] = {
    "id": "manual-archive-forbids-name-and-resolution",
    "keys": ("archive_name", "archive_resolution"),
    "when": {"archive_mode": "manual"},
    "message": (
        "{key} applies only to archive_mode 'always' (manual archives are named and sized when "
        "started); remove it or set archive_mode='always'"
    ),
}


@_pure
@attrs.frozen(kw_only=True, init=False)
class ManualArchiveForbidsNameAndResolutionRule(Forbidden):
    """With manual archiving, ``archive_name`` and ``archive_resolution`` must not be given.

    Exactly a :class:`~opentok_rules.kinds.Forbidden` rule (the same verdicts and messages; it
    normalizes nothing), shown as data by ``opentok-rules rules``: this class only fixes its
    fields, and keeps the rule's class name for code that finds rules by type.
    """

    def __init__(self, **fields: Any) -> None:
        # What attrs.asdict() gives includes the fields made from the others; they are made
        # again here.
        made = {field.name for field in attrs.fields(Forbidden) if not field.init}
        given = {name: value for name, value in fields.items() if name not in made}
        Forbidden.__init__(self, **{**_MANUAL_ARCHIVE_FIELDS, **given})


@_pure
@attrs.frozen
class ArchiveNameLengthRule(TextLengthRule):
    """``archive_name`` is a string of at most 80 characters; empty means no name."""

    id: ClassVar[str] = "archive-name-length"
    description: ClassVar[str] = (
        f"archive_name is a str of at most {_MAX_ARCHIVE_NAME} characters; an empty one means "
        "no name (nothing is sent), as in the Ruby SDK."
    )
    reads: ClassVar[frozenset[str]] = _keys("archive_name")
    fills: ClassVar[frozenset[str]] = _keys("archive_name")
    key: ClassVar[str] = "archive_name"
    most: ClassVar[int] = _MAX_ARCHIVE_NAME
    label: ClassVar[str] = "archive_name"
    too_long: ClassVar[str] = f"the service allows at most {_MAX_ARCHIVE_NAME}"
    # The Ruby SDK sends an empty archiveName and the service names the archive itself;
    # sending nothing says the same without an empty form field.
    empty_means_none: ClassVar[bool] = True


@_pure
@attrs.frozen
class ArchiveResolutionValidRule:
    """``archive_resolution`` is one of ``ARCHIVE_RESOLUTIONS``."""

    id: ClassVar[str] = "archive-resolution-valid"
    description: ClassVar[str] = (
        "archive_resolution is one of " + ", ".join(ARCHIVE_RESOLUTIONS) + "."
    )
    reads: ClassVar[frozenset[str]] = _keys("archive_resolution")
    fills: ClassVar[frozenset[str]] = _keys("archive_resolution")

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("archive_resolution")
        if value is None or (value.__class__ is str and value in ARCHIVE_RESOLUTIONS):
            return ()
        if isinstance(value, str):
            # Compare the characters that will be sent: a subclass's __eq__ could say yes to all.
            text = plain_str(value)
            if text in ARCHIVE_RESOLUTIONS:
                if text is not value:
                    options["archive_resolution"] = text
                return ()
        choices = ", ".join(ARCHIVE_RESOLUTIONS)
        message = f"archive_resolution must be one of {choices}; got {shown(value)}"
        return (Violation(self.id, "archive_resolution", message),)


# The names the rules had before every class name became its id plus "Rule"; kept importable.
KnownKeys = KnownKeysRule
ArchiveModeDefault = ArchiveModeDefaultRule
E2eeBoolean = E2eeBooleanRule
AlwaysArchiveRequiresRouted = AlwaysArchiveRequiresRoutedRule
RelayedForbidsE2ee = RelayedForbidsE2eeRule
AlwaysArchiveForbidsE2ee = AlwaysArchiveForbidsE2eeRule
LocationIpv4 = LocationIpv4Rule
ArchiveModeValid = ArchiveModeValidRule
ManualArchiveForbidsNameAndResolution = ManualArchiveForbidsNameAndResolutionRule
ArchiveNameLength = ArchiveNameLengthRule
ArchiveResolutionValid = ArchiveResolutionValidRule


def _session_rules(strict: bool) -> RuleRegistry:
    return RuleRegistry(
        [
            KnownKeysRule(strict=strict),
            MediaModeRule(strict=strict),
            ArchiveModeDefaultRule(),
            E2eeBooleanRule(),
            AlwaysArchiveRequiresRoutedRule(),
            RelayedForbidsE2eeRule(),
            AlwaysArchiveForbidsE2eeRule(),
            LocationIpv4Rule(),
            ArchiveModeValidRule(),
            ManualArchiveForbidsNameAndResolutionRule(),
            ArchiveNameLengthRule(),
            ArchiveResolutionValidRule(),
        ]
    )


# These rules, all of them in this order, leave only options a SessionSpec takes as they are:
# plain values of exact types, no combination the service refuses (test_spec_guard.py holds
# this), so the pipeline builds their specs without checking them again.
_SPEC_RULES.extend(zip(_session_rules(strict=False), _session_rules(strict=True), strict=True))


def default_rules() -> RuleRegistry:
    """A fresh registry of the twelve session rules, in order; yours to edit."""
    return _session_rules(strict=False)


def strict_rules() -> RuleRegistry:
    """The default rules, but unknown keys and unknown media modes are violations."""
    return _session_rules(strict=True)
