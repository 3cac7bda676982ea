"""What users import: load a table, open DuckDB over a release, read what the columns mean.

    import tradetalks
    quotes = tradetalks.load("quotes")                   # polars; the release shipped with this package
    quotes = tradetalks.load("quotes", version="1.0.0")  # pinned: fetched, sha256-checked, cached
    con = tradetalks.connect()                           # DuckDB, one view per table
    print(tradetalks.describe("quotes"))                 # every column and what it means

Light on purpose: this module imports the standard library only. polars, pandas, duckdb and
pooch are imported inside the functions that need them, and nothing here touches the build
(pandera, jsonschema): column docs come from the release's own manifest.json.

Where a release comes from:
- no version, or the version this package was built with: the copy inside the installed
  package (`tradetalks/data/`), or `<repo>/release/<version>/` in a source checkout. Offline.
- any other version: downloaded from `TRADETALKS_BASE_URL` (default: the GitHub release assets
  of `v<version>`), manifest first, every file checked against the manifest's sha256, and kept
  in `TRADETALKS_CACHE` (default: the user cache directory) under `<version>/`. Offline after
  the first fetch.
Every Parquet file's sha256 is checked against the manifest the first time a process reads it.
"""

from __future__ import annotations

import os

from tradetalks.__about__ import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing alone costs ~10 ms to import
    from pathlib import Path
    from typing import Any

# Standard-library modules too (json, pathlib, hashlib...) are imported where used:
# `import tradetalks` should cost a few milliseconds, not tens.

DEFAULT_BASE_URL = "https://github.com/tradetalks/tradetalks/releases/download/v{version}/"
OUTPUTS = ("polars", "pandas", "arrow")


class ReleaseError(Exception):
    """A release cannot be found, fetched or read: the message says which and what to do."""


class IntegrityError(ReleaseError):
    """A file does not match the sha256 its release's manifest records (corrupt, truncated or tampered)."""


class Column:
    """One column of a table: name, Arrow type, nullable, and what it means."""

    __slots__ = ("name", "type", "nullable", "description")

    def __init__(self, name: str, type: str, nullable: bool, description: str):
        self.name, self.type, self.nullable, self.description = name, type, nullable, description

    def __repr__(self) -> str:
        return f"Column({self.name!r}, {self.type!r}, nullable={self.nullable})"


class TableDescription:
    """What `describe()` returns; `print()` it for a readable summary."""

    def __init__(self, table: str, version: str, description: str, primary_key: str, rows: int, columns: list[Column]):
        self.table, self.version, self.description = table, version, description
        self.primary_key, self.rows, self.columns = primary_key, rows, columns

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.columns)
        lines = [
            f"{self.table} (tradetalks {self.version}): {self.rows} rows, key {self.primary_key}",
            self.description,
            "",
        ]
        for c in self.columns:
            null = "" if not c.nullable else ", nullable"
            lines.append(f"  {c.name:<{width}}  {c.type}{null}")
            lines.append(f"  {'':<{width}}  {c.description}")
        return "\n".join(lines)

    __repr__ = __str__


# ---------------------------------------------------------------------------------------------
# Public API


def tables(version: str | None = None) -> list[str]:
    """The tables of a release, in release order."""
    return list(_release(version).manifest["tables"])


def describe(table: str, version: str | None = None) -> TableDescription:
    """A table's meaning and every column's type and meaning, from the release's manifest.

    `print(tradetalks.describe("quotes"))` shows it; the returned object also has `.columns`.
    """
    release = _release(version)
    entry = release.table(table)
    return TableDescription(
        table=table,
        version=release.version,
        description=entry.get("description", ""),
        primary_key=entry["primary_key"],
        rows=entry["rows"],
        columns=[Column(c["name"], c["type"], bool(c["nullable"]), c.get("description", "")) for c in entry["columns"]],
    )


