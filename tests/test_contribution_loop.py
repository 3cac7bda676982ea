"""The contribution loop: new articles added by CONTRIBUTING's commands to a copy of the real
dataset (as it stands, a contributor's own new files included) make a MINOR change, move no
published id or provenance, raise no false dispute and keep every dataset-level check; a
published release is rebuilt byte-identical from the commit that published it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dataset_invariants import check_build
from test_load import table_path
from tradetalks.contract.tables import PROVENANCE

REPO = Path(__file__).resolve().parents[1]
NEW = REPO / "tests" / "data" / "new-article"
ARTICLE = "negotiators-to-meet-again"
# Its id sorts before every article of the real dataset: it must take over no row's provenance.
FIRST = "a-new-round-opens-in-kuala-lumpur"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_project(dest: Path) -> Path:
    """The repository as it stands (sources, code, published releases; new files not yet committed
    included, ignored ones left out) in a fresh git repository."""
    listed = ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    files = subprocess.run(listed, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "copy")
    return dest


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True).stdout


def tradetalks(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The copy's own command line, as a contributor runs it in their checkout."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run([sys.executable, "-m", "tradetalks.cli", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def add_article(root: Path, article: str = ARTICLE) -> None:
    """CONTRIBUTING's "add an article": the raw text as received, a draft, the reviewed annotation."""
    articles = root / "dataset" / "articles"
    shutil.copyfile(NEW / f"{article}.txt", articles / f"{article}.txt")
    drafted = tradetalks(root, "suggest", f"dataset/articles/{article}.txt", "--write")
    assert drafted.returncode == 0, drafted.stderr
    assert "GUESS" in (articles / f"{article}.yml").read_text(encoding="utf-8")
    # The contributor reviews the draft; here the reviewed file replaces it. `fill` writes what is
    # never typed by hand (modeline, article_id, the text's sha256).
    shutil.copyfile(NEW / f"{article}.yml", articles / f"{article}.yml")
    filled = tradetalks(root, "fill", f"dataset/articles/{article}.yml")
    assert filled.returncode == 0, filled.stderr
    sha = hashlib.sha256((articles / f"{article}.txt").read_bytes()).hexdigest()
    assert f"text_sha256: {sha}" in (articles / f"{article}.yml").read_text(encoding="utf-8")


def next_version(old: str, bump: str) -> str:
    major, minor, patch = map(int, old.split("."))
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[bump]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


def test_new_articles_are_a_minor_change_that_moves_nothing_published(project):
    published = {d.name: tree(d) for d in (project / "release").iterdir() if d.is_dir()}
    assert published, "the copy holds the published releases"
    add_article(project)
    add_article(project, FIRST)

    checked = tradetalks(project, "validate")
    assert checked.returncode == 0, checked.stderr
    built = tradetalks(project, "build")
    assert built.returncode == 0, built.stderr
    diff = tradetalks(project, "diff", "--json")
    assert diff.returncode == 0, diff.stderr
    d = json.loads(diff.stdout)
    # New articles add rows: a MINOR step from the latest published release, whatever else the
    # contributor's tree already adds; nothing published is removed or renamed.
    assert d["required_bump"] == "minor", {name: t["why"] for name, t in d["tables"].items()}
    assert {ARTICLE, FIRST} <= set(d["tables"]["articles"]["added"])
    assert all(not t["removed"] and not t["groups_removed"] for t in d["tables"].values())
    expected = next_version(d["old_version"], d["required_bump"])
    assert re.search(rf"MINOR changes \(.*\); the next version would be {re.escape(expected)} ", built.stdout), built.stdout
    assert {d.name: tree(d) for d in (project / "release").iterdir() if d.is_dir()} == published

    # The dataset-level checks hold, and every published row keeps its provenance.
    working = project / "build" / "working"
    tables = check_build(working)
    latest = project / "release" / d["old_version"]
    for name, key in (("people", "person_id"), ("events", "event_id"), ("tariff_measures", "measure_id"), ("measure_events", "link_id")):
        before = pl.read_parquet(table_path(latest, name)).select(key, *PROVENANCE)
        after = tables[name].select(key, *PROVENANCE).join(before.select(key), on=key, how="semi")
        assert after.sort(key).equals(before.sort(key)), f"{name}: a published row's provenance moved"
    assert FIRST not in set(tables["people"]["article_id"]) | set(tables["events"]["article_id"])


