"""The session options, each with the values it holds once the rules normalized it."""

from __future__ import annotations

from collections.abc import Mapping

from opentok_rules.engine.domains import BOOL, TEXT, Domain, enum_values, in_order
from opentok_rules.operations.session.rules import SESSION_OPTION_KEYS
from opentok_rules.values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode


def session_domains() -> Mapping[str, Domain]:
    return in_order(
        SESSION_OPTION_KEYS,
        {
            "media_mode": enum_values(MediaMode),
            "location": TEXT,
            "archive_mode": enum_values(ArchiveMode),
            "archive_name": TEXT,
            "archive_resolution": Domain(values=ARCHIVE_RESOLUTIONS),
            "e2ee": BOOL,
        },
    )