def load(table: str, version: str | None = None, to: str = "polars") -> Any:
    """Load one table of a tradetalks release.

    table:   articles, people, quotes, events, tariff_measures, evidence, disputes, measure_steps,
             measure_events or places (`tradetalks.tables()`; what each column means: `print(tradetalks.describe(table))`).
    version: None for the release shipped with this package (offline); "X.Y.Z" to pin a release:
             downloaded once, sha256-checked against its manifest, cached.
    to:      "polars" (default) -> polars.DataFrame, "pandas" -> pandas.DataFrame,
             "arrow" -> pyarrow.Table.

    Every row's `article_id`, `char_start`, `char_end` point at the exact characters of
    `articles.text` that support it: `text[char_start:char_end] == evidence`.
    """
    if to not in OUTPUTS:
        raise ValueError(f"to must be one of {', '.join(OUTPUTS)}; got {to!r}")
    path = _release(version).verified_path(table)
    if to == "arrow":
        import pyarrow.parquet as pq

        return pq.read_table(path)
    if to == "pandas":
        _require("pandas", "pandas")
        import pyarrow.parquet as pq

        # Dates as datetime64, not objects, so that `.dt` and date arithmetic work.
        return pq.read_table(path).to_pandas(date_as_object=False)
    import polars as pl

    return pl.read_parquet(path)


def connect(version: str | None = None, database: str = ":memory:") -> Any:
    """A DuckDB connection with one view per table of the release (`FROM quotes`, `FROM people`...)."""
    _require("duckdb", "duckdb")
    import duckdb

    release = _release(version)
    con = duckdb.connect(database)
    for name in release.manifest["tables"]:
        path = str(release.verified_path(name)).replace("'", "''")
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet(\'{path}\')')
    return con


def release_dir(version: str | None = None) -> Path:
    """The local directory holding a release (fetching it first if it is not cached)."""
    return _release(version).root


# ---------------------------------------------------------------------------------------------
# Releases: where they are and how they are checked


class Release:
    """A release directory and its manifest; file checksums are checked on first read."""

    def __init__(self, root: Path, manifest: dict):
        self.root = root
        self.manifest = manifest
        self.version = manifest.get("version", "?")

    def table(self, name: str) -> dict:
        tables = self.manifest.get("tables", {})
        if name not in tables:
            raise ReleaseError(f"no table {name!r} in tradetalks {self.version}; tables: {', '.join(tables)}")
        return tables[name]

    def verified_path(self, name: str) -> Path:
        entry = self.table(name)
        path = self.root / entry["path"]
        _check_file(path, entry["sha256"], entry.get("bytes"))
        return path


_RELEASES: dict[str, Release] = {}
_VERIFIED: dict[tuple[str, int, int], str] = {}


def _release(version: str | None) -> Release:
    key = version or ""
    if key not in _RELEASES:
        _RELEASES[key] = _open_release(version)
    return _RELEASES[key]


def _open_release(version: str | None) -> Release:
    import re

    if version is not None and not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ReleaseError(f"version must look like 1.0.0; got {version!r}")
    shipped = bundled_dir()
    if shipped is not None:
        manifest = _read_manifest(shipped)
        if version is None or manifest.get("version") == version:
            return Release(shipped, manifest)
    elif version is None:
        raise ReleaseError(
            f"no release ships with this installation of tradetalks {__version__}: "
            f"build one with `uv run tradetalks build` (writes release/{__version__}/), "
            "or pin a published version: tradetalks.load(table, version='X.Y.Z')"
        )
    root = fetch(version)
    return Release(root, _read_manifest(root))


def bundled_dir() -> Path | None:
    """The release inside the installed package, else `<repo>/release/<__version__>/` in a checkout."""
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parents[1] / "release" / __version__):
        if (candidate / "manifest.json").is_file():
            return candidate
    return None


def _read_manifest(root: Path) -> dict:
    import json

    path = root / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{path}: no manifest.json; not a tradetalks release directory") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{path}: unreadable manifest ({exc}); delete {root} and fetch again") from None
    if not isinstance(manifest, dict) or manifest.get("dataset") != "tradetalks" or not isinstance(manifest.get("tables"), dict):
        raise IntegrityError(f"{path}: not a tradetalks manifest")
    return manifest


def sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_file(path: Path, sha256: str, size: int | None) -> None:
    """Raise IntegrityError unless `path` has the recorded sha256; each file is hashed once per process."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ReleaseError(f"{path}: missing from its release directory") from None
    if size is not None and st.st_size != size:
        raise IntegrityError(f"{path}: {st.st_size} bytes, the manifest records {size}; the file is truncated or altered")
    key = (str(path), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(key) == sha256:
        return
    actual = sha256_file(path)
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
    base = os.environ.get("TRADETALKS_BASE_URL") or DEFAULT_BASE_URL
    if "{version}" in base:
        url = base.format(version=version)
    else:
        url = base.rstrip("/") + f"/{version}/"
    return url if url.endswith("/") else url + "/"


def fetch(version: str) -> Path:
    """The local copy of a published version: cached and checked, or downloaded, checked, then cached.

    The download goes to a temporary directory inside the cache and is renamed into place only
    when every file matches the manifest, so the cache holds a complete, verified version or
    nothing; concurrent fetches of one version end with one good copy.
    """
    import shutil
    import tempfile
    from pathlib import Path

    root = cache_root()
    target = root / version
    if (target / "manifest.json").is_file():
        _verify_cached(target, version)
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=root))
    try:
        _download(version, tmp)
        _write_stamp(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "manifest.json").is_file():
                raise
            # Another process finished first; its copy is as good as ours.
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _verify_cached(target, version)
    return target


def _download(version: str, into: Path) -> None:
    from pathlib import Path

    import pooch

    pooch.get_logger().setLevel("WARNING")
    url = base_url(version)

    def get(name: str, known_hash: str | None) -> Path:
        try:
            return Path(pooch.retrieve(url + name, known_hash=known_hash, fname=name, path=into, progressbar=False))
        except ValueError as exc:  # pooch: hash mismatch; it has deleted the bad download
            raise IntegrityError(
                f"tradetalks {version}: {url + name} does not match the sha256 its manifest records "
                f"(corrupt, truncated or tampered download); nothing was cached. ({exc})"
            ) from None
        except Exception as exc:
            raise ReleaseError(f"tradetalks {version}: could not download {url + name}: {exc}") from None

    manifest = _read_manifest(get("manifest.json", None).parent)
    if manifest.get("version") != version:
        raise IntegrityError(f"{url}manifest.json is for version {manifest.get('version')!r}, not {version}")
    for entry in manifest["tables"].values():
        _safe_name(entry["path"])
        get(entry["path"], "sha256:" + entry["sha256"])
    # pooch checks the hash; the size is checked too, so a truncated file is named as such.
    for entry in manifest["tables"].values():
        _check_file(into / entry["path"], entry["sha256"], entry.get("bytes"))


def _safe_name(name: str) -> None:
    if "/" in name or "\\" in name or name.startswith("."):
        raise IntegrityError(f"manifest names an unsafe file path {name!r}")


STAMP = ".manifest.sha256"


def _write_stamp(root: Path) -> None:
    (root / STAMP).write_text(sha256_file(root / "manifest.json") + "\n", encoding="ascii")


def _verify_cached(root: Path, version: str) -> None:
    """The cached manifest is the one fetched (stamp), and every table file still matches it."""
    stamp = root / STAMP
    recorded = stamp.read_text(encoding="ascii").strip() if stamp.is_file() else None
    if recorded != sha256_file(root / "manifest.json"):
        raise IntegrityError(
            f"{root}/manifest.json has changed since it was fetched; delete {root} to fetch tradetalks {version} again"
        )
    manifest = _read_manifest(root)
    if manifest.get("version") != version:
        raise IntegrityError(f"{root}/manifest.json is for version {manifest.get('version')!r}, not {version}")
    for entry in manifest["tables"].values():
        try:
            _check_file(root / entry["path"], entry["sha256"], entry.get("bytes"))
        except ReleaseError as exc:
            raise IntegrityError(f"{exc}; delete {root} to fetch tradetalks {version} again") from None
