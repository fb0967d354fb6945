"""The archive's end of the JSON Schema: its title (the archive spec holds only what the
archive rules check by type, so it adds no part of its own)."""

from __future__ import annotations

__all__ = ["DESCRIPTION", "TITLE"]

#: What the archive schema is of.
TITLE = "Archive options"
DESCRIPTION = (
    "The options of opentok-rules' prepare_archive and start_archive, as the given rules "
    "accept them: the session id as session_id, and the layout's fields as layout_type, "
    "layout_stylesheet and layout_screenshare_type (the names the archive rules read)."
)
