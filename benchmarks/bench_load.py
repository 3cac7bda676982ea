"""The user's path as a whole process: `import tradetalks; tradetalks.load(table)` vs plain polars.

    uv run python benchmarks/bench_load.py [--repeat 20]                # the shipped release's quotes
    uv run python benchmarks/bench_load.py --rows 1000000 [--repeat 20] [--baseline main]  # 1M quotes

Every process reads the same file; prints wall and CPU time (user + system) as medians (min-max)
and the ratios to plain Polars, from interleaved runs. `--baseline REF` adds the loader of git
ref REF (its sources first on PYTHONPATH, same interpreter and dependencies).

With `--rows N`, a release-shaped directory is built first in a temporary cache: the shipped
release's tables, with `quotes` replaced by N synthetic rows of the real column schema, written
by the build's own writer (`write_table`, `table_entry`), under a manifest the loader pins
through `TRADETALKS_MANIFEST_SHA256` (as for a version newer than the package). `load()` then
does what it does for a downloaded release: manifest sha256 against the pin, every table's size
and sha256 against the manifest, the Parquet footer's rows and uncompressed size, then the read.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tradetalks.load import release_dir, sha256_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import process_env  # noqa: E402

VERSION = "99.0.0"  # a version no package pins: the loader checks the manifest against the user's sha256
WORDS = (
    "we will talk trade tariffs fair deal china united states markets export controls rare earths minerals partners "
    "respect progress meeting delegation president secretary minister time next week agreement framework truce "
    "sustainable pressure soybeans chips ports fees shipping sanctions talks constructive candid in-depth consensus "
    "both sides economic relations stability cooperation concerns measures retaliation leaders call summit"
).split()


def run(code: str, repeat: int, env: dict | None = None) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run; CPU is user + system time of the process."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=process_env(env))
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return times


def synthetic_quotes(rows: int, seed: int = 0):
    """`rows` quotes with the release's column schema: unique ids and texts, realistic value mixes.

    Categorical columns (kind, cue, channel, speaker...) are drawn from the shipped release's own
    rows; ids, texts, article ids and spans are made per row, so the file compresses like real
    text, not like 50 rows repeated.
    """
    import hashlib

    import polars as pl

    from tradetalks.contract.tables import polars_schema

    rng = random.Random(seed)
    real = pl.read_parquet(release_dir() / "quotes.parquet")
    picks = [rng.randrange(real.height) for _ in range(rows)]
    base = real[picks]
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(3, 35))).capitalize() + "." for _ in range(rows)]
    starts = [rng.randrange(20_000) for _ in range(rows)]
    n_articles = max(rows // 10, 1)
    made = pl.DataFrame(
        {
            "quote_id": [f"q_{hashlib.sha256(f'{seed}/{i}'.encode()).hexdigest()[:16]}" for i in range(rows)],
            "text": texts,
            "evidence": texts,
            "article_id": [f"synthetic-article-{rng.randrange(n_articles):07d}" for _ in range(rows)],
            "quote_group_id": [f"qg_{rng.getrandbits(64):016x}" for _ in range(rows)],
            "char_start": starts,
            "char_end": [s + len(t) for s, t in zip(starts, texts, strict=True)],
        }
    )
    schema = polars_schema("quotes")
    df = base.with_columns(made).select(list(schema))
    return df.cast(schema)  # type: ignore[arg-type]


def build_release(cache: Path, rows: int) -> tuple[Path, str]:
    """A cached release `VERSION` under `cache` with `rows` quotes; its directory and its manifest's sha256."""
    from tradetalks.pipeline.write import table_entry, write_table

    shipped = release_dir()
    manifest = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    root = cache / VERSION
    root.mkdir(parents=True)
    for entry in manifest["tables"].values():
        shutil.copyfile(shipped / entry["path"], root / entry["path"])
    t = time.perf_counter()
    df = synthetic_quotes(rows)
    path = root / manifest["tables"]["quotes"]["path"]
    write_table(df, "quotes", VERSION, path)
    manifest["tables"]["quotes"] = table_entry("quotes", df, path)
    manifest["version"] = VERSION
    manifest["files"] = {}  # the card, CSVs and bundle: not what load() reads
    manifest.pop("provenance", None)
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    digest = sha256_file(root / "manifest.json")
    (root / ".manifest.sha256").write_text(digest + "\n", encoding="ascii")  # what a finished fetch leaves
    size = path.stat().st_size
    print(f"built {rows:,} quotes in {time.perf_counter() - t:.1f} s: {path.name}, {size / 1e6:.1f} MB", file=sys.stderr)
    return root, digest


def compare(commands: dict[str, tuple[str, dict | None]], repeat: int) -> None:
    """Time each (code, env) as a whole process, interleaved; the first is compared with the last."""
    for code, env in commands.values():
        run(code, 2, env)  # warm the OS file cache
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):  # interleaved, so drift in the machine's load hits every command alike
        for name, (code, env) in commands.items():
            runs[name] += run(code, 1, env)
    for name, r in runs.items():
        wall, cpu = [w * 1000 for w, _ in r], [c * 1000 for _, c in r]
        print(
            f"{name}: wall {statistics.median(wall):.0f} ms ({min(wall):.0f}-{max(wall):.0f}), "
            f"CPU {statistics.median(cpu):.0f} ms ({min(cpu):.0f}-{max(cpu):.0f})"
        )
    names = list(commands)
    for name in names[:-1]:
        a, b = runs[name], runs[names[-1]]
        per_run = [x[0] / y[0] for x, y in zip(a, b, strict=True)]  # each pair ran back to back
        wall = statistics.median(w for w, _ in a) / statistics.median(w for w, _ in b)
        cpu = statistics.median(c for _, c in a) / statistics.median(c for _, c in b)
        print(f"ratio {name} / {names[-1]}: wall {wall:.2f}x (per-run {min(per_run):.2f}-{max(per_run):.2f}), CPU {cpu:.2f}x")


def baseline_env(ref: str, into: Path, env: dict | None = None) -> dict:
    """`env` (default: this process's) with the package sources of git ref `ref` first on PYTHONPATH."""
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(repo), "archive", ref, "src"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "release").symlink_to(repo / "release")  # a checkout's loader reads the shipped release from there
    return {**(env or os.environ), "PYTHONPATH": str(into / "src")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rows", type=int, default=0, help="build a release with this many quotes (0: the shipped release)")
    parser.add_argument("--baseline", default=None, help="also time the loader of this git ref (e.g. main)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tradetalks-bench-load-"))
    try:
        if args.rows:
            root, digest = build_release(tmp / "cache", args.rows)
            env: dict | None = {**os.environ, "TRADETALKS_CACHE": str(tmp / "cache"), "TRADETALKS_MANIFEST_SHA256": digest}
            ours = f"import tradetalks; df = tradetalks.load('quotes', version={VERSION!r}); assert df.height == {args.rows}"
            plain = f"import polars; df = polars.read_parquet({str(root / 'quotes.parquet')!r}); assert df.height == {args.rows}"
        else:
            env = None
            ours = "import tradetalks; tradetalks.load('quotes')"
            plain = f"import polars; polars.read_parquet({str(release_dir() / 'quotes.parquet')!r})"
        commands = {"tradetalks.load": (ours, env)}
        if args.baseline:
            (tmp / "baseline").mkdir()
            commands[f"tradetalks.load ({args.baseline})"] = (ours, baseline_env(args.baseline, tmp / "baseline", env))
        commands["polars.read_parquet"] = (plain, env)
        compare(commands, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
