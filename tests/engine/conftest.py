"""Fixtures of the engine tests: a site folder for plugin distributions made on the spot."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def site_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder put first on ``sys.path`` for ``_support.plugins.install``; the modules
    installed there are forgotten afterwards, so the next test imports its own."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    yield site
    for source in site.glob("*.py"):
        sys.modules.pop(source.stem, None)
