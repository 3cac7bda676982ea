"""What users import: load a table, open DuckDB over a release, read what the columns mean.

    import tradetalks
    quotes = tradetalks.load("quotes")                   # polars; the release shipped with this package
    quotes = tradetalks.load("quotes", version="1.0.0")  # pinned: fetched, sha256-checked, cached
    con = tradetalks.connect()                           # DuckDB, one view per table
    print(tradetalks.describe("quotes"))                 # every column, what it means, the values it allows
    text = tradetalks.card()                             # the release's dataset card

Light on purpose: this module imports the standard library only. polars, pandas, pyarrow, duckdb
and pooch are imported inside the functions that need them, and nothing here touches the build
(pandera, jsonschema): column docs and allowed values come from the release's own manifest.json.
A release lays its tables out flat (1.0.0, 2.0.0) or in `data/` (later ones); its manifest says
where each file is.

Where a release comes from:
- no version, or the version this package was built with: the copy inside the installed
  package (`tradetalks/data/`, every file of the release), or `<repo>/release/<version>/` in a
  source checkout (where every published version is read in place). Offline.
- any other version: downloaded from `TRADETALKS_BASE_URL` (default: the GitHub release assets
  of `v<version>`), manifest first, every file checked against the manifest's sha256, and kept
  in `TRADETALKS_CACHE` (default: the user cache directory) under `<version>/`. Offline after
  the first fetch.
Every Parquet file's sha256 is checked against the manifest the first time a process reads it.

The server is not trusted:
- a version's manifest must have the sha256 this package pins for it (`known_releases.json`),
  or, for a version newer than the package, the sha256 the user passes (`manifest_sha256=` or
  `TRADETALKS_MANIFEST_SHA256`, from the release notes' SHA256SUMS); the manifest then pins
  every file;
- redirects may not leave the host (GitHub's own asset hosts excepted for github.com);
- every download is bounded in bytes (the manifest's sizes; 1 MB for the manifest), in time per
  read and in total (a deadline), and killed downloads' leftovers are removed on a later fetch;
- table names reaching SQL are the package's own, quoted; manifest entries are type-checked;
- before a Parquet file is read, its footer (length bounded, read by pyarrow with bounded Thrift
  sizes) must give the manifest's row count and columns, and its uncompressed size a cap, so a
  small file cannot decompress into billions of rows.
Every failure is a ReleaseError (IntegrityError when bytes do not match), saying what to do.
"""

from __future__ import annotations

import os

from tradetalks.__about__ import __version__

TYPE_CHECKING = False
if not TYPE_CHECKING:

    def overload(func):  # what typing.overload does at run time (the last definition wins)
        return func

else:  # typing alone costs ~10 ms to import
    from pathlib import Path
    from typing import Any, Literal, overload

    import pandas
    import polars
    import pyarrow

# Standard-library modules too (json, pathlib, hashlib...) are imported where used:
# `import tradetalks` should cost a few milliseconds, not tens.

DEFAULT_BASE_URL = "https://github.com/tradetalks/tradetalks/releases/download/v{version}/"
OUTPUTS = ("polars", "pandas", "arrow")

# The tables this package knows; a manifest naming any other table is refused (names reach SQL).
KNOWN_TABLES = ("articles", "people", "quotes", "events", "tariff_measures", "evidence", "disputes", "measure_steps", "measure_events", "places", "outlets")
# X.Y.Z, no leading zeros, nothing else: a version becomes a directory name and a URL segment.
VERSION_PATTERN = r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})"

# Bounds on what a server can make the loader do.
MAX_MANIFEST_BYTES = 1_000_000
MAX_FILE_BYTES = 2_000_000_000  # a table file, whatever its manifest says
MAX_ROWS = 50_000_000  # rows of one table (Parquet footer and manifest)
MAX_UNCOMPRESSED_BYTES = 8_000_000_000  # one table decompressed (Parquet footer)
READ_TIMEOUT_S = 30.0  # no byte for this long: give up
DEADLINE_S = 600.0  # a whole fetch (manifest and every file)
STALE_TMP_S = 2 * DEADLINE_S  # a temporary download directory this old belongs to a dead fetch
MAX_REDIRECTS = 5
# Where github.com sends release assets; any other host change is refused.
GITHUB_ASSET_HOSTS = ("objects.githubusercontent.com", "release-assets.githubusercontent.com")


if TYPE_CHECKING:
    from collections.abc import Callable

    Progress = Callable[[str, int, int], None]  # (file name, files done, files in all)


class ReleaseError(Exception):
    """A release cannot be found, fetched or read: the message says which and what to do."""


class IntegrityError(ReleaseError):
    """A file does not match the sha256 its release's manifest records (corrupt, truncated or tampered)."""


class Column:
    """One column of a table: name, Arrow type, nullable, what it means, and its allowed values (None: any)."""

    __slots__ = ("name", "type", "nullable", "description", "values")

    def __init__(self, name: str, type: str, nullable: bool, description: str, values: list[str] | None = None):
        self.name, self.type, self.nullable, self.description, self.values = name, type, nullable, description, values

    def __repr__(self) -> str:
        return f"Column({self.name!r}, {self.type!r}, nullable={self.nullable})"


def check_version(version: object, what: str = "version") -> str:
    """`version` if it is a plain SemVer X.Y.Z (no path segments, no prefix); ReleaseError otherwise."""
    import re

    if not isinstance(version, str) or not re.fullmatch(VERSION_PATTERN, version):
        shown = repr(version)[:60]
        raise ReleaseError(f"{what} must look like 1.0.0 (SemVer X.Y.Z, digits only); got {shown}")
    return version


