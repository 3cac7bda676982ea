"""What to write: the expected form of a field, a found value in words, and registry entries to paste.

Every message of the build says what was expected, what was found and what to write. The forms
come from the JSON Schemas of contract/input_files.py: a field's own `examples` when it has them, else
the common formats below (dates, country codes, slug ids, hashes, closed sets of values).
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from tradetalks.contract import input_files as files
from tradetalks.contract.input_files import PATTERN_WORDS

# The common formats, by the pattern that defines them: (what it is, an example). Article ids
# share the slug pattern.
_PATTERNS = {
    files.SLUG: ("a slug id (lower-case words joined by -)", "scott-bessent"),
    files.ISO3: ("an ISO 3166-1 alpha-3 country code", "USA"),
    files.WIKIDATA: ("a Wikidata id", "Q42"),
    files.SHA256: (
        "the sha256 of the raw text, 64 hex digits (`sha256sum dataset/articles/<id>.txt`)",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
    r"^[a-z]{2}$": ("a two-letter ISO 639-1 language code", "en"),
    r"^https?://\S+$": ("a web address", "https://example.com/2025/10/18/story.html"),
    r"^\d{4}-\d{2}-\d{2}$": ("a date", "2025-10-18"),
}
_TYPES: dict[str, tuple[str, Any]] = {  # words for the type, and an example value of it
    "string": ("text", "said in a statement"),
    "integer": ("a whole number", 2),
    "number": ("a number", 25),
    "boolean": ("true or false", True),
    "array": ("a list", None),
    "object": ("a mapping of fields", None),
    "null": ("null", None),
}


def found(value: Any) -> str:
    """A found value in words: `nothing (null)`, `the text 'x'`, `the number 3`, `a list of 2 items`."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the text {shown!r}" if value else "empty text ('')"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value))[:5])
        return f"a mapping ({keys})" if value else "an empty mapping ({})"
    return type(value).__name__


def scalar(value: Any) -> str:
    """A value as it is typed in YAML (flow style, one line)."""
    if isinstance(value, str):
        plain = (
            value
            and value.strip() == value
            and not any(c in value for c in ":#'\"[]{},&*!|>%@`")
            and value.lower() not in ("null", "true", "false", "yes", "no", "~")
            and not value[0].isdigit()
            and value[0] != "-"
        )
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def expected(schema: dict[str, Any]) -> str:
    """The form a schema asks for, in words with an example: `a date like 2025-10-18`."""
    if "anyOf" in schema:
        parts = [expected(s) for s in schema["anyOf"]]
        return " or ".join(dict.fromkeys(parts))
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        shown = ", ".join(scalar(v) for v in values)
        return f"one of {shown}" + (" (or null)" if None in schema["enum"] else "")
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    if nullable and not kinds and not set(schema) & {"pattern", "format", "examples"}:
        return "null"
    what, example = _form(schema, kinds)
    text = what if example is None else f"{what} like {_shown(example)}"
    return text + (" (or null)" if nullable else "")


def _shown(example: Any) -> str:
    """An example in a sentence: text as it reads, other values as typed."""
    if isinstance(example, str) and example and example.strip() == example:
        return example
    return scalar(example)


