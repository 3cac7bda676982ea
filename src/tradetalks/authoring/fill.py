"""`tradetalks fill`: write what a contributor never types by hand into dataset YAML files.

- every dataset file: the yaml-language-server modeline on the first line (editors then check
  and complete the file against its schema while it is typed);
- an article file: `article_id` (its file name) and `text_sha256` (of its .txt, which is only read);
- people.yml: the `person_id` of an entry that has a `name` but no id (the name as a slug).

The file is edited as text: only the lines of those values change; comments, quoting, order and
layout of everything else stay exactly as they were.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tradetalks.contract.input_files import ARTICLE_ID
from tradetalks.contract.modeline import REGISTRIES, kind_of, modeline, parse
from tradetalks.errors import DatasetError
from tradetalks.pipeline.sources import read_article_text
from tradetalks.pipeline.yamldoc import read_yaml


@dataclass
class Filled:
    """What fill did (or would do) to one file."""

    path: str
    changes: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # what fill could not do, for a person to finish
    text: str = ""


def slug(name: str) -> str:
    """'Wang Wentao' -> 'wang-wentao'; accents dropped ('Zoë Ó Briain' -> 'zoe-o-briain')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:80].strip("-")


def _scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as the same string: plain when it can be, else quoted."""
    try:
        same = yaml.safe_load(value) == value
    except yaml.YAMLError:
        same = False
    return value if same and value.strip() == value else json.dumps(value, ensure_ascii=False)


def dataset_files(root: Path) -> list[Path]:
    """Every dataset YAML file under `root`, registries first."""
    dataset = Path(root) / "dataset"
    registries = [dataset / f"{name}.yml" for name in REGISTRIES if (dataset / f"{name}.yml").exists()]
    return registries + sorted((dataset / "articles").glob("*.yml"))


def fill_file(path: Path, root: Path, *, write: bool = True) -> Filled:
    """Fill one dataset YAML file; with `write`, save it when something changed."""
    # Load inputs.
    root, path = Path(root), Path(path)
    if not path.is_absolute() and (root / path).exists():
        path = root / path
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    kind = kind_of(rel)
    if kind is None:
        raise DatasetError.one(
            rel,
            None,
            None,
            "not a dataset YAML file; fill takes dataset/articles/<article_id>.yml, dataset/people.yml, dataset/events.yml or dataset/measures.yml",
        )
    if not path.is_file():
        raise DatasetError.one(rel, None, None, "no such file")
    doc = read_yaml(path, rel)
    text = path.read_bytes().decode("utf-8")  # line endings as they are: YAML marks index this text
    newline = "\r\n" if "\r\n" in text else "\n"
    out = Filled(rel)

    # Process: values first (their offsets are those of the text as read), the modeline last.
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in `text`
    if kind == "article":
        edits += _article_edits(doc, text, path, rel, newline, out)
    elif kind == "people":
        edits += _people_edits(doc, text, newline, out)
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    text = _with_modeline(text, rel, kind, newline, out)
    out.text = text
    if write and out.changes:
        path.write_bytes(text.encode("utf-8"))
    return out


def _with_modeline(text: str, rel: str, kind: str, newline: str, out: Filled) -> str:
    line = modeline(rel, kind)
    first, sep, rest = text.partition("\n")
    if first.rstrip("\r") == line:
        return text
    if parse(first) is not None:
        out.changes.append(f"modeline corrected to {line!r}")
        return line + ("\r" if first.endswith("\r") else "") + sep + rest
    out.changes.append("modeline added")
    return line + newline + text


def _top_level(doc) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    node = doc.node
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return {}
    return {k.value: (k, v) for k, v in node.value}


def _set_value(text: str, key_node: yaml.Node, value_node: yaml.Node, new: str) -> tuple[int, int, str] | None:
    """An edit replacing the value after `key:` with `new`, or None when it already reads so."""
    start, end = value_node.start_mark.index, value_node.end_mark.index
    if start == end:  # `key:` with nothing after it: insert after the colon
        colon = text.index(":", key_node.end_mark.index) + 1
        return colon, colon, " " + new
    if text[start:end] == new:
        return None
    return start, end, new


def _article_edits(doc, text: str, path: Path, rel: str, newline: str, out: Filled) -> list[tuple[int, int, str]]:
    stem = path.stem
    if not re.fullmatch(ARTICLE_ID, stem) or len(stem) > 80:
        raise DatasetError.one(
            rel, None, "article_id", f"file name {stem!r} is not a valid article id (lower-case letters, digits and single hyphens); rename the .txt and .yml"
        )
    txt = path.with_suffix(".txt")
    if not txt.is_file():
        raise DatasetError.one(rel, None, "text_sha256", f"no raw text {rel[:-4]}.txt next to this file; add it first")
    _, sha = read_article_text(txt, rel[:-4] + ".txt")
    if doc.data is not None and not isinstance(doc.data, dict):
        raise DatasetError.one(rel, 1, None, "an article file is a mapping of fields (`article_id: ...`); found something else")
    wanted = {"article_id": _scalar(stem), "text_sha256": _scalar(sha)}
    if doc.node is not None and isinstance(doc.node, yaml.MappingNode) and doc.node.flow_style:
        raise DatasetError.one(rel, 1, None, "fill edits block-style YAML only (one `field: value` per line)")
    top = _top_level(doc)
    edits, missing = [], {}
    for key, value in wanted.items():
        if key in top:
            edit = _set_value(text, *top[key], value)
            if edit is not None:
                edits.append(edit)
                out.changes.append(f"{key} set")
        else:
            missing[key] = f"{key}: {value}"
            out.changes.append(f"{key} added")
    if missing:
        # New keys go where the seeds keep them: article_id first (after any leading comments),
        # text_sha256 after seed_file or article_id when they are there.
        first = doc.node.start_mark.index if isinstance(doc.node, yaml.MappingNode) and doc.node.value else len(text)
        prefix = newline if first == len(text) and text and not text.endswith("\n") else ""
        after = next((top[k][1] for k in ("seed_file", "article_id") if k in top), None)
        if "text_sha256" in missing and after is not None:
            at = text.find("\n", after.end_mark.index)
            at = len(text) if at < 0 else at + 1
            edits.append((at, at, ("" if at < len(text) or text.endswith("\n") else newline) + missing.pop("text_sha256") + newline))
        if missing:
            edits.append((first, first, prefix + newline.join(missing.values()) + newline))
    return edits


def _people_edits(doc, text: str, newline: str, out: Filled) -> list[tuple[int, int, str]]:
    top = _top_level(doc)
    if "people" not in top or not isinstance(top["people"][1], yaml.SequenceNode):
        return []
    taken = {p.get("person_id") for p in (doc.data or {}).get("people") or [] if isinstance(p, dict)}
    edits = []
    for i, entry in enumerate(top["people"][1].value):
        if not isinstance(entry, yaml.MappingNode) or not entry.value:
            continue
        keys = {k.value: v for k, v in entry.value}
        if "person_id" in keys or not isinstance(keys.get("name"), yaml.ScalarNode):
            continue
        pid = slug(keys["name"].value)
        if not pid or pid in taken:
            out.left.append(f"people[{i}]: the name's slug {pid!r} is already a person_id (or empty); write a person_id by hand")
            continue
        taken.add(pid)
        first = entry.value[0][0].start_mark
        sep = ", " if entry.flow_style else newline + " " * first.column
        edits.append((first.index, first.index, f"person_id: {_scalar(pid)}{sep}"))
        out.changes.append(f"people[{i}].person_id {pid!r} added")
    return edits
