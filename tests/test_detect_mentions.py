"""detect.mentions: exact alias occurrences at word boundaries; longest alias wins; ambiguous ones set aside."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.text.mentions import Mention, find_mentions

ALIASES = {"Scott Bessent": "scott-bessent", "Bessent": "scott-bessent", "He Lifeng": "he-lifeng"}
AMBIGUOUS = {"He": "he-lifeng"}


def surfaces(mentions: list[Mention]) -> list[str]:
    return [m.surface for m in mentions]


def test_longest_alias_wins():
    text = "Scott Bessent met He Lifeng. Bessent said He was candid."
    found, undecided = find_mentions(text, ALIASES, AMBIGUOUS)
    assert surfaces(found) == ["Scott Bessent", "He Lifeng", "Bessent"]
    assert [(m.start, m.surface) for m in undecided] == [(text.index("He was"), "He")]
    assert all(text[m.start : m.end] == m.surface for m in found + undecided)


def test_word_boundaries_are_unicode_aware():
    text = "Bessentová, Bessents, XBessent, He’s, Hello, Heavey, (He), Bessent’s"
    found, undecided = find_mentions(text, ALIASES, AMBIGUOUS)
    assert [(m.surface, text[m.end : m.end + 1]) for m in found] == [("Bessent", "’")]
    assert [text[m.start : m.end + 1] for m in undecided] == ["He’", "He)"]


def test_case_sensitive():
    found, undecided = find_mentions("he said bessent and BESSENT", ALIASES, AMBIGUOUS)
    assert found == [] and undecided == []


def test_overlap_at_different_starts_keeps_the_longer():
    found, _ = find_mentions("Vice Premier He Lifeng", {"Vice Premier": "x", "Premier He Lifeng": "he-lifeng"}, {})
    assert surfaces(found) == ["Premier He Lifeng"]


def test_a_surface_listed_as_ambiguous_is_never_resolved_alone():
    found, undecided = find_mentions("He spoke.", {"He": "he-lifeng"}, {"He": "he-lifeng"})
    assert found == [] and surfaces(undecided) == ["He"]


def test_real_article():
    text = (REPO / "dataset/articles/bessent-he-talks-set-for-next-week.txt").read_text(encoding="utf-8")
    found, undecided = find_mentions(text, ALIASES, AMBIGUOUS)
    assert surfaces(found)[:3] == ["Scott Bessent", "He Lifeng", "Bessent"]
    # Read off the text: the six whole-word "He" not followed by "Lifeng", with the word after each.
    assert [text[m.start :].split()[1] for m in undecided] == ["as", "on", "as", "and", "also", "previously"]


names = st.sampled_from(["He", "He Lifeng", "Bessent", "Scott Bessent", "Xi"])


@given(st.lists(st.one_of(names, st.sampled_from([" ", "’s ", ". ", "x", "é", "\n"])), max_size=30))
def test_mentions_slice_back_and_never_overlap(parts):
    text = "".join(parts)
    found, undecided = find_mentions(text, {**ALIASES, "Xi": "xi-jinping"}, AMBIGUOUS)
    spans = sorted(found + undecided)
    assert all(text[m.start : m.end] == m.surface for m in spans)
    assert all(a.end <= b.start for a, b in pairwise(spans))
    assert all(m.surface not in AMBIGUOUS for m in found) and all(m.surface in AMBIGUOUS for m in undecided)


def _reference_starts(text: str, aliases: list[str]) -> list[tuple[int, str]]:
    """The rule written plainly: at every position, the longest alias there that no letter or digit touches."""
    out = []
    for i in range(len(text)):
        if i > 0 and text[i - 1].isalnum():
            continue
        for alias in sorted(aliases, key=lambda a: (-len(a), a)):
            after = i + len(alias)
            if text.startswith(alias, i) and not (after < len(text) and text[after].isalnum()):
                out.append((i, alias))
                break
    return out


# Aliases that share first characters, nest, start or end with punctuation, or hold letters
# that \w treats as letters ("é", "Ж") — the two-pattern search must find what the plain rule finds.
odd_aliases = st.lists(st.sampled_from(["He", "He Lifeng", "Hé", "Ж", "-Xi", "Xi-", "]Li", "^Wang", "Wang Yi", "Yi", "\\Q"]), min_size=1, unique=True)
odd_texts = st.lists(
    st.sampled_from(["He", "Lifeng", "Hé", "Ж", "-", "Xi", "]", "Li", "^", "Wang", "Yi", "\\", "Q", " ", "\n", "x", "é", "_", "1"]), max_size=25
)


@given(odd_aliases, odd_texts)
def test_every_start_is_found_as_the_plain_rule_finds_it(aliases, parts):
    text = "".join(parts)
    found, undecided = find_mentions(text, {a: f"p{i}" for i, a in enumerate(aliases)}, {})
    assert not undecided
    # Overlaps settled as the module says: longest first, then leftmost; a taken character is never matched again.
    taken: set[int] = set()
    expected = []
    for i, alias in sorted(_reference_starts(text, aliases), key=lambda c: (-len(c[1]), c[0], c[1])):
        if not taken & set(range(i, i + len(alias))):
            taken |= set(range(i, i + len(alias)))
            expected.append((i, alias))
    assert [(m.start, m.surface) for m in found] == sorted(expected)
