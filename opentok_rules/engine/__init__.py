"""The rule engine: the registry, the library's session and token rules, and the pipeline.

Everything here works offline. The engine imports nothing of the sending side (``http/``),
the clients, the command line or ``testing/`` (``tests/test_layout.py`` holds it to that), so
validating options never pulls in networking.
"""
