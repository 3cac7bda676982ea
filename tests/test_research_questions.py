"""The README's research questions: every DuckDB and polars query it shows runs on a fresh build, and both agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tradetalks.build.pipeline import check

REPO = Path(__file__).resolve().parents[1]


def _blocks() -> list[tuple[str, str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Research questions", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(sql|python)\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return check(REPO).tables


def _sql(tables: dict[str, pl.DataFrame], query: str) -> pl.DataFrame:
    con = duckdb.connect()
    for name, df in tables.items():
        con.register(name, df.to_arrow())
    return con.sql(query).pl()


def _polars(tables: dict[str, pl.DataFrame], code: str) -> pl.DataFrame:
    tree = ast.parse(code)
    scope = {"pl": pl, "t": tables.__getitem__}
    last = tree.body.pop()
    assert isinstance(last, ast.Expr), "a polars answer ends with the expression that gives it"
    exec(compile(tree, "README.md", "exec"), scope)
    return eval(compile(ast.Expression(last.value), "README.md", "eval"), scope)


def _rows(df: pl.DataFrame) -> list[tuple]:
    return [tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in df.iter_rows()]


@pytest.fixture(scope="module")
def answers(tables) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    blocks = _blocks()
    assert [lang for lang, _ in blocks] == ["sql", "python"] * 3, "each question: one SQL block, then one polars block"
    return [(_sql(tables, blocks[i][1]), _polars(tables, blocks[i + 1][1])) for i in range(0, len(blocks), 2)]


def test_duckdb_and_polars_give_the_same_answers(answers):
    for sql, polars in answers:
        assert sql.height > 0
        assert _rows(sql) == _rows(polars)


def test_most_quoted_counts_groups_and_outlets(answers, tables):
    top = answers[0][0].row(0, named=True)
    quotes = tables["quotes"].join(tables["people"].select("person_id", "name"), left_on="speaker_id", right_on="person_id")
    mine = quotes.filter((pl.col("name") == top["name"]) & ~pl.col("in_duplicate"))
    assert top["quote_groups"] == mine["quote_group_id"].n_unique() <= mine.height
    assert 1 <= top["outlets"] <= mine["article_id"].n_unique()
    per_person = quotes.filter(~pl.col("in_duplicate")).group_by("name").agg(pl.col("quote_group_id").n_unique())
    assert top["quote_groups"] == per_person["quote_group_id"].max()


def test_timeline_is_in_date_order_and_the_threat_follows_what_provoked_it(answers):
    timeline = answers[1][0]
    dated = timeline.filter(pl.col("date_start").is_not_null())
    assert dated["date_start"].to_list() == sorted(dated["date_start"].to_list())
    step = {(r["measure_id"], r["what"]): r for r in timeline.iter_rows(named=True)}
    threat = step[("us-100pct-tariff-threat-china-2025-10", "threatened")]
    controls = step[("china-rare-earth-export-controls-2025-10", "announced")]
    assert controls["date_start"] <= threat["date_start"]
    assert list(timeline["what"]).index("announced") < list(timeline["what"]).index("threatened")


def test_disputes_list_every_value_with_its_articles(answers, tables):
    disputes = answers[2][0]
    evidence = tables["evidence"]
    for (subject, field), group in disputes.group_by(["subject_id", "field"], maintain_order=True):
        assert group.height >= 2, (subject, field)
        assert group["used"].sum() >= 1, (subject, field)
        assert group["resolution"].n_unique() == 1
        stated = evidence.filter((pl.col("subject_id") == subject) & (pl.col("claim_field") == field))
        assert set(stated["article_id"]) == {a for arts in group["articles"] for a in arts}
