"""The contributor-facing format: published schemas, modelines, the field reference, and `fill`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import EVENTS, REPO, TEXT, article_meta, make_dataset, write_yaml
from tradetalks.authoring.fill import dataset_files, fill_file, slug
from tradetalks.authoring.suggest import suggest
from tradetalks.contract.input_files import FILE_SCHEMAS, KINDS, schema_file
from tradetalks.contract.modeline import kind_of, modeline, parse, resolve
from tradetalks.contract.schema_files import REFERENCE, outputs, stale
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import check

ARTICLES = sorted((REPO / "dataset" / "articles").glob("*.yml"))
SAMPLE = REPO / "dataset" / "articles" / "bessent-he-talks-set-for-next-week.yml"


def _fields(schema: dict, path: str = ""):
    """(path, schema) of every property of every object in `schema`, nested ones included."""
    for name, field in schema.get("properties", {}).items():
        yield f"{path}{name}", field
        yield from _nested(field, f"{path}{name}")


def _nested(field: dict, path: str):
    if field.get("type") == "object" and "properties" in field:
        yield from _fields(field, path + ".")
    if isinstance(field.get("items"), dict):
        yield from _nested(field["items"], path + "[]")
    for alternative in field.get("anyOf", []):
        yield from _nested(alternative, path)


ALL_FIELDS = [(kind, path, field) for kind in KINDS for path, field in _fields(FILE_SCHEMAS[kind])]


# Published files.


def test_committed_schemas_and_reference_are_what_the_generator_writes():
    assert stale(REPO) == [], "run `tradetalks schemas --write` and commit the result"


def test_stale_notices_a_changed_file(tmp_path):
    for rel, text in outputs().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert stale(tmp_path) == []
    path = tmp_path / schema_file("people")
    path.write_text(path.read_text(encoding="utf-8").replace('"minLength": 1', '"minLength": 2', 1), encoding="utf-8")
    assert stale(tmp_path) == [schema_file("people")]


def test_schemas_commands_check_and_write(tmp_path):
    module = [sys.executable, "-m", "tradetalks.contract"]
    assert subprocess.run([*module, "--check", "--root", str(REPO)], capture_output=True, timeout=120).returncode == 0
    assert subprocess.run([*module, "--check", "--root", str(tmp_path)], capture_output=True, timeout=120).returncode == 1
    cli = [sys.executable, "-m", "tradetalks.cli", "schemas", "--root", str(tmp_path)]
    assert subprocess.run([*cli, "--write"], capture_output=True, timeout=120).returncode == 0
    assert subprocess.run(cli, capture_output=True, timeout=120).returncode == 0
    assert stale(tmp_path) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_published_schema_is_a_valid_draft_2020_12_schema_with_identity(kind):
    schema = json.loads((REPO / schema_file(kind)).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/" + schema_file(kind))
    assert schema["title"] and schema["description"]
    assert schema == FILE_SCHEMAS[kind]  # the build validates with exactly what is published


@pytest.mark.parametrize(("kind", "path", "field"), ALL_FIELDS, ids=[f"{k}:{p}" for k, p, _ in ALL_FIELDS])
def test_every_field_has_a_description_and_valid_examples(kind, path, field):
    assert len(field.get("description", "")) >= 20, f"{kind} {path}: describe the field for contributors"
    examples = field.get("examples")
    assert examples, f"{kind} {path}: give an example"
    validator = jsonschema.Draft202012Validator(field, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for example in examples:
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"{kind} {path}: example {example!r} breaks its own field: {errors}"


def test_closed_sets_are_enums_and_the_reference_lists_them():
    page = (REPO / REFERENCE).read_text(encoding="utf-8")
    enums = [(path, field["enum"]) for _, path, field in ALL_FIELDS if "enum" in field]
    assert {"kind", "channel", "event_type", "instrument", "status", "date_tense"} <= {p.rsplit(".", 1)[-1] for p, _ in enums}
    for _, values in enums:
        for value in values:
            assert ("`null`" if value is None else f"`{value}`") in page


def test_reference_names_every_field_with_its_description():
    page = (REPO / REFERENCE).read_text(encoding="utf-8")
    for _, path, field in ALL_FIELDS:
        name = path.rsplit(".", 1)[-1].removesuffix("[]")
        assert f"| `{name}` |" in page, path
        assert field["description"].replace("|", "\\|") in page, path


def test_contributing_links_the_reference_and_the_editor_setup():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "docs/reference.md" in text
    assert "yaml-language-server" in text and ".vscode/settings.json" in text
    assert "tradetalks fill" in text


# Modelines and editor settings.


@pytest.mark.parametrize("path", dataset_files(REPO), ids=lambda p: p.name)
def test_every_dataset_file_starts_with_a_modeline_to_its_own_schema(path):
    rel = path.relative_to(REPO).as_posix()
    kind = kind_of(rel)
    assert kind is not None
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    named = parse(first)
    assert named is not None, f"{rel}: first line {first!r} is not a modeline; run `tradetalks fill {rel}`"
    target = REPO / resolve(rel, named)
    assert target.is_file(), f"{rel}: the modeline points at {named!r}, which does not exist"
    assert json.loads(target.read_text(encoding="utf-8"))["$id"] == FILE_SCHEMAS[kind]["$id"]


def test_every_kind_has_dataset_files():
    kinds = {kind_of(p.relative_to(REPO).as_posix()) for p in dataset_files(REPO)}
    assert kinds == set(KINDS)


def test_vscode_settings_map_every_file_kind_to_its_schema():
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = {Path(schema).as_posix().removeprefix("./"): glob for schema, glob in settings["yaml.schemas"].items()}
    for kind, (key, _, _) in KINDS.items():
        assert mapping[schema_file(kind)] == ("dataset/articles/*.yml" if key is None else f"dataset/{kind}.yml")
        assert (REPO / schema_file(kind)).is_file()


def test_suggest_draft_starts_with_the_modeline():
    draft = suggest(TEXT, article_id="talks-next-week", people=[], reference_date=None)
    first = draft.split("\n", 1)[0]
    assert first == modeline("dataset/articles/talks-next-week.yml", "article")
    assert resolve("dataset/articles/talks-next-week.yml", parse(first)) == schema_file("article")


def test_validate_refuses_a_modeline_to_the_wrong_schema_and_accepts_a_missing_one(tmp_path):
    root = make_dataset(tmp_path)
    check(root)  # no modelines at all: valid (fill adds them)
    yml = root / "dataset" / "articles" / "talks-next-week.yml"
    yml.write_text("# yaml-language-server: $schema=../../schemas/people.schema.json\n" + yml.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DatasetError) as exc:
        check(root)
    [problem] = exc.value.problems
    assert problem.path == "dataset/articles/talks-next-week.yml" and problem.line == 1
    assert "../../schemas/article.schema.json" in problem.message and "tradetalks fill" in problem.message


# A schema-aware YAML checker, through the published schemas.


def _check_jsonschema(kind: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(REPO / schema_file(kind)), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_jsonschema_passes_every_real_dataset_file():
    for kind in KINDS:
        files = [p for p in dataset_files(REPO) if kind_of(p.relative_to(REPO).as_posix()) == kind]
        done = _check_jsonschema(kind, *files)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("field", "typo"), [("reference_date_note", "reference_date_notes"), ("speaker", "speakr")])
def test_check_jsonschema_flags_a_misspelt_field(tmp_path, field, typo):
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.split("\n")
    i = next(i for i, line in enumerate(lines) if line.lstrip(" -").startswith(f"{field}:"))
    lines[i] = lines[i].replace(f"{field}:", f"{typo}:", 1)
    bad = tmp_path / SAMPLE.name
    bad.write_text("\n".join(lines), encoding="utf-8")
    done = _check_jsonschema("article", bad)
    assert done.returncode != 0
    assert typo in done.stdout


def _yaml_language_server() -> str | None:
    return os.environ.get("YAML_LANGUAGE_SERVER") or shutil.which("yaml-language-server")


def _lsp_diagnostics(server: str, doc: Path, timeout: float = 60) -> list[dict]:
    """Open `doc` in yaml-language-server (offline: no schema store) and return its first diagnostics."""
    import select
    import time

    proc = subprocess.Popen([server, "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    settings = {"validate": True, "schemaStore": {"enable": False}, "schemas": {}}

    def send(message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

    buf = b""
    deadline = time.monotonic() + timeout
    try:
        send(
            {
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": doc.parent.as_uri(), "capabilities": {"workspace": {"configuration": True}}},
            }
        )
        send({"method": "initialized", "params": {}})
        send({"method": "workspace/didChangeConfiguration", "params": {"settings": {"yaml": settings}}})
        send(
            {
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": doc.as_uri(), "languageId": "yaml", "version": 1, "text": doc.read_text(encoding="utf-8")}},
            }
        )
        while time.monotonic() < deadline:
            if b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                size = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
                if len(rest) >= size:
                    buf, message = rest[size:], json.loads(rest[:size])
                    if "id" in message and "method" in message:  # a request to the client
                        items = message.get("params", {}).get("items", [])
                        send({"id": message["id"], "result": [settings] * len(items) if message["method"] == "workspace/configuration" else None})
                    elif message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == doc.as_uri():
                        return message["params"]["diagnostics"]
                    continue
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                break
            buf += chunk
    finally:
        proc.kill()
        proc.wait()
    raise AssertionError("yaml-language-server sent no diagnostics")


@pytest.mark.skipif(
    _yaml_language_server() is None, reason="yaml-language-server not installed (npm install yaml-language-server; or set YAML_LANGUAGE_SERVER to its path)"
)
def test_yaml_language_server_flags_a_misspelt_field_through_the_modeline(tmp_path):
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    articles = tmp_path / "dataset" / "articles"
    articles.mkdir(parents=True)
    good = articles / SAMPLE.name
    shutil.copy(SAMPLE, good)
    assert _lsp_diagnostics(_yaml_language_server(), good) == []
    bad = articles / "misspelt.yml"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace("\nreference_date_note:", "\nreference_date_notes:", 1), encoding="utf-8")
    messages = [d["message"] for d in _lsp_diagnostics(_yaml_language_server(), bad)]
    assert any("reference_date_notes" in m for m in messages), messages


# fill.


def _copy_article(tmp_path: Path, path: Path = SAMPLE) -> tuple[Path, Path]:
    root = tmp_path
    (root / "dataset" / "articles").mkdir(parents=True)
    yml = root / "dataset" / "articles" / path.name
    txt = yml.with_suffix(".txt")
    shutil.copy(path, yml)
    shutil.copy(path.with_suffix(".txt"), txt)
    return yml, txt


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_fill_restores_every_derivable_line_of_a_real_article_byte_for_byte(tmp_path, path):
    yml, txt = _copy_article(tmp_path, path)
    original, text_bytes = yml.read_bytes(), txt.read_bytes()
    lines = original.decode("utf-8").split("\n")
    typed = [line for line in lines[1:] if not line.startswith(("article_id:", "text_sha256:"))]
    yml.write_text("\n".join(typed), encoding="utf-8")
    done = fill_file(yml, tmp_path)
    assert sorted(done.changes) == ["article_id added", "modeline added", "text_sha256 added"]
    assert yml.read_bytes() == original
    assert txt.read_bytes() == text_bytes  # the raw text is only read
    assert fill_file(yml, tmp_path).changes == []  # idempotent


def test_fill_corrects_wrong_values_and_keeps_comments_and_layout(tmp_path):
    yml, txt = _copy_article(tmp_path)
    original = yml.read_text(encoding="utf-8")
    sha = hashlib.sha256(txt.read_bytes()).hexdigest()
    edited = original.replace(modeline(f"dataset/articles/{yml.name}", "article"), "# yaml-language-server: $schema=../people.schema.json")
    edited = edited.replace(f"text_sha256: {sha}", "text_sha256: 'paste me'  # from the .txt")
    edited = edited.replace(f"article_id: {yml.stem}", "article_id:")
    yml.write_text(edited, encoding="utf-8")
    done = fill_file(yml, tmp_path)
    assert sorted(done.changes) == [
        "article_id set",
        "modeline corrected to '# yaml-language-server: $schema=../../schemas/article.schema.json'",
        "text_sha256 set",
    ]
    expected = original.replace(f"text_sha256: {sha}", f"text_sha256: {sha}  # from the .txt")
    assert yml.read_text(encoding="utf-8") == expected


def test_fill_check_mode_writes_nothing(tmp_path):
    yml, _ = _copy_article(tmp_path)
    yml.write_text(yml.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    before = yml.read_bytes()
    assert fill_file(yml, tmp_path, write=False).changes == ["modeline added"]
    assert yml.read_bytes() == before


def test_fill_writes_person_ids_from_names_and_never_reuses_one(tmp_path):
    people = tmp_path / "dataset" / "people.yml"
    people.parent.mkdir(parents=True)
    people.write_text(
        "# registry comment\npeople:\n"
        "  - person_id: wang-wentao\n    name: Wang Wentao\n    aliases: [Wang Wentao]\n"
        "  - name: Zoë Ó Briain  # new\n    aliases:\n      - Ó Briain\n"
        "  - {name: Maroš Šefčovič, aliases: [Šefčovič]}\n"
        "  - name: Wang Wentao\n    aliases: [Wentao]\n",
        encoding="utf-8",
    )
    done = fill_file(people, tmp_path)
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    assert [p.get("person_id") for p in data["people"]] == ["wang-wentao", "zoe-o-briain", "maros-sefcovic", None]
    assert done.left and "wang-wentao" in done.left[0]
    text = people.read_text(encoding="utf-8")
    assert "  - person_id: zoe-o-briain\n    name: Zoë Ó Briain  # new\n" in text
    assert text.startswith(modeline("dataset/people.yml", "people") + "\n# registry comment\n")


def test_slug():
    assert slug("Wang Wentao") == "wang-wentao"
    assert slug("  Jean-Luc  O'Neill ") == "jean-luc-o-neill"
    assert slug("Maroš Šefčovič") == "maros-sefcovic"


def test_a_filled_draft_validates(tmp_path):
    # Written without article_id, text_sha256 or modeline: fill makes it valid.
    meta = article_meta(TEXT)
    del meta["article_id"], meta["text_sha256"]
    root = make_dataset(tmp_path)
    yml = root / "dataset" / "articles" / "talks-next-week.yml"
    write_yaml(yml, meta)
    with pytest.raises(DatasetError, match="is required but missing"):
        check(root)
    for path in dataset_files(root):
        fill_file(path, root)
    check(root)


def test_fill_cli_check_exit_codes(tmp_path):
    root = make_dataset(tmp_path)
    cmd = [sys.executable, "-m", "tradetalks.cli", "fill", "--root", str(root)]
    assert subprocess.run([*cmd, "--check"], capture_output=True, timeout=120).returncode == 1
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    assert subprocess.run([*cmd, "--check"], capture_output=True, timeout=120).returncode == 0


# A registry date is not typed again in an article.


def _anchored(tmp_path, date_text: str, claim: str, anchor_event: str = "bessent-he-call"):
    # The registry dates the call 2025-10-17; the article says the two "would meet" the day after
    # the call, and the meeting's own date is the one the article claims.
    meeting = {
        "event_id": "bessent-he-meeting",
        "event_type": "meeting",
        "description": "Bessent and He meet.",
        "date_start": "2025-10-18",
        "date_precision": "day",
    }
    meta = article_meta(TEXT)
    meta["events"].append(
        {"event": "bessent-he-meeting", "evidence": "would meet", "date_text": date_text, "date_anchor_event": anchor_event, "claims": {"date_start": claim}}
    )
    return make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)}, events=[*EVENTS, meeting])


def test_date_anchor_event_resolves_against_the_registered_date(tmp_path):
    # "tomorrow" from the call is the 18th; from the article's reference date (the 18th) it would be the 19th.
    check(_anchored(tmp_path, "tomorrow", "2025-10-18"))


def test_date_anchor_event_disagreement_is_reported(tmp_path):
    with pytest.raises(DatasetError) as exc:
        check(_anchored(tmp_path, "in 3 days", "2025-10-18"))
    [problem] = [p for p in exc.value.problems if p.field == "events[1].claims.date_start"]
    assert "resolved against 2025-10-17" in problem.message and problem.path == "dataset/articles/talks-next-week.yml"


def test_date_anchor_event_must_name_a_one_day_event(tmp_path):
    with pytest.raises(DatasetError) as exc:
        check(_anchored(tmp_path, "tomorrow", "2025-10-18", anchor_event="no-such-event"))
    assert "unknown event 'no-such-event'" in str(exc.value)


def _with_event(tmp_path, **item):
    meta = article_meta(TEXT)
    meta["events"] = [{"event": "bessent-he-call", "evidence": "on Friday", **item}]
    return make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)})


def test_date_claim_makes_the_same_rows_as_the_typed_date(tmp_path):
    typed = check(_with_event(tmp_path / "typed", date_text="on Friday", claims={"date_start": "2025-10-17"})).tables
    derived = check(_with_event(tmp_path / "derived", date_text="on Friday", date_claim="date_start")).tables
    for name in typed:
        assert typed[name].equals(derived[name]), name
    [row] = derived["evidence"].filter(derived["evidence"]["subject_table"] == "events").to_dicts()
    # An event's dates are one claim, an interval: here the day the words mean.
    assert (row["claim_field"], row["claim_value"], row["date_text"]) == ("date", "2025-10-17", "on Friday")
    assert (str(row["claim_date_start"]), str(row["claim_date_end"]), row["claim_date_precision"]) == ("2025-10-17", "2025-10-17", "day")


def test_date_claim_of_a_range_claims_its_first_and_last_day(tmp_path):
    events = [{**EVENTS[0], "date_start": "2025-10-06", "date_end": "2025-10-12", "date_precision": "range"}]
    meta = article_meta(TEXT)
    meta["events"] = [
        {"event": "bessent-he-call", "evidence": "Trade talks set for next week", "date_text": "last week", "date_claim": ["date_start", "date_end"]}
    ]
    tables = check(make_dataset(tmp_path, {"talks-next-week": (TEXT, meta)}, events=events)).tables
    rows = tables["evidence"].filter(tables["evidence"]["subject_table"] == "events").sort("claim_field")
    # The first and last day derived make one claim, the interval between them.
    assert rows.select("claim_field", "claim_value", "claim_date_precision").rows() == [("date", "2025-10-06/2025-10-12", "range")]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"date_text": "days later", "date_claim": "date_start"}, "is not a date expression the rules resolve"),
        ({"date_claim": "date_start"}, "which is missing"),
        ({"date_text": "on Friday", "date_claim": "date_start", "claims": {"date_start": "2025-10-17"}}, "both typed under claims and derived"),
    ],
)
def test_date_claim_problems_say_what_to_write(tmp_path, item, expected):
    with pytest.raises(DatasetError) as exc:
        check(_with_event(tmp_path, **item))
    found = [p for p in exc.value.problems if p.field == "events[0].date_claim"]
    assert found and expected in found[0].message, exc.value.problems


def test_a_date_claim_for_another_kind_is_refused_by_the_schema(tmp_path):
    with pytest.raises(DatasetError, match="date_claim"):
        check(_with_event(tmp_path, date_text="on Friday", date_claim="effective_date"))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("language: en\r\n", "{m}\r\narticle_id: a\r\ntext_sha256: {sha}\r\nlanguage: en\r\n"),
        ("# note\narticle_id: 123\nseed_file: null", "{m}\n# note\narticle_id: a\nseed_file: null\ntext_sha256: {sha}\n"),
        ("", "{m}\narticle_id: a\ntext_sha256: {sha}\n"),
    ],
)
def test_fill_keeps_line_endings_and_handles_sparse_files(tmp_path, before, after):
    articles = tmp_path / "dataset" / "articles"
    articles.mkdir(parents=True)
    (articles / "a.txt").write_bytes(b"Hello.\n")
    (articles / "a.yml").write_bytes(before.encode())
    fill_file(articles / "a.yml", tmp_path)
    expected = after.format(m=modeline("dataset/articles/a.yml", "article"), sha=hashlib.sha256(b"Hello.\n").hexdigest())
    assert (articles / "a.yml").read_bytes().decode() == expected


def test_fill_refuses_what_is_not_a_dataset_file(tmp_path):
    (tmp_path / "notes.yml").write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="not a dataset YAML file"):
        fill_file(tmp_path / "notes.yml", tmp_path)
