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
    from tradetalks.pipeline.run import build

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


def table_path(release: Path, name: str) -> Path:
    """The Parquet file of table `name` in a release directory, where its manifest says."""
    return release / manifest_of(release)["tables"][name]["path"]


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
    path = table_path(shipped, "quotes")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(tradetalks.IntegrityError, match="quotes.parquet: sha256 .* does not match"):
        tradetalks.load("quotes")
    assert tradetalks.load("people").height == 2  # the other files are fine


def test_a_truncated_shipped_file_is_refused(shipped):
    path = table_path(shipped, "events")
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


HEAVY = ["polars", "pandas", "pyarrow", "numpy", "duckdb", "pandera", "jsonschema", "pooch", "requests", "yaml", "typer", "tradetalks.pipeline"]


def test_import_is_light():
    code = f"import sys, tradetalks\nheavy = {HEAVY!r}\nprint(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_light_import_check_can_fail():
    code = "import sys, tradetalks, tradetalks.pipeline.run\nprint('pandera' in sys.modules)"
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


# --- a loader that forgives and informs ---------------------------------------------------------


def test_a_near_miss_table_name_gets_a_suggestion(shipped):
    with pytest.raises(tradetalks.ReleaseError, match=r"no table 'quote'.*did you mean 'quotes'\?.*tables: articles"):
        tradetalks.load("quote")
    with pytest.raises(tradetalks.ReleaseError, match=r"did you mean 'tariff_measures'"):
        tradetalks.describe("tarif_measure")
    with pytest.raises(tradetalks.ReleaseError) as info:
        tradetalks.load("zzzzzz")
    assert "did you mean" not in str(info.value)


def test_load_without_a_table_lists_the_tables(shipped):
    with pytest.raises(TypeError, match="load\\(\\) needs a table.*" + ", ".join(TABLES)):
        tradetalks.load()


def test_a_v_prefixed_version_is_the_version(shipped):
    version = manifest_of(shipped)["version"]
    assert tradetalks.load("quotes", version="v" + version).height == manifest_of(shipped)["tables"]["quotes"]["rows"]
    assert tradetalks.release_dir("v" + version) == shipped
    with pytest.raises(tradetalks.ReleaseError, match="version must look like"):
        tradetalks.load("quotes", version="vv1.0.0")


def test_an_unknown_older_version_is_not_published_and_no_upgrade_is_suggested(monkeypatch):
    monkeypatch.setattr(loader, "known_releases", lambda: {"1.0.0": {"manifest_sha256": "0" * 64}, "2.0.0": {"manifest_sha256": "1" * 64}})
    with pytest.raises(tradetalks.ReleaseError) as info:
        loader.expected_manifest_sha256("1.0.1")
    message = str(info.value)
    assert "no published version 1.0.1" in message and "did you mean '1.0.0'" in message and "1.0.0, 2.0.0" in message
    assert "upgrade" not in message.lower()


def test_a_version_newer_than_the_package_knows_suggests_upgrading_or_vouching(monkeypatch):
    known = {"1.0.0": {"manifest_sha256": "0" * 64}}
    monkeypatch.setattr(loader, "known_releases", lambda: known)
    newer = ".".join(str(int(p) + 1) if i == 0 else p for i, p in enumerate(__version__.split(".")))
    with pytest.raises(tradetalks.ReleaseError, match=f"{newer} is newer than the versions this package.*upgrade.*manifest_sha256"):
        loader.expected_manifest_sha256(newer)
    assert loader.expected_manifest_sha256(newer, "a" * 64) == "a" * 64


def test_describe_without_a_table_lists_every_table_and_allowed_values(shipped):
    manifest = manifest_of(shipped)
    text = str(tradetalks.describe())
    for name, entry in manifest["tables"].items():
        assert name in text and entry["description"] in text
    whole = tradetalks.describe()
    assert [t.table for t in whole.tables] == list(manifest["tables"])
    enumerated = [(t.table, c) for t in whole.tables for c in t.columns if c.values is not None]
    declared = [(name, c) for name, e in manifest["tables"].items() for c in e["columns"] if c.get("enum")]
    assert [(t, c.name, c.values) for t, c in enumerated] == [(t, c["name"], c["enum"]) for t, c in declared]
    assert declared, "the working build declares the allowed values of its enumerated columns"
    table, column = enumerated[0]
    assert f"one of: {', '.join(column.values)}" in str(tradetalks.describe(table))


