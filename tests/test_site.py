"""`tradetalks site`: spans drawn from a boundary sweep, every row in its article, links that
resolve, escaping of hostile text, new tables of the data model picked up when present, pages that
tell (quotations first, disputes side by side), a timeline drawn from every date column, and the
search index."""

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
from site_helpers import FIRST_RELEASE, RELEASE, Page, copy_release, put_table
from tradetalks.site import words
from tradetalks.site.article_text import highlight
from tradetalks.site.data import KIND_ORDER, VAGUE_DAYS, Span
from tradetalks.site.render import SiteError, render_site


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


def bars(html: str) -> list[dict]:
    """The timeline's bars: their data attributes and classes, and their row's classes."""
    page = Page(html)
    out, row = [], {}
    for tag, attrs in page.elements:
        if tag == "li" and "tl-row" in (attrs.get("class") or ""):
            row = attrs
        if tag == "a" and "tl-bar" in (attrs.get("class") or ""):
            out.append({**attrs, "row_class": row.get("class", "")})
    return out


def read_index(site: Path) -> list[list[str]]:
    js = (site / "search-index.js").read_text(encoding="utf-8")
    assert js.startswith("window.TRADETALKS_INDEX = ") and js.rstrip().endswith(";")
    return json.loads(js.removeprefix("window.TRADETALKS_INDEX = ").rstrip().removesuffix(";"))


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


def test_every_drawn_interval_is_a_date_of_the_tables(site):
    """Every date an event or a measure states (each Date column with its `*_end` column) is drawn
    over exactly the days the Parquet gives, and every bar is such a date."""
    drawn = bars((site / "timeline.html").read_text(encoding="utf-8"))
    by_key = {(b["data-table"], b["data-id"], b["data-cols"].split()[0]): b for b in drawn}
    expected = 0
    for table, key in (("events", "event_id"), ("tariff_measures", "measure_id")):
        df = pl.read_parquet(RELEASE / f"{table}.parquet")
        starts = [c for c, t in df.schema.items() if t == pl.Date and not c.endswith("_end")]
        assert starts, table
        for row in df.iter_rows(named=True):
            for col in starts:
                if row[col] is None:
                    continue
                base = col.removesuffix("_start")
                end_col = base + "_end" if base + "_end" in df.columns else None
                bar = by_key.get((table, row[key], col))
                assert bar is not None, f"{table} {row[key]} {col} is not drawn"
                assert bar["data-start"] == row[col].isoformat()
                if end_col and row[end_col] is not None:
                    assert bar["data-last"] == row[end_col].isoformat(), (row[key], col)
                    assert end_col in bar["data-cols"].split()
                expected += 1
    steps = pl.read_parquet(RELEASE / "measure_steps.parquet") if (RELEASE / "measure_steps.parquet").exists() else None
    for b in drawn:
        table, rid, col = b["data-table"], b["data-id"], b["data-cols"].split()[0]
        if col.startswith("measure_steps."):
            assert steps is not None
            step = steps.filter((pl.col("measure_id") == rid) & (pl.col(col.split(".", 1)[1]) == dt.date.fromisoformat(b["data-start"])))
            assert step.height, (rid, col)
            continue
        df = pl.read_parquet(RELEASE / f"{table}.parquet")
        key = "event_id" if table == "events" else "measure_id"
        assert df.filter(pl.col(key) == rid)[col][0] == dt.date.fromisoformat(b["data-start"])
    assert expected > 20 and len(drawn) >= expected


