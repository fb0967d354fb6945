"""Create OpenTok (Vonage Video) sessions through an ordered registry of small, named rules.

``import opentok_rules`` stays light: the client, tokens, the cattrs conversions and policy
loading (and with them urllib3, PyJWT, cattrs and tomllib) are imported the first time one of
their names is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentok_rules._lazy import lazy_attributes
from opentok_rules._version import __version__
from opentok_rules.engine.outcome import Outcome
from opentok_rules.engine.registry import FunctionRule, Options, Rule, RuleRegistry, rule
from opentok_rules.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    OpenTokError,
    PolicyError,
    RequestError,
    ValidationError,
    Violation,
)
from opentok_rules.operations.session.prepare import (
    PreparedSession,
    compiled_source,
    prepare_session,
)
from opentok_rules.operations.session.spec import SessionSpec
from opentok_rules.values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, Role

if TYPE_CHECKING:
    from opentok_rules.async_client import AsyncOpenTok, AsyncVonageVideo
    from opentok_rules.client import OpenTok, Session, SessionRecord
    from opentok_rules.engine.explain import Step
    from opentok_rules.engine.policies import find_policy
    from opentok_rules.engine.policy_schema import policy_file_schema
    from opentok_rules.engine.policy_tests import PolicyTest, PolicyTestResult
    from opentok_rules.http.archive_answers import Archive, ArchiveList
    from opentok_rules.operations.archive.prepare import (
        OutputMode,
        StreamMode,
        default_archive_rules,
        prepare_archive,
        strict_archive_rules,
    )
    from opentok_rules.operations.archive.spec import ArchiveLayout, ArchiveSpec, PreparedArchive
    from opentok_rules.operations.library import Policy, default_rules, load_policy, strict_rules
    from opentok_rules.operations.policy_run import run_policy_tests
    from opentok_rules.operations.schema import to_json_schema
    from opentok_rules.operations.session.convert import spec_from_dict, spec_to_dict
    from opentok_rules.operations.session.explain import explain
    from opentok_rules.operations.token.prepare import prepare_token
    from opentok_rules.operations.token.spec import TokenSpec
    from opentok_rules.tokens import default_token_rules
    from opentok_rules.vonage import VonageVideo

# name -> module that defines it, imported on first use (PEP 562).
_LAZY = {
    "Archive": "http.archive_answers",
    "ArchiveList": "http.archive_answers",
    "ArchiveLayout": "operations.archive.spec",
    "ArchiveSpec": "operations.archive.spec",
    "OutputMode": "operations.archive.prepare",
    "PreparedArchive": "operations.archive.spec",
    "StreamMode": "operations.archive.prepare",
    "default_archive_rules": "operations.archive.prepare",
    "prepare_archive": "operations.archive.prepare",
    "strict_archive_rules": "operations.archive.prepare",
    "AsyncOpenTok": "async_client",
    "AsyncVonageVideo": "async_client",
    "OpenTok": "client",
    "Session": "client",
    "SessionRecord": "client",
    "Policy": "operations.library",
    "find_policy": "engine.policies",
    "load_policy": "operations.library",
    "PolicyTest": "engine.policy_tests",
    "PolicyTestResult": "engine.policy_tests",
    "run_policy_tests": "operations.policy_run",
    "policy_file_schema": "engine.policy_schema",
    "Step": "engine.explain",
    "explain": "operations.session.explain",
    "spec_from_dict": "operations.session.convert",
    "spec_to_dict": "operations.session.convert",
    "TokenSpec": "operations.token.spec",
    "prepare_token": "operations.token.prepare",
    "to_json_schema": "operations.schema",
    "default_rules": "operations.library",
    "default_token_rules": "tokens",
    "strict_rules": "operations.library",
    "VonageVideo": "vonage",
}

__all__ = [
    "ARCHIVE_RESOLUTIONS",
    "Archive",
    "ArchiveLayout",
    "ArchiveList",
    "ArchiveMode",
    "ArchiveSpec",
    "AsyncOpenTok",
    "AsyncVonageVideo",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "FunctionRule",
    "MediaMode",
    "NotFoundError",
    "OpenTok",
    "OpenTokError",
    "Options",
    "Outcome",
    "OutputMode",
    "Policy",
    "PolicyError",
    "PolicyTest",
    "PolicyTestResult",
    "PreparedArchive",
    "PreparedSession",
    "RequestError",
    "Role",
    "Rule",
    "RuleRegistry",
    "Session",
    "SessionRecord",
    "SessionSpec",
    "Step",
    "StreamMode",
    "TokenSpec",
    "ValidationError",
    "Violation",
    "VonageVideo",
    "__version__",
    "compiled_source",
    "default_archive_rules",
    "default_rules",
    "default_token_rules",
    "explain",
    "find_policy",
    "load_policy",
    "policy_file_schema",
    "prepare_archive",
    "prepare_session",
    "prepare_token",
    "rule",
    "run_policy_tests",
    "spec_from_dict",
    "spec_to_dict",
    "strict_archive_rules",
    "strict_rules",
    "to_json_schema",
]


__getattr__ = lazy_attributes(__name__, _LAZY, package=__name__, cache=globals())

# What made the namespace is no part of it: ``from opentok_rules import X`` finds the names
# above (and the subpackages), nothing else.
del TYPE_CHECKING, annotations, lazy_attributes


def __dir__() -> list[str]:
    return sorted(__all__)
