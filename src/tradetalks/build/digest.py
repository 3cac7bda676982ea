"""Digests of Polars tables, for the build cache: equal digests mean equal tables (see `table_digest`)."""

from __future__ import annotations

import hashlib
import json

import polars as pl


def row_hashes(df: pl.DataFrame) -> pl.Series:
    """One 64-bit hash per row (Polars' row hash, seed 0): what `table_digest` digests."""
    return df.hash_rows(seed=0)


def table_digest(df: pl.DataFrame, ordered: bool = True, rows: pl.Series | None = None) -> str:
    """A digest of a table's columns, types and rows, from Polars' row hash.

    `ordered=False`: the same for any order of the same rows (the row hashes are sorted first).
    Stable within one Polars version, which the cache's code fingerprint includes; 64 bits per
    row, so two different tables share a digest only by an accident of about 2^-64 per changed row.
    `rows`: the table's `row_hashes`, when already made.
    """
    h = hashlib.sha256(json.dumps([[c, str(t)] for c, t in df.schema.items()]).encode("utf-8"))
    h.update(df.height.to_bytes(8, "little"))
    if df.width:
        rows = row_hashes(df) if rows is None else rows
        h.update((rows if ordered else rows.sort()).to_numpy().tobytes())
    return h.hexdigest()
