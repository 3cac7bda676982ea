"""Coverage checks: the detectors prove the curation missed nothing.

- Every quotation-mark span in an article's body (not boilerplate) is a quote row, or is listed
  under `not_quotes` with a reason. A curated quote must be exactly the characters between marks.
- A transcript segment (speech without quotation marks) is covered by speaker turns (quotes of
  kind `turn`): between turns only a speaker's label may stand; a turn lies inside a transcript.
- Every curated relative date (`date_text`) agrees with the mechanical resolver, or carries
  `date_override_reason`. It is resolved against the article's reference date, or against
  `date_anchor` (a date), or against `date_anchor_event` (a registered event's one-day date, so
  that a date already in events.yml is never typed again in an article).
"""

from __future__ import annotations

import datetime as dt

from tradetalks.errors import Collector
from tradetalks.pipeline.claims import resolve_date
from tradetalks.pipeline.locate import ArticleSpans, Located, Span
from tradetalks.pipeline.sources import Sources
from tradetalks.text.quotations import find_quotations

# What may stand between two turns of a transcript: a speaker's label ("MARIA BARTIROMO:").
MAX_LABEL_CHARS = 60
# The claim a date_text resolves, in order of preference.
DATE_CLAIMS = ("local_date", "date_start", "announced_date", "effective_date", "expiry_date")


def check_coverage(sources: Sources, located: dict[str, ArticleSpans]) -> list:
    """A problem for every unaccounted quotation span and every unexplained date."""
    problems = Collector()
    for aid, art in sources.articles.items():
        spans = located[aid]
        _quotation_coverage(art, spans, problems)
        _transcript_coverage(art, spans, problems)
        _date_agreement(art, problems)
    return problems.problems


def _quotation_coverage(art, spans: ArticleSpans, problems: Collector) -> None:
    accounted: dict[tuple[int, int], Located] = {}
    for a in spans.annotations:
        if a.kind not in ("quotes", "not_quotes") or a.item.get("kind") == "turn":
            continue
        other = accounted.setdefault((a.span.start, a.span.end), a)
        if other.kind != a.kind:  # the same span as a quote and as no quote: neither may silently win
            later, first = (a, other) if a.line is None or (other.line is not None and other.line <= a.line) else (other, a)
            problems.add(
                art.yaml.path,
                later.line,
                f"{later.kind}[{later.index}].evidence",
                f"the same span {a.span.start}-{a.span.end} is under {first.kind}[{first.index}] (line {first.line}) too:"
                " a quotation is either a quote or not one; keep one of the two",
            )
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
            problems.add(
                art.yaml.path,
                None,
                "quotes",
                f"quotation at {inner.start}-{inner.end} is not accounted for: {words[:90]!r}; add it under `quotes`"
                f" (evidence, speaker, kind) or under `not_quotes` (evidence, reason){maybe}",
            )
    for (start, end), ann in accounted.items():
        if (start, end) not in detected and ann.kind == "quotes":
            near = [q for q in detected.values() if q.inner_start <= start < q.inner_end or q.inner_start < end <= q.inner_end]
            inside = " ".join(art.text[near[0].inner_start : near[0].inner_end].split()) if near else ""
            hint = (
                f"; the quotation marks there enclose {inside!r}: write that as the evidence"
                if near
                else "; no quotation marks are there: move it to `roles`/`mentions`, or delete it"
            )
            problems.add(
                art.yaml.path,
                ann.line,
                f"quotes[{ann.index}].evidence",
                f"a quote must be exactly the characters between quotation marks; {start}-{end} is not{hint}",
            )


def _transcript_coverage(art, spans: ArticleSpans, problems: Collector) -> None:
    turns = sorted((a for a in spans.annotations if a.kind == "quotes" and a.item.get("kind") == "turn"), key=lambda a: a.span.start)
    transcripts = [s for s in spans.segments if s.kind == "transcript"]
    for t in turns:
        if not any(s.span.start <= t.span.start and t.span.end <= s.span.end for s in transcripts):
            problems.add(
                art.yaml.path,
                t.line,
                f"quotes[{t.index}].kind",
                "a turn is speech inside a transcript segment; mark the transcript under `segments` (kind: transcript), or give the quotation as full or partial",
            )
    for seg in transcripts:
        inside = [t.span for t in turns if seg.span.start <= t.span.start and t.span.end <= seg.span.end]
        edges = [seg.span.start] + [x for s in inside for x in (s.start, s.end)] + [seg.span.end]
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            gap = art.text[start:end].strip()
            if len(gap) > MAX_LABEL_CHARS:
                problems.add(
                    art.yaml.path,
                    None,
                    "quotes",
                    f"transcript at {seg.span.start}-{seg.span.end}: {gap[:90]!r} at {start} has no turn; add it under `quotes` with kind: turn and its speaker",
                )


