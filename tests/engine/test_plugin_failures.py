"""A plugin kind that fails is a PolicyError naming its entry point (``name = module:attr``),
with the failure chained as the cause, and nothing of the policy is loaded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _support.plugins import install

import opentok_rules as otr

NOT_A_RULE = """
import attrs

@attrs.frozen(kw_only=True)
class Settings:
    id: str
"""

RAISES = """
raise RuntimeError("the plugin's own import failed")
"""

RULE = """
from typing import ClassVar
import attrs

@attrs.frozen(kw_only=True)
class Shout:
    kind: ClassVar[str] = "shout"
    id: str
    description: ClassVar[str] = "says nothing"
    def apply(self, options):
        return ()
"""


def refused(tmp_path: Path, kind: str) -> otr.PolicyError:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(f'[[session]]\nid = "p"\nkind = "{kind}"\n', encoding="utf-8")
    with pytest.raises(otr.PolicyError) as caught:
        otr.load_policy(path)
    assert str(caught.value).startswith(f"{path}: session[0] (id 'p'): kind: ")
    return caught.value


def test_an_attrs_class_that_is_not_a_rule(site_dir: Path, tmp_path: Path) -> None:
    install(site_dir, "failing_not_a_rule", NOT_A_RULE, "settings = failing_not_a_rule:Settings")
    error = refused(tmp_path, "settings")
    assert "(entry point settings = failing_not_a_rule:Settings) is not a rule class" in str(error)


def test_a_module_that_raises_on_import(site_dir: Path, tmp_path: Path) -> None:
    install(site_dir, "failing_raises", RAISES, "boom = failing_raises:Boom")
    error = refused(tmp_path, "boom")
    assert "(entry point boom = failing_raises:Boom) cannot be imported" in str(error)
    assert "RuntimeError: the plugin's own import failed" in str(error)
    assert isinstance(error.__cause__, RuntimeError)


def test_a_missing_attribute(site_dir: Path, tmp_path: Path) -> None:
    install(site_dir, "failing_rule", RULE, "shout = failing_rule:Shuot")
    error = refused(tmp_path, "shout")
    assert "(entry point shout = failing_rule:Shuot) cannot be imported" in str(error)
    assert isinstance(error.__cause__, AttributeError)


def test_a_name_clashing_with_a_built_in_kind(site_dir: Path, tmp_path: Path) -> None:
    install(site_dir, "failing_rule", RULE, "pattern = failing_rule:Shout")
    error = refused(tmp_path, "pattern")
    assert "entry point pattern = failing_rule:Shout" in str(error)
    assert "built-in kind 'pattern'" in str(error)
    assert "failing_rule" not in sys.modules  # refused before anything was imported


def test_the_same_class_under_its_own_name_works(site_dir: Path, tmp_path: Path) -> None:
    # The failures above are the plugin's, not the way it is installed.
    install(site_dir, "failing_rule", RULE, "shout = failing_rule:Shout")
    path = tmp_path / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "p"\nkind = "shout"\n', encoding="utf-8")
    assert otr.load_policy(path).rules.ids()[-1] == "p"
