"""The console's Archives panel in a real browser (headless Chromium, as test_emulator_browser).

Archives started by a client appear with their status, name and options; a stop turns a row
"available" and a delete removes it without a reload; a name made of HTML is shown as text,
never parsed; the panel fits 1280 px and a phone's 390 px. Skipped, with the reason, where
Chromium is not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from _support.chromium import Chromium, chromium_tab, set_viewport, sideways_overflow, wait_for

import opentok_rules as otr
from opentok_rules.testing import Emulator

HOSTILE_NAME = '<img src="x" onerror="document.title=1">weekly'


@pytest.fixture(scope="module")
def browser(chromium: Chromium | None) -> Iterator[Chromium]:
    yield from chromium_tab(chromium, "the console's archive test")


def row_text(archive_id: str) -> str:
    """A page expression: the text of the archive's row, or null while there is none."""
    selector = json.dumps(f'#archives-body tr[data-archive="{archive_id}"]')
    return (
        f"(() => {{ const r = document.querySelector({selector}); return r && r.textContent; }})()"
    )


def test_the_archives_panel(browser: Chromium) -> None:
    with Emulator() as emulator:
        client = otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url)
        with client:
            session = client.create_session(media_mode="routed")
            set_viewport(browser, 1280, 900, mobile=False)
            browser.load(emulator.console_url)
            assert wait_for(browser, "!document.getElementById('archives-empty').hidden && 'empty'")

            composed = client.start_archive(
                session.session_id, name=HOSTILE_NAME, resolution="1280x720"
            )
            text = wait_for(browser, row_text(composed.id))
            assert HOSTILE_NAME in text
            assert "started" in text
            assert "1280x720" in text
            assert session.session_id in text
            assert browser.evaluate("document.querySelectorAll('#archives img').length") == 0
            assert browser.evaluate("document.getElementById('archives-empty').hidden")

            individual = client.start_archive(
                session.session_id,
                output_mode="individual",
                has_audio=False,
                multi_archive_tag="second",
            )
            text = wait_for(browser, row_text(individual.id))
            assert "individual" in text
            assert "no audio" in text
            assert "tag second" in text
            order = browser.evaluate(
                "[...document.querySelectorAll('#archives-body tr')].map(r => r.dataset.archive)"
            )
            assert order == [individual.id, composed.id]

            client.stop_archive(composed.id)
            text = wait_for(
                browser,
                f"(() => {{ const t = {row_text(composed.id)}; "
                "return t && t.includes('available') && t; })()",
            )
            assert "archive.mp4" in text
            assert overflow_at_both_widths(browser) == (0, 0)

            client.delete_archive(composed.id)
            assert wait_for(
                browser,
                "document.querySelectorAll('#archives-body tr').length === 1 && 'one left'",
            )
    assert browser.evaluate("document.title") != "1"


def overflow_at_both_widths(browser: Chromium) -> tuple[int, int]:
    wide = sideways_overflow(browser)
    set_viewport(browser, 390, 844, mobile=True)
    narrow = sideways_overflow(browser)
    set_viewport(browser, 1280, 900, mobile=False)
    return wide, narrow
