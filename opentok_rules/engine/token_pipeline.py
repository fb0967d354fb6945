"""``prepare_token``: a token's options through the token rules, into the ``TokenSpec`` to sign.

The token rules and the spec are :mod:`~opentok_rules.engine.token_rules`'s; the library's
registry of them is :func:`~opentok_rules.engine.policies.default_token_rules`'s (policy data).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from opentok_rules._messages import shown
from opentok_rules.engine.outcome import Outcome
from opentok_rules.engine.policies import default_token_rules
from opentok_rules.engine.registry import Options, RuleRegistry
from opentok_rules.engine.shared import spec_after_rules
from opentok_rules.engine.token_rules import TOKEN_TYPES, TokenSpec

__all__ = ["prepare_token", "token_outcome"]

#: Where :func:`prepare_token` reports what "warn" rules found, at WARNING (the logger's name
#: is the one it had when this lived in ``token_rules``, so logging set-ups keep working).
logger = logging.getLogger("opentok_rules.engine.token_rules")
# The clock must say a time a datetime can show: year 1970 to 9999.
_LATEST_CLOCK = 253402300799.0


def _now(clock: Callable[[], float]) -> float:
    """The clock's reading as float seconds; a clear ValueError for one no time can be made of."""
    reading = clock()
    try:
        now = float(reading)
    except (TypeError, ValueError, OverflowError):
        now = math.nan
    if not 0.0 <= now <= _LATEST_CLOCK:  # nan fails this too
        raise ValueError(
            "clock() must return seconds since the epoch, a finite number between 0 and "
            f"{_LATEST_CLOCK:.0f} (the year 9999); got {shown(reading)}"
        )
    return now


def prepare_token(
    owner: str,
    session_id: str,
    /,
    *,
    clock: Callable[[], float],
    rules: RuleRegistry | None = None,
    backend: str = "OpenTok",
    token_types: tuple[str, ...] = TOKEN_TYPES,
    **options: Any,
) -> TokenSpec:
    """Check and normalize a token's options with ``rules``; the
    :class:`~opentok_rules.TokenSpec` to sign.

    ``owner`` is the api key (or application id) that will sign; ``backend`` and
    ``token_types`` say which backend that is and the formats it accepts. Raises
    :class:`~opentok_rules.ValidationError` listing every violation of a ``"deny"`` rule, in
    registry order; what ``"warn"`` rules find is logged at WARNING on this module's logger.
    """
    checked = token_outcome(
        owner,
        session_id,
        clock=clock,
        rules=rules,
        backend=backend,
        token_types=token_types,
        **options,
    )
    for each in checked.warnings:
        logger.warning("%s", each)
    return checked.value


def token_outcome(
    owner: str,
    session_id: str,
    /,
    *,
    clock: Callable[[], float],
    rules: RuleRegistry | None = None,
    backend: str = "OpenTok",
    token_types: tuple[str, ...] = TOKEN_TYPES,
    **options: Any,
) -> Outcome[TokenSpec]:
    """:func:`prepare_token`'s spec and what ``"warn"`` rules found, in an
    :class:`~opentok_rules.Outcome` (nothing is logged here: the caller reports them)."""
    now = _now(clock)
    issued_at = int(now)
    working: Options = {
        **options,
        "session_id": session_id,
        "owner": owner,
        "backend": backend,
        "token_types": token_types,
        "now": now,
        "option_names": tuple(options),
    }
    registry = _default_token_rules() if rules is None else rules

    def build(working: Options) -> TokenSpec:
        # The rules promised these types; TokenSpec checks the promise.
        get = working.get
        return TokenSpec(
            get("session_id"),  # type: ignore[arg-type]
            get("role"),
            issued_at,
            get("expire_time"),  # type: ignore[arg-type]
            get("data"),
            get("initial_layout_class_list"),
            get("token_type"),  # type: ignore[arg-type]
        )

    return Outcome(*spec_after_rules(registry, working, build, "token", "TokenSpec"))


# Used when the caller gives no rules, made on first use. Private, so nobody can edit it;
# building seven rules for every token would be work done again and again for nothing.
_DEFAULT_TOKEN_RULES: list[RuleRegistry] = []


def _default_token_rules() -> RuleRegistry:
    if not _DEFAULT_TOKEN_RULES:
        _DEFAULT_TOKEN_RULES[:] = [default_token_rules()]
    return _DEFAULT_TOKEN_RULES[0]
