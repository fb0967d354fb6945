"""What the tests read of the docs' pages."""

from __future__ import annotations

from _support.paths import ROOT

DOCS = ROOT / "docs"


def shown_after(page: str, command: str) -> list[str]:
    """The lines a console block of ``page`` shows under ``$ command``."""
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    start = lines.index(f"   $ {command}") + 1
    shown = []
    for line in lines[start:]:
        if not line.startswith("   ") or line.startswith("   $ "):
            break
        shown.append(line[3:])
    return shown