def user_version(version: object, what: str = "version") -> str:
    """A version as a user types it: X.Y.Z, or vX.Y.Z as tags and release URLs spell it; the plain X.Y.Z."""
    if isinstance(version, str) and version[:1] in ("v", "V"):
        version = version[1:]
    return check_version(version, what)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def known_releases() -> dict[str, dict[str, str]]:
    """The published versions this package knows: {version: {"manifest_sha256": ...}}.

    Read from `known_releases.json` next to this module; the release command adds one entry per
    published version, so a newer package can verify every older version offline.
    """
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "known_releases.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path}: unreadable ({exc}); reinstall tradetalks") from None
    ok = isinstance(data, dict) and all(
        isinstance(v, dict) and isinstance(v.get("manifest_sha256"), str) and _is_sha256(v["manifest_sha256"]) for v in data.values()
    )
    if not ok:
        raise ReleaseError(f"{path}: not a {{version: {{manifest_sha256: ...}}}} mapping; reinstall tradetalks")
    return data


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


class TableDescription:
    """What `describe(table)` returns; `print()` it for a readable summary."""

    def __init__(self, table: str, version: str, description: str, primary_key: str, rows: int, columns: list[Column]):
        self.table, self.version, self.description = table, version, description
        self.primary_key, self.rows, self.columns = primary_key, rows, columns

    def __str__(self) -> str:
        width = max((len(c.name) for c in self.columns), default=0)
        lines = [
            f"{self.table} (tradetalks {self.version}): {self.rows} rows, key {self.primary_key}",
            self.description,
            "",
        ]
        for c in self.columns:
            null = "" if not c.nullable else ", nullable"
            lines.append(f"  {c.name:<{width}}  {c.type}{null}")
            lines.append(f"  {'':<{width}}  {c.description}")
            if c.values is not None:
                lines.append(f"  {'':<{width}}  one of: {', '.join(c.values)}")
        return "\n".join(lines)

    __repr__ = __str__


class ReleaseDescription:
    """What `describe()` returns without a table: every table of the release; `print()` it, or read `.tables`."""

    def __init__(self, version: str, tables: list[TableDescription]):
        self.version, self.tables = version, tables

    def __str__(self) -> str:
        width = max((len(t.table) for t in self.tables), default=0)
        head = [f"tradetalks {self.version}: {len(self.tables)} tables (tradetalks.load(table); tradetalks.card() for the dataset card)", ""]
        head += [f"  {t.table:<{width}}  {t.rows:>7,} rows  {t.description}" for t in self.tables]
        return "\n\n".join(["\n".join(head), *(str(t) for t in self.tables)])

    __repr__ = __str__


# ---------------------------------------------------------------------------------------------
# Public API


def tables(version: str | None = None, manifest_sha256: str | None = None) -> list[str]:
    """The tables of a release, in release order."""
    return list(_release(version, manifest_sha256).manifest["tables"])


@overload
def describe(table: None = None, version: str | None = None, manifest_sha256: str | None = None) -> ReleaseDescription: ...
@overload
def describe(table: str, version: str | None = None, manifest_sha256: str | None = None) -> TableDescription: ...


def describe(table: str | None = None, version: str | None = None, manifest_sha256: str | None = None) -> TableDescription | ReleaseDescription:
    """What a table holds: its meaning, every column's type and meaning, and the values an enumerated column allows.

    `print(tradetalks.describe("quotes"))` shows one table; `print(tradetalks.describe())` every
    table of the release. Read from the release's own manifest; the returned object also has
    `.columns` (or `.tables`).
    """
    release = _release(version, manifest_sha256)
    if table is None:
        return ReleaseDescription(release.version, [_describe(release, name) for name in release.manifest["tables"]])
    return _describe(release, table)


def _describe(release: Release, table: str) -> TableDescription:
    entry = release.table(table)
    return TableDescription(
        table=table,
        version=release.version,
        description=entry.get("description", ""),
        primary_key=entry["primary_key"],
        rows=entry["rows"],
        columns=[Column(c["name"], c["type"], bool(c["nullable"]), c.get("description", ""), c.get("enum")) for c in entry["columns"]],
    )


CARD = "README.md"  # a release's dataset card


def card(version: str | None = None, manifest_sha256: str | None = None) -> str:
    """The dataset card of a release (Markdown): what the data is, its sources, limits, tables and licence.

    The shipped version's card is read offline; a pinned version's is fetched (and checked) with it.
    """
    release = _release(version, manifest_sha256)
    path = release.root / CARD
    if not path.is_file():
        _fetch_files(release.root, release.version, only={CARD})
    entry = dict((rel, (sha, size)) for rel, sha, size in release_files(release.manifest, str(release.root / "manifest.json"))).get(CARD)
    if entry is not None:
        _check_file(path, *entry)
    return path.read_text(encoding="utf-8")


@overload
def load(table: str | None = None, version: str | None = None, to: Literal["polars"] = "polars", manifest_sha256: str | None = None) -> polars.DataFrame: ...
@overload
def load(table: str, version: str | None, to: Literal["pandas"], manifest_sha256: str | None = None) -> pandas.DataFrame: ...
@overload
def load(table: str | None = None, version: str | None = None, *, to: Literal["pandas"], manifest_sha256: str | None = None) -> pandas.DataFrame: ...
@overload
def load(table: str, version: str | None, to: Literal["arrow"], manifest_sha256: str | None = None) -> pyarrow.Table: ...
@overload
def load(table: str | None = None, version: str | None = None, *, to: Literal["arrow"], manifest_sha256: str | None = None) -> pyarrow.Table: ...
@overload
def load(table: str | None = None, version: str | None = None, to: str = "polars", manifest_sha256: str | None = None) -> Any: ...


