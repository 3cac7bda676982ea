"""Publishing: freeze a build into release/X.Y.Z/, and prove a published release reproducible.

This sits above the pipeline (it calls the build, the diff and the release writer); nothing in
the pipeline imports it.

- `publish(root, "1.1.0")`: build the working tree, diff it against the latest published release,
  refuse a version that exists or is too small for the changes, write the CHANGELOG entry, the
  CITATION and the package version, then write release/1.1.0/ once (never replaced), recording the
  fingerprint of the sources and code it was built from, and pin its manifest's sha256 in the
  package (`src/tradetalks/known_releases.json`).
- `reproduce(root, "1.1.0")`: rebuild a published release from the sources and code of the commit
  that published it (its tag `v1.1.0`, else the last commit that changed release/1.1.0/), with that
  commit's own code, and compare every file byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tradetalks.contract.versions import is_release_version, version_key
from tradetalks.errors import DatasetError
from tradetalks.formats.plain_files import read_manifest
from tradetalks.load import sha256_file
from tradetalks.pipeline.fingerprint import provenance
from tradetalks.pipeline.run import check
from tradetalks.pipeline.write import write_release
from tradetalks.publishing.diff import ReleaseDiff, check_version, diff_releases, latest_published

KNOWN_RELEASES = Path("src") / "tradetalks" / "known_releases.json"
ABOUT = Path("src") / "tradetalks" / "__about__.py"


# ---------------------------------------------------------------------------------------------
# `tradetalks release X.Y.Z`


def publish(root: Path, version: str, date: str | None = None) -> ReleaseDiff:
    """Freeze the working tree into release/<version>/ (see the module docstring); return the diff."""
    # Load inputs.
    root = Path(root)
    release_root = root / "release"
    where = f"release/{version}"
    if not is_release_version(version):
        raise DatasetError.one(where, None, None, f"version must look like 1.2.0 (MAJOR.MINOR.PATCH, digits only); got {version!r}")
    if (release_root / version).exists():
        if _finish_pin(root, version):
            return diff_releases(latest_published(release_root, below=version), release_root / version)
        raise DatasetError.one(where, None, None, "already published: a published release is never rewritten; choose the next version")
    _committed(root, where)
    previous = latest_published(release_root)
    if previous is not None and version_key(version) <= version_key(previous.name):
        raise DatasetError.one(where, None, None, f"version {version} is not higher than the latest published release {previous.name}")
    date = date or dt.date.today().isoformat()
    edited = {path: path.read_bytes() if path.exists() else None for path in (root / "CHANGELOG.md", root / "CITATION.cff", root / ABOUT, root / "README.md")}

    # Process: build and diff where nothing can see it, then edit the version files and freeze.
    tables = check(root, cache=False).tables  # a published release is computed afresh, never from the build cache
    with tempfile.TemporaryDirectory(prefix="tradetalks-stage-") as stage:
        staged = write_release(tables, Path(stage) / version, version, None)
        d = diff_releases(previous, staged)
    problem = check_version(d)
    if problem:
        raise DatasetError.one(where, None, None, problem)
    try:
        update_changelog(root / "CHANGELOG.md", d, date)
        update_citation(root / "CITATION.cff", version, date)
        update_version(root / ABOUT, version)
        update_install_examples(root / "README.md", version)
        target = write_release(tables, release_root / version, version, root / "CHANGELOG.md", provenance(root), replace=False)
    except BaseException:
        for path, content in edited.items():
            if content is not None:
                path.write_bytes(content)
        raise
    record_known_release(root / KNOWN_RELEASES, version, sha256_file(target / "manifest.json"))
    return d


def update_version(path: Path, version: str) -> None:
    """The package version, the one place it is written (src/tradetalks/__about__.py)."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^__version__ = .*$", f'__version__ = "{version}"', text), encoding="utf-8")


def update_install_examples(path: Path, version: str) -> None:
    """The README's install examples name the latest release: its wheel asset and its git tag."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    v = r"\d+\.\d+\.\d+"
    text = re.sub(rf"/releases/download/v{v}/tradetalks-{v}-py3-none-any\.whl", f"/releases/download/v{version}/tradetalks-{version}-py3-none-any.whl", text)
    text = re.sub(rf"(git\+https://github\.com/tradetalks/tradetalks)@v{v}\b", rf"\1@v{version}", text)
    path.write_text(text, encoding="utf-8")


def update_citation(path: Path, version: str, date: str) -> None:
    """CITATION.cff's `version:` and `date-released:` follow the release."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version: .*$", f'version: "{version}"', text)
    if re.search(r"(?m)^date-released: ", text):
        text = re.sub(r"(?m)^date-released: .*$", f'date-released: "{date}"', text)
    else:
        text = re.sub(r"(?m)^(version: .*)$", rf'\1\ndate-released: "{date}"', text, count=1)
    path.write_text(text, encoding="utf-8")


