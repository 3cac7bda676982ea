"""Large builds keep their parts and tables in memory-mapped files (build/spill.py): every file
the build writes is byte for byte what an in-memory build writes, and nothing is left behind."""

from __future__ import annotations

import fcntl
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import REPO
from tradetalks.build import pipeline, spill
from tradetalks.build.errors import DatasetError
from tradetalks.build.release import remove_leftovers

sys.path.insert(0, str(REPO))
from benchmarks.synth import generate  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("synth"), 30, seed=5)


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _spied(monkeypatch: pytest.MonkeyPatch, spill_from: int) -> list[int]:
    """Build in small chunks, merged every two, spilling from `spill_from` articles; returns the rows of each frame kept on disk."""
    monkeypatch.setattr(pipeline, "CHUNK", 4)
    monkeypatch.setattr(pipeline, "MERGE_EVERY", 2)
    monkeypatch.setattr(pipeline, "SPILL_FROM", spill_from)
    kept: list[int] = []
    real = spill.Spill.keep_frames

    def keep_frames(self, frames):  # noqa: ANN001
        kept.append(sum(df.height for df in frames))
        return real(self, frames)

    monkeypatch.setattr(spill.Spill, "keep_frames", keep_frames)
    return kept


@pytest.mark.parametrize("parallel_from", [0, 10**6])
@pytest.mark.parametrize("cache", [False, True])
def test_a_spilled_build_writes_the_same_bytes(corpus, tmp_path, monkeypatch, parallel_from, cache):
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", parallel_from)
    kept = _spied(monkeypatch, spill_from=10**9)
    in_memory = pipeline.build(root, tmp_path / "memory", cache=cache)
    assert kept == []
    monkeypatch.setattr(pipeline, "SPILL_FROM", 30)  # the corpus's size: spilled
    shutil.rmtree(root / "build" / "cache", ignore_errors=True)  # every article computed again
    spilled = pipeline.build(root, tmp_path / "spilled", cache=cache)
    # Parts of every merged group (5 tables each) and the three large tables went to disk.
    assert len(kept) >= 5 * 3 + 3 and max(kept) == spilled.tables["evidence"].height
    assert _files(tmp_path / "spilled") == _files(tmp_path / "memory")
    for name, df in in_memory.tables.items():
        assert_frame_equal(spilled.tables[name], df, check_exact=True)
    assert not list((root / "build").glob(f"{spill.SPILL_PREFIX}*"))  # nothing left behind
    if cache:  # a rebuild from the cache, spilled, is the same again
        again = pipeline.build(root, tmp_path / "again", cache=True)
        assert _files(tmp_path / "again") == _files(tmp_path / "memory")
        assert again.rows == in_memory.rows


def test_the_articles_evidence_shares_its_text_when_spilled(corpus, tmp_path, monkeypatch):
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    _spied(monkeypatch, spill_from=1)
    articles = pipeline.check(root, cache=False).tables["articles"]
    assert articles["evidence"].equals(articles["text"]) and articles["article_id"].is_sorted()
    assert articles.columns == list(pipeline.check(root, cache=False).tables["articles"].columns)


def test_a_failed_spilled_build_leaves_nothing_behind(corpus, tmp_path, monkeypatch):
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    yml = root / "dataset" / "articles" / "synthetic-article-000007.yml"
    text = yml.read_text(encoding="utf-8")
    at = text.index("evidence: ") + len("evidence: ")
    yml.write_text(text[:at] + "Zzz never in the text " + text[at:], encoding="utf-8")
    kept = _spied(monkeypatch, spill_from=1)
    with pytest.raises(DatasetError, match="evidence not found"):
        pipeline.build(root, tmp_path / "out", cache=False)
    assert kept  # the parts had gone to disk before the problem was reported
    assert not list((root / "build").glob(f"{spill.SPILL_PREFIX}*"))
    assert not (tmp_path / "out").exists()


