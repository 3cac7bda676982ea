"""The whole build, stage by stage: sources -> locate -> rows -> combine -> validate -> write.

`check` and `build` read top to bottom as that list; each stage is one entry function:

1. sources  `sources.load_index`: the registries, checked, and the list of articles;
2. locate   `per_article.article_chunk`: each article's files read and checked, its evidence located,
3. rows         its coverage checked and its rows made; mapped over chunks of articles on an
                executor (pipeline/executor.py), each article's rows reused from the build cache
                when its inputs are unchanged (pipeline/cache.py): `article_parts` here;
4. combine  `assemble.combine`: the cross-article work (quote groups, corroboration, people and
            subject rows) on every article's rows;
5. validate `validate.table_problems`: every check, on the full tables;
6. write    `write.write_release`: the build's directory, written atomically.

One run reports every problem that can be found: each stage goes on with whatever the earlier
ones accepted (an article whose files fail their checks is left out; an annotation whose evidence
does not locate makes no row, but what it names is still checked; the valid entries of a registry
are used when others are not). Problems are sorted by file, then line, and no table is returned
(nor written) while any exists.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from tradetalks.contract.versions import is_release_version
from tradetalks.errors import DatasetError, Problem, check_version, sort_problems
from tradetalks.pipeline.assemble import PART_SCHEMAS, combine
from tradetalks.pipeline.cache import ArticleCache, by_article
from tradetalks.pipeline.executor import run_chunks
from tradetalks.pipeline.fingerprint import provenance
from tradetalks.pipeline.outputs import DEFAULT_BUILD, output_dir, scratch_dir
from tradetalks.pipeline.per_article import article_chunk
from tradetalks.pipeline.rows import registries
from tradetalks.pipeline.sources import Pair, Sources, load_index
from tradetalks.pipeline.validate import table_problems
from tradetalks.pipeline.write import write_release

# The version label of a working build: not a published version (see `tradetalks release`).
WORKING = "dev"


@dataclass
class BuildResult:
    # Every table, its rows sorted by id, but `evidence` and `quotes` sorted by article, then id (as
    # the workers wrote them: a large build maps them from files rather than copying them); the
    # files written hold every table sorted by id.
    tables: dict[str, pl.DataFrame]
    release_dir: Path | None
    # Seconds per stage; the per-article stages (sources, locate, detect, assemble) summed over the
    # articles (CPU time when they run in parallel), "articles" the wall time of that phase.
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        return {name: df.height for name, df in self.tables.items()}


# progress(step, done, total): called as the build advances ("articles" per chunk, then
# "combine", "validate", "release"); the command line draws it, nothing else depends on it.
Progress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    pass


def check(root: Path, progress: Progress | None = None, cache: bool = True, notes: list[str] | None = None, executor: Executor | None = None) -> BuildResult:
    """Every stage but the write: what `tradetalks validate` runs.

    `cache`: reuse the rows of articles whose inputs are unchanged since they were kept in
    build/cache/, and keep the new ones; the result is the same either way. `notes` receives what
    the command line may tell about the cache. `executor`: where the per-article stages run
    (pipeline/executor.py; by default in worker processes for large corpora, else here).
    """
    root = Path(root)
    progress = progress or _quiet
    seconds: dict[str, float] = {}

    t = time.perf_counter()
    sources, todo, found = load_index(root)
    problems: list[Problem] = list(found.problems)
    seconds["index"] = time.perf_counter() - t

    t = time.perf_counter()
    parts = article_parts(root, sources, todo, cache, executor, progress, notes)
    problems += parts.problems
    seconds |= parts.seconds
    seconds["articles"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("combine", 0, 1)
    tables, found_here = combine(sources, parts.frames, parts.unsure)
    problems += found_here
    seconds["combine"] = time.perf_counter() - t

    t = time.perf_counter()
    progress("validate", 0, 1)
    # With problems upstream, rows may name ids those problems are about: the foreign keys are
    # reported there, with file and line, not again here.
    problems += table_problems(tables, foreign_keys=not problems)
    seconds["validate"] = time.perf_counter() - t

    if problems:
        raise DatasetError(sort_problems(problems))
    return BuildResult(tables, None, seconds)


def build(
    root: Path,
    target: Path | None = None,
    version: str = WORKING,
    progress: Progress | None = None,
    cache: bool = True,
    notes: list[str] | None = None,
    archive: bool | None = None,
    executor: Executor | None = None,
) -> BuildResult:
    """Build the working tree into `target` (default: <root>/build/working/), never into release/.

    With a release version (X.Y.Z) the build has the exact form `tradetalks release` freezes,
    fingerprint included: what `tradetalks reproduce` compares with a published release.
    """
    if version != WORKING:
        check_version(version, "the version to build")  # it becomes a directory name and a URL
    root = Path(root)
    target = output_dir(root, target, DEFAULT_BUILD / "working")

    result = check(root, progress, cache=cache, notes=notes, executor=executor)

    t = time.perf_counter()
    (progress or _quiet)("release", 0, 1)
    fingerprint = provenance(root) if is_release_version(version) else None
    # dist/ (the zip of everything) is part of a release's form; a working build has it on request.
    archive = is_release_version(version) if archive is None else archive
    result.release_dir = write_release(result.tables, target, version, root / "CHANGELOG.md", fingerprint, archive=archive)
    result.seconds["release"] = time.perf_counter() - t
    return result


@dataclass
class Parts:
    """Every article's rows (`assemble.PART_SCHEMAS`), in the order of the article ids, and what their stages found."""

    frames: dict[str, pl.DataFrame]
    problems: list[Problem]
    unsure: set[str]  # see `rows.unsettled`
    seconds: dict[str, float]


