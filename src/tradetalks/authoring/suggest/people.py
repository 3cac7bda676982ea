"""People named in a text: registered ones by alias, misspelt ones by similarity, new ones by structure.

- registered: every alias occurrence (text/mentions.py); ambiguous aliases ("He") go to a person
  to decide, guessed from their place (mid-sentence: the person; at a sentence start: the pronoun);
- variants: a run of capitalised words that is not an alias but within a small edit of one
  (rapidfuzz: ratio >= 85 for a full name, one edit for a single word of 6+ letters, same first
  letter) is that person's variant in this article ("Donald Trunp");
- new: a run of capitalised words after a title ("Malaysian Prime Minister Anwar Ibrahim",
  "IMF Managing Director Kristalina Georgieva"), before an appositive title ("Mark Rutte, the NATO
  secretary general"), as the subject of a reporting verb ("Georgieva said", "said Georgieva"), or
  in a byline ("By A and B", "reported by A and B for Reuters"); its other surface forms are the
  words of the name printed alone elsewhere ("Ibrahim");
- roles: "Title Name" and "Name, the title of X", with the role as printed, the country from the
  demonym or possessive before it ("Chinese", "China’s"), any other qualifier as organisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from tradetalks.authoring.suggest.render import Spans
from tradetalks.text.mentions import find_mentions

TITLE_WORDS = {
    "president",
    "vice-president",
    "premier",
    "vice-premier",
    "minister",
    "secretary",
    "secretary-general",
    "chancellor",
    "commissioner",
    "representative",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "ambassador",
    "governor",
    "senator",
    "congressman",
    "congresswoman",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "director",
    "director-general",
    "king",
    "queen",
    "envoy",
    "negotiator",
    "economist",
    "analyst",
    "professor",
    "adviser",
    "advisor",
    "mayor",
    "speaker",
    "chief",
    "head",
    "leader",
    "general",
    "officer",
    "deputy",
    "counsellor",
    "councillor",
    "lawmaker",
    "official",
    "executive",
    "founder",
    "strategist",
    "correspondent",
    "editor",
    "dean",
    "anchor",
    "presenter",
    "researcher",
}
TITLE_PREFIX = {
    "vice",
    "deputy",
    "prime",
    "foreign",
    "finance",
    "trade",
    "treasury",
    "commerce",
    "state",
    "managing",
    "executive",
    "chief",
    "economy",
    "defence",
    "defense",
    "interior",
    "economic",
    "senior",
    "first",
    "acting",
    "former",
    "general",
    "secretary",
    "us",
    "u.s.",
    "eu",
    "un",
}
ORG_WORDS = {
    "ministry",
    "department",
    "office",
    "agency",
    "news",
    "network",
    "bank",
    "fund",
    "house",
    "council",
    "commission",
    "union",
    "association",
    "forum",
    "group",
    "party",
    "times",
    "post",
    "journal",
    "committee",
    "organization",
    "organisation",
    "corporation",
    "company",
    "inc",
    "ltd",
    "university",
    "institute",
    "administration",
    "government",
    "parliament",
    "congress",
    "senate",
    "court",
    "business",
    "media",
    "street",
    "market",
    "markets",
    "exchange",
    "cooperation",
    "economic",
    "economies",
    "summit",
    "talks",
    "trade",
    "war",
    "state",
    "states",
    "republic",
    "kingdom",
    "nations",
    "east",
    "west",
    "north",
    "south",
    "asia",
    "europe",
    "africa",
    "america",
    "pacific",
    "sea",
    "city",
    "capital",
    "foundation",
    "centre",
    "center",
    "reserve",
    "board",
    "club",
    "league",
    "airlines",
    "motors",
    "technologies",
    "holdings",
    "channel",
    "television",
    "radio",
    "broadcaster",
    "press",
}
# Words that open or join clauses: never part of a name, and skipped before an attribution's subject.
FUNCTION_WORDS = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "the",
    "a",
    "an",
    "but",
    "and",
    "in",
    "on",
    "at",
    "as",
    "after",
    "before",
    "when",
    "while",
    "if",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "their",
    "earlier",
    "later",
    "also",
    "hours",
    "days",
    "just",
    "speaking",
    "asked",
    "meanwhile",
    "however",
    "still",
}
NOT_NAMES = FUNCTION_WORDS | {
    "our",
    "my",
    "read",
    "more",
    "image",
    "photo",
    "china",
    "beijing",
    "washington",
    "chinese",
    "american",
    "us",
    "u.s.",
    "uk",
    "eu",
    "un",
    "european",
    "tariffs",
    "tariff",
    "trump",
    "advertisement",
    "breaking",
    "homepage",
    "copyright",
    "weeks",
    "months",
    "years",
}
DEMONYMS = {
    "chinese": "CHN",
    "china’s": "CHN",
    "china's": "CHN",
    "us": "USA",
    "u.s.": "USA",
    "american": "USA",
    "america’s": "USA",
    "america's": "USA",
    "malaysian": "MYS",
    "malaysia’s": "MYS",
    "malaysia's": "MYS",
    "german": "DEU",
    "germany’s": "DEU",
    "germany's": "DEU",
    "japanese": "JPN",
    "japan’s": "JPN",
    "japan's": "JPN",
    "south korean": "KOR",
    "korean": "KOR",
    "indian": "IND",
    "india’s": "IND",
    "india's": "IND",
    "british": "GBR",
    "uk": "GBR",
    "french": "FRA",
    "france’s": "FRA",
    "canadian": "CAN",
    "mexican": "MEX",
    "russian": "RUS",
    "taiwanese": "TWN",
    "australian": "AUS",
    "italian": "ITA",
    "spanish": "ESP",
    "brazilian": "BRA",
    "vietnamese": "VNM",
    "indonesian": "IDN",
    "singaporean": "SGP",
    "thai": "THA",
    "philippine": "PHL",
    "dutch": "NLD",
    "swiss": "CHE",
    "swedish": "SWE",
    "norwegian": "NOR",
    "polish": "POL",
    "turkish": "TUR",
    "saudi": "SAU",
    "ukrainian": "UKR",
    "pakistani": "PAK",
    "chinese-american": "USA",
    "us-born": "USA",
    "american-born": "USA",
}
PRONOUNS = {"he", "she"}
# A line that opens with a label and a colon ("BESSENT: …", "Q: …"): a transcript has several.
TURN_LINE = re.compile(r"^[ \t]*[A-Z][\w.’'-]*(?:[ \t]+[A-Z][\w.’'-]*){0,3}[ \t]*:[ \t]+(\S[^\n]*)", re.MULTILINE)
LABEL_WORDS = {"also", "read", "more", "breaking", "news", "update", "editor", "note", "related", "earlier", "story", "watch", "live", "photo", "video"}
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "madam"}
WORD = r"[A-Z][\w’'.-]*[\w.]|[A-Z]"
# A word ending a sentence ("… Minister Ann Lee. EU Trade …") ends the run; an abbreviated title does not.
_RUN_GOES_ON = (
    "(?:(?<![a-z]{2}\\.)|" + "|".join(rf"(?<={a}\.)" for a in ("Gen", "Gov", "Sen", "Rep", "Col", "Capt", "Adm", "Sgt", "Mrs", "Amb", "Sec", "Prof")) + ")"
)
RUN = re.compile(rf"(?:{WORD})(?:{_RUN_GOES_ON}[ \t]+(?:(?:of|the|de|van|von|bin|al)[ \t]+)?(?:{WORD}))*")
VERBS = r"(?:said|says|told|tells|wrote|writes|added|adds|noted|stated|warned|insisted|argued|explained|posted|asked|replied|responded|declared|announced|confirmed|described|characteri[sz]ed|called)"
BY = re.compile(r"\b(?:[Rr]eported|[Ww]ritten|[Rr]eporting|[Ee]dited|[Ee]diting|^By|\bBy)\s+by\s+|\bBy\s+|^By\s+", re.MULTILINE)


@dataclass
class Person:
    person_id: str
    name: str
    new: bool = False
    country: str | None = None
    country_evidence: str = ""
    forms: dict[str, list[int]] = field(default_factory=dict)  # surface form -> starts
    variants: dict[str, list[int]] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    author: bool = False


@dataclass(frozen=True)
class Role:
    person_id: str
    start: int
    end: int
    role: str
    country: str | None
    organisation: str | None
    note: str = ""


@dataclass(frozen=True)
class Named:
    """One occurrence of a person's name (exact alias, variant or new name)."""

    start: int
    end: int
    surface: str
    person_id: str
    variant: bool = False
    why: str = "matched by similarity"


