"""The release bundle: everything a user or a catalogue needs next to the Parquet files.

After the build has written release/<version>/ (Parquet + manifest.json + CHANGELOG.md), this
adds, deterministically:
  csv/<table>.csv            every table as CSV (nested columns as JSON strings)
  datapackage.json           Frictionless Data Package v2 (Parquet and CSV resources)
  croissant.json             Croissant 1.0 metadata (MLCommons)
  README.md                  the dataset card, generated from the manifest's descriptions
  manifest.json              updated: every file above under "files", with sha256 and bytes
  dist/tradetalks-data-<version>.zip   the whole release in one archive (+ dist/SHA256SUMS)

Checksums: frictionless 5.21 verifies `hash`/`bytes` on CSV resources but not on Parquet ones
(a Parquet `bytes` always fails there), so Parquet resources carry `hash` only and their
checksums are verified by the loader against manifest.json.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from tradetalks.build.release import build_lock, file_entry, read_manifest, replace_dir, sha256_file, write_json
from tradetalks.schemas.tables import KEYS

HOMEPAGE = "https://github.com/tradetalks/tradetalks"
ASSETS = HOMEPAGE + "/releases/download/v{version}/"
TITLE = "tradetalks: news coverage of the October 2025 US-China trade talks, with provenance"
DESCRIPTION = (
    "A versioned, provenance-first dataset of news coverage of the October 2025 US-China trade talks: "
    "articles, people, quotes, events, tariff and trade measures (threatened ones included), and the evidence "
    "spans that support them. Every row points at the exact characters of a source article that support it "
    "(articles.text[char_start:char_end] == evidence), and every release is byte-for-byte reproducible."
)
LICENSE_NOTE = (
    "Annotations and derived tables: CC BY 4.0. The raw article texts (articles.text and the evidence spans "
    "quoted from them) remain the property of their publishers, who keep all their rights; they are included "
    "for research under fair use / quotation exceptions. Reuse of the texts themselves needs the publishers' permission."
)
CITE_AS = "tradetalks contributors ({year}). tradetalks: news coverage of the October 2025 US-China trade talks, version {version}. " + HOMEPAGE
YEAR = "2025"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

# Foreign keys that are one column to one column (lists and the polymorphic evidence.subject_id
# cannot be expressed in Table Schema / Croissant; the card documents them, the build checks them).
FOREIGN_KEYS = {
    "people": [("article_id", "articles", "article_id")],
    "quotes": [("article_id", "articles", "article_id"), ("speaker_id", "people", "person_id")],
    "events": [("article_id", "articles", "article_id")],
    "tariff_measures": [("article_id", "articles", "article_id")],
    "evidence": [("article_id", "articles", "article_id")],
}
OTHER_REFERENCES = [
    "articles.authors (list) -> people.person_id",
    "events.participants (list) -> people.person_id",
    "evidence.subject_id -> people.person_id, events.event_id or tariff_measures.measure_id, by evidence.subject_table",
]


def write_bundle(release_dir: Path, changelog: Path | None = None) -> Path:
    """Add CSV, datapackage.json, croissant.json, the card and the zip to a built release; return its path."""
    # Load inputs.
    release_dir = Path(release_dir)
    manifest = read_manifest(release_dir)
    version = manifest["version"]

    # Process: work on a copy, then swap it in (a failed bundle leaves the release as it was).
    with build_lock(release_dir.parent):
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=release_dir.parent))
        try:
            for name in sorted(manifest["tables"]):
                shutil.copyfile(release_dir / manifest["tables"][name]["path"], tmp / manifest["tables"][name]["path"])
            if changelog is not None and Path(changelog).exists():
                shutil.copyfile(changelog, tmp / "CHANGELOG.md")
            elif (release_dir / "CHANGELOG.md").exists():
                shutil.copyfile(release_dir / "CHANGELOG.md", tmp / "CHANGELOG.md")
            add_bundle(tmp, manifest)
            replace_dir(tmp, release_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return release_dir


def add_bundle(directory: Path, manifest: dict, tables: dict[str, pl.DataFrame] | None = None) -> None:
    """Write CSVs, datapackage.json, croissant.json, the card, the zip and the final manifest into `directory`.

    `tables`, when given, are the frames just written as Parquet (saves reading them back).
    """
    version = manifest["version"]
    csv_entries = write_csvs(directory, manifest, tables)
    write_json(directory / "datapackage.json", datapackage(manifest, directory, csv_entries))
    changes = (directory / "CHANGELOG.md").read_text(encoding="utf-8") if (directory / "CHANGELOG.md").exists() else ""
    write_json(directory / "croissant.json", croissant(manifest, release_date(changes, version)))
    (directory / "README.md").write_text(card(manifest), encoding="utf-8")
    files = {}
    for rel in ["CHANGELOG.md", "README.md", "datapackage.json", "croissant.json", *sorted(csv_entries.values())]:
        if (directory / rel).exists():
            files[rel] = {**file_entry(directory / rel), "path": rel}
    manifest["files"] = files
    write_json(directory / "manifest.json", manifest)
    write_zip(directory, version)


# ---------------------------------------------------------------------------------------------
# CSV


def write_csvs(root: Path, manifest: dict, tables: dict[str, pl.DataFrame] | None = None) -> dict[str, str]:
    """csv/<table>.csv for every table: same rows and order as the Parquet, nested values as JSON."""
    (root / "csv").mkdir(exist_ok=True)
    out = {}
    for name, entry in manifest["tables"].items():
        df = tables[name].sort(KEYS[name]) if tables is not None else pl.read_parquet(root / entry["path"])
        nested = [c for c, t in df.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
        for c in nested:
            values = [None if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in df[c].to_list()]
            df = df.with_columns(pl.Series(c, values, dtype=pl.String))
        rel = f"csv/{name}.csv"
        # Polars writes "" for an empty string and nothing for null; CSV readers see both as empty.
        df.write_csv(root / rel, line_terminator="\n", null_value="", float_precision=None)
        out[name] = rel
    return out


# ---------------------------------------------------------------------------------------------
# Frictionless Data Package v2


def table_schema_type(arrow_type: str, fmt: str = "csv") -> str:
    if arrow_type.startswith("list<"):
        # frictionless reads Parquet lists as numpy arrays, which its "array" type rejects.
        return "array" if fmt == "csv" else "any"
    return {
        "string": "string",
        "large_string": "string",
        "int64": "integer",
        "int32": "integer",
        "double": "number",
        "float": "number",
        "bool": "boolean",
        "date32[day]": "date",
    }.get(arrow_type, "any")


def datapackage(manifest: dict, root: Path, csv_paths: dict[str, str]) -> dict:
    version = manifest["version"]
    resources = []
    for fmt in ("parquet", "csv"):
        for name, entry in manifest["tables"].items():
            suffix = "" if fmt == "parquet" else "-csv"
            schema = {
                "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
                "fields": [field_descriptor(c, fmt) for c in entry["columns"]],
                "primaryKey": [entry["primary_key"]],
            }
            fks = [
                {"fields": [col], "reference": {"resource": ref + suffix, "fields": [ref_col]}}
                for col, ref, ref_col in FOREIGN_KEYS.get(name, [])
            ]
            if fks:
                schema["foreignKeys"] = fks
            resource = {
                "name": name + suffix,
                "type": "table",
                "title": f"{name} ({fmt})",
                "description": entry["description"],
                "path": entry["path"] if fmt == "parquet" else csv_paths[name],
                "format": fmt,
                "mediatype": PARQUET_MEDIATYPE if fmt == "parquet" else "text/csv",
            }
            if fmt == "parquet":
                # Correct, but not verified by frictionless 5.21 (and `bytes` would fail): the loader checks it.
                resource["hash"] = "sha256:" + entry["sha256"]
            else:
                path = root / csv_paths[name]
                resource["encoding"] = "utf-8"
                resource["hash"] = "sha256:" + sha256_file(path)
                resource["bytes"] = path.stat().st_size
                resource["dialect"] = {"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "delimiter": ",", "header": True}
            resource["schema"] = schema
            resources.append(resource)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "tradetalks",
        "id": HOMEPAGE,
        "title": TITLE,
        "description": DESCRIPTION + " " + LICENSE_NOTE,
        "version": version,
        "homepage": HOMEPAGE,
        "keywords": ["trade", "tariffs", "news", "provenance", "US-China"],
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0 (annotations and derived tables; article texts remain their publishers')",
            }
        ],
        "sources": [
            {
                "title": "News articles on the October 2025 US-China trade talks; publishers retain all rights to the texts",
                "path": HOMEPAGE + "/tree/main/dataset/articles",
            }
        ],
        "contributors": [{"title": "tradetalks contributors", "roles": ["creator"], "path": HOMEPAGE}],
        "resources": resources,
    }


def field_descriptor(column: dict, fmt: str) -> dict:
    field = {"name": column["name"], "type": table_schema_type(column["type"], fmt), "description": column["description"]}
    if column["type"].startswith("list<"):
        field["description"] += " (CSV: a JSON array.)" if fmt == "csv" else f" (Parquet {column['type']}.)"
    if not column["nullable"]:
        field["constraints"] = {"required": True}
    return field


# ---------------------------------------------------------------------------------------------
# Croissant 1.0

# The official Croissant 1.0 @context, verbatim (mlcroissant warns on any other).
CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def croissant_type(arrow_type: str) -> str:
    inner = arrow_type[len("list<element: "):-1] if arrow_type.startswith("list<") else arrow_type
    return {
        "string": "sc:Text",
        "int64": "sc:Integer",
        "double": "sc:Float",
        "bool": "sc:Boolean",
        "date32[day]": "sc:Date",
    }.get(inner, "sc:Text")


def struct_members(arrow_type: str) -> list[tuple[str, str]]:
    """'list<element: struct<a: string, b: int64>>' -> [('a', 'string'), ('b', 'int64')] (flat structs only)."""
    inner = arrow_type[arrow_type.index("struct<") + len("struct<"):arrow_type.rindex(">>")]
    return [tuple(part.strip().split(": ", 1)) for part in inner.split(",")]


def release_date(changelog: str, version: str) -> str | None:
    """The date on the CHANGELOG heading of `version` ('## 1.0.0 - 2025-11-02' or '## 1.0.0 (2025-11-02)'), if any."""
    import re

    m = re.search(rf"^## \[?{re.escape(version)}\]?[ \t]*(?:[-\u2013(][ \t]*)?(\d{{4}}-\d{{2}}-\d{{2}})", changelog, re.M)
    return m.group(1) if m else None


def croissant(manifest: dict, date_published: str | None = None) -> dict:
    version = manifest["version"]
    distribution = [
        {
            "@type": "cr:FileObject",
            "@id": entry["path"],
            "name": entry["path"],
            "description": f"The {name} table (zstd Parquet).",
            "contentUrl": entry["path"],
            "contentSize": f"{entry['bytes']} B",
            "encodingFormat": "application/x-parquet",
            "sha256": entry["sha256"],
        }
        for name, entry in manifest["tables"].items()
    ]
    record_sets = []
    for name, entry in manifest["tables"].items():
        refs = {col: (ref, ref_col) for col, ref, ref_col in FOREIGN_KEYS.get(name, [])}
        fields = []
        for c in entry["columns"]:
            field = {
                "@type": "cr:Field",
                "@id": f"{name}/{c['name']}",
                "name": c["name"],
                "description": c["description"],
                "dataType": croissant_type(c["type"]),
                "source": {"fileObject": {"@id": entry["path"]}, "extract": {"column": c["name"]}},
            }
            if c["type"].startswith("list<"):
                field["repeated"] = True
            if "struct<" in c["type"]:
                # A list of records: one sub-field per member, read with a jsonPath from each element.
                del field["source"]
                field["dataType"] = "sc:StructuredValue"
                field["subField"] = [
                    {
                        "@type": "cr:Field",
                        "@id": f"{name}/{c['name']}/{member}",
                        "name": member,
                        "dataType": croissant_type(member_type),
                        "source": {
                            "fileObject": {"@id": entry["path"]},
                            "extract": {"column": c["name"]},
                            "transform": {"jsonPath": member},
                        },
                    }
                    for member, member_type in struct_members(c["type"])
                ]
            if c["name"] in refs:
                ref, ref_col = refs[c["name"]]
                field["references"] = {"field": {"@id": f"{ref}/{ref_col}"}}
            fields.append(field)
        record_sets.append({
            "@type": "cr:RecordSet",
            "@id": name,
            "name": name,
            "description": entry["description"],
            "key": {"@id": f"{name}/{entry['primary_key']}"},
            "field": fields,
        })
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "tradetalks",
        "description": DESCRIPTION,
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": CITE_AS.format(year=YEAR, version=version),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": HOMEPAGE,
        "version": version,
        "creator": {"@type": "sc:Organization", "name": "tradetalks contributors", "url": HOMEPAGE},
        "keywords": ["trade", "tariffs", "news", "provenance", "US-China"],
        "usageInfo": LICENSE_NOTE,
        **({"datePublished": date_published} if date_published else {}),
        "distribution": distribution,
        "recordSet": record_sets,
    }


# ---------------------------------------------------------------------------------------------
# Dataset card


def card(manifest: dict) -> str:
    """The dataset card (release README.md), generated from the manifest's table and column descriptions."""
    version = manifest["version"]
    t = manifest["tables"]
    lines = [
        f"# tradetalks {version}",
        "",
        DESCRIPTION,
        "",
        "## Tables",
        "",
        "| table | rows | key | one row per |",
        "|---|---:|---|---|",
    ]
    for name, entry in t.items():
        lines.append(f"| `{name}` | {entry['rows']} | `{entry['primary_key']}` | {_md(entry['description'])} |")
    lines += [
        "",
        "## Provenance",
        "",
        "Every table carries the provenance columns `article_id`, `char_start`, `char_end`, `evidence` and `method`.",
        "Offsets are 0-based, end-exclusive, in Unicode code points of `articles.text` (Python `str` indexing).",
        "The span invariant holds for every row of every table and is checked by every build:",
        "",
        "```python",
        "articles.text[char_start:char_end] == evidence",
        "```",
        "",
        "`method` is `curated` (a human annotation, reviewed in a pull request) or `rule:<name>` (an exact, mechanical rule,",
        "such as `rule:alias` for a registered person's alias). Where articles disagree (a date, a figure), each claim is an",
        "`evidence` row with `claim_field`/`claim_value`, and the subject row is `disputed`; `n_articles` and `disputed`",
        "are derived from `evidence`, never typed.",
        "",
        "References between tables:",
        "",
    ]
    for name, fks in FOREIGN_KEYS.items():
        for col, ref, ref_col in fks:
            lines.append(f"- `{name}.{col}` -> `{ref}.{ref_col}`")
    lines += [f"- `{r.split(' ')[0]}` {' '.join(r.split(' ')[1:])}" for r in OTHER_REFERENCES]
    lines += ["", "## Columns", ""]
    for name, entry in t.items():
        lines += [f"### `{name}`", "", _md(entry["description"]), "", "| column | type | null | meaning |", "|---|---|---|---|"]
        for c in entry["columns"]:
            lines.append(f"| `{c['name']}` | `{_md(c['type'])}` | {'yes' if c['nullable'] else 'no'} | {_md(c['description'])} |")
        lines.append("")
    lines += [
        "## Loading",
        "",
        "```python",
        "import tradetalks",
        f'quotes = tradetalks.load("quotes", version="{version}")   # polars; sha256-checked, cached',
        f'df = tradetalks.load("quotes", version="{version}", to="pandas")',
        f'con = tradetalks.connect(version="{version}")             # DuckDB, one view per table',
        'print(tradetalks.describe("quotes"))                      # this table of columns',
        "```",
        "",
        'Plain files work too: `pl.read_parquet("quotes.parquet")`, `duckdb.sql("FROM \'quotes.parquet\'")`, or the',
        "CSV copies in `csv/` (nested columns as JSON strings).",
        "",
        "## Files and checksums",
        "",
        "`manifest.json` records the sha256 and size of every file, the rows, columns and types of every table, and a",
        "schema fingerprint. `datapackage.json` (Frictionless Data Package v2) and `croissant.json` (Croissant 1.0)",
        "describe the same tables for catalogues and tools. `CHANGELOG.md` lists rows added, changed and removed per",
        "table since the previous release.",
        "",
        "## Citing",
        "",
        CITE_AS.format(year=YEAR, version=version),
        "",
        "See `CITATION.cff` in the repository.",
        "",
        "## Licence",
        "",
        LICENSE_NOTE,
        "",
    ]
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Zip


ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_zip(root: Path, version: str) -> Path:
    """dist/tradetalks-data-<version>.zip: every file but dist/, sorted, fixed timestamps and permissions."""
    dist = root / "dist"
    dist.mkdir(exist_ok=True)
    name = f"tradetalks-data-{version}"
    path = dist / f"{name}.zip"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "dist")
    with zipfile.ZipFile(path, "w") as zf:
        for rel in files:
            info = zipfile.ZipInfo(f"{name}/{rel}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100644 & 0xFFFF) << 16
            info.create_system = 3
            info.file_size = (root / rel).stat().st_size
            info._compresslevel = 9  # what writestr(compresslevel=9) sets; public as compress_level from Python 3.13
            # Streamed: a large table is never read into memory whole.
            with (root / rel).open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    (dist / "SHA256SUMS").write_text(f"{sha256_file(path)}  {path.name}\n", encoding="ascii")
    return path


# ---------------------------------------------------------------------------------------------
# `tradetalks release`: build, diff against the previous release, check the version, write it all


def previous_release(release_root: Path, version: str) -> Path | None:
    """The highest version directory in release/ other than `version` and below it."""
    from tradetalks.build.diff import required_bump

    found = []
    for d in Path(release_root).glob("*.*.*"):
        if d.is_dir() and d.name != version and (d / "manifest.json").exists():
            try:
                required_bump(d.name, version)  # raises when d.name > version
            except ValueError:
                continue
            found.append(d)
    return max(found, key=lambda d: tuple(int(x) for x in d.name.split(".")), default=None)


def make_release(root: Path, version: str | None = None, previous: Path | None = None, build: bool = True):
    """Build (unless build=False), diff against the previous release, refuse a too-small version,
    write the CHANGELOG entry's counts, then write release/<version>/ and its bundle. Returns the diff."""
    from tradetalks.__about__ import __version__
    from tradetalks.build.diff import check_version, diff_releases
    from tradetalks.build.errors import DatasetError
    from tradetalks.build.pipeline import check
    from tradetalks.build.release import write_release

    # Load inputs.
    root = Path(root)
    version = version or __version__
    release_root = root / "release"
    changelog = root / "CHANGELOG.md"
    previous = Path(previous) if previous is not None else previous_release(release_root, version)

    # Process: stage the new tables where nothing can see them, diff, check the version.
    with tempfile.TemporaryDirectory(prefix="tradetalks-stage-") as stage:
        if build:
            tables = check(root).tables
            staged = write_release(tables, Path(stage), version, None)
        else:
            staged = release_root / version
            if not (staged / "manifest.json").exists():
                raise DatasetError.one(staged, None, None, "no built release here; run `tradetalks build` first")
        d = diff_releases(previous, staged)
        problem = check_version(d)
        if problem:
            raise DatasetError.one(release_root / version, None, None, f"{problem}. Raise the version in src/tradetalks/__about__.py")
        update_changelog(changelog, d)
        update_citation(root / "CITATION.cff", version)
        target = write_release(tables, release_root, version, changelog) if build else staged
    if not build:
        # write_release bundles what it writes; an existing release is re-bundled with the new CHANGELOG.
        write_bundle(target, changelog)
    return d


def update_citation(path: Path, version: str) -> None:
    """Keep CITATION.cff's `version:` equal to the release's (a test checks it against __about__)."""
    import re

    if path.exists():
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r'(?m)^version: .*$', f'version: "{version}"', text), encoding="utf-8")


