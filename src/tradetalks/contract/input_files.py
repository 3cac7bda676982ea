"""JSON Schemas (draft 2020-12) of every YAML file a contributor edits under dataset/.

This module is the one place they are written. `python -m tradetalks.contract --write` (or
`tradetalks schemas --write`) publishes them as `schemas/<kind>.schema.json`, which editors read
while the YAML is typed, and renders `docs/reference.md` from the same dicts; a test keeps both
exactly what this module says. The build validates with these dicts too.

Every field carries a `description` (what it means, for a contributor typing it) and `examples`
(from the kind of text news articles hold); closed sets of values are `enum`s.
`additionalProperties: false` everywhere: a misspelt field is an error, never a silent drop.
"""

from __future__ import annotations

from typing import Any

# Every id of the dataset (an article's file name included): lower-case words joined by single hyphens.
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ARTICLE_ID = SLUG
ISO3 = r"^[A-Z]{3}$"
WIKIDATA = r"^Q[1-9][0-9]*$"
SHA256 = r"^[0-9a-f]{64}$"
LANGUAGE = r"^[a-z]{2}$"
URL = r"^https?://\S+$"

# Where the published files live, relative to the repository root, and the address they are served at.
SCHEMA_DIR = "schemas"
SCHEMA_BASE_URL = "https://raw.githubusercontent.com/tradetalks/tradetalks/main/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_DATE = {"anyOf": [DATE, {"type": "null"}]}
PRECISIONS = ["day", "week", "month", "year", "range"]
PRECISION = {"enum": PRECISIONS}
NULLABLE_PRECISION = {"enum": [*PRECISIONS, None]}
TEXT = {"type": "string", "minLength": 1}
NULLABLE_TEXT = {"type": ["string", "null"], "minLength": 1}
SLUG_ID = {"type": "string", "pattern": SLUG, "maxLength": 80}

EVENT_TYPES = [
    "call",
    "meeting",
    "talks",
    "summit",
    "announcement",
    "statement",
    "interview",
    "report",
    "visit",
    "agreement",
    "election",
    "other",
]
INSTRUMENTS = [
    "tariff",
    "export_control",
    "import_ban",
    "sanction",
    "entity_list",
    "investigation",
    "truce",
    "agreement",
    "other",
]
STATUSES = [
    "threatened",
    "proposed",
    "announced",
    "in_effect",
    "paused",
    "expired",
    "reported",
    "under_investigation",
    "withdrawn",
    "agreed",
    "averted",
]
PLACE_KINDS = ["country", "region", "city", "venue"]
LINK_RELATIONS = ["announcement", "threat", "statement", "report", "agreement", "talks", "pause"]
SEGMENT_KINDS = ["boilerplate", "duplicate", "header", "caption", "byline", "transcript"]
QUOTE_CHANNELS = ["interview", "social_media", "statement", "press_conference", "remarks", "readout", "report", None]


def _doc(schema: dict[str, Any], description: str, *examples: Any) -> dict[str, Any]:
    """`schema` with the words a contributor reads while typing the field, and examples of values."""
    return {**schema, "description": description, "examples": list(examples)}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


# Shared descriptions: the same field means the same thing wherever it appears.
PRECISION_WORDS = (
    "How precise the date is: `day` (a calendar day), `week` (a Monday-Sunday week, stored as its Monday),"
    " `month` (stored as the 1st), `year` (stored as 1 January), `range` (from the start date to the end date)."
)
NOTE_WORDS = "Free text for reviewers and users: how the text was read, what it does not say, your source for a correction."
DISPUTE_WORDS = "Required when articles claim different values for a field (see `claims` in the article files): which value this entry uses and why."

# Where a row's evidence is in the article: verbatim text (whitespace-tolerant), never offsets.
LOCATOR: dict[str, Any] = {
    "evidence": _doc(
        TEXT,
        "The article's own words that support this row, copied verbatim from the .txt (never offsets)."
        " A line break in the text may be typed as a space; quotation marks, apostrophes and dashes must be"
        " the text's own characters (’ is not ').",
        "said in a statement on Tuesday",
        "Commerce Minister Wang Wentao",
    ),
    "occurrence": _doc(
        {"type": "integer", "minimum": 1},
        "Which occurrence of `evidence` in the text is meant, counting from 1, when the same words appear more"
        " than once (validate lists the offsets). Lengthening the evidence is often clearer.",
        2,
    ),
    "every_copy": _doc(
        {"type": "boolean"},
        "true when the row holds for every occurrence of `evidence`, as when a page repeats its whole body;"
        " one row is made per copy. Give either `occurrence` or `every_copy`, not both.",
        True,
    ),
}


def _located(extra: dict[str, Any], required: tuple[str, ...] = (), description: str = "") -> dict[str, Any]:
    schema = _object({**LOCATOR, **extra}, ["evidence", *required])
    return {**schema, "description": description} if description else schema


