"""The build cache (build/cache.py): a cached build is byte-identical to a clean one, and every
kind of input change is seen (the article's files, the registry entries it used, the alias maps,
the code), while files that are only touched are reused."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from test_load import table_path
from tradetalks.build import cache as cache_module
from tradetalks.build.errors import DatasetError
from tradetalks.build.pipeline import build

REPO = Path(__file__).resolve().parents[1]
ANCHORED = "bessent-he-talks-set-for-next-week"  # derives a date from the anchor event below
ANCHOR = "bessent-white-house-remarks-2025-10-17"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "dataset", tmp_path / "dataset")
    return tmp_path


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
    cached = outcome(root, root / f"out-{tag}-cached", True, notes)
    clean = outcome(root, root / f"out-{tag}-clean", False)
    assert cached == clean
    return notes


def spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the cache reads to check them (those it cannot trust by their stamps), as they are read."""
    calls: list[str] = []
    real = cache_module.read_regular

    def spy(path, shown, limit):  # noqa: ANN001
        calls.append(str(path))
        return real(path, shown, limit)

    monkeypatch.setattr(cache_module, "read_regular", spy)
    return calls


def test_cold_warm_and_clean_builds_are_byte_identical(root: Path) -> None:
    notes = cached_equals_clean(root, "cold")
    assert reused(notes) == 0
    notes = cached_equals_clean(root, "warm")
    assert reused(notes) == 5
    assert (root / "build" / "cache" / "articles" / "state.json").is_file()


def test_a_changed_annotation_is_recomputed_and_the_others_reused(root: Path) -> None:
    cached_equals_clean(root, "first")
    yml = root / "dataset" / "articles" / f"{ANCHORED}.yml"
    text = yml.read_text(encoding="utf-8")
    edited = text.replace("than the Friday-evening call", "than the Friday evening call", 1)
    assert edited != text
    yml.write_text(edited, encoding="utf-8")
    notes = cached_equals_clean(root, "edited")
    assert reused(notes) == 4


