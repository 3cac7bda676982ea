"""Evidence rows: the spans that support a row of people, events or tariff_measures, one per claim.

A mention found by the alias rule, a curated mention, a role, or a claim of an event or measure
annotation; a claim's value is typed by its field (a date claim an interval, a rate a number,
a location a place of dataset/places.yml).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tradetalks.build.claims import DATE_FAMILIES, NUMBER_CLAIMS, PLACE_CLAIMS, claim_intervals, claim_text, interval
from tradetalks.build.detect.mentions import find_mentions
from tradetalks.build.errors import Collector
from tradetalks.build.ids import stable_id
from tradetalks.build.locate import ArticleSpans, Located, Span
from tradetalks.build.sources import Sources
from tradetalks.build.subjects import SUBJECT_TABLES
from tradetalks.schemas.files import STATUSES

if TYPE_CHECKING:
    from tradetalks.build.assemble import Registries


def span_row(ann: Located, spans: ArticleSpans, text: str) -> dict[str, Any]:
    return {
        "article_id": ann.article_id,
        "char_start": ann.span.start,
        "char_end": ann.span.end,
        "evidence": text[ann.span.start : ann.span.end],
        "in_duplicate": spans.segment_kind(ann.span) == "duplicate",
    }


def mention_evidence(sources: Sources, located: dict[str, ArticleSpans], reg: Registries, problems: Collector) -> list[dict]:
    """rule:alias rows for exact alias matches; curated rows for ambiguous aliases ('He')."""
    aliases, ambiguous = reg.aliases, reg.ambiguous
    rows: list[dict] = []
    for aid, art in sources.articles.items():
        spans = located[aid]
        found, undecided = find_mentions(art.text, aliases, ambiguous)
        for m in found:
            ann = Located(aid, "alias", -1, {}, Span(m.start, m.end))
            if spans.segment_kind(ann.span) == "boilerplate":
                continue
            rows.append(_evidence_row("people", m.person_id, ann, spans, art.text, "rule:alias", None, None, None, None))
        # A curated (not_)mention's evidence may be the bare alias or a phrase around it ("described He’s").
        curated = [a for a in spans.annotations if a.kind in ("mentions", "not_mentions")]
        used: set[int] = set()
        for m in undecided:
            span = Span(m.start, m.end)
            if spans.segment_kind(span) == "boilerplate":
                continue
            covering = [i for i, a in enumerate(curated) if a.span.start <= m.start and m.end <= a.span.end]
            if not covering:
                problems.add(art.yaml.path, None, "mentions",
                             f"ambiguous alias {m.surface!r} at offset {m.start} (…{art.text[max(0, m.start - 30):m.end + 30]!r}…) is neither under `mentions` (with its person) nor under `not_mentions` (with a reason)")
                continue
            i = min(covering, key=lambda i: curated[i].span.end - curated[i].span.start)
            ann = curated[i]
            used.add(i)
            if ann.kind == "mentions":
                person = ann.item["person"]
                if ambiguous.get(m.surface) != person:
                    problems.add(art.yaml.path, ann.line, f"mentions[{ann.index}].person",
                                 f"{m.surface!r} is an ambiguous alias of {ambiguous.get(m.surface)!r}, not of {person!r}")
                at_alias = Located(aid, ann.kind, ann.index, ann.item, span, ann.doc)
                rows.append(_evidence_row("people", person, at_alias, spans, art.text, "curated", None, None, None, ann.item.get("note")))
        for i, ann in enumerate(curated):
            if i not in used:
                problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].evidence",
                             f"evidence {ann.item['evidence']!r} contains no undecided occurrence of an ambiguous alias (such as a bare \"He\")")
    return rows


def _evidence_row(subject_table: str, subject_id: str, ann: Located, spans: ArticleSpans, text: str, method: str,
                  claim_field: str | None, claim_value: str | None, date_text: str | None, note: str | None, **typed: Any) -> dict:
    row = span_row(ann, spans, text)
    row.update({
        "evidence_id": stable_id("ev", subject_table, subject_id, ann.article_id, ann.span.start, ann.span.end, claim_field or ""),
        "subject_table": subject_table,
        "subject_id": subject_id,
        "claim_field": claim_field,
        "claim_value": claim_value,
        "claim_date_start": typed.get("claim_date_start"),
        "claim_date_end": typed.get("claim_date_end"),
        "claim_date_precision": typed.get("claim_date_precision"),
        "claim_number": typed.get("claim_number"),
        "claim_place_id": typed.get("claim_place_id"),
        "date_text": date_text,
        "note": note,
        "method": method,
    })
    return row


def _claim_rows(table: str, subject: str, ann: Located, spans: ArticleSpans, art, reg: Registries, problems: Collector) -> list[dict]:
    """One evidence row per claim of a subject annotation, its value typed by its field.

    A date family (a start and its end) is one claim, an interval; a location names a place of
    dataset/places.yml; a rate is a number.
    """
    item, where = ann.item, f"{ann.kind}[{ann.index}]"
    claims = item.get("claims") or {}
    note, date_text = item.get("note"), item.get("date_text")
    if not claims:
        return [_evidence_row(table, subject, ann, spans, art.text, "curated", None, None, date_text, note)]
    intervals, bad = claim_intervals(item, table, dt.date.fromisoformat(art.meta["reference_date"]))
    for claim, message in bad:
        problems.add(art.yaml.path, ann.line, f"{where}.claims.{claim}", message)
    family_claims = {c for pair in DATE_FAMILIES.get(table, {}).values() for c in pair}
    rows = []
    for family, span in sorted(intervals.items()):
        rows.append(_evidence_row(table, subject, ann, spans, art.text, "curated", family, span.text(), date_text, note,
                                  claim_date_start=span.start, claim_date_end=span.end, claim_date_precision=span.precision))
    for claim_field, value in sorted(claims.items()):
        if claim_field in family_claims:
            continue
        typed: dict[str, Any] = {}
        if claim_field == "local_date":
            span, problem = interval(value, None, "day")
            if problem:
                problems.add(art.yaml.path, ann.line, f"{where}.claims.local_date", problem)
                continue
            typed = {"claim_date_start": span.start, "claim_date_end": span.end, "claim_date_precision": "day"}
        elif claim_field in NUMBER_CLAIMS and isinstance(value, (int, float)) and not isinstance(value, bool):
            typed = {"claim_number": float(value)}
        elif claim_field == "status" and value not in STATUSES:
            problems.add(art.yaml.path, ann.line, f"{where}.claims.status", f"expected one of {STATUSES}, found {value!r}")
            continue
        elif claim_field in PLACE_CLAIMS:
            typed = {"claim_place_id": reg.places.find(str(value))}
            if typed["claim_place_id"] is None:
                problems.add(art.yaml.path, ann.line, f"{where}.claims.{claim_field}",
                             f"{value!r} is not a name or alias of a place in dataset/places.yml; add the place (with the place it lies within) or an alias")
        stated_date = date_text if claim_field == "local_date" else None
        rows.append(_evidence_row(table, subject, ann, spans, art.text, "curated", claim_field, claim_text(value), stated_date, note, **typed))
    return rows


def curated_evidence(sources: Sources, located: dict[str, ArticleSpans], reg: Registries, problems: Collector) -> list[dict]:
    people, registries = reg.people, {"events": reg.events, "measures": reg.measures}
    rows: list[dict] = []
    for aid, art in sources.articles.items():
        spans = located[aid]
        for ann in spans.annotations:
            where = f"{ann.kind}[{ann.index}]"
            if ann.kind == "roles":
                if ann.item["person"] not in people:
                    problems.add(art.yaml.path, ann.line, f"{where}.person", f"unknown person {ann.item['person']!r}; add it to dataset/people.yml")
                    continue
                rows.append(_evidence_row("people", ann.item["person"], ann, spans, art.text, "curated", "role", ann.item["role"], None, None))
            elif ann.kind in SUBJECT_TABLES:
                table, field, _ = SUBJECT_TABLES[ann.kind]
                subject = ann.item[field]
                if subject not in registries[ann.kind]:
                    problems.add(art.yaml.path, ann.line, f"{where}.{field}", f"unknown {field} {subject!r}; add it to dataset/{ann.kind}.yml")
                    continue
                rows += _claim_rows(table, subject, ann, spans, art, reg, problems)
            elif ann.kind == "quotes":
                speaker = ann.item.get("speaker")
                if speaker is not None and speaker not in people:
                    problems.add(art.yaml.path, ann.line, f"{where}.speaker", f"unknown person {speaker!r}; add it to dataset/people.yml")
    return rows
