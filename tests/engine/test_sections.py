"""The engine names no operation: it learns them from the catalog (engine/sections.py).

An operation the catalog gains is loaded from policy files, checked against its own options,
tested by ``[[test]]`` tables and written in the policy file's schema, with no engine change.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs
import pytest

import opentok_rules as otr
from opentok_rules import operations
from opentok_rules.engine import sections
from opentok_rules.engine.domains import TEXT, WHOLE, Domain
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.operations import catalog as library_catalog
from opentok_rules.operations.library import Policy

ENGINE = Path(sections.__file__).resolve().parent
#: What the engine may not import: the operations, and the session's own option types.
OPERATION_MODULES = ("opentok_rules.operations", "opentok_rules.options", "opentok_rules.spec")


def engine_imports() -> Iterator[tuple[str, str]]:
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                yield path.name, node.module
            elif isinstance(node, ast.Import):
                yield from ((path.name, alias.name) for alias in node.names)


def test_no_engine_module_imports_an_operation() -> None:
    found = [(file, module) for file, module in engine_imports()]
    assert ("policies.py", "opentok_rules.engine.sections") in found  # the scan reads imports
    wrong = [(f, m) for f, m in found if m.startswith(OPERATION_MODULES)]
    assert wrong == []


def test_the_library_catalog_lists_the_three_operations_in_order() -> None:
    cat = sections.catalog()
    assert cat.names() == ("session", "token", "archive")
    assert [each.attribute for each in cat.sections] == ["rules", "token_rules", "archive_rules"]
    assert cat.policy is Policy
    with pytest.raises(ValueError, match="unknown operation 'sesion'; the operations are sess"):
        sections.section("sesion")


# ---- a fourth operation, declared only in a catalog -------------------------------------------


@attrs.frozen
class WidgetPolicy(Policy):
    """The library's policy, and a registry for widgets."""

    widget_rules: RuleRegistry = attrs.field(factory=RuleRegistry)


def _widget_domains() -> Mapping[str, Domain]:
    return {"name": TEXT, "size": WHOLE, "colour": Domain(values=("red", "blue"))}


@pytest.fixture
def widgets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    library = library_catalog.CATALOG
    widget = sections.Section(
        "widget", "widget_rules", lambda base: RuleRegistry(), _widget_domains
    )
    extended = sections.Catalog((*library.sections, widget), WidgetPolicy)
    monkeypatch.setattr(library_catalog, "CATALOG", extended)
    sections.catalog.cache_clear()
    yield
    monkeypatch.undo()
    sections.catalog.cache_clear()


@pytest.mark.usefixtures("widgets")
def test_a_new_operation_is_loaded_from_its_own_tables() -> None:
    policy = otr.load_policy(
        {
            "widget": [
                {"kind": "required", "id": "widget-name", "keys": ["name"]},
                {"kind": "allowed", "id": "widget-colour", "key": "colour", "values": ["red"]},
            ],
            "test": [{"name": "unnamed", "widget": {"size": 2}, "expect": "refuse"}],
        }
    )
    assert isinstance(policy, WidgetPolicy)
    assert policy.widget_rules.ids() == ("widget-name", "widget-colour")
    assert policy.rules.ids() == otr.default_rules().ids()  # the others keep their base
    assert [test.operation for test in policy.tests] == ["widget"]


@pytest.mark.usefixtures("widgets")
def test_a_new_operation_s_options_are_checked_against_its_domains() -> None:
    with pytest.raises(
        otr.PolicyError, match=r"'nmae' is not a widget option.*did you mean 'name'"
    ):
        otr.load_policy({"widget": [{"kind": "required", "id": "w", "keys": ["nmae"]}]})
    with pytest.raises(otr.PolicyError, match='colour never holds "green"'):
        otr.load_policy(
            {"widget": [{"kind": "allowed", "id": "w", "key": "colour", "values": ["green"]}]}
        )


@pytest.mark.usefixtures("widgets")
def test_a_test_may_name_the_new_operation_and_its_ids_are_checked() -> None:
    with pytest.raises(otr.PolicyError, match="no widget rule has the id 'widget-nam'"):
        otr.load_policy(
            {
                "widget": [{"kind": "required", "id": "widget-name", "keys": ["name"]}],
                "test": [
                    {"name": "t", "widget": {}, "expect": "refuse", "refused_by": ["widget-nam"]}
                ],
            }
        )


@pytest.mark.usefixtures("widgets")
def test_the_policy_file_schema_has_the_new_operation_s_tables() -> None:
    schema = otr.policy_file_schema()
    assert "widget" in schema["properties"]
    assert "widget-rule" in schema["$defs"]
    assert {"required": ["widget"]} in schema["$defs"]["test"]["oneOf"]


def test_a_kind_of_one_operation_is_refused_in_another_s_tables() -> None:
    # max_ttl is the token section's own kind (operations/catalog.py), said as data.
    table = {"kind": "max_ttl", "id": "short", "seconds": 60}
    assert otr.load_policy({"token": [table]}).token_rules.ids()[-1] == "short"
    for name in ("session", "archive"):
        with pytest.raises(
            otr.PolicyError, match=r"max_ttl is for tokens only; put it under \[\[token"
        ):
            otr.load_policy({name: [table]})
    schema = otr.policy_file_schema()
    assert "max_ttl" not in str(schema["$defs"]["session-rule"])
    assert "max_ttl" in str(schema["$defs"]["token-rule"])


def test_the_operations_package_declares_the_catalog_where_the_engine_looks() -> None:
    assert library_catalog.__name__ == sections.DECLARED_IN
    assert operations.__name__ == sections.DECLARED_IN.rpartition(".")[0]


@pytest.mark.parametrize("name", ["Policy", "default_rules", "load_policy", "library_rules"])
def test_the_moved_policy_names_still_import_from_the_engine_with_a_warning(name: str) -> None:
    from opentok_rules.engine import policies
    from opentok_rules.operations import library

    with pytest.warns(DeprecationWarning, match=f"import {name} from opentok_rules.operations"):
        found = getattr(policies, name)
    assert found is getattr(library, name)


def test_a_name_the_engine_never_had_is_no_deprecated_one() -> None:
    from opentok_rules.engine import policies

    with pytest.raises(AttributeError):
        policies.default_rulez  # noqa: B018
