"""The layout of OpenTok session ids: ``"1_"`` or ``"2_"`` + unpadded base64url of ``~`` fields.

A real id such as ``1_MX4xMjM0NTZ-fk1v...`` decodes to ``1~123456~<location>~<created>~<random>~``:
the second field is the api key (project id) the session belongs to, the third the location hint.
Vonage Video API ids have the same layout with the application id (a UUID) in the second field.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time

__all__ = ["MAX_SESSION_ID_LENGTH", "make_session_id", "session_id_fields"]

from opentok_rules.values import MAX_SESSION_ID_LENGTH

_PREFIXES = ("1_", "2_")


def session_id_fields(session_id: str) -> tuple[str, ...] | None:
    """The ``~``-separated fields encoded in ``session_id``, or ``None`` if it is not an id."""
    if not isinstance(session_id, str) or len(session_id) > MAX_SESSION_ID_LENGTH:
        return None
    if session_id[:2] not in _PREFIXES or len(session_id) < 3:
        return None
    encoded = session_id[2:]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    fields = tuple(text.split("~"))
    return fields if len(fields) >= 3 else None


def make_session_id(api_key: str, *, location: str = "", created: float | None = None) -> str:
    """A new, unique id in the service's format for a session of ``api_key``.

    ``api_key`` is the OpenTok api key, or the Vonage application id: either is the project the
    id names in its second field.
    """
    stamp = time.strftime(
        "%a %b %d %H:%M:%S GMT %Y", time.gmtime(time.time() if created is None else created)
    )
    text = f"1~{api_key}~{location}~{stamp}~{secrets.token_hex(12)}~"
    encoded = base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode("ascii")
    return "1_" + encoded