@dataclass
class Cast:
    people: dict[str, Person]
    names: list[Named]
    undecided: list  # Mention of an ambiguous alias
    roles: list[Role]


def bare(word: str) -> str:
    """A word lowercased, without a possessive ("Secretary’s" -> "secretary")."""
    return word.lower().removesuffix("’s").removesuffix("'s")


def slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", plain.lower()))[:80] or "person"


def find_people(text: str, registry: list[dict], skip: list[tuple[int, int]], bylines: list[tuple[int, int]]) -> Cast:
    """Everyone named in `text` outside the `skip` spans (site boilerplate)."""
    # Load inputs.
    aliases = {a: p["person_id"] for p in registry for a in p.get("aliases", [])}
    ambiguous = {a: p["person_id"] for p in registry for a in p.get("ambiguous_aliases", [])}
    people = {p["person_id"]: Person(p["person_id"], p.get("name", p["person_id"]), country=p.get("country")) for p in registry}
    inside = Spans(skip).__contains__
    lowercase = set(re.findall(r"\b[a-z][\w’'-]*", text))

    # Process: registered aliases, exactly.
    found, undecided = find_mentions(text, aliases, ambiguous)
    names = [Named(m.start, m.end, m.surface, m.person_id) for m in found if not inside(m.start)]
    undecided = [m for m in undecided if not inside(m.start)]
    name_at = {p: n for n in names for p in range(n.start, n.end)}  # registered names, by character
    covered = set(name_at) | {p for m in undecided for p in range(m.start, m.end)}
    roles: list[Role] = []
    new: dict[str, Person] = {}

    def add_new(name: str, start: int, *, author: bool = False) -> str | None:
        name = name.strip(" ,.")
        if not name or name.lower() in NOT_NAMES:
            return None
        pid = slug(name)
        person = new.get(pid) or people.get(pid)
        if person is None:
            person = new[pid] = Person(pid, name, new=True)
        person.author |= author
        return pid

    # Runs of capitalised words: titles before them, reporting verbs after, variants of aliases.
    for m in RUN.finditer(text):
        if inside(m.start()):
            continue
        tokens = [(t.group(), m.start() + t.start()) for t in re.finditer(r"\S+", m.group())]
        title_at = max((i for i, (w, _) in enumerate(tokens) if bare(w) in TITLE_WORDS), default=-1)
        name_tokens = tokens[title_at + 1 :]
        while name_tokens and name_tokens[0][0].lower().rstrip(".") in HONORIFICS:
            name_tokens = name_tokens[1:]  # "Mr. Li": the name is "Li"
        while name_tokens and name_tokens[-1][0].lower() in NOT_NAMES:
            name_tokens = name_tokens[:-1]
        if not name_tokens:
            continue
        n_start = name_tokens[0][1]
        n_end = name_tokens[-1][1] + len(name_tokens[-1][0].removesuffix("’s").removesuffix("'s"))
        surface = text[n_start:n_end]
        known = next((name_at[p] for p in range(n_start, n_end) if p in name_at), None)
        if known is not None:
            if title_at >= 0 and known.start == n_start:
                roles.append(_role(text, tokens, title_at, known.person_id, m.start(), known.end))
            elif title_at < 0 and known.start == n_start == m.start() and (lowered := _lowercase_role(text, m.start(), known.person_id, known.end)):
                roles.append(lowered)  # "American leader Donald Trump"
            elif title_at < 0 and known.start == n_start == m.start() and (before_comma := _title_before_comma(text, m.start(), known.person_id, known.end)):
                roles.append(before_comma)  # "the Trade Minister, Jane Roe"
            continue
        if any(p in covered for p in range(n_start, n_end)):
            continue
        variant_of, why = _variant(surface, aliases), "matched by similarity"
        if not variant_of and (variant_of := _same_surname(surface, registry, lowercase)):
            why = "the surname of a registered person (a first name that differs, or the surname alone)"
        if variant_of:
            names.append(Named(n_start, n_end, surface, variant_of, variant=True, why=why))
            if title_at >= 0:
                roles.append(_role(text, tokens, title_at, variant_of, m.start(), n_end))
            people[variant_of].variants.setdefault(surface, []).append(n_start)
            continue
        words = surface.split()
        plain = all(w.lower() not in NOT_NAMES and w.lower() not in ORG_WORDS and w.lower() not in TITLE_PREFIX for w in words)
        after = text[n_end : n_end + 40]
        before = text[max(0, n_start - 30) : n_start]
        said_after = re.match(rf"\s*(?:,[^,]{{0,60}},\s*)?(?:also\s+|later\s+|earlier\s+)?{VERBS}\b", after)
        said_before = re.search(rf"\b{VERBS}\s+$", before)
        titles = "|".join(sorted(TITLE_WORDS))
        # "Mark Rutte, the NATO secretary general"; without an article only a title right after the comma ("Ann Lee, dean of …").
        appositive = re.match(rf",\s+(?:the|a|an)\s+[\w’'. -]{{0,40}}?\b({titles})\b", after, re.IGNORECASE) or re.match(
            rf",\s+(?:[\w’'.-]+\s+)?({titles})\b(?!\s+[A-Z])", after
        )
        if not plain or not 1 <= len(words) <= 4:
            continue
        lower_title = re.search(r"\b([a-z][\w-]*)\s+$", text[max(0, m.start() - 25) : m.start()]) if title_at < 0 else None
        lower_title = lower_title if lower_title and lower_title.group(1) in TITLE_WORDS else None
        if (title_at >= 0 or lower_title) and len(words) >= 2 or (len(words) >= 2 and (said_after or said_before or appositive)):
            pid = add_new(surface, n_start)
            if pid is None:
                continue
            names.append(Named(n_start, n_end, surface, pid))
            covered.update(range(n_start, n_end))
            if title_at >= 0:
                roles.append(_role(text, tokens, title_at, pid, m.start(), n_end))
            elif lower_title and (lowered := _lowercase_role(text, m.start(), pid, n_end)):
                roles.append(lowered)
            elif appositive:
                rest = re.match(r",\s+(?:(?:the|a|an)\s+)?([^,.;\n]{1,60})", text[n_end:])
                role = rest.group(1).strip() if rest else appositive.group(0).lstrip(", ").split(" ", 1)[1]
                roles.append(Role(pid, n_start, n_end + (rest.end() if rest else appositive.end()), role, None, None, "appositive"))

    # Bylines and "reported by A and B": single-word names count there.
    for lo, hi in bylines + [(m.end(), min(len(text), m.end() + 80)) for m in BY.finditer(text) if not inside(m.start())]:
        chunk = re.split(r"[|🕒\n;]|\s\d", text[lo:hi])[0]
        for part in re.split(r",|\band\b", re.sub(r"^(?:By|by|Reporting by|reporting by)\s+", "", chunk)):
            # "Finbarr Bermingham in Brussels": the name, not where the reporter is.
            part = re.split(r"\s+(?:for|in|at|from|with|on)\s+", part)[0].strip(" .")
            if re.fullmatch(rf"(?:{WORD})(?:\s+(?:{WORD})){{0,3}}", part) and not any(w.lower() in ORG_WORDS for w in part.split()):
                start = text.find(part, lo)
                if start in covered:
                    continue
                pid = add_new(part, start, author=any(lo == b[0] for b in bylines))
                if pid:
                    names.append(Named(start, start + len(part), part, pid))
                    covered.update(range(start, start + len(part)))

    # Transcript labels in capitals ("KRISTEN WELKER: …"): a speaker's name.
    labels = list(
        re.finditer(r"^[ \t]*((?:MR\.?\s+|MS\.?\s+|DR\.?\s+)?[A-Z][A-Z’'-]+(?:[ \t]+[A-Z][A-Z’'-]+){1,2})[ \t]*:[ \t]+(\S[^\n]*)", text, re.MULTILINE)
    )
    transcript = sum(1 for m in TURN_LINE.finditer(text) if re.search(r"[a-z]", m.group(1))) >= 2
    for m in labels if transcript else []:  # one "GENEVA: …" line is a dateline, not a speaker
        label = re.sub(r"^(?:MR|MS|DR)\.?\s+", "", m.group(1))
        if inside(m.start()) or any(p in covered for p in range(m.start(1), m.end(1))) or LABEL_WORDS & set(label.lower().split()):
            continue
        if not re.search(r"[a-z]", m.group(2)) or TITLE_WORDS & set(label.lower().split()):
            continue  # an all-caps headline with a colon, or a title ("TRADE MINISTER JANE ROE"): no new name
        name = " ".join(w.capitalize() for w in label.split())
        if _variant(name, aliases) or name in aliases:
            continue
        pid = add_new(name, m.start(1))
        if pid:
            start = m.start(1) + m.group(1).index(label)
            names.append(Named(start, start + len(label), label, pid))
            covered.update(range(start, start + len(label)))

    # Other surface forms of new people: a word of the name printed alone ("Ibrahim").
    for pid, person in new.items():
        for word in {w for w in person.name.split() if len(w) >= 2 and w[0].isupper()} - {person.name}:
            if len(person.name.split()) < 2:
                continue
            for w in re.finditer(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text):
                if inside(w.start()) or w.start() in covered:
                    continue
                if word.lower() in PRONOUNS or word.lower() in lowercase:
                    person.ambiguous.add(word)
                    continue
                names.append(Named(w.start(), w.end(), word, pid))
    people.update(new)
    for n in names:
        if not n.variant:
            people[n.person_id].forms.setdefault(n.surface, []).append(n.start)
    for r in roles:
        person = people[r.person_id]
        if person.country is None and r.country:
            person.country, person.country_evidence = r.country, text[r.start : r.end]
    return Cast(people, sorted(names, key=lambda n: n.start), undecided, roles)


