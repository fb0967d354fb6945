"""Deprecated path, kept for one release: this module now lives at
:mod:`opentok_rules.http.async_transport`.
"""

from opentok_rules._moved import forwarder

__getattr__ = forwarder(__name__, "opentok_rules.http.async_transport")
