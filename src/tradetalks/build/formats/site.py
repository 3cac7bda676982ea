"""The release as a static site: article pages with every row's span highlighted, entity pages,
a timeline, and the release at a glance. Opens from disk (no server, no network).

    render_site(release_dir, out_dir, diff=None) -> SiteResult

Reads a release directory (manifest.json + Parquet) through `site_data`; imports nothing of the
pipeline. `diff` is the JSON form of a release diff, computed by the caller.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tradetalks.build.formats import site_data as sd
from tradetalks.build.formats import site_html
from tradetalks.build.formats.site_data import SiteError
from tradetalks.build.formats.site_html import PROVENANCE
from tradetalks.build.formats.site_text import highlight
from tradetalks.build.formats.site_timeline import evidence_href
from tradetalks.build.formats.site_timeline import render as render_timeline

HERE = Path(__file__).parent
MARKER = ".tradetalks-site"
PAGE_ROWS = 200  # rows per listing page; longer lists continue on numbered pages
SECTION_ROWS = 100  # rows per table on an entity page (a person may have thousands of mentions)
N_SPEAKER_COLOURS = 8
LEGEND = {
    "segment": "not body (boilerplate, duplicated copy, header, caption, byline): greyed",
    "quote": "quotation, coloured by speaker; solid underline",
    "event": "event evidence; dashed underline",
    "measure": "measure evidence; double underline",
    "claim": "a claimed value (a date, a rate, a role); wavy underline",
    "mention": "mention of a person; dotted underline",
    "row": "a row of another table; boxed",
}


@dataclass
class SiteResult:
    out_dir: Path
    pages: int
    articles: int
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage


def render_site(
    release_dir: Path, out_dir: Path, diff: dict | None = None, jobs: int | None = None, progress: Callable[[str], None] | None = None
) -> SiteResult:
    """Write the site of the release in release_dir to out_dir (replacing an earlier site there).

    Article and entity pages are written by `jobs` processes (default: up to 2, the CPUs there are).
    `progress(stage)` is called as each stage ends."""
    # Load inputs.
    clock, seconds = time.perf_counter(), {}

    def lap(stage: str) -> None:
        nonlocal clock
        seconds[stage] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()
        if progress is not None:
            progress(f"{stage} done ({seconds[stage]:.2f} s)")

    rel = sd.load_release(Path(release_dir))
    items = sd.timeline_items(rel)
    glance = sd.coverage(rel, items)
    jobs = jobs or min(2, os.cpu_count() or 1)
    lap("load")

    # Process and save.
    out = _fresh_dir(Path(out_dir))
    w = _Writer(out, _env(rel), rel)
    for name in ("site.css", "site.js"):
        shutil.copyfile(HERE / "site_static" / name, out / name)
    by_article = sd.article_rows(rel)
    arts = rel.tables.get("articles")
    w.ctx.update(
        by_article=by_article,
        speakers=_speaker_classes(rel),
        n_rows={a: len(r) for a, r in by_article.items()},
        articles={a["article_id"]: a for a in arts.to_dicts()} if arts is not None else {},
    )
    n_articles = _articles(w, rel, jobs)
    w.ctx.clear()
    lap("articles")
    dates: dict[tuple[str, str], list[dict]] = {}
    for it in items:
        dates.setdefault((it["table"], it["id"]), []).append(it)
    w.ctx.update(related=sd.related(rel), disputed=sd.disputed_fields(rel), dates=dates)
    _entities(w, rel, jobs)
    w.ctx.clear()
    lap("entities")
    svg, png, spec = render_timeline(items) if items else ("", b"", {})
    if items:
        (out / "timeline.svg").write_text(svg, encoding="utf-8")
        (out / "timeline.png").write_bytes(png)
        (out / "timeline.vl.json").write_text(json.dumps(spec, indent=1, sort_keys=True, default=str), encoding="utf-8")
    # vl-convert writes every data string into the SVG as escaped XML text (a test checks it).
    w.page(
        "timeline.html",
        "timeline.html",
        title="Timeline",
        svg=Markup(svg),
        items=items,
        n_disputed=sum(i["disputed"] for i in items),
        hrefs=[evidence_href(i) for i in items],
    )
    w.page(
        "index.html",
        "index.html",
        title=f"tradetalks {rel.version}",
        glance=glance,
        diff=diff,
        entity_tables=[(t, sd.noun(t), len(rel.rows[t])) for t in sd.entity_tables(rel)],
    )
    lap("timeline and index")
    return SiteResult(out, w.n, n_articles, seconds)


# Pages -------------------------------------------------------------------------------------------


def _articles(w: _Writer, rel: sd.Release, jobs: int) -> int:
    arts = rel.tables.get("articles")
    if arts is None:
        return 0
    ids = sorted(arts["article_id"].to_list())
    _parallel(w, _article_pages, ids, jobs)
    listing = (
        arts.sort("article_id")
        .select(
            pl.col("article_id").alias("id"),
            pl.col("title") if "title" in arts.columns else pl.lit(None).alias("title"),
            pl.coalesce(*[pl.col(c) for c in ("outlet", "wire_service") if c in arts.columns], pl.lit(None)).alias("outlet"),
            pl.coalesce(*[pl.col(c) for c in ("published_date", "reference_date") if c in arts.columns], pl.lit(None)).alias("date"),
        )
        .to_dicts()
    )
    counts = w.ctx["n_rows"]
    for r in listing:
        r["n_rows"] = counts.get(r["id"], 0)
    _listing(w, "articles", "Articles", listing, ["id", "title", "outlet", "date", "n_rows"])
    return len(listing)


def _article_pages(w: _Writer, ids: list[str]) -> None:
    rel, cells, by_article, speakers = w.rel, w.cells, w.ctx["by_article"], w.ctx["speakers"]
    arts = w.ctx["articles"]
    for aid in ids:
        art = arts[aid]
        rows = by_article.get(aid, [])
        spans = sd.spans_of(rel, art, rows)
        marked = highlight(art.get("text") or "", spans, speakers)
        kinds = sorted({s.kind for s in spans}, key=sd.KIND_ORDER.index)
        legend_speakers = sorted({(s.group, s.label.split(" — ", 1)[-1]) for s in spans if s.kind == "quote" and s.group in speakers}, key=lambda g: g[1])
        blocks = []
        for table, row in rows:
            kind = sd.span_kind(table, row)
            blocks.append(cells.row_block(table, row, kind, sd.span_label(rel, table, row, kind)))
        w.page(
            f"articles/{sd.safe_name(aid)}.html",
            "article.html",
            title=art.get("title") or aid,
            art=art,
            meta=cells.fields(art, {"text", "segments", "notes", *PROVENANCE}),
            marked=marked,
            kinds=kinds,
            speakers=[(g, label, speakers[g]) for g, label in legend_speakers],
            n_rows=len(rows),
            rows_html=Markup("".join(blocks)),
            segments=art.get("segments") or [],
        )


def _entities(w: _Writer, rel: sd.Release, jobs: int) -> None:
    for table in sd.entity_tables(rel):
        ids = sorted(rel.rows[table])
        _parallel(w, _entity_pages, [(table, i) for i in ids], jobs)
        listing = [
            {"id": i, "name": rel.name(table, i), "n_articles": rel.rows[table][i].get("n_articles"), "disputed": rel.rows[table][i].get("disputed")}
            for i in ids
        ]
        _listing(w, table, "People" if table == "people" else f"{sd.noun(table).capitalize()}s", listing, ["id", "name", "n_articles", "disputed"])


def _entity_pages(w: _Writer, keys: list[tuple[str, str]]) -> None:
    rel, cells, related, disputed, dates = w.rel, w.cells, w.ctx["related"], w.ctx["disputed"], w.ctx["dates"]
    for table, row_id in keys:
        row = rel.rows[table][row_id]
        base = f"{table}/{sd.safe_name(row_id)}"
        hot = disputed.get((table, row_id), set())
        sections = []
        for col, value in sorted(row.items()):  # lists of per-article structs, e.g. roles as stated
            if isinstance(value, list) and value and isinstance(value[0], dict) and "article_id" in value[0]:
                sections.append((col, value))
        sections += sorted(related.get((table, row_id), {}).items())
        views = [_section(w, base, name, rows, {rel.keys[table], "subject_table", "subject_id"}, hot) for name, rows in sections]
        w.page(
            f"{base}.html",
            "entity.html",
            title=rel.name(table, row_id),
            table=table,
            noun=sd.noun(table),
            row_id=row_id,
            fields=cells.fields(row, {c for c, _ in sections} | set(PROVENANCE)),
            provenance=cells.provenance(row),
            sections=views,
            dates=dates.get((table, row_id), []),
            disputed=sorted(hot),
        )


def _listing(w: _Writer, folder: str, title: str, rows: list[dict], columns: list[str]) -> None:
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


def _section(w: _Writer, base: str, name: str, rows: list[dict], skip: set[str], disputed: set[str]) -> dict:
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
            first = {"name": name, "html": html, "pager": pager}
        else:
            w.page(f"{stem}-{p + 1}.html", "section.html", title=f"{name} of {base.rsplit('/', 1)[-1]}", html=html, back=f"{base}.html", pager=pager)
    return first or {"name": name, "html": Markup(""), "pager": []}


def _parallel(w: _Writer, fn, items: list, jobs: int) -> None:
    """Run fn(w, chunk) over items, in `jobs` forked processes when there are enough items."""
    if jobs <= 1 or len(items) < 50 or "fork" not in mp.get_all_start_methods():
        fn(w, items)
        return
    global _FORKED
    _FORKED = (w, fn)
    chunks = [items[k::jobs] for k in range(jobs)]
    with mp.get_context("fork").Pool(jobs) as pool:
        w.n += sum(pool.map(_run_forked, chunks))
    _FORKED = None


_FORKED: tuple[_Writer, Callable[[_Writer, list], object]] | None = None  # set by _parallel before it forks


def _run_forked(chunk: list) -> int:
    if _FORKED is None:
        raise RuntimeError("_run_forked runs only in a worker forked by _parallel, which sets _FORKED first")
    w, fn = _FORKED
    w.n = 0  # pages written by this worker; the parent adds them up
    fn(w, chunk)
    return w.n


def _speaker_classes(rel: sd.Release) -> dict[str, str]:
    """A colour class per speaker, in order of how often they are quoted (ties by id)."""
    q = rel.tables.get("quotes")
    if q is None:
        return {}
    col = "speaker_id" if "speaker_id" in q.columns else None
    if col is None:
        return {}
    counts = q.filter(q[col].is_not_null()).group_by(col).len().sort(["len", col], descending=[True, False])
    return {sid: f"spk-{i % N_SPEAKER_COLOURS}" for i, sid in enumerate(counts[col].to_list())}


def _page_name(stem: str, p: int) -> str:
    return f"{stem}.html" if p == 0 else f"{stem}-{p + 1}.html"


def _pager(stem: str, p: int, pages: int, first: str | None = None) -> list[tuple[int, str, bool]]:
    if pages <= 1:
        return []
    return [(k + 1, first if (k == 0 and first) else _page_name(stem, k), k == p) for k in range(pages)]


# Writing -----------------------------------------------------------------------------------------


class _Writer:
    """Renders templates into files; knows each page's depth to make relative links."""

    def __init__(self, out: Path, env: Environment, rel: sd.Release):
        self.out, self.env, self.rel, self.n = out, env, rel, 0
        self.cells = site_html.Cells(rel)
        self.ctx: dict = {}  # what the pages being written share (forked workers inherit it)
        self.templates: dict = {}
        self.dirs: set[Path] = set()

    def page(self, path: str, template: str, **context) -> None:
        if template not in self.templates:
            self.templates[template] = self.env.get_template(template)
        html = self.templates[template].render(root="../" * path.count("/"), version=self.rel.version, **context)
        target = self.out / path
        if target.parent not in self.dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(target.parent)
        target.write_text(html, encoding="utf-8")
        self.n += 1


def _env(rel: sd.Release) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "site_templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["file"] = sd.safe_name
    ents = sd.entity_tables(rel)
    env.globals.update(nav=[(t, "People" if t == "people" else f"{sd.noun(t).capitalize()}s") for t in ents], entity_names=set(ents), legend_text=LEGEND)
    return env


def _fresh_dir(out: Path) -> Path:
    """out, emptied if it holds an earlier site; refused if it holds anything else."""
    if out.exists():
        if not out.is_dir():
            raise SiteError(f"{out}: expected a directory for the site, found a file; pass another --out")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SiteError(f"{out}: the directory is not empty and holds no earlier site ({MARKER}); pass an empty or new --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by `tradetalks site`; the whole directory is replaced on the next run\n", encoding="utf-8")
    return out
