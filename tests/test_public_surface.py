"""What ``opentok_rules`` offers at the top level is its ``__all__`` and nothing else: no helper
of its own making left in the namespace, every top-level name the docs and docstrings refer to
is one of them, and the outcome type is among them without making the import heavier.

``tests/test_surface.py`` holds ``__all__`` against docs/api.rst in both directions."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import opentok_rules as otr

ROOT = Path(__file__).resolve().parents[1]

#: The subpackages and modules ``import opentok_rules`` itself imports (Python binds each as an
#: attribute of the package).
SUBMODULES = {"engine", "errors", "http", "operations", "values"}

_NAMESPACE = """
import json, opentok_rules as o
before = sorted(n for n in vars(o) if not n.startswith("_"))
for name in o.__all__:
    getattr(o, name)
after = sorted(n for n in vars(o) if not n.startswith("_"))
print(json.dumps([before, after, o.__all__]))
"""


def _run(code: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout)


def test_the_namespace_holds_the_public_names_and_nothing_else() -> None:
    before, after, listed = _run(_NAMESPACE)
    # Python binds each imported submodule as an attribute of the package: not a name of ours.
    modules = {name for name in after if importlib.util.find_spec(f"opentok_rules.{name}")}
    assert set(before) & modules <= SUBMODULES
    assert set(before) - modules <= set(listed), "a helper of __init__ is left in the namespace"
    public = {name for name in listed if not name.startswith("_")}  # __version__ aside
    assert set(after) - modules == public, "every public name, once used, and nothing else"
    for helper in ("TYPE_CHECKING", "annotations", "lazy_attributes"):
        with pytest.raises(ImportError):
            exec(f"from opentok_rules import {helper}", {})


_REFERENCE = re.compile(r":(?:class|func|data|exc|obj|meth|attr):`~?opentok_rules\.(\w+)")


def _referenced() -> dict[str, set[str]]:
    """Each top-level name a cross-reference in docs/ or a docstring points at, with where."""
    sources = [
        *sorted((ROOT / "docs").rglob("*.rst")),
        *sorted((ROOT / "opentok_rules").rglob("*.py")),
    ]
    found: dict[str, set[str]] = {}
    for path in sources:
        for name in _REFERENCE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_top_level_name_the_docs_refer_to_is_public() -> None:
    referenced = _referenced()
    assert "Outcome" in referenced, "the parser finds the references (Outcome is referred to)"
    wrong = {
        name: sorted(where)
        for name, where in referenced.items()
        if name not in otr.__all__ and importlib.util.find_spec(f"opentok_rules.{name}") is None
    }
    assert wrong == {}, "referred to as opentok_rules.<name> but not in __all__"


def test_the_outcome_type_is_public_and_light() -> None:
    from opentok_rules.engine.outcome import Outcome

    assert otr.Outcome is Outcome
    assert "Outcome" in otr.__all__
    loaded = _run(
        "import json, sys; from opentok_rules import Outcome; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    assert not set(loaded) & {"urllib3", "jwt", "cattrs", "tomllib", "tomli"}
