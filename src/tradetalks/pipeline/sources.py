"""Stage 1, sources: read dataset/, check every YAML file against its JSON Schema and every raw text.

All problems are collected and reported together, each naming file, line and field.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema

from tradetalks.contract.input_files import ARTICLE_ID, FILE_SCHEMAS
from tradetalks.contract.modeline import problem as modeline_problem
from tradetalks.errors import Collector, DatasetError, Problem, dotted
from tradetalks.pipeline.hints import did_you_mean, expected, found
from tradetalks.pipeline.yamldoc import _PLAIN_ASCII, BIDI, CONTROL, YamlDoc, _kind, read_regular, read_yaml

if TYPE_CHECKING:
    import jsonschema

# A news article is a few kilobytes; a 5 MB "article" is a mistake.
MAX_ARTICLE_BYTES = 5_000_000
# An article to read: its id, and the paths of its raw text and its annotation file (strings:
# a corpus has hundreds of thousands, and Path objects cost more to make than to use).
Pair = tuple[str, str, str]

# Everything dataset/ may hold; anything else is refused, never ignored. The optional registries
# may be absent: a dataset without location claims needs no places, one naming no outlet no outlets.
REQUIRED_REGISTRIES = ("people", "events", "measures")
OPTIONAL_REGISTRIES = ("places", "outlets")
REGISTRIES = (*REQUIRED_REGISTRIES, *OPTIONAL_REGISTRIES)
# Each registry's id field.
REGISTRY_IDS = {"people": "person_id", "events": "event_id", "measures": "measure_id", "places": "place_id", "outlets": "outlet_id"}
DATASET_ENTRIES = frozenset({*(f"{name}.yml" for name in REGISTRIES), "articles"})
# Article ids become file names on every contributor's machine: Windows cannot create these.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})

# Raw article texts are never edited, so what they may hold is decided here. Allowed: any printable
# character, tab, line feed, carriage return, and the invisible format characters real web text
# carries (soft hyphens, zero-width spaces and joiners inside emoji sequences, variation
# selectors). Refused: other control characters (NUL bytes are the sign of UTF-16/UTF-32 text
# saved without a BOM, or of a binary file), and bidirectional overrides and isolates, which make
# a text display differently from what it is and have no use in an English news article.
_TEXT_REFUSED = re.compile(f"[{CONTROL}{BIDI}]")


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
class LeftOut:
    """What could be read of an article that failed its checks: later checks must not judge without it."""

    article_id: str
    text: str | None
    data: Any


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
    # Per registry, the indexes of entries that fail the schema (left out), and the ids they carry.
    invalid: dict[str, set[int]] = field(default_factory=dict)
    invalid_ids: dict[str, set[str]] = field(default_factory=dict)
    # Articles whose files failed the sources checks (left out of every later stage).
    left_out: list[LeftOut] = field(default_factory=list)

    def entries(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """The registry's valid entries with their index in the file."""
        doc = getattr(self, name)
        if doc is None:
            return []
        bad = self.invalid.get(name, set())
        return [(i, item) for i, item in enumerate(doc.data[name]) if i not in bad]

    def registry(self, name: str) -> list[dict[str, Any]]:
        return [item for _, item in self.entries(name)]

    def file(self, name: str) -> YamlDoc:
        """The registry file `name`, for a caller holding one of its entries (so the file was read)."""
        doc: YamlDoc | None = getattr(self, name)
        if doc is None:
            raise RuntimeError(f"dataset/{name}.yml was not read, yet one of its entries is being checked; this is a bug in the build")
        return doc


def _validator(kind: str) -> jsonschema.protocols.Validator:
    # Imported when a file fails: a valid file is checked by the compiled validator alone, and
    # jsonschema takes longer to import than one article takes to check.
    import jsonschema

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


@functools.cache
def _fast(kind: str):
    return fastjsonschema.compile(FILE_SCHEMAS[kind], formats={"date": _real_date})


