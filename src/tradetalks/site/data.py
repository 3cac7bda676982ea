"""What the site reads from a release directory, in one place: tables, span rows, entities, dates.

Everything the pages draw comes through `load_release`, so that a change of the data model (a new
table, a new column) is followed here and nowhere else. Tables and columns that are absent are
skipped; tables that are new are picked up generically: any table with `article_id`, `char_start`
and `char_end` is highlighted in its articles, and any table that names an entity (its key column,
or `subject_table`/`subject_id`) is listed on that entity's page. Known additions of the next data
model are drawn when present: `date_start`/`date_end` on measures, a `measure_steps` lifecycle table,
a `disputes` table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tradetalks.site import words

SPAN_COLUMNS = ("article_id", "char_start", "char_end")
# Entity tables get their own pages; the word is the page's noun.
ENTITY_NOUNS = {"people": "person", "events": "event", "tariff_measures": "measure"}
# Columns that point at an entity or an article, for links.
FK_COLUMNS = {
    "article_id": "articles",
    "person_id": "people",
    "speaker_id": "people",
    "event_id": "events",
    "measure_id": "tariff_measures",
    "authors": "people",
    "participants": "people",
}
# Tables whose own span duplicates their primary evidence row (drawn once, from evidence).
PROVENANCE_ONLY = {"articles", "people", "events", "tariff_measures"}
# Span kinds, outermost first when two spans start at the same character.
KIND_ORDER = ["segment", "quote", "event", "measure", "claim", "mention", "row"]
# An item whose date can mean more days than this is vague: drawn faint, in its own lane.
VAGUE_DAYS = 7
TEXT_COLUMNS = {"text"}  # long columns kept off the row panels (the article page shows the text)


class SiteError(Exception):
    """The release cannot be read, or the site cannot be written where asked."""


@dataclass
class Span:
    """One highlighted stretch of an article: a row's evidence, or a segment that is not body."""

    row_id: str
    table: str
    kind: str  # one of KIND_ORDER
    start: int
    end: int
    label: str  # what a reader hears/sees besides the colour: 'quote — Scott Bessent'
    group: str = ""  # colour group (the speaker for quotes, the segment kind for segments)


@dataclass
class Release:
    root: Path
    manifest: dict
    version: str
    tables: dict[str, pl.DataFrame]
    keys: dict[str, str]  # table -> primary key column
    rows: dict[str, dict[str, dict]] = field(default_factory=dict)  # table -> id -> row (entities)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, id) -> display name

    def name(self, table: str, row_id: str | None) -> str:
        return self.names.get((table, row_id or ""), row_id or "")


def load_release(root: Path) -> Release:
    """Read manifest.json and every table it lists (Parquet) from a release directory."""
    root = Path(root)
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        entries = sorted(manifest["tables"].items())
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise SiteError(
            f"{root / 'manifest.json'}: expected a release manifest with a 'tables' object, could not read it ({exc}); "
            "pass a directory written by `tradetalks build`"
        ) from None
    tables, keys = {}, {}
    for name, entry in entries:
        path = root / str(entry.get("path", ""))
        if path.suffix != ".parquet" or not path.is_file():
            continue  # a table this release does not ship as Parquet is not drawn
        try:
            tables[name] = pl.read_parquet(path)
        except Exception as exc:  # polars raises several kinds for a damaged file
            raise SiteError(f"{path}: expected a Parquet table, could not read it ({type(exc).__name__}); rebuild the release") from None
        keys[name] = entry.get("primary_key") or tables[name].columns[0]
    rel = Release(root, manifest, str(manifest.get("version", "")), tables, keys)
    for table in entity_tables(rel):
        key = rel.keys[table]
        rows = {r[key]: r for r in rel.tables[table].to_dicts()}
        rel.rows[table] = rows
        for row_id, row in rows.items():
            rel.names[(table, row_id)] = str(row.get("name") or row.get("description") or row_id)
    return rel


def entity_tables(rel: Release) -> list[str]:
    """Tables with an entity page per row: the known ones, plus any other that evidence supports."""
    named = set(ENTITY_NOUNS)
    if "evidence" in rel.tables and "subject_table" in rel.tables["evidence"].columns:
        named |= set(rel.tables["evidence"]["subject_table"].drop_nulls().unique().to_list())
    return sorted(t for t in named if t in rel.tables)


def noun(table: str) -> str:
    return ENTITY_NOUNS.get(table, table.rstrip("s").replace("_", " "))


