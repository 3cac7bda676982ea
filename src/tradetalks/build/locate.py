"""Stage 2, locate: turn verbatim evidence into exact [char_start, char_end) spans of the raw text.

Matching tolerates whitespace only: a run of spaces, tabs or line breaks in the evidence matches
any non-empty run of whitespace in the text (the seeds wrap lines inside quotations). Every other
character must match exactly; typographic variants (’ vs ', “ vs ") are deliberately NOT folded,
so the recorded evidence is always the article's own characters.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tradetalks.build.errors import LocateError, dotted

if TYPE_CHECKING:
    from tradetalks.build.sources import Sources


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range of code points of an article's text."""

    start: int
    end: int


def find_spans(text: str, evidence: str) -> list[Span]:
    """Every span of `text` that equals `evidence` up to whitespace runs, in text order.

    Overlapping occurrences are counted too, so ambiguity is never hidden.
    """
    tokens = evidence.split()
    if not tokens:
        return []
    first, rest = tokens[0], tokens[1:]
    spans: list[Span] = []
    pos = text.find(first)
    while pos != -1:
        end = pos + len(first)
        for token in rest:
            # At least one whitespace character, then the next token verbatim.
            gap = end
            while gap < len(text) and text[gap].isspace():
                gap += 1
            if gap == end or not text.startswith(token, gap):
                break
            end = gap + len(token)
        else:
            spans.append(Span(pos, end))
        pos = text.find(first, pos + 1)
    return spans


def locate(text: str, evidence: str, *, occurrence: int | None = None, every_copy: bool = False) -> list[Span]:
    """The span(s) the evidence denotes; LocateError when absent or ambiguous.

    One span unless `every_copy` (the article repeats the passage and the annotation holds for
    each copy). `occurrence` (1-based) picks one when the evidence appears more than once.
    """
    if not evidence.split():
        raise LocateError("evidence is empty or only whitespace; copy the article's own words from the .txt")
    if occurrence is not None and occurrence < 1:
        raise LocateError(f"occurrence counts from 1; found {occurrence}: write occurrence: 1 for the first")
    if occurrence is not None and every_copy:
        raise LocateError("give either occurrence or every_copy, not both; delete one of the two")
    spans = find_spans(text, evidence)
    if not spans:
        raise LocateError(f"evidence not found in the article text; {closest_match(text, evidence)}; copy the words again from the .txt")
    if every_copy:
        return spans
    if occurrence is not None:
        if occurrence > len(spans):
            raise LocateError(f"occurrence {occurrence} asked for, but the evidence appears {len(spans)} time(s); write a number from 1 to {len(spans)}, or lengthen the evidence")
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


# The stage's entry: every annotation of every article, located.

ANNOTATION_KINDS = ("quotes", "not_quotes", "mentions", "not_mentions", "roles", "events", "measures")


@dataclass(frozen=True)
class Located:
    """One annotation at one span (an annotation with every_copy yields one per copy)."""

    article_id: str
    kind: str
    index: int
    item: dict
    span: Span
    doc: object = field(default=None, compare=False, repr=False)

    @property
    def line(self) -> int | None:
        """The annotation's line in its YAML file (looked up only when an error needs it)."""
        return self.doc.line_of([self.kind, self.index]) if self.doc is not None else None


@dataclass(frozen=True)
class Segment:
    kind: str
    span: Span
    reason: str


@dataclass
class ArticleSpans:
    """Located annotations, segments and metadata spans of one article."""

    title: Span | None = None
    segments: list[Segment] = field(default_factory=list)
    annotations: list[Located] = field(default_factory=list)
    # (kind, index) of the annotations whose evidence did not locate: left out of the rows.
    failed: set[tuple[str, int]] = field(default_factory=set)

    def segment_kind(self, span: Span) -> str | None:
        """The kind of the non-body segment that contains `span` (boilerplate wins), else None."""
        kinds = [s.kind for s in self.segments if s.span.start <= span.start and span.end <= s.span.end]
        for kind in ("boilerplate", "duplicate", "header", "caption", "byline"):
            if kind in kinds:
                return kind
        return None

    def overlaps_boilerplate(self, span: Span) -> bool:
        return any(s.kind == "boilerplate" and s.span.start < span.end and span.start < s.span.end for s in self.segments)


def locate_annotations(sources: "Sources") -> tuple[dict[str, ArticleSpans], list]:
    """Locate every evidence string of every article: the spans found, and a problem per failure.

    An annotation that does not locate is left out; the article's other annotations go on.
    """
    from tradetalks.build.errors import Collector

    # Load inputs.
    problems = Collector()
    located: dict[str, ArticleSpans] = {}

    # Process.
    for article_id, art in sources.articles.items():
        doc, text, meta = art.yaml, art.text, art.meta
        out = ArticleSpans()

        def one(item: dict, where: list) -> list[Span]:
            try:
                return locate(text, item["evidence"], occurrence=item.get("occurrence"), every_copy=item.get("every_copy", False))
            except LocateError as exc:
                problems.add(doc.path, doc.line_of([*where, "evidence"]), dotted([*where, "evidence"]), str(exc))
                return []

        if meta.get("title"):
            spans = one(meta["title"], ["title"])
            out.title = spans[0] if spans else None
        for field_name in ("outlet_evidence", "wire_service_evidence", "published_date_evidence"):
            if meta.get(field_name):
                one(meta[field_name], [field_name])
        for i, seg in enumerate(meta.get("segments", [])):
            span = _segment_span(text, seg, doc, ["segments", i], problems)
            if span is not None:
                out.segments.append(Segment(seg["kind"], span, seg["reason"]))
        for kind in ANNOTATION_KINDS:
            for i, item in enumerate(meta.get(kind, [])):
                spans = one(item, [kind, i])
                if not spans:
                    out.failed.add((kind, i))
                for span in spans:
                    out.annotations.append(Located(article_id, kind, i, item, span, doc))
        for ann in out.annotations:
            if out.overlaps_boilerplate(ann.span):
                problems.add(doc.path, ann.line, f"{ann.kind}[{ann.index}].evidence",
                             f"evidence at {ann.span.start}-{ann.span.end} lies in site boilerplate, which is not part of the article;"
                             " annotate the article's own words instead, or correct the boilerplate segment")
        located[article_id] = out
    return located, problems.problems


def _segment_span(text: str, seg: dict, doc, where: list, problems) -> Span | None:
    try:
        first = locate(text, seg["start"], occurrence=seg.get("occurrence"))[0]
    except LocateError as exc:
        problems.add(doc.path, doc.line_of([*where, "start"]), dotted([*where, "start"]), str(exc))
        return None
    if "end" not in seg:
        return first
    ends = [s for s in find_spans(text, seg["end"]) if s.end >= first.end]
    if not ends:
        problems.add(doc.path, doc.line_of([*where, "end"]), dotted([*where, "end"]),
                     f"segment end text not found after its start (offset {first.start}); {closest_match(text[first.start:], seg['end'])} (relative to the start);"
                     " copy `end` again from the text, after the start")
        return None
    return Span(first.start, ends[0].end)
