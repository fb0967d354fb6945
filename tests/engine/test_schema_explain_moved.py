"""Issue 27 item 7: ``to_json_schema`` and ``explain`` live with the operations; the engine keeps
the generic builder and steps, names no operation, and the old paths forward with a warning."""

from __future__ import annotations

import ast
import importlib
import re
import warnings
from pathlib import Path

import pytest

import opentok_rules as otr
from opentok_rules._moved import REMOVED_IN
from opentok_rules.engine import explain as engine_explain
from opentok_rules.engine import schema as engine_schema
from opentok_rules.operations import schema as operations_schema
from opentok_rules.operations.session import explain as session_explain

ENGINE = Path(engine_schema.__file__).parent

# old module, the name it still serves, the module it comes from now
MOVED = [
    ("opentok_rules.engine.schema", "to_json_schema", "opentok_rules.operations.schema"),
    ("opentok_rules.engine.explain", "explain", "opentok_rules.operations.session.explain"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED)
def test_the_old_name_serves_the_new_function_with_a_deprecation_warning(
    old: str, name: str, new: str
) -> None:
    said = f"{old} is deprecated and goes away in {REMOVED_IN}; import {name} from {new} instead"
    with pytest.warns(DeprecationWarning, match=f"^{re.escape(said)}$") as caught:
        value = getattr(importlib.import_module(old), name)
    assert value is getattr(importlib.import_module(new), name)
    # Once, pointing at the line that used the old path.
    assert [each.filename for each in caught] == [__file__]


def test_the_old_import_statements_still_work_and_warn() -> None:
    with pytest.warns(DeprecationWarning, match=r"import to_json_schema from opentok_rules\."):
        from opentok_rules.engine.schema import to_json_schema
    with pytest.warns(DeprecationWarning, match=r"import explain from opentok_rules\."):
        from opentok_rules.engine.explain import explain
    assert to_json_schema() == otr.to_json_schema()
    assert explain(media_mode="routed") == otr.explain(media_mode="routed")


@pytest.mark.parametrize("module", [engine_schema, engine_explain])
def test_an_old_module_serves_no_other_missing_name(module: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and says nothing of a move for it
        with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
            _ = module.no_such_name  # type: ignore[attr-defined]


def test_the_package_names_are_the_new_functions() -> None:
    assert otr.to_json_schema is operations_schema.to_json_schema
    assert otr.explain is session_explain.explain
    assert otr.Step is engine_explain.Step


@pytest.mark.parametrize("path", [ENGINE / "schema.py", ENGINE / "explain.py"])
def test_the_engine_modules_import_no_operation(path: Path) -> None:
    forbidden = (
        "opentok_rules.operations",
        "opentok_rules.values",
        "opentok_rules.options",
        "opentok_rules.engine.policies",
    )
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    assert imported, "the walk found the module's imports"
    assert [each for each in imported if each.startswith(forbidden)] == []
    # Nor does its code (outside docstrings and the forwarding path) name an operation.
    code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))
    code = code.replace('"opentok_rules.operations.session.explain"', "")
    assert re.findall(r"\b(?:session|archive|token)\b", code) == []
