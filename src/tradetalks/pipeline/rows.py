"""Stage 4, assemble, per article: the rows that depend on one article only, as plain Python.

Ids come from natural keys; every row carries its provenance span. Judgement rows (quotes,
roles, events, measures, ambiguous mentions, variants) come from curation only; the one
mechanical rule that adds rows on its own is the exact alias mention (`rule:alias`). No Polars
here: a worker process (and `tradetalks validate <article>`) computes these without it;
`assemble` turns them into frames and joins every article's rows into the release's tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tradetalks.contract.input_files import STATUSES
from tradetalks.errors import Collector, Problem
from tradetalks.pipeline.claims import (
    DATE_FAMILIES,
    NUMBER_CLAIMS,
    PLACE_CLAIMS,
    PRECISION_COLUMN,
    START_COLUMN,
    PlaceRegistry,
    claim_intervals,
    claim_text,
    interval,
    period_end,
)
from tradetalks.pipeline.coverage import anchor_event_date, anchored_date_problems, derived_date_claims
from tradetalks.pipeline.hints import did_you_mean, scalar, unknown
from tradetalks.pipeline.ids import evidence_id, quote_id
from tradetalks.pipeline.locate import ArticleSpans, Located
from tradetalks.pipeline.names import look_alike_key, typed_name_problem
from tradetalks.pipeline.sources import REGISTRY_IDS, REQUIRED_REGISTRIES, Sources
from tradetalks.text.groups import group_id, normalise
from tradetalks.text.mentions import find_mentions

# The registries whose entries are rows of a table made from evidence: registry -> (table, annotation field, id field).
SUBJECT_TABLES = {"events": ("events", "event", "event_id"), "measures": ("tariff_measures", "measure", "measure_id")}


@dataclass
class Registries:
    """The valid registry rows by id, and the alias maps the mention rule uses."""

    people: dict[str, dict]
    events: dict[str, dict]
    measures: dict[str, dict]
    places: PlaceRegistry
    outlets: dict[str, str]  # casefolded name or alias -> outlet_id
    aliases: dict[str, str]
    ambiguous: dict[str, str]
    # Per registry: each id's index in its file, and the ids of entries left out as invalid
    # (a reference to one is no unknown id: the entry's own problems say what to fix).
    index: dict[str, dict[str, int]] = field(default_factory=dict)
    invalid: dict[str, set[str]] = field(default_factory=dict)

    def unknown(self, kind: str, ident: str) -> bool:
        return ident not in getattr(self, kind) and ident not in self.invalid.get(kind, set())


# The registries annotations name, and their id fields.
REGISTRY_KEYS = {name: REGISTRY_IDS[name] for name in REQUIRED_REGISTRIES}


# Aliases are matched mechanically, so an alias that is also an ordinary English word would count
# every "He", "Will" or "May" in every article as the person. Refused in `aliases` (they belong in
# `ambiguous_aliases`, whose every occurrence is curated):
# - the words of NLTK's English stop-word list (the de-facto standard list, as shipped in
#   nltk_data/corpora/stopwords/english), without its contraction fragments ("ll", "didn"...),
#   which never stand alone in a text;
# - titles and forms of address that stand for different people in different articles;
# - any alias written wholly in lower case: names are capitalised, ordinary words are not.
STOP_WORDS = frozenset(
    """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing a an the and but if or because as until while of at by for with
about against between into through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some such no nor not only own
same so than too very can will just should now
""".split()
)
TITLE_WORDS = frozenset(
    """
