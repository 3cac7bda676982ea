"""Publish the dataset file schemas: `schemas/<kind>.schema.json` and the field reference `docs/reference.md`.

Both are generated from `tradetalks.contract.input_files`, never written by hand:

    python -m tradetalks.contract --write     # or: tradetalks schemas --write
    python -m tradetalks.contract --check     # exit 1 when a committed file differs from what is generated
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradetalks.contract import input_files as files
from tradetalks.contract.input_files import FILE_SCHEMAS, KINDS, schema_file
from tradetalks.contract.modeline import modeline

REFERENCE = "docs/reference.md"

# Patterns in words, for the reference page.
PATTERN_WORDS = {
    files.SLUG: "an id: lower-case letters and digits in words joined by single hyphens",
    files.ISO3: "an ISO 3166-1 alpha-3 country code (three capital letters)",
    files.WIKIDATA: "a Wikidata item id (Q and digits)",
    files.SHA256: "64 lower-case hexadecimal digits",
    files.LANGUAGE: "an ISO 639-1 language code (two lower-case letters)",
    files.URL: "a web address starting with http:// or https://",
    files.DATE["pattern"]: "a date YYYY-MM-DD",
}


def schema_texts() -> dict[str, str]:
    """Repository-relative path -> text of every published schema file."""
    return {schema_file(kind): json.dumps(FILE_SCHEMAS[kind], indent=2, ensure_ascii=False) + "\n" for kind in KINDS}


def outputs() -> dict[str, str]:
    """Every generated file: the schemas and the reference page."""
    return {**schema_texts(), REFERENCE: reference_page()}


def write(root: Path) -> list[str]:
    """Write every generated file under `root`; the paths that changed."""
    changed = []
    for rel, text in outputs().items():
        path = Path(root) / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        changed.append(rel)
    return changed


def stale(root: Path) -> list[str]:
    """The generated files under `root` that are missing or differ from what the generator writes."""
    out = []
    for rel, text in outputs().items():
        path = Path(root) / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out


# The reference page.


def allowed(schema: dict[str, Any]) -> str:
    """The values a field takes, in words."""
    if "enum" in schema:
        return "one of " + ", ".join("`null`" if v is None else f"`{v}`" for v in schema["enum"])
    if "anyOf" in schema:
        return ", or ".join(allowed(s) for s in schema["anyOf"])
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    nullable = "null" in types
    types = [t for t in types if t != "null"]
    if not types and nullable:
        return "`null`"
    if types == ["string"]:
        if "pattern" in schema:
            words = PATTERN_WORDS.get(schema["pattern"], f"text matching `{schema['pattern']}`")
        else:
            words = "text"
        if "maxLength" in schema:
            words += f" (at most {schema['maxLength']} characters)"
    elif types == ["integer"]:
        words = "a whole number" + (f" from {schema['minimum']}" if "minimum" in schema else "")
    elif types == ["number"]:
        words = "a number" + (f" from {schema['minimum']} to {schema['maximum']}" if "maximum" in schema else "")
    elif types == ["boolean"]:
        words = "`true` or `false`"
    elif types == ["array"]:
        item = schema.get("items", {})
        words = "a list of entries (below)" if item.get("type") == "object" else "a list; each item: " + allowed(item)
        if schema.get("minItems"):
            words += f", at least {schema['minItems']}"
        if schema.get("uniqueItems"):
            words += ", no repeats"
    elif types == ["object"]:
        if "propertyNames" in schema:
            words = "a mapping from " + allowed(schema["propertyNames"]) + " to a value"
        else:
            words = "a mapping (below)"
    else:
        words = "text, a number, `true`/`false` or `null`"
    return words + (", or `null`" if nullable else "")


def _example(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return f"`{text}`".replace("|", "\\|")


def _text(text: str) -> str:
    """Prose for Markdown: `<article_id>` stays visible (not an HTML tag)."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _object_of(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema a field holds (itself, its list items, or an alternative of anyOf), if any."""
    if schema.get("type") == "object" and "properties" in schema:
        return schema
    if "items" in schema:
        return _object_of(schema["items"])
    for alternative in schema.get("anyOf", []):
        found = _object_of(alternative)
        if found is not None:
            return found
    return None


def _table(path: str, obj: dict[str, Any], lines: list[str], nested: list[tuple[str, dict]]) -> None:
    lines += ["| field | required | allowed values | what it means | example |", "|---|---|---|---|---|"]
    for name, field in obj["properties"].items():
        required = "yes" if name in obj.get("required", []) else ""
        example = " ".join(_example(e) for e in field.get("examples", [])[:2])
        lines.append(f"| `{name}` | {required} | {_cell(allowed(field))} | {_cell(field.get('description', ''))} | {example} |")
        inner = _object_of(field)
        if inner is not None and inner is not obj:
            suffix = "[]" if "items" in field else ""
            nested.append((f"{path}{name}{suffix}", inner))
    lines.append("")


def reference_page() -> str:
    lines = [
        "# Field reference",
        "",
        "<!-- Generated by `tradetalks schemas --write` from src/tradetalks/contract/input_files.py; do not edit. -->",
        "",
        "Every field of every YAML file under `dataset/`, with what it means, the values it takes and an",
        "example. The same words are in the JSON Schemas of `schemas/`, which editors show while you type",
        "(see CONTRIBUTING.md). Fields marked *required* must be present; every other field may be left out.",
        "",
    ]
    for kind, (key, title, description) in KINDS.items():
        schema = FILE_SCHEMAS[kind]
        rel = "dataset/articles/<article_id>.yml" if key is None else f"dataset/{kind}.yml"
        lines += [
            f"## {title}",
            "",
            _text(description),
            "",
            f"Schema: [`{schema_file(kind)}`](../{schema_file(kind)}). First line of the file:",
            "",
            "```yaml",
            modeline(rel, kind),
            "```",
            "",
        ]
        nested: list[tuple[str, dict]] = []
        _table("", schema, lines, nested)
        while nested:
            path, obj = nested.pop(0)
            lines += [f"### `{rel}`: `{path}`", ""]
            _table(f"{path}.", obj, lines, nested)
    return "\n".join(lines).rstrip("\n") + "\n"
