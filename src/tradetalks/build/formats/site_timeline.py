"""The timeline of events and measures: a Vega-Lite chart (altair), rendered offline by vl-convert.

One row per event or measure; a vague date (a week, a month, a range) is drawn as a bar over the
days it can mean, an exact day as a point; a disputed date gets a dashed red outline, a cross and a red ring;
every mark links (SVG anchor) to the evidence span it rests on. Shape and outline, not colour
alone, tell the kinds apart.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import altair as alt
import vl_convert as vlc

from tradetalks.build.formats.site_data import noun, safe_name

ROW_PX = 16
MAX_LABEL = 60
MAX_ROWS = 80  # beyond this many rows, rows share lanes (see chart)
LANE_SLOTS = 12
# vl-convert resolves relative links against this base; they are made relative again afterwards.
_BASE = "https://vega.github.io/vega-datasets/"


def evidence_href(item: dict, prefix: str = "") -> str:
    if item.get("evidence"):
        article_id, evidence_id = item["evidence"]
        return f"{prefix}articles/{quote(safe_name(article_id))}.html#s-{quote(evidence_id, safe='')}"
    return f"{prefix}{item['table']}/{quote(safe_name(item['id']))}.html"


def chart(items: list[dict]) -> alt.Chart | alt.LayerChart:
    values = []
    for it in items:
        label = f"{noun(it['table'])}: {it['name']}"
        label = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        values.append(
            {
                "row": f"{label} [{it['id']}]",
                "label": label,
                "what": it["what"],
                "start": it["start"],
                "end": it["end"],
                "last": it["last"],
                "precision": it["precision"],
                "kind": noun(it["table"]),
                "date": "disputed" if it["disputed"] else ("vague" if it["vague"] else "exact"),
                "href": evidence_href(it),
                "id": it["id"],
                "group": it.get("group", ""),
            }
        )
    first: dict[str, tuple] = {}
    for v in values:
        first[v["row"]] = min(first.get(v["row"], (v["start"], v["row"])), (v["start"], v["row"]))
    order = sorted(first, key=first.__getitem__)
    data = alt.Data(values=values)
    lanes = None
    if len(order) <= MAX_ROWS:
        y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelExpr="split(datum.label, ' [')[0]", labelLimit=360, labelFontSize=10))
        height = max(60, ROW_PX * len(order))
    else:
        # Too many rows to label one by one (and labels are what costs time to draw): one lane per
        # kind and type, rows spread over a few slots inside it; the table beside the chart names them.
        lanes, height = _lanes(values, order)
        y = alt.Y("pos:Q", axis=None, scale=alt.Scale(domain=[-1, height / (ROW_PX / 2)], reverse=True), title=None)
    tooltip = [
        alt.Tooltip("label:N", title="row"),
        alt.Tooltip("what:N", title="date"),
        alt.Tooltip("start:T", title="from"),
        alt.Tooltip("last:T", title="to"),
        alt.Tooltip("precision:N"),
        alt.Tooltip("date:N", title="status"),
    ]
    colour = alt.Color("kind:N", title="kind", scale=alt.Scale(range=["#1f5fa8", "#b5651d", "#5b8c2a"]))
    base = alt.Chart(data).encode(y=y, href="href:N", tooltip=tooltip)
    bars = (
        base.transform_filter("datum.date != 'exact'")
        .mark_bar(height=ROW_PX * 0.6, opacity=0.55)
        .encode(
            x=alt.X("start:T", title="date (bars: vague or ranged dates, over the days they can mean)"),
            x2="end:T",
            color=colour,
            stroke=alt.Stroke("date:N", title="date", scale=alt.Scale(domain=["exact", "vague", "disputed"], range=["#333", "#333", "#c00"])),
            strokeDash=alt.StrokeDash("date:N", scale=alt.Scale(domain=["exact", "vague", "disputed"], range=[[1, 0], [1, 0], [4, 2]]), legend=None),
            strokeWidth=alt.value(1.2),
        )
    )
    points = base.mark_point(filled=True, size=40).encode(
        x="start:T",
        color=colour,
        shape=alt.Shape("date:N", title="date", scale=alt.Scale(domain=["exact", "vague", "disputed"], range=["circle", "triangle-right", "cross"])),
    )
    # A disputed date is ringed in red as well: shape, outline and colour all say it.
    rings = (
        base.transform_filter("datum.date == 'disputed'")
        .mark_point(shape="circle", size=260, filled=False, strokeWidth=2)
        .encode(x="start:T", color=alt.value("#c00"))
    )
    layers = [bars, points, rings]
    if lanes:
        layers.append(
            alt.Chart(alt.Data(values=lanes))
            .mark_text(align="left", dx=4, fontSize=11, fontWeight="bold")
            .encode(x=alt.value(0), y=alt.Y("pos:Q"), text="lane:N")
        )
    return (
        alt.layer(*layers)
        .properties(
            width=720,
            height=height,
            title=alt.TitleParams(
                "Events and measures over time",
                subtitle="circle: an exact day · triangle and bar: a vague or ranged date, over the days it can mean · cross in a red ring: a disputed date",
            ),
        )
        .configure_axis(grid=True)
    )


def _lanes(values: list[dict], order: list[str]) -> tuple[list[dict], int]:
    """Give each value a y position `pos` in its lane; return the lanes' labels and the chart height."""
    rank = {r: i for i, r in enumerate(order)}
    lanes: dict[str, list[dict]] = {}
    for v in sorted(values, key=lambda v: (v["kind"], v["group"], rank[v["row"]])):
        lanes.setdefault(f"{v['kind']}: {v['group']}" if v["group"] else v["kind"], []).append(v)
    labels, pos = [], 0
    for lane, vs in lanes.items():
        slots: dict[str, int] = {}
        for v in vs:
            slots.setdefault(v["row"], len(slots) % LANE_SLOTS)
            v["pos"] = pos + 1 + slots[v["row"]]
        labels.append({"lane": f"{lane} ({len(slots)})", "pos": pos})
        pos += LANE_SLOTS + 2
    return labels, max(60, pos * ROW_PX // 2)


def render(items: list[dict]) -> tuple[str, bytes, dict]:
    """(SVG text with relative links, PNG bytes, the Vega-Lite spec) of the timeline."""
    spec = chart(items).to_dict()
    svg = vlc.vega_to_svg(vlc.vegalite_to_vega(spec))
    png = vlc.svg_to_png(svg, scale=1.5)  # from the same drawing: cheaper than laying it out again
    svg = svg.replace(f'xlink:href="{_BASE}', 'xlink:href="')
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    return svg, png, spec
