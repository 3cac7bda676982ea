"""Pinned versions: fetched over real HTTP (127.0.0.1), sha256-checked, cached atomically, offline afterwards."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import tradetalks
from test_load import build_release, fresh_loader_state, loader  # noqa: F401  (autouse fixture)

OLD = "0.9.0"


class Server:
    """Serves `root` (holding <version>/ directories) on 127.0.0.1; counts requests; optional delay per file."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        self.delay = 0.0
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                time.sleep(server.delay)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{version}}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def old_release(tmp_path_factory) -> Path:
    return build_release(tmp_path_factory.mktemp("old"), version=OLD)


def as_assets(release: Path, into: Path) -> Path:
    """`release` laid out as GitHub release assets, as the release workflow uploads them: every
    top-level file, and a file in a folder with the folder as a prefix (csv/x.csv as csv-x.csv)."""
    into.mkdir(parents=True)
    for p in sorted(release.rglob("*")):
        rel = p.relative_to(release).as_posix()
        if p.is_file() and not rel.startswith("dist/"):
            shutil.copy2(p, into / loader.asset_name(rel))
    return into


def served_file(www: Path, table: str) -> Path:
    """Where the server holds the Parquet file of `table` of 0.9.0."""
    manifest = json.loads((www / OLD / "manifest.json").read_text())
    return www / OLD / loader.asset_name(manifest["tables"][table]["path"])


@pytest.fixture
def served(old_release, tmp_path, monkeypatch):
    """Release 0.9.0 served over HTTP as release assets; the cache in tmp_path/cache; no shipped release."""
    www = tmp_path / "www"
    as_assets(old_release, www / OLD)
    server = Server(www)
    monkeypatch.setenv("TRADETALKS_BASE_URL", server.url)
    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "cache"))
    # 0.9.0 is not a published version: the user vouches for its manifest, as for any version
    # newer than the installed package.
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", loader.sha256_file(old_release / "manifest.json"))
    monkeypatch.setattr(loader, "bundled_dir", lambda: None)
    yield server
    server.close()


def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def leftovers(tmp_path: Path) -> list[str]:
    """Anything in the cache that is not a complete version directory."""
    root = cache_dir(tmp_path)
    return sorted(p.name for p in root.iterdir() if p.name != OLD) if root.exists() else []


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_fetch_checks_caches_and_then_works_offline(served, old_release, tmp_path, monkeypatch):
    df = tradetalks.load("quotes", version=OLD)
    manifest = json.loads((old_release / "manifest.json").read_text())
    assert df.height == manifest["tables"]["quotes"]["rows"]
    cached = cache_dir(tmp_path) / OLD
    for entry in manifest["tables"].values():
        assert (cached / entry["path"]).read_bytes() == (old_release / entry["path"]).read_bytes()
    assert served.requests[0] == f"/{OLD}/manifest.json"
    assert len(served.requests) == 1 + len(manifest["tables"])
    assert leftovers(tmp_path) == []

    # Offline: the server is gone and nothing is fetched again, in this process or a new one.
    served.close()
    loader._RELEASES.clear()
    assert tradetalks.load("evidence", version=OLD).height == manifest["tables"]["evidence"]["rows"]
    code = f"import tradetalks; print(tradetalks.load('people', version={OLD!r}).height)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(manifest["tables"]["people"]["rows"])


def test_a_tampered_download_is_refused_and_not_cached(served, tmp_path):
    flip_byte(served_file(served.root, "quotes"))
    with pytest.raises(tradetalks.IntegrityError, match="quotes.parquet does not match the sha256"):
        tradetalks.load("people", version=OLD)
    assert not (cache_dir(tmp_path) / OLD).exists()
    assert leftovers(tmp_path) == []
    # Once the server has the right bytes again, the fetch succeeds: nothing bad was remembered.
    flip_byte(served_file(served.root, "quotes"))
    loader._RELEASES.clear()
    assert tradetalks.load("quotes", version=OLD).height == 2


def test_a_truncated_download_is_refused_and_not_cached(served, tmp_path):
    path = served_file(served.root, "articles")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(tradetalks.IntegrityError, match="articles.parquet does not match"):
        tradetalks.load("articles", version=OLD)
    assert not (cache_dir(tmp_path) / OLD).exists() and leftovers(tmp_path) == []


def test_a_manifest_for_another_version_is_refused(served, tmp_path, monkeypatch):
    path = served.root / OLD / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["version"] = "0.8.0"
    path.write_text(json.dumps(manifest))
    # Even with the user vouching for these exact bytes, a manifest of another version is refused.
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", loader.sha256_file(path))
    with pytest.raises(tradetalks.IntegrityError, match="not 0.9.0"):
        tradetalks.load("quotes", version=OLD)
    assert not (cache_dir(tmp_path) / OLD).exists() and leftovers(tmp_path) == []


def test_a_missing_version_is_a_clear_error(served, tmp_path):
    with pytest.raises(tradetalks.ReleaseError, match="could not download .*/0.7.0/manifest.json"):
        tradetalks.load("quotes", version="0.7.0")
    assert leftovers(tmp_path) == []


def test_a_cached_file_corrupted_later_is_refused(served, tmp_path):
    tradetalks.load("quotes", version=OLD)
    flip_byte(cache_dir(tmp_path) / OLD / json.loads((cache_dir(tmp_path) / OLD / "manifest.json").read_text())["tables"]["evidence"]["path"])
    loader._RELEASES.clear()
    loader._VERIFIED.clear()
    with pytest.raises(tradetalks.IntegrityError, match="evidence.parquet.*delete"):
        tradetalks.load("quotes", version=OLD)


def test_a_cached_manifest_edited_later_is_refused(served, tmp_path):
    tradetalks.load("quotes", version=OLD)
    path = cache_dir(tmp_path) / OLD / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"]["quotes"]["description"] = "edited"
    path.write_text(json.dumps(manifest))
    loader._RELEASES.clear()
    with pytest.raises(tradetalks.IntegrityError, match="manifest.json has changed since it was fetched"):
        tradetalks.load("quotes", version=OLD)


def test_two_processes_fetching_at_once_end_with_one_good_copy(served, old_release, tmp_path):
    served.delay = 0.15  # both processes are mid-download at the same time
    code = f"import sys, tradetalks\ndf = tradetalks.load('quotes', version={OLD!r})\nprint(df.height)\n"
    env = os.environ.copy()
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "2"
    manifest = json.loads((old_release / "manifest.json").read_text())
    # Both really downloaded (the manifest was requested twice), and one copy survived, intact.
    assert served.requests.count(f"/{OLD}/manifest.json") == 2
    assert leftovers(tmp_path) == []
    cached = cache_dir(tmp_path) / OLD
    for entry in manifest["tables"].values():
        assert loader.sha256_file(cached / entry["path"]) == entry["sha256"]


def test_base_url_forms(monkeypatch):
    monkeypatch.delenv("TRADETALKS_BASE_URL", raising=False)
    assert loader.base_url("1.2.3") == "https://github.com/tradetalks/tradetalks/releases/download/v1.2.3/"
    monkeypatch.setenv("TRADETALKS_BASE_URL", "http://example.org/data")
    assert loader.base_url("1.2.3") == "http://example.org/data/1.2.3/"
