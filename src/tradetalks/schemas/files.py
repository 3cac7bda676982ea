"""JSON Schemas (draft 2020-12) of every YAML file a contributor edits under dataset/.

`additionalProperties: false` everywhere: a misspelt field is an error, never a silent drop.
"""

from __future__ import annotations

from typing import Any

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ARTICLE_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ISO3 = r"^[A-Z]{3}$"
WIKIDATA = r"^Q[1-9][0-9]*$"
SHA256 = r"^[0-9a-f]{64}$"

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_DATE = {"anyOf": [DATE, {"type": "null"}]}
PRECISION = {"enum": ["day", "week", "month", "year", "range"]}
NULLABLE_PRECISION = {"enum": ["day", "week", "month", "year", "range", None]}
TEXT = {"type": "string", "minLength": 1}
NULLABLE_TEXT = {"type": ["string", "null"], "minLength": 1}
SLUG_ID = {"type": "string", "pattern": SLUG, "maxLength": 80}

EVENT_TYPES = [
    "call", "meeting", "talks", "summit", "announcement", "statement", "interview",
    "report", "visit", "agreement", "election", "other",
]
INSTRUMENTS = [
    "tariff", "export_control", "import_ban", "sanction", "entity_list", "investigation",
    "truce", "agreement", "other",
]
STATUSES = [
    "threatened", "proposed", "announced", "in_effect", "paused", "expired", "reported",
    "under_investigation", "withdrawn", "agreed", "averted",
]
PLACE_KINDS = ["country", "region", "city", "venue"]
LINK_RELATIONS = ["announcement", "threat", "statement", "report", "agreement", "talks", "pause"]

# Where a row's evidence is in the article: verbatim text (whitespace-tolerant), never offsets.
LOCATOR: dict[str, Any] = {
    "evidence": {**TEXT, "description": "verbatim text of the article (line breaks may be typed as spaces)"},
    "occurrence": {"type": "integer", "minimum": 1, "description": "which occurrence, when the evidence appears more than once"},
    "every_copy": {"type": "boolean", "description": "the row holds for every occurrence (an article that repeats its body)"},
}

CLAIM_VALUE = {"type": ["string", "number", "integer", "boolean", "null"]}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_located = lambda extra, required=(): _object({**LOCATOR, **extra}, ["evidence", *required])  # noqa: E731

