"""An article's raw text as HTML with every span marked, from a sorted sweep over span boundaries.

Spans may nest or overlap. Marks are opened outermost first; where two spans cross, the one that
ends first is closed and the others are closed and reopened around it, so a span may be drawn as
several fragments. Every fragment carries `data-row`, `data-start` and `data-end` (code-point
offsets into the text), and the fragments of a row, read in order, give back its exact characters.
Only the first fragment of a row is in the tab order and carries the id `s-<row id>`.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from tradetalks.site.data import KIND_ORDER, Span

_RANK = {k: i for i, k in enumerate(KIND_ORDER)}


def text_html(text: str) -> str:
    """Escape text for HTML so that the parser gives back exactly these characters."""
    # The HTML parser turns CR and CRLF into LF; a character reference survives.
    return str(escape(text)).replace("\r", "&#13;").replace("\x00", "\ufffd")


def highlight(text: str, spans: list[Span], classes: dict[str, str] | None = None) -> Markup:
    """The text with a <mark> per span fragment; `classes` maps a span's group to an extra class."""
    classes = classes or {}
    order = sorted(spans, key=lambda s: (s.start, -s.end, _RANK.get(s.kind, len(_RANK)), s.row_id))
    starts: dict[int, list[Span]] = {}
    ends: dict[int, list[Span]] = {}
    for s in order:
        starts.setdefault(s.start, []).append(s)
        ends.setdefault(s.end, []).append(s)
    bounds = sorted({0, len(text), *starts, *ends})
    out: list[str] = []
    stack: list[tuple[Span, int, int]] = []  # (span, index of its open tag in out, fragment start)
    seen: set[str] = set()

    def open_(s: Span, pos: int) -> None:
        stack.append((s, len(out), pos))
        out.append("")  # filled in when the fragment closes and its end is known

    def close_top(pos: int) -> None:
        s, i, begin = stack.pop()
        first = s.row_id not in seen
        seen.add(s.row_id)
        cls = f"span k-{s.kind}" + (f" {classes[s.group]}" if s.group in classes else "")
        if s.kind == "segment":
            cls += f" seg-{_slug(s.group)}"
            attrs_extra = [f'data-label="{escape(s.group)}"']
        else:
            attrs_extra = []
        attrs = [
            f'class="{escape(cls)}"',
            f'data-row="{escape(s.row_id)}"',
            f'data-start="{begin}"',
            f'data-end="{pos}"',
            f'title="{escape(s.label)}"',
            *attrs_extra,
        ]
        if first:
            attrs.append(f'id="s-{escape(s.row_id)}"')
        if s.kind != "segment":
            attrs.append('tabindex="0"' if first else 'tabindex="-1"')
            if first:
                attrs.append(f'aria-label="{escape(s.label)}"')
        out[i] = f"<mark {' '.join(attrs)}>"
        out.append("</mark>")

    prev = 0
    for pos in bounds:
        if pos > prev:
            out.append(text_html(text[prev:pos]))
        ending = ends.get(pos, [])
        if ending:
            ids = {id(s) for s in ending}
            depth = min((k for k, (s, _, _) in enumerate(stack) if id(s) in ids), default=len(stack))
            reopen = [s for s, _, _ in stack[depth:] if id(s) not in ids]
            while len(stack) > depth:
                close_top(pos)
            for s in reopen:
                open_(s, pos)
        for s in starts.get(pos, []):
            if s.end > pos:
                open_(s, pos)
        prev = pos
    while stack:
        close_top(len(text))
    return Markup("".join(out))


def _slug(word: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in word.lower())[:30]
