"""The contribution gates: draft markers refused, every problem in one run, messages that say what to write,
per-article name variants, and one-article validation equal to the full one.

Hostile-input style: each case breaks a good dataset and checks what the contributor is told, and
that no build is written while any problem exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EVENTS, MEASURES, PEOPLE, REPO, TEXT, article_meta, make_dataset, write_yaml
from tradetalks.contract import input_files as files
from tradetalks.errors import DatasetError, Problem
from tradetalks.pipeline.hints import expected
from tradetalks.pipeline.markers import DRAFT_MARKERS, MAX_MARKERS_SHOWN, draft_markers
from tradetalks.pipeline.per_article import check_articles
from tradetalks.pipeline.run import build, check

ART = "dataset/articles/talks-next-week.yml"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def problems(root: Path) -> list[Problem]:
    with pytest.raises(DatasetError) as info:
        check(root)
    return info.value.problems


def text_of(found: list[Problem]) -> str:
    return "\n".join(map(str, found))


@pytest.fixture
def released(tmp_path):
    root = make_dataset(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out)
    return root, out, snapshot(out)


# Draft markers.


def test_a_leftover_guess_stops_the_build_naming_file_and_line(released):
    root, out, before = released
    path = root / ART
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("language:"))
    lines[at] += "  # GUESS: English"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        build(root, out)
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == (ART, at + 1)
    assert "draft marker GUESS left in a comment" in problem.message and "delete the GUESS" in problem.message
    assert snapshot(out) == before


@pytest.mark.parametrize("marker", DRAFT_MARKERS)
def test_markers_in_values_and_registries_are_refused(dataset, marker):
    people = [dict(PEOPLE[0], country_note=f"{marker}: check the country")] + PEOPLE[1:]
    make_dataset(dataset, {"talks-next-week": (TEXT, article_meta(TEXT, reference_date_note=f"{marker}: say why"))}, people=people)
    found = problems(dataset)
    assert [(p.path, p.message.split(" left")[0]) for p in found] == [(ART, f"draft marker {marker}"), ("dataset/people.yml", f"draft marker {marker}")]
    for p in found:
        assert marker in (dataset / p.path).read_text(encoding="utf-8").splitlines()[p.line - 1]


def test_an_uppercase_word_in_a_value_is_no_marker_but_in_a_comment_it_is():
    text = 'reason: "GUESS WHO is a film title"\nnote: it is the # TODO list\nnote2: "a # in quotes, TODO: later"\n# DECIDE later\n'
    found = draft_markers(text, "f.yml")
    assert [(p.line, p.message.split(" (")[0]) for p in found] == [
        (2, "draft marker TODO left in a comment"),
        (3, "draft marker TODO left in a value"),
        (4, "draft marker DECIDE left in a comment"),
    ]


def test_marker_output_is_bounded_per_file():
    text = "".join(f"k{i}: v  # GUESS: {i}\n" for i in range(500))
    found = draft_markers(text, "f.yml")
    assert len(found) == MAX_MARKERS_SHOWN + 1
    assert found[-1].message.startswith(f"and {500 - MAX_MARKERS_SHOWN} more draft markers")


def test_a_suggest_draft_is_refused_until_every_marker_is_resolved(tmp_path):
    from tradetalks.authoring.suggest import draft as suggest_module
    from tradetalks.authoring.suggest import suggest

    assert (suggest_module.GUESS, suggest_module.DECIDE, suggest_module.TODO) == DRAFT_MARKERS
    root = make_dataset(tmp_path)
    draft = suggest(TEXT, article_id="talks-next-week", people=PEOPLE, reference_date=None)
    # Every label the draft writes ("# WORD:") is one of the shared markers.
    assert set(re.findall(r"#\s*([A-Z]{3,}):", draft)) <= set(DRAFT_MARKERS)
    (root / ART).write_text(draft, encoding="utf-8")
    found = [p for p in problems(root) if p.path == ART and "draft marker" in p.message]
    assert len(found) == MAX_MARKERS_SHOWN + 1
    lines = draft.splitlines()
    for p in found[:-1]:
        assert any(word in lines[p.line - 1] for word in DRAFT_MARKERS)


# Every problem in one run.


def _second_article(root: Path, **changes) -> None:
    text = "Bessent said the tariff talks went well.\n"
    meta = article_meta(text, article_id="second", title=None, segments=[], quotes=[], not_mentions=[], roles=[], events=[], measures=[])
    meta.update(changes)
    (root / "dataset/articles/second.txt").write_bytes(text.encode())
    write_yaml(root / "dataset/articles/second.yml", meta)


def test_schema_locate_reference_and_registry_problems_in_one_run(released):
    root, out, before = released
    meta = article_meta(TEXT)
    meta["quotes"][0]["evidence"] = "We will meet in persn next week,"  # locate
    meta["events"][0]["evidence"] = "on Fridya"  # locate, and ...
    meta["events"][0]["event"] = "no-such-event"  # ... an unknown event all the same
    meta["measures"][0]["claims"] = {"effective_date": "2025-10-01"}
    meta["measures"][0]["date_text"] = "on Friday"  # coverage: Friday is 17 October
    make_dataset(root, {"talks-next-week": (TEXT, meta)}, measures=[MEASURES[0], {**MEASURES[0], "measure_id": "broken", "status": "rumoured"}])
    _second_article(root, language="english")  # schema: left out, nothing else judged
    with pytest.raises(DatasetError) as info:
        build(root, out)
    found = info.value.problems
    fields = {(p.path, p.field) for p in found}
    assert {
        (ART, "quotes[0].evidence"),
        (ART, "events[0].evidence"),
        (ART, "events[0].event"),
        (ART, "measures[0].claims.effective_date"),
        ("dataset/articles/second.yml", "language"),
        ("dataset/measures.yml", "measures[1].status"),
    } <= fields
    # The quotation whose evidence did not locate is reported with a pointer to that evidence.
    assert "(or correct quotes[0].evidence, which did not locate)" in text_of(found)
    keys = [(p.path, -1 if p.line is None else p.line) for p in found]
    assert keys == sorted(keys)
    assert snapshot(out) == before


def test_an_invalid_registry_entry_hides_nothing_and_is_no_unknown_id(dataset):
    broken = dict(EVENTS[0], date_precision="fortnight")
    make_dataset(dataset, events=[broken])
    found = problems(dataset)
    assert [(p.path, p.field) for p in found] == [("dataset/events.yml", "events[0].date_precision")]
    assert "expected one of day, week, month, year, range (or null), found the text 'fortnight'" in found[0].message


def test_what_only_a_left_out_article_supports_is_not_judged(dataset):
    people = PEOPLE + [{"person_id": "wang-wentao", "name": "Wang Wentao", "aliases": ["Wang Wentao"]}]
    make_dataset(dataset, people=people)
    _second_article(dataset, language="english")
    (dataset / "dataset/articles/second.txt").write_text("Wang Wentao spoke.\n", encoding="utf-8")
    found = problems(dataset)
    # The second article's own problems only (its text changed, and its schema): nothing about wang-wentao.
    assert {p.path for p in found} == {"dataset/articles/second.yml"}


def test_every_article_left_out_still_reports_registry_problems(dataset):
    make_dataset(dataset, {"talks-next-week": (TEXT, article_meta(TEXT, language=None))}, measures=[dict(MEASURES[0], rate_pct=-5)])
    fields = [p.field for p in problems(dataset)]
    assert fields == ["language", "measures[0].rate_pct"]


# Messages that say what to write.


def test_null_date_says_a_date_is_wanted_with_an_example(dataset):
    make_dataset(dataset, {"talks-next-week": (TEXT, article_meta(TEXT, reference_date=None))})
    (p,) = problems(dataset)
    example = (files.ARTICLE["properties"]["reference_date"].get("examples") or ["2025-10-18"])[0]
    assert str(p).endswith(f"[reference_date]: expected a date like {example}, found nothing (null)")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", example)


def test_schema_examples_are_used_and_common_formats_have_their_own():
    assert expected({"type": "string", "pattern": files.SLUG, "examples": ["he-lifeng"]}) == "a slug id (lower-case words joined by -) like he-lifeng"
    assert expected({"type": ["string", "null"], "pattern": files.ISO3}) == "an ISO 3166-1 alpha-3 country code like USA (or null)"
    assert expected({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}) == "a date like 2025-10-18 or null"
    assert expected({"type": "string", "minLength": 1, "examples": ["Xinhua"]}) == "text like Xinhua"


def test_misspelt_field_gets_a_suggestion(dataset):
    meta = article_meta(TEXT)
    meta["quotes"][0]["speakr"] = meta["quotes"][0].pop("speaker")
    make_dataset(dataset, {"talks-next-week": (TEXT, meta)})
    found = text_of(problems(dataset))
    assert "unknown field 'speakr'; did you mean 'speaker'?" in found
    assert "'speaker' is required but missing; add `speaker:` with a slug id" in found


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real")
    shutil.copytree(REPO / "dataset", root / "dataset")
    return root


@pytest.mark.parametrize(
    "kind,field,registry,value",
    [
        ("events", "event", "events", "bessent-he-meeting"),
        ("measures", "measure", "measures", "us-chip-export-controls"),
        ("roles", "person", "people", "jamieson-greer-typo"),
    ],
)
def test_unknown_id_shows_an_entry_to_paste_that_is_refused_until_filled(real_copy, tmp_path, kind, field, registry, value):
    root = tmp_path / "repo"
    shutil.copytree(real_copy, root)
    art = root / "dataset/articles/kuala-lumpur-talks-start.yml"
    meta = yaml.safe_load(art.read_text(encoding="utf-8"))
    meta[kind][0][field] = value
    write_yaml(art, meta)
    (p,) = [p for p in problems(root) if p.field == f"{kind}[0].{field}"]
    assert f"paste into dataset/{registry}.yml" in p.message
    entry = p.message.split("\n", 1)[1]
    # Pasted at the end of the registry as shown, it parses as one more entry and names the id ...
    path = root / f"dataset/{registry}.yml"
    path.write_text(path.read_text(encoding="utf-8") + entry + "\n", encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))[registry]
    assert data[-1][{"people": "person_id", "events": "event_id", "measures": "measure_id"}[registry]] == value
    after = problems(root)
    assert not [q for q in after if q.field == f"{kind}[0].{field}"]
    # ... and validate refuses its placeholders until every TODO is resolved.
    assert any(q.path == f"dataset/{registry}.yml" and "draft marker TODO" in q.message for q in after)


def test_every_message_of_a_broken_dataset_says_what_to_write(released):
    """No message stops at what is wrong: each one names what to write, do or choose."""
    root, out, _ = released
    meta = article_meta(TEXT, language="EN", reference_date=None, authors=["nobody-known"])
    meta["quotes"][0]["evidence"] = "absent words"
    meta["quotes"][1]["kind"] = "whole"
    meta["roles"][0]["occurrence"] = 5
    make_dataset(root, {"talks-next-week": (TEXT, meta)}, events=[dict(EVENTS[0], date_end="2025-10-01")])
    (root / "dataset/articles/Bad Name.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        build(root, out)
    verbs = ("write", "add", "fix", "correct", "copy", "rename", "remove", "delete", "give", "paste", "register", "expected", "check")
    for p in info.value.problems:
        assert any(v in p.message for v in verbs), str(p)
        assert "NoneType" not in p.message


# Variants: a surface form of one article.

VARIANT_TEXT = "Treasury Secretary Scott Bessant met He Lifeng. Bessent said little.\n"


def _variant_dataset(root: Path, mention: dict, other_text: str | None = None) -> Path:
    meta = article_meta(
        VARIANT_TEXT, article_id="variant", title=None, segments=[], quotes=[], not_mentions=[], events=[], measures=[], roles=[], mentions=[mention]
    )
    articles = {"variant": (VARIANT_TEXT, meta), "talks-next-week": (TEXT, article_meta(TEXT))}
    if other_text is not None:
        articles["other"] = (
            other_text,
            article_meta(other_text, article_id="other", title=None, segments=[], quotes=[], not_mentions=[], events=[], measures=[], roles=[]),
        )
    return make_dataset(root, articles)


def test_a_variant_is_a_mention_of_its_person_in_its_article_only(tmp_path):
    other = "Scott Bessant and Bessent.\n"
    root = _variant_dataset(tmp_path, {"evidence": "Scott Bessant", "person": "scott-bessent", "variant": True}, other)
    t = check(root).tables
    ev = t["evidence"]
    variant = ev.filter(ev["variant"])
    assert variant.select("article_id", "subject_id", "evidence", "method").rows() == [("variant", "scott-bessent", "Scott Bessant", "curated")]
    assert not ev.filter((ev["article_id"] == "other") & (ev["evidence"] == "Scott Bessant")).height  # matches nothing elsewhere
    assert "Scott Bessant" not in t["people"].filter(t["people"]["person_id"] == "scott-bessent")["aliases"][0].to_list()
    assert ev.filter(~ev["variant"])["variant"].dtype.is_(ev["variant"].dtype)
    # n_mentions counts it: in "variant", the variant and the plain "Bessent".
    per_article = ev.filter((ev["subject_id"] == "scott-bessent") & (ev["article_id"] == "variant") & ev["claim_field"].is_null())
    assert per_article.height == 2


def test_a_variant_that_is_a_registered_alias_is_refused(tmp_path):
    root = _variant_dataset(tmp_path, {"evidence": "Bessent", "person": "scott-bessent", "variant": True})
    (p,) = problems(root)
    assert p.field == "mentions[0].variant" and "already an alias of 'scott-bessent'" in p.message and "remove `variant: true`" in p.message


def test_a_variant_of_an_unknown_person_shows_the_entry_to_paste(tmp_path):
    root = _variant_dataset(tmp_path, {"evidence": "Scott Bessant", "person": "scot-besant", "variant": True})
    found = problems(root)
    (p,) = [p for p in found if p.field == "mentions[0].person"]
    assert "unknown person 'scot-besant'; did you mean 'scott-bessent'?" in p.message and "- person_id: scot-besant" in p.message


def test_a_variant_over_a_registered_alias_of_someone_else_is_refused(tmp_path):
    root = _variant_dataset(tmp_path, {"evidence": "met He Lifeng", "person": "scott-bessent", "variant": True})
    (p,) = problems(root)
    assert p.field == "mentions[0].evidence" and "already finds 'He Lifeng' (he-lifeng)" in p.message


def test_variant_must_be_true_or_false(tmp_path):
    root = _variant_dataset(tmp_path, {"evidence": "Scott Bessant", "person": "scott-bessent", "variant": "yes"})
    (p,) = problems(root)
    assert p.field == "mentions[0].variant" and "expected true or false" in p.message


# Validating one article.


def _broken_corpus(tmp_path: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import generate

    root = generate(tmp_path / "synth", 12, seed=5)
    arts = root / "dataset/articles"
    y3 = arts / "synthetic-article-000003.yml"
    y3.write_text(y3.read_text(encoding="utf-8").replace("evidence: ", "evidence: Zzz ", 1) + "# TODO: more\n", encoding="utf-8")
    y5 = arts / "synthetic-article-000005.yml"
    data = yaml.safe_load(y5.read_text(encoding="utf-8"))
    data["events"][0]["event"] = "no-such-event"
    data["roles"][0]["person"] = "no-such-person"
    write_yaml(y5, data)
    t7 = arts / "synthetic-article-000007.txt"
    t7.write_text(t7.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    events = root / "dataset/events.yml"
    reg = yaml.safe_load(events.read_text(encoding="utf-8"))
    used = data["events"][1]["event"]
    for e in reg["events"]:
        if e["event_id"] == used:
            e["event_type"] = "party"
    write_yaml(events, reg)
    return root


def test_one_article_gets_the_answer_the_full_run_gives(tmp_path):
    root = _broken_corpus(tmp_path)
    full = problems(root)
    for n in (3, 5, 7, 1):
        stem = f"synthetic-article-{n:06d}"
        mine = {f"dataset/articles/{stem}.yml", f"dataset/articles/{stem}.txt"}
        with pytest.raises(DatasetError) if n != 1 else _no_error() as info:
            check_articles(root, [f"dataset/articles/{stem}.yml"])
        got = info.value.problems if n != 1 else []
        assert [p for p in got if p.path in mine] == [p for p in full if p.path in mine], stem
        # Registry problems: those of the entries this article uses, each as the full run reports it.
        assert all(p in full for p in got if p.path not in mine)
    with pytest.raises(DatasetError) as info:
        check_articles(root, ["dataset/articles/synthetic-article-000005.txt"])
    assert any(p.path == "dataset/events.yml" and "'party'" in p.message for p in info.value.problems)


class _no_error:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_one_article_reads_no_other_article(tmp_path):
    root = make_dataset(tmp_path)
    (root / "dataset/articles/broken.yml").write_text("quotes: [\n", encoding="utf-8")
    (root / "dataset/articles/broken.txt").write_bytes(b"\xff")
    assert check_articles(root, [root / ART]) == ["talks-next-week"]
    res = subprocess.run(
        [sys.executable, "-m", "tradetalks.cli", "validate", "--root", str(root), "dataset/articles/talks-next-week.txt"], capture_output=True, text=True
    )
    assert res.returncode == 0 and "valid: talks-next-week" in res.stdout
    res = subprocess.run(
        [sys.executable, "-m", "tradetalks.cli", "validate", "--root", str(root), "dataset/articles/broken.yml"], capture_output=True, text=True
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr and "broken.yml:" in res.stderr and "broken.txt" in res.stderr


def test_the_drafts_own_header_is_no_unresolved_marker():
    from tradetalks.pipeline.markers import DRAFT_HEADER, draft_markers

    reviewed = "\n".join(["# yaml-language-server: $schema=../../schemas/article.schema.json", *DRAFT_HEADER, "article_id: x", "title: null"])
    assert draft_markers(reviewed, "x.yml") == []
    # A marker on the header's own lines' neighbours is still one.
    assert len(draft_markers(reviewed + "\noutlet: null  # TODO: the outlet", "x.yml")) == 1
