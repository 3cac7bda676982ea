"""Events and tariff measures, and what the articles say about them: disputes, lifecycles, links.

Every row here is recomputed from the evidence at each build. A curator's resolution of a dispute
names the values it was written for, so a new conflicting claim is never hidden behind it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from functools import cached_property
from typing import Any

import polars as pl

from tradetalks.contract.tables import PROVENANCE, polars_schema
from tradetalks.errors import Collector
from tradetalks.pipeline.claims import (
    DATE_FAMILIES,
    END_COLUMN,
    NOT_COMPARED,
    PLACE_CLAIMS,
    PRECISION_COLUMN,
    SET_CLAIMS,
    START_COLUMN,
    Interval,
    PlaceRegistry,
    claim_text,
    compatible,
    conflicting,
    interval,
    set_members,
    value_text,
)
from tradetalks.pipeline.ids import stable_id
from tradetalks.pipeline.rows import SUBJECT_TABLES
from tradetalks.pipeline.sources import Sources

# The measure field that dates each status; a status without one is undated (a pause, a withdrawal).
STATUS_DATE = {
    "threatened": "announced_date",
    "proposed": "announced_date",
    "reported": "announced_date",
    "under_investigation": "announced_date",
    "announced": "announced_date",
    "agreed": "announced_date",
    "in_effect": "effective_date",
    "paused": None,
    "averted": None,
    "withdrawn": None,
    "expired": "expiry_date",
}
# The usual order of a measure's life: steps sort by it, then by date.
STATUS_ORDER = list(STATUS_DATE)
FIRST = ("in_duplicate", "article_id", "char_start", "char_end", "evidence_id")


# An article's outlet as Python's `or` reads it: an empty name or id counts as none. (The ids are
# registry slugs, never empty: the key is `assemble`'s coalesce of them for the quotes.)
def _given(column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & (pl.col(column) != "")


OUTLET_NAME = pl.when(_given("wire_service")).then(pl.col("wire_service")).otherwise(pl.col("outlet"))
UNKNOWN_OUTLET = "article:"  # the key of an article whose outlet is unknown: its own
OUTLET_KEY = (
    pl.when(_given("wire_service_id"))
    .then(pl.col("wire_service_id"))
    .when(_given("outlet_id"))
    .then(pl.col("outlet_id"))
    .otherwise(pl.lit(UNKNOWN_OUTLET) + pl.col("article_id"))
)


@dataclass
class Outlets:
    """Per article: the key corroboration counts (a wire story once; an unknown outlet per article) and a known name."""

    key: dict[str, str]
    name: dict[str, str | None]

    @classmethod
    def of(cls, articles: pl.DataFrame) -> Outlets:
        columns = articles.select("article_id", OUTLET_KEY.alias("key"), OUTLET_NAME.alias("name"))
        ids = columns["article_id"].to_list()
        return cls(dict(zip(ids, columns["key"].to_list(), strict=True)), dict(zip(ids, columns["name"].to_list(), strict=True)))

    def count(self, articles: set[str]) -> int:
        return len({self.key[a] for a in articles})

    def known(self, article: str) -> bool:
        return not self.key[article].startswith(UNKNOWN_OUTLET)

    def names(self, articles: set[str]) -> list[str]:
        """The names of the known outlets of `articles`, one per outlet (`count_known` of them): two
        articles of one outlet may print its name differently ("Reuters", "REUTERS"); the first in
        sort order stands for it."""
        by_key: dict[str, set[str]] = defaultdict(set)
        for a in articles:
            if self.known(a):
                by_key[self.key[a]].add(self.name[a] or self.key[a])
        return sorted(min(names) for names in by_key.values())

    def count_known(self, articles: set[str]) -> int:
        return len({self.key[a] for a in articles if self.known(a)})

    def count_unknown(self, articles: set[str]) -> int:
        """Articles of unknown outlet: each counts as an outlet of its own in `count`."""
        return sum(not self.known(a) for a in articles)


# Provenance order (`FIRST`) by numbers (`article_order`): comparing them is much cheaper than
# comparing the texts, and a group's first row is found without sorting the table.
BY_NUMBERS = ["in_duplicate", "_article", "char_start", "char_end", "_rank"]


def article_order(articles: pl.DataFrame, evidence: pl.DataFrame, age: Mapping[str, int] | None = None) -> pl.DataFrame:
    """Per evidence row, in the table's order, numbers that sort and count it:

    `_article` sorts its article by age, then id: `age` gives the rank of the first published
    release that holds the article, and articles no release holds come after every published one.
    So a row's provenance (its first evidence) stays where it was published while that evidence
    exists: an article added later never takes it over, whatever its id. `_rank` sorts as the
    evidence id (ties by position), and `_outlet` is the article's outlet key (`Outlets`) as a
    number (null for an article not among `articles`).
    """
    age = age or {}
    newest = max(age.values(), default=-1) + 1
    ids, cited = articles["article_id"], evidence["article_id"]
    outlet = articles.select(OUTLET_KEY.rank("dense")).to_series()
    rank = (
        pl.int_range(evidence.height, dtype=pl.UInt32, eager=True) if evidence["evidence_id"].flags["SORTED_ASC"] else evidence["evidence_id"].rank("ordinal")
    )
    every = pl.concat([ids, cited]).drop_nulls().unique().to_list()
    article = cited.cast(pl.Enum(sorted(every, key=lambda a: (age.get(a, newest), a)))).to_physical()
    # The outlets looked up by id (the last row of an id, as in `Outlets`).
    by_id = articles.select("article_id", outlet.alias("_outlet")).unique("article_id", keep="last")
    outlet = evidence.select("article_id").join(by_id, on="article_id", how="left", maintain_order="left")["_outlet"]
    return pl.DataFrame([article.alias("_article"), rank.alias("_rank"), outlet])


def _numbered(evidence: pl.DataFrame, order: pl.DataFrame) -> pl.LazyFrame:
    """`evidence` with its position (`_row`) and the columns of its `order` (`article_order`)."""
    return pl.concat([evidence, order], how="horizontal").lazy().with_row_index("_row")


def _provenance_sort(evidence: pl.DataFrame, order: pl.DataFrame, rows: pl.Series) -> pl.Series:
    """The permutation that puts the evidence at positions `rows` in provenance order."""
    keys = pl.concat([evidence.select("in_duplicate", "char_start", "char_end"), order], how="horizontal").gather(rows)
    return keys.select(pl.arg_sort_by(BY_NUMBERS)).to_series()


def claim_rows(evidence: pl.DataFrame, order: pl.DataFrame) -> dict[tuple[str, str, str], list[dict]]:
    """Compared claims by (subject_table, subject_id, field): one entry per distinct claimed value, in provenance order.

    Each entry is the value's first claim (its provenance) with `rows`, the positions in `evidence`
    of every claim of that value in provenance order (a Series: the claims' articles are read
    only where needed, see `Context.articles_of`): a large corpus repeats the same values many
    times, and only the distinct ones are compared.
    """
    value = ["claim_value", "claim_date_start", "claim_date_end", "claim_date_precision", "claim_place_id"]
    group = ["subject_table", "subject_id", "claim_field", *value]
    first = [c for c in ["evidence_id", *PROVENANCE, "in_duplicate"] if c not in group]
    claims = _numbered(evidence, order).filter(
        pl.col("subject_table").is_in(["events", "tariff_measures"]) & pl.col("claim_field").is_not_null() & (pl.col("claim_field") != "local_date")
    )
    # Each value's claims as row positions in provenance order; the values in the order of their first claims.
    values = claims.group_by(group).agg(pl.col("_row").sort_by(BY_NUMBERS).alias("_rows")).collect()
    values = values[_provenance_sort(evidence, order, values["_rows"].list.first())]
    firsts = pl.concat([values.select(group), evidence.select(first).gather(values["_rows"].list.first())], how="horizontal")
    out: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r, rows in zip(firsts.iter_rows(named=True), values["_rows"], strict=True):
        r["rows"] = rows
        out[(r["subject_table"], r["subject_id"], r["claim_field"])].append(r)
    return out


def _key(field: str, claim: dict) -> Any:
    """The claim's value as compared: an Interval, a place_id, or the text."""
    if claim["claim_date_start"] is not None and field != "local_date":
        return Interval(claim["claim_date_start"], claim["claim_date_end"], claim["claim_date_precision"])
    if field in PLACE_CLAIMS:
        return claim["claim_place_id"]
    return claim["claim_value"]


