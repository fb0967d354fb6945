"""``explain``: what each rule did with a set of session options, one step per rule (the steps
are :mod:`opentok_rules.engine.explain`'s, the same for any registry)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from opentok_rules.engine.explain import Step, explain_rules
from opentok_rules.engine.registry import RuleRegistry

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from opentok_rules.options import SessionOptions

__all__ = ["explain"]


def explain(
    options: Mapping[str, Any] | None = None,
    /,
    *,
    rules: RuleRegistry | None = None,
    **kwargs: Unpack[SessionOptions],
) -> tuple[Step, ...]:
    """One :class:`Step` per rule of ``rules`` (default: :func:`~opentok_rules.default_rules`),
    in order, saying what it did with ``options`` (keyword arguments merged over them).

    Each rule sees the options as the rules before it left them, as in
    :func:`~opentok_rules.prepare_session`; every rule runs, as there. The result explains a
    decision; :func:`~opentok_rules.prepare_session` makes it.
    """
    given: dict[str, Any] = dict(kwargs)
    if options is None and isinstance(given.get("options"), Mapping):
        # explain(options={...}): the mapping, named as in the signature's documentation
        # (no session option is called "options").
        options = given.pop("options")
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(
            f"options must be a mapping, not {type(options).__name__}; pass keyword arguments "
            "or a dict such as {'media_mode': 'routed'}"
        )
    if rules is None:
        from opentok_rules.operations.library import default_rules

        rules = default_rules()
    return explain_rules(rules, {**(options or {}), **given})