def test_spill_keeps_the_same_frame_and_unlinks_its_file(tmp_path):
    df = pl.DataFrame({"id": ["b", "a", None], "n": [1, None, 3], "tags": [["x"], [], None]})
    with spill.spilling(tmp_path, True) as s:
        assert s is not None
        kept = s.keep(df)
        assert [p.name for p in s.directory.iterdir()] == [".in-use"]  # the file is mapped, not listed
        assert_frame_equal(kept, df, check_exact=True)
        assert s.keep(df.clear()).height == 0
        assert_frame_equal(s.keep_frames([df, df.slice(1)]), pl.concat([df, df.slice(1)]), check_exact=True)
        directory = s.directory
    assert not directory.exists()
    assert_frame_equal(kept, df, check_exact=True)  # still readable once the directory is gone
    with spill.spilling(tmp_path, False) as s:
        assert s is None


def test_no_spill_where_the_directory_cannot_be_made(tmp_path):
    blocked = tmp_path / "build"
    blocked.write_text("a file where the build directory would be", encoding="utf-8")
    with spill.spilling(blocked, True) as s:
        assert s is None


def test_leftovers_of_a_killed_build_are_removed_and_a_running_ones_kept(tmp_path):
    stale = tmp_path / f"{spill.SPILL_PREFIX}stale"
    stale.mkdir()
    (stale / "3.arrow").write_bytes(b"partly written")
    running = spill.Spill(tmp_path)
    try:
        remove_leftovers(tmp_path)
        assert not stale.exists() and running.directory.is_dir()
    finally:
        running.close()
    with open(tmp_path / "probe", "a") as fh:  # the lock is released on close
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_disk_that_fills_up_leaves_the_frames_in_memory(tmp_path, monkeypatch):
    import errno

    df = pl.DataFrame({"id": ["a", "b"], "n": [1, 2]})
    with spill.spilling(tmp_path, True) as s:
        assert s is not None

        def full(frames, path):  # noqa: ANN001
            Path(path).write_bytes(b"partly")
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(spill, "write_ipc", full)
        assert_frame_equal(s.keep_frames([df, df]), pl.concat([df, df]), check_exact=True)
        assert s.failed is not None and s.failed.errno == errno.ENOSPC
        assert_frame_equal(s.keep(df), df, check_exact=True)  # no further attempt
        assert [p.name for p in s.directory.iterdir()] == [".in-use"]  # the partial file is gone


def test_parts_stored_sorted_in_slices_rebuild_the_same_bytes(corpus, tmp_path, monkeypatch):
    from tradetalks.build import cache as cache_module

    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    clean = pipeline.build(root, tmp_path / "clean", cache=False)
    monkeypatch.setattr(cache_module, "STORE_SLICE", 7)  # the parts written to the cache in many slices
    sliced: list[int] = []
    real = cache_module._sorted_slices

    def spy(df, key):  # noqa: ANN001
        for part in real(df, key):
            sliced.append(part.height)
            yield part

    monkeypatch.setattr(cache_module, "_sorted_slices", spy)
    pipeline.build(root, tmp_path / "cold", cache=True)
    assert len(sliced) > 3 and max(sliced) == 7
    stored = cache_module.read_mapped(next((root / "build" / "cache" / "articles").glob("seg-*-evidence.arrow")))
    assert stored["evidence_id"].is_sorted() and stored.height == clean.tables["evidence"].height
    notes: list[str] = []
    pipeline.build(root, tmp_path / "warm", cache=True, notes=notes)  # every article from the stored slices
    assert any(n.startswith("30 of 30 articles reused") for n in notes)
    assert _files(tmp_path / "cold") == _files(tmp_path / "clean") == _files(tmp_path / "warm")