def load(table: str | None = None, version: str | None = None, to: str = "polars", manifest_sha256: str | None = None) -> Any:
    """Load one table of a tradetalks release.

    table:   articles, people, quotes, events, tariff_measures, evidence, disputes, measure_steps,
             measure_events, places or outlets (`tradetalks.tables()`; what each column means: `print(tradetalks.describe(table))`).
    version: None for the release shipped with this package (offline); "X.Y.Z" (or "vX.Y.Z") to pin a release:
             downloaded once, sha256-checked against its manifest, cached.
    to:      "polars" (default) -> polars.DataFrame, "pandas" -> pandas.DataFrame,
             "arrow" -> pyarrow.Table. A column of allowed values (an event type, a status...)
             loads as a polars Enum / pandas Categorical of those values (in the order the
             release declares them) where the release declares them; arrow gives the file as stored.
    manifest_sha256: only for a version newer than this package: the sha256 of that version's
             manifest.json, from its release notes (SHA256SUMS); also `TRADETALKS_MANIFEST_SHA256`.
             Versions this package knows are pinned already.

    Every row's `article_id`, `char_start`, `char_end` point at the exact characters of
    `articles.text` that support it: `text[char_start:char_end] == evidence`.
    """
    if to not in OUTPUTS:
        raise ValueError(f"to must be one of {', '.join(OUTPUTS)}; got {to!r}")
    release = _release(version, manifest_sha256)
    if table is None:
        raise TypeError(
            f"load() needs a table, e.g. tradetalks.load('quotes'); the tables of tradetalks {release.version}: "
            f"{', '.join(release.manifest['tables'])} (print(tradetalks.describe()) says what each holds)"
        )
    path = release.verified_path(table)
    release.check_footer(table, path)
    enums = {c["name"]: c["enum"] for c in release.table(table)["columns"] if c.get("enum") is not None}
    try:
        if to == "arrow":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if to == "pandas":
            _require("pandas", "pandas")
            import pyarrow.parquet as pq

            # Dates as datetime64, not objects, so that `.dt` and date arithmetic work.
            frame = pq.read_table(path).to_pandas(date_as_object=False)
            for name, values in enums.items():
                _check_enum(path, name, values, set(frame[name].dropna()))
                frame[name] = frame[name].astype(_pandas_categories(values))
            return frame
        import polars as pl

        frame = pl.read_parquet(path)
        for name, values in enums.items():
            _check_enum(path, name, values, set(frame[name].drop_nulls().unique()))
        return frame.with_columns(pl.col(name).cast(pl.Enum(values)) for name, values in enums.items())
    except (ImportError, ReleaseError):
        raise
    except Exception as exc:  # OSError, or the reader's own error types for a malformed file
        raise ReleaseError(f"{path}: could not be read ({str(exc)[:200]}); delete {release.root} and load again") from None


def _check_enum(path: Path, column: str, allowed: list[str], found: set) -> None:
    """A value outside the allowed ones would become null in pandas: refuse the file instead."""
    other = sorted(str(v) for v in found - set(allowed))
    if other:
        raise IntegrityError(f"{path}: column {column} holds {', '.join(map(repr, other[:5]))}, not among the values its manifest allows")


def _pandas_categories(values: list[str]) -> Any:
    import pandas as pd

    return pd.CategoricalDtype(values)


def connect(version: str | None = None, database: str = ":memory:", manifest_sha256: str | None = None) -> Any:
    """A DuckDB connection with one view per table of the release (`FROM quotes`, `FROM people`...)."""
    _require("duckdb", "duckdb")
    import duckdb

    release = _release(version, manifest_sha256)
    paths = {}
    for name in release.manifest["tables"]:
        # Only the package's own table names reach SQL (the manifest was checked against them),
        # and identifiers and literals are quoted all the same.
        if name not in KNOWN_TABLES:
            raise IntegrityError(f"manifest of tradetalks {release.version} names an unknown table {name!r}")
        paths[name] = release.verified_path(name)
        release.check_footer(name, paths[name])
    con = duckdb.connect(database)
    for name, path in paths.items():
        con.execute(f"CREATE OR REPLACE VIEW {_sql_identifier(name)} AS SELECT * FROM read_parquet({_sql_literal(str(path))})")
    return con


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def release_dir(version: str | None = None, manifest_sha256: str | None = None) -> Path:
    """The local directory holding a release (fetching it first if it is not cached)."""
    return _release(version, manifest_sha256).root


# ---------------------------------------------------------------------------------------------
# Releases: where they are and how they are checked


