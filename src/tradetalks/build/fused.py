"""A pandera model's declared checks, evaluated together in one Polars query.

Pandera's Polars backend runs each declared check as its own query (76 for the quotes table),
about 0.6 ms apiece whatever the table's size. This module reads the same declarations from the
model's schema object (columns, dtypes, nullable, unique, each column check, each dataframe check,
strictness) and asks Polars one question per check, all in one `select`: does every row pass?

It answers which checks fail, named as pandera names them, so that a caller can trust an empty
answer and hand anything else to pandera, whose error report stays the reference. Nothing is
re-typed: each check runs through its own pandera function, given a stand-in frame that records
the expressions it selects. A check that does more than select expressions runs as its own
query in the same `collect_all`; a schema feature this module does not evaluate (coercion,
defaults, parsers, regex columns...) makes it answer None, and the caller runs pandera.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import polars as pl
from pandera import config as pandera_config

from tradetalks.schemas.pandera_api import pa

# (column, check) as pandera's failure cases name it; column is None for a dataframe-level check.
CheckId = tuple[str | None, str]


class _NotFusable(Exception):
    """The check does something with its frame other than selecting expressions from it."""


class _Recorder:
    """Stands in for the frame a check receives: records what it selects instead of running it."""

    def select(self, *exprs: Any, **named: Any) -> _Selected:
        flat: list[Any] = []
        for e in exprs:
            flat.extend(e if isinstance(e, (list, tuple)) else [e])
        out = [pl.col(e) if isinstance(e, str) else e for e in flat]
        out += [e.alias(n) if isinstance(e, pl.Expr) else e for n, e in named.items()]
        if not out or not all(isinstance(e, pl.Expr) for e in out):
            raise _NotFusable
        return _Selected(out)


class _Selected:
    """What a recorded check returned; any further use of it (collect, filter...) is not fusable."""

    def __init__(self, exprs: list[pl.Expr]):
        self.exprs = exprs


def _label(check: Any) -> str:
    """The name pandera's failure cases give a check."""
    return check.error if check.error is not None else check.name if check.name is not None else str(check)


def _passes(out: pl.Expr, check: Any) -> pl.Expr:
    """Every row passes: a null result passes when the check ignores nulls (pandera's default), else it fails."""
    return out.all(ignore_nulls=check.ignore_na)


def _function(check: Any) -> Any:
    """The check's function with its arguments; a built-in one looked up again, as `Check.__call__` does."""
    name = getattr(check._check_fn, "__name__", None)
    fn = check.get_builtin_check_fn(name) if name is not None and check.is_builtin_check(name) else check._check_fn
    return functools.partial(fn, **check._check_kwargs)


def _fused(check: Any, key: str) -> pl.Expr | bool:
    """The check's own function, run on the recorder: its output as one expression (columns and-ed, as pandera does), or a constant."""
    out = _function(check)(pa.PolarsData(_Recorder(), key))  # type: ignore[arg-type]
    if isinstance(out, bool):
        return out
    if not isinstance(out, _Selected):
        raise _NotFusable
    return functools.reduce(operator.and_, out.exprs)


def _separate(check: Any, key: str, lf: pl.LazyFrame) -> pl.LazyFrame | bool:
    """The check run as pandera runs it, on the real frame, as a query of its own: its output as one column."""
    out = _function(check)(pa.PolarsData(lf, key))
    if isinstance(out, bool):
        return out
    names = out.collect_schema().names()
    return out.select(functools.reduce(operator.and_, [pl.col(n) for n in names]))


class _CannotJudge(Exception):
    """A check's output is not boolean: pandera has its own rules for it (a cast, or an error)."""


def _alone(output: pl.LazyFrame, check: Any | None) -> bool:
    """One check's verdict, from its own query (output: one column); a query that raises is a failed check."""
    try:
        dtypes = output.collect_schema().dtypes()
        if check is not None and dtypes != [pl.Boolean]:  # e.g. integers, or several columns from one expression
            raise _CannotJudge
        return output.select(_passes(pl.nth(0), check) if check is not None else pl.nth(0)).collect().item() is True
    except _CannotJudge:
        raise
    except Exception:
        return False


