"""Stage 4, assemble: polars frames for every table from sources + located annotations.

Ids come from natural keys; rows are sorted by id; every row carries its provenance span.
Judgement rows (quotes, roles, events, measures, ambiguous mentions) come from curation only;
the one mechanical rule that adds rows on its own is the exact alias mention (`rule:alias`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from dataclasses import dataclass

import polars as pl

from tradetalks.build.claims import PlaceRegistry, period_end
from tradetalks.build.detect.groups import normalise, stable_groups
from tradetalks.build.errors import Collector, Problem
from tradetalks.build.ids import stable_id
from tradetalks.build.locate import ArticleSpans
from tradetalks.build.evidence import curated_evidence, mention_evidence, span_row
from tradetalks.build.sources import Sources
from tradetalks.build.subjects import Context, Outlets, claim_rows, primary_rows as _primary, links, subject_rows, table
from tradetalks.schemas.tables import polars_schema

QUOTE_GROUP_COLUMNS = ("quote_group_id", "merged_group_ids", "n_articles", "n_outlets")
RELEASE_DIR = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
ROLE_SCHEMA = {"person": pl.String, "article_id": pl.String, "char_start": pl.Int64, "index": pl.Int64,
               "role": pl.String, "organisation": pl.String, "country": pl.String}
SEGMENT_SCHEMA = {"article_id": pl.String, "kind": pl.String, "char_start": pl.Int64, "char_end": pl.Int64, "reason": pl.String}


@dataclass
class Registries:
    """The registry rows by id, and the alias maps the mention rule uses."""

    people: dict[str, dict]
    events: dict[str, dict]
    measures: dict[str, dict]
    places: PlaceRegistry
    outlets: dict[str, str]  # casefolded name or alias -> outlet_id
    aliases: dict[str, str]
    ambiguous: dict[str, str]


def registries(sources: Sources, problems: Collector | None = None) -> Registries:
    """Registry rows by id; clashing aliases are reported to `problems` when given."""
    aliases: dict[str, str] = {}
    ambiguous: dict[str, str] = {}
    doc = sources.people
    for i, person in enumerate(sources.registry("people")):
        for alias in person["aliases"]:
            if aliases.setdefault(alias, person["person_id"]) != person["person_id"] and problems is not None:
                problems.add(doc.path, doc.line_of(["people", i, "aliases"]), f"people[{i}].aliases",
                             f"alias {alias!r} is already used by {aliases[alias]!r}; an alias must name one person (list it under ambiguous_aliases and curate each mention)")
        for alias in person.get("ambiguous_aliases", []):
            ambiguous[alias] = person["person_id"]
    return Registries(
        people={p["person_id"]: p for p in sources.registry("people")},
        events={e["event_id"]: e for e in sources.registry("events")},
        measures={m["measure_id"]: m for m in sources.registry("measures")},
        places=PlaceRegistry.of(sources.registry("places")),
        outlets={n.casefold(): o["outlet_id"] for o in sources.registry("outlets") for n in [o["name"], *o.get("aliases", [])]},
        aliases=aliases,
        ambiguous=ambiguous,
    )


def assemble_tables(sources: Sources, located: dict[str, ArticleSpans]) -> dict[str, pl.DataFrame]:
    """Every table of the release, validated later by the schemas."""
    columns, problems = article_columns(sources, located, registries(sources))
    return combine(sources, [part_frames(columns)], problems)


# Articles come without their nested `segments` and their `evidence` (the whole text): `combine`
# adds both, the segments from flat rows, the evidence sharing the text's memory.
PART_SCHEMAS = {
    "articles": lambda: {c: t for c, t in polars_schema("articles").items() if c not in ("segments", "evidence")},
    "evidence": lambda: polars_schema("evidence"),
    "quotes": lambda: {c: t for c, t in polars_schema("quotes").items() if c not in QUOTE_GROUP_COLUMNS},
    "roles": lambda: ROLE_SCHEMA,
    "segments": lambda: SEGMENT_SCHEMA,
}


def article_columns(sources: Sources, located: dict[str, ArticleSpans], reg: Registries) -> tuple[dict[str, dict[str, list]], list[Problem]]:
    """The rows that depend on one article only, for the articles in `sources` (a chunk or all).

    Plain Python columns (articles, evidence, quotes without their group columns, roles), so a
    worker process computes them without Polars; `part_frames` turns them into frames and
    `combine` joins the parts of every chunk into the release's tables.
    """
    problems = Collector()
    evidence = mention_evidence(sources, located, reg, problems)
    evidence += curated_evidence(sources, located, reg, problems)
    rows = {
        "articles": _articles(sources, located, reg, problems),
        "evidence": evidence,
        "quotes": _quote_rows(sources, located, reg.people, problems),
        "roles": _role_rows(located),
        "segments": _segment_rows(located),
    }
    columns = {name: {c: [r[c] for r in rows[name]] for c in PART_SCHEMAS[name]()} for name in rows}
    return columns, problems.problems


def part_frames(columns: dict[str, dict[str, list]]) -> dict[str, pl.DataFrame]:
    return {name: pl.DataFrame(cols, schema=PART_SCHEMAS[name]()) for name, cols in columns.items()}


def combine(sources: Sources, parts: list[dict[str, pl.DataFrame]], found: list[Problem]) -> dict[str, pl.DataFrame]:
    """The release's tables from the parts of every chunk and the registries; raise every problem at once."""
    # Load inputs.
    problems = Collector()
    _check_registry_ids(sources, problems)
    reg = registries(sources, problems)
    problems.problems.extend(found)
    part = {name: pl.concat([p.pop(name) for p in parts], how="vertical") for name in list(parts[0])}
    articles = _sorted(_with_segments(part.pop("articles"), part.pop("segments")), "article_id")
    evidence = _sorted(part.pop("evidence"), "evidence_id")
    outlets = articles.select(
        "article_id", pl.coalesce("wire_service_id", "outlet_id", pl.lit("article:") + pl.col("article_id")).alias("outlet_key")
    )
    ctx = Context(sources, reg.places, Outlets.of(articles), claim_rows(evidence), problems)

    # Process.
    events, event_disputes, _ = subject_rows("events", reg.events, evidence, ctx)
    measures, measure_disputes, steps = subject_rows("measures", reg.measures, evidence, ctx)
    tables = {
        "articles": articles,
        "people": _people(reg.people, evidence, part["roles"], outlets, sources, problems),
        "quotes": _quotes(part["quotes"], outlets, published_groups(Path(sources.root) / "release")),
        "events": events,
        "tariff_measures": measures,
        "evidence": evidence,
        "disputes": table("disputes", event_disputes + measure_disputes, "dispute_id"),
        "measure_steps": table("measure_steps", steps, "step_id"),
        "measure_events": table("measure_events", links(reg.measures, evidence, ctx), "link_id"),
        "places": _places(sources, reg.places, problems),
        "outlets": table("outlets", [
            {"outlet_id": o["outlet_id"], "name": o["name"], "domain": o.get("domain"), "owner": o.get("owner"), "country_iso3": o.get("country"),
             "is_wire_service": o["wire_service"], "aliases": list(o.get("aliases", []))} for o in sources.registry("outlets")
        ], "outlet_id"),
    }
    problems.raise_if_any()
    return tables