@dataclass
class Context:
    sources: Sources
    places: PlaceRegistry
    outlets: Outlets
    claims: dict[tuple[str, str, str], list[dict]]
    problems: Collector
    evidence: pl.DataFrame
    order: pl.DataFrame  # article_order of the evidence
    reference: pl.DataFrame  # each article's reference_date (article_id, reference_date): the moment its undated status claims hold
    # Each registry id's index in its file (entries that fail the schema are left out of the registries).
    index: dict[str, dict[str, int]] = dc_field(default_factory=dict)
    # Ids whose support may sit in articles or annotations left out by earlier problems: the checks
    # that need every article's evidence are not made for them (see rows.unsettled).
    unsure: set[str] | frozenset = frozenset()

    @cached_property
    def status_moments(self) -> dict[str, list[tuple[str, str, Interval]]]:
        """Each measure's status claims as (status, article, moment), for
        `clashing_statuses`: one claim per article for the first and last article (by id) of each
        status and moment, which decides as much as all of them (it asks only whether two groups of
        claims span more than one article).

        A status claim holds at the date its own annotation claims for the status's date field
        (`STATUS_DATE`: the evidence row of that field with the same measure, article and span),
        else at its article's reference date (the status as of the text)."""
        dated = (
            self.evidence.filter(
                (pl.col("subject_table") == "tariff_measures")
                & pl.col("claim_field").is_in([f for f in STATUS_DATE.values() if f])
                & pl.col("claim_date_start").is_not_null()
            )
            .select(
                "subject_id",
                "article_id",
                "char_start",
                "char_end",
                pl.col("claim_field").alias("_family"),
                pl.col("claim_date_start").alias("_start"),
                pl.coalesce("claim_date_end", "claim_date_start").alias("_end"),
                pl.col("claim_date_precision").alias("_precision"),
            )
            .unique(["subject_id", "article_id", "char_start", "char_end", "_family"], keep="last", maintain_order=True)
        )
        said = (
            self.evidence.filter((pl.col("subject_table") == "tariff_measures") & (pl.col("claim_field") == "status"))
            .select("subject_id", pl.col("claim_value").alias("_status"), "article_id", "char_start", "char_end")
            .with_columns(pl.col("_status").replace_strict(STATUS_DATE, default=None, return_dtype=pl.String).alias("_family"))
            .join(dated, on=["subject_id", "article_id", "char_start", "char_end", "_family"], how="left")
            .join(self.reference.unique("article_id", keep="last").rename({"reference_date": "_day"}), on="article_id", how="left")
            .select(
                "subject_id",
                "_status",
                "article_id",
                pl.coalesce("_start", "_day").alias("_start"),
                pl.coalesce("_end", "_day").alias("_end"),
                pl.col("_precision").fill_null("day"),
            )
            .drop_nulls("_start")
        )
        moment = ["subject_id", "_status", "_start", "_end", "_precision"]
        ends = said.group_by(moment).agg(pl.col("article_id").min().alias("_first"), pl.col("article_id").max().alias("_last")).sort(moment)
        out: dict[str, list[tuple[str, str, Interval]]] = defaultdict(list)
        for sid, status, start, end, precision, first, last in ends.iter_rows():
            out[sid] += [(status, article, Interval(start, end, precision)) for article in sorted({first, last})]
        return out

    def position(self, kind: str, ident: str, fallback: int) -> int:
        return self.index.get(kind, {}).get(ident, fallback)

    def claimed(self, column: str, claims: list[dict]) -> list:
        """The `column` of the evidence of every claim of `claims` (entries of `claim_rows`)."""
        if not claims:
            return []
        return self.evidence[column].gather(pl.concat([c["rows"] for c in claims])).to_list()

    def articles_of(self, claims: list[dict]) -> set[str]:
        return set(self.claimed("article_id", claims))