ARTICLE: dict[str, Any] = _object(
    {
        "article_id": {"type": "string", "pattern": ARTICLE_ID, "maxLength": 80},
        "seed_file": {**NULLABLE_TEXT, "description": "the file name the raw text was received under"},
        "text_sha256": {"type": "string", "pattern": SHA256},
        "title": {"anyOf": [_located({}), {"type": "null"}], "description": "the headline, located in the text; null when the text has none"},
        "title_note": NULLABLE_TEXT,
        "outlet": NULLABLE_TEXT,
        "outlet_evidence": {"anyOf": [_located({}), {"type": "null"}]},
        "outlet_note": NULLABLE_TEXT,
        "url": {"type": ["string", "null"], "pattern": r"^https?://\S+$"},
        "authors": {"type": "array", "items": SLUG_ID, "uniqueItems": True},
        "wire_service": NULLABLE_TEXT,
        "wire_service_evidence": {"anyOf": [_located({}), {"type": "null"}]},
        "published_date": NULLABLE_DATE,
        "published_date_precision": NULLABLE_PRECISION,
        "published_date_evidence": {"anyOf": [_located({}), {"type": "null"}]},
        "published_date_note": NULLABLE_TEXT,
        "reference_date": {**DATE, "description": "the date relative expressions ('on Friday', 'next week') are resolved against"},
        "reference_date_note": TEXT,
        "language": {"type": "string", "pattern": r"^[a-z]{2}$"},
        "notes": {"type": "array", "items": TEXT},
        "segments": {
            "type": "array",
            "description": "spans that are not the article's own body: site boilerplate, duplicated copy, page headers",
            "items": _object(
                {
                    "kind": {"enum": ["boilerplate", "duplicate", "header", "caption", "byline", "transcript"],
                             "description": "transcript: speech without quotation marks, recorded as quotes of kind turn"},
                    "start": TEXT,
                    "end": TEXT,
                    "occurrence": {"type": "integer", "minimum": 1},
                    "reason": TEXT,
                },
                ["kind", "start", "reason"],
            ),
        },
        "quotes": {
            "type": "array",
            "items": _located(
                {
                    "speaker": {"anyOf": [SLUG_ID, {"type": "null"}]},
                    "speaker_organisation": {**NULLABLE_TEXT, "description": "the organisation speaking, or the speaker's, as the text names it ('Xinhua', 'Chinese Commerce Ministry')"},
                    "speaker_note": {**NULLABLE_TEXT, "description": "why the speaker is who it is, or unknown ('an unnamed spokesperson')"},
                    "kind": {"enum": ["full", "partial", "turn"],
                             "description": "turn: a speaker's turn inside a transcript segment (speech without quotation marks)"},
                    "cue": NULLABLE_TEXT,
                    "channel": {"enum": ["interview", "social_media", "statement", "press_conference", "remarks", "readout", "report", None]},
                    "note": NULLABLE_TEXT,
                },
                ["speaker", "kind"],
            ),
        },
        "not_quotes": {
            "type": "array",
            "description": "quotation-mark spans that are not quotations (titles of works, scare quotes), each with a reason",
            "items": _located({"reason": TEXT}, ["reason"]),
        },
        "mentions": {
            "type": "array",
            "description": "curated mentions for aliases the rules cannot resolve alone (e.g. 'He')",
            "items": _located({"person": SLUG_ID, "note": NULLABLE_TEXT}, ["person"]),
        },
        "not_mentions": {
            "type": "array",
            "description": "occurrences of an ambiguous alias that are not the person (e.g. the pronoun 'He')",
            "items": _located({"reason": TEXT}, ["reason"]),
        },
        "roles": {
            "type": "array",
            "items": _located(
                {
                    "person": SLUG_ID,
                    "role": TEXT,
                    "organisation": NULLABLE_TEXT,
                    "country": {"type": ["string", "null"], "pattern": ISO3},
                },
                ["person", "role"],
            ),
        },
        "events": {
            "type": "array",
            "items": _located(
                {
                    "event": SLUG_ID,
                    "claims": {"type": "object", "additionalProperties": CLAIM_VALUE,
                               "propertyNames": {"enum": ["date_start", "date_end", "local_date", "location", "participants", "description"]}},
                    "date_text": NULLABLE_TEXT,
                    "date_precision": {**PRECISION, "description": "precision of this annotation's date claims; default: that of date_text as resolved, else day"},
                    "date_anchor": {**DATE, "description": "resolve date_text against this date instead of the article's reference_date (e.g. the day a quoted remark was made)"},
                    "date_tense": {"enum": ["past", "future"], "description": "whether a bare weekday in date_text points back (default) or forward ('will meet on Thursday')"},
                    "date_override_reason": NULLABLE_TEXT,
                    "note": NULLABLE_TEXT,
                },
                ["event"],
            ),
        },
        "measures": {
            "type": "array",
            "items": _located(
                {
                    "measure": SLUG_ID,
                    "claims": {"type": "object", "additionalProperties": CLAIM_VALUE,
                               "propertyNames": {"enum": ["rate_pct", "rate_basis", "status", "announced_date", "announced_date_end", "effective_date", "effective_date_end",
                                                         "expiry_date", "expiry_date_end", "scope", "target", "imposer"]}},
                    "date_text": NULLABLE_TEXT,
                    "date_precision": {**PRECISION, "description": "precision of this annotation's date claims; default: that of date_text as resolved, else day"},
                    "date_anchor": DATE,
                    "date_tense": {"enum": ["past", "future"], "description": "whether a bare weekday in date_text points back (default) or forward ('will meet on Thursday')"},
                    "date_override_reason": NULLABLE_TEXT,
                    "note": NULLABLE_TEXT,
                },
                ["measure"],
            ),
        },
    },
    ["article_id", "text_sha256", "reference_date", "reference_date_note", "language"],
)

PERSON = _object(
    {
        "person_id": SLUG_ID,
        "name": TEXT,
        "aliases": {"type": "array", "items": TEXT, "minItems": 1, "uniqueItems": True,
                    "description": "every surface form; matched mechanically (rule:alias)"},
        "ambiguous_aliases": {"type": "array", "items": TEXT, "uniqueItems": True,
                              "description": "surface forms that are also ordinary words ('He'); every occurrence must be curated"},
        "country": {"type": ["string", "null"], "pattern": ISO3},
        "country_note": NULLABLE_TEXT,
        "wikidata_id": {"type": ["string", "null"], "pattern": WIKIDATA},
        "wikidata_source": NULLABLE_TEXT,
        "note": NULLABLE_TEXT,
    },
    ["person_id", "name", "aliases"],
)

# A curator's resolution of a disagreement between articles. `values` lists the distinct values the
# articles claim (as the disputes table shows them): a new conflicting claim no longer matches, so the
# build asks for the note to be reviewed instead of letting it hide the new claim.
DISPUTES = {
    "type": "array",
    "items": _object(
        {
            "field": TEXT,
            "values": {"type": "array", "items": TEXT, "minItems": 2, "uniqueItems": True},
            "use": {**TEXT, "description": "the value the row uses, where no registry field holds it (a measure's status)"},
            "note": {**TEXT, "description": "which value the row uses, and why"},
        },
        ["field", "values", "note"],
    ),
}

