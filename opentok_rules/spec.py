"""``SessionSpec``: the normalized, immutable description of a session to create."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from opentok_rules._messages import shown
from opentok_rules.values import ArchiveMode, MediaMode

__all__ = ["SessionSpec"]

# Looking members up in a dict is several times cheaper than ``MediaMode(value)`` and the
# converters run on every spec the pipeline builds. A member hashes like its value, so one
# dict serves both spellings ("routed" and MediaMode.ROUTED).
_MEDIA_MODES = {m.value: m for m in MediaMode}
_ARCHIVE_MODES = {m.value: m for m in ArchiveMode}
_ROUTED = MediaMode.ROUTED


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


def _optional_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # Our own check rather than attrs' instance_of: its message is built with the value's
    # repr, and a user's __repr__ may raise (the message uses shown(), which never does).
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a str or None; got {shown(value)}")


def _bool(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not True and value is not False:
        raise TypeError(f"{attribute.name} must be True or False; got {shown(value)}")


@attrs.frozen
class SessionSpec:
    """What to ask the service for. Build one with :func:`~opentok_rules.prepare_session`.

    The class checks only the type of each field; whether a combination makes sense is the
    rules' business, so a hand-made spec is checked again when it is sent.
    """

    media_mode: MediaMode = attrs.field(default=MediaMode.RELAYED, converter=_media_mode)
    archive_mode: ArchiveMode = attrs.field(default=ArchiveMode.MANUAL, converter=_archive_mode)
    location: str | None = attrs.field(default=None, validator=_optional_str)
    archive_name: str | None = attrs.field(default=None, validator=_optional_str)
    archive_resolution: str | None = attrs.field(default=None, validator=_optional_str)
    e2ee: bool = attrs.field(default=False, validator=_bool)

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
