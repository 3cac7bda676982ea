"""Parquet files put together from row groups (formats/parquet_groups.py, release.RowGroups): the
bytes pyarrow's writer gives, whether each row group is encoded or copied from the last file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.build import release
from tradetalks.build.digest import row_hashes
from tradetalks.build.formats import parquet_groups
from tradetalks.build.pipeline import check
from tradetalks.schemas.tables import KEYS

GROUP = 3  # rows per row group in these tests: the large tables of the real dataset have several


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return check(REPO, cache=False).tables


def plain(df: pl.DataFrame, name: str, path: Path, version: str = "dev") -> bytes:
    release.write_parquet(df, path, name, version)
    return path.read_bytes()


def grouped(df: pl.DataFrame, name: str, path: Path, last: release.LastFile | None = None, version: str = "dev") -> tuple[bytes, release.RowGroups]:
    groups = release.RowGroups(row_hashes(df.sort(KEYS[name])), last)
    release.write_parquet(df, path, name, version, groups)
    return path.read_bytes(), groups


def last_of(path: Path, groups: release.RowGroups, trusted: bool = False) -> release.LastFile:
    assert groups.keys is not None
    return release.LastFile(path, hashlib.sha256(path.read_bytes()).hexdigest(), trusted, list(groups.keys), path.stat().st_size)


@pytest.fixture
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release, "ROW_GROUP", GROUP)


def test_a_footer_read_and_written_again_is_the_same_bytes(tables, tmp_path, small_groups) -> None:
    for name, df in tables.items():
        data = plain(df, name, tmp_path / f"{name}.parquet")
        length = int.from_bytes(data[-8:-4], "little")
        footer = data[-8 - length : -8]
        assert parquet_groups.encode_struct(parquet_groups.read_struct(footer)) == footer, name


@pytest.mark.parametrize("version", ["dev", "9.9.9"])
def test_row_groups_encoded_one_at_a_time_give_the_writers_file(tables, tmp_path, small_groups, version) -> None:
    several = [name for name, df in tables.items() if df.height > GROUP]
    assert {"articles", "evidence", "quotes", "people"} <= set(several)
    for name in several:
        data, groups = grouped(tables[name], name, tmp_path / "grouped.parquet", version=version)
        assert data == plain(tables[name], name, tmp_path / "plain.parquet", version), name
        assert groups.keys is not None and len(groups.keys) == pq.ParquetFile(tmp_path / "plain.parquet").metadata.num_row_groups > 1
        assert groups.reused == 0


def edits(df: pl.DataFrame, name: str) -> dict[str, pl.DataFrame]:
    """The table with one value changed, a row removed, a row added (another's with a new key)."""
    key = KEYS[name]
    text = next(c for c, t in df.schema.items() if t == pl.String and c != key and df[c].null_count() < df.height)
    middle = df.height // 2
    changed = df.with_columns(pl.when(pl.int_range(pl.len()) == middle).then(pl.lit("changed")).otherwise(pl.col(text)).alias(text))
    removed = df.filter(pl.int_range(pl.len()) != middle)
    added = pl.concat([df, df.slice(middle, 1).with_columns((pl.col(key) + "0").alias(key))]).sort(key)
    return {"changed": changed, "removed": removed, "added": added}


@pytest.mark.parametrize("name", ["evidence", "articles", "quotes"])
def test_a_rebuild_copies_the_unchanged_row_groups_and_gives_the_clean_files_bytes(tables, tmp_path, small_groups, name) -> None:
    df = tables[name]
    _, first = grouped(df, name, tmp_path / "first.parquet")
    last = last_of(tmp_path / "first.parquet", first)
    n = len(first.keys or [])
    # The same table: every row group copied.
    again, groups = grouped(df, name, tmp_path / "again.parquet", last)
    assert again == (tmp_path / "first.parquet").read_bytes() and groups.reused == n
    for what, edited in edits(df, name).items():
        data, groups = grouped(edited, name, tmp_path / f"{what}.parquet", last)
        assert data == plain(edited, name, tmp_path / "clean.parquet"), what
        # The row groups before the edited row are copied (after it, the rows of a removal or an
        # addition have moved to other groups); at least one is encoded.
        assert df.height // 2 // GROUP <= groups.reused < len(groups.keys or []), what
    changed, groups = grouped(edits(df, name)["changed"], name, tmp_path / "one.parquet", last)
    assert groups.reused == n - 1  # one value changed: one row group encoded


def test_a_damaged_last_file_is_not_copied_from(tables, tmp_path, small_groups) -> None:
    df = tables["evidence"]
    _, first = grouped(df, "evidence", tmp_path / "first.parquet")
    last = last_of(tmp_path / "first.parquet", first)
    raw = bytearray(last.path.read_bytes())
    raw[len(raw) // 3] ^= 0xFF  # inside a column chunk: still a readable file, other bytes
    last.path.write_bytes(bytes(raw))
    edited = edits(df, "evidence")["changed"]
    data, groups = grouped(edited, "evidence", tmp_path / "edited.parquet", last)
    assert groups.reused == 0
    assert data == plain(edited, "evidence", tmp_path / "clean.parquet")
    # A missing one neither.
    last.path.unlink()
    data, groups = grouped(edited, "evidence", tmp_path / "edited2.parquet", last)
    assert groups.reused == 0 and data == plain(edited, "evidence", tmp_path / "clean.parquet")


def test_row_hashes_in_another_order_are_not_used(tables, tmp_path, small_groups) -> None:
    df = tables["evidence"]
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=1)
    groups = release.RowGroups(row_hashes(shuffled))
    release.write_parquet(shuffled, tmp_path / "x.parquet", "evidence", "dev", groups)
    assert groups.keys is None  # written whole: the hashes do not follow the file's rows
    assert (tmp_path / "x.parquet").read_bytes() == plain(df, "evidence", tmp_path / "clean.parquet")


def test_a_layout_not_handled_is_written_whole(tables, tmp_path, small_groups, monkeypatch) -> None:
    # A page index lies apart from the column chunks: `split` refuses it, the writer writes the file whole.
    monkeypatch.setattr(release, "PARQUET_OPTIONS", {**release.PARQUET_OPTIONS, "write_page_index": True})
    df = tables["evidence"]
    data, groups = grouped(df, "evidence", tmp_path / "g.parquet")
    assert groups.keys is None
    assert data == plain(df, "evidence", tmp_path / "p.parquet")
    with pytest.raises(ValueError, match="page index"):
        parquet_groups.split(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    group=st.integers(2, 40),
    changes=st.lists(st.tuples(st.sampled_from(["change", "remove", "add"]), st.integers(0, 10**6)), max_size=4),
)
def test_any_edits_give_the_clean_files_bytes(tables, tmp_path, monkeypatch, group, changes) -> None:
    monkeypatch.setattr(release, "ROW_GROUP", group)
    df = tables["quotes"]
    _, first = grouped(df, "quotes", tmp_path / "first.parquet")
    last = last_of(tmp_path / "first.parquet", first)
    edited = df
    for i, (kind, at) in enumerate(changes):
        row = at % edited.height
        if kind == "change":
            edited = edited.with_columns(pl.when(pl.int_range(pl.len()) == row).then(pl.lit(f"edit {i}")).otherwise(pl.col("text")).alias("text"))
        elif kind == "remove" and edited.height > 1:
            edited = edited.filter(pl.int_range(pl.len()) != row)
        else:
            edited = pl.concat([edited, edited.slice(row, 1).with_columns((pl.col("quote_id") + f"x{i}").alias("quote_id"))]).sort("quote_id")
    data, _ = grouped(edited, "quotes", tmp_path / "edited.parquet", last)
    assert data == plain(edited, "quotes", tmp_path / "clean.parquet")


def test_a_last_file_of_another_size_or_behind_a_link_is_not_read(tables, tmp_path, small_groups) -> None:
    df = tables["evidence"]
    _, first = grouped(df, "evidence", tmp_path / "first.parquet")
    last = last_of(tmp_path / "first.parquet", first)
    edited = edits(df, "evidence")["changed"]
    other_size = release.LastFile(last.path, last.sha256, True, last.keys, last.size + 1)  # even with a trusted stamp
    data, groups = grouped(edited, "evidence", tmp_path / "a.parquet", other_size)
    assert groups.reused == 0 and data == plain(edited, "evidence", tmp_path / "clean.parquet")
    (tmp_path / "real.parquet").write_bytes(last.path.read_bytes())
    last.path.unlink()
    last.path.symlink_to(tmp_path / "real.parquet")
    data, groups = grouped(edited, "evidence", tmp_path / "b.parquet", last)
    assert groups.reused == 0 and data == plain(edited, "evidence", tmp_path / "clean.parquet")
