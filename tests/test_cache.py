"""The build cache (pipeline/cache.py) can only make a build faster, never different.

A cached build writes the bytes a clean one writes, whatever happened to build/cache/ in between:
every kind of input change is seen (an article's files, the registries, the code), every kind of
damage to a cached file is ignored, and every check runs on the full tables. The counts come from
the dataset itself, so these hold for any valid dataset.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.errors import DatasetError
from tradetalks.pipeline import cache as cache_module
from tradetalks.pipeline.run import build

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "dataset", tmp_path / "dataset")
    return tmp_path


def articles(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "dataset" / "articles").glob("*.txt"))


def outcome(root: Path, out: Path, cache: bool, notes: list[str] | None = None) -> dict[str, bytes] | list[str]:
    """Every file the build wrote (relative path -> bytes), or its problems when it fails."""
    try:
        build(root, out, cache=cache, notes=notes)
    except DatasetError as exc:
        return [str(p) for p in exc.problems]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def reused(notes: list[str]) -> int:
    line = next(n for n in notes if "reused from build/cache/" in n)
    return int(line.split(" of ")[0].replace(",", ""))


def cached_equals_clean(root: Path, tag: str) -> list[str]:
    """Build with the cache and without it; assert the same outcome; return the cache's notes."""
    notes: list[str] = []
    with deadline(300):  # a cache that blocked the build would fail here, not hang the suite
        cached = outcome(root, root / f"out-{tag}-cached", True, notes)
    clean = outcome(root, root / f"out-{tag}-clean", False)
    assert cached == clean
    return notes


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expired(signum, frame):  # noqa: ANN001
        raise TimeoutError(f"the build took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cache_dir(root: Path) -> Path:
    return root / "build" / "cache" / "articles"


def entries(root: Path) -> list[Path]:
    """Every file of every entry."""
    return sorted(cache_dir(root).glob("*.arrow"))


def index(root: Path) -> dict:
    return json.loads((cache_dir(root) / "index.json").read_text(encoding="utf-8"))


def kept(root: Path) -> set[str]:
    """The articles whose rows the cache holds."""
    return {a for entry in index(root)["entries"].values() for a in entry["articles"]}


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_cold_warm_and_clean_builds_are_byte_identical(root: Path) -> None:
    n = len(articles(root))
    assert reused(cached_equals_clean(root, "cold")) == 0
    assert kept(root) == set(articles(root))
    assert len(entries(root)) == len(cache_module.PART_SCHEMAS) * len(cache_module.entry_groups(articles(root)))
    assert reused(cached_equals_clean(root, "warm")) == n


def test_a_changed_annotation_is_recomputed_and_the_others_reused(root: Path) -> None:
    n = len(articles(root))
    cached_equals_clean(root, "first")
    append(root / "dataset" / "articles" / f"{articles(root)[0]}.yml", "# an edit that changes no row\n")
    assert reused(cached_equals_clean(root, "edited")) == n - 1


def test_a_changed_text_is_seen_even_with_the_same_size_and_times(root: Path) -> None:
    n = len(articles(root))
    cached_equals_clean(root, "first")
    txt = root / "dataset" / "articles" / f"{articles(root)[0]}.txt"
    st = os.stat(txt)
    raw = bytearray(txt.read_bytes())
    i = next(i for i, b in enumerate(raw) if chr(b).isalpha())
    raw[i] = ord("Q") if raw[i] != ord("Q") else ord("R")
    txt.write_bytes(bytes(raw))
    os.utime(txt, ns=(st.st_atime_ns, st.st_mtime_ns))
    notes: list[str] = []
    cached = outcome(root, root / "out-cached", True, notes)
    assert cached == outcome(root, root / "out-clean", False)
    assert isinstance(cached, list) and any("text_sha256" in p for p in cached)  # the text no longer matches its annotation
    assert reused(notes) == n - 1


@pytest.mark.parametrize("registry", ["people", "events", "measures"])
def test_a_changed_registry_recomputes_every_article(root: Path, registry: str) -> None:
    cached_equals_clean(root, "first")
    append(root / "dataset" / f"{registry}.yml", "# an edit\n")
    assert reused(cached_equals_clean(root, "edited")) == 0


def test_a_changed_registry_entry_changes_the_rows_that_used_it(root: Path) -> None:
    """Moving an event's dates moves what articles anchored on it derive: the cached rows must not be those of before."""
    events = root / "dataset" / "events.yml"
    text = events.read_text(encoding="utf-8")
    moved = text.replace("2025-10-", "2025-09-")
    if moved == text:
        pytest.skip("no event of October 2025 in this dataset")
    cached_equals_clean(root, "first")
    events.write_text(moved, encoding="utf-8")
    cached_equals_clean(root, "moved")


def test_new_code_recomputes_every_article(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_equals_clean(root, "first")
    real = cache_module.code_fingerprint
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: hashlib.sha256(real().encode() + b"changed").hexdigest())
    assert reused(cached_equals_clean(root, "code")) == 0


def test_an_article_with_problems_is_never_kept(root: Path) -> None:
    n = len(articles(root))
    append(root / "dataset" / "articles" / f"{articles(root)[0]}.yml", "# GUESS: who said it\n")
    cached_equals_clean(root, "marked")
    assert kept(root) == set(articles(root)[1:])
    assert reused(cached_equals_clean(root, "again")) == n - 1
    problems = outcome(root, root / "out-third", True)
    assert isinstance(problems, list) and any("GUESS" in p for p in problems)


def test_a_removed_article_leaves_the_cache(root: Path) -> None:
    n = len(articles(root))
    cached_equals_clean(root, "first")
    first = articles(root)[0]
    for suffix in (".txt", ".yml"):
        (root / "dataset" / "articles" / f"{first}{suffix}").unlink()
    cached_equals_clean(root, "removed")
    assert kept(root) == set(articles(root)) and len(kept(root)) == n - 1
    assert reused(cached_equals_clean(root, "after")) == n - 1


# Damage: whatever is found in build/cache/, the build is the clean one ------------------------------


def damage_entry(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.unlink()
    if how == "edited":  # the same size, one byte changed
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :])
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "symlink":  # to a copy of the right bytes: a link is still not followed
        (path.parent.parent / "elsewhere.arrow").write_bytes(data)
        path.symlink_to(path.parent.parent / "elsewhere.arrow")
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "directory":
        path.mkdir()
    elif how == "missing":
        pass
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["edited", "truncated", "symlink", "fifo", "directory", "missing"])
def test_a_damaged_entry_is_ignored_and_computed_again(root: Path, how: str) -> None:
    n = len(articles(root))
    cached_equals_clean(root, "first")
    damaged = entries(root)
    for path in damaged:
        damage_entry(path, how)
    assert reused(cached_equals_clean(root, "damaged")) == 0
    if how != "directory":  # replaced by the entry written afresh: reused again afterwards
        assert reused(cached_equals_clean(root, "repaired")) == n
    else:  # a directory cannot be replaced by a file: it stays, never read, and the article is computed at every build
        notes = cached_equals_clean(root, "again")
        assert reused(notes) == 0 and any("build cache: not written" in note for note in notes)


