"""The release as a static site a journalist reads: article pages that open on the headline and the
text, every highlighted passage one click from its record; pages for people, events and measures
that tell rather than list; a timeline of the story; a search over quotations, people, events and
measures. Opens from disk (no server, no network).

    render_site(release_dir, out_dir, diff=None, progress=None) -> SiteResult

Reads a release directory (manifest.json + Parquet) through `site_data`; imports nothing of the
pipeline and writes nothing outside out_dir. `diff` is the JSON form of a release diff, computed by
the caller; `progress(step, done, total)` hears of each stage.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from tradetalks.site import data as sd
from tradetalks.site import entities as ent
from tradetalks.site import html as site_html
from tradetalks.site import search as site_search
from tradetalks.site import timeline as tl
from tradetalks.site import words
from tradetalks.site.article_text import highlight
from tradetalks.site.cards import Cards
from tradetalks.site.data import SiteError
from tradetalks.site.writer import HERE, Writer, env, fresh_dir, parallel

__all__ = ["SiteError", "SiteResult", "render_site"]

PAGE_ROWS = 200  # rows per listing page; longer lists continue on numbered pages
INDEX_ARTICLES, INDEX_PEOPLE = 12, 8  # the index lists the latest articles and the most quoted people
SECTION_ROWS = 100  # rows per table on an entity page (a person may have thousands of mentions)
N_SPEAKER_COLOURS = 8  # tints for people (site.css spk-0..7)
N_ORG_COLOURS = 3  # hatched tints for organisations (site.css spk-org-0..2)
# The legend's words for each kind of passage, in the order they are listed.
LEGEND = {
    "quote": "quotations",
    "event": "events",
    "measure": "tariffs and other measures",
    "claim": "claimed facts: dates, rates, roles",
    "mention": "people named",
    "row": "other records",
    "segment": "not the story (headers, repeated copy)",
}
SHOWN_FIRST = {"quote", "event", "measure", "row", "segment"}  # claims and people named: ticked by the reader

Progress = Callable[[str, int, int], None]


@dataclass
class SiteResult:
    out_dir: Path
    pages: int
    articles: int
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage


def render_site(release_dir: Path, out_dir: Path, diff: dict | None = None, jobs: int | None = None, progress: Progress | None = None) -> SiteResult:
    """Write the site of the release in release_dir to out_dir (replacing an earlier site there).

    Article and entity pages are written by `jobs` processes (default: up to 2, the CPUs there are)
    when there are many of them."""
    say = progress or (lambda step, done, total: None)
    clock, seconds = time.perf_counter(), {}

    def lap(stage: str, done: int) -> None:
        nonlocal clock
        seconds[stage] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()
        say(f"{stage} done", done, 5)

    # Load inputs.
    say("reading the release", 0, 5)
    rel = sd.load_release(Path(release_dir))
    ctx = ent.context(rel)
    items = sd.timeline_items(rel)
    timeline = tl.layout(items) if items else None  # adds each item's date in words and its links
    ctx.timeline = items  # listings and the search index show those dates
    glance = sd.coverage(rel, items)
    jobs = jobs or min(2, os.cpu_count() or 1)
    lap("load", 1)

    # Process and save.
    out = fresh_dir(Path(out_dir))
    w = Writer(out, env(rel), rel)
    for name in ("site.css", "site.js"):
        shutil.copyfile(HERE / "static" / name, out / name)
    by_article = sd.article_rows(rel)
    speakers = _speaker_classes(rel)
    w.ctx.update(
        by_article=by_article,
        speakers=speakers,
        cards=Cards(rel, w.cells, speakers, ctx.disputed),
        ent=ctx,
        n_rows={a: len(r) for a, r in by_article.items()},
        articles={a["article_id"]: a for a in rel.tables["articles"].to_dicts()} if "articles" in rel.tables else {},
    )
    say("article pages", 1, 5)
    articles = _articles(w, rel, jobs)
    lap("articles", 2)
    say("people, events and measures", 2, 5)
    _entities(w, rel, jobs)
    w.ctx.clear()
    lap("entities", 3)
    say("timeline", 3, 5)
    if timeline is not None:
        drawing = tl.svg(timeline)
        (out / "timeline.svg").write_text(drawing, encoding="utf-8")
        (out / "timeline.png").write_bytes(_png(drawing))
    w.page(
        "timeline.html",
        "timeline.html",
        title="Timeline",
        t=timeline,
        n_items=len(items),
        story_words=words.span(*timeline.window) if timeline else "",
        lanes=[("Dated to the day or the week", timeline.story, ""), ("Vague dates: a month or longer, drawn faint", timeline.vague, "vague")]
        if timeline
        else [],
    )
    lap("timeline", 4)
    say("search and index", 4, 5)
    entries = site_search.index(ctx)
    (out / "search-index.js").write_text(site_search.script(entries), encoding="utf-8")
    w.page("search.html", "search.html", title="Find", n=len(entries))
    w.page(
        "index.html",
        "index.html",
        title=f"tradetalks {rel.version}",
        glance=glance,
        articles=articles[:INDEX_ARTICLES],
        quoted=sorted(((len(qs), rel.name("people", p), p) for p, qs in ctx.quotes_by_speaker.items()), key=lambda t: (-t[0], t[1]))[:INDEX_PEOPLE],
        diff=diff,
        story_words=words.span(*timeline.window) if timeline else "",
        entity_tables=[(t, sd.noun(t), len(rel.rows[t])) for t in sd.entity_tables(rel)],
    )
    lap("search and index", 5)
    return SiteResult(out, w.n, len(articles), seconds)


def _png(svg: str) -> bytes:
    import vl_convert as vlc  # rasterises an SVG offline (resvg); imported only when a timeline is drawn

    return bytes(vlc.svg_to_png(svg, scale=1.5))


# Pages -------------------------------------------------------------------------------------------


def _articles(w: Writer, rel: sd.Release, jobs: int) -> list[dict]:
    arts = rel.tables.get("articles")
    if arts is None:
        return []
    ids = sorted(arts["article_id"].to_list())
    parallel(w, _article_pages, ids, jobs)
    counts = w.ctx["n_rows"]
    listing = []
    for aid in ids:
        art = w.ctx["articles"][aid]
        listing.append({"id": aid, "title": ent.article_title(art), "outlet": _outlet(art), "date": _published(art), "n_rows": counts.get(aid, 0)})
    listing.sort(key=lambda r: (r["date"] is None, str(r["date"] or ""), r["id"]))
    for r in listing:
        r["date"] = r["date"][1] if r["date"] else None
    columns = [("title", "article"), ("outlet", "outlet or wire"), ("date", "published"), ("n_rows", "highlighted passages")]
    _listing(w, "articles", "Articles", listing, columns)
    return listing


def _outlet(art: dict) -> str | None:
    return art.get("outlet") or (f"{art['wire_service']} (wire)" if art.get("wire_service") else None)


def _published(art: dict) -> tuple[str, str] | None:
    """(sortable, in words) of an article's publication date, or of the date its text is read against."""
    for col, label in (("published_date", ""), ("reference_date", "date not stated; about ")):
        d = art.get(col)
        if isinstance(d, dt.date):
            end = art.get(f"{col}_end")
            return d.isoformat(), label + words.when(d, end if isinstance(end, dt.date) else d, art.get(f"{col}_precision"))
    return None


