"""The build's per-article map: chunk boundaries, worker processes and the executor never change a table or an error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from conftest import REPO
from tradetalks.errors import DatasetError
from tradetalks.pipeline import executor
from tradetalks.pipeline import run as pipeline

sys.path.insert(0, str(REPO))
from benchmarks.synth import generate  # noqa: E402


def _check(root: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, parallel_from: int):
    monkeypatch.setattr(executor, "CHUNK", chunk)
    monkeypatch.setattr(executor, "PARALLEL_FROM", parallel_from)
    return pipeline.check(root, cache=False)


def _assert_same(a, b) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert_frame_equal(a.tables[name], b.tables[name], check_exact=True), name


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("synth"), 23, seed=3)


def test_real_dataset_same_tables_in_chunks_of_two_across_workers(monkeypatch):
    whole = _check(REPO, monkeypatch, chunk=10**6, parallel_from=10**6)
    # Quote groups and corroboration counts join quotes from different chunks here.
    assert (whole.tables["quotes"]["n_articles"] > 1).any()
    _assert_same(whole, _check(REPO, monkeypatch, chunk=2, parallel_from=0))


def test_synthetic_corpus_same_tables_in_any_chunking(corpus, monkeypatch):
    whole = _check(corpus, monkeypatch, chunk=10**6, parallel_from=10**6)
    _assert_same(whole, _check(corpus, monkeypatch, chunk=5, parallel_from=10**6))
    _assert_same(whole, _check(corpus, monkeypatch, chunk=4, parallel_from=0))


def _break(corpus: Path, tmp_path: Path) -> Path:
    """A copy with a sources problem in article 2 and a locate problem in article 17."""
    import shutil

    root = tmp_path / "broken"
    shutil.copytree(corpus, root)
    arts = root / "dataset" / "articles"
    txt = arts / "synthetic-article-000002.txt"
    txt.write_text(txt.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    yml = arts / "synthetic-article-000017.yml"
    text = yml.read_text(encoding="utf-8")
    first = text.index("evidence: ") + len("evidence: ")
    yml.write_text(text[:first] + "Zzz never in the text " + text[first:], encoding="utf-8")
    return root


@pytest.mark.parametrize("chunk, parallel_from", [(10**6, 10**6), (3, 10**6), (3, 0)])
def test_every_stage_reports_in_one_run_across_chunks(corpus, tmp_path, monkeypatch, chunk, parallel_from):
    root = _break(corpus, tmp_path)
    with pytest.raises(DatasetError) as info:
        _check(root, monkeypatch, chunk, parallel_from)
    # The sources problem of article 2 does not hide the locate problem of article 17 (in another chunk).
    found = [(p.path, p.field) for p in info.value.problems]
    assert found[0] == ("dataset/articles/synthetic-article-000002.yml", "text_sha256")
    assert {path for path, _ in found[1:]} == {"dataset/articles/synthetic-article-000017.yml"}
    assert "evidence not found" in str(info.value)
    # Article 2 is left out, so what only it supports is not judged: no "unsupported entry" problem.
    assert not [p for p in info.value.problems if p.path.startswith("dataset/") and not p.path.startswith("dataset/articles/")]


def test_problems_identical_in_any_chunking(corpus, tmp_path, monkeypatch):
    root = _break(corpus, tmp_path)
    runs = []
    for chunk, parallel_from in [(10**6, 10**6), (3, 10**6), (3, 0)]:
        with pytest.raises(DatasetError) as info:
            _check(root, monkeypatch, chunk, parallel_from)
        runs.append(info.value.problems)
    assert runs[0] == runs[1] == runs[2]
    keys = [(p.path, -1 if p.line is None else p.line) for p in runs[0]]
    assert keys == sorted(keys)


def test_rows_become_columns_by_name_and_a_missing_column_is_an_error():
    from tradetalks.pipeline.per_article import _columns

    rows = [{"b": 2, "a": 1, "extra": 0}, {"a": 3, "b": 4}]
    assert _columns(rows, ["a", "b"]) == {"a": (1, 3), "b": (2, 4)}
    assert _columns(rows, ["b"]) == {"b": [2, 4]}
    assert _columns([], ["a", "b"]) == {"a": [], "b": []}
    with pytest.raises(KeyError):
        _columns([{"a": 1}, {"a": 2, "b": 3}], ["a", "b"])