def _located_or_null(description: str, example: str) -> dict[str, Any]:
    return _doc({"anyOf": [_located({}), {"type": "null"}]}, description, {"evidence": example}, None)


# Claimed values, one schema per claim field: a claim is compared with the registry and across
# articles, so its type and range are checked as strictly as the registry's own fields.
CLAIM_DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
# What a pattern means, for error messages ("expected <words>, found ...").
PATTERN_WORDS = {CLAIM_DATE_PATTERN: "a date between 1900-01-01 and 2100-12-31"}


def _claim_date(what: str, *examples: Any) -> dict[str, Any]:
    return _doc(
        {"type": ["string", "null"], "format": "date", "pattern": CLAIM_DATE_PATTERN},
        f"The {what} this article states, YYYY-MM-DD between 1900 and 2100.",
        *examples,
    )


def _claim_text(what: str, *examples: Any) -> dict[str, Any]:
    return _doc({"type": ["string", "null"], "minLength": 1, "maxLength": 500}, f"The {what} this article states, as text.", *examples)


DATE_TEXT = _doc(
    NULLABLE_TEXT,
    "The words of the evidence that date it, exactly as printed ('on Tuesday', 'next month', 'Nov. 10')."
    " The build resolves them against the article's reference_date (or date_anchor / date_anchor_event): it"
    " claims the date they mean for the fields named by date_claim, and checks that a date typed under claims"
    " falls inside it. Write it even when no date is claimed.",
    "on Tuesday",
    "late next month",
    "Nov. 10",
)


def _date_claim(fields: list[str]) -> dict[str, Any]:
    return _doc(
        {"anyOf": [{"enum": fields}, {"type": "array", "items": {"enum": fields}, "minItems": 1, "uniqueItems": True}]},
        "Claim the date date_text states for this field (or these fields) without typing it: the build resolves"
        " date_text (against reference_date, date_anchor or date_anchor_event) and claims the first day of what it"
        " means (a week's Monday, a month's 1st), or the last day for date_end. Only for date words the rules"
        " resolve; otherwise type the date under claims.",
        fields[0],
        fields[:2],
    )


def _dated(claims: list[str]) -> dict[str, Any]:
    """The fields of an event or measure annotation that date it: its date words and how they are read."""
    return {
        "date_text": DATE_TEXT,
        "date_claim": _date_claim(claims),
        "date_precision": _doc(
            PRECISION,
            "Precision of this annotation's date claims; default: that of date_text as resolved, else day. " + PRECISION_WORDS,
            "month",
            "week",
        ),
        "date_anchor": DATE_ANCHOR,
        "date_anchor_event": DATE_ANCHOR_EVENT,
        "date_tense": DATE_TENSE,
        "date_override_reason": DATE_OVERRIDE_REASON,
        "note": ROW_NOTE,
    }


DATE_ANCHOR = _doc(
    DATE,
    "Resolve date_text against this date instead of the article's reference_date: the day the quoted words"
    " were said, when the text states it ('said at a briefing on Monday' for a remark made before the"
    " article's day). When that day is a registered event's date, use date_anchor_event instead.",
    "2025-11-03",
)
DATE_ANCHOR_EVENT = _doc(
    SLUG_ID,
    "Resolve date_text against the date of this registered event (its `date_start` in events.yml, a single"
    " day) instead of the article's reference_date: the interview or briefing where the words were said."
    " The registry's date is used, so it is never typed again in the article.",
    "commerce-ministry-briefing-2025-11-03",
)
DATE_TENSE = _doc(
    {"enum": ["past", "future"]},
    "Which way a bare weekday in date_text points: `past` (the default: news reports what happened,"
    " 'met on Tuesday' is the last Tuesday) or `future` ('will meet on Thursday' is the next Thursday).",
    "future",
)
DATE_OVERRIDE_REASON = _doc(
    NULLABLE_TEXT,
    "Why a date claim differs from what date_text resolves to, when the mechanical reading is wrong"
    " (the text's own date is a typo corrected elsewhere, a time zone). Silences that check only.",
    "'Thursday' is Beijing time; the briefing was Wednesday evening in Washington.",
)
ROW_NOTE = _doc(NULLABLE_TEXT, NOTE_WORDS, "'The minister' is Wang Wentao, named in the previous paragraph.", None)

