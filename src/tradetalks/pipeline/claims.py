"""Claims compared by meaning: a date is an interval, a place lies within others, a value is a value.

Two articles disagree only when their claims cannot both be true: date intervals that are disjoint
(a week and a day inside it agree), places neither of which lies within the other (Busan and South
Korea agree), other values that differ. An article never disagrees with itself. Sets (participants,
imposers, targets) are not compared: each article names the members it names, and the row holds
their union. Status claims are compared as dated steps of a measure's lifecycle
(`subjects._lifecycle`): history is not disagreement.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tradetalks.text.dates import Resolved, resolve

# The date a field family holds, per subject table: family -> (start claim, end claim).
DATE_FAMILIES = {
    "events": {"date": ("date_start", "date_end")},
    "tariff_measures": {
        "announced_date": ("announced_date", "announced_date_end"),
        "effective_date": ("effective_date", "effective_date_end"),
        "expiry_date": ("expiry_date", "expiry_date_end"),
    },
}
# The registry column of each family's precision.
PRECISION_COLUMN = {
    "date": "date_precision",
    "announced_date": "announced_date_precision",
    "effective_date": "effective_date_precision",
    "expiry_date": "expiry_date_precision",
}
END_COLUMN = {"date": "date_end", "announced_date": "announced_date_end", "effective_date": "effective_date_end", "expiry_date": "expiry_date_end"}
START_COLUMN = {"date": "date_start", "announced_date": "announced_date", "effective_date": "effective_date", "expiry_date": "expiry_date"}
# The claim a date_text states, in order of preference (as the coverage check reads it).
DATE_TEXT_CLAIMS = ("local_date", "date_start", "announced_date", "effective_date", "expiry_date")
NUMBER_CLAIMS = {"rate_pct"}
PLACE_CLAIMS = {"location"}
# Claims whose value is a set: articles naming different members add up, they never disagree.
SET_CLAIMS = {"participants", "imposer", "target"}
# Claims that record how an article states a value without disagreeing (Washington vs Beijing day),
# the sets, and the status (compared as a lifecycle).
NOT_COMPARED = {"local_date", "status", *SET_CLAIMS}


def resolve_date(expression: Any, reference: dt.date, future: bool = False) -> Resolved | None:
    """`resolve`, once per expression and reference: date_claim, the claims' intervals and the coverage check read the same date_text."""
    if type(expression) is not str or type(reference) is not dt.date:
        return resolve(expression, reference, future=future)
    return _resolved(expression, reference, future)


@lru_cache(maxsize=4096)
def _resolved(expression: str, reference: dt.date, future: bool) -> Resolved | None:
    return resolve(expression, reference, future=future)  # a pure function of these, and Resolved is frozen


@dataclass(frozen=True, order=True)
class Interval:
    """The days a vague date may fall on: [start, end], both inclusive."""

    start: dt.date
    end: dt.date
    precision: str

    def text(self) -> str:
        """ISO 8601: one day, or start/end."""
        return self.start.isoformat() if self.start == self.end else f"{self.start.isoformat()}/{self.end.isoformat()}"

    def overlaps(self, other: Interval) -> bool:
        return self.start <= other.end and other.start <= self.end


def period_end(start: dt.date, precision: str) -> dt.date | None:
    """The last day of the period `start` opens; None for a range (its end must be given)."""
    if precision == "day":
        return start
    if precision == "week":
        return start + dt.timedelta(days=6)
    if precision == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == "year":
        return start.replace(month=12, day=31)
    return None


def interval(start: Any, end: Any, precision: str | None) -> tuple[Interval | None, str | None]:
    """The interval of a stated start (+ end) and precision, or None and what is wrong with it."""
    if start is None:
        return None, None
    try:
        start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
        end = end if end is None or isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
    except ValueError:
        return None, f"expected a date YYYY-MM-DD, found {start!r}" + (f" to {end!r}" if end is not None else "")
    precision = precision or ("range" if end is not None and end != start else "day")
    derived = period_end(start, precision)
    if derived is None and end is None:
        return None, "precision range needs an end date"
    if derived is not None and end is not None and end != derived:
        return None, f"a {precision} starting {start} ends {derived}, not {end}; use precision range for another span"
    end = end if end is not None else derived
    if end < start:
        return None, f"end {end} is before start {start}"
    return Interval(start, end, precision), None


