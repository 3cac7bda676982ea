"""Quote groups: the same words reported by several articles, matched after normalisation.

Normalisation: curly quote marks become straight ones, dashes and hyphens become spaces
("in-person" = "in person"), case is folded, whitespace runs collapse to one space, and
punctuation and quote marks at either end are stripped ("possible." = "possible").

Grouping: quotes with equal normalised texts share a group. Two different normalised texts are
linked when rapidfuzz `fuzz.ratio` >= `threshold` (default 90.0: one inserted comma in
"candid, in-depth, and constructive" scores 98.5 against "candid, in-depth and constructive",
while "frank and detailed" scores 75 against "frank and detailed discussions"). Groups are the
connected components of these links, so they do not depend on input order (a long chain of
near matches could join two quotes that differ more than the threshold; at 90 none does here).
Candidates for a near match are the texts that share their first three, middle three or last
three normalised words, punctuation aside ("depth," = "depth"); texts of up to eight words also
share blocks by their first two and last two words among texts of the same length band (blocking;
`BLOCK_WORDS`, `SHORT_WORDS`; bands are `stretch` wide, see `_block_key`). Within a block, texts
whose lengths cannot reach the threshold are never compared.
Texts >= 90% alike differ by a few characters, so they almost always share a block: in a text
of nine or more words a one-word edit touches at most one of the three places (a test checks
it). Blocking keeps grouping near-linear in the corpus size instead of comparing every pair
(with first/last-two-word blocks only, 500,000 synthetic quotes took 23 s: blocks grew with the corpus).

Only whole texts are compared: a quote that is a fragment of another article's longer quote
("frank and detailed" inside "… engaged in frank and detailed discussions …") gets its own group,
because a fragment may be the reporter's paraphrase rather than the same quotation.

Group ids never move once published: a group that holds a text of the previous release keeps
that release's id for it (`previous`: normalised text -> id). When new quotes join two published
groups, the merged group keeps the smaller id and the other is recorded as merged into it; when a
published group splits, the part holding its smallest published text keeps the id. A group new
since the previous release takes "qg_" + sha256 of its smallest normalised text.
"""

from __future__ import annotations

import hashlib
import math
import re
import string
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    import polars as pl

DEFAULT_THRESHOLD = 90.0
BLOCK_WORDS = 3
SHORT_WORDS = 8
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"})
_DASHES = re.compile(r"[-‐‑‒–—―−]")
_ENDS = string.punctuation + string.whitespace + "…«»"


def normalise(text: str) -> str:
    """The text compared across articles (see the module docstring)."""
    text = _DASHES.sub(" ", text.translate(_QUOTES)).casefold()
    return " ".join(text.split()).strip(_ENDS)


def group_quotes(quotes: list[tuple[str, str, str]], threshold: float = DEFAULT_THRESHOLD) -> dict[str, str]:
    """quote_id -> quote_group_id for every (quote_id, article_id, text); singleton groups included."""
    groups = group_texts({text for _quote_id, _article_id, text in quotes}, threshold)
    return {quote_id: groups[text] for quote_id, _article_id, text in quotes}


def group_texts(texts: Iterable[str], threshold: float = DEFAULT_THRESHOLD) -> dict[str, str]:
    """quote text -> quote_group_id for every distinct text (no previous release)."""
    return stable_groups(texts, {}, threshold)[0]


