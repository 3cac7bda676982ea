"""Per-article results kept between builds, keyed by content: an edit rebuilds only what it touches.

The rows of one article (its `articles`, `evidence`, `quotes`, `roles` and `segments` parts) depend on

- its two files: the sha256 of their bytes. A file whose size, modification and change times and
  inode are those recorded is not read again (git's index does the same); a file changed within
  `RACY_NS` of the moment it was recorded is always re-read, since a second change within the
  file system's time resolution would leave those the same;
- the registry entries its processing looked up, recorded while it ran: every lookup in
  `people`, `events`, `measures` and the outlet names, found or not (a walk over a whole registry
  makes the article depend on all of it);
- what every article depends on: the people's alias maps (any text may contain a new alias), the
  places registry, and the code: every file of the package and the versions of the libraries
  that shape the rows.

Only articles whose stages found no problem are kept, so a problem is always reported afresh.
The cross-article work (`combine`) runs on every build, from the cached parts and the new ones,
with shortcuts that give exactly what a clean build gives:
- the keyed parts (articles, evidence, quotes) are kept sorted by key, so the few new rows are
  placed among them by slicing (`assemble.merge_runs`), not by sorting every row again;
- the quote groups' links and block keys are kept (`links-*.arrow`, `keys-*.arrow`): only new
  texts are keyed and compared;
- each finished table gets a digest of its rows (`table_digest`, in `build/cache/tables.json`):
  a table identical to the last build's that passed is not checked again (its checks are
  functions of the table and the code), and its files are linked from the last build's output
  instead of encoded again, once their sha256 is checked;
- the tables made from the evidence and the registries (`assemble.DERIVED`) and the quotes' group
  columns are kept (`build/cache/derived/`) with a key of everything they are made from
  (`assemble.derived_key`: of the evidence, only the columns they read; `assemble.quotes_key`),
  and reused while that key is the same; while they are, the checks of the evidence's claims
  against them are not run again (`validate.EVIDENCE_CLAIMS`);
- after an edit of texts, the span invariant of an unchanged table is checked again only for the
  rows of the articles whose text changed (`texts_changed`: their `text_sha256`, recorded for the
  last articles table that passed);
- the row hashes of every table that passed are kept (`derived/<digest>-rows-<table>.arrow`): of a
  changed table, the checks that read one row at a time (and the span invariant, and its foreign
  keys into unchanged tables) run on its new rows only (`fresh_rows`).

The cache is an optimisation and never an input: `build/cache/` can be deleted at any time, a
cache that cannot be read is ignored and rebuilt, one that cannot be written is skipped with a
note, and `tradetalks build --no-cache` ignores it. Publishing (`tradetalks release`) never uses it.
Tests prove a cached build byte-identical to a clean one, and that each kind of change is seen.

Layout of build/cache/articles/: `state.json` (format, code and global fingerprints, segments),
`index-<generation>.arrow` (per article: its segment, its files' sha256 and stamps), and per
segment `seg-<n>-<table>.arrow`, the parts of the articles one build computed, with
`seg-<n>-deps.arrow`, the registry entries each used and the sha256 of their content then. A build that computes new articles adds one
segment; when fewer than half of the stored rows are still live, everything live is rewritten
into one. Arrow files are written with Polars' string views and read memory-mapped (no copy).
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from tradetalks.build.assemble import DERIVED, PART_SCHEMAS, QUOTE_GROUP_COLUMNS, SORTED_PARTS, merge_runs, quote_groups, sorted_by_key, splice
from tradetalks.build.detect.groups import Links
from tradetalks.build.digest import table_digest
from tradetalks.build.errors import DatasetError
from tradetalks.build.formats.files import csv_rel, parquet_rel
from tradetalks.build.release import LastFile
from tradetalks.build.rows import Registries
from tradetalks.build.sources import MAX_ARTICLE_BYTES, Pair
from tradetalks.build.spill import read_mapped, write_ipc
from tradetalks.build.yamldoc import read_regular
from tradetalks.schemas.tables import polars_schema

FORMAT = 3
PART_TABLES = tuple(PART_SCHEMAS)  # the per-article parts: articles, evidence, quotes, roles, segments
RACY_NS = 2_000_000_000  # coarser than any file system's timestamp resolution (FAT: 2 s)
MAX_SEGMENTS = 8
ALL = "*"  # a dependency on a whole registry

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


# Recording lookups -------------------------------------------------------------------------------


class Log:
    """The registry lookups made since the last `take`: (registry, key)."""

    def __init__(self) -> None:
        self.used: set[tuple[str, str]] = set()

    def take(self) -> set[tuple[str, str]]:
        used, self.used = self.used, set()
        return used


class Recording(dict):
    """A registry mapping that logs every key looked up, found or not; iterating it logs the whole registry."""

    def __init__(self, data: dict, kind: str, log: Log) -> None:
        super().__init__(data)
        self.kind, self.log = kind, log

    def __getitem__(self, key: Any) -> Any:
        self._saw(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._saw(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._saw(key)
        return super().__contains__(key)

    def _saw(self, key: object) -> None:
        # Registry ids are text: another key is absent whatever the registry holds, so nothing depends on it.
        if isinstance(key, str):
            self.log.used.add((self.kind, key))

    def _all(self) -> None:
        self.log.used.add((self.kind, ALL))

    def __iter__(self) -> Iterator:
        self._all()
        return super().__iter__()

    def __len__(self) -> int:
        self._all()
        return super().__len__()

    def keys(self):
        self._all()
        return super().keys()

    def values(self):
        self._all()
        return super().values()

    def items(self):
        self._all()
        return super().items()

    def copy(self) -> dict:
        self._all()
        return dict(super().items())

    def __reduce__(self):  # a plain dict when sent to another process
        return (dict, (dict(super().items()),))


def recording(reg: Registries) -> tuple[Registries, Log]:
    """A copy of `reg` whose recorded registries log their lookups into the returned Log."""
    log = Log()
    watched = replace(
        reg,
        people=Recording(reg.people, "people", log),
        events=Recording(reg.events, "events", log),
        measures=Recording(reg.measures, "measures", log),
        outlets=Recording(reg.outlets, "outlets", log),
    )
    return watched, log


# Fingerprints ------------------------------------------------------------------------------------


def _digest(value: Any) -> str:
    canon = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:32]


def code_fingerprint() -> str:
    """Every file of the running package, the lock file beside it and the versions of the libraries the rows go through."""
    from importlib import metadata

    import tradetalks
    from tradetalks.build.fingerprint import _code_files
    from tradetalks.load import sha256_file

    package = Path(tradetalks.__file__).resolve().parent
    files = [[rel, sha256_file(path)] for rel, path in _code_files(package)]
    versions: dict[str, str | None] = {}
    for dist in ("polars", "pyyaml", "fastjsonschema", "jsonschema", "pyarrow"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return _digest([FORMAT, files, versions])


def global_fingerprint(reg: Registries) -> str:
    """What every article's rows depend on: the alias maps and the places."""
    return _digest([FORMAT, sorted(reg.aliases.items()), sorted(reg.ambiguous.items()), reg.places.places])