class Release:
    """A release directory and its (checked) manifest; file checksums are checked on first read."""

    def __init__(self, root: Path, manifest: dict):
        self.root = root
        self.manifest = manifest
        self.version = manifest.get("version", "?")
        self._footers: set[str] = set()

    def table(self, name: str) -> dict:
        tables = self.manifest.get("tables", {})
        if not isinstance(name, str) or name not in tables:
            hint = did_you_mean(name, list(tables))
            raise ReleaseError(f"no table {name!r} in tradetalks {self.version}{hint}; tables: {', '.join(tables)}")
        return tables[name]

    def verified_path(self, name: str) -> Path:
        entry = self.table(name)
        path = self.root / entry["path"]
        _check_file(path, entry["sha256"], entry.get("bytes"))
        return path

    def check_footer(self, name: str, path: Path) -> None:
        """Rows, columns and uncompressed size from the Parquet footer, against the manifest and the caps, before anything decompresses."""
        if name in self._footers:
            return
        entry = self.table(name)
        try:
            rows, group_rows, uncompressed, columns = parquet_footer(path)
        except (OSError, ValueError) as exc:
            raise IntegrityError(f"{path}: not a readable Parquet file ({str(exc)[:200]}); delete {self.root} and load again") from None
        if rows != entry["rows"] or group_rows != rows:
            raise IntegrityError(
                f"{path}: its Parquet footer holds {rows:,} rows ({group_rows:,} in its row groups), the manifest records "
                f"{entry['rows']:,}; the file was not produced by that release. Delete {self.root} and load again"
            )
        if rows > MAX_ROWS or uncompressed > MAX_UNCOMPRESSED_BYTES:
            raise IntegrityError(
                f"{path}: {rows:,} rows, {uncompressed:,} bytes uncompressed; more than this loader reads "
                f"({MAX_ROWS:,} rows, {MAX_UNCOMPRESSED_BYTES:,} bytes); refused"
            )
        recorded = [(c["name"], c["type"]) for c in entry["columns"]]
        if columns != recorded:
            differ = next(((f, r) for f, r in zip(columns + [None] * len(recorded), recorded + [None] * len(columns), strict=False) if f != r), None)
            raise IntegrityError(
                f"{path}: its columns are not those the manifest records (first difference: the file has {differ[0] if differ else None}, "
                f"the manifest {differ[1] if differ else None}); the file was not produced by that release. Delete {self.root} and load again"
            )
        self._footers.add(name)


MAX_FOOTER_BYTES = 4_000_000  # a release table's footer is a few kB per row group
MAX_FOOTER_ITEMS = 1_000_000  # elements of any one list in the footer (row groups, columns...)


def parquet_footer(path: Path) -> tuple[int, int, int, list[tuple[str, str]]]:
    """(rows, rows summed over the row groups, uncompressed bytes, [(column, Arrow type)]) of a Parquet file.

    The file is untrusted: its footer's length is checked before pyarrow reads it, and pyarrow's
    Thrift reader is bounded in string and list sizes. Uncompressed bytes are counted per row
    group as the larger of the group's `total_byte_size` and its columns' `total_uncompressed_size`.
    ValueError for a file that is not plain Parquet or whose footer gives negative sizes.
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < 12:
            raise ValueError(f"{size} bytes; too short for a Parquet file")
        head = fh.read(4)
        fh.seek(size - 8)
        tail = fh.read(8)
    if tail[4:] != b"PAR1":
        raise ValueError("an encrypted footer; not a plain Parquet file" if tail[4:] == b"PARE" else f"no Parquet magic at its end ({tail[4:]!r})")
    if head != b"PAR1":
        raise ValueError("no Parquet magic at its start")
    length = int.from_bytes(tail[:4], "little")
    if length > size - 12:
        raise ValueError(f"its footer claims {length:,} bytes of a {size:,}-byte file")
    if length > MAX_FOOTER_BYTES:
        raise ValueError(f"its footer is {length:,} bytes; at most {MAX_FOOTER_BYTES:,} are read")
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path, thrift_string_size_limit=MAX_FOOTER_BYTES, thrift_container_size_limit=MAX_FOOTER_ITEMS) as pf:
            meta = pf.metadata
            schema = pf.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(str(exc)[:200]) from None
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    uncompressed = 0
    for group in groups:
        chunks = [group.column(j).total_uncompressed_size for j in range(group.num_columns)]
        if group.num_rows < 0 or group.total_byte_size < 0 or any(c < 0 for c in chunks):
            raise ValueError("its footer gives a negative size")
        uncompressed += max(group.total_byte_size, sum(chunks))
    if meta.num_rows < 0:
        raise ValueError("its footer gives a negative row count")
    return meta.num_rows, sum(g.num_rows for g in groups), uncompressed, [(f.name, str(f.type)) for f in schema]


def did_you_mean(given: object, choices: list[str]) -> str:
    """' (did you mean X?)' when `given` is close to one of `choices` (difflib), else ''."""
    import difflib

    if not isinstance(given, str):
        return ""
    close = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_RELEASES: dict[str, Release] = {}
_VERIFIED: dict[tuple[str, int, int], str] = {}


def _release(version: str | None, manifest_sha256: str | None = None) -> Release:
    if version is not None:
        version = user_version(version)
    key = version or ""
    if key not in _RELEASES:
        _RELEASES[key] = _open_release(version, manifest_sha256)
    return _RELEASES[key]


def _open_release(version: str | None, manifest_sha256: str | None = None) -> Release:
    shipped = bundled_dir()
    if shipped is not None:
        manifest = _read_manifest(shipped)
        if version is None or manifest.get("version") == version:
            return Release(shipped, manifest)
    elif version is None:
        raise ReleaseError(
            f"no release ships with this installation of tradetalks {__version__}: "
            f"a source checkout needs release/{__version__}/ (maintainers publish it with `tradetalks release {__version__}`), "
            "or pin a published version: tradetalks.load(table, version='X.Y.Z')"
        )
    local = checkout_release(version) if version is not None else None
    if local is not None:
        return Release(local, _read_manifest(local))
    root = fetch(version, manifest_sha256)
    return Release(root, _read_manifest(root))


def bundled_dir() -> Path | None:
    """The release inside the installed package, else `<repo>/release/<__version__>/` in a checkout."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parents[1] / "release" / __version__):
        if (candidate / "manifest.json").is_file():
            return candidate
    return None


