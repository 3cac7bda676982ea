"""Stage 6, release: write a build's directory atomically and reproducibly, with its bundle.

Everything is written into a temporary directory next to the target, then moved into place; a
failed build never touches what was there. A working build (build/working/) is replaced
atomically; a published release (release/X.Y.Z/) is written once, with `replace=False`, and never
again. No timestamps, random ids or dict-order effects: two builds of the same sources give
byte-identical files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tradetalks.build.errors import DatasetError
from tradetalks.build.formats import parquet_groups
from tradetalks.build.formats.card import card
from tradetalks.build.formats.croissant import croissant
from tradetalks.build.formats.datapackage import datapackage
from tradetalks.build.formats.files import (
    CSV_DIR,
    DATA_DIR,
    CsvBlocks,
    csv_rel,
    file_entry,
    parquet_rel,
    read_manifest,
    write_csv,
    write_csv_blocks,
    write_csvs,
    write_json,
    write_zip,
)
from tradetalks.build.formats.metadata import release_date
from tradetalks.build.spill import SPILL_PREFIX
from tradetalks.load import apply_umask, sha256_file
from tradetalks.schemas.tables import KEYS, MODELS, allowed_values, descriptions, table_description

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
    reuse: Mapping[str, tuple[Path, str, bool]] | None = None,
    early: EarlyTables | None = None,
    groups: Mapping[str, RowGroups] | None = None,
    blocks: Mapping[str, CsvBlocks] | None = None,
) -> Path:
    """Write every table, the manifest, the CHANGELOG and the bundle to `target`; return it.

    `reuse`: files of an earlier build that hold exactly what this one would write (the build
    cache knows which tables are unchanged): relative path -> (that file, its sha256, whether its
    stamp proves it unchanged since). Each is linked in and kept only if it is a regular file and
    (unless its stamp is trusted) its bytes still have that sha256; any other is written afresh.

    `replace=False` (a published release): refuse when `target` exists, and never replace it.
    `archive=False` leaves out dist/ (the zip of everything and its SHA256SUMS), which only a
    published release needs: a working build of a large corpus spends most of its writing there.
    `early`: tables already written while the build went on (`EarlyTables`); their files are moved in.
    `groups`, `blocks`: table -> what lets its Parquet file copy row groups of the last build's
    (`RowGroups`), its CSV blocks of rows (`CsvBlocks`).
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
            linked = _link_reused(tmp, reuse or {})
            (tmp / CSV_DIR).mkdir(exist_ok=True)
            (tmp / DATA_DIR).mkdir(exist_ok=True)
            known = dict(linked)
            if early is not None:
                known.update(early.move_into(tmp, skip=set(linked)))

            def write(name: str) -> dict[str, str]:
                return write_table_files(tmp, name, tables[name], version, skip=set(known), groups=(groups or {}).get(name), blocks=(blocks or {}).get(name))

            # Tables are written side by side: Arrow and Polars encode, compress and hash without holding the GIL.
            with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
                for written in pool.map(write, sorted(MODELS, key=lambda n: -tables[n].height)):
                    known.update(written)
            for name in MODELS:
                manifest["tables"][name] = table_entry(name, tables[name], tmp, known.get(parquet_rel(name)))
            if changelog is not None and changelog.exists():
                shutil.copyfile(changelog, tmp / "CHANGELOG.md")
            if provenance is not None:
                manifest["provenance"] = provenance
            add_bundle(tmp, manifest, tables, archive, known)
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


def write_table_files(
    directory: Path,
    name: str,
    df: pl.DataFrame,
    version: str,
    skip: set[str] | frozenset = frozenset(),
    groups: RowGroups | None = None,
    blocks: CsvBlocks | None = None,
) -> dict[str, str]:
    """The table's Parquet and CSV files in `directory` (but those in `skip`), each hashed as soon as written: rel -> sha256."""
    written = {}
    parquet, csv = parquet_rel(name), csv_rel(name)
    if parquet not in skip:
        write_parquet(df, directory / parquet, name, version, groups)
        written[parquet] = sha256_file(directory / parquet)
    if csv in skip:
        return written
    if blocks is not None and blocks.rows.len() == df.height and df[KEYS[name]].is_sorted():  # the row hashes in the file's order
        written[csv] = write_csv_blocks(directory / csv, df, blocks)
    else:
        rel = write_csv(directory, name, df.sort(KEYS[name]))
        written[rel] = sha256_file(directory / rel)
    return written