def entry_hash(reg: Registries, kind: str, key: str) -> str:
    """The content of registry entry `key` of `kind` as an article saw it ("-" when absent, "!" when invalid)."""
    mapping = getattr(reg, kind)  # read through dict's own methods: a Recording would log these reads
    if key == ALL:
        return _digest(sorted(dict.items(mapping)))
    if dict.__contains__(mapping, key):
        return _digest(dict.__getitem__(mapping, key))
    return "!" if key in reg.invalid.get(kind, set()) else "-"


# The store ---------------------------------------------------------------------------------------


@dataclass
class Lookup:
    """What the cache holds for this build: the parts of the articles it can reuse, and what to compute."""

    hits: list[str]  # article ids reused
    frames: dict[str, pl.DataFrame]  # their parts, per table
    misses: list[Pair]  # the items to compute
    seconds: float = 0.0


@dataclass
class Computed:
    """What the build computed for the articles it keeps, as columns: their files' sha256 and the registry entries each used.

    Columns, with each distinct string once per chunk: a 100k-article corpus records over a
    million (article, entry) pairs.
    """

    article_id: list[str] = field(default_factory=list)
    txt_sha: list[str] = field(default_factory=list)
    yml_sha: list[str] = field(default_factory=list)
    dep_article: list[str] = field(default_factory=list)
    dep_kind: list[str] = field(default_factory=list)
    dep_key: list[str] = field(default_factory=list)

    def add(self, stem: str, txt_sha: str, yml_sha: str, used: set[tuple[str, str]]) -> None:
        self.article_id.append(stem)
        self.txt_sha.append(txt_sha)
        self.yml_sha.append(yml_sha)
        for kind, key in sorted(used):
            self.dep_article.append(stem)
            self.dep_kind.append(sys.intern(kind))
            self.dep_key.append(sys.intern(key))

    # Those of other chunks (`extend`), as frames.
    _articles: list[pl.DataFrame] = field(default_factory=list, repr=False)
    _deps: list[pl.DataFrame] = field(default_factory=list, repr=False)

    def extend(self, other: Computed) -> None:
        """Take in a chunk's (made by a worker process), held as frames: as Python objects, the
        rows of a large corpus would stay scattered over the heap long after they were stored."""
        self._articles.append(other.articles())
        self._deps.append(other.deps())

    def empty(self) -> bool:
        return not self.article_id and not any(df.height for df in self._articles)

    def articles(self) -> pl.DataFrame:
        """article_id, txt_sha, yml_sha of every article computed."""
        own = pl.DataFrame({"article_id": self.article_id, "txt_sha": self.txt_sha, "yml_sha": self.yml_sha}, schema=INDEX_SCHEMA_SHAS)
        return pl.concat([*self._articles, own], how="vertical")

    def deps(self) -> pl.DataFrame:
        """article_id, kind, key: each registry entry each article computed looked up."""
        own = pl.DataFrame({"article_id": self.dep_article, "kind": self.dep_kind, "key": self.dep_key}, schema=USED_SCHEMA)
        return pl.concat([*self._deps, own], how="vertical")


