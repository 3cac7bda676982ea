"""Fuzz: random YAML documents and evidence either pass or raise the project's own error type."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_fetch
from conftest import TEXT, article_meta, make_dataset, write_yaml
from test_fetch import OLD, as_assets
from test_load import loader
from tradetalks.errors import TradetalksError
from tradetalks.pipeline.locate import locate
from tradetalks.pipeline.run import check

old_release = test_fetch.old_release  # module fixture; an assignment, so the parameters that use it are not redefinitions

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["2025-02-30", "2025-10-18", "../x", "He", "full", "quotes", "evidence"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["article_id", "quotes", "evidence", "speaker", "kind", "people", "events", "measures", "claims", "person_id", "aliases", "x"])
            | st.text(max_size=8),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)

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


# --- the YAML reader: duplicate keys, nesting, key types, tags -------------------------------------

KEYS = st.sampled_from(["a", "b", "evidence", "1", "~", "on", "2.5", "[x]", "{y: 1}", "<<", "!foo k", "!!str 1", "? z", '"q"'])
VALUES = st.sampled_from(
    [
        "x",
        "1",
        ".inf",
        ".nan",
        "~",
        "!foo x",
        "!!binary aGk=",
        "!!set {a}",
        "&a 1",
        "*a",
        '"\\u202e"',
        "'\u200b'",
        "2025-10-18",
        "1" * 4400,
        "[1, 2]",
        "{k: v}",
        "|\n  text",
        "!!python/name:os.system",
    ]
)


@st.composite
def yaml_texts(draw):
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        key, value = draw(KEYS), draw(VALUES)
        depth = draw(st.integers(0, 120))
        opener = draw(st.sampled_from(["[", "{a: ", "- ", ""]))
        closer = {"[": "]", "{a: ": "}", "- ": "", "": ""}[opener]
        nested = opener * depth + value + closer * depth if opener != "- " else "\n  " + "- " * depth + value
        lines.append(f"{key}: {nested}")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_texts())
def test_yaml_reader_raises_only_dataset_errors(tmp_path_factory, text):
    from tradetalks.pipeline.yamldoc import MAX_DEPTH, read_yaml

    path = tmp_path_factory.mktemp("yz") / "f.yml"
    path.write_text(text, encoding="utf-8")
    try:
        doc = read_yaml(path, "f.yml")
    except TradetalksError as exc:
        assert "f.yml" in str(exc)
        return

    def check(value, depth=0):
        assert depth <= MAX_DEPTH + 1
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for v in value.values():
                check(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                check(v, depth + 1)
        else:
            assert value is None or isinstance(value, (str, int, float, bool))
            assert not isinstance(value, float) or value == value and abs(value) != float("inf")

    check(doc.data)


PLAIN = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "~", "null", "Null", "true", "off", "yes", "1", "-0x1F", "0o17", "1_000", "2.5e3", ".inf", "-.NaN", "<<", "=", "2025-10-18"]),
)


@settings(max_examples=500, deadline=None)
@given(value=PLAIN, implicit=st.tuples(st.booleans(), st.booleans()))
def test_the_readers_tags_are_those_of_pyyamls_resolver(value, implicit):
    """The reader's lean resolver gives every scalar the tag PyYAML's own resolver gives it (without timestamps)."""
    import yaml

    from tradetalks.pipeline.yamldoc import _Loader

    loader = _Loader("")
    try:
        for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
            assert loader.resolve(kind, value, implicit) == yaml.resolver.BaseResolver.resolve(loader, kind, value, implicit)
    finally:
        loader.dispose()


def test_an_alias_is_refused_wherever_the_star_is(tmp_path):
    """Reading skips the alias bookkeeping only for a text without `*`; with one, an alias is refused
    as a value and as a key, and a `*` inside a quoted value is text."""
    from tradetalks.pipeline.yamldoc import read_yaml

    path = tmp_path / "f.yml"
    for text in ("a: &x [1]\nb: *x\n", "a: &k key\n? *k\n: 2\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(TradetalksError, match="anchors and aliases"):
            read_yaml(path, "f.yml")
    path.write_text('a: "*x"\nb: &y 2\n', encoding="utf-8")
    assert read_yaml(path, "f.yml").data == {"a": "*x", "b": 2}


# --- the whitespace-tolerant search against a plain reference -------------------------------------


def _reference_spans(text, evidence):
    """The original token-by-token walk: obviously right, quadratic at worst."""
    tokens = evidence.split()
    if not tokens:
        return []
    out, pos = [], text.find(tokens[0])
    while pos != -1:
        end = pos + len(tokens[0])
        for token in tokens[1:]:
            gap = end
            while gap < len(text) and text[gap].isspace():
                gap += 1
            if gap == end or not text.startswith(token, gap):
                break
            end = gap + len(token)
        else:
            out.append((pos, end))
        pos = text.find(tokens[0], pos + 1)
    return out


ALPHABET = st.sampled_from(list("ab \n\t\r\u00a0\u2003.x"))


@settings(max_examples=500, deadline=None)
@given(text=st.text(ALPHABET, max_size=60), evidence=st.text(ALPHABET, max_size=8))
def test_find_spans_matches_the_reference(text, evidence):
    from tradetalks.pipeline.locate import find_spans

    assert [(s.start, s.end) for s in find_spans(text, evidence)] == _reference_spans(text, evidence)


# --- the loader against random manifests and misbehaving servers ----------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.sampled_from(["../x", "/etc/passwd", 'quotes" AS SELECT 1; --', "", "quotes.parquet", "0" * 64, "1.0.0", "a\x00b"])
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
SERVER_MODES = st.sampled_from(["ok", "ok", "ok", "500", "redirect-away", "short", "garbage"])


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@pytest.fixture(scope="module")
def fuzz_server(old_release, tmp_path_factory):
    import functools
    import http.server
    import threading

    base = tmp_path_factory.mktemp("fuzzsrv")
    www = base / "www"
    as_assets(old_release, www / OLD)
    state = {"mode": "ok"}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            mode = state["mode"]
            if mode == "500":
                self.send_error(500)
            elif mode == "redirect-away":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()
            elif mode == "short":
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b'{"dataset": ')
            elif mode == "garbage":
                self.send_response(200)
                self.end_headers()
                self.wfile.write(bytes(range(256)) * 4)
            else:
                super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(www)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield base, www, state, f"http://127.0.0.1:{httpd.server_address[1]}/{{version}}/"
    httpd.shutdown()
    httpd.server_close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), mode=SERVER_MODES)
def test_loader_raises_only_its_errors_and_writes_only_its_cache(fuzz_server, old_release, monkeypatch, data, mode):
    import hashlib
    import json
    import shutil

    import tradetalks

    base, www, state, url = fuzz_server
    manifest = json.loads((old_release / "manifest.json").read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(sorted(_paths(manifest), key=str)))
        if not path:
            continue
        parent = manifest
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "rename" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(['people"; DROP', "../x", "evidence", "new_table"]))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = data.draw(JSON_VALUES)
    raw = json.dumps(manifest).encode()
    (www / OLD / "manifest.json").write_bytes(raw)
    state["mode"] = mode
    cache = base / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    before = sorted(p for p in base.rglob("*") if cache not in p.parents and p != cache)
    monkeypatch.setenv("TRADETALKS_BASE_URL", url)
    monkeypatch.setenv("TRADETALKS_CACHE", str(cache))
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", hashlib.sha256(raw).hexdigest())
    monkeypatch.setattr(loader, "bundled_dir", lambda: None)
    monkeypatch.setattr(loader, "DEADLINE_S", 10.0)
    loader._RELEASES.clear()
    loader._VERIFIED.clear()
    for call in (
        lambda: tradetalks.tables(OLD),
        lambda: tradetalks.describe("quotes", OLD),
        lambda: tradetalks.load("quotes", OLD),
        lambda: tradetalks.connect(OLD),
    ):
        try:
            call()
        except tradetalks.ReleaseError:
            pass
    after = sorted(p for p in base.rglob("*") if cache not in p.parents and p != cache)
    assert after == before
    (www / OLD / "manifest.json").write_bytes((old_release / "manifest.json").read_bytes())
