"""Faults: a killed build, two builds at once, a reader during a rebuild — never a broken release."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.synth import generate  # noqa: E402

BUILD = [sys.executable, "-m", "tradetalks.cli", "build"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def consistent(release: Path) -> bool:
    """Every file the manifest lists has the manifest's sha256: the files come from one build."""
    manifest = json.loads((release / "manifest.json").read_text())
    entries = list(manifest["tables"].values()) + list(manifest.get("files", {}).values())
    return all(hashlib.sha256((release / e["path"]).read_bytes()).hexdigest() == e["sha256"] for e in entries)


def build(root: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*BUILD, "--root", str(root), "--out", str(out)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpora")
    return generate(base / "a", 200, seed=1), generate(base / "b", 200, seed=2)


def test_killed_build_leaves_previous_release_intact(corpora, tmp_path):
    a, b = corpora
    out = tmp_path / "target" / "out"  # its directory holds it alone
    assert build(a, out).returncode == 0
    before = snapshot(out)
    assert build(b, tmp_path / "solo-b").returncode == 0
    complete_b = snapshot(tmp_path / "solo-b")
    killed = 0
    for delay in (0.8, 2.4, 3.0):
        # Without the cache, which would make the build too quick to be killed on the way.
        proc = subprocess.Popen([*BUILD, "--root", str(b), "--out", str(out), "--no-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        # Either the old release or (if the build had swapped it in before the kill) the complete
        # new one; never a mix. (A fast build can be killed after its swap, while it prints.)
        assert consistent(out)
        if proc.returncode != 0:
            now = snapshot(out)
            assert now == before or now == complete_b, "a killed build left neither the old release nor the complete new one"
            if now == complete_b:  # start the next kill from the old release again
                assert build(a, out).returncode == 0
        # Only dot-directories (ignored by loaders) may be left behind; the next build removes them.
        assert {p.name for p in out.parent.iterdir() if not p.name.startswith(".")} == {out.name}
    assert killed >= 1
    assert build(a, out).returncode == 0
    assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    # The tables a killed build was writing early are gone too (their directory held no lock any more).
    assert not [p for p in out.parent.iterdir() if p.name.startswith((".tmp-", ".old-", ".early-"))]
    assert snapshot(out) == before


def test_two_builds_at_once_give_one_whole_release(corpora, tmp_path):
    a, b = corpora
    out = tmp_path / "out"
    procs = [subprocess.Popen([*BUILD, "--root", str(r), "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for r in (a, b)]
    for p in procs:
        p.wait()
        assert p.returncode == 0, p.stderr.read()
    assert consistent(out)
    # The result is exactly one of the two builds.
    solo_a, solo_b = tmp_path / "sa", tmp_path / "sb"
    build(a, solo_a), build(b, solo_b)
    assert snapshot(out) in (snapshot(solo_a), snapshot(solo_b))


def read_release(release: Path) -> dict[str, str]:
    """A careful reader: pin the directory once (a file descriptor), then read manifest and files from it."""
    fd = os.open(release, os.O_RDONLY | os.O_DIRECTORY)
    try:

        def read(name: str) -> bytes:
            with open(name, "rb", opener=lambda p, flags: os.open(p, flags, dir_fd=fd)) as fh:
                return fh.read()

        manifest = json.loads(read("manifest.json"))
        got = {}
        for entry in manifest["tables"].values():
            data = read(entry["path"])
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise AssertionError(f"mixed release: {entry['path']} does not match its manifest")
            got[entry["path"]] = entry["sha256"]
        return got
    finally:
        os.close(fd)


def test_reader_during_rebuilds_sees_old_or_new_never_a_mix(corpora, tmp_path):
    a, b = corpora
    out = tmp_path / "out"
    build(a, out)
    versions = [read_release(out)]
    build(b, tmp_path / "ref")
    versions.append(read_release(tmp_path / "ref"))
    stop = threading.Event()
    seen, retried, errors = [], [0], []

    def reader():
        while not stop.is_set():
            try:
                seen.append(read_release(out))
            except FileNotFoundError:
                retried[0] += 1  # the directory we pinned was replaced and removed mid-read: read again
            except AssertionError as exc:
                errors.append(str(exc))

    t = threading.Thread(target=reader)
    t.start()
    for root in (b, a, b):
        assert build(root, out).returncode == 0
    stop.set()
    t.join()
    assert not errors
    assert seen and all(s in versions for s in seen)
