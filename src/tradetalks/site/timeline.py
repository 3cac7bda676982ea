"""The timeline of the story: every dated event, measure and step, laid out for the page and for papers.

    layout(items) -> Timeline          the rows, in two lanes, and the windows to show
    svg(timeline) -> str               the same rows as a self-contained SVG (timeline.svg)

The page opens on the story's window: the days that the precisely dated items span (a day, a
week, a short range), so the weeks the articles report fill the width. Items whose date can mean
more than `VAGUE_DAYS` days (a month, "earlier this year") have their own lane, drawn faint; they
are clipped to the window with an arrow saying where they start. Zoom and pan are done by site.js
from each bar's dates (data-start, data-last); on a phone the rows are a vertical list by date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from tradetalks.site import words
from tradetalks.site.data import noun, safe_name

PAD_DAYS = 2  # days of margin around the story's window


@dataclass
class Timeline:
    story: list[dict]  # items dated within VAGUE_DAYS days, by date
    vague: list[dict]  # the others, by date
    window: tuple[dt.date, dt.date]  # the story's days, first and last (inclusive)
    full: tuple[dt.date, dt.date]  # every item's days


def evidence_href(item: dict, prefix: str = "") -> str:
    if item.get("evidence"):
        article_id, evidence_id = item["evidence"]
        return f"{prefix}articles/{quote(safe_name(article_id))}.html#s-{quote(evidence_id, safe='')}"
    return f"{prefix}{item['table']}/{quote(safe_name(item['id']))}.html"


def layout(items: list[dict]) -> Timeline:
    """Sort items into the story's lane and the vague lane, with the default window."""
    order = sorted(items, key=lambda i: (i["start"], i["last"], i["name"], i["what"], i["id"]))
    for it in order:
        first, last = dt.date.fromisoformat(it["start"]), dt.date.fromisoformat(it["last"])
        it["when"] = words.when(first, last, it["precision"])
        it["href"] = evidence_href(it)
        it["page"] = f"{it['table']}/{quote(safe_name(it['id']))}.html"
        it["kind"] = noun(it["table"])
    story = [i for i in order if not i["vague"]]
    vague = [i for i in order if i["vague"]]
    dated = story or order
    lo = min(dt.date.fromisoformat(i["start"]) for i in dated) - dt.timedelta(days=PAD_DAYS)
    hi = max(dt.date.fromisoformat(i["last"]) for i in dated) + dt.timedelta(days=PAD_DAYS)
    full = (min(dt.date.fromisoformat(i["start"]) for i in order), max(dt.date.fromisoformat(i["last"]) for i in order))
    return Timeline(story, vague, (lo, hi), full)


# For papers ---------------------------------------------------------------------------------------

W, LABEL_W, ROW_H, TOP = 1100, 420, 22, 64
PAPER_ROWS = 60  # rows a figure for a paper can hold; the page draws every item
KIND_COLOURS = {"event": "#2f6f3e", "measure": "#a4561a"}


def svg(t: Timeline) -> str:
    """The story's window as an SVG: one row per item (the first PAPER_ROWS), a bar over the days
    its date can mean."""
    lo, hi = t.window
    days = (hi - lo).days + 1
    track = W - LABEL_W - 20

    def x(d: dt.date) -> float:
        return LABEL_W + track * min(max((d - lo).days, 0), days) / days

    story = t.story[:PAPER_ROWS]
    vague = t.vague[: PAPER_ROWS - len(story)]
    left_out = len(t.story) + len(t.vague) - len(story) - len(vague)
    lanes = [("Dated to the day or the week", story), ("Vague dates: a month or longer (faint)", vague)]
    height = TOP + sum(ROW_H * (len(rows) + 1.5) for _, rows in lanes if rows) + 20 + (ROW_H if left_out else 0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{int(height)}" viewBox="0 0 {W} {int(height)}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{int(height)}" fill="#fff"/>',
        f'<text x="8" y="20" font-size="16" font-weight="bold">{escape(f"The story, {words.span(lo, hi)}")}</text>',
        '<text x="8" y="38" fill="#555">A bar covers every day a date can mean; a dot is an exact day; red outline: articles dispute the date.</text>',
    ]
    step = 7 if days > 21 else 1
    d = lo
    while d <= hi:
        if step == 1 or d.weekday() == 0:
            out.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{TOP - 6}" y2="{int(height) - 14}" stroke="#e3e3e3"/>')
            out.append(f'<text x="{x(d) + 2:.1f}" y="{TOP - 10}" fill="#555">{d.day} {d:%b}</text>')
        d += dt.timedelta(days=1)
    y: float = TOP + 8
    for title, rows in lanes:
        if not rows:
            continue
        out.append(f'<text x="8" y="{y + 12}" font-weight="bold">{escape(title)}</text>')
        y += ROW_H
        for it in rows:
            first, last = dt.date.fromisoformat(it["start"]), dt.date.fromisoformat(it["last"])
            label = f"{it['kind']}: {it['name']}"
            label = label if len(label) <= 62 else label[:61] + "…"
            out.append(f'<text x="8" y="{y + 14}">{escape(label)}</text>')
            colour = KIND_COLOURS.get(it["kind"], "#444")
            stroke = ' stroke="#c00" stroke-width="2"' if it["disputed"] else ""
            opacity = "0.35" if it["vague"] else "0.85"
            if last < lo or first > hi:
                side = "◀ " if last < lo else ""
                out.append(f'<text x="{LABEL_W + (0 if last < lo else track - 120)}" y="{y + 14}" fill="#777">{escape(side + it["when"])}</text>')
            elif first == last:
                out.append(f'<circle cx="{(x(first) + x(first + dt.timedelta(days=1))) / 2:.1f}" cy="{y + 10}" r="5" fill="{colour}"{stroke}/>')
            else:
                x0, x1 = x(first), x(last + dt.timedelta(days=1))
                out.append(
                    f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 3):.1f}" height="12" rx="3" fill="{colour}" fill-opacity="{opacity}"{stroke}/>'
                )
                if first < lo:
                    out.append(f'<text x="{LABEL_W + 4}" y="{y + 14}" fill="#333">◀ {escape(words.day(first))}</text>')
            y += ROW_H
        y += ROW_H / 2
    if left_out:
        out.append(f'<text x="8" y="{y + 14}" fill="#555">{escape(f"and {left_out} more dated items: see timeline.html")}</text>')
    out.append("</svg>")
    return "\n".join(out)
