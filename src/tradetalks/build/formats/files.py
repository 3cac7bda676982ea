"""A release's plain files: the manifest's file entries, JSON, CSV copies and the zip of everything."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tradetalks.build.errors import DatasetError
from tradetalks.load import sha256_file

# Where a release's files lie. The tables' Parquet files are alone in `data/`, so that a directory
# reader (pyarrow.dataset, DuckDB globs, Hugging Face `data_files`) pointed at one of them reads that
# table, and none trips over the card or the CSVs; the CSV copies are in `csv/`. Releases up to
# 2.0.0 were published with their Parquet files beside the manifest: readers take each table's
# path from the manifest, never from here.
DATA_DIR = "data"
CSV_DIR = "csv"


def parquet_rel(table: str) -> str:
    return f"{DATA_DIR}/{table}.parquet"


def csv_rel(table: str) -> str:
    return f"{CSV_DIR}/{table}.csv"


def table_file(release_dir: Path, table: str) -> Path | None:
    """The Parquet file of `table` in a release directory of either layout (its manifest says where), or None."""
    try:
        entry = read_manifest(release_dir)["tables"].get(table)
    except DatasetError:
        return None
    path = Path(release_dir) / entry["path"] if isinstance(entry, dict) and isinstance(entry.get("path"), str) else None
    return path if path is not None and path.is_file() else None


def file_entry(path: Path, sha256: str | None = None) -> dict:
    """`sha256`: the file's, when already known (checked by the caller)."""
    return {"path": path.name, "sha256": sha256 or sha256_file(path), "bytes": path.stat().st_size}


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def read_manifest(release_dir: Path) -> dict:
    path = Path(release_dir) / "manifest.json"
    if not path.is_file():
        raise DatasetError.one(str(path), None, None, "no manifest.json: not a release directory")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError.one(str(path), None, None, f"unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise DatasetError.one(str(path), None, None, "not a tradetalks manifest (no tables)")
    return manifest


def write_csvs(root: Path, manifest: dict, tables: dict[str, pl.DataFrame] | None = None, keep: set[str] | frozenset = frozenset()) -> dict[str, str]:
    """csv/<table>.csv for every table: same rows and order as the Parquet, nested values as JSON.

    `keep`: files already in place (`csv/<table>.csv` linked from an earlier build), not written again.
    """
    (root / CSV_DIR).mkdir(exist_ok=True)
    out = {}
    for name, entry in manifest["tables"].items():
        if csv_rel(name) in keep:
            out[name] = csv_rel(name)
            continue
        df = tables[name].sort(entry["primary_key"]) if tables is not None else pl.read_parquet(root / entry["path"])
        out[name] = write_csv(root, name, df)
    return out


def write_csv(root: Path, name: str, df: pl.DataFrame) -> str:
    """csv/<name>.csv of `df` (rows in the order given), nested values as JSON; returns its relative path."""
    rel = csv_rel(name)
    _encode(_plain(df), root / rel)
    return rel


def _encode(df: pl.DataFrame, where: Path | io.BytesIO, header: bool = True) -> None:
    # Polars writes "" for an empty string and nothing for null; CSV readers see both as empty.
    df.write_csv(where, include_header=header, line_terminator="\n", null_value="", float_precision=None)


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    nested = [c for c, t in df.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
    return df.with_columns(json_text(c) for c in nested) if nested else df


# A large table's CSV, in blocks that a rebuild may copy from the last build's file (`CsvBlocks`):
# about this many blocks per table.
CSV_BLOCKS = 64


@dataclass
class CsvBlocks:
    """What lets `write_csv_blocks` copy blocks of rows of the last build's CSV instead of encoding them.

    `rows`: the table's `digest.row_hashes`, in the file's order. `last`: the file the last build
    wrote (its path) and its blocks, each [key, offset, length, sha256]. The writer sets `blocks`
    (those of the file written) and `reused` (how many it copied).
    """

    rows: pl.Series
    last: tuple[Path, list[list]] | None = None
    blocks: list[list] | None = None
    reused: int = 0


def block_ends(rows: pl.Series) -> list[int]:
    """Where each block of rows ends (exclusive): after every row whose hash is a multiple of a power of
    two chosen for about `CSV_BLOCKS` blocks. Set by the rows themselves, not their positions, so
    that adding or removing a row changes the block it is in and no other."""
    n = rows.len()
    step = 1 << max(0, round(math.log2(max(n, 1) / CSV_BLOCKS)))
    ends = [e + 1 for e in (rows % step == 0).arg_true().to_list() if e + 1 < n]
    return [*ends, n] if n else []


def write_csv_blocks(path: Path, df: pl.DataFrame, blocks: CsvBlocks) -> str:
    """`write_csv`'s file of `df` (rows in the order of `blocks.rows`), written block by block: a
    block whose rows and columns are those of a block of the last file is copied from it once
    its bytes have the sha256 recorded; returns the file's sha256. The same bytes either way."""
    plain = _plain(df)
    prefix = json.dumps(["csv", [[c, str(t)] for c, t in df.schema.items()]]).encode("utf-8")
    ends = block_ends(blocks.rows)
    starts = [0, *ends[:-1]] if ends else []
    keys = [
        hashlib.sha256(prefix + (b"header" if i == 0 else b"") + blocks.rows.slice(s, e - s).to_numpy().tobytes()).hexdigest()[:32]
        for i, (s, e) in enumerate(zip(starts, ends, strict=True))
    ]
    old: dict[str, tuple[int, int, str]] = {}
    source = None
    if blocks.last is not None:
        for entry in blocks.last[1]:  # as the build cache recorded them: checked, not trusted
            if isinstance(entry, list) and len(entry) == 4 and all(isinstance(v, int) and v >= 0 for v in entry[1:3]) and isinstance(entry[3], str):
                old.setdefault(str(entry[0]), (entry[1], entry[2], entry[3]))
        if set(keys) & set(old):
            source = _open_regular(blocks.last[0])
    size = os.fstat(source.fileno()).st_size if source is not None else 0
    total = hashlib.sha256()
    made: list[list] = []
    reused = offset = 0
    try:
        with open(path, "wb") as out:
            if not keys:  # no rows: the header alone
                data = io.BytesIO()
                _encode(plain, data)
                out.write(data.getvalue())
                total.update(data.getvalue())
            for i, (s, e, key) in enumerate(zip(starts, ends, keys, strict=True)):
                data_bytes = None
                if source is not None and key in old and old[key][0] + old[key][1] <= size:
                    at, length, sha = old[key]
                    try:
                        copied = os.pread(source.fileno(), length, at)
                    except OSError:
                        copied = b""
                    if len(copied) == length and hashlib.sha256(copied).hexdigest() == sha:
                        data_bytes, block_sha = copied, sha
                        reused += 1
                if data_bytes is None:
                    buffer = io.BytesIO()
                    _encode(plain.slice(s, e - s), buffer, header=i == 0)
                    data_bytes = buffer.getvalue()
                    block_sha = hashlib.sha256(data_bytes).hexdigest()
                out.write(data_bytes)
                total.update(data_bytes)
                made.append([key, offset, len(data_bytes), block_sha])
                offset += len(data_bytes)
    finally:
        if source is not None:
            source.close()
    blocks.blocks, blocks.reused = made, reused
    return total.hexdigest()


def _open_regular(path: Path):  # noqa: ANN202 - a binary file or None
    """`path` opened for reading when it is a regular file (a symbolic link is not followed); else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    fh = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        fh.close()
        return None
    return fh


def json_text(column: str) -> pl.Expr:
    """A nested column as compact JSON text, null where it is null: the bytes of
    `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`, computed by Polars (a test compares them).

    Polars encodes structs, not lists: the column is wrapped as `{"<column>":...}` and unwrapped.
    """
    wrapped = pl.struct(column).struct.json_encode()
    return pl.when(pl.col(column).is_not_null()).then(wrapped.str.slice(len(json.dumps(column, ensure_ascii=False)) + 2).str.head(-1)).alias(column)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_zip(root: Path, version: str) -> Path:
    """dist/tradetalks-data-<version>.zip: every file but dist/, sorted, fixed timestamps and permissions."""
    dist = root / "dist"
    dist.mkdir(exist_ok=True)
    name = f"tradetalks-data-{version}"
    path = dist / f"{name}.zip"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "dist")
    with zipfile.ZipFile(path, "w") as zf:
        for rel in files:
            info = zipfile.ZipInfo(f"{name}/{rel}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100644 & 0xFFFF) << 16
            info.create_system = 3
            info.file_size = (root / rel).stat().st_size
            info._compresslevel = 9  # type: ignore[attr-defined]  # private before 3.13, so not in the stubs; what writestr(compresslevel=9) sets; public as compress_level from Python 3.13
            # Streamed: a large table is never read into memory whole.
            with (root / rel).open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    (dist / "SHA256SUMS").write_text(f"{sha256_file(path)}  {path.name}\n", encoding="ascii")
    return path
