"""The search index of the site: quotations, people, events and measures, as a script file that the
search page loads with a <script> tag (a page opened from disk may not fetch a JSON file).

    index(rel, ctx) -> list[list[str]]     [kind, title, detail, href, more words], sorted
    script(entries) -> str                 `window.TRADETALKS_INDEX = [...];`

The same words of a quotation reported by several articles are one entry (its quote group), linked
to its first occurrence; each entry's text is cut at MAX_TEXT characters.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from tradetalks.site import data as sd
from tradetalks.site import words
from tradetalks.site.entities import Context

MAX_TEXT = 300


def index(ctx: Context) -> list[list[str]]:
    rel = ctx.rel
    out: list[list[str]] = []
    q = rel.tables.get("quotes")
    if q is not None:
        seen: set[str] = set()
        for r in q.sort("article_id", "char_start", "quote_id").to_dicts():
            group = r.get("quote_group_id") or r["quote_id"]
            if group in seen:
                continue
            seen.add(group)
            text = _cut(r.get("text") or r.get("evidence") or "")
            who = sd.speaker_name(rel, r)
            n = r.get("n_articles") or 1
            detail = f"{who}, in {ctx.titles.get(r['article_id'], r['article_id'])}" + (f" and {words.plural(n - 1, 'other article')}" if n > 1 else "")
            href = f"articles/{quote(sd.safe_name(r['article_id']))}.html#s-{quote(r['quote_id'], safe='')}"
            out.append(["quotation", f"“{text}”", detail, href, r.get("speaker_note") or ""])
    for pid, row in sorted(rel.rows.get("people", {}).items()):
        roles = sorted({str(x.get("role")) for x in row.get("roles") or [] if isinstance(x, dict) and x.get("role")})
        aliases = [a for a in row.get("aliases") or [] if a != row.get("name")]
        out.append(["person", rel.name("people", pid), ", ".join(roles), _page("people", pid), " ".join(aliases)])
    for table in ("events", "tariff_measures"):
        items: dict[str, str] = {}
        for it in ctx_items(ctx, table):
            items.setdefault(it["id"], it["when"])
        for rid, row in sorted(rel.rows.get(table, {}).items()):
            kind = sd.noun(table)
            facts = [words.status(str(row.get(c))) for c in ("event_type", "instrument", "status") if row.get(c)]
            detail = " · ".join(x for x in (items.get(rid), ", ".join(facts)) if x)
            out.append([kind, _cut(rel.name(table, rid)), detail, _page(table, rid), rid.replace("-", " ")])
    return out


def ctx_items(ctx: Context, table: str) -> list[dict]:
    return [i for i in ctx.timeline if i["table"] == table] if ctx.timeline else []


def script(entries: list[list[str]]) -> str:
    # Escaping "<" keeps the file inert if it is ever inlined into a page.
    body = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return f"window.TRADETALKS_INDEX = {body};\n"


def _page(table: str, rid: str) -> str:
    return f"{quote(table)}/{quote(sd.safe_name(rid))}.html"


def _cut(s: str) -> str:
    s = " ".join(s.split())
    return s if len(s) <= MAX_TEXT else s[: MAX_TEXT - 1] + "…"
