"""The release as a static site: article pages with every row's span highlighted, entity pages,
a timeline, and the release at a glance. Opens from disk (no server, no network).

    render_site(release_dir, out_dir, diff=None) -> SiteResult

Reads a release directory (manifest.json + Parquet) through `site_data`; imports nothing of the
pipeline. `diff` is the JSON form of a release diff, computed by the caller.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from tradetalks.build.formats import site_data as sd
from tradetalks.build.formats.site_text import highlight
from tradetalks.build.formats.site_timeline import evidence_href
from tradetalks.build.formats.site_timeline import render as render_timeline

HERE = Path(__file__).parent
MARKER = ".tradetalks-site"
PAGE_ROWS = 200  # rows per listing page; longer lists continue on numbered pages
N_SPEAKER_COLOURS = 8
PROVENANCE = ("article_id", "char_start", "char_end", "evidence", "method")
LEGEND = {
    "segment": "not body (boilerplate, duplicated copy, header, caption, byline): greyed",
    "quote": "quotation, coloured by speaker; solid underline",
    "event": "event evidence; dashed underline",
    "measure": "measure evidence; double underline",
    "claim": "a claimed value (a date, a rate, a role); wavy underline",
    "mention": "mention of a person; dotted underline",
    "row": "a row of another table; boxed",
}
MAX_CELL = 400  # characters of a long value shown in a table cell (the full value is on the row's page)


@dataclass
class SiteResult:
    out_dir: Path
    pages: int
    articles: int


class SiteError(Exception):
    """The site cannot be written where asked."""


def render_site(release_dir: Path, out_dir: Path, diff: dict | None = None) -> SiteResult:
    """Write the site of the release in release_dir to out_dir (replacing an earlier site there)."""
    # Load inputs.
    rel = sd.load_release(Path(release_dir))
    items = sd.timeline_items(rel)
    glance = sd.coverage(rel, items)

    # Process and save.
    out = _fresh_dir(Path(out_dir))
    env = _env()
    ents = sd.entity_tables(rel)
    env.globals.update(nav=[(t, "People" if t == "people" else f"{sd.noun(t).capitalize()}s") for t in ents],
                       entity_names=set(ents), legend_text=LEGEND)
    w = _Writer(out, env, rel)
    for name in ("site.css", "site.js"):
        shutil.copyfile(HERE / "site_static" / name, out / name)
    n_articles = _articles(w, rel)
    _entities(w, rel, items)
    svg, png, spec = render_timeline(items) if items else ("", b"", {})
    if items:
        (out / "timeline.svg").write_text(svg, encoding="utf-8")
        (out / "timeline.png").write_bytes(png)
        (out / "timeline.vl.json").write_text(json.dumps(spec, indent=1, sort_keys=True, default=str), encoding="utf-8")
    w.page("timeline.html", "timeline.html", title="Timeline", svg=svg, items=items, n_disputed=sum(i["disputed"] for i in items),
           hrefs=[evidence_href(i) for i in items])
    w.page("index.html", "index.html", title=f"tradetalks {rel.version}", glance=glance, diff=diff,
           entity_tables=[(t, sd.noun(t), len(rel.rows[t])) for t in sd.entity_tables(rel)])
    return SiteResult(out, w.n, n_articles)


# Pages -------------------------------------------------------------------------------------------

def _articles(w: _Writer, rel: sd.Release) -> int:
    arts = rel.tables.get("articles")
    if arts is None:
        return 0
    by_article = sd.article_rows(rel)
    speakers = _speaker_classes(rel)
    listing = []
    for art in arts.sort("article_id").to_dicts():
        aid = art["article_id"]
        rows = by_article.get(aid, [])
        spans = sd.spans_of(rel, art, rows)
        marked = highlight(art.get("text") or "", spans, speakers)
        kinds = sorted({s.kind for s in spans}, key=sd.KIND_ORDER.index)
        legend_speakers = sorted({(s.group, s.label.split(" — ", 1)[-1]) for s in spans if s.kind == "quote" and s.group in speakers},
                                 key=lambda g: g[1])
        w.page(f"articles/{sd.safe_name(aid)}.html", "article.html", title=art.get("title") or aid, art=art,
               meta=_fields(w, rel, "articles", art, skip={"text", "segments", "notes", *PROVENANCE}),
               marked=marked, kinds=kinds, speakers=[(g, label, speakers[g]) for g, label in legend_speakers],
               rows=[_row_view(w, rel, table, row) for table, row in rows], segments=art.get("segments") or [])
        listing.append({"id": aid, "title": art.get("title"), "outlet": art.get("outlet") or art.get("wire_service"),
                        "date": art.get("published_date") or art.get("reference_date"), "n_rows": len(rows)})
    _listing(w, "articles", "Articles", listing, ["id", "title", "outlet", "date", "n_rows"],
             lambda r: f"{sd.safe_name(r['id'])}.html")
    return len(listing)


def _entities(w: _Writer, rel: sd.Release, items: list[dict]) -> None:
    related = sd.related(rel)
    disputed = sd.disputed_fields(rel)
    dates: dict[tuple[str, str], list[dict]] = {}
    for it in items:
        dates.setdefault((it["table"], it["id"]), []).append(it)
    for table in sd.entity_tables(rel):
        key = rel.keys[table]
        listing = []
        for row_id, row in sorted(rel.rows[table].items()):
            base = f"{table}/{sd.safe_name(row_id)}"
            sections = []
            for col, value in sorted(row.items()):  # lists of per-article structs: roles as stated
                if isinstance(value, list) and value and isinstance(value[0], dict) and "article_id" in value[0]:
                    sections.append((col, value))
            sections += sorted(related.get((table, row_id), {}).items())
            views = [_section(w, rel, base, name, rows, skip={key, "subject_table", "subject_id"},
                              disputed=disputed.get((table, row_id), set())) for name, rows in sections]
            w.page(f"{base}.html", "entity.html", title=rel.name(table, row_id), table=table, noun=sd.noun(table), row_id=row_id,
                   fields=_fields(w, rel, table, row, skip={c for c, _ in sections} | set(PROVENANCE)),
                   provenance=_provenance(w, rel, table, row), sections=views,
                   dates=dates.get((table, row_id), []), disputed=sorted(disputed.get((table, row_id), set())))
            listing.append({"id": row_id, "name": rel.name(table, row_id), "n_articles": row.get("n_articles"),
                            "disputed": row.get("disputed")})
        _listing(w, table, sd.noun(table).capitalize() + "s" if table != "people" else "People", listing,
                 ["id", "name", "n_articles", "disputed"], lambda r: f"{sd.safe_name(r['id'])}.html")


def _listing(w: _Writer, folder: str, title: str, rows: list[dict], columns: list[str], href) -> None:
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    for p in range(pages):
        chunk = rows[p * PAGE_ROWS:(p + 1) * PAGE_ROWS]
        w.page(f"{folder}/{_page_name('index', p)}", "listing.html", title=title, rows=chunk, columns=columns,
               entries=[(r, f"{folder}/{href(r)}") for r in chunk], pager=_pager(f"{folder}/index", p, pages), total=len(rows))


def _section(w: _Writer, rel: sd.Release, base: str, name: str, rows: list[dict], skip: set[str], disputed: set[str]) -> dict:
    """A table of related rows: the first page inline, the rest on `<base>--<name>-<n>.html`."""
    columns = [c for c in (rows[0].keys() if rows else []) if c not in skip]
    table = name if name in rel.tables else ""
    key = rel.keys.get(table, "")
    view_rows = []
    for r in rows:
        cells = []
        for c in columns:
            if c == "evidence" and r.get("article_id") is not None and key and r.get(key):
                cells.append([(_short(r[c]), w.href(f"articles/{sd.safe_name(r['article_id'])}.html", f"s-{r[key]}"))])
            else:
                cells.append(_value(w, rel, c, r))
        hot = r.get("claim_field") in disputed
        view_rows.append({"cells": cells, "disputed": hot})
    pages = max(1, -(-len(view_rows) // PAGE_ROWS))
    stem = f"{base}--{sd.safe_name(name)}"
    for p in range(1, pages):
        w.page(f"{stem}-{p + 1}.html", "section.html", title=f"{name} of {base.rsplit('/', 1)[-1]}",
               section={"name": name, "columns": columns, "rows": view_rows[p * PAGE_ROWS:(p + 1) * PAGE_ROWS], "total": len(rows)},
               back=f"{base}.html", pager=_pager(stem, p, pages, first=f"{base}.html"))
    return {"name": name, "columns": columns, "rows": view_rows[:PAGE_ROWS], "total": len(rows),
            "pager": _pager(stem, 0, pages, first=f"{base}.html")}


def _row_view(w: _Writer, rel: sd.Release, table: str, row: dict) -> dict:
    kind = sd.span_kind(table, row)
    return {"id": str(row[rel.keys[table]]), "table": table, "kind": kind, "label": sd.span_label(rel, table, row, kind),
            "fields": _fields(w, rel, table, row, skip=set(PROVENANCE)), "provenance": _provenance(w, rel, table, row)}


def _fields(w: _Writer, rel: sd.Release, table: str, row: dict, skip: set[str]) -> list[tuple[str, list]]:
    return [(c, _value(w, rel, c, row)) for c in row if c not in skip and row[c] is not None and row[c] != []]


def _provenance(w: _Writer, rel: sd.Release, table: str, row: dict) -> list[tuple[str, list]]:
    return [(c, _value(w, rel, c, row)) for c in PROVENANCE if c in row]


def _value(w: _Writer, rel: sd.Release, column: str, row: dict) -> list[tuple[str, str | None]]:
    """A cell as [(text, href or None)]: links for foreign keys, plain text otherwise."""
    v = row.get(column)
    target = sd.link_target(column, row)
    if v is None:
        return [("", None)]
    if target and (target == "articles" or target in rel.rows):
        vs = v if isinstance(v, list) else [v]
        return [(rel.name(target, x) if target != "articles" else str(x),
                 w.href(f"{target}/{sd.safe_name(str(x))}.html") if target == "articles" or x in rel.rows[target] else None) for x in vs]
    if isinstance(v, (list, dict)):
        return [(_short(json.dumps(v, ensure_ascii=False, default=str)), None)]
    if isinstance(v, (dt.date, dt.datetime)):
        return [(v.isoformat(), None)]
    return [(_short(str(v)), None)]


def _short(s: str) -> str:
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"


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
        self.templates = {}

    def href(self, path: str, fragment: str | None = None) -> str:
        """A link to `path`, relative to the site root (pages prefix it with their `root`)."""
        return quote(path) + (f"#{quote(fragment, safe='')}" if fragment else "")

    def page(self, path: str, template: str, **context) -> None:
        if template not in self.templates:
            self.templates[template] = self.env.get_template(template)
        html = self.templates[template].render(root="../" * path.count("/"), version=self.rel.version, **context)
        target = self.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.n += 1


def _cell(parts: list[tuple[str, str | None]], root: str) -> str:
    return ", ".join(f'<a href="{escape(root + h)}">{escape(t)}</a>' if h else str(escape(t)) for t, h in parts)


def _dl(items: list[tuple[str, list]], root: str, cls: str = "fields") -> Markup:
    """A definition list of (name, cell) pairs; built here rather than in a template loop, for speed."""
    return Markup(f'<dl class="{escape(cls)}">' + "".join(f"<dt>{escape(n)}</dt><dd>{_cell(p, root)}</dd>" for n, p in items) + "</dl>")


def _rowtable(s: dict, root: str) -> Markup:
    n, shown = s["total"], len(s["rows"])
    cap = f"{escape(s['name'])} ({n} row{'' if n == 1 else 's'}){f'; {shown} on this page' if shown < n else ''}"
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in s["columns"])
    body = "".join(("<tr class=\"disputed\">" if r["disputed"] else "<tr>") + "".join(f"<td>{_cell(p, root)}</td>" for p in r["cells"]) + "</tr>"
                   for r in s["rows"])
    return Markup(f'<table class="rows"><caption>{cap}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "site_templates"), autoescape=select_autoescape(["html"], default=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["dl"] = _dl
    env.filters["rowtable"] = _rowtable
    env.filters["file"] = sd.safe_name
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