def test_the_timeline_opens_on_the_story_with_vague_dates_apart(site):
    html = (site / "timeline.html").read_text(encoding="utf-8")
    drawn = bars(html)
    page = Page(html)
    tl = next(a for tag, a in page.elements if a.get("id") == "timeline")
    lo, hi = dt.date.fromisoformat(tl["data-lo"]), dt.date.fromisoformat(tl["data-hi"])
    precise, vague = [], []
    for b in drawn:
        first, last = dt.date.fromisoformat(b["data-start"]), dt.date.fromisoformat(b["data-last"])
        is_vague = (last - first).days + 1 > VAGUE_DAYS
        assert ("vague" in b["row_class"].split()) == is_vague, b
        (vague if is_vague else precise).append((first, last))
        assert b["href"].startswith("articles/") and "#s-" in b["href"]  # each bar leads to the words that date it
    assert precise and vague
    # The window is the precisely dated items' days, with a small margin; vague dates do not stretch it.
    assert lo <= min(f for f, _ in precise) and hi >= max(la for _, la in precise)
    assert (min(f for f, _ in precise) - lo).days <= 3 and (hi - max(la for _, la in precise)).days <= 3
    assert min(f for f, _ in vague) < lo  # the release has dates earlier than the story's window
    assert any("disputed" in b["class"] for b in drawn)
    svg = (site / "timeline.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<script" not in svg
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
    quotes = pl.read_parquet(rel / "quotes.parquet").with_columns(pl.lit(evil).alias("text"), pl.lit(evil).alias("speaker_note"), pl.lit(evil).alias("cue"))
    put_table(rel, "quotes", quotes, "quote_id")
    if (rel / "disputes.parquet").exists():
        disputes = pl.read_parquet(rel / "disputes.parquet").with_columns(pl.lit(evil).alias("value"), pl.lit(evil).alias("resolution"))
        put_table(rel, "disputes", disputes, "dispute_id")
    out = render_site(rel, tmp_path / "site", jobs=1).out_dir

    docs = list(out.rglob("*.html")) + [out / "timeline.svg"]
    for path in docs:
        page = Page(path.read_text(encoding="utf-8"))
        for tag, attrs in page.elements:
            assert tag not in ("img", "iframe", "object", "embed"), f"{path.name}: injected <{tag}>"
            if tag == "script":
                assert attrs.get("src", "").endswith(("site.js", "search-index.js")) and set(attrs) == {"src"}, f"{path.name}: injected <script>"
            if tag == "svg":
                assert path.name in ("timeline.html", "timeline.svg") and "onload" not in attrs
            for name, value in attrs.items():
                assert not name.startswith("on"), f"{path.name}: injected attribute {name}"
                assert not (value or "").strip().lower().startswith("javascript:")
    text = (out / "articles" / f"{arts['article_id'][0]}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown, as text
    # The search index is a script: the hostile names in it are JSON strings with "<" escaped.
    index = (out / "search-index.js").read_text(encoding="utf-8")
    assert "<" not in index and any(evil in e[1] for e in read_index(out))


# New tables of the data model ---------------------------------------------------------------------


def test_new_tables_and_interval_columns_are_drawn_when_present(tmp_path):
    rel = copy_release(tmp_path / "rel", FIRST_RELEASE)  # a release without these tables
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
    assert "suspended" in page and "10 November 2025" in page  # the step, its date in words
    assert "The status: articles disagree" in page and "articles differ" in page
    assert "March 2025 (some time in that month)" in page  # the new interval columns, in words
    mine = [b for b in bars((out / "timeline.html").read_text(encoding="utf-8")) if b["data-id"] == mid]
    assert {"date_start date_end", "measure_steps.date_start measure_steps.date_end"} <= {b["data-cols"] for b in mine}
    assert any(b["data-start"] == "2025-03-01" and b["data-last"] == "2025-03-31" for b in mine)
    article = Page((out / "articles" / f"{ev['article_id']}.html").read_text(encoding="utf-8"))
    assert article.text_of("st_1") == ev["evidence"]  # a new table with spans is highlighted too


# Pages that tell ----------------------------------------------------------------------------------


def test_a_persons_quotations_come_first_each_linked_to_its_words(site):
    quotes = pl.read_parquet(RELEASE / "quotes.parquet").filter(pl.col("speaker_id").is_not_null())
    people = pl.read_parquet(RELEASE / "people.parquet")
    for pid in quotes["speaker_id"].unique().sort():
        html = (site / "people" / f"{pid}.html").read_text(encoding="utf-8")
        mine = quotes.filter(pl.col("speaker_id") == pid)
        # Quotations before roles, mentions and the record.
        first = html.index('id="quotes-h"')
        assert all(first < html.index(h) for h in ('id="roles-h"', 'id="mentions-h"', 'id="prov-h"') if h in html), pid
        # One block quote per quote group, each article that reports it linked to a span of it.
        page = Page(html)
        groups = {g for g in mine["quote_group_id"].drop_nulls()}
        assert {a["id"][2:] for _, a in page.elements if a.get("class") == "quote-group"} >= groups
        links = {a["href"].split("#s-")[1] for tag, a in page.elements if tag == "a" and "#s-" in a.get("href", "")}
        for art in mine["article_id"].unique():
            assert set(mine.filter(pl.col("article_id") == art)["quote_id"]) & links, (pid, art)
    for row in people.iter_rows(named=True):
        html = (site / "people" / f"{row['person_id']}.html").read_text(encoding="utf-8")
        assert '["' not in html and ">False<" not in html and ">True<" not in html  # lists and booleans for people
        for alias in row["aliases"] or []:
            if alias != row["name"]:
                assert "Also called: " in html and alias in html


def test_disputes_are_shown_side_by_side_on_their_subjects_pages(site):
    disputes = pl.read_parquet(RELEASE / "disputes.parquet")
    assert disputes.height
    for (table, sid, fld), rows in disputes.group_by("subject_table", "subject_id", "field", maintain_order=True):
        html = (site / table / f"{sid}.html").read_text(encoding="utf-8")
        section = html[html.index(f"⚑ The {words.field(fld)}: articles disagree") :]
        section = section[: section.index("</section>")]
        assert len(re.findall(r'<div class="side(?: used)?">', section)) == rows.height, (sid, fld)
        assert section.count('<div class="side used') == rows["used"].sum()


def test_quotations_by_organisations_and_unnamed_speakers_have_their_own_colours(site):
    quotes = pl.read_parquet(RELEASE / "quotes.parquet")
    assert quotes["speaker_id"].null_count() and quotes["speaker_id"].drop_nulls().len()
    for aid in quotes["article_id"].unique():
        page = Page((site / "articles" / f"{aid}.html").read_text(encoding="utf-8"))
        classes = {a["data-row"]: a["class"].split() for t, a in page.elements if t == "mark" and "k-quote" in a.get("class", "")}
        for q in quotes.filter(pl.col("article_id") == aid).iter_rows(named=True):
            colour = [c for c in classes[q["quote_id"]] if c.startswith("spk-")]
            if q["speaker_id"]:
                assert colour and colour[0][4:].isdigit(), q["quote_id"]
            elif q.get("speaker_organisation"):
                assert colour and colour[0].startswith("spk-org-"), q["quote_id"]
            else:
                assert colour == ["spk-none"], q["quote_id"]


def test_article_pages_open_on_the_headline_and_the_text(site):
    for path in (site / "articles").glob("*.html"):
        if path.name == "index.html":
            continue
        html = path.read_text(encoding="utf-8")
        main = html[html.index("<main") :]
        # Nothing but the headline, a byline and the legend before the text; metadata folded after it.
        assert main.index('id="page-title"') < main.index('id="text"') < main.index("Source, dates and checksums")
        assert "<dl" not in main[: main.index('id="text"')] and "<table" not in main[: main.index('id="text"')]


def test_search_index_covers_quotations_people_events_and_measures(site):
    entries = read_index(site)
    kinds = {e[0] for e in entries}
    assert kinds == {"quotation", "person", "event", "measure"}
    quotes = pl.read_parquet(RELEASE / "quotes.parquet")
    assert sum(e[0] == "quotation" for e in entries) == quotes["quote_group_id"].n_unique()
    for kind, table in (("person", "people"), ("event", "events"), ("measure", "tariff_measures")):
        assert sum(e[0] == kind for e in entries) == pl.read_parquet(RELEASE / f"{table}.parquet").height
    pages = {p.relative_to(site).as_posix(): Page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    for e in entries:
        path, _, anchor = unquote(e[3]).partition("#")
        assert path in pages and (not anchor or anchor in pages[path].ids), e


def test_dates_and_values_in_words():
    d = dt.date
    assert words.when(d(2025, 10, 9), d(2025, 10, 9), "day") == "9 October 2025"
    assert words.when(d(2025, 10, 9), d(2025, 10, 10), "range") == "9–10 October 2025 (stated as a range of days)"
    assert words.when(d(2025, 10, 31), d(2025, 11, 1), "range") == "31 October – 1 November 2025 (stated as a range of days)"
    assert words.when(d(2025, 5, 1), d(2025, 5, 31), "month") == "May 2025 (some time in that month)"
    assert words.when(d(2025, 1, 1), d(2025, 12, 31), "year") == "2025 (some time in that year)"
    assert words.when(d(2024, 12, 30), d(2025, 1, 2), None) == "30 December 2024 – 2 January 2025"
    assert words.value(["Scott Bessent", "Bessent"]) == "Scott Bessent, Bessent"
    assert words.value(False) == "no" and words.value(100.0) == "100" and words.value(None) == ""
    assert words.field("announced_date") == "date announced" and words.field("speaker_organisation") == "speaker organisation"


def test_long_lists_are_cut_short_and_listed_in_full_in_the_tables(tmp_path, monkeypatch):
    from tradetalks.site import entities as site_entities

    monkeypatch.setattr(site_entities, "LIST_MAX", 2)
    out = render_site(RELEASE, tmp_path / "site", jobs=1).out_dir
    quotes = pl.read_parquet(RELEASE / "quotes.parquet").drop_nulls("speaker_id")
    pid = quotes.group_by("speaker_id").agg(pl.col("quote_group_id").n_unique()).sort("quote_group_id", descending=True)["speaker_id"][0]
    html = (out / "people" / f"{pid}.html").read_text(encoding="utf-8")
    assert html.count('<div class="quote-group"') == 2 and "more quotation groups" in html
    n = quotes.filter(pl.col("speaker_id") == pid).height
    assert f"Quotes ({n})" in html  # every quotation in the folded, paginated table


def test_the_site_writes_only_into_its_out_directory(tmp_path, monkeypatch):
    rel = copy_release(tmp_path / "rel")
    monkeypatch.chdir(tmp_path)

    def files() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(tmp_path)): (p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.rglob("*") if "site" not in p.relative_to(tmp_path).parts
        }

    before = files()
    render_site(rel, tmp_path / "site", jobs=2)
    assert files() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel", "site"]


def test_the_first_data_model_is_still_drawn(tmp_path):
    out = render_site(FIRST_RELEASE, tmp_path / "site", jobs=1).out_dir
    assert (out / "timeline.html").exists() and (out / "search-index.js").exists()
    assert len(list((out / "people").glob("*.html"))) > 5


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