ARTICLE: dict[str, Any] = _object(
    {
        "article_id": _doc(
            {"type": "string", "pattern": ARTICLE_ID, "maxLength": 80},
            "The article's id: its file name without `.yml`, lower-case words joined by hyphens. Written by"
            " `tradetalks fill`, never typed; it must equal the file name.",
            "eu-china-ev-tariff-talks-resume",
        ),
        "seed_file": _doc(
            NULLABLE_TEXT,
            "The file name the raw text was received under, when it came in a batch of files; null otherwise.",
            "017_a3f9c2d1e4b5a6c7.txt",
            None,
        ),
        "text_sha256": _doc(
            {"type": "string", "pattern": SHA256},
            "sha256 of the raw text file's bytes (64 lower-case hex digits): proof that the text was never edited. Written by `tradetalks fill`, never typed.",
            "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
        ),
        "title": _located_or_null(
            "The headline, located in the text; null when the text carries none (say why in title_note).",
            "Beijing signals openness to new round of tariff talks",
        ),
        "title_note": _doc(
            NULLABLE_TEXT,
            "Why the title is null, or how it was chosen among several headlines.",
            "The text begins with the byline; the page's headline was not copied.",
            None,
        ),
        "outlet": _doc(
            NULLABLE_TEXT,
            "The publishing outlet as the text names it (masthead, copyright line); null when the text names"
            " none. Never guessed from the URL or outside knowledge.",
            "The Straits Times",
            None,
        ),
        "outlet_evidence": _located_or_null("Where the text names the outlet; null when outlet is null.", "Copyright The Straits Times"),
        "outlet_note": _doc(
            NULLABLE_TEXT,
            "Why the outlet is null, or how it was read from the text.",
            "The text names no publishing outlet; the photo credit names an agency only.",
            None,
        ),
        "url": _doc(
            {"type": ["string", "null"], "pattern": URL},
            "The article's web address, when known from where the text was received; null otherwise.",
            "https://www.example.com/business/trade-talks-resume",
            None,
        ),
        "authors": _doc(
            {"type": "array", "items": SLUG_ID, "uniqueItems": True},
            "person_ids of the byline's authors, in byline order; each is registered in people.yml. Empty when the text has no byline.",
            ["mei-lin-chan", "tom-hargreaves"],
            [],
        ),
        "wire_service": _doc(
            NULLABLE_TEXT,
            "The news agency whose story this is (syndicated copy: Reuters, AP, AFP, Bloomberg, Xinhua…), when"
            " the text credits the story to it; null otherwise. A photo credit is not a story credit.",
            "Reuters",
            None,
        ),
        "wire_service_evidence": _located_or_null("Where the text credits the agency; null when wire_service is null.", "BEIJING (Reuters) -"),
        "published_date": _doc(
            NULLABLE_DATE, "The publication date the text states (a date line or dateline), YYYY-MM-DD; null when the text states none.", "2025-11-04", None
        ),
        "published_date_precision": _doc(NULLABLE_PRECISION, PRECISION_WORDS + " null when published_date is null.", "day", None),
        "published_date_evidence": _located_or_null("Where the text states the publication date; null when it does not.", "Published: 4 Nov 2025"),
        "published_date_note": _doc(NULLABLE_TEXT, "Why the publication date is null, or how it was read.", "The text has no date line.", None),
        "reference_date": _doc(
            DATE,
            "The day the text was written from, YYYY-MM-DD: relative dates ('on Friday', 'next week',"
            " 'yesterday') are resolved against it. Usually the dateline's day; when there is none, the day the"
            " content supports.",
            "2025-11-04",
        ),
        "reference_date_note": _doc(
            TEXT,
            "Why reference_date is that day: the words of the text that support it.",
            "Dateline 'WASHINGTON, Nov 4'; 'on Monday' in the text is 3 November.",
        ),
        "language": _doc({"type": "string", "pattern": LANGUAGE}, "The text's language as an ISO 639-1 code (two lower-case letters).", "en", "fr"),
        "notes": _doc(
            {"type": "array", "items": TEXT},
            "Remarks on the article as a whole for reviewers and users: readings that are not obvious, what was left out and why.",
            ["'The minister' in the third paragraph is Wang Wentao (named in the first)."],
        ),
        "segments": _doc(
            {
                "type": "array",
                "items": _object(
                    {
                        "kind": _doc(
                            {"enum": SEGMENT_KINDS},
                            "What the span is: `boilerplate` (site furniture: related-story links, subscription"
                            " prompts; names and quotation marks in it are ignored), `duplicate` (a repeated copy"
                            " of the body), `header` (masthead, page header, copyright line), `caption` (an image"
                            " caption or photo credit), `byline` (the author line), `transcript` (speech without quotation"
                            " marks, recorded as quotes of kind `turn`).",
                            "boilerplate",
                            "caption",
                        ),
                        "start": _doc(TEXT, "Verbatim text where the span begins (its first characters).", "Read more:", "Sign up for our newsletter"),
                        "end": _doc(
                            TEXT,
                            "Verbatim text where the span ends (its last characters), searched after start. Omit it when the span is the start text alone.",
                            "Most popular stories this week",
                        ),
                        "occurrence": _doc(
                            {"type": "integer", "minimum": 1}, "Which occurrence of `start` is meant, counting from 1, when it appears more than once.", 2
                        ),
                        "reason": _doc(TEXT, "Why the span is not the article's own body.", "Site links to other stories.", "Photo caption with credit."),
                    },
                    ["kind", "start", "reason"],
                ),
            },
            "Spans of the text that are not the article's own body: site boilerplate, duplicated copy, page"
            " headers, captions, bylines. Users take the clean body by leaving them out.",
            [{"kind": "boilerplate", "start": "Read more:", "end": "Most popular stories this week", "reason": "Site links to other stories."}],
        ),
        "quotes": _doc(
            {
                "type": "array",
                "items": _located(
                    {
                        "speaker": _doc(
                            {"anyOf": [SLUG_ID, {"type": "null"}]},
                            "person_id of who is quoted (registered in people.yml); null when the speaker is an"
                            " organisation or unknown, and then speaker_organisation or speaker_note says who.",
                            "wang-wentao",
                            None,
                        ),
                        "speaker_organisation": _doc(
                            NULLABLE_TEXT,
                            "The organisation speaking, or the speaker's, as the text names it.",
                            "Xinhua",
                            "Chinese Commerce Ministry",
                            None,
                        ),
                        "speaker_note": _doc(
                            NULLABLE_TEXT,
                            "Why the speaker is who it is, or unknown.",
                            "an unnamed spokesperson",
                            None,
                        ),
                        "kind": _doc(
                            {"enum": ["full", "partial", "turn"]},
                            "`full` for a quoted sentence or more; `partial` for a few quoted words inside the"
                            " reporter's sentence ('called the talks \"constructive\"'); `turn` for a speaker's turn"
                            " inside a transcript segment (speech without quotation marks).",
                            "full",
                            "partial",
                            "turn",
                        ),
                        "cue": _doc(NULLABLE_TEXT, "The reporting verb or phrase as printed, when there is one.", "said", "told reporters", None),
                        "channel": _doc(
                            {"enum": QUOTE_CHANNELS},
                            "Where the words were said, when the text states it: `interview`, `social_media` (a"
                            " post), `statement` (a written statement), `press_conference`, `remarks` (spoken at an"
                            " event), `readout` (an official summary of a call or meeting), `report` (a document);"
                            " null when not stated.",
                            "press_conference",
                            None,
                        ),
                        "note": ROW_NOTE,
                    },
                    ("speaker", "kind"),
                ),
            },
            "Every quotation in the article's body: the evidence is exactly the characters between the"
            " quotation marks (without the marks). A quotation split by 'he said' is two quotes.",
            [{"evidence": "We are ready to resume talks at any time,", "speaker": "wang-wentao", "kind": "full", "cue": "said", "channel": "press_conference"}],
        ),
        "not_quotes": _doc(
            {
                "type": "array",
                "items": _located(
                    {"reason": _doc(TEXT, "Why these quotation marks do not report anyone's words.", "title of a report", "scare quotes")}, ("reason",)
                ),
            },
            "Quotation-mark spans of the body that are not quotations (titles of works, names, scare quotes),"
            " each with a reason; every quotation-mark span is either a quote or a not_quote.",
            [{"evidence": "Made in China 2025", "reason": "name of a policy programme"}],
        ),
        "mentions": _doc(
            {
                "type": "array",
                "items": _located(
                    {
                        "person": _doc(SLUG_ID, "person_id of the person this occurrence names.", "wang-wentao"),
                        "variant": _doc(
                            {"type": "boolean", "default": False},
                            "true when the evidence is a form of the person's name printed in this article only: a"
                            " misspelling ('Donald Trunp'), a transliteration, a surname without its title. It is recorded"
                            " here, as printed, instead of as an alias in people.yml (an alias matches in every article);"
                            " its evidence row says `variant`. Leave it out (false) for an ambiguous alias.",
                            True,
                        ),
                        "note": ROW_NOTE,
                    },
                    ("person",),
                ),
            },
            "Occurrences of an ambiguous alias (people.yml `ambiguous_aliases`, such as a surname that is also"
            " a common word) that do name the person. The evidence may be the bare alias with occurrence, or a"
            " short phrase around it; the recorded span is the alias itself. Also a name printed differently in"
            " this article only, with `variant: true`.",
            [{"person": "wang-wentao", "evidence": "minister Wang said"}, {"person": "donald-trump", "evidence": "Donald Trunp", "variant": True}],
        ),
        "not_mentions": _doc(
            {
                "type": "array",
                "items": _located(
                    {"reason": _doc(TEXT, "What the occurrence is instead of the person.", "the pronoun, for the minister", "a place name")}, ("reason",)
                ),
            },
            "Occurrences of an ambiguous alias that do not name its person, each with a reason.",
            [{"evidence": "He", "occurrence": 3, "reason": "the pronoun, for the minister"}],
        ),
        "roles": _doc(
            {
                "type": "array",
                "items": _located(
                    {
                        "person": _doc(SLUG_ID, "person_id of the person the role is stated for.", "wang-wentao"),
                        "role": _doc(
                            TEXT, "The role or title as the text states it, without the country.", "Commerce Minister", "chief negotiator", "reporter"
                        ),
                        "organisation": _doc(NULLABLE_TEXT, "The organisation the role belongs to, when stated.", "European Commission", None),
                        "country": _doc(
                            {"type": ["string", "null"], "pattern": ISO3},
                            "The country the role is held for, as an ISO 3166-1 alpha-3 code, when the"
                            " text states it ('Chinese Commerce Minister' is CHN); null otherwise.",
                            "CHN",
                            None,
                        ),
                    },
                    ("person", "role"),
                ),
            },
            "Each role or title the article states for a person, with the words that state it.",
            [{"person": "wang-wentao", "role": "Commerce Minister", "country": "CHN", "evidence": "Chinese Commerce Minister Wang Wentao"}],
        ),
        "events": _doc(
            {
                "type": "array",
                "items": _located(
                    {
                        "event": _doc(SLUG_ID, "event_id of the event (registered in events.yml).", "g20-leaders-summit-2025-11"),
                        "claims": _doc(
                            {
                                "type": "object",
                                "properties": {
                                    "date_start": _claim_date("first day of the event", "2025-11-10"),
                                    "date_end": _claim_date("last day of the event (inclusive)", "2025-11-12"),
                                    "local_date": _claim_date("calendar day where the event took place, across the date line", "2025-11-11"),
                                    "location": _claim_text("place of the event", "Geneva"),
                                    "participants": _doc(
                                        {"type": "array", "items": SLUG_ID, "uniqueItems": True},
                                        "The person_ids of the participants this article names.",
                                        ["scott-bessent", "he-lifeng"],
                                    ),
                                    "description": _claim_text("description of the event", "Video call on trade"),
                                },
                                "additionalProperties": False,
                            },
                            "The values of the event's fields that this article states, typed only when the"
                            " article states them (otherwise events.yml's value is used). Articles claiming"
                            " different values make the event disputed. `local_date` is the calendar day of an"
                            " event reported on the other side of the date line, never a dispute."
                            " Dates are YYYY-MM-DD (a week's Monday, a month's 1st); a date stated in words the"
                            " rules resolve is not typed here but claimed with date_claim.",
                            {"date_start": "2025-11-10", "location": "Geneva"},
                            {"local_date": "2025-11-11"},
                        ),
                        **_dated(["date_start", "date_end", "local_date"]),
                    },
                    ("event",),
                ),
            },
            "Each passage that reports a registered event, with what it claims about it.",
            [
                {
                    "event": "g20-leaders-summit-2025-11",
                    "evidence": "leaders will meet in Johannesburg later this month",
                    "claims": {"location": "Johannesburg"},
                    "date_text": "later this month",
                }
            ],
        ),
        "measures": _doc(
            {
                "type": "array",
                "items": _located(
                    {
                        "measure": _doc(SLUG_ID, "measure_id of the measure (registered in measures.yml).", "eu-ev-countervailing-duties-2024"),
                        "claims": _doc(
                            {
                                "type": "object",
                                "properties": {
                                    "rate_pct": _doc(
                                        {"type": ["number", "null"], "minimum": 0, "maximum": 1000},
                                        "The rate this article states, in percent: a finite number from 0 to 1000.",
                                        35.3,
                                        100,
                                    ),
                                    "rate_basis": _doc(
                                        {"enum": ["additional", "total", None]},
                                        "Whether the stated rate adds to existing duties or is the total.",
                                        "additional",
                                    ),
                                    "status": _doc({"enum": STATUSES}, "The status of the measure this article states.", "in_effect"),
                                    "announced_date": _claim_date("day the measure was announced", "2025-10-10"),
                                    "announced_date_end": _claim_date("last possible day of the announcement (a range)", "2025-10-12"),
                                    "effective_date": _claim_date("day the measure takes or took effect", "2025-12-01"),
                                    "effective_date_end": _claim_date("last possible day it takes or took effect (a range)", "2025-12-31"),
                                    "expiry_date": _claim_date("day the measure ends or ended", "2026-11-10"),
                                    "expiry_date_end": _claim_date("last possible day it ends or ended (a range)", "2026-11-30"),
                                    "scope": _claim_text("goods or sectors the measure covers", "all imports from China"),
                                    "target": _claim_text("country or entity the measure targets", "CHN"),
                                    "imposer": _claim_text("country or body imposing the measure", "USA"),
                                },
                                "additionalProperties": False,
                            },
                            "The values of the measure's fields that this article states, typed only when the"
                            " article states them (otherwise measures.yml's value is used). Articles claiming"
                            " different values make the measure disputed; a status that changed over time is"
                            " history, claimed with the date it held. rate_pct is a number; dates are YYYY-MM-DD, and"
                            " a date stated in words the rules resolve is not typed here but claimed with date_claim.",
                            {"rate_pct": 35.3, "status": "in_effect"},
                            {"effective_date": "2025-12-01"},
                        ),
                        **_dated(["announced_date", "effective_date", "expiry_date"]),
                    },
                    ("measure",),
                ),
            },
            "Each passage that reports a registered measure (a tariff, export control, sanction…), with what it claims about it.",
            [{"measure": "eu-ev-countervailing-duties-2024", "evidence": "duties of up to 35.3% on Chinese-made electric cars", "claims": {"rate_pct": 35.3}}],
        ),
    },
    ["article_id", "text_sha256", "reference_date", "reference_date_note", "language"],
)

