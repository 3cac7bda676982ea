"""Fuzz: random YAML documents and evidence either pass or raise the project's own error type."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEXT, article_meta, make_dataset, write_yaml
from tradetalks.build.errors import TradetalksError
from tradetalks.build.locate import locate
from tradetalks.build.pipeline import check

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                    st.sampled_from(["2025-02-30", "2025-10-18", "../x", "He", "full", "quotes", "evidence"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["article_id", "quotes", "evidence", "speaker", "kind", "people", "events",
                                     "measures", "claims", "person_id", "aliases", "x"]) | st.text(max_size=8), inner, max_size=5)),
    max_leaves=20)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _run(root):
    try:
        check(root)
    except TradetalksError:
        pass


@SETTINGS
@given(doc=documents, target=st.sampled_from(["article", "people", "events", "measures"]))
def test_random_documents(tmp_path_factory, doc, target):
    root = make_dataset(tmp_path_factory.mktemp("fz"))
    path = root / ("dataset/articles/talks-next-week.yml" if target == "article" else f"dataset/{target}.yml")
    write_yaml(path, doc)
    _run(root)


@SETTINGS
@given(data=st.data())
def test_mutated_valid_article(tmp_path_factory, data):
    meta = article_meta(TEXT)
    mutated = copy.deepcopy(meta)
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(sorted(mutated)))
        value = mutated[key]
        dicts = [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
        if dicts:
            item = data.draw(st.sampled_from(dicts))
            field = data.draw(st.sampled_from(sorted(item) + ["unknown"]))
            item[field] = data.draw(documents)
        else:
            mutated[key] = data.draw(documents)
    root = make_dataset(tmp_path_factory.mktemp("fz"), {"talks-next-week": (TEXT, mutated)})
    _run(root)


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_random_bytes_as_yaml(tmp_path_factory, raw):
    root = make_dataset(tmp_path_factory.mktemp("fz"))
    (root / "dataset/people.yml").write_bytes(raw)
    _run(root)


@settings(max_examples=300, deadline=None)
@given(evidence=st.text(max_size=40), occurrence=st.none() | st.integers(-2, 5), every=st.booleans())
def test_random_evidence(evidence, occurrence, every):
    try:
        locate(TEXT, evidence, occurrence=occurrence, every_copy=every)
    except TradetalksError:
        pass


def test_occurrence_must_be_positive():
    import pytest

    with pytest.raises(TradetalksError, match="counts from 1"):
        locate(TEXT, "He", occurrence=0)
