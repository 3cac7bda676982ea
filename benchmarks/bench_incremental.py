"""Rebuilding after a one-article edit (the build cache) against a full build, on a synthetic corpus.

    uv run python benchmarks/bench_incremental.py 10000 [100000] [--repeat 3] [--corpus DIR]

Per size, interleaved, each build a fresh child process (`CHILD` prints its in-process wall time
and stages; the whole process is timed around it):
- full:        `build(cache=False)` - every article computed, nothing reused or kept;
- incremental: one article's annotation edited (the first quote's `cue` changes, so the quotes
               table changes), then `build()` with the cache the previous build left.
Before the first round, one cached build fills the cache (its time is printed as "cold": a full
build that also writes the cache). Prints one JSON line per build, then medians (min-max) and the
ratio incremental / full per round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import process_env  # noqa: E402

CHILD = """
import json, resource, sys, time
from pathlib import Path
from tradetalks.build.pipeline import build
root, out, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "cache"
notes = []
t = time.perf_counter()
r = build(root, out, cache=cache, notes=notes)
print(json.dumps({"wall_s": round(time.perf_counter() - t, 3), "stages_s": {k: round(v, 3) for k, v in r.seconds.items()}, "notes": notes,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}))
"""


def run(root: Path, out: Path, cache: bool) -> dict:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", CHILD, str(root), str(out), "cache" if cache else "nocache"], capture_output=True, text=True, env=process_env())
    if res.returncode != 0:
        raise SystemExit(res.stderr[-3000:])
    row = json.loads(res.stdout.strip().splitlines()[-1])
    row["process_s"] = round(time.perf_counter() - t, 3)
    return row


def edit(yml: Path, round_: int) -> None:
    """A one-article change that reaches a table: the first quote's cue alternates."""
    text = yml.read_text(encoding="utf-8")
    cues = ("said", "told") if round_ % 2 == 0 else ("told", "said")
    marker = f"  cue: {cues[0]}\n"
    if marker not in text:
        cues = cues[::-1]
        marker = f"  cue: {cues[0]}\n"
    yml.write_text(text.replace(marker, f"  cue: {cues[1]}\n", 1), encoding="utf-8")


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="an existing synthetic corpus (benchmarks/synth.py) of the one size given")
    args = parser.parse_args()
    from benchmarks.synth import generate

    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = args.corpus if args.corpus is not None else generate(Path(tmp) / "corpus", n, seed=0)
            ymls = sorted((root / "dataset" / "articles").glob("*.yml"))
            target = ymls[len(ymls) // 2]
            original = target.read_bytes()
            out = Path(tmp) / "out"
            try:
                cold = run(root, out, cache=True)
                print(json.dumps({"articles": n, "build": "cold", **cold}), flush=True)
                full, incremental, ratios = [], [], []
                for i in range(args.repeat):
                    f = run(root, out, cache=False)
                    print(json.dumps({"articles": n, "build": "full", "run": i, **f}), flush=True)
                    edit(target, i)
                    inc = run(root, out, cache=True)
                    print(json.dumps({"articles": n, "build": "incremental", "run": i, **inc}), flush=True)
                    full.append(f["wall_s"])
                    incremental.append(inc["wall_s"])
                    ratios.append(inc["wall_s"] / f["wall_s"])
            finally:
                target.write_bytes(original)
            print(
                f"{n} articles: full {summary(full)}, one-article rebuild {summary(incremental)}, "
                f"ratio {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}); cold cached build {cold['wall_s']:.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