def check_schema(doc: YamlDoc, kind: str, problems: Collector) -> bool:
    """Validate one parsed file; add a problem per violation. True when the file is valid."""
    return not schema_errors(doc, kind, problems)


def schema_errors(doc: YamlDoc, kind: str, problems: Collector) -> list[list[str | int]]:
    """Validate one parsed file; add a problem per violation and return where each one is."""
    # Compiled validation for the common case (a valid file); jsonschema explains every failure.
    try:
        _fast(kind)(doc.data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    validator = _VALIDATORS.get(kind) or _VALIDATORS.setdefault(kind, _validator(kind))
    errors = sorted(validator.iter_errors(doc.data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    # One message per value: a date that is not a date also fails its pattern.
    misformatted = {tuple(e.absolute_path) for e in errors if e.validator == "format"}
    errors = [e for e in errors if not (e.validator == "pattern" and tuple(e.absolute_path) in misformatted)]
    for err in errors:
        location = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = sorted(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - set(allowed))
            for name in extra:
                problems.add(
                    doc.path,
                    doc.line_of([*location, name]),
                    dotted([*location, name]),
                    f"unknown field {name!r}{did_you_mean(name, allowed)}; allowed here: {', '.join(allowed)}",
                )
            if extra:
                continue
        problems.add(doc.path, doc.line_of(location), dotted(location) or None, _explain(err))
    return [list(err.absolute_path) for err in errors]


def check_modeline(doc: YamlDoc, kind: str, problems: Collector) -> None:
    """A first-line modeline naming another kind's schema is an error; a missing one is not (`fill` adds it)."""
    if not doc.first_line.startswith("#"):  # no modeline at all: nothing to judge, no path to make
        return
    message = modeline_problem(str(doc.path), kind, doc.first_line)
    if message:
        problems.add(doc.path, 1, None, message)


def _explain(err: jsonschema.ValidationError) -> str:
    """What was expected (with an example), what was found, what to write."""
    schema, value = err.schema if isinstance(err.schema, dict) else {}, err.instance
    if err.validator == "required":
        missing = [name for name in err.validator_value if isinstance(value, dict) and name not in value]
        name = next((m for m in missing if repr(m) in err.message), missing[0] if missing else "?")
        form = expected(schema.get("properties", {}).get(name, {}))
        return f"{name!r} is required but missing; add `{name}:` with {form}"
    if err.validator == "format" and err.validator_value == "date" or _bad_date(err):
        return f"expected a real calendar date like 2025-10-18 (YYYY-MM-DD), found {found(value)}; check the day and the month"
    if err.validator == "enum":
        return f"expected {expected(schema)}, found {found(value)}{did_you_mean(value, err.validator_value)}"
    if err.validator == "propertyNames":
        return f"expected {expected(err.validator_value)} as field names, found {found(value)}"
    if err.validator in ("type", "pattern", "anyOf", "minLength", "maxLength", "minimum", "maximum"):
        hint = ""
        if err.validator == "maxLength":
            hint = f" (at most {err.validator_value} characters)"
        return f"expected {expected(schema)}{hint}, found {found(value)}"
    if err.validator == "uniqueItems":
        return f"a value is listed twice in {found(value)}; keep each value once"
    if err.validator == "minItems":
        return f"expected at least {err.validator_value} item(s): {expected(schema)}, found {found(value)}"
    return f"{err.message}; expected {expected(schema)} (see the field in docs/reference.md)"


def _bad_date(err: jsonschema.ValidationError) -> bool:
    """A date-shaped value that is no calendar day, met inside anyOf (a nullable date)."""
    return err.validator == "anyOf" and any(c.validator == "format" and c.validator_value == "date" for c in err.context)


def read_article_text(path: str | Path, shown: str) -> tuple[str, str]:
    """The raw text and the sha256 of its bytes; the text is never altered."""
    raw = read_regular(path, shown, MAX_ARTICLE_BYTES)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DatasetError.one(
            shown,
            line,
            None,
            "contains NUL bytes: the file is UTF-16 or UTF-32 (or binary), not UTF-8; convert it to UTF-8 before adding it",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError.one(
            shown,
            line,
            None,
            f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); convert the file to UTF-8 before adding it",
        ) from None
    if text.startswith("\ufeff"):
        # A BOM is an encoding artefact, not article content; offsets would silently shift by one.
        raise DatasetError.one(shown, 1, None, "file starts with a UTF-8 byte-order mark (BOM); save it without the BOM")
    if not text.strip():
        raise DatasetError.one(shown, None, None, "article text is empty; paste the article's raw text into it, byte for byte")
    # An ASCII text holds a refused character only if it holds a byte other than printable ASCII,
    # tab, line feed and carriage return: a bytewise test, many times faster than the expression.
    bad = _TEXT_REFUSED.search(text) if not text.isascii() or raw.translate(None, _PLAIN_ASCII) else None
    if bad is not None:
        import unicodedata

        ch = bad.group()
        raise DatasetError.one(
            shown,
            text.count("\n", 0, bad.start()) + 1,
            None,
            f"contains the character U+{ord(ch):04X} {unicodedata.name(ch, '(a control character)')} at offset {bad.start()};"
            " control characters and bidirectional overrides are not accepted in raw texts: fetch a clean copy of the article",
        )
    return text, hashlib.sha256(raw).hexdigest()


def load_sources(root: Path) -> Sources:
    """Read and check dataset/ under `root`; raise DatasetError listing every problem."""
    sources, todo, problems = load_index(root)
    problems.problems += read_articles(sources, todo)
    problems.raise_if_any()
    return sources


def read_articles(sources: Sources, items: list[Pair]) -> list[Problem]:
    """Read and check the article pairs `items` into `sources`; the problems found (a failed article is left out)."""
    problems: list[Problem] = []
    for item in items:
        article, found_here, left = load_article(*item)
        problems += found_here
        if article is not None:
            sources.articles[article.article_id] = article
        elif left is not None:
            sources.left_out.append(left)
    return problems


def load_index(root: Path, only: list[str] | None = None) -> tuple[Sources, list[Pair], Collector]:
    """The checked registries, the article pairs to read and the problems found so far.

    Articles are independent of each other, so the build reads them (`read_articles`) in chunks.
    With `only` (article ids), just those articles are paired: the rest of the corpus is not listed.
    """
    # Load inputs.
    root = Path(root)
    dataset = root / "dataset"
    problems = Collector()
    sources = Sources(root=root)
    if not _is(dataset, stat.S_ISDIR):
        raise DatasetError.one(
            str(dataset), None, None, "no dataset/ directory here (a symbolic link is not followed); run from the repository root or give --root"
        )
    for entry in sorted(os.listdir(dataset)):
        if entry not in DATASET_ENTRIES:
            problems.add(
                f"dataset/{entry}",
                None,
                None,
                "unexpected file; dataset/ holds people.yml, events.yml, measures.yml, places.yml, outlets.yml and articles/ only: move or remove it",
            )

    # Process: registries.
    for name in REGISTRIES:
        path = dataset / f"{name}.yml"
        shown = f"dataset/{name}.yml"
        if not os.path.lexists(path):
            if name in OPTIONAL_REGISTRIES:
                continue
            problems.add(shown, None, None, f"registry file is missing; create it with the line `{name}: []` and add entries")
            continue
        try:
            doc = read_yaml(path, shown)
        except DatasetError as exc:
            problems.extend(exc)
            continue
        check_modeline(doc, name, problems)
        problems.problems += doc.markers
        # An entry that fails the schema is left out; the valid ones are used (a problem in
        # one entry never hides the problems of the articles).
        where = schema_errors(doc, name, problems)
        if any(len(loc) < 2 or not isinstance(loc[1], int) for loc in where):
            continue
        bad = {loc[1] for loc in where if isinstance(loc[1], int)}  # every one is, as checked above
        setattr(sources, name, doc)
        sources.invalid[name] = bad
        key = REGISTRY_IDS[name]
        sources.invalid_ids[name] = {
            item[key] for i, item in enumerate(doc.data[name]) if i in bad and isinstance(item, dict) and isinstance(item.get(key), str)
        }

    # Process: articles, one .txt and one .yml each.
    art_dir = dataset / "articles"
    if os.path.lexists(art_dir) and not _is(art_dir, stat.S_ISDIR):
        problems.add("dataset/articles", None, None, "not a directory (a symbolic link is not followed)")
    files = []
    if only is not None:
        present = set()
        for p in sorted({art_dir / f"{stem}{suffix}" for stem in only for suffix in (".txt", ".yml")}):
            if not os.path.lexists(p):
                continue
            present.add(p.stem)
            mode = os.lstat(p).st_mode  # never opened: FIFOs and devices would block
            if not stat.S_ISREG(mode):
                problems.add(f"dataset/articles/{p.name}", None, None, f"{_kind(mode)}, not a regular file; commit the article's text itself")
                continue
            files.append(p)
        files.sort()
        stems_txt = {p.stem: str(p) for p in files if p.suffix == ".txt"}
        stems_yml = {p.stem: str(p) for p in files if p.suffix == ".yml"}
        for stem in sorted(set(only) - present):
            problems.add(
                f"dataset/articles/{stem}.yml",
                None,
                None,
                f"no such article: neither dataset/articles/{stem}.txt nor dataset/articles/{stem}.yml exists; check the path",
            )
    else:
        # Names, not Paths, while listing: a corpus has hundreds of thousands of files.
        names: list[str] = []
        no_entries: list[os.DirEntry[str]] = []
        is_regular, suffixes = stat.S_ISREG, (".txt", ".yml")
        with os.scandir(art_dir) if _is(art_dir, stat.S_ISDIR) else contextlib.nullcontext(no_entries) as entries:
            for dir_entry in entries:
                name = dir_entry.name
                if not name.endswith(suffixes) or name in suffixes:
                    problems.add(
                        f"dataset/articles/{name}", None, None, "unexpected file; articles are <article_id>.txt with <article_id>.yml: rename or remove it"
                    )
                    continue
                st = dir_entry.stat(follow_symlinks=False)
                if not is_regular(st.st_mode):  # never opened: FIFOs and devices would block
                    problems.add(f"dataset/articles/{name}", None, None, f"{_kind(st.st_mode)}, not a regular file; commit the article's text itself")
                    continue
                names.append(name)
        names.sort()
        base = f"{art_dir}/"
        stems_txt = {n[:-4]: base + n for n in names if n[-4:] == ".txt"}
        stems_yml = {n[:-4]: base + n for n in names if n[-4:] == ".yml"}
    if not stems_txt and not stems_yml and only is None:
        problems.add(
            "dataset/articles", None, None, "no articles found; add dataset/articles/<article_id>.txt and its .yml (CONTRIBUTING.md, 'Add an article')"
        )

    seen_lower: dict[str, str] = {}
    todo: list[Pair] = []
    valid_id = re.compile(ARTICLE_ID).fullmatch
    for stem in sorted(set(stems_txt) | set(stems_yml)):
        # The common case first: a valid id, both files, no clash of case.
        if len(stem) <= 80 and valid_id(stem) and stem not in RESERVED_NAMES and stem in stems_txt and stem in stems_yml:
            lower = stem.lower()
            if lower not in seen_lower:
                seen_lower[lower] = stem
                todo.append((stem, stems_txt[stem], stems_yml[stem]))
                continue
        shown_txt, shown_yml = f"dataset/articles/{stem}.txt", f"dataset/articles/{stem}.yml"
        if not valid_id(stem) or len(stem) > 80:
            problems.add(
                shown_yml if stem in stems_yml else shown_txt,
                None,
                "article_id",
                f"file name {stem!r} is not a valid article id (lower-case letters, digits and single hyphens, at most 80);"
                f" rename the .txt and .yml, e.g. to {_slug(stem)!r}",
            )
            continue
        if stem in RESERVED_NAMES:
            problems.add(
                shown_yml if stem in stems_yml else shown_txt,
                None,
                "article_id",
                f"article id {stem!r} is a reserved device name on Windows (con, prn, aux, nul, com1-9, lpt1-9);"
                " the file could not be checked out there: choose another id",
            )
            continue
        if stem.lower() in seen_lower:
            problems.add(
                shown_yml, None, "article_id", f"article id {stem!r} differs only in case from {seen_lower[stem.lower()]!r}; rename one of the two articles"
            )
            continue
        seen_lower[stem.lower()] = stem
        if stem not in stems_txt:
            problems.add(
                shown_yml,
                None,
                None,
                f"annotation file has no raw text {shown_txt} (renamed or deleted?); add the text, or delete this file if the article was removed",
            )
            continue
        if stem not in stems_yml:
            problems.add(shown_txt, None, None, f"raw text has no annotation file {shown_yml}; draft one with `tradetalks suggest {shown_txt}`")
            continue
        todo.append((stem, stems_txt[stem], stems_yml[stem]))
    return sources, todo, problems


def _is(path: Path, test) -> bool:
    """`test` (stat.S_ISDIR...) on the path itself, never on a symbolic link's target."""
    try:
        return test(os.lstat(path).st_mode)
    except OSError:
        return False


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80].rstrip("-") or "new-article"


def load_article(stem: str, txt: str | Path, yml: str | Path) -> tuple[Article | None, list, LeftOut | None]:
    """One article's raw text and annotation file, read and checked: (article, problems, what was read of a failed one).

    An article with problems in its files is left out of the later stages (its draft markers are
    problems too, but the article goes on: its values are usable).
    """
    shown_txt, shown_yml = f"dataset/articles/{stem}.txt", f"dataset/articles/{stem}.yml"
    problems = Collector()
    text = sha = doc = None
    try:
        text, sha = read_article_text(txt, shown_txt)
    except DatasetError as exc:
        problems.extend(exc)
    try:
        doc = read_yaml(yml, shown_yml)
    except DatasetError as exc:
        problems.extend(exc)
    if doc is None:
        return None, problems.problems, LeftOut(stem, text, None)
    check_modeline(doc, "article", problems)
    problems.problems += doc.markers
    left = LeftOut(stem, text, doc.data)
    if not check_schema(doc, "article", problems):
        return None, problems.problems, left
    meta = doc.data
    if meta["article_id"] != stem:
        problems.add(
            shown_yml, doc.line_of(["article_id"]), "article_id", f"expected {stem!r} (the file name), found {meta['article_id']!r}; write `article_id: {stem}`"
        )
        return None, problems.problems, left
    if text is None or sha is None:  # read together: both or neither
        return None, problems.problems, left
    if meta["text_sha256"] != sha:
        problems.add(
            shown_yml,
            doc.line_of(["text_sha256"]),
            "text_sha256",
            f"the raw text's sha256 is {sha}, the annotation records {meta['text_sha256']}; raw articles are never edited:"
            f" restore {shown_txt} as received, or, if this is the text you meant to add, write `text_sha256: {sha}`",
        )
        return None, problems.problems, left
    if meta.get("published_date") and meta["reference_date"] > meta["published_date"]:
        # Content cannot be written after it was published: one of the two dates is wrong.
        problems.add(
            shown_yml,
            doc.line_of(["reference_date"]),
            "reference_date",
            f"reference_date {meta['reference_date']} is later than published_date {meta['published_date']};"
            " relative dates cannot be resolved against a day after publication: correct one of the two dates",
        )
        return None, problems.problems, left
    return Article(stem, shown_txt, doc, text, sha), problems.problems, None
