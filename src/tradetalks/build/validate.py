"""Stage 5, validate: the Pandera models per table (every failure at once), then cross-table checks.

Each table's declared checks run first as one fused Polars query (build/fused.py); only a table
that fails one of them, or that the fused query cannot judge, goes through pandera's own
`validate`, whose failure cases make the error messages.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from tradetalks.build.errors import Collector, DatasetError, Problem
from tradetalks.build.fused import failed_checks
from tradetalks.schemas.pandera_api import pa
from tradetalks.schemas.tables import FOREIGN_KEYS, KEYS, MODELS, ROW_CHECKS

# In `unchanged`: the evidence's columns the derived tables are made from (assemble.DERIVED_EVIDENCE)
# are those of the build that passed, and so are the derived tables made from them.
EVIDENCE_CLAIMS = "evidence claims"
# How many failing rows of one check to print before summarising the rest.
SHOW_FAILURES = 5


def validate_tables(tables: dict[str, pl.DataFrame]) -> None:
    """Raise DatasetError listing every schema and cross-table failure."""
    problems = table_problems(tables)
    if problems:
        raise DatasetError(problems)


def table_problems(
    tables: dict[str, pl.DataFrame],
    foreign_keys: bool = True,
    unchanged: set[str] | frozenset = frozenset(),
    texts_changed: pl.Series | None = None,
    fresh: Mapping[str, pl.Series] | None = None,
) -> list[Problem]:
    """Every schema and cross-table failure; `foreign_keys=False` skips the foreign keys.

    `unchanged`: tables proven identical to those of an earlier build whose every check passed,
    with the same code (the build cache's digests); a check that reads only such tables is not run again.
    `texts_changed`: when the articles table is not among them, the ids of the articles whose text
    may differ from that build's (see `check_relations`); None: any may.
    `fresh`: for a table that is not unchanged, a mask of its rows that are not rows of its table
    in that build (row hashes): a check that reads only the row itself (and unchanged tables) is
    run on those rows alone; every other row passed it then.
    """
    problems = Collector()
    fresh = fresh or {}
    for name in MODELS:
        if name not in unchanged:
            check_table(name, tables[name], problems, fresh.get(name))
    check_relations(tables, problems, foreign_keys, unchanged, texts_changed, fresh)
    return problems.problems


def check_table(name: str, df: pl.DataFrame, problems: Collector, fresh: pl.Series | None = None) -> None:
    """Pandera validation of one table (a DataFrame, so data checks run, not only the schema).

    `fresh`: the rows that may fail a check of one row at a time (see `table_problems`); pandera,
    when a check fails, judges every row."""
    if failed_checks(MODELS[name].to_schema(), df, df.filter(fresh) if fresh is not None else None, ROW_CHECKS) == set():
        return  # every declared check passes
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


def check_relations(
    tables: dict[str, pl.DataFrame],
    problems: Collector,
    foreign_keys: bool = True,
    unchanged: set[str] | frozenset = frozenset(),
    texts_changed: pl.Series | None = None,
    fresh: Mapping[str, pl.Series] | None = None,
) -> None:
    """Foreign keys, the span invariant, and derived counts; a check reading only `unchanged` tables is skipped (see `table_problems`).

    The span invariant of an unchanged table reads the articles' texts: when the articles table
    has changed and `texts_changed` names the articles whose text may have (present now or then),
    only those articles' rows are checked again; every other row and its text are as they were
    when they passed. Of a table with `fresh` rows, a foreign key into an unchanged table and the
    span invariant read those rows (and the rows of articles whose text may have changed) alone.
    """
    articles, evidence = tables["articles"], tables["evidence"]
    fresh = fresh or {}
    # What the checks of the evidence's claims against the derived tables read of it.
    claims = EVIDENCE_CLAIMS if EVIDENCE_CLAIMS in unchanged else "evidence"

    def rerun(*names: str) -> bool:
        return not set(names) <= unchanged

    def rows_of(child: str, parent: str, columns: list[str]) -> pl.DataFrame:
        """The `columns` of the rows of `child` whose check against the unchanged or `fresh`-checked
        `parent` may fail (the columns first: a copy of the evidence's every column, filtered, takes
        hundreds of MB at 100k articles)."""
        df = tables[child].select(columns)
        return df.filter(fresh[child]) if child in fresh and parent in unchanged else df

    fks = [(fk.table, fk.column, fk.parent, fk.many) for fk in FOREIGN_KEYS] if foreign_keys else []
    for child, column, parent, explode in fks:
        if not rerun(child, claims if parent == "evidence" else parent):  # a reference to evidence names its evidence_id
            continue
        bad = _missing(rows_of(child, parent, list(dict.fromkeys([_key_column(tables[child]), column]))), column, tables[parent], KEYS[parent], explode)
        for child_key, ref in bad.head(SHOW_FAILURES).iter_rows():
            problems.add(
                f"table {child}",
                None,
                column,
                f"{_key_column(tables[child])}={child_key!r} points to {ref!r}, which is not in {parent};"
                f" register {ref!r} (dataset/{_REGISTRY_FILE.get(parent, parent)}.yml) or correct the id",
            )
    for subject in ("events", "tariff_measures") if foreign_keys else ():
        if not rerun(subject, "disputes"):
            continue
        ids = tables[subject][KEYS[subject]]
        bad = tables["disputes"].filter((pl.col("subject_table") == subject) & ~pl.col("subject_id").is_in(ids.implode()))
        for row in bad.head(SHOW_FAILURES).iter_rows(named=True):
            problems.add(
                "table disputes", None, "subject_id", f"dispute_id={row['dispute_id']!r} points to {subject} {row['subject_id']!r}, which does not exist"
            )
    for subject in ("people", "events", "tariff_measures") if foreign_keys else ():
        if not rerun(subject, claims):
            continue
        ids = tables[subject][KEYS[subject]]
        bad = rows_of("evidence", subject, ["evidence_id", "subject_table", "subject_id"]).filter(
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
        if "evidence" not in df.columns or not rerun(name, "articles"):
            continue  # a reference table (places, outlets): no text supports its rows; or checked before
        cols = list(dict.fromkeys([_key_column(df), "article_id", "char_start", "char_end", "evidence"]))
        rows = df.select(cols)
        if name in unchanged and texts_changed is not None:
            rows = rows.filter(pl.col("article_id").is_in(texts_changed.implode()))
        elif name in fresh and "articles" in unchanged:
            rows = rows.filter(fresh[name])
        elif name in fresh and texts_changed is not None:
            rows = rows.filter(fresh[name] | pl.col("article_id").is_in(texts_changed.implode()))
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
        if not rerun(subject, claims):
            continue
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
    if rerun("quotes"):
        _check_quote_counts(tables["quotes"], problems)
    _check_derived_subjects(tables, problems)


# Rows whose spans are cut from their texts at a time (`_wrong_spans`): the cut spans of a large
# table's every row at once (the evidence's, at 100k articles) would take hundreds of MB.
SPAN_ROWS = 1 << 18


def _wrong_spans(rows: pl.DataFrame, texts: pl.DataFrame) -> list[dict]:
    """The first `SHOW_FAILURES` rows (in order) whose `evidence` is not text[char_start:char_end] of their article's `_text`, or whose article has none."""
    shown: list[dict] = []
    for start in range(0, rows.height, SPAN_ROWS):
        joined = rows.slice(start, SPAN_ROWS).join(texts, on="article_id", how="left", maintain_order="left")
        bad = joined.filter(
            pl.col("_text").is_null() | (pl.col("_text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")) != pl.col("evidence"))
        )
        shown += bad.head(SHOW_FAILURES - len(shown)).iter_rows(named=True)
        if len(shown) == SHOW_FAILURES:
            break
    return shown


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
