"""Compare two releases: rows added / removed / changed per table, schema changes, and the SemVer bump they need.

SemVer for data, by what a change means to someone who joins on the ids (CONTRIBUTING.md's table
"What each change is", tested case by case against this module):

- MAJOR: an id removed or renamed (a renamed id is a removal plus an addition), a quote group that
  vanished without being merged into another, a column removed or retyped, a table removed;
- MINOR: rows (ids), columns or tables added;
- PATCH: a value corrected with every id kept: a foreign key that now points at another row that
  exists (a corrected speaker), a moved provenance (a row's supporting span), any other value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from tradetalks.contract.versions import is_release_version, version_key
from tradetalks.errors import check_version as valid_version
from tradetalks.formats.plain_files import read_manifest

BUMPS = ["none", "patch", "minor", "major"]
# Ids of entities that have no table of their own, per table: (the id column, the column that
# lists the ids merged into it). A group id that disappears is an id removed unless it was merged.
GROUP_IDS = {"quotes": ("quote_group_id", "merged_group_ids")}


@dataclass
class TableDiff:
    table: str
    rows_old: int = 0
    rows_new: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # id -> changed columns
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_retyped: dict[str, tuple[str, str]] = field(default_factory=dict)
    table_added: bool = False
    table_removed: bool = False
    # Group ids (`GROUP_IDS`) that no row holds any more and no group lists as merged.
    groups_removed: list[str] = field(default_factory=list)

    @property
    def bump(self) -> str:
        if self.table_removed or self.columns_removed or self.columns_retyped or self.removed or self.groups_removed:
            return "major"
        if self.table_added or self.columns_added or self.added:
            return "minor"
        if self.changed:
            return "patch"
        return "none"

    @property
    def schema_changes(self) -> list[str]:
        out = []
        if self.table_added:
            out.append("table added")
        if self.table_removed:
            out.append("table removed")
        out += [f"column added: {c}" for c in self.columns_added]
        out += [f"column removed: {c}" for c in self.columns_removed]
        out += [f"column retyped: {c} ({a} -> {b})" for c, (a, b) in self.columns_retyped.items()]
        return out

    @property
    def why(self) -> str:
        """The changes that set the bump, in words."""
        parts = list(self.schema_changes)
        if self.removed:
            parts.append(f"{len(self.removed)} ids removed or renamed")
        if self.groups_removed:
            parts.append(f"{len(self.groups_removed)} quote groups gone without a merge")
        if self.added:
            parts.append(f"{len(self.added)} rows added")
        if self.changed:
            parts.append(f"{len(self.changed)} rows with corrected values")
        return ", ".join(parts)

    def changed_columns(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for cols in self.changed.values():
            for c in cols:
                counts[c] = counts.get(c, 0) + 1
        return dict(sorted(counts.items()))


@dataclass
class ReleaseDiff:
    old_version: str | None
    new_version: str
    tables: dict[str, TableDiff]

    @property
    def bump(self) -> str:
        return max((t.bump for t in self.tables.values()), key=BUMPS.index, default="none")

    def to_json(self) -> dict:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "required_bump": self.bump,
            "tables": {
                name: {**asdict(t), "bump": t.bump, "why": t.why, "schema_changes": t.schema_changes, "changed_columns": t.changed_columns()}
                for name, t in self.tables.items()
            },
        }

    def summary(self, limit: int = 10) -> str:
        """Human-readable, one block per table; ids listed up to `limit` per kind."""
        what = "no changes" if self.bump == "none" else f"{self.bump.upper()} changes"
        lines = [f"tradetalks {self.old_version or '(none)'} -> {self.new_version}: {what}"]
        for name, t in self.tables.items():
            head = f"  {name}: {t.rows_old} -> {t.rows_new} rows; +{len(t.added)} added, -{len(t.removed)} removed, ~{len(t.changed)} changed"
            lines.append(head + ("" if t.bump == "none" else f"  [{t.bump}]"))
            for change in t.schema_changes:
                lines.append(f"    {change}")
            for label, ids in (("added", t.added), ("removed", t.removed), ("groups gone", t.groups_removed)):
                if ids:
                    more = f" (+{len(ids) - limit} more)" if len(ids) > limit else ""
                    lines.append(f"    {label}: {', '.join(ids[:limit])}{more}")
            for i, (row_id, cols) in enumerate(t.changed.items()):
                if i == limit:
                    lines.append(f"    ... {len(t.changed) - limit} more changed")
                    break
                lines.append(f"    changed {row_id}: {', '.join(cols)}")
        return "\n".join(lines)


def diff_releases(old_dir: Path | None, new_dir: Path) -> ReleaseDiff:
    """Diff two release directories (old_dir None: the first release, every row added)."""
    # Load inputs.
    new = read_manifest(Path(new_dir))
    old = read_manifest(Path(old_dir)) if old_dir is not None else {"version": None, "tables": {}}
    for manifest, where in ((new, new_dir), (old, old_dir)):
        # A working build is labelled "dev"; anything else must be a published version's X.Y.Z.
        if where is not None and manifest.get("version") != "dev":
            valid_version(manifest.get("version"), Path(where) / "manifest.json")

    # Process.
    tables = {}
    for name in list(new["tables"]) + [n for n in old["tables"] if n not in new["tables"]]:
        o, n = old["tables"].get(name), new["tables"].get(name)
        if o is None:
            ids = _ids(Path(new_dir), n)
            tables[name] = TableDiff(name, 0, n["rows"], added=ids, table_added=True)
        elif old_dir is None:  # without an old release there are no old tables
            raise RuntimeError(f"table {name!r} comes from an old release, yet no old release directory was given; this is a bug in diff_releases")
        elif n is None:
            ids = _ids(Path(old_dir), o)
            tables[name] = TableDiff(name, o["rows"], 0, removed=ids, table_removed=True)
        else:
            tables[name] = _diff_table(name, Path(old_dir), o, Path(new_dir), n)
    return ReleaseDiff(old["version"], new["version"], tables)


def _ids(root: Path, entry: dict) -> list[str]:
    key = entry["primary_key"]
    return sorted(pl.read_parquet(root / entry["path"], columns=[key])[key].cast(pl.String).to_list())


def _diff_table(name: str, old_root: Path, o: dict, new_root: Path, n: dict) -> TableDiff:
    key = n["primary_key"]
    old_types = {c["name"]: c["type"] for c in o["columns"]}
    new_types = {c["name"]: c["type"] for c in n["columns"]}
    t = TableDiff(
        name,
        o["rows"],
        n["rows"],
        columns_added=[c for c in new_types if c not in old_types],
        columns_removed=[c for c in old_types if c not in new_types],
        columns_retyped={c: (old_types[c], new_types[c]) for c in new_types if c in old_types and old_types[c] != new_types[c]},
    )
    old_df = pl.read_parquet(old_root / o["path"])
    new_df = pl.read_parquet(new_root / n["path"])
    if key != o["primary_key"]:
        t.columns_retyped[f"primary key {o['primary_key']}"] = (o["primary_key"], key)
    old_ids = set(old_df[o["primary_key"]].to_list())
    new_ids = set(new_df[key].to_list())
    t.added = sorted(new_ids - old_ids)
    t.removed = sorted(old_ids - new_ids)
    common = [c for c in new_types if c in old_types and c not in t.columns_retyped and c != key]
    if common and key == o["primary_key"]:
        joined = old_df.select([key, *common]).join(new_df.select([key, *common]), on=key, how="inner", suffix="__new")
        flags = joined.select(
            pl.col(key),
            *[_differs(c).alias(c) for c in common],
        )
        for row in flags.filter(pl.any_horizontal(common)).sort(key).iter_rows(named=True):
            t.changed[row[key]] = [c for c in common if row[c]]
    if name in GROUP_IDS:
        t.groups_removed = _groups_removed(old_df, new_df, *GROUP_IDS[name])
    return t


def _groups_removed(old: pl.DataFrame, new: pl.DataFrame, column: str, merged: str) -> list[str]:
    """Group ids of `old` that `new` neither holds nor lists as merged into another group."""
    if column not in old.columns or column not in new.columns:
        return []
    kept = set(new[column].drop_nulls().to_list())
    if merged in new.columns:
        kept |= set(new[merged].explode().drop_nulls().to_list())
    return sorted(set(old[column].drop_nulls().to_list()) - kept)


def _differs(column: str) -> pl.Expr:
    """True where the old and new values differ (nulls compare equal to nulls)."""
    return pl.col(column).ne_missing(pl.col(f"{column}__new"))


def next_version(old_version: str | None, bump: str) -> str | None:
    """The smallest version after `old_version` that a change of kind `bump` needs (None: no change)."""
    if old_version is None:
        return "1.0.0"
    major, minor, patch = version_key(old_version)
    return {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
    }.get(bump)


def required_bump(old_version: str, new_version: str) -> str:
    """The bump new_version makes over old_version: none, patch, minor or major; raises if it goes down."""
    valid_version(old_version, "old version")
    valid_version(new_version, "new version")
    o = version_key(old_version)
    n = version_key(new_version)
    if n < o:
        raise ValueError(f"{new_version} is lower than {old_version}")
    if n[0] > o[0]:
        return "major"
    if n[1] > o[1]:
        return "minor"
    if n[2] > o[2]:
        return "patch"
    return "none"


def check_version(d: ReleaseDiff) -> str | None:
    """None when d.new_version is a big enough step from d.old_version for the changes; else why not."""
    if d.old_version is None or not is_release_version(d.new_version):
        return None  # a first release, or a working build (not a version yet)
    try:
        made = required_bump(d.old_version, d.new_version)
    except ValueError as exc:
        return str(exc)
    if BUMPS.index(made) < BUMPS.index(d.bump):
        reasons = [f"{name}: {t.bump} ({t.why})" for name, t in d.tables.items() if BUMPS.index(t.bump) > BUMPS.index(made)]
        return f"version {d.new_version} is a {made} step from {d.old_version}, but the changes need a {d.bump} bump: " + "; ".join(reasons)
    return None


def dumps(d: ReleaseDiff) -> str:
    return json.dumps(d.to_json(), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Published releases


def published_versions(release_root: Path) -> list[str]:
    """The versions published under release/, lowest first (a directory X.Y.Z holding a manifest)."""
    root = Path(release_root)
    found = [d.name for d in root.iterdir() if d.is_dir() and is_release_version(d.name) and (d / "manifest.json").is_file()] if root.is_dir() else []
    return sorted(found, key=version_key)


def latest_published(release_root: Path, below: str | None = None) -> Path | None:
    """The highest published release directory (lower than `below`, when given), or None."""
    versions = [v for v in published_versions(release_root) if below is None or version_key(v) < version_key(below)]
    return Path(release_root) / versions[-1] if versions else None
