"""Full build (sources -> release) on synthetic corpora: wall time, articles/s, peak memory, stages.

    uv run python benchmarks/bench_build.py 1000 10000 [100000] [--repeat 3]

Each size runs in a fresh child process; prints one JSON line per run. peak_rss_mb is that process's
peak; worker_peak_rss_mb the largest peak of its source-loading workers (0 below the parallel threshold),
so the build's memory is at most peak_rss_mb + workers x worker_peak_rss_mb.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import process_env  # noqa: E402

CHILD = """
import json, resource, sys, time
from pathlib import Path
from tradetalks.build.pipeline import build
root, out = Path(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
r = build(root, out, cache=False)  # a full build: every article computed (bench_incremental.py measures the cache)
wall = time.perf_counter() - t
print(json.dumps({"wall_s": round(wall, 3), "stages_s": {k: round(v, 3) for k, v in r.seconds.items()},
                  "rows": r.rows, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  # source-loading workers (large corpora only): the largest single worker's peak
                  "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}))
"""


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
            walls = []
            for i in range(args.repeat):
                res = subprocess.run(
                    [sys.executable, "-c", CHILD, str(root), str(Path(tmp) / f"out{i}")], capture_output=True, text=True, check=True, env=process_env()
                )
                run = json.loads(res.stdout.strip().splitlines()[-1])
                walls.append(run["wall_s"])
                print(json.dumps({"articles": n, "run": i, "articles_per_s": round(n / run["wall_s"]), **run}), flush=True)
            walls.sort()
            print(
                json.dumps(
                    {
                        "articles": n,
                        "median_wall_s": walls[len(walls) // 2],
                        "min_s": walls[0],
                        "max_s": walls[-1],
                        "median_articles_per_s": round(n / walls[len(walls) // 2]),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
