"""The reference date checked against the registry: weekdays the text ties to registered events.

A bare weekday in the past tense ("held a video call on Saturday morning") names a day of the
week before the article was written. When its clause has the words of an event type (call,
talks, interview…) and names a participant of a registered event of that type lasting at most three
days, and that event holds such a weekday, the article was written on that day or in the six days
after it: a window. Windows of all such weekdays are intersected (the largest agreeing set wins).
Then: the date printed on the page (or the latest date stated in the body) is kept when it lies in
the window; otherwise the window's first day is proposed, with the reason, because a page date can
be an update or crawl date, and news is written close to what it reports.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tradetalks.build.detect.dates import WEEKDAYS, DateMention
from tradetalks.build.suggest.claims import EVENT_TYPES
from tradetalks.build.suggest.page import Reference

BARE_WEEKDAY = re.compile(r"^(?:on\s+)?(?P<wd>" + "|".join(WEEKDAYS) + r")(?:\s+(?:morning|afternoon|evening|night))?$", re.IGNORECASE)
MAX_EVENT_DAYS = 3


def pin_reference(
    text: str, found: Reference, dates: list[DateMention], registry: list[dict], people_at: list[tuple[int, int, str]], clause_of, skip
) -> Reference:
    """`found`, or a better reference date when registered events contradict it (see the module docstring)."""
    # Load inputs.
    events = [e for e in registry if _short(e)]
    windows: list[tuple[date, date, str]] = []

    # Process: one window per weekday tied to a registered event.
    for d in dates:
        m = BARE_WEEKDAY.match(" ".join(d.expression.split()))
        if not m or d.start in skip:
            continue
        lo, hi = clause_of(d.start)
        clause = text[lo:hi]
        if re.search(r"\b(?:will|would|to\s+be|set\s+to|scheduled|expected|next|coming)\b", text[lo : d.start], re.IGNORECASE):
            continue  # future wording: the weekday lies after the writing
        kinds = {t for t, p in EVENT_TYPES if re.search(p, clause, re.IGNORECASE)}
        named = {pid for a, b, pid in people_at if lo <= a < hi}
        wd = WEEKDAYS.index(m.group("wd").lower())
        for e in events:
            if e.get("event_type") not in kinds or not named & set(e.get("participants") or []):
                continue
            start, end = date.fromisoformat(str(e["date_start"])), date.fromisoformat(str(e.get("date_end") or e["date_start"]))
            days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
            for day in days:
                if day.weekday() == wd:
                    windows.append((day, day + timedelta(days=6), f"{' '.join(d.expression.split())!r} ({e['event_id']}, {day.isoformat()})"))
    if not windows:
        return found
    best = max(({w for w in windows if w[0] <= v[1] and v[0] <= w[1]} for v in windows), key=lambda ws: (len(ws), -min(w[0] for w in ws).toordinal()))
    lo_day, hi_day = max(w[0] for w in best), min(w[1] for w in best)
    if lo_day > hi_day:
        return found
    ties = "; ".join(sorted(w[2] for w in best))
    if found.date and lo_day <= found.date <= hi_day:
        return Reference(found.date, found.evidence, f"{found.reason}; it fits the weekdays tied to registered events ({ties})", found.from_page)
    was = f" — not {found.date.isoformat()} ({found.reason})" if found.date else ""
    return Reference(
        lo_day,
        "",
        f"weekdays of the text tied to registered events put the writing between {lo_day.isoformat()} and {hi_day.isoformat()}: {ties}; the first day is taken{was}",
        False,
    )


def _short(e: dict) -> bool:
    if not e.get("date_start") or e.get("date_precision") not in ("day", "range"):
        return False
    start, end = date.fromisoformat(str(e["date_start"])), date.fromisoformat(str(e.get("date_end") or e["date_start"]))
    return 0 <= (end - start).days < MAX_EVENT_DAYS
