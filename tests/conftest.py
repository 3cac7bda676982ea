"""Tiny inline datasets for stage tests: write one with `make_dataset(tmp_path, ...)`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

TEXT = (
    "Trade talks set for next week\n"
    "Treasury Secretary Scott Bessent said on Friday that he and Vice Premier He Lifeng would meet.\n"
    "\u201cWe will meet in person\nnext week,\u201d Bessent wrote. He added that the 100% tariff was "
    "\u201cnot sustainable\u201d.\n"
    "ALSO READ: Another story with \u201cquotes\u201d\n"
)

PEOPLE = [
    {"person_id": "scott-bessent", "name": "Scott Bessent", "aliases": ["Scott Bessent", "Bessent"], "country": "USA"},
    {"person_id": "he-lifeng", "name": "He Lifeng", "aliases": ["He Lifeng"], "ambiguous_aliases": ["He"], "country": "CHN"},
]
EVENTS = [
    {
        "event_id": "bessent-he-call",
        "event_type": "call",
        "description": "Bessent and He speak.",
        "date_start": "2025-10-17",
        "date_end": "2025-10-17",
        "date_precision": "day",
        "participants": ["scott-bessent", "he-lifeng"],
    },
]
MEASURES = [
    {
        "measure_id": "us-100pct-tariff",
        "imposer": ["USA"],
        "target": ["CHN"],
        "instrument": "tariff",
        "description": "Threatened additional 100% tariff.",
        "rate_pct": 100,
        "rate_basis": "additional",
    },
]


def article_meta(text: str, article_id: str = "talks-next-week", **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "article_id": article_id,
        "seed_file": None,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "title": {"evidence": "Trade talks set for next week"},
        "outlet": None,
        "outlet_note": "not stated in the text",
        "authors": [],
        "published_date": None,
        "reference_date": "2025-10-18",
        "reference_date_note": "content: 'on Friday' refers to 17 October",
        "language": "en",
        "segments": [{"kind": "boilerplate", "start": "ALSO READ:", "end": "\u201d", "occurrence": 1, "reason": "related link"}],
        "quotes": [
            {"evidence": "We will meet in person next week,", "speaker": "scott-bessent", "kind": "full", "cue": "wrote"},
            {"evidence": "not sustainable", "speaker": None, "speaker_note": "unknown: paraphrase of an unnamed source", "kind": "partial"},
        ],
        "mentions": [],
        "not_mentions": [{"evidence": "He", "occurrence": 2, "reason": "pronoun (Bessent)"}],
        "roles": [{"person": "scott-bessent", "role": "Treasury Secretary", "country": "USA", "evidence": "Treasury Secretary Scott Bessent"}],
        "events": [{"event": "bessent-he-call", "evidence": "on Friday", "date_text": "on Friday", "claims": {"date_start": "2025-10-17"}}],
        "measures": [{"measure": "us-100pct-tariff", "evidence": "the 100% tariff", "claims": {"rate_pct": 100, "status": "threatened"}}],
    }
    meta.update(extra)
    return meta


class _NoAliases(yaml.SafeDumper):
    """Writes a list shared by two entries (an `imposer: [USA]`) twice, never as an anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def bare_meta(text: str, article_id: str = "second", **extra: Any) -> dict[str, Any]:
    """An article's annotation that records nothing but what `extra` gives (no title, segments, quotes, roles, events, measures)."""
    empty: dict[str, Any] = {"title": None, "segments": [], "quotes": [], "not_mentions": [], "roles": [], "events": [], "measures": []}
    return article_meta(text, article_id=article_id, **{**empty, **extra})


def write_yaml(path: Path, data: Any) -> None:
    path.write_text(yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True), encoding="utf-8")


def make_dataset(root: Path, articles: dict[str, tuple[str, dict]] | None = None, people=None, events=None, measures=None) -> Path:
    """Write a dataset/ tree under root; `articles` maps id -> (text, meta)."""
    if articles is None:
        articles = {"talks-next-week": (TEXT, article_meta(TEXT))}
    d = root / "dataset" / "articles"
    d.mkdir(parents=True, exist_ok=True)
    for article_id, (text, meta) in articles.items():
        (d / f"{article_id}.txt").write_bytes(text.encode("utf-8"))
        write_yaml(d / f"{article_id}.yml", meta)
    write_yaml(root / "dataset" / "people.yml", {"people": PEOPLE if people is None else people})
    write_yaml(root / "dataset" / "events.yml", {"events": EVENTS if events is None else events})
    write_yaml(root / "dataset" / "measures.yml", {"measures": MEASURES if measures is None else measures})
    return root


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path)
