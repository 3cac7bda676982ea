"""Coverage checks: the detectors prove the curation missed nothing.

- Every quotation-mark span in an article's body (not boilerplate) is a quote row, or is listed
  under `not_quotes` with a reason. A curated quote must be exactly the characters between marks.
- A transcript segment (speech without quotation marks) is covered by speaker turns (quotes of
  kind `turn`): between turns only a speaker's label may stand; a turn lies inside a transcript.
- Every curated relative date (`date_text`) agrees with the mechanical resolver, or carries
  `date_override_reason`.
"""

from __future__ import annotations

import datetime as dt

from tradetalks.build.detect.dates import resolve
from tradetalks.build.detect.quotations import find_quotations
from tradetalks.build.errors import Collector
from tradetalks.build.locate import ArticleSpans, Span
from tradetalks.build.sources import Sources

# What may stand between two turns of a transcript: a speaker's label ("MARIA BARTIROMO:").
MAX_LABEL_CHARS = 60
# The claim a date_text resolves, in order of preference.
DATE_CLAIMS = ("local_date", "date_start", "announced_date", "effective_date", "expiry_date")


def check_coverage(sources: Sources, located: dict[str, ArticleSpans]) -> None:
    """Raise DatasetError listing every unaccounted quotation span and every unexplained date."""
    problems = Collector()
    for aid, art in sources.articles.items():
        spans = located[aid]
        _quotation_coverage(art, spans, problems)
        _transcript_coverage(art, spans, problems)
        _date_agreement(art, spans, problems)
    problems.raise_if_any()


def _quotation_coverage(art, spans: ArticleSpans, problems: Collector) -> None:
    accounted = {
        (a.span.start, a.span.end): a for a in spans.annotations
        if a.kind in ("quotes", "not_quotes") and a.item.get("kind") != "turn"
    }
    detected = {}
    for q in find_quotations(art.text):
        inner = Span(q.inner_start, q.inner_end)
        if q.inner_end <= q.inner_start or spans.segment_kind(inner) == "boilerplate":
            continue
        detected[(inner.start, inner.end)] = q
        if (inner.start, inner.end) not in accounted:
            words = " ".join(art.text[inner.start : inner.end].split())
            problems.add(art.yaml.path, None, "quotes",
                         f"quotation at {inner.start}-{inner.end} is not accounted for: {words[:90]!r}; add it under `quotes`"
                         " (with speaker) or under `not_quotes` (with a reason)")
    for (start, end), ann in accounted.items():
        if (start, end) not in detected and ann.kind == "quotes":
            near = [q for q in detected.values() if q.inner_start <= start < q.inner_end or q.inner_start < end <= q.inner_end]
            hint = f"; the quotation marks there enclose {art.text[near[0].inner_start:near[0].inner_end]!r}" if near else ""
            problems.add(art.yaml.path, ann.line, f"quotes[{ann.index}].evidence",
                         f"a quote must be exactly the characters between quotation marks; {start}-{end} is not{hint}")


def _transcript_coverage(art, spans: ArticleSpans, problems: Collector) -> None:
    turns = sorted((a for a in spans.annotations if a.kind == "quotes" and a.item.get("kind") == "turn"), key=lambda a: a.span.start)
    transcripts = [s for s in spans.segments if s.kind == "transcript"]
    for t in turns:
        if not any(s.span.start <= t.span.start and t.span.end <= s.span.end for s in transcripts):
            problems.add(art.yaml.path, t.line, f"quotes[{t.index}].kind",
                         "a turn is speech inside a transcript segment; mark the transcript under `segments` (kind: transcript), or give the quotation as full or partial")
    for seg in transcripts:
        inside = [t.span for t in turns if seg.span.start <= t.span.start and t.span.end <= seg.span.end]
        edges = [seg.span.start] + [x for s in inside for x in (s.start, s.end)] + [seg.span.end]
        for start, end in zip(edges[::2], edges[1::2]):
            gap = art.text[start:end].strip()
            if len(gap) > MAX_LABEL_CHARS:
                problems.add(art.yaml.path, None, "quotes",
                             f"transcript at {seg.span.start}-{seg.span.end}: {gap[:90]!r} at {start} has no turn; add it under `quotes` with kind: turn and its speaker")


def _date_agreement(art, spans: ArticleSpans, problems: Collector) -> None:
    reference = dt.date.fromisoformat(art.meta["reference_date"])
    seen = set()
    for ann in spans.annotations:
        if ann.kind not in ("events", "measures") or (ann.kind, ann.index) in seen:
            continue
        seen.add((ann.kind, ann.index))
        item = ann.item
        text, claims = item.get("date_text"), item.get("claims") or {}
        claim = next(((k, claims[k]) for k in DATE_CLAIMS if claims.get(k)), None)
        if not text or claim is None or item.get("date_override_reason"):
            continue
        anchor = dt.date.fromisoformat(item["date_anchor"]) if item.get("date_anchor") else reference
        resolved = resolve(text, anchor, future=item.get("date_tense") == "future")
        if resolved is None:
            continue
        try:
            value = dt.date.fromisoformat(str(claim[1]))
        except ValueError:
            problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].claims.{claim[0]}", f"expected a date YYYY-MM-DD, found {claim[1]!r}")
            continue
        if not resolved.date_start <= value <= resolved.date_end:
            span = f"{resolved.date_start}" if resolved.date_start == resolved.date_end else f"{resolved.date_start}..{resolved.date_end}"
            problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].claims.{claim[0]}",
                         f"{text!r} resolved against {anchor} gives {span} ({resolved.precision}), but the claim is {value};"
                         " fix the claim, set date_anchor, or give date_override_reason")
