"""Measures and events linked by keys: each link is read in an article that names both."""

from __future__ import annotations

import pytest

from conftest import MEASURES, TEXT, article_meta, bare_meta, make_dataset
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import check

LINK = {"event": "bessent-he-call", "relation": "statement", "note": "the call where the tariff came up"}


def test_a_link_becomes_a_row_with_provenance(tmp_path):
    make_dataset(tmp_path, measures=[dict(MEASURES[0], events=[LINK])])
    t = check(tmp_path).tables
    link = t["measure_events"].row(0, named=True)
    assert (link["measure_id"], link["event_id"], link["relation"]) == ("us-100pct-tariff", "bessent-he-call", "statement")
    assert link["article_id"] == "talks-next-week" and TEXT[link["char_start"] : link["char_end"]] == link["evidence"]


def test_a_link_no_article_supports_is_refused(tmp_path):
    text2 = "The 100% tariff was discussed.\n"
    meta2 = bare_meta(
        text2,
        article_id="second",
        measures=[{"measure": "us-100pct-tariff", "evidence": "The 100% tariff", "claims": {"status": "threatened"}}],
    )
    meta1 = article_meta(TEXT, measures=[])
    make_dataset(tmp_path, {"talks-next-week": (TEXT, meta1), "second": (text2, meta2)}, measures=[dict(MEASURES[0], events=[LINK])])
    with pytest.raises(DatasetError, match=r"no article has evidence for both 'us-100pct-tariff' and event 'bessent-he-call'"):
        check(tmp_path)
