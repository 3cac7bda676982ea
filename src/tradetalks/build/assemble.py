"""Stage 4, assemble: polars frames for every table from sources + located annotations.

Ids come from natural keys; rows are sorted by id; every row carries its provenance span. The rows
of each article come from `rows` (plain Python, per chunk of articles); here they become frames,
and the cross-article work follows (quote groups, corroboration, people and subject rows).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tradetalks.build.claims import PlaceRegistry
from tradetalks.build.detect.groups import Links, find_links, group_frame, normalise
from tradetalks.build.digest import row_hashes, table_digest
from tradetalks.build.errors import Collector, DatasetError, Problem
from tradetalks.build.formats.files import table_file
from tradetalks.build.locate import ArticleSpans
from tradetalks.build.rows import (  # noqa: F401  (re-exported: the pipeline's per-article half)
    COLUMNS,
    REFERENCES,
    REGISTRY_KEYS,
    SUBJECT_TABLES,
    Registries,
    _date,
    article_rows,
    claim_text,
    referenced,
    registries,
    registry_problems,
    unsettled,
)
from tradetalks.build.sources import REGISTRIES, Sources
from tradetalks.build.subjects import Context, Outlets, article_order, claim_rows, corroboration, links, subject_rows, table
from tradetalks.build.subjects import primary_rows as _primary
from tradetalks.schemas.tables import polars_schema

QUOTE_GROUP_COLUMNS = ("quote_group_id", "merged_group_ids", "n_articles", "n_outlets")
RELEASE_DIR = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
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


def assemble_tables(sources: Sources, located: dict[str, ArticleSpans]) -> dict[str, pl.DataFrame]:
    """Every table of the release, validated later by the schemas."""
    rows, problems = article_rows(sources, located, registries(sources))
    tables, found = combine(sources, [part_frames(article_columns(rows))])
    if problems or found:
        raise DatasetError(problems + found)
    return tables


# Articles come without their nested `segments` and their `evidence` (the whole text): `combine`
# adds both, the segments from flat rows, the evidence sharing the text's memory.
PART_SCHEMAS: dict[str, Callable[[], Mapping[str, pl.DataType | type[pl.DataType]]]] = {
    "articles": lambda: {c: t for c, t in polars_schema("articles").items() if c not in ("segments", "evidence")},
    "evidence": lambda: polars_schema("evidence"),
    "quotes": lambda: {c: t for c, t in polars_schema("quotes").items() if c not in QUOTE_GROUP_COLUMNS} | {"norm": pl.String, "norm_gid": pl.String},
    "roles": lambda: ROLE_SCHEMA,
    "segments": lambda: SEGMENT_SCHEMA,
}


def article_columns(rows: dict[str, list[tuple]]) -> dict[str, dict[str, list]]:
    """The per-article rows (`rows.article_rows`, tuples of `rows.COLUMNS`) as plain Python columns, ready for `part_frames`.

    Computed in the worker process without building frames: `part_frames` turns them into frames
    where they arrive and `combine` joins the parts of every chunk into the release's tables.
    """
    out = {}
    for name, part in rows.items():
        # zip(*rows) is the transpose; strict: a row of another length is a bug, not a shorter column.
        out[name] = dict(zip(COLUMNS[name], map(list, zip(*part, strict=True)), strict=True)) if part else {c: [] for c in COLUMNS[name]}
    return out


def part_frames(columns: dict[str, dict[str, list]]) -> dict[str, pl.DataFrame]:
    frames = {}
    for name, cols in columns.items():
        schema = PART_SCHEMAS[name]()
        if list(cols) != list(schema):  # `rows.COLUMNS` names the columns of the schemas, in their order
            raise RuntimeError(f"the {name} rows have columns {list(cols)}, the schema {list(schema)}; this is a bug in rows.COLUMNS")
        frames[name] = pl.DataFrame(cols, schema=schema)
    return frames


# The tables made from the evidence and the registries (not from the quotes): the same inputs
# give the same tables, so a rebuild whose inputs are unchanged reuses them (`derived_key`).
DERIVED = ("people", "events", "tariff_measures", "disputes", "measure_steps", "measure_events")
# The evidence columns they are made from: only these reach the code that makes them (so it cannot
# read another), and only these are in their `derived_key`: an edit of an evidence row's note,
# date text, number or variant flag leaves them as they were.
DERIVED_EVIDENCE = tuple(c for c in COLUMNS["evidence"] if c not in ("claim_number", "date_text", "note", "variant"))
OUTLET_COLUMNS = ("article_id", "wire_service", "outlet", "wire_service_id", "outlet_id")


@dataclass
class CombineMemo:
    """What `combine` may reuse from the previous build (the build cache), and what it made this time.

    `known`/`found`: the quote groups' links. `derived`: (key, tables) of the `DERIVED` tables of
    the previous build that passed; `key`: this build's `derived_key`.
    """

    known: Links | None = None
    found: Links | None = None
    derived: tuple[str, dict[str, pl.DataFrame]] | None = None
    key: str | None = None
    digests: dict[str, str] = field(default_factory=dict)  # table -> table_digest, of the tables digested on the way
    # (quotes_key, groups): the group columns of the quotes table of the previous build that passed
    # (`quote_groups`); this build's `quotes_key`.
    quotes: tuple[str, pl.DataFrame] | None = None
    quotes_key: str | None = None
    rows: dict[str, pl.Series] = field(default_factory=dict)  # table -> digest.row_hashes, of the tables in `digests`
    # The derived tables are those of the previous build that passed, made from the same evidence
    # claims (`DERIVED_EVIDENCE`), outlets and registries: the checks that read only these pass again.
    settled: bool = False


def quotes_key(quotes: pl.DataFrame, outlets: pl.DataFrame, published: dict[str, str]) -> str:
    """Everything `_quotes` makes the quotes' groups (`quote_groups`) from: each quote's id,
    normalised text, own group id and article (in any order), each article's outlet, and the
    published groups. The code (the threshold included) is the build cache's own key."""
    rows = quotes.select("quote_id", "norm", "norm_gid", "article_id")
    digests = [table_digest(rows, ordered=False), table_digest(outlets, ordered=False), sorted(published.items())]
    return hashlib.sha256(json.dumps(digests).encode("utf-8")).hexdigest()