PERSON = _object(
    {
        "person_id": _doc(
            SLUG_ID,
            "The person's id: the name as a slug (lower-case, hyphens), stable forever. `tradetalks fill` writes it from `name` when missing.",
            "wang-wentao",
        ),
        "name": _doc(TEXT, "The person's name as most texts print it, given name and surname.", "Wang Wentao"),
        "aliases": _doc(
            {"type": "array", "items": TEXT, "minItems": 1, "uniqueItems": True},
            "Every surface form that always means this person; each is matched mechanically (rule:alias),"
            " case-sensitively, at word boundaries in every article. A form of one article only (a misspelling)"
            " is not an alias.",
            ["Wang Wentao", "Wentao"],
        ),
        "ambiguous_aliases": _doc(
            {"type": "array", "items": TEXT, "uniqueItems": True},
            "Surface forms that may also mean something else (a surname that is a common word or a pronoun);"
            " every occurrence must be curated under the article's mentions or not_mentions.",
            ["Wang"],
        ),
        "country": _doc(
            {"type": ["string", "null"], "pattern": ISO3},
            "The country the person acts for, as an ISO 3166-1 alpha-3 code, when the articles support it.",
            "CHN",
            None,
        ),
        "country_note": _doc(
            NULLABLE_TEXT, "The words of the articles that support country, or why it is null.", "'Chinese Commerce Minister Wang Wentao'.", None
        ),
        "wikidata_id": _doc(
            {"type": ["string", "null"], "pattern": WIKIDATA},
            "The person's Wikidata item (Q followed by digits), when checked on wikidata.org.",
            "Q22686",
            None,
        ),
        "wikidata_source": _doc(NULLABLE_TEXT, "How the Wikidata item was checked.", "Matched by name and office on wikidata.org.", None),
        "note": _doc(NULLABLE_TEXT, NOTE_WORDS, "Also spelt 'Wang Wen-tao' in older texts.", None),
    },
    ["person_id", "name", "aliases"],
)
PERSON["description"] = "A person named in an article body or byline."

