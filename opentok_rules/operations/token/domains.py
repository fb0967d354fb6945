"""The token options, each with the values it holds once the rules normalized it."""

from __future__ import annotations

from collections.abc import Mapping

from opentok_rules.engine.domains import ANYTHING, TEXT, Domain, enum_values, in_order
from opentok_rules.operations.token.rules import CONTEXT_KEYS, TOKEN_OPTION_KEYS, TOKEN_TYPES
from opentok_rules.values import Role


def token_domains() -> Mapping[str, Domain]:
    options = {
        "role": enum_values(Role),
        "expire_time": Domain(types=(int, float)),
        "data": TEXT,
        "initial_layout_class_list": TEXT,
        "token_type": Domain(values=TOKEN_TYPES),
    }
    # What prepare_token adds itself (the session id, the backend, ...): a token rule may read
    # it, and its values are the library's to make.
    context = dict.fromkeys(CONTEXT_KEYS, ANYTHING)
    return {**in_order(TOKEN_OPTION_KEYS, options), **context}
