"""`tradetalks site` on the real dataset and on synthetic corpora: build time, pages, size; then
page-open time in Chromium.

    uv run python benchmarks/bench_site.py --real [--repeat 5] [--baseline HEAD~1]
    uv run python benchmarks/bench_site.py 1000 10000 [--repeat 3]
    uv run python benchmarks/bench_site.py --shots docs/

--real: the README's `tradetalks site` (the latest release in release/, into a fresh directory) as a
whole process, `--repeat` times; with --baseline REF, the same command with the package sources of
git ref REF (extracted to a temporary directory, first on PYTHONPATH; same interpreter and
dependencies), interleaved with this tree's runs, and the ratio of the medians. A ref from before
altair was dropped needs it: `uv run --with altair==6.3.0 python benchmarks/bench_site.py --real
--baseline 8d6c2d6`.

For each size: generate the corpus (benchmarks/synth.py), build its release, then time the whole
`tradetalks site` process (a fresh output directory each run; CPU time of the process and its
workers beside wall time). Page opens are measured in the system Chromium (playwright) with the
Navigation Timing API (loadEventEnd, ms) for the index, an article, the busiest person and the
timeline. Prints JSON lines, medians with (min-max).
"""

from __future__ import annotations

import argparse
import json
import os
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


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of a command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({env.get('PYTHONPATH') or 'this tree'}):\n{done.stderr[-2000:]}")
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def real(repeat: int, baseline: str | None) -> None:
    """The real dataset's site, this tree against `baseline`, runs interleaved."""
    from benchmarks import process_env

    release = latest_release()
    with tempfile.TemporaryDirectory() as tmp:
        envs = {"this tree": process_env()}
        if baseline:
            archive = subprocess.run(["git", "-C", str(REPO), "archive", baseline, "src"], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            envs[baseline] = process_env({**os.environ, "PYTHONPATH": str(Path(tmp) / "src")})
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
        for i in range(repeat + 1):  # the first round warms the file and bytecode caches; not counted
            for name, env in envs.items():
                out = Path(tmp) / f"site-{len(runs[name])}-{name.replace(' ', '-').replace('/', '-')}"
                result = timed([sys.executable, "-m", "tradetalks.cli", "site", str(release), "--out", str(out)], env)
                shutil.rmtree(out)
                if i:
                    runs[name].append(result)
        medians = {}
        for name, r in runs.items():
            wall, cpu = [w for w, _ in r], [c for _, c in r]
            medians[name] = (statistics.median(wall), statistics.median(cpu))
            print(
                f"{name}: site of {release.name} in {medians[name][0]:.2f} s wall ({min(wall):.2f}-{max(wall):.2f}), {medians[name][1]:.2f} s CPU, median of {repeat}"
            )
        if baseline:
            (w, c), (bw, bc) = medians["this tree"], medians[baseline]
            print(f"this tree / {baseline}: wall {w / bw:.2f}x, CPU {c / bc:.2f}x")


def latest_release() -> Path:
    versions = [p.parent for p in (REPO / "release").glob("*/manifest.json") if p.parent.name[:1].isdigit()]
    return max(versions, key=lambda p: tuple(int(x) if x.isdigit() else -1 for x in p.name.split(".")))


def pick_pages(release: Path) -> dict[str, str]:
    """One page of each kind, chosen from the data: the most quoted person, a disputed event and
    measure (the most reported), the article with the most quotations."""
    import polars as pl

    q = pl.read_parquet(release / "quotes.parquet")
    article = q.group_by("article_id").len().sort(["len", "article_id"], descending=[True, False])["article_id"][0]
    person = q.drop_nulls("speaker_id").group_by("speaker_id").len().sort(["len", "speaker_id"], descending=[True, False])["speaker_id"][0]
    pages = {"article": f"articles/{article}.html", "person": f"people/{person}.html"}
    for table, key, noun in (("events", "event_id", "event"), ("tariff_measures", "measure_id", "measure")):
        df = pl.read_parquet(release / f"{table}.parquet").sort(["disputed", "n_articles", key], descending=[True, True, False])
        pages[noun] = f"{table}/{df[key][0]}.html"
    return pages


PHONE_SHOTS = ("article", "person", "timeline")  # page kinds also shot on a phone


def shots(folder: Path, release: Path | None = None) -> None:
    """Screenshots of each page kind at 1400 px, and of some on a phone (390 px), into docs/."""
    from playwright.sync_api import sync_playwright

    release = release or latest_release()
    pages = pick_pages(release)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "tradetalks.cli", "site", str(release), "--out", str(site)], check=True, capture_output=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=FLAGS)
            for width, height, suffix in ((1400, 900, ""), (390, 844, "-phone")):
                ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1, has_touch=bool(suffix))
                page = ctx.new_page()
                for kind, rel in (*pages.items(), ("timeline", "timeline.html"), ("search", "search.html?q=tariff"), ("index", "index.html")):
                    if suffix and kind not in PHONE_SHOTS:
                        continue
                    url = (site / rel.split("?")[0]).as_uri() + ("?" + rel.split("?")[1] if "?" in rel else "")
                    page.goto(url)
                    if kind == "article":
                        mark = page.locator("#text mark.k-quote[tabindex='0']").nth(1)
                        mark.scroll_into_view_if_needed()
                        mark.click()
                        if not suffix:
                            page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(folder / f"site-{kind}{suffix}.png"))
                ctx.close()
            browser.close()
    print(f"wrote screenshots of {', '.join(pages)}, timeline, search and index to {folder}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="*")
    parser.add_argument("--repeat", type=int, default=None, help="runs per size (default 3; 5 with --real)")
    parser.add_argument("--real", action="store_true", help="time the site of the real dataset (the latest release)")
    parser.add_argument("--baseline", default=None, help="with --real: a git ref to compare with (e.g. HEAD~1)")
    parser.add_argument("--shots", type=Path, help="write screenshots of each page kind into this folder (docs/)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import generate

    if args.shots:
        shots(args.shots)
    if args.real:
        real(args.repeat or 5, args.baseline)
    args.repeat = args.repeat or 3
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
