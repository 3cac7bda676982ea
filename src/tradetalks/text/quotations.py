"""Quotation-mark spans of a text: straight "…" and '…', curly “…” and ‘…’, nested, across line breaks.

The rule, mark by mark:
- “ always opens and ” always closes a double quotation; a straight " opens when it stands at a
  word start (after the start of the text, whitespace or opening punctuation) and closes otherwise.
- A single mark (‘ ’ ') between two letters or digits is an apostrophe ("world’s", "It’s"), never a
  quote mark. A single mark opens at a word start (followed by a non-space) and closes after a
  non-space when followed by a non-letter. A closing single mark with no open single quotation
  is a trailing possessive ("traders’ views") and is ignored. Inside an open single quotation, a
  plural possessive (s’ or s' followed by a word: "‘the leaders’ meeting’") is an apostrophe when
  another mark later on the line can close the quotation; otherwise it closes it ("‘the talks’ went").
- A straight " right before > is what a scraped page leaves of markup (`<a href="…">`): no mark.
- Single quotations nest inside double ones (`nested=True`) and vice versa. Top-level single
  quotations never cross a line break: an unmatched opening single mark is far more often a
  stray apostrophe ("’90s") than a quotation wrapped over lines.
- Unclosed double quotations: news style opens every paragraph of a multi-paragraph quote but
  closes only the last. A double opening mark met while a double quotation is still open ends the
  earlier one at the end of its paragraph (its line); so does the end of the text. Such spans
  have `close_mark == ""` and `end == inner_end`. Unclosed single quotations are dropped.
Nothing here raises: any string gives a (possibly empty) list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOUBLE_OPEN, DOUBLE_CLOSE, SINGLE_OPEN = "“", "”", "‘"
# The only characters the scan acts on: the marks and line breaks (the rest is skipped in C).
_STOPS = re.compile("[\n“”‘’\"']")
# What may stand right before an opening mark besides whitespace.
OPENING_PUNCT = frozenset("([{<—–-/“‘\"'")


@dataclass(frozen=True, order=True)
class Quotation:
    """One quotation: marks at `start` and `end - 1`; the quoted words in [inner_start, inner_end)."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    open_mark: str
    close_mark: str
    nested: bool


@dataclass(frozen=True)
class _Open:
    pos: int
    mark: str
    double: bool


def find_quotations(text: str) -> list[Quotation]:
    """Every quotation-mark span of `text`, sorted by start."""
    found: list[Quotation] = []
    stack: list[_Open] = []
    for stop in _STOPS.finditer(text):
        i, ch = stop.start(), stop.group()
        if ch == "\n":
            # A top-level single quotation never crosses a line break (see module docstring).
            if stack and not stack[0].double:
                stack.clear()
            continue
        role = _role(text, i)
        double = ch in '“”"'
        if role == "close":
            # Close the innermost open quotation of the same kind; inner unclosed ones are dropped.
            k = next((k for k in range(len(stack) - 1, -1, -1) if stack[k].double == double), None)
            if k is None:
                continue
            if not double and _plural_possessive(text, i) and _later_close(text, i):
                continue  # "the leaders’ meeting’": the first mark is an apostrophe
            opened = stack[k]
            del stack[k:]
            found.append(Quotation(opened.pos, i + 1, opened.pos + 1, i, opened.mark, ch, bool(stack)))
        elif role == "open":
            if double:
                k = next((k for k, o in enumerate(stack) if o.double), None)
                if k is not None:
                    # News style: the earlier paragraph's quote is left open; end it at its paragraph end.
                    found.append(_unclosed(text, stack[k], bool(stack[:k]), limit=i))
                    del stack[k:]
            stack.append(_Open(i, ch, double))
    for k, opened in enumerate(stack):
        if opened.double:
            found.append(_unclosed(text, opened, k > 0, limit=len(text)))
            break
    return sorted(found)


def _role(text: str, i: int) -> str | None:
    """'open', 'close' or None (an apostrophe, or a mark with space on both sides)."""
    ch = text[i]
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch == DOUBLE_OPEN:
        return "open"
    if ch == DOUBLE_CLOSE:
        return "close"
    at_word_start = before.isspace() or before in OPENING_PUNCT
    if ch == '"':
        if after == ">":
            return None  # `">`: the end of a markup attribute left in a scraped page, not a quotation mark
        if at_word_start and not after.isspace():
            return "open"
        return "close" if not before.isspace() else None
    # Single marks: between letters or digits it is an apostrophe.
    if before.isalnum() and after.isalnum():
        return None
    if after.isspace():
        # Only a closing mark may be followed by a space.
        return "close" if ch != SINGLE_OPEN and not before.isspace() else None
    if ch == SINGLE_OPEN or (ch == "'" and at_word_start):
        return "open"
    # ’ or ' after a word, before punctuation: closing (a leading ’ as in "’90s" is neither).
    return "close" if not before.isspace() and not after.isalpha() else None


def _plural_possessive(text: str, i: int) -> bool:
    """s’ or s' followed by a space and a word ("leaders’ meeting"): possibly an apostrophe."""
    return text[i - 1 : i] in ("s", "S") and text[i + 1 : i + 2] == " " and text[i + 2 : i + 3].isalpha()


def _later_close(text: str, i: int) -> bool:
    """Whether a single mark later on the same line can close the quotation instead."""
    end = text.find("\n", i)
    end = len(text) if end == -1 else end
    for j in range(i + 1, end):
        if text[j] not in "‘’'":
            continue
        role = _role(text, j)
        if role == "open":
            return False  # a later mark opens another quotation: this one closes here
        if role == "close" and not _plural_possessive(text, j):
            return True
    return False


def _unclosed(text: str, opened: _Open, nested: bool, limit: int) -> Quotation:
    """A quotation left open: it runs to the end of its paragraph (line), never past `limit`."""
    end = text.find("\n", opened.pos, limit)
    end = limit if end == -1 else end
    while end > opened.pos + 1 and text[end - 1].isspace():
        end -= 1
    return Quotation(opened.pos, end, opened.pos + 1, end, opened.mark, "", nested)
