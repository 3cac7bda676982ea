"""Who said each quotation: read off the structure of attribution, not the nearest name.

In order, for a quotation in its sentence:
1. after it: `,” Bessent said`, `,” the treasury secretary said`, `,” he told reporters`, `” said Trump`,
   `,” according to state broadcaster CCTV` — the actor next to the reporting verb;
2. before it: `Bessent told reporters: “…”`, `Trump said the tariffs were “not sustainable”`, `China
   described the talks as “candid”`, `described by Xinhua as “…”` — the subject of the clause (its
   first actor that does not follow a preposition: "with He" is not the subject), or the agent after
   "by"/"according to";
3. a quotation with no attribution of its own that follows an attributed one (the next sentence, or
   the same paragraph) continues it: same speaker.
Actors are people (by name), pronouns ("he", "she": the person subject of the latest sentence
before), roles ("the US treasury secretary": the person whose drafted role shares its words, else
the latest person subject) and organisations (capitalised names that are not people: speaker null,
with a `speaker_organisation`). Names inside quotations never count. Titles of works in quotation marks
(`NBC’s “Meet the Press” program`) are drafted as not_quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from tradetalks.build.detect.quotations import Quotation
from tradetalks.build.suggest.people import DEMONYMS, FUNCTION_WORDS, RUN, TITLE_WORDS, Cast, bare
from tradetalks.build.suggest.render import Spans

VERB = re.compile(
    r"\b(?:said|says|say|told|tells|wrote|writes|added|adds|noted|notes|stated|states|warned|insisted|argued|explained"
    r"|posted|asked|replied|responded|declared|confirmed|described|characteri[sz]ed|called|reported|[Aa]ccording\s+to"
    r"|suggested|stressed|emphasi[sz]ed|urged|vowed|pledged|predicted|claimed|acknowledged|conceded|quipped|tweeted"
    r"|saying|telling|writing|adding|noting|warning|calling|describing|insisting|arguing)\b"
)
PREPOSITIONS = {
    "with",
    "to",
    "of",
    "for",
    "between",
    "by",
    "from",
    "at",
    "about",
    "against",
    "on",
    "in",
    "into",
    "among",
    "like",
    "than",
    "over",
    "under",
    "after",
    "before",
    "and",
    "including",
    "toward",
    "towards",
}
FUNCTION = FUNCTION_WORDS | {
    "according",
    "separately",
    "yet",
    "so",
    "then",
    "since",
    "though",
    "although",
    "during",
    "over",
    "with",
    "without",
    "for",
    "from",
    "to",
    "by",
    "of",
    "last",
    "next",
    "one",
    "two",
    "three",
    "both",
    "there",
    "here",
    "what",
}
ROLE = re.compile(r"\b[Tt]he\s+(?:[\w.’'-]+\s+){0,3}?(?:" + "|".join(sorted(TITLE_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")
WORK = re.compile(r"^\s*(?:program(?:me)?|show|series|podcast|book|film|movie|documentary|column|newsletter|album|song|segment|broadcast)\b", re.IGNORECASE)
# "U.S. Treasury", "Mr. Li", "Nov. 1": a full stop that ends an abbreviation, not a sentence.
ABBREVIATION = re.compile(
    r"(?:(?<![^\W\d_])[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Gov|Sen|Rep|Prof|Inc|Ltd|Co|Corp|vs|etc|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec))\.$"
)
# A line break ends a sentence unless the next words go on in lower case. The look-ahead reads at
# most 40 spaces: a longer run of blank lines is a break whatever follows, and a text of nothing but
# blank lines is read in linear time.
SENTENCE_END = re.compile(r"[.?!][”\"’']?(?=\s)|(?<![,:;–—-])[ \t]*\n(?!\s{0,40}[a-z])")


@dataclass(frozen=True)
class Actor:
    start: int
    end: int
    kind: str  # person | pronoun | role | org
    person_id: str | None
    label: str


@dataclass(frozen=True)
class Attribution:
    speaker: str | None
    label: str | None
    cue: str | None
    why: str


def is_title_of_work(text: str, q: Quotation) -> str | None:
    """A reason when the quotation is the title of a programme or work, else None."""
    inner = text[q.inner_start : q.inner_end].strip()
    if inner.endswith(","):
        inner = inner[:-1]  # American style: "Face the Nation," with the comma inside the marks
    words = inner.split()
    if not 1 <= len(words) <= 8 or inner[-1:] in ".,?!;:":
        return None
    capitalised = all(w[0].isupper() or w.lower() in {"the", "of", "and", "a", "an", "in", "on", "for", "to"} for w in words)
    before = text[max(0, q.start - 30) : q.start]
    after = text[q.end : q.end + 30]
    if capitalised and WORK.match(after):
        return f"title of a {WORK.match(after).group().strip()} in quotation marks, not a quotation"  # type: ignore[union-attr]
    if capitalised and len(words) >= 2 and re.search(r"(?:’s|'s|s’|s'|[A-Z]’|[A-Z]')\s+$", before):
        return "title of a programme in quotation marks (an outlet’s possessive before it), not a quotation"
    return None


def sentence_bounds(text: str, quotations: list[Quotation]) -> list[int]:
    """Sentence end offsets outside quotations, plus the ends of quotations that close a sentence."""
    inner = Spans((q.inner_start, q.inner_end) for q in quotations if not q.nested)
    ends = {m.end() for m in SENTENCE_END.finditer(text) if m.start() not in inner and not ABBREVIATION.search(text, max(0, m.start() - 6), m.start() + 1)}
    for q in quotations:
        if not q.nested and re.search(r"[.?!]\s*$", text[q.inner_start : q.inner_end]):
            nxt = text[q.end : q.end + 3].lstrip()[:1]
            if not nxt.islower() and nxt not in (",",):
                ends.add(q.end)
    return sorted(ends | {len(text)})


def find_actors(text: str, cast: Cast, quotations: list[Quotation]) -> list[Actor]:
    inner = Spans((q.inner_start, q.inner_end) for q in quotations if not q.nested)
    quoted = inner.__contains__
    actors = [Actor(n.start, n.end, "person", n.person_id, n.surface) for n in cast.names if not quoted(n.start)]
    covered = {p for a in actors for p in range(a.start, a.end)}
    lowercase = set(re.findall(r"\b[a-z][\w’'-]*", text))
    for m in cast.undecided:
        at_start = not text[: m.start].strip() or text[: m.start].rstrip()[-1:] in '.?!”"\n' or text[m.start - 1 : m.start] == "\n"
        if not quoted(m.start):
            actors.append(Actor(m.start, m.end, "pronoun" if at_start else "person", None if at_start else m.person_id, m.surface))
            covered.update(range(m.start, m.end))
    free = lambda a, b: not quoted(a) and not any(p in covered for p in range(a, b))  # noqa: E731
    for m in PRONOUN.finditer(text):
        if free(m.start(), m.end()):
            actors.append(Actor(m.start(), m.end(), "pronoun", None, m.group()))
    for m in ROLE.finditer(text):
        if free(m.start(), m.end()) and not re.match(r"\s+[A-Z]", text[m.end() : m.end() + 2]):
            actors.append(Actor(m.start(), m.end(), "role", None, m.group()))
            covered.update(range(m.start(), m.end()))
    for m in RUN.finditer(text):
        words = m.group().split()
        while words and bare(words[0]) in FUNCTION:
            words = words[1:]
        if not words:
            continue
        start = m.start() + m.group().index(words[0])
        if len(words) == 1 and words[0].lower() in lowercase:
            continue  # "Tensions have eased": an ordinary word capitalised at a sentence start
        if free(start, m.end()) and words[0].lower() not in DEMONYMS:
            label = " ".join(words).removesuffix("’s").removesuffix("'s")
            label = label[:-1] if label.endswith(".") and label.count(".") == 1 else label  # "CCTV." ends a sentence
            actors.append(Actor(start, m.end(), "org", None, label))
    return sorted(actors, key=lambda a: a.start)


def attribute(text: str, quotations: list[Quotation], cast: Cast) -> dict[int, Attribution]:
    """Quotation start -> its attribution, for every top-level quotation."""
    # Load inputs.
    actors = find_actors(text, cast, quotations)
    ends = sentence_bounds(text, quotations)
    quoted = Spans((q.inner_start, q.inner_end) for q in quotations if not q.nested).__contains__
    starts = [a.start for a in actors]
    role_of: dict[str, set[str]] = {}  # person -> words of their drafted roles
    for r in cast.roles:
        role_of.setdefault(r.person_id, set()).update(w.lower() for w in re.findall(r"\w+", r.role))

    def sentence(pos: int) -> tuple[int, int]:
        i = bisect_right(ends, pos)
        return (ends[i - 1] if i else 0), (ends[i] if i < len(ends) else len(text))

    def subject(lo: int, hi: int) -> Actor | None:
        for a in actors[bisect_left(starts, lo) : bisect_left(starts, hi)]:
            if not quoted(a.start):
                prev = re.search(r"(\w+)\W*$", text[max(lo, a.start - 20) : a.start])
                if prev and prev.group(1).lower() in PREPOSITIONS:
                    continue
                return a
        return None

    def person_before(pos: int) -> str | None:
        """The person subject of the latest sentence before `pos` (or earlier in its sentence)."""
        lo, _ = sentence(pos)
        first = subject(lo, pos)
        if first and first.start < pos and first.kind == "person" and first.person_id:
            return first.person_id
        for e in reversed(ends[max(0, bisect_right(ends, lo) - 6) : bisect_right(ends, lo)]):
            slo, _ = sentence(e - 1)
            s = subject(slo, e)
            if s and s.kind == "person" and s.person_id:
                return s.person_id
            if s and s.kind in ("pronoun", "role"):
                continue
        return None

    def resolve(a: Actor) -> tuple[str | None, str | None, str]:
        if a.kind == "person":
            return a.person_id, None, f"name {a.label!r}"
        if a.kind == "org":
            return None, a.label, f"organisation {a.label!r}"
        if a.kind == "nobody":
            return None, None, "no speaker is named"
        if a.kind == "role":
            words = {w.lower() for w in re.findall(r"\w+", a.label)} - {"the", "us", "u", "s"}
            matches = [pid for pid, rw in role_of.items() if words & rw - {"president", "vice"} or words & rw == {"president"}]
            if len(matches) == 1:
                return matches[0], None, f"role {a.label!r} as drafted for {matches[0]}"
        who = person_before(a.start)
        return who, None, f"{a.kind} {a.label!r} taken as the person subject before it" + ("" if who else ", none found")

    # Process.
    out: dict[int, Attribution] = {}
    previous: tuple[Quotation, Attribution] | None = None
    for q in sorted(quotations):
        if q.nested:
            continue
        lo, hi = sentence(q.start)
        near = actors[bisect_left(starts, lo) : bisect_left(starts, hi + 40)]
        found = _after(text, q, hi, near, quoted) or _before(text, q, lo, near, quoted, subject)
        if found:
            actor, cue, where = found
            speaker, label, why = resolve(actor)
            att = Attribution(speaker, label, cue, f"{where}: {why}")
        elif previous and not text[lo : q.start].strip() and _continues(text, previous[0], q, ends):
            p = previous[1]
            att = Attribution(p.speaker, p.label, p.cue, "no attribution of its own; continues the quotation before it")
        else:
            att = Attribution(None, None, None, "no attribution found in its sentence")
        out[q.start] = att
        previous = (q, att)
    return out


def _after(text, q, hi, actors, quoted):
    """`,” X said` / `” said X` / `,” according to X` after the quotation, in its sentence."""
    window = text[q.end : min(hi, q.end + 120)]
    m = VERB.search(window)
    if not m or re.search(r"[“\"‘]", window[: m.start()]) or re.search(r"[.?!]", window[: m.start()]):
        return None
    v0, v1 = q.end + m.start(), q.end + m.end()
    between = [a for a in actors if q.end <= a.start < v0]
    if between and v0 - between[-1].end <= 20:
        return between[-1], m.group(), "attribution after the quotation"
    after = [a for a in actors if v1 <= a.start < v1 + 40 and not quoted(a.start)]
    if (
        not between
        and after
        and (
            m.group().lower().startswith("according")
            or not text[v1 : after[0].start].strip(" ,")
            or re.fullmatch(r"\s*(?:by\s+)?(?:[\w-]+\s+){0,4}", text[v1 : after[0].start])
        )
    ):
        return after[0], m.group(), "attribution after the quotation (verb first)"
    return None


def _before(text, q, lo, actors, quoted, subject):
    """`X said: “…”`, `X described it as “…”`, `described by X as “…”`, `according to X, “…”`."""
    verbs = [m for m in VERB.finditer(text, lo, q.start) if not quoted(m.start())]
    if not verbs:
        first = subject(lo, q.start)
        if first and q.inner_start < len(text) and text[q.inner_start : q.inner_start + 1].islower():
            return first, None, "subject of the sentence the partial quotation sits in"
        return None
    v = verbs[-1]
    agent = re.match(r"\s*(?:\w+\s+){0,2}?by\s+", text[v.end() : q.start])
    if v.group().lower().startswith("according") or agent:
        after = [a for a in actors if v.end() <= a.start < q.start and not quoted(a.start)]
        if after:
            return after[0], v.group(), "agent of the reporting verb before the quotation"
        np = re.match(r"\s*([^,:;“\"]{2,60}?)\s*[,:;]?\s*$", text[v.end() : q.start])
        if np and v.group().lower().startswith("according"):
            return Actor(v.end(), q.start, "org", None, np.group(1)), v.group(), "source after 'according to'"
    if re.search(r"\b(?:is|are|was|were|been|be)\s+$", text[max(lo, v.start() - 12) : v.start()]):
        return Actor(v.start(), v.end(), "nobody", None, ""), v.group(), "passive reporting verb with no agent"
    if v.group().endswith("ing"):
        # "Trump softened his tone, saying …": the participle's subject is the nearest actor before it.
        near = [a for a in actors if lo <= a.start < v.start() and not quoted(a.start) and a.kind != "org"]
        if near:
            return near[-1], v.group(), "subject of the participle before the quotation"
    first = subject(lo, v.start())
    if first:
        return first, v.group(), "subject of the reporting verb before the quotation"
    np = " ".join(text[lo : v.start()].split())
    if 1 <= len(np.split()) <= 6:
        return Actor(lo, v.start(), "org", None, np), v.group(), "subject of the reporting verb before the quotation"
    return None


def _continues(text: str, prev: Quotation, q: Quotation, ends: list[int]) -> bool:
    """The quotation follows the previous one closely: nothing but attribution between them."""
    gap = text[prev.end : q.start]
    return len(gap) <= 160 and not re.search(r"[“\"]", gap) and gap.count("\n") <= 2


TURN = re.compile(r"^[ \t]*(?P<label>[A-Z][\w.’'-]*(?:[ \t]+[A-Z][\w.’'-]*){0,3})[ \t]*:[ \t]+(?P<speech>\S.*?)[ \t]*$", re.MULTILINE)
QUESTION = {"q", "question", "reporter", "interviewer", "host", "moderator"}


@dataclass(frozen=True)
class Turn:
    """A transcript turn ("BESSENT: We will meet …"): a quotation with no quotation marks."""

    start: int
    end: int
    speaker: str | None
    label: str | None
    why: str


def find_turns(text: str, cast: Cast, skip: list[tuple[int, int]]) -> list[Turn]:
    """Lines that are a speaker's label, a colon and their words."""
    forms: dict[str, str] = {}
    for pid, person in cast.people.items():
        for form in [person.name, *person.forms]:
            forms[form.casefold()] = pid
            forms[form.split()[-1].casefold()] = pid
    turns = []
    for m in TURN.finditer(text):
        label, speech = m.group("label"), m.group("speech")
        if any(a <= m.start() < b for a, b in skip) or len(speech.split()) < 3 or speech[0] in "“\"‘'":
            continue
        key = re.sub(r"^(?:mr|ms|mrs|dr)\.?\s+", "", label.casefold())
        if key in forms:
            turns.append(Turn(m.start("speech"), m.end("speech"), forms[key], None, f"transcript turn of {label!r}"))
        elif key.rstrip(".") in QUESTION:
            turns.append(Turn(m.start("speech"), m.end("speech"), None, "question in the transcript", f"transcript turn of {label!r}"))
        elif label.isupper() and len(label.split()) <= 3 and len(label) > 1:
            turns.append(Turn(m.start("speech"), m.end("speech"), None, label.title(), f"transcript turn of {label!r}, not a known person"))
    return turns
