"""Evidence sorted in provenance order by numbers (article positions, row numbers) equals the order by the columns themselves."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.build.subjects import article_order, primary_rows, provenance_sorted

ids = st.text(alphabet="ab-z09", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(ids, st.sampled_from(["p1", "p2"]), st.booleans(), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40, unique_by=lambda r: r)
)
def test_provenance_order_by_numbers_equals_order_by_text(rows: list[tuple[str, str, bool, int, int]]) -> None:
    evidence = pl.DataFrame(
        [(f"ev_{i:03d}", a, s, d, c, c + e, "people", "t", "m") for i, (a, s, d, c, e) in enumerate(rows)],
        schema={
            "evidence_id": pl.String,
            "article_id": pl.String,
            "subject_id": pl.String,
            "in_duplicate": pl.Boolean,
            "char_start": pl.Int64,
            "char_end": pl.Int64,
            "subject_table": pl.String,
            "evidence": pl.String,
            "method": pl.String,
        },
        orient="row",
    ).with_columns(pl.col("evidence_id").set_sorted())
    articles = pl.DataFrame({"article_id": sorted({r[0] for r in rows})}).with_columns(pl.col("article_id").set_sorted())
    order = article_order(articles, evidence)
    assert order is not None
    lf = evidence.lazy().with_row_index("_row")
    by_text = provenance_sorted(lf, None, ("subject_id",)).collect()
    by_numbers = provenance_sorted(lf, order, ("subject_id",)).collect()
    assert by_numbers["evidence_id"].to_list() == by_text["evidence_id"].to_list()
    assert primary_rows(evidence, "people", order) == primary_rows(evidence, "people")
    # An evidence row whose article is missing: no numeric order (the text order is used).
    assert article_order(articles.slice(1), evidence) is None
