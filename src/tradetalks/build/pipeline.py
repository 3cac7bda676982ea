"""The whole build, stage by stage: sources -> locate -> assemble -> validate -> release."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tradetalks.__about__ import __version__
from tradetalks.build.assemble import assemble_tables
from tradetalks.build.coverage import check_coverage
from tradetalks.build.locate import locate_annotations
from tradetalks.build.release import write_release
from tradetalks.build.sources import load_sources
from tradetalks.build.validate import validate_tables


@dataclass
class BuildResult:
    tables: dict[str, pl.DataFrame]
    release_dir: Path | None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        return {name: df.height for name, df in self.tables.items()}


def check(root: Path) -> BuildResult:
    """Every stage but the release: what `tradetalks validate` runs."""
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    sources = load_sources(root)
    seconds["sources"] = time.perf_counter() - t
    t = time.perf_counter()
    located = locate_annotations(sources)
    seconds["locate"] = time.perf_counter() - t
    t = time.perf_counter()
    check_coverage(sources, located)
    seconds["detect"] = time.perf_counter() - t
    t = time.perf_counter()
    tables = assemble_tables(sources, located)
    seconds["assemble"] = time.perf_counter() - t
    t = time.perf_counter()
    validate_tables(tables)
    seconds["validate"] = time.perf_counter() - t
    return BuildResult(tables, None, seconds)


def build(root: Path, out_root: Path | None = None, version: str = __version__) -> BuildResult:
    """Build and write release/<version>/ under `out_root` (default: <root>/release)."""
    root = Path(root)
    result = check(root)
    t = time.perf_counter()
    result.release_dir = write_release(result.tables, out_root or root / "release", version, root / "CHANGELOG.md")
    result.seconds["release"] = time.perf_counter() - t
    return result
