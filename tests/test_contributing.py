"""CONTRIBUTING.md against the tools: every field it names exists, the files it lists are the ones
the build reads, its error table renders, and per-file `validate` asks for what the full build asks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import EVENTS, make_dataset
from tradetalks.contract.tables import MODELS
from tradetalks.errors import DatasetError
from tradetalks.pipeline.per_article import check_articles
from tradetalks.pipeline.run import check
from tradetalks.pipeline.sources import OPTIONAL_REGISTRIES, REGISTRIES

REPO = Path(__file__).resolve().parents[1]
GUIDE = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def _schema_fields() -> set[str]:
    fields: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            fields.update(node.get("properties", {}) if isinstance(node.get("properties"), dict) else ())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in (REPO / "schemas").glob("*.schema.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return fields


def test_every_field_the_guide_names_is_a_schema_field_or_a_column():
    columns = {c for model in MODELS.values() for c in model.to_schema().columns}
    known = _schema_fields() | columns
    # `field:` as written in a file, and any snake_case name in backticks.
    written = set(re.findall(r"`([a-z_]+):(?: [^`]*)?`", GUIDE)) - {"valid"}  # `valid: ...` is what validate prints
    named = set(re.findall(r"`([a-z]+_[a-z_]+)`", GUIDE))
    assert written and named
    assert (written | named) - known == set()


def test_the_guide_lists_every_file_dataset_may_hold():
    sentence = re.search(r"`dataset/` holds the registries (.*?) and nothing else", GUIDE, re.S)
    assert sentence, "CONTRIBUTING says what dataset/ holds"
    listed = set(re.findall(r"`([a-z]+)\.yml`", sentence.group(1)))
    assert listed == set(REGISTRIES)
    assert all(f"`{name}.yml`" in sentence.group(1) for name in OPTIONAL_REGISTRIES)
    assert "`articles/`" in sentence.group(1)


def test_the_error_table_renders_as_one_table():
    section = GUIDE.split("## What the errors mean", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("| message |"))
    table = []
    for line in lines[first:]:
        if not line.strip():
            break
        table.append(line)
    assert all(line.startswith("|") and line.endswith("|") for line in table), "a line that is not a row breaks the table"
    assert all(len(re.findall(r"(?<!\\)\|", line.replace("\\|", ""))) - 1 == 3 for line in table if not line.startswith("|---")), "each row has three cells"
    after = lines[first + len(table) :]
    assert not any(line.startswith("| `") for line in after), "rows of the table come after a break"


@pytest.mark.parametrize(
    "entry, message",
    [
        (dict(EVENTS[0], date_precision="day", date_start=None, date_end=None), "date_precision is 'day' but date_start is null"),
        (dict(EVENTS[0], date_end="2025-10-16"), "date_end 2025-10-16 is before date_start 2025-10-17"),
    ],
)
def test_per_file_validate_and_the_full_build_ask_for_the_same(tmp_path, entry, message):
    root = make_dataset(tmp_path, events=[entry])
    with pytest.raises(DatasetError) as one:
        check_articles(root, [root / "dataset/articles/talks-next-week.yml"])
    with pytest.raises(DatasetError) as full:
        check(root, cache=False)
    mine = [p for p in one.value.problems if message in p.message]
    theirs = [p for p in full.value.problems if message in p.message]
    assert mine and [(p.path, p.line, p.field) for p in mine] == [(p.path, p.line, p.field) for p in theirs]