def subject_rows(kind: str, registry: dict, evidence: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, list[dict], list[dict]]:
    """The events or tariff_measures table, its dispute rows and (measures) its lifecycle steps."""
    # Load inputs.
    table, _, key = SUBJECT_TABLES[kind]
    doc = getattr(ctx.sources, kind)
    primary = primary_rows(evidence, table, ctx.order)
    counts = corroboration(evidence, table, ctx.order)
    fields_of: dict[str, list[str]] = defaultdict(list)
    for t, sid, field in ctx.claims:
        if t == table:
            fields_of[sid].append(field)
    schema = polars_schema(table)

    # Process.
    rows, disputes, steps = [], [], []
    checked = ctx
    for n, (sid, item) in enumerate(registry.items()):
        i = checked.position(kind, sid, n)
        where = [kind, i]
        # An article that may claim otherwise was left out: the row is judged once it is back.
        ctx = replace(checked, problems=Collector()) if sid in checked.unsure else checked
        if sid not in primary:
            if sid not in checked.unsure:
                field_name = SUBJECT_TABLES[kind][1]
                ctx.problems.add(
                    doc.path,
                    doc.line_of(where),
                    f"{kind}[{i}]",
                    f"{sid!r} has no evidence in any article; add `- {{{field_name}: {sid}, evidence: <the article's words>}}`"
                    f" under `{kind}:` of an article that supports it, or remove the entry",
                )
            continue
        row = _registry_values(kind, item, schema, where, ctx)
        resolutions = {d["field"]: d for d in item.get("disputes", [])}
        disputed_fields: set[str] = set()
        for claimed in sorted(fields_of[sid]):
            if claimed in SET_CLAIMS:
                _check_members(table, sid, claimed, row.get(claimed), where, ctx)
            if claimed in NOT_COMPARED:
                continue
            disputed, found = _compare(table, sid, claimed, _row_value(claimed, row, item), resolutions.get(claimed), where, ctx)
            if disputed:
                disputed_fields.add(claimed)
                disputes += found
        if kind == "measures":
            found_steps, disputed, found_disputes = _lifecycle(sid, row, resolutions.get("status"), where, ctx)
            steps += found_steps
            disputes += found_disputes
            if disputed:
                disputed_fields.add("status")
            current = [s for s in found_steps if s["is_current"]]
            row["status"] = current[0]["status"] if current else None
        for resolved in sorted(set(resolutions) - disputed_fields):
            ctx.problems.add(
                doc.path,
                doc.line_of(where),
                f"{kind}[{i}].disputes",
                f"{resolved!r} is no longer disputed (the articles' claims agree); remove its entry from disputes",
            )
        p = primary[sid]
        row.update({key: sid, "n_articles": counts[sid][0], "n_outlets": counts[sid][1], "disputed": bool(disputed_fields), **{k: p[k] for k in PROVENANCE}})
        rows.append(row)
    ctx = checked
    return pl.DataFrame(rows, schema=schema).sort(key), disputes, steps


