"""The pipeline on tiny inline datasets: rows, ids, atomic and reproducible releases, CLI behaviour."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EVENTS, MEASURES, PEOPLE, TEXT, article_meta, bare_meta, make_dataset
from test_load import table_path
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import build, check


def test_fixture_tables(dataset):
    t = check(dataset).tables
    assert t["articles"]["title"].to_list() == ["Trade talks set for next week"]
    quotes = t["quotes"].sort("char_start")
    assert quotes["evidence"].to_list() == ["We will meet in person\nnext week,", "not sustainable"]
    assert quotes["text"][0] == "We will meet in person next week,"
    people = t["people"].sort("person_id")
    # Bessent: "Scott Bessent" + "Bessent"; He Lifeng: only "He Lifeng" (the second "He" is a pronoun, curated).
    assert dict(zip(people["person_id"], people["n_mentions"], strict=True)) == {"he-lifeng": 1, "scott-bessent": 2}
    ev = t["evidence"]
    assert set(ev["method"]) == {"rule:alias", "curated"}
    # Nothing inside the boilerplate line is in any table.
    boiler = TEXT.index("ALSO READ")
    for name, df in t.items():
        if name != "articles" and "char_start" in df.columns:
            assert (df["char_start"] < boiler).all(), name


def test_unresolved_ambiguous_alias_fails(tmp_path):
    meta = article_meta(TEXT, not_mentions=[])
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    with pytest.raises(DatasetError, match=r"ambiguous alias 'He' at offset \d+"):
        check(tmp_path)


def test_unknown_references_are_named(tmp_path):
    meta = article_meta(TEXT)
    meta["quotes"][0]["speaker"] = "nobody"
    meta["events"][0]["event"] = "no-such-event"
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    with pytest.raises(DatasetError) as info:
        check(tmp_path)
    msgs = "\n".join(map(str, info.value.problems))
    assert "[quotes[0].speaker]: unknown person 'nobody'" in msgs
    assert "[events[0].event]: unknown event 'no-such-event'; fix the id's spelling, or register it: paste into dataset/events.yml" in msgs


def test_disagreement_needs_a_dispute_note(tmp_path):
    text2 = "Bessent said the 100% tariff would start on November 1.\n"
    meta2 = bare_meta(
        text2,
        article_id="second",
        measures=[{"measure": "us-100pct-tariff", "evidence": "the 100% tariff", "claims": {"rate_pct": 50}}],
    )
    arts = {"talks-next-week": (TEXT, article_meta(TEXT)), "second": (text2, meta2)}
    make_dataset(tmp_path, arts)
    with pytest.raises(DatasetError, match=r"articles disagree on rate_pct of 'us-100pct-tariff' \(100: talks-next-week; 50: second\)"):
        check(tmp_path)
    resolution = {"field": "rate_pct", "values": ["100", "50"], "note": "second article misreports the rate"}
    make_dataset(tmp_path, arts, measures=[dict(MEASURES[0], disputes=[resolution])])
    t = check(tmp_path).tables
    row = t["tariff_measures"].row(0, named=True)
    assert row["disputed"] is True and row["n_articles"] == 2
    disputes = t["disputes"].sort("value")
    assert disputes["value"].to_list() == ["100", "50"] and disputes["used"].to_list() == [True, False]
    assert disputes["articles"].to_list() == [["talks-next-week"], ["second"]]
    assert set(disputes["resolution"]) == {"second article misreports the rate"}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_release_is_reproducible_and_atomic(dataset, tmp_path):
    out = tmp_path / "builds" / "working"
    first = build(dataset, out).release_dir
    snapshot = _snapshot(first)
    second = build(dataset, out).release_dir
    assert _snapshot(second) == snapshot
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["version"] and set(manifest["tables"]) == {
        "articles",
        "people",
        "quotes",
        "events",
        "tariff_measures",
        "evidence",
        "disputes",
        "measure_steps",
        "measure_events",
        "places",
        "outlets",
    }

    # A failing build leaves the previous release byte-identical and no temporary directory behind.
    (dataset / "dataset/people.yml").write_text("people: [", encoding="utf-8")
    with pytest.raises(DatasetError):
        build(dataset, out)
    assert _snapshot(second) == snapshot
    assert sorted(p.name for p in out.parent.iterdir() if not p.name.startswith(".lock")) == [second.name]


def test_rows_are_sorted_by_id(dataset, tmp_path):
    rel = build(dataset, tmp_path / "out").release_dir
    for name, key in [("quotes", "quote_id"), ("evidence", "evidence_id"), ("people", "person_id")]:
        ids = pl.read_parquet(table_path(rel, name))[key].to_list()
        assert ids == sorted(ids)


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_ids_do_not_depend_on_source_order(tmp_path_factory, rnd: random.Random):
    """Shuffling registries and annotation lists changes no id and no row."""
    base = check(make_dataset(tmp_path_factory.mktemp("a"))).tables
    meta = article_meta(TEXT)
    for key in ("quotes", "roles", "events", "measures"):
        rnd.shuffle(meta[key])
    people, events = list(PEOPLE), list(EVENTS)
    rnd.shuffle(people)
    shuffled = check(make_dataset(tmp_path_factory.mktemp("b"), {"talks-next-week": (TEXT, meta)}, people=people, events=events)).tables
    for name in base:
        assert base[name].equals(shuffled[name]), name


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tradetalks.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_validate_ok_and_error_without_traceback(dataset):
    ok = run_cli("validate", cwd=dataset)
    assert ok.returncode == 0, ok.stderr
    assert "valid: 1 articles" in ok.stdout
    meta = article_meta(TEXT, language="english")
    meta["quotes"][0]["evidence"] = "We shall meet"
    make_dataset(dataset, {"talks-next-week": (TEXT, meta)})
    bad = run_cli("validate", cwd=dataset)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert "dataset/articles/talks-next-week.yml:" in bad.stderr and "[language]" in bad.stderr


def test_cli_build_prints_summary(dataset, tmp_path):
    res = run_cli("build", "--out", str(tmp_path / "rel"), cwd=dataset)
    assert res.returncode == 0, res.stderr
    assert "quotes" in res.stdout and "working build written to" in res.stdout
    assert "no published release yet" in res.stdout


def test_ambiguous_alias_curated_by_a_phrase_around_it(tmp_path):
    """`not_mentions`/`mentions` may quote a phrase around the alias; the evidence row is the alias itself."""
    meta = article_meta(TEXT, not_mentions=[{"evidence": "He added", "reason": "pronoun (Bessent)"}])
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    assert check(tmp_path).tables["people"].filter(pl.col("person_id") == "he-lifeng")["n_mentions"].item() == 1
    meta = article_meta(TEXT, not_mentions=[], mentions=[{"person": "he-lifeng", "evidence": "He added", "note": "test"}])
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    ev = check(tmp_path).tables["evidence"].filter(pl.col("method") == "curated", pl.col("subject_id") == "he-lifeng")
    assert ev["evidence"].to_list() == ["He"] and ev["char_start"].item() == TEXT.index("He added")
    meta = article_meta(TEXT, not_mentions=[{"evidence": "Bessent wrote", "reason": "no alias here"}, {"evidence": "He added", "reason": "pronoun"}])
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    with pytest.raises(DatasetError, match="contains no undecided occurrence of an ambiguous alias"):
        check(tmp_path)