def safe_name(row_id: str) -> str:
    """A file name for an id: the id itself when it is a plain slug, else a hash of it."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,120}", row_id) and ".." not in row_id:
        return row_id
    return "x-" + hashlib.sha256(row_id.encode("utf-8")).hexdigest()[:20]


# Spans -------------------------------------------------------------------------------------------


def span_tables(rel: Release) -> list[str]:
    """Tables whose rows are drawn as spans in their article."""
    return sorted(t for t, df in rel.tables.items() if t not in PROVENANCE_ONLY and all(c in df.columns for c in SPAN_COLUMNS))


def span_kind(table: str, row: dict) -> str:
    if table == "quotes":
        return "quote"
    if table == "evidence":
        if row.get("claim_field"):
            return "claim"
        return {"people": "mention", "events": "event", "tariff_measures": "measure"}.get(row.get("subject_table") or "", "row")
    return "row"


def speaker_key(row: dict) -> str:
    """Who a quotation is by, as a colour group: a person ('p:<id>'), an organisation ('o:<name>'),
    or nobody named ('u:')."""
    if row.get("speaker_id"):
        return f"p:{row['speaker_id']}"
    if row.get("speaker_organisation"):
        return f"o:{row['speaker_organisation']}"
    return "u:"


def speaker_name(rel: Release, row: dict) -> str:
    if row.get("speaker_id"):
        return row.get("speaker_name") or rel.name("people", row["speaker_id"])
    if row.get("speaker_organisation"):
        return str(row["speaker_organisation"])
    return str(row.get("speaker_label") or "speaker not named")


KIND_WORDS = {
    "quote": "quotation",
    "mention": "mention of a person",
    "event": "event",
    "measure": "measure",
    "claim": "claimed fact",
    "row": "other record",
    "segment": "not part of the story",
}


def span_label(rel: Release, table: str, row: dict, kind: str) -> str:
    """What a reader hears/sees for a span besides its colour: 'quotation — Scott Bessent'."""
    if kind == "quote":
        return f"quotation — {speaker_name(rel, row)}"
    if table == "evidence":
        subject = rel.name(row.get("subject_table") or "", row.get("subject_id"))
        if kind == "claim":
            return f"claimed fact — {subject}: {words.field(row.get('claim_field') or '')} {words.value(row.get('claim_value'))}"
        return f"{KIND_WORDS[kind]} — {subject}"
    name = rel.name("tariff_measures", row.get("measure_id")) if row.get("measure_id") else str(row.get(rel.keys.get(table, ""), ""))
    return f"{noun(table)} — {name}"


def article_rows(rel: Release) -> dict[str, list[tuple[str, dict]]]:
    """article_id -> [(table, row)] for every span row, sorted by (char_start, char_end, id)."""
    out: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for table in span_tables(rel):
        df = rel.tables[table]
        drop = [c for c in df.columns if c in TEXT_COLUMNS and table != "quotes"]
        for row in df.drop(drop).to_dicts():
            out[row["article_id"]].append((table, row))
    for rows in out.values():
        rows.sort(key=lambda tr: (tr[1]["char_start"], tr[1]["char_end"], str(tr[1].get(rel.keys[tr[0]]))))
    return out


def spans_of(rel: Release, article: dict, rows: list[tuple[str, dict]]) -> list[Span]:
    """The spans of one article: its segments (greyed) and one span per row."""
    spans = []
    for i, seg in enumerate(article.get("segments") or []):
        spans.append(
            Span(f"seg-{i}", "articles", "segment", seg["char_start"], seg["char_end"], f"{seg['kind']} (not body) — {seg.get('reason') or ''}", seg["kind"])
        )
    for table, row in rows:
        kind = span_kind(table, row)
        group = speaker_key(row) if kind == "quote" else ""
        spans.append(Span(str(row[rel.keys[table]]), table, kind, row["char_start"], row["char_end"], span_label(rel, table, row, kind), group))
    n = len(article.get("text") or "")
    return [s for s in spans if 0 <= s.start < s.end <= n]


# Entities ----------------------------------------------------------------------------------------


def related(rel: Release) -> dict[tuple[str, str], dict[str, list[dict]]]:
    """(entity table, id) -> {section name: rows}: evidence, quotes by a person, and any other table
    that names the entity (by its key column or by subject_table/subject_id)."""
    out: dict[tuple[str, str], dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    ents = entity_tables(rel)
    if "evidence" in rel.tables:
        for row in rel.tables["evidence"].to_dicts():
            section = "claims" if row.get("claim_field") else ("mentions" if row["subject_table"] == "people" else "evidence")
            out[(row["subject_table"], row["subject_id"])][section].append(row)
    if "quotes" in rel.tables and "speaker_id" in rel.tables["quotes"].columns:
        for row in rel.tables["quotes"].drop([c for c in ("text",) if c in rel.tables["quotes"].columns]).to_dicts():
            if row["speaker_id"]:
                out[("people", row["speaker_id"])]["quotes"].append(row)
    for table, df in rel.tables.items():
        if table in ("evidence", "quotes", "articles") or table in ents:
            continue
        cols = df.columns
        by_subject = "subject_table" in cols and "subject_id" in cols
        by_key = [(t, rel.keys[t]) for t in ents if rel.keys[t] in cols]
        if not by_subject and not by_key:
            continue
        for row in df.to_dicts():
            if by_subject and row["subject_table"] in ents:
                out[(row["subject_table"], row["subject_id"])][table].append(row)
            for t, key in by_key:
                if row[key] is not None:
                    out[(t, row[key])][table].append(row)
    return out


def disputed_fields(rel: Release) -> dict[tuple[str, str], set[str]]:
    """(table, id) -> the fields articles dispute: from the release's disputes table (claims compared by
    meaning at build time), or, for a release without one, the fields whose claimed values differ."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    disputes = rel.tables.get("disputes")
    if disputes is not None and {"subject_table", "subject_id"} <= set(disputes.columns):
        fcol = next((c for c in ("field", "claim_field") if c in disputes.columns), None)
        for r in disputes.to_dicts():
            out[(r["subject_table"], r["subject_id"])].add(r[fcol] if fcol else "*")
        return out
    if "evidence" in rel.tables and "claim_field" in rel.tables["evidence"].columns:
        claims = (
            rel.tables["evidence"]
            .filter(pl.col("claim_field").is_not_null())
            .group_by("subject_table", "subject_id", "claim_field")
            .agg(pl.col("claim_value").n_unique().alias("n"))
            .filter(pl.col("n") > 1)
        )
        for r in claims.to_dicts():
            out[(r["subject_table"], r["subject_id"])].add(r["claim_field"])
    return out


