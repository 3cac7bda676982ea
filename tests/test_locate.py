"""locate: evidence text -> exact spans; whitespace-tolerant, nothing else folded."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tradetalks.errors import LocateError
from tradetalks.pipeline.locate import find_spans, locate

TEXT = "He said “frank and\ndetailed” talks. He said it twice: frank and detailed."


def test_line_break_in_text_matches_space_in_evidence():
    (span,) = locate(TEXT, "“frank and detailed”")
    assert TEXT[span.start : span.end] == "“frank and\ndetailed”"


def test_typographic_quotes_are_not_folded():
    with pytest.raises(LocateError, match=r"differs at \d+ in '“' \(text\) vs '\"'"):
        locate(TEXT, '"frank and detailed" talks')


def test_ambiguous_evidence_asks_for_occurrence():
    with pytest.raises(LocateError, match="appears 2 times.*occurrence"):
        locate(TEXT, "He said")
    second = locate(TEXT, "He said", occurrence=2)[0]
    assert second.start == TEXT.index("He said", 1)
    assert len(locate(TEXT, "He said", every_copy=True)) == 2


def test_missing_evidence_reports_closest_match_and_offset():
    with pytest.raises(LocateError, match=r"closest match at \d+"):
        locate(TEXT, "frank and detialed talks")


def test_occurrence_out_of_range():
    with pytest.raises(LocateError, match="occurrence 3 asked for"):
        locate(TEXT, "He said", occurrence=3)


def test_overlapping_occurrences_are_counted():
    assert [s.start for s in find_spans("aaa", "aa")] == [0, 1]


alphabet = st.sampled_from(list("ab cd\n\t’“”.é🕒\ufe0e"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet, min_size=1, max_size=60), st.data())
def test_any_substring_is_located_exactly(text, data):
    """For any text and any substring: the span slices back to it, also with other whitespace."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    sub = text[start:end]
    assume(sub.strip() and sub == sub.strip())
    spans = find_spans(text, sub)
    assert any(text[s.start : s.end] == sub for s in spans)
    assert (start, end) in {(s.start, s.end) for s in spans}
    # The same evidence typed with different whitespace finds the same raw characters.
    retyped = " ".join(sub.split())
    spans2 = find_spans(text, retyped)
    assert (start, end) in {(s.start, s.end) for s in spans2}
    for s in spans2:
        assert " ".join(text[s.start : s.end].split()) == retyped
    chosen = locate(text, retyped, occurrence=[(s.start, s.end) for s in spans2].index((start, end)) + 1)[0]
    assert text[chosen.start : chosen.end] == sub


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=30))
def test_locate_raises_only_its_own_error(text, evidence):
    try:
        for s in locate(text, evidence, every_copy=True):
            assert " ".join(text[s.start : s.end].split()) == " ".join(evidence.split())
    except LocateError:
        pass


def test_the_whitespace_facts_folding_relies_on_hold_for_this_python():
    # locate._Flat turns every str.isspace() character into a space and finds the rest with
    # isprintable(): both must name the same characters as the regex \s and str.split(), and no
    # whitespace but " " may be printable. A new Unicode version in a new Python could change that.
    import re
    import sys

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    spaces = {ch for ch in every if ch.isspace()}
    assert set(re.findall(r"\s", every)) == spaces
    assert {ch for ch in every if len(f"a{ch}b".split()) == 2} == spaces
    assert {ch for ch in spaces if ch.isprintable()} == {" "}
