"""Values as a reader says them: dates and their precision in words, field names without
underscores, lists and booleans as phrases. Only wording: what a value means comes from the data.
"""

from __future__ import annotations

import datetime as dt

# A column's name as a reader says it; any other column reads with its underscores as spaces.
FIELD_WORDS = {
    "announced_date": "date announced",
    "effective_date": "date in effect",
    "expiry_date": "date it ends",
    "date": "date",
    "local_date": "local date",
    "rate_pct": "rate (%)",
    "rate_basis": "rate basis",
    "place_id": "place",
    "event_type": "kind of event",
    "speaker_id": "speaker",
    "quote_group_id": "same words elsewhere",
    "n_articles": "articles",
    "n_outlets": "outlets",
    "n_mentions": "mentions",
    "wikidata_id": "Wikidata",
    "country": "country",
    "char_start": "first character",
    "char_end": "after the last character",
    "method": "how it was recorded",
    "evidence": "the words",
    "article_id": "article",
}
PRECISION_WORDS = {
    "day": "the exact day",
    "week": "some day in that week",
    "month": "some time in that month",
    "year": "some time in that year",
    "range": "stated as a range of days",
}
STATUS_WORDS = {"in_effect": "in effect", "under_investigation": "under investigation"}


def field(name: str) -> str:
    return FIELD_WORDS.get(name, name.removesuffix("_id").replace("_", " "))


def day(d: dt.date) -> str:
    return f"{d.day} {d:%B} {d.year}"


def span(first: dt.date, last: dt.date) -> str:
    """'9 October 2025', '9–10 October 2025', '31 October – 1 November 2025', 'May 2025', '2025'."""
    if first == last:
        return day(first)
    if first.day == 1 and first.month == 1 and last.month == 12 and last.day == 31 and first.year == last.year:
        return str(first.year)
    month_end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if first.day == 1 and last == month_end:
        return f"{first:%B} {first.year}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {first:%B} {first.year}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B} {last.year}"
    return f"{day(first)} – {day(last)}"


def when(first: dt.date, last: dt.date, precision: str | None) -> str:
    """A date claim in words with its precision: '9–10 October 2025 (stated as a range of days)'."""
    words = PRECISION_WORDS.get(precision or "", precision or "")
    if precision in (None, "", "day") and first == last:
        return day(first)
    return f"{span(first, last)} ({words})" if words else span(first, last)


def value(v) -> str:
    """A cell for a reader: lists joined with commas, booleans as yes/no, dates in words."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (dt.date, dt.datetime)):
        return day(v) if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ", ".join(value(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{field(k)}: {value(x)}" for k, x in v.items() if x is not None)
    return str(v)


CHANNEL_WORDS = {
    "social_media": "on social media",
    "interview": "in an interview",
    "statement": "in a statement",
    "readout": "in a read-out",
    "remarks": "in remarks",
}


def channel(c: str | None) -> str:
    """How words reached the reporter, as a phrase: 'on social media'."""
    return CHANNEL_WORDS.get(c or "", f"({(c or '').replace('_', ' ')})") if c else ""


def status(s: str | None) -> str:
    return STATUS_WORDS.get(s or "", (s or "").replace("_", " "))


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"
