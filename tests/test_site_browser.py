"""The site in a real browser: headless Chromium from the system packages, driven by playwright
(never a downloaded browser), at 1400 px and on a phone (390 px). Spans read back as their rows'
evidence, links lead where they should, the keyboard reaches the spans, nothing overflows sideways,
the article's text is on the first screen, a tapped span's record shows without scrolling, the
timeline draws every date where it belongs, the search finds from disk, and axe-core finds no
serious or critical accessibility violation. Screenshots go to build/test-screenshots/.

Where TRADETALKS_BROWSER_TESTS=required (CI sets it), a missing Chromium or axe-core is a failure,
not a skip.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from site_helpers import RELEASE, REPO
from tradetalks.site.render import render_site

REQUIRED = os.environ.get("TRADETALKS_BROWSER_TESTS") == "required"


def _missing(what: str) -> None:
    if REQUIRED:
        pytest.fail(f"{what}, and TRADETALKS_BROWSER_TESTS=required", pytrace=False)
    pytest.skip(f"{what}: browser tests skipped", allow_module_level=True)


CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium") if p and Path(p).is_file()), None)
if CHROMIUM is None:
    _missing("no system Chromium (apt-get install chromium)")
try:
    from playwright import sync_api
except ImportError:
    _missing("playwright is not installed")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = REPO / "build" / "test-screenshots"
WIDE = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}

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
def chromium():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def requests_seen():
    return []


def _context(chromium, viewport, requests_seen, touch=False):
    ctx = chromium.new_context(viewport=viewport, has_touch=touch, is_mobile=touch)
    # Every request a page makes: only files of the site itself are allowed.
    ctx.on("request", lambda r: requests_seen.append(r.url))
    return ctx


@pytest.fixture
def page(chromium, requests_seen):
    ctx = _context(chromium, WIDE, requests_seen)
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture
def phone(chromium, requests_seen):
    ctx = _context(chromium, PHONE, requests_seen, touch=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def url(site: Path, rel: str) -> str:
    return (site / rel).as_uri()


def page_kinds() -> dict[str, str]:
    """One page of each kind, chosen from the data."""
    quotes = pl.read_parquet(RELEASE / "quotes.parquet")
    speaker = quotes.drop_nulls("speaker_id").group_by("speaker_id").len().sort(["len", "speaker_id"], descending=[True, False])["speaker_id"][0]
    event = pl.read_parquet(RELEASE / "events.parquet").sort(["disputed", "event_id"], descending=[True, False])["event_id"][0]
    measure = pl.read_parquet(RELEASE / "tariff_measures.parquet").sort(["disputed", "measure_id"], descending=[True, False])["measure_id"][0]
    article = pl.read_parquet(RELEASE / "articles.parquet").sort("n_chars", descending=True)["article_id"][0]
    return {
        "index": "index.html",
        "articles": "articles/index.html",
        "article": f"articles/{article}.html",
        "person": f"people/{speaker}.html",
        "event": f"events/{event}.html",
        "measure": f"tariff_measures/{measure}.html",
        "timeline": "timeline.html",
        "search": "search.html",
    }


# Reading ------------------------------------------------------------------------------------------


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


@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_no_page_is_wider_than_the_screen(site, page, phone, viewport):
    pg = page if viewport == "wide" else phone
    for kind, rel in page_kinds().items():
        pg.goto(url(site, rel))
        over = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert over <= 0, f"{kind} ({rel}) is {over} px wider than a {viewport} screen"
        pg.screenshot(path=str(SHOTS / f"site-{kind}-{viewport}.png"))


@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_the_articles_text_is_on_the_first_screen(site, page, phone, viewport):
    pg = page if viewport == "wide" else phone
    for aid in pl.read_parquet(RELEASE / "articles.parquet")["article_id"]:
        pg.goto(url(site, f"articles/{aid}.html"))
        top = pg.evaluate("document.getElementById('text').getBoundingClientRect().top")
        height = pg.evaluate("window.innerHeight")
        assert top < height * 0.6, f"{aid}: the text starts {top:.0f} px down a {height} px {viewport} screen"


@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_a_tapped_spans_record_shows_without_scrolling(site, page, phone, viewport):
    pg = page if viewport == "wide" else phone
    quotes = pl.read_parquet(RELEASE / "quotes.parquet").sort("article_id", "char_start")
    for aid in quotes["article_id"].unique(maintain_order=True).to_list()[:3]:
        pg.goto(url(site, f"articles/{aid}.html"))
        # A quotation far down the text: the reader scrolls to it, then taps it.
        qid = quotes.filter(pl.col("article_id") == aid)["quote_id"][-1]
        mark = pg.locator(f'[id="s-{qid}"]')
        mark.scroll_into_view_if_needed()
        if viewport == "phone":
            mark.tap()
        else:
            mark.click()
        card = pg.locator("#panel-body [data-selected]")
        assert card.get_attribute("data-selected") == qid
        box = pg.evaluate("(() => { const r = document.getElementById('panel').getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; })()")
        quote_box = pg.evaluate("(() => { const r = document.querySelector('#panel-body blockquote').getBoundingClientRect(); return [r.top, r.bottom]; })()")
        assert 0 <= box[0] and quote_box[1] <= box[2], f"{aid} ({viewport}): the record is off the screen: panel {box}, quotation {quote_box}"
        mark_box = pg.evaluate(f"document.getElementById('s-{qid}').getBoundingClientRect().top")
        assert 0 <= mark_box < (box[0] if viewport == "phone" else box[2]), "the tapped words are hidden"
    pg.screenshot(path=str(SHOTS / f"site-article-selected-{viewport}.png"))


def test_article_span_to_record_to_person_and_back(site, page):
    quotes = pl.read_parquet(RELEASE / "quotes.parquet").filter(pl.col("speaker_id").is_not_null()).sort("quote_id")
    q = quotes.row(0, named=True)
    page.goto(url(site, f"articles/{q['article_id']}.html"))
    page.locator(f'[id="s-{q["quote_id"]}"]').click()
    card = page.locator("#panel-body [data-selected]")
    assert card.get_attribute("data-selected") == q["quote_id"]
    assert " ".join(q["text"].split())[:30] in " ".join(card.inner_text().split())
    card.locator('a[href*="people/"]').first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"people/{q['speaker_id']}.html")
    name = pl.read_parquet(RELEASE / "people.parquet").filter(pl.col("person_id") == q["speaker_id"])["name"][0]
    assert name in page.locator("h1").inner_text()
    # The person's first quotation leads back to its words, selected.
    link = page.locator(".quote-group a[href*='#s-']").first
    target = link.get_attribute("href").split("#s-", 1)[1]
    link.click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.dataset.row") == target
    assert page.locator("#panel-body [data-selected]").get_attribute("data-selected") == target


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


def test_the_legend_hides_and_shows_a_kind(site, page):
    aid = pl.read_parquet(RELEASE / "articles.parquet")["article_id"][0]
    page.goto(url(site, f"articles/{aid}.html"))
    box = page.locator('fieldset.legend input[data-kind="quote"]')
    colour = "getComputedStyle(document.querySelector('#text mark.k-quote')).backgroundColor"
    assert page.evaluate(colour) != "rgba(0, 0, 0, 0)"
    box.uncheck()
    assert page.evaluate(colour) == "rgba(0, 0, 0, 0)"
    box.check()
    assert page.evaluate(colour) != "rgba(0, 0, 0, 0)"


# Timeline and search ------------------------------------------------------------------------------

BARS_JS = """() => {
  const tl = document.getElementById('timeline');
  return [...tl.querySelectorAll('.tl-bar[data-start]')].map(b => {
    const t = b.parentElement.getBoundingClientRect(), r = b.getBoundingClientRect();
    return {id: b.dataset.id, cols: b.dataset.cols, start: b.dataset.start, last: b.dataset.last, hidden: b.hidden,
            exact: b.classList.contains('exact'), left: r.left - t.left, right: r.right - t.left, width: t.width};
  });
}"""


def _window(page) -> tuple[float, float]:
    # The window shown, in days since 1970, as the axis label states it.
    label = page.locator(".tl-window").inner_text().removeprefix("Showing ")
    first, last = (dt.datetime.strptime(x.strip(), "%d %b %Y").date() for x in label.split("–"))
    epoch = dt.date(1970, 1, 1)
    return float((first - epoch).days), float((last - epoch).days + 1)


def test_the_timeline_draws_each_date_over_its_days_and_zooms(site, page):
    page.goto(url(site, "timeline.html"))
    epoch = dt.date(1970, 1, 1)

    def check(bars, lo, hi, tolerance_days):
        shown = 0
        for b in bars:
            s = (dt.date.fromisoformat(b["start"]) - epoch).days
            e = (dt.date.fromisoformat(b["last"]) - epoch).days + 1
            if e <= lo or s >= hi:
                assert b["hidden"], b
                continue
            shown += 1
            px = b["width"] / (hi - lo)
            if b["exact"]:
                assert abs((b["left"] + b["right"]) / 2 - (s + 0.5 - lo) * px) <= tolerance_days * px + 2, b
            else:
                assert abs(b["left"] - (max(s, lo) - lo) * px) <= tolerance_days * px + 2, b
                assert abs(b["right"] - (min(e, hi) - lo) * px) <= max(tolerance_days * px + 2, 10), b  # a bar is at least .6rem wide
        return shown

    bars = page.evaluate(BARS_JS)
    lo, hi = _window(page)
    # The label rounds the window to days; a bar may sit up to a day off it.
    assert check(bars, lo, hi, 1) > 10
    page.screenshot(path=str(SHOTS / "site-timeline-story.png"), full_page=True)
    page.locator("[data-act=all]").click()
    lo_all, hi_all = _window(page)
    assert lo_all < lo and check(page.evaluate(BARS_JS), lo_all, hi_all, 1) == len(bars)  # every date fits
    page.locator("[data-act=story]").click()
    page.locator("[data-act=in]").click()
    assert _window(page)[1] - _window(page)[0] < hi - lo
    page.locator("[data-act=earlier]").click()
    assert _window(page)[0] < lo + (hi - lo) / 4


def test_a_timeline_bar_leads_to_its_evidence(site, page):
    page.goto(url(site, "timeline.html"))
    bar = page.locator(".tl-bar[data-start]:not([hidden])").first
    evidence_id = bar.get_attribute("href").split("#s-", 1)[1]
    bar.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url and page.url.endswith(f"#s-{evidence_id}")
    assert page.evaluate("document.activeElement.dataset.row") == evidence_id
    ev = pl.read_parquet(RELEASE / "evidence.parquet").filter(pl.col("evidence_id") == evidence_id).row(0, named=True)
    assert ev["subject_table"] in ("events", "tariff_measures")
    assert page.evaluate(FRAGMENTS_JS)[evidence_id] == ev["evidence"]


def test_the_search_finds_from_disk(site, page, phone):
    person = pl.read_parquet(RELEASE / "people.parquet").sort("n_mentions", descending=True).row(0, named=True)
    page.goto(url(site, "index.html"))
    page.locator("#find-q").fill(person["name"].split()[-1])
    page.locator("form.find button").click()
    page.wait_for_load_state()
    assert "search.html?q=" in page.url
    results = page.locator("#results li")
    assert results.count() >= 2  # the person, and the quotations and events that name them
    page.locator(f'#results a[href="people/{person["person_id"]}.html"]').click()
    page.wait_for_load_state()
    assert page.url.endswith(f"people/{person['person_id']}.html")
    # Words of a quotation find it; the result leads to its span.
    q = pl.read_parquet(RELEASE / "quotes.parquet").sort("quote_id").row(0, named=True)
    phone.goto(url(site, "search.html"))
    phone.locator("#search-q").fill(" ".join(q["text"].split()[:4]))
    hit = phone.locator("#results li a").first
    assert "#s-" in hit.get_attribute("href")
    with phone.expect_navigation():
        hit.tap()
    assert phone.locator("#panel-body [data-selected]").count() == 1


# Checks over every page ---------------------------------------------------------------------------


def test_no_page_asks_the_network_for_anything(site, page, requests_seen):
    for rel in page_kinds().values():
        page.goto(url(site, rel))
    assert requests_seen and all(u.startswith("file://") for u in requests_seen), [u for u in requests_seen if not u.startswith("file://")]


@pytest.mark.parametrize("viewport", ["wide", "phone"])
def test_axe_finds_no_serious_or_critical_violation(site, page, phone, viewport):
    if not AXE.is_file():
        _missing("axe-core is not installed (npm ci)")
    pg = page if viewport == "wide" else phone
    found = []
    for kind, rel in page_kinds().items():
        pg.goto(url(site, rel))
        if kind == "article":  # audit the page with a passage selected, its record showing
            pg.locator("#text mark.k-quote[tabindex='0']").first.click()
        pg.add_script_tag(path=str(AXE))
        result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                found.append(f"{kind}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}")
    assert not found, "\n".join(found)