class EarlyTables:
    """Tables that are final before the build ends, written while the build goes on.

    A large table's files take seconds to encode; the checks that follow (and a rebuild's short
    cross-article work) leave cores free, so each table's Parquet and CSV are written meanwhile,
    side by side. The files wait in a temporary
    directory beside the target (same file system: `write_release` moves them in) and are deleted
    with it when the build fails or is abandoned (`close`). Nothing here touches the target, so a
    failed build still leaves the previous one as it was. The directory holds a lock while in use,
    so another build's clean-up (`remove_leftovers`) never deletes it from under this one.
    """

    def __init__(self, parent: Path, version: str) -> None:
        parent.mkdir(parents=True, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix=EARLY_PREFIX, dir=parent))
        (self.directory / CSV_DIR).mkdir()
        (self.directory / DATA_DIR).mkdir()
        self._lock = open(self.directory / ".in-use", "a")  # noqa: SIM115 - held until close()
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.version = version
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._written: dict[str, list[Future[dict[str, str]]]] = {}

    def add(self, name: str, df: pl.DataFrame, groups: RowGroups | None = None, blocks: CsvBlocks | None = None) -> None:
        """Start writing `name` (once): its files are those `write_release` would write, its Parquet and CSV side by side."""
        if name in self._written:
            return
        parquet, csv = parquet_rel(name), csv_rel(name)
        self._written[name] = [
            self._pool.submit(write_table_files, self.directory, name, df, self.version, skip={csv}, groups=groups),
            self._pool.submit(write_table_files, self.directory, name, df, self.version, skip={parquet}, blocks=blocks),
        ]

    def move_into(self, directory: Path, skip: set[str]) -> dict[str, str]:
        """Wait for every table, move its files (but those in `skip`) into `directory`: rel -> sha256."""
        moved = {}
        for name in sorted(self._written):
            written = {rel: sha256 for future in self._written[name] for rel, sha256 in future.result().items()}
            for rel, sha256 in sorted(written.items()):
                if rel not in skip:
                    os.rename(self.directory / rel, directory / rel)
                    moved[rel] = sha256
        return moved

    def close(self) -> None:
        """Stop (a write under way finishes first) and delete the directory with whatever is left in it."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.directory, ignore_errors=True)
        self._lock.close()


EARLY_PREFIX = ".early-"


def add_bundle(
    directory: Path, manifest: dict, tables: dict[str, pl.DataFrame] | None = None, archive: bool = True, known: Mapping[str, str] | None = None
) -> None:
    """Write CSVs, datapackage.json, croissant.json, the card, the zip (`archive`) and the final manifest into `directory`.

    `tables`, when given, are the frames just written as Parquet (saves reading them back).
    `known`: files already in `directory` (linked from an earlier build) -> their sha256.
    """
    known = known or {}
    version = manifest["version"]
    csv_entries = write_csvs(directory, manifest, tables, keep=set(known))
    csv_files = {rel: file_entry(directory / rel, known.get(rel)) for rel in sorted(csv_entries.values())}  # each file hashed once
    write_json(directory / "datapackage.json", datapackage(manifest, directory, csv_entries, {rel: e["sha256"] for rel, e in csv_files.items()}))
    changes = (directory / "CHANGELOG.md").read_text(encoding="utf-8") if (directory / "CHANGELOG.md").exists() else ""
    date = release_date(changes, version)
    write_json(directory / "croissant.json", croissant(manifest, date))
    (directory / "README.md").write_text(card(manifest, directory, date), encoding="utf-8")
    files = {}
    for rel in ["CHANGELOG.md", "README.md", "datapackage.json", "croissant.json", *sorted(csv_entries.values())]:
        if (directory / rel).exists():
            files[rel] = {**(csv_files.get(rel) or file_entry(directory / rel)), "path": rel}
    manifest["files"] = files
    write_json(directory / "manifest.json", manifest)
    if archive:
        write_zip(directory, version)


# Columns that hold another column's values by construction (table -> column -> the one it repeats).
TWIN_COLUMNS = {"articles": {"evidence": "text"}}
# Rows per row group: pyarrow's default, which every file has been written with (`write_parquet`
# writes one row group at a time, so that only one row group's Arrow copy is in memory).
ROW_GROUP = 1024 * 1024


@dataclass
class LastFile:
    """The Parquet file the last build wrote for a table: its path, sha256, whether its stamp
    proves it unchanged since (see `ArticleCache.reusable`), and the key of each of its row groups."""

    path: Path
    sha256: str
    trusted: bool
    keys: list[str]
    size: int  # bytes, as recorded: a file of another size is not read


@dataclass
class RowGroups:
    """What lets `write_parquet` copy row groups of the last build's file instead of encoding them:
    the table's `digest.row_hashes` (in its sorted order) and that file (`last`, or None).
    `write_parquet` sets `keys` (one per row group written) and `reused` (how many it copied)."""

    rows: pl.Series
    last: LastFile | None = None
    keys: list[str] | None = None
    reused: int = 0


def write_parquet(df: pl.DataFrame, path: Path, name: str, version: str, groups: RowGroups | None = None) -> None:
    """zstd Parquet, rows sorted by key, plain Arrow types, column descriptions in the field metadata.

    A table of more than `ROW_GROUP` rows is converted to Arrow and written one row group at a
    time: the same bytes as `pq.write_table` of the whole table, with a fraction of its memory.
    With `groups` (the build cache), each row group has a key (a digest of its rows, the schema
    and the options); a group whose key is one of the last build's file is copied from that
    file (once its sha256 is checked) rather than encoded (`formats/parquet_groups.py`): the
    same bytes either way.
    """
    key = KEYS[name]
    if groups is not None and (groups.rows.len() != df.height or not df[key].is_sorted()):
        groups = None  # row hashes in another order than the file's
    df = df.sort(key)

    def arrow(rows: pl.DataFrame) -> pa.Table:
        # A column that repeats another (the articles' `evidence` is their `text`) is converted
        # once and its Arrow array used twice: the same bytes, half the copy.
        twins = [c for c, of in TWIN_COLUMNS.get(name, {}).items() if c in rows.columns and of in rows.columns and rows[c].equals(rows[of])]
        table = plain_arrow(rows.drop(twins).to_arrow(compat_level=pl.CompatLevel.oldest()))
        for column in twins:
            table = table.add_column(rows.columns.index(column), column, table[TWIN_COLUMNS[name][column]])
        return table

    # The first row group, which the file is written with when not in row groups of their own (below).
    table = arrow(df.slice(0, 1 if groups is not None and df.height > ROW_GROUP else ROW_GROUP))
    docs = descriptions(name)
    fields = [f.with_metadata({"description": docs.get(f.name, "")}) for f in table.schema]
    schema = pa.schema(
        fields,
        metadata={
            "tradetalks.table": name,
            "tradetalks.version": version,
            "tradetalks.primary_key": key,
            "description": table_description(name),
        },
    )
    options = dict(PARQUET_OPTIONS)
    if not _is_release(version):
        options["compression_level"] = WORKING_COMPRESSION_LEVEL
    if df.height <= ROW_GROUP:
        pq.write_table(table.cast(schema), path, **options)
        return
    try:
        if groups is not None:
            try:
                _write_groups(df, path, schema, options, arrow, groups)
                return
            except ValueError:  # a layout `parquet_groups` does not handle: written whole below
                groups.keys = None
                table = arrow(df.slice(0, ROW_GROUP))
        with pq.ParquetWriter(path, schema, **options) as writer:  # what pq.write_table does, one row group at a time
            writer.write_table(table.cast(schema), row_group_size=ROW_GROUP)
            del table
            for offset in range(ROW_GROUP, df.height, ROW_GROUP):
                writer.write_table(arrow(df.slice(offset, ROW_GROUP)).cast(schema), row_group_size=ROW_GROUP)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_groups(df: pl.DataFrame, path: Path, schema: pa.Schema, options: dict, arrow, groups: RowGroups) -> None:
    """`df` (sorted, more than `ROW_GROUP` rows) as `write_parquet` writes it, each row group
    encoded alone or copied from `groups.last`, and the footer put together (`parquet_groups`)."""
    prefix = json.dumps([str(schema), sorted(options.items()), ROW_GROUP]).encode("utf-8")
    starts = list(range(0, df.height, ROW_GROUP))
    keys = [hashlib.sha256(prefix + groups.rows.slice(start, ROW_GROUP).to_numpy().tobytes()).hexdigest()[:32] for start in starts]
    last, old, where = groups.last, None, {}
    data = b""
    if last is not None and set(keys) & set(last.keys):
        try:
            data = read_regular_file(last.path, last.size) or b""
            if data and (last.trusted or hashlib.sha256(data).hexdigest() == last.sha256):
                old = parquet_groups.split(data)
                if len(old.groups) == len(last.keys) and all(4 <= b <= e <= len(data) - 8 for b, e in old.spans):
                    where = {k: i for i, k in enumerate(last.keys)}
        except (OSError, ValueError):
            where = {}

    def encoded(rows: pl.DataFrame) -> tuple[bytes, parquet_groups.Piece]:
        sink = pa.BufferOutputStream()
        pq.write_table(arrow(rows).cast(schema), sink, row_group_size=ROW_GROUP, **options)
        data = sink.getvalue().to_pybytes()
        return data, parquet_groups.split(data)

    template = None
    placed = []
    reused = 0
    with open(path, "wb") as out:
        out.write(parquet_groups.MAGIC)
        for ordinal, (start, k) in enumerate(zip(starts, keys, strict=True)):
            if k in where:
                assert old is not None
                source, piece, i = data, old, where[k]
                reused += 1
            else:
                source, piece = encoded(df.slice(start, ROW_GROUP))
                template, i = template or piece.meta, 0
            begin, end = piece.spans[i]
            placed.append(parquet_groups.moved(piece.groups[i], piece.spans[i], out.tell(), ordinal))
            out.write(memoryview(source)[begin:end])
        if template is None:  # every row group copied: the file-level fields of a file of the same schema and options
            template = encoded(df.slice(0, 1))[1].meta
        out.write(parquet_groups.footer(template, placed))
    groups.keys, groups.reused = keys, reused


def read_regular_file(path: Path, size: int) -> bytes | None:
    """The bytes of `path` when it is a regular file (not followed if a symbolic link) of `size` bytes; else None."""
    from tradetalks.build.yamldoc import read_regular

    try:
        data = read_regular(path, str(path), size)
    except DatasetError:
        return None
    return data if len(data) == size else None


def _is_release(version: str) -> bool:
    from tradetalks.build.diff import is_release_version

    return is_release_version(version)


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


def _link_reused(directory: Path, reuse: Mapping[str, tuple[Path, str, bool]]) -> dict[str, str]:
    """Link the files of `reuse` into `directory`; keep those that are regular files with the
    expected sha256 (read here, after linking, unless the stamp is trusted: what is kept is what
    was checked). rel -> sha256."""
    known = {}
    for rel, (source, sha256, trusted) in sorted(reuse.items()):
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, path, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(os.lstat(path).st_mode) and (trusted or sha256_file(path) == sha256):
            known[rel] = sha256
        else:
            path.unlink()
    return known


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
        elif p.is_dir() and p.name.startswith((EARLY_PREFIX, SPILL_PREFIX)) and not _in_use(p):
            shutil.rmtree(p, ignore_errors=True)


def _in_use(early_dir: Path) -> bool:
    """Whether a running build holds this `EarlyTables` or `Spill` directory (a killed one holds no lock)."""
    try:
        with open(early_dir / ".in-use", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fh, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


@contextmanager
def build_lock(out_root: Path) -> Iterator[None]:
    """One release writer at a time: concurrent builds serialise, never interleave."""
    with open(out_root / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
