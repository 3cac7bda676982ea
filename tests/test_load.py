"""The loader: load / connect / tables / describe over a release, light to import, checksums checked.

Also holds the helpers the other release tests use: `build_release()` builds the tiny fixture
dataset of conftest into a real release directory.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import tradetalks
from conftest import make_dataset
from tradetalks.__about__ import __version__

REPO = Path(__file__).resolve().parents[1]
loader = importlib.import_module("tradetalks.load")  # the module; `tradetalks.load` is the function
TABLES = ["articles", "people", "quotes", "events", "tariff_measures", "evidence", "disputes", "measure_steps", "measure_events", "places", "outlets"]


def build_release(root: Path, version: str = "1.0.0") -> Path:
    """The conftest fixture dataset built (detect, assemble, validate, release) into root/out/<version>/,
    in the form a release of that version is published in."""
    from tradetalks.build.pipeline import build

    make_dataset(root)
    (root / "CHANGELOG.md").write_text(f"# Changelog\n\n## {version}\n\nFixture release.\n", encoding="utf-8")
    return build(root, root / "out" / version, version=version).release_dir


@pytest.fixture(scope="session")
def built_release(tmp_path_factory) -> Path:
    """One fixture release per test session; copy it before changing anything in it."""
    return build_release(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(autouse=True)
def fresh_loader_state():
    """Each test starts without the loader's per-process caches (opened releases, verified files)."""
    loader._RELEASES.clear()
    loader._VERIFIED.clear()
    yield
    loader._RELEASES.clear()
    loader._VERIFIED.clear()


@pytest.fixture
def shipped(built_release, tmp_path, monkeypatch) -> Path:
    """A copy of the fixture release, standing in for the one shipped inside the package."""
    copy = tmp_path / "shipped"
    shutil.copytree(built_release, copy)
    monkeypatch.setattr(loader, "bundled_dir", lambda: copy)
    monkeypatch.setenv("TRADETALKS_BASE_URL", "http://127.0.0.1:9/{version}/")  # any fetch would fail
    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "cache"))
    return copy


