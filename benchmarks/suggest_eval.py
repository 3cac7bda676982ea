"""Evaluation of `tradetalks suggest`: leave-one-out on the curated articles, and the development set.

For each article of dataset/articles/: drop its own annotation file and every registry entry
(people, events, measures) that no other article uses, draft it with `suggest` from its text alone,
and score the draft against the curated annotation. Run from the repository root:

    uv run python benchmarks/suggest_eval.py            # the table
    uv run python benchmarks/suggest_eval.py --json     # the same numbers as JSON
    uv run python benchmarks/suggest_eval.py --devset ../devset-texts --scorer ../shared/devset/score.py

The development set (articles from other outlets, never in this repository: their texts are
third-party copy) is scored next to it, per article, when its folder is given by `--devset` or
TRADETALKS_DEVSET: each subfolder holding a `gold.json` and an `articles/` folder is a set. Its
scorer (`score.py`, from `--scorer`, TRADETALKS_DEVSET_SCORER, or the devset folder) reads each
draft by meaning, as its docstring says; here the drafts come from this checkout's working tree,
with the full registries (minus what only a dataset article with the same text uses, should a
development text ever be added to the dataset). Without a devset folder that part is skipped.

What is scored (gold = the curated annotation, located in the text; draft = the YAML `suggest`
prints, comments included where it lists registry proposals and the people it found):

- quotes: gold quotation spans (each copy of an `every_copy` row counts) matched by a draft quote
  whose span covers the same characters up to 2 at either end (a comma or a stray mark);
- speakers: gold quotes whose matched draft quote names the same speaker (null = null counts);
- people: gold people (alias matches, curated mentions, roles and speakers) the draft names:
  a registered person listed as found, or a proposed new entry whose name or an alias is the
  person's name or one of their aliases (the person was removed from the registry);
- dated: gold event/measure rows with a `date_text`, matched by a draft row of the same table
  whose `date_text` is the same words at the same place and whose date claims are the same
  (none when the gold claims none: "next week" must not become a day);
- measures: gold measure rows matched by a draft measure row overlapping its evidence, naming the
  same measure (or proposing a new one when the gold measure was removed from the registry);
  (`local_date` counts as `date_start`: which of the two a row uses is a registry-level decision);
- false: draft items that are wrong — a quote over no gold quote, a wrong title or reference date
  (a null reference date is a gap, not a false item),
  a proposed person who is nobody of the gold, an event/measure row over no gold row of its table,
  a person mention the gold calls a pronoun, a segment over no gold segment.
Time is the wall time of one `suggest` call (median of 5), registry loading excluded.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import inspect
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradetalks.authoring.suggest import suggest  # noqa: E402
from tradetalks.errors import LocateError  # noqa: E402
from tradetalks.pipeline.locate import Span, find_spans, locate  # noqa: E402
from tradetalks.text.mentions import find_mentions  # noqa: E402

DATE_CLAIMS = ("date_start", "date_end", "local_date", "announced_date", "effective_date", "expiry_date")
SLACK = 2
COLUMNS = ("quotes", "speakers", "people", "dated", "measures")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (holds dataset/)")
    parser.add_argument("--show", action="store_true", help="list every miss and false item")
    parser.add_argument("--devset", type=Path, default=os.environ.get("TRADETALKS_DEVSET"), help="folder of the development sets (*/gold.json, */articles/)")
    parser.add_argument("--scorer", type=Path, default=os.environ.get("TRADETALKS_DEVSET_SCORER"), help="the development set's score.py")
    args = parser.parse_args(argv)
    results = evaluate(args.root)
    found = args.devset is not None and any(Path(args.devset).glob("*/gold.json"))
    dev = evaluate_devset(args.root, args.devset, args.scorer) if found else None
    if args.json:
        print(json.dumps({**results, "devset": dev}, indent=2, sort_keys=True))
        return 0
    print("## Leave-one-out on dataset/articles\n")
    print(table(results))
    if args.show:
        for r in results["articles"]:
            print(f"\n## {r['article']}")
            for line in r["misses"]:
                print("  " + line)
    if dev is None:
        where = f"no */gold.json under {args.devset}" if args.devset else "give --devset or TRADETALKS_DEVSET"
        print(f"\n(development set skipped: {where})")
        return 0
    print("\n## Development set (articles no rule was tuned on)\n")
    print(devset_table(dev))
    if args.show:
        for name, d in dev.items():
            for r in d["articles"]:
                print(f"\n## {name}/{r['article']}")
                for line in r["detail"]:
                    print(line)
    print("\n## Side by side (share of gold items caught; false items per article)\n")
    print(summary_table(results, dev))
    return 0


def evaluate(root: Path) -> dict:
    """Per-article and total scores (see the module docstring)."""
    # Load inputs.
    articles = root / "dataset" / "articles"
    registry = {kind: yaml.safe_load((root / "dataset" / f"{kind}.yml").read_text(encoding="utf-8"))[kind] for kind in ("people", "events", "measures")}
    docs = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(articles.glob("*.yml"))}
    texts = {a: (articles / f"{a}.txt").read_text(encoding="utf-8") for a in docs}
    for doc in docs.values():
        _derive_gold_dates(doc, {e["event_id"]: e for e in registry["events"]})

    # Process.
    rows = []
    for article_id in sorted(docs):
        others = {a: d for a, d in docs.items() if a != article_id}
        kept = _leave_one_out(registry, others, {a: texts[a] for a in others})
        rows.append(_score(article_id, texts[article_id], docs[article_id], registry, kept))
    total = {c: [sum(r[c][0] for r in rows), sum(r[c][1] for r in rows)] for c in COLUMNS}
    total |= {
        "false": sum(r["false"] for r in rows),
        "reference_date": sum(r["reference_date"] for r in rows),
        "seconds": statistics.median(r["seconds"] for r in rows),
        "max_seconds": max(r["seconds"] for r in rows),
    }
    return {"articles": rows, "total": total}


def _derive_gold_dates(doc: dict, events: dict[str, dict]) -> None:
    """The rows' dates as the build reads them: a `date_claim` derives its dates from date_text
    (neither the curator nor the draft types them), so the claims compared are what the build derives."""
    import datetime as dt

    from tradetalks.pipeline.coverage import derived_date_claims

    reference = dt.date.fromisoformat(str(doc["reference_date"]))
    for table in ("events", "measures"):
        for row in doc.get(table) or []:
            if row.get("date_claim"):
                derived, _ = derived_date_claims(row, reference, events)
                row["claims"] = {**(row.get("claims") or {}), **derived}


def _leave_one_out(registry: dict, others: dict, other_texts: dict) -> dict:
    """The registries without the entries that only the left-out article uses."""
    used: set[str] = set()
    for doc in others.values():
        for q in doc.get("quotes") or []:
            used.add(q.get("speaker") or "")
        for kind, key in (("mentions", "person"), ("roles", "person"), ("events", "event"), ("measures", "measure")):
            used |= {row[key] for row in doc.get(kind) or []}
    aliases = {a: p["person_id"] for p in registry["people"] for a in p.get("aliases", [])}
    for text in other_texts.values():
        used |= {m.person_id for m in find_mentions(text, aliases, {})[0]}
    return {
        "people": [p for p in registry["people"] if p["person_id"] in used],
        "events": [e for e in registry["events"] if e["event_id"] in used],
        "measures": [m for m in registry["measures"] if m["measure_id"] in used],
    }


def _score(article_id: str, text: str, gold: dict, registry: dict, kept: dict) -> dict:
    misses: list[str] = []
    params = inspect.signature(suggest).parameters
    extra = {k: kept[k] for k in ("events", "measures") if k in params}
    times = []
    for _ in range(5):
        t = time.perf_counter()
        draft_text = suggest(text, article_id=article_id, people=kept["people"], reference_date=None, **extra)
        times.append(time.perf_counter() - t)
    draft = yaml.safe_load(draft_text)
    if draft.get("reference_date"):
        _derive_gold_dates(draft, {e["event_id"]: e for e in registry["events"]})  # the draft's date_claim, read as the build reads it
    proposals = _proposals(draft_text)
    named = _named(draft_text)
    false = 0

    # Quotes and speakers.
    gold_quotes = [(s, q) for q in gold.get("quotes") or [] for s in _spans(text, q)]
    draft_quotes = [(s, q) for q in draft.get("quotes") or [] for s in _spans(text, q)]
    quotes = speakers = 0
    for span, q in gold_quotes:
        match = next((d for s, d in draft_quotes if _same(s, span)), None)
        if match is None:
            misses.append(f"quote missed: {q['evidence'][:60]!r}")
            continue
        quotes += 1
        if match.get("speaker") == q.get("speaker"):
            speakers += 1
        else:
            misses.append(f"speaker {match.get('speaker')} for {q.get('speaker')}: {q['evidence'][:50]!r}")
    for span, q in draft_quotes:
        if not any(_same(span, s) for s, _ in gold_quotes):
            false += 1
            misses.append(f"FALSE quote: {q['evidence'][:60]!r}")

    # People.
    gold_people = _gold_people(text, gold, registry)
    removed = {p["person_id"] for p in registry["people"]} - {p["person_id"] for p in kept["people"]}
    found_ids = set(named) | {m.get("person") for m in draft.get("mentions") or []}
    found_ids |= {r.get("person") for r in draft.get("roles") or []} | {q.get("speaker") for q in draft.get("quotes") or []}
    by_id = {p["person_id"]: p for p in registry["people"]}
    new_people = proposals.get("people", [])
    people = 0
    matched_new: set[int] = set()
    for pid in sorted(gold_people):
        if pid not in removed and pid in found_ids:
            people += 1
            continue
        forms = {by_id[pid]["name"], *by_id[pid].get("aliases", [])}
        hit = next((i for i, p in enumerate(new_people) if _same_person(p, forms)), None)
        if pid in removed and hit is not None:
            people += 1
            matched_new.add(hit)
        else:
            misses.append(f"person missed: {pid}")
    for i, p in enumerate(new_people):
        if i not in matched_new:
            false += 1
            misses.append(f"FALSE person: {p.get('name')!r}")
    not_mentions = {s for row in gold.get("not_mentions") or [] for s in _spans(text, row)}
    for row in draft.get("mentions") or []:
        if any(s in not_mentions for s in _spans(text, row)):
            false += 1
            misses.append(f"FALSE mention: {row['evidence']!r} (a pronoun)")

    # Dated events and measures.
    dated = [0, 0]
    for table in ("events", "measures"):
        gold_rows = [(s, r) for r in gold.get(table) or [] for s in _spans(text, r)]
        draft_rows = [(s, r) for r in draft.get(table) or [] for s in _spans(text, r)]
        for span, row in gold_rows:
            if not row.get("date_text"):
                continue
            dated[1] += 1
            if any(_same_date(text, span, row, s, d) for s, d in draft_rows):
                dated[0] += 1
            else:
                misses.append(f"dated {table[:-1]} missed: {row['date_text']!r} in {row['evidence'][:50]!r} {_dates(row)}")
        for span, row in draft_rows:
            if not any(_overlap(span, s) for s, _ in gold_rows):
                false += 1
                misses.append(f"FALSE {table[:-1]}: {row['evidence'][:60]!r}")
    measures = [0, 0]
    kept_measures = {m["measure_id"] for m in kept["measures"]}
    draft_measures = [(s, r) for r in draft.get("measures") or [] for s in _spans(text, r)]
    new_measures = {m.get("measure_id") for m in proposals.get("measures", [])}
    for span, row in [(s, r) for r in gold.get("measures") or [] for s in _spans(text, r)]:
        measures[1] += 1
        want = row["measure"] if row["measure"] in kept_measures else None
        if any(_overlap(span, s) and (d.get("measure") == want if want else d.get("measure") in new_measures) for s, d in draft_measures):
            measures[0] += 1
        else:
            misses.append(f"measure missed: {row['measure']} at {row['evidence'][:50]!r}")

    # Title, reference date, segments.
    if _title_span(text, draft) != _title_span(text, gold):
        false += 1
        misses.append(f"FALSE title: {(draft.get('title') or {}).get('evidence')!r}")
    reference_ok = str(draft.get("reference_date")) == str(gold.get("reference_date"))
    if not reference_ok and draft.get("reference_date") is not None:  # null is a gap left to the person, not a wrong claim
        false += 1
        misses.append(f"FALSE reference date: {draft.get('reference_date')} for {gold.get('reference_date')}")
    gold_segments = [s for seg in gold.get("segments") or [] if (s := _segment(text, seg))]
    for seg in draft.get("segments") or []:
        s = _segment(text, seg)
        if s is None or not any(_overlap(s, g) for g in gold_segments):
            false += 1
            misses.append(f"FALSE segment: {seg.get('start')!r}")

    return {
        "article": article_id,
        "quotes": [quotes, len(gold_quotes)],
        "speakers": [speakers, len(gold_quotes)],
        "people": [people, len(gold_people)],
        "dated": dated,
        "measures": measures,
        "false": false,
        "reference_date": int(reference_ok),
        "reference": "ok" if reference_ok else ("none" if draft.get("reference_date") is None else "wrong"),
        "seconds": statistics.median(times),
        "misses": misses,
    }


# The development set.

DEV_COLUMNS = ("quotes", "speakers", "people", "events", "measures")


def evaluate_devset(root: Path, folder: Path, scorer: Path | None) -> dict:
    """Per-article scores of each development set, by its own scorer (see the module docstring)."""
    # Load inputs.
    folder = Path(folder)
    scorer = Path(scorer) if scorer else folder / "score.py"
    if not scorer.is_file():
        raise SystemExit(f"{scorer}: no development-set scorer; give --scorer (the devset's score.py)")
    spec = importlib.util.spec_from_file_location("devset_score", scorer)
    score = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(score)  # type: ignore[union-attr]
    registry = {kind: yaml.safe_load((root / "dataset" / f"{kind}.yml").read_text(encoding="utf-8"))[kind] for kind in ("people", "events", "measures")}
    regs = score.read_registries(root, score.Yaml(root))
    articles = root / "dataset" / "articles"
    docs = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(articles.glob("*.yml"))}
    texts = {a: (articles / f"{a}.txt").read_text(encoding="utf-8") for a in docs}
    sha = {hashlib.sha256(t.encode("utf-8")).hexdigest(): a for a, t in texts.items()}

    # Process.
    sets = {}
    for gold_path in sorted(folder.glob("*/gold.json")):
        rows = []
        for name, gold in sorted(json.loads(gold_path.read_text(encoding="utf-8"))["files"].items()):
            text = (gold_path.parent / "articles" / name).read_text(encoding="utf-8")
            same = sha.get(hashlib.sha256(text.encode("utf-8")).hexdigest())
            kept = (
                registry
                if same is None
                else _leave_one_out(registry, {a: d for a, d in docs.items() if a != same}, {a: t for a, t in texts.items() if a != same})
            )
            t = time.perf_counter()
            raw = suggest(text, article_id=f"devset-{name[:2]}", people=kept["people"], reference_date=None, events=kept["events"], measures=kept["measures"])
            seconds = time.perf_counter() - t
            draft = score.Draft()
            draft.add_document(yaml.safe_load(raw), "")
            draft.add_comments(raw)
            s = score.score_article(gold, text, draft, score.Resolver(regs, regs, draft))
            rows.append(
                {
                    "article": name,
                    **{c: [s[c], s[f"n_{'quotes' if c == 'speakers' else c}"]] for c in DEV_COLUMNS},
                    "false": s["false"],
                    "seconds": seconds,
                    "detail": s["detail"],
                }
            )
        total = {c: [sum(r[c][0] for r in rows), sum(r[c][1] for r in rows)] for c in DEV_COLUMNS}
        sets[gold_path.parent.name] = {"articles": rows, "total": {**total, "false": sum(r["false"] for r in rows), "n_articles": len(rows)}}
    return sets


def devset_table(dev: dict) -> str:
    head = f"| set | article | {' | '.join(DEV_COLUMNS)} | false | s/article |"
    lines = [head, "|---|---|" + "---:|" * (len(DEV_COLUMNS) + 2)]
    for name, d in dev.items():
        for r in [*d["articles"], {"article": "**total**", **d["total"]}]:
            cells = [f"{r[c][0]}/{r[c][1]}" + (f" ({r[c][0] / r[c][1]:.2f})" if r[c][1] else "") for c in DEV_COLUMNS]
            secs = f"{r['seconds']:.3f}" if "seconds" in r else ""
            lines.append(f"| {name} | {r['article']} | {' | '.join(cells)} | {r['false']} | {secs} |")
    return "\n".join(lines)


def summary_table(results: dict, dev: dict) -> str:
    """One line per set: the leave-one-out's columns next to the development set's (dated = events)."""
    lines = ["| set | quotes | speakers | people | dated events | measures | false/article |", "|---|---:|---:|---:|---:|---:|---:|"]
    t = results["total"]
    rate = lambda x: f"{x[0] / x[1]:.2f}" if x[1] else "–"  # noqa: E731
    lines.append(
        f"| leave-one-out | {rate(t['quotes'])} | {rate(t['speakers'])} | {rate(t['people'])} | {rate(t['dated'])} | {rate(t['measures'])} | {t['false'] / len(results['articles']):.2f} |"
    )
    for name, d in dev.items():
        u = d["total"]
        lines.append(
            f"| {name} | {rate(u['quotes'])} | {rate(u['speakers'])} | {rate(u['people'])} | {rate(u['events'])} | {rate(u['measures'])} | {u['false'] / u['n_articles']:.2f} |"
        )
    return "\n".join(lines)


# Reading the draft.


def _proposals(draft_text: str) -> dict[str, list[dict]]:
    """Registry entries the draft proposes, in commented blocks `# --- New entries for dataset/X.yml`."""
    out: dict[str, list[dict]] = {}
    kind, lines = None, []
    for line in [*draft_text.splitlines(), ""]:
        m = re.match(r"# --- New entries for dataset/(\w+)\.yml", line)
        if kind and (m or not line.startswith("# ") or line.startswith("# ---")):
            out.setdefault(kind, []).extend(yaml.safe_load("\n".join(lines)) or [])
            kind, lines = None, []
        if m:
            kind = m.group(1)
        elif kind:
            lines.append(line[2:])
    return out


def _named(draft_text: str) -> set[str]:
    """Registered people the draft lists as found (`# --- People named in the text` block)."""
    found, inside = set(), False
    for line in draft_text.splitlines():
        if line.startswith("# --- People named in the text"):
            inside = True
        elif inside and (m := re.match(r"#\s+([a-z0-9-]+):", line)):
            found.add(m.group(1))
        elif inside:
            inside = line.startswith("#") and not line.startswith("# ---")
    return found


# Gold.


def _gold_people(text: str, gold: dict, registry: dict) -> set[str]:
    aliases = {a: p["person_id"] for p in registry["people"] for a in p.get("aliases", [])}
    people = {m.person_id for m in find_mentions(text, aliases, {})[0]}
    people |= {row["person"] for kind in ("mentions", "roles") for row in gold.get(kind) or []}
    people |= {q["speaker"] for q in gold.get("quotes") or [] if q.get("speaker")}
    return people


def _same_person(proposal: dict, forms: set[str]) -> bool:
    theirs = {proposal.get("name") or "", *(proposal.get("aliases") or [])}
    return bool(theirs & forms) or any(fuzz.ratio(a, b) >= 90 for a in theirs for b in forms if a and b)


# Spans.


def _spans(text: str, row: dict) -> list[Span]:
    try:
        return locate(text, row["evidence"], occurrence=row.get("occurrence"), every_copy=bool(row.get("every_copy")))
    except (LocateError, KeyError, TypeError):
        return []


def _segment(text: str, seg: dict) -> Span | None:
    try:
        first = locate(text, seg["start"], occurrence=seg.get("occurrence"))[0]
    except (LocateError, KeyError, TypeError):
        return None
    ends = [s for s in find_spans(text, seg.get("end") or "") if s.end >= first.end]
    return Span(first.start, ends[0].end) if seg.get("end") and ends else first


def _title_span(text: str, doc: dict) -> Span | None:
    spans = _spans(text, doc["title"]) if doc.get("title") else []
    return spans[0] if spans else None


def _same(a: Span, b: Span) -> bool:
    return abs(a.start - b.start) <= SLACK and abs(a.end - b.end) <= SLACK


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _dates(row: dict) -> dict:
    # local_date (the day on one side of a date line) and date_start claim the same day; which one an
    # event row uses is a registry-level decision the text alone cannot make.
    return {("date_start" if k == "local_date" else k): str(v) for k, v in (row.get("claims") or {}).items() if k in DATE_CLAIMS}


def _same_date(text: str, gold_span: Span, gold: dict, span: Span, row: dict) -> bool:
    if not row.get("date_text") or not _overlap(span, gold_span):
        return False
    words = lambda s: re.sub(r"^(on|in|from|at)\s+", "", " ".join(s.lower().split()))  # noqa: E731
    return words(row["date_text"]) == words(gold["date_text"]) and _dates(row) == _dates(gold)


# Output.


def table(results: dict) -> str:
    head = f"| article | {' | '.join(COLUMNS)} | false | ref. date | s/article |"
    lines = [head, "|---|" + "---:|" * (len(COLUMNS) + 3)]
    for r in [*results["articles"], {"article": "**total**", **results["total"]}]:
        cells = [f"{r[c][0]}/{r[c][1]} ({r[c][0] / r[c][1]:.2f})" if r[c][1] else "–" for c in COLUMNS]
        ref = (
            f"{r['reference_date']}/{len(results['articles'])}" if r["article"] == "**total**" else r.get("reference", "ok" if r["reference_date"] else "wrong")
        )
        secs = f"{r['seconds']:.3f}" + (f" (max {r['max_seconds']:.3f})" if "max_seconds" in r else "")
        lines.append(f"| {r['article']} | {' | '.join(cells)} | {r['false']} | {ref} | {secs} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
