"""The whole build, stage by stage: sources -> locate -> detect -> assemble -> validate -> release.

Everything that depends on one article only (reading and checking it, locating its evidence,
the coverage checks, its rows) runs per chunk of articles, spread over the cores for large
corpora; only compact Polars frames leave a chunk. The registries and the cross-article work
(quote groups, corroboration counts, people and subject rows) follow in `combine`.

One run reports every problem that can be found: each stage goes on with whatever the earlier
ones accepted (an article whose files fail their checks is left out; an annotation whose evidence
does not locate makes no row, but what it names is still checked; the valid entries of a registry
are used when others are not). Problems are sorted by file, then line, and no table is returned
(nor written) while any exists.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tradetalks.build.articles import article_stages
from tradetalks.build.assemble import DERIVED, CombineMemo, Registries, article_columns, combine, part_frames, registries
from tradetalks.build.cache import PART_TABLES, ArticleCache, Computed, recording
from tradetalks.build.digest import row_hashes, table_digest
from tradetalks.build.errors import DatasetError, Problem, check_version, sort_problems
from tradetalks.build.fingerprint import provenance
from tradetalks.build.formats.files import CsvBlocks
from tradetalks.build.outputs import DEFAULT_BUILD, output_dir
from tradetalks.build.release import EarlyTables, RowGroups, read_manifest, write_release
from tradetalks.build.sources import Sources, load_index
from tradetalks.build.spill import Spill, spilling
from tradetalks.build.validate import EVIDENCE_CLAIMS, table_problems
from tradetalks.schemas.versions import is_release_version

STAGES = ("sources", "locate", "detect", "assemble")
# Articles per chunk, and the corpus size from which chunks go to worker processes.
CHUNK = 250
PARALLEL_FROM = 400
MERGE_EVERY = 40  # chunks whose frames are concatenated as they arrive
# Corpora of this many articles or more keep their large frames in memory-mapped files (build/spill.py).
SPILL_FROM = 20_000


@dataclass
class BuildResult:
    tables: dict[str, pl.DataFrame]
    release_dir: Path | None
    # Per-article stages: seconds summed over chunks (CPU time when they run in parallel);
    # "articles" is the wall time of that phase, "combine", "validate", "release" run once.
    seconds: dict[str, float] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # table -> cache.table_digest, when the cache is used
    store: ArticleCache | None = field(default=None, repr=False)
    hashes: dict[str, pl.Series] = field(default_factory=dict, repr=False)  # table -> digest.row_hashes, when the cache is used

    @property
    def rows(self) -> dict[str, int]:
        return {name: df.height for name, df in self.tables.items()}


@dataclass
class _Chunk:
    """What one chunk of articles yields: the parts of the articles it accepted, and every problem."""

    problems: list[Problem]
    parts: dict  # plain columns from `article_columns`, frames once received
    seconds: dict[str, float]
    unsure: set[str]  # ids whose support may be in what the chunk left out (see assemble.unsettled)
    computed: Computed = field(default_factory=Computed)  # the articles without problems, for the cache


# progress(step, done, total): called as the build advances ("articles" per chunk, then
# "combine", "validate", "release"); the command line draws it, nothing else depends on it.
Progress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    pass


# ready(table, frame, digest, rows, store): a table is final (its rows will not change); digest and
# rows: its `table_digest` and `row_hashes` when the build cache (`store`) is used, else None. The
# build writes it meanwhile.
Ready = Callable[[str, pl.DataFrame, "str | None", "pl.Series | None", "ArticleCache | None"], None]


def check(root: Path, progress: Progress | None = None, cache: bool = True, notes: list[str] | None = None, ready: Ready | None = None) -> BuildResult:
    """Every stage but the release: what `tradetalks validate` runs.

    `cache`: reuse the per-article results of earlier builds that are still right, and keep the
    new ones (build/cache.py); a cached run gives exactly what a clean one gives. `notes`
    receives what the command line may tell about the cache. `ready` is told of each table as
    soon as it is final, before the checks that may still refuse the build.

    A corpus of `SPILL_FROM` articles or more keeps the chunks' parts and its largest tables in
    files it reads memory-mapped (build/spill.py, in <root>/build/): the same frames, in far less
    of the process's own memory. Where that directory cannot be written, they stay in memory.
    """
    if cache:
        output_dir(Path(root), None, DEFAULT_BUILD / "cache")  # never through a link out of the repository
    with spilling(Path(root) / "build", _large(Path(root))) as spill:
        return _check(root, progress, cache, notes, ready, spill)


def _large(root: Path) -> bool:
    """Whether the corpus has `SPILL_FROM` articles or more (counted from the names of its files)."""
    articles = root / "dataset" / "articles"
    if not articles.is_dir():
        return False
    n = 0
    with os.scandir(articles) as it:
        for entry in it:
            n += entry.name.endswith(".txt")
            if n >= SPILL_FROM:
                return True
    return False


def _check(root: Path, progress: Progress | None, cache: bool, notes: list[str] | None, ready: Ready | None, spill: Spill | None) -> BuildResult:
    progress = progress or _quiet
    # Load inputs.
    t = time.perf_counter()
    stamped_ns = time.time_ns()  # before the files are listed: see cache.RACY_NS
    store = ArticleCache.open(Path(root), stamped_ns) if cache else None
    if store is not None:
        store.prefetch()  # the stored index is read while the corpus is listed
    sources, todo, index_problems = load_index(root, stamps=store is not None)
    reg = registries(sources)
    seconds = {"index": time.perf_counter() - t}
    cached = store.lookup(todo, sources.stamps, reg) if store is not None else None
    if store is not None:
        store.hold_stamps(sources.stamps)
    if cached is not None:
        seconds["cache"] = cached.seconds
        todo = cached.misses
        cached.misses = []
    computing = len(todo)
    progress("articles", 0, computing)

    # Process: per chunk of articles, with the registry entries that are valid.
    t = time.perf_counter()
    problems: list[Problem] = list(index_problems.problems)
    unsure: set[str] = set()
    for stage in STAGES:
        seconds[stage] = 0.0
    merged: list[dict[str, pl.DataFrame]] = []
    pending: list[dict[str, pl.DataFrame]] = []
    computed = Computed()
    done = 0
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    del todo
    for chunk in _run_chunks(Path(root), reg, chunks, record=store is not None):
        problems += chunk.problems
        unsure |= chunk.unsure
        computed.extend(chunk.computed)
        for stage, spent in chunk.seconds.items():
            seconds[stage] += spent
        pending.append(part_frames(chunk.parts))
        if len(pending) == MERGE_EVERY:
            merged.append(_concat(pending, spill))
            pending = []
        done = min(computing, done + CHUNK)
        progress("articles", done, computing)
    if pending:
        merged.append(_concat(pending, spill))
    del chunks  # the corpus's file names: not held through the rest of the build
    seconds["articles"] = time.perf_counter() - t
    if store is not None and cached is not None:
        t = time.perf_counter()
        # `sources.stamps` is empty now: the store reads the frame `hold_stamps` made of it.
        ordered = store.store(computed, merged, cached.frames, sources.stamps, reg, keep=spill.keep if spill is not None else None)
        for name, df in ordered.items():  # sorted on the way to the cache: not sorted again by `combine`
            for i, part in enumerate(merged):
                part[name] = df if i == 0 else df.clear()
        del ordered
        del computed  # what each article looked up: stored now, so not held through the rest of the build
        if cached.frames:
            merged.insert(0, cached.frames)
        seconds["cache"] += time.perf_counter() - t
        if notes is not None:
            notes.append(f"{len(cached.hits):,} of {len(cached.hits) + computing:,} articles reused from build/cache/")
            if store.note:
                notes.append(store.note)

    # Process: across articles.
    t = time.perf_counter()
    progress("combine", 0, 1)
    memo = CombineMemo(store.quote_links(), derived=store.derived_tables(), quotes=store.quotes_table()) if store is not None else None
    # A rebuild that reuses most articles: `combine` is short, and the tables final during it are
    # written meanwhile. Otherwise every table is written once `combine` is done,
    # while the checks run: writing beside `combine`'s own work slowed it more than it saved, and
    # held the tables' Arrow copies at its peak of memory (benchmarks/README.md).
    short = cached is not None and computing < len(cached.hits)
    with _gc_paused():
        tables, found = combine(
            sources,
            merged,
            unsure,
            memo,
            ready=(lambda name, df, digest: ready(name, df, digest, memo.rows.get(name) if memo else None, store))
            if ready and short and not problems
            else None,
            keep=spill.keep if spill is not None else None,
        )
    if store is not None and memo is not None and memo.found is not None and (not memo.found.same(memo.known) or memo.known is None or memo.known.keys is None):
        store.keep_quote_links(memo.found)
    if memo is not None:  # the quote texts' links and block keys (about 200 MB at 100k articles): kept in build/cache/ now, not held through the checks
        memo.found = memo.known = None
    problems += found
    seconds["combine"] = time.perf_counter() - t
    t = time.perf_counter()
    progress("validate", 0, 1)
    # Tables identical to those of the last build that passed (same code) need not be checked again;
    # of the others, the rows identical to rows of that build's table need only the checks that read more than their row.
    rows: dict[str, pl.Series] = {}
    digests: dict[str, str] = {}
    for name, df in tables.items() if store is not None else ():
        rows[name] = memo.rows[name] if memo is not None and name in memo.rows else row_hashes(df)
        digests[name] = memo.digests[name] if memo is not None and name in memo.digests else table_digest(df, rows=rows[name])
    if ready is not None and not problems:
        for name, df in tables.items():
            ready(name, df, digests.get(name), rows.get(name), store)  # written while they are checked (a table already told of is not written twice)
    validated = store.validated() if store is not None and not problems else {}
    unchanged = {name for name, digest in digests.items() if validated.get(name) == digest}
    if validated and memo is not None and memo.settled:
        unchanged.add(EVIDENCE_CLAIMS)
    texts_changed = store.texts_changed(tables["articles"], validated) if store is not None and unchanged and "articles" not in unchanged else None
    masks = {name: store.fresh_rows(name, validated.get(name), rows[name]) for name in tables if name not in unchanged} if store and validated else {}
    new_rows = {name: mask for name, mask in masks.items() if mask is not None}
    # With problems upstream, rows may name ids those problems are about: the foreign keys are
    # reported there, with file and line, not again here.
    problems += table_problems(tables, foreign_keys=not problems, unchanged=unchanged, texts_changed=texts_changed, fresh=new_rows)
    seconds["validate"] = time.perf_counter() - t
    if problems:
        raise DatasetError(sort_problems(problems))
    if store is not None and memo is not None:
        fresh = memo.key is not None and (memo.derived is None or memo.derived[0] != memo.key)
        fresh_quotes = memo.quotes_key is not None and (memo.quotes is None or memo.quotes[0] != memo.quotes_key)
        if validated != digests or fresh or fresh_quotes:
            store.keep_tables(
                validated=digests,
                rows=rows,
                derived=(memo.key, {name: tables[name] for name in DERIVED}) if fresh and memo.key else None,
                articles=tables["articles"],
                quotes=(memo.quotes_key, tables["quotes"]) if fresh_quotes and memo.quotes_key else None,
            )
    return BuildResult(tables, None, seconds, digests, store, rows)


# The version label of a working build: not a published version (see `tradetalks release`).
WORKING = "dev"


def build(
    root: Path,
    target: Path | None = None,
    version: str = WORKING,
    progress: Progress | None = None,
    cache: bool = True,
    notes: list[str] | None = None,
    archive: bool | None = None,
) -> BuildResult:
    """Build the working tree into `target` (default: <root>/build/working/), never into release/.

    With a release version (X.Y.Z) the build has the exact form `tradetalks release` freezes,
    fingerprint included: what `tradetalks reproduce` compares with a published release.
    """
    if version != WORKING:
        check_version(version, "the version to build")  # it becomes a directory name and a URL
    root = Path(root)
    target = output_dir(root, target, DEFAULT_BUILD / "working")
    # Made at the first table that is final, once the worker processes are gone (none inherits its lock).
    early: list[EarlyTables] = []
    # table -> how its Parquet file may copy row groups of the last build's, its CSV blocks of rows
    groups: dict[str, RowGroups] = {}
    blocks: dict[str, CsvBlocks] = {}

    def copies(name: str, rows: pl.Series | None, store: ArticleCache | None) -> tuple[RowGroups | None, CsvBlocks | None]:
        if store is None or rows is None:
            return None, None
        if name not in groups:
            groups[name] = RowGroups(rows, store.last_parquet(target, version, name))
            blocks[name] = CsvBlocks(rows, store.last_csv(target, version, name))
        return groups[name], blocks[name]

    try:

        def ready(name: str, df: pl.DataFrame, digest: str | None, rows: pl.Series | None, store: ArticleCache | None) -> None:
            # A table whose files the last build wrote (same digest) is linked in later, not written.
            if store is None or digest is None or not store.reusable(target, version, {name: digest}):
                if not early:
                    early.append(EarlyTables(target.parent, version))
                early[0].add(name, df, *copies(name, rows, store))

        result = check(root, progress, cache=cache, notes=notes, ready=ready)
        t = time.perf_counter()
        (progress or _quiet)("release", 0, 1)
        fingerprint = provenance(root) if is_release_version(version) else None
        # dist/ (the zip of everything) is part of a release's form; a working build has it on request.
        archive = is_release_version(version) if archive is None else archive
        # Files of the last build whose tables are unchanged are linked in, not encoded again.
        reuse = result.store.reusable(target, version, result.digests) if result.store is not None else None
        for name in result.tables:
            copies(name, result.hashes.get(name), result.store)
        result.release_dir = write_release(
            result.tables,
            target,
            version,
            root / "CHANGELOG.md",
            fingerprint,
            archive=archive,
            reuse=reuse,
            early=early[0] if early else None,
            groups=groups,
            blocks=blocks,
        )
    finally:
        for writer in early:
            writer.close()
    if result.store is not None:
        result.store.keep_tables(
            written=(target, version, result.digests, read_manifest(target)),
            groups={name: g.keys for name, g in groups.items() if g.keys is not None},
            blocks={name: b.blocks for name, b in blocks.items() if b.blocks is not None},
        )
    result.seconds["release"] = time.perf_counter() - t
    return result


def _run_chunks(root: Path, reg: Registries, chunks: list[list], record: bool = False) -> Iterator[_Chunk]:
    import multiprocessing

    workers = os.cpu_count() or 1
    # Serial for small corpora, one core, or where processes cannot be forked (Windows).
    if sum(map(len, chunks)) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (_check_chunk(root, reg, items, record) for items in chunks)
        return
    from concurrent.futures import ProcessPoolExecutor

    # Workers are forked (no re-import of the caller's __main__) and never touch Polars, whose
    # thread pool does not survive a fork. The caller turns each chunk into frames as it arrives,
    # so the plain Python rows of the whole corpus never sit in memory at once.
    # At most a few chunks in flight: results wait in memory only as long as the caller needs.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker, initargs=(root, reg, record, os.getpid())
    ) as pool:
        window: collections.deque = collections.deque()
        for items in chunks:
            window.append(pool.submit(_worker_chunk, items))
            if len(window) >= 3 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def _concat(parts: list[dict[str, pl.DataFrame]], spill: Spill | None = None) -> dict[str, pl.DataFrame]:
    # One contiguous frame per table: thousands of small frames hold far more memory than their rows need.
    # With `spill`, the frames are written one after the other to a file read from there (build/spill.py).
    if spill is not None:
        return {name: spill.keep_frames([p.pop(name) for p in parts]) for name in list(parts[0])}
    return {name: pl.concat([p[name] for p in parts], rechunk=True) for name in parts[0]}


_WORKER: tuple[Path, Registries, bool] | None = None


def _init_worker(root: Path, reg: Registries, record: bool, parent: int) -> None:
    global _WORKER
    _WORKER = (root, reg, record)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """On Linux, end this worker when the build process ends, however it ends.

    A build killed outright (SIGKILL, the kernel's out-of-memory killer) cannot shut its pool
    down: its workers would wait for work forever, each holding its memory and whatever pipes it
    inherited. Elsewhere they end when the pool is shut down, as before.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the build ended before the signal was set
        os._exit(1)


def _worker_chunk(items: list) -> _Chunk:
    assert _WORKER is not None
    root, reg, record = _WORKER
    return _check_chunk(root, reg, items, record)


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: parsed YAML and rows are acyclic, freed by reference counting.

    Otherwise its full collections rescan every live object again and again while a chunk's
    hundreds of thousands of small objects are built (measured: half of the time spent reading sources).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_chunk(root: Path, reg: Registries, items: list, record: bool = False) -> _Chunk:
    """Sources, locate, detect and the per-article rows of one chunk, each stage on what the earlier accepted."""
    with _gc_paused():
        return _recorded_stages(root, reg, items) if record else _chunk_stages(root, reg, items)


def _chunk_stages(root: Path, reg: Registries, items: list) -> _Chunk:
    rows, problems, unsure, seconds = article_stages(root, reg, items)
    t = time.perf_counter()
    columns = article_columns(rows)
    seconds["assemble"] += time.perf_counter() - t
    return _Chunk(problems, columns, seconds, unsure)


def _recorded_stages(root: Path, reg: Registries, items: list) -> _Chunk:
    """The chunk's stages article by article, recording the registry entries each one looks up (for the cache)."""
    watched, log = recording(reg)
    rows: dict[str, list[tuple]] = {name: [] for name in PART_TABLES}
    problems: list[Problem] = []
    unsure: set[str] = set()
    seconds: dict[str, float] = collections.defaultdict(float)
    computed = Computed()
    for item in items:
        read = Sources(root=root)
        log.take()
        found_rows, found, found_unsure, spent = article_stages(root, watched, [item], read)
        used = log.take()
        for name, part in found_rows.items():
            rows[name].extend(part)
        problems += found
        unsure |= found_unsure
        for stage, s in spent.items():
            seconds[stage] += s
        article = read.articles.get(item[0])
        if not found and article is not None:
            computed.add(item[0], article.sha256, article.yaml.sha256, used)
    t = time.perf_counter()
    columns = article_columns(rows)
    seconds["assemble"] += time.perf_counter() - t
    return _Chunk(problems, columns, dict(seconds), unsure, computed)