def _places(sources: Sources, places: PlaceRegistry, problems: Collector) -> pl.DataFrame:
    doc = sources.places
    rows = []
    for i, (pid, p) in enumerate(places.places.items()):
        if p.get("within") is not None and p["within"] not in places.places:
            problems.add(doc.path, doc.line_of(["places", i, "within"]), f"places[{i}].within",
                         f"unknown place {p['within']!r}; add it to dataset/places.yml")
        chain = places.ancestors(pid)
        if places.places[chain[-1]].get("within") in chain:
            problems.add(doc.path, doc.line_of(["places", i, "within"]), f"places[{i}].within", f"{pid!r} lies within itself")
        iso3 = next((places.places[a].get("iso3") for a in chain if places.places[a].get("iso3")), None)
        rows.append({"place_id": pid, "name": p["name"], "kind": p["kind"], "within": p.get("within"),
                     "country_iso3": iso3, "aliases": list(p.get("aliases", []))})
    return table("places", rows, "place_id")


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


def _check_registry_ids(sources: Sources, problems: Collector) -> None:
    for name, key in (("people", "person_id"), ("events", "event_id"), ("measures", "measure_id"), ("places", "place_id"), ("outlets", "outlet_id")):
        doc = getattr(sources, name)
        seen: dict[str, int] = {}
        for i, item in enumerate(sources.registry(name)):
            if item[key] in seen:
                problems.add(doc.path, doc.line_of([name, i, key]), f"{name}[{i}].{key}",
                             f"duplicate id {item[key]!r}; first defined at item {seen[item[key]]}")
            seen.setdefault(item[key], i)


def _outlet_id(art, field: str, outlets: dict[str, str], problems: Collector) -> str | None:
    name = art.meta.get(field)
    if name is None:
        return None
    if name.casefold() not in outlets:
        problems.add(art.yaml.path, art.yaml.line_of([field]), field,
                     f"{name!r} is not a name or alias of an outlet in dataset/outlets.yml; add the outlet (name, domain, owner, country, wire_service)")
    return outlets.get(name.casefold())


