"""The emulator's console in a real browser: headless Chromium, driven as in test_docs_layout.

A client creates sessions; the page shows them. The Try form, filled in and submitted as a
person would, shows ``relayed-forbids-e2ee`` for relayed media with e2ee. A pasted token is
shown with its claims and verdict. The page fits a 1280 px window and a phone's 390 px without
scrolling sideways. Skipped, with the reason, where Chromium is not installed (CI installs it
with apt).

The screenshots in the docs (docs/_static/console-*.png) are made by this run: set
``OTR_CONSOLE_SCREENSHOTS`` to a directory (``docs/_static``) and they are saved there.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.chromium import (
    Chromium,
    chromium_tab,
    set_viewport,
    sideways_overflow,
    wait_for,
)

import opentok_rules as otr
from opentok_rules.testing import Emulator

PHONE_WIDTH, PHONE_HEIGHT = 390, 844
DESKTOP_WIDTH, DESKTOP_HEIGHT = 1280, 900


@pytest.fixture(scope="module")
def browser(chromium: Chromium | None) -> Iterator[Chromium]:
    yield from chromium_tab(chromium, "the browser test")


def screenshot(browser: Chromium, path: Path, width: int, max_height: int = 4000) -> None:
    height = min(browser.evaluate("document.documentElement.scrollHeight"), max_height)
    answer = browser.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(answer["data"]))


def save_dir(tmp_path: Path) -> Path:
    chosen = os.environ.get("OTR_CONSOLE_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path


def test_the_console_in_a_browser(browser: Chromium, tmp_path: Path) -> None:
    shots = save_dir(tmp_path)
    with Emulator() as emulator:
        with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
            session = client.create_session(media_mode="routed", location="12.34.56.78")
            token = session.generate_token(role="moderator", data="name=Ada")
            # Refused by the library before sending: the emulator sees nothing of it.
            with pytest.raises(otr.ValidationError):
                client.create_session(media_mode="relayed", e2ee=True)
        set_viewport(browser, DESKTOP_WIDTH, DESKTOP_HEIGHT, mobile=False)
        browser.load(emulator.console_url)

        # Sessions: the one the client created, with its form and its id.
        row = wait_for(
            browser,
            f"[...document.querySelectorAll('#sessions-body tr')]"
            f".map(r => r.textContent).find(t => t.includes({json.dumps(session.session_id)}))",
        )
        assert "p2p.preference=disabled" in row
        assert "location=12.34.56.78" in row
        assert browser.evaluate("document.querySelectorAll('#sessions-body tr').length") == 1

        # A session created while the page is open appears without a reload.
        with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
            later = client.create_session(media_mode="relayed")
        first_row = wait_for(
            browser,
            "(() => { const r = document.querySelector('#sessions-body tr');"
            f" return r && r.textContent.includes({json.dumps(later.session_id)})"
            " && r.textContent; })()",
        )
        assert "p2p.preference=enabled" in first_row

        # Rules: the default registry, in order.
        rule_ids = wait_for(
            browser,
            "(() => { const ids = [...document.querySelectorAll('#rules-body tr td:nth-child(2)')]"
            ".map(td => td.textContent); return ids.length && ids; })()",
        )
        assert rule_ids == list(otr.default_rules().ids())

        # Try: relayed media with e2ee, as a person fills the form in.
        browser.evaluate(
            """(() => {
              document.getElementById('media_mode').value = 'relayed';
              document.getElementById('e2ee').checked = true;
              document.getElementById('try-submit').click();
              return true;
            })()"""
        )
        refused = wait_for(
            browser,
            "[...document.querySelectorAll('#try-result li')].map(li => li.dataset.rule)"
            ".filter(Boolean).join(',')",
        )
        assert refused == "relayed-forbids-e2ee"
        assert "Refused" in browser.evaluate("document.getElementById('try-result').textContent")

        # Token: pasted, inspected.
        browser.evaluate(
            f"""(() => {{
              document.getElementById('token-input').value = {json.dumps(token)};
              document.getElementById('token-submit').click();
              return true;
            }})()"""
        )
        verdict = wait_for(
            browser,
            "document.querySelector('#token-result .verdict') &&"
            " document.querySelector('#token-result .verdict').textContent",
        )
        assert verdict == "Verifies with this emulator's credentials"
        role = browser.evaluate("document.querySelector('[data-claim=role]').textContent")
        assert role == "moderator"
        exp = browser.evaluate("document.querySelector('[data-claim=exp]').textContent")
        expected_date = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        assert expected_date in exp
        assert emulator.api_secret not in browser.evaluate("document.body.innerText")

        assert sideways_overflow(browser) == 0
        screenshot(browser, shots / "console-1280.png", DESKTOP_WIDTH)

        set_viewport(browser, PHONE_WIDTH, PHONE_HEIGHT, mobile=True)
        browser.evaluate("new Promise(r => requestAnimationFrame(() => r(true)))")
        assert sideways_overflow(browser) == 0
        # The top of the page is what a phone shows first: Sessions and the Try form.
        screenshot(browser, shots / "console-phone.png", PHONE_WIDTH, max_height=1600)

    assert (shots / "console-1280.png").stat().st_size > 10_000
