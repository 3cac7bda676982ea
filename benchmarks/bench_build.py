"""Full build (sources -> release) on synthetic corpora: wall time, articles/s, peak memory, stages.

    uv run python benchmarks/bench_build.py 1000 10000 [100000] [--repeat 3] [--limit-mb 1000] [--cache]

Each size runs in a fresh child process; prints one JSON line per run. peak_rss_mb is that process's
peak; worker_peak_rss_mb the largest peak of its source-loading workers (0 below the parallel threshold),
so the build's memory is at most peak_rss_mb + workers x worker_peak_rss_mb. start_rss_mb: the
process's resident memory when the per-article stages begin (imports, registries, the corpus listed).

peak_anon_mb: the largest anonymous resident memory seen (sampled every 20 ms): what no file
backs. --limit-mb: each build runs in a fresh memory cgroup of that limit
(page cache and the worker processes included; no swap), the real test of what a build needs;
a run killed at the limit is reported with its return code (-9) and not timed.

--cache: each build with the build cache, starting from an empty `build/cache/` in the corpus (the
first `tradetalks build` of a fresh clone: every article computed, then recorded for the next).

Each build runs with Polars' allocator set as the command line sets it (`tradetalks.cli.ALLOCATOR`:
freed pages returned at once); --allocator-default: with jemalloc's own defaults instead.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import ANON_SAMPLER, process_env  # noqa: E402

CHILD = (
    ANON_SAMPLER
    + """
import json, resource, sys, time
from pathlib import Path
import shutil
from tradetalks.pipeline.run import build
root, out, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "cache"
if cache:
    shutil.rmtree(root / "build" / "cache", ignore_errors=True)  # a first build with the cache
start = []
def progress(step, done, total):
    if step == "articles" and not start:  # /proc/self/statm: resident pages (Linux)
        start.append(int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() if Path("/proc/self/statm").exists() else 0)
t = time.perf_counter()
r = build(root, out, cache=cache, progress=progress)  # a full build: every article computed (bench_incremental.py measures rebuilds from the cache)
wall = time.perf_counter() - t
print(json.dumps({"wall_s": round(wall, 3), "stages_s": {k: round(v, 3) for k, v in r.seconds.items()},
                  "rows": r.rows, "start_rss_mb": round(start[0] / 2**20) if start else None, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "peak_anon_mb": round(anon[0] / 2**20) if anon[0] else None,
                  # the per-article workers (large corpora only): the largest single worker's peak
                  "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}))
"""
)


@contextlib.contextmanager
def memory_cgroup(limit_mb: int) -> Iterator[tuple[Path, str]]:
    """A fresh memory cgroup limited to `limit_mb` (page cache included, no swap): its directory
    and the file that records its peak. Needs a writable cgroup file system (Linux, root)."""
    v2, v1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/memory")
    if (v2 / "cgroup.controllers").is_file() and "memory" in (v2 / "cgroup.subtree_control").read_text():
        group, limits, peak = v2 / f"tradetalks-bench-{os.getpid()}", {"memory.max": limit_mb * 2**20, "memory.swap.max": 0}, "memory.peak"
    elif v1.is_dir():
        group, limits, peak = v1 / f"tradetalks-bench-{os.getpid()}", {"memory.limit_in_bytes": limit_mb * 2**20}, "memory.max_usage_in_bytes"
    else:
        raise SystemExit("--limit-mb: no memory cgroup controller here")
    group.mkdir()
    try:
        for name, value in limits.items():
            if (group / name).exists():
                (group / name).write_text(str(value))
        yield group, peak
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()


def _enter(procs: str) -> None:
    """In the child, before it runs: into the cgroup (its workers follow it in)."""
    with open(procs, "w") as fh:
        fh.write(str(os.getpid()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="an existing synthetic corpus (benchmarks/synth.py) of the one size given")
    parser.add_argument("--limit-mb", type=int, help="run each build in a memory cgroup of this limit (Linux, root; no swap): does it finish, and how fast")
    parser.add_argument("--cache", action="store_true", help="with the build cache, from an empty build/cache/ each time")
    parser.add_argument("--allocator-default", action="store_true", help="Polars' allocator with its own defaults, not as `tradetalks` sets it")
    args = parser.parse_args()
    from benchmarks.synth import generate
    from tradetalks.cli import ALLOCATOR

    env = process_env() if args.allocator_default else process_env() | ALLOCATOR

    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = args.corpus if args.corpus is not None else generate(Path(tmp) / "corpus", n, seed=0)
            walls = []
            for i in range(args.repeat):
                command = [sys.executable, "-c", CHILD, str(root), str(Path(tmp) / f"out{i}"), "cache" if args.cache else "no-cache"]
                if args.limit_mb is None:
                    res = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
                    run = json.loads(res.stdout.strip().splitlines()[-1])
                else:
                    with memory_cgroup(args.limit_mb) as (group, peak):
                        enter = functools.partial(_enter, str(group / "cgroup.procs"))
                        res = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=enter)
                        usage = round(int((group / peak).read_text()) / 2**20) if (group / peak).exists() else None
                    if res.returncode != 0:  # killed at the limit (SIGKILL: -9), or failed
                        print(
                            json.dumps({"articles": n, "run": i, "limit_mb": args.limit_mb, "returncode": res.returncode, "cgroup_peak_mb": usage}), flush=True
                        )
                        continue
                    run = json.loads(res.stdout.strip().splitlines()[-1]) | {"limit_mb": args.limit_mb, "cgroup_peak_mb": usage}
                walls.append(run["wall_s"])
                print(json.dumps({"articles": n, "run": i, "cache": args.cache, "articles_per_s": round(n / run["wall_s"]), **run}), flush=True)
            if not walls:
                print(json.dumps({"articles": n, "limit_mb": args.limit_mb, "finished": 0}), flush=True)
                continue
            walls.sort()
            summary = {
                "articles": n,
                "median_wall_s": walls[len(walls) // 2],
                "min_s": walls[0],
                "max_s": walls[-1],
                "median_articles_per_s": round(n / walls[len(walls) // 2]),
            }
            print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