mr mrs ms miss dr sir madam president vice premier minister secretary chairman chairwoman chair spokesman
spokeswoman spokesperson ambassador envoy representative governor senator king queen prince general
""".split()
)


def common_word(alias: str) -> str | None:
    """Why `alias` is an ordinary word that cannot be matched mechanically, or None."""
    word = alias.strip().lower()
    if word in STOP_WORDS:
        return "a common English word"
    if word.rstrip(".") in TITLE_WORDS:
        return "a title that names different people in different articles"
    if alias == alias.lower() and any(c.isalpha() for c in alias):
        return "written in lower case, so it matches ordinary words (names are capitalised)"
    return None


def registries(sources: Sources, problems: Collector | None = None) -> Registries:
    """Registry rows by id; clashing aliases are reported to `problems` when given."""
    aliases: dict[str, str] = {}
    ambiguous: dict[str, str] = {}
    look_alikes: dict[str, tuple[str, int]] = {}
    for i, person in sources.entries("people"):
        doc = sources.file("people")
        if problems is not None:
            _check_typed_names(doc, i, person, look_alikes, problems)
        for alias in person["aliases"]:
            why = common_word(alias)
            if why is not None and problems is not None:
                problems.add(
                    doc.path,
                    doc.line_of(["people", i, "aliases"]),
                    f"people[{i}].aliases",
                    f"alias {alias!r} is {why}; move it to ambiguous_aliases and curate each occurrence under mentions / not_mentions",
                )
            if aliases.setdefault(alias, person["person_id"]) != person["person_id"] and problems is not None:
                problems.add(
                    doc.path,
                    doc.line_of(["people", i, "aliases"]),
                    f"people[{i}].aliases",
                    f"alias {alias!r} is already used by {aliases[alias]!r}; an alias must name one person:"
                    f" remove it from one of the two, or list it under ambiguous_aliases and curate each mention",
                )
        for alias in person.get("ambiguous_aliases", []):
            ambiguous[alias] = person["person_id"]
    index: dict[str, dict[str, int]] = {}
    rows: dict[str, dict[str, dict]] = {}
    for name, key in REGISTRY_KEYS.items():
        index[name], rows[name] = {}, {}
        for i, item in sources.entries(name):
            index[name].setdefault(item[key], i)
            rows[name][item[key]] = item
    return Registries(
        people=rows["people"],
        events=rows["events"],
        measures=rows["measures"],
        places=PlaceRegistry.of(sources.registry("places")),
        outlets={n.casefold(): o["outlet_id"] for o in sources.registry("outlets") for n in [o["name"], *o.get("aliases", [])]},
        aliases=aliases,
        ambiguous=ambiguous,
        index=index,
        invalid={name: set(ids) for name, ids in sources.invalid_ids.items()},
    )


def _check_typed_names(doc: Any, i: int, person: dict, look_alikes: dict[str, tuple[str, int]], problems: Collector) -> None:
    """A person's name and aliases are typed in one script per word and in NFC, and the name is no
    look-alike of an earlier person's (`names.look_alike_key`)."""
    for kind in ("name", "aliases", "ambiguous_aliases"):
        values = [person[kind]] if kind == "name" else person.get(kind, [])
        for j, value in enumerate(values):
            why = typed_name_problem(value)
            if why is not None:
                where = ["people", i, kind] if kind == "name" else ["people", i, kind, j]
                shown = f"people[{i}].{kind}" if kind == "name" else f"people[{i}].{kind}[{j}]"
                problems.add(doc.path, doc.line_of(where), shown, f"{value!r} {why}")
    key = look_alike_key(person["name"])
    if key in look_alikes and look_alikes[key][0] != person["person_id"]:
        other, line = look_alikes[key]
        problems.add(
            doc.path,
            doc.line_of(["people", i, "name"]),
            f"people[{i}].name",
            f"{person['name']!r} differs from {other!r} (line {line}) only by case or accents: one person registered twice?"
            " merge the two entries, or write the name exactly as the articles print it",
        )
    look_alikes.setdefault(key, (person["person_id"], doc.line_of(["people", i, "name"])))


def referenced(meta: dict) -> dict[str, set[str]]:
    """The registry ids an article's annotation file names, per registry."""
    authors = meta.get("authors")
    refs: dict[str, set[str]] = {
        "people": {a for a in authors if isinstance(a, str)} if isinstance(authors, list) else set(),
        "events": set(),
        "measures": set(),
    }
    for kind, (key, registry) in REFERENCES.items():
        items = meta.get(kind)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get(key), str):
                refs[registry].add(item[key])
            if isinstance(item, dict) and isinstance(item.get("date_anchor_event"), str):
                refs["events"].add(item["date_anchor_event"])
    return refs


