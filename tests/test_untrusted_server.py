"""The loader against a hostile or broken server (real HTTP on 127.0.0.1) and a damaged cache.

Each test names the protection it checks; removing that protection makes the test fail.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import test_fetch
import tradetalks
from test_fetch import OLD, as_assets, served_file
from test_load import fresh_loader_state, loader  # noqa: F401  (autouse fixture)

old_release = test_fetch.old_release  # module fixture; an assignment, so the parameters that use it are not redefinitions


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Hostile:
    """An HTTP server on 127.0.0.1 whose answer per path is a function of the request handler.

    `routes[path](handler)` writes the whole response; unknown paths get files from `root`.
    """

    def __init__(self, root: Path):
        self.root = root
        self.routes: dict = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    return super().do_GET()
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Handler(*a, directory=str(root)))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base + "/{version}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def www(old_release, tmp_path) -> Path:
    www = tmp_path / "www"
    as_assets(old_release, www / OLD)
    return www


@pytest.fixture
def hostile(www, tmp_path, monkeypatch):
    server = Hostile(www)
    monkeypatch.setenv("TRADETALKS_BASE_URL", server.url)
    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", sha256((www / OLD / "manifest.json").read_bytes()))
    monkeypatch.setattr(loader, "bundled_dir", lambda: None)
    monkeypatch.setattr(loader, "READ_TIMEOUT_S", 2.0)
    monkeypatch.setattr(loader, "DEADLINE_S", 4.0)
    yield server
    server.close()


def cache_contents(tmp_path: Path) -> list[str]:
    root = tmp_path / "cache"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def endless(handler):
    handler.send_response(200)
    handler.end_headers()
    block = b"x" * 65536
    while True:
        handler.wfile.write(block)


def drip(handler):
    handler.send_response(200)
    handler.end_headers()
    while True:
        handler.wfile.write(b"{")
        handler.wfile.flush()
        time.sleep(0.5)


def drip_headers(handler):
    handler.wfile.write(b"HTTP/1.0 200 OK\r\n")
    while True:
        handler.wfile.write(b"X: y\r\n")
        handler.wfile.flush()
        time.sleep(0.5)


def silent(handler):
    time.sleep(30)


def serve_manifest(manifest: dict, monkeypatch, www: Path) -> bytes:
    """Write `manifest` as the served 0.9.0 manifest and vouch for exactly those bytes."""
    raw = json.dumps(manifest).encode()
    (www / OLD / "manifest.json").write_bytes(raw)
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", sha256(raw))
    return raw


# --- size bounds ---------------------------------------------------------------------------


def test_an_endless_manifest_is_cut_at_its_cap(hostile, tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "DEADLINE_S", 60.0)
    hostile.routes[f"/{OLD}/manifest.json"] = endless
    t = time.monotonic()
    with pytest.raises(tradetalks.IntegrityError, match=r"more than the 1,000,000 bytes"):
        tradetalks.load("quotes", version=OLD)
    assert time.monotonic() - t < 30
    assert cache_contents(tmp_path) == []


def test_an_endless_table_file_is_cut_at_the_manifest_size(hostile, tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "DEADLINE_S", 60.0)
    hostile.routes[f"/{OLD}/{served_file(hostile.root, 'quotes').name}"] = endless
    manifest = json.loads((hostile.root / OLD / "manifest.json").read_text())
    with pytest.raises(tradetalks.IntegrityError, match=f"more than the {manifest['tables']['quotes']['bytes']:,} bytes"):
        tradetalks.load("quotes", version=OLD)
    assert cache_contents(tmp_path) == []


def test_a_declared_oversize_is_refused_before_reading(hostile, tmp_path):
    def big(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**12))
        handler.end_headers()
        handler.wfile.write(b"{}")

    hostile.routes[f"/{OLD}/manifest.json"] = big
    with pytest.raises(tradetalks.IntegrityError, match="1,000,000,000,000 bytes"):
        tradetalks.load("quotes", version=OLD)


# --- time bounds ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", [drip, drip_headers], ids=["body", "headers"])
def test_a_slow_drip_server_is_given_up_on_at_the_deadline(hostile, tmp_path, route):
    hostile.routes[f"/{OLD}/manifest.json"] = route
    t = time.monotonic()
    with pytest.raises(tradetalks.ReleaseError, match="longer than 4 s"):
        tradetalks.load("quotes", version=OLD)
    assert time.monotonic() - t < 10
    assert cache_contents(tmp_path) == []


def test_a_silent_server_is_given_up_on_after_the_read_timeout(hostile, tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "READ_TIMEOUT_S", 1.0)
    monkeypatch.setattr(loader, "DEADLINE_S", 20.0)
    hostile.routes[f"/{OLD}/manifest.json"] = silent
    t = time.monotonic()
    with pytest.raises(tradetalks.ReleaseError, match="no data for 1 s"):
        tradetalks.load("quotes", version=OLD)
    assert time.monotonic() - t < 10


# --- redirects -----------------------------------------------------------------------------


def test_a_redirect_to_another_host_or_port_is_refused(hostile, www):
    other = Hostile(www)
    try:

        def away(handler):
            handler.send_response(302)
            handler.send_header("Location", f"{other.base}/{OLD}/manifest.json")
            handler.end_headers()

        hostile.routes[f"/{OLD}/manifest.json"] = away
        with pytest.raises(tradetalks.ReleaseError, match="redirects to another host"):
            tradetalks.load("quotes", version=OLD)
        assert other.requests == []
    finally:
        other.close()


def test_a_redirect_on_the_same_host_is_followed(hostile, www):
    def moved(handler):
        handler.send_response(301)
        handler.send_header("Location", f"/{OLD}/moved-manifest.json")
        handler.end_headers()

    shutil.copy(www / OLD / "manifest.json", www / OLD / "moved-manifest.json")
    hostile.routes[f"/{OLD}/manifest.json"] = moved
    assert tradetalks.load("quotes", version=OLD).height == 2


# --- pinned manifests ----------------------------------------------------------------------


def tamper_consistently(www: Path) -> None:
    """Rewrite the served quotes table and its manifest entry so that the pair is self-consistent."""
    root, served = www / OLD, served_file(www, "quotes")
    table = pq.read_table(served)
    fake = table.set_column(table.schema.get_field_index("text"), "text", pa.array(["fabricated"] * table.num_rows))
    pq.write_table(fake, served)
    raw = served.read_bytes()
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["tables"]["quotes"].update(sha256=sha256(raw), bytes=len(raw))
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_a_consistently_tampered_release_of_a_known_version_is_refused(hostile, www, old_release, tmp_path, monkeypatch):
    # The package pins 0.9.0's manifest (as it pins every published version); the user passes nothing.
    monkeypatch.delenv("TRADETALKS_MANIFEST_SHA256")
    monkeypatch.setattr(loader, "known_releases", lambda: {OLD: {"manifest_sha256": sha256((old_release / "manifest.json").read_bytes())}})
    tamper_consistently(www)
    with pytest.raises(tradetalks.IntegrityError, match="not the published release"):
        tradetalks.load("quotes", version=OLD)
    assert cache_contents(tmp_path) == []


def test_a_cached_copy_that_is_not_the_pinned_manifest_is_refused(hostile, www, old_release, tmp_path, monkeypatch):
    tamper_consistently(www)
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", sha256((www / OLD / "manifest.json").read_bytes()))
    tradetalks.load("quotes", version=OLD)  # the user vouched for the tampered manifest: cached
    loader._RELEASES.clear()
    monkeypatch.delenv("TRADETALKS_MANIFEST_SHA256")
    monkeypatch.setattr(loader, "known_releases", lambda: {OLD: {"manifest_sha256": sha256((old_release / "manifest.json").read_bytes())}})
    with pytest.raises(tradetalks.IntegrityError, match="is not tradetalks 0.9.0's published manifest"):
        tradetalks.load("quotes", version=OLD)


def test_an_unknown_version_needs_the_manifest_sha256(hostile, www, monkeypatch):
    monkeypatch.delenv("TRADETALKS_MANIFEST_SHA256")
    with pytest.raises(tradetalks.ReleaseError, match="no published version 0.9.0"):
        tradetalks.load("quotes", version=OLD)
    assert hostile.requests == []  # nothing was even asked of the server
    good = sha256((www / OLD / "manifest.json").read_bytes())
    assert tradetalks.load("quotes", version=OLD, manifest_sha256=good).height == 2


def test_a_wrong_user_given_sha256_is_refused(hostile, tmp_path, monkeypatch):
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", "0" * 64)
    with pytest.raises(tradetalks.IntegrityError, match="not the published release"):
        tradetalks.load("quotes", version=OLD)
    monkeypatch.setenv("TRADETALKS_MANIFEST_SHA256", "not-a-hash")
    with pytest.raises(tradetalks.ReleaseError, match="64 hex digits"):
        tradetalks.load("quotes", version=OLD)


def test_the_shipped_registry_pins_the_published_release():
    repo = Path(__file__).resolve().parents[1]
    known = loader.known_releases()
    assert known["1.0.0"]["manifest_sha256"] == sha256((repo / "release" / "1.0.0" / "manifest.json").read_bytes())
    for version in known:
        loader.check_version(version)


# --- Parquet bombs -------------------------------------------------------------------------


def compressible_parquet(path: Path, rows: int) -> bytes:
    pq.write_table(pa.table({"x": pa.array([0] * rows, pa.int8())}), path, compression="zstd", use_dictionary=False)
    return path.read_bytes()


def test_a_parquet_file_with_more_rows_than_its_manifest_is_refused_before_reading(hostile, www, monkeypatch):
    raw = compressible_parquet(served_file(www, "quotes"), 200_000)
    manifest = json.loads((www / OLD / "manifest.json").read_text())
    manifest["tables"]["quotes"].update(sha256=sha256(raw), bytes=len(raw))  # rows still says 2
    serve_manifest(manifest, monkeypatch, www)
    import polars as pl

    monkeypatch.setattr(pl, "read_parquet", lambda *a, **k: pytest.fail("polars must not read a refused file"))
    with pytest.raises(tradetalks.IntegrityError, match="footer holds 200,000 rows.*records 2"):
        tradetalks.load("quotes", version=OLD)
    with pytest.raises(tradetalks.IntegrityError, match="footer holds 200,000 rows"):
        tradetalks.connect(version=OLD)


def test_a_parquet_bomb_consistent_with_its_manifest_is_refused_by_the_caps(hostile, www, monkeypatch):
    raw = compressible_parquet(served_file(www, "quotes"), 200_000)
    assert len(raw) < 10_000  # small on the wire
    manifest = json.loads((www / OLD / "manifest.json").read_text())
    manifest["tables"]["quotes"].update(sha256=sha256(raw), bytes=len(raw), rows=200_000)
    serve_manifest(manifest, monkeypatch, www)
    # The real caps are 50 M rows and 8 GB decompressed; lowered here, same code path.
    monkeypatch.setattr(loader, "MAX_UNCOMPRESSED_BYTES", 100_000)
    with pytest.raises(tradetalks.IntegrityError, match="200,000 rows, .* bytes uncompressed; more than this loader reads"):
        tradetalks.load("quotes", version=OLD)
    loader._RELEASES.clear()
    shutil.rmtree(hostile.root.parent / "cache")
    monkeypatch.setattr(loader, "MAX_ROWS", 100_000)
    with pytest.raises(tradetalks.IntegrityError, match="bytes or rows out of range"):
        tradetalks.load("quotes", version=OLD)


# --- SQL injection through the manifest -------------------------------------------------------


def test_an_injected_table_name_never_reaches_duckdb(hostile, www, tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    victim = tmp_path / "written-by-the-server.csv"
    evil = f"quotes\" AS SELECT 1; COPY (SELECT 42) TO '{victim}'; CREATE VIEW \"x"
    manifest = json.loads((www / OLD / "manifest.json").read_text())
    manifest["tables"][evil] = manifest["tables"].pop("quotes")
    serve_manifest(manifest, monkeypatch, www)
    with pytest.raises(tradetalks.IntegrityError, match="unknown table"):
        tradetalks.connect(version=OLD)
    assert not victim.exists()


def test_identifiers_and_paths_are_quoted(tmp_path, monkeypatch, old_release):
    """A release directory whose path holds quotes still opens: the path is an escaped literal."""
    pytest.importorskip("duckdb")
    odd = tmp_path / 'it\'s "odd"' / OLD
    shutil.copytree(old_release, odd)
    monkeypatch.setattr(loader, "bundled_dir", lambda: odd)
    con = tradetalks.connect(version=OLD)
    assert con.execute('SELECT count(*) FROM "quotes"').fetchone()[0] == 2
    assert loader._sql_identifier('a"b') == '"a""b"' and loader._sql_literal("a'b") == "'a''b'"


# --- malformed manifests and caches --------------------------------------------------------


def _set(manifest: dict, path: list, value) -> None:
    node = manifest
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value


@pytest.mark.parametrize(
    "path, value",
    [
        (["tables", "quotes", "path"], "../../escaped.parquet"),
        (["tables", "quotes", "path"], "/etc/passwd"),
        (["tables", "quotes", "path"], "sub\\dir.parquet"),
        (["tables", "quotes", "path"], 7),
        (["tables", "quotes", "sha256"], None),
        (["tables", "quotes", "sha256"], "ABC"),
        (["tables", "quotes", "bytes"], "12"),
        (["tables", "quotes", "bytes"], -1),
        (["tables", "quotes", "rows"], True),
        (["tables", "quotes", "columns"], KeyError),
        (["tables", "quotes", "columns"], [{"name": 1}]),
        (["tables", "quotes"], []),
        (["tables"], ["quotes"]),
        (["tables"], {}),
        (["version"], "../0.9.0"),
        (["dataset"], KeyError),
    ],
)
def test_malformed_manifest_entries_are_integrity_errors(hostile, www, tmp_path, monkeypatch, path, value):
    manifest = json.loads((www / OLD / "manifest.json").read_text())
    _set(manifest, path, value)
    serve_manifest(manifest, monkeypatch, www)
    with pytest.raises(tradetalks.IntegrityError, match="not a valid tradetalks manifest"):
        tradetalks.load("quotes", version=OLD)
    assert cache_contents(tmp_path) == []
    assert not (tmp_path / "escaped.parquet").exists()


@pytest.mark.parametrize("version", ["../1.0.0", "1.0.0/../../x", "01.0.0", "1.0", "vv1.0.0", "v../1.0.0", "1.0.0\n", 100])
def test_versions_that_are_not_semver_are_refused(version):
    with pytest.raises(tradetalks.ReleaseError, match="must look like 1.0.0"):
        tradetalks.load("quotes", version=version)


def test_an_unwritable_cache_is_a_release_error(hostile, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TRADETALKS_CACHE", str(blocker / "cache"))
    with pytest.raises(tradetalks.ReleaseError, match="cannot write to the tradetalks cache.*TRADETALKS_CACHE"):
        tradetalks.load("quotes", version=OLD)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setenv("TRADETALKS_CACHE", str(tmp_path / "ro"))
    (tmp_path / "ro").mkdir()
    monkeypatch.setattr("tempfile.mkdtemp", refuse)
    with pytest.raises(tradetalks.ReleaseError, match="cannot write to the tradetalks cache"):
        tradetalks.load("quotes", version=OLD)


@pytest.mark.parametrize("damage", ["no-stamp", "no-table", "table-is-dir", "garbage-manifest", "stamp-is-dir"])
def test_a_half_written_cache_entry_is_an_integrity_error(hostile, tmp_path, damage):
    tradetalks.load("quotes", version=OLD)
    loader._RELEASES.clear()
    loader._VERIFIED.clear()
    cached = tmp_path / "cache" / OLD
    people = cached / json.loads((cached / "manifest.json").read_text())["tables"]["people"]["path"]
    if damage == "no-stamp":
        (cached / loader.STAMP).unlink()
    elif damage == "no-table":
        people.unlink()
    elif damage == "table-is-dir":
        people.unlink()
        people.mkdir()
    elif damage == "garbage-manifest":
        (cached / "manifest.json").write_bytes(b"\xff\x00")
        (cached / loader.STAMP).write_text(sha256(b"\xff\x00"))
    elif damage == "stamp-is-dir":
        (cached / loader.STAMP).unlink()
        (cached / loader.STAMP).mkdir()
    with pytest.raises(tradetalks.IntegrityError, match="delete"):
        tradetalks.load("quotes", version=OLD)


def test_leftovers_of_killed_downloads_are_cleaned_on_the_next_fetch(hostile, tmp_path):
    root = tmp_path / "cache"
    old = root / f".tmp-{OLD}-killed"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    past = time.time() - loader.STALE_TMP_S - 60
    for p in (old / "manifest.json", old):
        os.utime(p, (past, past))
    recent = root / f".tmp-{OLD}-running"
    recent.mkdir()
    tradetalks.load("quotes", version=OLD)
    assert not old.exists()
    assert recent.exists()  # may belong to a fetch still under way in another process


def test_a_leftover_directory_without_a_manifest_is_a_release_error(hostile, tmp_path):
    target = tmp_path / "cache" / OLD
    target.mkdir(parents=True)
    (target / "people.parquet").write_bytes(b"half")
    with pytest.raises(tradetalks.ReleaseError, match=f"delete {target}"):
        tradetalks.load("quotes", version=OLD)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [OLD]  # its own temporary directory is gone


def test_a_malformed_parquet_the_user_vouched_for_is_a_release_error(hostile, www, monkeypatch):
    raw = b"PAR1" + b"\x00" * 100 + b"PAR1"
    served_file(www, "quotes").write_bytes(raw)
    manifest = json.loads((www / OLD / "manifest.json").read_text())
    manifest["tables"]["quotes"].update(sha256=sha256(raw), bytes=len(raw))
    serve_manifest(manifest, monkeypatch, www)
    with pytest.raises(tradetalks.IntegrityError, match="not a readable Parquet file"):
        tradetalks.load("quotes", version=OLD)
