"""The build cache: each article's rows, kept between builds under a key of everything they depend on.

An article's rows (its parts of `articles`, `evidence`, `quotes`, `roles` and `segments`, see
`assemble.PART_SCHEMAS`) are a function of its two files, the registries and the code. The key of
an entry is the sha256 of all of these: the bytes of the article's .txt and .yml, the bytes of
every registry file, and the fingerprint of the code (`fingerprint.code_fingerprint`) with the
versions of the libraries the rows go through. Any change to any of them gives another key, so
an entry is never stale; it is only found or not.

The cache can only make a build faster, never different:
- an entry is one Arrow IPC file, `articles/<key>.arrow`; `articles/index.json` records the
  sha256 and size of every entry written. An entry is used only when it is a regular file (looked
  at with lstat, opened without following a link and without blocking) of the recorded size whose
  bytes have the recorded sha256, whose Arrow data is well formed (validated in full) with the
  schema the writer gives, and whose rows name only its article. Anything else (an unreadable or odd index, a symbolic link, a FIFO, a directory, a
  truncated or edited file) is ignored: the article is computed again.
- only articles whose stages found no problem are kept, so a problem is always reported afresh;
- the cache decides nothing else: the cross-article work and every check run on the full tables.

`build/cache/` can be deleted at any time; a cache that cannot be written is skipped with a note;
`--no-cache` ignores it, and publishing (`tradetalks release`) never uses it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import polars as pl
import pyarrow as pa

from tradetalks.errors import DatasetError
from tradetalks.pipeline.assemble import PART_SCHEMAS
from tradetalks.pipeline.fingerprint import code_fingerprint
from tradetalks.pipeline.sources import MAX_ARTICLE_BYTES, REGISTRIES, Pair, Sources
from tradetalks.pipeline.yamldoc import MAX_YAML_BYTES, read_regular

FORMAT = 4
# The libraries whose versions shape the rows (the lock file, in the code's fingerprint, pins them in a checkout).
LIBRARIES = ("polars", "pyarrow", "pyyaml", "fastjsonschema", "jsonschema")
# An index larger than this is not read (about 200 bytes per article), nor an entry (an article's
# text is at most 5 MB: its rows hold a few times that at most).
MAX_INDEX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 128 * 1024 * 1024
KEY = re.compile(r"[0-9a-f]{64}")


class ArticleCache:
    """build/cache/articles/ under a repository root, for one build."""

    def __init__(self, root: Path, sources: Sources) -> None:
        self.directory = Path(root) / "build" / "cache" / "articles"
        self.shared = _shared_key(sources)
        self.recorded = self._read_index()  # key -> (sha256, bytes), as the last build left them
        self.kept: dict[str, tuple[str, int]] = {}  # the entries this build used or wrote
        self.note: str | None = None  # why the cache was not written, for the command line

    def key(self, item: Pair) -> str | None:
        """The key of the article `item`'s rows; None when one of its files cannot be read (its stages say why)."""
        article_id, txt, yml = item
        try:
            files = [hashlib.sha256(read_regular(path, path, limit)).hexdigest() for path, limit in ((txt, MAX_ARTICLE_BYTES), (yml, MAX_YAML_BYTES))]
        except (DatasetError, OSError):
            return None
        return _sha256([self.shared, article_id, *files])

    def get(self, wanted: list[tuple[str, str]]) -> tuple[dict[str, pl.DataFrame], set[str]]:
        """The parts of the articles `wanted` (article id, key) whose entry is exactly what was
        written, every one's rows in one frame per part; and the ids of those articles."""
        found: list[tuple[str, str, bytes]] = []
        for article_id, key in wanted:
            recorded = self.recorded.get(key)
            data = _read_exactly(self.directory / f"{key}.arrow", recorded[1]) if recorded is not None else None
            if data is not None and recorded is not None and hashlib.sha256(data).hexdigest() == recorded[0]:
                found.append((article_id, key, data))
        parts, ids = _unpack([(article_id, data) for article_id, _, data in found])
        for article_id, key, _ in found:
            if article_id in ids:
                self.kept[key] = self.recorded[key]
        return parts, ids

    def put(self, keys: dict[str, str], parts: dict[str, pl.DataFrame]) -> None:
        """Keep the rows in `parts` of each article of `keys` (article id -> key: articles computed
        without a problem); an entry that cannot be written is left out, with a note."""
        for article_id, data in _pack(parts, list(keys)):
            key = keys[article_id]
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                _write_atomic(self.directory / f"{key}.arrow", data)
            except OSError as exc:
                self.note = self.note or f"build cache: not written ({exc.strerror or exc})"
                continue
            self.kept[key] = (hashlib.sha256(data).hexdigest(), len(data))

    def close(self) -> None:
        """Record the entries of this build in the index, and delete the others' files."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            index = {"format": FORMAT, "entries": {k: [sha, size] for k, (sha, size) in sorted(self.kept.items())}}
            _write_atomic(self.directory / "index.json", json.dumps(index).encode("utf-8"))
            for name in os.listdir(self.directory):
                stem, _, suffix = name.partition(".")
                if suffix == "arrow" and KEY.fullmatch(stem) and stem not in self.kept:
                    with contextlib.suppress(IsADirectoryError, PermissionError):
                        os.unlink(self.directory / name)
        except OSError as exc:
            self.note = self.note or f"build cache: not written ({exc.strerror or exc})"

    def _read_index(self) -> dict[str, tuple[str, int]]:
        """key -> (sha256, bytes) of each entry written by the last build; {} when the index is unreadable or odd."""
        path = self.directory / "index.json"
        try:
            index = json.loads(read_regular(path, str(path), MAX_INDEX_BYTES))
        except (DatasetError, OSError, ValueError):
            return {}
        entries = index.get("entries") if isinstance(index, dict) and index.get("format") == FORMAT else None
        if not isinstance(entries, dict):
            return {}
        return {
            k: (v[0], v[1])
            for k, v in entries.items()
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int) and not isinstance(v[1], bool)
        }


def _shared_key(sources: Sources) -> str:
    """What every article's rows depend on: the cache's format, the code, the libraries and the bytes of every registry file."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for dist in LIBRARIES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    # A registry that could not be read is None: the rows were made without it, whatever it held.
    registries = {name: doc.sha256 if (doc := getattr(sources, name)) is not None else None for name in REGISTRIES}
    return _sha256([FORMAT, code_fingerprint(), versions, registries])


