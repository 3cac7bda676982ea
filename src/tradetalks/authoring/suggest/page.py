"""The page around the article: segments that are not its body, its headline, and its date.

Rules, line by line (a line is a paragraph of the raw text):
- boilerplate: a site label ("Also Read", "Read More", "Related Articles", "Guess You Like",
  "More From This Section", "Advertisement", "Earlier story:", "Breaking:", "Trending") with
  the list of links under it (short headline-like lines, teasers ending in "…", date lines);
  follow/share/subscribe lines; breadcrumbs ("Home / business / …");
- header: date lines, section labels and the headline at the top of the page; copyright lines;
- byline: "By A and B", "Reporting by …", names followed by a date; caption: a line ending with
  a picture credit ("| Image: Bloomberg", "Photo: AFP");
- duplicate: a line of four or more words that repeats text already seen (a repeated headline, or
  a whole body printed twice), merged with the repeated lines next to it.
The headline is the first line of 4-20 words near the top that is none of the above, is not a
sentence (no full stop at its end or inside it) and is not wrapped into the next line. The reference date comes from a
dateline ("WASHINGTON, Oct 18 (Reuters)"), a "Published:" line, a byline date or a date line, else
from the latest date the body states in the past tense; the year, when no date of the text has
one, from `year_hint` (the registry's events), said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tradetalks.authoring.suggest.render import Spans
from tradetalks.text.dates import find_date_expressions, resolve

LABEL = re.compile(
    r"(?:also\s+read|read\s+more|read\s+also|related(?:\s+(?:articles|stories|news|coverage))?|more\s+from\s+this\s+section"
    r"|guess\s+you\s+like|you\s+may\s+(?:also\s+)?like|recommended(?:\s+stories)?|advertisement|earlier\s+story|breaking(?:\s+news)?"
    r"|trending(?:\s+now)?|most\s+(?:read|popular)|top\s+stories|latest\s+news|more\s+stories|see\s+also|watch)\b",
    re.IGNORECASE,
)
SOCIAL = re.compile(
    r"^(?:follow|share|subscribe|sign\s+up|join|click\s+here|download|get\s+the\s+latest)\b.*"
    r"\b(?:whatsapp|twitter|x|facebook|telegram|instagram|linkedin|youtube|newsletter|app|channel|google\s+news|updates)\b",
    re.IGNORECASE,
)
CREDIT = re.compile(r"(?:[|.]\s*|\(|^)(?:image|photo|picture|photograph|file\s+photo)s?(?:\s+credit)?\s*:\s*[^|]{1,60}\)?$", re.IGNORECASE)
BYLINE = re.compile(r"^(?:by|reporting\s+by|written\s+by|edited\s+by)\s+[A-Z]", re.IGNORECASE)
PUBLISHED = re.compile(r"^(?:published|updated|posted|last\s+updated|first\s+published)\b\s*(?:on)?\s*:?", re.IGNORECASE)
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][A-Za-z .]{1,30})?),\s+(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s+\d{4})?)\s*\((?P<agency>[A-Za-z ]{2,30})\)"
)
# A search index's date field printed before the text (" date 2025-03-02 Wire) Officials said …").
INDEX_DATE = re.compile(r"\A\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b")
COPYRIGHT = re.compile(r"^(?:copyright\b|©)", re.IGNORECASE)
NAME_WORD = r"[A-Z][\w’'.-]+"


@dataclass(frozen=True)
class Segment:
    kind: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class Reference:
    date: date | None
    evidence: str
    reason: str
    from_page: bool  # a date printed on the page, not inferred from the body


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str  # whitespace folded

    @property
    def words(self) -> int:
        return len(self.text.split())


def lines_of(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lo = pos + len(body) - len(body.lstrip())
        out.append(Line(lo, pos + len(body.rstrip()), " ".join(body.split())))
        pos += len(raw)
    return out


def find_segments(text: str) -> tuple[list[Segment], Line | None]:
    """The segments of the page (sorted) and the headline line, if any."""
    lines = lines_of(text)
    kinds: dict[int, tuple[str, str]] = {}
    in_list = False
    for i, line in enumerate(lines):
        t = line.text
        if not t:
            continue
        label = LABEL.match(t)
        if label and (label.end() == len(t) or t[label.end() :].lstrip()[:1] in (":", "|", "-", "–")):
            kinds[i] = (
                "boilerplate",
                f"site label {t[: label.end()]!r}" + (" and the link after it" if label.end() < len(t) else " and the list of links under it"),
            )
            in_list = label.end() == len(t)
            continue
        if in_list and _link_like(t) and not BYLINE.match(t):
            kinds[i] = ("boilerplate", "link list under a site label")
            continue
        in_list = False
        if SOCIAL.match(t) and line.words <= 25:
            kinds[i] = ("boilerplate", "follow/share line of the site")
        elif len(re.findall(r"\s[/>»]\s", " " + t + " ")) >= 2 and line.words <= 30:
            kinds[i] = ("boilerplate", "breadcrumb (site navigation)")
        elif COPYRIGHT.match(t) and line.words <= 12:
            kinds[i] = ("header", "copyright line")
        elif CREDIT.search(t):
            kinds[i] = ("caption", "picture caption with its credit")
        elif (BYLINE.match(t) and line.words <= 15) or _names_then_date(t):
            kinds[i] = ("byline", "byline")
        elif PUBLISHED.match(t) and _is_date_line(t[PUBLISHED.match(t).end() :]):  # type: ignore[union-attr]
            kinds[i] = ("header", "publication date line")
        elif _is_date_line(t):
            kinds[i] = ("header", "date line")

    # Repeated text: a line of 4+ words whose words were already printed above it.
    flat_before = ""
    for i, line in enumerate(lines):
        if line.words >= 4 and i not in kinds and line.text in flat_before:
            kinds[i] = ("duplicate", "repeats text printed above it")
        flat_before += " " + line.text

    # The headline: near the top, before the first paragraph of running text.
    title = None
    for i, line in enumerate(lines[:12]):
        if not line.text or i in kinds and kinds[i][0] != "duplicate":
            continue
        if i in kinds:
            break
        nxt = next((n.text for n in lines[i + 1 :] if n.text), "")
        if line.words < 4 and not line.text.endswith("."):
            continue  # a section label ("Technology")
        sentence = line.text.endswith((".", ",", ";", ":", "-", ".”", '."', ".’", ",”")) or re.search(r"[a-z]\. [A-Z]", line.text)
        if 4 <= line.words <= 20 and not sentence and not nxt[:1].islower():
            title = line
            kinds[i] = ("header", "headline")
            # Date lines and one- or two-word section labels above the headline belong to the header.
            for j in range(i):
                if lines[j].text and j not in kinds and lines[j].words <= 2:
                    kinds[j] = ("header", "section label")
        break

    segments: list[Segment] = []
    for i in sorted(kinds):
        kind, reason = kinds[i]
        last = segments[-1] if segments else None
        gap = last and all(not lines[k].text for k in range(_line_index(lines, last.end) + 1, i))
        mergeable = (
            last
            and gap
            and last.kind == kind
            and kind in ("boilerplate", "duplicate")
            or (
                last
                and gap
                and kind == last.kind == "header"
                and reason != "headline"
                and "headline" not in last.reason
                and "copyright" not in reason + last.reason
            )
        )
        if mergeable and last is not None:
            segments[-1] = Segment(kind, last.start, lines[i].end, last.reason)
        else:
            segments.append(Segment(kind, lines[i].start, lines[i].end, reason))
    # A header run ending in the headline is one segment (date line, section label, headline).
    merged: list[Segment] = []
    for seg in segments:
        prev = merged[-1] if merged else None
        if prev and prev.kind == "header" == seg.kind and seg.reason == "headline" and prev.reason in ("date line", "section label", "publication date line"):
            merged[-1] = Segment("header", prev.start, seg.end, f"page header: {prev.reason} and headline")
        else:
            merged.append(seg)
    return merged, title


def datelines(text: str) -> list[tuple[int, int]]:
    """Spans of the datelines ("GENEVA, Mar 2 (Wire) -"): the day of writing, not an event."""
    return [(line.start, line.start + m.end()) for line in lines_of(text)[:40] if (m := DATELINE.match(text[line.start : line.end]))]


def _parts(t: str) -> list[str]:
    """The line, or its parts when it is a short run of page fields ("By A | site.com | Updated: 2025-03-02")."""
    parts = [p.strip() for p in t.split("|")]
    return [t] if len(parts) == 1 or len(t.split()) > 40 else [t, *parts]


def _line_index(lines: list[Line], end: int) -> int:
    return next(i for i, line in enumerate(lines) if line.end == end and line.text)


def _link_like(t: str) -> bool:
    """A line of a link list: a short headline, a teaser cut with an ellipsis, or a bare date."""
    if _is_date_line(t) or t.endswith(("...", "…")):
        return True
    words = len(t.split())
    return words <= 22 and not re.search(r"[.!?][”\"’']?$", t)


def _names_then_date(t: str) -> bool:
    """ "Ralph Jennings,Xinyi Wu 🕒︎ 2025-10-27": two-word names, then a date, and nothing else."""
    if len(t.split()) > 16 or not re.search(r"\d", t):
        return False
    found = find_date_expressions(t)
    if not found or found[-1].end != len(t) or len(t.split()) > 16:
        return False
    head = t[: found[-1].start]
    head = re.sub(r"[^\w\s,’'.-]", " ", head)
    names = [n.strip() for n in re.split(r",|\band\b", head) if n.strip()]
    return bool(names) and all(re.fullmatch(rf"{NAME_WORD}(?:\s+{NAME_WORD}){{1,3}}", n) for n in names)


def _date_of_line(t: str) -> str:
    """The date expression of a date line with a time ("2025-03-02 08:15" -> "2025-03-02"), else ""."""
    found = [f for f in find_date_expressions(t) if re.search(r"\d{4}", f.expression)]
    return found[0].expression if len(found) == 1 else ""


def _is_date_line(t: str) -> bool:
    """A line that is a date (and maybe a time): "Thursday, October 30, 2025", "11:16am, 25 Oct 2025"."""
    if len(t.split()) > 12 or not re.search(r"\d{4}", t):
        return False
    t = re.sub(r"\b\d{1,2}[:.]\d{2}\s*(?:am|pm|a\.m\.|p\.m\.)?(?:\s*(?:GMT|UTC|ET|EDT|EST|HKT|IST|BST)[+-]?\d*)?", " ", t, flags=re.IGNORECASE)
    t = re.sub(r"\b(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b\.?,?", " ", t)  # "Sun, Oct 26 2025"
    t = t.strip(" ,|-–")
    found = find_date_expressions(t)
    if len(found) != 1 or not re.search(r"\d{4}", found[0].expression):
        return False
    rest = (t[: found[0].start] + t[found[0].end :]).strip(" ,|-–")
    return not rest


# Dates of the page.


def find_published(text: str, segments: list[Segment], year_hint: int | None) -> tuple[date, int, int] | None:
    """The date the page prints for the article (a "Published:" line, a byline or header date): (date, start, end)."""
    for line in lines_of(text)[:40]:
        for part in _parts(line.text):
            p = PUBLISHED.match(part)
            if p and _is_date_line(part[p.end() :]):
                d = _full_date(part[p.end() :], text, year_hint) or _full_date(_date_of_line(part[p.end() :]), text, year_hint)
                if d:
                    at = text.find(part, line.start, line.end)
                    return (d[0], at, at + len(part)) if at >= 0 and part != line.text else (d[0], line.start, line.end)
    for seg in segments:
        if seg.kind in ("byline", "header") and ("date" in seg.reason or seg.kind == "byline"):
            for found in find_date_expressions(text[seg.start : seg.end]):
                d = _full_date(found.expression, text, year_hint) if re.search(r"\d{4}", found.expression) else None
                if d:
                    return d[0], seg.start + found.start, seg.start + found.end
    return None


# Reference date.


def find_reference(text: str, segments: list[Segment], year_hint: int | None, dates: list | None = None) -> Reference:
    """The date relative expressions are written from, with its evidence and why."""
    lines = lines_of(text)
    index = INDEX_DATE.match(text)
    if index:
        day = resolve(index.group("date"), date(2000, 1, 1))
        if day is not None:
            return Reference(day.date_start, index.group(0).strip(), f"the leading index date field {index.group(0).strip()!r} gives the day of the copy", True)
    for line in lines[:40]:
        m = DATELINE.match(line.text)
        if m:
            d = _full_date(m.group("date"), text, year_hint)
            if d:
                return Reference(d[0], m.group(0), f"the dateline {m.group(0)!r} gives the day of writing{d[1]}", True)
    for line in lines:
        for part in _parts(line.text):
            p = PUBLISHED.match(part)
            if p and _is_date_line(part[p.end() :]):
                d = _full_date(part[p.end() :], text, year_hint) or _full_date(_date_of_line(part[p.end() :]), text, year_hint)
                if d:
                    return Reference(d[0], part, f"the page's publication line {part!r}; a page may be updated after the article was written", True)
    for seg in segments:
        if seg.kind in ("byline", "header") and ("date" in seg.reason or seg.kind == "byline"):
            for found in find_date_expressions(text[seg.start : seg.end]):
                d = _full_date(found.expression, text, year_hint) if re.search(r"\d{4}", found.expression) else None
                if d:
                    where = "byline" if seg.kind == "byline" else "date line at the top of the page"
                    return Reference(
                        d[0],
                        found.expression,
                        f"the {where} {found.expression!r}; a page date can be later than the writing: check that the weekdays of the body ('on Friday') fit it",
                        True,
                    )
    return _latest_stated(text, segments, year_hint, find_date_expressions(text) if dates is None else dates)


def _latest_stated(text: str, segments: list[Segment], year_hint: int | None, dates: list) -> Reference:
    """No date on the page: the latest day the body states in the past tense."""
    skip = Spans((s.start, s.end) for s in segments if s.kind in ("boilerplate", "duplicate"))
    best: tuple[date, str] | None = None
    for d in dates:
        if d.start in skip or _future_context(text, d.start):
            continue
        if not re.search(r"\d", d.expression) or not re.search(r"[A-Za-z]", d.expression.replace("on", "")):
            continue
        full = _full_date(d.expression, text, year_hint)
        if full and (best is None or full[0] > best[0]):
            best = (full[0], d.expression + full[1])
    if best is None:
        return Reference(None, "", "no date line, and the body states no calendar day", False)
    return Reference(
        best[0],
        best[1].split(" (")[0],
        f"no date line; the latest day the body states in the past tense, {best[1]!r}: relative dates are assumed written that day",
        False,
    )


FUTURE = re.compile(
    r"\b(?:will|would|shall|to\s+(?:take\s+effect|begin|start|expire|end|be\s+held)|set\s+to|scheduled|due|expected|plans?\s+to|starting|effective|until|by|expire[sd]?|from)\b[^.]{0,60}$",
    re.IGNORECASE,
)


def _future_context(text: str, pos: int) -> bool:
    """Future wording in the clause before the date ("would take effect on …")."""
    lo = max(max(text.rfind(c, 0, pos) for c in ".,;\n"), pos - 80)
    return bool(FUTURE.search(text[lo + 1 : pos]))


def _full_date(expression: str, text: str, year_hint: int | None) -> tuple[date, str] | None:
    """The day `expression` names; its year from itself, another full date of the text, or the hint."""
    r = resolve(expression, date(2000, 1, 1))
    if re.search(r"\d{4}", expression):
        return (r.date_start, "") if r and r.precision == "day" else None
    years = [int(y) for y in re.findall(r"\b(19\d{2}|20\d{2})\b", text)]
    year, why = (
        (max(years), f" (year {max(years)} from the text)")
        if years
        else (year_hint, f" (GUESS: year {year_hint} not stated, taken from the registry's events)")
    )
    if year is None:
        return None
    r = resolve(expression, date(year, 7, 1))
    if r is None or r.precision != "day":
        return None
    return r.date_start.replace(year=year) if r.date_start.year != year else r.date_start, why
