"""The user's path as a whole process: `import tradetalks; tradetalks.load('quotes')` vs plain polars.

    uv run python benchmarks/bench_load.py [--repeat 20]

Both read the same file (the shipped release's quotes.parquet); prints medians (min-max) and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from tradetalks.load import release_dir


def run(code: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    path = release_dir() / "quotes.parquet"
    ours = "import tradetalks; tradetalks.load('quotes')"
    plain = f"import polars; polars.read_parquet({str(path)!r})"
    run(ours, 2), run(plain, 2)  # warm the OS file cache
    a, b = [], []
    for _ in range(args.repeat):  # interleaved, so drift in the machine's load hits both alike
        a += run(ours, 1)
        b += run(plain, 1)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"tradetalks.load: {ma * 1000:.0f} ms ({min(a) * 1000:.0f}-{max(a) * 1000:.0f})")
    print(f"polars.read_parquet: {mb * 1000:.0f} ms ({min(b) * 1000:.0f}-{max(b) * 1000:.0f})")
    print(f"ratio: {ma / mb:.2f}x")


if __name__ == "__main__":
    main()
