"""Create OpenTok (Vonage Video) sessions through an ordered registry of small, named rules.

``import opentok_rules`` stays light: the client, tokens, the cattrs conversions and policy
loading (and with them urllib3, PyJWT, cattrs and tomllib) are imported the first time one of
their names is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentok_rules._lazy import lazy_attributes
from opentok_rules._version import __version__
from opentok_rules.engine.pipeline import PreparedSession, compiled_source, prepare_session
from opentok_rules.engine.registry import FunctionRule, Options, Rule, RuleRegistry, rule
from opentok_rules.engine.session_rules import default_rules, strict_rules
from opentok_rules.errors import (
    AuthenticationError,
    ConfigurationError,
    OpenTokError,
    PolicyError,
    RequestError,
    ValidationError,
    Violation,
)
from opentok_rules.spec import SessionSpec
from opentok_rules.values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, Role

if TYPE_CHECKING:
    from opentok_rules.async_client import AsyncOpenTok, AsyncVonageVideo
    from opentok_rules.client import OpenTok, Session, SessionRecord
    from opentok_rules.engine.convert import spec_from_dict, spec_to_dict
    from opentok_rules.engine.policies import Policy, find_policy, load_policy
    from opentok_rules.engine.schema import to_json_schema
    from opentok_rules.engine.token_rules import TokenSpec, prepare_token
    from opentok_rules.tokens import default_token_rules
    from opentok_rules.vonage import VonageVideo

# name -> module that defines it, imported on first use (PEP 562).
_LAZY = {
    "AsyncOpenTok": "async_client",
    "AsyncVonageVideo": "async_client",
    "OpenTok": "client",
    "Session": "client",
    "SessionRecord": "client",
    "Policy": "engine.policies",
    "find_policy": "engine.policies",
    "load_policy": "engine.policies",
    "spec_from_dict": "engine.convert",
    "spec_to_dict": "engine.convert",
    "TokenSpec": "engine.token_rules",
    "prepare_token": "engine.token_rules",
    "to_json_schema": "engine.schema",
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
    "Policy",
    "PolicyError",
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
    "compiled_source",
    "default_rules",
    "default_token_rules",
    "find_policy",
    "load_policy",
    "prepare_session",
    "prepare_token",
    "rule",
    "spec_from_dict",
    "spec_to_dict",
    "strict_rules",
    "to_json_schema",
]


__getattr__ = lazy_attributes(__name__, _LAZY, package=__name__, cache=globals())


def __dir__() -> list[str]:
    return sorted(__all__)
