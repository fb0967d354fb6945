"""The command line's tests: a package, so its conftest.py is ``cli.conftest`` to mypy, not a second
``conftest``."""
