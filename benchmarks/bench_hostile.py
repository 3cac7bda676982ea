"""Worst cases an untrusted contribution can cause, and the cost of the checks on the happy path.

    uv run python benchmarks/bench_hostile.py [--articles 2000] [--baseline main]

Prints one JSON line per case:
- hint_*: a missing evidence (2,000 characters) in a 5 MB article: the closest-match hint.
- every_copy_*: an evidence that occurs on every other character of a 5 MB article.
- quotations_300k: `tradetalks validate` on an article with 300,000 tiny quotations, none annotated:
  wall time and bytes printed.
- nesting_120kb: a registry of 120 kB of `[` refused (in a child process: it must not crash).
- suggest_blank_*: `suggest` on 150 kB of blank lines (and of other runs; `repeated_lines`: one long
  line printed 300 times, a duplicate segment whose end text is searched), in a child process
  stopped after 60 s: the draft's rules must stay linear in the text.
- yaml_read_*: reading every annotation file of a synthetic corpus with this tree's reader and
  with the reader of git ref `--baseline` (interleaved runs, best of each), to show the cost of
  the duplicate-key, key-type, tag, depth and character checks.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def emit(case: str, **values) -> None:
    print(json.dumps({"case": case, **values}), flush=True)


def words_text(n_chars: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocab = ["trade", "talks", "tariff", "China", "US", "the", "of", "said", "Bessent", "He", "meeting", "week", "on", "rare", "earth"]
    out, size = [], 0
    while size < n_chars:
        w = rng.choice(vocab)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def bench_hint() -> None:
    from tradetalks.errors import LocateError
    from tradetalks.pipeline.locate import locate

    text = words_text(5_000_000)
    evidence = words_text(2_000, seed=1) + " zzz-not-in-the-text"
    t = time.perf_counter()
    try:
        locate(text, evidence)
    except LocateError as exc:
        message = str(exc)
    emit("hint_5mb_article_2000_char_evidence", seconds=round(time.perf_counter() - t, 3), message_chars=len(message))
    # The same hint, 20 missing evidence strings in a row (the per-article hint budget).
    t = time.perf_counter()
    for i in range(20):
        try:
            locate(text, evidence + str(i))
        except LocateError:
            pass
    emit("hint_5mb_article_x20", seconds=round(time.perf_counter() - t, 3))


def bench_every_copy() -> None:
    from tradetalks.errors import LocateError
    from tradetalks.pipeline.locate import locate

    text = "a " * 2_500_000
    for tokens in (2, 1_000, 100_000):
        evidence = " ".join(["a"] * tokens)
        t = time.perf_counter()
        try:
            spans = len(locate(text, evidence, every_copy=True))
        except LocateError as exc:
            spans = str(exc)[:80]
        emit(f"every_copy_5mb_{tokens}_tokens", seconds=round(time.perf_counter() - t, 3), result=spans)


def bench_quotations() -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import article_meta, make_dataset

    text = "Talks.\n" + " ".join("\u201cx\u201d" for _ in range(300_000)) + "\n"
    meta = article_meta(text)
    for key in ("title", "segments", "quotes", "not_mentions", "roles", "events", "measures"):
        meta.pop(key, None)
    with tempfile.TemporaryDirectory() as tmp:
        root = make_dataset(Path(tmp), {"talks-next-week": (text, meta)})
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "tradetalks.cli", "validate", "--root", str(root)], capture_output=True)
        emit(
            "quotations_300k",
            seconds=round(time.perf_counter() - t, 2),
            exit=res.returncode,
            stderr_bytes=len(res.stderr),
            stderr_lines=res.stderr.count(b"\n"),
        )


def bench_nesting() -> None:
    code = (
        "import sys, time; from pathlib import Path\n"
        "from tradetalks.pipeline.yamldoc import read_yaml\n"
        "from tradetalks.errors import DatasetError\n"
        "p = Path(sys.argv[1]); t = time.perf_counter()\n"
        "try:\n    read_yaml(p)\nexcept DatasetError as e:\n    print(round(time.perf_counter() - t, 4), str(e)[:60])\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deep.yml"
        path.write_text("events: " + "[" * 60_000 + "]" * 60_000 + "\n")
        res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
        emit("nesting_120kb", exit=res.returncode, output=res.stdout.strip())


def bench_suggest_runs() -> None:
    code = (
        "import sys, time\n"
        "from tradetalks.authoring.suggest import suggest\n"
        "text = {'blank': '\\n' * 150000, 'space_blank': ' \\n' * 75000, 'dots': '.' * 150000, 'quotes': '\"' * 150000,\n"
        "        'repeated_lines': ('A line of ' + ' '.join(f'w{i}' for i in range(60)) + ' ends here.\\n') * 300}[sys.argv[1]]\n"
        "t = time.perf_counter(); suggest(text, article_id='runs', people=[], reference_date=None)\n"
        "print(round(time.perf_counter() - t, 3))\n"
    )
    for case in ("blank", "space_blank", "dots", "quotes", "repeated_lines"):
        try:
            res = subprocess.run([sys.executable, "-c", code, case], capture_output=True, text=True, timeout=60)
            emit(f"suggest_{case}_150kb", exit=res.returncode, seconds=res.stdout.strip() or None)
        except subprocess.TimeoutExpired:
            emit(f"suggest_{case}_150kb", exit=None, seconds="over 60")


def _baseline_reader(ref: str):
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:src/tradetalks/pipeline/yamldoc.py"], capture_output=True, text=True, check=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location("yamldoc_baseline", fh.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules["yamldoc_baseline"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.read_yaml


def bench_yaml(n: int, ref: str) -> None:
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import generate
    from tradetalks.pipeline.yamldoc import read_yaml

    baseline = _baseline_reader(ref)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), n)
        files = sorted((Path(tmp) / "dataset" / "articles").glob("*.yml"))
        files += [Path(tmp) / "dataset" / f"{name}.yml" for name in ("people", "events", "measures")]
        best = {"this tree": float("inf"), ref: float("inf")}
        gc.disable()
        for _ in range(7):
            for name, reader in (("this tree", read_yaml), (ref, baseline)):
                t = time.perf_counter()
                for f in files:
                    reader(f)
                best[name] = min(best[name], time.perf_counter() - t)
        gc.enable()
        total = sum(f.stat().st_size for f in files)
        emit(
            f"yaml_read_{n}_articles",
            files=len(files),
            mb=round(total / 1e6, 1),
            seconds={k: round(v, 3) for k, v in best.items()},
            ratio=round(best["this tree"] / best[ref], 3),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    cases = {
        "hint": bench_hint,
        "every_copy": bench_every_copy,
        "quotations": bench_quotations,
        "nesting": bench_nesting,
        "suggest": bench_suggest_runs,
        "yaml": lambda: bench_yaml(args.articles, args.baseline),
    }
    for name, fn in cases.items():
        if not args.only or name in args.only:
            fn()


if __name__ == "__main__":
    main()