def test_a_spilled_first_cached_build_sorts_each_keyed_part_once(corpus, tmp_path, monkeypatch):
    """A large first build with the cache sorts each keyed part column by column on its way to the
    cache (never gathering rows at random across the mapped parts), and `combine` takes it sorted."""
    from tradetalks.build import assemble
    from tradetalks.build import cache as cache_module

    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    clean = pipeline.build(root, tmp_path / "clean", cache=False)
    _spied(monkeypatch, spill_from=30)
    gathered: list[tuple[str, str, bool]] = []  # (module, key, whether the frame came unsorted)

    def spy(module, real):  # noqa: ANN001, ANN202
        def sorted_by_key(df, key, keep=None):  # noqa: ANN001, ANN202
            gathered.append((module, key, not df[key].is_sorted()))
            return real(df, key, keep)

        return sorted_by_key

    monkeypatch.setattr(cache_module, "sorted_by_key", spy("cache", cache_module.sorted_by_key))
    monkeypatch.setattr(assemble, "sorted_by_key", spy("combine", assemble.sorted_by_key))
    monkeypatch.setattr(cache_module, "_sorted_slices", lambda df, key: pytest.fail("rows gathered at random across the parts"))
    pipeline.build(root, tmp_path / "cold", cache=True)
    assert {key for module, key, unsorted in gathered if module == "cache" and unsorted} >= {"evidence_id", "quote_id"}
    assert ("combine", "evidence_id", False) in gathered and ("combine", "evidence_id", True) not in gathered
    for name, key in (("evidence", "evidence_id"), ("quotes", "quote_id")):
        stored = cache_module.read_mapped(next((root / "build" / "cache" / "articles").glob(f"seg-*-{name}.arrow")))
        assert stored[key].is_sorted() and stored.height == clean.tables[name].height
    assert not list((root / "build").glob(f"{spill.SPILL_PREFIX}*"))
    notes: list[str] = []
    pipeline.build(root, tmp_path / "warm", cache=True, notes=notes)
    assert any(n.startswith("30 of 30 articles reused") for n in notes)
    assert _files(tmp_path / "cold") == _files(tmp_path / "clean") == _files(tmp_path / "warm")


# Frees many small frames at once and reports the process's anonymous memory (MiB) before, while
# they are held, and 0.2 s after they are dropped.
FREED = """
import re, time
import polars as pl
def anon():
    return int(re.search(r"RssAnon:\\s+(\\d+)", open("/proc/self/status").read())[1]) // 1024
before = anon()
df = pl.DataFrame({"a": range(3_000_000)}).with_columns(s=pl.format("row {} of text", "a"))
parts = [df.slice(i, 1000).rechunk() for i in range(0, df.height, 1000)]
del df
held = anon()
del parts
time.sleep(0.2)
print(before, held, anon())
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_command_lines_allocator_setting_returns_freed_memory_at_once() -> None:
    """What `tradetalks` sets for Polars' allocator does what cli.py says: freed pages go back at
    once (with jemalloc's defaults they stay for seconds). Fails if Polars stops reading it."""
    import os
    import subprocess

    from tradetalks.cli import ALLOCATOR

    def run(env: dict[str, str]) -> tuple[int, int, int]:
        out = subprocess.run([sys.executable, "-c", FREED], env=env, capture_output=True, text=True, check=True).stdout.split()
        before, held, after = map(int, out)
        return before, held, after

    plain = {k: v for k, v in os.environ.items() if k not in ALLOCATOR}
    before, held, after = run(plain | ALLOCATOR)
    assert held - before > 60, (before, held, after)  # the frames were held
    assert after - before < (held - before) / 4, (before, held, after)  # and given back
    before, held, after = run(plain)
    assert after - before > (held - before) / 2, (before, held, after)  # the default keeps them (so the setting matters)


def test_the_command_line_sets_the_allocator_before_polars_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` sets it unless the user did; `tradetalks.cli` itself loads no Polars, so the setting
    is in place when a command first imports it."""
    import os
    import subprocess

    from tradetalks import cli

    for name in cli.ALLOCATOR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "argv", ["tradetalks", "--version"])
    with pytest.raises(SystemExit):
        cli.main()
    assert all(os.environ.get(name) == value for name, value in cli.ALLOCATOR.items())
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "narenas:1")
    with pytest.raises(SystemExit):
        cli.main()
    assert os.environ["_RJEM_MALLOC_CONF"] == "narenas:1"
    code = "import sys, tradetalks.cli; print('polars' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_a_build_without_the_cache_keeps_no_file_stamps(corpus: Path) -> None:
    """The stamps serve the build cache only: a build without it does not hold one per file."""
    from tradetalks.build.sources import load_index

    with_stamps, todo, _ = load_index(corpus)
    without, todo_too, _ = load_index(corpus, stamps=False)
    assert len(with_stamps.stamps) == 2 * len(todo) > 0
    assert without.stamps == {} and todo_too == todo
