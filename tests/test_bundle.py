"""The release bundle: CSV, datapackage.json (frictionless), croissant.json (mlcroissant), card, zip; deterministic."""

from __future__ import annotations

import json
import logging
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_helpers import invoke
from test_load import build_release, table_path
from tradetalks.contract.tables import descriptions, table_description
from tradetalks.errors import DatasetError
from tradetalks.formats.croissant import CROISSANT_CONTEXT, croissant
from tradetalks.formats.metadata import release_date
from tradetalks.load import sha256_file
from tradetalks.publishing.diff import diff_releases
from tradetalks.publishing.publish import publish, update_changelog

TABLES = ["articles", "people", "quotes", "events", "tariff_measures", "evidence", "disputes", "measure_steps", "measure_events", "places", "outlets"]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    return build_release(tmp_path_factory.mktemp("bundle"))


def manifest_of(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


def test_datapackage_validates_with_frictionless(bundled):
    from frictionless import validate

    report = validate(bundled / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "type", "note"])
    dp = json.loads((bundled / "datapackage.json").read_text())
    assert dp["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert dp["licenses"][0]["name"] == "CC-BY-4.0" and "publishers" in dp["description"]
    names = [r["name"] for r in dp["resources"]]
    assert names == TABLES + [f"{t}-csv" for t in TABLES]
    quotes = next(r for r in dp["resources"] if r["name"] == "quotes")
    assert quotes["schema"]["primaryKey"] == ["quote_id"]
    assert {"fields": ["speaker_id"], "reference": {"resource": "people", "fields": ["person_id"]}} in quotes["schema"]["foreignKeys"]
    assert quotes["hash"] == "sha256:" + manifest_of(bundled)["tables"]["quotes"]["sha256"]
    csv = next(r for r in dp["resources"] if r["name"] == "quotes-csv")
    assert csv["bytes"] == (bundled / "csv/quotes.csv").stat().st_size


def test_frictionless_catches_a_tampered_csv(bundled, tmp_path):
    """hash/bytes are on the CSV resources because there frictionless really checks them."""
    from frictionless import validate

    copy = tmp_path / "r"
    shutil.copytree(bundled, copy)
    path = copy / "csv" / "people.csv"
    path.write_bytes(path.read_bytes().replace(b"Bessent", b"Bessemt", 1))
    report = validate(copy / "datapackage.json")
    assert not report.valid
    assert "hash-count" in [t for (t,) in report.flatten(["type"])]


def test_frictionless_catches_a_broken_foreign_key(bundled, tmp_path):
    from frictionless import validate

    copy = tmp_path / "r"
    shutil.copytree(bundled, copy)
    dp = json.loads((copy / "datapackage.json").read_text())
    path = copy / "csv" / "quotes.csv"
    path.write_text(path.read_text().replace("scott-bessent", "nobody-known"))
    for r in dp["resources"]:
        if r["name"] == "quotes-csv":
            r.pop("hash"), r.pop("bytes")
    (copy / "datapackage.json").write_text(json.dumps(dp))
    report = validate(copy / "datapackage.json")
    assert "foreign-key" in [t for (t,) in report.flatten(["type"])]


def test_croissant_validates_and_reads_every_record(bundled, caplog):
    import mlcroissant as mlc

    with caplog.at_level(logging.WARNING):
        ds = mlc.Dataset(jsonld=bundled / "croissant.json")
    assert "not standard" not in caplog.text
    meta = json.loads((bundled / "croissant.json").read_text())
    assert meta["@context"] == CROISSANT_CONTEXT
    assert meta["conformsTo"] == "http://mlcommons.org/croissant/1.0" and meta["citeAs"]
    manifest = manifest_of(bundled)
    tables = [rs for rs in meta["recordSet"] if rs.get("dataType") != "sc:Enumeration"]
    assert [rs["@id"] for rs in tables] == list(manifest["tables"]) == TABLES
    assert len(ds.metadata.record_sets) == len(meta["recordSet"])
    # Every enumerated column references a record set of its allowed values, in the manifest's order.
    enumerations = {rs["@id"]: rs for rs in meta["recordSet"] if rs.get("dataType") == "sc:Enumeration"}
    declared = [(name, c) for name, e in manifest["tables"].items() for c in e["columns"] if c.get("enum")]
    assert declared and len(enumerations) == len(declared)
    fields = {f["@id"]: f for rs in tables for f in rs["field"]}
    for name, column in declared:
        ref = fields[f"{name}/{column['name']}"]["references"]["field"]["@id"]
        values = enumerations[ref.rsplit("/", 1)[0]]
        assert [row[ref] for row in values["data"]] == column["enum"]


def test_croissant_fields_read_every_record(bundled, tmp_path):
    """Every field's source/extract reads the Parquet. mlcroissant 1.1.1 crashes when it joins through
    `references` while reading Parquet ('generator' object has no attribute 'columns'), so the
    records are read from a copy without the references (they are checked structurally above)."""
    import mlcroissant as mlc

    meta = json.loads((bundled / "croissant.json").read_text())
    for rs in meta["recordSet"]:
        for f in rs["field"]:
            f.pop("references", None)
    copy = tmp_path / "r"
    shutil.copytree(bundled, copy)
    (copy / "croissant.json").write_text(json.dumps(meta))
    ds = mlc.Dataset(jsonld=copy / "croissant.json")
    for name, entry in manifest_of(bundled)["tables"].items():
        records = list(ds.records(name))
        assert len(records) == entry["rows"], name
        assert all(set(r) == {f"{name}/{c['name']}" for c in entry["columns"]} for r in records)
    people = {r["people/person_id"]: r for r in ds.records("people")}
    assert people[b"scott-bessent"]["people/roles"][0]["people/roles/role"] == b"Treasury Secretary"


def test_croissant_references_are_declared(bundled):
    meta = json.loads((bundled / "croissant.json").read_text())
    manifest = manifest_of(bundled)
    speaker = next(f for rs in meta["recordSet"] if rs["name"] == "quotes" for f in rs["field"] if f["name"] == "speaker_id")
    assert speaker["references"] == {"field": {"@id": "people/person_id"}}
    shas = {d["contentUrl"]: d["sha256"] for d in meta["distribution"]}
    assert shas == {e["path"]: e["sha256"] for e in manifest["tables"].values()}


def test_croissant_context_is_the_standard_one():
    from mlcroissant._src.core.rdf import make_context

    assert CROISSANT_CONTEXT == make_context()


def test_csv_copies_match_the_parquet(bundled):
    for name in TABLES:
        parquet = pl.read_parquet(table_path(bundled, name))
        csv = pl.read_csv(bundled / "csv" / f"{name}.csv", infer_schema=False)
        assert csv.columns == parquet.columns and csv.height == parquet.height
        for col, dtype in parquet.schema.items():
            if isinstance(dtype, pl.List):
                assert [json.loads(v) for v in csv[col].to_list()] == parquet[col].to_list()
        key = parquet.columns[0]
        assert csv[key].to_list() == parquet[key].to_list()
    text = pl.read_csv(bundled / "csv/articles.csv", infer_schema=False)["text"][0]
    assert text == pl.read_parquet(table_path(bundled, "articles"))["text"][0]  # newlines and curly quotes intact


def test_card_documents_every_table_and_column(bundled):
    card = (bundled / "README.md").read_text(encoding="utf-8")
    manifest = manifest_of(bundled)
    for name in TABLES:
        assert table_description(name) in card
        assert f"| `{name}` | {manifest['tables'][name]['rows']} |" in card
        for col, doc in descriptions(name).items():
            assert f"| `{col}` |" in card and doc.replace("|", "\\|") in card
    assert "articles.text[char_start:char_end] == evidence" in card
    assert "publishers" in card and "CC BY 4.0" in card and "tradetalks.load(" in card and "Citing" in card


def test_manifest_lists_every_bundle_file_with_checksums(bundled):
    files = manifest_of(bundled)["files"]
    on_disk = sorted(p.relative_to(bundled).as_posix() for p in bundled.rglob("*") if p.is_file())
    expected = [p for p in on_disk if not p.endswith(".parquet") and p != "manifest.json" and not p.startswith("dist/")]
    assert sorted(files) == expected
    for rel, entry in files.items():
        assert entry["sha256"] == sha256_file(bundled / rel) and entry["bytes"] == (bundled / rel).stat().st_size
    zip_path = bundled / "dist" / "tradetalks-data-1.0.0.zip"
    assert (bundled / "dist" / "SHA256SUMS").read_text() == f"{sha256_file(zip_path)}  {zip_path.name}\n"


def test_zip_is_deterministic_in_form(bundled):
    with zipfile.ZipFile(bundled / "dist" / "tradetalks-data-1.0.0.zip") as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) and (i.external_attr >> 16) == 0o100644 for i in infos)
        assert "tradetalks-data-1.0.0/manifest.json" in names and "tradetalks-data-1.0.0/csv/quotes.csv" in names
        assert zf.read("tradetalks-data-1.0.0/data/quotes.parquet") == table_path(bundled, "quotes").read_bytes()
        assert zf.read("tradetalks-data-1.0.0/manifest.json") == (bundled / "manifest.json").read_bytes()


