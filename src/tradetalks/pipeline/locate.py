"""Stage 2, locate: turn verbatim evidence into exact [char_start, char_end) spans of the raw text.

Matching tolerates whitespace only: a run of spaces, tabs or line breaks in the evidence matches
any non-empty run of whitespace in the text (the seeds wrap lines inside quotations). Every other
character must match exactly; typographic variants (’ vs ', “ vs ") are deliberately NOT folded,
so the recorded evidence is always the article's own characters.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tradetalks.errors import LocateError, dotted

if TYPE_CHECKING:
    from tradetalks.pipeline.sources import Sources
    from tradetalks.pipeline.yamldoc import YamlDoc


_set = object.__setattr__  # a frozen dataclass's fields are set through it


@dataclass(frozen=True, order=True, init=False)
class Span:
    """A half-open range of code points of an article's text."""

    start: int
    end: int

    def __init__(self, start: int, end: int):
        # The generated frozen __init__ looks object.__setattr__ up per field: slow for the thousands made per chunk.
        # (Writing self.__dict__ would be faster still, but makes every later attribute read slower.)
        _set(self, "start", start)
        _set(self, "end", end)


# Bounds on the work one evidence string can cause (untrusted input: a 5 MB article, evidence of
# thousands of words, an evidence that occurs on every character).
MAX_SPANS = 1000  # occurrences collected; every_copy holds for at most this many copies
SHOWN_OFFSETS = 10  # offsets listed in an "appears N times" message
HINT_PROBE = 200  # characters of the evidence the closest-match hint compares
HINT_WINDOWS = 16  # places of the text the hint compares them with (near the evidence's rarest words)
HINT_HEAD = 20_000  # characters at the start of the text always compared too


class _Flat:
    """A text with every whitespace run folded to one space, and the map back to raw offsets.

    Whitespace-tolerant matching is then an exact substring search (linear time in CPython),
    instead of a token-by-token walk from every occurrence of the first word.
    """

    __slots__ = ("flat", "run_flat", "run_raw", "removed")

    def __init__(self, text: str):
        self.run_flat: list[int] = []  # flat position of each shortened run's single space
        self.run_raw: list[int] = []  # raw offset where the run starts
        self.removed: list[int] = []  # characters removed up to and including that run
        # Every whitespace character made a space in place; folding then only shortens the runs of spaces.
        # (Every whitespace character but " " is unprintable: a printable text has no other kind than "\n".)
        spaced = text.replace("\n", " ")
        if not spaced.isprintable():  # maybe other kinds: each one present replaced in turn (no per-character regex work)
            for ch in set(spaced):
                if ch.isspace() and ch != " ":
                    spaced = spaced.replace(ch, " ")
        if "  " not in spaced:  # most texts: folding moves no offset
            self.flat = spaced
            return
        # A run of spaces is searched much faster than a run of \s.
        self.flat = re.sub("  +", " ", spaced)
        removed = 0
        for m in re.finditer("  +", spaced):
            start, end = m.span()
            self.run_flat.append(start - removed)
            self.run_raw.append(start)
            removed += end - start - 1
            self.removed.append(removed)

    def raw(self, pos: int) -> int:
        """The raw offset of flat position `pos` (a folded space maps to its run's first character)."""
        j = bisect.bisect_right(self.run_flat, pos) - 1
        if j < 0:
            return pos
        if pos == self.run_flat[j]:
            return self.run_raw[j]
        return pos + self.removed[j]

    def folded(self, raw: int) -> int:
        """The flat position of raw offset `raw`, a character that is not whitespace."""
        j = bisect.bisect_right(self.run_raw, raw) - 1
        return raw if j < 0 else raw - self.removed[j]


_FLAT: dict[int, tuple[str, _Flat]] = {}


def _flat(text: str) -> _Flat:
    """The folded form of `text`, kept for the text in use (an article's evidence is located in turn)."""
    hit = _FLAT.get(id(text))
    if hit is not None and hit[0] is text:
        return hit[1]
    if len(_FLAT) > 8:
        _FLAT.clear()
    flat = _Flat(text)
    _FLAT[id(text)] = (text, flat)
    return flat