@dataclass
class ArticleCache:
    directory: Path
    code: str
    stamped_ns: int  # when this build stamped the files (taken before listing them)
    state: dict = field(default_factory=dict)
    kept: pl.DataFrame | None = None  # the index rows (INDEX_SCHEMA) of the articles reused, sorted by id
    deps: pl.DataFrame | None = None
    note: str | None = None  # why the cache was not used or not written, for the command line
    restamp: bool = False  # a reused article's files had to be read to be sure: record their stamps

    _listing: tuple[dict, pl.DataFrame] | None = field(default=None, repr=False)
    _stored: Future | None = field(default=None, repr=False)  # `prefetch`'s reading of the stored index

    def hold_stamps(self, stamps: dict[str, Stamp]) -> None:
        """Hold the listing's `stamps` as a frame (the one `_listed` gives for them) and empty the
        dict: a large corpus's stamps, as Python objects, would stay scattered over the heap until
        `store`, long after they were dropped."""
        self._listed(stamps)
        stamps.clear()

    def _listed(self, stamps: dict[str, Stamp]) -> pl.DataFrame:
        """`stamps_frame(stamps)`, made once for the lookup and the store."""
        if self._listing is None or self._listing[0] is not stamps:
            self._listing = (stamps, stamps_frame(stamps))
        return self._listing[1]

    @classmethod
    def open(cls, root: Path, stamped_ns: int) -> ArticleCache:
        return cls(Path(root) / "build" / "cache" / "articles", code_fingerprint(), stamped_ns)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def prefetch(self) -> None:
        """Start reading the stored index on a thread of its own (`lookup` takes it): meanwhile the
        caller lists the corpus, which waits on the file system for each file's stamp."""
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1)
        self._stored = pool.submit(self._read_stored_locked)
        pool.shutdown(wait=False)

    def _read_stored_locked(self) -> tuple[dict, pl.DataFrame, pl.DataFrame] | None:
        with self._locked():
            return self._read_stored()

    def _state_now(self) -> dict | None:
        try:
            return json.loads((self.directory / "state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _read_stored(self) -> tuple[dict, pl.DataFrame, pl.DataFrame] | None:
        """(state, index, deps) of the stored generation written by this code, or None."""
        state_path = self.directory / "state.json"
        if not state_path.is_file():
            return None
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("format") != FORMAT or state.get("code") != self.code:
            return None
        generation = int(state["generation"])
        index = read_mapped(self.directory / f"index-{generation}.arrow")
        if index.schema != pl.Schema(INDEX_SCHEMA):
            raise ValueError("index of another form")
        # What each article used, from the deps of the segment its parts are in.
        per_segment = [
            read_mapped(self.directory / f"seg-{n}-deps.arrow").with_columns(pl.lit(int(n), dtype=pl.Int64).alias("segment")) for n in state["segments"]
        ]
        empty = pl.DataFrame(schema={**DEPS_SCHEMA, "segment": pl.Int64})
        deps = pl.concat([empty, *per_segment], how="vertical").join(index.select("article_id", "segment"), on=["article_id", "segment"], how="semi")
        return state, index, deps

    def lookup(self, todo: list[Pair], stamps: dict[str, Stamp], reg: Registries) -> Lookup:
        """Split `todo` into the articles whose stored parts are still right and those to compute."""
        t = time.perf_counter()
        empty = Lookup([], {}, list(todo))
        try:
            prefetched, self._stored = self._stored, None
            stored = prefetched.result() if prefetched is not None else None  # before the lock, which the reading holds
            with self._locked():
                # Another build may have stored a new generation since it was read: read that one.
                if stored is None or stored[0] != self._state_now():
                    stored = self._read_stored()
                found = self._lookup(todo, stamps, reg, stored)
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
            self.note = f"build cache unreadable ({type(exc).__name__}); computing every article"
            self.state, self.kept, self.deps = {}, None, None
            found = empty
        found.seconds = time.perf_counter() - t
        return found

    def _lookup(self, todo: list[Pair], stamps: dict[str, Stamp], reg: Registries, stored: tuple[dict, pl.DataFrame, pl.DataFrame] | None) -> Lookup:
        if stored is None:
            return Lookup([], {}, list(todo))
        state, index, deps = stored
        if state.get("global") != global_fingerprint(reg):
            return Lookup([], {}, list(todo))
        stale = pl.Series(sorted(_stale(deps, reg)), dtype=pl.String)
        trusted_before = state["stamped_ns"] - RACY_NS
        # Every article to build, with what the index holds for it (if anything) and its files' stamps now.
        rows = (
            pl.DataFrame({"article_id": [item[0] for item in todo]}, schema={"article_id": pl.String})
            .with_row_index("i")
            .join(index, on="article_id", how="left", maintain_order="left")
            .join(self._listed(stamps).rename(lambda c: c if c == "article_id" else f"now_{c}"), on="article_id", how="left", maintain_order="left")
        )
        known = pl.col("segment").is_not_null() & ~pl.col("article_id").is_in(stale.implode())
        # The common case: both stamps unchanged and taken well after the last change.
        same = pl.all_horizontal(pl.col(f"now_{c}") == pl.col(c) for c in STAMP_COLUMNS).fill_null(False)
        settled = pl.max_horizontal(pl.col(c) for c in STAMP_COLUMNS if c.endswith(("mtime_ns", "ctime_ns"))) < trusted_before
        rows = rows.with_columns(known.alias("known"), (known & same & settled).alias("trusted"))
        kept = [rows.filter("trusted").select(list(INDEX_SCHEMA))]
        hit = rows["trusted"].to_list()
        restamp = False
        # The others the index knows: read again to be sure (touched, or stamped too soon after a change).
        for row in rows.filter(pl.col("known") & ~pl.col("trusted")).iter_rows(named=True):
            stem, txt, yml = todo[row["i"]]
            now_txt, now_yml = (_stamp_of(row, f"now_{f}_") for f in ("txt", "yml"))
            txt_stamp, yml_stamp = _stamp_of(row, "txt_"), _stamp_of(row, "yml_")
            assert txt_stamp is not None and yml_stamp is not None  # the index's columns are never null
            if _same(txt, now_txt, txt_stamp, row["txt_sha"], trusted_before) and _same(yml, now_yml, yml_stamp, row["yml_sha"], trusted_before):
                hit[row["i"]] = True
                # The new stamps are recorded, so that the next build need not read it.
                stamped = {
                    f"{f}_{k}": v for f, st in (("txt", now_txt or txt_stamp), ("yml", now_yml or yml_stamp)) for k, v in zip(STAMP_PARTS, st, strict=True)
                }
                kept.append(pl.DataFrame([{c: row[c] for c in ("article_id", "segment", "txt_sha", "yml_sha")} | stamped], schema=INDEX_SCHEMA))
                restamp = restamp or not (_trusted(now_txt, txt_stamp, trusted_before) and _trusted(now_yml, yml_stamp, trusted_before))
        hits = [item[0] for item, h in zip(todo, hit, strict=True) if h]
        misses = [item for item, h in zip(todo, hit, strict=True) if not h]
        self.state, self.restamp = state, restamp
        self.kept = pl.concat(kept, how="vertical").sort("article_id")
        self.deps = deps.join(self.kept.select("article_id"), on="article_id", how="semi").drop("segment")
        return Lookup(hits, self._frames(self.kept), misses)

    def _frames(self, kept: pl.DataFrame) -> dict[str, pl.DataFrame]:
        """The stored parts of the articles `kept` (index rows), per table; the keyed ones sorted by
        their key when one segment holds nearly all of them (see `assemble.merge_runs`)."""
        out: dict[str, list[pl.DataFrame]] = {name: [] for name in PART_TABLES}
        counts = dict(kept.group_by("segment").len().iter_rows())
        for segment in sorted(counts):
            # Every article the segment holds is kept, or only some (its files also hold the rows of
            # articles computed again since): then the others' rows are left out.
            whole = counts[segment] == self.state["segments"][str(segment)]
            live = kept.filter(pl.col("segment") == segment).select("article_id")
            frames = {name: read_mapped(self.directory / f"seg-{segment}-{name}.arrow") for name in PART_TABLES}
            # The articles no longer kept, from the articles part (one row per article the segment
            # holds): usually a few, whose rows are found without hashing every kept article's id.
            dead = frames["articles"].select("article_id").join(live, on="article_id", how="anti")["article_id"].implode() if not whole else None
            for name, df in frames.items():
                if dead is not None:
                    gone = pl.col("article_id").is_in(dead)
                    if name in SORTED_PARTS:
                        # Slices around the rows of the articles no longer kept: the rest is not copied.
                        at = df.select(gone).to_series().arg_true().to_list()
                        df = splice(df, at, None, SORTED_PARTS[name])
                    else:
                        df = df.filter(~gone)
                out[name].append(df)
        return {
            name: merge_runs(frames, SORTED_PARTS[name]) if name in SORTED_PARTS else pl.concat(frames, how="vertical")
            for name, frames in out.items()
            if frames
        }

    def store(
        self,
        computed: Computed,
        parts: list[dict[str, pl.DataFrame]],
        hit_frames: dict[str, pl.DataFrame],
        stamps: dict[str, Stamp],
        reg: Registries,
        keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> dict[str, pl.DataFrame]:
        """Keep the articles computed without problems (`computed`, their parts among `parts`) next to the reused ones.

        The keyed parts (`SORTED_PARTS`) are stored sorted by their key. With `keep` (a large
        build's `spill.Spill.keep`) a part is sorted column by column, each sorted column held in a
        file (the rows of a memory-mapped part are then read in order, never gathered at random
        across it); returned, per table, where it holds every row of `parts` (nothing reused,
        nothing left out), for the build to use instead of sorting the same rows again.
        """
        if computed.empty() and self.state and self.kept is not None and self.kept.height == self.state.get("articles") and not self.restamp:
            return {}
        try:
            with self._locked():
                return self._store(computed, parts, hit_frames, stamps, reg, keep)
        except (OSError, pl.exceptions.PolarsError) as exc:
            self.note = f"build cache not written ({exc}); the next build computes every article again"
            return {}

    def _store(
        self,
        computed: Computed,
        parts: list[dict[str, pl.DataFrame]],
        hit_frames: dict[str, pl.DataFrame],
        stamps: dict[str, Stamp],
        reg: Registries,
        keep: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> dict[str, pl.DataFrame]:
        ordered: dict[str, pl.DataFrame] = {}
        segments: dict[str, int] = dict(self.state.get("segments", {})) if self.state else {}
        kept = self.kept if self.kept is not None else pl.DataFrame(schema=INDEX_SCHEMA)
        live = collections.Counter(dict(kept.group_by("segment").len().iter_rows()))  # the kept articles per segment
        compact = len(segments) + 1 > MAX_SEGMENTS or 2 * sum(live.values()) < sum(segments.values())
        generation = int(self.state.get("generation", 0)) + 1 if self.state else 1
        new = max((int(s) for s in segments), default=-1) + 1
        if compact:
            kept = kept.with_columns(pl.lit(new, dtype=pl.Int64).alias("segment"))
        # The articles computed, with their files' stamps (a file that vanished while it was read is not kept).
        fresh = (
            computed.articles()
            .join(self._listed(stamps), on="article_id", how="inner", maintain_order="left")
            .drop_nulls()
            .with_columns(pl.lit(new, dtype=pl.Int64).alias("segment"))
            .select(list(INDEX_SCHEMA))
        )
        index_frame = pl.concat([kept.join(fresh, on="article_id", how="anti"), fresh], how="vertical").sort("article_id")
        in_new = index_frame["article_id"] if compact else fresh["article_id"].sort()  # the articles the new segment holds
        counts = {str(n): c for n, c in ((collections.Counter() if compact else live) + collections.Counter({new: in_new.len()})).items() if c}
        segments = {s: n for s, n in segments.items() if s in counts and not compact}
        if counts.get(str(new)):
            ids = in_new.implode()
            for name in PART_TABLES:
                given = [p[name] for p in parts if name in p]
                frames = [hit_frames[name], *given] if compact and name in hit_frames else given
                frames = [_only(df, ids) for df in frames]
                every_row = bool(frames) and len(frames) == len(given) and all(f is g for f, g in zip(frames, given, strict=True))
                written: Iterable[pl.DataFrame] = frames
                if name in SORTED_PARTS:  # kept sorted by key: see `_frames`
                    key = SORTED_PARTS[name]
                    merged = merge_runs(frames, key)
                    if merged[key].is_sorted():
                        written = [merged]
                    elif keep is not None:
                        merged = sorted_by_key(merged.clone(), key, keep)  # a clone: its columns are taken, not those of `parts`
                        written = [merged]
                        if every_row:
                            ordered[name] = merged
                    else:
                        written = _sorted_slices(merged, key)
                _write_frames(written, self.directory / f"seg-{new}-{name}.arrow")
            used = computed.deps()
            deps = [used.join(_entry_hashes(used, reg), on=["kind", "key"], how="left").select(list(DEPS_SCHEMA))]
            if compact and self.deps is not None:
                deps.insert(0, self.deps)
            _write_frames((df.filter(pl.col("article_id").is_in(ids)) for df in deps), self.directory / f"seg-{new}-deps.arrow")
            segments[str(new)] = counts[str(new)]
        _write_frames([index_frame], self.directory / f"index-{generation}.arrow")
        state = {
            "format": FORMAT,
            "code": self.code,
            "global": global_fingerprint(reg),
            "stamped_ns": self.stamped_ns,
            "generation": generation,
            "segments": segments,
            "articles": index_frame.height,
        }
        # The state names the files of its generation: written last, in one step, so a build
        # killed on the way leaves the previous generation whole.
        _write_atomic(self.directory / "state.json", json.dumps(state, sort_keys=True).encode("utf-8"))
        current = {f"seg-{s}-{name}.arrow" for s in segments for name in (*PART_TABLES, "deps")}
        current |= {"state.json", f"index-{generation}.arrow", ".lock", self._links_name()}
        current |= {p.name for p in self.directory.glob(f"keys-{self.code[:16]}-*.arrow")}
        for p in self.directory.iterdir():
            if p.name not in current:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        return ordered

    # The quote groups' links (detect/groups.find_links): made by `combine`, reused by the next build.

    def _links_name(self, what: str = "links", nodes: pl.Series | None = None) -> str:
        """links-<code>.arrow; keys-<code>-<texts>.arrow, named by the texts they key (`table_digest`
        of the links' nodes), so keys and links written by different builds never pair up."""
        texts = f"-{table_digest(nodes.to_frame('norm'))[:16]}" if nodes is not None else ""
        return f"{what}-{self.code[:16]}{texts}.arrow"  # links found by other code are not reused

    def quote_links(self) -> Links | None:
        """The links the previous build found (with this code), with the texts' block keys when kept; or None."""
        try:
            df = read_mapped(self.directory / self._links_name())
            if df.schema != pl.Schema({"a": pl.String, "b": pl.String}):
                return None
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        nodes = df.filter(pl.col("b").is_null())["a"].rename("norm")
        pairs = df.filter(pl.col("b").is_not_null())
        try:
            keys: pl.DataFrame | None = read_mapped(self.directory / self._links_name("keys", nodes))
            if keys is not None and keys.schema != pl.Schema(KEYS_SCHEMA):
                keys = None
        except (OSError, ValueError, pl.exceptions.PolarsError):
            keys = None
        return Links(nodes, set(zip(pairs["a"].to_list(), pairs["b"].to_list(), strict=True)), keys)

    def keep_quote_links(self, links: Links) -> None:
        """Keep this build's links, and the texts' block keys, for the next one (files replaced in one step)."""
        pairs = sorted(links.pairs)
        rows = pl.concat(
            [
                pl.DataFrame({"a": links.nodes}).with_columns(pl.lit(None, dtype=pl.String).alias("b")),
                pl.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}, schema={"a": pl.String, "b": pl.String}),
            ],
            how="vertical",
        )
        try:
            with self._locked():
                keys_name = self._links_name("keys", links.nodes)
                if links.keys is not None:
                    _write_frames([links.keys], self.directory / keys_name)
                for p in self.directory.glob("keys-*.arrow"):  # those of other texts
                    if p.name != keys_name or links.keys is None:
                        p.unlink(missing_ok=True)
                _write_frames([rows], self.directory / self._links_name())
        except (OSError, pl.exceptions.PolarsError) as exc:
            self.note = f"build cache: quote links not written ({exc})"

    # The tables of the last builds: digests of those that passed validation, and the files
    # written for them. A table whose digest is unchanged needs neither its own checks nor
    # encoding again: the checks are functions of the table and the code, the files too.

    def _tables_path(self) -> Path:
        return self.directory.parent / "tables.json"

    def _tables(self) -> dict:
        try:
            record = json.loads(self._tables_path().read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return {}
        if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("code") != self.code:
            return {}
        return record

    def validated(self) -> dict[str, str]:
        """Table -> digest, for the tables of the last build whose every check passed (with this code)."""
        found = self._tables().get("validated")
        return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(found, dict) else {}

    def reusable(self, target: Path, version: str, digests: dict[str, str]) -> dict[str, tuple[Path, str, bool]]:
        """The files the last build wrote into `target` for the tables whose digest is unchanged:
        rel -> (path, sha256, trusted).

        `trusted`: the file's size, modification time and inode are those recorded, and it was
        last modified well before they were (`RACY_NS`, as for the sources): it holds the recorded
        bytes unless someone rewrote it and set its time back. The release writer hashes the
        others and keeps each only if its bytes still have that sha256.
        """
        written = self._tables().get("written")
        if not isinstance(written, dict) or written.get("target") != str(Path(target).resolve()) or written.get("version") != version:
            return {}
        stamped_ns = written.get("stamped_ns")
        out: dict[str, tuple[Path, str, bool]] = {}
        for name, entry in (written.get("tables") or {}).items():
            if not isinstance(entry, dict) or digests.get(name) is None or entry.get("digest") != digests[name]:
                continue
            files = entry.get("files") or {}
            stamps = entry.get("stamps") or {}
            if files and all(rel in (parquet_rel(name), csv_rel(name)) and isinstance(sha, str) for rel, sha in files.items()):
                for rel, sha in files.items():
                    path = Path(target) / rel
                    out[rel] = (path, sha, isinstance(stamped_ns, int) and _output_trusted(path, stamps.get(rel), stamped_ns))
        return out

    def last_parquet(self, target: Path, version: str, name: str) -> LastFile | None:
        """The Parquet file the last build wrote into `target` for the table `name`, with the keys
        of its row groups (`release.RowGroups`), when that build recorded them; or None."""
        written = self._tables().get("written")
        if not isinstance(written, dict) or written.get("target") != str(Path(target).resolve()) or written.get("version") != version:
            return None
        entry = (written.get("tables") or {}).get(name)
        if not isinstance(entry, dict):
            return None
        rel = parquet_rel(name)
        sha, keys, stamped_ns = (entry.get("files") or {}).get(rel), entry.get("groups"), written.get("stamped_ns")
        if not isinstance(sha, str) or not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            return None
        path = Path(target) / rel
        stamp = (entry.get("stamps") or {}).get(rel)
        if not isinstance(stamp, list) or not stamp or not isinstance(stamp[0], int):
            return None
        trusted = isinstance(stamped_ns, int) and _output_trusted(path, stamp, stamped_ns)
        return LastFile(path, sha, trusted, keys, stamp[0])

    def last_csv(self, target: Path, version: str, name: str) -> tuple[Path, list[list]] | None:
        """The CSV file the last build wrote into `target` for the table `name`, with its blocks
        (`files.CsvBlocks`), when that build recorded them; or None. Each block copied is checked
        against its sha256, so the file's stamp need not be trusted."""
        written = self._tables().get("written")
        if not isinstance(written, dict) or written.get("target") != str(Path(target).resolve()) or written.get("version") != version:
            return None
        entry = (written.get("tables") or {}).get(name)
        found = entry.get("blocks") if isinstance(entry, dict) else None
        return (Path(target) / csv_rel(name), found) if isinstance(found, list) else None

    def texts_changed(self, articles: pl.DataFrame, validated: dict[str, str]) -> pl.Series | None:
        """The ids of the articles whose text may differ from the articles table of the last build
        that passed (present in either): their `text_sha256`, the sha256 of the raw file, is not
        recorded the same (with this code, the same bytes make the same text). None: not known."""
        digest = validated.get("articles")
        if digest is None:
            return None
        try:
            then = read_mapped(self._derived_path(digest, "texts"))
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        if then.schema != pl.Schema(TEXTS_SCHEMA):
            return None
        now = articles.select(list(TEXTS_SCHEMA))
        on = list(TEXTS_SCHEMA)
        return pl.concat([now.join(then, on=on, how="anti"), then.join(now, on=on, how="anti")])["article_id"].unique().sort()

    def fresh_rows(self, name: str, digest: str | None, rows: pl.Series) -> pl.Series | None:
        """Which rows of the table `name` are not rows of its version of the last build that passed
        (`digest`, its table digest then): a mask over `rows`, the table's `digest.row_hashes`
        now. None: not known (every row is then new)."""
        if digest is None:
            return None
        try:
            then = read_mapped(self._derived_path(digest, f"rows-{name}"))
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        if then.schema != pl.Schema(ROWS_SCHEMA):
            return None
        # An anti join's hash table is built several times faster than `is_in`'s.
        now = rows.rename("hash").to_frame().with_row_index("_row")
        new = now.join(then, on="hash", how="anti")["_row"]
        return pl.repeat(False, rows.len(), dtype=pl.Boolean, eager=True).alias(name).scatter(new, True)

    def quotes_table(self) -> tuple[str, pl.DataFrame] | None:
        """(key, groups): the group columns of the quotes table of the last build that passed
        (`assemble.quote_groups`), and its `assemble.quotes_key`; or None."""
        key = self._tables().get("quotes")
        if not isinstance(key, str) or len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            return None
        try:
            df = read_mapped(self._derived_path(key, "quotes"))
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        schema = polars_schema("quotes")
        wanted = pl.Schema({c: schema[c] for c in ("quote_id", *QUOTE_GROUP_COLUMNS)})
        return (key, df) if df.schema == wanted and df["quote_id"].is_sorted() else None

    def _keep_derived(self, path: Path, df: pl.DataFrame, others: str) -> None:
        """Write `df` to `path` in build/cache/derived/, and remove the files matching `others` there (those of earlier keys)."""
        path.parent.mkdir(exist_ok=True)
        _write_frames([df], path)
        for p in path.parent.glob(others):
            if p != path:
                p.unlink(missing_ok=True)

    def _derived_path(self, key: str, name: str) -> Path:
        return self.directory.parent / "derived" / f"{key[:32]}-{name}.arrow"

    def derived_tables(self) -> tuple[str, dict[str, pl.DataFrame]] | None:
        """(key, tables): the `assemble.DERIVED` tables of the last build that passed, and their `derived_key`; or None."""
        key = self._tables().get("derived")
        if not isinstance(key, str) or len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            return None
        try:
            frames = {name: read_mapped(self._derived_path(key, name)) for name in DERIVED}
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None
        if any(frames[name].schema != pl.Schema(polars_schema(name)) for name in DERIVED):
            return None
        return key, frames

    def keep_tables(
        self,
        validated: dict[str, str] | None = None,
        written: tuple[Path, str, dict[str, str], dict] | None = None,
        derived: tuple[str, dict[str, pl.DataFrame]] | None = None,
        articles: pl.DataFrame | None = None,
        quotes: tuple[str, pl.DataFrame] | None = None,  # (key, the quotes table)
        rows: Mapping[str, pl.Series] | None = None,  # with `validated`: table -> its digest.row_hashes
        groups: Mapping[str, list[str]] | None = None,  # with `written`: table -> the keys of its Parquet file's row groups (`release.RowGroups`)
        blocks: Mapping[str, list[list]] | None = None,  # with `written`: table -> its CSV's blocks (`files.CsvBlocks`)
    ) -> None:
        """Record the digests of tables that passed validation; what was written: (target, version,
        digests, manifest); the derived tables of a build that passed: (key, tables), its quotes
        table: (key, table); with `validated`, the `articles` table that passed (its ids and texts'
        sha256, for `texts_changed`) and the `rows` of the tables that passed (for `fresh_rows`);
        with `written`, the `groups` of the Parquet files written in row groups (for `last_parquet`)
        and the `blocks` of the CSV files written in blocks (for `last_csv`): a file linked from
        the build before keeps what was recorded for it."""
        try:
            with self._locked():
                record = self._tables() or {"format": FORMAT, "code": self.code}
                if validated is not None and articles is not None and "articles" in validated:
                    self._keep_derived(self._derived_path(validated["articles"], "texts"), articles.select(list(TEXTS_SCHEMA)), "*-texts.arrow")
                for name, hashes in sorted((rows or {}).items()):
                    if validated is None or name not in validated:
                        continue
                    path = self._derived_path(validated[name], f"rows-{name}")
                    if not path.is_file():  # a table unchanged since it was kept has them already
                        self._keep_derived(path, hashes.rename("hash").to_frame(), f"*-rows-{name}.arrow")
                if quotes is not None:
                    self._keep_derived(self._derived_path(quotes[0], "quotes"), quote_groups(quotes[1]), "*-quotes.arrow")
                    record["quotes"] = quotes[0]
                if derived is not None:
                    key, tables = derived
                    for name in DERIVED:
                        self._keep_derived(self._derived_path(key, name), tables[name], f"*-{name}.arrow")
                    record["derived"] = key
                if validated is not None:
                    record["validated"] = validated
                if written is not None:
                    target, version, digests, manifest = written
                    files = {entry["path"]: entry["sha256"] for entry in manifest.get("files", {}).values()}
                    stamped_ns = time.time_ns()  # before the files' stamps are taken: see `reusable`
                    tables_written = {}
                    before = record.get("written")
                    before = before if isinstance(before, dict) else {}
                    for name, entry in manifest["tables"].items():
                        if name not in digests:
                            continue
                        shas = {parquet_rel(name): entry["sha256"]} | ({csv_rel(name): files[csv_rel(name)]} if csv_rel(name) in files else {})
                        tables_written[name] = {"digest": digests[name], "files": shas, "stamps": {rel: _output_stamp(Path(target) / rel) for rel in shas}}
                        made: Mapping[str, list] | None
                        then = (before.get("tables") or {}).get(name) if before.get("target") == str(Path(target).resolve()) else None
                        then = then if isinstance(then, dict) else {}
                        for what, made, rel in (("groups", groups, parquet_rel(name)), ("blocks", blocks, csv_rel(name))):
                            kept: Any = (made or {}).get(name)
                            if kept is None and rel in shas and (then.get("files") or {}).get(rel) == shas[rel]:
                                kept = then.get(what)  # the same file as the build before's (linked): the same pieces
                            if isinstance(kept, list) and kept:
                                tables_written[name][what] = kept
                    record["written"] = {"target": str(Path(target).resolve()), "version": version, "stamped_ns": stamped_ns, "tables": tables_written}
                _write_atomic(self._tables_path(), json.dumps(record, sort_keys=True).encode("utf-8"))
        except (OSError, pl.exceptions.PolarsError) as exc:
            self.note = f"build cache: table digests not written ({exc})"


STAMP_PARTS = ("size", "mtime_ns", "ctime_ns", "ino")
STAMP_COLUMNS = tuple(f"{f}_{k}" for f in ("txt", "yml") for k in STAMP_PARTS)
INDEX_SCHEMA_SHAS: dict[str, pl.DataType | type[pl.DataType]] = {"article_id": pl.String, "txt_sha": pl.String, "yml_sha": pl.String}
INDEX_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "article_id": pl.String,
    "segment": pl.Int64,
    "txt_sha": pl.String,
    "yml_sha": pl.String,
    **dict.fromkeys(STAMP_COLUMNS, pl.Int64),
}
TEXTS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"article_id": pl.String, "text_sha256": pl.String}
ROWS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"hash": pl.UInt64}
KEYS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"norm": pl.String, "kind": pl.Int8, "key": pl.String}
DEPS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"article_id": pl.String, "kind": pl.String, "key": pl.String, "hash": pl.String}
USED_SCHEMA = {c: t for c, t in DEPS_SCHEMA.items() if c != "hash"}  # what `Computed` records, before the entries' hashes


