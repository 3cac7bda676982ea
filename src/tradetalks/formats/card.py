"""The dataset card (a release's README.md): a Hugging Face style YAML header, then what is in the
release (articles, outlets, coverage window, tables and columns), how it was made, what it does and
does not claim, its known limitations, and how to cite it.

Generated from the manifest and the release's own articles.parquet (nothing of the pipeline).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from tradetalks.contract.tables import FOREIGN_KEYS
from tradetalks.formats import citation
from tradetalks.formats.metadata import DESCRIPTION, HOMEPAGE, LICENSE_NOTE, OTHER_REFERENCES, TITLE

# Hugging Face size_categories, by the rows of the largest table.
SIZE_CATEGORIES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
]
TAGS = ["news", "trade", "tariffs", "us-china", "provenance", "quotations", "events"]


def card(manifest: dict, directory: Path | None = None, date: str | None = None) -> str:
    """The dataset card of the release in `directory` (its articles.parquet lists articles and outlets).

    `date` is the release date (from its CHANGELOG entry); None for an undated working build.
    """
    version = manifest["version"]
    t = manifest["tables"]
    articles = _articles(manifest, directory)
    lines = [
        *header(manifest, articles),
        f"# tradetalks {version}",
        "",
        DESCRIPTION,
        "",
        *contents(articles),
        *making(articles),
        *claims(),
        *limitations(articles),
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
        "The CSV copies (`csv/`) are for spreadsheets: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage",
        "return has a `'` put before it, so that a spreadsheet shows it as text instead of running it as a formula (OWASP's",
        "guidance on CSV injection). The Parquet files hold every value verbatim: use them for the span invariant.",
        "",
        "`method` is `curated` (a human annotation, reviewed in a pull request) or `rule:<name>` (an exact, mechanical rule,",
        "such as `rule:alias` for a registered person's alias). Where articles disagree (a date, a figure), each claim is an",
        "`evidence` row with `claim_field`/`claim_value`, and the subject row is `disputed`; `n_articles` and `disputed`",
        "are derived from `evidence`, never typed.",
        "",
        "References between tables:",
        "",
    ]
    for fk in FOREIGN_KEYS:
        if fk.table in t and fk.parent in t:
            lines.append(f"- `{fk.table}.{fk.column}`{' (each element)' if fk.many else ''} -> `{fk.parent}.{fk.parent_column}`")
    lines += [f"- `{r.split(' ')[0]}` {' '.join(r.split(' ')[1:])}" for r in OTHER_REFERENCES]
    lines += ["", "## Columns", ""]
    for name, entry in t.items():
        lines += [f"### `{name}`", "", _md(entry["description"]), "", "| column | type | null | meaning |", "|---|---|---|---|"]
        for c in entry["columns"]:
            allowed = f" One of: {', '.join(f'`{_md(v)}`' for v in c['enum'])}." if c.get("enum") else ""
            lines.append(f"| `{c['name']}` | `{_md(c['type'])}` | {'yes' if c['nullable'] else 'no'} | {_md(c['description'])}{allowed} |")
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
        f'Plain files work too: `pl.read_parquet("{t["quotes"]["path"]}")`, `duckdb.sql("FROM \'{t["quotes"]["path"]}\'")`, or the',
        "CSV copies in `csv/` (nested columns as JSON strings). Read one table's file at a time: the tables have different",
        "columns, so a reader given every Parquet file of the release at once would mix them.",
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
        "Cite the version you used" + (f" (released {date})" if date else "") + ":",
        "",
        "> " + citation.apa(version, date),
        "",
        "```bibtex",
        citation.bibtex(version, date),
        "```",
        "",
        *(
            [
                f"`tradetalks cite --version {version}` prints this (`--format bibtex|apa|cff`); `CITATION.cff` in the repository",
                "says the same. Each GitHub release is archived with a DOI of its own (Zenodo); cite that DOI where you can.",
            ]
            if date
            else ["This working build is not a published version: cite the published release you used (`tradetalks cite`)."]
        ),
        "",
        "## Licence",
        "",
        LICENSE_NOTE,
        "",
    ]
    return "\n".join(lines)


def _articles(manifest: dict, directory: Path | None) -> pl.DataFrame:
    """The release's articles (no text; dates as YYYY-MM-DD), sorted by id; no rows when the directory has no articles table."""
    columns = ["article_id", "seed_file", "title", "outlet", "wire_service", "published_date", "reference_date", "language", "url"]
    entry = manifest["tables"].get("articles")
    if directory is None or entry is None or not (Path(directory) / entry["path"]).is_file():
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    path = Path(directory) / entry["path"]
    have = set(pl.read_parquet_schema(path))
    frame = pl.read_parquet(path, columns=[c for c in columns if c in have])
    frame = frame.with_columns(
        *(pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in have),
        *(pl.col(c).dt.to_string("%Y-%m-%d") for c in ("published_date", "reference_date") if c in have),  # date.isoformat()
    )
    return frame.select(pl.col(c).cast(pl.String) for c in columns).sort("article_id")