@pytest.mark.parametrize("how", ["fifo", "symlink", "directory", "garbage", "truncated", "other-sizes", "missing"])
def test_a_damaged_index_is_ignored(root: Path, how: str) -> None:
    n = len(articles(root))
    cached_equals_clean(root, "first")
    index = cache_dir(root) / "index.json"
    data = index.read_bytes()
    index.unlink()
    if how == "fifo":
        os.mkfifo(index)  # opened, it would block every build
    elif how == "symlink":
        (root / "index-copy.json").write_bytes(data)
        index.symlink_to(root / "index-copy.json")
    elif how == "directory":
        index.mkdir()
    elif how == "garbage":
        index.write_bytes(b"{not json")
    elif how == "truncated":
        index.write_bytes(data[: len(data) // 2])
    elif how == "other-sizes":
        recorded = json.loads(data)
        for entry in recorded["entries"].values():
            entry["files"] = {part: [sha, size + 1] for part, (sha, size) in entry["files"].items()}
        index.write_text(json.dumps(recorded), encoding="utf-8")
    assert reused(cached_equals_clean(root, "damaged")) == 0
    if how != "directory":
        assert reused(cached_equals_clean(root, "repaired")) == n


def forge(root: Path, change) -> None:  # noqa: ANN001
    """Rewrite every part of every entry with `change(part name, frame)` applied, and record the new
    bytes in the index: an entry that passes the sha256 check but holds other rows than it should."""
    recorded = index(root)
    for entry, record in recorded["entries"].items():
        for name in cache_module.PART_SCHEMAS:
            path = cache_dir(root) / f"{entry}.{name}.arrow"
            frame = cache_module._from_ipc(name, path.read_bytes())
            assert frame is not None
            data = cache_module._ipc(change(name, frame))
            path.write_bytes(data)
            record["files"][name] = [hashlib.sha256(data).hexdigest(), len(data)]
    (cache_dir(root) / "index.json").write_text(json.dumps(recorded), encoding="utf-8")


def test_every_check_runs_on_the_full_tables_even_for_cached_rows(root: Path) -> None:
    """A forged entry (a wrong span, recorded with its own sha256) is caught by the checks, not trusted."""
    cached_equals_clean(root, "first")

    def shifted(name: str, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.col("char_start") + 1) if name == "evidence" else frame

    forge(root, shifted)
    problems = outcome(root, root / "out-forged", True)
    assert isinstance(problems, list) and any("is not the recorded evidence" in p for p in problems)


def test_an_entry_holding_rows_of_an_article_it_does_not_list_is_not_used(root: Path) -> None:
    cached_equals_clean(root, "first")
    recorded = index(root)
    for record in recorded["entries"].values():  # each entry forgets its first article, whose rows it still holds
        del record["articles"][min(record["articles"])]
    (cache_dir(root) / "index.json").write_text(json.dumps(recorded), encoding="utf-8")
    assert reused(cached_equals_clean(root, "forged")) == 0


def test_an_entry_of_other_columns_is_not_used(root: Path) -> None:
    cached_equals_clean(root, "first")
    forge(root, lambda name, frame: frame.drop("norm") if name == "quotes" else frame)
    assert reused(cached_equals_clean(root, "forged")) == 0


def test_a_cache_that_cannot_be_written_is_skipped_with_a_note(root: Path) -> None:
    (root / "build").mkdir()
    (root / "build" / "cache").write_text("not a directory", encoding="utf-8")
    notes = cached_equals_clean(root, "blocked")
    assert any("build cache: not used" in n and "is not a directory" in n for n in notes), notes
    assert not any("reused from build/cache/" in n for n in notes)


def test_a_cache_reached_through_a_link_is_not_used_and_nothing_is_written_through_it(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "build").mkdir()
    os.symlink(elsewhere, root / "build" / "cache")
    notes = cached_equals_clean(root, "linked")
    assert any("build cache: not used" in n and "is a symbolic link" in n for n in notes), notes
    assert not any(elsewhere.iterdir())


def test_each_part_is_kept_exactly(root: Path) -> None:
    from tradetalks.pipeline.run import article_parts
    from tradetalks.pipeline.sources import load_index

    sources, todo, _ = load_index(root)
    parts = article_parts(root, sources, todo, cache=False).frames
    for name, frame in parts.items():
        again = cache_module._from_ipc(name, cache_module._ipc(frame))
        assert again is not None and again.equals(frame) and again.schema == frame.schema, name
    assert cache_module._from_ipc("quotes", b"not arrow") is None


def test_entries_are_cut_by_the_ids_alone() -> None:
    ids = [f"article-{i:06d}" for i in range(12 * cache_module.ENTRY_ARTICLES)]
    groups = cache_module.entry_groups(ids)
    assert [a for g in groups for a in g] == ids and 3 < len(groups) < 40
    # An article removed changes the entry that held it (joined to the next when it ended one), and no other.
    fewer = cache_module.entry_groups(ids[:1000] + ids[1001:])
    assert len([g for g in groups if g not in fewer]) == 1


def test_an_article_recorded_in_two_entries_is_taken_once(root: Path) -> None:
    n = len(articles(root))
    cached_equals_clean(root, "first")
    recorded = index(root)
    for entry, record in list(recorded["entries"].items()):  # a second entry, the first's files under another name
        twin = hashlib.sha256(entry.encode()).hexdigest()
        for name in cache_module.PART_SCHEMAS:
            shutil.copyfile(cache_dir(root) / f"{entry}.{name}.arrow", cache_dir(root) / f"{twin}.{name}.arrow")
        recorded["entries"][twin] = record
    (cache_dir(root) / "index.json").write_text(json.dumps(recorded), encoding="utf-8")
    assert reused(cached_equals_clean(root, "twice")) == n


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(1, 3)), max_size=30),  # per article in id order: cached or not, its rows
    st.sampled_from([0, 1, 3, 64]),
)
def test_cached_and_computed_rows_come_out_in_article_order(articles: list[tuple[bool, int]], max_cuts: int) -> None:
    from tradetalks.pipeline import run

    rows = [(f"a{i:03d}", cached, j) for i, (cached, n) in enumerate(articles) for j in range(n)]
    frame = pl.DataFrame(rows, schema={"article_id": pl.String, "cached": pl.Boolean, "row": pl.Int64}, orient="row")
    kept, fresh = frame.filter(pl.col("cached")), frame.filter(~pl.col("cached"))
    with pytest.MonkeyPatch.context() as patch:  # past `max_cuts` places, the two are merged by copying
        patch.setattr(run, "MAX_CUTS", max_cuts)
        assert run.in_article_order(kept, fresh).equals(frame)