def _title_before_comma(text: str, at: int, pid: str, name_end: int) -> Role | None:
    """ "talks led by the Trade Minister, Jane Roe": a capitalised title, a comma, then the name."""
    m = re.search(r"\b[Tt]he\s+((?:[A-Z][\w-]*\s+){0,3}([A-Z][\w-]*))\s*,\s*$", text[max(0, at - 60) : at])
    if not m or m.group(2).lower() not in TITLE_WORDS:
        return None
    start = at - (len(text[max(0, at - 60) : at]) - m.start(1))
    return Role(pid, start, name_end, m.group(1).strip(), None, None, "the title before a comma")


def _lowercase_role(text: str, at: int, pid: str, name_end: int) -> Role | None:
    """ "American leader Donald Trump", "the trade chief Li": a lowercase title right before the name, as printed."""
    lower_title = re.search(r"\b([a-z][\w-]*)\s+$", text[max(0, at - 25) : at])
    if not lower_title or lower_title.group(1) not in TITLE_WORDS:
        return None
    lo = at - (len(text[max(0, at - 25) : at]) - lower_title.start(1))
    org = re.search(r"((?:[A-Z][\w.’'-]*\s+){1,4})$", text[max(0, lo - 60) : lo])
    org_text = org.group(1).strip() if org else None
    country = DEMONYMS.get((org_text or "").lower())
    return Role(pid, lo - (len(org.group(1)) if org else 0), name_end, lower_title.group(1), country, None if country else org_text)


