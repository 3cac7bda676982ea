"""sources: every YAML file checked against its JSON Schema; errors name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TEXT, article_meta, make_dataset, write_yaml
from tradetalks.errors import DatasetError
from tradetalks.pipeline.sources import load_sources


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DatasetError) as info:
        load_sources(root)
    return [str(p) for p in info.value.problems]


def test_valid_fixture_loads(dataset):
    sources = load_sources(dataset)
    assert list(sources.articles) == ["talks-next-week"]
    assert sources.articles["talks-next-week"].text == TEXT


def test_unknown_field_names_file_line_and_field(tmp_path):
    meta = article_meta(TEXT)
    meta["quotes"][1]["speakr"] = "x"
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    (msg,) = problems_of(tmp_path)
    assert msg.startswith("dataset/articles/talks-next-week.yml:")
    line = int(msg.split(":")[1].split()[0])
    assert "speakr" in (tmp_path / "dataset/articles/talks-next-week.yml").read_text().splitlines()[line - 1]
    assert "[quotes[1].speakr]" in msg and "unknown field 'speakr'" in msg


def test_all_problems_reported_at_once(tmp_path):
    meta = article_meta(TEXT, reference_date="2025-02-30", language="english")
    meta["quotes"][0]["kind"] = "whole"
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    msgs = "\n".join(problems_of(tmp_path))
    assert "[reference_date]: expected a real calendar date like 2025-10-18 (YYYY-MM-DD), found the text '2025-02-30'" in msgs
    assert "[language]: expected a two-letter ISO 639-1 language code like en, found the text 'english'" in msgs
    assert "[quotes[0].kind]: expected one of full, partial, turn, found the text 'whole'" in msgs


def test_edited_raw_text_is_caught_by_its_sha256(tmp_path):
    make_dataset(tmp_path)
    path = tmp_path / "dataset/articles/talks-next-week.txt"
    path.write_text(TEXT.replace("Friday", "Monday"), encoding="utf-8")
    (msg,) = problems_of(tmp_path)
    assert "[text_sha256]" in msg and "raw articles are never edited" in msg


def test_article_id_must_match_file_name(tmp_path):
    make_dataset(tmp_path, {"talks-next-week": (TEXT, article_meta(TEXT, article_id="other-id"))})
    (msg,) = problems_of(tmp_path)
    assert "[article_id]: expected 'talks-next-week' (the file name), found 'other-id'" in msg


def test_missing_text_or_annotation(tmp_path):
    make_dataset(tmp_path)
    (tmp_path / "dataset/articles/talks-next-week.txt").rename(tmp_path / "dataset/articles/renamed.txt")
    msgs = problems_of(tmp_path)
    assert any("talks-next-week.yml: annotation file has no raw text" in m for m in msgs)
    assert any("renamed.txt: raw text has no annotation file" in m for m in msgs)


def test_malformed_yaml_names_the_line(tmp_path):
    make_dataset(tmp_path)
    write_yaml(tmp_path / "dataset/people.yml", {"people": []})
    (tmp_path / "dataset/people.yml").write_text("people:\n  - person_id: a\n    name: [unclosed\n", encoding="utf-8")
    (msg,) = problems_of(tmp_path)
    assert msg.startswith("dataset/people.yml:") and "malformed YAML" in msg


def test_yaml_aliases_are_refused(tmp_path):
    make_dataset(tmp_path)
    (tmp_path / "dataset/events.yml").write_text("a: &x [1, 2]\nevents: *x\n", encoding="utf-8")
    (msg,) = problems_of(tmp_path)
    assert "anchors and aliases" in msg


def test_non_utf8_and_bom_are_rejected(tmp_path):
    make_dataset(tmp_path)
    path = tmp_path / "dataset/articles/talks-next-week.txt"
    path.write_bytes(b"caf\xe9\n")
    assert any("not valid UTF-8" in m for m in problems_of(tmp_path))
    path.write_bytes("\ufeffhello".encode("utf-8"))
    assert any("byte-order mark" in m for m in problems_of(tmp_path))


def test_case_only_difference_in_article_ids(tmp_path):
    make_dataset(tmp_path)
    d = tmp_path / "dataset/articles"
    (d / "Talks-next-week.txt").write_text("x", encoding="utf-8")
    assert any("not a valid article id" in m or "differs only in case" in m for m in problems_of(tmp_path))