def test_a_changed_text_is_seen_even_with_the_same_size_and_times(root: Path) -> None:
    cached_equals_clean(root, "first")
    txt = root / "dataset" / "articles" / f"{ANCHORED}.txt"
    st = os.stat(txt)
    raw = txt.read_bytes()
    i = raw.index(b"Bessent")
    txt.write_bytes(raw[:i] + b"Bassent" + raw[i + 7 :])
    os.utime(txt, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same modification time: the change time still moves
    notes: list[str] = []
    cached = outcome(root, root / "out-cached", True, notes)
    assert cached == outcome(root, root / "out-clean", False)
    assert isinstance(cached, list) and any("text_sha256" in p for p in cached)  # the text no longer matches its annotation
    assert reused(notes) == 4


def test_a_file_changed_too_recently_to_trust_its_times_is_read_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stamp taken within RACY_NS of a change cannot prove the next change would move it.
    monkeypatch.setattr(cache_module, "RACY_NS", 10**18)
    cached_equals_clean(root, "first")
    calls = spy_reads(monkeypatch)
    notes = cached_equals_clean(root, "second")
    assert reused(notes) == 5
    assert len(calls) == 10  # every file re-hashed, none trusted by its stamp


def test_touching_a_file_reuses_it(root: Path) -> None:
    cached_equals_clean(root, "first")
    for p in (root / "dataset" / "articles").iterdir():
        p.touch()
    notes = cached_equals_clean(root, "touched")
    assert reused(notes) == 5


def test_a_changed_registry_entry_recomputes_the_articles_that_used_it(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_equals_clean(root, "first")
    events = root / "dataset" / "events.yml"
    before = events.read_text(encoding="utf-8")
    start = before.index(f"event_id: {ANCHOR}")
    # The anchor event moves a day: the dates derived from it in the articles that anchor on it change.
    changed = before[:start] + before[start:].replace('date_start: "2025-10-17"', 'date_start: "2025-10-16"', 1).replace(
        'date_end: "2025-10-17"', 'date_end: "2025-10-16"', 1
    )
    events.write_text(changed, encoding="utf-8")
    notes = cached_equals_clean(root, "moved")
    anchoring = sum(ANCHOR in p.read_text(encoding="utf-8") for p in (root / "dataset" / "articles").glob("*.yml"))
    assert anchoring >= 1
    assert reused(notes) <= 5 - anchoring

    # The scenario depends on the recorded entries: without them, the cache would keep stale rows.
    events.write_text(before, encoding="utf-8")
    cached_equals_clean(root, "restored")
    events.write_text(changed, encoding="utf-8")
    monkeypatch.setattr(cache_module, "_stale", lambda deps, reg: set())
    assert outcome(root, root / "out-blind", True) != outcome(root, root / "out-blind-clean", False)


def test_a_new_alias_recomputes_every_article(root: Path) -> None:
    cached_equals_clean(root, "first")
    people = root / "dataset" / "people.yml"
    text = people.read_text(encoding="utf-8")
    people.write_text(text.replace("aliases:\n", "aliases:\n      - Zzyzx Quillfeather\n", 1), encoding="utf-8")
    notes = cached_equals_clean(root, "alias")
    assert reused(notes) == 0


def test_new_code_recomputes_every_article(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_equals_clean(root, "first")
    real = cache_module.code_fingerprint
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: hashlib.sha256(real().encode() + b"changed").hexdigest())
    notes = cached_equals_clean(root, "code")
    assert reused(notes) == 0


def test_an_article_with_problems_is_never_kept(root: Path) -> None:
    yml = root / "dataset" / "articles" / f"{ANCHORED}.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + "# GUESS: who said it\n", encoding="utf-8")
    cached_equals_clean(root, "marked")
    notes = cached_equals_clean(root, "again")
    assert reused(notes) == 4
    problems = outcome(root, root / "out-third", True)
    assert isinstance(problems, list) and any("GUESS" in p for p in problems)


def test_a_removed_article_leaves_the_cache(root: Path) -> None:
    cached_equals_clean(root, "first")
    for suffix in (".txt", ".yml"):
        (root / "dataset" / "articles" / f"{ANCHORED}{suffix}").unlink()
    cached_equals_clean(root, "removed")
    notes = cached_equals_clean(root, "after")
    assert reused(notes) == 4


@pytest.mark.parametrize("damage", ["truncate", "garbage-state", "missing-segment"])
def test_a_damaged_cache_is_ignored(root: Path, damage: str) -> None:
    cached_equals_clean(root, "first")
    directory = root / "build" / "cache" / "articles"
    if damage == "truncate":
        for p in directory.glob("seg-*-evidence.arrow"):
            p.write_bytes(p.read_bytes()[:100])
    elif damage == "garbage-state":
        (directory / "state.json").write_text("{not json", encoding="utf-8")
    else:
        for p in directory.glob("seg-*-quotes.arrow"):
            p.unlink()
    notes = cached_equals_clean(root, "damaged")
    assert reused(notes) == 0
    assert any("unreadable" in n for n in notes) or damage == "garbage-state"
    notes = cached_equals_clean(root, "repaired")
    assert reused(notes) == 5


def test_many_small_edits_stay_byte_identical_and_compact(root: Path) -> None:
    cached_equals_clean(root, "first")
    yml = root / "dataset" / "articles" / f"{ANCHORED}.yml"
    for i in range(cache_module.MAX_SEGMENTS + 2):
        yml.write_text(yml.read_text(encoding="utf-8") + f"# edit {i}\n", encoding="utf-8")
        notes = cached_equals_clean(root, f"edit{i}")
        assert reused(notes) == 4
        segments = {p.name.split("-")[1] for p in (root / "build" / "cache" / "articles").glob("seg-*-articles.arrow")}
        assert len(segments) <= cache_module.MAX_SEGMENTS


def test_files_read_again_are_restamped_so_the_next_build_trusts_them(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # no file is too recent to trust here
    cached_equals_clean(root, "first")
    for p in (root / "dataset" / "articles").iterdir():
        p.touch()
    calls = spy_reads(monkeypatch)
    notes = cached_equals_clean(root, "touched")
    assert reused(notes) == 5 and len(calls) == 10  # new stamps: read to be sure, then recorded
    calls.clear()
    notes = cached_equals_clean(root, "again")
    assert reused(notes) == 5 and calls == []


# Unchanged tables: neither checked nor encoded again ----------------------------------------------


def edit_quote(root: Path) -> None:
    """A quote's reporting verb changes: the quotes table changes, the articles and evidence tables do not."""
    yml = root / "dataset" / "articles" / f"{ANCHORED}.yml"
    text = yml.read_text(encoding="utf-8")
    edited = text.replace('    cue: "characterized"\n', '    cue: "characterised"\n', 1)
    assert edited != text
    yml.write_text(edited, encoding="utf-8")


def inodes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def checked_tables(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from tradetalks.build import validate

    calls: list[str] = []
    real = validate.check_table
    monkeypatch.setattr(validate, "check_table", lambda name, df, problems, fresh=None: (calls.append(name), real(name, df, problems, fresh))[1])
    return calls


def test_a_rebuild_links_the_files_of_unchanged_tables_and_checks_only_changed_ones(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = root / "build" / "working"
    outcome(root, out, True)
    before = inodes(out)
    edit_quote(root)
    checked = checked_tables(monkeypatch)
    rebuilt = outcome(root, out, True)
    assert checked == ["quotes"]
    assert rebuilt == outcome(root, root / "out-clean", False)
    after = inodes(out)
    kept = {rel for rel in after if before.get(rel) == after[rel]}
    assert {
        "data/articles.parquet",
        "csv/articles.csv",
        "data/evidence.parquet",
        "csv/evidence.csv",
        "data/places.parquet",
    } <= kept  # linked from the last build
    assert "data/quotes.parquet" not in kept and "csv/quotes.csv" not in kept and "manifest.json" not in kept


@pytest.mark.parametrize("racy", [False, True])
def test_a_damaged_file_of_the_last_build_is_written_again(root: Path, monkeypatch: pytest.MonkeyPatch, racy: bool) -> None:
    # Not racy: its stamp would be trusted, were it unchanged; writing it moves its modification time.
    monkeypatch.setattr(cache_module, "RACY_NS", 10**18 if racy else 0)
    out = root / "build" / "working"
    outcome(root, out, True)
    csv = out / "csv" / "articles.csv"
    raw = bytearray(csv.read_bytes())
    raw[-2] = ord("X") if raw[-2] != ord("X") else ord("Y")  # same size, same inode
    csv.write_bytes(bytes(raw))
    edit_quote(root)
    assert outcome(root, out, True) == outcome(root, root / "out-clean", False)


def test_without_a_true_digest_unchanged_tables_would_be_stale(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The check above can fail: with every table's digest the same whatever its rows, the last
    # build's quotes files would be linked in, and the rebuild would differ from a clean one.
    monkeypatch.setattr("tradetalks.build.pipeline.table_digest", lambda df, **_: "same")
    out = root / "build" / "working"
    outcome(root, out, True)
    edit_quote(root)
    assert outcome(root, out, True) != outcome(root, root / "out-clean", False)


def test_another_target_or_version_reuses_nothing(root: Path) -> None:
    outcome(root, root / "one", True)
    first = inodes(root / "one")
    outcome(root, root / "two", True)
    assert not set(inodes(root / "two").values()) & set(first.values())


@pytest.mark.parametrize("what", ["links", "keys"])
@pytest.mark.parametrize("damage", ["garbage", "other-columns", "other-texts"])
def test_damaged_quote_links_and_keys_are_ignored(root: Path, damage: str, what: str) -> None:
    import polars as pl

    cached_equals_clean(root, "first")
    (path,) = (root / "build" / "cache" / "articles").glob(f"{what}-*.arrow")
    if damage == "garbage":
        path.write_bytes(b"ARROW1\x00\x00" + b"\xff" * 200)
    elif damage == "other-columns":
        pl.DataFrame({"a": [1, 2]}).write_ipc(path)
    elif what == "links":  # readable, of the right form, but for other texts
        df = pl.read_ipc(path)
        df.with_columns(pl.col(df.columns[0]) + " (changed)").write_ipc(path)
    else:  # the keys of another set of texts (as a build stopped between the two files would leave)
        path.rename(path.with_name(path.name[: -len(".arrow") - 16] + "0" * 16 + ".arrow"))
    edit_quote(root)
    cached_equals_clean(root, "damaged")


# The tables made from the evidence and the registries: reused while their inputs are unchanged ---


def subject_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from tradetalks.build import assemble

    calls: list[str] = []
    real = assemble.subject_rows
    monkeypatch.setattr(assemble, "subject_rows", lambda kind, *a: (calls.append(kind), real(kind, *a))[1])
    return calls


def rename_person(root: Path) -> None:
    """A registry edit that reaches only the people table: a person's display name."""
    people = root / "dataset" / "people.yml"
    text = people.read_text(encoding="utf-8")
    edited = text.replace('name: "Scott Bessent"', 'name: "Scott K. H. Bessent"', 1)
    assert edited != text
    people.write_text(edited, encoding="utf-8")


def test_derived_tables_are_reused_while_their_inputs_are_unchanged(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_equals_clean(root, "first")
    calls = subject_calls(monkeypatch)
    edit_quote(root)  # the quotes change; the evidence, the outlets and the registries do not
    cached = outcome(root, root / "out-quote", True)
    assert calls == []
    assert cached == outcome(root, root / "out-quote-clean", False)
    calls.clear()
    rename_person(root)  # a registry file changes: everything derived is made again
    cached = outcome(root, root / "out-person", True)
    assert calls == ["events", "measures"]
    assert cached == outcome(root, root / "out-person-clean", False)
    assert isinstance(cached, dict) and b"Scott K. H. Bessent" in cached["csv/people.csv"]


def edit_yml(root: Path, old: str, new: str) -> None:
    yml = root / "dataset" / "articles" / f"{ANCHORED}.yml"
    text = yml.read_text(encoding="utf-8")
    assert text.count(old) == 1
    yml.write_text(text.replace(old, new), encoding="utf-8")


def test_an_evidence_note_edit_reuses_the_derived_tables_and_a_claim_edit_does_not(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = cached_equals_clean(root, "first") and outcome(root, root / "out-first", False)
    calls = subject_calls(monkeypatch)
    # A note is in the evidence table, but none of the tables made from the evidence reads it.
    edit_yml(root, 'note: "Paraphrase of the Xinhua read-out, without quotation marks."', 'note: "A paraphrase of the Xinhua read-out."')
    cached = outcome(root, root / "out-note", True)
    assert calls == []
    assert cached == outcome(root, root / "out-note-clean", False)
    calls.clear()
    assert isinstance(first, dict) and isinstance(cached, dict)
    assert first["csv/evidence.csv"] != cached["csv/evidence.csv"] and first["csv/events.csv"] == cached["csv/events.csv"]
    # A claimed value is read by them: they are made again.
    edit_yml(root, 'location: "South Korea"', 'location: "Malaysia"')
    again = outcome(root, root / "out-claim", True)
    assert calls == ["events", "measures"]
    assert again == outcome(root, root / "out-claim-clean", False) and again != cached


def test_without_a_true_key_derived_tables_would_be_stale(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above can fail: with one key whatever the inputs, a renamed person would keep the old name.
    monkeypatch.setattr("tradetalks.build.assemble.derived_key", lambda *a: "0" * 64)
    cached_equals_clean(root, "first")
    rename_person(root)
    assert outcome(root, root / "out-stale", True) != outcome(root, root / "out-stale-clean", False)


def test_damaged_derived_tables_are_ignored(root: Path) -> None:
    import polars as pl

    cached_equals_clean(root, "first")
    files = sorted((root / "build" / "cache" / "derived").glob("*-people.arrow"))
    assert len(files) == 1
    pl.DataFrame({"person_id": ["x"]}).write_ipc(files[0])  # readable, but not a people table
    edit_quote(root)
    cached_equals_clean(root, "damaged")


def test_the_quote_links_and_keys_are_kept_for_the_next_build(root: Path) -> None:
    import polars as pl

    from tradetalks.build.detect.groups import normalise

    cached_equals_clean(root, "first")
    links = cache_module.ArticleCache.open(root, 0).quote_links()
    assert links is not None and links.keys is not None
    quotes = pl.read_parquet(table_path(root / "out-first-cached", "quotes"))
    assert links.nodes.to_list() == sorted({normalise(t) for t in quotes["text"].to_list()})
    assert set(links.keys["norm"].unique().to_list()) == set(links.nodes.to_list())


def hashed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the release writer hashes, as it hashes them."""
    from tradetalks.build import release

    names: list[str] = []
    real = release.sha256_file
    monkeypatch.setattr(release, "sha256_file", lambda path: (names.append(Path(path).name), real(path))[1])
    return names


@pytest.mark.parametrize("racy", [False, True])
def test_linked_output_files_are_read_unless_their_stamps_prove_them_unchanged(root: Path, monkeypatch: pytest.MonkeyPatch, racy: bool) -> None:
    # Not racy: every stamp taken after the write is trusted. Racy (every write counted as too
    # close to its stamp, as for a rebuild within 2 s): the linked files are read again.
    monkeypatch.setattr(cache_module, "RACY_NS", 10**18 if racy else 0)
    out = root / "build" / "working"
    outcome(root, out, True)
    edit_quote(root)
    hashed = hashed_files(monkeypatch)
    rebuilt = outcome(root, out, True)
    during = list(hashed)
    assert rebuilt == outcome(root, root / "out-clean", False)
    assert "quotes.parquet" in during  # written afresh, hashed once written (its CSV is hashed block by block as it is written)
    linked = {"articles.parquet", "articles.csv", "evidence.parquet", "evidence.csv"}
    assert (linked <= set(during)) if racy else not (linked & set(during))


# The quotes table: reused while its inputs are unchanged -----------------------------------------


def quote_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The quotes tables `assemble._quotes` makes (their rows), as it makes them."""
    from tradetalks.build import assemble

    calls: list[int] = []
    real = assemble._quotes
    monkeypatch.setattr(assemble, "_quotes", lambda quotes, *a: (calls.append(quotes.height), real(quotes, *a))[1])
    return calls


def test_the_quotes_table_is_reused_while_its_inputs_are_unchanged(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_equals_clean(root, "first")
    edit_text_outside_spans(root)  # the articles table changes; no quote does
    calls = quote_calls(monkeypatch)
    cached = outcome(root, root / "out-text", True)
    assert calls == []
    assert cached == outcome(root, root / "out-text-clean", False)
    calls.clear()  # (a clean build makes them)
    edit_quote(root)  # a quote's cue changes, not its text: the groups are the same
    cached = outcome(root, root / "out-quote", True)
    assert calls == []
    assert cached == outcome(root, root / "out-quote-clean", False)
    calls.clear()
    edit_grouped_quote(root)  # a quote's text changes: the groups are made again, once
    cached = outcome(root, root / "out-grouped", True)
    assert len(calls) == 1
    assert cached == outcome(root, root / "out-grouped-clean", False)
    assert len(list((root / "build" / "cache" / "derived").glob("*-quotes.arrow"))) == 1  # the last one only


def edit_grouped_quote(root: Path) -> None:
    """A quotation that three articles share changes in one of them, in its text and its annotations
    alike (same length: no offset moves, no quote id changes): the group of the other two shrinks."""
    txt = root / "dataset" / "articles" / "kuala-lumpur-talks-start.txt"
    yml = txt.with_suffix(".yml")
    raw = txt.read_text(encoding="utf-8")
    changed = raw.replace("not sustainable", "not sustainabel")
    assert changed != raw
    txt.write_text(changed, encoding="utf-8")
    old, new = (hashlib.sha256(t.encode("utf-8")).hexdigest() for t in (raw, changed))
    yml.write_text(yml.read_text(encoding="utf-8").replace("not sustainable", "not sustainabel").replace(old, new), encoding="utf-8")


def test_without_a_true_key_the_quotes_table_would_be_stale(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test above can fail: with one key whatever the quotes, the shrunk group would keep its old counts.
    cached_equals_clean(root, "first")
    edit_grouped_quote(root)
    cached_equals_clean(root, "edited")
    monkeypatch.setattr("tradetalks.build.assemble.quotes_key", lambda *a: "0" * 64)
    cached_equals_clean(root, "constant")  # the groups of the edited quotes are kept under that key
    # Back to the first texts: the groups change again, the quote ids do not.
    first_quotes = (root / "out-first-clean" / "csv" / "quotes.csv").read_bytes()
    for suffix in (".txt", ".yml"):
        shutil.copyfile(
            REPO / "dataset" / "articles" / f"kuala-lumpur-talks-start{suffix}", root / "dataset" / "articles" / f"kuala-lumpur-talks-start{suffix}"
        )
    stale, clean = outcome(root, root / "out-stale", True), outcome(root, root / "out-stale-clean", False)
    assert isinstance(clean, dict) and clean["csv/quotes.csv"] == first_quotes
    assert isinstance(stale, dict) and stale["csv/quotes.csv"] != clean["csv/quotes.csv"]


@pytest.mark.parametrize("damage", ["other-columns", "other-rows"])
def test_damaged_quote_groups_are_ignored(root: Path, damage: str) -> None:
    import polars as pl

    cached_equals_clean(root, "first")  # the quotes' groups are kept by a build that passes
    (path,) = (root / "build" / "cache" / "derived").glob("*-quotes.arrow")
    if damage == "other-columns":
        pl.DataFrame({"quote_id": ["x"]}).write_ipc(path)  # readable, but not the quotes' groups
    else:  # of the right form, but not of these quotes (one row fewer)
        pl.read_ipc(path).slice(1).write_ipc(path)
    edit_text_outside_spans(root)
    cached_equals_clean(root, "damaged")


# The span invariant after a text edit: only the edited article's rows are checked again ----------


def edit_text_outside_spans(root: Path) -> None:
    """One letter of the anchored article's text, outside every row's span, changes (with its
    text_sha256): the articles table changes, the tables of rows with spans need not."""
    import polars as pl

    built = root / "out-spans"
    build(root, built, cache=False)
    covered: set[int] = set()
    for name in ("evidence", "quotes", "people", "events", "tariff_measures"):
        rows = pl.read_parquet(table_path(built, name)).filter(pl.col("article_id") == ANCHORED)
        for start, end in rows.select("char_start", "char_end").iter_rows():
            covered.update(range(start - 40, end + 40))  # with a margin: detection reads words around a span
    segments = pl.read_parquet(table_path(built, "articles")).filter(pl.col("article_id") == ANCHORED)["segments"].explode().drop_nulls()
    for segment in segments.to_list():
        covered.update(range(segment["char_start"] - 40, segment["char_end"] + 40))
    txt = root / "dataset" / "articles" / f"{ANCHORED}.txt"
    raw = txt.read_text(encoding="utf-8")
    i = next(i for i in range(len(raw) - 1, 0, -1) if i not in covered and raw[i] in "aeiou" and raw[i - 1].islower())
    changed = raw[:i] + ("o" if raw[i] != "o" else "a") + raw[i + 1 :]
    txt.write_text(changed, encoding="utf-8")
    yml = txt.with_suffix(".yml")
    old, new = (hashlib.sha256(t.encode("utf-8")).hexdigest() for t in (raw, changed))
    yml.write_text(yml.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_after_a_text_edit_the_spans_of_that_articles_rows_are_checked_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = root / "build" / "working"
    first = outcome(root, out, True)
    edit_text_outside_spans(root)
    seen: list[list[str] | None] = []
    real = cache_module.ArticleCache.texts_changed

    def spy(self, articles, validated):  # noqa: ANN001, ANN202
        found = real(self, articles, validated)
        seen.append(None if found is None else found.to_list())
        return found

    monkeypatch.setattr(cache_module.ArticleCache, "texts_changed", spy)
    checked = checked_tables(monkeypatch)
    rebuilt = outcome(root, out, True)
    assert checked == ["articles"] and seen == [[ANCHORED]]  # the rows' own checks: only the articles table's
    assert rebuilt == outcome(root, root / "out-clean", False)
    assert isinstance(first, dict) and isinstance(rebuilt, dict)
    assert first["csv/articles.csv"] != rebuilt["csv/articles.csv"] and first["csv/evidence.csv"] == rebuilt["csv/evidence.csv"]


def test_the_span_check_of_an_unchanged_table_reads_the_rows_of_the_articles_named(root: Path) -> None:
    import polars as pl

    from tradetalks.build.errors import Collector
    from tradetalks.build.validate import check_relations
    from tradetalks.schemas.tables import MODELS

    tables = build(root, root / "out", cache=False).tables
    evidence = tables["evidence"]
    first = evidence.filter(pl.col("article_id") == ANCHORED)["evidence_id"][0]
    tables["evidence"] = evidence.with_columns(pl.when(pl.col("evidence_id") == first).then(pl.lit("not the text")).otherwise("evidence").alias("evidence"))
    unchanged = set(MODELS) - {"articles"}  # as after a text edit

    def span_problems(texts_changed: pl.Series | None) -> list[str]:
        problems = Collector()
        check_relations(tables, problems, True, unchanged, texts_changed)
        return [p.message for p in problems.problems if first in p.message]

    others = pl.Series(sorted(set(tables["articles"]["article_id"]) - {ANCHORED}))
    assert span_problems(None) and span_problems(pl.Series([ANCHORED]))
    assert span_problems(others) == []  # a row of an article whose text is as it was when it passed is not read again


def test_after_a_note_edit_only_the_new_evidence_row_is_checked_row_by_row(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = root / "build" / "working"
    first = build(root, out).tables["evidence"]
    edit_yml(root, 'note: "Paraphrase of the Xinhua read-out, without quotation marks."', 'note: "A paraphrase of the Xinhua read-out."')
    from tradetalks.build import validate

    seen: dict[str, list[str] | None] = {}
    real = validate.check_table

    def spy(name, df, problems, fresh=None):  # noqa: ANN001, ANN202
        seen[name] = None if fresh is None else df.filter(fresh)["evidence_id"].to_list()
        return real(name, df, problems, fresh)

    monkeypatch.setattr(validate, "check_table", spy)
    again = build(root, out).tables["evidence"]
    changed = again.join(first, on=again.columns, how="anti", nulls_equal=True)["evidence_id"].to_list()
    assert len(changed) == 1 and seen == {"evidence": changed}
    assert outcome(root, out, True) == outcome(root, root / "out-clean", False)


def test_checks_of_the_evidence_claims_are_skipped_only_while_they_are_settled(root: Path) -> None:
    import polars as pl

    from tradetalks.build.errors import Collector
    from tradetalks.build.validate import EVIDENCE_CLAIMS, check_relations
    from tradetalks.schemas.tables import MODELS

    tables = build(root, root / "out", cache=False).tables
    tables["people"] = tables["people"].with_columns(pl.col("n_articles") + 1)  # a count the evidence does not give

    def count_problems(unchanged: set[str]) -> list[str]:
        problems = Collector()
        check_relations(tables, problems, True, unchanged)
        return [p.message for p in problems.problems if "n_articles" in p.message]

    others = set(MODELS) - {"evidence"}  # as after a note edit
    assert count_problems(others)  # the evidence changed: the counts are checked again
    assert count_problems(others | {EVIDENCE_CLAIMS}) == []  # its claims (and so the people) are those of a build that passed


def test_an_index_read_ahead_is_read_again_when_another_build_has_stored_since(root: Path) -> None:
    import time

    from tradetalks.build.assemble import registries
    from tradetalks.build.sources import load_index

    outcome(root, root / "out-first", True)
    store = cache_module.ArticleCache.open(root, time.time_ns())
    store.prefetch()
    assert store._stored is not None
    before = store._stored.result()
    assert before is not None
    edit_quote(root)
    outcome(root, root / "out-second", True)  # stores a new generation, and removes the files of the one read ahead
    sources, todo, _ = load_index(root)
    found = store.lookup(todo, sources.stamps, registries(sources))
    assert store.note is None and len(found.hits) == 5
    assert store.state["generation"] == before[0]["generation"] + 1


def test_a_rebuild_copies_the_unchanged_row_groups_and_csv_blocks_of_the_last_files(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tradetalks.build import release

    monkeypatch.setattr(release, "ROW_GROUP", 4)  # several row groups in the real dataset's large tables
    written: dict[str, tuple[int, int]] = {}  # file -> (pieces copied, pieces in the file)
    real_groups, real_blocks = release._write_groups, release.write_csv_blocks

    def spy_groups(df, path, schema, options, arrow, groups):  # noqa: ANN001, ANN202
        real_groups(df, path, schema, options, arrow, groups)
        written[path.name] = (groups.reused, len(groups.keys))

    def spy_blocks(path, df, blocks):  # noqa: ANN001, ANN202
        sha = real_blocks(path, df, blocks)
        written[path.name] = (blocks.reused, len(blocks.blocks))
        return sha

    monkeypatch.setattr(release, "_write_groups", spy_groups)
    monkeypatch.setattr(release, "write_csv_blocks", spy_blocks)
    out = root / "build" / "working"
    build(root, out)
    assert {"evidence.parquet", "evidence.csv", "quotes.csv"} <= set(written)
    assert all(copied == 0 for copied, _ in written.values())  # nothing to copy from
    written.clear()
    edit_yml(root, 'note: "Paraphrase of the Xinhua read-out, without quotation marks."', 'note: "A paraphrase of the Xinhua read-out."')
    build(root, out)
    assert sorted(written) == ["evidence.csv", "evidence.parquet"]  # the only table changed; the others' files are linked
    copied, groups = written["evidence.parquet"]
    assert copied == groups - 1  # one row changed: one row group encoded
    copied, blocks = written["evidence.csv"]
    assert blocks - 2 <= copied < blocks  # one or two blocks encoded (two when the row changed was a block's last)
    assert outcome(root, out, True) == outcome(root, root / "out-clean", False)
    # What was kept of a linked file stays: a later edit of the quotes still copies their pieces.
    written.clear()
    edit_quote(root)
    build(root, out)
    assert 0 < written["quotes.parquet"][0] < written["quotes.parquet"][1]
    assert 0 < written["quotes.csv"][0] < written["quotes.csv"][1]
    assert outcome(root, out, True) == outcome(root, root / "out-clean2", False)


def test_computed_chunks_are_held_as_frames_in_order() -> None:
    """What the workers computed is taken in as frames (not Python objects), every row in order."""
    whole = cache_module.Computed()
    chunks = []
    for n in range(3):
        chunk = cache_module.Computed()
        for i in range(n + 1):
            chunk.add(f"a{n}{i}", f"t{n}{i}", f"y{n}{i}", {("people", f"p{i}"), ("events", f"e{n}")})
        chunks.append(chunk)
        whole.extend(chunk)
    assert not whole.article_id and not whole.dep_article  # no Python lists kept
    assert not whole.empty() and cache_module.Computed().empty()
    assert whole.articles().rows() == [(a, t, y) for c in chunks for a, t, y in zip(c.article_id, c.txt_sha, c.yml_sha, strict=True)]
    assert whole.deps().rows() == [row for c in chunks for row in zip(c.dep_article, c.dep_kind, c.dep_key, strict=True)]


def test_the_listing_stamps_are_held_as_a_frame(tmp_path: Path) -> None:
    store = cache_module.ArticleCache.open(tmp_path, 0)
    stamps = {"a.txt": (1, 2, 3, 4), "a.yml": (5, 6, 7, 8)}
    expected = cache_module.stamps_frame(dict(stamps))
    store.hold_stamps(stamps)
    assert stamps == {}
    assert store._listed(stamps).equals(expected)
