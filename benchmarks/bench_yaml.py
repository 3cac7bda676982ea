"""Reading the article YAML files of a synthetic corpus: files/s per reader, medians with min-max.

    uv run python benchmarks/bench_yaml.py [N] [--repeat 7] [--baseline REF]

Readers, each timed over every file of the corpus (file read and UTF-8 decoding included):
  libyaml alone       yaml.load with CSafeLoader (no checks; dates become datetime.date)
  ryaml alone         ryaml.loads (no checks; the fast path's ceiling)
  read_yaml at REF    src/tradetalks/build/yamldoc.py as it was at REF (before the fast path)
  read_yaml careful   this tree's read_yaml(fast=False): the careful loader only
  read_yaml           this tree's read_yaml: the fast path where it provably agrees
Prints one JSON line per reader, and how many files the fast path served. The cyclic garbage
collector is paused while the readers run, as the build pauses it (pipeline._gc_paused); --gc keeps it on.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _yamldoc_at(ref: str):
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:src/tradetalks/build/yamldoc.py"], capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "yamldoc_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("yamldoc_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["yamldoc_baseline"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.read_yaml


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--gc", action="store_true", help="keep the cyclic garbage collector running")
    parser.add_argument("--baseline", default="e76f829", help="git ref of the read_yaml to compare with (default: the last commit before the fast path)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    import ryaml
    import yaml

    from benchmarks.synth import generate
    from tradetalks.build.yamldoc import _read_fast, read_yaml
    from tradetalks.build.yamlfast import DISAGREE

    baseline = _yamldoc_at(args.baseline)

    def libyaml(path: Path) -> object:
        return yaml.load(path.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader)

    def ryaml_alone(path: Path) -> object:
        return ryaml.loads(path.read_bytes().decode("utf-8"))

    readers = {
        "libyaml alone": libyaml,
        "ryaml alone": ryaml_alone,
        f"read_yaml at {args.baseline}": baseline,
        "read_yaml careful": lambda path: read_yaml(path, fast=False),
        "read_yaml": read_yaml,
    }
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted((generate(Path(tmp) / "corpus", args.n, seed=0) / "dataset" / "articles").glob("*.yml"))
        served = sum(_read_fast(path.read_text(encoding="utf-8")) is not DISAGREE for path in files)
        times: dict[str, list[float]] = {name: [] for name in readers}
        if not args.gc:
            gc.disable()
        for _ in range(args.repeat):  # interleaved, so that a busy moment of the machine hits every reader alike
            for name, read in readers.items():
                start = time.perf_counter()
                for path in files:
                    read(path)
                times[name].append(time.perf_counter() - start)
        gc.enable()
    for name, runs in times.items():
        median = statistics.median(runs)
        print(
            json.dumps(
                {
                    "reader": name,
                    "files": len(files),
                    "median_files_per_s": round(len(files) / median),
                    "min_files_per_s": round(len(files) / max(runs)),
                    "max_files_per_s": round(len(files) / min(runs)),
                    "median_ms_per_file": round(1000 * median / len(files), 3),
                }
            ),
            flush=True,
        )
    print(json.dumps({"fast_path_served": served, "files": len(files), "gc": "on" if args.gc else "paused"}))


if __name__ == "__main__":
    main()