def derived_key(
    sources: Sources, claims_digest: str, articles: pl.DataFrame, roles: pl.DataFrame, unsure: set[str] | frozenset, ages: Mapping[str, int]
) -> str | None:
    """Everything the `DERIVED` tables are made from: the bytes of every registry file, the
    evidence's `DERIVED_EVIDENCE` columns (`claims_digest`, their `table_digest`), the articles'
    ids, outlets and reference dates, the roles as stated (in any order) and the articles' ages
    (`article_ages`); None while some support may be missing (`unsure`). The code is the build
    cache's own key."""
    if unsure:
        return None
    files = []
    for name in REGISTRIES:
        doc = getattr(sources, name)
        files.append([name, doc.sha256 if doc is not None else None])
    digests = [claims_digest, table_digest(articles.select(*OUTLET_COLUMNS, "reference_date")), table_digest(roles, ordered=False), sorted(ages.items())]
    return hashlib.sha256(json.dumps([files, digests]).encode("utf-8")).hexdigest()


def combine(
    sources: Sources,
    parts: list[dict[str, pl.DataFrame]],
    unsure: set[str] | frozenset = frozenset(),
    memo: CombineMemo | None = None,
    ready: Callable[[str, pl.DataFrame, str | None], None] | None = None,
    keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    """The release's tables from the parts of every chunk and the registries, and the problems of the registries.

    `unsure`: ids whose support may be in articles or annotations left out by earlier problems;
    the checks that need every article's evidence skip them (see `unsettled`).
    `memo`: what the previous build left (see `CombineMemo`); its `DERIVED` tables are reused when
    their `derived_key` is the same (that build passed, so making them again finds no problem).
    `ready(table, frame, digest)` is told of a table as soon as it is final (see `pipeline.check`).
    `keep(frame)`: the same frame held elsewhere than in memory (`spill.Spill.keep`), for the large
    tables as they are made; the frame given is dropped.
    """
    # Load inputs.
    problems = Collector()
    reg = registries(sources)
    problems.problems += registry_problems(sources)
    if not parts:  # every article was left out
        parts = [part_frames({name: {c: [] for c in schema()} for name, schema in PART_SCHEMAS.items()})]
    part = {
        name: merge_runs([p.pop(name) for p in parts], SORTED_PARTS[name]) if name in SORTED_PARTS else pl.concat([p.pop(name) for p in parts], how="vertical")
        for name in list(parts[0])
    }
    # The evidence first: the largest table, final once sorted, is written while the rest is made.
    evidence = sorted_by_key(part.pop("evidence"), "evidence_id", keep)
    cited = evidence.select(DERIVED_EVIDENCE)  # what the derived tables are made from
    claims_digest = ""
    if memo is not None:  # the validation's digests too
        # Its rows hashed in two parts, its claims and the rest, each hashed once: the claims'
        # digest is part of the derived tables' key.
        claims, rest = row_hashes(cited), row_hashes(evidence.drop(DERIVED_EVIDENCE))
        claims_digest = table_digest(cited, rows=claims)
        memo.rows["evidence"] = row_hashes(pl.DataFrame([claims.alias("claims"), rest.alias("rest")]))
        memo.digests["evidence"] = table_digest(evidence, rows=memo.rows["evidence"])
    if ready is not None:
        ready("evidence", evidence, memo.digests["evidence"] if memo is not None else None)
    articles = _with_segments(part.pop("articles"), part.pop("segments"), keep)
    outlets = articles.select("article_id", pl.coalesce("wire_service_id", "outlet_id", pl.lit("article:") + pl.col("article_id")).alias("outlet_key"))
    _check_same_text(articles, problems)

    # Process.
    if memo is not None:
        memo.rows["articles"] = row_hashes(articles)
        memo.digests["articles"] = table_digest(articles, rows=memo.rows["articles"])
    if ready is not None:
        ready("articles", articles, memo.digests["articles"] if memo is not None else None)
    ages = article_ages(Path(sources.root) / "release")
    key = derived_key(sources, claims_digest, articles, part["roles"], unsure, ages) if memo is not None else None
    if memo is not None:
        memo.key = key
    if memo is not None and key is not None and memo.derived is not None and memo.derived[0] == key:
        derived = memo.derived[1]
        memo.settled = True
    else:
        order = article_order(articles, cited, ages)
        reference = dict(zip(articles["article_id"].to_list(), articles["reference_date"].to_list(), strict=True))
        ctx = Context(sources, reg.places, Outlets.of(articles), claim_rows(cited, order), problems, cited, order, reference, reg.index, unsure)
        events, event_disputes, _ = subject_rows("events", reg.events, cited, ctx)
        measures, measure_disputes, steps = subject_rows("measures", reg.measures, cited, ctx)
        derived = {
            "people": _people(reg, cited, part["roles"], sources, problems, unsure, order),
            "events": events,
            "tariff_measures": measures,
            "disputes": table("disputes", event_disputes + measure_disputes, "dispute_id"),
            "measure_steps": table("measure_steps", steps, "step_id"),
            "measure_events": table("measure_events", links(reg.measures, cited, ctx), "link_id"),
        }
    tables = {
        "articles": articles,
        "people": derived["people"],
        "quotes": _quotes_once(part.pop("quotes"), outlets, published_groups(Path(sources.root) / "release"), memo, keep),
        "events": derived["events"],
        "tariff_measures": derived["tariff_measures"],
        "evidence": evidence,
        "disputes": derived["disputes"],
        "measure_steps": derived["measure_steps"],
        "measure_events": derived["measure_events"],
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
    """The same raw text under two ids would count one article twice as corroboration."""
    # Only the few articles whose text is not unique are grouped.
    twins = articles.filter(pl.col("text_sha256").is_duplicated()).group_by("text_sha256").agg(pl.col("article_id").sort()).sort("text_sha256")
    for sha, ids in twins.iter_rows():
        for other in ids[1:]:
            problems.add(
                f"dataset/articles/{other}.txt",
                None,
                None,
                f"the same raw text (sha256 {sha[:12]}…) as dataset/articles/{ids[0]}.txt; an article is added once: delete one of the two (and its .yml)",
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


# The per-article parts with a key of their own: the build cache keeps each sorted by it, so that a
# rebuild inserts the few new rows among the kept ones (`merge_runs`) instead of sorting every row.
SORTED_PARTS = {"articles": "article_id", "evidence": "evidence_id", "quotes": "quote_id"}
# At most this many rows are inserted into a sorted run by slicing (each becomes a chunk of its
# own); more, and the rows are concatenated and sorted as a whole.
MERGE_ROWS = 2_000


def merge_runs(frames: list[pl.DataFrame], key: str) -> pl.DataFrame:
    """`frames` as one frame sorted by `key` (unique within it) when the largest is sorted and the others are small.

    The rows of the others are placed among the largest's rows by slicing it at their positions:
    no column is copied. Otherwise the frames are only concatenated (`sorted_by_key` sorts them later).
    """
    frames = [df for df in frames if df.height] or frames[:1]
    if len(frames) == 1:
        return frames[0]
    base = max(range(len(frames)), key=lambda i: frames[i].height)
    rest = [df for i, df in enumerate(frames) if i != base]
    if sum(df.height for df in rest) > MERGE_ROWS or not frames[base][key].is_sorted():
        return pl.concat(frames, how="vertical")
    # Sorted by construction: said so, so that `sorted_by_key` need not compare every key again.
    return splice(frames[base], [], pl.concat(rest, how="vertical").sort(key), key).with_columns(pl.col(key).set_sorted())


def splice(run: pl.DataFrame, drop: list[int], insert: pl.DataFrame | None, key: str) -> pl.DataFrame:
    """`run` (sorted by `key`) without the rows at positions `drop` (ascending) and with the rows of
    `insert` (sorted by `key`) in their sorted places, made of slices of both: nothing is copied."""
    at = run[key].search_sorted(insert[key], side="left").to_list() if insert is not None and insert.height else []
    pieces: list[pl.DataFrame] = []
    start = 0  # the first row of `run` not yet placed
    i = j = 0
    while i < len(at) or j < len(drop):
        if i < len(at) and (j == len(drop) or at[i] <= drop[j]):
            n = 1
            while i + n < len(at) and at[i + n] == at[i]:
                n += 1
            if at[i] > start:
                pieces.append(run.slice(start, at[i] - start))
                start = at[i]
            assert insert is not None
            pieces.append(insert.slice(i, n))
            i += n
        else:
            if drop[j] > start:
                pieces.append(run.slice(start, drop[j] - start))
            start = drop[j] + 1
            j += 1
    if start < run.height:
        pieces.append(run.slice(start))
    if not pieces:
        return run.clear()
    return pl.concat(pieces, how="vertical", rechunk=False)


def sorted_by_key(df: pl.DataFrame, key: str, keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> pl.DataFrame:
    """`df` sorted by `key`, consuming `df`: a column is released as soon as its sorted copy exists,
    so a large table never sits in memory twice (chunks arriving in order are not copied at all).
    `keep` (see `combine`): each sorted column is handed to it as soon as it is made (a sorted
    `df` is returned as it is, in whatever memory it was)."""
    if df[key].is_sorted():
        return df.with_columns(pl.col(key).set_sorted())
    order = _arg_sort(df[key])
    # A column made contiguous first is gathered about twice as fast as one in many chunks.
    columns = []
    for name in list(df.columns):
        column = df.drop_in_place(name).rechunk().gather(order)
        columns.append(keep(column.to_frame()).to_series() if keep is not None else column)
        del column
    return pl.DataFrame(columns).with_columns(pl.col(key).set_sorted())


# An id made by `ids.stable_id`: a prefix, "_" and 16 lowercase hex digits.
STABLE_ID = re.compile(r"([a-z]+_)[0-9a-f]{16}")


def _arg_sort(ids: pl.Series) -> pl.Series:
    """`ids.arg_sort()`: when every id is a `STABLE_ID` of one prefix, from the numbers their digits
    write (fixed-width lowercase hex sorts as its number), several times cheaper than comparing texts."""
    m = STABLE_ID.fullmatch(ids[0]) if ids.len() and ids.dtype == pl.String and ids[0] is not None else None
    if m is None or ids.null_count() or not ids.str.contains(f"^{m[1]}[0-9a-f]{{16}}$").all():
        return ids.arg_sort()
    return ids.str.slice(len(m[1])).str.to_integer(base=16, dtype=pl.UInt64).arg_sort()


def _with_segments(articles: pl.DataFrame, segments: pl.DataFrame, keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> pl.DataFrame:
    """The articles table, sorted, from its part and the flat segment rows; its `evidence` shares the `text`'s memory."""
    fields = ["kind", "char_start", "char_end", "reason"]
    nested = segments.sort("article_id", "char_start", "char_end", "kind").group_by("article_id", maintain_order=True).agg(pl.struct(fields).alias("segments"))
    schema = polars_schema("articles")
    made = articles.join(nested, on="article_id", how="left", maintain_order="left").with_columns(pl.col("segments").fill_null([]))
    del articles, nested
    # Sorted without the evidence, which is added after (kept apart, it would be held twice).
    made = sorted_by_key(made.select(pl.col(c).cast(t) for c, t in schema.items() if c != "evidence"), "article_id")
    if keep is not None:  # made here, in memory (the join copies the rows)
        made = keep(made)
    return made.with_columns(pl.col("text").alias("evidence")).select(list(schema)).with_columns(pl.col("article_id").set_sorted())


def published_tables(release_root: Path, table: str) -> list[Path]:
    """The Parquet files of `table` in the published releases under `release_root` (of either layout), lowest version first."""
    versions = [
        (tuple(map(int, m.groups())), path)
        for p in (release_root.iterdir() if release_root.is_dir() else [])
        if (m := RELEASE_DIR.match(p.name)) and (path := table_file(p, table)) is not None
    ]
    return [p for _, p in sorted(versions)]


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


def quote_groups(quotes: pl.DataFrame) -> pl.DataFrame:
    """What `_quotes` adds to the quote rows, by quote id (the table's order): all a rebuild needs
    to make the same table again from the same rows (`_quotes_once`)."""
    return quotes.select("quote_id", *QUOTE_GROUP_COLUMNS)


def _quotes_once(
    quotes: pl.DataFrame,
    outlets: pl.DataFrame,
    published: dict[str, str],
    memo: CombineMemo | None = None,
    keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """`_quotes`, or the quote rows with the previous build's groups when made from the same inputs (`quotes_key`)."""
    if memo is None:
        return _quotes(quotes, outlets, published, None, keep)
    memo.quotes_key = quotes_key(quotes, outlets, published)
    if memo.quotes is not None and memo.quotes[0] == memo.quotes_key:
        rows, groups = sorted_by_key(quotes, "quote_id"), memo.quotes[1]
        if rows["quote_id"].equals(groups["quote_id"]):
            schema = polars_schema("quotes")
            made = rows.drop("norm", "norm_gid").hstack(groups.drop("quote_id").get_columns())
            # Of the rows' memory, as they came (a build cache's are memory-mapped), only the group columns are new.
            return made.select(pl.col(c).cast(t) for c, t in schema.items()).with_columns(pl.col("quote_id").set_sorted())
    return _quotes(quotes, outlets, published, memo, keep)


def _quotes(
    quotes: pl.DataFrame,
    outlets: pl.DataFrame,
    published: dict[str, str],
    memo: CombineMemo | None = None,
    keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Quote rows with their group (a published group keeps its id) and its corroboration."""
    nodes = quotes.select("norm", "norm_gid")
    links = find_links(nodes, known=memo.known if memo is not None else None)
    if memo is not None:
        memo.found = links
    joined, merges = group_frame(nodes, published, links=links)
    quotes = quotes.with_columns(
        pl.col("norm").replace_strict(joined, default=pl.col("norm_gid"), return_dtype=pl.String).alias("quote_group_id"),
    ).with_columns(
        pl.col("quote_group_id").replace_strict(merges, default=[], return_dtype=pl.List(pl.String)).alias("merged_group_ids"),
    )
    del joined
    # Window expressions add the counts as columns: no join, so the quote rows are never copied.
    outlet_of = dict(outlets.iter_rows())
    group = "quote_group_id"
    quotes = quotes.with_columns(
        pl.col("article_id").n_unique().over(group).alias("n_articles"),
        pl.col("article_id").replace_strict(outlet_of, return_dtype=pl.String).n_unique().over(group).alias("n_outlets"),
    )
    schema = polars_schema("quotes")
    return sorted_by_key(quotes.select(pl.col(c).cast(t) for c, t in schema.items()), "quote_id", keep)


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
                **{k: p[k] for k in ("article_id", "char_start", "char_end", "evidence", "method")},
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
