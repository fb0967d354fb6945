"""Creating a session: the options of ``create_session``, :class:`SessionSpec` and its REST
params, the library's session rules (``rules.toml``, ``rules_strict.toml``)."""
