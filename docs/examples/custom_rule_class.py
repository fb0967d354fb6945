"""A rule written as a small class, added to a registry and removed again."""

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
assert rules.ids()[-2:] == ("archive-name-length", "archive-resolution-valid")
assert rules.ids()[-3] == "archive-name-prefix"

always = {"media_mode": "routed", "archive_mode": "always"}
good = otr.prepare_session(always, archive_name="sales-weekly", rules=rules)
assert good.params["archiveName"] == "sales-weekly"

try:
    otr.prepare_session(always, archive_name="weekly", rules=rules)
except otr.ValidationError as err:
    (violation,) = err.violations
else:
    raise AssertionError("a name without the prefix must be refused")
assert violation.rule == "archive-name-prefix"
assert violation.message == "archive_name must start with 'sales-'; got 'weekly'"

# The default rules, and the registry once the rule is removed, accept that name.
assert otr.prepare_session(always, archive_name="weekly").spec.archive_name == "weekly"
removed = rules.remove("archive-name-prefix")
assert isinstance(removed, ArchiveNamePrefix)
assert "archive-name-prefix" not in rules
assert otr.prepare_session(always, archive_name="weekly", rules=rules).spec.archive_name == "weekly"
# [/use]
