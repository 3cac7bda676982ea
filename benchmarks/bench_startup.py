"""The README's `tradetalks build` on the real dataset, as a whole process (start-up and imports included).

    uv run python benchmarks/bench_startup.py [--repeat 7] [--baseline REF] [--uv] [--no-cache] [--help-only]

Runs `python -m tradetalks build` in the repository root (the same entry point as the
`tradetalks` script; it writes build/working/, as the README's command does) and prints the
wall time and the CPU time (user + system of the process) as medians with (min-max). On a
shared machine the wall time says as much about the neighbours as about the command; the CPU
time is what the command costs on an idle one.

--baseline REF: the same command with the package sources of git ref REF (extracted to a
    temporary directory and put first on PYTHONPATH; same interpreter, same dependencies),
    interleaved with this tree's runs, and the ratio of the medians. It writes its build to
    build/bench-baseline/ (its build cache stays in build/cache/, beside this tree's), so that
    neither replaces the files the other's next run starts from.
--uv: also time `uv run tradetalks build`, the README's exact command (uv's own start-up added).
--no-cache: pass `--no-cache` to the build (every article computed afresh); without it, every
    timed run after the warm-up reuses build/cache/, as a contributor's second build does.
--help-only: time `tradetalks --help` instead of the build: the start-up alone, what a user who
    types the command to see what it does waits for (target: under 0.3 s).
--cold-imports: every run compiles every Python module from source (no bytecode cache), as where
    PYTHONDONTWRITEBYTECODE is set; by default the bytecode caches are written by the warm-up run
    and used after, as on a user's machine (see benchmarks.process_env).
"""

from __future__ import annotations

import argparse
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


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of `cmd` in the repository root."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def summary(name: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    mw, mc = statistics.median(wall), statistics.median(cpu)
    print(f"{name}: wall {mw:.2f} s ({min(wall):.2f}-{max(wall):.2f}), CPU {mc:.2f} s ({min(cpu):.2f}-{max(cpu):.2f})")
    return mw, mc


def baseline_env(ref: str, into: Path) -> dict:
    """An environment whose `import tradetalks` finds the sources of git ref `ref`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "src"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return {**os.environ, "PYTHONPATH": str(into / "src")}


sys.path.insert(0, str(REPO))
from benchmarks import process_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline", default=None, help="a git ref to compare with (e.g. main)")
    parser.add_argument("--uv", action="store_true", help="also time `uv run tradetalks build`")
    parser.add_argument("--no-cache", action="store_true", help="pass --no-cache to the build")
    parser.add_argument("--cold-imports", action="store_true", help="no bytecode cache: every module compiled at every run")
    parser.add_argument("--help-only", action="store_true", help="time `tradetalks --help` instead of the build")
    args = parser.parse_args()
    what = ["--help"] if args.help_only else ["build", *(["--no-cache"] if args.no_cache else [])]
    tmp = Path(tempfile.mkdtemp(prefix="tradetalks-bench-startup-"))
    cold = tmp / "pycache" if args.cold_imports else None
    print("bytecode caches:", "none (every module compiled at every run)" if cold else "written by the warm-up run, then used")
    commands: dict[str, tuple[list[str], dict | None]] = {"this tree": ([sys.executable, "-m", "tradetalks", *what], process_env(None, cold))}
    try:
        if args.baseline:
            baseline_what = what if args.help_only else [*what[:1], "--out", "build/bench-baseline", *what[1:]]
            commands[args.baseline] = ([sys.executable, "-m", "tradetalks", *baseline_what], process_env(baseline_env(args.baseline, tmp), cold))
        if args.uv and shutil.which("uv"):
            commands[f"uv run tradetalks {' '.join(what)}"] = (["uv", "run", "tradetalks", *what], process_env(None, cold))
        for cmd, env in commands.values():
            timed(cmd, env)  # warm the OS file cache and the bytecode caches
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeat):  # interleaved, so drift in the machine's load hits every command alike
            for name, (cmd, env) in commands.items():
                runs[name].append(timed(cmd, env))
        medians = {name: summary(name, r) for name, r in runs.items()}
        if args.baseline:
            (w, c), (bw, bc) = medians["this tree"], medians[args.baseline]
            print(f"this tree / {args.baseline}: wall {w / bw:.2f}x, CPU {c / bc:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
