"""The build cache: each article's rows, kept between builds under a key of everything they depend on.

An article's rows (its parts of `articles`, `evidence`, `quotes`, `roles` and `segments`, see
`assemble.PART_SCHEMAS`) are a function of its two files, the registries and the code. The key of
an article is the sha256 of all of these: the bytes of its .txt and .yml, the bytes of every
registry file, and the fingerprint of the code (`fingerprint.code_fingerprint`) with the versions
of the libraries the rows go through. Any change to any of them gives another key, so a kept row
is never stale; it is only found or not.

The rows are kept in entries of about `ENTRY_ARTICLES` articles, so that a large corpus is a few
hundred files, not one per article: an entry is the articles between two boundaries that depend
on their ids alone (`entry_groups`), so adding, editing or removing an article rewrites its own
entry only. Each entry is one Arrow IPC file per part, `articles/<entry>.<part>.arrow`;
`articles/index.json` records each entry's articles with their keys, and the sha256 and size of
each of its files.

The cache can only make a build faster, never different:
- a file is used only when it is a regular file (looked at with lstat, opened without following a
  link and without blocking) of the recorded size whose bytes have the recorded sha256, whose
  Arrow data is well formed (validated in full) with the schema the writer gives, and whose rows
  name only the entry's articles. Anything else (an unreadable or odd index, a symbolic link, a
  FIFO, a directory, a truncated or edited file) is ignored: the entry's articles are computed again;
- an article's rows are reused only when its key is the one recorded with them;
- only articles whose stages found no problem are kept, so a problem is always reported afresh;
- the cache decides nothing else: the cross-article work and every check run on the full tables.

The files are mapped rather than read, as the workers' rows of a full build are: their pages stay
in the page cache, so a rebuild holds no more memory than a full build. Like those, a file is
trusted not to be rewritten in place between its check and the end of the build (the cache
replaces its files whole; a file deleted or replaced meanwhile stays as it was checked).

`build/cache/` can be deleted at any time; a cache that cannot be written is skipped with a note;
`--no-cache` ignores it, and publishing (`tradetalks release`) never uses it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import mmap
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pyarrow as pa

from tradetalks.errors import DatasetError
from tradetalks.pipeline.assemble import PART_SCHEMAS
from tradetalks.pipeline.fingerprint import code_fingerprint
from tradetalks.pipeline.sources import MAX_ARTICLE_BYTES, REGISTRIES, Pair, Sources
from tradetalks.pipeline.yamldoc import MAX_YAML_BYTES, map_regular, read_regular

FORMAT = 5
# The libraries whose versions shape the rows (the lock file, in the code's fingerprint, pins them in a checkout).
LIBRARIES = ("polars", "pyarrow", "pyyaml", "fastjsonschema", "jsonschema")
# The articles of an entry, on average (`entry_groups`). Each entry is one piece of the rows a
# rebuild works on: fewer, larger pieces make the cross-article work faster; an edit rewrites one entry.
ENTRY_ARTICLES = 1024
# An index larger than this is not read (about 150 bytes per article), nor a file of an entry (a
# thousand news articles of a few kilobytes make tens of MB; an entry past this is computed again).
MAX_INDEX_BYTES = 256 * 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024
ENTRY_FILE = re.compile(r"([0-9a-f]{64})\.([a-z]+)\.arrow")
# Threads that hash and check the files: sha256 and Arrow's validation run outside the GIL.
READERS = min(8, 2 * (os.cpu_count() or 1))


def entry_groups(ids: list[str]) -> list[list[str]]:
    """The sorted `ids` cut into runs: a run ends after an id whose sha256 falls in 1 of
    `ENTRY_ARTICLES` values. Each cut depends on its id alone, so a change to the corpus moves no
    other cut and rewrites one entry."""
    groups: list[list[str]] = [[]]
    for article_id in sorted(ids):
        groups[-1].append(article_id)
        if int.from_bytes(hashlib.sha256(article_id.encode("utf-8")).digest()[:4], "big") % ENTRY_ARTICLES == 0:
            groups.append([])
    return [g for g in groups if g]


class ArticleCache:
    """build/cache/articles/ under a repository root, for one build."""

    def __init__(self, root: Path, sources: Sources) -> None:
        self.directory = Path(root) / "build" / "cache" / "articles"
        self.shared = _shared_key(sources)
        self.recorded = self._read_index()  # entry -> {"articles": {id: key}, "files": {part: [sha256, bytes]}}
        self.kept: dict[str, dict] = {}  # the entries of this build: those used as they are, and those written
        self.note: str | None = None  # why the cache was not written, for the command line
        self._source: dict[str, str] = {}  # article id -> the entry its rows were read from

    def key(self, item: Pair) -> str | None:
        """The key of the article `item`'s rows; None when one of its files cannot be read (its stages say why)."""
        article_id, txt, yml = item
        key = hashlib.sha256(f"{self.shared}\0{article_id}".encode())
        try:
            for path, limit in ((txt, MAX_ARTICLE_BYTES), (yml, MAX_YAML_BYTES)):
                key.update(hashlib.sha256(read_regular(path, path, limit)).digest())
        except (DatasetError, OSError):
            return None
        return key.hexdigest()

    def get(self, keys: dict[str, str | None]) -> tuple[dict[str, pl.DataFrame], set[str]]:
        """The parts of the articles of `keys` (article id -> key) kept under exactly that key, each
        part's rows in one frame sorted by article id; and the ids of those articles."""
        frames: dict[str, list[pl.DataFrame]] = {name: [] for name in PART_SCHEMAS}
        # Entries in the order of their first article: their rows come out sorted, unless entries of
        # different corpora interleave (then they are sorted here).
        useful = [
            (entry, recorded)
            for entry, recorded in sorted(self.recorded.items(), key=lambda e: min(e[1]["articles"], default=""))
            if any(keys.get(a) == k for a, k in recorded["articles"].items())
        ]
        with ThreadPoolExecutor(READERS) as pool:
            read = list(pool.map(lambda e: self._read(*e), useful))
        for (entry, recorded), parts in zip(useful, read, strict=True):
            wanted = {a for a, k in recorded["articles"].items() if keys.get(a) == k and a not in self._source}
            if parts is None or not wanted:
                continue
            every = len(wanted) == len(recorded["articles"])
            for name, frame in parts.items():
                frames[name].append(frame if every else frame.filter(pl.col("article_id").is_in(sorted(wanted))))
            self._source |= dict.fromkeys(wanted, entry)
        joined = {name: by_article(pl.concat(fs)) if fs else _empty(name) for name, fs in frames.items()}
        return joined, set(self._source)

    def put(self, parts: dict[str, pl.DataFrame], keys: dict[str, str]) -> None:
        """Keep the rows in `parts` (every article's, sorted by article id) of the articles of `keys`
        (article id -> key: those computed or reused without a problem), entry by entry: an entry
        read whole is kept as it is, any other is written; one that cannot be written is left out, with a note."""
        for group in entry_groups(list(keys)):
            articles = {a: keys[a] for a in group}
            old = {self._source.get(a) for a in group}
            if len(old) == 1 and (entry := old.pop()) is not None and self.recorded[entry]["articles"] == articles:
                self.kept[entry] = self.recorded[entry]
                continue
            entry = _sha256(sorted(articles.items()))
            files = {}
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                for name, frame in parts.items():
                    column = frame["article_id"]
                    lo, hi = column.search_sorted(group[0], "left"), column.search_sorted(group[-1], "right")
                    data = _ipc(frame.slice(lo, hi - lo).filter(pl.col("article_id").is_in(group)))
                    _write_atomic(self.directory / f"{entry}.{name}.arrow", data)
                    files[name] = [hashlib.sha256(data).hexdigest(), len(data)]
            except OSError as exc:
                self.note = self.note or f"build cache: not written ({exc.strerror or exc})"
                continue
            self.kept[entry] = {"articles": articles, "files": files}

    def close(self) -> None:
        """Record the entries of this build in the index, and delete every other file of the cache."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            index = {"format": FORMAT, "entries": {e: self.kept[e] for e in sorted(self.kept)}}
            _write_atomic(self.directory / "index.json", json.dumps(index, sort_keys=True).encode("utf-8"))
            for name in os.listdir(self.directory):
                match = ENTRY_FILE.fullmatch(name)
                if name.endswith(".arrow") and (match is None or match[1] not in self.kept):
                    with contextlib.suppress(IsADirectoryError, PermissionError, FileNotFoundError):
                        os.unlink(self.directory / name)
        except OSError as exc:
            self.note = self.note or f"build cache: not written ({exc.strerror or exc})"

    def _read(self, entry: str, recorded: dict) -> dict[str, pl.DataFrame] | None:
        """The parts of `entry` when each of its files is exactly what was written; else None."""
        parts = {}
        for name in PART_SCHEMAS:
            sha, size = recorded["files"][name]
            data = _map_exactly(self.directory / f"{entry}.{name}.arrow", size)
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                return None
            frame = _from_ipc(name, data)
            if frame is None or not frame["article_id"].is_in(sorted(recorded["articles"])).all():
                return None  # a row of another article, or none named
            parts[name] = frame
        return parts

    def _read_index(self) -> dict[str, dict]:
        """The entries written by the last build, as recorded; {} when the index is unreadable or odd."""
        path = self.directory / "index.json"
        try:
            index = json.loads(read_regular(path, str(path), MAX_INDEX_BYTES))
        except (DatasetError, OSError, ValueError):
            return {}
        entries = index.get("entries") if isinstance(index, dict) and index.get("format") == FORMAT else None
        if not isinstance(entries, dict):
            return {}
        return {
            entry: recorded for entry, recorded in entries.items() if isinstance(entry, str) and re.fullmatch("[0-9a-f]{64}", entry) and _well_formed(recorded)
        }


def _well_formed(recorded: object) -> bool:
    """An index record: {"articles": {id: key}, "files": {part: [sha256, bytes]}} for every part."""
    if not isinstance(recorded, dict) or not isinstance(recorded.get("articles"), dict) or not isinstance(recorded.get("files"), dict):
        return False
    files = recorded["files"]
    return all(isinstance(k, str) and isinstance(v, str) for k, v in recorded["articles"].items()) and all(
        isinstance(f := files.get(name), list) and len(f) == 2 and isinstance(f[0], str) and type(f[1]) is int for name in PART_SCHEMAS
    )


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


def by_article(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` sorted by article id, each article's rows in their order."""
    return frame if frame["article_id"].is_sorted() else frame.sort("article_id", maintain_order=True)


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=_schema(name))


