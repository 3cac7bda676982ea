"""Stage 6, release: write release/<version>/ atomically and reproducibly.

Everything is written into a temporary directory next to the target, then moved into place;
a failed build never touches the previous release. No timestamps, random ids or dict-order
effects: two builds of the same sources give byte-identical files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tradetalks.build.errors import DatasetError
from tradetalks.load import sha256_file  # noqa: F401 - one implementation, shared with the loader
from tradetalks.schemas.tables import KEYS, MODELS, descriptions, table_description

PARQUET_OPTIONS = dict(compression="zstd", compression_level=9, use_dictionary=True, write_statistics=True)


def write_release(tables: dict[str, pl.DataFrame], out_root: Path, version: str, changelog: Path | None) -> Path:
    """Write every table, the manifest and the CHANGELOG to out_root/<version>/; return that path."""
    # Load inputs.
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    target = out_root / version

    # Process: write everything into a temporary sibling directory.
    with build_lock(out_root):
        remove_leftovers(out_root)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=out_root))
        try:
            manifest = {"dataset": "tradetalks", "version": version, "tables": {}, "files": {}}
            for name in MODELS:
                path = tmp / f"{name}.parquet"
                write_parquet(tables[name], path, name, version)
                manifest["tables"][name] = table_entry(name, tables[name], path)
            if changelog is not None and changelog.exists():
                shutil.copyfile(changelog, tmp / "CHANGELOG.md")
                manifest["files"]["CHANGELOG.md"] = file_entry(tmp / "CHANGELOG.md")
            # The bundle (CSV, datapackage.json, croissant.json, card, zip) is part of the same atomic write.
            from tradetalks.build.bundle import add_bundle

            add_bundle(tmp, manifest, tables)
            _fsync_tree(tmp)
            replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


def write_parquet(df: pl.DataFrame, path: Path, name: str, version: str) -> None:
    """zstd Parquet, rows sorted by key, plain Arrow types, column descriptions in the field metadata."""
    key = KEYS[name]
    df = df.sort(key)
    table = plain_arrow(df.to_arrow(compat_level=pl.CompatLevel.oldest()))
    docs = descriptions(name)
    fields = [f.with_metadata({"description": docs.get(f.name, "")}) for f in table.schema]
    schema = pa.schema(fields, metadata={
        "tradetalks.table": name,
        "tradetalks.version": version,
        "tradetalks.primary_key": key,
        "description": table_description(name),
    })
    pq.write_table(table.cast(schema), path, **PARQUET_OPTIONS)


def plain_arrow(table: pa.Table) -> pa.Table:
    """large_string/large_list -> string/list: readable by every Parquet tool, not only Arrow's newest."""

    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_large_string(t):
            return pa.string()
        if pa.types.is_large_list(t) or pa.types.is_list(t):
            return pa.list_(plain(t.value_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, plain(f.type), f.nullable) for f in t])
        return t

    return table.cast(pa.schema([pa.field(f.name, plain(f.type), f.nullable) for f in table.schema]))


def file_entry(path: Path) -> dict:
    return {"path": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def schema_fingerprint(columns: list[dict]) -> str:
    canon = json.dumps([[c["name"], c["type"]] for c in columns], separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()


def table_entry(name: str, df: pl.DataFrame, path: Path) -> dict:
    docs = descriptions(name)
    arrow_schema = pq.read_schema(path)
    model_columns = MODELS[name].to_schema().columns
    columns = [
        {"name": f.name, "type": str(f.type), "nullable": bool(model_columns[f.name].nullable), "description": docs.get(f.name, "")}
        for f in arrow_schema
    ]
    return {
        **file_entry(path),
        "rows": df.height,
        "primary_key": KEYS[name],
        "description": table_description(name),
        "columns": columns,
        "schema_fingerprint": schema_fingerprint(columns),
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


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
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


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


def read_manifest(release_dir: Path) -> dict:
    path = Path(release_dir) / "manifest.json"
    if not path.exists():
        raise DatasetError.one(str(path), None, None, "no manifest.json: not a release directory")
    return json.loads(path.read_text(encoding="utf-8"))