def unsettled(sources: Sources, located: dict[str, ArticleSpans], reg: Registries) -> set[str]:
    """Registry ids whose support may sit in what earlier stages left out (an article, an annotation).

    The checks that a registry entry is supported, consistent with its claims and not disputed
    without a note wait for these ids; "*" stands for every person (an unreadable text).
    """
    out: set[str] = set()
    for left in sources.left_out:
        out |= _strings(left.data)
        if left.text is None:
            out.add("*")
        else:
            found, undecided = find_mentions(left.text, reg.aliases, reg.ambiguous)
            out |= {m.person_id for m in found + undecided}
    for aid, spans in located.items():
        meta = sources.articles[aid].meta
        for kind, i in spans.failed:
            out |= _strings(meta[kind][i])
    return out


def _strings(data: Any) -> set[str]:
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        return set().union(*map(_strings, data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*map(_strings, data)) if data else set()
    return set()


# Rows are dicts by column name; the columns each part holds are declared once, by the table
# models (`assemble.PART_SCHEMAS`).
Row = dict[str, Any]


def article_rows(sources: Sources, located: dict[str, ArticleSpans], reg: Registries) -> tuple[dict[str, list[Row]], list[Problem]]:
    """The rows that depend on one article only, for the articles in `sources` (a chunk or all), and their problems.

    Each row is a dict by column name (the columns of `assemble.PART_SCHEMAS`). The evidence and
    the quotes are sorted by article, then id: the build keeps them in that order, whatever the
    order of the annotations.
    """
    problems = Collector()
    segments = {aid: _Segments(spans) for aid, spans in located.items()}
    evidence = _mention_evidence(sources, located, reg, segments, problems)
    evidence += _curated_evidence(sources, located, reg, segments, problems)
    quotes = _quote_rows(sources, located, reg.people, segments, problems)
    rows = {
        "articles": _articles(sources, located, reg, problems),
        "evidence": sorted(evidence, key=lambda r: (r["article_id"], r["evidence_id"])),
        "quotes": sorted(quotes, key=lambda r: (r["article_id"], r["quote_id"])),
        "roles": _role_rows(located),
        "segments": _segment_rows(located),
    }
    return rows, problems.problems


def registry_problems(sources: Sources) -> list[Problem]:
    """What is wrong with the registries' valid entries on their own, without the articles."""
    problems = Collector()
    _check_registry_ids(sources, problems)
    reg = registries(sources, problems)
    for kind in ("events", "measures"):
        doc = getattr(sources, kind)
        for sid, item in getattr(reg, kind).items():
            i = reg.index[kind][sid]
            for start, end in (
                ("date_start", "date_end"),
                ("announced_date", "announced_date_end"),
                ("effective_date", "effective_date_end"),
                ("expiry_date", "expiry_date_end"),
                ("announced_date", "expiry_date"),
                ("effective_date", "expiry_date"),
            ):
                if item.get(start) and item.get(end) and item[end] < item[start]:
                    problems.add(
                        doc.path,
                        doc.line_of([kind, i, end]),
                        f"{kind}[{i}].{end}",
                        f"{end} {item[end]} is before {start} {item[start]}; correct one of the two (a one-day event has {end} = {start})",
                    )
            for family, precision in PRECISION_COLUMN.items():
                start = START_COLUMN[family]
                if precision in item and item.get(precision) is not None and item.get(start) is None:
                    problems.add(
                        doc.path,
                        doc.line_of([kind, i, precision]),
                        f"{kind}[{i}].{precision}",
                        f"{precision} is {item[precision]!r} but {start} is null; give the date, or set {precision}: null",
                    )
            for j, person in enumerate(item.get("participants", [])):
                if reg.unknown("people", person):
                    problems.add(doc.path, doc.line_of([kind, i, "participants", j]), f"{kind}[{i}].participants[{j}]", _unknown(reg, "people", person))
    return problems.problems


def _check_registry_ids(sources: Sources, problems: Collector) -> None:
    for name, key in REGISTRY_IDS.items():
        doc = getattr(sources, name)
        seen: dict[str, int] = {}
        for i, item in sources.entries(name):
            if item[key] in seen:
                problems.add(
                    doc.path,
                    doc.line_of([name, i, key]),
                    f"{name}[{i}].{key}",
                    f"duplicate id {item[key]!r}; first defined at item {seen[item[key]]} (line {doc.line_of([name, seen[item[key]]])}):"
                    " merge the two entries, or give this one a new id",
                )
            seen.setdefault(item[key], i)


class _Segments:
    """What a row asks of its article's segments, answered as `ArticleSpans.segment_kind` would (boilerplate wins)."""

    __slots__ = ("boilerplate", "duplicate")

    def __init__(self, spans: ArticleSpans) -> None:
        self.boilerplate = [(s.span.start, s.span.end) for s in spans.segments if s.kind == "boilerplate"]
        self.duplicate = [(s.span.start, s.span.end) for s in spans.segments if s.kind == "duplicate"]

    def in_boilerplate(self, start: int, end: int) -> bool:
        for a, b in self.boilerplate:  # a loop: any() over a generator costs more than the few segments
            if a <= start and end <= b:
                return True
        return False

    def in_duplicate(self, start: int, end: int) -> bool:
        """segment_kind(span) == "duplicate": inside a duplicate segment, and inside no boilerplate one."""
        for a, b in self.duplicate:
            if a <= start and end <= b:
                return not self.in_boilerplate(start, end)
        return False


def _articles(sources: Sources, located: dict[str, ArticleSpans], reg: Registries, problems: Collector) -> list[Row]:
    rows = []
    for aid, art in sources.articles.items():
        meta, spans = art.meta, located[aid]
        for i, author in enumerate(meta.get("authors", [])):
            if reg.unknown("people", author):
                problems.add(art.yaml.path, art.yaml.line_of(["authors", i]), f"authors[{i}]", _unknown(reg, "people", author))
        rows.append(
            {
                "article_id": aid,
                "seed_file": meta.get("seed_file"),
                "title": art.text[spans.title.start : spans.title.end] if spans.title else None,
                "outlet": meta.get("outlet"),
                "outlet_id": _outlet_id(art, "outlet", reg.outlets, problems),
                "outlet_note": meta.get("outlet_note"),
                "url": meta.get("url"),
                "authors": list(meta.get("authors", [])),
                "wire_service": meta.get("wire_service"),
                "wire_service_id": _outlet_id(art, "wire_service", reg.outlets, problems),
                "published_date": _date(meta.get("published_date")),
                "published_date_end": _published_end(meta),
                "published_date_precision": meta.get("published_date_precision"),
                "published_date_note": meta.get("published_date_note"),
                "reference_date": _date(meta["reference_date"]),
                "reference_date_note": meta["reference_date_note"],
                "language": meta["language"],
                "text": art.text,
                "text_sha256": art.sha256,
                "words_sha256": words_sha256(art.text),
                "n_chars": len(art.text),
                "notes": list(meta.get("notes", [])),
                "char_start": 0,
                "char_end": len(art.text),
                "method": "curated",
            }
        )
    return rows


def words_sha256(text: str) -> str:
    """The sha256 of what stays of `text` in NFC once its invisible (format) characters are dropped
    and its whitespace runs and line ends are one space: two texts equal here are one article
    (`assemble` refuses the second)."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        invisible = {ord(c): None for c in set(_NON_ASCII.findall(text)) if unicodedata.category(c) == "Cf"}
        text = text.translate(invisible) if invisible else text
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


# Characters outside ASCII: the only ones that can be invisible (format characters) or change under NFC.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _outlet_id(art, field: str, outlets: dict[str, str], problems: Collector) -> str | None:
    name = art.meta.get(field)
    if name is None:
        return None
    if name.casefold() not in outlets:
        problems.add(
            art.yaml.path,
            art.yaml.line_of([field]),
            field,
            f"{name!r} is not a name or alias of an outlet in dataset/outlets.yml; add the outlet (name, domain, owner, country, wire_service)",
        )
    return outlets.get(name.casefold())


def _published_end(meta: dict) -> dt.date | None:
    start = _date(meta.get("published_date"))
    return period_end(start, meta.get("published_date_precision") or "day") if start else None


def _segment_rows(located: dict[str, ArticleSpans]) -> list[Row]:
    return [
        {"article_id": aid, "kind": s.kind, "char_start": s.span.start, "char_end": s.span.end, "reason": s.reason}
        for aid, spans in located.items()
        for s in spans.segments
    ]


def _mention_evidence(sources: Sources, located: dict[str, ArticleSpans], reg: Registries, segments: dict[str, _Segments], problems: Collector) -> list[Row]:
    """rule:alias rows for exact alias matches; curated rows for ambiguous aliases ('He') and variants."""
    aliases, ambiguous = reg.aliases, reg.ambiguous
    rows: list[Row] = []
    for aid, art in sources.articles.items():
        spans, segs, text = located[aid], segments[aid], art.text
        found, undecided = find_mentions(text, aliases, ambiguous)
        variants = [a for a in spans.annotations if a.kind == "mentions" and a.item.get("variant")]
        rows += _variant_evidence(art, segs, variants, found, reg, problems)
        for m in found:
            if not segs.in_boilerplate(m.start, m.end):
                rows.append(_evidence("people", m.person_id, aid, m.start, m.end, text, segs, "rule:alias"))
        # A curated (not_)mention's evidence may be the bare alias or a phrase around it ("described He’s").
        curated = [a for a in spans.annotations if a.kind in ("mentions", "not_mentions") and not a.item.get("variant")]
        used: set[int] = set()
        for m in undecided:
            if segs.in_boilerplate(m.start, m.end):
                continue
            if any(v.span.start <= m.start and m.end <= v.span.end for v in variants):
                continue  # part of a variant ("He Lifang"): the variant records the mention
            covering = [i for i, a in enumerate(curated) if a.span.start <= m.start and m.end <= a.span.end]
            if not covering:
                context = " ".join(text[max(0, m.start - 30) : m.end + 30].split())
                problems.add(
                    art.yaml.path,
                    None,
                    "mentions",
                    f"ambiguous alias {m.surface!r} at offset {m.start} (…{context}…) is neither under `mentions` nor under `not_mentions`;"
                    f" add `- {{evidence: {scalar(m.surface)}, occurrence: N, person: {m.person_id}}}` under mentions if it names"
                    f" {m.person_id}, else `- {{evidence: ..., reason: ...}}` under not_mentions (a phrase around it as evidence needs no occurrence)",
                )
                continue
            i = min(covering, key=lambda i: curated[i].span.end - curated[i].span.start)
            ann = curated[i]
            used.add(i)
            if ann.kind == "mentions":
                person = ann.item["person"]
                if ambiguous.get(m.surface) != person:
                    problems.add(
                        art.yaml.path,
                        ann.line,
                        f"mentions[{ann.index}].person",
                        f"{m.surface!r} is an ambiguous alias of {ambiguous.get(m.surface)!r}, not of {person!r}; write"
                        f" `person: {ambiguous.get(m.surface)}`, or, if it names {person!r} under another spelling, add `variant: true`",
                    )
                # The row's span is the alias's, not the annotation's (its evidence may be a phrase around it).
                rows.append(_evidence("people", person, aid, m.start, m.end, text, segs, "curated", note=ann.item.get("note")))
        for i, ann in enumerate(curated):
            if i not in used:
                extra = " (or, for a misspelt or other one-article form of a name, add `variant: true`)" if ann.kind == "mentions" else ""
                problems.add(
                    art.yaml.path,
                    ann.line,
                    f"{ann.kind}[{ann.index}].evidence",
                    f'evidence {ann.item["evidence"]!r} contains no undecided occurrence of an ambiguous alias (such as a bare "He");'
                    f" registered aliases are found by the alias rule: delete this entry{extra}",
                )
    return rows


def _variant_evidence(art, segs: _Segments, variants: list[Located], found: list, reg: Registries, problems: Collector) -> list[Row]:
    """Curated rows for surface forms of one article (a misspelling, a transliteration, a bare surname)."""
    rows = []
    for ann in variants:
        person, where = ann.item["person"], f"mentions[{ann.index}]"
        surface = art.text[ann.span.start : ann.span.end]
        if person not in reg.people:
            if reg.unknown("people", person):
                problems.add(art.yaml.path, ann.line, f"{where}.person", _unknown(reg, "people", person))
            continue
        entry = reg.people[person]
        folded = " ".join(surface.split())
        if folded in entry["aliases"] or folded in entry.get("ambiguous_aliases", []):
            kind = "an alias" if folded in entry["aliases"] else "an ambiguous alias"
            rule = "the alias rule finds it" if kind == "an alias" else "this entry records it without the flag"
            problems.add(
                art.yaml.path,
                ann.line,
                f"{where}.variant",
                f"{folded!r} is already {kind} of {person!r} in dataset/people.yml; remove `variant: true` ({rule})",
            )
            continue
        other = reg.aliases.get(folded) or reg.ambiguous.get(folded)
        if other is not None:
            problems.add(
                art.yaml.path,
                ann.line,
                f"{where}.variant",
                f"{folded!r} is a registered alias of {other!r}, so it cannot be a variant of {person!r};"
                f" move it to {other!r}'s ambiguous_aliases and curate each mention, or correct `person`",
            )
            continue
        inside = [m for m in found if m.start < ann.span.end and ann.span.start < m.end]
        if inside:
            m = inside[0]
            same = m.person_id == person
            problems.add(
                art.yaml.path,
                ann.line,
                f"{where}.evidence",
                f"the alias rule already finds {m.surface!r} ({m.person_id}) at offset {m.start}, inside this variant;"
                + (
                    " the mention is counted: delete this entry"
                    if same
                    else f" a span names one person: shorten the evidence to the form that names {person!r}, or correct `person`"
                ),
            )
            continue
        rows.append(
            _evidence("people", person, ann.article_id, ann.span.start, ann.span.end, art.text, segs, "curated", note=ann.item.get("note"), variant=True)
        )
    return rows


def _unknown(reg: Registries, kind: str, ident: str, claims: dict | None = None) -> str:
    close = did_you_mean(ident, getattr(reg, kind))
    message = unknown(kind, ident, claims)
    return message.replace("; fix the id's spelling,", f"{close}; fix the id's spelling,", 1) if close else message


class _Claim(NamedTuple):
    """What an evidence row claims: the field, its value as text, the date words, and the value typed by its field."""

    field: str | None = None
    value: str | None = None
    date_text: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    date_precision: str | None = None
    number: float | None = None
    place_id: str | None = None


NO_CLAIM = _Claim()


def _evidence(
    table: str,
    subject: str,
    article_id: str,
    start: int,
    end: int,
    text: str,
    segs: _Segments,
    method: str,
    claim: _Claim = NO_CLAIM,
    note: str | None = None,
    variant: bool = False,
) -> Row:
    """An evidence row."""
    return {
        "evidence_id": evidence_id(table, subject, article_id, start, end, claim.field),
        "subject_table": table,
        "subject_id": subject,
        "claim_field": claim.field,
        "claim_value": claim.value,
        "claim_date_start": claim.date_start,
        "claim_date_end": claim.date_end,
        "claim_date_precision": claim.date_precision,
        "claim_number": claim.number,
        "claim_place_id": claim.place_id,
        "date_text": claim.date_text,
        "in_duplicate": segs.in_duplicate(start, end),
        "note": note,
        "variant": variant,
        "article_id": article_id,
        "char_start": start,
        "char_end": end,
        "evidence": text[start:end],
        "method": method,
    }


def _curated_evidence(sources: Sources, located: dict[str, ArticleSpans], reg: Registries, segments: dict[str, _Segments], problems: Collector) -> list[Row]:
    people, registries = reg.people, {"events": reg.events, "measures": reg.measures}
    rows: list[Row] = []
    for aid, art in sources.articles.items():
        spans, segs, text = located[aid], segments[aid], art.text
        # every_copy annotations are located once per copy: their claims are read (and reported) once.
        claimed: dict[tuple[str, int], list[_Claim]] = {}
        for ann in spans.annotations:
            if ann.kind == "roles":
                if ann.item["person"] not in people:
                    if reg.unknown("people", ann.item["person"]):
                        problems.add(art.yaml.path, ann.line, f"roles[{ann.index}].person", _unknown(reg, "people", ann.item["person"]))
                    continue
                role = _Claim("role", ann.item["role"])
                rows.append(_evidence("people", ann.item["person"], ann.article_id, ann.span.start, ann.span.end, text, segs, "curated", role))
            elif ann.kind in SUBJECT_TABLES:
                table, field, _ = SUBJECT_TABLES[ann.kind]
                subject = ann.item[field]
                if subject not in registries[ann.kind]:
                    if reg.unknown(ann.kind, subject):
                        problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].{field}", _unknown(reg, ann.kind, subject, ann.item.get("claims")))
                    continue
                claims = claimed.get((ann.kind, ann.index))
                if claims is None:
                    claims = claimed[ann.kind, ann.index] = _subject_claims(table, ann, art, reg, problems)
                note, start, end = ann.item.get("note"), ann.span.start, ann.span.end
                rows += [_evidence(table, subject, ann.article_id, start, end, text, segs, "curated", claim, note) for claim in claims]
            elif ann.kind == "quotes":
                speaker = ann.item.get("speaker")
                if speaker is not None and reg.unknown("people", speaker):
                    problems.add(art.yaml.path, ann.line, f"quotes[{ann.index}].speaker", _unknown(reg, "people", speaker))
        # Annotations whose evidence did not locate make no row, but what they name is checked all the same.
        for kind, i in sorted(spans.failed):
            if kind not in REFERENCES:
                continue
            key, registry = REFERENCES[kind]
            ident = art.meta[kind][i].get(key)
            if isinstance(ident, str) and reg.unknown(registry, ident):
                problems.add(art.yaml.path, art.yaml.line_of([kind, i]), f"{kind}[{i}].{key}", _unknown(reg, registry, ident, art.meta[kind][i].get("claims")))
    return rows


def _subject_claims(table: str, ann: Located, art, reg: Registries, problems: Collector) -> list[_Claim]:
    """The claims of an event or measure annotation, typed or derived by date_claim, one per evidence row."""
    item = ann.item
    if item.get("date_anchor_event"):
        for name, message in anchored_date_problems(item, reg.events):
            problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].{name}", message)
    claims = item.get("claims") or {}
    if item.get("date_claim"):
        derived, why = derived_date_claims(item, dt.date.fromisoformat(art.meta["reference_date"]), reg.events)
        if why:
            problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].date_claim", why)
        claims = {**claims, **derived}
    return _claim_values(table, ann, claims, art, reg, problems)


# Per subject table, the claims a date family (`DATE_FAMILIES`) makes one interval of.
FAMILY_CLAIMS = {table: frozenset(c for pair in families.values() for c in pair) for table, families in DATE_FAMILIES.items()}


def _claim_values(table: str, ann: Located, claims: dict, art, reg: Registries, problems: Collector) -> list[_Claim]:
    """One claim per evidence row of a subject annotation, its value typed by its field; no claim, one row without.

    A date family (a start and its end) is one claim, an interval; a location names a place of
    dataset/places.yml; a rate is a number.
    """
    item = ann.item
    date_text = item.get("date_text")
    if not claims:
        return [_Claim(None, None, date_text)]
    # The intervals are read from the claims as stated or derived, against the anchor date_text was resolved with.
    stated = item
    if claims is not item.get("claims") or item.get("date_anchor_event"):
        stated = {**item, "claims": claims}
    if item.get("date_anchor_event"):
        anchor, _ = anchor_event_date(item, reg.events)
        stated.pop("date_anchor_event")
        if anchor is not None:
            stated["date_anchor"] = anchor.isoformat()
    intervals, bad = claim_intervals(stated, table, dt.date.fromisoformat(art.meta["reference_date"]))
    for claim, message in bad:
        problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].claims.{claim}", message)
    out = [_Claim(family, span.text(), date_text, span.start, span.end, span.precision) for family, span in sorted(intervals.items())]
    family_claims = FAMILY_CLAIMS.get(table, frozenset())
    for claim_field, value in sorted(claims.items()):
        if claim_field in family_claims:
            continue
        if claim_field == "local_date":
            day, problem = interval(value, None, "day")
            if problem:
                problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].claims.local_date", problem)
                continue
            # `local_date: null` states no day: a row without dates, like any null claim.
            out.append(_Claim(claim_field, claim_text(value), date_text, *((day.start, day.end, "day") if day is not None else ())))
        elif claim_field in NUMBER_CLAIMS and isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(_Claim(claim_field, claim_text(value), number=float(value)))
        elif claim_field == "status" and value not in STATUSES:
            problems.add(art.yaml.path, ann.line, f"{ann.kind}[{ann.index}].claims.status", f"expected one of {', '.join(STATUSES)}, found {value!r}")
        elif claim_field in PLACE_CLAIMS:
            place_id = reg.places.find(str(value))
            if place_id is None:
                problems.add(
                    art.yaml.path,
                    ann.line,
                    f"{ann.kind}[{ann.index}].claims.{claim_field}",
                    f"{value!r} is not a name or alias of a place in dataset/places.yml; add the place (with the place it lies within) or an alias",
                )
            out.append(_Claim(claim_field, claim_text(value), place_id=place_id))
        else:
            out.append(_Claim(claim_field, claim_text(value)))
    return out


# The registry id each kind of annotation names: (field, registry).
REFERENCES = {
    "quotes": ("speaker", "people"),
    "roles": ("person", "people"),
    "mentions": ("person", "people"),
    "events": ("event", "events"),
    "measures": ("measure", "measures"),
}


def _quote_rows(sources: Sources, located: dict[str, ArticleSpans], people: dict, segments: dict[str, _Segments], problems: Collector) -> list[Row]:
    rows = []
    for aid, art in sources.articles.items():
        spans, segs = located[aid], segments[aid]
        for ann in spans.annotations:
            if ann.kind != "quotes":
                continue
            item = ann.item
            speaker = item.get("speaker")
            if speaker is not None and speaker not in people:
                continue  # an unknown speaker: reported with the evidence
            if speaker is None and not (item.get("speaker_organisation") or item.get("speaker_note")):
                problems.add(
                    art.yaml.path,
                    ann.line,
                    f"quotes[{ann.index}].speaker_note",
                    "speaker is null, so say who is quoted: speaker_organisation (an organisation), or speaker_note (why it is unknown);"
                    " write e.g. `speaker_organisation: Xinhua` or `speaker_note: an unnamed official`, or give the speaker's id",
                )
                continue
            start, end = ann.span.start, ann.span.end
            evidence = art.text[start:end]
            text = " ".join(evidence.split())
            norm = normalise(text)
            rows.append(
                {
                    "quote_id": quote_id(aid, start, end),
                    "text": text,
                    "speaker_id": speaker,
                    "speaker_name": people[speaker]["name"] if speaker in people else None,
                    "speaker_organisation": item.get("speaker_organisation"),
                    "speaker_note": item.get("speaker_note"),
                    "kind": item["kind"],
                    "cue": item.get("cue"),
                    "channel": item.get("channel"),
                    "in_duplicate": segs.in_duplicate(start, end),
                    "note": item.get("note"),
                    "article_id": ann.article_id,
                    "char_start": start,
                    "char_end": end,
                    "evidence": evidence,
                    "method": "curated",
                    # What the quote groups are made of (`assemble._quotes`), computed here, per article.
                    "norm": norm,
                    "norm_gid": group_id(norm),
                }
            )
    return rows


def _role_rows(located: dict[str, ArticleSpans]) -> list[Row]:
    return [
        {
            "person": a.item["person"],
            "article_id": a.article_id,
            "char_start": a.span.start,
            "index": a.index,
            "role": a.item["role"],
            "organisation": a.item.get("organisation"),
            "country": a.item.get("country"),
        }
        for spans in located.values()
        for a in spans.annotations
        if a.kind == "roles"
    ]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