def article_parts(
    root: Path,
    sources: Sources,
    todo: list[Pair],
    cache: bool = True,
    executor: Executor | None = None,
    progress: Progress = _quiet,
    notes: list[str] | None = None,
) -> Parts:
    """The per-article stages (locate, coverage, rows) of the articles `todo`, each article's
    rows taken from the build cache when it holds them for exactly these inputs."""
    # Load inputs: what the cache holds for these articles.
    if cache:
        try:
            output_dir(Path(root), None, DEFAULT_BUILD / "cache")  # never through a link out of the repository
        except DatasetError as exc:  # a cache only makes builds faster: without it the build is the same
            cache = False
            if notes is not None:
                notes.append(f"build cache: not used: {exc.problems[0]}")
    store = ArticleCache(root, sources) if cache else None
    keys = {item[0]: store.key(item) for item in todo} if store is not None else {}
    reused_parts, reused = store.get(keys) if store is not None else ({}, set())
    missing = [item for item in todo if item[0] not in reused]

    # Process: the others, chunk by chunk, wherever the executor runs them. Their rows come back as
    # files, which Polars maps into memory rather than reading (or, without a scratch directory, as bytes).
    problems: list[Problem] = []
    unsure: set[str] = set()
    seconds: dict[str, float] = {}
    clean: set[str] = set(reused)
    computed: dict[str, list] = {name: [] for name in PART_SCHEMAS}
    schemas = {name: dict(schema()) for name, schema in PART_SCHEMAS.items()}
    done = 0
    progress("articles", 0, len(missing))
    with scratch_dir(root) as scratch:
        task = functools.partial(article_chunk, root, registries(sources), schemas, str(scratch) if scratch else None)
        for n, chunk in run_chunks(task, missing, executor):
            for name in PART_SCHEMAS:
                computed[name].append(chunk.files[name] if scratch else chunk.data[name])
            problems += chunk.problems
            unsure |= chunk.unsure
            clean |= {article_id for article_id, ok in chunk.articles if ok}
            for stage, spent in chunk.seconds.items():
                seconds[stage] = seconds.get(stage, 0.0) + spent
            done += n
            progress("articles", done, len(missing))
        fresh = {name: _read_parts(name, written) for name, written in computed.items()}

    # Every article's rows in the order of their ids (each chunk's are, and the chunks are in order),
    # however they were computed or cached: the two sorted sets of rows merged, not sorted again.
    merged = {name: in_article_order(by_article(reused_parts[name]), by_article(fresh[name])) if reused else fresh[name] for name in PART_SCHEMAS}
    if store is not None:
        store.put(merged, {article_id: key for article_id in clean if (key := keys.get(article_id)) is not None})
        store.close()
        if notes is not None:
            notes.append(f"{len(reused):,} of {len(todo):,} articles reused from build/cache/")
            if store.note:
                notes.append(store.note)
    return Parts(merged, problems, unsure, seconds)


# Past this many places where computed rows fall among the cached ones, the two are merged by copying.
MAX_CUTS = 64


def in_article_order(kept: pl.DataFrame, fresh: pl.DataFrame) -> pl.DataFrame:
    """The rows of `kept` and `fresh` (each sorted by article id; no article in both) in article order.

    Where the fresh rows fall in a few places among the kept ones (a rebuild after an edit), the
    kept rows are cut there and the pieces put one after the other, not copied: they may be the
    cache's files, mapped rather than read.
    """
    if fresh.is_empty() or kept.is_empty():
        return fresh if kept.is_empty() else kept
    # For each fresh row, the number of kept rows that go before it; one cut per run of equal values.
    cuts = kept["article_id"].search_sorted(fresh["article_id"], side="left").rle().struct.unnest()
    if cuts.height > MAX_CUTS:
        return kept.merge_sorted(fresh, "article_id")
    pieces, start, taken = [], 0, 0
    for at, n in cuts.select("value", "len").iter_rows():
        pieces += [kept.slice(start, at - start), fresh.slice(taken, n)]
        start, taken = at, taken + n
    pieces.append(kept.slice(start))
    return pl.concat(pieces, rechunk=False)


def _read_parts(name: str, written: list) -> pl.DataFrame:
    """One part from the chunks' files (memory-mapped) or bytes, in order."""
    if not written:
        return pl.DataFrame(schema=PART_SCHEMAS[name]())
    if isinstance(written[0], bytes):
        return pl.concat([pl.read_ipc(data) for data in written])
    # pyarrow maps each file and Polars takes its buffers as they are: the rows stay in the files' pages.
    return pl.concat([pl.DataFrame(pa.ipc.open_file(pa.memory_map(path)).read_all()) for path in written], rechunk=False)
