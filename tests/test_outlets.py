"""Corroboration counts outlets of the outlet registry, not files."""

from __future__ import annotations

import pytest

from conftest import TEXT, article_meta, make_dataset, write_yaml
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import check

OUTLETS = [
    {"outlet_id": "reuters", "name": "Reuters", "domain": "reuters.com", "owner": "Thomson Reuters", "country": "GBR", "wire_service": True},
    {"outlet_id": "daily-paper", "name": "The Daily Paper", "wire_service": False, "aliases": ["Daily Paper"]},
]


def _corpus(root, first: dict, second: dict):
    text2 = "Scott Bessent spoke again.\n"
    meta2 = article_meta(text2, article_id="second", title=None, segments=[], quotes=[], not_mentions=[], roles=[], events=[], measures=[], **second)
    make_dataset(root, {"talks-next-week": (TEXT, article_meta(TEXT, **first)), "second": (text2, meta2)})
    write_yaml(root / "dataset" / "outlets.yml", {"outlets": OUTLETS})
    return root


def test_two_articles_of_one_outlet_count_once(tmp_path):
    t = check(_corpus(tmp_path, {"outlet": "The Daily Paper"}, {"outlet": "Daily Paper"})).tables
    bessent = t["people"].filter(t["people"]["person_id"] == "scott-bessent").row(0, named=True)
    assert (bessent["n_articles"], bessent["n_outlets"]) == (2, 1)
    assert t["articles"]["outlet_id"].to_list() == ["daily-paper", "daily-paper"]


def test_a_wire_story_counts_as_the_wire_service(tmp_path):
    t = check(_corpus(tmp_path, {"outlet": "The Daily Paper", "wire_service": "Reuters"}, {"wire_service": "Reuters"})).tables
    assert t["people"].filter(t["people"]["person_id"] == "scott-bessent")["n_outlets"][0] == 1


def test_unknown_outlets_each_count_as_their_own(tmp_path):
    t = check(_corpus(tmp_path, {}, {})).tables
    assert t["people"].filter(t["people"]["person_id"] == "scott-bessent")["n_outlets"][0] == 2


def test_an_outlet_missing_from_the_registry_is_named(tmp_path):
    with pytest.raises(DatasetError, match=r"\[outlet\]: 'Evening Post' is not a name or alias of an outlet in dataset/outlets.yml"):
        check(_corpus(tmp_path, {"outlet": "Evening Post"}, {}))


def test_one_outlet_printed_two_ways_is_named_once_and_the_counts_add_up():
    import polars as pl

    from tradetalks.pipeline.subjects import Outlets

    articles = pl.DataFrame(
        {
            "article_id": ["a", "b", "c"],
            "wire_service": ["Reuters", "reuters", None],
            "wire_service_id": ["reuters", "reuters", None],
            "outlet": [None, None, None],
            "outlet_id": [None, None, None],
        },
        schema={"article_id": pl.String, "wire_service": pl.String, "wire_service_id": pl.String, "outlet": pl.String, "outlet_id": pl.String},
    )
    outlets, every = Outlets.of(articles), {"a", "b", "c"}
    assert outlets.names(every) == ["Reuters"]
    assert (outlets.count_known(every), outlets.count_unknown(every), outlets.count(every)) == (1, 1, 2)
    assert len(outlets.names(every)) + outlets.count_unknown(every) == outlets.count(every)
