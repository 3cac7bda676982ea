"""Coverage checks: the detectors prove the curation missed nothing.

- Every quotation-mark span in an article's body (not boilerplate) is a quote row, or is listed
  under `not_quotes` with a reason. A curated quote must be exactly the characters between marks.
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

# The claim a date_text resolves, in order of preference.
DATE_CLAIMS = ("local_date", "date_start", "announced_date", "effective_date", "expiry_date")


def check_coverage(sources: Sources, located: dict[str, ArticleSpans]) -> list:
    """A problem for every unaccounted quotation span and every unexplained date."""
    problems = Collector()
    for aid, art in sources.articles.items():
        spans = located[aid]
        _quotation_coverage(art, spans, problems)
        _date_agreement(art, problems)
    return problems.problems


def _quotation_coverage(art, spans: ArticleSpans, problems: Collector) -> None:
    accounted = {
        (a.span.start, a.span.end): a for a in spans.annotations if a.kind in ("quotes", "not_quotes")
    }
    # A quote whose evidence did not locate may be the one meant for an unaccounted quotation.
    unlocated = sorted(i for kind, i in spans.failed if kind in ("quotes", "not_quotes"))
    maybe = f" (or correct quotes[{unlocated[0]}].evidence, which did not locate)" if unlocated else ""
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
                         f" (evidence, speaker, kind) or under `not_quotes` (evidence, reason){maybe}")
    for (start, end), ann in accounted.items():
        if (start, end) not in detected and ann.kind == "quotes":
            near = [q for q in detected.values() if q.inner_start <= start < q.inner_end or q.inner_start < end <= q.inner_end]
            inside = " ".join(art.text[near[0].inner_start:near[0].inner_end].split()) if near else ""
            hint = f"; the quotation marks there enclose {inside!r}: write that as the evidence" if near else \
                "; no quotation marks are there: move it to `roles`/`mentions`, or delete it"
            problems.add(art.yaml.path, ann.line, f"quotes[{ann.index}].evidence",
                         f"a quote must be exactly the characters between quotation marks; {start}-{end} is not{hint}")


def _date_agreement(art, problems: Collector) -> None:
    """Every date_text of the article's events and measures (located or not) against its claim."""
    reference = dt.date.fromisoformat(art.meta["reference_date"])
    for kind in ("events", "measures"):
        for index, item in enumerate(art.meta.get(kind, [])):
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
                problems.add(art.yaml.path, art.yaml.line_of([kind, index, "claims", claim[0]]), f"{kind}[{index}].claims.{claim[0]}",
                             f"expected a date like 2025-10-18, found {claim[1]!r}; {text!r} resolved against {anchor} gives {_span(resolved)}")
                continue
            if not resolved.date_start <= value <= resolved.date_end:
                problems.add(art.yaml.path, art.yaml.line_of([kind, index]), f"{kind}[{index}].claims.{claim[0]}",
                             f"{text!r} resolved against {anchor} gives {_span(resolved)} ({resolved.precision}), but the claim is {value};"
                             f" fix the claim (e.g. `{claim[0]}: {resolved.date_start}`), set date_anchor to the day the words were written,"
                             " or give date_override_reason")


def _span(resolved) -> str:
    return f"{resolved.date_start}" if resolved.date_start == resolved.date_end else f"{resolved.date_start}..{resolved.date_end}"
