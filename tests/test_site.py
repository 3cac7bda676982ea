"""`tradetalks site`: spans drawn from a boundary sweep, every row in its article, links that
resolve, escaping of hostile text, and new tables of the data model picked up when present."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import invoke
from site_helpers import RELEASE, Page, copy_release, put_table
from tradetalks.build.formats.site import SiteError, render_site
from tradetalks.build.formats.site_data import KIND_ORDER, Span
from tradetalks.build.formats.site_text import highlight


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    render_site(RELEASE, out, jobs=1)
    return out


# The sweep ----------------------------------------------------------------------------------------

spans_strategy = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12), st.sampled_from(KIND_ORDER)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab <>&\"'\r\n\u2019é\U0001f600", min_size=1, max_size=50), raw=spans_strategy)
def test_sweep_gives_back_every_span_and_the_text(text, raw):
    spans = []
    for i, (start, length, kind) in enumerate(raw):
        start = min(start, len(text) - 1)
        spans.append(Span(f"r{i}", "t", kind, start, min(len(text), start + length), f"label {i}", "g"))
    html = highlight(text, spans)
    page = Page(f"<div>{html}</div>")
    for s in spans:
        frags = sorted(page.fragments[s.row_id])
        assert page.text_of(s.row_id) == text[s.start : s.end]
        assert frags[0][0] == s.start and frags[-1][1] == s.end
        for start, end, t in frags:  # data-start/data-end give back each fragment's characters
            assert text[start:end] == t
    # Stripping the marks leaves the text, character for character (CR included).
    assert (
        re.sub(r"<[^>]+>", "", html)
        .replace("&#13;", "\r")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        == text
    )
    assert html.count("<mark") == html.count("</mark>")


def test_sweep_nests_and_splits_crossing_spans():
    text = "abcdefghij"
    html = highlight(text, [Span("A", "t", "quote", 0, 5, "A"), Span("B", "t", "mention", 3, 8, "B"), Span("C", "t", "claim", 3, 4, "C")])
    page = Page(html)
    assert [t for _, _, t in sorted(page.fragments["B"])] == ["de", "fgh"]  # B crosses A's end: two fragments
    assert page.text_of("A") == "abcde" and page.text_of("C") == "d"
    assert html.count('id="s-B"') == 1 and html.count('tabindex="0"') == 3  # one tab stop per row


def spec_values(spec) -> list[dict]:
    """The data rows inlined in a Vega-Lite spec, wherever altair put them."""
    if isinstance(spec, dict):
        if isinstance(spec.get("values"), list):
            return spec["values"]
        return [v for x in spec.values() for v in spec_values(x)]
    if isinstance(spec, list):
        return [v for x in spec for v in spec_values(x)]
    return []


# The site of the published release ---------------------------------------------------------------


def test_every_row_is_highlighted_with_its_exact_evidence(site):
    arts = pl.read_parquet(RELEASE / "articles.parquet")
    rows = pl.concat(
        [
            pl.read_parquet(RELEASE / "quotes.parquet").select(pl.col("quote_id").alias("id"), "article_id", "evidence"),
            pl.read_parquet(RELEASE / "evidence.parquet").select(pl.col("evidence_id").alias("id"), "article_id", "evidence"),
        ]
    )
    assert rows.height > 300
    for aid in arts["article_id"]:
        page = Page((site / "articles" / f"{aid}.html").read_text(encoding="utf-8"))
        mine = rows.filter(pl.col("article_id") == aid)
        assert mine.height
        for r in mine.iter_rows(named=True):
            assert page.text_of(r["id"]) == r["evidence"], (aid, r["id"])
            assert f"r-{r['id']}" in page.ids and f"s-{r['id']}" in page.ids


def test_every_link_leads_to_a_page_and_an_anchor_that_exist(site):
    pages = {p: Page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    svg = (site / "timeline.svg").read_text(encoding="utf-8")
    assert len(pages) > 50
    checked = 0
    for path, page in pages.items():
        links = [a.get("href") for tag, a in page.elements if tag in ("a", "link") and a.get("href")]
        links += [a.get("src") for tag, a in page.elements if tag == "script" and a.get("src")]
        if path.name == "timeline.html":
            links += re.findall(r'xlink:href="([^"]+)"', svg)
        for href in links:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"{path.name}: external link {href}"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path.relative_to(site)}: {href} leads nowhere"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in pages[target].ids, f"{path.relative_to(site)}: {href} has no anchor"
            checked += 1
    assert checked > 1000


def test_the_timeline_marks_vague_and_disputed_dates_and_links_each_mark(site):
    svg = (site / "timeline.svg").read_text(encoding="utf-8")
    spec = json.loads((site / "timeline.vl.json").read_text(encoding="utf-8"))
    items = spec_values(spec)
    events = pl.read_parquet(RELEASE / "events.parquet")
    ranged = events.filter(pl.col("date_start") != pl.col("date_end"))
    assert ranged.height and {i["id"] for i in items if i["date"] == "vague"} >= set(ranged["event_id"])
    assert any(i["date"] == "disputed" for i in items)
    assert len(re.findall(r'<a xlink:href="articles/[^"]+#s-', svg)) >= len(items)
    assert (site / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_index_counts_rows_and_outlets(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((RELEASE / "manifest.json").read_text(encoding="utf-8"))
    for table, entry in manifest["tables"].items():
        assert re.search(rf">{table}</a></td><td class=\"num\">{entry['rows']:,}<", html) or f">{table}</td>" in html
    assert "South China Morning Post" in html


# Hostile text -------------------------------------------------------------------------------------


def test_script_in_the_text_or_an_annotation_stays_text(tmp_path):
    rel = copy_release(tmp_path / "rel")
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">"\'><svg onload=alert(3)>'
    arts = pl.read_parquet(rel / "articles.parquet")
    # Appended at the end: every span still points at the same characters.
    arts = arts.with_columns(pl.col("text") + pl.lit("\n" + evil), pl.col("title").fill_null(evil))
    put_table(rel, "articles", arts, "article_id")
    ev = pl.read_parquet(rel / "evidence.parquet").with_columns(pl.lit(evil).alias("note"), pl.lit(evil).alias("claim_value"))
    put_table(rel, "evidence", ev, "evidence_id")
    events = pl.read_parquet(rel / "events.parquet").with_columns(pl.lit(evil).alias("description"))
    put_table(rel, "events", events, "event_id")
    people = pl.read_parquet(rel / "people.parquet").with_columns((pl.col("name") + pl.lit(evil)).alias("name"))
    put_table(rel, "people", people, "person_id")
    out = render_site(rel, tmp_path / "site", jobs=1).out_dir

    docs = list(out.rglob("*.html")) + [out / "timeline.svg"]
    for path in docs:
        page = Page(path.read_text(encoding="utf-8"))
        for tag, attrs in page.elements:
            assert tag not in ("img", "iframe", "object", "embed"), f"{path.name}: injected <{tag}>"
            if tag == "script":
                assert attrs.get("src", "").endswith("site.js") and set(attrs) == {"src"}, f"{path.name}: injected <script>"
            if tag == "svg":
                assert path.name in ("timeline.html", "timeline.svg") and "onload" not in attrs
            for name, value in attrs.items():
                assert not name.startswith("on"), f"{path.name}: injected attribute {name}"
                assert not (value or "").strip().lower().startswith("javascript:")
    text = (out / "articles" / "bessent-he-talks-set-for-next-week.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown, as text


# New tables of the data model ---------------------------------------------------------------------


def test_new_tables_and_interval_columns_are_drawn_when_present(tmp_path):
    rel = copy_release(tmp_path / "rel")
    measures = pl.read_parquet(rel / "tariff_measures.parquet")
    mid = measures["measure_id"][0]
    measures = measures.with_columns(
        pl.lit(dt.date(2025, 3, 1)).alias("date_start"), pl.lit(dt.date(2025, 3, 31)).alias("date_end"), pl.lit("month").alias("date_precision")
    )
    put_table(rel, "tariff_measures", measures, "measure_id")
    ev = pl.read_parquet(rel / "evidence.parquet").filter(pl.col("subject_id") == mid).row(0, named=True)
    steps = pl.DataFrame(
        [
            {
                "step_id": "st_1",
                "measure_id": mid,
                "step": "suspended",
                "date_start": dt.date(2025, 11, 10),
                "date_end": None,
                "date_precision": "day",
                "disputed": True,
                "article_id": ev["article_id"],
                "char_start": ev["char_start"],
                "char_end": ev["char_end"],
                "evidence": ev["evidence"],
                "method": "curated",
            }
        ]
    )
    put_table(rel, "measure_steps", steps, "step_id")
    disputes = pl.DataFrame([{"dispute_id": "d_1", "subject_table": "tariff_measures", "subject_id": mid, "field": "status", "note": "articles differ"}])
    put_table(rel, "disputes", disputes, "dispute_id")
    out = render_site(rel, tmp_path / "site", jobs=1).out_dir

    page = (out / "tariff_measures" / f"{mid}.html").read_text(encoding="utf-8")
    assert "measure_steps" in page and "suspended" in page and "disputes" in page and "articles differ" in page
    assert "Disputed:" in page and "status" in page
    spec = json.loads((out / "timeline.vl.json").read_text(encoding="utf-8"))
    mine = [v for v in spec_values(spec) if v["id"] == mid]
    assert {"date", "suspended"} <= {v["what"] for v in mine}
    assert any(v["start"] == "2025-03-01" and v["end"] == "2025-04-01" for v in mine)
    article = Page((out / "articles" / f"{ev['article_id']}.html").read_text(encoding="utf-8"))
    assert article.text_of("st_1") == ev["evidence"]  # a new table with spans is highlighted too


# The command --------------------------------------------------------------------------------------


def test_cli_writes_the_site_with_a_diff_and_refuses_a_foreign_directory(tmp_path):

    old = copy_release(tmp_path / "old")
    people = pl.read_parquet(old / "people.parquet")
    put_table(old, "people", people.head(people.height - 1), "person_id")
    out = tmp_path / "site"
    result = invoke(["site", str(RELEASE), "--out", str(out), "--diff-against", str(old)])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Changes against" in html and "minor" in html and people["person_id"][-1] in html
    # Running again replaces the site; a directory with other files is refused with a sentence.
    assert invoke(["site", str(RELEASE), "--out", str(out)]).exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    result = invoke(["site", str(RELEASE), "--out", str(other)])
    assert result.exit_code == 1 and "not empty" in result.output and (other / "notes.txt").exists()
    with pytest.raises(SiteError):
        render_site(RELEASE, other)


def test_a_damaged_release_is_a_sentence_not_a_traceback(tmp_path):

    rel = copy_release(tmp_path / "rel")
    (rel / "events.parquet").write_bytes(b"not parquet")
    result = invoke(["site", str(rel), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1 and "events.parquet: expected a Parquet table" in result.output
    (rel / "manifest.json").write_text("{", encoding="utf-8")
    result = invoke(["site", str(rel), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1 and "manifest.json: expected a release manifest" in result.output
    assert "Traceback" not in result.output
