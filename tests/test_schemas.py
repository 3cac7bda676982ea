"""Schemas: any row mutated to break a declared constraint is rejected (validated eagerly)."""

from __future__ import annotations

import json

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_dataset
from tradetalks.contract.tables import MODELS, polars_schema
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import check
from tradetalks.pipeline.validate import validate_tables


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = make_dataset(tmp_path_factory.mktemp("ds"))
    return check(root).tables


def _breakers(model: type[pa.DataFrameModel]) -> list[tuple[str, str, object]]:
    """(column, constraint, bad value) for every declared column constraint."""
    out = []
    for name, col in model.to_schema().columns.items():
        dtype = col.dtype.type
        if not col.nullable:
            out.append((name, "not_null", None))
        if col.unique:
            out.append((name, "unique", "DUPLICATE"))
        for chk in col.checks:
            stats = chk.statistics or {}
            if "allowed_values" in stats:
                out.append((name, chk.name, "not-an-allowed-value"))
            elif "pattern" in stats:
                out.append((name, chk.name, "Not A Valid/../Id"))
            elif "min_value" in stats and dtype in (pl.Int64, pl.Float64):
                out.append((name, chk.name, -1 if dtype == pl.Int64 else -1.0))
            elif "max_value" in stats and dtype in (pl.Int64, pl.Float64):
                out.append((name, chk.name, 10**9 if dtype == pl.Int64 else 1e9))
    return out


CASES = [(t, *b) for t, m in MODELS.items() for b in _breakers(m)]


def test_every_table_has_constraints_to_break():
    assert {t for t, *_ in CASES} == set(MODELS)


def test_real_rows_pass(tables):
    validate_tables(tables)


@settings(max_examples=len(CASES) * 2, deadline=None)
@given(case=st.sampled_from(CASES), data=st.data())
def test_mutated_row_is_rejected(tables, case, data):
    table, column, constraint, bad = case
    df = tables[table]
    if df.height == 0:
        return
    row = data.draw(st.integers(0, df.height - 1))
    dtype = polars_schema(table)[column]
    if constraint == "unique":
        if df.height < 2:
            df = pl.concat([df, df.head(1)])
            row = df.height - 1
        other = (row + 1) % df.height
        value = df[column][other]
    else:
        value = bad
    if isinstance(dtype, pl.List) and value is not None:
        value = [value]
    mutated = df.with_columns(pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value, dtype=dtype)).otherwise(pl.col(column)).alias(column))
    with pytest.raises(pa.errors.SchemaErrors):
        MODELS[table].validate(mutated, lazy=True)


def test_lazyframe_default_validation_would_miss_bad_rows(tables):
    """Why the build validates DataFrames: pandera checks only the schema of a LazyFrame by default."""
    bad = tables["quotes"].with_columns(pl.lit("whole").alias("kind"))
    with pytest.raises(pa.errors.SchemaErrors):
        MODELS["quotes"].validate(bad, lazy=True)
    with pytest.raises(DatasetError, match="kind"):
        validate_tables({**tables, "quotes": bad})


def test_span_invariant_is_checked_across_tables(tables):
    q = tables["quotes"]
    shifted = q.with_columns(pl.col("char_start") + 1, pl.col("char_end") + 1)
    with pytest.raises(DatasetError, match="is not the recorded evidence"):
        validate_tables({**tables, "quotes": shifted})


def test_foreign_keys_are_checked(tables):
    q = tables["quotes"].with_columns(pl.lit("nobody-here").alias("speaker_id"))
    with pytest.raises(DatasetError, match="'nobody-here', which is not in people"):
        validate_tables({**tables, "quotes": q})


def test_n_articles_must_match_evidence(tables):
    e = tables["events"].with_columns(pl.lit(7, dtype=pl.Int64).alias("n_articles"))
    with pytest.raises(DatasetError, match="n_articles=7 but evidence names 1"):
        validate_tables({**tables, "events": e})


@pytest.mark.parametrize("wrong", [[1], [0, 3, 4], list(range(0, 40, 3))])
def test_the_span_check_reports_the_first_wrong_rows_in_order(tables, wrong):
    from tradetalks.pipeline import validate

    ev = tables["evidence"]
    wrong = [i for i in wrong if i < ev.height]
    bad = ev.with_columns(pl.when(pl.int_range(pl.len()).is_in(wrong)).then(pl.col("char_end") + 1).otherwise(pl.col("char_end")).alias("char_end"))
    said = [p.message for p in validate.table_problems({**tables, "evidence": bad}) if "is not the recorded evidence" in p.message]
    expected = [ev["evidence_id"][i] for i in wrong][: validate.SHOW_FAILURES]
    assert [m.split("=", 1)[1].split(":", 1)[0].strip("'") for m in said] == expected


def test_every_foreign_key_is_declared_once_and_published(tmp_path):
    """The schema's FOREIGN_KEYS name real columns and keys; datapackage.json, croissant.json and the card state them all."""
    from test_load import build_release
    from tradetalks.contract.tables import FOREIGN_KEYS, KEYS, MODELS

    for fk in FOREIGN_KEYS:
        assert fk.column in MODELS[fk.table].to_schema().columns and fk.parent_column == KEYS[fk.parent]
    assert len(set(FOREIGN_KEYS)) == len(FOREIGN_KEYS)
    release = build_release(tmp_path)
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    declared = {
        (r["name"], k["fields"][0], k["reference"]["resource"], k["reference"]["fields"][0])
        for r in package["resources"]
        if r["format"] == "parquet"
        for k in r["schema"].get("foreignKeys", [])
    }
    assert declared == {(fk.table, fk.column, fk.parent, fk.parent_column) for fk in FOREIGN_KEYS if not fk.many}
    croissant = json.loads((release / "croissant.json").read_text(encoding="utf-8"))
    references = {(rs["@id"], f["name"], f["references"]["field"]["@id"]) for rs in croissant["recordSet"] for f in rs["field"] if "references" in f}
    assert {(fk.table, fk.column, f"{fk.parent}/{fk.parent_column}") for fk in FOREIGN_KEYS} <= references
    card = (release / "README.md").read_text(encoding="utf-8")
    for fk in FOREIGN_KEYS:
        assert f"`{fk.table}.{fk.column}`" in card and f"`{fk.parent}.{fk.parent_column}`" in card


def test_every_enumeration_is_published_with_its_values(tmp_path):
    from test_load import build_release
    from tradetalks.contract.tables import MODELS, allowed_values

    release = build_release(tmp_path)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    card = (release / "README.md").read_text(encoding="utf-8")
    fields = {(r["name"], f["name"]): f for r in package["resources"] for f in r["schema"]["fields"]}
    n = 0
    for table in MODELS:
        allowed = allowed_values(table)
        assert {c["name"]: c["enum"] for c in manifest["tables"][table]["columns"] if "enum" in c} == allowed
        for column, values in allowed.items():
            n += 1
            assert fields[(table, column)]["constraints"]["enum"] == values == fields[(table + "-csv", column)]["constraints"]["enum"]
            assert "One of: " + ", ".join(f"`{v}`" for v in values) in card
    assert n >= 10  # event types, instruments, statuses, kinds, relations, precisions...
