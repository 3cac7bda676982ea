"""detect.groups: the same quotation across articles, matched after normalisation; ids from natural keys."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tradetalks.text.groups import group_quotes, normalise, stable_groups


def test_normalise_folds_quotes_dashes_case_and_end_punctuation():
    assert normalise("  “We will meet in-person\nnext week.”  ") == "we will meet in person next week"
    assert normalise("as soon as possible.") == normalise("As soon as possible")
    assert normalise("it’s") == normalise("it's")


def test_near_matches_join_and_fragments_do_not():
    groups = group_quotes(
        [
            ("q1", "a", "candid, in-depth and constructive"),
            ("q2", "b", "candid, in-depth, and constructive"),
            ("q3", "c", "in person"),
            ("q4", "d", "in-person"),
            ("q5", "e", "frank and detailed"),
            ("q6", "f", "This evening, Vice-Premier He Lifeng and I engaged in frank and detailed discussions"),
        ]
    )
    assert groups["q1"] == groups["q2"]
    assert groups["q3"] == groups["q4"]
    assert len({groups["q1"], groups["q3"], groups["q5"], groups["q6"]}) == 4


def test_group_id_is_the_hash_of_the_smallest_normalised_text():
    groups = group_quotes([("q1", "a", "candid, in-depth, and constructive"), ("q2", "b", "Candid, in-depth and constructive")])
    key = min(normalise("candid, in-depth, and constructive"), normalise("Candid, in-depth and constructive"))
    assert groups == {"q1": "qg_" + hashlib.sha256(key.encode()).hexdigest()[:12], "q2": groups["q1"]}


def test_threshold_is_respected():
    quotes = [("q1", "a", "not sustainable"), ("q2", "b", "not sustainable at all")]
    assert len(set(group_quotes(quotes).values())) == 2
    assert len(set(group_quotes(quotes, threshold=70).values())) == 1


words = st.sampled_from(["frank", "and", "detailed", "in-depth", "candid,", "constructive", "“", "”", "In", "person"])
quote_texts = st.lists(words, min_size=1, max_size=6).map(" ".join)


@given(st.lists(quote_texts, max_size=12), st.randoms())
def test_every_quote_gets_a_group_independent_of_input_order(texts, rnd):
    quotes = [(f"q{i}", f"a{i % 3}", t) for i, t in enumerate(texts)]
    groups = group_quotes(quotes)
    assert set(groups) == {q for q, _, _ in quotes}
    assert all(g.startswith("qg_") and len(g) == 15 for g in groups.values())
    shuffled = list(quotes)
    rnd.shuffle(shuffled)
    assert group_quotes(shuffled) == groups
    # Equal normalised texts always share a group.
    for q1, _, t1 in quotes:
        for q2, _, t2 in quotes:
            if normalise(t1) == normalise(t2):
                assert groups[q1] == groups[q2]


long_words = st.sampled_from("we will hold talks on trade rare earth export controls and tariffs next week in person".split())


@given(st.lists(long_words, min_size=9, max_size=20), st.data())
def test_one_word_edit_is_always_compared_whatever_its_position(base, data):
    """Blocking never hides a one-word edit from the comparison: in a text of nine or more words an
    edit touches at most one of the first, middle and last three words, so the pair shares a block."""
    from rapidfuzz import fuzz

    i = data.draw(st.integers(0, len(base) - 1), label="edited word")
    edit = data.draw(st.sampled_from(["insert", "delete", "replace", "split"]), label="edit")
    word = base[i]
    new = {"insert": word + "s", "delete": word[1:] or "x", "replace": "x" + word[1:], "split": word[:1] + " " + word[1:]}[edit]
    a, b = " ".join(base), " ".join([*base[:i], new, *base[i + 1 :]])
    groups = group_quotes([("q1", "a", a), ("q2", "b", b)])
    alike = normalise(a) == normalise(b) or fuzz.ratio(normalise(a), normalise(b)) >= 90
    assert (groups["q1"] == groups["q2"]) == alike


# The corpus-scale grouping (Polars block keys, ids decided only where groups form) against the
# reference implementation, one text at a time.
_WORDS = ["we", "will", "meet", "in", "person", "next", "week", "tariffs", "“fair”", "deal,", "—", "rare-earth", "…", "trade", "talks", "Xi", "ß"]


def _frame_answer(texts: list[str], previous: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    import polars as pl

    from tradetalks.text.groups import group_frame, group_id

    norms = [normalise(t) for t in texts]
    nodes = pl.DataFrame({"norm": norms, "norm_gid": [group_id(n) for n in norms]}, schema={"norm": pl.String, "norm_gid": pl.String})
    joined, merges = group_frame(nodes, previous)
    return {t: joined.get(n, group_id(n)) for t, n in zip(texts, norms, strict=True)}, merges


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_WORDS), min_size=0, max_size=14).map(" ".join), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["qg_aaaaaaaaaaaa", "qg_bbbbbbbbbbbb", "qg_cccccccccccc"])), max_size=6),
    st.data(),
)
def test_corpus_grouping_equals_the_reference(texts: list[str], published: list[tuple[int, str]], data) -> None:  # noqa: ANN001
    # Near duplicates: a copy of some texts with one character changed.
    for i in data.draw(st.lists(st.integers(0, len(texts) - 1), max_size=8)):
        t = texts[i]
        if t:
            j = data.draw(st.integers(0, len(t) - 1))
            texts.append(t[:j] + data.draw(st.sampled_from(["x", ",", " ", ""])) + t[j + 1 :])
    previous = {normalise(texts[i % len(texts)]): gid for i, gid in published}
    assert _frame_answer(texts, previous) == stable_groups(texts, previous)


def test_corpus_grouping_falls_back_to_the_reference_on_an_id_collision() -> None:
    # A text that stays alone but whose own id is a published id of another group.
    from tradetalks.text.groups import group_id

    texts = ["frank and detailed", "constructive talks", "constructive talks!"]
    previous = {normalise("constructive talks"): group_id(normalise("frank and detailed"))}
    assert _frame_answer(texts, previous) == stable_groups(texts, previous)


def _reference_links(texts: list[str], threshold: float) -> set[tuple[str, str]]:
    """Every pair of distinct normalised texts that share a block key and score at least `threshold`, one pair at a time."""
    import itertools
    import math

    from rapidfuzz import fuzz

    from tradetalks.text.groups import _ENDS, _KEY_KINDS, _block_key

    f = 1 - threshold / 100
    stretch = (1 + f) / (1 - f) if f < 1 else math.inf
    nodes = sorted({normalise(t) for t in texts})
    words = {t: [w for w in (w.strip(_ENDS) for w in t.split(" ")) if w] for t in nodes}
    pairs = set()
    for kind in _KEY_KINDS:
        for a, b in itertools.combinations(nodes, 2):
            key = _block_key(a, words[a], kind, stretch)
            if key is not None and key == _block_key(b, words[b], kind, stretch) and fuzz.ratio(a, b) >= threshold:
                pairs.add((a, b))
    return pairs


def _links(texts: list[str], threshold: float) -> set[tuple[str, str]]:
    import polars as pl

    from tradetalks.text.groups import find_links

    return find_links(pl.DataFrame({"norm": [normalise(t) for t in texts]}, schema={"norm": pl.String}), threshold)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_WORDS), min_size=0, max_size=12).map(" ".join), min_size=1, max_size=30),
    st.sampled_from([0.0, 40.0, 75.0, 90.0, 97.5, 100.0]),
    st.data(),
)
def test_links_are_every_pair_of_a_block_at_the_threshold(texts: list[str], threshold: float, data) -> None:  # noqa: ANN001
    """Texts whose lengths cannot reach the threshold are skipped, and no others, whatever the threshold."""
    for i in data.draw(st.lists(st.integers(0, len(texts) - 1), max_size=10)):
        t = texts[i]
        j = data.draw(st.integers(0, len(t)))
        texts.append(t[:j] + data.draw(st.sampled_from(["x", "xx", "xxxx", ",", " ", ""])) + t[j + 1 :])
    assert _links(texts, threshold) == _reference_links(texts, threshold)


_CORPUS = [
    " ".join(w)
    for w in [
        ["we", "will", "hold", "talks", "on", "trade", "next", "week"],
        ["we", "will", "hold", "talks", "on", "rare", "earth", "export", "controls"],
        ["we", "will", "meet", "in", "person", "next", "week", "to", "discuss", "tariffs"],
    ]
]


def _near_copies() -> list[str]:
    """Texts sharing blocks, some of them near copies of each other."""
    texts = []
    for i, t in enumerate(_CORPUS * 20):
        cut = (7 * i) % len(t)
        texts.append(t[:cut] + "xyz"[i % 3] * (i % 4) + t[cut + 1 :])
    return texts
