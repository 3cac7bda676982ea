"""suggest: a YAML draft of an article's annotation file; every guess marked, every evidence locatable."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest
import yaml

from tradetalks.build.errors import DatasetError
from tradetalks.build.locate import locate
from tradetalks.build.suggest import suggest, suggest_file
from tradetalks.schemas.files import ARTICLE
from conftest import PEOPLE, REPO, TEXT, make_dataset

ARTICLES = REPO / "dataset" / "articles"


def locate_all(text: str, doc: dict) -> None:
    for kind in ("quotes", "mentions", "not_mentions"):
        for item in doc[kind]:
            locate(text, item["evidence"], occurrence=item.get("occurrence"))


def test_draft_of_a_real_article_parses_and_holds_the_detected_quotes():
    text = (ARTICLES / "us-china-envoys-set-trade-talks.txt").read_text(encoding="utf-8")
    draft = suggest(text, article_id="us-china-envoys-set-trade-talks", people=PEOPLE, reference_date=date(2025, 10, 18))
    doc = yaml.safe_load(draft)
    jsonschema.validate(doc, ARTICLE, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    evidence = [q["evidence"] for q in doc["quotes"]]
    assert evidence.count("We will meet in person next week to continue our discussions.") == 2  # the body appears twice
    assert "He [Lifeng] and I, and a delegation, will meet in Malaysia," in evidence
    first = doc["quotes"][1]
    assert first["speaker"] == "scott-bessent" and first["cue"] == "wrote" and first["occurrence"] == 1
    assert '# GUESS: speaker from nearest name "Bessent"; check' in draft
    assert {m["evidence"] for m in doc["mentions"]} == {"He"}  # "He’s discussions", "He [Lifeng]"
    assert '"on Friday evening" -> 2025-10-17 (day)' in draft
    locate_all(text, doc)


def test_every_real_article_drafts_to_locatable_evidence():
    for path in sorted(ARTICLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(suggest(text, article_id=path.stem, people=PEOPLE, reference_date=date(2025, 10, 18)))
        assert doc["text_sha256"] and doc["quotes"]
        locate_all(text, doc)


def test_guesses_are_marked_and_ambiguous_aliases_need_a_decision():
    draft = suggest(TEXT, article_id="talks-next-week", people=PEOPLE, reference_date=date(2025, 10, 18))
    doc = yaml.safe_load(draft)
    (quote, partial, boilerplate) = doc["quotes"]
    assert boilerplate["evidence"] == "quotes"  # in the ALSO READ line; a person moves it to not_quotes
    assert quote == {"evidence": "We will meet in person next week,", "speaker": "scott-bessent", "kind": "full", "cue": "wrote"}
    assert partial["evidence"] == "not sustainable" and partial["kind"] == "partial"
    # "He added" starts a sentence: guessed to be the pronoun, and flagged for a decision.
    assert doc["not_mentions"] == [{"evidence": "He", "occurrence": 2, "reason": "pronoun"}]
    assert "# DECIDE:" in draft
    for line in draft.splitlines():
        if line.lstrip().startswith(("speaker:", "kind:")):
            assert "# GUESS" in line


def test_reference_date_is_guessed_from_a_dateline_when_not_given():
    doc = yaml.safe_load(suggest("Monday, October 27, 2025\nTalks start today in Kuala Lumpur.\n", article_id="x", people=[], reference_date=None))
    assert doc["reference_date"] == "2025-10-27"


def test_suggest_file_prints_writes_and_never_overwrites(tmp_path):
    root = make_dataset(tmp_path, articles={})
    path = root / "dataset" / "articles" / "talks-next-week.txt"
    path.write_text(TEXT, encoding="utf-8")
    draft = suggest_file(path, root)
    assert "speaker: scott-bessent" in draft  # people.yml was read
    assert not path.with_suffix(".yml").exists()
    assert suggest_file(path, root, write=True) == draft
    assert path.with_suffix(".yml").read_text(encoding="utf-8") == draft
    with pytest.raises(DatasetError, match="already exists.*never overwrites"):
        suggest_file(path, root, write=True)


def test_suggest_file_without_people_and_with_a_missing_text(tmp_path):
    path = tmp_path / "dataset" / "articles" / "a-story.txt"
    path.parent.mkdir(parents=True)
    path.write_text("A story\n“Quoted,” she said.\n", encoding="utf-8")
    assert yaml.safe_load(suggest_file(path, tmp_path))["quotes"][0]["evidence"] == "Quoted,"
    with pytest.raises(DatasetError, match="no such article text"):
        suggest_file(tmp_path / "dataset" / "articles" / "missing.txt", tmp_path)
