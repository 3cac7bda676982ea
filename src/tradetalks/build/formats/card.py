"""The dataset card (a release's README.md), generated from the manifest's table and column descriptions."""

from __future__ import annotations

from tradetalks.build.formats.metadata import CITE_AS, DESCRIPTION, FOREIGN_KEYS, LICENSE_NOTE, OTHER_REFERENCES, YEAR

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

