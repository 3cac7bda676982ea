"""Alias mentions: every occurrence of a registered person's alias, matched exactly.

The rule: an alias matches case-sensitively where it is not glued to a letter or digit on either
side (Unicode-aware, so "Bessent" is not found in "Bessentová" and "He" is found in "He’s").
Where occurrences overlap, the longest alias wins ("He Lifeng" over "He", "Scott Bessent" over
"Bessent"); among equally long ones, the earlier start wins. An ambiguous alias ("He", also a
pronoun) is never resolved here: its uncovered occurrences are returned separately for a person
to decide. If a surface form is both a plain and an ambiguous alias, it is treated as ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Mention:
    """One alias occurrence: text[start:end] == surface."""

    start: int
    end: int
    surface: str
    person_id: str


def find_mentions(
    text: str, aliases: Mapping[str, str], ambiguous: Mapping[str, str]
) -> tuple[list[Mention], list[Mention]]:
    """(mentions of plain aliases, occurrences of ambiguous aliases needing a decision), each by start."""
    # Every candidate occurrence, overlapping ones included.
    candidates: list[tuple[Mention, bool]] = []
    for table, is_ambiguous in ((aliases, False), (ambiguous, True)):
        for alias, person_id in table.items():
            if not alias or (not is_ambiguous and alias in ambiguous):
                continue
            for m in _pattern(alias).finditer(text):
                candidates.append((Mention(m.start(), m.end(), alias, person_id), is_ambiguous))
    # Longest first, then leftmost: a taken character is never matched again.
    candidates.sort(key=lambda c: (-(c[0].end - c[0].start), c[0].start, c[0].surface))
    taken: list[Mention] = []
    found: list[Mention] = []
    undecided: list[Mention] = []
    for mention, is_ambiguous in candidates:
        if any(mention.start < t.end and t.start < mention.end for t in taken):
            continue
        taken.append(mention)
        (undecided if is_ambiguous else found).append(mention)
    return sorted(found), sorted(undecided)


def _pattern(alias: str) -> re.Pattern[str]:
    # Not preceded or followed by a letter or digit (\w is Unicode-aware in str patterns).
    return re.compile(rf"(?<![^\W_]){re.escape(alias)}(?![^\W_])")
