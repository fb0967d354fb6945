"""Create OpenTok (Vonage Video) sessions through an ordered registry of small, named rules.

``import opentok_rules`` stays light: the client, tokens and the cattrs conversions (and with
them urllib3, PyJWT and cattrs) are imported the first time one of their names is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    AuthenticationError,
    ConfigurationError,
    OpenTokError,
    RequestError,
    ValidationError,
    Violation,
)
from .pipeline import PreparedSession, prepare_session
from .registry import FunctionRule, Options, Rule, RuleRegistry, rule
from .rules import default_rules, strict_rules
from .spec import SessionSpec
from .values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, Role

if TYPE_CHECKING:
    from .async_client import AsyncOpenTok, AsyncVonageVideo
    from .client import OpenTok, Session, SessionRecord
    from .convert import spec_from_dict, spec_to_dict
    from .token_rules import TokenSpec
    from .tokens import default_token_rules
    from .vonage import VonageVideo

# name -> module that defines it, imported on first use (PEP 562).
_LAZY = {
    "AsyncOpenTok": "async_client",
    "AsyncVonageVideo": "async_client",
    "OpenTok": "client",
    "Session": "client",
    "SessionRecord": "client",
    "spec_from_dict": "convert",
    "spec_to_dict": "convert",
    "TokenSpec": "token_rules",
    "default_token_rules": "tokens",
    "VonageVideo": "vonage",
}

__all__ = [
    "ARCHIVE_RESOLUTIONS",
    "ArchiveMode",
    "AsyncOpenTok",
    "AsyncVonageVideo",
    "AuthenticationError",
    "ConfigurationError",
    "FunctionRule",
    "MediaMode",
    "OpenTok",
    "OpenTokError",
    "Options",
    "PreparedSession",
    "RequestError",
    "Role",
    "Rule",
    "RuleRegistry",
    "Session",
    "SessionRecord",
    "SessionSpec",
    "TokenSpec",
    "ValidationError",
    "Violation",
    "VonageVideo",
    "__version__",
    "default_rules",
    "default_token_rules",
    "prepare_session",
    "rule",
    "spec_from_dict",
    "spec_to_dict",
    "strict_rules",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'opentok_rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