def _unsupported(schema: Any) -> bool:
    """Schema features that transform the frame or select columns by pattern: pandera must run."""
    if schema.coerce or schema.add_missing_columns or schema.strict not in (True, False) or schema.ordered or schema.dtype is not None:
        return True
    if getattr(schema, "parsers", None) or getattr(schema, "drop_invalid_rows", False):
        return True
    for col in schema.columns.values():
        if col.coerce or col.regex or col.default is not None or getattr(col, "parsers", None) or col.drop_invalid_rows:
            return True
        if any(check.element_wise for check in col.checks):
            return True
    return any(check.element_wise for check in schema.checks)


# Pandera's built-in checks whose verdict on a value reads that value alone.
ELEMENT_CHECKS = frozenset(
    {
        "equal_to",
        "not_equal_to",
        "greater_than",
        "greater_than_or_equal_to",
        "less_than",
        "less_than_or_equal_to",
        "in_range",
        "isin",
        "notin",
        "str_matches",
        "str_contains",
        "str_startswith",
        "str_endswith",
        "str_length",
    }
)


def _row_by_row(check_id: CheckId, check: Any, row_checks: frozenset[str] | set[str]) -> bool:
    """Whether the check's verdict on a row reads that row alone: not-null, a built-in value check
    of a column, or a dataframe check the caller names in `row_checks`; never a uniqueness check."""
    if check is None:
        return check_id[1] == "not_nullable"
    name = getattr(check._check_fn, "__name__", None)
    if check_id[0] is not None and name is not None and check.is_builtin_check(name):
        return name in ELEMENT_CHECKS
    return check_id[0] is None and check.name in row_checks


def _unique(df: pl.DataFrame, name: str) -> pl.Expr:
    """Per row: its value of column `name` is no other row's (pandera's field uniqueness, nulls equal).

    A column without nulls that Polars knows to be sorted (a table's key, as the build sorts it)
    compares each value with its neighbours, about twenty times faster than hashing every value."""
    column = df.get_column(name)
    if column.null_count() == 0 and column.flags["SORTED_ASC"]:
        value = pl.col(name)
        return (value != value.shift(1)).fill_null(True) & (value != value.shift(-1)).fill_null(True)
    return ~pl.col(name).is_duplicated()