# A curator's resolution of a disagreement between articles. `values` lists the distinct values the
# articles claim (as the disputes table shows them): a new conflicting claim no longer matches, so the
# build asks for the note to be reviewed instead of letting it hide the new claim.
DISPUTES = _doc(
    {
        "type": "array",
        "items": _object(
            {
                "field": _doc(TEXT, "The field the articles disagree on.", "date_start", "status"),
                "values": _doc(
                    {"type": "array", "items": TEXT, "minItems": 2, "uniqueItems": True},
                    "The distinct values the articles claim, as the disputes table shows them.",
                    ["2025-11-10", "2025-11-11"],
                ),
                "use": _doc(TEXT, "The value the row uses, where no registry field holds it (a measure's status).", "threatened"),
                "note": _doc(TEXT, "Which value the row uses, and why.", "One article says 10 November, two say 11; 11 is used (two texts)."),
            },
            ["field", "values", "note"],
        ),
    },
    DISPUTE_WORDS,
    [{"field": "date_start", "values": ["2025-11-10", "2025-11-11"], "note": "Two texts say 11 November; 11 is used."}],
)

EVENT = _object(
    {
        "event_id": _doc(SLUG_ID, "The event's id: a slug of what, who and when, stable forever.", "g20-leaders-summit-2025-11"),
        "event_type": _doc({"enum": EVENT_TYPES}, "What kind of event it is.", "summit", "call"),
        "description": _doc(TEXT, "One sentence saying what happened, who took part and where.", "Summit of G20 leaders in Johannesburg."),
        "date_start": _doc(
            NULLABLE_DATE,
            "The first day of the event as the articles support it, YYYY-MM-DD"
            " (a week's Monday or a month's 1st at week/month precision); null when no text dates it.",
            "2025-11-22",
            None,
        ),
        "date_end": _doc(
            NULLABLE_DATE, "The last day (inclusive); required for precision range, derived from date_start for day, week, month, year.", "2025-11-23", None
        ),
        "date_precision": _doc(
            NULLABLE_PRECISION,
            PRECISION_WORDS + " null exactly when date_start is null; left null beside a date_start, it is day (range when date_end is given).",
            "day",
            "range",
        ),
        "date_note": _doc(
            NULLABLE_TEXT,
            "Which articles' words give the dates, and how they were combined.",
            "'later this month' (2 Nov) and 'on Saturday' (21 Nov) give 22 November.",
            None,
        ),
        "place": _doc(
            {"anyOf": [SLUG_ID, {"type": "null"}]},
            "Where it took place, as a place_id of dataset/places.yml; null for a call or when unstated.",
            "johannesburg",
            None,
        ),
        "participants": _doc({"type": "array", "items": SLUG_ID, "uniqueItems": True}, "person_ids of the people the articles say took part.", ["wang-wentao"]),
        "disputes": DISPUTES,
        "note": _doc(NULLABLE_TEXT, NOTE_WORDS, "Held by video link, so no location.", None),
    },
    ["event_id", "event_type", "description", "date_start", "date_precision"],
)
EVENT["description"] = "A real-world event reported by the articles: a call, a meeting, a summit, an announcement."