# Dates -------------------------------------------------------------------------------------------


def date_fields(df: pl.DataFrame) -> list[tuple[str, str | None, str | None]]:
    """(start, end or None, precision or None) for every date a table states, read from its columns:
    `X_start`/`X_end`/`X_precision`, or `X`/`X_end`/`X_precision` for any other Date column `X`.
    Every `*_end` column is the end of the date it follows, never a date of its own."""
    cols = df.schema
    dates = [c for c, t in cols.items() if t == pl.Date]
    out = []
    for c in dates:
        if c.endswith("_end") and (c.removesuffix("_end") + "_start" in cols or c.removesuffix("_end") in cols):
            continue  # the end of another date
        base = c.removesuffix("_start") if c.endswith("_start") else c
        end = base + "_end" if base + "_end" in cols else None
        prec = base + "_precision" if base + "_precision" in cols else None
        out.append((c, end, prec))
    return out


def interval(start: dt.date | None, end: dt.date | None, precision: str | None) -> tuple[dt.date, dt.date] | None:
    """A stated date as the interval of days it can mean: a month date covers the month, etc."""
    if start is None:
        return None
    if end is not None and end >= start:
        return start, end
    if precision == "week":
        return start, start + dt.timedelta(days=6)
    if precision == "month":
        nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return start.replace(day=1), nxt - dt.timedelta(days=1)
    if precision == "year":
        return start.replace(month=1, day=1), start.replace(month=12, day=31)
    return start, start


def what_of(column: str) -> str:
    """A date column as the word for what happened then: 'announced_date' -> 'announced'."""
    base = column.removesuffix("_start").removesuffix("_date")
    return {"date": "date", "announced": "announced", "effective": "in effect", "expiry": "ends"}.get(base, base.replace("_", " "))


