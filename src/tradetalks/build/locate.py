"""Stage 2, locate: turn verbatim evidence into exact [char_start, char_end) spans of the raw text.

Matching tolerates whitespace only: a run of spaces, tabs or line breaks in the evidence matches
any non-empty run of whitespace in the text (the seeds wrap lines inside quotations). Every other
character must match exactly; typographic variants (’ vs ', “ vs ") are deliberately NOT folded,
so the recorded evidence is always the article's own characters.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from tradetalks.build.errors import LocateError


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range of code points of an article's text."""

    start: int
    end: int


@lru_cache(maxsize=65536)
def _pattern(evidence: str) -> re.Pattern[str]:
    tokens = evidence.split()
    # Lookahead so overlapping occurrences are counted too: ambiguity is never hidden.
    return re.compile("(?=(" + r"\s+".join(re.escape(t) for t in tokens) + "))")


def find_spans(text: str, evidence: str) -> list[Span]:
    """Every span of `text` that equals `evidence` up to whitespace runs, in text order."""
    if not evidence.split():
        return []
    return [Span(m.start(1), m.end(1)) for m in _pattern(evidence).finditer(text)]


def locate(text: str, evidence: str, *, occurrence: int | None = None, every_copy: bool = False) -> list[Span]:
    """The span(s) the evidence denotes; LocateError when absent or ambiguous.

    One span unless `every_copy` (the article repeats the passage and the annotation holds for
    each copy). `occurrence` (1-based) picks one when the evidence appears more than once.
    """
    if not evidence.split():
        raise LocateError("evidence is empty or only whitespace")
    if occurrence is not None and every_copy:
        raise LocateError("give either occurrence or every_copy, not both")
    spans = find_spans(text, evidence)
    if not spans:
        raise LocateError(f"evidence not found in the article text; {closest_match(text, evidence)}")
    if every_copy:
        return spans
    if occurrence is not None:
        if occurrence > len(spans):
            raise LocateError(f"occurrence {occurrence} asked for, but the evidence appears {len(spans)} time(s)")
        return [spans[occurrence - 1]]
    if len(spans) > 1:
        where = ", ".join(str(s.start) for s in spans)
        raise LocateError(
            f"evidence appears {len(spans)} times (at offsets {where}); add `occurrence: N` to pick one,"
            " or `every_copy: true` if it holds for every copy"
        )
    return spans


def closest_match(text: str, evidence: str) -> str:
    """A sentence describing where the text comes closest to the evidence and how it differs."""
    from rapidfuzz import fuzz

    wanted = " ".join(evidence.split())
    flat, index = _flatten(text)
    if not flat:
        return "the article text is empty"
    align = fuzz.partial_ratio_alignment(wanted, flat)
    if align is None or align.score == 0:
        return "nothing in the text comes close"
    # Widen the window a little: partial alignment may trim differing ends.
    lo = max(0, align.dest_start - 2)
    hi = min(len(flat), align.dest_end + 2)
    found = flat[lo:hi]
    matcher = difflib.SequenceMatcher(None, wanted, found, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if blocks:
        # Trim the window to what aligns with the evidence.
        lo, hi = lo + blocks[0].b - blocks[0].a if blocks[0].b >= blocks[0].a else lo, lo + blocks[-1].b + blocks[-1].size
        lo = max(lo, 0)
        found = flat[lo:hi]
        matcher = difflib.SequenceMatcher(None, wanted, found, autojunk=False)
    offset = index[lo] if lo < len(index) else len(text)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            at = index[min(lo + j1, len(index) - 1)]
            return (
                f"closest match at {offset} ({align.score:.0f}% similar) differs at {at} in"
                f" {found[j1:j2]!r} (text) vs {wanted[i1:i2]!r} (evidence); text has {found!r}"
            )
    return f"closest match at {offset}: text has {found!r}"


def _flatten(text: str) -> tuple[str, list[int]]:
    """Text with whitespace runs folded to one space, and each kept character's raw offset."""
    chars: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                index.append(i)
            in_space = True
        else:
            chars.append(ch)
            index.append(i)
            in_space = False
    return "".join(chars), index