def _role(text: str, tokens: list[tuple[str, int]], title_at: int, pid: str, run_start: int, name_end: int) -> Role:
    """ "US Treasury Secretary Scott Bessent": role "Treasury Secretary", country USA."""
    first = title_at
    while first > 0 and (bare(tokens[first - 1][0]) in TITLE_WORDS | TITLE_PREFIX) and tokens[first - 1][0].lower() not in DEMONYMS:
        first -= 1
    role = text[tokens[first][1] : tokens[title_at][1] + len(tokens[title_at][0])]
    qualifier = text[run_start : tokens[first][1]].strip()
    start = run_start
    # A lowercase demonym ("the Chinese") or possessive just before the run.
    before = re.search(r"(\b[A-Z][\w.’'-]*)\s+$", text[max(0, run_start - 30) : run_start])
    country = DEMONYMS.get(qualifier.lower()) or DEMONYMS.get(qualifier.split(" ")[0].lower() if qualifier else "")
    if country is None and before and before.group(1).lower() in DEMONYMS:
        country, start = DEMONYMS[before.group(1).lower()], run_start - len(text[max(0, run_start - 30) : run_start]) + before.start(1)
    organisation = qualifier if qualifier and qualifier.lower() not in DEMONYMS else None
    if organisation and organisation.split(" ")[0].lower() in DEMONYMS:
        organisation = organisation.split(" ", 1)[1] if " " in organisation else None
    return Role(pid, start, name_end, role, country, organisation)


