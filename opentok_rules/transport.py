"""Deprecated path, kept for one release: this module now lives at
:mod:`opentok_rules.http.transport`.
"""

from opentok_rules._moved import forwarder

__getattr__ = forwarder(
    __name__,
    "opentok_rules.http.transport",
    {"Urllib3Transport": "opentok_rules.http.urllib3_transport"},
)
