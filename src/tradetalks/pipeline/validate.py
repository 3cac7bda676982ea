"""Stage 5, validate: the Pandera models per table (every failure at once), then cross-table checks.

Every check runs on every row of every table, at every build.
"""

from __future__ import annotations

import polars as pl

from tradetalks.contract.pandera_api import pa
from tradetalks.contract.tables import FOREIGN_KEYS, KEYS, MODELS
from tradetalks.errors import Collector, DatasetError, Problem

# How many failing rows of one check to print before summarising the rest.
SHOW_FAILURES = 5


def validate_tables(tables: dict[str, pl.DataFrame]) -> None:
    """Raise DatasetError listing every schema and cross-table failure."""
    problems = table_problems(tables)
    if problems:
        raise DatasetError(problems)


def table_problems(tables: dict[str, pl.DataFrame], foreign_keys: bool = True) -> list[Problem]:
    """Every schema and cross-table failure; `foreign_keys=False` skips the foreign keys."""
    problems = Collector()
    for name in MODELS:
        check_table(name, tables[name], problems)
    check_relations(tables, problems, foreign_keys)
    return problems.problems


def check_table(name: str, df: pl.DataFrame, problems: Collector) -> None:
    """Pandera validation of one table (a DataFrame, so data checks run, not only the schema)."""
    try:
        MODELS[name].validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        key = KEYS[name]
        for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
            shown = []
            for row in group.head(SHOW_FAILURES).iter_rows(named=True):
                idx = row.get("index")
                ident = df[key][idx] if idx is not None and key in df.columns and idx < df.height else None
                shown.append(f"{key}={ident!r}: {str(row['failure_case'])[:80]!r}" if ident is not None else str(row["failure_case"])[:120])
            more = f" (+{group.height - SHOW_FAILURES} more)" if group.height > SHOW_FAILURES else ""
            problems.add(
                f"table {name}",
                None,
                column,
                f"fails {check}: {'; '.join(shown)}{more}; fix the value in the annotation"
                " or registry entry that makes each of these rows (CONTRIBUTING.md, 'Fix a row')",
            )


def _missing(child: pl.DataFrame, column: str, parent: pl.DataFrame, parent_key: str, explode: bool = False) -> pl.DataFrame:
    values = child.select(list(dict.fromkeys([_key_column(child), column])))
    if explode:
        values = values.explode(column)
    # An anti join: its hash table of the parent's keys is built several times faster than `is_in`'s
    # (and a key repeated in the parent changes nothing: the anti join keeps or drops each child row once).
    keys = parent.select(pl.col(parent_key).alias("_parent_key"))
    missing = values.filter(pl.col(column).is_not_null()).join(keys, left_on=column, right_on="_parent_key", how="anti", maintain_order="left")
    return missing


# The registry file a parent table's ids are registered in.
_REGISTRY_FILE = {"tariff_measures": "measures"}


def _key_column(df: pl.DataFrame) -> str:
    """The first column is always the table's key."""
    return df.columns[0]


