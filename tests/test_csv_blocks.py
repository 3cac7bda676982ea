"""CSV files written in blocks of rows (formats/files.py, CsvBlocks): the bytes `write_csv` gives,
whether each block is encoded or copied from the last build's file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.build.digest import row_hashes
from tradetalks.build.formats.files import CsvBlocks, block_ends, parquet_rel, write_csv, write_csv_blocks
from tradetalks.build.pipeline import check
from tradetalks.build.release import write_table_files
from tradetalks.schemas.tables import KEYS


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return check(REPO, cache=False).tables


def plain(df: pl.DataFrame, tmp_path: Path) -> bytes:
    (tmp_path / "csv").mkdir(exist_ok=True)
    return (tmp_path / write_csv(tmp_path, "plain", df)).read_bytes()


def in_blocks(df: pl.DataFrame, path: Path, last: CsvBlocks | None = None) -> tuple[bytes, CsvBlocks]:
    blocks = CsvBlocks(row_hashes(df), (last_path(last), last.blocks or []) if last is not None else None)
    write_csv_blocks(path, df, blocks)
    return path.read_bytes(), blocks


def last_path(blocks: CsvBlocks) -> Path:
    return blocks.path  # type: ignore[attr-defined]  # set by `first` below


def first(df: pl.DataFrame, path: Path) -> CsvBlocks:
    _, blocks = in_blocks(df, path)
    blocks.path = path  # type: ignore[attr-defined]
    return blocks


def test_blocks_are_set_by_the_rows_not_their_positions() -> None:
    rows = pl.Series(range(1, 10_001), dtype=pl.UInt64) * 2_654_435_761 % (1 << 32)
    ends = block_ends(rows)
    assert ends[-1] == rows.len() and ends == sorted(set(ends)) and 20 < len(ends) < 200
    # A row removed: the ends after it move by one, those before stay; no other block changes.
    removed = pl.concat([rows.slice(0, 5000), rows.slice(5001)])
    after = block_ends(removed)
    assert [e for e in ends if e <= 5000] == [e for e in after if e <= 5000]
    assert [e - 1 for e in ends if e > 5001] == [e for e in after if e > 5000]
    assert block_ends(pl.Series([], dtype=pl.UInt64)) == []


def test_a_file_written_in_blocks_is_the_file_written_whole(tables, tmp_path) -> None:
    for name, df in tables.items():
        data, blocks = in_blocks(df, tmp_path / f"{name}.csv")
        assert data == plain(df, tmp_path), name
        assert blocks.blocks is not None and blocks.reused == 0
        assert sum(b[2] for b in blocks.blocks) == len(data)
    empty = tables["evidence"].clear()
    assert in_blocks(empty, tmp_path / "empty.csv")[0] == plain(empty, tmp_path)


def edits(df: pl.DataFrame, name: str) -> dict[str, pl.DataFrame]:
    key = KEYS[name]
    text = next(c for c, t in df.schema.items() if t == pl.String and c != key and df[c].null_count() < df.height)
    middle = df.height // 2
    return {
        "changed": df.with_columns(pl.when(pl.int_range(pl.len()) == middle).then(pl.lit('a "quoted"\nline')).otherwise(pl.col(text)).alias(text)),
        "removed": df.filter(pl.int_range(pl.len()) != middle),
        "added": pl.concat([df, df.slice(middle, 1).with_columns((pl.col(key) + "0").alias(key))]).sort(key),
    }


@pytest.mark.parametrize("name", ["evidence", "quotes", "people"])
def test_a_rebuild_copies_the_unchanged_blocks_and_gives_the_clean_files_bytes(tables, tmp_path, name) -> None:
    df = tables[name]
    last = first(df, tmp_path / "first.csv")
    n = len(last.blocks or [])
    assert n > 4
    again, blocks = in_blocks(df, tmp_path / "again.csv", last)
    assert again == (tmp_path / "first.csv").read_bytes() and blocks.reused == n
    for what, edited in edits(df, name).items():
        data, blocks = in_blocks(edited, tmp_path / f"{what}.csv", last)
        assert data == plain(edited, tmp_path), what
        # The block of the row edited is encoded (and its neighbour, when the edit moved their
        # boundary); a block that only lost a row may be a block of the last file, whole.
        made = len(blocks.blocks or [])
        assert made - 2 <= blocks.reused <= made and (blocks.reused < made or what == "removed"), what


def test_a_damaged_block_of_the_last_file_is_encoded_again(tables, tmp_path) -> None:
    df = tables["evidence"]
    last = first(df, tmp_path / "first.csv")
    key, offset, length, _ = (last.blocks or [])[3]
    raw = bytearray((tmp_path / "first.csv").read_bytes())
    raw[offset + length // 2] ^= 0x01
    (tmp_path / "first.csv").write_bytes(bytes(raw))
    data, blocks = in_blocks(df, tmp_path / "again.csv", last)
    assert data == plain(df, tmp_path)
    assert blocks.reused == len(last.blocks or []) - 1
    # A last file gone: every block encoded.
    (tmp_path / "first.csv").unlink()
    data, blocks = in_blocks(df, tmp_path / "gone.csv", last)
    assert data == plain(df, tmp_path) and blocks.reused == 0


def test_row_hashes_in_another_order_are_not_used(tables, tmp_path) -> None:
    df = tables["evidence"]
    (tmp_path / "csv").mkdir()
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=2)
    blocks = CsvBlocks(row_hashes(shuffled))
    write_table_files(tmp_path, "evidence", shuffled, "dev", skip={parquet_rel("evidence")}, blocks=blocks)
    assert blocks.blocks is None  # written whole: the hashes do not follow the file's rows
    assert (tmp_path / "csv/evidence.csv").read_bytes() == plain(df, tmp_path)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(["change", "remove", "add"]), st.integers(0, 10**6)), max_size=5))
def test_any_edits_give_the_clean_files_bytes(tables, tmp_path, changes) -> None:
    df = tables["quotes"]
    last = first(df, tmp_path / "first.csv")
    edited = df
    for i, (kind, at) in enumerate(changes):
        row = at % edited.height
        if kind == "change":
            edited = edited.with_columns(pl.when(pl.int_range(pl.len()) == row).then(pl.lit(f"edit, {i}")).otherwise(pl.col("text")).alias("text"))
        elif kind == "remove" and edited.height > 1:
            edited = edited.filter(pl.int_range(pl.len()) != row)
        else:
            edited = pl.concat([edited, edited.slice(row, 1).with_columns((pl.col("quote_id") + f"x{i}").alias("quote_id"))]).sort("quote_id")
    data, _ = in_blocks(edited, tmp_path / "edited.csv", last)
    assert data == plain(edited, tmp_path)


def test_blocks_recorded_wrongly_or_a_linked_last_file_are_not_copied(tables, tmp_path) -> None:
    df = tables["evidence"]
    last = first(df, tmp_path / "first.csv")
    recorded = last.blocks or []
    key = recorded[2][0]
    wrong = [[key, 0, 10**15, "0" * 64], [key, -5, 10, "x"], ["k", "0", "10", None], "not a block", [key]]
    blocks = CsvBlocks(row_hashes(df), (tmp_path / "first.csv", wrong))
    write_csv_blocks(tmp_path / "wrong.csv", df, blocks)
    assert blocks.reused == 0 and (tmp_path / "wrong.csv").read_bytes() == plain(df, tmp_path)
    # The last file replaced by a symbolic link to a file of the same bytes: not followed.
    (tmp_path / "real.csv").write_bytes((tmp_path / "first.csv").read_bytes())
    (tmp_path / "first.csv").unlink()
    (tmp_path / "first.csv").symlink_to(tmp_path / "real.csv")
    data, blocks = in_blocks(df, tmp_path / "linked.csv", last)
    assert blocks.reused == 0 and data == plain(df, tmp_path)
