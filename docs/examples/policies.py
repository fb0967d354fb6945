"""Acme's policy in use: load it, check options with it, and hand it to a client."""

import logging
import time
from pathlib import Path

import opentok_rules as otr
from opentok_rules.testing import Emulator

HERE = Path(__file__).parent / "policies"

# [load]
policy = otr.load_policy(HERE / "acme.toml")
print(policy.rules.ids()[-4:])
print(policy.token_rules.ids()[-1])
# [/load]

# [check]
rules = policy.rules
prepared = otr.prepare_session(media_mode="routed", archive_mode="always", rules=rules)
for warning in prepared.warnings:  # let through, but reported
    print(warning.severity, warning.rule)

try:
    otr.prepare_session(media_mode="relayed", archive_name="Standup", rules=rules)
except otr.ValidationError as error:
    for violation in error.violations:
        print(violation.rule, violation.field)
# [/check]

# [client]
logging.basicConfig(format="%(levelname)s %(name)s %(message)s")
with (
    Emulator() as emulator,
    otr.OpenTok(
        emulator.api_key,
        emulator.api_secret,
        emulator.url,
        rules=policy.rules,
        token_rules=policy.token_rules,
    ) as client,
):
    session = client.create_session(media_mode="routed", archive_mode="always")
    print([warning.rule for warning in session.warnings])  # also logged at WARNING
    token = session.generate_token(expire_time=int(time.time()) + 3600)
    try:
        session.generate_token()  # the default lifetime is a day
    except otr.ValidationError as error:
        print(error.violations[0].rule)
# [/client]

# [extend]
support = otr.load_policy(HERE / "service" / "opentok-rules.toml")
print(support.rules.ids()[0], "...", support.rules.ids()[-3:])
print(support.token_rules.ids()[-1])
# [/extend]
