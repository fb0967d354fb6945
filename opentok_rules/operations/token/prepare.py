"""``prepare_token``: a token's options through the token rules, into the ``TokenSpec`` to sign.

The token rules and the spec are :mod:`~opentok_rules.operations.token.rules`'s; the library's
registry of them is :func:`~opentok_rules.engine.policies.default_token_rules`'s (policy data).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opentok_rules._frozen import slot_setter
from opentok_rules._messages import shown
from opentok_rules.engine.outcome import Outcome, logging_warnings, outcome_of
from opentok_rules.engine.passes import run_pass
from opentok_rules.engine.registry import Options, RuleRegistry
from opentok_rules.engine.shared import spec_from
from opentok_rules.operations.library import default_token_rules
from opentok_rules.operations.token.rules import TOKEN_TYPES
from opentok_rules.operations.token.spec import TokenSpec
from opentok_rules.values import Role

if TYPE_CHECKING:
    from opentok_rules.engine.compiler import Operation

__all__ = ["prepare_token", "spec_of", "token_outcome"]

#: Where :func:`prepare_token` reports what "warn" rules found, at WARNING (the logger's name
#: is the one it had when this lived in ``token_rules``, so logging set-ups keep working).
logger = logging.getLogger("opentok_rules.operations.token.rules")
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
    if rules is None:
        registry = _DEFAULT_TOKEN_RULES[0] if _DEFAULT_TOKEN_RULES else _default_token_rules()
    else:
        registry = rules
    # The pass returns the options as the rules left them and the warnings.
    working, warnings = run_pass(registry, _operation, "token", working, False)
    # The spec: values of exactly the types TokenSpec's validators want (what the library's
    # rules leave) are set in its slots; any others go through TokenSpec itself.
    get = working.get
    sid, role, expire_time = get("session_id"), get("role"), get("expire_time")
    data, classes, token_type = get("data"), get("initial_layout_class_list"), get("token_type")
    if (
        sid.__class__ is str
        and role.__class__ is Role
        and expire_time.__class__ is int
        and (data is None or data.__class__ is str)
        and (classes is None or classes.__class__ is str)
        and token_type.__class__ is str
        and token_type in TOKEN_TYPES
    ):
        spec = _new(TokenSpec)
        _SET_SESSION_ID(spec, sid)
        _SET_ROLE(spec, role)
        _SET_ISSUED_AT(spec, issued_at)
        _SET_EXPIRE_TIME(spec, expire_time)
        _SET_DATA(spec, data)
        _SET_CLASSES(spec, classes)
        _SET_TOKEN_TYPE(spec, token_type)
        return outcome_of(spec, warnings)
    return outcome_of(_checked_spec(working, issued_at), warnings)


prepare_token = logging_warnings(
    token_outcome,
    logger,
    "prepare_token",
    """Check and normalize a token's options with ``rules``; the
    :class:`~opentok_rules.TokenSpec` to sign.

    ``owner`` is the api key (or application id) that will sign; ``backend`` and
    ``token_types`` say which backend that is and the formats it accepts. Raises
    :class:`~opentok_rules.ValidationError` listing every violation of a ``"deny"`` rule, in
    registry order; what ``"warn"`` rules find is logged at WARNING on this module's logger.
    """,
)


def spec_of(working: Options, issued_at: int) -> TokenSpec:
    """``TokenSpec`` of the options as the rules left them, issued at ``issued_at``, checked by
    TokenSpec itself (the rules promised these types; TokenSpec checks the promise)."""
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


def _checked_spec(working: Options, issued_at: int) -> TokenSpec:
    """:func:`spec_of`, its refusal the ``token-spec`` violation."""
    return spec_from(working, lambda checked: spec_of(checked, issued_at), "token", "TokenSpec")


_new = object.__new__
_SET_SESSION_ID = slot_setter(TokenSpec, "session_id")
_SET_ROLE = slot_setter(TokenSpec, "role")
_SET_ISSUED_AT = slot_setter(TokenSpec, "issued_at")
_SET_EXPIRE_TIME = slot_setter(TokenSpec, "expire_time")
_SET_DATA = slot_setter(TokenSpec, "data")
_SET_CLASSES = slot_setter(TokenSpec, "initial_layout_class_list")
_SET_TOKEN_TYPE = slot_setter(TokenSpec, "token_type")


def _operation() -> Operation:
    """The token pass as the compiler sees it. No finish: the pass returns the options as the
    rules left them, and token_outcome builds the spec with the issue time it read before the
    rules ran."""
    from opentok_rules.engine.compiler import Operation

    return Operation(name="token")


# Used when the caller gives no rules, made on first use. Private, so nobody can edit it;
# building seven rules for every token would be work done again and again for nothing.
_DEFAULT_TOKEN_RULES: list[RuleRegistry] = []


def _default_token_rules() -> RuleRegistry:
    if not _DEFAULT_TOKEN_RULES:
        _DEFAULT_TOKEN_RULES[:] = [default_token_rules()]
    return _DEFAULT_TOKEN_RULES[0]
