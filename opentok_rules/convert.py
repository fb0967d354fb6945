"""Deprecated path, kept for one release: this module now lives at
:mod:`opentok_rules.operations.session.convert`.
"""

from opentok_rules._moved import forwarder

__getattr__ = forwarder(__name__, "opentok_rules.operations.session.convert")
