"""The built docs fit a 1280 px wide window: no table or code block is clipped or cut.

The docs are built with Sphinx (warnings are CI's own ``sphinx-build -W`` step), then every page is
loaded in headless Chromium at 1280x900 and measured from inside the page through the Chrome
DevTools Protocol, spoken over ``--remote-debugging-pipe`` with the standard library only:

- the page itself does not scroll sideways;
- no element of the main content (``<article>``) reaches past the article's right edge, unless
  an ancestor inside the article clips it (a scroll box), and then that box is checked instead;
- no box inside the article that scrolls or clips sideways (code blocks, table wrappers) holds
  content wider than itself: everything is visible without scrolling.

Skipped, with the reason, where Sphinx, Furo or Chromium is not installed (CI installs Chromium
with apt). Run as a script to save a screenshot of one page::

    python tests/test_docs_layout.py rules.html /tmp/rules.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.chromium import Chromium, chromium_tab, find_chromium

DOCS = Path(__file__).parents[1] / "docs"
# Pages Sphinx writes that are not documentation pages of ours.
NOT_PAGES = {"genindex.html", "search.html", "py-modindex.html"}

# Runs in the page; returns a list of problems, each a short dict (empty: the page fits).
MEASURE = r"""
(() => {
  const problems = [];
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    const cls = [...el.classList].slice(0, 2);
    if (cls.length) name += "." + cls.join(".");
    const section = el.closest("section[id]");
    const where = section ? " in section #" + section.id : "";
    const text = (el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
    return name + where + ": " + JSON.stringify(text);
  };
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push({what: "the page scrolls sideways", element: "html",
                   width: root.scrollWidth, room: root.clientWidth});
  }
  const article = document.querySelector("article");
  if (!article) {
    problems.push({what: "no <article> element", element: "", width: 0, room: 0});
    return problems;
  }
  // Furo pulls headings and signatures 0.5rem (8px) into the margin for their highlight.
  const edge = article.getBoundingClientRect().right + 8;
  if (edge > root.clientWidth + 1) {
    problems.push({what: "the article reaches past the window", element: describe(article),
                   width: Math.round(edge), room: root.clientWidth});
  }
  const clipsX = (el) => getComputedStyle(el).overflowX !== "visible";
  const clippedInside = (el) => {
    for (let up = el.parentElement; up && up !== article; up = up.parentElement) {
      if (clipsX(up)) return true;
    }
    return false;
  };
  for (const el of article.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > edge + 0.5 && !clippedInside(el)) {
      problems.push({what: "reaches past the article's right edge", element: describe(el),
                     width: Math.round(box.right), room: Math.round(edge)});
    }
    if (clipsX(el) && el.scrollWidth > el.clientWidth + 1) {
      problems.push({what: "content wider than its box (cut, or scrolls sideways)",
                     element: describe(el), width: el.scrollWidth, room: el.clientWidth});
    }
  }
  return problems;
})()
"""


def build_docs(out: Path) -> None:
    """The HTML docs (warnings are left to CI's ``sphinx-build -W`` step: this checks layout)."""
    completed = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def pages(html: Path) -> list[Path]:
    """Every documentation page, the source pages of the API reference included."""
    found = [p for p in sorted(html.glob("*.html")) if p.name not in NOT_PAGES]
    return found + sorted((html / "_modules").rglob("*.html"))


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx", reason="the docs need Sphinx: pip install -e '.[docs]'")
    pytest.importorskip("furo", reason="the docs' theme is Furo: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("html")
    build_docs(out)
    return out


@pytest.fixture(scope="module")
def browser(chromium: Chromium | None) -> Iterator[Chromium]:
    yield from chromium_tab(chromium, "the width check")


def test_every_page_fits_1280_px(html: Path, browser: Chromium) -> None:
    checked = pages(html)
    assert {"index.html", "rules.html", "quickstart.html"} <= {p.name for p in checked}
    problems: list[str] = []
    for page in checked:
        browser.load(page.as_uri())
        for p in browser.evaluate(MEASURE):
            name = page.relative_to(html)
            problems.append(f"{name}: {p['element']}: {p['what']} ({p['width']} > {p['room']})")
    assert not problems, "\n".join(problems)


def test_the_check_sees_an_overflow(tmp_path: Path, browser: Chromium) -> None:
    """The measurement itself works: a page with a cut code block and a wide table fails it."""
    page = tmp_path / "wide.html"
    line = "x" * 400
    page.write_text(
        "<html><body><article style='width: 600px'>"
        f"<pre style='overflow-x: auto'>{line}</pre>"
        f"<table><tr><td>{line}</td></tr></table>"
        "</article></body></html>"
    )
    browser.load(page.as_uri())
    problems = browser.evaluate(MEASURE)
    assert {(p["what"], p["element"].split(":")[0]) for p in problems} == {
        ("the page scrolls sideways", "html"),
        ("content wider than its box (cut, or scrolls sideways)", "pre"),
        ("reaches past the article's right edge", "table"),
        ("reaches past the article's right edge", "tbody"),
        ("reaches past the article's right edge", "tr"),
        ("reaches past the article's right edge", "td"),
    }, problems


def main(argv: list[str]) -> int:
    """Build the docs and save a screenshot of one page at 1280 px: PAGE OUT.png."""
    if len(argv) != 2:
        print("usage: python tests/test_docs_layout.py PAGE.html OUT.png", file=sys.stderr)
        return 2
    executable = find_chromium()
    if executable is None:
        print("no Chromium found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as out:
        build_docs(Path(out))
        chromium = Chromium(executable)
        try:
            chromium.open_tab()
            chromium.load((Path(out) / argv[0]).as_uri())
            for p in chromium.evaluate(MEASURE):
                print(f"{p['element']}: {p['what']} ({p['width']} > {p['room']})")
            chromium.screenshot(Path(argv[1]))
        finally:
            chromium.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