def test_enumerated_columns_load_as_enum_and_categorical(shipped):
    manifest = manifest_of(shipped)
    for name, entry in manifest["tables"].items():
        enums = {c["name"]: c["enum"] for c in entry["columns"] if c.get("enum")}
        if not enums:
            continue
        df, pdf = tradetalks.load(name), tradetalks.load(name, to="pandas")
        for column, values in enums.items():
            assert df.schema[column] == pl.Enum(values), (name, column)
            assert isinstance(pdf[column].dtype, pd.CategoricalDtype) and list(pdf[column].cat.categories) == values
            assert pdf[column].isna().sum() == df[column].null_count()  # no value lost to the categories


def test_a_value_outside_the_declared_enum_is_refused(shipped):
    manifest = manifest_of(shipped)
    name, column, present = next(
        (n, c, values)
        for n, e in manifest["tables"].items()
        for c in e["columns"]
        if c.get("enum") and (values := tradetalks.load(n)[c["name"]].drop_nulls().cast(pl.String).unique().sort().to_list())
    )
    column["enum"] = [v for v in column["enum"] if v != present[0]] or ["nothing"]
    (shipped / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    loader._RELEASES.clear()
    for to in ("polars", "pandas"):
        with pytest.raises(tradetalks.IntegrityError, match=f"column {column['name']} holds .*not among the values"):
            tradetalks.load(name, to=to)


def test_card_is_the_shipped_release_card_offline(shipped):
    assert tradetalks.card() == (shipped / "README.md").read_text(encoding="utf-8")
    version = manifest_of(shipped)["version"]
    assert tradetalks.card("v" + version) == tradetalks.card()


def test_card_of_a_changed_shipped_card_is_refused(shipped):
    (shipped / "README.md").write_text("not the card", encoding="utf-8")
    with pytest.raises(tradetalks.IntegrityError):
        tradetalks.card()


def test_fetching_the_shipped_version_whole_stays_offline(shipped):
    version = manifest_of(shipped)["version"]
    assert tradetalks.fetch(version, whole=True) == shipped  # TRADETALKS_BASE_URL is a closed port
    assert not (shipped.parent / "cache").exists()
    (shipped / "csv" / "quotes.csv").write_text("tampered", encoding="utf-8")
    loader._VERIFIED.clear()
    with pytest.raises(tradetalks.IntegrityError, match="quotes.csv"):
        tradetalks.fetch(version, whole=True)


def test_a_checkout_fetches_no_published_version(monkeypatch, tmp_path):
    monkeypatch.setenv("TRADETALKS_BASE_URL", "http://127.0.0.1:9/{version}/")
    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "cache"))
    for version in loader.known_releases():
        assert tradetalks.fetch(version, whole=True) == REPO / "release" / version
    assert not (tmp_path / "cache").exists()


def test_loading_checks_columns_against_the_manifest(shipped):
    manifest = manifest_of(shipped)
    manifest["tables"]["people"]["columns"][1]["name"] = "renamed"
    (shipped / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(tradetalks.IntegrityError, match="its columns are not those the manifest records.*renamed"):
        tradetalks.load("people")


# --- the Parquet footer check (pyarrow, bounded) -------------------------------------------------


def test_the_footer_check_gives_rows_sizes_and_columns(tmp_path):
    import pyarrow.parquet as pq

    n = 2345
    table = pa.table({"id": [f"r{i}" for i in range(n)], "x": list(range(n)), "tags": [["a"] * (i % 3) for i in range(n)]})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=1000)
    rows, group_rows, uncompressed, columns = loader.parquet_footer(path)
    meta = pq.read_metadata(path)
    assert rows == group_rows == n and meta.num_row_groups == 3
    assert uncompressed >= sum(meta.row_group(i).total_byte_size for i in range(3)) > 0
    assert columns == [("id", "string"), ("x", "int64"), ("tags", "list<element: string>")]


def _parquet(footer: bytes) -> bytes:
    return b"PAR1" + footer + len(footer).to_bytes(4, "little") + b"PAR1"


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"PAR1", "too short"),
        (b"PAR1" + b"\x00" * 10 + (1000).to_bytes(4, "little") + b"PAR1", "footer claims 1,000 bytes"),
        (b"PAR1" + b"\x00" * 10 + (5).to_bytes(4, "little") + b"PARE", "encrypted"),
        (b"XXXX" + b"\x00" * 10 + (5).to_bytes(4, "little") + b"PAR1", "no Parquet magic at its start"),
        (_parquet(b"\x16" + b"\xff" * 20), None),  # a varint that never ends
        (_parquet(b"\x19\xfc" + b"\xff\xff\xff\xff\x0f"), None),  # a list of 4 billion row groups
        (_parquet(b"\x1c" * 10_000), None),  # structs nested 10,000 deep
    ],
)
def test_hostile_footers_are_refused(tmp_path, raw, message):
    path = tmp_path / "f.parquet"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message):
        loader.parquet_footer(path)


