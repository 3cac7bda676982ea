"""Helpers for the site tests: a copy of the published release to alter, and an HTML reader."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]


def _latest(folder: Path) -> Path:
    versions = [p.parent for p in folder.glob("*/manifest.json") if p.parent.name[:1].isdigit()]
    return max(versions, key=lambda p: tuple(int(x) if x.isdigit() else -1 for x in p.name.split(".")))


RELEASE = _latest(REPO / "release")  # the data model the site draws today
FIRST_RELEASE = REPO / "release" / "1.0.0"  # an older data model it still draws


def copy_release(dest: Path, source: Path = RELEASE) -> Path:
    """A published release's manifest and Parquet tables, copied to dest (never edited in place)."""
    dest.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["tables"].values():
        shutil.copyfile(source / entry["path"], dest / entry["path"])
    (dest / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return dest


def put_table(release: Path, name: str, df: pl.DataFrame, key: str) -> None:
    """Write (or replace) a table in a release copy and list it in its manifest."""
    df.write_parquet(release / f"{name}.parquet")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["tables"].get(name) or {"columns": [{"name": c, "type": str(t), "nullable": True} for c, t in df.schema.items()]}
    entry.update(path=f"{name}.parquet", rows=df.height, primary_key=key)
    manifest["tables"][name] = entry
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


class Page(HTMLParser):
    """Every element's tag and attributes, and the text of each <mark data-row> fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.fragments: dict[str, list[tuple[int, int, str]]] = {}
        self.ids: set[str] = set()
        self.open_marks: list[list] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "mark" and "data-row" in a and "data-start" in a:
            self.open_marks.append([a["data-row"], int(a["data-start"]), int(a["data-end"]), []])

    def handle_endtag(self, tag):
        # Highlighted text holds only text and nested marks, so an end tag closes the innermost.
        if tag == "mark" and self.open_marks:
            row, start, end, parts = self.open_marks.pop()
            self.fragments.setdefault(row, []).append((start, end, "".join(parts)))

    def handle_data(self, data):
        for m in self.open_marks:
            m[3].append(data)

    def text_of(self, row: str) -> str:
        return "".join(t for _, _, t in sorted(self.fragments.get(row, [])))
