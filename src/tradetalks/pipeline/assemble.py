"""Stage 4, assemble: polars frames for every table from sources + located annotations.

Ids come from natural keys; rows are sorted by id; every row carries its provenance span. The rows
of each article come from `rows` (plain Python, per chunk of articles) as the parts of
`PART_SCHEMAS`; `combine` then does the cross-article work (quote groups, corroboration, people
and subject rows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl

from tradetalks.contract.tables import PROVENANCE, polars_schema
from tradetalks.contract.versions import is_release_version, version_key
from tradetalks.errors import Collector, Problem
from tradetalks.formats.plain_files import table_file
from tradetalks.pipeline.claims import PlaceRegistry
from tradetalks.pipeline.rows import Registries, registries, registry_problems
from tradetalks.pipeline.sources import Sources
from tradetalks.pipeline.subjects import Context, Outlets, article_order, claim_rows, corroboration, links, subject_rows, table
from tradetalks.pipeline.subjects import primary_rows as _primary
from tradetalks.text.groups import group_frame, normalise

QUOTE_GROUP_COLUMNS = ("quote_group_id", "merged_group_ids", "n_articles", "n_outlets")
ROLE_SCHEMA = {
    "person": pl.String,
    "article_id": pl.String,
    "char_start": pl.Int64,
    "index": pl.Int64,
    "role": pl.String,
    "organisation": pl.String,
    "country": pl.String,
}
SEGMENT_SCHEMA = {"article_id": pl.String, "kind": pl.String, "char_start": pl.Int64, "char_end": pl.Int64, "reason": pl.String}


# Articles come without their nested `segments` and their `evidence` (the whole text): `combine`
# adds both, the segments from flat rows. `words_sha256` (`rows.words_sha256`) is dropped there.
PART_SCHEMAS: dict[str, Callable[[], Mapping[str, pl.DataType | type[pl.DataType]]]] = {
    "articles": lambda: {c: t for c, t in polars_schema("articles").items() if c not in ("segments", "evidence")} | {"words_sha256": pl.String},
    "evidence": lambda: polars_schema("evidence"),
    "quotes": lambda: {c: t for c, t in polars_schema("quotes").items() if c not in QUOTE_GROUP_COLUMNS} | {"norm": pl.String, "norm_gid": pl.String},
    "roles": lambda: ROLE_SCHEMA,
    "segments": lambda: SEGMENT_SCHEMA,
}


# The evidence columns the subject tables (people, events, measures and what follows from their
# claims) are made from: only these reach the code that makes them.
CLAIM_COLUMNS = tuple(c for c in PART_SCHEMAS["evidence"]() if c not in ("claim_number", "date_text", "note", "variant"))


def combine(sources: Sources, parts: dict[str, pl.DataFrame], unsure: set[str] | frozenset = frozenset()) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    """The release's tables from every article's parts (`PART_SCHEMAS`) and the registries, and the problems of the registries.

    `unsure`: ids whose support may be in articles or annotations left out by earlier problems;
    the checks that need every article's evidence skip them (see `unsettled`). The parts are taken
    out of `parts` as they are used, so that each is freed once its table is made.
    """
    # Load inputs.
    problems = Collector()
    reg = registries(sources)
    problems.problems += registry_problems(sources)
    # The evidence and the quotes stay in the order of their articles, as the workers wrote them
    # (mapped, not copied); the files hold them sorted by id (`write.write_table`).
    evidence = parts.pop("evidence")
    cited = evidence.select(CLAIM_COLUMNS)
    _check_same_text(parts["articles"], problems)
    articles = _with_segments(parts.pop("articles"), parts.pop("segments"))

    # Process.
    ages = article_ages(Path(sources.root) / "release")
    order = article_order(articles, cited, ages)
    reference = articles.select("article_id", "reference_date")
    ctx = Context(sources, reg.places, Outlets.of(articles), claim_rows(cited, order), problems, cited, order, reference, reg.index, unsure)
    events, event_disputes, _ = subject_rows("events", reg.events, cited, ctx)
    measures, measure_disputes, steps = subject_rows("measures", reg.measures, cited, ctx)
    outlets = articles.select("article_id", pl.coalesce("wire_service_id", "outlet_id", pl.lit("article:") + pl.col("article_id")).alias("outlet_key"))
    tables = {
        "articles": articles,
        "people": _people(reg, cited, parts.pop("roles"), sources, problems, unsure, order),
        "quotes": _quotes(parts.pop("quotes"), outlets, published_groups(Path(sources.root) / "release")),
        "events": events,
        "tariff_measures": measures,
        "evidence": evidence,
        "disputes": table("disputes", event_disputes + measure_disputes, "dispute_id"),
        "measure_steps": table("measure_steps", steps, "step_id"),
        "measure_events": table("measure_events", links(reg.measures, cited, ctx), "link_id"),
        "places": _places(sources, reg.places, problems),
        "outlets": table(
            "outlets",
            [
                {
                    "outlet_id": o["outlet_id"],
                    "name": o["name"],
                    "domain": o.get("domain"),
                    "owner": o.get("owner"),
                    "country_iso3": o.get("country"),
                    "is_wire_service": o["wire_service"],
                    "aliases": list(o.get("aliases", [])),
                }
                for o in sources.registry("outlets")
            ],
            "outlet_id",
        ),
    }
    return tables, problems.problems


def _check_same_text(articles: pl.DataFrame, problems: Collector) -> None:
    """The same text under two ids would count one article twice as corroboration: the same bytes,
    or the same words with other whitespace, line ends or invisible characters (`rows.words_sha256`)."""
    twins = articles.select("article_id", "text_sha256", "words_sha256").filter(pl.col("words_sha256").is_duplicated()).sort("article_id")
    first: dict[str, tuple[str, str]] = {}
    for article_id, sha, words in twins.iter_rows():
        if words not in first:
            first[words] = (article_id, sha)
            continue
        other, other_sha = first[words]
        how = f"the same raw text (sha256 {sha[:12]}…)" if other_sha == sha else "the same text apart from whitespace, line ends or invisible characters"
        problems.add(
            f"dataset/articles/{article_id}.txt",
            None,
            None,
            f"{how} as dataset/articles/{other}.txt; an article is added once: delete one of the two (and its .yml)",
        )


def _places(sources: Sources, places: PlaceRegistry, problems: Collector) -> pl.DataFrame:
    rows = []
    for i, (pid, p) in enumerate(places.places.items()):
        doc = sources.file("places")  # places are registered there
        if p.get("within") is not None and p["within"] not in places.places:
            problems.add(doc.path, doc.line_of(["places", i, "within"]), f"places[{i}].within", f"unknown place {p['within']!r}; add it to dataset/places.yml")
        chain = places.ancestors(pid)
        if places.places[chain[-1]].get("within") in chain:
            problems.add(doc.path, doc.line_of(["places", i, "within"]), f"places[{i}].within", f"{pid!r} lies within itself")
        iso3 = next((places.places[a].get("iso3") for a in chain if places.places[a].get("iso3")), None)
        rows.append(
            {"place_id": pid, "name": p["name"], "kind": p["kind"], "within": p.get("within"), "country_iso3": iso3, "aliases": list(p.get("aliases", []))}
        )
    return table("places", rows, "place_id")


def _with_segments(articles: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    """The articles table, sorted, from its part and the flat segment rows; its `evidence` is its `text`."""
    fields = ["kind", "char_start", "char_end", "reason"]
    nested = segments.sort("article_id", "char_start", "char_end", "kind").group_by("article_id", maintain_order=True).agg(pl.struct(fields).alias("segments"))
    schema = polars_schema("articles")
    made = articles.join(nested, on="article_id", how="left", maintain_order="left").with_columns(pl.col("segments").fill_null([]))
    return made.with_columns(pl.col("text").alias("evidence")).select(pl.col(c).cast(t) for c, t in schema.items()).sort("article_id")


def published_tables(release_root: Path, table: str) -> list[Path]:
    """The Parquet files of `table` in the published releases under `release_root` (of either layout), lowest version first."""
    found = [
        (version_key(p.name), path)
        for p in (release_root.iterdir() if release_root.is_dir() else [])
        if is_release_version(p.name) and (path := table_file(p, table)) is not None
    ]
    return [path for _, path in sorted(found)]


def article_ages(release_root: Path) -> dict[str, int]:
    """Article id -> the rank of the first published release that holds it (0: the oldest release)."""
    ages: dict[str, int] = {}
    for n, path in enumerate(published_tables(release_root, "articles")):
        for article_id in pl.read_parquet(path, columns=["article_id"])["article_id"].to_list():
            ages.setdefault(article_id, n)
    return ages


def published_groups(release_root: Path) -> dict[str, str]:
    """Normalised quote text -> quote_group_id in the latest release under `release_root` (highest version)."""
    releases = published_tables(release_root, "quotes")
    if not releases:
        return {}
    latest = releases[-1]
    published = pl.read_parquet(latest, columns=["text", "quote_group_id"]).unique().sort("quote_group_id")
    out: dict[str, str] = {}
    for text, gid in published.iter_rows():
        out.setdefault(normalise(text), gid)
    return out


def _quotes(quotes: pl.DataFrame, outlets: pl.DataFrame, published: dict[str, str]) -> pl.DataFrame:
    """Quote rows with their group (a published group keeps its id) and its corroboration, in the
    order of their articles, as `evidence`."""
    joined, merges = group_frame(quotes.select("norm", "norm_gid"), published)
    outlet_of = dict(outlets.iter_rows())
    group = "quote_group_id"
    # Window expressions add the counts as columns: no join, so the quote rows are never copied.
    added = (
        quotes.select(pl.col("norm").replace_strict(joined, default=pl.col("norm_gid"), return_dtype=pl.String).alias(group), "article_id")
        .with_columns(
            pl.col(group).replace_strict(merges, default=[], return_dtype=pl.List(pl.String)).alias("merged_group_ids"),
            pl.col("article_id").n_unique().over(group).alias("n_articles"),
            pl.col("article_id").replace_strict(outlet_of, return_dtype=pl.String).n_unique().over(group).alias("n_outlets"),
        )
        .drop("article_id")
    )
    schema = polars_schema("quotes")
    kept = quotes.select(c for c in schema if c not in added.columns)
    return _side_by_side(kept, added).select(pl.col(c).cast(t) for c, t in schema.items())


def _side_by_side(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """The columns of `left` and `right` (the same rows) as one frame, `right` cut where `left`'s
    chunks end: Polars copies a frame whose columns are cut in different places into one chunk,
    and `left`'s chunks may be the workers' files, mapped rather than read."""
    pieces, start = [], 0
    for n in left.get_column(left.columns[0]).chunk_lengths():
        pieces.append(pl.concat([left.slice(start, n), right.slice(start, n)], how="horizontal"))
        start += n
    return pl.concat(pieces, rechunk=False) if len(pieces) > 1 else pl.concat([left, right], how="horizontal")


def _people(
    reg: Registries, evidence: pl.DataFrame, roles: pl.DataFrame, sources: Sources, problems: Collector, unsure: set[str] | frozenset, order: pl.DataFrame
) -> pl.DataFrame:
    people = reg.people
    primary = _primary(evidence, "people", order)
    mentions = evidence.lazy().filter((pl.col("subject_table") == "people") & pl.col("claim_field").is_null() & ~pl.col("in_duplicate"))
    n_mentions = dict(mentions.group_by("subject_id").len().collect().iter_rows())
    counts = corroboration(evidence, "people", order)
    rows = []
    for pid, person in people.items():
        if pid not in primary:
            if pid not in unsure and "*" not in unsure:
                i = reg.index["people"][pid]
                doc = sources.file("people")
                problems.add(
                    doc.path,
                    doc.line_of(["people", i]),
                    f"people[{i}]",
                    f"{pid!r} is never mentioned in any article body or byline; add the form the articles use to its aliases,"
                    " record it on an article's mentions, or remove the entry",
                )
            continue
        p = primary[pid]
        aliases = list(person["aliases"]) + [a for a in person.get("ambiguous_aliases", []) if a not in person["aliases"]]
        rows.append(
            {
                "person_id": pid,
                "name": person["name"],
                "aliases": aliases,
                "country": person.get("country"),
                "wikidata_id": person.get("wikidata_id"),
                "n_articles": counts[pid][0],
                "n_outlets": counts[pid][1],
                "n_mentions": n_mentions.get(pid, 0),
                **{k: p[k] for k in PROVENANCE},
            }
        )
    schema = polars_schema("people")
    # Each person's roles as stated, in article and text order, each distinct statement once per
    # article; joined in Polars, so that the many roles never become Python objects.
    entry = ["article_id", "role", "organisation", "country"]
    per_person = roles.group_by("person").agg(pl.struct(entry).sort_by("article_id", "char_start", "index").unique(maintain_order=True).alias("roles"))
    return (
        pl.DataFrame(rows, schema={c: t for c, t in schema.items() if c != "roles"})
        .join(per_person.rename({"person": "person_id"}), on="person_id", how="left", maintain_order="left")
        .with_columns(pl.col("roles").fill_null([]))
        .select(pl.col(c).cast(t) for c, t in schema.items())
        .sort("person_id")
    )
