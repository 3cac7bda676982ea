"""Tables written early (release.EarlyTables): the same files, nothing left behind, never another build's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from tradetalks.build import pipeline
from tradetalks.build.errors import DatasetError, Problem
from tradetalks.build.pipeline import build, check
from tradetalks.build.release import EARLY_PREFIX, EarlyTables, remove_leftovers, write_release


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tables():
    return check(REPO, cache=False).tables


def test_early_files_are_the_files_written_at_the_end(tables, tmp_path):
    plain = write_release(tables, tmp_path / "plain" / "out", "dev", None)
    early = EarlyTables(tmp_path / "early", "dev")
    try:
        for name in ("evidence", "articles", "quotes"):
            early.add(name, tables[name])
        moved = write_release(tables, tmp_path / "early" / "out", "dev", None, early=early)
    finally:
        early.close()
    assert files(moved) == files(plain)
    assert [p.name for p in (tmp_path / "early").iterdir() if p.name != ".lock"] == ["out"]


def test_a_refused_build_leaves_the_last_build_and_no_early_files(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "dataset", root / "dataset")
    out = tmp_path / "build" / "working"
    build(root, out, cache=False)
    before = files(out)
    # A registry entry no article supports: found in the checks that follow combine, after tables were written early.
    people = root / "dataset" / "people.yml"
    entry = '  - person_id: nobody-at-all\n    name: "Nobody At All"\n    aliases:\n      - "Nobody At All"\n    wikidata_id: null\n'
    people.write_text(people.read_text(encoding="utf-8") + entry, encoding="utf-8")
    early = []
    add = EarlyTables.add
    monkeypatch.setattr(EarlyTables, "add", lambda self, name, df, *copies: (early.append(name), add(self, name, df, *copies))[1])
    with pytest.raises(DatasetError, match="nobody-at-all"):
        build(root, out, cache=False)
    assert files(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(EARLY_PREFIX)]
    # A refusal by the checks that run while every table is being written.
    people.write_text(people.read_text(encoding="utf-8").replace(entry, ""), encoding="utf-8")
    refused = Problem("table quotes", None, "n_articles", "refused for the test")
    real = pipeline.table_problems
    monkeypatch.setattr(pipeline, "table_problems", lambda *a, **k: [*real(*a, **k), refused])
    with pytest.raises(DatasetError, match="refused for the test"):
        build(root, out, cache=False)
    assert early  # the refusal came after tables were being written
    assert files(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(EARLY_PREFIX)]


def test_clean_up_spares_a_running_build_and_removes_an_abandoned_one(tmp_path):
    running = EarlyTables(tmp_path, "dev")
    abandoned = tmp_path / f"{EARLY_PREFIX}killed"
    (abandoned / "csv").mkdir(parents=True)
    (abandoned / ".in-use").touch()  # its lock died with its process
    try:
        remove_leftovers(tmp_path)
        assert running.directory.is_dir()
        assert not abandoned.exists()
    finally:
        running.close()
    assert not running.directory.exists()


@pytest.mark.parametrize("version", ["dev", "9.9.9"])
def test_parquet_written_one_row_group_at_a_time_is_the_file_written_whole(tables, tmp_path, monkeypatch, version):
    import pyarrow._parquet as pyarrow_parquet
    import pyarrow.parquet as pq

    from tradetalks.build import release

    assert release.ROW_GROUP == pyarrow_parquet._DEFAULT_ROW_GROUP_SIZE  # the row groups every file has had
    whole = tmp_path / "whole.parquet"
    release.write_parquet(tables["evidence"], whole, "evidence", version)  # fewer rows than a row group: written whole
    monkeypatch.setattr(release, "ROW_GROUP", 7)  # now many row groups, written one at a time
    sliced = tmp_path / "sliced.parquet"
    release.write_parquet(tables["evidence"], sliced, "evidence", version)
    assert pq.ParquetFile(sliced).metadata.num_row_groups == -(-tables["evidence"].height // 7) > 2
    # What pq.write_table writes for the whole table with that row group size: the same bytes.
    real = pq.write_table
    monkeypatch.setattr(release.pq, "write_table", lambda table, where, **kw: real(table, where, row_group_size=7, **kw))
    monkeypatch.setattr(release, "ROW_GROUP", 10**9)
    reference = tmp_path / "reference.parquet"
    release.write_parquet(tables["evidence"], reference, "evidence", version)
    assert sliced.read_bytes() == reference.read_bytes()
    assert pq.read_table(whole).equals(pq.read_table(sliced))


def test_a_column_converted_once_for_its_twin_gives_the_same_file(tables, tmp_path, monkeypatch):
    from tradetalks.build import release

    articles = tables["articles"]
    assert articles["evidence"].equals(articles["text"])
    shared = tmp_path / "shared.parquet"
    release.write_parquet(articles, shared, "articles", "dev")
    monkeypatch.setattr(release, "TWIN_COLUMNS", {})
    each = tmp_path / "each.parquet"
    release.write_parquet(articles, each, "articles", "dev")
    assert shared.read_bytes() == each.read_bytes()