def _article_pages(w: Writer, ids: list[str]) -> None:
    rel, cards, by_article, speakers = w.rel, w.ctx["cards"], w.ctx["by_article"], w.ctx["speakers"]
    arts = w.ctx["articles"]
    for aid in ids:
        art = arts[aid]
        rows = by_article.get(aid, [])
        spans = sd.spans_of(rel, art, rows)
        marked = highlight(art.get("text") or "", spans, speakers)
        present = {s.kind for s in spans}
        quoted = Counter(sd.speaker_key(row) for table, row in rows if sd.span_kind(table, row) == "quote")
        key = _speaker_key(rel, rows, quoted, speakers)
        blocks = [cards.card(table, row, sd.span_kind(table, row)) for table, row in rows]
        published = _published(art)
        authors = [rel.name("people", a) for a in art.get("authors") or []]
        byline = [x for x in (_outlet(art), published[1] if published else None, f"by {', '.join(authors)}" if authors else None) if x]
        byline.append(f"{words.plural(len(rows), 'highlighted passage')}")
        w.page(
            f"articles/{sd.safe_name(aid)}.html",
            "article.html",
            title=ent.article_title(art) if art.get("title") else f"Article {aid} (no headline recorded)",
            art=art,
            byline=byline,
            meta=w.cells.fields(art, {"text", "segments", "notes", "title", "article_id"}),
            marked=marked,
            kinds=[(k, LEGEND[k], k in SHOWN_FIRST) for k in LEGEND if k in present],
            speakers=quoted,
            speaker_key=key,
            n_rows=len(rows),
            rows_html=Markup("".join(blocks)),
            segments=art.get("segments") or [],
        )


