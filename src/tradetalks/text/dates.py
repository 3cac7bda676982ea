"""Date expressions of news text, and their resolution against a reference date.

`resolve(expression, reference)` turns one expression into a `Resolved` date span, or None when
the expression is not a date this module knows or is not mechanical ("days later" depends on
another event, not on the article's date). It never raises. The rules, for a reference date R:

- weekday ("Friday", "on Saturday", "Saturday morning", "Friday evening"): news is written in
  the past tense, so the most recent such day on or before R (0-6 days back); with
  `future=True` ("will meet on Thursday") the next such day on or after R (0-6 days ahead).
  "last Friday" / "this past Friday": 1-7 days back; "this coming Friday": 1-7 days ahead;
  "this Friday" / "next Friday": that day of R's Monday-Sunday week / of the week after.
- "today", "tonight", "this morning", "tomorrow", "yesterday": day precision.
- weekday ranges "on Saturday and Sunday", "from Sunday to Tuesday": from the first day (read as a
  bare weekday, past or future) to the next such second day; in the past reading the span ends by R.
- weeks are Monday-Sunday: "this week", "next week", "last week" (precision week);
  "earlier this week" / "later this week" (range up to / from R); written on a Sunday, "this week"
  and "later this week" are the week starting the next day; "this weekend" is Saturday-Sunday
  of R's week, "next weekend" / "last weekend" a week later / earlier (range).
- "in two weeks", "a week ago": the Monday-Sunday week holding R +/- 7N days (precision week:
  the expression is approximate, the week it lands in is not); "in 3 days", "3 days ago": day;
  "a week from tomorrow": R+8, "a week from today": R+7 (day).
- "this month", "next month", "last month", "in N months", "N months ago": the whole month
  (precision month); "earlier this month" / "earlier this year" / "earlier in the year": range from
  the 1st of the month / 1 January to R; "later this month" / "later this year": range R to the end.
- absolute dates: "October 9", "Oct. 9", "9 October", "Thursday, October 30, 2025" (the weekday
  must agree), "2025-10-27"; ranges "October 31 to November 1", "Oct 30-31"; months "in April",
  "late July", "mid-September", "October 2025" (precision month: where "late" begins is not
  mechanical); "in 2025" (year); "since May", "since 2018": the month or year it starts in, the latest
  on or before R (what began then is open-ended; its start is that month or year). Without a year, the year putting the date nearest to R is
  chosen; a tie goes to the past, or to the future with `future=True`.
- relative to something other than R ("days later", "hours after", "a week earlier", "the following week",
  "in recent weeks", "a few weeks ago"): found by `find_date_expressions`, resolved to None.

`find_date_expressions(text)` finds these expressions in running text (longest match wins where
two overlap; month and weekday names must be capitalised there, so "may" and "march" are not dates).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())} | {"a": 1, "an": 1}

_WD = "(?:" + "|".join(WEEKDAYS) + ")"
# Full names first, so "March" is not read as "Mar"; only an abbreviation takes a full stop.
_MONTH = (
    "(?:"
    + "|".join(n.lower() for n in calendar.month_name if n)
    + "|(?:"
    + "|".join(sorted(set(MONTHS) - {n.lower() for n in calendar.month_name}, key=len, reverse=True))
    + r")\.?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"\d{4}"
_NUM = "(?:" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r"|\d{1,3})"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_TO = r"\s*(?:to|through|until|-|–|—)\s*"


@dataclass(frozen=True)
class Resolved:
    """A date span; precision is day | week | month | year | range."""

    date_start: date
    date_end: date
    precision: str


@dataclass(frozen=True, order=True)
class DateMention:
    """A date expression found in a text: text[start:end] == expression."""

    start: int
    end: int
    expression: str


Handler = Callable[[dict, date, bool], "Resolved | None"]
RULES: list[tuple[str, Handler]] = []
_H = TypeVar("_H", bound=Handler)  # a rule keeps its own signature (a handler that always resolves stays so)


def _rule(pattern: str) -> Callable[[_H], _H]:
    def register(fn: _H) -> _H:
        RULES.append((pattern, fn))
        return fn

    return register


def _day(d: date) -> Resolved:
    return Resolved(d, d, "day")


def _week_of(d: date) -> Resolved:
    monday = d - timedelta(days=d.weekday())
    return Resolved(monday, monday + timedelta(days=6), "week")


def _month(year: int, month: int) -> Resolved:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return Resolved(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month")


def _n(g: dict) -> int:
    word = g["n"].lower()
    return NUMBERS[word] if word in NUMBERS else int(word)


def _words(expression: str) -> str:
    return " ".join(expression.lower().replace("’", "'").split())


# Weekdays.


@_rule(rf"(?:(?:on|last|this|next|this\s+past|this\s+coming)\s+)?{_WD}{_PART}")
def _weekday(g: dict, ref: date, future: bool) -> Resolved:
    words = _words(g["0"]).split()
    wd = next(WEEKDAYS.index(w) for w in words if w in WEEKDAYS)
    modifier = " ".join(words[: [w in WEEKDAYS for w in words].index(True)])
    monday = ref - timedelta(days=ref.weekday())
    if modifier in ("last", "this past"):
        return _day(ref - timedelta(days=(ref.weekday() - wd - 1) % 7 + 1))
    if modifier == "this coming":
        return _day(ref + timedelta(days=(wd - ref.weekday() - 1) % 7 + 1))
    if modifier == "this":
        return _day(monday + timedelta(days=wd))
    if modifier == "next":
        return _day(monday + timedelta(days=7 + wd))
    if future:
        return _day(ref + timedelta(days=(wd - ref.weekday()) % 7))
    return _day(ref - timedelta(days=(ref.weekday() - wd) % 7))


@_rule(rf"(?:on\s+|from\s+|between\s+)?(?P<a>{_WD})(?:\s+(?:and|to|through|until|or)\s+|\s*[-–]\s*)(?P<b>{_WD})")
def _weekday_range(g: dict, ref: date, future: bool) -> Resolved | None:
    if " or " in _words(g["0"]):
        return None  # one of two days: not a span
    start = _weekday({"0": g["a"]}, ref, future)
    end = start.date_start + timedelta(days=(WEEKDAYS.index(g["b"].lower()) - start.date_start.weekday()) % 7)
    if not future and end > ref:
        # Past reading: the span ends on or before the reference date.
        start = _day(start.date_start - timedelta(days=7))
        end -= timedelta(days=7)
    return Resolved(start.date_start, end, "range")


@_rule(r"(?:today|tonight|tomorrow|yesterday)" + _PART + r"|this\s+(?:morning|afternoon|evening)")
def _deictic(g: dict, ref: date, future: bool) -> Resolved:
    word = _words(g["0"]).split()[0]
    return _day(ref + timedelta(days={"tomorrow": 1, "yesterday": -1}.get(word, 0)))


# Weeks.


@_rule(r"(?:next|this|last)\s+week(?:end)?|this\s+past\s+weekend|(?:earlier|later)\s+this\s+week")
def _week(g: dict, ref: date, future: bool) -> Resolved:
    words = _words(g["0"])
    week = _week_of(ref)
    if ref.weekday() == 6 and words in ("this week", "later this week"):
        # Written on a Sunday, "this week" is the week that starts tomorrow.
        return Resolved(ref + timedelta(days=1), ref + timedelta(days=7), "range" if words.startswith("later") else "week")
    if words.startswith("earlier"):
        return Resolved(week.date_start, ref, "range")
    if words.startswith("later"):
        return Resolved(ref, week.date_end, "range")
    shift = timedelta(days=7 * {"next": 1, "last": -1}.get(words.split()[0], 0) - 7 * ("past" in words))
    if words.endswith("weekend"):
        return Resolved(week.date_start + timedelta(days=5) + shift, week.date_end + shift, "range")
    return Resolved(week.date_start + shift, week.date_end + shift, "week")


@_rule(
    rf"a\s+week\s+from\s+(?:today|tomorrow)|in\s+(?P<n>{_NUM})\s+(?P<unit>days?|weeks?|months?)(?:'s?\s+time|’s?\s+time)?"
    rf"|(?:just\s+)?(?P<n2>{_NUM})\s+(?P<unit2>days?|weeks?|months?|years?)\s+ago"
)
def _offset(g: dict, ref: date, future: bool) -> Resolved:
    words = _words(g["0"])
    if words.startswith("a week from"):
        return _day(ref + timedelta(days=7 + words.endswith("tomorrow")))
    n, unit = (_n(g), g["unit"]) if g["n"] else (_n({"n": g["n2"]}), g["unit2"])
    n = -n if words.endswith("ago") else n
    if unit.startswith("day"):
        return _day(ref + timedelta(days=n))
    if unit.startswith("week"):
        return _week_of(ref + timedelta(days=7 * n))
    if unit.startswith("month"):
        return _month(ref.year, ref.month + n)
    return Resolved(date(ref.year + n, 1, 1), date(ref.year + n, 12, 31), "year")


# Months and years.


@_rule(r"(?:next|this|last)\s+(?:month|year)|(?:earlier|later)\s+this\s+(?:month|year)|earlier\s+in\s+the\s+(?:month|year)")
def _period(g: dict, ref: date, future: bool) -> Resolved:
    words = _words(g["0"])
    if words.endswith("month"):
        whole = _month(ref.year, ref.month + {"next": 1, "last": -1}.get(words.split()[0], 0))
    else:
        year = ref.year + {"next": 1, "last": -1}.get(words.split()[0], 0)
        whole = Resolved(date(year, 1, 1), date(year, 12, 31), "year")
    if words.startswith("earlier"):
        return Resolved(whole.date_start, ref, "range")
    if words.startswith("later"):
        return Resolved(ref, whole.date_end, "range")
    return whole


# Absolute dates.


@_rule(
    rf"(?:on\s+)?(?:(?P<wd>{_WD}),?\s+)?(?P<m>{_MONTH})\s+(?P<d>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?"
    rf"|(?:on\s+)?(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?"
)
def _absolute(g: dict, ref: date, future: bool) -> Resolved | None:
    month, day, year = (g["m"], g["d"], g["y"]) if g["m"] else (g["m2"], g["d2"], g["y2"])
    d = _dated(_month_no(month), _day_no(day), year, ref, future)
    if d is None or (g["wd"] and WEEKDAYS.index(g["wd"].lower()) != d.weekday()):
        return None
    return _day(d)


@_rule(
    rf"(?:from\s+)?(?P<m>{_MONTH})\s+(?P<d>{_DAY}){_TO}(?:(?P<m2>{_MONTH})\s+)?(?P<d2>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?"
    rf"|(?:from\s+)?(?P<d3>{_DAY})(?:\s+(?P<m3>{_MONTH}))?{_TO}(?P<d4>{_DAY})\s+(?P<m4>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?"
)
def _range(g: dict, ref: date, future: bool) -> Resolved | None:
    if g["m"]:
        m1, d1, m2, d2, year = g["m"], g["d"], g["m2"] or g["m"], g["d2"], g["y"]
    else:
        m1, d1, m2, d2, year = g["m3"] or g["m4"], g["d3"], g["m4"], g["d4"], g["y2"]
    if year is not None:
        # The year written after the range belongs to its end; the start may lie in the year before.
        end = _dated(_month_no(m2), _day_no(d2), year, ref, future)
        start = _dated(_month_no(m1), _day_no(d1), str(end.year), ref, future) if end else None
        if start and end and start > end:
            start = _dated(_month_no(m1), _day_no(d1), str(end.year - 1), ref, future)
    else:
        # Otherwise the start lies nearest the reference, and the end follows it.
        start = _dated(_month_no(m1), _day_no(d1), None, ref, future)
        end = start and _dated(_month_no(m2), _day_no(d2), str(start.year), ref, future)
        if start and end and end < start:
            end = _dated(_month_no(m2), _day_no(d2), str(start.year + 1), ref, future)
    if not start or not end or start > end or (end - start).days > 366:
        return None
    return Resolved(start, end, "range")


@_rule(
    rf"(?:(?:in|since)\s+(?:(?:early|mid|late)[\s-]+)?|(?:early|mid|late)[\s-]+)(?P<m>{_MONTH})(?:,?\s+(?P<y>{_YEAR}))?"
    rf"|(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})"
)
def _month_name(g: dict, ref: date, future: bool) -> Resolved:
    month, year = (g["m"], g["y"]) if g["m"] else (g["m2"], g["y2"])
    month_no = _month_no(month)
    if year:
        return _month(int(year), month_no)
    here = ref.year * 12 + ref.month - 1
    candidates = [(y * 12 + month_no - 1) for y in (ref.year - 1, ref.year, ref.year + 1)]
    if _words(g["0"]).startswith("since"):
        candidates = [c for c in candidates if c <= here]  # "since March": a March that has passed
    best = min(candidates, key=lambda c: (abs(c - here), (c < here) if future else (c > here)))
    return _month(best // 12, best % 12 + 1)


@_rule(rf"(?:in|since)\s+(?P<y>{_YEAR})")
def _year(g: dict, ref: date, future: bool) -> Resolved:
    year = int(g["y"])
    return Resolved(date(year, 1, 1), date(year, 12, 31), "year")


@_rule(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
def _iso(g: dict, ref: date, future: bool) -> Resolved:
    return _day(date(int(g["y"]), int(g["m"]), int(g["d"])))


# Relative to another event, not to the reference date: found, never resolved.


@_rule(
    r"(?:(?:a\s+few|several|some|" + _NUM + r")\s+)?(?:hours?|days?|weeks?|months?)\s+(?:later|earlier|after|before)"
    r"|the\s+(?:next|following|previous)\s+(?:day|week|month)|the\s+day\s+(?:before|after)"
    r"|(?:in\s+)?the\s+(?:coming|past)\s+(?:days|weeks?|months)|in\s+recent\s+(?:days|weeks|months)"
    r"|(?:a\s+few|several)\s+(?:days|weeks|months)\s+ago"
)
def _not_mechanical(g: dict, ref: date, future: bool) -> None:
    return None


def _month_no(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _day_no(word: str) -> int:
    return int(re.match(r"\d+", word).group())  # type: ignore[union-attr]


def _dated(month: int, day: int, year: str | None, ref: date, future: bool) -> date | None:
    """The date; without a year, the candidate year nearest the reference (ties: past, or future)."""
    years = [int(year)] if year else [ref.year - 1, ref.year, ref.year + 1]
    candidates = []
    for y in years:
        try:
            candidates.append(date(y, month, day))
        except ValueError:
            continue  # 30 February, or 29 February outside a leap year.
    if not candidates:
        return None
    return min(candidates, key=lambda d: (abs((d - ref).days), (d < ref) if future else (d > ref)))


# Entry points.

_FULL = [(re.compile(p, re.IGNORECASE), fn) for p, fn in RULES]
# Not glued to a letter or digit on either side.
_FIND = [re.compile(rf"(?<![^\W_])(?:{p})(?![^\W_])", re.IGNORECASE) for p, _ in RULES]
_NAMES = re.compile(r"\b(?:" + "|".join([*WEEKDAYS, *MONTHS]) + r")\b", re.IGNORECASE)


def resolve(expression: str, reference: date, *, future: bool = False) -> Resolved | None:
    """The date span `expression` denotes as written on `reference`; None if unknown or not mechanical.

    `future=True` reads bare weekdays forward ("will meet on Thursday") and breaks year ties forward.
    """
    if not isinstance(expression, str) or len(expression) > 200:
        return None
    text = " ".join(expression.split()).strip(" ,;:")
    for candidate in dict.fromkeys((text, text.rstrip("."))):
        for pattern, fn in _FULL:
            m = pattern.fullmatch(candidate)
            if m is None:
                continue
            try:
                return fn({"0": m.group(0), **m.groupdict()}, reference, future)
            except (ValueError, OverflowError):
                return None  # A date outside the calendar (year 10000, 31 June).
    return None


def find_date_expressions(text: str) -> list[DateMention]:
    """Every date expression of `text`, sorted by start; where two overlap the longer is kept."""
    found: list[DateMention] = []
    for pattern in _FIND:
        for m in pattern.finditer(text):
            # A lowercase "may" or "march" is a verb or a noun, not a date.
            if all(n.group()[0].isupper() for n in _NAMES.finditer(m.group())):
                found.append(DateMention(m.start(), m.end(), m.group()))
    found.sort(key=lambda d: (d.start - d.end, d.start))
    kept: list[DateMention] = []
    for d in found:
        if not any(d.start < k.end and k.start < d.end for k in kept):
            kept.append(d)
    return sorted(kept)
