"""detect.dates: date expressions resolved against a reference date; never raises."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.text.dates import WEEKDAYS, Resolved, find_date_expressions, resolve

SAT = date(2025, 10, 18)  # a Saturday: the day after the Bessent-He call
D = date.fromisoformat


@pytest.mark.parametrize(
    ("expression", "start", "end", "precision"),
    [
        ("Friday", "2025-10-17", "2025-10-17", "day"),
        ("on Saturday", "2025-10-18", "2025-10-18", "day"),
        ("Saturday morning", "2025-10-18", "2025-10-18", "day"),
        ("on Friday evening", "2025-10-17", "2025-10-17", "day"),
        ("last Saturday", "2025-10-11", "2025-10-11", "day"),
        ("next Friday", "2025-10-24", "2025-10-24", "day"),
        ("today", "2025-10-18", "2025-10-18", "day"),
        ("tomorrow", "2025-10-19", "2025-10-19", "day"),
        ("yesterday", "2025-10-17", "2025-10-17", "day"),
        ("next week", "2025-10-20", "2025-10-26", "week"),
        ("this week", "2025-10-13", "2025-10-19", "week"),
        ("last week", "2025-10-06", "2025-10-12", "week"),
        ("this weekend", "2025-10-18", "2025-10-19", "range"),
        ("next month", "2025-11-01", "2025-11-30", "month"),
        ("this month", "2025-10-01", "2025-10-31", "month"),
        ("Earlier this year", "2025-01-01", "2025-10-18", "range"),
        ("a week from tomorrow", "2025-10-26", "2025-10-26", "day"),
        ("in two weeks", "2025-10-27", "2025-11-02", "week"),  # the week holding 1 November
        ("in 3 weeks", "2025-11-03", "2025-11-09", "week"),
        ("Just a week ago", "2025-10-06", "2025-10-12", "week"),
        ("October 9", "2025-10-09", "2025-10-09", "day"),
        ("Oct. 9", "2025-10-09", "2025-10-09", "day"),
        ("9 October", "2025-10-09", "2025-10-09", "day"),
        ("on October 10", "2025-10-10", "2025-10-10", "day"),
        ("Nov. 1", "2025-11-01", "2025-11-01", "day"),
        ("from October 31 to November 1", "2025-10-31", "2025-11-01", "range"),
        ("Oct 30-31", "2025-10-30", "2025-10-31", "range"),
        ("December 31 to January 2", "2025-12-31", "2026-01-02", "range"),
        ("in April", "2025-04-01", "2025-04-30", "month"),
        ("late July", "2025-07-01", "2025-07-31", "month"),
        ("in late September", "2025-09-01", "2025-09-30", "month"),
        ("in September", "2025-09-01", "2025-09-30", "month"),
        ("in November", "2025-11-01", "2025-11-30", "month"),
        ("Thursday, October 30, 2025", "2025-10-30", "2025-10-30", "day"),
        ("2025-10-27", "2025-10-27", "2025-10-27", "day"),
        ("in 2024", "2024-01-01", "2024-12-31", "year"),
        ("since May", "2025-05-01", "2025-05-31", "month"),  # the month an open-ended period starts in
        ("Since March", "2025-03-01", "2025-03-31", "month"),
        ("since 2018", "2018-01-01", "2018-12-31", "year"),
    ],
)
def test_resolve(expression, start, end, precision):
    assert resolve(expression, SAT) == Resolved(D(start), D(end), precision)


@pytest.mark.parametrize(
    "expression",
    ["days later", "Days later", "a week earlier", "the following week", "in recent weeks", "Friday, October 30, 2025", "February 30", "soon", "", "Oct."],
)
def test_not_mechanical_or_not_a_date(expression):
    assert resolve(expression, SAT) is None


def test_future_reading_of_a_bare_weekday():
    # "Trump and Xi will meet on Thursday", written on Monday 27 October.
    assert resolve("on Thursday", D("2025-10-27"), future=True).date_start == D("2025-10-30")
    assert resolve("on Thursday", D("2025-10-27")).date_start == D("2025-10-23")


def test_year_is_the_nearest_to_the_reference():
    assert resolve("January 5", D("2025-12-20")).date_start == D("2026-01-05")
    assert resolve("December 20", D("2026-01-05")).date_start == D("2025-12-20")


def test_find_date_expressions_in_a_real_article():
    text = (REPO / "dataset/articles/bessent-he-talks-set-for-next-week.txt").read_text(encoding="utf-8")
    found = find_date_expressions(text)
    assert all(text[d.start : d.end] == d.expression for d in found)
    assert [d.expression for d in found] == [
        "next week",
        "next week",
        "on Friday evening",
        "next week",
        "a week from tomorrow",
        "this month",
        "Just a week ago",
        "Nov. 1",
        "on Friday",
        "Earlier this year",
        "in November",
        "next week",
        "Friday",
    ]


def test_find_keeps_the_longest_expression_and_skips_lowercase_month_words():
    text = "They may meet from October 31 to November 1, or on Friday evening; talks march on."
    assert [d.expression for d in find_date_expressions(text)] == ["from October 31 to November 1", "on Friday evening"]


def test_find_spans_a_line_break():
    (d,) = find_date_expressions("meet in person next\nweek to continue")
    assert d.expression == "next\nweek" and resolve(d.expression, SAT).precision == "week"


references = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(references, st.sampled_from(WEEKDAYS), st.sampled_from(["", "on "]), st.sampled_from(["", " morning", " evening"]))
def test_bare_weekday_is_that_day_within_the_six_days_before(reference, weekday, prefix, part):
    r = resolve(f"{prefix}{weekday.capitalize()}{part}", reference)
    assert r.precision == "day" and r.date_start == r.date_end
    assert r.date_start.weekday() == WEEKDAYS.index(weekday)
    assert 0 <= (reference - r.date_start).days <= 6


@given(references, st.sampled_from(WEEKDAYS))
def test_future_weekday_is_within_the_six_days_after(reference, weekday):
    r = resolve(weekday, reference, future=True)
    assert r.date_start.weekday() == WEEKDAYS.index(weekday) and 0 <= (r.date_start - reference).days <= 6


@given(references)
def test_next_week_starts_on_a_monday_one_to_seven_days_after(reference):
    r = resolve("next week", reference)
    assert r.date_start.weekday() == 0 and 1 <= (r.date_start - reference).days <= 7
    assert r.date_end == r.date_start + timedelta(days=6) and r.precision == "week"


@given(st.text(max_size=60), st.dates())
def test_resolve_never_raises(expression, reference):
    r = resolve(expression, reference)
    assert r is None or r.date_start <= r.date_end


@given(
    st.sampled_from(["next week", "a week from tomorrow", "in 12 months", "Friday", "December 31 to January 2", "next year"]),
    st.sampled_from([date.min, date.max, date(9999, 12, 25), date(1, 1, 3)]),
)
def test_resolve_at_the_edges_of_the_calendar_returns_none_rather_than_raising(expression, reference):
    resolve(expression, reference)


@given(st.text(alphabet=st.sampled_from(list("on Friday next week October 31 to 9 in ,.-\n")), max_size=80))
def test_found_expressions_slice_back_and_do_not_overlap(text):
    found = find_date_expressions(text)
    assert all(text[d.start : d.end] == d.expression for d in found)
    assert all(a.end <= b.start for a, b in pairwise(found))
