"""The draft of one article's annotation file, assembled from the rules of the sibling modules.

Sections, in the order of the ARTICLE schema: the page (title, reference date, segments:
page.py), quotations with their speakers and the titles that are not quotations (attribution.py),
people — mentions for ambiguous aliases and variants, roles, the registered people found and new
people to register (people.py) — and events and measures (claims.py). Registry entries to add
are printed as commented blocks at the end, to paste into dataset/*.yml after review.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from datetime import date
from pathlib import Path

from tradetalks.authoring.suggest.anchors import pin_reference
from tradetalks.authoring.suggest.attribution import UNATTRIBUTED, attribute, find_turns, is_title_of_work, sentence_bounds
from tradetalks.authoring.suggest.drafted_claims import Context, clause_of, clauses, draft_events, draft_measures
from tradetalks.authoring.suggest.page import datelines, find_published, find_reference, find_segments
from tradetalks.authoring.suggest.people import find_people
from tradetalks.authoring.suggest.render import Row, Spans, commented, every_copy, find_spans, locator, q, section
from tradetalks.contract.input_files import ARTICLE_ID
from tradetalks.contract.modeline import modeline
from tradetalks.errors import DatasetError
from tradetalks.pipeline.markers import DRAFT_HEADER, DRAFT_MARKERS
from tradetalks.pipeline.sources import read_article_text
from tradetalks.pipeline.yamldoc import read_yaml
from tradetalks.text.dates import find_date_expressions, resolve
from tradetalks.text.quotations import find_quotations

MAX_CHARS = 100_000  # bound work on untrusted input (five long articles); longer texts are drafted from their start
MAX_END_WORDS = 40  # words a segment's end text may take
MAX_ROWS = 400  # quotations and date expressions drafted at most; a news article has far fewer

# The draft's markers, which `validate` refuses until a person has resolved each one.
GUESS, DECIDE, TODO = DRAFT_MARKERS


def suggest(
    text: str, *, article_id: str, people: list[dict], reference_date: date | None, events: list[dict] | None = None, measures: list[dict] | None = None
) -> str:
    """A YAML draft of dataset/articles/<article_id>.yml; every guess is marked as one."""
    # Load inputs.
    full_text, text = text, text[:MAX_CHARS]
    segments, title = find_segments(text)
    skip = [(s.start, s.end) for s in segments if s.kind == "boilerplate"]
    furniture = [(s.start, s.end) for s in segments if s.kind in ("boilerplate", "header", "byline", "caption")] + datelines(text)
    bylines = [(s.start, s.end) for s in segments if s.kind == "byline"]
    years = [int(str(e.get("date_start"))[:4]) for e in events or [] if e.get("date_start")]
    year_hint = Counter(years).most_common(1)[0][0] if years else None
    boiler = Spans(skip)
    quotations = [qu for qu in find_quotations(text) if qu.start not in boiler][:MAX_ROWS]
    cast = find_people(text, people, skip, bylines)
    attributions = attribute(text, quotations, cast)
    dates = find_date_expressions(text)[:MAX_ROWS]
    ends = sentence_bounds(text, quotations)
    quoted = [(qu.inner_start, qu.inner_end) for qu in quotations if not qu.nested]
    cuts = clauses(text, ends)
    people_at = [(n.start, n.end, n.person_id) for n in cast.names] + [(m.start, m.end, m.person_id) for m in cast.undecided]
    reference = pin_reference(
        text,
        find_reference(text, segments, year_hint, dates),
        dates,
        events or [],
        people_at,
        lambda pos: clause_of(Context(text, None, None, Spans([]), Spans([]), cuts), pos),
        Spans(furniture + quoted),
    )
    ref = reference_date or reference.date
    ctx = Context(text, ref, ref.year if ref else year_hint, Spans(furniture), Spans(quoted), cuts)
    country_of = {n.start: cast.people[n.person_id].country for n in cast.names if cast.people[n.person_id].country}

    # Process.
    quote_rows, not_quote_rows = _quotes(text, quotations, attributions)
    quote_rows = sorted(quote_rows + _turns(text, find_turns(text, cast, skip)), key=lambda r: r.start)
    measure_rows, new_measures, measure_dates, clause_dates = draft_measures(ctx, dates, measures or [], country_of)  # type: ignore[arg-type]
    event_rows, new_events = draft_events(ctx, dates, events or [], measure_dates, clause_dates)
    mention_rows, not_mention_rows = _mentions(text, cast)
    authors = sorted({p.person_id for p in cast.people.values() if p.author})
    out = [
        modeline(f"dataset/articles/{article_id}.yml", "article"),
        f"# Draft annotation of dataset/articles/{article_id}.txt, written by `tradetalks suggest`.",
        *DRAFT_HEADER,
        *([f"# The text was cut to its first {MAX_CHARS} characters for drafting."] if len(full_text) > MAX_CHARS else []),
        f"article_id: {article_id}",
        "seed_file: null",
        f"text_sha256: {hashlib.sha256(full_text.encode('utf-8')).hexdigest()}",
        *_title(text, title),
        "outlet: null  # TODO: the outlet, only if the text or its source supports it",
        f"authors: [{', '.join(authors)}]"
        + ("  # GUESS: the byline's names; each needs an entry in dataset/people.yml" if authors else "  # TODO: slugs of the byline's authors, if any"),
        *_published(text, find_published(text, segments, year_hint)),
        *_reference(reference, reference_date),
        "language: en  # GUESS: English",
        *section("segments", [_segment_row(text, s) for s in segments], "GUESS: each from a rule; check the reason"),
        *section("quotes", every_copy(text, quote_rows), "every quotation-mark span; speakers from the attribution structure"),
        *section("not_quotes", not_quote_rows),
        *section("mentions", mention_rows),
        *section("not_mentions", not_mention_rows),
        *section("roles", every_copy(text, _roles(text, cast)), "as printed, even when it looks wrong"),
        *section("events", every_copy(text, event_rows), "one row per date expression; merge rows on the same event"),
        *_quoted_dates(text, dates, ctx),
        *section("measures", every_copy(text, measure_rows)),
        *_people_found(cast),
        *commented("New entries for dataset/people.yml (GUESS: check, then paste there)", _new_people(cast)),
        *commented("New entries for dataset/events.yml (GUESS: check, merge duplicates, then paste there)", new_events),
        *commented("New entries for dataset/measures.yml (GUESS: check, merge duplicates, then paste there)", new_measures),
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
    registries = {kind: _registry(root, kind) for kind in ("people", "events", "measures")}
    target = root / "dataset" / "articles" / f"{article_id}.yml"
    if write and target.exists():
        raise DatasetError.one(
            f"dataset/articles/{article_id}.yml",
            None,
            None,
            "annotation file already exists and suggest never overwrites one; run without --write to print the draft and copy what you need",
        )

    # Process.
    draft = suggest(text, article_id=article_id, people=registries["people"], reference_date=None, events=registries["events"], measures=registries["measures"])
    if write:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite, even in a race.
            fh.write(draft)
    return draft


def _registry(root: Path, kind: str) -> list[dict]:
    path = root / "dataset" / f"{kind}.yml"
    if not path.exists():
        return []
    data = read_yaml(path, f"dataset/{kind}.yml").data
    rows = data.get(kind) if isinstance(data, dict) else None
    return [r for r in rows or [] if isinstance(r, dict)]


# Sections of the draft.


def _title(text: str, title) -> list[str]:
    if title is None:
        return ["title: null  # GUESS: no headline-like line at the top (the first line is running text, a caption or a byline)"]
    loc = locator(text, title.start, title.end)
    lines = ["title:  # GUESS: the first headline-like line at the top of the page", f"  evidence: {q(loc['evidence'])}"]
    if "occurrence" in loc:
        lines.append(f"  occurrence: {loc['occurrence']}")
    return lines


def _published(text: str, found) -> list[str]:
    if found is None:
        return ["published_date: null  # TODO: only a date the text supports; add published_date_precision and _evidence"]
    day, start, end = found
    loc = locator(text, start, end)
    return [
        f'published_date: "{day.isoformat()}"  # GUESS: the date the page prints; check it is the article\'s',
        "published_date_precision: day",
        "published_date_evidence:",
        f"  evidence: {q(loc['evidence'])}",
        *([f"  occurrence: {loc['occurrence']}"] if "occurrence" in loc else []),
        'published_date_note: "TODO: what the date denotes (publication, update, crawl), if the text says; else null"',
    ]


def _reference(reference, given: date | None) -> list[str]:
    if given is not None:
        return [f'reference_date: "{given.isoformat()}"', "reference_date_note: \"TODO: say why relative dates ('on Friday', 'next week') refer to this date\""]
    if reference.date is None:
        return [
            "reference_date: null  # TODO: required; the date relative expressions ('on Friday') are written from",
            f"reference_date_note: {q('TODO: ' + reference.reason)}",
        ]
    return [
        f'reference_date: "{reference.date.isoformat()}"  # GUESS: {reference.reason}',
        f"reference_date_note: {q('TODO (check): ' + reference.reason[0].upper() + reference.reason[1:] + '.')}",
    ]


def _segment_row(text: str, seg) -> Row:
    lines = [m for m in re.finditer(r"[^\n]+", text[seg.start : seg.end]) if m.group().strip()]
    first = lines[0] if lines else None
    start_end = seg.start + (first.end() if first else 0)
    loc = locator(text, seg.start, min(start_end, seg.start + 300))
    if len(loc["evidence"].split()) > 12:  # a long first line: its first words locate it
        words = list(re.finditer(r"\S+", text[seg.start : start_end]))[:12]
        loc = locator(text, seg.start, seg.start + words[-1].end())
    fields = {"kind": seg.kind, "start": loc["evidence"]}
    lead: list[str] = []
    if "occurrence" in loc:
        fields["occurrence"] = loc["occurrence"]
    if len(lines) > 1:
        # The end text: the segment's last line, else its fewest last words, that the build's rule
        # (the first match ending after the start) finds exactly where the segment ends.
        start_span_end = find_spans(text, loc["evidence"])[loc.get("occurrence", 1) - 1].end
        last_line = " ".join(lines[-1].group().split())
        words = list(re.finditer(r"\S+", text[seg.start : seg.end]))
        # At most MAX_END_WORDS last words: a segment of repeated lines (a body printed twice) must not
        # cost a search per word of it.
        tails = (" ".join(w.group() for w in words[-n:]) for n in range(min(4, len(words)), min(len(words), MAX_END_WORDS) + 1))
        candidates = itertools.chain([last_line], tails)
        for end_text in candidates:
            ends = [sp for sp in find_spans(text, end_text) if sp.end >= start_span_end]
            if ends and ends[0].end == seg.end:
                fields["end"] = end_text
                break
        else:
            lead.append("TODO: no end text locates this segment's end; give `end` by hand")
    fields["reason"] = seg.reason[0].upper() + seg.reason[1:] + "."
    return Row(fields, {"kind": "GUESS"}, lead, start=seg.start)


def _quotes(text: str, quotations, attributions) -> tuple[list[Row], list[Row]]:
    rows, not_rows = [], []
    for qu in quotations:
        if qu.nested:
            continue
        raw = text[qu.inner_start : qu.inner_end]
        if not raw.strip():
            continue
        lead = len(raw) - len(raw.lstrip())
        loc = locator(text, qu.inner_start + lead, qu.inner_end)
        reason = is_title_of_work(text, qu)
        if reason:
            not_rows.append(Row({**loc, "reason": reason}, {"reason": "GUESS"}, start=qu.start))
            continue
        att = attributions.get(qu.start)
        full = loc["evidence"][0].isupper() or loc["evidence"][0] in "[…"
        row = Row(dict(loc), start=qu.start)
        if qu.close_mark == "":
            row.lead.append("GUESS: quotation left open (news style carries a quote over paragraphs); evidence runs to the end of its paragraph")
        if att and att.scare:
            row.lead.append("DECIDE: the writer's own scare quote? If nobody is quoted, move it to not_quotes with that reason (CONTRIBUTING)")
        row.fields["speaker"] = att.speaker if att else None
        row.notes["speaker"] = f"GUESS: {att.why}" if att else "GUESS: no attribution found"
        if att and att.speaker is None and att.label:
            row.fields["speaker_organisation"] = att.label
            row.notes["speaker_organisation"] = "GUESS: an organisation, not a registered person"
        elif not att or att.speaker is None:
            row.fields["speaker_note"] = (att.note if att else None) or UNATTRIBUTED
        row.fields["kind"] = "full" if full else "partial"
        row.notes["kind"] = "GUESS: " + ("starts with a capital" if full else "starts mid-sentence")
        row.fields["cue"] = att.cue if att else None
        if att and att.cue:
            row.notes["cue"] = "GUESS: the reporting verb of the attribution"
        rows.append(row)
    return rows, not_rows


def _turns(text: str, turns) -> list[Row]:
    rows = []
    for t in turns:
        row = Row({**locator(text, t.start, t.end), "speaker": t.speaker}, {"speaker": f"GUESS: {t.why}"}, start=t.start)
        if t.speaker is None and t.organisation:
            row.fields["speaker_organisation"] = t.organisation
            row.notes["speaker_organisation"] = "GUESS: the organisation whose briefing the text before the transcript names"
        elif t.speaker is None and t.label:
            row.fields["speaker_note"] = t.label
        row.fields.update({"kind": "turn", "cue": None, "note": "Transcript turn: the words follow the speaker's label, with no quotation marks."})
        row.notes["kind"] = "GUESS: a whole turn; mark the transcript under segments (kind: transcript)"
        rows.append(row)
    return rows


def _quoted_dates(text: str, dates, ctx) -> list[str]:
    """Dates inside quotations: relative to the day the words were said, so listed for a person."""
    inside = [d for d in dates if d.start in ctx.quoted and d.start not in ctx.skip]
    if not inside:
        return []
    out = [
        "# DECIDE: dates inside quotations are relative to the day the words were said; if one dates an event,",
        "# add an event row with date_text and date_anchor (that day). Read against the reference date:",
    ]
    for d in inside:
        shown = " ".join(d.expression.split())
        r = resolve(shown, ctx.reference, future=True) if ctx.reference else None
        span = (
            "" if r is None else f" -> {r.date_start.isoformat()}" + ("" if r.date_start == r.date_end else f"..{r.date_end.isoformat()}") + f" ({r.precision})"
        )
        out.append(f"#   {q(shown)} in {q(' '.join(text[max(0, d.start - 40) : d.end + 20].split()))}{span}")
    return out


def _mentions(text: str, cast) -> tuple[list[Row], list[Row]]:
    person, pronoun = [], []
    for n in cast.names:
        if n.variant:
            name = cast.people[n.person_id].name
            person.append(
                Row(
                    {**locator(text, n.start, n.end), "person": n.person_id, "variant": True},
                    {"variant": f"GUESS: a misspelling or variant of {name!r} in this article only, {n.why}"},
                    start=n.start,
                )
            )
    for m in cast.undecided:
        before = text[: m.start].rstrip()
        starts_sentence = not before or before[-1] in ".?!”\"“‘'\n" or text[m.start - 1 : m.start] == "\n"
        named = text[m.end : m.end + 2] == " [" or text[m.end : m.end + 5] == " and "
        loc = locator(text, m.start, m.end)
        name = cast.people[m.person_id].name
        context = " ".join(text[max(0, m.start - 30) : m.end + 30].split())
        if starts_sentence and not named:
            pronoun.append(
                Row(
                    {**loc, "reason": "pronoun"},
                    lead=[f"DECIDE: {q(m.surface)} in {q(context)}; GUESS: the pronoun (sentence start). If it is {name}, move it to mentions"],
                    start=m.start,
                )
            )
        else:
            person.append(
                Row(
                    {**loc, "person": m.person_id},
                    lead=[
                        f"DECIDE: {q(m.surface)} in {q(context)}; GUESS: {name} (capitalised mid-sentence). If it is the pronoun, move it to not_mentions with a reason"
                    ],
                    start=m.start,
                )
            )
    return sorted(person, key=lambda r: r.start), pronoun


def _roles(text: str, cast) -> list[Row]:
    rows, seen = [], set()
    for r in sorted(cast.roles, key=lambda r: r.start):
        loc = locator(text, r.start, r.end)
        key = (loc["evidence"], loc.get("occurrence"))
        if key in seen:
            continue
        seen.add(key)
        fields = {"person": r.person_id, "role": r.role, "organisation": r.organisation, "country": r.country, **loc}
        rows.append(Row(fields, {"role": f"GUESS: {r.note or 'the title before the name'}, as printed"}, start=r.start))
    return rows


def _people_found(cast) -> list[str]:
    found = [(pid, p) for pid, p in sorted(cast.people.items()) if not p.new and (p.forms or p.variants)]
    if not found:
        return []
    out = ["# --- People named in the text (registered: matched by their aliases, nothing to write) ---"]
    for pid, p in found:
        forms = ", ".join(f"{q(s)} ×{len(v)}" for s, v in sorted(p.forms.items()))
        variants = ", ".join(f"{q(s)} ×{len(v)} (variant)" for s, v in sorted(p.variants.items()))
        out.append(f"#   {pid}: {', '.join(x for x in (forms, variants) if x)}")
    return out


def _new_people(cast) -> list[Row]:
    rows = []
    for pid, p in sorted(cast.people.items()):
        if not p.new:
            continue
        aliases = sorted(p.forms, key=lambda s: (-len(s), s))
        fields = {"person_id": pid, "name": p.name, "aliases": aliases}
        notes = {"person_id": "GUESS: a new person (not in dataset/people.yml)" + ("; named in the byline" if p.author else "")}
        if p.ambiguous:
            fields["ambiguous_aliases"] = sorted(p.ambiguous)
            notes["ambiguous_aliases"] = "GUESS: also an ordinary word in this text; each occurrence must be decided"
        fields["country"] = p.country
        if p.country:
            fields["country_note"] = f"{q(p.country_evidence)[1:-1]}"
            notes["country"] = "GUESS: from the demonym before the name"
        else:
            notes["country"] = "TODO: ISO code only if a text states it"
        rows.append(Row(fields, notes))
    return rows
