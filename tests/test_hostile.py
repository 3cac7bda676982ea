"""Hostile and broken input: every bad contribution stops with a clear error, and loses nothing.

Each case builds a good release first, breaks the input, rebuilds, and checks: the build fails
with a message naming file, line and field; the previous release is byte-identical.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EVENTS, MEASURES, PEOPLE, TEXT, article_meta, make_dataset
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import build

ART = "dataset/articles/talks-next-week.yml"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def released(tmp_path):
    """A dataset with a good release already built into tmp/out."""
    root = make_dataset(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out)
    return root, out, snapshot(out)


def rejected(root: Path, out: Path, before: dict, *fragments: str) -> str:
    with pytest.raises(DatasetError) as info:
        build(root, out)
    text = "\n".join(map(str, info.value.problems))
    for fragment in fragments:
        assert fragment in text, text
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    return text


def with_meta(root: Path, **changes) -> None:
    meta = article_meta(TEXT, **changes)
    make_dataset(root, {"talks-next-week": (TEXT, meta)})


def test_malformed_yaml(released):
    root, out, before = released
    (root / ART).write_text("article_id: talks-next-week\nquotes: [\n  - {evidence: x\n", encoding="utf-8")
    rejected(root, out, before, f"{ART}:", "malformed YAML")


def test_alias_bomb_is_refused_fast(released):
    root, out, before = released
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)
    ]
    (root / "dataset/events.yml").write_text("\n".join(lines) + "\nevents: *a11\n", encoding="utf-8")
    t = time.perf_counter()
    rejected(root, out, before, "dataset/events.yml:", "anchors and aliases")
    assert time.perf_counter() - t < 30


def test_huge_yaml_file_is_refused(released):
    root, out, before = released
    (root / "dataset/people.yml").write_text("people: []\n" + "# padding\n" * 300_000, encoding="utf-8")
    rejected(root, out, before, "dataset/people.yml", "at most 2,000,000")


def test_non_utf8_article(released):
    root, out, before = released
    (root / "dataset/articles/talks-next-week.txt").write_bytes(TEXT.encode() + b"\xff\xfe")
    rejected(root, out, before, "dataset/articles/talks-next-week.txt:", "not valid UTF-8")


def test_bom_article(released):
    root, out, before = released
    (root / "dataset/articles/talks-next-week.txt").write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    rejected(root, out, before, "talks-next-week.txt:1", "byte-order mark")


def test_crlf_article_is_kept_as_received_with_exact_spans(tmp_path):
    """Decision: CRLF is the text as received; offsets count the \\r; the sha256 is of those bytes."""
    text = TEXT.replace("\n", "\r\n")
    root = make_dataset(tmp_path, {"talks-next-week": (text, article_meta(text))})
    tables = build(root, tmp_path / "out").tables
    q = tables["quotes"].sort("char_start")
    assert q["evidence"][0] == "We will meet in person\r\nnext week,"
    assert tables["articles"]["text"][0] == text


def test_empty_article(released):
    root, out, before = released
    (root / "dataset/articles/talks-next-week.txt").write_bytes(b"  \n")
    rejected(root, out, before, "talks-next-week.txt", "article text is empty")


def test_absent_evidence(released):
    root, out, before = released
    meta = article_meta(TEXT)
    meta["quotes"][0]["evidence"] = "We will meet in persn next week,"
    make_dataset(root, {"talks-next-week": (TEXT, meta)})
    rejected(root, out, before, f"{ART}:", "[quotes[0].evidence]", "closest match at")


def test_ambiguous_evidence(released):
    root, out, before = released
    meta = article_meta(TEXT)
    meta["roles"][0]["evidence"] = "Bessent"
    make_dataset(root, {"talks-next-week": (TEXT, meta)})
    rejected(root, out, before, "[roles[0].evidence]", "appears 2 times", "occurrence")


def test_evidence_in_boilerplate(released):
    root, out, before = released
    meta = article_meta(TEXT)
    meta["roles"][0]["evidence"] = "Another story"
    make_dataset(root, {"talks-next-week": (TEXT, meta)})
    rejected(root, out, before, "[roles[0].evidence]", "lies in site boilerplate")


def test_duplicate_ids_in_registry(released):
    root, out, before = released
    make_dataset(root, people=PEOPLE + [dict(PEOPLE[0], aliases=["S. Bessent"])])
    rejected(root, out, before, "dataset/people.yml:", "[people[2].person_id]", "duplicate id 'scott-bessent'")


@pytest.mark.parametrize(
    "kind,field,value,message",
    [
        ("quotes", "speaker", "nobody", "unknown person 'nobody'"),
        ("events", "event", "no-such-event", "unknown event 'no-such-event'"),
        ("measures", "measure", "no-such-measure", "unknown measure 'no-such-measure'"),
    ],
)
def test_unknown_reference(released, kind, field, value, message):
    root, out, before = released
    meta = article_meta(TEXT)
    meta[kind][0][field] = value
    make_dataset(root, {"talks-next-week": (TEXT, meta)})
    rejected(root, out, before, f"{ART}:", f"[{kind}[0].{field}]", message)


def test_impossible_date(released):
    root, out, before = released
    with_meta(root, reference_date="2025-02-30")
    rejected(root, out, before, f"{ART}:", "[reference_date]", "real calendar date", "2025-02-30")


def test_reference_date_after_publication(released):
    """Rule: an article cannot be written (reference_date) after it was published."""
    root, out, before = released
    with_meta(root, published_date="2025-10-10", published_date_precision="day")
    rejected(root, out, before, f"{ART}:", "[reference_date]", "later than published_date 2025-10-10")


def test_end_before_start(released):
    root, out, before = released
    make_dataset(root, events=[dict(EVENTS[0], date_end="2025-10-01")])
    rejected(root, out, before, "dataset/events.yml:", "[events[0].date_end]", "is before date_start")


@pytest.mark.parametrize("rate", [-5, 100000])
def test_negative_or_absurd_rate(released, rate):
    root, out, before = released
    make_dataset(root, measures=[dict(MEASURES[0], rate_pct=rate)])
    rejected(root, out, before, "dataset/measures.yml:", "[measures[0].rate_pct]")


def test_unknown_enum_value(released):
    root, out, before = released
    make_dataset(root, measures=[dict(MEASURES[0], instrument="rumoured")])
    rejected(root, out, before, "[measures[0].instrument]", "expected one of", "'rumoured'")


@pytest.mark.parametrize("bad_id", ["../escape", "a/b", "Scott-Bessent", ".."])
def test_ids_with_path_separators_or_dots(released, bad_id):
    root, out, before = released
    make_dataset(root, people=[dict(PEOPLE[0], person_id=bad_id), PEOPLE[1]])
    rejected(root, out, before, "[people[0].person_id]", "expected a slug id (lower-case words joined by -) like ", f"found the text {bad_id!r}")


def test_article_id_differing_only_in_case(released):
    root, out, before = released
    (root / "dataset/articles/Talks-Next-Week.txt").write_bytes(TEXT.encode())
    rejected(root, out, before, "Talks-Next-Week", "not a valid article id")


def test_deleted_article_that_annotations_still_point_to(released):
    root, out, before = released
    (root / "dataset/articles/talks-next-week.txt").unlink()
    rejected(root, out, before, f"{ART}: annotation file has no raw text")


def test_cli_error_is_plain_text_without_traceback(released):
    root, out, before = released
    meta = article_meta(TEXT, language="english")
    meta["quotes"][0]["kind"] = "whole"
    make_dataset(root, {"talks-next-week": (TEXT, meta)})
    res = subprocess.run([sys.executable, "-m", "tradetalks.cli", "build", "--root", str(root), "--out", str(out)], capture_output=True, text=True)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr + res.stdout
    assert "2 problem(s) found" in res.stderr
    assert f"{ART}:" in res.stderr and "[language]" in res.stderr and "[quotes[0].kind]" in res.stderr
    assert snapshot(out) == before


def test_suggest_on_a_text_of_blank_lines_ends():
    """150 kB of blank lines once kept `suggest` busy for minutes (a look-ahead scanned every line
    break's following blank lines again); the bound is generous: it guards termination, not speed."""
    code = "from tradetalks.authoring.suggest import suggest; print(suggest('\\n' * 150000, article_id='runs', people=[], reference_date=None)[:20])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
