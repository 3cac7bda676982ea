"""Evidence sorted in provenance order by numbers (article positions, evidence id ranks) equals the order by the columns themselves."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.pipeline.subjects import BY_NUMBERS, FIRST, article_order, corroboration, primary_rows

ids = st.text(alphabet="ab-z09", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(ids, st.sampled_from(["p1", "p2"]), st.booleans(), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40, unique_by=lambda r: r
    ),
    st.randoms(use_true_random=False),
)
def test_provenance_order_by_numbers_equals_order_by_text(rows: list[tuple[str, str, bool, int, int]], rnd) -> None:
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
    articles = pl.DataFrame({"article_id": sorted({r[0] for r in rows}), "wire_service_id": None, "outlet_id": None}).with_columns(
        pl.col("article_id").set_sorted()
    )
    by_text = evidence.sort(FIRST)["evidence_id"].to_list()
    first: dict[str, dict] = {}
    for r in evidence.sort(FIRST).to_dicts():
        first.setdefault(r["subject_id"], r)
    # Each article its own outlet (none is named), except one that shares the wire service of another.
    articles = articles.with_columns(pl.when(pl.int_range(pl.len()) < 2).then(pl.lit("wire")).alias("wire_service_id"))
    outlet = {a: "wire" if i < 2 else a for i, a in enumerate(articles["article_id"])}
    counts = {sid: (len({r["article_id"] for r in g}), len({outlet[r["article_id"]] for r in g})) for sid, g in _by_subject(evidence.to_dicts()).items()}
    shuffled = evidence.sample(fraction=1, shuffle=True, seed=rnd.randrange(2**32))
    # Every article known; an evidence row's article missing from the articles; the evidence not sorted by id.
    for ev, arts in ((evidence, articles), (evidence, articles.slice(1)), (shuffled, articles)):
        order = article_order(arts, ev)
        assert pl.concat([ev, order], how="horizontal").sort(BY_NUMBERS)["evidence_id"].to_list() == by_text
        assert primary_rows(ev, "people", order) == first
        if arts is articles:  # (with an article missing, its outlet is unknown)
            assert corroboration(ev, "people", order) == counts


def _by_subject(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["subject_id"], []).append(r)
    return out