def timeline_items(rel: Release) -> list[dict]:
    """One item per date an event, a measure or a measure's step states (every Date column, with its
    `*_end` and `*_precision`): its interval, precision, whether disputed, and its evidence span.
    A step dated from a column of its measure (`date_source`) is that date, drawn once."""
    disputed = disputed_fields(rel)
    primary = primary_evidence(rel)
    items = []
    for table in ("events", "tariff_measures"):
        if table not in rel.tables:
            continue
        fields = date_fields(rel.tables[table])
        for row_id, row in sorted(rel.rows.get(table, {}).items()):
            for start_col, end_col, prec_col in fields:
                span = interval(row.get(start_col), row.get(end_col) if end_col else None, row.get(prec_col) if prec_col else None)
                if span is None:
                    continue
                base = start_col.removesuffix("_start")
                flagged = {start_col, base, end_col or start_col, "*"} & disputed.get((table, row_id), set())
                cols = [c for c in (start_col, end_col) if c]
                items.append(
                    _item(
                        rel, table, row_id, what_of(start_col), span, row.get(prec_col) if prec_col else None, bool(flagged), primary.get((table, row_id)), cols
                    )
                )
    steps = rel.tables.get("measure_steps")
    if steps is not None and "measure_id" in steps.columns:
        measures = rel.rows.get("tariff_measures", {})
        for start_col, end_col, prec_col in date_fields(steps):
            for r in steps.sort([c for c in ("measure_id", "seq", start_col) if c in steps.columns]).to_dicts():
                span = interval(r.get(start_col), r.get(end_col) if end_col else None, r.get(prec_col) if prec_col else None)
                if span is None:
                    continue
                source = r.get("date_source")
                m = measures.get(r["measure_id"], {})
                if source and source in m and interval(m.get(source), m.get(source + "_end"), m.get(source + "_precision")) == span:
                    continue  # the measure's own date, drawn from its row
                key = rel.keys.get("measure_steps", "")
                ev = (r["article_id"], str(r.get(key) or "")) if r.get("article_id") and r.get(key) else primary.get(("tariff_measures", r["measure_id"]))
                what = str(r.get("step") or r.get("status") or "step").replace("_", " ")
                cols = [f"measure_steps.{c}" for c in (start_col, end_col) if c]
                items.append(
                    _item(rel, "tariff_measures", r["measure_id"], what, span, r.get(prec_col) if prec_col else None, bool(r.get("disputed")), ev, cols)
                )
    return items


def _item(rel, table, row_id, what, span, precision, disputed, evidence, columns) -> dict:
    row = rel.rows.get(table, {}).get(row_id, {})
    return {
        "table": table,
        "id": row_id,
        "name": rel.name(table, row_id),
        "what": what,
        "group": str(row.get("event_type") or row.get("instrument") or ""),
        "start": span[0].isoformat(),
        "end": (span[1] + dt.timedelta(days=1)).isoformat(),
        "last": span[1].isoformat(),
        "days": (span[1] - span[0]).days + 1,
        "precision": precision or "day",
        "vague": (span[1] - span[0]).days + 1 > VAGUE_DAYS,
        "ranged": span[0] != span[1],
        "disputed": disputed,
        "evidence": evidence,
        "columns": columns,
    }


def primary_evidence(rel: Release) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, id) -> (article_id, evidence_id) of the evidence row that is the entity's own span."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    ev = rel.tables.get("evidence")
    if ev is None:
        return out
    by_span: dict[tuple, tuple[str, str | None]] = {}  # span -> (evidence_id, claim_field)
    for r in ev.select("evidence_id", "subject_table", "subject_id", "claim_field", *SPAN_COLUMNS).sort("evidence_id").to_dicts():
        k = (r["subject_table"], r["subject_id"], r["article_id"], r["char_start"], r["char_end"])
        if k not in by_span or (by_span[k][1] and not r["claim_field"]):
            by_span[k] = (r["evidence_id"], r["claim_field"])
        out.setdefault((r["subject_table"], r["subject_id"]), (r["article_id"], r["evidence_id"]))
    for table, rows in rel.rows.items():
        for row_id, row in rows.items():
            hit = by_span.get((table, row_id, row.get("article_id"), row.get("char_start"), row.get("char_end")))
            if hit:
                out[(table, row_id)] = (row["article_id"], hit[0])
    return out


def coverage(rel: Release, items: list[dict]) -> dict[str, Any]:
    """The release at a glance: rows per table, articles per outlet, and the dates it covers."""
    arts = rel.tables.get("articles")
    out: dict[str, Any] = {
        "rows": {t: e.get("rows", rel.tables[t].height if t in rel.tables else 0) for t, e in sorted(rel.manifest.get("tables", {}).items())}
    }
    if arts is not None:
        outlet = arts.select(
            pl.coalesce(pl.col("outlet"), pl.col("wire_service") if "wire_service" in arts.columns else pl.lit(None), pl.lit("(not stated)")).alias("outlet")
        )
        counts = outlet.group_by("outlet").len().sort(["len", "outlet"], descending=[True, False])
        out["outlets"] = [(r["outlet"], r["len"]) for r in counts.to_dicts()]
        for col in ("published_date", "reference_date"):
            if col in arts.columns:
                s = arts[col].drop_nulls()
                out[col] = (s.min(), s.max(), s.len()) if s.len() else None
    if items:
        out["events_window"] = (min(i["start"] for i in items), max(i["last"] for i in items))
    return out