@functools.cache
def _schema(name: str) -> pl.Schema:
    return pl.Schema(PART_SCHEMAS[name]())


def _ipc(frame: pl.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.write_ipc(sink, compression="uncompressed")
    return sink.getvalue()


@functools.cache
def _arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of the `name` files `_ipc` writes."""
    return pa.ipc.open_file(pa.py_buffer(_ipc(_empty(name)))).schema


def _from_ipc(name: str, data: bytes | mmap.mmap) -> pl.DataFrame | None:
    """The `name` part in `data` when it is well-formed Arrow with the schema `_ipc` writes; else None."""
    try:
        reader = pa.ipc.open_file(pa.py_buffer(data))
        if not reader.schema.equals(_arrow_schema(name)):
            return None
        table = reader.read_all()
        table.validate(full=True)  # offsets and buffers in bounds before anything reads them
    except (pa.ArrowException, OSError, ValueError):
        return None
    frame = pl.from_arrow(table)
    return frame if isinstance(frame, pl.DataFrame) and frame.schema == _schema(name) else None


def _map_exactly(path: Path, size: int) -> mmap.mmap | None:
    """A map of `path` when it is a regular file of `size` bytes (never following a link, never blocking); else None."""
    if not 0 < size <= MAX_FILE_BYTES:
        return None
    try:
        return map_regular(path, str(path), size)
    except (DatasetError, OSError, ValueError):
        return None


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