def _given(column: str) -> pl.Expr:
    """The column's value is there (neither null nor empty)."""
    return pl.col(column).is_not_null() & (pl.col(column) != "")


def _distinct(articles: pl.DataFrame, column: str) -> list[str]:
    """The column's values that are there, distinct and sorted (code point order, as Python sorts)."""
    return articles.filter(_given(column))[column].unique().sort().to_list()


def _count(articles: pl.DataFrame, present: pl.Expr) -> int:
    return int(articles.select(present.sum()).item() or 0)


def size_category(manifest: dict) -> str:
    largest = max((entry["rows"] for entry in manifest["tables"].values()), default=0)
    return next((name for bound, name in SIZE_CATEGORIES if largest < bound), "n>100M")


def header(manifest: dict, articles: pl.DataFrame) -> list[str]:
    """The YAML front matter Hugging Face reads (license, language, pretty_name, tags, size, configs)."""
    languages = _distinct(articles, "language") or ["en"]
    lines = [
        "---",
        "license: cc-by-4.0",
        "language:",
        *(f"- {_y(lang)}" for lang in languages),
        f"pretty_name: {_y(TITLE)}",
        "tags:",
        *(f"- {tag}" for tag in TAGS),
        "size_categories:",
        f"- {_y(size_category(manifest))}",
        "configs:",
    ]
    for i, (name, entry) in enumerate(manifest["tables"].items()):
        lines += [f"- config_name: {name}", "  data_files:", "  - split: train", f"    path: {_y(entry['path'])}"]
        if i == 0:
            lines.append("  default: true")
    return lines + ["---", ""]


def contents(articles: pl.DataFrame) -> list[str]:
    """Which articles and outlets are in, and the coverage window."""
    if not articles.height:
        return []
    n = articles.height
    dated = articles.select(pl.when(_given("published_date")).then("published_date").otherwise("reference_date").alias("d")).filter(_given("d"))["d"].sort()
    outlets = _distinct(articles, "outlet")
    wires = _distinct(articles, "wire_service")
    unknown = _count(articles, ~_given("outlet"))
    languages = articles.select(pl.when(_given("language")).then("language").otherwise(pl.lit("unknown")).alias("l"))["l"].unique().sort().to_list()
    window = f"{dated[0]} to {dated[-1]}" if dated.len() else "unknown (no article is dated)"
    lines = [
        "## What is in this release",
        "",
        f"- **{n} articles**; coverage window (publication date, else the date the content supports): **{window}**"
        + (f" ({n - dated.len()} undated)." if dated.len() < n else "."),
        f"- **Outlets**: {', '.join(map(literal, outlets)) if outlets else 'none known'}"
        + (f"; unknown for {unknown} of {n} articles (the text does not name one, and none is guessed)." if unknown else "."),
        f"- **Wire services credited**: {', '.join(map(literal, wires)) if wires else 'none'}.",
        f"- **Languages**: {', '.join(languages)}.",
        "",
        "| article | title | outlet | date |",
        "|---|---|---|---|",
    ]
    # One line per article, made by Polars: a large release lists a hundred thousand.
    date = (
        pl.when(_given("published_date"))
        .then(pl.col("published_date"))
        .when(_given("reference_date"))
        .then(pl.col("reference_date") + " (content)")
        .otherwise(pl.lit("unknown"))
    )
    title = pl.when(_given("title")).then(_literal_expr(pl.col("title"))).otherwise(pl.lit("(no title in the text)"))
    outlet = pl.when(_given("outlet")).then(_literal_expr(pl.col("outlet"))).otherwise(pl.lit("unknown"))
    rows = articles.select(pl.format("| `{}` | {} | {} | {} |", pl.col("article_id"), title, outlet, date).alias("line"))["line"]
    return lines + rows.to_list() + [""]


