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
  bytes have the recorded sha256, and whose frames have the schemas of the parts and name only its
  article. Anything else (an unreadable or odd index, a symbolic link, a FIFO, a directory, a
  truncated or edited file) is ignored: the article is computed again.
- only articles whose stages found no problem are kept, so a problem is always reported afresh;
- the cache decides nothing else: the cross-article work and every check run on the full tables.

`build/cache/` can be deleted at any time; a cache that cannot be written is skipped with a note;
`--no-cache` ignores it, and publishing (`tradetalks release`) never uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

import polars as pl

from tradetalks.build.assemble import PART_SCHEMAS
from tradetalks.build.errors import DatasetError
from tradetalks.build.fingerprint import code_fingerprint
from tradetalks.build.sources import MAX_ARTICLE_BYTES, REGISTRIES, Pair, Sources
from tradetalks.build.yamldoc import MAX_YAML_BYTES, read_regular

FORMAT = 4
# The libraries whose versions shape the rows (the lock file, in the code's fingerprint, pins them in a checkout).
LIBRARIES = ("polars", "pyarrow", "pyyaml", "fastjsonschema", "jsonschema")
# An index larger than this is not read (about 200 bytes per article).
MAX_INDEX_BYTES = 256 * 1024 * 1024
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

    def get(self, key: str, article_id: str) -> dict[str, pl.DataFrame] | None:
        """The parts of article `article_id` stored under `key`, when the entry is exactly what was written; else None."""
        recorded = self.recorded.get(key)
        if recorded is None:
            return None
        sha256, size = recorded
        data = _read_exactly(self.directory / f"{key}.arrow", size)
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            return None
        try:
            parts = _unpack(data)
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        for df in parts.values():
            if df.height and not (df["article_id"] == article_id).all():
                return None
        self.kept[key] = recorded
        return parts

    def put(self, key: str, parts: dict[str, pl.DataFrame]) -> None:
        """Keep the parts of one article (computed without a problem) under `key`; an entry that
        cannot be written is left out, with a note."""
        data = _pack(parts)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.directory / f"{key}.arrow", data)
        except OSError as exc:
            self.note = self.note or f"build cache: not written ({exc.strerror or exc})"
            return
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


def _pack(parts: dict[str, pl.DataFrame]) -> bytes:
    """One article's parts as one Arrow IPC file: a single row, each part a list of its rows (structs)."""
    row = pl.DataFrame([pl.Series(name, [parts[name].to_struct()]) for name in PART_SCHEMAS])
    sink = io.BytesIO()
    row.write_ipc(sink, compression="uncompressed")
    return sink.getvalue()


def _unpack(data: bytes) -> dict[str, pl.DataFrame]:
    """The parts `_pack` wrote, each with exactly the columns and types of its part's schema; ValueError otherwise."""
    row = pl.read_ipc(io.BytesIO(data))
    if row.columns != list(PART_SCHEMAS) or row.height != 1:
        raise ValueError("not a cache entry")
    parts = {}
    for name, schema in PART_SCHEMAS.items():
        expected = pl.Schema(schema())
        if row.schema[name] != pl.List(pl.Struct(expected)) or row[name].null_count():
            raise ValueError(f"the {name} part has other columns")
        parts[name] = row[name][0].struct.unnest()
    return parts


def _read_exactly(path: Path, size: int) -> bytes | None:
    """The bytes of `path` when it is a regular file of `size` bytes (never following a link, never blocking); else None."""
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
