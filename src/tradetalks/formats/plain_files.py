"""A release's plain files: the manifest's file entries, JSON, CSV copies and the zip of everything."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa

from tradetalks.errors import DatasetError
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


def append_csv(fh: BinaryIO, rows: pa.Table, schema: pl.Schema, header: bool) -> None:
    """Append `rows` (Arrow, in the order they are to be written) to the open CSV file `fh`, as
    the Polars columns of `schema`: nested values as JSON, text that begins like a formula shown
    as text (`spreadsheet_safe`); with the header line when `header`."""
    nested = [c for c, t in schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
    text = [c for c, t in schema.items() if t == pl.String]
    part = pl.DataFrame(pl.from_arrow(rows)).cast(schema)
    part = part.with_columns(json_text(c) for c in nested).with_columns(spreadsheet_safe(c) for c in text)
    # Polars writes "" for an empty string and nothing for null; CSV readers see both as empty.
    part.write_csv(fh, include_header=header, line_terminator="\n", null_value="", float_precision=None)


# A cell a spreadsheet would run as a formula (OWASP's CSV injection guidance): one that begins with
# one of these characters.
FORMULA_START = "=+-@\t\r"


def spreadsheet_safe(column: str) -> pl.Expr:
    """The text of `column` with a `'` before any value that begins like a formula, so that a
    spreadsheet shows it as text. The CSV copies only: the Parquet files hold every value verbatim."""
    risky = pl.col(column).str.contains(f"^[{re.escape(FORMULA_START)}]")
    return pl.when(risky).then(pl.lit("'") + pl.col(column)).otherwise(pl.col(column)).alias(column)


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
