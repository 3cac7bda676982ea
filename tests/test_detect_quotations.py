"""detect.quotations: every quotation-mark span; apostrophes are never quote marks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.text.quotations import find_quotations

ARTICLES = REPO / "dataset" / "articles"


def inners(text: str, nested: bool | None = None) -> list[str]:
    return [text[q.inner_start : q.inner_end] for q in find_quotations(text) if nested is None or q.nested == nested]


def test_straight_and_curly_double_quotes():
    text = 'He called it "frank" and “detailed”.'
    assert inners(text) == ["frank", "detailed"]
    first = find_quotations(text)[0]
    assert (text[first.start], text[first.end - 1], first.open_mark, first.close_mark) == ('"', '"', '"', '"')


def test_a_straight_mark_before_a_tag_end_is_markup_left_in_the_page():
    text = '">.@JaneRoe on the deal: "We are close." more text\n'
    assert inners(text) == ["We are close."]


def test_single_quotes_curly_and_straight():
    assert inners("talks after ‘constructive’ video call") == ["constructive"]
    assert inners("vows 'success' in Ukraine, 'stop where they are'") == ["success", "stop where they are"]


def test_apostrophes_are_not_quote_marks():
    text = "the world’s largest; It’s fine, we’re done. The world's; traders’ views; the ’90s"
    assert find_quotations(text) == []


def test_possessive_s_inside_a_single_quotation_still_closes_at_its_mark():
    assert inners("he said ‘the talks’ went well") == ["the talks"]


def test_nested_single_in_double():
    text = "“He called the talks ‘constructive’ and left,” she said."
    assert inners(text, nested=True) == ["constructive"]
    assert inners(text, nested=False) == ["He called the talks ‘constructive’ and left,"]


def test_quotation_wrapped_over_a_line_break():
    assert inners("as “frank and\ndetailed” on social media") == ["frank and\ndetailed"]


def test_news_style_multi_paragraph_quote_ends_each_open_paragraph_at_its_end():
    text = "He said:\n“We will talk.\n“We will meet next week,” he added.\n"
    found = find_quotations(text)
    assert [text[q.inner_start : q.inner_end] for q in found] == ["We will talk.", "We will meet next week,"]
    assert found[0].close_mark == "" and found[0].end == found[0].inner_end
    assert found[1].close_mark == "”"


def test_unclosed_quote_at_the_end_runs_to_its_paragraph_end():
    text = "Intro.\n“Never closed here\nnext paragraph."
    (q,) = find_quotations(text)
    assert text[q.inner_start : q.inner_end] == "Never closed here" and q.close_mark == ""


def test_top_level_single_quote_does_not_cross_a_line_break():
    assert find_quotations("rock ’n’ roll") == []
    assert inners("the '90s\nwere 'fun'") == ["fun"]


ENVOYS = [  # read off the text by hand (the article's body appears twice, first as one paragraph)
    "constructive",
    "This evening, Vice-Premier He Lifeng and I engaged in frank and detailed discussions regarding trade between the United States and China,",
    "We will meet in person next week to continue our discussions.",
    "candid, in-depth and constructive",
    "key issues in bilateral economic and trade relations",
    "[The two sides] … agreed to convene a new round of China-US economic and trade consultations at the earliest opportunity,",
    "He [Lifeng] and I, and a delegation, will meet in Malaysia,",
    "Probably a week from tomorrow to prepare for the two presidents to meet",
    "not sustainable",
    "I think we’re going to be fine with China, but we have to have a fair deal,",
    "It’s got to be fair.",
]


def test_real_article_envoys_both_copies():
    text = (ARTICLES / "us-china-envoys-set-trade-talks.txt").read_text(encoding="utf-8")
    second = text.index("Top US and China envoys", 100)
    assert inners(text[:second]) == ENVOYS
    assert inners(text[second:]) == ENVOYS
    assert inners(text) == ENVOYS + ENVOYS


def test_real_article_bessent_straight_quotes():
    text = (ARTICLES / "bessent-he-talks-set-for-next-week.txt").read_text(encoding="utf-8")
    assert inners(text) == [
        "frank and detailed",
        "frank and detailed",
        "He and I, and a delegation, will meet in Malaysia -- probably a week from tomorrow, to prepare for the two presidents to meet,",
        "I think we're doing very well. I think we're getting along with China,",
        "not sustainable",
        "I think things have de-escalated,",
        "We hope that China will show the respect that we have shown them. And I am confident that President Trump,"
        " because of his relationship with President Xi, will be able to get things back on a good course.",
        "success",
        "stop where they are",
    ]


def test_real_articles_wrapped_and_single_word_quotes():
    agree = (ARTICLES / "china-us-agree-fresh-round-of-talks.txt").read_text(encoding="utf-8")
    assert "frank and\ndetailed" in inners(agree)
    assert "in person next\nweek to continue our discussions" in inners(agree)
    kl = (ARTICLES / "kuala-lumpur-talks-start.txt").read_text(encoding="utf-8")
    assert "framework" in inners(kl)


def test_plural_possessive_inside_a_single_quotation_is_an_apostrophe():
    assert inners("She called it ‘the leaders’ meeting’ on Monday.") == ["the leaders’ meeting"]
    assert inners("He said 'the ministers' talks', not more.") == ["the ministers' talks"]
    # With no other mark to close it, s’ closes the quotation.
    assert inners("he said ‘the talks’ went well") == ["the talks"]


def test_plural_possessives_outside_quotations_are_ignored():
    text = "Before the leaders’ meeting in Busan, the officials’ notes and the states' rights were read."
    assert find_quotations(text) == []


# Each mark of a mixed text, classified by hand: quote marks (by offset of the quoted words) and apostrophes.
MIXED = (
    "Reuters reported the two sides’ “candid, in-depth” talks.\n"
    "“We’re ready for the presidents’ meeting,” Bessent said, calling it ‘decisive’.\n"
    "Analysts’ notes in the ’90s style: 'It's the traders' turn,' one wrote.\n"
)


def test_every_mark_of_a_mixed_text_is_a_quote_mark_or_an_apostrophe():
    assert inners(MIXED) == [
        "candid, in-depth",
        "We’re ready for the presidents’ meeting,",
        "decisive",
        "It's the traders' turn,",
    ]
    used = {i for q in find_quotations(MIXED) for i in (q.start, q.end - 1)}
    apostrophes = {i for i, ch in enumerate(MIXED) if ch in "’'" and i not in used}
    expected = {
        MIXED.index(word) + next(k for k, ch in enumerate(word) if ch in "’'")
        for word in ("sides’", "We’re", "presidents’", "Analysts’", "’90s", "It's", "traders'")
    }
    assert apostrophes == expected


@given(st.text(alphabet=st.sampled_from(list("ab s’‘'\"“”\n.,[")), max_size=80))
def test_spans_are_well_formed_for_any_text(text):
    for q in find_quotations(text):
        assert 0 <= q.start < q.inner_start <= q.inner_end <= q.end <= len(text)
        assert text[q.start] == q.open_mark and q.inner_start == q.start + 1
        if q.close_mark:
            assert text[q.end - 1] == q.close_mark and q.inner_end == q.end - 1
        else:
            assert q.inner_end == q.end
