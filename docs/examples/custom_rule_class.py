"""A rule written as a small class, added to a registry and removed again.

Shown in docs/custom-rules.rst; run and checked by tests/test_docs_examples.py.
"""

import opentok_rules as otr


class ArchiveNamePrefix:
    """Archive names start with the team's prefix, so archives sort by team."""

    id = "archive-name-prefix"

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.description = f"archive_name, when given, starts with {prefix!r}."

    def apply(self, options: otr.Options) -> list[otr.Violation]:
        name = options.get("archive_name")
        if isinstance(name, str) and not name.startswith(self.prefix):
            message = f"archive_name must start with {self.prefix!r}; got {name!r}"
            return [otr.Violation(self.id, "archive_name", message)]
        return []


# [use]
rules = otr.default_rules()  # a fresh registry: editing it changes no one else's
rules.insert_before("archive-name-length", ArchiveNamePrefix("sales-"))

always = {"media_mode": "routed", "archive_mode": "always"}
good = otr.prepare_session(always, archive_name="sales-weekly", rules=rules)
print(good.params["archiveName"])  # sales-weekly

try:
    otr.prepare_session(always, archive_name="weekly", rules=rules)
except otr.ValidationError as err:
    print(err.violations[0].message)
# archive_name must start with 'sales-'; got 'weekly'

# Take the rule out again: the registry accepts that name, as the default rules do.
rules.remove("archive-name-prefix")
weekly = otr.prepare_session(always, archive_name="weekly", rules=rules)
print(weekly.spec.archive_name)  # weekly
# [/use]