def claim_intervals(item: dict, table: str, reference: dt.date) -> tuple[dict[str, Interval], list[tuple[str, str]]]:
    """The date intervals an annotation claims, by family, and the problems as (claim, message).

    Precision: the annotation's `date_precision`; else, for the claim its date_text states, the
    resolver's (so "next week" is a week and "this weekend" a range); else day.
    """
    claims = item.get("claims") or {}
    text_claim, resolved = None, None
    if item.get("date_text") and not item.get("date_override_reason"):
        text_claim = next((k for k in DATE_TEXT_CLAIMS if claims.get(k)), None)
        anchor = dt.date.fromisoformat(item["date_anchor"]) if item.get("date_anchor") else reference
        resolved = resolve_date(item["date_text"], anchor, future=item.get("date_tense") == "future")
    out: dict[str, Interval] = {}
    problems: list[tuple[str, str]] = []
    for family, (start_claim, end_claim) in DATE_FAMILIES.get(table, {}).items():
        start, end = claims.get(start_claim), claims.get(end_claim)
        if start is None:
            if end is not None:
                problems.append((end_claim, f"{end_claim} is claimed without {start_claim}"))
            continue
        precision = item.get("date_precision")
        if precision is None and resolved is not None and text_claim == start_claim:
            if resolved.date_start.isoformat() == str(start) and end is None:
                precision, end = resolved.precision, (resolved.date_end if resolved.precision == "range" else None)
        span, problem = interval(start, end, precision)
        if problem:
            problems.append((start_claim, problem + "; set date_precision (and the end claim for a range)"))
        elif span is not None:
            out[family] = span
    return out, problems


@dataclass
class PlaceRegistry:
    """Places by id and by name; `within` chains a city to its country."""

    places: dict[str, dict]
    by_name: dict[str, str]

    @classmethod
    def of(cls, rows: list[dict]) -> PlaceRegistry:
        by_name: dict[str, str] = {}
        for p in rows:
            for name in [p["name"], *p.get("aliases", [])]:
                by_name.setdefault(name.casefold(), p["place_id"])
        return cls({p["place_id"]: p for p in rows}, by_name)

    def find(self, name: str) -> str | None:
        return self.by_name.get(name.strip().casefold())

    def ancestors(self, place_id: str) -> list[str]:
        """The place and every place it lies within, innermost first (a cycle stops the walk)."""
        chain: list[str] = []
        current: str | None = place_id
        while current is not None and current in self.places and current not in chain:
            chain.append(current)
            current = self.places[current].get("within")
        return chain

    def compatible(self, a: str, b: str) -> bool:
        """True when one place lies within the other (or they are the same)."""
        return a in self.ancestors(b) or b in self.ancestors(a)


def compatible(field: str, a: Any, b: Any, places: PlaceRegistry) -> bool:
    """Whether two claimed values of `field` can both be true (values as `ClaimValue.key`)."""
    if isinstance(a, Interval) and isinstance(b, Interval):
        return a.overlaps(b)
    if field in PLACE_CLAIMS:
        return places.compatible(a, b)
    return a == b


def conflicting(field: str, values: list, places: PlaceRegistry, articles: list[set[str]] | None = None) -> bool:
    """True when some two of the distinct values cannot both be true, said by different articles.

    `articles[i]`: the articles claiming `values[i]` (omitted: every value from its own article).
    An article claiming two incompatible values alone is not a dispute between articles."""
    for i, a in enumerate(values):
        for j in range(i + 1, len(values)):
            if compatible(field, a, values[j], places):
                continue
            if articles is None or len(articles[i] | articles[j]) > 1:
                return True
    return False


def set_members(value: Any) -> list[str]:
    """The members of a set claim: a list, or its text form (`claim_text` joins with commas)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [m.strip() for m in str(value).split(",") if m.strip()]


def claim_text(value: Any) -> str | None:
    """A claimed value as text, comparable across articles: ISO dates, '100' for 100.0, sorted lists."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format(float(value), "g")
    if isinstance(value, list):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


def value_text(value: Any) -> str:
    return value.text() if isinstance(value, Interval) else str(value)
