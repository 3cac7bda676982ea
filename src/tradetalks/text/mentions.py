"""Alias mentions: every occurrence of a registered person's alias, matched exactly.

The rule: an alias matches case-sensitively where it is not glued to a letter or digit on either
side (Unicode-aware, so "Bessent" is not found in "Bessentová" and "He" is found in "He’s").
Where occurrences overlap, the longest alias wins ("He Lifeng" over "He", "Scott Bessent" over
"Bessent"); among equally long ones, the earlier start wins. An ambiguous alias ("He", also a
pronoun) is never resolved here: its uncovered occurrences are returned separately for a person
to decide. If a surface form is both a plain and an ambiguous alias, it is treated as ambiguous.
Invisible (format) characters a web page left inside a name ("Bes\u200bsent") do not hide it: the
mention's span holds them, and its surface is the alias.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, order=True)
class Mention:
    """One alias occurrence: text[start:end] is the alias `surface` (with any invisible characters the text holds inside it)."""

    start: int
    end: int
    surface: str
    person_id: str


def find_mentions(text: str, aliases: Mapping[str, str], ambiguous: Mapping[str, str]) -> tuple[list[Mention], list[Mention]]:
    """(mentions of plain aliases, occurrences of ambiguous aliases needing a decision), each by start."""
    # Every start position with the longest alias that matches there (a shorter one at the same
    # start would lose to it anyway), overlapping starts included.
    matcher = _matcher(tuple(aliases.items()), tuple(ambiguous.items()), _invisible_in(text))
    candidates: list[tuple[Mention, bool]] = []
    if matcher is not None:
        table, starts, longest = matcher
        for start in starts.finditer(text):
            m = longest.match(text, start.start())
            if m is not None:
                alias = _visible(m.group(1))
                person_id, is_ambiguous = table[alias]
                candidates.append((Mention(m.start(1), m.end(1), alias, person_id), is_ambiguous))
    # Longest first, then leftmost: a taken character is never matched again.
    candidates.sort(key=lambda c: (-(c[0].end - c[0].start), c[0].start, c[0].surface))
    taken = bytearray(len(text))  # 1 for each character already matched (linear in the text, tested in C)
    found: list[Mention] = []
    undecided: list[Mention] = []
    for mention, is_ambiguous in candidates:
        if 1 in taken[mention.start : mention.end]:
            continue
        taken[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
        (undecided if is_ambiguous else found).append(mention)
    # The dataclass order (start, end, surface, person_id), compared as tuples rather than through __lt__.
    return sorted(found, key=_order), sorted(undecided, key=_order)


def _order(m: Mention) -> tuple[int, int, str, str]:
    return (m.start, m.end, m.surface, m.person_id)


Matcher = tuple[dict[str, tuple[str, bool]], re.Pattern[str], re.Pattern[str]]


# Characters outside ASCII: the only ones that can be invisible (format characters).
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _invisible_in(text: str) -> str:
    """The invisible (format, Unicode category Cf) characters the text holds, sorted; '' for most texts."""
    if text.isascii():
        return ""
    return "".join(sorted(c for c in set(_NON_ASCII.findall(text)) if unicodedata.category(c) == "Cf"))


def _visible(surface: str) -> str:
    return "".join(c for c in surface if unicodedata.category(c) != "Cf") if not surface.isascii() else surface


@lru_cache(maxsize=16)
def _matcher(aliases: tuple[tuple[str, str], ...], ambiguous: tuple[tuple[str, str], ...], invisible: str = "") -> Matcher | None:
    """alias -> (person_id, ambiguous) and the two patterns of `_patterns`: made once per pair of alias maps
    (keyed by their contents) and set of invisible characters the text holds."""
    undecided = dict(ambiguous)
    table = {alias: (person_id, False) for alias, person_id in aliases if alias and alias not in undecided}
    table.update((alias, (person_id, True)) for alias, person_id in ambiguous if alias)
    if not table:
        return None
    return (table, *_patterns(tuple(sorted(table, key=lambda a: (-len(a), a))), invisible))


def _patterns(aliases: tuple[str, ...], invisible: str = "") -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(where an alias may start, the longest alias that starts at a given position).

    An alias is not preceded or followed by a letter or digit (\\w is Unicode-aware in str patterns).
    The first pattern begins with the set of the aliases' first characters, which lets the regex
    engine skip to them in C (a pattern that begins with a look-around tries every position); its
    look-behind, written after that character, says the character before it is no letter or digit.
    The second is the alternation of the aliases, longest first; between an alias's characters it
    lets through the `invisible` characters the text holds.
    """
    first = "".join(sorted({a[0] for a in aliases}))
    starts = re.compile(rf"[{re.escape(first)}](?<![^\W_].)", re.DOTALL)
    gap = f"[{re.escape(invisible)}]*" if invisible else ""
    longest = re.compile(rf"({'|'.join(gap.join(map(re.escape, a)) for a in aliases)})(?![^\W_])")
    return starts, longest
