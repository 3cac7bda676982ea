"""The fused validation query enforces every check the pandera models declare, and agrees with pandera.

The build trusts the fused query when it finds nothing (build/fused.py) and asks pandera otherwise.
So for every declared check of every table, a built table broken on that check must make the fused
query fail exactly the checks pandera fails; were a check dropped from the query, its case here
would find pandera failing it and the fused query not.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.build import fused, validate
from tradetalks.build.errors import Collector
from tradetalks.build.fused import failed_checks
from tradetalks.build.pipeline import check
from tradetalks.build.validate import check_table
from tradetalks.schemas.pandera_api import pa
from tradetalks.schemas.tables import MODELS, ROW_CHECKS

CheckId = tuple[str | None, str]


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    """The real dataset's tables, as the build makes them: every table has rows."""
    out = check(REPO).tables
    assert all(df.height > 0 for df in out.values())
    return out


def declared(table: str) -> list[CheckId]:
    """Every check the model declares, named as pandera's failure cases name it (read from the schema, not from build/fused.py)."""
    schema = MODELS[table].to_schema()
    out: list[CheckId] = [(None, "column_in_dataframe")]  # every column is required
    if schema.strict is True:
        out.append((None, "column_in_schema"))
    for name, col in schema.columns.items():
        out.append((name, f"dtype('{col.dtype}')"))
        if not col.nullable:
            out.append((name, "not_nullable"))
        if col.unique:
            out.append((name, "field_uniqueness"))
        out += [(name, chk.error if chk.error is not None else chk.name) for chk in col.checks]
    out += [(None, chk.name) for chk in schema.checks]
    return out


CASES = [(table, column, label) for table in MODELS for column, label in declared(table)]


def pandera_fails(table: str, df: pl.DataFrame) -> set[CheckId]:
    try:
        MODELS[table].validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return {(row["column"] if row["schema_context"] == "Column" else None, row["check"]) for row in exc.failure_cases.iter_rows(named=True)}
    return set()


def set_cell(df: pl.DataFrame, row: int, column: str, value: Any) -> pl.DataFrame:
    dtype = df.schema[column]
    value = value.to_list() if isinstance(value, pl.Series) else value  # a list cell
    new = pl.lit(value, dtype=dtype) if value is not None else pl.lit(None, dtype=dtype)
    return df.with_columns(pl.when(pl.int_range(pl.len()) == row).then(new).otherwise(pl.col(column)).alias(column))


def candidates(dtype: pl.DataType, current: Any) -> list[Any]:
    """Values that may break a check on a column of this type: outside usual ranges, patterns, sets."""
    if dtype == pl.String:
        return [None, "Not A Valid/../Id", ""]
    if dtype == pl.Int64:
        return [None, -1, 0, 10**9] + ([current + 1] if current is not None else [])
    if dtype == pl.Float64:
        return [None, -1.0, 1e9, float("nan")]
    if dtype == pl.Date:
        return [None, dt.date(1900, 1, 1), dt.date(2100, 1, 1)]
    if dtype == pl.Boolean:
        return [None, not current]
    if isinstance(dtype, pl.List):
        return [None, []]
    return [None]


def blank_row(df: pl.DataFrame, row: int, schema: Any) -> pl.DataFrame:
    """Row `row` with every nullable column null and every list empty."""
    for name, col in schema.columns.items():
        if col.nullable:
            df = set_cell(df, row, name, None)
        elif isinstance(df.schema[name], pl.List):
            df = set_cell(df, row, name, [])
    return df


def retyped(df: pl.DataFrame, column: str) -> pl.DataFrame:
    """The column under another type with the same values where possible."""
    dtype = df.schema[column]
    if isinstance(dtype, pl.List):
        expr = pl.col(column).list.len()
    else:
        other = {pl.String: pl.Categorical, pl.Int64: pl.Int32, pl.Float64: pl.Float32, pl.Date: pl.Datetime("us"), pl.Boolean: pl.Int8}
        expr = pl.col(column).cast(other[dtype.base_type()])
    return df.with_columns(expr)


def breaking(table: str, df: pl.DataFrame, column: str | None, label: str) -> pl.DataFrame:
    """`df` changed so that the declared check (column, label) fails, as pandera's own check says."""
    schema = MODELS[table].to_schema()
    if label == "column_in_dataframe":
        return df.drop(df.columns[-1])
    if label == "column_in_schema":
        return df.with_columns(pl.lit(1).alias("an_unexpected_column"))
    assert column is not None or label in {chk.name for chk in schema.checks}
    if label.startswith("dtype("):
        return retyped(df, column)
    if label == "not_nullable":
        return set_cell(df, 0, column, None)
    if label == "field_uniqueness":
        df = df if df.height > 1 else pl.concat([df, df])
        return set_cell(df, 0, column, df[column][1])
    chk = next(c for c in (schema.columns[column].checks if column else schema.checks) if (c.error or c.name) == label or c.name == label)

    def fails(mutated: pl.DataFrame) -> bool:
        return not chk(mutated.lazy(), column).check_passed.collect().item()

    rows = range(df.height)
    tries = [blank_row(df, r, schema) for r in rows] if column is None else []
    cols = [column] if column else list(df.columns)
    tries_iter = (set_cell(df, r, c, v) for c in cols for r in rows for v in candidates(df.schema[c], df[c][r]))
    for mutated in [*tries, *tries_iter]:
        if fails(mutated):
            return mutated
    raise AssertionError(f"no change of one cell or one row breaks {table} {column} {label}: extend candidates()")


