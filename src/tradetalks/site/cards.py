"""A row of an article page told as a card: what it says first (a quotation as a block quote, a
claim as a sentence), where it comes from folded away. site.js shows the card of the selected span
beside the text (on a phone, in a sheet at the bottom of the screen).

Written as strings for speed and escaped here, every value, with the standard library's html.escape.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

from tradetalks.site import data as sd
from tradetalks.site import words
from tradetalks.site.html import PROVENANCE, Cells

# Columns a card tells in its sentence; the rest are listed under "Where this comes from".
TOLD = {
    "quotes": {"text", "speaker_id", "speaker_name", "speaker_organisation", "speaker_note", "cue", "channel", "n_articles", "n_outlets", "quote_group_id"},
    "evidence": {"subject_table", "subject_id", "claim_field", "claim_value", "claim_date_start", "claim_date_end", "claim_date_precision", "date_text"},
    "disputes": {"subject_table", "subject_id", "field", "value", "value_date_start", "value_date_end"},
    "measure_steps": {"measure_id", "status", "step", "date_start", "date_end", "date_precision"},
    "measure_events": {"measure_id", "event_id", "relation"},
}


def e(s) -> str:
    return escape(str(s), quote=False)


class Cards:
    """Cards of one release's rows; `speakers` maps a speaker key to its colour class."""

    def __init__(self, rel: sd.Release, cells: Cells, speakers: dict[str, str], disputed: dict[tuple[str, str], set[str]]):
        self.rel, self.cells, self.speakers, self.disputed = rel, cells, speakers, disputed

    def link(self, table: str, row_id: str | None, text: str | None = None) -> str:
        if not row_id:
            return ""
        href = self.cells.page(table, str(row_id))
        label = e(text if text is not None else self.rel.name(table, str(row_id)).rstrip("."))
        return f'<a href="{href}">{label}</a>' if href else label

    def card(self, table: str, row: dict, kind: str) -> str:
        key = self.rel.keys[table]
        rid = str(row[key])
        swatch = f"swatch k-{kind}" + (f" {self.speakers[sd.speaker_key(row)]}" if kind == "quote" and sd.speaker_key(row) in self.speakers else "")
        body = self.sentence(table, row, kind)
        told = TOLD.get(table, set()) | {key}
        rest = [c for c in row if c not in told and c not in PROVENANCE and row[c] is not None and row[c] != []]
        prov = [c for c in PROVENANCE[1:] if c in row]
        return (
            f'<section class="row k-{kind}" id="r-{escape(rid)}" data-row="{escape(rid)}" data-table="{escape(table)}">'
            f'<p class="card-kind"><span class="{swatch}" aria-hidden="true"></span>{e(sd.KIND_WORDS.get(kind, kind))}</p>'
            f"{body}"
            f'<p class="card-links"><a class="show" href="#s-{quote(rid, safe="")}">Show in the text</a></p>'
            f'<details class="prov"><summary>Where this comes from</summary>{self.fields(row, rest)}{self.fields(row, prov)}'
            f'<p class="id">{e(sd.noun(table))} <code>{e(rid)}</code> in the <code>{e(table)}</code> table</p></details>'
            "</section>"
        )

    def sentence(self, table: str, row: dict, kind: str) -> str:
        if kind == "quote":
            return self.quote(row)
        if table == "evidence":
            subject_table, subject_id = row.get("subject_table") or "", row.get("subject_id")
            subject = self.link(subject_table, subject_id)
            if kind == "claim":
                field = row.get("claim_field") or ""
                flag = field in self.disputed.get((subject_table, str(subject_id)), set())
                said = f" (“{e(row['date_text'])}”)" if row.get("date_text") else ""
                out = f"<p>This article says the <strong>{e(words.field(field.removesuffix('_pct')))}</strong> of {subject} is <strong>{e(claim_value(row))}</strong>{said}.</p>"
                return out + ('<p class="disputed-note">⚑ Articles disagree on this: see the page for both sides.</p>' if flag else "")
            if kind == "mention":
                return f"<p>Mentions {subject}.</p>"
            return f"<p>Evidence for the {e(sd.noun(subject_table))}: {subject}.</p>"
        if table == "disputes" and row.get("subject_table"):
            subject = self.link(row["subject_table"], row.get("subject_id"))
            start, end = row.get("value_date_start"), row.get("value_date_end")
            value = words.span(start, end or start) if isinstance(start, dt.date) else words.value(row.get("value"))
            return f"<p>Articles disagree on the <strong>{e(words.field(row.get('field') or ''))}</strong> of {subject}: these words support <strong>{e(value)}</strong>.</p>"
        if table == "measure_steps" and row.get("measure_id"):
            span = sd.interval(row.get("date_start"), row.get("date_end"), row.get("date_precision"))
            when = f", {words.when(span[0], span[1], row.get('date_precision'))}" if span else ""
            status = words.status(row.get("status") or row.get("step"))
            return f"<p>A step in the course of {self.link('tariff_measures', row['measure_id'])}: <strong>{e(status)}</strong>{e(when)}.</p>"
        if table == "measure_events" and row.get("measure_id") and row.get("event_id"):
            relation = f" ({e(str(row['relation']).replace('_', ' '))})" if row.get("relation") else ""
            return f"<p>Links the measure {self.link('tariff_measures', row['measure_id'])} to the event {self.link('events', row['event_id'])}{relation}.</p>"
        if row.get("measure_id") and "tariff_measures" in self.rel.rows:
            return f"<p>{e(sd.noun(table).capitalize())} of the measure {self.link('tariff_measures', row['measure_id'])}.</p>"
        return ""

    def quote(self, row: dict) -> str:
        who = self.link("people", row["speaker_id"], sd.speaker_name(self.rel, row)) if row.get("speaker_id") else e(sd.speaker_name(self.rel, row))
        how = " ".join(e(x) for x in (row.get("cue"), words.channel(row.get("channel"))) if x)
        note = f'<p class="note">{e(row["speaker_note"])}</p>' if row.get("speaker_note") and not row.get("speaker_id") else ""
        n = row.get("n_articles") or 1
        same = f"<p>The same words are reported by {words.plural(n, 'article')}.</p>" if n > 1 else ""
        text = row.get("text") or row.get("evidence") or ""
        return f'<blockquote><p>{e(text)}</p></blockquote><p class="who">— {who}{", " + how if how else ""}</p>{note}{same}'

    def fields(self, row: dict, columns: list[str]) -> str:
        if not columns:
            return ""
        items = "".join(f"<dt>{e(words.field(c))}</dt><dd>{self.cells.cell(c, row)}</dd>" for c in columns)
        return f'<dl class="fields">{items}</dl>'


def claim_value(row: dict) -> str:
    """A claimed value in words: a date claim as its interval, a number without a trailing .0."""
    start, end = row.get("claim_date_start"), row.get("claim_date_end")
    if isinstance(start, dt.date):
        return words.when(start, end if isinstance(end, dt.date) else start, row.get("claim_date_precision"))
    unit = "%" if (row.get("claim_field") or "").endswith("_pct") else ""
    if row.get("claim_number") is not None:
        return words.value(row["claim_number"]) + unit
    return words.value(row.get("claim_value")) + (unit if row.get("claim_value") is not None else "")
