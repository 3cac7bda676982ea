"""Writing the site's files: pages rendered from the templates, in forked workers when there are
many, into an output directory that holds nothing but the site.

    fresh_dir(out) -> Path          out, emptied if it holds an earlier site; refused otherwise
    Writer(out, env, rel).page(path, template, **context)
    parallel(w, fn, items, jobs)    fn(w, chunk) over items, in `jobs` forked processes
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tradetalks.site import data as sd
from tradetalks.site import html as site_html
from tradetalks.site import words
from tradetalks.site.data import SiteError

HERE = Path(__file__).parent
MARKER = ".tradetalks-site"


def parallel(w: Writer, fn, items: list, jobs: int) -> None:
    """Run fn(w, chunk) over items, in `jobs` forked processes when there are enough items."""
    if jobs <= 1 or len(items) < 50 or "fork" not in mp.get_all_start_methods():
        fn(w, items)
        return
    global _FORKED
    _FORKED = (w, fn)
    chunks = [items[k::jobs] for k in range(jobs)]
    with mp.get_context("fork").Pool(jobs) as pool:
        w.n += sum(pool.map(_run_forked, chunks))
    _FORKED = None


_FORKED: tuple[Writer, Callable[[Writer, list], object]] | None = None  # set by parallel before it forks


def _run_forked(chunk: list) -> int:
    if _FORKED is None:
        raise RuntimeError("_run_forked runs only in a worker forked by parallel, which sets _FORKED first")
    w, fn = _FORKED
    w.n = 0  # pages written by this worker; the parent adds them up
    fn(w, chunk)
    return w.n


class Writer:
    """Renders templates into files; knows each page's depth to make relative links."""

    def __init__(self, out: Path, env: Environment, rel: sd.Release):
        self.out, self.env, self.rel, self.n = out, env, rel, 0
        self.cells = site_html.Cells(rel)
        self.ctx: dict = {}  # what the pages being written share (forked workers inherit it)
        self.templates: dict = {}
        self.dirs: set[Path] = set()

    def page(self, path: str, template: str, **context) -> None:
        if template not in self.templates:
            self.templates[template] = self.env.get_template(template)
        html = self.templates[template].render(root="../" * path.count("/"), version=self.rel.version, **context)
        target = self.out / path
        if target.parent not in self.dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(target.parent)
        target.write_text(html, encoding="utf-8")
        self.n += 1


def env(rel: sd.Release) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["file"] = sd.safe_name
    env.filters["field"] = words.field
    env.filters["words"] = words.value
    ents = sd.entity_tables(rel)
    env.globals.update(nav=[(t, "People" if t == "people" else f"{sd.noun(t).capitalize()}s") for t in ents], entity_names=set(ents))
    return env


def fresh_dir(out: Path) -> Path:
    """out, emptied if it holds an earlier site; refused if it holds anything else."""
    if out.exists():
        if not out.is_dir():
            raise SiteError(f"{out}: expected a directory for the site, found a file; pass another --out")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SiteError(f"{out}: the directory is not empty and holds no earlier site ({MARKER}); pass an empty or new --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by `tradetalks site`; the whole directory is replaced on the next run\n", encoding="utf-8")
    return out
