"""Ids never move: adding, removing or reordering other articles keeps every existing id, quote groups included."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEXT, article_meta, make_dataset
from tradetalks.pipeline.ids import evidence_id, quote_id, stable_id
from tradetalks.pipeline.run import check
from tradetalks.text.groups import normalise, stable_groups

BASE_QUOTES = ["We will meet in person next week,", "not sustainable"]
# Rows an article makes (their ids are natural keys of the article), and registry rows (kept while supported).
KEYS = {"articles": "article_id", "quotes": "quote_id", "evidence": "evidence_id"}
REGISTRY_KEYS = {"people": "person_id", "events": "event_id", "tariff_measures": "measure_id", "measure_steps": "step_id"}


def _variant(draw, base: str) -> str:
    """A near copy of `base` (one letter changed), or unrelated words."""
    if draw(st.booleans()):
        words = draw(st.lists(st.sampled_from(["tariffs", "talks", "soon", "china", "trade", "deal", "markets"]), min_size=2, max_size=8))
        return " ".join(words)
    letters = [i for i, c in enumerate(base) if c.isalpha()]
    i = draw(st.sampled_from(letters))
    return base[:i] + draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz")) + base[i + 1 :]


@st.composite
def extra_articles(draw) -> dict[str, tuple[str, dict]]:
    n = draw(st.integers(1, 4))
    names = draw(st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10), min_size=n, max_size=n, unique=True))
    out = {}
    for name in names:
        quote = _variant(draw, draw(st.sampled_from(BASE_QUOTES)))
        # Each article its own text: the same raw text twice is refused (one article counted twice).
        text = f"Officials met again ({name}).\n\u201c{quote}\u201d Bessent said.\n"
        aid = f"extra-{name}"
        out[aid] = (
            text,
            article_meta(
                text,
                article_id=aid,
                title=None,
                segments=[],
                not_mentions=[],
                roles=[],
                events=[],
                measures=[],
                quotes=[{"evidence": quote, "speaker": "scott-bessent", "kind": "full", "cue": "said"}],
            ),
        )
    return out


def _ids(tables: dict[str, pl.DataFrame], article: str) -> dict[str, list[tuple]]:
    """Every id of the rows that come from `article` (and their quote groups)."""
    out = {name: sorted(tables[name].filter(pl.col("article_id") == article)[key].to_list()) for name, key in KEYS.items()}
    out.update({name: sorted(tables[name][key]) for name, key in REGISTRY_KEYS.items()})
    out["quote_groups"] = sorted(tables["quotes"].filter(pl.col("article_id") == article).select("quote_id", "quote_group_id").iter_rows())
    return out


def _publish(root: Path, tables: dict[str, pl.DataFrame], version: str) -> None:
    """What a release leaves for the next build to read: its quotes table, where its manifest says."""
    (root / "release" / version / "data").mkdir(parents=True, exist_ok=True)
    tables["quotes"].write_parquet(root / "release" / version / "data" / "quotes.parquet")
    manifest = {"dataset": "tradetalks", "version": version, "tables": {"quotes": {"path": "data/quotes.parquet"}}}
    (root / "release" / version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra_articles(), st.randoms(use_true_random=False))
def test_adding_removing_or_reordering_other_articles_keeps_every_id(extra, rng):
    base = {"talks-next-week": (TEXT, article_meta(TEXT))}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_dataset(root, base)
        first = check(root).tables
        _publish(root, first, "1.0.0")
        before = _ids(first, "talks-next-week")

        # Add the extra articles (any names, so any order among the files).
        make_dataset(root, {**base, **extra})
        grown = check(root).tables
        assert _ids(grown, "talks-next-week") == before
        _publish(root, grown, "1.1.0")
        kept = {aid: _ids(grown, aid) for aid in extra}

        # Remove some of them again: what stays keeps its ids, the base article's included.
        names = sorted(extra)
        rng.shuffle(names)
        remaining = {aid: extra[aid] for aid in names[: len(names) // 2]}
        for p in (root / "dataset" / "articles").iterdir():
            p.unlink()
        make_dataset(root, {**remaining, **base})
        shrunk = check(root).tables
        assert _ids(shrunk, "talks-next-week") == before
        for aid in remaining:
            assert _ids(shrunk, aid) == kept[aid]


def test_a_published_group_keeps_its_id_when_a_smaller_text_joins_it():
    published = {normalise("we will meet in person next week"): "qg_000000000001"}
    groups, merges = stable_groups(["We will meet in person next week", "We will meet in person nexa week"], published)
    assert set(groups.values()) == {"qg_000000000001"} and merges == {}


def test_merged_groups_keep_the_smaller_id_and_record_the_other():
    a, b = "frank and detailed discussions on trade", "frank and detailed talks about trade"
    published = {normalise(a): "qg_00000000000a", normalise(b): "qg_00000000000b"}
    groups, merges = stable_groups([a, b], published, threshold=60)
    assert set(groups.values()) == {"qg_00000000000a"}
    assert merges == {"qg_00000000000a": ["qg_00000000000b"]}


def test_a_split_group_gives_its_id_to_one_part_only():
    a, b = "frank and detailed discussions on trade", "frank and detailed talks about trade"
    published = {normalise(a): "qg_00000000000a", normalise(b): "qg_00000000000a"}
    groups, _ = stable_groups([a, b], published)
    assert groups[a] != groups[b] and "qg_00000000000a" in (groups[a], groups[b])


@settings(max_examples=200, deadline=None)
@given(
    subject=st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans()),
    article=st.text(),
    start=st.integers(0, 10**12),
    end=st.integers(0, 10**12),
    field=st.one_of(st.none(), st.text()),
)
def test_row_ids_are_stable_ids(subject, article, start, end, field):
    """The ids made per row with the key written in one step are stable_id's."""
    assert evidence_id("events", subject, article, start, end, field) == stable_id("ev", "events", subject, article, start, end, field or "")
    assert quote_id(article, start, end) == stable_id("q", article, start, end)