def _registry_values(kind: str, item: dict, schema: dict, where: list, ctx: Context) -> dict:
    """The registry's own columns, dates as intervals (an end derived from start and precision)."""
    doc = getattr(ctx.sources, kind)
    i = where[1]
    row = {c: item.get(c) for c in schema if c in item}
    if "rate_pct" in row and row["rate_pct"] is not None:
        row["rate_pct"] = float(row["rate_pct"])
    for family in DATE_FAMILIES[SUBJECT_TABLES[kind][0]]:
        start, end, prec = START_COLUMN[family], END_COLUMN[family], PRECISION_COLUMN[family]
        span, problem = interval(item.get(start), item.get(end), item.get(prec))
        if problem and item.get(end) and str(item[end]) < str(item[start]):
            pass  # reported with the registry's own problems (rows.registry_problems)
        elif problem:
            ctx.problems.add(doc.path, doc.line_of([*where, start]), f"{kind}[{i}].{start}", problem)
        row[start], row[end] = (span.start, span.end) if span else (None, None)
        row[prec] = span.precision if span else None  # a precision without a date: `rows.registry_problems`
    if kind == "events":
        row["participants"] = list(item.get("participants", []))
        row["place_id"] = item.get("place")
        if row["place_id"] is not None and row["place_id"] not in ctx.places.places:
            ctx.problems.add(doc.path, doc.line_of([*where, "place"]), f"{kind}[{i}].place", f"unknown place {row['place_id']!r}; add it to dataset/places.yml")
    return row


def _row_value(field: str, row: dict, item: dict) -> Any:
    if field in START_COLUMN:
        start = row.get(START_COLUMN[field])
        return Interval(start, row[END_COLUMN[field]], row[PRECISION_COLUMN[field]]) if start else None
    if field in PLACE_CLAIMS:
        return row.get("place_id")
    return claim_text(item.get(field))


