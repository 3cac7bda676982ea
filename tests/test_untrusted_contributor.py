"""Hostile and careless contributions, second round: each is refused with file, line and field.

Each test fails if the protection it names is removed (the input then passes, hangs or crashes).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from conftest import EVENTS, PEOPLE, TEXT, article_meta, bare_meta, make_dataset, write_yaml
from tradetalks.errors import DatasetError, Problem, report_lines
from tradetalks.pipeline.run import build, check

ART = "dataset/articles/talks-next-week.yml"
TXT = "dataset/articles/talks-next-week.txt"


def refused(root: Path, *fragments: str) -> str:
    with pytest.raises(DatasetError) as info:
        check(root)
    text = "\n".join(map(str, info.value.problems))
    for fragment in fragments:
        assert fragment in text, text
    return text


def dataset_with(tmp_path: Path, text: str = TEXT, **changes) -> Path:
    return make_dataset(tmp_path, {"talks-next-week": (text, article_meta(text, **changes))})


def append_yaml(root: Path, rel: str, extra: str) -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


# --- YAML: duplicate keys, key types, tags, numbers, nesting ---------------------------------


def test_a_duplicate_key_is_refused_naming_both_lines(tmp_path):
    root = dataset_with(tmp_path)
    path = root / ART
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  speaker: scott-bessent")) + 1
    lines.insert(first, "  speaker: he-lifeng")  # a reviewer reads the first; YAML keeps the last
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused(root, f"{ART}:{first + 1} [speaker]: duplicate key 'speaker': also on line {first}")


@pytest.mark.parametrize("key, kind", [("1", "int"), ("~", "null"), ("on", "bool"), ("[a, b]", "seq"), ("2.5", "float")])
def test_keys_that_are_not_text_are_refused(tmp_path, key, kind):
    root = dataset_with(tmp_path)
    append_yaml(root, ART, f"{key}: x\n" if not key.startswith("[") else f"? {key}\n: x\n")
    refused(root, f"{ART}:", "mapping keys must be text", f"({kind})")


@pytest.mark.parametrize(
    "value, shown",
    [
        ("!foo x", "'!foo'"),
        ("!!binary aGVsbG8=", "binary"),
        ("!!set {a}", "set"),
        ("!!omap [a: 1]", "omap"),
        ("!!python/object:os.system x", "python/object"),
        ("!!timestamp 2025-10-18", "timestamp"),
    ],
)
def test_tags_outside_json_types_are_refused(tmp_path, value, shown):
    root = dataset_with(tmp_path)
    append_yaml(root, ART, f"notes: {value}\n")
    refused(root, f"{ART}:", "is not allowed in dataset files", shown)


def test_merge_keys_are_refused(tmp_path):
    root = make_dataset(tmp_path)
    (root / "dataset/events.yml").write_text(
        "events:\n  - event_id: a\n    <<: {event_type: call}\n    description: x\n    date_start: null\n    date_precision: null\n", encoding="utf-8"
    )
    refused(root, "dataset/events.yml:3: the merge key << is not allowed")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1" * 5000])
def test_numbers_must_be_finite_and_sane(tmp_path, value):
    root = dataset_with(tmp_path)
    text = (root / ART).read_text(encoding="utf-8").replace("rate_pct: 100", f"rate_pct: {value}")
    (root / ART).write_text(text, encoding="utf-8")
    found = refused(root, f"{ART}:", "[measures[0].claims.rate_pct]: expected a number from 0 to 1000", f"found the text {value[:40]!r}")
    assert found.count("\n") == 0, "one problem, in the file that holds the value"


@pytest.mark.parametrize("value", [".inf", ".nan"])
def test_a_registry_number_that_is_not_finite_is_named_in_the_registry_only(tmp_path, value):
    root = dataset_with(tmp_path)
    path = root / "dataset/measures.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("rate_pct: 100", f"rate_pct: {value}"), encoding="utf-8")
    found = refused(root, "dataset/measures.yml:", "[measures[0].rate_pct]: expected a number from 0 to 1000", f"found the text {value!r}")
    assert "unknown measure" not in found and ART not in found


def nesting_run(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    root = make_dataset(tmp_path)
    (root / "dataset/events.yml").write_text(body, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "tradetalks.cli", "validate", "--root", str(root)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("shape", ["flow-lists", "flow-maps", "block-maps", "block-lists"])
def test_deep_nesting_is_refused_before_libyaml_can_crash(tmp_path, shape):
    n = 60_000  # about 120 kB of brackets: libyaml's recursive composer overflows the C stack on this
    body = {
        "flow-lists": "events: " + "[" * n + "]" * n + "\n",
        "flow-maps": "events: " + "{a: " * n + "1" + "}" * n + "\n",
        "block-maps": "events:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1500)),
        "block-lists": "events:\n" + "- " * n + "x\n",
    }[shape]
    res = nesting_run(tmp_path, body)
    assert res.returncode == 1, (res.returncode, res.stderr[-500:])  # not -11 (SIGSEGV)
    assert "Traceback" not in res.stderr
    assert "dataset/events.yml:" in res.stderr and "nested more than 64 levels" in res.stderr


def test_moderate_nesting_and_many_brackets_in_text_are_fine(tmp_path):
    # Many brackets in quoted text make the cheap bound overflow; the exact count then passes it.
    root = dataset_with(tmp_path, notes=["[[[" * 30 + "{{{" * 30, "see [1] and {2}"])
    check(root)


# --- invisible and control characters ---------------------------------------------------------


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\u2060", "\ufeff", "\u00ad", "\x07"])
def test_invisible_characters_are_refused_in_typed_values(tmp_path, char):
    people = [
        {"person_id": "scott-bessent", "name": f"Scott{char} Bessent", "aliases": ["Scott Bessent", "Bessent"], "country": "USA"},
        {"person_id": "he-lifeng", "name": "He Lifeng", "aliases": ["He Lifeng"], "ambiguous_aliases": ["He"], "country": "CHN"},
    ]
    root = make_dataset(tmp_path, people=people)
    if char == "\x07":  # libyaml itself refuses raw control characters; written escaped they still arrive
        path = root / "dataset/people.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("\x07", "\\a"), encoding="utf-8")
    refused(root, "dataset/people.yml:", "[people[0].name]", f"U+{ord(char):04X}")


def test_an_alias_with_a_zero_width_space_is_refused(tmp_path):
    people = [
        {"person_id": "scott-bessent", "name": "Scott Bessent", "aliases": ["Scott Bessent", "Bes\u200bsent"], "country": "USA"},
        {"person_id": "he-lifeng", "name": "He Lifeng", "aliases": ["He Lifeng"], "ambiguous_aliases": ["He"], "country": "CHN"},
    ]
    refused(make_dataset(tmp_path, people=people), "[people[0].aliases[1]]", "U+200B (ZERO WIDTH SPACE)")


def test_invisible_characters_of_the_raw_text_are_allowed_in_verbatim_evidence(tmp_path):
    # A soft hyphen, a zero-width space and an emoji ZWJ sequence with a variation selector, as web text has them.
    title = "Trade talks\u00ad set for\u200b next week \U0001f468\u200d\U0001f4bc\u2764\ufe0f"
    text = TEXT.replace("Trade talks set for next week", title)
    meta = article_meta(text, title={"evidence": title})
    make_dataset(tmp_path, {"talks-next-week": (text, meta)})
    assert check(tmp_path).tables["articles"]["title"][0] == title


@pytest.mark.parametrize(
    "char, what", [("\u202e", "RIGHT-TO-LEFT OVERRIDE"), ("\u2067", "RIGHT-TO-LEFT ISOLATE"), ("\x1b", "control character"), ("\x0c", "control character")]
)
def test_bidi_overrides_and_controls_are_refused_in_raw_texts(tmp_path, char, what):
    root = dataset_with(tmp_path, TEXT.replace("Bessent wrote", f"Bessent {char}wrote"))
    refused(root, f"{TXT}:4:", what)


def test_utf16_without_bom_is_refused(tmp_path):
    root = make_dataset(tmp_path)
    (root / TXT).write_bytes(TEXT.encode("utf-16-le"))  # valid UTF-8 bytes, a NUL after every letter
    refused(root, f"{TXT}:1: contains NUL bytes", "UTF-16")


def test_the_hard_coded_format_characters_cover_unicode_cf():
    from tradetalks.pipeline.yamldoc import UNSEEN

    missing = [hex(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf" and not UNSEEN.match(chr(c))]
    assert missing == []
    assert not UNSEEN.match("\ufe0f") and not UNSEEN.match("a") and not UNSEEN.match("\n")


# --- files that are not what they seem ------------------------------------------------------


def test_a_symbolic_link_article_is_refused_and_its_target_never_read(tmp_path):
    root = make_dataset(tmp_path / "repo")
    secret = tmp_path / "secret.txt"
    secret.write_text("the build machine's private key\n", encoding="utf-8")
    (root / "dataset/articles/leak.txt").symlink_to(secret)
    meta = article_meta(secret.read_text(), article_id="leak")
    write_yaml(root / "dataset/articles/leak.yml", meta)
    refused(root, "dataset/articles/leak.txt: a symbolic link, not a regular file")


def test_a_symbolic_link_registry_is_refused(tmp_path):
    root = make_dataset(tmp_path / "repo")
    real = tmp_path / "people.yml"
    (root / "dataset/people.yml").rename(real)
    (root / "dataset/people.yml").symlink_to(real)
    refused(root, "dataset/people.yml: a symbolic link, not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_being_opened(tmp_path):
    root = make_dataset(tmp_path)
    os.mkfifo(root / "dataset/articles/pipe.txt")
    write_yaml(root / "dataset/articles/pipe.yml", article_meta(TEXT, article_id="pipe"))
    # In a subprocess with a timeout: opening the FIFO would block the build forever.
    res = subprocess.run([sys.executable, "-m", "tradetalks.cli", "validate", "--root", str(root)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "dataset/articles/pipe.txt: a FIFO (named pipe), not a regular file" in res.stderr


def test_a_directory_named_like_an_article_is_refused(tmp_path):
    root = make_dataset(tmp_path)
    (root / "dataset/articles/folder.txt").mkdir()
    write_yaml(root / "dataset/articles/folder.yml", article_meta(TEXT, article_id="folder"))
    refused(root, "dataset/articles/folder.txt: a directory, not a regular file")


@pytest.mark.parametrize("name", ["notes.md", ".DS_Store", "people.yaml", "extra"])
def test_unknown_files_in_dataset_are_refused(tmp_path, name):
    root = make_dataset(tmp_path)
    (root / "dataset" / name).write_text("x", encoding="utf-8")
    refused(root, f"dataset/{name}: unexpected file")


def test_unknown_files_in_articles_are_refused(tmp_path):
    root = make_dataset(tmp_path)
    (root / "dataset/articles/talks-next-week.txt.orig").write_text("x", encoding="utf-8")
    (root / "dataset/articles/sub").mkdir()
    refused(root, "dataset/articles/talks-next-week.txt.orig: unexpected file", "dataset/articles/sub: unexpected file")


@pytest.mark.parametrize("stem", ["con", "nul", "aux", "prn", "com1", "lpt9"])
def test_reserved_windows_device_names_are_refused_as_ids(tmp_path, stem):
    root = make_dataset(tmp_path, {stem: (TEXT, article_meta(TEXT, article_id=stem))})
    refused(root, f"dataset/articles/{stem}.yml [article_id]", "reserved device name on Windows")


def test_the_same_raw_text_under_two_ids_is_refused_naming_both(tmp_path):
    root = make_dataset(
        tmp_path,
        {
            "talks-next-week": (TEXT, article_meta(TEXT)),
            "talks-copy": (TEXT, article_meta(TEXT, article_id="talks-copy")),
        },
    )
    refused(root, "dataset/articles/talks-next-week.txt: the same raw text", "as dataset/articles/talks-copy.txt")


@pytest.mark.parametrize(
    "copy",
    [TEXT.replace("\n", "\r\n"), TEXT.replace("next week", "next week ", 1), TEXT.replace("Bessent", "Bes\u200bsent", 1), "\n" + TEXT],
    ids=["crlf", "trailing-space", "zero-width", "leading-newline"],
)
def test_the_same_text_resubmitted_with_other_whitespace_is_refused(tmp_path, copy):
    root = make_dataset(
        tmp_path,
        {
            "talks-next-week": (TEXT, article_meta(TEXT)),
            "talks-copy": (copy, article_meta(copy, article_id="talks-copy")),
        },
    )
    refused(
        root,
        "dataset/articles/talks-next-week.txt: the same text apart from whitespace, line ends or invisible characters",
        "as dataset/articles/talks-copy.txt",
    )


# --- meaning changed silently: aliases, claims, repeated annotations ------------------------------


@pytest.mark.parametrize(
    "alias, why", [("He", "a common English word"), ("Will", "a common English word"), ("President", "a title"), ("bessent", "written in lower case")]
)
def test_an_alias_that_is_an_ordinary_word_is_refused(tmp_path, alias, why):
    people = [
        {"person_id": "scott-bessent", "name": "Scott Bessent", "aliases": ["Scott Bessent", "Bessent", alias], "country": "USA"},
        {"person_id": "he-lifeng", "name": "He Lifeng", "aliases": ["He Lifeng"], "country": "CHN"},
    ]
    refused(make_dataset(tmp_path, people=people), "dataset/people.yml:", "[people[0].aliases]", why, "move it to ambiguous_aliases")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_start", "Oct 17", "expected a real calendar date like 2025-10-18 (YYYY-MM-DD), found the text 'Oct 17'"),
        ("date_start", "10000-01-01", "found the text '10000-01-01'"),
        ("date_start", "1066-10-14", "between 1900-01-01 and 2100-12-31"),
        ("date_start", 20251017, "found the number 20251017"),
        ("location", 5, "expected text like Geneva (or null), found the number 5"),
        ("participants", ["Not A Slug"], "[events[0].claims.participants[0]]"),
        ("weather", "sunny", "unknown field 'weather'"),
    ],
)
def test_event_claims_are_type_and_range_checked(tmp_path, field, value, message):
    meta = article_meta(TEXT)
    meta["events"][0]["claims"] = {field: value}
    root = make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    refused(root, f"{ART}:", message)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("rate_pct", 1e6, "expected a number from 0 to 1000 like 35.3 (or null), found the number 1000000.0"),
        ("rate_pct", -5, "expected a number from 0 to 1000 like 35.3 (or null), found the number -5"),
        ("rate_pct", "100%", "expected a number from 0 to 1000 like 35.3 (or null), found the text '100%'"),
        ("status", "rumoured", "expected one of"),
        ("effective_date", "2025-02-30", "real calendar date"),
        ("rate_basis", "total-ish", "expected one of"),
    ],
)
def test_measure_claims_are_type_and_range_checked(tmp_path, field, value, message):
    meta = article_meta(TEXT)
    meta["measures"][0]["claims"] = {field: value}
    root = make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    text = refused(root, f"{ART}:", f"[measures[0].claims.{field}]", message)
    assert "Traceback" not in text and "ValueError" not in text


@pytest.mark.parametrize("kind", ["quotes", "roles", "events", "measures", "not_mentions"])
def test_a_repeated_annotation_is_reported_at_its_line(tmp_path, kind):
    meta = article_meta(TEXT)
    meta[kind].append(copy.deepcopy(meta[kind][0]))
    root = make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    n = len(meta[kind]) - 1
    text = refused(root, f"[{kind}[{n}]]: repeats {kind}[0] (line ")
    assert "fails" not in text  # not a table uniqueness failure


@pytest.mark.parametrize("version", ["../../outside", "1.0", "1.0.0/x", "v1.0.0", "01.2.3"])
def test_a_version_that_is_not_semver_is_refused_by_build(tmp_path, version):
    root = make_dataset(tmp_path / "repo")
    with pytest.raises(DatasetError, match=r"\[version\]: expected a SemVer version"):
        build(root, tmp_path / "out", version=version)
    assert not (tmp_path / "out").exists() and not (tmp_path / "outside").exists()


def test_diff_refuses_a_manifest_whose_version_is_not_semver(tmp_path):
    from tradetalks.publishing.diff import diff_releases, required_bump

    root = make_dataset(tmp_path / "repo")
    rel = build(root, tmp_path / "out", version="1.0.0").release_dir
    manifest = json.loads((rel / "manifest.json").read_text())
    manifest["version"] = "1.0.0/../../x"
    (rel / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match="expected a SemVer version"):
        diff_releases(None, rel)
    with pytest.raises(DatasetError, match="expected a SemVer version"):
        required_bump("1.0.0", "2.0.0.dev")


# --- unbounded cost and output ------------------------------------------------------------


def test_output_is_bounded_and_summarised_by_kind():
    problems = [Problem("a.yml", i, f"quotes[{i}]", f"quotation span at {i}-{i + 9} is not accounted for; annotate it") for i in range(100_000)] + [
        Problem("b.yml", 1, None, "unknown person 'x'; add it")
    ]
    lines = report_lines(problems, 200)
    assert len(lines) < 230
    assert lines[200] == "and 99,801 more:"
    assert "  99,800 × quotation span at … is not accounted for" in lines
    assert len(str(DatasetError(problems))) < 50_000


def test_the_cli_prints_at_most_200_problems(tmp_path):
    meta = article_meta(TEXT)
    meta["not_quotes"] = [{"evidence": f"missing passage number {i}", "reason": "x"} for i in range(1_000)]
    root = make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    res = subprocess.run([sys.executable, "-m", "tradetalks.cli", "validate", "--root", str(root)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 1
    assert "1,000 problem(s) found" in res.stderr
    assert res.stderr.count("evidence not found") <= 200 + 5
    assert "and 800 more:" in res.stderr and "800 × evidence not found in the article text" in res.stderr


# --- confusable people: homoglyphs, decomposed accents, invisible characters, case and accents ------


def test_a_name_mixing_scripts_is_refused_naming_the_odd_letter(tmp_path):
    twin = {"person_id": "scott-bessent-2", "name": "Scott Bess\u0435nt", "aliases": ["Scott Bess\u0435nt"], "country": "USA"}
    root = make_dataset(tmp_path, people=[*PEOPLE, twin])
    refused(
        root,
        "dataset/people.yml:",
        "[people[2].name]: 'Scott Bessеnt' mixes Cyrillic and Latin letters in 'Bessеnt' ('е' (CYRILLIC SMALL LETTER IE)); retype it in one script",
        "[people[2].aliases[0]]",
    )


def test_an_alias_with_decomposed_accents_is_refused(tmp_path):
    decomposed = "Besse\u0301nt"
    people = [dict(PEOPLE[0], aliases=[*PEOPLE[0]["aliases"], decomposed])]
    root = make_dataset(tmp_path, people=[*people, PEOPLE[1]])
    refused(root, f"[people[0].aliases[2]]: {decomposed!r} is not in Unicode's composed form (NFC)")


def test_two_people_differing_only_by_case_or_accents_are_refused(tmp_path):
    twin = {"person_id": "scott-bessent-bis", "name": "SCOTT BESSÉNT", "aliases": ["SCOTT BESSÉNT"], "country": "USA"}
    root = make_dataset(tmp_path, people=[*PEOPLE, twin])
    refused(root, "[people[2].name]: 'SCOTT BESSÉNT' differs from 'scott-bessent'", "only by case or accents: one person registered twice?")


def test_an_invisible_character_inside_a_name_in_the_text_hides_no_mention(tmp_path):
    text = TEXT.replace("Scott Bessent", "Scott Bes\u200bsent")
    meta = article_meta(text)
    meta["roles"][0]["evidence"] = "Treasury Secretary Scott Bes\u200bsent"
    root = make_dataset(tmp_path, {"talks-next-week": (text, meta)})
    people = check(root).tables["evidence"].filter(pl.col("subject_id") == "scott-bessent")
    spans = people.filter(pl.col("evidence").str.contains("\u200b"))["evidence"].to_list()
    assert "Scott Bes\u200bsent" in spans


def test_a_span_under_quotes_and_under_not_quotes_is_refused(tmp_path):
    meta = article_meta(TEXT)
    meta["not_quotes"] = [{"evidence": "not sustainable", "reason": "a scare quote"}]
    root = make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})
    refused(root, "[not_quotes[0].evidence]: the same span", "is under quotes[1] (line", "a quotation is either a quote or not one")


def test_evidence_running_from_the_body_into_its_duplicated_copy_is_refused(tmp_path):
    body = "Talks set for Friday\nBessent will talk to Chinese officials on Friday, aides said.\n"
    text = body + body
    meta = bare_meta(
        text,
        article_id="talks-next-week",
        segments=[{"kind": "duplicate", "start": "Talks set for Friday", "occurrence": 2, "end": "aides said.", "reason": "the page repeats the story"}],
        events=[{"event": "bessent-he-call", "evidence": "aides said.\nTalks set for Friday", "occurrence": 1}],
    )
    event = dict(EVENTS[0], participants=["scott-bessent"])
    root = make_dataset(tmp_path, {"talks-next-week": (text, meta)}, people=[PEOPLE[0]], events=[event], measures=[])
    refused(root, "[events[0].evidence]: evidence at", "runs across an edge of the duplicated copy at")