def _end(what: str, example: str) -> dict[str, Any]:
    return _doc(NULLABLE_DATE, f"The last possible day {what}; required for precision range, derived otherwise.", example, None)


ISO3_LIST = {"type": "array", "items": {"type": "string", "pattern": ISO3}, "uniqueItems": True}

MEASURE = _object(
    {
        "measure_id": _doc(SLUG_ID, "The measure's id: a slug of who, what and when, stable forever.", "eu-ev-countervailing-duties-2024"),
        "imposer": _doc(ISO3_LIST, "ISO 3166-1 alpha-3 codes of who imposes it; empty when the text names no country (say who in imposer_note).", ["USA"], []),
        "imposer_note": _doc(NULLABLE_TEXT, "Who imposes it, when no country code says it.", "the European Commission", None),
        "target": _doc(ISO3_LIST, "ISO 3166-1 alpha-3 codes of whom it targets; empty when the text names no country (say who in target_note).", ["CHN"], []),
        "target_note": _doc(NULLABLE_TEXT, "Whom it targets, when no country code says it.", "five subsidiaries of a shipping company", None),
        "instrument": _doc({"enum": INSTRUMENTS}, "What kind of measure it is.", "tariff", "export_control"),
        "description": _doc(TEXT, "One sentence saying what the measure does.", "Countervailing duties of up to 35.3% on electric cars made in China."),
        "rate_pct": _doc({"type": ["number", "null"], "minimum": 0, "maximum": 1000}, "The rate in percent, when there is one (35.3 for 35.3%).", 35.3, None),
        "rate_basis": _doc(
            {"enum": ["additional", "total", None]},
            "`additional` when the rate comes on top of existing duties, `total` when it is the whole duty; null when the texts do not say.",
            "additional",
            None,
        ),
        "scope": _doc(NULLABLE_TEXT, "What goods, firms or activities it covers, as the texts say.", "battery-electric cars made in China", None),
        "announced_date": _doc(NULLABLE_DATE, "When it was announced, YYYY-MM-DD, as the texts support it.", "2025-10-09", None),
        "announced_date_end": _end("of the announcement", "2025-10-12"),
        "announced_date_precision": _doc(NULLABLE_PRECISION, PRECISION_WORDS, "day", None),
        "effective_date": _doc(NULLABLE_DATE, "When it takes or took effect.", "2025-11-01", None),
        "effective_date_end": _end("it takes or took effect", "2025-11-30"),
        "effective_date_precision": _doc(NULLABLE_PRECISION, PRECISION_WORDS, "day", None),
        "expiry_date": _doc(NULLABLE_DATE, "When it ends or ended.", "2026-11-10", None),
        "expiry_date_end": _end("it ends or ended", "2026-11-30"),
        "expiry_date_precision": _doc(NULLABLE_PRECISION, PRECISION_WORDS, "month", None),
        "events": _doc(
            {
                "type": "array",
                "items": _object(
                    {
                        "event": _doc(SLUG_ID, "event_id of the event (registered in events.yml).", "trump-100pct-tariff-threat-2025-10"),
                        "relation": _doc({"enum": LINK_RELATIONS}, "How the event bears on the measure.", "announcement", "pause"),
                        "note": _doc(NULLABLE_TEXT, NOTE_WORDS, "The truce paused the tariff for a year.", None),
                    },
                    ["event", "relation"],
                ),
            },
            "Events tied to the measure: its announcement, the talks that paused it, statements about it.",
            [{"event": "trump-100pct-tariff-threat-2025-10", "relation": "threat"}],
        ),
        "disputes": DISPUTES,
        "note": _doc(NULLABLE_TEXT, NOTE_WORDS, "No text gives an effective date.", None),
    },
    ["measure_id", "imposer", "target", "instrument", "description"],
)
MEASURE["description"] = "A tariff or other trade measure the articles mention, threatened ones included."

