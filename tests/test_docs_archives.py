"""docs/archives.rst: its table of sources names every default archive rule, and no other."""

from __future__ import annotations

import re

from _support.paths import ROOT

import opentok_rules as otr

PAGE = (ROOT / "docs" / "archives.rst").read_text(encoding="utf-8")


def sourced_ids() -> list[str]:
    table = PAGE.split("Where each constraint comes from", 1)[1].split("\n\nYour own", 1)[0]
    rows = re.split(r"\n   \* - ", table)[2:]  # without the header row
    return [rule_id for row in rows for rule_id in re.findall(r"``(archive-[a-z-]+)``", row)]


def test_every_default_archive_rule_has_its_source_and_nothing_else() -> None:
    ids = sourced_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == set(otr.default_archive_rules().ids())


def test_the_calls_and_errors_shown_exist() -> None:
    for name in (
        "start_archive",
        "stop_archive",
        "get_archive",
        "list_archives",
        "delete_archive",
        "set_archive_layout",
    ):
        assert f"client.{name}(" in PAGE
        assert callable(getattr(otr.OpenTok, name))
        assert callable(getattr(otr.AsyncVonageVideo, name))
    for error in ("ValidationError", "NotFoundError", "ConflictError", "RequestError"):
        assert f":class:`~opentok_rules.{error}`" in PAGE
        assert issubclass(getattr(otr, error), otr.OpenTokError)
