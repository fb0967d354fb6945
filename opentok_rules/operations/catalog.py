"""The operations a policy has tables for, declared to the engine (see
:mod:`opentok_rules.engine.sections`): ``[[session]]``, ``[[token]]`` and ``[[archive]]``, in
that order, and :class:`~opentok_rules.Policy` as what a loaded policy is made as."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from opentok_rules.engine.sections import Catalog, Section
from opentok_rules.operations import library


def _lazy(module: str, name: str) -> Callable[[], Any]:
    """``module.name()``, imported on first call and remembered: the catalog costs nothing
    until a policy needs an operation's domains or kinds."""

    @functools.cache
    def load() -> Any:
        import importlib

        return getattr(importlib.import_module(f"opentok_rules.operations.{module}"), name)()

    return load


def _kinds(module: str, name: str) -> Callable[[], Mapping[str, type]]:
    def load() -> Mapping[str, type]:
        import importlib

        kinds: Mapping[str, type] = getattr(
            importlib.import_module(f"opentok_rules.operations.{module}"), name
        )
        return kinds

    return load


def _session_library(base: str) -> Any:
    return library.strict_rules() if base == "strict" else library.default_rules()


def _token_library(base: str) -> Any:
    # The token rules have no strict form: a strict policy keeps the default ones.
    return library.default_token_rules()


def _token_test(options: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> None:
    from opentok_rules.operations.policy_run import check_token_test

    check_token_test(options, fail)


CATALOG = Catalog(
    sections=(
        Section(
            "session",
            "rules",
            _session_library,
            _lazy("session.domains", "session_domains"),
            _kinds("session.rules", "LIBRARY_SESSION_KINDS"),
        ),
        Section(
            "token",
            "token_rules",
            _token_library,
            _lazy("token.domains", "token_domains"),
            _kinds("token.rules", "LIBRARY_TOKEN_KINDS"),
            own_kinds=("max_ttl",),
            test_check=_token_test,
        ),
        Section(
            "archive",
            "archive_rules",
            library.library_archive_rules,
            _lazy("archive.domains", "archive_domains"),
        ),
    ),
    policy=library.Policy,
)
