"""The token's spec: :class:`TokenSpec`, a token's normalized options, what a signer signs
(:mod:`opentok_rules.tokens`). Built by :func:`~opentok_rules.prepare_token`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from opentok_rules._messages import shown
from opentok_rules.operations.token.rules import TOKEN_TYPES
from opentok_rules.values import Role

__all__ = ["TokenSpec"]


def _role(value: object) -> Role:
    if isinstance(value, Role):  # an enum cannot be subclassed once it has members
        return value
    raise ValueError(f"role must be a Role; got {shown(value)}")


def _exact(kind: type, name: str, optional: bool = False) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: the value's type is exactly ``kind`` (a subclass could lie)."""

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if value.__class__ is not kind and not (optional and value is None):
            wanted = f"{kind.__name__} or None" if optional else kind.__name__
            raise ValueError(f"{name} must be a {wanted}; got {shown(value)}")

    return validate


def _token_type(instance: Any, attribute: Any, value: Any) -> None:
    if value.__class__ is not str or value not in TOKEN_TYPES:
        raise ValueError(f"token_type must be 'JWT' or 'T1'; got {shown(value)}")


@attrs.frozen
class TokenSpec:
    """A token's normalized options: what a signer signs. Built by
    :func:`~opentok_rules.prepare_token`.

    Like :class:`~opentok_rules.SessionSpec` it checks only each field's type (exactly: a
    subclass could say one thing and sign another); whether the values make sense (the
    session's owner, the lifetime) is the token rules' business.
    """

    session_id: str = attrs.field(validator=_exact(str, "session_id"))
    role: Role = attrs.field(converter=_role)
    issued_at: int = attrs.field(validator=_exact(int, "issued_at"))
    expire_time: int = attrs.field(validator=_exact(int, "expire_time"))
    data: str | None = attrs.field(default=None, validator=_exact(str, "data", True))
    initial_layout_class_list: str | None = attrs.field(
        default=None, validator=_exact(str, "initial_layout_class_list", True)
    )
    token_type: str = attrs.field(default=TOKEN_TYPES[0], validator=_token_type)
