"""The fast YAML path gives exactly what the careful loader gives: data, refusals and line numbers."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from tradetalks.build import yamlfast
from tradetalks.build.errors import DatasetError
from tradetalks.build.yamldoc import _read_fast, read_yaml
from tradetalks.build.yamlfast import DISAGREE

sys.path.insert(0, str(REPO))
from benchmarks.synth import generate  # noqa: E402


def _assert_same_value(a, b, where="") -> None:
    """Equal with types and key order: 1 is not 1.0 nor True, and {'a', 'b'} keeps its order."""
    assert type(a) is type(b), f"{where}: {a!r} ({type(a).__name__}) vs {b!r} ({type(b).__name__})"
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _assert_same_value(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert repr(a) == repr(b) or (math.isnan(a) and math.isnan(b)), where
    else:
        assert a == b, where


def _locations(value, where=()):
    yield list(where)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _locations(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _locations(item, (*where, i))


def _outcome(path: Path, fast: bool):
    try:
        return read_yaml(path, "dataset/articles/x.yml", fast=fast)
    except DatasetError as exc:
        return [(p.path, p.line, p.field, p.message) for p in exc.problems]


def _assert_same_reading(path: Path) -> bool:
    """Both paths give the same document (lines included) or the same refusal; True when the fast path read it."""
    fast, careful = _outcome(path, True), _outcome(path, False)
    if isinstance(careful, list):
        assert fast == careful
        return False
    assert not isinstance(fast, list), fast
    _assert_same_value(fast.data, careful.data)
    assert (fast.first_line, fast.markers, fast.path) == (careful.first_line, careful.markers, careful.path)
    assert fast.sha256 == careful.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    used_fast = fast._node is None and fast._text is not None
    _assert_same_lines(fast, careful, path.read_text(encoding="utf-8").count("\n") + 2)
    return used_fast


def _assert_same_lines(fast, careful, n_lines: int) -> None:
    for location in _locations(careful.data):
        assert fast.line_of(location) == careful.line_of(location), location
    assert fast.line_of(["no-such-field", 3]) == careful.line_of(["no-such-field", 3])
    if isinstance(careful.data, dict):
        for key, value in careful.data.items():
            if isinstance(value, list) and isinstance(key, str):
                for line in range(1, n_lines):
                    assert fast.item_at(key, line) == careful.item_at(key, line), (key, line)


def _yaml_files(root: Path) -> list[Path]:
    return sorted(root.glob("dataset/*.yml")) + sorted(root.glob("dataset/articles/*.yml"))


def test_real_dataset_reads_alike():
    files = _yaml_files(REPO)
    assert len(files) >= 10
    read_fast = [_assert_same_reading(path) for path in files]
    # The registries and articles are plain data: the fast path must actually serve them.
    assert sum(read_fast) >= len(files) - 2, [p.name for p, f in zip(files, read_fast, strict=True) if not f]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("synth"), 40, seed=11)


def test_synthetic_corpus_reads_alike(synthetic):
    files = _yaml_files(synthetic)
    assert len(files) == 43
    assert all([_assert_same_reading(path) for path in files])


def test_lines_are_composed_only_when_asked(synthetic):
    path = synthetic / "dataset" / "articles" / "synthetic-article-000003.yml"
    doc = read_yaml(path, "dataset/articles/synthetic-article-000003.yml")
    assert doc._node is None and doc._text is not None
    careful = read_yaml(path, "dataset/articles/synthetic-article-000003.yml", fast=False)
    assert doc.line_of(["quotes", 2, "speaker"]) == careful.line_of(["quotes", 2, "speaker"]) > 1
    assert doc._text is None and doc.node is not None and doc.node.start_mark.line == careful.node.start_mark.line


def test_schema_errors_name_the_same_line_either_way(tmp_path):
    from tradetalks.build.errors import Collector
    from tradetalks.build.sources import schema_errors

    source = generate(tmp_path / "synth", 2, seed=4) / "dataset" / "articles" / "synthetic-article-000001.yml"
    text = source.read_text(encoding="utf-8").replace("kind: full", "kind: fulll", 1).replace("cue: said", "cue: 12", 1)
    path = tmp_path / "bad.yml"
    path.write_text(text + "extra_field: 1.5\n", encoding="utf-8")
    found = []
    for fast in (True, False):
        problems = Collector()
        schema_errors(read_yaml(path, "bad.yml", fast=fast), "article", problems)
        found.append(problems.problems)
    assert found[0] == found[1]
    assert len(found[0]) == 3 and all(p.line is not None and p.line > 1 for p in found[0])


# What the fast path must leave to the careful loader (refusals, YAML 1.1 readings) and what it may read.
CASES = {
    # Careful loader's refusals.
    "a: &x 1\nb: *x\n": False,
    "a: !!str 1\n": False,
    "a: !local x\n": False,
    # After the colon of a quoted key in a flow mapping, no blank is needed before a node property.
    '{"a":!!binary aGk=}\n': False,
    '{"a":!foo x}\n': False,
    '{"a":!!set {}}\n': False,
    '{"a":&x 1, "b":*x}\n': False,
    '{"a":!!float 1}\n': False,
    "a: &x 1\nb: {'c':*x}\n": False,
    '{"a":1, "b":[x]}\n': True,
    "<<: {b: 1}\n": False,
    "a: =\n": False,
    "a: 1\na: 2\n": False,
    "on: 1\n": False,
    "1: a\n": False,
    "null: a\n": False,
    "? [1]\n: 2\n": False,
    "a: .inf\n": False,
    "a: -.Inf\n": False,
    "a: .NaN\n": False,
    "a: 99999999999999999999999999999\n": False,
    "a: b\n---\nc: d\n": False,
    "a: [1\n": False,
    "a: 'x\n": False,
    "a: b\n c: d\n": False,
    "a:\n- b\n c\n": True,
    "%YAML 1.1\n---\na: yes\n": False,
    "a: 2025-10-18 10:00:00\n": True,
    # YAML 1.1 readings that YAML 1.2 does not share.
    "a: yes\n": False,
    "a: No\n": False,
    "a: off\n": False,
    "a: 010\n": False,
    "a: 0o17\n": False,
    "a: +0o17\n": False,
    "a: 1_000\n": False,
    "a: 1:30\n": False,
    "a: 1e3\n": False,
    "a: 1.0e3\n": False,
    "a: 1.0e+3\n": False,
    "a: -.5\n": False,
    "a: 1_0.5\n": False,
    "a: 0b1_0\n": False,
    "a: 'yes'\n": False,  # quoted: text for both, but the fast result cannot tell; careful path
    # Plain data the fast path reads.
    "a: 2025-10-18\n": True,
    "a: ~\nb: Null\nc: null\nd:\n": True,
    "a: true\nb: False\nc: TRUE\n": True,
    "a: 1\nb: -2\nc: +3\nd: 0\ne: 0x1F\nf: -0b1\n": True,
    "a: .5\nb: 1.\nc: 34.5\nd: -0.0\ne: 01.5\n": True,
    "a: 08\nb: 0O17\nc: y\nd: n\ne: inf\nf: nan\n": True,
    "a: ''\nb: \"\"\n": True,
    "a: |\n  x\n  y\n\nb: >\n  x\n  y\n\n  z\nc: |-\n  k\n": True,
    "a: b\r\nc: 'd\r\n  e'\r\n": True,
    "a: b\n...\n": True,
    "---\na: b\n": True,
    "a:\tb\t\n": True,
    "a: plain\n  continued # not a comment\n  # a comment\n": True,
    "a: 'it''s'\nb: \"\\u00e9 \\t\"\n": True,
    "- a\n- b: c\n  d: [1, two, {e: f}]\n": True,
    "": True,
    "# only a comment\n": True,
    "hello\n": True,
    "a: S&P 500 rose 5%, a*b!\n": True,
    "a: rose *today*\n": False,  # a word after a blank may be an alias: careful path
}


@pytest.mark.parametrize("text", list(CASES))
def test_case_reads_alike_and_takes_the_expected_path(text, tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(text.encode("utf-8"))
    assert (_read_fast(text) is not DISAGREE) == CASES[text]
    _assert_same_reading(path)


def test_without_the_fast_reader_everything_is_read_carefully(tmp_path, monkeypatch):
    path = tmp_path / "x.yml"
    path.write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setattr(yamlfast, "ryaml", None)
    doc = read_yaml(path)
    assert doc.data == {"a": 1} and doc._node is not None


def test_import_tradetalks_does_not_load_the_fast_reader():
    code = "import sys, tradetalks\nprint('ryaml' in sys.modules, 'tradetalks.build.yamlfast' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# --- Generated YAML: scalars of every tricky kind, in every quoting style, nested, commented.

TRICKY = [
    *"yes Yes YES no No on On off OFF y n true True TRUE false False null Null NULL ~".split(),
    *"0 -0 +0 1 +1 -1 007 010 08 0o17 +0o7 0x1F -0x1f 0b101 -0b1 1_000 1__0 _1 1:30 1:20:30 190:20:30".split(),
    *".5 -.5 +.5 1. 1.5 -1.5 01.5 1.0e3 1.0e+3 1e3 1E-3 1.5e3 .5e+3 1_0.5 0. .inf -.Inf +.INF .nan .NaN".split(),
    *"2025-10-18 2025-10-18T10:00:00Z 2025-1-8 1.2.3 <<  = a:b a#b 12e 0o8 0b 0x".split(),
    *["&a x", "*a", "!!str 1", "!!float 1", "!!binary aGk=", "!x y", "&b", "!!null ''"],
    "99999999999999999999",
    "-9223372036854775809",
    "x" * 3,
    "two words",
    "S&P 500",
    "rate 5%",
]
ESCAPES = [r"\ud800", r"\U0010FFFF", r"\U00110000", r"\x85", r"\N", r"\_", r"\L", r"\e", r"\0", r"\/", r"\ ", "\\\t", r"\xff", r"\q", "\\\n  "]
NAME = st.sampled_from("evidence kind claims rate_pct status a b c d e f g h i j".split())
# Keys YAML 1.1 reads as something else, or refuses.
WORD = NAME | st.sampled_from(["on", "yes", "1", "null", "<<", "="])


@st.composite
def scalar(draw, indent: int) -> str:
    value = draw(st.sampled_from(TRICKY) | st.text(alphabet="ab \t019.:-#'\"\\_", min_size=0, max_size=6))
    style = draw(st.sampled_from(["plain", "plain", "single", "double", "escaped", "literal", "folded", "multiline"]))
    pad = " " * (indent + 2)
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "escaped":  # written as is between double quotes: YAML's escapes, valid or not
        return '"' + draw(st.sampled_from(ESCAPES)) + value.replace('"', "") + '"'
    if style == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'
    if style in ("literal", "folded"):
        chomp = draw(st.sampled_from(["", "-", "+"]))
        return ("|" if style == "literal" else ">") + chomp + "\n" + pad + value + "\n" + pad + "more"
    if style == "multiline":
        return value + "\n" + pad + draw(st.sampled_from(TRICKY))
    return value


@st.composite
def block(draw, keys: st.SearchStrategy[str], indent: int = 0, depth: int = 0) -> str:
    pad = " " * indent
    lines = []
    if draw(st.booleans()):
        for key in draw(st.lists(keys, min_size=1, max_size=4)):  # duplicates too: both paths must refuse them
            comment = draw(st.sampled_from(["", "", " # note", "  #yes"]))
            if depth < 3 and draw(st.integers(0, 3)) == 0:
                lines.append(f"{pad}{key}:{comment}\n" + draw(block(keys, indent + 2, depth + 1)))
            elif draw(st.integers(0, 6)) == 0:
                items = ", ".join(draw(st.lists(st.sampled_from(TRICKY), max_size=3)))
                first = items.split(", ")[0]
                flow = draw(st.sampled_from([f"[{items}]", f"{{k: {first}}}", f'{{"k":{first}, "j":[{items}]}}', f"{{'k':{first}}}"]))
                lines.append(f"{pad}{key}: {flow}{comment}\n")
            else:
                lines.append(f"{pad}{key}: {draw(scalar(indent))}{comment}\n")
    else:
        for _ in range(draw(st.integers(1, 3))):
            if depth < 3 and draw(st.integers(0, 3)) == 0:
                lines.append(f"{pad}-\n" + draw(block(keys, indent + 2, depth + 1)))
            else:
                lines.append(f"{pad}- {draw(scalar(indent))}\n")
    return "".join(lines)


@st.composite
def document(draw, keys: st.SearchStrategy[str] = WORD) -> str:
    text = draw(st.sampled_from(["", "# yaml-language-server: $schema=x\n", "---\n"])) + draw(block(keys))
    text += draw(st.sampled_from(["", "", "...\n", "# end\n"]))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("yamlfast")


def _check_text(directory: Path, text: str) -> None:
    path = directory / "x.yml"
    path.write_bytes(text.encode("utf-8"))
    _assert_same_reading(path)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_generated_documents_read_alike(scratch, text):
    _check_text(scratch, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document(keys=NAME))
def test_generated_documents_with_plain_keys_read_alike(scratch, text):
    _check_text(scratch, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab019.:-+_eoxy #'\"\\[]{},&*!|>?%~<=\n\t\r\x85\u2028\ufeff\x7f\xa0", max_size=40))
def test_arbitrary_yaml_like_text_reads_alike(scratch, text):
    _check_text(scratch, text)


# --- The cheaper pre-checks decide as the expressions they replaced.


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F) | st.sampled_from("\x85\u200b\u202e\xa0é"), max_size=30))
def test_invisible_character_scan_matches_the_expression(text):
    from tradetalks.build.yamldoc import UNSEEN, _may_hold_unseen

    assert _may_hold_unseen(text) == (UNSEEN.search(text) is not None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t?:-[{a\n\r\x85\u2028é\ud800", max_size=150))
def test_depth_bound_matches_the_expression(text):
    import re

    from tradetalks.build.yamldoc import MAX_DEPTH, _indented

    before = len(re.findall(r"[\[{]", text)) + 2 * max(map(len, re.findall(r"^[ \t?:-]*", text, re.M)), default=0) + 2 <= MAX_DEPTH
    room = MAX_DEPTH - 2 - text.count("[") - text.count("{")
    assert before == (room >= 0 and not _indented(text, room // 2 + 1))


@pytest.mark.parametrize("key", TRICKY)
def test_a_known_field_name_is_never_taken_for_text_that_yaml_11_reads_otherwise(key):
    from tradetalks.build.yamldoc import _Loader

    knowing = yamlfast.make_reader(_Loader.yaml_implicit_resolvers, [key, "a"])
    plain = yamlfast.make_reader(_Loader.yaml_implicit_resolvers)
    for text in (f"{key}: 1\n", f"a:\n  {key}: [x]\n", f"- {{{key}: x, a: y}}\n"):
        assert (knowing(text) is DISAGREE) == (plain(text) is DISAGREE), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F) | st.sampled_from("\x85\x9f\u202e\u2066\xa0é"), min_size=1, max_size=30))
def test_refused_character_check_of_a_raw_text_matches_the_expression(scratch, text):
    from tradetalks.build.sources import _TEXT_REFUSED, read_article_text

    path = scratch / "x.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        read_article_text(path, "x.txt")
        refused = False
    except DatasetError as exc:
        refused = "not accepted in raw texts" in exc.problems[0].message
    assert refused == (text.strip() != "" and "\x00" not in text and _TEXT_REFUSED.search(text) is not None)


def test_a_file_larger_than_one_read_is_read_whole(tmp_path):
    from tradetalks.build.yamldoc import read_regular

    path = tmp_path / "x.yml"
    data = b"a: " + b"b" * (3 << 20) + b"\n"
    path.write_bytes(data)
    assert read_regular(path, "x.yml", len(data)) == data
    assert read_regular(tmp_path / "x.yml", "x.yml", 1 << 30) == data
    with pytest.raises(DatasetError, match="bytes; at most"):
        read_regular(path, "x.yml", len(data) - 1)
    (tmp_path / "empty.yml").write_bytes(b"")
    assert read_regular(tmp_path / "empty.yml", "empty.yml", 10) == b""