def find_spans(text: str, evidence: str, limit: int = MAX_SPANS) -> list[Span]:
    """Every span of `text` that equals `evidence` up to whitespace runs, in text order.

    Overlapping occurrences are counted too, so ambiguity is never hidden. At most `limit` + 1
    spans are returned: more than `limit` is all a caller needs to know.
    """
    return _find(text, evidence.split(), limit)


def _find(text: str, tokens: list[str], limit: int, start: int = 0) -> list[Span]:
    """find_spans for the evidence's words `tokens`, from `start` on (as in `text[start:]`, offsets kept).

    `start` is a character that is not whitespace (a located span's start): the folded text from
    there is then the folded form of `text[start:]`.
    """
    if not tokens:
        return []
    spans: list[Span] = []
    if len(tokens) == 1:
        token = tokens[0]
        pos = text.find(token, start)
        while pos != -1 and len(spans) <= limit:
            spans.append(Span(pos, pos + len(token)))
            pos = text.find(token, pos + 1)
        return spans
    wanted = " ".join(tokens)
    flat = _flat(text)
    pos = flat.flat.find(wanted, flat.folded(start) if start else 0)
    if not flat.run_flat:  # nothing folded away: flat positions are raw offsets
        while pos != -1 and len(spans) <= limit:
            spans.append(Span(pos, pos + len(wanted)))
            pos = flat.flat.find(wanted, pos + 1)
        return spans
    while pos != -1 and len(spans) <= limit:
        spans.append(Span(flat.raw(pos), flat.raw(pos + len(wanted) - 1) + 1))
        pos = flat.flat.find(wanted, pos + 1)
    return spans


def locate(text: str, evidence: str, *, occurrence: int | None = None, every_copy: bool = False, hint: bool = True) -> list[Span]:
    """The span(s) the evidence denotes; LocateError when absent or ambiguous.

    One span unless `every_copy` (the article repeats the passage and the annotation holds for
    each copy). `occurrence` (1-based) picks one when the evidence appears more than once.
    `hint=False` leaves the closest-match hint out of the "not found" message.
    """
    tokens = evidence.split()
    if not tokens:
        raise LocateError("evidence is empty or only whitespace; copy the article's own words from the .txt")
    if occurrence is not None and occurrence < 1:
        raise LocateError(f"occurrence counts from 1; found {occurrence}: write occurrence: 1 for the first")
    if occurrence is not None and every_copy:
        raise LocateError("give either occurrence or every_copy, not both; delete one of the two")
    spans = _find(text, tokens, MAX_SPANS)
    if not spans:
        detail = closest_match(text, evidence) if hint else "(no closest-match hint: too many evidence strings of this article are missing)"
        raise LocateError(f"evidence not found in the article text; {detail}; copy the words again from the .txt")
    many = len(spans) > MAX_SPANS
    if every_copy:
        if many:
            raise LocateError(
                f"evidence appears {_count(spans)} times; every_copy is for an article that repeats a passage a few times: quote a longer, distinctive passage"
            )
        return spans
    if occurrence is not None:
        if occurrence > len(spans) or (many and occurrence > MAX_SPANS):
            raise LocateError(
                f"occurrence {occurrence} asked for, but the evidence appears {_count(spans)} time(s); write a smaller number, or lengthen the evidence"
            )
        return [spans[occurrence - 1]]
    if len(spans) > 1:
        where = ", ".join(str(s.start) for s in spans[:SHOWN_OFFSETS]) + (", ..." if len(spans) > SHOWN_OFFSETS else "")
        raise LocateError(
            f"evidence appears {_count(spans)} times (at offsets {where}); add `occurrence: N` to pick one, or `every_copy: true` if it holds for every copy"
        )
    return spans


def _count(spans: list[Span]) -> str:
    """How many times the evidence appears, for a message (`find_spans` stops counting after MAX_SPANS)."""
    return f"more than {MAX_SPANS:,}" if len(spans) > MAX_SPANS else str(len(spans))


