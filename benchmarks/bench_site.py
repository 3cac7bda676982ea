"""`tradetalks site` on synthetic corpora: build time, pages, size; then page-open time in Chromium.

    uv run python benchmarks/bench_site.py 1000 10000 [--repeat 3] [--release-dir DIR]
    uv run python benchmarks/bench_site.py --readme-shot docs/site-article.png

For each size: generate the corpus (benchmarks/synth.py), build its release, then time the whole
`tradetalks site` process (a fresh output directory each run; CPU time of the process and its
workers beside wall time). Page opens are measured in the system Chromium (playwright) with the
Navigation Timing API (loadEventEnd, ms) for the index, an article, the busiest person and the
timeline. Prints JSON lines, medians with (min-max).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def build_site(release: Path, out: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "tradetalks.cli", "site", str(release), "--out", str(out)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    stages = res.stdout.strip().splitlines()[-1].strip()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "pages": sum(p.suffix == ".html" for p in files),
        "mb": round(sum(p.stat().st_size for p in files) / 1e6),
        "largest_page_kb": round(max(p.stat().st_size for p in files if p.suffix == ".html") / 1e3),
        "stages": stages,
    }


def open_times(site: Path, repeat: int = 5) -> dict:
    from playwright.sync_api import sync_playwright

    people = sorted((site / "people").glob("*.html"), key=lambda p: p.stat().st_size)
    pages = {
        "index": site / "index.html",
        "article": max((site / "articles").glob("synthetic-article-*.html")),
        "busiest person": [p for p in people if "--" not in p.name and p.name != "index.html"][-1],
        "timeline": site / "timeline.html",
    }
    out = {}
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=FLAGS)
        page = ctx.new_page()
        for name, path in pages.items():
            ms = []
            for _ in range(repeat):
                page.goto(path.as_uri())
                ms.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            out[name] = {"median_ms": round(statistics.median(ms)), "min_ms": round(min(ms)), "max_ms": round(max(ms)), "kb": round(path.stat().st_size / 1e3)}
        ctx.close()
    return out


def readme_shot(path: Path) -> None:
    """The article screenshot for the README: the published release, a quotation selected."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as profile:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "tradetalks.cli", "site", str(REPO / "release" / "1.0.0"), "--out", str(site)], check=True)
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=FLAGS, viewport={"width": 1280, "height": 860}
            )
            page = ctx.new_page()
            page.goto((site / "articles" / "us-china-envoys-set-trade-talks.html").as_uri())
            mark = page.locator("#text mark.k-quote[tabindex='0']").nth(2)
            mark.scroll_into_view_if_needed()
            mark.click()
            page.evaluate("window.scrollBy(0, -120)")
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path))
            ctx.close()
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readme-shot", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import generate

    if args.readme_shot:
        readme_shot(args.readme_shot)
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = generate(Path(tmp) / "corpus", n, seed=0)
            subprocess.run(
                [sys.executable, "-m", "tradetalks.cli", "build", "--root", str(root), "--out", str(Path(tmp) / "release")], check=True, capture_output=True
            )
            release = Path(tmp) / "release"  # `build --out DIR` writes the working build into DIR itself
            runs = []
            for i in range(args.repeat):
                out = Path(tmp) / f"site{i}"
                runs.append(build_site(release, out))
                print(json.dumps({"articles": n, "run": i, **runs[-1]}), flush=True)
                if i < args.repeat - 1:
                    shutil.rmtree(out)
            walls = sorted(r["wall_s"] for r in runs)
            print(
                json.dumps(
                    {
                        "articles": n,
                        "median_wall_s": statistics.median(walls),
                        "min_s": walls[0],
                        "max_s": walls[-1],
                        "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
                    }
                ),
                flush=True,
            )
            print(json.dumps({"articles": n, "page_open": open_times(out)}), flush=True)


if __name__ == "__main__":
    main()