def _same_surname(surface: str, registry: list[dict], lowercase: set[str]) -> str | None:
    """The registered person whose surname `surface` carries: "Tom Smithers" or "Smithers" for Janet
    Smithers, and a surname misheard in a transcript ("Smithars") when rapidfuzz rates it 80 or more (same
    first letter, five letters or more); only when one person has that surname, and not for a word
    the text also prints in lower case."""
    word = surface.split()[-1].removesuffix("’s").removesuffix("'s")
    if len(word) < 4 or word.lower() in lowercase or not word[:1].isupper():
        return None
    surnames = _surnames(tuple((p["person_id"], p.get("name", "")) for p in registry))
    if word in surnames:
        return surnames[word]
    if len(word) >= 5 and " " not in surface:
        close = {pid for name, pid in surnames.items() if name[:1] == word[:1] and fuzz.ratio(word.lower(), name.lower()) >= 80}
        return close.pop() if len(close) == 1 else None
    return None


@lru_cache(maxsize=8)
def _surnames(people: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Last word of each registered full name -> person, for surnames only one person has."""
    seen: dict[str, set[str]] = defaultdict(set)
    for pid, name in people:
        if len(name.split()) >= 2:
            seen[name.split()[-1]].add(pid)
    return {w: next(iter(p)) for w, p in seen.items() if len(p) == 1}


def _variant(surface: str, aliases: dict[str, str]) -> str | None:
    """The registered person `surface` misspells, if one alias is within a small edit of it."""
    if surface in aliases or len(surface) < 5:
        return None
    multi = " " in surface
    choices = _by_shape(tuple(sorted(aliases.items())))[(multi, surface[:1])]
    if not choices:
        return None
    if multi:
        best = process.extractOne(surface, list(choices), scorer=fuzz.ratio, score_cutoff=85)
    else:
        # The stubs type Levenshtein.distance as an overloaded function no extractOne overload accepts as a scorer;
        # it is a documented rapidfuzz scorer (a distance: score_cutoff is the largest distance kept).
        best = process.extractOne(surface, list(choices), scorer=Levenshtein.distance, score_cutoff=1) if len(surface) >= 6 else None  # type: ignore[call-overload]
    return choices[best[0]] if best else None


@lru_cache(maxsize=8)
def _by_shape(aliases: tuple[tuple[str, str], ...]) -> dict[tuple[bool, str], dict[str, str]]:
    """Aliases grouped by (several words?, first letter): a variant keeps both."""
    out: dict[tuple[bool, str], dict[str, str]] = defaultdict(dict)
    for alias, pid in aliases:
        out[(" " in alias, alias[:1])][alias] = pid
    return out
