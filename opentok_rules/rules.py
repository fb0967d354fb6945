"""Deprecated path, kept for one release: this module now lives at
:mod:`opentok_rules.engine.session_rules`.
"""

from opentok_rules._moved import forwarder

__getattr__ = forwarder(__name__, "opentok_rules.engine.session_rules")