def test_a_published_release_is_rebuilt_byte_identical_from_its_commit(project):
    for article in (ARTICLE, FIRST):
        if not (project / "dataset" / "articles" / f"{article}.yml").exists():
            add_article(project, article)
    before = {p.name: tree(p) for p in (project / "release").iterdir() if p.is_dir()}
    assert tradetalks(project, "build").returncode == 0
    diffed = tradetalks(project, "diff", "--json")
    assert diffed.returncode == 0, diffed.stderr
    d = json.loads(diffed.stdout)
    version = next_version(d["old_version"], d["required_bump"])
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add two articles")  # a release is made from committed sources only
    released = tradetalks(project, "release", version, "--date", "2026-11-24")
    assert released.returncode == 0, released.stderr
    assert {name: tree(project / "release" / name) for name in before} == before
    assert f'__version__ = "{version}"' in (project / "src/tradetalks/__about__.py").read_text()
    known = json.loads((project / "src/tradetalks/known_releases.json").read_text())
    assert set(known) == set(before) | {version}
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", f"Release {version}")
    git(project, "tag", f"v{version}")

    # Later work on main does not matter: the release is rebuilt from its tag, by the tag's code.
    (project / "dataset/articles" / f"{ARTICLE}.yml").write_text("broken: [", encoding="utf-8")
    ok = tradetalks(project, "reproduce", version)
    assert ok.returncode == 0, ok.stderr
    assert "byte-identical" in ok.stdout

    again = tradetalks(project, "release", version)
    assert again.returncode == 1 and "already published" in again.stderr

    # One byte changed in the published release is caught, and named.
    path = table_path(project / "release" / version, "quotes")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    bad = tradetalks(project, "reproduce", version)
    assert bad.returncode == 1
    assert "quotes.parquet: differs" in bad.stderr


def test_a_release_needs_committed_sources_and_a_stopped_one_can_be_finished(tmp_path, monkeypatch):
    from tradetalks.errors import DatasetError
    from tradetalks.publishing import publish as publishing

    root = copy_project(tmp_path / "project")
    add_article(root)
    from tradetalks.publishing.diff import latest_published

    version = next_version(latest_published(root / "release").name, "minor")
    with pytest.raises(DatasetError, match=rf"uncommitted changes in dataset/articles/{ARTICLE}.txt, dataset/articles/{ARTICLE}.yml: commit them first"):
        publishing.publish(root, version, date="2026-11-24")
    assert not (root / "release" / version).exists()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Add an article")

    # Stopped after writing the release, before pinning it: the next run pins it, and only it.
    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(publishing, "record_known_release", stopped)
        with pytest.raises(KeyboardInterrupt):
            publishing.publish(root, version, date="2026-11-24")
    known = root / "src" / "tradetalks" / "known_releases.json"
    assert version not in json.loads(known.read_text()) and (root / "release" / version / "manifest.json").is_file()
    written = tree(root / "release" / version)
    publishing.publish(root, version, date="2026-11-24")
    pinned = json.loads(known.read_text())[version]["manifest_sha256"]
    assert pinned == hashlib.sha256((root / "release" / version / "manifest.json").read_bytes()).hexdigest()
    assert tree(root / "release" / version) == written
    with pytest.raises(DatasetError, match="already published"):
        publishing.publish(root, version)

    # A release directory this tree does not make is never pinned.
    fake = next_version(version, "minor")
    shutil.copytree(root / "release" / version, root / "release" / fake)
    with pytest.raises(DatasetError, match="is not pinned .* and this tree does not rebuild it"):
        publishing.publish(root, fake)
    assert fake not in json.loads(known.read_text())
