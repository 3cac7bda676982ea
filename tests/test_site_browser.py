"""The site in a real browser: headless Chromium from the system packages, driven by playwright
(never a downloaded browser). Spans read back as their rows' evidence, links lead where they
should, the keyboard reaches the spans; screenshots go to build/test-screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from site_helpers import RELEASE, REPO
from tradetalks.build.formats.site import render_site

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium") if p and Path(p).is_file()), None)
if CHROMIUM is None:
    pytest.skip("no system Chromium (apt-get install chromium): browser tests skipped", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: browser tests skipped")

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = REPO / "build" / "test-screenshots"

FRAGMENTS_JS = """() => {
  const out = {};
  for (const m of document.querySelectorAll('#text mark[data-row]')) {
    (out[m.dataset.row] = out[m.dataset.row] || []).push(m.textContent);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.join('')]));
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    render_site(RELEASE, out, jobs=1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS, viewport={"width": 1280, "height": 900}
        )
        yield context
        context.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page()
    yield pg
    pg.close()


def url(site: Path, rel: str) -> str:
    return (site / rel).as_uri()


def test_every_highlighted_span_reads_back_as_its_rows_evidence(site, page):
    rows = pl.concat(
        [
            pl.read_parquet(RELEASE / "quotes.parquet").select(pl.col("quote_id").alias("id"), "article_id", "evidence"),
            pl.read_parquet(RELEASE / "evidence.parquet").select(pl.col("evidence_id").alias("id"), "article_id", "evidence"),
        ]
    )
    checked = 0
    for aid in pl.read_parquet(RELEASE / "articles.parquet")["article_id"]:
        page.goto(url(site, f"articles/{aid}.html"))
        shown = page.evaluate(FRAGMENTS_JS)
        for r in rows.filter(pl.col("article_id") == aid).iter_rows(named=True):
            assert shown.get(r["id"]) == r["evidence"], (aid, r["id"])
            checked += 1
    assert checked == rows.height


def test_article_span_to_row_to_person(site, page):
    quotes = pl.read_parquet(RELEASE / "quotes.parquet").filter(pl.col("speaker_id").is_not_null()).sort("quote_id")
    q = quotes.row(0, named=True)
    page.goto(url(site, f"articles/{q['article_id']}.html"))
    page.locator(f'[id="s-{q["quote_id"]}"]').click()
    panel = page.locator("#panel-body [data-selected]")
    assert panel.get_attribute("data-selected") == q["quote_id"]
    assert q["evidence"] in panel.inner_text().replace("\n", " ") or q["evidence"][:30] in panel.inner_text()
    page.screenshot(path=str(SHOTS / "site-article.png"))
    panel.locator('a[href*="people/"]').first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"people/{q['speaker_id']}.html")
    name = pl.read_parquet(RELEASE / "people.parquet").filter(pl.col("person_id") == q["speaker_id"])["name"][0]
    assert name in page.locator("h1").inner_text()
    # From the person's page, a quote's evidence link leads back to its span, selected.
    page.locator(f'a[href$="#s-{q["quote_id"]}"]').first.click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.dataset.row") == q["quote_id"]
    assert page.locator("#panel-body [data-selected]").get_attribute("data-selected") == q["quote_id"]
    page.screenshot(path=str(SHOTS / "site-person-back-to-span.png"))


def test_keyboard_reaches_the_spans(site, page):
    aid = pl.read_parquet(RELEASE / "articles.parquet")["article_id"][0]
    page.goto(url(site, f"articles/{aid}.html"))
    focused = None
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.matches('#text mark[data-row]') ? document.activeElement.dataset.row : null")
        if focused:
            break
    assert focused, "Tab never reached a highlighted span"
    assert page.locator("#panel-body [data-selected]").get_attribute("data-selected") == focused
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.dataset.row")
    assert second and second != focused


def test_timeline_mark_leads_to_its_evidence(site, page):
    page.goto(url(site, "timeline.html"))
    page.screenshot(path=str(SHOTS / "site-timeline.png"), full_page=True)
    anchor = page.locator("svg g.mark-symbol a").first
    href = anchor.get_attribute("xlink:href") or anchor.get_attribute("href")
    evidence_id = href.split("#s-", 1)[1]
    anchor.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url and page.url.endswith(f"#s-{evidence_id}")
    assert page.evaluate("document.activeElement.dataset.row") == evidence_id
    ev = pl.read_parquet(RELEASE / "evidence.parquet").filter(pl.col("evidence_id") == evidence_id).row(0, named=True)
    assert ev["subject_table"] in ("events", "tariff_measures")
    assert page.evaluate(FRAGMENTS_JS)[evidence_id] == ev["evidence"]


def test_pages_open_fast_and_are_screenshotted(site, page):
    timings = {}
    for rel in ("index.html", "articles/index.html", "timeline.html", "events/index.html"):
        page.goto(url(site, rel))
        timings[rel] = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        page.screenshot(path=str(SHOTS / ("site-" + rel.replace("/", "-").replace(".html", ".png"))))
    assert all(t > 0 for t in timings.values())  # measured; the budget is checked in benchmarks/