def stable_groups(texts: Iterable[str], previous: dict[str, str], threshold: float = DEFAULT_THRESHOLD) -> tuple[dict[str, str], dict[str, list[str]]]:
    """quote text -> quote_group_id, keeping the ids of `previous` (normalised text -> id), and
    quote_group_id -> the published ids merged into it.

    The reference implementation, one text at a time; `group_frame` gives the same answer for a
    large corpus (a test compares them)."""
    # Load inputs: one node per distinct normalised text.
    norm = {text: normalise(text) for text in texts}
    nodes = sorted(set(norm.values()))
    components = _Components()
    root, link = components.root, components.link

    # fuzz.ratio = 100 * (1 - indel / (len a + len b)) and indel >= |len a - len b|: texts whose
    # lengths differ by more than this factor never reach the threshold.
    f = 1 - threshold / 100
    stretch = (1 + f) / (1 - f) if f < 1 else math.inf

    # Process: link near matches within each block; the smallest text of a component is its root.
    # One kind of block key at a time, so only one kind's blocks are in memory.
    # Punctuation does not count in block keys ("depth," = "depth"): an inserted comma never splits a block.
    words_of = [" ".join(w for w in (w.strip(_ENDS) for w in t.split()) if w) for t in nodes]
    for kind in _KEY_KINDS:
        blocks: dict[str, list[str]] = defaultdict(list)
        for t, words in zip(nodes, words_of, strict=True):
            key = _block_key(t, words.split(" "), kind, stretch)
            if key is not None:
                blocks[key].append(t)
        for block in blocks.values():
            _compare_block(block, threshold, link)
        del blocks

    # Ids: a published id stays with its group; smallest texts first, so a split is decided the same way every time.
    members: dict[str, list[str]] = defaultdict(list)
    for t in nodes:
        members[root(t)].append(t)
    ids, merges = _decide_ids(members, previous)
    return {text: ids[root(t)] for text, t in norm.items()}, merges


