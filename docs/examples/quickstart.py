"""The quickstart's code (docs/quickstart.rst), run and checked by tests/test_docs_examples.py."""

import json

import opentok_rules as otr

# [prepare]
prepared = otr.prepare_session({"media_mode": "routed"}, location="12.34.56.78")
print(prepared.spec.media_mode)  # routed
print(prepared.params)
# {'p2p.preference': 'disabled', 'archiveMode': 'manual',
#  'location': '12.34.56.78', 'e2ee': 'false'}
# [/prepare]

# [errors]
try:
    otr.prepare_session(archive_mode="always", e2ee=True, location="12.34.56.789")
except otr.ValidationError as err:  # a ValueError: `except ValueError` catches it too
    for violation in err.violations:  # every problem, in registry order
        print(violation.rule, violation.field)
# always-archive-requires-routed None
# relayed-forbids-e2ee None
# always-archive-forbids-e2ee None
# location-ipv4 location
# [/errors]

# [strict]
# The default rules drop unknown keys silently, as the Ruby SDK does:
# a typo goes unnoticed, and the session is relayed.
relaxed = otr.prepare_session({"media_mod": "routed"})
print(relaxed.spec.media_mode)  # relayed

# The strict rules refuse it and name the closest valid key.
try:
    otr.prepare_session({"media_mod": "routed"}, rules=otr.strict_rules())
except otr.ValidationError as err:
    print(err.violations[0].message)
# 'media_mod' is not a session option; did you mean 'media_mode'?
# [/strict]

# [dicts]
text = json.dumps(otr.spec_to_dict(prepared.spec))
print(text)
# {"media_mode": "routed", "archive_mode": "manual", "location": "12.34.56.78", ...}
spec = otr.spec_from_dict(json.loads(text))  # the same spec again

# Structuring runs the rules: bad data raises ValidationError, never a cattrs error.
try:
    otr.spec_from_dict({"media_mode": "routed", "archive_mode": "sometimes"})
except otr.ValidationError as err:
    print(err)
# 1 rule was broken:
#   [archive-mode-valid] (archive_mode) archive_mode must be 'manual' or 'always'; ...
# [/dicts]
