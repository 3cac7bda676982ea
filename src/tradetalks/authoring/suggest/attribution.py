"""Who said each quotation: read off the structure of attribution, not the nearest name.

In order, for a quotation in its sentence:
1. after it: `,” Bessent said`, `,” the treasury secretary said`, `,” he told reporters`, `” said Trump`,
   `,” according to state broadcaster CCTV` — the actor next to the reporting verb;
2. before it: `Bessent told reporters: “…”`, `Trump said the tariffs were “not sustainable”`, `China
   described the talks as “candid”`, `described by Xinhua as “…”` — the subject of the clause (its
   first actor that does not follow a preposition: "with He" is not the subject), or the agent after
   "by"/"according to";
3. a quotation with no attribution of its own that follows an attributed one (the next sentence, or
   the same paragraph) continues it: same speaker;
4. a quotation still without a speaker whose words all recur, in order, in a quotation attributed
   elsewhere in the article (a headline or subhead shortening the body's words) takes that speaker.
A line that stops on a lower-case word and goes on with a quotation ("… described it as" / "“…”")
is one wrapped sentence. A partial quotation in a sentence saying "reportedly" is the report's,
its source unnamed. A short lower-case quotation after "so-called" or "under the guise of" is the writer's own scare
quote: unattributed. Every quotation left without a person or organisation says so
(`speaker_note: "unattributed: …"`).
Actors are people (by name), pronouns ("he", "she": the person subject of the latest sentence
before), roles ("the US treasury secretary": the person whose drafted role shares its words, else
the latest person subject), organisations (capitalised names that are not people: speaker null,
with a `speaker_organisation`) and unnamed spokespeople of an organisation ("a spokesperson for
the commerce ministry", "a foreign ministry spokesman": the organisation speaks). A pronoun or
"the spokesperson" with no person subject before it continues the latest spokesperson's
organisation; a country or its capital as the speaker ("Beijing said") is that organisation when
one of its country spoke before in the article (metonymy: the government speaks through it). A
body named by its common noun ("the ministry added", "the administration") is the organisation of
that kind named before it, else the words as printed; "both countries" or "the two sides" is the
pair of countries the article names most. Names inside quotations never count. Titles of works in quotation marks
(`NBC’s “Meet the Press” program`) are drafted as not_quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass

from tradetalks.authoring.suggest.people import DEMONYMS, FUNCTION_WORDS, RUN, TITLE_WORDS, Cast, bare
from tradetalks.authoring.suggest.render import Spans
from tradetalks.text.quotations import Quotation

VERB = re.compile(
    r"\b(?:said|says|say|told|tells|wrote|writes|added|adds|noted|notes|stated|states|warned|insisted|argued|explained"
    r"|posted|asked|replied|responded|declared|confirmed|described|characteri[sz]ed|called|reported|[Aa]ccording\s+to"
    r"|suggested|stressed|emphasi[sz]ed|urged|vowed|pledged|predicted|claimed|acknowledged|conceded|quipped|tweeted|reiterated|repeated|reaffirmed"
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
# Prepositions whose noun is an object ("to the minister"), never a subject; not "after the envoy left".
OBJECT_PREPOSITIONS = PREPOSITIONS - {"after", "before", "and", "including"}
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
_BODY = r"(?:ministry|department|office|commission|council|bureau|embassy|administration|agency|government|cabinet|mission)"
_SPOKES = r"(?:spokes(?:person|man|woman)|official|representative)"
# "a spokesperson for the foreign ministry", "an unidentified official of the Japanese Finance Ministry"
SPOKES_OF = re.compile(
    rf"\b(?:[Aa]n?|[Tt]he)\s+(?:(?:unnamed|unidentified|senior)\s+)?{_SPOKES}\s+(?:of|for|at|from)\s+"
    rf"(?P<org>(?:the\s+)?(?:[\w’'.-]+\s+){{0,4}}?{_BODY}(?:\s+of\s+(?:the\s+)?[A-Za-z]+(?:(?-i:\s+[A-Z][a-z]+)|\s+and\s+[A-Za-z]+)?)?)\b",
    re.IGNORECASE,
)
# "a Finance Ministry spokeswoman", "a Japan trade ministry official"
ORG_SPOKES = re.compile(rf"\b(?:[Aa]n?|[Tt]he)\s+(?P<org>(?:[\w’'.-]+\s+){{0,3}}?{_BODY}(?:\s+of\s+[A-Za-z]+)?)\s+{_SPOKES}\b", re.IGNORECASE)
# "the ministry added", "the administration has since…": a body by its common noun, no name.
BODY = re.compile(
    rf"\b[Tt]he\s+(?P<mod>[\w.’'-]+\s+)?(?P<body>(?-i:ministry|department|administration|government|commission|agency|bureau|embassy|cabinet))\b"
    rf"(?!\s+(?:of\b|{_SPOKES}))",
    re.IGNORECASE,
)
# "Both countries described …", "the two sides agreed": the article's two countries.
PAIR = re.compile(r"\b(?:[Bb]oth|[Tt]he\s+two)\s+(?:countries|sides|nations|governments|delegations)\b")
COUNTRY_NAMES = {"CHN": "China", "USA": "United States"}
# The writer's own scare quote: "so-called “reforms”", "under the guise of “security”".
SCARE = re.compile(r"(?:\bso-called|\bunder\s+the\s+(?:guise|pretext|banner|cover)\s+of|\bin\s+the\s+name\s+of)\s*$", re.IGNORECASE)
# A country or its capital standing for its government.
# "the Trump administration": a name that modifies a group is not the group's voice.
STAFF = re.compile(r"[’']?s?\s+(?:administration|government|team|campaign|officials|aides|camp|cabinet)\b")
PLACE = re.compile(r"(?<![-–\w])(?:China|Beijing|Washington|(?:the\s+)?United\s+States|the\s+U\.?S\.?)(?![-–]\w|\w)")
PLACES = {"china": "CHN", "beijing": "CHN", "united states": "USA", "us": "USA", "u.s.": "USA", "washington": "USA", "america": "USA"}
ORG_COUNTRY = {"china": "CHN", "chinese": "CHN", "beijing": "CHN", "us": "USA", "u.s.": "USA", "american": "USA", "united": "USA", "washington": "USA"}
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
    note: str | None = None  # why nobody is named, for a speaker_note
    scare: bool = False  # looks like the writer's own scare quote (CONTRIBUTING: those go to not_quotes)


UNATTRIBUTED = "unattributed: the rules found no speaker; name one if the text does"


def is_title_of_work(text: str, q: Quotation) -> str | None:
    """A reason when the quotation is the title of a programme or work, else None."""
    inner = text[q.inner_start : q.inner_end].strip()
    if inner.endswith((",", ".")) and not inner.endswith(".."):
        inner = inner[:-1]  # American style: "Evening Report," with the comma or full stop inside the marks
    words = inner.split()
    if not 1 <= len(words) <= 8 or inner[-1:] in ".,?!;:":
        return None
    capitalised = all(w[0].isupper() or w.lower() in {"the", "of", "and", "a", "an", "in", "on", "for", "to", "with", "at"} for w in words)
    before = text[max(0, q.start - 30) : q.start]
    after = text[q.end : q.end + 30]
    if capitalised and WORK.match(after):
        return f"title of a {WORK.match(after).group().strip()} in quotation marks, not a quotation"  # type: ignore[union-attr]
    if capitalised and len(words) >= 2 and re.search(r"(?:’s|'s|s’|s'|[A-Z]’|[A-Z]')\s+$", before):
        return "title of a programme in quotation marks (an outlet’s possessive before it), not a quotation"
    if capitalised and len(words) >= 3 and re.search(r"\b(?:aired|appeared|appearing|speaking|spoke|said|told)\s+(?:on|to)\s+$", before, re.IGNORECASE):
        return "title of a programme in quotation marks (a broadcast it aired on or was told to), not a quotation"
    return None


def sentence_bounds(text: str, quotations: list[Quotation]) -> list[int]:
    """Sentence end offsets outside quotations, plus the ends of quotations that close a sentence."""
    inner = Spans((q.inner_start, q.inner_end) for q in quotations if not q.nested)
    ends = {
        m.end()
        for m in SENTENCE_END.finditer(text)
        if m.start() not in inner and not ABBREVIATION.search(text, max(0, m.start() - 6), m.start() + 1) and not _wrapped_before_quote(text, m)
    }
    for q in quotations:
        if not q.nested and re.search(r"[.?!]\s*$", text[q.inner_start : q.inner_end]):
            nxt = text[q.end : q.end + 3].lstrip()[:1]
            if not nxt.islower() and nxt not in (",",):
                ends.add(q.end)
    return sorted(ends | {len(text)})


def _wrapped_before_quote(text: str, m: re.Match) -> bool:
    """ "… described it as\n“frank talks”": a line that stops on a lower-case word and goes on with a
    quotation is one wrapped sentence, not two."""
    return text[m.start() : m.start() + 1] in " \t\n" and text[m.start() - 1 : m.start()].islower() and text[m.end() : m.end() + 1] in '“"'


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
    # A social-media handle holding a registered full name ("@MinisterJaneRoe") is that person.
    joined = {"".join(p.name.lower().split()): pid for pid, p in cast.people.items() if not p.new and len(p.name.split()) >= 2}
    for m in re.finditer(r"@(\w{3,40})", text):
        pid = next((pid for j, pid in sorted(joined.items()) if j in m.group(1).lower()), None)
        if pid and free(m.start(), m.end()):
            actors.append(Actor(m.start(), m.end(), "person", pid, m.group()))
            covered.update(range(m.start(), m.end()))
    for m in PRONOUN.finditer(text):
        if free(m.start(), m.end()):
            actors.append(Actor(m.start(), m.end(), "pronoun", None, m.group()))
    for pattern in (SPOKES_OF, ORG_SPOKES):
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                org = re.sub(r"^the\s+", "", " ".join(m.group("org").split()), flags=re.IGNORECASE)
                actors.append(Actor(m.start(), m.end(), "spokesperson", None, org))
                covered.update(range(m.start(), m.end()))
    for pattern, kind in ((BODY, "body"), (PAIR, "pair")):
        for m in pattern.finditer(text):
            # "the ministry’s envoy said": the body modifies the speaker, it is not the speaker.
            if free(m.start(), m.end()) and not re.match(r"[’']s\b", text[m.end() : m.end() + 2]):
                actors.append(Actor(m.start(), m.end(), kind, None, " ".join(m.group().split())))
                covered.update(range(m.start(), m.end()))
    for m in ROLE.finditer(text):
        if free(m.start(), m.end()) and not re.match(r"\s+[A-Z]", text[m.end() : m.end() + 2]):
            actors.append(Actor(m.start(), m.end(), "role", None, m.group()))
            covered.update(range(m.start(), m.end()))
    for m in PLACE.finditer(text):
        if free(m.start(), m.end()) and not re.match(r"[’']s\b", text[m.end() : m.end() + 2]):
            actors.append(Actor(m.start(), m.end(), "place", None, m.group()))
            covered.update(range(m.start(), m.end()))
    for m in RUN.finditer(text):
        words = m.group().split()
        while words and bare(words[0]) in FUNCTION:
            words = words[1:]
        if not words:
            continue
        start = m.start() + m.group().index(words[0])
        if len(words) == 1 and (words[0].lower() in lowercase or re.fullmatch(r"[A-Z][a-z]+ing", words[0])):
            continue  # "Tensions have eased", "Reacting to …": an ordinary word capitalised at a sentence start
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
        """The first actor of text[lo:hi] that does not follow a preposition; a place only when no other is."""
        place = None
        for a in actors[bisect_left(starts, lo) : bisect_left(starts, hi)]:
            if not quoted(a.start):
                prev = re.search(r"(\w+)\W*$", text[max(lo, a.start - 20) : a.start])
                if prev and prev.group(1).lower() in PREPOSITIONS or STAFF.match(text, a.end):
                    continue
                if a.kind != "place":
                    return a
                place = place or a
        return place

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
            if s and s.kind == "spokesperson":
                return None  # the latest speaker is an organisation's: see spokesperson_before
            if s and s.kind in ("pronoun", "role"):
                continue
        return None

    spokes = [a for a in actors if a.kind == "spokesperson"]
    places = (re.sub(r"^the\s+", "", " ".join(m.group().split()).lower()) for m in PLACE.finditer(text))
    counts = Counter(PLACES[w] for w in places if w in PLACES)
    counts.update(ORG_COUNTRY[w] for w in re.findall(r"\b(?:Chinese|American)\b", text) for w in [w.lower()])
    pair = sorted(c for c, n in counts.most_common(2) if n >= 2)  # each named more than in passing

    def spokesperson_before(pos: int, country: str | None = None) -> Actor | None:
        """The latest unnamed spokesperson before `pos` (of that country's organisation, when given)."""
        earlier = [a for a in spokes if a.start < pos and (country is None or _country(a.label) == country)]
        return earlier[-1] if earlier else None

    def resolve(a: Actor) -> tuple[str | None, str | None, str]:
        if a.kind == "person":
            return a.person_id, None, f"name {a.label!r}"
        if a.kind == "spokesperson":
            return None, a.label, f"a spokesperson of {a.label!r}: the organisation speaks"
        if a.kind in ("org", "place"):
            place = PLACES.get(re.sub(r"^the\s+|[’']s$", "", a.label.lower()))
            body = spokesperson_before(a.start, place) if place else None
            if body is not None:
                return None, body.label, f"{a.label!r} stands for its government: {body.label!r}, whose spokesperson spoke before"
            return None, a.label, f"organisation {a.label!r}"
        if a.kind == "body":
            noun = a.label.split()[-1].lower()
            before = [b for b in actors if b.start < a.start and b.kind in ("org", "spokesperson") and noun in b.label.lower().split()]
            if before:
                return None, before[-1].label, f"{a.label!r}: the {noun} named before, {before[-1].label!r}"
            return None, a.label, f"organisation {a.label!r}, as printed (no {noun} is named before it)"
        if a.kind == "pair":
            if len(pair) == 2:
                label = "–".join(COUNTRY_NAMES[c] for c in pair)  # a pair, as in "China–US talks"
                return None, label, f"{a.label!r}: the two countries the article names most"
            return None, a.label, f"{a.label!r}, as printed"
        if a.kind == "nobody":
            return None, None, "no speaker is named"
        if a.kind == "role" and re.search(_SPOKES, a.label, re.IGNORECASE):
            body = spokesperson_before(a.start)
            if body is not None:
                return None, body.label, f"{a.label!r}: the spokesperson of {body.label!r} named before"
        if a.kind == "role":
            words = {w.lower() for w in re.findall(r"\w+", a.label)} - {"the", "us", "u", "s"}
            matches = [pid for pid, rw in role_of.items() if words & rw - {"president", "vice"} or words & rw == {"president"}]
            if len(matches) == 1:
                return matches[0], None, f"role {a.label!r} as drafted for {matches[0]}"
        lo, _ = sentence(a.start)
        named = {
            b.person_id for b in actors[bisect_left(starts, lo) : bisect_left(starts, a.start)] if b.kind == "person" and b.person_id and not quoted(b.start)
        }
        if a.kind == "pronoun" and len(named) == 1:
            # "the minister's post, in which she said …": the one person named before it in its sentence.
            return named.pop(), None, f"pronoun {a.label!r}: the one person named before it in its sentence"
        who = person_before(a.start)
        if who is None and a.kind == "pronoun" and (body := spokesperson_before(a.start)) is not None:
            return None, body.label, f"pronoun {a.label!r}: no person subject before it; the spokesperson of {body.label!r} named before"
        return who, None, f"{a.kind} {a.label!r} taken as the person subject before it" + ("" if who else ", none found")

    # Process.
    out: dict[int, Attribution] = {}
    previous: tuple[Quotation, Attribution] | None = None
    for q in sorted(quotations):
        if q.nested:
            continue
        lo, hi = sentence(q.start)
        near = actors[bisect_left(starts, lo) : bisect_left(starts, hi + 40)]
        scare = SCARE.search(text, max(0, q.start - 30), q.start) if len(text[q.inner_start : q.inner_end].split()) <= 4 else None
        found = None if scare else _after(text, q, hi, near, quoted) or _tail(text, q, hi, near) or _before(text, q, lo, near, quoted, subject)
        if scare:
            why = f"the writer's own scare quote after {' '.join(scare.group().split())!r}"
            att = Attribution(None, None, None, why, f"unattributed: {why}", scare=True)
        elif found:
            actor, cue, where = found
            speaker, label, why = resolve(actor)
            att = Attribution(speaker, label, cue, f"{where}: {why}", f"unattributed: {where}" if actor.kind == "nobody" else None)
        elif (who := _reporter_before(text, q, person_before)) is not None:
            att = Attribution(who, None, None, "no attribution of its own; opens the paragraph after one where this person is reporting")
        elif previous and not text[lo : q.start].strip() and _continues(text, previous[0], q, ends):
            p = previous[1]
            att = Attribution(p.speaker, p.label, p.cue, "no attribution of its own; continues the quotation before it")
        else:
            att = Attribution(None, None, None, "no attribution found in its sentence")
        out[q.start] = att
        previous = (q, att)
    return _repeated(text, quotations, out)


def _repeated(text: str, quotations: list[Quotation], out: dict[int, Attribution]) -> dict[int, Attribution]:
    """A quotation with no speaker whose words (three or more) all recur, in order, in a quotation
    attributed elsewhere ("‘Fair talks’: minister hits back" over "… were fair talks, he said"):
    that quotation's speaker."""
    words = {q.start: re.findall(r"\w+", text[q.inner_start : q.inner_end].lower()) for q in quotations if not q.nested}
    known = [(start, att) for start, att in sorted(out.items()) if (att.speaker or att.label) and not att.note and start in words]
    vocab = {start: set(words[start]) for start, _ in known}
    for start, att in sorted(out.items()):
        mine = words.get(start, [])
        if att.speaker or att.label or att.note or len(mine) < 3:
            continue
        need = set(mine)
        source = next((k for k in known if k[0] != start and need <= vocab[k[0]] and _in_order(mine, words[k[0]])), None)
        if source:
            other = source[1]
            who = other.speaker or other.label
            out[start] = Attribution(
                other.speaker, other.label, None, f"no attribution of its own; its words recur in order in a quotation given to {who!r} (at offset {source[0]})"
            )
    return out


def _in_order(short: list[str], long: list[str]) -> bool:
    """Every word of `short` occurs in `long`, in the same order."""
    it = iter(long)
    return len(short) < len(long) and all(w in it for w in short)


def _tail(text, q, hi, actors):
    """`“…” on the talks, in line with the plan, the ministry added.`: the actor of an attribution
    clause that ends the sentence, however far after the quotation."""
    rest = text[q.end : hi]
    m = re.search(r",\s*(?P<who>[^,“”\"‘]{2,60}?)\s+(?P<verb>said|added|says|adds|noted|stated|told\s+reporters)\s*[.]?\s*$", rest)
    if not m or re.search(r"[“\"‘]", rest[: m.start()]):
        return None
    lo, v0 = q.end + m.start("who"), q.end + m.start("verb")
    inside = [a for a in actors if lo <= a.start < v0]
    return (inside[-1], m.group("verb"), "attribution clause ending the sentence after the quotation") if inside else None


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
    participle = m.group().endswith("ing")  # "…,” saying officials were ready": a clause follows, not the speaker
    if (
        not between
        and not participle
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
        hearsay = re.search(r"\b(?:reportedly|allegedly|purportedly)\b", text[lo : q.start], re.IGNORECASE)
        if hearsay:
            # "The envoys reportedly agreed to act “without delay”": the words are the report's, whose source is not named.
            return Actor(hearsay.start() + lo, hearsay.end() + lo, "nobody", None, ""), None, f"{hearsay.group()!r}: the report's source is not named"
        if first and q.inner_start < len(text) and text[q.inner_start : q.inner_start + 1].islower():
            return first, None, "subject of the sentence the partial quotation sits in"
        if first and first.kind == "person" and text[lo : q.start].rstrip().endswith(":"):
            return first, None, "the person heading the words before the colon ('X on the talks: “…”')"
        return None
    v = verbs[-1]
    agent = re.match(r"\s*(?:\w+ly\s+)?by\s+", text[v.end() : q.start])  # "described by X as", not "comments made by X"
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
        near = [
            a
            for a in actors
            if lo <= a.start < v.start()
            and not quoted(a.start)
            and a.kind not in ("org", "place")
            and not STAFF.match(text, a.end)
            and not _object(text, lo, a)
        ]
        if near:
            return near[-1], v.group(), "subject of the participle before the quotation"
    right = [a for a in actors if lo <= a.start and a.end <= v.start() and not quoted(a.start) and a.kind in ("person", "spokesperson")]
    if right and re.fullmatch(r"[\s,]*(?:(?:had|has|have|was|is|also|then|later|again|once|further|reportedly)\s+)*", text[right[-1].end : v.start()]):
        # "… claimed that Ms. Roe had written, “…”": the name right before the verb, not the sentence's first.
        return right[-1], v.group(), "the name right before the reporting verb"
    first = subject(lo, v.start())
    if first:
        return first, v.group(), "subject of the reporting verb before the quotation"
    np = " ".join(text[lo : v.start()].split())
    if 1 <= len(np.split()) <= 6:
        return Actor(lo, v.start(), "org", None, np), v.group(), "subject of the reporting verb before the quotation"
    return None


def _country(label: str) -> str | None:
    """The country an organisation's name says it belongs to ("Chinese Foreign Ministry" -> CHN)."""
    return next((ORG_COUNTRY[w] for w in re.findall(r"[\w.]+", label.lower().replace("’s", "").replace("'s", "")) if w in ORG_COUNTRY), None)


def _object(text: str, lo: int, a: Actor) -> bool:
    """ "Reacting to the envoy’s letter, Beijing …": an actor after a preposition is an object."""
    prev = re.search(r"(\w+)\W*$", text[max(lo, a.start - 20) : a.start])
    return bool(prev and prev.group(1).lower() in OBJECT_PREPOSITIONS)


def _reporter_before(text: str, q: Quotation, person_before) -> str | None:
    """A quotation opening its paragraph, with no attribution, right after a paragraph whose person
    subject reports ("the envoy repeated that …" / "“Nothing is settled …”"): that person."""
    line_start = text.rfind("\n", 0, q.start) + 1
    if text[line_start : q.start].strip() or line_start == 0:
        return None
    prev_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1
    previous = text[prev_start:line_start]
    if not previous.strip() or not VERB.search(previous) or re.search(r"[“\"]", previous) or not re.search(r"[.?!]\s*$", previous):
        return None  # no reporting paragraph that ends before it (a wrapped line continues its sentence)
    who: str | None = person_before(q.start)
    return who


def _continues(text: str, prev: Quotation, q: Quotation, ends: list[int]) -> bool:
    """The quotation follows the previous one closely: nothing but attribution between them."""
    gap = text[prev.end : q.start]
    return len(gap) <= 160 and not re.search(r"[“\"]", gap) and gap.count("\n") <= 2


TURN = re.compile(r"^[ \t]*(?P<label>[A-Z][\w.’'-]*(?:[ \t]+[A-Z][\w.’'-]*){0,3})[ \t]*:[ \t]+(?P<speech>\S.*?)[ \t]*$", re.MULTILINE)
QUESTION = {"q", "question", "reporter", "interviewer", "host", "moderator"}
ANSWER = {"a", "answer"}
TITLE_ABBREVIATIONS = {"sec", "secy", "sen", "rep", "gov", "amb", "gen", "pres", "vp", "fm"}


@dataclass(frozen=True)
class Turn:
    """A transcript turn ("BESSENT: We will meet …"): a quotation with no quotation marks."""

    start: int
    end: int
    speaker: str | None
    label: str | None  # a note on a speaker who is not a known person
    why: str
    organisation: str | None = None


# "the Ministry of Commerce", "China’s Foreign Ministry": an organisation by its proper name.
NAMED_BODY = re.compile(
    r"(?:[A-Z][\w’'.-]*\s+){0,3}(?:Ministry|Department|Commission|Bureau|Embassy|Administration|Agency|Government|Cabinet|Office)"
    r"(?:\s+of\s+(?:the\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)?"
)
BRIEFING = re.compile(r"\b(?:briefing|press\s+conference|news\s+conference|Q\s*&\s*A|transcript)\b", re.IGNORECASE)


def _host(preamble: str) -> str | None:
    """The organisation the text before a transcript names as holding the briefing, if it names one."""
    if not BRIEFING.search(preamble):
        return None
    m = NAMED_BODY.search(preamble)
    return re.sub(r"^[Tt]he\s+", "", " ".join(m.group().split())) if m else None


def find_turns(text: str, cast: Cast, skip: list[tuple[int, int]]) -> list[Turn]:
    """Lines that are a speaker's label, a colon and their words."""
    forms: dict[str, str] = {}
    for pid, person in cast.people.items():
        for form in [person.name, *person.forms]:
            forms[form.casefold()] = pid
            forms[form.split()[-1].casefold()] = pid
    turns: list[Turn] = []
    host: str | None | bool = False  # not looked up yet
    # One "GENEVA: …" line is a dateline, not a transcript: a transcript has several turns.
    transcript = sum(1 for m in TURN.finditer(text) if re.search(r"[a-z]", m.group("speech"))) >= 2
    for m in TURN.finditer(text):
        label, speech = m.group("label"), m.group("speech")
        if any(a <= m.start() < b for a, b in skip) or len(speech.split()) < 3 or speech[0] in "“\"‘'" or not re.search(r"[a-z]", speech):
            continue  # an all-caps headline with a colon ("TRADE TALKS: WHAT COMES NEXT") is no turn
        key = re.sub(r"^(?:mr|ms|mrs|dr)\.?\s+", "", label.casefold())
        # "TRADE MINISTER JANE ROE", "MIN. ROE": the name without the title.
        words = [w for w in key.split() if w.rstrip(".") not in TITLE_WORDS and w.rstrip(".") not in TITLE_ABBREVIATIONS]
        if key not in forms:
            # The longest tail of the label that is a known name ("[trade] jane roe").
            key = next((" ".join(words[i:]) for i in range(len(words)) if " ".join(words[i:]) in forms), key)
        if key in forms:
            turns.append(Turn(m.start("speech"), m.end("speech"), forms[key], None, f"transcript turn of {label!r}"))
        elif key.rstrip(".") in QUESTION:
            turns.append(Turn(m.start("speech"), m.end("speech"), None, "unattributed: the questioner is not named", f"transcript turn of {label!r}"))
        elif key.rstrip(".") in ANSWER:
            if host is False:
                first = turns[0].start if turns else m.start()
                host = _host(text[: text.rfind("\n", 0, first) + 1][:3000])
            why = f"transcript turn of {label!r}; the one answering is not named"
            if host:
                turns.append(Turn(m.start("speech"), m.end("speech"), None, None, f"{why}; the text before the transcript names its host", host))  # type: ignore[arg-type]
            else:
                turns.append(Turn(m.start("speech"), m.end("speech"), None, "unattributed: the one answering is not named", why))
        elif transcript and label.isupper() and len(label.split()) <= 3 and len(label) > 1:
            note = f"labelled {label.title()!r} in the transcript"
            turns.append(Turn(m.start("speech"), m.end("speech"), None, note, f"transcript turn of {label!r}, not a known person"))
    return turns