def manifest_of(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


def test_load_every_table_in_polars_pandas_and_arrow(shipped):
    manifest = manifest_of(shipped)
    assert tradetalks.tables() == TABLES == list(manifest["tables"])
    for name in TABLES:
        entry = manifest["tables"][name]
        names = [c["name"] for c in entry["columns"]]
        df = tradetalks.load(name)
        assert isinstance(df, pl.DataFrame) and df.height == entry["rows"] and df.columns == names
        pdf = tradetalks.load(name, to="pandas")
        assert isinstance(pdf, pd.DataFrame) and len(pdf) == entry["rows"] and list(pdf.columns) == names
        for column, dtype in df.schema.items():
            if dtype == pl.Date:  # datetime64, so `.dt` works
                assert pd.api.types.is_datetime64_any_dtype(pdf[column]), (name, column, pdf[column].dtype)
        tbl = tradetalks.load(name, to="arrow")
        assert isinstance(tbl, pa.Table) and tbl.num_rows == entry["rows"] and tbl.column_names == names
        assert df.equals(pl.read_parquet(shipped / entry["path"]))


def test_span_invariant_holds_on_loaded_tables(shipped):
    text = dict(tradetalks.load("articles").select("article_id", "text").iter_rows())
    for name in TABLES:
        for row in tradetalks.load(name).iter_rows(named=True):
            assert text[row["article_id"]][row["char_start"] : row["char_end"]] == row["evidence"]


def test_connect_has_one_view_per_table(shipped):
    con = tradetalks.connect()
    views = sorted(r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall())
    assert views == sorted(TABLES)
    for name in TABLES:
        assert con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == manifest_of(shipped)["tables"][name]["rows"]
    joined = con.execute("SELECT count(*) FROM quotes q JOIN articles a USING (article_id)").fetchone()[0]
    assert joined == manifest_of(shipped)["tables"]["quotes"]["rows"]


def test_describe_reads_the_manifest_not_pandera(shipped):
    manifest = manifest_of(shipped)
    manifest["tables"]["quotes"]["columns"][0]["description"] = "Described by the manifest."
    manifest["tables"]["quotes"]["description"] = "Quotes, per the manifest."
    (shipped / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    d = tradetalks.describe("quotes")
    assert d.columns[0].name == "quote_id" and d.columns[0].description == "Described by the manifest."
    assert [c.name for c in d.columns] == [c["name"] for c in manifest["tables"]["quotes"]["columns"]]
    text = str(d)
    assert "Quotes, per the manifest." in text and "speaker_id" in text and "nullable" in text


def test_unknown_table_and_bad_arguments_are_clear(shipped):
    with pytest.raises(tradetalks.ReleaseError, match="no table 'quote'.*quotes"):
        tradetalks.load("quote")
    with pytest.raises(ValueError, match="polars, pandas, arrow"):
        tradetalks.load("quotes", to="numpy")
    with pytest.raises(tradetalks.ReleaseError, match="version must look like"):
        tradetalks.load("quotes", version="latest")


def test_a_tampered_shipped_file_is_refused(shipped):
    path = shipped / "quotes.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(tradetalks.IntegrityError, match="quotes.parquet: sha256 .* does not match"):
        tradetalks.load("quotes")
    assert tradetalks.load("people").height == 2  # the other files are fine


def test_a_truncated_shipped_file_is_refused(shipped):
    path = shipped / "events.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(tradetalks.IntegrityError, match="truncated"):
        tradetalks.connect()


def test_pinning_the_shipped_version_stays_offline(shipped):
    # TRADETALKS_BASE_URL points at a closed port: this only works if nothing is fetched.
    version = manifest_of(shipped)["version"]
    assert tradetalks.load("quotes", version=version).height == manifest_of(shipped)["tables"]["quotes"]["rows"]
    assert tradetalks.release_dir(version) == shipped


def test_no_shipped_release_says_how_to_get_one(monkeypatch):
    monkeypatch.setattr(loader, "bundled_dir", lambda: None)
    with pytest.raises(tradetalks.ReleaseError, match="tradetalks release"):
        tradetalks.load("quotes")


def test_repo_checkout_falls_back_to_release_dir():
    """In a source checkout (no tradetalks/data/), the shipped release is <repo>/release/<__version__>/."""
    found = loader.bundled_dir()
    expected = REPO / "release" / __version__
    if (expected / "manifest.json").is_file():
        assert found == expected
    else:
        assert found is None


HEAVY = ["polars", "pandas", "pyarrow", "numpy", "duckdb", "pandera", "jsonschema", "pooch", "requests", "yaml", "typer", "tradetalks.build"]


def test_import_is_light():
    code = f"import sys, tradetalks\nheavy = {HEAVY!r}\nprint(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_loading_into_polars_imports_neither_pyarrow_nor_numpy():
    """The footer check reads Parquet metadata itself: pyarrow (and numpy) cost ~0.3 s per process."""
    code = "import sys, tradetalks\ntradetalks.load('quotes')\nprint(sorted(m for m in ('pyarrow', 'numpy', 'pandas', 'polars') if m in sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['polars']"


def test_the_light_import_check_can_fail():
    code = "import sys, tradetalks, tradetalks.build.pipeline\nprint('pandera' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_public_api():
    assert set(tradetalks.__all__) >= {"load", "connect", "tables", "describe", "__version__"}
    assert tradetalks.__version__ == __version__
    assert "quotes" in tradetalks.load.__doc__ and "pandas" in tradetalks.load.__doc__


def test_a_checkout_reads_its_published_releases_offline_when_pinned(monkeypatch, tmp_path):
    """In a source checkout every published release is at hand: a pinned version is read from
    release/<version>/ when its manifest is the one the package pins, and fetched otherwise."""
    monkeypatch.setenv("TRADETALKS_BASE_URL", "http://127.0.0.1:9/{version}/")  # any fetch would fail
    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "cache"))
    for version in loader.known_releases():
        assert loader.release_dir(version) == REPO / "release" / version
        assert tradetalks.load("quotes", version=version).height > 0
    monkeypatch.setattr(loader, "known_releases", lambda: {"1.0.0": {"manifest_sha256": "0" * 64}})
    assert loader.checkout_release("1.0.0") is None  # not the pinned manifest: never trusted
    assert not (tmp_path / "cache").exists()
