"""End to end: the real dataset builds, reproducibly, and every table loads and keeps its invariants;
published releases are intact and rebuilt byte-identical."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from dataset_invariants import check_build
from test_load import table_path
from tradetalks.__about__ import __version__
from tradetalks.contract.tables import MODELS
from tradetalks.load import sha256_file
from tradetalks.pipeline.run import build
from tradetalks.pipeline.validate import validate_tables

REPO = Path(__file__).resolve().parents[1]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    out_a, out_b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    return build(REPO, out_a).release_dir, build(REPO, out_b).release_dir


def test_two_builds_are_byte_identical(releases):
    a, b = releases
    names = _files(a)
    assert names == _files(b)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_published_releases_are_intact_and_pinned():
    """Every release/X.Y.Z/ matches its own manifest, and the manifest is the one the package pins."""
    known = json.loads((REPO / "src/tradetalks/known_releases.json").read_text())
    published = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir() and (p / "manifest.json").exists())
    assert published == sorted(known), "every published release is pinned in known_releases.json, and only those"
    assert __version__ == max(published, key=lambda v: tuple(map(int, v.split(".")))), "the package ships the latest published release"
    for version in published:
        rel = REPO / "release" / version
        assert sha256_file(rel / "manifest.json") == known[version]["manifest_sha256"], f"release/{version}/manifest.json was altered"
        manifest = json.loads((rel / "manifest.json").read_text())
        for entry in [*manifest["tables"].values(), *manifest["files"].values()]:
            assert sha256_file(rel / entry["path"]) == entry["sha256"], f"release/{version}/{entry['path']} was altered"


def _history_has(commit_of_release: str) -> bool:
    import subprocess

    return subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%H", "--", commit_of_release], capture_output=True, text=True).stdout.strip() != ""


PUBLISHED = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir() and (p / "manifest.json").exists())


@pytest.mark.parametrize("version", PUBLISHED)
def test_published_release_is_rebuilt_byte_identical_from_its_commit(version):
    from tradetalks.publishing.publish import reproduce

    if not _history_has(f"release/{version}"):
        pytest.skip(f"no git history here to rebuild release {version} from")
    result = reproduce(REPO, version)
    assert result.ok, result.problems
    assert result.files == len(_files(REPO / "release" / version))


def test_manifest_checksums_and_counts(releases):
    rel = releases[0]
    manifest = json.loads((rel / "manifest.json").read_text())
    assert manifest["version"] == "dev"  # a working build, not a published version
    for entry in manifest["tables"].values():
        path = rel / entry["path"]
        assert entry["sha256"] == sha256_file(path)
        assert entry["bytes"] == path.stat().st_size
        df = pl.read_parquet(path)
        assert entry["rows"] == df.height
        assert [c["name"] for c in entry["columns"]] == df.columns
        assert all(c["description"] for c in entry["columns"])


def test_every_table_loads_in_polars_pandas_duckdb_and_validates(releases):
    rel = releases[0]
    tables = {name: pl.read_parquet(table_path(rel, name)) for name in MODELS}
    validate_tables(tables)
    for name, df in tables.items():
        assert df.height > 0, name
        pdf = pd.read_parquet(table_path(rel, name))
        assert len(pdf) == df.height and list(pdf.columns) == df.columns
        n = duckdb.connect().execute(f"SELECT count(*) FROM '{table_path(rel, name)}'").fetchone()[0]
        assert n == df.height


def test_span_invariant_in_duckdb_sql(releases):
    """DuckDB's substring is 1-based and counts code points: text[start:end] == substring(text, start + 1, end - start)."""
    rel = releases[0]
    con = duckdb.connect()
    con.execute(f"CREATE VIEW articles AS FROM '{table_path(rel, 'articles')}'")
    checked = 0
    for name in MODELS:
        if "evidence" not in MODELS[name].to_schema().columns:
            continue  # a reference table (places)
        bad, total = con.execute(
            f"""
            SELECT count(*) FILTER (WHERE substring(a.text, t.char_start + 1, t.char_end - t.char_start) <> t.evidence
                                    OR a.text IS NULL),
                   count(*)
            FROM '{table_path(rel, name)}' t LEFT JOIN articles a USING (article_id)
            """
        ).fetchone()
        assert bad == 0, name
        checked += total
    assert checked > 0


def test_the_real_dataset_keeps_every_dataset_level_invariant(releases):
    check_build(releases[0])