def _check_members(table: str, sid: str, field: str, row_members: Any, where: list, ctx: Context) -> None:
    """A set claim (participants, imposer, target) adds members: each must be among the row's."""
    if row_members is None:
        return
    held = set(set_members(row_members))
    said: dict[str, set[str]] = defaultdict(set)
    for c in ctx.claims[(table, sid, field)]:
        for member in set_members(c["claim_value"]):
            if member not in held:
                said[member] |= ctx.articles_of([c])
    if said:
        doc = getattr(ctx.sources, where[0])
        missing = "; ".join(f"{m!r} ({', '.join(sorted(arts))})" for m, arts in sorted(said.items()))
        ctx.problems.add(
            doc.path,
            doc.line_of([*where, field]),
            f"{where[0]}[{where[1]}].{field}",
            f"the articles name {field} that {sid!r} does not list: {missing}; the row holds every member an article names, so add them",
        )


def _compare(table: str, sid: str, field: str, row_value: Any, resolution: dict | None, where: list, ctx: Context) -> tuple[bool, list[dict]]:
    """Check the row against the claims on one field: whether the claims conflict, and the dispute rows when they are resolved."""
    claims = ctx.claims[(table, sid, field)]
    by_value: dict[Any, list[dict]] = defaultdict(list)
    for c in claims:
        by_value[_key(field, c)].append(c)
    values = sorted(by_value, key=value_text)
    doc = getattr(ctx.sources, where[0])
    label = f"{where[0]}[{where[1]}]"
    if row_value is not None and not any(compatible(field, row_value, v, ctx.places) for v in values):
        ctx.problems.add(
            doc.path,
            doc.line_of(where),
            f"{label}.{field}",
            f"{sid!r} has {field} = {value_text(row_value)}, which no article supports; the articles claim {[value_text(v) for v in values]}",
        )
    if not conflicting(field, values, ctx.places, [ctx.articles_of(by_value[v]) for v in values]):
        return False, []
    return True, _dispute_rows(table, sid, field, by_value, row_value, resolution, where, ctx)


def _dispute_rows(
    table: str, sid: str, field: str, by_value: dict[Any, list[dict]], row_value: Any, resolution: dict | None, where: list, ctx: Context
) -> list[dict]:
    """The rows of a dispute the curator resolved; none, and the one problem that says what to do, otherwise."""
    texts = sorted(value_text(v) for v in by_value)
    doc = getattr(ctx.sources, where[0])
    label = f"{where[0]}[{where[1]}]"
    said = "; ".join(f"{value_text(v)}: {', '.join(sorted(ctx.articles_of(cs)))}" for v, cs in sorted(by_value.items(), key=lambda kv: value_text(kv[0])))
    if resolution is None:
        ctx.problems.add(
            doc.path,
            doc.line_of(where),
            f"{label}.disputes",
            f"articles disagree on {field} of {sid!r} ({said}); add to disputes: field: {field}, values: {texts}, "
            "and a note saying which value the row uses and why",
        )
        return []
    if sorted(resolution["values"]) != texts:
        ctx.problems.add(
            doc.path,
            doc.line_of(where),
            f"{label}.disputes",
            f"the dispute on {field} of {sid!r} was resolved for values {sorted(resolution['values'])}, but the articles now claim {texts} ({said}); "
            "review the note and update its values",
        )
        return []
    if field == "status" and resolution.get("use") not in texts:
        ctx.problems.add(
            doc.path, doc.line_of(where), f"{label}.disputes", f"the dispute on status of {sid!r} must say which status the measure uses: use: one of {texts}"
        )
        return []
    rows = []
    for value, cs in by_value.items():
        arts = ctx.articles_of(cs)
        first = cs[0]
        used = value_text(value) == resolution.get("use") if field == "status" else (row_value is not None and compatible(field, row_value, value, ctx.places))
        rows.append(
            {
                "dispute_id": stable_id("dp", table, sid, field, value_text(value)),
                "subject_table": table,
                "subject_id": sid,
                "field": field,
                "value": value_text(value),
                "value_date_start": value.start if isinstance(value, Interval) else None,
                "value_date_end": value.end if isinstance(value, Interval) else None,
                "articles": sorted(arts),
                "outlets": ctx.outlets.names(arts),
                "evidence_ids": sorted(ctx.claimed("evidence_id", cs)),
                "n_articles": len(arts),
                "n_outlets": ctx.outlets.count(arts),
                "n_known_outlets": ctx.outlets.count_known(arts),
                "n_unknown_outlet_articles": ctx.outlets.count_unknown(arts),
                "row_value": resolution.get("use") if field == "status" else (value_text(row_value) if row_value is not None else None),
                "used": used,
                "resolution": resolution["note"],
                **{k: first[k] for k in PROVENANCE},
            }
        )
    return rows