def anchor_event_date(item: dict, events: dict[str, dict]) -> tuple[dt.date | None, str | None]:
    """The day `date_anchor_event` names (a registered event's one-day date); (None, why not) otherwise."""
    event_id = item["date_anchor_event"]
    if item.get("date_anchor"):
        return None, "give either date_anchor (a date) or date_anchor_event (an event id), not both"
    event = events.get(event_id)
    if event is None:
        return None, f"unknown event {event_id!r}; date_anchor_event names an event_id of dataset/events.yml"
    start, end = event.get("date_start"), event.get("date_end") or event.get("date_start")
    if not start or end != start:
        return None, (
            f"event {event_id!r} has no single-day date in dataset/events.yml (date_start {start!r},"
            f" date_end {event.get('date_end')!r}); use date_anchor with the day instead"
        )
    return dt.date.fromisoformat(start), None


def date_disagreement(item: dict, anchor: dt.date) -> tuple[str, str] | None:
    """(claim field, message) when the item's date claim falls outside what its date_text means; else None."""
    text, claims = item.get("date_text"), item.get("claims") or {}
    claim = next(((k, claims[k]) for k in DATE_CLAIMS if claims.get(k)), None)
    if not text or claim is None or item.get("date_override_reason"):
        return None
    resolved = resolve_date(text, anchor, future=item.get("date_tense") == "future")
    if resolved is None:
        return None
    span = f"{resolved.date_start}" if resolved.date_start == resolved.date_end else f"{resolved.date_start}..{resolved.date_end}"
    try:
        value = dt.date.fromisoformat(str(claim[1]))
    except ValueError:
        return claim[0], f"expected a date like {resolved.date_start}, found {claim[1]!r}; {text!r} resolved against {anchor} gives {span}"
    if resolved.date_start <= value <= resolved.date_end:
        return None
    return claim[0], (
        f"{text!r} resolved against {anchor} gives {span} ({resolved.precision}), but the claim is {value};"
        f" fix the claim (e.g. `{claim[0]}: {resolved.date_start}`, or `date_claim: {claim[0]}` to derive it),"
        " set date_anchor to the day the words were written, or give date_override_reason"
    )


def anchored_date_problems(item: dict, events: dict[str, dict]) -> list[tuple[str, str]]:
    """(field, message) problems of an item resolved against `date_anchor_event`.

    Checked where the registries are known (assemble), not per chunk like the other dates.
    """
    anchor, why = anchor_event_date(item, events)
    if anchor is None:
        if why is None:  # anchor_event_date gives a day or the reason there is none
            raise RuntimeError(f"no day and no reason for date_anchor_event {item.get('date_anchor_event')!r}; this is a bug in anchor_event_date")
        return [("date_anchor_event", why)]
    found = date_disagreement(item, anchor)
    return [(f"claims.{found[0]}", found[1])] if found else []


def derived_date_claims(item: dict, reference: dt.date, events: dict[str, dict]) -> tuple[dict[str, str], str | None]:
    """The date claims `date_claim` derives from date_text, {field: YYYY-MM-DD}, and what is wrong, if anything.

    The resolved span's last day goes to `date_end`, its first day to every other field (a week or
    a month is stored as its first day). A broken date_anchor_event is reported by anchored_date_problems.
    """
    fields = item.get("date_claim")
    if not fields:
        return {}, None
    fields = [fields] if isinstance(fields, str) else list(fields)
    anchor = dt.date.fromisoformat(item["date_anchor"]) if item.get("date_anchor") else reference
    if item.get("date_anchor_event"):
        event_day, _ = anchor_event_date(item, events)
        if event_day is None:
            return {}, None
        anchor = event_day
    text = item.get("date_text")
    if not text:
        return {}, "date_claim derives the date from date_text, which is missing; write the article's date words as date_text"
    typed = sorted(set(fields) & set(item.get("claims") or {}))
    if typed:
        return {}, f"{', '.join(typed)} is both typed under claims and derived by date_claim; keep one of the two"
    resolved = resolve_date(text, anchor, future=item.get("date_tense") == "future")
    if resolved is None:
        return {}, (
            f"date_text {text!r} is not a date expression the rules resolve ('on Friday', 'next week', 'Oct. 9');"
            ' leave date_claim out and type the date under claims, e.g. claims: {date_start: "2025-10-17"}'
        )
    return {f: (resolved.date_end if f == "date_end" else resolved.date_start).isoformat() for f in fields}, None


def _date_agreement(art, problems: Collector) -> None:
    """Every date_text of the article's events and measures (located or not) against its claim."""
    reference = dt.date.fromisoformat(art.meta["reference_date"])
    for kind in ("events", "measures"):
        for index, item in enumerate(art.meta.get(kind, [])):
            if item.get("date_anchor_event"):
                continue  # needs events.yml: see anchored_date_problems
            anchor = dt.date.fromisoformat(item["date_anchor"]) if item.get("date_anchor") else reference
            found = date_disagreement(item, anchor)
            if found:
                problems.add(art.yaml.path, art.yaml.line_of([kind, index]), f"{kind}[{index}].claims.{found[0]}", found[1])
