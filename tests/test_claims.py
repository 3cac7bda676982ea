"""Claims compared by meaning: intervals, places within places, statuses as lifecycle steps; disputes never hidden."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EVENTS, MEASURES, TEXT, article_meta, bare_meta, make_dataset, write_yaml
from tradetalks.errors import DatasetError
from tradetalks.pipeline.claims import Interval, PlaceRegistry, claim_intervals, conflicting, interval
from tradetalks.pipeline.run import check

D = dt.date


def test_a_vague_date_is_the_interval_of_its_period():
    assert interval("2025-10-06", None, "week")[0] == Interval(D(2025, 10, 6), D(2025, 10, 12), "week")
    assert interval("2024-02-01", None, "month")[0].end == D(2024, 2, 29)
    assert interval("2025-01-01", None, "year")[0].end == D(2025, 12, 31)
    assert interval("2025-10-25", "2025-10-26", None)[0].precision == "range"
    assert interval("2025-10-25", None, "range")[1] == "precision range needs an end date"
    assert "use precision range" in interval("2025-10-06", "2025-10-20", "week")[1]


@given(st.dates(D(2000, 1, 1), D(2100, 1, 1)), st.sampled_from(["day", "week", "month", "year"]), st.integers(0, 400))
def test_a_date_inside_a_period_never_conflicts_with_it(start, precision, offset):
    period = interval(start, None, precision)[0]
    day = start + dt.timedelta(days=offset)
    inside = Interval(day, day, "day")
    assert conflicting("date", [period, inside], PlaceRegistry.of([])) == (day > period.end)


def test_claim_precision_comes_from_the_date_words_unless_stated():
    week, _ = claim_intervals({"claims": {"date_start": "2025-10-20"}, "date_text": "next week"}, "events", D(2025, 10, 17))
    assert week["date"] == Interval(D(2025, 10, 20), D(2025, 10, 26), "week")
    day, _ = claim_intervals({"claims": {"date_start": "2025-10-20"}}, "events", D(2025, 10, 17))
    assert day["date"].precision == "day"
    stated, _ = claim_intervals({"claims": {"expiry_date": "2025-11-01"}, "date_precision": "month"}, "tariff_measures", D(2025, 10, 17))
    assert stated["expiry_date"].end == D(2025, 11, 30)


PLACES = [
    {"place_id": "south-korea", "name": "South Korea", "kind": "country", "within": None, "iso3": "KOR"},
    {"place_id": "busan", "name": "Busan", "kind": "city", "within": "south-korea"},
    {"place_id": "japan", "name": "Japan", "kind": "country", "within": None, "iso3": "JPN"},
]


def test_places_conflict_only_when_neither_lies_within_the_other():
    reg = PlaceRegistry.of(PLACES)
    assert not conflicting("location", ["busan", "south-korea"], reg)
    assert conflicting("location", ["busan", "japan"], reg)


def _two_articles(tmp_path, claims2: dict, claims1: dict | None = None, date_text2: str | None = None, **registry):
    """The fixture article plus a second one making `claims2` about the fixture event."""
    text2 = "Bessent and He spoke in Busan on Friday.\n"
    event2 = {"event": "bessent-he-call", "evidence": "Bessent and He spoke in Busan", "claims": claims2}
    if date_text2:
        event2["date_text"] = date_text2
    meta2 = article_meta(
        text2,
        article_id="second",
        title=None,
        segments=[],
        quotes=[],
        not_mentions=[],
        roles=[],
        measures=[],
        mentions=[{"evidence": "He", "person": "he-lifeng"}],
        events=[event2],
    )
    meta1 = article_meta(TEXT)
    if claims1 is not None:
        meta1["events"][0]["claims"] = claims1
        meta1["events"][0].pop("date_text")
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta1), "second": (text2, meta2)}, **registry)
    write_yaml(tmp_path / "dataset" / "places.yml", {"places": PLACES})
    return tmp_path


def test_a_city_and_its_country_are_no_dispute(tmp_path):
    root = _two_articles(
        tmp_path, {"location": "Busan"}, claims1={"date_start": "2025-10-17", "location": "South Korea"}, events=[dict(EVENTS[0], place="busan")]
    )
    t = check(root).tables
    assert t["disputes"].height == 0 and not t["events"]["disputed"][0]
    assert t["events"]["place_id"][0] == "busan"


def test_a_week_and_a_day_inside_it_are_no_dispute(tmp_path):
    root = _two_articles(tmp_path, {"date_start": "2025-10-13"}, date_text2="this week")
    t = check(root).tables
    assert t["disputes"].height == 0
    ev = t["evidence"]
    week = ev.filter((ev["article_id"] == "second") & (ev["claim_field"] == "date")).row(0, named=True)
    assert (week["claim_date_start"], week["claim_date_end"], week["claim_date_precision"]) == (D(2025, 10, 13), D(2025, 10, 19), "week")


def test_disjoint_dates_need_a_resolution_and_a_new_claim_is_never_hidden_by_it(tmp_path):
    root = _two_articles(tmp_path, {"date_start": "2025-10-16"})
    with pytest.raises(DatasetError, match=r"articles disagree on date of 'bessent-he-call' \(2025-10-16: second; 2025-10-17: talks-next-week\)"):
        check(root)
    resolution = {"field": "date", "values": ["2025-10-16", "2025-10-17"], "note": "the second article misdates the call"}
    _two_articles(tmp_path, {"date_start": "2025-10-16"}, events=[dict(EVENTS[0], disputes=[resolution])])
    disputes = check(root).tables["disputes"].sort("value")
    assert disputes["used"].to_list() == [False, True] and disputes["row_value"].to_list() == ["2025-10-17"] * 2
    # A third value appears: the old note no longer covers the dispute, so the build asks for it to be reviewed.
    _two_articles(tmp_path, {"date_start": "2025-10-16"}, claims1={"date_start": "2025-10-15"}, events=[dict(EVENTS[0], disputes=[resolution])])
    with pytest.raises(DatasetError, match=r"was resolved for values \['2025-10-16', '2025-10-17'\], but the articles now claim"):
        check(root)


def test_a_resolution_for_claims_that_agree_must_go(tmp_path):
    resolution = {"field": "date", "values": ["2025-10-16", "2025-10-17"], "note": "stale"}
    root = _two_articles(tmp_path, {"date_start": "2025-10-17"}, events=[dict(EVENTS[0], disputes=[resolution])])
    with pytest.raises(DatasetError, match=r"'date' is no longer disputed"):
        check(root)


def test_statuses_are_steps_of_a_lifecycle_not_a_dispute(tmp_path):
    text2 = "The 100% tariff took effect in November.\n"
    meta2 = bare_meta(
        text2,
        article_id="second",
        reference_date="2025-11-20",
        measures=[{"measure": "us-100pct-tariff", "evidence": "The 100% tariff took effect", "claims": {"status": "in_effect"}}],
    )
    make_dataset(tmp_path, {"talks-next-week": (TEXT, article_meta(TEXT)), "second": (text2, meta2)})
    t = check(tmp_path).tables
    steps = t["measure_steps"].sort("seq")
    assert steps["status"].to_list() == ["threatened", "in_effect"] and steps["is_current"].to_list() == [False, True]
    assert t["tariff_measures"]["status"][0] == "in_effect" and t["disputes"].height == 0


def test_two_statuses_for_the_same_moment_are_a_dispute(tmp_path):
    text2 = "Trump announced the 100% tariff.\n"
    meta2 = bare_meta(
        text2,
        article_id="second",
        measures=[{"measure": "us-100pct-tariff", "evidence": "Trump announced the 100% tariff", "claims": {"status": "announced"}}],
    )
    arts = {"talks-next-week": (TEXT, article_meta(TEXT)), "second": (text2, meta2)}
    make_dataset(tmp_path, arts)
    with pytest.raises(DatasetError, match="articles disagree on status"):
        check(tmp_path)
    resolution = {"field": "status", "values": ["announced", "threatened"], "use": "threatened", "note": "a threat, not a decision"}
    make_dataset(tmp_path, arts, measures=[dict(MEASURES[0], disputes=[resolution])])
    t = check(tmp_path).tables
    assert t["tariff_measures"]["status"][0] == "threatened"
    assert dict(zip(t["measure_steps"]["status"], t["measure_steps"]["accepted"], strict=True)) == {"threatened": True, "announced": False}


def test_validation_catches_a_status_or_dispute_flag_out_of_step(dataset):
    import polars as pl

    from tradetalks.pipeline.validate import validate_tables

    tables = check(dataset).tables
    bad = dict(tables, tariff_measures=tables["tariff_measures"].with_columns(pl.lit("in_effect").alias("status"), pl.lit(True).alias("disputed")))
    with pytest.raises(DatasetError) as info:
        validate_tables(bad)
    msgs = "\n".join(map(str, info.value.problems))
    assert "its current step in measure_steps is 'threatened'" in msgs and "but the disputes table does not list it" in msgs


def test_an_unknown_status_claim_is_named(tmp_path):
    meta = article_meta(TEXT)
    meta["measures"][0]["claims"]["status"] = "rumoured"
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    with pytest.raises(DatasetError, match=r"\[measures\[0\]\.claims\.status\]: expected one of threatened, .*, found the text 'rumoured'"):
        check(tmp_path)


def test_a_date_claim_that_is_not_a_date_is_named(tmp_path):
    meta = article_meta(TEXT)
    meta["events"][0]["claims"]["date_start"] = "soon"
    meta["events"][0].pop("date_text")
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    with pytest.raises(DatasetError, match=r"\[events\[0\]\.claims\.date_start\]: expected a real calendar date like .* \(YYYY-MM-DD\), found the text 'soon'"):
        check(tmp_path)


def test_a_dated_claim_with_date_words_that_is_not_a_date_is_named(tmp_path):
    meta = article_meta(TEXT)
    meta["events"][0]["claims"] = {"local_date": "Friday"}
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    with pytest.raises(
        DatasetError, match=r"\[events\[0\]\.claims\.local_date\]: expected a real calendar date like .* \(YYYY-MM-DD\), found the text 'Friday'"
    ):
        check(tmp_path)


def test_a_null_local_date_is_a_claim_without_a_day(tmp_path):
    # The schema allows `local_date: null`; it states no day and must not stop the build.
    meta = article_meta(TEXT)
    meta["events"][0]["claims"] = {"local_date": None}
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    evidence = check(tmp_path).tables["evidence"]
    local = evidence.filter(pl.col("claim_field") == "local_date")
    assert local.height == 1
    assert local["claim_date_start"].to_list() == [None]


# Disputes only where claims cannot all be true.


def test_articles_naming_different_participants_add_up_and_are_no_dispute(tmp_path):
    root = _two_articles(tmp_path, {"participants": ["he-lifeng"]}, claims1={"date_start": "2025-10-17", "participants": ["scott-bessent", "he-lifeng"]})
    t = check(root).tables
    assert t["disputes"].height == 0 and not t["events"]["disputed"][0]
    # A member the registry does not hold is asked for by name (the row holds every member named), never a dispute.
    events = [dict(EVENTS[0], participants=["scott-bessent"])]
    _two_articles(tmp_path, {"participants": ["he-lifeng"]}, claims1={"date_start": "2025-10-17", "participants": ["scott-bessent"]}, events=events)
    with pytest.raises(DatasetError) as err:
        check(root)
    assert "the articles name participants that 'bessent-he-call' does not list: 'he-lifeng' (second)" in str(err.value)
    assert "disagree" not in str(err.value)


def test_an_article_never_disputes_itself(tmp_path):
    text = "The call took place on 16 October, the agency said; officials later said 17 October.\n"
    events = [
        {"event": "bessent-he-call", "evidence": "The call took place on 16 October", "claims": {"date_start": "2025-10-16"}},
        {"event": "bessent-he-call", "evidence": "officials later said 17 October", "claims": {"date_start": "2025-10-17"}},
    ]
    alone = [dict(EVENTS[0], participants=[])]
    make_dataset(tmp_path, {"only": (text, bare_meta(text, article_id="only", events=events))}, people=[], events=alone, measures=[])
    t = check(tmp_path).tables
    assert t["disputes"].height == 0 and not t["events"]["disputed"][0]
    # The same two values from two articles are a dispute.
    text2 = "The call took place on 16 October.\n"
    other = bare_meta(
        text2,
        article_id="other",
        events=[{"event": "bessent-he-call", "evidence": "The call took place on 16 October", "claims": {"date_start": "2025-10-16"}}],
    )
    first = bare_meta(text, article_id="only", events=events[1:])
    make_dataset(tmp_path, {"only": (text, first), "other": (text2, other)}, people=[], events=alone, measures=[])
    with pytest.raises(DatasetError, match="articles disagree on date"):
        check(tmp_path)


def _status_articles(tmp_path, first: tuple[str, str], second: tuple[str, str], measures=None) -> Path:
    """Two articles, each claiming (status, reference date) of the fixture measure."""
    arts = {}
    for article_id, (status, day) in (("earlier", first), ("later", second)):
        text = f"The 100% tariff is {status.replace('_', ' ')}.\n"
        evidence = text.strip().rstrip(".")
        arts[article_id] = (
            text,
            bare_meta(
                text, article_id=article_id, reference_date=day, measures=[{"measure": "us-100pct-tariff", "evidence": evidence, "claims": {"status": status}}]
            ),
        )
    return make_dataset(tmp_path, arts, people=[], events=[], measures=measures)


def test_statuses_at_different_times_in_the_lifecycles_order_are_steps(tmp_path):
    root = _status_articles(tmp_path, ("proposed", "2025-10-26"), ("agreed", "2025-10-30"))
    t = check(root).tables
    assert t["disputes"].height == 0
    assert t["measure_steps"].sort("seq")["status"].to_list() == ["proposed", "agreed"]
    assert t["tariff_measures"]["status"][0] == "agreed"


def test_statuses_claimed_for_the_same_day_or_going_back_in_the_lifecycle_are_a_dispute(tmp_path):
    for first, second in ((("threatened", "2025-10-18"), ("announced", "2025-10-18")), (("announced", "2025-10-17"), ("threatened", "2025-10-25"))):
        root = _status_articles(tmp_path, first, second)
        with pytest.raises(DatasetError, match=r"articles disagree on status of 'us-100pct-tariff' \(announced: .*; threatened: .*\)"):
            check(root)


def test_a_status_dated_by_its_own_date_claim_is_compared_at_that_date(tmp_path):
    """Announced on 10 October (a dated claim) and still a threat on 18 October go back in the lifecycle."""
    text = "Trump announced the 100% tariff on October 10.\n"
    measure = {
        "measure": "us-100pct-tariff",
        "evidence": "Trump announced the 100% tariff on October 10",
        "claims": {"status": "announced", "announced_date": "2025-10-10"},
    }
    text2 = "The 100% tariff is threatened.\n"
    later = bare_meta(
        text2,
        article_id="later",
        reference_date="2025-10-18",
        measures=[{"measure": "us-100pct-tariff", "evidence": "The 100% tariff is threatened", "claims": {"status": "threatened"}}],
    )
    arts = {"earlier": (text, bare_meta(text, article_id="earlier", reference_date="2025-10-30", measures=[measure])), "later": (text2, later)}
    make_dataset(tmp_path, arts, people=[], events=[])
    with pytest.raises(DatasetError, match="articles disagree on status"):
        check(tmp_path)


def test_each_resolution_gets_exactly_one_message_and_it_is_true(tmp_path):
    resolution = {"field": "date", "values": ["2025-10-16", "2025-10-17"], "note": "the second article misdates the call"}
    root = _two_articles(tmp_path, {"date_start": "2025-10-16"}, claims1={"date_start": "2025-10-15"}, events=[dict(EVENTS[0], disputes=[resolution])])
    with pytest.raises(DatasetError) as err:
        check(root)
    about = [p for p in err.value.problems if ".disputes" in (p.field or "")]
    assert len(about) == 1 and "was resolved for values" in about[0].message


def test_an_undated_event_builds_and_a_precision_without_a_date_is_named(tmp_path):
    undated = dict(EVENTS[0], date_start=None, date_end=None, date_precision=None)
    make_dataset(tmp_path, events=[undated])
    t = check(tmp_path).tables
    assert t["events"]["date_precision"][0] is None and t["events"]["date_start"][0] is None
    make_dataset(tmp_path, events=[dict(undated, date_precision="day")])
    with pytest.raises(DatasetError, match=r"events\[0\]\.date_precision\]: date_precision is 'day' but date_start is null"):
        check(tmp_path)


_STATUS = st.sampled_from(["threatened", "announced", "in_effect", "paused", "expired"])
_DAY = st.integers(0, 6).map(lambda n: dt.date(2025, 10, 1) + dt.timedelta(days=n))
_MOMENT = st.one_of(st.none(), st.tuples(_DAY, st.integers(0, 2)).map(lambda d: Interval(d[0], d[0] + dt.timedelta(days=d[1]), "day")))


@given(st.lists(st.tuples(_STATUS, st.sampled_from(["a1", "a2", "a3"]), _MOMENT), max_size=12))
def test_clashing_statuses_are_those_of_some_conflicting_pair_of_claims(claims):
    from tradetalks.pipeline.subjects import clashing_statuses, status_conflict

    every_pair = {s for i, a in enumerate(claims) for b in claims[i + 1 :] if status_conflict(a, b) for s in (a[0], b[0])}
    assert clashing_statuses(claims) == sorted(every_pair)


# An evidence row of a measure: a status claim, or a date claim of one of the status date fields.
_SPAN = st.sampled_from([(0, 5), (6, 9)])
_MEASURE, _ARTICLE = st.sampled_from(["m1", "m1", "m1", "m2"]), st.sampled_from(["a1", "a2", "a3"])
_EVIDENCE_ROW = st.one_of(
    st.tuples(_MEASURE, _ARTICLE, _SPAN, st.just("status"), _STATUS, st.none(), st.none()),
    st.tuples(
        _MEASURE,
        _ARTICLE,
        _SPAN,
        st.sampled_from(["announced_date", "effective_date"]),
        st.none(),
        _DAY,
        st.sampled_from([None, "day", "week"]),
    ),
)


@settings(max_examples=300)
@given(st.lists(_EVIDENCE_ROW, max_size=14), st.dictionaries(_ARTICLE, _DAY), st.integers(0, 2))
def test_status_moments_are_every_claims_moment_with_the_first_and_last_article(rows, reference, days):
    """`Context.status_moments` (every claim at once) holds each status and moment of a measure's
    claims taken one at a time, with their first and last article: each claim at the date its own
    annotation claims for the status's date field (the last such row), else at its article's
    reference date. So it decides the same clashes."""
    from tradetalks.pipeline.subjects import STATUS_DATE, Context, clashing_statuses

    columns = {"subject_id": pl.String, "article_id": pl.String, "char_start": pl.Int64, "char_end": pl.Int64, "claim_field": pl.String}
    columns |= {"claim_value": pl.String, "claim_date_start": pl.Date, "claim_date_precision": pl.String}
    flat = [(m, a, s, e, f, v, d, p) for m, a, (s, e), f, v, d, p in rows]
    evidence = pl.DataFrame(flat, schema=columns, orient="row").with_columns(
        pl.lit("tariff_measures").alias("subject_table"), (pl.col("claim_date_start") + pl.duration(days=days)).alias("claim_date_end")
    )
    reference_dates = pl.DataFrame(
        {"article_id": list(reference), "reference_date": list(reference.values())}, schema={"article_id": pl.String, "reference_date": pl.Date}
    )
    ctx = Context(None, None, None, {}, None, evidence, None, reference_dates)  # type: ignore[arg-type]  # only the evidence and reference dates are read

    def moment(m, a, s, e, status):
        dated = [(d, p) for m2, a2, s2, e2, f, _v, d, p in flat if (m2, a2, s2, e2, f) == (m, a, s, e, STATUS_DATE.get(status))]
        if dated:
            day, precision = dated[-1]
            return Interval(day, day + dt.timedelta(days=days), precision or "day")
        return Interval(reference[a], reference[a], "day") if a in reference else None

    for measure in ("m1", "m2"):
        one_by_one = [(v, a, moment(m, a, s, e, v)) for m, a, s, e, f, v, _d, _p in flat if m == measure and f == "status"]
        expected: dict[tuple, set[str]] = {}
        for status, article, when in one_by_one:
            if when is not None:
                expected.setdefault((status, when), set()).add(article)
        found: dict[tuple, set[str]] = {}
        for status, article, when in ctx.status_moments.get(measure, []):
            found.setdefault((status, when), set()).add(article)
        assert found == {k: {min(v), max(v)} for k, v in expected.items()}
        assert clashing_statuses(ctx.status_moments.get(measure, [])) == clashing_statuses(one_by_one)