def checkout_release(version: str) -> Path | None:
    """`<repo>/release/<version>/` in a source checkout, when its manifest is the one the package pins.

    A checkout holds every published release: a pinned version is read from there, offline, and
    checked like a download (the manifest's sha256 against `known_releases.json`, every file
    against the manifest). Anything else is fetched.
    """
    from pathlib import Path

    here = Path(__file__).resolve().parent
    if (here / "data").is_dir():
        return None  # an installed package: pinned versions come from the cache
    candidate = here.parents[1] / "release" / version
    pinned = known_releases().get(version, {}).get("manifest_sha256")
    if pinned is None or not (candidate / "manifest.json").is_file() or sha256_file(candidate / "manifest.json") != pinned:
        return None
    return candidate


def _read_manifest(root: Path) -> dict:
    import json

    path = root / "manifest.json"
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise IntegrityError(f"{path}: larger than {MAX_MANIFEST_BYTES:,} bytes; not a tradetalks manifest")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{path}: no manifest.json; not a tradetalks release directory") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IntegrityError(f"{path}: unreadable manifest ({str(exc)[:200]}); delete {root} and fetch again") from None
    check_manifest(manifest, str(path))
    return manifest


def check_manifest(manifest: object, where: str) -> None:
    """IntegrityError unless `manifest` has the shape the loader relies on (types, names, safe paths)."""

    def bad(what: str) -> IntegrityError:
        return IntegrityError(f"{where}: not a valid tradetalks manifest: {what}")

    if not isinstance(manifest, dict) or manifest.get("dataset") != "tradetalks":
        raise bad('no "dataset": "tradetalks"')
    try:
        check_version(manifest.get("version"), "its version")
    except ReleaseError as exc:
        raise bad(str(exc)) from None
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise bad('"tables" is not a non-empty mapping')
    for name, entry in tables.items():
        if name not in KNOWN_TABLES:
            raise bad(f"unknown table {str(name)[:60]!r} (this package knows {', '.join(KNOWN_TABLES)}); a newer package may be needed")
        if not isinstance(entry, dict):
            raise bad(f"tables.{name} is not a mapping")
        for key, types in (("path", str), ("sha256", str), ("bytes", int), ("rows", int), ("primary_key", str), ("columns", list)):
            value = entry.get(key)
            if not isinstance(value, types) or isinstance(value, bool):
                raise bad(f"tables.{name}.{key} is missing or not a {types.__name__}")
        if not _is_sha256(entry["sha256"]):
            raise bad(f"tables.{name}.sha256 is not 64 lower-case hex digits")
        if not 0 <= entry["bytes"] <= MAX_FILE_BYTES or not 0 <= entry["rows"] <= MAX_ROWS:
            raise bad(f"tables.{name}: bytes or rows out of range")
        if not _safe_path(entry["path"], TABLE_FOLDERS):
            raise bad(f"tables.{name}.path {entry['path'][:60]!r} is not a plain file name (or one in {', '.join(f + '/' for f in TABLE_FOLDERS)})")
        if not isinstance(entry.get("description", ""), str):
            raise bad(f"tables.{name}.description is not text")
        for column in entry["columns"]:
            if not (
                isinstance(column, dict)
                and isinstance(column.get("name"), str)
                and isinstance(column.get("type"), str)
                and isinstance(column.get("nullable"), bool)
                and isinstance(column.get("description", ""), str)
            ):
                raise bad(f"tables.{name}.columns: each column needs a name, type, nullable and description")
            allowed = column.get("enum")
            if allowed is not None and not (
                isinstance(allowed, list) and allowed and all(isinstance(v, str) for v in allowed) and len(set(allowed)) == len(allowed)
            ):
                raise bad(f"tables.{name}.columns: the enum of {column['name']!r} is not a list of distinct strings")
    paths = [entry["path"] for entry in tables.values()]
    if len(set(paths)) != len(paths):
        raise bad("two tables share one file")


def sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_file(path: Path, sha256: str, size: int | None) -> None:
    """Raise IntegrityError unless `path` has the recorded sha256; each file is hashed once per process."""
    import stat

    try:
        st = path.lstat()
    except FileNotFoundError:
        raise ReleaseError(f"{path}: missing from its release directory; delete {path.parent} and load again") from None
    except OSError as exc:
        raise ReleaseError(f"{path}: cannot be read ({exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise IntegrityError(f"{path}: not a regular file; delete {path.parent} and load again")
    if size is not None and st.st_size != size:
        raise IntegrityError(f"{path}: {st.st_size} bytes, the manifest records {size}; the file is truncated or altered")
    key = (str(path), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(key) == sha256:
        return
    try:
        actual = sha256_file(path)
    except OSError as exc:
        raise ReleaseError(f"{path}: cannot be read ({exc})") from None
    if actual != sha256:
        raise IntegrityError(f"{path}: sha256 {actual} does not match the manifest's {sha256}; the file is corrupt or altered")
    _VERIFIED[key] = sha256


def _require(module: str, extra: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ImportError(f"this needs {module}: pip install 'tradetalks[{extra}]'")


# ---------------------------------------------------------------------------------------------
# Fetching a pinned version


def cache_root() -> Path:
    """`TRADETALKS_CACHE`, else the user cache directory (pooch.os_cache('tradetalks'))."""
    from pathlib import Path

    env = os.environ.get("TRADETALKS_CACHE")
    if env:
        return Path(env)
    import pooch

    return Path(pooch.os_cache("tradetalks"))


def base_url(version: str) -> str:
    """Where a version's assets live: `TRADETALKS_BASE_URL` with `{version}` filled in.

    Without a `{version}` placeholder, `<base>/<version>/` is used.
    """
    check_version(version)
    base = os.environ.get("TRADETALKS_BASE_URL") or DEFAULT_BASE_URL
    if "{version}" in base:
        url = base.replace("{version}", version)
    else:
        url = base.rstrip("/") + f"/{version}/"
    return url if url.endswith("/") else url + "/"


def expected_manifest_sha256(version: str, manifest_sha256: str | None = None) -> str:
    """The sha256 the manifest of `version` must have: pinned by this package, or given by the user."""
    given = manifest_sha256 or os.environ.get("TRADETALKS_MANIFEST_SHA256") or None
    if given is not None:
        given = given.strip().lower()
        if not _is_sha256(given):
            raise ReleaseError(f"manifest_sha256 must be 64 hex digits; got {given[:80]!r}")
    pinned = known_releases().get(version, {}).get("manifest_sha256")
    if pinned and given and pinned != given:
        raise ReleaseError(
            f"tradetalks {version}: the manifest sha256 you gave ({given}) is not the one this package pins ({pinned}); "
            "drop manifest_sha256 / TRADETALKS_MANIFEST_SHA256 for versions the package knows"
        )
    if pinned:
        return pinned
    if given:
        return given  # the user vouches for that manifest
    known = sorted({*known_releases(), __version__}, key=version_key)
    if version_key(version) < version_key(known[-1]):
        # Every version up to the newest this package knows is listed in known_releases.json.
        raise ReleaseError(
            f"tradetalks has no published version {version}{did_you_mean(version, known)}; the published versions up to {known[-1]} are {', '.join(known)}"
        )
    raise ReleaseError(
        f"tradetalks {version} is newer than the versions this package ({__version__}) knows ({', '.join(known)}), so it cannot check "
        "that server's files. If it is published, upgrade tradetalks (pip install -U tradetalks), or pass the sha256 of its "
        "manifest.json from its release notes (SHA256SUMS): load(table, version=..., manifest_sha256=...) or TRADETALKS_MANIFEST_SHA256"
    )


def fetch(version: str, manifest_sha256: str | None = None, whole: bool = False, progress: Progress | None = None) -> Path:
    """The local copy of a published version: cached and checked, or downloaded, checked, then cached.

    By default the manifest and the tables (what `load()` needs). `whole=True` brings everything
    the manifest's `files` lists too (dataset card, CHANGELOG, datapackage.json, croissant.json,
    CSV copies), each checked against its sha256. `progress(name, done, total)` is called per file.
    The shipped version (and in a source checkout every published one) is checked where it lies,
    never downloaded.
    """
    version = user_version(version)
    local = local_release(version)
    if local is not None:
        # The shipped version (and, in a checkout, every published one) is at hand: checked, never fetched.
        manifest = _read_manifest(local)
        for entry in manifest["tables"].values():
            _check_file(local / entry["path"], entry["sha256"], entry.get("bytes"))
        for rel, sha256, size in release_files(manifest, str(local / "manifest.json")) if whole else ():
            _check_file(local / rel, sha256, size)
        return local
    target = _fetch_tables(version, manifest_sha256, progress)
    if whole:
        _fetch_files(target, version, progress)
    return target


def local_release(version: str) -> Path | None:
    """The directory of `version` when it needs no download: the shipped release, or a checkout's published one."""
    shipped = bundled_dir()
    if shipped is not None and _read_manifest(shipped).get("version") == version:
        return shipped
    return checkout_release(version)


def _fetch_tables(version: str, manifest_sha256: str | None = None, progress: Progress | None = None) -> Path:
    """The manifest and tables of a version, cached (see `fetch`).

    The download goes to a temporary directory inside the cache and is renamed into place only
    when every file matches the manifest, so the cache holds a complete, verified version or
    nothing; concurrent fetches of one version end with one good copy.
    """
    import shutil
    import tempfile
    from pathlib import Path

    check_version(version)
    expected = expected_manifest_sha256(version, manifest_sha256)
    root = cache_root()
    target = root / version
    try:
        cached = (target / "manifest.json").is_file()
    except OSError:
        cached = False
    if cached:
        _verify_cached(target, version, expected)
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_stale(root)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=root))
    except OSError as exc:
        raise ReleaseError(f"cannot write to the tradetalks cache {root} ({exc}); set TRADETALKS_CACHE to a writable directory") from None
    try:
        _download(version, tmp, expected, progress)
        _write_stamp(tmp)
        apply_umask(tmp)  # mkdtemp made it 0700: readable as the user's umask allows, like any cache
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "manifest.json").is_file():
                raise
            # Another process finished first; its copy is as good as ours.
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(
            f"tradetalks {version}: could not store the download in {root} ({exc}); "
            f"check that the cache directory is writable, and delete {target} if it is left over from an interrupted fetch"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _verify_cached(target, version, expected)
    return target


def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells (/proc), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(root: Path, mask: int | None = None) -> None:
    """Give a tree made under `tempfile.mkdtemp` (0700) the modes the user's umask allows.

    mkdtemp makes its directory private, whatever the umask; a release moved into place from
    it would stay unreadable to other users and to a web server. Directories get 0777 & ~umask,
    files 0666 & ~umask, as if they had been made in place.
    """
    mask = current_umask() if mask is None else mask
    for p in [root, *root.rglob("*")]:
        if p.is_symlink():
            continue
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)


