"""Table validation: what the build runs vs pandera's own validate vs hand-written polars doing the same checks.

    uv run python benchmarks/bench_validate.py 100000 1000000 [--repeat 5] [--frictionless]

The quotes table (types, uniqueness, patterns, enumerations, ranges, not-null, the span-shape
check) plus the cross-table checks the build runs for it (foreign keys to articles and people,
the span invariant against articles.text). "build" is `check_table`: the model's declared checks
fused into one polars query (build/fused.py), pandera's `validate` only when one fails; "pandera"
is `MODELS["quotes"].validate(df, lazy=True)`, what the build ran before. Prints medians (min-max)
and each one's ratio to hand-written polars, all three interleaved in one run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import polars as pl

from tradetalks.build.errors import Collector
from tradetalks.build.ids import stable_id
from tradetalks.build.validate import check_table
from tradetalks.schemas.tables import MODELS, polars_schema


def make_tables(n_quotes: int, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    n_articles = max(1, n_quotes // 10)
    words = "we will talk trade tariffs fair deal china united states markets export controls".split()
    texts = [" ".join(rng.choice(words) for _ in range(120)) for _ in range(n_articles)]
    aids = [f"article-{i:07d}" for i in range(n_articles)]
    people = pl.DataFrame({"person_id": [f"person-{i}" for i in range(200)]})
    rows = {c: [] for c in polars_schema("quotes")}
    for q in range(n_quotes):
        a = q % n_articles
        start = rng.randrange(0, 400)
        end = start + rng.randrange(5, 60)
        ev = texts[a][start:end]
        rows["quote_id"].append(stable_id("q", aids[a], start, end, q))
        rows["text"].append(" ".join(ev.split()))
        rows["speaker_id"].append(f"person-{rng.randrange(200)}")
        rows["speaker_name"].append("Someone")
        rows["speaker_organisation"].append(None)
        rows["speaker_note"].append(None)
        rows["kind"].append(rng.choice(["full", "partial"]))
        rows["cue"].append("said")
        rows["channel"].append(None)
        rows["in_duplicate"].append(False)
        rows["quote_group_id"].append("qg_" + stable_id("x", q)[2:14])
        rows["merged_group_ids"].append([])
        rows["n_articles"].append(1)
        rows["n_outlets"].append(1)
        rows["note"].append(None)
        rows["article_id"].append(aids[a])
        rows["char_start"].append(start)
        rows["char_end"].append(end)
        rows["evidence"].append(ev)
        rows["method"].append("curated")
    quotes = pl.DataFrame(rows, schema=polars_schema("quotes"))
    articles = pl.DataFrame({"article_id": aids, "text": texts})
    return quotes, articles, people


def with_build(quotes: pl.DataFrame, articles: pl.DataFrame, people: pl.DataFrame) -> None:
    problems = Collector()
    check_table("quotes", quotes, problems)
    _cross_table(quotes, articles, people)
    assert not problems.problems


def with_pandera(quotes: pl.DataFrame, articles: pl.DataFrame, people: pl.DataFrame) -> None:
    MODELS["quotes"].validate(quotes, lazy=True)
    _cross_table(quotes, articles, people)


def _cross_table(quotes: pl.DataFrame, articles: pl.DataFrame, people: pl.DataFrame) -> None:
    bad_fk = quotes.filter(
        ~pl.col("article_id").is_in(articles["article_id"].implode())
        | (pl.col("speaker_id").is_not_null() & ~pl.col("speaker_id").is_in(people["person_id"].implode()))
    )
    joined = quotes.select("quote_id", "article_id", "char_start", "char_end", "evidence").join(articles, on="article_id", how="left")
    bad_span = joined.filter(pl.col("text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")) != pl.col("evidence"))
    assert bad_fk.height == 0 and bad_span.height == 0


def by_hand(quotes: pl.DataFrame, articles: pl.DataFrame, people: pl.DataFrame) -> None:
    assert dict(quotes.schema) == polars_schema("quotes")
    id_re = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    checks = quotes.select(
        pl.col("quote_id").is_duplicated().any().alias("dup"),
        (~pl.col("quote_id").str.contains(r"^q_[0-9a-f]{16}$")).any().alias("qid"),
        (~pl.col("quote_group_id").str.contains(r"^qg_[0-9a-f]{12}$")).any().alias("qg"),
        (~pl.col("article_id").str.contains(id_re)).any().alias("aid"),
        (pl.col("speaker_id").is_not_null() & ~pl.col("speaker_id").str.contains(id_re)).any().alias("sid"),
        (~pl.col("kind").is_in(["full", "partial"])).any().alias("kind"),
        (
            pl.col("channel").is_not_null()
            & ~pl.col("channel").is_in(["interview", "social_media", "statement", "press_conference", "remarks", "readout", "report"])
        )
        .any()
        .alias("ch"),
        (~pl.col("method").str.contains(r"^(curated|rule:[a-z_]+)$")).any().alias("method"),
        ((pl.col("char_start") < 0) | (pl.col("char_end") < 1) | (pl.col("n_articles") < 1) | (pl.col("n_outlets") < 1)).any().alias("ranges"),
        (pl.col("evidence").str.len_chars() < 1).any().alias("evlen"),
        pl.any_horizontal(
            [
                pl.col(c).is_null()
                for c in (
                    "quote_id",
                    "text",
                    "kind",
                    "in_duplicate",
                    "quote_group_id",
                    "n_articles",
                    "n_outlets",
                    "article_id",
                    "char_start",
                    "char_end",
                    "evidence",
                    "method",
                )
            ]
        )
        .any()
        .alias("nulls"),
        (~((pl.col("char_end") > pl.col("char_start")) & ((pl.col("char_end") - pl.col("char_start")) == pl.col("evidence").str.len_chars())))
        .any()
        .alias("shape"),
    ).row(0)
    bad_fk = quotes.filter(
        ~pl.col("article_id").is_in(articles["article_id"].implode())
        | (pl.col("speaker_id").is_not_null() & ~pl.col("speaker_id").is_in(people["person_id"].implode()))
    )
    joined = quotes.select("quote_id", "article_id", "char_start", "char_end", "evidence").join(articles, on="article_id", how="left")
    bad_span = joined.filter(pl.col("text").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start")) != pl.col("evidence"))
    assert not any(checks) and bad_fk.height == 0 and bad_span.height == 0


def timed(fn, *args, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frictionless", action="store_true", help="also time `frictionless validate` once on a CSV copy")
    args = parser.parse_args()
    for n in args.sizes:
        tables = make_tables(n)
        variants = {"build": with_build, "pandera": with_pandera, "hand-written polars": by_hand}
        for fn in variants.values():
            fn(*tables)  # warm-up: imports, compiled patterns, caches
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.repeat):  # interleaved, so drift in the machine's load hits all alike
            for name, fn in variants.items():
                times[name] += timed(fn, *tables, repeat=1)
        hand = times["hand-written polars"]
        cells = []
        for name, t in times.items():
            cell = f"{name} {statistics.median(t):.3f} s ({min(t):.3f}-{max(t):.3f})"
            if t is not hand:
                ratios = [a / b for a, b in zip(t, hand, strict=True)]  # round by round
                cell += f" = {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
            cells.append(cell)
        print(f"{n:>9} quotes  " + "  ".join(cells), flush=True)
        if args.frictionless:
            import tempfile
            from pathlib import Path

            from frictionless import Resource

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "quotes.csv"
                tables[0].write_csv(path)
                t = time.perf_counter()
                report = Resource(path=path.name, basepath=tmp).validate()  # frictionless refuses absolute paths
                errors = report.flatten(["type"])
                print(
                    f"{n:>9} quotes  frictionless validate (CSV, inferred schema) {time.perf_counter() - t:.2f} s valid={report.valid} {errors[:3]}", flush=True
                )


if __name__ == "__main__":
    main()
