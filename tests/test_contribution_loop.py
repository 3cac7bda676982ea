"""The contribution loop: a new article added by CONTRIBUTING's commands never touches a published
release, and a published release is rebuilt byte-identical from the commit that published it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_load import table_path

REPO = Path(__file__).resolve().parents[1]
NEW = REPO / "tests" / "data" / "new-article"
ARTICLE = "negotiators-to-meet-again"
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
    """The repository's tracked files (sources, code, published releases) in a fresh git repository."""
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout.decode().split("\0")
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


def add_article(root: Path) -> None:
    """CONTRIBUTING's "add an article": the raw text as received, a draft, the reviewed annotation."""
    articles = root / "dataset" / "articles"
    shutil.copyfile(NEW / f"{ARTICLE}.txt", articles / f"{ARTICLE}.txt")
    drafted = tradetalks(root, "suggest", f"dataset/articles/{ARTICLE}.txt", "--write")
    assert drafted.returncode == 0, drafted.stderr
    assert "GUESS" in (articles / f"{ARTICLE}.yml").read_text(encoding="utf-8")
    # The contributor reviews the draft; here the reviewed file replaces it. `fill` writes what is
    # never typed by hand (modeline, article_id, the text's sha256).
    shutil.copyfile(NEW / f"{ARTICLE}.yml", articles / f"{ARTICLE}.yml")
    filled = tradetalks(root, "fill", f"dataset/articles/{ARTICLE}.yml")
    assert filled.returncode == 0, filled.stderr
    sha = hashlib.sha256((articles / f"{ARTICLE}.txt").read_bytes()).hexdigest()
    assert f"text_sha256: {sha}" in (articles / f"{ARTICLE}.yml").read_text(encoding="utf-8")


def next_version(old: str, bump: str) -> str:
    major, minor, patch = map(int, old.split("."))
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[bump]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


def test_a_new_article_never_touches_a_published_release(project):
    published = {d.name: tree(d) for d in (project / "release").iterdir() if d.is_dir()}
    assert published, "the copy holds the published releases"
    add_article(project)

    checked = tradetalks(project, "validate")
    assert checked.returncode == 0, checked.stderr
    built = tradetalks(project, "build")
    assert built.returncode == 0, built.stderr
    diff = tradetalks(project, "diff", "--json")
    assert diff.returncode == 0, diff.stderr
    d = json.loads(diff.stdout)
    # A new article adds rows: a MINOR step from the latest published release.
    assert d["required_bump"] == "minor" and d["tables"]["articles"]["added"] == [ARTICLE]
    expected = next_version(d["old_version"], d["required_bump"])
    assert f"{d['required_bump'].upper()} changes (" in built.stdout and f"; the next version would be {expected}" in built.stdout
    assert {d.name: tree(d) for d in (project / "release").iterdir() if d.is_dir()} == published


def test_a_published_release_is_rebuilt_byte_identical_from_its_commit(project):
    if not (project / "dataset" / "articles" / f"{ARTICLE}.yml").exists():
        add_article(project)
    before = {p.name: tree(p) for p in (project / "release").iterdir() if p.is_dir()}
    d = json.loads(tradetalks(project, "diff", "--json").stdout)
    version = next_version(d["old_version"], d["required_bump"])
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
