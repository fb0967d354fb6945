"""The archive options, each with the values it holds once the rules normalized it."""

from __future__ import annotations

from collections.abc import Mapping

from opentok_rules.engine.domains import BOOL, TEXT, WHOLE, Domain, enum_values, in_order
from opentok_rules.values import (
    ARCHIVE_LAYOUT_TYPES,
    ARCHIVE_OPTION_KEYS,
    ARCHIVE_RESOLUTIONS,
    ARCHIVE_SCREENSHARE_TYPES,
    OutputMode,
    StreamMode,
)


def archive_domains() -> Mapping[str, Domain]:
    return in_order(
        ARCHIVE_OPTION_KEYS,
        {
            "session_id": TEXT,
            "name": TEXT,
            "has_audio": BOOL,
            "has_video": BOOL,
            "output_mode": enum_values(OutputMode),
            "stream_mode": enum_values(StreamMode),
            "resolution": Domain(values=ARCHIVE_RESOLUTIONS),
            "layout_type": Domain(values=ARCHIVE_LAYOUT_TYPES),
            "layout_stylesheet": TEXT,
            "layout_screenshare_type": Domain(values=ARCHIVE_SCREENSHARE_TYPES),
            "multi_archive_tag": TEXT,
            "max_bitrate": WHOLE,
            "quantization_parameter": WHOLE,
        },
    )
