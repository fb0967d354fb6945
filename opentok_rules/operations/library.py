"""The library's own rules, read from its policy data, and what a loaded policy is.

Each operation's rules are policy files in its folder (``session/rules.toml``,
``token/rules.toml``, ``archive/rules.toml`` and the strict ones), read once by the loader that
reads yours (:mod:`opentok_rules.engine.policies`) and copied for each caller: rules are
immutable, so every registry may share them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from opentok_rules._messages import short_repr
from opentok_rules.engine.policy_tests import PolicyTest
from opentok_rules.engine.registry import SPEC_RULES, Rule, RuleRegistry

__all__ = [
    "Policy",
    "default_rules",
    "default_token_rules",
    "library_archive_rules",
    "library_policy",
    "library_rules",
    "load_policy",
    "strict_rules",
]

#: The library's policy data by name: (operation's folder, file).
_LIBRARY_FILES = {
    "session_rules": ("session", "rules.toml"),
    "session_rules_strict": ("session", "rules_strict.toml"),
    "token_rules": ("token", "rules.toml"),
}
#: The archive rules by base: files read by path, since the strict one extends the default.
_ARCHIVE_FILES = {"default": "rules.toml", "strict": "rules_strict.toml"}
_HERE = Path(__file__).resolve().parent
_ARCHIVE: dict[str, RuleRegistry] = {}


def _default_archive_rules() -> RuleRegistry:
    return library_archive_rules("default")


@attrs.frozen
class Policy:
    """A loaded policy: its session ``rules``, its ``token_rules``, its ``archive_rules`` and
    the file it came from.

    Pass the registries to :func:`~opentok_rules.prepare_session`,
    :func:`~opentok_rules.prepare_archive` or a client (``OpenTok(key, secret,
    rules=policy.rules, token_rules=policy.token_rules, archive_rules=policy.archive_rules)``).
    ``source`` is ``None`` for a policy given as a mapping.
    """

    rules: RuleRegistry
    token_rules: RuleRegistry
    source: Path | None = None
    archive_rules: RuleRegistry = attrs.field(factory=_default_archive_rules)
    #: The policy's own ``[[test]]`` tables (not those of the files it extends), in order;
    #: run them with :func:`~opentok_rules.run_policy_tests`.
    tests: tuple[PolicyTest, ...] = ()


def load_policy(source: str | os.PathLike[str] | Mapping[str, Any]) -> Policy:
    """The policy in a TOML file (``opentok-rules.toml``, or the ``[tool.opentok-rules]``
    table of a ``pyproject.toml``), or in a mapping of the same structure.

    ``extend`` takes a path relative to the file (to the working directory for a mapping),
    or an absolute one; ``..`` and symbolic links are followed. Raises
    :class:`~opentok_rules.PolicyError` for any policy that cannot be used. A file named here
    is trusted whoever owns it (:func:`~opentok_rules.find_policy` is warier).
    """
    from opentok_rules.engine.policies import load

    policy: Policy = load(source)
    return policy


def library_policy(name: str) -> Policy:
    """The library's policy ``name`` (``"session_rules"``, ``"session_rules_strict"``,
    ``"token_rules"``): the TOML file in its operation's folder, loaded as any policy mapping
    is (so its rules have no ``source``)."""
    from opentok_rules.engine.policies import load_library

    operation, file = _LIBRARY_FILES[name]
    policy: Policy = load_library(_HERE / operation / file, sourced=False)
    return policy


def library_archive_rules(base: str = "default") -> RuleRegistry:
    """A fresh copy of the library's archive rules (``"default"`` or ``"strict"``).

    They are policy files in the package (``opentok_rules/operations/archive/rules.toml`` and
    ``rules_strict.toml``, which extends it), read by the policy loader once and copied for
    each caller: the same data and checks as a user's ``[[archive]]`` tables.
    """
    if base not in _ARCHIVE_FILES:
        from opentok_rules.engine.policies import suggest

        hint = suggest(str(base), list(_ARCHIVE_FILES), "bases")
        raise ValueError(f"unknown base {short_repr(base)}; {hint}")
    registry = _ARCHIVE.get(base)
    if registry is None:
        from opentok_rules.engine.policies import load_library

        path = _HERE / "archive" / _ARCHIVE_FILES[base]
        registry = load_library(path, sourced=True).archive_rules
        _ARCHIVE[base] = registry
    return registry.copy()


@functools.cache
def library_rules(name: str) -> tuple[Rule, ...]:
    """The rules of the library's policy data ``name`` (``operations/session/rules.toml`` and
    its neighbours), loaded once; rules are immutable, so every registry may share them."""
    policy = library_policy(name)
    return tuple(policy.token_rules if name == "token_rules" else policy.rules)


def _session_rules(strict: bool) -> RuleRegistry:
    if not SPEC_RULES:
        # These rules, all of them in this order, leave only options a SessionSpec takes as
        # they are: plain values of exact types, no combination the service refuses
        # (test_spec_guard.py holds this), so the pipeline builds their specs without checking
        # them again. One assignment: threads that race here write the same places.
        SPEC_RULES[:] = list(
            zip(library_rules("session_rules"), library_rules("session_rules_strict"), strict=True)
        )
    return RuleRegistry(library_rules("session_rules_strict" if strict else "session_rules"))


def default_rules() -> RuleRegistry:
    """A fresh registry of the twelve session rules, in order; yours to edit."""
    return _session_rules(strict=False)


def strict_rules() -> RuleRegistry:
    """The default rules, but unknown keys and unknown media modes are violations."""
    return _session_rules(strict=True)


def default_token_rules() -> RuleRegistry:
    """A fresh registry of the seven token rules, in order; yours to edit."""
    return RuleRegistry(library_rules("token_rules"))