def failed_checks(
    schema: Any, df: pl.DataFrame, changed: pl.DataFrame | None = None, row_checks: frozenset[str] | set[str] = frozenset()
) -> set[CheckId] | None:
    """The declared checks `df` fails (empty: it passes them all), in one Polars query; None when pandera must judge.

    `changed`: the rows of `df` that may fail a check made row by row (every other row passed it
    before): such checks (`_row_by_row`; `row_checks` names the dataframe checks that are) read
    these rows alone, the others (uniqueness, any other dataframe check) all of `df`.
    """
    # Load inputs.
    if _unsupported(schema) or pandera_config.CONFIG.use_narwhals_backend:
        return None
    schema.register_default_backends(pl.LazyFrame)  # what validate() does first: the Polars check functions
    lf = df.lazy()
    present = df.schema
    if changed is not None and changed.schema != present:
        changed = None

    # Process: what the frame's schema answers alone (presence, strictness, dtypes).
    failed: set[CheckId] = set()
    if schema.strict is True and any(name not in schema.columns for name in present):
        failed.add((None, "column_in_schema"))
    core: list[tuple[CheckId, pl.Expr]] = []  # pandera's own checks of a column: not null, unique
    checks: list[tuple[CheckId, Any, str]] = []
    for name, col in schema.columns.items():
        if name not in present:
            if col.required:
                failed.add((None, "column_in_dataframe"))
            continue
        if col.dtype is not None and not col.dtype.check(present[name], pa.PolarsData(lf.select(name), name)):
            failed.add((name, f"dtype('{col.dtype}')"))
        if not col.nullable:
            ok = pl.col(name).is_not_null()
            if present[name] in (pl.Float32, pl.Float64):
                ok = ok & pl.col(name).is_not_nan()
            core.append(((name, "not_nullable"), ok))
        if col.unique:
            core.append(((name, "field_uniqueness"), _unique(df, name)))
        for check in col.checks:
            checks.append(((name, _label(check)), check, name))
    if schema.unique:
        groups = [schema.unique] if all(isinstance(c, str) for c in schema.unique) else schema.unique
        for group in groups:
            subset = [c for c in group if c in present]
            core.append(((None, "multiple_fields_uniqueness"), ~pl.struct(subset).is_duplicated()))
    for check in schema.checks:
        checks.append(((None, _label(check)), check, "*"))

    # Each check's output, recorded as an expression; the few that are not run as queries of their own.
    declared: list[tuple[CheckId, pl.Expr, Any]] = []
    queries: list[tuple[CheckId, pl.LazyFrame, Any]] = []
    for check_id, check, key in checks:
        try:
            out: pl.Expr | bool | pl.LazyFrame = _fused(check, key)
        except Exception:  # any check that cannot be recorded runs as pandera runs it
            try:
                out = _separate(check, key, lf)
            except Exception:  # pandera reports a check that raises as failed
                failed.add(check_id)
                continue
        if isinstance(out, bool):
            if not out:
                failed.add(check_id)
        elif isinstance(out, pl.Expr):
            declared.append((check_id, out, check))
        else:
            queries.append((check_id, out, check))

    # One query for every fused check, collected together with any separate ones; only boolean outputs are judged here.
    try:
        outputs = lf.select([out.alias(f"d{i}") for i, (_, out, _) in enumerate(declared)]).collect_schema().dtypes()
        outputs += [query.collect_schema().dtypes()[0] for _, query, _ in queries]
    except Exception:
        return _one_by_one(lf, failed, core, declared, queries)
    if any(dtype != pl.Boolean for dtype in outputs):
        return None
    # Per check, the rows' verdicts (before they are and-ed): those made row by row read only `changed`.
    per_row = [(check_id, ok, None) for check_id, ok in core] + declared
    local = [changed is not None and _row_by_row(check_id, check, row_checks) for check_id, _, check in per_row]
    # The fused checks run as eager selects: on the in-memory engine, without the lazy optimiser's
    # passes, which cost more than the query itself at 100k rows (benchmarks/README.md, target 3).
    selects, ids = [], []
    for frame, part in ((df, False), (changed, True)):
        chosen = [(check_id, out, check) for (check_id, out, check), row in zip(per_row, local, strict=True) if row == part]
        if frame is not None and chosen:
            selects.append((frame, [(_passes(out, check) if check is not None else out.all()).alias(f"c{i}") for i, (_, out, check) in enumerate(chosen)]))
            ids.append([check_id for check_id, _, _ in chosen])
    ids += [[check_id] for check_id, _, _ in queries]
    try:
        results = [frame.select(exprs) for frame, exprs in selects]
        if queries:
            results += pl.collect_all([query.select(_passes(pl.nth(0), check)) for _, query, check in queries])
    except Exception:  # a query that fails is a failed check (pandera says so too); find which
        return _one_by_one(lf, failed, core, declared, queries)
    verdicts = [(check_id, value) for names, frame in zip(ids, results, strict=True) for check_id, value in zip(names, frame.row(0), strict=True)]
    failed.update(check_id for check_id, value in verdicts if value is not True)
    return failed


def _one_by_one(lf: pl.LazyFrame, failed: set[CheckId], core: list, declared: list, queries: list) -> set[CheckId] | None:
    """Each check on its own, when their common query fails: which ones fail (None: one has an output pandera must judge)."""
    try:
        verdicts = [(check_id, _alone(lf.select(expr.all()), None)) for check_id, expr in core]
        verdicts += [(check_id, _alone(lf.select(out), check)) for check_id, out, check in declared]
        verdicts += [(check_id, _alone(query, check)) for check_id, query, check in queries]
    except _CannotJudge:
        return None
    return failed | {check_id for check_id, passed in verdicts if not passed}