def _sha256(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _pack(parts: dict[str, pl.DataFrame], ids: list[str]) -> list[tuple[str, bytes]]:
    """(article id, entry) for each article of `ids`: one Arrow IPC file of a single row, each
    part a column holding the list of that article's rows (as structs)."""
    table = _rows(parts, ids)
    entries = []
    for i, article_id in enumerate(ids):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table.slice(i, 1))
        entries.append((article_id, sink.getvalue().to_pybytes()))
    return entries


def _rows(parts: dict[str, pl.DataFrame], ids: list[str]) -> pa.Table:
    """One row per article of `ids`, in that order: a column per part, the list of the article's rows."""
    rows = pl.DataFrame({"_id": ids}, schema={"_id": pl.String})
    for name in PART_SCHEMAS:
        own = parts[name].select(pl.col("article_id").alias("_id"), pl.struct(pl.all()).alias(name)).group_by("_id", maintain_order=True).agg(name)
        rows = rows.join(own, on="_id", how="left", maintain_order="left")
        rows = rows.with_columns(pl.col(name).fill_null(pl.lit([], dtype=rows.schema[name])))
    return rows.drop("_id").to_arrow()


@functools.cache
def _entry_schema() -> pa.Schema:
    """The Arrow schema of every entry `_pack` writes."""
    return _rows({name: pl.DataFrame(schema=schema()) for name, schema in PART_SCHEMAS.items()}, []).schema


def _unpack(entries: list[tuple[str, bytes]]) -> tuple[dict[str, pl.DataFrame], set[str]]:
    """The parts of the entries (article id, bytes) that have the schema `_pack` writes and hold
    rows of their own article only, each part's rows in one frame; and the ids of those articles."""
    tables, ids = [], []
    for article_id, data in entries:
        try:
            reader = pa.ipc.open_file(pa.py_buffer(data))
            if not reader.schema.equals(_entry_schema()):
                continue
            table = reader.read_all()
            table.validate(full=True)  # offsets and buffers in bounds before anything reads them
        except (pa.ArrowException, OSError, ValueError):
            continue
        if table.num_rows == 1:
            tables.append(table)
            ids.append(article_id)
    if not tables:
        return {name: pl.DataFrame(schema=schema()) for name, schema in PART_SCHEMAS.items()}, set()
    from_arrow = pl.from_arrow(pa.concat_tables(tables).combine_chunks())
    assert isinstance(from_arrow, pl.DataFrame)
    rows = from_arrow.with_columns(pl.Series("_id", ids, dtype=pl.String))
    # An entry with a null element, or a row of another article, is not used.
    bad: set[str] = set()
    for name in PART_SCHEMAS:
        bad |= set(rows.filter(pl.col(name).is_null() | pl.col(name).list.eval(pl.element().is_null()).list.any())["_id"])
        flat = rows.select("_id", name).explode(name).filter(pl.col(name).is_not_null()).unnest(name)
        bad |= set(flat.filter(pl.col("article_id").ne_missing(pl.col("_id")))["_id"])
    good = rows.filter(~pl.col("_id").is_in(sorted(bad)))
    parts = {name: good.select(name).explode(name).filter(pl.col(name).is_not_null()).unnest(name) for name in PART_SCHEMAS}
    return parts, set(ids) - bad


def _read_exactly(path: Path, size: int) -> bytes | None:
    """The bytes of `path` when it is a regular file of `size` bytes (never following a link, never blocking); else None."""
    if not 0 < size <= MAX_ENTRY_BYTES:
        return None
    try:
        data = read_regular(path, str(path), size)
    except (DatasetError, OSError):
        return None
    return data if len(data) == size else None


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
