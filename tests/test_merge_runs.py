"""Placing a few rows among a sorted run by slicing (assemble.splice, merge_runs) equals filtering and sorting."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.build.assemble import MERGE_ROWS, _arg_sort, merge_runs, splice

keys = st.text(alphabet="abcz_-:09é", min_size=1, max_size=6)


def frame(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"id": ids, "n": [len(i) for i in ids], "tags": [[i] * (len(i) % 3) for i in ids]},
        schema={"id": pl.String, "n": pl.Int64, "tags": pl.List(pl.String)},
    )


@settings(max_examples=300, deadline=None)
@given(st.sets(keys, max_size=40), st.data())
def test_splice_equals_filter_and_sort(all_ids: set[str], data: st.DataObject) -> None:
    ids = sorted(all_ids)
    inserted = sorted(data.draw(st.sets(st.sampled_from(ids), max_size=len(ids))) if ids else [])
    run_ids = [i for i in ids if i not in inserted]
    drop = sorted(data.draw(st.sets(st.integers(0, len(run_ids) - 1), max_size=len(run_ids))) if run_ids else [])
    run, insert = frame(run_ids), frame(inserted)
    got = splice(run, drop, insert, "id")
    kept = [i for n, i in enumerate(run_ids) if n not in drop]
    assert got.equals(frame(sorted(kept + inserted)))
    assert got["id"].is_sorted()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(keys, max_size=15), min_size=1, max_size=4), st.booleans())
def test_merge_runs_keeps_every_row_and_sorts_when_one_run_dominates(groups: list[set[str]], sort_first: bool) -> None:
    seen: set[str] = set()
    runs = []
    for n, g in enumerate(groups):
        ids = sorted(g - seen) if (n == 0 and sort_first) else list(g - seen)
        seen |= set(ids)
        runs.append(frame(ids))
    got = merge_runs(runs, "id")
    assert got.sort("id").equals(frame(sorted(seen)))
    biggest = max(runs, key=lambda df: df.height)
    if biggest["id"].is_sorted() and sum(df.height for df in runs) - biggest.height <= MERGE_ROWS:
        ids = got["id"].to_list()
        assert ids == sorted(ids)  # no sort left for the caller (compared as lists: the sorted flag is set without a check)


# Stable ids (a few hex digits varied, so that some repeat), and texts that come close to being one.
hex_ids = st.builds(lambda p, d: p + "0" * 13 + d, st.sampled_from(["ev_", "q_"]), st.text(alphabet="0123456789abcdef", min_size=3, max_size=3))
near_ids = st.sampled_from(["ev_" + "0" * 15, "ev_" + "0" * 15 + "A", "ev_" + "0" * 16 + "\n", "ev_" + "F" * 16, "evx" + "0" * 16, "ev_" + "0" * 16])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(hex_ids.filter(lambda i: i.startswith("ev_")), max_size=30), st.lists(st.one_of(hex_ids, near_ids, st.none()), max_size=30)))
def test_stable_ids_sort_as_their_texts(ids: list[str | None]) -> None:
    series = pl.Series("id", ids, dtype=pl.String)
    assert _arg_sort(series).to_list() == series.arg_sort().to_list()