def stamps_frame(stamps: dict[str, Stamp]) -> pl.DataFrame:
    """The listing's stamps (file name -> stamp) as one row per article: article_id and the stamp
    columns of its .txt and .yml (`STAMP_COLUMNS`), null for a file not there."""
    import numpy as np

    names = list(stamps)
    parts = np.array(list(stamps.values()), dtype=np.int64).reshape(len(names), len(STAMP_PARTS))  # one C loop, not zip(*rows)
    files = pl.DataFrame(
        {"name": names, **{k: parts[:, i] for i, k in enumerate(STAMP_PARTS)}}, schema={"name": pl.String, **dict.fromkeys(STAMP_PARTS, pl.Int64)}
    )
    files = files.with_columns(
        pl.col("name").str.slice(0, pl.col("name").str.len_chars() - 4).alias("article_id"), pl.col("name").str.slice(-4).alias("suffix")
    )
    half = {f: files.filter(pl.col("suffix") == f".{f}").select("article_id", *(pl.col(k).alias(f"{f}_{k}") for k in STAMP_PARTS)) for f in ("txt", "yml")}
    return half["txt"].join(half["yml"], on="article_id", how="full", coalesce=True)


def _stamp_of(row: dict, prefix: str) -> Stamp | None:
    """The stamp in a row of `stamps_frame` or the index (columns `prefix` + size, mtime_ns, ctime_ns, ino); None when absent."""
    values = tuple(row[f"{prefix}{k}"] for k in STAMP_PARTS)
    return None if values[0] is None else values


