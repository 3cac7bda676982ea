"""Stage 6, release: write a build's directory atomically and reproducibly, with its bundle.

Everything is written into a temporary directory next to the target, then moved into place; a
failed build never touches what was there. A working build (build/working/) is replaced
atomically; a published release (release/X.Y.Z/) is written once, with `replace=False`, and never
again. No timestamps, random ids or dict-order effects: two builds of the same sources give
byte-identical files.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tradetalks.contract.tables import KEYS, MODELS, allowed_values, descriptions, table_description
from tradetalks.errors import DatasetError
from tradetalks.formats.card import card
from tradetalks.formats.croissant import croissant
from tradetalks.formats.datapackage import datapackage
from tradetalks.formats.metadata import release_date
from tradetalks.formats.plain_files import CSV_DIR, DATA_DIR, append_csv, csv_rel, file_entry, parquet_rel, read_manifest, write_json, write_zip
from tradetalks.load import apply_umask

__all__ = ["write_release", "read_manifest", "add_bundle", "replace_dir", "build_lock"]

PARQUET_OPTIONS = dict(compression="zstd", compression_level=9, use_dictionary=True, write_statistics=True)
# A working build is rewritten at every edit, a release downloaded many times: zstd level 3 writes
# about three times faster than level 9 for files 5-10% larger (benchmarks/README.md).
WORKING_COMPRESSION_LEVEL = 3


def write_release(
    tables: dict[str, pl.DataFrame],
    target: Path,
    version: str,
    changelog: Path | None,
    provenance: dict | None = None,
    replace: bool = True,
    archive: bool = True,
) -> Path:
    """Write every table, the manifest, the CHANGELOG and the bundle to `target`; return it.

    `replace=False` (a published release): refuse when `target` exists, and never replace it.
    `archive=False` leaves out dist/ (the zip of everything and its SHA256SUMS), which only a
    published release needs.
    """
    # Load inputs.
    target = Path(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)

    # Process: write everything into a temporary sibling directory, then move it into place.
    with build_lock(parent):
        remove_leftovers(parent)
        if not replace and target.exists():
            raise DatasetError.one(target, None, None, "already exists: a published release is never rewritten; publish a new version")
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=parent))
        try:
            manifest: dict = {"dataset": "tradetalks", "version": version, "tables": {}, "files": {}}
            (tmp / DATA_DIR).mkdir(exist_ok=True)
            (tmp / CSV_DIR).mkdir(exist_ok=True)
            for name in MODELS:
                write_table(tables[name], name, version, tmp / parquet_rel(name), tmp / csv_rel(name))
                manifest["tables"][name] = table_entry(name, tables[name], tmp)
            csv_files = {name: csv_rel(name) for name in MODELS}
            if changelog is not None and changelog.exists():
                shutil.copyfile(changelog, tmp / "CHANGELOG.md")
            if provenance is not None:
                manifest["provenance"] = provenance
            add_bundle(tmp, manifest, csv_files, archive)
            apply_umask(tmp)
            _fsync_tree(tmp)
            if replace:
                replace_dir(tmp, target)
            else:
                _rename_noreplace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def add_bundle(directory: Path, manifest: dict, csv_files: dict[str, str], archive: bool = True) -> None:
    """Write datapackage.json, croissant.json, the card, the zip (`archive`) and the final manifest
    into `directory`, beside its Parquet files and the CSV copies `csv_files` (table -> relative path)."""
    version = manifest["version"]
    hashed = {rel: file_entry(directory / rel) for rel in sorted(csv_files.values())}  # each file hashed once
    write_json(directory / "datapackage.json", datapackage(manifest, directory, csv_files, {rel: e["sha256"] for rel, e in hashed.items()}))
    changes = (directory / "CHANGELOG.md").read_text(encoding="utf-8") if (directory / "CHANGELOG.md").exists() else ""
    date = release_date(changes, version)
    write_json(directory / "croissant.json", croissant(manifest, date))
    (directory / "README.md").write_text(card(manifest, directory, date), encoding="utf-8")
    files = {}
    for rel in ["CHANGELOG.md", "README.md", "datapackage.json", "croissant.json", *sorted(csv_files.values())]:
        if (directory / rel).exists():
            files[rel] = {**(hashed.get(rel) or file_entry(directory / rel)), "path": rel}
    manifest["files"] = files
    write_json(directory / "manifest.json", manifest)
    if archive:
        write_zip(directory, version)


# Rows per Parquet row group, written down so that the bytes never depend on a library's default.
# A row group is held in memory whole while it is written; at this size (close to DuckDB's 122,880)
# a table of millions of rows is written in a few tens of MB, for files about 3% larger than in
# row groups of a million rows. Tables of fewer rows are one row group.
ROW_GROUP = 128 * 1024


def write_table(df: pl.DataFrame, name: str, version: str, parquet: Path, csv: Path | None = None) -> None:
    """Table `name` as zstd Parquet by pyarrow's writer at `parquet` and, with `csv`, as its CSV copy
    there (`plain_files.append_csv`): rows sorted by key, plain Arrow types, column descriptions in
    the field metadata; no timestamps, so the same table gives the same bytes (`PARQUET_OPTIONS`).

    One row group at a time: its rows are gathered in key order and converted to Arrow column by
    column, then written to both files at once, so a large table is never copied whole."""
    key = KEYS[name]
    schema = parquet_schema(df, name, version)
    options = dict(PARQUET_OPTIONS)
    if not _is_release(version):
        options["compression_level"] = WORKING_COMPRESSION_LEVEL
    order = None if df[key].is_sorted() else df[key].arg_sort()

    def arrow(start: int, field: pa.Field) -> pa.Array:
        column = df[field.name].slice(start, ROW_GROUP) if order is None else df[field.name].gather(order.slice(start, ROW_GROUP))
        return column.to_arrow().cast(field.type)

    # Gathering, compressing and formatting run outside the GIL: the columns are converted, and the
    # two files written, on two threads. (On the way out the threads finish before the CSV closes.)
    with (
        open(csv, "wb") if csv is not None else contextlib.nullcontext() as fh,
        ThreadPoolExecutor(max_workers=2) as threads,
        pq.ParquetWriter(parquet, schema, **options) as writer,
    ):
        for start in range(0, max(df.height, 1), ROW_GROUP):
            group = pa.Table.from_arrays(list(threads.map(functools.partial(arrow, start), schema)), schema=schema)
            copied = threads.submit(append_csv, fh, group, df.schema, start == 0) if fh is not None else None
            writer.write_table(group, row_group_size=ROW_GROUP)
            if copied is not None:
                copied.result()


def parquet_schema(df: pl.DataFrame, name: str, version: str) -> pa.Schema:
    """The Arrow schema of table `name`'s Parquet file: `df`'s columns in plain types (`plain_type`),
    each with its description, and the table's name, version, key and description."""
    docs = descriptions(name)
    plain = plain_arrow(df.head(0).to_arrow(compat_level=pl.CompatLevel.oldest())).schema
    return pa.schema(
        [f.with_metadata({"description": docs.get(f.name, "")}) for f in plain],
        metadata={
            "tradetalks.table": name,
            "tradetalks.version": version,
            "tradetalks.primary_key": KEYS[name],
            "description": table_description(name),
        },
    )