def _clean_stale(root: Path) -> None:
    """Remove temporary download directories of fetches that died (older than STALE_TMP_S)."""
    import shutil
    import time

    now = time.time()
    for entry in root.glob(".tmp-*"):
        try:
            newest = max([entry.lstat().st_mtime, *(p.lstat().st_mtime for p in entry.iterdir())]) if entry.is_dir() else entry.lstat().st_mtime
        except OSError:
            continue
        if now - newest > STALE_TMP_S:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.unlink()
                except OSError:
                    pass


class _Download:
    """Bounded HTTP(S) GETs: per-read timeout, one deadline for the whole fetch, size caps, same-host redirects."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.sockets: list = []

    def opener(self):
        import http.client
        import urllib.request

        sockets = self.sockets

        def tracked(base):
            class Connection(base):
                def connect(self):
                    super().connect()
                    sockets.append(self.sock)

            return Connection

        class HTTP(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(tracked(http.client.HTTPConnection), req)

        class HTTPS(urllib.request.HTTPSHandler):
            def https_open(self, req):
                return self.do_open(tracked(http.client.HTTPSConnection), req, context=self._context)

        class Redirects(urllib.request.HTTPRedirectHandler):
            max_redirections = MAX_REDIRECTS

            def redirect_request(self, req, fp, code, msg, headers, newurl):
                import urllib.parse

                old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
                same = (old.scheme, old.hostname, old.port) == (new.scheme, new.hostname, new.port)
                github = old.hostname == "github.com" and new.scheme == "https" and new.hostname in GITHUB_ASSET_HOSTS
                if not (same or github):
                    raise ReleaseError(
                        f"{req.full_url} redirects to another host ({newurl[:200]}); refused. Point TRADETALKS_BASE_URL at the host that serves the files"
                    )
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        return urllib.request.build_opener(HTTP, HTTPS, Redirects)

    def _kill(self) -> None:
        import socket

        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def get(self, url: str, into: Path, limit: int, sha256: str | None) -> str:
        """Download `url` to `into` (at most `limit` bytes); its sha256, checked if given."""
        import hashlib
        import threading
        import time
        import urllib.error

        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ReleaseError(f"gave up on {url}: the download took longer than {DEADLINE_S:.0f} s")
        watchdog = threading.Timer(remaining, self._kill)
        watchdog.daemon = True
        watchdog.start()
        h = hashlib.sha256()
        size = 0
        try:
            with self.opener().open(url, timeout=READ_TIMEOUT_S) as resp:
                length = resp.headers.get("Content-Length")
                if length is not None and length.strip().isdigit() and int(length) > limit:
                    raise IntegrityError(f"{url} is {int(length):,} bytes; at most {limit:,} expected; refused")
                with open(into, "xb") as out:
                    while True:
                        if time.monotonic() > self.deadline:
                            raise TimeoutError("deadline")
                        block = resp.read(1 << 16)
                        if not block:
                            break
                        size += len(block)
                        if size > limit:
                            raise IntegrityError(f"{url} sent more than the {limit:,} bytes expected; refused, nothing was cached")
                        h.update(block)
                        out.write(block)
        except ReleaseError:
            raise
        except (TimeoutError, OSError, urllib.error.URLError, ValueError, http_client_errors()) as exc:
            if time.monotonic() >= self.deadline:
                raise ReleaseError(f"gave up on {url}: the fetch took longer than {DEADLINE_S:.0f} s (slow or stalled server); try again later") from None
            if isinstance(exc, TimeoutError) or "timed out" in str(exc):
                raise ReleaseError(f"gave up on {url}: no data for {READ_TIMEOUT_S:.0f} s; try again later") from None
            raise ReleaseError(f"could not download {url}: {str(exc)[:200]}") from None
        finally:
            watchdog.cancel()
            self._kill()
            self.sockets.clear()
        actual = h.hexdigest()
        if sha256 is not None and actual != sha256:
            raise IntegrityError(
                f"{url} does not match the sha256 its manifest records (corrupt, truncated or tampered download); "
                f"nothing was cached. (expected {sha256}, got {actual})"
            )
        return actual


def http_client_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def _download(version: str, into: Path, expected_manifest: str, progress: Progress | None = None) -> None:
    import time

    url = base_url(version)
    session = _Download(time.monotonic() + DEADLINE_S)
    got = session.get(url + "manifest.json", into / "manifest.json", MAX_MANIFEST_BYTES, None)
    if got != expected_manifest:
        raise IntegrityError(
            f"{url}manifest.json has sha256 {got}, but tradetalks {version}'s manifest has {expected_manifest}: "
            "the server's copy is not the published release; nothing was cached"
        )
    manifest = _read_manifest(into)
    if manifest.get("version") != version:
        raise IntegrityError(f"{url}manifest.json is for version {manifest.get('version')!r}, not {version}")
    for i, entry in enumerate(manifest["tables"].values()):
        if progress is not None:
            progress(entry["path"], i, len(manifest["tables"]))
        (into / entry["path"]).parent.mkdir(exist_ok=True)
        session.get(url + asset_name(entry["path"]), into / entry["path"], entry["bytes"], entry["sha256"])
    # The size is checked too, so a truncated file is named as such.
    for entry in manifest["tables"].values():
        _check_file(into / entry["path"], entry["sha256"], entry.get("bytes"))


def release_files(manifest: dict, where: str) -> list[tuple[str, str, int]]:
    """The manifest's `files` (card, CHANGELOG, metadata, CSVs) as (path, sha256, bytes), checked for shape.

    A path is a plain file name, or one in `csv/`; anything else is refused (it becomes a local path).
    """
    files = manifest.get("files", {})
    if not isinstance(files, dict):
        raise IntegrityError(f'{where}: not a valid tradetalks manifest: "files" is not a mapping')
    out = []
    for rel, entry in files.items():
        if not (
            _safe_path(rel, FILE_FOLDERS)
            and isinstance(entry, dict)
            and entry.get("path") == rel
            and _is_sha256(entry.get("sha256"))
            and isinstance(entry.get("bytes"), int)
            and not isinstance(entry.get("bytes"), bool)
            and 0 <= entry["bytes"] <= MAX_FILE_BYTES
        ):
            raise IntegrityError(f"{where}: not a valid tradetalks manifest: files entry {str(rel)[:60]!r} needs a plain path, sha256 and bytes")
        out.append((rel, entry["sha256"], entry["bytes"]))
    return sorted(out)


def asset_name(rel: str) -> str:
    """A release file's name among the GitHub release assets: `csv/quotes.csv` is uploaded as `csv-quotes.csv`, `data/quotes.parquet` as `data-quotes.parquet`."""
    return rel.replace("/", "-")


