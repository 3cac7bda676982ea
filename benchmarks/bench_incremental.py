"""Rebuilding after a one-article edit (the build cache) against a full build, on a synthetic corpus.

    uv run python benchmarks/bench_incremental.py 10000 [100000] [--repeat 3] [--corpus DIR]

Per size, interleaved, each build a fresh child process (`CHILD` prints its in-process wall time
and stages; the whole process is timed around it):
- full:        `build(cache=False)` - every article computed, nothing reused or kept (written to a
               directory of its own);
- incremental: one article edited, then `build()` with the cache the previous build left; per
               round one rebuild per kind of edit (`--edits`): `quote` (the first quote's cue:
               the quotes table changes), `note` (the first event mention's note: the evidence
               table changes), `text` (one letter of the text's footer and its text_sha256: the
               articles table changes).
Each line also gives the build's peak anonymous memory (`peak_anon_mb`, as in bench_build.py).
Before the first round, one cached build fills the cache (its time is printed as "cold": a full
build that also writes the cache). Prints one JSON line per build, then medians (min-max) and the
ratio incremental / full per round. Each build runs with Polars' allocator set as the command line
sets it (`tradetalks.cli.ALLOCATOR`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import ANON_SAMPLER, process_env  # noqa: E402
from tradetalks.cli import ALLOCATOR  # noqa: E402

CHILD = (
    ANON_SAMPLER
    + """
import json, resource, sys, time
from pathlib import Path
from tradetalks.pipeline.run import build
root, out, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "cache"
notes = []
t = time.perf_counter()
r = build(root, out, cache=cache, notes=notes)
print(json.dumps({"wall_s": round(time.perf_counter() - t, 3), "stages_s": {k: round(v, 3) for k, v in r.seconds.items()}, "notes": notes,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "peak_anon_mb": round(anon[0] / 2**20) if anon[0] else None,
                  "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}))
"""
)


def run(root: Path, out: Path, cache: bool) -> dict:
    t = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(out), "cache" if cache else "nocache"], capture_output=True, text=True, env=process_env() | ALLOCATOR
    )
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


def edit_note(yml: Path, round_: int) -> None:
    """An annotation change that reaches the evidence table: the first event mention's note alternates."""
    text = yml.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = lines.index("events:") + 1
    item = next(i for i in range(start, len(lines)) if lines[i].startswith("- event:"))
    nxt = next((i for i in range(item + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    note = next((i for i in range(item, nxt) if lines[i].startswith("  note:")), None)
    if note is not None:
        del lines[note]
    else:
        lines.insert(item + 1, f"  note: benchmark edit {round_}")
    yml.write_text("\n".join(lines), encoding="utf-8")


def edit_text(txt: Path, yml: Path, round_: int) -> None:
    """A change of the article's text (one letter of its related-links footer, outside every
    annotated span) with its text_sha256: the articles table changes."""
    raw = txt.read_text(encoding="utf-8")
    i = raw.index("ther headline") - 1  # "Other" or, after an earlier edit, "other"
    changed = raw[:i] + ("o" if raw[i] == "O" else "O") + raw[i + 1 :]
    txt.write_text(changed, encoding="utf-8")
    old_sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    new_sha = hashlib.sha256(changed.encode("utf-8")).hexdigest()
    yml.write_text(yml.read_text(encoding="utf-8").replace(old_sha, new_sha), encoding="utf-8")


EDITS = {
    "quote": lambda txt, yml, r: edit(yml, r),  # the quotes table changes
    "note": lambda txt, yml, r: edit_note(yml, r),  # the evidence table changes
    "text": edit_text,  # the articles table changes
}


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, help="an existing synthetic corpus (benchmarks/synth.py) of the one size given")
    parser.add_argument("--edits", default="quote,note,text", help=f"kinds of one-article edit, in each round after the full build: {', '.join(EDITS)}")
    args = parser.parse_args()
    kinds = args.edits.split(",")
    from benchmarks.synth import generate

    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = args.corpus if args.corpus is not None else generate(Path(tmp) / "corpus", n, seed=0)
            ymls = sorted((root / "dataset" / "articles").glob("*.yml"))
            yml = ymls[len(ymls) // 2]
            txt = yml.with_suffix(".txt")
            originals = {yml: yml.read_bytes(), txt: txt.read_bytes()}
            out = Path(tmp) / "out"  # the cached builds, one after the other, as a contributor's
            out_full = Path(tmp) / "out-full"  # the full builds: a baseline, not part of that chain
            shutil.rmtree(root / "build" / "cache", ignore_errors=True)  # a cold start, whatever ran before
            try:
                cold = run(root, out, cache=True)
                print(json.dumps({"articles": n, "build": "cold", **cold}), flush=True)
                full: list[float] = []
                incremental: dict[str, list[float]] = {kind: [] for kind in kinds}
                ratios: dict[str, list[float]] = {kind: [] for kind in kinds}
                for i in range(args.repeat):
                    f = run(root, out_full, cache=False)
                    print(json.dumps({"articles": n, "build": "full", "run": i, **f}), flush=True)
                    full.append(f["wall_s"])
                    for kind in kinds:
                        EDITS[kind](txt, yml, i)
                        inc = run(root, out, cache=True)
                        print(json.dumps({"articles": n, "build": f"incremental ({kind})", "run": i, **inc}), flush=True)
                        incremental[kind].append(inc["wall_s"])
                        ratios[kind].append(inc["wall_s"] / f["wall_s"])
            finally:
                for path, raw in originals.items():
                    path.write_bytes(raw)
            print(f"{n} articles: full {summary(full)}; cold cached build {cold['wall_s']:.2f} s", flush=True)
            for kind in kinds:
                r = ratios[kind]
                print(
                    f"  one-article rebuild, {kind} edit: {summary(incremental[kind])}, ratio {statistics.median(r):.3f} ({min(r):.3f}-{max(r):.3f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
