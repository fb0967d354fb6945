"""What API.md fixes, written out here rather than read from the library, so a test compares
the library against the contract and not against itself."""

from __future__ import annotations

#: ``SessionSpec``'s fields, in their order (API.md section 2).
FIELD_NAMES = (
    "media_mode",
    "archive_mode",
    "location",
    "archive_name",
    "archive_resolution",
    "e2ee",
)

#: The default rules' ids, in registry order (API.md section 3).
RULE_IDS = (
    "known-keys",
    "media-mode",
    "archive-mode-default",
    "e2ee-boolean",
    "always-archive-requires-routed",
    "relayed-forbids-e2ee",
    "always-archive-forbids-e2ee",
    "location-ipv4",
    "archive-mode-valid",
    "manual-archive-forbids-name-and-resolution",
    "archive-name-length",
    "archive-resolution-valid",
)

#: The rules that judge values and combinations: every default rule after the four that
#: normalize (known keys, media mode, the archive mode default, e2ee as a bool).
VALUE_RULE_IDS = frozenset(RULE_IDS[4:])

#: A policy's first rule, as TOML: only routed sessions (the policy tests build on it).
ROUTED_ONLY_TOML = """\
[[session]]
id = "acme-routed-only"
kind = "allowed"
key = "media_mode"
values = ["routed"]
message = "Acme sessions are routed; set media_mode='routed'."
"""