def _speaker_key(rel: sd.Release, rows: list, quoted: Counter, speakers: dict[str, str]) -> Markup:
    """Who is quoted in an article, each with the colour of their quotations, most quoted first."""
    names = {}
    for table, row in rows:
        if table == "quotes":
            names[sd.speaker_key(row)] = sd.speaker_name(rel, row)
    items = []
    for k, n in sorted(quoted.items(), key=lambda kv: (-kv[1], names.get(kv[0], ""))):
        kind = {"p": "", "o": " (an organisation)", "u": ""}[k[0]]
        items.append(
            f'<li><span class="swatch k-quote {escape(speakers.get(k, ""))}" aria-hidden="true"></span>'
            f"{escape(names.get(k, ''), quote=False)}{kind}: {words.plural(n, 'quotation')}</li>"
        )
    return Markup(f'<h3>Who is quoted here</h3><ul class="speakers">{"".join(items)}</ul>')


def _entities(w: Writer, rel: sd.Release, jobs: int) -> None:
    for table in sd.entity_tables(rel):
        ids = sorted(rel.rows[table])
        parallel(w, _entity_pages, [(table, i) for i in ids], jobs)
        rows = rel.rows[table]
        if table == "people":
            listing: list[dict[str, Any]] = [
                {"id": i, "name": rel.name(table, i), "role": _first_role(rows[i]), "n_articles": rows[i].get("n_articles")} for i in ids
            ]
            listing.sort(key=lambda r: (-(r["n_articles"] or 0), r["name"]))
            columns = [("name", "name"), ("role", "role as first stated"), ("n_articles", "articles")]
        else:
            dates: dict[str, tuple[str, str]] = {}
            for it in w.ctx["ent"].timeline:
                if it["table"] == table:
                    dates.setdefault(it["id"], (it["start"], it["when"]))
            listing = [
                {
                    "id": i,
                    "name": rel.name(table, i),
                    "when": dates.get(i, ("", None))[1],
                    "sort": dates.get(i, ("9999", None))[0],
                    "n_articles": rows[i].get("n_articles"),
                    "disputed": rows[i].get("disputed"),
                }
                for i in ids
            ]
            listing.sort(key=lambda r: (r["sort"], r["name"]))
            columns = [("name", sd.noun(table)), ("when", "when"), ("n_articles", "articles"), ("disputed", "disputed")]
        _listing(w, table, "People" if table == "people" else f"{sd.noun(table).capitalize()}s", listing, columns)


def _first_role(row: dict) -> str | None:
    for r in row.get("roles") or []:
        if isinstance(r, dict) and r.get("role"):
            return str(r["role"]) + (f", {r['organisation']}" if r.get("organisation") else "")
    return None


# Sections every entity page folds away under "Details and provenance": rows the page does not tell.
TOLD_SECTIONS = {"people": {"quotes", "mentions", "claims", "roles"}, "events": {"evidence", "claims", "disputes", "measure_events"}}
TOLD_SECTIONS["tariff_measures"] = TOLD_SECTIONS["events"] | {"measure_steps"}


