"""The package's layers: the rule engine imports nothing of the sending side, and no module
imports itself round a cycle, not even through an import made only for type checking."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "opentok_rules"

#: What validation must never pull in: networking, the clients, the command line, testing.
NOT_FOR_THE_ENGINE = (
    "opentok_rules.http",
    "opentok_rules.client",
    "opentok_rules.async_client",
    "opentok_rules.vonage",
    "opentok_rules.tokens",
    "opentok_rules.cli",
    "opentok_rules.testing",
    "opentok_rules._env",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> set[str]:
    """Every package module ``name`` imports anywhere in its source (functions and
    ``if TYPE_CHECKING:`` blocks included), resolved to the module, not the package."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {each for each in found if each in MODULES and each != name}


def test_the_engine_imports_nothing_of_the_sending_side_or_the_clients() -> None:
    # The engine and the operations it runs: validating options, no network.
    engine = [
        name
        for name in MODULES
        if name.startswith(("opentok_rules.engine", "opentok_rules.operations"))
    ]
    assert "opentok_rules.engine.compiler" in engine
    assert "opentok_rules.operations.session.prepare" in engine
    wrong = {
        name: sorted(each for each in imported(name) if each.startswith(NOT_FOR_THE_ENGINE))
        for name in engine
    }
    assert {name: found for name, found in wrong.items() if found} == {}


def test_validating_options_loads_no_module_of_the_sending_side() -> None:
    code = (
        "import sys, opentok_rules as otr\n"
        "otr.prepare_session(media_mode='routed', location='1.2.3.4')\n"
        f"print(sorted(m for m in sys.modules if m.startswith({NOT_FOR_THE_ENGINE!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def find_cycle() -> list[str] | None:
    graph = {name: imported(name) for name in MODULES}
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        path.append(name)
        for each in sorted(graph[name]):
            if state.get(each) == "open":
                return [*path[path.index(each) :], each]
            if each not in state:
                cycle = visit(each)
                if cycle:
                    return cycle
        state[name] = "done"
        path.pop()
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert find_cycle() is None


def test_the_cycle_finder_sees_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above must be able to fail: make two modules import each other.
    real = imported

    def with_a_cycle(name: str) -> set[str]:
        extra = {
            "opentok_rules.operations.session.spec": {"opentok_rules.values"},
            "opentok_rules.values": {"opentok_rules.operations.session.spec"},
        }
        return real(name) | extra.get(name, set())

    monkeypatch.setitem(globals(), "imported", with_a_cycle)
    cycle = find_cycle()
    assert cycle is not None
    assert cycle[0] == cycle[-1]


def test_no_module_imports_a_private_name_of_another() -> None:
    # What one module offers another is named as such; an underscore name is its own module's.
    # (A private *module*, such as opentok_rules._moved, is imported whole or by its public
    # names.)
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("opentok_rules"):
                found += [
                    (name, node.module, alias.name)
                    for alias in node.names
                    if alias.name.startswith("_")
                    and f"{node.module}.{alias.name}" not in MODULES
                    and alias.name != "__version__"
                ]
    assert found == []