# What a release is built from (its provenance), less the files `release` itself writes: each must
# be committed, or no commit can reproduce the release.
SOURCES = ("dataset", "src", "pyproject.toml", "uv.lock", "hatch_build.py")
WRITTEN_BY_RELEASE = (str(KNOWN_RELEASES), str(ABOUT))


def _committed(root: Path, where: str) -> None:
    """Refuse to publish from a git work tree whose sources differ from its last commit."""
    inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if inside.returncode != 0:
        return  # not a git work tree (nothing to compare with); `reproduce` will need one
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *SOURCES)
    changed = sorted({line[3:] for line in status.splitlines() if line[3:] not in WRITTEN_BY_RELEASE})
    if changed:
        listed = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
        raise DatasetError.one(
            where, None, None, f"uncommitted changes in {listed}: commit them first, so that the commit that publishes the release can reproduce it"
        )


def _finish_pin(root: Path, version: str) -> bool:
    """A release written but never pinned (the run that wrote it was stopped): pin it, if this tree
    rebuilds it byte for byte. False when it is pinned already, or is not this tree's release."""
    known_path = root / KNOWN_RELEASES
    known = json.loads(known_path.read_text(encoding="utf-8")) if known_path.is_file() else {}
    if version in known or not known_path.parent.is_dir():
        return False
    target = root / "release" / version
    from tradetalks.pipeline.run import build

    with tempfile.TemporaryDirectory(prefix="tradetalks-finish-") as scratch:
        rebuilt = build(root, Path(scratch) / version, version=version, cache=False).release_dir
        differences = compare_trees(target, rebuilt) if rebuilt is not None else ["no rebuild"]
    if differences:
        raise DatasetError.one(
            f"release/{version}",
            None,
            None,
            "exists but is not pinned in src/tradetalks/known_releases.json, and this tree does not rebuild it ("
            + "; ".join(differences[:3])
            + "): remove the directory if a stopped run left it, then publish again",
        )
    record_known_release(known_path, version, sha256_file(target / "manifest.json"))
    return True


def record_known_release(path: Path, version: str, manifest_sha256: str) -> None:
    """Pin a published version's manifest in the package: the loader refuses any other manifest for it."""
    if not path.parent.is_dir():
        return
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    known[version] = {"manifest_sha256": manifest_sha256}
    ordered = {v: known[v] for v in sorted(known, key=version_key)}
    path.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")


COUNTS_START = "<!-- release counts: written by `tradetalks release` -->"
COUNTS_END = "<!-- /release counts -->"


