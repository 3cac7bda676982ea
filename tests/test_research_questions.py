"""The README's research questions: every DuckDB and polars query it shows runs on a fresh build, and both agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tradetalks.pipeline.run import check

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


def as_loaded(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The tables as `tradetalks.load` gives them: columns of allowed values as polars Enums."""
    from tradetalks.contract.tables import allowed_values

    return {name: df.with_columns(pl.col(c).cast(pl.Enum(v)) for c, v in allowed_values(name).items()) for name, df in tables.items()}


def _polars(tables: dict[str, pl.DataFrame], code: str) -> pl.DataFrame:
    tree = ast.parse(code)
    loaded = as_loaded(tables)
    scope = {"pl": pl, "t": loaded.__getitem__}
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


def _outlet_of(tables) -> dict[str, str | None]:
    """Each article's outlet key (its wire service, else its outlet), None when unknown: computed apart from the queries."""
    return {a["article_id"]: a["wire_service_id"] or a["outlet_id"] for a in tables["articles"].iter_rows(named=True)}


def test_most_quoted_keeps_every_quotation_and_counts_outlets_apart(answers, tables):
    answer = answers[0][0]
    outlet_of = _outlet_of(tables)
    expected: dict[tuple[str, str], dict] = {}
    for q in tables["quotes"].filter(~pl.col("in_duplicate")).iter_rows(named=True):
        if q["speaker_id"] is not None:
            speaker = (q["speaker_name"], "person")
        elif q["speaker_organisation"] is not None:
            speaker = (q["speaker_organisation"], "organisation")
        else:
            speaker = ("unnamed source", "unnamed")
        e = expected.setdefault(speaker, {"groups": set(), "known": set(), "unknown": set()})
        e["groups"].add(q["quote_group_id"])
        if outlet_of[q["article_id"]] is None:
            e["unknown"].add(q["article_id"])
        else:
            e["known"].add(outlet_of[q["article_id"]])
    # No speaker is dropped: organisations and unnamed sources have their rows.
    got = {(r["speaker"], r["speaker_kind"]): r for r in answer.iter_rows(named=True)}
    assert set(got) == set(expected)
    for speaker, e in expected.items():
        row = got[speaker]
        assert (row["quote_groups"], row["known_outlets"], row["unknown_outlet_articles"]) == (len(e["groups"]), len(e["known"]), len(e["unknown"])), speaker
    assert sum(r["quote_groups"] for r in got.values()) >= tables["quotes"].filter(~pl.col("in_duplicate"))["quote_group_id"].n_unique()
    top = answer.row(0, named=True)
    assert top["quote_groups"] == max(len(e["groups"]) for e in expected.values())


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


def test_disputes_count_known_outlets_and_articles_of_unknown_outlet_apart(answers, tables):
    outlet_of = _outlet_of(tables)
    for row in answers[2][0].iter_rows(named=True):
        known = {outlet_of[a] for a in row["articles"] if outlet_of[a] is not None}
        unknown = [a for a in row["articles"] if outlet_of[a] is None]
        assert row["n_known_outlets"] == len(known) == len(row["outlets"]), row
        assert row["n_unknown_outlet_articles"] == len(unknown), row
    disputes = tables["disputes"]
    assert (disputes["n_outlets"] == disputes["n_known_outlets"] + disputes["n_unknown_outlet_articles"]).all()
