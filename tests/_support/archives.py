"""Archives as the service's REST reference writes them, for the archive tests to compare with."""

from __future__ import annotations

from typing import Any


def weekly_body(session_id: str, **more: Any) -> dict[str, Any]:
    """The start-archive body of an archive named ``weekly`` at 1280x720, the reference's
    defaults otherwise (audio, video, composed, auto streams), and ``more``."""
    return {
        "sessionId": session_id,
        "hasAudio": True,
        "hasVideo": True,
        "outputMode": "composed",
        "streamMode": "auto",
        "name": "weekly",
        "resolution": "1280x720",
        **more,
    }