# How far along its life a status puts a measure: a later moment never has an earlier stage. A
# pause, an aversion or a withdrawal may come at any stage (and a paused measure may resume).
STAGE = {
    "threatened": 0,
    "proposed": 0,
    "reported": 0,
    "under_investigation": 0,
    "announced": 1,
    "agreed": 1,
    "in_effect": 2,
    "expired": 3,
}


def status_conflict(a: tuple[str, str, Interval | None], b: tuple[str, str, Interval | None]) -> bool:
    """Whether two dated status claims (status, article, moment) cannot both be true.

    Different articles only; different statuses claimed for overlapping moments, or a later moment
    at an earlier stage of the lifecycle (`STAGE`). Claims at different moments in the lifecycle's
    order are its steps (proposed on 26 October, agreed on 30 October)."""
    (sa, arta, ma), (sb, artb, mb) = a, b
    if sa == sb or arta == artb or ma is None or mb is None:
        return False
    if ma.overlaps(mb):
        return True
    if sa not in STAGE or sb not in STAGE:
        return False
    earlier, later = (sa, sb) if ma.end < mb.start else (sb, sa)
    return STAGE[earlier] > STAGE[later]


def clashing_statuses(claims: Iterable[tuple[str, str, Interval | None]]) -> list[str]:
    """The statuses among `claims` (status, article, moment) of which two claims conflict (`status_conflict`).

    Claims are taken as groups, the articles that claim one status at one moment: two groups clash
    when their statuses conflict at their moments and two different articles can make the claims.
    So the work grows with the distinct statuses and moments, not with the articles."""
    articles_at: dict[tuple[str, Interval], set[str]] = defaultdict(set)
    for status, article, moment in claims:
        if moment is not None:
            articles_at[(status, moment)].add(article)
    groups = sorted(articles_at.items())
    found: set[str] = set()
    for i, ((sa, ma), arts_a) in enumerate(groups):
        for (sb, mb), arts_b in groups[i + 1 :]:
            if not {sa, sb} <= found and len(arts_a | arts_b) > 1 and status_conflict((sa, "", ma), (sb, " ", mb)):
                found |= {sa, sb}
    return sorted(found)


def _lifecycle(sid: str, row: dict, resolution: dict | None, where: list, ctx: Context) -> tuple[list[dict], bool, list[dict]]:
    """The measure's steps from its status claims, whether they conflict (`status_conflict`), and the dispute rows."""
    claims = ctx.claims.get(("tariff_measures", sid, "status"), [])
    by_status: dict[str, list[dict]] = defaultdict(list)
    for c in claims:
        by_status[c["claim_value"]].append(c)
    clashing = clashing_statuses(ctx.status_moments.get(sid, []))
    rejected: set[str] = set()
    disputes: list[dict] = []
    if clashing:
        disputes = _dispute_rows("tariff_measures", sid, "status", {s: by_status[s] for s in clashing}, None, resolution, where, ctx)
        rejected = {d["value"] for d in disputes if not d["used"]}
    steps = []
    for status, cs in by_status.items():
        family = STATUS_DATE.get(status)
        start = row.get(START_COLUMN[family]) if family else None
        arts = ctx.articles_of(cs)
        steps.append(
            {
                "step_id": stable_id("st", sid, status),
                "measure_id": sid,
                "status": status,
                "date_start": start,
                "date_end": row.get(END_COLUMN[family]) if family and start else None,  # a start implies a family
                "date_precision": row.get(PRECISION_COLUMN[family]) if family and start else None,
                "date_source": family if start else None,
                "accepted": status not in rejected,
                "articles": sorted(arts),
                "n_articles": len(arts),
                "n_outlets": ctx.outlets.count(arts),
                **{k: cs[0][k] for k in PROVENANCE},
            }
        )
    steps.sort(key=lambda s: (STATUS_ORDER.index(s["status"]), s["date_start"] or dt.date.min))
    for n, s in enumerate(steps, 1):
        s["seq"] = n
    accepted = [s for s in steps if s["accepted"]]
    for s in steps:
        s["is_current"] = bool(accepted) and s is accepted[-1]
    return steps, bool(clashing), disputes