def changelog_counts(d: ReleaseDiff) -> str:
    """The CHANGELOG block for one release: per-table counts and schema changes, from the diff."""
    lines = [
        COUNTS_START,
        f"Changes since {d.old_version}:" if d.old_version else "First release: every row is added.",
        "",
        "| table | rows | added | changed | removed |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, t in d.tables.items():
        lines.append(f"| `{name}` | {t.rows_new} | {len(t.added)} | {len(t.changed)} | {len(t.removed)} |")
    schema = [f"- `{name}`: {c}" for name, t in d.tables.items() for c in t.schema_changes if not (d.old_version is None and c == "table added")]
    lines += ["", "Schema changes: " + ("none." if not schema else ""), *schema, COUNTS_END]
    return "\n".join(lines)


def update_changelog(path: Path, d: ReleaseDiff, date: str) -> None:
    """Write the counts into the `## <version> - <date>` entry, made from `## Unreleased` or added."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Changelog\n"
    block = changelog_counts(d)
    heading = re.compile(rf"^## \[?(?:{re.escape(d.new_version)}|Unreleased)\]?(?=[\s(]|$).*$", re.M | re.I)
    m = heading.search(text)
    title = f"## {d.new_version} - {date}"
    if m is None:
        first = re.search(r"^## ", text, re.M)
        entry = f"{title}\n\n{block}\n\n"
        text = text[: first.start()] + entry + text[first.start() :] if first else text.rstrip("\n") + "\n\n" + entry
    else:
        nxt = re.search(r"^## ", text[m.end() :], re.M)
        end = m.end() + nxt.start() if nxt else len(text)
        section = text[m.end() : end]
        if COUNTS_START in section and COUNTS_END in section:
            a = section.index(COUNTS_START)
            b = section.index(COUNTS_END) + len(COUNTS_END)
            section = section[:a] + block + section[b:]
        else:
            section = section.rstrip("\n") + "\n\n" + block + "\n\n"
        text = text[: m.start()] + title + section + text[end:]
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# `tradetalks reproduce X.Y.Z`


@dataclass
class Reproduction:
    version: str
    ref: str
    commit: str
    problems: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def reproduce(root: Path, version: str, ref: str | None = None, timeout: float = 1800) -> Reproduction:
    """Rebuild release/<version>/ from the sources and code of `ref` and compare every file's bytes."""
    # Load inputs.
    root = Path(root)
    published = root / "release" / version
    if not is_release_version(version) or not (published / "manifest.json").is_file():
        raise DatasetError.one(f"release/{version}", None, None, "no published release of that version here")
    manifest = read_manifest(published)
    ref = ref or _publishing_ref(root, version)
    commit = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    result = Reproduction(version, ref, commit)

    # Process: the commit's tree in a scratch directory, built by its own code.
    with tempfile.TemporaryDirectory(prefix=f"tradetalks-reproduce-{version}-") as scratch:
        tree = Path(scratch) / "tree"
        _extract(root, commit, tree)
        recorded = manifest.get("provenance")
        if recorded is not None:
            now = _run_code(tree, _PROVENANCE, timeout)
            for key, value in json.loads(now.stdout).items():
                if recorded.get(key) != value:
                    result.problems.append(f"{key}: the release records {recorded.get(key)}, {ref} gives {value}")
            rebuilt = Path(scratch) / "out" / version
            _run_code(tree, _CLI, timeout, "build", "--root", ".", "--out", str(rebuilt), "--as-version", version)
        else:
            # Published before fingerprints were recorded: that code's build wrote <out>/<version>/.
            _run_code(tree, _CLI, timeout, "build", "--root", ".", "--out", str(Path(scratch) / "out"))
            rebuilt = Path(scratch) / "out" / version
        result.problems += compare_trees(published, rebuilt)
        result.files = sum(1 for p in published.rglob("*") if p.is_file())
    return result


# The fingerprints, computed by the rebuilt commit's own code, wherever its layout keeps them
# (`pipeline/` since 2.1.0, `build/` before).
_PROVENANCE = (
    "import json\n"
    "try:\n    from tradetalks.pipeline.fingerprint import provenance\n"
    "except ImportError:\n    from tradetalks.build.fingerprint import provenance\n"
    "print(json.dumps(provenance('.')))"
)
_CLI = "import sys; from tradetalks.cli import main; sys.argv[0] = 'tradetalks'; main()"


def compare_trees(published: Path, rebuilt: Path) -> list[str]:
    """Every difference between two directories: files missing on either side, or with other bytes."""

    def files(d: Path) -> set[str]:
        return {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()} if d.is_dir() else set()

    mine, theirs = files(published), files(rebuilt)
    out = [f"{rel}: in the published release, not in the rebuild" for rel in sorted(mine - theirs)]
    out += [f"{rel}: in the rebuild, not in the published release" for rel in sorted(theirs - mine)]
    out += [
        f"{rel}: differs (published sha256 {sha256_file(published / rel)}, rebuilt {sha256_file(rebuilt / rel)})"
        for rel in sorted(mine & theirs)
        if (published / rel).read_bytes() != (rebuilt / rel).read_bytes()
    ]
    return out


def _publishing_ref(root: Path, version: str) -> str:
    """The tag v<version> when it exists, else the last commit that changed release/<version>/."""
    tag = f"v{version}"
    if subprocess.run(["git", "-C", str(root), "rev-parse", "-q", "--verify", f"refs/tags/{tag}"], capture_output=True).returncode == 0:
        return tag
    last = _git(root, "log", "-1", "--format=%H", "--", f"release/{version}").strip()
    if not last:
        raise DatasetError.one(f"release/{version}", None, None, "no commit publishes this release (commit it, or pass --ref)")
    return last


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    except FileNotFoundError:
        raise DatasetError.one(str(root), None, None, "git is needed to rebuild a release from its commit") from None
    except subprocess.CalledProcessError as exc:
        raise DatasetError.one(str(root), None, None, f"git {' '.join(args)} failed: {exc.stderr.strip()}") from None
    return done.stdout


def _extract(root: Path, commit: str, into: Path) -> None:
    """The commit's tracked files (git archive), extracted with tarfile's safe 'data' filter."""
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", commit], capture_output=True, check=True).stdout
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def _run_code(tree: Path, code: str, timeout: float, *args: str) -> subprocess.CompletedProcess:
    """Run `code` with the tree's own package first on the import path (the libraries are this environment's)."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-20:]
        raise DatasetError.one(str(tree), None, None, "the rebuild failed:\n" + "\n".join(tail))
    return done
