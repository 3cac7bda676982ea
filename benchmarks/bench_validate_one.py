"""Validating one article while it is written: `tradetalks validate dataset/articles/<id>.yml`, as a whole process.

    uv run python benchmarks/bench_validate_one.py 10000 100000 [--repeat 7] [--corpus /tmp/tradetalks-synth] [--full]

Each size's synthetic corpus (benchmarks/synth.py) is generated once under --corpus and reused.
Times, as the contributor waits for them (interpreter start and imports included; wall and CPU): the one-article
validate of a valid article and of the same article with one broken evidence string; with --full,
one full `tradetalks validate` for comparison. Prints medians (min-max).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import process_env  # noqa: E402
from benchmarks.synth import generate  # noqa: E402


def corpus(base: Path, n: int) -> Path:
    root = base / str(n)
    done = root / ".complete"
    if not done.exists():
        t = time.perf_counter()
        generate(root, n)
        done.write_text("")
        print(f"generated {n} articles in {time.perf_counter() - t:.0f} s", flush=True)
    return root


def run(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (user + system) of one whole process; CPU time is what a loaded machine inflates least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "tradetalks.cli", "validate", *args], capture_output=True, text=True, env=process_env())
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), res


def timed(args: list[str], repeat: int, expect: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, res = run(args)
        assert res.returncode == expect, res.stdout + res.stderr
        walls.append(wall)
        cpus.append(cpu)
    return walls, cpus


def show(label: str, times: tuple[list[float], list[float]]) -> None:
    walls, cpus = times
    print(
        f"  {label:<40} wall {statistics.median(walls):6.2f} s ({min(walls):.2f}-{max(walls):.2f})"
        f"   cpu {statistics.median(cpus):6.2f} s ({min(cpus):.2f}-{max(cpus):.2f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/tradetalks-synth"))
    parser.add_argument("--full", action="store_true", help="also time one full `tradetalks validate`")
    args = parser.parse_args()
    show("`tradetalks validate --help` (start-up)", timed(["--help"], args.repeat, 0))
    for n in args.sizes:
        root = corpus(args.corpus, n)
        article = f"synthetic-article-{n // 2:06d}"
        path = root / "dataset" / "articles" / f"{article}.yml"
        rel = f"dataset/articles/{article}.yml"
        print(f"{n} articles ({article}):", flush=True)
        show("one article, valid", timed(["--root", str(root), rel], args.repeat, 0))
        good = path.read_text(encoding="utf-8")
        try:
            path.write_text(good.replace("evidence: ", "evidence: Zzz ", 1), encoding="utf-8")
            show("one article, one evidence not found", timed(["--root", str(root), rel], args.repeat, 1))
        finally:
            path.write_text(good, encoding="utf-8")
        if args.full:
            show("full validate (once)", timed(["--root", str(root)], 1, 0))


if __name__ == "__main__":
    main()