def _fetch_files(target: Path, version: str, progress: Progress | None = None, only: set[str] | None = None) -> None:
    """Add the manifest's `files` (or those of them named in `only`) to a cached version: the missing ones downloaded and checked, the present ones checked."""
    import shutil
    import tempfile
    import time
    from pathlib import Path

    files = [f for f in release_files(_read_manifest(target), str(target / "manifest.json")) if only is None or f[0] in only]
    if target == bundled_dir() and not all((target / rel).is_file() for rel, _, _ in files):
        raise ReleaseError(f"{target}: the release shipped with this package lacks some of its files; reinstall tradetalks")
    missing = []
    for rel, sha256, size in files:
        if (target / rel).exists():
            try:
                _check_file(target / rel, sha256, size)
            except ReleaseError as exc:
                raise IntegrityError(f"{exc}; delete {target} to fetch tradetalks {version} again") from None
        else:
            missing.append((rel, sha256, size))
    if not missing:
        return
    url = base_url(version)
    session = _Download(time.monotonic() + DEADLINE_S)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-files-", dir=target.parent))
    except OSError as exc:
        raise ReleaseError(f"cannot write to the tradetalks cache {target.parent} ({exc}); set TRADETALKS_CACHE to a writable directory") from None
    try:
        for i, (rel, sha256, size) in enumerate(missing):
            if progress is not None:
                progress(rel, i, len(missing))
            session.get(url + asset_name(rel), tmp / asset_name(rel), size, sha256)
        apply_umask(tmp)
        # Only verified files move into the cached version, each in one rename.
        for rel, _, _ in missing:
            (target / rel).parent.mkdir(exist_ok=True)
            os.replace(tmp / asset_name(rel), target / rel)
    except OSError as exc:
        raise ReleaseError(f"tradetalks {version}: could not store the download in {target} ({exc}); check the cache directory") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# The folders a release's files may lie in (the flat layout of 1.0.0 and 2.0.0 has none): the tables'
# Parquet files in `data/`, their CSV copies in `csv/`.
TABLE_FOLDERS = ("data",)
FILE_FOLDERS = ("csv",)


def _safe_path(rel: object, folders: tuple[str, ...]) -> bool:
    """A plain file name, or `<folder>/<plain file name>` for one of `folders`."""
    parts = rel.split("/") if isinstance(rel, str) else []
    return (len(parts) == 1 and _safe_name(parts[0])) or (len(parts) == 2 and parts[0] in folders and _safe_name(parts[1]))


def _safe_name(name: str) -> bool:
    """A plain file name: no directories, no leading dot, no drive or device tricks."""
    import re

    return isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", name) is not None and ".." not in name


STAMP = ".manifest.sha256"


def _write_stamp(root: Path) -> None:
    (root / STAMP).write_text(sha256_file(root / "manifest.json") + "\n", encoding="ascii")


def _verify_cached(root: Path, version: str, expected: str | None = None) -> None:
    """The cached manifest is the one fetched (stamp) and pinned, and every table file still matches it."""
    stamp = root / STAMP
    try:
        recorded = stamp.read_text(encoding="ascii").strip() if stamp.is_file() else None
        actual = sha256_file(root / "manifest.json")
    except (OSError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"{root}: the cached copy is unreadable ({exc}); delete {root} to fetch tradetalks {version} again") from None
    if recorded != actual:
        raise IntegrityError(f"{root}/manifest.json has changed since it was fetched; delete {root} to fetch tradetalks {version} again")
    if expected is not None and actual != expected:
        raise IntegrityError(
            f"{root}/manifest.json (sha256 {actual}) is not tradetalks {version}'s published manifest ({expected}); delete {root} to fetch it again"
        )
    manifest = _read_manifest(root)
    if manifest.get("version") != version:
        raise IntegrityError(f"{root}/manifest.json is for version {manifest.get('version')!r}, not {version}")
    for entry in manifest["tables"].values():
        try:
            _check_file(root / entry["path"], entry["sha256"], entry.get("bytes"))
        except ReleaseError as exc:
            raise IntegrityError(f"{exc}; delete {root} to fetch tradetalks {version} again") from None
