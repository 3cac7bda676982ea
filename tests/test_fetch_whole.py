"""A pinned version fetched whole (card, CHANGELOG, CSVs, datapackage, croissant), over real HTTP on 127.0.0.1.

The server holds the files as the release workflow uploads them to a GitHub release: flat, a
file in a folder renamed with the folder as a prefix (`csv-<table>.csv`, `data-<table>.parquet`).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import test_fetch
import tradetalks
from cli_helpers import invoke
from test_fetch import OLD, Server, as_assets
from test_load import fresh_loader_state, loader  # noqa: F401  (autouse fixture)

old_release = test_fetch.old_release  # module fixture; an assignment, so the parameters that use it are not redefinitions


@pytest.fixture
def assets(old_release, tmp_path, monkeypatch):
    www = tmp_path / "www"
    as_assets(old_release, www / OLD)
    server = Server(www)
    monkeypatch.setenv("TRADETALKS_BASE_URL", server.url)
    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", loader.sha256_file(old_release / "manifest.json"))
    monkeypatch.setattr(loader, "bundled_dir", lambda: None)
    yield server
    server.close()


def manifest_files(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text())["files"]


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache").glob(".tmp-*"))


def test_whole_fetch_brings_every_file_checked(assets, old_release, tmp_path):
    root = tradetalks.fetch(OLD, whole=True)
    files = manifest_files(old_release)
    assert {"README.md", "CHANGELOG.md", "datapackage.json", "croissant.json"} <= set(files)
    assert any(rel.startswith("csv/") for rel in files)
    for rel, entry in files.items():
        assert loader.sha256_file(root / rel) == entry["sha256"], rel
    assert (root / "README.md").read_bytes() == (old_release / "README.md").read_bytes()
    assert any(r.endswith("/csv-quotes.csv") for r in assets.requests)
    assert leftovers(tmp_path) == []
    # Offline afterwards: nothing more is requested.
    before = len(assets.requests)
    assert tradetalks.fetch(OLD, whole=True) == root
    assert len(assets.requests) == before


def test_a_default_fetch_brings_tables_only_and_whole_adds_the_rest(assets, old_release):
    root = tradetalks.fetch(OLD)
    assert not (root / "README.md").exists() and not (root / "csv").exists()
    tables = [r for r in assets.requests if r.endswith(".parquet")]
    tradetalks.fetch(OLD, whole=True)
    assert [r for r in assets.requests if r.endswith(".parquet")] == tables  # tables not downloaded again
    assert all((root / rel).is_file() for rel in manifest_files(old_release))


def test_a_tampered_file_is_refused_and_not_kept(assets, old_release, tmp_path):
    path = assets.root / OLD / "csv-quotes.csv"
    path.write_bytes(path.read_bytes().replace(b",", b";", 1))
    with pytest.raises(tradetalks.IntegrityError, match="csv-quotes.csv does not match the sha256"):
        tradetalks.fetch(OLD, whole=True)
    cached = tmp_path / "cache" / OLD
    assert not (cached / "csv" / "quotes.csv").exists()
    assert leftovers(tmp_path) == []
    # The tables were fine, and loading still works.
    assert tradetalks.load("quotes", version=OLD).height > 0


def test_an_oversized_file_is_cut_off(assets, tmp_path):
    path = assets.root / OLD / "croissant.json"
    path.write_bytes(path.read_bytes() + b" " * 10_000)
    with pytest.raises(tradetalks.IntegrityError, match="croissant.json"):
        tradetalks.fetch(OLD, whole=True)
    assert not (tmp_path / "cache" / OLD / "croissant.json").exists()


def test_a_changed_cached_file_is_reported(assets, tmp_path):
    root = tradetalks.fetch(OLD, whole=True)
    (root / "README.md").write_text("changed\n")
    loader._VERIFIED.clear()
    with pytest.raises(tradetalks.IntegrityError, match="delete"):
        tradetalks.fetch(OLD, whole=True)


@pytest.mark.parametrize("bad", ["../escape.md", "/etc/passwd", "csv/../../x.csv", "dist/x.zip", ".hidden"])
def test_a_manifest_file_path_outside_the_release_is_refused(assets, tmp_path, monkeypatch, bad):
    path = assets.root / OLD / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"][bad] = {"path": bad, "sha256": "0" * 64, "bytes": 1}
    path.write_text(json.dumps(manifest))
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", loader.sha256_file(path))
    with pytest.raises(tradetalks.IntegrityError, match="files entry"):
        tradetalks.fetch(OLD, whole=True)
    assert not (tmp_path / "escape.md").exists()


def test_cache_modes_follow_the_umask(assets, tmp_path):
    old = os.umask(0o022)
    try:
        root = tradetalks.fetch(OLD, whole=True)
    finally:
        os.umask(old)
    for p in [root, *root.rglob("*")]:
        want = 0o755 if p.is_dir() else 0o644
        assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))


def test_fetch_command_all(assets, old_release, tmp_path):
    env = {**os.environ}
    out = subprocess.run([sys.executable, "-m", "tradetalks", "fetch", OLD, "--all"], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    root = Path(out.stdout.strip())
    assert root == tmp_path / "cache" / OLD
    assert all((root / rel).is_file() for rel in manifest_files(old_release))
    assert out.stderr == ""  # no progress display when stderr is not a terminal
    out = subprocess.run([sys.executable, "-m", "tradetalks", "fetch", "1.2"], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 1 and "must look like 1.0.0" in out.stderr and "Traceback" not in out.stderr


def test_cite_of_an_older_version_reads_its_fetched_changelog(assets, old_release, tmp_path, monkeypatch):
    """A version the package knows but does not ship: its CHANGELOG comes with the whole fetch."""

    path = assets.root / OLD / "CHANGELOG.md"
    path.write_text(f"# Changelog\n\n## {OLD} - 2029-06-30\n\nOlder.\n", encoding="utf-8")
    manifest_path = assets.root / OLD / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["CHANGELOG.md"].update(sha256=loader.sha256_file(path), bytes=path.stat().st_size)
    manifest_path.write_text(json.dumps(manifest))
    pinned = loader.sha256_file(manifest_path)
    monkeypatch.delenv("TRADETALKS_MANIFEST_SHA256")
    monkeypatch.setattr(loader, "known_releases", lambda: {OLD: {"manifest_sha256": pinned}})
    result = invoke(["cite", "--version", OLD, "--format", "apa"])
    assert result.exit_code == 0, result.output
    assert "(2029)" in result.output and f"(Version {OLD})" in result.output
    assert (tmp_path / "cache" / OLD / "CHANGELOG.md").is_file()


def test_both_layouts_are_fetched_and_loaded(old_release, tmp_path, monkeypatch):
    """A release of the data/ layout (its tables uploaded as data-<table>.parquet) and one laid out flat, as 1.0.0 and 2.0.0 are."""
    from test_load import flat_copy

    flat = flat_copy(old_release, tmp_path / "flat")
    monkeypatch.setattr(loader, "bundled_dir", lambda: None)
    for name, release in (("data", old_release), ("flat", flat)):
        loader._RELEASES.clear()
        server = Server(as_assets(release, tmp_path / name / "www" / OLD).parent)
        try:
            monkeypatch.setenv("TRADETALKS_BASE_URL", server.url)
            monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / name / "cache"))
            monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", loader.sha256_file(release / "manifest.json"))
            root = tradetalks.fetch(OLD, whole=True)
            for table, entry in json.loads((release / "manifest.json").read_text())["tables"].items():
                assert (root / entry["path"]).read_bytes() == (release / entry["path"]).read_bytes()
                assert tradetalks.load(table, version=OLD).height == entry["rows"]
            tables = [r for r in server.requests if r.endswith(".parquet")]
            assert tables and all(r.split("/")[-1].startswith("data-") == (name == "data") for r in tables), tables
        finally:
            server.close()