EVENT = _object(
    {
        "event_id": SLUG_ID,
        "event_type": {"enum": EVENT_TYPES},
        "description": TEXT,
        "date_start": NULLABLE_DATE,
        "date_end": {**NULLABLE_DATE, "description": "required for precision range; derived from date_start for day, week, month, year"},
        "date_precision": NULLABLE_PRECISION,
        "date_note": NULLABLE_TEXT,
        "place": {"anyOf": [SLUG_ID, {"type": "null"}], "description": "where, as a place_id of dataset/places.yml"},
        "participants": {"type": "array", "items": SLUG_ID, "uniqueItems": True},
        "disputes": DISPUTES,
        "note": NULLABLE_TEXT,
    },
    ["event_id", "event_type", "description", "date_start", "date_precision"],
)

_END = {**NULLABLE_DATE, "description": "last possible day; required for precision range, derived otherwise"}

MEASURE = _object(
    {
        "measure_id": SLUG_ID,
        "imposer": {"type": "array", "items": {"type": "string", "pattern": ISO3}, "uniqueItems": True,
                    "description": "ISO 3166-1 alpha-3 codes of who imposes it; empty when the text names no country (say who in imposer_note)"},
        "imposer_note": NULLABLE_TEXT,
        "target": {"type": "array", "items": {"type": "string", "pattern": ISO3}, "uniqueItems": True,
                   "description": "ISO 3166-1 alpha-3 codes of whom it targets; empty when the text names no country (say who in target_note)"},
        "target_note": NULLABLE_TEXT,
        "instrument": {"enum": INSTRUMENTS},
        "description": TEXT,
        "rate_pct": {"type": ["number", "null"], "minimum": 0, "maximum": 1000},
        "rate_basis": {"enum": ["additional", "total", None]},
        "scope": NULLABLE_TEXT,
        "announced_date": NULLABLE_DATE,
        "announced_date_end": _END,
        "announced_date_precision": NULLABLE_PRECISION,
        "effective_date": NULLABLE_DATE,
        "effective_date_end": _END,
        "effective_date_precision": NULLABLE_PRECISION,
        "expiry_date": NULLABLE_DATE,
        "expiry_date_end": _END,
        "expiry_date_precision": NULLABLE_PRECISION,
        "events": {
            "type": "array",
            "description": "events tied to the measure: its announcement, the talks that paused it, statements about it",
            "items": _object({"event": SLUG_ID, "relation": {"enum": LINK_RELATIONS}, "note": NULLABLE_TEXT}, ["event", "relation"]),
        },
        "disputes": DISPUTES,
        "note": NULLABLE_TEXT,
    },
    ["measure_id", "imposer", "target", "instrument", "description"],
)

PLACE = _object(
    {
        "place_id": SLUG_ID,
        "name": TEXT,
        "kind": {"enum": PLACE_KINDS},
        "within": {"anyOf": [SLUG_ID, {"type": "null"}], "description": "the place_id this place lies in (a city's country)"},
        "iso3": {"type": ["string", "null"], "pattern": ISO3},
        "aliases": {"type": "array", "items": TEXT, "uniqueItems": True,
                    "description": "other names a location claim may use ('the Malaysian capital' is not a name)"},
        "note": NULLABLE_TEXT,
    },
    ["place_id", "name", "kind"],
)


OUTLET = _object(
    {
        "outlet_id": SLUG_ID,
        "name": TEXT,
        "domain": {"type": ["string", "null"], "pattern": r"^[a-z0-9.-]+\.[a-z]{2,}$"},
        "owner": NULLABLE_TEXT,
        "country": {"type": ["string", "null"], "pattern": ISO3},
        "wire_service": {"type": "boolean", "description": "a wire service (its stories are republished by other outlets)"},
        "aliases": {"type": "array", "items": TEXT, "uniqueItems": True, "description": "other names an article's outlet or wire_service may use"},
        "note": NULLABLE_TEXT,
    },
    ["outlet_id", "name", "wire_service"],
)


def _registry(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return _object({key: {"type": "array", "items": item}}, [key])


PEOPLE_FILE = _registry("people", PERSON)
EVENTS_FILE = _registry("events", EVENT)
MEASURES_FILE = _registry("measures", MEASURE)
PLACES_FILE = _registry("places", PLACE)
OUTLETS_FILE = _registry("outlets", OUTLET)

FILE_SCHEMAS: dict[str, dict[str, Any]] = {
    "article": ARTICLE,
    "people": PEOPLE_FILE,
    "events": EVENTS_FILE,
    "measures": MEASURES_FILE,
    "places": PLACES_FILE,
    "outlets": OUTLETS_FILE,
}