def _is_release(version: str) -> bool:
    from tradetalks.contract.versions import is_release_version

    return is_release_version(version)


def plain_type(t: pa.DataType) -> pa.DataType:
    """large_string/large_list -> string/list: readable by every Parquet tool, not only Arrow's newest."""
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(plain_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, plain_type(f.type), f.nullable) for f in t])
    return t


def plain_arrow(table: pa.Table) -> pa.Table:
    """`table` with plain types (`plain_type`)."""
    return table.cast(pa.schema([pa.field(f.name, plain_type(f.type), f.nullable) for f in table.schema]))


def schema_fingerprint(columns: list[dict]) -> str:
    canon = json.dumps([[c["name"], c["type"]] for c in columns], separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()


def table_entry(name: str, df: pl.DataFrame, directory: Path, sha256: str | None = None) -> dict:
    """The manifest's entry of table `name`, written in `directory`."""
    path = directory / parquet_rel(name)
    docs = descriptions(name)
    arrow_schema = pq.read_schema(path)
    model_columns = MODELS[name].to_schema().columns
    allowed = allowed_values(name)
    columns = [
        {
            "name": f.name,
            "type": str(f.type),
            "nullable": bool(model_columns[f.name].nullable),
            "description": docs.get(f.name, ""),
            **({"enum": allowed[f.name]} if f.name in allowed else {}),
        }
        for f in arrow_schema
    ]
    return {
        **file_entry(path, sha256),
        "path": parquet_rel(name),
        "rows": df.height,
        "primary_key": KEYS[name],
        "description": table_description(name),
        "columns": columns,
        "schema_fingerprint": schema_fingerprint(columns),
    }


def _fsync_tree(root: Path) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def replace_dir(new: Path, target: Path) -> None:
    """Move `new` to `target`, replacing any previous directory there; never a half-written target.

    On Linux the two directories are exchanged in one atomic step (renameat2 RENAME_EXCHANGE), so
    a reader resolving `target` sees the old or the new release, never none and never a mix.
    """
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the previous release
        return
    old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
    return _renameat2(a, b, 2)


def _renameat2(a: Path, b: Path, flags: int) -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), flags) == 0


def _rename_noreplace(new: Path, target: Path) -> None:
    """Move `new` to `target` only if nothing is there (RENAME_NOREPLACE where the kernel has it).

    The caller holds the build lock and has checked that `target` does not exist; renameat2 makes
    the refusal atomic against writers that do not take the lock.
    """
    if _renameat2(new, target, 1):
        return
    if target.exists():
        raise DatasetError.one(target, None, None, "already exists: a published release is never rewritten; publish a new version")
    os.rename(new, target)


def remove_leftovers(out_root: Path) -> None:
    """Delete temporary directories a killed build left behind (call with the build lock held)."""
    for p in Path(out_root).iterdir():
        if p.is_dir() and p.name.startswith((".tmp-", ".old-")):
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def build_lock(out_root: Path) -> Iterator[None]:
    """One release writer at a time: concurrent builds serialise, never interleave."""
    with open(out_root / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