@pytest.mark.parametrize("table,column,label", CASES, ids=[f"{t}-{c}-{lbl}" for t, c, lbl in CASES])
def test_every_declared_check_is_enforced_by_the_fused_query(tables, table, column, label):
    broken = breaking(table, tables[table], column, label)
    expected = pandera_fails(table, broken)
    assert (column, label) in expected, f"the change did not break {label}: {expected}"
    assert failed_checks(MODELS[table].to_schema(), broken) == expected


def changed_rows(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame | None:
    """The rows of `after` that are not rows of `before` (by row hash), as a rebuild finds them; None when the columns differ."""
    if after.schema != before.schema:
        return None
    return after.filter(~after.hash_rows(seed=0).is_in(before.hash_rows(seed=0).implode()))


@pytest.mark.parametrize("table,column,label", CASES, ids=[f"{t}-{c}-{lbl}" for t, c, lbl in CASES])
def test_checks_of_only_the_changed_rows_find_every_failure(tables, table, column, label):
    """A rebuild checks row by row only the rows that are new since the last build that passed:
    whatever check a change breaks, the failures found are those of checking every row."""
    broken = breaking(table, tables[table], column, label)
    changed = changed_rows(tables[table], broken)
    assert changed is None or changed.height < broken.height
    assert failed_checks(MODELS[table].to_schema(), broken, changed, ROW_CHECKS) == pandera_fails(table, broken)


def test_a_row_not_among_the_changed_ones_is_not_checked_row_by_row_again(tables):
    evidence = tables["evidence"]
    broken = set_cell(evidence, 0, "char_end", evidence["char_start"][0])  # an empty span: span_is_well_formed fails
    schema = MODELS["evidence"].to_schema()
    assert failed_checks(schema, broken, broken.slice(0, 1), ROW_CHECKS) == {(None, "span_is_well_formed")}
    assert failed_checks(schema, broken, broken.slice(1), ROW_CHECKS) == set()  # as if row 0 had passed before
    # A dataframe check not named as row by row is run on every row.
    assert failed_checks(schema, broken, broken.slice(1), frozenset()) == {(None, "span_is_well_formed")}


@pytest.mark.parametrize("table", list(MODELS))
def test_the_checks_named_row_by_row_read_only_their_row(tables, table):
    """Each dataframe check in ROW_CHECKS gives every row the verdict it gives that row alone."""
    df = tables[table]
    for chk in MODELS[table].to_schema().checks:
        if chk.name not in ROW_CHECKS:
            continue
        whole = chk(df.lazy()).check_output.collect().to_series()
        alone = pl.concat([chk(df.slice(i, 1).lazy()).check_output.collect().to_series() for i in range(df.height)])
        assert whole.to_list() == alone.to_list(), chk.name
    declared_names = {chk.name for model in MODELS.values() for chk in model.to_schema().checks}
    assert ROW_CHECKS <= declared_names  # no stale name


@pytest.mark.parametrize("table", list(MODELS))
def test_a_repeated_key_is_found_in_a_column_known_to_be_sorted(tables, table):
    """Uniqueness of a sorted column compares neighbours: a repeated value still fails it, as pandera says."""
    key = MODELS[table].to_schema().columns
    name = next(c for c, col in key.items() if col.unique)
    df = tables[table]
    doubled = pl.concat([df, df.slice(df.height // 2, 1)]).sort(name).with_columns(pl.col(name).set_sorted())
    assert doubled[name].flags["SORTED_ASC"]
    assert failed_checks(MODELS[table].to_schema(), doubled) == pandera_fails(table, doubled) == {(name, "field_uniqueness")}
    assert failed_checks(MODELS[table].to_schema(), df.sort(name).with_columns(pl.col(name).set_sorted())) == set()


def test_every_table_has_declared_checks_of_each_kind():
    labels = [label for _, _, label in CASES]
    for kind in ("dtype(", "not_nullable", "field_uniqueness", "str_matches", "isin", "greater_than_or_equal_to", "less_than_or_equal_to", "str_length"):
        assert any(label.startswith(kind) for label in labels), kind
    assert {t for t, c, _ in CASES if c is None and MODELS[t].to_schema().checks}, "dataframe-level checks"


def test_valid_tables_pass_in_one_query(tables, monkeypatch):
    """Every check of every model fuses: none needs a query of its own, each table is read by one select."""
    select = pl.DataFrame.select

    def counted(calls: list) -> object:
        return lambda self, *a, **kw: calls.append(self.height) or select(self, *a, **kw)

    monkeypatch.setattr(fused, "_separate", lambda *a: pytest.fail(f"check {a[0]} ran on its own"))
    monkeypatch.setattr(pl, "collect_all", lambda *a, **kw: pytest.fail("a check ran as a query of its own"))
    for name, df in tables.items():
        calls: list[int] = []
        with monkeypatch.context() as patched:
            patched.setattr(pl.DataFrame, "select", counted(calls))
            failed = failed_checks(MODELS[name].to_schema(), df)
        assert calls == [df.height], name  # one select, on the whole table
        assert failed == set() == pandera_fails(name, df)


def _mutation(tables):
    """One random change of a built table: a cell to a value that may break a check, a type, a duplicate, a column."""

    @st.composite
    def draw(draw_):
        table = draw_(st.sampled_from(sorted(MODELS)))
        df = tables[table]
        for _ in range(draw_(st.integers(1, 3))):
            column = draw_(st.sampled_from(df.columns))
            row = draw_(st.integers(0, df.height - 1))
            kind = draw_(st.sampled_from(["value", "value", "value", "type", "duplicate", "extra", "drop"]))
            if kind == "value":
                df = set_cell(df, row, column, draw_(st.sampled_from(candidates(df.schema[column], df[column][row]))))
            elif kind == "type" and column in (declared := MODELS[table].to_schema().columns) and df.schema[column] == declared[column].dtype.type:
                df = retyped(df, column)
            elif kind == "duplicate" and df.height > 1:
                df = set_cell(df, row, column, df[column][(row + 1) % df.height])
            elif kind == "extra":
                df = df.with_columns(pl.lit(None).alias("extra"))
            elif kind == "drop" and df.width > 1:
                df = df.drop(column)
        return table, df

    return draw()


def test_fused_query_and_pandera_agree_on_random_changes(tables):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=_mutation(tables))
    def agree(case):
        table, df = case
        assert failed_checks(MODELS[table].to_schema(), df) == pandera_fails(table, df)

    agree()


def test_a_schema_the_fused_query_cannot_judge_goes_to_pandera(tables, monkeypatch):
    coerced = MODELS["outlets"].to_schema().update_columns({"name": {"coerce": True}})
    assert failed_checks(coerced, tables["outlets"]) is None
    monkeypatch.setattr(validate, "failed_checks", lambda schema, df, *rest: None)
    problems = Collector()
    check_table("outlets", tables["outlets"], problems)
    assert problems.problems == []
    check_table("outlets", set_cell(tables["outlets"], 0, "outlet_id", "Not An Id"), problems)
    assert [(p.field, "str_matches" in p.message) for p in problems.problems] == [("outlet_id", True)]


def test_a_check_that_cannot_be_recorded_runs_on_its_own(tables):
    """A check that does more than select expressions (here: filters) still counts."""
    huge = pa.Check(lambda data: data.lazyframe.filter(pl.col("n_chars") > 0).select(pl.col("n_chars") > 10**6), name="huge")
    schema = MODELS["articles"].to_schema()
    schema = schema.update_column("n_chars", checks=[*schema.columns["n_chars"].checks, huge])
    assert failed_checks(schema, tables["articles"]) == {("n_chars", "huge")}
    with pytest.raises(pa.errors.SchemaErrors, match="huge"):
        schema.validate(tables["articles"], lazy=True)


def test_a_check_whose_output_is_not_one_boolean_column_goes_to_pandera(tables):
    """Pandera has its own rules for such outputs (integers cast or refused, columns folded): it judges them."""
    schema = MODELS["places"].to_schema()
    lengths = pa.Check(lambda data: data.lazyframe.select(pl.col(data.key).str.len_chars()), name="lengths")
    assert failed_checks(schema.update_column("name", checks=[lengths]), tables["places"]) is None
    two = pa.Check(lambda data: data.lazyframe.select(pl.col("name", "place_id").is_not_null()), name="two")
    assert failed_checks(schema.update_column("name", checks=[two]), tables["places"]) is None


def test_build_imports_pandera_without_pandas():
    """Importing the schemas and validating leave pandas and hypothesis unloaded, and both importable and usable afterwards."""
    code = (
        "import sys\n"
        "from tradetalks.schemas.tables import MODELS\n"
        "assert 'pandas' not in sys.modules and 'hypothesis' not in sys.modules, sorted(m for m in sys.modules if m.startswith(('pandas', 'hypothesis')))\n"
        "import polars as pl, pandas\n"
        "assert pl.DataFrame({'a': [1]}).to_pandas()['a'].tolist() == [1]\n"
        "from tradetalks.schemas.pandera_api import pa\n"
        "try:\n"
        "    MODELS['places'].validate(pl.DataFrame({'place_id': ['Not An Id']}), lazy=True)\n"
        "except pa.errors.SchemaErrors as exc:\n"
        "    print(sorted(set(exc.failure_cases['check'])))\n"
        "assert 'hypothesis' not in sys.modules\n"
        "import hypothesis\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "str_matches" in out.stdout and "column_in_dataframe" in out.stdout
