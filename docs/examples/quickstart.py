"""The quickstart's code, checking what it shows (run by tests/test_docs_examples.py)."""

import json

import opentok_rules as otr

# [prepare]

prepared = otr.prepare_session({"media_mode": "routed"}, location="12.34.56.78")

assert prepared.spec == otr.SessionSpec(media_mode="routed", location="12.34.56.78")
assert prepared.spec.media_mode is otr.MediaMode.ROUTED  # normalized to the enum member
assert prepared.params == {
    "p2p.preference": "disabled",
    "archiveMode": "manual",
    "location": "12.34.56.78",
    "e2ee": "false",
}
# [/prepare]

# [errors]
try:
    otr.prepare_session(archive_mode="always", e2ee=True, location="12.34.56.789")
except otr.ValidationError as err:
    for violation in err.violations:  # every problem, in registry order
        print(f"{violation.rule}: {violation.message}")
    found = [(v.rule, v.field) for v in err.violations]
else:
    raise AssertionError("these options must be refused")

assert found == [
    ("always-archive-requires-routed", None),  # media mode absent means relayed
    ("relayed-forbids-e2ee", None),
    ("always-archive-forbids-e2ee", None),
    ("location-ipv4", "location"),
]
assert issubclass(otr.ValidationError, ValueError)  # `except ValueError` catches it too
# [/errors]

# [strict]
# The default rules drop unknown keys silently, as the Ruby SDK does: a typo goes unnoticed.
relaxed = otr.prepare_session({"media_mod": "routed"})
assert relaxed.spec.media_mode is otr.MediaMode.RELAYED

# The strict rules refuse it and name the closest valid key.
try:
    otr.prepare_session({"media_mod": "routed"}, rules=otr.strict_rules())
except otr.ValidationError as err:
    (violation,) = err.violations
else:
    raise AssertionError("strict rules refuse unknown keys")
assert violation.rule == "known-keys"
assert violation.message == "'media_mod' is not a session option; did you mean 'media_mode'?"
# [/strict]

# [dicts]

data = otr.spec_to_dict(prepared.spec)
assert data == {
    "media_mode": "routed",
    "archive_mode": "manual",
    "location": "12.34.56.78",
    "archive_name": None,
    "archive_resolution": None,
    "e2ee": False,
}
text = json.dumps(data)
assert otr.spec_from_dict(json.loads(text)) == prepared.spec

# Structuring runs the rules: bad data raises ValidationError, never a cattrs error.
try:
    otr.spec_from_dict({"media_mode": "routed", "archive_mode": "sometimes"})
except otr.ValidationError as err:
    violations = err.violations
else:
    raise AssertionError("an unknown archive mode must be refused")
assert [v.rule for v in violations] == ["archive-mode-valid"]
# [/dicts]
