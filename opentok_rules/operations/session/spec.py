"""``SessionSpec``: the normalized, immutable description of a session to create."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from opentok_rules._messages import shown
from opentok_rules.errors import ValidationError, Violation
from opentok_rules.values import (
    ARCHIVE_RESOLUTIONS,
    COMBINATIONS,
    MAX_ARCHIVE_NAME,
    ArchiveMode,
    MediaMode,
    is_dotted_quad,
    plain_str,
    utf8_encodable,
)

__all__ = ["SessionSpec"]

# Looking members up in a dict is several times cheaper than ``MediaMode(value)`` and the
# converters run on every spec the pipeline builds. A member hashes like its value, so one
# dict serves both spellings ("routed" and MediaMode.ROUTED).
_MEDIA_MODES = {m.value: m for m in MediaMode}
_ARCHIVE_MODES = {m.value: m for m in ArchiveMode}
_ROUTED = MediaMode.ROUTED


#: The rule id of a violation found by the spec itself (its last check; see SessionSpec).
SPEC_RULE_ID = "session-spec"


def _media_mode(value: MediaMode | str) -> MediaMode:
    try:
        return _MEDIA_MODES[value]
    except (KeyError, TypeError):
        message = f"media_mode must be 'routed' or 'relayed', not {shown(value)}"
        raise ValueError(message) from None


def _archive_mode(value: ArchiveMode | str) -> ArchiveMode:
    try:
        return _ARCHIVE_MODES[value]
    except (KeyError, TypeError):
        message = f"archive_mode must be 'manual' or 'always', not {shown(value)}"
        raise ValueError(message) from None


def _text(value: str | None) -> str | None:
    # The characters that will be sent: a str subclass's __str__ or __len__ could lie.
    return plain_str(value) if isinstance(value, str) and type(value) is not str else value


def _optional_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Our own check rather than attrs' instance_of: its message is built with the value's
    # repr, and a user's __repr__ may raise (the message uses shown(), which never does).
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str or None; got {shown(value)}")


def _bool(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not True and value is not False:
        raise TypeError(f"{attribute.name} must be True or False; got {shown(value)}")


def _problems(spec: SessionSpec) -> list[Violation]:
    """Everything about ``spec`` the service would refuse; empty values are not sent."""
    fields = attrs.asdict(spec, recurse=False)
    found = [_violation(None, each.summary) for each in COMBINATIONS if each.refuses(fields)]
    always = spec.archive_mode is ArchiveMode.ALWAYS
    if spec.location and not is_dotted_quad(spec.location):
        message = f"location must be a dotted-quad IPv4 address; got {shown(spec.location)}"
        found.append(_violation("location", message))
    for name in ("archive_name", "archive_resolution"):
        if getattr(spec, name) and not always:
            found.append(_violation(name, f"{name} needs archive_mode 'always'"))
    archive_name = spec.archive_name
    if archive_name and len(archive_name) > MAX_ARCHIVE_NAME:
        message = f"archive_name is {len(archive_name)} characters long; at most {MAX_ARCHIVE_NAME}"
        found.append(_violation("archive_name", message))
    elif archive_name and not utf8_encodable(archive_name):
        found.append(_violation("archive_name", "archive_name cannot be sent as UTF-8"))
    resolution = spec.archive_resolution
    if resolution and resolution not in ARCHIVE_RESOLUTIONS:
        message = (
            f"archive_resolution must be one of {', '.join(ARCHIVE_RESOLUTIONS)}; "
            f"got {shown(resolution)}"
        )
        found.append(_violation("archive_resolution", message))
    return found


def _violation(field: str | None, message: str) -> Violation:
    return Violation(SPEC_RULE_ID, field, message)


@attrs.frozen
class SessionSpec:
    """What to ask the service for. Build one with :func:`~opentok_rules.prepare_session`.

    The last line of defence: a spec the service would refuse cannot exist, however it is
    made (by the rules, by hand, by ``attrs.evolve`` or :meth:`from_params`). A value it
    cannot hold is a :class:`TypeError` (a field of the wrong type) or a :class:`ValueError`
    (a media or archive mode that is none); a value or combination the service refuses is a
    :class:`~opentok_rules.ValidationError` whose violations (rule ``session-spec``) name
    each problem. Empty strings are allowed: they are not sent.
    """

    media_mode: MediaMode = attrs.field(default=MediaMode.RELAYED, converter=_media_mode)
    archive_mode: ArchiveMode = attrs.field(default=ArchiveMode.MANUAL, converter=_archive_mode)
    location: str | None = attrs.field(default=None, converter=_text, validator=_optional_str)
    archive_name: str | None = attrs.field(default=None, converter=_text, validator=_optional_str)
    archive_resolution: str | None = attrs.field(
        default=None, converter=_text, validator=_optional_str
    )
    e2ee: bool = attrs.field(default=False, validator=_bool)

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValidationError(problems)

    def to_params(self) -> dict[str, str]:
        """The form params of ``POST /session/create``; empty and unset values are left out."""
        params = {
            "p2p.preference": "disabled" if self.media_mode is _ROUTED else "enabled",
            "archiveMode": self.archive_mode.value,
        }
        if self.location:
            params["location"] = self.location
        if self.archive_name:
            params["archiveName"] = self.archive_name
        if self.archive_resolution:
            params["archiveResolution"] = self.archive_resolution
        params["e2ee"] = "true" if self.e2ee else "false"
        return params

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SessionSpec:
        """The spec that :meth:`to_params` turned into ``params`` (the inverse, for records).

        Raises :class:`ValueError` for params :meth:`to_params` could not have produced, and
        :class:`TypeError` when ``params`` is not a mapping.
        """
        if not isinstance(params, Mapping):
            raise TypeError(
                f"params must be a mapping of form params such as {{'p2p.preference': "
                f"'disabled'}}; got {shown(params)}"
            )
        preference = params.get("p2p.preference", "enabled")
        if preference not in ("enabled", "disabled"):
            message = f"p2p.preference must be 'enabled' or 'disabled', not {shown(preference)}"
            raise ValueError(message)
        e2ee = params.get("e2ee", "false")
        if e2ee not in ("true", "false"):
            raise ValueError(f"e2ee must be 'true' or 'false', not {shown(e2ee)}")
        return cls(
            media_mode=MediaMode.ROUTED if preference == "disabled" else MediaMode.RELAYED,
            archive_mode=params.get("archiveMode", ArchiveMode.MANUAL),
            location=params.get("location"),
            archive_name=params.get("archiveName"),
            archive_resolution=params.get("archiveResolution"),
            e2ee=e2ee == "true",
        )


_new_spec = object.__new__
# The slot descriptors: setting through them is what attrs' own __init__ does for a frozen
# class, minus the converters and checks.
_SLOTS = SessionSpec.__dict__
_set_media_mode = _SLOTS["media_mode"].__set__
_set_archive_mode = _SLOTS["archive_mode"].__set__
_set_location = _SLOTS["location"].__set__
_set_archive_name = _SLOTS["archive_name"].__set__
_set_archive_resolution = _SLOTS["archive_resolution"].__set__
_set_e2ee = _SLOTS["e2ee"].__set__


def unchecked_spec(options: dict[str, Any]) -> SessionSpec:
    """A spec of options that are already exactly what a spec holds, without checking them:
    the registry's loop's last step in the session pipeline (not part of the public API).

    Only for the options the library's own rules let through (the registry knows when only
    they ran: ``_spec_guaranteed``), which are plain members, strs and bools in combinations
    the service takes; tests/test_spec_guard.py holds that promise. Anything else goes through
    ``SessionSpec(...)``, which checks.
    """
    get = options.get
    spec = _new_spec(SessionSpec)
    _set_media_mode(spec, get("media_mode", MediaMode.RELAYED))
    _set_archive_mode(spec, get("archive_mode", ArchiveMode.MANUAL))
    _set_location(spec, get("location"))
    _set_archive_name(spec, get("archive_name"))
    _set_archive_resolution(spec, get("archive_resolution"))
    _set_e2ee(spec, get("e2ee", False))
    return spec