def closest_match(text: str, evidence: str) -> str:
    """A sentence describing where the text comes closest to the evidence and how it differs.

    Bounded work, whatever the sizes: the first HINT_PROBE characters of the evidence are aligned
    with the start of the text and with a few windows around occurrences of the evidence's
    longest words, never with the whole of a large text.
    """
    from rapidfuzz import fuzz

    wanted = " ".join(evidence.split())[:HINT_PROBE]
    flat = _flat(text)
    if not flat.flat:
        return "the article text is empty"
    width = 3 * len(wanted)
    windows = [(0, min(len(flat.flat), max(HINT_HEAD, width)))]
    for word in sorted(set(wanted.split()), key=len, reverse=True)[:4]:
        pos = flat.flat.find(word)
        n = 0
        while pos != -1 and n < HINT_WINDOWS // 4:
            windows.append((max(0, pos - width), min(len(flat.flat), pos + width)))
            pos = flat.flat.find(word, pos + len(word))
            n += 1
    best = None
    for lo, hi in windows:
        align = fuzz.partial_ratio_alignment(wanted, flat.flat[lo:hi])
        if align is not None and align.score > 0 and (best is None or align.score > best[0].score):
            best = (align, lo)
    if best is None:
        scope = "the article text" if len(flat.flat) <= HINT_HEAD else f"the first {HINT_HEAD:,} characters or near the evidence's words"
        return f"no close match within {scope}"
    align, base = best
    # Widen the window a little: partial alignment may trim differing ends.
    lo = max(0, base + align.dest_start - 2)
    hi = min(len(flat.flat), base + align.dest_end + 2)
    found = flat.flat[lo:hi]
    matcher = difflib.SequenceMatcher(None, wanted, found, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if blocks:
        # Trim the window to what aligns with the evidence.
        lo, hi = lo + blocks[0].b - blocks[0].a if blocks[0].b >= blocks[0].a else lo, lo + blocks[-1].b + blocks[-1].size
        lo = max(lo, 0)
        found = flat.flat[lo:hi]
        matcher = difflib.SequenceMatcher(None, wanted, found, autojunk=False)
    offset = flat.raw(lo) if lo < len(flat.flat) else len(text)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            at = flat.raw(min(lo + j1, len(flat.flat) - 1))
            return (
                f"closest match at {offset} ({align.score:.0f}% similar) differs at {at} in"
                f" {found[j1:j2]!r} (text) vs {wanted[i1:i2]!r} (evidence); text has {found!r}"
            )
    return f"closest match at {offset}: text has {found!r}"


# The stage's entry: every annotation of every article, located.

# Closest-match hints computed per article; further missing evidence is reported without one.
HINTS_PER_ARTICLE = 20

ANNOTATION_KINDS = ("quotes", "not_quotes", "mentions", "not_mentions", "roles", "events", "measures")


@dataclass(frozen=True, init=False)
class Located:
    """One annotation at one span (an annotation with every_copy yields one per copy)."""

    article_id: str
    kind: str
    index: int
    item: dict
    span: Span
    doc: YamlDoc | None = field(default=None, compare=False, repr=False)

    def __init__(self, article_id: str, kind: str, index: int, item: dict, span: Span, doc: YamlDoc | None = None):
        # As for Span: one per annotation.
        _set(self, "article_id", article_id)
        _set(self, "kind", kind)
        _set(self, "index", index)
        _set(self, "item", item)
        _set(self, "span", span)
        _set(self, "doc", doc)

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
        if not kinds:  # most spans: in the body
            return None
        for kind in ("boilerplate", "duplicate", "header", "caption", "byline"):
            if kind in kinds:
                return kind
        return None


def locate_annotations(sources: Sources) -> tuple[dict[str, ArticleSpans], list]:
    """Locate every evidence string of every article: the spans found, and a problem per failure.

    An annotation that does not locate is left out; the article's other annotations go on.
    """
    from tradetalks.errors import Collector

    # Load inputs.
    problems = Collector()
    located: dict[str, ArticleSpans] = {}

    # Process.
    for article_id, art in sources.articles.items():
        doc, text, meta = art.yaml, art.text, art.meta
        out = ArticleSpans()

        hints = [HINTS_PER_ARTICLE]

        # This article's text, document and hint budget are bound as defaults: the closure belongs to this iteration.
        def one(item: dict, where: list, text: str = text, doc: YamlDoc = doc, hints: list[int] = hints) -> list[Span]:
            try:
                return locate(text, item["evidence"], occurrence=item.get("occurrence"), every_copy=item.get("every_copy", False), hint=hints[0] > 0)
            except LocateError as exc:
                if "not found" in str(exc):
                    hints[0] -= 1
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
        out.annotations = _check_repeated(out.annotations, doc, problems)
        boilerplate = [s.span for s in out.segments if s.kind == "boilerplate"]
        for ann in out.annotations if boilerplate else ():
            if any(b.start < ann.span.end and ann.span.start < b.end for b in boilerplate):
                problems.add(
                    doc.path,
                    ann.line,
                    f"{ann.kind}[{ann.index}].evidence",
                    f"evidence at {ann.span.start}-{ann.span.end} lies in site boilerplate, which is not part of the article;"
                    " annotate the article's own words instead, or correct the boilerplate segment",
                )
        copies = [s.span for s in out.segments if s.kind == "duplicate"]
        for ann in out.annotations if copies else ():
            crossed = next((c for c in copies if (ann.span.start < c.start < ann.span.end) or (ann.span.start < c.end < ann.span.end)), None)
            if crossed is not None:
                problems.add(
                    doc.path,
                    ann.line,
                    f"{ann.kind}[{ann.index}].evidence",
                    f"evidence at {ann.span.start}-{ann.span.end} runs across an edge of the duplicated copy at {crossed.start}-{crossed.end}:"
                    " the words of one statement lie in the body or inside one copy; shorten the evidence (or correct the duplicate segment)",
                )
        located[article_id] = out
    return located, problems.problems


# What makes an annotation's row: two annotations with the same key would be the same row twice.
_SUBJECT = {"roles": "person", "mentions": "person", "events": "event", "measures": "measure"}


def _check_repeated(annotations: list[Located], doc, problems) -> list[Located]:
    """The same annotation twice (same kind, span, subject and claim) is reported at both lines;
    the repeats are left out, so the later stages do not report the same row twice again."""
    seen: dict[tuple, Located] = {}
    kept: list[Located] = []
    for ann in annotations:
        kind, item, span = ann.kind, ann.item, ann.span
        subject = item.get(_SUBJECT.get(kind, ""), "")
        claims = item.get("claims") if kind in ("events", "measures") else None
        named = str(subject)
        for claim in sorted(claims) if isinstance(claims, dict) and claims else ("",):
            first = seen.setdefault((kind, span.start, span.end, named, claim), ann)
            if first is not ann and first.index != ann.index:
                what = f" with the claim {claim!r}" if claim else ""
                problems.add(
                    doc.path,
                    ann.line,
                    f"{kind}[{ann.index}]",
                    f"repeats {kind}[{first.index}] (line {first.line}): the same evidence{what} at {span.start}-{span.end}"
                    f"{' for ' + repr(subject) if subject else ''}; keep one entry (merge their fields)",
                )
                break
        else:
            kept.append(ann)
    return kept


def _segment_span(text: str, seg: dict, doc, where: list, problems) -> Span | None:
    try:
        first = locate(text, seg["start"], occurrence=seg.get("occurrence"))[0]
    except LocateError as exc:
        problems.add(doc.path, doc.line_of([*where, "start"]), dotted([*where, "start"]), str(exc))
        return None
    if "end" not in seg:
        return first
    # Searched from the start on: only the first end after it matters, however often the end text occurs.
    ends = [s for s in _find(text, seg["end"].split(), SHOWN_OFFSETS, first.start) if s.end >= first.end]
    if not ends:
        problems.add(
            doc.path,
            doc.line_of([*where, "end"]),
            dotted([*where, "end"]),
            f"segment end text not found after its start (offset {first.start}); {closest_match(text[first.start :], seg['end'])} (relative to the start);"
            " copy `end` again from the text, after the start",
        )
        return None
    return Span(first.start, ends[0].end)
