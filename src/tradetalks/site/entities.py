"""What an entity page tells, as plain values for its template (which escapes them).

    person(ctx, person_id) -> dict    quotations first (grouped by quote group), roles as stated per
                                      article, claims as sentences, mentions, provenance on demand
    happening(ctx, table, id) -> dict an event or a measure: what, when in words, who says so,
                                      disputes side by side, lifecycle and links

`ctx` holds what every page shares, computed once per site (`context`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import polars as pl

from tradetalks.site import data as sd
from tradetalks.site import words
from tradetalks.site.cards import claim_value
from tradetalks.site.html import PROVENANCE

# Fields a page tells in its own words; the others are listed under "Details".
PERSON_TOLD = {"person_id", "name", "aliases", "roles", "country", "n_articles", "n_outlets", "n_mentions"}
HAPPENING_TOLD = {
    "event_id", "measure_id", "description", "event_type", "instrument", "status", "participants", "place_id", "location",
    "imposer", "target", "rate_pct", "rate_basis", "scope", "n_articles", "n_outlets", "disputed",
}  # fmt: skip


# A page tells at most this many quotation groups, articles naming a person, or articles saying
# so; the rest are in its paginated tables under "Details and provenance" (`cut` names them).
LIST_MAX = 100


@dataclass
class Context:
    rel: sd.Release
    related: dict  # (table, id) -> {section: rows}, from sd.related
    disputed: dict  # (table, id) -> disputed fields
    quotes_by_speaker: dict[str, list[dict]]
    titles: dict[str, str]  # article_id -> what to call it
    places: dict[str, str]  # place_id -> name
    evidence: dict[str, tuple[str, str, str]]  # evidence_id -> (evidence_id, article_id, the words)
    timeline: list[dict] = field(default_factory=list)  # the dated items, laid out (site_timeline.layout)


def context(rel: sd.Release) -> Context:
    by_speaker: dict[str, list[dict]] = defaultdict(list)
    q = rel.tables.get("quotes")
    if q is not None and "speaker_id" in q.columns:
        for r in q.filter(pl.col("speaker_id").is_not_null()).sort("quote_id").to_dicts():
            by_speaker[r["speaker_id"]].append(r)
    arts = rel.tables.get("articles")
    titles = {}
    if arts is not None:
        for r in arts.select("article_id", *[c for c in ("title", "outlet") if c in arts.columns]).to_dicts():
            titles[r["article_id"]] = article_title(r)
    places = {}
    if "places" in rel.tables and {"place_id", "name"} <= set(rel.tables["places"].columns):
        places = dict(rel.tables["places"].select("place_id", "name").iter_rows())
    ev = rel.tables.get("evidence")
    evidence = {} if ev is None else {r[0]: (r[0], r[1], r[2]) for r in ev.select("evidence_id", "article_id", "evidence").iter_rows()}
    return Context(rel, sd.related(rel), sd.disputed_fields(rel), by_speaker, titles, places, evidence)


def article_title(art: dict) -> str:
    """An article as a reader names it: its headline, else its id (no headline is guessed)."""
    return str(art.get("title") or art["article_id"])


def span_href(article_id: str, row_id: str) -> str:
    return f"../articles/{quote(sd.safe_name(article_id))}.html#s-{quote(str(row_id), safe='')}"


def page_href(table: str, row_id: str) -> str:
    return f"../{quote(table)}/{quote(sd.safe_name(row_id))}.html"


def person(ctx: Context, pid: str) -> dict:
    rel = ctx.rel
    row = rel.rows["people"][pid]
    rel_rows = ctx.related.get(("people", pid), {})
    # Quotations, grouped by quote group (the same words in several articles), most reported first.
    groups: dict[str, list[dict]] = defaultdict(list)
    for q in ctx.quotes_by_speaker.get(pid, []):
        groups[q.get("quote_group_id") or q["quote_id"]].append(q)
    quotations: list[dict[str, Any]] = []
    for gid, qs in groups.items():
        qs.sort(key=lambda q: (q["article_id"], q["char_start"]))
        occurrences: dict[tuple, dict] = {}
        for q in qs:  # the same words twice in one article (a repeated paragraph) are one line
            text = q.get("text") or q.get("evidence") or ""
            how = " ".join(x for x in (q.get("cue"), words.channel(q.get("channel"))) if x)
            key = (q["article_id"], how, text, q.get("kind") == "partial")
            if key in occurrences:
                occurrences[key]["n"] += 1
                continue
            article = ctx.titles.get(q["article_id"], q["article_id"])
            occurrences[key] = {"href": span_href(q["article_id"], q["quote_id"]), "article": article, "how": how, "partial": key[3], "text": text, "n": 1}
        quotations.append(
            {
                "id": gid,
                "text": qs[0].get("text") or qs[0].get("evidence") or "",
                "occurrences": list(occurrences.values()),
                "n_articles": len({q["article_id"] for q in qs}),
            }
        )
    quotations.sort(key=lambda g: (-g["n_articles"], -len(g["occurrences"]), g["occurrences"][0]["article"], g["id"]))
    # Roles as stated, per article; a role's claim row (if any) gives the words to link to.
    role_spans = {
        (c["article_id"], str(c.get("claim_value"))): span_href(c["article_id"], c["evidence_id"])
        for c in rel_rows.get("claims", [])
        if c.get("claim_field") == "role"
    }
    roles: dict[tuple, list[dict]] = defaultdict(list)
    for r in row.get("roles") or []:
        if not isinstance(r, dict):
            continue
        stated = (r.get("role"), r.get("organisation"), r.get("country"))
        roles[stated].append(
            {"article": ctx.titles.get(r.get("article_id") or "", r.get("article_id")), "href": role_spans.get((r.get("article_id"), str(r.get("role"))))}
        )
    claims = [c for c in rel_rows.get("claims", []) if c.get("claim_field") != "role"]
    mentions: dict[str, list[dict]] = defaultdict(list)
    for m in rel_rows.get("mentions", []):
        mentions[m["article_id"]].append(m)
    return {
        "kind": "person",
        "aliases": [a for a in row.get("aliases") or [] if a != row.get("name")],
        "country": row.get("country"),
        "counts": counts_sentence(row, len(ctx.quotes_by_speaker.get(pid, [])), len({q["article_id"] for q in ctx.quotes_by_speaker.get(pid, [])})),
        "quotations": quotations[:LIST_MAX],
        "more_quotations": max(0, len(quotations) - LIST_MAX),
        "roles": [
            {"role": k[0], "organisation": k[1], "country": k[2], "as_stated": v} for k, v in sorted(roles.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
        ],
        "claims": [claim_sentence(ctx, c) for c in sorted(claims, key=lambda c: (c["article_id"], c["char_start"]))],
        "mentions": [
            {"article": ctx.titles.get(a, a), "href": span_href(a, ms[0]["evidence_id"]), "n": len(ms)}
            for a, ms in sorted(mentions.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:LIST_MAX]
        ],
        "more_mentions": max(0, len(mentions) - LIST_MAX),
        "cut": {name for name, n in (("quotes", len(quotations)), ("mentions", len(mentions))) if n > LIST_MAX},
        "details": details(row, PERSON_TOLD),
    }


def counts_sentence(row: dict, n_quotes: int, n_quote_articles: int) -> str:
    parts = []
    if n_quotes:
        parts.append(f"quoted {words.plural(n_quotes, 'time')} in {words.plural(n_quote_articles, 'article')}")
    if row.get("n_mentions") is not None:
        parts.append(f"mentioned {words.plural(row['n_mentions'], 'time')}")
    if row.get("n_articles") is not None:
        parts.append(f"in {words.plural(row['n_articles'], 'article')}" + (f" from {words.plural(row['n_outlets'], 'outlet')}" if row.get("n_outlets") else ""))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def claim_sentence(ctx: Context, c: dict) -> dict:
    said = f" (“{c['date_text']}”)" if c.get("date_text") else ""
    return {
        "article": ctx.titles.get(c["article_id"], c["article_id"]),
        "field": words.field((c.get("claim_field") or "").removesuffix("_pct")),
        "value": claim_value(c) + said,
        "href": span_href(c["article_id"], c["evidence_id"]),
        "evidence": c.get("evidence") or "",
    }


def happening(ctx: Context, table: str, row_id: str) -> dict:
    """An event or a measure: what, when, who says so, and where articles disagree."""
    rel = ctx.rel
    row = rel.rows[table][row_id]
    rel_rows = ctx.related.get((table, row_id), {})
    when = []
    if table in rel.tables:
        for start_col, end_col, prec_col in sd.date_fields(rel.tables[table]):
            span = sd.interval(row.get(start_col), row.get(end_col) if end_col else None, row.get(prec_col) if prec_col else None)
            if span is not None:
                what = sd.what_of(start_col)
                when.append({"what": "" if what == "date" else what, "words": words.when(span[0], span[1], row.get(prec_col) if prec_col else None)})
    # Who says so: each article's evidence and claims, the article first named.
    by_article: dict[str, list[dict]] = defaultdict(list)
    for ev in rel_rows.get("evidence", []) + rel_rows.get("claims", []):
        by_article[ev["article_id"]].append(ev)
    says = []
    for aid, evs in sorted(by_article.items(), key=lambda kv: (ctx.titles.get(kv[0], kv[0]), kv[0])):
        evs.sort(key=lambda r: (r["char_start"], r["char_end"], r["evidence_id"]))
        # One block quote per stretch of words, with every claim resting on it.
        entries: dict[tuple[int, int], dict[str, Any]] = {}
        for ev in evs:
            entry = entries.setdefault(
                (ev["char_start"], ev["char_end"]), {"evidence": ev.get("evidence") or "", "href": span_href(aid, ev["evidence_id"]), "claims": []}
            )
            if ev.get("claim_field"):
                entry["claims"].append(claim_sentence(ctx, ev))
        says.append({"article": ctx.titles.get(aid, aid), "entries": list(entries.values())})
    steps = sorted(rel_rows.get("measure_steps", []), key=lambda s: (s.get("seq") or 0, str(s.get("date_start") or ""), s.get("step_id") or ""))
    links = []
    for link in rel_rows.get("measure_events", []):
        other, oid = ("events", link.get("event_id")) if table == "tariff_measures" else ("tariff_measures", link.get("measure_id"))
        if oid:
            links.append(
                {
                    "name": rel.name(other, oid),
                    "href": page_href(other, oid),
                    "relation": (link.get("relation") or "").replace("_", " "),
                    "note": link.get("note"),
                    "span": span_href(link["article_id"], link["link_id"]) if link.get("article_id") and link.get("link_id") else None,
                }
            )
    return {
        "kind": sd.noun(table),
        "what": row.get("description") or rel.name(table, row_id),
        "facts": facts(ctx, table, row),
        "when": when,
        "says": says[:LIST_MAX],
        "more_says": max(0, len(says) - LIST_MAX),
        "cut": {"evidence", "claims"} if len(says) > LIST_MAX else set(),
        "n_articles": row.get("n_articles"),
        "n_outlets": row.get("n_outlets"),
        "disputes": disputes(ctx, table, row_id, rel_rows),
        "steps": [
            {
                "status": words.status(s.get("status") or s.get("step")),
                "when": _step_when(s),
                "current": s.get("is_current"),
                "href": span_href(s["article_id"], s["step_id"]) if s.get("article_id") and s.get("step_id") else None,
                "n_articles": s.get("n_articles"),
            }
            for s in steps
        ],
        "links": links,
        "details": details(row, HAPPENING_TOLD | {c for f in sd.date_fields(rel.tables[table]) for c in f if c}),
    }


def _step_when(s: dict) -> str:
    span = sd.interval(s.get("date_start"), s.get("date_end"), s.get("date_precision"))
    return words.when(span[0], span[1], s.get("date_precision")) if span else "date not stated"


def facts(ctx: Context, table: str, row: dict) -> list[tuple[str, str, str | None]]:
    """(label, value in words, link or None) for the fields a reader asks first."""
    out: list[tuple[str, str, str | None]] = []
    if table == "events":
        if row.get("event_type"):
            out.append(("Kind", str(row["event_type"]), None))
        place = row.get("place_id")
        if place:
            out.append(("Where", ctx.places.get(place, place), None))
        elif row.get("location"):
            out.append(("Where", str(row["location"]), None))
    if table == "tariff_measures":
        for label, col in (("Imposed by", "imposer"), ("On", "target"), ("Instrument", "instrument"), ("Scope", "scope")):
            if row.get(col):
                out.append((label, words.value(row[col]).replace("_", " ") if col == "instrument" else words.value(row[col]), None))
        if row.get("rate_pct") is not None:
            out.append(("Rate", f"{words.value(row['rate_pct'])}%" + (f" ({row['rate_basis']})" if row.get("rate_basis") else ""), None))
        if row.get("status"):
            out.append(("Status", words.status(row["status"]), None))
    return out


def details(row: dict, told: set[str]) -> list[tuple[str, object]]:
    """The fields the page does not tell in words, for the folded 'Details and provenance'."""
    return [(c, row[c]) for c in row if c not in told and c not in PROVENANCE and row[c] is not None and row[c] != []] + [
        (c, row[c]) for c in PROVENANCE if c in row and row[c] is not None
    ]


def disputes(ctx: Context, table: str, row_id: str, rel_rows: dict) -> list[dict]:
    """Each disputed field with its claimed values side by side: who claims each, and which one the
    table uses. From the disputes table, or (a release without one) from differing claims."""
    out = []
    rows = rel_rows.get("disputes", [])
    if rows:
        by_field: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_field[str(r.get("field") or r.get("claim_field") or "")].append(r)
        for name, values in sorted(by_field.items()):
            sides = []
            for v in sorted(values, key=lambda r: (not r.get("used"), -(r.get("n_articles") or 0), str(r.get("value")))):
                start, end = v.get("value_date_start"), v.get("value_date_end")
                shown = (
                    words.span(start, end or start)
                    if isinstance(start, dt.date)
                    else words.status(str(v.get("value")))
                    if name == "status"
                    else words.value(v.get("value"))
                )
                cited: list[dict[str, Any]] = [{"article": ctx.titles.get(a, a), "href": span_href(a, i), "evidence": t} for i, a, t in _unique_spans(ctx, v)]
                sides.append(
                    {
                        "value": shown,
                        "used": v.get("used"),
                        "outlets": v.get("outlets") or [],
                        "articles": cited or [{"article": ctx.titles.get(a, a), "href": None, "evidence": ""} for a in v.get("articles") or []],
                    }
                )
            out.append(
                {
                    "field": words.field(name),
                    "sides": sides,
                    "resolution": next((v.get("resolution") or v.get("note") for v in values if v.get("resolution") or v.get("note")), None),
                }
            )
        return out
    claims: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for c in rel_rows.get("claims", []):
        claims[c["claim_field"]][claim_value(c)].append(c)
    for name, by_value in sorted(claims.items()):
        if len(by_value) > 1:
            sides = [
                {
                    "value": value,
                    "used": None,
                    "outlets": [],
                    "articles": [
                        {
                            "article": ctx.titles.get(c["article_id"], c["article_id"]),
                            "href": span_href(c["article_id"], c["evidence_id"]),
                            "evidence": c.get("evidence") or "",
                        }
                        for c in cs
                    ],
                }
                for value, cs in sorted(by_value.items(), key=lambda kv: -len(kv[1]))
            ]
            out.append({"field": words.field(name), "sides": sides, "resolution": None})
    return out


def _unique_spans(ctx: Context, dispute: dict) -> list[tuple[str, str, str]]:
    """The evidence rows a claimed value cites, one per article and wording."""
    found = (ctx.evidence[i] for i in dispute.get("evidence_ids") or [] if i in ctx.evidence)
    return list({(a, t): (i, a, t) for i, a, t in found}.values())
