"""The stages of one article, and `tradetalks validate <article>...`: sources, locate, coverage, rows.

Everything here depends on one article at a time and the registries, and imports no Polars (only
`article_chunk` does, to write its rows): the build maps `article_chunk` over chunks of articles
(on an executor, pipeline/executor.py), and validating the articles being written runs the stages
for those alone, in a second or two however large the corpus.
"""

from __future__ import annotations

import collections
import gc
import io
import operator
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tradetalks.errors import DatasetError, Problem, sort_problems
from tradetalks.pipeline.coverage import check_coverage
from tradetalks.pipeline.locate import locate_annotations
from tradetalks.pipeline.rows import REGISTRY_KEYS, Registries, Row, article_rows, referenced, registries, registry_problems, unsettled
from tradetalks.pipeline.sources import Pair, Sources, load_index, read_articles


def article_stages(
    root: Path, reg: Registries, items: list, sources: Sources | None = None
) -> tuple[dict[str, list[Row]], list[Problem], set[str], dict[str, float]]:
    """Sources, locate, coverage and rows of the article pairs `items`, each stage on what the earlier accepted.

    Returns the rows, every problem, the ids whose support may be in what was left out (see
    `rows.unsettled`) and the seconds per stage. `sources` receives the articles read.
    """
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    sources = Sources(root=root) if sources is None else sources
    problems = read_articles(sources, items)
    seconds["sources"] = time.perf_counter() - t
    t = time.perf_counter()
    located, found = locate_annotations(sources)
    problems += found
    seconds["locate"] = time.perf_counter() - t
    t = time.perf_counter()
    problems += check_coverage(sources, located)
    seconds["detect"] = time.perf_counter() - t
    t = time.perf_counter()
    rows, found = article_rows(sources, located, reg)
    problems += found
    unsure = unsettled(sources, located, reg) if problems else set()
    seconds["assemble"] = time.perf_counter() - t
    return rows, problems, unsure, seconds


@dataclass
class ChunkRows:
    """What the stages of a chunk of articles give: their rows, one article after the other, as one
    Arrow IPC file per part (`files`, in the scratch directory) or, without one, its bytes (`data`);
    and what the build needs to know of each article and of the whole chunk."""

    files: dict[str, str] = field(default_factory=dict)  # part -> path (the parts of `assemble.PART_SCHEMAS`)
    data: dict[str, bytes] = field(default_factory=dict)
    # Per article, in order: its id, and whether its stages found no problem.
    articles: list[tuple[str, bool]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unsure: set[str] = field(default_factory=set)  # see `rows.unsettled`
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, summed over the articles


def article_chunk(root: Path, reg: Registries, schemas: dict[str, dict], scratch: str | None, items: list[Pair]) -> ChunkRows:
    """The stages of each article of `items`, one article at a time (so that each one's problems
    are its own); their rows as the parts of `schemas` (`assemble.PART_SCHEMAS`), written uncompressed
    to `scratch` (the build maps them from there without reading them into memory)."""
    import polars as pl  # only to write the rows: validating one article needs none of it

    chunk = ChunkRows()
    parts: dict[str, list[Row]] = {name: [] for name in schemas}
    seconds: dict[str, float] = collections.defaultdict(float)
    was_enabled = gc.isenabled()
    gc.disable()  # parsed YAML and rows are acyclic: freed by reference counting, never worth a full collection
    try:
        for item in items:
            rows, problems, unsure, spent = article_stages(root, reg, [item])
            for name, part in rows.items():
                parts[name] += part
            chunk.articles.append((item[0], not problems))
            chunk.problems += problems
            chunk.unsure |= unsure
            for stage, s in spent.items():
                seconds[stage] += s
    finally:
        if was_enabled:
            gc.enable()
    for name, part in parts.items():
        frame = pl.DataFrame(_columns(part, list(schemas[name])), schema=schemas[name])
        if scratch is None:
            sink = io.BytesIO()
            frame.write_ipc(sink, compression="uncompressed")
            chunk.data[name] = sink.getvalue()
        else:
            fd, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".arrow", dir=scratch)
            with os.fdopen(fd, "wb") as fh:
                frame.write_ipc(fh, compression="uncompressed")
            chunk.files[name] = path
    chunk.seconds = dict(seconds)
    return chunk


def _columns(rows: list[Row], names: list[str]) -> dict[str, Sequence]:
    """The values of `rows` (dicts by column name) column by column, for the columns `names`; a row
    without one of them is a bug in the build (KeyError), never a silent null."""
    if not rows:
        return {name: [] for name in names}
    if len(names) == 1:
        return {names[0]: [row[names[0]] for row in rows]}
    return dict(zip(names, zip(*map(operator.itemgetter(*names), rows), strict=True), strict=True))


def check_articles(root: Path, paths: Sequence[Path | str]) -> list[str]:
    """Check only the articles at `paths` (their .yml or .txt) and the registry entries they use.

    What `tradetalks validate PATH...` runs while an article is being written: the registries are
    read once, the rest of the corpus is not read. The problems reported for these articles are
    the ones a full `check` reports for them (the cross-article checks, such as quote groups or
    registry entries no article supports, wait for the full run). Returns the ids checked; raises
    DatasetError with every problem.
    """
    # Load inputs.
    root = Path(root)
    stems, problems = [], []
    for path in map(Path, paths):
        if path.suffix not in (".yml", ".txt"):
            problems.append(Problem(str(path), None, None, "not an article file; give dataset/articles/<article_id>.yml or .txt"))
        elif path.stem not in stems:
            stems.append(path.stem)
    sources, todo, index_problems = load_index(root, only=stems)
    reg = registries(sources)

    # Process: the articles as in a full run, then what their registry entries say.
    articles = Sources(root=root)
    gc.disable()  # as in `article_chunk`: parsed YAML is acyclic
    try:
        problems += article_stages(root, reg, todo, articles)[1]
    finally:
        gc.enable()
    used = _used_entries(sources, articles, reg)
    for problem in index_problems.problems + registry_problems(sources):
        name = problem.path.removeprefix("dataset/").removesuffix(".yml")
        doc = getattr(sources, name, None) if name in REGISTRY_KEYS else None
        item = doc.item_at(name, problem.line) if doc is not None and problem.line is not None else None
        if item is None or item in used.get(name, ()):
            problems.append(problem)
    if problems:
        raise DatasetError(sort_problems(problems))
    return stems


def _used_entries(sources: Sources, articles: Sources, reg: Registries) -> dict[str, set[int]]:
    """Indexes of the registry entries that the articles name or whose aliases they contain."""
    from tradetalks.text.mentions import find_mentions

    ids: dict[str, set[str]] = {name: set() for name in REGISTRY_KEYS}
    readable = [(a.meta, a.text) for a in articles.articles.values()] + [(left.data, left.text) for left in articles.left_out]
    for meta, text in readable:
        if isinstance(meta, dict):
            for name, found in referenced(meta).items():
                ids[name] |= found
        if text is not None:
            mentions, undecided = find_mentions(text, reg.aliases, reg.ambiguous)
            ids["people"] |= {m.person_id for m in mentions + undecided}
    used: dict[str, set[int]] = {}
    for name, key in REGISTRY_KEYS.items():
        doc = getattr(sources, name)
        entries = doc.data[name] if doc is not None else []
        used[name] = {i for i, item in enumerate(entries) if isinstance(item, dict) and item.get(key) in ids[name]}
    return used
