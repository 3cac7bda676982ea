"""Stage 1, sources: read dataset/, check every YAML file against its JSON Schema and every raw text.

All problems are collected and reported together, each naming file, line and field.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from tradetalks.build.errors import Collector, DatasetError, Problem, dotted
from tradetalks.build.yamldoc import YamlDoc, read_yaml
from tradetalks.schemas.files import ARTICLE_ID, FILE_SCHEMAS

# A news article is a few kilobytes; a 5 MB "article" is a mistake.
MAX_ARTICLE_BYTES = 5_000_000
OPTIONAL_REGISTRIES = ("places", "outlets")


@dataclass
class Article:
    """One raw article and its annotation file."""

    article_id: str
    text_path: str
    yaml: YamlDoc
    text: str
    sha256: str

    @property
    def meta(self) -> dict[str, Any]:
        return self.yaml.data


@dataclass
class Sources:
    """Everything under dataset/, parsed and schema-checked."""

    root: Path
    articles: dict[str, Article] = field(default_factory=dict)
    people: YamlDoc | None = None
    events: YamlDoc | None = None
    measures: YamlDoc | None = None
    places: YamlDoc | None = None  # optional: a dataset without location claims needs none
    outlets: YamlDoc | None = None  # optional: a dataset naming no outlet needs none

    def registry(self, name: str) -> list[dict[str, Any]]:
        doc = getattr(self, name)
        return list(doc.data[name]) if doc is not None else []


def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = FILE_SCHEMAS[kind]
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


_VALIDATORS: dict[str, Any] = {}


def _real_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


@functools.lru_cache(maxsize=None)
def _fast(kind: str):
    return fastjsonschema.compile(FILE_SCHEMAS[kind], formats={"date": _real_date})


def check_schema(doc: YamlDoc, kind: str, problems: Collector) -> bool:
    """Validate one parsed file; add a problem per violation. True when the file is valid."""
    # Compiled validation for the common case (a valid file); jsonschema explains every failure.
    try:
        _fast(kind)(doc.data)
        return True
    except fastjsonschema.JsonSchemaException:
        pass
    validator = _VALIDATORS.get(kind) or _VALIDATORS.setdefault(kind, _validator(kind))
    errors = sorted(validator.iter_errors(doc.data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for err in errors:
        location = list(err.absolute_path)
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            for name in extra:
                problems.add(doc.path, doc.line_of([*location, name]), dotted([*location, name]),
                             f"unknown field {name!r}; allowed here: {', '.join(sorted(err.schema.get('properties', {})))}")
            continue
        problems.add(doc.path, doc.line_of(location), dotted(location) or None, _explain(err))
    return not errors



def _explain(err: jsonschema.ValidationError) -> str:
    found = repr(err.instance)
    if len(found) > 80:
        found = found[:77] + "..."
    if err.validator == "required":
        return err.message.replace("is a required property", "is required but missing")
    if err.validator == "format" and err.validator_value == "date":
        return f"expected a real calendar date YYYY-MM-DD, found {found}"
    if err.validator == "enum":
        return f"expected one of {err.validator_value}, found {found}"
    if err.validator == "pattern":
        return f"expected text matching {err.validator_value}, found {found}"
    if err.validator == "type":
        return f"expected {err.validator_value}, found {type(err.instance).__name__} {found}"
    if err.validator == "anyOf":
        return f"value {found} has the wrong form (see the field's description in CONTRIBUTING.md)"
    return f"{err.message}"


def read_article_text(path: Path, shown: str) -> tuple[str, str]:
    """The raw text and the sha256 of its bytes; the text is never altered."""
    raw = path.read_bytes()
    if len(raw) > MAX_ARTICLE_BYTES:
        raise DatasetError.one(shown, None, None, f"article is {len(raw):,} bytes; at most {MAX_ARTICLE_BYTES:,} allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError.one(
            shown, line, None,
            f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); convert the file to UTF-8 before adding it",
        ) from None
    if text.startswith("\ufeff"):
        # A BOM is an encoding artefact, not article content; offsets would silently shift by one.
        raise DatasetError.one(shown, 1, None, "file starts with a UTF-8 byte-order mark (BOM); save it without the BOM")
    if not text.strip():
        raise DatasetError.one(shown, None, None, "article text is empty")
    return text, hashlib.sha256(raw).hexdigest()


def load_sources(root: Path) -> Sources:
    """Read and check dataset/ under `root`; raise DatasetError listing every problem."""
    sources, todo, problems = load_index(root)
    problems.problems += read_articles(sources, todo)
    problems.raise_if_any()
    return sources


def read_articles(sources: Sources, items: list[tuple[str, Path, Path]]) -> list[Problem]:
    """Read and check the article pairs `items` into `sources`; the problems found (a failed article is left out)."""
    problems: list[Problem] = []
    for item in items:
        article, found = load_article(*item)
        problems += found
        if article is not None:
            sources.articles[article.article_id] = article
    return problems


def load_index(root: Path) -> tuple[Sources, list[tuple[str, Path, Path]], Collector]:
    """The checked registries, the article pairs to read and the problems found so far.

    Articles are independent of each other, so the build reads them (`read_articles`) in chunks.
    """
    # Load inputs.
    root = Path(root)
    dataset = root / "dataset"
    problems = Collector()
    sources = Sources(root=root)
    if not dataset.is_dir():
        raise DatasetError.one(str(dataset), None, None, "no dataset/ directory here")

    # Process: registries.
    for name in ("people", "events", "measures", *OPTIONAL_REGISTRIES):
        path = dataset / f"{name}.yml"
        shown = f"dataset/{name}.yml"
        if not path.exists():
            if name in OPTIONAL_REGISTRIES:
                continue
            problems.add(shown, None, None, "registry file is missing")
            continue
        try:
            doc = read_yaml(path, shown)
        except DatasetError as exc:
            problems.extend(exc)
            continue
        if check_schema(doc, name, problems):
            setattr(sources, name, doc)

    # Process: articles, one .txt and one .yml each.
    art_dir = dataset / "articles"
    files = sorted(art_dir.iterdir()) if art_dir.is_dir() else []
    stems_txt = {p.stem: p for p in files if p.suffix == ".txt"}
    stems_yml = {p.stem: p for p in files if p.suffix == ".yml"}
    for p in files:
        if p.suffix not in (".txt", ".yml"):
            problems.add(f"dataset/articles/{p.name}", None, None, "unexpected file; articles are <article_id>.txt with <article_id>.yml")
    if not stems_txt and not stems_yml:
        problems.add("dataset/articles", None, None, "no articles found")

    seen_lower: dict[str, str] = {}
    todo: list[tuple[str, Path, Path]] = []
    for stem in sorted(set(stems_txt) | set(stems_yml)):
        shown_txt, shown_yml = f"dataset/articles/{stem}.txt", f"dataset/articles/{stem}.yml"
        if not re.fullmatch(ARTICLE_ID, stem) or len(stem) > 80:
            problems.add(shown_yml if stem in stems_yml else shown_txt, None, "article_id",
                         f"file name {stem!r} is not a valid article id (lower-case letters, digits and single hyphens)")
            continue
        if stem.lower() in seen_lower:
            problems.add(shown_yml, None, "article_id", f"article id {stem!r} differs only in case from {seen_lower[stem.lower()]!r}")
            continue
        seen_lower[stem.lower()] = stem
        if stem not in stems_txt:
            problems.add(shown_yml, None, None, f"annotation file has no raw text {shown_txt} (renamed or deleted?)")
            continue
        if stem not in stems_yml:
            problems.add(shown_txt, None, None, f"raw text has no annotation file {shown_yml}; draft one with `tradetalks suggest {shown_txt}`")
            continue
        todo.append((stem, stems_txt[stem], stems_yml[stem]))
    return sources, todo, problems


def load_article(stem: str, txt: Path, yml: Path) -> tuple[Article | None, list]:
    """One article's raw text and annotation file, read and checked; (article or None, problems)."""
    shown_txt, shown_yml = f"dataset/articles/{stem}.txt", f"dataset/articles/{stem}.yml"
    problems = Collector()
    try:
        text, sha = read_article_text(txt, shown_txt)
        doc = read_yaml(yml, shown_yml)
    except DatasetError as exc:
        problems.extend(exc)
        return None, problems.problems
    if not check_schema(doc, "article", problems):
        return None, problems.problems
    meta = doc.data
    if meta["article_id"] != stem:
        problems.add(shown_yml, doc.line_of(["article_id"]), "article_id",
                     f"expected {stem!r} (the file name), found {meta['article_id']!r}")
        return None, problems.problems
    if meta["text_sha256"] != sha:
        problems.add(shown_yml, doc.line_of(["text_sha256"]), "text_sha256",
                     f"the raw text's sha256 is {sha}, the annotation records {meta['text_sha256']}; raw articles are never edited")
        return None, problems.problems
    if meta.get("published_date") and meta["reference_date"] > meta["published_date"]:
        # Content cannot be written after it was published: one of the two dates is wrong.
        problems.add(shown_yml, doc.line_of(["reference_date"]), "reference_date",
                     f"reference_date {meta['reference_date']} is later than published_date {meta['published_date']};"
                     " relative dates cannot be resolved against a day after publication")
        return None, problems.problems
    return Article(stem, shown_txt, doc, text, sha), problems.problems