def links(registry: dict, evidence: pl.DataFrame, ctx: Context) -> list[dict]:
    """Measure ↔ event links of dataset/measures.yml; each must be read in an article that supports both."""
    # Each link's provenance: the first evidence of its event (in provenance order) in an article
    # that also has evidence for the measure. Joined in Polars: only the links' rows reach Python.
    pairs = sorted({(mid, link["event"]) for mid, item in registry.items() for link in item.get("events", [])})
    wanted = pl.DataFrame(pairs, schema={"measure_id": pl.String, "event_id": pl.String}, orient="row").lazy()
    numbered = _numbered(evidence.select("subject_table", "subject_id", "in_duplicate", "char_start", "char_end"), ctx.order)
    measured = numbered.filter(pl.col("subject_table") == "tariff_measures").select(pl.col("subject_id").alias("measure_id"), "_article").unique()
    told = numbered.filter(pl.col("subject_table") == "events").select(pl.col("subject_id").alias("event_id"), "_row", *BY_NUMBERS)
    firsts = (
        wanted.join(measured, on="measure_id")
        .join(told, on=["event_id", "_article"])
        .group_by("measure_id", "event_id")
        .agg(pl.col("_row").sort_by(BY_NUMBERS).first())
        .collect()
    )
    found = pl.concat([firsts.select("measure_id", "event_id"), evidence.select(PROVENANCE).gather(firsts["_row"])], how="horizontal")
    first_shared = {(r["measure_id"], r["event_id"]): r for r in found.iter_rows(named=True)}
    rows = []
    for n, (mid, item) in enumerate(registry.items()):
        i = ctx.position("measures", mid, n)
        for j, link in enumerate(item.get("events", [])):
            where: list[str | int] = ["measures", i, "events", j]
            p = first_shared.get((mid, link["event"]))
            if p is None:
                doc = ctx.sources.file("measures")
                ctx.problems.add(
                    doc.path,
                    doc.line_of(where),
                    f"measures[{i}].events[{j}]",
                    f"no article has evidence for both {mid!r} and event {link['event']!r}; a link must be read in a text that names both",
                )
                continue
            rows.append(
                {
                    "link_id": stable_id("ml", mid, link["event"], link["relation"]),
                    "measure_id": mid,
                    "event_id": link["event"],
                    "relation": link["relation"],
                    "note": link.get("note"),
                    **{k: p[k] for k in PROVENANCE},
                }
            )
    return rows


def corroboration(evidence: pl.DataFrame, subject_table: str, order: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """Per subject id: the articles and the outlets (`Outlets.key`) whose evidence names it."""
    counts = (
        pl.concat([evidence.select("subject_table", "subject_id"), order], how="horizontal")
        .lazy()
        .filter(pl.col("subject_table") == subject_table)
        .group_by("subject_id")
        .agg(pl.col("_article").n_unique(), pl.col("_outlet").n_unique())
        .collect()
    )
    return {sid: (n_articles, n_outlets) for sid, n_articles, n_outlets in counts.iter_rows()}


def primary_rows(evidence: pl.DataFrame, subject_table: str, order: pl.DataFrame) -> dict[str, dict]:
    """Primary provenance: the first evidence in provenance order (`FIRST`, by numbers: `article_order`), copies of duplicated text last."""
    firsts = (
        _numbered(evidence.select("subject_table", "subject_id", "in_duplicate", "char_start", "char_end"), order)
        .filter(pl.col("subject_table") == subject_table)
        .group_by("subject_id")
        .agg(pl.col("_row").sort_by(BY_NUMBERS).first())
        .sort("subject_id")
        .collect()
    )
    first = evidence.select(pl.all().gather(firsts["_row"]))
    return {r["subject_id"]: r for r in first.iter_rows(named=True)}


def table(name: str, rows: list[dict], key: str) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=polars_schema(name)).sort(key)
