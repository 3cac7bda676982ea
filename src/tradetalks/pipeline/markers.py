"""Draft markers: what `tradetalks suggest` leaves for a person to resolve.

A draft marks every rule's guess `GUESS`, every choice a person must make `DECIDE` and whatever the
text cannot tell the rules `TODO`, in comments (`# GUESS: ...`) and in values
(`reference_date_note: "TODO: say why"`). `validate` and `build` refuse a dataset file that still
carries one: a published build holds no unreviewed guess.
"""

from __future__ import annotations

import re

from tradetalks.errors import Problem

# The words `suggest` writes and `validate` refuses; one list for both.
DRAFT_MARKERS = ("GUESS", "DECIDE", "TODO")
# The draft's own explanation of its markers, written at its top: these lines are instructions,
# not markers left unresolved, so `validate` passes a reviewed file that keeps them.
DRAFT_HEADER = (
    "# Lines marked GUESS come from rules, not from a person: check each against the text, fix or delete it.",
    "# DECIDE marks a choice the rules cannot make; TODO marks what the text cannot tell the rules.",
    "# `tradetalks validate` refuses the file while any of these markers is left.",
)
# Problems reported per file; the rest are counted in one last problem.
MAX_MARKERS_SHOWN = 10

# In a comment the bare word is a marker ("# Lines marked GUESS ..."); in a value it is a marker
# when it labels something ("TODO: say why"), so an article quoting a capitalised word is not refused.
_WORD = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(DRAFT_MARKERS) + r")(?![A-Za-z0-9_])(:?)")
_WHAT = {
    "GUESS": "check the guess against the text, fix or keep the value, then delete the GUESS",
    "DECIDE": "make the choice it asks for (move or fix the entry), then delete the DECIDE",
    "TODO": "write what it asks for, then delete the TODO",
}


def draft_markers(text: str, shown: str) -> list[Problem]:
    """One problem per draft marker in a YAML file's text (comments and values), at most MAX_MARKERS_SHOWN + 1."""
    if not any(word in text for word in DRAFT_MARKERS):
        return []
    problems: list[Problem] = []
    hidden: dict[str, int] = {}
    first_hidden = None
    for number, line in enumerate(text.splitlines(), 1):
        if not any(word in line for word in DRAFT_MARKERS) or line.strip() in DRAFT_HEADER:
            continue
        comment = _comment_start(line)
        for m in _WORD.finditer(line):
            in_comment = comment is not None and m.start() > comment
            if not (in_comment or m.group(2)):
                continue
            if len(problems) >= MAX_MARKERS_SHOWN:
                hidden[m.group(1)] = hidden.get(m.group(1), 0) + 1
                first_hidden = first_hidden or number
                continue
            where = "comment" if in_comment else "value"
            snippet = " ".join(line[m.start() :].split())
            snippet = snippet if len(snippet) <= 70 else snippet[:67] + "..."
            problems.append(Problem(shown, number, None, f"draft marker {m.group(1)} left in a {where} ({snippet!r}); {_WHAT[m.group(1)]}"))
    if hidden:
        counts = ", ".join(f"{n} {word}" for word, n in sorted(hidden.items()))
        problems.append(
            Problem(shown, first_hidden, None, f"and {sum(hidden.values())} more draft markers from this line on ({counts}); resolve each the same way")
        )
    return problems


def _comment_start(line: str) -> int | None:
    """Offset of the `#` that starts the line's comment, outside quoted scalars; None without one."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == '"':
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = None
        elif quote == "'":
            if ch == "'":
                if line[i + 1 : i + 2] == "'":
                    i += 1
                else:
                    quote = None
        elif ch in "\"'" and (i == 0 or line[i - 1] in " \t:-[{,"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return None