def test_two_releases_are_byte_identical(tmp_path):
    a = build_release(tmp_path / "a")
    b = build_release(tmp_path / "b")
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert "dist/tradetalks-data-1.0.0.zip" in files and "croissant.json" in files
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_publish_first_then_refuses_a_too_small_or_existing_version(tmp_path):
    import yaml

    root = tmp_path / "repo"
    build_release(root)  # the fixture dataset, and root/CHANGELOG.md with a "## 1.0.0" entry
    (root / "CITATION.cff").write_text('cff-version: 1.2.0\nversion: "0.0.0"\ntype: dataset\n')
    d = publish(root, "1.0.0", date="2026-01-02")
    release = root / "release" / "1.0.0"
    assert (release / "croissant.json").exists() and (release / "dist" / "tradetalks-data-1.0.0.zip").exists()
    changelog = (root / "CHANGELOG.md").read_text()
    assert "## 1.0.0 - 2026-01-02" in changelog and "Fixture release." in changelog and "First release" in changelog
    assert "| `evidence` | 7 | 7 | 0 | 0 |" in changelog  # the status claim is its own row
    assert (release / "CHANGELOG.md").read_text() == changelog
    assert json.loads((release / "manifest.json").read_text())["provenance"].keys() == {"sources_sha256", "code_sha256"}
    assert 'version: "1.0.0"' in (root / "CITATION.cff").read_text() and 'date-released: "2026-01-02"' in (root / "CITATION.cff").read_text()
    assert d.bump == "minor"
    first = _tree(release)

    # Publishing a version again, or a lower one, is refused and writes nothing.
    with pytest.raises(DatasetError, match="already published"):
        publish(root, "1.0.0")
    with pytest.raises(DatasetError, match="version must look like"):
        publish(root, "../1.0.1")

    # Correct a value (the event description): a PATCH, so 1.0.1 is accepted.
    events = yaml.safe_load((root / "dataset/events.yml").read_text())
    events["events"][0]["description"] = "Bessent and He speak by video call."
    (root / "dataset/events.yml").write_text(yaml.safe_dump(events, sort_keys=False))
    d = publish(root, "1.0.1", date="2026-01-03")
    assert d.old_version == "1.0.0" and d.bump == "patch"
    assert 'version: "1.0.1"' in (root / "CITATION.cff").read_text()
    assert list(d.tables["events"].changed.values()) == [["description"]]
    changelog = (root / "CHANGELOG.md").read_text()
    assert changelog.index("## 1.0.1 - 2026-01-03") < changelog.index("## 1.0.0")
    assert "| `events` | 1 | 0 | 1 | 0 |" in changelog
    with pytest.raises(DatasetError, match="not higher than the latest published release 1.0.1"):
        publish(root, "0.9.0")

    # Drop the measure (registry and annotation): ids removed -> MAJOR; 1.1.0 is refused and nothing is written.
    meta = yaml.safe_load((root / "dataset/articles/talks-next-week.yml").read_text())
    meta["measures"] = []
    (root / "dataset/articles/talks-next-week.yml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    (root / "dataset/measures.yml").write_text(yaml.safe_dump({"measures": []}))
    before = (root / "CHANGELOG.md").read_text(), (root / "CITATION.cff").read_text()
    with pytest.raises(DatasetError, match="the changes need a major bump: tariff_measures: major .*1 ids removed"):
        publish(root, "1.1.0")
    assert not (root / "release" / "1.1.0").exists()
    assert ((root / "CHANGELOG.md").read_text(), (root / "CITATION.cff").read_text()) == before
    d = publish(root, "2.0.0")
    assert d.old_version == "1.0.1" and d.tables["tariff_measures"].removed == ["us-100pct-tariff"]
    assert _tree(release) == first  # nothing ever rewrote 1.0.0


def test_update_changelog_is_idempotent(built_release_for_changelog):
    path, d = built_release_for_changelog
    update_changelog(path, d, "2026-01-02")
    once = path.read_text()
    update_changelog(path, d, "2026-01-02")
    assert path.read_text() == once and once.count("<!-- release counts") == 1


@pytest.fixture
def built_release_for_changelog(tmp_path):
    release = build_release(tmp_path)
    return tmp_path / "CHANGELOG.md", diff_releases(None, release)


def test_cli_build_never_writes_release_and_release_refuses_existing(tmp_path):
    root = tmp_path / "repo"
    build_release(root)
    ok = invoke(["release", "1.0.0", "--root", str(root), "--date", "2026-01-02"])
    assert ok.exit_code == 0, ok.output
    published = _tree(root / "release" / "1.0.0")
    assert "release/1.0.0/datapackage.json" in {f"release/1.0.0/{k}" for k in published}

    built = invoke(["build", "--root", str(root)])
    assert built.exit_code == 0, built.output
    assert "no changes against the latest published release 1.0.0" in built.output
    assert (root / "build" / "working" / "manifest.json").exists()
    into_release = invoke(["build", "--root", str(root), "--out", str(root / "release" / "1.0.0")])
    assert into_release.exit_code == 1 and "never rewritten" in into_release.output
    again = invoke(["release", "1.0.0", "--root", str(root)])
    assert again.exit_code == 1 and "already published" in again.output
    assert _tree(root / "release" / "1.0.0") == published


def test_date_published_comes_from_the_changelog_heading():
    assert release_date("# C\n\n## 1.2.0 - 2025-11-02\n", "1.2.0") == "2025-11-02"
    assert release_date("## [1.2.0] (2025-11-02)\n", "1.2.0") == "2025-11-02"
    assert release_date("## 1.2.0\n\n## 1.1.0 - 2025-10-01\n", "1.2.0") is None
    manifest = {"version": "1.2.0", "tables": {}}
    assert croissant(manifest, "2025-11-02")["datePublished"] == "2025-11-02"
    assert "datePublished" not in croissant(manifest, None)


_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # any code point but lone surrogates


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.lists(st.one_of(st.none(), _ANY_TEXT), max_size=4)), min_size=1, max_size=6),
    st.lists(
        st.one_of(
            st.none(),
            st.lists(
                st.fixed_dictionaries({"kind": st.one_of(st.none(), _ANY_TEXT), "char_start": st.one_of(st.none(), st.integers(-(2**62), 2**62))}), max_size=3
            ),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_csv_json_of_nested_columns_is_what_json_dumps_writes(strings, structs) -> None:  # noqa: ANN001
    import polars as pl

    from tradetalks.formats.plain_files import json_text

    n = min(len(strings), len(structs))
    df = pl.DataFrame(
        {'a "quoted" name': strings[:n], "segments": structs[:n]},
        schema={'a "quoted" name': pl.List(pl.String), "segments": pl.List(pl.Struct({"kind": pl.String, "char_start": pl.Int64}))},
    )
    for column in df.columns:
        expected = [None if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in df[column].to_list()]
        assert df.select(json_text(column))[column].to_list() == expected


def test_csv_cells_that_begin_like_a_formula_are_shown_as_text_and_the_parquet_keeps_them(tmp_path):
    from tradetalks.formats.plain_files import FORMULA_START, append_csv

    values = ['=HYPERLINK("http://x")', "+1", "-2 points", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", None]
    df = pl.DataFrame({"id": [f"r{i}" for i in range(len(values))], "text": values, "n": [-1] * len(values), "tags": [["=x"]] * len(values)})
    with (tmp_path / "t.csv").open("wb") as fh:
        append_csv(fh, df.to_arrow(), df.schema, header=True)
    back = pl.read_csv(tmp_path / "t.csv", infer_schema=False)
    for value, shown in zip(values, back["text"].to_list(), strict=True):
        if value is not None and value[:1] in FORMULA_START:
            assert shown == "'" + value
        else:
            assert shown == value
    assert back["n"].to_list() == ["-1"] * len(values)  # numbers are numbers
    assert json.loads(back["tags"][0]) == ["=x"]  # nested values are JSON, which never begins like a formula


@pytest.mark.parametrize(
    "title",
    ["[a link](https://evil.example)", "<img src=x onerror=alert(1)>", "**bold** _it_ | pipe", "`ticks` and ``more``", "https://bare.example/autolink"],
)
def test_contributors_text_in_the_card_is_shown_never_read_as_markup(title):
    import re

    from markdown_it import MarkdownIt

    from tradetalks.formats.card import literal

    html = MarkdownIt("gfm-like").render(f"| title |\n|---|\n| {literal(title)} |\n")
    cell = re.search(r"<td>(.*)</td>", html, re.S).group(1)
    assert cell.startswith("<code>") and cell.endswith("</code>")
    assert "<a " not in html and "<img" not in html and "<strong>" not in html
    import html as entities

    assert entities.unescape(re.sub(r"</?code>", "", cell)).replace("\\|", "|") == " ".join(title.split())


@pytest.mark.parametrize("name", ["evidence", "people"])  # the largest table; one with nested columns
def test_a_table_written_row_group_by_row_group_has_the_bytes_of_one_whole_write_of_the_sorted_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Parquet and CSV written a row group at a time from rows in any order (so a large table is never
    converted whole) have the bytes of one write of the whole sorted table: pyarrow's, in row groups
    of `ROW_GROUP` rows, and Polars' CSV of it."""
    import io

    import pyarrow.parquet as pq

    from tradetalks.contract.tables import KEYS
    from tradetalks.formats import plain_files
    from tradetalks.pipeline import write

    frame = pl.read_parquet(build_release(tmp_path / "repo") / "data" / f"{name}.parquet")
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=1)
    assert not shuffled[KEYS[name]].is_sorted()
    monkeypatch.setattr(write, "ROW_GROUP", max(1, frame.height // 3 - 1))  # four row groups, the last one short
    write.write_table(shuffled, name, "dev", tmp_path / "in-groups.parquet", tmp_path / "in-groups.csv")

    schema = write.parquet_schema(frame, name, "dev")
    ordered = frame.sort(KEYS[name])
    whole = write.plain_arrow(ordered.to_arrow(compat_level=pl.CompatLevel.oldest())).cast(schema)
    options = dict(write.PARQUET_OPTIONS) | {"compression_level": write.WORKING_COMPRESSION_LEVEL}
    pq.write_table(whole, tmp_path / "whole.parquet", row_group_size=write.ROW_GROUP, **options)
    assert pq.read_metadata(tmp_path / "in-groups.parquet").num_row_groups == -(-frame.height // write.ROW_GROUP) > 1
    assert (tmp_path / "in-groups.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()

    nested = [c for c, t in frame.schema.items() if isinstance(t, (pl.List, pl.Struct))]
    text = [c for c, t in frame.schema.items() if t == pl.String]
    assert text and (nested or name == "evidence")
    sink = io.BytesIO()
    ordered.with_columns(plain_files.json_text(c) for c in nested).with_columns(plain_files.spreadsheet_safe(c) for c in text).write_csv(
        sink, line_terminator="\n", null_value="", float_precision=None
    )
    assert (tmp_path / "in-groups.csv").read_bytes() == sink.getvalue()
    assert (tmp_path / "in-groups.csv").read_bytes() == (tmp_path / "repo" / "out" / "1.0.0" / "csv" / f"{name}.csv").read_bytes()
