"""Diffing two releases: rows added / removed / changed, schema changes, and the SemVer bump they require."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

import test_load
from cli_helpers import invoke
from test_load import table_path
from tradetalks.load import sha256_file
from tradetalks.pipeline.write import plain_arrow
from tradetalks.publishing.diff import check_version, diff_releases, required_bump

built_release = test_load.built_release  # session fixture; an assignment, so the parameters that use it are not redefinitions


@pytest.fixture
def pair(built_release, tmp_path) -> tuple[Path, Path]:
    old, new = tmp_path / "1.0.0", tmp_path / "new"
    shutil.copytree(built_release, old)
    shutil.copytree(built_release, new)
    set_version(new, "1.0.1")
    return old, new


def set_version(release: Path, version: str) -> None:
    m = json.loads((release / "manifest.json").read_text())
    m["version"] = version
    (release / "manifest.json").write_text(json.dumps(m))


def rewrite(release: Path, name: str, df: pl.DataFrame) -> None:
    """Replace one table's Parquet and its manifest entry (columns, types, rows, checksum)."""
    path = table_path(release, name)
    pq.write_table(plain_arrow(df.to_arrow()), path)
    m = json.loads((release / "manifest.json").read_text())
    entry = m["tables"][name]
    old = {c["name"]: c for c in entry["columns"]}
    entry["columns"] = [
        {
            "name": f.name,
            "type": str(f.type),
            "nullable": old.get(f.name, {}).get("nullable", True),
            "description": old.get(f.name, {}).get("description", "new"),
        }
        for f in pq.read_schema(path)
    ]
    entry.update(rows=df.height, sha256=sha256_file(path), bytes=path.stat().st_size)
    (release / "manifest.json").write_text(json.dumps(m))


