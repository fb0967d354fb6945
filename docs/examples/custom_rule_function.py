"""Rules written as decorated functions: one added after a rule, one replacing a rule.

Shown in docs/custom-rules.rst; run and checked by tests/test_docs_examples.py.
"""

import opentok_rules as otr

OUR_MEDIA_SERVERS = {"12.34.56.78", "23.45.67.89"}


@otr.rule("location-ours", field="location")
def location_is_ours(options: otr.Options) -> str | None:
    """location, when given, is one of our preferred media server addresses."""
    location = options.get("location")
    if location is not None and location not in OUR_MEDIA_SERVERS:
        return f"location must be one of {sorted(OUR_MEDIA_SERVERS)}; got {location!r}"
    return None  # no violation


@otr.rule("media-mode", "Media mode defaults to routed; 'relayed' must be asked for.")
def routed_unless_relayed(options: otr.Options) -> None:
    relayed = options.get("media_mode") == "relayed"  # enum members equal their values
    options["media_mode"] = otr.MediaMode.RELAYED if relayed else otr.MediaMode.ROUTED


# [use]
rules = otr.default_rules()
rules.insert_after("location-ipv4", location_is_ours)  # sees an already-checked location
rules.replace("media-mode", routed_unless_relayed)  # same id, same place in the order

# With the default replaced, archive mode always no longer needs media_mode spelled out.
prepared = otr.prepare_session(archive_mode="always", location="12.34.56.78", rules=rules)
print(prepared.spec.media_mode, prepared.params["archiveMode"])  # routed always

try:
    otr.prepare_session(location="98.76.54.32", rules=rules)
except otr.ValidationError as err:
    for violation in err.violations:
        print(violation.rule, violation.field)  # location-ours location

# The default rules are unchanged: there, absent media_mode still means relayed.
try:
    otr.prepare_session(archive_mode="always")
except otr.ValidationError as err:
    for violation in err.violations:
        print(violation.rule)  # always-archive-requires-routed
# [/use]
