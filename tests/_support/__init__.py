"""What the tests share that is not a fixture: the one place test modules import from.

Fixtures live in the ``conftest.py`` files; a test module never imports another test module.
"""
