"""The reference date checked against the registry: weekdays the text ties to registered events.

A bare weekday in the past tense ("held a video call on Saturday morning") names a day of the
week before the article was written. When its clause has the words of an event type (call,
talks, interview…) and names a participant of a registered event of that type lasting at most three
days, and that event holds such a weekday, the article was written on that day or in the six days
after it: a window. Windows of all such weekdays are intersected (the largest agreeing set wins).
Then: the date printed on the page (or the latest date stated in the body) is kept when it lies in
the window; otherwise the window's first day on or after every other past weekday of the body
("the ministry on Monday rejected …") is proposed, with the reason, because a page date can be an update or
crawl date, and news is written close to what it reports. "Today" or "this morning" after the event's
words and a participant ("the call between X and Y this morning") puts the writing on the event's day
or the next (time zones); "yesterday" a day later. A weekday that carries its own date
("on Monday (Nov 3)", "Monday, Nov. 3") is a stated day, not a clue to the writing's week.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tradetalks.authoring.suggest.drafted_claims import EVENT_TYPES
from tradetalks.authoring.suggest.page import Reference
from tradetalks.text.dates import WEEKDAYS, DateMention

BARE_WEEKDAY = re.compile(r"^(?:on\s+)?(?P<wd>" + "|".join(WEEKDAYS) + r")(?:\s+(?:morning|afternoon|evening|night))?$", re.IGNORECASE)
MAX_EVENT_DAYS = 3
# "this morning", "earlier today", "yesterday": a day next to the writing.
NEAR_DAY = re.compile(
    r"^(?:earlier\s+)?(?:today|tonight|this\s+(?:morning|afternoon|evening))$|^(?P<yesterday>yesterday|last\s+night)(?:\s+(?:morning|afternoon|evening))?$",
    re.IGNORECASE,
)
# "Monday (Nov 3)", "Monday, Nov. 3": the weekday's own date follows it.
OWN_DATE = re.compile(r"\s*(?:\(\s*|,\s*)(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\b|\d{1,2}\s+[A-Z][a-z]{2,8}\b)")
FUTURE_WORDS = re.compile(r"\b(?:will|would|to\s+be|set\s+to|scheduled|expected|next|coming)\b", re.IGNORECASE)


def pin_reference(
    text: str, found: Reference, dates: list[DateMention], registry: list[dict], people_at: list[tuple[int, int, str]], clause_of, skip
) -> Reference:
    """`found`, or a better reference date when registered events contradict it (see the module docstring)."""
    # Load inputs.
    events = [e for e in registry if _short(e)]
    windows: list[tuple[date, date, str]] = []

    # Process: one window per weekday tied to a registered event.
    past: list[int] = []  # weekdays of the body read in the past tense
    for d in dates:
        words = " ".join(d.expression.split())
        if (near := NEAR_DAY.match(words)) and d.start not in skip:
            # "this morning's call with X" tied to a registered call: written that day, or the next
            # one (the event's date is in one time zone, the article's in another); "yesterday": a day later.
            lag = 1 if near.group("yesterday") else 0
            for e, day in _tied(text, d, events, people_at, clause_of, before_only=True):
                first = day + timedelta(days=lag)
                windows.append((first, first + timedelta(days=1), f"{words!r} ({e['event_id']}, {day.isoformat()})"))
            continue
        m = BARE_WEEKDAY.match(words)
        if not m or d.start in skip or OWN_DATE.match(text, d.end):
            continue
        lo, _ = clause_of(d.start)
        if FUTURE_WORDS.search(text[lo : d.start]):
            continue  # future wording: the weekday lies after the writing
        past.append(WEEKDAYS.index(m.group("wd").lower()))
        wd = WEEKDAYS.index(m.group("wd").lower())
        for e, day in _tied(text, d, events, people_at, clause_of):
            if day.weekday() == wd:
                windows.append((day, day + timedelta(days=6), f"{words!r} ({e['event_id']}, {day.isoformat()})"))
    if not windows:
        return _after_past_weekdays(found, past)
    best = max(({w for w in windows if w[0] <= v[1] and v[0] <= w[1]} for v in windows), key=lambda ws: (len(ws), -min(w[0] for w in ws).toordinal()))
    lo_day, hi_day = max(w[0] for w in best), min(w[1] for w in best)
    if lo_day > hi_day:
        return found
    ties = "; ".join(sorted(w[2] for w in best))
    if found.date and lo_day <= found.date <= hi_day:
        return Reference(found.date, found.evidence, f"{found.reason}; it fits the weekdays tied to registered events ({ties})", found.from_page)
    was = f" — not {found.date.isoformat()} ({found.reason})" if found.date else ""
    day = _first_after(lo_day, hi_day, past)
    taken = "the first day is taken" if day == lo_day else f"{day.isoformat()} is taken, the first day on or after the body's other past weekdays"
    return Reference(
        day,
        "",
        f"days of the text tied to registered events put the writing between {lo_day.isoformat()} and {hi_day.isoformat()}: {ties}; {taken}{was}",
        False,
    )


def _tied(text: str, d: DateMention, events: list[dict], people_at: list[tuple[int, int, str]], clause_of, before_only=False) -> list[tuple[dict, date]]:
    """(event, day) for each day of each registered event whose type the date's clause names and one
    of whose participants it names (`before_only`: both before the date, as in "the call between X
    and Y this morning", not "a briefing today on X's talks")."""
    lo, hi = clause_of(d.start)
    hi = d.start if before_only else hi
    clause = text[lo:hi]
    kinds = {t for t, p in EVENT_TYPES if re.search(p, clause, re.IGNORECASE)}
    named = {pid for a, b, pid in people_at if lo <= a < hi}
    out = []
    for e in events:
        if e.get("event_type") not in kinds or not named & set(e.get("participants") or []):
            continue
        start, end = date.fromisoformat(str(e["date_start"])), date.fromisoformat(str(e.get("date_end") or e["date_start"]))
        out += [(e, start + timedelta(days=k)) for k in range((end - start).days + 1)]
    return out


def _first_after(lo_day: date, hi_day: date, past: list[int]) -> date:
    """The first day of lo_day..hi_day on or after every past weekday that falls in it (a weekday
    the text reads as past lies on or before the writing)."""
    later = [lo_day + timedelta(days=(wd - lo_day.weekday()) % 7) for wd in past]
    return max([lo_day, *(d for d in later if d <= hi_day)])


def _after_past_weekdays(found: Reference, past: list[int]) -> Reference:
    """No page date, only the latest day the body states: news names days of the past week by their
    weekday and older days by their date, so a past weekday of the body that is not that day lies after
    it — unless that day is written with its own weekday ("Monday, Nov. 3"): then weekdays count from it."""
    if found.from_page or found.date is None or not past or re.search("|".join(WEEKDAYS), found.evidence, re.IGNORECASE):
        return found
    day = _first_after(found.date, found.date + timedelta(days=6), past)
    if day == found.date:
        return found
    weekdays = ", ".join(sorted({WEEKDAYS[wd].title() for wd in past}, key=lambda w: WEEKDAYS.index(w.lower())))
    return Reference(
        day,
        found.evidence,
        f"{found.reason[0].lower() + found.reason[1:]}, but the body's past weekdays ({weekdays}) lie after it: {day.isoformat()} is the first day on or after them",
        False,
    )


def _short(e: dict) -> bool:
    if not e.get("date_start") or e.get("date_precision") not in ("day", "range"):
        return False
    start, end = date.fromisoformat(str(e["date_start"])), date.fromisoformat(str(e.get("date_end") or e["date_start"]))
    return 0 <= (end - start).days < MAX_EVENT_DAYS
