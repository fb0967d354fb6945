"""Policy files the tests share: a rule's TOML, and policies the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

import opentok_rules as otr
from _support.api import ROUTED_ONLY_TOML

#: A session rule's fields (no table header), for a test to put under ``[[session]]`` or
#: ``[[token]]`` and add to.
ALLOWED = 'id = "acme-x"\nkind = "allowed"\nkey = "media_mode"\nvalues = ["routed"]\n'

#: A warning rule: sessions archived always should name their archives.
NAME_ARCHIVES = """
[[session]]
id = "acme-name-archives"
kind = "required"
keys = ["archive_name"]
when = { archive_mode = "always" }
severity = "warn"
"""

#: A token rule: no moderators.
NO_MODERATORS = """
[[token]]
id = "acme-no-moderators"
kind = "allowed"
key = "role"
values = ["publisher", "subscriber"]
"""

#: A house policy: routed sessions only, named archives (a warning), no moderators.
HOUSE_RULES = ROUTED_ONLY_TOML + NAME_ARCHIVES + NO_MODERATORS

#: A policy test of ``NO_MODERATORS``: moderator tokens are refused by it.
MODERATORS_REFUSED = """
[[test]]
name = "moderators are refused"
token = { role = "moderator" }
expect = "refuse"
refused_by = ["acme-no-moderators"]
"""

#: An ``[[archive]]`` rule: archive names start with ``acme-``.
ARCHIVE_NAMES = """
[[archive]]
id = "acme-archive-names"
kind = "pattern"
key = "name"
pattern = "acme-.+"
message = "archive names start with acme-"
"""

#: Broken policies and a part of the ``PolicyError`` message each gets (file, rule and field).
BROKEN_POLICIES: list[tuple[str, str]] = [
    (
        "[[session]]\nid = 'acme-x'\nkind = 'alowed'\nkey = 'media_mode'\n",
        "session[0] (id 'acme-x'): kind: unknown kind 'alowed'; did you mean 'allowed'?",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'allowed'\nkey = 'media_mode'\nvaluse = ['x']\n",
        "session[0] (id 'acme-x'): 'valuse': unknown field for kind 'allowed'; "
        "did you mean 'values'?",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'allowed'\nkey = 'media_mode'\n",
        "session[0] (id 'acme-x'): values: is missing; kind 'allowed' needs it",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'allowed'\nkey = 5\nvalues = ['x']\n",
        "session[0] (id 'acme-x'): key: must be a string; got 5",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'allowed'\nkey = 'k'\nvalues = 'x'\n",
        "session[0] (id 'acme-x'): values: must be a non-empty list of values; got 'x'",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'pattern'\nkey = 'k'\npattern = 'acme-(.*'\n",
        "session[0] (id 'acme-x'): pattern: 'acme-(.*' is not a regular expression: "
        "missing ), unterminated subpattern at position 5",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'network'\nkey = 'location'\n"
        "networks = ['10.0.0.0/33']\n",
        "session[0] (id 'acme-x'): networks: '10.0.0.0/33' is not a network in CIDR form",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'network'\nkey = 'location'\n"
        "networks = ['10.1.0.0/8']\n",
        "session[0] (id 'acme-x'): networks: '10.1.0.0/8' has host bits set; "
        "did you mean '10.0.0.0/8'?",
    ),
    (
        f"[[session]]\n{ALLOWED}\n[[session]]\n{ALLOWED}",
        "session[1] (id 'acme-x'): id: 'acme-x' is taken already (by ",
    ),
    (
        "[[session]]\nid = 'media-mode'\nkind = 'forbidden'\nkeys = ['e2ee']\n",
        "session[0] (id 'media-mode'): id: 'media-mode' is taken already (by a rule of the base)",
    ),
    (
        "disable = ['location-ipv6']\n",
        "disable: no rule has the id 'location-ipv6'; did you mean 'location-ipv4'?",
    ),
    (
        f"[[session]]\n{ALLOWED}before = 'media-mod'\n",
        "session[0] (id 'acme-x'): before: no rule has the id 'media-mod'; "
        "did you mean 'media-mode'?",
    ),
    (
        f"[[session]]\n{ALLOWED}after = 'token-type'\n",
        "session[0] (id 'acme-x'): after: no rule has the id 'token-type'",
    ),
    (
        f"[[session]]\n{ALLOWED}before = 'media-mode'\nafter = 'media-mode'\n",
        "session[0] (id 'acme-x'): after: give before or after, not both",
    ),
    (
        "[[session]]\nid = 'acme-x'\nkind = 'max_ttl'\nseconds = 60\n",
        "session[0] (id 'acme-x'): kind: max_ttl is for tokens only; put it under [[token]]",
    ),
    (
        "[[token]]\nid = 'acme-x'\nkind = 'max_ttl'\nseconds = 0\n",
        "token[0] (id 'acme-x'): seconds: must be a whole number of seconds above 0; got 0",
    ),
    (
        f"[[session]]\n{ALLOWED}severity = 'error'\n",
        "session[0] (id 'acme-x'): severity: must be 'deny' or 'warn'; got 'error'",
    ),
    (
        f"[[session]]\n{ALLOWED}when = {{ archive_mode = [] }}\n",
        "session[0] (id 'acme-x'): when: archive_mode: must be a non-empty list of values",
    ),
    (
        "[[session]]\nkind = 'allowed'\n",
        "session[0]: id: is missing; every rule needs an id, unique in the policy",
    ),
    (
        "[[session]]\nid = 'acme-x'\n",
        "session[0] (id 'acme-x'): kind: is missing; the kinds are required, forbidden",
    ),
    ("bsae = 'strict'\n", "unknown key 'bsae'; did you mean 'base'?"),
    ("base = 'strikt'\n", "base: unknown base 'strikt'; did you mean 'strict'?"),
    ("disable = 'location-ipv4'\n", "disable: must be a list of rule ids"),
    ("[session]\nid = 'x'\n", "session: must be an array of tables ([[session]] in TOML)"),
]


def refusal(folder: Path, text: str) -> tuple[Path, str]:
    """``text`` as ``folder``'s opentok-rules.toml, and the ``PolicyError`` message loading
    it raises (a failure if it loads)."""
    path = folder / "opentok-rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(otr.PolicyError) as caught:
        otr.load_policy(path)
    return path, str(caught.value)
