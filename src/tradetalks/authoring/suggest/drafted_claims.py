"""Events and measures of the draft: dated expressions attached to the words around them.

Kept apart from the rest of `suggest` because the claims model of events and measures may change.

- measures: every instrument word outside quotations and site boilerplate ("tariff", "levy",
  "duties", "export controls", "restrictions on", "sanctions", "entity list", "truce", "investigation",
  "cut off imports")
  gives a row on its clause, with claims read off the clause: `rate_pct` ("100%", "100 per cent"),
  `rate_basis` additional ("additional", "surtax", "by a further"), `status` from the verb
  (threaten → threatened, announce/impose/declare or the measure's own verb with an object,
  "sanctioned five firms" → announced, pause → paused, "might"/"could" →
  reported, an investigation → under_investigation), and a date claim from the date expression
  in the same clause (`date_claim`: announced_date, or effective_date after "take effect"/"begin"/
  "starting", expiry_date after "expire"). A row is matched to a registered measure by instrument and rate
  (a rate that differs rules one out), then imposer and target (a threat prefers the entry that
  calls itself one; "tariffs between the two countries" the entry both sides impose; a level in
  words, "triple-digit", makes a tariff mention worth a row); a definite mention without a rate
  ("the levy", "these restrictions") refers to the article's previous measure of that instrument.
  Port and docking fees, purchase commitments ("purchases of US farm goods") and action on the
  fentanyl trade ("cracking down on fentanyl") are measures too (instrument `other` in the registry); a mention with neither rate nor status is drafted
  only when it names the goods or sector it is about ("controls on rare earths"), and not when it is
  only the setting of a sentence about something else ("amid …", "a response to …").
  Otherwise a new registry entry is drafted, shared by the rows that describe the same measure.
  A later item of a list of measures in one clause ("export curbs on chips and 50% tariffs", "… in
  exchange for grain purchases, curbs on …") takes as evidence its own words, from the cut before it
  to the cut before the next item; its claims are still read off the clause.
- events: every date expression outside boilerplate and page furniture gives an event row on its
  clause (unless it only dates a measure's start or end), typed from the words around it (call,
  talks, meeting, summit, interview…, else `other` when the date resolves: "bond yields fell on
  Wednesday" is dated news too, but a figure for a period that published data "showed" is not), matched to a registered event of that type whose dates hold
  the resolved date, else drafted as a new registry entry. Date claims: a day → `date_claim:
  date_start`; a range → `[date_start, date_end]` ("from October 31 to November 1", "on Saturday and
  Sunday", "this weekend"); a named month ("in September") → `date_start` (its first day); a week, a
  relative month or year ("next week", "later this month") → no claim, the interval in a note (a
  single day would be wrong). Inside a quotation the date is relative to the day it was said: flagged.
- dates are never typed (CONTRIBUTING): a row names the field its date_text dates (`date_claim`),
  with `date_tense: future` where the words were read forward, so the build derives the same day;
  a comment above the row says what the words mean against the reference date, for the review.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date

from tradetalks.authoring.suggest.render import Row, Spans, clip, locator, q
from tradetalks.text.dates import DateMention, Resolved, resolve

INSTRUMENTS = [
    ("tariff", re.compile(r"\b(?:tariffs?|levy|levies|duty|duties|surtax(?:es)?|surcharges?)\b", re.IGNORECASE)),
    (
        "export_control",
        re.compile(
            r"\b(?:export\s+(?:controls?|restrictions?|curbs?|bans?|limits?|licen[cs]es?)|(?:limits|controls|restrictions|curbs)\s+on\s+(?:[\w-]+\s+){0,3}exports?\b"
            r"|(?:controls|restrictions|curbs)(?:\s+on\b)?)",
            re.IGNORECASE,
        ),
    ),
    ("entity_list", re.compile(r"\bentity\s+list\b", re.IGNORECASE)),
    ("sanction", re.compile(r"\bsanction(?:s|ed|ing)?\b(?:\s+list)?", re.IGNORECASE)),
    (
        "import_ban",
        re.compile(
            r"\b(?:import\s+bans?|bans?\s+on\s+imports?|(?:cut(?:s|ting)?\s+off|halt(?:s|ed|ing)?|stop(?:s|ped|ping)?)\s+(?:[\w.’'-]+\s+){0,2}imports?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "truce",
        re.compile(
            r"\btruce\b|\bagreement\b(?=[^.]{0,40}\b(?:expire|lapse|extend))|\b(?:pause|suspension|reprieve)\s+(?:on|of)\b(?=[^.]{0,30}\btariffs?\b)",
            re.IGNORECASE,
        ),
    ),
    ("investigation", re.compile(r"\b(?:investigations?|probes?)\b", re.IGNORECASE)),
    # Kinds the registry files under `other`, drafted with their own word so that the review sees what they are.
    ("fee", re.compile(r"\b(?:(?:port|port-entry|docking|berthing|entry|special|service|transit)[\s-]+(?:fees?|charges?)|fees)\b", re.IGNORECASE)),
    # Action on the fentanyl trade that one side asks of the other ("cracking down on fentanyl").
    (
        "drug_control",
        re.compile(
            r"\b(?:crack(?:s|ed|ing)?\s+down\s+on|curb(?:s|ed|ing)?|stem(?:s|med|ming)?\s+the\s+flow\s+of)\s+(?:[\w-]+\s+){0,2}?fentanyl\b"
            r"|\bfentanyl\s+precursors?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "purchase",
        re.compile(
            r"\b(?:(?:agricultur\w*|soybean|farm|grain|energy)\s+purchases?|purchases?\s+of\s+(?:[\w-]+\s+){0,2}(?:soybeans?|farm\s+goods|agricultur\w*|grain|energy)"
            r"|buy(?:ing|s)?\s+(?:more\s+)?(?:American\s+|U\.?S\.?\s+)?(?:soybeans?|farm\s+goods|agricultur\w*\s+products|grain|energy))\b",
            re.IGNORECASE,
        ),
    ),
]
# The registry's instrument for a drafted kind, and the words an `other` entry must share to be the same measure.
SCHEMA_INSTRUMENT = {"fee": "other", "purchase": "other", "drug_control": "other"}
KIND_WORDS = {"fee": r"(?i)\bfees?\b|\bcharges?\b", "purchase": r"(?i)\bpurchas|\bbuy", "drug_control": r"(?i)fentanyl|precursor"}
# What makes a mention without a rate or a status specific: the goods or the sector it is about.
SPECIFIC = re.compile(
    r"\b(?:rare[\s-]earths?|critical\s+minerals|software|chips?|semiconductors?|soybeans?|magnets?|ships?|vessels?|shipbuilding|fentanyl)\b", re.IGNORECASE
)
RATE = re.compile(r"(\d{1,4}(?:\.\d+)?)\s*(?:%|per\s*cent\b|percent\b)", re.IGNORECASE)
ADDITIONAL = re.compile(
    r"\b(?:additional|extra|further|surtax|on\s+top|increase[sd]?\s+by|raise[sd]?\s+by|hike[sd]?\s+by|by\s+an\s+additional)\b", re.IGNORECASE
)
STATUS = [
    ("threatened", r"\bthreat(?:en(?:s|ed|ing)?|s)?\b"),
    ("reported", r"\b(?:might|could|may|reportedly|considering|weighing|mull(?:s|ed|ing)?)\b"),
    ("paused", r"\bpaus(?:e|ed|es|ing)\b|\bsuspend(?:s|ed|ing)?\b"),
    ("withdrawn", r"\b(?:lift(?:s|ed)?|scrap(?:s|ped)?|withdr[ae]w\w*|cancel(?:s|led|ed)?|revok\w+)\b"),
    ("under_investigation", r"\binvestigations?\b|\bprobes?\b"),
    ("in_effect", r"\b(?:in\s+effect|took\s+effect|now\s+subject\s+to|increased|are\s+now)\b"),
    ("announced", r"\b(?:announc\w+|declar\w+|impos\w+|introduc\w+|unveil\w+|roll(?:ed)?\s+out|added|expanded|adds)\b"),
    ("agreed", r"\bagree[sd]?\b"),
]
COUNTRIES = {
    "CHN": r"\b(?:China|China’s|China's|Chinese|Beijing|Beijing’s|Beijing's)\b",
    "USA": r"\b(?:US|U\.S\.|United\s+States|America|American|Washington|Washington’s|Washington's)\b",
}
EFFECTIVE = re.compile(
    r"\b(?:take\s+effect|takes\s+effect|took\s+effect|effective|begin|begins|start|starts|starting|started|from|as\s+of|kicks?\s+in|kicked\s+in"
    r"|(?:go|goes|went|come|comes|came)\s+into\s+(?:effect|force)|in\s+force|implemented|(?:levied|collected|charged)\s+(?:from|since))\b[^.]{0,25}$",
    re.IGNORECASE,
)
PAST_START = re.compile(r"\b(?:took|came|went|kicked|implemented|levied|collected|charged|expired|ended|lapsed|began|started)\b", re.IGNORECASE)
EXPIRY = re.compile(r"\b(?:expire|expires|expiring|lapse|lapses|end|ends|until)\b[^.]{0,25}$", re.IGNORECASE)
# Future wording, scheduled presents included ("who arrives on Sunday").
FUTURE = re.compile(
    r"\b(?:will|would|set\s+to|scheduled|expected|plans?\s+to|planned|due\s+to|going\s+to|upcoming|arrives|departs|leaves|heads|travels)\b", re.IGNORECASE
)
EVENT_TYPES = [
    ("interview", r"\binterview"),
    ("call", r"\b(?:call|phone|spoke|video|virtually|online)\b"),
    ("summit", r"\b(?:summit|forum|gathering|apec|g20|g7)\b"),
    ("talks", r"\b(?:talks|negotiation\w*|round|consultations)\b"),
    ("meeting", r"\b(?:meet\w*|met)\b"),
    ("visit", r"\bvisit\w*\b|\btrip\b"),
    ("agreement", r"\b(?:agree\w*|deal|truce)\b"),
    ("announcement", r"\b(?:announc\w+|declar\w+|unveil\w+)\b"),
    ("statement", r"\b(?:statement|said|wrote|post\w*|confirm\w*)\b"),
    ("report", r"\breport\w*\b"),
    ("election", r"\belect\w*\b"),
]
EVENT_WORDS = re.compile(
    r"\b(?:announc\w+|declar\w+|unveil\w+|talks|meet\w*|met|call|summit|interview\w*|visit\w*|statement|spoke|said|told|wrote|suggest\w*|confirm\w*|warn\w*|report\w*|agreed|negotiat\w+)\b",
    re.IGNORECASE,
)
# Ranges whose ends are not stated days ("later this week", "earlier this month") get no claim.
VAGUE = re.compile(r"\b(?:earlier|later|week|month|year)\b", re.IGNORECASE)
# "amid … export curbs", "a response to the controls": the measure is the setting of a sentence about something else.
BACKGROUND = re.compile(r"\b(?:amid|including|response\s+to|reaction\s+to|in\s+the\s+wake\s+of)\s+(?:[\w’'-]+\s+){0,5}$", re.IGNORECASE)
# Where a list of measures in one clause is cut into its items.
LIST_CUT = re.compile(r",?\s+(?:and|or|in\s+exchange\s+for|in\s+return\s+for)\s+")
# The measure's own verb with its object: "sanctioned five firms", "blacklisted the shipper".
IMPOSED_VERB = re.compile(
    r"(?:sanctioned|blacklisted)\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|dozens|a|an|the|its|their)\b", re.IGNORECASE
)
# A rate stated in words: "tariffs reached triple-digit levels".
LEVEL = re.compile(r"\b(?:triple|double|three|two)[-\s]digit\b", re.IGNORECASE)
# Both sides' measures at once: "tariffs between the two countries", "levies on each other's goods".
_US, _CN = r"(?:the\s+)?(?:US|U\.S\.|United\s+States|Washington|America)", r"(?:China|Beijing)"
BILATERAL = re.compile(
    rf"\bbetween\s+(?:the\s+two\s+(?:countries|sides|economies|nations)|{_US}\s+and\s+{_CN}|{_CN}\s+and\s+{_US})\b|\beach\s+other\b|\btit[-\s]for[-\s]tat\b",
    re.IGNORECASE,
)
# "imports fell in September, customs data showed": a figure for a period, not an event.
STATISTIC = re.compile(
    r"\b(?:data|figures|statistics)\s+(?:show(?:s|ed)?|released|published)\b|\baccording\s+to\s+(?:[\w-]+\s+){0,2}(?:data|figures|statistics)\b", re.IGNORECASE
)
MAX_HITS = 400  # instrument words read at most (bounded work on untrusted input)


@dataclass(frozen=True)
class Context:
    text: str
    reference: date | None
    year: int | None  # for absolute dates without a year, when there is no reference date
    skip: Spans  # boilerplate and page furniture
    quoted: Spans
    clause_ends: list[int]


def clauses(text: str, sentence_ends: list[int]) -> list[int]:
    """Clause boundaries: sentence ends, semicolons, dashes, colons and ", which/while/when/but …"."""
    cuts = set(sentence_ends) | {0}
    # Line breaks are not cuts: wrapped lines continue their clause (sentence ends already hold paragraphs).
    for m in re.finditer(r";|\s[–—]\s|\s-{1,2}\s|:\s|,\s+(?=(?:which|while|when|but|where|as|after|before|though|although|and)\b)", text):
        cuts.add(m.end())
    return sorted(cuts)


def clause_of(ctx: Context, pos: int) -> tuple[int, int]:
    i = bisect_right(ctx.clause_ends, pos)
    return (ctx.clause_ends[i - 1] if i else 0), (ctx.clause_ends[i] if i < len(ctx.clause_ends) else len(ctx.text))


def draft_measures(
    ctx: Context, dates: list[DateMention], registry: list[dict], country_of: dict[int, str]
) -> tuple[list[Row], list[Row], set[int], dict[int, str]]:
    """(measure rows, new registry entries, dates they claim as start/end, dates in their clauses)."""
    text = ctx.text
    rows: list[Row] = []
    new: dict[tuple, Row] = {}  # (instrument, rate, imposer, target) -> drafted registry entry
    used_dates: set[int] = set()
    clause_dates: dict[int, str] = {}
    date_starts = [d.start for d in dates]
    last: dict[str, str] = {}
    seen: set[tuple[int, str]] = set()
    hits = sorted((m.start(), m.end(), instrument) for instrument, pattern in INSTRUMENTS for m in pattern.finditer(text))[:MAX_HITS]
    for start, end, instrument in hits:
        if _inside(ctx.skip, start) or (_inside(ctx.quoted, start) and not RATE.search(text, max(0, start - 40), end + 40)):
            continue  # inside a quotation, only a rate makes a measure specific ("our duty is now 40 per cent")
        lo, hi = clause_of(ctx, start)
        if (lo, instrument) in seen or any(s < end and start < e for s, e, i in hits if i != instrument and (s, e) != (start, end) and e - s > end - start):
            continue
        seen.add((lo, instrument))
        clause = text[lo:hi]
        near = text[max(lo, start - 60) : min(hi, end + 60)]
        rate = RATE.search(near) if instrument == "tariff" else None
        rate_pct = float(rate.group(1)) if rate else None
        rate_pct = int(rate_pct) if rate_pct is not None and rate_pct.is_integer() else rate_pct
        status = next((s for s, p in STATUS if re.search(p, clause, re.IGNORECASE)), None)
        if instrument == "investigation":
            status = "under_investigation"
        elif status is None and IMPOSED_VERB.match(text, start):
            status = "announced"  # "it sanctioned five firms": the verb of the measure is the act
        claims: dict = {}
        if rate_pct is not None:
            claims["rate_pct"] = rate_pct
            if ADDITIONAL.search(near):
                claims["rate_basis"] = "additional"
        if status:
            claims["status"] = status
        in_clause = dates[bisect_left(date_starts, lo) : bisect_left(date_starts, hi)]
        # A date after the word behind "take effect"/"expire" dates the measure; otherwise the nearest date.
        starts_or_ends = lambda d, end=end: d.start > end and bool(EFFECTIVE.search(text[end : d.start]) or EXPIRY.search(text[end : d.start]))  # noqa: E731
        dated = sorted((d for d in in_clause if not _inside(ctx.quoted, d.start)), key=lambda d: (not starts_or_ends(d), abs(d.start - start)))
        if not dated and re.match(r"\s*(?:when|after)\b", text[lo:hi]):
            # "Tensions flared after October 9, when Beijing announced …": the date ends the clause before.
            plo, _ = clause_of(ctx, lo - 1)
            dated = [d for d in dates if plo <= d.start and d.end >= lo - 3 - len(text[plo:lo]) + len(text[plo:lo].rstrip(" ,")) and d.end <= lo]
        date_note = ""
        date_field, value, date_note = _measure_date(ctx, dated[0], lo) if dated else ("", None, "")
        specific = (
            instrument in SCHEMA_INSTRUMENT
            or (instrument != "tariff" and SPECIFIC.search(text, max(lo, start - 25), min(hi, end + 30)))
            or (instrument == "tariff" and LEVEL.search(clause))
        )
        background = BACKGROUND.search(text, max(lo, start - 60), start)
        if rate_pct is None and status in (None, "agreed") and date_field not in ("effective_date", "expiry_date") and (background or not specific):
            continue  # a generic mention ("tariff tensions", "tit-for-tat tariffs") or the setting ("amid export curbs"): nothing to claim
        clause_dates.update((d.start, clause) for d in dated)
        if dated:
            d = dated[0]
            used_dates.add(d.start) if date_field in ("effective_date", "expiry_date") else None
        imposer, target = _parties(clause, start - lo, country_of, lo)
        definite = re.search(r"\b(?:this|these|that|those|such)\s+(?:\w+\s+){0,2}$", text[max(lo, start - 30) : start], re.IGNORECASE)
        measure_id, how = _match(registry, instrument, rate_pct, imposer, target, status, _goods(clause), bool(BILATERAL.search(clause)))
        if measure_id is None and definite and rate_pct is None and instrument in last:
            measure_id, how = last[instrument], "a definite mention without a rate: the article's previous measure of this kind"
        if measure_id is None:
            key = (instrument, rate_pct, imposer, target)
            entry = new.get(key)
            if entry is None:
                entry = new[key] = _new_measure(ctx, instrument, rate_pct, {**claims, **({date_field: value} if value else {})}, imposer, target, clause)
            measure_id, how = entry.fields["measure_id"], "no registered measure fits: a new entry is drafted below"
        last[instrument] = measure_id
        c_lo, c_hi = clip(text, *_trim(text, *_own_part(text, lo, hi, start, end, instrument, hits)))
        row = Row({**locator(text, c_lo, c_hi), "measure": measure_id}, {"measure": f"GUESS: {how}"}, start=start)
        if claims:
            row.fields["claims"] = claims
            row.notes["claims"] = "GUESS: read off the clause; keep only what it states"
        if dated:
            row.fields["date_text"] = " ".join(dated[0].expression.split())
            if value:
                row.fields["date_claim"] = date_field
                row.notes["date_claim"] = "GUESS: the build claims the date date_text means; check the field it dates"
            ahead = _ahead(date_field, text[max(lo, dated[0].start - 60) : dated[0].start])
            if ahead:
                row.fields["date_tense"] = "future"  # the build reads "starting Friday" forward, as the draft did
                row.notes["date_tense"] = "GUESS: a start or end date lies ahead of the words"
            row.lead.append(resolution(ctx, dated[0], ahead))
            if date_note:
                row.fields["note"] = date_note
        rows.append(row)
    return rows, list(new.values()), used_dates, clause_dates


def draft_events(
    ctx: Context, dates: list[DateMention], registry: list[dict], skip_dates: set[int], measure_clause_dates: dict[int, str]
) -> tuple[list[Row], list[Row]]:
    text = ctx.text
    rows: list[Row] = []
    new: dict[tuple, Row] = {}  # (kind, start date) -> drafted registry entry
    for d in dates:
        if _inside(ctx.skip, d.start) or d.start in skip_dates or _inside(ctx.quoted, d.start):
            continue  # dates inside quotations are listed as comments: relative to the day they were said
        lo, hi = clause_of(ctx, d.start)
        clause = text[lo:hi]
        measure_clause = measure_clause_dates.get(d.start)
        if measure_clause is not None and not EVENT_WORDS.search(measure_clause + " " + clause):
            continue  # the date belongs to the measure row of its clause
        future = _future(text[lo : d.start])
        resolved, why = _resolve(ctx, d, future)
        claims, note = _claims(resolved, why, {"day": "date_start"})
        kind = next((t for t, p in EVENT_TYPES if re.search(p, clause + " " + (measure_clause or ""), re.IGNORECASE)), "other")
        if kind == "other" and (resolved is None or STATISTIC.search(clause)):
            continue  # no event words and no date the rules resolve ("volatile in recent weeks"), or a statistic for a period
        event_id, how = _match_event(registry, kind, resolved)
        if event_id is None:
            key = (kind, resolved.date_start if resolved else None)
            entry = new.get(key)
            if entry is None:
                entry = new[key] = _new_event(kind, resolved, clause, d)
            event_id, how = entry.fields["event_id"], "no registered event fits: a new entry is drafted below"
        c_lo, c_hi = clip(text, *_trim(text, lo, hi))
        row = Row({**locator(text, c_lo, c_hi), "event": event_id}, {"event": f"GUESS: {how}"}, start=d.start)
        row.fields["date_text"] = " ".join(d.expression.split())
        if claims:
            row.fields["date_claim"] = next(iter(claims)) if len(claims) == 1 else list(claims)
            row.notes["date_claim"] = "GUESS: the build claims the date date_text means"
        row.lead.append(resolution(ctx, d, future))
        if future:
            row.fields["date_tense"] = "future"
            row.notes["date_tense"] = "GUESS: future wording before the date"
        if _inside(ctx.quoted, d.start):
            row.lead.append("DECIDE: the date is inside a quotation: relative to the day it was said; give date_anchor if that is not the reference date")
        if note:
            row.fields["note"] = note
        rows.append(row)
    return rows, list(new.values())


# Dates.


def resolution(ctx: Context, d: DateMention, future: bool) -> str:
    """A review line: what the date words mean, as the build will read them."""
    words = " ".join(d.expression.split())
    r, why = _resolve(ctx, d, future)
    if r is None:
        return f"GUESS: date {q(words)}: {why}"
    span = r.date_start.isoformat() + ("" if r.date_start == r.date_end else f"..{r.date_end.isoformat()}")
    how = ("read against the reference date" + (", as future" if future else "")) if ctx.reference else why.split(": ", 1)[-1]
    return f"GUESS: date {q(words)} -> {span} ({r.precision}), {how}"


def _future(before: str) -> bool:
    """Future wording governs the date: a cue ("will meet", "set to") with no past-tense verb after it."""
    cues = list(FUTURE.finditer(before))
    # A participle after "be" ("will be hosted on Saturday") is still the future; "agreed on Saturday" is past.
    after = re.sub(r"\b(?:be|been|being|get|to)\s+\w+ed\b", " ", before[cues[-1].end() :]) if cues else ""
    return bool(cues) and not re.search(r"\b\w{3,}ed\b", after)


def _resolve(ctx: Context, d: DateMention, future: bool) -> tuple[Resolved | None, str]:
    expression = " ".join(d.expression.split())
    if ctx.reference is not None:
        r = resolve(expression, ctx.reference, future=future)
        return r, (f"{expression!r} resolved against the reference date" + (", read as future" if future else "")) if r else "not mechanical"
    if ctx.year is not None and re.search(r"(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d{4}-\d\d", expression):
        r = resolve(expression, date(ctx.year, 7, 1), future=future)
        if r is not None and r.precision in ("day", "range", "month"):
            return r, f"{expression!r}: an absolute date (year {ctx.year}; no reference date)"
    return None, "no reference date: relative dates are not resolved"


def _claims(r: Resolved | None, why: str, keys: dict[str, str]) -> tuple[dict, str]:
    if r is None:
        return {}, "" if why == "not mechanical" else why
    span = r.date_start.isoformat() if r.date_start == r.date_end else f"{r.date_start.isoformat()}..{r.date_end.isoformat()}"
    if r.precision == "day":
        return {keys.get("day", "date_start"): r.date_start.isoformat()}, ""
    if r.precision == "range" and keys.get("day", "date_start") == "date_start" and not VAGUE.search(why.split("'")[1] if "'" in why else why):
        return {"date_start": r.date_start.isoformat(), "date_end": r.date_end.isoformat()}, ""
    if r.precision == "month" and _absolute(why):
        return {keys.get("day", "date_start"): r.date_start.isoformat()}, f"month precision: {span}"
    return {}, f"{r.precision} precision: {span}; no single day is stated, so no date claim"


def _absolute(why: str) -> bool:
    return bool(re.search(r"(?i)'(?:from\s+|on\s+|in\s+|early\s+|mid-?\s*|late\s+)*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|'\d{1,2}\s", why))


def _ahead(key: str, before: str) -> bool:
    """A start or end date is read forward ("would take effect on Friday"), unless the words are past ("took effect on Tuesday")."""
    return key != "announced_date" and not PAST_START.search(before)


def _measure_date(ctx: Context, d: DateMention, lo: int) -> tuple[str, str | None, str]:
    before = ctx.text[max(lo, d.start - 60) : d.start]
    key = "expiry_date" if EXPIRY.search(before) else "effective_date" if EFFECTIVE.search(before) else "announced_date"
    resolved, why = _resolve(ctx, d, _ahead(key, before))
    claims, note = _claims(resolved, why, {"day": key})
    if key not in claims and claims:
        claims = {key: next(iter(claims.values()))}
    return key, claims.get(key), note


# Registry matching and new entries.


def _goods(words: str) -> set[str]:
    """The goods or sectors a text names, normalised ("rare-earth exports" -> {"rare earth"})."""
    return {re.sub(r"[\s-]+", " ", g.lower()).removesuffix("s") for g in SPECIFIC.findall(words)}


def _match(registry, instrument, rate, imposer, target, status, goods=frozenset(), bilateral=False):
    family = {"truce": {"truce", "agreement"}}.get(instrument, {SCHEMA_INSTRUMENT.get(instrument, instrument)})
    scored = []
    for m in registry:
        if m.get("instrument") not in family:
            continue
        if instrument in KIND_WORDS and not re.search(KIND_WORDS[instrument], f"{m.get('description')} {m.get('scope')}"):
            continue  # another kind of `other` measure
        theirs = _goods(f"{m.get('measure_id')} {m.get('description')} {m.get('scope')}".replace("-", " "))
        if goods and theirs and not goods & theirs:
            continue  # about other goods ("software" is not "rare earths")
        if rate is not None and (m.get("rate_pct") is None or float(m["rate_pct"]) != float(rate)):
            continue  # a stated rate the entry does not have: another measure
        score = 3 * (rate is not None and m.get("rate_pct") is not None) + 2 * bool(goods & theirs)
        score += bool(imposer and imposer in str(m.get("imposer"))) + bool(target and target in str(m.get("target")))
        score += bool(status and status == m.get("status"))
        # "tariffs between the two countries": the entry both impose, not one side's.
        score += 2 * bool(bilateral and len(m.get("imposer") or []) >= 2)
        # A threat matches the entry that names itself one ("…-tariff-threat-…"), not the tariffs in force.
        score += 2 * bool(status == "threatened" and re.search(r"(?i)threat", f"{m['measure_id']} {m.get('description')}"))
        scored.append((score, m["measure_id"]))
    scored.sort(key=lambda s: (-s[0], s[1]))
    only = scored[0][1] if len(scored) == 1 else None
    if only and rate is None and (not imposer or imposer in str(next(m for m in registry if m["measure_id"] == only).get("imposer"))):
        return only, f"the only registered {instrument}"
    if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None, ""
    return scored[0][1], f"registered {instrument} matched by " + ("rate, " if rate is not None else "") + (
        "goods, " if goods else ""
    ) + "imposer, target and status"


def _match_event(registry, kind, r):
    if r is None:
        return None, ""
    hits = []
    for e in registry:
        if kind == "other" or e.get("event_type") != kind or not e.get("date_start"):
            continue
        start = date.fromisoformat(str(e["date_start"]))
        end = date.fromisoformat(str(e.get("date_end") or e["date_start"]))
        if start <= r.date_end and r.date_start <= end and (end - start).days <= 31:
            hits.append(e["event_id"])
    if len(hits) == 1:
        return hits[0], f"the registered {kind} whose dates hold this one"
    return None, ""


def _new_measure(ctx, instrument, rate, claims, imposer, target, clause) -> Row:
    when = ctx.reference.strftime("%Y-%m") if ctx.reference else (str(ctx.year) if ctx.year else "")
    parts = [imposer or "", f"{rate}pct" if rate is not None else "", instrument.replace("_", "-"), (target or "").lower(), when]
    measure_id = "-".join(p.lower() for p in parts if p).replace(".", "-")
    fields = {
        "measure_id": measure_id,
        "imposer": [imposer] if imposer else [],
        "target": [target] if target else [],
        "instrument": SCHEMA_INSTRUMENT.get(instrument, instrument),
        "description": " ".join(clause.split())[:200].strip(" ,;:") or "TODO",
        "rate_pct": rate,
        "rate_basis": claims.get("rate_basis"),
    }
    for k in ("announced_date", "effective_date", "expiry_date"):
        if k in claims:
            fields[k] = claims[k]
            fields[f"{k}_precision"] = "day"
    notes = {
        "measure_id": "GUESS: imposer-rate-instrument-target-month; rename if you like",
        "description": "GUESS: the clause it was found in; rewrite as one sentence",
    }
    if not imposer:
        notes["imposer"] = "TODO: ISO codes of the countries imposing it, or [] and say who in imposer_note"
    if not target:
        notes["target"] = "TODO: ISO codes of the countries targeted, or [] and say whom in target_note"
    return Row(fields, notes)


def _new_event(kind, r, clause, d) -> Row:
    words = [w.lower() for w in re.findall(r"[A-Z][a-z]+", clause)][:3]
    when = r.date_start.isoformat() if r and r.precision == "day" else (r.date_start.strftime("%Y-%m") if r else "undated")
    event_id = "-".join([*words, kind, when])[:80].strip("-")
    fields = {
        "event_id": event_id,
        "event_type": kind,
        "description": " ".join(clause.split())[:200].strip(" ,;:"),
        "date_start": r.date_start.isoformat() if r else None,
        "date_end": r.date_end.isoformat() if r else None,
        "date_precision": r.precision if r else None,
        "participants": [],
    }
    notes = {
        "event_id": "GUESS: words of the clause, type and date; rename",
        "event_type": "GUESS: from the words around the date",
        "description": "GUESS: the clause it was found in; rewrite as one sentence",
        "participants": "TODO: person ids",
    }
    return Row(fields, notes)


def _parties(clause: str, at: int, country_of: dict[int, str], lo: int) -> tuple[str | None, str | None]:
    """(imposer, target) ISO codes: the country or person acting before the word (or the agent after
    "by"), the one after "on"/"against"/"from"."""
    target = None
    agent = re.match(r"\s*\S+(?:\s+\S+)?\s+by\s+(?:the\s+)?(\S+(?:\s+\S+)?)", clause[at:])
    if agent and (by := next((c for c, p in COUNTRIES.items() if re.match(p, agent.group(1))), None)):
        return by, None
    for t in re.finditer(r"\b(?:on|against|from|for|to)\s+(?:all\s+|the\s+)?(\S+)", clause[at:]):
        # "on Chinese goods", "destined for China"; not "on US-made software" (made where, not aimed at).
        target = next((c for c, p in COUNTRIES.items() if re.match(p + r"(?![-\w])", t.group(1))), None)
        if target:
            break
    before = clause[:at]
    owner = re.search(r"\b(United\s+States|U\.S\.|US|America|China|Beijing|Washington)(?:’s|'s|’|')\s+(?:[\w-]+\s+){0,3}$", before)
    if owner and (own := next((c for c, p in COUNTRIES.items() if re.fullmatch(p, owner.group(1))), None)) and own != target:
        return own, target  # "Washington's recently adopted steel levies"
    for word in before.split()[-1:-5:-1]:  # "the US tariff", "Chinese new export controls", "Japan’s new chip export curbs"
        own = next((c for c, p in COUNTRIES.items() if re.fullmatch(p, word)), None)
        if own and own != target:
            return own, target
    acting = [(m.start(), c) for c, p in COUNTRIES.items() for m in re.finditer(p, before)]
    acting += [(pos - lo, c) for pos, c in country_of.items() if lo <= pos < lo + at]
    imposer = min(acting)[1] if acting else None
    if imposer == target:
        imposer = next((c for _, c in sorted(acting) if c != target), None)
    return imposer, target


def _own_part(text: str, lo: int, hi: int, start: int, end: int, instrument: str, hits: list[tuple[int, int, str]]) -> tuple[int, int]:
    """The part of the clause about this measure when it is a later item of a list of measures:
    in "threatened export curbs on chips and new 50% tariffs", the tariffs' row starts after the
    "and" (the first item keeps the whole clause, its verb included); an item in the middle ends
    at the next cut."""
    before = [e for s, e, i in hits if i != instrument and lo <= s and e <= start]
    if not before:
        return lo, hi
    cuts = list(_cuts(text, max(before), start))
    lo = cuts[-1].end() if cuts else lo
    after = [s for s, e, i in hits if i != instrument and end <= s < hi]
    cut = next(_cuts(text, end, min(after)), None) if after else None
    return lo, (cut.start() if cut else hi)  # a middle item ends where the next one begins


def _cuts(text: str, a: int, b: int):
    """Cuts between two items of a list in text[a:b]: "and", "or", "in exchange for", or a comma when
    the items are close ("soybean purchases, curbs on …")."""
    found = list(LIST_CUT.finditer(text, a, b))
    if not found and len(re.findall(r"\w+", text[a:b])) <= 6:
        found = list(re.compile(r",\s+").finditer(text, a, b))
    return iter(found)


def _trim(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and (text[lo].isspace() or text[lo] in ",;:–—-"):
        lo += 1
    while hi > lo and (text[hi - 1].isspace() or text[hi - 1] in ",;:–—-"):
        hi -= 1
    return lo, hi


def _inside(spans, pos: int) -> bool:
    return pos in spans
