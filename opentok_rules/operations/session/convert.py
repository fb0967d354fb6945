"""``SessionSpec`` to and from plain dicts (for JSON and config files), through cattrs.

Unstructuring is plain cattrs: enums become their string values. Structuring is routed through
the rules, so a dict with bad data raises :class:`~opentok_rules.ValidationError` listing every
problem, the same as :func:`~opentok_rules.prepare_session`, never a cattrs error. The
:data:`converter` carries that hook, so a ``SessionSpec`` nested in your own attrs classes is
validated too when you structure them with it. It carries nothing else of ours: every other type
in your classes is structured exactly as a plain ``cattrs.Converter`` would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cattrs

from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.operations.session.prepare import prepare_session
from opentok_rules.operations.session.spec import SessionSpec
from opentok_rules.values import ArchiveMode, MediaMode, Role

__all__ = ["converter", "spec_from_dict", "spec_to_dict"]


def _structure_spec(data: Any, _: type[SessionSpec]) -> SessionSpec:
    if not isinstance(data, Mapping | SessionSpec):
        raise TypeError(f"a SessionSpec is built from a mapping, not {type(data).__name__}")
    return prepare_session(data).spec


#: A cattrs converter that knows how to (un)structure :class:`~opentok_rules.SessionSpec`.
#: Detailed validation is off so a ``ValidationError`` reaches the caller as itself, not wrapped.
converter = cattrs.Converter(detailed_validation=False)
converter.register_structure_hook(SessionSpec, _structure_spec)
# cattrs passes a str-valued enum through as the member itself; JSON and config files want
# the plain string.
for _enum in (MediaMode, ArchiveMode, Role):
    converter.register_unstructure_hook(_enum, lambda member: member.value)


def spec_to_dict(spec: SessionSpec) -> dict[str, Any]:
    """The spec as a plain dict of JSON types: ``{"media_mode": "routed", ...}``."""
    result: dict[str, Any] = converter.unstructure(spec)
    return result


def spec_from_dict(data: Mapping[str, Any], *, rules: RuleRegistry | None = None) -> SessionSpec:
    """The spec a plain dict describes, checked by ``rules`` (default: the default rules)."""
    if rules is None:
        result: SessionSpec = converter.structure(data, SessionSpec)
        return result
    return prepare_session(data, rules=rules).spec