PLACE = _object(
    {
        "place_id": _doc(SLUG_ID, "The place's id: its name as a slug, stable forever.", "kuala-lumpur"),
        "name": _doc(TEXT, "The place's name as most texts print it.", "Kuala Lumpur"),
        "kind": _doc({"enum": PLACE_KINDS}, "What kind of place it is.", "city", "country"),
        "within": _doc({"anyOf": [SLUG_ID, {"type": "null"}]}, "The place_id this place lies in (a city's country).", "malaysia", None),
        "iso3": _doc({"type": ["string", "null"], "pattern": ISO3}, "The ISO 3166-1 alpha-3 code of a country.", "MYS", None),
        "aliases": _doc(
            {"type": "array", "items": TEXT, "uniqueItems": True}, "Other names a location claim may use ('the Malaysian capital' is not a name).", ["KL"]
        ),
        "note": _doc(NULLABLE_TEXT, NOTE_WORDS, "The talks were held at the Merdeka 118 tower.", None),
    },
    ["place_id", "name", "kind"],
)
PLACE["description"] = "A place an event's location or a location claim names: a country, region, city or venue."

OUTLET = _object(
    {
        "outlet_id": _doc(SLUG_ID, "The outlet's id: its name as a slug, stable forever.", "reuters"),
        "name": _doc(TEXT, "The outlet's name as it prints it.", "Reuters"),
        "domain": _doc({"type": ["string", "null"], "pattern": r"^[a-z0-9.-]+\.[a-z]{2,}$"}, "The web domain the outlet publishes on.", "reuters.com", None),
        "owner": _doc(NULLABLE_TEXT, "Who owns the outlet.", "Thomson Reuters", None),
        "country": _doc({"type": ["string", "null"], "pattern": ISO3}, "The outlet's home country (ISO 3166-1 alpha-3).", "GBR", None),
        "wire_service": _doc({"type": "boolean"}, "true for a wire service (its stories are republished by other outlets).", True, False),
        "aliases": _doc({"type": "array", "items": TEXT, "uniqueItems": True}, "Other names an article's outlet or wire_service may use.", ["Thomson Reuters"]),
        "note": _doc(NULLABLE_TEXT, NOTE_WORDS, "Named in the copyright line only.", None),
    },
    ["outlet_id", "name", "wire_service"],
)
OUTLET["description"] = "A news outlet or wire service an article names."