def making(articles: pl.DataFrame) -> list[str]:
    seeds = _count(articles, _given("seed_file"))
    seeded = (
        f"  All {seeds} articles are the seed set the project started from (`seed_file` names the file each was received as)."
        if seeds and seeds == articles.height
        else f"  {seeds} of the {articles.height} articles are the seed set the project started from (`seed_file` names the file each"
        " was received as); the others were added by contributors through pull requests."
        if seeds
        else "  They are added by contributors through pull requests."
    )
    return [
        "## How articles are selected and annotated",
        "",
        "- Articles are news reports on the October 2025 US-China trade talks (rare-earth export controls, the threatened",
        "  100% US tariff, the Bessent-He Lifeng talks, the Trump-Xi meeting).",
        seeded,
        "  There is no systematic sampling: the set is what was brought, not a sample of all coverage.",
        "- Each raw text is stored byte for byte as received and never edited; its sha256 is recorded.",
        "- Annotations are written by people (`method` = `curated`, reviewed in a pull request) or by exact, mechanical",
        "  rules (`method` = `rule:<name>`, e.g. `rule:alias` for a registered alias). Detectors only draft annotations for",
        "  a curator to review; no statistical model decides any row.",
        f"- The whole process, the sources and the rules are in the repository: {HOMEPAGE}",
        "",
    ]


def claims() -> list[str]:
    return [
        "## What the annotations claim, and what they do not",
        "",
        "- A row says **what an article states**, at the characters cited (`evidence`): that a person was quoted, that an",
        "  event or measure was reported, with the date, rate or status the article gives.",
        "- It does **not** say the statement is true. Where articles disagree, every claim is kept (`evidence` rows with",
        "  `claim_field`/`claim_value`) and the subject row is `disputed`; no side is picked.",
        "- `n_articles` / `n_outlets` count articles and outlets that report a thing; they measure coverage, not",
        "  confirmation, and a wire story carried by several sites counts once.",
        '- Dates resolved from relative expressions ("on Friday") rest on each article\'s `reference_date`, stated with a note.',
        "- An outlet, author or date is recorded only when the text supports it; otherwise it is null with a note.",
        "",
    ]


def limitations(articles: pl.DataFrame) -> list[str]:
    n = articles.height
    unknown = _count(articles, ~_given("outlet"))
    languages = _distinct(articles, "language")
    lines = [
        "## Known limitations and biases",
        "",
    ]
    if n:
        lines.append(f"- **Small**: {n} article{'s' if n != 1 else ''}; counts and corroboration figures rest on very few sources.")
        if languages == ["en"]:
            lines.append("- **English only**: no Chinese-language coverage, so the Chinese side is seen through English-language reporting.")
        if unknown:
            lines.append(f"- **Outlets unknown** for {unknown} of {n} articles: outlet-level analysis is not possible for them.")
    lines += [
        "- **Selection**: articles are those that were chosen to be added, not a sample of the coverage; the outlets,",
        "  angles and days covered reflect that choice.",
        "- **Few curators**: the annotations were made and reviewed by few people; judgement calls (speakers of",
        "  ambiguous pronouns, boilerplate spans, reference dates) are recorded with notes but not double-annotated.",
        "- **Text as received**: captions, boilerplate and duplicated copy are marked as segments, not removed; quotations",
        "  and names follow the publishers' spelling and typography.",
        "",
    ]
    return lines


def _y(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def literal(text: str) -> str:
    """Contributors' text (a title, an outlet) as a Markdown code span: shown as written, never read as
    a link, an image, HTML or emphasis by GitHub, Hugging Face or Zenodo. The fence is longer than
    any run of backticks inside; a `|` is escaped, as a table cell needs even in code."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _literal_expr(text: pl.Expr) -> pl.Expr:
    """`literal` of each value."""
    return text.map_elements(literal, return_dtype=pl.String)
