"""The engine's tests: a package, so its conftest.py is ``engine.conftest`` to mypy, not a second
``conftest``."""