def table(release: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(table_path(release, name))


def test_identical_releases_need_no_bump(pair):
    d = diff_releases(*pair)
    assert d.bump == "none"
    assert all(not t.added and not t.removed and not t.changed and not t.schema_changes for t in d.tables.values())


def test_a_corrected_value_is_a_patch_and_names_the_column(pair):
    old, new = pair
    q = table(new, "quotes")
    first = q["quote_id"][0]
    rewrite(new, "quotes", q.with_columns(pl.when(pl.col("quote_id") == first).then(pl.lit("told reporters")).otherwise(pl.col("cue")).alias("cue")))
    d = diff_releases(old, new)
    assert d.tables["quotes"].changed == {first: ["cue"]}
    assert d.bump == "patch" and check_version(d) is None


def _change_one(df: pl.DataFrame, key: str, column: str, value) -> pl.DataFrame:
    """`df` with `column` of its first row (by `key`) set to `value`."""
    first = df[key][0]
    return df.with_columns(pl.when(pl.col(key) == first).then(pl.lit(value, dtype=df.schema[column])).otherwise(pl.col(column)).alias(column))


def _drop_table(release: Path, name: str) -> None:
    table_path(release, name).unlink()
    m = json.loads((release / "manifest.json").read_text())
    del m["tables"][name]
    (release / "manifest.json").write_text(json.dumps(m))


def _add_table(release: Path, name: str) -> None:
    m = json.loads((release / "manifest.json").read_text())
    places = m["tables"]["places"]["path"]
    path = str(Path(places).with_name(f"{name}.parquet"))  # beside it, in either layout
    m["tables"][name] = {**m["tables"]["places"], "path": path}
    (release / "manifest.json").write_text(json.dumps(m))
    shutil.copy(release / places, release / path)


def _regroup(release: Path, merged: bool) -> None:
    """Move the quotations of the first group into the second (listing the first as merged, or not)."""
    q = table(release, "quotes")
    groups = q["quote_group_id"].unique().sort().to_list()
    first, second = groups[0], groups[1]
    q = q.with_columns(pl.when(pl.col("quote_group_id") == first).then(pl.lit(second)).otherwise(pl.col("quote_group_id")).alias("quote_group_id"))
    if merged:
        q = q.with_columns(
            pl.when(pl.col("quote_group_id") == second)
            .then(pl.concat_list("merged_group_ids", pl.lit(first)))
            .otherwise("merged_group_ids")
            .alias("merged_group_ids")
        )
    rewrite(release, "quotes", q)


def _move_one_quote(old: Path, new: Path) -> None:
    """Give the first group a second quotation in both releases, then move the first one into the second group."""
    for release in (old, new):
        q = table(release, "quotes")
        rewrite(release, "quotes", pl.concat([q, q.head(1).with_columns(pl.lit("q_ffffffffffffffff").alias("quote_id"))]))
    q = table(new, "quotes")
    groups = q["quote_group_id"].unique().sort().to_list()
    first = q.filter(pl.col("quote_group_id") == groups[0])["quote_id"].sort()[0]
    rewrite(
        new, "quotes", q.with_columns(pl.when(pl.col("quote_id") == first).then(pl.lit(groups[1])).otherwise(pl.col("quote_group_id")).alias("quote_group_id"))
    )


def _other_person(release: Path) -> str:
    """A registered person who did not speak the first quotation."""
    q = table(release, "quotes").sort("quote_id")
    return table(release, "people").filter(pl.col("person_id") != q["speaker_id"][0])["person_id"][0]


# Each case of CONTRIBUTING.md's table "What each change means for the version", made on a copy of a release.
CASES: dict[str, Callable[[Path], None] | None] = {
    "rows-added": lambda r: rewrite(
        r, "events", pl.concat([table(r, "events"), table(r, "events").head(1).with_columns(pl.lit("another-event").alias("event_id"))])
    ),
    "column-added": lambda r: rewrite(r, "tariff_measures", table(r, "tariff_measures").with_columns(pl.lit(1).cast(pl.Int64).alias("n_sources"))),
    "table-added": lambda r: _add_table(r, "regions"),
    "value-corrected": lambda r: rewrite(r, "quotes", _change_one(table(r, "quotes"), "quote_id", "cue", "told reporters")),
    "reference-corrected": lambda r: rewrite(r, "quotes", _change_one(table(r, "quotes"), "quote_id", "speaker_id", _other_person(r))),
    "provenance-moved": lambda r: rewrite(
        r, "people", _change_one(_change_one(table(r, "people"), "person_id", "char_start", 0), "person_id", "article_id", "another-article")
    ),
    "quote-regrouped": None,  # prepares both releases: `_move_one_quote`
    "groups-merged": lambda r: _regroup(r, merged=True),
    "id-removed": lambda r: rewrite(r, "people", table(r, "people").tail(-1)),
    "id-renamed": lambda r: rewrite(r, "people", _change_one(table(r, "people"), "person_id", "person_id", "renamed-person")),
    "group-gone": lambda r: _regroup(r, merged=False),
    "column-removed": lambda r: rewrite(r, "tariff_measures", table(r, "tariff_measures").drop("note")),
    "column-retyped": lambda r: rewrite(r, "tariff_measures", table(r, "tariff_measures").with_columns(pl.col("rate_pct").cast(pl.String))),
    "table-removed": lambda r: _drop_table(r, "measure_events"),
}


def contributing_cases() -> dict[str, str]:
    """case -> bump, from CONTRIBUTING.md's table (the rows whose last cell is a `case`)."""
    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## What each change means for the version", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|[^|\n]*\|[^|\n]*\| (MAJOR|MINOR|PATCH) \| `([a-z-]+)` \|$", section, re.M)
    return {case: bump.lower() for bump, case in rows}


def test_contributing_lists_every_case_tested():
    assert set(contributing_cases()) == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_change_gets_the_bump_contributing_states(pair, case):
    old, new = pair
    if case == "quote-regrouped":
        _move_one_quote(old, new)
    else:
        CASES[case](new)
    d = diff_releases(old, new)
    assert d.bump == contributing_cases()[case], d.summary()
    assert check_version(d) is None or d.bump != "patch"  # 1.0.1 is a patch step: enough for a patch only


def test_a_change_inside_a_nested_column_is_found(pair):
    old, new = pair
    p = table(new, "people")
    rewrite(new, "people", p.with_columns(pl.col("aliases").list.concat(pl.lit(["Mr X"]))))
    d = diff_releases(old, new)
    assert set(d.tables["people"].changed) == set(p["person_id"])
    assert all(cols == ["aliases"] for cols in d.tables["people"].changed.values())


def test_added_rows_are_minor_and_too_small_a_version_is_refused(pair):
    old, new = pair
    e = table(new, "events")
    extra = e.with_columns(pl.lit("another-event").alias("event_id"))
    rewrite(new, "events", pl.concat([e, extra]))
    d = diff_releases(old, new)
    assert d.tables["events"].added == ["another-event"] and d.bump == "minor"
    assert "the changes need a minor bump" in check_version(d)
    set_version(new, "1.1.0")
    assert check_version(diff_releases(old, new)) is None


def test_removed_or_changed_ids_are_major(pair):
    old, new = pair
    e = table(new, "evidence")
    rewrite(new, "evidence", e.head(e.height - 1))
    d = diff_releases(old, new)
    assert d.tables["evidence"].removed == [e["evidence_id"][-1]] and d.bump == "major"
    set_version(new, "1.1.0")
    assert "major" in check_version(diff_releases(old, new))
    set_version(new, "2.0.0")
    assert check_version(diff_releases(old, new)) is None


@pytest.mark.parametrize(
    "change, bump, what",
    [
        (lambda df: df.with_columns(pl.lit(1).cast(pl.Int64).alias("n_sources")), "minor", "column added: n_sources"),
        (lambda df: df.drop("note"), "major", "column removed: note"),
        (lambda df: df.rename({"note": "remark"}), "major", "column removed: note"),
        (lambda df: df.with_columns(pl.col("rate_pct").cast(pl.String)), "major", "column retyped: rate_pct (double -> string)"),
    ],
)
def test_schema_changes(pair, change, bump, what):
    old, new = pair
    rewrite(new, "tariff_measures", change(table(new, "tariff_measures")))
    t = diff_releases(old, new).tables["tariff_measures"]
    assert what in t.schema_changes and t.bump == bump


def test_a_lower_version_is_refused(pair):
    old, new = pair
    set_version(new, "0.9.9")
    assert "lower than" in check_version(diff_releases(old, new))


def test_first_release_counts_every_row_as_added(built_release):
    d = diff_releases(None, built_release)
    m = json.loads((built_release / "manifest.json").read_text())
    assert {n: len(t.added) for n, t in d.tables.items()} == {n: e["rows"] for n, e in m["tables"].items()}
    assert d.bump == "minor" and check_version(d) is None


def test_required_bump():
    assert required_bump("1.0.0", "1.0.0") == "none"
    assert required_bump("1.0.0", "1.0.1") == "patch"
    assert required_bump("1.0.9", "1.1.0") == "minor"
    assert required_bump("1.4.2", "2.0.0") == "major"
    with pytest.raises(ValueError):
        required_bump("1.1.0", "1.0.5")


def test_cli_diff(pair):
    old, new = pair
    rewrite(new, "people", table(new, "people").head(1))
    result = invoke(["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "people: 2 -> 1 rows; +0 added, -1 removed" in result.output
    assert "MAJOR" in result.output and "version check:" in result.output
    as_json = invoke(["diff", str(old), str(new), "--json"])
    assert json.loads(as_json.output)["required_bump"] == "major"