def _entry_hashes(deps: pl.DataFrame, reg: Registries, column: str = "hash") -> pl.DataFrame:
    """Each distinct (kind, key) of `deps` with the hash of that registry entry now."""
    used = deps.select("kind", "key").unique()
    return pl.DataFrame(
        {"kind": used["kind"], "key": used["key"], column: [entry_hash(reg, k, v) for k, v in used.iter_rows()]},
        schema={"kind": pl.String, "key": pl.String, column: pl.String},
    )


def _stale(deps: pl.DataFrame, reg: Registries) -> set[str]:
    """Articles that used a registry entry whose content has changed since."""
    changed = deps.join(_entry_hashes(deps, reg, "now"), on=["kind", "key"], how="left").filter(pl.col("hash") != pl.col("now"))
    return set(changed["article_id"].unique().to_list())


def _output_stamp(path: Path) -> list[int] | None:
    """A written file's size, modification time and inode (its change time moves whenever it is linked)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino] if stat.S_ISREG(st.st_mode) else None


def _output_trusted(path: Path, recorded: Any, stamped_ns: int) -> bool:
    now = _output_stamp(path)
    return now is not None and now == recorded and now[1] < stamped_ns - RACY_NS


def _trusted(now: Stamp | None, then: Stamp, trusted_before: int) -> bool:
    """Whether the file's stamp alone proves it unchanged: the same stamp, taken well after its last change."""
    return now is not None and now == then and max(then[1], then[2]) < trusted_before