def _decide_ids(members: dict[str, list[str]], previous: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each group's id (by its root, the smallest text) and the published ids merged into it.

    A published id stays with its group; smallest texts first, so a split is decided the same way every time.
    """
    taken: set[str] = set()
    published_ids = set(previous.values())
    ids: dict[str, str] = {}
    merges: dict[str, list[str]] = {}
    for r in sorted(members):
        published = sorted({previous[t] for t in members[r] if t in previous} - taken)
        gid = published[0] if published else _group_id(r)
        if gid in taken or (not published and gid in published_ids):
            gid = _group_id("\n".join(members[r]))  # a new part of a split group whose own key was published
        taken.update(published or [gid])
        ids[r] = gid
        if len(published) > 1:
            merges[gid] = published[1:]
    return ids, merges


_KEY_KINDS = ("first", "middle", "last", "first2", "last2")


def _block_key(text: str, words: list[str], kind: str, stretch: float) -> str | None:
    """The text's block key of one kind (see the module docstring), or None when it has none."""
    n, mid = BLOCK_WORDS, max(0, (len(words) - BLOCK_WORDS) // 2)
    if kind == "first":
        return " ".join(words[:n])
    if kind == "middle":
        return " ".join(words[mid : mid + n])
    if kind == "last":
        return " ".join(words[-n:])
    if len(words) > SHORT_WORDS:
        return None
    # Short texts: the first or last two words, within a length band `stretch` wide. Only texts of
    # the same band share such a block: a near match across a band boundary is found only when the
    # two texts share three words at the start, middle or end.
    band = math.floor(math.log(max(len(text), 1)) / math.log(stretch)) if stretch > 1 else 0
    two = " ".join(words[:2]) if kind == "first2" else " ".join(words[-2:])
    return f"{two}\x00{band}"


def _group_id(key: str) -> str:
    return "qg_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def group_id(normalised: str) -> str:
    """The id of a group new since the previous release whose smallest normalised text is `normalised`."""
    return _group_id(normalised)


class _Components:
    """Union-find over texts: the root of a component is its smallest text."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}  # texts never linked are their own root, and absent

    def root(self, t: str) -> str:
        parent = self.parent
        while parent.get(t, t) != t:
            parent[t] = parent.get(parent[t], parent[t])
            t = parent[t]
        return t

    def link(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_links(nodes: pl.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> set[tuple[str, str]]:
    """The near-duplicate pairs (a, b), a < b, among the distinct texts of `nodes` (`norm`): every
    pair that shares a block and scores at least `threshold`."""
    nodes = nodes.select("norm").unique().sort("norm")
    f = 1 - threshold / 100
    stretch = (1 + f) / (1 - f) if f < 1 else math.inf
    keyed = _keys(nodes, stretch)
    pairs: set[tuple[str, str]] = set()
    for kind in range(len(_KEY_KINDS)) if keyed.height else ():
        for a, b in _compare(_blocks(keyed, kind, stretch), threshold):
            if a != b:
                pairs.add((a, b) if a < b else (b, a))
    return pairs


class _Blocks(NamedTuple):
    """One kind's blocks, to compare (`_blocks`)."""

    texts: list[str]  # the texts of all blocks one after the other, each block's by length
    ahead: list[int]  # for each, how many of the texts after it to compare it with (those whose length can reach the threshold)


def _compare(blocks: _Blocks, threshold: float) -> list[tuple[str, str]]:
    """The pairs (a, b) scoring at least `threshold`, for each text a and the texts b after it in its block it may match."""
    texts, pairs = blocks.texts, []
    for i, after in enumerate(blocks.ahead):
        if after:
            for b, _score, _j in process.extract(texts[i], texts[i + 1 : i + 1 + after], scorer=fuzz.ratio, score_cutoff=threshold, limit=None):
                pairs.append((texts[i], b))
    return pairs


def _compare_block(block: list[str], threshold: float, found: Callable[[str, str], None]) -> None:
    """Call `found(a, b)` for every pair of the block scoring at least `threshold`."""
    for i, a in enumerate(block[:-1]):
        for b, _score, _j in process.extract(a, block[i + 1 :], scorer=fuzz.ratio, score_cutoff=threshold, limit=None):
            found(a, b)


def group_frame(nodes: pl.DataFrame, previous: dict[str, str], threshold: float = DEFAULT_THRESHOLD) -> tuple[dict[str, str], dict[str, list[str]]]:
    """`stable_groups` for a corpus: `nodes` has the distinct normalised texts (`norm`) and their `group_id(norm)` (`norm_gid`).

    Returns the normalised texts whose group id is not their own `norm_gid` (they joined a group,
    or keep a published id) mapped to their id, and the merges. Block keys are computed by Polars
    and only the blocks of two or more texts are compared (`find_links`); the ids of the texts that stay alone are the `norm_gid`
    given, computed where the quotes were (per article, cached). Where a collision of ids would
    make order matter, the reference implementation decides.
    """
    import polars as pl

    nodes = nodes.unique("norm")  # in any order: nothing below depends on it
    components = _Components()
    root, link, parent = components.root, components.link, components.parent
    for a, b in sorted(find_links(nodes, threshold)):
        link(a, b)

    # The texts whose id needs deciding: those in a group of two or more, and the published ones.
    members: dict[str, list[str]] = defaultdict(list)
    for t in sorted(set(parent) | set(parent.values()) | (set(previous) & set(nodes["norm"].to_list()) if previous else set())):
        members[root(t)].append(t)
    ids, merges = _decide_ids(members, previous)
    published_ids = set(previous.values())
    special = {t: ids[r] for r, ts in members.items() for t in ts}
    alone = nodes.filter(~pl.col("norm").is_in(pl.Series(list(special), dtype=pl.String).implode()))["norm_gid"]
    # Order matters only when two ids collide (or one is a published id): then decide one text at a time.
    if alone.n_unique() != alone.len() or alone.is_in(pl.Series(sorted(published_ids | set(ids.values())), dtype=pl.String).implode()).any():
        exact, merges = stable_groups(nodes["norm"].to_list(), previous, threshold)
        own = dict(zip(nodes["norm"].to_list(), nodes["norm_gid"].to_list(), strict=True))
        return {t: g for t, g in exact.items() if g != own[t]}, merges
    return {t: g for t, g in special.items() if g != _group_id(t)}, merges


def _keys(nodes: pl.DataFrame, stretch: float) -> pl.DataFrame:
    """Every block key of every text of `nodes` (`norm`): rows (norm, kind, key), `kind` the index
    of the key's kind in `_KEY_KINDS` (the same keys as `_block_key`)."""
    import polars as pl

    ends = _ENDS
    lengths = nodes["norm"].str.len_chars().unique().to_list()
    bands = {n: (math.floor(math.log(max(n, 1)) / math.log(stretch)) if stretch > 1 else 0) for n in lengths}
    # The words in a column of their own: an expression used twice in one `select` is computed twice.
    # A text without words has the key "" of each kind (an empty list joins to "").
    frame = nodes.select(
        "norm",
        pl.col("norm").str.split(" ").list.eval(pl.element().str.strip_chars(ends)).list.filter(pl.element() != "").alias("words"),
        pl.col("norm").str.len_chars().replace_strict(bands, return_dtype=pl.Int64).cast(pl.String).alias("band"),
    ).with_columns(pl.col("words").list.len().cast(pl.Int64).alias("n"))
    n, mid = BLOCK_WORDS, pl.max_horizontal(pl.lit(0), (pl.col("n") - BLOCK_WORDS) // 2)
    short = pl.col("n") <= SHORT_WORDS
    keys = {
        "first": pl.col("words").list.head(n).list.join(" "),
        "middle": pl.col("words").list.slice(mid, n).list.join(" "),
        "last": pl.col("words").list.tail(n).list.join(" "),
        "first2": pl.when(short).then(pl.col("words").list.head(2).list.join(" ") + "\x00" + pl.col("band")),
        "last2": pl.when(short).then(pl.col("words").list.tail(2).list.join(" ") + "\x00" + pl.col("band")),
    }
    schema = {"norm": pl.String, "kind": pl.Int8, "key": pl.String}
    return pl.concat(
        [pl.DataFrame(schema=schema)]
        + [frame.select("norm", pl.lit(i, dtype=pl.Int8).alias("kind"), keys[kind].alias("key")).drop_nulls("key") for i, kind in enumerate(_KEY_KINDS)],
        how="vertical",
    )


def _blocks(keyed: pl.DataFrame, kind: int, stretch: float) -> _Blocks:
    """One kind's blocks of two or more texts from `_keys`, for `_compare`: each text is compared
    with the texts after it in its block whose lengths can reach the threshold (each pair once)."""
    import polars as pl

    frame = (
        keyed.filter(pl.col("kind") == kind)
        .select("norm", "key")
        .filter(pl.col("key").is_duplicated())
        .with_columns(pl.col("norm").str.len_chars().cast(pl.Int64).alias("length"))
        .sort("key", "length")  # texts of one length in any order: each pair is compared all the same
        .select("norm", "length", pl.col("key").rle_id().cast(pl.Int64).alias("block"))
    )
    # fuzz.ratio <= 200 * shorter / (shorter + longer) (indel >= the length difference): a text
    # longer than `reach` (one character more for rounding) cannot reach the threshold.
    if math.isfinite(stretch):
        frame = frame.with_columns((pl.col("length") * max(stretch, 1.0) + 1).floor().cast(pl.Int64).alias("reach"))
    else:
        frame = frame.with_columns(pl.col("length").max().alias("reach"))
    # Block and length in one sorted number: a binary search finds where each text's reach ends in its block.
    span = (frame.select(pl.col("reach").max()).item() or 0) + 1
    at, top = frame["block"] * span + frame["length"], frame["block"] * span + frame["reach"]
    i = pl.int_range(pl.len(), dtype=pl.Int64)
    ahead = frame.select((at.search_sorted(top, side="right").cast(pl.Int64) - i - 1).alias("ahead"))["ahead"]
    return _Blocks(frame["norm"].to_list(), ahead.to_list())
