"""Issuing a client token: its options, :class:`TokenSpec` and its claims, the library's token
rules (``rules.toml``). Signing lives with the sending side (``opentok_rules.tokens``)."""
