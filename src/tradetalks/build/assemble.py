"""Stage 4, assemble: polars frames for every table from sources + located annotations.

Ids come from natural keys; rows are sorted by id; every row carries its provenance span. The rows
of each article come from `rows` (plain Python, per chunk of articles); here they become frames,
and the cross-article work follows (quote groups, corroboration, people and subject rows).
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from tradetalks.build.detect.groups import group_texts
from tradetalks.build.errors import Collector, DatasetError, Problem
from tradetalks.build.locate import ArticleSpans
from tradetalks.build.rows import (  # noqa: F401  (re-exported: the pipeline's per-article half)
    REFERENCES, REGISTRY_KEYS, SUBJECT_TABLES, Registries, article_rows, claim_text, referenced, registries,
    registry_problems, unsettled, _date,
)
from tradetalks.build.sources import Sources
from tradetalks.schemas.tables import polars_schema

# Claims that record how an article states a value without disagreeing (Washington vs Beijing day).
NON_DISPUTE_CLAIMS = {"local_date"}
QUOTE_GROUP_COLUMNS = ("quote_group_id", "n_articles", "n_outlets")
ROLE_SCHEMA = {"person": pl.String, "article_id": pl.String, "char_start": pl.Int64, "index": pl.Int64,
               "role": pl.String, "organisation": pl.String, "country": pl.String}
SEGMENT_SCHEMA = {"article_id": pl.String, "kind": pl.String, "char_start": pl.Int64, "char_end": pl.Int64, "reason": pl.String}


def assemble_tables(sources: Sources, located: dict[str, ArticleSpans]) -> dict[str, pl.DataFrame]:
    """Every table of the release, validated later by the schemas."""
    rows, problems = article_rows(sources, located, registries(sources))
    tables, found = combine(sources, [part_frames(article_columns(rows))])
    if problems or found:
        raise DatasetError(problems + found)
    return tables


# Articles come without their nested `segments` and their `evidence` (the whole text): `combine`
# adds both, the segments from flat rows, the evidence sharing the text's memory.
PART_SCHEMAS = {
    "articles": lambda: {c: t for c, t in polars_schema("articles").items() if c not in ("segments", "evidence")},
    "evidence": lambda: polars_schema("evidence"),
    "quotes": lambda: {c: t for c, t in polars_schema("quotes").items() if c not in QUOTE_GROUP_COLUMNS},
    "roles": lambda: ROLE_SCHEMA,
    "segments": lambda: SEGMENT_SCHEMA,
}


def article_columns(rows: dict[str, list[dict]]) -> dict[str, dict[str, list]]:
    """The per-article rows (`rows.article_rows`) as plain Python columns, ready for `part_frames`.

    Computed in the worker process without building frames: `part_frames` turns them into frames
    where they arrive and `combine` joins the parts of every chunk into the release's tables.
    """
    return {name: {c: [r[c] for r in rows[name]] for c in PART_SCHEMAS[name]()} for name in rows}


def part_frames(columns: dict[str, dict[str, list]]) -> dict[str, pl.DataFrame]:
    return {name: pl.DataFrame(cols, schema=PART_SCHEMAS[name]()) for name, cols in columns.items()}


def combine(sources: Sources, parts: list[dict[str, pl.DataFrame]], unsure: set[str] | frozenset = frozenset()
            ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    """The release's tables from the parts of every chunk and the registries, and the problems of the registries.

    `unsure`: ids whose support may be in articles or annotations left out by earlier problems;
    the checks that need every article's evidence skip them (see `unsettled`).
    """
    # Load inputs.
    problems = Collector()
    reg = registries(sources)
    problems.problems += registry_problems(sources)
    if not parts:  # every article was left out
        parts = [part_frames({name: {c: [] for c in schema()} for name, schema in PART_SCHEMAS.items()})]
    part = {name: pl.concat([p.pop(name) for p in parts], how="vertical") for name in list(parts[0])}
    articles = _sorted(_with_segments(part.pop("articles"), part.pop("segments")), "article_id")
    evidence = _sorted(part.pop("evidence"), "evidence_id")
    outlets = articles.select(
        "article_id", pl.coalesce("wire_service", "outlet", pl.lit("article:") + pl.col("article_id")).alias("outlet_key")
    )
    _check_same_text(articles, problems)

    # Process.
    tables = {
        "articles": articles,
        "people": _people(reg, evidence, part["roles"], outlets, sources, problems, unsure),
        "quotes": _quotes(part["quotes"], outlets),
        "events": _subjects("events", reg, evidence, outlets, sources, problems, unsure),
        "tariff_measures": _subjects("measures", reg, evidence, outlets, sources, problems, unsure),
        "evidence": evidence,
    }
    return tables, problems.problems


def _check_same_text(articles: pl.DataFrame, problems: Collector) -> None:
    """The same raw text under two ids would count one article twice as corroboration."""
    twins = (
        articles.group_by("text_sha256").agg(pl.col("article_id").sort())
        .filter(pl.col("article_id").list.len() > 1).sort("text_sha256")
    )
    for sha, ids in twins.iter_rows():
        for other in ids[1:]:
            problems.add(f"dataset/articles/{other}.txt", None, None,
                         f"the same raw text (sha256 {sha[:12]}…) as dataset/articles/{ids[0]}.txt; "
                         "an article is added once: delete one of the two (and its .yml)")


def _sorted(df: pl.DataFrame, key: str) -> pl.DataFrame:
    """`df` sorted by `key`, consuming `df`: a column is released as soon as its sorted copy exists,
    so a large table never sits in memory twice (chunks arriving in order are not copied at all)."""
    if df[key].is_sorted():
        return df.with_columns(pl.col(key).set_sorted())
    order = df[key].arg_sort()
    columns = [df.drop_in_place(name).gather(order) for name in list(df.columns)]
    return pl.DataFrame(columns).with_columns(pl.col(key).set_sorted())


def _with_segments(articles: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    fields = ["kind", "char_start", "char_end", "reason"]
    nested = (
        segments.sort("article_id", "char_start", "char_end", "kind")
        .group_by("article_id", maintain_order=True).agg(pl.struct(fields).alias("segments"))
    )
    schema = polars_schema("articles")
    return (
        articles.join(nested, on="article_id", how="left")
        .with_columns(pl.col("segments").fill_null([]), pl.col("text").alias("evidence"))
        .select(pl.col(c).cast(t) for c, t in schema.items())
    )


def _quotes(quotes: pl.DataFrame, outlets: pl.DataFrame) -> pl.DataFrame:
    """Quote rows with their group and its corroboration (articles, and outlets counting a wire story once)."""
    groups = group_texts(quotes["text"].unique().to_list())
    quotes = quotes.with_columns(pl.col("text").replace_strict(groups, return_dtype=pl.String).alias("quote_group_id"))
    del groups
    # Window expressions add the counts as columns: no join, so the quote rows are never copied.
    outlet_of = dict(outlets.iter_rows())
    group = "quote_group_id"
    quotes = quotes.with_columns(
        pl.col("article_id").n_unique().over(group).alias("n_articles"),
        pl.col("article_id").replace_strict(outlet_of, return_dtype=pl.String).n_unique().over(group).alias("n_outlets"),
    )
    schema = polars_schema("quotes")
    return _sorted(quotes.select(pl.col(c).cast(t) for c, t in schema.items()), "quote_id")


def _corroboration(evidence: pl.DataFrame, subject_table: str, outlets: pl.DataFrame) -> dict[str, tuple[int, int]]:
    counts = (
        evidence.lazy().filter(pl.col("subject_table") == subject_table).select("subject_id", "article_id")
        .join(outlets.lazy(), on="article_id", how="left")
        .group_by("subject_id").agg(pl.col("article_id").n_unique(), pl.col("outlet_key").n_unique()).collect()
    )
    return {sid: (n_art, n_out) for sid, n_art, n_out in counts.iter_rows()}


def _primary(evidence: pl.DataFrame, subject_table: str) -> dict[str, dict]:
    """Primary provenance: the first span by (article_id, char_start), copies of duplicated text last."""
    keys = ["subject_id", "in_duplicate", "article_id", "char_start", "char_end"]
    # Rank the key columns only, then fetch the winning rows (a corpus' evidence is large).
    rows = (
        evidence.lazy().with_row_index("_row").filter(pl.col("subject_table") == subject_table).select("_row", *keys)
        .sort(keys).unique("subject_id", keep="first", maintain_order=True).collect()
    )
    first = evidence.select(pl.all().gather(rows["_row"]))
    return {r["subject_id"]: r for r in first.iter_rows(named=True)}


def _people(reg: Registries, evidence: pl.DataFrame, roles: pl.DataFrame, outlets: pl.DataFrame, sources: Sources,
            problems: Collector, unsure: set[str] | frozenset) -> pl.DataFrame:
    doc, people = sources.people, reg.people
    primary = _primary(evidence, "people")
    mentions = evidence.lazy().filter((pl.col("subject_table") == "people") & pl.col("claim_field").is_null() & ~pl.col("in_duplicate"))
    n_mentions = dict(mentions.group_by("subject_id").len().collect().iter_rows())
    counts = _corroboration(evidence, "people", outlets)
    # Each person's roles as stated, in article and text order, each distinct statement once per article.
    entry = ["article_id", "role", "organisation", "country"]
    per_person = (
        roles.sort("article_id", "char_start", "index")
        .unique(["person", *entry], keep="first", maintain_order=True)
        .group_by("person", maintain_order=True).agg(pl.struct(entry).alias("roles"))
    )
    role_rows = {person: list(entries) for person, entries in per_person.iter_rows()}
    rows = []
    for pid, person in people.items():
        if pid not in primary:
            if pid not in unsure and "*" not in unsure:
                i = reg.index["people"][pid]
                problems.add(doc.path, doc.line_of(["people", i]), f"people[{i}]",
                             f"{pid!r} is never mentioned in any article body or byline; add the form the articles use to its aliases,"
                             " record it on an article's mentions, or remove the entry")
            continue
        p = primary[pid]
        aliases = list(person["aliases"]) + [a for a in person.get("ambiguous_aliases", []) if a not in person["aliases"]]
        rows.append({
            "person_id": pid,
            "name": person["name"],
            "aliases": aliases,
            "roles": role_rows.get(pid, []),
            "country": person.get("country"),
            "wikidata_id": person.get("wikidata_id"),
            "n_articles": counts[pid][0],
            "n_outlets": counts[pid][1],
            "n_mentions": n_mentions.get(pid, 0),
            **{k: p[k] for k in ("article_id", "char_start", "char_end", "evidence", "method")},
        })
    return pl.DataFrame(rows, schema=polars_schema("people")).sort("person_id")


def _subjects(kind: str, reg: Registries, evidence: pl.DataFrame, outlets: pl.DataFrame, sources: Sources, problems: Collector,
              unsure: set[str] | frozenset) -> pl.DataFrame:
    table, field, key = SUBJECT_TABLES[kind]
    registry = getattr(reg, kind)
    doc = getattr(sources, kind)
    primary = _primary(evidence, table)
    counts = _corroboration(evidence, table, outlets)
    claims = (
        evidence.lazy().filter((pl.col("subject_table") == table) & pl.col("claim_field").is_not_null()
                               & ~pl.col("claim_field").is_in(list(NON_DISPUTE_CLAIMS)))
        .group_by("subject_id", "claim_field").agg(pl.col("claim_value").unique().sort()).collect()
    )
    claimed: dict[str, dict[str, list]] = defaultdict(dict)
    for subject, claim_field, values in claims.iter_rows():
        claimed[subject][claim_field] = values
    schema = polars_schema(table)
    rows = []
    for sid, item in registry.items():
        i = reg.index[kind][sid]
        if sid not in primary:
            if sid not in unsure:
                problems.add(doc.path, doc.line_of([kind, i]), f"{kind}[{i}]",
                             f"{sid!r} has no evidence in any article; add `- {{{field}: {sid}, evidence: <the article's words>}}`"
                             f" under `{kind}:` of an article that supports it, or remove the entry")
            continue
        disputed = any(len(v) > 1 for v in claimed[sid].values())
        if sid in unsure:
            pass  # an article that may claim otherwise was left out: judged once it is back
        elif disputed and not item.get("dispute_note"):
            fields = {f: v for f, v in claimed[sid].items() if len(v) > 1}
            problems.add(doc.path, doc.line_of([kind, i]), f"{kind}[{i}].dispute_note",
                         f"articles disagree on {fields}; add `dispute_note:` saying which value {sid!r} uses and why")
        else:
            for claim_field, values in claimed[sid].items():
                if claim_field in item and claim_text(item[claim_field]) not in values:
                    problems.add(doc.path, doc.line_of([kind, i, claim_field]), f"{kind}[{i}].{claim_field}",
                                 f"{sid!r} has {claim_field} = {item[claim_field]!r}, but the articles claim only {values};"
                                 f" write the claimed value, or correct the articles' claims")
        row = {c: item.get(c) for c in schema if c in item}
        for c, dtype in schema.items():
            if dtype == pl.Date and c in row:
                row[c] = _date(row[c])
        if "rate_pct" in row and row["rate_pct"] is not None:
            row["rate_pct"] = float(row["rate_pct"])
        if kind == "events":
            row["participants"] = list(item.get("participants", []))
            if row.get("date_end") is None and item.get("date_precision") == "day":
                row["date_end"] = row.get("date_start")
        p = primary[sid]
        row.update({
            key: sid,
            "n_articles": counts[sid][0],
            "n_outlets": counts[sid][1],
            "disputed": disputed,
            **{k: p[k] for k in ("article_id", "char_start", "char_end", "evidence", "method")},
        })
        rows.append(row)
    return pl.DataFrame(rows, schema=schema).sort(key)
