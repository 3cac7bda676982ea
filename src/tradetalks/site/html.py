"""HTML for rows: cells, field lists and tables, written as strings for speed (millions of cells
at 10k articles) and escaped here, every value, with the standard library's html.escape.

Every page that shows rows sits one folder below the site root, so links start with "../".
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from urllib.parse import quote

from markupsafe import Markup

from tradetalks.site import data as sd
from tradetalks.site import words

ROOT = "../"
PROVENANCE = ("article_id", "char_start", "char_end", "evidence", "method")
MAX_CELL = 400  # characters of a long value shown in a cell (the full value is in the Parquet)


class Cells:
    """Renders the values of one release's rows, with links for the columns that point at a page."""

    def __init__(self, rel: sd.Release):
        self.rel = rel
        self.ids = {t: set(rows) for t, rows in rel.rows.items()}
        self.page = lru_cache(maxsize=None)(self._page)

    def _page(self, table: str, row_id: str) -> str | None:
        if table != "articles" and row_id not in self.ids.get(table, ()):
            return None
        return f"{ROOT}{quote(table)}/{quote(sd.safe_name(row_id))}.html"

    def cell(self, column: str, row: dict) -> str:
        v = row.get(column)
        if v is None:
            return ""
        target = row.get("subject_table") if column == "subject_id" else sd.FK_COLUMNS.get(column)
        if target:
            parts = []
            for x in v if isinstance(v, list) else [v]:
                href = self.page(target, str(x))
                label = escape(str(x) if target == "articles" else self.rel.name(target, str(x)), quote=False)
                parts.append(f'<a href="{href}">{label}</a>' if href else label)
            return ", ".join(parts)
        t = _text(v)
        return escape(t, quote=False) if ("<" in t or "&" in t or ">" in t) else t

    def span_link(self, row: dict, row_id: str, text: str) -> str:
        """A link to the characters of a row in its article."""
        href = self.page("articles", str(row["article_id"]))
        return f'<a href="{href}#s-{quote(str(row_id), safe="")}">{escape(_short(text), quote=False)}</a>'

    def dl(self, row: dict, columns, cls: str = "fields") -> str:
        items = "".join(f"<dt>{escape(words.field(c))}</dt><dd>{self.cell(c, row)}</dd>" for c in columns)
        return f'<dl class="{cls}">{items}</dl>'

    def fields(self, row: dict, skip) -> Markup:
        return Markup(self.dl(row, [c for c in row if c not in skip and row[c] is not None and row[c] != []]))

    def provenance(self, row: dict) -> Markup:
        return Markup(self.dl(row, [c for c in PROVENANCE if c in row], "fields provenance"))

    def table_rows(self, table: str, rows: list[dict], columns: list[str], disputed: set[str]) -> list[str]:
        """<tr> per row; the evidence cell links to the span in its article."""
        key = self.rel.keys.get(table, "")
        out = []
        for r in rows:
            cells = []
            for c in columns:
                if c == "evidence" and key and r.get(key) is not None and r.get("article_id") is not None:
                    cells.append(self.span_link(r, r[key], r[c] or ""))
                else:
                    cells.append(self.cell(c, r))
            tr = '<tr class="disputed">' if r.get("claim_field") in disputed and r.get("claim_field") else "<tr>"
            out.append(tr + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
        return out


def table(caption: str, columns: list[str], trs: list[str]) -> Markup:
    head = "".join(f'<th scope="col">{escape(words.field(c))}</th>' for c in columns)
    return Markup(f'<table class="rows"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{"".join(trs)}</tbody></table>')


def _text(v) -> str:
    """A value as a reader says it (lists joined, booleans as yes/no, dates in words), shortened."""
    return _short(words.value(v))


def _short(s: str) -> str:
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"
