"""What must hold for ANY valid dataset's build: the checks a test runs on the real dataset, and
again after adding articles to a copy of it (test_contribution_loop). Expectations come from the
data itself, never from today's counts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from tradetalks.contract.tables import KEYS, MODELS, PROVENANCE
from tradetalks.pipeline.validate import validate_tables


def check_build(release: Path) -> dict[str, pl.DataFrame]:
    """Every table validates (schema, foreign keys, spans, corroboration), is sorted by its unique
    key, slices back to its evidence in SQL too, and no dispute is an article disagreeing with itself."""
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    tables = {name: pl.read_parquet(release / manifest["tables"][name]["path"]) for name in MODELS}
    validate_tables(tables)
    for name, df in tables.items():
        key = df[KEYS[name]]
        assert key.null_count() == 0 and key.n_unique() == df.height, f"{name}: {KEYS[name]} not unique"
        assert key.to_list() == sorted(key.to_list()), f"{name}: rows not sorted by {KEYS[name]}"
    con = duckdb.connect()
    con.register("articles", tables["articles"].select("article_id", "text").to_arrow())
    for name, df in tables.items():
        if not set(PROVENANCE) <= set(df.columns):
            continue  # a reference table
        con.register("t", df.select(PROVENANCE).to_arrow())
        bad = con.execute(
            "SELECT count(*) FROM t LEFT JOIN articles a USING (article_id) "
            "WHERE a.text IS NULL OR substring(a.text, t.char_start + 1, t.char_end - t.char_start) <> t.evidence"
        ).fetchall()
        assert bad == [(0,)], f"{name}: {bad[0][0]} rows whose span is not their evidence"
        con.unregister("t")
    disputes = tables["disputes"]
    for (subject, field), rows in disputes.group_by("subject_id", "field"):
        articles = set(rows["articles"].explode().to_list())
        assert len(articles) > 1, f"dispute on {field} of {subject} is one article disagreeing with itself"
    return tables