def test_a_huge_footer_is_not_handed_to_the_reader(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    path = tmp_path / "f.parquet"
    path.write_bytes(_parquet(b"\x00" * (loader.MAX_FOOTER_BYTES + 1)))
    monkeypatch.setattr(pq, "ParquetFile", lambda *a, **k: pytest.fail("a footer over the cap must not be parsed"))
    with pytest.raises(ValueError, match="at most"):
        loader.parquet_footer(path)


def test_any_truncation_or_corruption_of_a_footer_is_a_value_error_or_a_reading(tmp_path):
    """Cut or flip bytes anywhere in a real footer: a ValueError or sizes that are not negative, nothing else."""
    import random

    source = REPO / "release" / "2.0.0" / "quotes.parquet"
    raw = source.read_bytes()
    length = int.from_bytes(raw[-8:-4], "little")
    body, footer = raw[: -8 - length], raw[-8 - length : -8]
    path = tmp_path / "f.parquet"
    rng = random.Random(0)
    for cut in range(0, length, max(1, length // 50)):
        path.write_bytes(body + footer[:cut] + cut.to_bytes(4, "little") + b"PAR1")
        with pytest.raises(ValueError):
            loader.parquet_footer(path)
    for _ in range(200):
        broken = bytearray(footer)
        for _ in range(rng.randint(1, 4)):
            broken[rng.randrange(length)] = rng.randrange(256)
        path.write_bytes(body + bytes(broken) + raw[-8:])
        try:
            rows, group_rows, uncompressed, _ = loader.parquet_footer(path)
        except ValueError:
            continue
        assert min(rows, group_rows, uncompressed) >= 0


# --- release layouts: data/ (from 2.1.0 on) and flat (1.0.0, 2.0.0) ----------------------------


def flat_copy(release: Path, into: Path) -> Path:
    """`release` laid out as 1.0.0 and 2.0.0 were published: the Parquet files beside the manifest."""
    shutil.copytree(release, into)
    manifest = manifest_of(into)
    for entry in manifest["tables"].values():
        name = Path(entry["path"]).name
        (into / entry["path"]).rename(into / name)
        entry["path"] = name
    (into / "data").rmdir()
    (into / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return into


def test_a_release_keeps_its_parquet_files_alone_in_data(built_release):
    import duckdb
    import pyarrow.dataset as ds

    manifest = manifest_of(built_release)
    assert sorted(p.name for p in (built_release / "data").iterdir()) == sorted(f"{name}.parquet" for name in manifest["tables"])
    assert [p.relative_to(built_release).as_posix() for p in built_release.rglob("*.parquet") if p.parent.name != "data"] == []
    for name, entry in manifest["tables"].items():
        assert entry["path"] == f"data/{name}.parquet"
        dataset = ds.dataset(built_release / entry["path"], format="parquet")
        assert dataset.count_rows() == entry["rows"] and dataset.schema.names == [c["name"] for c in entry["columns"]]
    # A glob over the data folder names one table's file; every version's copies of a table, likewise.
    n = duckdb.sql(f"SELECT count(*) FROM '{built_release}/data/quote*.parquet'").fetchall()[0][0]
    assert n == manifest["tables"]["quotes"]["rows"]


def test_the_loader_reads_both_layouts(built_release, tmp_path, monkeypatch):
    monkeypatch.setenv("TRADETALKS_BASE_URL", "http://127.0.0.1:9/{version}/")
    flat = flat_copy(built_release, tmp_path / "flat")
    assert not (flat / "data").exists()
    for root in (built_release, flat):
        loader._RELEASES.clear()
        monkeypatch.setattr(loader, "bundled_dir", lambda root=root: root)
        for name in TABLES:
            assert tradetalks.load(name).equals(pl.read_parquet(table_path(built_release, name))), (root, name)
        con = tradetalks.connect()
        assert con.execute("SELECT count(*) FROM quotes").fetchone()[0] == manifest_of(root)["tables"]["quotes"]["rows"]
    for version in loader.known_releases():  # the published releases are flat
        assert all("/" not in e["path"] for e in manifest_of(REPO / "release" / version)["tables"].values())


@pytest.mark.parametrize("path", ["data/../quotes.parquet", "csv/quotes.parquet", "data/sub/quotes.parquet", "/data/quotes.parquet", "data\\quotes.parquet"])
def test_a_table_path_outside_data_is_refused(path):
    manifest = manifest_of(REPO / "release" / "2.0.0")
    manifest["tables"]["quotes"]["path"] = path
    with pytest.raises(tradetalks.IntegrityError, match="not a plain file name"):
        loader.check_manifest(manifest, "manifest.json")
