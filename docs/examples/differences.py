"""Our side of every row of "Differences from the Ruby SDK" (docs/differences.rst), asserted."""

import ipaddress

import opentok_rules as otr


def refused(**options: object) -> list[str]:
    """The ids of the rules the options break (none: they were accepted)."""
    try:
        otr.prepare_session(options)
    except otr.ValidationError as err:
        return [v.rule for v in err.violations]
    return []


def params(**options: object) -> dict[str, str]:
    return otr.prepare_session(options).params


# Defaults are applied before the combination checks.
assert refused(archive_mode="always") == ["always-archive-requires-routed"]
assert refused(media_mode="blah", archive_mode="always") == ["always-archive-requires-routed"]
assert refused(e2ee=True) == ["relayed-forbids-e2ee"]
assert refused(archive_name="standup") == ["manual-archive-forbids-name-and-resolution"]

# Enum members and strings are interchangeable.
assert params(media_mode="routed")["p2p.preference"] == "disabled"
assert refused(media_mode="relayed", archive_mode="always") == ["always-archive-requires-routed"]
assert refused(archive_mode="manual", archive_name="standup") == [
    "manual-archive-forbids-name-and-resolution"
]
assert params(media_mode=otr.MediaMode.ROUTED) == params(media_mode="routed")

# Location: the same strings as Resolv::IPv4::Regex, and IPv4Address objects too.
for good in ("0.10.100.200", "12.34.56.78", "255.255.255.255"):
    assert params(location=good)["location"] == good
for bad in ("01.2.3.4", "256.1.1.1", "1.2.3", " 1.2.3.4", "1.2.3.4\n", ""):
    assert refused(location=bad) == ["location-ipv4"]
assert params(location=ipaddress.IPv4Address("12.34.56.78"))["location"] == "12.34.56.78"

# One error type, and every problem at once.
assert refused(location="1.2.3") == ["location-ipv4"]
assert refused(archive_mode="sometimes") == ["archive-mode-valid"]
assert refused(archive_mode=5) == ["archive-mode-valid"]
assert params(media_mode="routed", trace_id="x") == params(media_mode="routed")  # dropped
assert otr.prepare_session({1: "x"}).params == params()  # type: ignore[dict-item]
assert refused(media_mode="relayed", archive_mode="always", e2ee=True, location="x") == [
    "always-archive-requires-routed",
    "relayed-forbids-e2ee",
    "always-archive-forbids-e2ee",
    "location-ipv4",
]

# Archive name and resolution are checked here.
always = {"media_mode": "routed", "archive_mode": "always"}
assert refused(**always, archive_name="x" * 81) == ["archive-name-length"]
assert params(**always, archive_name="x" * 80)["archiveName"] == "x" * 80
assert refused(**always, archive_name="") == ["archive-name-length"]
assert refused(**always, archive_resolution="800x600") == ["archive-resolution-valid"]

# e2ee must be a bool.
assert refused(media_mode="relayed", e2ee="true") == ["e2ee-boolean"]
assert refused(media_mode="routed", e2ee=1) == ["e2ee-boolean"]

# archiveMode and e2ee are always sent.
assert params() == {"p2p.preference": "enabled", "archiveMode": "manual", "e2ee": "false"}

# Strict rules.
strict = otr.strict_rules()
try:
    otr.prepare_session({"media_mod": "routed"}, rules=strict)
except otr.ValidationError as err:
    violations = err.violations
else:
    raise AssertionError("strict rules refuse unknown keys")
assert [(v.rule, v.field) for v in violations] == [("known-keys", "media_mod")]
assert params(media_mode="blah")["p2p.preference"] == "enabled"  # as the seed does
try:
    otr.prepare_session(media_mode="blah", rules=strict)
except otr.ValidationError as err:
    violations = err.violations
else:
    raise AssertionError("strict rules refuse unknown media modes")
assert [v.rule for v in violations] == ["media-mode"]
