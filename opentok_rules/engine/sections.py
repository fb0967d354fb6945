"""The operations as a policy sees them: each one's rule tables, registry and option domains.

The engine names no operation. Each operation declares a :class:`Section` (what its
``[[name]]`` tables are called, which attribute of a loaded policy holds its registry, the
library's rules it starts from, the values its options can hold), and the library lists its
sections, with the class a loaded policy is made as, in one :class:`Catalog`
(``opentok_rules.operations.catalog``). The policy loader, the policy file's schema and the
policy tests read that catalog instead of knowing the operations themselves; it is imported
the first time one of them needs it, so ``import opentok_rules`` reads none of it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from opentok_rules.engine.domains import Domain
    from opentok_rules.engine.registry import RuleRegistry

__all__ = ["Catalog", "Section", "catalog", "section"]

#: The module that holds the library's :class:`Catalog` as ``CATALOG``.
DECLARED_IN = "opentok_rules.operations.catalog"

#: What a test's options are checked with, besides their table: ``(options, fail)``, where
#: ``fail(field, problem)`` makes the error to raise.
TestCheck = Callable[[Mapping[str, Any], Callable[[str, str], Exception]], None]


@attrs.frozen
class Section:
    """One operation, as a policy file writes it and a loaded policy holds it."""

    #: The rule tables' name (``[[name]]``), and the key a ``[[test]]`` gives options under.
    name: str
    #: The attribute of a loaded policy that holds the operation's registry.
    attribute: str
    #: A fresh registry of the library's rules for a base (``"default"`` or ``"strict"``).
    library: Callable[[str], RuleRegistry]
    #: The operation's options, in order, each with the values it holds once normalized.
    domains: Callable[[], Mapping[str, Domain]]
    #: The library's own kinds of this operation, by name (a policy may use them anywhere).
    kinds: Callable[[], Mapping[str, type]] = dict
    #: Kinds (by name) that only this operation's tables may use.
    own_kinds: tuple[str, ...] = ()
    #: The check of a test's options beyond their being a table, if the operation has one.
    test_check: TestCheck | None = None


@attrs.frozen
class Catalog:
    """The operations a policy has tables for, in order, and what a loaded policy is."""

    sections: tuple[Section, ...]
    #: Called with ``source``, ``tests`` and each section's registry by its ``attribute``.
    policy: Callable[..., Any]

    def names(self) -> tuple[str, ...]:
        return tuple(each.name for each in self.sections)


@functools.cache
def catalog() -> Catalog:
    """The library's catalog of operations (imported once, on first use)."""
    found = importlib.import_module(DECLARED_IN).CATALOG
    if not isinstance(found, Catalog):  # pragma: no cover - the library's own declaration
        raise TypeError(f"{DECLARED_IN}.CATALOG is not a Catalog")
    return found


def section(name: str) -> Section:
    """The section called ``name``; a :class:`ValueError` listing them for any other name."""
    for each in catalog().sections:
        if each.name == name:
            return each
    names = ", ".join(catalog().names())
    raise ValueError(f"unknown operation {name!r}; the operations are {names}")
