"""The operations a policy has tables for, declared to the engine (see
:mod:`opentok_rules.engine.sections`): ``[[session]]``, ``[[token]]`` and ``[[archive]]``, in
that order, and :class:`~opentok_rules.Policy` as what a loaded policy is made as."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.sections import Catalog, Section
from opentok_rules.operations import library


def _found(module: str, name: str) -> Callable[[], Any]:
    """``module.name``, imported on first use: the catalog costs nothing until a policy needs
    an operation's domains or kinds."""

    def load() -> Any:
        return getattr(importlib.import_module(f"opentok_rules.operations.{module}"), name)

    return load


def _made(module: str, name: str) -> Callable[[], Any]:
    """What ``module.name()`` makes, made once."""
    return functools.cache(lambda: _found(module, name)()())


def _session_library(base: str) -> RuleRegistry:
    return library.strict_rules() if base == "strict" else library.default_rules()


def _token_library(base: str) -> RuleRegistry:
    # The token rules have no strict form: a strict policy keeps the default ones.
    return library.default_token_rules()


def _token_test(options: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> None:
    from opentok_rules.operations.policy_run import check_token_test

    check_token_test(options, fail)


CATALOG = Catalog(
    sections=(
        Section(
            name="session",
            attribute="rules",
            library=_session_library,
            domains=_made("session.domains", "session_domains"),
            kinds=_found("session.rules", "LIBRARY_SESSION_KINDS"),
        ),
        Section(
            name="token",
            attribute="token_rules",
            library=_token_library,
            domains=_made("token.domains", "token_domains"),
            kinds=_found("token.rules", "LIBRARY_TOKEN_KINDS"),
            own_kinds=("max_ttl",),
            test_check=_token_test,
        ),
        Section(
            name="archive",
            attribute="archive_rules",
            library=library.library_archive_rules,
            domains=_made("archive.domains", "archive_domains"),
        ),
    ),
    policy=library.Policy,
)