def check_relations(tables: dict[str, pl.DataFrame], problems: Collector, foreign_keys: bool = True) -> None:
    """Foreign keys, the span invariant, and derived counts."""
    articles, evidence = tables["articles"], tables["evidence"]
    fks = [(fk.table, fk.column, fk.parent, fk.many) for fk in FOREIGN_KEYS] if foreign_keys else []
    for child, column, parent, explode in fks:
        bad = _missing(tables[child], column, tables[parent], KEYS[parent], explode)
        for child_key, ref in bad.head(SHOW_FAILURES).iter_rows():
            problems.add(
                f"table {child}",
                None,
                column,
                f"{_key_column(tables[child])}={child_key!r} points to {ref!r}, which is not in {parent};"
                f" register {ref!r} (dataset/{_REGISTRY_FILE.get(parent, parent)}.yml) or correct the id",
            )
    for subject in ("events", "tariff_measures") if foreign_keys else ():
        ids = tables[subject][KEYS[subject]]
        bad = tables["disputes"].filter((pl.col("subject_table") == subject) & ~pl.col("subject_id").is_in(ids.implode()))
        for row in bad.head(SHOW_FAILURES).iter_rows(named=True):
            problems.add(
                "table disputes", None, "subject_id", f"dispute_id={row['dispute_id']!r} points to {subject} {row['subject_id']!r}, which does not exist"
            )
    for subject in ("people", "events", "tariff_measures") if foreign_keys else ():
        ids = tables[subject][KEYS[subject]]
        bad = evidence.select("evidence_id", "subject_table", "subject_id").filter(
            (pl.col("subject_table") == subject) & ~pl.col("subject_id").is_in(ids.implode())
        )
        for row in bad.head(SHOW_FAILURES).iter_rows(named=True):
            problems.add(
                "table evidence",
                None,
                "subject_id",
                f"evidence_id={row['evidence_id']!r} points to {subject} {row['subject_id']!r}, which does not exist; register it or correct the id",
            )

    # The provenance invariant: articles.text[char_start:char_end] == evidence, for every row of every table.
    texts = articles.select("article_id", pl.col("text").alias("_text"))
    for name, df in tables.items():
        if "evidence" not in df.columns:
            continue  # a reference table (places, outlets): no text supports its rows
        rows = df.select(list(dict.fromkeys([_key_column(df), "article_id", "char_start", "char_end", "evidence"])))
        for row in _wrong_spans(rows, texts):
            problems.add(
                f"table {name}",
                None,
                "evidence",
                f"{_key_column(df)}={row[_key_column(df)]!r}: text[{row['char_start']}:{row['char_end']}] of {row['article_id']!r} is not the recorded evidence;"
                " the build made a wrong span: please report this as a bug, with the article",
            )

    # n_articles is derived from evidence, never typed.
    for subject in ("people", "events", "tariff_measures"):
        derived = (
            evidence.select("subject_table", "subject_id", "article_id")
            .filter(pl.col("subject_table") == subject)
            .group_by("subject_id")
            .agg(pl.col("article_id").n_unique().alias("_n"))
        )
        key = KEYS[subject]
        joined = tables[subject].select(key, "n_articles").join(derived, left_on=key, right_on="subject_id", how="left", maintain_order="left")
        for row in joined.filter(pl.col("_n").is_null() | (pl.col("_n") != pl.col("n_articles"))).head(SHOW_FAILURES).iter_rows(named=True):
            problems.add(
                f"table {subject}",
                None,
                "n_articles",
                f"{key}={row[key]!r} has n_articles={row['n_articles']} but evidence names {row['_n']} article(s); counts are derived: please report this as a bug",
            )
    _check_quote_counts(tables["quotes"], problems)
    _check_derived_subjects(tables, problems)


def _wrong_spans(rows: pl.DataFrame, texts: pl.DataFrame) -> list[dict]:
    """The first `SHOW_FAILURES` rows (in order) whose `evidence` is not text[char_start:char_end] of their article's `_text`, or whose article has none."""
    joined = rows.join(texts, on="article_id", how="left", maintain_order="left")
    bad = joined.filter(
        pl.col("_text").is_null() | (pl.col("_text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")) != pl.col("evidence"))
    )
    return list(bad.head(SHOW_FAILURES).iter_rows(named=True))


def _check_quote_counts(quotes: pl.DataFrame, problems: Collector) -> None:
    """A quote's n_articles is the number of articles its group spans."""
    derived = quotes.group_by("quote_group_id").agg(pl.col("article_id").n_unique().alias("_n"))
    joined = quotes.select("quote_id", "quote_group_id", "n_articles").join(derived, on="quote_group_id", how="left", maintain_order="left")
    for row in joined.filter(pl.col("_n") != pl.col("n_articles")).head(SHOW_FAILURES).iter_rows(named=True):
        problems.add(
            "table quotes",
            None,
            "n_articles",
            f"quote_id={row['quote_id']!r} has n_articles={row['n_articles']} but its group spans {row['_n']} article(s); counts are derived: please report this as a bug",
        )


def _check_derived_subjects(tables: dict[str, pl.DataFrame], problems: Collector) -> None:
    """A row is disputed exactly when the disputes table has rows for it; a measure's status is its current step."""
    disputes = tables["disputes"]
    for subject in ("events", "tariff_measures"):
        key = KEYS[subject]
        rows = tables[subject].select(key, "disputed")
        listed = set(disputes.filter(pl.col("subject_table") == subject)["subject_id"])
        for sid, disputed in rows.iter_rows():
            if disputed != (sid in listed):
                problems.add(
                    f"table {subject}",
                    None,
                    "disputed",
                    f"{key}={sid!r} has disputed={disputed}, but the disputes table {'lists' if sid in listed else 'does not list'} it",
                )
    current = dict(tables["measure_steps"].filter(pl.col("is_current")).select("measure_id", "status").iter_rows())
    for mid, status in tables["tariff_measures"].select("measure_id", "status").iter_rows():
        if current.get(mid) != status:
            problems.add(
                "table tariff_measures",
                None,
                "status",
                f"measure_id={mid!r} has status {status!r}, but its current step in measure_steps is {current.get(mid)!r}",
            )