def _entity_pages(w: Writer, keys: list[tuple[str, str]]) -> None:
    rel, ctx = w.rel, w.ctx["ent"]
    for table, row_id in keys:
        row = rel.rows[table][row_id]
        base = f"{table}/{sd.safe_name(row_id)}"
        hot = ctx.disputed.get((table, row_id), set())
        model = ent.person(ctx, row_id) if table == "people" else ent.happening(ctx, table, row_id) if table in ("events", "tariff_measures") else {}
        told = TOLD_SECTIONS.get(table, set()) - model.get("cut", set())  # what a page cuts short, its tables list in full
        sections = sorted((name, rows) for name, rows in ctx.related.get((table, row_id), {}).items() if name not in told)
        views = [_section(w, base, name, rows, {rel.keys[table], "subject_table", "subject_id"}, hot) for name, rows in sections]
        common = {"title": rel.name(table, row_id), "table": table, "row_id": row_id, "sections": views}
        if table == "people":
            w.page(f"{base}.html", "person.html", p=model, **common)
        elif table in ("events", "tariff_measures"):
            participants = [(p, rel.name("people", p), w.cells.page("people", p)) for p in row.get("participants") or []]
            w.page(f"{base}.html", "happening.html", h=model, participants=participants, **common)
        else:
            w.page(f"{base}.html", "entity.html", noun=sd.noun(table), details=ent.details(row, {rel.keys[table]}), **common)


def _listing(w: Writer, folder: str, title: str, rows: list[dict], columns: list[tuple[str, str]]) -> None:
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    for p in range(pages):
        chunk = rows[p * PAGE_ROWS : (p + 1) * PAGE_ROWS]
        w.page(
            f"{folder}/{_page_name('index', p)}",
            "listing.html",
            title=title,
            rows=chunk,
            columns=columns,
            entries=[(r, f"{folder}/{quote(sd.safe_name(r['id']))}.html") for r in chunk],
            pager=_pager(f"{folder}/index", p, pages),
            total=len(rows),
        )


def _section(w: Writer, base: str, name: str, rows: list[dict], skip: set[str], disputed: set[str]) -> dict:
    """A table of related rows: the first page inline, the rest on `<base>--<name>-<n>.html`."""
    columns = [c for c in (rows[0].keys() if rows else []) if c not in skip]
    table = name if name in w.rel.tables else ("evidence" if name in ("mentions", "claims", "evidence") else "")
    pages = max(1, -(-len(rows) // SECTION_ROWS))
    stem = f"{base}--{sd.safe_name(name)}"
    first = None
    for p in range(pages):
        chunk = rows[p * SECTION_ROWS : (p + 1) * SECTION_ROWS]
        caption = f"{name} ({len(rows)} row{'' if len(rows) == 1 else 's'})" + (f", page {p + 1} of {pages}" if pages > 1 else "")
        html = site_html.table(caption, columns, w.cells.table_rows(table, chunk, columns, disputed))
        pager = _pager(stem, p, pages, first=f"{base}.html")
        if p == 0:
            first = {"name": name, "html": html, "pager": pager, "n": len(rows)}
        else:
            w.page(f"{stem}-{p + 1}.html", "section.html", title=f"{name} of {base.rsplit('/', 1)[-1]}", html=html, back=f"{base}.html", pager=pager)
    return first or {"name": name, "html": Markup(""), "pager": [], "n": 0}


def _speaker_classes(rel: sd.Release) -> dict[str, str]:
    """A colour class per speaker key (sd.speaker_key): people in order of how often they are quoted
    (ties by id), organisations likewise from their own hatched tints, nobody named grey."""
    q = rel.tables.get("quotes")
    if q is None:
        return {}
    keys = Counter(sd.speaker_key(r) for r in q.select([c for c in ("speaker_id", "speaker_organisation") if c in q.columns]).to_dicts())
    ranked = sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))
    people = [k for k, _ in ranked if k.startswith("p:")]
    orgs = [k for k, _ in ranked if k.startswith("o:")]
    out = {k: f"spk-{i % N_SPEAKER_COLOURS}" for i, k in enumerate(people)}
    out.update({k: f"spk-org-{i % N_ORG_COLOURS}" for i, k in enumerate(orgs)})
    out["u:"] = "spk-none"
    return out


def _page_name(stem: str, p: int) -> str:
    return f"{stem}.html" if p == 0 else f"{stem}-{p + 1}.html"


def _pager(stem: str, p: int, pages: int, first: str | None = None) -> list[tuple[int, str, bool]]:
    if pages <= 1:
        return []
    return [(k + 1, first if (k == 0 and first) else _page_name(stem, k), k == p) for k in range(pages)]
