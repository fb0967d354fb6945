"""Issue 29 in the emulator's console: the Try panel shows what the rules decided silently (a
dropped key, a media mode read as relayed) as warnings beside the violations, also when the
options are refused; the Rules table shows "What it checks" on a phone's 390 px.

The JSON answer is checked over HTTP; the page in headless Chromium (as test_emulator_browser),
skipped with the reason where Chromium is not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from _support.chromium import Chromium, chromium_tab, set_viewport, sideways_overflow, wait_for
from _support.emulator import post_json
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.testing import Emulator
from opentok_rules.testing._console import verdict


def warned(options: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The (rule, field) of every warning the default rules give for ``options``, refused or
    not: each rule run in order, as the registry's loop does."""
    return [
        (v.rule, v.field) for v in otr.default_rules().apply(dict(options)) if v.severity == "warn"
    ]


def test_try_answers_warnings_when_accepted_and_when_refused() -> None:
    with Emulator() as emulator:
        accepted = {"media_mod": "routed", "media_mode": "ROUTED"}
        _, answer = post_json(emulator, "/console/api/try", accepted)
        assert answer["ok"] is True
        assert answer["spec"]["media_mode"] == "relayed"  # the decision is the seed's
        assert [(w["rule"], w["field"]) for w in answer["warnings"]] == [
            ("known-keys", "media_mod"),
            ("media-mode", "media_mode"),
        ]
        assert "did you mean 'media_mode'?" in answer["warnings"][0]["message"]
        assert "did you mean 'routed'?" in answer["warnings"][1]["message"]
        assert {w["severity"] for w in answer["warnings"]} == {"warn"}

        refused = {"media_mode": "Routed", "e2ee": True}
        _, answer = post_json(emulator, "/console/api/try", refused)
        assert answer["ok"] is False
        assert [v["rule"] for v in answer["violations"]] == ["relayed-forbids-e2ee"]
        assert [(w["rule"], w["field"]) for w in answer["warnings"]] == [
            ("media-mode", "media_mode")
        ]


@settings(max_examples=examples(60), deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["media_mode", "media_mod", "e2ee", "archive_mode", "x", "Location"]),
        st.one_of(st.none(), st.booleans(), st.sampled_from(["routed", "relayed", "ROUTED"])),
        max_size=5,
    )
)
def test_try_warnings_are_the_rules_warnings(options: dict[str, Any]) -> None:
    answer = verdict(options, otr.default_rules())
    assert [(w["rule"], w["field"]) for w in answer["warnings"]] == warned(options)
    if answer["ok"]:
        prepared = otr.prepare_session(options)
        assert [w["message"] for w in answer["warnings"]] == [w.message for w in prepared.warnings]


@pytest.fixture(scope="module")
def browser(chromium: Chromium | None) -> Iterator[Chromium]:
    yield from chromium_tab(chromium, "the console's warnings test")


def _try_in_page(browser: Chromium, fields: dict[str, Any]) -> None:
    browser.evaluate(
        f"""(() => {{
          const fields = {json.dumps(fields)};
          document.getElementById('try-result').replaceChildren();
          for (const [id, value] of Object.entries(fields)) {{
            const input = document.getElementById(id);
            if (input.type === 'checkbox') input.checked = value; else input.value = value;
          }}
          document.getElementById('try-submit').click();
          return true;
        }})()"""
    )


def _shown(browser: Chromium, which: str) -> list[str]:
    found: list[str] = wait_for(
        browser,
        "(() => { const r = document.querySelector('#try-result .verdict');"
        f" return r && [...document.querySelectorAll('#try-result ul{which} li')]"
        ".map(li => li.dataset.rule + '|' + li.textContent); })()",
    )
    return found


def test_the_try_panel_shows_warnings_beside_violations(browser: Chromium) -> None:
    with Emulator() as emulator:
        set_viewport(browser, 1280, 900, mobile=False)
        browser.load(emulator.console_url)
        wait_for(browser, "document.querySelectorAll('#rules-body tr').length")

        _try_in_page(
            browser, {"media_mode": "ROUTED", "try-more": '{"media_mod": "routed"}', "e2ee": False}
        )
        shown = _shown(browser, ".warnings")
        assert [each.split("|")[0] for each in shown] == ["known-keys", "media-mode"]
        assert "did you mean 'media_mode'?" in shown[0]
        text = browser.evaluate("document.getElementById('try-result').textContent")
        assert "Accepted" in text
        assert "Warnings" in text
        assert '"p2p.preference": "enabled"' in text  # relayed, as decided

        # Refused: the violation, and the warning beside it.
        _try_in_page(browser, {"media_mode": "Routed", "try-more": "", "e2ee": True})
        violations = _shown(browser, ":not(.warnings)")
        warnings = _shown(browser, ".warnings")
        assert [each.split("|")[0] for each in violations] == ["relayed-forbids-e2ee"]
        assert [each.split("|")[0] for each in warnings] == ["media-mode"]
        assert "Refused" in browser.evaluate("document.getElementById('try-result').textContent")

        # Not a JSON object: said in the panel, nothing sent.
        _try_in_page(browser, {"media_mode": "", "try-more": "[1]", "e2ee": False})
        error = wait_for(
            browser,
            "document.querySelector('#try-result .error') &&"
            " document.querySelector('#try-result .error').textContent",
        )
        assert "JSON object" in error


def test_the_rules_table_says_what_each_rule_checks_at_390_px(browser: Chromium) -> None:
    with Emulator() as emulator:
        set_viewport(browser, 390, 844, mobile=True)
        browser.load(emulator.console_url)
        wait_for(browser, "document.querySelectorAll('#rules-body tr').length")
        cells = browser.evaluate(
            """[...document.querySelectorAll('#rules-body tr')].map(tr => {
                 const td = tr.querySelector('td[data-label="What it checks"]');
                 const box = td.getBoundingClientRect();
                 return {text: td.innerText, width: box.width, height: box.height,
                         label: getComputedStyle(td, '::before').content,
                         right: box.right, shown: getComputedStyle(td).display !== 'none'};
               })"""
        )
        descriptions = [rule.description for rule in otr.default_rules()]
        assert len(cells) == len(descriptions)
        for cell, description in zip(cells, descriptions, strict=True):
            assert cell["shown"]
            assert cell["width"] > 0
            assert cell["height"] > 0
            assert description in cell["text"]
            assert cell["label"] == '"What it checks"'  # the column's name, on the card
            assert cell["right"] <= 390
        assert sideways_overflow(browser) == 0
        set_viewport(browser, 1280, 900, mobile=False)
