"""Sphinx configuration of the opentok-rules documentation."""

from __future__ import annotations

import sys
from pathlib import Path

import opentok_rules

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "opentok-rules"
author = "opentok-rules contributors"
copyright = f"2026, {author}"
version = release = opentok_rules.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "rules_table",  # docs/_ext/rules_table.py: tables generated from the rule registries
]
exclude_patterns = ["_build", "examples"]

# Every cross-reference must resolve; the few targets outside these docs are listed below
# (intersphinx would need the network at build time).
nitpicky = True
nitpick_ignore = [
    ("py:class", "T"),  # Secret's type parameter
    ("py:class", "opentok_rules._secret.T"),
    ("py:class", "opentok_rules.values.T"),  # member_for's member type
    ("py:class", "opentok_rules.engine.shared.S"),  # spec_after_rules's spec type
    ("py:class", "opentok_rules.engine.outcome.T"),  # Outcome's value type
    ("py:class", "RSAPrivateKey"),  # cryptography's key type (no intersphinx offline)
    ("py:class", "ClientCore"),  # the base of the clients, shown in Session's signature
    ("py:class", "collections.abc.Callable"),
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    ("py:class", "datetime.datetime"),
    ("py:class", "enum.Enum"),
    ("py:class", "ipaddress.IPv4Address"),
    ("py:class", "os.PathLike"),
    ("py:class", "pathlib.Path"),
]

autodoc_typehints = "description"
autodoc_member_order = "bysource"

html_theme = "furo"
html_title = f"{project} {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]  # keeps wide tables and code within the page