# Every file kind: (registry key or None for an article, title, description).
KINDS: dict[str, tuple[str | None, str, str]] = {
    "article": (
        None,
        "tradetalks article annotation",
        "dataset/articles/<article_id>.yml: one article's metadata and the annotations that make its rows,"
        " each located in dataset/articles/<article_id>.txt by verbatim evidence.",
    ),
    "people": (
        "people",
        "tradetalks people registry",
        "dataset/people.yml: every person named in an article body or byline, with the aliases matched in the texts.",
    ),
    "events": ("events", "tradetalks events registry", "dataset/events.yml: every real-world event the articles report, with the dates the texts support."),
    "measures": (
        "measures",
        "tradetalks measures registry",
        "dataset/measures.yml: every tariff and trade measure the articles report, threatened ones included.",
    ),
    "places": ("places", "tradetalks places registry", "dataset/places.yml: every place an event or a location claim names, with the place it lies in."),
    "outlets": ("outlets", "tradetalks outlets registry", "dataset/outlets.yml: every news outlet and wire service the articles name."),
}
ITEMS = {"people": PERSON, "events": EVENT, "measures": MEASURE, "places": PLACE, "outlets": OUTLET}
# A whole registry entry, as a contributor would paste it.
ENTRY_EXAMPLES: dict[str, dict[str, Any]] = {
    "people": {"person_id": "wang-wentao", "name": "Wang Wentao", "aliases": ["Wang Wentao"], "country": "CHN"},
    "events": {
        "event_id": "g20-leaders-summit-2025-11",
        "event_type": "summit",
        "description": "Summit of G20 leaders in Johannesburg.",
        "date_start": "2025-11-22",
        "date_end": "2025-11-23",
        "date_precision": "range",
        "place": "johannesburg",
    },
    "measures": {
        "measure_id": "eu-ev-countervailing-duties-2024",
        "imposer": [],
        "imposer_note": "the European Union",
        "target": ["CHN"],
        "instrument": "tariff",
        "description": "Countervailing duties of up to 35.3% on electric cars made in China.",
        "rate_pct": 35.3,
        "rate_basis": "additional",
    },
    "places": {"place_id": "kuala-lumpur", "name": "Kuala Lumpur", "kind": "city", "within": "malaysia"},
    "outlets": {"outlet_id": "reuters", "name": "Reuters", "domain": "reuters.com", "wire_service": True},
}


def _file_schema(kind: str) -> dict[str, Any]:
    key, title, description = KINDS[kind]
    head = {"$schema": DRAFT, "$id": f"{SCHEMA_BASE_URL}{kind}.schema.json", "title": title, "description": description}
    if key is None:
        return {**head, **ARTICLE}
    entries = _doc({"type": "array", "items": ITEMS[key]}, ITEMS[key]["description"], [ENTRY_EXAMPLES[key]])
    return {**head, **_object({key: entries}, [key])}


def schema_file(kind: str) -> str:
    """Where the published schema of `kind` lives, relative to the repository root."""
    return f"{SCHEMA_DIR}/{kind}.schema.json"


FILE_SCHEMAS: dict[str, dict[str, Any]] = {kind: _file_schema(kind) for kind in KINDS}