def _articles(sources: Sources, located: dict[str, ArticleSpans], reg: Registries, problems: Collector) -> list[dict]:
    rows = []
    people = reg.people
    for aid, art in sources.articles.items():
        meta, spans = art.meta, located[aid]
        for i, author in enumerate(meta.get("authors", [])):
            if author not in people:
                problems.add(art.yaml.path, art.yaml.line_of(["authors", i]), f"authors[{i}]", f"unknown person {author!r}; add it to dataset/people.yml")
        rows.append({
            "article_id": aid,
            "seed_file": meta.get("seed_file"),
            "title": art.text[spans.title.start : spans.title.end] if spans.title else None,
            "outlet": meta.get("outlet"),
            "outlet_id": _outlet_id(art, "outlet", reg.outlets, problems),
            "outlet_note": meta.get("outlet_note"),
            "url": meta.get("url"),
            "authors": list(meta.get("authors", [])),
            "wire_service": meta.get("wire_service"),
            "wire_service_id": _outlet_id(art, "wire_service", reg.outlets, problems),
            "published_date": _date(meta.get("published_date")),
            "published_date_end": _published_end(meta),
            "published_date_precision": meta.get("published_date_precision"),
            "published_date_note": meta.get("published_date_note"),
            "reference_date": _date(meta["reference_date"]),
            "reference_date_note": meta["reference_date_note"],
            "language": meta["language"],
            "text": art.text,
            "text_sha256": art.sha256,
            "n_chars": len(art.text),
            "notes": list(meta.get("notes", [])),
            "char_start": 0,
            "char_end": len(art.text),
            "method": "curated",
        })
    return rows


def _segment_rows(located: dict[str, ArticleSpans]) -> list[dict]:
    return [
        {"article_id": aid, "kind": s.kind, "char_start": s.span.start, "char_end": s.span.end, "reason": s.reason}
        for aid, spans in located.items() for s in spans.segments
    ]


def _quote_rows(sources: Sources, located: dict[str, ArticleSpans], people: dict, problems: Collector) -> list[dict]:
    rows = []
    for aid, art in sources.articles.items():
        spans = located[aid]
        for ann in spans.annotations:
            if ann.kind != "quotes":
                continue
            item = ann.item
            speaker = item.get("speaker")
            if speaker is None and not (item.get("speaker_organisation") or item.get("speaker_note")):
                problems.add(art.yaml.path, ann.line, f"quotes[{ann.index}].speaker_note",
                             "speaker is null, so say who is quoted: speaker_organisation (an organisation), or speaker_note (why it is unknown)")
                continue
            row = span_row(ann, spans, art.text)
            row.update({
                "quote_id": stable_id("q", aid, ann.span.start, ann.span.end),
                "text": " ".join(row["evidence"].split()),
                "speaker_id": speaker,
                "speaker_name": people[speaker]["name"] if speaker in people else None,
                "speaker_organisation": item.get("speaker_organisation"),
                "speaker_note": item.get("speaker_note"),
                "kind": item["kind"],
                "cue": item.get("cue"),
                "channel": item.get("channel"),
                "note": item.get("note"),
                "method": "curated",
            })
            rows.append(row)
    return rows


def _role_rows(located: dict[str, ArticleSpans]) -> list[dict]:
    return [
        {"person": a.item["person"], "article_id": a.article_id, "char_start": a.span.start, "index": a.index,
         "role": a.item["role"], "organisation": a.item.get("organisation"), "country": a.item.get("country")}
        for spans in located.values() for a in spans.annotations if a.kind == "roles"
    ]


def published_groups(release_root: Path) -> dict[str, str]:
    """Normalised quote text -> quote_group_id in the latest release under `release_root` (highest version)."""
    versions = [(tuple(map(int, m.groups())), p) for p in (release_root.iterdir() if release_root.is_dir() else [])
                if (m := RELEASE_DIR.match(p.name)) and (p / "quotes.parquet").is_file()]
    if not versions:
        return {}
    latest = max(versions)[1] / "quotes.parquet"
    published = pl.read_parquet(latest, columns=["text", "quote_group_id"]).unique().sort("quote_group_id")
    out: dict[str, str] = {}
    for text, gid in published.iter_rows():
        out.setdefault(normalise(text), gid)
    return out


def _quotes(quotes: pl.DataFrame, outlets: pl.DataFrame, published: dict[str, str]) -> pl.DataFrame:
    """Quote rows with their group (a published group keeps its id) and its corroboration."""
    groups, merges = stable_groups(quotes["text"].unique().to_list(), published)
    quotes = quotes.with_columns(
        pl.col("text").replace_strict(groups, return_dtype=pl.String).alias("quote_group_id"),
    ).with_columns(
        pl.col("quote_group_id").replace_strict(merges, default=[], return_dtype=pl.List(pl.String)).alias("merged_group_ids"),
    )
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


def _people(people: dict, evidence: pl.DataFrame, roles: pl.DataFrame, outlets: pl.DataFrame, sources: Sources,
            problems: Collector) -> pl.DataFrame:
    doc = sources.people
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
    for i, (pid, person) in enumerate(people.items()):
        if pid not in primary:
            problems.add(doc.path, doc.line_of(["people", i]), f"people[{i}]",
                         f"{pid!r} is never mentioned in any article body or byline; check its aliases or remove it")
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


def _published_end(meta: dict) -> dt.date | None:
    start = _date(meta.get("published_date"))
    return period_end(start, meta.get("published_date_precision") or "day") if start else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
