"""The emulator's reading and checking of a ``POST /session/create`` form, as the service does it.

Deliberately independent of the library's rule engine: the emulator stands in for the service,
so these checks are written from the service's documented behaviour, not shared with the client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

__all__ = [
    "ARCHIVE_RESOLUTIONS",
    "MAX_ARCHIVE_NAME_LENGTH",
    "MAX_FIELDS",
    "FormError",
    "create_params_problem",
    "has_bad_escape",
    "parse_form",
]

# These limits are copied from the service's documentation, not imported from the library, so
# that a wrong limit in the library is caught by the emulator instead of mirrored by it.

#: The longest ``archiveName`` the service accepts: "up to 80 characters", says the
#: ``archiveName`` parameter of ``POST /session/create`` in the Vonage Video (OpenTok) REST
#: API reference (https://developer.vonage.com/en/video/api-reference/, "Create a session").
MAX_ARCHIVE_NAME_LENGTH = 80
#: The ``archiveResolution`` values the service accepts: SD, HD and FHD, landscape and
#: portrait, as listed for archives in the same reference and in the server SDKs' docs
#: (e.g. the Vonage .NET SDK's ``Archive.Resolution``: "640x480" the default, "1280x720",
#: "1920x1080", "480x640", "720x1280", "1080x1920").
ARCHIVE_RESOLUTIONS = ("640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920")
#: Far more fields than any real create request carries; bounds the work a hostile body causes.
MAX_FIELDS = 100
# A "%" not followed by two hex digits: Python's unquote keeps such a "%" as it is, other
# servers refuse the form or decode it differently, so the emulator refuses it.
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_CHOICES: dict[str, tuple[str, ...]] = {
    "p2p.preference": ("enabled", "disabled"),
    "archiveMode": ("manual", "always"),
    "e2ee": ("true", "false"),
}
# What the service assumes for an absent choice: relayed media, manual archiving, no e2ee.
_DEFAULTS = {"p2p.preference": "enabled", "archiveMode": "manual", "e2ee": "false"}


class FormError(ValueError):
    """The request body is not a well-formed ``application/x-www-form-urlencoded`` form."""


def parse_form(body: bytes) -> dict[str, str]:
    """The fields of a urlencoded ``body``; raises :class:`FormError` if it is malformed."""
    if not body:
        return {}  # Python 3.10's strict parse_qsl refuses an empty form; later ones do not
    _check_shape(body)
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise FormError("request body is not a valid urlencoded form (bad encoding)") from None
    except ValueError:
        raise FormError("request body is not a valid urlencoded form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        # The service would silently pick one value; a repeated field is always a client bug.
        if name in fields:
            raise FormError(f"{name} is given more than once")
        fields[name] = value
    return fields


def has_bad_escape(body: bytes) -> bool:
    """Whether ``body`` has a ``%`` not followed by two hex digits."""
    return _BAD_ESCAPE.search(body) is not None


def _check_shape(body: bytes) -> None:
    """Refuse, with a message that says what is wrong, a form too big or badly escaped."""
    count = body.count(b"&") + 1
    if count > MAX_FIELDS:
        raise FormError(
            f"request body has {count} fields; a create-session form takes at most {MAX_FIELDS}"
        )
    bad = _BAD_ESCAPE.search(body)
    if bad is not None:
        raise FormError(
            "request body is not a valid urlencoded form: a '%' at byte "
            f"{bad.start()} is not followed by two hex digits (write a literal '%' as %25)"
        )


def create_params_problem(params: Mapping[str, str]) -> str | None:
    """What is wrong with the create-session ``params``, or ``None`` if the service takes them."""
    for name, allowed in _CHOICES.items():
        if name in params and params[name] not in allowed:
            choices = " or ".join(repr(choice) for choice in allowed)
            return f"{name} must be {choices}, got {_show(params[name])}"
    effective = {**_DEFAULTS, **params}
    for check in _CHECKS:
        problem = check(effective)
        if problem is not None:
            return problem
    return None


def _always_needs_routed(params: Mapping[str, str]) -> str | None:
    if params["archiveMode"] == "always" and params["p2p.preference"] != "disabled":
        return "archiveMode 'always' requires p2p.preference 'disabled' (routed media)"
    return None


def _e2ee_needs_routed(params: Mapping[str, str]) -> str | None:
    if params["e2ee"] == "true" and params["p2p.preference"] != "disabled":
        return "e2ee 'true' requires p2p.preference 'disabled' (routed media)"
    return None


def _e2ee_needs_manual(params: Mapping[str, str]) -> str | None:
    if params["e2ee"] == "true" and params["archiveMode"] != "manual":
        return "e2ee 'true' requires archiveMode 'manual'"
    return None


def _location_is_ipv4(params: Mapping[str, str]) -> str | None:
    if "location" in params and not _is_dotted_quad(params["location"]):
        shown = _show(params["location"])
        return f"location must be an IPv4 address such as '12.34.56.78', got {shown}"
    return None


def _archive_name(params: Mapping[str, str]) -> str | None:
    if "archiveName" not in params:
        return None
    if params["archiveMode"] != "always":
        return "archiveName is only allowed with archiveMode 'always'"
    if len(params["archiveName"]) > MAX_ARCHIVE_NAME_LENGTH:
        return (
            f"archiveName must be at most {MAX_ARCHIVE_NAME_LENGTH} characters, "
            f"got {len(params['archiveName'])}"
        )
    return None


def _archive_resolution(params: Mapping[str, str]) -> str | None:
    if "archiveResolution" not in params:
        return None
    if params["archiveMode"] != "always":
        return "archiveResolution is only allowed with archiveMode 'always'"
    if params["archiveResolution"] not in ARCHIVE_RESOLUTIONS:
        return (
            f"archiveResolution must be one of {', '.join(ARCHIVE_RESOLUTIONS)}, "
            f"got {_show(params['archiveResolution'])}"
        )
    return None


_CHECKS: tuple[Callable[[Mapping[str, str]], str | None], ...] = (
    _always_needs_routed,
    _e2ee_needs_routed,
    _e2ee_needs_manual,
    _location_is_ipv4,
    _archive_name,
    _archive_resolution,
)


def _is_dotted_quad(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(_is_octet(part) for part in parts)


def _is_octet(part: str) -> bool:
    # isdigit alone would admit non-ASCII digits such as "²"; a leading zero reads as octal
    # to some parsers, so the service refuses it.
    if not (part.isascii() and part.isdigit()) or len(part) > 3:
        return False
    return (part == "0" or not part.startswith("0")) and int(part) <= 255


def _show(value: str) -> str:
    """``value`` quoted for an error message, cut short so a huge value cannot bloat it."""
    return repr(value if len(value) <= 40 else value[:40] + "...")
