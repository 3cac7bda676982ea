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
share blocks by their first two and last two words (blocking; `BLOCK_WORDS`, `SHORT_WORDS`).
Texts >= 90% alike differ by a few characters, so they almost always share a block: in a text
of nine or more words a one-word edit touches at most one of the three places (a test checks
it). Blocking keeps grouping near-linear in the corpus size instead of comparing every pair
(with first/last-two-word blocks only, 500,000 synthetic quotes took 23 s: blocks grew with the corpus).

Only whole texts are compared: a quote that is a fragment of another article's longer quote
("frank and detailed" inside "… engaged in frank and detailed discussions …") gets its own group,
because a fragment may be the reporter's paraphrase rather than the same quotation.

Group ids come from the natural key: "qg_" + sha256 of the smallest normalised text in the group.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process

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
    # Load inputs: one node per distinct normalised text.
    norm = {quote_id: normalise(text) for quote_id, _article_id, text in quotes}
    texts = sorted(set(norm.values()))
    parent = {t: t for t in texts}

    def root(t: str) -> str:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    blocks: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for t in texts:
        for key in _block_keys(t):
            blocks[key].append(t)

    # Process: link near matches within each block; the smallest text of a component is its root.
    # Small blocks: one rapidfuzz call per text; large ones: scored all-against-all in C on every
    # core, a slice of rows at a time (bounded memory).
    def link(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for members in blocks.values():
        if len(members) < 256:
            for i, a in enumerate(members[:-1]):
                for b, _score, _j in process.extract(a, members[i + 1 :], scorer=fuzz.ratio, score_cutoff=threshold, limit=None):
                    link(a, b)
            continue
        for start in range(0, len(members), 512):
            scores = process.cdist(members[start : start + 512], members, scorer=fuzz.ratio, score_cutoff=threshold, workers=-1)
            for i, j in zip(*np.nonzero(scores)):
                link(members[start + i], members[j])
    return {quote_id: _group_id(root(t)) for quote_id, t in norm.items()}


def _block_keys(text: str) -> set[tuple[str, ...]]:
    # Punctuation does not count here ("depth," = "depth"): an inserted comma never splits a block.
    words = [w for w in (w.strip(_ENDS) for w in text.split()) if w]
    n, mid = BLOCK_WORDS, max(0, (len(words) - BLOCK_WORDS) // 2)
    keys = {("^", *words[:n]), ("|", *words[mid : mid + n]), ("$", *words[-n:])}
    if len(words) <= SHORT_WORDS:
        keys |= {("^2", *words[:2]), ("$2", *words[-2:])}
    return keys


def _group_id(key: str) -> str:
    return "qg_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
