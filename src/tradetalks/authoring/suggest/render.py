"""The draft's building blocks: rows with their review comments, evidence that locates, YAML out.

A `Row` is one list item of the draft (a quote, a mention, an event row…): its fields in order,
a trailing comment per field (`GUESS: …`, `DECIDE: …`) and comment lines before it. Evidence is
always the article's own characters with whitespace runs folded, plus `occurrence` when the same
words appear more than once, so every row locates exactly where the rule found it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from tradetalks.pipeline.locate import Span
from tradetalks.pipeline.locate import find_spans as _find_spans

MAX_EVIDENCE_WORDS = 40


@lru_cache(maxsize=4096)
def find_spans(text: str, evidence: str) -> list[Span]:
    """locate.find_spans, remembered: a draft asks for the same evidence several times."""
    return _find_spans(text, evidence)


@lru_cache(maxsize=4096)
def _starts(text: str, evidence: str) -> list[int]:
    return [s.start for s in find_spans(text, evidence)]


@dataclass
class Row:
    fields: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)
    lead: list[str] = field(default_factory=list)
    start: int = 0  # where the rule found it, for ordering and dedup


class Spans:
    """A set of [start, end) spans, asked in O(log n) whether a position is inside one."""

    def __init__(self, spans) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def __contains__(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def locator(text: str, start: int, end: int) -> dict[str, Any]:
    """{"evidence": …, "occurrence": N?} for text[start:end] (whitespace folded, trimmed)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    evidence = " ".join(text[start:end].split())
    out: dict[str, Any] = {"evidence": evidence}
    spans = find_spans(text, evidence)
    if len(spans) > 1:
        i = bisect_left(_starts(text, evidence), start)
        out["occurrence"] = i + 1 if i < len(spans) and spans[i].start == start else 1
    return out


def clip(text: str, start: int, end: int, words: int = MAX_EVIDENCE_WORDS) -> tuple[int, int]:
    """[start, end) cut to at most `words` words, ending on a word."""
    count = 0
    for m in re.finditer(r"\S+", text[start:end]):
        count += 1
        if count == words:
            return start, start + m.end()
    return start, end


def every_copy(text: str, rows: list[Row], key: str = "evidence") -> list[Row]:
    """Rows equal but for `occurrence` and covering every occurrence collapse to one `every_copy` row."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if "occurrence" in row.fields:
            rest = {k: v for k, v in row.fields.items() if k != "occurrence"}
            groups.setdefault(repr(sorted(rest.items(), key=lambda kv: kv[0])), []).append(row)
    out = []
    for row in rows:
        if "occurrence" not in row.fields:
            out.append(row)
            continue
        rest = {k: v for k, v in row.fields.items() if k != "occurrence"}
        group = groups[repr(sorted(rest.items(), key=lambda kv: kv[0]))]
        if len(group) == len(find_spans(text, row.fields[key])) and len(group) > 1:
            if group[0] is row:
                fields = {k: (True if k == "occurrence" else v) for k, v in row.fields.items()}
                out.append(Row({("every_copy" if k == "occurrence" else k): v for k, v in fields.items()}, row.notes, row.lead, row.start))
            continue
        out.append(row)
    return out


def section(name: str, rows: list[Row], heading: str = "") -> list[str]:
    """A top-level list of the draft."""
    if not rows:
        return [f"{name}: []" + (f"  # {heading}" if heading else "")]
    out = [f"{name}:" + (f"  # {heading}" if heading else "")]
    for row in rows:
        out += [f"  # {line}" for line in row.lead]
        first = True
        for key, value in row.fields.items():
            prefix = "  - " if first else "    "
            first = False
            note = f"  # {row.notes[key]}" if key in row.notes else ""
            if isinstance(value, dict):
                out.append(f"{prefix}{key}:{note}")
                out += [f"      {k}: {scalar(v)}" for k, v in value.items()]
            elif isinstance(value, list):
                out.append(f"{prefix}{key}: [{', '.join(scalar(v) for v in value)}]{note}")
            else:
                out.append(f"{prefix}{key}: {scalar(value)}{note}")
    return out


def commented(title: str, rows: list[Row]) -> list[str]:
    """A block of rows as comments (registry entries to paste into another file)."""
    if not rows:
        return []
    return [f"# --- {title} ---", *("# " + line for line in section("x", rows)[1:])]


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return q(str(value))


SAFE = re.compile(r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*')


def q(value: str) -> str:
    """A YAML double-quoted scalar, on one line."""
    if SAFE.fullmatch(value) and value.isprintable():
        return f'"{value}"'  # nothing to escape (the common case; PyYAML is slow per call)
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=float("inf")).rstrip("\n")
