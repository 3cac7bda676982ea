"""Benchmarks of tradetalks (see README.md): scripts, run from the repository root."""

from __future__ import annotations

import os
from pathlib import Path


def process_env(base: dict | None = None, cold_imports: Path | None = None) -> dict:
    """The environment of a timed child process.

    As on a user's machine, Python writes its bytecode caches (`__pycache__`) on the first run
    and reuses them after, even where this process was started with PYTHONDONTWRITEBYTECODE (some
    sandboxes set it: then every import compiles its module from source again, which can double
    a command's start-up). With `cold_imports` (an empty directory), every run compiles every
    module afresh: the worst case, for comparison.
    """
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if cold_imports is not None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(cold_imports)
    return env


# Source for a child process: a thread that keeps the largest anonymous resident memory of the
# process (what no file backs; Linux) in `anon[0]`, sampled every 20 ms.
ANON_SAMPLER = """
import re, threading, time
anon = [0]
def _sample():
    while True:
        try:
            anon[0] = max(anon[0], int(re.search(r"RssAnon:\\s+(\\d+)", open("/proc/self/status").read())[1]) * 1024)
        except (OSError, TypeError):
            return
        time.sleep(0.02)
threading.Thread(target=_sample, daemon=True).start()
"""
