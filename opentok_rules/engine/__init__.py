"""The rule engine, the same for every operation and naming none: the registry, the kinds, the
policy loader, the compiler and the schema builder.

The operations it runs (``opentok_rules.operations``) declare themselves to it
(:mod:`~opentok_rules.engine.sections`). Everything here works offline: the engine imports
nothing of the operations, the sending side (``http/``), the clients, the command line or
``testing/`` (``tests/test_layout.py`` and ``tests/engine/test_sections.py`` hold it to that),
so validating options never pulls in networking.
"""
