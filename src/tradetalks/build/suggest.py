"""`tradetalks suggest`: draft an article's annotation file from the detectors.

The draft follows the ARTICLE schema (schemas/files.py) and is meant to be read, corrected and
trimmed by a person. Whatever a rule guessed carries a `# GUESS:` comment, whatever a person
must decide a `# DECIDE:` comment, and whatever the text cannot tell a `# TODO:` comment:

- quotes: every top-level quotation span; the speaker is the registered alias nearest to the
  quotation within its sentence (names inside other quotations do not count), the cue the
  nearest reporting verb, and the kind `full` when the quotation starts with a capital letter;
- mentions / not_mentions: every occurrence of an ambiguous alias ("He") not covered by a longer
  alias; mid-sentence it is guessed to be the person, at a sentence start the pronoun;
- dates: every date expression, resolved against the reference date, listed as comments for
  the events and measures a person will write;
- the reference date, when not given: the first full date in the text (often a dateline).
Evidence strings are the article's own characters with whitespace runs folded, and carry
`occurrence` whenever they appear more than once, so every one of them locates.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import yaml

from tradetalks.build.detect.dates import find_date_expressions, resolve
from tradetalks.build.detect.mentions import Mention, find_mentions
from tradetalks.build.detect.quotations import Quotation, find_quotations
from tradetalks.build.errors import DatasetError
from tradetalks.build.locate import find_spans
from tradetalks.build.sources import read_article_text
from tradetalks.build.yamldoc import read_yaml
from tradetalks.schemas.files import ARTICLE_ID

CUES = re.compile(r"\b(?:said|says|say|wrote|writes|told|tells|stated|states|added|adds|noted|according to|described|characteri[sz]ed|called|posted|reported|warned|insisted)\b")
# A sentence ends at . ? or ! (possibly inside a closing quote mark) before whitespace, or at a line
# break, unless the line is wrapped mid-sentence (it ends in , : ; or a dash, or the next starts lowercase).
SENTENCE_END = re.compile(r"[.?!][”\"’']?(?=\s)|(?<![,:;–—-])[ \t]*\n(?!\s*[a-z])")
CONTEXT = 30


def suggest(text: str, *, article_id: str, people: list[dict], reference_date: date | None) -> str:
    """A YAML draft of dataset/articles/<article_id>.yml; every guess is marked as one."""
    # Load inputs.
    aliases = {a: p["person_id"] for p in people for a in p.get("aliases", [])}
    ambiguous = {a: p["person_id"] for p in people for a in p.get("ambiguous_aliases", [])}
    names = {p["person_id"]: p.get("name", p["person_id"]) for p in people}
    quotations = find_quotations(text)
    found, undecided = find_mentions(text, aliases, ambiguous)
    dates = find_date_expressions(text)

    # Process.
    out = [
        f"# Draft annotation of dataset/articles/{article_id}.txt, written by `tradetalks suggest`.",
        "# Lines marked GUESS come from rules, not from a person: check each against the text, fix or delete it.",
        "# DECIDE marks a choice the rules cannot make; TODO marks what the text cannot tell the rules.",
        f"article_id: {article_id}",
        "seed_file: null",
        f"text_sha256: {hashlib.sha256(text.encode('utf-8')).hexdigest()}",
        *_title(text),
        "outlet: null  # TODO: the outlet, only if the text or its source supports it",
        "authors: []  # TODO: slugs of the byline's authors",
        "published_date: null  # TODO: only a date the text supports; add published_date_precision and _evidence",
        *_reference(text, dates, reference_date),
        "language: en  # GUESS: English",
        *_boilerplate(text),
        *_quotes(text, quotations, found),
        "not_quotes: []",
        *_mentions(text, undecided, names),
        "roles: []",
        *_dates(dates, quotations, reference_date or _first_full_date(text, dates)[0]),
        "measures: []",
    ]
    return "\n".join(out) + "\n"


def suggest_file(path: Path, root: Path, write: bool = False) -> str:
    """The draft for one article text; with `write`, also save it (never over an existing file)."""
    # Load inputs.
    root, path = Path(root), Path(path)
    if not path.is_absolute() and not path.exists():
        path = root / path
    shown = str(path)
    if path.suffix != ".txt" or not path.is_file():
        raise DatasetError.one(shown, None, None, "no such article text; give the path of dataset/articles/<article_id>.txt")
    article_id = path.stem
    if not re.match(ARTICLE_ID, article_id) or len(article_id) > 80:
        raise DatasetError.one(shown, None, None, f"file name {article_id!r} is not a valid article id (lowercase words joined by '-')")
    text, _sha = read_article_text(path, shown)
    people_path = root / "dataset" / "people.yml"
    people: list[dict] = []
    if people_path.exists():
        data = read_yaml(people_path, "dataset/people.yml").data
        people = list(data.get("people") or []) if isinstance(data, dict) else []
    target = root / "dataset" / "articles" / f"{article_id}.yml"
    if write and target.exists():
        raise DatasetError.one(f"dataset/articles/{article_id}.yml", None, None,
                               "annotation file already exists and suggest never overwrites one; run without --write to print the draft and copy what you need")

    # Process.
    draft = suggest(text, article_id=article_id, people=people, reference_date=None)
    if write:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite, even in a race.
            fh.write(draft)
    return draft


# Sections of the draft.

def _title(text: str) -> list[str]:
    # Skip datelines and section labels ("Thursday, October 30, 2025", "Technology").
    lines = [" ".join(line.split()) for line in text.splitlines()]
    evidence = next((line for line in lines if len(line.split()) >= 4 and not _is_date(line)), "")
    if not evidence:
        return ["title: null  # TODO: the headline, if the text has one"]
    lines = ["title:  # GUESS: the first line of four or more words; null if it is not the headline", f"  evidence: {_q(evidence)}"]
    if len(find_spans(text, evidence)) > 1:
        lines.append("  occurrence: 1")
    return lines


def _is_date(line: str) -> bool:
    found = find_date_expressions(line)
    return len(found) == 1 and found[0].expression == line


def _reference(text: str, dates, given: date | None) -> list[str]:
    if given is not None:
        return [f'reference_date: "{given.isoformat()}"',
                "reference_date_note: \"TODO: say why relative dates ('on Friday', 'next week') refer to this date\""]
    guess, expression = _first_full_date(text, dates)
    if guess is None:
        return ["reference_date: null  # TODO: required; the date relative expressions are written from",
                'reference_date_note: "TODO: say why"']
    return [f'reference_date: "{guess.isoformat()}"  # GUESS: the first full date in the text, {_q(expression)}; a page date may be later than the article',
            "reference_date_note: \"TODO: say why relative dates ('on Friday', 'next week') refer to this date\""]


def _first_full_date(text: str, dates) -> tuple[date | None, str]:
    """The first date written with its year (a dateline); (None, '') when there is none."""
    for d in dates:
        if re.search(r"\d{4}", d.expression):
            r = resolve(d.expression, date(2000, 1, 1))
            if r is not None and r.precision == "day":
                return r.date_start, d.expression
    return None, ""


def _boilerplate(text: str) -> list[str]:
    lines = ["segments: []"]
    for m in re.finditer(r"^(?:ALSO READ|Also Read|Related Articles|More From This Section|Guess You Like)\b.*$", text, re.MULTILINE):
        lines.append(f"# GUESS: site boilerplate? line at offset {m.start()}: {_q(m.group()[:60])}")
    return lines


def _quotes(text: str, quotations: list[Quotation], mentions: list[Mention]) -> list[str]:
    if not quotations:
        return ["quotes: []"]
    lines = ["quotes:  # every quotation-mark span; move titles and scare quotes to not_quotes with a reason"]
    inner = [(q.inner_start, q.inner_end) for q in quotations]
    for q in quotations:
        raw = text[q.inner_start : q.inner_end]
        evidence = " ".join(raw.split())
        if q.nested:
            lines.append(f"  # nested quotation {q.open_mark}{evidence}{q.close_mark} at offset {q.start}: part of the quotation around it, not listed")
            continue
        if not evidence:
            continue
        lo, hi = _sentence(text, q)
        # Names inside any quotation are quoted words, not the speaker.
        near = [m for m in mentions if (lo <= m.start < q.start or q.end <= m.start < hi) and not any(a <= m.start < b for a, b in inner)]
        speaker = min(near, key=lambda m: (q.start - m.end) if m.end <= q.start else (m.start - q.end), default=None)
        cue = _cue(text, q, lo, hi)
        full = evidence[0].isupper() or evidence[0] == "["
        if q.close_mark == "":
            lines.append("  # GUESS: quotation left open (news style carries a quote over paragraphs); evidence runs to the end of its paragraph")
        lines.append(f"  - evidence: {_q(evidence)}")
        occurrence = _occurrence(text, evidence, q.inner_start + len(raw) - len(raw.lstrip()))
        if occurrence:
            lines.append(f"    occurrence: {occurrence}")
        if speaker is None:
            lines.append("    speaker: null  # GUESS: no registered name in the sentence; find the speaker (a pronoun? an earlier sentence?) or give speaker_organisation / speaker_note")
        else:
            lines.append(f"    speaker: {speaker.person_id}  # GUESS: speaker from nearest name {_q(speaker.surface)}; check")
        lines.append(f"    kind: {'full' if full else 'partial'}  # GUESS: {'starts with a capital' if full else 'starts mid-sentence'}")
        lines.append(f"    cue: {_q(cue) if cue else 'null'}" + ("  # GUESS: nearest reporting verb in the sentence" if cue else ""))
    return lines


def _mentions(text: str, undecided: list[Mention], names: dict[str, str]) -> list[str]:
    person, pronoun = [], []
    for m in undecided:
        before = text[: m.start].rstrip()
        starts_sentence = not before or before[-1] in ".?!”\"“‘'\n" or text[m.start - 1 : m.start] == "\n"
        # "He [Lifeng]", "He and Bessent": a name even at a sentence start.
        named = text[m.end : m.end + 2] == " [" or text[m.end : m.end + 5] == " and "
        where = f"at offset {m.start}: {_q(_context(text, m.start, m.end))}"
        entry = [f"  - evidence: {_q(m.surface)}"]
        occurrence = _occurrence(text, m.surface, m.start)
        if occurrence:
            entry.append(f"    occurrence: {occurrence}")
        if starts_sentence and not named:
            pronoun += [f"  # DECIDE: {_q(m.surface)} {where}; GUESS: the pronoun (sentence start). If it is {names.get(m.person_id, m.person_id)}, move it to mentions",
                        *entry, '    reason: "pronoun"']
        else:
            person += [f"  # DECIDE: {_q(m.surface)} {where}; GUESS: {names.get(m.person_id, m.person_id)} (capitalised mid-sentence). If it is the pronoun, move it to not_mentions with a reason",
                       *entry, f"    person: {m.person_id}"]
    return [f"mentions:{'' if person else ' []'}", *person, f"not_mentions:{'' if pronoun else ' []'}", *pronoun]


def _dates(dates, quotations: list[Quotation], reference: date | None) -> list[str]:
    lines = ["events: []"]
    if not dates:
        return lines
    against = f"resolved against {reference.isoformat()}" if reference else "not resolved: no reference date"
    lines.append(f"# Date expressions in the text ({against}); use them as date_text of events and measures:")
    for d in dates:
        shown = f"#   offset {d.start}: {_q(' '.join(d.expression.split()))}"
        if any(q.inner_start <= d.start < q.inner_end for q in quotations):
            shown += " (inside a quotation: relative to the day it was said)"
        if reference is None:
            lines.append(shown)
            continue
        past, ahead = resolve(d.expression, reference), resolve(d.expression, reference, future=True)
        if past is None:
            lines.append(f"{shown} -> not mechanical; resolve by hand")
            continue
        lines.append(f"{shown} -> {_span(past)}  # GUESS" + (f"; read as future: {_span(ahead)}" if ahead and ahead != past else ""))
    return lines


# Helpers.

def _sentence(text: str, q: Quotation) -> tuple[int, int]:
    """The sentence around a quotation: [start, end) between sentence ends outside it."""
    lo = max((m.end() for m in SENTENCE_END.finditer(text, 0, q.start)), default=0)
    if re.search(r"[.?!]\s*$", text[q.inner_start : q.inner_end]):
        return lo, q.end  # A quotation ending with a full stop ends its sentence.
    after = SENTENCE_END.search(text, q.end)
    return lo, after.end() if after else len(text)


def _cue(text: str, q: Quotation, lo: int, hi: int) -> str | None:
    cues = [(q.start - m.end(), m.group()) for m in CUES.finditer(text, lo, q.start)]
    cues += [(m.start() - q.end, m.group()) for m in CUES.finditer(text, q.end, hi)]
    return min(cues)[1] if cues else None


def _occurrence(text: str, evidence: str, start: int) -> int | None:
    """1-based occurrence of the span at `start` among the evidence's matches; None when unique."""
    spans = find_spans(text, evidence)
    if len(spans) < 2:
        return None
    return next((i + 1 for i, s in enumerate(spans) if s.start == start), None)


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - CONTEXT) : end + CONTEXT].split())


def _span(r) -> str:
    dates = r.date_start.isoformat() if r.date_start == r.date_end else f"{r.date_start.isoformat()}..{r.date_end.isoformat()}"
    return f"{dates} ({r.precision})"


def _q(value: str) -> str:
    """A YAML double-quoted scalar, on one line."""
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=float("inf")).rstrip("\n")