def _form(schema: dict[str, Any], kinds: list[str]) -> tuple[str, Any]:
    examples = schema.get("examples") or []
    if schema.get("pattern") in PATTERN_WORDS:
        return PATTERN_WORDS[schema["pattern"]], examples[0] if examples else "2025-10-18"
    if schema.get("format") == "date" or schema.get("pattern") == r"^\d{4}-\d{2}-\d{2}$":
        return "a date", examples[0] if examples else "2025-10-18"
    if "pattern" in schema and schema["pattern"] in _PATTERNS:
        what, example = _PATTERNS[schema["pattern"]]
        return what, examples[0] if examples else example
    if "pattern" in schema:
        return f"text matching {schema['pattern']}", examples[0] if examples else None
    kind = kinds[0] if len(kinds) == 1 else None
    if kind == "object":
        fields = schema.get("properties", {})
        required = [f for f in schema.get("required", []) if f in fields]
        if "evidence" in required:
            others = "".join(f", {f}" for f in required if f != "evidence")
            return f"a mapping with evidence (the article's own words){others}", None
        if required:
            return f"a mapping with {', '.join(required)}", None
        return "a mapping of fields", None
    if kind == "array":
        items = schema.get("items")
        inner = expected(items) if isinstance(items, dict) else "items"
        return f"a list, each item {inner}" + (" (each once)" if schema.get("uniqueItems") else ""), None
    if kind == "string":
        if examples:
            return "text", examples[0]
        return ("non-empty text" if schema.get("minLength") else "text"), None
    if kind in _TYPES:
        what, example = _TYPES[kind]
        if kind in ("number", "integer") and "minimum" in schema and "maximum" in schema:
            what += f" from {schema['minimum']} to {schema['maximum']}"
        elif kind in ("number", "integer") and ("minimum" in schema or "maximum" in schema):
            what += f" of at least {schema['minimum']}" if "minimum" in schema else f" of at most {schema['maximum']}"
        return what, examples[0] if examples else example
    if kinds:
        return " or ".join(_TYPES.get(k, (k, None))[0] for k in kinds), examples[0] if examples else None
    return "a value", examples[0] if examples else None


def did_you_mean(word: Any, choices) -> str:
    """`; did you mean 'x'?` when `word` is close to one of `choices`, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [c for c in choices if isinstance(c, str)], n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


# Registry entries to paste: the required fields, placeholders marked TODO so validate refuses
# them until they are filled.


def registry_entry(kind: str, ident: str, claims: dict[str, Any] | None = None) -> str:
    """A minimal entry of dataset/<kind>.yml for `ident`, indented to paste under its list."""
    claims = claims or {}
    if kind == "people":
        name = " ".join(w.capitalize() for w in ident.split("-"))
        lines = [
            f"- person_id: {ident}",
            f"  name: {scalar(name)}  # TODO: the name as the articles give it",
            f"  aliases: [{scalar(name)}]  # TODO: every exact surface form that always means this person",
        ]
    elif kind == "events":
        start = claims.get("date_start")
        lines = [
            f"- event_id: {ident}",
            f"  event_type: meeting  # TODO: one of {', '.join(files.EVENT_TYPES)}",
            '  description: "TODO: what happened, in one sentence"',
            f"  date_start: {scalar(start) if start else 'null'}  # TODO: {'from this article; check it' if start else 'a date like 2025-10-18, or null when no text gives one'}",
            f"  date_precision: {'day' if start else 'null'}  # TODO: day, week, month, year or range (null with no date)",
        ]
    elif kind == "measures":
        status = claims.get("status") if claims.get("status") in files.STATUSES else "announced"
        lines = [
            f"- measure_id: {ident}",
            '  imposer: "TODO: who imposes it, an ISO 3166-1 alpha-3 code like USA or a named entity"',
            '  target: "TODO: who it targets, like CHN"',
            f"  instrument: tariff  # TODO: one of {', '.join(files.INSTRUMENTS)}",
            '  description: "TODO: what the measure is, in one sentence"',
            f"  status: {status}  # TODO: one of {', '.join(files.STATUSES)}",
        ]
        for claim in ("rate_pct", "announced_date", "effective_date"):
            if claims.get(claim) is not None:
                lines.append(f"  {claim}: {scalar(claims[claim])}  # TODO: from this article; check it")
    else:
        raise ValueError(kind)
    # Indented as the registries' own entries, so that the block pastes under `<kind>:` as it is.
    return "\n".join("  " + line for line in lines)


def unknown(kind: str, ident: str, claims: dict[str, Any] | None = None) -> str:
    """The message for a reference to an id missing from dataset/<kind>.yml."""
    noun = {"people": "person", "events": "event", "measures": "measure"}[kind]
    return (
        f"unknown {noun} {ident!r}; fix the id's spelling, or register it: paste into dataset/{kind}.yml"
        f" under `{kind}:` and fill every TODO:\n{registry_entry(kind, ident, claims)}"
    )