COUNTS_START = "<!-- release counts: written by `tradetalks release` -->"
COUNTS_END = "<!-- /release counts -->"


def changelog_counts(d) -> str:
    """The CHANGELOG block for one release: per-table counts and schema changes, from the diff."""
    lines = [
        COUNTS_START,
        f"Changes since {d.old_version}:" if d.old_version else "First release: every row is added.",
        "",
        "| table | rows | added | changed | removed |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, t in d.tables.items():
        lines.append(f"| `{name}` | {t.rows_new} | {len(t.added)} | {len(t.changed)} | {len(t.removed)} |")
    schema = [f"- `{name}`: {c}" for name, t in d.tables.items() for c in t.schema_changes if not (d.old_version is None and c == "table added")]
    lines += ["", "Schema changes: " + ("none." if not schema else ""), *schema, COUNTS_END]
    return "\n".join(lines)


def update_changelog(path: Path, d) -> None:
    """Write the counts into the `## <version>` entry (replacing earlier counts); add the entry if missing."""
    import re

    text = path.read_text(encoding="utf-8") if path.exists() else "# Changelog\n"
    block = changelog_counts(d)
    heading = re.compile(rf"^## \[?{re.escape(d.new_version)}\]?(?=[\s(]|$).*$", re.M)
    m = heading.search(text)
    if m is None:
        first = re.search(r"^## ", text, re.M)
        entry = f"## {d.new_version}\n\n{block}\n\n"
        text = text[: first.start()] + entry + text[first.start():] if first else text.rstrip("\n") + "\n\n" + entry
    else:
        nxt = re.search(r"^## ", text[m.end():], re.M)
        end = m.end() + nxt.start() if nxt else len(text)
        section = text[m.end():end]
        if COUNTS_START in section and COUNTS_END in section:
            a = section.index(COUNTS_START)
            b = section.index(COUNTS_END) + len(COUNTS_END)
            section = section[:a] + block + section[b:]
        else:
            section = section.rstrip("\n") + "\n\n" + block + "\n\n"
        text = text[: m.end()] + section + text[end:]
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