def _same(path: str, now: Stamp | None, then: Stamp, sha: str, trusted_before: int) -> bool:
    """Whether the file still holds the bytes whose sha256 is `sha`: by its stamp when that is safe, else by reading it."""
    if _trusted(now, then, trusted_before):
        return True
    try:
        raw = read_regular(path, str(path), MAX_ARTICLE_BYTES)
    except DatasetError:
        return False
    return hashlib.sha256(raw).hexdigest() == sha


def _only(df: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """The rows of the articles `ids`; `df` itself (no copy) when it holds no other."""
    keep = pl.col("article_id").is_in(ids)
    return df if df.select(keep.all()).item() else df.filter(keep)


# Rows per slice when a part is stored in sorted order (`_sorted_slices`).
STORE_SLICE = 1 << 18


def _sorted_slices(df: pl.DataFrame, key: str) -> Iterator[pl.DataFrame]:
    """`df` sorted by `key`, one slice of rows at a time: the whole sorted copy never sits in
    memory (a large build's parts are memory-mapped files, build/spill.py)."""
    order = df[key].arg_sort()
    for start in range(0, df.height, STORE_SLICE):
        yield df[order.slice(start, STORE_SLICE)]


def _write_frames(frames: Iterable[pl.DataFrame], path: Path) -> None:
    """One Arrow IPC file of `frames` (one schema), written frame by frame (never concatenated in
    memory) beside `path` and then put in its place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write_ipc(frames, tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


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
